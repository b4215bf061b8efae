"""Variants of EM (chapter ``09_em_variants``, EM的变种), each a working algorithm.

All of them keep the picture of chapter 07, ln p(X|θ) = L(q, θ) + KL(q ‖ p(Z|X,θ)), and change
one of its two moves:

* **EM for MAP** (:class:`MAPGaussianMixture1D`, :class:`MAPBinomialMixture`): the objective
  is ln p(X|θ) + ln p(θ); the E step is unchanged, the M step maximises Q(θ) + ln p(θ).
* **Generalized EM** (:class:`GeneralizedEM`): the M step only *improves* the bound — a few
  steps of gradient ascent with backtracking (:func:`gradient_ascent`) from θ_old.
* **Variational EM** (:class:`HardAssignmentEM`): q is restricted to a family (here one-hot
  assignments); the E step maximises L over the family, a gap KL(q‖p) > 0 remains, and L —
  not ln p — is what never decreases. :class:`VariationalGaussianMixture1D`: variational
  Bayes with a factorised q(Z) q(π, μ, Λ), fitted through :func:`emlib.em.run`.
* **Online (stepwise) EM** (:class:`OnlineEM`, Cappé & Moulines 2009): expected sufficient
  statistics (the :class:`~emlib.em.SufficientStatisticsModel` protocol) are averaged over
  mini-batches with step sizes η_t = (t + t₀)^(−α).
* **EM with features** (:class:`FeaturizedMixture`, Berg-Kirkpatrick et al., "Painless
  Unsupervised Learning with Features", ACL 2010): a mixture of multinomials whose emission
  distributions are log-linear, θ_k(w) ∝ exp(β_kᵀ f(w)); its M step has no closed form.

numpy, with SciPy where it is the standard tool: special functions (ψ, ln Γ) and the
L-BFGS-B optimiser of the featurized M step.
"""

from __future__ import annotations

from .ascent import AscentResult, gradient_ascent
from .features import (
    BagOfWords,
    CountData,
    FeatureMixtureParams,
    FeaturizedMixture,
    bag_of_words,
    word_features,
)
from .generalized import GEMPosterior, GeneralizedEM
from .map_em import MAPBinomialMixture, MAPGaussianMixture, MAPGaussianMixture1D
from .online import OnlineEM
from .variational import (
    HardAssignmentEM,
    VariationalGaussianMixture1D,
    VariationalGaussianMixture1DModel,
    VBParams,
)

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
    "MAPGaussianMixture",
    "MAPGaussianMixture1D",
    "OnlineEM",
    "VBParams",
    "VariationalGaussianMixture1D",
    "VariationalGaussianMixture1DModel",
    "bag_of_words",
    "gradient_ascent",
    "word_features",
]
