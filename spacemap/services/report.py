"""services_report.md: what was read, what was done, and what stands out, in plain words."""

from __future__ import annotations

import pandas as pd

from spacemap.services.disclosure import SUPPRESS_FROM, SUPPRESS_TO

LISTED = 10


def services_report(run) -> str:
    """The report of a ServicesRun (``spacemap.services.pipeline``)."""
    s = run.settings
    lines = ["# Service use, take-up and access", "", "## What was read", ""]
    lines += [f"- Area: {len(run.access)} Output Areas; residents from {run.sources['area']}.",
              f"- Sites: {run.sources['sites']}; by service type: "
              + ", ".join(f"{k} {v}" for k, v in run.counts_by_service.items()) + ".",
              f"- Segments: {run.sources['segments']}.",
              f"- OA points: {run.sources['points']}."]
    lines += _records(run) + _catchments(run)
    lines += ["", "## Method", ""] + _method(run)
    lines += ["", "## Results", ""] + _totals(run) + _flags(run)
    lines += ["", "## Disclosure control", "",
              f"Counts from {SUPPRESS_FROM} to {SUPPRESS_TO} are withheld, and where a published total would let "
              "a withheld count be worked out, the next smallest count of that total is withheld too. A withheld "
              "cell shows no count, rate, observed/expected, interval or flag. "
              f"Withheld: {run.tables.suppressed_oa} OA cells, {run.tables.suppressed_segments} segment cells. "
              "Only aggregates are written; the rejects file holds row numbers and reasons only."]
    lines += ["", "## Files", ""] + _files(run)
    return "\n".join(lines) + "\n"


def _records(run) -> list[str]:
    r = run.records
    if r is None:
        return []
    lines = ["", "### Service-use records", "",
             f"Rows in = used + rejected: {r.rows_in} = {r.rows_used} + {len(r.rejects)}."]
    placed = {"oa_code": "by OA code", "postcode": "by postcode", "lsoa_code": "by LSOA (shared out by residents)"}
    if r.placed_by:
        lines.append("Rows placed " + ", ".join(f"{placed[k]}: {v}" for k, v in r.placed_by.items()) + ".")
    if len(r.rejects):
        lines += ["", "| reason | rows |", "|---|---|"]
        for reason, n in r.rejects["reason"].value_counts().sort_index().items():
            lines.append(f"| {reason} | {n} |")
    return lines


def _catchments(run) -> list[str]:
    lines = []
    for c in run.catchments:
        t = c.totals
        lines += ["", f"### Site totals: {t.service}", "",
                  f"{len(t.matched)} rows matched to {int((t.totals > 0).sum())} of the {len(t.totals)} '{t.service}' "
                  "sites (by " + ", ".join(f"{k}: {v}" for k, v in t.matched["matched_by"].value_counts()
                                          .sort_index().items()) + f"); {t.totals.sum():,.0f} users in all."]
        if t.unlisted:
            lines.append(f"Sites with no row, modelled with no users: {', '.join(t.unlisted)}.")
    return lines


