import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from spacemap.errors import InputError, ModelError
from spacemap.segment.transform import RateTransformer


def table(**columns):
    frame = pd.DataFrame(columns)
    frame.insert(0, "oa_code", [f"E{i:08d}" for i in range(len(frame))])
    return frame


def test_ihs_then_range_by_hand():
    X = table(a=[0.0, 10.0, 40.0], b=[1.0, 2.0, 3.0])
    Z = RateTransformer().fit_transform(X)
    a = np.arcsinh([0.0, 10.0, 40.0])
    b = np.arcsinh([1.0, 2.0, 3.0])
    assert Z[:, 0] == pytest.approx((a - a.min()) / (a.max() - a.min()), abs=1e-15)
    assert Z[:, 1] == pytest.approx((b - b.min()) / (b.max() - b.min()), abs=1e-15)
    assert Z.min() == 0.0 and Z.max() == 1.0


def test_log_and_zscore_by_hand():
    X = table(a=[0.0, 1.0, 3.0])
    Z = RateTransformer(skew="log", standardise="zscore").fit_transform(X)
    y = np.log1p([0.0, 1.0, 3.0])
    assert Z[:, 0] == pytest.approx((y - y.mean()) / y.std())


def test_boxcox_fits_a_lambda_per_variable_and_reduces_skew():
    rng = np.random.default_rng(1)
    X = table(a=rng.lognormal(2, 1, 500), b=rng.normal(50, 5, 500))
    t = RateTransformer(skew="boxcox").fit(X)
    assert t.lambdas_[0] < 0.5 and abs(t.lambdas_[1] - 1) < 1.5
    from scipy.stats import skew
    assert abs(skew(t.transform(X)[:, 0])) < abs(skew(X["a"])) / 5


def test_variables_in_any_order_but_not_different_ones():
    X = table(a=[0.0, 1.0, 2.0], b=[3.0, 1.0, 2.0])
    t = RateTransformer().fit(X)
    assert np.array_equal(t.transform(X[["oa_code", "b", "a"]]), t.transform(X))
    with pytest.raises(ModelError, match="missing b; extra c"):
        t.transform(X.rename(columns={"b": "c"}))


def test_constant_variable_nan_and_empty_are_errors():
    with pytest.raises(InputError, match=r"variable\(s\) b have the same value"):
        RateTransformer().fit(table(a=[0.0, 1.0], b=[5.0, 5.0]))
    with pytest.raises(InputError, match="first at OA E00000001, variable 'a'"):
        RateTransformer().fit(table(a=[0.0, np.nan], b=[1.0, 2.0]))
    with pytest.raises(InputError, match="empty"):
        RateTransformer().fit(table(a=[], b=[]))


def test_estimator_contract_and_exact_round_trip():
    X = table(a=[0.0, 10.0, 40.0, 7.5], b=[1.0, 2.0, 3.0, 0.1])
    t = RateTransformer(skew="boxcox", standardise="zscore").fit(X)
    assert clone(t).get_params() == {"skew": "boxcox", "standardise": "zscore"}
    import json
    again = RateTransformer.from_dict(json.loads(json.dumps(t.to_dict())))
    assert np.array_equal(again.transform(X), t.transform(X))
    with pytest.raises(InputError, match="unknown skew"):
        RateTransformer(skew="sqrt").fit(X)
