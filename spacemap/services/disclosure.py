"""Statistical disclosure control for every table of service use that is written.

Rules (the usual ones for small-area counts of people):
- **Primary suppression**: a count that rounds to 1–4 is withheld. Zero is shown.
- **Secondary suppression**: where cells add up to a total that is published (all OAs
  of a service; the OAs of a segment; the sub-segments of a segment), a group with
  exactly one withheld cell would let the reader subtract it back out, so the next
  smallest cell of that group is withheld too (the smallest non-zero one; a zero only
  when nothing else is left). This repeats until no group has a lone withheld cell.
- A withheld cell shows no number at all: its count, rate, observed/expected, interval
  and flags are blank, and the ``suppressed`` column says why.
- When a whole service's area total is 1–4, every cell of it is withheld, and so are
  the expected counts (which are that total shared out by residents).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

SUPPRESS_FROM = 1
SUPPRESS_TO = 4


def primary_suppression(counts: np.ndarray, low: int = SUPPRESS_FROM, high: int = SUPPRESS_TO) -> np.ndarray:
    """Cells whose count, rounded to a whole number, is between ``low`` and ``high``."""
    rounded = np.round(np.asarray(counts, dtype=float))
    return (rounded >= low) & (rounded <= high)


def secondary_suppression(counts: np.ndarray, suppressed: np.ndarray, groupings: list[np.ndarray]) -> np.ndarray:
    """Withhold more cells until no group (of any grouping) has exactly one withheld cell.

    Each grouping gives every cell a group label (NaN: the cell is in no group of that
    grouping). Ties are broken by cell order, so the result is deterministic.
    """
    counts = np.round(np.asarray(counts, dtype=float))
    suppressed = np.asarray(suppressed, dtype=bool).copy()
    codes = [_group_codes(labels) for labels in groupings]
    for _ in range(len(counts) + 1):
        added = 0
        for group in codes:
            added += _withhold_next(counts, suppressed, group)
        if not added:
            return suppressed
    raise RuntimeError("secondary suppression did not settle")  # pragma: no cover - bounded by cell count


def _group_codes(labels: np.ndarray) -> np.ndarray:
    labels = pd.Series(labels, dtype=object)
    codes, _ = pd.factorize(labels, use_na_sentinel=True)
    return codes


def _withhold_next(counts: np.ndarray, suppressed: np.ndarray, group: np.ndarray) -> int:
    inside = group >= 0
    if not inside.any():
        return 0
    withheld = np.bincount(group[inside], weights=suppressed[inside], minlength=group.max() + 1)
    lone = np.flatnonzero(withheld == 1)
    if lone.size == 0:
        return 0
    candidate = inside & ~suppressed & np.isin(group, lone)
    if not candidate.any():
        return 0
    cells = pd.DataFrame({"group": group[candidate], "zero": counts[candidate] == 0,
                          "count": counts[candidate], "cell": np.flatnonzero(candidate)})
    chosen = cells.sort_values(["group", "zero", "count", "cell"], kind="stable").drop_duplicates("group")
    suppressed[chosen["cell"].to_numpy()] = True
    return len(chosen)


def apply_disclosure(table: pd.DataFrame, groupings: list[str | list[str]],
                     hide: tuple[str, ...]) -> pd.DataFrame:
    """Blank the ``count`` and the ``hide`` columns of withheld cells; add ``suppressed``.

    ``groupings`` name the column(s) whose combinations form published totals.
    """
    counts = table["count"].to_numpy(dtype=float)
    primary = primary_suppression(counts)
    labels = [_labels(table, columns) for columns in groupings]
    suppressed = secondary_suppression(counts, primary, labels)
    out = table.copy()
    shown = pd.array(np.round(counts), dtype="Int64")
    shown[suppressed] = pd.NA
    out["count"] = shown
    for column in hide:
        if column in out.columns:
            out[column] = out[column].astype(object if out[column].dtype == bool else out[column].dtype)
            out.loc[suppressed, column] = pd.NA if out[column].dtype == object else np.nan
    out["suppressed"] = suppressed
    out["suppression"] = np.where(primary, "primary", np.where(suppressed, "secondary", ""))
    log.debug("Suppressed %d cells (%d primary, %d secondary)", suppressed.sum(), primary.sum(),
              suppressed.sum() - primary.sum())
    return out


def withhold_all(table: pd.DataFrame, mask: np.ndarray, hide: tuple[str, ...]) -> pd.DataFrame:
    """Withhold every cell of ``mask`` (a small area total), blanking ``count`` and ``hide``."""
    out = table.copy()
    if not mask.any():
        return out
    out.loc[mask, "count"] = pd.NA
    for column in hide:
        if column in out.columns:
            out[column] = out[column].astype(object if out[column].dtype == bool else out[column].dtype)
            out.loc[mask, column] = pd.NA if out[column].dtype == object else np.nan
    out.loc[mask, "suppression"] = "total 1-4"
    out.loc[mask, "suppressed"] = True
    return out


def _labels(table: pd.DataFrame, columns: str | list[str]) -> np.ndarray:
    """One group number per row for the combination of ``columns`` (NaN where any is missing)."""
    columns = [columns] if isinstance(columns, str) else list(columns)
    numbers = table.groupby(columns, dropna=True, sort=True).ngroup()
    return numbers.reindex(table.index).to_numpy(dtype=float)
