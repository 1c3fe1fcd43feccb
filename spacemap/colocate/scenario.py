"""What if some sites close (``--close ID,ID``) or move into others (``--scenario scenario.toml``)?

A scenario file::

    name = "Stretford hub"          # optional
    close = ["site-a", "site-b"]    # sites that close
    [move]                          # optional: a closing site's services move into a host
    "site-a" = "site-c"

Access is the distance from every OA to the nearest site of each service type, before
and after (the host of a move offers the moved services afterwards), summarised per
segment of the equity tier and per service: residents, mean distance before and after,
the mean change for the residents whose distance changes, residents further away,
residents left with no site of the type at all, and residents beyond the distance
standard. A priority segment whose affected residents are on average more than
``flag_increase_m`` further away, or who lose the service outright, is flagged. Floor area, running
cost and capital receipt released are the closing sites' values where the register has
them; the rest are counted as unknown, not guessed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from spacemap.colocate.area import Area
from spacemap.colocate.config import ColocateConfig
from spacemap.colocate.sites import SEPARATOR, Sites, split_services
from spacemap.errors import ConfigError, InputError

log = logging.getLogger(__name__)

CHANGED_M = 0.5  # a distance that changes by less than this has not changed


@dataclass
class Scenario:
    """Sites that close, and where some of them move their services."""

    close: list[str]
    moves: dict[str, str] = field(default_factory=dict)
    name: str = "what-if"
    source: str = "--close"


def scenario_from_ids(text: str) -> Scenario:
    """'a,b' (from --close) → Scenario(close=['a', 'b'])."""
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise InputError("--close needs site ids separated by commas, e.g. --close council:TMBC0224,pharmacies:FA565")
    return Scenario(list(dict.fromkeys(ids)), name=f"close {', '.join(ids)}")


def parse_scenario(data: dict, source: str) -> Scenario:
    """A scenario from a parsed TOML document (keys name, close, move)."""
    unknown = sorted(set(data) - {"name", "close", "move"})
    if unknown:
        raise ConfigError(f"{source}: unknown key '{unknown[0]}'; a scenario has name, close and [move]")
    close = data.get("close")
    if not isinstance(close, list) or not close or not all(isinstance(v, str) and v.strip() for v in close):
        raise ConfigError(f"{source}: 'close' must be a list of site ids, e.g. close = [\"site-a\", \"site-b\"]")
    moves = data.get("move", {})
    if not isinstance(moves, dict) or not all(isinstance(v, str) for v in moves.values()):
        raise ConfigError(f"{source}: [move] must map a closing site id to its host's site id, e.g. \"site-a\" = "
                          "\"site-c\"")
    close = [v.strip() for v in close]
    for closing, host in moves.items():
        if closing not in close:
            raise ConfigError(f"{source}: [move] '{closing}' is not in 'close'; only closing sites move")
        if host in close:
            raise ConfigError(f"{source}: [move] '{closing}' moves into '{host}', which also closes")
    name = data.get("name", f"scenario {source}")
    return Scenario(list(dict.fromkeys(close)), dict(moves), str(name), source)


def check_ids(scenario: Scenario, estate_ids: pd.Index) -> None:
    """Every id of the scenario must be a site of the estate."""
    for site_id in [*scenario.close, *scenario.moves.values()]:
        if site_id not in estate_ids:
            near = [i for i in estate_ids if site_id.lower() in str(i).lower()][:3]
            hint = f" (did you mean {', '.join(near)}?)" if near else ""
            raise InputError(f"{scenario.source}: site id '{site_id}' is not a site of the estate{hint}; use the "
                             "site_id values of estate_sites.csv")


@dataclass
class ScenarioResult:
    """Sites released, access per service and segment, and the totals."""

    scenario: Scenario
    sites: pd.DataFrame
    access: pd.DataFrame
    totals: dict
    flagged: pd.DataFrame


def released_sites(scenario: Scenario, estate: pd.DataFrame) -> pd.DataFrame:
    """One row per closing site: what it offers, where its services go, what the register says it releases."""
    table = estate.set_index(estate["site_id"].astype(str)).loc[scenario.close]
    columns = {"name": "name", "owner": "owner", "services": "services", "tenure": "tenure",
               "floor_area_m2": "floor_area_m2", "annual_running_cost_gbp": "annual_running_cost_gbp",
               "disposal_value_gbp": "disposal_value_gbp"}
    frame = pd.DataFrame({"site_id": scenario.close})
    for column in columns:
        frame[column] = table[column].to_numpy() if column in table else np.nan
    frame["moves_to"] = [scenario.moves.get(i, "") for i in scenario.close]
    return frame


def after_offers(scenario: Scenario, sites: Sites, estate: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Site points and which services each offers before and after the scenario.

    A host that offers no service yet (say a council building with room) is added as a
    point that offers, afterwards, the services moved into it.
    """
    position = pd.Series(np.arange(len(sites)), index=sites.ids)
    extra = [h for h in dict.fromkeys(scenario.moves.values()) if h not in position.index]
    located = estate.set_index(estate["site_id"].astype(str)).geometry
    xy = np.vstack([sites.xy, np.array([[located[h].x, located[h].y] for h in extra]).reshape(-1, 2)])
    position = pd.concat([position, pd.Series(np.arange(len(extra)) + len(sites), index=extra)])
    before = np.vstack([sites.offers, np.zeros((len(extra), len(sites.services)), dtype=bool)])
    after = before.copy()
    for closing, host in scenario.moves.items():
        if closing in position.index:
            after[position[host]] |= before[position[closing]]
    after[position.reindex(scenario.close).dropna().astype(int).to_numpy()] = False
    return xy, before, after


