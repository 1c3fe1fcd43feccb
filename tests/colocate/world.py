"""A hand-made area and estate whose co-location answers are worked out by hand.

Four OAs of 1 km², residents 100 / 200 / 300 / 400, points at their centroids::

    O1 (500, 500)      O2 (1500, 500)                       segment 1 (priority)
    O4 (2500, 3500)    O3 (3500, 3500)                      segment 2

Sites (EPSG:27700 metres)::

    A  library   Trafford Council   (500, 500)    freehold, 500 m², 50 % used  → 250 m² spare
    B  gp        NHS practice       (700, 500)    leasehold, 200 m², 100 % used, £50,000 a year
    C  gp        NHS practice 2     (3500, 3700)  freehold, 300 m², 50 % used  → 150 m² spare
    D  pharmacy  Chemist Ltd        (3600, 3700)  leasehold, 100 m², 80 % used
    E  parks     Trafford Council   (600, 600)    tied to its land: never grouped
    F  library   Trafford Council   (2500, 3500)  no other site within 800 m

With one cut-off of 800 m the candidates are A hosting B (200 m apart) and C hosting D
(100 m apart); F is alone; E offers no service type in the model.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point, box

from spacemap.colocate.area import build_area
from spacemap.colocate.pipeline import ColocateInputs

OA_BOXES = {"O1": (0, 0, 1000, 1000), "O2": (1000, 0, 2000, 1000), "O3": (3000, 3000, 4000, 4000),
            "O4": (2000, 3000, 3000, 4000)}
RESIDENTS = {"O1": 100.0, "O2": 200.0, "O3": 300.0, "O4": 400.0}
SEGMENT = {"O1": "1", "O2": "1", "O3": "2", "O4": "2"}

SITES = [
    # site_id, name, owner, owner_type, services, x, y, tenure, floor m², utilisation %, cost £
    ("A", "Central Library", "Trafford Council", "local authority", "library", 500, 500, "freehold", 500, 50, None),
    ("B", "Park Surgery", "NHS practice", "NHS", "gp", 700, 500, "leasehold", 200, 100, 50_000),
    ("C", "Hill Surgery", "NHS practice 2", "NHS", "gp", 3500, 3700, "freehold", 300, 50, None),
    ("D", "Hill Chemist", "Chemist Ltd", "private", "pharmacy", 3600, 3700, "leasehold", 100, 80, None),
    ("E", "Town Park", "Trafford Council", "local authority", "parks", 600, 600, None, None, None, None),
    ("F", "North Library", "Trafford Council", "local authority", "library", 2500, 3500, "freehold", None, None,
     None),
]


def estate(rows=SITES) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows, columns=["site_id", "name", "owner", "owner_type", "services", "x", "y", "tenure",
                                        "floor_area_m2", "utilisation_pct", "annual_running_cost_gbp"])
    geometry = [Point(x, y) for x, y in zip(frame.pop("x"), frame.pop("y"))]
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:27700")


def profiles() -> pd.DataFrame:
    """Tier-1 index scores: segment 1 is needy (priority), segment 2 is not."""
    return pd.DataFrame({"tier": [1, 1], "code": ["1", "2"], "name": ["Renters", "Owners"],
                         "v33": [150.0, 80.0], "v42": [200.0, 50.0], "v57": [150.0, 70.0], "v39": [50.0, 130.0]})


def inputs(sites: gpd.GeoDataFrame | None = None) -> ColocateInputs:
    codes = list(OA_BOXES)
    boundaries = gpd.GeoDataFrame({"oa_code": codes}, geometry=[box(*OA_BOXES[c]) for c in codes],
                                  crs="EPSG:27700")
    population = pd.Series(RESIDENTS)
    segments = pd.DataFrame({"oa_code": codes, "tier1_code": [SEGMENT[c] for c in codes],
                             "tier1_name": ["Renters" if SEGMENT[c] == "1" else "Owners" for c in codes]})
    area = build_area(boundaries, population, segments)
    return ColocateInputs(estate() if sites is None else sites, area, profiles(), sources={"estate": "world"})


def point(oa: str) -> np.ndarray:
    x0, y0, x1, y1 = OA_BOXES[oa]
    return np.array([(x0 + x1) / 2, (y0 + y1) / 2])


def site_xy(site_id: str) -> np.ndarray:
    row = next(r for r in SITES if r[0] == site_id)
    return np.array([row[5], row[6]], dtype=float)


def metres(oa: str, site_id: str) -> float:
    return float(np.hypot(*(point(oa) - site_xy(site_id))))
