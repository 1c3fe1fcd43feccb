"""Read estate registers (CSV, XLSX, GeoPackage, GeoJSON), the estate config, the postcode
lookup and the area boundary; write the estate GeoPackage.

A register is returned as text cells under its own headings (nothing parsed yet),
with the spreadsheet row number of each record, so every later reject can say
where it came from. Whole-file problems (missing file, heading not found, merged
heading, no CRS) are errors naming the config file, the register and the key.
"""

from __future__ import annotations

import datetime as dt
import logging
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError

from spacemap.errors import ConfigError, CRSError, InputError, SchemaError
from spacemap.estate.config import EstateConfig, RegisterConfig, parse_estate_config
from spacemap.estate.geocode import BNG, lonlat_to_bng, normalise_postcode
from spacemap.io.boundaries import check_coordinates_match_crs

log = logging.getLogger(__name__)

HEADER_SEARCH_ROWS = 50
_VECTOR = (".gpkg", ".geojson", ".json", ".shp")


@dataclass
class RawRegister:
    """A register's records as text, before normalisation."""

    config: RegisterConfig
    cells: pd.DataFrame            # original headings; text or NaN
    source_row: pd.Series          # spreadsheet row (header = its own row) or feature number
    points: gpd.GeoSeries | None   # vector files: a point per record in EPSG:27700 (None if empty)
    header_row: int | None
    blank_rows: int = 0


def read_estate_config(path: Path) -> EstateConfig:
    """Load and validate an estate config TOML file."""
    if not path.exists():
        raise InputError(f"estate config {path} does not exist; check the path given to --config")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path} is not valid TOML ({error})") from error
    return parse_estate_config(data, path)


def read_register(register: RegisterConfig, config_path: Path | None) -> RawRegister:
    """Read one register; its mapped headings must all be present."""
    path = register.path
    where = _where(register, config_path)
    if not path.exists():
        raise InputError(f"{where}: register file {path} does not exist; check path in the config")
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{where}: register file {path} is empty")
    suffix = path.suffix.lower()
    if suffix in _VECTOR:
        raw = _read_vector_register(register, where)
    elif suffix in (".xlsx", ".xlsm"):
        rows, merged = _xlsx_rows(register, where)
        raw = _read_table(register, rows, where, merged=merged)
    elif suffix in (".csv", ".txt"):
        raw = _read_table(register, _csv_rows(path, where), where)
    else:
        raise InputError(f"{where}: {path.name} is not a register format spacemap reads; use CSV, XLSX, "
                         "GeoPackage or GeoJSON")
    cells = raw.cells.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
    raw.cells = cells.mask(cells.isin(register.missing))
    if raw.cells.empty:
        raise InputError(f"{where}: {path.name} has a header but no rows")
    return raw


def _where(register: RegisterConfig, config_path: Path | None) -> str:
    return f"{config_path}: register '{register.name}'" if config_path else f"register '{register.name}'"


# ---- tables (CSV, XLSX) ------------------------------------------------------------------

def _csv_rows(path: Path, where: str) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            frame = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, encoding=encoding,
                                skip_blank_lines=False)
            return frame.to_numpy().tolist()
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError as error:
            raise InputError(f"{where}: register file {path} is empty") from error
        except pd.errors.ParserError as error:
            raise InputError(f"{where}: {path.name} is not a readable CSV ({' '.join(str(error).split())}); "
                             "check its quotes and delimiters") from error
    raise InputError(f"{where}: {path.name} is neither UTF-8 nor Windows-1252 text; save it as UTF-8 CSV")


