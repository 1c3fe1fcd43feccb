"""Carry a segmentation from one census to the next.

- **assign** (default): score every new-census OA against the frozen old model (its
  transform parameters and centroids, restricted to the variables both censuses
  share), so segments keep their meaning and names.
- **rebuild**: fit a fresh model with the same tiers on the new census, then match
  new segments to old ones tier by tier by optimal assignment
  (``scipy.optimize.linear_sum_assignment``) on the distance between each old
  centroid and the new segment's mean position, both in the old model's space.
  A matched pair is a counterpart only if the new segment's mean lies nearer to
  that old centroid than to any other (the frozen model would label it so);
  otherwise the old segment is reported as vanished and the new one as new. A
  shift of the whole area between censuses moves every segment alike and does
  not break a match. Matched segments carry the old names across.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from spacemap.errors import InputError
from spacemap.segment.assign import SavedModel
from spacemap.segment.hierarchy import SegmentModel
from spacemap.segment.lookup import oa_segments_frame
from spacemap.segment.pipeline import SegmentInputs
from spacemap.segment.portraits import draft_names, references
from spacemap.segment.transitions import Geography, oa_changes, relate_oas, stability, transitions
from spacemap.segment.vintages import VariableLinks, link_variables, restrict_model

log = logging.getLogger(__name__)

MODES = ("assign", "rebuild")
SHARE_FOR_SPLIT = 0.25


@dataclass
class RefreshRun:
    """The new census's segments and how they relate to the old ones."""

    mode: str
    saved: SavedModel
    links: VariableLinks
    model: SegmentModel
    names: list[list[str]]
    new_lookup: pd.DataFrame
    changes: pd.DataFrame
    transitions: pd.DataFrame
    stability: pd.DataFrame
    matches: pd.DataFrame
    geography: Geography
    inputs: SegmentInputs
    findings: list[str]


def refresh_segments(saved: SavedModel, model_spec, inputs: SegmentInputs, old_lookup: pd.DataFrame,
                     mode: str = "assign", mapping: dict | None = None, drop: set | None = None,
                     drop_unmatched: bool = False, old_boundaries=None, starts: int = 100,
                     seed: int = 42) -> RefreshRun:
    """Segments of the new census under ``mode``, with transitions from ``old_lookup``."""
    if mode not in MODES:
        raise InputError(f"unknown refresh mode '{mode}'; choose assign or rebuild")
    new_vars = [c for c in inputs.variables.columns if c != "oa_code"]
    links = link_variables(list(saved.model.feature_names_in_), model_spec, new_vars, mapping, drop, drop_unmatched)
    frozen = restrict_model(saved.model, links)
    variables = inputs.variables[["oa_code", *frozen.feature_names_in_]]
    tiers = len(frozen.codes_)
    _check_old_lookup(old_lookup, tiers)
    if mode == "assign":
        model, names = frozen, saved.names
        matched = {t + 1: {c: c for c in codes} for t, codes in enumerate(frozen.codes_)}
        positions = frozen.centroids_
        matches = _identity_matches(frozen, names)
    else:
        model = SegmentModel(tiers=tuple(len(c) for c in frozen.codes_), skew=frozen.skew,
                             standardise=frozen.standardise, starts=starts, random_state=seed).fit(variables)
        positions = _positions_in_old_space(frozen, model, variables)
        matches, matched = _match(frozen, saved.names, model, positions)
        names = _carry_names(model, matches, inputs, variables)
        matches["new_name"] = [names[t - 1][model.codes_[t - 1].index(c)] if c else ""
                               for t, c in zip(matches["tier"], matches["new_code"])]
    assignment = model.assign(variables)
    new_lookup = oa_segments_frame(variables["oa_code"], assignment, model.codes_, names)
    geography = relate_oas(old_lookup["oa_code"], new_lookup["oa_code"], old_boundaries, inputs.boundaries)
    moved = _distances(frozen.codes_[-1], frozen.centroids_[-1], model.codes_[-1], positions[-1])
    changes = oa_changes(geography, old_lookup, new_lookup, tiers, moved)
    table = transitions(changes, tiers, inputs.population)
    findings = _findings(table, matches)
    log.info("Refresh (%s): %d OAs compared directly, %d related by overlay, overall stability %s", mode,
             geography.same_code, geography.overlaid_old,
             ", ".join(f"tier {r.tier} {r.stability:.1%}" for r in stability(table, matched).itertuples()
                       if r.old_code == "all"))
    return RefreshRun(mode, saved, links, model, names, new_lookup, changes, table, stability(table, matched),
                      matches, geography, inputs, findings)


def _check_old_lookup(old_lookup: pd.DataFrame, tiers: int) -> None:
    needed = ["oa_code"] + [f"tier{t}_code" for t in range(1, tiers + 1)]
    missing = [c for c in needed if c not in old_lookup.columns]
    if missing:
        raise InputError(f"the old segments table lacks column(s) {', '.join(missing)}; give the oa_segments.csv "
                         "written with the model (--old-segments)")


