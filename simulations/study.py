"""Study files: parsing and validation of the TOML that describes a Monte Carlo study.

A study is the product of three tables:

``[study]``
    ``name``, ``engine`` (``chain``, ``abm``, ``competition``, ``selection``), ``replicates`` per
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

from supercoherence.deprecation import warn_renamed
from supercoherence.errors import ParameterError, StudyFileError, did_you_mean
from supercoherence.simulations.engines import ENGINES, Engine, get_engine
from supercoherence.simulations.estimands import DEPRECATED_ESTIMANDS, ESTIMANDS
from supercoherence.simulations.sampling import (
    DESIGNS,
    ParameterSpec,
    design_points,
    parse_parameter,
)

__all__ = [
    "FIGURES",
    "LIMITS",
    "Outputs",
    "Study",
    "apply_overrides",
    "describe_changes",
    "load_study",
    "normalise_value",
    "parse_study",
    "suggestion",
    "to_toml",
]

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
    "events": bool,
    "events_horizon": (int, float),
    "verdict": (bool, dict),
}
_VERDICT_KEYS = {"pooled": bool, "bootstrap": int}
_TABLES = ("study", "engine", "parameters", "outputs")
_DEFAULT_CHUNK = 10_000

#: Size limits checked before anything is allocated or run (name -> largest value).
LIMITS = {
    "replicates": 10**9,  # per point
    "chunk": 10**6,  # replicates held in memory by one unit
    "points": 100_000,  # parameter points of a study
    "units": 10**6,  # points x chunks per point
    "total_replicates": 10**10,  # points x replicates
    "file_bytes": 10 * 2**20,  # size of a study file
    "list": 10_000,  # entries of outputs.times / outputs.counts
}


def normalise_value(value: Any) -> Any:
    """A value as the study's numbers see it: ``1`` and ``1.0`` are the same number.

    Integers and floats become floats (integers too large to be exact floats stay
    integers), booleans and strings are kept, lists and tables are normalised inside.

    Examples
    --------
    >>> normalise_value(1) == normalise_value(1.0), normalise_value(True), normalise_value("x")
    (True, True, 'x')
    >>> normalise_value({"b": [1, 2.5]})
    {'b': [1.0, 2.5]}
    """
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        as_float = float(value) if abs(value) < 2**1023 else None
        return as_float if as_float is not None and int(as_float) == value else value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, Mapping):
        return {str(k): normalise_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise_value(v) for v in value]
    return repr(value)


def describe_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """What differs between two study identities (see :meth:`Study.identity`), in words.

    Examples
    --------
    >>> a = {"replicates": 100.0, "points": [{"spawn_rate": 1.0}, {"spawn_rate": 2.0}]}
    >>> b = {"replicates": 200.0, "points": [{"spawn_rate": 1.0}, {"spawn_rate": 3.0}]}
    >>> describe_changes(a, b)
    'points: parameter spawn_rate [1.0, 2.0] -> [1.0, 3.0]; replicates: 100.0 -> 200.0'
    """
    changes = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key == "points" and isinstance(before, list) and isinstance(after, list):
            changes.append("points: " + _describe_points(before, after))
        else:
            changes.append(f"{key}: {_short(before)} -> {_short(after)}")
    return "; ".join(changes) or "nothing recorded differs"


def _describe_points(before: list, after: list) -> str:
    parts = []
    if len(before) != len(after):
        parts.append(f"{len(before)} -> {len(after)} points")
    names = list(dict.fromkeys([*(k for p in before for k in p), *(k for p in after for k in p)]))
    for name in names:
        old = list(dict.fromkeys(p.get(name) for p in before))
        new = list(dict.fromkeys(p.get(name) for p in after))
        if old != new:
            parts.append(f"parameter {name} {_short(old)} -> {_short(new)}")
    return ", ".join(parts) or "same values in another order"


def _short(value: Any, width: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


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
    events : bool
        Whether to store the per-level event table (``events.parquet``).
    events_horizon : float
        The horizon of the event table (the study horizon unless that is infinite;
        NaN without events).
    verdict : bool
        Whether to estimate the verdict per point from the event table
        (``verdict.parquet``, and beside the classification in ``boundary.parquet``).
    verdict_pooled : bool
        Treat the levels as alike in the verdict (one fit for all).
    verdict_bootstrap : int
        Bootstrap resamples of the verdict.

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
    events: bool = False
    events_horizon: float = math.nan
    verdict: bool = False
    verdict_pooled: bool = False
    verdict_bootstrap: int = 200


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

    def identity(self) -> dict[str, Any]:
        """Everything that determines the numbers (not name or figures), normalised.

        Numbers are compared as values (:func:`normalise_value`), so ``spawn_rate = 1``
        and ``spawn_rate = 1.0`` are the same study.

        Examples
        --------
        >>> data = lambda v: {"study": {"name": "x", "engine": "chain", "seed": 0},
        ...     "parameters": {"spawn_rate": v}, "outputs": {"estimands": ["mean_takeovers"]}}
        >>> one = parse_study(data(1), check_points=False)
        >>> one.fingerprint() == parse_study(data(1.0), check_points=False).fingerprint()
        True
        """
        # Under the names before issue 9's renames, so that stored results keep their
        # fingerprints (a study folder made before the renames resumes and verifies).
        old_parameter = {new: old for old, new in _deprecated_parameters().items()}
        old_estimand = {new: old for old, new in DEPRECATED_ESTIMANDS.items()}
        content = {
            "engine": self.engine,
            "options": self.engine_options,
            "replicates": self.replicates,
            "horizon": self.horizon,
            "seed": self.seed,
            "chunk": self.chunk,
            "points": [
                {old_parameter.get(k, k): v for k, v in point.items()} for point in self.points
            ],
            "estimands": [old_estimand.get(e, e) for e in self.outputs.estimands],
            "times": list(self.outputs.times),
            "counts": list(self.outputs.counts),
            "timeseries": self.outputs.timeseries,
        }
        if self.outputs.events:  # only then, so older studies keep their fingerprints
            content["events_horizon"] = self.outputs.events_horizon
        if self.shared_points():
            content["shared_points"] = "canonical"
        return normalise_value(content)

    def shared_points(self) -> dict[int, int]:
        """Points that are the same model as an earlier point: index -> that point's index.

        Two points are the same model when the engine's
        :meth:`~supercoherence.simulations.engines.Engine.canonical` forms are equal (a
        parameter the point's model ignores, such as ``entrenchment`` for a constant
        hazard, differs); such a point is simulated once, with the seeds of the first
        point of its group, and its numbers are shared.

        Examples
        --------
        >>> s = parse_study({"study": {"name": "x", "engine": "chain", "seed": 0},
        ...     "parameters": {"hazard": "constant", "entrenchment_rate": {"values": [1, 2]}},
        ...     "outputs": {"estimands": ["mean_takeovers"]}}, check_points=False)
        >>> s.shared_points()
        {1: 0}
        """
        engine = get_engine(self.engine)
        first: dict[str, int] = {}
        shared = {}
        for index, point in enumerate(self.points):
            key = json.dumps(normalise_value(engine.canonical(point)), sort_keys=True, default=repr)
            if key in first:
                shared[index] = first[key]
            else:
                first[key] = index
        return shared

    def fingerprint(self) -> str:
        """SHA-256 of :meth:`identity` (everything that determines the numbers).

        Stored results are reused only by a study with the same fingerprint.
        """
        text = json.dumps(self.identity(), sort_keys=True, default=repr)
        return hashlib.sha256(text.encode()).hexdigest()


def load_study(
    path: str | Path, *, check_points: bool = True, overrides: tuple[str, ...] | list[str] = ()
) -> Study:
    """Read and validate a study file.

    Parameters
    ----------
    path : str or Path
        The TOML file, or the name of a shipped study (``"dichotomy"``).
    check_points : bool
        Also check every parameter point against the engine's ranges.
    overrides : sequence of str
        ``"table.key=value"`` pairs (``study run --set``) applied to the file's tables
        before validation, so they are checked like the file (:func:`apply_overrides`);
        the copy stored beside the results is then the overridden study as TOML.

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
        size = resolved.stat().st_size
        if size > LIMITS["file_bytes"]:
            raise StudyFileError(
                resolved,
                "",
                f"the file has {size} bytes; a study file may have at most "
                f"{LIMITS['file_bytes']} bytes",
            )
        raw = resolved.read_bytes()
    except OSError as exc:
        raise StudyFileError(resolved, "", f"cannot read the file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StudyFileError(
            resolved,
            "",
            f"not a text file (byte {exc.start} is not UTF-8); a study file is TOML text",
        ) from None
    if "\x00" in text:
        raise StudyFileError(resolved, "", "not a text file (it contains NUL bytes)")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StudyFileError(resolved, "", f"not valid TOML: {exc}") from None
    if overrides:
        data = apply_overrides(data, overrides, source=str(resolved))
        text = f"# {resolved.name} with --set {' --set '.join(overrides)}\n" + to_toml(data)
    return parse_study(data, source=str(resolved), text=text, check_points=check_points)


