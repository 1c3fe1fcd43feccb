"""``spacemap services`` on the tiny area: every output, worked by hand."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pandas as pd
import pytest
import rasterio

from tests.services.area import OAS, make_area, write
from tests.services.conftest import invoke
from tests.services.records import GP_BY_OA, REJECTED, records


def _csv_rows(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def records_area(tmp_path_factory):
    area = make_area(tmp_path_factory.mktemp("records"))
    path = write(area["root"] / "records.csv", records())
    result = invoke(["services", "-o", str(area["out"]), *_area_args(area), "--records", str(path),
                     "--record-type", "visits"])
    assert result.exit_code == 0, result.output
    return area


@pytest.fixture
def records_run(records_area):
    return records_area["out"]


def _area_args(area) -> list[str]:
    return ["--boundaries", str(area["boundaries"]), "--population", str(area["population"]),
            "--estate", str(area["estate"]), "--segments", str(area["segments"]),
            "--postcodes", str(area["postcodes"]), "--lsoa-lookup", str(area["lsoa_lookup"])]


def test_records_are_placed_in_oas_by_code_postcode_and_lsoa(records_run):
    table = pd.read_csv(records_run / "service_use_oa.csv")
    gp = table[table["service"] == "gp"]
    assert gp["count"].tolist() == GP_BY_OA
    assert gp["record_type"].unique().tolist() == ["visits"]
    assert gp["rate_per_1000"].tolist() == pytest.approx([70, 60, 20, 70])
    assert gp["expected"].tolist() == pytest.approx([5.3, 10.6, 15.9, 21.2])
    assert gp["observed_expected"].tolist() == pytest.approx([7 / 5.3, 12 / 10.6, 6 / 15.9, 28 / 21.2], abs=1e-4)
    assert not gp["modelled"].any()


def test_rows_in_equal_used_plus_rejected_and_rejects_hold_only_row_and_reason(records_run):
    rejects = _csv_rows(records_run / "services_rejects.csv")
    assert list(rejects[0]) == ["row", "reason"]
    assert {int(r["row"]) for r in rejects} == set(REJECTED)
    for r in rejects:
        assert r["reason"].startswith(REJECTED[int(r["row"])])
        assert "M9 9QQ" not in r["reason"] and "E00099999" not in r["reason"]
    report = (records_run / "services_report.md").read_text()
    assert "Rows in = used + rejected: 12 = 6 + 6." in report
    manifest = json.loads((records_run / "manifest.json").read_text())
    assert manifest["records"]["rows_in"] == 12
    assert manifest["records"]["placed_by"] == {"lsoa_code": 2, "oa_code": 3, "postcode": 1}


def test_small_counts_are_written_as_blanks_never_numbers(records_run):
    # Library: 2 visits in OA4. Withheld, and so is a second cell of every total it is part of.
    rows = [r for r in _csv_rows(records_run / "service_use_oa.csv") if r["service"] == "library"]
    # Its area total (2) is itself 1-4, so the whole service is withheld, expected counts too
    # (they are the total shared out by residents).
    assert [r["suppressed"] for r in rows] == ["True"] * 4
    assert [r["suppression"] for r in rows] == ["total 1-4"] * 4
    for row in rows:
        assert row["count"] == row["rate_per_1000"] == row["observed_expected"] == row["oe_upper"] == ""
        assert row["expected"] == ""
        assert row["non_take_up"] == row["hot_spot"] == ""
    segments = [r for r in _csv_rows(records_run / "service_use_segments.csv") if r["service"] == "library"]
    assert all(r["count"] == "" for r in segments if r["segment_code"] in ("B", "B1"))
    assert "| library | visits | no | withheld | withheld |" in (records_run / "services_report.md").read_text()


def test_segment_table_sums_oas_for_every_tier(records_run):
    table = pd.read_csv(records_run / "service_use_segments.csv")
    gp = table[table["service"] == "gp"].set_index("segment_code")
    assert gp["count"].to_dict() == {"A": 19, "B": 34, "A1": 7, "A2": 12, "B1": 34}
    assert gp["population"].to_dict() == {"A": 300, "B": 700, "A1": 100, "A2": 200, "B1": 700}
    assert gp.loc["B1", "parent_code"] == "B"
    assert gp.loc["A", "observed_expected"] == pytest.approx(19 / 15.9, abs=1e-4)


def test_segment_rasters_and_their_value_table(records_run):
    values = pd.read_csv(records_run / "rasters" / "segments_values.csv")
    assert values.to_dict("list") == {"tier": [1, 1, 2, 2, 2], "value": [1, 2, 1, 2, 3],
                                      "segment_code": ["A", "B", "A1", "A2", "B1"],
                                      "segment_name": ["Alpha", "Beta", "Alpha one", "Alpha two", "Beta one"]}
    with rasterio.open(records_run / "rasters" / "segments_tier2.tif") as source:
        band = source.read(1)
        assert source.crs.to_epsg() == 27700 and source.nodata == 0
        assert (source.width, source.height) == (20, 20)
        # North-west quarter is OA3 (B1 = 3), south-east is OA2 (A2 = 2).
        assert band[0, 0] == 3 and band[-1, -1] == 2 and band[-1, 0] == 1


def test_access_table_and_distance_rasters(records_run):
    access = pd.read_csv(records_run / "access_oa.csv")
    assert access["distance_gp_m"].tolist() == pytest.approx([0, 1000, 1000, 0])
    assert access["distance_library_m"].tolist() == pytest.approx([1000, 1414.2, 0, 1000])
    assert access["point"].unique().tolist() == ["polygon centroid"]
    with rasterio.open(records_run / "rasters" / "distance_library.tif") as source:
        assert source.read(1)[0, 0] == pytest.approx(((450 ** 2) * 2) ** 0.5, abs=0.01)
    with rasterio.open(records_run / "rasters" / "population.tif") as source:
        assert source.read(1).sum() == pytest.approx(1000)


def test_the_same_inputs_give_the_same_bytes(records_area, run_cli, records_run):
    area = records_area
    again = area["root"] / "again"
    path = area["root"] / "records.csv"
    result = run_cli(["services", "-o", str(again), *_area_args(area), "--records", str(path), "--record-type", "visits"])
    assert result.exit_code == 0
    for first in sorted(p for p in records_run.rglob("*") if p.is_file()):
        assert first.read_bytes() == (again / first.relative_to(records_run)).read_bytes(), first.name


def test_records_from_xlsx(area, run_cli):
    path = area["root"] / "records.xlsx"
    records().to_excel(path, index=False)
    result = run_cli(["services", "-o", str(area["out"]), *_area_args(area), "--records", str(path)])
    assert result.exit_code == 0, result.output
    gp = pd.read_csv(area["out"] / "service_use_oa.csv").query("service == 'gp'")
    assert gp["count"].tolist() == GP_BY_OA


def _site_totals(area, **changes):
    frame = pd.DataFrame({"practice_name": ["North Surgery", "South Surgery"],
                          "practice_postcode": ["M1 1AA", "m11ab"], "registered_patients": [300, 700]})
    return write(area["root"] / "totals.csv", frame.assign(**changes))


def test_site_totals_are_modelled_and_add_up_to_each_site(area, run_cli):
    result = run_cli(["services", "-o", str(area["out"]), *_area_args(area), "--site-totals",
                      str(_site_totals(area))])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(area["out"] / "service_use_oa.csv")
    assert table["modelled"].all() and table["record_type"].unique().tolist() == ["registrations"]
    assert table["count"].tolist() == [100, 200, 300, 400]  # 1,000 users for 1,000 residents
    sites = pd.read_csv(area["out"] / "catchment_sites.csv")
    assert sites["users"].tolist() == [300, 700]
    assert sites["modelled"].tolist() == pytest.approx([300, 700])
    main = pd.read_csv(area["out"] / "catchments_oa.csv")
    # OA2 and OA3 are 1 km from both surgeries: the larger one draws most of their users.
    assert main["main_site_id"].tolist() == ["S1", "S2", "S2", "S2"]
    manifest = json.loads((area["out"] / "manifest.json").read_text())
    model = manifest["catchment_models"][0]
    assert (model["decay"], model["beta"], model["cost_unit"], model["cutoff"]) == ("exponential", 0.5, "km", 5000.0)
    assert model["max_relative_error"] <= 1e-6


def _travel_times(area, oa3_minutes: float):
    frame = pd.DataFrame({"oa_code": ["E00000001", "E00000002", "E00000003", "E00000004"],
                          "site_id": ["S1", "S1", "S2", "S2"], "minutes": [5, 10, oa3_minutes, 3]})
    return write(area["root"] / "times.csv", frame)


def test_travel_times_replace_distance_and_changing_one_changes_the_score(area, run_cli):
    visits = write(area["root"] / "visits.csv", pd.DataFrame({"service": ["gp"], "oa_code": ["E00000001"]}))
    args = ["services", *_area_args(area), "--records", str(visits), "--overwrite", "-o", str(area["out"])]
    assert run_cli([*args, "--travel-times", str(_travel_times(area, 12))]).exit_code == 0
    access = pd.read_csv(area["out"] / "access_oa.csv")
    # 15-minute reach: S1 serves OA1-2 (300 residents), S2 serves OA3-4 (700).
    assert access["access_2sfca_gp"].tolist() == pytest.approx([1000 / 300] * 2 + [1000 / 700] * 2, abs=1e-6)
    assert access["minutes_gp"].tolist() == [5, 10, 12, 3]
    assert access["access_2sfca_library"].tolist() == [0, 0, 0, 0]
    assert run_cli([*args, "--travel-times", str(_travel_times(area, 20))]).exit_code == 0
    access = pd.read_csv(area["out"] / "access_oa.csv")
    # OA3 is now 20 minutes from S2: out of reach. S2 serves OA4 alone (400).
    assert access["access_2sfca_gp"].tolist() == pytest.approx([1000 / 300] * 2 + [0, 2.5], abs=1e-6)
    assert access["minutes_gp"].tolist() == [5, 10, 20, 3]


def test_site_totals_follow_the_travel_times(area, run_cli):
    result = run_cli(["services", "-o", str(area["out"]), *_area_args(area), "--site-totals",
                      str(_site_totals(area)), "--travel-times", str(_travel_times(area, 12))])
    assert result.exit_code == 0, result.output
    main = pd.read_csv(area["out"] / "catchments_oa.csv")
    assert main["main_site_id"].tolist() == ["S1", "S1", "S2", "S2"]
    assert main["main_site_share"].tolist() == [1, 1, 1, 1]
    model = json.loads((area["out"] / "manifest.json").read_text())["catchment_models"][0]
    assert (model["cost_unit"], model["beta"], model["cutoff"]) == ("minutes", 0.1, 15.0)


def test_population_raster_moves_the_oa_points(area, run_cli):
    from affine import Affine

    values = np.zeros((4, 4))
    values[3, 0], values[3, 1], values[0, 0] = 10, 30, 50
    profile = {"driver": "GTiff", "height": 4, "width": 4, "count": 1, "dtype": "float64", "crs": "EPSG:27700",
               "transform": Affine(500, 0, 380000, 0, -500, 392000)}
    with rasterio.open(area["root"] / "pop.tif", "w", **profile) as sink:
        sink.write(values, 1)
    result = run_cli(["services", "-o", str(area["out"]), *_area_args(area), "--site-totals",
                      str(_site_totals(area)), "--population-raster", str(area["root"] / "pop.tif")])
    assert result.exit_code == 0, result.output
    access = pd.read_csv(area["out"] / "access_oa.csv")
    assert access[["easting", "northing", "demand"]].iloc[0].tolist() == [380625, 390250, 40]
    assert access["point"].tolist() == ["population-weighted centroid", "polygon centroid",
                                        "population-weighted centroid", "polygon centroid"]
    assert access["demand"].tolist() == [40, 0, 50, 0]


def test_report_names_non_take_up_areas(records_run):
    # OA3: 6 gp visits where 15.9 were expected; the exact upper limit for 6 is 13.06 < 15.9.
    report = (records_run / "services_report.md").read_text()
    assert "**gp visits, OAs:** 1 non-take-up, 0 hot spots (above expected)." in report
    assert "- Non-take-up: E00000003 (O/E 0.38)" in report


def test_complaint_hot_spots(area, run_cli):
    complaints = pd.DataFrame({"service": "library", "oa_code": OAS, "record_type": "complaints",
                               "count": [30, 5, 5, 10]})
    path = write(area["root"] / "complaints.csv", complaints)
    result = run_cli(["services", "-o", str(area["out"]), *_area_args(area), "--records", str(path)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(area["out"] / "service_use_oa.csv")
    # 50 complaints over 1,000 residents: expected 5, 10, 15, 20. Exact 95% limits: 30 -> lower 20.24 > 5;
    # 5 -> upper 11.67 < 15; 10 -> upper 18.39 < 20.
    assert table["hot_spot"].tolist() == [True, False, False, False]
    assert table["non_take_up"].tolist() == [False, False, True, True]
    report = (area["out"] / "services_report.md").read_text()
    assert "2 non-take-up, 1 complaint hot spots" in report
    assert "- Non-take-up: E00000003 (O/E 0.33), E00000004 (O/E 0.50)" in report
    assert "- Complaint hot spots: E00000001 (O/E 6.00)" in report


def test_command_has_one_line_help_and_an_example():
    from spacemap.cli.services import services

    summary = services.help.strip().splitlines()[0]
    assert summary.endswith(".") and len(summary) <= 80
    assert "Example: spacemap services -o out/services" in services.help


def test_no_output_reveals_a_withheld_total(records_run):
    # 2 library visits are withheld; nothing written may let a reader get back to that 2
    # (e.g. a grand total of 55 records next to the 53 gp visits).
    assert not re.search(r"\b55\b", (records_run / "services_report.md").read_text())

    def numbers(value):
        if isinstance(value, dict):
            return [n for v in value.values() for n in numbers(v)]
        if isinstance(value, list):
            return [n for v in value for n in numbers(v)]
        return [value] if isinstance(value, (int, float)) else []

    assert 55 not in numbers(json.loads((records_run / "manifest.json").read_text()))


def test_secondary_suppression_in_the_written_table(area, run_cli):
    visits = pd.DataFrame({"service": "library", "oa_code": [OAS[3], OAS[0]], "count": [2, 6]})
    path = write(area["root"] / "library.csv", visits)
    assert run_cli(["services", "-o", str(area["out"]), *_area_args(area), "--records", str(path)]).exit_code == 0
    rows = _csv_rows(area["out"] / "service_use_oa.csv")
    # OA4's 2 is withheld; the area total (8) is published, so OA1's 6 goes too; segments A and B
    # are published, so OA2 and OA3 (both 0) go with OA1 and OA4.
    assert [r["suppression"] for r in rows] == ["secondary", "secondary", "secondary", "primary"]
    assert all(r["count"] == "" and r["observed_expected"] == "" for r in rows)
    assert [r["expected"] for r in rows] == ["0.8", "1.6", "2.4", "3.2"]
    # Segments: B (2) is withheld, so A (6) goes too (the total of 8 is published); in tier 2 B1 (2)
    # takes A1 (6), and A1 then takes A2 (0) within their parent A.
    segments = {r["segment_code"]: r["suppression"] for r in _csv_rows(area["out"] / "service_use_segments.csv")}
    assert segments == {"A": "secondary", "B": "primary", "A1": "secondary", "A2": "secondary", "B1": "primary"}
