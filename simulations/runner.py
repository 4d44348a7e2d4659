"""Run a study: sample -> evaluate -> analyse, streaming every unit to disk.

Seeding.  The replicates of a point are cut into chunks of ``study.chunk`` (a fixed
grid set by the study file).  Unit ``(i, j)`` (point i, chunk j) draws from
``SeedSequence(study.seed, spawn_key=(i, j))``, so every unit's numbers are fixed by the
study file alone.  Units are grouped into tasks only for scheduling; the statistics of
a point are merged in chunk order.  Hence the results are bit-identical whatever the
number of workers, the task size, the backend, and whether the run was interrupted and
resumed.

Units stream.  A worker receives a :class:`Task` (a frozen batch of :class:`Job` units)
and returns each unit's sufficient statistics, made by the engine's
:meth:`~supercoherence.simulations.engines.Engine.unit_statistics` (the chain engine
streams its replicates into an
:class:`~supercoherence.simulations.estimands.StatisticsAccumulator` and keeps no
per-replicate table).

Scheduling.  Tasks hold units of one point and are handed to the backend one at a
time as workers free up: every point once first (which measures its cost per
replicate), then the dearest points first, in tasks that shrink to one unit towards the
end (:class:`_Schedule`), so the workers finish together; each task's units are stored
as soon as it returns, while the others run.  The parent's own work (storage, checks,
analysis) is the serial part of a run: about 0.1 s before and after the units and
0.2 s while they run on the 64-unit benchmark study (``manifest.json`` records
``unit_cpu_seconds``, ``parent_cpu_seconds`` and ``evaluate_parent_cpu_seconds``).

Resume.  A unit's file appears atomically when the unit is complete
(:mod:`supercoherence.simulations.store`); running the study again checks every unit
file (identity and checksum), moves any that fail to ``units/rejected/``, computes the
units without a valid file, then recomputes the (cheap) analysis from the checked units.
The folder is locked for the whole run, so two runs cannot interleave.

Verify.  :func:`verify_study` checks a finished folder end to end: the manifest, the
study file's fingerprint, the points, every unit (present, expected, identity,
checksum, SHA-256 recorded in the manifest), and that the estimates are what the units
give.

Time series (``outputs.timeseries``, abm).  Unit ``(i, j)`` returns the per-step rows of
its replicates, numbered ``j * chunk + r`` within the point, with the column ``point``
added; they are stored per unit before the unit's statistics and consolidated into
``timeseries.parquet`` in ``(point, replicate, step)`` order.
"""

from __future__ import annotations

import dataclasses
import functools
import heapq
import math
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from supercoherence.errors import ParameterError, StudyFileError, SupercoherenceError
from supercoherence.lazy import lazy_module
from supercoherence.randomness import unit_seed
from supercoherence.simulations.backends import (
    POOL_MIN_SECONDS,
    PROBE_SECONDS,
    Backend,
    ProcessPoolBackend,
    forkserver_started,
    make_backend,
    pool_pays,
    preload,
    retained_memory,
    start_forkserver,
)
from supercoherence.simulations.engines import get_engine
from supercoherence.simulations.estimands import ESTIMANDS
from supercoherence.simulations.store import (
    ResultStore,
    UnitProblem,
    check_recorded,
    file_sha256,
    read_parquet_file,
    upgrade_names,
)
from supercoherence.simulations.study import Study, describe_changes, load_study

pd = lazy_module("pandas")

__all__ = [
    "Job",
    "StudyResults",
    "Task",
    "VerifyReport",
    "evaluate_units",
    "load_results",
    "run_study",
    "unit_seed",
    "verify_study",
]

_DEPENDENCIES = (
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "sympy",
    "networkx",
    "mesa",
    "dask",
    "distributed",
    "salib",
    "typer",
    "rich",
)
_MAX_TASK_REPLICATES = 250_000


def _has_tabulate() -> bool:
    """pandas' ``to_markdown`` needs the optional ``tabulate`` package."""
    import importlib.util

    return importlib.util.find_spec("tabulate") is not None


@dataclass
class StudyResults:
    """Stored results of a study, reloaded from its folder.

    Attributes
    ----------
    directory : Path
    estimates : pandas.DataFrame
        The tidy table (``estimates.parquet``).
    points : pandas.DataFrame
        The parameter points.
    boundary, sensitivity : pandas.DataFrame or None
        When the study asked for them.
    verdict : pandas.DataFrame or None
        The verdict estimated per point from the event table (``verdict.parquet``),
        when the study asked for it.
    manifest : dict
    rejected : list of UnitProblem
        Unit files this run found damaged, altered or foreign, moved to
        ``units/rejected/`` and recomputed (empty when everything was in order).
    timeseries : pandas.DataFrame or None
        Property: the per-step time series of an abm study that asked for them.
    """

    directory: Path
    estimates: pd.DataFrame
    points: pd.DataFrame
    boundary: pd.DataFrame | None
    sensitivity: pd.DataFrame | None
    manifest: dict[str, Any]
    rejected: list[UnitProblem] = dataclasses.field(default_factory=list)
    verdict: pd.DataFrame | None = None

    def _summary_table(self) -> pd.DataFrame:
        columns = [
            c
            for c in ("point", "estimand", "at", "estimate", "ci_low", "ci_high", "exact", "z")
            if c in self.estimates.columns
        ]
        return self.estimates[columns]

    def _repr_markdown_(self) -> str:
        """Notebook display: the study, its folder and the estimates beside the closed forms."""
        name = (
            self.manifest.get("study", {}).get("name", self.directory.name)
            if isinstance(self.manifest.get("study"), dict)
            else self.directory.name
        )
        head = f"**study {name}** ({len(self.points)} points, `{self.directory}`)\n\n"
        return (
            head + self._summary_table().to_markdown(index=False)
            if _has_tabulate()
            else (head + "```\n" + self._summary_table().to_string(index=False) + "\n```")
        )

    def _repr_html_(self) -> str:
        """Notebook display as HTML: the estimates table."""
        return (
            f"<p><b>study results</b> ({len(self.points)} points, "
            f"<code>{self.directory}</code>)</p>"
            + self._summary_table().to_html(index=False, float_format=lambda v: f"{v:.4g}")
        )

    @property
    def events_path(self) -> Path | None:
        """``events.parquet`` (the per-level event table), or None when not stored.

        Read it with :func:`supercoherence.models.engine.events.read_events` or by point
        with a Parquet filter; it may be large, so it is never loaded here.
        """
        path = self.directory / "events.parquet"
        return path if path.exists() else None

    @property
    def timeseries(self) -> pd.DataFrame | None:
        """``timeseries.parquet`` (read on access), or None when the study has none."""
        path = self.directory / "timeseries.parquet"
        return pd.read_parquet(path) if path.exists() else None

    @property
    def flagged(self) -> pd.DataFrame:
        """Rows whose estimate disagrees with its closed form by more than 4 SE."""
        return self.estimates[self.estimates["flag"]]


