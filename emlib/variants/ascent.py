"""The inner optimisers of generalized EM: gradient ascent with backtracking and a
numpy L-BFGS (chapter ``09_em_variants``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import as_float_array, check_int, check_real

__all__ = [
    "AscentResult",
    "gradient_ascent",
    "lbfgs_ascent",
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
    along d).
    """
    evaluations = 0
    while t >= t_min:
        candidate = x + t * direction
        new = float(f(candidate))
        evaluations += 1
        if new >= value + armijo * t * slope:
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
    max_steps = check_int(max_steps, "max_steps", low=0)
    tol = check_real(tol, "tol", low=0.0)
    t = check_real(step, "step", low=0.0, low_open=True)
    x = as_float_array(x0, "x0", ndim=1).copy()
    value = float(f(x))
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


def lbfgs_ascent(f: Callable[[np.ndarray], float], grad: Callable[[np.ndarray], np.ndarray],
                 x0: Any, *, max_steps: int = 200, tol: float = 1e-6, ftol: float = 1e-10,
                 memory: int = 10, armijo: float = 1e-4) -> AscentResult:
    """Maximise f by L-BFGS (limited-memory quasi-Newton) with a backtracking line search.

    The direction d = H g comes from the two-loop recursion over the last ``memory`` pairs
    (s = x_{t+1} − x_t, y = −(g_{t+1} − g_t)); a step is accepted only when
    f(x + t d) ≥ f(x) + c·t·gᵀd, so f never decreases. Stops when ‖g‖∞ ≤ ``tol`` or when
    a step raised f by at most ``ftol``·max(1, |f|) (as SciPy's L-BFGS-B does).
    Used for the exact M step of :class:`FeaturizedMixture` (chapter ``09_em_variants``).
    """
    max_steps = check_int(max_steps, "max_steps", low=0)
    tol = check_real(tol, "tol", low=0.0)
    ftol = check_real(ftol, "ftol", low=0.0)
    memory = check_int(memory, "memory", low=1)
    x = as_float_array(x0, "x0", ndim=1).copy()
    value = float(f(x))
    g = np.asarray(grad(x), float)
    pairs: list[tuple[np.ndarray, np.ndarray, float]] = []
    evaluations, steps = 1, 0
    for _ in range(max_steps):
        if np.max(np.abs(g)) <= tol:
            return AscentResult(x, value, steps, evaluations, True)
        # two-loop recursion on the minimisation of −f (gradient −g)
        direction = g.copy()
        alphas = []
        for s_vec, y_vec, rho in reversed(pairs):
            a = rho * (s_vec @ direction)
            alphas.append(a)
            direction -= a * y_vec
        if pairs:
            s_vec, y_vec, _ = pairs[-1]
            direction *= (s_vec @ y_vec) / (y_vec @ y_vec)
        else:
            direction /= max(1.0, float(np.max(np.abs(g))))
        for (s_vec, y_vec, rho), a in zip(pairs, reversed(alphas), strict=True):
            b = rho * (y_vec @ direction)
            direction += (a - b) * s_vec
        slope = float(g @ direction)
        if slope <= 0:  # not an ascent direction: restart from the gradient
            pairs.clear()
            direction = g / max(1.0, float(np.max(np.abs(g))))
            slope = float(g @ direction)
        candidate, new, _, used = _backtrack(f, x, value, direction, slope, 1.0, armijo,
                                             t_min=1e-20)
        evaluations += used
        if candidate is None:
            return AscentResult(x, value, steps, evaluations, True)
        g_new = np.asarray(grad(candidate), float)
        s_vec, y_vec = candidate - x, g - g_new
        if s_vec @ y_vec > 1e-12:
            pairs.append((s_vec, y_vec, 1.0 / float(s_vec @ y_vec)))
            if len(pairs) > memory:
                pairs.pop(0)
        gain = new - value
        x, value, g, steps = candidate, new, g_new, steps + 1
        if gain <= ftol * max(1.0, abs(value)):
            return AscentResult(x, value, steps, evaluations, True)
    return AscentResult(x, value, steps, evaluations, bool(np.max(np.abs(g)) <= tol))
