"""Chapter 04 exercise: one EM iteration of the three-peg ball game, written by the learner.

Cups a, b, c are seen (counts N_a, N_b, N_c); the path is hidden only for cup b, which is
reached by left-right (peg 0 left, peg 1 right) or right-left (peg 0 right, peg 2 left):

    E step:  N_b1 = N_b (1−p₀)p₁ / [(1−p₀)p₁ + p₀(1−p₂)],   N_b2 = N_b − N_b1
    M step:  p₀ = (N_b2 + N_c)/N,   p₁ = N_b1/(N_a + N_b1),   p₂ = N_c/(N_b2 + N_c)
"""

from __future__ import annotations

import numpy as np

from ._checking import Case, register_compared

#: The reference solution is reached through EXERCISES[name].solution: learner-facing
#: code shown in the notebook, deliberately free of input validation, so not public API.
__all__: list[str] = []


def ball_em_step(counts: np.ndarray, p: np.ndarray) -> np.ndarray:
    """θ⁽ᵗ⁺¹⁾ = (p₀, p₁, p₂) from the cup counts (N_a, N_b, N_c) and θ⁽ᵗ⁾ = ``p``."""
    n_a, n_b, n_c = np.asarray(counts, dtype=float)
    p0, p1, p2 = np.asarray(p, dtype=float)
    via_peg1 = (1 - p0) * p1                     # Pr(cup b, path left-right)
    via_peg2 = p0 * (1 - p2)                     # Pr(cup b, path right-left)
    n_b1 = n_b * via_peg1 / (via_peg1 + via_peg2)    # E step: expected count per path
    n_b2 = n_b - n_b1
    total = n_a + n_b + n_c
    return np.array([(n_b2 + n_c) / total,           # M step: the one-peg MLE at each peg
                     n_b1 / (n_a + n_b1),
                     n_c / (n_b2 + n_c)])


_CASES = (
    Case("counts (N_a, N_b, N_c) = (2, 5, 3), θ = (0.5, 0.5, 0.5)",
         (np.array([2.0, 5.0, 3.0]), np.array([0.5, 0.5, 0.5]))),
    Case("counts (30, 50, 20), θ = (0.3, 0.6, 0.2)",
         (np.array([30.0, 50.0, 20.0]), np.array([0.3, 0.6, 0.2]))),
    Case("counts (1, 8, 1), θ = (0.7, 0.9, 0.4)",
         (np.array([1.0, 8.0, 1.0]), np.array([0.7, 0.9, 0.4]))),
)


register_compared(
    "ball_em_step", "04_ball_em",
    "Write ball_em_step(counts, p): one E step and one M step of the three-peg game.",
    ball_em_step, _CASES, ("θ⁽ᵗ⁺¹⁾ = (p₀, p₁, p₂)",),
    ("Split N_b in proportion to the two path probabilities — divide by their sum.",
     "p₁ counts only the balls that reached peg 1: N_a + N_b1, not N.",
     "A ball reaches cup b via peg 1 with probability (1−p₀)p₁, via peg 2 p₀(1−p₂)."),
    atol=1e-9,
)


def three_coins_em_step(y: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """One EM iteration of Li Hang's three coins (统计学习方法 例9.1): θ = (p_A, p_B, p_C).

    E step: μ_n = p_A p_B^y (1−p_B)^(1−y) / [p_A p_B^y (1−p_B)^(1−y) + (1−p_A) p_C^y (1−p_C)^(1−y)]
    M step: p_A = mean μ,  p_B = Σ μ y / Σ μ,  p_C = Σ (1−μ) y / Σ (1−μ)
    """
    y = np.asarray(y, dtype=float)
    p_a, p_b, p_c = np.asarray(theta, dtype=float)
    via_b = p_a * p_b**y * (1 - p_b) ** (1 - y)
    via_c = (1 - p_a) * p_c**y * (1 - p_c) ** (1 - y)
    mu = via_b / (via_b + via_c)                       # E step: p(coin B | y_n)
    return np.array([mu.mean(), mu @ y / mu.sum(), (1 - mu) @ y / (1 - mu).sum()])


_Y = np.array([1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0])
register_compared(
    "three_coins_em_step", "04_ball_em",
    "Write three_coins_em_step(y, theta): one E step and one M step of the three coins.",
    three_coins_em_step,
    (Case("Li Hang's data, θ = (0.4, 0.6, 0.7)", (_Y, np.array([0.4, 0.6, 0.7]))),
     Case("Li Hang's data, θ = (0.3, 0.9, 0.2)", (_Y, np.array([0.3, 0.9, 0.2]))),
     Case("y = (1, 0, 0), θ = (0.6, 0.5, 0.1)",
          (np.array([1.0, 0.0, 0.0]), np.array([0.6, 0.5, 0.1])))),
    ("θ⁽ᵗ⁺¹⁾ = (p_A, p_B, p_C)",),
    ("μ_n is a posterior: divide p_A p_B^y (1−p_B)^(1−y) by the sum over both coins.",
     "p_C is estimated from the tosses coin C made: weights 1 − μ_n, not μ_n.",
     "p_A is the average of μ_n (divide by the number of tosses)."),
    atol=1e-9,
)
