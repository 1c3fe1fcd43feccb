"""Read a population raster (any CRS, reprojected to EPSG:27700) and write GeoTIFFs QGIS opens.

A population raster holds counts per cell, so reprojection sums the source cells
falling in each target cell (GDAL's ``sum`` resampling) and the result is rescaled
to the source total: no one is created or lost by the change of grid.
Written GeoTIFFs are EPSG:27700, DEFLATE-compressed, with nodata set.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.errors import RasterioIOError
from rasterio.warp import calculate_default_transform, reproject

from spacemap.errors import CRSError, InputError

log = logging.getLogger(__name__)

BNG = CRS.from_epsg(27700)


@dataclass
class Raster:
    """A single-band raster in EPSG:27700: values (NaN for nodata) and the cell → metres transform."""

    values: np.ndarray
    transform: Affine
    source_crs: str  # the CRS the file was in (EPSG:27700 when not reprojected)

    @property
    def cell_area_m2(self) -> float:
        return abs(self.transform.a * self.transform.e - self.transform.b * self.transform.d)


def read_population_raster(path: str | Path) -> Raster:
    """People per cell from a GeoTIFF; negative or nodata cells count as no one."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"population raster {path} does not exist; check --population-raster")
    try:
        with rasterio.open(path) as source:
            if source.crs is None:
                raise CRSError(f"population raster {path} has no coordinate reference system; assign one "
                               "(e.g. gdal_edit.py -a_srs EPSG:27700) and try again")
            values = source.read(1, masked=True).astype("float64").filled(np.nan)
            crs, transform = source.crs, source.transform
    except RasterioIOError as error:
        raise InputError(f"population raster {path} is not a readable GeoTIFF ({error})") from error
    values[~np.isfinite(values) | (values < 0)] = np.nan
    if not np.nansum(values) > 0:
        raise InputError(f"population raster {path} holds no population (every cell is 0 or nodata)")
    if crs == BNG:
        return Raster(values, transform, "EPSG:27700")
    log.info("Reprojecting population raster %s from %s to EPSG:27700", path.name, crs.to_string())
    return _reproject_counts(values, transform, crs, path)


def _reproject_counts(values: np.ndarray, transform: Affine, crs: CRS, path: Path) -> Raster:
    height, width = values.shape
    left, top = transform @ (0, 0)
    right, bottom = transform @ (width, height)
    try:
        with warnings.catch_warnings():  # rasterio's own use of the affine `*` operator
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            target, out_width, out_height = calculate_default_transform(
                crs, BNG, width, height, left=min(left, right), bottom=min(top, bottom),
                right=max(left, right), top=max(top, bottom))
    except Exception as error:  # GDAL raises CPLE_* errors for impossible transforms
        raise CRSError(f"population raster {path} cannot be reprojected from {crs.to_string()} to EPSG:27700 "
                       f"({error}); reproject it yourself, e.g. with gdalwarp -t_srs EPSG:27700") from error
    out = np.zeros((out_height, out_width), dtype="float64")
    reproject(np.nan_to_num(values), out, src_transform=transform, src_crs=crs, dst_transform=target,
              dst_crs=BNG, resampling=Resampling.sum, src_nodata=None, dst_nodata=0.0)
    total, placed = float(np.nansum(values)), float(out.sum())
    if not placed > 0:
        raise CRSError(f"population raster {path}: no cell lands in EPSG:27700 after reprojection from "
                       f"{crs.to_string()}; check the raster's CRS")
    out *= total / placed
    out[out <= 0] = np.nan
    return Raster(out, target, crs.to_string())


def write_geotiff(path: Path, values: np.ndarray, transform: Affine, nodata: float | int) -> Path:
    """Write one band in EPSG:27700 with nodata and DEFLATE compression (atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    profile = {
        "driver": "GTiff", "height": values.shape[0], "width": values.shape[1], "count": 1,
        "dtype": values.dtype.name, "crs": BNG, "transform": transform, "nodata": nodata,
        "compress": "deflate",
    }
    with rasterio.open(tmp, "w", **profile) as sink:
        sink.write(values, 1)
    tmp.replace(path)
    return path
