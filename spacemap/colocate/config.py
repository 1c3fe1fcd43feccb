"""The settings of ``spacemap colocate``: score weights, distance thresholds, normalisation, equity, optimisation.

Every setting has a documented default (the values of the shipped
``assets/trafford/colocate.toml``); a user's ``--config colocate.toml`` overrides any of
them. A setting that is unknown, negative or of the wrong type is a ConfigError naming
the section and key. The effective settings are echoed in the report and written as
``colocate_config.toml`` beside the outputs, so every score can be recomputed by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, replace
from typing import Any

from spacemap.errors import ConfigError

# The score components, in the order the outputs list them. The score of a candidate is
# Σ weight × normalised component over the components it has, ÷ Σ of those weights.
WEIGHT_NAMES = (
    "distance", "segment_overlap", "user_affinity", "capacity_fit", "tenure", "condition",
    "floor_area_released", "running_cost_saved", "capital_receipt", "access", "equity",
)

DEFAULT_WEIGHTS = {
    "distance": 1.0, "segment_overlap": 1.0, "user_affinity": 2.0, "capacity_fit": 1.0, "tenure": 1.0,
    "condition": 0.5, "floor_area_released": 1.0, "running_cost_saved": 1.0, "capital_receipt": 1.0,
    "access": 1.5, "equity": 1.5,
}

DEFAULT_TENURE = {
    "host_freehold": 1.0, "host_leasehold": 0.5, "host_lease_ending": 0.0, "host_licence": 0.25,
    "member_freehold": 1.0, "member_leasehold": 0.5, "member_lease_ending": 1.0, "member_licence": 1.0,
}

NEED_DIRECTIONS = ("high", "low")


@dataclass(frozen=True)
class ColocateConfig:
    """Every setting of the co-location stage (defaults = the shipped colocate.toml)."""

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    # [candidates] who may be grouped
    urban_density_per_km2: float = 1000.0   # a site in an OA at least this dense is urban
    urban_distance_m: float = 800.0         # group cut-off between urban sites
    rural_distance_m: float = 3000.0        # group cut-off when either site is rural
    distance_m: float | None = None         # one cut-off for every site (replaces the urban/rural rule)
    max_sites: int = 4                      # host + members
    exclude_services: tuple[str, ...] = ("parks", "allotments", "depot", "housing")
    anchor_services: tuple[str, ...] = ("school", "college", "hospital", "fire_station")  # host, never move
    partners: tuple[str, ...] = ()          # owners taking part (empty: every owner in the estate)
    # [normalise] full marks at / zero marks at
    floor_area_full_m2: float = 2000.0
    running_cost_full_gbp: float = 250_000.0
    capital_receipt_full_gbp: float = 2_000_000.0
    access_zero_m: float = 1000.0           # a mean increase in distance of this much scores 0
    lease_window_years: float = 3.0         # a lease ending or breaking this soon can be left
    as_of: str = "2025-04-01"               # the date lease windows are counted from
    assumed_utilisation_pct: float | None = None
    # [tenure] scores of a site as host (secure to stay) and as member (easy to release); 1 = best.
    # A lease "ending" ends or breaks within lease_window_years of as_of.
    tenure_scores: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TENURE))
    condition_scores: dict[str, float] = field(default_factory=lambda: {"A": 1.0, "B": 0.7, "C": 0.3, "D": 0.0})
    # [segments]
    overlap_tier: int | None = None         # None: the finest tier of the segments
    # [equity]
    equity_tier: int = 1
    need_variables: dict[str, str] = field(default_factory=lambda: {
        "v33": "high", "v42": "high", "v57": "high", "v39": "low"})
    priority_min_index: float = 120.0
    flag_increase_m: float = 250.0
    # [optimise]
    standard_m: float = 2000.0
    optimise_services: tuple[str, ...] = ()  # empty: every service type in the model
    missing_cost: str | float = "median"
    # [shared]
    shared_within_m: float = 30.0
    # [report]
    report_top: int = 10
    source: str = field(default="the default settings", compare=False)  # where the settings came from

    def as_of_date(self) -> dt.date:
        return dt.date.fromisoformat(self.as_of)


# section → key → (attribute, kind). Kinds are checked by _value().
_LAYOUT: dict[str, dict[str, tuple[str, str]]] = {
    "candidates": {
        "urban_density_per_km2": ("urban_density_per_km2", "positive"),
        "urban_distance_m": ("urban_distance_m", "positive"),
        "rural_distance_m": ("rural_distance_m", "positive"),
        "distance_m": ("distance_m", "positive"),
        "max_sites": ("max_sites", "group_size"),
        "exclude_services": ("exclude_services", "names"),
        "anchor_services": ("anchor_services", "names"),
        "partners": ("partners", "owners"),
    },
    "normalise": {
        "floor_area_full_m2": ("floor_area_full_m2", "positive"),
        "running_cost_full_gbp": ("running_cost_full_gbp", "positive"),
        "capital_receipt_full_gbp": ("capital_receipt_full_gbp", "positive"),
        "access_zero_m": ("access_zero_m", "positive"),
        "lease_window_years": ("lease_window_years", "non_negative"),
        "as_of": ("as_of", "date"),
        "assumed_utilisation_pct": ("assumed_utilisation_pct", "percent"),
    },
    "segments": {"overlap_tier": ("overlap_tier", "tier")},
    "equity": {
        "tier": ("equity_tier", "tier"),
        "priority_min_index": ("priority_min_index", "positive"),
        "flag_increase_m": ("flag_increase_m", "non_negative"),
    },
    "optimise": {
        "standard_m": ("standard_m", "positive"),
        "services": ("optimise_services", "names"),
        "missing_cost": ("missing_cost", "cost_rule"),
    },
    "shared": {"within_m": ("shared_within_m", "positive")},
    "report": {"top": ("report_top", "count")},
}


def parse_config(data: dict[str, Any], source: str) -> ColocateConfig:
    """Settings from a parsed TOML document; anything not given keeps its default."""
    known = set(_LAYOUT) | {"weights", "tenure", "condition", "equity"}
    for section in data:
        if section not in known:
            raise ConfigError(f"{source}: unknown section [{section}]; the sections are "
                              f"{', '.join(sorted(known))}")
    config = ColocateConfig()
    changes: dict[str, Any] = {}
    for section, keys in _LAYOUT.items():
        table = _table(data, section, source)
        for key, value in table.items():
            if section == "equity" and key == "need_variables":
                changes["need_variables"] = _need_variables(value, source)
                continue
            if key not in keys:
                raise ConfigError(f"{source}: unknown setting '{key}' in [{section}]; the settings are "
                                  f"{', '.join(sorted(keys) + (['need_variables'] if section == 'equity' else []))}")
            attribute, kind = keys[key]
            changes[attribute] = _value(value, kind, f"{source}: [{section}] {key}")
    if "weights" in data:
        changes["weights"] = _weights(_table(data, "weights", source), source)
    if "tenure" in data:
        changes["tenure_scores"] = _scores(_table(data, "tenure", source), config.tenure_scores, "tenure", source)
    if "condition" in data:
        changes["condition_scores"] = _scores(_table(data, "condition", source), config.condition_scores,
                                              "condition", source)
    return replace(config, source=source, **changes)


def _table(data: dict, section: str, source: str) -> dict:
    table = data.get(section, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [{section}] must be a table of settings, e.g. [{section}] then key = value")
    return table


def _weights(table: dict, source: str) -> dict[str, float]:
    weights = dict(DEFAULT_WEIGHTS)
    for name, value in table.items():
        if name not in WEIGHT_NAMES:
            raise ConfigError(f"{source}: unknown weight '{name}' in [weights]; the weights are "
                              f"{', '.join(WEIGHT_NAMES)}")
        weights[name] = _value(value, "weight", f"{source}: weight '{name}'")
    if not any(weights.values()):
        raise ConfigError(f"{source}: every weight is 0; give at least one component a positive weight")
    return weights


def _scores(table: dict, defaults: dict[str, float], what: str, source: str) -> dict[str, float]:
    scores = dict(defaults)
    for key, value in table.items():
        if key not in defaults:
            raise ConfigError(f"{source}: unknown {what} '{key}' in [{what}]; give scores for "
                              f"{', '.join(defaults)}")
        scores[key] = _value(value, "score", f"{source}: [{what}] {key}")
    return scores


def _need_variables(value: Any, source: str) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise ConfigError(f"{source}: [equity] need_variables must be a table like {{ v33 = \"high\", "
                          "v39 = \"low\" }}")
    for code, direction in value.items():
        if direction not in NEED_DIRECTIONS:
            raise ConfigError(f"{source}: [equity] need_variables {code} = {direction!r}; use \"high\" (a high "
                              "index means more need) or \"low\" (a low index means more need)")
    return dict(value)


def _value(value: Any, kind: str, label: str) -> Any:
    """Check one setting; returns it in the type the config holds."""
    if kind in ("names", "owners"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            example = '["parks", "allotments"]' if kind == "names" else '["Trafford Council", "DWP"]'
            raise ConfigError(f"{label} must be a list of {'service types' if kind == 'names' else 'owners'}, "
                              f"e.g. {example}")
        return tuple(value)
    if kind == "date":
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            raise ConfigError(f"{label} = {value!r} is not a date; write it as \"YYYY-MM-DD\"") from None
        return str(value)
    if kind == "cost_rule":
        if value == "median":
            return value
        return _number(value, label, minimum=0.0, strict=True, fix="\"median\" or a cost in £ greater than 0")
    if kind in ("group_size", "tier", "count"):
        least = {"group_size": 2, "tier": 1, "count": 1}[kind]
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ConfigError(f"{label} = {value!r} must be a whole number of at least {least}")
        return value
    if kind == "percent":
        number = _number(value, label, minimum=0.0, strict=True, fix="a percentage above 0")
        if number > 100:
            raise ConfigError(f"{label} = {value!r} is above 100; give a percentage between 0 and 100")
        return number
    if kind == "score":
        number = _number(value, label, minimum=0.0, strict=False, fix="a score from 0 to 1")
        if number > 1:
            raise ConfigError(f"{label} = {value!r} is above 1; scores run from 0 (worst) to 1 (best)")
        return number
    strict = kind == "positive"
    fix = "a number greater than 0" if strict else "a number of 0 or more"
    return _number(value, label, minimum=0.0, strict=strict, fix=fix)


def _number(value: Any, label: str, minimum: float, strict: bool, fix: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{label} = {value!r} is not a number; give {fix}")
    if value < minimum or (strict and value == minimum) or value != value:
        word = "negative" if value < 0 else "not allowed"
        raise ConfigError(f"{label} = {value!r} is {word}; give {fix}")
    return float(value)


def config_toml(config: ColocateConfig) -> str:
    """The effective settings as TOML (the same layout --config reads)."""
    lines = ["# Effective settings of this spacemap colocate run (read back with --config).", "", "[weights]"]
    lines += [f"{name} = {_toml(config.weights[name])}" for name in WEIGHT_NAMES]
    for section, keys in _LAYOUT.items():
        lines += ["", f"[{section}]"]
        for key, (attribute, _) in keys.items():
            value = getattr(config, attribute)
            lines.append(f"# {key} not set" if value is None else f"{key} = {_toml(value)}")
        if section == "equity":
            pairs = ", ".join(f"{code} = {_toml(d)}" for code, d in config.need_variables.items())
            lines.append(f"need_variables = {{ {pairs} }}")
    lines += ["", "[tenure]"] + [f"{k} = {_toml(v)}" for k, v in config.tenure_scores.items()]
    lines += ["", "[condition]"] + [f"{k} = {_toml(v)}" for k, v in config.condition_scores.items()]
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def settings_dict(config: ColocateConfig) -> dict[str, Any]:
    """Plain values for the manifest."""
    return {f.name: (list(v) if isinstance(v := getattr(config, f.name), tuple) else v) for f in fields(config)
            if f.name != "source"}
