"""How good is a segmentation: choosing k, correlated inputs, and poorly fitting OAs.

- :func:`k_diagnostics` fits k-means for a range of k and reports WCSS (the elbow),
  silhouette (on a random sample of OAs when there are many: it costs n² otherwise),
  Calinski-Harabasz and Davies-Bouldin, plus the clustergram data.
- :func:`correlation_screen` lists pairs of transformed variables with |r| above a
  threshold (0.8 by default, as the OAC reviews did): candidates to drop or merge.
- :func:`poor_fit` flags OAs that sit nearly as close to another segment as to their
  own (margin below a threshold) or far out from their own centroid (beyond the upper
  Tukey fence of their segment's distances).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from spacemap.segment.kmeans import KMeansSettings, many_start_kmeans, nearest, seed_for, wcss

SILHOUETTE_SAMPLE = 10_000
MARGIN_THRESHOLD = 0.05


@dataclass
class KDiagnostics:
    """Scores per k, and the clustergram: each k's cluster means on the first principal component."""

    scores: pd.DataFrame                   # k, wcss, silhouette, calinski_harabasz, davies_bouldin
    clustergram: list[np.ndarray]          # per k: PC1 mean of each cluster
    flows: list[np.ndarray]                # per k → k+1: OAs moving from cluster i to cluster j
    labels: dict[int, np.ndarray]
    centres: dict[int, np.ndarray]


def k_diagnostics(Z: np.ndarray, k_values: list[int], seed: int, starts: int = 20,
                  sample_size: int = 8_000) -> KDiagnostics:
    """Fit k-means at each k (independently, many starts each) and score the result."""
    settings = KMeansSettings(starts=starts, sample_size=sample_size)
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(len(Z), min(len(Z), SILHOUETTE_SAMPLE), replace=False))
    pc1 = _first_component(Z)
    rows, labels, found_centres = [], {}, {}
    for k in k_values:
        centres = many_start_kmeans(Z, k, seed_for(seed, 100, k), settings)
        found, _ = nearest(Z, centres)
        labels[k], found_centres[k] = found, centres
        several = len(np.unique(found)) > 1
        rows.append({
            "k": k,
            "wcss": wcss(Z, found, centres),
            "silhouette": silhouette_score(Z[sample], found[sample]) if several and len(np.unique(found[sample])) > 1 else np.nan,
            "calinski_harabasz": calinski_harabasz_score(Z, found) if several else np.nan,
            "davies_bouldin": davies_bouldin_score(Z, found) if several else np.nan,
        })
    means = [_means(pc1, labels[k], k) for k in k_values]
    flows = [_flow(labels[a], labels[b], a, b) for a, b in zip(k_values, k_values[1:])]
    return KDiagnostics(pd.DataFrame(rows), means, flows, labels, found_centres)


def correlation_screen(Z: np.ndarray, variables: list[str], labels: dict[str, str],
                       threshold: float = 0.8) -> pd.DataFrame:
    """Pairs of (transformed) variables whose Pearson correlation exceeds ``threshold`` in size."""
    r = np.corrcoef(Z, rowvar=False)
    first, second = np.triu_indices_from(r, k=1)
    keep = np.abs(r[first, second]) > threshold
    frame = pd.DataFrame({
        "variable_a": [variables[i] for i in first[keep]],
        "name_a": [labels.get(variables[i], variables[i]) for i in first[keep]],
        "variable_b": [variables[j] for j in second[keep]],
        "name_b": [labels.get(variables[j], variables[j]) for j in second[keep]],
        "r": np.round(r[first, second][keep], 4),
    })
    return frame.sort_values("r", key=np.abs, ascending=False, kind="stable").reset_index(drop=True)


def poor_fit(distance: np.ndarray, margin: np.ndarray, labels: np.ndarray,
             margin_threshold: float = MARGIN_THRESHOLD) -> tuple[np.ndarray, np.ndarray]:
    """Boolean flag per OA and the reason ("" when it fits)."""
    fence = np.zeros(labels.max() + 1 if len(labels) else 0)
    for segment in np.unique(labels):
        d = distance[labels == segment]
        q1, q3 = np.percentile(d, [25, 75])
        fence[segment] = q3 + 1.5 * (q3 - q1)
    outlier = distance > fence[labels]
    borderline = margin < margin_threshold
    reason = np.where(outlier & borderline, "far from its centroid and near another segment",
                      np.where(outlier, "far from its segment's centroid",
                               np.where(borderline, "almost as near another segment", "")))
    return outlier | borderline, reason


def _first_component(Z: np.ndarray) -> np.ndarray:
    centred = Z - Z.mean(axis=0)
    # Covariance eigenvector (d × d), never an n × n product.
    values, vectors = np.linalg.eigh(centred.T @ centred)
    axis = vectors[:, -1]
    axis = axis if axis[np.argmax(np.abs(axis))] > 0 else -axis   # a fixed sign, for stable charts
    return centred @ axis


def _means(pc1: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    counts = np.bincount(labels, minlength=k)
    with np.errstate(invalid="ignore"):
        return np.bincount(labels, weights=pc1, minlength=k) / counts


def _flow(a: np.ndarray, b: np.ndarray, ka: int, kb: int) -> np.ndarray:
    return np.bincount(a * kb + b, minlength=ka * kb).reshape(ka, kb)
