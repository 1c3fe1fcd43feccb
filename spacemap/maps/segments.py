"""The segments map: one layer per tier, a fixed colour per segment, names and counts in the legend."""

from __future__ import annotations

import re

import pandas as pd

from spacemap.maps import legend
from spacemap.maps.layers import CATEGORICAL, Area, categorical_layer, palette
from spacemap.maps.page import Page
from spacemap.maps.text import esc, is_missing, number
from spacemap.segment.codes import code_order, tier_numbers

TOP_SCORES = 6


def segment_colours(oa_segments: pd.DataFrame) -> dict[int, dict[str, str]]:
    """A fixed colour per segment code and tier (codes in sorted order)."""
    return {tier: palette(oa_segments[f"tier{tier}_code"].astype(str), CATEGORICAL)
            for tier in tier_numbers(oa_segments)}


def segments_page(area: Area, oa_segments: pd.DataFrame, profiles: pd.DataFrame | None = None,
                  portrait_lines: dict | None = None, labels: dict | None = None,
                  title: str = "Customer segments") -> Page:
    """Every tier as a layer (the first shown); values are the finest code, looked up per layer."""
    tiers = tier_numbers(oa_segments)
    frame = oa_segments.astype({f"tier{t}_code": str for t in tiers})
    finest = f"tier{tiers[-1]}_code"
    chains = frame.drop_duplicates(finest).set_index(finest, drop=False)
    colours = segment_colours(frame)
    portrait_lines = portrait_lines or {}
    layers, sections = [], []
    for position, tier in enumerate(tiers):
        code_of = chains[f"tier{tier}_code"]
        fill = {fine: colours[tier][code] for fine, code in code_of.items()}
        tips = {fine: _tip(chains.loc[fine], tiers, tier, portrait_lines) for fine in chains.index}
        popups = {fine: _scores(profiles, tier, code, labels) for fine, code in code_of.items()}
        layers.append(categorical_layer(area, f"Segments, tier {tier}", frame["oa_code"], frame[finest],
                                        fill=fill, tips=tips, popups=popups, show=position == 0,
                                        search=position == 0))
        counts = frame[f"tier{tier}_code"].value_counts()
        names = frame.drop_duplicates(f"tier{tier}_code").set_index(f"tier{tier}_code")[f"tier{tier}_name"]
        rows = [legend.item(colours[tier][code], f"{code} {names[code]}", int(counts[code]))
                for code in sorted(colours[tier], key=code_order)]
        sections.append(legend.section(position, f"Tier {tier} segments (OAs)", rows))
    intro = (f"{len(frame):,} Output Areas in {len(tiers)} tiers of segments. Hover for the segment, "
             "click for its highest index scores (100 = the area average).")
    return Page(title=title, bounds=area.bounds, layers=layers, legend_html="".join(sections), intro_html=esc(intro),
                shapes={"oa": area.shape})


def _tip(row: pd.Series, tiers: list[int], tier: int, portrait_lines: dict) -> str:
    names = "<br>".join(f"Tier {t}: {esc(row[f'tier{t}_code'])} {esc(row[f'tier{t}_name'])}"
                        for t in tiers if t <= tier or t == tiers[-1])
    line = portrait_lines.get(str(row[f"tier{tier}_code"]))
    return names + (f"<br><i>{esc(line)}</i>" if not is_missing(line) else "")


def _scores(profiles: pd.DataFrame | None, tier: int, code: str, labels: dict | None) -> str:
    """The segment's highest index scores as a small table."""
    if profiles is None or profiles.empty:
        return ""
    rows = profiles[(profiles["tier"].astype(int) == tier) & (profiles["code"].astype(str) == code)]
    if rows.empty:
        return ""
    row = rows.iloc[0]
    variables = [c for c in profiles.columns if re.fullmatch(r"v\d+", str(c))] or [
        c for c in profiles.columns if c not in {"tier", "code", "name", "parent_code", "oas", "residents"}]
    scores = pd.to_numeric(row[variables], errors="coerce").dropna().sort_values(ascending=False, kind="stable")
    labels = labels or {}
    cells = "".join(f'<tr><td>{esc(labels.get(v, v))}</td><td class="num">{number(s, 0)}</td></tr>'
                    for v, s in scores.head(TOP_SCORES).items())
    size = f"{number(row.get('oas'), 0)} OAs, {number(row.get('residents'), 0)} residents"
    return (f"<p><b>{esc(code)} {esc(row.get('name'))}</b><br>{esc(size)}</p>"
            f"<table><tr><th>Highest index scores</th><th>index</th></tr>{cells}</table>")
