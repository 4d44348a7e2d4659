"""The report of a tiny real study: sections, closed forms, figures, MathJax."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from supercoherence.errors import ParameterError
from supercoherence.simulations import load_results, load_study, run_study
from supercoherence.simulations.presentation.formulas import derive_conditions
from supercoherence.simulations.presentation.report import (
    markdown_to_html,
    write_figures,
    write_report,
)

TINY = """
[study]
name = "tiny"
description = "Does entrenchment stop the recursion?"
engine = "chain"
replicates = 400
chunk = 400
horizon = inf
seed = 11

[engine]
max_takeovers = 200

[parameters]
spawn_rate = 1.0
hazard = { values = ["constant", "entrenchment"] }
entrenchment_rate = { values = [0.25, 1.0] }
entrenchment_weakening = { values = [0.0, 2.0] }
drift = 0.9

[outputs]
estimands = ["supercoherence_by_horizon", "law_of_n", "no_takeover_by", "final_alignment"]
times = [0.0, 1.0, 4.0]
counts = [0, 1, 2]
boundary = true
"""


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny") / "results"
    source = out.parent / "tiny.toml"
    source.write_text(TINY, encoding="utf-8")
    study = load_study(str(source))
    run_study(study, out, workers=1, progress=False)
    write_report(out)
    return out


def test_report_has_every_section(study_dir: Path) -> None:
    text = (study_dir / "report.md").read_text(encoding="utf-8")
    for heading in (
        "## The question",
        "## Parameters",
        "## Derived conditions",
        "## Theory against simulation",
        "## Estimates and closed forms",
        "## Figures",
        "## Reproduce",
    ):
        assert heading in text
    assert "Does entrenchment stop the recursion?" in text
    assert "`entrenchment_weakening` (varied)" in text
    assert "The dichotomy" in text


def test_estimates_table_has_closed_forms_and_agreement(study_dir: Path) -> None:
    # Issue 18: the full table lives in the appendix (report.md is post-sized); the
    # summary keeps the agreement sentence.
    summary = (study_dir / "report.md").read_text(encoding="utf-8")
    text = (study_dir / "report-appendix.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    header = next(x for x in lines if x.startswith("| point |") and "estimand" in x)
    assert "closed form" in header and "$z$" in header
    # Only the varied parameters are columns of the estimates table.
    assert "spawn_rate" not in header and "drift" not in header
    estimates = load_results(study_dir).estimates
    checked = estimates[estimates["exact"].notna() & (estimates["replicates"] > 0)]
    assert f"{len(checked)} of {len(estimates)} estimates have a closed form" in text
    assert f"{len(checked)} of {len(estimates)} estimates have a closed form" in summary
    # Honest agreement: a tiny study still agrees with the closed forms within 4 SE.
    assert int(checked["flag"].sum()) == 0


def test_figures_exist_and_are_referenced(study_dir: Path) -> None:
    text = (study_dir / "report.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    names = {Path(i).stem for i in images}
    assert {"survival", "law_of_n", "phase_hazard-entrenchment"} <= names
    for image in images:
        stem = study_dir / Path(image).with_suffix("")
        for suffix in (".png", ".svg", ".pdf"):
            assert stem.with_suffix(suffix).stat().st_size > 1000


def test_markdown_math_is_balanced(study_dir: Path) -> None:
    text = (study_dir / "report.md").read_text(encoding="utf-8")
    assert text.count("$$") % 2 == 0 and text.count("$$") >= 6
    for line in text.replace("$$", "").splitlines():
        assert line.count("$") % 2 == 0, line


def test_html_is_self_contained_and_typesets_the_maths(study_dir: Path) -> None:
    # Issue 18 replaced the CDN MathJax and the relative image links (what this test
    # asserted before): the page needs no network and no other file.
    page = (study_dir / "report.html").read_text(encoding="utf-8")
    assert "<table>" in page
    assert not re.search(r"""<(script|link)[^>]*(src|href)=["']?https?:""", page)
    assert "<script" not in page and "mathjax" not in page.lower()
    sources = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert sources and all(src.startswith("data:image/") for src in sources)
    figures = re.findall(r'<img src="data:image/png;base64,', page)
    assert len(figures) >= 3  # survival, law of N, phase diagram
    # every formula is typeset (an SVG whose alt text is the TeX), none left raw
    alts = [html.unescape(a) for a in re.findall(r'<img class="math" alt="([^"]*)"', page)]
    assert len(alts) > 20 and 'class="math-tex"' not in page.split("</style>")[1]
    assert r"\prod_{k<n}(1 - q_k)" in " ".join(alts)
    assert "$$" not in re.sub(r"<[^>]+>", "", page)


