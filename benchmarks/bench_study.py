"""Benchmarks of the study runner: parallel speed-up, Dask overhead, a large chain study.

Cases (``cases(quick)``):

- the same study on 2 processes vs 1 (target >= 1.7x on 2 cores): a chain-engine study
  (numpy on arrays of 4 MB) and the shipped ABM ``nested`` study (CPU-bound Python);
- the Dask LocalCluster backend vs the process pool, both with 2 workers (target: Dask
  within 15%, i.e. ratio pool/dask >= 0.85);

  these three are interleaved and repeated (best of :data:`REPEATS`), and their
  ``extra`` gives the CPU accounting of the best runs from the manifest's timings:
  ``unit_cpu`` (the units, wherever they ran) and ``parent_cpu`` (this process:
  start, storage, checks, analysis), the serial fraction
  :math:`f = P_2 / (P_2 + U_1)` with :math:`P_2` the parent's CPU time on 2 workers
  (all of it counted serial, an upper bound: storing overlaps the workers) and
  :math:`U_1` the units' on one, Amdahl's bound :math:`1 / (f + (1 - f) / 2)`, the
  units' CPU on 2 workers over 1 (contention between the workers; 1 is none), and the
  speed-up these CPU times predict on 2 idle cores,
  :math:`T_1 / (P_2 - E_2 + (E_2 + U_2) / 2)` with :math:`E_2` the parent's CPU time
  while the units run (it shares the cores with them) and :math:`T_1` the 1-process
  run's CPU time;
- a 20-point study of 10^6 replicates per point on the chain engine, end to end with
  storage (quick: 10^5), against the target of 4 s on 2 cores (ratio = 4 s / seconds,
  so >= 1 meets it; the quick size is a tenth of the work);
- a chain-engine study unit (``unit_statistics``: the streamed statistics of the law of
  N, P(supercoherence) and E[N] at an infinite horizon) against the tally path
  ``estimate_tail_law`` on the same point and replicates, per replicate (target <= 2x),
  and the same unit with the final alignment (drift draws per takeover; context);
- the chain engine vs the Mesa model (engine ``abm``, nesting off) on the same
  homogeneous study (same scenario, replicates and horizon), in-process: end to end with
  storage, and the bare engine calls; ratio = Mesa seconds / engine seconds (the
  engine's speed-up), replicates per second of each in ``extra``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from supercoherence.simulations import parse_study, run_study
from supercoherence.simulations.backends import DaskBackend, ProcessPoolBackend

#: The homogeneous scenario of the engine-vs-Mesa comparison.
_HOMOGENEOUS = {
    "spawn_rate": 1.0,
    "alignment_skill": 0.5,
    "detection": 0.5,
    "hazard": "entrenchment",
    "entrenchment_rate": 0.5,
    "drift": 0.9,
}
_HORIZON = 20


def _study(points: int, replicates: int, chunk: int):
    return parse_study(
        {
            "study": {
                "name": "bench",
                "engine": "chain",
                "replicates": replicates,
                "chunk": chunk,
                "horizon": float("inf"),
                "seed": 1,
            },
            "parameters": {
                "spawn_rate": {"linspace": [0.2, 2.0, points]},
                "entrenchment_rate": 0.5,
                "drift": 0.9,
            },
            "outputs": {
                "estimands": ["supercoherence_by_horizon", "mean_takeovers", "final_alignment"]
            },
        }
    )


#: Interleaved repeats of the parallel cases (their best is reported).
REPEATS = 3


def _timed(study, **kwargs) -> float:
    return _run(study, **kwargs)[0]


def _run(study, **kwargs) -> tuple[float, dict]:
    """Seconds of one run and its manifest's timings."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        results = run_study(study, Path(folder) / "run", **kwargs)
        return time.perf_counter() - start, results.manifest["timings"]


def _best_runs(study, setups: dict, repeats: int = REPEATS) -> dict[str, tuple[float, dict]]:
    """Best of ``repeats`` interleaved runs of ``study`` per setup (``name: kwargs``)."""
    best: dict[str, tuple[float, dict]] = {}
    for _ in range(repeats):
        for name, kwargs in setups.items():
            run = _run(study, **kwargs)
            if name not in best or run[0] < best[name][0]:
                best[name] = run
    return best


