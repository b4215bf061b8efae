"""Gaussian mixtures fitted by soft EM (chapter ``06_gmm``, 高斯混合模型 GMM).

The model (a mixture model, a density estimator and a graphical model z → x):

    p(x | θ) = Σ_k π_k N(x | μ_k, Σ_k),     π_k ≥ 0,  Σ_k π_k = 1
    z ∈ {0,1}^K, 1-of-K:  p(z_k = 1) = π_k,  p(x | z_k = 1) = N(x | μ_k, Σ_k)

The two steps, exactly as the slides write them, are :func:`textbook_e_step` and
:func:`textbook_m_step` just below (plain numpy, one loop over the components). The
estimator and the model compute the same numbers with the chunked engine of
:mod:`emlib._gmm_engine` (one pass over the data per half-step; tests check both agree).

Four covariance types with scikit-learn's meanings and storage shapes: ``"full"`` (K, D, D),
``"tied"`` (D, D) (one Σ for all components), ``"diag"`` (K, D), ``"spherical"`` (K,).
Σ_k is factored by Cholesky (Σ_k = L_k L_kᵀ, the precision's factor U_k = L_k⁻ᵀ), never
inverted directly; everything is in log space, so far points never underflow to 0/0.

Collapse (a component shrinking onto a point, where ln p → ∞): ``reg_covar`` keeps every Σ_k
positive definite; a :class:`ComponentCollapseWarning` says which component collapsed, and a
component with no responsibility left (N_k ≈ 0) is parked at the data mean and covariance.
EM for MAP (:class:`MAPGaussianMixtureModel`, a prior :class:`GMMPrior`) cures collapse
without ``reg_covar``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import gammaln, multigammaln

from . import _gmm_engine as engine
from ._validation import as_float_array, check_int, check_real, check_rng
from .em import Evaluation, Statistics, StatisticsModel, Trace
from .estimator import EMEstimator
from .kmeans import KMeans, kmeans_plusplus_indices
from .mixtures import log_dirichlet, map_weights

__all__ = [
    "COVARIANCE_TYPES",
    "EMPTY_COMPONENT",
    "INIT_METHODS",
    "ComponentCollapseWarning",
    "ConvergenceWarning",
    "GMMData",
    "GMMParams",
    "GMMPosterior",
    "GMMPrior",
    "GMMStatistics",
    "GaussianMixture",
    "GaussianMixtureModel",
    "MAPGaussianMixtureModel",
    "covariance_shape",
    "textbook_e_step",
    "textbook_m_step",
]


# -- the two steps as the slides write them (full covariances) ------------------------------
def textbook_e_step(X: np.ndarray, weights: np.ndarray, means: np.ndarray,
                    covariances: np.ndarray) -> np.ndarray:
    """E step, the responsibility ("a very important number", 很重要的一个数):

        γ_nk = π_k N(x_n | μ_k, Σ_k) / Σ_j π_j N(x_n | μ_j, Σ_j)

    computed in log space: ln N(x|μ,Σ) = −½ [D ln 2π + ln|Σ| + (x−μ)ᵀΣ⁻¹(x−μ)], Σ = L Lᵀ.
    """
    X, weights = as_float_array(X, "X", ndim=2), as_float_array(weights, "weights", ndim=1)
    means, covariances = as_float_array(means, "means", ndim=2), as_float_array(
        covariances, "covariances", ndim=3)
    n, d = X.shape
    log_joint = np.empty((n, len(weights)))
    for k in range(len(weights)):
        lower = np.linalg.cholesky(covariances[k])           # Σ_k = L Lᵀ
        z = np.linalg.solve(lower, (X - means[k]).T)          # L⁻¹(x_n − μ_k)
        log_det = 2 * np.log(np.diag(lower)).sum()            # ln|Σ_k|
        log_joint[:, k] = np.log(weights[k]) - 0.5 * (d * math.log(2 * math.pi) + log_det
                                                      + (z**2).sum(axis=0))
    log_joint -= log_joint.max(axis=1, keepdims=True)         # log-sum-exp: no 0/0
    gamma = np.exp(log_joint)
    return gamma / gamma.sum(axis=1, keepdims=True)


def textbook_m_step(X: np.ndarray, gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                  np.ndarray]:
    """M step (set the derivatives of E_q[ln p(X, Z|θ)] to 0; a Lagrange multiplier for Σπ = 1):

        N_k = Σ_n γ_nk,   μ_k = Σ_n γ_nk x_n / N_k,
        Σ_k = Σ_n γ_nk (x_n − μ_k)(x_n − μ_k)ᵀ / N_k,   π_k = N_k / N

    Returns (π, μ, Σ).
    """
    X, gamma = as_float_array(X, "X", ndim=2), as_float_array(gamma, "gamma", ndim=2)
    nk = gamma.sum(axis=0)
    means = gamma.T @ X / nk[:, None]
    covariances = np.stack([(gamma[:, k] * (X - means[k]).T) @ (X - means[k]) / nk[k]
                            for k in range(len(nk))])
    return nk / len(X), means, covariances


# -- parameters, data, statistics, posterior ------------------------------------------------
COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
INIT_METHODS = ("kmeans", "k-means++", "random", "random_from_data")
_EPS10 = 10 * np.finfo(float).eps  # added to every N_k, as scikit-learn does
#: Total responsibility below which a component counts as empty (it has lost every point).
EMPTY_COMPONENT = 1e-8


class ComponentCollapseWarning(UserWarning):
    """A component lost all its points, or its covariance became (near) singular."""


class ConvergenceWarning(UserWarning):
    """EM stopped at ``max_iter`` before the gain in ln p per sample fell below ``tol``."""


def _check_covariance_type(value: Any) -> str:
    if not isinstance(value, str) or value not in COVARIANCE_TYPES:
        raise ValueError(f"covariance_type must be one of {COVARIANCE_TYPES}, got {value!r}")
    return value


def _check_init_method(value: Any) -> str:
    if not isinstance(value, str) or value not in INIT_METHODS:
        raise ValueError(f"init_params must be one of {INIT_METHODS}, got {value!r}")
    return value


def covariance_shape(covariance_type: str, n_components: int, n_features: int) -> tuple:
    """Storage shape of the covariances (and precisions) for a covariance type."""
    n_components = check_int(n_components, "n_components", low=1, high=10**6)
    n_features = check_int(n_features, "n_features", low=1, high=10**5)
    return {"full": (n_components, n_features, n_features),
            "tied": (n_features, n_features),
            "diag": (n_components, n_features),
            "spherical": (n_components,)}[_check_covariance_type(covariance_type)]


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float, copy=True)
    a.setflags(write=False)
    return a


def _precision_cholesky(cov: np.ndarray, covariance_type: str, name: str) -> np.ndarray:
    """U with U Uᵀ = Σ⁻¹ (upper triangular for full/tied, 1/√σ² otherwise), as scikit-learn."""
    if not np.all(np.isfinite(cov)):
        raise ValueError(f"{name} must be finite (the data's squares overflowed or an update "
                         "diverged); rescale X")
    if covariance_type in ("diag", "spherical"):
        if np.any(cov <= 0):
            raise ValueError(f"{name} must be positive (a variance of 0 or less is singular); "
                             "increase reg_covar")
        return 1.0 / np.sqrt(cov)
    stack = cov[None] if covariance_type == "tied" else cov
    if not np.allclose(stack, np.swapaxes(stack, -1, -2), rtol=1e-10,
                       atol=1e-12 * max(1.0, float(np.abs(stack).max()))):
        raise ValueError(f"{name} must be symmetric")
    try:
        lower = np.linalg.cholesky(stack)
    except np.linalg.LinAlgError:
        raise ValueError(f"{name} must be positive definite (a Cholesky factorisation failed): "
                         "a component collapsed or the data X are degenerate (constant or "
                         "repeated rows, or values so large that reg_covar vanishes beside "
                         "them); increase reg_covar or rescale X") from None
    eye = np.broadcast_to(np.eye(stack.shape[-1]), stack.shape)
    upper = np.swapaxes(np.linalg.solve(lower, eye), -1, -2)  # (L⁻¹)ᵀ, upper triangular
    return upper[0] if covariance_type == "tied" else upper


@dataclass(frozen=True)
class GMMParams:
    """θ of a Gaussian mixture: weights π (K,), means μ (K, D), covariances Σ.

    ``covariances`` has scikit-learn's shape for ``covariance_type``: full (K, D, D),
    tied (D, D), diag (K, D), spherical (K,). Construction checks the shapes, that π is a
    distribution and that every Σ is positive definite; the arrays are stored read-only.
    ``precisions_cholesky`` (U with U Uᵀ = Σ⁻¹) is computed once, from the Cholesky factor.
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    covariance_type: str = "full"
    precisions_cholesky: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ctype = _check_covariance_type(self.covariance_type)
        means = as_float_array(self.means, "means", ndim=2)
        k, d = means.shape
        if k < 1 or d < 1:
            raise ValueError(f"means must have shape (n_components, n_features), got {means.shape}")
        weights = as_float_array(self.weights, "weights", ndim=1)
        if weights.shape != (k,):
            raise ValueError(f"weights must have shape ({k},), got {weights.shape}")
        if np.any(weights < 0) or not abs(weights.sum() - 1.0) <= 1e-8 * max(1, k):
            raise ValueError("weights must be non-negative and sum to 1 "
                             f"(sum {weights.sum():.10g})")
        cov = as_float_array(self.covariances, "covariances")
        shape = covariance_shape(ctype, k, d)
        if cov.shape != shape:
            raise ValueError(f"covariances must have shape {shape} for covariance_type="
                             f"{ctype!r}, got {cov.shape}")
        object.__setattr__(self, "weights", _readonly(weights))
        object.__setattr__(self, "means", _readonly(means))
        object.__setattr__(self, "covariances", _readonly(cov))
        object.__setattr__(self, "precisions_cholesky",
                           _readonly(_precision_cholesky(cov, ctype, "covariances")))

    @property
    def n_components(self) -> int:
        return self.means.shape[0]

    @property
    def n_features(self) -> int:
        return self.means.shape[1]

    def full_covariances(self) -> np.ndarray:
        """The K covariance matrices as one (K, D, D) array, whatever the type."""
        k, d, c = self.n_components, self.n_features, self.covariances
        if self.covariance_type == "full":
            return np.array(c)
        if self.covariance_type == "tied":
            return np.broadcast_to(c, (k, d, d)).copy()
        if self.covariance_type == "diag":
            return np.einsum("kd,de->kde", c, np.eye(d))
        return c[:, None, None] * np.eye(d)

    def precisions(self) -> np.ndarray:
        """Σ⁻¹ = U Uᵀ in the storage shape of the covariance type."""
        u = self.precisions_cholesky
        if self.covariance_type == "full":
            return u @ np.swapaxes(u, -1, -2)
        if self.covariance_type == "tied":
            return u @ u.T
        return u**2

    def log_det_precision_cholesky(self) -> np.ndarray:
        """(K,) values ln|Σ_k|^{-1/2} = Σ_i ln U_k,ii."""
        u, k, d = self.precisions_cholesky, self.n_components, self.n_features
        if self.covariance_type == "full":
            return np.log(np.diagonal(u, axis1=1, axis2=2)).sum(1)
        if self.covariance_type == "tied":
            return np.full(k, np.log(np.diag(u)).sum())
        if self.covariance_type == "diag":
            return np.log(u).sum(1)
        return d * np.log(u)


