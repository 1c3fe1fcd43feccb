"""The calibrated Huff model: a two-OA, two-site case solved by hand, and its invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spacemap.errors import ModelError
from spacemap.services.catchment import Pairs, calibrate_huff, decay_weights


def _two_by_two() -> Pairs:
    # OA a (100 residents) is 1 km from X and 2 km from Y; OA b (300) is 2 km from X and 1 km from Y.
    return Pairs(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([1.0, 2.0, 2.0, 1.0]), 2, 2)


def test_two_sites_two_oas_solved_by_hand():
    # beta = ln 2 halves the weight per km: f(1) = 1/2, f(2) = 1/4. With r = W_X / W_Y the flows are
    # T_aX = 100 * 2r / (2r + 1) and T_bX = 300 * r / (r + 2); T_aX + T_bX = 200 gives 4r^2 - 3r - 4 = 0.
    r = (3 + np.sqrt(73)) / 8
    result = calibrate_huff(_two_by_two(), np.array([100.0, 300.0]), pd.Series([200.0, 200.0], index=["X", "Y"]),
                            beta=np.log(2))
    assert result.sites["attractiveness"].iloc[0] / result.sites["attractiveness"].iloc[1] == pytest.approx(r, 1e-5)
    assert result.sites["modelled"].tolist() == pytest.approx([200, 200], rel=1e-6)
    assert result.users.tolist() == pytest.approx([100, 300], rel=1e-6)
    assert result.main_site.tolist() == [0, 1]
    assert result.main_share[0] == pytest.approx(2 * r / (2 * r + 1), 1e-5)
    assert result.main_share[1] == pytest.approx(1 - r / (r + 2), 1e-5)


def test_users_are_rescaled_to_the_sites_total():
    result = calibrate_huff(_two_by_two(), np.array([100.0, 300.0]), pd.Series([500.0, 300.0], index=["X", "Y"]))
    assert result.users.tolist() == pytest.approx([200, 600], rel=1e-6)
    assert result.sites["modelled"].tolist() == pytest.approx([500, 300], rel=1e-6)


def test_oas_out_of_reach_send_no_one_and_are_counted():
    pairs = Pairs(np.array([0, 1]), np.array([0, 0]), np.array([1.0, 1.0]), 3, 1)
    result = calibrate_huff(pairs, np.array([100.0, 100.0, 50.0]), pd.Series([400.0], index=["X"]))
    assert result.users.tolist() == pytest.approx([200, 200, 0])
    assert result.unreached_oas == 1
    assert result.main_site.tolist() == [0, 0, -1]


def test_a_site_with_users_but_no_oa_in_reach_is_an_error():
    pairs = Pairs(np.array([0]), np.array([0]), np.array([1.0]), 1, 2)
    with pytest.raises(ModelError, match="site Y has 50 users but no OA within the cut-off"):
        calibrate_huff(pairs, np.array([100.0]), pd.Series([100.0, 50.0], index=["X", "Y"]))


def test_decay_functions():
    cost = np.array([0.0, 1.0, 2.0])
    assert decay_weights(cost, "exponential", 0.5).tolist() == pytest.approx(np.exp([0, -0.5, -1]))
    assert decay_weights(cost, "power", 2).tolist() == pytest.approx([100, 1, 0.25])  # floor 0.1 km


def test_steeper_decay_keeps_users_closer_to_home():
    totals = pd.Series([200.0, 200.0], index=["X", "Y"])
    gentle = calibrate_huff(_two_by_two(), np.array([100.0, 300.0]), totals, beta=0.1)
    steep = calibrate_huff(_two_by_two(), np.array([100.0, 300.0]), totals, beta=3.0)
    assert (steep.sites["mean_cost"] < gentle.sites["mean_cost"]).all()
