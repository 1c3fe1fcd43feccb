"""Locality packs: one plain, printable page per locality (segment mix, assets, service use,
co-location candidates and a map, all inline) and an index page.

Localities are the user's polygons (each OA goes to the one holding its inner point) or,
for the embedded default, the electoral wards of the postcode lookup: each OA goes to
the ward most of its postcodes are in (an OA with no postcode: the ward of its nearest).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
from spacemap.segment.codes import code_order

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


@dataclass
class _Prepared:
    """What every pack needs, computed once for the whole area (packs then only look things up)."""

    codes: dict[str, list[str]]                   # locality → its OA codes
    sites: dict[str, gpd.GeoDataFrame]            # locality → its assets
    candidates: dict[str, pd.DataFrame]           # locality → candidates whose hub or a member is in it
    use: dict[str, pd.DataFrame]                  # locality → its service-use rows
    frame: gpd.GeoDataFrame                       # display polygons indexed by oa_code
    tier1: pd.Series | None                       # oa_code → tier-1 code
    names: pd.Series | None                       # tier-1 code → name
    colours: dict[str, str]                       # tier-1 code → colour
    whole: pd.Series | None                       # tier-1 code → share of the area's OAs


def _prepare(inputs: MapInputs, area: Area, localities: pd.Series) -> _Prepared:
    codes = {str(name): list(index) for name, index in localities.groupby(localities, sort=True).groups.items()}
    sites, candidates = {}, {}
    if inputs.sites is not None and len(inputs.sites):
        site_locality = _site_oas(area, inputs.sites).map(localities)
        sites = {str(name): group for name, group in inputs.sites.groupby(site_locality.to_numpy(), sort=True)}
        if inputs.candidates is not None:
            where = dict(zip(inputs.sites["site_id"].astype(str), site_locality))
            touched: dict[str, list[int]] = {}
            for position, (host, members) in enumerate(zip(inputs.candidates["host_site_id"].astype(str),
                                                           inputs.candidates["member_site_ids"].fillna("").astype(str))):
                places = {where.get(site_id.strip()) for site_id in [host, *members.split(";")]} - {None}
                for place in places:
                    if isinstance(place, str):
                        touched.setdefault(place, []).append(position)
            candidates = {name: inputs.candidates.iloc[rows].sort_values("rank") for name, rows in touched.items()}
    use = {}
    if inputs.service_use is not None:
        rows = inputs.service_use
        use = {str(name): group for name, group in rows.groupby(rows["oa_code"].map(localities).to_numpy(), sort=True)}
    tier1 = names = whole = None
    colours: dict[str, str] = {}
    if inputs.oa_segments is not None:
        segments = inputs.oa_segments.astype({"tier1_code": str})
        colours = segment_colours(segments)[1]
        tier1 = segments.set_index("oa_code")["tier1_code"]
        names = segments.drop_duplicates("tier1_code").set_index("tier1_code")["tier1_name"]
        whole = segments["tier1_code"].value_counts(normalize=True)
    return _Prepared(codes, sites, candidates, use, area.frame.set_index("oa_code", drop=False), tier1, names,
                     colours, whole)


def locality_packs(inputs: MapInputs, area: Area, localities: pd.Series) -> dict[str, str]:
    """``{file name: html}``: one page per locality and ``index.html``."""
    localities = localities.dropna().astype(str)
    prepared = _prepare(inputs, area, localities)
    pages, rows, taken = {}, [], {"index"}  # index.html lists the packs
    for name, codes in prepared.codes.items():
        file = slug(name, taken) + ".html"
        sites = prepared.sites.get(name, inputs.sites.iloc[:0]) if inputs.sites is not None else None
        candidates = (prepared.candidates.get(name, inputs.candidates.iloc[:0])
                      if inputs.candidates is not None and sites is not None else None)
        pages[file] = plain_page(f"{name} — locality pack",
                                 _pack_body(inputs, prepared, name, codes, sites, candidates))
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


def _pack_body(inputs: MapInputs, prepared: _Prepared, name: str, codes: list[str], sites, candidates) -> str:
    parts = [f"<h1>{esc(name)}</h1>",
             f"<p class=\"note\">Locality pack, {esc(inputs.area_name)}: {len(codes):,} Output Areas. "
             "<a href=\"index.html\">All localities</a></p>",
             "<h2>Map</h2>", svg_map(prepared, codes, sites, candidates)]
    if prepared.tier1 is not None:
        parts += ["<h2>Segment mix</h2>", segment_mix_svg(prepared, codes)]
    if sites is not None:
        parts += [f"<h2>Assets ({len(sites):,})</h2>", _assets_table(sites)]
    if inputs.service_use is not None:
        parts += ["<h2>Service use</h2>", _service_table(prepared.use.get(name, inputs.service_use.iloc[:0]))]
    if candidates is not None:
        parts += [f"<h2>Co-location candidates touching {esc(name)} ({len(candidates):,})</h2>",
                  _candidate_table(candidates)]
    return "\n".join(parts)


def segment_mix_svg(prepared: _Prepared, codes: list[str]) -> str:
    """Horizontal bars: the share of the locality's OAs in each tier-1 segment, against the whole area."""
    here = prepared.tier1.reindex(codes).value_counts(normalize=True)
    rows, height = [], 26
    for i, code in enumerate(sorted(prepared.colours, key=code_order)):
        y = 10 + i * height * 2
        share, area_share = float(here.get(code, 0)), float(prepared.whole.get(code, 0))
        label = f"{code} {prepared.names[code]}"
        rows.append(
            f'<text x="0" y="{y + 12}" font-size="13">{esc(label)}</text>'
            f'<rect x="0" y="{y + 16}" width="{share * 400:.1f}" height="14" fill="{esc(prepared.colours[code])}">'
            f'<title>{esc(label)}: {share:.0%} of the locality\'s OAs</title></rect>'
            f'<text x="{share * 400 + 6:.1f}" y="{y + 28}" font-size="12">{share:.0%} '
            f'(area {area_share:.0%})</text>'
            f'<line x1="{area_share * 400:.1f}" x2="{area_share * 400:.1f}" y1="{y + 14}" y2="{y + 32}" '
            'stroke="#000" stroke-width="2"/>')
    total_height = 20 + len(prepared.colours) * height * 2
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{SVG_WIDTH}" height="{total_height}" '
            f'viewBox="0 0 {SVG_WIDTH} {total_height}" role="img" aria-label="Segment mix">{"".join(rows)}</svg>'
            '<p class="note">Bars: share of the locality\'s OAs; black tick: share in the whole area.</p>')