def _requests(study: Study) -> list[tuple[str, float]]:
    requests = []
    for name in study.outputs.estimands:
        at = ESTIMANDS[name].at
        if at is None:
            requests.append((name, math.nan))
            continue
        values = study.outputs.times if at == "time" else study.outputs.counts
        requests.extend((name, float(v)) for v in values)
    return requests


class Job(NamedTuple):
    """One unit of a task: point ``index`` (its values ``point``), chunk ``chunk``."""

    #: The point's number in the study.
    index: int
    #: Its parameter values.
    point: dict[str, Any]
    #: The chunk's number (the unit draws from ``unit_seed(seed, index, chunk)``).
    chunk: int
    #: Replicates in the chunk.
    replicates: int


@dataclass(frozen=True)
class Task:
    """Units of a study scheduled together (sent to a worker; picklable).

    A task carries what a worker needs to compute its units without the study: the
    engine and its options, the horizon, the requested statistics and the seed.

    Attributes
    ----------
    engine, horizon, options : str, float, dict
        The study's engine, horizon and engine options.
    requests : tuple of (str, float)
        ``(estimand, at)`` pairs.
    seed : int
        Study seed (unit ``(i, j)`` draws from :func:`unit_seed` ``(seed, i, j)``).
    jobs : tuple of Job
        The units.
    chunk : int
        The study's chunk size (numbers the replicates of a time series).
    timeseries : bool
        Also return each unit's per-step time series.
    events : float, optional
        Also return each unit's per-level event table, to this horizon.
    """

    engine: str
    horizon: float
    options: dict[str, Any]
    requests: tuple[tuple[str, float], ...]
    seed: int
    jobs: tuple[Job, ...]
    chunk: int = 0
    timeseries: bool = False
    events: float | None = None

    @property
    def replicates(self) -> int:
        """Replicates of all its units."""
        return sum(job.replicates for job in self.jobs)


def evaluate_units(
    task: Task,
) -> list[tuple[int, int, dict[str, np.ndarray], pd.DataFrame | None, pd.DataFrame | None]]:
    """Evaluate the units of a task (runs in a worker).

    Returns
    -------
    list of (point, chunk, statistics, time series or None, event table or None)
        See :func:`supercoherence.simulations.estimands.statistics`; the time series and
        the event table have the column ``point`` first and replicates numbered within
        the point.

    Examples
    --------
    >>> task = Task("competition", 10.0, {}, (("coexistence", float("nan")),), 1,
    ...             (Job(0, {}, 0, 5),))
    >>> [(p, c, s["n"].tolist(), ts, ev) for p, c, s, ts, ev in evaluate_units(task)]
    [(0, 0, [5], None, None)]
    """
    model = get_engine(task.engine)
    requests = list(task.requests)
    out = []
    for index, point, unit, size in task.jobs:
        try:
            stats, series, frame = model.unit_statistics(
                point,
                size,
                unit_seed(task.seed, index, unit),
                horizon=task.horizon,
                options=task.options,
                requests=requests,
                timeseries=task.timeseries,
                events=task.events,
            )
        except SupercoherenceError as exc:  # its custom __init__ does not unpickle
            raise _UnitFailure(index, str(exc)) from None
        stats["request"] = np.arange(len(requests), dtype=np.int64)
        if series is not None:
            series = series.assign(replicate=series["replicate"] + unit * task.chunk)
            series.insert(0, "point", np.int64(index))
        if frame is not None:
            frame = frame.assign(replicate=frame["replicate"] + unit * task.chunk)
            frame.insert(0, "point", np.int64(index))
        out.append((index, unit, stats, series, frame))
    return out


class _UnitFailure(Exception):
    """A unit failed in a worker with a user-facing error (picklable: one string)."""

    def __init__(self, point: int, message: str) -> None:
        super().__init__(point, message)
        self.point, self.message = point, message


def _check_workers(workers: int | None) -> int | None:
    if workers is None:
        return None
    if isinstance(workers, bool) or not isinstance(workers, int | np.integer) or workers < 1:
        raise ParameterError(
            "workers",
            workers,
            "a whole number >= 1",
            f"leave it out for one worker per CPU, {os.cpu_count() or 1} here",
        )
    return int(workers)


def _expected(study: Study) -> dict[tuple[int, int], dict[str, Any]]:
    fingerprint = study.fingerprint()
    sizes = study.chunk_sizes()
    return {
        (i, j): {"fingerprint": fingerprint, "seed": study.seed, "replicates": size}
        for i in range(len(study.points))
        for j, size in enumerate(sizes)
    }


