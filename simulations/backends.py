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
equivalents, :data:`THREAD_VARIABLES`) before it imports numpy, and each worker runs
:func:`prepare_worker` first (the pool's initializer; a Dask worker plugin), which sets
them again and applies ``threadpoolctl``.

**Freed memory stays in the worker.**  A chain unit of :math:`5 \times 10^5` replicates
allocates about 27 MB of arrays of 4 MB and frees them at its end.  By default glibc
returns such blocks to the kernel at once (``mmap`` above its threshold, heap trimming
above 128 KiB), so the next unit takes every page again: about 6,800 minor page faults
per unit, each a kernel entry that zeroes 4 KiB (memory traffic the two workers
share): 25% of the unit's CPU time, in the kernel, on the machine of issue 12
(44-50 ms -> 33-37 ms per unit without them; the 64-unit benchmark study in-process
3.8-4.3 s -> 2.7-3.3 s of CPU, 370,000 -> 7,000 faults).  :func:`retain_freed_memory`
sets glibc's ``M_MMAP_THRESHOLD`` to :data:`MMAP_THRESHOLD` (32 MiB, glibc's maximum)
and ``M_TRIM_THRESHOLD`` to :data:`TRIM_THRESHOLD` (256 MiB), so a worker keeps and
reuses its freed blocks (0 faults per unit after the first); Dask's nanny starts its
workers with ``MALLOC_TRIM_THRESHOLD_=65536`` (its ``pre-spawn-environ``), which the
plugin overrides.  In-process evaluation does the same for the duration of the study
only (:func:`retained_memory`), then gives the kept memory back.
Elsewhere than glibc this is a no-op.  It never changes a number.

**Lazy submission.**  :meth:`Backend.imap_unordered` takes its tasks from an iterable
one at a time and keeps :data:`IN_FLIGHT` tasks per worker submitted (one running, one
queued), so the caller may choose each next task from the results so far (the runner
hands out the dearest units first: its ``task_units``) and a worker never waits on the
parent for its next task.

**Dask's costs.**  A Dask task costs the parent (scheduler, nannies and client run
there) and its worker about 5-10 ms of CPU time together, against 0.3 ms for a pool
task, and a local cluster's processes spend 80 ms/s when idle: its workers sample
their stacks every 10 ms (the profiler), poll the GIL every 1 ms and the memory every
100 ms.  On two cores that time is taken from the workers (issue 12 measured Dask at
0.75-0.80 of the pool).  So :class:`DaskBackend` starts a local cluster with the
profiler and the GIL monitor off and the monitors at 1-2 s (:data:`DASK_LOCAL_CONFIG`;
idle cost 15 ms/s), and asks for tasks of at least :data:`DASK_TASK_SECONDS` (its
:attr:`Backend.task_seconds`: the runner then groups units of a point into a task), so
the cost per task is a few percent of the task.

**When a pool pays.**  Starting a pool costs :math:`S` seconds (1.7-2.1 s warm,
7.7-9.7 s with a cold bytecode cache on the 2-core machine of issue 12: a fresh
interpreter importing numpy, pandas and the engines; measured again for the forkserver,
its imports take 2.2 s of CPU time, and each worker is then a fork of it, 0.04-0.08 s
for a second pool in the same process).  Work :math:`W` on
:math:`n` workers then takes :math:`S + W/n` against :math:`W` in-process, so the pool
wins only for :math:`W > S\,n/(n - 1)`: 4 s warm, 16-19 s cold for :math:`n = 2`.
:func:`~supercoherence.simulations.runner.run_study` (when ``workers`` is not given) runs the
first units in-process for :data:`PROBE_SECONDS`, estimates the remaining work from
their rate, and starts a pool only when it is at least :data:`POOL_MIN_SECONDS` = 10 s:
between the warm and the cold break-even, so a pool is never started to save less than
about 3 s, and at worst (cold) it costs a few seconds on a study that is long anyway.
The forkserver (which does the importing) is started as soon as the probe's estimate
reaches that (:func:`start_forkserver`), so its imports overlap the rest of the probe
on the other core.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import platform
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from multiprocessing import forkserver
from typing import Any

from supercoherence.checks import check_positive_int
from supercoherence.errors import ParameterError

