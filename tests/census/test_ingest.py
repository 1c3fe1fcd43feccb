"""Census ingest on the tiny area: exact values worked by hand."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from spacemap.census.pipeline import build_census_variables
from spacemap.cli.main import cli
from spacemap.io.census import cell_key

from tests.census.area import census_args


@pytest.mark.parametrize(
    ("table", "header", "key"),
    [
        ("ts001", "Residence type: Total; measures: Value", "TS001: Total"),
        ("ts007a", "Age: Aged 4 years and under", "TS007A: Aged 4 years and under"),
        ("ts066", "Economic activity status: Economically active (excluding full-time students):In employment",
         "TS066: Economically active (excluding full-time students):In employment"),
        ("ts053", "Occupancy rating for rooms: Occupancy rating of rooms: +2 or more; measures: Value",
         "TS053: Occupancy rating of rooms: +2 or more"),
    ],
)
def test_cell_key_strips_dimension_and_measure(table, header, key):
    assert cell_key(table, header) == key


def test_rates_worked_by_hand(area):
    run = build_census_variables(area["census"], area["boundaries"], area["spec"])
    table = run.variables.set_index("oa_code")
    assert list(run.variables.columns) == ["oa_code", "communal", "rented", "density"]
    # communal = communal ÷ total × 100
    assert table.loc["E00000001", "communal"] == 10 / 200 * 100
    assert table.loc["E00000002", "communal"] == 0.0
    assert table.loc["E00000003", "communal"] == 75.0
    # rented = (social + private) ÷ all households × 100
    assert table.loc["E00000001", "rented"] == 50.0
    assert table.loc["E00000002", "rented"] == 50.0
    assert table.loc["E00000003", "rented"] == 75.0
    # density = residents ÷ hectares (squares of 1, 4, 9 ha)
    assert table.loc["E00000001", "density"] == pytest.approx(200.0)
    assert table.loc["E00000002", "density"] == pytest.approx(37.5)
    assert table.loc["E00000003", "density"] == pytest.approx(400 / 9)
    assert run.population.to_dict() == {"E00000001": 200, "E00000002": 150, "E00000003": 400}


def test_command_writes_variables_report_and_manifest(area):
    result = CliRunner().invoke(cli, census_args(area))
    assert result.exit_code == 0, result.output
    out = area["out"]
    assert sorted(p.name for p in out.iterdir()) == ["census_report.md", "manifest.json", "variables.csv"]
    variables = pd.read_csv(out / "variables.csv")
    assert variables["oa_code"].tolist() == ["E00000001", "E00000002", "E00000003"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "spacemap census"
    hashed = {entry["path"].rsplit("/", 1)[-1] for entry in manifest["inputs"]}
    assert hashed == {"census2021-ts001-oa.csv", "census2021-ts054-oa.csv", "oa.geojson"}
    assert all(len(entry["sha256"]) == 64 for entry in manifest["inputs"])
    assert {"numpy", "pandas", "spacemap", "python"} <= set(manifest["versions"])
    report = (out / "census_report.md").read_text()
    assert "| in both | 3 |" in report
    assert "No Output Area has a zero denominator." in report


def test_same_inputs_give_identical_outputs(area, tmp_path):
    runner = CliRunner()
    first = runner.invoke(cli, census_args(area))
    second = runner.invoke(cli, census_args(area) + ["--overwrite"])
    assert first.exit_code == second.exit_code == 0
    copy = dict(area, out=tmp_path / "again")
    assert runner.invoke(cli, census_args(copy)).exit_code == 0
    for name in ("variables.csv", "census_report.md", "manifest.json"):
        assert (area["out"] / name).read_bytes() == (copy["out"] / name).read_bytes()


def test_allow_missing_drops_and_records_variables(area):
    (area["census"] / "census2021-ts054-oa.csv").unlink()
    result = CliRunner().invoke(cli, census_args(area, "--allow-missing"))
    assert result.exit_code == 0, result.output
    assert "Dropping variable rented" in result.output
    variables = pd.read_csv(area["out"] / "variables.csv")
    assert list(variables.columns) == ["oa_code", "communal", "density"]
    manifest = json.loads((area["out"] / "manifest.json").read_text())
    assert list(manifest["dropped_variables"]) == ["rented"]
    assert "census2021-ts054-oa.csv" in manifest["dropped_variables"]["rented"]
    assert "| rented |" in (area["out"] / "census_report.md").read_text()


def test_zero_denominators_set_to_zero_when_asked(area):
    from tests.census.area import TS054, write_table

    tenure = {k: list(v) for k, v in TS054.items()}
    for column in tenure:
        tenure[column][2] = 0
    write_table(area["census"], "ts054", tenure)
    result = CliRunner().invoke(cli, census_args(area, "--zero-denominators", "zero"))
    assert result.exit_code == 0, result.output
    variables = pd.read_csv(area["out"] / "variables.csv").set_index("oa_code")
    assert variables.loc["E00000003", "rented"] == 0
    assert "| rented | 1 | E00000003 |" in (area["out"] / "census_report.md").read_text()


def test_allow_unmatched_lists_codes_in_report(area):
    from tests.census.area import write_boundaries

    write_boundaries(area["boundaries"], oas=["E00000001", "E00000002", "E00000009"])
    spec = area["spec"].read_text().split('[[variable]]\ncode = "density"')[0]
    area["spec"].write_text(spec)
    result = CliRunner().invoke(cli, census_args(area, "--allow-unmatched"))
    assert result.exit_code == 0, result.output
    report = (area["out"] / "census_report.md").read_text()
    assert "In the tables but not the boundaries: E00000003" in report
    assert "In the boundaries but not the tables: E00000009" in report


def test_reference_rates_recover_known_monotone_rates():
    from spacemap.census.rates import estimate_reference_rates
    import numpy as np

    rng = np.random.default_rng(3)
    population = rng.integers(5, 60, size=(400, 4)).astype(float)
    truth = np.array([0.05, 0.10, 0.10, 0.40])
    rates = estimate_reference_rates(population, population @ truth)
    np.testing.assert_allclose(rates, truth, atol=1e-9)


def test_reference_rates_never_fall_with_age():
    from spacemap.census.rates import estimate_reference_rates
    import numpy as np

    rng = np.random.default_rng(4)
    population = rng.integers(5, 60, size=(300, 5)).astype(float)
    observed = rng.poisson(population @ np.array([0.3, 0.1, 0.2, 0.05, 0.6]))
    rates = estimate_reference_rates(population, observed)
    assert (rates >= 0).all() and (np.diff(rates) >= -1e-12).all()
    assert (population @ rates).sum() == pytest.approx(observed.sum())


def test_shapefile_in_another_crs_is_reprojected(area):
    import geopandas as gpd

    from tests.census.area import write_boundaries

    bng = gpd.read_file(write_boundaries(area["root"] / "bng.gpkg"))
    shapefile = area["root"] / "oa_wgs84.shp"
    bng.to_crs("EPSG:4326").to_file(shapefile)
    run = build_census_variables(area["census"], shapefile, area["spec"])
    assert run.boundaries.crs.to_epsg() == 27700
    density = run.variables.set_index("oa_code")["density"]
    assert density["E00000001"] == pytest.approx(200.0, rel=1e-6)  # 1 ha survives the round trip


def test_csv_spec_replaces_a_builtin(area):
    spec = area["root"] / "mine.csv"
    spec.write_text(
        "code,name,form,numerator,denominator\n"
        "household,Lives in a household,percentage,TS001: Lives in a household,TS001: Total\n"
        "owned,Owned,percentage,TS054: Owned,TS054: Total: All households\n"
    )
    run = build_census_variables(area["census"], area["boundaries"], spec)
    table = run.variables.set_index("oa_code")
    assert table.loc["E00000001", "household"] == 95.0
    assert table.loc["E00000003", "owned"] == 25.0


def test_csv_spec_without_required_columns_is_an_error(area):
    from spacemap.errors import SpecError

    spec = area["root"] / "broken.csv"
    spec.write_text("code,name\nx,y\n")
    with pytest.raises(SpecError, match="broken.csv lacks column\\(s\\) form, numerator, denominator"):
        build_census_variables(area["census"], area["boundaries"], spec)


@pytest.mark.parametrize("name", ["oac2021", "oac2011"])
def test_builtin_specs_have_sixty_codes_accounted_for(name):
    from spacemap.census.spec import load_spec

    spec = load_spec(name)
    assert len(spec.variables) + len(spec.unmatched) == 60
    assert all(variable.description for variable in spec.variables)
