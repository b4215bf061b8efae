"""Small mixtures: the coins (chapters ``00_welcome`` and ``04_ball_em``) and the 1-D
Gaussian mixture (chapters ``07_em_theory`` and ``09_em_variants``).

The coin game (after Do & Batzoglou, "What is the expectation maximization algorithm?",
Nature Biotechnology 26, 2008): K coins with heads-probabilities p_k; for each of n sets,
one coin is chosen (coin k with probability w_k, the hidden z_n) and tossed N_n times;
only the number of heads x_n is observed.

    p(x_n, z_n = k | θ) = w_k · C(N_n, x_n) · p_k^{x_n} · (1 − p_k)^{N_n − x_n}

E step:  q_nk = p(z_n = k | x_n, θ) ∝ w_k p_k^{x_n} (1 − p_k)^{N_n − x_n}
M step:  w_k = (1/n) Σ_n q_nk,     p_k = Σ_n q_nk x_n / Σ_n q_nk N_n

The 1-D Gaussian mixture (:class:`GaussianMixture1D`): K Gaussians on the line,

E step:  q_nk ∝ π_k N(x_n | μ_k, σ_k²)
M step:  π_k = N_k / n,  μ_k = Σ_n q_nk x_n / N_k,  σ_k² = Σ_n q_nk (x_n − μ_k)² / N_k
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import gammaln

from ._validation import as_float_array, check_distribution, check_instance, check_int, check_real
from .em import LatentClassModel, VectorMap
from .prereq import xlogy

__all__ = ["BinomialData", "BinomialMixture", "BinomialMixtureParams", "GaussianMixture1D",
           "Mixture1DParams", "log_dirichlet", "map_weights"]

_LOG_2PI = float(np.log(2 * np.pi))


def log_binomial_coefficient(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    """ln C(n, k) = ln n! − ln k! − ln (n−k)!, from a table of ln m! = Σ_{i≤m} ln i."""
    log_factorial = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, int(n.max()) + 1)))])
    return log_factorial[n] - log_factorial[k] - log_factorial[n - k]


def keep_inside(p: np.ndarray, successes: np.ndarray, failures: np.ndarray) -> np.ndarray:
    """p = S/(S+F) moved off 0 and 1 where the expected counts say it is strictly inside.

    With F > 0 but F/S below machine precision, S/(S+F) rounds to 1.0; then ln(1−p) = −∞
    meets q > 0 and L(q, θ) = −∞ (NaN in ln p = L + KL), although the exact maximiser is
    below 1. Moving p to the nearest double inside changes Q by ~1e-16 and keeps it finite.
    """
    below_one = np.nextafter(1.0, 0.0)
    tiny = np.finfo(float).tiny
    p = np.where((failures > 0) & (p > below_one), below_one, p)
    return np.where((successes > 0) & (p < tiny), tiny, p)


# -- the Dirichlet prior on mixing weights (EM for MAP, chapters 06 and 09) -------------------
def log_dirichlet(weights: np.ndarray, alpha: float) -> float:
    """ln Dir(π | α,…,α) = ln Γ(Kα) − K ln Γ(α) + (α − 1) Σ_k ln π_k  (0·ln 0 = 0 at α = 1)."""
    weights = as_float_array(weights, "weights", ndim=1)
    alpha = check_real(alpha, "alpha", low=0.0, low_open=True)
    k = len(weights)
    return float(gammaln(k * alpha) - k * gammaln(alpha) + np.sum(xlogy(alpha - 1, weights)))


def map_weights(nk: np.ndarray, alpha: float) -> np.ndarray:
    """The Dirichlet posterior mode π_k = (N_k + α − 1) / (N + K(α − 1)).

    Written N_k + (α − 1): at α = 1 a tiny N_k must not round to 0 (q > 0 with π = 0 would
    make L = −∞); a positive N_k whose share underflows keeps the smallest positive π.
    """
    nk = as_float_array(nk, "nk", ndim=1)
    if np.any(nk < 0):
        raise ValueError("nk must be expected counts >= 0")
    alpha = check_real(alpha, "alpha", low=1.0)
    w = nk + (alpha - 1.0)
    if not w.sum() > 0:
        raise ValueError("nk must have a positive total (or alpha > 1)")
    w = w / w.sum()
    return np.where((nk > 0) & (w == 0), np.finfo(float).tiny, w)


@dataclass(frozen=True)
class BinomialMixtureParams:
    """θ of a mixture of K coins: mixing weights w_k and heads-probabilities p_k."""

    weights: np.ndarray
    p: np.ndarray

    def __post_init__(self) -> None:
        weights = check_distribution(self.weights, "weights")
        p = as_float_array(self.p, "p", ndim=1)
        if weights.ndim != 1 or weights.shape != p.shape:
            raise ValueError(f"weights and p must be vectors of one length, got "
                             f"{weights.shape} and {p.shape}")
        if np.any((p < 0) | (p > 1)):
            raise ValueError("p must lie in [0, 1] (heads-probabilities)")
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "p", p)


@dataclass(frozen=True)
class BinomialData:
    """Heads counts x_n out of N_n tosses per set, with ln C(N_n, x_n) computed once."""

    successes: np.ndarray
    n_trials: np.ndarray
    log_binom: np.ndarray

    def __len__(self) -> int:
        return len(self.successes)


#: The most tosses per set: ln C(N, x) comes from a table of ln m! for m ≤ N (8 bytes per
#: entry, 80 MB at this limit); beyond it a typo such as 10**9 would ask for gigabytes.
MAX_TRIALS = 10**7


def _as_counts(value: Any, name: str) -> np.ndarray:
    array = as_float_array(value, name, ndim=(0, 1))
    if np.any(array < 0) or np.any(array != np.round(array)):
        raise ValueError(f"{name} must be non-negative integers")
    if np.any(array > MAX_TRIALS):
        raise ValueError(f"{name} must be at most {MAX_TRIALS:.0e} (tosses per set), got "
                         f"{array.max():.3g}")
    return array.astype(np.int64)


class BinomialMixture(LatentClassModel):
    """K coins, each set of tosses made with one unknown coin (chapter ``04_ball_em``).

    ``n_trials`` is the number of tosses per set (one int, or one per set: then it must
    match the data's length). With ``learn_weights=False`` the mixing weights stay at
    ``weights`` (default uniform) and only the p_k are learned.
    """

    def __init__(self, n_components: int, n_trials: int | Any, *, learn_weights: bool = True,
                 weights: Any | None = None) -> None:
        self.n_components = check_int(n_components, "n_components", low=1, high=MAX_TRIALS)
        trials = _as_counts(n_trials, "n_trials")
        if np.any(trials < 1):
            raise ValueError("n_trials must be at least 1")
        self.n_trials = trials
        if not isinstance(learn_weights, bool):
            raise TypeError("learn_weights must be True or False")
        self.learn_weights = learn_weights
        self.weights = (np.full(self.n_components, 1 / self.n_components) if weights is None
                        else check_distribution(weights, "weights"))
        if self.weights.shape != (self.n_components,):
            raise ValueError(f"weights must have {self.n_components} entries")

    def validate_data(self, X: Any) -> BinomialData:
        """Heads per set as :class:`BinomialData` (checks 0 ≤ x_n ≤ N_n)."""
        if isinstance(X, BinomialData):
            return X
        successes = _as_counts(X, "X")
        successes = np.atleast_1d(successes)
        if successes.size == 0:
            raise ValueError("X must hold at least one set of tosses")
        trials = np.broadcast_to(self.n_trials, successes.shape) if self.n_trials.ndim == 0 \
            else self.n_trials
        if trials.shape != successes.shape:
            raise ValueError(f"n_trials has {trials.size} entries but X has {successes.size} sets")
        if np.any(successes > trials):
            raise ValueError("n_trials < successes: a set has more heads than tosses")
        return BinomialData(successes, np.array(trials),
                            log_binomial_coefficient(np.array(trials), successes))

    def check_params(self, X: Any, params: BinomialMixtureParams) -> None:
        """θ⁽⁰⁾ must have this model's K coins (run and Stepper call this on a given θ⁽⁰⁾)."""
        if len(params.p) != self.n_components:
            raise ValueError(f"params has {len(params.p)} coins but the model has "
                             f"n_components={self.n_components}")

    def init_params(self, X: Any, rng: np.random.Generator) -> BinomialMixtureParams:
        """θ⁽⁰⁾: the model's weights and p_k drawn uniformly from [0.1, 0.9]."""
        return BinomialMixtureParams(self.weights, rng.uniform(0.1, 0.9, self.n_components))

    def log_joint(self, X: BinomialData, params: BinomialMixtureParams) -> np.ndarray:
        """ln p(x_n, z_n=k | θ) = ln w_k + ln C(N_n,x_n) + x_n ln p_k + (N_n−x_n) ln(1−p_k)."""
        x, n = X.successes[:, None], X.n_trials[:, None]
        with np.errstate(divide="ignore"):
            log_w = np.log(params.weights)[None, :]
        return (log_w + X.log_binom[:, None] + xlogy(x, params.p[None, :])
                + xlogy(n - x, 1 - params.p[None, :]))

    def expected_statistics(self, X: Any, posterior: Any) -> np.ndarray:
        """s = (Σ_n q_nk, Σ_n q_nk x_n, Σ_n q_nk N_n): a (3, K) array of sums over the sets,
        so that the statistics of parts of the data add (online EM, chapters 09 and 12)."""
        X = self.validate_data(X)
        q = np.asarray(posterior, dtype=float)
        return np.stack([q.sum(axis=0), q.T @ X.successes, q.T @ X.n_trials])

    def params_from_statistics(self, stats: Any) -> BinomialMixtureParams:
        """The M step on s: w_k = s0_k / Σ s0, p_k = s1_k / s2_k (see :meth:`m_step`)."""
        s0, heads, tosses = as_float_array(stats, "stats", ndim=2)
        total = tosses.sum()
        pooled = heads.sum() / total if total > 0 else 0.5
        p = np.where(tosses > 0, heads / np.where(tosses > 0, tosses, 1), pooled)
        p = keep_inside(p, heads, tosses - heads)
        weights = s0 / s0.sum() if self.learn_weights else self.weights
        return BinomialMixtureParams(weights / weights.sum(), np.clip(p, 0.0, 1.0))

    def m_step(self, X: BinomialData, posterior: np.ndarray) -> BinomialMixtureParams:
        """w_k = Σ_n q_nk / n;  p_k = Σ_n q_nk x_n / Σ_n q_nk N_n.

        A coin with no responsibility at all (Σ_n q_nk N_n = 0) leaves Q flat in p_k;
        it gets the pooled frequency Σ x_n / Σ N_n.
        """
        expected_heads = posterior.T @ X.successes
        expected_tosses = posterior.T @ X.n_trials
        pooled = X.successes.sum() / X.n_trials.sum()
        p = np.where(expected_tosses > 0, expected_heads / np.where(expected_tosses > 0,
                                                                     expected_tosses, 1), pooled)
        p = keep_inside(p, expected_heads, posterior.T @ (X.n_trials - X.successes))
        weights = posterior.mean(axis=0) if self.learn_weights else self.weights
        return BinomialMixtureParams(weights / weights.sum(), np.clip(p, 0.0, 1.0))


# -- the 1-D Gaussian mixture ----------------------------------------------------------------
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
    """K Gaussians on the line (chapters ``07_em_theory`` and ``09_em_variants``; the
    D-dimensional GMM with its fast engine is :mod:`emlib.gmm`, chapter 06).

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
        self.n_components = check_int(n_components, "n_components", low=1, high=MAX_TRIALS)
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
        top = float(np.max(np.abs(X)))
        if top > np.sqrt(1e306 / X.size):  # Σ x² (the M step's statistic) would overflow
            raise ValueError(f"X has values up to {top:.3g}, whose squares overflow float64 "
                             "in the M step's Σ q x²: rescale (or centre) X first")
        return X

    def init_params(self, X: np.ndarray, rng: np.random.Generator) -> Mixture1DParams:
        """θ⁽⁰⁾: means drawn from the data, variances var(X) (or the fixed ones)."""
        means = rng.choice(X, self.n_components, replace=len(X) < self.n_components)
        variances = (np.full(self.n_components, max(float(X.var()), self.min_variance))
                     if self.variances is None or self.learn_variances else self.variances)
        return Mixture1DParams(self.weights, means.astype(float), variances)

    def check_params(self, X: Any, params: Any) -> None:
        """The :class:`~emlib.em.EMModel` hook: :meth:`checked_params` on a caller's θ⁽⁰⁾."""
        self.checked_params(params)

    def checked_params(self, params: Any) -> Mixture1DParams:
        """``params`` if it is a :class:`Mixture1DParams` with this model's K components."""
        check_instance(params, Mixture1DParams, "params")
        if params.weights.shape != (self.n_components,):
            raise ValueError(f"params have K={params.weights.shape[0]} components but the model "
                             f"has n_components={self.n_components}")
        return params

    def log_joint(self, X: np.ndarray, params: Mixture1DParams) -> np.ndarray:
        """ln π_k − ½ ln(2π σ_k²) − (x_n − μ_k)² / (2σ_k²), an (n, K) table."""
        self.checked_params(params)
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
    def vector_map(self) -> Any:
        """θ ↔ (a, μ, ln σ²) with π = softmax(a): unconstrained coordinates for gradients
        (an :class:`emlib.em.VectorMap`)."""

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
        """Sums over the rows s = Σ_n q_nk (1, x_n, x_n²): a (3, K) array.

        Sums (not averages), so that the statistics of two parts of the data add: the
        protocol of :class:`emlib.em.SufficientStatisticsModel` that online EM and the
        distributed fit (chapter 12) rely on; θ(s) does not change when s is scaled.
        """
        X = np.asarray(X, float)
        q = np.asarray(posterior, float)
        return np.stack([q.sum(0), q.T @ X, q.T @ X ** 2])

    def params_from_statistics(self, stats: np.ndarray) -> Mixture1DParams:
        """θ(s): π_k = s0_k/Σ_j s0_j, μ_k = s1_k/s0_k, σ_k² = s2_k/s0_k − μ_k² (the M step on s)."""
        s0, s1, s2 = np.asarray(stats, float)
        safe = np.maximum(s0, 1e-300)
        means = s1 / safe
        variances = (np.maximum(s2 / safe - means ** 2, self.min_variance)
                     if self.learn_variances else self.variances)
        weights = s0 / s0.sum() if self.learn_weights else self.weights
        return Mixture1DParams(weights, means, variances)


# --- Dempster, Laird & Rubin's genetic linkage (1977): the example that named EM ----------------
#
# 197 animals fall into four cells with probabilities (½ + π/4, (1−π)/4, (1−π)/4, π/4); the
# observed counts are y = (125, 18, 20, 34). The first cell is the union of two hidden
# cells with probabilities ½ and π/4: how many of its y₁ animals fell in the π/4 part is
# the latent variable. Up to a constant (the multinomial coefficient),
#
#     ln p(y | π) = y₁ ln(½ + π/4) + (y₂ + y₃) ln((1−π)/4) + y₄ ln(π/4)
#
# E step:  E[x₂] = y₁ · (π/4) / (½ + π/4)                 (the expected π/4 part of cell 1)
# M step:  π = (E[x₂] + y₄) / (E[x₂] + y₂ + y₃ + y₄)       (a binomial MLE on the complete data)
# MLE:     the root in (0, 1) of  N π² − (y₁ − 2y₂ − 2y₃ − y₄) π − 2y₄ = 0,  N = Σ y.

LINKAGE_COUNTS = (125, 18, 20, 34)


@dataclass(frozen=True)
class LinkageParams:
    """θ of the genetic-linkage model: the linkage parameter π ∈ [0, 1]."""

    pi: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "pi", check_real(self.pi, "pi", low=0.0, high=1.0))

    def __str__(self) -> str:
        return f"π = {self.pi:.6f}"


