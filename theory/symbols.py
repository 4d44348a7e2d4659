"""The symbols of the model, with their assumptions declared.

Every module of :mod:`supercoherence.theory` builds its expressions from these,
so that an expression made in one module simplifies against one made in another
(sympy treats ``Symbol("t", positive=True)`` and ``Symbol("t")`` as different, and
two symbols with the same name and assumptions as the *same* symbol: two quantities
never share a sympy name).  docs/GLOSSARY.md lists every one with its code names.

The recursion (:data:`RECURSION`, the default vocabulary of user expressions):

========================  =====================  ===============================
symbol                    assumptions            meaning (MODEL.md)
========================  =====================  ===============================
``t``                     nonnegative            time, or an optimizer's age
``n``, ``k``              nonnegative integer    index of a dominant optimizer
``lam``                   nonnegative            mesa spawn intensity lambda
``a``, ``d``, ``o``       nonnegative            alignment skill, detection,
                                                 optimizer-ness (all in [0, 1])
``gamma``                 positive               capability ratio c_mesa / c_base
``r``                     positive               Tullock contest sharpness
``c``                     positive               capability
``delta``                 positive               entrenchment rate
``beta``                  positive               power-decay exponent of the hazard
``h0``                    nonnegative            initial hazard
``kappa``                 nonnegative            detection growth with capability
``rho``                   real                   drift correlation (in [-1, 1])
``q``                     nonnegative            never-overthrown probability
``m``                     nonnegative            mean offspring number
``s``                     nonnegative            pgf argument
========================  =====================  ===============================

Scenario 2, Lotka-Volterra competition (:data:`COMPETITION`,
:mod:`~supercoherence.theory.competition`):

========================  =====================  ===============================
``x``, ``y``              nonnegative            resource shares of base, mesa
``alpha``                 positive               effect of the mesa on the base
``beta_lv``               positive               effect of the base on the mesa
                                                 (sympy name ``beta_LV``: not the
                                                 hazard exponent ``beta``)
``K_x``, ``K_y``          positive               carrying capacities
``r_x``, ``r_y``          positive               intrinsic growth rates
``omega``                 real                   cosine of the mesa's utility
                                                 with the base's (in [-1, 1])
========================  =====================  ===============================

Training pressure (:data:`TRAINING`, :mod:`~supercoherence.theory.training`):

========================  =====================  ===============================
``theta_c``               nonnegative            simplicity pressure
``theta_s``               nonnegative            speed pressure
``dK``                    real                   description-length saving
                                                 (sympy name ``Delta_K``)
``dT``                    real                   extra run time (``Delta_T``)
``proxy_advantage``       positive               P(optimizer wins the proxy
                                                 comparison), sympy name ``p``
``candidate_rate``        nonnegative            candidate rate, sympy name ``nu``
========================  =====================  ===============================

Search by a noisy proxy among ``N`` candidates (:data:`TRAINING` as well,
:func:`~supercoherence.theory.training.best_of_n`):

========================  =====================  ===============================
``search_strength``       positive integer       number N of candidates scored
                                                 (sympy name ``N_search``)
``score_advantage``       real                   proxy-score mean advantage Delta
                                                 of a mesa-optimizer (``Delta``)
``noise_scale``           positive               scale of the proxy noise
                                                 (``sigma_noise``)
``mesa_prior``            positive               prior share of mesa-optimizers
                                                 with no simplicity pressure
                                                 (``pi_0``, in (0, 1))
========================  =====================  ===============================

Selection between top-level systems (:data:`SELECTION`,
:mod:`~supercoherence.theory.selection`):

========================  =====================  ===============================
``g0``                    real                   growth rate of a coherent
                                                 system (sympy name ``g_0``)
``search_advantage``      nonnegative            growth advantage per unit of
                                                 optimizer-ness, ``g(o) = g_0 +
                                                 b o`` (sympy name ``b``)
``takeover_loss``         nonnegative            share of a taken-over system
                                                 that leaves the competition
                                                 (``ell``, in [0, 1])
``retained_share``        nonnegative            share a level keeps for its
                                                 goal after a mesa win
                                                 (``kappa_R``, in [0, 1])
``fitness_ratio``         positive               Moran relative fitness
                                                 (``r_M``)
``population_size``       positive integer       Moran population size
                                                 (``N_pop``)
``initial_count``         positive integer       initial number of mutants
                                                 (``i_0``)
``share``                 nonnegative            share of a type (``z``, in
                                                 [0, 1])
========================  =====================  ===============================

Each group (:data:`RECURSION`, ...) is read off the definitions in its section of this
file, in order, so a new symbol joins its group where it is defined; ``__all__`` lists
them again for tools, and a doctest below checks that the two agree.

sympy cannot state ``0 <= a <= 1`` as an assumption; functions that need the
upper bound check it with :mod:`supercoherence.checks` and document it.

Examples
--------
>>> from supercoherence.theory.symbols import t, delta
>>> t.is_nonnegative, delta.is_positive
(True, True)
>>> from supercoherence.theory.symbols import beta, beta_lv
>>> beta == beta_lv, beta_lv
(False, beta_LV)
>>> groups = RECURSION + COMPETITION + TRAINING + SELECTION
>>> sorted(groups) == sorted(nm for nm in __all__ if not nm.isupper())
True
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "COMPETITION",
    "K_x",
    "K_y",
    "RECURSION",
    "SELECTION",
    "TRAINING",
    "a",
    "alpha",
    "beta",
    "beta_lv",
    "c",
    "candidate_rate",
    "d",
    "dK",
    "dT",
    "delta",
    "fitness_ratio",
    "g0",
    "gamma",
    "h0",
    "initial_count",
    "k",
    "kappa",
    "lam",
    "m",
    "mesa_prior",
    "n",
    "noise_scale",
    "o",
    "omega",
    "population_size",
    "proxy_advantage",
    "q",
    "r",
    "r_x",
    "r_y",
    "retained_share",
    "rho",
    "s",
    "score_advantage",
    "search_advantage",
    "search_strength",
    "share",
    "t",
    "takeover_loss",
    "theta_c",
    "theta_s",
    "x",
    "y",
]


def _names_since(mark: int) -> tuple[str, ...]:
    """The public names this module bound after its first ``mark`` globals, in order:
    a group's names are those of its definitions, written once."""
    return tuple(nm for nm in list(globals())[mark:] if not nm.startswith("_"))


