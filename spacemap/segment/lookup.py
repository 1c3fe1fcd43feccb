"""The OA → segment lookup every later stage joins on (``oa_segments.csv``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spacemap.segment.diagnostics import poor_fit
from spacemap.segment.hierarchy import Assignment


def oa_segments_frame(oa_codes: pd.Series, assignment: Assignment, codes: list[list[str]],
                      names: list[list[str]]) -> pd.DataFrame:
    """One row per OA: code and name per tier, distance, second-best segment and a poor-fit flag.

    Sorted by OA code so the same labels always give the same bytes.
    """
    columns: dict[str, object] = {"oa_code": oa_codes.astype(str).to_numpy()}
    for t in range(assignment.tiers.shape[1]):
        tier_codes, tier_names = np.array(codes[t], dtype=object), np.array(names[t], dtype=object)
        columns[f"tier{t + 1}_code"] = tier_codes[assignment.tiers[:, t]]
        columns[f"tier{t + 1}_name"] = tier_names[assignment.tiers[:, t]]
    finest_codes, finest_names = np.array(codes[-1], dtype=object), np.array(names[-1], dtype=object)
    has_second = assignment.second_best >= 0
    columns["distance"] = np.round(assignment.distance, 6)
    columns["second_best_code"] = np.where(has_second, finest_codes[np.maximum(assignment.second_best, 0)], "")
    columns["second_best_name"] = np.where(has_second, finest_names[np.maximum(assignment.second_best, 0)], "")
    columns["second_best_distance"] = np.round(assignment.second_distance, 6)
    margin = assignment.margin
    columns["fit_margin"] = np.round(margin, 4)
    flag, reason = poor_fit(assignment.distance, margin, assignment.tiers[:, -1])
    columns["poor_fit"] = flag
    columns["poor_fit_reason"] = reason
    frame = pd.DataFrame(columns)
    return frame.sort_values("oa_code", kind="stable").reset_index(drop=True)
