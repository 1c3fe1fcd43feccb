"""The embedded Trafford estate: real registers, real outcomes checked against the shipped files."""

from __future__ import annotations

import time

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Transformer

from spacemap.estate.pipeline import build_estate, default_config_path
from spacemap.io.embedded import assets_dir, data_root

pytestmark = pytest.mark.slow

TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
ROWS_IN = {"council": 608, "libraries": 13, "childrens_centres": 2, "schools": 103, "hospitals": 20,
           "fire_stations": 6, "jobcentres": 2, "probation": 12, "gp_practices": 26, "pharmacies": 57}


@pytest.fixture(scope="module")
def trafford():
    started = time.perf_counter()
    run = build_estate()
    run.seconds = time.perf_counter() - started
    return run


@pytest.fixture(scope="module")
def council_csv():
    return pd.read_csv(assets_dir() / "trafford_land_and_building_assets.csv", dtype=str, keep_default_na=False)


def _bng(lon: float, lat: float) -> tuple[float, float]:
    return TO_BNG.transform(lon, lat)


def test_default_is_fast_and_uses_the_embedded_config(trafford):
    assert trafford.seconds < 10
    assert trafford.config.path == default_config_path()
    assert trafford.config.boundary.resolve().is_relative_to(data_root().resolve())


def test_every_row_is_kept_or_rejected_in_every_register(trafford):
    counts = {c.name: c for c in trafford.counts}
    assert {name: c.rows_in for name, c in counts.items()} == ROWS_IN
    for name, count in counts.items():
        kept = (trafford.occupancies["source_register"] == name).sum()
        rejected = (trafford.rejects["source_register"] == name).sum()
        assert count.rows_in == kept + rejected == count.rows_out + count.rejected, name
    assert len(trafford.occupancies) + len(trafford.rejects) == sum(ROWS_IN.values())
    for path in {c.path for c in trafford.counts if c.path.suffix == ".csv"}:
        assert len(pd.read_csv(path)) == counts[next(c.name for c in trafford.counts if c.path == path)].rows_in


def test_council_rows_with_only_an_outward_postcode_and_no_coordinates_are_rejected(trafford, council_csv):
    outward = council_csv["PostCode"].str.strip().str.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?")
    expected = council_csv.index[outward & (council_csv["GeoX"] == "")] + 2  # spreadsheet rows
    rejects = trafford.rejects[trafford.rejects["reason"].str.contains("only an outward code")]
    assert sorted(rejects["source_row"]) == sorted(expected) and len(expected) == 206
    assert set(rejects["source_register"]) == {"council"}


def test_the_swapped_latitude_longitude_row_is_fixed(trafford, council_csv):
    raw = council_csv.set_index("UPRN").loc["100012710993"]
    assert (raw["PropertyName"], raw["GeoX"], raw["GeoY"]) == ("Davyhulme Youth Centre", "53.457484", "-2.365856")
    row = trafford.occupancies.set_index("uprn").loc["100012710993"]
    assert row["location_source"] == "coordinates_swapped_fixed"
    assert (row["easting"], row["northing"]) == pytest.approx(_bng(-2.365856, 53.457484), abs=0.01)
    postcodes = pd.read_csv(assets_dir() / "trafford_postcodes.csv").set_index("postcode")
    centroid = _bng(postcodes.loc["M31 2DN", "lon"], postcodes.loc["M31 2DN", "lat"])
    assert ((row["easting"] - centroid[0]) ** 2 + (row["northing"] - centroid[1]) ** 2) ** 0.5 < 100


def test_holdings_outside_the_borough(trafford):
    rejects = trafford.rejects.set_index("name")
    for name in ("Sonova House", "The Fort"):
        assert rejects.loc[name, "reason"].startswith("outside the Trafford boundary")
    tatton = trafford.occupancies.set_index("name").loc["Tatton House"]
    assert bool(tatton["outside_boundary"])  # just over the border, within the 250 m buffer
    probation = trafford.occupancies[trafford.occupancies["source_register"] == "probation"]
    assert "Trafford Probation Office" in set(probation["name"]) and len(probation) == 2


