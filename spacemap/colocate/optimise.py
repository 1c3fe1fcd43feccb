"""Which sites to keep so every OA keeps each service type within a distance standard, at least cost.

A mixed-integer programme solved by HiGHS (scipy.optimize.milp)::

    minimise    Σ_j cost_j · y_j                       y_j = 1 keeps site j, 0 closes it
    subject to  Σ_{j ∈ N_s(i)} y_j ≥ 1                 every OA i, service s it has today within the standard
    and, for a service with a site whose room is known (utilisation in the register or assumed):
                Σ_{j ∈ N_s(i)} x_ijs = 1               OA i's residents are served by open sites within the standard
                x_ijs ≤ y_j
                Σ_i r_i · x_ijs ≤ C_js · y_j           C_js = residents using j for s today × 100 / utilisation_j

``N_s(i)`` are the sites offering s within ``standard_m`` of OA i's point (KD-tree
pairs, held in scipy.sparse matrices). Only existing sites are used. Sites that may be
grouped (no excluded service) and offer only the optimised services are decisions; every
other site stays open. An OA with no site of a type within the standard today must keep
one no further than its nearest today: closing sites never pushes it further out (such
OAs are counted in the report).

cost_j is the site's annual running cost; where the register has none it is the median
of the known costs of the decision sites (or 1 for every site when none is known: the
fewest sites). Ties: each extra service type offered makes a site 0.1 % cheaper to keep.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.spatial import cKDTree

from spacemap.colocate.area import Area
from spacemap.colocate.catchments import Catchments
from spacemap.colocate.config import ColocateConfig
from spacemap.colocate.sites import Sites
from spacemap.errors import ConfigError, ModelError

log = logging.getLogger(__name__)

TIE_BREAK = 0.001


@dataclass
class OptimiseResult:
    """The decision per site, with its cost and reason, and the programme's size."""

    sites: pd.DataFrame
    closed: list[str]
    standard_m: float
    cost_basis: str
    uncovered: pd.DataFrame     # service, OAs and residents with no site within the standard today
    variables: int
    constraints: int


def site_costs(sites: Sites, decision: np.ndarray, missing_cost) -> tuple[np.ndarray, np.ndarray, str]:
    """(cost per site, where the cost came from, a sentence for the report)."""
    known = np.isfinite(sites.running_cost)
    basis = np.where(known, "running cost", "").astype(object)
    if missing_cost != "median":
        fill, words = float(missing_cost), f"£{float(missing_cost):,.0f} (the config's missing_cost)"
    elif (known & decision).any():
        fill = float(np.median(sites.running_cost[known & decision]))
        words = f"£{fill:,.0f} (the median known running cost)"
    else:
        fill, words = 1.0, "1 per site (no running cost in the register: the fewest sites)"
    basis[~known] = "assumed: " + words
    cost = np.where(known, sites.running_cost, fill)
    return cost, basis, f"running cost where the register has it, else {words}"


def coverage_pairs(points: np.ndarray, xy: np.ndarray, members: np.ndarray,
                   standard_m: float) -> tuple[sparse.csr_matrix, np.ndarray]:
    """OA × member-site pairs that keep each OA served, and which OAs are beyond the standard today.

    An OA with a member within the standard may use any member within it; an OA beyond
    the standard today may use any member no further than its nearest one today (it must
    not get worse), so closing sites never pushes the worst served further out.
    """
    tree = cKDTree(xy[members])
    found = tree.sparse_distance_matrix(cKDTree(points), standard_m, output_type="ndarray")
    rows, cols = found["j"].astype(np.int64), found["i"].astype(np.int64)
    reached = np.zeros(len(points), dtype=bool)
    reached[rows] = True
    beyond = np.flatnonzero(~reached)
    if len(beyond):
        nearest_m, _ = tree.query(points[beyond], k=1)
        lists = tree.query_ball_point(points[beyond], r=nearest_m + 0.5)
        sizes = np.fromiter((len(item) for item in lists), dtype=np.int64, count=len(lists))
        rows = np.concatenate([rows, np.repeat(beyond, sizes)])
        cols = np.concatenate([cols, np.fromiter((j for item in lists for j in item), dtype=np.int64,
                                                 count=int(sizes.sum()))])
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(points), len(members)))
    return matrix, ~reached


