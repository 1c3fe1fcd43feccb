"""Escaping and number formatting for text that goes into HTML.

Every string that comes from an input (asset names, segment names, addresses,
reasons) passes through :func:`esc` before it is placed in a page.
"""

from __future__ import annotations

import html
import json
import math
from typing import Any

import pandas as pd


def esc(value: Any) -> str:
    """HTML-escape any value (quotes included) for text or attribute positions."""
    return html.escape("" if is_missing(value) else str(value), quote=True)


def is_missing(value: Any) -> bool:
    """True for None, NaN, NA and empty strings."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def number(value: Any, digits: int = 0, prefix: str = "", suffix: str = "") -> str:
    """A number with thousands separators, or an empty string when missing."""
    if is_missing(value):
        return ""
    return f"{prefix}{float(value):,.{digits}f}{suffix}"


def script_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` characters."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False, allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def table(rows: list[tuple[str, str]]) -> str:
    """A two-column table of already escaped (label, value) HTML pairs, skipping empty values."""
    cells = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows if value)
    return f"<table>{cells}</table>"
