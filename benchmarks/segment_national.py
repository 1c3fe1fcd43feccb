"""Time the segmentation at England & Wales scale against the OAC's own procedure.

Generates a synthetic table of 188,880 OAs × 60 rates with a real 8 / 21 / 52
hierarchy of clusters, then fits the 8 / 21 / 52 hierarchy twice:

- spacemap's ``SegmentModel`` (many k-means++ starts, on a sample of 8,000 above 16,000 OAs);
- the baseline: the same top-down procedure (same transform, same greatest-gain share
  of each tier among parents) with scikit-learn ``KMeans(init="random", n_init=1000)``
  at every split, as the OAC was built. With ``--baseline-starts N`` below 1,000 the
  baseline runs N starts and its time is scaled by 1000 / N (said on the output);
  its WCSS is then the best of N, not of 1,000.

    python benchmarks/segment_national.py [--oas 188880] [--starts 100] [--baseline-starts 1000]

The last line prints wall time, peak memory and the ratios (time, WCSS per tier).
"""

from __future__ import annotations

import argparse
import functools
import resource
import time

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans

from spacemap.segment.hierarchy import SegmentModel, allocate
from spacemap.segment.kmeans import wcss

TIERS = (8, 21, 52)


def synthetic_rates(n_oas: int, n_variables: int = 60, seed: int = 0) -> pd.DataFrame:
    """Rates with nested cluster structure: 8 supergroups → 21 groups → 52 subgroups, plus OA noise."""
    rng = np.random.default_rng(seed)
    supers = rng.uniform(0.5, 3.0, (TIERS[0], n_variables))
    group_parent = np.sort(np.concatenate([np.arange(TIERS[0]), rng.integers(0, TIERS[0], TIERS[1] - TIERS[0])]))
    groups = supers[group_parent] + rng.normal(0, 0.35, (TIERS[1], n_variables))
    sub_parent = np.sort(np.concatenate([np.arange(TIERS[1]), rng.integers(0, TIERS[1], TIERS[2] - TIERS[1])]))
    subgroups = groups[sub_parent] + rng.normal(0, 0.15, (TIERS[2], n_variables))
    weights = rng.dirichlet(np.full(TIERS[2], 3.0))
    members = rng.choice(TIERS[2], n_oas, p=weights)
    latent = np.clip(subgroups[members] + rng.normal(0, 0.3, (n_oas, n_variables)), 0, None)
    rates = np.sinh(latent)  # the OAC's inverse hyperbolic sine undoes this exactly
    frame = pd.DataFrame(rates, columns=[f"v{i + 1:02d}" for i in range(n_variables)])
    frame.insert(0, "oa_code", [f"E{i:08d}" for i in range(n_oas)])
    return frame


def baseline_hierarchy(Z: np.ndarray, starts: int, seed: int) -> tuple[list[float], float]:
    """The OAC procedure: random-start KMeans at every split, top down; WCSS per tier, and pricing seconds.

    A tier's total is shared among parents by the same greatest-gain rule as spacemap, each
    further split priced with KMeans(init="random", n_init=10); that pricing time is
    returned apart, so it is not scaled with the number of starts.
    """
    labels = KMeans(TIERS[0], init="random", n_init=starts, random_state=seed).fit(Z).labels_
    centres = np.vstack([Z[labels == c].mean(axis=0) for c in range(TIERS[0])])
    found, pricing = [wcss(Z, labels, centres)], 0.0
    for total in TIERS[1:]:
        members = [np.flatnonzero(labels == p) for p in range(len(centres))]

        @functools.cache
        def wcss_at(p: int, k: int) -> float:
            rows = Z[members[p]]
            if k == 1:
                return wcss(rows, np.zeros(len(rows), dtype=int), centres[[p]])
            return float(KMeans(k, init="random", n_init=10, random_state=seed).fit(rows).inertia_)

        started = time.perf_counter()
        counts = allocate(total, wcss_at, [len(idx) for idx in members])
        pricing += time.perf_counter() - started
        new_labels, new_centres = np.empty(len(Z), dtype=int), []
        for idx, k in zip(members, counts):
            if k == 1:
                sub = np.zeros(len(idx), dtype=int)
                sub_centres = Z[idx].mean(axis=0, keepdims=True)
            else:
                model = KMeans(k, init="random", n_init=starts, random_state=seed).fit(Z[idx])
                sub, sub_centres = model.labels_, model.cluster_centers_
            new_labels[idx] = sub + sum(len(c) for c in new_centres)
            new_centres.append(sub_centres)
        labels, centres = new_labels, np.vstack(new_centres)
        found.append(wcss(Z, labels, centres))
    return found, pricing


def peak_memory_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oas", type=int, default=188_880)
    parser.add_argument("--starts", type=int, default=100, help="spacemap's starts per split")
    parser.add_argument("--baseline-starts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    rates = synthetic_rates(args.oas)
    print(f"synthetic table: {len(rates):,} OAs × {rates.shape[1] - 1} variables")
    started = time.perf_counter()
    model = SegmentModel(tiers=TIERS, starts=args.starts, random_state=args.seed).fit(rates)
    ours_time = time.perf_counter() - started
    ours_memory = peak_memory_gb()
    print(f"spacemap: {ours_time:.1f} s, peak {ours_memory:.2f} GB, WCSS "
          + " / ".join(f"{w:,.1f}" for w in model.wcss_))
    if not (model.predict(rates) == model.labels_).all():
        raise SystemExit("predict on the training data differs from the training labels")

    if args.baseline_starts < 1:
        return
    Z = model.transform(rates)
    started = time.perf_counter()
    base_wcss, pricing = baseline_hierarchy(Z, args.baseline_starts, args.seed)
    base_time = (time.perf_counter() - started - pricing) * 1000 / args.baseline_starts + pricing
    scaled = "" if args.baseline_starts == 1000 else f" (ran {args.baseline_starts} starts, time scaled ×{1000 / args.baseline_starts:g})"
    print(f"baseline KMeans(init='random', n_init=1000): {base_time:.1f} s{scaled}, WCSS "
          + " / ".join(f"{w:,.1f}" for w in base_wcss))
    ratios = " / ".join(f"{o / b:.4f}" for o, b in zip(model.wcss_, base_wcss))
    print(f"RESULT oas={args.oas} wall={ours_time:.1f}s peak={ours_memory:.2f}GB "
          f"time_ratio={ours_time / base_time:.3f} wcss_ratio(8/21/52)={ratios} (≤ 1 means spacemap as good or better)")


if __name__ == "__main__":
    main()
