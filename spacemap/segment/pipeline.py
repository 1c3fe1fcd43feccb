"""Segmentation in one call: inputs → fitted model → lookup, profiles, portraits, names.

:func:`load_inputs` gathers the variables (from census tables through the census
stage, or from a variables CSV), populations and boundaries; :func:`segment_area`
fits the model and derives everything people read; :func:`default_oa_segments`
is the embedded default's OA → segment lookup for the stages that need one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from spacemap.census.pipeline import build_census_variables
from spacemap.census.spec import VariableSpec, load_spec
from spacemap.errors import InputError, SpecError
from spacemap.io.boundaries import read_boundaries
from spacemap.io.embedded import DEFAULT_AREA
from spacemap.io.tables import read_oa_table, read_population
from spacemap.segment.diagnostics import KDiagnostics, correlation_screen, k_diagnostics, poor_fit
from spacemap.segment.hierarchy import DEFAULT_TIERS, SegmentModel
from spacemap.segment.kmeans import squared_distances
from spacemap.segment.lookup import oa_segments_frame
from spacemap.segment.portraits import (
    apply_names, draft_names, names_toml, pen_portraits, portrait_line, references,
)
from spacemap.segment.profiles import Segment, index_scores, profiles_frame, segment_table
from spacemap.segment.transform import RateTransformer

log = logging.getLogger(__name__)


@dataclass
class SegmentInputs:
    """What segmentation reads: rates per OA and what is known about the OAs."""

    variables: pd.DataFrame                   # oa_code, then one rate column per variable
    population: pd.Series | None              # residents per OA (index oa_code)
    boundaries: gpd.GeoDataFrame | None       # oa_code + geometry, EPSG:27700
    labels: dict[str, str]                    # variable code → readable name
    area_name: str
    spec: VariableSpec | None = None
    spec_path: Path | None = None
    dropped: dict[str, str] = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)


@dataclass
class SegmentRun:
    """A fitted segmentation and everything derived from it."""

    model: SegmentModel
    names: list[list[str]]
    segments: list[Segment]
    oa_segments: pd.DataFrame
    profiles: pd.DataFrame
    correlations: pd.DataFrame
    portraits: str
    names_text: str
    portrait_lines: dict[str, str]
    unknown_names: list[str]
    inputs: SegmentInputs


def load_inputs(variables: str | Path | None = None, census: str | Path | None = None,
                boundaries: str | Path | None = None, spec: str | Path = "oac2021",
                population: str | Path | None = None, allow_missing: bool = False,
                zero_denominators: str = "error", crs: str | None = None,
                area_name: str | None = None) -> SegmentInputs:
    """The embedded default (no arguments), census tables (``census``) or a variables CSV."""
    if variables is not None and census is not None:
        raise InputError("give either --variables or --census, not both")
    if variables is not None:
        return _from_variables(Path(variables), boundaries, spec, population, crs, area_name)
    run = build_census_variables(census=census, boundaries=boundaries, spec=spec, allow_missing=allow_missing,
                                 zero_denominators=zero_denominators, crs=crs)
    pop = read_population(population) if population is not None else run.population
    name = area_name or (DEFAULT_AREA.title() if census is None else Path(census).stem)
    return SegmentInputs(run.variables, pop, run.boundaries, {v.code: v.name for v in run.spec.variables},
                         name, run.spec, run.spec.path, dict(run.dropped),
                         list(run.inputs) + ([Path(population)] if population is not None else []))


def segment_area(inputs: SegmentInputs, tiers=DEFAULT_TIERS, skew: str = "ihs", standardise: str = "range",
                 starts: int = 100, seed: int = 42, splits: dict | None = None,
                 names: dict[str, str] | None = None, sample_size: int = 8_000) -> SegmentRun:
    """Fit the hierarchical model and build the lookup, profiles, portraits and names."""
    variables = inputs.variables
    codes_in = [c for c in variables.columns if c != "oa_code"]
    log.info("Segmenting %d Output Areas on %d variables into tiers %s (%d starts per split)",
             len(variables), len(codes_in), ",".join(map(str, tiers)), starts)
    model = SegmentModel(tiers=tuple(tiers), skew=skew, standardise=standardise, starts=starts,
                         sample_size=sample_size, splits=splits, random_state=seed).fit(variables)
    Z = model.transform(variables)
    assignment = model.assign(variables)
    labels = {code: inputs.labels.get(code, code) for code in model.feature_names_in_}
    area_centre = Z.mean(axis=0)
    drafts = draft_names(model, labels, references(model, area_centre, against_parent=True))
    final_names, unknown = apply_names(drafts, model.codes_, names or {})
    if unknown:
        log.warning("names file: no segment has code(s) %s; those names were not used", ", ".join(unknown))
    segments = segment_table(model, final_names, assignment.tiers, inputs.population, variables["oa_code"])
    variable_list = list(model.feature_names_in_)
    profiles = profiles_frame(segments, variables, variable_list, assignment.tiers)
    scores = [index_scores(variables, variable_list, assignment.tiers, t, len(c)) for t, c in enumerate(model.codes_)]
    portraits = pen_portraits(segments, model, labels, scores, area_centre, inputs.area_name)
    names_text = names_toml(segments, model, labels, references(model, area_centre, against_parent=True))
    lines = {s.code: portrait_line(s, model, labels, area_centre) for s in segments}
    for t, value in enumerate(model.wcss_, start=1):
        log.info("Tier %d: %d segments, WCSS %.4f", t, len(model.codes_[t - 1]), value)
    return SegmentRun(
        model=model, names=final_names, segments=segments,
        oa_segments=oa_segments_frame(variables["oa_code"], assignment, model.codes_, final_names),
        profiles=profiles, correlations=correlation_screen(Z, variable_list, labels), portraits=portraits,
        names_text=names_text, portrait_lines=lines, unknown_names=unknown, inputs=inputs,
    )


def default_oa_segments(seed: int = 42) -> pd.DataFrame:
    """The embedded default's OA → segment lookup (default tiers), as ``spacemap segment`` writes it."""
    run = segment_area(load_inputs(), seed=seed)
    keep = ["oa_code"] + [c for c in run.oa_segments.columns if c.startswith("tier")]
    return run.oa_segments[keep]


