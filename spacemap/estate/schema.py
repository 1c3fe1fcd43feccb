"""The canonical estate schema: one row per site, the same fields for every partner.

Every register's own headings are mapped onto these fields by the config's
``[register.columns]``; fields a register lacks stay missing (never invented).
"""

from __future__ import annotations

# Fields a register may map from its own columns, with their kind.
# kind drives parsing in ``spacemap.estate.normalise``.
MAPPABLE = {
    "site_id": "text",
    "name": "text",
    "owner": "text",
    "owner_type": "text",
    "occupier": "text",
    "services": "list",
    "use_type": "text",
    "address": "text",
    "postcode": "text",
    "uprn": "uprn",
    "lon": "number",
    "lat": "number",
    "easting": "number",
    "northing": "number",
    "floor_area": "area",
    "floor_area_unit": "text",
    "floor_area_measure": "measure",
    "tenure": "tenure",
    "tenure_detail": "text",
    "lease_end": "date",
    "lease_break": "date",
    "annual_running_cost_gbp": "money",
    "condition": "condition",
    "utilisation_pct": "percent",
    "capacity": "count",
    "disposal_value_gbp": "money",
    "energy_rating": "text",
}

# Fields a register may set to one value for all its rows ([register.values]).
CONSTANT = {"owner", "owner_type", "occupier", "services", "use_type", "floor_area_measure", "tenure", "area_unit"}

# The service types a site can deliver (the ``services`` field, '; '-joined).
SERVICE_TYPES = {
    "gp": "GP practice (NHS primary care)",
    "pharmacy": "community pharmacy",
    "dentist": "dental practice",
    "hospital": "hospital (acute, community or mental health)",
    "mental_health": "mental health service",
    "community_health": "community health clinic",
    "library": "public library",
    "school": "school (any phase)",
    "college": "further education college",
    "childrens_centre": "children's centre / family hub",
    "youth_centre": "youth centre",
    "social_care": "social care (day centre, care home)",
    "jobcentre": "Jobcentre Plus",
    "fire_station": "fire station",
    "police": "police station",
    "probation": "probation office",
    "council_office": "council office or town hall",
    "customer_service": "face-to-face customer service point",
    "community_centre": "community centre or hall",
    "leisure": "leisure or sports centre",
    "parks": "park or open space",
    "allotments": "allotments",
    "depot": "depot or operational yard",
    "housing": "housing",
    "other": "other public service",
}

# Fields an assumption table may estimate; flagged in ``estimated_fields``.
ESTIMABLE = ("floor_area_m2", "annual_running_cost_gbp", "disposal_value_gbp", "capacity", "utilisation_pct")

# The optional fields whose missing values the report counts (per register).
OPTIONAL = (
    "name", "owner", "owner_type", "occupiers", "services", "use_type", "address", "postcode", "uprn",
    "floor_area_m2", "floor_area_measure", "tenure", "tenure_detail", "lease_end", "lease_break",
    "annual_running_cost_gbp", "condition", "utilisation_pct", "capacity", "disposal_value_gbp", "energy_rating",
)

# Columns of one normalised register row (the ``occupancies`` layer), in order.
ROW_COLUMNS = (
    "site_id", "record_id", "name", "owner", "owner_type", "occupiers", "services", "use_type", "address",
    "postcode", "uprn", "floor_area_m2", "floor_area_measure", "tenure", "tenure_detail", "lease_end",
    "lease_break", "annual_running_cost_gbp", "condition", "utilisation_pct", "capacity", "disposal_value_gbp",
    "energy_rating", "location_source", "outside_boundary", "source_register", "source_row",
    "easting", "northing",
)

# Columns of a merged site (the ``sites`` layer), in order.
SITE_COLUMNS = (
    "site_id", "name", "owner", "owner_type", "occupiers", "n_occupiers", "shared", "services", "use_type",
    "address", "postcode", "uprn", "floor_area_m2", "floor_area_measure", "tenure", "tenure_detail", "lease_end",
    "lease_break", "annual_running_cost_gbp", "condition", "utilisation_pct", "capacity", "disposal_value_gbp",
    "energy_rating", "estimated_fields", "location_source", "outside_boundary", "n_records", "source_registers",
    "record_ids", "easting", "northing",
)

LIST_SEPARATOR = "; "

# How a site's point was found, best first.
LOCATION_SOURCES = ("coordinates", "geometry", "coordinates_swapped_fixed", "postcode_centroid")
