"""A tiny estate built in code: a square area near Sale, a postcode lookup, registers and a config."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from pyproj import Transformer

# A 10 km square in British National Grid around Sale (Trafford).
AREA = (373000.0, 388000.0, 383000.0, 398000.0)
TO_LONLAT = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def lonlat(easting: float, northing: float) -> tuple[float, float]:
    lon, lat = TO_LONLAT.transform(easting, northing)
    return round(lon, 7), round(lat, 7)


POSTCODES = {  # postcode → (easting, northing)
    "M33 7ZF": (378000.0, 393000.0),
    "M33 2RH": (379000.0, 392000.0),
    "WA14 1AH": (376700.0, 389900.0),
}


def write_boundary(path: Path) -> Path:
    x0, y0, x1, y1 = AREA
    feature = {"type": "Feature", "properties": {"name": "Test area"},
               "geometry": {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}}
    path.write_text(json.dumps({"type": "FeatureCollection", "name": "area",
                                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
                                "features": [feature]}))
    return path


def write_postcodes(path: Path) -> Path:
    rows = []
    for postcode, (easting, northing) in POSTCODES.items():
        lon, lat = lonlat(easting, northing)
        rows.append({"postcode": postcode, "lon": lon, "lat": lat})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def write_csv(path: Path, rows: list[dict]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def toml_value(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value))


def register_toml(register: dict) -> str:
    """One [[register]] table from a dict with nested 'columns', 'values' and 'derive' tables."""
    lines = ["[[register]]"]
    for key, value in register.items():
        if key not in ("columns", "values", "derive"):
            lines.append(f"{key} = {toml_value(value)}")
    for table in ("columns", "values"):
        if table in register:
            lines.append(f"[register.{table}]")
            lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in register[table].items()]
    for field, spec in register.get("derive", {}).items():
        lines.append(f"[register.derive.{field}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in spec.items()]
    return "\n".join(lines)


def write_config(root: Path, registers: list[dict], merge: dict | None = None, top: str = "",
                 area: bool = True) -> Path:
    parts = [top, 'title = "Test estate"']
    if area:
        parts.append('[area]\nname = "Test area"\nboundary = "area.geojson"\nbuffer_m = 250\n'
                     'postcodes = "postcodes.csv"')
    merge = {"distance_m": 25, "similarity": 0.8, **(merge or {})}
    parts.append("[merge]\n" + "\n".join(f"{k} = {toml_value(v)}" for k, v in merge.items()))
    parts += [register_toml(register) for register in registers]
    path = root / "estate.toml"
    path.write_text("\n\n".join(p for p in parts if p) + "\n")
    return path


# A council register (CSV, square feet, BNG coordinates) and an NHS register (lon/lat, m²).
COUNCIL_ROWS = [
    {"Asset Ref": "C1", "Site Name": "Sale Waterside", "UPRN": "100012345678", "Easting": 378000, "Northing": 393000,
     "Post Code": "M33 7ZF", "GIA (sq ft)": "10,764", "Tenure": "Freehold", "Lease End": "", "Break": "",
     "Running Cost": "£120,000", "Condition": "B", "Use": "Office"},
    {"Asset Ref": "C2", "Site Name": "Brooklands Depot", "UPRN": "", "Easting": 379500, "Northing": 391500,
     "Post Code": "", "GIA (sq ft)": "5000", "Tenure": "Leasehold", "Lease End": "31/03/2030", "Break": "31/03/2027",
     "Running Cost": "45000", "Condition": "C", "Use": "Depot"},
    {"Asset Ref": "C3", "Site Name": "Ashton Community Centre", "UPRN": "", "Easting": "", "Northing": "",
     "Post Code": "M33 2RH", "GIA (sq ft)": "", "Tenure": "Freehold", "Lease End": "", "Break": "",
     "Running Cost": "", "Condition": "", "Use": "Community centre"},
]
COUNCIL = {
    "name": "council", "path": "council.csv",
    "columns": {"site_id": "Asset Ref", "name": "Site Name", "uprn": "UPRN", "easting": "Easting",
                "northing": "Northing", "postcode": "Post Code", "floor_area": "GIA (sq ft)", "tenure": "Tenure",
                "lease_end": "Lease End", "lease_break": "Break", "annual_running_cost_gbp": "Running Cost",
                "condition": "Condition", "use_type": "Use"},
    "values": {"owner": "Trafford Council", "owner_type": "local authority", "occupier": "Trafford Council",
               "area_unit": "sq ft", "floor_area_measure": "GIA"},
}

NHS_ROWS = [
    {"Code": "N1", "Practice": "Sale Waterside Health Centre", "UPRN": "100012345678",
     "lon": lonlat(378010, 393005)[0], "lat": lonlat(378010, 393005)[1], "Area m2": "300", "Services": "gp; pharmacy"},
    {"Code": "N2", "Practice": "Boundary House Medical Centre", "UPRN": "",
     "lon": lonlat(379010, 392010)[0], "lat": lonlat(379010, 392010)[1], "Area m2": "450", "Services": "gp"},
]
NHS = {
    "name": "nhs", "path": "nhs.csv",
    "columns": {"site_id": "Code", "name": "Practice", "occupier": "Practice", "uprn": "UPRN", "lon": "lon",
                "lat": "lat", "floor_area": "Area m2", "services": "Services"},
    "values": {"owner": "NHS / GP partnership", "owner_type": "NHS primary care", "area_unit": "m2"},
}


@pytest.fixture
def estate_dir(tmp_path):
    """A folder with the area, the postcode lookup, the two registers and their config."""
    write_boundary(tmp_path / "area.geojson")
    write_postcodes(tmp_path / "postcodes.csv")
    write_csv(tmp_path / "council.csv", COUNCIL_ROWS)
    write_csv(tmp_path / "nhs.csv", NHS_ROWS)
    write_config(tmp_path, [COUNCIL, NHS])
    return tmp_path
