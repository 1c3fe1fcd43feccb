"""``spacemap estate``: merge the partners' estate registers into one validated estate."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from spacemap.cli.options import input_path, output_option, overwrite_option
from spacemap.estate.pipeline import build_estate, default_config_path
from spacemap.estate.report import estate_report
from spacemap.io.manifest import build_manifest
from spacemap.io.output import staged_output, write_csv, write_gpkg, write_json, write_text

log = logging.getLogger(__name__)


@click.command()
@output_option
@overwrite_option
@click.option("--config", "config", type=input_path(dir_okay=False), default=None,
              help="Estate config (TOML): the registers, their column maps, the area and merge settings. "
                   "Default: the embedded Trafford estate.")
def estate(output: Path, overwrite: bool, config: Path | None) -> None:
    """Merge the partners' estate registers into one validated estate.

    Writes estate.gpkg (layers sites and occupancies, EPSG:27700), estate_sites.csv,
    estate_rejects.csv (every row not kept, with the reason), estate_report.md and
    manifest.json.

    Example: spacemap estate -o out/estate
    """
    run = build_estate(config)
    sites, occupancies = run.sites, run.occupancies
    manifest = build_manifest(
        "estate", {"config": config if config is not None else default_config_path()}, run.inputs,
        extra={"sites": len(sites), "shared_sites": int(sites["shared"].sum()), "rows_in": run.rows_in,
               "rows_out": len(occupancies), "rejected": len(run.rejects),
               "registers": {c.name: {"rows_in": c.rows_in, "rows_out": c.rows_out, "rejected": c.rejected}
                             for c in run.counts}},
    )
    with staged_output(output, overwrite) as staging:
        write_gpkg(staging / "estate.gpkg", {
            "sites": sites.drop(columns=["easting", "northing"]),
            "occupancies": occupancies.drop(columns=["easting", "northing"]),
        })
        write_csv(staging / "estate_sites.csv", sites.drop(columns="geometry"))
        write_csv(staging / "estate_rejects.csv", run.rejects)
        write_text(staging / "estate_report.md", estate_report(run))
        write_json(staging / "manifest.json", manifest)
    log.info("Wrote %d sites (%d shared) and %d rejected rows to %s", len(sites), int(sites["shared"].sum()),
             len(run.rejects), output)
