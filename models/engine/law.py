r"""The law of one chain of dominant optimizers, as the engine consumes it.

A chain is the sequence of dominant optimizers :math:`O_0, O_1, \dots`.  Given that
:math:`O_n` is reached, it is never overthrown with probability :math:`q_n`,
independently of the other levels; otherwise its tenure :math:`\tau_n` is finite.
The engine needs, for the levels :math:`n < M` (``max_takeovers``):

- the never-overthrown probabilities :math:`q_0, \dots, q_{M-1}`;
- optionally a *clock*: the inverse cumulative hazard :math:`\Lambda_n^{-1}` of each
  level, so that :math:`\tau_n = \Lambda_n^{-1}(E)`, :math:`E \sim \mathrm{Exp}(1)`,
  is an exact tenure (infinite, i.e. never overthrown, when
  :math:`E \ge \Lambda_n(\infty) = -\log q_n`);
- the value drift: :math:`\rho` (``drift``) and the utility dimension :math:`D`.

:class:`ChainLaw` gathers these from any of four descriptions of a chain, one factory
each (:meth:`ChainLaw.from_model` picks the factory by the model's type):

- :meth:`~ChainLaw.from_scenario`: a
  :class:`~supercoherence.theory.scenario.TakeoverScenario` -- level-dependent hazards,
  capability escalation included, its own drift and utility dimension;
- :meth:`~ChainLaw.from_hazard`: a hazard family of :mod:`supercoherence.theory.hazard`
  (a :class:`~supercoherence.theory.hazard.HazardFamily`) -- the same hazard at every
  level;
- :meth:`~ChainLaw.from_q`: a number :math:`q` (stationary chain), a sequence ``q[n]``
  of at least :math:`M` values, or a callable ``q(n)`` evaluated on
  ``numpy.arange(M)``.

The last has no clock: it defines the law of the number of takeovers and the
drift, but not when takeovers happen.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np

from supercoherence.checks import check_in_interval, check_positive_int, check_probability
from supercoherence.deprecation import warn_renamed
from supercoherence.errors import ParameterError
from supercoherence.models.engine.sampling import TakeoverCountSampler

__all__ = ["ChainLaw"]

InverseHazard = Callable[[int, np.ndarray], np.ndarray]


def _q_values(model: Any, levels: np.ndarray) -> np.ndarray:
    """``q_n`` for ``n`` in ``levels`` from a number, a sequence or a callable."""
    if callable(model):
        values = model(levels)
    elif isinstance(model, numbers.Real | np.floating | np.integer) or np.ndim(model) == 0:
        values = model
    else:
        values = np.asarray(model, dtype=float).ravel()
        if values.size < levels.size:
            raise ParameterError(
                "q",
                f"a sequence of {values.size} values",
                f"at least max_takeovers = {levels.size} values (one per level)",
            )
        values = values[: levels.size]
    try:
        return np.broadcast_to(np.asarray(values, dtype=float), levels.shape).copy()
    except (TypeError, ValueError):
        raise ParameterError(
            "q", model, "a number in [0, 1], a sequence or a vectorised callable of n"
        ) from None


@dataclass(frozen=True)
class ChainLaw:
    r"""Never-overthrown probabilities, clock and drift of the first ``M`` levels.

    Build it with :meth:`from_scenario`, :meth:`from_hazard` or :meth:`from_q` (or
    :meth:`from_model`, which picks one by the model's type); the fields are the
    normalised law.

    Parameters
    ----------
    q : numpy.ndarray
        :math:`q_0, \dots, q_{M-1}`, each in [0, 1].
    drift : float
        :math:`\rho \in [-1, 1]`, the expected alignment of successive utilities.
    utility_dimension : int
        :math:`D \ge 2`.
    inverse_hazard : callable or None
        ``inverse_hazard(n, y)`` = :math:`\Lambda_n^{-1}(y)` for one level ``n`` and
        an array ``y``; ``None`` for a chain without a clock.

    Examples
    --------
    >>> law = ChainLaw.from_model(0.25, max_takeovers=3)
    >>> law.q.tolist(), law.has_clock, law.max_takeovers
    ([0.25, 0.25, 0.25], False, 3)
    >>> law.tail_law().round(12).tolist()  # P(N >= n) = 0.75^n, n = 0..3
    [1.0, 0.75, 0.5625, 0.421875]
    """

    q: np.ndarray
    drift: float = 1.0
    utility_dimension: int = 2
    inverse_hazard: InverseHazard | None = None

    @classmethod
    def from_model(
        cls,
        model: Any,
        max_takeovers: int,
        *,
        drift: float | None = None,
        utility_dimension: int | None = None,
    ) -> ChainLaw:
        """Normalise a scenario, hazard family, number, sequence or callable.

        Parameters
        ----------
        model : TakeoverScenario, HazardFamily, float, sequence or callable
            The chain (see the module docstring).
        max_takeovers : int
            :math:`M \\ge 1`, the number of levels needed.
        drift, utility_dimension : optional
            :math:`\\rho` (default 1: no drift) and :math:`D` (default 2) for the
            descriptions that do not carry them; a scenario carries its own, and
            passing them beside a scenario is an error.

        Returns
        -------
        ChainLaw

        Raises
        ------
        ParameterError
            If ``max_takeovers < 1``, a ``q_n`` lies outside [0, 1], the sequence is
            shorter than ``max_takeovers``, ``drift`` is outside [-1, 1],
            ``utility_dimension < 2``, or ``drift``/``utility_dimension`` are given
            beside a scenario.

        Examples
        --------
        >>> from supercoherence.theory.hazard import EntrenchmentHazard
        >>> law = ChainLaw.from_model(EntrenchmentHazard(1, 2), max_takeovers=2)
        >>> law.q.round(6).tolist(), law.has_clock
        ([0.606531, 0.606531], True)
        >>> ChainLaw.from_model(lambda n: 1 / (n + 2) ** 2, 2, drift=0.5).q.tolist()
        [0.25, 0.1111111111111111]
        >>> ChainLaw.from_model(1.5, 2)
        Traceback (most recent call last):
        ...
        supercoherence.errors.ParameterError: q = 1.5 is out of range: allowed [0, 1]
        """
        if isinstance(model, ChainLaw):
            if drift is not None or utility_dimension is not None:
                raise ParameterError("drift", drift, "None beside a ChainLaw (it carries its own)")
            return model.truncated(max_takeovers)
        from supercoherence.theory.hazard import HazardFamily
        from supercoherence.theory.scenario import TakeoverScenario

        if isinstance(model, TakeoverScenario):
            for name, value in (("drift", drift), ("utility_dimension", utility_dimension)):
                if value is not None:
                    raise ParameterError(
                        name,
                        value,
                        "None when the model is a TakeoverScenario",
                        "the scenario carries its own; set it there",
                    )
            return cls.from_scenario(model, max_takeovers)
        if isinstance(model, HazardFamily):
            return cls.from_hazard(
                model, max_takeovers, drift=drift, utility_dimension=utility_dimension
            )
        return cls.from_q(model, max_takeovers, drift=drift, utility_dimension=utility_dimension)

    @classmethod
    def from_scenario(cls, scenario: Any, max_takeovers: int) -> ChainLaw:
        r"""The law of a :class:`~supercoherence.theory.scenario.TakeoverScenario`.

        Level-dependent :math:`q_n` and clock :math:`\Lambda_n^{-1}`; the scenario's
        own drift and utility dimension.

        Examples
        --------
        >>> from supercoherence.theory.scenario import TakeoverScenario
        >>> law = ChainLaw.from_scenario(TakeoverScenario(spawn_rate=1.0), 2)
        >>> law.has_clock, law.utility_dimension
        (True, 3)
        """
        from supercoherence.theory.scenario import TakeoverScenario

        max_takeovers = check_positive_int("max_takeovers", max_takeovers)
        q = np.asarray(scenario.never_overthrown_numeric(np.arange(max_takeovers)), dtype=float)
        inverse: InverseHazard = scenario.inverse_cumulative_hazard
        kind = type(scenario)
        if all(
            getattr(kind, name) is getattr(TakeoverScenario, name)
            for name in ("inverse_cumulative_hazard", "inverse_given", "hazard_scale", "shape_at")
        ):
            # inverse_cumulative_hazard(n, y) is family.inverse_kernel(hazard_scale(n),
            # shape_at(n), y): the same calls, with an in-place form of the kernel
            inverse = _KernelInverse(
                scenario.family.inverse_kernel, functools.partial(_scenario_level, scenario)
            )
        return cls._checked(q, scenario.drift, scenario.utility_dimension, inverse)

    @classmethod
    def from_hazard(
        cls,
        family: Any,
        max_takeovers: int,
        *,
        drift: float | None = None,
        utility_dimension: int | None = None,
    ) -> ChainLaw:
        """The law of a hazard family of :mod:`supercoherence.theory.hazard` at every level.

        Examples
        --------
        >>> from supercoherence.theory.hazard import ConstantHazard
        >>> ChainLaw.from_hazard(ConstantHazard(1.0), 3).q.tolist()
        [0.0, 0.0, 0.0]
        """
        from supercoherence.theory.hazard import HazardFamily

        max_takeovers = check_positive_int("max_takeovers", max_takeovers)
        q = np.full(max_takeovers, float(family.never_overthrown_numeric()))
        inverse: InverseHazard
        shared = getattr(HazardFamily, "inverse_cumulative_numeric", None)
        if shared is not None and type(family).inverse_cumulative_numeric is shared:
            # inverse_cumulative_numeric(y) = inverse_kernel(float(h0), float(shape), y): the
            # floats once here (the call above checked they are numbers)
            parameters = (float(family.h0), float(family.shape_parameter))
            inverse = _KernelInverse(family.inverse_kernel, parameters)
        else:  # a family with its own numeric inverse (e.g. CriticalMoments)
            inverse = functools.partial(_family_inverse, family)
        return cls._checked(q, drift, utility_dimension, inverse)

    @classmethod
    def from_q(
        cls,
        q: Any,
        max_takeovers: int,
        *,
        drift: float | None = None,
        utility_dimension: int | None = None,
    ) -> ChainLaw:
        """The law of never-overthrown probabilities (no clock): a number, a sequence of
        at least ``max_takeovers`` values or a vectorised callable of ``n``.

        Examples
        --------
        >>> ChainLaw.from_q([0.5, 0.25, 0.125], 2).q.tolist()
        [0.5, 0.25]
        """
        max_takeovers = check_positive_int("max_takeovers", max_takeovers)
        values = _q_values(q, np.arange(max_takeovers))
        return cls._checked(values, drift, utility_dimension, None)

    @classmethod
    def _checked(cls, q, drift, utility_dimension, inverse) -> ChainLaw:
        check_probability("q", q if q.size > 1 else float(q[0]))
        drift = 1.0 if drift is None else drift
        utility_dimension = 2 if utility_dimension is None else utility_dimension
        check_in_interval("drift", drift, -1, 1)
        utility_dimension = check_positive_int("utility_dimension", utility_dimension, minimum=2)
        return cls(q, float(drift), utility_dimension, inverse)

    def truncated(self, max_takeovers: int) -> ChainLaw:
        """This law with ``max_takeovers`` levels (at most its own).

        Examples
        --------
        >>> ChainLaw.from_q(0.5, 3).truncated(2).max_takeovers
        2
        """
        max_takeovers = check_positive_int("max_takeovers", max_takeovers)
        if max_takeovers == self.max_takeovers:
            return self
        if max_takeovers > self.max_takeovers:
            raise ParameterError(
                "max_takeovers", max_takeovers, f"at most {self.max_takeovers} for this law"
            )
        return replace(self, q=self.q[:max_takeovers])

    @cached_property
    def count_sampler(self) -> TakeoverCountSampler:
        r"""The sampler of :math:`\min(N, M)` (its guide table is built once per law).

        Examples
        --------
        >>> law = ChainLaw.from_q(0.5, 2)
        >>> law.count_sampler is law.count_sampler
        True
        """
        return TakeoverCountSampler(self.tail_law())

    @property
    def max_takeovers(self) -> int:
        """The number of levels :math:`M`."""
        return int(self.q.size)

    @property
    def has_clock(self) -> bool:
        """Whether takeover times are defined."""
        return self.inverse_hazard is not None

    def tail_law(self) -> np.ndarray:
        r""":math:`S_n = P(N \ge n) = \prod_{k<n}(1 - q_k)` for :math:`n = 0, \dots, M`.

        Computed as :math:`\exp\sum_{k<n}\log(1 - q_k)` (``log1p``), accurate for
        small :math:`q_k`; exactly 0 from the first :math:`q_k = 1` on.

        Examples
        --------
        >>> ChainLaw.from_model([0.5, 1.0, 0.5], 3).tail_law().tolist()
        [1.0, 0.5, 0.0, 0.0]
        """
        with np.errstate(divide="ignore"):
            logs = np.log1p(-self.q)
        return np.exp(np.concatenate([[0.0], np.cumsum(logs)]))

    def survival(self) -> np.ndarray:
        """Deprecated name of :meth:`tail_law` (``survival`` is :math:`e^{-\\Lambda}`)."""
        warn_renamed("ChainLaw.survival", "ChainLaw.tail_law")
        return self.tail_law()

    def finite_tenure(self, level: int, v: np.ndarray, *, overwrite: bool = False) -> np.ndarray:
        r"""Tenures of level ``level`` conditioned on being finite, from uniforms ``v``.

        Given :math:`\tau_n < \infty`, i.e. :math:`E < L = \Lambda_n(\infty)`, the
        exponential :math:`E` is truncated to :math:`[0, L)`; its inverse CDF is
        :math:`E = -\log(1 - V(1 - q_n))`, :math:`V \sim U[0, 1)`, and
        :math:`\tau_n = \Lambda_n^{-1}(E)`.  With ``overwrite=True`` the exponentials
        (and, for the named hazard families, the tenures) are computed in place in ``v``
        (then a float64 array), with the same floating-point results.

        Examples
        --------
        >>> from supercoherence.theory.hazard import ConstantHazard
        >>> law = ChainLaw.from_model(ConstantHazard(2), 1)
        >>> law.finite_tenure(0, np.array([0.0, 1 - np.exp(-2.0)])).tolist()
        [0.0, 1.0]
        """
        if self.inverse_hazard is None:
            raise ParameterError("model", "a q sequence", "a scenario or hazard family (a clock)")
        q = self.q[level]
        if not overwrite:
            v = np.asarray(v, dtype=float)
        # The operations of E = min(-log1p(-v (1 - q)), L-) with the signs moved (exact:
        # rounding is symmetric): minus = log1p(v * -(1 - q)) = -E before the cap.
        minus = np.multiply(v, -(1.0 - q), out=v if overwrite else np.empty_like(v))
        np.log1p(minus, out=minus)
        lowest = None  # min(minus), when known
        if q > 0 and minus.size:
            # E < L mathematically; keep it so after rounding (the inverse is inf at L).
            cap = np.nextafter(-np.log(q), 0.0)
            lowest = minus.min()
            if lowest < -cap:  # min(E, cap) changes only these
                np.maximum(minus, -cap, out=minus)
                lowest = -cap
        inverse = self.inverse_hazard
        if isinstance(inverse, _KernelInverse) and inverse.from_negated(level, minus, lowest):
            return minus
        np.negative(minus, out=minus)
        return np.asarray(inverse(level, minus), dtype=float)


class _KernelInverse:
    r""":math:`\Lambda_n^{-1}(y)` = ``kernel(*parameters(n), y)`` of a hazard family.

    The same call as the family's (or the scenario's) own numeric inverse (a family's
    parameters are converted to floats once).  :meth:`from_negated` evaluates the three
    kernels of :mod:`supercoherence.theory.hazard` in place, from :math:`-y`, with their
    floating-point operations (signs moved only where rounding is symmetric), so the
    tenures are bit-identical to the kernel's; ``tests/models/test_engine_sampling.py``
    checks this against the kernels.
    """

    def __init__(
        self,
        kernel: Callable[..., Any],
        parameters: tuple[float, float] | Callable[[int], tuple[Any, Any]],
    ) -> None:
        self.kernel = kernel
        # (h, shape) of every level, or a (picklable) function of the level
        self.parameters = parameters
        self._fixed = None
        if isinstance(parameters, tuple):
            self._fixed = (*parameters, _in_place_kernel(kernel, *parameters))

    def _level(self, n: int) -> tuple[Any, Any, Any]:
        """``(h, shape, in-place kernel or None)`` of level ``n``."""
        if self._fixed is not None:
            return self._fixed
        h, shape = self.parameters(n)
        return h, shape, _in_place_kernel(self.kernel, h, shape)

    def __call__(self, n: int, y: np.ndarray) -> np.ndarray:
        h, shape, _ = self._level(n)
        return self.kernel(h, shape, y)

    def from_negated(self, n: int, minus: np.ndarray, lowest: float | None = None) -> bool:
        r"""Overwrite ``minus`` = :math:`-y` with :math:`\Lambda_n^{-1}(y)`; False (and
        ``minus`` untouched) if this kernel or level has no in-place form.  ``lowest``,
        if given, is ``minus.min()`` (it spares the kernel a pass over ``minus``)."""
        fused = self._level(n)[2]
        if fused is None:
            return False
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            fused(minus, lowest)
        return True


def _family_inverse(family: Any, n: int, y: np.ndarray) -> np.ndarray:
    r""":math:`\Lambda^{-1}(y)` of a hazard family, the same at every level ``n``."""
    return family.inverse_cumulative_numeric(y)


def _scenario_level(scenario: Any, n: int) -> tuple[Any, Any]:
    """The arguments ``inverse_cumulative_hazard(n, .)`` hands its family's kernel."""
    return scenario.hazard_scale(n), scenario.shape_at(n)


