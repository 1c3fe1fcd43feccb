"""All theme pages of a run plus ``index.html`` linking them, each within the size budget."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from spacemap.maps.budget import DEFAULT_MAX_MB, fit_pages
from spacemap.maps.geometry import DEFAULT_SIMPLIFY_M
from spacemap.maps.layers import Area, build_area
from spacemap.maps.page import plain_page
from spacemap.maps.text import esc
from spacemap.maps.themes import access_page, colocation_map, estate_page, segments_page, service_use_page


@dataclass
class MapInputs:
    """What the maps draw; every part but the boundaries is optional."""

    boundaries: gpd.GeoDataFrame
    area_name: str = "the area"
    oa_segments: pd.DataFrame | None = None
    profiles: pd.DataFrame | None = None
    portrait_lines: dict | None = None
    labels: dict | None = None
    sites: gpd.GeoDataFrame | None = None
    service_use: pd.DataFrame | None = None
    access: pd.DataFrame | None = None
    catchments: pd.DataFrame | None = None
    candidates: gpd.GeoDataFrame | None = None
    links: gpd.GeoDataFrame | None = None


THEMES = [
    ("segments", "Customer segments", "Every tier of segments, with names, sizes and index scores."),
    ("estate", "Public estate", "The partners' assets by owner, with their register figures; shared sites ringed."),
    ("service_use", "Service use", "Take-up per 1,000 residents, observed ÷ expected and non-take-up by OA."),
    ("access", "Access and catchments", "Distance to the nearest site of each service, and catchments."),
    ("colocation", "Co-location candidates", "Candidate hubs, their member sites, scores and reasons."),
]


def build_atlas(inputs: MapInputs, max_mb: float = DEFAULT_MAX_MB, simplify_m: float = DEFAULT_SIMPLIFY_M,
                area: Area | None = None, extra_links: list[tuple[str, str, str]] = ()) -> dict[str, str]:
    """``{relative file name: html}`` for every theme the inputs allow, and ``index.html``.

    ``extra_links`` adds (href, label, about) rows to the index, e.g. the locality packs.
    """
    area = area or build_area(inputs.boundaries, simplify_m)
    name = inputs.area_name
    pages, built = {}, []
    themes = {
        "segments": lambda: inputs.oa_segments is not None and segments_page(
            area, inputs.oa_segments, inputs.profiles, inputs.portrait_lines, inputs.labels,
            title=f"Customer segments — {name}"),
        "estate": lambda: inputs.sites is not None and estate_page(area, inputs.sites, title=f"Public estate — {name}"),
        "service_use": lambda: inputs.service_use is not None and service_use_page(
            area, inputs.service_use, title=f"Service use — {name}"),
        "access": lambda: inputs.access is not None and access_page(
            area, inputs.access, inputs.catchments, inputs.sites, title=f"Access and catchments — {name}"),
        "colocation": lambda: inputs.candidates is not None and colocation_map(
            inputs.candidates, inputs.links, inputs.sites, area, title=f"Co-location candidates — {name}"),
    }
    for stem, label, about in THEMES:
        page = themes[stem]()
        if not page:
            continue
        page.links = [("index.html", "All maps")]
        theme_pages = fit_pages(page, area, stem, max_mb)
        pages.update(theme_pages)
        built.append((stem, label, about, len(theme_pages) - 1 if len(theme_pages) > 1 else 0))
    pages["index.html"] = index_page(name, built, list(extra_links))
    return pages


def index_page(area_name: str, built: list[tuple[str, str, str, int]], extra_links: list = ()) -> str:
    """A plain page linking every theme map."""
    items = "".join(
        f'<li><a href="{esc(stem)}.html">{esc(label)}</a> — {esc(about)}'
        + (f" <span class=\"note\">(split into {parts} parts)</span>" if parts else "") + "</li>"
        for stem, label, about, parts in built)
    items += "".join(f'<li><a href="{esc(href)}">{esc(label)}</a> — {esc(about)}</li>'
                     for href, label, about in extra_links)
    body = (f"<h1>Maps — {esc(area_name)}</h1><p class=\"note\">Each map is one self-contained page: it opens "
            "offline (the background map needs the internet and can be switched off).</p>"
            f"<ul>{items}</ul>")
    return plain_page(f"Maps — {area_name}", body)


def segment_maps(run, max_mb: float = DEFAULT_MAX_MB) -> dict[str, str]:
    """``segments.html`` (or its parts) for a ``spacemap segment`` run; empty without boundaries."""
    if run.inputs.boundaries is None:
        return {}
    area = build_area(run.inputs.boundaries)
    page = segments_page(area, run.oa_segments, run.profiles, run.portrait_lines, run.inputs.labels,
                         title=f"Customer segments — {run.inputs.area_name}")
    return fit_pages(page, area, "segments", max_mb)


def services_maps(run, max_mb: float = DEFAULT_MAX_MB) -> dict[str, str]:
    """``service_use.html`` and ``access.html`` (or their parts) for a ``spacemap services`` run."""
    area = build_area(run.boundaries)
    catchments = pd.concat([c.oas for c in run.catchments], ignore_index=True) if run.catchments else None
    sites = pd.concat([c.sites for c in run.catchments], ignore_index=True) if run.catchments else None
    pages = fit_pages(service_use_page(area, run.tables.oa), area, "service_use", max_mb)
    pages.update(fit_pages(access_page(area, run.access, catchments, sites), area, "access", max_mb))
    return pages