@dataclass(frozen=True, eq=False)
class GMMData:
    """Data checked once: a finite (n, D) float array whose squares cannot overflow."""

    X: np.ndarray

    def __len__(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]


def _scatter_outer(delta: np.ndarray, ndim: int) -> np.ndarray:
    """δδᵀ per component in the scatter's storage shape: (K, D, D), (K, D) or (K,)."""
    if ndim == 3:
        return delta[:, :, None] * delta[:, None, :]
    return delta**2 if ndim == 2 else (delta**2).sum(1)


@dataclass(frozen=True, eq=False)
class GMMStatistics(Statistics):
    """The expected sufficient statistics of a Gaussian mixture under q:

        N_k = Σ_n q_nk,   sum_x_k = Σ_n q_nk x_n,
        scatter_k = Σ_n q_nk (x_n − m_k)(x_n − m_k)ᵀ,  m_k = sum_x_k / N_k   (centred)

    ``scatter`` is (K, D, D) for full/tied, its diagonals (K, D) for diag, its traces (K,)
    for spherical. Centred scatters add by the parallel formula (Chan, Golub & LeVeque 1979):
    S_a + S_b + N_a N_b/(N_a + N_b) (m_b − m_a)(m_b − m_a)ᵀ, never by Σ x xᵀ − N m mᵀ, so no
    digits are lost far from the origin; ``c * s`` scales every field.
    """

    nk: np.ndarray
    sum_x: np.ndarray
    scatter: np.ndarray

    def __add__(self, other: Any) -> Any:
        if type(other) is not type(self):
            return NotImplemented
        n = self.nk + other.nk
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = (other.sum_x / other.nk[:, None]) - (self.sum_x / self.nk[:, None])
            factor = self.nk * other.nk / n
        both = (self.nk > 0) & (other.nk > 0)
        delta = np.where(both[:, None], delta, 0.0)
        factor = np.where(both, factor, 0.0)
        extra = factor.reshape((-1,) + (1,) * (self.scatter.ndim - 1)) * _scatter_outer(
            delta, self.scatter.ndim)
        return type(self)(n, self.sum_x + other.sum_x, self.scatter + other.scatter + extra)

    @property
    def n_features(self) -> int:
        return self.sum_x.shape[1]

    def total(self) -> tuple[float, np.ndarray, np.ndarray]:
        """(N, the data mean, the data's scatter) pooled over the components."""
        n = float(self.nk.sum())
        mean = self.sum_x.sum(0) / n
        with np.errstate(invalid="ignore", divide="ignore"):
            m = np.where((self.nk > 0)[:, None], self.sum_x / self.nk[:, None], mean)
        between = self.nk.reshape((-1,) + (1,) * (self.scatter.ndim - 1)) * _scatter_outer(
            m - mean, self.scatter.ndim)
        return n, mean, (self.scatter + between).sum(0)