def _in_place_kernel(kernel: Callable[..., Any], h: Any, shape: Any) -> Any:
    """The in-place form of a named family's kernel at one level (None: no such form)."""
    from supercoherence.theory.hazard import ConstantHazard, EntrenchmentHazard, PowerHazard

    h, shape = float(h), float(shape)
    if not h > 0 or not np.isfinite(h):
        return None  # h = 0 (never overthrown): the kernel's own inf
    if kernel is ConstantHazard.inverse_kernel:
        return functools.partial(_constant_from_negated, h)
    if kernel is EntrenchmentHazard.inverse_kernel and shape > 0:
        return functools.partial(_entrenchment_from_negated, h, shape)
    if kernel is PowerHazard.inverse_kernel and shape > 0:
        return functools.partial(_power_from_negated, h, shape)
    return None


def _constant_from_negated(h: float, z: np.ndarray, lowest: float | None = None) -> None:
    """``constant_inverse(h, -z)`` = (-z)/h = z/(-h), into ``z`` (``lowest``: unused)."""
    np.divide(z, -h, out=z)


def _entrenchment_from_negated(
    h: float, delta: float, z: np.ndarray, lowest: float | None = None
) -> None:
    """``entrenchment_inverse(h, delta, y)`` into ``z = -y``.

    The kernel: x = (y delta)/h, -log1p(-x)/delta, inf where x >= 1.  Here
    z delta = -(y delta), z/h = -x, log1p(-x), divided by -delta; x = 1 gives
    log1p(-1) = -inf, i.e. +inf as in the kernel, and x > 1 is set to inf.  Division
    by h = 1 is exact, so it is skipped.  ``lowest`` = ``z.min()`` on entry, if known:
    rounded multiplication and division by positive numbers are monotone, so the
    minimum after them is ``lowest`` put through the same two operations.
    """
    np.multiply(z, delta, out=z)
    if h != 1.0:
        np.divide(z, h, out=z)
    if lowest is not None:
        lowest = np.float64(lowest) * delta
        lowest = lowest / h if h != 1.0 else lowest
    elif z.size:
        lowest = z.min()
    beyond = np.less(z, -1.0) if z.size and lowest < -1.0 else None
    np.log1p(z, out=z)
    np.divide(z, -delta, out=z)
    if beyond is not None:
        z[beyond] = np.inf


def _power_from_negated(h: float, beta: float, z: np.ndarray, lowest: float | None = None) -> None:
    """``power_inverse(h, beta, y)`` into ``z = -y``.

    The kernel: expm1(y/h) for beta = 1, else x = (y (1 - beta))/h,
    expm1(log1p(x)/(1 - beta)), inf where x <= -1.  Here z/(-h) = y/h and
    z (-(1 - beta)) = y (1 - beta).  Division by h = 1 is exact, so it is skipped;
    ``lowest`` is unused (the factor -(1 - beta) may be negative).
    """
    if beta == 1:
        np.divide(z, -h, out=z)
        np.expm1(z, out=z)
        return
    one_minus = 1.0 - beta
    np.multiply(z, -one_minus, out=z)
    if h != 1.0:  # division by 1 is exact
        np.divide(z, h, out=z)
    beyond = np.less_equal(z, -1.0) if z.size and z.min() <= -1.0 else None
    np.log1p(z, out=z)
    np.divide(z, one_minus, out=z)
    np.expm1(z, out=z)
    if beyond is not None:
        z[beyond] = np.inf
