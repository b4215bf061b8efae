"""Shared checking logic: run the learner's function and the solution on small cases and
name the first quantity that differs, the case, and by how much."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._core import Exercise, Feedback, attempted, register

__all__ = ["Case", "check_against_solution", "register_compared"]


@dataclass(frozen=True)
class Case:
    """One small input: a ``label`` the feedback can name and the positional ``args``."""

    label: str
    args: tuple[Any, ...]


def _as_tuple(value: Any, n_outputs: int) -> tuple[Any, ...]:
    if n_outputs == 1:
        return (value,)
    if not isinstance(value, (tuple, list)) or len(value) != n_outputs:
        raise _Mismatch(f"should return {n_outputs} values, got "
                        f"{type(value).__name__}")
    return tuple(value)


class _Mismatch(Exception):
    pass


def _compare(quantity: str, got: Any, expected: np.ndarray, atol: float) -> str | None:
    """None when ``got`` matches ``expected``; otherwise a sentence saying how it differs."""
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"{quantity} should be numbers, got {type(got).__name__}"
    if got.shape != expected.shape:
        hint = " (transposed?)" if got.shape == expected.shape[::-1] and got.ndim == 2 else ""
        return f"{quantity} has shape {got.shape}, expected {expected.shape}{hint}"
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(expected)):
        where = np.argwhere(~np.isfinite(got))[0]
        return (f"{quantity} contains {got[tuple(where)]} at index {tuple(int(i) for i in where)}"
                f" (expected {expected[tuple(where)]:.6g}): underflow or 0/0?")
    error = np.abs(got - expected)
    error = np.where(np.isnan(error), np.inf, error)
    if np.all(error <= atol):
        return None
    where = np.unravel_index(int(np.argmax(error)), error.shape) if error.ndim else ()
    index = f" at index {tuple(int(i) for i in where)}" if error.ndim else ""
    return (f"{quantity}{index} is {float(got[where]):.6g}, expected "
            f"{float(expected[where]):.6g} (off by {float(error[where]):.3g})")


def check_against_solution(name: str, func: Callable[..., Any], solution: Callable[..., Any],
                           cases: Sequence[Case], outputs: Sequence[str], *,
                           atol: float = 1e-8) -> Feedback:
    """Call ``func`` and ``solution`` on every case; report the first wrong output.

    ``outputs`` names the returned quantities (one name: a single return value). The learner
    gets: which quantity is wrong, on which case, at which index and by how much.
    """
    for case in cases:
        got = attempted(func(*[np.copy(a) if isinstance(a, np.ndarray) else a
                               for a in case.args]))
        expected = _as_tuple(solution(*case.args), len(outputs))
        try:
            got = _as_tuple(got, len(outputs))
        except _Mismatch as error:
            return Feedback(False, f"{name}: on the case [{case.label}] your function {error}.")
        for quantity, g, e in zip(outputs, got, expected, strict=True):
            problem = _compare(quantity, g, np.asarray(e, dtype=float), atol)
            if problem is not None:
                return Feedback(False, f"{name}: on the case [{case.label}] {problem}.")
    return Feedback(True, f"{name}: correct on all {len(cases)} cases. Well done!")


def register_compared(name: str, chapter: str, task: str, solution: Callable[..., Any],
                      cases: Sequence[Case], outputs: Sequence[str], hints: Sequence[str], *,
                      atol: float = 1e-8) -> Exercise:
    """Register an exercise whose checker compares the learner's function with ``solution``
    on ``cases`` (:func:`check_against_solution`)."""

    def checker(func: Callable[..., Any]) -> Feedback:
        return check_against_solution(name, func, solution, cases, outputs, atol=atol)

    return register(Exercise(name=name, chapter=chapter, task=task, solution=solution,
                             checker=checker, hints=tuple(hints)))
