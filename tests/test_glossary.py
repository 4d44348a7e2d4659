"""docs/GLOSSARY.md names every symbol of the theory layer and every scenario parameter."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import sympy as sp

from supercoherence.errors import ParameterError
from supercoherence.theory import symbols as S
from supercoherence.theory.scenario import TakeoverScenario

GLOSSARY = Path(__file__).resolve().parents[1] / "docs" / "GLOSSARY.md"


def _code_names() -> set[str]:
    """Every ``code`` span of the glossary, and each dotted name's last part."""
    spans = set(re.findall(r"`([^`]+)`", GLOSSARY.read_text()))
    return spans | {span.rsplit(".", 1)[-1] for span in spans}


@pytest.mark.parametrize("name", [nm for nm in S.__all__ if not nm.isupper()])
def test_every_symbol_is_in_the_glossary(name: str) -> None:
    assert name in _code_names(), f"symbols.{name} is missing from docs/GLOSSARY.md"


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(TakeoverScenario)])
def test_every_scenario_field_is_in_the_glossary(field: str) -> None:
    assert field in _code_names(), f"TakeoverScenario.{field} is missing from docs/GLOSSARY.md"


def test_symbol_groups_cover_all_symbols() -> None:
    groups = S.RECURSION + S.COMPETITION + S.TRAINING + S.SELECTION
    assert sorted(groups) == sorted(nm for nm in S.__all__ if not nm.isupper())
    names = [getattr(S, nm).name for nm in groups]
    assert len(set(names)) == len(names), "two symbols share a sympy name"


# --------------------------------------------------------------------------- parameter facts

ARCHITECTURE = GLOSSARY.parent / "ARCHITECTURE.md"
PARAMETERS = TakeoverScenario.parameters()


def _table_after(text: str, first_row: str) -> str:
    """The Markdown table starting with ``first_row`` (up to the first non-table line)."""
    start = text.index(first_row)
    lines = []
    for line in text[start:].splitlines():
        if not line.startswith("|"):
            break
        lines.append(line)
    return "\n".join(lines)


@pytest.mark.parametrize("doc", [GLOSSARY, ARCHITECTURE], ids=lambda p: p.name)
def test_the_parameter_tables_are_what_the_field_metadata_generates(doc: Path) -> None:
    generated = TakeoverScenario.parameter_table()
    head = "\n".join(generated.splitlines()[:3])
    found = _table_after(doc.read_text(), head)
    assert found == generated, f"regenerate {doc.name}'s table: TakeoverScenario.parameter_table()"


def test_the_glossary_has_no_pending_targets() -> None:
    assert "target" not in GLOSSARY.read_text().lower()


@pytest.mark.parametrize("name", [n for n, p in PARAMETERS.items() if p.code_symbol])
def test_each_parameter_symbol_is_the_theory_symbol(name: str) -> None:
    info = PARAMETERS[name]
    symbol = getattr(S, info.code_symbol)
    assert symbol.name == info.symbol
    assert sp.latex(symbol) == info.latex


@pytest.mark.parametrize("name", [n for n, p in PARAMETERS.items() if p.kind == "real"])
def test_validation_states_the_documented_range(name: str) -> None:
    info = PARAMETERS[name]
    outside = (info.low - 1) if info.low is not None else (info.high + 1)
    with pytest.raises(ParameterError) as caught:
        TakeoverScenario(**{name: outside})
    assert caught.value.name == name and caught.value.allowed == info.allowed
    inside = info.low if info.low is not None and not info.low_open else (info.low or 0) + 0.5
    assert getattr(TakeoverScenario(**{name: inside}), name) == inside


def test_the_choice_and_integer_fields_state_their_ranges() -> None:
    with pytest.raises(ParameterError) as caught:
        TakeoverScenario(hazard="entrenchmnt")
    assert caught.value.allowed == PARAMETERS["hazard"].allowed == "constant, entrenchment, power"
    with pytest.raises(ParameterError) as caught:
        TakeoverScenario(utility_dimension=1)
    assert caught.value.allowed == PARAMETERS["utility_dimension"].allowed


