"""Charts of a segmentation, for people who would rather look than read.

Each function returns a matplotlib Figure; ``spacemap.io.charts`` saves it as PNG.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402

from spacemap.segment.portraits import short_label  # noqa: E402


def index_heatmap(profiles: pd.DataFrame, tier: int, variables: list[str], labels: dict[str, str]):
    """Segments × variables, coloured by index score on a log scale centred on 100."""
    rows = profiles[profiles["tier"] == tier]
    scores = rows[variables].to_numpy(dtype=float)
    finite = scores[np.isfinite(scores) & (scores > 0)]
    spread = max(2.0, float(np.nanmax(np.abs(np.log(finite / 100.0)))) if finite.size else 2.0)
    spread = min(spread, np.log(10.0))
    fig_height = max(3.0, 0.32 * len(rows) + 2.5)
    fig, ax = plt.subplots(figsize=(max(10.0, 0.22 * len(variables) + 3), fig_height))
    clipped = np.clip(np.nan_to_num(scores, nan=100.0), 100 * np.exp(-spread), 100 * np.exp(spread))
    image = ax.imshow(clipped, aspect="auto", cmap="RdBu_r",
                      norm=LogNorm(vmin=100 * np.exp(-spread), vmax=100 * np.exp(spread)))
    ax.set_yticks(range(len(rows)), [f"{c} {n}"[:48] for c, n in zip(rows["code"], rows["name"])], fontsize=7)
    ax.set_xticks(range(len(variables)), [short_label(labels.get(v, v))[:28] for v in variables],
                  rotation=90, fontsize=6)
    ax.set_title(f"Index scores, tier {tier} (100 = area average; red above, blue below)", fontsize=10)
    bar = fig.colorbar(image, ax=ax, fraction=0.025, pad=0.01)
    ticks = [t for t in (10, 25, 50, 100, 200, 400, 1000) if 100 * np.exp(-spread) <= t <= 100 * np.exp(spread)]
    bar.set_ticks(ticks, labels=[str(t) for t in ticks])
    bar.minorticks_off()
    bar.set_label("index score")
    fig.tight_layout()
    return fig


def segment_sizes(profiles: pd.DataFrame):
    """Horizontal bars: OAs (and residents, when known) per segment, one panel per tier."""
    tiers = sorted(profiles["tier"].unique())
    heights = [max(1, (profiles["tier"] == t).sum()) for t in tiers]
    fig, axes = plt.subplots(len(tiers), 1, figsize=(8, 1.2 + 0.28 * sum(heights) + 0.6 * len(tiers)),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, tier in zip(axes[:, 0], tiers):
        rows = profiles[profiles["tier"] == tier]
        y = np.arange(len(rows))[::-1]
        ax.barh(y, rows["oas"], color=plt.cm.tab20(np.arange(len(rows)) % 20))
        ax.set_yticks(y, [f"{c} {n}"[:44] for c, n in zip(rows["code"], rows["name"])], fontsize=7)
        ax.set_xlabel("Output Areas", fontsize=8)
        ax.set_title(f"Tier {tier}: segment sizes", fontsize=9)
        if rows["residents"].notna().all():
            for yi, oas, residents in zip(y, rows["oas"], rows["residents"]):
                ax.text(oas, yi, f" {residents:,.0f} residents", va="center", fontsize=6)
    fig.tight_layout()
    return fig


def k_scores(scores: pd.DataFrame):
    """Elbow (WCSS) and the three validity indices against k."""
    fig, axes = plt.subplots(2, 2, figsize=(9, 6))
    panels = [("wcss", "WCSS (look for the elbow)"), ("silhouette", "Silhouette (higher is better)"),
              ("calinski_harabasz", "Calinski-Harabasz (higher is better)"),
              ("davies_bouldin", "Davies-Bouldin (lower is better)")]
    for ax, (column, title) in zip(axes.ravel(), panels):
        ax.plot(scores["k"], scores[column], marker="o")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("k (segments)", fontsize=8)
        ax.set_xticks(scores["k"])
    fig.tight_layout()
    return fig


def clustergram(k_values: list[int], means: list[np.ndarray], flows: list[np.ndarray]):
    """Cluster means on the first principal component for each k, linked by the OAs they share."""
    fig, ax = plt.subplots(figsize=(9, 5))
    total = max(1, int(flows[0].sum())) if flows else 1
    for (a, b), flow, ma, mb in zip(zip(k_values, k_values[1:]), flows, means, means[1:]):
        for i, j in zip(*np.nonzero(flow)):
            ax.plot([a, b], [ma[i], mb[j]], color="tab:blue", alpha=0.6,
                    linewidth=0.3 + 12 * flow[i, j] / total, solid_capstyle="butt")
    for k, m in zip(k_values, means):
        ax.scatter(np.full(len(m), k), m, s=12, color="black", zorder=3)
    ax.set_xlabel("k (segments)")
    ax.set_ylabel("cluster mean on principal component 1")
    ax.set_xticks(k_values)
    ax.set_title("Clustergram: how segments split as k grows (line width = OAs)", fontsize=10)
    fig.tight_layout()
    return fig


def flows(table: pd.DataFrame, tier: int, old_names: dict[str, str], new_names: dict[str, str]):
    """Old segments (left) to new segments (right), bands as wide as the OAs moving between them."""
    rows = table[(table["tier"] == tier) & (table["oas"] > 0)]
    old_codes = sorted(rows["old_code"].unique(), key=_code_key)
    new_codes = sorted(rows["new_code"].unique(), key=_code_key)
    total = rows["oas"].sum()
    gap = 0.02 * total
    fig, ax = plt.subplots(figsize=(9, max(4.0, 0.35 * max(len(old_codes), len(new_codes)) + 2)))
    old_top = _stack(rows.groupby("old_code")["oas"].sum(), old_codes, gap)
    new_top = _stack(rows.groupby("new_code")["oas"].sum(), new_codes, gap)
    old_fill, new_fill = dict(old_top), dict(new_top)
    colours = {code: plt.cm.tab20(i % 20) for i, code in enumerate(old_codes)}
    x = np.linspace(0, 1, 50)
    ease = 3 * x ** 2 - 2 * x ** 3
    for row in rows.sort_values(["old_code", "new_code"], key=lambda s: s.map(_code_key)).itertuples():
        y0, y1 = old_fill[row.old_code], new_fill[row.new_code]
        lower = y0 + (y1 - y0) * ease
        ax.fill_between(x, lower, lower + row.oas, color=colours[row.old_code], alpha=0.55, linewidth=0)
        old_fill[row.old_code] += row.oas
        new_fill[row.new_code] += row.oas
    for codes, tops, side, names in ((old_codes, old_top, 0, old_names), (new_codes, new_top, 1, new_names)):
        sizes = rows.groupby("old_code" if side == 0 else "new_code")["oas"].sum()
        for code in codes:
            ax.add_patch(plt.Rectangle((side - 0.015, tops[code]), 0.03, sizes[code], color="black"))
            label = f"{code} {names.get(code, '')}"[:34]
            ax.text(side + (-0.03 if side == 0 else 0.03), tops[code] + sizes[code] / 2, label,
                    ha="right" if side == 0 else "left", va="center", fontsize=7)
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(-gap, total + gap * (max(len(old_codes), len(new_codes)) + 1))
    ax.invert_yaxis()
    ax.axis("off")
    ax.set_title(f"Tier {tier}: where each old segment's OAs went (band width = OAs)", fontsize=10)
    fig.tight_layout()
    return fig


def _stack(sizes: pd.Series, codes: list[str], gap: float) -> dict[str, float]:
    tops, y = {}, 0.0
    for code in codes:
        tops[code] = y
        y += sizes.get(code, 0) + gap
    return tops


def _code_key(code: str):
    return (len(code), code)
