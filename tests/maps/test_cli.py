"""``spacemap map`` and ``spacemap locality`` through the command line, on small run folders."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import spacemap.cli.main as main
from tests.maps.conftest import grid, sites


def invoke(args: list[str]):
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(main._COMMANDS, "map", "spacemap.cli.map:map_command")
        patch.setitem(main._COMMANDS, "locality", "spacemap.cli.locality:locality")
        return CliRunner().invoke(main.cli, args)


@pytest.fixture
def folders(tmp_path):
    grid().to_file(tmp_path / "oas.gpkg", engine="pyogrio")
    estate = tmp_path / "estate"
    estate.mkdir()
    sites().to_file(estate / "estate.gpkg", layer="sites", engine="pyogrio")
    return tmp_path


def test_map_from_run_folders_draws_just_those_themes(folders):
    out = folders / "out"
    result = invoke(["map", "-o", str(out), "--estate", str(folders / "estate"),
                     "--boundaries", str(folders / "oas.gpkg"), "--area-name", "Testshire"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["estate.html", "index.html", "manifest.json"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "spacemap map" and manifest["pages"]["estate.html"] < 2_500_000
    assert "Testshire" in (out / "index.html").read_text()
    again = invoke(["map", "-o", str(out), "--estate", str(folders / "estate"),
                    "--boundaries", str(folders / "oas.gpkg")])
    assert again.exit_code == 1 and "--overwrite" in again.output


def test_boundaries_without_crs_are_a_one_line_error(folders, tmp_path):
    bare = tmp_path / "bare.gpkg"
    with pytest.warns(UserWarning):
        grid().set_crs(None, allow_override=True).to_file(bare, engine="pyogrio")
    result = invoke(["map", "-o", str(tmp_path / "out"), "--estate", str(folders / "estate"), "--boundaries", str(bare)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "coordinate reference system" in result.output
    assert result.output.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_missing_run_folder_is_an_error(tmp_path):
    result = invoke(["map", "-o", str(tmp_path / "out"), "--colocate", str(tmp_path)])
    assert result.exit_code == 1 and "candidates.gpkg does not exist" in result.output


def test_locality_packs_from_user_polygons(folders):
    import geopandas as gpd
    from shapely.geometry import box

    west = box(380000, 390000, 380600, 391000)
    east = box(380600, 390000, 381200, 391000)
    gpd.GeoDataFrame({"ward": ["West <End>", "East"]}, geometry=[west, east], crs="EPSG:27700").to_file(
        folders / "wards.gpkg", engine="pyogrio")
    out = folders / "packs"
    result = invoke(["locality", "-o", str(out), "--localities", str(folders / "wards.gpkg"), "--name-column", "ward",
                     "--estate", str(folders / "estate"), "--boundaries", str(folders / "oas.gpkg")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.html")) == ["east.html", "index.html", "west-end.html"]
    west_page = (out / "west-end.html").read_text()
    assert "West &lt;End&gt;" in west_page and "<End>" not in west_page
    assert "Town Hall" not in west_page and "Town Hall" in (out / "east.html").read_text()
    assert "<script" not in west_page  # a plain page: no code at all
    bad = invoke(["locality", "-o", str(folders / "bad"), "--localities", str(folders / "wards.gpkg"),
                  "--estate", str(folders / "estate"), "--boundaries", str(folders / "oas.gpkg")])
    assert bad.exit_code == 1 and "no column 'name'" in bad.output


def test_boundaries_alone_are_an_error(folders):
    result = invoke(["map", "-o", str(folders / "out_b"), "--boundaries", str(folders / "oas.gpkg")])
    assert result.exit_code == 1 and "--boundaries draws run folders" in result.output


def test_a_run_file_without_its_columns_is_a_one_line_error(folders, tmp_path):
    bad = tmp_path / "services"
    bad.mkdir()
    (bad / "service_use_oa.csv").write_text("oa_code,service\nE00000001,gp\n")
    result = invoke(["map", "-o", str(tmp_path / "out"), "--services", str(bad)])
    assert result.exit_code == 1
    assert "service_use_oa.csv" in result.output and "no 'record_type' column" in result.output
    assert not (tmp_path / "out").exists()
