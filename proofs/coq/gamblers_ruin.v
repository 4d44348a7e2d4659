(** * The gambler's ruin: closed form and uniqueness

    Catalogue theorems: [gamblers-ruin] (proofs/contest_theorems.py), step 7, the
    uniqueness half of the formerly cited "the recurrence with its boundary values has
    exactly one solution, and P_i, D_i solve it" (Feller), for P_i and for the
    duration D_i ([gamblers-ruin-duration], step 6); the other half, "P_i, D_i solve
    it", stays cited (step 6, resp. 5).  Steps 1-4 (the closed forms of P_i solve it,
    checked there by sympy) are proved here as well.

    Formulation.  For [0 < p < 1], [q = 1 - p] and an integer [N >= 1], a function
    [P : nat -> R] solves the ruin problem ([ruin_problem p N P]) when
    [P 0 = 1], [P N = 0] and [P i = p P (i+1) + q P (i-1)] for [0 < i < N]
    (written with [i = S j]).
    - [homogeneous_zero]: the homogeneous problem with zero boundary values has only
      the zero solution on [0..N] (for every [p], fair or not), so
      ([difference_unique]) two functions with the same boundary values whose
      difference solves it agree on [0..N]; hence
    - [ruin_unique]: two solutions of the ruin problem agree on [0..N];
    - [duration_unique]: two solutions of the duration problem
      ([D 0 = D N = 0], [D i = 1 + p D (i+1) + q D (i-1)]) agree on [0..N], and
      [duration_fair_solves]: for [p = 1/2], [i (N - i)] is one (catalogue theorem
      [gamblers-ruin-duration], the uniqueness in its cited step 5);
    - [fair_solves]: for [p = 1/2], [i |-> 1 - i/N] is a solution;
    - [unfair_solves]: for [p <> 1/2], [i |-> (q^i p^(N-i) - q^N) / (p^N - q^N)]
      (the catalogue's form) is a solution;
    - [gamblers_ruin]: hence every solution is given on [0..N] by these closed forms.
    Difference of formulation: the catalogue allows [N >= 0] implicitly; here [N >= 1]
    (for [N = 0] the boundary values [P 0 = 1] and [P N = 0] contradict each other).
    That the ruin probability and the expected duration solve these problems
    (first-step analysis; the game ends almost surely, in finite expected time) is the
    catalogue's justification, not formalised here. *)

Require Import Reals Lra Lia.
Open Scope R_scope.

Definition ruin_problem (p : R) (N : nat) (P : nat -> R) : Prop :=
  P 0%nat = 1 /\ P N = 0 /\
  forall j, (S j < N)%nat -> P (S j) = p * P (S (S j)) + (1 - p) * P j.

Definition ruin_fair (N : nat) (i : nat) : R := 1 - INR i / INR N.

Definition ruin_unfair (p : R) (N : nat) (i : nat) : R :=
  ((1 - p) ^ i * p ^ (N - i) - (1 - p) ^ N) / (p ^ N - (1 - p) ^ N).

Section Ruin.

Variable p : R.
Hypothesis Hp : 0 < p < 1.
Variable N : nat.
Hypothesis HN : (1 <= N)%nat.

Let r := (1 - p) / p.

(** [g i = sum_{j<i} r^j]: the solution of the homogeneous problem with
    [W 0 = 0], [W 1 = 1]. *)
Fixpoint g (i : nat) : R :=
  match i with
  | O => 0
  | S j => g j + r ^ j
  end.

Lemma r_pos : 0 < r.
Proof. unfold r; apply Rdiv_lt_0_compat; lra. Qed.

Lemma g_step : forall i, p * g (S (S i)) = g (S i) - (1 - p) * g i.
Proof.
  intro i; simpl.
  assert (Hr : p * r = 1 - p) by (unfold r; field; lra).
  replace (p * (g i + r ^ i + r * r ^ i)) with (p * g i + p * r ^ i + (p * r) * r ^ i)
    by ring.
  rewrite Hr; ring.
Qed.

Lemma g_ge_1 : forall i, (1 <= i)%nat -> 1 <= g i.
Proof.
  induction i as [|i IH]; intro Hi; [lia |].
  destruct i as [|i].
  - simpl; lra.
  - change (g (S (S i))) with (g (S i) + r ^ S i).
    pose proof (pow_lt r (S i) r_pos); specialize (IH ltac:(lia)); lra.
Qed.

(** The homogeneous problem with zero boundary values has only the zero solution. *)
Lemma homogeneous_zero : forall W : nat -> R,
  W 0%nat = 0 -> W N = 0 ->
  (forall j, (S j < N)%nat -> p * W (S (S j)) = W (S j) - (1 - p) * W j) ->
  forall i, (i <= N)%nat -> W i = 0.
Proof.
  intros W H0 HN0 Hrec.
  assert (Hpair : forall i, (S i <= N)%nat ->
            W i = W 1%nat * g i /\ W (S i) = W 1%nat * g (S i)).
  { induction i as [|i IH]; intro Hi.
    - simpl; rewrite H0; split; ring.
    - destruct (IH ltac:(lia)) as [Hi0 Hi1]; split; [exact Hi1 |].
      apply (Rmult_eq_reg_l p); [| lra].
      rewrite (Hrec i ltac:(lia)), Hi0, Hi1.
      replace (p * (W 1%nat * g (S (S i)))) with (W 1%nat * (p * g (S (S i)))) by ring.
      rewrite g_step; ring. }
  assert (HW1 : W 1%nat = 0).
  { assert (HSM : S (pred N) = N) by lia.
    destruct (Hpair (pred N) ltac:(lia)) as [_ HM]; rewrite HSM, HN0 in HM.
    pose proof (g_ge_1 N HN).
    destruct (Rmult_integral _ _ (eq_sym HM)) as [Hz | Hz]; [exact Hz | lra]. }
  intros i Hi; destruct i as [|i]; [exact H0 |].
  destruct (Hpair i Hi) as [_ H]; rewrite H, HW1; ring.
Qed.

(** Two functions with the same boundary values whose difference solves the
    homogeneous recurrence agree on [0..N] (the uniqueness of both problems below). *)
Lemma difference_unique : forall X1 X2 : nat -> R,
  X1 0%nat = X2 0%nat -> X1 N = X2 N ->
  (forall j, (S j < N)%nat ->
     p * (X1 (S (S j)) - X2 (S (S j))) = X1 (S j) - X2 (S j) - (1 - p) * (X1 j - X2 j)) ->
  forall i, (i <= N)%nat -> X1 i = X2 i.
Proof.
  intros X1 X2 H0 HN0 Hrec i Hi.
  assert (HW : X1 i - X2 i = 0).
  { apply (homogeneous_zero (fun i => X1 i - X2 i)); [lra | lra | exact Hrec | exact Hi]. }
  lra.
Qed.

Theorem ruin_unique : forall P1 P2, ruin_problem p N P1 -> ruin_problem p N P2 ->
  forall i, (i <= N)%nat -> P1 i = P2 i.
Proof.
  intros P1 P2 [H10 [H1N H1r]] [H20 [H2N H2r]]; apply difference_unique; [lra | lra |].
  intros j Hj; rewrite (H1r j Hj), (H2r j Hj); ring.
Qed.

(** The expected duration: [D 0 = D N = 0], [D i = 1 + p D (i+1) + q D (i-1)]. *)
Definition duration_problem (p : R) (N : nat) (D : nat -> R) : Prop :=
  D 0%nat = 0 /\ D N = 0 /\
  forall j, (S j < N)%nat -> D (S j) = 1 + p * D (S (S j)) + (1 - p) * D j.

Theorem duration_unique : forall D1 D2, duration_problem p N D1 -> duration_problem p N D2 ->
  forall i, (i <= N)%nat -> D1 i = D2 i.
Proof.
  intros D1 D2 [H10 [H1N H1r]] [H20 [H2N H2r]]; apply difference_unique; [lra | lra |].
  intros j Hj; rewrite (H1r j Hj), (H2r j Hj); ring.
Qed.

Theorem duration_fair_solves : p = / 2 ->
  duration_problem p N (fun i => INR i * (INR N - INR i)).
Proof.
  intro Hhalf; unfold duration_problem; split; [simpl; ring | split; [ring |]].
  intros j Hj; rewrite Hhalf, !S_INR; field.
Qed.

Theorem fair_solves : p = / 2 -> ruin_problem p N (ruin_fair N).
Proof.
  intro Hhalf; unfold ruin_problem, ruin_fair.
  assert (HNpos : 0 < INR N) by (apply lt_0_INR; lia).
  split; [simpl; field; lra | split; [field; lra |]].
  intros j Hj; rewrite Hhalf, !S_INR; field; lra.
Qed.

(** [r]-form of the unfair solution. *)
Let f (i : nat) : R := (r ^ i - r ^ N) / (1 - r ^ N).

Lemma r_ne_1 : p <> / 2 -> r <> 1.
Proof.
  intros Hh Hr; unfold r in Hr; apply Hh.
  assert (H : 1 - p = (1 - p) / p * p) by (field; lra).
  rewrite Hr in H; lra.
Qed.

Lemma rN_ne_1 : p <> / 2 -> r ^ N <> 1.
Proof.
  intros Hh HrN; pose proof (r_ne_1 Hh); pose proof r_pos.
  destruct (Rlt_or_le r 1) as [Hlt | Hge].
  - pose proof (pow_lt_1_compat r N ltac:(lra) ltac:(lia)); lra.
  - assert (1 < r) by lra; pose proof (Rlt_pow_R1 r N ltac:(lra) ltac:(lia)); lra.
Qed.

Lemma unfair_is_f : p <> / 2 -> forall i, (i <= N)%nat -> ruin_unfair p N i = f i.
Proof.
  intros Hh i Hi; unfold ruin_unfair, f.
  assert (HpN : p ^ N = p ^ i * p ^ (N - i)) by (rewrite <- pow_add; f_equal; lia).
  assert (Hri : forall k, r ^ k = (1 - p) ^ k / p ^ k).
  { intro k; unfold r, Rdiv; rewrite Rpow_mult_distr, pow_inv; reflexivity. }
  pose proof (rN_ne_1 Hh) as HrN.
  pose proof (pow_lt p i ltac:(lra)); pose proof (pow_lt p (N - i) ltac:(lra)).
  assert (HqN : p ^ N - (1 - p) ^ N = p ^ N * (1 - r ^ N)).
  { rewrite (Hri N); field; apply pow_nonzero; lra. }
  assert (Hnum : (1 - p) ^ i * p ^ (N - i) - (1 - p) ^ N = p ^ N * (r ^ i - r ^ N)).
  { rewrite (Hri N), (Hri i), HpN; field; split; apply pow_nonzero; lra. }
  rewrite HqN, Hnum; field; split; [intro Hz; apply HrN; lra |].
  rewrite HpN; apply Rmult_integral_contrapositive; split; lra.
Qed.

Theorem unfair_solves : p <> / 2 -> ruin_problem p N (ruin_unfair p N).
Proof.
  intro Hh; pose proof (rN_ne_1 Hh) as HrN.
  assert (Hden : 1 - r ^ N <> 0) by lra.
  split; [| split].
  - rewrite unfair_is_f by (exact Hh || lia); unfold f; simpl; field; exact Hden.
  - rewrite unfair_is_f by (exact Hh || lia); unfold f; field; exact Hden.
  - intros j Hj; rewrite !unfair_is_f by (exact Hh || lia); unfold f.
    assert (Hr : p * (r * r) + (1 - p) = r) by (unfold r; field; lra).
    apply (Rmult_eq_reg_r (1 - r ^ N)); [| exact Hden].
    unfold Rdiv; rewrite !Rmult_plus_distr_r, !Rmult_assoc, Rinv_l by exact Hden.
    simpl; rewrite <- Hr at 1; ring.
Qed.

Theorem gamblers_ruin : forall P, ruin_problem p N P -> forall i, (i <= N)%nat ->
  (p = / 2 -> P i = 1 - INR i / INR N) /\
  (p <> / 2 -> P i = ((1 - p) ^ i * p ^ (N - i) - (1 - p) ^ N) / (p ^ N - (1 - p) ^ N)).
Proof.
  intros P HP i Hi; split; intro Hh.
  - exact (ruin_unique P (ruin_fair N) HP (fair_solves Hh) i Hi).
  - exact (ruin_unique P (ruin_unfair p N) HP (unfair_solves Hh) i Hi).
Qed.

End Ruin.
