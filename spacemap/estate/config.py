"""The estate config: which registers to merge, how each one's headings map onto the schema.

```toml
title = "County estate"
assumptions = "estate_assumptions.csv"  # optional: documented estimates for missing site values

[area]                      # optional: reject sites beyond this boundary (+ buffer)
name = "Trafford"
boundary = "borough.geojson"
crs = "EPSG:27700"          # only if the boundary file declares no CRS
buffer_m = 250
postcodes = "postcodes.csv" # postcode lookup: postcode + lon/lat (or easting/northing)

[merge]                     # optional: when rows of two registers are one building
distance_m = 25             # within this many metres …
similarity = 0.8            # … and names or addresses at least this alike (0–1)
uprn_within_m = 500         # rows sharing a UPRN further apart than this are not merged (reported)

[[register]]
name = "nhs"                # short, unique; prefixes the register's record ids
path = "nhs_sites.xlsx"     # relative to this file; CSV, XLSX, GeoPackage or GeoJSON
sheet = "Sites"             # XLSX only (default: the first sheet)
header_row = 3              # default: the first row holding every mapped heading
layer = "sites"             # GeoPackage only (default: the first layer)
crs = "EPSG:27700"          # vector files whose CRS is missing or wrong (GeoJSON without one is EPSG:4326)
cluster_within_m = 150      # optional: this register's rows with one name this close are one site
missing = ["Unknown"]       # optional: more cell values that mean "missing"
[register.columns]          # schema field = the register's own heading (see schema.MAPPABLE)
name = "Site Name"
floor_area = "GIA (sq ft)"
address = ["Street", "Town"] # name, address and services may join several headings
[register.values]           # one value for every row (where its own column is blank)
owner = "NHS Trafford"
area_unit = "sq ft"
[register.derive.owner_type]  # a field looked up from another column's values
column = "Type"
map = { "Academies" = "academy trust" }
```
Parsing is pure; ``spacemap.io.registers.read_estate_config`` reads the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacemap.errors import ConfigError
from spacemap.estate.schema import CONSTANT, MAPPABLE, SERVICE_TYPES
from spacemap.estate.units import AREA_MEASURES, TENURES, area_factor

DEFAULT_MISSING = ("", "NA", "N/A", "n/a", "#N/A", "-", "null", "NULL", "None")
_TOP_KEYS = {"area", "merge", "register", "title", "assumptions"}
_AREA_KEYS = {"name", "boundary", "buffer_m", "postcodes", "crs"}
_MERGE_KEYS = {"distance_m", "similarity", "uprn_within_m"}
_JOINABLE = {"address", "services", "name"}
_REGISTER_KEYS = {"name", "path", "description", "sheet", "header_row", "layer", "crs", "columns", "values",
                  "derive", "missing", "cluster_within_m"}


@dataclass(frozen=True)
class Derivation:
    """A schema field looked up from the values of one of the register's columns."""

    column: str
    mapping: dict[str, str]


@dataclass(frozen=True)
class RegisterConfig:
    """One partner's register and how to read it."""

    name: str
    path: Path
    description: str = ""
    sheet: str | int | None = None
    header_row: int | None = None
    layer: str | None = None
    crs: str | None = None
    columns: dict[str, str | tuple[str, ...]] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    derive: dict[str, Derivation] = field(default_factory=dict)
    missing: tuple[str, ...] = DEFAULT_MISSING
    cluster_within_m: float = 0.0

    @property
    def source_columns(self) -> list[str]:
        """Every heading the register must have: mapped columns and derivation columns."""
        return list(dict.fromkeys(heading for _, heading in self.mapped_headings()))

    def mapped_headings(self) -> list[tuple[str, str]]:
        """(config key, heading) for every heading the config names."""
        pairs = []
        for key, value in self.columns.items():
            pairs += [(key, heading) for heading in ((value,) if isinstance(value, str) else value)]
        return pairs + [(f"derive.{key}", d.column) for key, d in self.derive.items()]