def decisions(sites: Sites, config: ColocateConfig) -> tuple[np.ndarray, list[int]]:
    """Which sites are decisions, and the service columns the standard applies to."""
    services = list(config.optimise_services) or list(sites.services)
    unknown = [s for s in services if s not in sites.services]
    if unknown:
        raise ConfigError(f"[optimise] services: no site offers '{unknown[0]}'; the service types in the model are "
                          f"{', '.join(sites.services)}")
    columns = [sites.services.index(s) for s in services]
    others = np.ones(len(sites.services), dtype=bool)
    others[columns] = False
    decision = sites.eligible & ~sites.offers[:, others].any(axis=1) & sites.offers[:, columns].any(axis=1)
    return decision, columns


def optimise_sites(area: Area, sites: Sites, catchments: Catchments, config: ColocateConfig) -> OptimiseResult:
    """Solve the programme and explain every decision."""
    decision, columns = decisions(sites, config)
    cost, basis, basis_words = site_costs(sites, decision, config.missing_cost)
    n_sites = len(sites)
    extra = sites.offers[:, columns].sum(axis=1) - 1
    objective = np.where(decision, cost * (1 - TIE_BREAK * np.maximum(extra, 0)), 0.0)
    blocks, uncovered, coverage = [], [], {}
    n_vars = n_sites
    for j in columns:
        service = sites.services[j]
        members = np.flatnonzero(sites.offers[:, j])
        pairs, beyond = coverage_pairs(area.points, sites.xy, members, config.standard_m)
        reach = np.diff(pairs.indptr) > 0
        people = area.residents
        uncovered.append({"service": service, "oas": int((beyond & (people > 0)).sum()),
                          "residents": float(people[beyond].sum())})
        rows = pairs[reach & (people > 0)]
        coverage[service] = (members, rows)
        capacity = _capacity(sites, catchments, area, j, members)
        if np.isfinite(capacity).any():
            block, n_vars = _assignment(rows, members, capacity, people[reach & (people > 0)], n_vars)
        else:
            block = _covering(rows, members, decision, n_sites)
        blocks.extend(block)
    constraints, total_rows = _stack(blocks, n_vars)
    costs = np.concatenate([objective, np.zeros(n_vars - n_sites)])
    integrality = np.concatenate([np.ones(n_sites), np.zeros(n_vars - n_sites)])
    lower = np.concatenate([np.where(decision, 0.0, 1.0), np.zeros(n_vars - n_sites)])
    log.info("Optimising: %d decision sites, %d variables, %d constraints (standard %.0f m)", int(decision.sum()),
             n_vars, total_rows, config.standard_m)
    found = milp(costs, integrality=integrality, bounds=Bounds(lower, np.ones(n_vars)), constraints=constraints,
                 options={"disp": False, "presolve": True, "time_limit": 300.0})
    if found.status == 1:
        raise ModelError(f"the optimisation stopped at its time limit before proving a solution ({found.message}); "
                         f"it had {n_vars:,} variables — optimise fewer service types ([optimise] services) or a "
                         "smaller area")
    if found.status != 0 or found.x is None:
        raise ModelError(f"the optimisation found no solution ({found.message}); with the capacities given no set "
                         "of sites keeps every OA within the standard — raise --standard-m or check utilisation")
    keep = np.round(found.x[:n_sites]).astype(bool)
    table = _decision_table(sites, decision, keep, cost, basis, coverage, config)
    closed = table.loc[table["decision"] == "close", "site_id"].tolist()
    log.info("Optimised: keep %d, close %d of %d decision sites", int((keep & decision).sum()), len(closed),
             int(decision.sum()))
    return OptimiseResult(table, closed, config.standard_m, basis_words, pd.DataFrame(uncovered), n_vars,
                          total_rows)


def _capacity(sites: Sites, catchments: Catchments, area: Area, j: int, members: np.ndarray) -> np.ndarray:
    """Residents each member can serve for service j (inf where its room is unknown)."""
    users = np.bincount(np.maximum(catchments.user_site[:, j], 0), area.residents * (catchments.user_site[:, j] >= 0),
                        minlength=len(sites))[members]
    utilisation = sites.utilisation[members]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.isfinite(utilisation) & (utilisation > 0), users * 100.0 / utilisation, np.inf)


def _covering(rows: sparse.csr_matrix, members: np.ndarray, decision: np.ndarray, n_sites: int) -> list:
    """Σ y_j ≥ 1 per OA, dropping OAs already covered by a site that must stay open."""
    fixed = ~decision[members]
    satisfied = np.asarray((rows[:, fixed] > 0).sum(axis=1)).ravel() > 0 if fixed.any() else np.zeros(rows.shape[0], bool)
    rows = rows[~satisfied]
    matrix = sparse.csr_matrix((np.ones(rows.nnz), rows.indices, rows.indptr), shape=rows.shape)
    matrix = matrix @ sparse.csr_matrix((np.ones(len(members)), (np.arange(len(members)), members)),
                                        shape=(len(members), n_sites))
    return [(matrix, 1.0, np.inf)]


