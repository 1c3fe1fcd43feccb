"""Read census count tables as users download them.

Two formats:
- ``nomis_bulk``: a directory of ONS/Nomis bulk CSVs, one per table
  (``census2021-ts001-oa.csv``: ``date``, ``geography``, ``geography code``, then one
  column per cell such as ``Residence type: Total; measures: Value``). A cell is
  named ``TS001: Total``: the table code, then the header less its dimension prefix
  (up to the first ``": "``) and its ``; measures: Value`` suffix.
- ``wide_table``: one CSV with an OA code column and one count column per cell
  (the ONS "2011 OAC raw u-variables" file); a cell is the column name.

Every needed value is checked at the door: numeric, not blank, not negative, OA
codes unique; a failure names the file, the spreadsheet row and the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from spacemap.errors import InputError, SchemaError, where

_NOMIS_FILE = re.compile(r"^census(?P<year>\d{4})-(?P<table>ts\d{3}[a-z]?)-oa\.csv$", re.IGNORECASE)
NOMIS_ID_COLUMNS = ("date", "geography", "geography code")
_SUFFIX = "; measures: Value"


@dataclass
class CensusCounts:
    """Counts per OA for the cells found, and where each cell came from."""

    counts: pd.DataFrame  # index oa_code (sorted), one float column per cell
    sources: dict[str, tuple[Path, str]] = field(default_factory=dict)  # cell -> (file, header)
    files: list[Path] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # cell -> why it is missing
    rows: dict[Path, pd.Series] = field(default_factory=dict)  # file -> spreadsheet row per OA code

    def locate(self, cell: str, oa_code: str) -> str:
        """``file, row N, column 'X'`` for one OA's value of ``cell``."""
        path, header = self.sources[cell]
        row = self.rows.get(path, pd.Series(dtype=int)).get(oa_code)
        return where(path, None if row is None else int(row), header)


def cell_key(table: str, header: str) -> str:
    """``TS001: Total`` for header ``Residence type: Total; measures: Value`` of table ts001."""
    label = header[: -len(_SUFFIX)] if header.endswith(_SUFFIX) else header
    _, sep, rest = label.partition(": ")
    return f"{table.upper()}: {rest if sep else label}"


def nomis_tables(directory: Path) -> dict[str, Path]:
    """Map table code (``TS001``) → bulk CSV file for the OA files in ``directory``."""
    if not directory.is_dir():
        raise InputError(f"census directory {directory} does not exist; give a folder of Nomis bulk CSVs")
    tables: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        match = _NOMIS_FILE.match(path.name)
        if match:
            tables[match["table"].upper()] = path
    if not tables:
        raise InputError(
            f"{directory} holds no Nomis bulk OA tables (files named like census2021-ts001-oa.csv); "
            "download the OA-level bulk CSVs from Nomis or ONS and unzip them there"
        )
    return tables


def read_nomis_bulk(directory: Path, cells: list[str], oa_code_column: str = "geography code") -> CensusCounts:
    """Read the ``cells`` needed from a directory of Nomis bulk CSVs."""
    tables = nomis_tables(directory)
    wanted: dict[str, list[str]] = {}
    for cell in dict.fromkeys(cells):
        table, sep, _ = cell.partition(": ")
        wanted.setdefault(table.upper() if sep else "", []).append(cell)
    result = CensusCounts(counts=pd.DataFrame())
    frames = []
    for table, table_cells in sorted(wanted.items()):
        path = tables.get(table)
        if path is None:
            expected = f"census2021-{table.lower()}-oa.csv" if table else "a Nomis bulk table"
            for cell in table_cells:
                result.missing[cell] = f"table {table or '?'} not found in {directory} (expected {expected})"
            continue
        frame = _read_nomis_table(path, table, table_cells, oa_code_column, result)
        if frame is not None:
            frames.append((path, frame))
    result.counts = _combine(frames)
    return result


def _read_nomis_table(path: Path, table: str, cells: list[str], code_column: str, result: CensusCounts):
    header_row = _read_header(path)
    if code_column not in header_row:
        raise SchemaError(
            f"{where(path, 1)}: no '{code_column}' column (found: {_preview(header_row)}); "
            "use the Nomis bulk CSV as downloaded, whose OA codes are in 'geography code'"
        )
    by_key = {cell_key(table, h): h for h in header_row if h not in NOMIS_ID_COLUMNS}
    present = {}
    for cell in cells:
        header = by_key.get(cell)
        if header is None:
            result.missing[cell] = f"{path} has no column for '{cell}'"
        else:
            present[cell] = header
    result.files.append(path)
    if not present:
        return None
    raw = _read_columns(path, code_column, list(dict.fromkeys(present.values())))
    codes = _oa_codes(raw, code_column, path)
    result.rows[path] = pd.Series(np.arange(2, len(codes) + 2), index=codes)
    values = {cell: _numeric_column(raw[header], path, header) for cell, header in present.items()}
    for cell, header in present.items():
        result.sources[cell] = (path, header)
    return pd.DataFrame(values, index=pd.Index(codes, name="oa_code"))


