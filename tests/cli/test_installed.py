"""The installed ``spacemap`` command runs the embedded default from any directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd


def _script() -> Path:
    script = Path(sys.executable).parent / "spacemap"
    assert script.exists(), f"the spacemap command is not installed next to {sys.executable}; pip install ."
    return script


def test_installed_command_builds_default_area_from_another_directory(tmp_path):
    result = subprocess.run(
        [str(_script()), "-q", "census", "-o", "out"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    variables = pd.read_csv(tmp_path / "out" / "variables.csv")
    assert len(variables) == 738
    assert list(variables.columns[:3]) == ["oa_code", "v01", "v02"]
    assert len(variables.columns) == 61
