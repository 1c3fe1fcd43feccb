"""The estate's service sites as arrays: where they are, who owns them, what they offer, what is known of them.

A site takes part when it offers at least one service type outside ``exclude_services``
(parks, allotments, depots, housing by default: uses tied to their land). Sites with
such a use are kept in the catchments of their other services but are never grouped.

Per-site scores used by the candidates (1 = best, NaN = not in the register):

- tenure as host (secure to stay) and as member (easy to release), from the config's
  ``[tenure]`` table; a lease "ending" ends (or, for a member, breaks) within
  ``lease_window_years`` of ``as_of``;
- condition (A = 1 … D = 0, the config's ``[condition]``);
- spare and occupied floor area: floor area × (1 − utilisation) and floor area ×
  utilisation, when both are in the register (or a utilisation is assumed in the config).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from spacemap.colocate.config import ColocateConfig
from spacemap.errors import ConfigError, InputError, SchemaError

REQUIRED = ("site_id", "services")
SEPARATOR = "; "


@dataclass
class Sites:
    """Sites offering at least one service in the model, sorted by site_id; all arrays in that order."""

    frame: pd.DataFrame          # the estate's rows for these sites (every column kept)
    ids: np.ndarray
    xy: np.ndarray               # (n, 2) EPSG:27700 metres
    services: list[str]          # service types in the model, sorted
    offers: np.ndarray           # (n, n_services) bool
    eligible: np.ndarray         # may be grouped (offers no excluded service)
    anchor: np.ndarray           # offers an anchor service: may host, never moves
    owner: np.ndarray            # owner text ('' when unknown)
    floor_area: np.ndarray
    running_cost: np.ndarray
    disposal_value: np.ndarray
    utilisation: np.ndarray      # per cent (register, else the assumed value, else NaN)
    host_tenure: np.ndarray
    member_tenure: np.ndarray
    condition: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def spare_m2(self) -> np.ndarray:
        return self.floor_area * (1 - self.utilisation / 100.0)

    @property
    def occupied_m2(self) -> np.ndarray:
        return self.floor_area * self.utilisation / 100.0


def split_services(values: pd.Series) -> list[list[str]]:
    """'gp; pharmacy' → ['gp', 'pharmacy'] per site (blank → [])."""
    return [[p.strip() for p in str(v).split(";") if p.strip()] if isinstance(v, str) else [] for v in values]


def check_estate(sites: gpd.GeoDataFrame, source: str) -> None:
    """The columns the stage needs, unique ids, points; an estate of one owner type cannot share across partners."""
    missing = [c for c in REQUIRED if c not in sites.columns]
    if missing:
        raise SchemaError(f"{source}: the estate has no '{missing[0]}' column; use the sites written by "
                          "spacemap estate (estate.gpkg, layer sites)")
    if len(sites) == 0:
        raise InputError(f"{source}: the estate has no sites")
    repeated = sites["site_id"].astype(str).duplicated()
    if repeated.any():
        raise InputError(f"{source}: site_id '{sites['site_id'].astype(str)[repeated].iloc[0]}' appears more than "
                         "once; site ids must be unique")
    if sites.geometry.isna().any() or sites.geometry.is_empty.any():
        first = sites.loc[sites.geometry.isna() | sites.geometry.is_empty, "site_id"].iloc[0]
        raise InputError(f"{source}: site {first} has no location; locate every site (spacemap estate does)")


def check_partners(sites: Sites, source: str) -> None:
    """At least two owners among the sites that may be grouped: sharing is between partners."""
    found = sorted(set(sites.owner[sites.eligible]) - {""})
    if len(found) < 2:
        shown = f"one owner ('{found[0]}')" if found else "no owner"
        raise InputError(f"{source}: every service site that could be grouped has {shown}; co-location looks for "
                         "partners sharing buildings, so the estate needs sites of at least two owners (the owner "
                         "or owner_type column)")


def check_owners(partners: tuple[str, ...], owners: np.ndarray, source: str, settings: str) -> None:
    """Every partner named in the config must own a service site of the estate."""
    known = sorted(set(owners) - {""})
    for partner in partners:
        if partner not in known:
            near = [o for o in known if partner.lower() in o.lower() or o.lower() in partner.lower()][:3]
            hint = f" (did you mean {', '.join(repr(o) for o in near)}?)" if near else ""
            raise ConfigError(f"{settings}: [candidates] partners: unknown owner '{partner}'{hint}; the owners of service sites "
                              f"in {source} are {', '.join(known[:12])}{' …' if len(known) > 12 else ''}")


def build_sites(estate: gpd.GeoDataFrame, config: ColocateConfig, source: str = "the estate") -> Sites:
    """The service sites of an estate (checked by :func:`check_estate`), as arrays for the numeric core."""
    frame = estate.to_crs("EPSG:27700") if estate.crs is not None and estate.crs != "EPSG:27700" else estate
    frame = frame.assign(site_id=frame["site_id"].astype(str)).sort_values("site_id", kind="stable")
    lists = split_services(frame["services"])
    excluded = set(config.exclude_services)
    has_service = np.array([bool(set(items) - excluded) for items in lists], dtype=bool)
    if not has_service.any():
        raise InputError(f"{source}: no site offers a service outside {', '.join(sorted(excluded))}; check the "
                         "estate's services column")
    frame = frame.loc[has_service].reset_index(drop=True)
    lists = [items for items, keep in zip(lists, has_service) if keep]
    kept = [[s for s in items if s not in excluded] for items in lists]
    eligible = np.array([not (set(items) & excluded) for items in lists], dtype=bool)
    owner = _text(frame, "owner", fallback="owner_type")
    if config.partners:
        check_owners(config.partners, owner, source, config.source)
        eligible &= np.isin(owner, list(config.partners))
    anchors = set(config.anchor_services)
    anchor = np.array([bool(set(items) & anchors) for items in lists], dtype=bool)
    services = sorted({s for items in kept for s in items})
    offers = np.zeros((len(frame), len(services)), dtype=bool)
    position = {s: j for j, s in enumerate(services)}
    for i, items in enumerate(kept):
        offers[i, [position[s] for s in items]] = True
    points = frame.geometry if (frame.geom_type == "Point").all() else frame.geometry.representative_point()
    xy = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
    utilisation = _number(frame, "utilisation_pct")
    if config.assumed_utilisation_pct is not None:
        utilisation = np.where(np.isfinite(utilisation), utilisation, config.assumed_utilisation_pct)
    host, member = tenure_scores(frame, config)
    return Sites(frame, frame["site_id"].to_numpy(dtype=object), xy, services, offers, eligible, anchor,
                 owner, _number(frame, "floor_area_m2"),
                 _number(frame, "annual_running_cost_gbp"), _number(frame, "disposal_value_gbp"), utilisation,
                 host, member, condition_scores(frame, config))


def _number(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def _text(frame: pd.DataFrame, column: str, fallback: str | None = None) -> np.ndarray:
    values = frame[column] if column in frame else pd.Series(np.nan, index=frame.index)
    if fallback is not None and fallback in frame:
        values = values.where(values.notna(), frame[fallback])
    return values.astype(object).fillna("").astype(str).str.strip().to_numpy(dtype=object)


def tenure_scores(frame: pd.DataFrame, config: ColocateConfig) -> tuple[np.ndarray, np.ndarray]:
    """(as host, as member) tenure scores per site; NaN where the tenure is unknown."""
    scores = config.tenure_scores
    tenure = pd.Series(_text(frame, "tenure"), index=frame.index).str.lower()
    ends = _dates(frame, "lease_end")
    breaks = _dates(frame, "lease_break")
    limit = pd.Timestamp(config.as_of_date() + dt.timedelta(days=round(365.25 * config.lease_window_years)))
    host_ending = (ends <= limit).to_numpy()
    member_ending = ((ends <= limit) | (breaks <= limit)).to_numpy()
    host = np.full(len(frame), np.nan)
    member = np.full(len(frame), np.nan)
    for kind in ("freehold", "leasehold", "licence"):
        mask = (tenure == kind).to_numpy()
        host[mask] = scores[f"host_{kind}"]
        member[mask] = scores[f"member_{kind}"]
    lease = (tenure == "leasehold").to_numpy()
    host[lease & host_ending] = scores["host_lease_ending"]
    member[lease & member_ending] = scores["member_lease_ending"]
    return host, member


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    return pd.to_datetime(frame[column], errors="coerce", format="%Y-%m-%d")


def condition_scores(frame: pd.DataFrame, config: ColocateConfig) -> np.ndarray:
    """Condition grade A–D as a score (A = 1 … D = 0 by default); NaN where unknown."""
    grades = pd.Series(_text(frame, "condition"), index=frame.index).str.upper()
    return grades.map(config.condition_scores).to_numpy(dtype=float)
