"""Equity and access: which segments are most in need, and how far a move puts each segment's users.

Need index of a segment (from its profile's index scores, 100 = the area average)::

    need = mean over the config's need variables of  index        (direction "high")
                                                  or 200 − index  (direction "low")

By default: Standardised Illness Ratio (v33), social renting (v42) and unemployment
(v57) count when high; two or more cars or vans (v39) counts when low (fewer cars = less
mobile). Segments with need ≥ ``priority_min_index`` are the *priority* segments (the
most deprived or least mobile); when none reaches it, the one with the highest need is.

Access change of a group: every (OA, service) use of a member site moves to the nearest
site of that service still open, or to the host (which takes the members' services),
whichever is nearer. The change is new − old distance in metres, averaged over the
residents concerned (a resident using two moving services counts twice) — for all of
them and per segment. A group is flagged when the users of any priority segment are on
average more than ``flag_increase_m`` further away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from spacemap.colocate.area import Area, Tier
from spacemap.colocate.catchments import Catchments, UsersBySite
from spacemap.colocate.config import ColocateConfig
from spacemap.errors import ConfigError

CHUNK = 2_000_000  # (OA, service) uses evaluated at once


def segment_need(profiles: pd.DataFrame, tier: Tier, config: ColocateConfig, source: str) -> pd.DataFrame:
    """One row per segment of the equity tier: code, name, the need variables' index scores, need, priority."""
    rows = profiles[profiles["tier"].astype(int) == tier.number].copy()
    rows["code"] = rows["code"].astype(str)
    missing = [v for v in config.need_variables if v not in rows.columns]
    if missing:
        raise ConfigError(f"{source} has no index scores for {', '.join(missing)}; set [equity] need_variables "
                          "to variables of the segmentation")
    rows = rows.set_index("code").reindex(tier.codes)
    if rows[list(config.need_variables)].isna().all(axis=1).any():
        absent = rows.index[rows[list(config.need_variables)].isna().all(axis=1)][0]
        raise ConfigError(f"{source} has no profile for segment {absent} of tier {tier.number}; use the profiles "
                          "written with the same segments")
    parts = [rows[v] if d == "high" else 200.0 - rows[v] for v, d in config.need_variables.items()]
    need = pd.concat(parts, axis=1).mean(axis=1).to_numpy(dtype=float)
    priority = need >= config.priority_min_index
    if not priority.any():
        priority = need == np.nanmax(need)
    table = pd.DataFrame({"tier": tier.number, "segment_code": tier.codes, "segment_name": tier.names})
    for variable, direction in config.need_variables.items():
        table[f"{variable}_index"] = rows[variable].to_numpy(dtype=float)
    table["need_index"] = need.round(1)
    table["priority"] = priority
    return table


@dataclass
class AccessChange:
    """Per group: residents whose use moves, their mean change (m), and the same per segment."""

    residents: np.ndarray
    mean_m: np.ndarray
    by_segment: np.ndarray            # (n_groups, n_segments) mean change; NaN where the segment has no user moving
    residents_by_segment: np.ndarray  # (n_groups, n_segments)
    priority_m: np.ndarray            # mean change of the priority segments' users (0 when none moves)
    worst_priority_m: np.ndarray      # the largest mean change of a priority segment (0 when none moves)


@dataclass
class Moves:
    """Groups to evaluate: each row closes ``member`` of group ``group``, whose host is ``host[group]``.

    ``closed_group`` (per site: its group, -1 for none) marks every member of a group as
    closed when its users look for the nearest open site; without it only the row's own
    member closes (pairs evaluated one by one).
    """

    group: np.ndarray
    member: np.ndarray
    host: np.ndarray
    closed_group: np.ndarray | None = None


def access_change(moves: Moves, catchments: Catchments, uses: UsersBySite, area: Area, site_xy: np.ndarray,
                  tier: Tier, priority: np.ndarray) -> AccessChange:
    """Change in distance for the users of every closing member, summed per group and segment."""
    n_groups, k = len(moves.host), len(tier.codes)
    moved = np.zeros(n_groups)
    change_sum = np.zeros(n_groups)
    seg_people = np.zeros(n_groups * k)
    seg_change = np.zeros(n_groups * k)
    counts = uses.start[moves.member + 1] - uses.start[moves.member]
    total = np.cumsum(counts)
    first = 0
    while first < len(counts):
        done = int(total[first - 1]) if first else 0
        last = max(first + 1, int(np.searchsorted(total, done + CHUNK, side="right")))
        rows = np.arange(first, last)
        first = last
        group, oa, change = _changes(moves, rows, counts, catchments, uses, area, site_xy)
        people = area.residents[oa]
        moved += np.bincount(group, people, minlength=n_groups)
        change_sum += np.bincount(group, people * change, minlength=n_groups)
        key = group * k + tier.labels[oa]
        seg_people += np.bincount(key, people, minlength=n_groups * k)
        seg_change += np.bincount(key, people * change, minlength=n_groups * k)
    seg_people, seg_change = seg_people.reshape(n_groups, k), seg_change.reshape(n_groups, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(moved > 0, change_sum / moved, 0.0)
        by_segment = np.where(seg_people > 0, seg_change / seg_people, np.nan)
        priority_people = seg_people[:, priority].sum(axis=1)
        priority_m = np.where(priority_people > 0, seg_change[:, priority].sum(axis=1) / priority_people, 0.0)
    worst = np.nan_to_num(np.where(priority, by_segment, np.nan), nan=-np.inf).max(axis=1, initial=-np.inf)
    worst = np.where(np.isfinite(worst), worst, 0.0)
    return AccessChange(moved, mean, by_segment, seg_people, priority_m, worst)


def _changes(moves: Moves, rows: np.ndarray, counts: np.ndarray, catchments: Catchments, uses: UsersBySite,
             area: Area, site_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(group, OA, change in metres) for every use of the members in ``rows``."""
    sizes = counts[rows]
    row = np.repeat(rows, sizes)
    offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    at = uses.start[moves.member[row]] + offsets
    oa, service = uses.oa[at], uses.service[at]
    group, member = moves.group[row], moves.member[row]
    host = moves.host[group]
    nearest = catchments.nearest[oa, service]
    closed = (nearest == member[:, None]) | (nearest < 0)
    if moves.closed_group is not None:
        in_group = moves.closed_group[np.maximum(nearest, 0)] == group[:, None]
        closed |= in_group & (nearest != host[:, None])
    alternative = np.where(closed, np.inf, catchments.nearest_m[oa, service]).min(axis=1)
    to_host = np.hypot(*(area.points[oa] - site_xy[host]).T)
    change = np.minimum(to_host, alternative) - catchments.user_m[oa, service]
    return group, oa, change
