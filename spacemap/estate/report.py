"""The estate report (Markdown): rows in = rows out + rejected, why rows were rejected,
what the estate holds, which optional fields are missing and which values are estimated."""

from __future__ import annotations

import re

from spacemap.estate.schema import LIST_SEPARATOR, SERVICE_TYPES
from spacemap.io.embedded import describe_path

_QUOTED = re.compile(r"'[^']*'")
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")


def reason_kind(reason: str) -> str:
    """A reject reason with its values blanked, to count reasons of one kind together."""
    return _NUMBERS.sub("N", _QUOTED.sub("'…'", reason))


def estate_report(run) -> str:
    """The report of an ``EstateRun`` as Markdown."""
    sites = run.sites
    rows_out = sum(c.rows_out for c in run.counts)
    lines = [
        f"# Estate report: {run.config.title}",
        "",
        f"Config: `{describe_path(run.config.path)}`" if run.config.path else "Config: given in code",
        "",
        f"**{len(sites)} sites** ({int(sites['shared'].sum())} shared by two or more occupiers) from "
        f"{rows_out} register rows; {len(run.rejects)} rows rejected (`estate_rejects.csv`, with the reason).",
        "",
    ]
    for section in (_balance, _rejects, _owners, _services, _shared, _locations, _missing, _estimates,
                    _conflicts, _rules):
        lines += section(run)
    return "\n".join(lines).rstrip() + "\n"


