"""Segment profiles: index scores of every variable for every segment at every tier.

An index score is the segment's mean rate ÷ the area's mean rate × 100, on the
untransformed rates (100 = as the area as a whole; 200 = twice as common).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Segment:
    """One segment of one tier, as people read it."""

    tier: int            # 1 = the top tier
    index: int           # position among its tier's centroids
    code: str
    name: str
    parent_code: str     # "" at tier 1
    oas: int
    residents: float     # NaN when populations are unknown


def segment_table(model, names: list[list[str]], tier_labels: np.ndarray, population: pd.Series | None,
                  oa_codes: pd.Series) -> list[Segment]:
    """Every segment of every tier with its size in OAs and residents."""
    pop = None
    if population is not None:
        pop = population.reindex(oa_codes.to_numpy()).to_numpy(dtype=float)
    segments = []
    for t, codes in enumerate(model.codes_):
        parents = model.parents_[t]
        oas = np.bincount(tier_labels[:, t], minlength=len(codes))
        residents = (np.bincount(tier_labels[:, t], weights=np.nan_to_num(pop), minlength=len(codes))
                     if pop is not None else np.full(len(codes), np.nan))
        for i, code in enumerate(codes):
            parent = model.codes_[t - 1][parents[i]] if t > 0 else ""
            segments.append(Segment(t + 1, i, code, names[t][i], parent, int(oas[i]), float(residents[i])))
    return segments


def index_scores(rates: pd.DataFrame, variables: list[str], tier_labels: np.ndarray, tier: int,
                 k: int) -> np.ndarray:
    """k × variables matrix of index scores at one tier (NaN where the area mean is 0 or a segment is empty)."""
    values = rates[variables].to_numpy(dtype=float)
    area_mean = values.mean(axis=0)
    labels = tier_labels[:, tier]
    counts = np.bincount(labels, minlength=k).astype(float)
    sums = np.zeros((k, values.shape[1]))
    np.add.at(sums, labels, values)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts[:, None]
        scores = means / area_mean[None, :] * 100.0
    scores[:, area_mean == 0] = np.nan
    return scores


def profiles_frame(segments: list[Segment], rates: pd.DataFrame, variables: list[str],
                   tier_labels: np.ndarray) -> pd.DataFrame:
    """One row per segment per tier: sizes, then one index-score column per variable."""
    rows = []
    for tier in sorted({s.tier for s in segments}):
        in_tier = [s for s in segments if s.tier == tier]
        scores = index_scores(rates, variables, tier_labels, tier - 1, len(in_tier))
        for segment in in_tier:
            row = {"tier": tier, "code": segment.code, "name": segment.name, "parent_code": segment.parent_code,
                   "oas": segment.oas, "residents": segment.residents}
            row.update(dict(zip(variables, np.round(scores[segment.index], 1))))
            rows.append(row)
    return pd.DataFrame(rows)


def distinctive(centroid: np.ndarray, area_centre: np.ndarray, count: int) -> tuple[list[int], list[int]]:
    """Variables where a segment sits furthest above and below the area, in the clustering's own space.

    Working in the transformed, standardised space keeps rare variables (a few
    per cent of residents) from crowding out the ones that actually shaped the segment.
    """
    gap = centroid - area_centre
    order = np.argsort(-gap, kind="stable")
    above = [int(i) for i in order if gap[i] > 0][:count]
    below = [int(i) for i in order[::-1] if gap[i] < 0][:count]
    return above, below