@dataclass(frozen=True, eq=False)
class GMMPosterior:
    """q(Z) of a Gaussian mixture: the (n, K) responsibilities, their statistics and Σ q ln q.

    Made by one pass of the engine, so the M step (:meth:`GaussianMixtureModel.m_step`) and
    the next bound need no pass of their own. ``np.asarray(posterior)`` is the table.
    """

    responsibilities: np.ndarray
    statistics: GMMStatistics
    neg_entropy: float

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if copy or (dtype is not None and np.dtype(dtype) != self.responsibilities.dtype):
            return np.array(self.responsibilities, dtype=dtype, copy=True)
        return self.responsibilities

    def __getitem__(self, key: Any) -> Any:
        return self.responsibilities[key]

    def __len__(self) -> int:
        return len(self.responsibilities)

    @property
    def shape(self) -> tuple[int, int]:
        return self.responsibilities.shape

    def sum(self, *args: Any, **kwargs: Any) -> Any:
        """As ``np.sum`` of the responsibilities."""
        return self.responsibilities.sum(*args, **kwargs)

    def argmax(self, *args: Any, **kwargs: Any) -> Any:
        """As ``np.argmax`` of the responsibilities."""
        return self.responsibilities.argmax(*args, **kwargs)


def _max_spread(n: int, d: int) -> float:
    """The largest column range whose squared sums stay below 1e306 (no overflow)."""
    return math.sqrt(1e306 / max(1, n * d))


