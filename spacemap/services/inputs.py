"""The service stage's inputs from other stages: the area (OAs and residents), sites, segments.

Each comes from what the user gave, else from the embedded default area (Trafford):
- area: the census stage's boundaries and usual residents (``build_census_variables``);
- sites: the estate stage (``build_estate``) when the embedded estate config is present,
  else the area's published service points (GP practices, pharmacies, libraries,
  Jobcentres, schools), one site per point — the report says which;
- segments: the segment stage (``default_oa_segments``) when it is installed, else the
  official ONS 2021 Output Area Classification of the area — the report says which.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from spacemap.errors import InputError
from spacemap.io.boundaries import read_boundaries
from spacemap.io.embedded import assets_dir, census_dir, default_boundaries, describe_path
from spacemap.io.service_records import (
    EMBEDDED_SITE_LAYERS, check_sites, read_estate_sites, read_oac_labels, read_population, read_segments, read_service_points,
)

log = logging.getLogger(__name__)


@dataclass
class Area:
    """The OAs served: boundaries (EPSG:27700) and residents, in the same order."""

    boundaries: gpd.GeoDataFrame
    population: pd.Series  # index oa_code, in boundaries order
    source: str
    is_default: bool
    inputs: list[Path] = field(default_factory=list)

    @property
    def oa_codes(self) -> pd.Index:
        return pd.Index(self.boundaries["oa_code"], name="oa_code")


@dataclass
class Loaded:
    """A value from another stage, where it came from, and the files it was read from."""

    value: object
    source: str
    inputs: list[Path] = field(default_factory=list)


def load_area(boundaries: gpd.GeoDataFrame | str | Path | None, population: pd.Series | str | Path | None) -> Area:
    """Boundaries and residents; the embedded area when neither is given."""
    inputs: list[Path] = []
    if boundaries is None and population is None:
        from spacemap.census.pipeline import build_census_variables

        run = build_census_variables()
        return _aligned(run.boundaries, run.population, "census usual residents (embedded Trafford)", True,
                        list(run.inputs))
    if boundaries is None:
        boundaries = default_boundaries()
    if isinstance(boundaries, (str, Path)):
        inputs.append(Path(boundaries))
        boundaries = read_boundaries(Path(boundaries))
    if population is None:
        raise InputError("--boundaries was given without --population; give a CSV of residents per OA "
                         "(oa_code, population)")
    source = "population table"
    if isinstance(population, (str, Path)):
        inputs.append(Path(population))
        source = f"population table {describe_path(population)}"
        population = read_population(population)
    return _aligned(boundaries, population, source, False, inputs)


def _aligned(boundaries: gpd.GeoDataFrame, population: pd.Series, source: str, is_default: bool,
             inputs: list[Path]) -> Area:
    boundaries = boundaries[["oa_code", "geometry"]].sort_values("oa_code", kind="stable").reset_index(drop=True)
    codes = pd.Index(boundaries["oa_code"])
    extra = population.index.difference(codes)
    if len(extra):
        raise InputError(f"{source}: {len(extra)} OA code(s) are not in the boundaries (e.g. {', '.join(extra[:3])}); "
                         "use the population of the same OAs as the boundaries")
    missing = codes.difference(population.index)
    if len(missing):
        raise InputError(f"{source}: no population for {len(missing)} OA(s) of the boundaries (e.g. "
                         f"{', '.join(missing[:3])}); add them to the population table")
    population = population.reindex(codes).astype(float).rename("population")
    population.index.name = "oa_code"
    return Area(boundaries, population, source, is_default, inputs)


def load_sites(sites: gpd.GeoDataFrame | str | Path | None) -> Loaded:
    """Sites as a GeoDataFrame (site_id, name, owner, services, capacity; points in EPSG:27700)."""
    if isinstance(sites, gpd.GeoDataFrame):
        return Loaded(check_sites(sites, "sites"), "sites given")
    if sites is not None:
        return Loaded(read_estate_sites(sites), f"estate {describe_path(sites)} (layer sites)", [Path(sites)])
    from spacemap.estate.pipeline import build_estate, default_config_path

    if default_config_path().exists():
        run = build_estate()
        return Loaded(check_sites(run.sites, "the embedded estate"), "the embedded estate (spacemap estate)",
                      list(run.inputs))
    log.warning("The embedded estate config is not available; using the area's published service points "
                "(one site per point)")
    directory = assets_dir()
    return Loaded(read_service_points(directory), "the area's published service points (one site per point)",
                  [directory / layer[0] for layer in EMBEDDED_SITE_LAYERS])


def load_segments(segments: pd.DataFrame | str | Path | None, area: Area, seed: int) -> Loaded:
    """The OA → segment table; the embedded area's segmentation when none is given (else no segments)."""
    if isinstance(segments, pd.DataFrame):
        return Loaded(segments, "segments given")
    if segments is not None:
        return Loaded(read_segments(segments), f"segments table {describe_path(segments)}", [Path(segments)])
    if not area.is_default:
        log.warning("No --segments given for this area: no per-segment tables or segment rasters")
        return Loaded(None, "none")
    try:
        from spacemap.segment.pipeline import default_oa_segments
    except ImportError:
        path = census_dir() / "oac2021_trafford.csv"
        log.warning("The segment model is not installed; using the official ONS 2021 Output Area Classification")
        return Loaded(read_oac_labels(path), "the official ONS 2021 Output Area Classification (embedded)", [path])
    return Loaded(default_oa_segments(seed), f"the embedded segmentation (spacemap segment, seed {seed})")