_mark = len(globals())
# --------------------------------------------------------------------- the recursion
t = sp.Symbol("t", nonnegative=True, real=True)
n = sp.Symbol("n", integer=True, nonnegative=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
lam = sp.Symbol("lambda", nonnegative=True, real=True)
a = sp.Symbol("a", nonnegative=True, real=True)
d = sp.Symbol("d", nonnegative=True, real=True)
o = sp.Symbol("o", nonnegative=True, real=True)
gamma = sp.Symbol("gamma", positive=True, real=True)
r = sp.Symbol("r", positive=True, real=True)
c = sp.Symbol("c", positive=True, real=True)
delta = sp.Symbol("delta", positive=True, real=True)
beta = sp.Symbol("beta", positive=True, real=True)
h0 = sp.Symbol("h_0", nonnegative=True, real=True)
kappa = sp.Symbol("kappa", nonnegative=True, real=True)
rho = sp.Symbol("rho", real=True)
q = sp.Symbol("q", nonnegative=True, real=True)
m = sp.Symbol("m", nonnegative=True, real=True)
s = sp.Symbol("s", nonnegative=True, real=True)

#: Names of the recursion's symbols: the default vocabulary of user expressions
#: (:func:`supercoherence.theory.expressions.framework_symbols`).
RECURSION: tuple[str, ...] = _names_since(_mark)

_mark = len(globals())
# ------------------------------------------- scenario 2: Lotka-Volterra competition
#: State variables: the base optimizer's share ``x`` and the mesa-optimizer's ``y``.
x = sp.Symbol("x", nonnegative=True, real=True)
y = sp.Symbol("y", nonnegative=True, real=True)
#: Competition coefficients: effect of the mesa on the base, of the base on the mesa.
alpha = sp.Symbol("alpha", positive=True, real=True)
beta_lv = sp.Symbol("beta_LV", positive=True, real=True)
#: Carrying capacities and growth rates.
K_x = sp.Symbol("K_x", positive=True, real=True)
K_y = sp.Symbol("K_y", positive=True, real=True)
r_x = sp.Symbol("r_x", positive=True, real=True)
r_y = sp.Symbol("r_y", positive=True, real=True)
#: Cosine alignment of the mesa-optimizer's utility with the base's.
omega = sp.Symbol("omega", real=True)

#: Names of the competition model's symbols.
COMPETITION: tuple[str, ...] = _names_since(_mark)

_mark = len(globals())
# ------------------------------------------------------------------ training pressure
theta_c = sp.Symbol("theta_c", nonnegative=True, real=True)
"""Simplicity (complexity-penalty) pressure."""
theta_s = sp.Symbol("theta_s", nonnegative=True, real=True)
"""Speed pressure."""
dK = sp.Symbol("Delta_K", real=True)
"""Description-length saving of an optimizer (bits)."""
dT = sp.Symbol("Delta_T", real=True)
"""Extra run time of an optimizer."""
proxy_advantage = sp.Symbol("p", positive=True, real=True)
"""Probability an optimizer wins the proxy comparison without pressure, in (0, 1)."""
candidate_rate = sp.Symbol("nu", nonnegative=True, real=True)
"""Rate at which the base optimizer's search proposes candidates."""
#: Search by a noisy proxy among N candidates.
search_strength = sp.Symbol("N_search", integer=True, positive=True)
"""Number N of candidate programs the base scores by the proxy (best of N is kept)."""
score_advantage = sp.Symbol("Delta", real=True)
"""Mean proxy-score advantage of a mesa-optimizer over a non-optimizer."""
noise_scale = sp.Symbol("sigma_noise", positive=True, real=True)
"""Scale of the proxy-score noise."""
mesa_prior = sp.Symbol("pi_0", positive=True, real=True)
"""Prior share of mesa-optimizers among candidates with no simplicity pressure, in (0, 1)."""

#: Names of the training-pressure symbols.
TRAINING: tuple[str, ...] = _names_since(_mark)

_mark = len(globals())
# ------------------------------------------- selection between top-level systems
g0 = sp.Symbol("g_0", real=True)
"""Growth rate of a coherent system (optimizer-ness 0)."""
search_advantage = sp.Symbol("b", nonnegative=True, real=True)
"""Growth advantage per unit of optimizer-ness: ``g(o) = g_0 + b o``."""
takeover_loss = sp.Symbol("ell", nonnegative=True, real=True)
"""Share of a taken-over system that leaves the competition, in [0, 1]."""
retained_share = sp.Symbol("kappa_R", nonnegative=True, real=True)
"""Share of its resources a level keeps for its goal after a mesa-optimizer wins, in [0, 1]."""
fitness_ratio = sp.Symbol("r_M", positive=True, real=True)
"""Relative fitness of a mutant in the Moran process."""
population_size = sp.Symbol("N_pop", integer=True, positive=True)
"""Size of the finite (Moran) population."""
initial_count = sp.Symbol("i_0", integer=True, positive=True)
"""Initial number of mutants in the Moran process."""
share = sp.Symbol("z", nonnegative=True, real=True)
"""Share of a type in the population, in [0, 1]."""

#: Names of the selection symbols.
SELECTION: tuple[str, ...] = _names_since(_mark)
