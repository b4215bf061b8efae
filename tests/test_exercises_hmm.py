"""The chapter-10 exercise: the checker passes the solution and names the typical slips."""

from __future__ import annotations

import numpy as np
import pytest

from emlib.exercises import EXERCISES

EX = EXERCISES["hmm_forward"]


def test_solution_passes():
    feedback = EX.check(EX.solution)
    assert feedback.passed and "p(X|θ)" in feedback.message


def test_skeleton_is_not_attempted():
    def forward(x, start, trans, emit):
        ...

    feedback = EX.check(forward)
    assert not feedback.passed and not feedback.attempted and "not attempted" in feedback.message


def _forward(transpose=False, emission=True, shift=0, scaled=False, log=False):
    def forward(x, start, trans, emit):
        A = trans.T if transpose else trans
        alpha = np.zeros((len(x), len(start)))
        alpha[0] = start * emit[:, x[0]]
        for t in range(1, len(x)):
            alpha[t] = alpha[t - 1] @ A
            if emission:
                alpha[t] *= emit[:, x[t - shift]]
        if scaled:
            alpha /= alpha.sum(1, keepdims=True)
        return np.log(alpha) if log else alpha
    return forward


@pytest.mark.parametrize("kwargs, words", [
    ({"transpose": True}, "transposed"),
    ({"emission": False}, "emission factor"),
    ({"shift": 1}, "off by one"),
    ({"scaled": True}, "normalised"),
    ({"log": True}, "ln α"),
])
def test_typical_slips_are_named(kwargs, words):
    feedback = EX.check(_forward(**kwargs))
    assert not feedback.passed and words in feedback.message


def test_other_errors_say_where():
    def forward(x, start, trans, emit):
        alpha = EX.solution(x, start, trans, emit)
        alpha[2, 1] *= 1.5
        return alpha

    feedback = EX.check(forward)
    assert not feedback.passed and "t=3, state k=1" in feedback.message
    assert "shape" in EX.check(lambda x, s, a, b: np.zeros(3)).message
    assert "raised" in EX.check(lambda x, s, a, b: 1 / 0).message
