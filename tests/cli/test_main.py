"""The command group: help, version, logging levels, error → exit code."""

from __future__ import annotations

import logging

import click
import pytest
from click.testing import CliRunner

from spacemap import __version__
from spacemap.cli.main import cli
from spacemap.errors import InputError


def _commands():
    context = click.Context(cli)
    return [cli.get_command(context, name) for name in cli.list_commands(context)]


def test_help_lists_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "census" in result.output


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"spacemap, version {__version__}"


@pytest.mark.parametrize("command", _commands(), ids=lambda c: c.name)
def test_every_command_has_one_line_help_and_an_example(command):
    assert command.help, f"{command.name} has no help"
    summary = command.help.strip().splitlines()[0]
    assert summary.endswith(".") and len(summary) <= 80
    assert f"Example: spacemap {command.name}" in command.help


def test_unknown_command_is_usage_error():
    assert CliRunner().invoke(cli, ["no-such-command"]).exit_code == 2


def test_spacemap_error_is_one_line_and_exit_1(monkeypatch):
    @click.command()
    def broken():
        """Fail on purpose.

        Example: spacemap broken
        """
        raise InputError("data.csv, row 3, column 'x': bad\nvalue; fix it")

    monkeypatch.setitem(cli.commands, "broken", broken)
    monkeypatch.setattr(type(cli), "get_command", lambda self, ctx, name: self.commands.get(name))
    result = CliRunner().invoke(cli, ["broken"])
    assert result.exit_code == 1
    assert result.output == "Error: data.csv, row 3, column 'x': bad value; fix it\n"


def test_unexpected_exception_is_not_hidden(monkeypatch):
    @click.command()
    def buggy():
        """Raise a bug.

        Example: spacemap buggy
        """
        raise ZeroDivisionError("bug")

    monkeypatch.setitem(cli.commands, "buggy", buggy)
    monkeypatch.setattr(type(cli), "get_command", lambda self, ctx, name: self.commands.get(name))
    result = CliRunner().invoke(cli, ["buggy"])
    assert isinstance(result.exception, ZeroDivisionError)


@pytest.mark.parametrize(("flags", "level"), [([], logging.INFO), (["-q"], logging.WARNING),
                                              (["-v"], logging.INFO), (["-vv"], logging.DEBUG)])
def test_verbosity_flags_set_logging_level(flags, level, tmp_path):
    result = CliRunner().invoke(cli, [*flags, "census", "-o", str(tmp_path / "out"), "--census", str(tmp_path)])
    assert result.exit_code == 1  # no tables there: the group callback ran first
    assert logging.getLogger("spacemap").level == level
    assert ("Reading census tables" in result.output) == (level <= logging.INFO)
