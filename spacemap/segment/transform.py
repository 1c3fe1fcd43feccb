"""The OAC transform: rates → skew transform → standardisation, as a scikit-learn transformer.

The published OAC practice (2011 and 2021) is the inverse hyperbolic sine of each
rate followed by range standardisation to [0, 1]. Log (``log1p``) and Box-Cox
(fitted per variable by maximum likelihood, on rate + 1 so zeros are allowed)
are options, and so is z-score standardisation.

The transformer takes a DataFrame with one column per variable (the ``oa_code``
column, if present, is ignored) and remembers the variables it was fitted on;
any later input must have exactly those variables, in any order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from spacemap.errors import InputError, ModelError

SKEW_TRANSFORMS = ("ihs", "log", "boxcox", "none")
STANDARDISATIONS = ("range", "zscore")


class RateTransformer(TransformerMixin, BaseEstimator):
    """Skew-transform and standardise census rates, one column per variable.

    Parameters
    ----------
    skew : {"ihs", "log", "boxcox", "none"}
        ``ihs`` is arcsinh(x) (the OAC choice), ``log`` is log(1 + x), ``boxcox``
        fits one λ per variable on x + 1.
    standardise : {"range", "zscore"}
        ``range`` maps each transformed variable to [0, 1] over the fitting data;
        ``zscore`` centres it and divides by its standard deviation.
    """

    def __init__(self, skew: str = "ihs", standardise: str = "range"):
        self.skew = skew
        self.standardise = standardise

    def fit(self, X: pd.DataFrame, y=None) -> "RateTransformer":
        self._check_settings()
        values, names = _values(X, None)
        self.feature_names_in_ = np.array(names, dtype=object)
        self.n_features_in_ = len(names)
        _check_not_constant(values, names)
        if self.skew == "boxcox":
            self.lambdas_ = np.array([stats.boxcox(column + 1.0)[1] for column in values.T])
        else:
            self.lambdas_ = np.zeros(len(names))
        skewed = self._skew(values)
        if self.standardise == "range":
            self.offset_ = skewed.min(axis=0)
            self.scale_ = skewed.max(axis=0) - self.offset_
        else:
            self.offset_ = skewed.mean(axis=0)
            self.scale_ = skewed.std(axis=0)
        _check_not_constant(skewed, names, after="the skew transform")
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "scale_")
        values, _ = _values(X, list(self.feature_names_in_))
        return (self._skew(values) - self.offset_) / self.scale_

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "scale_")
        return self.feature_names_in_.copy()

    # -- parameters as plain data, for the saved model ------------------------------------
    def to_dict(self) -> dict:
        """The fitted parameters as JSON-safe data (floats round-trip exactly)."""
        check_is_fitted(self, "scale_")
        return {
            "skew": self.skew, "standardise": self.standardise,
            "variables": [str(name) for name in self.feature_names_in_],
            "lambdas": [float(v) for v in self.lambdas_],
            "offset": [float(v) for v in self.offset_],
            "scale": [float(v) for v in self.scale_],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "RateTransformer":
        """Rebuild a fitted transformer from :meth:`to_dict` output."""
        try:
            transformer = cls(skew=data["skew"], standardise=data["standardise"])
            transformer._check_settings()
            names = list(data["variables"])
            arrays = [np.asarray(data[key], dtype=float) for key in ("lambdas", "offset", "scale")]
        except (KeyError, TypeError, ValueError, InputError) as error:
            raise ModelError(f"the saved transform parameters are incomplete or invalid ({error})") from None
        if any(len(array) != len(names) for array in arrays):
            raise ModelError("the saved transform parameters do not have one value per variable")
        transformer.feature_names_in_ = np.array(names, dtype=object)
        transformer.n_features_in_ = len(names)
        transformer.lambdas_, transformer.offset_, transformer.scale_ = arrays
        return transformer

    def _check_settings(self) -> None:
        if self.skew not in SKEW_TRANSFORMS:
            raise InputError(f"unknown skew transform '{self.skew}'; choose one of {', '.join(SKEW_TRANSFORMS)}")
        if self.standardise not in STANDARDISATIONS:
            raise InputError(
                f"unknown standardisation '{self.standardise}'; choose one of {', '.join(STANDARDISATIONS)}")

    def _skew(self, values: np.ndarray) -> np.ndarray:
        if self.skew == "ihs":
            return np.arcsinh(values)
        if self.skew == "log":
            if (values <= -1).any():
                raise InputError("the log transform needs rates above -1; use --transform ihs for signed values")
            return np.log1p(values)
        if self.skew == "boxcox":
            if (values <= -1).any():
                raise InputError("the Box-Cox transform needs rates above -1; use --transform ihs for signed values")
            return special.boxcox(values + 1.0, self.lambdas_)
        return values.astype(float, copy=True)


def check_variables(columns, expected: list[str]) -> None:
    """Raise an error listing missing and extra variables when ``columns`` differ from ``expected``."""
    columns = [str(c) for c in columns if c != "oa_code"]
    missing = [name for name in expected if name not in set(columns)]
    extra = [name for name in columns if name not in set(expected)]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if extra:
            parts.append(f"extra {', '.join(extra)}")
        raise ModelError(
            f"the input's variables differ from the model's training variables ({'; '.join(parts)}); "
            "give the variables the model was trained on (see its model.json)")


def _values(X, expected: list[str] | None) -> tuple[np.ndarray, list[str]]:
    """The numeric matrix of a variables table, checked for shape, NaNs and infinities."""
    if not isinstance(X, pd.DataFrame):
        raise InputError("the variables must be a table with one named column per variable")
    frame = X.drop(columns=["oa_code"], errors="ignore")
    if expected is not None:
        check_variables(frame.columns, expected)
        frame = frame[expected]
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise InputError("the variables table is empty: it needs at least one Output Area and one variable")
    names = [str(c) for c in frame.columns]
    try:
        values = frame.to_numpy(dtype=float)
    except (TypeError, ValueError):
        bad = [name for name in names if not pd.api.types.is_numeric_dtype(frame[name])]
        raise InputError(f"variable(s) {', '.join(bad[:5])} are not numeric; every rate must be a number") from None
    bad_rows, bad_cols = np.nonzero(~np.isfinite(values))
    if len(bad_rows):
        oa = X["oa_code"].iloc[bad_rows[0]] if "oa_code" in X.columns else f"row {bad_rows[0] + 1}"
        raise InputError(
            f"{len(bad_rows)} missing or infinite value(s) in the variables, first at OA {oa}, variable "
            f"'{names[bad_cols[0]]}'; fill or drop those OAs (or rebuild the variables with spacemap census)")
    return values, names


def _check_not_constant(values: np.ndarray, names: list[str], after: str = "") -> None:
    spread = values.max(axis=0) - values.min(axis=0)
    constant = [names[i] for i in np.flatnonzero(spread == 0)]
    if constant:
        when = f" after {after}" if after else ""
        raise InputError(
            f"variable(s) {', '.join(constant)} have the same value in every Output Area{when}, so they "
            "cannot separate segments; drop them from the spec")
