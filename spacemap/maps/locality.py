"""Locality packs: one plain, printable page per locality (segment mix, assets, service use,
co-location candidates and a map, all inline) and an index page.

Localities are the user's polygons (each OA goes to the one holding its inner point) or,
for the embedded default, the electoral wards of the postcode lookup: each OA goes to
the ward most of its postcodes are in (an OA with no postcode: the ward of its nearest).
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd

from spacemap.errors import InputError
from spacemap.maps.atlas import MapInputs
from spacemap.maps.estate import estimated
from spacemap.maps.layers import Area, nearest_oa
from spacemap.maps.page import plain_page
from spacemap.maps.segments import segment_colours
from spacemap.maps.text import esc, is_missing, number

SVG_WIDTH = 640


def wards_from_postcodes(boundaries: gpd.GeoDataFrame, postcodes: pd.DataFrame,
                         name_column: str = "ward_name") -> pd.Series:
    """OA code → ward name by the majority of the OA's postcodes (nearest postcode when it has none)."""
    points = gpd.GeoDataFrame(postcodes[[name_column]].rename(columns={name_column: "locality"}),
                              geometry=gpd.points_from_xy(postcodes["lon"], postcodes["lat"]), crs="EPSG:4326")
    points = points.to_crs(boundaries.crs)
    oas = boundaries[["oa_code", "geometry"]]
    inside = gpd.sjoin(points, oas, predicate="within")
    votes = inside.groupby(["oa_code", "locality"]).size().rename("n").reset_index()
    votes = votes.sort_values(["oa_code", "n", "locality"], ascending=[True, False, True])
    chosen = votes.drop_duplicates("oa_code").set_index("oa_code")["locality"]
    if len(chosen) < len(oas) / 2:
        raise InputError(f"only {len(chosen)} of {len(oas)} Output Areas hold a postcode of the lookup: the wards "
                         "belong to another area; give your localities with --localities FILE --name-column COL")
    missing = oas[~oas["oa_code"].isin(chosen.index)]
    if len(missing):
        near = gpd.sjoin_nearest(missing.set_geometry(missing.representative_point()), points, how="left")
        near = near.sort_values(["oa_code", "locality"]).drop_duplicates("oa_code").set_index("oa_code")["locality"]
        chosen = pd.concat([chosen, near])
    return chosen.reindex(oas["oa_code"]).rename("locality")


def localities_from_polygons(boundaries: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, name_column: str) -> pd.Series:
    """OA code → the name of the polygon holding the OA's inner point (OAs outside every polygon are left out)."""
    if name_column not in polygons.columns:
        raise InputError(f"the localities file has no column '{name_column}' (found: "
                         f"{', '.join(c for c in polygons.columns if c != 'geometry')}); pass --name-column")
    points = boundaries[["oa_code"]].set_geometry(boundaries.representative_point().values, crs=boundaries.crs)
    joined = gpd.sjoin(points, polygons[[name_column, "geometry"]].to_crs(boundaries.crs), predicate="within")
    joined = joined.sort_values(["oa_code", name_column]).drop_duplicates("oa_code")
    if joined.empty:
        raise InputError("no Output Area lies inside the localities; check that the file covers the same area")
    return joined.set_index("oa_code")[name_column].astype(str).rename("locality")


