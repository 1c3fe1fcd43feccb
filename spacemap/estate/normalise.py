"""Turn one register's raw text cells into canonical estate rows, or rejects with reasons.

Precedence for each field: the register's own column, then a derivation from
another column (``[register.derive]``), then the register's constant
(``[register.values]``). Any value that is present but unusable rejects its row
with a reason; missing optional values stay missing. Nothing is invented here:
documented estimates are added to merged sites by ``spacemap.estate.assumptions``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from spacemap.estate import units
from spacemap.estate.config import RegisterConfig
from spacemap.estate.geocode import (
    check_coordinate_columns,
    geocode_postcodes,
    locate_bng,
    locate_lonlat,
    normalise_postcode,
)
from spacemap.estate.schema import LIST_SEPARATOR, SERVICE_TYPES
from spacemap.estate.units import TEXT


@dataclass
class NormalisedRegister:
    """Accepted rows (canonical fields + easting/northing) and rejected rows of one register."""

    name: str
    rows: pd.DataFrame
    rejects: pd.DataFrame
    rows_in: int
    blank_rows: int
    raw_cells: pd.DataFrame


class _Reasons:
    """Collect reasons per row; a row with any reason is rejected."""

    def __init__(self, index: pd.Index):
        self.series = pd.Series("", index=index, dtype=object)

    def add(self, reasons: pd.Series) -> None:
        present = reasons.notna().to_numpy()
        if not present.any():
            return
        reasons = reasons[present]
        current = self.series[reasons.index]
        self.series[reasons.index] = current.where(current == "", current + "; ") + reasons.astype(str)

    @property
    def rejected(self) -> pd.Series:
        return self.series != ""


def normalise_register(raw, lookup: pd.DataFrame | None) -> NormalisedRegister:
    """Canonical rows of ``raw`` (a ``spacemap.io.registers.RawRegister``)."""
    register: RegisterConfig = raw.config
    cells = raw.cells
    index = cells.index
    reasons = _Reasons(index)
    text = {field: _field_text(register, cells, field) for field in _fields(register)}
    rows = pd.DataFrame(index=index)

    rows["record_id"], id_reasons = _record_ids(register, text.get("site_id"), raw.source_row)
    reasons.add(id_reasons)
    for field in ("name", "owner", "owner_type", "use_type", "address", "tenure_detail", "energy_rating"):
        rows[field] = text.get(field, _missing(index))
    rows["occupiers"] = text.get("occupier", _missing(index))
    rows["services"], service_reasons = _services(text.get("services", _missing(index)))
    reasons.add(service_reasons)
    rows["postcode"] = normalise_postcode(text.get("postcode", _missing(index)))

    _parse_values(register, text, rows, reasons, index)
    rows["floor_area_measure"] = rows["floor_area_measure"].where(rows["floor_area_m2"].notna())
    _locate(raw, text, rows, reasons, lookup)

    rows["outside_boundary"] = False
    rows["source_register"] = register.name
    rows["source_row"] = raw.source_row.astype(int)
    rejected = reasons.rejected
    rejects = reject_table(register.name, raw.source_row[rejected], rows["name"][rejected],
                           reasons.series[rejected], cells.loc[rejected])
    return NormalisedRegister(register.name, rows.loc[~rejected], rejects, len(cells), raw.blank_rows, cells)


REJECT_COLUMNS = ("source_register", "source_row", "name", "reason", "record")


def reject_table(register: str, source_row: pd.Series, name: pd.Series, reason: pd.Series,
                 cells: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows: where they came from, why, and the original cells as JSON (headings in file order)."""
    record = [json.dumps({k: v for k, v in row.items() if pd.notna(v)}, ensure_ascii=False)
              for row in cells.to_dict(orient="records")]
    return pd.DataFrame({"source_register": register, "source_row": source_row.astype(int).to_numpy(),
                         "name": name.astype(object).to_numpy(), "reason": reason.astype(object).to_numpy(),
                         "record": record}, index=cells.index, columns=list(REJECT_COLUMNS))