__all__ = [
    "DASK_LOCAL_CONFIG",
    "DASK_TASK_SECONDS",
    "IN_FLIGHT",
    "MMAP_THRESHOLD",
    "POOL_MIN_SECONDS",
    "PROBE_SECONDS",
    "THREAD_VARIABLES",
    "TRIM_THRESHOLD",
    "Backend",
    "DaskBackend",
    "InProcessBackend",
    "ProcessPoolBackend",
    "limit_worker_threads",
    "forkserver_started",
    "make_backend",
    "pool_pays",
    "preload",
    "prepare_worker",
    "retain_freed_memory",
    "retained_memory",
    "start_forkserver",
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

_FORKSERVER_STARTED = False

#: Tasks kept submitted per worker by :meth:`Backend.imap_unordered` (one running, one
#: waiting, so a worker never waits for the parent to choose its next task).
IN_FLIGHT = 2

#: Shortest task worth a Dask round trip (seconds of work): about 20 times its cost.
DASK_TASK_SECONDS = 0.2

#: Settings of a local Dask cluster (see the module docstring): what it does besides
#: running tasks, cut to what a study needs.
DASK_LOCAL_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
}

#: Blocks from this size are ``mmap``-ed by glibc (and unmapped at ``free``): 32 MiB,
#: the largest value glibc accepts on 64-bit machines.
MMAP_THRESHOLD = 32 * 2**20

#: Free memory at the top of the heap that glibc keeps instead of trimming: 256 MiB.
TRIM_THRESHOLD = 256 * 2**20

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def limit_worker_threads() -> None:
    """Cap this process's BLAS/OpenMP threads at one.

    Sets :data:`THREAD_VARIABLES` (read by libraries loaded later and by children) and
    limits the libraries already loaded with ``threadpoolctl``.

    Examples
    --------
    >>> limit_worker_threads()  # doctest: +SKIP
    """
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)


def _glibc():
    """This process's C library if it is glibc (with ``mallopt``), else None."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") else None


def retain_freed_memory(retain: bool = True) -> bool:
    """Let this process keep the memory it frees (glibc), or give it back.

    With ``retain``, blocks up to :data:`MMAP_THRESHOLD` come from the heap and up to
    :data:`TRIM_THRESHOLD` of free heap is kept, so a unit reuses the pages of the
    previous one instead of faulting them in again (see the module docstring).  Without
    it (after an in-process study), the free heap is given back (``malloc_trim``) and
    the trim threshold becomes twice the mmap threshold: glibc's own dynamic rule, at
    the value that rule reaches after the 32 MiB blocks of a study.  glibc cannot return
    to its dynamic thresholds once they are set, and its 128 KiB starting values would
    map and fault every array over 128 KiB afresh (880,000 faults on the study that
    takes 7,000 this way).  Allocation never changes a number.

    Returns
    -------
    bool
        Whether it applied (False when the C library is not glibc).

    Examples
    --------
    >>> applied = retain_freed_memory()
    >>> applied in (True, False), retain_freed_memory(False) == applied
    (True, True)
    """
    libc = _glibc()
    if libc is None:
        return False
    trim = TRIM_THRESHOLD if retain else 2 * MMAP_THRESHOLD
    done = bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        libc.mallopt(_M_TRIM_THRESHOLD, trim)
    )
    if not retain and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
    return done


@contextmanager
def retained_memory() -> Iterator[None]:
    """:func:`retain_freed_memory` while inside; the kept memory given back after.

    Examples
    --------
    >>> with retained_memory():
    ...     pass
    """
    applied = retain_freed_memory()
    try:
        yield
    finally:
        if applied:
            retain_freed_memory(False)


def prepare_worker() -> None:
    """Set up a worker process: one BLAS/OpenMP thread, freed memory kept.

    The process pool's initializer, and what :class:`DaskBackend`'s worker plugin runs
    on every Dask worker (see :func:`limit_worker_threads`,
    :func:`retain_freed_memory`).

    Examples
    --------
    >>> prepare_worker()  # doctest: +SKIP
    """
    limit_worker_threads()
    retain_freed_memory()


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


def start_forkserver():
    """Start the pool's forkserver (if it is not running) and return its context.

    The server imports the engines (:data:`_PRELOAD`) with one BLAS thread.  Starting it
    does not wait for those imports: they run in the server process while this one
    goes on, and the first worker is forked once they are done.

    Examples
    --------
    >>> start_forkserver().get_start_method()  # doctest: +SKIP
    'forkserver'
    """
    global _FORKSERVER_STARTED
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    with _single_threaded_environment():  # numpy loads in the server with one thread
        forkserver.ensure_running()
    _FORKSERVER_STARTED = True
    return context


def preload(*modules: str) -> None:
    """Have the forkserver import ``modules`` too, if it is not running yet.

    The runner asks for the verdict estimator (scipy.stats, scipy.optimize) when a study
    has a verdict, so the workers that estimate it are forked with it imported.

    Examples
    --------
    >>> preload("supercoherence.simulations.runner")  # already there: listed once
    >>> _PRELOAD.count("supercoherence.simulations.runner")
    1
    """
    for module in modules:
        if module not in _PRELOAD:
            _PRELOAD.append(module)


def forkserver_started() -> bool:
    """Whether this process has started the pool's forkserver (new workers are cheap).

    Examples
    --------
    >>> isinstance(forkserver_started(), bool)
    True
    """
    return _FORKSERVER_STARTED


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
    task_seconds : float
        The shortest task worth sending (seconds of work; 0: any), so that the cost of
        a round trip stays a small part of a task.
    """

    workers = 1
    description = ""
    task_seconds = 0.0

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the workers."""

    def imap_unordered(
        self, fn: Callable[..., Any], tasks: Iterable[tuple]
    ) -> Iterator[Any]:  # pragma: no cover - abstract
        """Yield ``fn(*args)`` for every ``args`` in ``tasks``, in completion order.

        ``tasks`` is read lazily: the next one is taken only when a worker is about
        to need it (:data:`IN_FLIGHT` per worker), after the results before it were
        yielded, so a generator may choose it from them.
        """
        raise NotImplementedError


class InProcessBackend(Backend):
    """Run every task in this process, in order (freed memory kept while it runs).

    Examples
    --------
    >>> with InProcessBackend() as backend:
    ...     list(backend.imap_unordered(pow, [(2, 3), (3, 2)]))
    [8, 9]
    """

    description = "in-process"

    def imap_unordered(self, fn, tasks):
        with retained_memory():
            for args in tasks:
                yield fn(*args)


def _lazily(submit, wait_some, tasks: Iterable[tuple], limit: int) -> Iterator[Any]:
    """Keep ``limit`` tasks submitted; yield each result as it completes.

    ``submit(args)`` returns a future; ``wait_some(pending)`` returns the futures of
    ``pending`` that are done (at least one), each of which is yielded before the
    next task is taken from ``tasks``.
    """
    source = iter(tasks)
    pending: set = set()
    try:
        while True:
            for args in source:
                pending.add(submit(args))
                if len(pending) >= limit:
                    break
            if not pending:
                return
            for future in wait_some(pending):
                pending.discard(future)
                yield future.result()
    finally:
        for future in pending:
            future.cancel()


class ProcessPoolBackend(Backend):
    """A local pool of worker processes (the default backend).

    Workers are forked by the forkserver (:func:`start_forkserver`) and set up by
    :func:`prepare_worker`.

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
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=start_forkserver(), initializer=prepare_worker
        )

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def imap_unordered(self, fn, tasks):
        def wait_some(pending):
            return wait(pending, return_when=FIRST_COMPLETED).done

        yield from _lazily(
            lambda args: self._executor.submit(fn, *args),
            wait_some,
            tasks,
            IN_FLIGHT * self.workers,
        )


