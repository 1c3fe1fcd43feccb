"""The built-in oac2011 spec on the real Leicestershire 2011 u-variables file."""

from __future__ import annotations

import pandas as pd
import pytest

from spacemap.census.pipeline import build_census_variables
from spacemap.census.spec import load_spec
from spacemap.io.embedded import data_root

U_FILE = data_root() / "census" / "leicestershire" / "oac2011_candidate_variables_leicestershire.csv"

# Raw values of OA E00129967 (Blaby) copied by hand from the file.
RAW = {"Total_Population": 408, "Total_Population_16_and_over": 334, "u004": 0, "u006": 19.7483059,
       "u007": 33, "u022": 83, "u023": 190, "u024": 0}


@pytest.fixture(scope="module")
def leicestershire():
    return build_census_variables(census=U_FILE, spec="oac2011")


def test_raw_values_are_in_the_shipped_file():
    row = pd.read_csv(U_FILE).set_index("OA11CD").loc["E00129967"]
    for column, value in RAW.items():
        assert row[column] == value, column


def test_values_equal_hand_computation(leicestershire):
    row = leicestershire.variables.set_index("oa_code").loc["E00129967"]
    assert row["v01"] == 100 * RAW["u004"] / RAW["Total_Population"]
    assert row["v02"] == 100 * RAW["u022"] / RAW["Total_Population_16_and_over"]
    assert row["v03"] == 100 * (RAW["u023"] + RAW["u024"]) / RAW["Total_Population_16_and_over"]
    assert row["v12"] == RAW["u006"] * 100  # per hectare → per km², as 2021
    assert row["v13"] == 100 * RAW["u007"] / RAW["Total_Population"]


def test_counterparts_share_codes_with_oac2021(leicestershire):
    spec2011, spec2021 = load_spec("oac2011"), load_spec("oac2021")
    unmatched = {entry["code"] for entry in spec2011.unmatched}
    assert set(spec2011.codes) | unmatched == set(spec2021.codes)
    assert not set(spec2011.codes) & unmatched
    assert all(v.counterpart == v.code for v in spec2011.variables)
    assert len(leicestershire.variables) == 2085
    assert list(leicestershire.variables.columns[1:]) == spec2011.codes
    assert not leicestershire.variables.isna().any().any()
