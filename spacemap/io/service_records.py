"""Read the service stage's tables: service-use records, site totals, travel times,
population, segments, the postcode and OA → LSOA lookups, and sites.

Every table is read as text under canonical column names (headings are matched
case-insensitively, with common aliases), keeping the spreadsheet row number of each
record (header = row 1) so that every error and reject can say where it came from.
Whole-file and value problems are errors naming the file, row and column.
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyproj import Transformer

from spacemap.errors import CRSError, InputError, SchemaError, where
from spacemap.io.boundaries import check_coordinates_match_crs

log = logging.getLogger(__name__)

BNG = "EPSG:27700"
_TO_BNG = Transformer.from_crs("EPSG:4326", BNG, always_xy=True)

RECORD_COLUMNS = {
    "service": ("service", "service_type"),
    "site_id": ("site_id", "site", "site_code"),
    "oa_code": ("oa_code", "oa21cd", "oa", "output_area"),
    "postcode": ("postcode", "home_postcode", "pcd"),
    "lsoa_code": ("lsoa_code", "lsoa21cd", "lsoa"),
    "count": ("count", "n", "records", "number"),
    "record_type": ("record_type", "kind"),
}
SITE_TOTAL_COLUMNS = {
    "site_id": ("site_id",),
    "name": ("name", "site_name", "practice_name"),
    "postcode": ("postcode", "site_postcode", "practice_postcode"),
    "total": ("total", "users", "count", "registered_patients", "patients", "list_size"),
    "service": ("service", "service_type"),
}
TRAVEL_TIME_COLUMNS = {
    "oa_code": ("oa_code", "origin", "from", "oa21cd"),
    "site_id": ("site_id", "destination", "to", "site"),
    "minutes": ("minutes", "travel_time_min", "time_min", "time"),
}
POPULATION_COLUMNS = {
    "oa_code": ("oa_code", "oa21cd", "area_code", "geography_code"),
    "population": ("population", "residents", "usual_residents", "all_ages"),
}
POSTCODE_COLUMNS = {
    "postcode": ("postcode", "pcds", "pcd"),
    "oa_code": ("oa_code", "oa21cd"),
    "lsoa_code": ("lsoa_code", "lsoa21cd"),
    "lon": ("lon", "long", "longitude"),
    "lat": ("lat", "latitude"),
    "easting": ("easting", "x", "oseast1m"),
    "northing": ("northing", "y", "osnrth1m"),
}
LSOA_LOOKUP_COLUMNS = {"oa_code": ("oa_code", "oa21cd"), "lsoa_code": ("lsoa_code", "lsoa21cd")}

_TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


@dataclass
class Table:
    """A table read as text: canonical columns (NaN for blank cells) and spreadsheet rows."""

    path: Path
    cells: pd.DataFrame
    source_row: np.ndarray  # spreadsheet row of each record (header = row 1)
    headings: dict[str, str]  # canonical name -> the file's own heading


def normalise_postcode(values: pd.Series) -> pd.Series:
    """Postcodes as "M41 0XX": upper case, one space before the three-character inward code."""
    compact = values.astype("string").str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)
    return compact.str.slice(0, -3) + " " + compact.str.slice(-3)


# ---- generic table reading ---------------------------------------------------------------

def read_table(path: str | Path, what: str, columns: dict[str, tuple[str, ...]],
               required: tuple[str, ...] = (), one_of: tuple[str, ...] = ()) -> Table:
    """Read a CSV/XLSX table and find its columns; ``what`` names the table in errors."""
    path = Path(path)
    raw = _read_raw(path, what)
    found = _match_headings(raw.columns, columns)
    missing = [key for key in required if key not in found]
    headings = ", ".join(map(str, raw.columns))
    if missing:
        aliases = columns[missing[0]]
        also = f" (or one of {', '.join(repr(a) for a in aliases[1:])})" if len(aliases) > 1 else ""
        raise SchemaError(f"{where(path, 1)}: a {what} file needs a '{aliases[0]}' column{also}; found "
                          f"{headings}; add or rename the column")
    if one_of and not any(key in found for key in one_of):
        names = " or ".join(f"'{key}'" for key in one_of)
        raise SchemaError(f"{where(path, 1)}: a {what} file needs a {names} column; found {headings}; "
                          "add or rename a column")
    cells = pd.DataFrame({key: raw[heading] for key, heading in found.items()}, index=raw.index)
    cells = cells.apply(lambda col: col.astype(object).str.strip()).mask(lambda f: f.isin(["", "NA", "N/A"]))
    return Table(path, cells.reset_index(drop=True), raw.index.to_numpy() + 2, found)


def _read_raw(path: Path, what: str) -> pd.DataFrame:
    if not path.exists():
        raise InputError(f"{what} file {path} does not exist; check the path")
    if path.is_dir():
        raise InputError(f"{what} {path} is a directory; pass a CSV or XLSX file")
    if path.stat().st_size == 0:
        raise InputError(f"{what} file {path} is empty; export it again with a header row and data")
    suffix = path.suffix.lower()
    if suffix not in _TABLE_SUFFIXES:
        raise InputError(f"{what} file {path} is not a CSV or XLSX file; save it as .csv or .xlsx")
    frame = _read_xlsx(path, what) if suffix in (".xlsx", ".xlsm") else _read_csv(path, what)
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise InputError(f"{what} file {path} has a header but no rows")
    return frame


def _read_csv(path: Path, what: str) -> pd.DataFrame:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError as error:
            raise InputError(f"{what} file {path} is empty; export it again with a header row") from error
        except pd.errors.ParserError as error:
            raise InputError(f"{what} file {path} is not a readable CSV ({' '.join(str(error).split())})") from error
    raise InputError(f"{what} file {path} is neither UTF-8 nor Windows-1252 text; save it as UTF-8 CSV")


def _read_xlsx(path: Path, what: str) -> pd.DataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = pd.read_excel(path, dtype=str, engine="openpyxl", keep_default_na=False)
    except Exception as error:  # openpyxl raises many types for a damaged workbook
        raise InputError(f"{what} file {path} is not a readable XLSX workbook ({error})") from error
    return frame.replace(r"^(-?\d+)\.0$", r"\1", regex=True)


def _match_headings(headings, columns: dict[str, tuple[str, ...]]) -> dict[str, str]:
    keyed = {_key(h): h for h in reversed(list(headings))}
    found = {}
    for name, aliases in columns.items():
        for alias in aliases:
            if _key(alias) in keyed:
                found[name] = keyed[_key(alias)]
                break
    return found


def _key(heading: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(heading).strip().lower())


def parse_numbers(table: Table, column: str, integer: bool, fix: str) -> np.ndarray:
    """Non-negative numbers of one column; the first bad cell is an error naming its row."""
    text = table.cells[column]
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    heading = table.headings[column]
    problems = [
        (text.isna().to_numpy(), "is blank"),
        (text.notna().to_numpy() & ~np.isfinite(values), "is not a number"),
        (values < 0, "is negative"),
    ]
    if integer:
        problems.append((np.isfinite(values) & (values != np.round(values)), "is not a whole number"))
    for bad, problem in problems:
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            shown = "" if problem == "is blank" else f" '{text.iloc[i]}'"
            raise InputError(f"{where(table.path, int(table.source_row[i]), heading)}: the value{shown} {problem}; "
                             f"{fix}")
    return values


def check_unique(table: Table, column: str, what: str) -> None:
    """A code may appear once: the second occurrence is an error naming both rows."""
    values = table.cells[column]
    repeated = values.duplicated() & values.notna()
    if repeated.any():
        i = int(np.flatnonzero(repeated.to_numpy())[0])
        first = int(np.flatnonzero((values == values.iloc[i]).to_numpy())[0])
        raise InputError(f"{where(table.path, int(table.source_row[i]), table.headings[column])}: {what} "
                         f"{values.iloc[i]} appears again (first on row {table.source_row[first]}); remove the duplicate")


# ---- the stage's tables ------------------------------------------------------------------

def read_service_records(path: str | Path) -> Table:
    """Service-use records: a service or site, a home location, optionally a count and record type."""
    table = read_table(path, "service-use records", RECORD_COLUMNS, one_of=("service", "site_id"))
    if not any(key in table.cells for key in ("oa_code", "postcode", "lsoa_code")):
        raise SchemaError(f"{where(table.path, 1)}: a service-use records file needs the user's home location in "
                          "a column 'oa_code', 'postcode' or 'lsoa_code'; add or rename one")
    if "count" in table.cells:
        table.cells["count"] = parse_numbers(table, "count", True, "give a whole number of records, 0 or more")
    return table


def read_site_totals(path: str | Path) -> Table:
    """Users per site (e.g. registered patients per practice), matched to sites by id, postcode or name."""
    table = read_table(path, "site totals", SITE_TOTAL_COLUMNS, required=("total",),
                       one_of=("site_id", "postcode", "name"))
    table.cells["total"] = parse_numbers(table, "total", True, "give each site's number of users, 0 or more")
    if "postcode" in table.cells:
        table.cells["postcode"] = normalise_postcode(table.cells["postcode"]).astype(object)
    return table


def read_travel_times(path: str | Path) -> Table:
    """Travel times from OA to site in minutes; each (OA, site) pair once."""
    table = read_table(path, "travel-time table", TRAVEL_TIME_COLUMNS, required=("oa_code", "site_id", "minutes"))
    table.cells["minutes"] = parse_numbers(table, "minutes", False, "give the travel time in minutes, 0 or more")
    pairs = table.cells["oa_code"].fillna("") + " → " + table.cells["site_id"].fillna("")
    pair_table = Table(table.path, pd.DataFrame({"pair": pairs}), table.source_row, {"pair": table.headings["site_id"]})
    check_unique(pair_table, "pair", "the OA/site pair")
    return table


def read_population(path: str | Path) -> pd.Series:
    """Residents per OA from a CSV/XLSX (oa_code, population): a Series indexed by oa_code."""
    table = read_table(path, "population table", POPULATION_COLUMNS, required=("oa_code", "population"))
    check_unique(table, "oa_code", "OA code")
    values = parse_numbers(table, "population", False, "give the number of residents, 0 or more")
    return pd.Series(values, index=pd.Index(table.cells["oa_code"], name="oa_code"), name="population")


def read_segments(path: str | Path) -> pd.DataFrame:
    """The OA → segment lookup written by ``spacemap segment`` (oa_code, tier1_code, tier1_name, …)."""
    table = read_table(path, "segments table", {"oa_code": ("oa_code",)}, required=("oa_code",))
    raw = _read_raw(Path(path), "segments table")
    tiers = sorted({int(m.group(1)) for c in raw.columns if (m := re.fullmatch(r"tier(\d+)_code", _key(c)))})
    if not tiers:
        raise SchemaError(f"{where(path, 1)}: segments table has no 'tier1_code' column; use the oa_segments.csv "
                          "written by spacemap segment")
    check_unique(table, "oa_code", "OA code")
    frame = pd.DataFrame({"oa_code": table.cells["oa_code"]})
    headings = {_key(c): c for c in raw.columns}
    for tier in tiers:
        code = raw[headings[f"tier{tier}_code"]].reset_index(drop=True).str.strip()
        name_heading = headings.get(f"tier{tier}_name")
        name = raw[name_heading].reset_index(drop=True).str.strip() if name_heading else code
        frame[f"tier{tier}_code"] = code
        frame[f"tier{tier}_name"] = name
    blank = frame.isna() | (frame == "")
    if blank.any().any():
        row, col = np.argwhere(blank.to_numpy())[0]
        raise InputError(f"{where(path, int(table.source_row[row]), frame.columns[col])}: blank cell; every OA needs "
                         "a code in every tier")
    return frame


def read_postcode_lookup(path: str | Path) -> pd.DataFrame:
    """Postcodes with a point (EPSG:27700) and, where given, their OA and LSOA codes."""
    table = read_table(path, "postcode lookup", POSTCODE_COLUMNS, required=("postcode",))
    cells = table.cells
    frame = pd.DataFrame({"postcode": normalise_postcode(cells["postcode"]).astype(object)})
    for code in ("oa_code", "lsoa_code"):
        frame[code] = cells[code] if code in cells else np.nan
    if {"lon", "lat"} <= set(cells):
        lon = pd.to_numeric(cells["lon"], errors="coerce").to_numpy(float)
        lat = pd.to_numeric(cells["lat"], errors="coerce").to_numpy(float)
        frame["easting"], frame["northing"] = _TO_BNG.transform(lon, lat)
    elif {"easting", "northing"} <= set(cells):
        frame["easting"] = pd.to_numeric(cells["easting"], errors="coerce")
        frame["northing"] = pd.to_numeric(cells["northing"], errors="coerce")
    elif "oa_code" not in cells:
        raise SchemaError(f"{where(path, 1)}: postcode lookup needs an 'oa_code' column or a point "
                          "('lon'/'lat' or 'easting'/'northing')")
    else:
        frame["easting"] = frame["northing"] = np.nan
    frame = frame.dropna(subset=["postcode"]).drop_duplicates("postcode")
    return frame.set_index("postcode")


def read_lsoa_lookup(path: str | Path) -> pd.DataFrame:
    """OA → LSOA lookup (e.g. the ONS statistical lookup): columns oa_code, lsoa_code."""
    table = read_table(path, "OA → LSOA lookup", LSOA_LOOKUP_COLUMNS, required=("oa_code", "lsoa_code"))
    check_unique(table, "oa_code", "OA code")
    return table.cells[["oa_code", "lsoa_code"]].dropna().reset_index(drop=True)


# ---- sites -------------------------------------------------------------------------------

def read_estate_sites(path: str | Path, layer: str = "sites") -> gpd.GeoDataFrame:
    """The ``sites`` layer of an estate GeoPackage, as points in EPSG:27700."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"estate file {path} does not exist; run 'spacemap estate' or check --estate")
    try:
        frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as error:
        raise InputError(f"{path} has no readable layer '{layer}' ({' '.join(str(error).split())}); pass the "
                         "estate.gpkg written by spacemap estate") from error
    return check_sites(frame, path)


