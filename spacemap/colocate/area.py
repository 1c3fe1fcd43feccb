"""The residents served: one point per Output Area, its residents, density and segment in every tier.

The point is the OA's centroid (or a point inside it where the centroid falls outside).
Density is the census variable v12 (usual residents per square kilometre) when the
variables have it, else residents ÷ the polygon's area. Segments come as the
``oa_segments`` table of ``spacemap segment``; every OA of the area must have one.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spacemap.errors import InputError
from spacemap.segment.codes import code_order, tier_numbers

DENSITY_VARIABLE = "v12"


@dataclass
class Tier:
    """One tier of segments: codes and names, and each OA's position among them."""

    number: int
    codes: list[str]
    names: list[str]
    labels: np.ndarray  # per OA: index into codes


@dataclass
class Area:
    """The OAs of the area, all arrays in the same order (sorted by oa_code)."""

    oa_codes: np.ndarray
    points: np.ndarray           # (n, 2) EPSG:27700 metres
    residents: np.ndarray
    density: np.ndarray          # usual residents per km²
    density_source: str
    tiers: dict[int, Tier]
    boundaries: gpd.GeoDataFrame | None = None

    def tier(self, number: int) -> Tier:
        return self.tiers[number]

    @property
    def finest(self) -> int:
        return max(self.tiers)

    def segments_table(self) -> pd.DataFrame:
        """oa_code and, per tier, tier<N>_code and tier<N>_name (as spacemap segment writes them)."""
        table = pd.DataFrame({"oa_code": self.oa_codes})
        for number, tier in sorted(self.tiers.items()):
            table[f"tier{number}_code"] = np.asarray(tier.codes, dtype=object)[tier.labels]
            table[f"tier{number}_name"] = np.asarray(tier.names, dtype=object)[tier.labels]
        return table


def polygon_points(boundaries: gpd.GeoDataFrame) -> np.ndarray:
    """Each polygon's centroid, or a point inside it where the centroid falls outside."""
    centroid = boundaries.geometry.centroid
    inside = boundaries.geometry.contains(centroid).to_numpy()
    points = np.where(inside, centroid.to_numpy(), boundaries.geometry.representative_point().to_numpy())
    return shapely.get_coordinates(points)


def build_area(boundaries: gpd.GeoDataFrame, population: pd.Series, segments: pd.DataFrame,
               variables: pd.DataFrame | None = None, source: str = "the segments") -> Area:
    """Align boundaries, residents, density and segments on the boundaries' OA codes."""
    boundaries = boundaries[["oa_code", "geometry"]].sort_values("oa_code", kind="stable").reset_index(drop=True)
    codes = pd.Index(boundaries["oa_code"].astype(str))
    missing = codes.difference(population.index)
    if len(missing):
        raise InputError(f"no population for {len(missing)} OA(s) of the area (e.g. {', '.join(missing[:3])}); "
                         "give residents for every OA of the boundaries")
    residents = population.reindex(codes).to_numpy(dtype=float)
    density, density_source = _density(boundaries, residents, variables)
    tiers = segment_tiers(segments, codes, source)
    return Area(codes.to_numpy(dtype=object), polygon_points(boundaries), residents, density, density_source,
                tiers, boundaries)


def _density(boundaries: gpd.GeoDataFrame, residents: np.ndarray,
             variables: pd.DataFrame | None) -> tuple[np.ndarray, str]:
    if variables is not None and DENSITY_VARIABLE in variables.columns:
        values = variables.set_index("oa_code")[DENSITY_VARIABLE].reindex(boundaries["oa_code"]).to_numpy(float)
        if np.isfinite(values).all():
            return values, "census variable v12, usual residents per km²"
    area_km2 = boundaries.geometry.area.to_numpy() / 1e6
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.where(area_km2 > 0, residents / area_km2, 0.0)
    return values, "residents ÷ OA area (census v12 missing or incomplete)"


def segment_tiers(segments: pd.DataFrame, oa_codes: pd.Index, source: str) -> dict[int, Tier]:
    """Every tier of the segments, with each OA's segment; an OA without one is an error."""
    numbers = tier_numbers(segments)
    if "oa_code" not in segments.columns or not numbers:
        raise InputError(f"{source}: the segments table needs oa_code and tier1_code columns "
                         "(the oa_segments.csv written by spacemap segment)")
    table = segments.astype({c: str for c in segments.columns}).drop_duplicates("oa_code").set_index("oa_code")
    missing = oa_codes.difference(table.index)
    if len(missing):
        raise InputError(f"{source}: {len(missing)} OA(s) of the area have no segment (e.g. "
                         f"{', '.join(missing[:3])}); use the segments of the same area and census")
    table = table.reindex(oa_codes)
    tiers = {}
    for number in numbers:
        codes_col = table[f"tier{number}_code"]
        names_col = table[f"tier{number}_name"] if f"tier{number}_name" in table else codes_col
        order = sorted(set(codes_col), key=code_order)
        names = names_col.groupby(codes_col.to_numpy()).first()
        labels = pd.Index(order).get_indexer(codes_col.to_numpy())
        tiers[number] = Tier(number, order, [str(names[c]) for c in order], labels.astype(np.int64))
    return tiers

