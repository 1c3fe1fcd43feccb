"""Accessibility: distance to the nearest site of each service type, and a 2SFCA score.

Costs between an OA and a site are the straight-line distance times a detour factor
(default 1.3: routes on the ground are about a third longer than the crow flies),
unless a travel-time table gives minutes for (OA, site) pairs; then only the pairs in
the table exist and the cut-off is in minutes.

Two-step floating catchment area (Luo & Wang 2003), with everything within the cut-off
counted in full::

    R_j = S_j / Σ_{i: c_ij ≤ c0} P_i          (supply per resident in reach of site j)
    A_i = 1000 · Σ_{j: c_ij ≤ c0} R_j          (supply per 1,000 residents, seen from OA i)

``S_j`` is the site's capacity when every site of the type has one, else 1 (so the
score is sites per 1,000 residents in reach). Pairs within the cut-off come from a
KD-tree (scipy.spatial.cKDTree) and are held sparsely, never as a dense matrix.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from spacemap.errors import InputError, where
from spacemap.io.service_records import Table
from spacemap.services.catchment import Pairs
from spacemap.services.site_totals import offers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccessSettings:
    """Cut-offs and the detour factor; defaults are documented in the report."""

    cutoff_m: float = 5000.0        # estimated route metres (straight line × detour factor)
    detour_factor: float = 1.3
    cutoff_minutes: float = 15.0    # used with a travel-time table


def service_types(sites: gpd.GeoDataFrame) -> list[str]:
    """Every service type any site offers, sorted."""
    found = {item.strip() for value in sites["services"] for item in str(value).split(";")}
    return sorted(found - {""})


def nearest_distance(origins: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """Straight-line metres from each origin point to the nearest site point."""
    if len(sites) == 0:
        return np.full(len(origins), np.nan)
    distance, _ = cKDTree(sites).query(origins, k=1)
    return distance


def pairs_within(origins: np.ndarray, sites: np.ndarray, cutoff_m: float, detour: float) -> Pairs:
    """OA–site pairs whose estimated route (straight line × detour) is within ``cutoff_m``; cost in km."""
    if len(origins) == 0 or len(sites) == 0:
        return Pairs(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), len(origins), len(sites))
    found = cKDTree(sites).sparse_distance_matrix(cKDTree(origins), cutoff_m / detour, output_type="ndarray")
    return Pairs(found["j"].astype(np.int64), found["i"].astype(np.int64), found["v"] * (detour / 1000.0),
                 len(origins), len(sites))


def travel_time_pairs(table: Table, oa_codes: pd.Index, site_ids: pd.Index, cutoff_minutes: float) -> Pairs:
    """Pairs from a travel-time table within ``cutoff_minutes``; cost in minutes."""
    origin = oa_codes.get_indexer(table.cells["oa_code"])
    site = site_ids.get_indexer(table.cells["site_id"])
    minutes = table.cells["minutes"].to_numpy(dtype=float)
    keep = (minutes <= cutoff_minutes) & (site >= 0) & (origin >= 0)
    return Pairs(origin[keep], site[keep], minutes[keep], len(oa_codes), len(site_ids))


def check_travel_times(table: Table, oa_codes: pd.Index, site_ids: pd.Index) -> None:
    """Every OA and site of the travel-time table must exist: a stray code is an error naming its row."""
    for column, known, what, problem, fix in (
        ("oa_code", oa_codes, "OA code", "is not an OA of the area", "use the OA codes of the area's boundaries"),
        ("site_id", site_ids, "site_id", "is not a site of the estate", "use the site_id values of the estate's sites"),
    ):
        unknown = ~table.cells[column].isin(known)
        if unknown.any():
            i = int(np.flatnonzero(unknown.to_numpy())[0])
            raise InputError(f"{where(table.path, int(table.source_row[i]), table.headings[column])}: {what} "
                             f"'{table.cells[column].iloc[i]}' {problem} ({int(unknown.sum())} such row(s)); {fix}")


def two_step_fca(pairs: Pairs, demand: np.ndarray, supply: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2SFCA score per origin (supply per 1,000 residents in reach) and the ratio per site."""
    in_reach = np.bincount(pairs.site, weights=demand[pairs.origin], minlength=pairs.n_sites)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(in_reach > 0, supply / in_reach, 0.0)
    score = 1000.0 * np.bincount(pairs.origin, weights=ratio[pairs.site], minlength=pairs.n_origins)
    return score, ratio


def site_supply(sites: gpd.GeoDataFrame) -> tuple[np.ndarray, str]:
    """Capacity when every site has one, else 1 per site; and which was used."""
    capacity = pd.to_numeric(sites["capacity"], errors="coerce").to_numpy(dtype=float)
    if len(capacity) and np.all(np.isfinite(capacity) & (capacity > 0)):
        return capacity, "capacity"
    return np.ones(len(sites)), "1 per site"


def accessibility(oa_codes: pd.Index, points: np.ndarray, demand: np.ndarray, sites: gpd.GeoDataFrame,
                  settings: AccessSettings, travel_times: Table | None = None) -> tuple[pd.DataFrame, dict]:
    """Per OA and service type: nearest distance (m), minutes (with travel times) and the 2SFCA score."""
    columns: dict[str, np.ndarray] = {}
    supplies: dict[str, str] = {}
    site_xy = np.column_stack([sites.geometry.x, sites.geometry.y])
    for service in service_types(sites):
        mask = offers(sites, service)
        chosen = sites[mask]
        columns[f"distance_{service}_m"] = nearest_distance(points, site_xy[mask]).round(1)
        if travel_times is not None:
            pairs = travel_time_pairs(travel_times, oa_codes, pd.Index(chosen["site_id"]), settings.cutoff_minutes)
            every = travel_time_pairs(travel_times, oa_codes, pd.Index(chosen["site_id"]), np.inf)
            fastest = pd.Series(every.cost).groupby(every.origin).min()
            columns[f"minutes_{service}"] = fastest.reindex(np.arange(len(oa_codes))).to_numpy()
        else:
            pairs = pairs_within(points, site_xy[mask], settings.cutoff_m, settings.detour_factor)
        supply, supplies[service] = site_supply(chosen)
        score, _ = two_step_fca(pairs, demand, supply)
        columns[f"access_2sfca_{service}"] = score.round(6)
        log.debug("Access to %s: %d sites, %d OA-site pairs in reach", service, len(chosen), len(pairs.origin))
    table = pd.DataFrame({"oa_code": oa_codes, **columns})
    return table, supplies
