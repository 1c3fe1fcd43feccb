"""Merge rows that describe the same building into one site with several occupiers.

Two rows are one building when they share a UPRN, or when they lie within
``distance_m`` of each other and their names or addresses are alike (see
``spacemap.estate.similarity``; at least ``threshold``). A register may also ask that its own rows
with one name within ``cluster_within_m`` be one site (e.g. the separate building
outlines of one hospital). Candidate pairs come from a KD-tree query within the
cut-off (never all pairs); matches are joined transitively (connected components).

A site takes each group of fields from one of its rows, in priority order
(registers in config order, then source row): owner and owner type from the first
row with an owner, floor area and its measure from the first with a floor area,
tenure and lease dates together, and so on; its point from the row with the best
location (coordinates before a postcode centroid). Occupiers, services, source
registers and record ids are the union of its rows'. ``site_id`` is the record id
of the site's first row, so ids are stable when registers are re-run.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from spacemap.estate.geocode import BNG
from spacemap.estate.schema import LIST_SEPARATOR, LOCATION_SOURCES, SITE_COLUMNS
from spacemap.estate.similarity import address_similarity, name_similarity, normalise_address, normalise_name

# Fields taken together from the first row where the first field is present.
_FIELD_GROUPS = (
    ("name",), ("owner", "owner_type"), ("use_type",), ("address",), ("postcode",), ("uprn",),
    ("floor_area_m2", "floor_area_measure"), ("tenure", "tenure_detail", "lease_end", "lease_break"),
    ("annual_running_cost_gbp",), ("condition",), ("utilisation_pct",), ("capacity",), ("disposal_value_gbp",),
    ("energy_rating",),
)
_LOCATION = ("easting", "northing", "location_source", "outside_boundary")
_UNION_FIELDS = ("occupiers", "services", "source_registers", "record_ids")

@dataclass
class MergeResult:
    """Merged sites, the input rows with their ``site_id``, and UPRNs shared by distant rows."""

    sites: gpd.GeoDataFrame
    rows: pd.DataFrame
    uprn_conflicts: pd.DataFrame   # uprn, record_id, other_record_id, distance_m (not merged)


def match_pairs(rows: pd.DataFrame, distance_m: float, threshold: float,
                cluster_within_m: dict[str, float] | None = None,
                uprn_within_m: float = 500.0) -> tuple[np.ndarray, pd.DataFrame]:
    """Pairs (i, j) of row positions judged to be the same building, and the UPRN conflicts."""
    xy = rows[["easting", "northing"]].to_numpy(dtype=float)
    names = normalise_name(rows["name"]).to_numpy()
    addresses = normalise_address(rows["address"]).to_numpy()
    same_uprn = _same_uprn(rows["uprn"])
    gap = np.hypot(*(xy[same_uprn[:, 0]] - xy[same_uprn[:, 1]]).T) if len(same_uprn) else np.empty(0)
    far = gap > uprn_within_m
    record = rows["record_id"].to_numpy()
    conflicts = pd.DataFrame({"uprn": rows["uprn"].to_numpy()[same_uprn[far, 0]],
                              "record_id": record[same_uprn[far, 0]], "other_record_id": record[same_uprn[far, 1]],
                              "distance_m": gap[far].round(0)})
    pairs = [np.empty((0, 2), dtype=np.int64), same_uprn[~far]]
    if len(xy) > 1 and distance_m > 0:
        near = cKDTree(xy).query_pairs(r=distance_m, output_type="ndarray")
        alike = [name_similarity(names[i], names[j]) >= threshold
                 or address_similarity(addresses[i], addresses[j]) >= threshold for i, j in near]
        pairs.append(near[np.asarray(alike, dtype=bool)] if len(near) else near)
    registers = rows["source_register"].to_numpy()
    for register, radius in sorted((cluster_within_m or {}).items()):
        members = np.flatnonzero(registers == register)
        if radius <= 0 or len(members) < 2:
            continue
        near = cKDTree(xy[members]).query_pairs(r=radius, output_type="ndarray")
        near = members[near] if len(near) else near
        same = [bool(names[i]) and names[i] == names[j] for i, j in near]
        pairs.append(near[np.asarray(same, dtype=bool)] if len(near) else near)
    return np.concatenate(pairs).astype(np.int64), conflicts


def _same_uprn(uprn: pd.Series) -> np.ndarray:
    """Pairs (first row with the UPRN, later row with it)."""
    uprn = uprn.reset_index(drop=True).dropna()
    if uprn.empty:
        return np.empty((0, 2), dtype=np.int64)
    first = pd.Series(uprn.index, index=uprn.index).groupby(uprn.to_numpy()).transform("min")
    later = first.index.to_numpy() != first.to_numpy()
    return np.column_stack([first.to_numpy()[later], first.index.to_numpy()[later]]).astype(np.int64)


def merge_sites(rows: pd.DataFrame, distance_m: float = 25.0, threshold: float = 0.8,
                cluster_within_m: dict[str, float] | None = None, uprn_within_m: float = 500.0) -> MergeResult:
    """Merge ``rows`` (in priority order) into sites.

    Rows sharing a UPRN but more than ``uprn_within_m`` apart are not merged: one of
    them has a wrong UPRN or a wrong location; they are listed in ``uprn_conflicts``.
    """
    rows = rows.reset_index(drop=True)
    n = len(rows)
    if n == 0:
        empty = gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in SITE_COLUMNS},
                                 geometry=gpd.GeoSeries([], crs=BNG), crs=BNG)
        conflicts = pd.DataFrame(columns=["uprn", "record_id", "other_record_id", "distance_m"])
        return MergeResult(empty, rows.assign(site_id=pd.Series(dtype=object)), conflicts)
    pairs, conflicts = match_pairs(rows, distance_m, threshold, cluster_within_m, uprn_within_m)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    first = pd.Series(np.arange(n)).groupby(component).transform("min").to_numpy()
    rows["site_id"] = rows["record_id"].to_numpy()[first]
    sites = _aggregate(rows)
    geometry = gpd.points_from_xy(sites["easting"], sites["northing"], crs=BNG)
    sites = gpd.GeoDataFrame(sites[list(SITE_COLUMNS)], geometry=geometry, crs=BNG)
    return MergeResult(sites.sort_values("site_id", kind="stable").reset_index(drop=True), rows, conflicts)


def _aggregate(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per site_id: grouped fields from one row each, list fields as unions (numpy, no per-group pandas)."""
    n = len(rows)
    codes, site_ids = pd.factorize(rows["site_id"], sort=True)
    priority = np.arange(n)
    by_site = np.lexsort((priority, codes))
    sites = pd.DataFrame({"site_id": np.asarray(site_ids, dtype=object)})
    for group in _FIELD_GROUPS:
        chosen = _first_per_site(codes, by_site, rows[group[0]].notna().to_numpy()[by_site], len(site_ids))
        for field in group:
            sites[field] = _take(rows[field], chosen)
    rank = rows["location_source"].map({s: i for i, s in enumerate(LOCATION_SOURCES)}).fillna(len(LOCATION_SOURCES))
    by_location = np.lexsort((priority, rank.to_numpy(), codes))
    chosen = _first_per_site(codes, by_location, np.ones(n, dtype=bool), len(site_ids))
    for field in _LOCATION:
        sites[field] = _take(rows[field], chosen)
    sizes = np.bincount(codes, minlength=len(site_ids))
    table = rows.assign(source_registers=rows["source_register"], record_ids=rows["record_id"])
    for field in _UNION_FIELDS:
        sites[field] = _union_per_site(table[field].to_numpy(dtype=object), codes, by_site, sizes)
    sites["n_records"] = sizes
    sites["n_occupiers"] = sites["occupiers"].map(lambda v: len(v.split(LIST_SEPARATOR)), na_action="ignore")
    sites["n_occupiers"] = sites["n_occupiers"].fillna(0).astype(int)
    sites["shared"] = sites["n_occupiers"] >= 2
    sites["estimated_fields"] = pd.Series(np.nan, index=sites.index, dtype=object)
    sites["capacity"] = sites["capacity"].astype("Int64")
    return sites


