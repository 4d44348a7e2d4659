r"""The checkers: what it means for one proof step to be verified.

A proof step is a claim together with the engine that decides it.  Each checker
class below is one kind of claim; ``run()`` decides it and returns a
:class:`CheckOutcome` whose ``status`` is

* ``"checked"`` -- the engine verified the claim;
* ``"failed"`` -- the engine refuted it (a non-zero residue, a counterexample) or
  could not decide it (an undecided claim is a failure, never a pass);
* ``"cited"`` -- the claim is a classical theorem no engine here decides; it is
  reported with its reference (an entry of :mod:`~supercoherence.proofs.bibliography`)
  and **never** counted as checked;
* ``"example"`` -- the claim was verified only at an instance: a substitution
  (``given``, ``where``) fixed one of its variables.  An example is not a proof and
  establishes nothing;
* ``"unavailable"`` -- the engine is not installed (e.g. ``"coq"``): not checked.

Each checker also states, as a sympy formula, what it establishes
(:attr:`Check.conclusion`) and what it takes for granted (:attr:`Check.premises`):
the theorem (:mod:`~supercoherence.proofs.theorem`) verifies that the premises are its
assumptions or earlier conclusions and that the conclusions entail its statement.
Proofs are exact: a step containing a floating-point number is refused.

The engines and what they decide:

==================  ======  ============================================================
checker             engine  claim, and how it is decided
==================  ======  ============================================================
:class:`Identity`   sympy   ``lhs = rhs``: ``simplify(lhs - rhs)`` is 0 (or ``equals(0)``)
                            under the symbols' declared assumptions; matrices entrywise
:class:`Sign`       sympy   ``expr > 0`` (``>= 0``, ``< 0``, ``<= 0``) from the symbols'
                            assumptions (sympy's assumption system, no sampling)
:class:`Limit`      sympy   ``lim_{x -> x0} expr = L`` (``sympy.limit``, Gruntz)
:class:`Integral`   sympy   ``int_a^b f dx = I`` (``sympy.integrate``, convergent)
:class:`Series`     sympy   ``sum_k a_k = S`` with a *named* convergence criterion, and
                            for infinite series ``Sum.is_convergent()`` must agree
:class:`Product`    sympy   ``prod_k (1 + u_k) = P`` as the limit of the partial
                            products, with a named convergence criterion
:class:`Eigenvalues` sympy  the eigenvalues of a matrix, with multiplicity
:class:`Solutions`  sympy   the complete solution set of a polynomial system
:class:`Implication` z3     real (nonlinear) arithmetic: hypotheses imply the conclusion,
                            i.e. domain & hypotheses & not(conclusion) is unsat; a model
                            of the negation is reported as the counterexample
:class:`Cited`      --      a classical theorem, with its reference
==================  ======  ============================================================

z3 only receives real arithmetic: rationals, ``+``, ``*``, integer powers,
comparisons and the connectives (and, where a step declares them, opaque real
``atoms`` such as :math:`\gamma^r`, about which z3 knows only their sympy sign).
z3 variables are keyed by the sympy symbol itself: two symbols with one name and
different assumptions are different variables, and a symbol not declared real is
refused (z3 reasons over the reals).  Everything else (``exp``, ``log``, real powers)
must be taken apart by sympy steps first, so that each engine decides only what it
can decide.  The declared assumptions of every symbol (``positive``,
``nonnegative``, ``integer``, ...) are passed to z3 as constraints, together with
the step's explicit hypotheses; an implication whose hypotheses are themselves
contradictory is refused as vacuous.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x", positive=True)
>>> Identity(x / (1 + x) + 1 / (1 + x), 1).run().status
'checked'
>>> out = Identity(x / (1 + x) - 1 / (1 + x), 1).run()
>>> out.status, out.detail.startswith("residue")
('failed', True)
>>> Implication([x <= 1], x / (1 + x) <= sp.Rational(1, 2)).run().status
'checked'
>>> out = Implication([], x / (1 + x) <= sp.Rational(1, 2)).run()
>>> out.status, out.detail.startswith("counterexample: x = ")
('failed', True)
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import sympy as sp
import z3

from supercoherence.deprecation import module_aliases
from supercoherence.errors import ProofError
from supercoherence.proofs.bibliography import Citation, cite

__all__ = [
    "Check",
    "Cited",
    "Eigenvalues",
    "Identity",
    "Implication",
    "Induction",
    "Integral",
    "Limit",
    "CheckOutcome",
    "Product",
    "Series",
    "Sign",
    "Solutions",
    "solution_set",
    "spectrum",
    "to_z3",
]

Status = Literal["checked", "failed", "cited", "example", "unavailable"]

#: z3's time limit per implication, in milliseconds.
Z3_TIMEOUT_MS = 20_000


@dataclass(frozen=True)
class CheckOutcome:
    """The verdict on one claim.

    Parameters
    ----------
    status : {"checked", "failed", "cited", "example", "unavailable"}
        The verdict.
    engine : {"sympy", "z3", "cited", "coq"}
        What decided it.
    detail : str
        How: ``"simplifies to 0"``, a residue, a counterexample, the reference.
    seconds : float
        Wall-clock time taken.

    Examples
    --------
    >>> CheckOutcome("checked", "sympy", "simplifies to 0", 0.01).ok
    True
    """

    status: Status
    engine: str
    detail: str
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True unless the claim failed (``cited`` is not a failure)."""
        return self.status != "failed"