def apply_overrides(
    data: Mapping[str, Any], overrides: tuple[str, ...] | list[str], *, source: str = "<dict>"
) -> dict[str, Any]:
    """A copy of the study tables with ``"table.key=value"`` overrides applied.

    ``value`` is read as a TOML value (``1000``, ``inf``, ``[0.5, 1.0]``,
    ``{ values = [1, 2] }``, ``true``, ``"text"``); anything else is a string
    (``parameters.hazard=constant``).  Dotted keys reach into inline tables
    (``parameters.entrenchment_rate.values=[1, 2]``).  The result is validated by
    :func:`parse_study` like a file.

    Raises
    ------
    StudyFileError
        For a pair without ``=`` or a key without a table (``replicates=10``).

    Examples
    --------
    >>> apply_overrides({"study": {"replicates": 10}}, ["study.replicates=1000"])
    {'study': {'replicates': 1000}}
    >>> apply_overrides({}, ["parameters.hazard=constant", "parameters.x.values=[1, 2]"])
    {'parameters': {'hazard': 'constant', 'x': {'values': [1, 2]}}}
    """
    import copy

    out = copy.deepcopy(dict(data))
    for pair in overrides:
        key, sep, text = pair.partition("=")
        parts = [p.strip() for p in key.split(".")]
        if not sep or len(parts) < 2 or not all(parts):
            raise StudyFileError(
                source,
                f"--set {pair}",
                "expected TABLE.KEY=VALUE, e.g. study.replicates=1000 or parameters.spawn_rate=2.0",
            )
        try:
            value = tomllib.loads(f"v = {text.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = text.strip()
        node = out
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                if child is not None:
                    raise StudyFileError(
                        source, f"--set {pair}", f"{part!r} is a value, not a table"
                    )
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return out


def to_toml(data: Mapping[str, Any]) -> str:
    """The study tables as TOML text (tables of scalars, lists and inline tables).

    ``tomllib.loads(to_toml(d)) == d`` for study mappings (a test checks); used for
    the copy of a study given as a mapping or with ``--set`` overrides.

    Examples
    --------
    >>> print(to_toml({"study": {"name": "x", "horizon": float("inf")},
    ...                "parameters": {"r": {"values": [0.5, 1]}}}))
    [study]
    name = "x"
    horizon = inf
    <BLANKLINE>
    [parameters]
    r = { values = [0.5, 1] }
    <BLANKLINE>
    """
    blocks = []
    for table, body in data.items():
        if not isinstance(body, Mapping):
            raise StudyFileError("<dict>", str(table), "a study's top level holds only tables")
        lines = [f"[{_toml_key(table)}]"]
        lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in body.items())
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _mapping_text(data: Mapping[str, Any]) -> str:
    """:func:`to_toml` of a validated mapping, or ``""`` if it holds non-TOML values."""
    try:
        text = to_toml(data)
        return text if tomllib.loads(text) == data else ""
    except (StudyFileError, tomllib.TOMLDecodeError, TypeError, ValueError):
        return ""


