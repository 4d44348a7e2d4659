"""Mesa model speed: agent-steps per second against the trivial Mesa model (the floor).

For ``N`` = 10^3, 10^4, 10^5 optimizers (quick mode: 10^3, 10^4) the nested-optimizer model
starts from a random tree of ``N`` optimizers (drawn once, outside the timings) with
nesting off, so the size stays ``N`` (takeovers replace optimizers in place, one for
one), and runs a fixed number of steps.  Rows:

* ``abm``: today's independent-contest model against the floor, a Mesa model of ``N``
  agents whose ``step`` draws one random number, run with ``model.agents.do("step")`` in
  the same process; ``ratio`` = model seconds / floor seconds for the same agent-steps
  (target: < 1 at every size, <= 0.1, i.e. >= 10x the floor, at 10^5);
* ``abm-interacting``: the interacting model (power by subtree, treachery checks,
  repeated challenges) against today's model on the same tree (target <= 2x) and, in
  ``extra``, against the floor;
* ``abm-build``: building the model from a given tree, seconds per node (target
  < 10 us/node; ``growth_vs_smallest`` about 1 when linear);
* ``abm-replicates``: peak memory of :func:`simulate_abm` at 8x the replicates over
  1x (target about 1: no model outlives its replicate; what remains is the table and
  ``spawn_seeds``' list of seed sequences, about 0.5 KB per replicate).

``extra`` holds the rates, the growth of the time per agent-step relative to the
smallest size (linear growth = about 1) and the peak memory (tracemalloc, measured in
a separate run so the timings are not disturbed).
"""

from __future__ import annotations

import time
import tracemalloc

import mesa

from supercoherence.models.nested import NestedOptimizerModel, random_tree, simulate_abm
from supercoherence.theory.scenario import TakeoverScenario

SCENARIO = TakeoverScenario(
    spawn_rate=1.0,
    alignment_skill=0.5,
    detection=0.5,
    hazard="power",
    power_exponent=1.5,
    drift=0.9,
)
#: The interacting model's options in the comparison (power by subtree, treachery checks,
#: repeated challenges: vectorised power passes, one bincount per depth level).
INTERACTING = {"resource_elasticity": 0.5, "challenge_rate": 0.5, "deceptive_threshold": 2.0}


class _Drawer(mesa.Agent):
    def step(self) -> None:
        self.value = self.model.rng.random()


class FloorModel(mesa.Model):
    """``size`` agents drawing one random number each per step."""

    def __init__(self, size: int, seed: int = 0) -> None:
        super().__init__(rng=seed)
        _Drawer.create_agents(self, size)

    def step(self) -> None:
        self.agents.do("step")


def _abm(tree, **dynamics) -> NestedOptimizerModel:
    return NestedOptimizerModel(
        SCENARIO, seed=1, horizon=10**9, graph=tree, collect_model=True, **dynamics
    )


def _timed(model: mesa.Model, steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    return time.perf_counter() - start


def _peak(build, steps: int) -> float:
    tracemalloc.start()
    model = build()
    for _ in range(steps):
        model.step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def _build_seconds(tree) -> float:
    start = time.perf_counter()
    _abm(tree)
    return time.perf_counter() - start


def _row(
    benchmark: str,
    case: str,
    seconds: float,
    baseline: str,
    baseline_seconds: float,
    target: str,
    **extra,
) -> dict:
    """One result row: ``ratio`` = ``seconds / baseline_seconds``."""
    return {
        "benchmark": benchmark,
        "case": case,
        "seconds": seconds,
        "baseline": baseline,
        "baseline_seconds": baseline_seconds,
        "ratio": seconds / baseline_seconds,
        "target": target,
        "extra": extra,
    }


def _rate(size: int, steps: int, seconds: float) -> dict:
    """The first ``extra`` fields of an agent-steps row: the run and its rate."""
    return {"optimizers": size, "steps": steps, "agent_steps_per_second": size * steps / seconds}


def _replicate_memory() -> dict:
    sc = TakeoverScenario(spawn_rate=2.0, alignment_skill=0.3, detection=0.3, hazard="constant")
    peaks = {}
    for replicates in (32, 256):
        tracemalloc.start()
        simulate_abm(sc, replicates, seed=1, horizon=8, nesting=True, challenge_rate=1.0)
        peaks[replicates] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return _row(
        "abm-replicates",
        "peak memory, 256 vs 32 replicates (nested, interacting)",
        peaks[256],
        "peak MiB at 32 replicates",
        peaks[32],
        "about 1 (flat in replicates)",
        peak_mib_32=peaks[32],
        peak_mib_256=peaks[256],
    )


def cases(quick: bool) -> list[dict]:
    """The rows of the module docstring."""
    sizes = (10**3, 10**4) if quick else (10**3, 10**4, 10**5)
    steps = 5 if quick else 20
    rows, per_step0, per_node0 = [], None, None
    for size in sizes:
        tree = random_tree(size, seed=size)
        build = min(_build_seconds(tree) for _ in range(2))
        per_node0 = per_node0 or build / size
        rows.append(
            _row(
                "abm-build",
                f"model build, {size} optimizers",
                build,
                "10 us per node",
                1e-5 * size,
                "< 1 (under 10 us/node)",
                us_per_node=1e6 * build / size,
                growth_vs_smallest=build / size / per_node0,
            )
        )
        floor = _timed(FloorModel(size), steps)
        model = _abm(tree)
        today = _timed(model, steps)
        interacting = _timed(_abm(tree, **INTERACTING), steps)
        per_agent_step = today / (size * steps)
        per_step0 = per_step0 or per_agent_step
        rows.append(
            _row(
                "abm",
                f"agent-steps, {size} optimizers",
                today,
                "trivial Mesa model, one random draw per agent-step",
                floor,
                "< 1; <= 0.1 at 10^5",
                **_rate(size, steps, today),
                floor_agent_steps_per_second=size * steps / floor,
                x_floor=floor / today,
                growth_vs_smallest=per_agent_step / per_step0,
                top_level_takeovers=model.top_level_takeovers,
                nested_takeovers=model.nested_takeovers,
                peak_mib_model=_peak(lambda tree=tree: _abm(tree), steps),
                peak_mib_floor=_peak(lambda size=size: FloorModel(size), steps),
            )
        )
        rows.append(
            _row(
                "abm-interacting",
                f"agent-steps, {size} optimizers, interacting",
                interacting,
                "today's independent-contest model (the limit), same tree",
                today,
                "<= 2x",
                **_rate(size, steps, interacting),
                today_agent_steps_per_second=size * steps / today,
                x_floor=floor / interacting,
                peak_mib_model=_peak(lambda tree=tree: _abm(tree, **INTERACTING), steps),
            )
        )
    rows.append(_replicate_memory())
    return rows


if __name__ == "__main__":
    import sys

    for row in cases(quick="--quick" in sys.argv):
        extra = row["extra"]
        print(
            f"{row['benchmark']:>16} | {row['case']:<52} | ratio {row['ratio']:.3f} "
            f"(target {row['target']}) | "
            + ", ".join(
                f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in extra.items()
            )
        )
