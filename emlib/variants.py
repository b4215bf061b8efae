"""Variants of EM (chapter ``09_em_variants``, EM的变种), each a working algorithm.

All of them keep the picture of chapter 07, ln p(X|θ) = L(q, θ) + KL(q ‖ p(Z|X,θ)), and change
one of its two moves:

* **EM for MAP** (:class:`MAPGaussianMixture1D`, :class:`MAPBinomialMixture`): the objective
  is ln p(X|θ) + ln p(θ); the E step is unchanged, the M step maximises Q(θ) + ln p(θ).
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

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import ipywidgets as widgets
import numpy as np

from . import plotting
from ._validation import as_float_array, check_distribution, check_int, check_real
from .em import EMModel, Evaluation, LatentClassModel, check_rng
from .gmm import GaussianMixtureModel, GMMParams
from .mixtures import BinomialData, BinomialMixture, BinomialMixtureParams, xlogy
from .theory import GaussianMixture1D, Mixture1DParams, VectorMap
from .widgets import CourseWidget

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


# ----------------------------------------------------------------------------------------
# The inner optimiser of generalized EM
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AscentResult:
    """Where :func:`gradient_ascent` stopped: x, f(x), steps taken, f evaluations."""

    x: np.ndarray
    value: float
    n_steps: int
    n_evaluations: int
    converged: bool


def gradient_ascent(f: Callable[[np.ndarray], float], grad: Callable[[np.ndarray], np.ndarray],
                    x0: Any, *, max_steps: int = 10, tol: float = 1e-8, step: float = 1.0,
                    armijo: float = 1e-4) -> AscentResult:
    """Gradient ascent with backtracking (Armijo) line search: every step increases f.

    x ← x + t ∇f(x), with t halved until f(x + t∇f) ≥ f(x) + c·t·‖∇f‖² (c = ``armijo``);
    the next step starts from 2t. Stops after ``max_steps`` or when ‖∇f‖ ≤ tol. Since
    every accepted step raises f, an M step made of such steps never lowers the bound:
    that is all generalized EM needs (chapter ``09_em_variants``).
    """
    max_steps = check_int(max_steps, "max_steps", low=0)
    tol = check_real(tol, "tol", low=0.0)
    t = check_real(step, "step", low=0.0, low_open=True)
    x = as_float_array(x0, "x0", ndim=1).copy()
    value = float(f(x))
    evaluations, steps = 1, 0
    for _ in range(max_steps):
        g = np.asarray(grad(x), float)
        norm2 = float(g @ g)
        if np.sqrt(norm2) <= tol:
            return AscentResult(x, value, steps, evaluations, True)
        while True:
            candidate = x + t * g
            new = float(f(candidate))
            evaluations += 1
            if new >= value + armijo * t * norm2:
                break
            t /= 2
            if t < 1e-30:
                return AscentResult(x, value, steps, evaluations, True)
        x, value, steps = candidate, new, steps + 1
        t *= 2
    return AscentResult(x, value, steps, evaluations, False)


def lbfgs_ascent(f: Callable[[np.ndarray], float], grad: Callable[[np.ndarray], np.ndarray],
                 x0: Any, *, max_steps: int = 200, tol: float = 1e-6, ftol: float = 1e-10,
                 memory: int = 10, armijo: float = 1e-4) -> AscentResult:
    """Maximise f by L-BFGS (limited-memory quasi-Newton) with a backtracking line search.

    The direction d = H g comes from the two-loop recursion over the last ``memory`` pairs
    (s = x_{t+1} − x_t, y = −(g_{t+1} − g_t)); a step is accepted only when
    f(x + t d) ≥ f(x) + c·t·gᵀd, so f never decreases. Stops when ‖g‖∞ ≤ ``tol`` or when
    a step raised f by at most ``ftol``·max(1, |f|) (as SciPy's L-BFGS-B does).
    Used for the exact M step of :class:`FeaturizedMixture` (chapter ``09_em_variants``).
    """
    max_steps = check_int(max_steps, "max_steps", low=0)
    tol = check_real(tol, "tol", low=0.0)
    ftol = check_real(ftol, "ftol", low=0.0)
    memory = check_int(memory, "memory", low=1)
    x = as_float_array(x0, "x0", ndim=1).copy()
    value = float(f(x))
    g = np.asarray(grad(x), float)
    pairs: list[tuple[np.ndarray, np.ndarray, float]] = []
    evaluations, steps = 1, 0
    for _ in range(max_steps):
        if np.max(np.abs(g)) <= tol:
            return AscentResult(x, value, steps, evaluations, True)
        # two-loop recursion on the minimisation of −f (gradient −g)
        direction = g.copy()
        alphas = []
        for s_vec, y_vec, rho in reversed(pairs):
            a = rho * (s_vec @ direction)
            alphas.append(a)
            direction -= a * y_vec
        if pairs:
            s_vec, y_vec, _ = pairs[-1]
            direction *= (s_vec @ y_vec) / (y_vec @ y_vec)
        else:
            direction /= max(1.0, float(np.max(np.abs(g))))
        for (s_vec, y_vec, rho), a in zip(pairs, reversed(alphas), strict=True):
            b = rho * (y_vec @ direction)
            direction += (a - b) * s_vec
        slope = float(g @ direction)
        if slope <= 0:  # not an ascent direction: restart from the gradient
            pairs.clear()
            direction = g / max(1.0, float(np.max(np.abs(g))))
            slope = float(g @ direction)
        t = 1.0
        while True:
            candidate = x + t * direction
            new = float(f(candidate))
            evaluations += 1
            if new >= value + armijo * t * slope:
                break
            t /= 2
            if t < 1e-20:
                return AscentResult(x, value, steps, evaluations, True)
        g_new = np.asarray(grad(candidate), float)
        s_vec, y_vec = candidate - x, g - g_new
        if s_vec @ y_vec > 1e-12:
            pairs.append((s_vec, y_vec, 1.0 / float(s_vec @ y_vec)))
            if len(pairs) > memory:
                pairs.pop(0)
        gain = new - value
        x, value, g, steps = candidate, new, g_new, steps + 1
        if gain <= ftol * max(1.0, abs(value)):
            return AscentResult(x, value, steps, evaluations, True)
    return AscentResult(x, value, steps, evaluations, bool(np.max(np.abs(g)) <= tol))


# ----------------------------------------------------------------------------------------
# EM for MAP
# ----------------------------------------------------------------------------------------
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


def _log_dirichlet(weights: np.ndarray, alpha: float) -> float:
    """ln Dir(π | α,…,α) = ln Γ(Kα) − K ln Γ(α) + (α − 1) Σ_k ln π_k."""
    from math import lgamma

    k = len(weights)
    return float(lgamma(k * alpha) - k * lgamma(alpha) + np.sum(xlogy(alpha - 1, weights)))


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
        from math import lgamma

        total = _log_dirichlet(params.weights, self.alpha) if self.learn_weights else 0.0
        if self.learn_variances:
            v = params.variances
            total += float(np.sum(self.a * np.log(self.b) - lgamma(self.a)
                                  - (self.a + 1) * np.log(v) - self.b / v))
        return total

    def m_step(self, X: np.ndarray, posterior: np.ndarray) -> Mixture1DParams:
        """π_k = (N_k+α−1)/(n+K(α−1)), μ_k = Σq x/N_k, σ_k² = (S_k + 2b)/(N_k + 2a + 2)."""
        fields = self._m_fields(X, posterior)
        nk = posterior.sum(axis=0)
        if self.learn_weights:
            weights = nk + self.alpha - 1
            fields["weights"] = weights / weights.sum()
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


def _log_multigamma(a: float, d: int) -> float:
    """ln Γ_D(a) = D(D−1)/4 · ln π + Σ_{j=1..D} ln Γ(a + (1 − j)/2)."""
    from math import lgamma, pi

    return d * (d - 1) / 4 * np.log(pi) + sum(lgamma(a + (1 - j) / 2) for j in range(1, d + 1))


class MAPGaussianMixture(GaussianMixtureModel):
    """The D-dimensional GMM of chapter 06 (full covariances) fitted by MAP-EM (chapter 09).

    Prior: π ~ Dirichlet(α,…,α); Σ_k ~ Inverse-Wishart(ν, Ψ) with Ψ = ``psi``·I (ν > D − 1);
    flat on μ_k. With N_k = Σ_n q_nk and S_k = Σ_n q_nk (x_n − μ_k)(x_n − μ_k)ᵀ the M step is

        π_k = (N_k + α − 1) / (n + K(α − 1)),  μ_k = Σ_n q_nk x_n / N_k,
        Σ_k = (S_k + Ψ) / (N_k + ν + D + 1)

    so every Σ_k ⪰ Ψ / (n + ν + D + 1): no component can collapse onto a point, and no
    ``reg_covar`` is needed. The objective reported as ``log_likelihood`` is
    ln p(X|θ) + ln p(θ); L(q, θ) gains the same ln p(θ), KL is unchanged.
    """

    objective_name = "ln p(X|θ) + ln p(θ)"

    def __init__(self, n_components: int, *, alpha: float = 1.0, psi: float = 0.1,
                 nu: float | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("reg_covar", 0.0)
        super().__init__(n_components, "full", **kwargs)
        self.alpha = check_real(alpha, "alpha", low=1.0)
        self.psi = check_real(psi, "psi", low=0.0, low_open=True)
        self.nu = None if nu is None else check_real(nu, "nu", low=0.0, low_open=True)

    def _nu(self, d: int) -> float:
        nu = float(d + 1) if self.nu is None else self.nu
        if nu <= d - 1:
            raise ValueError(f"nu must be > D − 1 = {d - 1}, got {nu}")
        return nu

    def log_prior(self, params: GMMParams) -> float:
        """ln Dir(π|α) + Σ_k ln IW(Σ_k | ν, Ψ), with
        ln IW(Σ|ν,Ψ) = (ν/2) ln|Ψ| − (νD/2) ln 2 − ln Γ_D(ν/2) − ((ν+D+1)/2) ln|Σ| − ½ tr(ΨΣ⁻¹)."""
        d = params.n_features
        nu = self._nu(d)
        log_det_sigma = -2 * params.log_det_precision_cholesky()
        trace = self.psi * np.trace(params.precisions(), axis1=1, axis2=2)
        log_iw = (nu / 2 * d * np.log(self.psi) - nu * d / 2 * np.log(2)
                  - _log_multigamma(nu / 2, d) - (nu + d + 1) / 2 * log_det_sigma - trace / 2)
        return _log_dirichlet(params.weights, self.alpha) + float(np.sum(log_iw))

    def data_log_likelihood(self, X: Any, params: GMMParams) -> float:
        """ln p(X|θ) alone, without the prior."""
        return super().evaluate(X, params).log_likelihood

    def evaluate(self, X: Any, params: GMMParams, posterior: np.ndarray | None = None
                 ) -> Evaluation:
        """The GMM's one-pass evaluation with ln p(θ) added to ln p and to L."""
        ev = super().evaluate(X, params, posterior)
        prior = self.log_prior(params)
        at_posterior = (None if ev.posterior_lower_bound is None
                        else ev.posterior_lower_bound + prior)
        return replace(ev, log_likelihood=ev.log_likelihood + prior,
                       lower_bound=ev.lower_bound + prior, posterior_lower_bound=at_posterior)

    def m_step(self, X: Any, posterior: np.ndarray) -> GMMParams:
        """π_k = (N_k+α−1)/(n+K(α−1)), μ_k = Σq x/N_k, Σ_k = (S_k + Ψ)/(N_k + ν + D + 1)."""
        data = self.validate_data(X)
        q = self._check_posterior(posterior, len(data))
        x = data.X - data.center
        n, d = x.shape
        nk = q.sum(axis=0)
        safe = np.where(nk > 0, nk, 1.0)
        means = np.where((nk > 0)[:, None], (q.T @ x) / safe[:, None], 0.0)
        scatter = np.einsum("nk,nd,ne->kde", q, x, x) - nk[:, None, None] * (
            means[:, :, None] * means[:, None, :])
        cov = (scatter + self.psi * np.eye(d)) / (nk + self._nu(d) + d + 1)[:, None, None]
        cov = (cov + np.swapaxes(cov, 1, 2)) / 2
        weights = nk + self.alpha - 1
        return GMMParams(weights / weights.sum(), means + data.center, cov, "full")


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
        from math import lgamma

        log_beta = lgamma(self.a + self.b) - lgamma(self.a) - lgamma(self.b)
        total = float(np.sum(log_beta + xlogy(self.a - 1, params.p)
                             + xlogy(self.b - 1, 1 - params.p)))
        if self.learn_weights:
            total += _log_dirichlet(params.weights, self.alpha)
        return total

    def m_step(self, X: BinomialData, posterior: np.ndarray) -> BinomialMixtureParams:
        """p_k = (Σ q x + a − 1) / (Σ q N + a + b − 2); w_k = (N_k + α − 1)/(n + K(α−1))."""
        heads = posterior.T @ X.successes + self.a - 1
        tosses = posterior.T @ X.n_trials + self.a + self.b - 2
        pooled = (X.successes.sum() + self.a - 1) / (X.n_trials.sum() + self.a + self.b - 2)
        p = np.where(tosses > 0, heads / np.where(tosses > 0, tosses, 1), pooled)
        if self.learn_weights:
            weights = posterior.sum(axis=0) + self.alpha - 1
        else:
            weights = self.weights
        return BinomialMixtureParams(weights / weights.sum(), np.clip(p, 0.0, 1.0))


# ----------------------------------------------------------------------------------------
# Generalized EM
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GEMPosterior:
    """q(Z) together with the θ_old it was computed at (the inner optimiser starts there)."""

    q: Any
    params: Any


class GeneralizedEM(EMModel):
    """Generalized EM: the M step only improves L(q, θ) (chapter ``09_em_variants``).

    Wraps a ``model`` that offers ``vector_map`` (θ ↔ a vector) and
    ``bound_gradient(X, q, θ)`` (∇_θ L(q, θ) in those coordinates). The M step runs
    ``n_inner`` steps of :func:`gradient_ascent` on θ ↦ L(q, θ) starting from θ_old, so
    L(q, θ_new) ≥ L(q, θ_old) = ln p(X|θ_old), and the objective still never decreases.
    ``n_evaluations`` counts the bound evaluations of all inner loops so far.
    """

    def __init__(self, model: EMModel, *, n_inner: int = 1, step: float = 1.0) -> None:
        if not isinstance(model, EMModel):
            raise TypeError("model must be an emlib.em.EMModel")
        if not (hasattr(model, "vector_map") and hasattr(model, "bound_gradient")):
            raise TypeError(f"{type(model).__name__} has no vector_map/bound_gradient: "
                            "generalized EM needs the gradient of the bound")
        self.model = model
        self.n_inner = check_int(n_inner, "n_inner", low=1)
        self.step = check_real(step, "step", low=0.0, low_open=True)
        self.objective_name = model.objective_name
        self.n_evaluations = 0

    def validate_data(self, X: Any) -> Any:
        return self.model.validate_data(X)

    def init_params(self, X: Any, rng: np.random.Generator) -> Any:
        return self.model.init_params(X, rng)

    def e_step(self, X: Any, params: Any) -> GEMPosterior:
        return GEMPosterior(self.model.e_step(X, params), params)

    def m_step(self, X: Any, posterior: GEMPosterior) -> Any:
        """θ_new: ``n_inner`` backtracking gradient steps on L(q, ·) from θ_old."""
        vmap: VectorMap = self.model.vector_map
        q = posterior.q

        def bound(v: np.ndarray) -> float:
            return self.model.lower_bound(X, q, vmap.from_vector(v))

        def grad(v: np.ndarray) -> np.ndarray:
            return self.model.bound_gradient(X, q, vmap.from_vector(v))

        result = gradient_ascent(bound, grad, vmap.to_vector(posterior.params),
                                 max_steps=self.n_inner, step=self.step, tol=0.0)
        self.n_evaluations += result.n_evaluations
        return vmap.from_vector(result.x)

    def log_likelihood(self, X: Any, params: Any) -> float:
        return self.model.log_likelihood(X, params)

    def lower_bound(self, X: Any, posterior: GEMPosterior, params: Any) -> float:
        return self.model.lower_bound(X, posterior.q, params)

    def kl_divergence(self, X: Any, posterior: GEMPosterior, params: Any) -> float:
        return self.model.kl_divergence(X, posterior.q, params)

    def evaluate(self, X: Any, params: Any, posterior: GEMPosterior | None = None) -> Evaluation:
        ev = self.model.evaluate(X, params, None if posterior is None else posterior.q)
        return replace(ev, posterior=GEMPosterior(ev.posterior, params))


# ----------------------------------------------------------------------------------------
# Variational EM with a restricted family: hard assignments
# ----------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------
# Online (stepwise) EM
# ----------------------------------------------------------------------------------------
def _binomial_statistics(model: BinomialMixture, X: BinomialData,
                         posterior: np.ndarray) -> np.ndarray:
    n = len(X)
    return np.stack([posterior.mean(0), posterior.T @ X.successes / n,
                     posterior.T @ X.n_trials / n])


def _binomial_params(model: BinomialMixture, stats: np.ndarray) -> BinomialMixtureParams:
    s0, heads, tosses = np.asarray(stats, float)
    p = np.clip(heads / np.maximum(tosses, 1e-300), 0.0, 1.0)
    weights = s0 / s0.sum() if model.learn_weights else model.weights
    return BinomialMixtureParams(weights, p)


def statistics_functions(model: EMModel) -> tuple[Callable[[Any, Any], np.ndarray],
                                                  Callable[[np.ndarray], Any]]:
    """(s̄(X, q), θ(s)) for a model with expected sufficient statistics.

    s̄ averages the expected complete-data sufficient statistics over the rows of X;
    θ(s) is the M step written on them. Models provide ``expected_statistics`` and
    ``params_from_statistics``; the coins (BinomialMixture) are adapted here.
    """
    if hasattr(model, "expected_statistics") and hasattr(model, "params_from_statistics"):
        return model.expected_statistics, model.params_from_statistics
    if isinstance(model, BinomialMixture) and not isinstance(model, MAPBinomialMixture):
        return (lambda X, q: _binomial_statistics(model, X, q),
                lambda s: _binomial_params(model, s))
    raise TypeError(f"{type(model).__name__} has no expected sufficient statistics "
                    "(expected_statistics / params_from_statistics)")


class OnlineEM:
    """Stepwise online EM (Cappé & Moulines 2009; Liang & Klein 2009), chapter 09.

    For each mini-batch B_t (t = 1, 2, …): E step on the batch at the current θ, then

        s ← (1 − η_t) s + η_t s̄(B_t),   η_t = (t + t₀)^(−α),   θ ← θ(s)

    with s̄ the batch average of the expected sufficient statistics and θ(s) the M step.
    With ½ < α ≤ 1 the step sizes satisfy Σ η_t = ∞, Σ η_t² < ∞ and θ converges to a
    stationary point of the likelihood; each update costs O(|B|), not O(n).
    ``history`` holds (samples seen, θ) after every update.
    """

    def __init__(self, model: EMModel, params: Any, *, alpha: float = 0.6,
                 offset: float = 0.0) -> None:
        if not isinstance(model, EMModel):
            raise TypeError("model must be an emlib.em.EMModel")
        self.model = model
        self._statistics, self._params = statistics_functions(model)
        self.alpha = check_real(alpha, "alpha", low=0.5, high=1.0, low_open=True)
        self.offset = check_real(offset, "offset", low=0.0)
        self.initial_params = params
        self.reset()

    def reset(self) -> None:
        """Forget everything: back to the initial θ, no statistics."""
        self.params = self.initial_params
        self.stats: np.ndarray | None = None
        self.n_updates = 0
        self.n_seen = 0
        self.history: list[tuple[int, Any]] = [(0, self.params)]

    def step_size(self, t: int) -> float:
        """η_t = (t + t₀)^(−α) for the t-th update (t ≥ 1)."""
        return float((check_int(t, "t", low=1) + self.offset) ** (-self.alpha))

    def partial_fit(self, batch: Any) -> Any:
        """One stepwise update with ``batch``; returns the new θ."""
        batch = self.model.validate_data(batch)
        s_hat = self._statistics(batch, self.model.e_step(batch, self.params))
        self.n_updates += 1
        eta = 1.0 if self.stats is None else self.step_size(self.n_updates)
        self.stats = s_hat if self.stats is None else (1 - eta) * self.stats + eta * s_hat
        self.params = self._params(self.stats)
        self.n_seen += len(batch)
        self.history.append((self.n_seen, self.params))
        return self.params

    def fit(self, X: Any, *, batch_size: int = 20, n_epochs: int = 1,
            rng: np.random.Generator | int | None = None) -> OnlineEM:
        """Feed ``X`` in shuffled mini-batches of ``batch_size`` for ``n_epochs`` passes."""
        batch_size = check_int(batch_size, "batch_size", low=1)
        n_epochs = check_int(n_epochs, "n_epochs", low=1)
        rows = np.asarray(X)
        rng = check_rng(rng)
        for _ in range(n_epochs):
            order = rng.permutation(len(rows))
            for start in range(0, len(rows), batch_size):
                self.partial_fit(rows[order[start:start + batch_size]])
        return self


class OnlineEMWidget(CourseWidget):
    """Feed mini-batches to online EM by hand and watch θ approach batch EM (chapter 09).

    Buttons **Feed 1 batch**, **Feed 10 batches**, **Reset**. Left: the data histogram,
    the online fit and the batch-EM fit (dashed). Right: ln p(X|θ)/n of the whole data
    after every update, against the batch answer. For :class:`GaussianMixture1D`.
    """

    def __init__(self, model: GaussianMixture1D, X: Any, params: Mixture1DParams,
                 batch_params: Mixture1DParams, *, batch_size: int = 20, alpha: float = 0.6,
                 seed: int = 0) -> None:
        if not isinstance(model, GaussianMixture1D):
            raise TypeError("model must be an emlib.theory.GaussianMixture1D")
        self.X = model.validate_data(X)
        self.online = OnlineEM(model, params, alpha=alpha)
        self.batch_params = batch_params
        self.batch_size = check_int(batch_size, "batch_size", low=1)
        self.seed = seed
        self.batch_score = model.log_likelihood(self.X, batch_params) / len(self.X)
        self.buttons = {name: widgets.Button(description=name, layout=widgets.Layout(
            width="auto")) for name in ("Feed 1 batch", "Feed 10 batches", "Reset")}
        self.buttons["Feed 1 batch"].on_click(lambda _b: self.feed(1))
        self.buttons["Feed 10 batches"].on_click(lambda _b: self.feed(10))
        self.buttons["Reset"].on_click(lambda _b: self.reset())
        self.label = widgets.HTML()
        width = int(plotting.SIZES["wide"][0] * plotting.DPI)
        self.picture = widgets.Image(format="png", layout=widgets.Layout(width=f"{width}px"))
        super().__init__(children=[widgets.HBox(list(self.buttons.values())), self.label,
                                   self.picture])
        self.reset()

    def reset(self) -> None:
        """Back to θ⁽⁰⁾ and a fresh stream."""
        self.online.reset()
        self._rng = np.random.default_rng(self.seed)
        self._queue = np.empty(0, dtype=int)
        self.scores = [self.online.model.log_likelihood(self.X, self.online.params) / len(self.X)]
        self._redraw()

    def _next_batch(self) -> np.ndarray:
        if len(self._queue) < self.batch_size:
            self._queue = np.concatenate([self._queue, self._rng.permutation(len(self.X))])
        batch, self._queue = self._queue[:self.batch_size], self._queue[self.batch_size:]
        return self.X[batch]

    def feed(self, n_batches: int = 1) -> None:
        """Feed ``n_batches`` mini-batches from the stream."""
        for _ in range(check_int(n_batches, "n_batches", low=1)):
            self.online.partial_fit(self._next_batch())
            self.scores.append(self.online.model.log_likelihood(self.X, self.online.params)
                               / len(self.X))
        self._redraw()

    def _redraw(self) -> None:
        o = self.online
        eta = o.step_size(o.n_updates) if o.n_updates > 1 else 1.0
        self.label.value = f"<code>{self.summary()}, last η = {eta:.3f}</code>"
        fig, (left, right) = plotting.new_figure("wide", ncols=2)
        grid = np.linspace(self.X.min() - 1, self.X.max() + 1, 300)
        left.hist(self.X, bins=30, density=True, color="#cccccc")
        for params, style in ((o.params, "-"), (self.batch_params, "--")):
            density = np.exp(o.model.log_joint(grid, params)).sum(axis=1)
            left.plot(grid, density, ls=style, color="#333333" if style == "--"
                      else plotting.COLORS[4], label="batch EM" if style == "--" else "online")
        left.legend(frameon=False)
        left.set_title(f"after {o.n_seen} samples")
        seen = [n for n, _ in o.history]
        right.plot(seen, self.scores, marker=".", color=plotting.COLORS[4], label="online")
        right.axhline(self.batch_score, color="#333333", ls="--", label="batch EM")
        right.set_xlabel("samples seen")
        right.set_ylabel("ln p(X|θ) / n")
        low = min(self.scores[min(1, len(self.scores) - 1):] + [self.batch_score])
        right.set_ylim(low - 0.05, self.batch_score + 0.05)
        right.legend(frameon=False)
        self.picture.value = plotting.figure_to_png(fig)

    def summary(self) -> str:
        o = self.online
        means = ", ".join(f"{m:.3f}" for m in o.params.means)
        return (f"{o.n_updates} batches, {o.n_seen} samples: means [{means}], "
                f"ln p/n = {self.scores[-1]:.4f} (batch {self.batch_score:.4f})")


# ----------------------------------------------------------------------------------------
# EM with features (Berg-Kirkpatrick et al. 2010)
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BagOfWords:
    """A document–word count matrix with its vocabulary."""

    counts: np.ndarray
    vocabulary: list[str]


_STOP = frozenset("""a an and are as at be been by can for from has have in into is it its of
on or that the their these this those to was we were which with our not but also than
then there such can may one two using used use show shown both between where when all
new only more most over under other each some very here""".split())


def bag_of_words(texts: Sequence[str], *, vocabulary_size: int = 300, min_length: int = 3
                 ) -> BagOfWords:
    """Counts of the ``vocabulary_size`` words found in most documents (lower case, letters
    only, at least ``min_length`` letters, a short English stop list removed)."""
    vocabulary_size = check_int(vocabulary_size, "vocabulary_size", low=1)
    if isinstance(texts, str) or len(texts) == 0:
        raise ValueError("texts must be a non-empty sequence of strings")
    pattern = re.compile(rf"[a-z]{{{check_int(min_length, 'min_length', low=1)},}}")
    docs = [[w for w in pattern.findall(str(t).lower()) if w not in _STOP] for t in texts]
    frequency = Counter(w for doc in docs for w in set(doc))
    vocabulary = sorted(sorted(frequency), key=lambda w: -frequency[w])[:vocabulary_size]
    index = {w: i for i, w in enumerate(vocabulary)}
    counts = np.zeros((len(docs), len(vocabulary)))
    for d, doc in enumerate(docs):
        for w, c in Counter(w for w in doc if w in index).items():
            counts[d, index[w]] = c
    return BagOfWords(counts, vocabulary)


def word_features(vocabulary: Sequence[str], *, identity: bool = True, prefix: int = 5,
                  suffix: int = 3, min_shared: int = 2) -> tuple[np.ndarray, list[str]]:
    """Feature matrix f(w) (V × P, 0/1) and feature names for a vocabulary.

    Features: the word itself (``identity``), its first ``prefix`` letters (a crude stem:
    "galaxy"/"galaxies" share "galax") and its last ``suffix`` letters, keeping only
    prefixes and suffixes shared by at least ``min_shared`` words (0 disables either).
    """
    words = [str(w) for w in vocabulary]
    if not words:
        raise ValueError("vocabulary must not be empty")
    names: list[str] = []
    columns: list[np.ndarray] = []
    if identity:
        names += [f"word={w}" for w in words]
        columns.append(np.eye(len(words)))
    for kind, length in (("prefix", prefix), ("suffix", suffix)):
        if check_int(length, kind, low=0) == 0:
            continue
        parts = [w[:length] if kind == "prefix" else w[-length:] for w in words]
        shared = sorted(p for p, c in Counter(parts).items() if c >= min_shared)
        for part in shared:
            names.append(f"{kind}={part}")
            columns.append(np.array([[float(p == part)] for p in parts]))
    if not columns:
        raise ValueError("no features: enable identity, prefix or suffix")
    return np.hstack(columns), names


@dataclass(frozen=True)
class CountData:
    """Document–word counts with ln of each document's multinomial coefficient."""

    counts: np.ndarray
    log_coefficient: np.ndarray

    def __len__(self) -> int:
        return len(self.counts)


@dataclass(frozen=True)
class FeatureMixtureParams:
    """θ of a featurized mixture: class weights π_k and feature weights β_k (K × P)."""

    weights: np.ndarray
    beta: np.ndarray

    def __post_init__(self) -> None:
        weights = check_distribution(self.weights, "weights")
        beta = as_float_array(self.beta, "beta", ndim=2)
        if weights.ndim != 1 or beta.shape[0] != len(weights):
            raise ValueError("beta must have one row per component (len(weights))")
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "beta", beta)


