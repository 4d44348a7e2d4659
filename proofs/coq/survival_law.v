(** * The survival law of the recursion: P(N >= n) = prod_{k<n} (1 - q_k)

    Catalogue theorem: [dichotomy] (proofs/recursion_theorems.py), step 1, the law
    [P(N >= n) = prod_{k<n} (1 - q_k)] (checked there by sympy as an induction on the
    recursion [G(n+1) = G(n) (1 - q_n)]); this file proves it from the events: the
    indicators of "O_k is never overthrown" and their product law.

    Formulation.  The dominant optimizer [O_k], once reached, is never overthrown with
    probability [q k], independently of the past.  The outcomes are a sequence of
    independent indicators [b_k] ([true]: [O_k] is never overthrown), [b_k ~ Bernoulli (q k)];
    [N], the number of top-level takeovers, is the first [k] with [b_k = true], so the
    event [{N >= n}] is [{b_0 = ... = b_{n-1} = false}] and [{N = n}] is
    [{N >= n} /\ {b_n = true}].  An event that depends on the first [m] indicators has
    probability [expect m 0 (indicator)], where [expect m k f] is the expectation of
    [f (b_k, ..., b_{k+m-1})] under the product law (defined by conditioning on the
    first indicator: the law of total probability with independence).
    - [survival_law]: [P(N >= n) = pprod q n] computed on the first [m >= n]
      indicators, for every [m] (the value does not depend on how many coordinates
      the finite product space carries: the cylinder probabilities are consistent);
    - [exactly_n]: [P(N = n) = pprod q n * q n] (on [m >= n + 1] indicators);
    - [expect_const]: the law has total mass 1.
    Hypotheses: [0 <= q k <= 1] (the catalogue's [0 <= q_k < 1] is a special case).
    Difference of formulation: the probability space is the finite product of the
    first [m] indicators (cylinder events); the infinite product measure and the
    passage [P(N = oo) = lim P(N >= n)] (step 2, continuity from above) are not
    formalised here. *)

Require Import Reals Lra Lia List.
Import ListNotations.
Open Scope R_scope.

Fixpoint pprod (q : nat -> R) (n : nat) : R :=
  match n with
  | O => 1
  | S m => pprod q m * (1 - q m)
  end.

(** [prod_{j<n} (1 - q (k + j))] *)
Fixpoint pprod_from (q : nat -> R) (k n : nat) : R :=
  match n with
  | O => 1
  | S m => (1 - q k) * pprod_from q (S k) m
  end.

(** Expectation of [f (b_k, ..., b_{k+m-1})] for independent [b_j ~ Bernoulli (q j)]. *)
Fixpoint expect (q : nat -> R) (m k : nat) (f : list bool -> R) : R :=
  match m with
  | O => f []
  | S m' => q k * expect q m' (S k) (fun l => f (true :: l))
            + (1 - q k) * expect q m' (S k) (fun l => f (false :: l))
  end.

(** [N >= n]: the first [n] optimizers are all overthrown. *)
Fixpoint reached (n : nat) (l : list bool) : bool :=
  match n, l with
  | O, _ => true
  | S n', false :: l' => reached n' l'
  | S _, _ => false
  end.

(** [N = n]: the first [n] are overthrown and [O_n] is never overthrown. *)
Fixpoint exactly (n : nat) (l : list bool) : bool :=
  match n, l with
  | O, true :: _ => true
  | S n', false :: l' => exactly n' l'
  | _, _ => false
  end.

Definition indicator (e : list bool -> bool) (l : list bool) : R :=
  if e l then 1 else 0.

Section Law.

Variable q : nat -> R.

Lemma expect_const : forall m k c, expect q m k (fun _ => c) = c.
Proof.
  induction m as [|m IH]; intros k c; simpl; [reflexivity |].
  rewrite !IH; ring.
Qed.

Lemma expect_ext : forall m k f g, (forall l, f l = g l) -> expect q m k f = expect q m k g.
Proof.
  induction m as [|m IH]; intros k f g Hfg; simpl; [apply Hfg |].
  rewrite (IH (S k) (fun l => f (true :: l)) (fun l => g (true :: l)));
    [| intro; apply Hfg].
  rewrite (IH (S k) (fun l => f (false :: l)) (fun l => g (false :: l)));
    [| intro; apply Hfg].
  reflexivity.
Qed.

Lemma survival_from : forall n m k, (n <= m)%nat ->
  expect q m k (indicator (reached n)) = pprod_from q k n.
Proof.
  induction n as [|n IH]; intros m k Hnm.
  - simpl. rewrite (expect_ext m k _ (fun _ => 1)); [apply expect_const | reflexivity].
  - destruct m as [|m]; [lia |]. simpl.
    rewrite (expect_ext m (S k) _ (fun _ => 0)); [| reflexivity].
    rewrite expect_const.
    rewrite (expect_ext m (S k) _
                        (indicator (reached n))); [| reflexivity].
    rewrite (IH m (S k)); [ring | lia].
Qed.

Lemma pprod_from_shift : forall n k,
  pprod_from q k (S n) = pprod_from q k n * (1 - q (k + n)%nat).
Proof.
  induction n as [|n IH]; intro k.
  - simpl; rewrite Nat.add_0_r; ring.
  - change (pprod_from q k (S (S n))) with ((1 - q k) * pprod_from q (S k) (S n)).
    rewrite IH. replace (S k + n)%nat with (k + S n)%nat by lia. simpl; ring.
Qed.

Lemma pprod_from_0 : forall n, pprod_from q 0 n = pprod q n.
Proof.
  induction n as [|n IH]; [reflexivity |].
  rewrite pprod_from_shift, IH; reflexivity.
Qed.

Theorem survival_law : forall n m, (n <= m)%nat ->
  expect q m 0 (indicator (reached n)) = pprod q n.
Proof. intros n m H; rewrite survival_from by exact H; apply pprod_from_0. Qed.

Lemma exactly_from : forall n m k, (S n <= m)%nat ->
  expect q m k (indicator (exactly n)) = pprod_from q k n * q (k + n)%nat.
Proof.
  induction n as [|n IH]; intros m k Hnm.
  - destruct m as [|m]; [lia |]. simpl.
    rewrite (expect_ext m (S k) _ (fun _ => 1)); [| reflexivity].
    rewrite expect_const.
    rewrite (expect_ext m (S k) _ (fun _ => 0)); [| reflexivity].
    rewrite !expect_const, Nat.add_0_r; ring.
  - destruct m as [|m]; [lia |]. simpl.
    rewrite (expect_ext m (S k) _ (fun _ => 0)); [| reflexivity].
    rewrite expect_const.
    rewrite (expect_ext m (S k) _
                        (indicator (exactly n))); [| reflexivity].
    rewrite (IH m (S k)) by lia.
    replace (S k + n)%nat with (k + S n)%nat by lia; ring.
Qed.

Theorem exactly_n : forall n m, (S n <= m)%nat ->
  expect q m 0 (indicator (exactly n)) = pprod q n * q n.
Proof. intros n m H; rewrite exactly_from by exact H; rewrite pprod_from_0; reflexivity. Qed.

End Law.
