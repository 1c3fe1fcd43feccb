"""``spacemap refresh``: invariants on real data (Trafford, Leicestershire) and a hand-worked overlay."""

from __future__ import annotations

import hashlib
import shutil

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import box

from spacemap.cli.main import cli
from spacemap.io.embedded import data_root
from spacemap.segment.transitions import oa_changes, relate_oas, transitions

LEICS = data_root() / "census" / "leicestershire"


def run(*args):
    return CliRunner().invoke(cli, ["-q", *map(str, args)])


def digest(directory):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


@pytest.fixture(scope="module")
def trafford_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("traf") / "segments"
    assert run("segment", "-o", out, "--starts", "10").exit_code == 0
    return out


@pytest.fixture(scope="module")
def leics_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("leics") / "segments2011"
    result = run("segment", "--census", LEICS / "oac2011_candidate_variables_leicestershire.csv", "--spec",
                 "oac2011", "--starts", "10", "-o", out)
    assert result.exit_code == 0, result.output
    return out


def test_assign_on_the_training_data_is_fully_stable(trafford_model, tmp_path):
    before = digest(trafford_model / "model")
    out = tmp_path / "refresh"
    result = run("refresh", "--model", trafford_model / "model", "-o", out)
    assert result.exit_code == 0, result.output
    stability = pd.read_csv(out / "stability.csv", dtype={"old_code": str})
    assert (stability["stability"] == 1.0).all()
    changes = pd.read_csv(out / "oa_changes.csv", dtype=str)
    assert len(changes) == 738 and changes["old_oa_code"].is_unique and (changes["moved"] == "False").all()
    assert digest(trafford_model / "model") == before   # the old model is never modified
    new_model = (out / "model" / "centroids.npz").read_bytes()
    assert new_model == (trafford_model / "model" / "centroids.npz").read_bytes()


