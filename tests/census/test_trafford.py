"""The embedded Trafford area: variables recomputed by hand from the raw Nomis counts."""

from __future__ import annotations

import pandas as pd
import pytest

from spacemap.census.pipeline import build_census_variables
from spacemap.io.embedded import census_dir

# Raw counts copied by hand from the shipped Nomis bulk CSVs (census/trafford/).
RAW = {
    "E00030956": {
        ("ts001", "Residence type: Total; measures: Value"): 219,
        ("ts001", "Residence type: Lives in a communal establishment; measures: Value"): 0,
        ("ts002", "Marital and civil partnership status: Total; measures: Value"): 161,
        ("ts002", "Marital and civil partnership status: Never married and never registered a civil "
                  "partnership; measures: Value"): 79,
        ("ts003", "Household composition: Total; measures: Value"): 105,
        ("ts003", "Household composition: One person household; measures: Value"): 63,
        ("ts007a", "Age: Total"): 216,
        ("ts007a", "Age: Aged 4 years and under"): 16,
        ("ts006", "Population Density: Persons per square kilometre; measures: Value"): 6422.3,
    },
    "E00031151": {
        ("ts001", "Residence type: Total; measures: Value"): 232,
        ("ts001", "Residence type: Lives in a communal establishment; measures: Value"): 1,
        ("ts002", "Marital and civil partnership status: Total; measures: Value"): 189,
        ("ts002", "Marital and civil partnership status: Never married and never registered a civil "
                  "partnership; measures: Value"): 79,
        ("ts003", "Household composition: Total; measures: Value"): 114,
        ("ts003", "Household composition: One person household; measures: Value"): 51,
        ("ts007a", "Age: Total"): 231,
        ("ts007a", "Age: Aged 4 years and under"): 18,
        ("ts006", "Population Density: Persons per square kilometre; measures: Value"): 2502.7,
    },
    "E00031093": {
        ("ts001", "Residence type: Total; measures: Value"): 342,
        ("ts001", "Residence type: Lives in a communal establishment; measures: Value"): 0,
        ("ts002", "Marital and civil partnership status: Total; measures: Value"): 259,
        ("ts002", "Marital and civil partnership status: Never married and never registered a civil "
                  "partnership; measures: Value"): 52,
        ("ts003", "Household composition: Total; measures: Value"): 128,
        ("ts003", "Household composition: One person household; measures: Value"): 34,
        ("ts007a", "Age: Total"): 340,
        ("ts007a", "Age: Aged 4 years and under"): 21,
        ("ts006", "Population Density: Persons per square kilometre; measures: Value"): 4553.9,
    },
}


@pytest.fixture(scope="module")
def trafford():
    return build_census_variables()


def test_raw_counts_are_what_the_shipped_tables_hold():
    for oa, cells in RAW.items():
        for (table, header), value in cells.items():
            frame = pd.read_csv(census_dir() / f"census2021-{table}-oa.csv").set_index("geography code")
            assert frame.loc[oa, header] == value, (oa, table, header)


@pytest.mark.parametrize("oa", sorted(RAW))
def test_variables_equal_hand_computation(trafford, oa):
    raw = {header: value for (_, header), value in RAW[oa].items()}
    row = trafford.variables.set_index("oa_code").loc[oa]
    total = raw["Residence type: Total; measures: Value"]
    assert row["v01"] == 100 * raw["Residence type: Lives in a communal establishment; measures: Value"] / total
    assert row["v02"] == 100 * raw["Marital and civil partnership status: Never married and never registered a "
                                   "civil partnership; measures: Value"] / raw[
        "Marital and civil partnership status: Total; measures: Value"]
    assert row["v05"] == 100 * raw["Household composition: One person household; measures: Value"] / raw[
        "Household composition: Total; measures: Value"]
    assert row["v12"] == raw["Population Density: Persons per square kilometre; measures: Value"]
    assert row["v13"] == 100 * raw["Age: Aged 4 years and under"] / raw["Age: Total"]


def test_whole_area_is_covered_and_in_range(trafford):
    variables = trafford.variables
    assert len(variables) == 738 and variables["oa_code"].is_unique
    assert list(variables.columns) == ["oa_code"] + [f"v{i:02d}" for i in range(1, 61)]
    percentages = [v.code for v in trafford.spec.variables if v.form == "percentage"]
    assert len(percentages) >= 55
    assert variables[percentages].min().min() >= 0 and variables[percentages].max().max() <= 100
    assert not variables.isna().any().any()
    assert trafford.coverage.tables_only == [] and trafford.coverage.boundaries_only == []
    assert int(trafford.population.sum()) == 235_016


def test_standardised_illness_ratio_is_100_for_the_area(trafford):
    ages = pd.read_csv(census_dir() / "census2021-ts007a-oa.csv").set_index("geography code")
    disability = pd.read_csv(census_dir() / "census2021-ts038-oa.csv").set_index("geography code")
    rates = trafford.rates.reference_rates["v33"]
    assert len(rates) == 18 and list(rates.values()) == sorted(rates.values())
    expected = sum(ages[f"Age: {cell.split(': ', 1)[1]}"] * rate for cell, rate in rates.items())
    observed = disability["Disability: Disabled under the Equality Act"]
    assert observed.sum() == pytest.approx(expected.sum(), rel=1e-6)
    sir = trafford.variables.set_index("oa_code")["v33"]
    assert sir["E00030956"] == pytest.approx(100 * observed["E00030956"] / expected["E00030956"], rel=1e-6)
