"""Gaussian mixtures fitted by soft EM (chapter ``06_gmm``, 高斯混合模型 GMM).

The model (a mixture model, a density estimator and a graphical model z → x):

    p(x | θ) = Σ_k π_k N(x | μ_k, Σ_k),     π_k ≥ 0,  Σ_k π_k = 1
    z ∈ {0,1}^K, 1-of-K:  p(z_k = 1) = π_k,  p(x | z_k = 1) = N(x | μ_k, Σ_k)

E step (the responsibility, "a very important number", 很重要的一个数):

    γ_nk = p(z_nk = 1 | x_n, θ) = π_k N(x_n|μ_k,Σ_k) / Σ_j π_j N(x_n|μ_j,Σ_j)

M step (set the derivatives of E_q[ln p(X, Z | θ)] to zero; a Lagrange multiplier for Σπ = 1):

    N_k = Σ_n γ_nk,   μ_k = Σ_n γ_nk x_n / N_k,
    Σ_k = Σ_n γ_nk (x_n − μ_k)(x_n − μ_k)ᵀ / N_k + reg_covar·I,   π_k = N_k / N

Four covariance types with scikit-learn's meanings and storage shapes: ``"full"`` (K, D, D),
``"tied"`` (D, D) (one Σ for all components), ``"diag"`` (K, D), ``"spherical"`` (K,).

How it is computed (and why it is fast and lean):

* Everything in log space: ln π_k + ln N(x|μ_k,Σ_k) is a table of log-joints, normalised
  with log-sum-exp, so far-away points never underflow to 0/0.
* Σ_k is factored by Cholesky, Σ_k = L_k L_kᵀ; the precision's factor U_k = L_k⁻ᵀ gives
  ln|Σ_k|^{-1/2} = Σ_i ln U_k,ii and P_k = Σ_k⁻¹ = U_k U_kᵀ. Σ_k is never inverted directly.
* All K Mahalanobis terms in one matrix product: with y = x − c (c = the data mean),
  (x−μ_k)ᵀ P_k (x−μ_k) = yᵀP_k y − 2 (μ_k−c)ᵀ P_k y + (μ_k−c)ᵀ P_k (μ_k−c), and yᵀP_k y is
  linear in the quadratic features y_i y_j (i ≤ j). So [y_i y_j | y] @ W(θ) gives all K at once.
* The M step needs only the sufficient statistics N_k, Σ_n γ_nk y_n and Σ_n γ_nk y_n y_nᵀ,
  i.e. γᵀ[y_i y_j | y]: they are accumulated in the same pass that computes γ.
* The data are processed in chunks of rows, so memory stays O(chunk · D²) beyond X and γ.
* Accuracy: expanding the square loses about ε·(‖μ_k − c‖/σ_k)² of relative precision
  (ε ≈ 2·10⁻¹⁶, σ_k the component's spread). Measured against scikit-learn's two-pass
  formulas: ~1e-12 for standardised data, ~3e-8 for a component 10⁴ of its own standard
  deviations away from the data mean. Standardise extreme data first (as for any GMM).

Collapse (a component shrinking onto a point, where ln p → ∞): ``reg_covar`` keeps every Σ_k
positive definite; a :class:`ComponentCollapseWarning` says which component collapsed, and a
component with no responsibility left (N_k ≈ 0) is parked at the data mean and covariance.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._validation import as_float_array, check_int, check_real, check_rng
from .em import Evaluation, LatentClassModel, Trace, run
from .kmeans import KMeans, kmeans_plusplus_indices

__all__ = [
    "COVARIANCE_TYPES",
    "EMPTY_COMPONENT",
    "INIT_METHODS",
    "ComponentCollapseWarning",
    "ConvergenceWarning",
    "GMMData",
    "GMMParams",
    "GMMPrior",
    "GaussianMixture",
    "GaussianMixtureModel",
    "MAPGaussianMixtureModel",
    "SufficientStatistics",
    "covariance_shape",
]

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
INIT_METHODS = ("kmeans", "k-means++", "random", "random_from_data")
_LOG_2PI = math.log(2 * math.pi)
_EPS10 = 10 * np.finfo(float).eps  # added to every N_k, as scikit-learn does
#: Total responsibility below which a component counts as empty (it has lost every point).
EMPTY_COMPONENT = 1e-8


class ComponentCollapseWarning(UserWarning):
    """A component lost all its points, or its covariance became (near) singular."""


class ConvergenceWarning(UserWarning):
    """EM stopped at ``max_iter`` before the gain in ln p per sample fell below ``tol``."""


def _check_covariance_type(value: Any) -> str:
    if value not in COVARIANCE_TYPES:
        raise ValueError(f"covariance_type must be one of {COVARIANCE_TYPES}, got {value!r}")
    return value


def covariance_shape(covariance_type: str, n_components: int, n_features: int) -> tuple:
    """Storage shape of the covariances (and precisions) for a covariance type."""
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
                         "a component collapsed or the data are degenerate; increase "
                         "reg_covar") from None
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
    """Data checked once: the (n, D) array and its mean c, the centre of the features."""

    X: np.ndarray
    center: np.ndarray

    def __len__(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]


@dataclass(frozen=True)
class SufficientStatistics:
    """What the M step needs from q: N_k = Σ_n q_nk and S = qᵀ[features of x − c] (K, F),
    whose columns are Σ_n q_nk y_i y_j (or y_d², or ‖y‖²) then Σ_n q_nk y; and Σ q ln q."""

    nk: np.ndarray
    s: np.ndarray
    neg_entropy: float


def _quad_index(d: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(d)


class GaussianMixtureModel(LatentClassModel):
    """The Gaussian mixture as an :class:`~emlib.em.EMModel` (chapter ``06_gmm``).

    ``log_joint(X, θ)`` is the (n, K) table ln π_k + ln N(x_n | μ_k, Σ_k); ``evaluate``
    computes ln p, the posterior γ, L(q, θ), KL(q‖p) and γ's sufficient statistics in one
    chunked pass, and remembers the last pass, so that the E step after an M step (same θ)
    and the M step after an E step (same γ) cost nothing. At most ``chunk_size`` rows at a
    time, fewer when D is large (the feature table of a chunk is kept near 2 MiB).
    """

    #: Warn when a covariance is held positive definite only by ``reg_covar``.
    warn_singular: bool = True

    def __init__(self, n_components: int, covariance_type: str = "full", *,
                 reg_covar: float = 1e-6, init_params: str = "kmeans",
                 chunk_size: int = 4096) -> None:
        self.n_components = check_int(n_components, "n_components", low=1)
        self.covariance_type = _check_covariance_type(covariance_type)
        self.reg_covar = check_real(reg_covar, "reg_covar", low=0.0)
        if init_params not in INIT_METHODS:
            raise ValueError(f"init_params must be one of {INIT_METHODS}, got {init_params!r}")
        self.init_method = init_params
        self.chunk_size = check_int(chunk_size, "chunk_size", low=1)
        self._eval_cache: tuple[GMMData, GMMParams, Evaluation] | None = None
        self._stats_cache: tuple[GMMData, np.ndarray, SufficientStatistics] | None = None

    # -- data and features --------------------------------------------------------------
    def validate_data(self, X: Any) -> GMMData:
        """X as :class:`GMMData`: a finite (n, D) float array (1-D input: one column)."""
        if isinstance(X, GMMData):
            return X
        array = as_float_array(X, "X", ndim=(1, 2))
        if array.ndim == 1:
            array = array[:, None]
        if array.shape[1] < 1 or array.shape[0] < 1:
            raise ValueError(f"X must have at least one row and one column, got {array.shape}")
        return GMMData(array, array.mean(axis=0))

    def _check_enough_rows(self, data: GMMData) -> None:
        if len(data) < self.n_components:
            raise ValueError(f"n_components={self.n_components} must be <= n_samples="
                             f"{len(data)} (X has too few rows to start from)")

    def clear_cache(self) -> None:
        """Forget the remembered pass (it holds references to X, θ and γ)."""
        self._eval_cache = self._stats_cache = None

    def _features(self, data: GMMData, sl: slice, out: np.ndarray | None = None
                  ) -> np.ndarray:
        """Feature-major (F, c) table for rows ``sl``: [quadratic features; y] of y = x − c,
        with quadratic features y_i y_j (i ≤ j) for full/tied, y_d² for diag, ‖y‖² for
        spherical. Rows of the table are contiguous, so every product below is streamed."""
        d = data.n_features
        c = sl.stop - sl.start
        nf = self._n_features_total(d)
        f = np.empty((nf, c)) if out is None else out[:, :c]
        nq = nf - d
        y = f[nq:]
        np.subtract(data.X[sl].T, data.center[:, None], out=y)
        if self.covariance_type in ("full", "tied"):
            start = 0
            for i in range(d):
                np.multiply(y[i], y[i:], out=f[start:start + d - i])
                start += d - i
        elif self.covariance_type == "diag":
            np.multiply(y, y, out=f[:d])
        else:
            np.einsum("ij,ij->j", y, y, out=f[0])
        return f

    def _n_features_total(self, d: int) -> int:
        return {"full": d * (d + 1) // 2 + d, "tied": d * (d + 1) // 2 + d,
                "diag": 2 * d, "spherical": 1 + d}[self.covariance_type]

    def _weights(self, params: GMMParams, center: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """W (F, K) and b (K,) with ln p(x, z=k | θ) = [features of x − c] @ W + b."""
        self._check_params(params, center.shape[0])
        d, k = params.n_features, params.n_components
        mu = params.means - center  # (K, D)
        prec = params.precisions()
        if self.covariance_type in ("full", "tied"):
            p = prec if self.covariance_type == "full" else np.broadcast_to(prec, (k, d, d))
            i, j = _quad_index(d)
            quad = (p[:, i, j] * np.where(i == j, 1.0, 2.0)).T  # (nq, K)
            pmu = np.einsum("kij,kj->ki", p, mu)  # P_k μ_k
        else:
            p = prec if self.covariance_type == "diag" else prec[:, None] * np.ones(d)
            quad = prec.T if self.covariance_type == "diag" else prec[None, :]
            pmu = p * mu
        linear = -2.0 * pmu.T  # (D, K)
        const = np.einsum("kd,kd->k", pmu, mu)
        with np.errstate(divide="ignore"):
            log_w = np.log(params.weights)
        b = log_w + params.log_det_precision_cholesky() - 0.5 * d * _LOG_2PI - 0.5 * const
        return -0.5 * np.vstack([quad, linear]), b

    def _check_params(self, params: GMMParams, d: int) -> None:
        if not isinstance(params, GMMParams):
            raise TypeError(f"params must be GMMParams, got {type(params).__name__}")
        if params.covariance_type != self.covariance_type:
            raise ValueError(f"params have covariance_type={params.covariance_type!r} but the "
                             f"model has {self.covariance_type!r}")
        if params.n_components != self.n_components or params.n_features != d:
            raise ValueError(f"params are for K={params.n_components}, D={params.n_features}; "
                             f"the model has K={self.n_components} and the data D={d}")

    def _rows_per_chunk(self, d: int) -> int:
        return max(1, min(self.chunk_size, max(64, 2**18 // self._n_features_total(d))))

    def _chunks(self, n: int, d: int):
        rows = self._rows_per_chunk(d)
        for start in range(0, n, rows):
            yield slice(start, min(n, start + rows))

    # -- the one pass ---------------------------------------------------------------------
    def _pass(self, data: GMMData, params: GMMParams, q: np.ndarray | None = None, *,
              want_stats: bool = True, want_rows: bool = False) -> tuple[Evaluation, Any]:
        """ln p, γ (and its statistics), L(q, θ), KL(q‖γ) in one pass over chunks of rows."""
        n = len(data)
        W, b = self._weights(params, data.center)
        WT, bc = np.ascontiguousarray(W.T), b[:, None]
        impossible = bool(np.any(np.isinf(b)))  # a weight of exactly 0
        k = params.n_components
        post = np.empty((n, k))
        rows = np.empty(n) if want_rows else None
        buf = np.empty((W.shape[0], min(n, self._rows_per_chunk(data.n_features))))
        nk, s = np.zeros(k), np.zeros((k, W.shape[0]))
        ll = g_lj = g_norm = q_lj = q_norm = 0.0
        for sl in self._chunks(n, data.n_features):
            f = self._features(data, sl, buf)  # (F, c)
            lj = WT @ f  # (K, c): ln π_k + ln N(x_n | μ_k, Σ_k)
            lj += bc
            top = lj.max(axis=0)
            g = np.exp(lj - top)
            total = g.sum(axis=0)
            g /= total
            norm = np.log(total)
            norm += top  # ln p(x_n | θ), by log-sum-exp
            post[sl] = g.T
            ll += norm.sum()
            if want_rows:
                rows[sl] = norm
            if want_stats:
                gsum = g.sum(axis=0)
                nk += g.sum(axis=1)
                s += g @ f.T
                g_lj += _q_dot(g, lj, impossible)
                g_norm += norm @ gsum
            if q is not None:
                qs = np.ascontiguousarray(q[sl].T)
                q_lj += _q_dot(qs, lj, impossible)
                q_norm += norm @ qs.sum(axis=0)
        # For q = γ itself: Σ γ ln γ = Σ γ (ln p(x,z|θ) − ln p(x|θ)), so L(γ, θ) = Σ_n ln p(x_n|θ)
        # Σ_k γ_nk (= ln p up to rounding) and KL(γ‖γ) = 0.
        neg_ent = g_lj - g_norm
        exact_eval = Evaluation(float(ll), post, float(g_norm) if want_stats else float(ll), 0.0)
        stats = SufficientStatistics(nk, s, float(neg_ent)) if want_stats else None
        if q is None:
            evaluation = exact_eval
        else:
            q_neg_ent = self._neg_entropy(data, q)
            evaluation = Evaluation(float(ll), post, float(q_lj - q_neg_ent),
                                    float(q_neg_ent - q_lj + q_norm))
        return evaluation, (exact_eval, stats, rows)

    def _neg_entropy(self, data: GMMData, q: np.ndarray) -> float:
        """Σ q ln q (0 ln 0 = 0); remembered for the posterior of the last pass."""
        cache = self._stats_cache
        if cache is not None and cache[0] is data and cache[1] is q:
            return cache[2].neg_entropy
        total = 0.0
        for sl in self._chunks(len(data), data.n_features):
            qs = q[sl]
            with np.errstate(divide="ignore"):
                total += float(np.sum(qs * np.log(np.where(qs > 0, qs, 1.0))))
        return total

    def evaluate(self, X: Any, params: GMMParams, posterior: np.ndarray | None = None
                 ) -> Evaluation:
        """ln p(X|θ), γ = p(Z|X,θ), and L(q,θ), KL(q‖γ) for q = ``posterior`` (default γ).

        One pass; it also accumulates γ's sufficient statistics for the next M step.
        """
        data = self.validate_data(X)
        cache = self._eval_cache
        if posterior is None and cache is not None and cache[0] is data and cache[1] is params:
            return cache[2]
        q = None if posterior is None else self._check_posterior(posterior, len(data))
        evaluation, (exact_eval, stats, _) = self._pass(data, params, q)
        exact_eval.posterior.setflags(write=False)  # remembered below: keep it unchanged
        self._eval_cache = (data, params, exact_eval)
        self._stats_cache = (data, exact_eval.posterior, stats)
        return evaluation

    def _check_posterior(self, q: Any, n: int) -> np.ndarray:
        q = np.asarray(q, dtype=float)
        if q.shape != (n, self.n_components):
            raise ValueError(f"posterior must have shape ({n}, {self.n_components}), "
                             f"got {q.shape}")
        return q

    # -- the EMModel protocol ------------------------------------------------------------
    def e_step(self, X: Any, params: GMMParams) -> np.ndarray:
        """γ_nk = exp(ln π_k + ln N(x_n|μ_k,Σ_k) − ln Σ_j π_j N(x_n|μ_j,Σ_j))."""
        return self.evaluate(X, params).posterior

    def log_likelihood(self, X: Any, params: GMMParams) -> float:
        """ln p(X|θ) = Σ_n ln Σ_k π_k N(x_n | μ_k, Σ_k) (log-sum-exp)."""
        return self.evaluate(X, params).log_likelihood

    def lower_bound(self, X: Any, posterior: np.ndarray, params: GMMParams) -> float:
        """L(q, θ) = Σ_nk q_nk (ln π_k N(x_n|μ_k,Σ_k) − ln q_nk)."""
        return self.evaluate(X, params, posterior).lower_bound

    def kl_divergence(self, X: Any, posterior: np.ndarray, params: GMMParams) -> float:
        """KL(q‖γ) = Σ_nk q_nk (ln q_nk − ln γ_nk)."""
        return self.evaluate(X, params, posterior).kl

    def score_samples(self, X: Any, params: GMMParams) -> np.ndarray:
        """(n,) values ln p(x_n | θ)."""
        data = self.validate_data(X)
        _, (_, _, rows) = self._pass(data, params, want_stats=False, want_rows=True)
        return rows

    def log_joint(self, X: Any, params: GMMParams) -> np.ndarray:
        """(n, K) table ln π_k + ln N(x_n | μ_k, Σ_k) (the whole table: for teaching/tests)."""
        data = self.validate_data(X)
        W, b = self._weights(params, data.center)
        out = np.empty((len(data), params.n_components))
        for sl in self._chunks(len(data), data.n_features):
            out[sl] = self._features(data, sl).T @ W + b
        return out

    def sufficient_statistics(self, X: Any, posterior: Any) -> SufficientStatistics:
        """N_k and qᵀ[features] of the centred data for any q (one pass)."""
        data = self.validate_data(X)
        q = self._check_posterior(posterior, len(data))
        if np.any(q < 0) or not np.all(np.isfinite(q)):
            raise ValueError("posterior must be finite and non-negative")
        cache = self._stats_cache
        if cache is not None and cache[0] is data and cache[1] is q:
            return cache[2]
        nf = self._n_features_total(data.n_features)
        nk, s = q.sum(axis=0), np.zeros((self.n_components, nf))
        for sl in self._chunks(len(data), data.n_features):
            s += q[sl].T @ self._features(data, sl).T
        return SufficientStatistics(nk, s, float("nan"))

    def m_step(self, X: Any, posterior: np.ndarray) -> GMMParams:
        """N_k = Σγ_nk (+10ε); π_k = N_k/N; μ_k = Σγ_nk x_n/N_k; Σ_k = Σγ_nk(x_n−μ_k)(x_n−μ_k)ᵀ/N_k.

        From the sufficient statistics: with y = x − c, S1_k = Σγ_nk y_n, S2_k = Σγ_nk y_n y_nᵀ,
        Σ_k = (S2_k − (2N_k − N_k^raw) m_k m_kᵀ)/N_k + reg_covar·I, m_k = S1_k/N_k (which is
        exactly the weighted covariance about μ_k). Tied: the pooled
        Σ = (Σ_k S2_k − Σ_k N_k m_k m_kᵀ)/Σ_k N_k; diag: the diagonals; spherical: their mean.
        """
        data = self.validate_data(X)
        stats = self.sufficient_statistics(data, posterior)
        return self._params_from_stats(data, stats)

    def _params_from_stats(self, data: GMMData, stats: SufficientStatistics) -> GMMParams:
        d, k, reg = data.n_features, self.n_components, self.reg_covar
        n = len(data)
        nq = self._n_features_total(d) - d
        raw = stats.nk
        nk = raw + _EPS10
        s2, s1 = stats.s[:, :nq], stats.s[:, nq:]
        m = s1 / nk[:, None]  # centred means
        empty = raw < EMPTY_COMPONENT
        shrink = 2.0 - raw / nk  # 1 up to 10ε/N_k (exact weighted covariance about m_k)
        total2 = s2.sum(0)  # Σ_n y y features (all data)
        if self.covariance_type in ("full", "tied"):
            i, j = _quad_index(d)
            sq = np.zeros((k, d, d))
            sq[:, i, j] = s2
            sq[:, j, i] = s2
            outer = m[:, :, None] * m[:, None, :]
            if self.covariance_type == "full":
                raw_cov = sq / nk[:, None, None] - shrink[:, None, None] * outer
                raw_cov[empty] = sq.sum(0) / n  # the data covariance
            else:
                raw_cov = (sq.sum(0) - np.einsum("k,kij->ij", nk, outer)) / nk.sum()
        elif self.covariance_type == "diag":
            raw_cov = s2 / nk[:, None] - m**2
            raw_cov[empty] = total2 / n
        else:
            raw_cov = (s2[:, 0] / nk - (m**2).sum(1)) / d
            raw_cov[empty] = total2[0] / n / d
        cov = self._covariance_update(raw_cov, nk, d)
        m[empty] = 0.0  # the data mean
        self._warn_collapse(raw, empty, raw_cov)
        weights = self._weight_update(nk)
        try:
            return GMMParams(weights, m + data.center, cov, self.covariance_type)
        except ValueError as error:
            raise ValueError(f"M step: {error}. (reg_covar={reg:g})") from None

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
        data = self.validate_data(X)
        stats = self.sufficient_statistics(data, np.asarray(resp, float))
        return self._params_from_stats(data, stats)

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


@dataclass(frozen=True)
class GMMPrior:
    """A prior p(θ) for MAP-EM (EM for MAP, slides: "M步加一项 ln P(θ)"); means stay flat.

    * weights: Dirichlet(π | α, …, α), ``weight_concentration`` α ≥ 1 (α = 1: flat);
    * full / tied: Σ ~ inverse-Wishart(Ψ = ψ·I, ν), ``covariance_scale`` ψ > 0,
      ``degrees_of_freedom`` ν > D − 1 (default D + 2);
    * diag: every σ²_kd ~ inverse-gamma(ν/2, ψ/2) (the 1-D inverse-Wishart);
    * spherical: σ²_k ~ inverse-gamma(νD/2, ψD/2).

    The prior adds pseudo-observations: a component with no points keeps Σ ≈ ψ/(ν+D+1)·I
    instead of collapsing, and π_k ≥ (α−1)/(N+K(α−1)).
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
        nu = float(d + 2) if self.degrees_of_freedom is None else float(self.degrees_of_freedom)
        if nu <= d - 1:
            raise ValueError(f"degrees_of_freedom must be > D − 1 = {d - 1}, got {nu}")
        return nu


