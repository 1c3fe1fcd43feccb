"""Parse register values into canonical units: floor areas to m², money, dates, tenure, condition.

Every parser takes a Series of raw text (missing = NaN) and returns the parsed
Series and a Series of reasons (NaN where the value parsed or was missing), so
one bad cell rejects its row with a reason instead of stopping the run.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

# Square metres per unit. 1 ft = 0.3048 m exactly, so 1 sq ft = 0.09290304 m².
AREA_UNITS = {
    "m2": 1.0, "m²": 1.0, "sq m": 1.0, "sqm": 1.0, "sq metres": 1.0, "square metres": 1.0, "square meters": 1.0,
    "sq meters": 1.0, "metres squared": 1.0,
    "sq ft": 0.09290304, "sqft": 0.09290304, "ft2": 0.09290304, "ft²": 0.09290304, "square feet": 0.09290304,
    "sq feet": 0.09290304, "feet squared": 0.09290304,
    "sq yd": 0.83612736, "sq yds": 0.83612736, "square yards": 0.83612736,
    "ha": 10_000.0, "hectares": 10_000.0, "hectare": 10_000.0,
    "acres": 4046.8564224, "acre": 4046.8564224, "ac": 4046.8564224,
}
AREA_MEASURES = {
    "gia": "GIA", "gross internal": "GIA", "gross internal area": "GIA",
    "nia": "NIA", "net internal": "NIA", "net internal area": "NIA",
    "gea": "GEA", "gross external": "GEA", "gross external area": "GEA",
}
TENURES = {
    "freehold": "freehold", "fh": "freehold", "owned": "freehold", "virtual freehold": "freehold",
    "leasehold": "leasehold", "lh": "leasehold", "leased": "leasehold", "lease": "leasehold",
    "leasehold in": "leasehold", "leased in": "leasehold", "rented": "leasehold",
    "licence": "licence", "license": "licence",
}
CONDITIONS = ("A", "B", "C", "D")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d %H:%M:%S")

_NUMBER = r"[-+]?\(?\d[\d,]*(?:\.\d+)?\)?|[-+]?\.\d+"
_AREA_CELL = re.compile(rf"^\s*(?P<number>{_NUMBER})\s*(?P<unit>[^\d].*)?$")
_MONEY_CELL = re.compile(rf"^\s*(?P<sign>[-+])?\s*£?\s*(?P<number>{_NUMBER})\s*(?P<scale>k|m|bn)?\s*$", re.IGNORECASE)


def unit_key(text: str) -> str:
    """Spelling-tolerant key of a unit: lower case, dots as spaces, single spaces ("Sq. Ft." → "sq ft")."""
    return " ".join(str(text).lower().replace(".", " ").split())


def area_factor(unit: str) -> float | None:
    """m² per ``unit``, or None when the unit is not known."""
    return AREA_UNITS.get(unit_key(unit))


# Text cells: Python-backed strings with NaN for missing (string methods work on all-blank columns).
TEXT = pd.StringDtype("python", na_value=np.nan)


def as_text(raw: pd.Series) -> pd.Series:
    """Cells as pandas text (missing stays missing), so string methods work even on all-blank columns."""
    return raw if raw.dtype == TEXT else raw.astype(TEXT)


def _number(text: str) -> float:
    negative = text.startswith("(") and text.endswith(")")
    value = float(text.strip("()").replace(",", ""))
    return -value if negative else value


def parse_number(raw: pd.Series, label: str) -> tuple[pd.Series, pd.Series]:
    """Plain numbers ("1,200", "3.5"); anything else is a reason."""
    raw = as_text(raw)
    cleaned = raw.str.replace(",", "", regex=False).str.strip()
    values = pd.to_numeric(cleaned, errors="coerce")
    bad = raw.notna() & values.isna()
    reasons = pd.Series(np.where(bad, label + " '" + raw.astype(str) + "' is not a number", None), index=raw.index)
    return values.astype(float), reasons.where(bad)


def parse_area(raw: pd.Series, units: pd.Series, label: str = "floor area") -> tuple[pd.Series, pd.Series]:
    """Floor areas in m² from cells like "1,200", "1200 sq ft" or "450m²".

    A unit written in the cell wins over ``units`` (the register's or row's unit),
    so a column of square feet with a few cells marked m² converts correctly.
    """
    raw = as_text(raw)
    values = pd.Series(np.nan, index=raw.index)
    reasons = pd.Series(None, index=raw.index, dtype=object)
    for index, text in raw.dropna().items():
        match = _AREA_CELL.match(str(text))
        if match is None:
            reasons[index] = f"{label} '{text}' is not a number"
            continue
        unit = match["unit"] or units.get(index)
        if unit is None or (isinstance(unit, float) and np.isnan(unit)) or str(unit).strip() == "":
            reasons[index] = f"{label} '{text}' has no unit; set area_unit in [register.values] or map floor_area_unit"
            continue
        factor = area_factor(unit)
        if factor is None:
            reasons[index] = f"{label} unit '{str(unit).strip()}' is not known (use m², sq ft, ha or acres)"
            continue
        number = _number(match["number"])
        if number <= 0:
            reasons[index] = f"{label} '{text}' is not positive"
            continue
        values[index] = number * factor
    return values, reasons


def parse_money(raw: pd.Series, label: str) -> tuple[pd.Series, pd.Series]:
    """Pounds from "£1,200", "1200.50", "£12k", "£1.2m"; negative amounts are reasons."""
    raw = as_text(raw)
    scale = {"k": 1e3, "m": 1e6, "bn": 1e9}
    values = pd.Series(np.nan, index=raw.index)
    reasons = pd.Series(None, index=raw.index, dtype=object)
    for index, text in raw.dropna().items():
        match = _MONEY_CELL.match(str(text))
        if match is None:
            reasons[index] = f"{label} '{text}' is not an amount in pounds"
            continue
        number = _number(match["number"]) * scale.get((match["scale"] or "").lower(), 1.0)
        if match["sign"] == "-":
            number = -number
        if number < 0:
            reasons[index] = f"{label} '{text}' is negative"
            continue
        values[index] = number
    return values, reasons


def parse_count(raw: pd.Series, label: str) -> tuple[pd.Series, pd.Series]:
    """Whole numbers ≥ 0 (capacity)."""
    values, reasons = parse_number(raw, label)
    bad = values.notna() & ((values < 0) | (values != np.round(values)))
    reasons = reasons.where(~bad, label + " '" + raw.astype(str) + "' is not a whole number ≥ 0")
    return values.where(~bad).astype("Int64"), reasons


def parse_percent(raw: pd.Series, label: str) -> tuple[pd.Series, pd.Series]:
    """Percentages from "85", "85%" or "85.5 %"; negative values are reasons."""
    raw = as_text(raw)
    values, reasons = parse_number(raw.str.replace("%", "", regex=False), label)
    reasons = reasons.where(reasons.isna(), label + " '" + raw.astype(str) + "' is not a percentage")
    bad = values < 0
    reasons = reasons.where(~bad, label + " '" + raw.astype(str) + "' is negative")
    return values.where(~bad), reasons


def parse_date(raw: pd.Series, label: str) -> tuple[pd.Series, pd.Series]:
    """ISO dates; UK day-first dates (31/03/2030, 31 March 2030); as text YYYY-MM-DD."""
    raw = as_text(raw)
    text = raw.str.strip()
    parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    for fmt in DATE_FORMATS:
        todo = parsed.isna() & text.notna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    bad = text.notna() & parsed.isna()
    reasons = (label + " '" + raw.astype(str) + "' is not a date (use YYYY-MM-DD or DD/MM/YYYY)").where(bad)
    return parsed.dt.strftime("%Y-%m-%d").where(parsed.notna()), reasons


def parse_choice(raw: pd.Series, choices: dict[str, str], label: str, expected: str) -> tuple[pd.Series, pd.Series]:
    """Map words onto canonical values (``choices`` keys are lower case)."""
    raw = as_text(raw)
    keys = raw.str.lower().str.replace(r"\s+", " ", regex=True).str.strip()
    values = keys.map(choices)
    bad = raw.notna() & values.isna()
    reasons = (label + " '" + raw.astype(str) + f"' is not {expected}").where(bad)
    return values, reasons


def parse_tenure(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    return parse_choice(raw, TENURES, "tenure", "freehold, leasehold or licence")


def parse_measure(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    return parse_choice(raw, AREA_MEASURES, "floor area measure", "GIA, NIA or GEA")


def parse_condition(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Condition grades A–D ("B", "b", "Condition B", "B - satisfactory")."""
    raw = as_text(raw)
    found = raw.str.strip().str.upper().str.extract(r"^(?:CONDITION\s+)?([A-Z])(?:\b|$)", expand=False)
    ok = found.isin(CONDITIONS)
    bad = raw.notna() & ~ok
    reasons = ("condition '" + raw.astype(str) + "' is not a grade A–D").where(bad)
    return found.where(ok), reasons


def parse_uprn(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """UPRNs: whole numbers of 1–12 digits (Excel's "1.00012E+11" style floats are accepted)."""
    raw = as_text(raw)
    text = raw.str.strip().str.replace(r"\.0+$", "", regex=True)
    numeric = pd.to_numeric(text, errors="coerce")
    digits = numeric.map(lambda v: f"{int(v)}" if pd.notna(v) and v == int(v) and v > 0 else None,
                         na_action="ignore").astype(TEXT)
    ok = digits.notna() & (digits.str.len() <= 12)
    bad = raw.notna() & ~ok
    reasons = ("UPRN '" + raw.astype(str) + "' is not a number of up to 12 digits").where(bad)
    return digits.where(ok), reasons
