"""``spacemap colocate``: ranked, explained co-location candidates, shared buildings and what-if scenarios."""

from __future__ import annotations

import logging
from pathlib import Path

import click
import geopandas as gpd

from spacemap.cli.options import input_path, output_option, overwrite_option, seed_option
from spacemap.colocate.config import config_toml, settings_dict
from spacemap.colocate.pipeline import ColocationRun, build_colocation, default_config_path, with_overrides
from spacemap.colocate.report import colocate_report
from spacemap.colocate.roles import role_counts
from spacemap.colocate.scenario import scenario_from_ids
from spacemap.errors import InputError
from spacemap.io.colocate_files import read_colocate_config, read_scenario
from spacemap.io.manifest import build_manifest
from spacemap.io.output import staged_output, write_csv, write_gpkg, write_json, write_pages, write_text
from spacemap.maps.atlas import MapInputs, build_atlas

log = logging.getLogger(__name__)


@click.command()
@output_option
@overwrite_option
@seed_option
@click.option("--config", "config_path", type=input_path(dir_okay=False), default=None,
              help="Weights and thresholds (TOML). Default: the documented assets/trafford/colocate.toml.")
@click.option("--estate", type=input_path(), default=None,
              help="The estate: a spacemap estate output folder, its estate.gpkg, or an estate config (.toml). "
                   "Default: the embedded Trafford estate.")
@click.option("--segments", type=input_path(), default=None,
              help="A spacemap segment output folder (oa_segments.csv, profiles.csv). Default: segment the area now.")
@click.option("--catchments", type=input_path(dir_okay=False), default=None,
              help="catchments_oa.csv from spacemap services: the site each OA uses per service (default: nearest).")
@click.option("--census", type=input_path(), default=None, help="Folder of Nomis bulk CSVs (default: embedded).")
@click.option("--variables", type=input_path(dir_okay=False), default=None,
              help="A variables CSV (oa_code + rates) instead of census tables; needs --boundaries and --population.")
@click.option("--boundaries", type=input_path(), default=None, help="OA boundaries (GeoJSON, GPKG, SHP).")
@click.option("--population", type=input_path(dir_okay=False), default=None,
              help="Residents per OA (CSV: oa_code, residents).")
@click.option("--crs", default=None, help="CRS of the boundaries when the file declares none, e.g. EPSG:27700.")
@click.option("--distance-m", type=float, default=None,
              help="One grouping cut-off in metres for every site, instead of the urban/rural rule.")
@click.option("--close", "close_ids", default=None, metavar="ID,ID",
              help="What if these sites close: access by segment, floor area and cost released.")
@click.option("--scenario", "scenario_path", type=input_path(dir_okay=False), default=None,
              help="What-if scenario (TOML: close = [ids], [move] closing id = host id).")
@click.option("--optimise", is_flag=True,
              help="Choose the sites to keep so every OA keeps each service within the standard at least cost.")
@click.option("--standard-m", type=float, default=None,
              help="Distance standard in metres for --optimise and the scenario tables (default from the config).")
def colocate(output: Path, overwrite: bool, seed: int, config_path, estate, segments, catchments, census, variables,
             boundaries, population, crs, distance_m, close_ids, scenario_path, optimise, standard_m) -> None:
    """Rank sites that could share a building, with reasons and what-if scenarios.

    Writes candidates.csv and candidates.gpkg (one row per candidate group: host, members,
    owners, every score component and its normalised value, the score and the reasons),
    shared_sites.csv, colocate_report.md, the map and manifest.json; with --close,
    --scenario or --optimise also the scenario and optimisation tables.

    Example: spacemap colocate -o out/colocate
    """
    if close_ids is not None and scenario_path is not None:
        raise InputError("give either --close or --scenario, not both")
    config_file = Path(config_path) if config_path is not None else default_config_path()
    config = with_overrides(read_colocate_config(config_file), distance_m, standard_m)
    scenario = read_scenario(scenario_path) if scenario_path is not None else (
        scenario_from_ids(close_ids) if close_ids is not None else None)
    run = build_colocation(config, estate=estate, segments=segments, catchments=catchments, census=census,
                           variables=variables, boundaries=boundaries, population=population, crs=crs,
                           scenario=scenario, optimise=optimise, seed=seed)
    options = {"config": config_file, "estate": estate, "segments": segments, "catchments": catchments,
               "census": census, "variables": variables, "boundaries": boundaries, "population": population,
               "crs": crs, "distance_m": distance_m, "close": close_ids, "scenario": scenario_path,
               "optimise": optimise, "standard_m": standard_m}
    inputs = [config_file, *run.inputs.inputs] + ([Path(scenario_path)] if scenario_path else [])
    manifest = build_manifest("colocate", options, inputs, seed=seed, extra=_manifest_extra(run))
    with staged_output(output, overwrite) as staging:
        write_colocate_outputs(staging, run, manifest)
    log.info("Wrote %d candidates (%d flagged for equity) and %d shared buildings to %s", len(run.candidates),
             int(run.candidates["equity_flag"].sum()) if len(run.candidates) else 0, len(run.shared), output)


