"""Turn census counts into the variables of a spec, one row per Output Area.

Percentages are 100 × Σ numerator ÷ Σ denominator. A zero denominator leaves the
rate undefined: by default that is an error naming the OA and cell; with
``zero_denominators="zero"`` the rate is set to 0 and the OA is listed in the report.

The standardised illness ratio (form ``sir``) is indirect age standardisation:
expected = Σ over age groups of (OA population in the group × reference rate).
Reference rates come from the spec when it gives them (e.g. published national
age-specific rates). Otherwise they are estimated from the input area itself:
least squares of observed counts on age-group populations across all OAs, with
rates constrained to be non-negative and not to fall with age (age groups in the
spec are listed youngest first), then scaled so that the area as a whole has SIR
100. The rates used are reported so a later run can reuse them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from spacemap.census.spec import Variable, VariableSpec
from spacemap.errors import InputError
from spacemap.io.census import CensusCounts

ZERO_DENOMINATOR_POLICIES = ("error", "zero")


@dataclass
class Rates:
    """The variables table and what was noticed while computing it."""

    variables: pd.DataFrame  # oa_code column first, then one float column per variable
    zero_denominators: dict[str, list[str]] = field(default_factory=dict)  # code -> OA codes
    above_100: dict[str, list[str]] = field(default_factory=dict)  # code -> OA codes
    reference_rates: dict[str, dict[str, float]] = field(default_factory=dict)  # sir code -> age cell -> rate


def compute_rates(
    census: CensusCounts,
    spec: VariableSpec,
    area_ha: pd.Series | None = None,
    zero_denominators: str = "error",
) -> Rates:
    """Compute every variable of ``spec`` from ``census`` counts."""
    if zero_denominators not in ZERO_DENOMINATOR_POLICIES:
        raise ValueError(f"zero_denominators must be one of {ZERO_DENOMINATOR_POLICIES}")
    counts = census.counts
    result = Rates(variables=pd.DataFrame({"oa_code": counts.index.to_numpy()}))
    columns = {}
    for variable in spec.variables:
        numerator = counts[list(variable.numerator)].sum(axis=1).to_numpy()
        if variable.form == "percentage":
            denominator = counts[list(variable.denominator)].sum(axis=1).to_numpy()
            values = _ratio(numerator, denominator, 100.0, variable, census, result, zero_denominators)
            over = values > 100 + 1e-9
            if over.any():
                result.above_100[variable.code] = counts.index[over].tolist()
        elif variable.form == "value":
            values = numerator.astype(float) * variable.scale
        elif variable.form == "density":
            values = _density(numerator, counts.index, area_ha, variable)
        else:
            values = _sir(numerator, counts, variable, census, result, zero_denominators)
        columns[variable.code] = values
    result.variables = pd.concat([result.variables, pd.DataFrame(columns)], axis=1)
    return result


def _ratio(numerator, denominator, scale, variable: Variable, census, result: Rates, policy: str) -> np.ndarray:
    zero = denominator == 0
    if zero.any():
        codes = census.counts.index[zero].tolist()
        if policy == "error":
            cell = (variable.denominator or variable.numerator)[0]
            raise InputError(
                f"{census.locate(cell, codes[0])}: the denominator of {variable.code} ({variable.name}) is 0 for "
                f"OA {codes[0]}{_more(codes)}, so its rate is undefined; pass --zero-denominators zero to set "
                "such rates to 0 (listed in the report), or remove the OA"
            )
        result.zero_denominators[variable.code] = codes
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(zero, 0.0, scale * numerator / np.where(zero, 1.0, denominator))
    return values


def _density(numerator, index: pd.Index, area_ha: pd.Series | None, variable: Variable) -> np.ndarray:
    if area_ha is None:
        raise InputError(
            f"variable {variable.code} ({variable.name}) is a density per hectare and needs OA boundaries; "
            "pass --boundaries FILE"
        )
    area = area_ha.reindex(index).to_numpy(dtype=float)
    if np.isnan(area).any() or (area <= 0).any():
        bad = index[np.isnan(area) | (area <= 0)][0]
        raise InputError(f"OA {bad} has no boundary area, so {variable.code} (density) cannot be computed; fix the boundaries")
    return numerator / area


def _sir(observed, counts: pd.DataFrame, variable: Variable, census, result: Rates, policy: str) -> np.ndarray:
    population = counts[list(variable.age_groups)].to_numpy(dtype=float)
    if variable.reference_rates:
        rates = np.asarray(variable.reference_rates, dtype=float)
    else:
        rates = estimate_reference_rates(population, observed)
    result.reference_rates[variable.code] = dict(zip(variable.age_groups, rates.round(8).tolist()))
    expected = population @ rates
    return _ratio(observed, expected, 100.0, variable, census, result, policy)


def estimate_reference_rates(population: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Rates r, 0 ≤ r₁ ≤ r₂ ≤ …, with population @ r ≈ observed; scaled so Σ expected = Σ observed.

    Writing r = L @ steps with L lower-triangular ones and steps ≥ 0 turns the
    monotone fit into a plain non-negative least-squares problem.
    """
    groups = population.shape[1]
    design = population @ np.tril(np.ones((groups, groups)))
    scale = design.sum(axis=0)
    scale[scale == 0] = 1.0
    # Scale columns to comparable size for a well-conditioned solve.
    steps, _ = nnls(design / scale, observed.astype(float), maxiter=100 * groups)
    rates = np.cumsum(steps / scale)
    expected_total = float((population @ rates).sum())
    if expected_total > 0:
        rates *= float(observed.sum()) / expected_total
    return rates


def _more(codes: list[str]) -> str:
    return f" and {len(codes) - 1} other OA(s)" if len(codes) > 1 else ""
