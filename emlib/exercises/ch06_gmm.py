"""Chapter 06 exercise: the E step of a Gaussian mixture (the responsibilities γ_nk).

    γ_nk = π_k N(x_n | μ_k, Σ_k) / Σ_j π_j N(x_n | μ_j, Σ_j),

computed in log space (ln π_k + ln N, then log-sum-exp over k) so that a point far from
every component does not turn into 0/0.
"""

from __future__ import annotations

import numpy as np

from ._checking import Case, register_compared

#: The reference solution is reached through EXERCISES[name].solution: learner-facing
#: code shown in the notebook, deliberately free of input validation, so not public API.
__all__: list[str] = []


def gmm_e_step(X: np.ndarray, weights: np.ndarray, means: np.ndarray,
               covariances: np.ndarray) -> np.ndarray:
    """The (N, K) responsibilities of a GMM with (K,) weights, (K, D) means, (K, D, D) Σ."""
    X = np.asarray(X, dtype=float)
    n, d = X.shape
    log_joint = np.empty((n, len(weights)))
    for k, (w, mu, cov) in enumerate(zip(weights, means, covariances, strict=True)):
        diff = X - mu
        maha = np.einsum("ni,ij,nj->n", diff, np.linalg.inv(cov), diff)
        _, logdet = np.linalg.slogdet(cov)
        log_joint[:, k] = np.log(w) - 0.5 * (d * np.log(2 * np.pi) + logdet + maha)
    log_norm = log_joint.max(axis=1, keepdims=True)        # log-sum-exp, row by row
    log_norm += np.log(np.exp(log_joint - log_norm).sum(axis=1, keepdims=True))
    return np.exp(log_joint - log_norm)


_EYE = np.eye(2)
_CASES = (
    Case("3 points, K = 2, unequal weights",
         (np.array([[0.0, 0.0], [1.0, 1.0], [3.0, 2.5]]), np.array([0.7, 0.3]),
          np.array([[0.0, 0.0], [3.0, 3.0]]), np.array([_EYE, 2 * _EYE]))),
    Case("2 points, K = 3, correlated covariances",
         (np.array([[0.5, -0.5], [2.0, 1.0]]), np.array([0.2, 0.5, 0.3]),
          np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]]),
          np.array([[[1.0, 0.8], [0.8, 1.0]], _EYE, [[2.0, -0.5], [-0.5, 1.0]]]))),
    Case("a point at (60, 0), far from both components (linear space underflows)",
         (np.array([[60.0, 0.0], [0.0, 0.0]]), np.array([0.5, 0.5]),
          np.array([[0.0, 0.0], [2.0, 0.0]]), np.array([_EYE, _EYE]))),
)


register_compared(
    "gmm_e_step", "06_gmm",
    "Write gmm_e_step(X, weights, means, covariances) returning the N × K "
     "responsibilities γ_nk.",
    gmm_e_step, _CASES, ("the responsibilities γ (N × K)",),
    ("Each row of γ sums to 1: divide by Σ_j π_j N(x_n|μ_j,Σ_j).",
     "Do not forget the weights π_k.",
     "Work with ln π_k + ln N(x|μ_k,Σ_k) and subtract the row maximum before exp."),
    atol=1e-8,
)
