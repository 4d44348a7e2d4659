r"""Mergeable sufficient statistics of a sample: :math:`(n, \sum x, \sum x^2)`.

The one accumulator behind every Monte Carlo estimate of the package: the engine's
:class:`~supercoherence.models.engine.ChainSummary`, the study units of
:func:`supercoherence.simulations.estimands.statistics` and the intervals of
:mod:`supercoherence.simulations.analysis` all reduce a sample to these three numbers
and read the mean and its standard error with :func:`mean_and_error`.

With :math:`\bar x = S_1/n` the unbiased variance is
:math:`s^2 = \max(S_2 - n\bar x^2, 0)/(n - 1)` and the standard error
:math:`s/\sqrt n` (NaN for :math:`n < 2`).  Two samples merge by adding their
statistics; adding in a fixed order gives the same floating-point sums however the
sample was split among workers.

**No BLAS on the hot path.**  :func:`sum_of_squares` is ``numpy.einsum("i,i->")``,
a single-threaded loop: ``numpy.dot(x, x)`` of a long 1-d array calls the
multithreaded BLAS, whose helper threads then spin on another core after every call, so
two worker processes needed four cores (issue 12 measured a 3.4x slow-down).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Moments", "mean_and_error", "sum_of_squares", "weighted_sum"]


def sum_of_squares(x: np.ndarray) -> float:
    r""":math:`\sum_i x_i^2` of a 1-d array, in one thread (never BLAS).

    Examples
    --------
    >>> sum_of_squares(np.array([1.0, 2.0, 3.0]))
    14.0
    """
    x = np.asarray(x, dtype=float)
    return float(np.einsum("i,i->", x, x))


def weighted_sum(weights: np.ndarray, x: np.ndarray) -> float:
    r""":math:`\sum_i w_i x_i` of two 1-d arrays, in one thread (never BLAS).

    Examples
    --------
    >>> weighted_sum(np.array([1, 2]), np.array([0.5, 0.25]))
    1.0
    """
    return float(np.einsum("i,i->", np.asarray(weights, float), np.asarray(x, float)))


def mean_and_error(n, total, total_sq):
    r"""Mean and standard error :math:`s/\sqrt n` from :math:`(n, S_1, S_2)` (vectorised).

    Returns
    -------
    (mean, std_error) : tuple of numpy.ndarray
        NaN standard error when ``n < 2``.

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 3.0, 4.0])
    >>> mean, se = mean_and_error(4, x.sum(), sum_of_squares(x))
    >>> float(mean), round(float(se), 6)
    (2.5, 0.645497)
    """
    n = np.asarray(n, dtype=float)
    total = np.asarray(total, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        variance = np.maximum(np.asarray(total_sq, dtype=float) - n * mean * mean, 0.0) / (n - 1)
        se = np.where(n >= 2, np.sqrt(variance / n), np.nan)
    return mean, se


@dataclass
class Moments:
    r"""Running :math:`(n, \sum x, \sum x^2)` of a sample, filled chunk by chunk.

    Examples
    --------
    >>> m = Moments()
    >>> m.add(np.array([1.0, 2.0]))
    >>> m.add(np.array([3.0, 4.0]))
    >>> m.n, m.total, m.total_sq
    (4, 10.0, 30.0)
    >>> [round(float(v), 6) for v in m.mean_and_error()]
    [2.5, 0.645497]
    >>> m.merge(Moments(1, 5.0, 25.0)).n
    5
    """

    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0

    def add(self, values: np.ndarray) -> None:
        """Add the values of a 1-d array (NaN entries are left out).

        Indicators (a boolean array) are counted: their sums are exact integers, so
        this gives the same floating-point numbers as summing them as 0.0 and 1.0.
        """
        values = np.asarray(values)
        if values.dtype == np.bool_:
            hits = float(np.count_nonzero(values))
            self.n += int(values.size)
            self.total += hits
            self.total_sq += hits
            return
        values = values.astype(float, copy=False)
        finite = values[~np.isnan(values)] if np.isnan(values).any() else values
        self.n += int(finite.size)
        self.total += float(finite.sum())
        self.total_sq += sum_of_squares(finite)

    def add_counts(self, counts: np.ndarray) -> None:
        r"""Add a sample given as a histogram: ``counts[k]`` values equal to ``k``."""
        counts = np.asarray(counts)
        k = np.arange(counts.size, dtype=float)
        self.n += int(counts.sum())
        self.total += weighted_sum(counts, k)
        self.total_sq += weighted_sum(counts, k * k)

    def merge(self, other: Moments) -> Moments:
        """The statistics of both samples together."""
        return Moments(self.n + other.n, self.total + other.total, self.total_sq + other.total_sq)

    def mean_and_error(self) -> tuple[float, float]:
        """Mean and standard error (see :func:`mean_and_error`)."""
        mean, se = mean_and_error(self.n, self.total, self.total_sq)
        return float(mean), float(se)
