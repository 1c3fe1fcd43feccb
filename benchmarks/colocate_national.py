"""Time ``spacemap colocate``'s core at England & Wales scale on synthetic data.

188,880 OA points clustered into towns (like the real population), two tiers of
segments, and 50,000 sites of six owners and eight service types with floor area,
utilisation, tenure and running cost: catchments (k nearest sites per service type),
the sparse neighbour graph, pair and group scoring, access change by segment, and the
shared-building search — everything ``spacemap colocate`` does after reading its inputs.

    python benchmarks/colocate_national.py [--oas 188880] [--sites 50000]

The last line prints wall time, peak memory and the counts.
"""

from __future__ import annotations

import argparse
import logging
import resource
import time

import geopandas as gpd
import numpy as np
import pandas as pd

from spacemap.colocate.area import Area, Tier
from spacemap.colocate.config import ColocateConfig
from spacemap.colocate.pipeline import ColocateInputs, colocate

OWNERS = {"County Council": "local authority", "District Council": "local authority", "NHS Trust": "NHS",
          "GP partnership": "NHS", "Police": "police", "Fire and Rescue": "fire"}
SERVICES = {"gp": 0.15, "pharmacy": 0.2, "library": 0.08, "childrens_centre": 0.07, "council_office": 0.1,
            "jobcentre": 0.05, "school": 0.3, "police_station": 0.05}


def synthetic_area(n_oas: int, rng: np.random.Generator) -> Area:
    """OA points in towns, residents, density, and tiers of 8 and 24 segments."""
    n_towns = 1500
    size = np.minimum(rng.zipf(1.6, n_towns).astype(float), 4000)
    town = rng.choice(n_towns, n_oas, p=size / size.sum())
    centres = np.column_stack([rng.uniform(150_000, 650_000, n_towns), rng.uniform(50_000, 650_000, n_towns)])
    spread = 400 + 120 * np.sqrt(size[town])
    points = centres[town] + rng.normal(0, 1, (n_oas, 2)) * spread[:, None]
    residents = rng.poisson(310, n_oas).astype(float) + 40
    density = residents / (np.pi * (spread / 1000) ** 2 / np.maximum(size[town], 1))
    fine = (town * 7 + rng.integers(0, 3, n_oas)) % 24
    coarse = fine // 3
    tiers = {1: Tier(1, [str(k + 1) for k in range(8)], [f"Group {k + 1}" for k in range(8)], coarse),
             2: Tier(2, [f"{k // 3 + 1}{'abc'[k % 3]}" for k in range(24)], [f"Type {k}" for k in range(24)], fine)}
    codes = np.array([f"E{i:08d}" for i in range(n_oas)], dtype=object)
    return Area(codes, points, residents, density, "synthetic", tiers, None)


def synthetic_estate(area: Area, n_sites: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Sites near OAs, each of one owner and one or two service types, with register fields."""
    at = rng.choice(len(area.points), n_sites, p=area.residents / area.residents.sum())
    xy = area.points[at] + rng.normal(0, 250, (n_sites, 2))
    owners = rng.choice(list(OWNERS), n_sites)
    first = rng.choice(list(SERVICES), n_sites, p=list(SERVICES.values()))
    second = rng.choice(list(SERVICES), n_sites, p=list(SERVICES.values()))
    services = np.where(rng.random(n_sites) < 0.2, np.char.add(np.char.add(first, "; "), second), first)
    floor = rng.lognormal(6, 0.8, n_sites).round()
    frame = pd.DataFrame({
        "site_id": [f"S{i:06d}" for i in range(n_sites)], "name": [f"Site {i}" for i in range(n_sites)],
        "owner": owners, "owner_type": [OWNERS[o] for o in owners], "services": services,
        "floor_area_m2": np.where(rng.random(n_sites) < 0.8, floor, np.nan),
        "utilisation_pct": np.where(rng.random(n_sites) < 0.6, rng.uniform(30, 100, n_sites).round(), np.nan),
        "annual_running_cost_gbp": np.where(rng.random(n_sites) < 0.7, (floor * rng.uniform(40, 120, n_sites)).round(),
                                            np.nan),
        "disposal_value_gbp": np.where(rng.random(n_sites) < 0.3, floor * 1500.0, np.nan),
        "tenure": rng.choice(["freehold", "leasehold", "licence"], n_sites, p=[0.6, 0.35, 0.05]),
        "condition": rng.choice(["A", "B", "C", "D"], n_sites),
        "postcode": [f"PC{i // 3}" for i in range(n_sites)],
    })
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs="EPSG:27700")


def synthetic_profiles(area: Area, rng: np.random.Generator) -> pd.DataFrame:
    tier = area.tier(1)
    return pd.DataFrame({"tier": 1, "code": tier.codes, "name": tier.names,
                         **{v: rng.uniform(50, 200, len(tier.codes)) for v in ("v33", "v42", "v57", "v39")}})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oas", type=int, default=188_880)
    parser.add_argument("--sites", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rng = np.random.default_rng(args.seed)
    area = synthetic_area(args.oas, rng)
    estate = synthetic_estate(area, args.sites, rng)
    inputs = ColocateInputs(estate, area, synthetic_profiles(area, rng), sources={"estate": "synthetic"})
    print(f"{args.oas:,} OAs, {args.sites:,} sites of {len(OWNERS)} owners and {len(SERVICES)} service types")
    start = time.perf_counter()
    run = colocate(inputs, ColocateConfig())
    wall = time.perf_counter() - start
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    members = int(run.candidates["n_sites"].sum() - len(run.candidates))
    print(f"pairs within cut-off {run.found.pairs_within:,}; could share {run.found.pairs_shareable:,}; "
          f"shared buildings {len(run.shared):,}")
    print(f"RESULT colocate_national oas={args.oas} sites={args.sites} candidates={len(run.candidates)} "
          f"members={members} wall_s={wall:.1f} peak_gb={peak_gb:.2f} (target: wall <= 30 s, peak <= 4 GB)")


if __name__ == "__main__":
    main()
