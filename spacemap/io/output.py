"""Atomic output directories and file writers.

A command writes all its files into a hidden staging directory beside ``OUT``;
only when everything succeeded is the staging directory renamed to ``OUT``.
A failure part-way leaves ``OUT`` exactly as it was (absent, or the old run).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from spacemap.errors import InputError


def check_output_dir(out: Path, overwrite: bool) -> None:
    """Refuse to replace an existing output unless the user said ``--overwrite``."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is a file, not a directory; choose another -o/--output")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise InputError(
            f"{out} already exists and is not empty; pass --overwrite to replace it "
            "or choose another -o/--output"
        )


@contextlib.contextmanager
def staged_output(out: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a staging directory; on success it atomically becomes ``out``."""
    out = Path(out)
    check_output_dir(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _replace_dir(staging, out)


def _replace_dir(staging: Path, out: Path) -> None:
    """Swap ``staging`` into place at ``out``, removing any earlier output."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
    staging.rename(out)
    # mkdtemp creates 0700 directories; outputs are meant to be shared.
    out.chmod(0o755)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text with Unix newlines, atomically (temp file then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    tmp.replace(path)
    return path


def write_json(path: Path, data: Any) -> Path:
    """Write JSON with sorted keys so the same data gives the same bytes."""
    return write_text(path, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def write_csv(path: Path, frame: pd.DataFrame, float_format: str | None = "%.10g") -> Path:
    """Write a CSV that Excel and QGIS open: UTF-8, no index, fixed float format."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_csv(tmp, index=False, float_format=float_format, lineterminator="\n")
    tmp.replace(path)
    return path


def write_pages(directory: Path, pages: dict[str, str]) -> None:
    """HTML pages (``{relative file name: html}``) into a directory."""
    for name, html in pages.items():
        write_text(directory / name, html)


def write_gpkg(path: Path, layers: dict[str, Any]) -> Path:
    """Write GeoDataFrames as the layers of one GeoPackage (QGIS opens it), atomically.

    GDAL's timestamp in the GeoPackage metadata is pinned, so the same layers give the
    same bytes.
    """
    import pyogrio

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.gpkg")
    tmp.unlink(missing_ok=True)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2000-01-01T00:00:00.000Z"})
    try:
        for layer, frame in layers.items():
            frame.to_file(tmp, layer=layer, driver="GPKG", engine="pyogrio")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    tmp.replace(path)
    return path
