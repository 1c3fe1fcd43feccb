"""Who uses each site: every OA's residents, for each service type, use one site of that type.

The assumption (documented in the report): an OA's residents use the nearest site of each
service type (straight-line distance from the OA's point), unless a catchment table gives
the site most of its users go to (``catchments_oa.csv`` of ``spacemap services``, from its
Huff model calibrated to real site totals). A site's users are the residents of the OAs
that use it for any of its services (each OA counted once per site).

For each OA and service the ``k`` nearest sites are kept as well (k = the largest group
size): when a group's members close, their users move to the host or to the nearest
site still open. Everything comes from KD-tree queries (scipy.spatial.cKDTree) and is held
as (OA × service × k) arrays and sparse site × OA matrices, never a dense OA × site matrix.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.spatial import cKDTree

from spacemap.colocate.sites import Sites
from spacemap.errors import InputError

log = logging.getLogger(__name__)

NEAREST = "nearest site of the type"


@dataclass
class Catchments:
    """Per OA and service type: the site used, its distance, and the k nearest sites."""

    services: list[str]
    user_site: np.ndarray        # (n_oa, n_services) int64 site position, -1 when no site offers it
    user_m: np.ndarray           # (n_oa, n_services) metres to it
    nearest: np.ndarray          # (n_oa, n_services, k) int64, -1 past the last site
    nearest_m: np.ndarray        # (n_oa, n_services, k) metres, inf past the last site
    sources: dict[str, str] = field(default_factory=dict)


def nearest_sites(points: np.ndarray, sites: Sites, k: int) -> Catchments:
    """The k nearest sites of every service type for every OA point."""
    n_oa, n_services = len(points), len(sites.services)
    nearest = np.full((n_oa, n_services, k), -1, dtype=np.int64)
    distance = np.full((n_oa, n_services, k), np.inf)
    for j, service in enumerate(sites.services):
        members = np.flatnonzero(sites.offers[:, j])
        found = min(k, len(members))
        d, i = cKDTree(sites.xy[members]).query(points, k=found)
        d, i = d.reshape(n_oa, found), i.reshape(n_oa, found)
        nearest[:, j, :found] = members[i]
        distance[:, j, :found] = d
    sources = {service: NEAREST for service in sites.services}
    return Catchments(list(sites.services), nearest[:, :, 0].copy(), distance[:, :, 0].copy(), nearest, distance,
                      sources)


def use_assigned(catchments: Catchments, table: pd.DataFrame, oa_codes: np.ndarray, sites: Sites,
                 points: np.ndarray, source: str) -> Catchments:
    """Replace the nearest-site assumption by a table of oa_code, service, site_id (the site each OA uses)."""
    codes = pd.Index(oa_codes)
    ids = pd.Index(sites.ids)
    for service, rows in table.groupby("service", sort=True):
        if service not in catchments.services:
            log.warning("%s: service '%s' is not offered by any site in the model; its rows are ignored", source,
                        service)
            continue
        j = catchments.services.index(service)
        oa = codes.get_indexer(rows["oa_code"].astype(str))
        site = ids.get_indexer(rows["site_id"].astype(str))
        bad = np.flatnonzero((oa < 0) | (site < 0))
        if bad.size:
            row = rows.iloc[bad[0]]
            what = "OA" if oa[bad[0]] < 0 else "site"
            raise InputError(f"{source}: {what} of the row ({row['oa_code']}, {service}, {row['site_id']}) is not "
                             f"in the area's OAs or the estate's sites; use catchments built on the same estate")
        wrong = ~sites.offers[site, j]
        if wrong.any():
            raise InputError(f"{source}: site {sites.ids[site[wrong][0]]} does not offer '{service}' in the estate; "
                             "use catchments built on the same estate")
        catchments.user_site[oa, j] = site
        catchments.user_m[oa, j] = np.hypot(*(points[oa] - sites.xy[site]).T)
        catchments.sources[service] = f"{source} (site most users go to)"
    return catchments


def site_users(catchments: Catchments, residents: np.ndarray, n_sites: int) -> sparse.csr_matrix:
    """Sparse site × OA matrix of residents using the site for any of its services (each OA once)."""
    n_oa, n_services = catchments.user_site.shape
    site = catchments.user_site.ravel()
    oa = np.repeat(np.arange(n_oa), n_services)
    used = site >= 0
    keys = np.unique(site[used] * n_oa + oa[used])
    site, oa = keys // n_oa, keys % n_oa
    return sparse.csr_matrix((residents[oa], (site, oa)), shape=(n_sites, n_oa))


@dataclass
class UsersBySite:
    """OA-service uses grouped by site: rows of site s are ``start[s]:start[s + 1]``."""

    start: np.ndarray   # (n_sites + 1,)
    oa: np.ndarray
    service: np.ndarray


def uses_by_site(catchments: Catchments, n_sites: int) -> UsersBySite:
    """Every (OA, service) use, sorted by the site used, then service, then OA."""
    n_oa, n_services = catchments.user_site.shape
    site = catchments.user_site.ravel()
    oa = np.repeat(np.arange(n_oa), n_services)
    service = np.tile(np.arange(n_services), n_oa)
    used = site >= 0
    site, oa, service = site[used], oa[used], service[used]
    order = np.lexsort((oa, service, site))
    start = np.searchsorted(site[order], np.arange(n_sites + 1))
    return UsersBySite(start, oa[order], service[order])


def segment_mix(users: sparse.csr_matrix, labels: np.ndarray, k: int) -> np.ndarray:
    """Share of each site's users in each segment: (n_sites × k); all 0 for a site with no users."""
    onehot = sparse.csr_matrix((np.ones(len(labels)), (np.arange(len(labels)), labels)), shape=(len(labels), k))
    counts = (users @ onehot).toarray()
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, counts / totals, 0.0)


def user_overlap(users: sparse.csr_matrix, a: np.ndarray, b: np.ndarray, chunk: int = 50_000) -> np.ndarray:
    """Σ_i min(w_ai, w_bi) for each pair (a, b), w = each site's share of its users living in OA i.

    1 = the two sites serve the same people (the same OAs in the same proportions); 0 =
    no OA uses both (also when a site has no users: it joins no one up). Computed for the
    pairs asked only, from the sparse site × OA matrix, a chunk of pairs at a time.
    """
    totals = np.asarray(users.sum(axis=1)).ravel()
    scale = np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)
    shares = (sparse.diags(scale) @ users).tocsr()
    result = np.zeros(len(a))
    for start in range(0, len(a), chunk):
        part = slice(start, start + chunk)
        result[part] = np.asarray(shares[a[part]].minimum(shares[b[part]]).sum(axis=1)).ravel()
    return result
