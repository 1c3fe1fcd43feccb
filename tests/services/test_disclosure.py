"""Disclosure control: primary 1–4, secondary within each published total, nothing revealed."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from spacemap.services.disclosure import apply_disclosure, primary_suppression, secondary_suppression


def test_primary_suppression_withholds_counts_that_round_to_one_to_four():
    counts = np.array([0, 1, 4, 5, 4.6, 0.4, 1.5, 4.49])
    assert primary_suppression(counts).tolist() == [False, True, True, False, False, False, True, True]


def test_a_lone_withheld_cell_takes_the_next_smallest_non_zero_cell_with_it():
    counts = np.array([3, 0, 20, 7, 9])
    groups = [np.zeros(5)]
    result = secondary_suppression(counts, primary_suppression(counts), groups)
    assert result.tolist() == [True, False, False, True, False]


def test_a_zero_is_withheld_only_when_nothing_else_is_left():
    counts = np.array([3, 0])
    result = secondary_suppression(counts, primary_suppression(counts), [np.zeros(2)])
    assert result.tolist() == [True, True]


def test_two_withheld_cells_need_no_more():
    counts = np.array([3, 2, 20])
    result = secondary_suppression(counts, primary_suppression(counts), [np.zeros(3)])
    assert result.tolist() == [True, True, False]


def test_secondary_suppression_cascades_across_overlapping_totals():
    # G1 = cells 0-2, G2 = cells 2-4. Withholding cell 2 for G1 leaves it alone in G2.
    counts = np.array([2, 9, 8, 6, 30])
    g1 = np.array([0, 0, 0, np.nan, np.nan])
    g2 = np.array([np.nan, np.nan, 0, 0, 0])
    result = secondary_suppression(counts, primary_suppression(counts), [g1, g2])
    assert result.tolist() == [True, False, True, True, False]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=1, max_size=30), st.data())
def test_no_total_ever_has_a_lone_withheld_cell(counts, data):
    counts = np.array(counts, dtype=float)
    n = len(counts)
    groupings = [np.array(data.draw(st.lists(st.sampled_from([0.0, 1.0, 2.0, np.nan]), min_size=n, max_size=n)))
                 for _ in range(2)]
    primary = primary_suppression(counts)
    result = secondary_suppression(counts, primary, groupings)
    assert np.all(result[primary])
    for groups in groupings:
        for label in np.unique(groups[~np.isnan(groups)]):
            members = groups == label
            assert result[members].sum() != 1 or members.sum() == 1


def test_withheld_cells_show_no_number_at_all():
    table = pd.DataFrame({"service": "gp", "count": [3.0, 7.0, 50.0], "rate_per_1000": [1.5, 3.5, 25.0],
                          "non_take_up": [True, False, False]})
    out = apply_disclosure(table, [["service"]], ("rate_per_1000", "non_take_up"))
    assert out["suppressed"].tolist() == [True, True, False]
    assert out["suppression"].tolist() == ["primary", "secondary", ""]
    assert out["count"].isna().tolist() == [True, True, False]
    assert out["rate_per_1000"].isna().tolist() == [True, True, False]
    assert out["non_take_up"].isna().tolist() == [True, True, False]
    assert out["count"].iloc[2] == 50