@pytest.fixture(scope="module")
def leics_assign(leics_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("leics_assign") / "refresh"
    result = run("refresh", "--model", leics_model / "model", "--census", LEICS / "census2021", "--allow-missing",
                 "--drop-unmatched", "-o", out)
    assert result.exit_code == 0, result.output
    return out


def test_leicestershire_2011_to_2021_invariants(leics_model, leics_assign):
    old = pd.read_csv(leics_model / "oa_segments.csv", dtype=str)
    changes = pd.read_csv(leics_assign / "oa_changes.csv", dtype=str)
    # each unchanged OA appears exactly once; 1,987 of the 2,085 OA11 codes survived into 2021
    assert changes["old_oa_code"].is_unique and len(changes) == 1987
    assert set(changes["old_oa_code"]) <= set(old["oa_code"])
    table = pd.read_csv(leics_assign / "transitions.csv", dtype={"old_code": str, "new_code": str})
    compared = old[old["oa_code"].isin(changes["old_oa_code"])]
    for tier in (1, 2):
        rows = table[table["tier"] == tier].groupby("old_code")["oas"].sum().astype(float)
        sizes = compared[f"tier{tier}_code"].value_counts()
        pd.testing.assert_series_equal(rows.sort_index(), sizes.sort_index().astype(float), check_names=False)
    stability = pd.read_csv(leics_assign / "stability.csv", dtype={"old_code": str})
    overall = stability[stability["old_code"] == "all"].set_index("tier")["stability"]
    assert 0.5 < overall[1] < 1.0 and 0.3 < overall[2] < overall[1]
    report = (leics_assign / "refresh_report.md").read_text()
    assert "model variable v33: no counterpart in the new census" in report
    assert "new variable v10: no counterpart in the model" in report


def test_rebuild_matches_segments_and_carries_names(leics_model, tmp_path):
    out = tmp_path / "rebuild"
    result = run("refresh", "--model", leics_model / "model", "--census", LEICS / "census2021", "--allow-missing",
                 "--drop-unmatched", "--mode", "rebuild", "--starts", "10", "-o", out)
    assert result.exit_code == 0, result.output
    matches = pd.read_csv(out / "matches.csv", dtype=str, keep_default_na=False)
    matched = matches[matches["status"] == "matched"]
    assert len(matched) >= 2
    assert (matched["new_name"] == matched["old_name"]).all()
    new_lookup = pd.read_csv(out / "oa_segments.csv", dtype=str)
    assert len(new_lookup) == 1987
    for row in matches[matches["status"].str.startswith("new")].itertuples():
        assert row.new_name.endswith("(new)")
    import json
    manifest = json.loads((out / "model" / "manifest.json").read_text())
    assert manifest["lineage"]["mode"] == "rebuild" and len(manifest["lineage"]["old_model_integrity"]) == 64


def test_variables_without_counterpart_are_an_error_naming_them(leics_model, tmp_path):
    before = digest(leics_model / "model")
    result = run("refresh", "--model", leics_model / "model", "--census", LEICS / "census2021", "--allow-missing",
                 "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "no counterpart for model variable(s) v05, v06, v07, v13" in result.output
    assert not (tmp_path / "out").exists() and digest(leics_model / "model") == before


@pytest.mark.parametrize("args, message", [
    (["--map", "v01"], "must look like OLD=NEW"),
    (["--map", "v99=v01"], "each must name a model variable"),
    (["--mode", "assign", "--old-segments", "nowhere.csv"], "no such file"),
])
def test_bad_refresh_options(trafford_model, tmp_path, args, message):
    result = run("refresh", "--model", trafford_model / "model", "-o", tmp_path / "out", *args)
    assert result.exit_code == 1 and message in result.output


def test_model_missing_a_file_is_refused_and_left_alone(trafford_model, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(trafford_model / "model", model)
    (model / "centroids.npz").unlink()
    result = run("refresh", "--model", model, "--old-segments", trafford_model / "oa_segments.csv",
                 "-o", tmp_path / "out")
    assert result.exit_code == 1 and "missing centroids.npz" in result.output
    assert sorted(p.name for p in model.iterdir()) == ["manifest.json", "model.json", "spec.toml"]


def test_split_and_merged_oas_by_area_overlay_worked_by_hand():
    # Old A (100 × 100) split into new B (left 30%) and C (right 70%); old D and E merged into new F.
    old = gpd.GeoDataFrame({"oa_code": ["A", "D", "E", "K"]},
                           geometry=[box(0, 0, 100, 100), box(200, 0, 250, 100), box(250, 0, 300, 100),
                                     box(400, 0, 500, 100)], crs=27700)
    new = gpd.GeoDataFrame({"oa_code": ["B", "C", "F", "K"]},
                           geometry=[box(0, 0, 30, 100), box(30, 0, 100, 100), box(200, 0, 300, 100),
                                     box(400, 0, 500, 100)], crs=27700)
    geo = relate_oas(old["oa_code"], new["oa_code"], old, new)
    weights = {(r.old_oa_code, r.new_oa_code): r.weight for r in geo.pairs.itertuples()}
    assert weights == pytest.approx({("K", "K"): 1.0, ("A", "B"): 0.3, ("A", "C"): 0.7, ("D", "F"): 1.0,
                                     ("E", "F"): 1.0})
    assert (geo.same_code, geo.overlaid_old, geo.overlaid_new) == (1, 3, 3)
    old_lookup = pd.DataFrame({"oa_code": ["A", "D", "E", "K"], "tier1_code": ["1", "1", "2", "2"]})
    new_lookup = pd.DataFrame({"oa_code": ["B", "C", "F", "K"], "tier1_code": ["1", "2", "2", "2"]})
    changes = oa_changes(geo, old_lookup, new_lookup, 1, {})
    table = transitions(changes, 1, pd.Series({"B": 30.0, "C": 70.0, "F": 200.0, "K": 50.0}))
    got = {(r.old_code, r.new_code): (r.oas, r.residents) for r in table.itertuples()}
    # old segment 1 = A + D: A → B (0.3, seg 1) and C (0.7, seg 2); D → F (seg 2), sharing F's 200 residents with E
    assert got == {("1", "1"): (0.3, 30.0), ("1", "2"): (1.7, 170.0), ("2", "2"): (2.0, 150.0)}
    # rows add up to the old segments' sizes in OAs
    assert table.groupby("old_code")["oas"].sum().to_dict() == {"1": 2.0, "2": 2.0}


def test_without_both_boundary_sets_changed_oas_are_unmatched():
    geo = relate_oas(pd.Series(["A", "K"]), pd.Series(["B", "K"]), None, None)
    assert geo.same_code == 1 and geo.unmatched_old == ["A"] and geo.unmatched_new == ["B"]


def test_oa_codes_in_neither_boundary_set_are_an_error():
    from spacemap.errors import InputError
    old = gpd.GeoDataFrame({"oa_code": ["A"]}, geometry=[box(0, 0, 1, 1)], crs=27700)
    with pytest.raises(InputError, match="1 old-census OA\\(s\\) are not in the old boundaries \\(first Z\\)"):
        relate_oas(pd.Series(["A", "Z"]), pd.Series(["A"]), old, old)
