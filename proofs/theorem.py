r"""Theorems as data: statement, assumptions, objects, a checked proof, a simulation.

A :class:`Theorem` is a *formal statement* (a sympy formula: a relation, a
conjunction, an implication ``H -> C``, over symbols whose sympy assumptions are
part of the statement), its formal hypotheses, the objects of
:mod:`supercoherence.theory` it is about, and a proof: a sequence of
:class:`Step` s, each a claim (one of the checkers of
:mod:`supercoherence.proofs.checkers`) with a justification in words.  The LaTeX
``statement`` and the ``plain`` words only render it.

``Theorem.check()`` runs every step and then verifies that the proof proves the
statement (:mod:`~supercoherence.proofs.logic`):

1. every step's premises (the rewrites an identity uses, the base case and
   recurrence of an induction) are hypotheses of the theorem, antecedents of its
   statement, or conclusions of earlier steps; otherwise the step fails;
2. a step that substitutes one of the theorem's own (universally quantified)
   variables, or fixes any symbol to a value, is an ``example``: reported as
   "example, not proof", it establishes nothing;
3. the statement is entailed by the hypotheses and the conclusions of the checked
   and cited steps (and, provisionally, of steps whose engine is not installed: the
   theorem is then "not checked", never "checked"); a statement sympy evaluates to
   true or false, a missing formal statement, or a proof without any
   machine-checked step is a failure.

The theorem is ``"checked"`` when all of this holds and no step is cited, ``"holds,
cites"`` when some step is cited (with a reference of
:mod:`~supercoherence.proofs.bibliography`), ``"not checked (coq unavailable)"``
when a step's engine is not installed, and ``"failed"`` otherwise.  A failure is
loud: ``check()`` raises :class:`~supercoherence.errors.ProofError` naming the
step, its claim and the counterexample or residue (``check(strict=False)`` returns
the report instead).

Optionally a theorem carries a :class:`MonteCarloCheck`: a simulable statement
that the engine of :mod:`supercoherence.models` estimates and that must agree with
the closed form within a stated number of standard errors.  The engine is
imported lazily, only when the check is asked for.

Examples
--------
>>> import sympy as sp
>>> from supercoherence.proofs.checkers import Identity
>>> from supercoherence.proofs.formal import eq
>>> x = sp.Symbol("x", positive=True)
>>> thm = Theorem(
...     name="toy", title="A toy identity",
...     statement=eq(x / (1 + x) + 1 / (1 + x), 1), plain="The two shares add to one.",
...     assumptions=("x > 0",), objects=(),
...     steps=(Step(Identity(x / (1 + x) + 1 / (1 + x), 1), "Add the fractions."),),
... )
>>> report = thm.check()
>>> report.status, report.engines
('checked', ('sympy',))
>>> wrong = Theorem(
...     name="wrong", title="x is 2x", statement=eq(x, 2 * x), plain="", assumptions=(),
...     objects=(), steps=(Step(Identity(x / (1 + x) + 1 / (1 + x), 1), "True but beside."),),
... )
>>> print(wrong.check(strict=False).failure_message())
theorem 'wrong' fails:
  statement: the steps do not establish Eq(x, 2*x)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import sympy as sp

from supercoherence.errors import ProofError
from supercoherence.proofs.checkers import Check, CheckOutcome
from supercoherence.proofs.logic import entails, split_statement

__all__ = [
    "MonteCarloCheck",
    "MonteCarloOutcome",
    "Step",
    "StepReport",
    "Theorem",
    "TheoremReport",
    "catalogue_order",
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
    outcome: CheckOutcome
    premise_sources: tuple[str, ...] = ()


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

    ``status`` is ``"checked"`` (the steps establish the statement, none is cited),
    ``"holds, cites"`` (some are cited), ``"not checked (ENGINE unavailable)"``
    (a step's engine is not installed) or ``"failed"``.  ``problems`` are the
    failures of the theorem as a whole (statement not established, no checked step);
    ``established_by`` the steps whose conclusions give the statement.

    Examples
    --------
    >>> TheoremReport("toy", (), None, 0.0).status
    'checked'
    >>> TheoremReport("toy", (), None, 0.0, problems=("no step",)).status
    'failed'
    """

    name: str
    steps: tuple[StepReport, ...]
    monte_carlo: MonteCarloOutcome | None
    seconds: float
    problems: tuple[str, ...] = ()
    established_by: tuple[int, ...] = ()

    @property
    def failures(self) -> tuple[StepReport, ...]:
        """The steps that failed."""
        return tuple(s for s in self.steps if s.outcome.status == "failed")

    @property
    def ok(self) -> bool:
        """True when no step failed, the statement is established and the simulation
        (if run) did not disagree."""
        mc_ok = self.monte_carlo is None or self.monte_carlo.ok
        return not self.failures and not self.problems and mc_ok

    @property
    def status(self) -> str:
        """``"checked"``, ``"holds, cites"``, ``"not checked (... unavailable)"`` or
        ``"failed"``."""
        if not self.ok:
            return "failed"
        missing = sorted(
            {s.outcome.engine for s in self.steps if s.outcome.status == "unavailable"}
        )
        if missing:
            return f"not checked ({', '.join(missing)} unavailable)"
        if self.cited:
            return "holds, cites"
        return "checked"

    @property
    def cited(self) -> tuple[StepReport, ...]:
        """The cited steps."""
        return tuple(s for s in self.steps if s.outcome.status == "cited")

    def _repr_markdown_(self) -> str:
        """Notebook display: the status and each step's verdict.

        Examples
        --------
        >>> print(TheoremReport("toy", (), None, 0.0)._repr_markdown_())
        **toy**: checked (0 steps, 0.0 s)
        """
        lines = [f"**{self.name}**: {self.status} ({len(self.steps)} steps, {self.seconds:.1f} s)"]
        lines += [f"- step {s.number}: {s.outcome.status} ({s.outcome.engine})" for s in self.steps]
        lines += [f"- problem: {problem}" for problem in self.problems]
        return "\n".join(lines)

    @property
    def examples(self) -> tuple[StepReport, ...]:
        """The steps verified only at an instance (examples, not proofs)."""
        return tuple(s for s in self.steps if s.outcome.status == "example")

    @property
    def status_line(self) -> str:
        """The status with the numbers of checked, cited and example steps.

        Examples
        --------
        >>> TheoremReport("toy", (), None, 0.0).status_line
        'toy: checked (0 checked, 0 cited, 0 examples)'
        """
        checked = sum(s.outcome.status == "checked" for s in self.steps)
        return (
            f"{self.name}: {self.status} ({checked} checked, {len(self.cited)} cited, "
            f"{len(self.examples)} examples)"
        )

    @property
    def engines(self) -> tuple[str, ...]:
        """The engines used, sorted (``"cited"`` included when a step is cited)."""
        return tuple(sorted({s.outcome.engine for s in self.steps}))

    def counts(self) -> dict[str, int]:
        """Number of steps per engine (``sympy``, ``z3``, ``cited``; ``example``,
        ``failed`` and ``unavailable`` steps are counted under their status)."""
        out: dict[str, int] = {}
        for s in self.steps:
            key = s.outcome.engine if s.outcome.status in ("checked", "cited") else s.outcome.status
            out[key] = out.get(key, 0) + 1
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
        lines += [f"  statement: {p}" for p in self.problems]
        mc = self.monte_carlo
        if mc is not None and not mc.ok:
            lines.append(
                f"  Monte Carlo: estimate {mc.estimate:.6g} +- {mc.std_error:.3g} vs exact "
                f"{mc.exact:.6g} (z = {mc.z:.2f}, tolerance {mc.tolerance})"
            )
        return "\n".join(lines)


