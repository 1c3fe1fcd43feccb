"""The plain-words reports of ``spacemap segment`` and ``spacemap segment --diagnose``."""

from __future__ import annotations

import numpy as np

from spacemap.segment.hierarchy import SegmentModel

_TRANSFORMS = {"ihs": "inverse hyperbolic sine", "log": "log(1 + x)", "boxcox": "Box-Cox (λ per variable, on x + 1)",
               "none": "no skew transform"}
_SCALES = {"range": "range standardisation to [0, 1]", "zscore": "z-scores"}


def segment_report(run, names_source: str | None) -> str:
    """segment_report.md: method, tiers, sizes, correlated inputs, poor fits, names."""
    model: SegmentModel = run.model
    inputs = run.inputs
    Z = model.transform(inputs.variables)
    total_ss = float(((Z - Z.mean(axis=0)) ** 2).sum())
    lines = [
        f"# Segmentation report — {inputs.area_name}", "",
        f"{len(inputs.variables)} Output Areas, {model.n_features_in_} variables"
        + (f" (spec {inputs.spec.name})" if inputs.spec is not None else "") + ".", "",
        "## Method", "",
        f"Rates → {_TRANSFORMS[model.skew]} → {_SCALES[model.standardise]} → k-means, top down: tier 1 on all "
        f"OAs, then each segment split on its own OAs. Every split keeps the lowest within-cluster sum of "
        f"squares (WCSS) of {model.starts} k-means++ starts"
        + (f" (starts run on a random sample of {model.sample_size:,} OAs, the best refined on all)"
           if len(Z) > 2 * model.sample_size else "") + f"; seed {model.random_state}.",
        "",
        _split_rule(model), "",
        "## Tiers", "",
        "| tier | segments | WCSS | variance explained |", "|---:|---:|---:|---:|",
    ]
    for t, value in enumerate(model.wcss_):
        lines.append(f"| {t + 1} | {len(model.codes_[t])} | {value:.4f} | {100 * (1 - value / total_ss):.1f}% |")
    lines += ["", "## Segments", "", "| tier | code | name | OAs | residents |", "|---:|---|---|---:|---:|"]
    for s in run.segments:
        residents = "" if np.isnan(s.residents) else f"{s.residents:,.0f}"
        lines.append(f"| {s.tier} | {s.code} | {_cell(s.name)} | {s.oas} | {residents} |")
    lines += ["", "## Correlated variables (|r| > 0.8, after the transform)", ""]
    if run.correlations.empty:
        lines.append("No pair of variables is that strongly correlated.")
    else:
        lines.append("Pairs this close carry nearly the same information and weigh it twice; consider "
                     "dropping one of each pair from the spec.")
        lines += ["", "| variable | variable | r |", "|---|---|---:|"]
        for row in run.correlations.itertuples():
            lines.append(f"| {row.variable_a} {_cell(row.name_a)} | {row.variable_b} {_cell(row.name_b)} | {row.r:.3f} |")
    poor = run.oa_segments["poor_fit"]
    lines += ["", "## Fit", "",
              f"{int(poor.sum())} of {len(poor)} OAs fit their segment poorly (far from its centroid, beyond the "
              "upper quartile + 1.5 × IQR of their segment, or with a fit margin below 0.05: almost as near "
              "another segment); see `poor_fit` and `poor_fit_reason` in oa_segments.csv.", "",
              "## Names", ""]
    if names_source:
        lines.append(f"Names from {names_source}; segments it does not name keep their draft names.")
    else:
        lines.append("Draft names written from each segment's two most over-represented variables (below tier 1, "
                     "compared with the parent segment). Edit names.toml and rerun with --names to rename.")
    if run.unknown_names:
        lines.append(f"Codes in the names file that match no segment (not used): {', '.join(run.unknown_names)}.")
    return "\n".join(lines) + "\n"


