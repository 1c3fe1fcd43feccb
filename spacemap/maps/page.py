"""One self-contained HTML page: a folium map with vendored Leaflet, the page script and the data inline.

folium builds the page (document, map, base layer, scale bar, fit to the area); the
layers are drawn by ``static/spacemap.js`` from one compact data block — polygons
encoded once, colours looked up per segment or class instead of a style per feature,
which keeps a county of 3,300 OAs near 0.5 MB where folium's GeoJson layer with a
style function is several times larger (``benchmarks/map_size.py --folium`` measures
both). The page needs no network: Leaflet and its CSS are inlined (no CDN links);
the OpenStreetMap base layer is an optional overlay that simply stays empty offline.
Element ids are numbered, not random, so the same page always renders to the same bytes.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

from spacemap.maps.geometry import PRECISION
from spacemap.maps.text import esc, script_json

_HERE = Path(__file__).resolve().parent
_VENDOR = _HERE / "vendor" / "leaflet"
_STATIC = _HERE / "static"


@dataclass
class Page:
    """What a map page shows. Strings ending in ``_html`` are already escaped HTML.

    ``shapes`` maps a name to ``{"codes": [...], "geoms": [...]}`` (encoded polygons);
    each layer is a dict read by ``static/spacemap.js`` (kinds: polygons, points, lines).
    Keys starting with ``_`` (e.g. ``_oa``: the OA each point lies in) are for splitting
    and are not written to the page.
    """

    title: str
    bounds: list
    shapes: dict = field(default_factory=dict)
    layers: list = field(default_factory=list)
    legend_html: str = ""
    intro_html: str = ""
    links: list = field(default_factory=list)
    tiles: bool = True


@cache
def _leaflet_css() -> str:
    css = (_VENDOR / "leaflet.css").read_text(encoding="utf-8")
    for name in ("layers-2x.png", "layers.png"):
        encoded = base64.b64encode((_VENDOR / "images" / name).read_bytes()).decode("ascii")
        css = css.replace(f"url(images/{name})", f"url(data:image/png;base64,{encoded})")
    return css


@cache
def _leaflet_js() -> str:
    text = (_VENDOR / "leaflet.js").read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.startswith("//# sourceMappingURL"))


@cache
def _static(name: str) -> str:
    return (_STATIC / name).read_text(encoding="utf-8")


def header_html(page: Page) -> str:
    """The title box: title, short introduction and links (e.g. back to the index)."""
    links = " · ".join(f'<a href="{esc(href)}">{esc(label)}</a>' for href, label in page.links)
    return (f"<h1>{esc(page.title)}</h1>" + (f"<p>{page.intro_html}</p>" if page.intro_html else "")
            + (f"<p>{links}</p>" if links else ""))


def page_data(page: Page) -> dict:
    """The JSON the page script reads."""
    layers = [{key: value for key, value in layer.items() if not key.startswith("_")} for layer in page.layers]
    return {"precision": PRECISION, "shapes": page.shapes,
            "layers": layers, "legend": page.legend_html, "header": header_html(page)}


class _Raw(Element):
    """Text put into the page as it is (not read as a Jinja template, as branca's Element would)."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class _SpacemapLayers(MacroElement):
    """Calls the page script on folium's map once the map and its base layer exist."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            spacemapBuild({{ this._parent.get_name() }}, {{ this.tiles }});
        {% endmacro %}
    """)

    def __init__(self, tiles: folium.TileLayer | None):
        super().__init__()
        self._name = "SpacemapLayers"
        self.tile_layer = tiles

    @property
    def tiles(self) -> str:
        """The base layer's JavaScript name (read when the page renders, after ids are numbered)."""
        return self.tile_layer.get_name() if self.tile_layer is not None else "null"


def folium_map(page: Page) -> folium.Map:
    """The folium map of a page: Leaflet inlined (no CDN), base layer, scale bar, data and the page script."""
    figure = folium.Figure(title=page.title)
    fmap = folium.Map(location=None, tiles=None, control_scale=True, zoom_snap=0.25, prefer_canvas=False)
    fmap.default_js, fmap.default_css = [], []   # inlined below: the page works offline
    figure.add_child(fmap)
    fmap.fit_bounds(page.bounds)
    tiles = None
    if page.tiles:
        tiles = folium.TileLayer("OpenStreetMap", overlay=True, control=False)
        fmap.add_child(tiles)
    fmap.add_child(_SpacemapLayers(tiles))
    header = figure.header
    header.add_child(_Raw(f"<style>\n{_leaflet_css()}\n</style>\n<style>\n{_static('spacemap.css')}</style>"),
                     name="spacemap_css")
    header.add_child(_Raw(f"<script>\n{_leaflet_js()}\n</script>\n<script>\n{_static('spacemap.js')}</script>"),
                     name="spacemap_js")
    figure.html.add_child(_Raw(f'<script id="spacemap-data" type="application/json">'
                                  f"{script_json(page_data(page))}</script>"), name="spacemap_data")
    _fix_ids(figure)
    return fmap


def _fix_ids(element, counter=None) -> None:
    """Number folium's elements in order, instead of its random ids: same page, same bytes."""
    counter = counter if counter is not None else iter(range(1_000_000))
    element._id = f"{next(counter):04d}"
    for child in element._children.values():
        _fix_ids(child, counter)


def render(page: Page) -> str:
    """The page as one HTML document."""
    return folium_map(page).get_root().render() + "\n"


def plain_page(title: str, body_html: str, style: str = "") -> str:
    """A plain HTML document (indexes, locality packs) with ``body_html`` already escaped."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{esc(title)}</title>\n<style>\n{_static('document.css')}{style}</style>\n</head>\n"
        f"<body>\n{body_html}\n</body>\n</html>\n"
    )
