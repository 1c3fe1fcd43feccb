"""Rasters: rasterised populations, weighted centroids, reprojection, GeoTIFFs QGIS can open."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.warp import transform_bounds
from shapely.geometry import box

from spacemap.errors import CRSError
from spacemap.io.rasters import Raster, read_population_raster, write_geotiff
from spacemap.services import rasters as grids
from tests.services.area import X0, Y0, boundaries, population


def _write(path, values, transform, crs="EPSG:27700", nodata=None):
    profile = {"driver": "GTiff", "height": values.shape[0], "width": values.shape[1], "count": 1,
               "dtype": values.dtype.name, "transform": transform}
    if crs is not None:
        profile["crs"] = crs
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(path, "w", **profile) as sink:
        sink.write(values, 1)
    return path


def test_grid_edges_fall_on_multiples_of_the_cell_size():
    grid = grids.grid_for((380040.0, 390010.0, 381990.0, 391500.0), 100)
    assert (grid.transform.c, grid.transform.f, grid.width, grid.height) == (380000, 391500, 20, 15)


def test_oa_populations_spread_evenly_and_the_total_is_kept():
    area = boundaries()
    grid = grids.grid_for(tuple(area.total_bounds), 500)
    labels = grids.label_oas(area, grid)
    values = grids.rasterise_population(area, population().to_numpy(), grid, labels)
    assert values.shape == (4, 4)
    # Top-left 2x2 cells are OA3 (300 residents): 75 each; bottom-right OA2 (200): 50 each.
    assert values[:2, :2].tolist() == [[75, 75], [75, 75]]
    assert values[2:, 2:].tolist() == [[50, 50], [50, 50]]
    assert np.nansum(values) == pytest.approx(1000)


def test_an_oa_smaller_than_a_cell_still_keeps_its_residents():
    area = gpd.GeoDataFrame({"oa_code": ["big", "tiny"]}, geometry=[
        box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 1010, Y0 + 10, X0 + 1040, Y0 + 40)], crs="EPSG:27700")
    grid = grids.grid_for(tuple(area.total_bounds), 500)
    labels = grids.label_oas(area, grid)
    values = grids.rasterise_population(area, np.array([100.0, 7.0]), grid, labels)
    assert np.nansum(values) == pytest.approx(107)
    assert values[-1, -1] == pytest.approx(7)  # the cell under the tiny OA


def test_population_weighted_centroid_by_hand():
    # OA1 (380000-381000, 390000-391000) on 500 m cells: 10 people in its south-west cell, 30 in its south-east.
    values = np.zeros((4, 4))
    values[3, 0], values[3, 1] = 10, 30
    raster = Raster(values, Affine(500, 0, X0, 0, -500, Y0 + 2000), "EPSG:27700")
    points = grids.weighted_points(boundaries(), raster)
    first = points.iloc[0]
    assert (first["easting"], first["northing"], first["demand"]) == (380625.0, 390250.0, 40.0)
    assert first["point"] == "population-weighted centroid"
    # OAs with no one in the raster fall back to the polygon centroid and no demand.
    assert points.iloc[3][["easting", "northing", "demand"]].tolist() == [381500, 391500, 0]
    assert points.iloc[3]["point"] == "polygon centroid"


def test_distance_surface_measures_from_cell_centres_and_is_nodata_outside():
    area = boundaries().iloc[[0]]
    grid = grids.grid_for((X0, Y0, X0 + 2000, Y0 + 1000), 500)
    labels = grids.label_oas(area, grid)
    surface = grids.distance_surface(grid, labels, np.array([[X0, Y0]], dtype=float))
    assert surface[1, 0] == pytest.approx(np.hypot(250, 250))
    assert surface[0, 1] == pytest.approx(np.hypot(750, 750))
    assert (surface[:, 2:] == grids.NODATA_FLOAT).all()


def test_geotiff_is_british_national_grid_compressed_with_nodata(tmp_path):
    values = np.array([[1.5, -1.0], [2.0, 3.0]], dtype="float32")
    path = write_geotiff(tmp_path / "a.tif", values, Affine(100, 0, X0, 0, -100, Y0), -1.0)
    with rasterio.open(path) as source:
        assert source.crs.to_epsg() == 27700
        assert source.nodata == -1.0
        assert source.profile["compress"] == "deflate"
        assert source.read(1, masked=True).mask.tolist() == [[False, True], [False, False]]


def test_raster_in_another_crs_is_reprojected_and_keeps_its_people(tmp_path):
    # A 4x4 raster in Web Mercator over the tiny area, 5 people per cell.
    west, south, east, north = transform_bounds("EPSG:27700", "EPSG:3857", X0, Y0, X0 + 2000, Y0 + 2000)
    transform = Affine((east - west) / 4, 0, west, 0, -(north - south) / 4, north)
    path = _write(tmp_path / "mercator.tif", np.full((4, 4), 5.0, dtype="float32"), transform, "EPSG:3857")
    raster = read_population_raster(path)
    assert raster.source_crs == "EPSG:3857"
    assert np.nansum(raster.values) == pytest.approx(80)
    assert raster.transform.e < 0 and 370000 < raster.transform.c < 390000


def test_nodata_and_negative_cells_count_as_no_one(tmp_path):
    values = np.array([[4, -9999], [-3, 6]], dtype="float32")
    path = _write(tmp_path / "pop.tif", values, Affine(100, 0, X0, 0, -100, Y0), nodata=-9999)
    raster = read_population_raster(path)
    assert np.nansum(raster.values) == 10


def test_raster_without_crs_is_an_error(tmp_path):
    path = _write(tmp_path / "nocrs.tif", np.ones((2, 2), dtype="float32"), Affine(100, 0, X0, 0, -100, Y0), crs=None)
    with pytest.raises(CRSError, match="has no coordinate reference system"):
        read_population_raster(path)
