"""Check the built-in variable specs (census/specs/oac2021.toml, oac2011.toml) on real data.

What it proves:
1. structure: required keys, valid forms, unique codes; every oac2011 variable names its
   2021 counterpart, and oac2011 variables + [[unmatched]] cover the 60 oac2021 codes;
2. every 2021 cell resolves to a column of the ONS/Nomis bulk download (Table_Metadata.csv
   ``old_names``, by the label rule of spacemap.io.census) and, when present, to a header of
   the embedded Nomis bulk CSVs in census/trafford/; every 2011 cell is a column of the
   Leicestershire u-variables file;
3. every percentage / value variable computed for Trafford 2021 (ts_tables_trafford.parquet
   plus the long CSVs for TS003, TS007A, TS021, TS066, whose totals are sums of leaves) and
   for Leicestershire 2011 is plausible: percentages within [0, 100], not constant, not
   entirely missing. Zero denominators are counted. The SIR's cells are checked for
   coverage (18 TS007A leaves, same population as TS038);
4. for information, the correlation across the same OAs of each 2011 variable with its 2021
   counterpart (Leicestershire 2011 vs Leicestershire 2021, where the 2021 tables exist).

Run from the repository root (pandas and pyarrow needed):
    /work/venv/bin/python scripts/check_specs.py [--data /work/shared/data]
Exit status 0 when every check passes, 1 otherwise (the failures are listed).
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "census" / "specs"
EMBEDDED = ROOT / "census" / "trafford"
FORMS = {"percentage", "value", "sir"}
SUFFIX = "; measures: Value"
LONG_TABLES = {  # table -> (file, category column)
    "TS003": ("2021_household_composition_oa_trafford.csv", "indicator"),
    "TS007A": ("2021_population_by_5_year_age_bands_oa_trafford.csv", "indicator"),
    "TS021": ("2021_population_ethnic_group_oa_trafford.csv", "ethnic_group"),
    "TS066": ("2021_economic_activity_status_oa_trafford.csv", "economic_activity_status"),
}


def cell_key(table: str, header: str) -> str:
    """``TS001: Total`` for bulk header ``Residence type: Total; measures: Value`` of ts001."""
    label = header[: -len(SUFFIX)] if header.endswith(SUFFIX) else header
    _, sep, rest = label.partition(": ")
    return f"{table.upper()}: {rest if sep else label}"


def cells_of(variable: dict) -> list[str]:
    return [*variable.get("numerator", []), *variable.get("denominator", []), *variable.get("age_groups", [])]


# ----------------------------------------------------------------------------- structure

def check_variable(variable: dict, where: str) -> list[str]:
    """Problems with one [[variable]] table."""
    problems = []
    for key in ("code", "name", "description", "form", "numerator"):
        if not variable.get(key):
            problems.append(f"{where}: missing '{key}'")
    form = variable.get("form")
    if form not in FORMS:
        problems.append(f"{where}: form '{form}' is not one of {sorted(FORMS)}")
    has_denominator = bool(variable.get("denominator"))
    if form == "percentage" and not has_denominator:
        problems.append(f"{where}: a percentage needs a denominator")
    if form == "value" and (len(variable.get("numerator", [])) != 1 or has_denominator):
        problems.append(f"{where}: a value takes exactly one numerator cell and no denominator")
    if form == "sir" and (not variable.get("age_groups") or has_denominator):
        problems.append(f"{where}: a sir needs age_groups and no denominator")
    if variable.get("reference_rates") and len(variable["reference_rates"]) != len(variable.get("age_groups", [])):
        problems.append(f"{where}: reference_rates needs one rate per age group")
    for cell in cells_of(variable):
        if not isinstance(cell, str) or not cell:
            problems.append(f"{where}: cell {cell!r} is not a non-empty string")
    if len(set(variable.get("numerator", []))) != len(variable.get("numerator", [])):
        problems.append(f"{where}: a numerator cell is listed twice")
    return problems


def check_structure(specs: dict[str, dict]) -> list[str]:
    """Both specs well-formed, and oac2011 lined up with oac2021 by code."""
    problems = []
    for name, spec in specs.items():
        for key in ("name", "title", "description", "census_year", "source", "oa_code_column", "variable"):
            if key not in spec:
                problems.append(f"{name}: missing top-level '{key}'")
        codes = [v.get("code") for v in spec.get("variable", [])]
        if len(codes) != len(set(codes)):
            problems.append(f"{name}: duplicate variable codes")
        for i, variable in enumerate(spec.get("variable", []), 1):
            problems += check_variable(variable, f"{name} variable {i} ({variable.get('code')})")
    new, old = specs["oac2021"], specs["oac2011"]
    names_2021 = {v["code"]: v["name"] for v in new["variable"]}
    if list(names_2021) != [f"v{i:02d}" for i in range(1, 61)]:
        problems.append("oac2021: codes are not v01..v60 in order")
    for variable in old["variable"]:
        code = variable["code"]
        if variable.get("counterpart_2021") != code or not variable.get("evidence"):
            problems.append(f"oac2011 {code}: needs counterpart_2021 = '{code}' and an evidence text")
        if names_2021.get(code) != variable["name"]:
            problems.append(f"oac2011 {code}: name differs from oac2021 ('{names_2021.get(code)}')")
    unmatched = [u["code"] for u in old.get("unmatched", [])]
    for entry in old.get("unmatched", []):
        if not entry.get("reason") or names_2021.get(entry["code"]) != entry.get("name"):
            problems.append(f"oac2011 unmatched {entry.get('code')}: needs the oac2021 name and a reason")
    covered = sorted([v["code"] for v in old["variable"]] + unmatched)
    if covered != sorted(names_2021):
        problems.append("oac2011: variables + unmatched do not cover the 60 oac2021 codes exactly once")
    return problems


# ----------------------------------------------------------------------------- resolution

def metadata_keys(metadata: pd.DataFrame) -> dict[str, str]:
    """Cell key -> parquet column name, for every 2021 cell of the bulk download."""
    keys = {}
    for row in metadata.itertuples():
        keys[cell_key(row.Table_ID, row.old_names)] = row.new_names
    return keys


def embedded_keys() -> set[str] | None:
    """Cell keys of the embedded Nomis bulk CSVs in census/trafford/ (None when absent)."""
    files = sorted(EMBEDDED.glob("census2021-ts*-oa.csv")) if EMBEDDED.is_dir() else []
    if not files:
        return None
    keys = set()
    for path in files:
        table = path.name.split("-")[1]
        header = pd.read_csv(path, nrows=0).columns
        keys.update(cell_key(table, h) for h in header if h not in ("date", "geography", "geography code"))
    return keys


def check_resolution(specs: dict[str, dict], keys_2021: dict[str, str], columns_2011: set[str]) -> list[str]:
    """Every cell of both specs names a real column."""
    problems = []
    embedded = embedded_keys()
    for variable in specs["oac2021"]["variable"]:
        for cell in cells_of(variable):
            if cell not in keys_2021:
                problems.append(f"oac2021 {variable['code']}: cell '{cell}' is not in Table_Metadata old_names")
            elif embedded is not None and cell not in embedded:
                problems.append(f"oac2021 {variable['code']}: cell '{cell}' has no header in {EMBEDDED}")
    for variable in specs["oac2011"]["variable"]:
        for cell in cells_of(variable):
            if cell not in columns_2011:
                problems.append(f"oac2011 {variable['code']}: cell '{cell}' is not a u-variables column")
    cells = {c for s in specs.values() for v in s["variable"] for c in cells_of(v)}
    print(f"Resolved {len(cells)} distinct cells; embedded bulk CSVs "
          f"{'checked' if embedded is not None else 'not found, skipped'}.")
    return problems


# ----------------------------------------------------------------------------- 2021 counts

def normalise(label: str) -> str:
    """Compare labels across downloads: 'One-person household' == 'One person household'."""
    return re.sub(r"[\s\-]", "", label).lower()


def long_table(path: Path, column: str, table: str, keys: dict[str, str]) -> pd.DataFrame:
    """Every metadata cell of a long-format table as a sum of its leaf categories."""
    raw = pd.read_csv(path)
    wide = raw.pivot_table(index="area_code", columns=column, values="value", aggfunc="sum")
    labels = {normalise(key[len(table) + 2:]): key for key in keys if key.startswith(f"{table}: ")}
    leaves = {leaf: normalise(leaf) for leaf in wide.columns}
    strangers = [leaf for leaf, norm in leaves.items() if norm not in labels]
    if strangers:
        raise SystemExit(f"{path.name}: categories not in Table_Metadata: {strangers}")
    out = {}
    for target, key in labels.items():
        if target.startswith("total"):
            out[key] = wide.sum(axis=1)
            continue
        parts = [leaf for leaf, norm in leaves.items() if norm == target or norm.startswith(target + ":")]
        if parts:
            out[key] = wide[parts].sum(axis=1)
    return pd.DataFrame(out)


def trafford_counts(data: Path, keys: dict[str, str], needed: set[str]) -> pd.DataFrame:
    """Trafford 2021 counts, one column per cell key, index = OA code; ``needed`` cells complete."""
    folder = data / "trafford" / "census2021_oa"
    parquet = pd.read_parquet(folder / "ts_tables_trafford.parquet").set_index("OA")
    by_column = {column: key for key, column in keys.items() if column in parquet.columns}
    frames = [parquet[list(by_column)].rename(columns=by_column)]
    for table, (name, column) in LONG_TABLES.items():
        frames.append(long_table(folder / name, column, table, keys))
    counts = pd.concat(frames, axis=1)
    blank = [cell for cell in sorted(needed) if cell in counts and counts[cell].isna().any()]
    if counts.index.duplicated().any() or blank:
        raise SystemExit(f"Trafford 2021 tables: duplicate OAs or blank values in {blank}")
    return counts.astype(float)


# ----------------------------------------------------------------------------- values

def compute(spec: dict, counts: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Percentage and value variables (sir skipped), and zero-denominator counts per code."""
    values, zeros = {}, {}
    for variable in spec["variable"]:
        cells = cells_of(variable)
        if variable["form"] == "sir" or not set(cells) <= set(counts.columns):
            continue
        numerator = counts[variable["numerator"]].sum(axis=1)
        if variable["form"] == "value":
            values[variable["code"]] = numerator
            continue
        denominator = counts[variable["denominator"]].sum(axis=1)
        zeros[variable["code"]] = int((denominator == 0).sum())
        values[variable["code"]] = 100 * numerator / denominator.where(denominator != 0)
    return pd.DataFrame(values, index=counts.index), zeros


