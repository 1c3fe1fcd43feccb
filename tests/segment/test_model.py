import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from spacemap.errors import InputError, ModelError
from spacemap.segment.hierarchy import SegmentModel, allocate, check_tiers
from spacemap.segment.kmeans import KMeansSettings, many_start_kmeans, nearest, wcss
from spacemap.segment.persistence import model_from_data, model_to_data
from tests.segment.data import nested_table


@pytest.fixture(scope="module")
def fitted():
    X, top, leaf = nested_table()
    return X, top, leaf, SegmentModel(tiers=(3, 6), skew="none", starts=20, random_state=7).fit(X)


def test_recovers_the_known_hierarchy(fitted):
    X, top, leaf, model = fitted
    assert adjusted_rand_score(top, model.tier_labels_[:, 0]) == 1.0
    assert adjusted_rand_score(leaf, model.tier_labels_[:, 1]) == 1.0
    # every sub-segment lies inside its parent
    assert np.array_equal(model.parents_[1][model.tier_labels_[:, 1]], model.tier_labels_[:, 0])
    assert model.codes_ == [["1", "2", "3"], ["1a", "1b", "2a", "2b", "3a", "3b"]]


def test_predict_reproduces_training_labels_and_checks_variables(fitted):
    X, _, _, model = fitted
    assert np.array_equal(model.predict(X), model.labels_)
    assert np.array_equal(model.assign(X.sample(frac=1, random_state=1).sort_index()).tiers, model.tier_labels_)
    with pytest.raises(ModelError, match="missing v4; extra v9"):
        model.predict(X.rename(columns={"v4": "v9"}))


def test_estimator_contract(fitted):
    *_, model = fitted
    params = clone(model).get_params()
    assert params["tiers"] == (3, 6) and params["random_state"] == 7
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        SegmentModel().predict(fitted[0])


def test_wcss_matches_labels_and_is_no_worse_than_random_starts():
    X, _, _ = nested_table(per_leaf=40, seed=3)
    model = SegmentModel(tiers=(3,), starts=10, random_state=0).fit(X)
    Z = model.transform(X)
    assert model.wcss_[0] == pytest.approx(wcss(Z, model.labels_, model.centroids_[0]))
    baseline = KMeans(3, init="random", n_init=50, random_state=0).fit(Z)
    assert model.wcss_[0] <= baseline.inertia_ * (1 + 1e-9)


def test_sampled_search_matches_full_search():
    rng = np.random.default_rng(5)
    centres = rng.uniform(0, 1, (5, 6))
    X = centres[rng.integers(0, 5, 3000)] + rng.normal(0, 0.03, (3000, 6))
    full = many_start_kmeans(X, 5, 1, KMeansSettings(starts=10, sample_size=5000))
    sampled = many_start_kmeans(X, 5, 1, KMeansSettings(starts=10, sample_size=500))
    wf = wcss(X, nearest(X, full)[0], full)
    ws = wcss(X, nearest(X, sampled)[0], sampled)
    assert ws == pytest.approx(wf, rel=1e-6)


def test_same_seed_same_model_other_seed_same_partition(fitted):
    X, _, _, model = fitted
    again = SegmentModel(tiers=(3, 6), skew="none", starts=20, random_state=7).fit(X)
    for a, b in zip(model.centroids_, again.centroids_):
        assert np.array_equal(a, b)


def test_greatest_gain_allocation_by_hand():
    # WCSS of three parents at 1, 2, 3, 4 sub-segments. Each gets one; then the gains are
    # 10−4=6, 9−3=6, 2−1.5 → the first (tie: first parent); then 4−3=1, 6, .5 → the second;
    # then 1, 3−2.5=.5, .5 → the first again.
    table = [[10.0, 4.0, 3.0, 2.9], [9.0, 3.0, 2.5, 2.4], [2.0, 1.5, 1.0, 0.9]]
    calls: list[tuple[int, int]] = []

    def wcss_at(p, k):
        calls.append((p, k))
        return table[p][k - 1]

    assert allocate(6, wcss_at, [100, 100, 100]) == [3, 2, 1]
    assert allocate(5, wcss_at, [1, 100, 100]) == [1, 3, 1]   # capacity caps the first parent
    assert (0, 2) not in calls[-6:]                             # a capped parent is not priced
    with pytest.raises(InputError, match="too few distinct OAs"):
        allocate(5, wcss_at, [2, 2, 0])


def test_greatest_gain_beats_proportional_shares_on_nested_clusters():
    # Parent 0 is one loose blob (big WCSS, little gained by splitting); parent 1 holds three
    # tight clusters (smaller WCSS, all of it gained by splitting into three). Total 4:
    # proportional-to-WCSS shares would give parent 0 the extra sub-segments.
    rng = np.random.default_rng(0)
    blob = rng.normal(0, 1.0, (600, 2))
    tight = np.vstack([rng.normal(c, 0.05, (200, 2)) for c in ((10, 10), (12, 10), (11, 12))])
    X = pd.DataFrame(np.vstack([blob, tight]) + 20, columns=["a", "b"])
    X.insert(0, "oa_code", [f"E{i:05d}" for i in range(len(X))])
    model = SegmentModel(tiers=(2, 4), starts=10, skew="none", standardise="zscore", random_state=1).fit(X)
    tight_parent = np.bincount(model.tier_labels_[600:, 0]).argmax()
    assert (model.tier_labels_[600:, 0] == tight_parent).all() and (model.tier_labels_[:600, 0] != tight_parent).all()
    sizes = np.bincount(model.parents_[-1], minlength=2)
    assert sizes[tight_parent] == 3 and sizes[1 - tight_parent] == 1


@pytest.mark.parametrize("tiers, message", [
    ((4, 4), "more segments than the one above"),
    ((8, 5), "more segments than the one above"),
    ((1, 4), "at least 2 segments"),
    ((), "at least one tier"),
    (("a",), "whole numbers"),
])
def test_bad_tiers(tiers, message):
    with pytest.raises(InputError, match=message):
        check_tiers(tiers)


def test_fewer_oas_than_segments():
    X, _, _ = nested_table(per_leaf=1)
    with pytest.raises(InputError, match="6 Output Areas .* cannot make 8 segments"):
        SegmentModel(tiers=(2, 8), starts=2).fit(X)


def test_given_splits_are_used_and_checked():
    X, _, _ = nested_table()
    model = SegmentModel(tiers=(3, 5), starts=5, splits={2: [1, 2, 2]}).fit(X)
    assert np.bincount(model.parents_[1]).tolist() == [1, 2, 2]
    with pytest.raises(InputError, match="add up to 4"):
        SegmentModel(tiers=(3, 5), starts=5, splits={2: [1, 1, 2]}).fit(X)
    with pytest.raises(InputError, match="one number per parent"):
        SegmentModel(tiers=(3, 5), starts=5, splits={2: [3, 2]}).fit(X)


def test_model_data_round_trip_is_exact(fitted):
    import json
    X, _, _, model = fitted
    names = [[f"n{c}" for c in tier] for tier in model.codes_]
    document, arrays = model_to_data(model, names, {"v1": "Variable one"})
    document = json.loads(json.dumps(document))
    again, again_names = model_from_data(document, arrays, "test")
    assert again_names == names
    assert np.array_equal(again.assign(X).tiers, model.tier_labels_)
    document["format_version"] = 99
    with pytest.raises(ModelError, match="format 99"):
        model_from_data(document, arrays, "test")
