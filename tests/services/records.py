"""Service-use records for the tiny area, with the outcome of each row worked out by hand."""

from __future__ import annotations

import pandas as pd

COLUMNS = ["service", "site_id", "oa_code", "postcode", "lsoa_code", "count"]
ROWS = [
    # spreadsheet row: what happens
    ["gp", "", "E00000001", "", "", 6],          # 2: OA1 +6
    ["gp", "", "", "m1 1ab", "", 10],            # 3: postcode (any case/spacing) in OA2 +10
    ["gp", "", "", "", "E01000002", 14],         # 4: LSOA L2 shared by residents: OA3 +6, OA4 +8
    ["gp", "", "", "M9 9QQ", "", 1],             # 5: reject, unknown postcode
    ["gp", "", "E00099999", "", "", 1],          # 6: reject, unknown OA
    ["gp", "", "", "", "E01099999", 1],          # 7: reject, unknown LSOA
    ["gp", "", "", "", "", 1],                   # 8: reject, no location
    ["", "S3", "E00000004", "", "", 2],          # 9: the library's service: library OA4 +2
    ["", "S9", "E00000004", "", "", 1],          # 10: reject, unknown site
    ["gp", "", "", "M2 9ZZ", "", 3],             # 11: postcode outside the OAs, its LSOA L1 shared: OA1 +1, OA2 +2
    ["gp", "", "", "M3 9ZZ", "", 1],             # 12: reject, outside the area
    ["gp", "", "E00000004", "", "", 20],         # 13: OA4 +20
]
REJECTED = {5: "postcode is not in the postcode lookup", 6: "OA code is not an Output Area of the area",
            7: "LSOA code is not in the OA → LSOA lookup", 8: "no home location",
            10: "site_id is not a site in the sites table", 12: "postcode lies outside the area's Output Areas"}
GP_BY_OA = [7, 12, 6, 28]  # 53 in all: 53 per 1,000 residents


def records() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=COLUMNS)
