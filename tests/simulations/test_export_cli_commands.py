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
entrenchment_rate = { values = [0.5, 1.0] }

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


def test_export_graph_takes_p_like_derive_and_exports_the_drawing_attributes(
    tmp_path: Path,
) -> None:
    out = tmp_path / "g"
    argv = ["export", "graph", "--out", str(out), "--steps", "20", "--seed", "1"]
    assert main([*argv, "-p", "spawn_rate=2", "-p", "hazard=constant", "--format", "json"]) == 0
    lineage = json.loads((out / "lineage_step_20.json").read_text(encoding="utf-8"))
    nodes = lineage["nodes"]
    assert len(nodes) >= 3  # a constant hazard at rate 2: several takeovers in 20 steps
    # what draw_lineage draws: time (x), alignment (colour), takeover count
    assert all({"time", "alignment", "takeover"} <= set(node) for node in nodes)
    assert sorted(node["takeover"] for node in nodes) == list(range(len(nodes)))
    nesting = json.loads((out / "nesting_step_20.json").read_text(encoding="utf-8"))
    assert all({"x", "y", "alignment_class"} <= set(node) for node in nesting["nodes"])


def test_lineage_labels_never_collide_and_titles_count_correctly() -> None:
    from supercoherence.simulations.presentation.graphs import draw_lineage, label_offsets

    times = [0.0, 0.001, 0.002, 0.003, 9.0, 10.0]
    names = ["0", "11", "12", "13", "40", "41"]
    offsets = label_offsets(times, names)
    assert len(set(offsets[:4])) == 4  # four near-simultaneous takeovers: four rows
    lin = nx.DiGraph()
    for (a, b), t in zip(zip(names, names[1:], strict=False), times[1:], strict=True):
        lin.add_edge(a, b, time=t, alignment=0.5)
    ax = draw_lineage(lin)
    assert ax.get_title().endswith("(5 takeovers)")
    renderer = ax.figure.canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_text()]  # the arrows are empty annotations
    assert sorted(t.get_text() for t in labels) == sorted(names)
    boxes = [t.get_window_extent(renderer=renderer) for t in labels]
    for i, one in enumerate(boxes):
        for other in boxes[i + 1 :]:
            assert not one.overlaps(other)
    one = nx.DiGraph()
    one.add_edge("a", "b", time=1.0, alignment=0.9)
    assert draw_lineage(one).get_title().endswith("(1 takeover)")


SOBOL = """
[study]
name = "sobol"
engine = "chain"
replicates = 100
chunk = 100
horizon = inf
seed = 9
design = "saltelli"
samples = 8

[engine]
max_takeovers = 100

[parameters]
hazard = "entrenchment"
detection = { distribution = "uniform", low = 0.0, high = 0.9 }
entrenchment_rate = { distribution = "loguniform", low = 0.5, high = 4.0 }

[outputs]
estimands = ["law_of_n"]
counts = [0]
sensitivity = ["law_of_n"]
"""


def test_summarize_and_report_show_the_sobol_indices(tmp_path: Path, capsys) -> None:
    source = tmp_path / "sobol.toml"
    source.write_text(SOBOL, encoding="utf-8")
    out = tmp_path / "results"
    run_study(load_study(str(source)), out, workers=1, progress=False)
    assert (out / "sensitivity.parquet").exists()
    capsys.readouterr()
    assert main(["study", "summarize", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Sobol indices" in printed
    assert "detection" in printed and "entrenchment_rate" in printed
    # the report's section (write_report calls it; the full report is slow to build here)
    from supercoherence.simulations import load_results
    from supercoherence.simulations.presentation.report import sensitivity_markdown

    text = sensitivity_markdown(load_results(out).sensitivity)
    assert "$S_1$" in text and "$S_T$" in text and "detection $d$" in text
