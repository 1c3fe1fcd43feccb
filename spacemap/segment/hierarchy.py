"""The hierarchical segment model: super-segments split top down into sub-segments.

Tier 1 is k-means on all Output Areas; every later tier splits each segment of the
tier above on its own OAs. How a tier's total is shared among its parents is
either given per parent (``splits``) or follows the greatest-gain rule on
within-cluster sum of squares (WCSS): every parent gets one sub-segment, then each
further one goes in turn to the parent whose WCSS falls most when it is split into
one more sub-segment (priced by a quick 10-start k-means, on a sample of 4,000 OAs
for parents above 8,000: ``ALLOCATION_SEARCH``).
So a loose, varied segment is split more finely than a tight one, and the tier's
total WCSS falls as far as each step can take it. A parent never gets more
sub-segments than it has distinct OAs.

Segments are ordered by size (largest first) within their parent and coded the
OAC way: ``1``, ``1a``, ``1a1``, ``1a1a`` …

The model follows scikit-learn's estimator contract: settings in the constructor,
``fit`` learns ``*_`` attributes, ``predict`` checks the variables and returns the
finest-tier segment index; :meth:`SegmentModel.assign` gives every tier.
"""

from __future__ import annotations

import functools
import logging
import string
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from spacemap.errors import InputError
from spacemap.segment.kmeans import KMeansSettings, many_start_kmeans, nearest, seed_for, squared_distances, wcss
from spacemap.segment.polish import polish
from spacemap.segment.transform import RateTransformer

log = logging.getLogger(__name__)

DEFAULT_TIERS = (4, 18)


