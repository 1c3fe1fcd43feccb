"""The errors spacemap raises for problems the user can fix.

Every SpacemapError becomes one line ``Error: …`` on stderr and exit code 1.
The message says what is wrong, where (file, row, column) and how to fix it.
Anything else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class SpacemapError(Exception):
    """A problem with the user's input or settings, explained in one line."""


class InputError(SpacemapError):
    """A file is missing, empty or unreadable, or its values are unusable."""


class SchemaError(InputError):
    """A file lacks a column, has an unexpected one, or a value has the wrong type."""


class CRSError(InputError):
    """Geometry has no coordinate reference system, or coordinates contradict it."""


class SpecError(SpacemapError):
    """A variable spec is unknown, malformed, or needs cells the input lacks."""


class ModelError(SpacemapError):
    """A saved model is missing, tampered with, incompatible, or not fitted."""


class ConfigError(SpacemapError):
    """A configuration file or option value is invalid."""


def where(path: str | Path | None = None, row: int | None = None, column: str | None = None) -> str:
    """Describe a place in a file as ``file, row N, column 'X'`` for error messages.

    ``row`` is the 1-based line number as a spreadsheet shows it (header = row 1).
    """
    parts = []
    if path is not None:
        parts.append(str(path))
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column '{column}'")
    return ", ".join(parts)
