"""Chapter 12 exercise: the reduce and the M step of a 1-D Gaussian mixture.

Each map task p emits, for its rows, the sums s_p = (Σ_n q_nk, Σ_n q_nk x_n, Σ_n q_nk x_n²)
as a (3, K) array. The reducer adds them, s = Σ_p s_p, and the M step is

    π_k = s0_k / Σ_j s0_j,   μ_k = s1_k / s0_k,   σ_k² = s2_k / s0_k − μ_k².
"""

from __future__ import annotations

import numpy as np

from ._checking import Case, register_compared

#: The reference solution is reached through EXERCISES[name].solution (learner-facing code).
__all__: list[str] = []


def reduce_and_m_step(partition_statistics: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(π, μ, σ²) of a 1-D Gaussian mixture from the (3, K) statistics of every partition."""
    s0, s1, s2 = np.sum([np.asarray(s, dtype=float) for s in partition_statistics], axis=0)
    means = s1 / s0
    return s0 / s0.sum(), means, s2 / s0 - means**2


def _statistics(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    return np.stack([q.sum(0), q.T @ x, q.T @ x**2])


_rng = np.random.default_rng(12)
_x = np.r_[_rng.normal(-2, 1, 30), _rng.normal(3, 0.5, 20)]
_q = _rng.dirichlet([1.0, 1.0], len(_x))
_q3 = _rng.dirichlet([1.0, 1.0, 1.0], len(_x))

_CASES = (
    Case("one partition, K = 2", ([_statistics(_x, _q)],)),
    Case("two partitions of 25 rows, K = 2",
         ([_statistics(_x[:25], _q[:25]), _statistics(_x[25:], _q[25:])],)),
    Case("three unequal partitions (5, 15, 30 rows), K = 3",
         ([_statistics(_x[:5], _q3[:5]), _statistics(_x[5:20], _q3[5:20]),
           _statistics(_x[20:], _q3[20:])],)),
)

register_compared(
    "reduce_and_m_step", "12_em_at_scale",
    "Write reduce_and_m_step(partition_statistics) returning (weights, means, variances).",
    reduce_and_m_step, _CASES, ("the weights π", "the means μ", "the variances σ²"),
    ("Add the partitions' statistics first (the reduce), then divide (the M step): an "
     "average of the partitions' means is wrong when partitions differ in size.",
     "s0 holds Σ q per component: the weights are s0 over its total, not s0 itself.",
     "σ_k² = E[x²] − μ_k² with E[x²] = s2_k / s0_k."),
    atol=1e-9,
)
