"""Time the service stage's numeric core at England & Wales scale on synthetic data.

188,880 OA points (clustered into towns, like the real population) and 50,000 sites
of ten service types: the distance to the nearest site of every type, the 2SFCA score
of every type, and the calibrated Huff model for one service (GP practices).

    python benchmarks/services_national.py [--oas 188880] [--sites 50000] [--cutoff-m 5000]

The last line prints wall time and peak memory.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from spacemap.services.access import nearest_distance, pairs_within, two_step_fca
from spacemap.services.catchment import calibrate_huff, decay_weights

SERVICES = {"school": 0.40, "pharmacy": 0.20, "gp": 0.14, "library": 0.06, "dentist": 0.06,
            "jobcentre": 0.02, "fire_station": 0.03, "police": 0.03, "childrens_centre": 0.04, "hospital": 0.02}


def synthetic_area(n_oas: int, n_sites: int, seed: int = 0):
    """OA points and residents, and site points with one service type each (EPSG:27700 metres)."""
    rng = np.random.default_rng(seed)
    n_towns = 1500
    size = rng.zipf(1.6, n_towns).astype(float)
    size = np.minimum(size, 4000)
    town = rng.choice(n_towns, n_oas, p=size / size.sum())
    centres = np.column_stack([rng.uniform(150_000, 650_000, n_towns), rng.uniform(50_000, 650_000, n_towns)])
    spread = 400 + 120 * np.sqrt(size[town])  # bigger towns spread wider; OAs stay dense in cities
    oas = centres[town] + rng.normal(0, 1, (n_oas, 2)) * spread[:, None]
    residents = rng.poisson(310, n_oas).astype(float) + 40
    at = rng.choice(n_oas, n_sites)
    sites = oas[at] + rng.normal(0, 300, (n_sites, 2))
    kinds = rng.choice(list(SERVICES), n_sites, p=list(SERVICES.values()))
    return oas, residents, sites, kinds


def synthetic_totals(pairs, residents: np.ndarray, rng: np.random.Generator) -> pd.Series:
    """Site totals a Huff model with random attractiveness would produce (so calibration can reach them)."""
    weight = rng.lognormal(0, 0.5, pairs.n_sites)[pairs.site] * decay_weights(pairs.cost, "exponential", 0.5)
    row = np.bincount(pairs.origin, weight, minlength=pairs.n_origins)
    flows = residents[pairs.origin] * 1.05 * weight / row[pairs.origin]
    totals = np.bincount(pairs.site, flows, minlength=pairs.n_sites)
    return pd.Series(np.round(totals), index=[f"gp{i}" for i in range(pairs.n_sites)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oas", type=int, default=188_880)
    parser.add_argument("--sites", type=int, default=50_000)
    parser.add_argument("--cutoff-m", type=float, default=5000.0)
    parser.add_argument("--detour-factor", type=float, default=1.3)
    args = parser.parse_args()
    oas, residents, sites, kinds = synthetic_area(args.oas, args.sites)
    started = time.perf_counter()
    pair_count = 0
    for kind in SERVICES:
        chosen = sites[kinds == kind]
        nearest_distance(oas, chosen)
        pairs = pairs_within(oas, chosen, args.cutoff_m, args.detour_factor)
        two_step_fca(pairs, residents, np.ones(len(chosen)))
        pair_count += len(pairs.origin)
    access_done = time.perf_counter()
    gp = pairs_within(oas, sites[kinds == "gp"], args.cutoff_m, args.detour_factor)
    totals = synthetic_totals(gp, residents, np.random.default_rng(1))
    result = calibrate_huff(gp, residents, totals, "exponential", 0.5)
    finished = time.perf_counter()
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    print(f"access for {len(SERVICES)} service types: {access_done - started:.1f} s, {pair_count:,} OA-site pairs")
    print(f"Huff calibration for gp: {len(totals):,} sites, {len(gp.origin):,} pairs, {result.iterations} "
          f"iterations, largest site error {result.max_relative_error:.1e}, {finished - access_done:.1f} s")
    print(f"{args.oas:,} OAs x {args.sites:,} sites: wall {finished - started:.1f} s, peak memory {peak_gb:.2f} GB")


if __name__ == "__main__":
    main()
