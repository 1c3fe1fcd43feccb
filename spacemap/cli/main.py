"""The ``spacemap`` command group: logging, version, and errors → exit codes.

Exit codes: 0 success; 1 a SpacemapError shown as one line ``Error: …``;
2 bad usage (click's own). Any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import logging
import sys

import click

from spacemap import __version__
from spacemap.errors import SpacemapError

_COMMANDS = {
    "assign": "spacemap.cli.assign:assign",
    "census": "spacemap.cli.census:census",
    "colocate": "spacemap.cli.colocate:colocate",
    "estate": "spacemap.cli.estate:estate",
    "locality": "spacemap.cli.locality:locality",
    "map": "spacemap.cli.map:map_command",
    "refresh": "spacemap.cli.refresh:refresh",
    "segment": "spacemap.cli.segment:segment",
    "services": "spacemap.cli.services:services",
}


class SpacemapGroup(click.Group):
    """A click group that loads commands lazily and turns SpacemapError into exit 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = _COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        module = __import__(module_name, fromlist=[attr])
        return getattr(module, attr)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SpacemapError as error:
            message = " ".join(str(error).split())
            click.echo(f"Error: {message}", err=True)
            ctx.exit(1)


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s" if verbose < 2 else "%(name)s: %(message)s"))
    root = logging.getLogger("spacemap")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    logging.captureWarnings(True)


@click.group(cls=SpacemapGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="spacemap")
@click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors on stderr.")
def cli(verbose: int, quiet: bool) -> None:
    """Map a partnership's public estate against the people it serves.

    Example: spacemap colocate -o out/colocate
    """
    _configure_logging(verbose, quiet)


if __name__ == "__main__":  # pragma: no cover
    cli()
