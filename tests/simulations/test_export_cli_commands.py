"""``study report``, ``export figures`` and ``export graph`` through ``cli.main``."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from supercoherence.cli import main
from supercoherence.simulations import load_study, run_study
from supercoherence.simulations.presentation.graphs import read_graph

SMALL = """
[study]
name = "small"
description = "Entrenchment rates"
engine = "chain"
replicates = 200
chunk = 200
horizon = inf
seed = 5

[parameters]
hazard = "entrenchment"
entrenchment = { values = [0.5, 1.0] }

[outputs]
estimands = ["supercoherence_by_horizon", "law_of_n", "no_takeover_by"]
times = [0.0, 2.0]
counts = [0, 1]
"""


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small") / "results"
    source = out.parent / "small.toml"
    source.write_text(SMALL, encoding="utf-8")
    run_study(load_study(str(source)), out, workers=1, progress=False)
    return out


def test_export_figures_writes_only_the_asked_formats(study_dir: Path) -> None:
    assert main(["export", "figures", str(study_dir), "--format", "png"]) == 0
    written = sorted(p.name for p in (study_dir / "figures").iterdir())
    assert written == ["law_of_n.png", "survival.png"]


def test_export_figures_rejects_unknown_format(study_dir: Path, capsys) -> None:
    assert main(["export", "figures", str(study_dir), "--format", "gif"]) == 2
    assert "format" in capsys.readouterr().err


def test_study_report_command(study_dir: Path) -> None:
    assert main(["study", "report", str(study_dir)]) == 0
    assert (study_dir / "report.md").exists() and (study_dir / "report.html").exists()
    assert "figures/survival.png" in (study_dir / "report.md").read_text(encoding="utf-8")


def test_study_report_of_a_folder_without_results(tmp_path: Path) -> None:
    assert main(["study", "report", str(tmp_path)]) == 2


def test_export_graph_round_trips(tmp_path: Path) -> None:
    out = tmp_path / "graphs"
    code = main(
        [
            "export",
            "graph",
            "--out",
            str(out),
            "--steps",
            "15",
            "--seed",
            "3",
            "--param",
            "spawn_rate=2",
            "--param",
            "hazard=constant",
            "--format",
            "graphml,gexf,json,cyjs,dot,png",
        ]
    )
    assert code == 0
    for name in ("nesting_step_15", "lineage_step_15"):
        for suffix in (".graphml", ".gexf", ".json", ".cyjs", ".dot", ".png"):
            assert (out / f"{name}{suffix}").exists()
        graphml = read_graph(out / f"{name}.graphml")
        gexf = read_graph(out / f"{name}.gexf")
        assert graphml.number_of_nodes() == gexf.number_of_nodes() >= 1
        data = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        assert "links" in data
    nesting = read_graph(out / "nesting_step_15.graphml")
    assert nx.is_arborescence(nesting)
    assert all("alignment_class" in attrs for _, attrs in nesting.nodes(data=True))


def test_export_graph_rejects_bad_param(tmp_path: Path, capsys) -> None:
    assert main(["export", "graph", "--out", str(tmp_path), "--param", "spawnrate"]) == 2
    assert "param" in capsys.readouterr().err
