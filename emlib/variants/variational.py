"""Variational EM: q restricted to a family (one-hot assignments), and variational
Bayes for the 1-D Gaussian mixture with a factorised q (chapter ``09_em_variants``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .._validation import as_float_array, check_int, check_real
from ..em import EMModel, Evaluation, LatentClassModel
from ..prereq import xlogy

__all__ = [
    "HardAssignmentEM",
    "VBParams",
    "VariationalGaussianMixture1D",
    "digamma",
]


def _one_hot(posterior: np.ndarray) -> np.ndarray:
    hard = np.zeros_like(posterior)
    hard[np.arange(len(posterior)), np.argmax(posterior, axis=1)] = 1.0
    return hard


class HardAssignmentEM(EMModel):
    """Variational EM with q restricted to one-hot assignments (chapter ``09_em_variants``).

    Family: q(z_n) = 1[z_n = c_n]. The best member at θ puts each row on
    c_n = argmax_k p(z_n = k | x_n, θ), giving L(q, θ) = Σ_n ln p(x_n, c_n | θ) (H(q) = 0)
    and a gap KL(q‖p) = −Σ_n ln p(c_n | x_n, θ) > 0 that the E step cannot close. Both
    half-steps raise L; ln p(X|θ) itself may go down. (k-Means is this with equal,
    shrinking spherical covariances: chapter 05.)
    """

    def __init__(self, model: LatentClassModel) -> None:
        if not isinstance(model, LatentClassModel):
            raise TypeError("model must be an emlib.em.LatentClassModel")
        self.model = model
        self.objective_name = model.objective_name

    def validate_data(self, X: Any) -> Any:
        return self.model.validate_data(X)

    def init_params(self, X: Any, rng: np.random.Generator) -> Any:
        return self.model.init_params(X, rng)

    def e_step(self, X: Any, params: Any) -> np.ndarray:
        """q = one-hot at argmax_k p(z_n = k | x_n, θ): the best q of the family."""
        return _one_hot(self.model.e_step(X, params))

    def m_step(self, X: Any, posterior: np.ndarray) -> Any:
        return self.model.m_step(X, posterior)

    def log_likelihood(self, X: Any, params: Any) -> float:
        return self.model.log_likelihood(X, params)

    def lower_bound(self, X: Any, posterior: np.ndarray, params: Any) -> float:
        return self.model.lower_bound(X, posterior, params)

    def kl_divergence(self, X: Any, posterior: np.ndarray, params: Any) -> float:
        return self.model.kl_divergence(X, posterior, params)

    def evaluate(self, X: Any, params: Any, posterior: np.ndarray | None = None) -> Evaluation:
        hard = _one_hot(self.model.e_step(X, params))
        at_hard = self.model.evaluate(X, params, hard)
        ev = at_hard if posterior is None else self.model.evaluate(X, params, posterior)
        # the E step of this family chooses the hard q: report L and KL for it
        return replace(ev, posterior=hard, posterior_lower_bound=at_hard.lower_bound,
                       posterior_kl=at_hard.kl)


# ----------------------------------------------------------------------------------------
# Variational Bayes: a factorised q(Z) q(π, μ, Λ) for the 1-D Gaussian mixture
# ----------------------------------------------------------------------------------------
def digamma(x: Any) -> np.ndarray:
    """ψ(x) = d/dx ln Γ(x) for x > 0: recurrence ψ(x) = ψ(x+1) − 1/x up to x ≥ 6, then
    the asymptotic series ln x − 1/(2x) − Σ B_2k / (2k x^2k) (error < 1e-12)."""
    x = as_float_array(x, "x")
    if np.any(x <= 0):
        raise ValueError("x must be positive")
    shift = np.zeros_like(x)
    x = x.copy()
    while np.any(x < 6):
        small = x < 6
        shift[small] -= 1 / x[small]
        x[small] += 1
    inv2 = 1 / (x * x)
    series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240
                                                                           - inv2 / 132))))
    return np.log(x) - 0.5 / x - series + shift


@dataclass(frozen=True)
class VBParams:
    """q(π, μ, Λ) = Dir(π|α) Π_k N(μ_k | m_k, (β_k Λ_k)⁻¹) Gam(Λ_k | ν_k/2, rate 1/(2W_k))."""

    alpha: np.ndarray
    beta: np.ndarray
    m: np.ndarray
    W: np.ndarray
    nu: np.ndarray

    @property
    def weights(self) -> np.ndarray:
        """E[π_k] = α_k / Σ α."""
        return self.alpha / self.alpha.sum()

    @property
    def variances(self) -> np.ndarray:
        """1 / E[Λ_k] = 1 / (ν_k W_k) (scikit-learn's ``covariances_``)."""
        return 1 / (self.nu * self.W)


class VariationalGaussianMixture1D:
    """Variational Bayes for a 1-D Gaussian mixture (Bishop PRML §10.2), chapter 09.

    The family: q(Z, π, μ, Λ) = q(Z) q(π, μ, Λ) — factorised, so the posterior's coupling
    between labels and parameters is lost, and KL(q‖p) > 0 remains. Coordinate ascent on
    the evidence lower bound (ELBO) alternates

    * "E step": r_nk ∝ exp(E[ln π_k] + ½E[ln Λ_k] − ½ ln 2π − ½(1/β_k + ν_k W_k (x_n − m_k)²)),
    * "M step": α_k = α₀ + N_k, β_k = β₀ + N_k, m_k = (β₀m₀ + N_k x̄_k)/β_k, ν_k = ν₀ + N_k,
      W_k⁻¹ = W₀⁻¹ + N_k S_k + β₀N_k/(β₀+N_k) (x̄_k − m₀)²,

    and the ELBO (:meth:`elbo`, Bishop 10.70–10.77) never decreases. Priors default to
    scikit-learn's ``BayesianGaussianMixture`` (α₀ = 1/K, β₀ = 1, m₀ = mean of X,
    ν₀ = 1, W₀⁻¹ = var X) so the two can be compared from the same start.
    """

    def __init__(self, n_components: int, *, weight_concentration: float | None = None,
                 mean_precision: float = 1.0, mean_prior: float | None = None,
                 degrees_of_freedom: float = 1.0, covariance_prior: float | None = None
                 ) -> None:
        self.n_components = check_int(n_components, "n_components", low=1)
        self.alpha0 = (1 / self.n_components if weight_concentration is None
                       else check_real(weight_concentration, "weight_concentration", low=0.0,
                                       low_open=True))
        self.beta0 = check_real(mean_precision, "mean_precision", low=0.0, low_open=True)
        self.m0 = None if mean_prior is None else check_real(mean_prior, "mean_prior")
        self.nu0 = check_real(degrees_of_freedom, "degrees_of_freedom", low=0.0, low_open=True)
        self.w0_inv = (None if covariance_prior is None
                       else check_real(covariance_prior, "covariance_prior", low=0.0,
                                       low_open=True))

    def _priors(self, X: np.ndarray) -> tuple[float, float]:
        m0 = float(X.mean()) if self.m0 is None else self.m0
        w0_inv = float(X.var(ddof=1)) if self.w0_inv is None else self.w0_inv
        return m0, w0_inv

    def update_params(self, X: Any, resp: Any) -> VBParams:
        """q(π, μ, Λ) given q(Z) = ``resp`` (the "M step")."""
        X = as_float_array(X, "X", ndim=1)
        r = as_float_array(resp, "resp", ndim=2)
        m0, w0_inv = self._priors(X)
        nk = r.sum(axis=0) + 10 * np.finfo(float).eps
        xbar = r.T @ X / nk
        sk = (r * (X[:, None] - xbar) ** 2).sum(axis=0) / nk
        beta = self.beta0 + nk
        m = (self.beta0 * m0 + nk * xbar) / beta
        W_inv = w0_inv + nk * sk + self.beta0 * nk / beta * (xbar - m0) ** 2
        return VBParams(self.alpha0 + nk, beta, m, 1 / W_inv, self.nu0 + nk)

    def _expectations(self, params: VBParams) -> tuple[np.ndarray, np.ndarray]:
        log_pi = digamma(params.alpha) - digamma(np.array([params.alpha.sum()]))[0]
        log_lambda = digamma(params.nu / 2) + np.log(2) + np.log(params.W)
        return log_pi, log_lambda

    def responsibilities(self, X: Any, params: VBParams) -> np.ndarray:
        """q(Z) given q(π, μ, Λ) (the "E step")."""
        X = as_float_array(X, "X", ndim=1)
        log_pi, log_lambda = self._expectations(params)
        log_rho = (log_pi + 0.5 * log_lambda - 0.5 * np.log(2 * np.pi)
                   - 0.5 * (1 / params.beta + params.nu * params.W * (X[:, None] - params.m) ** 2))
        log_rho -= log_rho.max(axis=1, keepdims=True)
        r = np.exp(log_rho)
        return r / r.sum(axis=1, keepdims=True)

    def elbo(self, X: Any, resp: Any, params: VBParams) -> float:
        """The evidence lower bound L(q) = E_q[ln p(X, Z, π, μ, Λ)] − E_q[ln q] (≤ ln p(X))."""
        from math import lgamma

        X = as_float_array(X, "X", ndim=1)
        r = as_float_array(resp, "resp", ndim=2)
        m0, w0_inv = self._priors(X)
        a0, b0, nu0, K = self.alpha0, self.beta0, self.nu0, self.n_components
        alpha, beta, m, W, nu = params.alpha, params.beta, params.m, params.W, params.nu
        log_pi, log_lambda = self._expectations(params)
        nk = r.sum(axis=0) + 10 * np.finfo(float).eps
        xbar = r.T @ X / nk
        sk = (r * (X[:, None] - xbar) ** 2).sum(axis=0) / nk
        log2pi = np.log(2 * np.pi)

        def log_c(a: np.ndarray) -> float:
            return lgamma(float(a.sum())) - sum(lgamma(float(v)) for v in a)

        def log_b(w: np.ndarray, v: np.ndarray) -> np.ndarray:
            return -v / 2 * np.log(w) - v / 2 * np.log(2) - np.array([lgamma(t / 2) for t in v])

        e_lik = 0.5 * np.sum(nk * (log_lambda - 1 / beta - nu * sk * W
                                   - nu * W * (xbar - m) ** 2 - log2pi))
        e_z = float(np.sum(r * log_pi))
        e_pi = log_c(np.full(K, a0)) + (a0 - 1) * log_pi.sum()
        e_mu_lambda = (0.5 * np.sum(np.log(b0 / (2 * np.pi)) + log_lambda - b0 / beta
                                    - b0 * nu * (m - m0) ** 2 * W)
                       + K * float(log_b(np.array([1 / w0_inv]), np.array([nu0]))[0])
                       + (nu0 - 2) / 2 * log_lambda.sum() - 0.5 * np.sum(nu * w0_inv * W))
        q_z = float(np.sum(xlogy(r, r)))
        q_pi = float(np.sum((alpha - 1) * log_pi)) + log_c(alpha)
        entropy_lambda = -log_b(W, nu) - (nu - 2) / 2 * log_lambda + nu / 2
        q_mu_lambda = float(np.sum(0.5 * log_lambda + 0.5 * np.log(beta / (2 * np.pi)) - 0.5
                                   - entropy_lambda))
        return float(e_lik + e_z + e_pi + e_mu_lambda - q_z - q_pi - q_mu_lambda)

    def fit(self, X: Any, resp: Any, *, max_iter: int = 100, tol: float = 1e-8
            ) -> tuple[VBParams, np.ndarray, list[float]]:
        """Coordinate ascent from q(Z) = ``resp``: M, then (E, M) until the ELBO rises by
        less than ``tol``. Returns q(π, μ, Λ), q(Z) and the ELBO after every (E, M)."""
        X = as_float_array(X, "X", ndim=1)
        max_iter = check_int(max_iter, "max_iter", low=0)
        tol = check_real(tol, "tol", low=0.0)
        r = as_float_array(resp, "resp", ndim=2)
        params = self.update_params(X, r)  # ``resp`` may be partial (scikit-learn's init)
        history: list[float] = []
        for _ in range(max_iter):
            r = self.responsibilities(X, params)
            params = self.update_params(X, r)
            history.append(self.elbo(X, r, params))
            if len(history) > 1 and history[-1] - history[-2] < tol:
                break
        return params, r, history
