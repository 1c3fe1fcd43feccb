"""Every bad estate input has a clear outcome.

A bad row is rejected with a reason (and the run goes on); a bad file or config is
one line ``Error: …`` naming the file and what to fix, exit code 1, and nothing written.
"""

from __future__ import annotations

import json

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import Point

from spacemap.cli import main
from spacemap.estate.pipeline import build_estate
from tests.estate.area import COUNCIL, COUNCIL_ROWS, NHS, NHS_ROWS, lonlat, write_config, write_csv


@pytest.fixture
def cli(monkeypatch):
    monkeypatch.setitem(main._COMMANDS, "estate", "spacemap.cli.estate:estate")
    return main.cli


def _council(root, row: int, **cells):
    rows = [dict(r) for r in COUNCIL_ROWS]
    rows[row].update(cells)
    write_csv(root / "council.csv", rows)


def _nhs(root, row: int, **cells):
    rows = [dict(r) for r in NHS_ROWS]
    rows[row].update(cells)
    write_csv(root / "nhs.csv", rows)


def _council_config(root, **changes):
    council = {**COUNCIL, **changes}
    write_config(root, [council, NHS])


# ---- rows rejected with a reason: (register, spreadsheet row, words in the reason) ------------

def point_outside_area(root):
    _nhs(root, 1, lon=lonlat(395000, 392000)[0], lat=lonlat(395000, 392000)[1])
    return "nhs", 3, "outside the Test area boundary: 12.0 km beyond it (limit 250 m)"


def unknown_postcode(root):
    _council(root, 2, **{"Post Code": "M33 9ZZ"})
    return "council", 4, "postcode 'M33 9ZZ' is not in the postcode lookup"


def outward_code_only(root):
    _council(root, 2, **{"Post Code": "M33"})
    return "council", 4, "postcode 'M33' is only an outward code"


def invalid_postcode(root):
    _council(root, 2, **{"Post Code": "SALE"})
    return "council", 4, "postcode 'SALE' is not a valid UK postcode"


def negative_cost(root):
    _council(root, 1, **{"Running Cost": "-£5,000"})
    return "council", 3, "column 'Running Cost': annual running cost '-£5,000' is negative"


def cost_not_money(root):
    _council(root, 1, **{"Running Cost": "about 5k a year"})
    return "council", 3, "annual running cost 'about 5k a year' is not an amount in pounds"


def date_does_not_parse(root):
    _council(root, 1, **{"Lease End": "31/02/2030"})
    return "council", 3, "column 'Lease End': lease end '31/02/2030' is not a date"


def unknown_condition_grade(root):
    _council(root, 0, Condition="E")
    return "council", 2, "condition 'E' is not a grade A–D"


def duplicate_site_id(root):
    _council(root, 2, **{"Asset Ref": "C1"})
    return "council", 4, "duplicate site id 'C1' (first on row 2)"


def blank_site_id(root):
    _council(root, 1, **{"Asset Ref": ""})
    return "council", 3, "site id is blank"


def unparseable_floor_area(root):
    _council(root, 0, **{"GIA (sq ft)": "about 500"})
    return "council", 2, "column 'GIA (sq ft)': floor area 'about 500' is not a number"


def unknown_area_unit(root):
    _council(root, 0, **{"GIA (sq ft)": "500 furlongs"})
    return "council", 2, "floor area unit 'furlongs' is not known"


def zero_floor_area(root):
    _council(root, 0, **{"GIA (sq ft)": "0"})
    return "council", 2, "floor area '0' is not positive"


def lease_end_before_break(root):
    _council(root, 1, **{"Lease End": "2027-03-31", "Break": "2029-03-31"})
    return "council", 3, "lease break 2029-03-31 is after lease end 2027-03-31"


def unknown_tenure(root):
    _council(root, 0, Tenure="Squatted")
    return "council", 2, "tenure 'Squatted' is not freehold, leasehold or licence"


def no_location(root):
    _council(root, 2, **{"Post Code": ""})
    return "council", 4, "no location: no coordinates and no postcode"


def coordinates_outside_great_britain(root):
    _nhs(root, 0, lon=10.5, lat=40.2)
    return "nhs", 2, "longitude/latitude (10.5, 40.2) is not in Great Britain"


def lonlat_in_easting_columns(root):
    _council(root, 1, Easting="-2.31", Northing="53.42")
    return "council", 3, "look like longitude/latitude; map them as lon/lat"


