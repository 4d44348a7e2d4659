r"""Execution backends behind one interface: in-process, a process pool, Dask.

A backend runs a picklable function on a list of argument tuples and yields the
results *as they complete* (in any order), so the caller can store each one at once.
Which worker computes what never changes the numbers: every unit of work carries its
own seed (see :mod:`supercoherence.simulations.runner`).

``InProcessBackend``
    Runs the tasks one after the other in this process (``workers = 1``).
``ProcessPoolBackend``
    :class:`concurrent.futures.ProcessPoolExecutor` on a ``forkserver`` context whose
    server preloads the engines, so workers start fast and no thread state is forked.
``DaskBackend``
    ``dask.distributed``: ``"local"`` starts a :class:`distributed.LocalCluster` (one
    thread per worker process, or threads in this process with ``processes=False``);
    ``"tcp://host:port"`` joins a running scheduler.

**One thread per worker.**  A worker is one process doing numpy work; a multithreaded
BLAS inside it would make its helper threads spin on the other cores between calls (so
two workers needed four cores; issue 12).  The hot paths call no BLAS at all
(:mod:`supercoherence.moments`), and every worker is limited to one BLAS/OpenMP thread
anyway: the forkserver starts with ``OPENBLAS_NUM_THREADS=1`` (and the OpenMP/MKL
equivalents, :data:`THREAD_VARIABLES`) before it imports numpy, and each pool worker's
initializer sets them again (and applies ``threadpoolctl`` when it is installed);
Dask's nanny sets the same variables in its workers (its ``pre-spawn-environ``
setting) and :class:`DaskBackend` applies the limit to its worker processes as well.

**When a pool pays.**  Starting a pool costs :math:`S` seconds (1.7-2.1 s warm,
7.7-9.7 s with a cold bytecode cache on the 2-core machine of issue 12: a fresh
interpreter importing numpy, pandas and the engines per worker).  Work :math:`W` on
:math:`n` workers then takes :math:`S + W/n` against :math:`W` in-process, so the pool
wins only for :math:`W > S\,n/(n - 1)`: 4 s warm, 16-19 s cold for :math:`n = 2`.
:func:`~supercoherence.simulations.runner.run_study` (when ``workers`` is not given) runs the
first units in-process for :data:`PROBE_SECONDS`, estimates the remaining work from
their rate, and starts a pool only when it is at least :data:`POOL_MIN_SECONDS` = 10 s:
between the warm and the cold break-even, so a pool is never started to save less than
about 3 s, and at worst (cold) it costs a few seconds on a study that is long anyway.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from multiprocessing import forkserver
from typing import Any

from supercoherence.checks import check_positive_int
from supercoherence.errors import ParameterError

__all__ = [
    "POOL_MIN_SECONDS",
    "PROBE_SECONDS",
    "THREAD_VARIABLES",
    "Backend",
    "DaskBackend",
    "InProcessBackend",
    "ProcessPoolBackend",
    "limit_worker_threads",
    "make_backend",
    "pool_pays",
]

#: Imported once by the forkserver, so every pool worker starts with them loaded
#: (copy-on-write) instead of importing them itself: the runner, the scenario layer and
#: the chain engine (what every takeover study needs), and the storage libraries.
_PRELOAD = [
    "supercoherence.simulations.runner",
    "supercoherence.simulations.engines",
    "supercoherence.simulations.estimands",
    "supercoherence.models.engine",
    "supercoherence.theory.scenario",
    "pandas",
    "pyarrow.parquet",
]

#: Environment variables that cap the threads of BLAS / OpenMP libraries in a worker.
THREAD_VARIABLES = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)

#: Estimated remaining work (seconds on one worker) from which a pool is started.
POOL_MIN_SECONDS = 10.0

#: How long the first units run in-process to measure the work's rate.
PROBE_SECONDS = 0.5


def limit_worker_threads() -> None:
    """Cap this process's BLAS/OpenMP threads at one (a pool worker's initializer).

    Sets :data:`THREAD_VARIABLES` (read by libraries loaded later and by children) and,
    when ``threadpoolctl`` is installed, limits the libraries already loaded.

    Examples
    --------
    >>> limit_worker_threads()  # doctest: +SKIP
    """
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # the forkserver was started with the variables set
        return
    threadpool_limits(limits=1)


@contextmanager
def _single_threaded_environment() -> Iterator[None]:
    """Set :data:`THREAD_VARIABLES` to 1 while inside (for processes started there)."""
    saved = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def pool_pays(remaining_seconds: float, workers: int) -> bool:
    """Whether a pool of ``workers`` is worth starting for this much remaining work.

    Examples
    --------
    >>> pool_pays(3.0, 2), pool_pays(30.0, 2), pool_pays(30.0, 1)
    (False, True, False)
    """
    return workers > 1 and remaining_seconds >= POOL_MIN_SECONDS


class Backend:
    """Common interface: a context manager with :meth:`imap_unordered`.

    Attributes
    ----------
    workers : int
        Number of parallel workers.
    description : str
        What the manifest records (``"process pool (2 workers)"``).
    """

    workers = 1
    description = ""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the workers."""

    def imap_unordered(
        self, fn: Callable[..., Any], tasks: Sequence[tuple]
    ) -> Iterator[Any]:  # pragma: no cover - abstract
        """Yield ``fn(*args)`` for every ``args`` in ``tasks``, in completion order."""
        raise NotImplementedError