class GeneticLinkageModel(LatentClassModel):
    """Dempster, Laird & Rubin's (1977) genetic linkage example (chapter ``07_em_theory``).

    Data: the four cell counts y = (y₁, y₂, y₃, y₄) (default :data:`LINKAGE_COUNTS`).
    Each cell is a row of the latent-class table, weighted by its count; only cell 1 has
    two hidden parts (½ and π/4), the other cells one each. Then

        ln p(y, part | π):  cell 1: [ln ½, ln π/4];  cells 2, 3: [ln (1−π)/4, −∞];
                            cell 4: [ln π/4, −∞]

    and :class:`~emlib.em.LatentClassModel` gives ln p, the E step, L and KL. The M step is
    π = (E[x₂] + y₄) / (E[x₂] + y₂ + y₃ + y₄) with E[x₂] = y₁ q₁₂; :func:`linkage_mle`
    is the closed-form maximiser to compare with.
    """

    objective_name = "ln p(y|π)"

    def validate_data(self, X: Any) -> np.ndarray:
        """The four counts as a float array (non-negative, at least one animal)."""
        counts = as_float_array(X, "X", ndim=1)
        if counts.shape != (4,):
            raise ValueError(f"X must hold the four cell counts, got {counts.size} numbers")
        if np.any(counts < 0) or counts.sum() <= 0:
            raise ValueError("X must be non-negative counts with a positive total")
        return counts

    def init_params(self, X: Any, rng: np.random.Generator) -> LinkageParams:
        """π⁽⁰⁾ drawn uniformly from [0.05, 0.95]."""
        return LinkageParams(float(rng.uniform(0.05, 0.95)))

    def row_weights(self, X: np.ndarray) -> np.ndarray:
        return X

    def log_joint(self, X: np.ndarray, params: LinkageParams) -> np.ndarray:
        """(4, 2) table of ln p(cell, hidden part | π) (−∞ where a cell has one part)."""
        pi = params.pi
        with np.errstate(divide="ignore"):
            return np.log(np.array([[0.5, pi / 4], [(1 - pi) / 4, 0.0],
                                    [(1 - pi) / 4, 0.0], [pi / 4, 0.0]]))

    def m_step(self, X: np.ndarray, posterior: np.ndarray) -> LinkageParams:
        """π = (E[x₂] + y₄) / (E[x₂] + y₂ + y₃ + y₄), E[x₂] = y₁ q(π/4 part | cell 1)."""
        hidden = X[0] * posterior[0, 1]
        total = hidden + X[1] + X[2] + X[3]
        return LinkageParams(float((hidden + X[3]) / total) if total > 0 else 0.5)