def _first_per_site(codes: np.ndarray, order: np.ndarray, keep: np.ndarray, n_sites: int) -> np.ndarray:
    """Row position of the first row (in ``order``) per site among rows with ``keep``; -1 where none."""
    selected = order[keep]
    found, first = np.unique(codes[selected], return_index=True)
    chosen = np.full(n_sites, -1, dtype=np.int64)
    chosen[found] = selected[first]
    return chosen


def _take(values: pd.Series, chosen: np.ndarray) -> pd.Series:
    """values[chosen] with missing where chosen is -1, keeping the column's dtype where it can."""
    picked = values.iloc[np.where(chosen >= 0, chosen, 0)].reset_index(drop=True)
    return picked.where(pd.Series(chosen >= 0))


def _union_per_site(values: np.ndarray, codes: np.ndarray, by_site: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The '; '-joined distinct items per site, in priority order (single-row sites pass through)."""
    out = np.full(len(sizes), np.nan, dtype=object)
    single = sizes[codes] == 1
    out[codes[single]] = values[single]
    multi = by_site[sizes[codes[by_site]] > 1]
    seen: dict[str, None] = {}
    for position, row in enumerate(multi):
        value = values[row]
        if isinstance(value, str):
            for item in value.split(LIST_SEPARATOR):
                if item:
                    seen.setdefault(item, None)
        last = position + 1 == len(multi) or codes[multi[position + 1]] != codes[row]
        if last:
            out[codes[row]] = LIST_SEPARATOR.join(seen) if seen else np.nan
            seen = {}
    return out