def only_one_coordinate(root):
    _nhs(root, 1, lat="")
    return "nhs", 3, "only one of longitude/latitude is given"


def unknown_service_type(root):
    _nhs(root, 1, Services="gp; gym")
    return "nhs", 3, "service 'gym' is not a service type"


def bad_uprn(root):
    _council(root, 0, UPRN="UPRN-12")
    return "council", 2, "UPRN 'UPRN-12' is not a number of up to 12 digits"


ROW_CASES = [point_outside_area, unknown_postcode, outward_code_only, invalid_postcode, negative_cost,
             cost_not_money, date_does_not_parse, unknown_condition_grade, duplicate_site_id, blank_site_id,
             unparseable_floor_area, unknown_area_unit, zero_floor_area, lease_end_before_break, unknown_tenure,
             no_location, coordinates_outside_great_britain, lonlat_in_easting_columns, only_one_coordinate,
             unknown_service_type, bad_uprn]


@pytest.mark.parametrize("case", ROW_CASES, ids=lambda f: f.__name__)
def test_bad_row_is_rejected_with_its_reason(case, estate_dir):
    register, row, reason = case(estate_dir)
    run = build_estate(estate_dir / "estate.toml")
    assert len(run.rejects) == 1
    reject = run.rejects.iloc[0]
    assert (reject["source_register"], reject["source_row"]) == (register, row)
    assert reason in reject["reason"], reject["reason"]
    assert json.loads(reject["record"]), "the rejected row's original cells are kept"
    occupancies = run.occupancies
    assert len(occupancies) + len(run.rejects) == len(COUNCIL_ROWS) + len(NHS_ROWS) == run.rows_in
    assert (register, row) not in set(zip(occupancies["source_register"], occupancies["source_row"], strict=True))


def test_rejects_are_written_with_reason_and_original_cells(estate_dir, cli):
    _council(estate_dir, 0, Condition="E", **{"GIA (sq ft)": "lots"})
    out = estate_dir / "out"
    result = CliRunner().invoke(cli, ["-q", "estate", "-o", str(out), "--config", str(estate_dir / "estate.toml")])
    assert result.exit_code == 0, result.output
    rejects = pd.read_csv(out / "estate_rejects.csv", dtype=str)
    assert rejects.columns.tolist() == ["source_register", "source_row", "name", "reason", "record"]
    reject = rejects.iloc[0]
    assert (reject["source_register"], reject["source_row"], reject["name"]) == ("council", "2", "Sale Waterside")
    assert reject["reason"] == ("column 'GIA (sq ft)': floor area 'lots' is not a number; "
                                "column 'Condition': condition 'E' is not a grade A–D")
    assert json.loads(reject["record"])["Site Name"] == "Sale Waterside"
    assert len(gpd.read_file(out / "estate.gpkg", layer="occupancies")) == len(COUNCIL_ROWS) + len(NHS_ROWS) - 1


# ---- whole-file problems: one line naming the file and the fix, exit 1, nothing written ---------

def register_not_found(root):
    (root / "nhs.csv").unlink()
    return ["register 'nhs'", "nhs.csv does not exist", "check path in the config"]


def empty_register(root):
    (root / "nhs.csv").write_text("")
    return ["register 'nhs'", "nhs.csv is empty"]


def blank_lines_only(root):
    (root / "nhs.csv").write_text("\n\n")
    return ["register 'nhs'", "nhs.csv is empty"]


def header_without_rows(root):
    (root / "nhs.csv").write_text(",".join(NHS_ROWS[0]) + "\n")
    return ["register 'nhs'", "nhs.csv has a header but no rows"]


def config_not_found(root):
    (root / "estate.toml").unlink()
    return ["estate config", "estate.toml does not exist", "--config"]


def toml_syntax_error(root):
    path = root / "estate.toml"
    path.write_text(path.read_text().replace('name = "council"', 'name = "council'))
    return ["estate.toml is not valid TOML", "line"]


def unknown_field_in_column_map(root):
    _council_config(root, columns={**COUNCIL["columns"], "gia": "GIA (sq ft)"})
    return ["register 'council'", "[register.columns] gia is not a field", "floor_area"]


def missing_column_named_in_map(root):
    _council_config(root, columns={**COUNCIL["columns"], "name": "Site Title"})
    return ["register 'council'", "[register.columns] name = 'Site Title' is not a heading of council.csv",
            "row 1 has 'Asset Ref', 'Site Name'", "fix the column map or set header_row"]