def check_sites(frame: gpd.GeoDataFrame, source: str | Path) -> gpd.GeoDataFrame:
    """Sites as the contract says: site_id, name, owner, services, capacity; points in EPSG:27700."""
    missing = [c for c in ("site_id", "services") if c not in frame.columns]
    if missing:
        raise SchemaError(f"{source}: sites have no column '{missing[0]}' (found: {', '.join(map(str, frame.columns))})")
    if frame.crs is None:
        raise CRSError(f"{source}: sites have no coordinate reference system; write them in EPSG:27700")
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty].copy()
    if frame.empty:
        raise InputError(f"{source}: no site has a location")
    check_coordinates_match_crs(frame, source)
    frame = frame.to_crs(BNG)
    frame["site_id"] = frame["site_id"].astype(str)
    if frame["site_id"].duplicated().any():
        raise InputError(f"{source}: site_id {frame.loc[frame['site_id'].duplicated(), 'site_id'].iloc[0]} appears "
                         "more than once; site ids must be unique")
    for column in ("name", "owner"):
        if column not in frame.columns:
            frame[column] = pd.NA
    if "capacity" not in frame.columns:
        frame["capacity"] = np.nan
    frame["capacity"] = pd.to_numeric(frame["capacity"], errors="coerce")
    frame["services"] = frame["services"].fillna("").astype(str)
    frame = frame.set_geometry(frame.geometry.representative_point())
    columns = ["site_id", "name", "owner", "services", "capacity"]
    extra = [c for c in ("postcode", "occupiers") if c in frame.columns]
    return frame[columns + extra + ["geometry"]].sort_values("site_id", kind="stable").reset_index(drop=True)


