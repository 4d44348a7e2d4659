"""Study files: parsing and validation of the TOML that describes a Monte Carlo study.

A study is the product of three tables:

``[study]``
    ``name``, ``engine`` (``chain``, ``abm``, ``competition``), ``replicates`` per
    parameter point, ``horizon`` (a time, or ``inf``), ``seed``, ``chunk`` (replicates
    per seed unit: the fixed grid on which random streams are keyed), ``design`` and
    ``samples`` (how distributions are sampled), ``description``.
``[engine]``
    Keyword options of the engine (``max_takeovers``, ``nesting``, ...).
``[parameters]``
    One entry per model parameter: a fixed value, a grid (``{values = [...]}``,
    ``{linspace = [lo, hi, n]}``, ``{logspace = [lo_exp, hi_exp, n]}`` in base 10), or
    a distribution (``{distribution = "uniform", low = .., high = ..}``, see
    :mod:`supercoherence.simulations.sampling`).
``[outputs]``
    ``estimands`` (see :mod:`supercoherence.simulations.estimands`), the ``times`` at
    which time-indexed estimands are evaluated, the ``counts`` k of the law of N,
    ``boundary`` (classification beside estimate), ``sensitivity`` (Sobol indices),
    ``timeseries`` (ABM), and ``figures`` / ``graphs`` to export.

Every problem is reported as :class:`~supercoherence.errors.StudyFileError` naming the
file, the dotted key and the problem, with a did-you-mean for misspelt keys.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supercoherence.errors import ParameterError, StudyFileError, did_you_mean
from supercoherence.simulations.engines import ENGINES, get_engine
from supercoherence.simulations.estimands import ESTIMANDS
from supercoherence.simulations.sampling import (
    DESIGNS,
    ParameterSpec,
    design_points,
    parse_parameter,
)

__all__ = ["Outputs", "Study", "load_study", "parse_study", "suggestion"]

_STUDY_KEYS = {
    "name": str,
    "description": str,
    "engine": str,
    "replicates": int,
    "horizon": (int, float),
    "seed": int,
    "chunk": int,
    "design": str,
    "samples": int,
}
_OUTPUT_KEYS = {
    "estimands": list,
    "times": list,
    "counts": list,
    "boundary": bool,
    "sensitivity": list,
    "timeseries": bool,
    "figures": list,
    "graphs": list,
}
_TABLES = ("study", "engine", "parameters", "outputs")
_DEFAULT_CHUNK = 10_000


def suggestion(word: str, choices) -> str:
    """A ``" (did you mean 'x'?)"`` suffix for error messages, or ``""``.

    Examples
    --------
    >>> suggestion("detectoin", ["detection", "drift"])
    " (did you mean 'detection'?)"
    >>> suggestion("zzz", ["detection"])
    ''
    """
    hint = did_you_mean(str(word), [str(c) for c in choices])
    return f" ({hint})" if hint else ""


@dataclass(frozen=True)
class Outputs:
    """What a study reports.

    Parameters
    ----------
    estimands : tuple of str
        Estimand names (keys of :data:`~supercoherence.simulations.estimands.ESTIMANDS`).
    times : tuple of float
        Times t of the time-indexed estimands (``survival``).
    counts : tuple of int
        Values k of the law of N (``law_of_n``).
    boundary, timeseries : bool
        Whether to write ``boundary.parquet`` / ``timeseries.parquet``.
    sensitivity : tuple of str
        Estimands whose Sobol indices to compute (needs ``design = "saltelli"``).
    figures, graphs : tuple of str
        Figures and graphs to export (read by the report tools).

    Examples
    --------
    >>> Outputs(estimands=("mean_takeovers",)).times
    ()
    """

    estimands: tuple[str, ...]
    times: tuple[float, ...] = ()
    counts: tuple[int, ...] = ()
    boundary: bool = False
    sensitivity: tuple[str, ...] = ()
    timeseries: bool = False
    figures: tuple[str, ...] = ()
    graphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Study:
    """A validated study (see the module docstring for the file format).

    Use :func:`load_study` or :func:`parse_study` to build one.

    Attributes
    ----------
    points : list of dict
        The parameter points (one dict of parameter values per point), in order.

    Examples
    --------
    >>> study = parse_study({"study": {"name": "tiny", "engine": "chain",
    ...     "replicates": 100, "seed": 1}, "parameters": {"spawn_rate": {"values": [1, 2]}},
    ...     "outputs": {"estimands": ["mean_takeovers"]}}, check_points=False)
    >>> len(study.points), study.chunk
    (2, 100)
    """

    name: str
    engine: str
    replicates: int
    horizon: float
    seed: int
    chunk: int
    design: str
    samples: int
    parameters: dict[str, ParameterSpec]
    outputs: Outputs
    engine_options: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    source: str = "<dict>"
    text: str = ""
    points: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def n_chunks(self) -> int:
        """Number of seed units per point: ``ceil(replicates / chunk)``."""
        return -(-self.replicates // self.chunk)

    def chunk_sizes(self) -> list[int]:
        """Replicates in each chunk of one point (all ``chunk`` but the last).

        Examples
        --------
        >>> s = parse_study({"study": {"name": "x", "engine": "chain", "replicates": 25,
        ...     "chunk": 10, "seed": 0}, "outputs": {"estimands": ["mean_takeovers"]}},
        ...     check_points=False)
        >>> s.chunk_sizes()
        [10, 10, 5]
        """
        sizes = [self.chunk] * (self.replicates // self.chunk)
        if self.replicates % self.chunk:
            sizes.append(self.replicates % self.chunk)
        return sizes

    @property
    def varied(self) -> list[str]:
        """Names of the parameters that vary between points."""
        return [name for name, spec in self.parameters.items() if not spec.is_fixed]

    def fingerprint(self) -> str:
        """SHA-256 of everything that determines the numbers (not name or figures).

        Stored results are reused only by a study with the same fingerprint.
        """
        content = {
            "engine": self.engine,
            "options": self.engine_options,
            "replicates": self.replicates,
            "horizon": repr(self.horizon),
            "seed": self.seed,
            "chunk": self.chunk,
            "points": self.points,
            "estimands": self.outputs.estimands,
            "times": self.outputs.times,
            "counts": self.outputs.counts,
            "timeseries": self.outputs.timeseries,
        }
        text = json.dumps(content, sort_keys=True, default=repr)
        return hashlib.sha256(text.encode()).hexdigest()


def load_study(path: str | Path, *, check_points: bool = True) -> Study:
    """Read and validate a study file.

    Parameters
    ----------
    path : str or Path
        The TOML file, or the name of a shipped study (``"dichotomy"``).
    check_points : bool
        Also check every parameter point against the engine's ranges.

    Returns
    -------
    Study

    Raises
    ------
    StudyFileError
        If the file is missing, is not TOML, or any key is invalid; the message names
        the file, the key and the problem.

    Examples
    --------
    >>> study = load_study("dichotomy")
    >>> study.name, study.engine
    ('dichotomy', 'chain')
    """
    resolved = _resolve(path)
    try:
        text = resolved.read_text(encoding="utf-8")
    except OSError as exc:
        raise StudyFileError(resolved, "", f"cannot read the file ({exc.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StudyFileError(resolved, "", f"not valid TOML: {exc}") from None
    return parse_study(data, source=str(resolved), text=text, check_points=check_points)


def _resolve(path: str | Path) -> Path:
    candidate = Path(path)
    if candidate.exists() or candidate.suffix == ".toml" or len(candidate.parts) > 1:
        return candidate
    from supercoherence.studies import study_path

    try:
        return study_path(str(path))
    except KeyError:
        return candidate


def parse_study(
    data: Mapping[str, Any], *, source: str = "<dict>", text: str = "", check_points: bool = True
) -> Study:
    """Validate a parsed study mapping (the TOML as a dict) and build a :class:`Study`.

    Parameters
    ----------
    data : mapping
        The tables ``study``, ``engine``, ``parameters``, ``outputs``.
    source : str
        File name used in error messages.
    text : str
        The file's text, kept for the copy stored beside the results.
    check_points : bool
        Check each parameter point with the engine (builds the model objects).

    Raises
    ------
    StudyFileError
        On any invalid key or value.

    Examples
    --------
    >>> parse_study({"study": {"name": "x", "engine": "chian"}})
    Traceback (most recent call last):
    ...
    supercoherence.errors.StudyFileError: <dict>: study.engine: ... (did you mean 'chain'?)
    """
    _check_keys(source, "", data, _TABLES)
    table = _table(source, data, "study")
    _check_keys(source, "study", table, _STUDY_KEYS)
    for key, kind in _STUDY_KEYS.items():
        if key in table:
            _check_type(source, f"study.{key}", table[key], kind)
    for key in ("name", "engine"):
        if key not in table:
            raise StudyFileError(source, f"study.{key}", "missing (required)")
    engine_name = table["engine"]
    if engine_name not in ENGINES:
        raise StudyFileError(
            source,
            "study.engine",
            f"unknown engine {engine_name!r}{suggestion(engine_name, ENGINES)}",
        )
    engine = get_engine(engine_name)
    replicates = _positive(source, "study.replicates", table.get("replicates", 1000))
    chunk = _positive(source, "study.chunk", table.get("chunk", min(replicates, _DEFAULT_CHUNK)))
    seed = table.get("seed", 0)
    if seed < 0:
        raise StudyFileError(source, "study.seed", f"must be >= 0, got {seed}")
    horizon = float(table.get("horizon", engine.default_horizon))
    if not horizon > 0:
        raise StudyFileError(source, "study.horizon", f"must be > 0 (or inf), got {horizon}")
    if math.isinf(horizon) and not engine.allows_infinite_horizon:
        raise StudyFileError(
            source, "study.horizon", f"engine {engine_name!r} needs a finite horizon"
        )
    design = table.get("design", "factorial")
    if design not in DESIGNS:
        raise StudyFileError(
            source, "study.design", f"unknown design {design!r}{suggestion(design, DESIGNS)}"
        )
    samples = _positive(source, "study.samples", table.get("samples", 8))

    if engine.integer_horizon and horizon != int(horizon):
        raise StudyFileError(
            source,
            "study.horizon",
            f"engine {engine_name!r} counts steps: needs a whole number, got {horizon}",
        )
    options = _parse_options(source, _table(source, data, "engine"), engine)

    parameters = _parse_parameters(source, _table(source, data, "parameters"), engine)
    outputs = _parse_outputs(source, _table(source, data, "outputs"), engine, horizon, design)
    try:
        points = design_points(parameters, design=design, samples=samples, seed=seed)
    except ParameterError as exc:
        key = "study.samples" if exc.name == "samples" else f"parameters.{exc.name}"
        raise StudyFileError(source, key, str(exc)) from None
    if outputs.sensitivity and any(spec.kind == "grid" for spec in parameters.values()):
        raise StudyFileError(
            source, "outputs.sensitivity", "Sobol indices need sampled parameters only (no grids)"
        )
    study = Study(
        name=table["name"],
        engine=engine_name,
        replicates=replicates,
        horizon=horizon,
        seed=seed,
        chunk=min(chunk, replicates),
        design=design,
        samples=samples,
        parameters=parameters,
        outputs=outputs,
        engine_options=options,
        description=table.get("description", ""),
        source=source,
        text=text,
        points=points,
    )
    if check_points:
        for point in points:
            try:
                engine.check_point(point)
            except ParameterError as exc:
                raise StudyFileError(source, f"parameters.{exc.name}", str(exc)) from None
    return study


def _parse_options(source: str, table: Mapping[str, Any], engine) -> dict[str, Any]:
    _check_keys(source, "engine", table, engine.options)
    for key, value in table.items():
        _check_type(source, f"engine.{key}", value, engine.options[key])
    base = Path(source).parent if source != "<dict>" else Path.cwd()
    try:
        return engine.normalise_options(dict(table), base=base)
    except ParameterError as exc:
        raise StudyFileError(source, f"engine.{exc.name}", str(exc)) from None


def _parse_parameters(source: str, table: Mapping[str, Any], engine) -> dict[str, ParameterSpec]:
    allowed = engine.parameter_names()
    specs = {}
    for name, raw in table.items():
        if name not in allowed:
            raise StudyFileError(
                source,
                f"parameters.{name}",
                f"unknown parameter for engine {engine.name!r}{suggestion(name, allowed)}",
            )
        try:
            specs[name] = parse_parameter(name, raw)
        except ParameterError as exc:
            raise StudyFileError(source, f"parameters.{name}", exc.reason or str(exc)) from None
    return specs


def _parse_outputs(source: str, table: Mapping[str, Any], engine, horizon: float, design: str):
    _check_keys(source, "outputs", table, _OUTPUT_KEYS)
    for key, kind in _OUTPUT_KEYS.items():
        if key in table:
            _check_type(source, f"outputs.{key}", table[key], kind)
    estimands = tuple(table.get("estimands", engine.default_estimands))
    if not estimands:
        raise StudyFileError(source, "outputs.estimands", "empty: name at least one estimand")
    for name in estimands:
        if name not in ESTIMANDS:
            raise StudyFileError(
                source,
                "outputs.estimands",
                f"unknown estimand {name!r}{suggestion(name, ESTIMANDS)}",
            )
        if name not in engine.estimands:
            raise StudyFileError(
                source,
                "outputs.estimands",
                f"estimand {name!r} is not produced by engine {engine.name!r} "
                f"(it gives {', '.join(engine.estimands)})",
            )
    times = tuple(_numbers(source, "outputs.times", table.get("times", [])))
    for t in times:
        if not 0 <= t <= horizon:
            raise StudyFileError(
                source, "outputs.times", f"time {t} is outside [0, horizon={horizon}]"
            )
    for name in estimands:
        if ESTIMANDS[name].at == "time" and not times:
            raise StudyFileError(source, "outputs.times", f"estimand {name!r} needs times = [...]")
    counts = tuple(
        int(k) for k in _numbers(source, "outputs.counts", table.get("counts", [0, 1, 2]))
    )
    if any(k < 0 for k in counts):
        raise StudyFileError(source, "outputs.counts", "counts k must be >= 0")
    if table.get("timeseries", False) and not engine.timeseries:
        raise StudyFileError(
            source,
            "outputs.timeseries",
            f"engine {engine.name!r} has no per-step time series (only 'abm' has)",
        )
    sensitivity = tuple(table.get("sensitivity", []))
    for name in sensitivity:
        if name not in estimands:
            raise StudyFileError(
                source, "outputs.sensitivity", f"{name!r} is not among outputs.estimands"
            )
    if sensitivity and design != "saltelli":
        raise StudyFileError(
            source, "outputs.sensitivity", "Sobol indices need study.design = 'saltelli'"
        )
    return Outputs(
        estimands=estimands,
        times=times,
        counts=counts,
        boundary=bool(table.get("boundary", False)),
        sensitivity=sensitivity,
        timeseries=bool(table.get("timeseries", False)),
        figures=tuple(str(f) for f in table.get("figures", [])),
        graphs=tuple(str(g) for g in table.get("graphs", [])),
    )


def _table(source: str, data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise StudyFileError(source, key, f"must be a table, got {type(value).__name__}")
    return value


def _check_keys(source: str, prefix: str, table: Mapping[str, Any], allowed) -> None:
    for key in table:
        if key not in allowed:
            where = f"{prefix}.{key}" if prefix else key
            hint = suggestion(key, allowed) or f" (allowed: {', '.join(allowed)})"
            raise StudyFileError(source, where, f"unknown key{hint}")


def _check_type(source: str, key: str, value: Any, kind) -> None:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    if not ok:
        names = " or ".join(k.__name__ for k in kinds)
        raise StudyFileError(source, key, f"wrong type: expected {names}, got {value!r}")


def _positive(source: str, key: str, value: Any) -> int:
    _check_type(source, key, value, int)
    if value < 1:
        raise StudyFileError(source, key, f"must be >= 1, got {value}")
    return int(value)


def _numbers(source: str, key: str, values: list) -> list[float]:
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise StudyFileError(source, key, f"wrong type: expected numbers, got {value!r}")
    return [float(v) if isinstance(v, float) else v for v in values]