def _method(run) -> list[str]:
    s = run.settings
    lines = [f"- **Take-up.** For each service and record type, the area-wide rate is all its records over all "
             "residents; an area's expected count is that rate times its residents. Observed ÷ expected (O/E) has "
             f"an exact Poisson {s.confidence:.0%} interval. *Non-take-up*: the whole interval is below 1; "
             "*hot spot* (for complaints, a complaint hot spot): the whole interval is above 1. No correction for "
             "testing many areas: the flags say where to look."]
    for c in run.catchments:
        p = c.result.parameters
        unit = "per km of estimated route" if c.cost_unit == "km" else "per minute of travel"
        areas = (f" The OAs and sites fall into {p['separate_areas']} separate catchment areas with no pair "
                 "between them; each area's OAs send its own sites' users." if p["separate_areas"] > 1 else "")
        lines.append(
            f"- **Catchment model ({p['service']}, modelled).** Only site totals exist, so users are placed by a "
            f"Huff model: OA *i*'s residents go to site *j* in proportion to attractiveness × decay, with "
            f"{p['decay']} decay, β = {p['beta']:g} {unit}, sites within the cut-off only. Attractiveness is "
            f"calibrated as balancing factors until each site's modelled users match its total "
            f"({p['dual_iterations']} L-BFGS + {p['balancing_iterations']} balancing iterations, largest site "
            f"error {p['max_relative_error']:.1e}).{areas} Because every OA sends users in proportion to its "
            "residents, modelled O/E is 1 wherever a site is in reach (the same for every OA of one catchment "
            "area): the model tells which site serves which OA "
            f"(catchments_oa.csv), not who under-uses a service. OAs with no site in reach: {c.result.unreached_oas}.")
    if run.access is not None:
        cost = (f"straight-line distance × detour factor {s.detour_factor:g} within {s.cutoff_m:,.0f} m"
                if not any(col.startswith("minutes_") for col in run.access.columns)
                else f"the travel-time table's minutes within {s.cutoff_minutes:g} minutes")
        supplies = ", ".join(f"{k}: {v}" for k, v in run.supplies.items())
        lines.append(f"- **Accessibility.** Distance to the nearest site of each type is straight-line metres from "
                     f"the OA's point. The two-step floating catchment score (2SFCA) uses {cost}: each site's "
                     "supply is divided by the residents in reach, and an OA's score adds up the ratios of the sites "
                     f"in its reach (supply per 1,000 residents). Supply: {supplies}.")
    lines.append(f"- **Rasters.** {s.cell_size_m:g} m cells in EPSG:27700; without a population raster, OA residents "
                 "are spread evenly over the cells of their OA.")
    return lines


def _totals(run) -> list[str]:
    lines = ["| service | record type | modelled | count | rate per 1,000 |", "|---|---|---|---|---|"]
    for _, row in run.tables.totals.iterrows():
        count = "withheld" if pd.isna(row["count"]) else f"{int(row['count']):,}"
        rate = "withheld" if pd.isna(row["rate_per_1000"]) else f"{row['rate_per_1000']:.1f}"
        lines.append(f"| {row['service']} | {row['record_type']} | {'yes' if row['modelled'] else 'no'} | "
                     f"{count} | {rate} |")
    return lines


def _flags(run) -> list[str]:
    lines = []
    for label, table, unit in (("OAs", run.tables.oa, "oa_code"), ("segments", run.tables.segments, "segment_name")):
        if table is None:
            continue
        for (service, record_type), group in table.groupby(["service", "record_type"], sort=True):
            low = group[group["non_take_up"] == True].sort_values("observed_expected")  # noqa: E712 (NA-safe)
            high = group[group["hot_spot"] == True].sort_values("observed_expected", ascending=False)  # noqa: E712
            what = "complaint hot spots" if "complaint" in str(record_type).lower() else "hot spots (above expected)"
            lines += ["", f"**{service} {record_type}, {label}:** {len(low)} non-take-up, {len(high)} {what}."]
            for name, chosen in (("Non-take-up", low), (what.capitalize(), high)):
                if len(chosen):
                    shown = ", ".join(f"{_label(r, unit)} (O/E {r['observed_expected']:.2f})"
                                      for _, r in chosen.head(LISTED).iterrows())
                    lines.append(f"- {name}: {shown}" + (" …" if len(chosen) > LISTED else ""))
    return lines


def _label(row, unit: str) -> str:
    return f"tier {row['tier']} {row[unit]}" if unit == "segment_name" else str(row[unit])


def _files(run) -> list[str]:
    files = ["service_use_oa.csv — per OA, service and record type: count, rate, O/E, interval, flags",
             "access_oa.csv — per OA: the point used, distance to the nearest site and 2SFCA score per type",
             "rasters/*.tif — population, distance per service type, segment codes (EPSG:27700)",
             "manifest.json — options, parameters, versions and input checksums"]
    if run.tables.segments is not None:
        files.insert(1, "service_use_segments.csv — the same measures per tier, segment, service and record type")
        files.insert(4, "rasters/segments_values.csv — what each segment raster value means")
    if run.catchments:
        files.append("catchment_sites.csv, catchments_oa.csv — the fitted model per site, and each OA's main site")
    if run.records is not None and len(run.records.rejects):
        files.append("services_rejects.csv — the rows not used: row number and reason")
    return [f"- {f}" for f in files]