# -- the model ------------------------------------------------------------------------------
class GaussianMixtureModel(StatisticsModel):
    """The Gaussian mixture as an :class:`~emlib.em.EMModel` (chapter ``06_gmm``).

    E step :func:`textbook_e_step`, M step :func:`textbook_m_step` (plus ``reg_covar``·I),
    computed by :mod:`emlib._gmm_engine`: ``evaluate`` gives ln p, the posterior γ (a
    :class:`GMMPosterior` carrying its :class:`GMMStatistics`), L(q, θ) and KL(q‖γ), and
    L and KL at q = γ, in one chunked pass (at most ``chunk_size`` rows at a time).
    ``m_step`` = ``params_from_statistics`` ∘ ``expected_statistics``.
    """

    #: Warn when a covariance is held positive definite only by ``reg_covar``.
    warn_singular: bool = True

    def __init__(self, n_components: int, covariance_type: str = "full", *,
                 reg_covar: float = 1e-6, init_params: str = "kmeans",
                 chunk_size: int = 4096) -> None:
        self.n_components = check_int(n_components, "n_components", low=1)
        self.covariance_type = _check_covariance_type(covariance_type)
        self.reg_covar = check_real(reg_covar, "reg_covar", low=0.0)
        self.init_method = _check_init_method(init_params)
        self.chunk_size = check_int(chunk_size, "chunk_size", low=1)

    # -- data, θ and q ----------------------------------------------------------------------
    def validate_data(self, X: Any) -> GMMData:
        """X as :class:`GMMData`: a finite (n, D) float array (1-D input: one column) whose
        spread lets squared distances be summed without overflow."""
        if isinstance(X, GMMData):
            return X
        array = as_float_array(X, "X", ndim=(1, 2))
        if array.ndim == 1:
            array = array[:, None]
        if array.shape[1] < 1 or array.shape[0] < 1:
            raise ValueError(f"X must have at least one row and one column, got {array.shape}")
        with np.errstate(over="ignore"):
            spread = float(np.max(array.max(axis=0) - array.min(axis=0)))
        limit = _max_spread(*array.shape)
        if not spread <= limit:
            raise ValueError(f"X spans {spread:.3g} in one column; a Gaussian mixture sums "
                             f"squared distances, which overflow beyond a range of {limit:.3g} "
                             "for this many values: rescale X (e.g. divide by its largest "
                             "absolute value)")
        top = float(np.max(np.abs(array)))
        if not top <= limit:  # the M step forms μ_k μ_kᵀ from the means (1e300² overflows)
            raise ValueError(f"X has values up to {top:.3g}: the M step's products of means "
                             f"overflow beyond {limit:.3g}; shift X towards the origin "
                             "(subtract its mean) or rescale it")
        return GMMData(array)

    def _check_enough_rows(self, data: GMMData) -> None:
        if len(data) < self.n_components:
            raise ValueError(f"n_components={self.n_components} must be <= n_samples="
                             f"{len(data)} (X has too few rows to start from)")

    def _check_params(self, params: Any, d: int) -> GMMParams:
        if not isinstance(params, GMMParams):
            raise TypeError(f"params must be GMMParams, got {type(params).__name__}")
        if params.covariance_type != self.covariance_type:
            raise ValueError(f"params have covariance_type={params.covariance_type!r} but the "
                             f"model has {self.covariance_type!r}")
        if params.n_components != self.n_components or params.n_features != d:
            raise ValueError(f"params are for K={params.n_components}, D={params.n_features}; "
                             f"the model has K={self.n_components} and the data D={d}")
        return params

    def _check_posterior(self, q: Any, n: int) -> np.ndarray:
        if isinstance(q, GMMPosterior):  # made by this module's engine: checked already
            if q.responsibilities.shape != (n, self.n_components):
                raise ValueError(f"posterior must have shape ({n}, {self.n_components}), "
                                 f"got {q.responsibilities.shape}")
            return q.responsibilities
        q = np.asarray(q, dtype=float)
        if q.shape != (n, self.n_components):
            raise ValueError(f"posterior must have shape ({n}, {self.n_components}), "
                             f"got {q.shape}")
        if not np.all(np.isfinite(q)) or np.any(q < 0):
            raise ValueError("posterior must be finite and non-negative")
        return q

    # -- the one pass -----------------------------------------------------------------------
    def evaluate(self, X: Any, params: GMMParams, posterior: Any = None) -> Evaluation:
        """ln p(X|θ), γ = p(Z|X,θ), L(q,θ) and KL(q‖γ) for q = ``posterior`` (default γ),
        and L(γ,θ) = ln p, KL(γ‖γ) = 0: one pass, which also gives γ's statistics.

        L(q, θ) = Σ_nk q_nk (ln π_k N(x_n|μ_k,Σ_k) − ln q_nk);  KL(q‖γ) = ln p − L(q, θ).
        """
        data = self.validate_data(X)
        self._check_params(params, data.n_features)
        q = None if posterior is None else self._check_posterior(posterior, len(data))
        carried = posterior.neg_entropy if isinstance(posterior, GMMPosterior) else None
        res = engine.one_pass(data.X, params, self.chunk_size, q,
                              want_q_entropy=q is not None and carried is None)
        gamma = res.resp
        gamma.setflags(write=False)
        scatter_sum, scatter = engine.raw_to_centred(
            self.covariance_type, data.X, gamma, res.nk, res.s1, res.s2, res.center,
            self.chunk_size)
        stats = GMMStatistics(res.nk, scatter_sum, scatter)
        log_p = float(res.log_norm.sum())
        # Σ γ ln γ = Σ γ (ln p(x,z|θ) − ln p(x|θ)), so L(γ, θ) = Σ_n ln p(x_n|θ) and KL = 0
        exact = GMMPosterior(gamma, stats, res.gamma_log_joint - log_p)
        if q is None:
            return Evaluation(log_p, exact, log_p, 0.0, log_p, 0.0)
        neg_entropy = res.q_neg_entropy if carried is None else carried
        bound = res.q_log_joint - neg_entropy
        return Evaluation(log_p, exact, float(bound), float(res.q_norm - bound), log_p, 0.0)

    def e_step(self, X: Any, params: GMMParams) -> np.ndarray:
        """γ_nk = π_k N(x_n|μ_k,Σ_k) / Σ_j π_j N(x_n|μ_j,Σ_j), the (n, K) table.

        (:func:`~emlib.em.run` and :class:`~emlib.em.Stepper` take the posterior from
        :meth:`evaluate` instead: a :class:`GMMPosterior` that also carries the statistics.)
        """
        return self.evaluate(X, params).posterior.responsibilities

    def log_likelihood(self, X: Any, params: GMMParams) -> float:
        """ln p(X|θ) = Σ_n ln Σ_k π_k N(x_n | μ_k, Σ_k) (log-sum-exp)."""
        return self.evaluate(X, params).log_likelihood

    def lower_bound(self, X: Any, posterior: Any, params: GMMParams) -> float:
        """L(q, θ) = Σ_nk q_nk (ln π_k N(x_n|μ_k,Σ_k) − ln q_nk)."""
        return self.evaluate(X, params, posterior).lower_bound

    def kl_divergence(self, X: Any, posterior: Any, params: GMMParams) -> float:
        """KL(q‖γ) = Σ_nk q_nk (ln q_nk − ln γ_nk)."""
        return self.evaluate(X, params, posterior).kl

    def score_samples(self, X: Any, params: GMMParams) -> np.ndarray:
        """(n,) values ln p(x_n | θ); each depends on its own row and θ only."""
        data = self.validate_data(X)
        self._check_params(params, data.n_features)
        return engine.one_pass(data.X, params, self.chunk_size, want_stats=False).log_norm

    def log_joint(self, X: Any, params: GMMParams) -> np.ndarray:
        """(n, K) table ln π_k + ln N(x_n | μ_k, Σ_k) (the whole table: for teaching/tests)."""
        data = self.validate_data(X)
        self._check_params(params, data.n_features)
        return engine.log_joint_table(data.X, params, self.chunk_size)

    # -- the M step through the statistics ----------------------------------------------------
    def expected_statistics(self, X: Any, posterior: Any) -> GMMStatistics:
        """N_k = Σ_n q_nk, Σ_n q_nk x_n and the centred scatter Σ_n q_nk (x_n − m_k)(x_n − m_k)ᵀ.

        A :class:`GMMPosterior` already carries them (no pass); for a plain (n, K) table
        they are computed by the two-pass formula (means first, then the centred scatter).
        """
        data = self.validate_data(X)
        if isinstance(posterior, GMMPosterior) and len(posterior) == len(data):
            return posterior.statistics
        q = self._check_posterior(posterior, len(data))
        nk = q.sum(axis=0)
        sum_x = q.T @ data.X
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where((nk > 0)[:, None], sum_x / nk[:, None], 0.0)
        scatter = engine.exact_scatter(self.covariance_type, data.X, q, means,
                                       np.arange(self.n_components), self.chunk_size)
        return GMMStatistics(nk, sum_x, scatter)

    def params_from_statistics(self, stats: GMMStatistics) -> GMMParams:
        """N_k (+10ε, as scikit-learn); π_k = N_k/N; μ_k = Σ q x / N_k; Σ_k = scatter_k/N_k
        + reg_covar·I. Tied: the pooled Σ_k scatter_k / N; diag: the diagonals; spherical:
        the mean of the diagonal. An empty component gets the data's mean and covariance."""
        if not isinstance(stats, GMMStatistics):
            raise TypeError(f"stats must be GMMStatistics, got {type(stats).__name__}")
        d, k = stats.n_features, self.n_components
        if stats.nk.shape != (k,):
            raise ValueError(f"stats are for K={stats.nk.shape[0]}, the model has K={k}")
        raw = stats.nk
        nk = raw + _EPS10
        n, mean, total = stats.total()
        means = stats.sum_x / nk[:, None]
        empty = raw < EMPTY_COMPONENT
        means[empty] = mean
        ctype = self.covariance_type
        if ctype == "tied":
            raw_cov = stats.scatter.sum(0) / nk.sum()
        else:
            shape = (-1,) + (1,) * (stats.scatter.ndim - 1)
            raw_cov = stats.scatter / nk.reshape(shape)
            raw_cov[empty] = total / n
        if ctype == "spherical":
            raw_cov = raw_cov / d
        cov = self._covariance_update(raw_cov, nk, d)
        self._warn_collapse(raw, empty, raw_cov)
        try:
            return GMMParams(self._weight_update(nk), means, cov, ctype)
        except ValueError as error:
            raise ValueError(f"M step: {error}. (reg_covar={self.reg_covar:g})") from None

    def _covariance_update(self, raw_cov: np.ndarray, nk: np.ndarray, d: int) -> np.ndarray:
        """Σ from the weighted covariance S (storage shape): the MLE S + reg_covar·I."""
        if self.covariance_type in ("full", "tied"):
            return raw_cov + self.reg_covar * np.eye(raw_cov.shape[-1])
        return raw_cov + self.reg_covar

    def _weight_update(self, nk: np.ndarray) -> np.ndarray:
        """π from N_k: the MLE N_k / N (the Lagrange multiplier is λ = −N)."""
        return nk / nk.sum()

    def _warn_collapse(self, raw: np.ndarray, empty: np.ndarray, raw_cov: np.ndarray) -> None:
        if np.any(empty):
            idx = np.flatnonzero(empty).tolist()
            warnings.warn(ComponentCollapseWarning(
                f"component(s) {idx} lost all their points (N_k = "
                f"{', '.join(f'{v:.3g}' for v in raw[empty])}); parked at the data mean and "
                "covariance with weight ≈ 0. Try fewer components or another start."),
                stacklevel=4)
        if not self.warn_singular:
            return
        if self.covariance_type in ("full", "tied"):
            smallest = np.linalg.eigvalsh(raw_cov if raw_cov.ndim == 3 else raw_cov[None]).min(-1)
        elif self.covariance_type == "diag":
            smallest = raw_cov.min(-1)
        else:
            smallest = raw_cov
        smallest = np.atleast_1d(smallest)
        singular = smallest <= self.reg_covar
        if self.covariance_type != "tied":
            singular &= ~empty
        if np.any(singular):
            idx = np.flatnonzero(singular).tolist()
            which = "the tied covariance" if self.covariance_type == "tied" else \
                f"component(s) {idx}"
            warnings.warn(ComponentCollapseWarning(
                f"{which} collapsed: smallest variance "
                f"{', '.join(f'{v:.3g}' for v in smallest[singular])} <= reg_covar="
                f"{self.reg_covar:g}; only reg_covar keeps the covariance positive definite "
                "(ln p can grow without bound on a single point)."), stacklevel=4)

    # -- θ⁽⁰⁾ -------------------------------------------------------------------------------
    def params_from_responsibilities(self, X: Any, resp: Any) -> GMMParams:
        """The M step applied to given responsibilities (how every init ends)."""
        return self.m_step(X, np.asarray(resp, float))

    def initial_responsibilities(self, X: Any, rng: np.random.Generator) -> np.ndarray:
        """Responsibilities of ``init_params``: k-Means labels (one-hot), k-means++ seeds
        (one point per component), uniform random rows, or random data points."""
        data = self.validate_data(X)
        self._check_enough_rows(data)
        n, k = len(data), self.n_components
        resp = np.zeros((n, k))
        if self.init_method == "kmeans":
            resp[np.arange(n), _kmeans_labels(data, k, rng)] = 1.0
        elif self.init_method == "k-means++":
            resp[kmeans_plusplus_indices(data.X, k, rng), np.arange(k)] = 1.0
        elif self.init_method == "random":
            resp = rng.uniform(size=(n, k))
            resp /= resp.sum(axis=1, keepdims=True)
        else:
            resp[rng.choice(n, size=k, replace=False), np.arange(k)] = 1.0
        return resp

    def init_params(self, X: Any, rng: np.random.Generator) -> GMMParams:
        """θ⁽⁰⁾ from :meth:`initial_responsibilities` and one M step (as scikit-learn)."""
        data = self.validate_data(X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ComponentCollapseWarning)
            return self.params_from_responsibilities(
                data, self.initial_responsibilities(data, check_rng(rng)))


