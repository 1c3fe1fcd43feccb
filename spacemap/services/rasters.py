"""Raster maths for the service stage: grids, OA labels, population weights and surfaces.

- Without a population raster, OA populations are rasterised onto a grid (100 m by
  default): each OA's residents are spread evenly over the cells whose centre lies in
  it; an OA smaller than a cell puts them in the cell under its representative point.
  The grid's total equals the OAs' total.
- With a population raster, each OA's point is its population-weighted centroid (the
  mean of its cell centres weighted by the people in them) and its demand for the
  catchment model and 2SFCA is the people the raster puts in it. OAs the raster puts
  no one in fall back to their polygon centroid (or a point inside the polygon when
  the centroid falls outside it) and zero demand.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from rasterio.features import rasterize
from scipy.spatial import cKDTree

from spacemap.errors import InputError
from spacemap.io.rasters import Raster

NODATA_FLOAT = -1.0
NODATA_CODE = 0


@dataclass(frozen=True)
class Grid:
    """A north-up grid in EPSG:27700."""

    transform: Affine
    width: int
    height: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.height, self.width

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Easting and northing of every cell centre, each shaped like the grid."""
        cols = self.transform.c + (np.arange(self.width) + 0.5) * self.transform.a
        rows = self.transform.f + (np.arange(self.height) + 0.5) * self.transform.e
        return np.meshgrid(cols, rows)


def grid_for(bounds: tuple[float, float, float, float], cell_size: float) -> Grid:
    """A grid of ``cell_size`` metres covering ``bounds``, with edges on multiples of the cell size."""
    minx, miny, maxx, maxy = bounds
    left, bottom = np.floor(minx / cell_size) * cell_size, np.floor(miny / cell_size) * cell_size
    right, top = np.ceil(maxx / cell_size) * cell_size, np.ceil(maxy / cell_size) * cell_size
    width, height = max(int(round((right - left) / cell_size)), 1), max(int(round((top - bottom) / cell_size)), 1)
    return Grid(Affine(cell_size, 0, left, 0, -cell_size, top), width, height)


def grid_of(raster: Raster) -> Grid:
    """The grid of a raster (which must be north-up)."""
    t = raster.transform
    if t.b != 0 or t.d != 0 or t.e >= 0:
        raise InputError("the population raster is rotated or not north-up; warp it to a north-up grid "
                         "(gdalwarp -t_srs EPSG:27700)")
    return Grid(t, raster.values.shape[1], raster.values.shape[0])


def label_oas(boundaries: gpd.GeoDataFrame, grid: Grid) -> np.ndarray:
    """Each cell's OA as 1 + its row in ``boundaries`` (0: no OA), by cell centre."""
    shapes = ((geometry, i + 1) for i, geometry in enumerate(boundaries.geometry))
    return rasterize(shapes, out_shape=grid.shape, transform=grid.transform, fill=0, dtype="int32")


def polygon_points(boundaries: gpd.GeoDataFrame) -> np.ndarray:
    """Each polygon's centroid, or a point inside it where the centroid falls outside."""
    centroid = boundaries.geometry.centroid
    inside = boundaries.geometry.contains(centroid).to_numpy()
    points = np.where(inside, centroid.to_numpy(), boundaries.geometry.representative_point().to_numpy())
    return shapely.get_coordinates(points)


def rasterise_population(boundaries: gpd.GeoDataFrame, population: np.ndarray, grid: Grid,
                         labels: np.ndarray) -> np.ndarray:
    """People per cell from people per OA (NaN outside every OA); the total is kept."""
    n = len(boundaries)
    cells = np.bincount(labels.ravel(), minlength=n + 1)[1:]
    per_cell = np.where(cells > 0, population / np.maximum(cells, 1), 0.0)
    values = np.concatenate([[np.nan], per_cell])[labels]
    small = np.flatnonzero((cells == 0) & (population > 0))
    if small.size:
        xy = polygon_points(boundaries.iloc[small])
        cols, rows = ~grid.transform @ (xy[:, 0], xy[:, 1])
        cols, rows = np.floor(cols).astype(int), np.floor(rows).astype(int)
        inside = (rows >= 0) & (rows < grid.height) & (cols >= 0) & (cols < grid.width)
        values[rows[inside], cols[inside]] = np.nan_to_num(values[rows[inside], cols[inside]])
        np.add.at(values, (rows[inside], cols[inside]), population[small[inside]])
    return values


def weighted_points(boundaries: gpd.GeoDataFrame, raster: Raster) -> pd.DataFrame:
    """Population-weighted centroid and raster population of each OA (with the fallback)."""
    grid = grid_of(raster)
    labels = label_oas(boundaries, grid).ravel()
    people = np.nan_to_num(raster.values).ravel()
    x, y = (a.ravel() for a in grid.centres())
    n = len(boundaries) + 1
    weight = np.bincount(labels, people, minlength=n)[1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        wx = np.bincount(labels, people * x, minlength=n)[1:] / weight
        wy = np.bincount(labels, people * y, minlength=n)[1:] / weight
    fallback = polygon_points(boundaries)
    weighted = weight > 0
    return pd.DataFrame({
        "oa_code": boundaries["oa_code"].to_numpy(),
        "easting": np.where(weighted, wx, fallback[:, 0]), "northing": np.where(weighted, wy, fallback[:, 1]),
        "demand": weight, "point": np.where(weighted, "population-weighted centroid", "polygon centroid"),
    })


def distance_surface(grid: Grid, labels: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """Straight-line metres from each cell centre inside the area to the nearest site (nodata outside)."""
    out = np.full(grid.shape, NODATA_FLOAT, dtype="float32")
    inside = labels > 0
    if len(sites) == 0 or not inside.any():
        return out
    x, y = grid.centres()
    distance, _ = cKDTree(sites).query(np.column_stack([x[inside], y[inside]]), k=1)
    out[inside] = distance.astype("float32")
    return out


def code_surface(labels: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """An integer code per cell from an integer code per OA (0 = nodata)."""
    lookup = np.concatenate([[NODATA_CODE], codes]).astype("int32")
    return lookup[labels]
