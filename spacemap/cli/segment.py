"""``spacemap segment``: hierarchical customer segments of an area, or ``--diagnose`` to choose k."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from spacemap.census.rates import ZERO_DENOMINATOR_POLICIES
from spacemap.cli.options import input_path, output_option, overwrite_option, seed_option
from spacemap.errors import InputError
from spacemap.io.charts import save_png
from spacemap.io.manifest import build_manifest
from spacemap.io.model_dir import write_model_dir
from spacemap.io.output import staged_output, write_csv, write_gpkg, write_json, write_pages, write_text
from spacemap.maps.atlas import segment_maps
from spacemap.segment import charts
from spacemap.segment.persistence import model_to_data
from spacemap.segment.pipeline import diagnose_area, load_inputs, segment_area
from spacemap.segment.portraits import parse_names
from spacemap.segment.report import diagnose_report, segment_report
from spacemap.segment.transform import SKEW_TRANSFORMS, STANDARDISATIONS

log = logging.getLogger(__name__)


@click.command()
@output_option
@overwrite_option
@seed_option
@click.option("--tiers", default="4,18", show_default=True,
              help="Segments per tier, top down, e.g. 8,21,52 for the OAC's supergroups, groups and subgroups.")
@click.option("--split", "splits", multiple=True, metavar="TIER:N,N,…",
              help="Sub-segments per parent for a tier instead of the WCSS rule, e.g. --split 2:5,4,5,4.")
@click.option("--variables", type=input_path(), default=None,
              help="A variables CSV (oa_code + one rate per column, as spacemap census writes) instead of census tables.")
@click.option("--census", "census_path", type=input_path(), default=None,
              help="Folder of Nomis bulk CSVs. Default: the embedded Trafford tables.")
@click.option("--boundaries", type=input_path(), default=None, help="OA boundaries (GeoJSON, GPKG, SHP; any CRS).")
@click.option("--spec", default="oac2021", show_default=True, help="Variable spec: oac2021, oac2011 or a .toml/.csv file.")
@click.option("--population", type=input_path(), default=None,
              help="CSV of residents per OA (oa_code, residents). Default: the census usual residents.")
@click.option("--allow-missing", is_flag=True, help="Drop spec variables the census tables lack (recorded).")
@click.option("--zero-denominators", type=click.Choice(ZERO_DENOMINATOR_POLICIES), default="error", show_default=True,
              help="What to do when a rate's denominator is 0.")
@click.option("--crs", default=None, help="CRS of the boundaries when the file declares none, e.g. EPSG:27700.")
@click.option("--area-name", default=None, help="Name of the area for the reports (default: from the input).")
@click.option("--transform", "skew", type=click.Choice(SKEW_TRANSFORMS), default="ihs", show_default=True,
              help="Skew transform of the rates (ihs = inverse hyperbolic sine, as the OAC).")
@click.option("--standardise", type=click.Choice(STANDARDISATIONS), default="range", show_default=True,
              help="Standardisation after the transform.")
@click.option("--starts", type=click.IntRange(min=1), default=100, show_default=True,
              help="k-means starts per split; the lowest WCSS is kept.")
@click.option("--names", "names_path", type=input_path(), default=None,
              help="names.toml with your segment names (default: the one in OUT when rerunning with --overwrite).")
@click.option("--diagnose", is_flag=True, help="Instead of segmenting, score a range of k to help choose the tiers.")
@click.option("--k-range", default="2-12", show_default=True, help="With --diagnose: the k values, e.g. 2-12 or 4,8,12.")
def segment(output: Path, overwrite: bool, seed: int, tiers: str, splits, variables, census_path, boundaries, spec,
            population, allow_missing, zero_denominators, crs, area_name, skew, standardise, starts, names_path,
            diagnose, k_range) -> None:
    """Segment the Output Areas of an area into tiers of customer segments.

    Example: spacemap segment -o out/segments --tiers 4,18
    """
    inputs = load_inputs(variables=variables, census=census_path, boundaries=boundaries, spec=spec,
                         population=population, allow_missing=allow_missing,
                         zero_denominators=zero_denominators, crs=crs, area_name=area_name)
    options = {"tiers": tiers, "split": list(splits), "variables": variables, "census": census_path,
               "boundaries": boundaries, "spec": spec, "population": population, "allow_missing": allow_missing,
               "zero_denominators": zero_denominators, "crs": crs, "transform": skew, "standardise": standardise,
               "starts": starts, "names": names_path, "diagnose": diagnose, "k_range": k_range}
    if diagnose:
        _diagnose(output, overwrite, inputs, parse_k_range(k_range), skew, standardise, seed,
                  parse_tiers(tiers)[0], options)
        return
    names, names_source, names_file = _given_names(names_path, output, overwrite)
    run = segment_area(inputs, tiers=parse_tiers(tiers), skew=skew, standardise=standardise, starts=starts,
                       seed=seed, splits=parse_splits(splits), names=names)
    inputs_used = inputs.inputs + ([names_file] if names_file is not None else [])
    manifest = build_manifest("segment", options, inputs_used, seed=seed, extra={
        "area": inputs.area_name, "variables": list(run.model.feature_names_in_), "dropped_variables": inputs.dropped,
        "tiers": [len(c) for c in run.model.codes_], "wcss": run.model.wcss_})
    with staged_output(output, overwrite) as staging:
        write_segment_outputs(staging, run, manifest, names_source)
    log.info("Wrote %s segments of %d OAs to %s", "/".join(str(len(c)) for c in run.model.codes_),
             len(run.oa_segments), output)


def write_segment_outputs(staging: Path, run, manifest: dict, names_source: str | None) -> None:
    """Every file of a segmentation run, into a staging directory."""
    write_csv(staging / "oa_segments.csv", run.oa_segments)
    if run.inputs.boundaries is not None:
        layer = run.inputs.boundaries.merge(run.oa_segments, on="oa_code", how="inner")
        write_gpkg(staging / "oa_segments.gpkg", {"oa_segments": layer})
    write_csv(staging / "profiles.csv", run.profiles)
    write_csv(staging / "correlations.csv", run.correlations)
    write_text(staging / "pen_portraits.md", run.portraits)
    write_text(staging / "names.toml", run.names_text)
    write_text(staging / "segment_report.md", segment_report(run, names_source))
    write_json(staging / "manifest.json", manifest)
    inputs = run.inputs
    write_model(staging / "model", run.model, run.names, inputs.labels, inputs.spec.name if inputs.spec else None,
                inputs.dropped, inputs.spec_path, manifest)
    variables = list(run.model.feature_names_in_)
    labels = run.inputs.labels
    for tier in range(1, len(run.model.codes_) + 1):
        save_png(charts.index_heatmap(run.profiles, tier, variables, labels), staging / f"index_scores_tier{tier}.png")
    save_png(charts.segment_sizes(run.profiles), staging / "segment_sizes.png")
    write_pages(staging / "maps", segment_maps(run))


def write_model(directory: Path, model, names, labels: dict, spec_name: str | None, dropped: dict,
                spec_path: Path | None, manifest: dict) -> None:
    """The shareable model directory (JSON + NPZ, with the spec it was built on)."""
    document, arrays = model_to_data(model, names, labels)
    document["spec"] = {"name": spec_name, "dropped": dict(dropped)}
    spec_path = spec_path if spec_path is not None and Path(spec_path).is_file() else None
    write_model_dir(directory, document, arrays, spec_path, manifest)


def _diagnose(output, overwrite, inputs, k_values, skew, standardise, seed, flag_k, options) -> None:
    run = diagnose_area(inputs, k_values, skew=skew, standardise=standardise, seed=seed, flag_k=flag_k)
    manifest = build_manifest("segment --diagnose", options, inputs.inputs, seed=seed,
                              extra={"area": inputs.area_name, "k_values": run.k_values})
    with staged_output(output, overwrite) as staging:
        write_csv(staging / "k_diagnostics.csv", run.diagnostics.scores)
        write_csv(staging / "poorly_fitting_oas.csv", run.poorly_fitting)
        write_csv(staging / "correlations.csv", run.correlations)
        write_text(staging / "k_diagnostics.md", diagnose_report(run))
        write_json(staging / "manifest.json", manifest)
        save_png(charts.k_scores(run.diagnostics.scores), staging / "k_diagnostics.png")
        save_png(charts.clustergram(run.k_values, run.diagnostics.clustergram, run.diagnostics.flows),
                 staging / "clustergram.png")
    log.info("Wrote k diagnostics for k = %s to %s", ",".join(map(str, run.k_values)), output)


def _given_names(names_path: Path | None, output: Path, overwrite: bool):
    """User names: from --names, else from OUT/names.toml when rerunning into the same folder."""
    path = names_path
    if path is None and overwrite and (output / "names.toml").is_file():
        path = output / "names.toml"
        log.info("Keeping the segment names in %s", path)
    if path is None:
        return None, None, None
    if not Path(path).is_file():
        raise InputError(f"{path}: no such names file; give the names.toml written by spacemap segment")
    return parse_names(Path(path).read_text(encoding="utf-8"), str(path)), str(path), Path(path)


def parse_tiers(text: str) -> tuple[int, ...]:
    """'4,18' → (4, 18); checked further by the model."""
    try:
        return tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        raise InputError(f"--tiers '{text}' is not a list of whole numbers; write it like 4,18 or 8,21,52") from None


def parse_splits(values) -> dict[int, list[int]] | None:
    """('2:5,4,5,4',) → {2: [5, 4, 5, 4]}."""
    splits = {}
    for value in values:
        tier, _, counts = value.partition(":")
        try:
            splits[int(tier)] = [int(c) for c in counts.split(",")]
        except ValueError:
            raise InputError(f"--split '{value}' must look like 2:5,4,5,4 (tier, then one count per parent)") from None
        if int(tier) < 2:
            raise InputError(f"--split '{value}': tier 1 has no parents; give splits for tier 2 or below")
    return splits or None


def parse_k_range(text: str) -> list[int]:
    """'2-12' → [2 … 12]; '4,8,12' → [4, 8, 12]."""
    try:
        if "-" in text:
            low, high = (int(part) for part in text.split("-", 1))
            return list(range(low, high + 1))
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError(f"--k-range '{text}' must look like 2-12 or 4,8,12") from None