def _step_variables(check: Check) -> set[Any]:
    return {old for old, _ in check.substitutions if isinstance(old, sp.Symbol)}


@dataclass(frozen=True)
class Theorem:
    r"""A theorem with a machine-checked proof.

    Parameters
    ----------
    name : str
        Slug used by the catalogue and the command line (``"dichotomy"``).
    title : str
        Human title.
    statement : sympy.Boolean or str
        The formal statement (a sympy relation, conjunction or implication ``H -> C``
        over declared symbols).  A string is taken as LaTeX only; the formal statement
        then goes in ``claim`` (a theorem without one cannot be checked).
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
        Literature: keys of :data:`~supercoherence.proofs.bibliography.BIBLIOGRAPHY`
        (or free text).
    notes : str
        Remarks for the reader (Markdown), e.g. how a finite horizon looks.
    claim : sympy.Boolean, optional
        The formal statement, when ``statement`` is its LaTeX rendering.
    hypotheses : tuple of sympy.Boolean
        Formal hypotheses (beyond the symbols' assumptions): the theorem holds for
        every value of its symbols that satisfies them.
    establishes : tuple of int
        Without ``claim``: the statement is the conjunction of the conclusions of
        these steps (numbered from 1); it still has to be established by the proof
        (a failed, example or non-formal step establishes nothing).

    Examples
    --------
    >>> from supercoherence.proofs import catalogue
    >>> catalogue["contest-symmetry"].check().status
    'checked'
    """

    name: str
    title: str
    statement: Any
    plain: str
    assumptions: tuple[str, ...]
    objects: tuple[str, ...]
    steps: tuple[Step, ...]
    family: str = ""
    monte_carlo: MonteCarloCheck | None = None
    references: tuple[str, ...] = ()
    notes: str = ""
    claim: Any = None
    hypotheses: tuple[Any, ...] = ()
    establishes: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.statement, str):
            formal = sp.sympify(self.statement)
            if self.claim is None:
                object.__setattr__(self, "claim", formal)
            object.__setattr__(self, "statement", sp.latex(formal))
        if self.claim is None and self.establishes:
            parts = []
            for number in self.establishes:
                if not 1 <= number <= len(self.steps):
                    raise ProofError(f"theorem {self.name!r}: there is no step {number}")
                conclusion = self.steps[number - 1].claim.conclusion
                if conclusion is None:
                    raise ProofError(
                        f"theorem {self.name!r}: step {number} concludes nothing formal"
                    )
                parts.append(conclusion)
            object.__setattr__(self, "claim", sp.And(*parts))

    @property
    def variables(self) -> frozenset[Any]:
        """The universally quantified symbols: those of the statement and hypotheses."""
        formulas = [self.claim, *self.hypotheses] if self.claim is not None else []
        return frozenset().union(*(sp.sympify(f).free_symbols for f in formulas))

    def _statement_problems(self) -> list[str]:
        claim = self.claim
        if claim is None:
            return ["no formal statement (the LaTeX only renders; give `claim`)"]
        if claim is sp.true:
            return ["the statement is trivially true: nothing is stated"]
        if claim is sp.false:
            return ["the statement is false (sympy evaluates it to False)"]
        if not isinstance(claim, sp.logic.boolalg.Boolean):
            return [f"the statement {sp.sstr(claim)} is not a formula"]
        floats = [f for f in (claim, *self.hypotheses) if sp.sympify(f).has(sp.Float)]
        if floats:
            return ["the statement contains floating-point numbers; proofs are exact"]
        return []

    def _run_steps(self) -> tuple[list[StepReport], list[tuple[str, Any]]]:
        antecedents, _ = split_statement(self.claim) if self.claim is not None else ([], [])
        facts: list[tuple[str, Any]] = [("hypothesis", h) for h in self.hypotheses]
        facts += [("statement's hypothesis", a) for a in antecedents]
        variables = self.variables
        reports = []
        for number, step in enumerate(self.steps, start=1):
            outcome = step.claim.run()
            sources: list[str] = []
            # An unavailable engine's step counts provisionally (the theorem is then
            # "not checked (ENGINE unavailable)", never "checked"), so that the rest of
            # the proof is still verified where, e.g., coqc is missing.
            if outcome.status in ("checked", "cited", "unavailable"):
                fixed = sorted(map(str, _step_variables(step.claim) & variables))
                if fixed and outcome.status == "checked":
                    outcome = CheckOutcome(
                        "example",
                        outcome.engine,
                        f"example, not proof (substitutes the theorem's variable(s) "
                        f"{', '.join(fixed)}); {outcome.detail}",
                        outcome.seconds,
                    )
                for premise in step.claim.premises:
                    got = entails(facts, premise)
                    if got is None:
                        outcome = CheckOutcome(
                            "failed",
                            outcome.engine,
                            f"premise {sp.sstr(premise)} is neither an assumption nor the "
                            f"conclusion of an earlier step",
                            outcome.seconds,
                        )
                        break
                    sources += got
            usable = ("checked", "cited", "unavailable")
            if outcome.status in usable and step.claim.conclusion is not None:
                facts.append((f"step {number}", step.claim.conclusion))
            reports.append(StepReport(number, step, outcome, tuple(dict.fromkeys(sources))))
        return reports, facts

    def _repr_latex_(self) -> str:
        """Notebook display as LaTeX: the statement.

        Examples
        --------
        >>> from supercoherence.proofs import catalogue
        >>> catalogue["contest-tie"]._repr_latex_().startswith("$")
        True
        """
        return f"${self.statement}$"

    def _repr_markdown_(self) -> str:
        """Notebook display: the theorem and its proof, as ``proofs export`` writes it
        (raw TeX maths, LessWrong's convention), without check verdicts.

        Examples
        --------
        >>> from supercoherence.proofs import catalogue
        >>> "Proof" in catalogue["contest-tie"]._repr_markdown_()
        True
        """
        from supercoherence.proofs.export import to_markdown

        return to_markdown([self])

    def check(self, *, strict: bool = True, monte_carlo: bool = False) -> TheoremReport:
        """Run every step, verify they establish the statement (and, if asked, simulate).

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
            If ``strict`` and a step fails, the statement is not established or the
            simulation disagrees.
        """
        start = time.perf_counter()
        steps, facts = self._run_steps()
        problems = self._statement_problems()
        established: tuple[int, ...] = ()
        if not problems:
            used = entails(facts, self.claim)
            if used is None:
                _, consequents = split_statement(self.claim)
                missing = [c for c in consequents if entails(facts, c) is None]
                shown = "; ".join(sp.sstr(c) for c in missing) or sp.sstr(self.claim)
                problems.append(f"the steps do not establish {shown}")
            else:
                established = tuple(
                    sorted({int(u.split()[1]) for u in used if u.startswith("step ")})
                )
        if not any(s.outcome.status == "checked" for s in steps):
            problems.append("no step is machine-checked")
        mc = self.monte_carlo.run() if (monte_carlo and self.monte_carlo) else None
        report = TheoremReport(
            self.name, tuple(steps), mc, time.perf_counter() - start, tuple(problems), established
        )
        if strict and not report.ok:
            raise ProofError(report.failure_message())
        return report


