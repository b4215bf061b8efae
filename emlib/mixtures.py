"""Discrete mixtures used as the first EM examples (chapters ``00_welcome`` and ``04_ball_em``).

The coin game (after Do & Batzoglou, "What is the expectation maximization algorithm?",
Nature Biotechnology 26, 2008): K coins with heads-probabilities p_k; for each of n sets,
one coin is chosen (coin k with probability w_k, the hidden z_n) and tossed N_n times;
only the number of heads x_n is observed.

    p(x_n, z_n = k | θ) = w_k · C(N_n, x_n) · p_k^{x_n} · (1 − p_k)^{N_n − x_n}

E step:  q_nk = p(z_n = k | x_n, θ) ∝ w_k p_k^{x_n} (1 − p_k)^{N_n − x_n}
M step:  w_k = (1/n) Σ_n q_nk,     p_k = Σ_n q_nk x_n / Σ_n q_nk N_n
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import as_float_array, check_distribution, check_int
from .em import LatentClassModel
from .prereq import xlogy

__all__ = ["BinomialData", "BinomialMixture", "BinomialMixtureParams"]


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


def _as_counts(value: Any, name: str) -> np.ndarray:
    array = as_float_array(value, name, ndim=(0, 1))
    if np.any(array < 0) or np.any(array != np.round(array)):
        raise ValueError(f"{name} must be non-negative integers")
    return array.astype(np.int64)


class BinomialMixture(LatentClassModel):
    """K coins, each set of tosses made with one unknown coin (chapter ``04_ball_em``).

    ``n_trials`` is the number of tosses per set (one int, or one per set: then it must
    match the data's length). With ``learn_weights=False`` the mixing weights stay at
    ``weights`` (default uniform) and only the p_k are learned.
    """

    def __init__(self, n_components: int, n_trials: int | Any, *, learn_weights: bool = True,
                 weights: Any | None = None) -> None:
        self.n_components = check_int(n_components, "n_components", low=1)
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
