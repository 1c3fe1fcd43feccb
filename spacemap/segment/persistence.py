"""A fitted segment model as plain data (JSON-safe dict + named arrays), and back.

No pickle: the model is its settings, transform parameters, centroids per tier,
parents, codes and names. Floats in the dict round-trip exactly through JSON and
the centroids are float64 arrays, so a reloaded model labels OAs exactly as before.
"""

from __future__ import annotations

import numpy as np

from spacemap import __version__
from spacemap.errors import ModelError
from spacemap.segment.hierarchy import SegmentModel
from spacemap.segment.transform import RateTransformer

FORMAT = "spacemap.segment-model"
FORMAT_VERSION = 1


def model_to_data(model: SegmentModel, names: list[list[str]], labels: dict[str, str]) -> tuple[dict, dict[str, np.ndarray]]:
    """The model's JSON document (without files/integrity) and its arrays."""
    tiers = []
    for t, codes in enumerate(model.codes_):
        parents = model.parents_[t]
        tiers.append({
            "tier": t + 1,
            "wcss": float(model.wcss_[t]),
            "segments": [
                {"code": code, "name": names[t][i],
                 "parent": model.codes_[t - 1][parents[i]] if t > 0 else None}
                for i, code in enumerate(codes)
            ],
        })
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_by": f"spacemap {__version__}",
        "settings": {
            "tiers": [int(k) for k in model.tiers], "skew": model.skew, "standardise": model.standardise,
            "starts": int(model.starts), "sample_size": int(model.sample_size),
            "splits": {str(k): [int(x) for x in v] for k, v in (model.splits or {}).items()},
            "random_state": int(model.random_state),
        },
        "variables": [str(v) for v in model.feature_names_in_],
        "variable_labels": {str(v): labels.get(str(v), str(v)) for v in model.feature_names_in_},
        "transform": model.transformer_.to_dict(),
        "tiers": tiers,
    }
    arrays = {f"tier{t + 1}": np.ascontiguousarray(c, dtype=np.float64) for t, c in enumerate(model.centroids_)}
    return document, arrays


def model_from_data(document: dict, arrays: dict[str, np.ndarray], source: str) -> tuple[SegmentModel, list[list[str]]]:
    """Rebuild a fitted model (and its names) from :func:`model_to_data` output, checking consistency."""
    if document.get("format") != FORMAT:
        raise ModelError(f"{source} is not a spacemap segment model (format {document.get('format')!r})")
    if document.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{source} was written in model format {document.get('format_version')!r} by "
            f"{document.get('created_by', 'an unknown version')}; this spacemap {__version__} reads format "
            f"{FORMAT_VERSION}; refit the model with this version (spacemap segment)")
    try:
        settings = document["settings"]
        model = SegmentModel(
            tiers=tuple(settings["tiers"]), skew=settings["skew"], standardise=settings["standardise"],
            starts=settings["starts"], sample_size=settings["sample_size"],
            splits={int(k): v for k, v in settings["splits"].items()} or None,
            random_state=settings["random_state"])
        variables = list(document["variables"])
        tiers = document["tiers"]
        model.transformer_ = RateTransformer.from_dict(document["transform"])
    except (KeyError, TypeError, ValueError) as error:
        raise ModelError(f"{source} lacks part of the model ({error}); refit it with spacemap segment") from None
    if list(model.transformer_.feature_names_in_) != variables:
        raise ModelError(f"{source}: the transform's variables differ from the model's")
    model.feature_names_in_ = model.transformer_.feature_names_in_
    model.n_features_in_ = len(variables)
    model.centroids_, model.parents_, model.codes_, model.wcss_, names = [], [], [], [], []
    for t, tier in enumerate(tiers):
        centres = arrays.get(f"tier{t + 1}")
        segments = tier.get("segments", [])
        if centres is None or centres.shape != (len(segments), len(variables)):
            raise ModelError(f"{source}: the centroids of tier {t + 1} do not match its segments and variables")
        codes = [s["code"] for s in segments]
        if t == 0:
            parents = np.zeros(len(codes), dtype=int)
        else:
            lookup = {code: i for i, code in enumerate(model.codes_[-1])}
            if any(s.get("parent") not in lookup for s in segments):
                raise ModelError(f"{source}: a segment of tier {t + 1} names a parent that does not exist")
            parents = np.array([lookup[s["parent"]] for s in segments], dtype=int)
        model.centroids_.append(np.asarray(centres, dtype=np.float64))
        model.parents_.append(parents)
        model.codes_.append(codes)
        model.wcss_.append(float(tier.get("wcss", np.nan)))
        names.append([s.get("name", s["code"]) for s in segments])
    if [len(c) for c in model.codes_] != list(model.tiers):
        raise ModelError(f"{source}: the tiers in the settings do not match the saved segments")
    return model, names