# -- EM for MAP -------------------------------------------------------------------------------
@dataclass(frozen=True)
class GMMPrior:
    """The prior p(θ) of MAP-EM (slides: "M步加一项 ln P(θ)"), chapters 06 and 09.

        π ~ Dirichlet(α, …, α)                         α = ``weight_concentration`` ≥ 1
        full/tied: Σ_k ~ inverse-Wishart(ν, Ψ = ψ I)    ψ = ``covariance_scale`` > 0,
                   p(Σ) ∝ |Σ|^{−(ν+D+1)/2} exp(−½ tr(Ψ Σ⁻¹))   ν = ``degrees_of_freedom`` > D − 1
        diag:      σ²_kd ~ inverse-gamma(ν/2, ψ/2)      (the 1-D inverse-Wishart)
        spherical: σ²_k ~ inverse-gamma(νD/2, ψD/2)
        μ_k:       flat (no prior; the mean update stays Σ q x / N_k)

    ν defaults to D + 2. The prior is not a Normal–inverse-Wishart: the means stay free.
    It adds pseudo-observations: a component on one point keeps Σ ⪰ ψ/(N_k+ν+D+1)·I, and
    π_k ≥ (α−1)/(N+K(α−1)).
    """

    weight_concentration: float = 1.0
    covariance_scale: float = 1e-2
    degrees_of_freedom: float | None = None

    def __post_init__(self) -> None:
        check_real(self.weight_concentration, "weight_concentration", low=1.0)
        check_real(self.covariance_scale, "covariance_scale", low=0.0, low_open=True)
        if self.degrees_of_freedom is not None:
            check_real(self.degrees_of_freedom, "degrees_of_freedom", low=0.0, low_open=True)

    def nu(self, d: int) -> float:
        """ν for D features (default D + 2); must exceed D − 1."""
        nu = float(d + 2) if self.degrees_of_freedom is None else float(self.degrees_of_freedom)
        if nu <= d - 1:
            raise ValueError(f"degrees_of_freedom must be > D − 1 = {d - 1}, got {nu}")
        return nu


