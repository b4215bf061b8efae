"""Chapter 03 exercise: the maximum-likelihood Gaussian, written by the learner.

    μ̂ = (1/N) Σ_n x_n,      σ̂² = (1/N) Σ_n (x_n − μ̂)²      (divide by N, not N − 1)
"""

from __future__ import annotations

import numpy as np

from ._checking import Case, register_compared

#: The reference solution is reached through EXERCISES[name].solution: learner-facing
#: code shown in the notebook, deliberately free of input validation, so not public API.
__all__: list[str] = []


def gaussian_mle(x: np.ndarray) -> tuple[float, float]:
    """The MLE (μ̂, σ̂²) of a 1-D Gaussian from the samples ``x``."""
    x = np.asarray(x, dtype=float)
    mean = x.sum() / len(x)
    variance = np.sum((x - mean) ** 2) / len(x)       # two passes: exact far from 0
    return float(mean), float(variance)


_CASES = (
    Case("x = [1, 2, 3, 6]", (np.array([1.0, 2.0, 3.0, 6.0]),)),
    Case("x = [-2, 0.5] (two samples)", (np.array([-2.0, 0.5]),)),
    Case("x = 1e8 + [1, 2, 3, 6] (far from the origin)",
         (1e8 + np.array([1.0, 2.0, 3.0, 6.0]),)),
)


register_compared(
    "gaussian_mle", "03_mle",
    "Write gaussian_mle(x) returning the maximum-likelihood (mean, variance).",
    gaussian_mle, _CASES, ("the mean μ̂", "the variance σ̂²"),
    ("The MLE of the variance divides by N, not N − 1.",
     "Return the variance σ², not the standard deviation σ.",
     "Subtract the mean before squaring: E[x²] − E[x]² loses every digit far from 0."),
    atol=1e-6,
)
