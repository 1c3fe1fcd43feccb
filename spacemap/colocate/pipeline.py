"""Co-location in one call: estate + segments + catchments → candidates, shared sites, scenarios, optimisation.

:func:`build_colocation` is what ``spacemap colocate`` runs: it gathers the inputs (the
embedded Trafford default when none are given: census → segments → estate → the GP
practices' catchments from service use) and calls
:func:`colocate`, which works on values only (tests and other programs call it directly).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from spacemap.colocate.area import Area, build_area
from spacemap.colocate.candidates import CandidateRun, Context, find_candidates
from spacemap.colocate.catchments import NEAREST, nearest_sites, use_assigned
from spacemap.colocate.config import ColocateConfig
from spacemap.colocate.equity import segment_need
from spacemap.colocate.optimise import OptimiseResult, optimise_sites
from spacemap.colocate.roles import site_roles
from spacemap.colocate.scenario import Scenario, ScenarioResult, check_ids, evaluate_scenario
from spacemap.colocate.shared import shared_sites
from spacemap.colocate.sites import Sites, build_sites, check_estate, check_partners
from spacemap.errors import ConfigError, InputError
from spacemap.io.colocate_files import read_catchment_table, read_estate_sites, read_segments_dir
from spacemap.io.embedded import assets_dir, describe_path
from spacemap.segment.codes import tier_numbers

if TYPE_CHECKING:
    from spacemap.estate.pipeline import EstateRun

log = logging.getLogger(__name__)

DEFAULT_CONFIG = "colocate.toml"
BNG = "EPSG:27700"


def default_config_path() -> Path:
    """The shipped, documented default settings."""
    return assets_dir() / DEFAULT_CONFIG


@dataclass
class ColocateInputs:
    """What the stage reads, as values, with where each came from."""

    estate: gpd.GeoDataFrame          # every site of the estate (SITE_COLUMNS + geometry)
    area: Area
    profiles: pd.DataFrame            # segment profiles: tier, code, name, … index scores
    catchment_table: pd.DataFrame | None = None   # oa_code, service, site_id
    estate_rejects: pd.DataFrame | None = None    # register rows the estate stage rejected (when it ran here)
    estate_rows: dict[str, int] | None = None     # rows_in, kept, rejected (when the estate ran here)
    sources: dict[str, str] = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)


@dataclass
class ColocationRun:
    """Everything the stage produced, for the outputs, the report and the manifest."""

    config: ColocateConfig
    inputs: ColocateInputs
    sites: Sites
    need: pd.DataFrame
    candidates: gpd.GeoDataFrame
    links: gpd.GeoDataFrame
    shared: pd.DataFrame
    found: CandidateRun
    roles: pd.DataFrame
    catchment_sources: dict[str, str]
    scenario: ScenarioResult | None = None
    optimisation: OptimiseResult | None = None
    optimised: ScenarioResult | None = None


def colocate(inputs: ColocateInputs, config: ColocateConfig = ColocateConfig(), scenario: Scenario | None = None,
             optimise: bool = False) -> ColocationRun:
    """Candidates, shared sites and (when asked) a scenario and an optimisation, from values."""
    area = inputs.area
    for label, tier in (("[equity] tier", config.equity_tier), ("[segments] overlap_tier", config.overlap_tier)):
        if tier is not None and tier not in area.tiers:
            raise ConfigError(f"{label} = {tier}, but the segments have tiers {', '.join(map(str, area.tiers))}")
    source = inputs.sources.get("estate", "the estate")
    check_estate(inputs.estate, source)
    if inputs.estate.crs is None:
        raise InputError(f"{source}: the sites have no coordinate reference system; give them in EPSG:27700")
    if inputs.estate.crs != BNG:
        inputs = replace(inputs, estate=inputs.estate.to_crs(BNG))
    sites = build_sites(inputs.estate, config, source)
    check_partners(sites, source)
    if scenario is not None:
        check_ids(scenario, pd.Index(inputs.estate["site_id"].astype(str)))
    need = segment_need(inputs.profiles, area.tier(config.equity_tier), config,
                        inputs.sources.get("profiles", "the segment profiles"))
    log.info("Catchments: %d OAs × %d service types (%d sites)", len(area.oa_codes), len(sites.services), len(sites))
    catchments = nearest_sites(area.points, sites, config.max_sites)
    if inputs.catchment_table is not None:
        catchments = use_assigned(catchments, inputs.catchment_table, area.oa_codes, sites, area.points,
                                  inputs.sources.get("catchments", "the catchment table"))
    context = Context.build(area, sites, catchments, config, need["priority"].to_numpy(dtype=bool))
    found = find_candidates(context)
    shared = shared_sites(inputs.estate, config.shared_within_m)
    log.info("Shared buildings found in the estate: %d", len(shared))
    roles = site_roles(inputs.estate, sites, found, config)
    run = ColocationRun(config, inputs, sites, need, found.candidates, found.links, shared, found, roles,
                        dict(catchments.sources))
    if scenario is not None:
        run.scenario = evaluate_scenario(scenario, inputs.estate, sites, area, need, config)
    if optimise:
        run.optimisation = optimise_sites(area, sites, catchments, config)
        closed = Scenario(run.optimisation.closed, name="optimised estate", source="--optimise")
        run.optimised = evaluate_scenario(closed, inputs.estate, sites, area, need, config)
    return run


def build_colocation(config: ColocateConfig = ColocateConfig(), estate: str | Path | gpd.GeoDataFrame | None = None,
                     segments: str | Path | None = None, catchments: str | Path | None = None,
                     census: str | Path | None = None, variables: str | Path | None = None,
                     boundaries: str | Path | None = None, population: str | Path | None = None,
                     crs: str | None = None, scenario: Scenario | None = None, optimise: bool = False,
                     seed: int = 42) -> ColocationRun:
    """Gather the inputs (the embedded default when none are given) and run :func:`colocate`."""
    catchment_table = read_catchment_table(catchments) if catchments is not None else None
    log.info("[1/3] Estate")
    sites, estate_source, estate_inputs, built = load_estate(estate)
    if scenario is not None:
        check_ids(scenario, pd.Index(sites["site_id"].astype(str)))
    log.info("[2/3] Area and segments")
    area, profiles, sources, area_inputs = load_area(segments, census, variables, boundaries, population, crs, seed)
    sources.update({"estate": estate_source})
    inputs = [*estate_inputs, *area_inputs]
    if catchments is not None:
        sources["catchments"] = describe_path(catchments)
        inputs.append(Path(catchments))
    if catchment_table is None and estate is None and all(v is None for v in (segments, census, variables,
                                                                               boundaries, population)):
        catchment_table = default_catchments(sites, area, seed)
        sources["catchments"] = ("GP registrations per practice (NHS Digital, embedded), Huff model of "
                                 "spacemap services")
    extra = (", scenario" if scenario else "") + (", optimisation" if optimise else "")
    log.info("[3/3] Candidates, shared sites%s", extra)
    values = ColocateInputs(sites, area, profiles, catchment_table, sources=sources, inputs=_unique(inputs),
                            estate_rejects=built.rejects if built is not None else None,
                            estate_rows=_row_counts(built) if built is not None else None)
    return colocate(values, config, scenario, optimise)


def load_estate(estate) -> tuple[gpd.GeoDataFrame, str, list[Path], EstateRun | None]:
    """The estate's sites: given, from an estate.gpkg (or its folder), or built from an estate config.

    When the estate is built here, its run comes back too (its rejected register rows).
    """
    if isinstance(estate, gpd.GeoDataFrame):
        return estate, "the estate given", [], None
    if estate is None or Path(estate).suffix.lower() == ".toml":
        from spacemap.estate.pipeline import build_estate

        run = build_estate(estate)
        source = "the embedded estate (spacemap estate)" if estate is None else f"estate config {estate}"
        return run.sites, source, list(run.inputs), run
    sites = read_estate_sites(estate)
    path = Path(estate) / "estate.gpkg" if Path(estate).is_dir() else Path(estate)
    return sites, f"estate {describe_path(path)}", [path], None


def default_catchments(sites: gpd.GeoDataFrame, area: Area, seed: int) -> pd.DataFrame:
    """The embedded default's service use: where each practice's registered patients live (Huff model).

    Returns oa_code, service, site_id: for every OA the practice most of its modelled
    patients go to, from ``spacemap services`` on the same estate and segments.
    """
    from spacemap.services.pipeline import ServiceSettings, build_service_use

    log.info("Service use: modelling where each GP practice's registered patients live")
    run = build_service_use(sites=sites, segments=area.segments_table(), settings=ServiceSettings(seed=seed))
    frames = [c.oas.rename(columns={"main_site_id": "site_id"})[["oa_code", "service", "site_id"]]
              for c in run.catchments]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["oa_code", "service", "site_id"])
    return table[table["site_id"].notna()].astype(str).reset_index(drop=True)


def load_area(segments, census, variables, boundaries, population, crs, seed) -> tuple[Area, pd.DataFrame, dict,
                                                                                         list[Path]]:
    """OAs, residents, density and segments: from the segment stage, or from a spacemap segment folder."""
    from spacemap.segment.pipeline import load_inputs, segment_area

    segment_inputs = load_inputs(variables=variables, census=census, boundaries=boundaries, population=population,
                                 crs=crs)
    if segment_inputs.boundaries is None or segment_inputs.population is None:
        raise ConfigError("the area needs OA boundaries and residents: give --boundaries and --population with "
                          "--variables")
    inputs = list(segment_inputs.inputs)
    if segments is None:
        run = segment_area(segment_inputs, seed=seed)
        table, profiles = run.oa_segments, run.profiles
        source = f"the segmentation of {segment_inputs.area_name} (spacemap segment, seed {seed})"
    else:
        table, profiles, files = read_segments_dir(segments)
        inputs += files
        source = f"segments {describe_path(files[0])}"
        if profiles is None:
            profiles = profiles_from_variables(segment_inputs.variables, table)
    area = build_area(segment_inputs.boundaries, segment_inputs.population, table, segment_inputs.variables, source)
    sources = {"segments": source, "profiles": source, "area": segment_inputs.area_name,
               "density": area.density_source}
    return area, profiles, sources, inputs


def profiles_from_variables(variables: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Index scores (segment mean rate ÷ area mean rate × 100) per tier, as spacemap segment writes them."""
    joined = segments.merge(variables, on="oa_code", how="inner")
    codes = [c for c in variables.columns if c != "oa_code"]
    area_mean = variables[codes].mean()
    frames = []
    for tier in tier_numbers(segments):
        means = joined.groupby(f"tier{tier}_code")[codes].mean()
        scores = (means / area_mean.replace(0, np.nan) * 100).round(1)
        names = joined.groupby(f"tier{tier}_code")[f"tier{tier}_name"].first() if f"tier{tier}_name" in joined \
            else pd.Series(means.index, index=means.index)
        frames.append(scores.assign(tier=tier, code=means.index.astype(str), name=names.reindex(means.index).values))
    return pd.concat(frames, ignore_index=True)


