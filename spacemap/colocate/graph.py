"""Which sites could be grouped: a sparse neighbour graph within a setting-dependent distance, then groups.

Setting: a site is *urban* when the OA it stands in (the OA containing it, else the OA
whose point is nearest) has at least ``urban_density_per_km2`` usual residents per km²
(census v12), else *rural*. Two sites are neighbours when they are within the urban
cut-off (both urban) or the rural cut-off (either rural) — or within the one distance the
user gave. Pairs come from KD-tree queries within the cut-off (scipy.spatial.cKDTree),
never from an all-pairs matrix.

A pair can be grouped when its two sites have different owners or different services
(a group has at least two owners or two service types) and they are not both anchor sites
(purpose-built: a school, hospital… may host but never moves); in a pair with one anchor,
the anchor is the host. Groups are stars around a host:
pairs are taken best score first; a pair joins its member to the host's group when the
member is in no group yet, the host is not a member elsewhere and the group has room
(``max_sites``). So each site ends in the group of its best-scoring pair still open.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree

from spacemap.colocate.area import Area
from spacemap.colocate.config import ColocateConfig
from spacemap.colocate.sites import Sites

URBAN, RURAL, GIVEN = "urban", "rural", "given"


@dataclass
class Settings:
    """Per site: the density of its OA, its setting and its cut-off (metres)."""

    density: np.ndarray
    setting: np.ndarray     # 'urban' / 'rural' / 'given'
    cutoff_m: np.ndarray


def site_oas(area: Area, xy: np.ndarray) -> np.ndarray:
    """The OA each site stands in (position in the area), else the OA with the nearest point."""
    _, nearest = cKDTree(area.points).query(xy, k=1)
    found = np.asarray(nearest, dtype=np.int64)
    if area.boundaries is not None and len(xy):
        tree = shapely.STRtree(area.boundaries.geometry.to_numpy())
        site, oa = tree.query(shapely.points(xy), predicate="within")
        first = np.unique(site, return_index=True)[1]
        found[site[first]] = oa[first]
    return found


def site_settings(area: Area, sites: Sites, config: ColocateConfig) -> Settings:
    """Urban or rural per site from its OA's density, and the cut-off that follows."""
    density = area.density[site_oas(area, sites.xy)]
    if config.distance_m is not None:
        return Settings(density, np.full(len(sites), GIVEN, dtype=object), np.full(len(sites), config.distance_m))
    urban = density >= config.urban_density_per_km2
    setting = np.where(urban, URBAN, RURAL).astype(object)
    cutoff = np.where(urban, config.urban_distance_m, config.rural_distance_m)
    return Settings(density, setting, cutoff)


def neighbour_pairs(xy: np.ndarray, cutoff: np.ndarray, eligible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) of eligible sites within max(cutoff_i, cutoff_j) of each other, and their distance."""
    index = np.flatnonzero(eligible)
    if len(index) < 2:
        return np.empty((0, 2), dtype=np.int64), np.empty(0)
    points, reach = xy[index], cutoff[index]
    tree = cKDTree(points)
    found = [tree.query_pairs(r=float(reach.min()), output_type="ndarray").astype(np.int64)]
    for radius in np.unique(reach[reach > reach.min()]):
        wide = np.flatnonzero(reach == radius)
        lists = tree.query_ball_point(points[wide], r=float(radius), return_sorted=True)
        sizes = np.fromiter((len(item) for item in lists), dtype=np.int64, count=len(lists))
        other = np.fromiter((j for item in lists for j in item), dtype=np.int64, count=int(sizes.sum()))
        found.append(np.column_stack([np.repeat(wide, sizes), other]))
    pairs = np.concatenate(found)
    pairs = np.sort(pairs, axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    keys = np.unique(pairs[:, 0] * len(index) + pairs[:, 1])
    pairs = np.column_stack([keys // len(index), keys % len(index)])
    distance = np.hypot(*(points[pairs[:, 0]] - points[pairs[:, 1]]).T)
    keep = distance <= np.maximum(reach[pairs[:, 0]], reach[pairs[:, 1]])
    return index[pairs[keep]], distance[keep]


def can_share(sites: Sites, pairs: np.ndarray) -> np.ndarray:
    """Pairs whose sites have different owners or offer different services, and not both anchors."""
    a, b = pairs[:, 0], pairs[:, 1]
    owners = sites.owner[a] != sites.owner[b]
    services = (sites.offers[a] != sites.offers[b]).any(axis=1)
    return (owners | services) & ~(sites.anchor[a] & sites.anchor[b])


def host_order(sites: Sites, users: np.ndarray) -> np.ndarray:
    """Rank of every site as a host (0 = best): room, then tenure and condition, then access; ties by site_id.

    Room: first sites whose spare floor area is known and above 0 (most spare first),
    then sites whose room is unknown (largest floor area first: a bigger building is more
    likely to have room; unknown area counts as 0), then sites known to be full. Tenure
    and condition: the mean of the site's host tenure and condition scores that are
    known (0.5 when neither is). Access: residents using the site.
    """
    spare = sites.spare_m2
    room = np.where(np.isnan(spare), 1, np.where(spare > 0, 2, 0))
    size = np.where(room == 2, spare, np.nan_to_num(sites.floor_area, nan=0.0))
    quality = np.column_stack([sites.host_tenure, sites.condition])
    known = np.isfinite(quality).sum(axis=1)
    quality = np.where(known > 0, np.nan_to_num(quality, nan=0.0).sum(axis=1) / np.maximum(known, 1), 0.5)
    by_id = np.argsort(np.argsort(sites.ids, kind="stable"), kind="stable")
    order = np.lexsort((by_id, -users, -quality, -size, -room))
    rank = np.empty(len(sites), dtype=np.int64)
    rank[order] = np.arange(len(sites))
    return rank


def orient(pairs: np.ndarray, rank: np.ndarray, anchor: np.ndarray) -> np.ndarray:
    """(host, member) per pair: an anchor site hosts; otherwise the better-ranked site does."""
    a, b = pairs[:, 0], pairs[:, 1]
    first = np.where(anchor[a] != anchor[b], anchor[a], rank[a] < rank[b])
    return np.column_stack([np.where(first, a, b), np.where(first, b, a)])


def group_stars(edges: np.ndarray, score: np.ndarray, n_sites: int, max_sites: int) -> np.ndarray:
    """Greedy star groups: per site, the host of its group (itself for a host), -1 for none.

    ``edges`` are (host, member) rows; they are taken by score, best first (ties: host
    then member position), so the result does not depend on the input order.
    """
    order = np.lexsort((edges[:, 1], edges[:, 0], -np.nan_to_num(score, nan=-np.inf)))
    host_of = np.full(n_sites, -1, dtype=np.int64)
    size = np.zeros(n_sites, dtype=np.int64)
    for host, member in edges[order].tolist():
        if host_of[member] != -1:
            continue
        if host_of[host] == -1:
            host_of[host] = host
            size[host] = 1
        elif host_of[host] != host or size[host] >= max_sites:
            continue
        host_of[member] = host
        size[host] += 1
    return host_of