@dataclass
class Assignment:
    """Segments of each OA at every tier, with fit measures at the finest tier."""

    tiers: np.ndarray          # n × T segment indices (into each tier's centroids)
    distance: np.ndarray       # Euclidean distance to the own finest-tier centroid
    second_best: np.ndarray    # index of the nearest other finest-tier centroid
    second_distance: np.ndarray

    @property
    def margin(self) -> np.ndarray:
        """(b − a) / b: 0 when the OA sits halfway to its second-best segment, 1 at its own centroid."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.second_distance > 0, 1 - self.distance / self.second_distance, 0.0)


class SegmentModel(BaseEstimator):
    """Top-down many-start k-means on transformed census rates.

    Parameters
    ----------
    tiers : sequence of int
        Number of segments at each tier, strictly increasing (default 4, 18).
    skew, standardise : see :class:`~spacemap.segment.transform.RateTransformer`.
    starts : int
        k-means starts per split; the lowest-WCSS solution is kept.
    sample_size : int
        Above twice this many OAs, starts run on a sample and the best are refined on all.
    splits : dict of {tier number: list of int}, optional
        Sub-segments per parent for a tier (tier numbers from 2), instead of the WCSS rule.
    random_state : int
    """

    def __init__(self, tiers=DEFAULT_TIERS, skew: str = "ihs", standardise: str = "range", starts: int = 100,
                 sample_size: int = 8_000, splits: dict | None = None, random_state: int = 42):
        self.tiers = tiers
        self.skew = skew
        self.standardise = standardise
        self.starts = starts
        self.sample_size = sample_size
        self.splits = splits
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y=None) -> "SegmentModel":
        tiers = check_tiers(self.tiers)
        if self.starts < 1:
            raise InputError(f"starts must be at least 1 (got {self.starts})")
        self.transformer_ = RateTransformer(self.skew, self.standardise).fit(X)
        self.feature_names_in_ = self.transformer_.feature_names_in_
        self.n_features_in_ = self.transformer_.n_features_in_
        Z = self.transformer_.transform(X)
        distinct = len(np.unique(Z, axis=0))
        if distinct < tiers[-1]:
            raise InputError(
                f"{len(Z)} Output Areas ({distinct} distinct) cannot make {tiers[-1]} segments; "
                "ask for fewer segments (--tiers) or give a larger area")
        settings = KMeansSettings(starts=self.starts, sample_size=self.sample_size)
        seed = seed_for(self.random_state, 1, 0)
        centres = many_start_kmeans(Z, tiers[0], seed, settings)
        if len(Z) > 2 * settings.sample_size:
            # Starts on a sample can all miss the best top tier on every OA: polish it there. Polishing
            # every split too took the national benchmark from 47 s to 65 s without lowering tier 2 or 3.
            centres = polish(Z, centres, seed, settings.max_iter)
        centres = _order(centres, Z)
        self.centroids_, self.parents_ = [centres], [np.zeros(tiers[0], dtype=int)]
        labels, _ = nearest(Z, centres)
        for number, total in enumerate(tiers[1:], start=2):
            centres, parents = self._split(Z, labels, number, total, settings)
            self.centroids_.append(centres)
            self.parents_.append(parents)
            labels, _ = nearest(Z, centres, parents[None, :] == labels[:, None])
        self.codes_ = _codes(self.parents_)
        assignment = self._assign_transformed(Z)
        self.tier_labels_ = assignment.tiers
        self.labels_ = assignment.tiers[:, -1]
        self.wcss_ = [wcss(Z, assignment.tiers[:, t], c) for t, c in enumerate(self.centroids_)]
        for t, centres in enumerate(self.centroids_):
            empty = np.setdiff1d(np.arange(len(centres)), assignment.tiers[:, t])
            if len(empty):
                log.warning("Tier %d: %d segment(s) ended with no OAs", t + 1, len(empty))
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """The transformed, standardised variables the segments live in."""
        check_is_fitted(self, "centroids_")
        return self.transformer_.transform(X)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Finest-tier segment index of each OA."""
        return self.assign(X).tiers[:, -1]

    def assign(self, X: pd.DataFrame) -> Assignment:
        """Segments at every tier, distance to own centroid and second-best segment."""
        return self._assign_transformed(self.transform(X))

    def _assign_transformed(self, Z: np.ndarray) -> Assignment:
        labels, _ = nearest(Z, self.centroids_[0])
        columns = [labels]
        for centres, parents in zip(self.centroids_[1:], self.parents_[1:]):
            labels, _ = nearest(Z, centres, parents[None, :] == labels[:, None])
            columns.append(labels)
        finest = squared_distances(Z, self.centroids_[-1])
        rows = np.arange(len(Z))
        own = finest[rows, labels].copy()
        finest[rows, labels] = np.inf
        if finest.shape[1] > 1:
            second = finest.argmin(axis=1)
            second_distance = np.sqrt(finest[rows, second])
        else:
            second, second_distance = np.full(len(Z), -1), np.full(len(Z), np.nan)
        return Assignment(np.column_stack(columns), np.sqrt(own), second, second_distance)

    def _split(self, Z, labels, number, total, settings) -> tuple[np.ndarray, np.ndarray]:
        """Centroids and parent index of tier ``number``'s segments."""
        parent_centres = self.centroids_[-1]
        members = [np.flatnonzero(labels == p) for p in range(len(parent_centres))]
        capacity = [len(np.unique(Z[idx], axis=0)) for idx in members]
        given = (self.splits or {}).get(number)
        if given is not None:
            counts = _check_given(given, number, total, capacity)
        else:
            counts = allocate(total, _split_wcss(Z, members, parent_centres, self.random_state, number), capacity)
        centres, parents = [], []
        for p, (idx, k) in enumerate(zip(members, counts)):
            if k == 1 or len(idx) == 0:
                children = parent_centres[[p]]
            else:
                children = _order(many_start_kmeans(Z[idx], k, seed_for(self.random_state, number, p), settings), Z[idx])
            centres.append(children)
            parents.extend([p] * len(children))
        return np.vstack(centres), np.array(parents, dtype=int)