def _accounting(one: dict, two: dict) -> dict:
    """CPU accounting of a 1-process and a 2-worker run (see the module docstring)."""
    serial = two["parent_cpu_seconds"]
    units = one["unit_cpu_seconds"]
    fraction = serial / (serial + units)
    during = two["evaluate_parent_cpu_seconds"]
    # on 2 cores the parent's work while the units run shares the cores with them
    predicted = one["parent_cpu_seconds"] / (
        serial - during + (during + two["unit_cpu_seconds"]) / 2
    )
    return {
        "unit_cpu_1": round(units, 3),
        "unit_cpu_2": round(two["unit_cpu_seconds"], 3),
        "parent_cpu_1_non_unit": round(one["parent_cpu_seconds"] - units, 3),
        "parent_cpu_2": round(serial, 3),
        "parent_cpu_2_while_units_run": round(during, 3),
        "serial_fraction": round(fraction, 3),
        "amdahl_bound_2": round(1 / (fraction + (1 - fraction) / 2), 2),
        "unit_cpu_2_over_1": round(two["unit_cpu_seconds"] / units, 3),
        "predicted_2": round(predicted, 2),
    }


def _load() -> float:
    import os

    return round(os.getloadavg()[0], 2)


def _row(case, seconds, baseline, baseline_seconds, target, extra):
    return {
        "benchmark": "study",
        "case": case,
        "seconds": seconds,
        "baseline": baseline,
        "baseline_seconds": baseline_seconds,
        "ratio": baseline_seconds / seconds,
        "target": target,
        "extra": extra,
    }


