"""The plain-words ``reasons`` of a candidate: what drives its score and what the register could not say."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spacemap.colocate.area import Tier
from spacemap.colocate.config import WEIGHT_NAMES, ColocateConfig
from spacemap.colocate.equity import AccessChange
from spacemap.colocate.sites import Sites

LOW_AFFINITY = 0.1   # below this share of the same people, co-location joins little up


def _money(value: float) -> str:
    return f"£{value:,.0f}"


def _share(value: float) -> str:
    return f"{value:.0%}"


def _partial(known: int, members: int, what: str) -> str:
    missing = members - known
    return f" ({missing} of {members} members have no {what} in the register)" if missing else ""


def _place(row) -> str:
    return (f"{'members' if row.n_members > 1 else 'member'} within {row.distance_m:,.0f} m of the host "
            f"(cut-off {row.cutoff_m:,.0f} m)")


def _further(metres: float) -> str:
    return f"{metres:,.0f} m further" if metres >= 0 else f"{-metres:,.0f} m closer"


def _people(row, no_users: bool) -> list[str]:
    words = []
    if no_users:
        words.append("a site of the group serves no OA under the catchment assumption (no users): nothing to "
                     "join up")
    elif np.isfinite(row.segment_overlap):
        words.append(f"users' segment mix {_share(row.segment_overlap)} alike")
    if not no_users and np.isfinite(row.user_affinity):
        if row.user_affinity < LOW_AFFINITY:
            words.append(f"only {_share(row.user_affinity)} the same people (OAs using both): saves space but "
                         "joins little up")
        else:
            words.append(f"{_share(row.user_affinity)} the same people (OAs using both)")
    return words


def _room(row) -> str:
    if pd.isna(row.host_has_room):
        if np.isfinite(row.host_spare_m2):
            return "host's room unknown: a member has no floor area or utilisation in the register"
        return "host's room unknown: no floor area or utilisation for the host in the register"
    if row.host_has_room:
        return f"host has room: {row.host_spare_m2:,.0f} m² spare for {row.members_need_m2:,.0f} m² needed"
    return f"host lacks room: {row.host_spare_m2:,.0f} m² spare for {row.members_need_m2:,.0f} m² needed"


def _estate(row, host_tenure: str) -> list[str]:
    words = [f"host {host_tenure}" if host_tenure else "host's tenure not in the register"]
    if not np.isfinite(row.condition_score):
        words.append("no condition survey in the register")
    for column, known, what, form in (
        ("floor_area_released_m2", "floor_area_known", "floor area", lambda v: f"releases {v:,.0f} m²"),
        ("running_cost_saved_gbp", "running_cost_known", "running cost", lambda v: f"saves {_money(v)} a year"),
        ("capital_receipt_gbp", "capital_receipt_known", "disposal value",
         lambda v: f"capital receipt {_money(v)}"),
    ):
        value = getattr(row, column)
        if np.isfinite(value):
            words.append(form(value) + _partial(int(getattr(row, known)), int(row.n_members), what))
        else:
            words.append(f"no {what} in the register")
    return words


def _access(row, g: int, access: AccessChange, tier: Tier, priority: np.ndarray, flag: bool,
            config: ColocateConfig) -> list[str]:
    if row.residents_affected <= 0:
        return ["no resident uses a member site under the catchment assumption: no access change"]
    words = [f"{row.residents_affected:,.0f} residents' uses move, on average {_further(row.access_change_m_mean)}"]
    worst = [(access.by_segment[g, k], tier.names[k]) for k in np.flatnonzero(priority)
             if np.isfinite(access.by_segment[g, k])]
    if flag:
        named = ", ".join(f"'{name}' {change:,.0f} m" for change, name in sorted(worst, reverse=True)
                          if change > config.flag_increase_m)
        words.append(f"EQUITY FLAG: priority segments further away ({named}; limit {config.flag_increase_m:,.0f} m)")
    elif worst:
        words.append(f"priority segments' users {_further(row.priority_access_change_m)} on average")
    return words


def candidate_reasons(head: pd.DataFrame, table: pd.DataFrame, access: AccessChange, tier: Tier,
                      priority: np.ndarray, flag: np.ndarray, no_users: np.ndarray, sites: Sites,
                      hosts: np.ndarray, config: ColocateConfig) -> list[str]:
    """One '; '-joined sentence list per group, in the order of ``table``."""
    tenure = (sites.frame["tenure"].fillna("").astype(str).to_numpy() if "tenure" in sites.frame
              else np.full(len(sites), ""))
    weighted = sum(1 for name in WEIGHT_NAMES if config.weights[name] > 0)
    reasons = []
    for g, row in enumerate(table.itertuples(index=False)):
        words = [f"{head.services.iloc[g].replace('; ', ' + ')} in one building", _place(row),
                 *_people(row, bool(no_users[g])),
                 _room(row), *_estate(row, tenure[hosts[g]]),
                 *_access(row, g, access, tier, priority, bool(flag[g]), config),
                 f"score uses {int(row.components_available)} of {weighted} weighted components"]
        reasons.append("; ".join(words))
    return reasons
