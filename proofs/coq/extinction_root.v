(** * A fixed point of the Poisson offspring pgf below 1 (Bolzano)

    Catalogue theorem: [branching-criticality] (proofs/branching_theorems.py), the cited
    step "g continuous, g(0) > 0 > g(s_1) => exists s in (0, s_1) with g(s) = 0"
    (Bolzano's intermediate value theorem), and its use: [f(s) = s] has a root in
    [(0, 1)] for the Poisson pgf [f(s) = exp(m (s - 1))].

    Formulation.
    - [bolzano]: for [g] continuous on [[0, s1]] (pointwise, [continuity_pt]) with
      [0 < s1], [g 0 > 0] and [g s1 < 0], there is [s] with [0 < s < s1] and [g s = 0];
    - [poisson_fixed_point_below_1]: for every real [m] and [0 < s1 <= 1] with
      [exp (m (s1 - 1)) < s1], there is [s] with [0 < s < s1] and [exp (m (s - 1)) = s].
    The hypothesis [exp (m (s1 - 1)) < s1] is what the catalogue's preceding steps
    establish for [m > 1] ("f(s) < s just below 1", a sympy limit); it is taken as a
    hypothesis here, not re-derived.  [g 0 = exp (- m) > 0] is proved. *)

Require Import Reals Ranalysis5 Lra.
Open Scope R_scope.

Theorem bolzano : forall (g : R -> R) (s1 : R),
  0 < s1 -> (forall s, 0 <= s <= s1 -> continuity_pt g s) ->
  0 < g 0 -> g s1 < 0 -> exists s, 0 < s < s1 /\ g s = 0.
Proof.
  intros g s1 Hs1 Hc H0 H1.
  destruct (IVT_interv (fun s => - g s) 0 s1) as [z [Hz Hgz]].
  - intros a Ha; apply continuity_pt_opp, Hc, Ha.
  - exact Hs1.
  - lra.
  - lra.
  - exists z; split; [split | lra].
    + destruct (proj1 Hz) as [Hlt | Heq]; [exact Hlt | subst z; lra].
    + destruct (proj2 Hz) as [Hlt | Heq]; [exact Hlt | subst z; lra].
Qed.

Theorem poisson_fixed_point_below_1 : forall m s1,
  0 < s1 <= 1 -> exp (m * (s1 - 1)) < s1 ->
  exists s, 0 < s < s1 /\ exp (m * (s - 1)) = s.
Proof.
  intros m s1 Hs1 Hlt.
  destruct (bolzano (fun s => exp (m * (s - 1)) - s) s1) as [s [Hs Hg]].
  - lra.
  - intros s _; reg.
  - pose proof (exp_pos (m * (0 - 1))); lra.
  - lra.
  - exists s; split; [exact Hs | lra].
Qed.