def _dask_worker_plugin():
    """A Dask worker plugin that runs :func:`prepare_worker` on every worker."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class PrepareWorker(WorkerPlugin):
        name = "supercoherence-prepare-worker"

        def setup(self, worker) -> None:
            prepare_worker()

    return PrepareWorker()


class DaskBackend(Backend):
    """Dask distributed: a LocalCluster (``"local"``) or an existing scheduler.

    A local cluster has one thread per worker process and the settings
    :data:`DASK_LOCAL_CONFIG`; every worker (also of a cluster joined by address) is
    set up by :func:`prepare_worker` through a worker plugin, which also reaches
    workers that start later.  Tasks should hold at least :data:`DASK_TASK_SECONDS` of
    work (:attr:`Backend.task_seconds`).

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
        import dask
        from distributed import Client, LocalCluster

        self._cluster = None
        self.task_seconds = DASK_TASK_SECONDS
        if address == "local":
            n = check_positive_int("workers", os.cpu_count() or 1 if workers is None else workers)
            with dask.config.set(DASK_LOCAL_CONFIG):  # the nannies pass it to the workers
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
        if processes or address != "local":  # worker processes (threads: this process)
            self._client.register_plugin(_dask_worker_plugin())

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def imap_unordered(self, fn, tasks):
        from distributed import as_completed

        done = as_completed()

        def submit(args):
            future = self._client.submit(fn, *args, pure=False)
            done.add(future)
            return future

        def wait_some(pending):
            return [next(done)]

        yield from _lazily(submit, wait_some, tasks, IN_FLIGHT * self.workers)


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