def cases(quick: bool) -> list[dict]:
    """Benchmark rows (see benchmarks/README.md)."""
    # Enough work per (point, chunk) unit (~0.1 s) that the comparison measures the
    # parallel evaluation rather than the fixed cost of scheduling and storing 64 units.
    replicates = 400_000 if quick else 4_000_000
    study = _study(8, replicates, replicates // 8)
    repeats = 1 if quick else REPEATS
    with ProcessPoolBackend(2) as pool, DaskBackend("local", 2) as dask:
        setups = {"one": {"workers": 1}, "pool": {"backend": pool}, "dask": {"backend": dask}}
        for kwargs in setups.values():  # warm this process (imports, laws) and the workers
            _run(study, **kwargs)
        load = _load()
        best = _best_runs(study, setups, repeats)
    (one, one_t), (two, two_t), (on_dask, dask_t) = best["one"], best["pool"], best["dask"]
    size = {"points": 8, "replicates": replicates, "best_of": repeats, "load_1min": load}
    rows = [
        _row(
            "2 processes vs 1, chain engine",
            two,
            "1 process",
            one,
            ">= 1.7x",
            {**size, **_accounting(one_t, two_t)},
        ),
        _abm_speed_up(repeats),
        _row(
            "dask LocalCluster vs process pool",
            on_dask,
            "process pool (2)",
            two,
            ">= 0.85x",
            {
                **size,
                "dask_parent_cpu": round(dask_t["parent_cpu_seconds"], 3),
                "pool_parent_cpu": round(two_t["parent_cpu_seconds"], 3),
                "dask_unit_cpu": round(dask_t["unit_cpu_seconds"], 3),
                "pool_unit_cpu": round(two_t["unit_cpu_seconds"], 3),
            },
        ),
    ]
    big_replicates = 100_000 if quick else 1_000_000
    big = _study(20, big_replicates, 100_000)
    seconds = _timed(big, workers=2)
    rows.append(
        _row(
            f"20 points x {big_replicates} replicates, chain, stored",
            seconds,
            "target 4 s",
            4.0,
            ">= 1x (4 s)" if not quick else "(quick: 1/10 of the work)",
            {"replicates_per_second": 20 * big_replicates / seconds},
        )
    )
    rows.extend(_unit_vs_tally(200_000 if quick else 1_000_000))
    rows.extend(_engine_vs_mesa(2_000 if quick else 20_000))
    return rows


def _unit_vs_tally(replicates: int) -> list[dict]:
    """A streamed chain study unit vs the tally path, per replicate, on one point."""
    import numpy as np

    from supercoherence.models.engine import estimate_tail_law
    from supercoherence.simulations.engines import get_engine

    engine = get_engine("chain")
    study = _study(2, replicates, replicates)
    point = study.points[0]
    law = engine.law(point, study.engine_options)
    seed = np.random.SeedSequence(1, spawn_key=(0, 0))
    tally = _best(lambda: estimate_tail_law(law, law.max_takeovers, replicates, seed=seed))
    rows = []
    for case, estimands, target in (
        (
            "law of N, P(supercoherence), E[N]",
            ["supercoherence_by_horizon", "mean_takeovers", "law_of_n"],
            "<= 2x",
        ),
        (
            "the same and the final alignment",
            ["supercoherence_by_horizon", "mean_takeovers", "law_of_n", "final_alignment"],
            "",
        ),
    ):
        requests = [(name, 1.0 if name == "law_of_n" else float("nan")) for name in estimands]

        def unit(requests=requests):
            engine.unit_statistics(
                point,
                replicates,
                seed,
                horizon=study.horizon,
                options=study.engine_options,
                requests=requests,
            )

        seconds = _best(unit)
        rows.append(
            {
                "benchmark": "study",
                "case": f"chain study unit vs tally, per replicate: {case}",
                "seconds": seconds,
                "baseline": "estimate_tail_law (same point, replicates)",
                "baseline_seconds": tally,
                "ratio": seconds / tally,
                "target": target,
                "extra": {
                    "replicates": replicates,
                    "unit_ns_per_replicate": 1e9 * seconds / replicates,
                    "tally_ns_per_replicate": 1e9 * tally / replicates,
                },
            }
        )
    return rows


def _best(task, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        task()
        best = min(best, time.perf_counter() - start)
    return best


def _abm_speed_up(repeats: int) -> dict:
    """The shipped nested study (Mesa model, CPU-bound) on 2 processes vs 1."""
    from supercoherence.simulations import load_study

    study = load_study("nested")
    with ProcessPoolBackend(2) as pool:
        setups = {"one": {"workers": 1}, "pool": {"backend": pool}}
        for kwargs in setups.values():  # warm this process too, and the workers
            _run(study, **kwargs)
        load = _load()
        best = _best_runs(study, setups, repeats)
    (one, one_t), (two, two_t) = best["one"], best["pool"]
    return _row(
        "2 processes vs 1, abm nested study",
        two,
        "1 process",
        one,
        ">= 1.7x",
        {
            "points": len(study.points),
            "replicates": study.replicates,
            "best_of": repeats,
            "load_1min": load,
            **_accounting(one_t, two_t),
        },
    )


def _same_study(engine: str, replicates: int):
    options = {"nesting": False} if engine == "abm" else {}
    return parse_study(
        {
            "study": {
                "name": f"homogeneous-{engine}",
                "engine": engine,
                "replicates": replicates,
                "chunk": replicates,
                "horizon": _HORIZON,
                "seed": 3,
            },
            "engine": options,
            "parameters": _HOMOGENEOUS,
            "outputs": {"estimands": ["law_of_n", "mean_takeovers", "final_alignment"]},
        }
    )


def _engine_vs_mesa(replicates: int) -> list[dict]:
    from supercoherence.models.engine import simulate_chain
    from supercoherence.models.nested import simulate_abm
    from supercoherence.theory.scenario import TakeoverScenario

    chain_study = _timed(_same_study("chain", replicates), workers=1)
    mesa_study = _timed(_same_study("abm", replicates), workers=1)
    scenario = TakeoverScenario.from_mapping(_HOMOGENEOUS)
    start = time.perf_counter()
    simulate_chain(scenario, replicates, seed=3, horizon=_HORIZON)
    chain_call = time.perf_counter() - start
    start = time.perf_counter()
    simulate_abm(scenario, replicates, seed=3, horizon=_HORIZON)
    mesa_call = time.perf_counter() - start
    rows = []
    for case, engine, mesa in (
        ("engine vs Mesa, same homogeneous study, stored", chain_study, mesa_study),
        ("engine vs Mesa, bare simulate calls", chain_call, mesa_call),
    ):
        rows.append(
            _row(
                case,
                engine,
                "Mesa model (abm, nesting off)",
                mesa,
                "",
                {
                    "replicates": replicates,
                    "horizon": _HORIZON,
                    "engine_replicates_per_second": replicates / engine,
                    "mesa_replicates_per_second": replicates / mesa,
                },
            )
        )
    return rows


if __name__ == "__main__":  # pragma: no cover
    for row in cases(quick=True):
        print(row)
