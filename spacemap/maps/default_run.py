"""Run the stages the maps need in-process, for the embedded default area."""

from __future__ import annotations

import logging

import pandas as pd

from spacemap.maps.atlas import MapInputs

log = logging.getLogger(__name__)


def default_map_inputs(seed: int = 42) -> tuple[MapInputs, list]:
    """Segments, estate, service use and co-location of the embedded default, and the input files read.

    Each stage runs once; co-location gets the same inputs ``spacemap colocate`` builds
    with no options, so its candidates are the same.
    """
    from spacemap.colocate.area import build_area
    from spacemap.colocate.pipeline import ColocateInputs, colocate, default_config_path
    from spacemap.estate.pipeline import build_estate
    from spacemap.io.colocate_files import read_colocate_config
    from spacemap.segment.pipeline import load_inputs, segment_area
    from spacemap.services.pipeline import ServiceSettings, build_service_use

    log.info("[1/4] Segments")
    inputs = load_inputs()
    segments = segment_area(inputs, seed=seed)
    log.info("[2/4] Estate")
    estate = build_estate()
    log.info("[3/4] Service use")
    services = build_service_use(sites=estate.sites, segments=segments.oa_segments, settings=ServiceSettings(seed=seed))
    catchments = (pd.concat([c.oas for c in services.catchments], ignore_index=True)
                  if services.catchments else None)
    log.info("[4/4] Co-location (as spacemap colocate with no options)")
    area = build_area(inputs.boundaries, inputs.population, segments.oa_segments, inputs.variables)
    used = None if catchments is None else catchments.rename(columns={"main_site_id": "site_id"})[
        ["oa_code", "service", "site_id"]].dropna().astype(str)
    colocation = colocate(ColocateInputs(estate.sites, area, segments.profiles, used),
                          read_colocate_config(default_config_path()))
    map_inputs = MapInputs(
        boundaries=inputs.boundaries, area_name=inputs.area_name, oa_segments=segments.oa_segments,
        profiles=segments.profiles, portrait_lines=segments.portrait_lines, labels=inputs.labels,
        sites=estate.sites, service_use=services.tables.oa, access=services.access, catchments=catchments,
        candidates=colocation.candidates, links=colocation.links)
    files = [*inputs.inputs, *estate.inputs, *services.inputs, default_config_path()]
    return map_inputs, files