def with_overrides(config: ColocateConfig, distance_m: float | None, standard_m: float | None) -> ColocateConfig:
    """The config with the command line's --distance-m and --standard-m applied."""
    changes = {}
    if distance_m is not None:
        if distance_m <= 0:
            raise ConfigError(f"--distance-m {distance_m:g} must be greater than 0")
        changes["distance_m"] = float(distance_m)
    if standard_m is not None:
        if standard_m <= 0:
            raise ConfigError(f"--standard-m {standard_m:g} must be greater than 0")
        changes["standard_m"] = float(standard_m)
    return replace(config, **changes)


def catchment_words(sources: dict[str, str]) -> str:
    """How the users of each service were found, in one sentence."""
    modelled = {s: v for s, v in sources.items() if v != NEAREST}
    if not modelled:
        return "every OA's residents use the nearest site of each service type"
    return (f"{', '.join(f'{s} from {v}' for s, v in sorted(modelled.items()))}; every other service: the nearest "
            "site of the type")


def _row_counts(run: EstateRun) -> dict[str, int]:
    return {"rows_in": run.rows_in, "kept": len(run.occupancies), "rejected": len(run.rejects)}


def _unique(paths: list[Path]) -> list[Path]:
    return list(dict.fromkeys(Path(p) for p in paths))
