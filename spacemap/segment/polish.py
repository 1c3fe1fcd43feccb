"""Local search after k-means: moves Lloyd's algorithm cannot make, kept only when they lower the WCSS.

Lloyd's iterations stop in a local minimum where, say, a natural cluster is cut in two
while two others share one centroid, or a block of OAs sits with the wrong neighbour.
Two classic moves escape such minima (as in J-means and split-and-merge k-means):

- **pair re-split**: the OAs of two neighbouring segments are pooled and split in two
  afresh (2-means from random and k-means++ starts);
- **merge and split**: one centroid is removed (its OAs go to their next nearest) and
  another segment is split in two. Each pair of moves is priced first from the cost of
  the removal and the gain of the split, and only the most promising are tried.

Every tried move ends with Lloyd's iterations on all rows and is kept only if the total
WCSS falls; the search repeats until no move helps. Seeds are fixed, so the result is
reproducible.
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans

from spacemap.segment.kmeans import squared_distances

SPLIT_SAMPLE = 8_000     # 2-means starts run on at most this many rows, then refine on all
NEIGHBOURS = 2           # pair re-split: each segment with its nearest neighbours
MERGE_SPLIT_TRIES = 6    # merge and split: best-priced moves tried on all rows
_IMPROVED = 1e-9         # relative WCSS fall that counts as better


def polish(X: np.ndarray, centres: np.ndarray, seed: int, max_iter: int = 300) -> np.ndarray:
    """Centroids at least as good as ``centres`` (lower or equal WCSS on ``X``)."""
    if len(centres) < 2:
        return centres
    while True:
        centres = _pair_resplit(X, centres, seed, max_iter)
        found = _merge_split(X, centres, seed, max_iter) if len(centres) >= 3 else None
        if found is None:
            return centres
        centres = found


def _lloyd(X: np.ndarray, init: np.ndarray, seed: int, max_iter: int) -> KMeans:
    return KMeans(len(init), init=init, n_init=1, max_iter=max_iter, tol=0.0, random_state=seed).fit(X)


def split_in_two(rows: np.ndarray, seed: int) -> KMeans:
    """The best 2-means of the rows found from k-means++ and random starts (on a sample when large)."""
    fit_rows = rows
    if len(rows) > 2 * SPLIT_SAMPLE:
        rng = np.random.default_rng(seed)
        fit_rows = rows[np.sort(rng.choice(len(rows), SPLIT_SAMPLE, replace=False))]
    fits = [KMeans(2, init=init, n_init=starts, random_state=seed).fit(fit_rows)
            for init, starts in (("k-means++", 5), ("random", 30))]
    best = min(fits, key=lambda fit: fit.inertia_)
    return KMeans(2, init=best.cluster_centers_, n_init=1, random_state=seed).fit(rows)


def _pair_resplit(X: np.ndarray, centres: np.ndarray, seed: int, max_iter: int) -> np.ndarray:
    """Pool two neighbouring segments and split them afresh, while that lowers the WCSS."""
    while True:
        d2 = squared_distances(X, centres)
        labels = d2.argmin(axis=1)
        own = d2[np.arange(len(X)), labels]
        total = own.sum()
        gaps = ((centres[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        np.fill_diagonal(gaps, np.inf)
        pairs = sorted({(min(i, int(j)), max(i, int(j))) for i in range(len(centres))
                        for j in np.argsort(gaps[i], kind="stable")[:NEIGHBOURS]})
        for i, j in pairs:
            members = (labels == i) | (labels == j)
            if members.sum() < 2:
                continue
            split = split_in_two(X[members], seed)
            if split.inertia_ >= own[members].sum() * (1 - 1e-6):
                continue
            trial = centres.copy()
            trial[i], trial[j] = split.cluster_centers_
            model = _lloyd(X, trial, seed, max_iter)
            if model.inertia_ < total * (1 - _IMPROVED):
                centres = model.cluster_centers_
                break
        else:
            return centres


def _merge_split(X: np.ndarray, centres: np.ndarray, seed: int, max_iter: int) -> np.ndarray | None:
    """Remove one centroid and split another segment, if that lowers the WCSS (None when nothing does)."""
    k = len(centres)
    d2 = squared_distances(X, centres)
    order = np.argsort(d2, axis=1, kind="stable")
    rows = np.arange(len(X))
    labels, own, next_best = order[:, 0], d2[rows, order[:, 0]], d2[rows, order[:, 1]]
    total = own.sum()
    removal = np.bincount(labels, next_best - own, minlength=k)
    splits = {}
    for j in range(k):
        members = labels == j
        if members.sum() >= 2:
            split = split_in_two(X[members], seed)
            splits[j] = (own[members].sum() - split.inertia_, split.cluster_centers_)
    moves = sorted(((gain - removal[i], i, j) for j, (gain, _) in splits.items() for i in range(k) if i != j),
                   key=lambda move: (-move[0], move[1], move[2]))
    for _, i, j in moves[:MERGE_SPLIT_TRIES]:
        trial = np.vstack([np.delete(centres, [i, j], axis=0), splits[j][1]])
        model = _lloyd(X, trial, seed, max_iter)
        if model.inertia_ < total * (1 - _IMPROVED):
            return model.cluster_centers_
    return None
