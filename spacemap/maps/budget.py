"""Keep every page within a size budget: a page that would be too big is split into parts.

The OAs are cut in two by the median of their centres along the longer side of the
area, again and again, until each part's page fits. The theme's own file then becomes
an overview page: each part drawn as one dissolved outline linking to its page.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import shapely

from spacemap.errors import ConfigError
from spacemap.maps import legend
from spacemap.maps.geometry import bisect, bounds_latlng, encode_polygons
from spacemap.maps.layers import CATEGORICAL, Area
from spacemap.maps.page import Page, render
from spacemap.maps.text import esc

log = logging.getLogger(__name__)

DEFAULT_MAX_MB = 2.5


def fit_pages(page: Page, area: Area, stem: str, max_mb: float = DEFAULT_MAX_MB) -> dict[str, str]:
    """``{file name: html}``: ``stem.html`` alone when it fits, else an overview and its parts."""
    if max_mb <= 0:
        raise ConfigError(f"--max-mb {max_mb} must be a positive number of megabytes")
    limit = int(max_mb * 1_000_000)
    html = render(page)
    if len(html.encode("utf-8")) <= limit:
        return {f"{stem}.html": html}
    fixed = len(render(subset(page, area, np.arange(0), f"{stem}.html")).encode("utf-8"))
    if fixed > limit * 0.8:
        raise ConfigError(f"--max-mb {max_mb} is too small: a {stem} page without any OA is already "
                          f"{fixed / 1e6:.2f} MB; allow at least {fixed / 0.8e6:.1f} MB")
    centres = shapely.get_coordinates(area.frame.geometry.representative_point().values)
    parts = _split(page, area, centres, np.arange(len(area.codes)), limit, f"{stem}.html")
    log.info("%s would be %.1f MB; split into %d parts of at most %.1f MB", stem,
             len(html.encode("utf-8")) / 1e6, len(parts), max_mb)
    pages = {}
    for number, (index, part_html) in enumerate(parts, start=1):
        pages[f"{stem}-part{number}.html"] = part_html
    pages[f"{stem}.html"] = render(_overview(page, area, [index for index, _ in parts], stem))
    return pages


def _split(page: Page, area: Area, centres: np.ndarray, index: np.ndarray, limit: int, overview: str) -> list:
    html = render(subset(page, area, index, overview))
    if len(html.encode("utf-8")) <= limit or len(index) <= 1:
        return [(index, html)]
    first, second = bisect(centres, index)
    return (_split(page, area, centres, first, limit, overview)
            + _split(page, area, centres, second, limit, overview))


def subset(page: Page, area: Area, index: np.ndarray, overview: str) -> Page:
    """The page restricted to the OAs at positions ``index`` (points and lines by their OA)."""
    keep = np.zeros(len(area.codes), dtype=bool)
    keep[index] = True
    new_position = np.full(len(area.codes), -1)
    new_position[index] = np.arange(len(index))
    return replace(
        page,
        shapes={"oa": {"codes": [area.codes[i] for i in index], "geoms": [area.geoms[i] for i in index]}},
        bounds=bounds_latlng(area.frame.iloc[index]) if len(index) else page.bounds,
        links=[(overview, "Overview of all parts"), *page.links],
        layers=[_subset_layer(layer, keep, new_position) for layer in page.layers])


def _subset_layer(layer: dict, keep: np.ndarray, new_position: np.ndarray) -> dict:
    layer = dict(layer)
    if layer["kind"] == "polygons":
        features = np.asarray(layer.get("features", np.arange(len(keep))), dtype=int)
        mask = keep[features]
        layer["features"] = new_position[features[mask]].tolist()
        if "values" in layer:
            layer["values"] = [v for v, m in zip(layer["values"], mask) if m]
        return layer
    mask = keep[np.asarray(layer["_oa"], dtype=int)] if layer["_oa"] else np.zeros(0, dtype=bool)
    for key in ("points", "lines", "tips", "popups", "search", "_oa"):
        if key in layer and layer[key] is not None:
            layer[key] = [v for v, m in zip(layer[key], mask) if m]
    return layer


def _overview(page: Page, area: Area, parts: list[np.ndarray], stem: str) -> Page:
    """One dissolved outline per part, each linking to its page."""
    geoms, codes, popups = [], [], {}
    projected = area.projected.geometry.values
    for number, index in enumerate(parts, start=1):
        outline = shapely.coverage_union_all(projected[index]).simplify(100)
        shape = area.frame.iloc[:1].set_geometry([outline], crs="EPSG:27700").to_crs("EPSG:4326")
        geoms.append(encode_polygons(shape.geometry.values[0]))
        name = f"Part {number}"
        codes.append(name)
        popups[name] = (f'<p>{len(index):,} OAs, {esc(area.codes[index[0]])} …</p>'
                        f'<p><a href="{esc(stem)}-part{number}.html">Open {esc(name)}</a></p>')
    fill = {name: CATEGORICAL[i % len(CATEGORICAL)] for i, name in enumerate(codes)}
    layer = {"kind": "polygons", "name": "Parts", "show": True, "shape": "oa", "search": True,
             "values": codes, "fill": fill, "popups": popups, "stroke": "#222222", "weight": 1.5}
    rows = [legend.item(fill[name], f"{name}: {len(index):,} OAs") for name, index in zip(codes, parts)]
    return Page(
        title=page.title, bounds=page.bounds, shapes={"oa": {"codes": codes, "geoms": geoms}}, layers=[layer],
        legend_html=legend.section(0, "Parts of this map", rows),
        intro_html=(f"{page.intro_html} This map is too big for one page; it is split into {len(parts)} "
                    "parts. Click a part to open it."), links=page.links, tiles=page.tiles)
