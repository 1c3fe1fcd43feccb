"""Build spacemap's embedded default area (Trafford) from the shared open data.

This is a developer script, not part of the installed program. It reads the real
open data in ``<shared>/trafford`` and ``<shared>/nhs_eric`` and writes, inside the
repository:

- ``census/trafford/``: the Census 2021 topic-summary tables as users download them
  from Nomis / ONS bulk (``census2021-ts001-oa.csv``: ``date``, ``geography``,
  ``geography code``, then one column per cell named by Table_Metadata's
  ``old_names``), the OA21 / OA11 / borough boundaries, the OA lookup (Trafford
  rows only) and the official 2021 OAC labels;
- ``assets/trafford/``: the partners' service points, the council's land and
  building register, postcodes, GP registrations and population estimates;
- ``assets/nhs_eric/``: the NHS estates returns (ERIC 2016/17);
- ``DATA-LICENCE.md`` and ``LICENCE-OGL3.txt`` at the repository root.

Tables held in the wide parquet are written cell for cell. The four tables held in
long format (TS003, TS007A, TS021, TS066) list only their leaf categories; every
total and sub-total cell that Table_Metadata lists is rebuilt as the sum of its
leaves, and the totals are checked against other tables (the script stops with
exit code 1 if a check fails or a label cannot be matched). Every file is written
deterministically: running the script twice gives byte-identical files.

Run from the repository root::

    python scripts/build_default_area.py --shared ../shared/data

``--shared`` defaults to ``../shared/data`` relative to the repository root;
``--out`` (default: the repository root) writes the tree somewhere else, e.g. to
compare two runs.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import shutil
import sys
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parent.parent
AREA = "trafford"
LAD_CODE = "E08000009"
EXPECTED_OAS = 738
CENSUS_DATE = "2021"
ID_COLUMNS = ["date", "geography", "geography code"]

# table id -> (long-format file in census2021_oa/, column holding the category label)
LONG_TABLES = {
    "ts003": ("2021_household_composition_oa_trafford.csv", "indicator"),
    "ts007a": ("2021_population_by_5_year_age_bands_oa_trafford.csv", "indicator"),
    "ts021": ("2021_population_ethnic_group_oa_trafford.csv", "ethnic_group"),
    "ts066": ("2021_economic_activity_status_oa_trafford.csv", "economic_activity_status"),
}

# Census 2021 counts carry ONS's cell-key perturbation: each table is perturbed on its own, so two
# published tables of one population rarely agree exactly (in Trafford TS001 and TS008, both all
# usual residents, differ in 258 of 738 OAs; TS062 and TS067, both residents 16+, in 568 OAs, by up
# to 9). A reshaped total is the sum of up to 19 perturbed leaves, so it is compared within a
# tolerance; the label matching (every leaf used exactly once) is what is checked exactly.
MAX_OA_GAP = 15  # persons or households, in any one OA
MAX_AREA_GAP = 0.001  # share of the borough total

# (table whose total is checked, published cell counting the same population, what both count)
TOTAL_CHECKS = [
    ("ts007a", "ts0010001", "usual residents: TS007A age bands vs TS001 residence type"),
    ("ts021", "ts0010001", "usual residents: TS021 ethnic group vs TS001 residence type"),
    ("ts066", "ts0620001", "residents aged 16+: TS066 economic activity vs TS062 NS-SeC"),
    ("ts066", "ts0670001", "residents aged 16+: TS066 economic activity vs TS067 qualifications"),
    ("ts003", "ts0410001", "households: TS003 household composition vs TS041 number of households"),
]

REFERENCE_PAIRS = [  # two published cells counting one population
    ("ts0010001", "ts0080001", "usual residents: TS001 vs TS008"),
    ("ts0620001", "ts0670001", "residents aged 16+: TS062 vs TS067"),
    ("ts0410001", "ts0440001", "households: TS041 vs TS044"),
]

ASSET_FILES = [  # (source under trafford/, name in assets/trafford/)
    ("estate/trafford_land_and_building_assets.csv", "trafford_land_and_building_assets.csv"),
    ("postcodes/trafford_postcodes.csv", "trafford_postcodes.csv"),
    ("postcodes/SOURCE_README.md", "postcodes_SOURCE.md"),
    ("service_use/trafford_gp_patient_registrations.csv", "trafford_gp_patient_registrations.csv"),
    ("population/mid-year_2022_population_estimates_oa.csv", "mid-year_2022_population_estimates_oa.csv"),
    ("population/mid-year_2024_population_estimates_oa.csv", "mid-year_2024_population_estimates_oa.csv"),
]

BOUNDARY_FILES = [  # (source under trafford/, name in census/trafford/)
    ("boundaries/trafford_oa21_generalised.geojson", "trafford_oa21.geojson"),
    ("boundaries/trafford_oa11_generalised.geojson", "trafford_oa11.geojson"),
    ("boundaries/trafford_lad21_generalised.geojson", "trafford_lad21.geojson"),
    ("oac2021_trafford.csv", "oac2021_trafford.csv"),
]


class BuildError(Exception):
    """The shared data does not match what this script expects."""


# --------------------------------------------------------------------------- census: wide parquet


def load_metadata(census_src: Path) -> pd.DataFrame:
    """Table_Metadata.csv: one row per cell (Table_ID, Variable_Name, new_names, old_names)."""
    meta = pd.read_csv(census_src / "Table_Metadata.csv", dtype=str, keep_default_na=False)
    if meta["new_names"].duplicated().any() or meta.duplicated(["Table_ID", "old_names"]).any():
        raise BuildError("Table_Metadata.csv repeats a new_names value, or an old_names value within a table")
    return meta


def read_parquet_tables(census_src: Path, meta: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each table of the wide parquet as a frame indexed by OA code, columns = new_names."""
    wide = pd.read_parquet(census_src / "ts_tables_trafford.parquet")
    if wide["OA"].duplicated().any():
        raise BuildError(f"parquet repeats OA codes: {sorted(set(wide['OA'][wide['OA'].duplicated()]))[:5]}")
    wide = wide.set_index("OA").sort_index()
    unknown = sorted(set(wide.columns) - set(meta["new_names"]))
    if unknown:
        raise BuildError(f"parquet columns not in Table_Metadata.csv: {unknown}")
    tables = {}
    for table_id, cells in meta.groupby("Table_ID", sort=False)["new_names"]:
        present = [c for c in cells if c in wide.columns]
        if not present:
            continue
        if len(present) != len(cells):
            raise BuildError(f"{table_id}: parquet holds only {len(present)} of its {len(cells)} cells")
        tables[table_id] = wide[list(cells)]
    return tables