def test_report_md_is_post_sized_with_the_tables_in_an_appendix(study_dir: Path) -> None:
    summary = (study_dir / "report.md").read_text(encoding="utf-8")
    appendix = (study_dir / "report-appendix.md").read_text(encoding="utf-8")
    assert len(summary.splitlines()) < 150
    assert "(report-appendix.md)" in summary and "## Estimates and closed forms" in appendix
    results = load_results(study_dir)
    # every point of the boundary is in the appendix's theory-against-simulation table
    table = appendix.split("## Theory against simulation")[1].split("##")[0]
    assert sum(line.startswith("| ") for line in table.splitlines()) == len(results.boundary) + 1


def test_theory_table_header_names_the_estimand(study_dir: Path) -> None:
    text = (study_dir / "report.md").read_text(encoding="utf-8")
    header = next(x for x in text.splitlines() if "| theory |" in x)
    assert "estimated P(supercoherence by the horizon)" in header
    # the constant-hazard points ignore delta and w: one row, shown as "any"
    rows = [
        x
        for x in text.split("## Theory against simulation")[1].split("##")[0].splitlines()
        if x.startswith("| ") and "constant" in x
    ]
    assert len(rows) == 1 and "| any | any |" in rows[0]


def test_conditions_match_the_stored_boundary(study_dir: Path) -> None:
    results = load_results(study_dir)
    points = [
        {k: v for k, v in row.items() if k != "point"} for row in results.points.to_dict("records")
    ]
    by_point = {p: c for c in derive_conditions(points) for p in c.points}
    for row in results.boundary.itertuples(index=False):
        assert by_point[row.point].outcome == row.classification
        # 400 replicates: the estimate within 4 Wilson half-widths of 1 - prod(1 - q_n)
        half = (row.ci_high - row.ci_low) / 2
        assert abs(row.estimate - by_point[row.point].supercoherence) <= 4 * max(half, 1e-3)


def test_html_rendering_protects_underscores() -> None:
    page = markdown_to_html("A $a_1 * b_2 * c$ and $$\n\\alpha_n\n$$")
    # The TeX reaches the typesetter untouched by Markdown (it is the images' alt text;
    # before issue 18 it was left in the page for MathJax).
    alts = [html.unescape(a) for a in re.findall(r'<img class="math" alt="([^"]*)"', page)]
    assert alts == ["a_1 * b_2 * c", "\\alpha_n"]
    assert "<em>" not in page


def test_bad_figure_format_names_the_parameter(study_dir: Path) -> None:
    with pytest.raises(ParameterError, match="formats"):
        write_figures(study_dir, ["gif"])


