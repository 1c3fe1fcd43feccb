"""Service use and access maps: take-up per 1,000, observed ÷ expected, non-take-up, distance, catchments.

A withheld (suppressed) count is drawn grey and reads "suppressed": no number of it
(count, rate or ratio) ever reaches the page.
"""

from __future__ import annotations

import pandas as pd

from spacemap.maps import legend
from spacemap.maps.layers import (
    DIVERGING, MISSING, SEQUENTIAL, SEQUENTIAL_BLUE, SUPPRESSED, Area, categorical_layer, numeric_layer,
    outline_layer, palette, quantile_breaks,
)
from spacemap.maps.page import Page
from spacemap.maps.text import esc

OE_BREAKS = [0.8, 0.95, 1.05, 1.25]
DISTANCE_BREAKS = [400.0, 800.0, 1600.0, 3200.0]
NON_TAKE_UP = "#6a00a8"


def _label(service: str, record_type: str) -> str:
    return f"{service.replace('_', ' ')} {record_type}".strip()


def shown_values(rows: pd.DataFrame, column: str) -> list:
    """Values for the page: 's' where the cell is withheld, None where missing."""
    withheld = rows["suppressed"].fillna(False).astype(bool) if "suppressed" in rows else pd.Series(False, index=rows.index)
    values = pd.to_numeric(rows[column], errors="coerce").astype(object)
    values[withheld] = "s"
    return values.where(values.notna() | withheld, None).tolist()


def service_use_page(area: Area, oa_use: pd.DataFrame, title: str = "Service use") -> Page:
    """For every service and record type: take-up per 1,000 residents, observed ÷ expected, non-take-up."""
    layers, sections = [], []
    groups = oa_use.groupby(["service", "record_type"], sort=True)
    for (service, record_type), rows in groups:
        what = _label(str(service), str(record_type))
        rate = rows["rate_per_1000"].where(~rows["suppressed"].fillna(False).astype(bool))
        breaks = quantile_breaks(rate)
        layers.append(numeric_layer(area, f"{what}: per 1,000 residents", rows["oa_code"],
                                    shown_values(rows, "rate_per_1000"), esc("Per 1,000 residents"), breaks,
                                    SEQUENTIAL, digits=1, show=not layers))
        sections.append(legend.section(len(layers) - 1, f"{what} per 1,000 residents",
                                       legend.class_rows(breaks, SEQUENTIAL, 1) + _extra_rows()))
        modelled = bool(rows["modelled"].fillna(False).astype(bool).all()) if "modelled" in rows else False
        layers.append(numeric_layer(area, f"{what}: observed ÷ expected", rows["oa_code"],
                                    shown_values(rows, "observed_expected"), esc("Observed ÷ expected"),
                                    OE_BREAKS, DIVERGING, digits=2))
        note = "Modelled from site totals: 1 by construction." if modelled else "1 = as expected from residents."
        sections.append(legend.section(len(layers) - 1, f"{what}: observed ÷ expected",
                                       legend.class_rows(OE_BREAKS, DIVERGING, 2) + _extra_rows(), note))
        flagged = rows.loc[rows["non_take_up"].astype(object).fillna(False).astype(bool), "oa_code"]
        if len(flagged):
            layers.append(outline_layer(area, f"{what}: non-take-up areas", flagged, NON_TAKE_UP, show=True))
            sections.append(legend.section(len(layers) - 1, f"{what}: non-take-up",
                                           [legend.item(NON_TAKE_UP, "significantly fewer than expected",
                                                        len(flagged), "line")]))
    intro = ("Take-up by Output Area. Counts of 1–4 (and the cells that would reveal them) are withheld "
             "and shown as \u201csuppressed\u201d.")
    return Page(title=title, bounds=area.bounds, shapes={"oa": area.shape}, layers=layers,
                legend_html="".join(sections), intro_html=esc(intro))


def _extra_rows() -> list[str]:
    return [legend.item(SUPPRESSED, "suppressed (small count)"), legend.item(MISSING, "no data")]


def access_page(area: Area, access: pd.DataFrame, catchments: pd.DataFrame | None = None,
                sites: pd.DataFrame | None = None, title: str = "Access and catchments") -> Page:
    """Distance to the nearest site of each service, and which site serves each OA (catchments)."""
    layers, sections = [], []
    services = sorted(c[len("distance_"):-len("_m")] for c in access.columns
                      if c.startswith("distance_") and c.endswith("_m"))
    for service in services:
        name = service.replace("_", " ")
        layers.append(numeric_layer(area, f"Distance to nearest {name}", access["oa_code"],
                                    access[f"distance_{service}_m"].tolist(), esc("Straight-line distance"),
                                    DISTANCE_BREAKS, SEQUENTIAL_BLUE, digits=0, unit=" m",
                                    show=not layers))
        sections.append(legend.section(len(layers) - 1, f"Distance to nearest {name}",
                                       legend.class_rows(DISTANCE_BREAKS, SEQUENTIAL_BLUE, 0, " m")))
    names = {} if sites is None else dict(zip(sites["site_id"].astype(str), sites["name"].astype(str)))
    if catchments is not None and len(catchments):
        for service, rows in catchments.groupby("service", sort=True):
            main = rows["main_site_id"].astype(str)
            fill = palette(main)
            tips = {s: f"Mostly served by {esc(names.get(s, s))}" for s in fill}
            layers.append(categorical_layer(area, f"Catchments: {str(service).replace('_', ' ')}", rows["oa_code"],
                                            main, fill=fill, tips=tips))
            counts = main.value_counts()
            items = [legend.item(fill[s], names.get(s, s), int(counts[s])) for s in sorted(fill)]
            sections.append(legend.section(len(layers) - 1, f"Catchments: {service} (OAs per site)", items,
                                           "Colours repeat when there are many sites."))
    intro = "Straight-line distance from each OA to the nearest site of a service; catchments where modelled."
    return Page(title=title, bounds=area.bounds, shapes={"oa": area.shape}, layers=layers,
                legend_html="".join(sections), intro_html=esc(intro))
