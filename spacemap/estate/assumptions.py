"""Documented estimates for values the registers lack, flagged wherever they appear.

An assumption table is a CSV with one estimate per row::

    match_field,match_value,field,value,source,reason
    name,Trafford General Hospital,floor_area_m2,56493,"NHS ERIC 2016/17, site RW3TR","outlines lack floor area"

- ``match_field`` / ``match_value``: which sites the estimate is for: ``site_id``, ``name``,
  ``owner``, ``owner_type`` or ``use_type`` equal to the value (ignoring case), or ``services`` /
  ``source_registers`` containing it; ``*`` in both for every site.
- ``field``: one of ``ESTIMABLE``; ``value`` in the field's unit (m² GIA, £ a year, %, places).
- ``source`` and ``reason``: where the figure comes from and why it is used; both required.

An estimate fills a site's value only where the registers left it missing (a real
value always wins) and adds the field to the site's ``estimated_fields``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from spacemap.errors import SchemaError, where
from spacemap.estate.schema import ESTIMABLE, LIST_SEPARATOR
from spacemap.estate.units import TEXT

COLUMNS = ("match_field", "match_value", "field", "value", "source", "reason")
_EQUAL_FIELDS = ("site_id", "name", "owner", "owner_type", "use_type")
_LIST_FIELDS = ("services", "source_registers")


@dataclass(frozen=True)
class Assumption:
    """One documented estimate."""

    row: int
    match_field: str
    match_value: str
    field: str
    value: float
    source: str
    reason: str


def parse_assumptions(table: pd.DataFrame, path: Path) -> list[Assumption]:
    """Validate an assumption table (text cells, header on row 1)."""
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise SchemaError(f"{where(path, 1)}: assumption table has no '{missing[0]}' column; "
                          f"its columns must be {', '.join(COLUMNS)}")
    assumptions = []
    for position, cells in enumerate(table[list(COLUMNS)].itertuples(index=False), start=2):
        assumptions.append(_parse_row(dict(zip(COLUMNS, cells, strict=True)), position, path))
    return assumptions


def _parse_row(cells: dict[str, str], row: int, path: Path) -> Assumption:
    cells = {key: ("" if pd.isna(value) else str(value).strip()) for key, value in cells.items()}
    if cells["match_field"] not in ("*", *_EQUAL_FIELDS, *_LIST_FIELDS):
        raise SchemaError(f"{where(path, row, 'match_field')}: '{cells['match_field']}' is not a site field to "
                          f"match; use *, {', '.join(_EQUAL_FIELDS + _LIST_FIELDS)}")
    if not cells["match_value"]:
        raise SchemaError(f"{where(path, row, 'match_value')}: blank; give the value to match (or * for all)")
    if cells["field"] not in ESTIMABLE:
        raise SchemaError(f"{where(path, row, 'field')}: '{cells['field']}' cannot be estimated; use one of "
                          f"{', '.join(ESTIMABLE)}")
    try:
        value = float(cells["value"].replace(",", ""))
    except ValueError:
        raise SchemaError(f"{where(path, row, 'value')}: '{cells['value']}' is not a number") from None
    if not np.isfinite(value) or value < 0:
        raise SchemaError(f"{where(path, row, 'value')}: {cells['value']} must be a number ≥ 0")
    for column in ("source", "reason"):
        if not cells[column]:
            raise SchemaError(f"{where(path, row, column)}: blank; every estimate must say its {column}")
    return Assumption(row, cells["match_field"], cells["match_value"], cells["field"], value,
                      cells["source"], cells["reason"])


def _matches(sites: pd.DataFrame, assumption: Assumption) -> pd.Series:
    if assumption.match_field == "*":
        return pd.Series(True, index=sites.index)
    values = sites[assumption.match_field].astype(TEXT)
    wanted = assumption.match_value.lower()
    if assumption.match_field in _LIST_FIELDS:
        items = values.astype(TEXT).str.lower().str.split(LIST_SEPARATOR)
        return items.map(lambda parts: wanted in parts, na_action="ignore").fillna(False).astype(bool)
    return values.str.lower().eq(wanted).fillna(False).astype(bool)


def apply_assumptions(sites: pd.DataFrame, assumptions: list[Assumption]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(sites with estimates filled and flagged, one row per assumption with the number of sites it filled)."""
    sites = sites.copy()
    flags = sites["estimated_fields"].astype(object).fillna("")
    used = []
    for assumption in assumptions:
        fill = _matches(sites, assumption) & sites[assumption.field].isna()
        if fill.any():
            value = int(round(assumption.value)) if assumption.field == "capacity" else assumption.value
            sites.loc[fill, assumption.field] = value
            if assumption.field == "floor_area_m2":
                sites.loc[fill & sites["floor_area_measure"].isna(), "floor_area_measure"] = "GIA"
            flags[fill] = flags[fill].where(flags[fill] == "", flags[fill] + LIST_SEPARATOR) + assumption.field
        used.append({"row": assumption.row, "match": f"{assumption.match_field} = {assumption.match_value}",
                     "field": assumption.field, "value": assumption.value, "sites": int(fill.sum()),
                     "source": assumption.source, "reason": assumption.reason})
    sites["estimated_fields"] = flags.where(flags != "", np.nan)
    report = pd.DataFrame(used, columns=["row", "match", "field", "value", "sites", "source", "reason"])
    return sites, report