def run_study(
    study: Study | str | Path,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    dask: str | None = None,
    backend: Backend | None = None,
    progress: bool = False,
    task_units: int | None = None,
) -> StudyResults:
    """Run (or resume) a study and store its results.

    Parameters
    ----------
    study : Study, str or Path
        A study, a study file, or a shipped study's name.
    out : str or Path, optional
        Output folder (default ``results/<study name>``).
    workers : int, optional
        Parallel workers (1 runs in-process).  Default: chosen here -- the first
        units run in-process to measure the work, and a pool of one worker per CPU
        is started only if the rest is long enough to pay for it
        (:func:`~supercoherence.simulations.backends.pool_pays`); the manifest's
        ``backend`` says which.  Never changes the numbers.
    dask : str, optional
        ``"local"`` (a LocalCluster) or ``"tcp://host:port"``.
    backend : Backend, optional
        An open backend to use instead (not closed here).
    progress : bool
        Show a rich progress bar (rate and time left).
    task_units : int, optional
        Units (of one point) per scheduled task, at most (default: a quarter of the
        remaining units per worker, shrinking to one at the end; the dearest points
        first, see :class:`_Schedule`). Does not change the results.

    Returns
    -------
    StudyResults
        What :func:`load_results` reads back from ``out``, with the files this run
        rejected.

    Raises
    ------
    StudyFileError
        For an invalid study file, or an output folder holding another study.

    Examples
    --------
    >>> import tempfile
    >>> from supercoherence.simulations.study import parse_study
    >>> study = parse_study({"study": {"name": "doc", "engine": "competition",
    ...     "replicates": 20, "horizon": 20.0, "seed": 3},
    ...     "parameters": {"alpha": {"values": [0.5, 2.0]}, "beta": 0.5},
    ...     "outputs": {"estimands": ["mesa_takes_over"]}})
    >>> res = run_study(study, tempfile.mkdtemp(), workers=1)
    >>> res.estimates[["alpha", "estimate", "exact"]].to_numpy().tolist()
    [[0.5, 0.0, 0.0], [2.0, 1.0, 1.0]]
    """
    if not isinstance(study, Study):
        study = load_study(study)
    workers = _check_workers(workers)
    directory = Path(out) if out is not None else Path("results") / study.name
    store = ResultStore(directory)
    with store.locked():
        return _run_locked(study, store, workers, dask, backend, progress, task_units)


def _claim(study: Study, store: ResultStore, log) -> tuple[bool, dict[str, Any]]:
    """Check that the folder is this study's; return (resumed, previous manifest)."""
    try:
        manifest = store.read_manifest()
    except StudyFileError as exc:
        log.warning("%s; rebuilding it from the checked units", exc)
        damaged = store.directory / "manifest.json"
        os.replace(damaged, damaged.with_name("manifest.json.damaged"))
        manifest = None
    fingerprint = study.fingerprint()
    if manifest is None:
        foreign = {meta.get("fingerprint") for meta in _unit_identities(store)} - {fingerprint}
        if foreign:
            raise StudyFileError(
                store.directory,
                "",
                "holds unit files of another study and no readable manifest; choose another "
                "output folder or remove this one",
            )
        return bool(store.completed_units()), {}
    if manifest.get("fingerprint") != fingerprint:
        old = manifest.get("identity")
        what = (
            describe_changes(old, study.identity())
            if isinstance(old, dict)
            else "its results were made by an older version, without a recorded identity"
        )
        raise StudyFileError(
            store.directory,
            "",
            f"holds results of a different study (changed: {what}); choose another output "
            "folder or remove this one",
        )
    return True, manifest


def _open_backend(backend, workers, dask, missing):
    """``(opened here, backend or None, description)``: the given backend, one made for
    ``workers`` / ``dask``, or None when the runner chooses (no ``workers``, several
    CPUs: :func:`_evaluate_auto`)."""
    if backend is not None or not missing:
        return False, backend, backend.description if backend else "none (all units stored)"
    if workers is None and dask is None and (os.cpu_count() or 1) > 1:
        return True, None, "automatic"
    made = make_backend(workers, dask)
    return True, made, made.description


def _unit_identities(store: ResultStore):
    for path in store.unit_files():
        try:
            yield store.read_unit(path)[1]
        except ValueError:
            continue


def _run_locked(study, store, workers, dask, backend, progress, task_units) -> StudyResults:
    store.remove_temporaries()
    log = store.logger()
    try:
        resumed, previous = _claim(study, store, log)
        return _run_claimed(
            study, store, log, resumed, previous, workers, dask, backend, progress, task_units
        )
    finally:
        store.close_logger()


def _run_claimed(
    study, store, log, resumed, previous, workers, dask, backend, progress, task_units
) -> StudyResults:
    started, started_cpu = time.perf_counter(), time.process_time()
    manifest = _manifest(study, previous, resumed)
    store.write_text("study.toml", study.text or _toml_placeholder(study))
    store.write_table("points", pd.DataFrame(study.points).assign(point=range(len(study.points))))
    expected = _expected(study)
    good, rejected = store.check_units(
        expected, series=study.outputs.timeseries, events=study.outputs.events
    )
    for problem in rejected:
        target = store.reject(problem.path)
        log.warning("rejected %s (%s): moved to %s", problem.path, problem.reason, target)
    missing = _missing_units(study, good)
    log.info(
        "study %s: %d units to compute, %d stored",
        study.name,
        len(missing),
        len(good),
    )
    # the verdict's other points go to a pool when it pays (see _verdict_judge)
    pooled_verdict = backend is None and dask is None and workers != 1
    if study.outputs.verdict and pooled_verdict:
        preload("supercoherence.simulations.verdict")
    own_backend, active, manifest["backend"] = _open_backend(backend, workers, dask, missing)
    store.write_manifest(manifest)
    evaluate_cpu = time.process_time()
    try:
        evaluate_seconds, chosen, unit_cpu = _evaluate(
            study, store, active, missing, progress, task_units, log, expected
        )
    finally:
        if own_backend and active is not None:
            active.close()
    evaluate_cpu = time.process_time() - evaluate_cpu
    if chosen:
        manifest["backend"] = chosen
    analyse_start = time.perf_counter()
    good, problems = store.check_units(
        expected, series=study.outputs.timeseries, events=study.outputs.events
    )
    if problems or len(good) != len(expected):
        raise StudyFileError(
            store.directory,
            "units",
            f"{len(expected) - len(good)} unit(s) failed their checks after this run "
            f"({problems[0] if problems else 'missing'}); is another program writing here?",
        )
    verdict_seconds = _analyse(study, store, good, pooled_verdict)
    manifest["timings"] = {
        "evaluate_seconds": evaluate_seconds,
        "analyse_seconds": time.perf_counter() - analyse_start,
        "verdict_seconds": verdict_seconds,
        "total_seconds": time.perf_counter() - started,
        # CPU seconds of the units (in whichever process ran them) and of this process
        # (storage, checks, analysis, and the units run in-process), all of it and
        # while the units were computed
        "unit_cpu_seconds": unit_cpu,
        "parent_cpu_seconds": time.process_time() - started_cpu,
        "evaluate_parent_cpu_seconds": evaluate_cpu,
    }
    manifest["units_computed"] = len(missing)
    manifest["units_rejected"] = [{"file": p.path.name, "reason": p.reason} for p in rejected]
    manifest["files"] = _file_hashes(store, good)
    manifest["status"] = "complete"
    manifest["finished"] = _now()
    store.write_manifest(manifest)
    log.info("study %s complete in %.2f s", study.name, manifest["timings"]["total_seconds"])
    results = load_results(store.directory)
    results.rejected = rejected
    return results


