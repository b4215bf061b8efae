"""Likelihoods and closed-form maximum-likelihood estimates (极大似然估计, chapter ``03_mle``).

Maximum likelihood picks the θ under which the observed data were most probable,

    θ̂ = argmax_θ p(X | θ) = argmax_θ ln p(X | θ),

(the log is increasing, so both have the same maximiser, and a sum of logs neither
underflows nor needs a product rule to differentiate). For the models here the
maximiser has a closed form:

* Bernoulli, n₁ successes in N trials:  p̂ = n₁ / N
* categorical with counts n_k:           π̂_k = n_k / N
* Gaussian:                              μ̂ = (1/N) Σ xₙ,  Σ̂ = (1/N) Σ (xₙ − μ̂)(xₙ − μ̂)ᵀ

MAP estimation adds a log-prior: with a Beta(α, β) prior on a Bernoulli p the posterior
is Beta(α + n₁, β + n₀) and its mode is p_MAP = (n₁ + α − 1) / (N + α + β − 2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import as_float_array, check_int, check_real
from .prereq import gaussian_logpdf, xlogy

__all__ = [
    "BetaPosterior",
    "bernoulli_likelihood",
    "bernoulli_log_likelihood",
    "bernoulli_map",
    "bernoulli_mle",
    "beta_log_pdf",
    "beta_posterior",
    "categorical_log_likelihood",
    "categorical_mle",
    "gaussian_log_likelihood",
    "gaussian_mle",
    "grid_argmax",
]


def _check_counts(n_success: Any, n_failure: Any) -> tuple[int, int]:
    n1 = check_int(n_success, "n_success", low=0)
    n0 = check_int(n_failure, "n_failure", low=0)
    return n1, n0


def _check_p_grid(p: Any) -> np.ndarray:
    grid = as_float_array(p, "p", ndim=(0, 1))
    if np.any((grid < 0) | (grid > 1)):
        raise ValueError("p must lie in [0, 1] (a probability)")
    return grid


def bernoulli_log_likelihood(p: Any, n_success: int, n_failure: int) -> np.ndarray | float:
    """ln L(p) = n₁ ln p + n₀ ln(1 − p)  (0 · ln 0 = 0, so p ∈ {0, 1} is allowed).

    ``p`` may be one value or a grid. Chapter ``03_mle``: for the one-peg ball game with
    X = (b,b,b,a,b,b,b,b,b,a) and p = P(cup a), n₁ = 2 and n₀ = 8.
    """
    n1, n0 = _check_counts(n_success, n_failure)
    grid = _check_p_grid(p)
    out = xlogy(n1, grid) + xlogy(n0, 1.0 - grid)
    return float(out) if np.ndim(out) == 0 else out


def bernoulli_likelihood(p: Any, n_success: int, n_failure: int) -> np.ndarray | float:
    """L(p) = p^{n₁} (1 − p)^{n₀}: the probability of one particular sequence of outcomes.

    Underflows to 0 for a few thousand trials while :func:`bernoulli_log_likelihood` stays
    finite: the practical reason to maximise the log.
    """
    out = np.exp(bernoulli_log_likelihood(p, n_success, n_failure))
    return float(out) if np.ndim(out) == 0 else out


def bernoulli_mle(n_success: int, n_failure: int) -> float:
    """p̂ = n₁ / (n₁ + n₀), from d/dp [n₁ ln p + n₀ ln(1−p)] = n₁/p − n₀/(1−p) = 0."""
    n1, n0 = _check_counts(n_success, n_failure)
    if n1 + n0 == 0:
        raise ValueError("n_success + n_failure must be positive: no trials, no estimate")
    return n1 / (n1 + n0)


def categorical_mle(counts: Any) -> np.ndarray:
    """π̂_k = n_k / N: maximises Σ_k n_k ln π_k subject to Σ_k π_k = 1 (Lagrange multiplier N)."""
    n = as_float_array(counts, "counts", ndim=1)
    if n.size == 0 or np.any(n < 0) or np.any(n != np.round(n)):
        raise ValueError("counts must be a non-empty vector of non-negative integers")
    if n.sum() == 0:
        raise ValueError("counts must not all be zero: no observations, no estimate")
    return n / n.sum()


def categorical_log_likelihood(probs: Any, counts: Any) -> float:
    """ln L(π) = Σ_k n_k ln π_k (0 · ln 0 = 0; a π_k = 0 with n_k > 0 gives −∞)."""
    n = as_float_array(counts, "counts", ndim=1)
    if np.any(n < 0):
        raise ValueError("counts must be non-negative")
    pi = as_float_array(probs, "probs", ndim=1)
    if pi.shape != n.shape:
        raise ValueError(f"probs and counts must have one length, got {pi.shape} and {n.shape}")
    if np.any(pi < 0) or not math.isclose(float(pi.sum()), 1.0, abs_tol=1e-9):
        raise ValueError("probs must be a probability vector (entries >= 0 summing to 1)")
    return float(xlogy(n, pi).sum())


def gaussian_mle(X: Any) -> tuple[np.ndarray, np.ndarray]:
    """μ̂ = (1/N) Σₙ xₙ and Σ̂ = (1/N) Σₙ (xₙ − μ̂)(xₙ − μ̂)ᵀ (the biased, ML covariance).

    X has shape (N, D), or (N,) for one dimension (then μ̂ has shape (1,) and Σ̂ (1, 1)).
    Setting the gradients of Σₙ ln N(xₙ | μ, Σ) to zero gives these; note 1/N, not 1/(N−1).
    """
    X = as_float_array(X, "X", ndim=(1, 2))
    if X.ndim == 1:
        X = X[:, None]
    if X.shape[0] < 1:
        raise ValueError("X needs at least one sample")
    mean = X.mean(axis=0)
    centred = X - mean
    return mean, centred.T @ centred / X.shape[0]


def gaussian_log_likelihood(X: Any, mean: Any, cov: Any) -> float:
    """ln L(μ, Σ) = Σₙ ln N(xₙ | μ, Σ) (via the Cholesky log-density of ``emlib.prereq``)."""
    return float(gaussian_logpdf(X, mean, cov).sum())


def grid_argmax(values: Any, grid: Any) -> float:
    """The grid point with the largest value: the brute-force check of a closed form."""
    v = as_float_array(values, "values", ndim=1, finite=False)
    g = as_float_array(grid, "grid", ndim=1)
    if v.shape != g.shape or v.size == 0:
        raise ValueError("values and grid must be non-empty vectors of one length")
    if np.all(np.isnan(v)):
        raise ValueError("values must not be all NaN")
    return float(g[np.nanargmax(v)])


@dataclass(frozen=True)
class BetaPosterior:
    """Beta(α, β) posterior of a Bernoulli p after n₁ successes and n₀ failures."""

    alpha: float
    beta: float

    @property
    def mean(self) -> float:
        """E[p | X] = α / (α + β)."""
        return self.alpha / (self.alpha + self.beta)

    @property
    def mode(self) -> float:
        """argmax_p Beta(p | α, β): (α − 1)/(α + β − 2) when α, β ≥ 1 (not both 1)."""
        a, b = self.alpha, self.beta
        if a >= 1 and b >= 1 and a + b > 2:
            return (a - 1) / (a + b - 2)
        if a < 1 <= b:
            return 0.0
        if b < 1 <= a:
            return 1.0
        raise ValueError(f"Beta({a:g}, {b:g}) has no single mode (flat or U-shaped)")


def beta_posterior(alpha: float, beta: float, n_success: int, n_failure: int) -> BetaPosterior:
    """Conjugacy: Beta(α, β) prior × p^{n₁}(1−p)^{n₀} ∝ Beta(α + n₁, β + n₀) posterior."""
    a = check_real(alpha, "alpha", low=0.0, low_open=True)
    b = check_real(beta, "beta", low=0.0, low_open=True)
    n1, n0 = _check_counts(n_success, n_failure)
    return BetaPosterior(a + n1, b + n0)


def bernoulli_map(n_success: int, n_failure: int, alpha: float, beta: float) -> float:
    """p_MAP = argmax_p [ln p(X|p) + ln Beta(p|α,β)] = (n₁ + α − 1) / (N + α + β − 2).

    With α = β = 1 (a flat prior) it is the MLE; α, β > 1 pull it towards α/(α+β),
    the more so the fewer the data. Chapter ``03_mle``; EM for MAP builds on it later.
    """
    return beta_posterior(alpha, beta, n_success, n_failure).mode


def beta_log_pdf(p: Any, alpha: float, beta: float) -> np.ndarray | float:
    """ln Beta(p | α, β) = (α−1) ln p + (β−1) ln(1−p) − ln B(α, β)."""
    a = check_real(alpha, "alpha", low=0.0, low_open=True)
    b = check_real(beta, "beta", low=0.0, low_open=True)
    grid = _check_p_grid(p)
    log_norm = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    with np.errstate(divide="ignore"):
        out = xlogy(a - 1, grid) + xlogy(b - 1, 1.0 - grid) - log_norm
    return float(out) if np.ndim(out) == 0 else out