class InProcessBackend(Backend):
    """Run every task in this process, in order.

    Examples
    --------
    >>> with InProcessBackend() as backend:
    ...     list(backend.imap_unordered(pow, [(2, 3), (3, 2)]))
    [8, 9]
    """

    description = "in-process"

    def imap_unordered(self, fn, tasks):
        for args in tasks:
            yield fn(*args)


class ProcessPoolBackend(Backend):
    """A local pool of worker processes (the default backend).

    Parameters
    ----------
    workers : int
        Number of processes, ``>= 1``.

    Examples
    --------
    >>> with ProcessPoolBackend(2) as backend:
    ...     sorted(backend.imap_unordered(pow, [(2, 3), (3, 2)]))
    [8, 9]
    """

    def __init__(self, workers: int) -> None:
        self.workers = check_positive_int("workers", workers)
        self.description = f"process pool ({self.workers} workers)"
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        with _single_threaded_environment():  # numpy loads in the server with one thread
            forkserver.ensure_running()
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=limit_worker_threads
        )

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def imap_unordered(self, fn, tasks):
        pending = {self._executor.submit(fn, *args) for args in tasks}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        finally:
            for future in pending:
                future.cancel()


class DaskBackend(Backend):
    """Dask distributed: a LocalCluster (``"local"``) or an existing scheduler.

    Parameters
    ----------
    address : str
        ``"local"`` or a scheduler address ``"tcp://host:port"``.
    workers : int, optional
        Workers of a local cluster (default: the number of CPUs).
    processes : bool
        Local cluster only: worker processes (default) or threads in this process.

    Raises
    ------
    ParameterError
        For an address that is neither ``"local"`` nor ``scheme://host:port``.

    Examples
    --------
    >>> DaskBackend("nowhere")
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: dask = 'nowhere' is out of range: allowed 'local' or tcp://host:port
    """

    def __init__(self, address: str, workers: int | None = None, *, processes: bool = True):
        if address != "local" and "://" not in address:
            raise ParameterError("dask", address, "'local' or tcp://host:port")
        from distributed import Client, LocalCluster

        self._cluster = None
        if address == "local":
            n = check_positive_int("workers", os.cpu_count() or 1 if workers is None else workers)
            self._cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self._client = Client(self._cluster)
            self.description = f"dask LocalCluster ({n} workers)"
        else:
            self._client = Client(address)
            self.description = f"dask {address}"
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))
        if processes or address != "local":  # worker processes: cap their threads too
            self._client.run(limit_worker_threads)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def imap_unordered(self, fn, tasks):
        from distributed import as_completed

        futures = [self._client.submit(fn, *args, pure=False) for args in tasks]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def make_backend(workers: int | None = None, dask: str | None = None) -> Backend:
    """Choose a backend: Dask if ``dask`` is given, else a pool, in-process for 1 worker.

    Parameters
    ----------
    workers : int, optional
        Parallel workers, >= 1 (default, ``None``: the number of CPUs; 0 is refused).
    dask : str, optional
        ``"local"`` or ``"tcp://host:port"``.

    Examples
    --------
    >>> make_backend(1).description
    'in-process'
    >>> make_backend(0)
    Traceback (most recent call last):
    ...
    supercoherence.errors.ParameterError: workers = 0 is out of range: ...
    """
    if dask is not None:
        return DaskBackend(dask, workers)
    n = check_positive_int("workers", os.cpu_count() or 1 if workers is None else workers)
    return InProcessBackend() if n == 1 else ProcessPoolBackend(n)
