"""Locate register rows: coordinates (lon/lat or easting/northing) or a postcode lookup.

Decisions, documented in the report:
- Coordinates win over a postcode when both are given.
- Lon/lat given the wrong way round (latitude in the longitude column) is
  unambiguous in Great Britain, so the row is kept, swapped back and marked
  ``coordinates_swapped_fixed``.
- A postcode is geocoded to its centroid only when it is a full unit postcode
  found in the lookup. An outward code alone ("M41") covers several km², so the
  row is rejected rather than placed at a district centroid.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pyproj import Transformer

from spacemap.errors import CRSError
from spacemap.estate.units import TEXT

BNG = "EPSG:27700"

# Great Britain, generously: longitude −9…2.5, latitude 49…61; BNG 0…700 km east, 0…1300 km north.
GB_LON = (-9.0, 2.5)
GB_LAT = (49.0, 61.0)
GB_EAST = (0.0, 700_000.0)
GB_NORTH = (0.0, 1_300_000.0)

_FULL = r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$"
_OUTWARD = r"^[A-Z]{1,2}[0-9][A-Z0-9]?$"

_TO_BNG = Transformer.from_crs("EPSG:4326", BNG, always_xy=True)


def normalise_postcode(raw: pd.Series) -> pd.Series:
    """Postcodes in the standard form "M41 0XX": upper case, one space before the inward code.

    Values that are not full postcodes are returned upper-cased with single spaces.
    """
    raw = raw.astype(TEXT)
    compact = raw.str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)
    full = compact.str.replace(_FULL, r"\1 \2", regex=True)
    spaced = raw.str.upper().str.replace(r"\s+", " ", regex=True).str.strip()
    return full.where(compact.str.match(_FULL, na=False), spaced)


def postcode_problem(postcode: pd.Series) -> pd.Series:
    """Why a (normalised) postcode cannot be geocoded by format alone; NaN when it is a full postcode."""
    postcode = postcode.astype(TEXT)
    compact = postcode.str.replace(" ", "", regex=False)
    outward = compact.str.match(_OUTWARD, na=False)
    full = compact.str.match(_FULL, na=False)
    reason = pd.Series(None, index=postcode.index, dtype=object)
    reason[outward] = ("postcode '" + postcode + "' is only an outward code (district), too coarse to place a "
                       "site; give the full postcode or coordinates")[outward]
    other = postcode.notna() & ~outward & ~full
    reason[other] = ("postcode '" + postcode + "' is not a valid UK postcode")[other]
    return reason


def lonlat_to_bng(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitude/latitude (WGS84) to British National Grid metres."""
    return _TO_BNG.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


def _inside(values: pd.Series, bounds: tuple[float, float]) -> pd.Series:
    return values.between(*bounds)


def locate_lonlat(lon: pd.Series, lat: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Points from lon/lat columns: (easting, northing, location_source, reason)."""
    good = _inside(lon, GB_LON) & _inside(lat, GB_LAT)
    swapped = ~good & _inside(lat, GB_LON) & _inside(lon, GB_LAT)
    use_lon = lon.where(~swapped, lat)
    use_lat = lat.where(~swapped, lon)
    east, north = lonlat_to_bng(use_lon.to_numpy(), use_lat.to_numpy())
    located = good | swapped
    source = pd.Series(np.where(swapped, "coordinates_swapped_fixed", "coordinates"), index=lon.index).where(located)
    given = lon.notna() & lat.notna()
    reason = pd.Series(None, index=lon.index, dtype=object)
    outside = given & ~located
    reason[outside] = ("longitude/latitude (" + lon.astype(str) + ", " + lat.astype(str)
                       + ") is not in Great Britain")[outside]
    half = lon.notna() ^ lat.notna()
    reason[half] = "only one of longitude/latitude is given"
    east = pd.Series(east, index=lon.index).where(located)
    north = pd.Series(north, index=lon.index).where(located)
    return east, north, source, reason


def locate_bng(east: pd.Series, north: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Points from easting/northing columns (metres): (easting, northing, location_source, reason)."""
    good = _inside(east, GB_EAST) & _inside(north, GB_NORTH)
    given = east.notna() & north.notna()
    reason = pd.Series(None, index=east.index, dtype=object)
    looks_lonlat = given & _inside(east, GB_LON) & _inside(north, GB_LAT)
    reason[given & ~good] = ("easting/northing (" + east.astype(str) + ", " + north.astype(str)
                             + ") is not in Great Britain")[given & ~good]
    reason[looks_lonlat] = ("easting/northing (" + east.astype(str) + ", " + north.astype(str)
                            + ") look like longitude/latitude; map them as lon/lat")[looks_lonlat]
    reason[east.notna() ^ north.notna()] = "only one of easting/northing is given"
    ok = good & ~looks_lonlat
    source = pd.Series("coordinates", index=east.index).where(ok)
    return east.where(ok), north.where(ok), source, reason


def check_coordinate_columns(first: pd.Series, second: pd.Series, fields: tuple[str, str],
                             columns: dict, where: str) -> None:
    """Refuse coordinate columns that are plainly the other kind: metres mapped as lon/lat, or the reverse.

    A few odd rows are rejected one by one; when every given pair is the other
    kind, the column map is wrong and the whole register stops with an error.
    """
    given = first.notna() & second.notna()
    if not given.any():
        return
    x, y = first[given], second[given]
    degrees = x.between(-180, 180) & y.between(-90, 90)
    headings = f"columns '{columns.get(fields[0])}' and '{columns.get(fields[1])}'"
    example = f"(row values {x.iloc[0]:g}, {y.iloc[0]:g})"
    if fields == ("lon", "lat") and not degrees.any():
        raise CRSError(f"{where}: {headings} are mapped as lon and lat but hold metres {example}; "
                       "map them as easting and northing in [register.columns]")
    if fields == ("easting", "northing") and degrees.all():
        raise CRSError(f"{where}: {headings} are mapped as easting and northing but hold degrees {example}; "
                       "map them as lon and lat in [register.columns]")


def geocode_postcodes(postcode: pd.Series, lookup: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Postcode centroids from ``lookup`` (index: normalised postcode; columns easting, northing).

    Returns (easting, northing, reason); reason is NaN where the postcode was found.
    """
    reason = postcode_problem(postcode)
    full = postcode.notna() & reason.isna()
    east = postcode.map(lookup["easting"]).where(full)
    north = postcode.map(lookup["northing"]).where(full)
    missing = full & east.isna()
    reason[missing] = ("postcode '" + postcode + "' is not in the postcode lookup")[missing]
    return east, north, reason
