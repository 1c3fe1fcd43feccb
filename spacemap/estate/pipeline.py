"""The estate in one call: read every register, normalise, locate, check the area, merge, estimate."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spacemap.estate.assumptions import apply_assumptions, parse_assumptions
from spacemap.estate.config import EstateConfig
from spacemap.estate.geocode import BNG
from spacemap.estate.merge import merge_sites
from spacemap.estate.normalise import REJECT_COLUMNS, NormalisedRegister, normalise_register, reject_table
from spacemap.estate.schema import OPTIONAL, ROW_COLUMNS, SITE_COLUMNS
from spacemap.io.embedded import assets_dir
from spacemap.io.registers import (
    read_area_boundary,
    read_assumption_table,
    read_estate_config,
    read_postcode_lookup,
    read_register,
)

log = logging.getLogger(__name__)

DEFAULT_CONFIG = "estate.toml"


@dataclass
class RegisterCount:
    """Rows in, kept and rejected for one register."""

    name: str
    path: Path
    description: str
    rows_in: int
    rows_out: int
    rejected: int
    blank_rows: int


@dataclass
class EstateRun:
    """Everything the estate stage produced, for the outputs and the report."""

    config: EstateConfig
    sites: gpd.GeoDataFrame          # one row per site, points in EPSG:27700 (SITE_COLUMNS)
    occupancies: gpd.GeoDataFrame    # one row per accepted register row, with its site_id (ROW_COLUMNS)
    rejects: pd.DataFrame            # REJECT_COLUMNS: source_register, source_row, name, reason, record
    counts: list[RegisterCount]
    missing: pd.DataFrame            # register × optional field: accepted rows where the field is missing
    assumptions: pd.DataFrame        # one row per documented estimate, with the number of sites it filled
    uprn_conflicts: pd.DataFrame     # rows sharing a UPRN too far apart to be one building (not merged)
    inputs: list[Path] = field(default_factory=list)

    @property
    def rows_in(self) -> int:
        return sum(count.rows_in for count in self.counts)


def default_config_path() -> Path:
    """The embedded Trafford estate config."""
    return assets_dir() / DEFAULT_CONFIG


def build_estate(config: str | Path | EstateConfig | None = None) -> EstateRun:
    """Merge the registers listed in ``config`` (the embedded Trafford estate when None)."""
    if not isinstance(config, EstateConfig):
        config = read_estate_config(Path(config) if config is not None else default_config_path())
    lookup = read_postcode_lookup(config.postcodes) if config.postcodes is not None else None
    boundary = read_area_boundary(config.boundary, config.boundary_crs) if config.boundary is not None else None
    assumptions = []
    if config.assumptions is not None:
        assumptions = parse_assumptions(read_assumption_table(config.assumptions), config.assumptions)
    done: list[NormalisedRegister] = []
    for number, register in enumerate(config.registers, 1):
        log.info("[%d/%d] Reading register '%s' (%s)", number, len(config.registers), register.name,
                 register.path.name)
        result = normalise_register(read_register(register, config.path), lookup)
        if boundary is not None:
            result = _check_area(result, boundary, config)
        done.append(result)
    counts = [RegisterCount(r.name, reg.path, reg.description, r.rows_in, len(r.rows), len(r.rejects), r.blank_rows)
              for r, reg in zip(done, config.registers, strict=True)]
    rows = pd.concat([r.rows for r in done], ignore_index=True)
    cluster = {r.name: r.cluster_within_m for r in config.registers if r.cluster_within_m > 0}
    merged = merge_sites(rows, config.merge_distance_m, config.merge_similarity, cluster,
                         config.merge_uprn_within_m)
    rows = merged.rows
    for conflict in merged.uprn_conflicts.itertuples():
        log.warning("UPRN %s is given to %s and %s, %.0f m apart: not merged; check the UPRN or the location",
                    conflict.uprn, conflict.record_id, conflict.other_record_id, conflict.distance_m)
    sites, used = apply_assumptions(merged.sites, assumptions)
    sites = gpd.GeoDataFrame(sites, geometry="geometry", crs=BNG)
    occupancies = gpd.GeoDataFrame(
        rows[list(ROW_COLUMNS)], geometry=gpd.points_from_xy(rows["easting"], rows["northing"]), crs=BNG,
    ).sort_values(["site_id", "record_id"], kind="stable").reset_index(drop=True)
    rejects = pd.concat([r.rejects for r in done], ignore_index=True)
    rejects = rejects.reindex(columns=list(REJECT_COLUMNS)).reset_index(drop=True)
    inputs = [p for p in (config.path, config.postcodes, config.boundary, config.assumptions) if p is not None]
    inputs += [register.path for register in config.registers]
    log.info("Estate: %d sites (%d shared) from %d rows; %d rows rejected", len(sites), int(sites["shared"].sum()),
             len(rows), len(rejects))
    return EstateRun(config, sites[list(SITE_COLUMNS) + ["geometry"]], occupancies, rejects, counts,
                     _missing_counts(rows, config), used, merged.uprn_conflicts, inputs)


def _check_area(result: NormalisedRegister, boundary, config: EstateConfig) -> NormalisedRegister:
    """Reject rows beyond the area boundary + buffer; flag rows outside it but within the buffer."""
    rows = result.rows
    points = shapely.points(rows["easting"].to_numpy(dtype=float), rows["northing"].to_numpy(dtype=float))
    distance = shapely.distance(boundary, points) if len(rows) else np.empty(0)
    rows = rows.assign(outside_boundary=distance > 0)
    far = distance > config.buffer_m
    result.rows = rows.loc[~far]
    if not far.any():
        return result
    area = config.area_name or "area"
    reasons = pd.Series([f"outside the {area} boundary: {_distance_text(d)} beyond it (limit {config.buffer_m:g} m)"
                         for d in distance[far]], index=rows.index[far])
    far_rows = rows.loc[far]
    extra = reject_table(result.name, far_rows["source_row"], far_rows["name"], reasons,
                         result.raw_cells.loc[far_rows.index])
    result.rejects = pd.concat([result.rejects, extra]).sort_values("source_row", kind="stable")
    return result


def _distance_text(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"


def _missing_counts(rows: pd.DataFrame, config: EstateConfig) -> pd.DataFrame:
    names = [register.name for register in config.registers]
    fields = [f for f in OPTIONAL if f in rows.columns]
    missing = rows[fields].isna().groupby(rows["source_register"]).sum()
    return missing.reindex(names, fill_value=0).astype(int)