def _assignment(rows: sparse.csr_matrix, members: np.ndarray, capacity: np.ndarray, people: np.ndarray,
                n_vars: int) -> tuple[list, int]:
    """Assignment rows (x per OA-site pair) with x ≤ y and capacity rows; returns blocks and the new variable count."""
    coo = rows.tocoo()
    n_pairs = coo.nnz
    x = n_vars + np.arange(n_pairs)
    total = n_vars + n_pairs
    pair_rows = np.arange(n_pairs)
    assign = sparse.csr_matrix((np.ones(n_pairs), (coo.row, x)), shape=(rows.shape[0], total))
    link = sparse.csr_matrix((np.r_[np.ones(n_pairs), -np.ones(n_pairs)],
                              (np.r_[pair_rows, pair_rows], np.r_[x, members[coo.col]])), shape=(n_pairs, total))
    limited = np.flatnonzero(np.isfinite(capacity))
    cap_row = pd.Index(limited).get_indexer(coo.col)
    use = cap_row >= 0
    cap = sparse.csr_matrix((np.r_[people[coo.row[use]], -capacity[limited]],
                             (np.r_[cap_row[use], np.arange(len(limited))], np.r_[x[use], members[limited]])),
                            shape=(len(limited), total))
    return [(assign, 1.0, 1.0), (link, -np.inf, 0.0), (cap, -np.inf, 0.0)], total


def _stack(blocks: list, n_vars: int) -> tuple[list[LinearConstraint], int]:
    matrices = [sparse.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], n_vars)) if m.shape[1] < n_vars
                else m for m, _, _ in blocks]
    matrices = [m.tocsr() for m in matrices]
    if not matrices or sum(m.shape[0] for m in matrices) == 0:
        return [], 0
    matrix = sparse.vstack(matrices, format="csr")
    lower = np.concatenate([np.full(m.shape[0], lo) for m, (_, lo, _) in zip(matrices, blocks)])
    upper = np.concatenate([np.full(m.shape[0], hi) for m, (_, _, hi) in zip(matrices, blocks)])
    return [LinearConstraint(matrix, lower, upper)], matrix.shape[0]


def _decision_table(sites: Sites, decision: np.ndarray, keep: np.ndarray, cost: np.ndarray, basis: np.ndarray,
                    coverage: dict, config: ColocateConfig) -> pd.DataFrame:
    """One row per site in the model: decision and why."""
    only = np.zeros(len(sites), dtype=np.int64)
    needed_for: dict[int, dict[str, int]] = {}
    for service, (members, rows) in coverage.items():
        entries = rows.tocoo()
        open_entry = keep[members[entries.col]]
        count = np.bincount(entries.row[open_entry], minlength=rows.shape[0])
        sole = members[entries.col[open_entry & (count[entries.row] == 1)]]
        for site, n in zip(*np.unique(sole, return_counts=True)):
            only[site] += n
            needed_for.setdefault(int(site), {})[service] = int(n)
    frame = sites.frame
    reasons, decisions_out = [], []
    for i in range(len(sites)):
        if not decision[i]:
            decisions_out.append("keep (not a decision)")
            reasons.append("offers a service outside the optimisation or tied to its land; stays open")
        elif keep[i] and only[i]:
            decisions_out.append("keep")
            per_service = ", ".join(f"{k}: {v}" for k, v in sorted(needed_for[i].items()))
            reasons.append(f"the only open site within {config.standard_m:,.0f} m for {only[i]} OA(s) "
                           f"({per_service})")
        elif keep[i]:
            decisions_out.append("keep")
            reasons.append("kept to serve OAs within the standard at least cost (capacity or shared coverage)")
        else:
            decisions_out.append("close")
            reasons.append(f"every OA it covers keeps its services within {config.standard_m:,.0f} m of another "
                           "open site")
    return pd.DataFrame({
        "site_id": sites.ids, "name": frame["name"].to_numpy() if "name" in frame else sites.ids,
        "owner": sites.owner, "services": frame["services"].to_numpy(), "cost_gbp": np.round(cost, 2),
        "cost_basis": basis, "decision": decisions_out, "oas_only_site": only, "reason": reasons,
    })