def not_computed(label: str, spec: dict, values: pd.DataFrame) -> list[str]:
    """Percentage / value variables whose cells the data lacks."""
    wanted = [v["code"] for v in spec["variable"] if v["form"] != "sir"]
    return [f"{label} {code}: not computable from the data" for code in wanted if code not in values.columns]


def summarise(label: str, spec: dict, values: pd.DataFrame, zeros: dict[str, int]) -> list[str]:
    """Print min/median/max per variable; problems for out-of-range, constant or empty ones."""
    problems = []
    forms = {v["code"]: v["form"] for v in spec["variable"]}
    print(f"\n{label}: {len(values)} OAs, {values.shape[1]} variables computed")
    print(f"{'code':5} {'form':10} {'min':>9} {'median':>9} {'max':>9} {'zero den':>8}  name")
    names = {v["code"]: v["name"] for v in spec["variable"]}
    for code in values.columns:
        column = values[code].dropna()
        stats = (column.min(), column.median(), column.max()) if len(column) else (float("nan"),) * 3
        print(f"{code:5} {forms[code]:10} {stats[0]:9.2f} {stats[1]:9.2f} {stats[2]:9.2f} "
              f"{zeros.get(code, 0):8d}  {names[code][:48]}")
        if column.empty:
            problems.append(f"{label} {code}: entirely missing")
        elif column.nunique() <= 1:
            problems.append(f"{label} {code}: constant ({column.iloc[0]})")
        if forms[code] == "percentage" and len(column) and (column.min() < 0 or column.max() > 100 + 1e-9):
            problems.append(f"{label} {code}: percentage outside [0, 100] ({stats[0]:.2f}..{stats[2]:.2f})")
    print(f"Zero denominators: {sum(zeros.values())} OA-variable pairs "
          f"({', '.join(f'{c}: {n}' for c, n in zeros.items() if n) or 'none'})")
    return problems


