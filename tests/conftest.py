"""Shared test helpers: Monte Carlo agreement at the flag threshold, shared scenarios.

Fixtures (pytest injects them by name; test modules are imported with
``--import-mode=importlib``, so they cannot import this file):

``assert_within(estimate, exact, se, what="")``
    ``|estimate - exact| <= FLAG_THRESHOLD * se``: the estimate is not one the
    studies would flag (:data:`supercoherence.simulations.analysis.FLAG_THRESHOLD`,
    ``|z| > 4``).
``assert_proportion(hits, exact, what="")``
    The share of true ``hits`` agrees with the probability ``exact`` (binomial
    standard error at ``exact``).
``assert_mean(samples, exact, what="")``
    The sample mean agrees with ``exact`` (standard error ``s / sqrt(n)``).
``chain_study(name, replicates=..., points=..., seed=...)``
    The TOML text of the small chain study that the kill-and-resume tests run
    (``chunk = 250`` replicates per unit, ``spawn_rate`` over ``points`` values).
``study_process``
    :class:`StudyProcess`: ``study run`` in a child process (``start``, ``run_argv``,
    ``argv``) and the unit files it has stored (``units``).
``scenarios``
    :func:`shared_scenarios`: one :class:`~supercoherence.theory.scenario.TakeoverScenario`
    per hazard family, by family name, and the named ones several test modules share
    (``escalating``, ``poisson``, ``busy``).
``run_chain_study(name, parameters, *, times, counts, replicates, seed, max_takeovers)``
    A small seeded chain study at infinite horizon (the figure and report tests' data).

Reference values come from the theory layer's one implementation (the scenario's
``q``, ``cumulative_hazard``, ...), never from a copy in a test.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

if TYPE_CHECKING:
    from supercoherence.theory.scenario import TakeoverScenario


@functools.cache
def shared_scenarios() -> dict[str, TakeoverScenario]:
    """One scenario per hazard family, and the named scenarios of the ABM tests.

    ``constant``, ``entrenchment`` and ``power`` are the ones tests/models and
    tests/simulations share; ``escalating`` (the ABM agreement and interaction tests),
    ``poisson`` (counts exactly Poisson) and ``busy`` (many nested takeovers: the ABM
    structure tests) are used by more than one module.

    Built on first use, so that collecting tests does not depend on the theory layer.
    """
    from supercoherence.theory.scenario import TakeoverScenario

    families = {
        # constant hazard: the first takeover time is exponential with rate h_0
        "constant": TakeoverScenario(
            spawn_rate=1.0, alignment_skill=0.5, detection=0.2, hazard="constant", drift=0.3
        ),
        # escalating, entrenched: q_n varies with n (detection grows with capability)
        "entrenchment": TakeoverScenario(
            spawn_rate=2.0,
            alignment_skill=0.3,
            detection=0.2,
            capability_ratio=1.5,
            hazard="entrenchment",
            entrenchment_rate=0.7,
            detection_scaling=0.3,
            drift=0.6,
        ),
        # integrable power hazard: beta > 1, q_n > 0
        "power": TakeoverScenario(
            spawn_rate=1.0,
            alignment_skill=0.2,
            detection=0.1,
            hazard="power",
            power_exponent=2.5,
            drift=0.8,
        ),
    }
    return {
        **families,
        # escalating and entrenched faster (delta = 1): the ABM agreement scenario
        "escalating": replace(families["entrenchment"], entrenchment_rate=1.0),
        # nothing aligned or detected: N_T ~ Poisson(h T) exactly (several takeovers per
        # step are possible), rho = 0
        "poisson": replace(
            families["constant"], spawn_rate=3.0, alignment_skill=0.0, detection=0.0, drift=0.0
        ),
        # busy nesting: about 2.4 children per optimizer and step, many nested takeovers
        "busy": replace(
            families["power"], spawn_rate=3.0, capability_ratio=1.2, power_exponent=1.5, drift=0.7
        ),
    }


@functools.cache
def flag_threshold() -> float:
    """The studies' flag threshold on ``|z|`` (imported on first use: the pipeline is heavy)."""
    from supercoherence.simulations.analysis import FLAG_THRESHOLD

    return float(FLAG_THRESHOLD)


def _assert_within(estimate: float, exact: float, se: float, what: str = "") -> None:
    threshold = flag_threshold()
    gap = abs(float(estimate) - float(exact))
    assert gap <= threshold * float(se) + 1e-12, (
        f"{what or 'estimate'} {float(estimate):.6g} vs exact {float(exact):.6g}: "
        f"|z| = {gap / float(se) if se else np.inf:.2f} > {threshold}"
    )


