"""Time merging a national-scale estate: 50,000 synthetic register rows from 6 owners.

Buildings are scattered in town-sized clusters over Great Britain's grid. Each owner
lists its own buildings; about one building in six is listed by two or three owners
(a few metres apart, the name spelt differently, sometimes with a shared UPRN), as
partners' registers do. The script times ``merge_sites`` (the KD-tree neighbour search
and the merge), then the whole ``build_estate`` on the same rows written as six CSV
registers, and checks that the merge recovers the buildings it was given.

    python benchmarks/estate_merge.py [--rows 50000] [--owners 6] [--merge-only]

The last line prints the figures.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

from spacemap.estate.merge import merge_sites
from spacemap.estate.pipeline import build_estate
from spacemap.estate.schema import ROW_COLUMNS

OWNERS = ("council", "nhs", "police", "fire", "dwp", "university")
WORDS = ("Oak", "Mill", "Park", "Bridge", "Church", "Station", "Market", "Castle", "Green", "Hill", "Vale",
         "Brook", "Kings", "Queens", "Abbey", "Grange", "Moor", "Field", "Cross", "Lane")
KINDS = ("House", "Centre", "Hall", "Depot", "Clinic", "Office", "Library", "Station")
_TO_LONLAT = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def synthetic_rows(n_rows: int, n_owners: int, seed: int = 0) -> tuple[pd.DataFrame, int]:
    """Register rows in priority order (owner by owner) and the number of distinct buildings behind them."""
    rng = np.random.default_rng(seed)
    owners = OWNERS[:n_owners]
    extra_per_building = rng.choice([0, 1, 2], size=n_rows, p=[0.84, 0.12, 0.04])
    listings = np.cumsum(1 + extra_per_building)
    n_buildings = int(np.searchsorted(listings, n_rows) + 1)
    towns = rng.uniform([100_000, 50_000], [600_000, 1_000_000], size=(max(n_buildings // 400, 1), 2))
    town = rng.integers(0, len(towns), n_buildings)
    xy = towns[town] + rng.normal(0, 2_000, size=(n_buildings, 2))
    names = [f"{WORDS[a]} {WORDS[b]} {KINDS[c]} {i}" for i, (a, b, c) in
             enumerate(rng.integers(0, [len(WORDS), len(WORDS), len(KINDS)], size=(n_buildings, 3)))]
    records = []
    for building in range(n_buildings):
        listed_by = rng.choice(len(owners), size=1 + extra_per_building[building], replace=False)
        uprn = f"{10_000_000 + building}" if rng.random() < 0.5 else None
        for copy, owner in enumerate(listed_by):
            jitter = rng.normal(0, 3, 2) if copy else np.zeros(2)
            name = names[building] if copy == 0 else f"The {names[building]}"
            records.append((owners[owner], building, name, uprn if copy == 0 or rng.random() < 0.5 else None,
                            *(xy[building] + jitter)))
            if len(records) == n_rows:
                break
        if len(records) == n_rows:
            break
    frame = pd.DataFrame(records, columns=["source_register", "building", "name", "uprn", "easting", "northing"])
    frame["order"] = frame["source_register"].map({o: i for i, o in enumerate(owners)})
    frame = frame.sort_values(["order", "building"], kind="stable").reset_index(drop=True)
    return frame, int(frame["building"].nunique())


def as_register_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The synthetic rows in the normalised schema ``merge_sites`` takes."""
    rows = pd.DataFrame({column: np.nan for column in ROW_COLUMNS}, index=frame.index).astype(object)
    rows["record_id"] = frame["source_register"] + ":" + frame.index.astype(str)
    rows["source_register"] = frame["source_register"]
    rows["name"] = frame["name"]
    rows["uprn"] = frame["uprn"]
    rows["owner"] = frame["source_register"]
    rows["occupiers"] = frame["source_register"]
    rows["easting"] = frame["easting"].astype(float)
    rows["northing"] = frame["northing"].astype(float)
    rows["location_source"] = "coordinates"
    rows["outside_boundary"] = False
    rows["source_row"] = frame.index + 2
    return rows


def write_registers(frame: pd.DataFrame, directory: Path) -> Path:
    """Six CSV registers (lon/lat) and their config."""
    lon, lat = _TO_LONLAT.transform(frame["easting"].to_numpy(), frame["northing"].to_numpy())
    table = frame.assign(lon=np.round(lon, 7), lat=np.round(lat, 7), ref=frame.index.astype(str))
    config = ["[merge]\ndistance_m = 25\nsimilarity = 0.8\n"]
    for owner, rows in table.groupby("source_register", sort=False):
        rows[["ref", "name", "uprn", "lon", "lat"]].to_csv(directory / f"{owner}.csv", index=False)
        config.append(f'[[register]]\nname = "{owner}"\npath = "{owner}.csv"\n[register.columns]\n'
                      'site_id = "ref"\nname = "name"\nuprn = "uprn"\nlon = "lon"\nlat = "lat"\n'
                      f'[register.values]\nowner = "{owner}"\noccupier = "{owner}"\n')
    path = directory / "estate.toml"
    path.write_text("\n".join(config))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--owners", type=int, default=6)
    parser.add_argument("--merge-only", action="store_true", help="time merge_sites only, not build_estate")
    args = parser.parse_args()

    frame, buildings = synthetic_rows(args.rows, args.owners)
    rows = as_register_rows(frame)
    started = time.perf_counter()
    merged = merge_sites(rows, distance_m=25, threshold=0.8)
    merge_seconds = time.perf_counter() - started
    site_of_row = merged.rows["site_id"]
    pure = site_of_row.groupby(frame["building"]).nunique().eq(1).mean()
    print(f"merge_sites: {len(rows):,} rows → {len(merged.sites):,} sites "
          f"({int(merged.sites['shared'].sum()):,} shared) in {merge_seconds:.2f} s; "
          f"{buildings:,} buildings generated, {pure:.1%} of them recovered as one site")

    pipeline_seconds = float("nan")
    if not args.merge_only:
        with tempfile.TemporaryDirectory() as tmp:
            config = write_registers(frame, Path(tmp))
            started = time.perf_counter()
            run = build_estate(config)
            pipeline_seconds = time.perf_counter() - started
        print(f"build_estate: {run.rows_in:,} rows in, {len(run.occupancies):,} kept, {len(run.rejects):,} "
              f"rejected, {len(run.sites):,} sites in {pipeline_seconds:.2f} s")
    print(f"rows={len(rows)} owners={args.owners} buildings={buildings} sites={len(merged.sites)} "
          f"recovered={pure:.4f} merge_s={merge_seconds:.2f} build_estate_s={pipeline_seconds:.2f}")


if __name__ == "__main__":
    main()
