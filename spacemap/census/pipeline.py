"""Census ingest in one call: read tables and boundaries, check coverage, compute rates."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from spacemap.census.rates import Rates, compute_rates
from spacemap.census.spec import VariableSpec, load_spec
from spacemap.errors import InputError, SpecError
from spacemap.io.boundaries import read_boundaries
from spacemap.io.census import CensusCounts, read_nomis_bulk, read_wide_table
from spacemap.io.embedded import census_dir, default_boundaries

log = logging.getLogger(__name__)


@dataclass
class Coverage:
    """How the OAs of the census tables and of the boundaries compare."""

    table_oas: int
    boundary_oas: int | None
    tables_only: list[str] = field(default_factory=list)
    boundaries_only: list[str] = field(default_factory=list)


@dataclass
class CensusRun:
    """Everything the census stage produced, for the report and later stages."""

    variables: pd.DataFrame  # oa_code first, then one column per variable
    population: pd.Series | None  # usual residents per OA (index oa_code)
    boundaries: gpd.GeoDataFrame | None  # oa_code + geometry, EPSG:27700
    spec: VariableSpec  # the spec as used (less any dropped variables)
    requested_spec: VariableSpec
    rates: Rates
    coverage: Coverage
    census_path: Path
    boundaries_path: Path | None
    inputs: list[Path]
    dropped: dict[str, str] = field(default_factory=dict)  # variable code -> why


def build_census_variables(
    census: str | Path | None = None,
    boundaries: str | Path | None = None,
    spec: str | Path | VariableSpec = "oac2021",
    allow_missing: bool = False,
    zero_denominators: str = "error",
    allow_unmatched: bool = False,
    crs: str | None = None,
    boundary_code_column: str | None = None,
) -> CensusRun:
    """Build the variables table of an area (the embedded default when ``census`` is None)."""
    requested = spec if isinstance(spec, VariableSpec) else load_spec(spec)
    census_path = Path(census) if census is not None else census_dir()
    if census is None and boundaries is None:
        boundaries = default_boundaries()
    log.info("Reading census tables from %s (spec %s, %d variables)", census_path, requested.name, len(requested.variables))
    counts = _read_counts(census_path, requested)
    used, dropped = _drop_missing(requested, counts, allow_missing)
    bounds = read_boundaries(Path(boundaries), crs, boundary_code_column) if boundaries is not None else None
    coverage = _coverage(counts.counts.index, bounds, boundaries, allow_unmatched)
    area_ha = None
    if bounds is not None:
        area_ha = pd.Series(bounds.geometry.area.to_numpy() / 10_000.0, index=bounds["oa_code"].to_numpy())
    rates = compute_rates(counts, used, area_ha, zero_denominators)
    population = None
    if used.population and used.population in counts.counts.columns:
        population = counts.counts[used.population].rename("residents")
    if bounds is not None:
        bounds = bounds[bounds["oa_code"].isin(counts.counts.index)].reset_index(drop=True)
    inputs = list(counts.files) + ([Path(boundaries)] if boundaries is not None else [])
    log.info("Built %d variables for %d Output Areas", len(used.variables), len(rates.variables))
    return CensusRun(
        variables=rates.variables, population=population, boundaries=bounds, spec=used,
        requested_spec=requested, rates=rates, coverage=coverage, census_path=census_path,
        boundaries_path=Path(boundaries) if boundaries is not None else None, inputs=inputs, dropped=dropped,
    )


def _read_counts(path: Path, spec: VariableSpec) -> CensusCounts:
    cells = [cell for variable in spec.variables for cell in variable.cells]
    if spec.population:
        cells.append(spec.population)
    if spec.source == "wide_table":
        if path.is_dir():
            raise InputError(f"spec {spec.name} reads one wide CSV file, but {path} is a directory; pass the CSV file")
        return read_wide_table(path, cells, spec.oa_code_column)
    if path.is_file():
        raise InputError(f"spec {spec.name} reads a directory of Nomis bulk CSVs, but {path} is a file; pass the folder")
    return read_nomis_bulk(path, cells, spec.oa_code_column)


def _drop_missing(spec: VariableSpec, counts: CensusCounts, allow_missing: bool) -> tuple[VariableSpec, dict[str, str]]:
    dropped: dict[str, str] = {}
    for variable in spec.variables:
        reasons = [counts.missing[cell] for cell in variable.cells if cell in counts.missing]
        if reasons:
            dropped[variable.code] = "; ".join(dict.fromkeys(reasons))
    if dropped and not allow_missing:
        reasons = "; ".join(dict.fromkeys(r for cell, r in counts.missing.items()))
        raise SpecError(
            f"spec {spec.name} needs census cells the input lacks — {reasons} — for variable(s) "
            f"{', '.join(dropped)}; add the missing tables/columns, or pass --allow-missing to proceed without them"
        )
    if len(dropped) == len(spec.variables):
        raise SpecError(f"none of the {len(spec.variables)} variables of spec {spec.name} can be computed from this input")
    for code, reason in dropped.items():
        log.warning("Dropping variable %s: %s", code, reason)
    return spec.without(set(dropped)), dropped


def _coverage(table_codes: pd.Index, bounds, boundaries_path, allow_unmatched: bool) -> Coverage:
    if bounds is None:
        return Coverage(table_oas=len(table_codes), boundary_oas=None)
    tables, shapes = set(table_codes), set(bounds["oa_code"])
    coverage = Coverage(
        table_oas=len(tables), boundary_oas=len(shapes),
        tables_only=sorted(tables - shapes), boundaries_only=sorted(shapes - tables),
    )
    if not tables & shapes:
        raise InputError(
            f"no OA code in the census tables matches the boundaries in {boundaries_path} (e.g. tables "
            f"{min(tables)}, boundaries {min(shapes)}); use boundaries of the same census year and area"
        )
    if (coverage.tables_only or coverage.boundaries_only) and not allow_unmatched:
        side, codes = (
            ("in the census tables but not in the boundaries", coverage.tables_only)
            if coverage.tables_only else ("in the boundaries but not in the census tables", coverage.boundaries_only)
        )
        raise InputError(
            f"{len(codes)} OA code(s) are {side} {boundaries_path} (e.g. {', '.join(codes[:3])}); use matching "
            "boundaries, or pass --allow-unmatched to go on and list them in the report"
        )
    return coverage
