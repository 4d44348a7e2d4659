"""Run a study: sample -> evaluate -> analyse, streaming every unit to disk.

Seeding.  The replicates of a point are cut into chunks of ``study.chunk`` (a fixed
grid set by the study file).  Unit ``(i, j)`` (point i, chunk j) draws from
``SeedSequence(study.seed, spawn_key=(i, j))``, so every unit's numbers are fixed by the
study file alone.  Units are grouped into tasks only for scheduling; the statistics of
a point are merged in chunk order.  Hence the results are bit-identical whatever the
number of workers, the task size, the backend, and whether the run was interrupted and
resumed.

Resume.  A unit's file appears atomically when the unit is complete
(:mod:`supercoherence.simulations.store`); running the study again computes only the
units without a file, then recomputes the (cheap) analysis from all unit files.

Time series (``outputs.timeseries``, abm).  Unit ``(i, j)`` returns the per-step rows of
its replicates, numbered ``j * chunk + r`` within the point, with the column ``point``
added; they are stored per unit before the unit's statistics and consolidated into
``timeseries.parquet`` in ``(point, replicate, step)`` order.
"""

from __future__ import annotations

import json
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
from typing import Any

import numpy as np
import pandas as pd

from supercoherence.simulations.backends import Backend, make_backend
from supercoherence.simulations.engines import get_engine
from supercoherence.simulations.estimands import ESTIMANDS, statistics
from supercoherence.simulations.store import ResultStore
from supercoherence.simulations.study import Study, load_study

