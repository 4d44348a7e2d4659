"""The fast engine against the floor of one uniform per replicate.

Baseline (the floor): draw one float64 uniform per replicate with numpy's default
Generator (PCG64), ``rng.random(out=buffer)`` into a reused buffer of
``STREAM_BLOCK`` values (faster than one big ``rng.random(R)``, so the stricter
floor).  Each timing is the best of three runs in this process; peak memory is
measured in a separate run with ``tracemalloc`` (numpy reports its buffers to it).

Cases:

- ``tail law``: ``estimate_tail_law`` -- P(N >= n) for n = 0..1000 over
  10^7 replicates (quick: 10^6), for the telescoping ``q_n = 1/(n+2)^2`` (1000
  thresholds spread over [1/2, 1]) and a stationary ``q = 0.001``.  Target <= 5x.
- ``full table``: ``simulate_chain`` with times and drift for an escalating
  entrenchment scenario (10^6 replicates, quick 10^5), per-replicate table kept and
  not kept.  Context only (its cost grows with the number of takeovers simulated).
- ``per takeover`` (issue 12): the cost of the drift (``M = 1000``, ``q = 0.001``,
  ``rho = 0.9``, ``D = 2``: about 630 takeovers per replicate) and of the timed
  takeovers (the same chain with a clock, a constant-plus-entrenchment hazard) per
  simulated takeover, each the run with the column minus the run without it, against a
  naive coin loop per replicate-level (one Bernoulli(q) per chain still going, the
  cheapest way to walk the same levels: the "no-drift case" of issue 12, whose 12x was
  this ratio).  The three are timed in interleaved rounds.  Target <= 3x.  A timed
  takeover needs one uniform (the coin's cost) and two ``log1p`` (the truncated
  exponential and the inverse hazard); a drift step of ``D = 2`` half a raw word and one
  table look-up.
- ``timed takeover arithmetic alone``: the floor under the timed row, timed in the same
  rounds: the same replicate-levels through the engine's own ``finite_tenure`` with no
  bookkeeping (the chains still going kept as a prefix).  Its ratio to the coin loop is
  what any level-by-level numpy sampler of these tenures pays before it keeps track of
  a single replicate; ``bookkeeping_share`` in the timed row is the rest.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from supercoherence.models.engine import STREAM_BLOCK, estimate_tail_law, simulate_chain
from supercoherence.theory.scenario import TakeoverScenario

N_MAX = 1000
REPEATS = 3


def _best_seconds(task: Callable[[], object]) -> float:
    best = np.inf
    for _ in range(REPEATS):
        start = time.perf_counter()
        task()
        best = min(best, time.perf_counter() - start)
    return float(best)


def _peak_bytes(task: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        task()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _floor(replicates: int) -> Callable[[], None]:
    def draw() -> None:
        rng = np.random.default_rng(0)
        buffer = np.empty(STREAM_BLOCK)
        for start in range(0, replicates, STREAM_BLOCK):
            rng.random(out=buffer[: min(STREAM_BLOCK, replicates - start)])

    return draw


def _row(case: str, task: Callable[[], object], replicates: int, floor: float, target: str):
    seconds = _best_seconds(task)
    return {
        "benchmark": "engine",
        "case": case,
        "seconds": seconds,
        "baseline": f"one uniform per replicate ({replicates:.0e})",
        "baseline_seconds": floor,
        "ratio": seconds / floor,
        "target": target,
        "extra": {
            "replicates": replicates,
            "peak_memory_mb": _peak_bytes(task) / 2**20,
            "ns_per_replicate": 1e9 * seconds / replicates,
        },
    }


def _coin_loop(q: float, levels: int, replicates: int) -> Callable[[], int]:
    """Walk the levels with one coin per chain still going; returns the replicate-levels."""

    def walk() -> int:
        rng = np.random.default_rng(0)
        steps = 0
        for start in range(0, replicates, STREAM_BLOCK):
            alive = min(STREAM_BLOCK, replicates - start)
            for _ in range(levels):
                if not alive:
                    break
                steps += alive
                alive -= int(np.count_nonzero(rng.random(alive) < q))
        return steps

    return walk


def _tenure_floor(model, levels: int, replicates: int) -> tuple[Callable[[], None], int]:
    """The arithmetic of the timed takeovers alone: the floor under the engine's loop.

    The same replicate-levels as ``simulate_chain(model, ...)`` (its chains' lengths),
    each with one uniform put through the engine's own
    :meth:`~supercoherence.models.engine.law.ChainLaw.finite_tenure` and added to its
    time, but with the replicates still going kept as a prefix: no compaction, no exits,
    no outputs written (so not the same tenures per replicate; the same work per
    takeover).  Returns the task and the number of takeovers it simulates.
    """
    from supercoherence.models.engine.law import ChainLaw
    from supercoherence.models.engine.sampling import block_generators

    law = ChainLaw.from_model(model, levels)
    n = simulate_chain(model, replicates, seed=1, max_takeovers=levels, columns=["n_takeovers"])
    steps = n.table["n_takeovers"]
    blocks = range(0, replicates, STREAM_BLOCK)
    # alive[level, b]: chains of block b still going at that level
    alive = np.stack(
        [(steps[lo : lo + STREAM_BLOCK, None] > np.arange(levels)).sum(axis=0) for lo in blocks],
        axis=1,
    )

    def walk() -> None:
        generators = block_generators(1, replicates)
        buffer, time = np.empty(replicates), np.zeros(replicates)
        for level in range(levels):
            counts = alive[level].tolist()
            going = sum(counts)
            if not going:
                break
            lo = 0
            for g, k in zip(generators, counts, strict=True):
                g.random(out=buffer[lo : lo + k])
                lo += k
            v = law.finite_tenure(level, buffer[:going], overwrite=True)
            np.add(time[:going], v, out=time[:going])

    return walk, int(steps.sum())


def _per_takeover_rows(replicates: int) -> list[dict]:
    """Drift and timed takeovers: seconds per simulated takeover vs the coin loop.

    The coin loop and, per case, the runs with and without the column are timed in
    rounds (one of each per round, ``REPEATS`` rounds, best of each), so that a change
    of machine load between them does not bias the ratio.
    """
    from supercoherence.theory.hazard import EntrenchmentHazard

    q, levels = 0.001, 1000
    walk = _coin_loop(q, levels, replicates)
    specs = (
        ("drift", q, "final_alignment", {"drift": 0.9}),
        ("timed takeovers", EntrenchmentHazard(1.0, 0.15), "last_takeover_time", {}),
    )

    def runner(model, columns, kwargs):
        def run():
            return simulate_chain(
                model,
                replicates,
                seed=1,
                max_takeovers=levels,
                columns=columns,
                keep_replicates=False,
                **kwargs,
            )

        return run

    tasks = {"coin": walk}
    for case, model, column, kwargs in specs:
        tasks[case, "base"] = runner(model, ["n_takeovers"], kwargs)
        tasks[case, "full"] = runner(model, [column], kwargs)
    floor, floor_takeovers = _tenure_floor(specs[1][1], levels, replicates)
    tasks["tenure floor"] = floor
    best = dict.fromkeys(tasks, np.inf)
    for _ in range(REPEATS):
        for name, task in tasks.items():
            start = time.perf_counter()
            task()
            best[name] = min(best[name], time.perf_counter() - start)
    coin = best["coin"] / walk()
    floor_per = best["tenure floor"] / floor_takeovers
    rows = []
    for case, _model, _column, _kwargs in specs:
        summary = tasks[case, "base"]().summary
        takeovers = summary.mean_takeovers().estimate * replicates
        full, base = best[case, "full"], best[case, "base"]
        per = (full - base) / takeovers
        rows.append(
            {
                "benchmark": "engine",
                "case": f"{case} per simulated takeover (q={q}, M={levels})",
                "seconds": full,
                "baseline": "coin loop per replicate-level",
                "baseline_seconds": coin * takeovers,
                "ratio": per / coin,
                "target": "<= 3x",
                "extra": {
                    "replicates": replicates,
                    "takeovers_per_replicate": takeovers / replicates,
                    "ns_per_takeover": 1e9 * per,
                    "coin_ns_per_replicate_level": 1e9 * coin,
                    "seconds_without_column": base,
                },
            }
        )
    timed = rows[-1]
    timed["extra"]["arithmetic_floor_ratio"] = floor_per / coin
    timed["extra"]["bookkeeping_share"] = 1 - floor_per / timed["extra"]["ns_per_takeover"] * 1e9
    rows.append(
        {
            "benchmark": "engine",
            "case": "timed takeover arithmetic alone (the floor under the row above)",
            "seconds": best["tenure floor"],
            "baseline": "coin loop per replicate-level",
            "baseline_seconds": coin * floor_takeovers,
            "ratio": floor_per / coin,
            "target": "",
            "extra": {
                "replicates": replicates,
                "ns_per_takeover": 1e9 * floor_per,
                "operations": "1 uniform, 2 multiply, 2 log1p, 1 min, 1 divide, 1 add",
            },
        }
    )
    return rows


def cases(quick: bool) -> list[dict]:
    """Benchmark rows (see ``benchmarks/README.md``)."""
    replicates = 10**6 if quick else 10**7
    floor = _best_seconds(_floor(replicates))
    rows = [
        _row(
            f"tail law n<={N_MAX}, q_n=1/(n+2)^2",
            lambda: estimate_tail_law(lambda n: 1 / (n + 2) ** 2, N_MAX, replicates, seed=1),
            replicates,
            floor,
            "<= 5x",
        ),
        _row(
            f"tail law n<={N_MAX}, q=0.001",
            lambda: estimate_tail_law(0.001, N_MAX, replicates, seed=1),
            replicates,
            floor,
            "<= 5x",
        ),
    ]
    table_replicates = replicates // 10
    table_floor = _best_seconds(_floor(table_replicates))
    scenario = TakeoverScenario(
        spawn_rate=3, capability_ratio=1.5, detection_scaling=0.4, drift=0.8, utility_dimension=6
    )
    for keep in (True, False):
        rows.append(
            _row(
                f"full table, escalating entrenchment (keep_replicates={keep})",
                lambda keep=keep: simulate_chain(
                    scenario, table_replicates, seed=2, keep_replicates=keep
                ),
                table_replicates,
                table_floor,
                "",
            )
        )
    rows.extend(_per_takeover_rows(20_000 if quick else 100_000))  # per-level overhead amortised
    return rows


if __name__ == "__main__":
    import sys

    for row in cases("--quick" in sys.argv):
        print(f"{row['case']}: {row['seconds']:.3f} s, ratio {row['ratio']:.2f}, {row['extra']}")
