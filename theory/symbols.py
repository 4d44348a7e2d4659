"""The symbols of the model, with their assumptions declared.

Every module of :mod:`supercoherence.theory` builds its expressions from these,
so that an expression made in one module simplifies against one made in another
(sympy treats ``Symbol("t", positive=True)`` and ``Symbol("t")`` as different).

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
``beta``                  positive               power-decay exponent
``h0``                    nonnegative            initial hazard
``kappa``                 nonnegative            detection growth with capability
``rho``                   real                   drift correlation (in [-1, 1])
``q``                     nonnegative            never-overthrown probability
``m``                     nonnegative            mean offspring number
``s``                     nonnegative            pgf argument
========================  =====================  ===============================

sympy cannot state ``0 <= a <= 1`` as an assumption; functions that need the
upper bound check it with :mod:`supercoherence.checks` and document it.

Examples
--------
>>> from supercoherence.theory.symbols import t, delta
>>> t.is_nonnegative, delta.is_positive
(True, True)
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "a",
    "beta",
    "c",
    "d",
    "delta",
    "gamma",
    "h0",
    "k",
    "kappa",
    "lam",
    "m",
    "n",
    "o",
    "q",
    "r",
    "rho",
    "s",
    "t",
]

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
