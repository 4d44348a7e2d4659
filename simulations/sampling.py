"""Parameter grids, distributions and designs: the *sample* stage of a study.

A parameter is fixed, a grid or a distribution.  Grids combine as a full factorial
product (the first parameter of the file varies slowest).  Distributions are sampled
jointly by a design on the unit hypercube ``[0, 1]^D`` and mapped through each
distribution's quantile function ``F^{-1}(u)``:

``factorial``
    ``samples`` levels per distribution at the mid-quantiles ``(i + 1/2) / samples``,
    combined as a full product (``samples^D`` points).
``random``
    Independent uniforms (plain Monte Carlo).
``lhs``
    Latin hypercube (``scipy.stats.qmc.LatinHypercube``): each one-dimensional
    projection has exactly one point in each of ``samples`` equal strata.
``sobol``
    Scrambled Sobol' low-discrepancy sequence (``scipy.stats.qmc.Sobol``); ``samples``
    must be a power of two to keep its balance properties.
``saltelli``
    Saltelli's cross-sampling scheme (``SALib.sample.sobol``): ``samples * (D + 2)``
    points, which allow first- and total-order Sobol indices [1]_.

The sampled points, grid points and fixed values are combined as ``grid x sampled``.
The design's own randomness comes from the study seed through a dedicated
``SeedSequence`` child, so the points are a pure function of the study file.

References
----------
.. [1] A. Saltelli et al., Variance based sensitivity analysis of model output. Design
   and estimator for the total sensitivity index, Comput. Phys. Commun. 181 (2010).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from supercoherence.errors import ParameterError
from supercoherence.randomness import as_generator, design_seed

__all__ = [
    "DESIGNS",
    "DISTRIBUTIONS",
    "ParameterSpec",
    "design_points",
    "parse_parameter",
    "unit_sample",
]

DESIGNS = ("factorial", "random", "lhs", "sobol", "saltelli")

#: distribution name -> (required arguments, optional arguments with defaults)
DISTRIBUTIONS: dict[str, tuple[tuple[str, ...], dict[str, float]]] = {
    "uniform": (("low", "high"), {}),
    "loguniform": (("low", "high"), {}),
    "beta": (("a", "b"), {"low": 0.0, "high": 1.0}),
    "normal": (("mean", "sd"), {}),
}

#: Largest grid (values, linspace or logspace num) of one parameter.
MAX_GRID = 100_000
_EDGE = 1e-12  # keeps quantile functions of unbounded laws finite at u = 0, 1


@dataclass(frozen=True)
class ParameterSpec:
    """One parameter of a study: fixed, grid or distribution.

    Parameters
    ----------
    name : str
        Parameter name.
    kind : {"fixed", "grid", "distribution"}
    values : tuple
        The fixed value (one element) or the grid values.
    distribution : str, optional
        Name of the distribution (kind ``"distribution"``).
    args : dict
        Its arguments.

    Examples
    --------
    >>> spec = parse_parameter("detection", {"distribution": "uniform", "low": 0.2, "high": 0.4})
    >>> spec.quantile(np.array([0.0, 0.5, 1.0])).tolist()
    [0.2, 0.30000000000000004, 0.4]
    """

    name: str
    kind: str
    values: tuple = ()
    distribution: str | None = None
    args: dict[str, float] = field(default_factory=dict)

    @property
    def is_fixed(self) -> bool:
        """True for a fixed value."""
        return self.kind == "fixed"

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """Map uniforms ``u`` in [0, 1] through the distribution's quantile function."""
        a = self.args
        u = np.asarray(u, dtype=float)
        if self.distribution == "uniform":
            return a["low"] + (a["high"] - a["low"]) * u
        if self.distribution == "loguniform":
            lo, hi = math.log(a["low"]), math.log(a["high"])
            return np.exp(lo + (hi - lo) * u)
        if self.distribution == "beta":
            from scipy import stats  # scipy loads only for the laws that need it

            x = stats.beta(a["a"], a["b"]).ppf(u)
            return a["low"] + (a["high"] - a["low"]) * x
        if self.distribution == "normal":
            from scipy import stats

            return stats.norm(a["mean"], a["sd"]).ppf(np.clip(u, _EDGE, 1 - _EDGE))
        raise ParameterError(self.name, self.distribution, f"one of {list(DISTRIBUTIONS)}")


