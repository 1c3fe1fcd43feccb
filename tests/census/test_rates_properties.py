"""Invariants of rate computation, for any counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from spacemap.census.rates import compute_rates
from spacemap.census.spec import Variable, VariableSpec
from spacemap.io.census import CensusCounts

counts_strategy = st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(1, 10_000)), min_size=1, max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(counts_strategy)
def test_percentages_stay_in_range_and_match_the_formula(rows):
    a, b, extra = (np.array(column, dtype=float) for column in zip(*rows))
    total = a + b + extra
    codes = [f"E{i:08d}" for i in range(len(rows))]
    counts = pd.DataFrame({"T: a": a, "T: b": b, "T: Total": total}, index=pd.Index(codes, name="oa_code"))
    spec = VariableSpec("p", "nomis_bulk", "geography code", (
        Variable("share", "a and b", "percentage", ("T: a", "T: b"), ("T: Total",)),
    ))
    rates = compute_rates(CensusCounts(counts=counts), spec)
    share = rates.variables["share"].to_numpy()
    assert rates.variables["oa_code"].tolist() == codes
    assert ((share >= 0) & (share <= 100)).all()
    np.testing.assert_array_equal(share, 100 * (a + b) / total)
    assert not rates.above_100