def _from_variables(path: Path, boundaries, spec, population, crs, area_name) -> SegmentInputs:
    table = read_oa_table(path, "variables")
    labels: dict[str, str] = {}
    loaded = None
    try:
        loaded = load_spec(spec)
        labels = {v.code: v.name for v in loaded.variables}
    except SpecError:
        log.info("Variable names: %s is not a known spec; using the column names", spec)
    bounds = read_boundaries(Path(boundaries), crs) if boundaries is not None else None
    if bounds is not None:
        missing = np.setdiff1d(table["oa_code"].to_numpy(), bounds["oa_code"].to_numpy())
        if len(missing):
            raise InputError(f"{len(missing)} OA(s) of {path} are not in the boundaries {boundaries} "
                             f"(first {missing[0]}); give the boundaries of the same area and census")
        bounds = bounds[bounds["oa_code"].isin(table["oa_code"])].reset_index(drop=True)
    pop = read_population(population) if population is not None else None
    inputs = [path] + [Path(p) for p in (boundaries, population) if p is not None]
    return SegmentInputs(table, pop, bounds, labels, area_name or path.parent.name or path.stem,
                         loaded if labels else None, None, {}, inputs)


@dataclass
class DiagnoseRun:
    """Scores for a range of k, the correlation screen and poorly fitting OAs at one k."""

    k_values: list[int]
    diagnostics: KDiagnostics
    correlations: pd.DataFrame
    poorly_fitting: pd.DataFrame
    flag_k: int
    inputs: SegmentInputs


def diagnose_area(inputs: SegmentInputs, k_values: list[int], skew: str = "ihs", standardise: str = "range",
                  starts: int = 20, seed: int = 42, flag_k: int | None = None) -> DiagnoseRun:
    """Help choose k: fit k-means for each k and score it; flag OAs that fit badly at ``flag_k``."""
    k_values = sorted(set(int(k) for k in k_values))
    if not k_values or k_values[0] < 2:
        raise InputError("the k range must start at 2 or more, e.g. --k-range 2-12")
    flag_k = flag_k if flag_k is not None else k_values[0]
    if flag_k not in k_values:
        k_values = sorted(set(k_values) | {flag_k})
    transformer = RateTransformer(skew, standardise).fit(inputs.variables)
    Z = transformer.transform(inputs.variables)
    if len(np.unique(Z, axis=0)) < k_values[-1]:
        raise InputError(f"{len(Z)} Output Areas cannot make {k_values[-1]} segments; lower the top of --k-range")
    log.info("Scoring k = %s on %d Output Areas (%d starts each)", ", ".join(map(str, k_values)), len(Z), starts)
    found = k_diagnostics(Z, k_values, seed, starts=starts)
    variables = list(transformer.feature_names_in_)
    labels = {code: inputs.labels.get(code, code) for code in variables}
    centres, own = found.centres[flag_k], found.labels[flag_k]
    distances = squared_distances(Z, centres)
    rows = np.arange(len(Z))
    a = np.sqrt(distances[rows, own])
    distances[rows, own] = np.inf
    b = np.sqrt(distances.min(axis=1))
    margin = np.where(b > 0, 1 - a / b, 0.0)
    flag, reason = poor_fit(a, margin, own)
    poorly = pd.DataFrame({"oa_code": inputs.variables["oa_code"].to_numpy(), "segment": own + 1,
                           "distance": np.round(a, 6), "fit_margin": np.round(margin, 4), "reason": reason})[flag]
    return DiagnoseRun(k_values, found, correlation_screen(Z, variables, labels),
                       poorly.sort_values("oa_code").reset_index(drop=True), flag_k, inputs)
