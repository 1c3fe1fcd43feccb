"""Time census ingest at England & Wales scale on synthetic Nomis bulk tables.

Generates one bulk CSV per table that the spec needs (188,880 OAs by default),
in the Nomis download layout, then times ``build_census_variables`` on them.

    python benchmarks/census_national.py [--oas 188880] [--spec oac2021]

The last line prints wall time, peak memory and the table size.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from spacemap.census.pipeline import build_census_variables
from spacemap.census.spec import load_spec


def synthetic_tables(directory: Path, spec_name: str, n_oas: int, seed: int = 0) -> None:
    """Write one Nomis-style bulk CSV per table the spec reads."""
    spec = load_spec(spec_name)
    rng = np.random.default_rng(seed)
    codes = np.array([f"E{i:08d}" for i in range(n_oas)])
    cells: dict[str, list[str]] = {}
    for variable in spec.variables:
        for cell in variable.cells:
            table, _, label = cell.partition(": ")
            cells.setdefault(table, [])
            if label not in cells[table]:
                cells[table].append(label)
    for table, labels in cells.items():
        base = rng.poisson(300, n_oas) + 50
        columns = {"date": 2021, "geography": codes, "geography code": codes}
        for label in labels:
            if label.startswith("Total") or label == "Total":
                values = base
            elif "per square kilometre" in label:
                values = rng.uniform(50, 20000, n_oas).round(1)
            else:
                values = rng.binomial(base, rng.uniform(0.01, 0.3))
            columns[f"Dimension: {label}; measures: Value"] = values
        pd.DataFrame(columns).to_csv(directory / f"census2021-{table.lower()}-oa.csv", index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--oas", type=int, default=188_880)
    parser.add_argument("--spec", default="oac2021")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        started = time.perf_counter()
        synthetic_tables(directory, args.spec, args.oas)
        print(f"generated tables in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        run = build_census_variables(census=directory, spec=args.spec, zero_denominators="zero")
        wall = time.perf_counter() - started
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"census ingest: {len(run.variables)} OAs x {len(run.spec.variables)} variables "
          f"in {wall:.1f} s wall, peak memory {peak_gb:.2f} GB")


if __name__ == "__main__":
    main()
