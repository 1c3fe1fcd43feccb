"""Read the per-OA tables one stage hands to the next: variables and populations."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from spacemap.errors import InputError, SchemaError, where


def read_oa_table(path: str | Path, what: str) -> pd.DataFrame:
    """A CSV with an ``oa_code`` column and numeric columns, checked cell by cell."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; give the {what} CSV (oa_code, then one column per value)")
    try:
        frame = pd.read_csv(path, dtype={"oa_code": str}, keep_default_na=True)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path} is empty; give the {what} CSV with a header row and one row per OA") from None
    except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as error:
        raise InputError(f"{path} cannot be read as CSV ({error}); save it as UTF-8 CSV") from None
    if "oa_code" not in frame.columns:
        raise SchemaError(f"{where(path, 1)}: no 'oa_code' column; the first column must be the OA code")
    if frame.empty:
        raise InputError(f"{path} has a header but no rows; it needs one row per Output Area")
    codes = frame["oa_code"].astype("string").str.strip()
    blank = codes.isna() | (codes == "")
    if blank.any():
        raise SchemaError(f"{where(path, int(blank.to_numpy().argmax()) + 2, 'oa_code')}: empty OA code; fill it or drop the row")
    repeated = codes.duplicated(keep="first")
    if repeated.any():
        row = int(repeated.to_numpy().argmax())
        raise SchemaError(f"{where(path, row + 2, 'oa_code')}: OA {codes.iloc[row]} appears twice; keep one row per OA")
    frame["oa_code"] = codes.astype(str)
    for column in frame.columns.drop("oa_code"):
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = numbers.isna() & frame[column].notna()
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise SchemaError(f"{where(path, row + 2, str(column))}: '{frame[column].iloc[row]}' is not a number; "
                              "every value must be numeric (leave it empty if unknown)")
        frame[column] = numbers.astype(float)
    return frame.reset_index(drop=True)


def read_population(path: str | Path) -> pd.Series:
    """Residents per OA from a CSV with ``oa_code`` and one population column (``residents`` or ``population``)."""
    frame = read_oa_table(path, "population")
    for name in ("residents", "population", "usual_residents"):
        if name in frame.columns:
            values = frame.set_index("oa_code")[name]
            break
    else:
        if frame.shape[1] != 2:
            raise SchemaError(f"{where(path, 1)}: give a 'residents' (or 'population') column beside oa_code")
        values = frame.set_index("oa_code").iloc[:, 0]
    if (values < 0).any():
        raise SchemaError(f"{path}: negative population for OA {values[values < 0].index[0]}; populations are counts")
    return values.rename("residents")


def read_segments_lookup(path: str | Path) -> pd.DataFrame:
    """An ``oa_segments.csv`` written by spacemap segment: codes kept as text."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; give the oa_segments.csv written with the model (--old-segments)")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(f"{path} cannot be read as an OA segments table ({error})") from None
    if "oa_code" not in frame.columns or "tier1_code" not in frame.columns:
        raise SchemaError(f"{where(path, 1)}: needs 'oa_code' and 'tier1_code' columns (an oa_segments.csv)")
    repeated = frame["oa_code"].duplicated()
    if repeated.any():
        row = int(repeated.to_numpy().argmax())
        raise SchemaError(f"{where(path, row + 2, 'oa_code')}: OA {frame['oa_code'].iloc[row]} appears twice")
    return frame


def read_postcode_wards(path: str | Path) -> pd.DataFrame:
    """ward_name, lon, lat of every postcode in a postcode lookup (for localities by ward)."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such postcode lookup") from None
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(f"{path} cannot be read as a postcode lookup ({' '.join(str(error).split())})") from None
    missing = [c for c in ("ward_name", "lon", "lat") if c not in frame.columns]
    if missing:
        raise SchemaError(f"{where(path, 1)}: no '{missing[0]}' column; a postcode lookup with ward_name, lon "
                          "and lat is needed for wards")
    return frame[["ward_name", "lon", "lat"]]
