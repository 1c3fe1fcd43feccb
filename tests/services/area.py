"""A tiny area built in code: four 1 km square OAs in two LSOAs, three sites, two segment tiers.

    OA3 (300) | OA4 (400)        y 391000–392000     S3 library at OA3's centre
    ----------+----------                            S2 gp at OA4's centre
    OA1 (100) | OA2 (200)        y 390000–391000     S1 gp at OA1's centre
    x 380000–381000 | 381000–382000

LSOA L1 = {OA1, OA2}, L2 = {OA3, OA4}. Segments: tier 1 A = {OA1, OA2}, B = {OA3, OA4};
tier 2 A1 = {OA1}, A2 = {OA2}, B1 = {OA3, OA4}.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

OAS = ["E00000001", "E00000002", "E00000003", "E00000004"]
POPULATION = [100, 200, 300, 400]
LSOAS = ["E01000001", "E01000001", "E01000002", "E01000002"]
X0, Y0 = 380000, 390000
CENTRES = [(X0 + 500, Y0 + 500), (X0 + 1500, Y0 + 500), (X0 + 500, Y0 + 1500), (X0 + 1500, Y0 + 1500)]


def boundaries(crs: str = "EPSG:27700") -> gpd.GeoDataFrame:
    shapes = [box(x - 500, y - 500, x + 500, y + 500) for x, y in CENTRES]
    return gpd.GeoDataFrame({"oa_code": OAS}, geometry=shapes, crs=crs)


def sites() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "site_id": ["S1", "S2", "S3"], "name": ["North Surgery", "South Surgery", "Town Library"],
        "owner": ["NHS", "NHS", "Council"], "services": ["gp", "gp", "library"], "capacity": [None, None, None],
        "postcode": ["M1 1AA", "M1 1AB", "M1 1AC"],
    }, geometry=[Point(CENTRES[0]), Point(CENTRES[3]), Point(CENTRES[2])], crs="EPSG:27700")


def segments() -> pd.DataFrame:
    return pd.DataFrame({
        "oa_code": OAS, "tier1_code": ["A", "A", "B", "B"], "tier1_name": ["Alpha", "Alpha", "Beta", "Beta"],
        "tier2_code": ["A1", "A2", "B1", "B1"], "tier2_name": ["Alpha one", "Alpha two", "Beta one", "Beta one"],
    })


def population() -> pd.Series:
    return pd.Series(POPULATION, index=pd.Index(OAS, name="oa_code"), dtype=float)


POSTCODES = pd.DataFrame({
    "postcode": ["M1 1AA", "M1 1AB", "M1 1AC", "M2 9ZZ", "M3 9ZZ"],
    "easting": [X0 + 100, X0 + 1900, X0 + 200, X0 + 9000, X0 + 9000],
    "northing": [Y0 + 100, Y0 + 100, Y0 + 1800, Y0 + 9000, Y0 + 9000],
    # M2 9ZZ lies outside every OA but its LSOA is in the area; M3 9ZZ's LSOA is not.
    "lsoa_code": ["E01000001", "E01000001", "E01000002", "E01000001", "E01099999"],
})


def write(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False)
    return path


def write_vector(path: Path, frame: gpd.GeoDataFrame, layer: str | None = None) -> Path:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="'crs' was not provided")
        frame.to_file(path, layer=layer, engine="pyogrio")
    return path


def make_area(tmp_path: Path) -> dict[str, Path]:
    """The tiny area's files, as a user would pass them to ``spacemap services``."""
    return {
        "root": tmp_path,
        "out": tmp_path / "out",
        "boundaries": write_vector(tmp_path / "oa.gpkg", boundaries()),
        "population": write(tmp_path / "population.csv", pd.DataFrame({"oa_code": OAS, "population": POPULATION})),
        "estate": write_vector(tmp_path / "estate.gpkg", sites(), layer="sites"),
        "segments": write(tmp_path / "oa_segments.csv", segments()),
        "postcodes": write(tmp_path / "postcodes.csv", POSTCODES),
        "lsoa_lookup": write(tmp_path / "lookup.csv", pd.DataFrame({"oa21cd": OAS, "lsoa21cd": LSOAS})),
    }


@pytest.fixture
def area(tmp_path: Path) -> dict[str, Path]:
    return make_area(tmp_path)


def services_args(area: dict[str, Path], *extra: str) -> list[str]:
    """Arguments for a run on the tiny area (add --records or --site-totals)."""
    return ["services", "-o", str(area["out"]), "--boundaries", str(area["boundaries"]),
            "--population", str(area["population"]), "--estate", str(area["estate"]),
            "--segments", str(area["segments"]), "--postcodes", str(area["postcodes"]),
            "--lsoa-lookup", str(area["lsoa_lookup"]), *extra]