def _table(header: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return out + [""]


def _balance(run) -> list[str]:
    rows = [[c.name, f"`{describe_path(c.path)}`", c.rows_in, c.rows_out, c.rejected,
             "yes" if c.rows_in == c.rows_out + c.rejected else "**NO**"] for c in run.counts]
    total_in = sum(c.rows_in for c in run.counts)
    total_out = sum(c.rows_out for c in run.counts)
    total_rejected = sum(c.rejected for c in run.counts)
    rows.append(["**all**", "", total_in, total_out, total_rejected,
                 "yes" if total_in == total_out + total_rejected else "**NO**"])
    blank = sum(c.blank_rows for c in run.counts)
    note = [f"Blank lines skipped (not records): {blank}.", ""] if blank else []
    return ["## Rows in = rows out + rejected", ""] + _table(
        ["register", "file", "rows in", "rows out", "rejected", "balanced"], rows) + note


def _rejects(run) -> list[str]:
    if run.rejects.empty:
        return ["## Rejected rows", "", "None.", ""]
    kinds = run.rejects.assign(kind=run.rejects["reason"].map(reason_kind))
    counts = kinds.groupby(["source_register", "kind"], sort=False).size().reset_index(name="rows")
    order = {c.name: i for i, c in enumerate(run.counts)}
    counts["order"] = counts["source_register"].map(order)
    counts = counts.sort_values(["order", "rows", "kind"], ascending=[True, False, True], kind="stable")
    return ["## Why rows were rejected", ""] + _table(
        ["register", "reason", "rows"], counts[["source_register", "kind", "rows"]].to_numpy().tolist())


def _owners(run) -> list[str]:
    sites = run.sites
    if sites.empty:
        return []
    owners = sites.assign(owner=sites["owner"].fillna("(not stated)")).groupby("owner").agg(
        sites=("site_id", "size"), shared=("shared", "sum"), floor_area_m2=("floor_area_m2", "sum"))
    owners = owners.sort_values(["sites"], ascending=False, kind="stable")
    rows = [[owner, int(r.sites), int(r.shared), f"{r.floor_area_m2:,.0f}"] for owner, r in owners.iterrows()]
    return ["## Sites by owner", ""] + _table(["owner", "sites", "shared", "known floor area (m²)"], rows)


def _services(run) -> list[str]:
    items = run.sites["services"].dropna().str.split(LIST_SEPARATOR).explode()
    counts = items.value_counts()
    rows = [[f"`{s}`", SERVICE_TYPES[s], int(counts.get(s, 0))] for s in SERVICE_TYPES if counts.get(s, 0)]
    none = int(run.sites["services"].isna().sum())
    return ["## Services delivered", ""] + _table(["service", "meaning", "sites"], rows) + [
        f"Sites with no service stated: {none}.", ""]


def _shared(run) -> list[str]:
    shared = run.sites[run.sites["shared"]]
    if shared.empty:
        return ["## Shared sites", "", "None found.", ""]
    rows = [[r.name, r.occupiers, r.services if isinstance(r.services, str) else "", r.source_registers]
            for r in shared.itertuples()]
    return ["## Shared sites", ""] + _table(["site", "occupiers", "services", "registers"], rows)


def _locations(run) -> list[str]:
    sources = run.occupancies["location_source"].value_counts()
    outside = int(run.occupancies["outside_boundary"].sum())
    rows = [[source, int(count)] for source, count in sources.items()]
    note = [f"Rows outside the area boundary but within its buffer (kept, `outside_boundary`): {outside}.", ""]
    return ["## How rows were located", ""] + _table(["location source", "rows"], rows) + note


def _missing(run) -> list[str]:
    missing = run.missing.T
    missing = missing[missing.sum(axis=1) > 0]
    if missing.empty:
        return ["## Missing optional fields", "", "None: every accepted row has every optional field.", ""]
    header = ["field"] + list(missing.columns)
    rows = [[field] + [int(v) for v in values] for field, values in missing.iterrows()]
    outro = ["Counts of accepted rows where the field is empty. Missing values stay missing: nothing is "
             "invented, apart from the documented estimates below.", ""]
    return ["## Missing optional fields (accepted rows)", ""] + _table(header, rows) + outro


def _estimates(run) -> list[str]:
    if run.config.assumptions is None:
        return ["## Estimated values", "", "None: the config names no assumption table.", ""]
    if run.assumptions.empty:
        return ["## Estimated values", "", f"None: `{describe_path(run.config.assumptions)}` has no rows.", ""]
    rows = [[r.row, r.match, f"`{r.field}`", f"{r.value:,.0f}", r.sites, r.source, r.reason]
            for r in run.assumptions.itertuples()]
    flagged = int(run.sites["estimated_fields"].notna().sum())
    intro = [f"From `{describe_path(run.config.assumptions)}`. {flagged} site(s) carry an estimate, listed in "
             "their `estimated_fields` column.", ""]
    return ["## Estimated values", ""] + intro + _table(
        ["table row", "sites matched by", "field", "value", "sites filled", "source", "reason"], rows)


def _conflicts(run) -> list[str]:
    if run.uprn_conflicts.empty:
        return []
    rows = [[r.uprn, r.record_id, r.other_record_id, f"{r.distance_m:,.0f}"] for r in run.uprn_conflicts.itertuples()]
    intro = [f"These rows share a UPRN but lie more than {run.config.merge_uprn_within_m:g} m apart, so they "
             "were not merged: one of them has a wrong UPRN or location.", ""]
    return ["## UPRN conflicts", ""] + intro + _table(["UPRN", "record", "other record", "distance (m)"], rows)


def _rules(run) -> list[str]:
    config = run.config
    return [
        "## Rules applied",
        "",
        "- Coordinates win over a postcode. Longitude/latitude given the wrong way round is unambiguous in "
        "Great Britain: the row is kept, swapped back and marked `coordinates_swapped_fixed`.",
        "- A postcode is placed at its centroid from the postcode lookup only when it is a full postcode; an "
        "outward code alone (\"M41\") covers several km², so such a row is rejected.",
        f"- Rows more than {config.buffer_m:g} m outside the area boundary are rejected; rows within that "
        "buffer are kept and flagged `outside_boundary`.",
        f"- One building: rows that share a UPRN (within {config.merge_uprn_within_m:g} m), or lie within "
        f"{config.merge_distance_m:g} m with names or addresses at least {config.merge_similarity:g} alike. "
        "A site's owner is that of its first row (registers in config order); occupiers and services are "
        "the union of its rows'. A site is `shared` when it has two or more occupiers.",
        "- Floor areas are converted to m² from the unit in the cell or the register's unit; the measure "
        "(GIA/NIA/GEA) is kept in `floor_area_measure`.",
        "",
    ]
