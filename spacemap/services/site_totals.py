"""Match a table of users per site (e.g. patients per GP practice) to the sites.

A row is matched by ``site_id`` when the table has one; otherwise by postcode among
the sites offering the service, using the name to tell apart several sites at one
postcode, and by name alone when the postcode finds none. Two rows may land on one
site (two practices in one health centre): their totals add up. A row that matches
no site, or several, is an error naming its row: the model cannot place its users.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from spacemap.errors import InputError, where
from spacemap.io.service_records import Table

log = logging.getLogger(__name__)


@dataclass
class SiteTotals:
    """Users per site of one service, and how the table's rows were matched."""

    service: str
    totals: pd.Series            # index site_id (every site offering the service), users
    matched: pd.DataFrame        # row, site_id, matched_by
    unlisted: list[str] = field(default_factory=list)  # sites of the service with no row (0 users)


def offers(sites: gpd.GeoDataFrame, service: str) -> np.ndarray:
    """Which sites list ``service`` among their '; '-joined services."""
    return sites["services"].str.split(";").apply(lambda items: service in {s.strip() for s in items}).to_numpy()


def match_site_totals(table: Table, sites: gpd.GeoDataFrame, default_service: str) -> list[SiteTotals]:
    """One SiteTotals per service named in the table (or ``default_service``)."""
    cells = table.cells
    service = cells["service"].fillna(default_service) if "service" in cells else pd.Series(
        default_service, index=cells.index)
    results = []
    for name in sorted(service.unique()):
        rows = np.flatnonzero((service == name).to_numpy())
        candidates = sites[offers(sites, name)]
        if candidates.empty:
            raise InputError(f"{where(table.path, int(table.source_row[rows[0]]))}: no site offers the service "
                             f"'{name}'; check the service name or the estate's services")
        results.append(_match_service(table, rows, candidates, name))
    return results


def _match_service(table: Table, rows: np.ndarray, candidates: gpd.GeoDataFrame, service: str) -> SiteTotals:
    names = _site_names(candidates)
    matched = []
    for i in rows:
        site_id, how = _match_row(table, int(i), candidates, names, service)
        matched.append((int(table.source_row[i]), site_id, how, float(table.cells["total"].iloc[i])))
    frame = pd.DataFrame(matched, columns=["row", "site_id", "matched_by", "total"])
    totals = frame.groupby("site_id")["total"].sum().reindex(candidates["site_id"], fill_value=0.0)
    unlisted = sorted(set(candidates["site_id"]) - set(frame["site_id"]))
    if unlisted:
        log.warning("%d %s site(s) have no row in %s and are modelled with no users: %s", len(unlisted), service,
                    table.path.name, ", ".join(unlisted[:5]))
    return SiteTotals(service, totals.rename("total"), frame[["row", "site_id", "matched_by"]], unlisted)


def _match_row(table: Table, i: int, candidates: gpd.GeoDataFrame, names: pd.Series, service: str) -> tuple[str, str]:
    cells = table.cells.iloc[i]
    row = int(table.source_row[i])
    if "site_id" in table.cells and pd.notna(cells["site_id"]):
        hit = candidates["site_id"] == str(cells["site_id"])
        return _one(table, row, candidates[hit.to_numpy()], "site_id", service, cells)
    name = _normal(cells["name"]) if "name" in table.cells and pd.notna(cells["name"]) else None
    if "postcode" in table.cells and pd.notna(cells["postcode"]) and "postcode" in candidates:
        at = candidates[(candidates["postcode"] == cells["postcode"]).to_numpy()]
        if len(at) == 1:
            return at["site_id"].iloc[0], "postcode"
        if len(at) > 1:
            named = at[names.loc[at.index].apply(lambda options: name in options).to_numpy()] if name else at.iloc[0:0]
            return _one(table, row, named if len(named) else at, "postcode and name", service, cells)
    if name:
        named = candidates[names.apply(lambda options: name in options).to_numpy()]
        return _one(table, row, named, "name", service, cells)
    return _one(table, row, candidates.iloc[0:0], "postcode", service, cells)


def _one(table: Table, row: int, hits: gpd.GeoDataFrame, how: str, service: str, cells: pd.Series) -> tuple[str, str]:
    if len(hits) == 1:
        return hits["site_id"].iloc[0], how
    shown = ", ".join(f"{k} '{cells[k]}'" for k in ("site_id", "name", "postcode") if k in cells and pd.notna(cells[k]))
    if hits.empty:
        raise InputError(f"{where(table.path, row)}: the site totals row ({shown}) matches no '{service}' site; "
                         "add the site to the estate, correct the row, or remove it")
    raise InputError(f"{where(table.path, row)}: the site totals row ({shown}) matches {len(hits)} '{service}' sites "
                     f"({', '.join(hits['site_id'].head(3))}); add a site_id column to say which")


def _site_names(sites: gpd.GeoDataFrame) -> pd.Series:
    """Every name a site answers to: its name and, for merged sites, its occupiers."""
    def names(row) -> set[str]:
        found = {_normal(row["name"])} if pd.notna(row["name"]) else set()
        if "occupiers" in row and isinstance(row["occupiers"], str):
            found |= {_normal(part) for part in row["occupiers"].split(";")}
        return found

    return sites.apply(names, axis=1)


def _normal(text) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text).lower())