def linkage_mle(counts: Any = LINKAGE_COUNTS) -> float:
    """The MLE of π in closed form: the root in [0, 1] of N π² − (y₁ − 2y₂ − 2y₃ − y₄) π − 2y₄.

    (Setting d/dπ ln p(y|π) = y₁/(2+π) − (y₂+y₃)/(1−π) + y₄/π to zero and clearing the
    denominators.) For (125, 18, 20, 34): π̂ = (15 + √53809)/394 ≈ 0.6268215.
    """
    y = GeneticLinkageModel().validate_data(counts)
    n = y.sum()
    b = y[0] - 2 * y[1] - 2 * y[2] - y[3]
    return float((b + np.sqrt(b * b + 8 * n * y[3])) / (2 * n))


# --- Li Hang's three-coin model (统计学习方法, 例9.1) ---------------------------------------------
#
# Toss coin A (heads with probability p_A); heads → toss coin B, tails → toss coin C; only
# the second toss y ∈ {0, 1} is seen. With μ_n = p(coin B | y_n, θ):
#
# E step:  μ_n = p_A p_B^y (1−p_B)^{1−y} / [p_A p_B^y (1−p_B)^{1−y} + (1−p_A) p_C^y (1−p_C)^{1−y}]
# M step:  p_A = mean(μ),  p_B = Σ μ_n y_n / Σ μ_n,  p_C = Σ (1−μ_n) y_n / Σ (1−μ_n)
#
# Only p(y = 1) = p_A p_B + (1 − p_A) p_C is identifiable: after one iteration it equals the
# observed frequency of heads, and every θ on that surface is a maximum.

