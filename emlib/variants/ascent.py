"""The inner optimiser of generalized EM: gradient ascent with a backtracking line search
(chapter ``09_em_variants``). Exact M steps without a closed form use SciPy's L-BFGS-B
(:func:`scipy.optimize.minimize`) instead; the course teaches only the plain ascent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import as_float_array, check_callable, check_int, check_real

__all__ = [
    "AscentResult",
    "gradient_ascent",
]


@dataclass(frozen=True)
class AscentResult:
    """Where :func:`gradient_ascent` stopped: x, f(x), steps taken, f evaluations."""

    x: np.ndarray
    value: float
    n_steps: int
    n_evaluations: int
    converged: bool


def _backtrack(f: Callable[[np.ndarray], float], x: np.ndarray, value: float,
               direction: np.ndarray, slope: float, t: float, armijo: float,
               t_min: float) -> tuple[np.ndarray | None, float, float, int]:
    """Armijo backtracking: halve t until f(x + t·d) ≥ f(x) + c·t·slope (slope = ∇fᵀd).

    Returns (x + t·d, its value, t, f evaluations); the point is None when t fell below
    ``t_min`` without an acceptable step (x is then, to working precision, a maximum
    along d). A step that leaves f's domain (non-finite coordinates, or parameters f
    refuses with a ValueError, e.g. a variance that overflows) counts as f = −∞: t halves.
    """
    evaluations = 0
    while t >= t_min:
        candidate = x + t * direction
        evaluations += 1
        try:
            new = float(f(candidate)) if np.all(np.isfinite(candidate)) else -np.inf
        except ValueError:
            new = -np.inf
        if np.isfinite(new) and new >= value + armijo * t * slope:
            return candidate, new, t, evaluations
        t /= 2
    return None, value, t, evaluations


def gradient_ascent(f: Callable[[np.ndarray], float], grad: Callable[[np.ndarray], np.ndarray],
                    x0: Any, *, max_steps: int = 10, tol: float = 1e-8, step: float = 1.0,
                    armijo: float = 1e-4) -> AscentResult:
    """Gradient ascent with backtracking (Armijo) line search: every step increases f.

    x ← x + t ∇f(x), with t halved until f(x + t∇f) ≥ f(x) + c·t·‖∇f‖² (c = ``armijo``);
    the next step starts from 2t. Stops after ``max_steps`` or when ‖∇f‖ ≤ tol. Since
    every accepted step raises f, an M step made of such steps never lowers the bound:
    that is all generalized EM needs (chapter ``09_em_variants``).
    """
    check_callable(f, "f")
    check_callable(grad, "grad")
    max_steps = check_int(max_steps, "max_steps", low=0)
    tol = check_real(tol, "tol", low=0.0)
    t = check_real(step, "step", low=0.0, low_open=True)
    x = as_float_array(x0, "x0", ndim=1, min_rows=1).copy()
    value = float(f(x))
    if not np.isfinite(value):
        raise ValueError(f"f(x0) must be a finite number, got {value}")
    evaluations, steps = 1, 0
    for _ in range(max_steps):
        g = np.asarray(grad(x), float)
        norm2 = float(g @ g)
        if np.sqrt(norm2) <= tol:
            return AscentResult(x, value, steps, evaluations, True)
        candidate, new, t, used = _backtrack(f, x, value, g, norm2, t, armijo, t_min=1e-30)
        evaluations += used
        if candidate is None:
            return AscentResult(x, value, steps, evaluations, True)
        x, value, steps = candidate, new, steps + 1
        t *= 2
    return AscentResult(x, value, steps, evaluations, False)