def _open_sheet(register: RegisterConfig, where: str):
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(register.path, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise InputError(f"{where}: {register.path.name} is not a readable XLSX workbook "
                         f"({type(error).__name__}: {error})") from error
    sheet = register.sheet
    if sheet is None:
        return book.worksheets[0]
    if isinstance(sheet, int):
        if not 1 <= sheet <= len(book.worksheets):
            raise ConfigError(f"{where}: sheet = {sheet} but {register.path.name} has {len(book.worksheets)} "
                              f"sheet(s): {', '.join(book.sheetnames)}")
        return book.worksheets[sheet - 1]
    if sheet not in book.sheetnames:
        raise ConfigError(f"{where}: sheet = '{sheet}' is not in {register.path.name} "
                          f"(sheets: {', '.join(book.sheetnames)}); fix sheet in the config")
    return book[sheet]


def _xlsx_rows(register: RegisterConfig, where: str) -> tuple[list[list[str]], list[tuple[int, int, int, int, str]]]:
    """The sheet's cells as text, and its merged ranges (min_row, max_row, min_col, max_col, A1 range)."""
    sheet = _open_sheet(register, where)
    rows = [[_cell_text(cell.value, cell.number_format) for cell in row] for row in sheet.iter_rows()]
    merged = [(r.min_row, r.max_row, r.min_col, r.max_col, r.coord) for r in sheet.merged_cells.ranges]
    return rows, merged


def _cell_text(value, number_format: str = "General") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)) and str(number_format).endswith("%"):
        return f"{value * 100:.10g}%"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_table(register: RegisterConfig, rows: list[list[str]], where: str,
                merged: list[tuple[int, int, int, int, str]] | None = None) -> RawRegister:
    if not rows:
        raise InputError(f"{where}: {register.path.name} has no rows")
    width = max(len(row) for row in rows)
    rows = [[str(cell).strip() for cell in row] + [""] * (width - len(row)) for row in rows]
    header_row = register.header_row or _find_header(register, rows, where)
    if header_row > len(rows):
        raise ConfigError(f"{where}: header_row = {header_row} but {register.path.name} has {len(rows)} rows")
    headings = rows[header_row - 1]
    _check_headings(register, headings, header_row, where)
    _check_merged(register, headings, header_row, merged or [], where)
    names = _unique_names(headings)
    body = rows[header_row:]
    frame = pd.DataFrame(body, columns=names, dtype=object)
    source_row = pd.Series(np.arange(header_row + 1, header_row + 1 + len(body)), index=frame.index)
    blank = (frame == "").all(axis=1)
    frame = frame.loc[~blank].reset_index(drop=True)
    source_row = source_row.loc[~blank].reset_index(drop=True)
    frame = frame.mask(frame == "")
    return RawRegister(register, frame, source_row, None, header_row, int(blank.sum()))


def _find_header(register: RegisterConfig, rows: list[list[str]], where: str) -> int:
    needed = register.source_columns
    best, best_found = 1, -1
    for number, row in enumerate(rows[:HEADER_SEARCH_ROWS], 1):
        found = sum(heading in row for heading in needed)
        if found == len(needed):
            return number
        if found > best_found:
            best, best_found = number, found
    return best


def _check_headings(register: RegisterConfig, headings: list[str], header_row: int, where: str) -> None:
    shown = ", ".join(f"'{h}'" for h in headings if h) or "none"
    for key, heading in register.mapped_headings():
        if heading not in headings:
            section = "[register.columns] " + key if not key.startswith("derive.") else f"[register.{key}] column"
            raise SchemaError(f"{where}: {section} = '{heading}' is not a heading of {register.path.name} "
                              f"(row {header_row} has {shown}); fix the column map or set header_row")
        if headings.count(heading) > 1:
            columns = [_column_letter(i) for i, h in enumerate(headings) if h == heading]
            raise SchemaError(f"{where}: heading '{heading}' appears more than once on row {header_row} of "
                              f"{register.path.name} (columns {', '.join(columns)}); rename one of them")


def _check_merged(register: RegisterConfig, headings: list[str], header_row: int,
                  merged: list[tuple[int, int, int, int, str]], where: str) -> None:
    needed = set(register.source_columns)
    for min_row, max_row, min_col, max_col, coord in merged:
        if min_row <= header_row <= max_row and max_col > min_col:
            covered = headings[min_col - 1:max_col]
            if needed.intersection(covered):
                heading = next(h for h in covered if h)
                raise SchemaError(f"{where}: heading '{heading}' on row {header_row} of {register.path.name} is a "
                                  f"merged cell ({coord}); unmerge it and give each column its own heading")


def _unique_names(headings: list[str]) -> list[str]:
    names, seen = [], {}
    for index, heading in enumerate(headings):
        name = heading or f"column {_column_letter(index)}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# ---- vector files (GeoPackage, GeoJSON) --------------------------------------------------

