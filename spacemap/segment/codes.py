"""Segment codes as every stage reads them: the tier columns of an ``oa_segments`` table and code order.

Codes are OAC style (``1``, ``1a``, ``1a1`` …); they sort naturally, so ``2`` comes
before ``10`` and ``1a`` before ``1b``.
"""

from __future__ import annotations

import re

import pandas as pd

_TIER_CODE = re.compile(r"tier(\d+)_code")


def tier_numbers(segments: pd.DataFrame) -> list[int]:
    """The tier numbers of a segments table (its ``tier<N>_code`` columns), coarsest first."""
    return sorted(int(m.group(1)) for c in segments.columns if (m := _TIER_CODE.fullmatch(str(c))))


def code_order(code: str) -> tuple:
    """Sort key for segment codes: numbers by value, letters alphabetically."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.findall(r"\d+|\D+", str(code)))
