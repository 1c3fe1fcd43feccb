"""Service use per segment: OA counts and residents summed over each segment of each tier.

The segments table has ``oa_code`` then ``tier1_code, tier1_name, tier2_code, …``
(finest tier last), as written by ``spacemap segment``. Every tier found is used.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from spacemap.errors import InputError
from spacemap.segment.codes import tier_numbers

log = logging.getLogger(__name__)


def check_segments(segments: pd.DataFrame, oa_codes: pd.Index, source: str) -> pd.DataFrame:
    """Keep the area's OAs; warn about OAs without a segment (they drop out of segment tables)."""
    if not tier_numbers(segments):
        raise InputError(f"{source}: the segments table has no tier1_code column")
    segments = segments.astype({c: str for c in segments.columns})
    inside = segments["oa_code"].isin(oa_codes)
    if not inside.any():
        raise InputError(f"{source}: no OA code of the segments table is an OA of the area (e.g. "
                         f"{segments['oa_code'].iloc[0]}); use segments built for the same area and census")
    if (~inside).any():
        log.warning("%d OAs of the segments table are not in the area and are ignored", int((~inside).sum()))
    missing = int((~oa_codes.isin(segments["oa_code"])).sum())
    if missing:
        log.warning("%d OAs of the area have no segment and are left out of the segment tables", missing)
    return segments[inside].reset_index(drop=True)


def nested(segments: pd.DataFrame, tier: int) -> bool:
    """Whether every segment of ``tier`` lies inside one segment of the tier above."""
    if tier - 1 not in tier_numbers(segments):
        return False
    return bool((segments.groupby(f"tier{tier}_code")[f"tier{tier - 1}_code"].nunique() == 1).all())


def segment_counts(oa_table: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Counts and residents per tier, segment, service and record type (with the parent segment)."""
    frames = []
    joined = oa_table.merge(segments, on="oa_code", how="inner")
    for tier in tier_numbers(segments):
        code, name = f"tier{tier}_code", f"tier{tier}_name"
        keys = [code, name, "service", "record_type"]
        summed = joined.groupby(keys, sort=True)[["count", "population"]].sum().reset_index()
        parent = None
        if nested(segments, tier):
            parents = segments.drop_duplicates(code).set_index(code)[f"tier{tier - 1}_code"]
            parent = summed[code].map(parents)
        frames.append(pd.DataFrame({
            "tier": tier, "segment_code": summed[code], "segment_name": summed[name],
            "parent_code": parent if parent is not None else np.nan,
            "service": summed["service"], "record_type": summed["record_type"],
            "population": summed["population"], "count": summed["count"],
        }))
    return pd.concat(frames, ignore_index=True)


def segment_values(segments: pd.DataFrame) -> pd.DataFrame:
    """Integer raster values for the segments of each tier: tier, value, segment_code, segment_name."""
    frames = []
    for tier in tier_numbers(segments):
        table = (segments[[f"tier{tier}_code", f"tier{tier}_name"]].drop_duplicates(f"tier{tier}_code")
                 .sort_values(f"tier{tier}_code", kind="stable").reset_index(drop=True))
        frames.append(pd.DataFrame({"tier": tier, "value": np.arange(1, len(table) + 1),
                                    "segment_code": table.iloc[:, 0], "segment_name": table.iloc[:, 1]}))
    return pd.concat(frames, ignore_index=True)
