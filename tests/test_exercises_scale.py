"""The chapter-12 exercise: the checker passes the reduce + M step and names the slips."""

from __future__ import annotations

import numpy as np
import pytest

from emlib.exercises import EXERCISES
from emlib.mixtures import GaussianMixture1D

EX = EXERCISES["reduce_and_m_step"]


def test_solution_passes_and_skeleton_is_not_attempted():
    assert EX.check(EX.solution).passed

    def reduce_and_m_step(partition_statistics):
        ...

    feedback = EX.check(reduce_and_m_step)
    assert not feedback.passed and not feedback.attempted


def test_solution_is_emlibs_m_step_on_the_summed_statistics():
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    q = rng.dirichlet([1.0, 1.0], 40)
    model = GaussianMixture1D(2)
    parts = [model.expected_statistics(x[:10], q[:10]), model.expected_statistics(x[10:], q[10:])]
    weights, means, variances = EX.solution(parts)
    expected = model.params_from_statistics(model.expected_statistics(x, q))
    np.testing.assert_allclose(weights, expected.weights, rtol=1e-12)
    np.testing.assert_allclose(means, expected.means, rtol=1e-12)
    np.testing.assert_allclose(variances, expected.variances, rtol=1e-12)


def _average_of_partitions(parts):
    fits = [EX.solution([s]) for s in parts]
    return tuple(np.mean(v, axis=0) for v in zip(*fits, strict=True))


def _weights_not_normalised(parts):
    w, m, v = EX.solution(parts)
    return np.sum(parts, axis=0)[0], m, v


def _second_moment_as_variance(parts):
    s0, s1, s2 = np.sum(parts, axis=0)
    return s0 / s0.sum(), s1 / s0, s2 / s0


def _only_first_partition(parts):
    return EX.solution(parts[:1])


@pytest.mark.parametrize("mistake, word", [
    (_average_of_partitions, "means"),
    (_weights_not_normalised, "weights"),
    (_second_moment_as_variance, "variances"),
    (_only_first_partition, "partitions"),
])
def test_typical_mistakes_are_caught(mistake, word):
    feedback = EX.check(mistake)
    assert not feedback.passed and word in feedback.message
