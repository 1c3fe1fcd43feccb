"""The service stage in one call: records or site totals → take-up, access and rasters.

With neither records nor site totals, the embedded default runs: Trafford's GP
registrations per practice are spread over the OAs by the calibrated catchment model.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine

from spacemap.errors import ConfigError, InputError
from spacemap.io.embedded import assets_dir, census_dir, describe_path
from spacemap.io.rasters import Raster, read_population_raster
from spacemap.io.service_records import (
    Table, read_lsoa_lookup, read_postcode_lookup, read_service_records, read_site_totals, read_travel_times,
)
from spacemap.services import rasters as grids
from spacemap.services.access import (
    AccessSettings, accessibility, check_travel_times, pairs_within, service_types, travel_time_pairs,
)
from spacemap.services.catchment import DECAYS, CatchmentResult, calibrate_huff
from spacemap.services.disclosure import apply_disclosure
from spacemap.services.inputs import Area, load_area, load_segments, load_sites
from spacemap.services.records import ResolvedRecords, postcode_oas, resolve_records
from spacemap.segment.codes import tier_numbers
from spacemap.services.segments import check_segments, segment_values
from spacemap.services.site_totals import SiteTotals, match_site_totals, offers
from spacemap.services.tables import UseTables, use_tables

log = logging.getLogger(__name__)

DEFAULT_SITE_TOTALS = "trafford_gp_patient_registrations.csv"
DEFAULT_BETA = {("exponential", "km"): 0.5, ("exponential", "minutes"): 0.1, ("power", "km"): 2.0,
                ("power", "minutes"): 2.0}


@dataclass(frozen=True)
class ServiceSettings:
    """Every setting of the stage; recorded in the manifest."""

    cutoff_m: float = 5000.0
    detour_factor: float = 1.3
    cutoff_minutes: float = 15.0
    decay: str = "exponential"
    beta: float | None = None          # None: 0.5 per km / 0.1 per minute (exponential), 2 (power)
    confidence: float = 0.95
    cell_size_m: float = 100.0
    record_type: str = "records"
    site_totals_service: str = "gp"
    site_totals_record_type: str = "registrations"
    seed: int = 42

    def check(self) -> None:
        if self.cutoff_m <= 0 or self.cutoff_minutes <= 0 or self.cell_size_m <= 0:
            raise ConfigError("--cutoff-m, --cutoff-minutes and --cell-size-m must be greater than 0")
        if self.detour_factor < 1:
            raise ConfigError(f"--detour-factor {self.detour_factor} is below 1; a route is never shorter than "
                              "the straight line (1.3 is typical)")
        if not 0.5 <= self.confidence < 1:
            raise ConfigError(f"--confidence {self.confidence} must be at least 0.5 and below 1, e.g. 0.95")
        if self.decay not in DECAYS:
            raise ConfigError(f"--decay {self.decay} is not one of {', '.join(DECAYS)}")
        if self.beta is not None and self.beta <= 0:
            raise ConfigError(f"--beta {self.beta} must be greater than 0")


@dataclass
class RasterLayer:
    """One GeoTIFF to write: values, grid, nodata."""

    name: str
    values: np.ndarray
    grid: grids.Grid
    nodata: float | int


@dataclass
class Catchment:
    """One modelled service: the matched site totals and the fitted model."""

    totals: SiteTotals
    result: CatchmentResult
    cost_unit: str
    sites: pd.DataFrame  # disclosure-controlled per-site table for the output
    oas: pd.DataFrame    # per OA: the site most of its modelled users go to, and that share


@dataclass
class ServicesRun:
    """Everything the service stage produced, for the outputs, report and manifest."""

    settings: ServiceSettings
    tables: UseTables
    access: pd.DataFrame
    supplies: dict[str, str]
    rasters: list[RasterLayer]
    segment_values: pd.DataFrame | None
    records: ResolvedRecords | None
    catchments: list[Catchment]
    sources: dict[str, str]
    counts_by_service: dict[str, int]      # sites per service type
    boundaries: gpd.GeoDataFrame           # the OAs served (EPSG:27700), for the maps
    inputs: list[Path] = field(default_factory=list)


def build_service_use(records: str | Path | None = None, site_totals: str | Path | None = None,
                      sites: gpd.GeoDataFrame | str | Path | None = None,
                      segments: pd.DataFrame | str | Path | None = None,
                      population: pd.Series | str | Path | None = None,
                      boundaries: gpd.GeoDataFrame | str | Path | None = None,
                      population_raster: str | Path | None = None, travel_times: str | Path | None = None,
                      postcodes: str | Path | None = None, lsoa_lookup: str | Path | None = None,
                      settings: ServiceSettings = ServiceSettings()) -> ServicesRun:
    """Run the stage (the embedded GP registrations model when neither records nor site totals are given)."""
    settings.check()
    if records is None and site_totals is None:
        site_totals = assets_dir() / DEFAULT_SITE_TOTALS
        log.info("No records or site totals given: modelling %s", describe_path(site_totals))
    # The user's own tables first: a problem in them is reported before any long work.
    record_table = read_service_records(records) if records is not None else None
    totals_table = read_site_totals(site_totals) if site_totals is not None else None
    time_table = read_travel_times(travel_times) if travel_times is not None else None
    inputs = [Path(p) for p in (records, site_totals, travel_times) if p is not None]
    log.info("[1/5] Area, sites and segments")
    area = load_area(boundaries, population)
    loaded_sites = load_sites(sites)
    site_table: gpd.GeoDataFrame = loaded_sites.value
    loaded_segments = load_segments(segments, area, settings.seed)
    segment_table = (check_segments(loaded_segments.value, area.oa_codes, loaded_segments.source)
                     if loaded_segments.value is not None else None)
    inputs += [*area.inputs, *loaded_sites.inputs, *loaded_segments.inputs]
    points, demand, population_layer, point_source = _points(area, population_raster, settings, inputs)
    if time_table is not None:
        check_travel_times(time_table, area.oa_codes, pd.Index(site_table["site_id"]))
    counts, resolved, catchments = [], None, []
    if record_table is not None:
        log.info("[2/5] Placing %d service-use records in OAs", len(record_table.cells))
        resolved = _records(record_table, area, site_table, postcodes, lsoa_lookup, settings, inputs)
        counts.append(resolved.counts.assign(modelled=False))
    if totals_table is not None:
        log.info("[2/5] Modelling where the users of each site live")
        for totals in match_site_totals(totals_table, site_table, settings.site_totals_service):
            catchment = _model(totals, area, points, demand, site_table, time_table, settings)
            catchments.append(catchment)
            counts.append(pd.DataFrame({"oa_code": area.oa_codes, "service": totals.service,
                                        "record_type": settings.site_totals_record_type,
                                        "count": catchment.result.users, "modelled": True}))
    log.info("[3/5] Take-up per OA and segment, with disclosure control")
    combined = _combine(counts)
    tables = use_tables(combined, area.population, segment_table, settings.confidence)
    log.info("[4/5] Access to %d service types", len(service_types(site_table)))
    access, supplies = accessibility(area.oa_codes, points, demand, site_table, _access(settings), time_table)
    access.insert(1, "easting", points[:, 0].round(1))
    access.insert(2, "northing", points[:, 1].round(1))
    access.insert(3, "point", point_source)
    access.insert(4, "demand", demand)
    log.info("[5/5] Rasters")
    layers = [population_layer, *_surfaces(area, site_table, segment_table, settings)]
    sources = {"area": area.source, "sites": loaded_sites.source, "segments": loaded_segments.source,
               "points": "population-weighted centroids" if population_raster else "polygon centroids"}
    by_service = {s: int(offers(site_table, s).sum()) for s in sorted(supplies)}
    return ServicesRun(settings, tables, access, supplies, layers,
                       segment_values(segment_table) if segment_table is not None else None,
                       resolved, catchments, sources, by_service, area.boundaries, _unique(inputs))


def _access(settings: ServiceSettings) -> AccessSettings:
    return AccessSettings(settings.cutoff_m, settings.detour_factor, settings.cutoff_minutes)


def _points(area: Area, raster_path, settings: ServiceSettings, inputs: list[Path]):
    """OA points, demand per OA, the population layer, and how each point was found."""
    if raster_path is None:
        grid = grids.grid_for(tuple(area.boundaries.total_bounds), settings.cell_size_m)
        labels = grids.label_oas(area.boundaries, grid)
        values = grids.rasterise_population(area.boundaries, area.population.to_numpy(), grid, labels)
        points = grids.polygon_points(area.boundaries)
        demand = area.population.to_numpy()
        source = np.full(len(points), "polygon centroid", dtype=object)
    else:
        inputs.append(Path(raster_path))
        raster = _crop(read_population_raster(raster_path), area)
        weighted = grids.weighted_points(area.boundaries, raster)
        if not (weighted["demand"] > 0).any():
            raise InputError(f"population raster {raster_path} puts no one in any OA of the area; check that it "
                             "covers the area")
        grid, values = grids.grid_of(raster), raster.values
        points = weighted[["easting", "northing"]].to_numpy()
        demand, source = weighted["demand"].to_numpy(), weighted["point"].to_numpy(dtype=object)
    layer = RasterLayer("population", np.where(np.isfinite(values), values, grids.NODATA_FLOAT).astype("float32"),
                        grid, grids.NODATA_FLOAT)
    return points, demand, layer, source


def _crop(raster: Raster, area: Area) -> Raster:
    """The part of the raster over the area's bounding box (one cell of margin)."""
    grid = grids.grid_of(raster)
    minx, miny, maxx, maxy = area.boundaries.total_bounds
    col0, row0 = ~grid.transform @ (minx, maxy)
    col1, row1 = ~grid.transform @ (maxx, miny)
    c0, r0 = max(int(np.floor(col0)) - 1, 0), max(int(np.floor(row0)) - 1, 0)
    c1, r1 = min(int(np.ceil(col1)) + 1, grid.width), min(int(np.ceil(row1)) + 1, grid.height)
    if c0 >= c1 or r0 >= r1:
        raise InputError("the population raster does not overlap the area's OAs; give a raster that covers them")
    transform = grid.transform @ Affine.translation(c0, r0)
    return Raster(raster.values[r0:r1, c0:c1], transform, raster.source_crs)