def check_tiers(tiers) -> tuple[int, ...]:
    """Tiers as a tuple of strictly increasing positive ints, or an error saying why not."""
    try:
        values = tuple(int(t) for t in tiers)
    except (TypeError, ValueError):
        raise InputError(f"tiers must be whole numbers such as 4,18 (got {tiers!r})") from None
    if not values:
        raise InputError("give at least one tier, e.g. --tiers 4,18")
    if values[0] < 2:
        raise InputError(f"the first tier needs at least 2 segments (got {values[0]})")
    for before, after in zip(values, values[1:]):
        if after <= before:
            raise InputError(
                f"each tier must have more segments than the one above (got {before} then {after}); "
                "give increasing tiers such as 8,21,52")
    return values


# The quick search that prices one more split of a parent when a tier's total is shared out.
ALLOCATION_SEARCH = KMeansSettings(starts=10, patience=5, sample_size=4_000, refine=0)


def allocate(total: int, wcss_at: Callable[[int, int], float], capacity: list[int]) -> list[int]:
    """Share ``total`` sub-segments among parents by the greatest-gain rule (see module doc).

    ``wcss_at(p, k)`` is parent p's WCSS when split into k sub-segments. Ties go to the
    first parent.
    """
    counts = [1 if c > 0 else 0 for c in capacity]
    for _ in range(total - sum(counts)):
        gains = [wcss_at(p, n) - wcss_at(p, n + 1) if 0 < n < c else -np.inf
                 for p, (n, c) in enumerate(zip(counts, capacity))]
        best = int(np.argmax(gains))
        if gains[best] == -np.inf:
            raise InputError(f"the segments above have too few distinct OAs to make {total} sub-segments")
        counts[best] += 1
    return counts


def _split_wcss(Z: np.ndarray, members: list[np.ndarray], centres: np.ndarray, seed: int,
                number: int) -> Callable[[int, int], float]:
    """wcss_at(p, k) for :func:`allocate`: parent p's WCSS at k sub-segments (quick search, remembered)."""
    @functools.cache
    def wcss_at(p: int, k: int) -> float:
        rows = Z[members[p]]
        if k == 1:
            return wcss(rows, np.zeros(len(rows), dtype=int), centres[[p]])
        found = many_start_kmeans(rows, k, seed_for(seed, number, p, k), ALLOCATION_SEARCH)
        return float(nearest(rows, found)[1].sum())

    return wcss_at


def _check_given(given, number: int, total: int, capacity: list[int]) -> list[int]:
    counts = [int(c) for c in given]
    if len(counts) != len(capacity):
        raise InputError(f"tier {number}: splits give {len(counts)} numbers but the tier above has "
                         f"{len(capacity)} segments; give one number per parent segment")
    if sum(counts) != total:
        raise InputError(f"tier {number}: splits add up to {sum(counts)}, not the tier's {total} segments")
    for parent, (k, c) in enumerate(zip(counts, capacity), start=1):
        if k < 1 or k > c:
            raise InputError(f"tier {number}: parent segment {parent} cannot have {k} sub-segments "
                             f"(it has {c} distinct OAs; give between 1 and {c})")
    return counts


def _order(centres: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """Centroids sorted by the number of OAs nearest to them, largest first (stable)."""
    labels, _ = nearest(Z, centres)
    sizes = np.bincount(labels, minlength=len(centres))
    return centres[np.argsort(-sizes, kind="stable")]


def _codes(parents: list[np.ndarray]) -> list[list[str]]:
    """OAC-style codes: 1, 1a, 1a1, 1a1a … (letters and numbers alternate below tier 1)."""
    codes = [[str(i + 1) for i in range(len(parents[0]))]]
    for depth, parent_of in enumerate(parents[1:], start=1):
        tier, seen = [], {}
        for parent in parent_of:
            n = seen.get(parent, 0)
            seen[parent] = n + 1
            tier.append(codes[-1][parent] + (_letters(n) if depth % 2 == 1 else str(n + 1)))
        codes.append(tier)
    return codes


def _letters(n: int) -> str:
    """a, b, …, z, aa, ab … for the n-th child."""
    letters = string.ascii_lowercase
    return letters[n] if n < 26 else _letters(n // 26 - 1) + letters[n % 26]
