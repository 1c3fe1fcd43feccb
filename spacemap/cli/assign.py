"""``spacemap assign``: label Output Areas with a saved segment model, without refitting."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from spacemap.census.rates import ZERO_DENOMINATOR_POLICIES
from spacemap.cli.options import input_path, output_option, overwrite_option
from spacemap.io.manifest import build_manifest
from spacemap.io.output import staged_output, write_csv, write_gpkg, write_json
from spacemap.segment.assign import assign_area, load_model

log = logging.getLogger(__name__)


@click.command()
@output_option
@overwrite_option
@click.option("--model", "model_dir", type=input_path(), required=True,
              help="The model/ folder written by spacemap segment.")
@click.option("--variables", type=input_path(), default=None,
              help="A variables CSV of the OAs to label (oa_code + the model's variables).")
@click.option("--census", "census_path", type=input_path(), default=None,
              help="Folder of Nomis bulk CSVs, turned into variables with the model's own spec. "
                   "Default (no --variables): the embedded Trafford tables.")
@click.option("--boundaries", type=input_path(), default=None, help="OA boundaries, to also write oa_segments.gpkg.")
@click.option("--crs", default=None, help="CRS of the boundaries when the file declares none.")
@click.option("--zero-denominators", type=click.Choice(ZERO_DENOMINATOR_POLICIES), default="error", show_default=True,
              help="What to do when a rate's denominator is 0.")
def assign(output: Path, overwrite: bool, model_dir, variables, census_path, boundaries, crs, zero_denominators) -> None:
    """Label Output Areas with a saved segment model.

    Example: spacemap assign --model out/segments/model --census my_tables -o out/assigned
    """
    saved = load_model(model_dir)
    run = assign_area(saved, variables=variables, census=census_path, boundaries=boundaries, crs=crs,
                      zero_denominators=zero_denominators)
    options = {"model": model_dir, "variables": variables, "census": census_path, "boundaries": boundaries,
               "crs": crs, "zero_denominators": zero_denominators}
    manifest = build_manifest("assign", options, run.inputs.inputs + saved.files,
                              extra={"model_integrity": saved.document.get("integrity")})
    with staged_output(output, overwrite) as staging:
        write_csv(staging / "oa_segments.csv", run.oa_segments)
        write_csv(staging / "segment_counts.csv", run.counts)
        if run.inputs.boundaries is not None:
            layer = run.inputs.boundaries.merge(run.oa_segments, on="oa_code", how="inner")
            write_gpkg(staging / "oa_segments.gpkg", {"oa_segments": layer})
        write_json(staging / "manifest.json", manifest)
    log.info("Wrote the segments of %d OAs to %s", len(run.oa_segments), output)
