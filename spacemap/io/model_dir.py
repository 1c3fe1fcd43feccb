"""The saved segment model on disk: a directory of JSON + NPZ, never pickle.

    model/model.json      settings, variables, transform parameters, tiers, codes, names,
                          SHA-256 of every other file, and an integrity hash of itself
    model/centroids.npz   float64 centroids per tier (tier1, tier2, …), loaded without pickle
    model/spec.toml|.csv  the variable spec the model was built on (when built from census tables)
    model/manifest.json   versions, seed, options and input hashes of the run that built it

The NPZ is written with fixed zip timestamps so the same model gives the same bytes.
Any edit to any file is caught on load by the hashes.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np

from spacemap.errors import ModelError
from spacemap.io.manifest import sha256_of
from spacemap.io.output import write_json

MODEL_FILE = "model.json"
CENTROIDS_FILE = "centroids.npz"
MANIFEST_FILE = "manifest.json"


def write_model_dir(directory: Path, document: dict, arrays: dict[str, np.ndarray],
                    spec_path: Path | None, manifest: dict) -> Path:
    """Write the model files into ``directory`` (inside a staged output)."""
    directory.mkdir(parents=True, exist_ok=True)
    _write_npz(directory / CENTROIDS_FILE, arrays)
    write_json(directory / MANIFEST_FILE, manifest)
    files = [CENTROIDS_FILE, MANIFEST_FILE]
    document = dict(document)
    if spec_path is not None:
        name = "spec" + spec_path.suffix.lower()
        shutil.copyfile(spec_path, directory / name)
        document["spec_file"] = name
        files.append(name)
    document["files"] = {name: sha256_of(directory / name) for name in sorted(files)}
    document["integrity"] = _integrity(document)
    write_json(directory / MODEL_FILE, document)
    return directory


def read_model_dir(directory: str | Path) -> tuple[dict, dict[str, np.ndarray], Path | None]:
    """The checked model document, its arrays and its spec file (None if it has none)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ModelError(f"{directory}: no such model directory; give the model/ folder written by spacemap segment")
    path = directory / MODEL_FILE
    if not path.is_file():
        raise ModelError(f"{directory} has no {MODEL_FILE}; give the model/ folder written by spacemap segment")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelError(f"{path} is not valid JSON ({error}); the model was damaged — refit or copy it again") from None
    if not isinstance(document, dict) or "integrity" not in document:
        raise ModelError(f"{path} has no integrity hash; it was not written by spacemap segment")
    if document["integrity"] != _integrity({k: v for k, v in document.items() if k != "integrity"}):
        raise ModelError(f"{path} was edited after the model was saved (integrity hash differs); "
                         "use the original model or refit it (rename segments with names.toml, not in the model)")
    for name, digest in sorted(document.get("files", {}).items()):
        file = directory / name
        if not file.is_file():
            raise ModelError(f"{directory} is missing {name}; copy the whole model directory")
        if sha256_of(file) != digest:
            raise ModelError(f"{file} was changed after the model was saved (SHA-256 differs); "
                             "use the original model or refit it")
    arrays = _read_npz(directory / CENTROIDS_FILE)
    spec_file = document.get("spec_file")
    return document, arrays, (directory / spec_file) if spec_file else None


def _integrity(document: dict) -> str:
    body = {k: v for k, v in document.items() if k != "integrity"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue())
    tmp.replace(path)


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise ModelError(f"{path} cannot be read as centroids ({error}); refit the model") from None