_TABLE_FILES = (
    "points.parquet",
    "estimates.parquet",
    "boundary.parquet",
    "sensitivity.parquet",
    "timeseries.parquet",
    "events.parquet",
    "verdict.parquet",
    "conditions.json",
    "study.toml",
)


def _file_hashes(store: ResultStore, units) -> dict[str, str]:
    """SHA-256 of every unit, time series and table file the results consist of."""
    hashes = {}
    for name in _TABLE_FILES:
        path = store.directory / name
        if path.exists():
            hashes[name] = file_sha256(path)
    for point, chunk in sorted(units):
        path = store.unit_path(point, chunk)
        hashes[f"units/{path.name}"] = file_sha256(path)
        series = store.series_path(point, chunk)
        if series.exists():
            hashes[f"series/{series.name}"] = file_sha256(series)
        events = store.events_path(point, chunk)
        if events.exists():
            hashes[f"events/{events.name}"] = file_sha256(events)
    return hashes


def _toml_placeholder(study: Study) -> str:
    return f"# study {study.name!r} was given as a mapping, not a file\n"


def _missing_units(study: Study, done: set[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Units to compute: those without a checked file, each shared point's by its first.

    A point that is the same model as an earlier one (:meth:`Study.shared_points`) is
    computed as that point's unit (its seed); :func:`_evaluate` writes the result for
    every point of the group that lacks it.
    """
    sizes = study.chunk_sizes()
    shared = study.shared_points()
    wanted = {
        (shared.get(i, i), j, size)
        for i in range(len(study.points))
        for j, size in enumerate(sizes)
        if (i, j) not in done
    }
    return sorted(wanted)


def _task(study: Study, jobs) -> Task:
    """The task of the units ``jobs`` (``(point, chunk, replicates)`` triples)."""
    return Task(
        engine=study.engine,
        horizon=study.horizon,
        options=study.engine_options,
        requests=tuple(_requests(study)),
        seed=study.seed,
        jobs=tuple(Job(i, study.points[i], j, size) for i, j, size in jobs),
        chunk=study.chunk,
        timeseries=study.outputs.timeseries,
        events=study.outputs.events_horizon if study.outputs.events else None,
    )


def _timed_units(task: Task) -> tuple[float, list]:
    """:func:`evaluate_units` and the CPU seconds it took (what a worker runs)."""
    start = time.thread_time()
    results = evaluate_units(task)
    return time.thread_time() - start, results


class _Schedule:
    """The tasks of the missing units, handed out dearest first (read lazily).

    Iterating yields ``(task,)`` argument tuples, one at a time, as a backend asks for
    the next (:meth:`~supercoherence.simulations.backends.Backend.imap_unordered`);
    :meth:`record` tells it what a finished task cost.  A task holds units of one
    point.  The points are first handed out once each, in order (which measures the
    cost per replicate of each: the units of a point cost the same in expectation);
    after that the point with the dearest measured replicates goes first, points whose
    first task is still running before those measured.  Tasks hold ``task_units``
    units if given, else a quarter of the remaining units per worker (at most
    :data:`_MAX_TASK_REPLICATES` replicates, at least one unit), so they shrink to one
    unit towards the end, but, once a point's cost is measured and until the last four
    units per worker, never below the backend's
    :attr:`~supercoherence.simulations.backends.Backend.task_seconds` (Dask: a round
    trip costs milliseconds; not for studies returning time series or event tables).
    This is the longest-processing-time rule with guided task sizes: the last tasks
    are the cheapest units, so the workers finish within about one cheap unit of each
    other.  The order never changes the numbers (every unit has its own seed; the
    analysis merges the units in chunk order).

    Examples
    --------
    >>> from supercoherence.simulations.study import parse_study
    >>> study = parse_study({"study": {"name": "s", "engine": "competition",
    ...     "replicates": 4, "chunk": 2, "horizon": 5.0, "seed": 1},
    ...     "parameters": {"alpha": {"values": [0.5, 2.0]}},
    ...     "outputs": {"estimands": ["coexistence"]}})
    >>> schedule = _Schedule(study, _missing_units(study, set()), workers=1, task_units=1)
    >>> first = [[(job.index, job.chunk) for job in task.jobs] for (task,) in schedule]
    >>> first
    [[(0, 0)], [(1, 0)], [(0, 1)], [(1, 1)]]
    """

    def __init__(
        self,
        study: Study,
        missing,
        workers: int,
        task_units: int | None,
        task_seconds: float = 0.0,
    ) -> None:
        self.study, self.workers, self.task_units = study, workers, task_units
        self.max_units = max(1, _MAX_TASK_REPLICATES // study.chunk)
        # per-replicate outputs travel back with the task: keep those tasks small
        small = study.outputs.timeseries or study.outputs.events
        self.task_seconds = 0.0 if small else task_seconds
        self.sizes = study.chunk_sizes()
        self.queues: dict[int, list[tuple[int, int, int]]] = {}
        for unit in sorted(missing, reverse=True):  # popped from the end: chunk order
            self.queues.setdefault(unit[0], []).append(unit)
        self.remaining = len(missing)
        self.fresh = sorted(self.queues, reverse=True)  # no unit handed out yet
        self.probing: dict[int, None] = {}  # handed out, not measured yet
        self.rate: dict[int, float] = {}  # seconds per replicate, measured
        self.dearest: list[tuple[float, int]] = []  # heap of (-rate, point) with units left

    def __iter__(self):
        while self.remaining:
            yield (self._next(),)

    def _point(self) -> int:
        if self.fresh:
            point = self.fresh.pop()
            if point not in self.rate:
                self.probing[point] = None
            return point
        for point in self.probing:
            return point
        while not self.queues.get(self.dearest[0][1]):
            heapq.heappop(self.dearest)
        return self.dearest[0][1]

    def _size(self, point: int) -> int:
        size = min(self.max_units, max(1, math.ceil(self.remaining / (4 * self.workers))))
        # the last units (four per worker) go one by one, whatever a round trip costs
        if self.task_seconds and self.rate.get(point) and self.remaining > 4 * self.workers:
            unit = self.rate[point] * self.study.chunk
            size = max(size, math.ceil(self.task_seconds / unit))
        return size

    def _next(self) -> Task:
        point = self._point()
        size = self.task_units or self._size(point)
        queue = self.queues[point]
        jobs = [queue.pop() for _ in range(min(size, len(queue)))]
        self.remaining -= len(jobs)
        if not queue:
            del self.queues[point]
            self.probing.pop(point, None)
        return _task(self.study, jobs)

    def record(self, results, seconds: float) -> None:
        """Note that the units ``results`` (of one task) took ``seconds``."""
        replicates = sum(self.sizes[chunk] for _, chunk, *_ in results)
        for point in {point for point, *_ in results}:
            if point in self.rate:
                continue
            self.rate[point] = seconds / max(replicates, 1)
            if point in self.probing:
                del self.probing[point]
            if point in self.queues:
                heapq.heappush(self.dearest, (-self.rate[point], point))


def _evaluate(study, store, backend, missing, show, task_units, log, expected):
    """Compute the missing units on ``backend`` (``None``: choose, see :func:`_evaluate_auto`).

    Returns the seconds taken, the backend's description when it was chosen here (else
    None), and the CPU seconds the units took.
    """
    if not missing:
        return 0.0, None, 0.0
    start = time.perf_counter()
    store_results = _UnitWriter(study, store, expected, log)
    total = sum(size for _, _, size in missing)
    description = None
    with _progress(show, study.name, total) as advance:
        try:
            if backend is None:
                description = _evaluate_auto(study, missing, task_units, store_results, advance)
            else:
                schedule = _Schedule(
                    study,
                    missing,
                    backend.workers,
                    task_units,
                    getattr(backend, "task_seconds", 0.0),
                )
                _run_schedule(backend, schedule, store_results, advance)
        except _UnitFailure as exc:
            raise StudyFileError(
                study.source,
                "parameters",
                f"point {exc.point} {study.points[exc.point]}: {exc.message}",
            ) from None
    return time.perf_counter() - start, description, store_results.unit_seconds


def _run_schedule(backend: Backend, schedule: _Schedule, store_results, advance) -> None:
    """Evaluate the schedule's tasks on ``backend``, storing each task's units at once."""
    for seconds, results in backend.imap_unordered(_timed_units, schedule):
        schedule.record(results, seconds)
        store_results(results, advance, seconds)


def _evaluate_auto(study, missing, task_units, store_results, advance) -> str:
    """Run the first units in-process, then the rest on a pool only if it pays.

    The probe takes units chunk by chunk across the points (so it samples the points'
    different costs) for :data:`~supercoherence.simulations.backends.PROBE_SECONDS`;
    the remaining work is estimated from its rate per replicate, and a pool of one
    worker per CPU is started only when
    :func:`~supercoherence.simulations.backends.pool_pays` (see that module for why the
    threshold is where it is).  As soon as the estimate says a pool will pay, the
    forkserver is started, so its imports overlap the rest of the probe.  Which process
    computes a unit never changes its numbers.
    """
    workers = os.cpu_count() or 1
    order = sorted(missing, key=lambda unit: (unit[1], unit[0]))
    total = sum(size for _, _, size in order)
    started = time.perf_counter()
    done = replicates = 0
    server = False
    with retained_memory():  # in-process: freed memory reused by the next unit
        while done < len(order) and time.perf_counter() - started < PROBE_SECONDS:
            task = _task(study, [order[done]])
            store_results.evaluate(task, advance)
            replicates += task.replicates
            done += 1
            elapsed = time.perf_counter() - started
            if not server and pool_pays(elapsed / replicates * (total - replicates), workers):
                start_forkserver()
                server = True
        rest = order[done:]
        elapsed = time.perf_counter() - started
        remaining = elapsed / max(replicates, 1) * sum(size for _, _, size in rest)
        if not rest or not pool_pays(remaining, workers):
            for (task,) in _Schedule(study, rest, 1, task_units):
                store_results.evaluate(task, advance)
            return (
                f"in-process (automatic: about {elapsed + remaining:.1f} s of work, below the "
                f"{POOL_MIN_SECONDS:g} s from which a pool of {workers} workers pays)"
            )
    with ProcessPoolBackend(workers) as pool:
        _run_schedule(pool, _Schedule(study, rest, workers, task_units), store_results, advance)
    return (
        f"process pool ({workers} workers, automatic: about {elapsed + remaining:.1f} s of "
        f"work; {done} unit(s) of the in-process probe)"
    )


class _UnitWriter:
    """Store a task's results (every point of a shared group) as they come back."""

    def __init__(self, study: Study, store: ResultStore, expected, log) -> None:
        self.store, self.expected, self.log = store, expected, log
        self.sizes = dict(enumerate(study.chunk_sizes()))
        self.groups: dict[int, list[int]] = {}
        for index, first in study.shared_points().items():
            self.groups.setdefault(first, []).append(index)
        self.unit_seconds = 0.0  # CPU seconds of the units stored

    def evaluate(self, task: Task, advance) -> None:
        """Evaluate ``task`` in this process and store its units."""
        seconds, results = _timed_units(task)
        self(results, advance, seconds)

    def __call__(self, results, advance, seconds: float = 0.0) -> None:
        self.unit_seconds += seconds
        store = self.store
        for point, chunk, stats, series, events in results:
            for member in (point, *self.groups.get(point, ())):
                if member != point and store.unit_path(member, chunk).exists():
                    continue  # a shared point's own checked unit
                if series is not None:
                    store.write_unit_series(member, chunk, series.assign(point=np.int64(member)))
                if events is not None:
                    store.write_unit_events(member, chunk, events.assign(point=np.int64(member)))
                store.write_unit(member, chunk, stats, identity=self.expected[(member, chunk)])
            advance(self.sizes[chunk])
        if results:
            self.log.info(
                "stored %d unit(s), last (point %d, chunk %d)", len(results), point, chunk
            )


class _progress:
    """A rich progress bar over replicates (rate, time left), or nothing when quiet."""

    def __init__(self, show: bool, name: str, total: int) -> None:
        self.show, self.name, self.total = show, name, total
        self._bar = None

    def __enter__(self):
        if not self.show:
            return lambda n: None
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} replicates/s"),
            TimeElapsedColumn(),
            # "about 0:01:10 left" while running, "done" at the end (not "left 0:00:00")
            TextColumn("{task.fields[left]}"),
        )
        self._bar.start()
        task = self._bar.add_task(self.name, total=self.total, rate="-", left="")

        def advance(n: int) -> None:
            self._bar.advance(task, n)
            state = self._bar.tasks[task]
            speed, remaining = state.speed, state.time_remaining
            if state.finished:
                left = "done"
            elif remaining is None:
                left = ""
            else:
                left = (
                    f"about {int(remaining) // 3600}:{int(remaining) % 3600 // 60:02d}:"
                    f"{int(remaining) % 60:02d} left"
                )
            self._bar.update(task, rate=f"{speed:,.0f}" if speed else "-", left=left)

        return advance

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.stop()


