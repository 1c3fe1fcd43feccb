"""Where the embedded default area (Trafford) lives, installed or from source.

A wheel carries ``census/`` and ``assets/`` inside the package as ``spacemap/_data``;
a source checkout (or editable install) has them at the repository root.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from spacemap.errors import InputError

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_AREA = "trafford"


@cache
def data_root() -> Path:
    """The directory holding ``census/`` and ``assets/``."""
    for candidate in (_PACKAGE_DIR / "_data", _PACKAGE_DIR.parent):
        if (candidate / "census").is_dir() and (candidate / "assets").is_dir():
            return candidate
    raise InputError(
        f"the embedded default area is missing (looked in {_PACKAGE_DIR / '_data'} and "
        f"{_PACKAGE_DIR.parent}); reinstall spacemap with 'pip install .' from a full checkout"
    )


def census_dir(area: str = DEFAULT_AREA) -> Path:
    """The embedded area's Nomis bulk census tables and boundaries."""
    return data_root() / "census" / area


def assets_dir(area: str = DEFAULT_AREA) -> Path:
    """The embedded area's estate registers, service points and service use."""
    return data_root() / "assets" / area


def specs_dir() -> Path:
    """The built-in variable specs (``oac2021``, ``oac2011``)."""
    return data_root() / "census" / "specs"


def default_boundaries(area: str = DEFAULT_AREA) -> Path:
    """The embedded area's 2021 Output Area boundaries."""
    return census_dir(area) / f"{area}_oa21.geojson"


def describe_path(path: str | Path) -> str:
    """A stable name for a file: ``embedded:census/…`` for shipped data, else the path given."""
    path = Path(path)
    try:
        return "embedded:" + path.resolve().relative_to(data_root().resolve()).as_posix()
    except (ValueError, InputError):
        return str(path)
