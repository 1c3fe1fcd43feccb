"""``spacemap estate``: the files it writes, on the embedded default and on a small estate."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from spacemap.cli import main
from spacemap.cli.estate import estate

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(monkeypatch):
    monkeypatch.setitem(main._COMMANDS, "estate", "spacemap.cli.estate:estate")
    return main.cli


@pytest.fixture(scope="module")
def default_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("estate") / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(main._COMMANDS, "estate", "spacemap.cli.estate:estate")
        result = CliRunner().invoke(main.cli, ["estate", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_help_has_summary_and_example():
    assert estate.help.splitlines()[0] == "Merge the partners' estate registers into one validated estate."
    assert "Example: spacemap estate -o out/estate" in estate.help


def test_default_run_writes_every_output(default_out):
    out, log = default_out
    assert sorted(p.name for p in out.iterdir()) == [
        "estate.gpkg", "estate_rejects.csv", "estate_report.md", "estate_sites.csv", "manifest.json"]
    assert "[1/10] Reading register 'council'" in log and "Wrote" in log


def test_geopackage_layers_open_as_points_in_british_national_grid(default_out):
    out, _ = default_out
    layers = dict(pyogrio.list_layers(out / "estate.gpkg"))
    assert layers == {"sites": "Point", "occupancies": "Point"}
    for layer in layers:
        info = pyogrio.read_info(out / "estate.gpkg", layer=layer)
        assert info["crs"] == "EPSG:27700"
    sites = gpd.read_file(out / "estate.gpkg", layer="sites")
    table = pd.read_csv(out / "estate_sites.csv")
    assert len(sites) == len(table) and sites["site_id"].tolist() == table["site_id"].tolist()
    assert list(table.columns) == [c for c in sites.columns if c != "geometry"] + ["easting", "northing"]
    assert (sites.geometry.x - table["easting"]).abs().max() < 0.01
    assert (sites.geometry.y - table["northing"]).abs().max() < 0.01
    assert sites["shared"].dtype == bool and table["shared"].sum() == sites["shared"].sum() >= 5


def test_rejects_manifest_and_report_agree(default_out):
    out, _ = default_out
    manifest = json.loads((out / "manifest.json").read_text())
    rejects = pd.read_csv(out / "estate_rejects.csv")
    occupancies = gpd.read_file(out / "estate.gpkg", layer="occupancies")
    assert manifest["command"] == "spacemap estate"
    assert manifest["options"]["config"] == "embedded:assets/trafford/estate.toml"
    assert manifest["rejected"] == len(rejects) and manifest["rows_out"] == len(occupancies)
    assert manifest["rows_in"] == len(rejects) + len(occupancies)
    for name, count in manifest["registers"].items():
        assert count["rows_in"] == count["rows_out"] + count["rejected"]
        assert count["rejected"] == (rejects["source_register"] == name).sum()
    paths = {entry["path"] for entry in manifest["inputs"]}
    assert {"embedded:assets/trafford/estate.toml", "embedded:assets/trafford/estate_assumptions.csv",
            "embedded:assets/trafford/trafford_postcodes.csv",
            "embedded:census/trafford/trafford_lad21.geojson"} <= paths
    report = (out / "estate_report.md").read_text()
    assert f"| **all** |  | {manifest['rows_in']} | {manifest['rows_out']} | {manifest['rejected']} | yes |" in report
    assert "**NO**" not in report and "Timperley Library" in report and "RW3TR" in report


def test_outputs_are_deterministic(estate_dir, cli):
    args = ["-q", "estate", "--config", str(estate_dir / "estate.toml"), "-o"]
    assert CliRunner().invoke(cli, [*args, str(estate_dir / "a")]).exit_code == 0
    assert CliRunner().invoke(cli, [*args, str(estate_dir / "b")]).exit_code == 0
    for name in ("estate_sites.csv", "estate_rejects.csv", "estate_report.md", "manifest.json", "estate.gpkg"):
        assert (estate_dir / "a" / name).read_bytes() == (estate_dir / "b" / name).read_bytes(), name


def test_existing_output_needs_overwrite(estate_dir, cli):
    out = estate_dir / "out"
    out.mkdir()
    (out / "keep.txt").write_text("earlier run")
    args = ["-q", "estate", "--config", str(estate_dir / "estate.toml"), "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and "--overwrite" in result.output
    assert (out / "keep.txt").read_text() == "earlier run"
    assert CliRunner().invoke(cli, [*args, "--overwrite"]).exit_code == 0
    assert not (out / "keep.txt").exists() and (out / "estate.gpkg").exists()


def test_bad_usage_exits_2(cli):
    assert CliRunner().invoke(cli, ["estate"]).exit_code == 2  # -o is required
