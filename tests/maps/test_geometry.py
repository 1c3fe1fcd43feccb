"""Reprojection, shared-edge simplification and the compact encoding."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from spacemap.errors import CRSError
from spacemap.maps.geometry import bisect, encode_ring, simplify_coverage, to_display
from spacemap.maps.layers import build_area
from tests.maps.conftest import grid


def test_encoding_matches_the_polyline_algorithm():
    # the worked example of the encoded polyline format (points given as lon, lat)
    coords = np.array([[-120.2, 38.5], [-120.95, 40.7], [-126.453, 43.252]])
    assert encode_ring(coords) == "_p~iF~ps|U_ulLnnqC_mqNvxq`@"


def test_bng_is_reprojected_to_longitude_latitude():
    area = build_area(grid())
    minx, miny, maxx, maxy = area.frame.total_bounds
    assert area.frame.crs.to_epsg() == 4326
    assert -2.35 < minx < maxx < -2.25 and 53.38 < miny < maxy < 53.42


def test_other_crs_is_reprojected_too():
    web_mercator = grid().to_crs("EPSG:3857")
    assert np.allclose(build_area(web_mercator).frame.total_bounds, build_area(grid()).frame.total_bounds, atol=1e-5)


def test_missing_crs_is_an_error_not_a_blank_map():
    with pytest.raises(CRSError, match="no coordinate reference system"):
        build_area(grid().set_crs(None, allow_override=True))


def wiggly_coverage() -> gpd.GeoDataFrame:
    """Two polygons sharing a zig-zag edge of many vertices."""
    edge = [(100 + (3 if i % 2 else -3), i * 10) for i in range(0, 101)]
    left = Polygon([(0, 0), *edge, (0, 1000)])
    right = Polygon([(200, 0), (200, 1000), *edge[::-1]])
    return gpd.GeoDataFrame({"oa_code": ["a", "b"]}, geometry=[left, right], crs="EPSG:27700")


def test_simplification_drops_vertices_but_keeps_shared_edges_shared():
    frame = wiggly_coverage()
    simplified = simplify_coverage(frame, 10)
    before = shapely.get_num_coordinates(frame.geometry.values).sum()
    after = shapely.get_num_coordinates(simplified.geometry.values).sum()
    assert after < before / 5
    a, b = simplified.geometry.values
    assert shapely.coverage_is_valid(simplified.geometry.values)
    assert a.intersection(b).area == pytest.approx(0, abs=1e-6)  # no overlap
    assert a.union(b).area == pytest.approx(a.area + b.area)      # no gap
    assert a.intersection(b).length > 900                          # the edge is still shared


def test_bisect_halves_along_the_longer_side():
    points = np.array([[x, 0.0] for x in range(10)])
    first, second = bisect(points, np.arange(10))
    assert first.tolist() == [0, 1, 2, 3, 4] and second.tolist() == [5, 6, 7, 8, 9]


def test_segment_colours_follow_the_codes_in_natural_order():
    from spacemap.maps.layers import CATEGORICAL, palette

    colours = palette(["10", "2", "1", "1b", "1a"])
    assert list(colours) == ["1", "1a", "1b", "2", "10"]
    assert colours["1"] == CATEGORICAL[0] and colours["10"] == CATEGORICAL[4]
