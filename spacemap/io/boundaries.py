"""Read Output Area boundaries (GeoJSON, GeoPackage, Shapefile) into EPSG:27700.

A file with no CRS is an error unless the user gives one; coordinates that are
plainly longitude/latitude labelled as British National Grid (or the reverse)
are an error that says so.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError

from spacemap.errors import CRSError, InputError, SchemaError

log = logging.getLogger(__name__)

BNG = "EPSG:27700"
CODE_COLUMNS = ("oa_code", "area_code", "OA21CD", "oa21cd", "OA11CD", "oa11cd", "geography code", "code")


def read_boundaries(path: Path, crs: str | None = None, code_column: str | None = None) -> gpd.GeoDataFrame:
    """Boundaries as a GeoDataFrame with ``oa_code`` and polygons in EPSG:27700."""
    frame = _read_vector(path)
    column = code_column or _find_code_column(frame, path)
    if column not in frame.columns:
        raise SchemaError(f"{path}: no column '{column}' (found: {', '.join(map(str, frame.columns))})")
    frame = frame[[column, "geometry"]].rename(columns={column: "oa_code"})
    frame["oa_code"] = frame["oa_code"].astype(str).str.strip()
    _check_rows(frame, path)
    frame = _set_crs(frame, path, crs)
    frame = frame.to_crs(BNG)
    return frame.sort_values("oa_code", kind="stable").reset_index(drop=True)


def read_polygons(path: Path, what: str = "polygons") -> gpd.GeoDataFrame:
    """Any polygons file (e.g. a user's localities) with every column, in its own declared CRS."""
    frame = _read_vector(path, what)
    if frame.crs is None:
        raise CRSError(f"{path} has no coordinate reference system; save it with one (e.g. EPSG:27700)")
    check_coordinates_match_crs(frame, path)
    return frame


def _read_vector(path: Path, what: str = "boundaries") -> gpd.GeoDataFrame:
    if not path.exists():
        raise InputError(f"{what} file {path} does not exist; check the path")
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{what} file {path} is empty")
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as error:
        raise InputError(
            f"{path} is not a readable {what} file ({' '.join(str(error).split())}); "
            "use GeoJSON, GeoPackage or Shapefile"
        ) from error
    if frame.empty:
        raise InputError(f"{what} file {path} has no features")
    return frame


def _find_code_column(frame: gpd.GeoDataFrame, path: Path) -> str:
    for column in CODE_COLUMNS:
        if column in frame.columns:
            return column
    raise SchemaError(
        f"{path}: no OA code column (looked for {', '.join(CODE_COLUMNS)}; found "
        f"{', '.join(map(str, frame.columns))}); pass --boundary-code-column NAME"
    )


def _check_rows(frame: gpd.GeoDataFrame, path: Path) -> None:
    missing_geometry = frame.geometry.isna() | frame.geometry.is_empty
    if missing_geometry.any():
        row = int(np.flatnonzero(missing_geometry.to_numpy())[0])
        raise InputError(f"{path}, feature {row + 1} ({frame['oa_code'].iloc[row]}): geometry is empty; fix or remove it")
    duplicated = frame["oa_code"].duplicated(keep=False)
    if duplicated.any():
        code = frame.loc[duplicated, "oa_code"].iloc[0]
        raise InputError(f"{path}: OA code {code} appears in more than one feature; dissolve or remove the duplicates")


def _set_crs(frame: gpd.GeoDataFrame, path: Path, crs: str | None) -> gpd.GeoDataFrame:
    if crs is not None:
        try:
            given = CRS.from_user_input(crs)
        except PyprojCRSError as error:
            raise CRSError(f"--crs '{crs}' is not a coordinate reference system; use e.g. EPSG:27700") from error
        if frame.crs is not None and CRS(frame.crs) != given:
            log.warning("%s declares %s; using --crs %s instead", path, frame.crs.to_string(), crs)
        frame = frame.set_crs(given, allow_override=True)
    if frame.crs is None:
        raise CRSError(
            f"{path} has no coordinate reference system; pass --crs EPSG:27700 (British National Grid) "
            "or --crs EPSG:4326 (longitude/latitude) to say which it is"
        )
    check_coordinates_match_crs(frame, path)
    return frame


def check_coordinates_match_crs(frame: gpd.GeoDataFrame, path: Path | str) -> None:
    """Refuse lon/lat coordinates labelled as a projected CRS, and the reverse."""
    minx, miny, maxx, maxy = frame.total_bounds
    looks_geographic = -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90
    crs = CRS(frame.crs)
    if crs.is_projected and looks_geographic:
        raise CRSError(
            f"{path} is labelled {crs.to_string()} (metres) but its coordinates look like longitude/latitude "
            f"({minx:.3f}, {miny:.3f} … {maxx:.3f}, {maxy:.3f}); relabel it EPSG:4326"
        )
    if crs.is_geographic and not looks_geographic:
        raise CRSError(
            f"{path} is labelled {crs.to_string()} (degrees) but its coordinates look projected "
            f"({minx:.0f}, {miny:.0f} … {maxx:.0f}, {maxy:.0f}); relabel it, e.g. EPSG:27700"
        )
