"""Geometry for the browser: EPSG:4326, shared-edge simplification, compact encoding.

Polygons are simplified as a coverage (shared edges stay shared, so no slivers or
gaps appear), reprojected to longitude/latitude and written as encoded polylines
(the Google polyline algorithm: rounded to 5 decimals of a degree, about 1 m, and
delta-coded, so a vertex costs 2–4 characters instead of ~20 in GeoJSON).
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import shapely

from spacemap.errors import CRSError

log = logging.getLogger(__name__)

WGS84 = "EPSG:4326"
BNG = "EPSG:27700"
PRECISION = 5
DEFAULT_SIMPLIFY_M = 10.0


def check_crs(frame: gpd.GeoDataFrame, what: str = "geometry") -> None:
    """A frame without a CRS is an error, never a blank map."""
    if frame.crs is None:
        raise CRSError(
            f"the {what} has no coordinate reference system, so it cannot be placed on a map; "
            "set one (e.g. --crs EPSG:27700) when reading it"
        )


def to_display(frame: gpd.GeoDataFrame, what: str = "geometry") -> gpd.GeoDataFrame:
    """``frame`` in EPSG:4326 for Leaflet (see :func:`check_crs`)."""
    check_crs(frame, what)
    return frame.to_crs(WGS84)


def simplify_coverage(frame: gpd.GeoDataFrame, tolerance_m: float = DEFAULT_SIMPLIFY_M) -> gpd.GeoDataFrame:
    """Polygons simplified in EPSG:27700 keeping shared edges shared (a topology-preserving coverage)."""
    if frame.crs is None:
        to_display(frame)  # raises the CRS error
    projected = frame.to_crs(BNG)
    geoms = projected.geometry.values
    if tolerance_m > 0:
        geoms = shapely.make_valid(geoms) if not shapely.is_valid(geoms).all() else geoms
        if shapely.coverage_is_valid(geoms):
            geoms = shapely.coverage_simplify(geoms, tolerance_m)
        else:
            log.info("The polygons overlap or leave gaps; simplifying each one on its own")
            geoms = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    return projected.set_geometry(gpd.GeoSeries(geoms, index=projected.index, crs=BNG))


def encode_ring(coords: np.ndarray, precision: int = PRECISION) -> str:
    """Encode (lon, lat) pairs as a polyline string of (lat, lon) at ``precision`` decimals."""
    scaled = np.round(np.asarray(coords)[:, ::-1] * 10**precision).astype(np.int64)
    deltas = np.diff(scaled, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    out = []
    for value in deltas.tolist():
        value = ~(value << 1) if value < 0 else value << 1
        while value >= 0x20:
            out.append(chr((0x20 | (value & 0x1F)) + 63))
            value >>= 5
        out.append(chr(value + 63))
    return "".join(out)


def encode_polygons(geometry, precision: int = PRECISION) -> list[list[str]]:
    """A (Multi)Polygon as a list of polygons, each a list of encoded rings (closing point dropped)."""
    parts = geometry.geoms if geometry.geom_type == "MultiPolygon" else [geometry]
    polygons = []
    for part in parts:
        if part.is_empty or part.geom_type != "Polygon":
            continue
        rings = [part.exterior, *part.interiors]
        polygons.append([encode_ring(np.asarray(ring.coords)[:-1], precision) for ring in rings])
    return polygons


def encode_line(geometry, precision: int = PRECISION) -> str:
    """A LineString as one encoded polyline."""
    return encode_ring(np.asarray(geometry.coords), precision)


def point_latlng(geometry, precision: int = PRECISION) -> list[float]:
    """[lat, lon] of a point, rounded to ``precision`` decimals."""
    return [round(geometry.y, precision), round(geometry.x, precision)]


def bounds_latlng(frame: gpd.GeoDataFrame) -> list[list[float]]:
    """[[south, west], [north, east]] of a frame in EPSG:4326."""
    minx, miny, maxx, maxy = frame.total_bounds
    return [[round(float(miny), PRECISION), round(float(minx), PRECISION)],
            [round(float(maxy), PRECISION), round(float(maxx), PRECISION)]]


def bisect(points: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split ``index`` in two halves by the median of the points along their longer side."""
    sub = points[index]
    axis = int(np.argmax(sub.max(axis=0) - sub.min(axis=0)))
    order = index[np.lexsort((index, sub[:, axis]))]
    half = len(order) // 2
    return np.sort(order[:half]), np.sort(order[half:])
