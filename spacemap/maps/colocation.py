"""The co-location map: candidate hubs, lines to their member sites, the score and every reason."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from spacemap.maps import legend
from spacemap.maps.layers import Area, build_area, context_layer, line_layer, nearest_oa, point_layer
from spacemap.maps.geometry import check_crs
from spacemap.maps.page import Page, render
from spacemap.maps.text import esc, is_missing, number, table

HUB = "#d62728"
EQUITY = "#ff7f0e"
MEMBER = "#1f77b4"
LINK = "#444444"

FIGURES = [
    ("score", "Score", lambda v: number(v, 3)), ("n_sites", "Sites", lambda v: number(v, 0)),
    ("owners", "Owners", str), ("services", "Services", str), ("distance_m", "Furthest member", lambda v: number(v, 0, suffix=" m")),
    ("floor_area_released_m2", "Floor area released", lambda v: number(v, 0, suffix=" m²")),
    ("running_cost_saved_gbp", "Running cost saved a year", lambda v: number(v, 0, prefix="£")),
    ("capital_receipt_gbp", "Capital receipt", lambda v: number(v, 0, prefix="£")),
    ("residents_affected", "Residents whose uses move", lambda v: number(v, 0)),
    ("access_change_m_mean", "Mean access change", lambda v: number(v, 0, suffix=" m")),
]


def candidate_popup(row: pd.Series) -> str:
    """Score, savings and access figures, then each reason on its own line."""
    cells = [(esc(label), esc(fmt(row.get(column)))) for column, label, fmt in FIGURES if not is_missing(row.get(column))]
    if bool(row.get("equity_flag", False)):
        cells.append(("Equity", "flagged: priority segments' access gets worse"))
    reasons = [r.strip() for r in str(row.get("reasons") or "").split(";") if r.strip()]
    items = "".join(f"<li>{esc(r)}</li>" for r in reasons)
    return (f"<b>{esc(row.get('candidate_id'))} (rank {esc(row.get('rank'))}): hub {esc(row.get('host_name'))}</b>"
            f"<br>with {esc(row.get('member_names'))}{table(cells)}"
            + (f"<b>Reasons</b><ul>{items}</ul>" if items else ""))


def colocation_map(candidates: gpd.GeoDataFrame, links: gpd.GeoDataFrame, sites: gpd.GeoDataFrame | None = None,
                   area: Area | None = None, title: str = "Co-location candidates") -> Page:
    """Hubs (red; orange when flagged for equity), member sites and hub → member lines."""
    candidates = candidates.sort_values(["rank", "candidate_id"], kind="stable").reset_index(drop=True)
    area = area or _hull_area(candidates, links)
    layers = [context_layer(area, show=True, search=True)] if area.codes[0] != "" else []
    sections = []
    link_oa = _link_anchor(area, links)
    tips = [f"{esc(c)}: {esc(h)} → {esc(m)}, {number(d, 0)} m" for c, h, m, d in
            zip(links["candidate_id"], links["host_site_id"], links["member_site_id"], links["distance_m"])]
    layers.append(line_layer(area, "Links to member sites", links, tips, link_oa, color=LINK, weight=2, dash="5 4"))
    sections.append(legend.section(len(layers) - 1, "Links", [legend.item(LINK, "hub to member site", len(links), "line")]))
    members = _member_points(links, sites)
    if len(members):
        layers.append(point_layer(area, "Member sites", members, [""] * len(members),
                                  [esc(n) for n in members["name"]], None, color=MEMBER, radius=5,
                                  search=[f"{n} (member)" for n in members["name"]]))
        sections.append(legend.section(len(layers) - 1, "Member sites",
                                       [legend.item(MEMBER, "site that would move in", len(members), "dot")]))
    flags = candidates["equity_flag"].fillna(False).astype(bool).map({True: "equity", False: "hub"})
    hub_tips = [f"{esc(c)} (score {number(s, 2)}): {esc(h)}" for c, s, h in
                zip(candidates["candidate_id"], candidates["score"], candidates["host_name"])]
    layers.append(point_layer(area, "Candidate hubs", candidates, flags, hub_tips,
                              [candidate_popup(r) for _, r in candidates.iterrows()], fill={"hub": HUB, "equity": EQUITY},
                              radius=8, search=[f"{c} {h}" for c, h in zip(candidates["candidate_id"], candidates["host_name"])]))
    counts = flags.value_counts()
    sections.append(legend.section(len(layers) - 1, "Candidate hubs", [
        legend.item(HUB, "candidate hub", int(counts.get("hub", 0)), "dot"),
        legend.item(EQUITY, "hub flagged for equity", int(counts.get("equity", 0)), "dot")]))
    intro = f"{len(candidates):,} ranked candidates. Click a hub for its score, figures and reasons."
    return Page(title=title, bounds=area.bounds, shapes={"oa": area.shape}, layers=layers,
                legend_html="".join(sections), intro_html=esc(intro))


def _member_points(links: gpd.GeoDataFrame, sites: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    ids = sorted(set(links["member_site_id"].astype(str)))
    if sites is not None and len(ids):
        found = sites[sites["site_id"].astype(str).isin(ids)].sort_values("site_id")
        if len(found) == len(ids):
            return found[["site_id", "name", "geometry"]].reset_index(drop=True)
    ends = links.drop_duplicates("member_site_id").sort_values("member_site_id")
    return gpd.GeoDataFrame({"site_id": ends["member_site_id"].astype(str), "name": ends["member_site_id"].astype(str)},
                            geometry=shapely.get_point(ends.geometry.values, -1), crs=links.crs).reset_index(drop=True)


def _link_anchor(area: Area, links: gpd.GeoDataFrame) -> list[int]:
    """The OA of each link's host end (where a split page keeps the link)."""
    if links.empty:
        return []
    starts = gpd.GeoDataFrame(geometry=shapely.get_point(links.geometry.values, 0), crs=links.crs)
    return nearest_oa(area, starts)


def _hull_area(candidates: gpd.GeoDataFrame, links: gpd.GeoDataFrame) -> Area:
    """Without OA boundaries: one invisible placeholder shape around the candidates (for bounds only)."""
    check_crs(candidates, "candidates")
    check_crs(links, "links")
    points = pd.concat([candidates.geometry.to_crs("EPSG:27700"), links.geometry.to_crs("EPSG:27700")])
    hull = shapely.buffer(shapely.union_all(points.values).envelope, 500)
    if hull.is_empty:  # no candidates at all: show Great Britain
        hull = shapely.box(0, 0, 700000, 1250000)
    frame = gpd.GeoDataFrame({"oa_code": [""]}, geometry=[hull], crs="EPSG:27700").to_crs("EPSG:4326")
    return Area(codes=[""], geoms=[[]], frame=frame)


def colocation_page(candidates: gpd.GeoDataFrame, links: gpd.GeoDataFrame, sites: gpd.GeoDataFrame | None = None,
                    boundaries: gpd.GeoDataFrame | None = None) -> str:
    """The co-location map as one self-contained HTML page (OA outlines when boundaries are given)."""
    area = build_area(boundaries) if boundaries is not None else None
    return render(colocation_map(candidates, links, sites, area))

