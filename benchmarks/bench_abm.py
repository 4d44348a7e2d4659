"""Mesa model speed: agent-steps per second against a trivial Mesa model (the floor).

For ``N`` = 10^3, 10^4, 10^5 optimizers (quick mode: 10^3, 10^4) the nested-optimizer model
starts from a random tree of ``N`` optimizers with nesting off (so the size stays ``N``:
takeovers replace optimizers one for one) and runs a fixed number of steps.  The floor
is a Mesa model of ``N`` agents whose ``step`` draws one random number, run with
``model.agents.do("step")`` in the same process.  ``ratio`` = model seconds / floor
seconds for the same number of agent-steps (target <= 3x); ``extra`` gives both rates,
the growth of the model's time per agent-step relative to the smallest size (linear
growth = about 1), and the peak memory (tracemalloc, measured in a separate run so the
timings are not disturbed).
"""

from __future__ import annotations

import time
import tracemalloc

import mesa

from supercoherence.models.nested import NestedOptimizerModel, random_tree
from supercoherence.theory.scenario import TakeoverScenario

SCENARIO = TakeoverScenario(
    spawn_rate=1.0, alignment_skill=0.5, detection=0.5, hazard="power", power=1.5, drift=0.9
)


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


#: The interacting model's options in the comparison (power by subtree, treachery checks,
#: repeated challenges: two vectorised power passes per step).
INTERACTING = {"resource_elasticity": 0.5, "challenge_rate": 0.5, "deceptive_threshold": 2.0}
#: Fewer takeovers per step than SCENARIO, so 10^5 optimizers stay under
#: MAX_EVENTS_PER_STEP (the model's guard) in both models.
QUIET = {"spawn_rate": 0.01}


def _abm(size: int, **dynamics) -> NestedOptimizerModel:
    return NestedOptimizerModel(
        SCENARIO,
        seed=1,
        horizon=10**9,
        graph=lambda rng: random_tree(size, seed=rng),
        collect_model=True,
        **dynamics,
    )


def interacting_cases(quick: bool) -> list[dict]:
    """Agent-steps/s of the interacting model against today's (its limit), same trees."""
    sizes = (10**3, 10**4) if quick else (10**3, 10**4, 10**5)
    steps = 5 if quick else 10
    rows = []
    for size in sizes:
        today = _timed(_abm(size, **QUIET), steps)
        model = _abm(size, **QUIET, **INTERACTING)
        seconds = _timed(model, steps)
        rows.append(
            {
                "benchmark": "abm-interacting",
                "case": f"agent-steps, {size} optimizers, interacting",
                "seconds": seconds,
                "baseline": "today's independent-contest model (the limit), same tree",
                "baseline_seconds": today,
                "ratio": seconds / today,
                "target": "<= 2x",
                "extra": {
                    "optimizers": size,
                    "steps": steps,
                    "agent_steps_per_second": size * steps / seconds,
                    "today_agent_steps_per_second": size * steps / today,
                    "peak_mib_model": _peak(
                        lambda size=size: _abm(size, **QUIET, **INTERACTING), steps
                    ),
                    "peak_mib_today": _peak(lambda size=size: _abm(size, **QUIET), steps),
                },
            }
        )
    return rows


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


def cases(quick: bool) -> list[dict]:
    """One row per size; see the module docstring."""
    sizes = (10**3, 10**4) if quick else (10**3, 10**4, 10**5)
    steps = 5 if quick else 20
    rows, per_step0 = [], None
    for size in sizes:
        floor = _timed(FloorModel(size), steps)
        model = _abm(size)
        seconds = _timed(model, steps)
        per_agent_step = seconds / (size * steps)
        per_step0 = per_step0 or per_agent_step
        rows.append(
            {
                "benchmark": "abm",
                "case": f"agent-steps, {size} optimizers",
                "seconds": seconds,
                "baseline": "trivial Mesa model, one random draw per agent-step",
                "baseline_seconds": floor,
                "ratio": seconds / floor,
                "target": "<= 3x",
                "extra": {
                    "optimizers": size,
                    "steps": steps,
                    "agent_steps_per_second": size * steps / seconds,
                    "floor_agent_steps_per_second": size * steps / floor,
                    "growth_vs_smallest": per_agent_step / per_step0,
                    "top_level_takeovers": model.top_level_takeovers,
                    "nested_takeovers": model.nested_takeovers,
                    "peak_mib_model": _peak(lambda size=size: _abm(size), steps),
                    "peak_mib_floor": _peak(lambda size=size: FloorModel(size), steps),
                },
            }
        )
    return rows


if __name__ == "__main__":
    for row in cases(quick=False):
        extra = row["extra"]
        print(
            f"{extra['optimizers']:>7} optimizers: {extra['agent_steps_per_second']:.3g} "
            f"agent-steps/s vs floor {extra['floor_agent_steps_per_second']:.3g} "
            f"(ratio {row['ratio']:.2f}, growth {extra['growth_vs_smallest']:.2f}), "
            f"peak {extra['peak_mib_model']:.1f} MiB vs {extra['peak_mib_floor']:.1f} MiB"
        )
    for row in interacting_cases(quick=False):
        extra = row["extra"]
        print(
            f"{extra['optimizers']:>7} optimizers, interacting: "
            f"{extra['agent_steps_per_second']:.3g} agent-steps/s vs today "
            f"{extra['today_agent_steps_per_second']:.3g} (ratio {row['ratio']:.2f}), peak "
            f"{extra['peak_mib_model']:.1f} MiB vs {extra['peak_mib_today']:.1f} MiB"
        )
