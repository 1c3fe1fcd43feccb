"""Every bad census input gives one clear ``Error:`` line, exit code 1, and no output."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely.geometry import box

from spacemap.cli.main import cli
from tests.census.area import OAS, TS001, TS054, census_args, write_boundaries, write_table


def _edit_ts001(area, column: str, row: int, value) -> None:
    cells = {k: list(v) for k, v in TS001.items()}
    cells[column][row] = value
    write_table(area["census"], "ts001", cells)


def missing_census_dir(area):
    area["census"] = area["root"] / "nowhere"
    return ["nowhere does not exist"]


def empty_table(area):
    (area["census"] / "census2021-ts054-oa.csv").write_text("")
    return ["census2021-ts054-oa.csv is empty"]


def header_only_table(area):
    path = area["census"] / "census2021-ts054-oa.csv"
    path.write_text(path.read_text().splitlines()[0] + "\n")
    return ["census2021-ts054-oa.csv has a header but no rows"]


def renamed_column(area):
    cells = {k.replace("Social rented", "Social housing"): v for k, v in TS054.items()}
    write_table(area["census"], "ts054", cells)
    return ["census2021-ts054-oa.csv has no column for 'TS054: Social rented'", "rented", "--allow-missing"]


def missing_table(area):
    (area["census"] / "census2021-ts054-oa.csv").unlink()
    return ["table TS054 not found", "census2021-ts054-oa.csv", "--allow-missing"]


def non_numeric_count(area):
    _edit_ts001(area, "Residence type: Total; measures: Value", 1, "n/a")
    return ["census2021-ts001-oa.csv, row 3, column 'Residence type: Total; measures: Value'", "'n/a' is not a number"]


def negative_count(area):
    _edit_ts001(area, "Residence type: Lives in a communal establishment; measures: Value", 2, -4)
    return ["census2021-ts001-oa.csv, row 4, column 'Residence type: Lives in a communal establishment; "
            "measures: Value'", "is negative"]


def blank_count(area):
    _edit_ts001(area, "Residence type: Total; measures: Value", 0, "")
    return ["census2021-ts001-oa.csv, row 2, column 'Residence type: Total; measures: Value'", "blank"]


def duplicate_oa_codes(area):
    write_table(area["census"], "ts001", TS001, oas=[OAS[0], OAS[1], OAS[0]])
    return ["census2021-ts001-oa.csv, row 4, column 'geography code'", "E00000001 appears again (first on row 2)"]


def missing_code_column(area):
    path = area["census"] / "census2021-ts001-oa.csv"
    path.write_text(path.read_text().replace("geography code", "geo code", 1))
    return ["census2021-ts001-oa.csv, row 1", "no 'geography code' column"]


def zero_denominator(area):
    tenure = {k: list(v) for k, v in TS054.items()}
    for column in tenure:
        tenure[column][1] = 0
    write_table(area["census"], "ts054", tenure)
    return ["census2021-ts054-oa.csv, row 3, column 'Tenure of household: Total: All households; measures: Value'",
            "denominator of rented", "E00000002", "--zero-denominators zero"]


def tables_cover_different_oas(area):
    write_table(area["census"], "ts054", TS054, oas=[OAS[0], OAS[1], "E00000099"])
    return ["census2021-ts054-oa.csv", "E00000099", "same Output Areas"]


def boundaries_without_crs(area):
    path = area["root"] / "nocrs.gpkg"
    write_boundaries(path, crs=None)
    area["boundaries"] = path
    return ["nocrs.gpkg has no coordinate reference system", "--crs EPSG:27700"]


def geojson_with_projected_coordinates(area):
    # GeoJSON is longitude/latitude by definition; metres in it are mislabelled.
    path = area["root"] / "metres.geojson"
    write_boundaries(path, crs=None)
    area["boundaries"] = path
    return ["metres.geojson is labelled EPSG:4326 (degrees) but its coordinates look projected", "EPSG:27700"]


def latlon_labelled_bng(area):
    frame = gpd.GeoDataFrame({"area_code": OAS},
                             geometry=[box(-2.3 + i / 100, 53.4, -2.29 + i / 100, 53.41) for i in range(3)],
                             crs="EPSG:27700")
    path = area["root"] / "swapped.geojson"
    frame.to_file(path, driver="GeoJSON")
    area["boundaries"] = path
    return ["swapped.geojson is labelled EPSG:27700", "look like longitude/latitude", "EPSG:4326"]


def codes_do_not_match_boundaries(area):
    write_boundaries(area["boundaries"], oas=["E00000001", "E00000002", "E00000077"])
    return ["1 OA code(s) are in the census tables but not in the boundaries", "E00000003", "--allow-unmatched"]


def no_common_codes(area):
    write_boundaries(area["boundaries"], oas=["W00000001", "W00000002", "W00000003"])
    return ["no OA code in the census tables matches the boundaries"]


def unknown_spec(area):
    area["spec"] = "oac1999"
    return ["unknown spec 'oac1999'", "oac2021"]


def malformed_spec(area):
    area["spec"].write_text("name = 'x'\n[[variable]\ncode=")
    return ["tiny.toml is not valid TOML"]


def spec_with_bad_form(area):
    area["spec"].write_text(area["spec"].read_text().replace('form = "density"', 'form = "average"'))
    return ["form 'average' is not one of"]


def unreadable_boundaries(area):
    area["boundaries"].write_text("this is not geojson")
    return ["is not a readable boundaries file"]


CASES = [
    missing_census_dir, empty_table, header_only_table, renamed_column, missing_table, non_numeric_count,
    negative_count, blank_count, duplicate_oa_codes, missing_code_column, zero_denominator,
    tables_cover_different_oas, boundaries_without_crs, geojson_with_projected_coordinates, latlon_labelled_bng, codes_do_not_match_boundaries,
    no_common_codes, unknown_spec, malformed_spec, spec_with_bad_form, unreadable_boundaries,
]


@pytest.mark.parametrize("case", CASES, ids=[case.__name__ for case in CASES])
def test_bad_input_is_one_line_error_and_writes_nothing(area, case):
    expected = case(area)
    result = CliRunner().invoke(cli, census_args(area))
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    errors = [line for line in lines if line.startswith("Error: ")]
    assert errors == lines[-1:] and "Traceback" not in result.output, result.output
    for fragment in expected:
        assert fragment in errors[0], f"{fragment!r} not in {errors[0]!r}"
    assert not Path(area["out"]).exists()
    assert not any(p.name.endswith(".partial") for p in Path(area["root"]).iterdir())


def test_existing_output_is_kept_without_overwrite(area):
    area["out"].mkdir()
    (area["out"] / "keep.txt").write_text("earlier run")
    result = CliRunner().invoke(cli, census_args(area))
    assert result.exit_code == 1
    assert "--overwrite" in result.output
    assert (area["out"] / "keep.txt").read_text() == "earlier run"


def test_failed_overwrite_keeps_previous_output(area):
    runner = CliRunner()
    assert runner.invoke(cli, census_args(area)).exit_code == 0
    before = (area["out"] / "variables.csv").read_bytes()
    _edit_ts001(area, "Residence type: Total; measures: Value", 1, "x")
    result = runner.invoke(cli, census_args(area, "--overwrite"))
    assert result.exit_code == 1
    assert (area["out"] / "variables.csv").read_bytes() == before
    assert json.loads((area["out"] / "manifest.json").read_text())["command"] == "spacemap census"


def test_crs_option_labels_a_file_without_one(area):
    path = area["root"] / "nocrs.gpkg"
    write_boundaries(path, crs=None)
    area["boundaries"] = path
    result = CliRunner().invoke(cli, census_args(area, "--crs", "EPSG:27700"))
    assert result.exit_code == 0, result.output


def test_bad_usage_exits_2(area):
    result = CliRunner().invoke(cli, ["census", "--no-such-option"])
    assert result.exit_code == 2
