"""The manifest.json every run writes: what was run, on what, with which versions.

No timestamps: the same inputs and options give a byte-identical manifest.
"""

from __future__ import annotations

import hashlib
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from spacemap.io.embedded import describe_path

_PACKAGES = (
    "spacemap", "numpy", "pandas", "scipy", "scikit-learn", "geopandas", "shapely",
    "pyogrio", "pyproj", "pyarrow", "rasterio", "folium", "branca", "click",
)


def sha256_of(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages whose behaviour shapes the outputs."""
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def describe_inputs(paths: list[Path]) -> list[dict[str, Any]]:
    """One entry per input file: a stable name, its size and SHA-256."""
    entries = []
    for path in sorted(set(paths), key=lambda p: describe_path(p)):
        entries.append(
            {"path": describe_path(path), "bytes": path.stat().st_size, "sha256": sha256_of(path)}
        )
    return entries


def build_manifest(
    command: str,
    options: dict[str, Any],
    inputs: list[Path],
    seed: int | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble the manifest for one run of ``command``."""
    manifest: dict[str, Any] = {
        "command": f"spacemap {command}",
        "options": {key: _jsonable(value) for key, value in sorted(options.items())},
        "seed": seed,
        "versions": package_versions(),
        "inputs": describe_inputs(inputs),
    }
    if extra:
        manifest.update(extra)
    return manifest


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return describe_path(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return value
