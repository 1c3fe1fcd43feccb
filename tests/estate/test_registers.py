"""Registers in every format spacemap reads: CSV, XLSX (any sheet, header found or given), GeoJSON, GeoPackage."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import openpyxl
import pytest
from shapely.geometry import Point, box

from spacemap.estate.pipeline import build_estate
from tests.estate.area import COUNCIL, NHS, lonlat, write_config

HEADINGS = ["Ref", "Property", "Easting", "Northing", "Floor area", "Unit", "Lease end", "Break", "Utilisation"]
XLSX_REGISTER = {
    "name": "police", "path": "police.xlsx",
    "columns": {"site_id": "Ref", "name": "Property", "easting": "Easting", "northing": "Northing",
                "floor_area": "Floor area", "floor_area_unit": "Unit", "lease_end": "Lease end",
                "lease_break": "Break", "utilisation_pct": "Utilisation"},
    "values": {"owner": "Greater Manchester Police", "tenure": "leasehold", "services": "police"},
}


def _police_workbook(path, sheet_title="Estate", title_rows=True):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Notes"
    sheet.append(["Read me first"])
    sheet = book.create_sheet(sheet_title)
    if title_rows:
        sheet.append(["Greater Manchester Police — Trafford estate, March 2024"])
        sheet.merge_cells("A1:I1")
        sheet.append(["", "", "Location", "", "Space", "", "Lease", ""])
        sheet.merge_cells("C2:D2")
        sheet.merge_cells("E2:F2")
        sheet.merge_cells("G2:H2")
    sheet.append(HEADINGS)
    sheet.append(["P1", "Sale Police Station", 378500, 392600, 10764, "sq ft", dt.datetime(2035, 3, 31),
                  dt.datetime(2030, 3, 31), 0.85])
    sheet.cell(row=sheet.max_row, column=9).number_format = "0%"
    sheet.append([None] * 9)
    sheet.append(["P2", "Stretford Police Station", 379500, 395500, "450 m²", "sq ft", "31/03/2031", None, "70%"])
    book.save(path)


def test_xlsx_with_title_and_merged_rows_above_the_header(estate_dir):
    _police_workbook(estate_dir / "police.xlsx")
    write_config(estate_dir, [COUNCIL, NHS, {**XLSX_REGISTER, "sheet": "Estate"}])
    run = build_estate(estate_dir / "estate.toml")
    police = run.occupancies[run.occupancies["source_register"] == "police"].set_index("record_id")
    assert police["source_row"].to_dict() == {"police:P1": 4, "police:P2": 6}  # rows as Excel shows them
    first, second = police.loc["police:P1"], police.loc["police:P2"]
    assert first["floor_area_m2"] == pytest.approx(1000.0, abs=0.01)  # 10,764 sq ft
    assert second["floor_area_m2"] == 450.0  # the cell's own unit wins over the Unit column
    assert (first["lease_end"], first["lease_break"], second["lease_end"]) == ("2035-03-31", "2030-03-31", "2031-03-31")
    assert (first["utilisation_pct"], second["utilisation_pct"]) == (85.0, 70.0)
    assert first["owner"] == "Greater Manchester Police" and first["tenure"] == "leasehold"
    count = next(c for c in run.counts if c.name == "police")
    assert (count.rows_in, count.rows_out, count.rejected, count.blank_rows) == (2, 2, 0, 1)


def test_xlsx_sheet_by_number_and_header_row_given(estate_dir):
    _police_workbook(estate_dir / "police.xlsx", title_rows=False)
    write_config(estate_dir, [COUNCIL, NHS, {**XLSX_REGISTER, "sheet": 2, "header_row": 1}])
    run = build_estate(estate_dir / "estate.toml")
    assert run.occupancies.loc[run.occupancies["source_register"] == "police", "source_row"].tolist() == [2, 4]


def test_geojson_without_crs_is_longitude_latitude(estate_dir):
    lon, lat = lonlat(377000, 391000)
    features = [{"type": "Feature", "properties": {"Station": "Sale Fire Station"},
                 "geometry": {"type": "Point", "coordinates": [lon, lat]}}]
    (estate_dir / "fire.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    write_config(estate_dir, [COUNCIL, NHS, {"name": "fire", "path": "fire.geojson",
                                             "columns": {"name": "Station"}}])
    site = build_estate(estate_dir / "estate.toml").sites.set_index("name").loc["Sale Fire Station"]
    assert (site["easting"], site["northing"]) == pytest.approx((377000, 391000), abs=0.01)
    assert site["location_source"] == "geometry"


def test_geojson_in_metres_with_crs_given_in_the_config(estate_dir):
    features = [{"type": "Feature", "properties": {"Station": "Sale Fire Station"},
                 "geometry": {"type": "Point", "coordinates": [377000.0, 391000.0]}}]
    (estate_dir / "fire.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    write_config(estate_dir, [COUNCIL, NHS, {"name": "fire", "path": "fire.geojson", "crs": "EPSG:27700",
                                             "columns": {"name": "Station"}}])
    site = build_estate(estate_dir / "estate.toml").sites.set_index("name").loc["Sale Fire Station"]
    assert (site["easting"], site["northing"]) == (377000.0, 391000.0)


def test_geopackage_polygons_become_points_inside_them(estate_dir):
    outline = box(376000, 390000, 376040, 390030)
    frame = gpd.GeoDataFrame({"NAME": ["Altrincham Fire Station", "Nowhere"]},
                             geometry=[outline, None], crs="EPSG:27700")
    frame.to_file(estate_dir / "fire.gpkg", layer="stations", driver="GPKG", engine="pyogrio")
    write_config(estate_dir, [COUNCIL, NHS, {"name": "fire", "path": "fire.gpkg", "layer": "stations",
                                             "columns": {"name": "NAME"}}])
    run = build_estate(estate_dir / "estate.toml")
    site = run.sites.set_index("name").loc["Altrincham Fire Station"]
    assert outline.contains(Point(site["easting"], site["northing"]))
    reject = run.rejects.set_index("source_register").loc["fire"]
    assert (reject["source_row"], reject["reason"]) == (2, "no location: no coordinates and no postcode")


def test_windows_1252_csv_and_blank_lines(estate_dir):
    text = (estate_dir / "council.csv").read_text().replace("Ashton Community Centre", "Ashton Café") + "\n\n"
    (estate_dir / "council.csv").write_bytes(text.encode("cp1252"))
    run = build_estate(estate_dir / "estate.toml")
    assert "Ashton Café" in set(run.occupancies["name"])
    council = next(c for c in run.counts if c.name == "council")
    assert (council.rows_in, council.rows_out, council.blank_rows) == (3, 3, 2)


def test_missing_optional_fields_stay_missing_and_are_counted(estate_dir):
    run = build_estate(estate_dir / "estate.toml")
    community = run.occupancies.set_index("record_id").loc["council:C3"]
    assert community["location_source"] == "postcode_centroid"
    assert (community["easting"], community["northing"]) == pytest.approx((379000, 392000), abs=0.01)
    for field in ("floor_area_m2", "annual_running_cost_gbp", "condition", "lease_end", "uprn"):
        assert community.isna()[field], field
    assert run.missing.loc["council", "condition"] == 1
    assert run.missing.loc["council", "floor_area_m2"] == 1
    assert run.missing.loc["nhs", "tenure"] == 2
    assert run.sites["estimated_fields"].isna().all()


def test_assumptions_fill_only_missing_values_and_are_flagged(estate_dir):
    (estate_dir / "assumptions.csv").write_text(
        "match_field,match_value,field,value,source,reason\n"
        "services,gp,floor_area_m2,400,Partner survey 2023,median GP surgery GIA\n"
        "name,Brooklands Depot,disposal_value_gbp,250000,Valuation 2022,desktop valuation\n")
    write_config(estate_dir, [COUNCIL, NHS], top='assumptions = "assumptions.csv"')
    run = build_estate(estate_dir / "estate.toml")
    sites = run.sites.set_index("site_id")
    assert sites.loc["nhs:N2", "floor_area_m2"] == 450  # a real value is never overwritten
    assert sites.loc["council:C1", "floor_area_m2"] == pytest.approx(1000.0, abs=0.01)
    assert sites.loc["council:C2", "disposal_value_gbp"] == 250000
    assert sites.loc["council:C2", "estimated_fields"] == "disposal_value_gbp"
    assert sites["estimated_fields"].notna().sum() == 1
    assert run.assumptions["sites"].tolist() == [0, 1]
