"""The score of a candidate group, component by component, reproducible by hand.

For a group with host h and members m (sites closing, their services moving to h):

=====================  =====================================================  ===========================================
component              value                                                  normalised ``<name>_n`` (1 = favourable)
=====================  =====================================================  ===========================================
distance               furthest member from the host, metres                  1 − distance_m / cutoff_m
segment_overlap        mean over members of Σ_k min(p_hk, p_mk), p = share    the value
                       of the site's users in segment k (overlap tier)
user_affinity          mean over members of Σ_i min(w_hi, w_mi), w = share    the value
                       of the site's users living in OA i (same people)
capacity_fit           spare floor area of h ÷ floor area the members         min(1, value)
                       occupy (area × utilisation); host_has_room = ≥ 1
tenure                 mean of the host's tenure score and the mean of the    the value
                       members' (config [tenure])
condition              mean of the host's condition score and the mean of     the value
                       1 − the members' (A = 1 … D = 0)
floor_area_released    Σ members' floor area, m²                              min(1, value / floor_area_full_m2)
running_cost_saved     Σ members' annual running cost, £                      min(1, value / running_cost_full_gbp)
capital_receipt        Σ members' disposal value, £                           min(1, value / capital_receipt_full_gbp)
access                 mean change in distance for the members' users, m      1 − min(1, max(0, value) / access_zero_m)
equity                 the same for users in priority segments, m             1 − min(1, max(0, value) / access_zero_m)
=====================  =====================================================  ===========================================

A component the register cannot give (no floor area, cost, utilisation, tenure or
condition for the sites concerned; no users) is left blank, never invented. The score
uses the components present, with their weights renormalised::

    score = Σ_c weight_c × c_n / Σ_c weight_c      over the components c with a value

``weight_available`` (the denominator) is exported, so a spreadsheet recomputes the
score as SUMPRODUCT(weights, normalised values) / weight_available. Normalised values
and the score are rounded to 6 decimals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spacemap.colocate.config import WEIGHT_NAMES, ColocateConfig
from spacemap.colocate.equity import AccessChange
from spacemap.colocate.sites import Sites

DECIMALS = 6


def group_mean(group: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Mean of the finite values per group (NaN when a group has none)."""
    finite = np.isfinite(values)
    total = np.bincount(group[finite], values[finite], minlength=n_groups)
    count = np.bincount(group[finite], minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def group_sum(group: np.ndarray, values: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """(Σ finite values, number of members with a value) per group; the sum is NaN when none has one."""
    finite = np.isfinite(values)
    total = np.bincount(group[finite], values[finite], minlength=n_groups)
    count = np.bincount(group[finite], minlength=n_groups)
    return np.where(count > 0, total, np.nan), count


def pair_mean(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Mean of two values where both are known, else the known one, else NaN."""
    both = np.column_stack([first, second])
    known = np.isfinite(both).sum(axis=1)
    with np.errstate(invalid="ignore"):
        return np.where(known > 0, np.nansum(np.nan_to_num(both, nan=0.0), axis=1) / np.maximum(known, 1), np.nan)


def components(group: np.ndarray, member: np.ndarray, host: np.ndarray, sites: Sites, cutoff: np.ndarray,
               overlap: np.ndarray, affinity: np.ndarray, access: AccessChange) -> pd.DataFrame:
    """Raw component values per group; ``overlap`` and ``affinity`` are per member row (host vs member)."""
    n = len(host)
    gap = np.hypot(*(sites.xy[host[group]] - sites.xy[member]).T)
    distance = np.full(n, -np.inf)
    np.maximum.at(distance, group, gap)
    reach = np.full(n, -np.inf)
    np.maximum.at(reach, group, np.maximum(cutoff[member], cutoff[host[group]]))
    need, need_known = group_sum(group, sites.occupied_m2[member], n)
    members = np.bincount(group, minlength=n)
    need = np.where(need_known == members, need, np.nan)
    spare = sites.spare_m2[host]
    with np.errstate(invalid="ignore", divide="ignore"):
        fit = np.where(need > 0, spare / need, np.where(need == 0, 1.0, np.nan))
    fit = np.where(np.isfinite(spare), fit, np.nan)
    area, area_known = group_sum(group, sites.floor_area[member], n)
    cost, cost_known = group_sum(group, sites.running_cost[member], n)
    receipt, receipt_known = group_sum(group, sites.disposal_value[member], n)
    return pd.DataFrame({
        "n_members": members,
        "cutoff_m": reach,
        "distance_m": distance.round(1),
        "segment_overlap": group_mean(group, overlap, n),
        "user_affinity": group_mean(group, affinity, n),
        "host_spare_m2": spare,
        "members_need_m2": need,
        "capacity_fit": fit,
        "host_has_room": pd.array(np.where(np.isfinite(fit), fit >= 1, None), dtype="boolean"),
        "tenure_score": pair_mean(sites.host_tenure[host], group_mean(group, sites.member_tenure[member], n)),
        "condition_score": pair_mean(sites.condition[host], group_mean(group, 1 - sites.condition[member], n)),
        "floor_area_released_m2": area, "floor_area_known": area_known,
        "running_cost_saved_gbp": cost, "running_cost_known": cost_known,
        "capital_receipt_gbp": receipt, "capital_receipt_known": receipt_known,
        "residents_affected": access.residents.round(1),
        "access_change_m_mean": access.mean_m,
        "priority_access_change_m": access.priority_m,
    })


def normalise(values: pd.DataFrame, config: ColocateConfig) -> pd.DataFrame:
    """Each component on 0–1 (1 = favourable), rounded; NaN stays NaN."""
    def capped(column: str, full: float) -> np.ndarray:
        return np.minimum(1.0, values[column].to_numpy(dtype=float) / full)

    def penalty(column: str) -> np.ndarray:
        change = np.maximum(0.0, values[column].to_numpy(dtype=float))
        return 1.0 - np.minimum(1.0, change / config.access_zero_m)

    normalised = {
        "distance": 1.0 - values["distance_m"].to_numpy(dtype=float) / values["cutoff_m"].to_numpy(dtype=float),
        "segment_overlap": values["segment_overlap"].to_numpy(dtype=float),
        "user_affinity": values["user_affinity"].to_numpy(dtype=float),
        "capacity_fit": np.minimum(1.0, values["capacity_fit"].to_numpy(dtype=float)),
        "tenure": values["tenure_score"].to_numpy(dtype=float),
        "condition": values["condition_score"].to_numpy(dtype=float),
        "floor_area_released": capped("floor_area_released_m2", config.floor_area_full_m2),
        "running_cost_saved": capped("running_cost_saved_gbp", config.running_cost_full_gbp),
        "capital_receipt": capped("capital_receipt_gbp", config.capital_receipt_full_gbp),
        "access": penalty("access_change_m_mean"),
        "equity": penalty("priority_access_change_m"),
    }
    return pd.DataFrame({f"{name}_n": np.round(np.clip(normalised[name], 0.0, 1.0), DECIMALS)
                         for name in WEIGHT_NAMES}, index=values.index)


def score(normalised: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """weight_available, components_available and the score (renormalised over the components present)."""
    values = normalised[[f"{name}_n" for name in WEIGHT_NAMES]].to_numpy(dtype=float)
    w = np.array([weights[name] for name in WEIGHT_NAMES])
    present = np.isfinite(values)
    available = (present * w).sum(axis=1)
    total = (np.nan_to_num(values, nan=0.0) * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.where(available > 0, total / available, np.nan)
    return pd.DataFrame({"weight_available": available.round(DECIMALS),
                         "components_available": (present & (w > 0)).sum(axis=1),
                         "score": np.round(result, DECIMALS)}, index=normalised.index)