def diagnose_report(run) -> str:
    """k_diagnostics.md: scores per k and how to read them."""
    scores = run.diagnostics.scores
    lines = [f"# Choosing k — {run.inputs.area_name}", "",
             f"{len(run.inputs.variables)} Output Areas. k-means at each k independently (many starts each), on the "
             "transformed, standardised variables. Silhouette is computed on a random sample of at most 10,000 OAs.",
             "", "| k | WCSS | silhouette | Calinski-Harabasz | Davies-Bouldin |", "|---:|---:|---:|---:|---:|"]
    for row in scores.itertuples():
        lines.append(f"| {row.k} | {row.wcss:.4f} | {row.silhouette:.4f} | {row.calinski_harabasz:.1f} | "
                     f"{row.davies_bouldin:.4f} |")
    lines += ["", "Read together: an elbow in WCSS, a high silhouette and Calinski-Harabasz and a low "
              "Davies-Bouldin point to a good k; the clustergram shows which segments split as k grows.", "",
              f"At k = {run.flag_k}, {len(run.poorly_fitting)} OAs fit poorly (poorly_fitting_oas.csv).", ""]
    lines.append(f"{len(run.correlations)} pairs of variables correlate with |r| > 0.8 (correlations.csv).")
    return "\n".join(lines) + "\n"


def _split_rule(model: SegmentModel) -> str:
    if len(model.codes_) == 1:
        return "One tier only."
    if model.splits:
        return "Sub-segments per parent were given by the user (--split)."
    return ("Each lower tier's total is shared among the parent segments by the greatest-gain rule on WCSS: "
            "every parent gets one sub-segment, then each further one goes to the parent whose within-cluster sum "
            "of squares falls most when it is split once more.")


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|")


def refresh_report(run, model_dir: str) -> str:
    """refresh_report.md: what changed between the censuses, in plain words."""
    g = run.geography
    overall = run.stability[run.stability["old_code"] == "all"]
    mode = ("**assign** — every new-census OA was scored against the frozen old model, so segments keep "
            "their meaning and names" if run.mode == "assign" else
            "**rebuild** — a fresh model with the same tiers was fitted to the new census and its segments "
            "matched to the old ones by optimal assignment on centroid distance")
    lines = [f"# Census refresh — {run.inputs.area_name}", "", f"Old model: `{model_dir}`. Mode: {mode}.", "",
             "## Variables", "",
             f"{len(run.links.pairs)} variables linked; {len(run.links.dropped_old)} model variables and "
             f"{len(run.links.dropped_new)} new-census variables dropped."]
    for code, why in sorted(run.links.dropped_old.items()):
        lines.append(f"- model variable {code}: {why}")
    for code, why in sorted(run.links.dropped_new.items()):
        lines.append(f"- new variable {code}: {why}")
    lines += ["", "## Output Areas", "",
              f"- {g.same_code} OAs have the same code in both censuses and are compared directly.",
              f"- {g.overlaid_old} old OAs were related to {g.overlaid_new} new OAs through their polygons "
              "(area-weighted overlay)." if g.overlaid_old else "- No OAs were related by overlay.",
              f"- {len(g.unmatched_old)} old OAs and {len(g.unmatched_new)} new OAs could not be related "
              "(give both boundary sets to relate split and merged OAs)."]
    lines += ["", "## Stability", "", "Share of each old segment's OAs that stayed in its counterpart.", "",
              "| tier | OAs compared | stayed | stability |", "|---:|---:|---:|---:|"]
    for row in overall.itertuples():
        lines.append(f"| {row.tier} | {row.oas:,.1f} | {row.stayed:,.1f} | {row.stability:.1%} |")
    lines += ["", "| tier | old segment | counterpart | OAs | stability |", "|---:|---|---|---:|---:|"]
    for row in run.stability[run.stability["old_code"] != "all"].itertuples():
        lines.append(f"| {row.tier} | {row.old_code} | {row.counterpart or '—'} | {row.oas:,.1f} | "
                     f"{row.stability:.1%} |")
    lines += ["", "## What changed", ""]
    lines += [f"- {note}" for note in run.findings] or ["- No segment split, merged, appeared or vanished."]
    return "\n".join(lines) + "\n"
