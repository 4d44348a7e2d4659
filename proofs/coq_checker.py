r"""Proof steps checked by the Coq proof assistant.

A :class:`CoqProof` is a claim of the catalogue whose proof is a Coq development in
``proofs/coq/`` (installed with the package).  ``run()`` compiles the file with
``coqc`` and asks Coq, in a second file that only ``Require``-s it, which axioms the
named theorems depend on (one ``Print Assumptions`` of the tuple of them).
:meth:`CoqProof.establishing` makes a development the step of a catalogue theorem
(with the formal conclusion and premises of the cited step it replaces;
:data:`DISCHARGES` lists them), and :func:`warm` compiles the developments of many
steps in parallel before they are checked.  The verdict is

* ``"checked"`` (engine ``coq``) -- ``coqc`` compiled the file, the source uses none of
  ``Admitted``, ``admit``, ``Axiom``, ``Parameter``, ``Conjecture`` (outside comments),
  and every named theorem depends on no axiom other than :data:`ALLOWED_AXIOMS`;
* ``"failed"`` -- the file does not compile (a false statement, a broken proof), uses
  a forbidden command, names a theorem it does not prove, or depends on another axiom;
* ``"unavailable"`` -- ``coqc`` is not on ``PATH``: the step is neither checked nor
  failed and is never counted as checked; its detail starts with
  ``"not checked (coq unavailable)"``, which is also the status
  :class:`~supercoherence.proofs.theorem.TheoremReport` gives a theorem with such a step.

Verdicts of ``coqc`` are cached under :func:`cache_dir`, keyed by the SHA-256 of the
file's content, the ``coqc`` version, the theorems asked for and the allowed axioms,
so a repeated check of an unchanged file does not run ``coqc`` again.

:data:`ALLOWED_AXIOMS` are the axioms on which Coq's standard library of classical
real numbers (``Reals``, Coq 8.16) rests; a theorem stated over ``R`` cannot avoid them:

==============================================================  ===========================
axiom                                                           role
==============================================================  ===========================
``ClassicalDedekindReals.sig_forall_dec``                       limited principle of
                                                                omniscience (the reals'
                                                                order is decidable)
``ClassicalDedekindReals.sig_not_dec``                          weak excluded middle
``FunctionalExtensionality.functional_extensionality_dep``      equality of Dedekind cuts
==============================================================  ===========================

A claim may allow more axioms, named in its ``extra_axioms`` and in its verdict: the
developments that use Coquelicot (integrals, limits of functions) also depend on
``Classical_Prop.classic`` (excluded middle), which Coquelicot's limits use.

Examples
--------
>>> step = coq_step("dichotomy")
>>> step.engine, step.kind, step.path.name
('coq', 'coq', 'dichotomy.v')
>>> forbidden_commands("Lemma t : True. Proof. admit. Admitted. (* Axiom in a comment *)")
('Admitted', 'admit')
>>> parse_assumptions("Closed under the global context")
()
>>> parse_assumptions("Axioms:\nFoo.bar : nat\nBaz.qux\n  : forall P : Prop, P")
('Foo.bar', 'Baz.qux')
>>> step.run().status  # doctest: +SKIP
'checked'
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from supercoherence.proofs.checkers import Check, CheckOutcome, _floats_in

__all__ = [
    "ALLOWED_AXIOMS",
    "CONFIRMS",
    "COQ_DIR",
    "DISCHARGES",
    "NOT_CHECKED",
    "UNAVAILABLE",
    "CoqProof",
    "cache_dir",
    "coq_step",
    "coq_steps",
    "coqc_runs",
    "forbidden_commands",
    "parse_assumptions",
    "warm",
    "warming",
]

#: The axioms of Coq's classical real numbers (``Reals``), the only ones allowed.
ALLOWED_AXIOMS: frozenset[str] = frozenset(
    {
        "ClassicalDedekindReals.sig_forall_dec",
        "ClassicalDedekindReals.sig_not_dec",
        "FunctionalExtensionality.functional_extensionality_dep",
    }
)

#: Where the Coq developments live (package data of ``supercoherence.proofs``).
COQ_DIR = Path(__file__).resolve().with_name("coq")

#: The status of a Coq step when ``coqc`` is missing (as for any engine not installed).
UNAVAILABLE = "unavailable"

#: How such a step is reported.
NOT_CHECKED = "not checked (coq unavailable)"

#: Seconds ``coqc`` may take on one file before the step fails as undecided.
COQC_TIMEOUT = 600.0

#: Bumped when the meaning of a cached verdict changes.
_CACHE_FORMAT = 2

_FORBIDDEN = ("Admitted", "admit", "Axiom", "Axioms", "Parameter", "Parameters", "Conjecture")
_STRING = re.compile(r'"[^"]*"')
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_']*")
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_coqc_runs = 0
#: The definition whose ``Print Assumptions`` lists the axioms of all named theorems.
_QUERY_NAME = "supercoherence_assumptions_query"
_RUNS_LOCK = threading.Lock()


_KEY_LOCKS: dict[str, threading.Lock] = {}


def _key_lock(key: str) -> threading.Lock:
    """The lock of one cache key (created on first use)."""
    with _RUNS_LOCK:
        return _KEY_LOCKS.setdefault(key, threading.Lock())


def coqc_runs() -> int:
    """How many times this process has compiled a file with ``coqc`` (cache misses).

    Returns
    -------
    int

    Examples
    --------
    >>> coqc_runs() >= 0
    True
    """
    return _coqc_runs


def cache_dir() -> Path:
    """The directory of cached ``coqc`` verdicts.

    ``$SUPERCOHERENCE_COQ_CACHE`` if set, else ``$XDG_CACHE_HOME/supercoherence/coq``,
    else ``~/.cache/supercoherence/coq``.

    Returns
    -------
    pathlib.Path
        Not created until a verdict is stored.

    Examples
    --------
    >>> cache_dir().name
    'coq'
    """
    explicit = os.environ.get("SUPERCOHERENCE_COQ_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "supercoherence" / "coq"


def _strip_comments(text: str) -> str:
    """Coq source without (nested) comments and string literals."""
    out, depth, i = [], 0, 0
    while i < len(text):
        pair = text[i : i + 2]
        if pair == "(*":
            depth, i = depth + 1, i + 2
        elif pair == "*)" and depth:
            depth, i = depth - 1, i + 2
        else:
            if not depth:
                out.append(text[i])
            i += 1
    return _STRING.sub('""', "".join(out))


def forbidden_commands(text: str) -> tuple[str, ...]:
    r"""The unproved-assumption commands a Coq source uses, outside comments.

    Parameters
    ----------
    text : str
        Coq source.

    Returns
    -------
    tuple of str
        Sorted, each once: ``Admitted``, ``admit``, ``Axiom``, ``Parameter``, ...

    Examples
    --------
    >>> forbidden_commands("Theorem t : 1 = 1. Proof. reflexivity. Qed.")
    ()
    >>> forbidden_commands("Axiom lem : forall P : Prop, P \\/ ~ P.")
    ('Axiom',)
    """
    words = set(_IDENT.findall(_strip_comments(text)))
    return tuple(sorted(words.intersection(_FORBIDDEN)))


def parse_assumptions(output: str) -> tuple[str, ...]:
    """The assumptions listed by ``Print Assumptions`` (axioms and anything unsafe).

    Parameters
    ----------
    output : str
        What ``coqc`` printed for one or more ``Print Assumptions`` commands.

    Returns
    -------
    tuple of str
        The names under ``Axioms:``, in order of appearance, each once; a section
        other than ``Axioms:`` (e.g. a constant relying on an unsafe positivity or
        guard assumption) is returned as ``"<section> name"`` so it is never allowed.

    Examples
    --------
    >>> parse_assumptions("Closed under the global context")
    ()
    """
    names: list[str] = []
    section = "Axioms:"
    for line in output.splitlines():
        if not line.strip() or line[0].isspace():
            continue
        stripped = line.strip()
        if stripped == "Closed under the global context":
            continue
        if stripped.endswith(":") and " : " not in stripped:
            section = stripped
            continue
        name = stripped.split(" : ")[0].strip()
        entry = name if section == "Axioms:" else f"<{section[:-1]}> {name}"
        if entry not in names:
            names.append(entry)
    return tuple(names)


@lru_cache(maxsize=8)
def _coqc_version(coqc: str, mtime: float) -> str:
    """First line of ``coqc --version`` (cached per executable and its mtime)."""
    proc = subprocess.run(
        [coqc, "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    return proc.stdout.strip().splitlines()[0]


def _version_number(version: str) -> str:
    """``8.16.1`` from ``The Coq Proof Assistant, version 8.16.1``."""
    match = re.search(r"version (\S+)", version)
    return match.group(1) if match else version


def _cache_key(text: str, version: str, theorems: tuple[str, ...], extra: tuple[str, ...]) -> str:
    payload = json.dumps(
        {
            "format": _CACHE_FORMAT,
            "source_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "coqc": version,
            "theorems": list(theorems),
            "allowed": sorted(ALLOWED_AXIOMS.union(extra)),
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _short(text: str, limit: int = 600) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + " ..."


@dataclass(frozen=True)
class CoqProof(Check):
    r"""A claim proved by a Coq development, checked by compiling it with ``coqc``.

    Parameters
    ----------
    statement : str
        The claim, in LaTeX (as for :class:`~supercoherence.proofs.checkers.Cited`).
    source : str
        The ``.v`` file: a name in :data:`COQ_DIR` (``"dichotomy.v"``) or a path.  Its
        stem must be a Coq module name (letters, digits, ``_``).
    theorems : tuple of str
        The Coq theorems that state the claim; each must exist, and ``Print
        Assumptions`` of each may list only :data:`ALLOWED_AXIOMS`.
    description : str, optional
        The Coq statement in words (its formulation), for reports and exports.
    extra_axioms : tuple of str, optional
        Axioms allowed for this claim beyond :data:`ALLOWED_AXIOMS`, each named in the
        verdict (e.g. ``Classical_Prop.classic``, which Coquelicot's limits use).
    formal_conclusion : sympy formula, optional
        What the step establishes, for the catalogue's entailment check (returned by
        ``conclusion``); ``None``: nothing formal.
    formal_premises : tuple of sympy formulas, optional
        What it takes for granted (returned by ``premises``): the hypotheses of the Coq
        theorem, which the catalogue theorem must supply.

    Examples
    --------
    >>> step = CoqProof(r"1 = 1", "dichotomy.v", ("dichotomy",))
    >>> step.latex, step.engine
    ('1 = 1', 'coq')
    """

    statement: str
    source: str
    theorems: tuple[str, ...]
    description: str = ""
    extra_axioms: tuple[str, ...] = ()
    formal_conclusion: Any = None
    formal_premises: tuple[Any, ...] = ()
    engine = "coq"
    kind = "coq"

    @property
    def latex(self) -> str:
        """The claim in LaTeX."""
        return self.statement

    @property
    def conclusion(self) -> Any:
        """What the step establishes, as a sympy formula (``None``: nothing formal)."""
        return self.formal_conclusion

    @property
    def premises(self) -> tuple[Any, ...]:
        """Formulas the step takes for granted; the theorem must supply them."""
        return tuple(self.formal_premises)

    @property
    def path(self) -> Path:
        """The Coq source file."""
        candidate = Path(self.source)
        return candidate if candidate.is_absolute() else COQ_DIR / candidate

    def establishing(
        self, conclusion: Any, premises: Iterable[Any] = (), statement: str | None = None
    ) -> CoqProof:
        r"""This development as the step of a catalogue theorem that concludes ``conclusion``.

        The copy has the same source, theorems and allowed axioms (hence the same cached
        verdict), and carries the formal ``conclusion`` and ``premises`` of the step it
        discharges -- those of the ``Cited`` step it replaces -- so the theorem's
        entailment check treats it like any checked step.

        Parameters
        ----------
        conclusion : sympy formula or None
            What the step establishes (the Coq theorem, in the catalogue's notation).
        premises : iterable of sympy formulas, optional
            The Coq theorem's hypotheses, which the catalogue theorem must supply.
        statement : str, optional
            The claim in LaTeX (default: the development's own statement).

        Returns
        -------
        CoqProof

        Examples
        --------
        >>> import sympy as sp
        >>> x = sp.Symbol("x", real=True)
        >>> step = coq_step("dichotomy").establishing(x > 0, [x < 1], statement="x > 0")
        >>> step.conclusion, step.premises, step.latex, step.theorems[0]
        (x > 0, (x < 1,), 'x > 0', 'dichotomy')
        """
        return replace(
            self,
            formal_conclusion=conclusion,
            formal_premises=tuple(premises),
            statement=self.statement if statement is None else statement,
        )

    def run(self) -> CheckOutcome:
        """Compile the file with ``coqc`` (or reuse the cached verdict) and judge it.

        Returns
        -------
        CheckOutcome
            ``checked`` / ``failed`` with engine ``coq``, or :data:`UNAVAILABLE` when
            ``coqc`` is not on ``PATH``.  Never raises for a false or broken proof.
        """
        start = time.perf_counter()

        def outcome(status: str, detail: str) -> CheckOutcome:
            return CheckOutcome(status, self.engine, detail, time.perf_counter() - start)  # type: ignore[arg-type]

        path = self.path
        if not path.is_file():
            return outcome("failed", f"no Coq source {path}")
        if not _MODULE.fullmatch(path.stem):
            return outcome("failed", f"{path.name}: the stem is not a Coq module name")
        if not self.theorems:
            return outcome("failed", "no theorem named: nothing would be checked")
        floats = _floats_in(self)
        if floats:
            return outcome("failed", "refused: floating-point number in the claim")
        text = path.read_text(encoding="utf-8")
        forbidden = forbidden_commands(text)
        if forbidden:
            return outcome("failed", f"{path.name} uses {', '.join(forbidden)}: not a proof")
        coqc = shutil.which("coqc")
        if coqc is None:
            return outcome(UNAVAILABLE, f"{NOT_CHECKED}: coqc not found on PATH")
        try:
            version = _coqc_version(coqc, os.path.getmtime(coqc))
        except (OSError, subprocess.SubprocessError, IndexError) as exc:
            return outcome(UNAVAILABLE, f"{NOT_CHECKED}: coqc --version failed: {exc}")
        key = _cache_key(text, version, tuple(self.theorems), tuple(self.extra_axioms))
        # One compilation per key at a time: a check that needs a file :func:`warming`
        # is compiling waits for it and then reads the stored verdict.
        with _key_lock(key):
            cached = self._load(key)
            if cached is not None:
                status, detail = cached
                return outcome(status, f"{detail} [cached verdict {key[:12]}]")
            try:
                status, detail = self._compile(coqc, path, text, version)
            except subprocess.TimeoutExpired:
                return outcome("failed", f"undecided: coqc exceeded {COQC_TIMEOUT:.0f} s")
            self._store(key, status, detail)
        return outcome(status, detail)

    # ------------------------------------------------------------------ internals

    def _compile(self, coqc: str, path: Path, text: str, version: str) -> tuple[str, str]:
        """Run ``coqc`` on a copy of the file, then ``Print Assumptions`` in a second file.

        The second file only ``Require``-s the compiled module (no ``Import``), so Coq
        prints every axiom by its fully qualified name, and gathers the named theorems
        in one tuple (``@`` disables implicit arguments), so their dependencies are
        traversed once however many theorems are named.
        """
        global _coqc_runs
        with _RUNS_LOCK:
            _coqc_runs += 1
        module = path.stem
        with tempfile.TemporaryDirectory(prefix="supercoherence-coq-") as tmp:
            work = Path(tmp)
            (work / path.name).write_text(text, encoding="utf-8")
            begin = time.perf_counter()
            proc = subprocess.run(
                [coqc, "-q", "-Q", ".", "SC", path.name],
                cwd=work,
                capture_output=True,
                text=True,
                timeout=COQC_TIMEOUT,
            )
            if proc.returncode != 0:
                return "failed", f"coqc rejects {path.name}: {_short(proc.stderr + proc.stdout)}"
            terms = ", ".join(f"@SC.{module}.{name}" for name in self.theorems)
            (work / "assumptions_query.v").write_text(
                f"Require SC.{module}.\n"
                f"Definition {_QUERY_NAME} := ({terms}).\n"
                f"Print Assumptions {_QUERY_NAME}.\n",
                encoding="utf-8",
            )
            proc = subprocess.run(
                [coqc, "-q", "-Q", ".", "SC", "assumptions_query.v"],
                cwd=work,
                capture_output=True,
                text=True,
                timeout=COQC_TIMEOUT,
            )
            seconds = time.perf_counter() - begin
            if proc.returncode != 0:
                return "failed", (
                    f"Print Assumptions failed for {', '.join(self.theorems)}: "
                    f"{_short(proc.stderr + proc.stdout)}"
                )
            printed = [proc.stdout]
        axioms = parse_assumptions("\n".join(printed))
        allowed = ALLOWED_AXIOMS.union(self.extra_axioms)
        extra = [a for a in axioms if a not in allowed]
        if extra:
            return "failed", (
                f"{', '.join(self.theorems)} depend on axioms beyond Coq's reals: "
                f"{', '.join(extra)}"
            )
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        used = ", ".join(a.rsplit(".", 1)[-1] for a in axioms if a in ALLOWED_AXIOMS)
        beyond = [a for a in axioms if a not in ALLOWED_AXIOMS]
        also = f"; also {', '.join(beyond)} (allowed for this claim)" if beyond else ""
        return "checked", (
            f"coqc {_version_number(version)} compiled {path.name} "
            f"(sha256 {digest}, {seconds:.1f} s); "
            f"{', '.join(self.theorems)} use only the axioms of Coq's reals "
            f"({used or 'none'}){also}"
        )

    @staticmethod
    def _load(key: str) -> tuple[str, str] | None:
        file = cache_dir() / f"{key}.json"
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            status, detail = data["status"], data["detail"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if status not in ("checked", "failed"):
            return None
        return status, detail

    @staticmethod
    def _store(key: str, status: str, detail: str) -> None:
        directory = cache_dir()
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", dir=directory, suffix=".tmp", delete=False, encoding="utf-8"
            ) as handle:
                json.dump({"status": status, "detail": detail}, handle)
            os.replace(handle.name, directory / f"{key}.json")
        except OSError:  # pragma: no cover - an unwritable cache only costs time
            pass


# --------------------------------------------------------------------------- the steps

_STEPS: dict[str, CoqProof] = {
    "dichotomy": CoqProof(
        r"0 \le q_k < 1 \;\Longrightarrow\; \Big(\lim_{n} \prod_{k<n} (1 - q_k) > 0 "
        r"\iff \sum_k q_k < \infty\Big),\quad \text{else } \prod_k (1 - q_k) = 0",
        "dichotomy.v",
        ("dichotomy", "dichotomy_iff", "dichotomy_zero"),
        "For real q with 0 <= q n < 1: the partial products prod_{k<n} (1 - q k) converge "
        "(Un_cv) to some l >= 0, and l > 0 iff the partial sums sum_{k<n} q k converge; "
        "if the sums do not converge the products tend to 0.",
    ),
    "survival-law": CoqProof(
        r"P(N \ge n) = \prod_{k<n} (1 - q_k),\quad P(N = n) = q_n \prod_{k<n} (1 - q_k)",
        "survival_law.v",
        ("survival_law", "exactly_n"),
        "For independent indicators b_k ~ Bernoulli(q k) (O_k never overthrown) and N the "
        "first k with b_k: under the product law of the first m >= n (resp. n + 1) "
        "indicators, P(N >= n) = prod_{k<n} (1 - q k) and P(N = n) = q n prod_{k<n} (1 - q k).",
    ),
    "gamblers-ruin": CoqProof(
        r"P_0 = 1,\ P_N = 0,\ P_i = p P_{i+1} + q P_{i-1}\ (0<i<N) \;\Longrightarrow\; "
        r"P_i = \frac{q^i p^{N-i} - q^N}{p^N - q^N}\ (p \ne \tfrac12),\ "
        r"P_i = 1 - \frac iN\ (p = \tfrac12)",
        "gamblers_ruin.v",
        (
            "gamblers_ruin",
            "ruin_unique",
            "fair_solves",
            "unfair_solves",
            "homogeneous_zero",
            "duration_unique",
            "duration_fair_solves",
        ),
        "For 0 < p < 1 and N >= 1, the ruin boundary-value problem has exactly one solution "
        "on 0..N, and it is the closed form (fair and unfair case); the duration problem "
        "D_0 = D_N = 0, D_i = 1 + p D_{i+1} + q D_{i-1} has at most one solution "
        "(i(N - i) for p = 1/2).",
    ),
    "entrenchment": CoqProof(
        r"\int_0^\infty h_0 e^{-\delta t}\,dt = \frac{h_0}{\delta},\quad "
        r"q = \lim_{T\to\infty} e^{-\int_0^T h} = e^{-h_0/\delta}\ (\delta > 0); "
        r"\quad h(t) = h > 0 \Rightarrow q = 0",
        "hazard_integrals.v",
        (
            "entrenchment_integral",
            "entrenchment_q",
            "entrenchment_never_overthrown",
            "constant_total_hazard",
            "constant_hazard_never_overthrown",
        ),
        "Coquelicot: is_RInt_gen of h0 exp(-delta t) from 0 to +oo is h0/delta; "
        "exp(-int_0^T h) tends to exp(-h0/delta) (entrenchment); for a constant h > 0, "
        "int_0^T h tends to +oo and exp(-int_0^T h) to 0.",
        extra_axioms=("Classical_Prop.classic",),
    ),
    "bolzano": CoqProof(
        r"g \text{ continuous},\ g(0) > 0 > g(s_1) \Rightarrow "
        r"\exists s \in (0, s_1): g(s) = 0;\quad e^{m(s_1 - 1)} < s_1 \le 1 \Rightarrow "
        r"\exists s \in (0, s_1): e^{m(s-1)} = s",
        "extinction_root.v",
        ("bolzano", "poisson_fixed_point_below_1"),
        "Bolzano's theorem on [0, s1] (from Coq's IVT), and its instance: the Poisson pgf "
        "exp(m(s - 1)) has a fixed point in (0, s1) when exp(m(s1 - 1)) < s1 <= 1.",
    ),
}

#: ``(catalogue theorem, step number from 1) -> key of`` :func:`coq_steps`: the steps of
#: the catalogue whose claim *is* the Coq development (engine ``coq``), each with the
#: formal conclusion and premises of the ``Cited`` step it replaced:
#: ``dichotomy`` 4 (Knopp's criterion), ``critical-moments`` 3 (the same criterion,
#: indices from 1), ``gamblers-ruin`` 7 and ``gamblers-ruin-duration`` 6 (the
#: uniqueness; "P_i, D_i solve it", first-step analysis, stays cited as the step
#: before), ``branching-criticality`` 9 (the intermediate value theorem).
DISCHARGES: dict[tuple[str, int], str] = {
    ("dichotomy", 4): "dichotomy",
    ("critical-moments", 3): "dichotomy",
    ("gamblers-ruin", 7): "gamblers-ruin",
    ("gamblers-ruin-duration", 6): "gamblers-ruin",
    ("branching-criticality", 9): "bolzano",
}

#: Steps checked by sympy whose claim a Coq development proves as well.  They stay
#: sympy steps (a step has one engine, and a theorem with a ``coq`` step is not
#: checked where ``coqc`` is missing); the Coq files are checked by ``tests/proofs``.
CONFIRMS: dict[tuple[str, int], str] = {
    ("dichotomy", 1): "survival-law",
    ("entrenchment", 1): "entrenchment",
    ("constant-hazard", 1): "entrenchment",
    ("constant-hazard", 3): "entrenchment",
}


def warm(checks: Iterable[Any], workers: int = 2) -> int:
    """Compile the Coq files of ``checks`` not yet in the cache, ``workers`` at a time.

    The catalogue checks its steps one after another; calling this first compiles
    the distinct developments in parallel threads (each a ``coqc`` process), so a
    cold cache costs about the slowest file per worker rather than the sum.  Checks
    that are not :class:`CoqProof` are ignored; without ``coqc`` nothing runs.

    Parameters
    ----------
    checks : iterable
        Claims (or :class:`~supercoherence.proofs.theorem.Step` s) of any kind.
    workers : int, default 2
        Parallel ``coqc`` processes.

    Returns
    -------
    int
        The number of distinct developments asked for.

    Examples
    --------
    >>> warm([])
    0
    >>> warm(coq_steps().values())  # doctest: +SKIP
    5
    """
    distinct: dict[tuple[str, tuple[str, ...], tuple[str, ...]], CoqProof] = {}
    for check in checks:
        check = getattr(check, "claim", check)
        if isinstance(check, CoqProof):
            key = (str(check.path), tuple(check.theorems), tuple(check.extra_axioms))
            distinct.setdefault(key, check)
    if not distinct or shutil.which("coqc") is None:
        return len(distinct)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(lambda step: step.run(), distinct.values()))
    return len(distinct)


@contextmanager
def warming(checks: Iterable[Any], workers: int = 2) -> Iterator[None]:
    """Run :func:`warm` in a background thread while the block runs, and join it.

    The catalogue's sympy and z3 steps run in the block while ``coqc`` compiles the
    developments beside them; a Coq step reached before its file is compiled waits
    for that compilation (one per file) instead of starting another.

    Parameters
    ----------
    checks : iterable
        Claims (or steps), as for :func:`warm`.
    workers : int, default 2
        Parallel ``coqc`` processes.

    Examples
    --------
    >>> with warming([]):
    ...     pass
    """
    claims = list(checks)
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(warm, claims, workers)
        try:
            yield
        finally:
            future.result()


def coq_step(name: str) -> CoqProof:
    """The Coq-checked claim for catalogue entry ``name``.

    Parameters
    ----------
    name : str
        ``"dichotomy"``, ``"survival-law"``, ``"gamblers-ruin"``, ``"entrenchment"``,
        ``"bolzano"`` (see :func:`coq_steps`).

    Returns
    -------
    CoqProof

    Raises
    ------
    KeyError
        If there is no Coq development for ``name``.

    Examples
    --------
    >>> coq_step("gamblers-ruin").path.name
    'gamblers_ruin.v'
    """
    return _STEPS[name]


def coq_steps() -> dict[str, CoqProof]:
    """Every Coq-checked claim, by name.

    Returns
    -------
    dict of str to CoqProof

    Examples
    --------
    >>> sorted(coq_steps())
    ['bolzano', 'dichotomy', 'entrenchment', 'gamblers-ruin', 'survival-law']
    """
    return dict(_STEPS)