@dataclass(frozen=True)
class EstateConfig:
    """Every register of the estate plus the area and merge settings."""

    path: Path | None
    registers: tuple[RegisterConfig, ...]
    title: str = "Estate"
    area_name: str = ""
    boundary: Path | None = None
    boundary_crs: str | None = None
    buffer_m: float = 250.0
    postcodes: Path | None = None
    merge_distance_m: float = 25.0
    merge_similarity: float = 0.8
    merge_uprn_within_m: float = 500.0
    assumptions: Path | None = None


def parse_estate_config(data: dict[str, Any], path: Path) -> EstateConfig:
    """Validate a loaded TOML config; relative paths are taken from the config's folder."""
    base = path.parent
    _no_unknown_keys(data, _TOP_KEYS, path, "the top level")
    area = _table(data.get("area", {}), path, "[area]")
    _no_unknown_keys(area, _AREA_KEYS, path, "[area]")
    merge = _table(data.get("merge", {}), path, "[merge]")
    _no_unknown_keys(merge, _MERGE_KEYS, path, "[merge]")
    entries = data.get("register")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: no [[register]] entries; list each partner's register as a [[register]] table")
    registers = tuple(_parse_register(entry, number, path, base) for number, entry in enumerate(entries, 1))
    names = [register.name for register in registers]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{path}: register name '{name}' is used twice; give each register its own name")
    similarity = _number(merge.get("similarity", 0.8), path, "[merge] similarity")
    if not 0 < similarity <= 1:
        raise ConfigError(f"{path}: [merge] similarity = {similarity:g} must be between 0 and 1 (e.g. 0.8)")
    distance = _number(merge.get("distance_m", 25.0), path, "[merge] distance_m")
    buffer = _number(area.get("buffer_m", 250.0), path, "[area] buffer_m")
    uprn_within = _number(merge.get("uprn_within_m", 500.0), path, "[merge] uprn_within_m")
    for label, value in (("[merge] distance_m", distance), ("[area] buffer_m", buffer),
                         ("[merge] uprn_within_m", uprn_within)):
        if value < 0:
            raise ConfigError(f"{path}: {label} = {value:g} must not be negative")
    return EstateConfig(
        path=path,
        registers=registers,
        title=str(data.get("title", "Estate")),
        area_name=str(area.get("name", "")),
        boundary=base / _text(area["boundary"], path, "[area] boundary") if "boundary" in area else None,
        boundary_crs=area.get("crs"),
        buffer_m=buffer,
        postcodes=base / _text(area["postcodes"], path, "[area] postcodes") if "postcodes" in area else None,
        merge_distance_m=distance,
        merge_similarity=similarity,
        merge_uprn_within_m=uprn_within,
        assumptions=base / _text(data["assumptions"], path, "assumptions") if "assumptions" in data else None,
    )


def _parse_register(entry: Any, number: int, path: Path, base: Path) -> RegisterConfig:
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: [[register]] number {number} is not a table")
    name = str(entry.get("name", "")).strip()
    if not name:
        raise ConfigError(f"{path}: [[register]] number {number} has no name; add name = \"…\" (e.g. the partner)")
    where = f"{path}: register '{name}'"
    _no_unknown_keys(entry, _REGISTER_KEYS, path, f"register '{name}'")
    if "path" not in entry:
        raise ConfigError(f"{where} has no path; add path = \"register.csv\"")
    columns = _parse_columns(_table(entry.get("columns", {}), path, f"register '{name}' [columns]"), where)
    if not ({"lon", "lat"} <= set(columns) or {"easting", "northing"} <= set(columns) or "postcode" in columns
            or _is_vector(entry["path"])):
        raise ConfigError(f"{where}: no location; map lon and lat, easting and northing, or postcode "
                          "in [register.columns]")
    values = {str(k): str(v) for k, v in _table(entry.get("values", {}), path, f"register '{name}' [values]").items()}
    _check_constants(values, where)
    derive = _parse_derive(_table(entry.get("derive", {}), path, f"register '{name}' [derive]"), where)
    header_row = entry.get("header_row")
    if header_row is not None and (isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1):
        raise ConfigError(f"{where}: header_row = {header_row!r} must be a row number ≥ 1")
    sheet = entry.get("sheet")
    if sheet is not None and (isinstance(sheet, bool) or not isinstance(sheet, (str, int))):
        raise ConfigError(f"{where}: sheet = {sheet!r} must be a sheet name or number")
    missing = entry.get("missing", [])
    if not isinstance(missing, list):
        raise ConfigError(f"{where}: missing = {missing!r} must be a list of cell values, e.g. [\"Unknown\"]")
    return RegisterConfig(
        name=name,
        path=base / str(entry["path"]),
        description=str(entry.get("description", "")),
        sheet=sheet,
        header_row=header_row,
        layer=entry.get("layer"),
        crs=entry.get("crs"),
        columns=columns,
        values=values,
        derive=derive,
        missing=DEFAULT_MISSING + tuple(map(str, missing)),
        cluster_within_m=_number(entry.get("cluster_within_m", 0.0), path, f"register '{name}' cluster_within_m"),
    )