def _log_multigamma(x: float, d: int) -> float:
    return d * (d - 1) / 4 * math.log(math.pi) + sum(math.lgamma(x + (1 - j) / 2)
                                                     for j in range(1, d + 1))


class MAPGaussianMixtureModel(GaussianMixtureModel):
    """EM for MAP (chapter ``06_gmm``): the objective is ln p(X|θ) + ln p(θ), θ ~ :class:`GMMPrior`.

    The E step is unchanged; the M step maximises E_q[ln p(X,Z|θ)] + ln p(θ):

        π_k = (N_k + α − 1) / (N + K(α − 1))
        full:       Σ_k = (N_k S_k + ψI) / (N_k + ν + D + 1)
        tied:       Σ = (Σ_k N_k S_k + ψI) / (N + ν + D + 1)
        diag:       σ²_kd = (N_k s_kd + ψ) / (N_k + ν + 2)
        spherical:  σ²_k = (N_k D s̄_k + ψD) / (N_k D + νD + 2)

    (S_k the γ-weighted covariance, s̄_k the mean of its diagonal), plus ``reg_covar``·I
    (default 0 here: the prior already keeps Σ positive definite). ``log_likelihood``,
    ``lower_bound`` and the trace report the MAP objective: ln p(X|θ) + ln p(θ) and
    L(q, θ) + ln p(θ); KL is unchanged.
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
        """ln p(θ) = ln Dir(π | α) + Σ ln p(Σ_k) (inverse-Wishart / inverse-gamma)."""
        k, d = params.n_components, params.n_features
        a, psi, nu = self.prior.weight_concentration, self.prior.covariance_scale, self.prior.nu(d)
        with np.errstate(divide="ignore"):
            log_w = np.log(params.weights)
        lp = math.lgamma(k * a) - k * math.lgamma(a) + (
            float((a - 1) * log_w.sum()) if a != 1 else 0.0)
        u = params.precisions_cholesky
        if self.covariance_type in ("full", "tied"):
            stack = u[None] if self.covariance_type == "tied" else u
            log_det = -2 * np.log(np.diagonal(stack, axis1=1, axis2=2)).sum(1)  # ln|Σ|
            trace_inv = (stack**2).sum((1, 2))  # tr(Σ⁻¹) = ‖U‖²
            const = nu * d / 2 * math.log(psi) - nu * d / 2 * math.log(2) - _log_multigamma(
                nu / 2, d)
            lp += float(np.sum(const - (nu + d + 1) / 2 * log_det - psi / 2 * trace_inv))
        else:
            shape, scale = (nu / 2, psi / 2) if self.covariance_type == "diag" else (
                nu * d / 2, psi * d / 2)
            var = np.asarray(params.covariances)
            lp += float(np.sum(shape * math.log(scale) - math.lgamma(shape)
                               - (shape + 1) * np.log(var) - scale / var))
        return lp

    def evaluate(self, X: Any, params: GMMParams, posterior: np.ndarray | None = None
                 ) -> Evaluation:
        """As the MLE model's, with ln p(θ) added to ln p(X|θ) and to L(q, θ)."""
        ev = super().evaluate(X, params, posterior)
        lp = self.log_prior(params)
        return Evaluation(ev.log_likelihood + lp, ev.posterior, ev.lower_bound + lp, ev.kl)

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
        a = self.prior.weight_concentration
        w = nk + (a - 1)
        return w / w.sum()


