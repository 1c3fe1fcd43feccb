"""``spacemap segment`` and ``spacemap assign`` on the embedded Trafford area, end to end."""

from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from spacemap.cli.main import cli

TRAFFORD_OAS = 738
TRAFFORD_RESIDENTS = 235_016


def run(*args):
    return CliRunner().invoke(cli, ["-q", *map(str, args)])


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("segment") / "out"
    result = run("segment", "-o", out)
    assert result.exit_code == 0, result.output
    return out


def test_default_writes_every_output(default_run):
    names = {p.name for p in default_run.iterdir()}
    assert {"oa_segments.csv", "oa_segments.gpkg", "profiles.csv", "pen_portraits.md", "names.toml", "model",
            "manifest.json", "segment_report.md", "correlations.csv", "index_scores_tier1.png",
            "index_scores_tier2.png", "segment_sizes.png"} <= names
    assert {p.name for p in (default_run / "model").iterdir()} == {"model.json", "centroids.npz", "manifest.json",
                                                                   "spec.toml"}


def test_lookup_has_every_oa_in_4_and_18_nested_segments(default_run):
    lookup = pd.read_csv(default_run / "oa_segments.csv", dtype=str)
    assert len(lookup) == TRAFFORD_OAS and lookup["oa_code"].is_unique
    assert list(lookup.columns[:5]) == ["oa_code", "tier1_code", "tier1_name", "tier2_code", "tier2_name"]
    assert lookup["tier1_code"].nunique() == 4 and lookup["tier2_code"].nunique() == 18
    assert (lookup["tier2_code"].str[:-1] == lookup["tier1_code"]).all()
    assert (lookup["second_best_code"] != lookup["tier2_code"]).all()
    # Top down, an OA's own segment is the nearest among its parent's children; where another
    # branch's centroid is nearer, the margin is negative and the OA is flagged as a poor fit.
    nearer_elsewhere = lookup["distance"].astype(float) > lookup["second_best_distance"].astype(float)
    assert (lookup.loc[nearer_elsewhere, "fit_margin"].astype(float) < 0).all()
    assert (lookup.loc[nearer_elsewhere, "poor_fit"] == "True").all()
    assert nearer_elsewhere.mean() < 0.2
    layer = gpd.read_file(default_run / "oa_segments.gpkg")
    assert len(layer) == TRAFFORD_OAS and layer.crs.to_epsg() == 27700


def test_profiles_sizes_add_up_and_index_scores_are_right(default_run):
    profiles = pd.read_csv(default_run / "profiles.csv", dtype={"code": str})
    for tier in (1, 2):
        rows = profiles[profiles["tier"] == tier]
        assert rows["oas"].sum() == TRAFFORD_OAS
        assert rows["residents"].sum() == pytest.approx(TRAFFORD_RESIDENTS)
    # recompute one index score from the variables table
    from spacemap.census.pipeline import build_census_variables
    variables = build_census_variables().variables
    lookup = pd.read_csv(default_run / "oa_segments.csv", dtype=str)
    merged = variables.merge(lookup[["oa_code", "tier1_code"]], on="oa_code")
    expected = merged.loc[merged["tier1_code"] == "2", "v43"].mean() / variables["v43"].mean() * 100
    got = profiles.loc[(profiles["tier"] == 1) & (profiles["code"] == "2"), "v43"].item()
    assert got == pytest.approx(expected, abs=0.05)
    # the weighted mean of index scores over segments is 100 (OA-weighted)
    tier1 = profiles[profiles["tier"] == 1]
    assert (tier1["v43"] * tier1["oas"]).sum() / TRAFFORD_OAS == pytest.approx(100, abs=0.1)


def test_portraits_and_names_cover_every_segment(default_run):
    text = (default_run / "pen_portraits.md").read_text()
    lookup = pd.read_csv(default_run / "oa_segments.csv", dtype=str)
    for code in lookup["tier2_code"].unique():
        assert f"### {code} — " in text
    assert "(index " in text
    names = (default_run / "names.toml").read_text()
    assert "[tier1]" in names and '"1a" = ' in names


def test_model_is_json_and_npz_without_pickle(default_run):
    model = json.loads((default_run / "model" / "model.json").read_text())
    assert model["settings"]["tiers"] == [4, 18] and len(model["variables"]) == 60
    assert model["settings"]["random_state"] == 42
    with zipfile.ZipFile(default_run / "model" / "centroids.npz") as archive:
        assert sorted(archive.namelist()) == ["tier1.npy", "tier2.npy"]
    arrays = np.load(default_run / "model" / "centroids.npz", allow_pickle=False)
    assert arrays["tier2"].shape == (18, 60)
    manifest = json.loads((default_run / "model" / "manifest.json").read_text())
    assert manifest["seed"] == 42 and all(len(entry["sha256"]) == 64 for entry in manifest["inputs"])


def test_same_seed_gives_byte_identical_outputs(default_run, tmp_path):
    again = tmp_path / "again"
    assert run("segment", "-o", again).exit_code == 0
    for name in ("oa_segments.csv", "profiles.csv", "model/model.json", "model/centroids.npz", "names.toml",
                 "segment_sizes.png"):
        assert (again / name).read_bytes() == (default_run / name).read_bytes(), name


