"""The output folders of earlier spacemap runs, read back for the maps and locality packs.

Each file is checked for the columns the maps draw; a missing file, a file that cannot
be read or a missing column is one ``Error:`` line naming the file and what to give.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from spacemap.errors import InputError, SchemaError, where

SEGMENT_COLUMNS = ("oa_code", "tier1_code")
SERVICE_USE_COLUMNS = ("oa_code", "service", "record_type", "rate_per_1000", "observed_expected", "non_take_up")
ACCESS_COLUMNS = ("oa_code",)
CATCHMENT_COLUMNS = ("oa_code", "service", "main_site_id")
CANDIDATE_COLUMNS = ("candidate_id", "rank", "host_site_id", "host_name", "member_site_ids", "score", "reasons",
                     "equity_flag")
LINK_COLUMNS = ("candidate_id", "host_site_id", "member_site_id", "distance_m")
TEXT_COLUMNS = {"oa_code": str, "main_site_id": str, "service": str, "record_type": str, "code": str,
                "parent_code": str}


@dataclass
class RunFolders:
    """What the run folders hold (None where a folder was not given), and the files read."""

    oa_segments: pd.DataFrame | None = None
    segment_boundaries: gpd.GeoDataFrame | None = None
    profiles: pd.DataFrame | None = None
    sites: gpd.GeoDataFrame | None = None
    service_use: pd.DataFrame | None = None
    access: pd.DataFrame | None = None
    catchments: pd.DataFrame | None = None
    candidates: gpd.GeoDataFrame | None = None
    links: gpd.GeoDataFrame | None = None
    files: list[Path] = field(default_factory=list)


def read_run_folders(segments=None, estate=None, services=None, colocate=None) -> RunFolders:
    """The themes of the spacemap output folders given."""
    found = RunFolders()
    if segments is not None:
        path = need(Path(segments) / "oa_segments.gpkg", "spacemap segment")
        layer = _layer(path, None, SEGMENT_COLUMNS)
        found.oa_segments = pd.DataFrame(layer.drop(columns="geometry"))
        found.segment_boundaries = layer[["oa_code", "geometry"]]
        found.files.append(path)
        profiles_path = Path(segments) / "profiles.csv"
        if profiles_path.is_file():
            found.profiles = _csv(profiles_path, ("tier", "code"))
            found.files.append(profiles_path)
    if estate is not None:
        from spacemap.io.colocate_files import estate_file, read_estate_sites

        found.sites = read_estate_sites(estate)
        found.files.append(estate_file(estate))
    if services is not None:
        folder = Path(services)
        found.service_use = _csv(need(folder / "service_use_oa.csv", "spacemap services"), SERVICE_USE_COLUMNS)
        found.files.append(folder / "service_use_oa.csv")
        for attribute, name, columns in (("access", "access_oa.csv", ACCESS_COLUMNS),
                                         ("catchments", "catchments_oa.csv", CATCHMENT_COLUMNS)):
            if (folder / name).is_file():
                setattr(found, attribute, _csv(folder / name, columns))
                found.files.append(folder / name)
    if colocate is not None:
        path = need(Path(colocate) / "candidates.gpkg", "spacemap colocate")
        found.candidates = _layer(path, "candidates", CANDIDATE_COLUMNS)
        found.links = _layer(path, "links", LINK_COLUMNS)
        found.files.append(path)
    return found


def need(path: Path, command: str) -> Path:
    """The path, or an error saying which command writes it."""
    if not path.is_file():
        raise InputError(f"{path} does not exist; give the output folder of {command}")
    return path


def _csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype={c: t for c, t in TEXT_COLUMNS.items()})
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(f"{path} cannot be read as CSV ({' '.join(str(error).split())}); give the file as "
                         "spacemap wrote it") from None
    _check(frame, columns, path)
    return frame


def _layer(path: Path, layer: str | None, columns: tuple[str, ...]) -> gpd.GeoDataFrame:
    try:
        frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as error:
        what = f"layer '{layer}'" if layer else "layer"
        raise InputError(f"{path} has no readable {what} ({' '.join(str(error).split())}); give the file as "
                         "spacemap wrote it") from None
    if frame.crs is None:
        raise InputError(f"{path}: the layer has no coordinate reference system; give the file as spacemap wrote it")
    _check(frame, columns, path)
    if "oa_code" in frame:
        frame["oa_code"] = frame["oa_code"].astype(str)
    return frame


def _check(frame: pd.DataFrame, columns: tuple[str, ...], path: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(f"{where(path, 1)}: no '{missing[0]}' column; give the file as spacemap wrote it "
                          f"(columns needed: {', '.join(columns)})")