def test_a_library_keeps_its_real_coordinates_and_owner(trafford):
    libraries = pd.read_csv(assets_dir() / "trafford_libraries.csv").set_index("name")
    hale = trafford.sites.set_index("name").loc["Hale Library"]
    expected = _bng(libraries.loc["Hale Library", "lon"], libraries.loc["Hale Library", "lat"])
    assert (hale["easting"], hale["northing"]) == pytest.approx(expected, abs=0.01)
    assert hale.geometry.x == pytest.approx(expected[0], abs=0.01)
    assert (hale["owner"], hale["owner_type"], hale["services"]) == ("Trafford Council", "local authority", "library")


def test_owners_of_each_partner(trafford):
    sites = trafford.sites
    by_service = lambda service: sites[sites["services"].str.contains(service, na=False)]  # noqa: E731
    assert set(by_service("fire_station")["owner"]) == {"Greater Manchester Fire and Rescue Service"}
    assert len(by_service("fire_station")) == 3  # six building outlines, three stations
    assert set(by_service("jobcentre")["owner"]) == {"DWP"}
    conway = sites.set_index("name").loc["Conway Road Medical Practice"]
    assert (conway["owner"], conway["owner_type"]) == ("NHS / GP partnership", "NHS primary care")
    navigation = sites[sites["occupiers"].str.contains("Navigation Primary School", na=False)].iloc[0]
    assert navigation["capacity"] == 420 and navigation["owner"] == "Trafford Council"
    practices = pd.read_csv(assets_dir() / "trafford_general_practices.csv")["name"]
    occupiers = set(sites["occupiers"].dropna().str.split("; ").explode())
    assert set(practices) <= occupiers


def test_real_shared_sites_are_found(trafford):
    sites = trafford.sites.set_index("name")
    timperley = sites.loc["Timperley Library"]
    assert set(timperley["occupiers"].split("; ")) == {"Trafford Council", "Park Medical Practice", "Pelican Pharmacy"}
    assert set(timperley["services"].split("; ")) == {"library", "gp", "pharmacy"}
    assert bool(timperley["shared"]) and timperley["n_occupiers"] == 3
    assert timperley["owner"] == "Trafford Council" and "council" in timperley["source_registers"]
    limelight = sites.loc["Old Trafford Library at Limelight"]
    assert "Limelight Health And Wellbeing Hub" in limelight["occupiers"] and bool(limelight["shared"])
    grove_lane = trafford.sites[trafford.sites["occupiers"].str.contains("Village Surgery", na=False)].iloc[0]
    assert "Timperley Health Centre (Westwood)" in grove_lane["occupiers"]  # two practices, one building
    assert trafford.sites["shared"].sum() >= 5


def test_hospital_outlines_merge_and_eric_backs_the_only_estimates(trafford):
    eric = pd.read_csv(data_root() / "assets" / "nhs_eric" / "eric_site_2016-17.csv").set_index("Site Code")
    hospital = trafford.sites.set_index("name").loc["Trafford General Hospital"]
    assert hospital["n_records"] == 13
    assert hospital["floor_area_m2"] == eric.loc["RW3TR", "Gross internal floor area (m²)"] == 56493
    assert hospital["estimated_fields"] == "floor_area_m2; annual_running_cost_gbp"
    assert hospital["floor_area_measure"] == "GIA"
    estimated = trafford.sites[trafford.sites["estimated_fields"].notna()]
    assert estimated["name"].tolist() == ["Trafford General Hospital"]
    assert pd.isna(trafford.sites.set_index("name").loc["Altrincham Hospital", "floor_area_m2"])


def test_estate_invariants(trafford):
    sites, occupancies = trafford.sites, trafford.occupancies
    assert sites.crs == "EPSG:27700" and occupancies.crs == "EPSG:27700"
    assert sites["site_id"].is_unique and set(occupancies["site_id"]) == set(sites["site_id"])
    assert sites["n_records"].sum() == len(occupancies)
    assert (sites["shared"] == (sites["n_occupiers"] >= 2)).all()
    boundary = gpd.read_file(trafford.config.boundary).to_crs(27700).union_all()
    assert (sites.distance(boundary) <= trafford.config.buffer_m).all()
    assert sites["floor_area_m2"].dropna().gt(0).all()
    assert set(sites["floor_area_measure"].dropna()) == {"GIA"}
    assert set(sites["tenure"].dropna()) <= {"freehold", "leasehold"}
    assert list(sites["site_id"]) == sorted(sites["site_id"])