def svg_map(prepared: _Prepared, codes: list[str], sites, candidates) -> str:
    """The locality's OAs coloured by tier-1 segment, with its assets (dots) and candidate hubs (red)."""
    frame = prepared.frame.loc[codes]
    minx, miny, maxx, maxy = frame.total_bounds
    scale_x = np.cos(np.radians((miny + maxy) / 2))
    width = max((maxx - minx) * scale_x, 1e-6)
    height = max(maxy - miny, 1e-6)
    k = SVG_WIDTH / width
    svg_height = int(height * k) + 1

    def xy(lon, lat):
        return (lon - minx) * scale_x * k, (maxy - lat) * k

    segment = prepared.tier1.reindex(codes) if prepared.tier1 is not None else pd.Series(index=codes, dtype=object)
    shapes = []
    for code, geom, tier1 in zip(frame["oa_code"], frame.geometry.values, segment.to_numpy()):
        polys = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
        d = " ".join("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in (xy(*c) for c in ring.coords)) + " Z"
                     for poly in polys for ring in [poly.exterior, *poly.interiors])
        shapes.append(f'<path d="{d}" fill="{esc(prepared.colours.get(tier1, "#dddddd"))}" fill-opacity="0.7" '
                      f'stroke="#555" stroke-width="0.5"><title>{esc(code)}</title></path>')
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


def _service_table(mine: pd.DataFrame) -> str:
    """Published counts only (the locality's rows): withheld OA counts are left out and counted, never estimated."""
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
