(** * The entrenchment integral and the constant hazard

    Catalogue theorems: [entrenchment] (proofs/hazard_theorems.py), step 1, the
    improper integral [int_0^oo h0 e^{-delta t} dt = h0/delta] (checked there by sympy)
    and the step [q = exp(-h0/delta)]; [constant-hazard], the claim [q = 0] for a
    constant hazard [h > 0].

    Formulation.  [q = P(never overthrown) = lim_{T -> oo} exp (- int_0^T h)], the
    limit of the survival function (the catalogue's [q = exp(-int_0^oo h)]).  With
    Coquelicot's integrals ([RInt], [RInt_gen]) and limits ([is_lim]):
    - [entrenchment_RInt]: [int_0^T h0 e^{-delta t} dt = h0/delta (1 - e^{-delta T})];
    - [entrenchment_integral]: the improper integral over [[0, oo)] is [h0/delta]
      ([is_RInt_gen] from [at_point 0] to [Rbar_locally p_infty]);
    - [entrenchment_q]: [exp (- RInt_gen ...) = exp (- h0/delta)];
    - [total_hazard_limit], [entrenchment_never_overthrown]: [int_0^T h -> h0/delta]
      and the survival [exp (- int_0^T h) -> exp (- h0/delta)] as [T -> oo];
    - [constant_total_hazard]: for [h > 0], [int_0^T h -> oo] (the catalogue's
      [int_0^oo h dt = oo]);
    - [constant_hazard_never_overthrown]: for [h > 0] the survival
      [exp (- int_0^T h)] tends to [0]: [q = 0].
    Hypotheses: [delta > 0]; [h0] is any real (the catalogue's [h0 >= 0] is a special
    case).  Difference of formulation: none beyond writing [q] as the limit of the
    survival function; the thinning step ([h = lambda pi]) is not formalised here.
    Axioms: Coquelicot's limits use excluded middle ([Classical_Prop.classic]) besides
    the axioms of Coq's reals. *)

Require Import Reals Lra.
From Coquelicot Require Import Coquelicot.
Open Scope R_scope.

Section Hazard.

Lemma neg_lin_lim : forall a, 0 < a -> is_lim (fun T => - a * T) p_infty m_infty.
Proof.
  intros a Ha.
  pose proof (is_lim_scal_l (fun y => y) (- a) p_infty p_infty (is_lim_id p_infty)) as H.
  replace (Rbar_mult (- a) p_infty) with m_infty in H; [exact H |].
  simpl; destruct (Rle_dec 0 (- a)); [exfalso; lra | reflexivity].
Qed.

Lemma exp_neg_lin_lim : forall a, 0 < a -> is_lim (fun T => exp (- a * T)) p_infty 0.
Proof.
  intros a Ha.
  apply (is_lim_comp exp (fun T => - a * T) p_infty 0 m_infty).
  - exact is_lim_exp_m.
  - exact (neg_lin_lim a Ha).
  - exists 0; intros y _; discriminate.
Qed.

Variables h0 delta : R.
Hypothesis Hdelta : 0 < delta.

Definition entrenchment (t : R) : R := h0 * exp (- delta * t).

Lemma entrenchment_RInt : forall T,
  is_RInt entrenchment 0 T (h0 / delta * (1 - exp (- delta * T))).
Proof.
  intro T.
  replace (h0 / delta * (1 - exp (- delta * T)))
    with (minus ((fun t => - (h0 / delta) * exp (- delta * t)) T)
                ((fun t => - (h0 / delta) * exp (- delta * t)) 0)).
  2: { unfold minus, plus, opp; simpl; rewrite Rmult_0_r, exp_0; field; lra. }
  apply (is_RInt_derive (fun t => - (h0 / delta) * exp (- delta * t)) entrenchment 0 T).
  - intros x _; unfold entrenchment; auto_derive; [trivial | field; lra].
  - intros x _; unfold entrenchment; apply continuity_pt_filterlim; apply derivable_continuous_pt; reg.
Qed.

Theorem total_hazard_limit :
  is_lim (fun T => RInt entrenchment 0 T) p_infty (h0 / delta).
Proof.
  apply (is_lim_ext (fun T => h0 / delta * (1 - exp (- delta * T)))).
  { intro T; symmetry; apply is_RInt_unique, entrenchment_RInt. }
  replace (Finite (h0 / delta)) with (Rbar_mult (h0 / delta) 1).
  2: { simpl; f_equal; ring. }
  apply is_lim_scal_l.
  apply (is_lim_minus (fun _ => 1) (fun T => exp (- delta * T)) p_infty 1 0).
  - apply is_lim_const.
  - apply exp_neg_lin_lim; exact Hdelta.
  - unfold is_Rbar_minus, is_Rbar_plus; simpl; do 2 f_equal; ring.
Qed.

Theorem entrenchment_never_overthrown :
  is_lim (fun T => exp (- RInt entrenchment 0 T)) p_infty (exp (- (h0 / delta))).
Proof.
  apply (is_lim_comp_continuous (fun T => RInt entrenchment 0 T) (fun y => exp (- y))).
  - exact total_hazard_limit.
  - apply continuity_pt_filterlim; apply derivable_continuous_pt; reg.
Qed.

Theorem entrenchment_integral :
  is_RInt_gen entrenchment (at_point 0) (Rbar_locally p_infty) (h0 / delta).
Proof.
  set (G := fun t => - (h0 / delta) * exp (- delta * t)).
  assert (HD : forall t, is_derive G t (entrenchment t)).
  { intro t; unfold G, entrenchment; auto_derive; [trivial | field; lra]. }
  assert (HDe : Derive G = entrenchment).
  { apply FunctionalExtensionality.functional_extensionality; intro t.
    apply is_derive_unique, HD. }
  replace (h0 / delta) with (0 - G 0).
  2: { unfold G; rewrite Rmult_0_r, exp_0; ring. }
  rewrite <- HDe.
  apply (is_RInt_gen_Derive G (G 0) 0).
  - apply filter_forall; intros ab x _; exists (entrenchment x); apply HD.
  - apply filter_forall; intros ab x _; rewrite HDe; unfold entrenchment.
    apply continuity_pt_filterlim; apply derivable_continuous_pt; reg.
  - intros P HP; unfold filtermap, at_point; apply locally_singleton; exact HP.
  - assert (H : is_lim G p_infty 0).
    { replace (Finite 0) with (Rbar_mult (- (h0 / delta)) 0) by (simpl; f_equal; ring).
      apply is_lim_scal_l, exp_neg_lin_lim; exact Hdelta. }
    exact H.
Qed.

Theorem entrenchment_q :
  exp (- RInt_gen entrenchment (at_point 0) (Rbar_locally p_infty)) = exp (- (h0 / delta)).
Proof. rewrite (is_RInt_gen_unique _ _ entrenchment_integral); reflexivity. Qed.

Theorem constant_total_hazard : forall h, 0 < h ->
  is_lim (fun T => RInt (fun _ => h) 0 T) p_infty p_infty.
Proof.
  intros h Hh.
  apply (is_lim_ext (fun T => h * T)).
  { intro T; rewrite RInt_const; unfold scal; simpl; unfold mult; simpl; ring. }
  pose proof (is_lim_scal_l (fun y => y) h p_infty p_infty (is_lim_id p_infty)) as H.
  replace (Rbar_mult h p_infty) with p_infty in H; [exact H |].
  simpl; destruct (Rle_dec 0 h) as [Hle | Hnle]; [| exfalso; lra].
  destruct (Rle_lt_or_eq_dec 0 h Hle); [reflexivity | exfalso; lra].
Qed.

Theorem constant_hazard_never_overthrown : forall h, 0 < h ->
  is_lim (fun T => exp (- RInt (fun _ => h) 0 T)) p_infty 0.
Proof.
  intros h Hh.
  apply (is_lim_ext (fun T => exp (- h * T))).
  { intro T; rewrite RInt_const; unfold scal; simpl; unfold mult; simpl; f_equal; ring. }
  apply exp_neg_lin_lim; exact Hh.
Qed.

End Hazard.