class MAPGaussianMixtureModel(GaussianMixtureModel):
    """EM for MAP (chapters ``06_gmm`` and ``09_em_variants``): maximise ln p(X|θ) + ln p(θ),
    θ ~ :class:`GMMPrior`.

    The E step is unchanged; the M step is the posterior mode, maximising
    E_q[ln p(X,Z|θ)] + ln p(θ) (S_k the γ-weighted covariance, N_k S_k the scatter):

        π_k = (N_k + α − 1) / (N + K(α − 1)),   μ_k = Σ_n q_nk x_n / N_k
        full:       Σ_k = (N_k S_k + ψI) / (N_k + ν + D + 1)
        tied:       Σ = (Σ_k N_k S_k + ψI) / (N + ν + D + 1)
        diag:       σ²_kd = (N_k s_kd + ψ) / (N_k + ν + 2)
        spherical:  σ²_k = (N_k D s̄_k + ψD) / (N_k D + νD + 2)

    plus ``reg_covar``·I (default 0: the prior already keeps Σ positive definite).
    ``log_likelihood``, ``lower_bound`` and the trace report ln p(X|θ) + ln p(θ) and
    L(q, θ) + ln p(θ); KL is unchanged, so ln p(X|θ) + ln p(θ) = [L + ln p(θ)] + KL.
    """

    objective_name = "ln p(X|θ) + ln p(θ)"
    warn_singular = False  # the prior, not reg_covar, keeps Σ positive definite

    def __init__(self, n_components: int, covariance_type: str = "full", *,
                 prior: GMMPrior | None = None, reg_covar: float = 0.0,
                 init_params: str = "kmeans", chunk_size: int = 4096) -> None:
        super().__init__(n_components, covariance_type, reg_covar=reg_covar,
                         init_params=init_params, chunk_size=chunk_size)
        if prior is not None and not isinstance(prior, GMMPrior):
            raise TypeError(f"prior must be a GMMPrior, got {type(prior).__name__}")
        self.prior = GMMPrior() if prior is None else prior

    def log_prior(self, params: GMMParams) -> float:
        """ln p(θ) = ln Dir(π | α) + Σ_k ln IW(Σ_k | ν, ψI) (inverse-gamma for diag/spherical),
        ln IW(Σ|ν,Ψ) = (ν/2) ln|Ψ| − (νD/2) ln 2 − ln Γ_D(ν/2) − ((ν+D+1)/2) ln|Σ| − ½ tr(ΨΣ⁻¹)."""
        d = params.n_features
        psi, nu = self.prior.covariance_scale, self.prior.nu(d)
        lp = log_dirichlet(params.weights, self.prior.weight_concentration)
        u = params.precisions_cholesky
        if self.covariance_type in ("full", "tied"):
            stack = u[None] if self.covariance_type == "tied" else u
            log_det = -2 * np.log(np.diagonal(stack, axis1=1, axis2=2)).sum(1)  # ln|Σ|
            trace_inv = (stack**2).sum((1, 2))  # tr(Σ⁻¹) = ‖U‖²_F
            const = nu * d / 2 * math.log(psi / 2) - multigammaln(nu / 2, d)
            lp += float(np.sum(const - (nu + d + 1) / 2 * log_det - psi / 2 * trace_inv))
        else:
            shape, scale = (nu / 2, psi / 2) if self.covariance_type == "diag" else (
                nu * d / 2, psi * d / 2)
            var = np.asarray(params.covariances)
            lp += float(np.sum(shape * math.log(scale) - gammaln(shape)
                               - (shape + 1) * np.log(var) - scale / var))
        return lp

    def data_log_likelihood(self, X: Any, params: GMMParams) -> float:
        """ln p(X|θ) alone, without the prior."""
        return super().evaluate(X, params).log_likelihood

    def evaluate(self, X: Any, params: GMMParams, posterior: Any = None) -> Evaluation:
        """As the MLE model's, with ln p(θ) added to ln p(X|θ) and to both bounds."""
        ev = super().evaluate(X, params, posterior)
        lp = self.log_prior(params)
        return Evaluation(ev.log_likelihood + lp, ev.posterior, ev.lower_bound + lp, ev.kl,
                          ev.posterior_lower_bound + lp, ev.posterior_kl)

    def _covariance_update(self, raw_cov: np.ndarray, nk: np.ndarray, d: int) -> np.ndarray:
        psi, nu = self.prior.covariance_scale, self.prior.nu(d)
        if self.covariance_type == "full":
            scale = (nk + nu + d + 1)[:, None, None]
            cov = (nk[:, None, None] * raw_cov + psi * np.eye(d)) / scale
        elif self.covariance_type == "tied":
            n = nk.sum()
            cov = (n * raw_cov + psi * np.eye(d)) / (n + nu + d + 1)
        elif self.covariance_type == "diag":
            cov = (nk[:, None] * raw_cov + psi) / (nk + nu + 2)[:, None]
        else:
            cov = (nk * d * raw_cov + psi * d) / (nk * d + nu * d + 2)
        return super()._covariance_update(cov, nk, d)

    def _weight_update(self, nk: np.ndarray) -> np.ndarray:
        return map_weights(nk, self.prior.weight_concentration)


