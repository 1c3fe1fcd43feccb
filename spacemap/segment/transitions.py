"""Which OAs moved segment between two censuses, and whether the segments held.

OAs whose code is the same in both censuses are compared directly (weight 1).
OAs that were split or merged are related through their polygons when both
boundary sets are given: each old OA is shared among the new OAs it overlaps in
proportion to the overlapping area (weights add up to 1 per old OA), so the rows
of the transition matrix add up to the old segments' sizes in OAs. Without both
boundary sets such OAs are reported as unmatched.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from spacemap.errors import InputError


@dataclass
class Geography:
    """How the old and new OAs were related."""

    pairs: pd.DataFrame        # old_oa_code, new_oa_code, weight, relation
    same_code: int
    overlaid_old: int          # old OAs related by overlay
    overlaid_new: int
    unmatched_old: list[str]
    unmatched_new: list[str]


def relate_oas(old_codes: pd.Series, new_codes: pd.Series, old_boundaries: gpd.GeoDataFrame | None,
               new_boundaries: gpd.GeoDataFrame | None) -> Geography:
    """Pairs of (old OA, new OA, weight) for same-code OAs and, with boundaries, overlaid ones."""
    old, new = set(old_codes.astype(str)), set(new_codes.astype(str))
    _check_covered(old, old_boundaries, "old")
    _check_covered(new, new_boundaries, "new")
    same = sorted(old & new)
    pairs = [pd.DataFrame({"old_oa_code": same, "new_oa_code": same, "weight": 1.0, "relation": "same code"})]
    only_old, only_new = sorted(old - new), sorted(new - old)
    overlaid_old = overlaid_new = 0
    if only_old and only_new and old_boundaries is not None and new_boundaries is not None:
        overlay = _overlay(old_boundaries[old_boundaries["oa_code"].isin(only_old)],
                           new_boundaries[new_boundaries["oa_code"].isin(only_new)])
        pairs.append(overlay)
        overlaid_old, overlaid_new = overlay["old_oa_code"].nunique(), overlay["new_oa_code"].nunique()
        only_old = sorted(set(only_old) - set(overlay["old_oa_code"]))
        only_new = sorted(set(only_new) - set(overlay["new_oa_code"]))
    frame = pd.concat(pairs, ignore_index=True)
    return Geography(frame, len(same), overlaid_old, overlaid_new, only_old, only_new)


def _check_covered(codes: set[str], boundaries: gpd.GeoDataFrame | None, which: str) -> None:
    if boundaries is None:
        return
    missing = sorted(codes - set(boundaries["oa_code"]))
    if missing:
        raise InputError(f"{len(missing)} {which}-census OA(s) are not in the {which} boundaries (first {missing[0]}); "
                         f"give the {which} census's own OA boundaries")


def _overlay(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame) -> pd.DataFrame:
    """Area-weighted pairs: share of each old OA's area lying in each new OA (slivers under 1% dropped)."""
    parts = gpd.overlay(old[["oa_code", "geometry"]].rename(columns={"oa_code": "old_oa_code"}),
                        new[["oa_code", "geometry"]].rename(columns={"oa_code": "new_oa_code"}),
                        how="intersection", keep_geom_type=True)
    parts["area"] = parts.geometry.area
    parts = parts[parts["area"] > 0]
    parts["weight"] = parts["area"] / parts.groupby("old_oa_code")["area"].transform("sum")
    parts = parts[parts["weight"] >= 0.01].copy()
    parts["weight"] = parts["weight"] / parts.groupby("old_oa_code")["weight"].transform("sum")
    out = pd.DataFrame(parts[["old_oa_code", "new_oa_code", "weight"]]).assign(relation="area overlay")
    return out.sort_values(["old_oa_code", "new_oa_code"]).reset_index(drop=True)


def oa_changes(geography: Geography, old_lookup: pd.DataFrame, new_lookup: pd.DataFrame, tiers: int,
               distance_moved: dict[tuple[str, str], float]) -> pd.DataFrame:
    """One row per related (old OA, new OA): their segments per tier, moved or not, distance moved."""
    keep_old = ["oa_code"] + [f"tier{t}_code" for t in range(1, tiers + 1)]
    frame = geography.pairs.merge(old_lookup[keep_old].rename(columns=lambda c: "old_oa_code" if c == "oa_code" else f"old_{c}"),
                                  on="old_oa_code", how="inner")
    frame = frame.merge(new_lookup[keep_old].rename(columns=lambda c: "new_oa_code" if c == "oa_code" else f"new_{c}"),
                        on="new_oa_code", how="inner")
    finest = f"tier{tiers}_code"
    frame["moved"] = frame[f"old_{finest}"] != frame[f"new_{finest}"]
    frame["distance_moved"] = [round(distance_moved.get((o, n), np.nan), 6)
                               for o, n in zip(frame[f"old_{finest}"], frame[f"new_{finest}"])]
    return frame.sort_values(["old_oa_code", "new_oa_code"]).reset_index(drop=True)


def transitions(changes: pd.DataFrame, tiers: int, residents: pd.Series | None) -> pd.DataFrame:
    """Old × new segment at every tier: OAs (weighted) and residents (new census) moving between them."""
    rows = []
    pop = residents.reindex(changes["new_oa_code"]).to_numpy(dtype=float) if residents is not None else None
    for t in range(1, tiers + 1):
        frame = pd.DataFrame({"tier": t, "old_code": changes[f"old_tier{t}_code"],
                              "new_code": changes[f"new_tier{t}_code"], "oas": changes["weight"]})
        if pop is not None:
            # a new OA's residents are shared among the old OAs it came from by their weights
            share = changes["weight"] / changes.groupby("new_oa_code")["weight"].transform("sum")
            frame["residents"] = pop * share.to_numpy()
        rows.append(frame.groupby(["tier", "old_code", "new_code"], as_index=False, sort=True).sum())
    out = pd.concat(rows, ignore_index=True)
    if "residents" not in out:
        out["residents"] = np.nan
    out["oas"] = out["oas"].round(6)
    out["residents"] = out["residents"].round(1)
    return out


def stability(table: pd.DataFrame, matched: dict[int, dict[str, str]]) -> pd.DataFrame:
    """Per tier and old segment: share of its OAs that stayed in its counterpart; and overall per tier."""
    rows = []
    for tier, group in table.groupby("tier", sort=True):
        counterpart = matched.get(tier, {})
        stayed_all = total_all = 0.0
        for old_code, part in group.groupby("old_code", sort=True):
            total = part["oas"].sum()
            target = counterpart.get(old_code)
            stayed = part.loc[part["new_code"] == target, "oas"].sum() if target else 0.0
            rows.append({"tier": tier, "old_code": old_code, "counterpart": target or "", "oas": round(total, 6),
                         "stayed": round(stayed, 6), "stability": round(stayed / total, 6) if total else np.nan})
            stayed_all, total_all = stayed_all + stayed, total_all + total
        rows.append({"tier": tier, "old_code": "all", "counterpart": "", "oas": round(total_all, 6),
                     "stayed": round(stayed_all, 6),
                     "stability": round(stayed_all / total_all, 6) if total_all else np.nan})
    return pd.DataFrame(rows)
