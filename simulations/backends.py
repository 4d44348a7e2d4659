"""Execution backends behind one interface: in-process, a process pool, Dask.

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
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from supercoherence.checks import check_positive_int
from supercoherence.errors import ParameterError

__all__ = ["Backend", "DaskBackend", "InProcessBackend", "ProcessPoolBackend", "make_backend"]

_PRELOAD = ["supercoherence.simulations.runner"]


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
        self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)

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
