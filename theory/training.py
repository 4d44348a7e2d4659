r"""Where the spawn rate comes from: training pressure (MODEL.md, seeds 000 and 004).

A base optimizer's search proposes candidate models at rate :math:`\nu` and keeps the
best-looking by a noisy proxy score.  The chance that the kept model is a
mesa-optimizer follows the logit form

.. math::

    P(\text{mesa}) = \sigma\!\left(\theta_c\,\Delta K - \theta_s\,\Delta T
        + \log\frac{p}{1 - p}\right),
    \qquad \sigma(x) = \frac{1}{1 + e^{-x}},

where :math:`\Delta K` is the description-length saving of an optimizer over a
lookup-table-like policy (simplicity pressure :math:`\theta_c \ge 0` favours it),
:math:`\Delta T` its extra run time (speed pressure :math:`\theta_s \ge 0` penalises
it), and :math:`p \in (0, 1)` the probability that an optimizer wins the proxy
comparison with no pressure at all (its *proxy advantage*, entered as log-odds so
that :math:`P = p` when both pressures vanish).  Equivalently

.. math:: P(\text{mesa}) = \frac{p\,e^{x}}{1 - p + p\,e^{x}}, \qquad
          x = \theta_c \Delta K - \theta_s \Delta T.

The spawn intensity of mesa-optimizers is then :math:`\lambda = \nu\, P(\text{mesa})`,
so a study can sweep training regimes instead of raw rates.

Best of N by a noisy proxy (the mechanism behind the logit)
----------------------------------------------------------
:class:`TrainingRegime` makes the selection itself explicit (seeds 001, 004; Hubinger et
al. 2019): the base scores :math:`N` (``search_strength``) i.i.d. candidates, a candidate
is a mesa-optimizer with the simplicity prior :math:`\propto 2^{-\theta_c K}`
(:math:`\theta_c` = ``complexity_penalty``), robustly aligned with prior share
:math:`a_0`, and its proxy score is :math:`\mu_j + \sigma\varepsilon` with mean
advantage :math:`\Delta` (plus :math:`\Delta_G` for a pseudo-aligned one, which
optimizes the proxy itself) minus the speed cost :math:`\theta_s \Delta T`
(``speed_penalty``).  The probability that the kept program is of class :math:`j` is
the order-statistics integral

.. math:: P_N(j) = N \int w_j f_j(s)\, F(s)^{N-1}\, ds

(:func:`best_of_n` on a grid with a bracketing bound; :func:`best_of_n_certified` in
Arb ball arithmetic, a certified radius including the truncated tails; exact finite
sums for Gumbel noise, :func:`gumbel_best_of_n`).  The Goodhart result (catalogue
theorem ``goodhart``): for Gaussian noise :math:`P_N(\text{mesa}) \to 1` when the best
mesa class has a positive net advantage, :math:`\theta_s < (\Delta + \Delta_G)/\Delta T`,
and :math:`\to 0` above it, whatever :math:`\theta_c`; for Gumbel noise it rises from
the prior to a logit below 1 (:func:`best_of_n_limit`, :func:`goodhart_limit`).

Changed from MODEL.md: the Gumbel case is *not* independent of :math:`N` when the
candidates' classes are drawn i.i.d. (it depends on :math:`N` through the class counts);
only its limit is the :math:`N`-free logit.  The logit form above is that limit (with
log-odds of the prior and of :math:`e^{\Delta/\sigma}`).

A scenario takes its spawn rate :math:`\nu P_N(\text{mesa})` and its alignment skill
:math:`P_N(\text{robust})/P_N(\text{mesa})` from a regime
(:func:`scenario_from_training`); :meth:`TakeoverScenario.from_mapping` routes a
regime's keys there, so ``chain`` study files sweep ``search_strength``,
``complexity_penalty`` and ``speed_penalty`` (``studies/training_regimes.toml``).

The symbols of this module (:data:`theta_c`, :data:`theta_s`, :data:`dK`, :data:`dT`,
:data:`proxy_advantage`, :data:`candidate_rate`) are declared in
:mod:`supercoherence.theory.symbols` with all the others and re-exported here.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import sympy as sp
from scipy.special import expit, log_ndtr, logit, logsumexp

from supercoherence.checks import (
    check_in_interval,
    check_known_keys,
    check_nonnegative,
    check_positive,
    check_positive_int,
    check_probability,
)
from supercoherence.errors import ParameterError, did_you_mean
from supercoherence.randomness import Seed, as_generator
from supercoherence.theory.result import Derived, derived, sympify_param

# The module's symbols live in :mod:`.symbols`; re-exported here (``__all__``).
from supercoherence.theory.symbols import candidate_rate, dK, dT, proxy_advantage, theta_c, theta_s

__all__ = [
    "CLASSES",
    "NOISE_LAWS",
    "TrainingRegime",
    "best_of_n",
    "best_of_n_certified",
    "best_of_n_limit",
    "gumbel_best_of_n",
    "regime_probabilities",
    "TRAINING_PARAMETERS",
    "goodhart_limit",
    "sample_best_of_n",
    "scenario_from_mapping",
    "scenario_from_training",
    "training_answer",
    "training_scenario",
    "candidate_rate",
    "dK",
    "dT",
    "mesa_probability",
    "mesa_probability_derived",
    "mesa_probability_numeric",
    "proxy_advantage",
    "spawn_rate",
    "spawn_rate_derived",
    "spawn_rate_numeric",
    "theta_c",
    "theta_s",
]


def _check_advantage(value: Any) -> Any:
    return check_in_interval("proxy_advantage", value, 0, 1, low_open=True, high_open=True)


def mesa_probability(
    complexity_pressure: Any,
    complexity_saving: Any,
    speed_pressure: Any,
    time_cost: Any,
    advantage: Any = sp.Rational(1, 2),
) -> sp.Expr:
    r"""Exact :math:`P(\text{mesa})`, the selected model's chance of being a mesa-optimizer.

    :math:`P = \sigma(\theta_c \Delta K - \theta_s \Delta T + \operatorname{logit} p)`.

    Parameters
    ----------
    complexity_pressure : number or sympy.Expr
        :math:`\theta_c \ge 0`.
    complexity_saving : number or sympy.Expr
        :math:`\Delta K` (any sign).
    speed_pressure : number or sympy.Expr
        :math:`\theta_s \ge 0`.
    time_cost : number or sympy.Expr
        :math:`\Delta T` (any sign).
    advantage : number or sympy.Expr
        Proxy advantage :math:`p \in (0, 1)` (default 1/2: none).

    Returns
    -------
    sympy.Expr
        :math:`p e^x / (1 - p + p e^x)` with :math:`x = \theta_c \Delta K - \theta_s \Delta T`.

    Raises
    ------
    ParameterError
        If a pressure is negative or the advantage outside (0, 1).

    Examples
    --------
    >>> mesa_probability(0, 5, 0, 3, sp.Rational(1, 4))
    1/4
    >>> mesa_probability(1, sp.log(3), 0, 0)
    3/4
    >>> mesa_probability(theta_c, dK, theta_s, dT, proxy_advantage)
    p*exp(Delta_K*theta_c - Delta_T*theta_s)/(p*exp(Delta_K*theta_c - Delta_T*theta_s) - p + 1)
    """
    tc = check_nonnegative(
        "complexity_pressure", sympify_param("complexity_pressure", complexity_pressure)
    )
    ts = check_nonnegative("speed_pressure", sympify_param("speed_pressure", speed_pressure))
    p = _check_advantage(sympify_param("proxy_advantage", advantage))
    x = tc * sympify_param("complexity_saving", complexity_saving) - ts * sympify_param(
        "time_cost", time_cost
    )
    return sp.simplify(p * sp.exp(x) / (1 - p + p * sp.exp(x)))


def mesa_probability_numeric(
    complexity_pressure: Any,
    complexity_saving: Any,
    speed_pressure: Any,
    time_cost: Any,
    advantage: Any = 0.5,
) -> Any:
    r"""Vectorised :math:`P(\text{mesa})`, computed as ``expit(x + logit(p))`` (no overflow).

    Examples
    --------
    >>> mesa_probability_numeric(1.0, np.log(3), 0.0, 0.0)
    0.75
    >>> mesa_probability_numeric(np.array([0.0, 1.0, 100.0]), 1.0, 0.0, 0.0).round(4).tolist()
    [0.5, 0.7311, 1.0]
    """
    tc = np.asarray(check_nonnegative("complexity_pressure", complexity_pressure), dtype=float)
    ts = np.asarray(check_nonnegative("speed_pressure", speed_pressure), dtype=float)
    p = np.asarray(_check_advantage(advantage), dtype=float)
    x = tc * np.asarray(complexity_saving, dtype=float) - ts * np.asarray(time_cost, dtype=float)
    out = expit(x + logit(p))
    return float(out) if np.ndim(out) == 0 else out


def spawn_rate(
    candidates: Any,
    complexity_pressure: Any,
    complexity_saving: Any,
    speed_pressure: Any,
    time_cost: Any,
    advantage: Any = sp.Rational(1, 2),
) -> sp.Expr:
    r"""Exact mesa spawn intensity :math:`\lambda = \nu\, P(\text{mesa})`.

    Parameters
    ----------
    candidates : number or sympy.Expr
        Candidate rate :math:`\nu \ge 0`.
    complexity_pressure, complexity_saving, speed_pressure, time_cost, advantage
        As :func:`mesa_probability`.

    Raises
    ------
    ParameterError
        If ``candidates`` is negative, or as :func:`mesa_probability`.

    Examples
    --------
    >>> spawn_rate(8, 1, sp.log(3), 0, 0)
    6
    >>> spawn_rate(10, 0, 0, 1, sp.log(2), sp.Rational(1, 2))
    10/3
    """
    nu = check_nonnegative("candidate_rate", sympify_param("candidate_rate", candidates))
    return sp.simplify(
        nu
        * mesa_probability(
            complexity_pressure, complexity_saving, speed_pressure, time_cost, advantage
        )
    )


def spawn_rate_numeric(
    candidates: Any,
    complexity_pressure: Any,
    complexity_saving: Any,
    speed_pressure: Any,
    time_cost: Any,
    advantage: Any = 0.5,
) -> Any:
    r"""Vectorised :math:`\lambda = \nu\, P(\text{mesa})`.

    Examples
    --------
    >>> spawn_rate_numeric(8.0, 1.0, np.log(3), 0.0, 0.0)
    6.0
    """
    nu = np.asarray(check_nonnegative("candidate_rate", candidates), dtype=float)
    out = nu * mesa_probability_numeric(
        complexity_pressure, complexity_saving, speed_pressure, time_cost, advantage
    )
    return float(out) if np.ndim(out) == 0 else out


def mesa_probability_derived() -> Derived:
    r""":math:`P(\text{mesa})` as a :class:`Derived` in :data:`theta_c`, :data:`dK`,
    :data:`theta_s`, :data:`dT`, :data:`proxy_advantage`.

    Examples
    --------
    >>> res = mesa_probability_derived()
    >>> res.argument_names
    ('thetac', 'DeltaK', 'thetas', 'DeltaT', 'p')
    >>> round(res.numeric(thetac=1.0, DeltaK=np.log(3), thetas=0.0, DeltaT=0.0, p=0.5), 12)
    0.75
    """
    expr = mesa_probability(theta_c, dK, theta_s, dT, proxy_advantage)
    return derived(
        "probability the selected model is a mesa-optimizer",
        expr,
        theta_c,
        dK,
        theta_s,
        dT,
        proxy_advantage,
    )


def spawn_rate_derived() -> Derived:
    r""":math:`\lambda = \nu P(\text{mesa})` as a :class:`Derived` (first argument ``nu``).

    Examples
    --------
    >>> res = spawn_rate_derived()
    >>> round(res.numeric(nu=8.0, thetac=1.0, DeltaK=np.log(3), thetas=0.0, DeltaT=0.0, p=0.5), 12)
    6.0
    """
    expr = spawn_rate(candidate_rate, theta_c, dK, theta_s, dT, proxy_advantage)
    return derived(
        "mesa spawn rate from training pressure",
        expr,
        candidate_rate,
        theta_c,
        dK,
        theta_s,
        dT,
        proxy_advantage,
    )


# ===================================================================== best of N by a proxy
# Selection by a noisy proxy among N candidates (MODEL.md, "Where mesa-optimizers come
# from, mechanistically"; seeds 001 and 004; Hubinger et al. 2019).

#: Noise laws of the proxy score for which :func:`best_of_n` is implemented.
NOISE_LAWS = ("gaussian", "gumbel")

#: The candidate classes, in the order of :meth:`TrainingRegime.classes`.
CLASSES = ("non_optimizer", "robust_mesa", "pseudo_mesa")


@dataclass(frozen=True)
class TrainingRegime:
    r"""A training regime: the base keeps the best of ``search_strength`` candidates by a proxy.

    A candidate is a mesa-optimizer with prior probability
    :math:`p_m = \sigma(\operatorname{logit}\pi_0 + \theta_c \Delta K \ln 2)` (the
    simplicity prior :math:`2^{-\theta_c K}`, with :math:`\Delta K` the bits a
    mesa-optimizer saves); a mesa-optimizer is robustly aligned with prior share
    :math:`a_0` (``robust_prior``), otherwise pseudo-aligned.  Proxy scores are
    :math:`\mu_j + \sigma\varepsilon` with i.i.d. noise :math:`\varepsilon`
    (``noise``) and means 0 (non-optimizer), :math:`\Delta - \theta_s\Delta T` (robust
    mesa-optimizer: proxy advantage minus speed cost) and
    :math:`\Delta + \Delta_G - \theta_s\Delta T` (pseudo-aligned: it optimizes the proxy
    itself, a Goodhart advantage :math:`\Delta_G \ge 0`).

    Parameters
    ----------
    search_strength : int
        :math:`N \ge 1` candidates scored per selection.
    complexity_penalty, speed_penalty : float
        :math:`\theta_c, \theta_s \ge 0`.
    complexity_saving, time_cost : float
        :math:`\Delta K` (bits), :math:`\Delta T` (any sign).
    score_advantage : float
        :math:`\Delta` (any sign).
    goodhart_advantage : float
        :math:`\Delta_G \ge 0`.
    robust_prior : float
        :math:`a_0 \in [0, 1]`.
    mesa_prior : float
        :math:`\pi_0 \in (0, 1)`.
    noise : {"gaussian", "gumbel"}
    noise_scale : float
        :math:`\sigma > 0`.
    candidate_rate : float
        :math:`\nu \ge 0` selections per unit time (:math:`\lambda = \nu P_N(\text{mesa})`).

    Examples
    --------
    >>> reg = TrainingRegime(complexity_penalty=0.0, mesa_prior=0.25)
    >>> reg.weights().tolist(), reg.means().tolist()
    ([0.75, 0.125, 0.125], [0.0, 0.0, 0.5])
    >>> TrainingRegime(search_strength=0)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: search_strength = 0 is out of range: allowed integers >= 1
    >>> TrainingRegime(speed_penalty=-1)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: speed_penalty = -1.0 is out of range: allowed [0, oo)
    """

    search_strength: int = 16
    complexity_penalty: float = 1.0
    speed_penalty: float = 1.0
    complexity_saving: float = 1.0
    time_cost: float = 1.0
    score_advantage: float = 1.0
    goodhart_advantage: float = 0.5
    robust_prior: float = 0.5
    mesa_prior: float = 0.1
    noise: str = "gaussian"
    noise_scale: float = 1.0
    candidate_rate: float = 1.0

    def __post_init__(self) -> None:
        n = check_positive_int("search_strength", self.search_strength)
        object.__setattr__(self, "search_strength", n)
        checks = {
            "complexity_penalty": check_nonnegative,
            "speed_penalty": check_nonnegative,
            "complexity_saving": None,
            "time_cost": None,
            "score_advantage": None,
            "goodhart_advantage": check_nonnegative,
            "robust_prior": check_probability,
            "mesa_prior": lambda nm, v: check_in_interval(
                nm, v, 0, 1, low_open=True, high_open=True
            ),
            "noise_scale": check_positive,
            "candidate_rate": check_nonnegative,
        }
        for name, check in checks.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ParameterError(name, value, "a real number")
            value = float(value)
            if not math.isfinite(value):
                raise ParameterError(name, value, "a finite real number")
            if check is not None:
                check(name, value)
            object.__setattr__(self, name, value)
        if self.noise not in NOISE_LAWS:
            raise ParameterError(
                "noise",
                self.noise,
                ", ".join(NOISE_LAWS),
                did_you_mean(str(self.noise), NOISE_LAWS),
            )

    @classmethod
    def parameter_names(cls) -> tuple[str, ...]:
        """The study-file keys (field names).

        Examples
        --------
        >>> TrainingRegime.parameter_names()[:3]
        ('search_strength', 'complexity_penalty', 'speed_penalty')
        """
        return tuple(f.name for f in fields(cls))

    def replace(self, **changes: Any) -> TrainingRegime:
        """A copy with some fields changed (validated)."""
        return dataclasses.replace(self, **changes)

    def mesa_prior_probability(self) -> float:
        r""":math:`p_m = \sigma(\operatorname{logit}\pi_0 + \theta_c\Delta K\ln 2)`."""
        x = logit(self.mesa_prior) + self.complexity_penalty * self.complexity_saving * math.log(2)
        return float(expit(x))

    def weights(self) -> np.ndarray:
        """Prior probabilities of the classes :data:`CLASSES`."""
        pm = self.mesa_prior_probability()
        return np.array([1.0 - pm, pm * self.robust_prior, pm * (1.0 - self.robust_prior)])

    def means(self) -> np.ndarray:
        """Mean proxy scores of the classes :data:`CLASSES`."""
        mesa = self.score_advantage - self.speed_penalty * self.time_cost
        return np.array([0.0, mesa, mesa + self.goodhart_advantage])


def _logsf(noise: str, x: np.ndarray) -> np.ndarray:
    if noise == "gaussian":
        return log_ndtr(-x)
    with np.errstate(over="ignore"):
        return np.log(-np.expm1(-np.exp(-x)))


def _logpdf(noise: str, x: np.ndarray) -> np.ndarray:
    if noise == "gaussian":
        return -0.5 * x * x - 0.5 * math.log(2 * math.pi)
    with np.errstate(over="ignore"):
        return -x - np.exp(-x)


def _v_grid(points: int) -> np.ndarray:
    ends = 10.0 ** (-np.arange(1.0, 12.25, 0.25))
    grid = np.concatenate([[0.0], ends, np.linspace(0, 1, points), 1.0 - ends, [1.0]])
    return np.unique(np.clip(grid, 0.0, 1.0))


def _selection_inputs(
    weights: Any, means: Any, search_strength: Any, noise_scale: Any, noise: str
) -> tuple[np.ndarray, np.ndarray, int, float]:
    """Validated ``(w, mu, N, sigma)`` of a best-of-N selection (one check for every
    evaluator of it)."""
    w = np.asarray(check_probability("weights", weights), dtype=float)
    if abs(w.sum() - 1.0) > 1e-9:
        raise ParameterError("weights", weights, "probabilities summing to 1")
    mu = np.asarray(means, dtype=float)
    if mu.shape != w.shape:
        raise ParameterError("means", means, f"{w.size} means, one per class")
    N = check_positive_int("search_strength", search_strength)
    sigma = float(check_positive("noise_scale", noise_scale))
    if noise not in NOISE_LAWS:
        raise ParameterError("noise", noise, ", ".join(NOISE_LAWS))
    return w, mu, N, sigma


def best_of_n(
    weights: Any,
    means: Any,
    search_strength: int,
    noise: str = "gaussian",
    noise_scale: float = 1.0,
    *,
    points: int = 2001,
) -> tuple[np.ndarray, np.ndarray]:
    r"""P(the best-scoring of N i.i.d. candidates is of class j): an order-statistics integral.

    Candidates are of class :math:`j` with probability :math:`w_j`, score
    :math:`\mu_j + \sigma\varepsilon`.  With :math:`F` the mixture law of a score and
    :math:`\pi_j(s) = w_j f_j(s)/\sum_k w_k f_k(s)` the posterior class of a score :math:`s`,

    .. math::

        P_N(j) = N\int w_j f_j(s)\, F(s)^{N-1}\, ds = \int_0^1 \pi_j\bigl(F^{-1}(v^{1/N})\bigr)\,dv

    (substituting :math:`v = F(s)^N`, the law of the maximum).  The integrand is in
    :math:`[0, 1]`; where it is monotone in :math:`v` (two classes, or all other classes on
    one side of class :math:`j`: the Gaussian and Gumbel location families have monotone
    likelihood ratios) the left and right sums on the grid bracket the integral, and the
    returned error is that bracket's half-width: a bound, not an estimate.  Elsewhere the
    error is the change from halving the grid (an estimate).

    Parameters
    ----------
    weights : array_like
        Class probabilities (summing to 1).
    means : array_like
        Class mean scores.
    search_strength : int
        :math:`N \ge 1`.
    noise : {"gaussian", "gumbel"}
    noise_scale : float
        :math:`\sigma > 0`.
    points : int
        Uniform grid points in :math:`v` (plus geometric refinement at both ends).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The probabilities per class and their errors.

    Examples
    --------
    >>> p, err = best_of_n([0.5, 0.5], [0.0, 1.0], 1)
    >>> p.round(6).tolist(), bool(err.max() < 1e-3)
    ([0.5, 0.5], True)
    >>> p, err = best_of_n([0.9, 0.1], [0.0, 1.0], 64, "gumbel")
    >>> round(float(p[1]), 3)      # exact finite sum: gumbel_best_of_n
    0.228
    """
    w, mu, N, sigma = _selection_inputs(weights, means, search_strength, noise_scale, noise)
    keep = w > 0
    v = _v_grid(points)
    post = np.zeros((v.size, w.size))
    inner = (v > 0) & (v < 1)
    s = _inverse_mixture(w[keep], mu[keep], sigma, noise, np.log(-np.expm1(np.log(v[inner]) / N)))
    logits = np.log(w[keep]) + _logpdf(noise, (s[:, None] - mu[keep]) / sigma)
    sub = np.exp(logits - logsumexp(logits, axis=1, keepdims=True))
    full = np.zeros((s.size, w.size))
    full[:, keep] = sub
    post[inner] = full
    dv = np.diff(v)
    lo_end, hi_end = post[1].copy(), post[-2].copy()
    left = post[:-1].copy()
    right = post[1:].copy()
    # end intervals: the integrand is only known to lie in [0, 1] there
    left[0], right[0] = 0.0, 1.0
    left[-1], right[-1] = 0.0, 1.0
    mid = 0.5 * (post[:-1] + post[1:])
    mid[0], mid[-1] = lo_end, hi_end
    value = dv @ mid
    lower = dv @ np.minimum(left, right)
    upper = dv @ np.maximum(left, right)
    monotone = np.all(np.diff(post[inner], axis=0) >= -1e-15, axis=0) | np.all(
        np.diff(post[inner], axis=0) <= 1e-15, axis=0
    )
    bracket = np.maximum(upper - value, value - lower)
    if not np.all(monotone) and points > 101:
        coarse, _ = best_of_n(w, mu, N, noise, sigma, points=(points - 1) // 2 + 1)
        bracket = np.where(monotone, bracket, np.abs(coarse - value) + bracket)
    return value, bracket


def _inverse_mixture(w, mu, sigma, noise, log_tail):
    """Scores ``s`` with ``log P(score > s) = log_tail`` (vectorised bisection)."""
    lo = np.full(log_tail.shape, mu.min() - 60.0 * sigma)
    hi = np.full(log_tail.shape, mu.max() + 200.0 * sigma)
    logw = np.log(w)
    for _ in range(90):
        mid = 0.5 * (lo + hi)
        val = logsumexp(logw + _logsf(noise, (mid[:, None] - mu) / sigma), axis=1)
        above = val > log_tail  # tail still too heavy: move right
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return 0.5 * (lo + hi)


def gumbel_best_of_n(weights: Any, means: Any, search_strength: int, noise_scale: Any = 1) -> Any:
    r"""Exact :math:`P_N(j)` for Gumbel noise, as a finite sum over the class counts.

    The maximum of :math:`M` i.i.d. Gumbel(:math:`\mu`, :math:`\sigma`) scores is
    Gumbel(:math:`\mu + \sigma\ln M`), so given the counts :math:`M_k` the best is of class
    :math:`j` with probability :math:`M_j A_j/\sum_k M_k A_k`,
    :math:`A_k = e^{\mu_k/\sigma}`; averaging over the multinomial counts,

    .. math:: P_N(j) = E\Bigl[\frac{M_j A_j}{\sum_k M_k A_k}\Bigr].

    With two classes and sympy inputs the result is exact; with floats it is a float.

    Examples
    --------
    >>> gumbel_best_of_n([sp.Rational(1, 2)] * 2, [0, sp.log(3)], 2)
    [3/8, 5/8]
    >>> [round(float(x), 3) for x in gumbel_best_of_n([0.9, 0.1], [0.0, 1.0], 64)]
    [0.772, 0.228]
    """
    N = check_positive_int("search_strength", search_strength)
    w = [sympify_param("weights", x) for x in weights]
    mu = [sympify_param("means", x) for x in means]
    sigma = check_positive("noise_scale", sympify_param("noise_scale", noise_scale))
    exact = all(not isinstance(x, float) for x in list(weights) + list(means))
    A = [sp.exp(m / sigma) for m in mu]
    if len(w) == 2 and exact:
        out = [sp.Integer(0), sp.Integer(0)]
        for m1 in range(N + 1):
            pr = sp.binomial(N, m1) * w[1] ** m1 * w[0] ** (N - m1)
            den = (N - m1) * A[0] + m1 * A[1]
            out[0] += pr * (N - m1) * A[0] / den
            out[1] += pr * m1 * A[1] / den
        return [sp.simplify(x) for x in out]
    wf = np.array([float(x) for x in w])
    Af = np.array([float(x) for x in A])
    if len(w) == 2:
        m1 = np.arange(N + 1)
        from scipy.stats import binom

        pr = binom.pmf(m1, N, wf[1])
        den = (N - m1) * Af[0] + m1 * Af[1]
        return [float(pr @ ((N - m1) * Af[0] / den)), float(pr @ (m1 * Af[1] / den))]
    from scipy.stats import multinomial

    counts = np.array([c for c in np.ndindex(*(N + 1,) * (len(w) - 1)) if sum(c) <= N])
    counts = np.column_stack([N - counts.sum(axis=1), counts])
    pr = multinomial.pmf(counts, N, wf)
    shares = counts * Af / (counts @ Af)[:, None]
    return (pr @ shares).tolist()


def best_of_n_certified(
    weights: Any,
    means: Any,
    search_strength: int,
    noise: str = "gaussian",
    noise_scale: float = 1.0,
    *,
    precision: int = 64,
    tolerance: float = 1e-12,
) -> tuple[np.ndarray, np.ndarray]:
    r""":math:`P_N(j)` with a *certified* error: ball arithmetic (python-flint, Arb).

    The order-statistics integral :math:`P_N(j) = N\int w_j f_j(s) F(s)^{N-1} ds` is
    integrated rigorously on :math:`[L, U]` by ``acb.integral`` (the integrand is entire
    for Gaussian and Gumbel noise: :math:`F^{N-1}` is an integer power), and the two tails
    are bounded by :math:`F(L)^N` and :math:`1 - F(U)^N` (because :math:`w_j f_j \le f`,
    the mixture density), both evaluated in ball arithmetic.  The returned radius
    contains every rounding and truncation error: the true value lies in
    ``[mid - rad, mid + rad]`` (up to the conversion of the input floats, taken as exact).

    Parameters
    ----------
    weights, means, search_strength, noise, noise_scale
        As :func:`best_of_n`.
    precision : int
        Working precision in bits (at least :math:`64 + 2\log_2 N`).
    tolerance : float
        Relative tolerance asked of the integrator (the radius reports what it achieved).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Midpoints and certified radii per class.

    Examples
    --------
    >>> mid, rad = best_of_n_certified([0.9, 0.1], [0.0, 1.0], 1024)
    >>> round(float(mid[1]), 10), bool(rad.max() < 1e-10)
    (0.7079512496, True)
    >>> mid, rad = best_of_n_certified([0.5, 0.5], [0.0, np.log(3)], 2, "gumbel")
    >>> round(float(mid[1]), 12)      # exact 5/8 (gumbel_best_of_n)
    0.625
    """
    from flint import acb, arb, ctx

    w, mu, N, sigma = _selection_inputs(weights, means, search_strength, noise_scale, noise)
    check_positive_int("precision", precision, minimum=32)
    old = ctx.prec
    # F^(N-1) loses about log2(N) bits: carry them (the radius still reports the outcome)
    ctx.prec = max(precision, 64 + 2 * N.bit_length())
    try:
        wa = [arb(x) for x in w]
        total = sum(wa, arb(0))
        wa = [x / total for x in wa]  # the float weights, renormalised exactly
        ma = [arb(x) for x in mu]
        sa = arb(sigma)
        root2 = arb(2).sqrt()

        def cdf(z):
            if noise == "gaussian":
                return (-z / root2).erfc() / 2
            return (-(-z).exp()).exp()

        def pdf(z):
            if noise == "gaussian":
                return (-(z * z) / 2).exp() / (2 * arb.pi()).sqrt()
            return (-z - (-z).exp()).exp()

        def mixture(s):
            return sum((wa[k] * cdf((s - ma[k]) / sa) for k in range(w.size)), acb(0))

        # [L, U]: below L all N scores are unlikely, above U the top one is unlikely
        span = math.sqrt(2 * math.log(N) + 2 * 60 * math.log(10))
        low = float(mu.min()) - sigma * (40.0 if noise == "gaussian" else 6.0)
        high = float(mu.max()) + sigma * (span if noise == "gaussian" else math.log(N) + 140)
        tails = arb(mixture(acb(low)).real) ** N + (1 - arb(mixture(acb(high)).real) ** N)
        mids, rads = [], []
        for j in range(w.size):
            if w[j] == 0:
                mids.append(0.0)
                rads.append(0.0)
                continue

            def integrand(s, analytic, j=j):
                return N * wa[j] * pdf((s - ma[j]) / sa) / sa * mixture(s) ** (N - 1)

            value = acb.integral(integrand, low, high, rel_tol=tolerance).real
            ball = value + arb(0, tails.mid() + tails.rad())
            mid = float(ball.mid())
            err = ball.rad() + abs(ball.mid() - arb(mid))  # radius and the rounding to float
            mids.append(mid)
            rads.append(float(err.mid() + err.rad()))
    finally:
        ctx.prec = old
    return np.array(mids), np.nextafter(np.array(rads, dtype=float), np.inf)


def best_of_n_limit(weights: Any, means: Any, noise: str = "gaussian", noise_scale: float = 1.0):
    r""":math:`\lim_{N\to\infty} P_N(j)`: the Goodhart theorem for the two noise laws.

    The limit is set by the tail ratio :math:`\bar F(s - \delta)/\bar F(s)` as
    :math:`s \to \infty`.  Gumbel (exponential tail, ratio :math:`e^{\delta/\sigma}`):
    :math:`P_\infty(j) = w_j A_j/\sum_k w_k A_k`, a logit that is not 1 however hard the
    search (:math:`P_1(j) = w_j \le P_N(j) \uparrow P_\infty(j)` for the top class).
    Gaussian (lighter tail, ratio :math:`\to\infty`): all the mass goes to the class(es)
    with the largest mean, so :math:`P_N(\text{mesa}) \to 1` when :math:`\Delta > 0`:
    searching harder finds optimizers.

    Examples
    --------
    >>> best_of_n_limit([0.5, 0.5], [0.0, np.log(3)], "gumbel").tolist()
    [0.25, 0.75]
    >>> best_of_n_limit([0.9, 0.1], [0.0, 0.5]).tolist()
    [0.0, 1.0]
    """
    w = np.asarray(check_probability("weights", weights), dtype=float)
    mu = np.asarray(means, dtype=float)
    sigma = float(check_positive("noise_scale", noise_scale))
    if noise == "gumbel":
        a = w * np.exp((mu - mu.max()) / sigma)
        return a / a.sum()
    if noise != "gaussian":
        raise ParameterError("noise", noise, ", ".join(NOISE_LAWS))
    top = (mu == mu[w > 0].max()) & (w > 0)
    return np.where(top, w, 0.0) / w[top].sum()


def regime_probabilities(
    regime: TrainingRegime, *, method: str = "certified", **kw: Any
) -> dict[str, float]:
    r"""P(the selected model is a non-optimizer / robust / pseudo mesa-optimizer) for a regime.

    Also ``mesa`` (their sum), ``alignment_skill`` (robust share among selected
    mesa-optimizers; the prior share if none can be selected) and ``error`` (the largest
    integration error: a certified radius with ``method="certified"``, the default,
    :func:`best_of_n_certified`; the grid bracket with ``method="grid"``,
    :func:`best_of_n`).

    Examples
    --------
    >>> out = regime_probabilities(TrainingRegime(search_strength=1))
    >>> round(out["mesa"], 4), round(out["alignment_skill"], 4), out["error"] < 1e-12
    (0.1818, 0.5, True)
    >>> regime_probabilities(TrainingRegime(), method="grid")["error"] < 1e-3
    True
    """
    methods = {"certified": best_of_n_certified, "grid": best_of_n}
    if method not in methods:
        raise ParameterError("method", method, "'certified' or 'grid'")
    p, err = methods[method](
        regime.weights(),
        regime.means(),
        regime.search_strength,
        regime.noise,
        regime.noise_scale,
        **kw,
    )
    p = np.clip(p, 0.0, 1.0)
    mesa = float(p[1] + p[2])
    skill = float(p[1] / mesa) if mesa > 0 else regime.robust_prior
    return {
        "non_optimizer": float(p[0]),
        "robust_mesa": float(p[1]),
        "pseudo_mesa": float(p[2]),
        "mesa": mesa,
        "alignment_skill": min(max(skill, 0.0), 1.0),
        "error": float(err.max()),
    }


def training_scenario(regime: TrainingRegime, **scenario_fields: Any):
    r"""A :class:`~supercoherence.theory.scenario.TakeoverScenario` whose spawn rate and
    alignment skill come from a training regime.

    :math:`\lambda = \nu P_N(\text{mesa})` and :math:`a = P_N(\text{robust})/P_N(\text{mesa})`;
    the other fields are passed through (``spawn_rate``/``alignment_skill`` are refused).

    Examples
    --------
    >>> sc = training_scenario(TrainingRegime(search_strength=1, candidate_rate=2.0),
    ...                        hazard="constant")
    >>> round(sc.spawn_rate, 4), round(sc.alignment_skill, 4), sc.hazard
    (0.3636, 0.5, 'constant')
    """
    from supercoherence.theory.scenario import TakeoverScenario

    for name in ("spawn_rate", "alignment_skill"):
        if name in scenario_fields:
            raise ParameterError(
                name,
                scenario_fields[name],
                "not given beside a training regime",
                message=f"{name} = {scenario_fields[name]!r} cannot be given beside a training "
                f"regime (search_strength, complexity_penalty, ...): the regime sets it",
            )
    out = _cached_probabilities(regime)
    base = TakeoverScenario.from_mapping(scenario_fields)  # validated, deprecated names too
    return dataclasses.replace(
        base, spawn_rate=regime.candidate_rate * out["mesa"], alignment_skill=out["alignment_skill"]
    )


def sample_best_of_n(
    regime: TrainingRegime, replicates: int, *, seed: Seed = None, chunk: int = 2**20
) -> np.ndarray:
    r"""Monte Carlo of the selection itself: counts of the class of the best of N candidates.

    Each replicate draws N candidates (classes from :meth:`TrainingRegime.weights`,
    scores :math:`\mu_j + \sigma\varepsilon`) and records the class of the top score.

    Examples
    --------
    >>> counts = sample_best_of_n(TrainingRegime(search_strength=4), 1000, seed=1)
    >>> int(counts.sum())
    1000
    """
    reps = check_positive_int("replicates", replicates)
    rng = as_generator(seed)
    w, mu, N = regime.weights(), regime.means(), regime.search_strength
    counts = np.zeros(3, dtype=np.int64)
    per = max(1, chunk // N)
    done = 0
    while done < reps:
        m = min(per, reps - done)
        cls = rng.choice(3, size=(m, N), p=w)
        if regime.noise == "gaussian":
            eps = rng.standard_normal((m, N))
        else:
            eps = rng.gumbel(size=(m, N))
        score = mu[cls] + regime.noise_scale * eps
        best = cls[np.arange(m), np.argmax(score, axis=1)]
        counts += np.bincount(best, minlength=3)
        done += m
    return counts


@functools.lru_cache(maxsize=4096)
def _cached_probabilities(regime: TrainingRegime) -> dict[str, float]:
    """:func:`regime_probabilities` memoised per (immutable, hashable) regime."""
    return regime_probabilities(regime)


#: The study-file keys of a training regime (the fields of :class:`TrainingRegime`).
TRAINING_PARAMETERS = TrainingRegime.parameter_names()


def scenario_from_training(
    search_strength: int = 16,
    complexity_penalty: float = 1.0,
    speed_penalty: float = 1.0,
    **fields: Any,
):
    r"""A :class:`~supercoherence.theory.scenario.TakeoverScenario` from a training regime.

    The keyword arguments are split: the fields of :class:`TrainingRegime` (its search
    strength :math:`N`, penalties :math:`\theta_c`, :math:`\theta_s`, and the others)
    make the regime, every other keyword is a field of the scenario.  The scenario's
    ``spawn_rate`` is :math:`\nu P_N(\text{mesa})` and its ``alignment_skill`` the
    robust share :math:`P_N(\text{robust})/P_N(\text{mesa})` of the selected
    mesa-optimizers (:func:`training_scenario`); giving either of them too is an error.

    Raises
    ------
    ParameterError
        Naming the parameter: negative penalties, :math:`N < 1`, an unknown key (with a
        did-you-mean), ``spawn_rate``/``alignment_skill`` given beside a regime.

    Examples
    --------
    >>> sc = scenario_from_training(search_strength=1, candidate_rate=2.0, hazard="constant")
    >>> round(sc.spawn_rate, 4), round(sc.alignment_skill, 4), sc.hazard
    (0.3636, 0.5, 'constant')
    >>> scenario_from_training(complexity_penalty=-1)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: complexity_penalty = -1.0 is out of range: allowed [0, oo)
    >>> scenario_from_training(search_strenght=4)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: unknown parameter 'search_strenght'; did you mean ...
    """
    mapping = {
        "search_strength": search_strength,
        "complexity_penalty": complexity_penalty,
        "speed_penalty": speed_penalty,
        **fields,
    }
    return scenario_from_mapping(mapping, require_regime=True)


def scenario_from_mapping(mapping: Any, *, require_regime: bool = False):
    r"""The scenario of flat study-file keys, a training regime's keys allowed among them.

    Without any key of :data:`TRAINING_PARAMETERS` this is
    :meth:`TakeoverScenario.from_mapping`; with one, the spawn rate and alignment skill
    come from the regime (:func:`scenario_from_training`), memoised per regime.

    Examples
    --------
    >>> scenario_from_mapping({"spawn_rate": 2.0}).spawn_rate
    2.0
    >>> sc = scenario_from_mapping({"search_strength": 1, "candidate_rate": 2.0})
    >>> round(sc.spawn_rate, 4)
    0.3636
    >>> scenario_from_mapping({"search_strength": 4, "spawn_rate": 1.0})
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: spawn_rate = 1.0 cannot be given beside a training ...
    """
    from supercoherence.theory.scenario import TakeoverScenario

    mapping = dict(mapping)
    regime_keys = {k: v for k, v in mapping.items() if k in TRAINING_PARAMETERS}
    rest = {k: v for k, v in mapping.items() if k not in TRAINING_PARAMETERS}
    if not regime_keys and not require_regime:
        return TakeoverScenario.from_mapping(rest)
    from supercoherence.theory import scenario as _scenario

    names = (*TRAINING_PARAMETERS, *TakeoverScenario.parameter_names())
    check_known_keys(rest, names, also=getattr(_scenario, "DEPRECATED_PARAMETERS", {}))
    if "search_strength" in regime_keys:
        value = regime_keys["search_strength"]
        # study files give numbers: an integral float (16.0) is the integer 16
        if isinstance(value, float) and value.is_integer():
            regime_keys["search_strength"] = int(value)
    return training_scenario(TrainingRegime(**regime_keys), **rest)


def goodhart_limit(noise: str) -> str:
    r"""Which limit :math:`\lim_{N\to\infty} P_N(\text{top class})` a noise law gives.

    The criterion is the tail ratio :math:`\bar F(s - \delta)/\bar F(s)` as
    :math:`s \to \infty` (catalogue theorem ``goodhart``): ``"one"`` when it diverges
    (lighter than exponential tails: Gaussian), ``"logit"`` when it tends to
    :math:`e^{\delta/\sigma}` (exponential tails: Gumbel).

    Examples
    --------
    >>> goodhart_limit("gaussian"), goodhart_limit("gumbel")
    ('one', 'logit')
    """
    if noise not in NOISE_LAWS:
        raise ParameterError(
            "noise", noise, ", ".join(NOISE_LAWS), did_you_mean(str(noise), NOISE_LAWS)
        )
    return {"gaussian": "one", "gumbel": "logit"}[noise]


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def training_answer(points: Any, estimates: Any) -> str:
    r"""The training-regimes study's answer in sentences with numbers (for the report).

    Parameters
    ----------
    points : sequence of dict
        The study's points (flat parameter keys, a training regime among them).
    estimates : sequence of dict
        Rows with ``point``, ``estimand``, ``at``, ``estimate`` and ``std_error`` (the
        study's ``estimates`` table as records).

    Returns
    -------
    str
        Markdown; ``""`` when no point carries a training regime.

    Examples
    --------
    >>> pts = [{"search_strength": n, "candidate_rate": 10.0} for n in (1, 1024)]
    >>> print(training_answer(pts, []))  # doctest: +ELLIPSIS
    Under gaussian proxy noise searching harder finds mesa-optimizers exactly when ...
    """
    pts = [{k: v for k, v in p.items() if k != "point"} for p in points]
    if not pts or not any(k in TRAINING_PARAMETERS for p in pts for k in p):
        return ""
    rows = []
    for p in pts:
        keys = {k: v for k, v in p.items() if k in TRAINING_PARAMETERS}
        if isinstance(keys.get("search_strength"), float):
            keys["search_strength"] = int(keys["search_strength"])
        reg = TrainingRegime(**keys)
        q0 = float(scenario_from_mapping(p).never_overthrown_numeric(0))
        rows.append((reg, _cached_probabilities(reg), q0))
    simulated: dict[int, Any] = {}
    for row in estimates:
        if row.get("estimand") == "law_of_n" and float(row.get("at", -1)) == 0.0:
            simulated[int(row["point"])] = row
    strengths = sorted({r.search_strength for r, _, _ in rows})
    lo, hi = strengths[0], strengths[-1]
    speeds = sorted({r.speed_penalty for r, _, _ in rows})
    noise = sorted({r.noise for r, _, _ in rows})
    reg0 = rows[0][0]
    top = reg0.score_advantage + reg0.goodhart_advantage
    if reg0.time_cost > 0:
        boundary = (
            f"speed_penalty < theta_s* = (Delta + Delta_G)/Delta_T = {_fmt(top / reg0.time_cost)}"
        )
    else:
        boundary = f"Delta + Delta_G - speed_penalty Delta_T = {_fmt(top)} - ... > 0"
    words = {"one": "1", "logit": "a logit below 1"}
    limits = " / ".join(words[goodhart_limit(n)] for n in noise)
    lines = [
        f"Under {', '.join(noise)} proxy noise searching harder finds mesa-optimizers "
        f"exactly when the best mesa class keeps a positive net proxy advantage, {boundary} "
        f"(theorem goodhart; the limit of P_N(mesa) as N grows is {limits} below it and 0 "
        f"above it; the complexity penalty moves the prior, not the boundary)."
    ]

    def at(n: int, ts: float) -> int | None:
        found = [
            i
            for i, (r, _, _) in enumerate(rows)
            if r.search_strength == n and r.speed_penalty == ts
        ]
        return found[0] if found else None

    parts = []
    for ts in (speeds[0], speeds[-1]) if len(speeds) > 1 else speeds:
        a, b = at(lo, ts), at(hi, ts)
        if a is None or b is None:
            continue
        text = (
            f"at speed_penalty = {_fmt(ts)}, P(the kept model is a mesa-optimizer) goes from "
            f"{_fmt(rows[a][1]['mesa'])} to {_fmt(rows[b][1]['mesa'])} and the chance that the "
            f"base is never overthrown, q_0, from {_fmt(rows[a][2])} to {_fmt(rows[b][2])}"
        )
        if b in simulated:
            sim = simulated[b]
            text += f" (simulated {_fmt(sim['estimate'])} +- {_fmt(sim['std_error'])})"
        parts.append(text)
    if parts:
        lines.append(f"From N = {lo} to N = {hi}: " + "; ".join(parts) + ".")
    skill_lo = float(np.mean([x["alignment_skill"] for r, x, _ in rows if r.search_strength == lo]))
    skill_hi = float(np.mean([x["alignment_skill"] for r, x, _ in rows if r.search_strength == hi]))
    safe = sum(q >= 0.5 for _, _, q in rows)
    lines.append(
        f"The alignment skill (robust share of the selected mesa-optimizers) falls with N "
        f"everywhere, {_fmt(skill_lo)} to {_fmt(skill_hi)} on average: a harder search finds "
        f"more of the pseudo-aligned class, which optimizes the proxy itself. {safe} of "
        f"{len(rows)} regimes keep q_0 >= 1/2."
    )
    return " ".join(lines)
