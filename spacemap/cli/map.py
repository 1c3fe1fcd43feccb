"""``spacemap map``: self-contained interactive HTML maps of every theme, and an index page."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from spacemap.cli.options import input_path, output_option, overwrite_option, seed_option
from spacemap.errors import InputError
from spacemap.io.boundaries import read_boundaries
from spacemap.io.manifest import build_manifest
from spacemap.io.output import staged_output, write_json, write_pages
from spacemap.io.run_folders import read_run_folders
from spacemap.maps.atlas import MapInputs, build_atlas
from spacemap.maps.budget import DEFAULT_MAX_MB
from spacemap.maps.geometry import DEFAULT_SIMPLIFY_M

log = logging.getLogger(__name__)

max_mb_option = click.option("--max-mb", type=float, default=DEFAULT_MAX_MB, show_default=True,
                             help="Largest page in MB; a bigger map is split into parts with an overview page.")
simplify_option = click.option("--simplify-m", type=click.FloatRange(min=0), default=DEFAULT_SIMPLIFY_M,
                               show_default=True, help="Simplification tolerance in metres (shared edges kept).")


@click.command(name="map")
@output_option
@overwrite_option
@seed_option
@click.option("--segments", type=input_path(), default=None,
              help="A spacemap segment output folder (oa_segments.gpkg, profiles.csv).")
@click.option("--estate", type=input_path(), default=None, help="A spacemap estate output folder or its estate.gpkg.")
@click.option("--services", type=input_path(file_okay=False), default=None,
              help="A spacemap services output folder (service_use_oa.csv, access_oa.csv, catchments_oa.csv).")
@click.option("--colocate", type=input_path(file_okay=False), default=None,
              help="A spacemap colocate output folder (candidates.gpkg).")
@click.option("--boundaries", type=input_path(), default=None,
              help="OA boundaries (GeoJSON, GPKG, SHP) when --segments is not given.")
@click.option("--crs", default=None, help="CRS of the boundaries when the file declares none, e.g. EPSG:27700.")
@click.option("--area-name", default=None, help="Name of the area in the page titles.")
@max_mb_option
@simplify_option
def map_command(output: Path, overwrite: bool, seed: int, segments, estate, services, colocate, boundaries, crs,
                area_name, max_mb, simplify_m) -> None:
    """Draw the segments, estate, service use, access and co-location maps.

    With no run folders it runs what it needs on the embedded default area; given run
    folders, it draws just those themes. Writes one self-contained page per theme
    (maps/*.html, split when over --max-mb) and index.html.

    Example: spacemap map -o out/maps
    """
    if check_folders_given([segments, estate, services, colocate], boundaries):
        inputs, files = map_inputs(segments, estate, services, colocate, boundaries, crs, area_name)
    else:
        from spacemap.maps.default_run import default_map_inputs

        inputs, files = default_map_inputs(seed)
        inputs.area_name = area_name or inputs.area_name
    pages = build_atlas(inputs, max_mb=max_mb, simplify_m=simplify_m)
    options = {"segments": segments, "estate": estate, "services": services, "colocate": colocate,
               "boundaries": boundaries, "crs": crs, "area_name": area_name, "max_mb": max_mb,
               "simplify_m": simplify_m}
    manifest = build_manifest("map", options, files, seed=seed, extra={
        "pages": {name: len(html.encode("utf-8")) for name, html in sorted(pages.items())}})
    with staged_output(output, overwrite) as staging:
        write_pages(staging, pages)
        write_json(staging / "manifest.json", manifest)
    log.info("Wrote %d map pages to %s (open %s)", len(pages) - 1, output, output / "index.html")


def map_inputs(segments, estate, services, colocate, boundaries, crs, area_name) -> tuple[MapInputs, list[Path]]:
    """What to draw: the run folders given on the boundaries (theirs, --boundaries or the embedded area's)."""
    found = read_run_folders(segments, estate, services, colocate)
    files = list(found.files)
    bounds = found.segment_boundaries
    if boundaries is not None:
        bounds = read_boundaries(Path(boundaries), crs=crs)
        files.append(Path(boundaries))
    if bounds is None:
        from spacemap.io.embedded import default_boundaries

        bounds = read_boundaries(default_boundaries())
    return MapInputs(boundaries=bounds, area_name=area_name or "the area", oa_segments=found.oa_segments,
                     profiles=found.profiles, sites=found.sites, service_use=found.service_use,
                     access=found.access, catchments=found.catchments, candidates=found.candidates,
                     links=found.links), files


def check_folders_given(folders: list, boundaries) -> bool:
    """Whether run folders were given; --boundaries alone is an error (nothing to draw on them)."""
    given = any(path is not None for path in folders)
    if boundaries is not None and not given:
        raise InputError("--boundaries draws run folders on other boundaries; give --segments, --estate, --services "
                         "or --colocate with it (with no options spacemap runs the embedded default)")
    return given
