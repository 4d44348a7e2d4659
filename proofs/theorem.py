r"""Theorems as data: statement, assumptions, objects, a checked proof, a simulation.

A :class:`Theorem` is a statement (LaTeX and plain words), its assumptions (the
sympy assumptions of its symbols and explicit hypotheses), the objects of
:mod:`supercoherence.theory` it is about, and a proof: a sequence of
:class:`Step` s, each a claim (one of the checkers of
:mod:`supercoherence.proofs.checkers`) with a justification in words.

``Theorem.check()`` runs every step.  The theorem *holds* when no step fails; it
is *fully machine-checked* when, in addition, no step is ``cited``.  A failing
step makes the theorem fail loudly: ``check()`` raises
:class:`~supercoherence.errors.ProofError` naming the step, its claim and the
counterexample or residue (``check(strict=False)`` returns the report instead).

Optionally a theorem carries a :class:`MonteCarloCheck`: a simulable statement
that the engine of :mod:`supercoherence.models` estimates and that must agree with
the closed form within a stated number of standard errors.  The engine is
imported lazily, only when the check is asked for.

Examples
--------
>>> import sympy as sp
>>> from supercoherence.proofs.checkers import Identity
>>> x = sp.Symbol("x", positive=True)
>>> thm = Theorem(
...     name="toy", title="A toy identity",
...     statement=r"\frac{x}{1+x} + \frac{1}{1+x} = 1", plain="The two shares add to one.",
...     assumptions=("x > 0",), objects=(),
...     steps=(Step(Identity(x / (1 + x) + 1 / (1 + x), 1), "Add the fractions."),),
... )
>>> report = thm.check()
>>> report.status, report.engines
('checked', ('sympy',))
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from supercoherence.errors import ProofError
from supercoherence.proofs.checkers import Check, Outcome

__all__ = [
    "MonteCarloCheck",
    "MonteCarloOutcome",
    "Step",
    "StepReport",
    "Theorem",
    "TheoremReport",
    "mean_of",
]


@dataclass(frozen=True)
class Step:
    """One step of a proof: a claim and why it holds.

    Parameters
    ----------
    claim : Check
        The claim and its checker (an :class:`~supercoherence.proofs.checkers.Identity`,
        :class:`~supercoherence.proofs.checkers.Implication`, ... or
        :class:`~supercoherence.proofs.checkers.Cited`).
    justification : str
        The reason in words (Markdown; inline math between ``$``).

    Examples
    --------
    >>> import sympy as sp
    >>> from supercoherence.proofs.checkers import Identity
    >>> Step(Identity(sp.Integer(1), 1), "Trivially.").claim.engine
    'sympy'
    """

    claim: Check
    justification: str

    @property
    def latex(self) -> str:
        """The claim in LaTeX."""
        return self.claim.latex


@dataclass(frozen=True)
class StepReport:
    """The outcome of one step: its number (from 1), the step and the verdict.

    Examples
    --------
    >>> import sympy as sp
    >>> from supercoherence.proofs.checkers import Identity
    >>> step = Step(Identity(sp.Integer(1), 1), "Trivially.")
    >>> StepReport(1, step, step.claim.run()).outcome.status
    'checked'
    """

    number: int
    step: Step
    outcome: Outcome


@dataclass(frozen=True)
class MonteCarloOutcome:
    """The verdict of a Monte Carlo check.

    ``status`` is ``"agrees"`` (within ``tolerance`` standard errors),
    ``"disagrees"`` or ``"unavailable"`` (the engine is not installed yet).

    Examples
    --------
    >>> MonteCarloOutcome("agrees", 0.5, 0.01, 0.5, 0.0, 4.0, 1000, 0.2).ok
    True
    """

    status: Literal["agrees", "disagrees", "unavailable"]
    estimate: float
    std_error: float
    exact: float
    z: float
    tolerance: float
    replicates: int
    seconds: float
    detail: str = ""

    @property
    def ok(self) -> bool:
        """False only when the simulation disagrees with the closed form."""
        return self.status != "disagrees"


@dataclass(frozen=True)
class MonteCarloCheck:
    r"""A simulable statement: the engine's estimate must match the closed form.

    Parameters
    ----------
    description : str
        What is estimated, in words (Markdown).
    model : Mapping or float or callable
        What :func:`supercoherence.models.engine.simulate_chain` simulates: a mapping
        of study-file keys (turned into a
        :class:`~supercoherence.theory.scenario.TakeoverScenario`), a constant ``q`` or
        a vectorised callable ``n -> q_n``.
    estimator : callable
        ``table -> (estimate, std_error)`` from the engine's replicate table.
    exact : float
        The closed-form value of the theorem for this model.
    replicates : int
        Replicates to simulate (small: the fast test tier runs this).
    seed : int
        Seed of the run.
    tolerance : float
        Allowed ``|estimate - exact| / std_error``.
    max_takeovers : int
        The engine's censoring level.
    options : Mapping
        Extra keyword arguments of ``simulate_chain`` (``drift``, ``horizon``, ...).

    Examples
    --------
    >>> check = MonteCarloCheck("E[N]", 0.5, lambda table: (1.0, 0.01), 1.0)
    >>> check.tolerance
    4.0
    """

    description: str
    model: Any
    estimator: Callable[[Mapping[str, Any]], tuple[float, float]]
    exact: float
    replicates: int = 20_000
    seed: int = 20240601
    tolerance: float = 4.0
    max_takeovers: int = 1000
    options: Mapping[str, Any] = field(default_factory=dict)

    def run(self) -> MonteCarloOutcome:
        """Simulate with :func:`supercoherence.models.engine.simulate_chain` and compare.

        Returns
        -------
        MonteCarloOutcome
            ``"unavailable"`` if the engine cannot be imported.
        """
        start = time.perf_counter()
        try:
            from supercoherence.models.engine import simulate_chain
            from supercoherence.theory.scenario import TakeoverScenario
        except ImportError as exc:
            return MonteCarloOutcome(
                "unavailable",
                math.nan,
                math.nan,
                self.exact,
                math.nan,
                self.tolerance,
                0,
                0.0,
                f"engine not available: {exc}",
            )
        model = self.model
        if isinstance(model, Mapping):
            model = TakeoverScenario.from_mapping(dict(model))
        result = simulate_chain(
            model,
            self.replicates,
            seed=self.seed,
            max_takeovers=self.max_takeovers,
            **dict(self.options),
        )
        estimate, std_error = self.estimator(result.table)
        if std_error > 0:
            z = (estimate - self.exact) / std_error
        else:
            z = 0.0 if estimate == self.exact else math.inf
        status = "agrees" if abs(z) <= self.tolerance else "disagrees"
        return MonteCarloOutcome(
            status,
            float(estimate),
            float(std_error),
            float(self.exact),
            float(z),
            self.tolerance,
            self.replicates,
            time.perf_counter() - start,
        )


def mean_of(column: str, transform: Callable[[Any], Any] | None = None) -> Callable:
    """Estimator of the mean of a table column (optionally transformed) and its SE.

    Examples
    --------
    >>> import numpy as np
    >>> est = mean_of("n_takeovers")
    >>> est({"n_takeovers": np.array([0, 2, 4])})
    (2.0, 1.1547...)
    """

    def estimate(table: Mapping[str, Any]) -> tuple[float, float]:
        values = np.asarray(table[column], dtype=float)
        if transform is not None:
            values = np.asarray(transform(values), dtype=float)
        return float(values.mean()), float(values.std(ddof=1) / math.sqrt(values.size))

    return estimate


@dataclass(frozen=True)
class TheoremReport:
    """The outcome of checking a theorem.

    ``status`` is ``"checked"`` (every step checked), ``"holds, cites"`` (no step
    failed, some are cited) or ``"failed"``.

    Examples
    --------
    >>> TheoremReport("toy", (), None, 0.0).status
    'checked'
    """

    name: str
    steps: tuple[StepReport, ...]
    monte_carlo: MonteCarloOutcome | None
    seconds: float

    @property
    def failures(self) -> tuple[StepReport, ...]:
        """The steps that failed."""
        return tuple(s for s in self.steps if s.outcome.status == "failed")

    @property
    def ok(self) -> bool:
        """True when no step failed and the simulation (if run) did not disagree."""
        mc_ok = self.monte_carlo is None or self.monte_carlo.ok
        return not self.failures and mc_ok

    @property
    def status(self) -> str:
        """``"checked"``, ``"holds, cites"`` or ``"failed"``."""
        if not self.ok:
            return "failed"
        if any(s.outcome.status == "cited" for s in self.steps):
            return "holds, cites"
        return "checked"

    @property
    def engines(self) -> tuple[str, ...]:
        """The engines used, sorted (``"cited"`` included when a step is cited)."""
        return tuple(sorted({s.outcome.engine for s in self.steps}))

    def counts(self) -> dict[str, int]:
        """Number of steps per engine (``sympy``, ``z3``, ``cited``)."""
        out: dict[str, int] = {}
        for s in self.steps:
            out[s.outcome.engine] = out.get(s.outcome.engine, 0) + 1
        return out

    def failure_message(self) -> str:
        """Every failing step with its claim and the counterexample or residue."""
        lines = [f"theorem {self.name!r} fails:"]
        for s in self.failures:
            lines.append(
                f"  step {s.number} [{s.outcome.engine}] {s.step.latex}\n"
                f"    justification: {s.step.justification}\n"
                f"    {s.outcome.detail}"
            )
        mc = self.monte_carlo
        if mc is not None and not mc.ok:
            lines.append(
                f"  Monte Carlo: estimate {mc.estimate:.6g} +- {mc.std_error:.3g} vs exact "
                f"{mc.exact:.6g} (z = {mc.z:.2f}, tolerance {mc.tolerance})"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class Theorem:
    r"""A theorem with a machine-checked proof.

    Parameters
    ----------
    name : str
        Slug used by the catalogue and the command line (``"dichotomy"``).
    title : str
        Human title.
    statement : str
        The statement in LaTeX (display math, without delimiters).
    plain : str
        The statement in plain words (Markdown).
    assumptions : tuple of str
        The hypotheses in LaTeX, including the ranges the symbols carry.
    objects : tuple of str
        Dotted names of the :mod:`supercoherence.theory` objects the theorem is about.
    steps : tuple of Step
        The proof.
    family : str
        Catalogue family (``"contest"``, ``"hazard"``, ...).
    monte_carlo : MonteCarloCheck, optional
        A simulation that must agree with the statement.
    references : tuple of str
        Literature.
    notes : str
        Remarks for the reader (Markdown), e.g. how a finite horizon looks.

    Examples
    --------
    >>> from supercoherence.proofs import catalogue
    >>> catalogue["contest-symmetry"].check().status
    'checked'
    """

    name: str
    title: str
    statement: str
    plain: str
    assumptions: tuple[str, ...]
    objects: tuple[str, ...]
    steps: tuple[Step, ...]
    family: str = ""
    monte_carlo: MonteCarloCheck | None = None
    references: tuple[str, ...] = ()
    notes: str = ""

    def check(self, *, strict: bool = True, monte_carlo: bool = False) -> TheoremReport:
        """Run every step (and, if asked, the Monte Carlo check).

        Parameters
        ----------
        strict : bool, default True
            Raise on failure (loudly, with the step and the counterexample/residue).
        monte_carlo : bool, default False
            Also run the simulation check, if the theorem has one.

        Returns
        -------
        TheoremReport

        Raises
        ------
        ProofError
            If ``strict`` and a step fails or the simulation disagrees.
        """
        start = time.perf_counter()
        steps = tuple(
            StepReport(i, step, step.claim.run()) for i, step in enumerate(self.steps, start=1)
        )
        mc = self.monte_carlo.run() if (monte_carlo and self.monte_carlo) else None
        report = TheoremReport(self.name, steps, mc, time.perf_counter() - start)
        if strict and not report.ok:
            raise ProofError(report.failure_message())
        return report
