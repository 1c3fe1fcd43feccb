"""The pages in a real headless browser: layers drawn, legend complete, layer control, no script injection."""

from __future__ import annotations

import pytest

from spacemap.maps.atlas import build_atlas
from tests.maps.conftest import XSS_IMG

LAYER_COUNTS = "window.spacemap.layers.map(l => [l.getLayers().length, window.spacemap.map.hasLayer(l)])"


@pytest.fixture
def written(map_inputs, tmp_path):
    for name, html in build_atlas(map_inputs).items():
        (tmp_path / name).write_text(html, encoding="utf-8")
    return tmp_path


def open_everything(page):
    """Open every tooltip and popup and show every layer, so any injected markup would be parsed."""
    page.evaluate("""() => {
        for (const layer of window.spacemap.layers) {
            window.spacemap.map.addLayer(layer);
            layer.eachLayer(f => { if (f.getTooltip()) f.openTooltip(); if (f.getPopup()) { f.openPopup(); f.closePopup(); } });
        }
    }""")
    page.wait_for_timeout(200)


def test_segments_page_draws_every_oa_with_a_complete_legend(open_page, written, map_inputs):
    opened = open_page(written / "segments.html")
    page = opened.page
    assert page.evaluate(LAYER_COUNTS) == [[30, True], [30, False]]
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() == 30
    legend = page.locator(".sm-legend").inner_text()
    for name in map_inputs.oa_segments["tier1_name"].unique():
        assert f"{name} (10)" in legend
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator(".leaflet-control-layers").count() == 1
    assert page.locator(".sm-fullscreen-button").count() == 1
    page.screenshot(path=str(written / "segments.png"))
    assert opened.errors == []


def test_layer_control_toggles_layers_and_legend(open_page, written):
    page = open_page(written / "segments.html").page
    page.get_by_label("Segments, tier 1").uncheck()
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() == 0
    assert page.locator('.sm-legend [data-layer="0"]').is_hidden()
    page.get_by_label("Segments, tier 2").check()
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() == 30
    assert page.locator('.sm-legend [data-layer="1"]').is_visible()


def test_base_map_can_be_switched_off_and_polygons_stay(open_page, written):
    opened = open_page(written / "estate.html")
    page = opened.page
    assert any("tile.openstreetmap.org" in url for url in opened.external)  # tried, and failed offline
    page.get_by_label("Base map (OpenStreetMap, online only)").uncheck()
    assert page.locator(".leaflet-tile-pane img").count() == 0
    assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() == 30 + 4 + 1
    assert opened.errors == []


def test_search_finds_an_oa_and_an_asset(open_page, written):
    page = open_page(written / "estate.html").page
    box = page.get_by_placeholder("Search OA code or asset name")
    box.fill("E00000007")
    box.press("Enter")
    assert "E00000007" in page.locator(".leaflet-tooltip").first.inner_text()
    box.fill("town hall")
    box.press("Enter")
    assert "Floor area" in page.locator(".leaflet-popup-content").inner_text()


def test_no_injected_markup_runs_on_any_page(open_page, written):
    for name in ("segments", "estate", "service_use", "access", "colocation"):
        opened = open_page(written / f"{name}.html")
        open_everything(opened.page)
        assert opened.page.evaluate("window.__xss") is None, name
        assert opened.page.locator(".leaflet-container img[src='x']").count() == 0, name
        assert opened.errors == [], (name, opened.errors)
    page = open_page(written / "estate.html").page
    page.get_by_placeholder("Search OA code or asset name").fill(f"Clinic {XSS_IMG}")
    page.get_by_placeholder("Search OA code or asset name").press("Enter")
    assert XSS_IMG in page.locator(".leaflet-popup-content").inner_text()  # shown as text
    assert page.evaluate("window.__xss") is None


def test_suppressed_cells_read_suppressed(open_page, written):
    page = open_page(written / "service_use.html").page
    box = page.get_by_placeholder("Search OA code or asset name")
    texts = page.evaluate("""() => window.spacemap.layers[0].getLayers().map(l => l.getTooltip().getContent())""")
    assert sum("suppressed" in t for t in texts) == 10
    assert all("3" not in t.split(":")[-1] for t in texts if "suppressed" in t)
    assert box.count() == 1


def test_colocation_hub_popup_lists_reasons(open_page, written):
    opened = open_page(written / "colocation.html")
    page = opened.page
    assert page.evaluate(LAYER_COUNTS)[-3:] == [[1, True], [1, True], [1, True]]
    page.evaluate("window.spacemap.layers[window.spacemap.layers.length - 1].eachLayer(l => l.openPopup())")
    popup = page.locator(".leaflet-popup-content").inner_text()
    assert "host freehold" in popup and "£52,000" in popup
    page.screenshot(path=str(written / "colocation.png"))
