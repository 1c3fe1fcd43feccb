"""Take-up: rates, expected counts, exact Poisson intervals and flags, worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spacemap.services.takeup import area_rates, full_grid, poisson_interval, take_up
from tests.services.area import OAS, population


def test_poisson_interval_matches_the_published_exact_limits():
    lower, upper = poisson_interval([0, 5, 60])
    # Garwood limits: 0 -> (0, -ln 0.025); 5 -> (1.6235, 11.6683); 60 -> (45.7863, 77.2319).
    assert lower == pytest.approx([0.0, 1.6235, 45.7863], abs=1e-4)
    assert upper == pytest.approx([-np.log(0.025), 11.6683, 77.2319], abs=1e-4)


def test_interval_narrows_with_lower_confidence():
    wide = poisson_interval([20], 0.99)
    narrow = poisson_interval([20], 0.90)
    assert wide[0][0] < narrow[0][0] < 20 < narrow[1][0] < wide[1][0]


def _table(counts: list[float]) -> pd.DataFrame:
    records = pd.DataFrame({"oa_code": OAS, "service": "gp", "record_type": "visits", "count": counts})
    grid = full_grid(records, pd.Index(OAS))
    grid["population"] = population().to_numpy()
    return take_up(grid, area_rates(records, population()))


def test_rate_expected_and_observed_over_expected_by_hand():
    # 100 visits over 1,000 residents: 100 per 1,000, so expected = residents / 10.
    table = _table([10, 0, 30, 60])
    assert table["rate_per_1000"].tolist() == pytest.approx([100, 0, 100, 150])
    assert table["expected"].tolist() == pytest.approx([10, 20, 30, 40])
    assert table["observed_expected"].tolist() == pytest.approx([1, 0, 1, 1.5])
    assert table["oe_upper"].iloc[1] == pytest.approx(-np.log(0.025) / 20)
    assert table["oe_lower"].iloc[3] == pytest.approx(45.7863 / 40, abs=1e-5)


def test_flags_mark_significantly_low_and_high_areas():
    table = _table([10, 0, 30, 60])
    assert table["non_take_up"].tolist() == [False, True, False, False]   # 0 seen, 20 expected
    assert table["hot_spot"].tolist() == [False, False, False, True]      # 60 seen, 40 expected


def test_full_grid_gives_zero_to_areas_without_records():
    records = pd.DataFrame({"oa_code": [OAS[0], OAS[0]], "service": ["gp", "library"],
                            "record_type": "visits", "count": [3.0, 2.0]})
    grid = full_grid(records, pd.Index(OAS))
    assert len(grid) == 8
    assert grid.groupby("service")["count"].sum().to_dict() == {"gp": 3.0, "library": 2.0}
    assert (grid.loc[grid["oa_code"] != OAS[0], "count"] == 0).all()