def _parse_columns(table: dict[str, Any], where: str) -> dict[str, str | tuple[str, ...]]:
    columns: dict[str, str | tuple[str, ...]] = {}
    for key, value in table.items():
        if key not in MAPPABLE:
            raise ConfigError(f"{where}: [register.columns] {key} is not a field; use one of {', '.join(MAPPABLE)}")
        if isinstance(value, list) and key in _JOINABLE and value and all(isinstance(v, str) for v in value):
            columns[key] = tuple(value)
        elif isinstance(value, str) and value:
            columns[key] = value
        else:
            raise ConfigError(f"{where}: [register.columns] {key} = {value!r} must be a column heading"
                              + (" or a list of headings" if key in _JOINABLE else ""))
    return columns


def _parse_derive(table: dict[str, Any], where: str) -> dict[str, Derivation]:
    derive = {}
    for key, spec in table.items():
        if key not in MAPPABLE or MAPPABLE[key] not in ("text", "list"):
            raise ConfigError(f"{where}: [register.derive] {key} is not a text field of the schema")
        if not isinstance(spec, dict) or "column" not in spec or not isinstance(spec.get("map"), dict):
            raise ConfigError(f"{where}: [register.derive.{key}] needs column = \"…\" and map = {{ … }}")
        mapping = {str(k): str(v) for k, v in spec["map"].items()}
        if key == "services":
            for value in mapping.values():
                _check_services(value, f"{where}: [register.derive.services] map")
        derive[key] = Derivation(str(spec["column"]), mapping)
    return derive


def _check_constants(values: dict[str, str], where: str) -> None:
    for key in values:
        if key not in CONSTANT:
            raise ConfigError(f"{where}: [register.values] {key} is not a field with one value per register; "
                              f"use one of {', '.join(sorted(CONSTANT))}")
    if "area_unit" in values and area_factor(values["area_unit"]) is None:
        raise ConfigError(f"{where}: [register.values] area_unit = '{values['area_unit']}' is not a known unit; "
                          "use m2, sq ft, sq yd, ha or acres")
    if "floor_area_measure" in values and values["floor_area_measure"].lower() not in AREA_MEASURES:
        raise ConfigError(f"{where}: [register.values] floor_area_measure = '{values['floor_area_measure']}' "
                          "is not GIA, NIA or GEA")
    if "tenure" in values and values["tenure"].lower() not in TENURES:
        raise ConfigError(f"{where}: [register.values] tenure = '{values['tenure']}' is not freehold, "
                          "leasehold or licence")
    if "services" in values:
        _check_services(values["services"], f"{where}: [register.values] services")


def _check_services(text: str, where: str) -> None:
    for item in (part.strip() for part in text.replace("|", ";").split(";")):
        if item and item not in SERVICE_TYPES:
            raise ConfigError(f"{where}: '{item}' is not a service type; use one of {', '.join(SERVICE_TYPES)}")


def _is_vector(path: str) -> bool:
    return str(path).lower().endswith((".gpkg", ".geojson", ".json", ".shp"))


def _table(value: Any, path: Path, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {name} must be a table")
    return value


def _text(value: Any, path: Path, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{path}: {name} = {value!r} must be a file path in quotes")
    return value


def _no_unknown_keys(table: dict[str, Any], known: set[str], path: Path, name: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{path}: {name} has unknown key '{unknown[0]}'; known keys: {', '.join(sorted(known))}")


def _number(value: Any, path: Path, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{path}: {name} = {value!r} must be a number")
    return float(value)
