"""Chapter 09 exercise: the MAP M step for the mixing weights under a Dirichlet(α) prior.

Maximising Σ_k (N_k + α − 1) ln π_k subject to Σ_k π_k = 1 (a Lagrange multiplier):

    π_k = (N_k + α − 1) / (N + K(α − 1)),     N_k = Σ_n q_nk,  N = Σ_k N_k   (α ≥ 1)
"""

from __future__ import annotations

import numpy as np

from ._checking import Case, register_compared

#: The reference solution is reached through EXERCISES[name].solution: learner-facing
#: code shown in the notebook, deliberately free of input validation, so not public API.
__all__: list[str] = []


def map_weights(q: np.ndarray, alpha: float) -> np.ndarray:
    """The MAP weights π (K,) from the responsibilities ``q`` (N × K) and a Dirichlet(α)."""
    q = np.asarray(q, dtype=float)
    n_k = q.sum(axis=0)
    k = q.shape[1]
    return (n_k + alpha - 1) / (q.shape[0] + k * (alpha - 1))


_Q = np.array([[0.9, 0.1, 0.0], [0.8, 0.2, 0.0], [0.6, 0.3, 0.1], [0.1, 0.9, 0.0]])
_CASES = (
    Case("4 points, K = 3, α = 3", (_Q, 3.0)),
    Case("4 points, K = 3, α = 1.5", (_Q, 1.5)),
    Case("3 points, K = 2, α = 1 (a flat prior)",
         (np.array([[1.0, 0.0], [0.25, 0.75], [0.5, 0.5]]), 1.0)),
)


register_compared(
    "map_weights", "09_em_variants",
    "Write map_weights(q, alpha): the MAP mixing weights under a Dirichlet(α) prior.",
    map_weights, _CASES, ("the weights π",),
    ("The prior adds α − 1 pseudo-counts to each N_k (not α).",
     "The weights must sum to 1: the denominator is N + K(α − 1).",
     "With α = 1 you must get the MLE N_k / N."),
    atol=1e-9,
)


def online_statistics(batch_stats: list[np.ndarray], kappa: float, t0: float) -> np.ndarray:
    """The running statistics of stepwise online EM after all of ``batch_stats``.

    s ← s̄(B₁) for the first batch (η₁ = 1), then s ← (1 − η_t) s + η_t s̄(B_t) with
    η_t = (t + t₀)^(−κ) for t = 2, 3, …  (emlib's ``OnlineEM``; κ is its ``alpha``).
    """
    s = np.asarray(batch_stats[0], dtype=float)
    for t, s_batch in enumerate(batch_stats[1:], start=2):
        eta = (t + t0) ** (-kappa)
        s = (1 - eta) * s + eta * np.asarray(s_batch, dtype=float)
    return s


_BATCHES = [np.array([0.5, 0.2, 0.3]), np.array([0.1, 0.6, 0.3]), np.array([0.4, 0.4, 0.2]),
            np.array([0.9, 0.05, 0.05])]
register_compared(
    "online_statistics", "09_em_variants",
    "Write online_statistics(batch_stats, kappa, t0): the running statistics of stepwise "
    "online EM after the given batches.",
    online_statistics,
    (Case("four batches, κ = 0.6, t₀ = 0", (_BATCHES, 0.6, 0.0)),
     Case("four batches, κ = 1, t₀ = 0 (η_t = 1/t: the plain average)", (_BATCHES, 1.0, 0.0)),
     Case("two batches, κ = 0.9, t₀ = 2", (_BATCHES[:2], 0.9, 2.0))),
    ("the statistics s",),
    ("The first batch replaces s (η₁ = 1); η_t = (t + t₀)^(−κ) starts at t = 2.",
     "The new batch gets the weight η_t, the old statistics 1 − η_t.",
     "With κ = 1 and t₀ = 0 the result must be the plain average of the batches."),
    atol=1e-12,
)