def _toml_key(key: Any) -> str:
    text = str(key)
    bare = text and all(c.isalnum() or c in "-_" for c in text) and text.isascii()
    return text if bare else json.dumps(text)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise StudyFileError("<dict>", repr(value), "not a TOML value (str, number, bool, list, table)")


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
    table, engine = _parse_header(source, data)
    replicates, chunk, seed = _parse_sizes(source, table)
    horizon = _parse_horizon(source, table, engine)
    design, samples = _parse_design(source, table)
    options = _parse_engine_table(source, data, engine, horizon)
    parameters = _parse_parameters(source, _table(source, data, "parameters"), engine)
    outputs = _parse_outputs(source, _table(source, data, "outputs"), engine, horizon, design)
    _check_figures(source, outputs, parameters, engine)
    _check_sizes(source, parameters, design, samples, replicates, min(chunk, replicates))
    points = _design_points(source, parameters, outputs, design, samples, seed)
    study = Study(
        name=table["name"],
        engine=engine.name,
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
        # a study given as a mapping is stored as TOML, so its folder can be reloaded
        text=text or _mapping_text(data),
        points=points,
    )
    if check_points:
        _check_points(source, engine, points)
    return study


def _parse_header(source: str, data: Mapping[str, Any]) -> tuple[Mapping[str, Any], Engine]:
    """The tables present, the ``[study]`` keys and their types, the engine by name."""
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
    return table, get_engine(engine_name)