THREE_COIN_DATA = (1, 1, 0, 1, 0, 0, 1, 0, 1, 1)


@dataclass(frozen=True)
class ThreeCoinParams:
    """θ = (p_A, p_B, p_C): heads-probabilities of the selecting coin A and of coins B, C."""

    p_a: float
    p_b: float
    p_c: float

    def __post_init__(self) -> None:
        for name in ("p_a", "p_b", "p_c"):
            object.__setattr__(self, name, check_real(getattr(self, name), name,
                                                      low=0.0, high=1.0))

    def as_array(self) -> np.ndarray:
        return np.array([self.p_a, self.p_b, self.p_c])

    def __str__(self) -> str:
        return f"(p_A, p_B, p_C) = ({self.p_a:.4f}, {self.p_b:.4f}, {self.p_c:.4f})"


class ThreeCoinModel(LatentClassModel):
    """Li Hang's three-coin model (统计学习方法 例9.1; chapter ``04_ball_em``).

    Data: the observed tosses y_n ∈ {0, 1} (default :data:`THREE_COIN_DATA`). The hidden
    z_n says which coin made toss n: 0 for B (coin A showed heads), 1 for C.

        ln p(y_n, B | θ) = ln p_A + y_n ln p_B + (1−y_n) ln(1−p_B)
        ln p(y_n, C | θ) = ln(1−p_A) + y_n ln p_C + (1−y_n) ln(1−p_C)
    """

    objective_name = "ln p(y|θ)"

    def validate_data(self, X: Any) -> np.ndarray:
        """The tosses as a float array of zeros and ones (at least one toss)."""
        y = as_float_array(X, "X", ndim=1)
        if y.size == 0 or not np.all((y == 0) | (y == 1)):
            raise ValueError("X must be a non-empty sequence of 0/1 tosses")
        return y

    def init_params(self, X: Any, rng: np.random.Generator) -> ThreeCoinParams:
        """θ⁽⁰⁾: each probability drawn uniformly from [0.1, 0.9]."""
        return ThreeCoinParams(*(float(v) for v in rng.uniform(0.1, 0.9, 3)))

    def log_joint(self, X: np.ndarray, params: ThreeCoinParams) -> np.ndarray:
        """(n, 2) table of ln p(y_n, coin | θ), coin B then coin C."""
        y = X[:, None]
        with np.errstate(divide="ignore"):
            log_pick = np.log(np.array([params.p_a, 1 - params.p_a]))[None, :]
        heads = np.array([params.p_b, params.p_c])[None, :]
        return log_pick + xlogy(y, heads) + xlogy(1 - y, 1 - heads)

    def m_step(self, X: np.ndarray, posterior: np.ndarray) -> ThreeCoinParams:
        """p_A = mean μ; p_B, p_C = responsibility-weighted frequencies of heads.

        A coin with no responsibility (Σ μ_n = 0 or Σ (1−μ_n) = 0) gets the overall
        frequency of heads, where Q is flat in its p.
        """
        mu = posterior[:, 0]
        frequency = float(X.mean())

        def weighted(w: np.ndarray) -> float:
            return float(w @ X / w.sum()) if w.sum() > 0 else frequency

        return ThreeCoinParams(float(mu.mean()), weighted(mu), weighted(1 - mu))


__all__ += ["GeneticLinkageModel", "LINKAGE_COUNTS", "LinkageParams", "THREE_COIN_DATA",
            "ThreeCoinModel", "ThreeCoinParams", "linkage_mle"]
