"""Why EM works (chapter ``07_em_theory``, EM算法的收敛性证明): the bound, its picture, its speed.

For every distribution q(Z) over the latent variables and every θ,

    ln p(X | θ) = L(q, θ) + KL(q ‖ p(Z | X, θ)),
    L(q, θ)     = Σ_Z q(Z) ln [p(X, Z | θ) / q(Z)] = Q(θ, θ_old) + H(q)   (q = p(Z|X,θ_old)),

so L is a lower bound (KL ≥ 0). The E step closes the gap (q ← p(Z|X,θ_old), KL = 0); the
M step raises the bound (θ ← argmax_θ L(q, θ)); hence ln p(X|θ) never decreases.

This module holds what the chapter needs beyond :mod:`emlib.em`:

* :class:`OneMeanMixture` — the 1-D Gaussian mixture of :mod:`emlib.mixtures` with a single
  free mean: the one-parameter model on which the "EM effect" picture (EM算法的效果示意图)
  is drawn.
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

from ._validation import as_float_array, check_callable, check_instance, check_int, check_real
from .em import EMModel, VectorMap, validate_params
from .mixtures import GaussianMixture1D, Mixture1DParams

__all__ = [
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



# ----------------------------------------------------------------------------------------
# The one-mean mixture of the EM-effect picture (the 1-D mixture lives in emlib.mixtures)
# ----------------------------------------------------------------------------------------
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
def em_map(model: EMModel, X: Any, params: Any) -> Any:
    """M(θ) = argmax_θ' Q(θ', θ): one EM iteration as a map of θ."""
    check_instance(model, EMModel, "model")
    X = model.validate_data(X)
    validate_params(model, X, params)
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
    check_callable(f, "f")
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    theta = as_float_array(theta, "theta", ndim=1, min_rows=1)
    if theta.size > 1000:
        raise ValueError(f"theta has {theta.size} entries: the Hessian needs 2·d² calls of f; "
                         "at most 1000 entries")
    scale = float(np.max(np.abs(theta)))
    if scale * 1e-12 > eps or not np.isfinite(scale * scale):
        raise ValueError(f"theta has entries up to {scale:.3g}: steps of eps={eps:g} vanish "
                         "beside them; rescale theta (or raise eps)")
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
    v = as_float_array(values, "values", ndim=1, min_rows=3)
    with np.errstate(over="ignore", invalid="ignore"):
        d = np.diff(v)
    if not np.all(np.isfinite(d)):
        raise ValueError("values differ by more than float64 can hold: rescale them")
    if np.any(d[:-1] == 0):
        raise ValueError("values has two equal successive entries (an increment of 0): the "
                         "sequence has converged; pass the part before it")
    return d[1:] / d[:-1]
