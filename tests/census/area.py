"""A tiny area built in code: three OAs, two Nomis bulk tables, boundaries and a spec."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

OAS = ["E00000001", "E00000002", "E00000003"]

TS001 = {
    "Residence type: Total; measures: Value": [200, 150, 400],
    "Residence type: Lives in a household; measures: Value": [190, 150, 100],
    "Residence type: Lives in a communal establishment; measures: Value": [10, 0, 300],
}
TS054 = {
    "Tenure of household: Total: All households; measures: Value": [80, 60, 40],
    "Tenure of household: Owned; measures: Value": [40, 30, 10],
    "Tenure of household: Social rented; measures: Value": [20, 6, 25],
    "Tenure of household: Private rented; measures: Value": [20, 24, 5],
}

SPEC = '''
name = "tiny"
title = "A tiny test spec"
source = "nomis_bulk"
population = "TS001: Total"

[[variable]]
code = "communal"
name = "Lives in a communal establishment"
form = "percentage"
numerator = ["TS001: Lives in a communal establishment"]
denominator = ["TS001: Total"]

[[variable]]
code = "rented"
name = "Rented (social or private)"
form = "percentage"
numerator = ["TS054: Social rented", "TS054: Private rented"]
denominator = ["TS054: Total: All households"]

[[variable]]
code = "density"
name = "Residents per hectare"
form = "density"
numerator = ["TS001: Total"]
'''


def write_table(directory: Path, table: str, cells: dict[str, list], oas: list[str] = OAS) -> Path:
    frame = pd.DataFrame({"date": 2021, "geography": oas, "geography code": oas, **cells})
    path = directory / f"census2021-{table}-oa.csv"
    frame.to_csv(path, index=False)
    return path


def write_boundaries(path: Path, oas: list[str] = OAS, crs: str | None = "EPSG:27700") -> Path:
    # Squares of 100 m, 200 m and 300 m side: 1, 4 and 9 hectares.
    shapes = [box(380000 + 1000 * i, 390000, 380000 + 1000 * i + side, 390000 + side)
              for i, side in enumerate((100, 200, 300))]
    frame = gpd.GeoDataFrame({"area_code": oas}, geometry=shapes[: len(oas)], crs=crs)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="'crs' was not provided")
        frame.to_file(path)
    return path


@pytest.fixture
def area(tmp_path: Path) -> dict[str, Path]:
    census = tmp_path / "census"
    census.mkdir()
    write_table(census, "ts001", TS001)
    write_table(census, "ts054", TS054)
    spec = tmp_path / "tiny.toml"
    spec.write_text(SPEC)
    boundaries = write_boundaries(tmp_path / "oa.geojson")
    return {"census": census, "spec": spec, "boundaries": boundaries, "out": tmp_path / "out", "root": tmp_path}


def census_args(area: dict[str, Path], *extra: str) -> list[str]:
    return ["census", "-o", str(area["out"]), "--census", str(area["census"]),
            "--boundaries", str(area["boundaries"]), "--spec", str(area["spec"]), *extra]
