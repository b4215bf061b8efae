"""Variants of EM (chapter ``09_em_variants``, EM的变种), each a working algorithm.

All of them keep the picture of chapter 07, ln p(X|θ) = L(q, θ) + KL(q ‖ p(Z|X,θ)), and change
one of its two moves:

* **EM for MAP** (:class:`MAPGaussianMixture1D`, :class:`MAPBinomialMixture`, and for the
  D-dimensional mixture :class:`emlib.gmm.MAPGaussianMixtureModel`): the objective is
  ln p(X|θ) + ln p(θ); the E step is unchanged, the M step maximises Q(θ) + ln p(θ).
* **Generalized EM** (:class:`GeneralizedEM`): the M step only *improves* the bound — a few
  steps of gradient ascent with backtracking (:func:`gradient_ascent`) from θ_old.
* **Variational EM** (:class:`HardAssignmentEM`): q is restricted to a family (here one-hot
  assignments); the E step maximises L over the family, a gap KL(q‖p) > 0 remains, and L —
  not ln p — is what never decreases.
* **Online (stepwise) EM** (:class:`OnlineEM`, Cappé & Moulines 2009): expected sufficient
  statistics are averaged over mini-batches with step sizes η_t = (t + t₀)^(−α).
* **EM with features** (:class:`FeaturizedMixture`, Berg-Kirkpatrick et al., "Painless
  Unsupervised Learning with Features", ACL 2010): a mixture of multinomials whose emission
  distributions are log-linear, θ_k(w) ∝ exp(β_kᵀ f(w)); its M step has no closed form.

Numpy only; SciPy's L-BFGS appears in the tests and the notebook as a reference.
"""

from __future__ import annotations

from .ascent import AscentResult, gradient_ascent, lbfgs_ascent
from .features import (
    BagOfWords,
    CountData,
    FeatureMixtureParams,
    FeaturizedMixture,
    bag_of_words,
    word_features,
)
from .generalized import GEMPosterior, GeneralizedEM
from .map_em import MAPBinomialMixture, MAPGaussianMixture1D
from .online import OnlineEM, OnlineEMWidget, statistics_functions
from .variational import HardAssignmentEM, VariationalGaussianMixture1D, VBParams, digamma

__all__ = [
    "AscentResult",
    "BagOfWords",
    "CountData",
    "FeatureMixtureParams",
    "FeaturizedMixture",
    "GEMPosterior",
    "GeneralizedEM",
    "HardAssignmentEM",
    "MAPBinomialMixture",
    "MAPGaussianMixture1D",
    "OnlineEM",
    "OnlineEMWidget",
    "VBParams",
    "VariationalGaussianMixture1D",
    "bag_of_words",
    "digamma",
    "gradient_ascent",
    "lbfgs_ascent",
    "statistics_functions",
    "word_features",
]