def merge_units(units: pd.DataFrame) -> pd.DataFrame:
    """Sum the unit statistics of each (point, request) in chunk order."""
    return (
        units.sort_values(["point", "request", "chunk"], kind="stable")
        .groupby(["point", "request"], sort=True)
        .agg(
            estimand=("estimand", "first"),
            at=("at", "first"),
            n=("n", "sum"),
            sum=("sum", "sum"),
            sum_sq=("sum_sq", "sum"),
            censored=("censored", "sum"),
        )
        .reset_index()
    )


def _analyse(
    study: Study, store: ResultStore, units: set[tuple[int, int]], pooled_verdict: bool = False
) -> float:
    """Write the study's tables; returns the seconds spent estimating the verdict.

    With ``pooled_verdict`` the points' verdicts may be estimated on a process pool
    (:func:`_verdict_judge`).
    """
    from supercoherence.simulations.analysis import (
        boundary_table,
        estimate_table,
        sobol_indices,
        verdict_table,
    )

    engine = get_engine(study.engine)
    merged = merge_units(store.read_units(units))
    estimates = estimate_table(study, merged, engine)
    store.write_table("estimates", estimates)
    boundary = sensitivity = verdicts = None
    if study.outputs.events:
        store.consolidate_events(units)
    verdict_seconds = 0.0
    if study.outputs.verdict:
        verdict_start = time.perf_counter()
        judge = _verdict_judge(store) if pooled_verdict else None
        verdicts = verdict_table(study, store.read_point_events, judge=judge)
        store.write_table("verdict", verdicts)
        verdict_seconds = time.perf_counter() - verdict_start
    if study.outputs.boundary:
        primary = engine.boundary_estimand
        if primary in study.outputs.estimands:
            boundary = boundary_table(study, estimates, engine, primary, verdicts=verdicts)
            store.write_table("boundary", boundary)
            _write_conditions(study, store)
    if study.outputs.sensitivity:
        sensitivity = sobol_indices(study, estimates, study.outputs.sensitivity)
        store.write_table("sensitivity", sensitivity)
    if study.outputs.timeseries:
        store.consolidate_series("timeseries", units)
    return verdict_seconds


