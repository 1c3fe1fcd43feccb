"""Every bad input to ``spacemap services`` gives one clear ``Error:`` line, exit code 1, and no output.

(Row-level problems — an unknown postcode, OA or LSOA, an unknown site — are rejects with a
reason instead; see test_cli.py.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine

from tests.services.area import OAS, services_args, write


def _records(area, frame: pd.DataFrame | None = None, name: str = "records.csv"):
    frame = frame if frame is not None else pd.DataFrame({"service": ["gp", "gp"], "oa_code": OAS[:2],
                                                          "count": ["3", "5"]})
    path = area["root"] / name
    frame.to_csv(path, index=False)
    return ["--records", str(path)]


def _totals(area, **columns):
    frame = pd.DataFrame({"name": ["North Surgery", "South Surgery"], "postcode": ["M1 1AA", "M1 1AB"],
                          "total": [300, 700]})
    frame = frame.assign(**columns)
    return ["--site-totals", str(write(area["root"] / "totals.csv", frame))]


def _times(area, **changes):
    frame = pd.DataFrame({"oa_code": OAS[:2], "site_id": ["S1", "S2"], "minutes": [5, 8]}).assign(**changes)
    return [*_records(area), "--travel-times", str(write(area["root"] / "times.csv", frame))]


def _raster(area, crs):
    profile = {"driver": "GTiff", "height": 2, "width": 2, "count": 1, "dtype": "float32",
               "transform": Affine(1000, 0, 380000, 0, -1000, 392000)}
    if crs:
        profile["crs"] = crs
    with rasterio.open(area["root"] / "pop.tif", "w", **profile) as sink:
        sink.write(np.ones((2, 2), dtype="float32"), 1)
    return [*_records(area), "--population-raster", str(area["root"] / "pop.tif")]


def records_missing_location(area):
    return _records(area, pd.DataFrame({"service": ["gp"], "name": ["x"]})), [
        "records.csv, row 1", "needs the user's home location in a column 'oa_code', 'postcode' or 'lsoa_code'"]


def records_missing_service(area):
    return _records(area, pd.DataFrame({"oa_code": OAS[:1]})), [
        "records.csv, row 1", "needs a 'service' or 'site_id' column"]


def negative_count(area):
    return _records(area, pd.DataFrame({"service": "gp", "oa_code": OAS[:2], "count": ["3", "-2"]})), [
        "records.csv, row 3, column 'count'", "the value '-2' is negative"]


def non_numeric_count(area):
    return _records(area, pd.DataFrame({"service": "gp", "oa_code": OAS[:2], "Count": ["lots", "1"]})), [
        "records.csv, row 2, column 'Count'", "the value 'lots' is not a number"]


def fractional_count(area):
    return _records(area, pd.DataFrame({"service": "gp", "oa_code": OAS[:2], "count": ["1", "2.5"]})), [
        "row 3, column 'count'", "is not a whole number"]


def blank_count(area):
    return _records(area, pd.DataFrame({"service": "gp", "oa_code": OAS[:2], "count": ["1", ""]})), [
        "row 3, column 'count'", "the value is blank"]


def empty_records_file(area):
    (area["root"] / "records.csv").write_text("")
    return ["--records", str(area["root"] / "records.csv")], ["records.csv is empty"]


def header_only_records(area):
    (area["root"] / "records.csv").write_text("service,oa_code\n")
    return ["--records", str(area["root"] / "records.csv")], ["records.csv has a header but no rows"]


def missing_records_file(area):
    return ["--records", str(area["root"] / "nowhere.csv")], ["nowhere.csv does not exist"]


def records_not_a_table(area):
    (area["root"] / "records.json").write_text("{}")
    return ["--records", str(area["root"] / "records.json")], ["is not a CSV or XLSX file"]


def raster_without_crs(area):
    return _raster(area, None), ["pop.tif has no coordinate reference system", "gdal_edit.py -a_srs EPSG:27700"]


def raster_elsewhere(area):
    profile_args = _raster(area, "EPSG:27700")
    with rasterio.open(area["root"] / "pop.tif", "r+") as sink:
        sink.transform = Affine(1000, 0, 100000, 0, -1000, 100000)
    return profile_args, ["does not overlap the area's OAs"]


def travel_time_unknown_oa(area):
    return _times(area, oa_code=["E00000001", "E00099999"]), [
        "times.csv, row 3, column 'oa_code'", "OA code 'E00099999' is not an OA of the area"]


def travel_time_unknown_site(area):
    return _times(area, site_id=["S1", "S99"]), ["times.csv, row 3, column 'site_id'", "site_id 'S99' is not a site of the estate"]


def travel_time_negative(area):
    return _times(area, minutes=[5, -1]), ["times.csv, row 3, column 'minutes'", "is negative"]


def travel_time_duplicate_pair(area):
    return _times(area, site_id=["S1", "S1"], oa_code=[OAS[0], OAS[0]]), [
        "times.csv, row 3", "appears again (first on row 2)"]


def site_totals_for_a_site_that_does_not_exist(area):
    return _totals(area, name=["North Surgery", "Ghost Surgery"], postcode=["M1 1AA", "ZZ9 9ZZ"]), [
        "totals.csv, row 3", "name 'Ghost Surgery', postcode 'ZZ9 9ZZ'", "matches no 'gp' site"]


def site_totals_for_an_unknown_site_id(area):
    return _totals(area, site_id=["S1", "S7"]), ["totals.csv, row 3", "site_id 'S7'", "matches no 'gp' site"]


def site_totals_negative(area):
    return _totals(area, total=[300, -5]), ["totals.csv, row 3, column 'total'", "is negative"]


def site_totals_without_total(area):
    path = write(area["root"] / "totals.csv", pd.DataFrame({"name": ["North Surgery"], "visits": [3]}))
    return ["--site-totals", str(path)], ["totals.csv, row 1", "needs a 'total' column (or one of 'users'"]


def site_totals_for_a_service_no_site_offers(area):
    return [*_totals(area), "--site-totals-service", "dentist"], ["no site offers the service 'dentist'"]


def population_with_unknown_oa(area):
    write(area["population"], pd.DataFrame({"oa_code": [*OAS, "E00099999"], "population": [1, 2, 3, 4, 5]}))
    return _records(area), ["1 OA code(s) are not in the boundaries", "E00099999"]


def population_missing_an_oa(area):
    write(area["population"], pd.DataFrame({"oa_code": OAS[:3], "population": [1, 2, 3]}))
    return _records(area), ["no population for 1 OA(s)", "E00000004"]


def segments_with_duplicate_oa(area):
    write(area["segments"], pd.DataFrame({"oa_code": [OAS[0], OAS[0]], "tier1_code": ["A", "B"],
                                          "tier1_name": ["a", "b"]}))
    return _records(area), ["oa_segments.csv, row 3, column 'oa_code'", "E00000001 appears again"]


def estate_without_sites_layer(area):
    return [*_records(area), "--estate", str(area["population"])], ["has no readable layer 'sites'"]


def detour_below_one(area):
    return [*_records(area), "--detour-factor", "0.8"], ["--detour-factor 0.8 is below 1"]


def boundaries_without_population(area):
    return ["--boundaries", str(area["boundaries"]), *_records(area)], ["--boundaries was given without --population"]


CASES = [
    records_missing_location, records_missing_service, negative_count, non_numeric_count, fractional_count,
    blank_count, empty_records_file, header_only_records, missing_records_file, records_not_a_table,
    raster_without_crs, raster_elsewhere, travel_time_unknown_oa, travel_time_unknown_site, travel_time_negative,
    travel_time_duplicate_pair, site_totals_for_a_site_that_does_not_exist, site_totals_for_an_unknown_site_id,
    site_totals_negative, site_totals_without_total, site_totals_for_a_service_no_site_offers,
    population_with_unknown_oa, population_missing_an_oa, segments_with_duplicate_oa, estate_without_sites_layer,
    detour_below_one,
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__)
def test_bad_input_is_one_error_line_exit_1_and_no_output(area, run_cli, case):
    extra, fragments = case(area)
    result = run_cli(["-q", *services_args(area, *extra)])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    for fragment in fragments:
        assert fragment in result.output
    assert not area["out"].exists()


def test_boundaries_without_population(area, run_cli):
    extra, fragments = boundaries_without_population(area)
    result = run_cli(["services", "-o", str(area["out"]), *extra])
    assert result.exit_code == 1 and fragments[0] in result.output
    assert not area["out"].exists()


def test_existing_output_is_kept_without_overwrite(area, run_cli):
    area["out"].mkdir()
    (area["out"] / "keep.txt").write_text("old")
    result = run_cli(services_args(area, *_records(area)))
    assert result.exit_code == 1 and "pass --overwrite" in result.output
    assert (area["out"] / "keep.txt").read_text() == "old"


def test_a_failure_leaves_the_previous_output_untouched(area, run_cli):
    assert run_cli(services_args(area, *_records(area))).exit_code == 0
    before = {p.name: p.read_bytes() for p in area["out"].iterdir() if p.is_file()}
    extra, _ = negative_count(area)
    assert run_cli(services_args(area, *extra, "--overwrite")).exit_code == 1
    assert {p.name: p.read_bytes() for p in area["out"].iterdir() if p.is_file()} == before
