from __future__ import annotations

import pytest
from click.testing import CliRunner

import spacemap.cli.main as main
from tests.services.area import area  # noqa: F401  (fixture)


def invoke(args: list[str]):
    """Invoke ``spacemap`` with the services command registered, as the installed program does."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(main._COMMANDS, "services", "spacemap.cli.services:services")
        return CliRunner().invoke(main.cli, args)


@pytest.fixture
def run_cli():
    return invoke