def _write_conditions(study: Study, store: ResultStore) -> None:
    """``conditions.json``: the derived conditions of the report, computed once.

    The boundary table has just classified every distinct :math:`q_n` (cached in this
    process), so this costs little here; ``study report`` in a process of its own would
    otherwise classify them all again (26 certified products for the demo study).
    """
    from supercoherence.simulations.presentation.formulas import (
        CONDITIONS_FILE,
        conditions_json,
        derive_conditions,
        q_keys,
    )

    conditions = derive_conditions(study.points, study.engine)
    if conditions:
        keys = q_keys(study.points, study.engine)
        store.write_text(CONDITIONS_FILE, conditions_json(conditions, keys))


def _verdict_judge(store: ResultStore):
    """The verdicts of a study's points, on a process pool where it pays.

    When the forkserver is running (after a pooled evaluation, with the estimator
    preloaded) a pool of one worker per CPU costs about 0.05 s, so every point goes to
    it.  Otherwise the first point's verdict is estimated here and timed, and the others
    go to a pool only when their estimated cost is at least
    :data:`~supercoherence.simulations.backends.POOL_MIN_SECONDS` (the pool must then
    pay for its start-up).  Each point's verdict is seeded on its own
    (:func:`~supercoherence.simulations.analysis.verdict_row`), so where it is computed
    never changes it.
    """
    from supercoherence.simulations.analysis import verdict_row

    def on_pool(points: list[int], options: tuple, workers: int) -> dict[int, dict]:
        folder = str(store.directory)
        with ProcessPoolBackend(workers) as pool:
            tasks = [(folder, p, options) for p in points]
            return dict(pool.imap_unordered(_point_verdict, tasks))

    def here(points: list[int], options: tuple) -> dict[int, dict]:
        return {p: verdict_row(store.read_point_events(p), *options) for p in points}

    def judge(points: list[int], options: tuple) -> dict[int, dict]:
        workers = os.cpu_count() or 1
        if workers > 1 and len(points) > 1 and forkserver_started():
            return on_pool(points, options, min(workers, len(points)))
        start = time.perf_counter()
        done = here(points[:1], options)
        rest = points[1:]
        remaining = (time.perf_counter() - start) * len(rest)
        workers = min(workers, len(rest))
        if workers > 1 and pool_pays(remaining, workers):
            done.update(on_pool(rest, options, workers))
        else:
            done.update(here(rest, options))
        return done

    return judge


def _point_verdict(directory: str, point: int, options: tuple) -> tuple[int, dict]:
    """A worker's task: ``(point, its verdict row)`` from the study folder's events."""
    from supercoherence.simulations.analysis import verdict_row

    events = ResultStore(directory).read_point_events(point)
    return int(point), verdict_row(events, *options)