def read_wide_table(path: Path, cells: list[str], oa_code_column: str) -> CensusCounts:
    """Read the ``cells`` needed from one wide CSV (one column per count)."""
    header_row = _read_header(path)
    if oa_code_column not in header_row:
        raise SchemaError(
            f"{where(path, 1)}: no '{oa_code_column}' column with the OA codes (found: {_preview(header_row)}); "
            "rename the OA code column or use a spec whose oa_code_column matches"
        )
    result = CensusCounts(counts=pd.DataFrame(), files=[path])
    present = [cell for cell in dict.fromkeys(cells) if cell in header_row]
    for cell in dict.fromkeys(cells):
        if cell not in header_row:
            result.missing[cell] = f"{path} has no column '{cell}'"
    raw = _read_columns(path, oa_code_column, present)
    codes = _oa_codes(raw, oa_code_column, path)
    result.rows[path] = pd.Series(np.arange(2, len(codes) + 2), index=codes)
    values = {}
    for cell in present:
        values[cell] = _numeric_column(raw[cell], path, cell)
        result.sources[cell] = (path, cell)
    result.counts = pd.DataFrame(values, index=pd.Index(codes, name="oa_code")).sort_index()
    return result


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise InputError(f"{path} does not exist; check the path")
    if path.stat().st_size == 0:
        raise InputError(f"{path} is empty; download the table again")


def _read_header(path: Path) -> list[str]:
    """The column names of a CSV (first line), stripped."""
    _check_file(path)
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
    except pd.errors.EmptyDataError as error:
        raise InputError(f"{path} is empty; download the table again") from error
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(f"{path} is not a readable CSV ({error}); save it as UTF-8 CSV") from error
    return [str(column).strip() for column in header]


def _read_columns(path: Path, code_column: str, headers: list[str]) -> pd.DataFrame:
    """Read the OA code column and the ``headers`` wanted; counts parsed as numbers where they can be."""
    try:
        frame = pd.read_csv(
            path, encoding="utf-8-sig", usecols=lambda c: str(c).strip() in {code_column, *headers},
            dtype={code_column: str}, thousands=",", keep_default_na=False, na_values=[""],
        )
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        raise InputError(f"{path} is not a readable CSV ({' '.join(str(error).split())}); save it as UTF-8 CSV") from error
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise InputError(f"{path} has a header but no rows; download the table again")
    frame[code_column] = frame[code_column].fillna("")
    return frame


def _oa_codes(raw: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    codes = raw[column].str.strip()
    blank = np.flatnonzero((codes == "").to_numpy())
    if blank.size:
        raise InputError(f"{where(path, int(blank[0]) + 2, column)}: the OA code is blank; fill it in or delete the row")
    duplicated = codes.duplicated(keep=False).to_numpy()
    if duplicated.any():
        rows = np.flatnonzero(duplicated)[:2] + 2
        code = codes.iloc[rows[0] - 2]
        raise InputError(
            f"{where(path, int(rows[1]), column)}: OA code {code} appears again (first on row {rows[0]}); "
            "each OA must appear once — remove the duplicate row"
        )
    return codes.to_numpy(dtype=object)


def _numeric_column(values: pd.Series, path: Path, header: str) -> np.ndarray:
    if not pd.api.types.is_numeric_dtype(values):
        text = values.astype("string").str.strip()
        numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.isnan(numbers) & text.notna().to_numpy() & (text != "").fillna(False).to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{where(path, row + 2, header)}: '{values.iloc[row]}' is not a number; "
                "census counts must be numeric — fix or re-download the table"
            )
    else:
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
    blank = np.isnan(numbers)
    if blank.any():
        row = int(np.flatnonzero(blank)[0]) + 2
        raise InputError(f"{where(path, row, header)}: the count is blank; fill in the value from the census table")
    negative = numbers < 0
    if negative.any():
        row = int(np.flatnonzero(negative)[0])
        raise InputError(
            f"{where(path, row + 2, header)}: count {numbers[row]:g} is negative; census counts cannot be "
            "below zero — fix or re-download the table"
        )
    return numbers


def _combine(frames: list[tuple[Path, pd.DataFrame]]) -> pd.DataFrame:
    """Join tables on OA code; every table must cover the same OAs."""
    if not frames:
        return pd.DataFrame(index=pd.Index([], name="oa_code"))
    first_path, first = frames[0]
    reference = first.index.sort_values()
    parts = []
    for path, frame in frames:
        frame = frame.sort_index()
        if not frame.index.equals(reference):
            lacking = reference.difference(frame.index).tolist()
            extra = frame.index.difference(reference).tolist()
            detail = " and ".join(
                part for part in (lacking and f"lacks {_preview(lacking)}", extra and f"has extra {_preview(extra)}") if part
            )
            raise InputError(
                f"{path} {detail} compared with {first_path.name}; all tables must cover the same "
                "Output Areas — download every table for the same geography"
            )
        parts.append(frame)
    combined = pd.concat(parts, axis=1)
    return combined.loc[:, ~combined.columns.duplicated()]


def _preview(items, limit: int = 5) -> str:
    items = list(items)
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f" … ({len(items)} in all)" if len(items) > limit else "")
