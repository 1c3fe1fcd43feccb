"""Parsing register cells: floor areas to m², money, dates, tenure, condition, UPRN, postcodes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spacemap.estate import units
from spacemap.estate.geocode import locate_lonlat, normalise_postcode, postcode_problem

SQ_FT = 0.09290304  # (0.3048 m)², exact


def _series(*values) -> pd.Series:
    return pd.Series(list(values), dtype=object)


def test_floor_areas_in_any_unit_become_square_metres():
    cells = _series("1,000", "1000 sq ft", "93 m²", "250sqm", "0.5 ha", "1 acre", "2,000 SQ. FT.", None)
    values, reasons = units.parse_area(cells, pd.Series(["sq ft"] * 8))
    expected = [1000 * SQ_FT, 1000 * SQ_FT, 93, 250, 5000, 4046.8564224, 2000 * SQ_FT, np.nan]
    np.testing.assert_allclose(values.to_numpy(), expected, rtol=1e-12)
    assert reasons.isna().all()


def test_a_column_of_square_feet_with_some_square_metre_cells():
    cells = _series("10,764", "500 m2", "5000")
    values, _ = units.parse_area(cells, pd.Series(["sq ft"] * 3))
    assert values.round(3).tolist() == [round(10764 * SQ_FT, 3), 500.0, round(5000 * SQ_FT, 3)]


def test_area_without_any_unit_is_a_reason_not_a_guess():
    values, reasons = units.parse_area(_series("450"), pd.Series([np.nan]))
    assert values.isna().all()
    assert "has no unit" in reasons[0] and "area_unit" in reasons[0]


@given(st.floats(min_value=0.01, max_value=1e7, allow_nan=False))
def test_square_feet_conversion_is_exact_and_inverse(square_feet):
    values, reasons = units.parse_area(_series(f"{square_feet!r} sq ft"), pd.Series([np.nan]))
    assert reasons.isna().all()
    assert math.isclose(values[0] / SQ_FT, square_feet, rel_tol=1e-12)


def test_money_accepts_pounds_commas_and_k_m_suffixes():
    values, reasons = units.parse_money(_series("£1,200", "1200.50", "£12k", "£1.2m", "(300)"), "cost")
    assert values.tolist()[:4] == [1200.0, 1200.5, 12000.0, 1200000.0]
    assert np.isnan(values[4]) and "is negative" in reasons[4]


def test_dates_are_iso_or_uk_day_first():
    values, reasons = units.parse_date(_series("2030-03-31", "31/03/2030", "31 March 2030", "03/31/2030"), "lease end")
    assert values.tolist()[:3] == ["2030-03-31"] * 3
    assert "is not a date" in reasons[3]  # month 31 does not exist: never read US-style silently


def test_condition_grades():
    values, reasons = units.parse_condition(_series("B", "c", "Condition A", "D - poor", "E", "Good"))
    assert values.tolist()[:4] == ["B", "C", "A", "D"]
    assert reasons[:4].isna().all() and reasons[4:].notna().all()


def test_tenure_words():
    values, reasons = units.parse_tenure(_series("Freehold", "LEASEHOLD", "Leased in", "licence", "owned"))
    assert values.tolist() == ["freehold", "leasehold", "leasehold", "licence", "freehold"]
    assert reasons.isna().all()


def test_uprn_digits_and_excel_floats():
    values, reasons = units.parse_uprn(_series("100012797623", "1.0001279762E+11", "10070461991.0", "12ab"))
    assert values.tolist()[:3] == ["100012797623", "100012797620", "10070461991"]
    assert "is not a number of up to 12 digits" in reasons[3]


def test_percent_and_capacity():
    values, _ = units.parse_percent(_series("85", "85.5 %", "120%"), "utilisation")
    assert values.tolist() == [85.0, 85.5, 120.0]
    counts, reasons = units.parse_count(_series("420", "4.5", "-3"), "capacity")
    assert counts[0] == 420 and pd.isna(counts[1]) and pd.isna(counts[2])
    assert reasons[1:].str.contains("whole number").all()


def test_postcodes_are_normalised_and_outward_codes_recognised():
    raw = _series("wa141ah", " M33  7ZF ", "M41", "SALE", None)
    postcode = normalise_postcode(raw)
    assert postcode.tolist()[:4] == ["WA14 1AH", "M33 7ZF", "M41", "SALE"]
    problem = postcode_problem(postcode)
    assert problem[:2].isna().all()
    assert "only an outward code" in problem[2] and "not a valid UK postcode" in problem[3]


def test_swapped_longitude_latitude_is_fixed_and_flagged():
    lon = pd.Series([-2.3158, 53.3986, 10.0])
    lat = pd.Series([53.3986, -2.3158, 10.0])
    east, north, source, reason = locate_lonlat(lon, lat)
    assert source.tolist()[:2] == ["coordinates", "coordinates_swapped_fixed"]
    assert east[0] == pytest.approx(east[1]) and north[0] == pytest.approx(north[1])
    assert 378_500 < east[0] < 379_500 and 388_500 < north[0] < 389_500
    assert "not in Great Britain" in reason[2]