def _records(table: Table, area: Area, sites, postcodes, lsoa_lookup, settings: ServiceSettings,
             inputs: list[Path]) -> ResolvedRecords:
    lookup = oa_lsoa = None
    if "postcode" in table.cells:
        postcodes = Path(postcodes) if postcodes is not None else assets_dir() / "trafford_postcodes.csv"
        inputs.append(postcodes)
        lookup = postcode_oas(read_postcode_lookup(postcodes), area.boundaries)
    if "postcode" in table.cells or "lsoa_code" in table.cells:
        oa_lsoa = Path(lsoa_lookup) if lsoa_lookup is not None else census_dir() / "statistical_lookup_2021.csv"
        inputs.append(oa_lsoa)
        oa_lsoa = read_lsoa_lookup(oa_lsoa)
    return resolve_records(table, area.population, lookup, oa_lsoa, sites, settings.record_type)


def _model(totals: SiteTotals, area: Area, points: np.ndarray, demand: np.ndarray, sites: gpd.GeoDataFrame,
           times: Table | None, settings: ServiceSettings) -> Catchment:
    chosen = sites.set_index("site_id").loc[totals.totals.index]
    unit = "minutes" if times is not None else "km"
    if times is not None:
        pairs = travel_time_pairs(times, area.oa_codes, pd.Index(chosen.index), settings.cutoff_minutes)
    else:
        xy = np.column_stack([chosen.geometry.x, chosen.geometry.y])
        pairs = pairs_within(points, xy, settings.cutoff_m, settings.detour_factor)
    beta = settings.beta if settings.beta is not None else DEFAULT_BETA[(settings.decay, unit)]
    result = calibrate_huff(pairs, demand, totals.totals, settings.decay, beta)
    result.parameters.update({"service": totals.service, "cost_unit": unit, "sites": len(chosen),
                              "cutoff": settings.cutoff_minutes if times is not None else settings.cutoff_m,
                              "detour_factor": None if times is not None else settings.detour_factor,
                              "unreached_oas": result.unreached_oas})
    table = result.sites.assign(service=totals.service, name=chosen["name"].to_numpy())
    table = table.rename(columns={"total": "count", "mean_cost": f"mean_{unit}"})
    shown = apply_disclosure(table, [["service"]], ("modelled",)).rename(columns={"count": "users"})
    shown = shown[["site_id", "name", "service", "users", "suppressed", "modelled", "attractiveness", f"mean_{unit}"]]
    shown = shown.round({"modelled": 1, "attractiveness": 4, f"mean_{unit}": 3})
    ids = chosen.index.to_numpy(dtype=object)
    main = np.where(result.main_site >= 0, ids[np.maximum(result.main_site, 0)], None)
    oas = pd.DataFrame({"oa_code": area.oa_codes, "service": totals.service, "main_site_id": main,
                        "main_site_share": result.main_share.round(4)})
    return Catchment(totals, result, unit, shown, oas)