def check_sir(spec: dict, counts: pd.DataFrame, keys: dict[str, str]) -> list[str]:
    """The SIR's age groups are the TS007A leaves and cover the TS038 population."""
    problems = []
    leaves = [k for k in keys if k.startswith("TS007A: ") and k != "TS007A: Total"]
    for variable in (v for v in spec["variable"] if v["form"] == "sir"):
        if sorted(variable["age_groups"]) != sorted(leaves):
            problems.append(f"oac2021 {variable['code']}: age_groups are not the 18 TS007A five-year bands")
            continue
        population = counts[variable["age_groups"]].sum(axis=1)
        observed = counts[variable["numerator"]].sum(axis=1)
        gap = (population - counts["TS038: Total: All usual residents"]).abs()
        print(f"\nSIR {variable['code']}: observed / age-band population median "
              f"{(observed / population).median():.3f}; |age-band total - TS038 total| max {gap.max():.0f}, "
              f"mean {gap.mean():.2f} (ONS perturbs each table separately)")
        if (observed > population).any() or gap.max() > 0.05 * population.max():
            problems.append(f"oac2021 {variable['code']}: age bands do not cover the observed population")
    return problems


# ----------------------------------------------------------------------------- 2011 vs 2021

def leicestershire_2021(data: Path, keys: dict[str, str], spec: dict) -> pd.DataFrame:
    """oac2021 variables computable from the Leicestershire 2021 parquet (no long tables)."""
    parquet = pd.read_parquet(data / "leicestershire" / "census2021" / "ts_tables_leicestershire.parquet")
    parquet = parquet.set_index("OA")
    by_column = {column: key for key, column in keys.items() if column in parquet.columns}
    counts = parquet[list(by_column)].rename(columns=by_column).astype(float)
    return compute(spec, counts)[0]


