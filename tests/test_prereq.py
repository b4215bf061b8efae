"""The mathematical toolkit (emlib.prereq) against SciPy and its defining properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats
from scipy.special import logsumexp as scipy_logsumexp

from emlib.prereq import (
    bayes_posterior,
    check_convex_function,
    check_convex_set,
    entropy,
    gaussian_logpdf,
    jensen_gap,
    kl_divergence,
    logsumexp,
)

PROPERTY = settings(max_examples=60, deadline=None)


def distributions(n: int):
    """Hypothesis strategy: probability vectors of length n (some entries may be 0)."""
    return arrays(float, n, elements=st.floats(0, 1)).filter(lambda a: a.sum() > 1e-3).map(
        lambda a: a / a.sum())


# -- entropy and KL ----------------------------------------------------------------------

@PROPERTY
@given(p=distributions(5))
def test_entropy_matches_scipy_and_is_bounded(p):
    assert entropy(p) == pytest.approx(stats.entropy(p), abs=1e-12)
    assert -1e-12 <= entropy(p) <= np.log(5) + 1e-12


@PROPERTY
@given(p=distributions(4), q=distributions(4))
def test_kl_matches_scipy_and_is_non_negative(p, q):
    expected = stats.entropy(p, q)
    got = kl_divergence(p, q)
    if np.isinf(expected):
        assert np.isinf(got)
    else:
        assert got == pytest.approx(expected, abs=1e-10)
        assert got >= 0


@PROPERTY
@given(p=distributions(3))
def test_kl_of_a_distribution_with_itself_is_zero(p):
    assert kl_divergence(p, p) == pytest.approx(0.0, abs=1e-12)


def test_kl_is_asymmetric_and_infinite_where_q_misses_support():
    p, q = [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]
    assert kl_divergence(p, q) != pytest.approx(kl_divergence(q, p))
    assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == np.inf
    assert kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(np.log(2))


@pytest.mark.parametrize("p, q, message", [
    ([0.5, 0.6], [0.5, 0.5], "p must sum to 1"),
    ([0.5, 0.5], [1.5, -0.5], "q has negative"),
    ([0.5, 0.5], [0.2, 0.3, 0.5], "same length"),
    ("ab", [0.5, 0.5], "p must be array-like"),
    ([np.nan, 1.0], [0.5, 0.5], "p contains NaN"),
])
def test_kl_rejects_what_is_not_a_distribution(p, q, message):
    with pytest.raises((ValueError, TypeError), match=message):
        kl_divergence(p, q)


# -- log-sum-exp --------------------------------------------------------------------------

@PROPERTY
@given(a=arrays(float, (3, 4), elements=st.floats(-1e3, 1e3)))
def test_logsumexp_matches_scipy(a):
    assert logsumexp(a) == pytest.approx(scipy_logsumexp(a), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(logsumexp(a, axis=1), scipy_logsumexp(a, axis=1), rtol=1e-12,
                               atol=1e-12)
    assert logsumexp(a, axis=0, keepdims=True).shape == (1, 4)


def test_logsumexp_survives_underflow_and_minus_infinity():
    assert logsumexp([-1000.0, -1000.0]) == pytest.approx(-1000 + np.log(2))
    assert np.exp(-1000.0) == 0.0  # the naive way would give ln 0
    assert logsumexp([-np.inf, -np.inf]) == -np.inf
    np.testing.assert_array_equal(logsumexp([[-np.inf, 0.0], [-np.inf, -np.inf]], axis=1),
                                  [0.0, -np.inf])
    with pytest.raises(ValueError, match="NaN"):
        logsumexp([np.nan, 1.0])
    with pytest.raises(ValueError, match="axis"):
        logsumexp([[1.0]], axis=3)


# -- Gaussian log-density -----------------------------------------------------------------

@PROPERTY
@given(seed=st.integers(0, 10_000), d=st.integers(1, 5))
def test_gaussian_logpdf_matches_scipy(seed, d):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(d, d))
    cov = a @ a.T + 0.1 * np.eye(d)
    mean = rng.normal(size=d)
    X = rng.normal(size=(20, d)) * 3
    np.testing.assert_allclose(gaussian_logpdf(X, mean, cov),
                               stats.multivariate_normal(mean, cov).logpdf(X).reshape(-1),
                               rtol=1e-10, atol=1e-10)


def test_gaussian_logpdf_one_dimensional_forms():
    x = np.array([-1.0, 0.0, 2.5])
    np.testing.assert_allclose(gaussian_logpdf(x, 0.5, 4.0), stats.norm(0.5, 2.0).logpdf(x))


@pytest.mark.parametrize("X, mean, cov, message", [
    (np.zeros((3, 2)), [0, 0], [[1, 2], [2, 1]], "positive definite"),
    (np.zeros((3, 2)), [0, 0], [[1, 0.5], [0, 1]], "symmetric"),
    (np.zeros((3, 3)), [0, 0], np.eye(2), "columns"),
    (np.zeros((3, 2)), [0, 0], np.eye(3), "shape"),
    ([[np.inf, 0]], [0, 0], np.eye(2), "X contains NaN or infinite"),
])
def test_gaussian_logpdf_rejects_bad_input(X, mean, cov, message):
    with pytest.raises(ValueError, match=message):
        gaussian_logpdf(X, mean, cov)


# -- Jensen and convexity -----------------------------------------------------------------

@PROPERTY
@given(x=arrays(float, 6, elements=st.floats(0.05, 20)), w=distributions(6))
def test_jensen_gap_sign_follows_convexity(x, w):
    scale = 1e-9 * (1 + np.abs(x).max() ** 2)
    assert jensen_gap(np.square, x, w) >= -scale
    assert jensen_gap(lambda t: -np.log(t), x, w) >= -1e-12
    assert jensen_gap(np.log, x, w) <= 1e-12
    # for f(x) = x² the gap is exactly the variance under w
    mean = w @ x
    assert jensen_gap(np.square, x, w) == pytest.approx(w @ (x - mean) ** 2, abs=scale)


def test_jensen_gap_in_two_dimensions_and_default_weights():
    x = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    gap = jensen_gap(lambda v: (v ** 2).sum(axis=-1), x)
    assert gap == pytest.approx(np.mean((x ** 2).sum(1)) - (x.mean(0) ** 2).sum())
    with pytest.raises(ValueError, match="weights"):
        jensen_gap(np.square, [1.0, 2.0], [0.2, 0.3, 0.5])


def test_convex_set_checks_return_evidence():
    rng = np.random.default_rng(0)
    points = rng.uniform(-2, 2, size=(400, 2))
    disk = check_convex_set(lambda p: p @ p <= 1.0, points, rng=0)
    assert disk.convex and disk.n_checks > 100 and "no violation" in str(disk)
    annulus = check_convex_set(lambda p: 0.5 <= p @ p <= 1.0, points, rng=0)
    assert not annulus.convex
    witness = annulus.counterexample
    z = witness["t"] * witness["x"] + (1 - witness["t"]) * witness["y"]
    np.testing.assert_allclose(z, witness["z"])
    assert not (0.5 <= z @ z <= 1.0)
    with pytest.raises(ValueError, match="two points"):
        check_convex_set(lambda p: False, points)


def test_convex_function_checks_chord_and_second_derivative():
    grid = np.linspace(0.1, 5, 25)
    assert check_convex_function(np.exp, grid, second_derivative=np.exp).convex
    assert check_convex_function(lambda t: -np.log(t), grid).convex
    result = check_convex_function(np.log, grid)
    assert not result.convex and result.counterexample["f(tx+(1-t)y)"] > \
        result.counterexample["t f(x)+(1-t) f(y)"]
    wavy = check_convex_function(np.sin, np.linspace(0, 6, 30),
                                 second_derivative=lambda t: -np.sin(t))
    assert not wavy.convex and "second_derivative_min" in wavy.counterexample
    bowl = check_convex_function(lambda v: v @ v, np.random.default_rng(1).normal(size=(12, 3)),
                                 second_derivative=lambda v: 2 * np.eye(3))
    assert bowl.convex
    with pytest.raises(ValueError, match="not finite"):
        check_convex_function(np.log, np.linspace(-1, 1, 5))


# -- Bayes ------------------------------------------------------------------------------

@PROPERTY
@given(prior=distributions(4), like=arrays(float, 4, elements=st.floats(0.01, 1)))
def test_bayes_posterior_is_prior_times_likelihood_normalised(prior, like):
    post = bayes_posterior(prior, like)
    assert post.sum() == pytest.approx(1.0)
    joint = prior * like
    np.testing.assert_allclose(post, joint / joint.sum())


def test_bayes_rejects_an_impossible_observation():
    with pytest.raises(ValueError, match="evidence"):
        bayes_posterior([1.0, 0.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="likelihood must be non-negative"):
        bayes_posterior([0.5, 0.5], [-0.1, 1.0])
