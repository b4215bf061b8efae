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

from ._validation import as_float_array, check_distribution, check_instance, check_int
from .em import LatentClassModel, Record
from .prereq import xlogy

__all__ = ["BinomialData", "BinomialMixture", "BinomialMixtureParams", "coin_stepper",
           "draw_coin_sets"]


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


def draw_coin_sets(ax: Any, record: Any, heads: Any, n_trials: int,
                   names: tuple[str, ...] = ("A", "B", "C", "D")) -> None:
    """One bar per set of tosses, split by q(coin | set) (grey before the first E step).

    The title shows the current θ: the heads-probability of each coin.
    """
    from matplotlib.axes import Axes  # local imports: the model itself needs no matplotlib

    from .views.plotting import component_colors

    check_instance(ax, Axes, "ax")
    check_instance(record, Record, "record")
    heads = np.asarray(heads)
    positions = np.arange(len(heads))

    k = len(record.params.p)
    colors = component_colors(k)
    if record.posterior is None:
        ax.bar(positions, np.ones(len(heads)), color="#cccccc", label="q not computed yet")
    else:
        bottom = np.zeros(len(heads))
        for j in range(k):
            ax.bar(positions, record.posterior[:, j], bottom=bottom, color=colors[j],
                   label=f"q(coin {names[j]} | set)")
            bottom += record.posterior[:, j]
    ax.set_xticks(positions, [f"{h}/{n_trials}" for h in heads])
    ax.set_xlabel("heads in each set")
    ax.set_ylim(0, 1.25)
    ax.legend(loc="upper center", ncol=min(k, 3), frameon=False, fontsize=7)
    ax.set_title(", ".join(f"p_{names[j]} = {p:.3f}" for j, p in enumerate(record.params.p)))


def coin_stepper(heads: Any = (5, 9, 8, 4, 7), n_trials: int = 10,
                 p_start: Any = (0.6, 0.5), *, learn_weights: bool = False) -> Any:
    """The E/M stepping widget for the coin game (chapters 00 and 04).

    Defaults reproduce Do & Batzoglou (2008): 5 sets of 10 tosses, two coins starting at
    p_A = 0.6, p_B = 0.5, equal and fixed mixing weights.
    """
    from .views.stepper import StepperWidget  # local import: widgets import the EM core only

    start = as_float_array(p_start, "p_start", ndim=1)
    model = BinomialMixture(len(start), n_trials, learn_weights=learn_weights)
    params = BinomialMixtureParams(model.weights, start)
    heads = np.asarray(model.validate_data(heads).successes)
    return StepperWidget(
        model, heads, params, picture_size="square",
        draw=lambda ax, record: draw_coin_sets(ax, record, heads, n_trials),
        title="<b>Two coins, hidden choice</b>: press <i>E step</i> to guess which coin "
              "made each set, then <i>M step</i> to re-estimate each coin's bias.")