def _fields(register: RegisterConfig) -> set[str]:
    return set(register.columns) | set(register.derive) | (set(register.values) - {"area_unit"})


def _missing(index: pd.Index) -> pd.Series:
    return pd.Series(np.nan, index=index, dtype=TEXT)


def _field_text(register: RegisterConfig, cells: pd.DataFrame, field: str) -> pd.Series:
    value = _missing(cells.index)
    if field in register.columns:
        headings = register.columns[field]
        if isinstance(headings, str):
            value = cells[headings].astype(TEXT)
        else:
            parts = cells[list(headings)].astype(object)
            separator = LIST_SEPARATOR if field == "services" else ", "
            joined = pd.Series([separator.join(v for v in row if isinstance(v, str)) for row in parts.to_numpy()],
                               index=cells.index, dtype=TEXT)
            value = joined.where(joined != "")
    if field in register.derive:
        derivation = register.derive[field]
        value = value.fillna(cells[derivation.column].astype(TEXT).map(derivation.mapping).astype(TEXT))
    if field in register.values:
        value = value.fillna(register.values[field])
    return value.astype(TEXT)


def _services(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Service types from "gp; pharmacy" or "GP | Pharmacy"; a word outside the vocabulary is a reason."""
    items = raw.str.lower().str.split(r"\s*[;|]\s*")
    items = items.map(lambda parts: [p.strip().replace(" ", "_") for p in parts if p.strip()], na_action="ignore")
    unknown = items.map(lambda parts: [p for p in parts if p not in SERVICE_TYPES], na_action="ignore")
    bad = unknown.map(lambda parts: bool(parts) if isinstance(parts, list) else False).astype(bool)
    reasons = _missing(raw.index)
    reasons[bad] = unknown[bad].map(lambda parts: f"service '{parts[0]}' is not a service type (use "
                                    + ", ".join(SERVICE_TYPES) + ")")
    joined = items.map(lambda parts: LIST_SEPARATOR.join(dict.fromkeys(parts)) or np.nan, na_action="ignore")
    return joined.where(~bad), reasons


def _record_ids(register: RegisterConfig, ids: pd.Series | None, source_row: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``register:id`` (or ``register:row N`` without an id column); blank or repeated ids are reasons."""
    if ids is None:
        return register.name + ":row " + source_row.astype(str), _missing(source_row.index)
    reasons = _missing(source_row.index)
    reasons[ids.isna()] = "site id is blank"
    first_row = source_row.groupby(ids).transform("first")
    repeated = ids.notna() & ids.duplicated()
    reasons[repeated] = ("duplicate site id '" + ids + "' (first on row " + first_row.astype("Int64").astype(str)
                         + ")")[repeated]
    return register.name + ":" + ids.fillna(""), reasons


def _parse_values(register: RegisterConfig, text: dict[str, pd.Series], rows: pd.DataFrame, reasons: _Reasons,
                  index: pd.Index) -> None:
    get = lambda field: text.get(field, _missing(index))  # noqa: E731
    unit = get("floor_area_unit").fillna(register.values.get("area_unit", np.nan))
    parsers = {
        "floor_area_m2": lambda: units.parse_area(get("floor_area"), unit),
        "floor_area_measure": lambda: units.parse_measure(get("floor_area_measure")),
        "uprn": lambda: units.parse_uprn(get("uprn")),
        "tenure": lambda: units.parse_tenure(get("tenure")),
        "lease_end": lambda: units.parse_date(get("lease_end"), "lease end"),
        "lease_break": lambda: units.parse_date(get("lease_break"), "lease break"),
        "annual_running_cost_gbp": lambda: units.parse_money(get("annual_running_cost_gbp"), "annual running cost"),
        "disposal_value_gbp": lambda: units.parse_money(get("disposal_value_gbp"), "disposal value"),
        "condition": lambda: units.parse_condition(get("condition")),
        "utilisation_pct": lambda: units.parse_percent(get("utilisation_pct"), "utilisation"),
        "capacity": lambda: units.parse_count(get("capacity"), "capacity"),
    }
    for field, parse in parsers.items():
        source = "floor_area" if field == "floor_area_m2" else field
        if source not in text:  # not in this register: missing, nothing to parse
            rows[field] = _EMPTY_FIELD.get(field, _missing)(index)
            continue
        rows[field], field_reasons = parse()
        reasons.add(_in_column(register, source, field_reasons))
    late = rows["lease_break"].notna() & rows["lease_end"].notna() & (rows["lease_break"] > rows["lease_end"])
    reasons.add(("lease break " + rows["lease_break"] + " is after lease end " + rows["lease_end"]).where(late))


_EMPTY_FIELD = {
    **{f: (lambda index: pd.Series(np.nan, index=index, dtype=float))
       for f in ("floor_area_m2", "annual_running_cost_gbp", "disposal_value_gbp", "utilisation_pct")},
    "capacity": lambda index: pd.Series(pd.NA, index=index, dtype="Int64"),
}


def _in_column(register: RegisterConfig, field: str, reasons: pd.Series) -> pd.Series:
    """Reasons prefixed with the register's heading for ``field`` ("column 'GIA (sq ft)': …")."""
    heading = register.columns.get(field)
    if not isinstance(heading, str) or reasons.isna().all():
        return reasons
    return ("column '" + heading + "': " + reasons.astype(object)).where(reasons.notna())


def _locate(raw, text: dict[str, pd.Series], rows: pd.DataFrame, reasons: _Reasons,
            lookup: pd.DataFrame | None) -> None:
    """Easting/northing and location_source for every row; unlocatable rows get a reason."""
    index = rows.index
    east = pd.Series(np.nan, index=index)
    north = pd.Series(np.nan, index=index)
    source = pd.Series(np.nan, index=index, dtype=object)
    if raw.points is not None:
        present = raw.points.notna() & ~raw.points.is_empty
        east[present] = raw.points[present].x
        north[present] = raw.points[present].y
        source[present] = "geometry"
    register: RegisterConfig = raw.config
    for (a, b), locate in ((("lon", "lat"), locate_lonlat), (("easting", "northing"), locate_bng)):
        if a in text and b in text:
            first, first_reasons = units.parse_number(text[a], a)
            second, second_reasons = units.parse_number(text[b], b)
            reasons.add(_in_column(register, a, first_reasons))
            reasons.add(_in_column(register, b, second_reasons))
            check_coordinate_columns(first, second, (a, b), register.columns,
                                     f"register '{register.name}' ({register.path.name})")
            e, n, s, problem = locate(first, second)
            fill = east.isna() & e.notna()
            east[fill], north[fill], source[fill] = e[fill], n[fill], s[fill]
            reasons.add(problem.where(east.isna()))
    need = east.isna() & rows["postcode"].notna()
    if need.any():
        if lookup is None:
            reasons.add(pd.Series("no postcode lookup to geocode the postcode; set [area] postcodes", index=index)
                        .where(need))
        else:
            e, n, problem = geocode_postcodes(rows["postcode"].where(need), lookup)
            east[need], north[need] = e[need], n[need]
            source[need & e.notna()] = "postcode_centroid"
            reasons.add(problem.where(need))
    nowhere = east.isna() & rows["postcode"].isna()
    has_coordinates = any(f in text for f in ("lon", "lat", "easting", "northing")) or raw.points is not None
    reasons.add(pd.Series("no location: no coordinates and no postcode" if has_coordinates else
                          "no location: no postcode", index=index).where(nowhere & _no_reason(reasons, index)))
    rows["easting"], rows["northing"], rows["location_source"] = east, north, source


def _no_reason(reasons: _Reasons, index: pd.Index) -> pd.Series:
    return reasons.series.reindex(index) == ""