def drop_blank_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Drop tables with no values at all (Wales-only tables); fail on partly blank ones."""
    kept = {}
    for table_id, frame in tables.items():
        blanks = int(frame.isna().sum().sum())
        if blanks == frame.size:
            print(f"  skipped {table_id.upper()}: every value is blank (not published for these OAs)")
        elif blanks:
            raise BuildError(f"{table_id}: {blanks} blank values among {frame.size}")
        else:
            kept[table_id] = frame
    return kept


# --------------------------------------------------------------------------- census: long tables


def label_key(label: str) -> str:
    """Compare labels loosely: case, hyphens ("One-person") and spaces around ':' ignored."""
    key = label.casefold().replace("-", " ")
    key = re.sub(r"\s+", " ", key)
    return re.sub(r"\s*:\s*", ":", key).strip()


def read_long_leaves(path: Path, label_column: str) -> pd.DataFrame:
    """A long-format table as OA × leaf label counts (labels as written in the file)."""
    long = pd.read_csv(path, dtype=str, keep_default_na=False)
    if set(long["measure"]) != {"Count"}:
        raise BuildError(f"{path.name}: expected only 'Count' measures, found {sorted(set(long['measure']))}")
    if long.duplicated(["area_code", label_column]).any():
        raise BuildError(f"{path.name}: an OA repeats a category")
    long["value"] = pd.to_numeric(long["value"], errors="raise")
    leaves = long.pivot(index="area_code", columns=label_column, values="value")
    if leaves.isna().any().any():
        raise BuildError(f"{path.name}: some OAs lack some categories")
    return leaves.sort_index()


def is_total(variable_name: str) -> bool:
    """``Total`` or ``Total: All usual residents …``."""
    key = label_key(variable_name)
    return key == "total" or key.startswith("total:")


def metadata_leaves(table_id: str, cells: pd.DataFrame) -> dict[str, str]:
    """new_names → label key of the table's leaf cells (those no other cell subdivides)."""
    keys = {
        row.new_names: label_key(row.Variable_Name) for row in cells.itertuples() if not is_total(row.Variable_Name)
    }
    if len(set(keys.values())) != len(keys):
        raise BuildError(f"{table_id}: two Table_Metadata cells normalise to the same label")
    return {name: key for name, key in keys.items() if not any(k.startswith(key + ":") for k in keys.values())}


