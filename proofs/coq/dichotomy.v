(** * The dichotomy: an infinite product of (1 - q_n) and the series of q_n

    Catalogue theorem: [dichotomy] (proofs/recursion_theorems.py), step 4, the cited
    criterion [prod_k (1 - q_k) > 0 <-> sum_k q_k < oo] (Knopp, sec. 28); the same
    criterion is step 3 of [critical-moments] (proofs/hazard_theorems.py, p_j for q_k,
    indices from 1: apply it to [k |-> p (k + 1)]).  Step numbers as of 2026-12-01.

    Formulation.  For a real sequence [q] with [0 <= q n < 1] for every [n]:
    - [pprod q n] is the partial product [prod_{k<n} (1 - q k)] and [psum q n] the
      partial sum [sum_{k<n} q k] (both by recursion on [n]; [psum_sum_f_R0] relates
      [psum] to the library's [sum_f_R0]);
    - [dichotomy]: the partial products converge (in the sense of [Un_cv]) to a limit
      [l >= 0], and [l > 0] iff the partial sums converge;
    - [dichotomy_iff]: the statement as the catalogue words it, "the partial products
      converge to a positive limit iff the partial sums converge";
    - [dichotomy_zero]: if the partial sums do not converge the product is 0
      (so the catalogue's "P(N = oo) = 0 iff sum q_n = oo").
    Difference of formulation: "sum q_k < oo" is stated as convergence of the partial
    sums (equivalent for non-negative terms); nothing probabilistic is stated here.

    Method (plain Coq Reals, no Coquelicot): the products decrease and stay positive;
    [prod (1 - q_k) * (1 + sum q_k) <= 1] bounds the sums when the limit is positive;
    the Weierstrass inequality [prod_{m<=k<n} (1 - q_k) >= 1 - sum_{m<=k<n} q_k]
    bounds the products away from 0 when the sums converge. *)

Require Import Reals Lra Lia.
Open Scope R_scope.

Fixpoint pprod (q : nat -> R) (n : nat) : R :=
  match n with
  | O => 1
  | S m => pprod q m * (1 - q m)
  end.

Fixpoint psum (q : nat -> R) (n : nat) : R :=
  match n with
  | O => 0
  | S m => psum q m + q m
  end.

Lemma psum_sum_f_R0 : forall q n, psum q (S n) = sum_f_R0 q n.
Proof.
  intros q n; induction n as [|n IH].
  - simpl; ring.
  - change (psum q (S (S n))) with (psum q (S n) + q (S n)).
    rewrite IH; reflexivity.
Qed.

Section Dichotomy.

Variable q : nat -> R.
Hypothesis Hq : forall n, 0 <= q n < 1.

Lemma pprod_pos : forall n, 0 < pprod q n.
Proof.
  induction n as [|n IH]; simpl.
  - lra.
  - destruct (Hq n); apply Rmult_lt_0_compat; lra.
Qed.

Lemma pprod_decreasing : Un_decreasing (pprod q).
Proof.
  intro n; simpl.
  pose proof (pprod_pos n); destruct (Hq n).
  assert (pprod q n * q n >= 0) by (apply Rle_ge, Rmult_le_pos; lra).
  nra.
Qed.

Lemma psum_growing : Un_growing (psum q).
Proof. intro n; simpl; destruct (Hq n); lra. Qed.

Lemma psum_nonneg : forall n, 0 <= psum q n.
Proof. induction n as [|n IH]; simpl; [lra | destruct (Hq n); lra]. Qed.

Lemma pprod_cv : {l : R | Un_cv (pprod q) l}.
Proof.
  apply decreasing_cv.
  - exact pprod_decreasing.
  - exists 0; intros x [i ->]; unfold opp_seq.
    pose proof (pprod_pos i); lra.
Qed.

(** [(1 - x)(1 + S + x) <= 1 + S] for [0 <= x], [0 <= S]. *)
Lemma pprod_psum_le_1 : forall n, pprod q n * (1 + psum q n) <= 1.
Proof.
  induction n as [|n IH]; simpl.
  - lra.
  - pose proof (pprod_pos n); pose proof (psum_nonneg n); destruct (Hq n).
    assert (Hk : (1 - q n) * (1 + (psum q n + q n)) <= 1 + psum q n).
    { assert (0 <= q n * psum q n) by (apply Rmult_le_pos; lra).
      assert (0 <= q n * q n) by (apply Rmult_le_pos; lra).
      nra. }
    apply Rle_trans with (pprod q n * (1 + psum q n)); [| exact IH].
    rewrite Rmult_assoc; apply Rmult_le_compat_l; lra.
Qed.

(** Weierstrass: [pprod q (m + n) >= pprod q m * (1 - (psum q (m + n) - psum q m))]. *)
Lemma weierstrass : forall m n,
  pprod q m * (1 - (psum q (m + n) - psum q m)) <= pprod q (m + n).
Proof.
  intros m n; induction n as [|n IH].
  - rewrite Nat.add_0_r; lra.
  - rewrite Nat.add_succ_r; simpl.
    pose proof (pprod_pos m); destruct (Hq (m + n)%nat).
    assert (Hd : 0 <= psum q (m + n) - psum q m).
    { clear IH; induction n as [|n IHn].
      - rewrite Nat.add_0_r; lra.
      - rewrite Nat.add_succ_r; simpl; destruct (Hq (m + n)%nat); lra. }
    set (D := psum q (m + n) - psum q m) in *.
    set (x := q (m + n)%nat) in *.
    replace (psum q (m + n) + x - psum q m) with (D + x) by (unfold D; ring).
    apply Rle_trans with (pprod q m * (1 - D) * (1 - x)).
    + assert (0 <= pprod q m * (D * x)) by
        (apply Rmult_le_pos; [lra | apply Rmult_le_pos; lra]).
      nra.
    + apply Rmult_le_compat_r; lra.
Qed.

Lemma lim_lower_bound : forall (u : nat -> R) l c m,
  Un_cv u l -> (forall n, (n >= m)%nat -> c <= u n) -> c <= l.
Proof.
  intros u l c m Hcv Hb.
  destruct (Rle_or_lt c l) as [Hle | Hlt]; [exact Hle | exfalso].
  destruct (Hcv (c - l)) as [N HN]; [lra |].
  specialize (HN (Nat.max N m) (Nat.le_max_l N m)).
  specialize (Hb (Nat.max N m) (Nat.le_max_r N m)).
  unfold R_dist in HN; apply Rabs_def2 in HN; lra.
Qed.

(** Converging sums give a positive limit of the products. *)
Lemma sum_cv_prod_pos : forall s l,
  Un_cv (psum q) s -> Un_cv (pprod q) l -> 0 < l.
Proof.
  intros s l Hs Hl.
  destruct (Hs (/ 2)) as [m Hm]; [lra |].
  specialize (Hm m (le_n m)); unfold R_dist in Hm; apply Rabs_def2 in Hm.
  assert (Hup : forall n, psum q n <= s) by
    (intro n; apply (growing_ineq (psum q) s psum_growing Hs)).
  assert (Hb : forall n, (n >= m)%nat -> pprod q m * / 2 <= pprod q n).
  { intros n Hn; replace n with (m + (n - m))%nat by lia.
    eapply Rle_trans; [| apply weierstrass].
    apply Rmult_le_compat_l; [left; apply pprod_pos |].
    specialize (Hup (m + (n - m))%nat); lra. }
  pose proof (lim_lower_bound _ _ _ _ Hl Hb).
  pose proof (pprod_pos m); lra.
Qed.

(** A positive limit of the products gives converging sums. *)
Lemma prod_pos_sum_cv : forall l,
  Un_cv (pprod q) l -> 0 < l -> {s : R | Un_cv (psum q) s}.
Proof.
  intros l Hl Hpos.
  apply growing_cv; [exact psum_growing |].
  exists (/ l - 1); intros x [i ->].
  pose proof (decreasing_ineq (pprod q) l pprod_decreasing Hl i) as Hli.
  pose proof (pprod_psum_le_1 i); pose proof (pprod_pos i).
  assert (H1 : 1 + psum q i <= / pprod q i).
  { apply (Rmult_le_reg_l (pprod q i)); [lra |].
    rewrite Rinv_r; lra. }
  assert (/ pprod q i <= / l) by (apply Rinv_le_contravar; lra).
  lra.
Qed.

Theorem dichotomy :
  exists l, Un_cv (pprod q) l /\ 0 <= l /\ (0 < l <-> exists s, Un_cv (psum q) s).
Proof.
  destruct pprod_cv as [l Hl].
  exists l; split; [exact Hl | split].
  - apply (lim_lower_bound (pprod q) l 0 0 Hl); intros n _; left; apply pprod_pos.
  - split.
    + intro Hpos; destruct (prod_pos_sum_cv l Hl Hpos) as [s Hs]; exists s; exact Hs.
    + intros [s Hs]; exact (sum_cv_prod_pos s l Hs Hl).
Qed.

Theorem dichotomy_iff :
  (exists l, 0 < l /\ Un_cv (pprod q) l) <-> (exists s, Un_cv (psum q) s).
Proof.
  split.
  - intros [l [Hpos Hl]]; destruct (prod_pos_sum_cv l Hl Hpos) as [s Hs]; exists s; exact Hs.
  - intros [s Hs]; destruct pprod_cv as [l Hl].
    exists l; split; [exact (sum_cv_prod_pos s l Hs Hl) | exact Hl].
Qed.

Theorem dichotomy_zero :
  ~ (exists s, Un_cv (psum q) s) -> Un_cv (pprod q) 0.
Proof.
  intro Hdiv; destruct dichotomy as [l [Hl [Hnn Hiff]]].
  replace 0 with l; [exact Hl |].
  destruct Hnn as [Hlt | Heq]; [exfalso; apply Hdiv, Hiff, Hlt | symmetry; exact Heq].
Qed.

End Dichotomy.

