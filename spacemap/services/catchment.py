"""Where a site's users live, when only the site's total is known: a calibrated Huff model.

Each OA *i* sends users in proportion to its residents; they share themselves among
the sites within the cut-off in proportion to attractiveness × distance decay::

    T_ij = O_i · W_j f(c_ij) / Σ_k W_k f(c_ik)
    f(c) = exp(−β c)                (exponential decay, c in km or minutes)
    f(c) = max(c, c_min)^(−β)       (power decay, the classic Huff form)

``O_i`` is the OA's residents scaled so that the OAs with a site in reach send as many
users as the sites have in total — within each separate catchment area (a group of OAs
and sites linked by pairs within the cut-off; users cannot cross between groups, so
each group's OAs send exactly its sites' users). The attractiveness ``W_j`` starts at the site's total
and is calibrated as balancing factors until every site's modelled users add up to its
real total ``D_j`` (a doubly-constrained gravity model). The factors minimise a convex
dual (L-BFGS, scipy.optimize), then the classic update ``W_j ← W_j · D_j / Σ_i T_ij``
polishes them until every site is within the tolerance; each step is two sparse
matrix products.
Only OA–site pairs within the cut-off are held (scipy.sparse), never a dense OA × site
matrix.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import minimize
from scipy.sparse.csgraph import connected_components

from spacemap.errors import ModelError

log = logging.getLogger(__name__)

DECAYS = ("exponential", "power")
POWER_FLOOR = 0.1  # km (or minutes): costs below this count as this, so f stays finite


@dataclass
class Pairs:
    """OA–site pairs within the cut-off, as parallel arrays (a sparse OA × site matrix)."""

    origin: np.ndarray  # OA index
    site: np.ndarray    # site index
    cost: np.ndarray    # km of estimated route, or minutes
    n_origins: int
    n_sites: int


@dataclass
class CatchmentResult:
    """Modelled users per OA and the calibrated model."""

    users: np.ndarray            # modelled users per OA (sums to the sites' total)
    main_site: np.ndarray        # per OA: index of the site most of its users go to (-1: none in reach)
    main_share: np.ndarray       # per OA: the share of its users going there
    sites: pd.DataFrame          # site_id, total, modelled, attractiveness, mean_cost
    iterations: int
    max_relative_error: float
    unreached_oas: int           # OAs with residents but no site in reach (they send no one)
    parameters: dict


def decay_weights(cost: np.ndarray, decay: str, beta: float) -> np.ndarray:
    """Distance decay f(c) for each pair."""
    if decay == "exponential":
        return np.exp(-beta * cost)
    if decay == "power":
        return np.maximum(cost, POWER_FLOOR) ** (-beta)
    raise ValueError(f"unknown decay {decay!r}; use one of {DECAYS}")


def calibrate_huff(pairs: Pairs, residents: np.ndarray, totals: pd.Series, decay: str = "exponential",
                   beta: float = 0.5, tolerance: float = 1e-6, max_iterations: int = 2000) -> CatchmentResult:
    """Fit the Huff model so each site's modelled users match ``totals`` (indexed like the sites)."""
    target = totals.to_numpy(dtype=float)
    weights = decay_weights(pairs.cost, decay, beta)
    keep = (target[pairs.site] > 0) & (weights > 0)
    origin, site, cost, base = pairs.origin[keep], pairs.site[keep], pairs.cost[keep], weights[keep]
    _check_reach(site, target, totals.index, pairs.n_sites)
    demand, areas = _origin_demand(origin, site, residents, target, totals.index)
    matrix = sparse.csr_matrix((base, (origin, site)), shape=(pairs.n_origins, pairs.n_sites))
    transposed = matrix.T.tocsr()
    active = target > 0
    attractiveness, dual_steps = _solve_dual(matrix, transposed, demand, target, tolerance, max_iterations)
    error, iteration = np.inf, 0
    for iteration in range(0, max_iterations + 1):
        modelled = _site_users(matrix, transposed, attractiveness, demand)
        error = float(np.max(np.abs(modelled[active] - target[active]) / target[active])) if active.any() else 0.0
        if error <= tolerance or iteration == max_iterations:
            break
        attractiveness[active] *= target[active] / modelled[active]
    if error > tolerance:
        raise ModelError(f"the catchment model did not settle in {max_iterations} iterations (largest site error "
                         f"{error:.2%}); raise --cutoff-m so more OAs can reach each site")
    log.info("Catchment model: %d + %d iterations, largest site error %.2g", dual_steps, iteration, error)
    flows = _flows(origin, site, base, attractiveness, demand, matrix @ attractiveness)
    users = np.bincount(origin, flows, minlength=pairs.n_origins)
    modelled = np.bincount(site, flows, minlength=pairs.n_sites)
    main_site, main_share = _main_sites(origin, site, flows, users, pairs.n_origins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_cost = np.bincount(site, flows * cost, minlength=pairs.n_sites) / modelled
    scale = attractiveness[active].mean() if active.any() else 1.0
    table = pd.DataFrame({"site_id": totals.index, "total": target, "modelled": modelled,
                          "attractiveness": attractiveness / scale, "mean_cost": mean_cost})
    unreached = int(((residents > 0) & (np.bincount(origin, minlength=pairs.n_origins) == 0)).sum())
    parameters = {"decay": decay, "beta": beta, "tolerance": tolerance, "dual_iterations": dual_steps,
                  "balancing_iterations": iteration,
                  "max_relative_error": error, "pairs": int(len(origin)), "separate_areas": areas}
    return CatchmentResult(users, main_site, main_share, table, dual_steps + iteration, error, unreached, parameters)


def _solve_dual(matrix, transposed, demand: np.ndarray, target: np.ndarray, tolerance: float,
                max_iterations: int) -> tuple[np.ndarray, int]:
    """Balancing factors from the convex dual of the model, minimised with L-BFGS.

    With u = log W, F(u) = Σ_i O_i log Σ_j e^{u_j} K_ij − Σ_j D_j u_j is convex and its
    gradient is (modelled − total) per site, so its minimum is the balanced model.
    Variables are scaled by √D_j (the Hessian's diagonal is about D_j), which makes the
    problem well conditioned: far fewer steps than plain balancing on large areas.
    """
    chosen = np.flatnonzero(target > 0)
    attractiveness = np.zeros(len(target))
    if chosen.size == 0:
        return attractiveness, 0
    scale = np.sqrt(target[chosen])

    def dual(v: np.ndarray) -> tuple[float, np.ndarray]:
        attractiveness[chosen] = np.exp(v / scale)
        row = matrix @ attractiveness
        used = demand > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(row > 0, demand / row, 0.0)
        modelled = attractiveness * (transposed @ share)
        value = float(np.sum(demand[used] * np.log(row[used])) - np.sum(target[chosen] * v / scale))
        return value, (modelled[chosen] - target[chosen]) / scale

    start = np.log(target[chosen]) * scale
    found = minimize(dual, start, jac=True, method="L-BFGS-B",
                     options={"maxiter": max_iterations, "gtol": tolerance * scale.min(), "ftol": 0.0})
    attractiveness[chosen] = np.exp(found.x / scale)
    return attractiveness, int(found.nit)


def _site_users(matrix, transposed, attractiveness: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """Modelled users per site: W_j · Σ_i K_ij · O_i / Σ_k W_k K_ik (two sparse products)."""
    row = matrix @ attractiveness
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(row > 0, demand / row, 0.0)
    return attractiveness * (transposed @ share)


def _check_reach(site: np.ndarray, target: np.ndarray, ids: pd.Index, n_sites: int) -> None:
    reached = np.bincount(site, minlength=n_sites) > 0
    lonely = np.flatnonzero((target > 0) & ~reached)
    if lonely.size:
        raise ModelError(f"site {ids[lonely[0]]} has {target[lonely[0]]:.0f} users but no OA within the cut-off "
                         f"({lonely.size} such site(s)); raise --cutoff-m or check the site's location")


def _origin_demand(origin: np.ndarray, site: np.ndarray, residents: np.ndarray, target: np.ndarray,
                   ids: pd.Index) -> tuple[np.ndarray, int]:
    """Users each OA sends: its residents × (users ÷ residents) of its separate catchment area.

    OAs and sites linked by pairs form separate areas (connected components); no user can
    cross from one to another, so each area's OAs send exactly its sites' users.
    """
    n_origins, n_sites = len(residents), len(target)
    links = sparse.coo_matrix((np.ones(len(origin)), (origin, n_origins + site)),
                              shape=(n_origins + n_sites, n_origins + n_sites))
    count, label = connected_components(links, directed=False)
    reach = np.bincount(origin, minlength=n_origins) > 0
    people = np.bincount(label[:n_origins], np.where(reach, residents, 0.0), minlength=count)
    users = np.bincount(label[n_origins:], target, minlength=count)
    empty = np.flatnonzero((users > 0) & ~(people > 0))
    if empty.size:
        first = ids[np.flatnonzero(label[n_origins:] == empty[0])[0]]
        raise ModelError(f"site {first} has users but no resident lives within its cut-off; raise --cutoff-m")
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(people > 0, users / people, 0.0)
    used = np.unique(label[n_origins:][target > 0]).size
    return np.where(reach, residents * rate[label[:n_origins]], 0.0), int(used)


def _flows(origin, site, base, attractiveness, demand, row) -> np.ndarray:
    weight = attractiveness[site] * base
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(row[origin] > 0, demand[origin] * weight / row[origin], 0.0)


def _main_sites(origin, site, flows, users, n_origins) -> tuple[np.ndarray, np.ndarray]:
    """The site with the largest flow from each origin (lowest site index on a tie)."""
    main_site = np.full(n_origins, -1, dtype=np.int64)
    main_share = np.zeros(n_origins)
    if len(origin):
        order = np.lexsort((site, -flows, origin))
        first = order[np.r_[True, origin[order][1:] != origin[order][:-1]]]
        main_site[origin[first]] = site[first]
        with np.errstate(invalid="ignore", divide="ignore"):
            main_share[origin[first]] = np.where(users[origin[first]] > 0, flows[first] / users[origin[first]], 0.0)
    return main_site, main_share
