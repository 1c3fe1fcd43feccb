"""Resolve service-use records to the Output Area where each user lives.

A record's home location is taken from the finest column that is filled in:
``oa_code``, else ``postcode`` (through the postcode lookup: the postcode's point
falls in one OA), else ``lsoa_code`` (shared out over the LSOA's OAs in proportion to
their residents, so an LSOA record adds fractions of a record to several OAs).
A record that cannot be placed is rejected with a reason. Reasons never repeat the
value given (a home postcode is personal data): the row number is enough to find it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from spacemap.io.service_records import Table, normalise_postcode

log = logging.getLogger(__name__)

LIST_SEPARATOR = "; "


@dataclass
class ResolvedRecords:
    """Records placed in OAs (aggregated), the rejected rows, and how rows were placed."""

    counts: pd.DataFrame   # oa_code, service, record_type, count
    rejects: pd.DataFrame  # row, reason
    rows_in: int
    rows_used: int
    records_used: float    # sum of the counts used (not for output: with the disclosed totals it could
                           # reveal a withheld one)
    placed_by: dict[str, int] = field(default_factory=dict)  # oa_code / postcode / lsoa_code -> rows


def postcode_oas(lookup: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> pd.DataFrame:
    """For each postcode of the lookup: its OA in the area (NaN if none) and its LSOA code."""
    area = set(boundaries["oa_code"])
    given = lookup["oa_code"].astype(object).where(lookup["oa_code"].isin(area))
    located = lookup[given.isna() & lookup["easting"].notna() & lookup["northing"].notna()]
    points = gpd.GeoDataFrame(index=located.index, geometry=gpd.points_from_xy(
        located["easting"], located["northing"]), crs=boundaries.crs)
    joined = gpd.sjoin(points, boundaries[["oa_code", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    oa = given.copy()
    oa.loc[joined.index] = joined["oa_code"]
    return pd.DataFrame({"oa_code": oa, "lsoa_code": lookup["lsoa_code"].astype(object)}, index=lookup.index)


def lsoa_shares(lsoa_lookup: pd.DataFrame, population: pd.Series) -> pd.DataFrame:
    """Each area OA's share of its LSOA's residents (equal shares in an LSOA with no residents)."""
    table = lsoa_lookup[lsoa_lookup["oa_code"].isin(population.index)].copy()
    table["population"] = population.reindex(table["oa_code"]).to_numpy()
    grouped = table.groupby("lsoa_code")["population"]
    total, size = grouped.transform("sum"), grouped.transform("size")
    table["share"] = np.where(total > 0, table["population"] / total.where(total > 0, 1), 1.0 / size)
    return table[["lsoa_code", "oa_code", "share"]]


def resolve_records(table: Table, population: pd.Series, postcodes: pd.DataFrame | None,
                    lsoa_lookup: pd.DataFrame | None, sites: gpd.GeoDataFrame | None,
                    record_type: str = "records") -> ResolvedRecords:
    """Place every record in an OA of the area or reject it with a reason."""
    cells = table.cells
    n = len(cells)
    reason = pd.Series(pd.NA, index=cells.index, dtype=object)
    service = _services(cells, sites, reason)
    kind, code = _locations(cells, population, postcodes, lsoa_lookup, reason)
    used = reason.isna().to_numpy()
    count = cells["count"].to_numpy(dtype=float) if "count" in cells else np.ones(n)
    types = cells["record_type"].fillna(record_type) if "record_type" in cells else pd.Series(record_type, index=cells.index)
    rows = pd.DataFrame({"row": np.arange(n), "kind": kind, "code": code, "service": service,
                         "record_type": types, "count": count})[used]
    direct = rows[rows["kind"] != "lsoa_code"].assign(oa_code=lambda f: f["code"], share=1.0)
    shared = rows[rows["kind"] == "lsoa_code"]
    if len(shared):
        shares = lsoa_shares(lsoa_lookup, population)
        shared = shared.merge(shares, left_on="code", right_on="lsoa_code", how="inner")
    placed = pd.concat([direct, shared], ignore_index=True)
    placed["count"] = placed["count"] * placed["share"]
    counts = (placed.groupby(["oa_code", "service", "record_type"], sort=True)["count"].sum().reset_index())
    rejects = pd.DataFrame({"row": table.source_row[~used], "reason": reason[~used].to_numpy()})
    placed_by = {k: int(v) for k, v in rows["kind"].value_counts().sort_index().items()}
    log.info("Records: %d rows in, %d used, %d rejected", n, int(used.sum()), len(rejects))
    return ResolvedRecords(counts, rejects, n, int(used.sum()), float(count[used].sum()), placed_by)


def _services(cells: pd.DataFrame, sites: gpd.GeoDataFrame | None, reason: pd.Series) -> pd.Series:
    service = cells["service"].copy() if "service" in cells else pd.Series(pd.NA, index=cells.index, dtype=object)
    if "site_id" in cells:
        offered = sites.set_index("site_id")["services"] if sites is not None else pd.Series(dtype=object)
        site = cells["site_id"]
        known = site.isin(offered.index)
        of_site = site.map(offered)
        several = of_site.str.contains(LIST_SEPARATOR.strip(), regex=False, na=False)
        need = service.isna() & site.notna()
        _reject(reason, need & ~known, "site_id is not a site in the sites table; check the site id or the estate")
        _reject(reason, need & known & several, "the site offers several services; give the service in a "
                "'service' column")
        service = service.where(~(need & known & ~several), of_site)
    _reject(reason, service.isna(), "no service or site given")
    return service


def _locations(cells: pd.DataFrame, population: pd.Series, postcodes: pd.DataFrame | None,
               lsoa_lookup: pd.DataFrame | None, reason: pd.Series) -> tuple[pd.Series, pd.Series]:
    kind = pd.Series(pd.NA, index=cells.index, dtype=object)
    code = pd.Series(pd.NA, index=cells.index, dtype=object)
    blank = pd.Series(pd.NA, index=cells.index, dtype=object)
    if "oa_code" in cells:
        oa = cells["oa_code"].str.upper()
        here = oa.notna() & kind.isna()
        _reject(reason, here & ~oa.isin(population.index), "OA code is not an Output Area of the area")
        kind[here], code[here] = "oa_code", oa[here]
    if "postcode" in cells:
        here = cells["postcode"].notna() & kind.isna()
        postcode = normalise_postcode(cells["postcode"].where(here))
        found = postcode.isin(postcodes.index) if postcodes is not None else pd.Series(False, index=cells.index)
        oa = postcode.map(postcodes["oa_code"]) if postcodes is not None else blank
        lsoa = postcode.map(postcodes["lsoa_code"]) if postcodes is not None else blank
        _reject(reason, here & ~found, "postcode is not in the postcode lookup (mistyped, retired or outside the "
                "lookup's area)")
        in_oa = here & found & oa.notna()
        by_lsoa = here & found & oa.isna() & lsoa.notna() & _known_lsoa(lsoa, lsoa_lookup, population)
        _reject(reason, here & found & ~in_oa & ~by_lsoa, "postcode lies outside the area's Output Areas")
        kind[in_oa], code[in_oa] = "postcode", oa[in_oa]
        kind[by_lsoa], code[by_lsoa] = "lsoa_code", lsoa[by_lsoa]
    if "lsoa_code" in cells:
        lsoa = cells["lsoa_code"].str.upper()
        here = lsoa.notna() & kind.isna()
        _reject(reason, here & ~_known_lsoa(lsoa, lsoa_lookup, population),
                "LSOA code is not in the OA → LSOA lookup for the area")
        kind[here], code[here] = "lsoa_code", lsoa[here]
    _reject(reason, kind.isna(), "no home location: the OA code, postcode and LSOA code are all blank")
    return kind, code


def _known_lsoa(lsoa: pd.Series, lookup: pd.DataFrame | None, population: pd.Series) -> pd.Series:
    if lookup is None:
        return pd.Series(False, index=lsoa.index)
    return lsoa.isin(lookup.loc[lookup["oa_code"].isin(population.index), "lsoa_code"])


def _reject(reason: pd.Series, mask: pd.Series, text: str) -> None:
    """Record ``text`` for the rows of ``mask`` that have no reason yet (the first problem wins)."""
    mask = mask.fillna(False).astype(bool) & reason.isna()
    reason[mask] = text
