"""Bad input to ``spacemap segment``: one-line Error, exit 1, nothing written."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from spacemap.cli.main import cli
from tests.segment.data import nested_table


def variables_file(tmp_path, change):
    X, _, _ = nested_table(per_leaf=5)
    X = change(X)
    path = tmp_path / "variables.csv"
    if X is None:
        path.write_text("")
    else:
        X.to_csv(path, index=False)
    return path


CASES = [
    ("empty", lambda X: None, "is empty"),
    ("header only", lambda X: X.iloc[:0], "no rows"),
    ("constant", lambda X: X.assign(v2=7.0), "v2 have the same value in every Output Area"),
    ("nan", lambda X: X.assign(v3=np.where(np.arange(len(X)) == 4, np.nan, X["v3"])),
     "missing or infinite value(s) in the variables, first at OA E00000004, variable 'v3'"),
    ("text", lambda X: X.assign(v1=X["v1"].astype(object).where(np.arange(len(X)) != 2, "abc")),
     "row 4, column 'v1': 'abc' is not a number"),
    ("duplicate OA", lambda X: X.assign(oa_code=X["oa_code"].where(np.arange(len(X)) != 3, X["oa_code"][0])),
     "row 5, column 'oa_code': OA E00000000 appears twice"),
    ("no oa_code", lambda X: X.rename(columns={"oa_code": "code"}), "no 'oa_code' column"),
]


@pytest.mark.parametrize("change, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_variables_table(tmp_path, change, message):
    path = variables_file(tmp_path, change)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["-q", "segment", "--variables", str(path), "--tiers", "2,3", "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("options, message", [
    (["--tiers", "4,4"], "each tier must have more segments than the one above (got 4 then 4)"),
    (["--tiers", "4,x"], "not a list of whole numbers"),
    (["--tiers", "10,40"], "30 Output Areas (30 distinct) cannot make 40 segments"),
    (["--tiers", "3,5", "--split", "2:1,1"], "give one number per parent segment"),
    (["--tiers", "3,5", "--split", "x"], "--split 'x' must look like"),
    (["--names", "nowhere.toml"], "no such names file"),
    (["--diagnose", "--k-range", "1-3"], "must start at 2"),
])
def test_bad_options(tmp_path, options, message):
    path = variables_file(tmp_path, lambda X: X)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["-q", "segment", "--variables", str(path), "-o", str(out), *options])
    assert result.exit_code == 1, result.output
    assert message in result.output and not out.exists()


def test_bad_names_file(tmp_path):
    path = variables_file(tmp_path, lambda X: X)
    names = tmp_path / "names.toml"
    names.write_text('[tier1]\n"1" = ""\n')
    result = CliRunner().invoke(cli, ["-q", "segment", "--variables", str(path), "--tiers", "2,3", "--names", str(names),
                                      "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and "segment '1' needs a non-empty name" in result.output
