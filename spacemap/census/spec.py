"""Variable specs: which census cells make each input variable, and how.

A spec is data (TOML, or CSV for simple percentage-only specs). Built in:
``oac2021`` (the 60 variables of the 2021 Output Area Classification, from
Nomis bulk tables) and ``oac2011`` (their 2011 counterparts, from the ONS
"2011 OAC raw u-variables" file). A user passes a spec name or a file path.

Forms of variable:
- ``percentage``: 100 × Σ numerator cells ÷ Σ denominator cells;
- ``value``: one published figure used as it is (e.g. density per km²), times an
  optional ``scale`` (e.g. 100 to turn persons per hectare into persons per km²);
- ``density``: Σ numerator cells per hectare of the OA's boundary area;
- ``sir``: standardised illness ratio, 100 × observed ÷ expected, with expected
  from age-specific reference rates applied to the OA's ``age_groups`` cells
  (rates from the spec, or estimated from the input area: see rates.py).
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from spacemap.errors import SpecError
from spacemap.io.embedded import specs_dir

FORMS = ("percentage", "value", "density", "sir")
SOURCES = ("nomis_bulk", "wide_table")


@dataclass(frozen=True)
class Variable:
    """One input variable of a classification."""

    code: str
    name: str
    form: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] = ()
    description: str = ""
    age_groups: tuple[str, ...] = ()
    reference_rates: tuple[float, ...] = ()
    note: str = ""
    counterpart: str = ""
    scale: float = 1.0

    @property
    def cells(self) -> tuple[str, ...]:
        """Every census cell this variable reads."""
        return self.numerator + self.denominator + self.age_groups


@dataclass(frozen=True)
class VariableSpec:
    """A named list of variables and the census input format they read."""

    name: str
    source: str
    oa_code_column: str
    variables: tuple[Variable, ...]
    title: str = ""
    description: str = ""
    census_year: int | None = None
    population: str = ""
    path: Path | None = None
    unmatched: tuple[dict, ...] = field(default_factory=tuple)

    @property
    def codes(self) -> list[str]:
        return [variable.code for variable in self.variables]

    def without(self, codes: set[str]) -> "VariableSpec":
        """The same spec less the variables whose codes are given."""
        kept = tuple(v for v in self.variables if v.code not in codes)
        return VariableSpec(
            self.name, self.source, self.oa_code_column, kept, self.title, self.description,
            self.census_year, self.population, self.path, self.unmatched,
        )


def builtin_specs() -> list[str]:
    """Names of the specs shipped with spacemap."""
    return sorted(path.stem for path in specs_dir().glob("*.toml"))


def load_spec(name_or_path: str | Path) -> VariableSpec:
    """Load a built-in spec by name (``oac2021``) or a user spec file (TOML or CSV)."""
    text = str(name_or_path)
    path = Path(text)
    if path.suffix.lower() in (".toml", ".csv") or path.exists():
        if not path.is_file():
            raise SpecError(f"spec file {path} does not exist; give a path to a .toml or .csv spec")
        if path.suffix.lower() == ".csv":
            return _spec_from_csv(path)
        return _spec_from_toml(path)
    builtin = specs_dir() / f"{text}.toml"
    if not builtin.is_file():
        known = ", ".join(builtin_specs())
        raise SpecError(f"unknown spec '{text}'; use one of: {known}, or a path to a .toml/.csv spec file")
    return _spec_from_toml(builtin)


def _spec_from_toml(path: Path) -> VariableSpec:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SpecError(f"{path} is not valid TOML ({error}); fix the syntax") from error
    for key in ("name", "variable"):
        if key not in data:
            raise SpecError(f"{path} has no '{key}' entry; a spec needs 'name' and [[variable]] tables")
    source = data.get("source", "nomis_bulk")
    if source not in SOURCES:
        raise SpecError(f"{path}: source '{source}' is not one of {', '.join(SOURCES)}")
    variables = tuple(_variable(entry, path, i) for i, entry in enumerate(data["variable"], 1))
    spec = VariableSpec(
        name=str(data["name"]),
        source=source,
        oa_code_column=str(data.get("oa_code_column", "geography code")),
        variables=variables,
        title=str(data.get("title", "")),
        description=str(data.get("description", "")).strip(),
        census_year=data.get("census_year"),
        population=str(data.get("population", "")),
        path=path,
        unmatched=tuple(data.get("unmatched", ())),
    )
    _check_unique(spec, path)
    return spec


def _variable(entry: dict, path: Path, index: int) -> Variable:
    place = f"{path}, variable {index}"
    for key in ("code", "name", "form", "numerator"):
        if key not in entry:
            raise SpecError(f"{place} has no '{key}'; every variable needs code, name, form, numerator")
    form = entry["form"]
    if form not in FORMS:
        raise SpecError(f"{place} ('{entry['code']}'): form '{form}' is not one of {', '.join(FORMS)}")
    variable = Variable(
        code=str(entry["code"]),
        name=str(entry["name"]),
        form=form,
        numerator=_cells(entry, "numerator", place),
        denominator=_cells(entry, "denominator", place),
        description=str(entry.get("description", "")),
        age_groups=_cells(entry, "age_groups", place),
        reference_rates=tuple(float(r) for r in entry.get("reference_rates", ())),
        note=str(entry.get("note", "")),
        counterpart=str(entry.get("counterpart_2021", "")),
        scale=_scale(entry, place),
    )
    _check_form(variable, place)
    return variable


def _cells(entry: dict, key: str, place: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(cell, str) and cell for cell in value):
        raise SpecError(f"{place}: '{key}' must be a list of cell names")
    return tuple(value)


def _scale(entry: dict, place: str) -> float:
    scale = entry.get("scale", 1.0)
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or scale <= 0:
        raise SpecError(f"{place} ('{entry['code']}'): scale must be a positive number, not {scale!r}")
    if scale != 1.0 and entry["form"] != "value":
        raise SpecError(f"{place} ('{entry['code']}'): scale applies only to value variables")
    return float(scale)


def _check_form(variable: Variable, place: str) -> None:
    code = variable.code
    if not variable.numerator:
        raise SpecError(f"{place} ('{code}'): numerator is empty; list at least one cell")
    if variable.form == "percentage" and not variable.denominator:
        raise SpecError(f"{place} ('{code}'): a percentage needs a denominator")
    if variable.form == "value" and (len(variable.numerator) != 1 or variable.denominator):
        raise SpecError(f"{place} ('{code}'): a value variable takes exactly one cell and no denominator")
    if variable.form == "sir" and not variable.age_groups:
        raise SpecError(f"{place} ('{code}'): a sir variable needs 'age_groups' cells")
    if variable.reference_rates and len(variable.reference_rates) != len(variable.age_groups):
        raise SpecError(f"{place} ('{code}'): reference_rates must have one rate per age group")


def _check_unique(spec: VariableSpec, path: Path) -> None:
    seen: set[str] = set()
    for variable in spec.variables:
        if variable.code in seen:
            raise SpecError(f"{path}: variable code '{variable.code}' appears twice; codes must be unique")
        seen.add(variable.code)
    if not spec.variables:
        raise SpecError(f"{path} defines no variables")


_CSV_COLUMNS = ("code", "name", "form", "numerator", "denominator")


def _spec_from_csv(path: Path) -> VariableSpec:
    """A CSV spec: one row per variable; cells in a field are separated by '|'."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in _CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SpecError(f"{path} lacks column(s) {', '.join(missing)}; a CSV spec needs {', '.join(_CSV_COLUMNS)}")
        rows = list(reader)
    entries = []
    for row in rows:
        entry = {k: v.strip() for k, v in row.items() if k and v is not None and v.strip()}
        for key in ("numerator", "denominator", "age_groups"):
            if key in entry:
                entry[key] = [cell.strip() for cell in entry[key].split("|") if cell.strip()]
        entries.append(entry)
    variables = tuple(_variable(entry, path, i) for i, entry in enumerate(entries, 2))
    spec = VariableSpec(
        name=path.stem, source="nomis_bulk", oa_code_column="geography code",
        variables=variables, title=path.stem, path=path,
    )
    _check_unique(spec, path)
    return spec