def slug(name: str, taken: set[str]) -> str:
    """A file name for a locality: lower case letters, digits and hyphens, unique."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "locality"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def locality_packs(inputs: MapInputs, area: Area, localities: pd.Series) -> dict[str, str]:
    """``{file name: html}``: one page per locality and ``index.html``."""
    localities = localities.dropna().astype(str)
    site_oa = _site_oas(area, inputs.sites)
    pages, rows, taken = {}, [], {"index"}  # index.html lists the packs
    for name in sorted(localities.unique()):
        codes = set(localities.index[localities == name])
        file = slug(name, taken) + ".html"
        sites = inputs.sites[site_oa.isin(codes).to_numpy()] if inputs.sites is not None else None
        candidates = _touching(inputs, sites)
        pages[file] = plain_page(f"{name} — locality pack", _pack_body(inputs, area, name, codes, sites, candidates))
        rows.append(f'<tr><td><a href="{esc(file)}">{esc(name)}</a></td><td class="num">{len(codes):,}</td>'
                    f'<td class="num">{0 if sites is None else len(sites):,}</td>'
                    f'<td class="num">{0 if candidates is None else len(candidates):,}</td></tr>')
    body = (f"<h1>Locality packs — {esc(inputs.area_name)}</h1><p class=\"note\">One page per locality: its "
            "segment mix, assets, service use, co-location candidates and map. Each page stands on its own "
            "(open, print or send it).</p><table><tr><th>Locality</th><th class=\"num\">OAs</th>"
            f"<th class=\"num\">Assets</th><th class=\"num\">Candidates</th></tr>{''.join(rows)}</table>")
    pages["index.html"] = plain_page(f"Locality packs — {inputs.area_name}", body)
    return pages


def _site_oas(area: Area, sites: gpd.GeoDataFrame | None) -> pd.Series:
    if sites is None or sites.empty:
        return pd.Series([], dtype=object)
    positions = nearest_oa(area, sites.to_crs("EPSG:4326"))
    return pd.Series([area.codes[p] for p in positions], index=sites.index)


def _touching(inputs: MapInputs, sites: gpd.GeoDataFrame | None) -> pd.DataFrame | None:
    """Candidates whose hub or any member site is in the locality."""
    if inputs.candidates is None or sites is None:
        return None
    ids = set(sites["site_id"].astype(str))
    members = inputs.candidates["member_site_ids"].fillna("").astype(str).str.split(";")
    touches = [str(host) in ids or any(m.strip() in ids for m in mine)
               for host, mine in zip(inputs.candidates["host_site_id"], members)]
    return inputs.candidates[touches].sort_values("rank")


def _pack_body(inputs: MapInputs, area: Area, name: str, codes: set, sites, candidates) -> str:
    parts = [f"<h1>{esc(name)}</h1>",
             f"<p class=\"note\">Locality pack, {esc(inputs.area_name)}: {len(codes):,} Output Areas. "
             "<a href=\"index.html\">All localities</a></p>",
             "<h2>Map</h2>", svg_map(inputs, area, codes, sites, candidates)]
    if inputs.oa_segments is not None:
        parts += ["<h2>Segment mix</h2>", segment_mix_svg(inputs.oa_segments, codes)]
    if sites is not None:
        parts += [f"<h2>Assets ({len(sites):,})</h2>", _assets_table(sites)]
    if inputs.service_use is not None:
        parts += ["<h2>Service use</h2>", _service_table(inputs.service_use, codes)]
    if candidates is not None:
        parts += [f"<h2>Co-location candidates touching {esc(name)} ({len(candidates):,})</h2>",
                  _candidate_table(candidates)]
    return "\n".join(parts)


def segment_mix_svg(oa_segments: pd.DataFrame, codes: set) -> str:
    """Horizontal bars: the share of the locality's OAs in each tier-1 segment, against the whole area."""
    frame = oa_segments.astype({"tier1_code": str})
    colours = segment_colours(frame)[1]
    mine = frame[frame["oa_code"].isin(codes)]
    names = frame.drop_duplicates("tier1_code").set_index("tier1_code")["tier1_name"]
    here = mine["tier1_code"].value_counts(normalize=True)
    whole = frame["tier1_code"].value_counts(normalize=True)
    rows, height = [], 26
    for i, code in enumerate(sorted(colours)):
        y = 10 + i * height * 2
        share, area_share = float(here.get(code, 0)), float(whole.get(code, 0))
        label = f"{code} {names[code]}"
        rows.append(
            f'<text x="0" y="{y + 12}" font-size="13">{esc(label)}</text>'
            f'<rect x="0" y="{y + 16}" width="{share * 400:.1f}" height="14" fill="{esc(colours[code])}">'
            f'<title>{esc(label)}: {share:.0%} of the locality\'s OAs</title></rect>'
            f'<text x="{share * 400 + 6:.1f}" y="{y + 28}" font-size="12">{share:.0%} '
            f'(area {area_share:.0%})</text>'
            f'<line x1="{area_share * 400:.1f}" x2="{area_share * 400:.1f}" y1="{y + 14}" y2="{y + 32}" '
            'stroke="#000" stroke-width="2"/>')
    total_height = 20 + len(colours) * height * 2
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{SVG_WIDTH}" height="{total_height}" '
            f'viewBox="0 0 {SVG_WIDTH} {total_height}" role="img" aria-label="Segment mix">{"".join(rows)}</svg>'
            '<p class="note">Bars: share of the locality\'s OAs; black tick: share in the whole area.</p>')