def parse_parameter(name: str, raw: Any) -> ParameterSpec:
    """Build a :class:`ParameterSpec` from its study-file form.

    Parameters
    ----------
    name : str
        Parameter name.
    raw : number, str, bool or table
        A fixed value, or a table with exactly one of ``values``, ``linspace``,
        ``logspace``, ``distribution``.

    Raises
    ------
    ParameterError
        ``reason`` states the problem (empty grid, wrong type, bad bounds, ...).

    Examples
    --------
    >>> parse_parameter("entrenchment", {"linspace": [0.5, 2.0, 4]}).values
    (0.5, 1.0, 1.5, 2.0)
    >>> parse_parameter("detection", {"logspace": [-2, 0, 3]}).values
    (0.01, 0.1, 1.0)
    >>> parse_parameter("hazard", "constant").kind
    'fixed'
    >>> parse_parameter("drift", {"values": []})
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: drift = {'values': []} is out of range: ... (empty grid)
    """
    if isinstance(raw, bool | int | float | str):
        return ParameterSpec(name, "fixed", (raw,))
    if not isinstance(raw, Mapping):
        raise ParameterError(name, raw, "a value or a table", f"wrong type {type(raw).__name__}")
    forms = [key for key in ("values", "linspace", "logspace", "distribution") if key in raw]
    if len(forms) != 1:
        raise ParameterError(
            name,
            raw,
            "one of values, linspace, logspace, distribution",
            "give exactly one of values, linspace, logspace, distribution",
        )
    form = forms[0]
    if form == "distribution":
        return _parse_distribution(name, raw)
    extra = set(raw) - {form}
    if extra:
        raise ParameterError(name, raw, f"only {form!r}", f"unknown key {sorted(extra)[0]!r}")
    value = raw[form]
    if form == "values":
        if not isinstance(value, list) or not value:
            raise ParameterError(name, raw, "a non-empty list", "empty grid")
        if len(value) > MAX_GRID:
            raise ParameterError(
                name, f"{len(value)} values", f"at most {MAX_GRID} values", "grid too large"
            )
        for item in value:
            if not isinstance(item, bool | int | float | str):
                raise ParameterError(name, item, "numbers or strings", "wrong type in values")
        return ParameterSpec(name, "grid", tuple(value))
    if not (isinstance(value, list) and len(value) == 3):
        raise ParameterError(name, raw, "[start, stop, num]", f"{form} needs [start, stop, num]")
    start, stop, num = value
    if isinstance(num, bool) or not isinstance(num, int) or num < 1:
        raise ParameterError(name, raw, "num >= 1", f"empty grid: {form} num must be an int >= 1")
    if num > MAX_GRID:
        raise ParameterError(
            name,
            raw,
            f"num in [1, {MAX_GRID}]",
            f"{form} num = {num} is too large: allowed [1, {MAX_GRID}]",
        )
    bound = 300.0 if form == "logspace" else 1e300
    for label, end in (("start", start), ("stop", stop)):
        if isinstance(end, bool) or not isinstance(end, int | float) or not abs(end) <= bound:
            raise ParameterError(
                name,
                raw,
                f"finite numbers in [-{bound:g}, {bound:g}]",
                f"{form} {label} must be a number in [-{bound:g}, {bound:g}], got {end!r}",
            )
    grid = np.linspace(start, stop, num) if form == "linspace" else np.logspace(start, stop, num)
    return ParameterSpec(name, "grid", tuple(float(x) for x in grid))


