"""``spacemap census``: build the variables table of an area from its census tables."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from spacemap.census.pipeline import build_census_variables
from spacemap.census.rates import ZERO_DENOMINATOR_POLICIES
from spacemap.census.report import census_report
from spacemap.cli.options import input_path, output_option, overwrite_option
from spacemap.io.manifest import build_manifest
from spacemap.io.output import staged_output, write_csv, write_json, write_text

log = logging.getLogger(__name__)


@click.command()
@output_option
@overwrite_option
@click.option("--census", "census_path", type=input_path(), default=None,
              help="Folder of Nomis bulk CSVs (census2021-ts001-oa.csv …), or one wide CSV for a wide_table spec. "
                   "Default: the embedded Trafford tables.")
@click.option("--boundaries", type=input_path(), default=None,
              help="OA boundaries (GeoJSON, GPKG, SHP; any CRS, reprojected to EPSG:27700).")
@click.option("--spec", default="oac2021", show_default=True,
              help="Variable spec: a built-in name (oac2021, oac2011) or a .toml/.csv file.")
@click.option("--allow-missing", is_flag=True,
              help="Drop variables whose cells the input lacks (warned, and recorded in the manifest).")
@click.option("--zero-denominators", type=click.Choice(ZERO_DENOMINATOR_POLICIES), default="error", show_default=True,
              help="What to do when a rate's denominator is 0: stop with an error, or set the rate to 0.")
@click.option("--allow-unmatched", is_flag=True,
              help="Go on when some OA codes are in the tables but not the boundaries (or the reverse).")
@click.option("--crs", default=None, help="CRS of the boundaries when the file declares none or a wrong one, e.g. EPSG:27700.")
@click.option("--boundary-code-column", default=None, help="Column of the boundaries holding the OA code.")
def census(output: Path, overwrite: bool, census_path, boundaries, spec, allow_missing, zero_denominators,
           allow_unmatched, crs, boundary_code_column) -> None:
    """Build the census variables table (one row per OA) of an area.

    Example: spacemap census -o out/census
    """
    run = build_census_variables(
        census=census_path, boundaries=boundaries, spec=spec, allow_missing=allow_missing,
        zero_denominators=zero_denominators, allow_unmatched=allow_unmatched, crs=crs,
        boundary_code_column=boundary_code_column,
    )
    options = {
        "census": census_path, "boundaries": boundaries, "spec": spec, "allow_missing": allow_missing,
        "zero_denominators": zero_denominators, "allow_unmatched": allow_unmatched, "crs": crs,
        "boundary_code_column": boundary_code_column,
    }
    manifest = build_manifest(
        "census", options, run.inputs,
        extra={"spec": run.spec.name, "variables": run.spec.codes, "dropped_variables": run.dropped,
               "reference_rates": run.rates.reference_rates},
    )
    with staged_output(output, overwrite) as staging:
        write_csv(staging / "variables.csv", run.variables)
        write_text(staging / "census_report.md", census_report(run))
        write_json(staging / "manifest.json", manifest)
    log.info("Wrote %d OAs × %d variables to %s", len(run.variables), len(run.spec.variables), output)
