"""Label Output Areas with a saved segment model, without refitting.

The model directory carries the spec it was built on, so census tables of
another area (or the next census, through ``spacemap refresh``) become the same
variables; a variables table can be given instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from spacemap.census.spec import load_spec
from spacemap.errors import ModelError
from spacemap.io.model_dir import read_model_dir
from spacemap.segment.hierarchy import SegmentModel
from spacemap.segment.lookup import oa_segments_frame
from spacemap.segment.persistence import model_from_data
from spacemap.segment.pipeline import SegmentInputs, load_inputs

log = logging.getLogger(__name__)


@dataclass
class SavedModel:
    """A model read back from its directory."""

    model: SegmentModel
    names: list[list[str]]
    document: dict
    spec_path: Path | None
    directory: Path

    @property
    def files(self) -> list[Path]:
        return sorted(self.directory / name for name in ["model.json", *self.document.get("files", {})])


@dataclass
class AssignRun:
    """New OAs labelled by a saved model."""

    saved: SavedModel
    oa_segments: pd.DataFrame
    counts: pd.DataFrame        # tier, code, name, oas
    inputs: SegmentInputs


def load_model(directory: str | Path) -> SavedModel:
    """Read and check a model directory (hashes, format version, consistency)."""
    document, arrays, spec_path = read_model_dir(directory)
    model, names = model_from_data(document, arrays, str(Path(directory) / "model.json"))
    return SavedModel(model, names, document, spec_path, Path(directory))


def assign_area(saved: SavedModel, variables=None, census=None, boundaries=None, crs=None,
                zero_denominators: str = "error", area_name: str | None = None) -> AssignRun:
    """Segments of every OA of the input under the saved model."""
    if variables is not None:
        inputs = load_inputs(variables=variables, boundaries=boundaries, crs=crs, area_name=area_name,
                             spec=saved.spec_path if saved.spec_path is not None else "oac2021")
    else:
        if saved.spec_path is None:
            raise ModelError(f"{saved.directory} was built from a variables table and carries no spec; "
                             "give the new OAs' variables with --variables")
        dropped = set(saved.document.get("spec", {}).get("dropped", {}))
        spec = load_spec(saved.spec_path).without(dropped)
        inputs = load_inputs(census=census, boundaries=boundaries, spec=spec, crs=crs,
                             zero_denominators=zero_denominators, area_name=area_name)
    assignment = saved.model.assign(inputs.variables)
    lookup = oa_segments_frame(inputs.variables["oa_code"], assignment, saved.model.codes_, saved.names)
    rows = []
    for t, codes in enumerate(saved.model.codes_):
        found = lookup[f"tier{t + 1}_code"].value_counts()
        rows += [{"tier": t + 1, "code": code, "name": saved.names[t][i], "oas": int(found.get(code, 0))}
                 for i, code in enumerate(codes)]
    log.info("Labelled %d Output Areas with the model in %s", len(lookup), saved.directory)
    return AssignRun(saved, lookup, pd.DataFrame(rows), inputs)
