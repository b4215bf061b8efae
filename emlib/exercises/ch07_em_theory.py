"""Chapter 07 exercise: the lower bound L(q, θ) and the gap KL(q ‖ p(Z|X,θ)).

For one observation with K hidden values, log-joint a_k = ln p(x, z = k | θ) and any q:

    L(q, θ) = Σ_k q_k (a_k − ln q_k)          (0 · ln 0 = 0)
    ln p(x | θ) = ln Σ_k e^{a_k},   KL = ln p − L ≥ 0.
"""

from __future__ import annotations

import numpy as np

from ._checking import Case, register_compared

#: The reference solution is reached through EXERCISES[name].solution: learner-facing
#: code shown in the notebook, deliberately free of input validation, so not public API.
__all__: list[str] = []


def bound_and_gap(log_joint: np.ndarray, q: np.ndarray) -> tuple[float, float]:
    """(L(q, θ), KL(q ‖ p(z|x,θ))) for one observation, from a_k = ln p(x, z=k|θ) and q."""
    a, q = np.asarray(log_joint, dtype=float), np.asarray(q, dtype=float)
    inside = q > 0                                   # 0 · ln 0 = 0: skip those terms
    bound = float(np.sum(q[inside] * (a[inside] - np.log(q[inside]))))
    top = a.max()
    log_p = float(top + np.log(np.exp(a - top).sum()))
    return bound, log_p - bound


_CASES = (
    Case("a = ln[0.1, 0.3], q = [0.5, 0.5]",
         (np.log(np.array([0.1, 0.3])), np.array([0.5, 0.5]))),
    Case("a = [-2, -1, -4], q = [0.2, 0.7, 0.1]",
         (np.array([-2.0, -1.0, -4.0]), np.array([0.2, 0.7, 0.1]))),
    Case("a = [-3, -1], q = [0, 1] (a zero in q)",
         (np.array([-3.0, -1.0]), np.array([0.0, 1.0]))),
    Case("a = [-1000, -1001] (tiny probabilities), q = [0.6, 0.4]",
         (np.array([-1000.0, -1001.0]), np.array([0.6, 0.4]))),
)


register_compared(
    "bound_and_gap", "07_em_theory",
    "Write bound_and_gap(log_joint, q) returning (L(q, θ), KL(q ‖ p(z|x,θ))).",
    bound_and_gap, _CASES, ("the lower bound L", "the gap KL"),
    ("L has two parts: E_q[ln p(x, z|θ)] and the entropy H(q) = −Σ q ln q.",
     "Terms with q_k = 0 contribute 0 (0 · ln 0 = 0), not NaN.",
     "ln p(x|θ) = ln Σ_k e^{a_k}: use log-sum-exp, e^{−1000} is 0.0 in floating point."),
    atol=1e-9,
)