class FeaturizedMixture(_MAPObjective, LatentClassModel):
    """A mixture of multinomials with log-linear emissions (Berg-Kirkpatrick et al. 2010).

    Each document d (a row of word counts c_dw) has one hidden class z_d:

        θ_k(w) = exp(β_kᵀ f(w)) / Σ_w' exp(β_kᵀ f(w'))
        ln p(x_d, z_d = k) = ln π_k + ln M(c_d) + Σ_w c_dw ln θ_k(w)

    (M the multinomial coefficient). With ``l2`` = λ the objective is
    ln p(X|θ) − λ‖β‖²/2 (a Gaussian prior on β, up to its constant). The M step for π is
    closed form; for β it maximises, for each k, with expected counts e_kw = Σ_d q_dk c_dw,

        Σ_w e_kw ln θ_k(w) − λ‖β_k‖²/2,   gradient  Fᵀ(e_k − E_k θ_k) − λβ_k

    which has no closed form: :meth:`m_step` runs L-BFGS (:func:`lbfgs_ascent`) from β = 0
    for up to ``max_inner`` steps (an "exact" M step, to ‖∇‖∞ ≤ ``inner_tol``);
    :meth:`newton_beta` is Newton's method for small feature sets; :class:`GeneralizedEM`
    instead takes a few cheap gradient steps from β_old. With identity features only and
    λ → 0 this is the plain mixture of multinomials, whose M step is θ_k(w) = e_kw / E_k.
    """

    def __init__(self, n_components: int, features: Any, *, l2: float = 0.1,
                 max_inner: int = 500, inner_tol: float = 1e-6) -> None:
        self.n_components = check_int(n_components, "n_components", low=1)
        self.features = as_float_array(features, "features", ndim=2)
        self.l2 = check_real(l2, "l2", low=0.0)
        self.max_inner = check_int(max_inner, "max_inner", low=1)
        self.inner_tol = check_real(inner_tol, "inner_tol", low=0.0)
        self.objective_name = "ln p(X|θ) − λ‖β‖²/2" if self.l2 > 0 else "ln p(X|θ)"

    # -- data and parameters -------------------------------------------------------------
    def validate_data(self, X: Any) -> CountData:
        """Counts (documents × words, non-negative integers) matching the feature rows."""
        if isinstance(X, CountData):
            return X
        counts = as_float_array(X.counts if isinstance(X, BagOfWords) else X, "X", ndim=2)
        if counts.shape[1] != self.features.shape[0]:
            raise ValueError(f"X has {counts.shape[1]} word columns but features has "
                             f"{self.features.shape[0]} rows")
        if np.any(counts < 0) or np.any(counts != np.round(counts)) or len(counts) == 0:
            raise ValueError("X must be a non-empty matrix of non-negative integer counts")
        top = int(max(counts.sum(axis=1).max(), 1))
        log_factorial = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, top + 1)))])
        ints = counts.astype(np.int64)
        coefficient = log_factorial[ints.sum(axis=1)] - log_factorial[ints].sum(axis=1)
        return CountData(counts, coefficient)

    def log_prior(self, params: FeatureMixtureParams) -> float:
        """−λ‖β‖²/2."""
        return -0.5 * self.l2 * float(np.sum(params.beta ** 2))

    def emissions(self, params: FeatureMixtureParams) -> np.ndarray:
        """θ_k(w) = softmax_w(F β_k): a (K, V) array of word distributions."""
        scores = params.beta @ self.features.T
        scores -= scores.max(axis=1, keepdims=True)
        e = np.exp(scores)
        return e / e.sum(axis=1, keepdims=True)

    def init_params(self, X: CountData, rng: np.random.Generator) -> FeatureMixtureParams:
        """θ⁽⁰⁾: uniform weights, small random β (N(0, 0.1²))."""
        k, p = self.n_components, self.features.shape[1]
        return FeatureMixtureParams(np.full(k, 1 / k), rng.normal(0, 0.1, (k, p)))

    def log_joint(self, X: CountData, params: FeatureMixtureParams) -> np.ndarray:
        """ln π_k + ln M(c_d) + Σ_w c_dw ln θ_k(w)."""
        with np.errstate(divide="ignore"):
            log_w = np.log(params.weights)
        log_theta = np.log(np.maximum(self.emissions(params), 1e-300))
        return log_w + X.log_coefficient[:, None] + X.counts @ log_theta.T

    # -- M step ---------------------------------------------------------------------------
    def _beta_objective(self, expected: np.ndarray) -> tuple[Callable, Callable]:
        k, p = self.n_components, self.features.shape[1]
        totals = expected.sum(axis=1, keepdims=True)

        def value(flat: np.ndarray) -> float:
            beta = flat.reshape(k, p)
            scores = beta @ self.features.T
            top = scores.max(axis=1, keepdims=True)
            log_norm = np.log(np.exp(scores - top).sum(axis=1, keepdims=True)) + top
            return float(np.sum(expected * (scores - log_norm)) - 0.5 * self.l2 * flat @ flat)

        def gradient(flat: np.ndarray) -> np.ndarray:
            beta = flat.reshape(k, p)
            theta = self.emissions(FeatureMixtureParams(np.full(k, 1 / k), beta))
            return ((expected - totals * theta) @ self.features - self.l2 * beta).ravel()

        return value, gradient

    def fit_beta(self, expected: np.ndarray, beta0: np.ndarray, max_steps: int) -> AscentResult:
        """Gradient ascent on Σ_kw e_kw ln θ_k(w) − λ‖β‖²/2 from ``beta0``."""
        value, gradient = self._beta_objective(expected)
        return gradient_ascent(value, gradient, np.asarray(beta0, float).ravel(),
                               max_steps=max_steps, tol=self.inner_tol)

    def newton_beta(self, expected: np.ndarray, beta0: np.ndarray, max_steps: int
                    ) -> tuple[np.ndarray, int]:
        """Newton's method with backtracking on each β_k (the "exact" M step).

        Hessian of Σ_w e_kw ln θ_k(w) − λ‖β_k‖²/2:  −E_k Fᵀ(diag θ_k − θ_k θ_kᵀ)F − λI,
        negative definite for λ > 0. Returns β and the number of Newton steps taken.
        """
        F, lam = self.features, self.l2
        beta = np.array(beta0, float)
        steps = 0
        for k in range(self.n_components):
            e_k, total = expected[k], expected[k].sum()

            def value(b: np.ndarray, e_k: np.ndarray = e_k) -> float:
                s = F @ b
                top = s.max()
                return float(e_k @ s - e_k.sum() * (np.log(np.exp(s - top).sum()) + top)
                             - 0.5 * lam * b @ b)

            current = value(beta[k])
            for _ in range(max_steps):
                s = F @ beta[k]
                theta = np.exp(s - s.max())
                theta /= theta.sum()
                grad = F.T @ (e_k - total * theta) - lam * beta[k]
                if np.max(np.abs(grad)) <= self.inner_tol:
                    break
                mean_f = F.T @ theta
                # einsum, not BLAS: small matrices, and no thread oversubscription
                hessian = total * (np.einsum("vi,vj->ij", F * theta[:, None], F)
                                   - np.outer(mean_f, mean_f))
                hessian[np.diag_indices_from(hessian)] += lam + 1e-10
                direction = np.linalg.solve(hessian, grad)
                t = 1.0
                while t > 1e-12:
                    candidate = beta[k] + t * direction
                    new = value(candidate)
                    if new >= current:
                        break
                    t /= 2
                else:
                    break
                beta[k], current = candidate, new
                steps += 1
        return beta, steps

    def m_step(self, X: CountData, posterior: np.ndarray) -> FeatureMixtureParams:
        """π_k = N_k/n; β = argmax by :func:`lbfgs_ascent` from β = 0 (to ``inner_tol``)."""
        expected = posterior.T @ X.counts
        value, gradient = self._beta_objective(expected)
        result = lbfgs_ascent(value, gradient, np.zeros(self.n_components
                                                        * self.features.shape[1]),
                              max_steps=self.max_inner, tol=self.inner_tol, ftol=1e-14)
        return FeatureMixtureParams(posterior.mean(axis=0),
                                    result.x.reshape(self.n_components, -1))

    # -- what generalized EM needs -----------------------------------------------------------
    @property
    def vector_map(self) -> VectorMap:
        """θ ↔ (a, vec β) with π = softmax(a)."""
        k = self.n_components

        def to_vector(params: FeatureMixtureParams) -> np.ndarray:
            return np.concatenate([np.log(np.maximum(params.weights, 1e-300)),
                                   params.beta.ravel()])

        def from_vector(vector: np.ndarray) -> FeatureMixtureParams:
            a = vector[:k]
            weights = np.exp(a - a.max())
            return FeatureMixtureParams(weights / weights.sum(), vector[k:].reshape(k, -1))

        return VectorMap(to_vector, from_vector)

    def bound_gradient(self, X: CountData, posterior: np.ndarray,
                       params: FeatureMixtureParams) -> np.ndarray:
        """∇L: ∂/∂a_k = N_k − nπ_k and ∂/∂β_k = Fᵀ(e_k − E_k θ_k) − λβ_k."""
        nk = posterior.sum(axis=0)
        expected = posterior.T @ X.counts
        theta = self.emissions(params)
        grad_beta = ((expected - expected.sum(axis=1, keepdims=True) * theta) @ self.features
                     - self.l2 * params.beta)
        return np.concatenate([nk - nk.sum() * params.weights, grad_beta.ravel()])