def _assert_proportion(hits: np.ndarray, exact: float, what: str = "") -> None:
    hits = np.asarray(hits, dtype=bool)
    se = np.sqrt(exact * (1.0 - exact) / hits.size)
    _assert_within(hits.mean(), exact, se, what)


def _assert_mean(samples: np.ndarray, exact: float, what: str = "") -> None:
    samples = np.asarray(samples, dtype=float)
    se = samples.std(ddof=1) / np.sqrt(samples.size)
    _assert_within(samples.mean(), exact, se, what)


@pytest.fixture(scope="session")
def assert_within() -> Callable[..., None]:
    """``assert_within(estimate, exact, se, what="")`` at the flag threshold."""
    return _assert_within


@pytest.fixture(scope="session")
def assert_proportion() -> Callable[..., None]:
    """``assert_proportion(hits, exact, what="")``: a share of hits against a probability."""
    return _assert_proportion


@pytest.fixture(scope="session")
def assert_mean() -> Callable[..., None]:
    """``assert_mean(samples, exact, what="")``: a sample mean against its exact value."""
    return _assert_mean


@pytest.fixture(scope="session")
def scenarios() -> dict[str, TakeoverScenario]:
    """:func:`shared_scenarios`, one scenario per hazard family."""
    return shared_scenarios()


def _run_chain_study(
    folder,
    name: str,
    parameters: dict,
    *,
    times: list[float],
    counts: list[int],
    replicates: int,
    seed: int,
    max_takeovers: int,
):
    """A small seeded chain study at infinite horizon, run in process into ``folder``.

    Its outputs are what the figures and the report draw: ``no_takeover_by`` at
    ``times``, ``law_of_n`` at ``counts``, ``supercoherence_by_horizon`` and the boundary.
    """
    from supercoherence.simulations import parse_study, run_study

    study = parse_study(
        {
            "study": {
                "name": name,
                "engine": "chain",
                "replicates": replicates,
                "seed": seed,
                "horizon": float("inf"),
            },
            "engine": {"max_takeovers": max_takeovers},
            "parameters": parameters,
            "outputs": {
                "estimands": ["no_takeover_by", "law_of_n", "supercoherence_by_horizon"],
                "times": times,
                "counts": counts,
                "boundary": True,
            },
        }
    )
    return run_study(study, folder, workers=1)


@pytest.fixture(scope="session")
def run_chain_study(tmp_path_factory) -> Callable[..., object]:
    """``run_chain_study(name, parameters, *, times, counts, replicates, seed,
    max_takeovers)``: :func:`_run_chain_study` in a new temporary folder."""
    return lambda name, parameters, **sizes: _run_chain_study(
        tmp_path_factory.mktemp(name) / "run", name, parameters, **sizes
    )


_CHAIN_STUDY = """
[study]
name = "{name}"
engine = "chain"
replicates = {replicates}
chunk = 250
horizon = inf
seed = {seed}

[parameters]
spawn_rate = {{ linspace = [0.5, 2.0, {points}] }}
entrenchment_rate = 0.5
drift = 0.8

[outputs]
estimands = ["supercoherence_by_horizon", "law_of_n", "mean_takeovers", "final_alignment"]
counts = [0, 1, 2]
"""


def _chain_study(name: str, *, replicates: int, points: int, seed: int) -> str:
    return _CHAIN_STUDY.format(name=name, replicates=replicates, points=points, seed=seed)


@pytest.fixture(scope="session")
def chain_study() -> Callable[..., str]:
    """``chain_study(name, replicates=..., points=..., seed=...)``: a chain study's TOML."""
    return _chain_study


class StudyProcess:
    """``supercoherence study run`` in a child process, and the units it has stored."""

    @staticmethod
    def argv(*args: str) -> list[str]:
        """The command line of ``python -m supercoherence *args`` (this interpreter)."""
        return [sys.executable, "-m", "supercoherence", *args]

    @classmethod
    def run_argv(cls, path: Path, out: Path, workers: int = 1) -> list[str]:
        """``study run path --out out --workers N --quiet``."""
        return cls.argv(
            "study", "run", str(path), "--out", str(out), "--workers", str(workers), "--quiet"
        )

    @classmethod
    def start(cls, path: Path, out: Path, **popen: Any) -> subprocess.Popen:
        """Start ``study run`` of ``path`` into ``out`` with one worker (not waited for)."""
        return subprocess.Popen(cls.run_argv(path, out), **popen)

    @staticmethod
    def units(out: Path) -> list[Path]:
        """The unit files stored in ``out/units`` so far, sorted."""
        folder = Path(out) / "units"
        return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


@pytest.fixture(scope="session")
def study_process() -> type[StudyProcess]:
    """:class:`StudyProcess`: start ``study run`` in a child process, count its units."""
    return StudyProcess
