"""The hand-made estate of world.py: candidates, host, savings, access changes and the score, worked by hand."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from spacemap.colocate.config import WEIGHT_NAMES, ColocateConfig
from spacemap.colocate.pipeline import colocate
from spacemap.colocate.scenario import Scenario
from tests.colocate.world import RESIDENTS, SITES, estate, inputs, metres

CONFIG = replace(ColocateConfig(), distance_m=800.0)


@pytest.fixture(scope="module")
def run():
    return colocate(inputs(), CONFIG)


def candidate(run, host: str) -> pd.Series:
    rows = run.candidates[run.candidates["host_site_id"] == host]
    assert len(rows) == 1, f"expected one candidate hosted by {host}"
    return rows.iloc[0]


def test_the_right_groups_and_hosts(run):
    groups = {(r.host_site_id, r.member_site_ids) for r in run.candidates.itertuples()}
    assert groups == {("A", "B"), ("C", "D")}
    # A has 250 m² spare for B's 200 m² in use; C has 150 m² spare for D's 80 m².
    a, c = candidate(run, "A"), candidate(run, "C")
    assert (a["host_spare_m2"], a["members_need_m2"], a["capacity_fit"]) == (250.0, 200.0, 1.25)
    assert (c["host_spare_m2"], c["members_need_m2"], c["capacity_fit"]) == (150.0, 80.0, 1.875)
    assert bool(a["host_has_room"]) and bool(c["host_has_room"])
    assert "host has room: 250 m² spare for 200 m² needed" in a["reasons"]


def test_distance_savings_and_tenure(run):
    a, c = candidate(run, "A"), candidate(run, "C")
    assert (a["distance_m"], c["distance_m"]) == (200.0, 100.0)
    assert a["distance_n"] == 1 - 200 / 800
    assert a["floor_area_released_m2"] == 200.0 and a["running_cost_saved_gbp"] == 50_000.0
    assert c["floor_area_released_m2"] == 100.0 and np.isnan(c["running_cost_saved_gbp"])
    assert "no running cost in the register" in c["reasons"]
    # host freehold (1.0) with a member on a lease that is not ending (0.5)
    assert a["tenure_score"] == c["tenure_score"] == 0.75


def test_users_are_the_same_people(run):
    # A and B both serve O1 and O2 (library and gp nearest): the same people.
    assert candidate(run, "A")["user_affinity"] == 1.0
    # C serves O3, O4 (gp); D serves every OA (the only pharmacy): Σ min(3/7, .3) + min(4/7, .4) = 0.7
    assert candidate(run, "C")["user_affinity"] == pytest.approx(0.7)


def test_access_change_by_hand(run):
    # B closes: O1's patients (100) go to A (0 m) instead of B (200 m); O2's (200) to A (1000 m) not B (800 m).
    change = {"O1": metres("O1", "A") - metres("O1", "B"), "O2": metres("O2", "A") - metres("O2", "B")}
    expected = (RESIDENTS["O1"] * change["O1"] + RESIDENTS["O2"] * change["O2"]) / 300
    a = candidate(run, "A")
    assert a["residents_affected"] == 300.0
    assert a["access_change_m_mean"] == pytest.approx(expected, abs=0.05)  # 66.7 m further
    assert a["access_change_m_1"] == pytest.approx(expected, abs=0.05) and np.isnan(a["access_change_m_2"])
    # D closes: every OA's pharmacy users go to C, the only pharmacy left.
    moved = {oa: metres(oa, "C") - metres(oa, "D") for oa in RESIDENTS}
    people = sum(RESIDENTS.values())
    c = candidate(run, "C")
    assert c["access_change_m_mean"] == pytest.approx(sum(RESIDENTS[o] * moved[o] for o in moved) / people, abs=0.05)


def test_equity_flag_follows_the_priority_segment():
    # Segment 1 (O1, O2) is the priority segment (need 162.5); A hosting B puts it 66.7 m further.
    assert not colocate(inputs(), CONFIG).candidates["equity_flag"].any()
    strict = colocate(inputs(), replace(CONFIG, flag_increase_m=50.0)).candidates
    assert strict.set_index("host_site_id")["equity_flag"].to_dict() == {"A": True, "C": False}
    assert "EQUITY FLAG" in strict.set_index("host_site_id").loc["A", "reasons"]


def test_score_recomputes_from_the_exported_columns(run):
    weights = np.array([CONFIG.weights[name] for name in WEIGHT_NAMES])
    for row in run.candidates.itertuples():
        values = np.array([getattr(row, f"{name}_n") for name in WEIGHT_NAMES], dtype=float)
        known = np.isfinite(values)
        assert row.weight_available == pytest.approx(weights[known].sum())
        assert row.score == pytest.approx((weights[known] * values[known]).sum() / row.weight_available, abs=1e-6)


def test_every_site_is_accounted_for(run):
    roles = run.roles.set_index("site_id")
    assert len(roles) == len(SITES)
    assert roles["role"].to_dict() == {"A": "host", "B": "member", "C": "host", "D": "member", "E": "none",
                                       "F": "none"}
    assert "no other site within" in roles.loc["F", "reason"]
    assert "offers no service type in the model" in roles.loc["E", "reason"]
    members = sum(len(m.split("; ")) for m in run.candidates["member_site_ids"])
    assert len(run.candidates) + members + (roles["role"] == "none").sum() == len(SITES)


def test_anchor_sites_host_and_are_never_grouped_together():
    rows = [list(r) for r in SITES]
    rows[0][4] = "school"        # A becomes a school: it hosts B even without room
    rows[0][8] = None
    rows.append(["G", "Academy", "Academy Trust", "academy trust", "school", 500, 700, "freehold", 5000, 10, None])
    found = colocate(inputs(estate([tuple(r) for r in rows])), CONFIG).candidates
    hosts = dict(zip(found["member_site_ids"], found["host_site_id"]))
    assert hosts.get("B") in {"A", "G"}
    assert not any(set(r.member_site_ids.split("; ")) & {"A", "G"} for r in found.itertuples())


def test_what_if_close_releases_and_moves_users():
    result = colocate(inputs(), CONFIG, scenario=Scenario(["B"], {"B": "A"}, name="B into A")).scenario
    assert result.totals["floor_area_released_m2"] == 200.0
    assert result.totals["running_cost_saved_gbp"] == 50_000.0
    gp = result.access[(result.access["service"] == "gp") & (result.access["segment_code"] == "all")].iloc[0]
    # O1 goes from 200 m (B) to 0 m (A), O2 from 800 m to 1000 m; O3 and O4 keep C.
    assert gp["residents_affected"] == 300.0
    assert gp["residents_further"] == 200.0
    assert gp["mean_change_affected_m"] == pytest.approx((100 * -200 + 200 * 200) / 300, abs=0.05)


def test_optimise_keeps_the_cheaper_of_two_sites_covering_the_same_oas():
    rows = list(SITES) + [("G", "Mill Surgery", "NHS practice 3", "NHS", "gp", 1500, 600, "freehold", None, None,
                           10_000)]
    config = replace(CONFIG, standard_m=1500.0, optimise_services=("gp",))
    result = colocate(inputs(estate(rows)), config, optimise=True).optimisation
    decision = result.sites.set_index("site_id")["decision"]
    # B (£50,000) and G (£10,000) both reach O1 and O2 within 1.5 km; C alone reaches O3 and O4.
    assert decision["B"] == "close" and decision["G"] == "keep" and decision["C"] == "keep"
    assert result.closed == ["B"]


def test_an_estate_with_no_candidates_keeps_the_full_table():
    found = colocate(inputs(), replace(CONFIG, distance_m=10.0))
    assert len(found.candidates) == 0
    assert {"candidate_id", "host_has_room", "score", "reasons", "access_change_m_1"} <= set(found.candidates.columns)
    assert (found.roles["role"] == "none").all() and len(found.roles) == len(SITES)


def test_closing_the_only_pharmacy_is_flagged_as_a_lost_service():
    result = colocate(inputs(), CONFIG, scenario=Scenario(["D"])).scenario
    rows = result.access.set_index("segment_code")
    # Every OA loses its pharmacy; segment 1 (O1, O2: 300 residents) is the priority segment.
    assert rows.loc["all", "residents_losing_service"] == sum(RESIDENTS.values())
    assert rows.loc["1", "residents_losing_service"] == 300.0 and bool(rows.loc["1", "flag"])
    assert not bool(rows.loc["2", "flag"])
    assert np.isfinite(result.access["max_increase_m"]).all()


def test_closing_a_site_of_no_modelled_service_changes_no_access():
    result = colocate(inputs(), CONFIG, scenario=Scenario(["E"])).scenario
    assert len(result.access) == 0 and result.totals["sites_closed"] == 1


def test_optimise_that_closes_nothing_reports_an_unchanged_estate():
    result = colocate(inputs(), replace(CONFIG, standard_m=2000.0), optimise=True)
    assert result.optimisation.closed == []
    assert result.optimised.totals["resident_uses_further"] == 0.0


def test_optimise_never_pushes_oas_beyond_the_standard_further_out():
    # At 100 m almost no OA has a site within the standard; closing B would move O1's
    # patients from 200 m to 3 km or more, so B must stay although it could close.
    result = colocate(inputs(), replace(CONFIG, standard_m=100.0), optimise=True)
    assert "B" not in result.optimisation.closed
    assert result.optimised.totals["resident_uses_further"] == 0.0


def test_an_estate_in_longitude_latitude_is_reprojected():
    lonlat = colocate(inputs(estate().to_crs("EPSG:4326")), CONFIG)
    bng = colocate(inputs(), CONFIG)
    def groups(run):
        return set(zip(run.candidates["host_site_id"], run.candidates["member_site_ids"]))

    assert groups(lonlat) == groups(bng) == {("A", "B"), ("C", "D")}
    assert len(lonlat.shared) == len(bng.shared) == 0
