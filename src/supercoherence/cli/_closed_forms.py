# ruff: noqa: E501 - generated data
"""Stored closed forms of ``derive RESULT`` without parameters (generated).

Printed without importing sympy; regenerate with
``supercoherence.cli.derive.write_closed_forms()``; a test checks them.
"""

RECORDS = {
    "success": {
        "panel": [
            ("name", "Tullock success probability s(gamma)"),
            ("exact", "gamma**r/(gamma**r + 1)"),
            ("value", "(symbolic)"),
            ("LaTeX", "\\frac{\\gamma^{r}}{\\gamma^{r} + 1}"),
        ],
        "json": '{"name": "Tullock success probability s(gamma)", "exact": "gamma**r/(gamma**r + 1)", "value": null, "latex": "\\\\frac{\\\\gamma^{r}}{\\\\gamma^{r} + 1}"}',
        "latex": "\\frac{\\gamma^{r}}{\\gamma^{r} + 1}",
        "markdown": "**Tullock success probability s(gamma)**\n\n$$\n\\frac{\\gamma^{r}}{\\gamma^{r} + 1}\n$$",
    },
    "takeover-probability": {
        "panel": [
            ("name", "per-spawn takeover probability (1-a)(1-d)s(gamma)"),
            ("exact", "gamma**r*(1 - a)*(1 - d)/(gamma**r + 1)"),
            ("value", "(symbolic)"),
            (
                "LaTeX",
                "\\frac{\\gamma^{r} \\left(1 - a\\right) \\left(1 - d\\right)}{\\gamma^{r} + 1}",
            ),
        ],
        "json": '{"name": "per-spawn takeover probability (1-a)(1-d)s(gamma)", "exact": "gamma**r*(1 - a)*(1 - d)/(gamma**r + 1)", "value": null, "latex": "\\\\frac{\\\\gamma^{r} \\\\left(1 - a\\\\right) \\\\left(1 - d\\\\right)}{\\\\gamma^{r} + 1}"}',
        "latex": "\\frac{\\gamma^{r} \\left(1 - a\\right) \\left(1 - d\\right)}{\\gamma^{r} + 1}",
        "markdown": "**per-spawn takeover probability (1-a)(1-d)s(gamma)**\n\n$$\n\\frac{\\gamma^{r} \\left(1 - a\\right) \\left(1 - d\\right)}{\\gamma^{r} + 1}\n$$",
    },
    "extinction": {
        "panel": [
            ("name", "extinction probability (Poisson offspring)"),
            ("exact", "Piecewise((1, m <= 1), (-LambertW(-m*exp(-m))/m, True))"),
            ("value", "(symbolic)"),
            (
                "LaTeX",
                "\\begin{cases} 1 & \\text{for}\\: m \\leq 1 \\\\- \\frac{W\\left(- m e^{- m}\\right)}{m} & \\text{otherwise} \\end{cases}",
            ),
            ("offspring", "Poisson(m = m)"),
        ],
        "json": '{"name": "extinction probability (Poisson offspring)", "exact": "Piecewise((1, m <= 1), (-LambertW(-m*exp(-m))/m, True))", "value": null, "latex": "\\\\begin{cases} 1 & \\\\text{for}\\\\: m \\\\leq 1 \\\\\\\\- \\\\frac{W\\\\left(- m e^{- m}\\\\right)}{m} & \\\\text{otherwise} \\\\end{cases}", "offspring": "Poisson(m = m)"}',
        "latex": "\\begin{cases} 1 & \\text{for}\\: m \\leq 1 \\\\- \\frac{W\\left(- m e^{- m}\\right)}{m} & \\text{otherwise} \\end{cases}",
        "markdown": "**extinction probability (Poisson offspring)**\n\n$$\n\\begin{cases} 1 & \\text{for}\\: m \\leq 1 \\\\- \\frac{W\\left(- m e^{- m}\\right)}{m} & \\text{otherwise} \\end{cases}\n$$\n\n- offspring: Poisson(m = m)",
    },
    "progeny": {
        "panel": [
            ("name", "mean total progeny"),
            ("exact", "Piecewise((1/(1 - m), m < 1), (oo, True))"),
            ("value", "(symbolic)"),
            (
                "LaTeX",
                "\\begin{cases} \\frac{1}{1 - m} & \\text{for}\\: m < 1 \\\\\\infty & \\text{otherwise} \\end{cases}",
            ),
        ],
        "json": '{"name": "mean total progeny", "exact": "Piecewise((1/(1 - m), m < 1), (oo, True))", "value": null, "latex": "\\\\begin{cases} \\\\frac{1}{1 - m} & \\\\text{for}\\\\: m < 1 \\\\\\\\\\\\infty & \\\\text{otherwise} \\\\end{cases}"}',
        "latex": "\\begin{cases} \\frac{1}{1 - m} & \\text{for}\\: m < 1 \\\\\\infty & \\text{otherwise} \\end{cases}",
        "markdown": "**mean total progeny**\n\n$$\n\\begin{cases} \\frac{1}{1 - m} & \\text{for}\\: m < 1 \\\\\\infty & \\text{otherwise} \\end{cases}\n$$",
    },
    "ruin": {
        "panel": [
            ("name", "gambler's ruin: P(base loses all units)"),
            (
                "exact",
                "Piecewise((-start/total + 1, Eq(p, 1/2)), ((p**(-start + total)*(1 - p)**start - (1 - p)**total)/(p**total - (1 - p)**total), True))",
            ),
            ("value", "(symbolic)"),
            (
                "LaTeX",
                "\\begin{cases} - \\frac{start}{total} + 1 & \\text{for}\\: p = \\frac{1}{2} \\\\\\frac{p^{- start + total} \\left(1 - p\\right)^{start} - \\left(1 - p\\right)^{total}}{p^{total} - \\left(1 - p\\right)^{total}} & \\text{otherwise} \\end{cases}",
            ),
        ],
        "json": '{"name": "gambler\'s ruin: P(base loses all units)", "exact": "Piecewise((-start/total + 1, Eq(p, 1/2)), ((p**(-start + total)*(1 - p)**start - (1 - p)**total)/(p**total - (1 - p)**total), True))", "value": null, "latex": "\\\\begin{cases} - \\\\frac{start}{total} + 1 & \\\\text{for}\\\\: p = \\\\frac{1}{2} \\\\\\\\\\\\frac{p^{- start + total} \\\\left(1 - p\\\\right)^{start} - \\\\left(1 - p\\\\right)^{total}}{p^{total} - \\\\left(1 - p\\\\right)^{total}} & \\\\text{otherwise} \\\\end{cases}"}',
        "latex": "\\begin{cases} - \\frac{start}{total} + 1 & \\text{for}\\: p = \\frac{1}{2} \\\\\\frac{p^{- start + total} \\left(1 - p\\right)^{start} - \\left(1 - p\\right)^{total}}{p^{total} - \\left(1 - p\\right)^{total}} & \\text{otherwise} \\end{cases}",
        "markdown": "**gambler's ruin: P(base loses all units)**\n\n$$\n\\begin{cases} - \\frac{start}{total} + 1 & \\text{for}\\: p = \\frac{1}{2} \\\\\\frac{p^{- start + total} \\left(1 - p\\right)^{start} - \\left(1 - p\\right)^{total}}{p^{total} - \\left(1 - p\\right)^{total}} & \\text{otherwise} \\end{cases}\n$$",
    },
    "ruin-duration": {
        "panel": [
            ("name", "gambler's ruin: expected number of rounds"),
            (
                "exact",
                "Piecewise((start*(-start + total), Eq(p, 1/2)), ((start - total*(1 - (p**(-start + total)*(1 - p)**start - (1 - p)**total)/(p**total - (1 - p)**total)))/(1 - 2*p), True))",
            ),
            ("value", "(symbolic)"),
            (
                "LaTeX",
                "\\begin{cases} start \\left(- start + total\\right) & \\text{for}\\: p = \\frac{1}{2} \\\\\\frac{start - total \\left(1 - \\frac{p^{- start + total} \\left(1 - p\\right)^{start} - \\left(1 - p\\right)^{total}}{p^{total} - \\left(1 - p\\right)^{total}}\\right)}{1 - 2 p} & \\text{otherwise} \\end{cases}",
            ),
        ],
        "json": '{"name": "gambler\'s ruin: expected number of rounds", "exact": "Piecewise((start*(-start + total), Eq(p, 1/2)), ((start - total*(1 - (p**(-start + total)*(1 - p)**start - (1 - p)**total)/(p**total - (1 - p)**total)))/(1 - 2*p), True))", "value": null, "latex": "\\\\begin{cases} start \\\\left(- start + total\\\\right) & \\\\text{for}\\\\: p = \\\\frac{1}{2} \\\\\\\\\\\\frac{start - total \\\\left(1 - \\\\frac{p^{- start + total} \\\\left(1 - p\\\\right)^{start} - \\\\left(1 - p\\\\right)^{total}}{p^{total} - \\\\left(1 - p\\\\right)^{total}}\\\\right)}{1 - 2 p} & \\\\text{otherwise} \\\\end{cases}"}',
        "latex": "\\begin{cases} start \\left(- start + total\\right) & \\text{for}\\: p = \\frac{1}{2} \\\\\\frac{start - total \\left(1 - \\frac{p^{- start + total} \\left(1 - p\\right)^{start} - \\left(1 - p\\right)^{total}}{p^{total} - \\left(1 - p\\right)^{total}}\\right)}{1 - 2 p} & \\text{otherwise} \\end{cases}",
        "markdown": "**gambler's ruin: expected number of rounds**\n\n$$\n\\begin{cases} start \\left(- start + total\\right) & \\text{for}\\: p = \\frac{1}{2} \\\\\\frac{start - total \\left(1 - \\frac{p^{- start + total} \\left(1 - p\\right)^{start} - \\left(1 - p\\right)^{total}}{p^{total} - \\left(1 - p\\right)^{total}}\\right)}{1 - 2 p} & \\text{otherwise} \\end{cases}\n$$",
    },
    "drift": {
        "panel": [
            ("name", "expected alignment E[w_n . w_0] = rho^n"),
            ("exact", "rho**n"),
            ("value", "(symbolic)"),
            ("LaTeX", "\\rho^{n}"),
        ],
        "json": '{"name": "expected alignment E[w_n . w_0] = rho^n", "exact": "rho**n", "value": null, "latex": "\\\\rho^{n}"}',
        "latex": "\\rho^{n}",
        "markdown": "**expected alignment E[w_n . w_0] = rho^n**\n\n$$\n\\rho^{n}\n$$",
    },
    "final-alignment": {
        "panel": [
            ("name", "expected final alignment E[rho^N]"),
            ("exact", "Piecewise((1, Eq(rho, 1)), (q/(-rho*(1 - q) + 1), True))"),
            ("value", "(symbolic)"),
            (
                "LaTeX",
                "\\begin{cases} 1 & \\text{for}\\: \\rho = 1 \\\\\\frac{q}{- \\rho \\left(1 - q\\right) + 1} & \\text{otherwise} \\end{cases}",
            ),
        ],
        "json": '{"name": "expected final alignment E[rho^N]", "exact": "Piecewise((1, Eq(rho, 1)), (q/(-rho*(1 - q) + 1), True))", "value": null, "latex": "\\\\begin{cases} 1 & \\\\text{for}\\\\: \\\\rho = 1 \\\\\\\\\\\\frac{q}{- \\\\rho \\\\left(1 - q\\\\right) + 1} & \\\\text{otherwise} \\\\end{cases}"}',
        "latex": "\\begin{cases} 1 & \\text{for}\\: \\rho = 1 \\\\\\frac{q}{- \\rho \\left(1 - q\\right) + 1} & \\text{otherwise} \\end{cases}",
        "markdown": "**expected final alignment E[rho^N]**\n\n$$\n\\begin{cases} 1 & \\text{for}\\: \\rho = 1 \\\\\\frac{q}{- \\rho \\left(1 - q\\right) + 1} & \\text{otherwise} \\end{cases}\n$$",
    },
    "spawn-rate": {
        "panel": [
            ("name", "mesa spawn rate lambda = nu P(mesa)"),
            ("exact", "nu*exp(Delta_K*theta_c)/(exp(Delta_K*theta_c) + exp(Delta_T*theta_s))"),
            ("value", "(symbolic)"),
            (
                "LaTeX",
                "\\frac{\\nu e^{\\Delta_{K} \\theta_{c}}}{e^{\\Delta_{K} \\theta_{c}} + e^{\\Delta_{T} \\theta_{s}}}",
            ),
            ("P(mesa)", "exp(Delta_K*theta_c)/(exp(Delta_K*theta_c) + exp(Delta_T*theta_s))"),
        ],
        "json": '{"name": "mesa spawn rate lambda = nu P(mesa)", "exact": "nu*exp(Delta_K*theta_c)/(exp(Delta_K*theta_c) + exp(Delta_T*theta_s))", "value": null, "latex": "\\\\frac{\\\\nu e^{\\\\Delta_{K} \\\\theta_{c}}}{e^{\\\\Delta_{K} \\\\theta_{c}} + e^{\\\\Delta_{T} \\\\theta_{s}}}", "P(mesa)": "exp(Delta_K*theta_c)/(exp(Delta_K*theta_c) + exp(Delta_T*theta_s))"}',
        "latex": "\\frac{\\nu e^{\\Delta_{K} \\theta_{c}}}{e^{\\Delta_{K} \\theta_{c}} + e^{\\Delta_{T} \\theta_{s}}}",
        "markdown": "**mesa spawn rate lambda = nu P(mesa)**\n\n$$\n\\frac{\\nu e^{\\Delta_{K} \\theta_{c}}}{e^{\\Delta_{K} \\theta_{c}} + e^{\\Delta_{T} \\theta_{s}}}\n$$\n\n- P(mesa): exp(Delta_K*theta_c)/(exp(Delta_K*theta_c) + exp(Delta_T*theta_s))",
    },
}
