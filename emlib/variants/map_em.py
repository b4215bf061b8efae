"""EM for MAP (极大后验概率估计): the objective is ln p(X|θ) + ln p(θ); the E step is
unchanged and the M step maximises Q(θ) + ln p(θ) (chapter ``09_em_variants``).

The D-dimensional Gaussian mixture has one MAP version, :class:`emlib.gmm.MAPGaussianMixtureModel`
(chapters 06 and 09); this module holds the small models' MAP versions: the 1-D Gaussian
mixture (an inverse-gamma prior on each variance) and the coins (a Beta prior on each p_k).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from scipy.special import gammaln

from .._validation import check_real
from ..em import Evaluation
from ..mixtures import (
    BinomialData,
    BinomialMixture,
    BinomialMixtureParams,
    GaussianMixture1D,
    Mixture1DParams,
    log_dirichlet,
    map_weights,
)
from ..prereq import xlogy

__all__ = [
    "MAPBinomialMixture",
    "MAPGaussianMixture1D",
]


class _MAPObjective:
    """Adds ln p(θ) to ln p(X|θ) and to L(q, θ); KL(q‖p) is unchanged.

        ln p(X|θ) + ln p(θ) = [L(q, θ) + ln p(θ)] + KL(q ‖ p(Z|X,θ))

    so EM with the M step θ ← argmax_θ Q(θ, θ_old) + ln p(θ) never lowers the MAP objective.
    """

    objective_name = "ln p(X|θ) + ln p(θ)"

    def log_prior(self, params: Any) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def data_log_likelihood(self, X: Any, params: Any) -> float:
        """ln p(X|θ) alone, without the prior."""
        return super().log_likelihood(X, params)  # type: ignore[misc]

    def log_likelihood(self, X: Any, params: Any) -> float:
        return super().log_likelihood(X, params) + self.log_prior(params)  # type: ignore[misc]

    def lower_bound(self, X: Any, posterior: Any, params: Any) -> float:
        return (super().lower_bound(X, posterior, params)  # type: ignore[misc]
                + self.log_prior(params))

    def evaluate(self, X: Any, params: Any, posterior: Any = None) -> Evaluation:
        ev = super().evaluate(X, params, posterior)  # type: ignore[misc]
        prior = self.log_prior(params)
        at_posterior = (None if ev.posterior_lower_bound is None
                        else ev.posterior_lower_bound + prior)
        return replace(ev, log_likelihood=ev.log_likelihood + prior,
                       lower_bound=ev.lower_bound + prior,
                       posterior_lower_bound=at_posterior)


class MAPGaussianMixture1D(_MAPObjective, GaussianMixture1D):
    """A 1-D Gaussian mixture fitted by MAP-EM (chapter ``09_em_variants``).

    Prior: π ~ Dirichlet(α,…,α), σ_k² ~ Inverse-Gamma(a, b) independently, flat on μ_k.

        ln p(θ) = ln Dir(π|α) + Σ_k [a ln b − ln Γ(a) − (a+1) ln σ_k² − b/σ_k²]

    M step (the E step is unchanged), with N_k = Σ_n q_nk, S_k = Σ_n q_nk (x_n − μ_k)²:

        π_k = (N_k + α − 1) / (n + K(α − 1)),   μ_k = Σ_n q_nk x_n / N_k,
        σ_k² = (S_k + 2b) / (N_k + 2a + 2)

    The variance can no longer collapse: σ_k² ≥ 2b / (n + 2a + 2) > 0 whatever the data.
    """

    def __init__(self, n_components: int, *, alpha: float = 1.0, a: float = 2.0, b: float = 0.5,
                 **kwargs: Any) -> None:
        kwargs.setdefault("min_variance", 1e-12)
        super().__init__(n_components, **kwargs)
        self.alpha = check_real(alpha, "alpha", low=1.0)
        self.a = check_real(a, "a", low=0.0, low_open=True)
        self.b = check_real(b, "b", low=0.0, low_open=True)

    def log_prior(self, params: Mixture1DParams) -> float:
        """ln Dir(π|α) + Σ_k ln InvGamma(σ_k² | a, b) (0 for fixed parts)."""
        total = log_dirichlet(params.weights, self.alpha) if self.learn_weights else 0.0
        if self.learn_variances:
            v = params.variances
            total += float(np.sum(self.a * np.log(self.b) - gammaln(self.a)
                                  - (self.a + 1) * np.log(v) - self.b / v))
        return total

    def m_step(self, X: np.ndarray, posterior: np.ndarray) -> Mixture1DParams:
        """π_k = (N_k+α−1)/(n+K(α−1)), μ_k = Σq x/N_k, σ_k² = (S_k + 2b)/(N_k + 2a + 2)."""
        fields = self._m_fields(X, posterior)
        nk = posterior.sum(axis=0)
        if self.learn_weights:
            fields["weights"] = map_weights(nk, self.alpha)
        if self.learn_variances:
            spread = (posterior * (X[:, None] - fields["means"]) ** 2).sum(axis=0)
            fields["variances"] = (spread + 2 * self.b) / (nk + 2 * self.a + 2)
        return Mixture1DParams(**fields)

    def bound_gradient(self, X: np.ndarray, posterior: np.ndarray,
                       params: Mixture1DParams) -> np.ndarray:
        """∇[Q + ln p(θ)]: adds (α−1)(1 − Kπ_k) and −(a+1) + b/σ_k² to the MLE gradient."""
        grad = super().bound_gradient(X, posterior, params)
        k = self.n_components
        if self.learn_weights:
            grad[:k] += (self.alpha - 1) * (1 - k * params.weights)
        if self.learn_variances:
            grad[2 * k:] += -(self.a + 1) + self.b / params.variances
        return grad


class MAPBinomialMixture(_MAPObjective, BinomialMixture):
    """The coins with a Beta(a, b) prior on every p_k and Dirichlet(α) on the weights.

        p_k = (Σ_n q_nk x_n + a − 1) / (Σ_n q_nk N_n + a + b − 2),
        w_k = (N_k + α − 1) / (n + K(α − 1))

    (a, b ≥ 1: the prior's mode exists). A coin seen heads every time no longer gets p = 1.
    """

    def __init__(self, n_components: int, n_trials: Any, *, a: float = 2.0, b: float = 2.0,
                 alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(n_components, n_trials, **kwargs)
        self.a = check_real(a, "a", low=1.0)
        self.b = check_real(b, "b", low=1.0)
        self.alpha = check_real(alpha, "alpha", low=1.0)

    def log_prior(self, params: BinomialMixtureParams) -> float:
        """Σ_k ln Beta(p_k | a, b) + ln Dir(w | α)."""
        log_beta = gammaln(self.a + self.b) - gammaln(self.a) - gammaln(self.b)
        total = float(np.sum(log_beta + xlogy(self.a - 1, params.p)
                             + xlogy(self.b - 1, 1 - params.p)))
        if self.learn_weights:
            total += log_dirichlet(params.weights, self.alpha)
        return total

    def params_from_statistics(self, stats: Any) -> BinomialMixtureParams:
        """Refused: the MAP M step adds the prior's pseudo-counts to sums over the *whole*
        data, which online EM's running averages are not (a TypeError, not a wrong θ)."""
        raise TypeError("MAPBinomialMixture has no M step on running statistics: its prior's "
                        "pseudo-counts need the sums over the whole data (use run)")

    def m_step(self, X: BinomialData, posterior: np.ndarray) -> BinomialMixtureParams:
        """p_k = (Σ q x + a − 1) / (Σ q N + a + b − 2); w_k = (N_k + α − 1)/(n + K(α−1))."""
        heads = posterior.T @ X.successes + self.a - 1
        tosses = posterior.T @ X.n_trials + self.a + self.b - 2
        pooled = (X.successes.sum() + self.a - 1) / (X.n_trials.sum() + self.a + self.b - 2)
        p = np.where(tosses > 0, heads / np.where(tosses > 0, tosses, 1), pooled)
        weights = map_weights(posterior.sum(axis=0), self.alpha) if self.learn_weights \
            else self.weights
        return BinomialMixtureParams(weights, np.clip(p, 0.0, 1.0))