def write_colocate_outputs(staging: Path, run: ColocationRun, manifest: dict) -> None:
    """Every file of a colocate run, into a staging directory."""
    candidates = run.candidates
    write_csv(staging / "candidates.csv", candidates.drop(columns="geometry"))
    shared = gpd.GeoDataFrame(run.shared, geometry=gpd.points_from_xy(run.shared["easting"], run.shared["northing"]),
                              crs="EPSG:27700")
    write_gpkg(staging / "candidates.gpkg", {
        "candidates": _gpkg_ready(candidates), "links": run.links, "shared_sites": shared})
    write_csv(staging / "shared_sites.csv", run.shared)
    write_csv(staging / "segment_need.csv", run.need)
    write_csv(staging / "site_roles.csv", run.roles)
    if run.inputs.estate_rejects is not None:
        write_csv(staging / "estate_rejects.csv", run.inputs.estate_rejects)
    if run.scenario is not None:
        write_csv(staging / "scenario_sites.csv", run.scenario.sites)
        write_csv(staging / "scenario_access.csv", run.scenario.access)
    if run.optimisation is not None:
        write_csv(staging / "optimise_sites.csv", run.optimisation.sites)
        write_csv(staging / "optimise_access.csv", run.optimised.access)
    write_text(staging / "colocate_config.toml", config_toml(run.config))
    write_text(staging / "colocate_report.md", colocate_report(run))
    _write_maps(staging, run)
    write_json(staging / "manifest.json", manifest)


def _gpkg_ready(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Nullable yes/no columns as text (GeoPackage has no nullable boolean)."""
    frame = frame.copy()
    frame["host_has_room"] = frame["host_has_room"].map({True: "yes", False: "no"}).astype(object)
    return frame


def _write_maps(staging: Path, run: ColocationRun) -> None:
    """maps/: the co-location candidates, the estate and the segments, and an index page."""
    area = run.inputs.area
    if area.boundaries is None:
        return
    pages = build_atlas(MapInputs(
        boundaries=area.boundaries, area_name=run.inputs.sources.get("area", "the area"),
        oa_segments=area.segments_table(), profiles=run.inputs.profiles, sites=run.inputs.estate,
        candidates=run.candidates, links=run.links))
    write_pages(staging / "maps", pages)


def _manifest_extra(run: ColocationRun) -> dict:
    c = run.candidates
    extra = {
        "sources": run.inputs.sources, "catchments": run.catchment_sources, "settings": settings_dict(run.config),
        "sites": {"estate": len(run.inputs.estate), "in_model": len(run.sites), "groupable": int(run.sites.eligible.sum())},
        "pairs": {"within_cutoff": run.found.pairs_within, "could_share": run.found.pairs_shareable},
        "candidates": len(c), "equity_flagged": int(c["equity_flag"].sum()) if len(c) else 0,
        "shared_sites": len(run.shared), "site_roles": role_counts(run.roles),
        "estate_rows": run.inputs.estate_rows,
        "priority_segments": run.need.loc[run.need["priority"], "segment_code"].tolist(),
    }
    if run.scenario is not None:
        extra["scenario"] = {"name": run.scenario.scenario.name, "close": run.scenario.scenario.close,
                             "moves": run.scenario.scenario.moves, **run.scenario.totals}
    if run.optimisation is not None:
        extra["optimisation"] = {"standard_m": run.optimisation.standard_m, "closed": run.optimisation.closed,
                                 "cost_basis": run.optimisation.cost_basis, "variables": run.optimisation.variables,
                                 "constraints": run.optimisation.constraints, **run.optimised.totals}
    return extra