# The embedded Trafford service points used while no estate is given: (file, service, owner, name column).
EMBEDDED_SITE_LAYERS = (
    ("trafford_general_practices.csv", "gp", "NHS", "name"),
    ("trafford_pharmacies.geojson", "pharmacy", "NHS", "pharmacy_name"),
    ("trafford_libraries.csv", "library", "Trafford Council", "name"),
    ("trafford_jobcentreplus.csv", "jobcentre", "DWP", "name"),
    ("trafford_schools_and_colleges.csv", "school", "Schools and colleges", "name"),
)


def read_service_points(directory: Path) -> gpd.GeoDataFrame:
    """The embedded area's published service points as sites (one site per point)."""
    frames = []
    for filename, service, owner, name in EMBEDDED_SITE_LAYERS:
        path = directory / filename
        if path.suffix == ".geojson":
            layer = gpd.read_file(path, engine="pyogrio").to_crs(BNG)
        else:
            cells = pd.read_csv(path)
            east, north = _TO_BNG.transform(cells["lon"].to_numpy(float), cells["lat"].to_numpy(float))
            layer = gpd.GeoDataFrame(cells, geometry=gpd.points_from_xy(east, north), crs=BNG)
        capacity = pd.to_numeric(layer["capacity"], errors="coerce") if "capacity" in layer else np.nan
        frames.append(gpd.GeoDataFrame({
            "site_id": [f"{service}-{i:03d}" for i in range(1, len(layer) + 1)],
            "name": layer[name].to_numpy(), "owner": owner, "services": service, "capacity": capacity,
            "postcode": normalise_postcode(layer["postcode"]).to_numpy(dtype=object),
        }, geometry=layer.geometry.to_numpy(), crs=BNG))
    return check_sites(pd.concat(frames, ignore_index=True), directory)


def read_oac_labels(path: Path) -> pd.DataFrame:
    """The official ONS Output Area Classification of an area as a segments table."""
    frame = pd.read_csv(path, dtype=str)
    out = pd.DataFrame({"oa_code": frame["Geography_Code"]})
    for tier, column in enumerate(("Supergroup", "Group", "Subgroup"), 1):
        out[f"tier{tier}_code"] = frame[column]
        out[f"tier{tier}_name"] = f"{column} " + frame[column]
    return out