def compare_vintages(new: pd.DataFrame, old: pd.DataFrame) -> list[str]:
    """Correlation of each 2011 variable with its 2021 counterpart on the shared OAs."""
    shared = new.index.intersection(old.index)
    codes = [c for c in old.columns if c in new.columns]
    print(f"\n2011 vs 2021 counterparts, Leicestershire, {len(shared)} unchanged OAs "
          f"({len(codes)} variables with both vintages):")
    problems, line = [], []
    for code in codes:
        r = old.loc[shared, code].corr(new.loc[shared, code])
        line.append(f"{code} {r:.2f}")
        if not r > 0:
            problems.append(f"{code}: 2011 and 2021 values are not positively correlated (r = {r:.2f})")
    for i in range(0, len(line), 8):
        print("  " + "   ".join(line[i:i + 8]))
    return problems


# ----------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"), help="shared data folder")
    data = parser.parse_args(argv).data
    specs = {name: tomllib.loads((SPECS / f"{name}.toml").read_text(encoding="utf-8"))
             for name in ("oac2021", "oac2011")}
    problems = check_structure(specs)
    metadata = pd.read_csv(data / "trafford" / "census2021_oa" / "Table_Metadata.csv")
    keys = metadata_keys(metadata)
    wide = pd.read_csv(data / "leicestershire" / "census2011" / "oac2011_candidate_variables_leicestershire.csv")
    problems += check_resolution(specs, keys, set(wide.columns))
    if not problems:
        counts = trafford_counts(data, keys, {c for v in specs["oac2021"]["variable"] for c in cells_of(v)})
        values, zeros = compute(specs["oac2021"], counts)
        problems += not_computed("Trafford 2021", specs["oac2021"], values)
        problems += summarise("Trafford 2021 (oac2021)", specs["oac2021"], values, zeros)
        problems += check_sir(specs["oac2021"], counts, keys)
        old_counts = wide.set_index("OA11CD").select_dtypes("number").astype(float)
        old, zeros = compute(specs["oac2011"], old_counts)
        problems += not_computed("Leicestershire 2011", specs["oac2011"], old)
        problems += summarise("Leicestershire 2011 (oac2011)", specs["oac2011"], old, zeros)
        problems += compare_vintages(leicestershire_2021(data, keys, specs["oac2021"]), old)
    print()
    for problem in problems:
        print(f"FAIL {problem}")
    print("All spec checks passed." if not problems else f"{len(problems)} problem(s).")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