class Check:
    """Base of the checkers: a claim, its LaTeX and the engine that decides it.

    Subclasses implement ``_decide() -> (passed, detail)``, ``latex`` and
    ``conclusion``; those with hypotheses to discharge override ``premises``, those
    that substitute override ``substitutions``.
    """

    engine: str = "sympy"
    kind: str = "claim"

    def run(self) -> CheckOutcome:
        """Decide the claim; never raises for a false claim (it returns ``failed``).

        A claim containing a floating-point number is refused (proofs are exact); a
        claim verified only at an instance of its variables is an ``example``.

        Returns
        -------
        CheckOutcome
            The verdict with its detail and the time taken.
        """
        start = time.perf_counter()
        floats = _floats_in(self)
        if floats:
            shown = ", ".join(sorted({sp.sstr(f) for f in floats}))
            detail = f"refused: floating-point number(s) {shown}; proofs are exact (use Rational)"
            return CheckOutcome("failed", self.engine, detail, time.perf_counter() - start)
        try:
            passed, detail = self._decide()
        except (ProofError, NotImplementedError, ValueError, TypeError, ZeroDivisionError) as e:
            passed, detail = False, f"undecided: {type(e).__name__}: {e}"
        status: Status = "checked" if passed else "failed"
        instance = self.instance_of()
        if passed and instance:
            status = "example"
            detail = f"example, not proof (only at {instance}); {detail}"
        return CheckOutcome(status, self.engine, detail, time.perf_counter() - start)

    def _decide(self) -> tuple[bool, str]:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def latex(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def conclusion(self) -> Any:
        """What the step establishes, as a sympy formula (``None``: nothing formal)."""
        return None

    @property
    def premises(self) -> tuple[Any, ...]:
        """Formulas the step takes for granted; the theorem must supply them."""
        return ()

    @property
    def substitutions(self) -> tuple[tuple[Any, Any], ...]:
        """``(old, new)`` pairs the step substitutes before deciding."""
        return ()

    def instance_of(self) -> str:
        """``"x = 0"`` if a substitution fixes a variable to a value ('' otherwise).

        A substitution of a symbol by an expression free of symbols verifies the
        claim at one point only.
        """
        fixed = [
            (old, new)
            for old, new in self.substitutions
            if isinstance(old, sp.Symbol) and not sp.sympify(new).free_symbols
        ]
        return ", ".join(f"{old} = {sp.sstr(new)}" for old, new in fixed)


def _floats_in(check: Any) -> list[sp.Float]:
    """Every floating-point number in the fields of ``check`` (strings excepted)."""
    found: list[sp.Float] = []

    def visit(value: Any) -> None:
        if isinstance(value, str | Citation) or value is None:
            return
        if isinstance(value, float):
            found.append(sp.Float(value))
        elif isinstance(value, tuple | list):
            for item in value:
                visit(item)
        elif isinstance(value, sp.MatrixBase):
            for item in value:
                visit(item)
        elif isinstance(value, sp.Basic):
            found.extend(value.atoms(sp.Float))

    for name in getattr(check, "__dataclass_fields__", {}):
        visit(getattr(check, name))
    return found


def _eq(lhs: Any, rhs: Any) -> Any:
    """``lhs = rhs`` as an unevaluated formula (entrywise ``And`` for matrices)."""
    if isinstance(lhs, sp.MatrixBase) or isinstance(rhs, sp.MatrixBase):
        lhs, rhs = sp.Matrix(lhs), sp.Matrix(rhs)
        return sp.And(*(_eq(a, b) for a, b in zip(lhs, rhs, strict=True)), evaluate=False)
    return sp.Eq(sp.sympify(lhs), sp.sympify(rhs), evaluate=False)


def _conditional(hypotheses: Sequence[Any], claim: Any) -> Any:
    """``hypotheses -> claim`` (just ``claim`` without hypotheses)."""
    if not hypotheses:
        return claim
    return sp.Implies(sp.And(*hypotheses), claim, evaluate=False)


# --------------------------------------------------------------------------- sympy helpers


def _is_zero(expr: Any) -> bool:
    """True if sympy proves ``expr == 0`` (matrices entrywise)."""
    if isinstance(expr, sp.MatrixBase):
        return all(_is_zero(e) for e in expr)
    expr = sp.sympify(expr)
    if expr == 0:
        return True
    for transform in (
        sp.simplify,
        lambda e: sp.simplify(sp.expand(sp.powsimp(e))),
        _atomize_powers,
    ):
        if transform(expr) == 0:
            return True
    return expr.equals(0) is True


def _atomize_powers(expr: sp.Expr) -> sp.Expr:
    """Cancel ``expr`` as a rational function of its symbolic powers.

    Each power ``b**(e + c)`` with a symbolic part ``e`` and an integer part ``c``
    becomes ``A * b**c`` with a fresh symbol ``A`` standing for ``b**e``.  If the
    result cancels to 0 as a rational function, ``expr`` is 0 for every value of the
    exponents: the replacement only forgets relations between the atoms.
    """
    atoms: dict[sp.Expr, sp.Dummy] = {}

    def atom(base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
        constant, rest = exponent.as_coeff_Add()
        if not constant.is_integer:
            constant, rest = sp.Integer(0), exponent
        key = sp.Pow(base, rest, evaluate=False)
        symbol = atoms.setdefault(key, sp.Dummy(f"atom{len(atoms)}", positive=True))
        return symbol * base**constant

    powers = [a for a in sp.expand(expr).atoms(sp.Pow) if a.exp.free_symbols]
    replaced = sp.expand(expr).xreplace({a: atom(a.base, a.exp) for a in powers})
    return sp.cancel(sp.together(replaced))


def _sample_value(symbol: sp.Symbol, i: int) -> sp.Expr:
    """A value consistent with ``symbol``'s assumptions, varied by ``i``."""
    if symbol.is_integer:
        return sp.Integer(2 + i)
    choices = [sp.Rational(3, 10), sp.Rational(7, 10), sp.Rational(19, 10)]
    value = choices[i % len(choices)]
    if symbol.is_nonpositive:
        return -value
    return value


def _numeric_witness(residue: Any) -> str:
    """A point where a non-zero residue is visibly non-zero, as text ('' if none)."""
    residue = sp.sympify(residue) if not isinstance(residue, sp.MatrixBase) else residue
    symbols = sorted(residue.free_symbols, key=lambda s: s.name)
    for i in range(3):
        point = {s: _sample_value(s, i) for s in symbols}
        try:
            value = residue.subs(point).evalf(15)
        except (TypeError, ValueError):  # pragma: no cover - defensive
            continue
        values = list(value) if isinstance(value, sp.MatrixBase) else [value]
        if any(v.is_number and abs(complex(v)) > 1e-9 for v in values):
            where = ", ".join(f"{s} = {v}" for s, v in point.items()) or "every point"
            shown = value if len(values) > 1 else sp.N(values[0], 6)
            return f"; at {where} it is {shown}"
    return ""


def _latex(expr: Any) -> str:
    return sp.latex(expr)


def _under(hypotheses: Sequence[Any]) -> str:
    """``\\quad (h_1, h_2)`` after a claim that holds under hypotheses."""
    if not hypotheses:
        return ""
    return r"\quad\text{for } " + r",\ ".join(_latex(h) for h in hypotheses)


def _sympy_convergence(term: Any, var: Any, lower: Any) -> bool | None:
    """sympy's verdict on the convergence of an infinite series (None: undecided)."""
    try:
        verdict = sp.Sum(term, (var, lower, sp.oo)).is_convergent()
    except (NotImplementedError, ValueError, TypeError):
        return None
    if verdict is sp.true:
        return True
    if verdict is sp.false:
        return False
    return None


def _z3_proves(hypotheses: Sequence[Any], claim: Any) -> bool:
    """True if z3 proves ``hypotheses -> claim`` (with the symbols' assumptions)."""
    env: dict[Any, z3.ExprRef] = {}
    symbols = set().union(
        sp.sympify(claim).free_symbols, *(sp.sympify(h).free_symbols for h in hypotheses)
    )
    formulas = [*_domain(symbols, env), *(to_z3(h, env) for h in hypotheses)]
    return _solver(*formulas, z3.Not(to_z3(claim, env))).check() == z3.unsat


def _solver(*formulas: Any) -> z3.Solver:
    """A fresh (non-incremental) z3 solver holding ``formulas``.

    Each query gets its own solver: z3's incremental mode does not use its complete
    procedure for nonlinear real arithmetic (nlsat), and then times out at random.
    """
    solver = z3.Solver()
    solver.set("timeout", Z3_TIMEOUT_MS)
    solver.add(*formulas)
    return solver


def _resolve_conditions(value: Any, hypotheses: Sequence[Any]) -> Any:
    """Replace each ``Piecewise`` in ``value`` by the branch the hypotheses select.

    A branch is taken when z3 proves that the hypotheses imply its condition and
    every earlier condition is refuted; otherwise the ``Piecewise`` stays (and the
    step cannot be checked).  This is how a convergence condition such as
    ``|x| < 1`` or ``beta > 1`` is discharged from the declared hypotheses.
    """
    value = sp.sympify(value)
    if not hypotheses or not value.has(sp.Piecewise):
        return value

    def choose(*pairs: Any) -> Any:
        expr_conds = [(e, c) for e, c in pairs]
        for expr, cond in expr_conds:
            if cond is sp.true or _z3_proves(hypotheses, cond):
                return expr
            if not _z3_proves(hypotheses, sp.Not(cond)):
                break
        return sp.Piecewise(*expr_conds)

    return value.replace(sp.Piecewise, choose)


def _compare(
    how: str,
    value: Any,
    expected: Any,
    hypotheses: Sequence[Any] = (),
    unevaluated: type | None = None,
) -> tuple[bool, str]:
    """The verdict on what sympy computed (``value``, by ``how``) against the claim.

    The ``hypotheses`` first select the branch of a conditional answer
    (:func:`_resolve_conditions`); a result still holding the ``unevaluated`` form
    (``Integral``, ``Sum``) is undecided, hence a failure.
    """
    value = _resolve_conditions(value, hypotheses)
    if unevaluated is not None and value.has(unevaluated):
        return False, f"undecided: sympy left {sp.sstr(value)}"
    if value == expected or _is_zero(value - expected):
        return True, f"{how} gives {sp.sstr(value)}"
    return False, f"{how} gives {sp.sstr(value)}, not {sp.sstr(expected)}"


def _unmatched(
    found: Sequence[Any], expected: Sequence[Any], same: Any
) -> tuple[tuple[Any, ...], list[Any]]:
    """Match every claimed item to a distinct found one (equality as multisets).

    Returns the first claimed item without a match (as a 1-tuple; ``()`` if all
    match) and the found items left over.
    """
    remaining = list(found)
    for want in expected:
        match = next((f for f in remaining if same(f, want)), None)
        if match is None:
            return (want,), remaining
        remaining.remove(match)
    return (), remaining


def _operator_latex(
    operator: str,
    var: Any,
    lower: Any,
    upper: Any,
    body: str,
    expected: Any,
    hypotheses: Sequence[Any] = (),
) -> str:
    r"""``\sum_{k=a}^{b} body = expected`` (``\int_a^b``: no ``var``), then the hypotheses."""
    index = _latex(lower) if var is None else f"{_latex(var)}={_latex(lower)}"
    return (
        rf"\{operator}_{{{index}}}^{{{_latex(upper)}}} {body} = "
        rf"{_latex(expected)}{_under(hypotheses)}"
    )


# --------------------------------------------------------------------------- sympy checkers


@dataclass(frozen=True)
class Identity(Check):
    r"""``lhs = rhs``, decided by sympy simplification under declared assumptions.

    Parameters
    ----------
    lhs, rhs : sympy.Expr or sympy.Matrix
        The two sides.
    given : sequence of (old, new) pairs, optional
        Rewrites applied (after ``expand(powsimp(expand(.)))``) to ``lhs - rhs``
        before simplifying: the defining relation of a special function, e.g.
        :math:`e^{-W(z)} = W(z)/z`.  Each rewrite ``old = new`` is a *premise* of the
        step: the theorem must assume it or have established it earlier.  A rewrite
        that fixes a symbol to a value makes the step an ``example``.  They are shown
        in the step's LaTeX.
    name : str, optional
        LaTeX of what ``lhs`` is (``"s(1)"``) when ``lhs`` is a library function's
        result; shown as ``name = lhs = rhs`` (``name = rhs`` when the two print alike).

    Examples
    --------
    >>> import sympy as sp
    >>> g = sp.Symbol("gamma", positive=True)
    >>> Identity(g / (1 + g) + (1 / g) / (1 + 1 / g), 1).run().status
    'checked'
    >>> Identity(g / (1 + g), sp.Rational(1, 2)).run().detail
    'residue (gamma - 1)/(2*(gamma + 1)) != 0; at gamma = 3/10 it is -0.269231'
    >>> Identity(g, 2 * g, given=((g, 0),)).run().status
    'example'
    >>> Identity(sp.Float(1) + sp.Float(1e-40), 1).run().detail
    'refused: floating-point number(s) 1.00000000000000; proofs are exact (use Rational)'
    """

    lhs: Any
    rhs: Any
    given: tuple[tuple[Any, Any], ...] = ()
    name: str = ""
    kind = "identity"

    @property
    def substitutions(self) -> tuple[tuple[Any, Any], ...]:
        return tuple(self.given)

    @property
    def premises(self) -> tuple[Any, ...]:
        return tuple(_eq(old, new) for old, new in self.given if not isinstance(old, sp.Symbol))

    @property
    def conclusion(self) -> Any:
        instance = {old: new for old, new in self.given if isinstance(old, sp.Symbol)}
        lhs, rhs = self.lhs, self.rhs
        if instance:
            lhs, rhs = sp.sympify(lhs).subs(instance), sp.sympify(rhs).subs(instance)
        return _eq(lhs, rhs)

    def _decide(self) -> tuple[bool, str]:
        residue = self.lhs - self.rhs
        for old, new in self.given:
            residue = sp.expand(sp.powsimp(sp.expand(residue))).subs(old, new)
        if _is_zero(residue):
            return True, "lhs - rhs simplifies to 0"
        shown = sp.simplify(residue)
        return False, f"residue {sp.sstr(shown)} != 0{_numeric_witness(shown)}"

    @property
    def latex(self) -> str:
        shown = self.lhs.doit() if isinstance(self.lhs, sp.Subs) else self.lhs
        lhs, rhs = _latex(shown), _latex(self.rhs)
        sides = [self.name] if self.name else []
        sides += [lhs] if lhs == rhs else [lhs, rhs]
        text = " = ".join(sides) if len(sides) > 1 else f"{lhs} = {rhs}"
        if self.given:
            using = ", ".join(f"{_latex(o)} = {_latex(n)}" for o, n in self.given)
            text += rf"\quad\text{{using }} {using}"
        return text


_SIGNS: dict[str, tuple[str, str]] = {
    ">0": ("is_positive", "> 0"),
    ">=0": ("is_nonnegative", r"\ge 0"),
    "<0": ("is_negative", "< 0"),
    "<=0": ("is_nonpositive", r"\le 0"),
}


@dataclass(frozen=True)
class Sign(Check):
    r"""``expr > 0`` (or ``>= 0``, ``< 0``, ``<= 0``) from the symbols' assumptions.

    Parameters
    ----------
    expr : sympy.Expr
        The expression.
    relation : {">0", ">=0", "<0", "<=0"}
        The sign claimed.
    where : sequence of (symbol, expression) pairs, optional
        A reparametrisation that encodes a range sympy cannot declare, e.g.
        :math:`\gamma = 1/(1+u)`, :math:`u \ge 0` for :math:`0 < \gamma \le 1`.
        Shown in the LaTeX.

    Examples
    --------
    >>> import sympy as sp
    >>> g, r = sp.Symbol("gamma", positive=True), sp.Symbol("r", positive=True)
    >>> Sign(sp.diff(g**r / (1 + g**r), g), ">0").run().status
    'checked'
    >>> u = sp.Symbol("u", nonnegative=True)
    >>> Sign(r * sp.log(g), "<=0", where=((g, 1 / (1 + u)),)).run().status
    'checked'
    >>> Sign(r * sp.log(g), "<=0").run().status
    'failed'
    >>> x = sp.Symbol("x", real=True)
    >>> Sign(x - 5, ">0", where=((x, 6),)).run().status
    'example'

    The conclusion is the substituted claim: with ``where`` it is a statement about
    the new symbols (:math:`r\log(1/(1+u)) \le 0` for :math:`u \ge 0`), never
    about the replaced one.
    """

    expr: Any
    relation: str
    where: tuple[tuple[Any, Any], ...] = ()
    kind = "sign"

    @property
    def substitutions(self) -> tuple[tuple[Any, Any], ...]:
        return tuple(self.where)

    @property
    def conclusion(self) -> Any:
        expr = sp.sympify(self.expr).subs(dict(self.where))
        build = {">0": sp.StrictGreaterThan, ">=0": sp.GreaterThan}
        build |= {"<0": sp.StrictLessThan, "<=0": sp.LessThan}
        if self.relation not in build:
            return None
        return build[self.relation](expr, 0, evaluate=False)

    def _decide(self) -> tuple[bool, str]:
        if self.relation not in _SIGNS:
            raise ProofError(f"relation must be one of {sorted(_SIGNS)}, got {self.relation!r}")
        attribute, _ = _SIGNS[self.relation]
        expr = sp.sympify(self.expr).subs(dict(self.where))
        candidates = (expr, sp.factor(sp.simplify(expr)), sp.expand_log(expr, force=True))
        for candidate in candidates:
            verdict = getattr(candidate, attribute)
            if verdict is True:
                return True, f"sympy's assumptions give {attribute[3:]}"
            if verdict is False:
                return False, (
                    f"sympy's assumptions refute {attribute[3:]} for {sp.sstr(candidate)}"
                    f"{_numeric_witness(candidate) if self.relation[0] == '>' else ''}"
                )
        return False, f"undecided: sympy cannot determine the sign of {sp.sstr(candidates[1])}"

    @property
    def latex(self) -> str:
        text = f"{_latex(self.expr)} {_SIGNS.get(self.relation, ('', self.relation))[1]}"
        if self.where:
            using = ", ".join(f"{_latex(o)} = {_latex(n)}" for o, n in self.where)
            text += rf"\quad\text{{with }} {using}"
        return text


@dataclass(frozen=True)
class Limit(Check):
    r"""``lim_{var -> point} expr = expected`` by ``sympy.limit``.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", positive=True)
    >>> Limit(x / (1 + x), x, sp.oo, 1).run().status
    'checked'
    """

    expr: Any
    var: Any
    point: Any
    expected: Any
    direction: str = "+"
    kind = "limit"

    @property
    def conclusion(self) -> Any:
        limit = sp.Limit(self.expr, self.var, self.point, self.direction)
        return _eq(limit, self.expected)

    def _decide(self) -> tuple[bool, str]:
        value = sp.limit(self.expr, self.var, self.point, self.direction)
        return _compare("sympy.limit", value, self.expected)

    @property
    def latex(self) -> str:
        arrow = _latex(self.point)
        if self.point not in (sp.oo, -sp.oo):
            arrow += "^{+}" if self.direction == "+" else "^{-}"
        return (
            rf"\lim_{{{_latex(self.var)} \to {arrow}}} {_latex(self.expr)} = "
            f"{_latex(self.expected)}"
        )


@dataclass(frozen=True)
class Integral(Check):
    r"""``int_lower^upper integrand d(var) = expected`` by ``sympy.integrate``.

    A divergent integral gives ``oo``.  A conditional answer (``Piecewise`` on the
    convergence condition) is resolved by the ``hypotheses`` (z3 decides which
    branch they select); without the hypothesis it needs (``beta > 1``) the step
    fails.

    Examples
    --------
    >>> import sympy as sp
    >>> t, h = sp.Symbol("t", nonnegative=True), sp.Symbol("h", positive=True)
    >>> Integral(h * sp.exp(-2 * t), t, 0, sp.oo, h / 2).run().status
    'checked'
    >>> b = sp.Symbol("beta", positive=True)
    >>> Integral(h / (1 + t)**b, t, 0, sp.oo, h / (b - 1), hypotheses=(b > 1,)).run().status
    'checked'
    >>> Integral(h / (1 + t)**b, t, 0, sp.oo, h / (b - 1)).run().status
    'failed'
    """

    integrand: Any
    var: Any
    lower: Any
    upper: Any
    expected: Any
    hypotheses: tuple[Any, ...] = ()
    kind = "integral"

    @property
    def conclusion(self) -> Any:
        integral = sp.Integral(self.integrand, (self.var, self.lower, self.upper))
        return _conditional(self.hypotheses, _eq(integral, self.expected))

    def _decide(self) -> tuple[bool, str]:
        value = sp.integrate(self.integrand, (self.var, self.lower, self.upper))
        return _compare("sympy.integrate", value, self.expected, self.hypotheses, sp.Integral)

    @property
    def latex(self) -> str:
        body = rf"{_latex(self.integrand)}\, d{_latex(self.var)}"
        return _operator_latex(
            "int", None, self.lower, self.upper, body, self.expected, self.hypotheses
        )


@dataclass(frozen=True)
class Series(Check):
    r"""``sum_{var=lower}^{upper} term = expected``, with a named convergence criterion.

    For an infinite series the criterion (``"p-series, p = 2 > 1"``, ``"geometric,
    |x| < 1"``, ``"harmonic series diverges"``) is required, and sympy's own
    convergence test (``Sum.is_convergent()``) must agree with ``expected`` being
    finite or infinite (when it can decide; a symbolic ratio such as :math:`x` with
    hypothesis :math:`x < 1` is discharged by the ``hypotheses`` instead, which
    select the convergent branch of sympy's conditional answer through z3).

    Examples
    --------
    >>> import sympy as sp
    >>> k = sp.Symbol("k", integer=True, nonnegative=True)
    >>> Series(1 / (k + 1)**2, k, 0, sp.pi**2 / 6, criterion="p-series, p = 2").run().status
    'checked'
    >>> Series(1 / (k + 1), k, 0, sp.oo, criterion="harmonic").run().status
    'checked'
    >>> x = sp.Symbol("x", nonnegative=True)
    >>> Series(x**k, k, 0, 1 / (1 - x), criterion="geometric, 0 <= x < 1",
    ...        hypotheses=(x < 1,)).run().status
    'checked'
    """

    term: Any
    var: Any
    lower: Any
    expected: Any
    upper: Any = sp.oo
    criterion: str = ""
    hypotheses: tuple[Any, ...] = ()
    kind = "series"

    @property
    def conclusion(self) -> Any:
        total = sp.Sum(self.term, (self.var, self.lower, self.upper))
        return _conditional(self.hypotheses, _eq(total, self.expected))

    def _decide(self) -> tuple[bool, str]:
        infinite = self.upper == sp.oo
        if infinite and not self.criterion:
            raise ProofError("an infinite series needs a named convergence criterion")
        value = sp.summation(self.term, (self.var, self.lower, self.upper))
        passed, detail = _compare("sympy.summation", value, self.expected, self.hypotheses, sp.Sum)
        if not (passed and infinite):
            return passed, detail
        detail += f"; convergence: {self.criterion}"
        converges = _sympy_convergence(self.term, self.var, self.lower)
        finite = self.expected not in (sp.oo, -sp.oo)
        if converges is not None and converges != finite:
            return False, f"{detail}, but sympy's convergence test says {converges}"
        if converges is not None:
            detail += " (sympy's convergence test agrees)"
        return True, detail

    @property
    def latex(self) -> str:
        return _operator_latex(
            "sum",
            self.var,
            self.lower,
            self.upper,
            _latex(self.term),
            self.expected,
            self.hypotheses,
        )


@dataclass(frozen=True)
class Product(Check):
    r"""``prod_{var=lower}^{upper} factor = expected``, as the limit of partial products.

    The partial product :math:`P_M = \prod_{k=lower}^{M} a_k` is found in closed form
    by ``sympy.product`` (telescoping, Gamma-function ratios), simplified, and its
    limit :math:`M \to \infty` taken by ``sympy.limit``.  The convergence criterion
    used (e.g. "partial products converge to a non-zero limit", or the divergence to
    0 of a product whose terms sum to infinity) must be named.

    Examples
    --------
    >>> import sympy as sp
    >>> k = sp.Symbol("k", integer=True, nonnegative=True)
    >>> Product(1 - 1 / (k + 2)**2, k, 0, sp.Rational(1, 2),
    ...         criterion="telescoping partial products").run().status
    'checked'
    >>> Product(1 - 1 / (k + 2)**2, k, 0, sp.Rational(1, 3),
    ...         criterion="telescoping partial products").run().detail
    'partial product (M + 3)/(2*(M + 2)) tends to 1/2, not 1/3'
    """

    factor: Any
    var: Any
    lower: Any
    expected: Any
    upper: Any = sp.oo
    criterion: str = ""
    kind = "product"

    @property
    def conclusion(self) -> Any:
        return _eq(sp.Product(self.factor, (self.var, self.lower, self.upper)), self.expected)

    def _decide(self) -> tuple[bool, str]:
        if self.upper != sp.oo:
            value = sp.simplify(sp.product(self.factor, (self.var, self.lower, self.upper)))
            return _compare("sympy.product", value, self.expected)
        if not self.criterion:
            raise ProofError("an infinite product needs a named convergence criterion")
        upper = sp.Symbol("M", integer=True, positive=True)
        partial = sp.product(sp.factor(self.factor), (self.var, self.lower, upper))
        if partial.has(sp.Product):
            return False, f"undecided: sympy left the partial product {sp.sstr(partial)}"
        partial = sp.simplify(sp.combsimp(partial))
        value = sp.limit(partial, upper, sp.oo)
        if _is_zero(value - self.expected):
            return True, (
                f"partial product {sp.sstr(partial)} -> {sp.sstr(value)}; "
                f"convergence: {self.criterion}"
            )
        return False, (
            f"partial product {sp.sstr(partial)} tends to {sp.sstr(value)}, "
            f"not {sp.sstr(self.expected)}"
        )

    @property
    def latex(self) -> str:
        body = rf"\left({_latex(self.factor)}\right)"
        return _operator_latex("prod", self.var, self.lower, self.upper, body, self.expected)


#: ``spec(M)``: the eigenvalues of ``M`` with multiplicity, as a formal term.
_SPEC = sp.Function("spec")
#: ``solutions(eqs, unknowns)``: the solution set of a system, as a formal term.
_SOLUTIONS = sp.Function("solutions")


def spectrum(matrix: Any) -> sp.Expr:
    """The formal term ``spec(M)`` an :class:`Eigenvalues` step concludes about.

    Examples
    --------
    >>> import sympy as sp
    >>> spectrum(sp.Matrix([[1, 0], [0, 2]]))
    spec(Matrix([
    [1, 0],
    [0, 2]]))
    """
    return _SPEC(sp.ImmutableMatrix(matrix))


def solution_set(equations: Sequence[Any], unknowns: Sequence[Any]) -> sp.Expr:
    """The formal term ``solutions(eqs, unknowns)`` a :class:`Solutions` step concludes.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> solution_set((x,), (x,))
    solutions((x,), (x,))
    """
    return _SOLUTIONS(sp.Tuple(*equations), sp.Tuple(*unknowns))


@dataclass(frozen=True)
class Eigenvalues(Check):
    r"""The eigenvalues of ``matrix`` are ``expected`` (with multiplicity).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", positive=True)
    >>> Eigenvalues(sp.Matrix([[-x, 1], [0, 2]]), (-x, 2)).run().status
    'checked'
    """

    matrix: Any
    expected: tuple[Any, ...]
    kind = "eigenvalues"

    @property
    def conclusion(self) -> Any:
        return _eq(spectrum(self.matrix), sp.Tuple(*self.expected))

    def _decide(self) -> tuple[bool, str]:
        found = []
        for value, multiplicity in sp.Matrix(self.matrix).eigenvals().items():
            found.extend([sp.simplify(value)] * multiplicity)
        missing, remaining = _unmatched(found, self.expected, lambda f, w: _is_zero(f - w))
        if missing:
            return False, f"eigenvalues are {sp.sstr(found)}; {sp.sstr(missing[0])} is not one"
        if remaining:
            return False, f"eigenvalues {sp.sstr(remaining)} are missing from the claim"
        return True, f"sympy eigenvals: {sp.sstr(found)}"

    @property
    def latex(self) -> str:
        values = ", ".join(_latex(v) for v in self.expected)
        return rf"\operatorname{{spec}} {_latex(sp.Matrix(self.matrix))} = \{{{values}\}}"


@dataclass(frozen=True)
class Solutions(Check):
    r"""The complete solution set of ``equations = 0`` in ``unknowns`` is ``expected``.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> Solutions((x * (1 - x),), (x,), ((0,), (1,))).run().status
    'checked'
    """

    equations: tuple[Any, ...]
    unknowns: tuple[Any, ...]
    expected: tuple[tuple[Any, ...], ...]
    kind = "solutions"

    @property
    def conclusion(self) -> Any:
        points = sp.FiniteSet(*(sp.Tuple(*p) for p in self.expected))
        return _eq(solution_set(self.equations, self.unknowns), points)

    def _decide(self) -> tuple[bool, str]:
        found = sp.solve(list(self.equations), list(self.unknowns), dict=True)
        points = [tuple(sp.simplify(sol.get(u, u)) for u in self.unknowns) for sol in found]

        def same(p: tuple[Any, ...], want: tuple[Any, ...]) -> bool:
            return all(_is_zero(a - b) for a, b in zip(p, want, strict=True))

        missing, remaining = _unmatched(points, self.expected, same)
        if missing:
            return False, f"solutions are {sp.sstr(points)}; {sp.sstr(missing[0])} is not one"
        if remaining:
            return False, f"solutions {sp.sstr(remaining)} are missing from the claim"
        return True, f"sympy.solve: exactly {len(points)} solutions"

    @property
    def latex(self) -> str:
        eqs = r",\ ".join(f"{_latex(e)} = 0" for e in self.equations)
        sols = r",\ ".join(
            r"\left(" + ", ".join(_latex(v) for v in p) + r"\right)" for p in self.expected
        )
        names = ", ".join(_latex(u) for u in self.unknowns)
        return rf"\{{{eqs}\}} \iff ({names}) \in \{{{sols}\}}"


# --------------------------------------------------------------------------- z3


def _z3_number(value: sp.Rational) -> z3.ArithRef:
    return z3.RealVal(f"{value.p}/{value.q}")


def _z3_var(symbol: Any, env: dict[Any, z3.ExprRef]) -> z3.ExprRef:
    """The z3 variable of a sympy symbol (or opaque atom), keyed by the object itself.

    Two symbols that print alike but carry different assumptions are different
    sympy objects, hence different z3 variables (the second gets a suffix).
    """
    if symbol in env:
        return env[symbol]
    name = sp.sstr(symbol)
    taken = {str(v) for v in env.values()}
    unique, i = name, 1
    while unique in taken:
        i += 1
        unique = f"{name}!{i}"
    env[symbol] = z3.Real(unique)
    return env[symbol]


def to_z3(expr: Any, env: dict[Any, z3.ExprRef], atoms: Sequence[Any] = ()) -> z3.ExprRef:
    """Translate a sympy real-arithmetic formula into z3 (symbols become z3 Reals).

    Parameters
    ----------
    expr : sympy.Basic
        Rationals, symbols, ``+``, ``*``, integer powers, ``Abs``, relations,
        ``And``, ``Or``, ``Not``, ``Implies``, ``Equivalent``.
    env : dict
        sympy symbol (the object, with its assumptions) -> z3 variable; filled in as
        symbols are met.
    atoms : sequence of sympy.Expr, optional
        Terms outside real arithmetic (``gamma**r``) to treat as opaque real
        variables: z3 then knows nothing about them but their declared sign.

    Returns
    -------
    z3.ExprRef

    Raises
    ------
    ProofError
        If the formula leaves real arithmetic (``exp``, ``log``, real powers, floats).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> to_z3(x**2 / (1 + x) >= 0, {})
    0 <= x*x*(1/(1 + x))
    >>> to_z3(sp.exp(x) > 0, {})
    Traceback (most recent call last):
    ...
    supercoherence.errors.ProofError: z3 takes real arithmetic only; exp(x) is not ...
    >>> env = {}
    >>> to_z3(sp.Symbol("x", positive=True) > sp.Symbol("x", real=True), env)
    x > x!2
    """
    expr = sp.sympify(expr)
    rec = lambda e: to_z3(e, env, atoms)  # noqa: E731
    if expr is sp.true:
        return z3.BoolVal(True)
    if expr is sp.false:
        return z3.BoolVal(False)
    if expr in atoms or isinstance(expr, sp.Symbol):
        return _z3_var(expr, env)
    if isinstance(expr, sp.Rational):
        return _z3_number(expr)
    if isinstance(expr, sp.Float):
        raise ProofError(f"z3 takes exact numbers only; {expr} is a float")
    if isinstance(expr, sp.Add):
        return z3.Sum([rec(a) for a in expr.args])
    if isinstance(expr, sp.Mul):
        return z3.Product([rec(a) for a in expr.args])
    if isinstance(expr, sp.Abs):
        inner = rec(expr.args[0])
        return z3.If(inner >= 0, inner, -inner)
    if isinstance(expr, sp.Pow) and isinstance(expr.exp, sp.Integer):
        base, power = rec(expr.base), int(expr.exp)
        if power == 0:
            return z3.RealVal(1)
        positive = z3.Product([base] * abs(power)) if abs(power) > 1 else base
        return positive if power > 0 else 1 / positive
    relations = {
        sp.StrictLessThan: lambda x, y: x < y,
        sp.LessThan: lambda x, y: x <= y,
        sp.StrictGreaterThan: lambda x, y: x > y,
        sp.GreaterThan: lambda x, y: x >= y,
        sp.Equality: lambda x, y: x == y,
        sp.Unequality: lambda x, y: x != y,
    }
    for relation, build in relations.items():
        if isinstance(expr, relation):
            return build(rec(expr.lhs), rec(expr.rhs))
    if isinstance(expr, sp.And):
        return z3.And([rec(a) for a in expr.args])
    if isinstance(expr, sp.Or):
        return z3.Or([rec(a) for a in expr.args])
    if isinstance(expr, sp.Not):
        return z3.Not(rec(expr.args[0]))
    if isinstance(expr, sp.Implies):
        return z3.Implies(rec(expr.args[0]), rec(expr.args[1]))
    if isinstance(expr, sp.Equivalent):
        first, *rest = [rec(a) for a in expr.args]
        return z3.And([first == other for other in rest])
    raise ProofError(f"z3 takes real arithmetic only; {sp.sstr(expr)} is not (use a sympy step)")


def _domain(symbols: Iterable[Any], env: dict[Any, z3.ExprRef]) -> list[z3.BoolRef]:
    """The declared sympy assumptions of ``symbols`` (or atoms) as z3 constraints.

    Raises
    ------
    ProofError
        If a symbol is not declared real: z3 reasons over the reals, and treating a
        complex symbol as real would prove claims about fewer values than stated.
    """
    constraints = []
    for symbol in sorted(symbols, key=sp.default_sort_key):
        if symbol.is_real is not True:
            raise ProofError(
                f"{sp.sstr(symbol)} is not declared real (z3 decides real arithmetic); "
                "declare it real=True, positive=True, ..."
            )
        x = _z3_var(symbol, env)
        if symbol.is_positive:
            constraints.append(x > 0)
        elif symbol.is_nonnegative:
            constraints.append(x >= 0)
        if symbol.is_negative:
            constraints.append(x < 0)
        elif symbol.is_nonpositive:
            constraints.append(x <= 0)
        if symbol.is_zero is False and not (symbol.is_positive or symbol.is_negative):
            constraints.append(x != 0)
        if symbol.is_integer:
            constraints.append(z3.IsInt(x))
        if symbol.is_even:
            constraints.append(z3.IsInt(x / 2))
        if symbol.is_odd:
            constraints.append(z3.IsInt((x - 1) / 2))
    return constraints


def _format_model(model: z3.ModelRef, env: dict[Any, z3.ExprRef]) -> str:
    parts = []
    for key in sorted(env, key=lambda k: str(env[k])):
        name = str(env[key])
        value = model.eval(env[key], model_completion=True)
        if z3.is_rational_value(value):
            frac = Fraction(value.numerator_as_long(), value.denominator_as_long())
            parts.append(f"{name} = {frac}")
        else:
            parts.append(f"{name} = {value.sexpr() if z3.is_algebraic_value(value) else value}")
    return ", ".join(parts)


@dataclass(frozen=True)
class Implication(Check):
    r"""Real arithmetic: ``hypotheses`` imply ``conclusion``, decided by z3.

    The symbols' declared sympy assumptions are added to the hypotheses.  The
    claim is checked when ``assumptions & hypotheses & not(conclusion)`` is
    unsatisfiable; a satisfying model is reported as the counterexample.  The
    hypotheses must be satisfiable themselves (no vacuous truths).

    Parameters
    ----------
    hypotheses : sequence of sympy relations
        Explicit hypotheses (ranges sympy cannot declare: ``a <= 1``, ``m > 1``).
    conclusion : sympy relation or boolean formula
        What follows.

    Examples
    --------
    >>> import sympy as sp
    >>> m, s = sp.Symbol("m", positive=True), sp.Symbol("s", nonnegative=True)
    >>> Implication([m <= 1, s < 1], 1 + m * (s - 1) >= s).run().status
    'checked'
    >>> Implication([s < 1], 1 + m * (s - 1) >= s).run().status
    'failed'
    >>> Implication([m > 1, m < 1], m > 5).run().detail
    'hypotheses are contradictory: the implication would hold vacuously'
    >>> x_pos, x_real = sp.Symbol("x", positive=True), sp.Symbol("x", real=True)
    >>> Implication([x_pos <= 5], x_real > 0).run().detail
    'counterexample: x = ..., x!2 = 0'

    The step concludes the implication itself, ``hypotheses -> conclusion``, for
    every value of its symbols allowed by their assumptions.
    """

    hypotheses: Sequence[Any]
    goal: Any
    atoms: tuple[Any, ...] = ()
    engine = "z3"
    kind = "implication"

    @property
    def conclusion(self) -> Any:
        return _conditional(tuple(self.hypotheses), sp.sympify(self.goal))

    def _decide(self) -> tuple[bool, str]:
        env: dict[Any, z3.ExprRef] = {}
        atoms = tuple(sp.sympify(a) for a in self.atoms)
        hyps = [to_z3(h, env, atoms) for h in self.hypotheses]
        goal = to_z3(self.goal, env, atoms)
        formulas = [*(sp.sympify(h) for h in self.hypotheses), sp.sympify(self.goal)]
        atoms_met = {a for a in atoms if any(f.has(a) for f in formulas)}
        masked = [f.xreplace({a: sp.Dummy() for a in atoms_met}) for f in formulas]
        symbols = set().union(*(f.free_symbols for f in masked)) - {
            d for f in masked for d in f.atoms(sp.Dummy)
        }
        domain = _domain(symbols | atoms_met, env)
        if _solver(*domain, *hyps).check() == z3.unsat:
            return False, "hypotheses are contradictory: the implication would hold vacuously"
        solver = _solver(*domain, *hyps, z3.Not(goal))
        verdict = solver.check()
        if verdict == z3.unsat:
            return True, "z3: the negation is unsat"
        if verdict == z3.sat:
            return False, f"counterexample: {_format_model(solver.model(), env)}"
        return False, f"undecided: z3 returned unknown ({solver.reason_unknown()})"

    @property
    def latex(self) -> str:
        if not self.hypotheses:
            return _latex(self.goal)
        hyps = r",\ ".join(_latex(h) for h in self.hypotheses)
        return rf"{hyps} \;\Longrightarrow\; {_latex(self.goal)}"


# --------------------------------------------------------------------------- cited


@dataclass(frozen=True)
class Cited(Check):
    r"""A classical result no engine here decides: reported as ``cited``, never checked.

    Parameters
    ----------
    statement : str or sympy.Boolean
        The claim: a sympy formula (then it is the step's conclusion and may be used
        by later steps and by the theorem's statement) or LaTeX (a remark that
        establishes nothing formal).
    source : str
        A key of :data:`~supercoherence.proofs.bibliography.BIBLIOGRAPHY`.
    section : str
        The chapter, section or theorem of that reference that proves it.
    text : str, optional
        LaTeX shown instead of the formula's own rendering.

    Examples
    --------
    >>> out = Cited(r"\prod (1 - q_n) > 0 \iff \sum q_n < \infty", "knopp", "sec. 28").run()
    >>> out.status, out.engine
    ('cited', 'cited')
    >>> out.detail
    'K. Knopp, Theory and Application of Infinite Series, Blackie (1951), sec. 28'
    >>> Cited("anything", "nobody", "sec. 1").run().status
    'failed'
    """

    statement: Any
    source: str
    section: str = ""
    text: str = ""
    engine = "cited"
    kind = "cited"

    @property
    def citation(self) -> Citation:
        """The bibliography entry and section (raises ProofError if unknown)."""
        return cite(self.source, self.section)

    @property
    def conclusion(self) -> Any:
        return None if isinstance(self.statement, str) else self.statement

    def run(self) -> CheckOutcome:
        """Report the citation (no engine runs); an unknown reference fails."""
        try:
            citation = self.citation
        except ProofError as exc:
            return CheckOutcome("failed", "cited", f"citation refused: {exc}", 0.0)
        floats = _floats_in(self)
        if floats:
            return CheckOutcome("failed", "cited", "refused: floating-point number in the claim")
        return CheckOutcome("cited", "cited", citation.text(), 0.0)

    @property
    def latex(self) -> str:
        if self.text:
            return self.text
        return self.statement if isinstance(self.statement, str) else _latex(self.statement)


# --------------------------------------------------------------------------- induction


def _peel_last(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    r"""Split the last factor (term) off every product (sum) whose upper limit has ``var``.

    This is the recursive definition of finite products and sums,
    :math:`\prod_{k=a}^{b} f_k = \big(\prod_{k=a}^{b-1} f_k\big) f_b` (and likewise for
    sums), valid for :math:`b \ge a - 1` with the empty product 1 (the empty sum 0).
    """

    def peel(node: sp.Basic) -> sp.Basic:
        if isinstance(node, sp.Product | sp.Sum) and len(node.limits) == 1:
            k, lower, upper = node.limits[0]
            if upper.has(var):
                inner = type(node)(node.function, (k, lower, upper - 1))
                last = node.function.subs(k, upper)
                return inner * last if isinstance(node, sp.Product) else inner + last
        return node

    return expr.replace(lambda e: isinstance(e, sp.Product | sp.Sum), peel)


@dataclass(frozen=True)
class Induction(Check):
    r"""``lhs(n) = rhs(n)`` for every integer ``n >= start``, by induction on ``n``.

    The premises are the base value :math:`\mathrm{lhs}(n_0) = b` and the recurrence
    :math:`\mathrm{lhs}(n+1) = F(\mathrm{lhs}(n), n)` (``step``, an expression in
    ``lhs`` and ``n``); the theorem must assume them or have established them.  sympy
    checks the base case :math:`\mathrm{rhs}(n_0) = b` and the inductive step
    :math:`\mathrm{rhs}(n+1) = F(\mathrm{rhs}(n), n)` symbolically, splitting the last
    factor off a product (the last term off a sum) by definition.

    Parameters
    ----------
    var : sympy.Symbol
        The induction variable: an integer symbol, ``>= start`` by its assumptions.
    lhs : sympy.Expr
        The sequence, as an applied undefined function (``G(n)``).
    rhs : sympy.Expr
        Its claimed closed form in ``var``.
    base : sympy.Expr
        The value of ``lhs`` at ``start``.
    step : sympy.Expr
        ``lhs(var + 1)`` in terms of ``lhs`` and ``var``.
    start : int, default 0

    Examples
    --------
    >>> import sympy as sp
    >>> n, k = sp.symbols("n k", integer=True, nonnegative=True)
    >>> q, G = sp.Function("q", real=True), sp.Function("G", real=True)
    >>> tail = sp.Product(1 - q(k), (k, 0, n - 1))
    >>> Induction(n, G(n), tail, 1, G(n) * (1 - q(n))).run().status
    'checked'
    >>> Induction(n, G(n), tail, 1, G(n) * q(n)).run().detail
    'inductive step fails: rhs(n+1) - F(rhs(n)) = ...'
    """

    var: Any
    lhs: Any
    rhs: Any
    base: Any
    step: Any
    start: int = 0
    kind = "induction"

    @property
    def premises(self) -> tuple[Any, ...]:
        first = self.lhs.subs(self.var, self.start)
        after = self.lhs.subs(self.var, self.var + 1)
        return (_eq(first, self.base), _eq(after, self.step))

    @property
    def conclusion(self) -> Any:
        return _eq(self.lhs, self.rhs)

    def _decide(self) -> tuple[bool, str]:
        n = self.var
        if not (n.is_integer and (n - self.start).is_nonnegative):
            raise ProofError(f"{n} must be an integer symbol with {n} >= {self.start}")
        base_value = sp.sympify(self.rhs).subs(n, self.start).doit()
        if not _is_zero(base_value - self.base):
            return False, f"base case fails: rhs({self.start}) = {sp.sstr(base_value)}"
        following = _peel_last(sp.sympify(self.rhs).subs(n, n + 1), n)
        claimed = sp.sympify(self.step).subs(self.lhs, self.rhs)
        residue = sp.expand(following - claimed)
        if residue != 0 and not _is_zero(residue):
            return False, f"inductive step fails: rhs(n+1) - F(rhs(n)) = {sp.sstr(residue)}"
        return True, "base case and inductive step check"

    @property
    def latex(self) -> str:
        return (
            rf"{_latex(self.lhs)} = {_latex(self.rhs)} \quad (\forall {_latex(self.var)} "
            rf"\ge {self.start},\ \text{{induction}})"
        )


#: Deprecated alias (issue 9): three classes were called ``Outcome``.
__getattr__ = module_aliases(__name__, {"Outcome": "CheckOutcome"})
