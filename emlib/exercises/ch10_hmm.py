"""Chapter 10 exercise: write the forward recursion of an HMM (隐马尔可夫模型的前向算法).

The learner writes ``forward(x, start, trans, emit)`` returning the (T, K) table of
α_t(k) = p(x_1, …, x_t, z_t = k | θ):

    α_1(k) = π_k b_k(x_1),      α_t(j) = [Σ_i α_{t−1}(i) A_ij] b_j(x_t)

so that p(X | θ) = Σ_k α_T(k). The checker runs it on small cases (a lopsided transition
matrix, so a transposed A shows) and names the step, the state and the size of the error,
recognising the typical slips: a transposed A, a forgotten emission factor, an off-by-one
symbol, scaled rows instead of joint probabilities, log space.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import Exercise, Feedback, attempted, register

__all__ = ["FORWARD", "forward_solution"]


def forward_solution(x: Any, start: Any, trans: Any, emit: Any) -> np.ndarray:
    """α (T, K): α_1 = π ∘ B[:, x_1], α_t = (α_{t−1} A) ∘ B[:, x_t] (no scaling)."""
    x, emit = np.asarray(x, dtype=np.int64), np.asarray(emit, float)
    alpha = np.empty((len(x), len(start)))
    alpha[0] = np.asarray(start, float) * emit[:, x[0]]
    for t in range(1, len(x)):
        alpha[t] = (alpha[t - 1] @ np.asarray(trans, float)) * emit[:, x[t]]
    return alpha


def _cases() -> list[tuple[str, tuple[np.ndarray, ...]]]:
    ice = (np.array([1, 2, 2, 0, 1]), np.array([0.5, 0.5]),
           np.array([[0.8, 0.2], [0.1, 0.9]]), np.array([[0.7, 0.2, 0.1], [0.1, 0.2, 0.7]]))
    three = (np.array([0, 3, 1, 1, 2, 0, 3]), np.array([0.6, 0.3, 0.1]),
             np.array([[0.1, 0.7, 0.2], [0.5, 0.1, 0.4], [0.3, 0.3, 0.4]]),
             np.array([[0.4, 0.3, 0.2, 0.1], [0.1, 0.1, 0.2, 0.6], [0.25, 0.25, 0.25, 0.25]]))
    return [("the ice-cream case (K=2, T=5)", ice), ("a 3-state case (K=3, T=7)", three)]


def _slips(x: np.ndarray, start: np.ndarray, trans: np.ndarray,
           emit: np.ndarray) -> dict[str, np.ndarray]:
    """What the typical mistakes compute, to name them in the feedback."""
    right = forward_solution(x, start, trans, emit)
    no_emit = np.empty_like(right)
    no_emit[0] = start * emit[:, x[0]]
    shifted = np.empty_like(right)
    shifted[0] = start * emit[:, x[0]]
    for t in range(1, len(x)):
        no_emit[t] = no_emit[t - 1] @ trans
        shifted[t] = (shifted[t - 1] @ trans) * emit[:, x[t - 1]]
    return {
        "A is transposed: α_t(j) sums α_{t−1}(i) A_ji instead of A_ij (rows of A are 'from')":
            forward_solution(x, start, trans.T, emit),
        "the emission factor b_j(x_t) is missing after the first step":
            no_emit,
        "off by one: step t multiplies by b_j(x_{t−1}) instead of b_j(x_t)":
            shifted,
        "each row is normalised: that is the scaled α̂ (p(z_t | x_1..x_t)), not the joint "
        "α_t = p(x_1..x_t, z_t)":
            right / right.sum(1, keepdims=True),
        "these are ln α: the exercise asks for α itself (no logarithms)":
            np.log(right),
    }


def _check_forward(func: Callable[..., Any]) -> Feedback:
    for label, case in _cases():
        x, start, trans, emit = case
        expected = forward_solution(*case)
        got = np.asarray(attempted(func(x.copy(), start.copy(), trans.copy(), emit.copy())),
                         dtype=float)
        if got.shape != expected.shape:
            return Feedback(False, f"forward: on {label} α must have shape {expected.shape} "
                                   f"(T steps × K states), got {got.shape}.")
        if np.allclose(got, expected, rtol=1e-9, atol=1e-15):
            continue
        for slip, wrong in _slips(*case).items():
            if np.allclose(got, wrong, rtol=1e-9, atol=1e-15):
                return Feedback(False, f"forward: on {label}, {slip}.")
        error = np.abs(got - expected) / np.maximum(np.abs(expected), 1e-300)
        t, k = np.unravel_index(int(np.argmax(error)), error.shape)
        return Feedback(False, f"forward: on {label} α at step t={t + 1}, state k={k} is "
                               f"{got[t, k]:.6g}, expected {expected[t, k]:.6g} (relative "
                               f"error {error[t, k]:.2g}); the first wrong step is "
                               f"t={int(np.argmax(error.max(1) > 1e-9)) + 1}.")
    p = forward_solution(*_cases()[0][1])[-1].sum()
    return Feedback(True, f"forward: correct on both cases. p(X|θ) = Σ_k α_T(k) = {p:.6g} "
                          "for the ice-cream case.")


FORWARD = register(Exercise(
    name="hmm_forward",
    chapter="10_hmm",
    task="Write forward(x, start, trans, emit) → α (T, K), α_t(k) = p(x_1..x_t, z_t = k | θ).",
    solution=forward_solution,
    checker=_check_forward,
    hints=("α_1(k) = π_k · emit[k, x_1]",
           "α_t = (α_{t−1} @ trans) * emit[:, x_t]: row i of trans is 'from state i'",
           "no normalisation: the rows of α sum to p(x_1..x_t), which shrinks with t"),
))