def test_assign_with_the_saved_model_reproduces_the_labels(default_run, tmp_path):
    out = tmp_path / "assigned"
    result = run("assign", "--model", default_run / "model", "-o", out)
    assert result.exit_code == 0, result.output
    assigned = pd.read_csv(out / "oa_segments.csv", dtype=str)
    trained = pd.read_csv(default_run / "oa_segments.csv", dtype=str)
    pd.testing.assert_frame_equal(assigned, trained)
    counts = pd.read_csv(out / "segment_counts.csv")
    assert counts.groupby("tier")["oas"].sum().tolist() == [TRAFFORD_OAS, TRAFFORD_OAS]


def test_assign_a_variables_table(default_run, tmp_path):
    from spacemap.census.pipeline import build_census_variables
    variables = build_census_variables().variables.iloc[:50]
    path = tmp_path / "new.csv"
    variables[["oa_code", *reversed(variables.columns[1:])]].to_csv(path, index=False)
    out = tmp_path / "assigned"
    assert run("assign", "--model", default_run / "model", "--variables", path, "-o", out).exit_code == 0
    assigned = pd.read_csv(out / "oa_segments.csv", dtype=str).set_index("oa_code")
    trained = pd.read_csv(default_run / "oa_segments.csv", dtype=str).set_index("oa_code")
    assert assigned["tier2_code"].equals(trained.loc[assigned.index, "tier2_code"])


@pytest.mark.parametrize("damage, message", [
    (lambda m: (m / "centroids.npz").write_bytes((m / "centroids.npz").read_bytes()[:-10] + b"0" * 10),
     "centroids.npz was changed"),
    (lambda m: (m / "model.json").write_text((m / "model.json").read_text().replace('"tier": 1', '"tier": 2', 1)),
     "edited after the model was saved"),
    (lambda m: (m / "spec.toml").unlink(), "missing spec.toml"),
    (lambda m: (m / "model.json").unlink(), "has no model.json"),
    (lambda m: (m / "model.json").write_text("{not json"), "not valid JSON"),
])
def test_tampered_model_is_refused(default_run, tmp_path, damage, message):
    import shutil
    model = tmp_path / "model"
    shutil.copytree(default_run / "model", model)
    damage(model)
    result = run("assign", "--model", model, "-o", tmp_path / "out")
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_model_from_another_format_version_is_refused(default_run, tmp_path):
    import shutil
    from spacemap.io.model_dir import _integrity
    model = tmp_path / "model"
    shutil.copytree(default_run / "model", model)
    document = json.loads((model / "model.json").read_text())
    document["format_version"] = 2
    document["integrity"] = _integrity(document)
    (model / "model.json").write_text(json.dumps(document))
    result = run("assign", "--model", model, "-o", tmp_path / "out")
    assert result.exit_code == 1 and "model format 2" in result.output


def test_names_are_kept_on_rerun(default_run, tmp_path):
    import shutil
    out = tmp_path / "out"
    shutil.copytree(default_run, out)
    names = (out / "names.toml").read_text()
    first = next(line for line in names.splitlines() if line.startswith('"1" = '))
    (out / "names.toml").write_text(names.replace(first, '"1" = "Suburban families"'))
    assert run("segment", "-o", out, "--overwrite").exit_code == 0
    lookup = pd.read_csv(out / "oa_segments.csv", dtype=str)
    assert set(lookup.loc[lookup["tier1_code"] == "1", "tier1_name"]) == {"Suburban families"}
    assert '"1" = "Suburban families"' in (out / "names.toml").read_text()
    model = json.loads((out / "model" / "model.json").read_text())
    assert model["tiers"][0]["segments"][0]["name"] == "Suburban families"


def test_other_tiers_by_option(tmp_path):
    out = tmp_path / "out"
    result = run("segment", "-o", out, "--tiers", "3,6,10", "--starts", "5", "--transform", "log",
                 "--standardise", "zscore")
    assert result.exit_code == 0, result.output
    lookup = pd.read_csv(out / "oa_segments.csv", dtype=str)
    assert [lookup[f"tier{t}_code"].nunique() for t in (1, 2, 3)] == [3, 6, 10]
    assert (lookup["tier3_code"].str[:-1] == lookup["tier2_code"]).all()


def test_diagnose_writes_scores_and_charts(tmp_path):
    out = tmp_path / "diag"
    result = run("segment", "--diagnose", "--k-range", "2-5", "-o", out)
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out / "k_diagnostics.csv")
    assert scores["k"].tolist() == [2, 3, 4, 5]
    assert scores["wcss"].is_monotonic_decreasing
    assert scores["silhouette"].between(-1, 1).all() and (scores["davies_bouldin"] > 0).all()
    assert (out / "k_diagnostics.png").stat().st_size > 10_000 and (out / "clustergram.png").exists()
    poor = pd.read_csv(out / "poorly_fitting_oas.csv")
    assert 0 < len(poor) < TRAFFORD_OAS and poor["reason"].notna().all()