def _kmeans_labels(data: GMMData, k: int, rng: np.random.Generator) -> np.ndarray:
    """Lloyd's k-Means (hard EM, chapter 05) from k-means++ seeds: the label of each row."""
    return KMeans(k, init="k-means++", tol=0.0, max_iter=100, random_state=rng).fit(data.X).labels_


# -- the estimator ----------------------------------------------------------------------------
def _check_init_arrays(weights_init: Any, means_init: Any, precisions_init: Any, k: int, d: int,
                       covariance_type: str) -> tuple:
    w = m = p = None
    if weights_init is not None:
        w = as_float_array(weights_init, "weights_init")
        if w.shape != (k,):
            raise ValueError(f"weights_init must have shape ({k},), got {w.shape}")
        if np.any(w < 0) or np.any(w > 1):
            raise ValueError("weights_init must lie in [0, 1]")
        if not abs(w.sum() - 1.0) <= 1e-8:
            raise ValueError(f"weights_init must sum to 1, got sum {w.sum():.10g}")
    if means_init is not None:
        m = as_float_array(means_init, "means_init")
        if m.shape != (k, d):
            raise ValueError(f"means_init must have shape ({k}, {d}), got {m.shape}")
    if precisions_init is not None:
        p = as_float_array(precisions_init, "precisions_init")
        shape = covariance_shape(covariance_type, k, d)
        if p.shape != shape:
            raise ValueError(f"precisions_init must have shape {shape} for covariance_type="
                             f"{covariance_type!r}, got {p.shape}")
        if covariance_type in ("diag", "spherical"):
            if np.any(p <= 0):
                raise ValueError("precisions_init must be positive")
        else:
            stack = p[None] if p.ndim == 2 else p
            if not np.allclose(stack, np.swapaxes(stack, -1, -2), rtol=1e-10, atol=1e-12):
                raise ValueError("precisions_init must be symmetric")
            if np.any(np.linalg.eigvalsh(stack) <= 0):
                raise ValueError("precisions_init must be positive definite "
                                 "(an eigenvalue is <= 0)")
    return w, m, p


def _covariances_from_precisions(p: np.ndarray, covariance_type: str) -> np.ndarray:
    """Σ = P⁻¹ through the Cholesky factor of P: P = L Lᵀ, Σ = L⁻ᵀ L⁻¹."""
    if covariance_type in ("diag", "spherical"):
        return 1.0 / p
    stack = p[None] if covariance_type == "tied" else p
    lower = np.linalg.cholesky(stack)
    inv = np.linalg.solve(lower, np.broadcast_to(np.eye(stack.shape[-1]), stack.shape))
    cov = np.swapaxes(inv, -1, -2) @ inv
    cov = 0.5 * (cov + np.swapaxes(cov, -1, -2))
    return cov[0] if covariance_type == "tied" else cov