def _parse_sizes(source: str, table: Mapping[str, Any]) -> tuple[int, int, int]:
    """``replicates``, ``chunk`` (within their limits) and ``seed``."""
    replicates = _positive(source, "study.replicates", table.get("replicates", 1000))
    _at_most(source, "study.replicates", replicates, LIMITS["replicates"], "replicates per point")
    chunk = _positive(source, "study.chunk", table.get("chunk", min(replicates, _DEFAULT_CHUNK)))
    _at_most(source, "study.chunk", chunk, LIMITS["chunk"], "replicates per unit")
    seed = table.get("seed", 0)
    if not 0 <= seed < 2**128:
        raise StudyFileError(source, "study.seed", f"must lie in [0, 2**128), got {seed}")
    return replicates, chunk, seed


def _parse_horizon(source: str, table: Mapping[str, Any], engine: Engine) -> float:
    """``horizon``: positive, and finite unless the engine runs to infinity."""
    horizon = float(table.get("horizon", engine.default_horizon))
    if not horizon > 0:
        raise StudyFileError(source, "study.horizon", f"must be > 0 (or inf), got {horizon}")
    if math.isinf(horizon) and not engine.allows_infinite_horizon:
        raise StudyFileError(
            source, "study.horizon", f"engine {engine.name!r} needs a finite horizon"
        )
    return horizon


def _parse_design(source: str, table: Mapping[str, Any]) -> tuple[str, int]:
    """``design`` (one of :data:`DESIGNS`) and ``samples``."""
    design = table.get("design", "factorial")
    if design not in DESIGNS:
        raise StudyFileError(
            source, "study.design", f"unknown design {design!r}{suggestion(design, DESIGNS)}"
        )
    samples = _positive(source, "study.samples", table.get("samples", 8))
    _at_most(source, "study.samples", samples, LIMITS["points"], "samples")
    return design, samples


def _parse_engine_table(
    source: str, data: Mapping[str, Any], engine: Engine, horizon: float
) -> dict[str, Any]:
    """The ``[engine]`` options, and the horizon in the engine's steps (whole, bounded)."""
    if engine.integer_horizon and horizon != int(horizon):
        raise StudyFileError(
            source,
            "study.horizon",
            f"engine {engine.name!r} counts steps: needs a whole number, got {horizon}",
        )
    options = _parse_options(source, _table(source, data, "engine"), engine)
    steps = engine.horizon_steps(horizon, options)
    if steps > engine.max_horizon_steps:
        raise StudyFileError(
            source,
            "study.horizon",
            f"horizon = {horizon:g} means {steps:g} steps of engine {engine.name!r}; at most "
            f"{engine.max_horizon_steps} allowed",
        )
    return options


