"""The estate map: assets coloured by owner, the register's figures in the popup, shared sites ringed."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from spacemap.maps import legend
from spacemap.maps.layers import Area, context_layer, palette, point_layer
from spacemap.maps.page import Page
from spacemap.maps.text import esc, is_missing, number, table

SHARED_COLOUR = "#000000"

# (column, label, formatter) of the register fields shown in an asset's popup
FIELDS = [
    ("owner", "Owner", str), ("owner_type", "Owner type", str), ("occupiers", "Occupiers", str),
    ("services", "Services", str), ("use_type", "Use", str), ("address", "Address", str),
    ("postcode", "Postcode", str), ("floor_area_m2", "Floor area", lambda v: number(v, 0, suffix=" m²")),
    ("tenure", "Tenure", str), ("tenure_detail", "Tenure detail", str), ("lease_end", "Lease ends", str),
    ("annual_running_cost_gbp", "Running cost a year", lambda v: number(v, 0, prefix="£")),
    ("condition", "Condition", str), ("utilisation_pct", "Utilisation", lambda v: number(v, 0, suffix="%")),
    ("capacity", "Capacity", lambda v: number(v, 0)),
    ("disposal_value_gbp", "Disposal value", lambda v: number(v, 0, prefix="£")),
    ("energy_rating", "Energy rating", str), ("site_id", "Site id", str),
]


def estimated(row: pd.Series) -> set[str]:
    """The fields of a site filled from the assumption table rather than the register."""
    value = row.get("estimated_fields")
    return set() if is_missing(value) else {part.strip() for part in str(value).replace(",", ";").split(";")}


def site_popup(row: pd.Series) -> str:
    """The register fields of one asset; estimated values are marked as estimated."""
    guessed = estimated(row)
    cells = []
    for column, label, fmt in FIELDS:
        value = row.get(column)
        if is_missing(value):
            continue
        text = esc(fmt(value))
        if column in guessed:
            text = f'<span class="sm-est">{text} (estimated)</span>'
        cells.append((esc(label), text))
    if bool(row.get("shared", False)):
        cells.append(("Shared", esc(f"yes, {int(row.get('n_occupiers', 0) or 0)} occupiers")))
    return f"<b>{esc(row.get('name'))}</b>" + table(cells)


def search_names(sites: pd.DataFrame) -> list[str]:
    """Asset names for the search box, made unique with the site id where two share a name."""
    names = sites["name"].astype(str)
    repeated = names.duplicated(keep=False)
    return [f"{n} ({i})" if r else n for n, i, r in zip(names, sites["site_id"].astype(str), repeated)]


def estate_page(area: Area, sites: gpd.GeoDataFrame, title: str = "Public estate by owner") -> Page:
    """OA outlines for orientation, assets by owner, and a ring round every shared site."""
    sites = sites.sort_values("site_id", kind="stable").reset_index(drop=True)
    owners = sites["owner"].fillna("owner unknown").astype(str)
    fill = palette(owners)
    tips = [esc(n) + f"<br>{esc(o)}" for n, o in zip(sites["name"], owners)]
    layers = [context_layer(area, show=True, search=True),
              point_layer(area, "Assets by owner", sites, owners, tips, [site_popup(r) for _, r in sites.iterrows()],
                          fill=fill, search=search_names(sites))]
    counts = owners.value_counts()
    rows = [legend.item(fill[o], o, int(counts[o]), "dot") for o in sorted(fill, key=lambda o: (-counts[o], o))]
    sections = [legend.section(1, "Owners (assets)", rows)]
    shared = sites[sites.get("shared", pd.Series(False, index=sites.index)).fillna(False).astype(bool)]
    if len(shared):
        layers.append(point_layer(area, "Shared sites", shared, [""] * len(shared),
                                  [f"{esc(n)}<br>shared by {esc(o)}" for n, o in zip(shared["name"], shared["occupiers"])],
                                  [site_popup(r) for _, r in shared.iterrows()], ring=True, color=SHARED_COLOUR))
        sections.append(legend.section(2, "Shared sites", [legend.item(SHARED_COLOUR, "several occupiers",
                                                                        len(shared), "ring")]))
    intro = f"{len(sites):,} assets of {len(fill)} owners. Click an asset for its register entry."
    return Page(title=title, bounds=area.bounds, shapes={"oa": area.shape}, layers=layers,
                legend_html="".join(sections), intro_html=esc(intro))
