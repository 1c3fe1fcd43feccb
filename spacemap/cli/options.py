"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path

import click

output_option = click.option(
    "-o", "--output", "output", required=True, type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write the outputs to (created; replaced only with --overwrite).",
)
overwrite_option = click.option(
    "--overwrite", is_flag=True, help="Replace the output directory if it already exists.",
)
seed_option = click.option(
    "--seed", type=int, default=42, show_default=True,
    help="Random seed: the same inputs and seed give identical outputs.",
)


def input_path(**kwargs) -> click.Path:
    """A click path type for an input file or folder.

    Existence is checked by the library, so a missing input is a one-line
    ``Error:`` with exit code 1 like every other input problem.
    """
    return click.Path(path_type=Path, **kwargs)