def _read_vector_register(register: RegisterConfig, where: str) -> RawRegister:
    path = register.path
    try:
        frame = gpd.read_file(path, layer=register.layer, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as error:
        raise InputError(f"{where}: {path.name} is not a readable GeoPackage/GeoJSON "
                         f"({' '.join(str(error).split())})") from error
    if frame.empty:
        raise InputError(f"{where}: {path.name} has no features")
    headings = [str(c) for c in frame.columns if c != "geometry"]
    _check_headings(register, headings, 1, where)
    frame = _set_register_crs(frame, register, where)
    geometry = frame.geometry
    present = geometry.notna() & ~geometry.is_empty
    points = gpd.GeoSeries([None] * len(frame), index=frame.index, crs=BNG)
    if present.any():
        projected = geometry[present].to_crs(BNG)
        points[present] = projected.representative_point()
    cells = pd.DataFrame(frame.drop(columns="geometry")).astype(object)
    cells = cells.map(lambda v: np.nan if _is_missing(v) else _cell_text(v))
    cells = cells.reset_index(drop=True)
    source_row = pd.Series(np.arange(1, len(cells) + 1), index=cells.index)
    return RawRegister(register, cells, source_row, points.reset_index(drop=True), None)


def _is_missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value))


def _set_register_crs(frame: gpd.GeoDataFrame, register: RegisterConfig, where: str) -> gpd.GeoDataFrame:
    if register.crs is not None:
        try:
            frame = frame.set_crs(CRS.from_user_input(register.crs), allow_override=True)
        except PyprojCRSError as error:
            raise CRSError(f"{where}: crs = '{register.crs}' is not a coordinate reference system; "
                           "use e.g. EPSG:27700") from error
    if frame.crs is None:
        raise CRSError(f"{where}: {register.path.name} has no coordinate reference system; add crs = \"EPSG:27700\" "
                       "(or EPSG:4326) to the register")
    present = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if not present.empty:
        try:
            check_coordinates_match_crs(present, f"{where}: {register.path.name}")
        except CRSError as error:
            raise CRSError(f"{error}; set crs = \"EPSG:…\" on the register in the config to say which it is "
                           "(a GeoJSON without a crs member is read as EPSG:4326)") from error
    return frame


# ---- postcode lookup and area boundary ---------------------------------------------------

def read_postcode_lookup(path: Path) -> pd.DataFrame:
    """Postcode centroids: index = normalised postcode; columns easting, northing (EPSG:27700)."""
    if not path.exists():
        raise InputError(f"postcode lookup {path} does not exist; set [area] postcodes in the config")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(f"postcode lookup {path} is not a readable CSV ({' '.join(str(error).split())}); "
                         "it needs postcode, lon and lat columns") from error
    columns = {c.lower(): c for c in frame.columns}
    if "postcode" not in columns:
        raise SchemaError(f"postcode lookup {path} has no 'postcode' column")
    postcode = normalise_postcode(frame[columns["postcode"]])
    if {"lon", "lat"} <= set(columns):
        lon = pd.to_numeric(frame[columns["lon"]], errors="coerce")
        lat = pd.to_numeric(frame[columns["lat"]], errors="coerce")
        east, north = lonlat_to_bng(lon.to_numpy(), lat.to_numpy())
    elif {"easting", "northing"} <= set(columns):
        east = pd.to_numeric(frame[columns["easting"]], errors="coerce").to_numpy()
        north = pd.to_numeric(frame[columns["northing"]], errors="coerce").to_numpy()
    else:
        raise SchemaError(f"postcode lookup {path} needs lon and lat (or easting and northing) columns")
    lookup = pd.DataFrame({"easting": east, "northing": north}, index=postcode.to_numpy())
    lookup = lookup[np.isfinite(lookup["easting"]) & np.isfinite(lookup["northing"])]
    return lookup[~lookup.index.duplicated()]


def read_area_boundary(path: Path, crs: str | None = None):
    """The area's outline as one shapely geometry in EPSG:27700."""
    if not path.exists():
        raise InputError(f"area boundary {path} does not exist; set [area] boundary in the config")
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as error:
        raise InputError(f"area boundary {path} is not readable ({' '.join(str(error).split())})") from error
    if crs is not None:
        frame = frame.set_crs(crs, allow_override=True)
    if frame.crs is None:
        raise CRSError(f"area boundary {path} has no coordinate reference system; set [area] crs = \"EPSG:27700\"")
    check_coordinates_match_crs(frame, path)
    return frame.to_crs(BNG).geometry.union_all()


def read_assumption_table(path: Path) -> pd.DataFrame:
    """An assumption table as text cells (validated by ``spacemap.estate.assumptions``)."""
    if not path.exists():
        raise InputError(f"assumption table {path} does not exist; fix assumptions = \"…\" in the config")
    if path.stat().st_size == 0:
        raise InputError(f"assumption table {path} is empty; give it a header row "
                         "or remove assumptions from the config")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        detail = " ".join(str(error).split())
        raise InputError(f"assumption table {path} is not a readable UTF-8 CSV ({detail})") from error
