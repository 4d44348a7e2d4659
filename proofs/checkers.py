r"""The checkers: what it means for one proof step to be verified.

A proof step is a claim together with the engine that decides it.  Each checker
class below is one kind of claim; ``run()`` decides it and returns a
:class:`Outcome` whose ``status`` is

* ``"checked"`` -- the engine verified the claim;
* ``"failed"`` -- the engine refuted it (a non-zero residue, a counterexample) or
  could not decide it (an undecided claim is a failure, never a pass);
* ``"cited"`` -- the claim is a classical theorem no engine here decides; it is
  reported with its reference and **never** counted as checked.

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
comparisons and the connectives.  Everything else (``exp``, ``log``, real powers)
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

from supercoherence.errors import ProofError

__all__ = [
    "Check",
    "Cited",
    "Eigenvalues",
    "Identity",
    "Implication",
    "Integral",
    "Limit",
    "Outcome",
    "Product",
    "Series",
    "Sign",
    "Solutions",
    "to_z3",
]

Status = Literal["checked", "failed", "cited"]

#: z3's time limit per implication, in milliseconds.
Z3_TIMEOUT_MS = 20_000


@dataclass(frozen=True)
class Outcome:
    """The verdict on one claim.

    Parameters
    ----------
    status : {"checked", "failed", "cited"}
        The verdict.
    engine : {"sympy", "z3", "cited"}
        What decided it.
    detail : str
        How: ``"simplifies to 0"``, a residue, a counterexample, the reference.
    seconds : float
        Wall-clock time taken.

    Examples
    --------
    >>> Outcome("checked", "sympy", "simplifies to 0", 0.01).ok
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

    Subclasses implement ``_decide() -> (passed, detail)`` and ``latex``.
    """

    engine: str = "sympy"
    kind: str = "claim"

    def run(self) -> Outcome:
        """Decide the claim; never raises for a false claim (it returns ``failed``).

        Returns
        -------
        Outcome
            The verdict with its detail and the time taken.
        """
        start = time.perf_counter()
        try:
            passed, detail = self._decide()
        except (ProofError, NotImplementedError, ValueError, TypeError, ZeroDivisionError) as e:
            passed, detail = False, f"undecided: {type(e).__name__}: {e}"
        status: Status = "checked" if passed else "failed"
        return Outcome(status, self.engine, detail, time.perf_counter() - start)

    def _decide(self) -> tuple[bool, str]:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def latex(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


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
    env: dict[str, z3.ExprRef] = {}
    symbols = set().union(
        sp.sympify(claim).free_symbols, *(sp.sympify(h).free_symbols for h in hypotheses)
    )
    solver = z3.Solver()
    solver.set("timeout", Z3_TIMEOUT_MS)
    solver.add(*_domain(symbols, env), *(to_z3(h, env) for h in hypotheses))
    solver.add(z3.Not(to_z3(claim, env)))
    return solver.check() == z3.unsat


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
        :math:`e^{-W(z)} = W(z)/z`.  They are shown in the step's LaTeX.
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
    """

    lhs: Any
    rhs: Any
    given: tuple[tuple[Any, Any], ...] = ()
    name: str = ""
    kind = "identity"

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
        lhs, rhs = _latex(self.lhs), _latex(self.rhs)
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
    """

    expr: Any
    relation: str
    where: tuple[tuple[Any, Any], ...] = ()
    kind = "sign"

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

    def _decide(self) -> tuple[bool, str]:
        value = sp.limit(self.expr, self.var, self.point, self.direction)
        if value == self.expected or _is_zero(value - self.expected):
            return True, f"sympy.limit gives {sp.sstr(value)}"
        return False, f"sympy.limit gives {sp.sstr(value)}, not {sp.sstr(self.expected)}"

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

    def _decide(self) -> tuple[bool, str]:
        value = sp.integrate(self.integrand, (self.var, self.lower, self.upper))
        value = _resolve_conditions(value, self.hypotheses)
        if value.has(sp.Integral):
            return False, f"undecided: sympy left {sp.sstr(value)}"
        if value == self.expected or _is_zero(value - self.expected):
            return True, f"sympy.integrate gives {sp.sstr(value)}"
        return False, f"sympy.integrate gives {sp.sstr(value)}, not {sp.sstr(self.expected)}"

    @property
    def latex(self) -> str:
        return (
            rf"\int_{{{_latex(self.lower)}}}^{{{_latex(self.upper)}}} {_latex(self.integrand)}"
            rf"\, d{_latex(self.var)} = {_latex(self.expected)}{_under(self.hypotheses)}"
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

    def _decide(self) -> tuple[bool, str]:
        infinite = self.upper == sp.oo
        if infinite and not self.criterion:
            raise ProofError("an infinite series needs a named convergence criterion")
        value = sp.summation(self.term, (self.var, self.lower, self.upper))
        value = _resolve_conditions(value, self.hypotheses)
        if value.has(sp.Sum):
            return False, f"undecided: sympy left {sp.sstr(value)}"
        if not (value == self.expected or _is_zero(value - self.expected)):
            return False, f"sympy.summation gives {sp.sstr(value)}, not {sp.sstr(self.expected)}"
        detail = f"sympy.summation gives {sp.sstr(value)}"
        if infinite:
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
        return (
            rf"\sum_{{{_latex(self.var)}={_latex(self.lower)}}}^{{{_latex(self.upper)}}} "
            rf"{_latex(self.term)} = {_latex(self.expected)}{_under(self.hypotheses)}"
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

    def _decide(self) -> tuple[bool, str]:
        if self.upper != sp.oo:
            value = sp.simplify(sp.product(self.factor, (self.var, self.lower, self.upper)))
            if _is_zero(value - self.expected):
                return True, f"sympy.product gives {sp.sstr(value)}"
            return False, f"sympy.product gives {sp.sstr(value)}, not {sp.sstr(self.expected)}"
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
        return (
            rf"\prod_{{{_latex(self.var)}={_latex(self.lower)}}}^{{{_latex(self.upper)}}} "
            rf"\left({_latex(self.factor)}\right) = {_latex(self.expected)}"
        )


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

    def _decide(self) -> tuple[bool, str]:
        found = []
        for value, multiplicity in sp.Matrix(self.matrix).eigenvals().items():
            found.extend([sp.simplify(value)] * multiplicity)
        remaining = list(found)
        for want in self.expected:
            match = next((f for f in remaining if _is_zero(f - want)), None)
            if match is None:
                return False, f"eigenvalues are {sp.sstr(found)}; {sp.sstr(want)} is not one"
            remaining.remove(match)
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

    def _decide(self) -> tuple[bool, str]:
        found = sp.solve(list(self.equations), list(self.unknowns), dict=True)
        points = [tuple(sp.simplify(sol.get(u, u)) for u in self.unknowns) for sol in found]
        remaining = list(points)
        for want in self.expected:
            match = next(
                (
                    p
                    for p in remaining
                    if all(_is_zero(a - b) for a, b in zip(p, want, strict=True))
                ),
                None,
            )
            if match is None:
                return False, f"solutions are {sp.sstr(points)}; {sp.sstr(want)} is not one"
            remaining.remove(match)
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


def to_z3(expr: Any, env: dict[str, z3.ExprRef]) -> z3.ExprRef:
    """Translate a sympy real-arithmetic formula into z3 (symbols become z3 Reals).

    Parameters
    ----------
    expr : sympy.Basic
        Rationals, symbols, ``+``, ``*``, integer powers, ``Abs``, relations,
        ``And``, ``Or``, ``Not``, ``Implies``, ``Equivalent``.
    env : dict
        Symbol name -> z3 variable; filled in as symbols are met.

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
    """
    expr = sp.sympify(expr)
    rec = lambda e: to_z3(e, env)  # noqa: E731
    if expr is sp.true:
        return z3.BoolVal(True)
    if expr is sp.false:
        return z3.BoolVal(False)
    if isinstance(expr, sp.Symbol):
        return env.setdefault(expr.name, z3.Real(expr.name))
    if isinstance(expr, sp.Rational):
        return _z3_number(expr)
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


def _domain(symbols: Iterable[sp.Symbol], env: dict[str, z3.ExprRef]) -> list[z3.BoolRef]:
    """The declared sympy assumptions of ``symbols`` as z3 constraints."""
    constraints = []
    for symbol in symbols:
        x = env.setdefault(symbol.name, z3.Real(symbol.name))
        if symbol.is_positive:
            constraints.append(x > 0)
        elif symbol.is_nonnegative:
            constraints.append(x >= 0)
        if symbol.is_negative:
            constraints.append(x < 0)
        elif symbol.is_nonpositive:
            constraints.append(x <= 0)
        if symbol.is_integer:
            constraints.append(z3.IsInt(x))
    return constraints


def _format_model(model: z3.ModelRef, env: dict[str, z3.ExprRef]) -> str:
    parts = []
    for name in sorted(env):
        value = model.eval(env[name], model_completion=True)
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
    """

    hypotheses: Sequence[Any]
    conclusion: Any
    engine = "z3"
    kind = "implication"

    def _decide(self) -> tuple[bool, str]:
        env: dict[str, z3.ExprRef] = {}
        hyps = [to_z3(h, env) for h in self.hypotheses]
        goal = to_z3(self.conclusion, env)
        symbols = set().union(
            *(sp.sympify(h).free_symbols for h in self.hypotheses),
            sp.sympify(self.conclusion).free_symbols,
        )
        domain = _domain(symbols, env)
        solver = z3.Solver()
        solver.set("timeout", Z3_TIMEOUT_MS)
        solver.add(*domain, *hyps)
        if solver.check() == z3.unsat:
            return False, "hypotheses are contradictory: the implication would hold vacuously"
        solver.add(z3.Not(goal))
        verdict = solver.check()
        if verdict == z3.unsat:
            return True, "z3: the negation is unsat"
        if verdict == z3.sat:
            return False, f"counterexample: {_format_model(solver.model(), env)}"
        return False, f"undecided: z3 returned unknown ({solver.reason_unknown()})"

    @property
    def latex(self) -> str:
        if not self.hypotheses:
            return _latex(self.conclusion)
        hyps = r",\ ".join(_latex(h) for h in self.hypotheses)
        return rf"{hyps} \;\Longrightarrow\; {_latex(self.conclusion)}"


# --------------------------------------------------------------------------- cited


@dataclass(frozen=True)
class Cited(Check):
    r"""A classical result no engine here decides: reported as ``cited``, never checked.

    Parameters
    ----------
    statement : str
        The claim, in LaTeX.
    reference : str
        Where it is proved (author, title, section).

    Examples
    --------
    >>> out = Cited(r"\prod (1 - q_n) > 0 \iff \sum q_n < \infty", "Knopp (1990), sec. 28").run()
    >>> out.status, out.engine
    ('cited', 'cited')
    """

    statement: str
    reference: str
    engine = "cited"
    kind = "cited"

    def run(self) -> Outcome:
        """Report the citation (no engine runs)."""
        return Outcome("cited", "cited", self.reference, 0.0)

    @property
    def latex(self) -> str:
        return self.statement
