"""Backends and scheduling: what runs where and in which order never changes a number.

The schedule hands out every unit once, measures each point first, then the dearest
points first in tasks that shrink to one unit; a backend reads its tasks lazily (at
most ``IN_FLIGHT`` per worker ahead of the results); glibc keeps the memory a worker
frees (no page faults per repeated allocation); Dask-sized tasks group units.
"""

from __future__ import annotations

import math
import resource

import numpy as np
import pandas.testing as pdt
import pytest

from supercoherence.simulations import parse_study, run_study, runner
from supercoherence.simulations.backends import (
    IN_FLIGHT,
    InProcessBackend,
    ProcessPoolBackend,
    retain_freed_memory,
)

CHAIN = {
    "study": {
        "name": "sched",
        "engine": "chain",
        "replicates": 1200,
        "chunk": 200,
        "horizon": math.inf,
        "seed": 5,
    },
    "parameters": {"spawn_rate": {"values": [0.3, 1.0, 3.0]}, "entrenchment_rate": 0.5},
    "outputs": {"estimands": ["supercoherence_by_horizon", "mean_takeovers"]},
}


def _units(schedule, costs=None):
    """Drain a schedule (recording ``costs[point]`` seconds per unit): its tasks' units."""
    tasks = []
    for (task,) in schedule:
        units = [(job.index, job.chunk) for job in task.jobs]
        tasks.append(units)
        if costs is not None:
            results = [(i, j, None, None, None) for i, j in units]
            schedule.record(results, sum(costs[i] for i, _ in units))
    return tasks


def test_every_unit_once_then_the_dearest_points_first():
    study = parse_study(CHAIN)
    missing = runner._missing_units(study, set())
    costs = {0: 1.0, 1: 5.0, 2: 3.0}  # seconds per unit: point 1 dearest, 0 cheapest
    tasks = _units(runner._Schedule(study, missing, workers=2, task_units=None), costs)
    flat = [unit for task in tasks for unit in task]
    assert sorted(flat) == [(i, j) for i, j, _ in missing]  # each unit exactly once
    assert all(len({i for i, _ in task}) == 1 for task in tasks)  # one point per task
    assert [task[0][0] for task in tasks[:3]] == [0, 1, 2]  # every point measured first
    after = [i for task in tasks[3:] for i, _ in task]
    assert after == sorted(after, key=lambda i: -costs[i])  # then dearest first
    assert len(tasks[-1]) == 1  # the last task is one (cheap) unit


def test_dask_sized_tasks_group_units_once_a_point_is_measured():
    study = parse_study({**CHAIN, "study": {**CHAIN["study"], "replicates": 2400}})
    missing = runner._missing_units(study, set())
    costs = {0: 0.01, 1: 0.01, 2: 0.01}  # 10 ms units, tasks of at least 40 ms
    schedule = runner._Schedule(study, missing, 1, None, task_seconds=0.04)
    tasks = _units(schedule, costs)
    assert sorted(u for task in tasks for u in task) == [(i, j) for i, j, _ in missing]
    last, remaining = study.n_chunks - 1, len(missing)
    for number, task in enumerate(tasks):
        if remaining <= 4:  # the last four units (four per worker): one by one
            assert len(task) == 1, tasks
        elif number >= 3:  # measured: >= 40 ms of units, or what is left of the point
            assert len(task) >= 4 or task[-1][1] == last, tasks
        remaining -= len(task)
    ungrouped = _units(runner._Schedule(study, missing, 1, None), costs)
    assert len(tasks) < len(ungrouped)


def test_tasks_are_read_lazily_at_most_in_flight_ahead():
    pulled = []

    def tasks():
        for k in range(20):
            pulled.append(k)
            yield (k,)

    with ProcessPoolBackend(1) as pool:
        results = pool.imap_unordered(abs, tasks())
        first = next(results)
        assert len(pulled) <= IN_FLIGHT * pool.workers + 1
        assert sorted([first, *results]) == list(range(20))
    with InProcessBackend() as backend:
        pulled.clear()
        assert next(backend.imap_unordered(abs, tasks())) == 0
        assert pulled == [0]


class _Grouping(InProcessBackend):
    """In-process, asking for tasks of at least a second (every unit of a point)."""

    task_seconds = 1.0


def test_results_do_not_depend_on_task_sizes_and_the_timings_add_up(tmp_path):
    study = parse_study(CHAIN)
    reference = run_study(study, tmp_path / "ref", workers=1)
    grouped = run_study(study, tmp_path / "grouped", backend=_Grouping())
    pdt.assert_frame_equal(grouped.estimates, reference.estimates)
    timings = reference.manifest["timings"]
    # Bookkeeping, not speed: in-process, the units' CPU time is part of this process's.
    assert 0 < timings["unit_cpu_seconds"] <= timings["parent_cpu_seconds"]
    assert timings["evaluate_parent_cpu_seconds"] <= timings["parent_cpu_seconds"]


def _faults_per_allocation(repeats: int = 10) -> float:
    """Minor page faults per round of six 4 MB arrays (a chain unit's pattern)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(repeats):
        arrays = [np.ones(500_000) for _ in range(6)]
        del arrays
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / repeats


def test_a_worker_reuses_the_memory_it_frees():
    from supercoherence.simulations import backends

    libc = backends._glibc()
    if libc is None:
        pytest.skip("not glibc: the allocator is left as it is")
    try:
        # glibc returning every block at once (its 128 KiB starting thresholds)
        libc.mallopt(backends._M_MMAP_THRESHOLD, 128 * 1024)
        libc.mallopt(backends._M_TRIM_THRESHOLD, 128 * 1024)
        returned = _faults_per_allocation()
        assert retain_freed_memory()
        _faults_per_allocation(1)  # the heap grows once
        kept = _faults_per_allocation()
    finally:
        retain_freed_memory(False)
    # six arrays of 977 pages of 4 KiB: returned, each round faults them in again
    assert returned > 5000, returned
    assert kept < 100, kept


def test_verdicts_on_a_pool_equal_those_in_process(tmp_path) -> None:
    """The runner's pooled verdict (every point to the workers once the forkserver runs)
    gives the same table, to the bit, as the in-process one."""
    from supercoherence.simulations.analysis import verdict_table
    from supercoherence.simulations.backends import forkserver_started, start_forkserver
    from supercoherence.simulations.store import ResultStore

    study = parse_study(
        {
            "study": {
                "name": "pooled-verdict",
                "engine": "chain",
                "replicates": 1000,
                "horizon": float("inf"),
                "seed": 3,
            },
            "engine": {"max_takeovers": 1000},
            "parameters": {
                "hazard": {"values": ["constant", "entrenchment"]},
                "entrenchment_rate": {"values": [0.125, 1.0]},
                "entrenchment_weakening": {"values": [0.0, 1.0]},
            },
            "outputs": {
                "estimands": ["mean_takeovers"],
                "events_horizon": 200.0,
                "verdict": {"bootstrap": 40},
            },
        }
    )
    run_study(study, tmp_path, workers=1)
    store = ResultStore(tmp_path)
    here = verdict_table(study, store.read_point_events)
    pdt.assert_frame_equal(here, store.read_table("verdict"))
    start_forkserver()
    assert forkserver_started()
    judged = []

    def judge(points, options):
        judged.extend(points)
        return runner._verdict_judge(store)(points, options)

    pooled = verdict_table(study, store.read_point_events, judge=judge)
    assert judged == [0, 4, 5, 6, 7]  # the constant hazard ignores delta and w: 5 models
    pdt.assert_frame_equal(pooled, here)
    assert set(here["estimated_outcome"]) - {"undecided"}  # something was decided
