"""Layer builders: the OA shape set, and polygon, point and line layers that refer to it.

Styles are looked up by value in the browser (a segment code → colour table, or class
breaks), never repeated per feature; per-feature data is just the value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd

from spacemap.errors import InputError
from spacemap.maps.geometry import (
    DEFAULT_SIMPLIFY_M, bounds_latlng, check_crs, encode_line, encode_polygons, point_latlng, simplify_coverage,
    to_display,
)
from spacemap.maps.text import is_missing
from spacemap.segment.codes import code_order

SEQUENTIAL = ["#ffffcc", "#c2e699", "#78c679", "#31a354", "#006837"]
SEQUENTIAL_BLUE = ["#f1eef6", "#bdc9e1", "#74a9cf", "#2b8cbe", "#045a8d"]
DIVERGING = ["#2166ac", "#67a9cf", "#f7f7f7", "#ef8a62", "#b2182b"]
SUPPRESSED = "#b9b9b9"
MISSING = "#ffffff"
CATEGORICAL = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
    "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d",
    "#9edae5", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354",
    "#756bb1", "#636363", "#fd8d3c",
]


@dataclass
class Area:
    """The OAs of a map: codes in display order, encoded polygons and a point per OA."""

    codes: list[str]
    geoms: list
    frame: gpd.GeoDataFrame  # EPSG:4326, simplified, index 0..n-1 in code order

    @property
    def bounds(self) -> list:
        return bounds_latlng(self.frame)

    @cached_property
    def projected(self) -> gpd.GeoDataFrame:
        """The polygons in EPSG:27700 with their position, for nearest-OA lookups (made once)."""
        return self.frame[["geometry"]].assign(position=np.arange(len(self.codes))).to_crs("EPSG:27700")

    @property
    def shape(self) -> dict:
        return {"codes": self.codes, "geoms": self.geoms}

    def positions(self, codes) -> np.ndarray:
        """Position of each OA code in the area (−1 when absent)."""
        lookup = pd.Series(np.arange(len(self.codes)), index=self.codes)
        return lookup.reindex(pd.Index(codes, dtype=object)).fillna(-1).astype(int).to_numpy()


def build_area(boundaries: gpd.GeoDataFrame, simplify_m: float = DEFAULT_SIMPLIFY_M) -> Area:
    """OA polygons (``oa_code`` + geometry, any CRS) simplified and encoded for the browser."""
    if "oa_code" not in boundaries.columns:
        raise InputError("the boundaries have no oa_code column; read them with spacemap's boundary reader")
    check_crs(boundaries, "OA boundaries")
    if boundaries["oa_code"].duplicated().any():
        code = boundaries.loc[boundaries["oa_code"].duplicated(), "oa_code"].iloc[0]
        raise InputError(f"OA code {code} appears in more than one boundary; dissolve or remove the duplicates")
    ordered = boundaries[["oa_code", "geometry"]].sort_values("oa_code", kind="stable").reset_index(drop=True)
    display = to_display(simplify_coverage(ordered, simplify_m))
    geoms = [encode_polygons(g) for g in display.geometry.values]
    return Area(codes=display["oa_code"].astype(str).tolist(), geoms=geoms, frame=display)


def quantile_breaks(values: pd.Series, classes: int = 5) -> list[float]:
    """Upper bounds of the first ``classes − 1`` classes, at rounded quantiles (distinct, sorted)."""
    finite = pd.to_numeric(values, errors="coerce").dropna()
    if finite.empty:
        return [0.0] * (classes - 1)
    qs = np.quantile(finite.to_numpy(dtype=float), np.linspace(0, 1, classes + 1)[1:-1])
    return [float(_round_nice(q)) for q in qs]


def _round_nice(value: float) -> float:
    if value == 0 or not math.isfinite(value):
        return 0.0
    digits = 2 - int(math.floor(math.log10(abs(value))))
    return round(value, max(digits, 0))


def categorical_layer(area: Area, name: str, codes, values, fill: dict, tips: dict | None = None,
                      popups: dict | None = None, show: bool = False, search: bool = False) -> dict:
    """Polygons coloured by a category value (colour table per value, not per feature)."""
    return _polygons(area, name, codes, values, show, search, fill=fill, tips=tips or {}, popups=popups or {})


def numeric_layer(area: Area, name: str, codes, values, label_html: str, breaks: list[float],
                  colours: list[str], digits: int = 1, unit: str = "", show: bool = False) -> dict:
    """Polygons classed by a number; a value may be None (no data) or 's' (suppressed)."""
    return _polygons(area, name, codes, values, show, False, breaks=breaks, colors=colours, digits=digits,
                     unit=unit, label=label_html, suppressed_color=SUPPRESSED, missing_color=MISSING)


def outline_layer(area: Area, name: str, codes, colour: str, show: bool = False) -> dict:
    """Thick outlines (e.g. areas flagged for non-take-up)."""
    layer = _polygons(area, name, codes, None, show, False, outline=True, stroke=colour, weight=3,
                      fill_outline=True)
    return layer


def context_layer(area: Area, name: str = "Output Areas", show: bool = True, search: bool = True) -> dict:
    """Thin OA outlines for orientation (and the OA-code search) on point maps."""
    return _polygons(area, name, area.codes, None, show, search, stroke="#8a8a8a", weight=0.5)


def _polygons(area, name, codes, values, show, search, **style) -> dict:
    positions = area.positions(list(codes))
    keep = positions >= 0
    layer = {"kind": "polygons", "name": name, "show": show, "shape": "oa", "search": search}
    if not (keep.all() and len(positions) == len(area.codes) and (positions == np.arange(len(area.codes))).all()):
        layer["features"] = positions[keep].tolist()
    if values is not None:
        layer["values"] = [_json_value(v) for v, k in zip(values, keep) if k]
    layer.update(style)
    return layer


def _json_value(value):
    if isinstance(value, str):
        return value
    if is_missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    value = float(value)
    return int(value) if value.is_integer() else round(value, 4)


def point_layer(area: Area, name: str, points: gpd.GeoDataFrame, keys, tips: list[str], popups: list[str],
                fill: dict | None = None, search: list[str] | None = None, show: bool = True, **style) -> dict:
    """Circle markers; ``_oa`` records the OA each point is in (or nearest) for splitting."""
    display = to_display(points, name)
    layer = {"kind": "points", "name": name, "show": show,
             "points": [[*point_latlng(g), _json_value(k)] for g, k in zip(display.geometry.values, keys)],
             "tips": tips, "popups": popups, "_oa": nearest_oa(area, display)}
    if fill is not None:
        layer["fill"] = fill
    if search is not None:
        layer["search"] = search
    layer.update(style)
    return layer


def line_layer(area: Area, name: str, lines: gpd.GeoDataFrame, tips: list[str], anchor_oa: list[int],
               show: bool = True, **style) -> dict:
    """Lines (e.g. hub → member links); ``_oa`` is the OA of the line's anchor for splitting."""
    display = to_display(lines, name)
    return {"kind": "lines", "name": name, "show": show, "lines": [encode_line(g) for g in display.geometry.values],
            "tips": tips, "_oa": list(anchor_oa), **style}


def nearest_oa(area: Area, points: gpd.GeoDataFrame) -> list[int]:
    """Position of the OA each point lies in (the nearest OA for points outside every OA)."""
    if points.empty:
        return []
    frame = gpd.GeoDataFrame({"order": np.arange(len(points))}, geometry=points.geometry.values, crs=points.crs)
    joined = gpd.sjoin_nearest(frame.to_crs("EPSG:27700"), area.projected, how="left")
    joined = joined.sort_values(["order", "position"]).drop_duplicates("order")
    return joined["position"].astype(int).tolist()


def palette(values, colours: list[str] = CATEGORICAL) -> dict:
    """A fixed colour per distinct value, in sorted order (the same value always gets the same colour)."""
    distinct = sorted({str(v) for v in values if not is_missing(v)}, key=code_order)
    return {value: colours[i % len(colours)] for i, value in enumerate(distinct)}