def _q_dot(q: np.ndarray, lj: np.ndarray, masked: bool) -> float:
    """Σ q·lj with 0·(−∞) = 0 (only needed when a weight is exactly 0)."""
    if masked:
        return float(np.sum(np.where(q > 0, q * np.where(np.isfinite(lj), lj, 0.0), 0.0))
                     + (-np.inf if np.any((q > 0) & np.isinf(lj)) else 0.0))
    return float(np.vdot(q, lj))


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


class GaussianMixture:
    """Gaussian mixture estimator with scikit-learn's parameters and fitted names.

    ``GaussianMixture(n_components=3, covariance_type="full").fit(X)`` then ``weights_``,
    ``means_``, ``covariances_``, ``precisions_``, ``precisions_cholesky_``, ``converged_``,
    ``n_iter_``, ``lower_bound_``, ``trace_`` (the :class:`~emlib.em.Trace`: ln p, L, KL per
    half-step), and ``score``, ``score_samples``, ``predict``, ``predict_proba``, ``sample``,
    ``bic``, ``aic``. Chapter ``06_gmm``.

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
        self.n_components = check_int(n_components, "n_components", low=1)
        self.covariance_type = _check_covariance_type(covariance_type)
        self.tol = check_real(tol, "tol", low=0.0)
        self.reg_covar = check_real(reg_covar, "reg_covar", low=0.0)
        self.max_iter = check_int(max_iter, "max_iter", low=0)
        if init_params not in INIT_METHODS:
            raise ValueError(f"init_params must be one of {INIT_METHODS}, got {init_params!r}")
        self.init_params = init_params
        self.weights_init, self.means_init = weights_init, means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.chunk_size = check_int(chunk_size, "chunk_size", low=1)
        if prior is not None and not isinstance(prior, GMMPrior):
            raise TypeError(f"prior must be a GMMPrior or None, got {type(prior).__name__}")
        self.prior = prior

    def _model(self) -> GaussianMixtureModel:
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
        model = self._model()
        return self._initial(model, model.validate_data(X))

    def _initial(self, model: GaussianMixtureModel, data: GMMData) -> GMMParams:
        k, d = self.n_components, data.n_features
        w, m, p = _check_init_arrays(self.weights_init, self.means_init, self.precisions_init,
                                     k, d, self.covariance_type)
        if w is not None and m is not None and p is not None:
            return GMMParams(w / w.sum(), m, _covariances_from_precisions(p, self.covariance_type),
                             self.covariance_type)
        base = model.init_params(data, check_rng(self.random_state))
        return GMMParams(
            base.weights if w is None else w / w.sum(),
            base.means if m is None else m,
            base.covariances if p is None else _covariances_from_precisions(
                p, self.covariance_type),
            self.covariance_type)

    def fit(self, X: Any, y: Any = None) -> GaussianMixture:
        """Run EM from θ⁽⁰⁾ until the mean ln p gains less than ``tol`` or ``max_iter``."""
        model = self._model()
        data = model.validate_data(X)
        model._check_enough_rows(data)
        params0 = self._initial(model, data)
        try:
            # tol = 0 never stops early (as scikit-learn): exactly max_iter iterations
            tol = None if self.tol == 0 else self.tol * len(data)
            trace = run(model, data, params0, max_iter=self.max_iter, tol=tol)
        finally:
            model.clear_cache()
        self._set_fitted(trace, len(data), data.n_features)
        if not trace.converged and self.max_iter > 0:
            warnings.warn(ConvergenceWarning(
                f"EM did not converge in max_iter={self.max_iter} iterations (tol={self.tol:g}); "
                "raise max_iter or tol, or check the data."), stacklevel=2)
        return self

    def _set_fitted(self, trace: Trace, n: int, d: int) -> None:
        params: GMMParams = trace.params
        self.params_ = params
        self.weights_ = np.array(params.weights)
        self.means_ = np.array(params.means)
        self.covariances_ = np.array(params.covariances)
        self.precisions_cholesky_ = np.array(params.precisions_cholesky)
        self.precisions_ = params.precisions()
        self.converged_ = bool(trace.converged)
        self.n_iter_ = trace.n_iter
        last = trace.records[-1]
        bound = last.lower_bound if last.lower_bound is not None else last.log_likelihood
        self.lower_bound_ = float(bound) / n
        self.trace_ = trace
        self.n_features_in_ = d

    def _fitted(self) -> GaussianMixtureModel:
        if not hasattr(self, "params_"):
            raise RuntimeError("this GaussianMixture is not fitted yet: call fit(X) first")
        return self._model()

    def _data(self, model: GaussianMixtureModel, X: Any) -> GMMData:
        array = as_float_array(X, "X", ndim=(1, 2))
        array = array[:, None] if array.ndim == 1 else array
        if array.shape[1] != self.n_features_in_ or array.shape[0] < 1:
            raise ValueError(f"X must have shape (n, {self.n_features_in_}), got {array.shape}")
        return GMMData(array, array.mean(axis=0))

    def score_samples(self, X: Any) -> np.ndarray:
        """ln p(x_n | θ) for each row."""
        model = self._fitted()
        return model.score_samples(self._data(model, X), self.params_)

    def score(self, X: Any, y: Any = None) -> float:
        """Mean ln p(x_n | θ) per sample."""
        return float(self.score_samples(X).mean())

    def predict_proba(self, X: Any) -> np.ndarray:
        """The responsibilities γ_nk = p(z_n = k | x_n, θ)."""
        model = self._fitted()
        evaluation, _ = model._pass(self._data(model, X), self.params_, want_stats=False)
        return evaluation.posterior

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
        self._fitted()
        n = check_int(n_samples, "n_samples", low=1)
        rng = check_rng(self.random_state if rng is None else rng)
        counts = rng.multinomial(n, self.weights_)
        labels = np.repeat(np.arange(self.n_components), counts)
        chol = np.linalg.cholesky(self.params_.full_covariances())
        z = rng.standard_normal((n, self.n_features_in_))
        out = np.empty_like(z)
        start = 0
        for k, c in enumerate(counts):  # a loop over components, not samples
            out[start:start + c] = self.means_[k] + z[start:start + c] @ chol[k].T
            start += c
        return out, labels

    def _n_parameters(self) -> int:
        k, d = self.n_components, self.n_features_in_
        cov = {"full": k * d * (d + 1) / 2, "diag": k * d, "tied": d * (d + 1) / 2,
               "spherical": k}[self.covariance_type]
        return int(cov + k * d + k - 1)

    def bic(self, X: Any) -> float:
        """BIC = −2 ln p(X|θ) + (#parameters) ln N (lower is better)."""
        n = as_float_array(X, "X", ndim=(1, 2)).shape[0]
        return -2 * self.score(X) * n + self._n_parameters() * math.log(n)

    def aic(self, X: Any) -> float:
        """AIC = −2 ln p(X|θ) + 2 (#parameters) (lower is better)."""
        n = as_float_array(X, "X", ndim=(1, 2)).shape[0]
        return -2 * self.score(X) * n + 2 * self._n_parameters()