def missing_derive_column(root):
    _council_config(root, derive={"owner_type": {"column": "Type", "map": {"A": "academy trust"}}})
    return ["[register.derive.owner_type] column = 'Type' is not a heading of council.csv"]


def duplicate_heading(root):
    text = (root / "council.csv").read_text().replace("Use", "Condition", 1)
    (root / "council.csv").write_text(text)
    return ["heading 'Condition' appears more than once on row 1 of council.csv (columns L, M)"]


def unknown_config_key(root):
    path = root / "estate.toml"
    path.write_text(path.read_text().replace("[merge]\n", "[merge]\nradius = 30\n"))
    return ["[merge] has unknown key 'radius'", "distance_m"]


def unknown_area_unit_in_config(root):
    _council_config(root, values={**COUNCIL["values"], "area_unit": "furlongs"})
    return ["[register.values] area_unit = 'furlongs' is not a known unit"]


def unknown_service_in_config(root):
    _council_config(root, values={**COUNCIL["values"], "services": "gym"})
    return ["[register.values] services: 'gym' is not a service type"]


def register_without_location(root):
    columns = {k: v for k, v in COUNCIL["columns"].items() if k not in ("easting", "northing", "postcode")}
    _council_config(root, columns=columns)
    return ["register 'council': no location", "map lon and lat, easting and northing, or postcode"]


def unsupported_format(root):
    (root / "council.ods").write_bytes(b"PK\x03\x04")
    _council_config(root, path="council.ods")
    return ["council.ods is not a register format spacemap reads", "CSV, XLSX"]


def unknown_sheet_name(root):
    book = openpyxl.Workbook()
    book.active.title = "Assets"
    book.active.append(list(COUNCIL_ROWS[0]))
    book.save(root / "council.xlsx")
    _council_config(root, path="council.xlsx", sheet="Sites")
    return ["register 'council'", "sheet = 'Sites' is not in council.xlsx (sheets: Assets)"]


def not_a_workbook(root):
    (root / "council.xlsx").write_text("this is not a workbook")
    _council_config(root, path="council.xlsx")
    return ["council.xlsx is not a readable XLSX workbook"]


def merged_heading_cell(root):
    book = openpyxl.Workbook()
    sheet = book.active
    headings = list(COUNCIL_ROWS[0])
    sheet.append(headings)
    sheet.merge_cells("B1:C1")  # 'Site Name' spans B and C; 'UPRN' is lost under the merge
    for row in COUNCIL_ROWS:
        sheet.append(list(row.values()))
    book.save(root / "council.xlsx")
    _council_config(root, path="council.xlsx", header_row=1)
    return ["[register.columns] uprn = 'UPRN' is not a heading of council.xlsx"]


def merged_cell_over_mapped_heading(root):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(COUNCIL_ROWS[0]) + ["Notes"])
    sheet.merge_cells("M1:N1")  # 'Use' merged with the unmapped 'Notes'
    for row in COUNCIL_ROWS:
        sheet.append(list(row.values()))
    book.save(root / "council.xlsx")
    _council_config(root, path="council.xlsx")
    return ["heading 'Use' on row 1 of council.xlsx is a merged cell (M1:N1)", "unmerge it"]


def header_row_beyond_end(root):
    _council_config(root, header_row=40)
    return ["header_row = 40 but council.csv has 4 rows"]


