"""Size and build time of the segments map for synthetic areas of 3,300 and 188,880 Output Areas.

The OAs are a Voronoi tessellation of random points (EPSG:27700), their edges cut into
~18 vertices each and bent by a smooth displacement (like real boundaries), with two
tiers of segments. The county (3,300 OAs) must come in as one page within the budget;
England & Wales (188,880 OAs) is split into parts of at most --max-mb each.

    python benchmarks/map_size.py            # both sizes (a couple of minutes)
    python benchmarks/map_size.py --oas 3300
    python benchmarks/map_size.py --oas 3300 --folium   # also folium's own GeoJson layer, for comparison

With ``--folium`` the same simplified polygons are also drawn the plain folium way
(``folium.GeoJson`` with a ``style_function`` and a ``GeoJsonTooltip``, one style per
feature) and that page's size is printed beside spacemap's.
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spacemap.maps.budget import fit_pages
from spacemap.maps.layers import build_area
from spacemap.maps.segments import segments_page

OA_AREA_M2 = 800_000  # a rural-leaning county: ~0.8 km² per OA on average


def synthetic_oas(n: int, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    side = float(np.sqrt(n * OA_AREA_M2))
    points = rng.uniform(0, side, size=(n, 2)) + [300_000, 200_000]
    extent = shapely.box(300_000, 200_000, 300_000 + side, 200_000 + side)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=extent))
    cells = shapely.intersection(cells, extent)
    cells = shapely.segmentize(cells, max_segment_length=float(np.sqrt(OA_AREA_M2)) / 4)
    cells = shapely.transform(cells, lambda xy: xy + 25 * np.column_stack(
        [np.sin(xy[:, 1] / 97.0), np.cos(xy[:, 0] / 113.0)]))
    cells = shapely.set_precision(cells, 0.01)
    order = np.lexsort((shapely.get_coordinates(shapely.centroid(cells))[:, 0],))
    return gpd.GeoDataFrame({"oa_code": [f"E{i:08d}" for i in range(n)]}, geometry=cells[order], crs="EPSG:27700")


def synthetic_segments(codes: pd.Series, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tier1 = rng.integers(1, 9, size=len(codes)).astype(str)
    tier2 = np.char.add(tier1, np.array(list("abc"))[rng.integers(0, 3, size=len(codes))])
    return pd.DataFrame({"oa_code": codes, "tier1_code": tier1, "tier1_name": np.char.add("Supergroup ", tier1),
                         "tier2_code": tier2, "tier2_name": np.char.add("Group ", tier2)})


def measure(n: int, max_mb: float) -> dict:
    start = time.perf_counter()
    oas = synthetic_oas(n)
    made = time.perf_counter()
    area = build_area(oas)
    page = segments_page(area, synthetic_segments(oas["oa_code"]))
    pages = fit_pages(page, area, "segments", max_mb)
    done = time.perf_counter()
    sizes = [len(html.encode("utf-8")) for html in pages.values()]
    vertices = int(shapely.get_num_coordinates(oas.geometry.values).sum())
    return {"oas": n, "vertices_in": vertices, "coverage": bool(shapely.coverage_is_valid(oas.geometry.values)),
            "pages": len(pages), "largest_mb": max(sizes) / 1e6, "total_mb": sum(sizes) / 1e6,
            "generate_s": made - start, "build_s": done - made}


def folium_geojson_mb(n: int) -> float:
    """Size of the same tier-1 map drawn with folium.GeoJson (styles repeated per feature)."""
    import folium

    from spacemap.maps.geometry import simplify_coverage

    oas = synthetic_oas(n)
    segments = synthetic_segments(oas["oa_code"])
    frame = simplify_coverage(oas).merge(segments, on="oa_code").to_crs("EPSG:4326")
    colours = dict(zip(sorted(frame["tier1_code"].unique()), ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                                             "#8c564b", "#e377c2", "#7f7f7f"]))
    fmap = folium.Map(tiles=None)
    folium.GeoJson(frame[["oa_code", "tier1_name", "tier1_code", "geometry"]],
                   style_function=lambda f: {"fillColor": colours[f["properties"]["tier1_code"]], "weight": 0.6,
                                             "color": "#555555", "fillOpacity": 0.75},
                   tooltip=folium.GeoJsonTooltip(["oa_code", "tier1_name"])).add_to(fmap)
    return len(fmap.get_root().render().encode("utf-8")) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oas", type=int, nargs="*", default=[3300, 188_880])
    parser.add_argument("--max-mb", type=float, default=2.5)
    parser.add_argument("--folium", action="store_true", help="also measure folium's GeoJson layer")
    args = parser.parse_args()
    results = []
    for n in args.oas:
        r = measure(n, args.max_mb)
        results.append(r)
        print(f"{r['oas']:>7,} OAs ({r['vertices_in']:,} vertices in, coverage {r['coverage']}): "
              f"{r['pages']} page(s), largest {r['largest_mb']:.2f} MB, total {r['total_mb']:.1f} MB; "
              f"built in {r['build_s']:.1f} s (tessellation {r['generate_s']:.1f} s)", flush=True)
        if args.folium:
            print(f"{n:>7,} OAs with folium.GeoJson + style_function (one tier, no popups): "
                  f"{folium_geojson_mb(n):.2f} MB", flush=True)
    ok = all(r["largest_mb"] <= args.max_mb for r in results)
    county = [r for r in results if r["oas"] <= 5000]
    summary = "; ".join(f"{r['oas']:,} OAs: {r['pages']} page(s), largest {r['largest_mb']:.2f} MB, "
                        f"{r['build_s']:.1f} s" for r in results)
    single = all(r["pages"] == 1 for r in county)
    print(f"RESULT {'PASS' if ok and single else 'FAIL'}: {summary} (budget {args.max_mb} MB)")


if __name__ == "__main__":
    main()