def load_results(directory: str | Path) -> StudyResults:
    """Reload a study folder.

    Parameters
    ----------
    directory : str or Path

    Returns
    -------
    StudyResults

    Raises
    ------
    StudyFileError
        If the folder holds no completed study, or a file is missing, damaged or does
        not match the SHA-256 the manifest recorded; the message names the file and
        says what to do.
    """
    store_dir = Path(directory)
    estimates_path = store_dir / "estimates.parquet"
    if not estimates_path.exists():
        raise StudyFileError(
            estimates_path, "", "missing: no completed study here (run `study run` on it)"
        )
    manifest = ResultStore.__new__(ResultStore)
    manifest.directory = store_dir
    manifest = manifest.read_manifest() or {}
    recorded = manifest.get("files", {})
    # every table read here is checked, not only the two the analysis needs
    tables = ("estimates", "points", "boundary", "sensitivity", "verdict")
    for name in (f"{table}.parquet" for table in tables):
        path = store_dir / name
        if path.exists():
            check_recorded(path, recorded)
    optional = {}
    for name in ("boundary", "sensitivity", "verdict"):
        path = store_dir / f"{name}.parquet"
        optional[name] = upgrade_names(read_parquet_file(path)) if path.exists() else None
    return StudyResults(
        directory=store_dir,
        estimates=upgrade_names(read_parquet_file(estimates_path)),
        points=upgrade_names(read_parquet_file(store_dir / "points.parquet")),
        boundary=optional["boundary"],
        sensitivity=optional["sensitivity"],
        manifest=manifest,
        verdict=optional["verdict"],
    )


@dataclass
class VerifyReport:
    """What :func:`verify_study` found.

    Attributes
    ----------
    directory : Path
    problems : list of str
        One line per problem (empty when the folder verifies).
    units : int
        Unit files checked.
    rows : int
        Estimate rows recomputed from the units.
    """

    directory: Path
    problems: list[str]
    units: int = 0
    rows: int = 0

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


def verify_study(directory: str | Path) -> VerifyReport:
    """Check a study folder end to end.

    Checks that the manifest is readable and the run complete; that ``study.toml`` (when
    it is a file's copy) has the manifest's fingerprint; that the points are the
    study's; that every expected unit is present, carries the right identity and
    checksum and has the SHA-256 the manifest recorded, and that no other unit file is
    there; that every recorded table has its recorded SHA-256; and that the estimates
    are what the units give.

    Parameters
    ----------
    directory : str or Path
        A study's output folder.

    Returns
    -------
    VerifyReport

    Examples
    --------
    >>> import tempfile
    >>> from supercoherence.simulations.study import parse_study
    >>> study = parse_study({"study": {"name": "v", "engine": "competition",
    ...     "replicates": 10, "horizon": 5.0, "seed": 3}, "parameters": {"alpha": 0.5},
    ...     "outputs": {"estimands": ["coexistence"]}})
    >>> out = tempfile.mkdtemp()
    >>> _ = run_study(study, out, workers=1)
    >>> verify_study(out).ok
    True
    """
    directory = Path(directory)
    report = VerifyReport(directory, [])
    store = ResultStore.__new__(ResultStore)
    store.directory, store.units = directory, directory / "units"
    store.series = directory / "series"
    store.event_dir = directory / "events"
    manifest = _verify_manifest(store, report.problems)
    if manifest is None:
        return report
    recorded = _recorded_files(manifest, directory, report.problems)
    study = _study_copy(directory, manifest, report.problems)
    _verify_files(directory, recorded, report.problems)
    expected = _expected_units(directory, manifest, study, report.problems)
    if expected is None:
        return report
    good = _verify_units(store, manifest, expected, recorded, report)
    if good:
        _verify_estimates(store, good, manifest["replicates"], report)
    return report


def _verify_manifest(store: ResultStore, problems: list[str]) -> dict[str, Any] | None:
    """The folder's manifest, or None (a problem noted) if there is nothing to verify."""
    directory = store.directory
    if not directory.is_dir():
        problems.append(f"{directory}: not a folder")
        return None
    if store.is_locked():
        problems.append(f"{directory}: a `study run` is writing to this folder now")
        return None
    try:
        manifest = store.read_manifest()
    except StudyFileError as exc:
        problems.append(str(exc))
        return None
    if manifest is None:
        problems.append(f"{directory / 'manifest.json'}: missing: no study run here")
        return None
    if manifest.get("status") != "complete":
        problems.append(
            f"{directory / 'manifest.json'}: the run is not complete (status "
            f"{manifest.get('status')!r}); run `study run` again on this folder to finish it"
        )
    return manifest


def _recorded_files(manifest, directory: Path, problems: list[str]) -> dict[str, str]:
    """The SHA-256 of every file the manifest records (empty, noted, if none)."""
    recorded = manifest.get("files")
    if not isinstance(recorded, dict):
        problems.append(
            f"{directory / 'manifest.json'}: records no file hashes (made by an older "
            "version); run `study run` again on this folder to record them"
        )
        recorded = {}
    return recorded


def _study_copy(directory: Path, manifest, problems: list[str]) -> Study | None:
    """The study read back from the folder's copy of its file, if it is the manifest's."""
    from supercoherence.simulations.study import load_study

    fingerprint = manifest.get("fingerprint")
    study = None
    text_path = directory / "study.toml"
    if text_path.exists() and not text_path.read_bytes().startswith(b"# study "):
        try:
            study = load_study(text_path, check_points=False)
        except StudyFileError as exc:
            problems.append(f"{text_path}: cannot be read back ({exc})")
        if study is not None and study.fingerprint() != fingerprint:
            old = manifest.get("identity")
            what = describe_changes(old, study.identity()) if isinstance(old, dict) else "?"
            problems.append(f"{text_path}: not the study the manifest records ({what})")
            study = None
    return study


