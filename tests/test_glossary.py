"""docs/GLOSSARY.md names every symbol of the theory layer and every scenario parameter."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

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