def _design_points(
    source: str,
    parameters: dict[str, ParameterSpec],
    outputs: Outputs,
    design: str,
    samples: int,
    seed: int,
) -> list[dict[str, Any]]:
    """The parameter points of the design (Sobol indices need sampled parameters only)."""
    try:
        points = design_points(parameters, design=design, samples=samples, seed=seed)
    except ParameterError as exc:
        key = "study.samples" if exc.name == "samples" else f"parameters.{exc.name}"
        raise StudyFileError(source, key, str(exc)) from None
    if outputs.sensitivity and any(spec.kind == "grid" for spec in parameters.values()):
        raise StudyFileError(
            source, "outputs.sensitivity", "Sobol indices need sampled parameters only (no grids)"
        )
    return points


def _check_points(source: str, engine: Engine, points: list[dict[str, Any]]) -> None:
    """Each point with the engine (builds the model objects)."""
    for point in points:
        try:
            engine.check_point(point)
        except ParameterError as exc:
            raise StudyFileError(source, f"parameters.{exc.name}", str(exc)) from None


def _check_sizes(source, parameters, design, samples, replicates, chunk) -> None:
    """Refuse, before anything is allocated, a study with too many points or units."""
    grid = 1
    for spec in parameters.values():
        if spec.kind == "grid":
            grid *= len(spec.values)
    dimension = sum(spec.kind == "distribution" for spec in parameters.values())
    if not dimension:
        sampled = 1
    elif design == "factorial":
        sampled = samples**dimension if dimension * math.log10(samples) < 30 else 10**30
    elif design == "saltelli":
        sampled = samples * (dimension + 2)
    else:
        sampled = samples
    points = grid * sampled
    key = "parameters" if sampled == 1 else "study.samples"
    limit = LIMITS["points"]
    if points > limit:
        raise StudyFileError(
            source, key, f"the design has {points} parameter points; at most {limit} allowed"
        )
    units = points * -(-replicates // chunk)
    if units > LIMITS["units"]:
        raise StudyFileError(
            source,
            "study.chunk",
            f"{points} points x {-(-replicates // chunk)} chunks = {units} units; at most "
            f"{LIMITS['units']} allowed (raise study.chunk or lower study.replicates)",
        )
    if points * replicates > LIMITS["total_replicates"]:
        raise StudyFileError(
            source,
            "study.replicates",
            f"{points} points x {replicates} replicates = {points * replicates} replicates; "
            f"at most {LIMITS['total_replicates']} allowed",
        )


def _at_most(source: str, key: str, value: int, limit: int, what: str) -> None:
    if value > limit:
        raise StudyFileError(source, key, f"{value} {what} is too many: allowed [1, {limit}]")


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
    for name, raw in _renamed_parameters(source, table, allowed).items():
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


def _deprecated_parameters() -> dict[str, str]:
    """Old parameter name -> new (``TakeoverScenario.DEPRECATED_PARAMETERS``)."""
    from supercoherence.theory.scenario import DEPRECATED_PARAMETERS

    return dict(DEPRECATED_PARAMETERS)


def _renamed(source: str, key: str, name: Any, renames: Mapping[str, str]) -> Any:
    """``name``, or its new name if it is a deprecated one (with a deprecation warning).

    The warning names the file and the key: ``study.toml: parameters.entrenchment is
    deprecated; use parameters.entrenchment_rate``.
    """
    if not isinstance(name, str) or name not in renames:
        return name
    if key == "parameters":
        old, new = f"parameters.{name}", f"parameters.{renames[name]}"
    else:
        old, new = f"{key} {name!r}", repr(renames[name])
    warn_renamed(old, new, what=f"{source}:", stacklevel=5)
    return renames[name]


def _renamed_parameters(
    source: str, table: Mapping[str, Any], allowed: tuple[str, ...]
) -> dict[str, Any]:
    """``parameters`` with deprecated keys (``entrenchment``, ``power``) renamed, warning.

    A key is renamed only for an engine that takes the new name; giving both is an error.
    """
    renames = _deprecated_parameters()
    out: dict[str, Any] = {}
    for name, raw in table.items():
        new = renames.get(name)
        if new is not None and new in allowed:
            if new in table:
                raise StudyFileError(
                    source,
                    f"parameters.{name}",
                    f"deprecated name of parameters.{new}, which is also given; keep {new}",
                )
            name = _renamed(source, "parameters", name, renames)
        out[name] = raw
    return out


def _parse_outputs(source: str, table: Mapping[str, Any], engine, horizon: float, design: str):
    _check_keys(source, "outputs", table, _OUTPUT_KEYS)
    for key, kind in _OUTPUT_KEYS.items():
        if key in table:
            _check_type(source, f"outputs.{key}", table[key], kind)
    estimands = _parse_estimands(source, table, engine)
    times = _parse_times(source, table, horizon, estimands)
    counts = _parse_counts(source, table)
    if table.get("timeseries", False) and not engine.timeseries:
        raise StudyFileError(
            source,
            "outputs.timeseries",
            f"engine {engine.name!r} has no per-step time series (only 'abm' has)",
        )
    sensitivity = _parse_sensitivity(source, table, estimands, design)
    events, events_horizon, verdict = _parse_events(source, table, engine, horizon)
    return Outputs(
        estimands=estimands,
        times=times,
        counts=counts,
        boundary=bool(table.get("boundary", False)),
        sensitivity=sensitivity,
        timeseries=bool(table.get("timeseries", False)),
        figures=tuple(str(f) for f in table.get("figures", [])),
        graphs=tuple(str(g) for g in table.get("graphs", [])),
        events=events,
        events_horizon=events_horizon,
        verdict=bool(verdict),
        verdict_pooled=bool(verdict.get("pooled", False)) if verdict else False,
        verdict_bootstrap=int(verdict.get("bootstrap", 200)) if verdict else 200,
    )


#: Figures a study may ask for (``outputs.figures``) and what each needs to be drawn.
FIGURES = {
    "phase": "exactly two varied numeric parameters and supercoherence_by_horizon (or "
    "boundary = true with the engine's boundary estimand) among the estimands",
    "survival": "the estimand no_takeover_by",
    "law_of_n": "the estimand law_of_n",
    "timeseries": "timeseries = true",
}


def _check_figures(source: str, outputs: Outputs, parameters, engine) -> None:
    """Refuse a figure the report cannot draw from this study, and any graph export.

    Every declared output is honoured or refused here, at load time: a study run keeps
    no model graphs (only tables), so ``graphs`` is refused with what to use instead.
    """
    if outputs.graphs:
        raise StudyFileError(
            source,
            "outputs.graphs",
            f"{list(outputs.graphs)}: a study run keeps tables, not model graphs, so it "
            "cannot export them; export one run's nesting and lineage with "
            "`supercoherence export graph` instead, and remove this key",
        )
    numeric = [
        name
        for name, spec in parameters.items()
        if not spec.is_fixed
        and (
            spec.kind == "distribution"
            or all(isinstance(v, int | float) and not isinstance(v, bool) for v in spec.values)
        )
    ]
    estimands = set(outputs.estimands)
    for name in outputs.figures:
        if name not in FIGURES:
            raise StudyFileError(
                source,
                "outputs.figures",
                f"unknown figure {name!r}{suggestion(name, FIGURES)} (known: {', '.join(FIGURES)})",
            )
        phase_estimand = "supercoherence_by_horizon" in estimands or (
            outputs.boundary and engine.boundary_estimand in estimands
        )
        drawable = {
            "phase": len(numeric) == 2 and phase_estimand,
            "survival": "no_takeover_by" in estimands,
            "law_of_n": "law_of_n" in estimands,
            "timeseries": outputs.timeseries,
        }[name]
        if not drawable:
            raise StudyFileError(
                source,
                "outputs.figures",
                f"figure {name!r} cannot be drawn from this study: it needs {FIGURES[name]} "
                f"(varied numeric parameters here: {numeric or 'none'})",
            )


def _parse_events(
    source: str, table: Mapping[str, Any], engine, horizon: float
) -> tuple[bool, float, dict | None]:
    """``events``, ``events_horizon`` and ``verdict`` (which needs the event table)."""
    raw = table.get("verdict", False)
    verdict = {} if raw is True else (dict(raw) if isinstance(raw, Mapping) else None)
    if verdict is not None:
        _check_keys(source, "outputs.verdict", verdict, _VERDICT_KEYS)
        for key, kind in _VERDICT_KEYS.items():
            if key in verdict:
                _check_type(source, f"outputs.verdict.{key}", verdict[key], kind)
        if verdict.get("bootstrap", 200) < 10:
            raise StudyFileError(
                source, "outputs.verdict.bootstrap", f"must be >= 10, got {verdict['bootstrap']}"
            )
    events = bool(table.get("events", False)) or verdict is not None
    if "events" in table and not table["events"] and verdict is not None:
        raise StudyFileError(
            source, "outputs.events", "false, but outputs.verdict needs the event table"
        )
    if not events:
        if "events_horizon" in table:
            raise StudyFileError(
                source, "outputs.events_horizon", "given without outputs.events = true"
            )
        return False, math.nan, None
    key = "outputs.verdict" if verdict is not None and "events" not in table else "outputs.events"
    if not engine.events:
        capable = [name for name, e in ENGINES.items() if e.events]
        raise StudyFileError(
            source,
            key,
            f"engine {engine.name!r} has no per-level event table (only {', '.join(capable)})",
        )
    if "events_horizon" in table:
        value = float(table["events_horizon"])
        if not (math.isfinite(value) and value > 0):
            raise StudyFileError(
                source, "outputs.events_horizon", f"must be a finite time > 0, got {value}"
            )
        if engine.integer_horizon and value != horizon:
            raise StudyFileError(
                source,
                "outputs.events_horizon",
                f"engine {engine.name!r} reads the events off its own runs: must equal the "
                f"study horizon {horizon:g} (or be left out)",
            )
        return True, value, verdict
    if math.isinf(horizon):
        raise StudyFileError(
            source,
            "outputs.events_horizon",
            "missing: the study horizon is infinite, and the event table needs a finite "
            "horizon at which optimizers still in place are censored",
        )
    return True, horizon, verdict


def _parse_estimands(source: str, table: Mapping[str, Any], engine) -> tuple[str, ...]:
    """``estimands``: known, produced by the engine, at least one (default: the engine's)."""
    estimands = tuple(
        _renamed(source, "outputs.estimands", name, DEPRECATED_ESTIMANDS)
        for name in table.get("estimands", engine.default_estimands)
    )
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
    return estimands


def _parse_times(
    source: str, table: Mapping[str, Any], horizon: float, estimands: tuple[str, ...]
) -> tuple[float, ...]:
    """``times`` in ``[0, horizon]``, required by the estimands evaluated at a time."""
    times = tuple(_numbers(source, "outputs.times", table.get("times", [])))
    for t in times:
        if not 0 <= t <= horizon:
            raise StudyFileError(
                source, "outputs.times", f"time {t} is outside [0, horizon={horizon}]"
            )
    for name in estimands:
        if ESTIMANDS[name].at == "time" and not times:
            raise StudyFileError(source, "outputs.times", f"estimand {name!r} needs times = [...]")
    return times


def _parse_counts(source: str, table: Mapping[str, Any]) -> tuple[int, ...]:
    """``counts``: the whole numbers k at which the law of N is estimated."""
    raw_counts = _numbers(source, "outputs.counts", table.get("counts", [0, 1, 2]))
    for k in raw_counts:
        if not (math.isfinite(k) and k == int(k)) or not 0 <= k <= 2**62:
            raise StudyFileError(
                source,
                "outputs.counts",
                f"count {k!r} is not a whole number in [0, 2**62] (the law of N is at k = "
                "0, 1, 2, ...)",
            )
    return tuple(int(k) for k in raw_counts)


def _parse_sensitivity(
    source: str, table: Mapping[str, Any], estimands: tuple[str, ...], design: str
) -> tuple[str, ...]:
    """``sensitivity``: estimands of the study, on a Saltelli design."""
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
    return sensitivity


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
    if len(values) > LIMITS["list"]:
        raise StudyFileError(
            source, key, f"{len(values)} entries; at most {LIMITS['list']} allowed"
        )
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise StudyFileError(source, key, f"wrong type: expected numbers, got {value!r}")
    return [float(v) if isinstance(v, float) else v for v in values]
