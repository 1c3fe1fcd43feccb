"""Ship the Leicestershire 2011 → 2021 census pair for spacemap's refresh tests and examples.

Developer script, not part of the installed program. Writes, inside the repository:

- ``census/leicestershire/census2021/``: the Census 2021 topic-summary tables held in
  ``<shared>/leicestershire/census2021/ts_tables_leicestershire.parquet`` in the Nomis bulk
  layout (``census2021-ts001-oa.csv`` …), cell names from Table_Metadata ``old_names``;
  only the tables the ``oac2021`` spec reads. The source holds no TS003,
  TS007A, TS021 or TS066, so oac2021 variables built from those need ``--allow-missing``;
- ``census/leicestershire/oac2021_leicestershire.csv``: the official 2021 OAC labels.

The 2011 u-variables (``oac2011_candidate_variables_*.csv``) were shipped by
``build_default_area.py``'s companion step and are left as they are.

    python scripts/build_leicestershire.py --shared ../shared/data
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_default_area import drop_blank_tables, load_metadata, nomis_frame, write_csv  # noqa: E402

from spacemap.census.spec import load_spec  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO_ROOT / ".." / "shared" / "data")
    args = parser.parse_args()
    source = args.shared.resolve() / "leicestershire"
    meta = load_metadata(source / "census2021")
    wide = pd.read_parquet(source / "census2021" / "ts_tables_leicestershire.parquet").set_index("OA").sort_index()
    tables = {}
    for table_id, cells in meta.groupby("Table_ID", sort=False)["new_names"]:
        present = [c for c in cells if c in wide.columns]
        if present:
            tables[table_id] = wide[present]
    needed = {cell.split(":")[0].lower() for v in load_spec("oac2021").variables for cell in v.cells}
    kept = {t: frame for t, frame in drop_blank_tables(tables).items() if t in needed}
    out = REPO_ROOT / "census" / "leicestershire" / "census2021"
    out.mkdir(parents=True, exist_ok=True)
    for table_id in sorted(kept):
        write_csv(nomis_frame(kept[table_id], meta), out / f"census2021-{table_id.lower()}-oa.csv")
    shutil.copyfile(source / "oac2021_leicestershire.csv",
                    REPO_ROOT / "census" / "leicestershire" / "oac2021_leicestershire.csv")
    print(f"wrote {len(kept)} tables for {len(wide)} OAs to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