def _parse_distribution(name: str, raw: Mapping[str, Any]) -> ParameterSpec:
    dist = raw["distribution"]
    if dist not in DISTRIBUTIONS:
        from supercoherence.simulations.study import suggestion

        raise ParameterError(
            name,
            dist,
            f"one of {list(DISTRIBUTIONS)}",
            f"unknown distribution {dist!r}{suggestion(dist, DISTRIBUTIONS)}",
        )
    required, optional = DISTRIBUTIONS[dist]
    args = dict(optional)
    for key, value in raw.items():
        if key == "distribution":
            continue
        if key not in required and key not in optional:
            raise ParameterError(
                name,
                raw,
                f"arguments {list(required) + list(optional)}",
                f"unknown argument {key!r} of {dist}",
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParameterError(name, value, "a number", f"wrong type for {key}")
        if not abs(value) <= 1e300:
            raise ParameterError(name, value, "a finite number", f"{key} must be finite")
        args[key] = float(value)
    missing = [key for key in required if key not in args]
    if missing:
        raise ParameterError(name, raw, f"arguments {list(required)}", f"missing {missing[0]!r}")
    if "low" in args and not args["low"] < args["high"]:
        raise ParameterError(name, raw, "low < high", "needs low < high")
    if dist == "loguniform" and args["low"] <= 0:
        raise ParameterError(name, raw, "low > 0", "loguniform needs low > 0")
    for key in ("a", "b", "sd"):
        if key in args and args[key] <= 0:
            raise ParameterError(name, raw, f"{key} > 0", f"{dist} needs {key} > 0")
    return ParameterSpec(name, "distribution", (), dist, args)


def unit_sample(design: str, dimension: int, samples: int, seed: int) -> np.ndarray:
    """Points of ``design`` in the unit hypercube, shape ``(n, dimension)``.

    Parameters
    ----------
    design : str
        One of :data:`DESIGNS`.
    dimension : int
        Number of sampled parameters ``D >= 1``.
    samples : int
        Levels (factorial), points (random, lhs, sobol) or base size N (saltelli).
    seed : int
        Study seed; the design uses its own child stream.

    Raises
    ------
    ParameterError
        ``samples`` not a power of two for ``sobol``; unknown design.

    Examples
    --------
    >>> unit_sample("factorial", 2, 2, 0).tolist()
    [[0.25, 0.25], [0.25, 0.75], [0.75, 0.25], [0.75, 0.75]]
    >>> u = unit_sample("lhs", 1, 4, 0)
    >>> sorted(np.floor(u[:, 0] * 4).astype(int).tolist())
    [0, 1, 2, 3]
    >>> unit_sample("saltelli", 2, 4, 0).shape
    (16, 2)
    """
    gen = as_generator(design_seed(seed))
    if design == "factorial":
        levels = (np.arange(samples) + 0.5) / samples
        return np.array(list(itertools.product(levels, repeat=dimension)), dtype=float)
    if design == "random":
        return gen.random((samples, dimension))
    if design in ("lhs", "sobol"):
        from scipy.stats import qmc
    if design == "lhs":
        return qmc.LatinHypercube(d=dimension, rng=gen).random(samples)
    if design == "sobol":
        if samples & (samples - 1):
            raise ParameterError("samples", samples, "a power of two", "Sobol' design")
        return qmc.Sobol(d=dimension, scramble=True, rng=gen).random(samples)
    if design == "saltelli":
        from SALib.sample import sobol as salib_sobol

        problem = {
            "num_vars": dimension,
            "names": [f"x{i}" for i in range(dimension)],
            "bounds": [[0.0, 1.0]] * dimension,
        }
        seed_int = int(gen.integers(2**31))
        return salib_sobol.sample(problem, samples, calc_second_order=False, seed=seed_int)
    raise ParameterError("design", design, f"one of {list(DESIGNS)}")


def design_points(
    parameters: Mapping[str, ParameterSpec],
    *,
    design: str = "factorial",
    samples: int = 8,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """All parameter points of a study: ``grid product x sampled design``, fixed added.

    Parameters
    ----------
    parameters : mapping of str to ParameterSpec
        In file order.
    design, samples, seed
        See :func:`unit_sample`; ignored when nothing is sampled.

    Returns
    -------
    list of dict
        One dict per point, keys in file order, plain Python numbers and strings.

    Examples
    --------
    >>> specs = {"spawn_rate": parse_parameter("spawn_rate", {"values": [1, 2]}),
    ...          "hazard": parse_parameter("hazard", "constant")}
    >>> design_points(specs)
    [{'spawn_rate': 1, 'hazard': 'constant'}, {'spawn_rate': 2, 'hazard': 'constant'}]
    """
    grid_names = [n for n, s in parameters.items() if s.kind == "grid"]
    dist_names = [n for n, s in parameters.items() if s.kind == "distribution"]
    grid_rows = list(itertools.product(*(parameters[n].values for n in grid_names)))
    if dist_names:
        unit = unit_sample(design, len(dist_names), samples, seed)
        columns = [parameters[n].quantile(unit[:, i]) for i, n in enumerate(dist_names)]
        sampled_rows = [tuple(float(col[j]) for col in columns) for j in range(unit.shape[0])]
    else:
        sampled_rows = [()]
    points = []
    for grid_row in grid_rows:
        for sampled_row in sampled_rows:
            chosen = dict(zip(grid_names, grid_row, strict=True))
            chosen.update(zip(dist_names, sampled_row, strict=True))
            points.append(
                {n: chosen[n] if n in chosen else s.values[0] for n, s in parameters.items()}
            )
    return points
