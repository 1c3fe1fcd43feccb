"""The local search after k-means: it leaves a local minimum Lloyd's iterations cannot leave."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans

from spacemap.segment.kmeans import nearest
from spacemap.segment.polish import polish


def blobs() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]])
    X = np.vstack([rng.normal(c, 0.5, (300, 2)) for c in centres])
    return X, centres


def wcss(X, centres) -> float:
    return float(nearest(X, centres)[1].sum())


def test_polish_finds_the_three_blobs_lloyd_is_stuck_without():
    X, truth = blobs()
    # Two centroids in the first blob, one between the other two: a local minimum for Lloyd.
    stuck = KMeans(3, init=np.array([[-0.5, 0.0], [0.5, 0.0], [15.0, 0.0]]), n_init=1).fit(X).cluster_centers_
    best = wcss(X, np.array([X[:300].mean(0), X[300:600].mean(0), X[600:].mean(0)]))
    assert wcss(X, stuck) > 1.5 * best
    polished = polish(X, stuck, seed=0)
    assert abs(wcss(X, polished) - best) < 1e-6 * best
    assert np.allclose(np.sort(polished[:, 0]), truth[:, 0], atol=0.2)


def test_polish_never_makes_a_solution_worse_and_is_reproducible():
    X, truth = blobs()
    good = KMeans(3, init=truth, n_init=1).fit(X).cluster_centers_
    once, again = polish(X, good, seed=5), polish(X, good, seed=5)
    assert np.array_equal(once, again)
    assert wcss(X, once) <= wcss(X, good) * (1 + 1e-12)
