"""Map pages: self-contained, deterministic, escaped, within budget."""

from __future__ import annotations

import json
import re

import pytest

from spacemap.errors import ConfigError
from spacemap.maps.atlas import build_atlas
from spacemap.maps.budget import fit_pages
from spacemap.maps.layers import build_area
from spacemap.maps.segments import segments_page
from spacemap.maps.themes import colocation_page
from tests.maps.conftest import XSS_IMG, XSS_SCRIPT, candidates_and_links, grid, segments_for, sites


def data_of(html: str) -> dict:
    block = re.search(r'<script id="spacemap-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    return json.loads(block)


def test_every_theme_and_the_index_are_built(map_inputs):
    pages = build_atlas(map_inputs)
    assert sorted(pages) == ["access.html", "colocation.html", "estate.html", "index.html", "segments.html",
                             "service_use.html"]
    for stem in ("segments", "estate", "service_use", "access", "colocation"):
        assert f'href="{stem}.html"' in pages["index.html"]


def test_pages_are_self_contained(map_inputs):
    for name, html in build_atlas(map_inputs).items():
        assert "<script src" not in html and "<link" not in html and "url(http" not in html, name
        own = html.split('<script id="spacemap-data"')[-1]  # the page's data and script, after inlined Leaflet
        urls = set(re.findall(r"https?://[^\"'\s)\\]+", own))
        allowed = {"https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://www.openstreetmap.org/copyright",
                   "https://leafletjs.com", "http://www.w3.org/2000/svg"}
        assert urls <= allowed, (name, urls - allowed)
    assert 't.version="1.9.4"' in build_atlas(map_inputs)["segments.html"]  # Leaflet is inlined


def test_same_inputs_give_byte_identical_pages(map_inputs):
    assert build_atlas(map_inputs) == build_atlas(map_inputs)


def test_input_text_never_reaches_the_page_unescaped(map_inputs):
    for name, html in build_atlas(map_inputs).items():
        assert XSS_IMG not in html and XSS_SCRIPT not in html, name
        assert "<b>Trust</b>" not in html
        assert html.lower().count("</script>") == html.lower().count("<script"), name


def test_text_is_escaped_once_inside_the_data(map_inputs):
    data = data_of(build_atlas(map_inputs)["estate.html"])
    popups = " ".join(data["layers"][1]["popups"])
    assert "Clinic &lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;" in popups
    assert "NHS &lt;b&gt;Trust&lt;/b&gt;" in data["legend"]


def test_styles_are_looked_up_by_value_not_repeated(map_inputs):
    area = build_area(map_inputs.boundaries)
    page = segments_page(area, map_inputs.oa_segments, map_inputs.profiles)
    tier1 = page.layers[0]
    assert len(tier1["values"]) == 30 and set(tier1["fill"]) == {"1a", "1b", "2a", "2b", "3a", "3b"}
    assert tier1["fill"]["1a"] == tier1["fill"]["1b"] != tier1["fill"]["2a"]  # tier 1 colour via the finest code


def test_suppressed_counts_are_never_numbers(map_inputs):
    data = data_of(build_atlas(map_inputs)["service_use.html"])
    rate, ratio = data["layers"][0], data["layers"][1]
    codes = data["shapes"]["oa"]["codes"]
    for layer in (rate, ratio):
        for i in (1, 4, 7, 10):  # the OAs with 3 or 4 visits
            assert layer["values"][i] == "s", (layer["name"], codes[i])
    assert rate["values"][0] == pytest.approx(133.3333, abs=1e-3)
    assert "non-take-up" in data["layers"][2]["name"]
    assert data["layers"][2]["features"] == [0, 6, 12, 18, 24]  # 40 visits: fewer than expected


def test_a_page_over_budget_is_split_into_parts_with_an_overview():
    boundaries = grid(100, 60)
    oa_segments, profiles = segments_for(boundaries)
    area = build_area(boundaries)
    page = segments_page(area, oa_segments, profiles)
    whole = fit_pages(page, area, "segments", max_mb=2.5)
    assert list(whole) == ["segments.html"]
    size = len(whole["segments.html"].encode())
    budget_mb = 0.45
    assert size > budget_mb * 1e6
    pages = fit_pages(page, area, "segments", max_mb=budget_mb)
    parts = sorted(name for name in pages if "-part" in name)
    assert 2 <= len(parts) <= 4
    assert all(len(html.encode()) <= budget_mb * 1e6 for html in pages.values())
    for part in parts:
        assert f'href="{part}"' in data_of(pages["segments.html"])["layers"][0]["popups"].__str__()
    codes = [code for part in parts for code in data_of(pages[part])["shapes"]["oa"]["codes"]]
    assert sorted(codes) == sorted(boundaries["oa_code"])  # every OA in exactly one part


def test_a_budget_must_be_positive_and_hold_a_page(map_inputs):
    with pytest.raises(ConfigError, match="--max-mb"):
        build_atlas(map_inputs, max_mb=0)
    with pytest.raises(ConfigError, match="too small"):
        build_atlas(map_inputs, max_mb=0.1)


def test_colocation_page_contract():
    candidates, links = candidates_and_links()
    html = colocation_page(candidates, links, sites=sites())
    data = data_of(html)
    hubs = data["layers"][-1]
    assert hubs["name"] == "Candidate hubs" and len(hubs["points"]) == 1
    popup = hubs["popups"][0]
    assert "0.812" in popup and "£52,000" in popup and "−35 m" not in popup and "-35 m" in popup
    assert popup.count("<li>") == 3  # one line per reason
    with_oas = data_of(colocation_page(candidates, links, sites=sites(), boundaries=grid()))
    assert len(with_oas["shapes"]["oa"]["codes"]) == 30