def nearest_after(points: np.ndarray, xy: np.ndarray, offers: np.ndarray) -> np.ndarray:
    """(n_oa, n_services) distance to the nearest site offering each service (inf when none)."""
    result = np.full((len(points), offers.shape[1]), np.inf)
    for j in range(offers.shape[1]):
        members = np.flatnonzero(offers[:, j])
        if len(members):
            result[:, j] = cKDTree(xy[members]).query(points, k=1)[0]
    return result


def evaluate_scenario(scenario: Scenario, estate: pd.DataFrame, sites: Sites, area: Area, need: pd.DataFrame,
                      config: ColocateConfig) -> ScenarioResult:
    """Access before and after per service and segment, and what the closing sites release."""
    released = released_sites(scenario, estate)
    touched = sorted({s for items in split_services(released["services"]) for s in items} & set(sites.services))
    columns = [sites.services.index(s) for s in touched]
    xy, offers_before, offers_after = after_offers(scenario, sites, estate)
    before = nearest_after(area.points, xy, offers_before[:, columns])
    after = nearest_after(area.points, xy, offers_after[:, columns])
    tier = area.tier(config.equity_tier)
    access = access_table(touched, before, after, area, tier, need, config)
    flagged = access[(access["priority"] == True) & (access["flag"] == True)]  # noqa: E712 (nullable)
    totals = _totals(released, access, config)
    log.info("Scenario '%s': %d sites close; %d resident-service uses further away, %d with no site left",
             scenario.name, len(scenario.close), totals["resident_uses_further"], totals["resident_uses_losing_service"])
    return ScenarioResult(scenario, released, access, totals, flagged.reset_index(drop=True))


def access_table(services: list[str], before: np.ndarray, after: np.ndarray, area: Area, tier, need: pd.DataFrame,
                 config: ColocateConfig) -> pd.DataFrame:
    """One row per service × segment (and per service for all residents)."""
    people = area.residents
    priority = need.set_index("segment_code")["priority"].reindex(tier.codes).fillna(False).to_numpy(dtype=bool)
    rows = []
    for j, service in enumerate(services):
        old, new = before[:, j], after[:, j]
        change = np.where(np.isfinite(new), new - old, np.inf)
        changed = np.abs(change) >= CHANGED_M
        for k, code in [(None, "all"), *enumerate(tier.codes)]:
            mask = np.ones(len(people), bool) if k is None else tier.labels == k
            rows.append(_access_row(service, code, "all residents" if k is None else tier.names[k],
                                    None if k is None else bool(priority[k]), mask, people, old, new, change,
                                    changed, config))
    return pd.DataFrame(rows, columns=list(ACCESS_COLUMNS))


ACCESS_COLUMNS = ("service", "segment_code", "segment_name", "priority", "residents", "mean_before_m",
                  "mean_after_m", "residents_affected", "mean_change_affected_m", "residents_further",
                  "max_increase_m", "residents_losing_service", "beyond_standard_before", "beyond_standard_after",
                  "flag")


def _mean(values: np.ndarray, weights: np.ndarray) -> float:
    """Weighted mean over the finite values (NaN when there are none)."""
    finite = np.isfinite(values)
    total = weights[finite].sum()
    return float(np.round((values[finite] * weights[finite]).sum() / total, 1)) if total > 0 else np.nan


def _access_row(service, code, name, priority, mask, people, old, new, change, changed, config) -> dict:
    w = people[mask]
    moved = changed[mask]
    lost = ~np.isfinite(new[mask]) & np.isfinite(old[mask])
    affected = _mean(change[mask][moved], w[moved]) if moved.any() else 0.0
    finite_change = change[mask][moved & np.isfinite(change[mask])]
    too_far = np.isfinite(affected) and affected > config.flag_increase_m
    return {
        "service": service, "segment_code": code, "segment_name": name, "priority": priority,
        "residents": float(w.sum()), "mean_before_m": _mean(old[mask], w), "mean_after_m": _mean(new[mask], w),
        "residents_affected": float(w[moved].sum()), "mean_change_affected_m": affected,
        "residents_further": float(w[moved & (change[mask] > 0)].sum()),
        "max_increase_m": float(np.round(np.max(finite_change, initial=0.0), 1)),
        "residents_losing_service": float(w[lost].sum()),
        "beyond_standard_before": float(w[old[mask] > config.standard_m].sum()),
        "beyond_standard_after": float(w[new[mask] > config.standard_m].sum()),
        "flag": bool(priority) and (too_far or bool(lost.any())),
    }


def _totals(released: pd.DataFrame, access: pd.DataFrame, config: ColocateConfig) -> dict:
    def total(column: str) -> tuple[float | None, int]:
        values = pd.to_numeric(released[column], errors="coerce")
        return (float(values.sum()) if values.notna().any() else None), int(values.isna().sum())

    area, area_unknown = total("floor_area_m2")
    cost, cost_unknown = total("annual_running_cost_gbp")
    receipt, receipt_unknown = total("disposal_value_gbp")
    everyone = access[access["segment_code"] == "all"]
    return {"sites_closed": len(released), "floor_area_released_m2": area, "floor_area_unknown_sites": area_unknown,
            "running_cost_saved_gbp": cost, "running_cost_unknown_sites": cost_unknown,
            "capital_receipt_gbp": receipt, "capital_receipt_unknown_sites": receipt_unknown,
            "resident_uses_further": float(everyone["residents_further"].sum()),
            "resident_uses_losing_service": float(everyone["residents_losing_service"].sum()),
            "beyond_standard_before": float(everyone["beyond_standard_before"].sum()),
            "beyond_standard_after": float(everyone["beyond_standard_after"].sum()),
            "standard_m": config.standard_m}


def describe_moves(scenario: Scenario) -> str:
    return SEPARATOR.join(f"{a} → {b}" for a, b in scenario.moves.items())
