"""The embedded default area, built once: every page within budget, drawn in the browser; ward packs."""

from __future__ import annotations

import pandas as pd
import pytest

from spacemap.io.embedded import assets_dir
from spacemap.maps.atlas import build_atlas
from spacemap.maps.layers import build_area
from spacemap.maps.locality import locality_packs, wards_from_postcodes

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def default():
    from spacemap.maps.default_run import default_map_inputs

    inputs, _ = default_map_inputs(seed=42)
    area = build_area(inputs.boundaries)
    return inputs, area, build_atlas(inputs, area=area)


def test_default_pages_fit_the_budget(default):
    _, _, pages = default
    assert {"segments.html", "estate.html", "service_use.html", "access.html", "colocation.html"} <= set(pages)
    for name, html in pages.items():
        assert len(html.encode()) <= 2_500_000, name


def test_default_segments_page_in_the_browser(default, open_page, tmp_path):
    inputs, _, pages = default
    (tmp_path / "segments.html").write_text(pages["segments.html"], encoding="utf-8")
    opened = open_page(tmp_path / "segments.html")
    page = opened.page
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() == 738
    legend = page.locator(".sm-legend").inner_text()
    counts = inputs.oa_segments["tier1_name"].value_counts()
    for name, count in counts.items():
        assert f"{name} ({count})" in legend
    page.screenshot(path=str(tmp_path / "default_segments.png"))
    assert opened.errors == []


def test_default_wards_cover_every_oa(default):
    inputs, area, _ = default
    postcodes = pd.read_csv(assets_dir() / "trafford_postcodes.csv", usecols=["ward_name", "lon", "lat"])
    wards = wards_from_postcodes(inputs.boundaries, postcodes)
    assert wards.notna().all() and len(wards) == 738 and wards.nunique() == 21
    packs = locality_packs(inputs, area, wards)
    assert len(packs) == 22 and "altrincham.html" in packs
    assert "Segment mix" in packs["altrincham.html"] and "Co-location candidates" in packs["altrincham.html"]
