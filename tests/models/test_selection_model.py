"""The Moran simulation of competing roots beside the Moran and replicator closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from supercoherence.errors import ParameterError
from supercoherence.models.selection import fixation_estimate, simulate_selection
from supercoherence.theory import selection as SEL
from supercoherence.theory.scenario import TakeoverScenario


@pytest.mark.parametrize(
    ("b", "ell", "kappa", "N", "i"),
    [
        (0.0, 1.0, 0.0, 20, 1),  # coherent favoured: r = 1.125
        (0.125, 1.0, 0.0, 20, 1),  # neutral: 1/N
        (0.5, 1.0, 0.0, 12, 3),  # optimizer favoured
        (0.3, 0.0, 0.0, 15, 2),  # hijacked systems keep competing
        (0.05, 0.5, 0.5, 10, 1),
    ],
)
def test_fixation_frequency_matches_moran_closed_form(b, ell, kappa, N, i):
    p = SEL.SelectionParams(search_advantage=b, takeover_loss=ell, retained_share=kappa)
    table = simulate_selection(p, N, 8000, seed=int(1000 * b) + N + i, initial=i)
    assert table["absorbed"].all()
    est, se = fixation_estimate(table)
    exact = SEL.coherent_fixation(p, N, i)
    assert abs(est - exact) < 4 * se, (est, exact, (est - exact) / se)


def test_large_population_follows_the_replicator_solution():
    p = SEL.SelectionParams(
        search_advantage=0.6,
        takeover_loss=0.5,
        scenario=TakeoverScenario(hazard="constant", spawn_rate=4.0),
    )
    N, horizon = 1000, 2.0
    table = simulate_selection(p, N, 60, seed=11, initial=N // 2, horizon=horizon)
    assert not table["absorbed"].any()
    share = table["share"]
    exact = SEL.strategy_shares(p, horizon)[0]
    z = (share.mean() - exact) / (share.std(ddof=1) / np.sqrt(share.size))
    assert abs(z) < 4, z
    goal = table["original_goal_share"]
    exact_goal = SEL.original_goal_share(p, horizon)
    z = (goal.mean() - exact_goal) / (goal.std(ddof=1) / np.sqrt(goal.size))
    assert abs(z) < 4, z


def test_seeded_and_validated():
    p = SEL.SelectionParams()
    a = simulate_selection(p, 8, 50, seed=3)
    b = simulate_selection(p, 8, 50, seed=3)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    for kwargs, name in [
        ({"population_size": 1}, "population_size"),
        ({"initial": 8}, "initial"),
        ({"replicates": 0}, "replicates"),
    ]:
        args = {"population_size": 8, "replicates": 5} | kwargs
        with pytest.raises(ParameterError) as info:
            simulate_selection(
                p, args["population_size"], args["replicates"], initial=args.get("initial", 1)
            )
        assert info.value.name == name
    with pytest.raises(ParameterError) as info:
        simulate_selection(SEL.SelectionParams(scenario=TakeoverScenario()), 8, 5)
    assert info.value.name == "hazard"
    with pytest.raises(ParameterError) as info:
        simulate_selection(SEL.SelectionParams(optimizer_ness=(0.0, 0.5, 1.0)), 8, 5)
    assert info.value.name == "optimizer_ness"


def test_training_regime_sets_the_optimizers_hazard_and_the_moran_law_holds():
    from supercoherence.theory import training as T

    crit = []
    for n in (1, 16, 256, 4096):
        p = SEL.SelectionParams.from_mapping({"search_strength": n, "speed_penalty": 0.0})
        reg = T.TrainingRegime(search_strength=n, speed_penalty=0.0)
        out = T.regime_probabilities(reg)
        h0 = out["mesa"] * (1 - out["alignment_skill"]) * 0.5 * 0.5
        assert float(SEL.critical_search_advantage(p)) == pytest.approx(h0, rel=1e-9)
        crit.append(h0)
    assert all(b > a for a, b in zip(crit, crit[1:], strict=False)) and crit[-1] < 0.25
    p = SEL.SelectionParams.from_mapping(
        {"search_strength": 256, "speed_penalty": 0.0, "search_advantage": 0.1}
    )
    table = simulate_selection(p, 12, 6000, seed=77)
    est, se = fixation_estimate(table)
    assert abs(est - SEL.coherent_fixation(p, 12)) < 4 * se
    with pytest.raises(ParameterError) as info:
        SEL.SelectionParams.from_mapping({"search_strength": 4, "complexity_penalty": -1})
    assert info.value.name == "complexity_penalty"
