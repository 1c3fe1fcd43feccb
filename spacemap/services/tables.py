"""The written take-up tables: per OA and per segment, with disclosure control applied.

Measures are computed on the unrounded counts (an LSOA record shared out, or a
modelled count, is a fraction); the tables show counts rounded to whole numbers and
withhold small ones (see ``spacemap.services.disclosure``). Secondary suppression in
the OA table works within each service's area total and within each segment's total
(which the segment table publishes); in the segment table within each tier's total
and within each parent segment. A service whose area total is 1–4 is withheld whole.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from spacemap.services.disclosure import apply_disclosure, primary_suppression, withhold_all
from spacemap.segment.codes import tier_numbers
from spacemap.services.segments import segment_counts
from spacemap.services.takeup import KEYS, MEASURES, area_rates, full_grid, take_up

OA_COLUMNS = ["oa_code", *KEYS, "modelled", "population", "count", "suppressed", "suppression", "rate_per_1000",
              "expected", "observed_expected", "oe_lower", "oe_upper", "non_take_up", "hot_spot"]
SEGMENT_COLUMNS = ["tier", "segment_code", "segment_name", "parent_code", *OA_COLUMNS[1:]]
ROUNDING = {"rate_per_1000": 3, "expected": 3, "observed_expected": 4, "oe_lower": 4, "oe_upper": 4}


@dataclass
class UseTables:
    """Take-up per OA and per segment (disclosure-controlled) and the area totals."""

    oa: pd.DataFrame
    segments: pd.DataFrame | None
    totals: pd.DataFrame  # service, record_type, modelled, count (None if 1-4), population, rate_per_1000
    suppressed_oa: int
    suppressed_segments: int


def use_tables(counts: pd.DataFrame, population: pd.Series, segments: pd.DataFrame | None,
               confidence: float) -> UseTables:
    """Build both tables from counts per OA (oa_code, service, record_type, count, modelled)."""
    modelled = counts.groupby(KEYS)["modelled"].first()
    rates = area_rates(counts, population)
    grid = full_grid(counts, pd.Index(population.index))
    grid["population"] = population.reindex(grid["oa_code"]).to_numpy()
    oa = take_up(grid, rates, confidence)
    oa["modelled"] = pd.MultiIndex.from_frame(oa[KEYS]).map(modelled).to_numpy(dtype=bool)
    groupings: list[list[str]] = [KEYS]
    labelled = oa
    if segments is not None:
        codes = [f"tier{t}_code" for t in tier_numbers(segments)]
        labelled = oa.merge(segments[["oa_code", *codes]], on="oa_code", how="left")
        groupings += [[*KEYS, code] for code in codes]
    small = rates.loc[primary_suppression(rates["count"].to_numpy()), KEYS]
    oa_out = apply_disclosure(labelled, groupings, MEASURES)[OA_COLUMNS]
    oa_out = withhold_all(oa_out, _among(oa_out, small), (*MEASURES, "expected"))
    seg_out = None
    if segments is not None:
        seg = take_up(segment_counts(oa[["oa_code", *KEYS, "count", "population"]], segments), rates, confidence)
        seg["modelled"] = pd.MultiIndex.from_frame(seg[KEYS]).map(modelled).to_numpy(dtype=bool)
        seg_out = apply_disclosure(seg, [["tier", *KEYS], ["tier", *KEYS, "parent_code"]], MEASURES)
        seg_out = withhold_all(seg_out, _among(seg_out, small), (*MEASURES, "expected"))
        seg_out = _rounded(seg_out[SEGMENT_COLUMNS])
    totals = rates.assign(modelled=pd.MultiIndex.from_frame(rates[KEYS]).map(modelled).to_numpy(dtype=bool))
    withheld = primary_suppression(totals["count"].to_numpy())
    totals["count"] = pd.array(np.round(totals["count"]), dtype="Int64")
    totals.loc[withheld, ["count", "rate_per_1000"]] = pd.NA
    return UseTables(_rounded(oa_out), seg_out, totals, int(oa_out["suppressed"].astype(bool).sum()),
                     int(seg_out["suppressed"].astype(bool).sum()) if seg_out is not None else 0)


def _among(table: pd.DataFrame, keys: pd.DataFrame) -> np.ndarray:
    """Rows of ``table`` whose (service, record type) is one of ``keys``."""
    return pd.MultiIndex.from_frame(table[KEYS]).isin(pd.MultiIndex.from_frame(keys)) if len(keys) else (
        np.zeros(len(table), dtype=bool))


def _rounded(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    for column, digits in ROUNDING.items():
        table[column] = pd.to_numeric(table[column], errors="coerce").round(digits)
    return table.reset_index(drop=True)
