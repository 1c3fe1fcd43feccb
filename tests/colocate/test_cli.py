"""``spacemap colocate`` end to end on the embedded default, and its errors."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from spacemap.cli.main import cli

REQUIRED = ["candidate_id", "host_site_id", "host_name", "host_owner", "member_site_ids", "member_names",
            "member_owners", "owners", "services", "distance_m", "segment_overlap", "user_affinity", "capacity_fit",
            "host_has_room", "tenure_score", "condition_score", "floor_area_released_m2", "running_cost_saved_gbp",
            "capital_receipt_gbp", "access_change_m_mean", "equity_flag", "score", "reasons"]


def invoke(*args: str):
    return CliRunner().invoke(cli, ["-q", "colocate", *args])


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("colocate") / "out"
    result = invoke("-o", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_default_run_writes_every_output(default_run):
    for name in ("candidates.csv", "candidates.gpkg", "shared_sites.csv", "site_roles.csv", "estate_rejects.csv",
                 "colocate_report.md", "colocate_config.toml", "manifest.json"):
        assert (default_run / name).is_file(), name
    candidates = pd.read_csv(default_run / "candidates.csv")
    assert set(REQUIRED) <= set(candidates.columns)
    assert len(candidates) > 10 and candidates["score"].is_monotonic_decreasing
    layer = gpd.read_file(default_run / "candidates.gpkg", layer="candidates")
    links = gpd.read_file(default_run / "candidates.gpkg", layer="links")
    assert len(layer) == len(candidates) and layer.crs.to_epsg() == 27700
    members = candidates["member_site_ids"].str.split("; ").str.len().sum()
    assert len(links) == members


def test_default_run_uses_the_gp_catchment_model_and_accounts_for_every_site(default_run):
    manifest = json.loads((default_run / "manifest.json").read_text())
    assert "Huff" in manifest["sources"]["catchments"]
    roles = pd.read_csv(default_run / "site_roles.csv")
    counts = manifest["site_roles"]
    assert counts["sites"] == len(roles) == counts["hosts"] + counts["members"] + counts["in_no_candidate"]
    assert roles["reason"].notna().all()
    rows = manifest["estate_rows"]
    assert rows["rows_in"] == rows["kept"] + rows["rejected"]
    assert len(pd.read_csv(default_run / "estate_rejects.csv")) == rows["rejected"]


def test_shared_sites_are_found_in_the_estate(default_run):
    shared = pd.read_csv(default_run / "shared_sites.csv")
    assert len(shared) > 0
    assert shared["evidence"].str.contains("one building in the estate|sites standing together").all()


def test_report_explains_the_top_candidates(default_run):
    report = (default_run / "colocate_report.md").read_text()
    top = pd.read_csv(default_run / "candidates.csv").iloc[0]
    assert f"### 1. {top['candidate_id']}" in report
    assert "SUMPRODUCT" in report and "## Equity" in report


def test_same_inputs_and_seed_give_identical_files(default_run, tmp_path):
    again = tmp_path / "again"
    assert invoke("-o", str(again)).exit_code == 0
    for name in ("candidates.csv", "candidates.gpkg", "site_roles.csv", "shared_sites.csv", "colocate_report.md"):
        assert (again / name).read_bytes() == (default_run / name).read_bytes(), name


def test_close_reports_access_by_segment(tmp_path):
    out = tmp_path / "what_if"
    result = invoke("-o", str(out), "--close", "pharmacies:FA565")
    assert result.exit_code == 0, result.output
    access = pd.read_csv(out / "scenario_access.csv")
    assert set(access["service"]) == {"pharmacy"}
    assert {"all"} < set(access["segment_code"].astype(str))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario"]["close"] == ["pharmacies:FA565"]


@pytest.mark.parametrize(("config", "words"), [
    ("[candidates]\nurban_distance_m = -5\n", "[candidates] urban_distance_m = -5 is negative"),
    ("[weights]\ndistance = high\n", "is not valid TOML"),
    ("[weights]\ndistance = \"high\"\n", "weight 'distance' = 'high' is not a number"),
    ("[weights]\nnearness = 1\n", "unknown weight 'nearness'"),
    ("[candidates]\npartners = [\"Trafford Council\", \"Nowhere Trust\"]\n", "unknown owner 'Nowhere Trust'"),
])
def test_bad_config_is_one_error_line_and_no_output(tmp_path, config, words):
    path = tmp_path / "colocate.toml"
    path.write_text(config)
    out = tmp_path / "out"
    result = invoke("-o", str(out), "--config", str(path))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and words in lines[0] and str(path) in lines[0]
    assert not out.exists()


def test_unknown_site_in_close_is_an_error(tmp_path):
    result = invoke("-o", str(tmp_path / "out"), "--close", "nowhere:1")
    assert result.exit_code == 1 and "site id 'nowhere:1' is not a site of the estate" in result.output
    assert not (tmp_path / "out").exists()


def test_negative_distance_option_is_an_error(tmp_path):
    result = invoke("-o", str(tmp_path / "out"), "--distance-m", "-1")
    assert result.exit_code == 1 and "--distance-m -1 must be greater than 0" in result.output
