"""Variational EM: q restricted to a family (one-hot assignments), and variational
Bayes for the 1-D Gaussian mixture with a factorised q (chapter ``09_em_variants``).

Variational Bayes as EM (Bishop PRML §10.2): θ is q(π, μ, Λ), the "posterior" is q(Z) = r,
and the objective is the ELBO. Its two steps, with ln ρ_nk = E[ln π_k] + ½E[ln Λ_k]
− ½ ln 2π − ½(1/β_k + ν_k W_k (x_n − m_k)²) and N_k = Σ_n r_nk, x̄_k, S_k the weighted
mean and variance:

    "E step"   r_nk = ρ_nk / Σ_j ρ_nj
    "M step"   α_k = α₀ + N_k,  β_k = β₀ + N_k,  m_k = (β₀m₀ + N_k x̄_k)/β_k,  ν_k = ν₀ + N_k,
               W_k⁻¹ = W₀⁻¹ + N_k S_k + β₀N_k/(β₀+N_k) (x̄_k − m₀)²
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.special import digamma, gammaln

from .._validation import as_float_array, check_int, check_real
from ..em import EMModel, Evaluation, LatentClassModel, Trace
from ..estimator import EMEstimator
from ..prereq import xlogy

__all__ = [
    "HardAssignmentEM",
    "VBParams",
    "VariationalGaussianMixture1D",
    "VariationalGaussianMixture1DModel",
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


class VariationalGaussianMixture1DModel(EMModel):
    """Variational Bayes for a 1-D Gaussian mixture as an EM model (Bishop PRML §10.2).

    The family: q(Z, π, μ, Λ) = q(Z) q(π, μ, Λ) — factorised, so the posterior's coupling
    between labels and parameters is lost. In EM's terms θ = q(π, μ, Λ) (a
    :class:`VBParams`) and the posterior is q(Z) = r (n, K); coordinate ascent on the
    evidence lower bound ELBO(r, θ) (:meth:`lower_bound`, Bishop 10.70–10.77) alternates
    the two steps of the module docstring. The objective reported as ``log_likelihood`` is
    F(θ) = max_r ELBO(r, θ) = ELBO(r*(θ), θ), and F(θ) − ELBO(r, θ) = Σ_n KL(r_n ‖ r*_n)
    (:meth:`kl_divergence`), so chapter 07's laws hold with F in the place of ln p(X|θ):
    the E step closes that gap, the M step raises the bound, F never decreases. (F itself
    is below ln p(X): the factorised family leaves a gap no step can close.) Priors default
    to scikit-learn's ``BayesianGaussianMixture`` (α₀ = 1/K, β₀ = 1, m₀ = mean of X, ν₀ = 1,
    W₀⁻¹ = var X) so the two can be compared from the same start.
    """

    objective_name = "ELBO at the best q(Z)"

    def __init__(self, n_components: int, *, weight_concentration: float | None = None,
                 mean_precision: float = 1.0, mean_prior: float | None = None,
                 degrees_of_freedom: float = 1.0, covariance_prior: float | None = None
                 ) -> None:
        self.n_components = check_int(n_components, "n_components", low=1, high=10**6)
        self.alpha0 = (1 / self.n_components if weight_concentration is None
                       else check_real(weight_concentration, "weight_concentration", low=0.0,
                                       low_open=True))
        self.beta0 = check_real(mean_precision, "mean_precision", low=0.0, low_open=True)
        self.m0 = None if mean_prior is None else check_real(mean_prior, "mean_prior")
        self.nu0 = check_real(degrees_of_freedom, "degrees_of_freedom", low=0.0, low_open=True)
        self.w0_inv = (None if covariance_prior is None
                       else check_real(covariance_prior, "covariance_prior", low=0.0,
                                       low_open=True))

    def validate_data(self, X: Any) -> np.ndarray:
        """The data as a 1-D float array of at least K points (and 2, for var X)."""
        X = as_float_array(X, "X", ndim=1)
        if X.size < max(2, self.n_components):
            raise ValueError(f"X needs at least max(2, n_components) = "
                             f"{max(2, self.n_components)} points, got {X.size}")
        with np.errstate(over="ignore", under="ignore"):
            spread = float(max(np.ptp(X), np.max(np.abs(X))))  # deviations, and m₀ = mean X
            if not np.isfinite(spread * spread * X.size):
                raise ValueError(f"X spans {spread:g}: its squared deviations overflow "
                                 "float64; rescale X")
            if self.w0_inv is None and not X.var() > 0:
                raise ValueError("X is constant (or its variance underflows float64): the "
                                 "default covariance_prior var(X) is 0; rescale X or give "
                                 "covariance_prior")
        return X

    def _priors(self, X: np.ndarray) -> tuple[float, float]:
        m0 = float(X.mean()) if self.m0 is None else self.m0
        w0_inv = float(X.var(ddof=1)) if self.w0_inv is None else self.w0_inv
        return m0, w0_inv

    def _check_resp(self, X: np.ndarray, resp: Any, name: str) -> np.ndarray:
        r = as_float_array(resp, name, ndim=2)
        if r.shape != (len(X), self.n_components):
            raise ValueError(f"{name} must be an (n, K) = {(len(X), self.n_components)} matrix "
                             f"of responsibilities, got shape {r.shape}")
        if np.any(r < 0) or np.any(r.sum(axis=1) > 1 + 1e-8):
            raise ValueError(f"{name} must have entries >= 0 and rows summing to at most 1")
        return r

    def init_params(self, X: Any, rng: np.random.Generator) -> VBParams:
        """θ⁽⁰⁾ = the M step on one-hot responsibilities at K distinct random points
        (scikit-learn's ``init_params="random_from_data"``)."""
        X = self.validate_data(X)
        resp = np.zeros((len(X), self.n_components))
        resp[rng.choice(len(X), self.n_components, replace=False),
             np.arange(self.n_components)] = 1.0
        return self.m_step(X, resp)

    def m_step(self, X: Any, posterior: Any) -> VBParams:
        """q(π, μ, Λ) given q(Z) = ``posterior`` (rows may sum to less than 1, as
        scikit-learn's partial initial responsibilities do)."""
        X = self.validate_data(X)
        r = self._check_resp(X, posterior, "posterior")
        m0, w0_inv = self._priors(X)
        nk = r.sum(axis=0) + 10 * np.finfo(float).eps
        xbar = r.T @ X / nk
        sk = (r * (X[:, None] - xbar) ** 2).sum(axis=0) / nk
        beta = self.beta0 + nk
        m = (self.beta0 * m0 + nk * xbar) / beta
        W_inv = w0_inv + nk * sk + self.beta0 * nk / beta * (xbar - m0) ** 2
        return VBParams(self.alpha0 + nk, beta, m, 1 / W_inv, self.nu0 + nk)

    def _expectations(self, params: VBParams) -> tuple[np.ndarray, np.ndarray]:
        """E[ln π_k] = ψ(α_k) − ψ(Σα) and E[ln Λ_k] = ψ(ν_k/2) + ln 2 + ln W_k."""
        log_pi = digamma(params.alpha) - digamma(params.alpha.sum())
        log_lambda = digamma(params.nu / 2) + np.log(2) + np.log(params.W)
        return log_pi, log_lambda

    def _log_rho(self, X: np.ndarray, params: VBParams) -> np.ndarray:
        log_pi, log_lambda = self._expectations(params)
        return (log_pi + 0.5 * log_lambda - 0.5 * np.log(2 * np.pi)
                - 0.5 * (1 / params.beta + params.nu * params.W * (X[:, None] - params.m) ** 2))

    @staticmethod
    def _normalise(log_rho: np.ndarray) -> np.ndarray:
        """ln r* = ln ρ − ln Σ_k ρ (log-sum-exp)."""
        top = log_rho.max(axis=1, keepdims=True)
        return log_rho - (top + np.log(np.exp(log_rho - top).sum(axis=1, keepdims=True)))

    def e_step(self, X: Any, params: VBParams) -> np.ndarray:
        """q(Z) given q(π, μ, Λ): r_nk = ρ_nk / Σ_j ρ_nj."""
        return np.exp(self._normalise(self._log_rho(self.validate_data(X), params)))

    def lower_bound(self, X: Any, posterior: Any, params: VBParams) -> float:
        """ELBO(r, θ) = E_q[ln p(X, Z, π, μ, Λ)] − E_q[ln q] (Bishop 10.70–10.77)."""
        X = self.validate_data(X)
        r = self._check_resp(X, posterior, "posterior")
        m0, w0_inv = self._priors(X)
        a0, b0, nu0, K = self.alpha0, self.beta0, self.nu0, self.n_components
        alpha, beta, m, W, nu = params.alpha, params.beta, params.m, params.W, params.nu
        log_pi, log_lambda = self._expectations(params)
        nk = r.sum(axis=0) + 10 * np.finfo(float).eps
        xbar = r.T @ X / nk
        sk = (r * (X[:, None] - xbar) ** 2).sum(axis=0) / nk
        log2pi = np.log(2 * np.pi)

        def log_c(a: np.ndarray) -> float:      # ln of the Dirichlet normaliser
            return float(gammaln(a.sum()) - gammaln(a).sum())

        def log_b(w: np.ndarray, v: np.ndarray) -> np.ndarray:   # ln of the Wishart's
            return -v / 2 * np.log(w) - v / 2 * np.log(2) - gammaln(v / 2)

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

    def log_likelihood(self, X: Any, params: VBParams) -> float:
        """F(θ) = max_r ELBO(r, θ) = ELBO(r*(θ), θ): the objective coordinate ascent climbs."""
        return self.lower_bound(X, self.e_step(X, params), params)

    def kl_divergence(self, X: Any, posterior: Any, params: VBParams) -> float:
        """Σ_n KL(r_n ‖ r*_n) = Σ_nk r_nk ln(r_nk / r*_nk) = F(θ) − ELBO(r, θ)."""
        X = self.validate_data(X)
        r = self._check_resp(X, posterior, "posterior")
        return float(np.sum(xlogy(r, r)) - np.sum(r * self._normalise(self._log_rho(X, params))))

    def evaluate(self, X: Any, params: VBParams, posterior: Any = None) -> Evaluation:
        """F(θ), r*(θ), and ELBO and KL for ``posterior`` and for r* itself (KL = 0)."""
        X = self.validate_data(X)
        log_r = self._normalise(self._log_rho(X, params))
        exact = np.exp(log_r)
        objective = self.lower_bound(X, exact, params)
        if posterior is None:
            return Evaluation(objective, exact, objective, 0.0, objective, 0.0)
        r = self._check_resp(X, posterior, "posterior")
        kl = float(np.sum(xlogy(r, r)) - np.sum(r * log_r))
        return Evaluation(objective, exact, self.lower_bound(X, r, params), kl, objective, 0.0)


class VariationalGaussianMixture1D(EMEstimator):
    """Variational Bayes for a 1-D Gaussian mixture, fitted through :func:`emlib.em.run`
    (chapter ``09_em_variants``; the model is :class:`VariationalGaussianMixture1DModel`).

    ``fit(X)`` starts from the M step on ``resp_init`` (n, K) when given, else on one-hot
    responsibilities at K random data points drawn with ``random_state`` (scikit-learn's
    ``init_params="random_from_data"``), and runs coordinate ascent until one iteration
    raises the objective by less than ``tol`` (``tol=None``: exactly ``max_iter``). Fitted:
    ``params_`` (q(π, μ, Λ)), ``weights_`` E[π], ``means_`` m, ``variances_`` 1/E[Λ],
    ``resp_`` q(Z), ``lower_bounds_`` (the ELBO after each iteration, as scikit-learn's
    ``lower_bounds_``), ``lower_bound_``, ``trace_``, ``n_iter_``, ``converged_``.
    """

    def __init__(self, n_components: int, *, weight_concentration: float | None = None,
                 mean_precision: float = 1.0, mean_prior: float | None = None,
                 degrees_of_freedom: float = 1.0, covariance_prior: float | None = None,
                 max_iter: int = 100, tol: float | None = 1e-8,
                 random_state: np.random.Generator | int | None = None,
                 resp_init: Any = None) -> None:
        self.n_components = n_components
        self.weight_concentration = weight_concentration
        self.mean_precision = mean_precision
        self.mean_prior = mean_prior
        self.degrees_of_freedom = degrees_of_freedom
        self.covariance_prior = covariance_prior
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.resp_init = resp_init

    def _make_model(self) -> VariationalGaussianMixture1DModel:
        return VariationalGaussianMixture1DModel(
            self.n_components, weight_concentration=self.weight_concentration,
            mean_precision=self.mean_precision, mean_prior=self.mean_prior,
            degrees_of_freedom=self.degrees_of_freedom, covariance_prior=self.covariance_prior)

    def _initial_params(self, model: VariationalGaussianMixture1DModel, X: Any,
                        rng: np.random.Generator) -> VBParams:
        if self.resp_init is None:
            return model.init_params(X, rng)
        return model.m_step(X, model._check_resp(X, self.resp_init, "resp_init"))

    def _set_fitted(self, model: EMModel, X: Any, trace: Trace) -> None:
        params = trace.params
        self.weights_ = params.weights
        self.means_ = params.m
        self.variances_ = params.variances
        self.resp_ = trace.posterior
        self.lower_bounds_ = trace.column("lower_bound", step="M")