def svg_map(inputs: MapInputs, area: Area, codes: set, sites, candidates) -> str:
    """The locality's OAs coloured by tier-1 segment, with its assets (dots) and candidate hubs (red)."""
    frame = area.frame[area.frame["oa_code"].isin(codes)]
    minx, miny, maxx, maxy = frame.total_bounds
    scale_x = np.cos(np.radians((miny + maxy) / 2))
    width = max((maxx - minx) * scale_x, 1e-6)
    height = max(maxy - miny, 1e-6)
    k = SVG_WIDTH / width
    svg_height = int(height * k) + 1

    def xy(lon, lat):
        return (lon - minx) * scale_x * k, (maxy - lat) * k

    fill = {}
    if inputs.oa_segments is not None:
        segs = inputs.oa_segments.astype({"tier1_code": str})
        colours = segment_colours(segs)[1]
        fill = {c: colours[t] for c, t in zip(segs["oa_code"], segs["tier1_code"])}
    shapes = []
    for code, geom in zip(frame["oa_code"], frame.geometry.values):
        polys = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
        d = " ".join("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in (xy(*c) for c in ring.coords)) + " Z"
                     for poly in polys for ring in [poly.exterior, *poly.interiors])
        shapes.append(f'<path d="{d}" fill="{esc(fill.get(code, "#dddddd"))}" fill-opacity="0.7" stroke="#555" '
                      f'stroke-width="0.5"><title>{esc(code)}</title></path>')
    marks = []
    if sites is not None and len(sites):
        for name, point in zip(sites["name"], sites.to_crs("EPSG:4326").geometry.values):
            x, y = xy(point.x, point.y)
            marks.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#fff" stroke="#000">'
                         f'<title>{esc(name)}</title></circle>')
    if candidates is not None and len(candidates):
        for cid, host, point in zip(candidates["candidate_id"], candidates["host_name"],
                                    candidates.to_crs("EPSG:4326").geometry.values):
            x, y = xy(point.x, point.y)
            if 0 <= x <= SVG_WIDTH and 0 <= y <= svg_height:
                marks.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="#d62728" stroke="#000">'
                             f'<title>{esc(cid)}: {esc(host)}</title></circle>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{SVG_WIDTH}" height="{svg_height}" '
            f'viewBox="0 0 {SVG_WIDTH} {svg_height}" role="img" aria-label="Map">{"".join(shapes)}{"".join(marks)}'
            '</svg><p class="note">OAs coloured by tier-1 segment (as in the segment mix); white dots: assets; '
            'red: co-location hubs.</p>')


def _assets_table(sites: pd.DataFrame) -> str:
    columns = [("name", "Asset", str), ("owner", "Owner", str), ("services", "Services", str),
               ("floor_area_m2", "Floor area m²", lambda v: number(v, 0)), ("tenure", "Tenure", str),
               ("annual_running_cost_gbp", "Running cost £/yr", lambda v: number(v, 0)),
               ("condition", "Condition", str), ("utilisation_pct", "Utilisation %", lambda v: number(v, 0))]
    head = "".join(f"<th>{esc(label)}</th>" for _, label, _ in columns)
    body = []
    for _, row in sites.sort_values("name").iterrows():
        guessed = estimated(row)
        cells = []
        for column, _, fmt in columns:
            value = row.get(column)
            text = "" if is_missing(value) else esc(fmt(value))
            cells.append(f'<td><span class="est">{text} (estimated)</span></td>' if text and column in guessed
                         else f"<td>{text}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _service_table(use: pd.DataFrame, codes: set) -> str:
    """Published counts only: withheld OA counts are left out and counted, never estimated."""
    mine = use[use["oa_code"].isin(codes)]
    rows = []
    for (service, record_type), group in mine.groupby(["service", "record_type"], sort=True):
        withheld = group["suppressed"].fillna(False).astype(bool)
        shown = group[~withheld]
        count = pd.to_numeric(shown["count"], errors="coerce").sum()
        population = pd.to_numeric(shown["population"], errors="coerce").sum()
        rate = number(count / population * 1000, 1) if population > 0 else ""
        non_take_up = int(group["non_take_up"].astype(object).fillna(False).astype(bool).sum())
        rows.append(f"<tr><td>{esc(service)}</td><td>{esc(record_type)}</td><td class=\"num\">{number(count, 0)}</td>"
                    f"<td class=\"num\">{rate}</td><td class=\"num\">{int(withheld.sum())}</td>"
                    f"<td class=\"num\">{non_take_up}</td></tr>")
    return ("<table><tr><th>Service</th><th>Record</th><th class=\"num\">Count (published OAs)</th>"
            "<th class=\"num\">Per 1,000</th><th class=\"num\">OAs suppressed</th><th class=\"num\">Non-take-up OAs"
            f"</th></tr>{''.join(rows)}</table><p class=\"note\">Counts of 1–4 are withheld (suppressed); totals "
            "cover the OAs whose counts are published.</p>")


def _candidate_table(candidates: pd.DataFrame) -> str:
    rows = "".join(
        f"<tr><td>{esc(r['rank'])}</td><td>{esc(r['candidate_id'])}</td><td>{esc(r['host_name'])}</td>"
        f"<td>{esc(r['member_names'])}</td><td class=\"num\">{number(r['score'], 3)}</td>"
        f"<td class=\"num\">{number(r.get('floor_area_released_m2'), 0)}</td>"
        f"<td class=\"num\">{number(r.get('running_cost_saved_gbp'), 0)}</td>"
        f"<td class=\"num\">{number(r.get('access_change_m_mean'), 0)}</td></tr>"
        for _, r in candidates.iterrows())
    return ("<table><tr><th>Rank</th><th>Id</th><th>Hub</th><th>Members</th><th class=\"num\">Score</th>"
            "<th class=\"num\">m² released</th><th class=\"num\">£/yr saved</th><th class=\"num\">Access change m</th>"
            f"</tr>{rows}</table>")
