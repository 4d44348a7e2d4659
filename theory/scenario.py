r"""The takeover scenario: the one parameterisation every layer shares.

A :class:`TakeoverScenario` is a point of parameter space for the recursion of
dominant optimizers :math:`O_0, O_1, \dots` (MODEL.md, docs/ARCHITECTURE.md).  Its
fields are the study-file parameter names.  The :math:`n`-th dominant optimizer has
capability :math:`c_n = \gamma^n` (winners escalate, :math:`c_0 = 1`), detection

.. math:: 1 - d_n = (1 - d)\, e^{-\kappa (c_n - c_0)},

per-spawn takeover probability :math:`\pi_n = (1 - a)(1 - d_n)\, s(\gamma)` with the
Tullock success :math:`s(\gamma) = \gamma^r/(1 + \gamma^r)`, and hazard scale
:math:`h_n = \lambda \pi_n`.  In its age :math:`t` its takeover hazard is

=================  ====================================  ===========================================
``hazard``         :math:`h_n(t)`                        :math:`q_n = e^{-\Lambda_n(\infty)}`
=================  ====================================  ===========================================
``constant``       :math:`h_n`                           0 (1 if :math:`h_n = 0`)
``entrenchment``   :math:`h_n e^{-\delta_n t}`           :math:`e^{-h_n/\delta_n}`
``power``          :math:`h_n (1 + t)^{-\beta}`          :math:`e^{-h_n/(\beta-1)}` if
                                                         :math:`\beta > 1`, else 0 (1 if
                                                         :math:`h_n = 0`)
=================  ====================================  ===========================================

with :math:`\delta_n = \delta / (1 + n)^w` (:math:`w` = ``entrenchment_weakening``).

The detection law is MODEL.md's :math:`1 - d(c) = A e^{-\kappa c}` normalised so that
:math:`d(c_0) = d`, i.e. :math:`A = (1 - d) e^{\kappa}`.  It is a probability law for
every capability :math:`c \ge 0` iff :math:`A \le 1`, i.e.
:math:`\kappa \le -\log(1 - d)`.  With escalating winners (:math:`\gamma \ge 1`)
only :math:`c_n \ge c_0` occurs and any :math:`\kappa \ge 0` keeps
:math:`d_n \in [d, 1]`; with mesa-sub-optimizers (:math:`\gamma < 1`) the capabilities
:math:`c_n = \gamma^n` fall to 0, :math:`\sup_n (1 - d_n) = (1 - d) e^{\kappa}`, and a
larger :math:`\kappa` would make :math:`d_n < 0` and :math:`\pi_n` exceed the
per-spawn bound (e.g. :math:`\gamma = 0.5, \kappa = 2, d = 0.5` gives
:math:`d_{20} = -2.69`).  That combination is refused with a
:class:`~supercoherence.errors.ParameterError` naming ``detection_scaling`` and its
allowed range :math:`[0, -\log(1 - d)]`.
The tenure :math:`\tau_n` of :math:`O_n` has survival :math:`e^{-\Lambda_n(\tau)}` and
is drawn exactly as :math:`\Lambda_n^{-1}(E)`, :math:`E \sim \mathrm{Exp}(1)`
(:meth:`TakeoverScenario.inverse_cumulative_hazard`; infinite with probability
:math:`q_n`).  At each takeover the utility drifts with correlation :math:`\rho`
(``drift``) in ``utility_dimension`` dimensions (:mod:`supercoherence.theory.drift`).

Numeric methods take numpy arrays of ``n`` (and ``t``/``y``) and broadcast; exact
ones return sympy expressions in :data:`~supercoherence.theory.symbols.n` (and
:data:`~supercoherence.theory.symbols.t`) with the parameter values as exact
rationals.  The recursion module builds :math:`P(N \ge n)` and the classification
from :meth:`TakeoverScenario.never_overthrown`.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp

from supercoherence.checks import (
    check_in_interval,
    check_known_keys,
    check_nonnegative,
    check_positive_int,
    check_real,
)
from supercoherence.deprecation import warn_renamed
from supercoherence.errors import ParameterError, did_you_mean
from supercoherence.theory import contest, hazard
from supercoherence.theory import symbols as S
from supercoherence.theory.optimizer import Optimizer
from supercoherence.theory.result import sympify_param

__all__ = [
    "DEPRECATED_PARAMETERS",
    "HAZARD_SHAPES",
    "Parameter",
    "TakeoverScenario",
    "rename_deprecated",
]

HAZARD_SHAPES = tuple(hazard.HAZARD_FAMILIES)
"""The allowed values of :attr:`TakeoverScenario.hazard`: the keys of
:data:`~supercoherence.theory.hazard.HAZARD_FAMILIES` (``constant``, ``entrenchment``,
``power``)."""

DEPRECATED_PARAMETERS = {"entrenchment": "entrenchment_rate", "power": "power_exponent"}
"""Old parameter name -> new name (issue 9); the old names still work and warn."""


_GREEK_LETTERS = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma "
    "tau upsilon phi chi psi omega".split()
)

#: sympy name -> code name of the recursion's symbols (``"lambda"`` -> ``"lam"``).
_CODE_SYMBOLS = {getattr(S, name).name: name for name in S.RECURSION}


@dataclass(frozen=True)
class Parameter:
    r"""What a :class:`TakeoverScenario` field is, written once (``field(metadata=...)``).

    The scenario's validation, the figures' axis labels and legend symbols, the report's
    tables, the derive help and the parameter tables of docs/GLOSSARY.md and
    docs/ARCHITECTURE.md are all generated from these.

    Attributes
    ----------
    label : str
        The quantity in words (axis labels, widget sliders): ``"spawn rate"``.
    meaning : str
        One line (Markdown) for the parameter tables.
    short : str
        Shorter words for compact tables (default: ``label``).
    symbol : str
        The symbol as MODEL.md writes it in plain text (``"lambda"``); ``""`` if none.
    latex : str
        The symbol in LaTeX (``r"\lambda"``); by default ``symbol``, a Greek letter's
        name as its command (``"lambda"`` -> ``r"\lambda"``).
    axis_math : str
        LaTeX shown on axes when it says more than the symbol (default: ``latex``).
    code_symbol : str
        Its name in :mod:`supercoherence.theory.symbols` (``"lam"``); by default the
        recursion symbol (:data:`~supercoherence.theory.symbols.RECURSION`) whose sympy
        name is ``symbol``, ``""`` if there is none.
    unit : str
        Unit or kind (``"per unit time"``, ``"probability"``, ``"count"``).
    low, high, low_open, high_open
        The allowed interval of a real field (``None``: unbounded).
    choices : tuple of str
        The allowed values of a string field.
    integer_minimum : int or None
        Smallest allowed value of an integer field.
    family : str
        The hazard family that alone reads the field (``""``: every family).
    role : str
        What the field is to its family: ``"shape"`` (the family's shape parameter,
        :math:`\\delta` or :math:`\\beta`) or ``"weakening"`` (the exponent :math:`w` of
        :math:`\\delta_n = \\delta/(1 + n)^w`).
    """

    label: str
    meaning: str
    short: str = ""
    symbol: str = ""
    latex: str = ""
    axis_math: str = ""
    code_symbol: str = ""
    unit: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    integer_minimum: int | None = None
    family: str = ""
    role: str = ""

    def __post_init__(self) -> None:
        if self.symbol and not self.latex:
            greek = self.symbol in _GREEK_LETTERS
            object.__setattr__(self, "latex", f"\\{self.symbol}" if greek else self.symbol)
        if self.symbol and not self.code_symbol:
            object.__setattr__(self, "code_symbol", _CODE_SYMBOLS.get(self.symbol, ""))

    @property
    def kind(self) -> str:
        """``"real"``, ``"choice"`` or ``"integer"``."""
        if self.choices:
            return "choice"
        return "integer" if self.integer_minimum is not None else "real"

    @property
    def allowed(self) -> str:
        """The allowed values, as the validation error states them (``"[0, oo)"``).

        Examples
        --------
        >>> Parameter("x", "", low=0, low_open=True).allowed
        '(0, oo)'
        """
        if self.kind == "choice":
            return ", ".join(self.choices)
        if self.kind == "integer":
            return f"integers >= {self.integer_minimum}"
        left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
        low = "-oo" if self.low is None else f"{self.low:g}"
        high = "oo" if self.high is None else f"{self.high:g}"
        return f"{left}{low}, {high}{')' if self.high is None else right}"

    def check(self, name: str, value: Any) -> Any:
        """``value`` validated (a float, the string or an int), or a :class:`ParameterError`.

        Examples
        --------
        >>> TakeoverScenario.parameters()["drift"].check("drift", 1.5)
        Traceback (most recent call last):
        ...
        supercoherence.errors.ParameterError: drift = 1.5 is out of range: allowed [-1, 1]
        """
        if self.choices:
            if not isinstance(value, str) or value not in self.choices:
                hint = did_you_mean(str(value), self.choices)
                raise ParameterError(name, value, self.allowed, hint)
            return value
        if self.integer_minimum is not None:
            return check_positive_int(name, value, minimum=self.integer_minimum)
        value = check_real(name, value)
        check_in_interval(
            name, value, self.low, self.high, low_open=self.low_open, high_open=self.high_open
        )
        return value

    @property
    def axis_label(self) -> str:
        """Axis label: words, symbol and unit (``"spawn rate $\\lambda$ (per unit time)"``)."""
        math_text = self.axis_math or self.latex
        text = f"{self.label} ${math_text}$" if math_text else self.label
        return f"{text} ({self.unit})" if self.unit else text

    @property
    def table_name(self) -> str:
        """Words and symbol for tables (``"entrenchment $\\delta$"``)."""
        words = self.short or self.label
        return f"{words} ${self.latex}$" if self.latex else words

    @property
    def legend_symbol(self) -> str:
        """The symbol in mathtext (``"$\\delta$"``), or the short words if there is none."""
        return f"${self.latex}$" if self.latex else (self.short or self.label)

    @property
    def help(self) -> str:
        """One line for command-line help: ``"alignment skill in [0, 1]"``."""
        return f"{self.label} in {self.allowed}"


def _field(default: Any, **facts: Any) -> Any:
    """A dataclass field whose :class:`Parameter` is its metadata."""
    return field(default=default, metadata={"parameter": Parameter(**facts)})


def _out(x: Any) -> Any:
    """A float for 0-d results, the array otherwise."""
    return float(x) if np.ndim(x) == 0 else np.asarray(x)


def _weakened(n: Any, value: Callable[[str], Any], fields: tuple[str, str]) -> Any:
    r"""A level's shape :math:`s_n = s / (1 + n)^w` of the fields ``(s, w)`` (``w = ""``:
    none, :math:`s_n = s`), e.g. :math:`\delta_n = \delta/(1 + n)^w`: exact with ``n`` the
    symbol and ``value`` the exact field values, numeric with an array ``n`` and floats."""
    shape, weakening = fields
    return value(shape) / (1 + n) ** value(weakening) if weakening else value(shape)


def _first_negative_detection(gamma: float, kappa: float, d: float) -> int:
    """The first ``n`` with ``(1 - d) exp(kappa (1 - gamma^n)) > 1`` (given it exists)."""
    # 1 - gamma^n > -log(1 - d)/kappa  <=>  gamma^n < 1 + log(1 - d)/kappa
    threshold = 1.0 + math.log1p(-d) / kappa  # in (0, 1) here
    return max(1, math.floor(math.log(threshold) / math.log(gamma)) + 1)


@dataclass(frozen=True)
class TakeoverScenario:
    r"""A validated parameter point of the takeover recursion (immutable).

    Parameters
    ----------
    spawn_rate : float
        :math:`\lambda \ge 0`, Poisson intensity of mesa-optimizer spawns.
    alignment_skill : float
        :math:`a \in [0, 1]`, probability a spawned mesa-optimizer is robustly aligned.
    detection : float
        :math:`d \in [0, 1]`, detection probability of the first dominant optimizer.
    capability_ratio : float
        :math:`\gamma > 0`, challenger / incumbent capability; :math:`c_n = \gamma^n`.
    sharpness : float
        :math:`r > 0`, Tullock sharpness.
    hazard : {"constant", "entrenchment", "power"}
        Shape of the hazard in the optimizer's age.
    entrenchment_rate : float
        :math:`\delta > 0` (used by ``"entrenchment"``).  The old keyword
        ``entrenchment`` is accepted with a deprecation warning.
    power_exponent : float
        :math:`\beta > 0` (used by ``"power"``).  The old keyword ``power`` is accepted
        with a deprecation warning.
    entrenchment_weakening : float
        :math:`w \ge 0`, :math:`\delta_n = \delta/(1 + n)^w`.
    detection_scaling : float
        :math:`\kappa \ge 0`, :math:`1 - d_n = (1 - d) e^{-\kappa(c_n - c_0)}`.
    drift : float
        :math:`\rho \in [-1, 1]`, utility correlation across a takeover.
    utility_dimension : int
        Dimension :math:`\ge 2` of the utility vectors.

    Raises
    ------
    ParameterError
        Naming the first field that is out of range or of the wrong type.

    Examples
    --------
    >>> sc = TakeoverScenario(spawn_rate=1.0, alignment_skill=0.5, detection=0.5,
    ...                       capability_ratio=1.0, entrenchment_rate=0.25)
    >>> sc.hazard_scale(0)
    0.125
    >>> sc.never_overthrown()
    exp(-1/2)
    >>> sc.never_overthrown_numeric(np.arange(3)).round(4).tolist()
    [0.6065, 0.6065, 0.6065]
    >>> TakeoverScenario(detection=1.2)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: detection = 1.2 is out of range: allowed [0, 1]
    >>> TakeoverScenario(capability_ratio=0.5, detection_scaling=2, detection=0.5)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: detection_scaling = 2.0 is out of range:
    allowed [0, -log(1 - detection)] = [0, 0.693147] when capability_ratio < 1 ...
    """

    spawn_rate: float = _field(
        1.0,
        label="spawn rate",
        symbol="lambda",
        unit="per unit time",
        low=0,
        meaning="Poisson intensity of mesa-optimizer spawns of a dominant optimizer",
    )
    alignment_skill: float = _field(
        0.5,
        label="alignment skill",
        symbol="a",
        unit="probability",
        low=0,
        high=1,
        meaning="P(a spawned mesa-optimizer is robustly aligned)",
    )
    detection: float = _field(
        0.5,
        label="detection",
        symbol="d",
        unit="probability",
        low=0,
        high=1,
        meaning="P(an adversarial mesa-optimizer is detected), of the first dominant "
        "optimizer; `d_n` at level n",
    )
    capability_ratio: float = _field(
        1.0,
        label="capability ratio",
        symbol="gamma",
        axis_math=r"\gamma = c_\mathrm{mesa}/c_\mathrm{base}",
        low=0,
        low_open=True,
        meaning="challenger / incumbent capability; `c_{n+1} = gamma c_n`, `c_0 = 1`",
    )
    sharpness: float = _field(
        1.0,
        label="contest sharpness",
        short="sharpness",
        symbol="r",
        low=0,
        low_open=True,
        meaning="Tullock contest sharpness, `s(gamma) = gamma^r / (1 + gamma^r)`",
    )
    hazard: str = _field(
        "entrenchment",
        label="hazard family",
        choices=HAZARD_SHAPES,
        meaning="hazard family: the shape of the hazard in the optimizer's age t",
    )
    entrenchment_rate: float = _field(
        1.0,
        label="entrenchment rate",
        short="entrenchment",
        symbol="delta",
        unit="per unit time",
        low=0,
        low_open=True,
        family="entrenchment",
        role="shape",
        meaning='entrenchment rate of the `"entrenchment"` family, `h_n(t) = h_n exp(-delta_n t)`',
    )
    power_exponent: float = _field(
        2.0,
        label="hazard decay exponent",
        short="hazard exponent",
        symbol="beta",
        low=0,
        low_open=True,
        family="power",
        role="shape",
        meaning='decay exponent of the `"power"` family, `h_n(t) = h_n / (1 + t)^beta`',
    )
    entrenchment_weakening: float = _field(
        0.0,
        label="entrenchment weakening",
        short="weakening",
        symbol="w",
        low=0,
        family="entrenchment",
        role="weakening",
        meaning="`delta_n = delta / (1 + n)^w` (0: none)",
    )
    detection_scaling: float = _field(
        0.0,
        label="detection scaling",
        symbol="kappa",
        unit="per unit capability",
        low=0,
        meaning="detection growth with capability, `1 - d_n = (1 - d) exp(-kappa (c_n - c_0))`",
    )
    drift: float = _field(
        1.0,
        label="drift correlation",
        short="drift",
        symbol="rho",
        low=-1,
        high=1,
        meaning="utility drift per takeover, `E[w_{n+1} . w_n] = rho`",
    )
    utility_dimension: int = _field(
        3,
        label="utility dimension",
        short="dimension",
        unit="count",
        integer_minimum=2,
        meaning="dimension of the utility vectors",
    )

    def __post_init__(self) -> None:
        for name, info in _VALIDATION_ORDER:
            object.__setattr__(self, name, info.check(name, getattr(self, name)))
        self._check_detection_law()

    @classmethod
    def parameters(cls) -> dict[str, Parameter]:
        """What each field is (:class:`Parameter`), in field order: the one home of
        the symbols, ranges, labels, units and meanings.

        Examples
        --------
        >>> info = TakeoverScenario.parameters()["detection"]
        >>> info.symbol, info.allowed, info.axis_label
        ('d', '[0, 1]', 'detection $d$ (probability)')
        >>> TakeoverScenario.parameters()["power_exponent"].family
        'power'
        """
        return {f.name: f.metadata["parameter"] for f in fields(cls)}

    @classmethod
    def parameter_table(cls) -> str:
        """The Markdown table of the fields in docs/GLOSSARY.md and docs/ARCHITECTURE.md.

        Generated from :meth:`parameters`; ``tests/test_glossary.py`` checks that both
        documents hold exactly this table.

        Examples
        --------
        >>> print(TakeoverScenario.parameter_table().splitlines()[2])
        | `spawn_rate` | lambda | `lam` (`lambda`) | [0, oo) | Poisson intensity of ...
        """
        old_names = {new: old for old, new in DEPRECATED_PARAMETERS.items()}
        rows = [
            "| field | symbol | code symbol | range | meaning |",
            "|---|---|---|---|---|",
        ]
        for name, info in cls.parameters().items():
            field_cell = f"`{name}`"
            if name in old_names:
                field_cell += f" (was `{old_names[name]}`, deprecated)"
            code = ""
            if info.code_symbol:
                sympy_name = getattr(S, info.code_symbol).name
                code = f"`{info.code_symbol}`"
                code += f" (`{sympy_name}`)" if sympy_name != info.code_symbol else ""
            allowed = ", ".join(f'`"{c}"`' for c in info.choices) if info.choices else info.allowed
            rows.append(f"| {field_cell} | {info.symbol} | {code} | {allowed} | {info.meaning} |")
        return "\n".join(rows)

    def _check_detection_law(self) -> None:
        r"""Refuse :math:`\gamma < 1` with :math:`\kappa > -\log(1 - d)` (module docstring).

        Then :math:`1 - d_n = (1 - d) e^{\kappa (1 - \gamma^n)}` would exceed 1 for large
        ``n``, i.e. detection would be negative.
        """
        kappa, d = self.detection_scaling, self.detection
        if self.capability_ratio >= 1 or kappa == 0 or d == 1:
            return
        limit = -math.log1p(-d)
        if kappa + math.log1p(-d) > 0:  # (1 - d) e^kappa > 1
            n_bad = _first_negative_detection(self.capability_ratio, kappa, d)
            raise ParameterError(
                "detection_scaling",
                kappa,
                f"[0, -log(1 - detection)] = [0, {limit:.6g}] when capability_ratio < 1 "
                f"(capability_ratio = {self.capability_ratio:g}, detection = {d:g})",
                f"detection d_n = 1 - (1 - d) exp(-kappa (c_n - 1)) would be negative "
                f"from n = {n_bad}",
            )

    # ------------------------------------------------------------------ construction

    @classmethod
    def parameter_names(cls) -> tuple[str, ...]:
        """The study-file parameter names, in field order.

        Examples
        --------
        >>> TakeoverScenario.parameter_names()[:3]
        ('spawn_rate', 'alignment_skill', 'detection')
        """
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> TakeoverScenario:
        """Build a scenario from study-file keys; missing keys take the defaults.

        Raises
        ------
        ParameterError
            For an unknown key (with a did-you-mean suggestion) or a bad value.

        Examples
        --------
        >>> TakeoverScenario.from_mapping({"spawn_rate": 2, "hazard": "power"}).hazard
        'power'
        >>> TakeoverScenario.from_mapping({"detecton": 0.5})
        Traceback (most recent call last):
        ...
        supercoherence.errors.ParameterError: unknown parameter 'detecton'; did you mean ...
        """
        from supercoherence.theory import training  # lazy: training imports this module

        if any(key in training.TRAINING_PARAMETERS for key in mapping):
            return training.scenario_from_mapping(mapping)  # rates from a training regime
        check_known_keys(mapping, cls.parameter_names(), also=DEPRECATED_PARAMETERS)
        return cls(**rename_deprecated(mapping))

    def to_mapping(self) -> dict[str, Any]:
        """The fields as a plain dict (inverse of :meth:`from_mapping`).

        Examples
        --------
        >>> sc = TakeoverScenario(spawn_rate=3)
        >>> TakeoverScenario.from_mapping(sc.to_mapping()) == sc
        True
        """
        return asdict(self)

    # ------------------------------------------------------------------ exact parameters

    def _exact(self, name: str) -> sp.Expr:
        return sympify_param(name, getattr(self, name))

    def _float(self, name: str) -> float:
        return getattr(self, name)

    def hazard_scale_expr(self) -> sp.Expr:
        r"""Exact :math:`h_n = \lambda (1 - a)(1 - d) e^{-\kappa(\gamma^n - 1)} s(\gamma)`.

        Examples
        --------
        >>> TakeoverScenario(spawn_rate=1, alignment_skill=0, detection=0,
        ...                  capability_ratio=2, detection_scaling=1).hazard_scale_expr()
        2*exp(1 - 2**n)/3
        """
        g, kap = self._exact("capability_ratio"), self._exact("detection_scaling")
        pi0 = contest.per_spawn_takeover(
            self._exact("alignment_skill"),
            self._exact("detection"),
            g,
            self._exact("sharpness"),
        )
        return self._exact("spawn_rate") * pi0 * sp.exp(-kap * (g**S.n - 1))

    def entrenchment_expr(self) -> sp.Expr:
        r"""Exact :math:`\delta_n = \delta / (1 + n)^w`.

        Examples
        --------
        >>> TakeoverScenario(entrenchment_rate=2, entrenchment_weakening=1).entrenchment_expr()
        2/(n + 1)
        """
        return _weakened(S.n, self._exact, ("entrenchment_rate", "entrenchment_weakening"))

    @property
    def family(self) -> type[hazard.HazardFamily]:
        """The hazard family class of :attr:`hazard` (the string is its key).

        Examples
        --------
        >>> TakeoverScenario(hazard="power").family.__name__
        'PowerHazard'
        """
        return hazard.HAZARD_FAMILIES[self.hazard]

    def shape_expr(self) -> sp.Expr:
        r"""Exact shape of level ``n``'s hazard: :math:`\delta_n` (entrenchment),
        :math:`\beta` (power) or 0 (constant); see :meth:`shape_at`.

        Examples
        --------
        >>> TakeoverScenario(entrenchment_rate=2, entrenchment_weakening=1).shape_expr()
        2/(n + 1)
        >>> TakeoverScenario(hazard="power", power_exponent=3).shape_expr()
        3
        """
        fields = _SHAPE_FIELDS[self.hazard]
        return _weakened(S.n, self._exact, fields) if fields[0] else sp.S.Zero

    def hazard_expr(self) -> sp.Expr:
        r"""Exact :math:`h_n(t)` in the symbols ``n`` and ``t``.

        Examples
        --------
        >>> TakeoverScenario(spawn_rate=2, alignment_skill=0, detection=0,
        ...                  hazard="power", power_exponent=3).hazard_expr()
        (t + 1)**(-3)
        """
        return self.family.hazard_of(self.hazard_scale_expr(), self.shape_expr())

    def never_overthrown(self) -> sp.Expr:
        r"""Exact never-overthrown probability :math:`q_n` as an expression in ``n``.

        Examples
        --------
        >>> TakeoverScenario(hazard="constant").never_overthrown()
        0
        >>> TakeoverScenario(hazard="constant", spawn_rate=0).never_overthrown()
        1
        >>> TakeoverScenario(hazard="power", power_exponent=0.5).never_overthrown()
        0
        >>> TakeoverScenario(spawn_rate=1, alignment_skill=0, detection=0,
        ...                  entrenchment_rate=1, entrenchment_weakening=1).never_overthrown()
        exp(-n/2 - 1/2)
        """
        h = self.hazard_scale_expr()
        if h == 0:
            return sp.Integer(1)
        return self.family.never_overthrown_of(h, self.shape_expr())

    # ------------------------------------------------------------------ numeric, vectorised

    def _n(self, n: Any) -> np.ndarray:
        arr = np.asarray(check_nonnegative("n", n), dtype=float)
        if np.any(arr != np.floor(arr)):
            raise ParameterError("n", n, "integers >= 0")
        return arr

    def capability(self, n: Any) -> Any:
        r"""Capability :math:`c_n = \gamma^n` of the n-th dominant optimizer.

        Examples
        --------
        >>> TakeoverScenario(capability_ratio=2).capability(np.arange(4)).tolist()
        [1.0, 2.0, 4.0, 8.0]
        """
        with np.errstate(over="ignore"):
            return _out(self.capability_ratio ** self._n(n))

    def detection_at(self, n: Any) -> Any:
        r"""Detection :math:`d_n = 1 - (1 - d) e^{-\kappa(c_n - 1)}`.

        Examples
        --------
        >>> sc = TakeoverScenario(detection=0.5, capability_ratio=2, detection_scaling=1)
        >>> sc.detection_at(np.array([0, 1])).round(4).tolist()
        [0.5, 0.8161]
        """
        return _out(1.0 - self._escape(self._n(n)))

    def _escape(self, n: np.ndarray) -> np.ndarray:
        """:math:`1 - d_n`, with :math:`\\kappa = 0` giving ``1 - d`` even where c_n = inf."""
        if self.detection_scaling == 0:
            return np.full_like(n, 1.0 - self.detection)
        with np.errstate(over="ignore"):
            c_n = self.capability_ratio**n
        return (1.0 - self.detection) * np.exp(-self.detection_scaling * (c_n - 1.0))

    def hazard_scale(self, n: Any) -> Any:
        r"""Hazard scale :math:`h_n = \lambda (1 - a)(1 - d_n) s(\gamma)` (vectorised).

        Examples
        --------
        >>> TakeoverScenario(spawn_rate=4, alignment_skill=0.5, detection=0.5).hazard_scale(
        ...     np.array([0, 5])).tolist()
        [0.5, 0.5]
        """
        n = self._n(n)
        pi = (1.0 - self.alignment_skill) * self._escape(n) * self._contest_success
        return _out(self.spawn_rate * pi)

    @cached_property
    def _contest_success(self) -> float:
        r""":math:`s(\gamma)`, computed once (the engines call :meth:`hazard_scale` per step)."""
        return float(contest.success_numeric(self.capability_ratio, self.sharpness))

    def entrenchment_at(self, n: Any) -> Any:
        r""":math:`\delta_n = \delta / (1 + n)^w` (vectorised).

        Examples
        --------
        >>> TakeoverScenario(entrenchment_rate=1, entrenchment_weakening=1).entrenchment_at(
        ...     np.array([0, 1, 3])).tolist()
        [1.0, 0.5, 0.25]
        """
        fields = ("entrenchment_rate", "entrenchment_weakening")
        return _out(_weakened(self._n(n), self._float, fields))

    def cumulative_hazard(self, n: Any, t: Any) -> Any:
        r""":math:`\Lambda_n(t) = \int_0^t h_n` (vectorised over ``n`` and ``t``).

        Examples
        --------
        >>> sc = TakeoverScenario(spawn_rate=2, alignment_skill=0, detection=0,
        ...                       hazard="constant")
        >>> sc.cumulative_hazard(0, np.array([0.0, 1.0, 2.0])).tolist()
        [0.0, 1.0, 2.0]
        """
        return self.cumulative_given(self.hazard_scale(n), self.shape_at(n), t)

    def total_hazard(self, n: Any) -> Any:
        r""":math:`\Lambda_n(\infty)` (``inf`` when the hazard is not integrable).

        Examples
        --------
        >>> TakeoverScenario(entrenchment_rate=0.25).total_hazard(0)
        0.5
        >>> TakeoverScenario(hazard="constant").total_hazard(0)
        inf

        A scale that underflows to 0 in double precision is still positive: where the
        family's hazard is not integrable (constant; power with :math:`\beta \le 1`) the
        total is ``inf``, not 0, so :math:`q_n = 0` as in the exact layer.

        >>> sc = TakeoverScenario(hazard="power", power_exponent=0.5, capability_ratio=2,
        ...                       detection_scaling=1)
        >>> float(sc.hazard_scale(12)), float(sc.total_hazard(12))
        (0.0, inf)
        """
        n = self._n(n)
        h, shape = self.hazard_scale(n), self.shape_at(n)
        inf = np.full_like(n, np.inf)
        total = self.cumulative_given(h, shape, inf)
        # h_n = lambda (1-a)(1-d_n) s(gamma) is exactly 0 only when lambda = 0, a = 1 or d = 1;
        # otherwise a 0.0 here is underflow of a positive number (e.g. e^{-kappa (gamma^n - 1)}).
        if self.spawn_rate > 0 and self.alignment_skill < 1 and self.detection < 1:
            underflowed = np.asarray(h) == 0
            if np.any(underflowed):
                unit_total = self.cumulative_given(np.ones_like(n), shape, inf)
                total = _out(np.where(underflowed & np.isinf(unit_total), np.inf, total))
        return total

    def never_overthrown_numeric(self, n: Any) -> Any:
        r"""Never-overthrown probability :math:`q_n = e^{-\Lambda_n(\infty)}` (vectorised).

        Examples
        --------
        >>> sc = TakeoverScenario(hazard="power", power_exponent=3, spawn_rate=1, alignment_skill=0,
        ...                       detection=0)
        >>> round(sc.never_overthrown_numeric(0), 6)
        0.778801
        """
        return _out(np.exp(-np.asarray(self.total_hazard(n))))

    def inverse_cumulative_hazard(self, n: Any, y: Any) -> Any:
        r"""The ``t`` with :math:`\Lambda_n(t) = y`; ``inf`` where :math:`y \ge \Lambda_n(\infty)`.

        With ``y`` an Exp(1) draw this is an exact draw of the tenure :math:`\tau_n`.

        Examples
        --------
        >>> sc = TakeoverScenario(entrenchment_rate=0.25)
        >>> t = sc.inverse_cumulative_hazard(0, 0.25)
        >>> round(float(sc.cumulative_hazard(0, t)), 12)
        0.25
        >>> sc.inverse_cumulative_hazard(np.array([0, 0]), np.array([0.4, 0.6])).tolist()[1]
        inf
        """
        return self.inverse_given(self.hazard_scale(n), self.shape_at(n), y)

    def shape_at(self, n: Any) -> Any:
        r"""The shape parameter of level ``n``'s hazard: :math:`\delta_n` (entrenchment),
        :math:`\beta` (power) or 0 (constant).

        With :meth:`hazard_scale` it is all a level needs; engines that cache both per
        level evaluate with :meth:`cumulative_given` and :meth:`inverse_given`.

        Examples
        --------
        >>> TakeoverScenario(entrenchment_rate=1, entrenchment_weakening=1).shape_at(
        ...     np.array([0, 1])).tolist()
        [1.0, 0.5]
        >>> TakeoverScenario(hazard="power", power_exponent=3).shape_at(np.array([0, 4])).tolist()
        [3.0, 3.0]
        """
        shape, weakening = fields = _SHAPE_FIELDS[self.hazard]
        if weakening:
            return _out(_weakened(self._n(n), self._float, fields))
        value = float(getattr(self, shape)) if shape else 0.0
        return _out(np.full_like(self._n(n), value))

    def cumulative_given(self, h: Any, shape: Any, t: Any) -> Any:
        r""":math:`\Lambda(t)` of this scenario's hazard family for a given scale and shape.

        Examples
        --------
        >>> sc = TakeoverScenario(entrenchment_rate=0.5)
        >>> n, t = np.array([0, 3]), np.array([1.0, 2.0])
        >>> bool(np.array_equal(sc.cumulative_given(sc.hazard_scale(n), sc.shape_at(n), t),
        ...                     sc.cumulative_hazard(n, t)))
        True
        """
        return self.family.cumulative_kernel(h, shape, t)

    def inverse_given(self, h: Any, shape: Any, y: Any) -> Any:
        r""":math:`\Lambda^{-1}(y)` of this scenario's hazard family for a given scale and
        shape (``inf`` beyond the total hazard).

        Examples
        --------
        >>> sc = TakeoverScenario(hazard="power", power_exponent=3.0)
        >>> h, b = sc.hazard_scale(0), sc.shape_at(0)
        >>> round(float(sc.cumulative_given(h, b, sc.inverse_given(h, b, 0.05))), 12)
        0.05
        """
        return self.family.inverse_kernel(h, shape, y)

    def level_optimizer(self, n: int) -> Optimizer:
        r"""The n-th dominant optimizer as an :class:`~supercoherence.theory.optimizer.Optimizer`.

        Its entrenchment is :math:`\delta_n` for the ``entrenchment`` hazard and 0
        otherwise; its utility is left unspecified (drift is a distribution, see
        :mod:`supercoherence.theory.drift`).

        Examples
        --------
        >>> opt = TakeoverScenario(capability_ratio=2).level_optimizer(3)
        >>> opt.capability, opt.detection
        (8.0, 0.5)
        """
        n = check_positive_int("n", n, minimum=0)
        entrenchment = self.family.entrenchment_rate_of(self.shape_at(n))
        return Optimizer(
            capability=float(self.capability(n)),
            spawn_rate=self.spawn_rate,
            detection=float(self.detection_at(n)),
            alignment_skill=self.alignment_skill,
            entrenchment=float(entrenchment),
        )

    # ------------------------------------------------------------------ deprecated names

    @property
    def entrenchment(self) -> float:
        """Deprecated name of :attr:`entrenchment_rate` (issue 9)."""
        warn_renamed("TakeoverScenario.entrenchment", "entrenchment_rate")
        return self.entrenchment_rate

    @property
    def power(self) -> float:
        """Deprecated name of :attr:`power_exponent` (issue 9)."""
        warn_renamed("TakeoverScenario.power", "power_exponent")
        return self.power_exponent

    def q_expr(self) -> sp.Expr:
        """Deprecated name of :meth:`never_overthrown` (issue 9)."""
        warn_renamed("TakeoverScenario.q_expr", "never_overthrown")
        return self.never_overthrown()

    def q(self, n: Any) -> Any:
        """Deprecated name of :meth:`never_overthrown_numeric` (issue 9)."""
        warn_renamed("TakeoverScenario.q", "never_overthrown_numeric")
        return self.never_overthrown_numeric(n)


def _accept_deprecated_keywords(cls: type) -> None:
    """Let ``cls(entrenchment=...)`` and ``cls(power=...)`` work, with a warning."""
    init = cls.__init__

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if not DEPRECATED_PARAMETERS.keys().isdisjoint(kwargs):
            kwargs = rename_deprecated(kwargs)
        init(self, *args, **kwargs)

    __init__.__signature__ = inspect.signature(init)  # type: ignore[attr-defined]
    cls.__init__ = __init__  # type: ignore[method-assign]


def rename_deprecated(mapping: Mapping[str, Any], *, what: str = "parameter") -> dict[str, Any]:
    """``mapping`` with the deprecated parameter names replaced by the new ones.

    Each old name warns (:class:`~supercoherence.deprecation.SupercoherenceDeprecationWarning`,
    the message naming the new one); both names at once is a :class:`ParameterError`.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     rename_deprecated({"power": 3, "hazard": "power"})
    {'hazard': 'power', 'power_exponent': 3}
    """
    out = dict(mapping)
    for old, new in DEPRECATED_PARAMETERS.items():
        if old in out:
            if new in out:
                raise ParameterError(
                    old, out[old], f"only one of {old!r} and {new!r}", f"{old} is deprecated"
                )
            warn_renamed(old, new, what=what, stacklevel=4)
            out[new] = out.pop(old)
    return out


_accept_deprecated_keywords(TakeoverScenario)


def _shape_fields() -> dict[str, tuple[str, str]]:
    """Per hazard family, its shape field and weakening field (``""``: none), from the
    fields' metadata (:attr:`Parameter.role`)."""
    out = {}
    for family in HAZARD_SHAPES:
        roles = {
            info.role: name
            for name, info in TakeoverScenario.parameters().items()
            if info.family == family and info.role
        }
        out[family] = (roles.get("shape", ""), roles.get("weakening", ""))
    return out


_SHAPE_FIELDS = _shape_fields()

#: The fields with their :class:`Parameter`, in the order ``__post_init__`` checks them:
#: the real fields, then ``hazard``, then ``utility_dimension``.
_VALIDATION_ORDER = tuple(
    (name, info)
    for kind in ("real", "choice", "integer")
    for name, info in TakeoverScenario.parameters().items()
    if info.kind == kind
)