def _combine(counts: list[pd.DataFrame]) -> pd.DataFrame:
    combined = pd.concat(counts, ignore_index=True)
    both = combined.groupby(["service", "record_type"])["modelled"].nunique()
    if (both > 1).any():
        service, record_type = both[both > 1].index[0]
        raise ConfigError(f"both the records and the site totals give '{service}' {record_type}; use "
                          "--record-type or --site-totals-record-type to tell them apart")
    return combined


def _surfaces(area: Area, sites: gpd.GeoDataFrame, segments: pd.DataFrame | None,
              settings: ServiceSettings) -> list[RasterLayer]:
    """Distance to the nearest site per service type, and segment codes per tier, on the output grid."""
    grid = grids.grid_for(tuple(area.boundaries.total_bounds), settings.cell_size_m)
    labels = grids.label_oas(area.boundaries, grid)
    xy = np.column_stack([sites.geometry.x, sites.geometry.y])
    layers = [RasterLayer(f"distance_{s}", grids.distance_surface(grid, labels, xy[offers(sites, s)]), grid,
                          grids.NODATA_FLOAT) for s in service_types(sites)]
    if segments is not None:
        values = segment_values(segments)
        for tier in tier_numbers(segments):
            value = values[values["tier"] == tier].set_index("segment_code")["value"]
            per_oa = segments.set_index("oa_code")[f"tier{tier}_code"].map(value)
            codes = per_oa.reindex(area.oa_codes).fillna(0).to_numpy(dtype="int32")
            layers.append(RasterLayer(f"segments_tier{tier}", grids.code_surface(labels, codes), grid,
                                      grids.NODATA_CODE))
    return layers


def _unique(paths: list[Path]) -> list[Path]:
    return list(dict.fromkeys(Path(p) for p in paths))


def settings_dict(settings: ServiceSettings) -> dict:
    """The settings as plain values for the manifest."""
    return asdict(settings)
