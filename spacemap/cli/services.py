"""``spacemap services``: service use per OA and segment, take-up, catchments, access and rasters."""

from __future__ import annotations

import logging
from pathlib import Path

import click
import pandas as pd

from spacemap.cli.options import input_path, output_option, overwrite_option, seed_option
from spacemap.io.manifest import build_manifest
from spacemap.io.output import staged_output, write_csv, write_json, write_pages, write_text
from spacemap.io.rasters import write_geotiff
from spacemap.maps.atlas import services_maps
from spacemap.services.catchment import DECAYS
from spacemap.services.disclosure import SUPPRESS_FROM, SUPPRESS_TO
from spacemap.services.pipeline import ServiceSettings, build_service_use, settings_dict
from spacemap.services.report import services_report

log = logging.getLogger(__name__)


@click.command()
@output_option
@overwrite_option
@click.option("--records", type=input_path(), default=None,
              help="Service-use records (CSV/XLSX): a service or site_id, the user's oa_code, postcode or lsoa_code, "
                   "and optionally count and record_type columns.")
@click.option("--record-type", default="records", show_default=True,
              help="Record type for records without a record_type column (e.g. visits, complaints).")
@click.option("--site-totals", type=input_path(), default=None,
              help="Users per site (CSV/XLSX: site_id or postcode/name, total); spread over OAs by the catchment "
                   "model. Default (with no --records): the embedded Trafford GP registrations.")
@click.option("--site-totals-service", default="gp", show_default=True,
              help="Service type of the site totals when the file has no service column.")
@click.option("--site-totals-record-type", default="registrations", show_default=True,
              help="Record type of the modelled users.")
@click.option("--estate", type=input_path(), default=None,
              help="estate.gpkg from spacemap estate (layer sites). Default: the embedded estate.")
@click.option("--segments", type=input_path(), default=None,
              help="oa_segments.csv from spacemap segment. Default: the embedded area's segments.")
@click.option("--population", type=input_path(), default=None, help="Residents per OA (CSV: oa_code, population).")
@click.option("--boundaries", type=input_path(), default=None,
              help="OA boundaries (GeoJSON, GPKG, SHP) when the area is not the embedded one; needs --population.")
@click.option("--population-raster", type=input_path(), default=None,
              help="Population GeoTIFF (people per cell, any CRS): weights OA points and catchment demand.")
@click.option("--postcodes", type=input_path(), default=None,
              help="Postcode lookup (postcode with lon/lat or easting/northing, and lsoa_code). Default: embedded.")
@click.option("--lsoa-lookup", type=input_path(), default=None,
              help="OA → LSOA lookup (oa21cd, lsoa21cd). Default: the embedded statistical lookup.")
@click.option("--travel-times", type=input_path(), default=None,
              help="Travel times (CSV: oa_code, site_id, minutes) used instead of straight-line distance.")
@click.option("--cutoff-m", type=float, default=5000.0, show_default=True,
              help="Catchment cut-off in metres of estimated route (straight line × detour factor).")
@click.option("--cutoff-minutes", type=float, default=15.0, show_default=True,
              help="Catchment cut-off in minutes when --travel-times is given.")
@click.option("--detour-factor", type=float, default=1.3, show_default=True,
              help="Route length ÷ straight-line distance.")
@click.option("--decay", type=click.Choice(DECAYS), default="exponential", show_default=True,
              help="Distance decay of the catchment model.")
@click.option("--beta", type=float, default=None,
              help="Decay parameter (default 0.5 per km or 0.1 per minute for exponential decay, 2 for power).")
@click.option("--confidence", type=float, default=0.95, show_default=True,
              help="Confidence level of the Poisson intervals behind the flags.")
@click.option("--cell-size-m", type=float, default=100.0, show_default=True, help="Raster cell size in metres.")
@seed_option
def services(output: Path, overwrite: bool, records, record_type, site_totals, site_totals_service,
             site_totals_record_type, estate, segments, population, boundaries, population_raster, postcodes,
             lsoa_lookup, travel_times, cutoff_m, cutoff_minutes, detour_factor, decay, beta, confidence,
             cell_size_m, seed) -> None:
    """Measure service use and access per OA and segment, with disclosure control.

    Example: spacemap services -o out/services
    """
    settings = ServiceSettings(
        cutoff_m=cutoff_m, detour_factor=detour_factor, cutoff_minutes=cutoff_minutes, decay=decay, beta=beta,
        confidence=confidence, cell_size_m=cell_size_m, record_type=record_type,
        site_totals_service=site_totals_service, site_totals_record_type=site_totals_record_type, seed=seed,
    )
    run = build_service_use(
        records=records, site_totals=site_totals, sites=estate, segments=segments, population=population,
        boundaries=boundaries, population_raster=population_raster, travel_times=travel_times,
        postcodes=postcodes, lsoa_lookup=lsoa_lookup, settings=settings,
    )
    options = {"records": records, "site_totals": site_totals, "estate": estate, "segments": segments,
               "population": population, "boundaries": boundaries, "population_raster": population_raster,
               "postcodes": postcodes, "lsoa_lookup": lsoa_lookup, "travel_times": travel_times,
               **settings_dict(settings)}
    manifest = build_manifest("services", options, run.inputs, seed=seed, extra=_manifest_extra(run))
    with staged_output(output, overwrite) as staging:
        write_csv(staging / "service_use_oa.csv", run.tables.oa)
        if run.tables.segments is not None:
            write_csv(staging / "service_use_segments.csv", run.tables.segments)
        write_csv(staging / "access_oa.csv", run.access)
        if run.catchments:
            write_csv(staging / "catchment_sites.csv", _concat([c.sites for c in run.catchments]))
            write_csv(staging / "catchments_oa.csv", _concat([c.oas for c in run.catchments]))
        for layer in run.rasters:
            write_geotiff(staging / "rasters" / f"{layer.name}.tif", layer.values, layer.grid.transform, layer.nodata)
        if run.segment_values is not None:
            write_csv(staging / "rasters" / "segments_values.csv", run.segment_values)
        if run.records is not None and len(run.records.rejects):
            write_csv(staging / "services_rejects.csv", run.records.rejects)
        write_text(staging / "services_report.md", services_report(run))
        write_pages(staging / "maps", services_maps(run))
        write_json(staging / "manifest.json", manifest)
    log.info("Wrote service use for %d OAs (%d OA cells withheld) to %s", len(run.access),
             run.tables.suppressed_oa, output)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)


def _manifest_extra(run) -> dict:
    extra = {
        "sources": run.sources,
        "disclosure": {"suppress_counts_from": SUPPRESS_FROM, "suppress_counts_to": SUPPRESS_TO,
                       "secondary": "next smallest cell within each published total",
                       "suppressed_oa_cells": run.tables.suppressed_oa,
                       "suppressed_segment_cells": run.tables.suppressed_segments},
        "access": {"supply": run.supplies, "sites_per_service": run.counts_by_service},
        "catchment_models": [c.result.parameters for c in run.catchments],
    }
    if run.records is not None:
        extra["records"] = {"rows_in": run.records.rows_in, "rows_used": run.records.rows_used,
                            "rows_rejected": len(run.records.rejects), "placed_by": run.records.placed_by}
    return extra
