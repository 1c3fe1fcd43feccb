"""``spacemap locality``: one self-contained page per locality (ward or the user's polygons)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from spacemap.cli.map import check_folders_given, map_inputs, simplify_option
from spacemap.cli.options import input_path, output_option, overwrite_option, seed_option
from spacemap.io.boundaries import read_polygons
from spacemap.io.manifest import build_manifest
from spacemap.io.output import staged_output, write_json, write_pages
from spacemap.io.tables import read_postcode_wards
from spacemap.maps.layers import build_area
from spacemap.maps.locality import locality_packs, localities_from_polygons, wards_from_postcodes

log = logging.getLogger(__name__)


@click.command()
@output_option
@overwrite_option
@seed_option
@click.option("--localities", type=input_path(dir_okay=False), default=None,
              help="Locality polygons (GeoJSON, GPKG, SHP) with a name column. Default: the embedded area's wards.")
@click.option("--name-column", default="name", show_default=True, help="Column of --localities holding the names.")
@click.option("--segments", type=input_path(), default=None, help="A spacemap segment output folder.")
@click.option("--estate", type=input_path(), default=None, help="A spacemap estate output folder or its estate.gpkg.")
@click.option("--services", type=input_path(file_okay=False), default=None, help="A spacemap services output folder.")
@click.option("--colocate", type=input_path(file_okay=False), default=None, help="A spacemap colocate output folder.")
@click.option("--boundaries", type=input_path(), default=None, help="OA boundaries when --segments is not given.")
@click.option("--area-name", default=None, help="Name of the area in the page titles.")
@simplify_option
def locality(output: Path, overwrite: bool, seed: int, localities, name_column, segments, estate, services, colocate,
             boundaries, area_name, simplify_m) -> None:
    """Write a locality pack per ward (or your localities) and an index page.

    Each pack shows the locality's segment mix, assets and their figures, service use,
    the co-location candidates touching it and its map. The embedded default's wards
    come from the postcode lookup (each OA goes to the ward of most of its postcodes).

    Example: spacemap locality -o out/localities
    """
    given = check_folders_given([segments, estate, services, colocate], boundaries)
    if given:
        inputs, files = map_inputs(segments, estate, services, colocate, boundaries, None, area_name)
    else:
        from spacemap.maps.default_run import default_map_inputs

        inputs, files = default_map_inputs(seed)
        inputs.area_name = area_name or inputs.area_name
    if localities is not None:
        polygons = read_polygons(Path(localities), "localities")
        assigned = localities_from_polygons(inputs.boundaries, polygons, name_column)
        files.append(Path(localities))
        source = f"polygons {localities} ({name_column})"
    else:
        from spacemap.io.embedded import assets_dir

        lookup = assets_dir() / "trafford_postcodes.csv"
        postcodes = read_postcode_wards(lookup)
        assigned = wards_from_postcodes(inputs.boundaries, postcodes)
        files.append(lookup)
        source = "wards of the embedded postcode lookup (majority of each OA's postcodes)"
    area = build_area(inputs.boundaries, simplify_m)
    pages = locality_packs(inputs, area, assigned)
    manifest = build_manifest("locality", {"localities": localities, "name_column": name_column,
                                           "segments": segments, "estate": estate, "services": services,
                                           "colocate": colocate, "boundaries": boundaries, "simplify_m": simplify_m},
                              files, seed=seed, extra={"localities": source, "pages": len(pages) - 1})
    with staged_output(output, overwrite) as staging:
        write_pages(staging, pages)
        write_json(staging / "manifest.json", manifest)
    log.info("Wrote %d locality packs to %s", len(pages) - 1, output)

