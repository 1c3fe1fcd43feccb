"""Candidate groups from the neighbour graph, scored, explained and laid out as the output tables.

1. sites within the cut-off of each other and able to share (graph.py);
2. every such pair scored as a one-member group, host = the better host (scoring.py);
3. pairs taken best first into star groups, each site in one group (graph.group_stars);
4. every group scored as a whole: all its members close and their users move to the
   host or the nearest site still open.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spacemap.colocate.area import Area
from spacemap.colocate.catchments import Catchments, segment_mix, site_users, user_overlap, uses_by_site
from spacemap.colocate.config import WEIGHT_NAMES, ColocateConfig
from spacemap.colocate.equity import AccessChange, Moves, access_change
from spacemap.colocate.graph import (
    GIVEN, Settings, can_share, group_stars, host_order, neighbour_pairs, orient, site_settings,
)
from spacemap.colocate.reasons import candidate_reasons
from spacemap.colocate.scoring import DECIMALS, components, normalise, score
from spacemap.colocate.sites import SEPARATOR, Sites

log = logging.getLogger(__name__)

BNG = "EPSG:27700"


@dataclass
class Context:
    """What scoring needs besides the groups: the area, sites, catchments and derived per-site arrays."""

    area: Area
    sites: Sites
    catchments: Catchments
    config: ColocateConfig
    settings: Settings
    priority: np.ndarray      # per segment of the equity tier
    users: object             # sparse site × OA residents
    uses: object              # UsersBySite
    mix: np.ndarray           # (n_sites, k) segment shares at the overlap tier
    residents: np.ndarray     # per site: residents using it (any of its services)

    @classmethod
    def build(cls, area: Area, sites: Sites, catchments: Catchments, config: ColocateConfig,
              priority: np.ndarray) -> Context:
        users = site_users(catchments, area.residents, len(sites))
        tier = area.tier(config.overlap_tier or area.finest)
        return cls(area, sites, catchments, config, site_settings(area, sites, config), priority, users,
                   uses_by_site(catchments, len(sites)), segment_mix(users, tier.labels, len(tier.codes)),
                   np.asarray(users.sum(axis=1)).ravel())


@dataclass
class Scored:
    """Groups with their component values, normalised components, score and access change."""

    moves: Moves
    table: pd.DataFrame
    access: AccessChange


def evaluate(context: Context, moves: Moves) -> Scored:
    """Score every group of ``moves`` (pairs or whole groups)."""
    host_rows = moves.host[moves.group]
    overlap = np.empty(len(moves.member))
    for start in range(0, len(overlap), 500_000):
        part = slice(start, start + 500_000)
        overlap[part] = np.minimum(context.mix[host_rows[part]], context.mix[moves.member[part]]).sum(axis=1)
    affinity = user_overlap(context.users, host_rows, moves.member)
    tier = context.area.tier(context.config.equity_tier)
    access = access_change(moves, context.catchments, context.uses, context.area, context.sites.xy, tier,
                           context.priority)
    values = components(moves.group, moves.member, moves.host, context.sites, context.settings.cutoff_m,
                        overlap, affinity, access)
    for column in ("segment_overlap", "user_affinity", "capacity_fit", "tenure_score", "condition_score"):
        values[column] = values[column].round(DECIMALS)
    values["access_change_m_mean"] = values["access_change_m_mean"].round(1)
    values["priority_access_change_m"] = values["priority_access_change_m"].round(1)
    normalised = normalise(values, context.config)
    return Scored(moves, pd.concat([values, normalised, score(normalised, context.config.weights)], axis=1), access)


@dataclass
class CandidateRun:
    """The candidates, the host → member links, and counts for the report."""

    candidates: gpd.GeoDataFrame
    links: gpd.GeoDataFrame
    pairs_within: int
    pairs_shareable: int
    settings: Settings
    has_neighbour: np.ndarray   # per site: another site within its cut-off
    could_share: np.ndarray     # per site: a neighbour it could share with


def find_candidates(context: Context) -> CandidateRun:
    """Pairs → star groups → scored, explained candidates."""
    sites, config = context.sites, context.config
    pairs, _ = neighbour_pairs(sites.xy, context.settings.cutoff_m, sites.eligible)
    shareable = pairs[can_share(sites, pairs)] if len(pairs) else pairs
    edges = orient(shareable, host_order(sites, context.residents), sites.anchor) if len(shareable) else shareable
    log.info("Candidates: %d site pairs within the cut-off, %d of them could share", len(pairs), len(shareable))
    paired = evaluate(context, Moves(np.arange(len(edges)), edges[:, 1], edges[:, 0])) if len(edges) else None
    host_of = group_stars(edges, paired.table["score"].to_numpy(), len(sites), config.max_sites) if len(edges) \
        else np.full(len(sites), -1)
    hosts = np.flatnonzero(host_of == np.arange(len(sites)))
    members = np.flatnonzero((host_of >= 0) & (host_of != np.arange(len(sites))))
    group_of_host = np.full(len(sites), -1)
    group_of_host[hosts] = np.arange(len(hosts))
    closed = np.full(len(sites), -1)
    closed[members] = group_of_host[host_of[members]]
    moves = Moves(group_of_host[host_of[members]], members, hosts, closed)
    scored = evaluate(context, moves) if len(hosts) else None
    candidates = candidate_table(context, scored)
    log.info("Candidates: %d groups of %d sites", len(candidates), len(hosts) + len(members))
    has_neighbour = np.zeros(len(sites), dtype=bool)
    has_neighbour[pairs.ravel()] = True
    could_share = np.zeros(len(sites), dtype=bool)
    could_share[shareable.ravel()] = True
    return CandidateRun(candidates, link_table(candidates, sites), len(pairs), len(shareable), context.settings,
                        has_neighbour, could_share)


def _joined(values) -> str:
    return SEPARATOR.join(dict.fromkeys(str(v) for v in values if isinstance(v, str) and v))


def candidate_table(context: Context, scored: Scored | None) -> gpd.GeoDataFrame:
    """One row per group, best score first: identity, components, normalised components, score, reasons."""
    sites, area = context.sites, context.area
    if scored is None:
        codes = context.area.tier(context.config.equity_tier).codes
        columns = _ordered_columns(None, [f"access_change_m_{code}" for code in codes])
        return gpd.GeoDataFrame(pd.DataFrame(columns=columns), geometry=gpd.GeoSeries([], crs=BNG))
    moves, table = scored.moves, scored.table.copy()
    frame = sites.frame
    names = frame["name"].fillna(frame["site_id"]).to_numpy(dtype=object) if "name" in frame else sites.ids
    owner_type = frame["owner_type"].to_numpy(dtype=object) if "owner_type" in frame else np.full(len(sites), None)
    rows = pd.DataFrame({"group": moves.group, "member": moves.member}).sort_values(["group", "member"])
    by_group = rows.groupby("group")["member"].apply(list).reindex(range(len(moves.host)))
    identity = []
    for g, host in enumerate(moves.host):
        members = sorted(by_group[g], key=lambda m: sites.ids[m])
        group = [host, *members]
        services = [s for j, s in enumerate(sites.services) if sites.offers[group, j].any()]
        kinds = set(context.settings.setting[group])
        identity.append({
            "host_site_id": sites.ids[host], "host_name": names[host], "host_owner": sites.owner[host],
            "host_owner_type": owner_type[host],
            "member_site_ids": SEPARATOR.join(sites.ids[members]),
            "member_names": SEPARATOR.join(str(names[m]) for m in members),
            "member_owners": SEPARATOR.join(str(sites.owner[m]) for m in members),
            "owners": _joined(sites.owner[group]), "owner_types": _joined(owner_type[group]),
            "services": SEPARATOR.join(services), "n_sites": len(group),
            "setting": kinds.pop() if len(kinds) == 1 else ("mixed" if GIVEN not in kinds else GIVEN),
        })
    head = pd.DataFrame(identity)
    tier = area.tier(context.config.equity_tier)
    segments = pd.DataFrame(np.round(scored.access.by_segment, 1),
                            columns=[f"access_change_m_{code}" for code in tier.codes])
    flag = scored.access.worst_priority_m > context.config.flag_increase_m
    residents = context.residents
    no_users = np.bincount(moves.group, residents[moves.member] == 0, minlength=len(moves.host)) > 0
    no_users |= residents[moves.host] == 0
    table["reasons"] = candidate_reasons(head, table, scored.access, tier, context.priority, flag, no_users,
                                         sites, moves.host, context.config)
    result = pd.concat([head, table.drop(columns=["n_members"]), segments], axis=1)
    result["equity_flag"] = flag
    result["easting"] = sites.xy[moves.host, 0].round(1)
    result["northing"] = sites.xy[moves.host, 1].round(1)
    result = result.sort_values(["score", "host_site_id"], ascending=[False, True], na_position="last",
                                kind="stable").reset_index(drop=True)
    result.insert(0, "candidate_id", [f"C{i:04d}" for i in range(1, len(result) + 1)])
    result.insert(1, "rank", np.arange(1, len(result) + 1))
    ordered = _ordered_columns(list(result.columns), [c for c in segments.columns])
    geometry = gpd.points_from_xy(result["easting"], result["northing"], crs=BNG)
    return gpd.GeoDataFrame(result[ordered], geometry=geometry, crs=BNG)


def _ordered_columns(columns: list[str] | None, segment_columns: list[str]) -> list[str]:
    """The output's columns in order (those of ``columns`` only; every one when None)."""
    identity = ["candidate_id", "rank", "host_site_id", "host_name", "host_owner", "host_owner_type",
                "member_site_ids", "member_names", "member_owners", "owners", "owner_types", "services", "n_sites",
                "setting"]
    raw = ["cutoff_m", "distance_m", "segment_overlap", "user_affinity", "host_spare_m2", "members_need_m2",
           "capacity_fit", "host_has_room", "tenure_score", "condition_score", "floor_area_released_m2",
           "running_cost_saved_gbp", "capital_receipt_gbp", "residents_affected", "access_change_m_mean",
           "priority_access_change_m", *segment_columns, "equity_flag"]
    normalised = [f"{name}_n" for name in WEIGHT_NAMES]
    tail = ["weight_available", "components_available", "score", "reasons", "easting", "northing"]
    return [c for c in identity + raw + normalised + tail if columns is None or c in columns]


def link_table(candidates: gpd.GeoDataFrame, sites: Sites) -> gpd.GeoDataFrame:
    """One row per host → member: candidate_id, host_site_id, member_site_id, distance_m, a line."""
    position = pd.Series(np.arange(len(sites)), index=sites.ids)
    rows = []
    for candidate in candidates.itertuples():
        for member in str(candidate.member_site_ids).split(SEPARATOR):
            rows.append((candidate.candidate_id, candidate.host_site_id, member))
    frame = pd.DataFrame(rows, columns=["candidate_id", "host_site_id", "member_site_id"])
    start = sites.xy[position.reindex(frame["host_site_id"]).to_numpy(dtype=np.int64)]
    end = sites.xy[position.reindex(frame["member_site_id"]).to_numpy(dtype=np.int64)]
    frame["distance_m"] = np.hypot(*(end - start).T).round(1)
    lines = shapely.linestrings(np.stack([start, end], axis=1)) if len(frame) else []
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(lines, crs=BNG), crs=BNG)
