"""One self-contained HTML page: vendored Leaflet, the page script and the data, all inline.

The page needs no network: Leaflet and its CSS are inlined (no CDN links) and the
polygons are drawn from the embedded data; the OpenStreetMap base layer is an
optional overlay that simply stays empty offline. The same page description always
renders to the same bytes.
"""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

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

    def copy(self) -> Page:
        return copy.deepcopy(self)


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
    return {"precision": PRECISION, "bounds": page.bounds, "tiles": page.tiles, "shapes": page.shapes,
            "layers": layers, "legend": page.legend_html, "header": header_html(page)}


def render(page: Page) -> str:
    """The page as one HTML document."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{esc(page.title)}</title>\n"
        f"<style>\n{_leaflet_css()}\n</style>\n<style>\n{_static('spacemap.css')}</style>\n"
        f"<script>\n{_leaflet_js()}\n</script>\n</head>\n<body>\n<div id=\"map\"></div>\n"
        f"<script id=\"spacemap-data\" type=\"application/json\">{script_json(page_data(page))}</script>\n"
        f"<script>\n{_static('spacemap.js')}</script>\n</body>\n</html>\n"
    )


def plain_page(title: str, body_html: str, style: str = "") -> str:
    """A plain HTML document (indexes, locality packs) with ``body_html`` already escaped."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{esc(title)}</title>\n<style>\n{_static('document.css')}{style}</style>\n</head>\n"
        f"<body>\n{body_html}\n</body>\n</html>\n"
    )
