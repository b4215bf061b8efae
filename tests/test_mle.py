"""Chapter 03 (emlib.mle, emlib.ball one-peg game): closed forms against brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emlib import mle
from emlib.ball import ARTICLE_ROLLS, bernoulli_mle, count_outcomes
from emlib.views.ball import OnePegWidget

GRID = np.linspace(0.0, 1.0, 20_001)  # step 5e-5


def test_the_article_one_peg_game():
    """X = (b,b,b,a,b,b,b,b,b,a): L(p) = p²(1−p)⁸, maximised at p̂ = 0.2."""
    assert ARTICLE_ROLLS == tuple("bbbabbbbba")
    assert count_outcomes(ARTICLE_ROLLS) == (2, 8)
    assert bernoulli_mle(ARTICLE_ROLLS) == pytest.approx(0.2)
    assert bernoulli_mle(list("bbbabbbbba"), success="b") == pytest.approx(0.8)
    assert mle.bernoulli_likelihood(0.2, 2, 8) == pytest.approx(0.2**2 * 0.8**8, rel=1e-12)
    # the derivative 2/p − 8/(1−p) vanishes at 0.2; the grid agrees with the closed form
    assert 2 / 0.2 - 8 / 0.8 == pytest.approx(0.0)
    values = mle.bernoulli_log_likelihood(GRID, 2, 8)
    assert mle.grid_argmax(values, GRID) == pytest.approx(0.2, abs=5e-5)


@settings(max_examples=60, deadline=None)
@given(n1=st.integers(0, 300), n0=st.integers(0, 300))
def test_bernoulli_mle_is_the_grid_maximum(n1, n0):
    if n1 + n0 == 0:
        with pytest.raises(ValueError, match="n_success"):
            mle.bernoulli_mle(n1, n0)
        return
    p_hat = mle.bernoulli_mle(n1, n0)
    values = mle.bernoulli_log_likelihood(GRID, n1, n0)
    assert mle.bernoulli_log_likelihood(p_hat, n1, n0) >= values.max() - 1e-9
    assert abs(mle.grid_argmax(values, GRID) - p_hat) <= 5e-5
    if 0 < p_hat < 1:  # the score n1/p − n0/(1−p) is zero there
        assert n1 / p_hat - n0 / (1 - p_hat) == pytest.approx(0.0, abs=1e-7 * (n1 + n0))


def test_log_likelihood_survives_where_the_likelihood_underflows():
    assert mle.bernoulli_likelihood(0.2, 2000, 8000) == 0.0
    ll = mle.bernoulli_log_likelihood(0.2, 2000, 8000)
    assert np.isfinite(ll)
    assert ll == pytest.approx(2000 * np.log(0.2) + 8000 * np.log(0.8))


def test_p_at_the_boundary_uses_zero_log_zero():
    assert mle.bernoulli_log_likelihood(0.0, 0, 5) == 0.0
    assert mle.bernoulli_log_likelihood(1.0, 5, 0) == 0.0
    assert mle.bernoulli_log_likelihood(0.0, 1, 5) == -np.inf


@settings(max_examples=40, deadline=None)
@given(counts=st.lists(st.integers(0, 50), min_size=2, max_size=6), seed=st.integers(0, 999))
def test_categorical_mle_beats_any_other_distribution(counts, seed):
    if sum(counts) == 0:
        with pytest.raises(ValueError, match="counts"):
            mle.categorical_mle(counts)
        return
    pi = mle.categorical_mle(counts)
    assert pi.sum() == pytest.approx(1.0)
    best = mle.categorical_log_likelihood(pi, counts)
    others = np.random.default_rng(seed).dirichlet(np.ones(len(counts)), size=200)
    for q in others:
        assert mle.categorical_log_likelihood(q, counts) <= best + 1e-9


def test_categorical_log_likelihood_matches_scipy():
    from scipy.stats import multinomial

    counts, probs = np.array([3, 0, 5, 2]), np.array([0.3, 0.1, 0.4, 0.2])
    coefficient = multinomial.logpmf(counts, counts.sum(), probs) - \
        mle.categorical_log_likelihood(probs, counts)
    # the multinomial pmf counts orderings: ln N!/Π n_k! more than one sequence's probability
    from math import lgamma
    assert coefficient == pytest.approx(lgamma(11) - lgamma(4) - lgamma(6) - lgamma(3))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), d=st.integers(1, 3))
def test_gaussian_mle_matches_numpy_and_is_a_maximum(seed, d):
    from scipy.stats import multivariate_normal

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d)
    mean, cov = mle.gaussian_mle(X)
    assert np.allclose(mean, X.mean(axis=0))
    assert np.allclose(cov, np.atleast_2d(np.cov(X.T, bias=True)))
    ll = mle.gaussian_log_likelihood(X, mean, cov)
    assert ll == pytest.approx(multivariate_normal(mean, cov).logpdf(X).sum())
    for _ in range(5):  # any perturbation lowers the likelihood
        shift = rng.normal(scale=0.1, size=d)
        stretch = np.eye(d) + 0.1 * np.diag(rng.uniform(-1, 1, d))
        assert mle.gaussian_log_likelihood(X, mean + shift, stretch @ cov @ stretch) < ll


def test_gaussian_mle_in_one_dimension():
    x = np.array([1.0, 2.0, 4.0])
    mean, cov = mle.gaussian_mle(x)
    assert mean.shape == (1,) and cov.shape == (1, 1)
    assert cov[0, 0] == pytest.approx(np.var(x))  # 1/N, the biased variance


@settings(max_examples=40, deadline=None)
@given(n1=st.integers(0, 40), n0=st.integers(0, 40), a=st.floats(1.0, 20.0),
       b=st.floats(1.0, 20.0))
def test_map_is_the_grid_maximum_of_the_posterior(n1, n0, a, b):
    if n1 + n0 + a + b - 2 <= 0 or (a == 1 and b == 1 and n1 + n0 == 0):
        return
    p_map = mle.bernoulli_map(n1, n0, a, b)
    grid = GRID[1:-1]
    log_post = mle.bernoulli_log_likelihood(grid, n1, n0) + mle.beta_log_pdf(grid, a, b)
    assert abs(mle.grid_argmax(log_post, grid) - p_map) <= 1e-4
    post = mle.beta_posterior(a, b, n1, n0)
    assert (post.alpha, post.beta) == (a + n1, b + n0)


def test_map_with_a_flat_prior_is_the_mle_and_a_strong_prior_pulls():
    assert mle.bernoulli_map(2, 8, 1, 1) == pytest.approx(0.2)
    assert mle.bernoulli_map(2, 8, 11, 11) == pytest.approx(12 / 30)
    assert 0.2 < mle.bernoulli_map(2, 8, 11, 11) < 0.5


def test_beta_log_pdf_matches_scipy():
    from scipy.stats import beta

    p = np.linspace(0.01, 0.99, 7)
    for a, b in [(1, 1), (2, 5), (0.5, 0.5), (30, 3)]:
        assert np.allclose(mle.beta_log_pdf(p, a, b), beta(a, b).logpdf(p))


@pytest.mark.parametrize("call, message", [
    (lambda: mle.bernoulli_log_likelihood(1.5, 2, 8), "p must lie in"),
    (lambda: mle.bernoulli_log_likelihood(-0.1, 2, 8), "p must lie in"),
    (lambda: mle.bernoulli_log_likelihood(0.5, -1, 8), "n_success"),
    (lambda: mle.bernoulli_mle(2, -8), "n_failure"),
    (lambda: mle.bernoulli_mle(2.5, 8), "n_success"),
    (lambda: mle.categorical_mle([1, -1, 2]), "counts"),
    (lambda: mle.categorical_log_likelihood([0.5, 0.6], [1, 1]), "probs"),
    (lambda: mle.gaussian_mle([[1.0, np.nan]]), "X"),
    (lambda: mle.beta_posterior(0, 1, 2, 2), "alpha"),
    (lambda: mle.bernoulli_map(0, 0, 1, 1), "no single mode"),
    (lambda: bernoulli_mle([]), "outcomes"),
    (lambda: bernoulli_mle("abc"), "two values"),
    (lambda: bernoulli_mle(5), "outcomes"),
])
def test_bad_inputs_give_clear_errors(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


# -- the one-peg widget -----------------------------------------------------------------
def test_one_peg_widget_buttons_and_slider():
    w = OnePegWidget(p=0.5)
    assert w.counts == (2, 8) and w.p_hat == pytest.approx(0.2)
    assert "p̂ = 0.2000" in repr(w)
    images = [w.picture.value]
    w.slider.value = 0.2
    assert w.log_likelihood == pytest.approx(mle.bernoulli_log_likelihood(0.2, 2, 8))
    images.append(w.picture.value)
    w.buttons["+ a"].click()
    assert w.counts == (3, 8) and w.p_hat == pytest.approx(3 / 11)
    images.append(w.picture.value)
    w.buttons["+ b"].click()
    w.buttons["− last"].click()
    assert w.counts == (3, 8)
    w.buttons["×10 rolls"].click()
    assert w.counts == (30, 80) and w.p_hat == pytest.approx(3 / 11)
    images.append(w.picture.value)
    assert len(set(images)) == len(images)  # every change redrew the picture
    w.buttons["Reset"].click()
    assert w.counts == (2, 8)


def test_one_peg_widget_shows_the_underflow():
    w = OnePegWidget(rolls=list(ARTICLE_ROLLS) * 500, p=0.2)
    assert w.likelihood == 0.0 and np.isfinite(w.log_likelihood)  # underflow: use logs
    assert "L = 0," in w.label.value and w.p_hat == pytest.approx(0.2)


def test_one_peg_widget_without_rolls_has_no_estimate():
    w = OnePegWidget(rolls="a")
    w.buttons["− last"].click()
    w.buttons["− last"].click()  # removing from nothing is harmless
    assert w.counts == (0, 0) and w.p_hat is None
    assert "p̂ = –" in repr(w)
    w.buttons["+ b"].click()
    assert w.p_hat == 0.0


def test_one_peg_widget_rejects_bad_rolls():
    with pytest.raises(ValueError, match="rolls"):
        OnePegWidget(rolls="abx")
    with pytest.raises(ValueError, match="p"):
        OnePegWidget(p=2.0)
