"""Every site of the estate and what became of it: host or member of a candidate, or why it is in none.

The account that nothing was lost: sites in the estate = hosts + members + sites in no
candidate, each with its reason; register rows the estate rejected are in the estate's
rejects file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spacemap.colocate.candidates import CandidateRun
from spacemap.colocate.config import ColocateConfig
from spacemap.colocate.sites import SEPARATOR, Sites

COLUMNS = ("site_id", "name", "owner", "services", "role", "candidate_id", "reason")


def site_roles(estate: pd.DataFrame, sites: Sites, found: CandidateRun, config: ColocateConfig) -> pd.DataFrame:
    """One row per estate site, sorted by site_id: role (host / member / none), its candidate, and why."""
    ids = estate["site_id"].astype(str)
    role = pd.Series("none", index=ids.to_numpy(), dtype=object)
    candidate = pd.Series("", index=role.index, dtype=object)
    reason = pd.Series("", index=role.index, dtype=object)
    for row in found.candidates.itertuples():
        role[row.host_site_id], candidate[row.host_site_id] = "host", row.candidate_id
        reason[row.host_site_id] = f"hosts {row.candidate_id} (rank {row.rank})"
        for member in str(row.member_site_ids).split(SEPARATOR):
            role[member], candidate[member] = "member", row.candidate_id
            reason[member] = f"moves into {row.host_site_id} ({row.candidate_id}, rank {row.rank})"
    position = pd.Series(np.arange(len(sites)), index=sites.ids)
    in_model = ids.isin(position.index).to_numpy()
    excluded = ", ".join(config.exclude_services)
    reason[~in_model & (role == "none").to_numpy()] = f"offers no service type in the model (none, or only {excluded})"
    for site_id in role.index[in_model & (role == "none").to_numpy()]:
        i = position[site_id]
        if not sites.eligible[i] and config.partners and sites.owner[i] not in config.partners:
            reason[site_id] = "its owner is not among the partners ([candidates] partners): serves its OAs, never grouped"
        elif not sites.eligible[i]:
            reason[site_id] = f"tied to its land ({excluded}): serves its OAs but is never grouped"
        elif not found.has_neighbour[i]:
            reason[site_id] = f"no other site within its cut-off ({found.settings.cutoff_m[i]:,.0f} m)"
        elif not found.could_share[i]:
            reason[site_id] = ("its neighbours have the same owner and services, or are anchor sites like it: "
                               "nothing to share")
        else:
            reason[site_id] = "its neighbours joined better-scoring groups (each site is in one group only)"
    names = estate["name"].to_numpy() if "name" in estate else np.full(len(estate), "")
    owners = estate["owner"].to_numpy() if "owner" in estate else np.full(len(estate), "")
    services = estate["services"].to_numpy() if "services" in estate else np.full(len(estate), "")
    table = pd.DataFrame({"site_id": ids.to_numpy(), "name": names, "owner": owners, "services": services,
                          "role": role.to_numpy(), "candidate_id": candidate.to_numpy(), "reason": reason.to_numpy()})
    return table.sort_values("site_id", kind="stable").reset_index(drop=True)[list(COLUMNS)]


def role_counts(roles: pd.DataFrame) -> dict[str, int]:
    """Sites in the estate, hosts, members and sites in no candidate (they add up)."""
    counts = roles["role"].value_counts()
    return {"sites": len(roles), "hosts": int(counts.get("host", 0)), "members": int(counts.get("member", 0)),
            "in_no_candidate": int(counts.get("none", 0))}
