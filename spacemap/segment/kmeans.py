"""Many-start k-means that keeps the lowest within-cluster sum of squares (WCSS).

The OAC ran k-means from thousands of random starts and kept the best. Here each
start is a k-means++ seeding (which reaches low WCSS in far fewer starts than
random seeding); on large inputs the starts run on a random sample and only the
best few solutions are refined on all the rows, so the cost of a start does not
grow with the number of Output Areas (the top tier is then polished by the local search
of ``polish.py``). ``benchmarks/segment_national.py``
compares the result with scikit-learn's ``KMeans(init="random", n_init=1000)``.

Labels are always given by :func:`nearest`, a row-by-row exact computation, so
that a saved model labels its training data exactly as it was fitted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans


_CHUNK = 1024


@dataclass(frozen=True)
class KMeansSettings:
    """How hard to search: starts, when to stop early, and when to search on a sample first."""

    starts: int = 100           # at most this many starts
    patience: int = 15          # stop once this many starts in a row found nothing better
    sample_size: int = 8_000    # above twice this many rows, starts run on a sample of this size
    refine: int = 5             # best sample solutions refined on all rows (0: the sample's best as it is)
    max_iter: int = 300


def seed_for(seed: int, *path: int) -> int:
    """A random_state for one split, derived from the run's seed and the split's place."""
    return int(np.random.SeedSequence([seed, *path]).generate_state(1)[0])


def many_start_kmeans(X: np.ndarray, k: int, seed: int, settings: KMeansSettings = KMeansSettings()) -> np.ndarray:
    """Centroids (k × d) of the lowest-WCSS solution found from up to ``settings.starts`` starts.

    Starts stop early once ``settings.patience`` of them in a row have not lowered
    the best WCSS: on data with real structure the best solution recurs quickly.
    """
    n = X.shape[0]
    if k == 1:
        return X.mean(axis=0, keepdims=True)
    sampled = n > 2 * settings.sample_size
    rows = X
    if sampled:
        rng = np.random.default_rng(seed)
        rows = X[np.sort(rng.choice(n, settings.sample_size, replace=False))]
    candidates = _starts(rows, k, seed, settings, tol=1e-4 if sampled else 0.0)
    if not sampled or settings.refine == 0:
        best = candidates[0][2]
    else:
        best_wcss, best = np.inf, None
        for _, start, centres in candidates[: settings.refine]:
            model = KMeans(k, init=centres, n_init=1, max_iter=settings.max_iter, tol=0.0,
                           random_state=seed_for(seed, start)).fit(X)
            if model.inertia_ < best_wcss:
                best_wcss, best = model.inertia_, model.cluster_centers_
    return best


def _starts(X: np.ndarray, k: int, seed: int, settings: KMeansSettings, tol: float) -> list:
    """(WCSS, start number, centroids) of every start run, best first."""
    found, best, since_better = [], np.inf, 0
    for start in range(settings.starts):
        model = KMeans(k, init="k-means++", n_init=1, max_iter=settings.max_iter, tol=tol,
                       random_state=seed_for(seed, start)).fit(X)
        found.append((model.inertia_, start, model.cluster_centers_))
        if model.inertia_ < best * (1 - 1e-9):
            best, since_better = model.inertia_, 0
        else:
            since_better += 1
            if since_better >= settings.patience:
                break
    found.sort(key=lambda item: (item[0], item[1]))
    return found


def squared_distances(X: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Squared Euclidean distance of every row to every centre (n × k), row by row exact.

    Each row's distances depend only on that row, never on which other rows are in
    the batch, so labels are identical whether OAs are labelled together or apart.
    """
    out = np.empty((X.shape[0], centres.shape[0]))
    for start in range(0, X.shape[0], _CHUNK):
        block = X[start:start + _CHUNK]
        out[start:start + _CHUNK] = ((block[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return out


def nearest(X: np.ndarray, centres: np.ndarray, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Index of and squared distance to the nearest centre (the first, on a tie).

    ``allowed`` (n × k booleans) restricts each row to some centres, e.g. the
    children of the row's parent segment.
    """
    distances = squared_distances(X, centres)
    if allowed is not None:
        distances = np.where(allowed, distances, np.inf)
    labels = distances.argmin(axis=1)
    return labels, distances[np.arange(len(labels)), labels]


def wcss(X: np.ndarray, labels: np.ndarray, centres: np.ndarray) -> float:
    """Within-cluster sum of squares of a labelling around the given centres."""
    total = 0.0
    for start in range(0, X.shape[0], _CHUNK * 16):
        diff = X[start:start + _CHUNK * 16] - centres[labels[start:start + _CHUNK * 16]]
        total += float((diff * diff).sum())
    return total
