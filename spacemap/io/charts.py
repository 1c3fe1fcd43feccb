"""Save matplotlib figures as PNG files that are the same bytes on every run."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt


def save_png(figure, path: Path, dpi: int = 110) -> Path:
    """Write ``figure`` to ``path`` atomically, without version metadata, and close it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    figure.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(figure)
    tmp.replace(path)
    return path
