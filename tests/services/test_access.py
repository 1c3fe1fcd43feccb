"""Nearest distance and 2SFCA on the tiny area, worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spacemap.services.access import AccessSettings, accessibility, nearest_distance, pairs_within, two_step_fca
from tests.services.area import CENTRES, OAS, POPULATION, sites

POINTS = np.array(CENTRES, dtype=float)
DEMAND = np.array(POPULATION, dtype=float)


def test_nearest_distance_is_straight_line_metres():
    gp = np.array([CENTRES[0], CENTRES[3]], dtype=float)
    assert nearest_distance(POINTS, gp).tolist() == pytest.approx([0, 1000, 1000, 0])
    assert np.isnan(nearest_distance(POINTS, np.empty((0, 2)))).all()


def test_two_step_fca_by_hand():
    # Cut-off 1,200 m, no detour: S1 (at OA1) reaches OA1-3, 600 residents -> 1/600;
    # S2 (at OA4) reaches OA2-4, 900 residents -> 1/900. Scores are per 1,000 residents.
    gp = np.array([CENTRES[0], CENTRES[3]], dtype=float)
    pairs = pairs_within(POINTS, gp, 1200, 1.0)
    score, ratio = two_step_fca(pairs, DEMAND, np.ones(2))
    assert ratio.tolist() == pytest.approx([1 / 600, 1 / 900])
    assert score.tolist() == pytest.approx([1000 / 600, 1000 / 600 + 1000 / 900, 1000 / 600 + 1000 / 900, 1000 / 900])


def test_detour_factor_shrinks_the_reach():
    # 1,000 m straight x 1.3 = 1,300 m > 1,200 m: each surgery reaches only its own OA.
    gp = np.array([CENTRES[0], CENTRES[3]], dtype=float)
    score, _ = two_step_fca(pairs_within(POINTS, gp, 1200, 1.3), DEMAND, np.ones(2))
    assert score.tolist() == pytest.approx([10, 0, 0, 2.5])


def test_pairs_costs_are_estimated_route_km():
    pairs = pairs_within(POINTS, np.array([CENTRES[0]], dtype=float), 5000, 1.3)
    assert pairs.origin.tolist() == [0, 1, 2, 3]
    assert pairs.cost.tolist() == pytest.approx([0, 1.3, 1.3, 1.3 * np.sqrt(2)])


def test_capacity_is_the_supply_when_every_site_has_one():
    chosen = sites()
    chosen["capacity"] = [30.0, 60.0, 5.0]
    table, supplies = accessibility(pd.Index(OAS), POINTS, DEMAND, chosen, AccessSettings(1200, 1.0))
    assert supplies == {"gp": "capacity", "library": "capacity"}
    assert table["access_2sfca_gp"].tolist() == pytest.approx(
        [30_000 / 600, 30_000 / 600 + 60_000 / 900, 30_000 / 600 + 60_000 / 900, 60_000 / 900], abs=1e-5)
    # The library at OA3's centre reaches OA1, OA3, OA4: 5 per 800 residents.
    assert table["access_2sfca_library"].tolist() == pytest.approx([6.25, 0, 6.25, 6.25])
    assert table["distance_library_m"].tolist() == pytest.approx([1000, 1414.2, 0, 1000])
