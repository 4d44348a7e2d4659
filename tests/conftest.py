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
``scenarios``
    :func:`shared_scenarios`, one :class:`~supercoherence.theory.scenario.TakeoverScenario`
    per hazard family, by family name.

Reference values come from the theory layer's one implementation (the scenario's
``q``, ``cumulative_hazard``, ...), never from a copy in a test.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pytest

if TYPE_CHECKING:
    from supercoherence.theory.scenario import TakeoverScenario


@functools.cache
def shared_scenarios() -> dict[str, TakeoverScenario]:
    """One scenario per hazard family (the ones tests/models and tests/simulations share).

    Built on first use, so that collecting tests does not depend on the theory layer.
    """
    from supercoherence.theory.scenario import TakeoverScenario

    return {
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