def _verify_files(directory: Path, recorded: dict[str, str], problems: list[str]) -> None:
    """Every recorded file is there with its recorded SHA-256."""
    for name, digest in recorded.items():
        path = directory / name
        if not path.exists():
            problems.append(f"{path}: missing (recorded in the manifest)")
        elif file_sha256(path) != digest:
            problems.append(f"{path}: SHA-256 differs from the manifest (altered or damaged)")


def _expected_units(directory: Path, manifest, study, problems: list[str]):
    """The identity of every unit the study needs (from the study, else the manifest)."""
    fingerprint = manifest.get("fingerprint")
    points_per = manifest.get("points")
    chunks_per = manifest.get("seeds", {}).get("chunks_per_point")
    replicates = manifest.get("replicates")
    if not all(isinstance(v, int) for v in (points_per, chunks_per, replicates)):
        problems.append(f"{directory / 'manifest.json'}: lacks points, chunks or replicates")
        return None
    if study is not None:
        try:
            points = upgrade_names(read_parquet_file(directory / "points.parquet"))
            stored = points.drop(columns="point").to_dict("records")
            if len(stored) != len(study.points) or any(
                _normal(a) != _normal(b) for a, b in zip(stored, study.points, strict=False)
            ):
                problems.append(f"{directory / 'points.parquet'}: not the study's points")
        except StudyFileError as exc:
            problems.append(str(exc))
        expected = _expected(study)
    else:
        chunk = manifest.get("seeds", {}).get("chunk")
        sizes = [chunk] * (replicates // chunk) + (
            [replicates % chunk] if replicates % chunk else []
        )
        expected = {
            (i, j): {
                "fingerprint": fingerprint,
                "seed": manifest["seeds"]["study_seed"],
                "replicates": size,
            }
            for i in range(points_per)
            for j, size in enumerate(sizes)
        }
    return expected


def _verify_units(store: ResultStore, manifest, expected, recorded, report) -> set:
    """Check the unit files; return the good ones."""
    directory, problems = store.directory, report.problems
    series = bool(manifest.get("timeseries", False))
    good, unit_problems = store.check_units(
        expected, series=series, events=bool(manifest.get("events", False))
    )
    report.units = len(good) + len(unit_problems)
    problems.extend(str(p) for p in unit_problems)
    missing = sorted(set(expected) - good - {_key(p.path) for p in unit_problems})
    if missing:
        problems.append(
            f"{store.units}: {len(missing)} of {len(expected)} units missing (first: point "
            f"{missing[0][0]}, chunk {missing[0][1]}); run `study run` again to compute them"
        )
    for key in sorted(good):
        name = f"units/{store.unit_path(*key).name}"
        if recorded and name not in recorded:
            problems.append(f"{directory / name}: not recorded in the manifest")
    return good


def _verify_estimates(store: ResultStore, good: set, replicates: int, report) -> None:
    """The stored estimates are what the checked units give."""
    from supercoherence.simulations.analysis import summary_columns

    directory, problems = store.directory, report.problems
    try:
        estimates = upgrade_names(read_parquet_file(directory / "estimates.parquet"))
    except StudyFileError as exc:
        problems.append(str(exc))
        return
    merged = merge_units(store.read_units(good))
    columns = summary_columns(merged, replicates)
    columns.insert(0, "at", merged["at"].to_numpy(dtype=float))
    columns.insert(0, "estimand", merged["estimand"].astype(str).to_numpy())
    columns.insert(0, "point", merged["point"].to_numpy())
    report.rows = len(columns)
    keys = ["point", "estimand", "at"]
    try:
        stored = estimates[[*keys, *(c for c in columns.columns if c not in keys)]]
    except KeyError as exc:
        problems.append(f"{directory / 'estimates.parquet'}: lacks column {exc}")
        return
    if len(stored) != len(columns):
        problems.append(
            f"{directory / 'estimates.parquet'}: {len(stored)} rows, the units give {len(columns)}"
        )
        return
    for name in columns.columns:
        a = stored[name].to_numpy()
        b = columns[name].to_numpy()
        same = (
            np.array_equal(a.astype(float), b.astype(float), equal_nan=True)
            if name not in ("estimand",)
            else np.array_equal(a.astype(str), b.astype(str))
        )
        if not same:
            problems.append(
                f"{directory / 'estimates.parquet'}: column {name!r} is not what the units "
                "give; run `study run` again on this folder to rebuild it"
            )


def _key(path: Path) -> tuple[int, int] | None:
    import re

    match = re.match(r"^p(\d+)_c(\d+)\.parquet$", path.name)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _normal(point: dict) -> dict:
    from supercoherence.simulations.study import normalise_value

    return normalise_value(dict(point))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@functools.cache
def _versions() -> dict[str, str | None]:
    """The installed versions of this package and its dependencies (read once: 25 ms)."""
    versions = {}
    for name in ("supercoherence", *_DEPENDENCIES):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _manifest(study: Study, previous: dict[str, Any], resumed: bool) -> dict[str, Any]:
    versions = _versions()
    return {
        "study": study.name,
        "description": study.description,
        "source": study.source,
        "fingerprint": study.fingerprint(),
        "identity": study.identity(),
        "timeseries": study.outputs.timeseries,
        "events": study.outputs.events,
        "shared_points": {str(k): v for k, v in study.shared_points().items()},
        "engine": study.engine,
        "engine_options": study.engine_options,
        "horizon": study.horizon if math.isfinite(study.horizon) else "inf",
        "replicates": study.replicates,
        "points": len(study.points),
        "seeds": {
            "study_seed": study.seed,
            "chunk": study.chunk,
            "chunks_per_point": study.n_chunks,
            "unit_seed": "SeedSequence(study_seed, spawn_key=(point, chunk))",
        },
        "versions": {"python": sys.version.split()[0], **versions},
        "git_commit": _git_commit(),
        "machine": {
            "platform": platform.platform(),
            "machine": platform.machine(),
            "processor": platform.processor(),
            "cpus": os.cpu_count(),
        },
        "status": "running",
        "started": _now(),
        "first_started": previous.get("first_started", previous.get("started", _now())),
        "resumed": resumed,
        "runs": int(previous.get("runs", 0)) + 1,
    }


@functools.cache
def _git_commit() -> str | None:
    """The commit of the code this process imported (asked once: a ``git`` process)."""
    here = Path(__file__).resolve().parent
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None
