"""Buildings partners already share, found in the estate rather than assumed.

Two kinds of evidence:

- *one building in the estate*: the estate stage merged records of several registers or
  occupiers into one site (same UPRN, or within its merge distance with alike names or
  addresses) and the site names at least two occupiers;
- *sites standing together*: separate sites of different owners or occupiers within
  ``shared_within_m`` of each other that also share a postcode or a UPRN (joined
  transitively), found with a KD-tree query within the distance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from spacemap.colocate.sites import SEPARATOR, split_services

COLUMNS = ("shared_id", "site_ids", "names", "owners", "owner_types", "occupiers", "n_partners", "services",
           "evidence", "easting", "northing")


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame else pd.Series(np.nan, index=frame.index, dtype=object)


def _items(values) -> list[str]:
    found: dict[str, None] = {}
    for value in values:
        if isinstance(value, str):
            for item in value.split(";"):
                if item.strip():
                    found.setdefault(item.strip(), None)
    return list(found)


def _row(group: pd.DataFrame, evidence: str) -> dict:
    occupiers = _items(_column(group, "occupiers"))
    owners = _items(_column(group, "owner"))
    services = _items(SEPARATOR.join(s) for s in split_services(_column(group, "services")))
    return {"site_ids": SEPARATOR.join(group["site_id"].astype(str)), "names": SEPARATOR.join(_items(_column(group, "name"))),
            "owners": SEPARATOR.join(owners), "owner_types": SEPARATOR.join(_items(_column(group, "owner_type"))),
            "occupiers": SEPARATOR.join(occupiers), "n_partners": max(len(occupiers), len(owners)),
            "services": SEPARATOR.join(services), "evidence": evidence,
            "easting": round(float(group.geometry.x.mean()), 1), "northing": round(float(group.geometry.y.mean()), 1)}


def merged_buildings(estate: pd.DataFrame) -> list[dict]:
    """Sites the estate stage merged from records naming two or more occupiers."""
    rows = []
    occupiers = _column(estate, "occupiers")
    for position in np.flatnonzero(occupiers.map(lambda v: len(_items([v])) >= 2).to_numpy()):
        site = estate.iloc[[position]]
        registers = str(_column(site, "source_registers").iloc[0])
        records = int(_column(site, "n_records").fillna(1).iloc[0])
        evidence = (f"one building in the estate: {records} records (registers {registers.replace(SEPARATOR, ', ')}) "
                    "merged by UPRN or by location and name")
        rows.append(_row(site, evidence))
    return rows


def standing_together(estate: pd.DataFrame, within_m: float) -> list[dict]:
    """Separate sites within ``within_m`` sharing a postcode or UPRN, of different owners or occupiers."""
    if len(estate) < 2:
        return []
    xy = np.column_stack([estate.geometry.x.to_numpy(), estate.geometry.y.to_numpy()])
    pairs = cKDTree(xy).query_pairs(r=within_m, output_type="ndarray")
    if not len(pairs):
        return []
    postcode = _column(estate, "postcode").fillna("").astype(str).str.upper().str.replace(" ", "").to_numpy()
    uprn = _column(estate, "uprn").fillna("").astype(str).to_numpy()
    owner = _column(estate, "owner").fillna("").astype(str).to_numpy()
    occupier = _column(estate, "occupiers").fillna("").astype(str).to_numpy()
    a, b = pairs[:, 0], pairs[:, 1]
    same_place = ((postcode[a] == postcode[b]) & (postcode[a] != "")) | ((uprn[a] == uprn[b]) & (uprn[a] != ""))
    partners = (owner[a] != owner[b]) | (occupier[a] != occupier[b])
    pairs = pairs[same_place & partners]
    if not len(pairs):
        return []
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(estate), len(estate)))
    _, label = connected_components(graph, directed=False)
    linked = np.unique(pairs)
    rows = []
    for component in np.unique(label[linked]):
        members = np.flatnonzero(label == component)
        group = estate.iloc[members]
        gap = float(np.max(np.hypot(*(xy[members][:, None, :] - xy[members][None, :, :]).transpose(2, 0, 1))))
        key = "postcode " + str(group["postcode"].iloc[0]) if "postcode" in group and group["postcode"].notna().all() \
            and group["postcode"].nunique() == 1 else "the same UPRN"
        rows.append(_row(group, f"sites standing together: {len(group)} sites within {gap:,.0f} m at {key}"))
    return rows


def shared_sites(estate: pd.DataFrame, within_m: float) -> pd.DataFrame:
    """Every shared building found, sorted by its site ids."""
    estate = estate.assign(site_id=estate["site_id"].astype(str)).sort_values("site_id", kind="stable")
    estate = estate.reset_index(drop=True)
    rows = merged_buildings(estate) + standing_together(estate, within_m)
    table = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "shared_id"])
    table = table.sort_values("site_ids", kind="stable").reset_index(drop=True)
    table.insert(0, "shared_id", [f"S{i:03d}" for i in range(1, len(table) + 1)])
    return table[list(COLUMNS)]
