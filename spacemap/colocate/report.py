"""The co-location report (Markdown): top candidates explained, the assumptions, thresholds and weights used,
shared buildings, and the scenario and optimisation when asked for."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spacemap.colocate.config import WEIGHT_NAMES, config_toml
from spacemap.colocate.graph import RURAL, URBAN
from spacemap.colocate.pipeline import ColocationRun, catchment_words
from spacemap.colocate.roles import role_counts
from spacemap.colocate.scenario import ScenarioResult, describe_moves

COMPONENT_WORDS = {
    "distance": ("distance_m", "furthest member from the host (m)", "1 − distance_m / cutoff_m"),
    "segment_overlap": ("segment_overlap",
                        "Σ_k min of the two sites' users' segment shares (the overlap tier, finest by default)",
                        "the value"),
    "user_affinity": ("user_affinity", "Σ_i min of the two sites' users' OA shares: the same people", "the value"),
    "capacity_fit": ("capacity_fit", "host's spare floor area ÷ floor area the members occupy", "min(1, value)"),
    "tenure": ("tenure_score", "mean of host tenure score and members' mean release score", "the value"),
    "condition": ("condition_score", "mean of host condition and members' mean (1 − condition)", "the value"),
    "floor_area_released": ("floor_area_released_m2", "members' floor area (m²)", "min(1, value / {floor})"),
    "running_cost_saved": ("running_cost_saved_gbp", "members' annual running cost (£)", "min(1, value / {cost})"),
    "capital_receipt": ("capital_receipt_gbp", "members' disposal value (£)", "min(1, value / {receipt})"),
    "access": ("access_change_m_mean", "mean change in distance for the members' users (m)",
               "1 − min(1, max(0, value) / {zero})"),
    "equity": ("priority_access_change_m", "the same for users in priority segments (m)",
               "1 − min(1, max(0, value) / {zero})"),
}


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)) or value is pd.NA:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value).replace("|", "/")


def _table(header: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return out + [""]


def colocate_report(run: ColocationRun) -> str:
    """The whole report."""
    lines = [f"# Co-location report: {run.inputs.sources.get('area', 'area')}", ""]
    for section in (_summary, _method, _score, _equity, _top, _shared, _scenario, _optimisation, _missing,
                    _settings):
        lines += section(run)
    return "\n".join(lines).rstrip() + "\n"


def _summary(run: ColocationRun) -> list[str]:
    c, found = run.candidates, run.found
    sites_in = int(c["n_sites"].sum()) if len(c) else 0
    flagged = int(c["equity_flag"].sum()) if len(c) else 0
    return [
        f"**{len(c)} candidate groups** of {sites_in} sites, from {found.pairs_shareable} pairs of sites that could "
        f"share ({found.pairs_within} pairs within the distance cut-off); {flagged} flagged because they put a "
        f"priority segment's users further away. {len(run.shared)} buildings are already shared by partners.",
        "",
        f"Inputs: estate — {run.inputs.sources.get('estate', '')}; segments — "
        f"{run.inputs.sources.get('segments', '')}. {len(run.sites)} of {len(run.inputs.estate)} estate sites offer "
        f"a service type in the model ({', '.join(run.sites.services)}); {int(run.sites.eligible.sum())} may be "
        f"grouped (sites offering {', '.join(run.config.exclude_services)} are tied to their land).",
        "",
        _accounting(run),
        "",
        "Files: `candidates.csv` / `candidates.gpkg` (layers candidates, links, shared_sites), `shared_sites.csv`, "
        "`segment_need.csv`, `site_roles.csv` (every site's role, or why it is in no candidate)"
        + (", `estate_rejects.csv`" if run.inputs.estate_rejects is not None else "")
        + ", `colocate_config.toml` (the settings used), `maps/index.html` (co-location, estate and segments "
        "maps), `manifest.json`"
        + (", `scenario_sites.csv`, `scenario_access.csv`" if run.scenario else "")
        + (", `optimise_sites.csv`, `optimise_access.csv`" if run.optimisation else "") + ".",
        "",
    ]


def _accounting(run: ColocationRun) -> str:
    """Nothing lost: register rows → sites (+ rejects) → hosts + members + sites in no candidate."""
    counts = role_counts(run.roles)
    words = ""
    rows = run.inputs.estate_rows
    if rows is not None:
        words = (f"Register rows: {rows['rows_in']:,} in = {rows['kept']:,} kept + {rows['rejected']:,} rejected "
                 f"(`estate_rejects.csv`, with reasons); the kept rows make {counts['sites']:,} sites. ")
    return (words + f"Sites: {counts['sites']:,} = {counts['hosts']:,} hosts + {counts['members']:,} members + "
            f"{counts['in_no_candidate']:,} in no candidate (`site_roles.csv` says why).")


def _method(run: ColocationRun) -> list[str]:
    config, settings = run.config, run.found.settings
    counts = pd.Series(settings.setting[run.sites.eligible]).value_counts()
    if config.distance_m is not None:
        setting = f"one cut-off for every site, given: **{config.distance_m:,.0f} m**."
    else:
        setting = (f"a site is urban when its OA has at least **{config.urban_density_per_km2:,.0f}** residents per "
                   f"km² ({run.inputs.sources.get('density', '')}), else rural: {int(counts.get(URBAN, 0))} urban "
                   f"and {int(counts.get(RURAL, 0))} rural sites. Two sites are neighbours within "
                   f"**{config.urban_distance_m:,.0f} m** (both urban) or **{config.rural_distance_m:,.0f} m** "
                   "(either rural).")
    return [
        "## How candidates are found", "",
        f"- **Neighbours**: {setting} Pairs come from a KD-tree query within the cut-off, never an all-pairs matrix.",
        "- **Groups**: a pair can be grouped when its sites have different owners or offer different services. Pairs "
        f"are taken best score first into star groups around a host (at most {config.max_sites} sites); each site "
        "joins one group, that of its best-scoring pair still open.",
        f"- **Anchors**: sites offering {', '.join(config.anchor_services) or 'no anchor service'} are "
        "purpose-built: they may host others but never move, and two anchors are never grouped.",
        "- **Host**: an anchor site when the pair has one; otherwise the site with room (spare floor area known and "
        "above 0; when unknown, the larger floor area), "
        "then the best tenure and condition, then the most residents using it (access); ties by site_id. A host "
        "known to lack room says so (`host_has_room` = no, and in `reasons`).",
        f"- **Who uses a site** (catchment assumption): {catchment_words(run.catchment_sources)}. A site's users "
        "are the residents of the OAs that use it for any of its services.",
        "- **Access change**: every use of a member's service moves to the host or to the nearest site of that "
        "service still open, whichever is nearer; the change in straight-line distance is averaged over the "
        "residents concerned, for all of them and per segment (`access_change_m_<segment>`).",
        "",
    ]


def _score(run: ColocationRun) -> list[str]:
    config, c = run.config, run.candidates
    fill = {"floor": f"{config.floor_area_full_m2:,.0f}", "cost": f"{config.running_cost_full_gbp:,.0f}",
            "receipt": f"{config.capital_receipt_full_gbp:,.0f}", "zero": f"{config.access_zero_m:,.0f}"}
    rows = []
    for name in WEIGHT_NAMES:
        column, words, rule = COMPONENT_WORDS[name]
        present = int(c[f"{name}_n"].notna().sum()) if len(c) else 0
        rows.append([name, config.weights[name], f"`{column}`: {words}", f"`{name}_n` = {rule.format(**fill)}",
                     f"{present} of {len(c)}"])
    return [
        "## How the score is made", "",
        "score = Σ weight × normalised component ÷ Σ weight, over the components the candidate has "
        "(`weight_available` is the denominator). A component the register cannot give is blank, never "
        "invented; the weights of the others are renormalised. In a spreadsheet: "
        "`SUMPRODUCT(weights, normalised columns) / weight_available` gives `score` (6 decimals).", "",
        *_table(["component", "weight", "value", "normalised (0–1, 1 = favourable)", "candidates with it"], rows),
        f"Tenure scores (host / member): {_pairs(config.tenure_scores)}; a lease is *ending* when it ends (or, for "
        f"a member, breaks) within {config.lease_window_years:g} years of {config.as_of}. Condition scores: "
        f"{_pairs(config.condition_scores)}.", "",
    ]


def _pairs(values: dict) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in values.items())


def _equity(run: ColocationRun) -> list[str]:
    config, need = run.config, run.need
    directions = ", ".join(f"{v} ({'high' if d == 'high' else 'low, as 200 − index'})"
                           for v, d in config.need_variables.items())
    header = ["segment", "name", *[f"{v} index" for v in config.need_variables], "need index", "priority"]
    rows = [[r.segment_code, r.segment_name, *[getattr(r, f"{v}_index") for v in config.need_variables],
             r.need_index, bool(r.priority)] for r in need.itertuples()]
    return [
        f"## Equity: the priority segments (tier {config.equity_tier})", "",
        f"Need index = mean of the segment's index scores on {directions}; 100 = the area average. Priority "
        f"segments (most deprived or least mobile) have need ≥ {config.priority_min_index:g} (or the highest need "
        f"when none reaches it). A candidate is flagged (`equity_flag`) when a priority segment's users are on "
        f"average more than {config.flag_increase_m:,.0f} m further away.", "",
        *_table(header, rows),
    ]


def _top(run: ColocationRun) -> list[str]:
    c = run.candidates
    lines = [f"## Top {min(run.config.report_top, len(c))} candidates", ""]
    if not len(c):
        return lines + ["No two sites within the cut-off could share a building.", ""]
    for row in c.head(run.config.report_top).itertuples():
        lines += [f"### {row.rank}. {row.candidate_id}: {row.host_name} hosts {row.member_names} — score "
                  f"{row.score:.3f}", "",
                  f"Host {row.host_site_id} ({row.host_owner}); members {row.member_site_ids} "
                  f"({row.member_owners}); services {row.services}; {row.setting}.", ""]
        table = [[name, run.config.weights[name], getattr(row, COMPONENT_WORDS[name][0]), getattr(row, f"{name}_n")]
                 for name in WEIGHT_NAMES]
        lines += _table(["component", "weight", "value", "normalised"], table)
        lines += [f"- {reason}" for reason in str(row.reasons).split("; ")] + [""]
    return lines


def _shared(run: ColocationRun) -> list[str]:
    rows = [[r.shared_id, r.names, r.occupiers or r.owners, r.services, r.evidence] for r in run.shared.itertuples()]
    return ["## Buildings partners already share", "",
            *(_table(["id", "names", "partners", "services", "evidence"], rows) if rows else ["None found.", ""])]


def _scenario_lines(result: ScenarioResult, title: str) -> list[str]:
    t = result.totals
    money = lambda v: "unknown" if v is None else f"£{v:,.0f}"  # noqa: E731
    area = "unknown" if t["floor_area_released_m2"] is None else f"{t['floor_area_released_m2']:,.0f} m²"
    lines = [f"## {title}", "",
             f"{t['sites_closed']} sites close" + (f"; moves: {describe_moves(result.scenario)}"
                                                    if result.scenario.moves else "") + ". "
             f"Floor area released {area} ({t['floor_area_unknown_sites']} sites with no floor area in the register); "
             f"running cost saved {money(t['running_cost_saved_gbp'])} a year ({t['running_cost_unknown_sites']} "
             f"unknown); capital receipt {money(t['capital_receipt_gbp'])} ({t['capital_receipt_unknown_sites']} "
             f"unknown). Further from a service: {t['resident_uses_further']:,.0f}; left with no site of a type: "
             f"{t['resident_uses_losing_service']:,.0f}; beyond {t['standard_m']:,.0f} m: "
             f"{t['beyond_standard_before']:,.0f} before, {t['beyond_standard_after']:,.0f} after (residents counted "
             "once per service).", ""]
    access = result.access[result.access["residents_affected"] > 0]
    rows = [[r.service, r.segment_code, r.segment_name, r.priority, r.residents_affected, r.mean_change_affected_m,
             r.max_increase_m, r.flag] for r in access.itertuples()]
    lines += _table(["service", "segment", "name", "priority", "residents affected", "mean change (m)",
                     "largest increase (m)", "flag"], rows) if rows else ["No resident's access changes.", ""]
    if len(result.flagged):
        names = ", ".join(sorted({f"{r.segment_name} ({r.service})" for r in result.flagged.itertuples()}))
        lines += [f"**Equity flag**: priority segments further away or left without the service: {names}.", ""]
    return lines


def _scenario(run: ColocationRun) -> list[str]:
    if run.scenario is None:
        return []
    return _scenario_lines(run.scenario, f"What if: {run.scenario.scenario.name}")


def _optimisation(run: ColocationRun) -> list[str]:
    result = run.optimisation
    if result is None:
        return []
    table = result.sites
    decided = table[table["decision"].isin(["keep", "close"])]
    uncovered = [[r.service, r.oas, r.residents] for r in result.uncovered.itertuples() if r.oas]
    lines = ["## Optimised estate", "",
             f"Keep the fewest-cost set of sites so every OA keeps each service type within "
             f"**{result.standard_m:,.0f} m** (HiGHS via scipy.optimize.milp; {result.variables} variables, "
             f"{result.constraints} constraints). Cost: {result.cost_basis}. Of {len(decided)} sites that could "
             f"close, **{len(result.closed)} close** and {int((decided['decision'] == 'keep').sum())} stay "
             "(`optimise_sites.csv`, with the reason for each).", ""]
    if uncovered:
        lines += ["OAs with no site of the type within the standard today (they keep a site no further than their "
                  "nearest today):", "",
                  *_table(["service", "OAs", "residents"], uncovered)]
    return lines + _scenario_lines(run.optimised, "Access after the optimised closures")[2:]


def _missing(run: ColocationRun) -> list[str]:
    s = run.sites
    rows = [[what, int(np.isfinite(values).sum()), len(s)] for what, values in (
        ("floor area", s.floor_area), ("annual running cost", s.running_cost), ("disposal value", s.disposal_value),
        ("utilisation", s.utilisation), ("tenure", s.host_tenure), ("condition", s.condition))]
    return ["## What the register says about the service sites", "",
            "Missing values stay missing: a candidate whose sites lack them has those components blank and says so.",
            "", *_table(["field", "sites with a value", "service sites"], rows)]


def _settings(run: ColocationRun) -> list[str]:
    return ["## Settings used", "", "```toml", config_toml(run.config).rstrip(), "```", ""]
