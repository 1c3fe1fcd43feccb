"""The embedded default: Trafford's GP registrations modelled over its 738 OAs, and real postcodes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import rasterio

import spacemap.segment.pipeline as segment_pipeline
from spacemap.io.embedded import assets_dir, census_dir
from spacemap.io.service_records import read_oac_labels, read_service_points
from spacemap.services.pipeline import build_service_use
from tests.services.conftest import invoke

pytestmark = pytest.mark.slow

REGISTERED = 248_911
RESIDENTS = 235_016


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("trafford") / "out"
    seeds = []
    oac = read_oac_labels(census_dir() / "oac2021_trafford.csv")
    with pytest.MonkeyPatch.context() as patch:  # the segment model is tested in its own stage
        patch.setattr(segment_pipeline, "default_oa_segments", lambda seed: seeds.append(seed) or oac)
        result = invoke(["services", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert seeds == [42]
    return out


def test_default_models_every_registered_patient(default_run):
    table = pd.read_csv(default_run / "service_use_oa.csv")
    assert len(table) == 738 and table["oa_code"].is_unique
    assert table["modelled"].all() and set(table["service"]) == {"gp"}
    assert abs(table["count"].sum() - REGISTERED) <= 738 / 2  # whole numbers per OA
    assert table["population"].sum() == RESIDENTS
    sites = pd.read_csv(default_run / "catchment_sites.csv")
    assert sites["users"].sum() == REGISTERED
    assert np.allclose(sites["modelled"], sites["users"], rtol=1e-5)
    report = (default_run / "services_report.md").read_text()
    assert "26 rows matched" in report and "248,911 users in all" in report


def test_default_segments_cover_every_oa_in_each_tier(default_run):
    segments = pd.read_csv(default_run / "service_use_segments.csv")
    assert sorted(segments["tier"].unique()) == [1, 2, 3]
    assert (segments.groupby("tier")["population"].sum() == RESIDENTS).all()
    assert segments.query("tier == 1")["segment_code"].astype(str).tolist() == [str(i) for i in range(1, 9)]


def test_default_manifest_records_the_model(default_run):
    manifest = json.loads((default_run / "manifest.json").read_text())
    model = manifest["catchment_models"][0]
    assert model["service"] == "gp" and model["decay"] == "exponential" and model["beta"] == 0.5
    assert model["max_relative_error"] <= 1e-6 and model["unreached_oas"] == 0
    assert any(i["path"] == "embedded:assets/trafford/trafford_gp_patient_registrations.csv"
               for i in manifest["inputs"])


def test_default_rasters_open_as_british_national_grid(default_run):
    with rasterio.open(default_run / "rasters" / "population.tif") as source:
        assert source.crs.to_epsg() == 27700 and source.res == (100.0, 100.0)
        assert source.read(1, masked=True).sum() == pytest.approx(RESIDENTS, rel=1e-6)
    with rasterio.open(default_run / "rasters" / "distance_gp.tif") as source:
        band = source.read(1, masked=True)
        assert 0 <= band.min() < 100 and band.max() < 6000
    access = pd.read_csv(default_run / "access_oa.csv")
    assert access["distance_gp_m"].max() < 5000 and (access["access_2sfca_gp"] > 0).all()


def test_real_postcodes_are_placed_in_their_oas(tmp_path):
    # Each postcode's point lies in this OA (checked with shapely's contains on the OA polygons), and
    # that OA is in the postcode's LSOA in both the postcode lookup and the statistical lookup.
    placed = {"M15 4AB": "E00031366", "M16 0YW": "E00030973", "M33 4GG": "E00031242"}
    records = pd.DataFrame({"service": "library", "postcode": ["m15 4ab", "M160YW", "M33 4GG", "ZZ1 1ZZ"],
                            "count": [5, 6, 7, 8]})
    path = tmp_path / "visits.csv"
    records.to_csv(path, index=False)
    run = build_service_use(records=path, sites=read_service_points(assets_dir()),
                            segments=read_oac_labels(census_dir() / "oac2021_trafford.csv"))
    assert (run.records.rows_in, run.records.rows_used, len(run.records.rejects)) == (4, 3, 1)
    assert run.records.rejects.to_dict("list") == {"row": [5], "reason": [
        "postcode is not in the postcode lookup (mistyped, retired or outside the lookup's area)"]}
    counts = run.records.counts.set_index("oa_code")["count"].to_dict()
    assert counts == {placed["M15 4AB"]: 5, placed["M16 0YW"]: 6, placed["M33 4GG"]: 7}