def match_leaves(table_id: str, cells: pd.DataFrame, leaf_labels: list[str]) -> dict[str, str]:
    """Map each metadata leaf cell (new_names) to its label in the long file; fail on any gap."""
    by_key = {label_key(label): label for label in leaf_labels}
    if len(by_key) != len(leaf_labels):
        raise BuildError(f"{table_id}: two long-format labels normalise to the same key")
    meta_leaves = metadata_leaves(table_id, cells)
    unmatched_meta = sorted(set(meta_leaves.values()) - set(by_key))
    unmatched_long = sorted(set(by_key) - set(meta_leaves.values()))
    if unmatched_meta or unmatched_long:
        raise BuildError(
            f"{table_id}: labels do not match; metadata leaves with no data: {unmatched_meta}; "
            f"long-format labels with no metadata cell: {[by_key[k] for k in unmatched_long]}"
        )
    return {name: by_key[key] for name, key in meta_leaves.items()}


def widen_long_table(table_id: str, meta: pd.DataFrame, leaves: pd.DataFrame) -> pd.DataFrame:
    """All the table's metadata cells; totals and sub-totals are sums of their leaves."""
    cells = meta[meta["Table_ID"] == table_id]
    match_leaves(table_id, cells, list(leaves.columns))
    leaf_keys = {label_key(label): label for label in leaves.columns}
    values = {}
    for row in cells.itertuples():
        key = label_key(row.Variable_Name)
        if is_total(row.Variable_Name):
            members = list(leaves.columns)
        else:
            members = [lab for k, lab in leaf_keys.items() if k == key or k.startswith(key + ":")]
        if not members:
            raise BuildError(f"{table_id}: no leaf category adds up to '{row.Variable_Name}'")
        values[row.new_names] = leaves[members].sum(axis=1)
    return pd.DataFrame(values, index=leaves.index)


def print_label_differences(table_id: str, meta: pd.DataFrame, leaf_labels: list[str]) -> None:
    """Report leaf labels that differ in spelling between the long file and the metadata."""
    names = meta.set_index("new_names")["Variable_Name"]
    cells = meta[meta["Table_ID"] == table_id]
    for new_name, label in sorted(match_leaves(table_id, cells, leaf_labels).items()):
        if names[new_name] != label:
            print(f"    {table_id.upper()} label differs: long file '{label}' = metadata '{names[new_name]}'")