__all__ = ["StudyResults", "evaluate_units", "load_results", "run_study", "unit_seed"]

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
    manifest : dict
    timeseries : pandas.DataFrame or None
        Property: the per-step time series of an abm study that asked for them.
    """

    directory: Path
    estimates: pd.DataFrame
    points: pd.DataFrame
    boundary: pd.DataFrame | None
    sensitivity: pd.DataFrame | None
    manifest: dict[str, Any]

    @property
    def timeseries(self) -> pd.DataFrame | None:
        """``timeseries.parquet`` (read on access), or None when the study has none."""
        path = self.directory / "timeseries.parquet"
        return pd.read_parquet(path) if path.exists() else None

    @property
    def flagged(self) -> pd.DataFrame:
        """Rows whose estimate disagrees with its closed form by more than 4 SE."""
        return self.estimates[self.estimates["flag"]]


def unit_seed(seed: int, point: int, chunk: int) -> np.random.SeedSequence:
    """The seed of unit ``(point, chunk)``: ``SeedSequence(seed, spawn_key=(point, chunk))``.

    Examples
    --------
    >>> unit_seed(7, 2, 3).spawn_key
    (2, 3)
    """
    return np.random.SeedSequence(seed, spawn_key=(point, chunk))


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


def evaluate_units(
    engine: str,
    horizon: float,
    options: dict[str, Any],
    requests: list[tuple[str, float]],
    seed: int,
    jobs: list[tuple[int, dict[str, Any], int, int]],
    chunk: int = 0,
    timeseries: bool = False,
) -> list[tuple[int, int, dict[str, np.ndarray], pd.DataFrame | None]]:
    """Evaluate units of a study (runs in a worker).

    Parameters
    ----------
    engine : str
        Engine name.
    horizon : float
        Study horizon.
    options : dict
        Engine options.
    requests : list of (str, float)
        ``(estimand, at)`` pairs.
    seed : int
        Study seed.
    jobs : list of (point index, point, chunk index, replicates)
    chunk : int
        The study's chunk size (numbers the replicates of a time series).
    timeseries : bool
        Also return each unit's per-step time series.

    Returns
    -------
    list of (point, chunk, statistics, time series or None)
        See :func:`supercoherence.simulations.estimands.statistics`; the time series has
        the column ``point`` first and replicates numbered within the point.

    Examples
    --------
    >>> [(p, c, s["n"].tolist(), ts) for p, c, s, ts in evaluate_units("competition",
    ...     10.0, {}, [("coexistence", float("nan"))], 1, [(0, {}, 0, 5)])]
    [(0, 0, [5], None)]
    """
    model = get_engine(engine)
    out = []
    for index, point, unit, size in jobs:
        table, series = model.evaluate(
            point,
            size,
            unit_seed(seed, index, unit),
            horizon=horizon,
            options=options,
            timeseries=timeseries,
        )
        stats = statistics(table, requests, horizon)
        stats["request"] = np.arange(len(requests), dtype=np.int64)
        if series is not None:
            series = series.assign(replicate=series["replicate"] + unit * chunk)
            series.insert(0, "point", np.int64(index))
        out.append((index, unit, stats, series))
    return out


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
        Parallel workers (default: the number of CPUs; 1 runs in-process).
    dask : str, optional
        ``"local"`` (a LocalCluster) or ``"tcp://host:port"``.
    backend : Backend, optional
        An open backend to use instead (not closed here).
    progress : bool
        Show a rich progress bar (rate and time left).
    task_units : int, optional
        Units per scheduled task (default: about four tasks per worker). Does not change
        the results.

    Returns
    -------
    StudyResults

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
    directory = Path(out) if out is not None else Path("results") / study.name
    store = ResultStore(directory)
    resumed = store.claim(study.fingerprint(), study.text)
    log = store.logger()
    started = time.perf_counter()
    manifest = _manifest(study, store, resumed)
    try:
        store.write_text("study.toml", study.text or _toml_placeholder(study))
        store.write_table(
            "points", pd.DataFrame(study.points).assign(point=range(len(study.points)))
        )
        missing = _missing_units(study, store)
        log.info(
            "study %s: %d units to compute, %d stored",
            study.name,
            len(missing),
            len(study.points) * study.n_chunks - len(missing),
        )
        own_backend = backend is None and bool(missing)
        active = make_backend(workers, dask) if own_backend else backend
        manifest["backend"] = active.description if active else "none (all units stored)"
        store.write_manifest(manifest)
        try:
            evaluate_seconds = _evaluate(study, store, active, missing, progress, task_units, log)
        finally:
            if own_backend:
                active.close()
        analyse_start = time.perf_counter()
        results = _analyse(study, store)
        manifest["timings"] = {
            "evaluate_seconds": evaluate_seconds,
            "analyse_seconds": time.perf_counter() - analyse_start,
            "total_seconds": time.perf_counter() - started,
        }
        manifest["units_computed"] = len(missing)
        manifest["status"] = "complete"
        manifest["finished"] = _now()
        store.write_manifest(manifest)
        log.info("study %s complete in %.2f s", study.name, manifest["timings"]["total_seconds"])
        results.manifest = manifest
        return results
    finally:
        store.close_logger()


def _toml_placeholder(study: Study) -> str:
    return f"# study {study.name!r} was given as a mapping, not a file\n"


def _missing_units(study: Study, store: ResultStore) -> list[tuple[int, int, int]]:
    done = store.completed_units()
    sizes = study.chunk_sizes()
    return [
        (i, j, size)
        for i in range(len(study.points))
        for j, size in enumerate(sizes)
        if (i, j) not in done
    ]


def _tasks(study: Study, missing, workers: int, task_units: int | None):
    if task_units is None:
        task_units = max(1, math.ceil(len(missing) / (4 * workers)))
        task_units = min(task_units, max(1, _MAX_TASK_REPLICATES // study.chunk))
    requests = _requests(study)
    for start in range(0, len(missing), task_units):
        jobs = [(i, study.points[i], j, size) for i, j, size in missing[start : start + task_units]]
        yield (
            study.engine,
            study.horizon,
            study.engine_options,
            requests,
            study.seed,
            jobs,
            study.chunk,
            study.outputs.timeseries,
        )


def _evaluate(study, store, backend, missing, show, task_units, log) -> float:
    if not missing:
        return 0.0
    start = time.perf_counter()
    tasks = list(_tasks(study, missing, backend.workers, task_units))
    total = sum(size for _, _, size in missing)
    sizes = dict(enumerate(study.chunk_sizes()))
    with _progress(show, study.name, total) as advance:
        for results in backend.imap_unordered(evaluate_units, tasks):
            for point, chunk, stats, series in results:
                if series is not None:
                    store.write_unit_series(point, chunk, series)
                store.write_unit(point, chunk, stats)
                advance(sizes[chunk])
            log.info("stored %d unit(s), last (point %d, chunk %d)", len(results), point, chunk)
    return time.perf_counter() - start


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
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} replicates/s"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
        )
        self._bar.start()
        task = self._bar.add_task(self.name, total=self.total, rate="-")

        def advance(n: int) -> None:
            self._bar.advance(task, n)
            speed = self._bar.tasks[task].speed
            self._bar.update(task, rate=f"{speed:,.0f}" if speed else "-")

        return advance

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.stop()


def _analyse(study: Study, store: ResultStore) -> StudyResults:
    from supercoherence.simulations.analysis import boundary_table, estimate_table, sobol_indices

    engine = get_engine(study.engine)
    units = store.read_units()
    merged = (
        units.sort_values(["point", "request", "chunk"], kind="stable")
        .groupby(["point", "request"], sort=True)
        .agg(
            estimand=("estimand", "first"),
            at=("at", "first"),
            n=("n", "sum"),
            sum=("sum", "sum"),
            sum_sq=("sum_sq", "sum"),
        )
        .reset_index()
    )
    estimates = estimate_table(study, merged, engine)
    store.write_table("estimates", estimates)
    boundary = sensitivity = None
    if study.outputs.boundary:
        primary = (
            "supercoherence_by_horizon" if study.engine != "competition" else ("mesa_takes_over")
        )
        if primary in study.outputs.estimands:
            boundary = boundary_table(study, estimates, engine, primary)
            store.write_table("boundary", boundary)
    if study.outputs.sensitivity:
        sensitivity = sobol_indices(study, estimates, study.outputs.sensitivity)
        store.write_table("sensitivity", sensitivity)
    if study.outputs.timeseries:
        store.consolidate_series("timeseries")
    return load_results(store.directory)


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
        If the folder holds no completed study.
    """
    from supercoherence.errors import StudyFileError

    store_dir = Path(directory)
    estimates_path = store_dir / "estimates.parquet"
    if not estimates_path.exists():
        raise StudyFileError(store_dir, "estimates.parquet", "missing: no completed study here")
    manifest_path = store_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    optional = {}
    for name in ("boundary", "sensitivity"):
        path = store_dir / f"{name}.parquet"
        optional[name] = pd.read_parquet(path) if path.exists() else None
    return StudyResults(
        directory=store_dir,
        estimates=pd.read_parquet(estimates_path),
        points=pd.read_parquet(store_dir / "points.parquet"),
        boundary=optional["boundary"],
        sensitivity=optional["sensitivity"],
        manifest=manifest,
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _manifest(study: Study, store: ResultStore, resumed: bool) -> dict[str, Any]:
    previous = store.read_manifest() or {}
    versions = {}
    for name in ("supercoherence", *_DEPENDENCIES):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "study": study.name,
        "description": study.description,
        "source": study.source,
        "fingerprint": study.fingerprint(),
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


def _git_commit() -> str | None:
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