def geojson_bng_without_crs(root):
    features = [{"type": "Feature", "properties": {"name": "Depot"},
                 "geometry": {"type": "Point", "coordinates": [378500.0, 392500.0]}}]
    (root / "fire.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    write_config(root, [COUNCIL, {"name": "fire", "path": "fire.geojson", "columns": {"name": "name"}}])
    return ["register 'fire'", "fire.geojson is labelled EPSG:4326 (degrees) but its coordinates look projected",
            'set crs = "EPSG:…" on the register']


def geopackage_without_crs(root):
    frame = gpd.GeoDataFrame({"name": ["Depot"]}, geometry=[Point(378500.0, 392500.0)], crs=None)
    frame.to_file(root / "fire.gpkg", driver="GPKG", engine="pyogrio")
    write_config(root, [COUNCIL, {"name": "fire", "path": "fire.gpkg", "columns": {"name": "name"}}])
    return ["register 'fire'", "fire.gpkg has no coordinate reference system", 'add crs = "EPSG:27700"']


def bad_crs_in_config(root):
    frame = gpd.GeoDataFrame({"name": ["Depot"]}, geometry=[Point(378500.0, 392500.0)], crs="EPSG:27700")
    frame.to_file(root / "fire.gpkg", driver="GPKG", engine="pyogrio")
    write_config(root, [COUNCIL, {"name": "fire", "path": "fire.gpkg", "crs": "EPSG:99999",
                                  "columns": {"name": "name"}}])
    return ["crs = 'EPSG:99999' is not a coordinate reference system"]


def metres_mapped_as_lonlat(root):
    rows = [{**row, "lon": 378000 + i, "lat": 393000} for i, row in enumerate(NHS_ROWS)]
    write_csv(root / "nhs.csv", rows)
    return ["register 'nhs' (nhs.csv): columns 'lon' and 'lat' are mapped as lon and lat but hold metres",
            "(row values 378000, 393000)", "map them as easting and northing"]


def degrees_mapped_as_easting_northing(root):
    rows = [{**row, "Easting": -2.3, "Northing": 53.4} for row in COUNCIL_ROWS]
    write_csv(root / "council.csv", rows)
    return ["columns 'Easting' and 'Northing' are mapped as easting and northing but hold degrees",
            "map them as lon and lat"]


def same_register_name_twice(root):
    write_config(root, [COUNCIL, {**NHS, "name": "council"}])
    return ["register name 'council' is used twice"]


def similarity_out_of_range(root):
    write_config(root, [COUNCIL, NHS], merge={"similarity": 80})
    return ["[merge] similarity = 80 must be between 0 and 1"]


def assumption_without_source(root):
    (root / "assumptions.csv").write_text("match_field,match_value,field,value,source,reason\n"
                                          "name,Sale Waterside,floor_area_m2,900,,because\n")
    write_config(root, [COUNCIL, NHS], top='assumptions = "assumptions.csv"')
    return ["assumptions.csv, row 2, column 'source': blank; every estimate must say its source"]


def assumption_of_unknown_field(root):
    (root / "assumptions.csv").write_text("match_field,match_value,field,value,source,reason\n"
                                          "name,Sale Waterside,floor_area,900,survey,because\n")
    write_config(root, [COUNCIL, NHS], top='assumptions = "assumptions.csv"')
    return ["assumptions.csv, row 2, column 'field': 'floor_area' cannot be estimated", "floor_area_m2"]


def postcode_lookup_without_coordinates(root):
    (root / "postcodes.csv").write_text("postcode,ward\nM33 7ZF,Sale\n")
    return ["postcode lookup", "postcodes.csv needs lon and lat (or easting and northing) columns"]


def empty_postcode_lookup(root):
    (root / "postcodes.csv").write_text("")
    return ["postcode lookup", "postcodes.csv is not a readable CSV", "postcode, lon and lat"]


FILE_CASES = [register_not_found, empty_register, blank_lines_only, header_without_rows, config_not_found,
              toml_syntax_error, unknown_field_in_column_map, missing_column_named_in_map, missing_derive_column,
              duplicate_heading, unknown_config_key, unknown_area_unit_in_config, unknown_service_in_config,
              register_without_location, unsupported_format, unknown_sheet_name, not_a_workbook, merged_heading_cell,
              merged_cell_over_mapped_heading, header_row_beyond_end, geojson_bng_without_crs, geopackage_without_crs,
              bad_crs_in_config, metres_mapped_as_lonlat, degrees_mapped_as_easting_northing,
              same_register_name_twice, similarity_out_of_range, assumption_without_source,
              assumption_of_unknown_field, postcode_lookup_without_coordinates, empty_postcode_lookup]


@pytest.mark.parametrize("case", FILE_CASES, ids=lambda f: f.__name__)
def test_bad_file_is_one_error_line_and_writes_nothing(case, estate_dir, cli):
    expected = case(estate_dir)
    out = estate_dir / "out"
    result = CliRunner().invoke(cli, ["-q", "estate", "-o", str(out), "--config", str(estate_dir / "estate.toml")])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    errors = [line for line in lines if line.startswith("Error: ")]
    assert errors == lines and len(errors) == 1 and "Traceback" not in result.output, result.output
    for words in expected:
        assert words in errors[0], f"{words!r} not in {errors[0]!r}"
    assert not out.exists()
    assert not [p for p in estate_dir.iterdir() if p.name.startswith(".out")]
