"""Draft names and pen portraits written from each segment's most distinctive variables,
and the ``names.toml`` file users edit to rename segments.
"""

from __future__ import annotations

import re
import tomllib

import numpy as np

from spacemap.errors import ConfigError
from spacemap.segment.profiles import Segment, distinctive

_LEADING_CODE = re.compile(r"^(L\d+\s+|\d+\.\s+)")


def short_label(name: str) -> str:
    """A variable name without its classification prefix ("2. Professional…" → "Professional…")."""
    return _LEADING_CODE.sub("", name).strip()


def references(model, area_centre: np.ndarray, against_parent: bool) -> list[np.ndarray]:
    """What each segment is compared with: the area, or (below tier 1) its parent segment."""
    out = []
    for t, centres in enumerate(model.centroids_):
        if t == 0 or not against_parent:
            out.append(np.broadcast_to(area_centre, centres.shape))
        else:
            out.append(model.centroids_[t - 1][model.parents_[t]])
    return out


def draft_names(model, labels: dict[str, str], refs: list[np.ndarray]) -> list[list[str]]:
    """A name per segment from its two most over-represented variables, unique within each tier.

    Below tier 1 a segment is compared with its parent, so that siblings get different names.
    """
    names = []
    for t, centres in enumerate(model.centroids_):
        tier_names, seen = [], set()
        for i, (code, centre) in enumerate(zip(model.codes_[t], centres)):
            above, _ = distinctive(centre, refs[t][i], 2)
            words = [short_label(labels[model.feature_names_in_[i]]) for i in above] or ["Typical of the area"]
            name = " & ".join(words)
            if name in seen:
                name = f"{name} ({code})"
            seen.add(name)
            tier_names.append(name)
        names.append(tier_names)
    return names


def apply_names(drafts: list[list[str]], codes: list[list[str]], given: dict[str, str]) -> tuple[list[list[str]], list[str]]:
    """Drafts overridden by user names (by segment code); also the given codes that match no segment."""
    known = {code for tier in codes for code in tier}
    names = [[given.get(code, draft) for code, draft in zip(tier_codes, tier_drafts)]
             for tier_codes, tier_drafts in zip(codes, drafts)]
    return names, sorted(set(given) - known)


def parse_names(text: str, source: str) -> dict[str, str]:
    """Segment code → name from a ``names.toml`` text (tables ``[tier1]``, ``[tier2]`` …)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: not valid TOML ({error}); fix the line or delete the file to start again") from None
    names: dict[str, str] = {}
    for table, entries in data.items():
        if not re.fullmatch(r"tier\d+", table) or not isinstance(entries, dict):
            raise ConfigError(f"{source}: unexpected entry '{table}'; the file holds tables [tier1], [tier2] … "
                              "of code = \"name\" lines")
        for code, name in entries.items():
            if not isinstance(name, str) or not name.strip():
                raise ConfigError(f"{source}: [{table}] segment '{code}' needs a non-empty name in quotes")
            names[str(code)] = " ".join(name.split())
    return names


def names_toml(segments: list[Segment], model, labels: dict[str, str], refs: list[np.ndarray]) -> str:
    """The editable names file, each line annotated with what makes the segment distinctive."""
    lines = [
        "# Segment names. Edit the names in quotes (keep the codes), then rerun spacemap segment",
        "# with --names names.toml (or rerun with --overwrite into this folder): names are kept",
        "# by segment code, and spacemap refresh carries them to the next census.",
    ]
    for tier in sorted({s.tier for s in segments}):
        lines += ["", f"[tier{tier}]"]
        for segment in (s for s in segments if s.tier == tier):
            above, below = distinctive(model.centroids_[tier - 1][segment.index], refs[tier - 1][segment.index], 3)
            hint = "; ".join(
                ["more " + ", ".join(short_label(labels[model.feature_names_in_[i]]) for i in above)] * bool(above)
                + ["fewer " + ", ".join(short_label(labels[model.feature_names_in_[i]]) for i in below)] * bool(below))
            lines.append(f"# {segment.oas} OAs; {hint}")
            lines.append(f"{_toml_key(segment.code)} = {_toml_string(segment.name)}")
    return "\n".join(lines) + "\n"


def pen_portraits(segments: list[Segment], model, labels: dict[str, str], scores: list[np.ndarray],
                  area_centre: np.ndarray, area_name: str) -> str:
    """Markdown: one draft portrait per segment, from its most distinctive variables."""
    total_oas = sum(s.oas for s in segments if s.tier == 1)
    total_residents = sum(s.residents for s in segments if s.tier == 1)
    by_code = {s.code: s for s in segments}
    out = [f"# Pen portraits — {area_name}", "",
           "Draft portraits written from each segment's most distinctive variables. Index scores compare",
           "the segment's mean rate with the area's (100 = as the area as a whole). Edit freely.", ""]
    for segment in segments:
        t = segment.tier - 1
        above, below = distinctive(model.centroids_[t][segment.index], area_centre, 5)
        heading = "#" * min(segment.tier + 1, 6)
        out.append(f"{heading} {segment.code} — {segment.name}")
        out.append("")
        size = f"{segment.oas} OAs ({_share(segment.oas, total_oas)} of the area)"
        if not np.isnan(segment.residents):
            size += f", {segment.residents:,.0f} residents ({_share(segment.residents, total_residents)})"
        if segment.parent_code:
            parent = by_code[segment.parent_code]
            size += f"; part of {parent.code} — {parent.name}"
        out.append(size + ".")
        out.append("")
        out.append(_sentence(above, below, labels, model.feature_names_in_, scores[t][segment.index]))
        out.append("")
    return "\n".join(out)


def portrait_line(segment: Segment, model, labels: dict[str, str], area_centre: np.ndarray) -> str:
    """One line for a tooltip: the segment's three most over-represented variables."""
    above, _ = distinctive(model.centroids_[segment.tier - 1][segment.index], area_centre, 3)
    if not above:
        return "Close to the area average on every variable."
    return "More " + ", ".join(short_label(labels[model.feature_names_in_[i]]).lower() for i in above) + " than the area."


def _sentence(above, below, labels, variables, scores) -> str:
    def phrase(indices):
        return ", ".join(f"{short_label(labels[variables[i]]).lower()} (index {_index(scores[i])})" for i in indices)
    parts = []
    if above:
        parts.append(f"Compared with the area as a whole, these OAs have more {phrase(above)}")
    if below:
        parts.append(("and " if above else "Compared with the area as a whole, these OAs have ") + f"fewer {phrase(below)}")
    return (" ".join(parts) + ".") if parts else "This segment is close to the area average on every variable."


def _index(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:.0f}"


def _share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def _toml_key(code: str) -> str:
    return f'"{code}"'


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in escaped)
    return f'"{escaped}"'