def catalogue_order(what: str, *builders: Callable[[], Theorem]) -> Callable[[], list[Theorem]]:
    """A theorem module's ``theorems()``: each builder called once, in the given order.

    Every ``*_theorems`` module builds its theorems in private functions (``_dichotomy()``
    ...) and exposes them, in catalogue order, as ``theorems = catalogue_order(...)``;
    :func:`~supercoherence.proofs.registry.build_catalogue` calls each module's
    ``theorems()``.  Building on call, not at import, keeps importing a module cheap.

    Parameters
    ----------
    what : str
        The theorems in words, for the docstring (``"branching"``).
    *builders : callable
        ``() -> Theorem``, in catalogue order.

    Returns
    -------
    callable
        ``theorems() -> list of Theorem``.

    Examples
    --------
    >>> import sympy as sp
    >>> from supercoherence.proofs.checkers import Identity
    >>> def _toy() -> Theorem:
    ...     one = sp.Integer(1)
    ...     return Theorem("toy", "One is one", sp.Eq(one, one, evaluate=False), "", (), (),
    ...                    (Step(Identity(one, 1), "Trivially."),))
    >>> theorems = catalogue_order("toy", _toy)
    >>> [t.name for t in theorems()], theorems.__doc__.splitlines()[0]
    (['toy'], 'The toy theorems, in catalogue order (built anew on each call).')
    """

    def theorems() -> list[Theorem]:
        return [build() for build in builders]

    theorems.__doc__ = (
        f"The {what} theorems, in catalogue order (built anew on each call).\n\n"
        "Returns\n-------\nlist of Theorem\n"
    )
    return theorems