def read_long_tables(census_src: Path, meta: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The four long-format tables, widened to every cell Table_Metadata lists."""
    tables = {}
    for table_id, (file_name, label_column) in LONG_TABLES.items():
        leaves = read_long_leaves(census_src / file_name, label_column)
        print_label_differences(table_id, meta, list(leaves.columns))
        tables[table_id] = widen_long_table(table_id, meta, leaves)
        print(f"  reshaped {table_id.upper()} from {file_name}: {leaves.shape[1]} leaf categories "
              f"-> {tables[table_id].shape[1]} cells")
    return tables


# --------------------------------------------------------------------------- census: checks


def first_cell(table: pd.DataFrame) -> pd.Series:
    """The table's first cell: its total (the denominator of its rates)."""
    return table.iloc[:, 0]


def compare_totals(ours: pd.Series, theirs: pd.Series, what: str) -> str | None:
    """Print how two totals of one population agree; return a failure if beyond tolerance."""
    gap = ours - theirs
    area_gap = abs(gap.sum()) / theirs.sum()
    print(f"    {what}: equal in {int((gap == 0).sum())}/{len(gap)} OAs, largest OA gap "
          f"{int(gap.abs().max())}, borough {int(ours.sum())} vs {int(theirs.sum())} ({area_gap:.3%})")
    if gap.abs().max() > MAX_OA_GAP or area_gap > MAX_AREA_GAP:
        worst = gap.abs().idxmax()
        return f"{what}: gap beyond tolerance (OA {worst}: {int(gap[worst])}; borough {area_gap:.3%})"
    return None


def check_totals(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Compare each reshaped total with published totals of the same population; return failures."""
    cells = pd.concat(tables.values(), axis=1)
    print("  two published tables of one population, for scale (cell-key perturbation):")
    for cell, other_cell, what in REFERENCE_PAIRS:
        compare_totals(cells[cell], cells[other_cell], what)
    print(f"  reshaped totals (sums of leaves) vs published totals; tolerance {MAX_OA_GAP} per OA, "
          f"{MAX_AREA_GAP:.1%} of the borough:")
    failures = [compare_totals(first_cell(tables[t]), cells[o], w) for t, o, w in TOTAL_CHECKS]
    return [failure for failure in failures if failure]


def check_oa_codes(tables: dict[str, pd.DataFrame], expected: list[str]) -> None:
    """Every table covers exactly the area's OAs."""
    for table_id, frame in tables.items():
        if list(frame.index) != expected:
            raise BuildError(f"{table_id}: OA codes differ from the area's {len(expected)} OAs")


def print_zero_totals(tables: dict[str, pd.DataFrame]) -> None:
    """List OAs whose table total (a rate denominator) is zero."""
    for table_id, frame in sorted(tables.items()):
        zero = first_cell(frame).index[first_cell(frame) == 0]
        if len(zero):
            shown = ", ".join(zero[:8]) + (" …" if len(zero) > 8 else "")
            print(f"  {table_id.upper()} total is 0 in {len(zero)} OAs: {shown}")


# --------------------------------------------------------------------------- census: writing


def format_column(values: pd.Series) -> pd.Series:
    """Whole numbers as integers; otherwise the fewest decimals that keep every value."""
    for decimals in range(7):
        if (values.round(decimals) == values).all():
            return values.map(lambda v: f"{v:.{decimals}f}")
    raise BuildError(f"{values.name}: values need more than 6 decimals")


def nomis_frame(table: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """The Nomis bulk layout: date, geography, geography code, then one column per old_names."""
    old_names = meta.set_index("new_names")["old_names"]
    codes = list(table.index)
    columns = {"date": [CENSUS_DATE] * len(codes), "geography": codes, "geography code": codes}
    for cell in table.columns:
        columns[old_names[cell]] = list(format_column(table[cell]))
    return pd.DataFrame(columns)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """UTF-8, '\\n' line ends, minimal quoting (as Nomis writes)."""
    path.write_text(frame.to_csv(index=False, lineterminator="\n"), encoding="utf-8", newline="")


def write_census_tables(tables: dict[str, pd.DataFrame], meta: pd.DataFrame, out_dir: Path) -> list[Path]:
    """One census2021-<table>-oa.csv per table, in table order (TS001, TS002, …)."""
    written = []
    for table_id in sorted(tables):
        path = out_dir / f"census2021-{table_id.lower()}-oa.csv"
        write_csv(nomis_frame(tables[table_id], meta), path)
        written.append(path)
    return written


# --------------------------------------------------------------------------- other files


def copy_files(pairs: list[tuple[Path, Path]]) -> list[Path]:
    """Copy bytes unchanged."""
    for source, target in pairs:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return [target for _, target in pairs]


def write_area_lookup(source: Path, target: Path, oa_codes: list[str]) -> Path:
    """The OA → LSOA → MSOA → LAD lookup, Trafford rows only, lines kept byte for byte."""
    with source.open(encoding="utf-8", newline="") as handle:
        lines = handle.readlines()
    header = next(csv.reader(io.StringIO(lines[0])))
    lad, oa = header.index("lad22cd"), header.index("oa21cd")
    kept = [line for line in lines[1:] if next(csv.reader(io.StringIO(line)))[lad] == LAD_CODE]
    codes = sorted(next(csv.reader(io.StringIO(line)))[oa] for line in kept)
    if codes != oa_codes:
        raise BuildError(f"{source.name}: {len(codes)} Trafford rows do not match the {len(oa_codes)} OAs")
    with target.open("w", encoding="utf-8", newline="") as handle:
        handle.writelines([lines[0], *kept])
    return target


# --------------------------------------------------------------------------- licence text


def folder_section(title: str, rows: list[tuple[str, str]], source: str) -> str:
    """A DATA-LICENCE.md section: a table of files and a source line."""
    lines = [f"## {title}", "", "| file | what |", "|---|---|"]
    lines += [f"| `{name}` | {what} |" for name, what in rows]
    return "\n".join([*lines, "", source, ""])


LICENCE_TEMPLATE = """# Data licence

The code of spacemap is MIT-licensed (see `pyproject.toml`). The data shipped in `census/trafford/`,
`assets/trafford/` and `assets/nhs_eric/` is real published open data, licensed under the
**Open Government Licence v3.0** (full text in `LICENCE-OGL3.txt`,
<http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/>).

Attribution: "Contains public sector information licensed under the Open Government Licence v3.0.
Contains National Statistics data © Crown copyright and database right. Contains OS data © Crown
copyright and database right." Published by Trafford Data Lab (Trafford Council) from ONS, NHS
Digital, DfE, DWP and OS sources.

NHS estates figures: NHS Digital "Hospital Estates and Facilities Statistics" (Estates Returns
Information Collection, ERIC 2016/17); public sector information.

These files are written by `scripts/build_default_area.py` from the project's shared open-data
folder; do not edit them by hand. {n_tables} census tables are shipped. Tables not shipped:
{skipped}.
"""

CENSUS_GEOGRAPHY_ROWS = [
    ("trafford_oa21.geojson", "738 Census 2021 Output Areas, generalised clipped boundaries, EPSG:4326 (`area_code`)"),
    ("trafford_oa11.geojson", "731 Census 2011 Output Areas, generalised boundaries, EPSG:4326"),
    ("trafford_lad21.geojson", "Trafford borough outline (E08000009), EPSG:4326"),
    ("statistical_lookup_2021.csv", "OA21 → LSOA21 → MSOA21 → LAD22 lookup, Trafford's 738 rows only"),
    ("oac2021_trafford.csv", "official ONS 2021 Output Area Classification (Supergroup, Group, Subgroup)"),
]

CENSUS_SOURCE = (
    "Source: Office for National Statistics, Census 2021 topic summaries (TS tables) at Output Area level;\n"
    "ONS 2021 Output Area Classification; ONS Open Geography Portal boundaries and lookups (contains OS\n"
    "data). Published for Trafford by Trafford Data Lab. Licence: OGL v3.0."
)

FIXED_SECTIONS = [
    folder_section("assets/trafford/ — Trafford's public estate, service use and population", [
        ("trafford_land_and_building_assets.csv", "Trafford Council's land and building assets register "
         "(Local Government Transparency Code, 2023-09-29), 608 rows, as published (messy by nature)"),
        ("trafford_general_practices.csv, trafford_pharmacies.csv/.geojson, trafford_dentists.csv, "
         "trafford_care_homes.csv, trafford_hospitals.geojson", "NHS and care service points (NHS Digital, CQC)"),
        ("trafford_schools_and_colleges.csv, trafford_childrens_centres.csv", "schools and colleges with "
         "capacity; children's centres (DfE)"),
        ("trafford_jobcentreplus.csv, gm_probation_offices.csv", "DWP Jobcentre Plus offices; Greater "
         "Manchester probation offices"),
        ("trafford_fire_stations.geojson, trafford_post_offices.geojson, trafford_libraries.csv, "
         "trafford_polling_stations.csv, sports_facilities.csv, swimming_pools.csv",
         "other public service points (building polygons or lon/lat points)"),
        ("trafford_food_banks.csv, trafford_mental_health_services.csv", "services with a postcode only"),
        ("trafford_postcodes.csv, postcodes_SOURCE.md", "11,264 postcodes with lon/lat and OA-parent codes "
         "(ONS Postcode Directory); `postcodes_SOURCE.md` is the publisher's source note"),
        ("trafford_gp_patient_registrations.csv", "registered patients per GP practice (NHS Digital)"),
        ("mid-year_2022_population_estimates_oa.csv, mid-year_2024_population_estimates_oa.csv",
         "ONS mid-year population estimates by OA, sex and single year of age"),
    ], "Source: Trafford Data Lab (Trafford Council) from ONS, NHS Digital, DfE, DWP and OS sources; the\n"
       "council's register from Trafford Council. Files are copied byte for byte. Licence: OGL v3.0."),
    folder_section("assets/nhs_eric/ — NHS estates figures", [
        ("eric_site_2016-17.csv, eric_site_2016-17_sections.csv", "site-level estate figures for every "
         "NHS trust in England (rows with site code `AGGRE` are trust aggregates), and each column's section"),
        ("eric_trust_2016-17.csv, eric_trust_2016-17_sections.csv", "trust-level figures and sections"),
    ], "Source: NHS Digital, \"Hospital Estates and Facilities Statistics\" (ERIC 2016/17); public sector\n"
       "information, OGL v3.0. Copied byte for byte."),
]

CONVERSION_NOTES = """## How the census tables were converted

- Format: one CSV per table, `census2021-<table>-oa.csv`, in the layout of the ONS / Nomis bulk
  downloads: `date` (2021), `geography` (the OA code; for OAs Nomis gives the code as the name),
  `geography code` (the OA code), then one column per cell named exactly as the `old_names` column
  of ONS's Table_Metadata.csv (its spelling kept, e.g. `…students):In employment` without a
  space). Rows sorted by OA code; counts written as integers; TS006 population density keeps its
  one decimal place.
- Wide tables: the source parquet (`OA` plus one column per cell named like `ts0010001`) is
  written cell for cell. Tables whose values are all blank for these English OAs (the Welsh
  language tables) are not shipped. TS005 (passports held) was not in the source.
- Four tables were supplied in long format (one row per OA and leaf category) and reshaped:
  TS003 household composition, TS007A age in 5-year bands, TS021 ethnic group, TS066 economic
  activity status. Each leaf category was matched to its Table_Metadata cell ignoring case,
  hyphens and spaces around colons (e.g. long-format "One-person household" = metadata "One
  person household"); every Table_Metadata cell of these tables is written. Totals and sub-totals
  are the sums of their leaf categories: a sub-total (e.g. TS003 "One person household", TS066
  "Economically active (excluding full-time students):In employment") is the sum of the leaves
  whose label starts with it; the table total is the sum of all leaves.
- Checks made when building: every leaf category is used exactly once (the build stops on any
  label it cannot match). Census 2021 counts carry ONS's cell-key perturbation, applied to each
  table on its own, so two published tables of one population rarely agree exactly (TS001 and
  TS008, both all usual residents, differ in 258 of the 738 OAs; TS062 and TS067, both residents
  aged 16+, in 568, by up to 9). The rebuilt totals are therefore compared within a tolerance
  (15 per OA, 0.1% over the borough): TS007A and TS021 with TS001 usual residents, TS066 with the
  residents aged 16+ of TS062 and TS067, TS003 with TS041 number of households. Within each
  shipped table, totals equal the sums of their cells, as in the published tables.
- Table_Metadata names TS020 "Sex", with the same cell names as TS008; its counts are ONS's
  TS020, the number of non-UK short-term residents by sex (zero in 580 of the 738 OAs). It is not
  a population total and must not be used as a denominator.
"""


def census_rows(table_files: list[Path], meta: pd.DataFrame) -> list[tuple[str, str]]:
    """One row per census table written."""
    names = meta.drop_duplicates("Table_ID").set_index("Table_ID")["Table_Name"]
    rows = []
    for path in table_files:
        table_id = path.name.split("-")[1]
        how = "reshaped from long format (see below)" if table_id in LONG_TABLES else "as published"
        rows.append((path.name, f"{table_id.upper()} {names[table_id]}, {how}"))
    return rows


def licence_text(table_files: list[Path], meta: pd.DataFrame, skipped: dict[str, list[str]]) -> str:
    """The whole of DATA-LICENCE.md."""
    reasons = [f"{why}: {', '.join(t.upper() for t in tables)}" for why, tables in skipped.items() if tables]
    from_template = LICENCE_TEMPLATE.format(n_tables=len(table_files), skipped="; ".join(reasons) or "none")
    census = folder_section("census/trafford/ — Census 2021 tables and geography", [
        *census_rows(table_files, meta), *CENSUS_GEOGRAPHY_ROWS], CENSUS_SOURCE)
    return "\n".join([from_template, census, *FIXED_SECTIONS, CONVERSION_NOTES])



# --------------------------------------------------------------------------- main


def build_census(shared: Path, out: Path) -> tuple[list[Path], dict[str, list[str]], pd.DataFrame]:
    """Write census/trafford/*.csv; return the table files, skipped tables and metadata."""
    census_src = shared / AREA / "census2021_oa"
    meta = load_metadata(census_src)
    print("census tables:")
    parquet_tables = read_parquet_tables(census_src, meta)
    kept = drop_blank_tables(parquet_tables)
    tables = {**kept, **read_long_tables(census_src, meta)}
    absent = [t for t in dict.fromkeys(meta["Table_ID"]) if t not in parquet_tables and t not in LONG_TABLES]
    for table_id in absent:
        print(f"  skipped {table_id.upper()}: not in the source data")
    oa_codes = sorted(kept[next(iter(kept))].index)
    check_oa_codes(tables, oa_codes)
    print("totals checks:")
    failures = check_totals(tables)
    if failures:
        raise BuildError("totals checks failed:\n  " + "\n  ".join(failures))
    print("zero totals (denominators):")
    print_zero_totals(tables)
    out_dir = out / "census" / AREA
    out_dir.mkdir(parents=True, exist_ok=True)
    written = write_census_tables(tables, meta, out_dir)
    print(f"  wrote {len(written)} tables: {', '.join(p.name.split('-')[1].upper() for p in written)}")
    skipped = {
        "all values blank for these English OAs (Welsh-language tables)": sorted(set(parquet_tables) - set(kept)),
        "not in the source data": absent,
    }
    return written, skipped, meta


def build_geography(shared: Path, out: Path, oa_codes: list[str]) -> list[Path]:
    """Boundaries, OAC labels and the Trafford lookup into census/trafford/."""
    src, dst = shared / AREA, out / "census" / AREA
    files = copy_files([(src / s, dst / t) for s, t in BOUNDARY_FILES])
    lookup = write_area_lookup(src / "boundaries" / "statistical_lookup_2021.csv",
                               dst / "statistical_lookup_2021.csv", oa_codes)
    return [*files, lookup]


def build_assets(shared: Path, out: Path) -> list[Path]:
    """assets/trafford/ (service points, register, postcodes, use, population) and assets/nhs_eric/."""
    src, dst = shared / AREA, out / "assets" / AREA
    pairs = [(p, dst / p.name) for p in sorted((src / "assets").iterdir()) if p.is_file()]
    pairs += [(src / s, dst / t) for s, t in ASSET_FILES]
    pairs += [(p, out / "assets" / "nhs_eric" / p.name) for p in sorted((shared / "nhs_eric").glob("*.csv"))]
    return copy_files(pairs)


def report_stale(out: Path, written: list[Path]) -> None:
    """Warn about files in the output folders that this run did not write."""
    folders = [out / "census" / AREA, out / "assets" / AREA, out / "assets" / "nhs_eric"]
    stale = sorted({p for d in folders for p in d.iterdir() if p.is_file()} - set(written))
    for path in stale:
        print(f"warning: {path.relative_to(out)} was not written by this run (stale?)", file=sys.stderr)


def print_written(out: Path, written: list[Path]) -> None:
    """Every file written, with its size."""
    print(f"files written under {out}:")
    for path in sorted(written):
        print(f"  {path.stat().st_size:>10,d}  {path.relative_to(out).as_posix()}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Build spacemap's embedded default area (Trafford).")
    parser.add_argument("--shared", type=Path, default=REPO_ROOT / ".." / "shared" / "data",
                        help="the shared open-data folder (default: ../shared/data from the repository root)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT,
                        help="where to write census/, assets/ and the licence files (default: the repository root)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    shared, out = args.shared.resolve(), args.out.resolve()
    try:
        tables, skipped, meta = build_census(shared, out)
        oa_codes = sorted(pd.read_csv(tables[0], dtype=str)["geography code"])
        if len(oa_codes) != EXPECTED_OAS:
            raise BuildError(f"expected {EXPECTED_OAS} OAs, found {len(oa_codes)}")
        written = [*tables, *build_geography(shared, out, oa_codes), *build_assets(shared, out)]
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    written += copy_files([(shared / AREA / "LICENCE-OGL3.txt", out / "LICENCE-OGL3.txt")])
    licence = out / "DATA-LICENCE.md"
    licence.write_text(licence_text(tables, meta, skipped), encoding="utf-8", newline="\n")
    written.append(licence)
    report_stale(out, written)
    print_written(out, written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
