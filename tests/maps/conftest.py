"""Small synthetic inputs for the map tests (a grid of OAs in EPSG:27700) and a headless browser."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from spacemap.maps.atlas import MapInputs

CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=2</script>"
X0, Y0, SIDE = 380000, 390000, 200


def grid(columns: int = 6, rows: int = 5) -> gpd.GeoDataFrame:
    """columns × rows square OAs of 200 m sharing their edges, codes E00000001…"""
    cells = [box(X0 + c * SIDE, Y0 + r * SIDE, X0 + (c + 1) * SIDE, Y0 + (r + 1) * SIDE)
             for r in range(rows) for c in range(columns)]
    codes = [f"E{i + 1:08d}" for i in range(len(cells))]
    return gpd.GeoDataFrame({"oa_code": codes}, geometry=cells, crs="EPSG:27700")


def segments_for(boundaries: gpd.GeoDataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two tiers: 3 segments (one named with a script payload), each split in two."""
    names1 = {"1": "Suburban families", "2": f"City flats {XSS_SCRIPT}", "3": f"Older owners {XSS_IMG}"}
    rows = []
    for i, code in enumerate(boundaries["oa_code"]):
        t1 = str(i % 3 + 1)
        t2 = t1 + "ab"[(i // 3) % 2]
        rows.append({"oa_code": code, "tier1_code": t1, "tier1_name": names1[t1], "tier2_code": t2,
                     "tier2_name": f"{names1[t1]} / {t2}"})
    oa_segments = pd.DataFrame(rows)
    profiles = []
    for tier, column in ((1, "tier1"), (2, "tier2")):
        for code, group in oa_segments.groupby(f"{column}_code"):
            profiles.append({"tier": tier, "code": code, "name": group[f"{column}_name"].iloc[0], "parent_code": "",
                             "oas": len(group), "residents": 300 * len(group), "v01": 150.0 + tier, "v02": 80.0})
    return oa_segments, pd.DataFrame(profiles)


def sites() -> gpd.GeoDataFrame:
    points = [Point(X0 + 100, Y0 + 100), Point(X0 + 500, Y0 + 300), Point(X0 + 900, Y0 + 700),
              Point(X0 + 1100, Y0 + 900)]
    return gpd.GeoDataFrame({
        "site_id": ["s1", "s2", "s3", "s4"],
        "name": [f"Library {XSS_SCRIPT}", f"Clinic {XSS_IMG}", "Town Hall", "Depot"],
        "owner": ["Council", "NHS <b>Trust</b>", "Council", "Fire"],
        "owner_type": ["local authority", "NHS trust", "local authority", "fire"],
        "occupiers": ["Council", "NHS", "Council; NHS", "Fire"],
        "n_occupiers": [1, 1, 2, 1], "shared": [False, False, True, False],
        "services": ["library", "gp", "council_office", "fire_station"],
        "address": [f"1 High St {XSS_IMG}", "2 Low Rd", "3 Square", "4 Yard"], "postcode": ["M1 1AA"] * 4,
        "floor_area_m2": [500.0, 800.0, 2500.0, None], "tenure": ["freehold", "leasehold", "freehold", None],
        "annual_running_cost_gbp": [40000.0, 52000.0, 180000.0, None], "condition": ["B", "C", "A", None],
        "utilisation_pct": [60.0, 85.0, 40.0, None],
        "estimated_fields": ["annual_running_cost_gbp", None, None, None],
    }, geometry=points, crs="EPSG:27700")


def service_use(boundaries: gpd.GeoDataFrame) -> pd.DataFrame:
    """GP visits per OA; OAs 2 and 5 have withheld counts (3 and 4 visits)."""
    rows = []
    for i, code in enumerate(boundaries["oa_code"]):
        count = [40, 3, 55, 60, 4, 70][i % 6]
        suppressed = count < 5
        rows.append({"oa_code": code, "service": "gp", "record_type": "visits", "modelled": False,
                     "population": 300.0, "count": None if suppressed else count, "suppressed": suppressed,
                     "rate_per_1000": None if suppressed else count / 0.3,
                     "observed_expected": None if suppressed else count / 46.0,
                     "non_take_up": None if suppressed else count < 45})
    return pd.DataFrame(rows)


def candidates_and_links() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    site = sites()
    candidates = gpd.GeoDataFrame({
        "candidate_id": ["C0001"], "rank": [1], "host_site_id": ["s3"], "host_name": ["Town Hall"],
        "member_site_ids": ["s2"], "member_names": [f"Clinic {XSS_IMG}"], "owners": ["Council; NHS"],
        "services": ["council_office; gp"], "n_sites": [2], "distance_m": [565.7], "score": [0.8123],
        "floor_area_released_m2": [800.0], "running_cost_saved_gbp": [52000.0], "capital_receipt_gbp": [None],
        "residents_affected": [1200.0], "access_change_m_mean": [-35.0], "equity_flag": [False],
        "reasons": [f"gp + council office in one building; member within 566 m {XSS_SCRIPT}; host freehold"],
    }, geometry=[site.geometry.iloc[2]], crs="EPSG:27700")
    links = gpd.GeoDataFrame({"candidate_id": ["C0001"], "host_site_id": ["s3"], "member_site_id": ["s2"],
                              "distance_m": [565.7]},
                             geometry=[LineString([site.geometry.iloc[2], site.geometry.iloc[1]])], crs="EPSG:27700")
    return candidates, links


@pytest.fixture
def map_inputs() -> MapInputs:
    boundaries = grid()
    oa_segments, profiles = segments_for(boundaries)
    candidates, links = candidates_and_links()
    access = pd.DataFrame({"oa_code": boundaries["oa_code"],
                           "distance_gp_m": [100.0 * (i + 1) for i in range(len(boundaries))]})
    catchments = pd.DataFrame({"oa_code": boundaries["oa_code"], "service": "gp",
                               "main_site_id": ["s2" if i % 2 else "s1" for i in range(len(boundaries))]})
    return MapInputs(boundaries=boundaries, area_name="Testshire", oa_segments=oa_segments, profiles=profiles,
                     portrait_lines={"1": "More families than the area.", "2": f"More flats {XSS_IMG}."},
                     labels={"v01": "Detached <houses>", "v02": "Flats"}, sites=sites(),
                     service_use=service_use(boundaries), access=access, catchments=catchments,
                     candidates=candidates, links=links)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium through Playwright (skipped when chromium is not installed)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium) — browser checks skipped")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield browser
        browser.close()


class Opened:
    """A page opened from a file, with its console errors (failed tile requests ignored)."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1100, "height": 750})
        self.errors: list[str] = []
        self.external: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.route("**/*", self._route)
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_function("window.spacemap !== undefined || document.readyState === 'complete'")

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def _console(self, message):
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if "tile.openstreetmap.org" in url or ("Failed to load resource" in message.text and "tile" in url):
            return
        self.errors.append(message.text)

    def close(self):
        self.page.close()


@pytest.fixture
def open_page(browser):
    opened = []

    def _open(path: Path) -> Opened:
        page = Opened(browser, path)
        opened.append(page)
        return page

    yield _open
    for page in opened:
        page.close()
