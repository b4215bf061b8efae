"""Why EM works (chapter ``07_em_theory``, EM算法的收敛性证明): the bound, its picture, its speed.

For every distribution q(Z) over the latent variables and every θ,

    ln p(X | θ) = L(q, θ) + KL(q ‖ p(Z | X, θ)),
    L(q, θ)     = Σ_Z q(Z) ln [p(X, Z | θ) / q(Z)] = Q(θ, θ_old) + H(q)   (q = p(Z|X,θ_old)),

so L is a lower bound (KL ≥ 0). The E step closes the gap (q ← p(Z|X,θ_old), KL = 0); the
M step raises the bound (θ ← argmax_θ L(q, θ)); hence ln p(X|θ) never decreases.

This module holds what the chapter needs beyond :mod:`emlib.em`:

* :class:`GaussianMixture1D` — a small 1-D Gaussian mixture (means, variances and weights,
  each learnable or fixed), and :class:`OneMeanMixture`, the same with a single free mean:
  the one-parameter model on which the "EM effect" picture (EM算法的效果示意图) is drawn.
* :class:`ScalarParameter`, :func:`likelihood_curve`, :func:`bound_curve` — ln p(X|θ) and
  L(q, θ) along one coordinate of θ.
* :class:`VectorMap`, :func:`em_map`, :func:`em_jacobian`, :func:`information_matrices`,
  :func:`missing_information_fraction`, :func:`increment_ratios` — the linear rate of EM
  and its link with the fraction of missing information (Dempster, Laird & Rubin 1977).
* the chapter's pictures and widgets live in :mod:`emlib.views.theory`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import as_float_array, check_distribution, check_instance, check_int, check_real
from .em import EMModel, LatentClassModel

__all__ = [
    "GaussianMixture1D",
    "Mixture1DParams",
    "OneMeanMixture",
    "ScalarParameter",
    "VectorMap",
    "bound_curve",
    "em_jacobian",
    "em_map",
    "increment_ratios",
    "information_matrices",
    "likelihood_curve",
    "missing_information_fraction",
    "numerical_hessian",
]

_LOG_2PI = float(np.log(2 * np.pi))


# ----------------------------------------------------------------------------------------
# A small 1-D Gaussian mixture
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mixture1DParams:
    """θ of a 1-D Gaussian mixture: weights π_k, means μ_k, variances σ_k²."""

    weights: np.ndarray
    means: np.ndarray
    variances: np.ndarray

    def __post_init__(self) -> None:
        weights = check_distribution(self.weights, "weights")
        means = as_float_array(self.means, "means", ndim=1)
        variances = as_float_array(self.variances, "variances", ndim=1)
        if not weights.ndim == 1 or not weights.shape == means.shape == variances.shape:
            raise ValueError(f"weights, means and variances must be vectors of one length, got "
                             f"{weights.shape}, {means.shape}, {variances.shape}")
        if np.any(variances <= 0):
            raise ValueError("variances must be positive")
        for name, value in (("weights", weights), ("means", means), ("variances", variances)):
            object.__setattr__(self, name, value)

    @classmethod
    def _trusted(cls, weights: np.ndarray, means: np.ndarray,
                 variances: np.ndarray) -> Mixture1DParams:
        """Build without checks, from arrays already validated (hot loops: curves, grids)."""
        params = object.__new__(cls)
        for name, value in (("weights", weights), ("means", means), ("variances", variances)):
            object.__setattr__(params, name, value)
        return params

    def replace(self, **changes: Any) -> Mixture1DParams:
        """A copy with some fields changed."""
        fields = {"weights": self.weights, "means": self.means, "variances": self.variances}
        fields.update(changes)
        return Mixture1DParams(**fields)


class GaussianMixture1D(LatentClassModel):
    """K Gaussians on the line (chapter ``07_em_theory``; the full GMM is chapter 06).

        ln p(x_n, z_n = k | θ) = ln π_k − ½ ln(2π σ_k²) − (x_n − μ_k)² / (2σ_k²)

    E step: q_nk ∝ π_k N(x_n | μ_k, σ_k²). M step, with N_k = Σ_n q_nk:

        π_k = N_k / n,   μ_k = Σ_n q_nk x_n / N_k,   σ_k² = max(Σ_n q_nk (x_n − μ_k)² / N_k, v_min)

    The floor v_min keeps the M step a maximiser (Q is unimodal in σ_k², so the constrained
    maximum sits at the floor) and stops a component collapsing onto one point. A component
    with N_k = 0 gets the pooled mean and variance. ``learn_weights=False`` /
    ``learn_variances=False`` keep ``weights`` / ``variances`` fixed at the given values.
    """

    def __init__(self, n_components: int, *, learn_weights: bool = True,
                 learn_variances: bool = True, weights: Any | None = None,
                 variances: Any | None = None, min_variance: float = 1e-6) -> None:
        self.n_components = check_int(n_components, "n_components", low=1)
        for name, flag in (("learn_weights", learn_weights), ("learn_variances", learn_variances)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} must be True or False")
        self.learn_weights, self.learn_variances = learn_weights, learn_variances
        k = self.n_components
        self.weights = (np.full(k, 1 / k) if weights is None
                        else check_distribution(weights, "weights"))
        self.variances = (None if variances is None
                          else as_float_array(variances, "variances", ndim=1))
        if self.weights.shape != (k,):
            raise ValueError(f"weights must have {k} entries")
        if self.variances is not None and (self.variances.shape != (k,)
                                           or np.any(self.variances <= 0)):
            raise ValueError(f"variances must be {k} positive numbers")
        if not learn_variances and self.variances is None:
            raise ValueError("variances must be given when learn_variances=False")
        self.min_variance = check_real(min_variance, "min_variance", low=0.0, low_open=True)

    def validate_data(self, X: Any) -> np.ndarray:
        """The data as a 1-D float array with at least one point."""
        X = as_float_array(X, "X", ndim=(1, 2))
        if X.ndim == 2:
            if X.shape[1] != 1:
                raise ValueError(f"X must be 1-D (or one column), got shape {X.shape}")
            X = X[:, 0]
        if X.size == 0:
            raise ValueError("X must hold at least one point")
        return X

    def init_params(self, X: np.ndarray, rng: np.random.Generator) -> Mixture1DParams:
        """θ⁽⁰⁾: means drawn from the data, variances var(X) (or the fixed ones)."""
        means = rng.choice(X, self.n_components, replace=len(X) < self.n_components)
        variances = (np.full(self.n_components, max(float(X.var()), self.min_variance))
                     if self.variances is None or self.learn_variances else self.variances)
        return Mixture1DParams(self.weights, means.astype(float), variances)

    def log_joint(self, X: np.ndarray, params: Mixture1DParams) -> np.ndarray:
        """ln π_k − ½ ln(2π σ_k²) − (x_n − μ_k)² / (2σ_k²), an (n, K) table."""
        with np.errstate(divide="ignore"):
            log_w = np.log(params.weights)
        v = params.variances
        return (log_w - 0.5 * (_LOG_2PI + np.log(v))
                - (X[:, None] - params.means) ** 2 / (2 * v))

    def _m_fields(self, X: np.ndarray, posterior: np.ndarray) -> dict[str, np.ndarray]:
        nk = posterior.sum(axis=0)
        safe = np.where(nk > 0, nk, 1.0)
        means = np.where(nk > 0, posterior.T @ X / safe, X.mean())
        if self.learn_variances:
            spread = (posterior * (X[:, None] - means) ** 2).sum(axis=0) / safe
            variances = np.maximum(np.where(nk > 0, spread, X.var()), self.min_variance)
        else:
            variances = self.variances
        weights = nk / nk.sum() if self.learn_weights else self.weights
        return {"weights": weights, "means": means, "variances": variances}

    def m_step(self, X: np.ndarray, posterior: np.ndarray) -> Mixture1DParams:
        """π_k = N_k/n, μ_k = Σ q_nk x_n / N_k, σ_k² = max(Σ q_nk (x_n−μ_k)² / N_k, v_min)."""
        return Mixture1DParams(**self._m_fields(X, posterior))

    # -- θ as a vector and the gradient of the bound (generalized EM, chapter 09) ---------
    @property
    def vector_map(self) -> VectorMap:
        """θ ↔ (a, μ, ln σ²) with π = softmax(a): unconstrained coordinates for gradients."""
        k = self.n_components

        def to_vector(params: Mixture1DParams) -> np.ndarray:
            return np.concatenate([np.log(np.maximum(params.weights, 1e-300)), params.means,
                                   np.log(params.variances)])

        def from_vector(vector: np.ndarray) -> Mixture1DParams:
            a, means, log_v = vector[:k], vector[k:2 * k], vector[2 * k:]
            weights = np.exp(a - a.max())
            weights = weights / weights.sum() if self.learn_weights else self.weights
            variances = np.exp(log_v) if self.learn_variances else self.variances
            return Mixture1DParams(weights, np.asarray(means, float), variances)

        return VectorMap(to_vector, from_vector)

    def bound_gradient(self, X: np.ndarray, posterior: np.ndarray,
                       params: Mixture1DParams) -> np.ndarray:
        """∇ of L(q, θ) (= ∇Q) in the coordinates of :attr:`vector_map`:

            ∂/∂a_k = N_k − n π_k,   ∂/∂μ_k = Σ_n q_nk (x_n − μ_k) / σ_k²,
            ∂/∂ln σ_k² = −N_k/2 + Σ_n q_nk (x_n − μ_k)² / (2σ_k²)

        (zero for the coordinates the model keeps fixed).
        """
        nk = posterior.sum(axis=0)
        diff = X[:, None] - params.means
        v = params.variances
        grad_a = nk - nk.sum() * params.weights if self.learn_weights else np.zeros_like(nk)
        grad_mu = (posterior * diff).sum(axis=0) / v
        grad_lv = (-nk / 2 + (posterior * diff ** 2).sum(axis=0) / (2 * v)
                   if self.learn_variances else np.zeros_like(nk))
        return np.concatenate([grad_a, grad_mu, grad_lv])

    # -- sufficient statistics (online EM, chapter 09) -----------------------------------
    def expected_statistics(self, X: np.ndarray, posterior: np.ndarray) -> np.ndarray:
        """Per-sample averages s = (1/n) Σ_n q_nk (1, x_n, x_n²): a (3, K) array."""
        X = np.asarray(X, float)
        return np.stack([posterior.mean(0), posterior.T @ X / len(X),
                         posterior.T @ X ** 2 / len(X)])

    def params_from_statistics(self, stats: np.ndarray) -> Mixture1DParams:
        """θ(s): π_k = s0_k, μ_k = s1_k/s0_k, σ_k² = s2_k/s0_k − μ_k² (the M step on s)."""
        s0, s1, s2 = np.asarray(stats, float)
        safe = np.maximum(s0, 1e-300)
        means = s1 / safe
        variances = (np.maximum(s2 / safe - means ** 2, self.min_variance)
                     if self.learn_variances else self.variances)
        weights = s0 / s0.sum() if self.learn_weights else self.weights
        return Mixture1DParams(weights, means, variances)


class OneMeanMixture(GaussianMixture1D):
    """A 1-D mixture whose only free parameter is the mean of component ``free``.

    Weights, variances and the other means stay at the given values, so θ is one number
    μ = μ_free and ln p(X|μ) and L(q, μ) can be drawn as curves (the EM-effect picture of
    chapter ``07_em_theory``). Q(μ) is a concave parabola with maximum
    μ_new = Σ_n q_n,free x_n / Σ_n q_n,free.
    """

    def __init__(self, means: Any, variances: Any, weights: Any | None = None, *,
                 free: int = 0) -> None:
        means = as_float_array(means, "means", ndim=1)
        super().__init__(len(means), learn_weights=False, learn_variances=False,
                         weights=weights, variances=variances)
        self.free = check_int(free, "free", low=0, high=len(means) - 1)
        self.means = means

    def params_at(self, mu: float) -> Mixture1DParams:
        """θ with μ_free = ``mu`` and everything else fixed."""
        means = self.means.copy()
        means[self.free] = check_real(mu, "mu")
        return Mixture1DParams._trusted(self.weights, means, self.variances)

    def init_params(self, X: np.ndarray, rng: np.random.Generator) -> Mixture1DParams:
        """θ⁽⁰⁾: the free mean drawn from the data."""
        return self.params_at(float(rng.choice(X)))

    def m_step(self, X: np.ndarray, posterior: np.ndarray) -> Mixture1DParams:
        """μ_new = Σ_n q_n,free x_n / Σ_n q_n,free (the other parameters are fixed)."""
        column = posterior[:, self.free]
        total = column.sum()
        return self.params_at(float(column @ X / total) if total > 0 else float(X.mean()))

    def bound_gradient(self, X: np.ndarray, posterior: np.ndarray,
                       params: Mixture1DParams) -> np.ndarray:
        """∇L(q, θ): only ∂/∂μ_free = Σ_n q_n,free (x_n − μ_free)/σ² is non-zero."""
        grad = super().bound_gradient(X, posterior, params)
        keep = np.zeros_like(grad)
        keep[self.n_components + self.free] = 1.0
        return grad * keep

    def parameter(self, low: float, high: float) -> ScalarParameter:
        """The free mean as a :class:`ScalarParameter` over [low, high]."""
        return ScalarParameter(f"μ_{self.free + 1}", lambda p: float(p.means[self.free]),
                               lambda _p, mu: self.params_at(mu), low, high)


# ----------------------------------------------------------------------------------------
# One coordinate of θ: curves of ln p and L
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScalarParameter:
    """One real coordinate of θ: how to read it and how to set it (others unchanged)."""

    name: str
    get: Callable[[Any], float]
    set: Callable[[Any, float], Any]
    low: float
    high: float

    def grid(self, n: int = 200) -> np.ndarray:
        """``n`` equally spaced values over [low, high]."""
        return np.linspace(self.low, self.high, check_int(n, "n", low=2))


def likelihood_curve(model: EMModel, X: Any, params: Any, parameter: ScalarParameter,
                     grid: Any) -> np.ndarray:
    """ln p(X | θ(t)) for every t of ``grid`` (θ(t) = ``params`` with the coordinate set to t)."""
    check_instance(model, EMModel, "model")
    grid = as_float_array(grid, "grid", ndim=1)
    return np.array([model.log_likelihood(X, parameter.set(params, float(t))) for t in grid])


def bound_curve(model: EMModel, X: Any, posterior: Any, params: Any,
                parameter: ScalarParameter, grid: Any) -> np.ndarray:
    """L(q, θ(t)) = E_q[ln p(X, Z | θ(t))] + H(q) for every t of ``grid``, q fixed.

    Below ln p(X|θ(t)) everywhere, touching it where q is the posterior at θ(t).
    """
    check_instance(model, EMModel, "model")
    grid = as_float_array(grid, "grid", ndim=1)
    return np.array([model.lower_bound(X, posterior, parameter.set(params, float(t)))
                     for t in grid])


# ----------------------------------------------------------------------------------------
# The rate of EM: Jacobian of the EM map and the fraction of missing information
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VectorMap:
    """θ ↔ a vector of free coordinates (for Jacobians and Hessians by finite differences)."""

    to_vector: Callable[[Any], np.ndarray]
    from_vector: Callable[[np.ndarray], Any]


def em_map(model: EMModel, X: Any, params: Any) -> Any:
    """M(θ) = argmax_θ' Q(θ', θ): one EM iteration as a map of θ."""
    check_instance(model, EMModel, "model")
    return model.m_step(X, model.e_step(X, params))


def em_jacobian(model: EMModel, X: Any, params: Any, vmap: VectorMap,
                eps: float = 1e-6) -> np.ndarray:
    """J_ij = ∂M(θ)_i / ∂θ_j by central differences (at a fixed point θ* = M(θ*)).

    Near θ*, θ_{t+1} − θ* ≈ J (θ_t − θ*): EM converges linearly with rate ρ(J), the
    largest eigenvalue modulus (chapter ``07_em_theory``).
    """
    check_instance(model, EMModel, "model")
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    theta = np.asarray(vmap.to_vector(params), float)
    columns = []
    for j in range(theta.size):
        step = np.zeros_like(theta)
        step[j] = eps
        plus = vmap.to_vector(em_map(model, X, vmap.from_vector(theta + step)))
        minus = vmap.to_vector(em_map(model, X, vmap.from_vector(theta - step)))
        columns.append((np.asarray(plus) - np.asarray(minus)) / (2 * eps))
    return np.column_stack(columns)


def numerical_hessian(f: Callable[[np.ndarray], float], theta: Any, eps: float = 1e-4
                      ) -> np.ndarray:
    """∂²f/∂θ_i∂θ_j by central differences (symmetrised)."""
    theta = as_float_array(theta, "theta", ndim=1)
    d = theta.size
    H = np.zeros((d, d))
    basis = np.eye(d) * eps
    for i in range(d):
        for j in range(i, d):
            value = (f(theta + basis[i] + basis[j]) - f(theta + basis[i] - basis[j])
                     - f(theta - basis[i] + basis[j]) + f(theta - basis[i] - basis[j]))
            H[i, j] = H[j, i] = value / (4 * eps * eps)
    return H


def information_matrices(model: EMModel, X: Any, params: Any, vmap: VectorMap,
                         eps: float = 1e-4) -> tuple[np.ndarray, np.ndarray]:
    """(I_obs, I_complete) at θ, from Hessians by finite differences.

        I_obs      = −∇²_θ ln p(X | θ)
        I_complete = −∇²_θ' Q(θ', θ) at θ' = θ,   Q(θ', θ) = E_{p(Z|X,θ)}[ln p(X, Z | θ')]

    and I_missing = I_complete − I_obs (the information "lost" by not seeing Z).
    """
    check_instance(model, EMModel, "model")
    theta = np.asarray(vmap.to_vector(params), float)
    q = model.e_step(X, params)
    obs = -numerical_hessian(lambda t: model.log_likelihood(X, vmap.from_vector(t)), theta, eps)
    complete = -numerical_hessian(lambda t: model.lower_bound(X, q, vmap.from_vector(t)),
                                  theta, eps)
    return obs, complete


def missing_information_fraction(model: EMModel, X: Any, params: Any, vmap: VectorMap,
                                 eps: float = 1e-4) -> np.ndarray:
    """I_complete⁻¹ I_missing = 1 − I_complete⁻¹ I_obs (Dempster, Laird & Rubin 1977).

    At a fixed point θ* of EM this matrix equals the Jacobian of the EM map, so its
    largest eigenvalue — the largest fraction of missing information — is EM's linear rate.
    """
    check_instance(model, EMModel, "model")
    obs, complete = information_matrices(model, X, params, vmap, eps)
    return np.eye(len(obs)) - np.linalg.solve(complete, obs)


def increment_ratios(values: Sequence[float]) -> np.ndarray:
    """Δ_{t+1} / Δ_t with Δ_t = v_t − v_{t−1}: tends to the rate (λ for θ, λ² for ln p)."""
    v = as_float_array(values, "values", ndim=1)
    d = np.diff(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        return d[1:] / d[:-1]