class GaussianMixture(EMEstimator):
    """Gaussian mixture estimator with scikit-learn's parameters and fitted names.

    ``GaussianMixture(n_components=3, covariance_type="full").fit(X)`` then ``weights_``,
    ``means_``, ``covariances_``, ``precisions_``, ``precisions_cholesky_``, ``converged_``,
    ``n_iter_``, ``lower_bound_``, ``trace_`` (the :class:`~emlib.em.Trace`: ln p, L, KL per
    half-step), ``n_parameters_`` (free parameters, for BIC/AIC), and ``score``,
    ``score_samples``, ``predict``, ``predict_proba``, ``sample``, ``bic``, ``aic``.
    Chapter ``06_gmm``. Hyper-parameters are checked by ``fit``, as in scikit-learn.

    Meanings as in scikit-learn: ``tol`` is the threshold on the gain in mean ln p per sample
    of one iteration; ``reg_covar`` is added to every covariance's diagonal; ``weights_init``,
    ``means_init``, ``precisions_init`` override the ``init_params`` start; ``tol=0`` runs
    exactly ``max_iter`` iterations. Differences: one
    initialisation (no ``n_init``); convergence is checked on ln p after each M step (one
    iteration earlier than scikit-learn); ``lower_bound_`` is L(q, θ)/N after the last M step
    (scikit-learn: ln p/N at the θ of the last E step); no final extra E step is needed.
    ``prior=GMMPrior(...)`` fits by MAP-EM (:class:`MAPGaussianMixtureModel`); then the
    trace and ``lower_bound_`` include ln p(θ), while ``score`` stays the mean ln p(x|θ).
    """

    def __init__(self, n_components: int = 1, *, covariance_type: str = "full",
                 tol: float = 1e-3, reg_covar: float = 1e-6, max_iter: int = 100,
                 init_params: str = "kmeans", weights_init: Any = None, means_init: Any = None,
                 precisions_init: Any = None, random_state: np.random.Generator | int | None = None,
                 chunk_size: int = 4096, prior: GMMPrior | None = None) -> None:
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.init_params = init_params
        self.weights_init, self.means_init = weights_init, means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.chunk_size = chunk_size
        self.prior = prior

    def _make_model(self) -> GaussianMixtureModel:
        if self.prior is not None and not isinstance(self.prior, GMMPrior):
            raise TypeError(f"prior must be a GMMPrior or None, got {type(self.prior).__name__}")
        if self.prior is not None:
            return MAPGaussianMixtureModel(self.n_components, self.covariance_type,
                                           prior=self.prior, reg_covar=self.reg_covar,
                                           init_params=self.init_params,
                                           chunk_size=self.chunk_size)
        return GaussianMixtureModel(self.n_components, self.covariance_type,
                                    reg_covar=self.reg_covar, init_params=self.init_params,
                                    chunk_size=self.chunk_size)

    def initial_params(self, X: Any) -> GMMParams:
        """θ⁽⁰⁾ as ``fit`` would start: from ``init_params``, overridden by the ``*_init``."""
        self._check_loop_hyperparameters()
        model = self._make_model()
        return self._initial_params(model, model.validate_data(X),
                                    check_rng(self.random_state, "random_state"))

    def _initial_params(self, model: GaussianMixtureModel, data: GMMData,
                        rng: np.random.Generator) -> GMMParams:
        model._check_enough_rows(data)
        k, d, ctype = model.n_components, data.n_features, model.covariance_type
        w, m, p = _check_init_arrays(self.weights_init, self.means_init, self.precisions_init,
                                     k, d, ctype)
        if w is not None and m is not None and p is not None:
            return GMMParams(w / w.sum(), m, _covariances_from_precisions(p, ctype), ctype)
        base = model.init_params(data, rng)
        return GMMParams(
            base.weights if w is None else w / w.sum(),
            base.means if m is None else m,
            base.covariances if p is None else _covariances_from_precisions(p, ctype),
            ctype)

    def _run_tol(self, X: GMMData) -> float | None:
        # tol = 0 (scikit-learn's way) or None: never stop early, exactly max_iter iterations
        return None if self.tol is None or self.tol == 0 else self.tol * len(X)

    def fit(self, X: Any, y: Any = None) -> GaussianMixture:
        """Run EM from θ⁽⁰⁾ until the mean ln p gains less than ``tol`` or ``max_iter``."""
        super().fit(X, y)
        if not self.converged_ and self.max_iter > 0 and self.tol is not None:
            warnings.warn(ConvergenceWarning(
                f"EM did not converge in max_iter={self.max_iter} iterations (tol={self.tol:g}); "
                "raise max_iter or tol, or check the data."), stacklevel=2)
        return self

    def _set_fitted(self, model: GaussianMixtureModel, X: GMMData, trace: Trace) -> None:
        params: GMMParams = trace.params
        self.weights_ = np.array(params.weights)
        self.means_ = np.array(params.means)
        self.covariances_ = np.array(params.covariances)
        self.precisions_cholesky_ = np.array(params.precisions_cholesky)
        self.precisions_ = params.precisions()
        self.lower_bound_ = self.lower_bound_ / len(X)  # per sample, as scikit-learn
        self.n_features_in_ = d = X.n_features
        k = model.n_components
        cov = {"full": k * d * (d + 1) / 2, "diag": k * d, "tied": d * (d + 1) / 2,
               "spherical": k}[model.covariance_type]
        self.n_parameters_ = int(cov + k * d + k - 1)

    def _data(self, X: Any) -> GMMData:
        """Rows to score: finite, with the fitted number of columns (no spread limit: a far
        row scores −∞, as in scikit-learn)."""
        self._check_fitted()
        array = as_float_array(X, "X", ndim=(1, 2))
        array = array[:, None] if array.ndim == 1 else array
        if array.shape[1] != self.n_features_in_ or array.shape[0] < 1:
            raise ValueError(f"X must have shape (n, {self.n_features_in_}), got {array.shape}")
        return GMMData(array)

    def score_samples(self, X: Any) -> np.ndarray:
        """ln p(x_n | θ) for each row (each depends on its own row and θ only)."""
        data = self._data(X)
        return self.model_.score_samples(data, self.params_)

    def score(self, X: Any, y: Any = None) -> float:
        """Mean ln p(x_n | θ) per sample."""
        return float(self.score_samples(X).mean())

    def predict_proba(self, X: Any) -> np.ndarray:
        """The responsibilities γ_nk = p(z_n = k | x_n, θ)."""
        data = self._data(X)
        return engine.one_pass(data.X, self.params_, self.model_.chunk_size,
                               want_stats=False).resp

    def predict(self, X: Any) -> np.ndarray:
        """The most responsible component argmax_k γ_nk of each row."""
        return self.predict_proba(X).argmax(axis=1)

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        """``fit(X)`` then ``predict(X)``."""
        return self.fit(X).predict(X)

    def sample(self, n_samples: int = 1, rng: np.random.Generator | int | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Draw from the fitted mixture: z ~ Cat(π), x | z=k ~ N(μ_k, Σ_k). Returns (X, z)
        with the rows grouped by component (as scikit-learn). ``rng`` defaults to
        ``random_state``."""
        self._check_fitted()
        n = check_int(n_samples, "n_samples", low=1)
        rng = check_rng(self.random_state if rng is None else rng)
        counts = rng.multinomial(n, self.weights_)
        labels = np.repeat(np.arange(len(self.weights_)), counts)
        chol = np.linalg.cholesky(self.params_.full_covariances())
        z = rng.standard_normal((n, self.n_features_in_))
        out = np.empty_like(z)
        start = 0
        for k, c in enumerate(counts):  # a loop over components, not samples
            out[start:start + c] = self.means_[k] + z[start:start + c] @ chol[k].T
            start += c
        return out, labels

    def bic(self, X: Any) -> float:
        """BIC = −2 ln p(X|θ) + (#parameters) ln N (lower is better)."""
        n = len(self._data(X))
        return -2 * self.score(X) * n + self.n_parameters_ * math.log(n)

    def aic(self, X: Any) -> float:
        """AIC = −2 ln p(X|θ) + 2 (#parameters) (lower is better)."""
        n = len(self._data(X))
        return -2 * self.score(X) * n + 2 * self.n_parameters_
