"""Take-up: counts per area against what the area-wide rate would lead one to expect.

For each service (and record type) the area-wide rate is all its records over all
residents. An area's expected count is that rate times its residents; observed ÷
expected (O/E) above 1 means more use than the area as a whole, below 1 less.
The interval is the exact (Garwood) Poisson interval for the observed count,
divided by the expected count::

    lower = chi2.ppf(α/2, 2·O) / 2,   upper = chi2.ppf(1 − α/2, 2·(O + 1)) / 2

An area is flagged ``non_take_up`` when even the upper end of the interval is
below expected, and ``hot_spot`` when even the lower end is above it (for complaints,
a complaint hot spot). No correction is made for testing many areas at once: the
flags say where to look, not what is proven.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2

KEYS = ["service", "record_type"]
MEASURES = ("rate_per_1000", "observed_expected", "oe_lower", "oe_upper", "non_take_up", "hot_spot")


def poisson_interval(observed, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson interval for observed counts (real-valued counts allowed)."""
    observed = np.asarray(observed, dtype=float)
    alpha = 1.0 - confidence
    with np.errstate(invalid="ignore"):
        lower = np.where(observed > 0, chi2.ppf(alpha / 2, 2 * np.maximum(observed, 1e-300)) / 2, 0.0)
    upper = chi2.ppf(1 - alpha / 2, 2 * (observed + 1)) / 2
    return lower, upper


def area_rates(counts: pd.DataFrame, population: pd.Series) -> pd.DataFrame:
    """Area-wide totals and rate per 1,000 residents for each service and record type."""
    totals = counts.groupby(KEYS, sort=True)["count"].sum().reset_index()
    residents = float(population.sum())
    totals["population"] = residents
    totals["rate_per_1000"] = totals["count"] / residents * 1000 if residents > 0 else np.nan
    return totals


def full_grid(counts: pd.DataFrame, units: pd.Index, unit: str = "oa_code") -> pd.DataFrame:
    """Every unit × (service, record type), with count 0 where there were no records."""
    keys = counts[KEYS].drop_duplicates().sort_values(KEYS).reset_index(drop=True)
    grid = keys.merge(pd.DataFrame({unit: units}), how="cross")
    summed = counts.groupby([unit, *KEYS], sort=False)["count"].sum()
    index = pd.MultiIndex.from_frame(grid[[unit, *KEYS]])
    grid["count"] = summed.reindex(index).fillna(0.0).to_numpy()
    return grid[[unit, *KEYS, "count"]]


def take_up(table: pd.DataFrame, rates: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Add rate, expected, O/E with its interval and the two flags to rows with count and population."""
    rate = table[KEYS].merge(rates[[*KEYS, "rate_per_1000"]], on=KEYS, how="left")["rate_per_1000"].to_numpy()
    count = table["count"].to_numpy(dtype=float)
    population = table["population"].to_numpy(dtype=float)
    expected = rate / 1000 * population
    lower, upper = poisson_interval(count, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        defined = expected > 0
        out = table.assign(
            rate_per_1000=np.where(population > 0, count / population * 1000, np.nan),
            expected=expected,
            observed_expected=np.where(defined, count / expected, np.nan),
            oe_lower=np.where(defined, lower / expected, np.nan),
            oe_upper=np.where(defined, upper / expected, np.nan),
        )
    out["non_take_up"] = defined & (upper < expected)
    out["hot_spot"] = defined & (lower > expected)
    return out
