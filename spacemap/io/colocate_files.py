"""Files of ``spacemap colocate``: its config and scenario (TOML), the estate and segments it reads, its GeoPackage."""

from __future__ import annotations

import tomllib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from spacemap.colocate.config import ColocateConfig, parse_config
from spacemap.colocate.scenario import Scenario, parse_scenario
from spacemap.errors import ConfigError, InputError, SchemaError, where
from spacemap.io.tables import read_segments_lookup

CATCHMENT_SITE_COLUMNS = ("site_id", "main_site_id")


def read_toml(path: str | Path, what: str, example: str) -> dict:
    """A TOML document; a missing file or a syntax error is one line naming the file (and line)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such {what}; {example}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML ({error}); fix the {what}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text; save the {what} as UTF-8") from None


def read_colocate_config(path: str | Path) -> ColocateConfig:
    """The weights and thresholds of a colocate.toml."""
    data = read_toml(path, "config file", "give a colocate.toml like assets/trafford/colocate.toml")
    return parse_config(data, str(path))


def read_scenario(path: str | Path) -> Scenario:
    """A what-if scenario: name, close = [ids], [move] closing id = host id."""
    data = read_toml(path, "scenario file", 'write close = ["site-a", "site-b"] in a .toml file')
    return parse_scenario(data, str(path))


def estate_file(path: str | Path) -> Path:
    """The estate GeoPackage of a spacemap estate output folder, or the file itself."""
    path = Path(path)
    if path.is_dir():
        path = path / "estate.gpkg"
    if not path.is_file():
        raise InputError(f"{path}: no such estate; give the folder written by spacemap estate, its estate.gpkg, "
                         "or an estate config (.toml)")
    return path


def read_estate_sites(path: str | Path) -> gpd.GeoDataFrame:
    """The ``sites`` layer of an estate.gpkg, every column kept, in EPSG:27700."""
    path = estate_file(path)
    try:
        sites = gpd.read_file(path, layer="sites", engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as error:
        raise InputError(f"{path} has no readable layer 'sites' ({' '.join(str(error).split())}); give the "
                         "estate.gpkg written by spacemap estate") from None
    if sites.crs is None:
        raise InputError(f"{path}: the sites have no coordinate reference system; write them in EPSG:27700")
    return sites.to_crs("EPSG:27700")


def read_segments_dir(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame | None, list[Path]]:
    """oa_segments.csv (and profiles.csv when present) of a spacemap segment output folder."""
    path = Path(path)
    lookup = path / "oa_segments.csv" if path.is_dir() else path
    if not lookup.is_file():
        raise InputError(f"{lookup}: no such file; give the folder written by spacemap segment (oa_segments.csv, "
                         "profiles.csv)")
    segments = read_segments_lookup(lookup)
    profiles_path = lookup.with_name("profiles.csv")
    if not profiles_path.is_file():
        return segments, None, [lookup]
    try:
        profiles = pd.read_csv(profiles_path, dtype={"code": str, "parent_code": str})
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(f"{profiles_path} cannot be read as CSV ({' '.join(str(error).split())})") from None
    for column in ("tier", "code"):
        if column not in profiles.columns:
            raise SchemaError(f"{where(profiles_path, 1)}: no '{column}' column; give the profiles.csv written by "
                              "spacemap segment")
    return segments, profiles, [lookup, profiles_path]


def read_catchment_table(path: str | Path) -> pd.DataFrame:
    """oa_code, service, site_id: the site each OA's users go to (catchments_oa.csv of spacemap services)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; give the catchments_oa.csv written by spacemap services")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(f"{path} cannot be read as CSV ({' '.join(str(error).split())})") from None
    site = next((c for c in CATCHMENT_SITE_COLUMNS if c in table.columns), None)
    if site is None or not {"oa_code", "service"} <= set(table.columns):
        raise SchemaError(f"{where(path, 1)}: needs oa_code, service and site_id (or main_site_id) columns")
    table = table.rename(columns={site: "site_id"})[["oa_code", "service", "site_id"]]
    return table[table["site_id"].str.strip() != ""].reset_index(drop=True)
