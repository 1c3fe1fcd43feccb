"""Variables across census vintages: link a model's variables to a new census's.

Each model variable is linked to a new-census variable by, in order: an explicit
``--map OLD=NEW``; the ``counterpart_2021`` the model's spec gives (the 2011 spec
carries the 2021 code of each variable, with the concordance evidence); the same
code. A model variable with no counterpart, or a new variable the model does not
know, is an error naming it unless the user drops it (``--drop CODE``) or accepts
dropping every unmatched one (``--drop-unmatched``). What was linked, mapped and
dropped is recorded in the manifest.

A model restricted to the linked variables keeps its transform parameters and the
centroids' coordinates on those variables, so it scores new OAs in the same space.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from spacemap.census.spec import VariableSpec
from spacemap.errors import InputError
from spacemap.segment.hierarchy import SegmentModel
from spacemap.segment.transform import RateTransformer


@dataclass
class VariableLinks:
    """How each model variable found its new-census counterpart."""

    pairs: list[tuple[str, str, str]] = field(default_factory=list)   # (model code, new code, how)
    dropped_old: dict[str, str] = field(default_factory=dict)          # model code → why
    dropped_new: dict[str, str] = field(default_factory=dict)          # new code → why

    @property
    def rename(self) -> dict[str, str]:
        return {old: new for old, new, _ in self.pairs}

    def as_manifest(self) -> dict:
        return {"linked": [{"model": o, "new": n, "how": h} for o, n, h in self.pairs],
                "dropped_model_variables": self.dropped_old, "dropped_new_variables": self.dropped_new}


def link_variables(model_variables: list[str], model_spec: VariableSpec | None, new_variables: list[str],
                   mapping: dict[str, str] | None = None, drop: set[str] | None = None,
                   drop_unmatched: bool = False) -> VariableLinks:
    """Link the model's variables to the new census's, or say which have no counterpart."""
    mapping, drop = dict(mapping or {}), set(drop or ())
    counterparts = {v.code: v.counterpart for v in model_spec.variables if v.counterpart} if model_spec else {}
    unknown_map = [f"{o}={n}" for o, n in mapping.items() if o not in model_variables or n not in new_variables]
    if unknown_map:
        raise InputError(f"--map {', '.join(unknown_map)}: each must name a model variable and a new-census "
                         f"variable (model: {', '.join(model_variables[:8])}…)")
    links, missing, used = VariableLinks(), [], set()
    for old in model_variables:
        if old in mapping:
            new, how = mapping[old], "mapped by the user"
        elif counterparts.get(old) in new_variables:
            new, how = counterparts[old], "concordance (spec counterpart)"
        elif old in new_variables:
            new, how = old, "same code"
        else:
            new, how = None, ""
        if new is not None and old not in drop and new not in used:
            links.pairs.append((old, new, how))
            used.add(new)
        elif old in drop:
            links.dropped_old[old] = "dropped by the user"
        elif drop_unmatched:
            links.dropped_old[old] = "no counterpart in the new census (--drop-unmatched)"
        else:
            missing.append(old)
    extra = [new for new in new_variables if new not in used]
    if missing:
        raise InputError(
            f"the new census has no counterpart for model variable(s) {', '.join(missing)}; map each with "
            "--map OLD=NEW, drop it with --drop CODE, or pass --drop-unmatched")
    for new in extra:
        if new in drop:
            links.dropped_new[new] = "dropped by the user"
        elif drop_unmatched:
            links.dropped_new[new] = "no counterpart in the model (--drop-unmatched)"
        else:
            raise InputError(
                f"new census variable(s) {', '.join(e for e in extra if e not in drop)} have no counterpart in the "
                "model; drop them with --drop CODE,… or pass --drop-unmatched")
    if not links.pairs:
        raise InputError("no variable of the model has a counterpart in the new census; check --spec and --map")
    return links


def restrict_model(model: SegmentModel, links: VariableLinks) -> SegmentModel:
    """The model on the linked variables only, renamed to the new census's codes."""
    variables = list(model.feature_names_in_)
    keep = [variables.index(old) for old, _, _ in links.pairs]
    params = model.transformer_.to_dict()
    restricted = {key: [params[key][i] for i in keep] for key in ("lambdas", "offset", "scale")}
    restricted.update(skew=params["skew"], standardise=params["standardise"],
                      variables=[new for _, new, _ in links.pairs])
    out = SegmentModel(**model.get_params())
    out.transformer_ = RateTransformer.from_dict(restricted)
    out.feature_names_in_ = out.transformer_.feature_names_in_
    out.n_features_in_ = len(keep)
    out.centroids_ = [np.ascontiguousarray(c[:, keep]) for c in model.centroids_]
    out.parents_ = [p.copy() for p in model.parents_]
    out.codes_ = [list(c) for c in model.codes_]
    out.wcss_ = list(model.wcss_) if len(keep) == len(variables) else [float("nan")] * len(model.codes_)
    return out
