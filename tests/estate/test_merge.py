"""Merging rows that describe one building into one site with several occupiers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spacemap.estate import merge as merge_module
from spacemap.estate.merge import merge_sites
from spacemap.estate.pipeline import build_estate
from spacemap.estate.schema import ROW_COLUMNS
from spacemap.estate.similarity import address_similarity, name_similarity, normalise_address, normalise_name
from tests.estate.area import COUNCIL, NHS, NHS_ROWS, lonlat, write_config, write_csv


def _rows(*records: dict) -> pd.DataFrame:
    base = {column: np.nan for column in ROW_COLUMNS}
    base.update(outside_boundary=False, location_source="coordinates", source_row=2)
    rows = pd.DataFrame([{**base, **record} for record in records])
    return rows.astype({"name": object, "address": object, "uprn": object, "occupiers": object})


def _name(a: str, b: str) -> float:
    x, y = normalise_name(pd.Series([a, b]))
    return name_similarity(x, y)


def _address(a: str, b: str) -> float:
    x, y = normalise_address(pd.Series([a, b]))
    return address_similarity(x, y)


def test_name_similarity():
    assert _name("Timperley Library", "TIMPERLEY LIBRARY & Health Centre") == 1.0
    assert _name("St. Alphonsus RC Primary School", "St Alphonsus RC Primary School") == 1.0
    assert _name("14 Plymouth Road", "16 Plymouth Road") == 0.0  # different house numbers
    assert _name("Stretford Library", "Stretford Children's Centre") < 0.8
    assert _name("Boots", "Boots") == 1.0 and _name("", "Boots") == 0.0


def test_address_similarity_needs_the_same_house_number():
    assert _address("Library 405 Stockport Rd, West Timperley, Altrincham", "405 Stockport Road, Timperley") == 1.0
    assert _address("Limelight, 1 St Brides Way, Manchester", "1 St Brides Way, Old Trafford") == 1.0
    assert _address("91, Central Road, Partington", "91 Central Road, Partington") == 1.0
    assert _address("14 Plymouth Road, Sale", "16 Plymouth Road, Sale") == 0.0
    assert _address("Manor Road, Altrincham", "Manor Road, Altrincham, Cheshire") == 0.0  # a bare street
    assert _address("Riddings Road, Timperley", "34 Riddings Road, Timperley") == 0.0  # number on one side only
    assert _address("The Delamere Centre, Delamere Avenue, Stretford", "Delamere Avenue, Stretford, Manchester") < 0.8


def test_same_uprn_is_one_site_with_both_occupiers():
    rows = _rows(
        {"record_id": "council:1", "source_register": "council", "name": "Civic Centre", "uprn": "100012345678",
         "owner": "Council", "occupiers": "Council", "easting": 378000, "northing": 393000, "floor_area_m2": 900},
        {"record_id": "nhs:A", "source_register": "nhs", "name": "Health Hub", "uprn": "100012345678",
         "owner": "NHS", "occupiers": "Health Hub", "easting": 378300, "northing": 393000, "services": "gp"},
    )
    merged = merge_sites(rows, distance_m=25, threshold=0.8)
    assert len(merged.sites) == 1
    site = merged.sites.iloc[0]
    assert site["site_id"] == "council:1" and site["owner"] == "Council"
    assert site["occupiers"] == "Council; Health Hub" and site["n_occupiers"] == 2 and site["shared"]
    assert site["floor_area_m2"] == 900 and site["services"] == "gp" and site["n_records"] == 2
    assert merged.rows["site_id"].tolist() == ["council:1", "council:1"]


def test_same_uprn_far_apart_is_a_conflict_not_a_merge():
    rows = _rows(
        {"record_id": "council:1", "source_register": "council", "name": "Youth Centre", "uprn": "10070406912",
         "easting": 382000, "northing": 396000},
        {"record_id": "council:2", "source_register": "council", "name": "Primary School", "uprn": "10070406912",
         "easting": 377000, "northing": 389000},
    )
    merged = merge_sites(rows, uprn_within_m=500)
    assert len(merged.sites) == 2
    assert merged.uprn_conflicts[["record_id", "other_record_id"]].values.tolist() == [["council:1", "council:2"]]
    assert merged.uprn_conflicts["distance_m"].iloc[0] == pytest.approx(8602, abs=1)


def test_near_with_similar_name_merges_far_or_different_does_not():
    rows = _rows(
        {"record_id": "a:1", "source_register": "a", "name": "Sale Library", "easting": 378000, "northing": 393000},
        {"record_id": "b:1", "source_register": "b", "name": "Sale Library", "easting": 378020, "northing": 393000},
        {"record_id": "b:2", "source_register": "b", "name": "Sale Library", "easting": 378100, "northing": 393000},
        {"record_id": "b:3", "source_register": "b", "name": "Sale Fire Station", "easting": 378010,
         "northing": 393005},
    )
    sites = merge_sites(rows, distance_m=25, threshold=0.8).sites
    assert sorted(sites["record_ids"]) == ["a:1; b:1", "b:2", "b:3"]


def test_cluster_within_joins_one_registers_outlines_with_one_name():
    rows = _rows(*[{"record_id": f"h:{i}", "source_register": "h", "name": name, "easting": 375000 + 80 * i,
                    "northing": 395000} for i, name in enumerate(["General", "General", "General", "Priory"])])
    assert len(merge_sites(rows, distance_m=0).sites) == 4
    sites = merge_sites(rows, distance_m=0, cluster_within_m={"h": 100}).sites
    assert sorted(sites["n_records"]) == [1, 3]


def test_site_point_prefers_coordinates_over_a_postcode_centroid():
    rows = _rows(
        {"record_id": "a:1", "source_register": "a", "name": "Hub", "easting": 378000, "northing": 393000,
         "location_source": "postcode_centroid", "uprn": "1"},
        {"record_id": "b:1", "source_register": "b", "name": "Hub", "easting": 378012, "northing": 393009,
         "location_source": "coordinates", "uprn": "1"},
    )
    site = merge_sites(rows).sites.iloc[0]
    assert (site["site_id"], site["easting"], site["northing"]) == ("a:1", 378012, 393009)
    assert site["location_source"] == "coordinates"


def test_candidates_come_from_a_kd_tree_not_all_pairs(monkeypatch):
    calls = []
    real = merge_module.name_similarity

    def counting(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(merge_module, "name_similarity", counting)
    rng = np.random.default_rng(0)
    n = 2000
    rows = _rows(*[{"record_id": f"r:{i}", "source_register": "r", "name": f"Site {i}",
                    "easting": x, "northing": y} for i, (x, y) in enumerate(rng.uniform(0, 50_000, (n, 2)))])
    merge_sites(rows, distance_m=25)
    assert len(calls) < n  # all pairs would be ~2,000,000 comparisons


@settings(max_examples=10, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(0, 400), st.sampled_from(["Hub", "Depot", "Library"])),
                min_size=1, max_size=25))
def test_every_row_belongs_to_exactly_one_site_and_merging_is_stable(points):
    rows = _rows(*[{"record_id": f"r:{i:02d}", "source_register": "r", "name": name, "easting": x, "northing": y}
                   for i, (x, y, name) in enumerate(points)])
    merged = merge_sites(rows, distance_m=50)
    assert merged.sites["n_records"].sum() == len(rows)
    assert set(merged.rows["site_id"]) == set(merged.sites["site_id"])
    assert merged.sites["site_id"].is_unique
    again = merge_sites(rows.copy(), distance_m=50)
    pd.testing.assert_frame_equal(merged.sites, again.sites)
    # Rows that share a site are all within reach of each other through near, same-name links.
    for _, group in merged.rows.groupby("site_id"):
        assert group["name"].nunique() == 1


def test_two_partners_list_one_building(estate_dir):
    run = build_estate(estate_dir / "estate.toml")
    assert len(run.occupancies) == 5 and run.rejects.empty
    site = run.sites.set_index("site_id").loc["council:C1"]
    assert site["occupiers"] == "Trafford Council; Sale Waterside Health Centre"
    assert site["services"] == "gp; pharmacy" and bool(site["shared"])
    assert site["floor_area_m2"] == pytest.approx(10764 * 0.09290304)  # the council's survey wins (first register)
    assert site["floor_area_measure"] == "GIA"
    # Boundary House (nhs:N2) is 14 m from the postcode centroid of Ashton Community Centre but not alike.
    assert {"nhs:N2", "council:C3"} <= set(run.sites["site_id"])


def test_merge_settings_come_from_the_config(estate_dir):
    rows = [dict(r) for r in NHS_ROWS]
    lon, lat = lonlat(378000 + 60, 393000)
    rows[0].update(UPRN="", lon=lon, lat=lat, Practice="Sale Waterside")
    write_csv(estate_dir / "nhs.csv", rows)
    write_config(estate_dir, [COUNCIL, NHS], merge={"distance_m": 25})
    assert "nhs:N1" in set(build_estate(estate_dir / "estate.toml").sites["site_id"])
    write_config(estate_dir, [COUNCIL, NHS], merge={"distance_m": 75})
    assert "nhs:N1" not in set(build_estate(estate_dir / "estate.toml").sites["site_id"])
