"""``spacemap refresh``: carry a segmentation from one census to the next."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from spacemap.census.spec import load_spec
from spacemap.cli.options import input_path, output_option, overwrite_option, seed_option
from spacemap.cli.segment import write_model
from spacemap.errors import InputError
from spacemap.io.boundaries import read_boundaries
from spacemap.io.charts import save_png
from spacemap.io.manifest import build_manifest
from spacemap.io.output import staged_output, write_csv, write_json, write_text
from spacemap.io.tables import read_segments_lookup
from spacemap.segment import charts
from spacemap.segment.assign import load_model
from spacemap.segment.pipeline import load_inputs
from spacemap.segment.refresh import MODES, refresh_segments
from spacemap.segment.report import refresh_report

log = logging.getLogger(__name__)


@click.command()
@output_option
@overwrite_option
@seed_option
@click.option("--model", "model_dir", type=input_path(), required=True, help="The old model/ folder (never modified).")
@click.option("--mode", type=click.Choice(MODES), default="assign", show_default=True,
              help="assign: score the new census against the frozen old model; rebuild: refit and match segments.")
@click.option("--old-segments", type=input_path(), default=None,
              help="The old run's oa_segments.csv (default: the one beside the model folder).")
@click.option("--census", "census_path", type=input_path(), default=None,
              help="Folder of the new census's Nomis bulk CSVs (default: the embedded Trafford 2021 tables).")
@click.option("--variables", type=input_path(), default=None, help="A variables CSV of the new census instead.")
@click.option("--spec", default="oac2021", show_default=True, help="Variable spec of the new census.")
@click.option("--boundaries", type=input_path(), default=None, help="New-census OA boundaries.")
@click.option("--old-boundaries", type=input_path(), default=None,
              help="Old-census OA boundaries, to relate split and merged OAs by area overlay.")
@click.option("--population", type=input_path(), default=None, help="CSV of new-census residents per OA.")
@click.option("--allow-missing", is_flag=True, help="Drop spec variables the new census tables lack.")
@click.option("--map", "maps", multiple=True, metavar="OLD=NEW", help="Link a model variable to a new variable.")
@click.option("--drop", default="", help="Comma-separated variable codes to drop (model or new census).")
@click.option("--drop-unmatched", is_flag=True, help="Drop every variable without a counterpart (recorded).")
@click.option("--crs", default=None, help="CRS of the boundaries when the files declare none.")
@click.option("--starts", type=click.IntRange(min=1), default=100, show_default=True,
              help="With --mode rebuild: k-means starts per split.")
def refresh(output: Path, overwrite: bool, seed: int, model_dir, mode, old_segments, census_path, variables, spec,
            boundaries, old_boundaries, population, allow_missing, maps, drop, drop_unmatched, crs, starts) -> None:
    """Carry a segmentation to a new census: who moved, which segments held.

    Example: spacemap refresh --model out/segments2011/model --census census2021 -o out/refresh
    """
    saved = load_model(model_dir)
    old_lookup_path = Path(old_segments) if old_segments else Path(model_dir).resolve().parent / "oa_segments.csv"
    old_lookup = read_segments_lookup(old_lookup_path)
    inputs = load_inputs(variables=variables, census=census_path, boundaries=boundaries, spec=spec,
                         population=population, allow_missing=allow_missing, crs=crs)
    old_bounds = read_boundaries(Path(old_boundaries), crs) if old_boundaries else None
    model_spec = load_spec(saved.spec_path) if saved.spec_path is not None else None
    run = refresh_segments(saved, model_spec, inputs, old_lookup, mode=mode, mapping=_mapping(maps),
                           drop={c.strip() for c in drop.split(",") if c.strip()}, drop_unmatched=drop_unmatched,
                           old_boundaries=old_bounds, starts=starts, seed=seed)
    options = {"model": model_dir, "mode": mode, "old_segments": old_lookup_path, "census": census_path,
               "variables": variables, "spec": spec, "boundaries": boundaries, "old_boundaries": old_boundaries,
               "population": population, "allow_missing": allow_missing, "map": list(maps), "drop": drop,
               "drop_unmatched": drop_unmatched, "crs": crs, "starts": starts}
    inputs_used = inputs.inputs + saved.files + [old_lookup_path] + ([Path(old_boundaries)] if old_boundaries else [])
    manifest = build_manifest("refresh", options, inputs_used, seed=seed, extra={
        "lineage": {"old_model": str(model_dir), "old_model_integrity": saved.document.get("integrity"),
                    "mode": mode, "old_model_modified": False},
        "variables": run.links.as_manifest(), "dropped_new_census_variables": inputs.dropped})
    old_names = {c: n for codes, names in zip(saved.model.codes_, saved.names) for c, n in zip(codes, names)}
    new_names = {c: n for codes, names in zip(run.model.codes_, run.names) for c, n in zip(codes, names)}
    with staged_output(output, overwrite) as staging:
        write_csv(staging / "transitions.csv", run.transitions)
        write_csv(staging / "stability.csv", run.stability)
        write_csv(staging / "oa_changes.csv", run.changes)
        write_csv(staging / "oa_segments.csv", run.new_lookup)
        write_csv(staging / "matches.csv", run.matches)
        write_text(staging / "refresh_report.md", refresh_report(run, str(model_dir)))
        write_json(staging / "manifest.json", manifest)
        save_png(charts.flows(run.transitions, 1, old_names, new_names), staging / "refresh_flows.png")
        write_model(staging / "model", run.model, run.names, inputs.labels,
                    inputs.spec.name if inputs.spec else None, inputs.dropped, inputs.spec_path, manifest)
    overall = run.stability[run.stability["old_code"] == "all"]
    log.info("Stability: %s", ", ".join(f"tier {r.tier} {r.stability:.1%}" for r in overall.itertuples()))


def _mapping(values) -> dict[str, str]:
    mapping = {}
    for value in values:
        old, sep, new = value.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise InputError(f"--map '{value}' must look like OLD=NEW, e.g. --map v12=v12")
        mapping[old.strip()] = new.strip()
    return mapping
