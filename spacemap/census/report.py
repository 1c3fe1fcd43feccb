"""The census ingest report (Markdown): coverage, gaps and a summary of each variable."""

from __future__ import annotations

from spacemap.census.pipeline import CensusRun
from spacemap.io.embedded import describe_path


def census_report(run: CensusRun) -> str:
    """Render ``census_report.md`` for one census run."""
    spec = run.spec
    lines = [
        "# Census ingest report",
        "",
        f"- Spec: **{spec.name}** — {spec.title or 'user spec'}; {len(spec.variables)} variables computed"
        f" of {len(run.requested_spec.variables)} requested.",
        f"- Census input: `{describe_path(run.census_path)}` ({len(run.inputs) - (run.boundaries_path is not None)} file(s) read).",
        f"- Boundaries: `{describe_path(run.boundaries_path)}`" if run.boundaries_path else "- Boundaries: none given (coverage not checked).",
        f"- Output Areas in the variables table: {len(run.variables)}.",
        "",
    ]
    lines += _coverage(run) + _missing(run) + _zero_denominators(run) + _above_100(run)
    lines += _reference_rates(run) + _summary(run)
    return "\n".join(lines).rstrip() + "\n"


def _coverage(run: CensusRun) -> list[str]:
    cov = run.coverage
    lines = ["## Coverage", "", "| | Output Areas |", "|---|---:|", f"| in the census tables | {cov.table_oas} |"]
    if cov.boundary_oas is None:
        return lines + ["", "No boundaries were given, so OAs were not compared with boundaries.", ""]
    both = cov.table_oas - len(cov.tables_only)
    lines += [
        f"| in the boundaries | {cov.boundary_oas} |",
        f"| in both | {both} |",
        f"| in the tables but not the boundaries | {len(cov.tables_only)} |",
        f"| in the boundaries but not the tables | {len(cov.boundaries_only)} |",
        "",
    ]
    for title, codes in (("In the tables but not the boundaries", cov.tables_only),
                         ("In the boundaries but not the tables", cov.boundaries_only)):
        if codes:
            lines += [f"{title}: {_codes(codes)}", ""]
    return lines


def _missing(run: CensusRun) -> list[str]:
    lines = ["## Missing cells", ""]
    if not run.dropped:
        return lines + ["Every cell the spec needs was found.", ""]
    lines += ["These variables were dropped (`--allow-missing`):", "", "| variable | why |", "|---|---|"]
    lines += [f"| {code} | {reason} |" for code, reason in run.dropped.items()]
    return lines + [""]


def _zero_denominators(run: CensusRun) -> list[str]:
    lines = ["## Zero denominators", ""]
    zero = run.rates.zero_denominators
    if not zero:
        return lines + ["No Output Area has a zero denominator.", ""]
    lines += ["Rates set to 0 because the denominator is 0 (`--zero-denominators zero`):", "",
              "| variable | OAs | codes |", "|---|---:|---|"]
    lines += [f"| {code} | {len(codes)} | {_codes(codes)} |" for code, codes in zero.items()]
    return lines + [""]


def _above_100(run: CensusRun) -> list[str]:
    over = run.rates.above_100
    if not over:
        return []
    lines = ["## Percentages above 100", "", "The numerator exceeds the denominator — check the input tables:", "",
             "| variable | OAs | codes |", "|---|---:|---|"]
    lines += [f"| {code} | {len(codes)} | {_codes(codes)} |" for code, codes in over.items()]
    return lines + [""]


def _reference_rates(run: CensusRun) -> list[str]:
    lines = []
    for code, rates in run.rates.reference_rates.items():
        variable = next(v for v in run.spec.variables if v.code == code)
        origin = "given in the spec" if variable.reference_rates else "estimated from this area (non-negative least squares)"
        lines += [f"## Reference rates for {code} ({variable.name})", "", f"Age-specific rates {origin}:", "",
                  "| age group | rate |", "|---|---:|"]
        lines += [f"| {cell} | {rate:.6f} |" for cell, rate in rates.items()]
        lines += [""]
    return lines


def _summary(run: CensusRun) -> list[str]:
    lines = ["## Variables", "", "| code | name | form | min | median | max |", "|---|---|---|---:|---:|---:|"]
    for variable in run.spec.variables:
        values = run.variables[variable.code]
        lines.append(
            f"| {variable.code} | {variable.name} | {variable.form} | "
            f"{values.min():.2f} | {values.median():.2f} | {values.max():.2f} |"
        )
    return lines + [""]


def _codes(codes: list[str], limit: int = 20) -> str:
    shown = ", ".join(codes[:limit])
    return shown + (f" … ({len(codes)} in all)" if len(codes) > limit else "")
