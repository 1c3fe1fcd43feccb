"""Regenerate the map gallery in maps/ and the README screenshots in docs/screenshots/.

    python scripts/make_maps.py

Runs the embedded default area in-process (segments, estate, service use, co-location),
writes the theme pages and index to maps/, the ward locality packs to maps/localities/,
and screenshots of three pages (headless /usr/bin/chromium through Playwright; skipped
with a message when either is missing). Same inputs give byte-identical pages.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd

from spacemap.io.embedded import assets_dir
from spacemap.maps.atlas import build_atlas
from spacemap.maps.default_run import default_map_inputs
from spacemap.maps.layers import build_area
from spacemap.maps.locality import locality_packs, wards_from_postcodes

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = {"segments.html": "segments.png", "estate.html": "estate.png", "colocation.html": "colocation.png"}


def write_pages(folder: Path, pages: dict[str, str]) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, html in pages.items():
        (folder / name).write_text(html, encoding="utf-8", newline="\n")


def screenshots(maps: Path, out: Path) -> None:
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: screenshots skipped", file=sys.stderr)
        return
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for page_name, png in SHOTS.items():
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                       else route.abort())
            page.goto((maps / page_name).resolve().as_uri())
            page.wait_for_function("window.spacemap !== undefined")
            page.screenshot(path=str(out / png))
            page.close()
        browser.close()


def main() -> None:
    inputs, _ = default_map_inputs(seed=42)
    area = build_area(inputs.boundaries)
    maps = ROOT / "maps"
    pages = build_atlas(inputs, area=area, extra_links=[
        ("localities/index.html", "Locality packs", "One printable page per ward.")])
    postcodes = pd.read_csv(assets_dir() / "trafford_postcodes.csv", usecols=["ward_name", "lon", "lat"])
    packs = locality_packs(inputs, area, wards_from_postcodes(inputs.boundaries, postcodes))
    write_pages(maps, pages)
    write_pages(maps / "localities", packs)
    screenshots(maps, ROOT / "docs" / "screenshots")
    for path in sorted(maps.rglob("*.html")):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
