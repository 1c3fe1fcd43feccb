"""Small variables tables with a known cluster structure, built in code."""

from __future__ import annotations

import numpy as np
import pandas as pd


def nested_table(per_leaf: int = 30, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """3 well-separated groups, each of 2 sub-groups: rates (percentages) and the true labels."""
    rng = np.random.default_rng(seed)
    tops = np.array([[5.0, 60.0, 10.0, 30.0], [60.0, 5.0, 30.0, 10.0], [30.0, 30.0, 60.0, 60.0]])
    rows, top, leaf = [], [], []
    for t, centre in enumerate(tops):
        for s, shift in enumerate((np.array([-4.0, 0, 4.0, 0]), np.array([4.0, 0, -4.0, 0]))):
            rows.append(centre + shift + rng.normal(0, 0.5, (per_leaf, 4)))
            top += [t] * per_leaf
            leaf += [2 * t + s] * per_leaf
    values = np.clip(np.vstack(rows), 0, 100)
    frame = pd.DataFrame(values, columns=["v1", "v2", "v3", "v4"])
    frame.insert(0, "oa_code", [f"E{i:08d}" for i in range(len(frame))])
    return frame, np.array(top), np.array(leaf)