def _identity_matches(model: SegmentModel, names) -> pd.DataFrame:
    rows = [{"tier": t + 1, "old_code": c, "old_name": names[t][i], "new_code": c, "new_name": names[t][i],
             "distance": 0.0, "status": "same segment (frozen model)"}
            for t, codes in enumerate(model.codes_) for i, c in enumerate(codes)]
    return pd.DataFrame(rows)


def _positions_in_old_space(frozen: SegmentModel, model: SegmentModel, variables: pd.DataFrame) -> list[np.ndarray]:
    """Each new segment's mean position in the old model's transformed space, per tier."""
    Z_old = frozen.transform(variables)
    out = []
    for t, codes in enumerate(model.codes_):
        labels = model.tier_labels_[:, t]
        sums = np.zeros((len(codes), Z_old.shape[1]))
        np.add.at(sums, labels, Z_old)
        counts = np.bincount(labels, minlength=len(codes))[:, None]
        out.append(np.divide(sums, np.maximum(counts, 1)))
    return out


def _match(frozen: SegmentModel, old_names, model: SegmentModel, positions) -> tuple[pd.DataFrame, dict]:
    """Optimal one-to-one matching of old and new segments per tier; far pairs are not counterparts."""
    rows, matched = [], {}
    for t, (old_centres, new_positions) in enumerate(zip(frozen.centroids_, positions)):
        cost = cdist(old_centres, new_positions)
        nearest_old = cost.argmin(axis=0)
        old_idx, new_idx = linear_sum_assignment(cost)
        matched[t + 1] = {}
        for i, j in zip(old_idx, new_idx):
            good = nearest_old[j] == i
            old_code, new_code = frozen.codes_[t][i], model.codes_[t][j]
            if good:
                matched[t + 1][old_code] = new_code
            rows.append({"tier": t + 1, "old_code": old_code, "old_name": old_names[t][i],
                         "new_code": new_code if good else "", "distance": round(float(cost[i, j]), 6),
                         "status": "matched" if good else "vanished: its best match lies nearer another "
                                                          "old segment"})
            if not good:
                rows.append({"tier": t + 1, "old_code": "", "old_name": "", "new_code": new_code,
                             "distance": round(float(cost[i, j]), 6), "status": "new: no old counterpart"})
    return pd.DataFrame(rows), matched


def _carry_names(model: SegmentModel, matches: pd.DataFrame, inputs: SegmentInputs, variables) -> list[list[str]]:
    Z = model.transform(variables)
    labels = {code: inputs.labels.get(code, code) for code in model.feature_names_in_}
    drafts = draft_names(model, labels, references(model, Z.mean(axis=0), against_parent=True))
    carried = {(r.tier, r.new_code): r.old_name for r in matches.itertuples() if r.status == "matched"}
    return [[carried.get((t + 1, code), f"{drafts[t][i]} (new)") for i, code in enumerate(codes)]
            for t, codes in enumerate(model.codes_)]


def _distances(old_codes, old_centres, new_codes, new_positions) -> dict[tuple[str, str], float]:
    d = cdist(old_centres, new_positions)
    return {(o, n): float(d[i, j]) for i, o in enumerate(old_codes) for j, n in enumerate(new_codes)}


def _findings(table: pd.DataFrame, matches: pd.DataFrame) -> list[str]:
    """Plain-words evidence of splits, merges, new and vanished segments."""
    notes = []
    for tier, group in table.groupby("tier", sort=True):
        for old_code, big in _large_shares(group, "old_code", "new_code"):
            notes.append(f"Tier {tier}: old segment {old_code} split — " +
                         ", ".join(f"{s:.0%} of its OAs went to {c}" for c, s in big.items()) + ".")
        for new_code, big in _large_shares(group, "new_code", "old_code"):
            notes.append(f"Tier {tier}: new segment {new_code} merges " +
                         ", ".join(f"{s:.0%} from old {c}" for c, s in big.items()) + ".")
    for row in matches.itertuples():
        if row.status.startswith("vanished"):
            notes.append(f"Tier {row.tier}: old segment {row.old_code} ({row.old_name}) has no counterpart "
                         f"(nearest new segment {row.distance:.3f} away).")
        elif row.status.startswith("new"):
            notes.append(f"Tier {row.tier}: new segment {row.new_code} has no old counterpart.")
    return notes


def _large_shares(group: pd.DataFrame, by: str, to: str):
    """Segments whose OAs go to (or come from) two or more others in shares of 25% or more."""
    for code, part in group.groupby(by, sort=True):
        share = part.set_index(to)["oas"] / part["oas"].sum()
        big = share[share >= SHARE_FOR_SPLIT].sort_values(ascending=False)
        if len(big) >= 2:
            yield code, big