def test_figures_are_rendered_only_in_the_formats_asked(study_dir: Path, tmp_path: Path) -> None:
    from supercoherence.simulations.presentation.style import new_axes, save_figure

    figure = new_axes().figure
    assert [p.name for p in save_figure(figure, tmp_path / "f", ["svg"])] == ["f.svg"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.svg"]
    with pytest.raises(ParameterError, match="formats = 'jpg'"):
        save_figure(figure, tmp_path / "g", ["png", "jpg"])
    assert not (tmp_path / "g.png").exists()  # checked before anything is drawn
    written = write_figures(study_dir, ["png"])
    assert written and all(p.suffix == ".png" for paths in written.values() for p in paths)


def test_a_positive_recurrence_probability_below_double_precision_is_not_shown_as_zero():
    from supercoherence.simulations.presentation.formulas import (
        PointCondition,
        _recurrence_markdown,
    )

    def condition(point: int, hazard: str, q_latex: str, outcome: str, recurrence: float):
        """A derived condition whose P(recur forever) is the double ``recurrence``."""
        return PointCondition(
            points=(point,),
            hazard=hazard,
            q_latex=q_latex,
            outcome=outcome,
            reason="",
            recurrence=recurrence,
            recurrence_bounds=(recurrence, recurrence),
            recurrence_latex=None,
        )

    tiny = condition(36, "entrenchment", "q_n", "recursion forever with positive probability", 0.0)
    assert "below double precision" in _recurrence_markdown(tiny)
    never = condition(0, "constant", "0", "recursion forever almost surely", 1.0)
    assert "below double precision" not in _recurrence_markdown(never)


def test_report_of_a_study_given_as_a_mapping(tmp_path: Path) -> None:
    # parse_study(dict) used to store a stub study.toml, so the report could not reload
    # the study; now the mapping is stored as TOML and read back to the same study.
    import tomllib

    from supercoherence.simulations.study import parse_study, to_toml

    data = tomllib.loads(TINY)
    assert tomllib.loads(to_toml(data)) == data
    study = parse_study(data)
    out = tmp_path / "results"
    run_study(study, out, workers=1, progress=False)
    # what write_report reloads (the full report is the module fixture's, slow to rebuild)
    assert load_study(out / "study.toml", check_points=False).fingerprint() == study.fingerprint()
    assert not (out / "study.toml").read_text(encoding="utf-8").startswith("# study ")


def test_set_overrides_are_validated_and_stored(tmp_path: Path, capsys) -> None:
    from supercoherence.cli import main

    source = tmp_path / "tiny.toml"
    source.write_text(TINY, encoding="utf-8")
    out = tmp_path / "run"
    argv = ["study", "run", str(source), "--out", str(out), "--quiet", "--workers", "1"]
    assert main([*argv, "--set", "study.replicates=50", "--set", "study.chunk=50"]) == 0
    stored = load_study(out / "study.toml")
    assert stored.replicates == 50 and load_study(source).replicates == 400
    assert load_results(out).estimates["replicates"].max() == 50
    capsys.readouterr()
    assert main(["study", "validate", str(source), "--set", "study.replicates=0"]) == 2
    assert "study.replicates: must be >= 1" in capsys.readouterr().err
    assert main(["study", "validate", str(source), "--set", "study.replicate=5"]) == 2
    assert "did you mean 'replicates'" in capsys.readouterr().err
    assert main(["study", "validate", str(source), "--set", "replicates=5"]) == 2
    assert "TABLE.KEY=VALUE" in capsys.readouterr().err


# ------------------------------------------------- the run's classification, reused


def test_the_run_stores_its_conditions_and_the_report_reuses_them(
    study_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json
    import shutil

    from supercoherence.simulations.presentation import formulas

    manifest = json.loads((study_dir / "manifest.json").read_text(encoding="utf-8"))
    assert "conditions.json" in manifest["files"]
    study = load_study(str(study_dir / "study.toml"), check_points=False)
    stored = formulas.conditions_from_json(
        (study_dir / "conditions.json").read_text(encoding="utf-8"),
        formulas.q_keys(study.points, study.engine),
    )
    assert stored == derive_conditions(study.points, study.engine)
    # a report in a fresh process classifies nothing: derive_conditions is not called
    copy = tmp_path / "copy"
    shutil.copytree(study_dir, copy)
    (copy / "report.md").unlink()

    def refuse(*args, **kwargs):
        raise AssertionError("the report classified the points again")

    monkeypatch.setattr(formulas, "derive_conditions", refuse)
    write_report(copy)
    assert (copy / "report.md").read_text(encoding="utf-8") == (study_dir / "report.md").read_text(
        encoding="utf-8"
    )


def test_altered_conditions_or_tables_are_reported_never_used(
    study_dir: Path, tmp_path: Path
) -> None:
    import shutil

    from supercoherence.errors import StudyFileError
    from supercoherence.simulations import verify_study

    copy = tmp_path / "altered"
    shutil.copytree(study_dir, copy)
    path = copy / "conditions.json"
    path.write_text(path.read_text(encoding="utf-8").replace("almost surely", "surely"))
    with pytest.raises(StudyFileError, match="conditions.json.*SHA-256"):
        write_report(copy)
    assert any("conditions.json" in p for p in verify_study(copy).problems)
    # a table the report reads is checked too, not only estimates and points
    other = tmp_path / "boundary"
    shutil.copytree(study_dir, other)
    boundary = other / "boundary.parquet"
    boundary.write_bytes(boundary.read_bytes()[:-9] + b"\0" * 9)
    with pytest.raises(StudyFileError, match="boundary.parquet.*SHA-256"):
        load_results(other)


def test_stored_conditions_of_other_points_are_refused() -> None:
    from supercoherence.errors import StudyFileError
    from supercoherence.simulations.presentation import formulas

    mine = [{"hazard": "entrenchment", "entrenchment_rate": 1.0}]
    theirs = [{"hazard": "entrenchment", "entrenchment_rate": 0.5}]
    text = formulas.conditions_json(derive_conditions(mine), formulas.q_keys(mine))
    assert formulas.conditions_from_json(text, formulas.q_keys(mine)) == derive_conditions(mine)
    with pytest.raises(StudyFileError, match="other parameter points"):
        formulas.conditions_from_json(text, formulas.q_keys(theirs))
    broken = text.replace('"outcome"', '"result"')
    with pytest.raises(StudyFileError, match="exactly the fields"):
        formulas.conditions_from_json(broken, formulas.q_keys(mine))