def test_presentation_names_are_generated_from_the_fields() -> None:
    pytest.importorskip("matplotlib")
    from supercoherence.simulations.presentation.labels import SYMBOLS, ignored_parameters
    from supercoherence.simulations.presentation.report import PARAMETER_NAMES
    from supercoherence.simulations.presentation.style import PARAMETER_LABELS

    for name, info in PARAMETERS.items():
        if info.kind == "choice":
            continue
        assert PARAMETER_LABELS[name] == info.axis_label
        assert SYMBOLS[name] == info.legend_symbol
        assert PARAMETER_NAMES[name] == info.table_name
    assert PARAMETER_LABELS["entrenchment_rate"] == r"entrenchment rate $\delta$ (per unit time)"
    assert PARAMETER_NAMES["entrenchment_rate"] == r"entrenchment $\delta$"
    family_only = {n for n, p in PARAMETERS.items() if p.family}
    assert ignored_parameters({"hazard": "constant"}) >= family_only


def test_derive_help_states_the_scenario_ranges() -> None:
    """The derive registry keys its parameters by symbol; its help agrees with the fields."""
    from supercoherence.theory.derivations import RESULTS

    by_symbol = {"a": "alignment_skill", "d": "detection", "gamma": "capability_ratio"}
    by_symbol |= {"r": "sharpness", "rho": "drift"}
    words = {"(0, oo)": "> 0", "[0, 1]": "in [0, 1]", "[-1, 1]": "in [-1, 1]"}
    checked = 0
    for spec in RESULTS.values():
        for param, text in spec.params.items():
            if param in by_symbol:
                info = PARAMETERS[by_symbol[param]]
                assert words[info.allowed] in text, (param, text)
                checked += 1
    assert checked >= 6


# --------------------------------------------------------------------------- docs stay true


def test_the_studies_docstring_lists_the_shipped_studies() -> None:
    from supercoherence import studies

    listed = re.findall(r"^``(\w+)``", studies.__doc__ or "", flags=re.MULTILINE)
    assert listed == [n for n in listed if n in studies.list_studies()]
    assert sorted(listed) == studies.list_studies()


def test_architecture_lists_the_replicate_and_timeseries_columns() -> None:
    from supercoherence.models.engine import COLUMNS
    from supercoherence.models.nested.simulate import TABLE_COLUMNS, TIMESERIES_COLUMNS

    text = ARCHITECTURE.read_text()
    table = _table_after(text, "| column | dtype | meaning |")
    assert re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE) == list(COLUMNS)
    abm = text[text.index("The ABM adds") :].split("\n\n")[0]
    assert re.findall(r"`(\w+)`", abm) == [c for c in TABLE_COLUMNS if c not in COLUMNS]
    series = text[text.index("- `timeseries.parquet`") :].split("\n- ")[0].split("(`point` and")[0]
    assert re.findall(r"`(\w+)`", series) == ["point", *TIMESERIES_COLUMNS]


def test_every_hazard_family_is_one_class_with_its_formulas() -> None:
    """The ``hazard`` strings are the keys of the family classes, and each has its LaTeX."""
    pytest.importorskip("matplotlib")
    from supercoherence.simulations.presentation.formulas import FAMILY_LATEX
    from supercoherence.theory.hazard import HAZARD_FAMILIES
    from supercoherence.theory.scenario import HAZARD_SHAPES

    assert tuple(HAZARD_FAMILIES) == HAZARD_SHAPES == tuple(FAMILY_LATEX)
    assert all(family.key == key for key, family in HAZARD_FAMILIES.items())
    assert PARAMETERS["hazard"].choices == HAZARD_SHAPES
    shapes = {p.family for p in PARAMETERS.values() if p.role == "shape"}
    assert shapes == set(HAZARD_SHAPES) - {"constant"}
