"""The coin mixture of chapters 00 and 04 (emlib.mixtures): EM laws, references, widget."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from laws import assert_em_laws

from emlib.em import run
from emlib.mixtures import BinomialMixture, BinomialMixtureParams
from emlib.views.mixtures import coin_stepper

DO_BATZOGLOU = np.array([5, 9, 8, 4, 7])
#: 18 sets of 20 tosses made with three coins (p = 0.1, 0.5, 0.9), fitted with two coins.
THREE_GROUPS = np.array([1, 1, 2, 2, 4, 4, 6, 9, 10, 10, 12, 12, 17, 18, 18, 19, 19, 19])



def brute_force_log_likelihood(heads, trials, weights, p):
    from scipy.stats import binom

    per_set = sum(w * binom.pmf(heads, trials, pk) for w, pk in zip(weights, p, strict=True))
    return float(np.log(per_set).sum())


def test_do_and_batzoglou_numbers():
    """Nature Biotech. 26 (2008), Fig. 1b: θ_A = 0.80, θ_B = 0.52 after 10 iterations."""
    model = BinomialMixture(2, 10, learn_weights=False)
    trace = run(model, DO_BATZOGLOU, BinomialMixtureParams([0.5, 0.5], [0.6, 0.5]),
                max_iter=10, tol=0.0)
    assert np.round(trace.params.p, 2).tolist() == [0.8, 0.52]
    assert trace.n_iter == 10  # many iterations, unlike the three-peg game


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 3), learn=st.booleans(),
       iters=st.integers(1, 20))
def test_em_laws_with_fixed_or_learned_weights_and_varying_trials(seed, k, learn, iters):
    rng = np.random.default_rng(seed)
    trials = rng.integers(1, 15, size=10)
    heads = rng.binomial(trials, rng.choice([0.2, 0.5, 0.85], size=10))
    weights = rng.dirichlet(np.ones(k))
    model = BinomialMixture(k, trials, learn_weights=learn, weights=weights)
    trace = run(model, heads, max_iter=iters, tol=0.0, rng=seed, keep="all")
    assert_em_laws(trace.records)
    if not learn:  # the weights stay as given (up to renormalisation round-off)
        for r in trace.records:
            assert np.allclose(r.params.weights, weights, rtol=0, atol=1e-15)
    X = model.validate_data(heads)
    assert trace.records[-1].log_likelihood == pytest.approx(brute_force_log_likelihood(
        heads, trials, trace.params.weights, trace.params.p))
    assert model.log_likelihood(X, trace.params) == pytest.approx(
        trace.records[-1].log_likelihood)


def test_the_m_step_maximises_q_on_a_grid():
    model = BinomialMixture(2, 10, learn_weights=False)
    X = model.validate_data(DO_BATZOGLOU)
    theta0 = BinomialMixtureParams([0.5, 0.5], [0.6, 0.5])
    q = model.e_step(X, theta0)
    new = model.m_step(X, q)
    # L(q, θ) = Q(θ) + H(q): with q fixed, maximising L over θ maximises Q
    grid = np.linspace(0.01, 0.99, 99)
    best = max(model.lower_bound(X, q, BinomialMixtureParams([0.5, 0.5], [a, b]))
               for a in grid[::4] for b in grid[::4])
    assert model.lower_bound(X, q, new) >= best
    expected_heads = q.T @ DO_BATZOGLOU
    assert np.allclose(new.p, expected_heads / (10 * q.sum(axis=0)))


def test_em_reaches_the_grid_maximum_from_the_best_of_several_starts():
    model = BinomialMixture(2, 20, learn_weights=False)
    starts = [(0.2, 0.8), (0.4, 0.6), (0.1, 0.3), (0.9, 0.7)]
    finals = [run(model, THREE_GROUPS, BinomialMixtureParams([0.5, 0.5], s), max_iter=500,
                  tol=1e-12).records[-1].log_likelihood for s in starts]
    grid = np.linspace(0.005, 0.995, 199)
    A, B = np.meshgrid(grid, grid)
    from scipy.stats import binom

    per_set = 0.5 * binom.pmf(THREE_GROUPS[:, None, None], 20, A) + \
        0.5 * binom.pmf(THREE_GROUPS[:, None, None], 20, B)
    grid_best = np.log(per_set).sum(axis=0).max()
    assert max(finals) >= grid_best - 1e-6
    assert max(finals) - grid_best < 0.05  # the grid is close to, not above, EM's maximum


def test_local_optima_and_label_switching():
    """Two coins for three groups: which two groups share a coin depends on θ⁽⁰⁾."""
    model = BinomialMixture(2, 20)

    def fit(p):
        return run(model, THREE_GROUPS, BinomialMixtureParams([0.5, 0.5], p), max_iter=1000,
                   tol=1e-12)

    low, high = fit([0.05, 0.5]), fit([0.3, 0.7])
    assert low.records[-1].log_likelihood == pytest.approx(-64.821, abs=1e-3)
    assert high.records[-1].log_likelihood == pytest.approx(-62.982, abs=1e-3)
    assert np.round(low.params.p, 3).tolist() == [0.153, 0.747]
    assert np.round(high.params.p, 3).tolist() == [0.303, 0.915]
    swapped = fit([0.7, 0.3])  # the same answer with the coins' names exchanged
    assert np.allclose(swapped.params.p, high.params.p[::-1], atol=1e-6)
    assert np.allclose(swapped.params.weights, high.params.weights[::-1], atol=1e-6)
    assert swapped.records[-1].log_likelihood == pytest.approx(high.records[-1].log_likelihood)
    equal = fit([0.4, 0.4])  # symmetric start: a fixed point that is not a maximum
    assert equal.params.p[0] == pytest.approx(equal.params.p[1])
    assert equal.records[-1].log_likelihood < low.records[-1].log_likelihood


@pytest.mark.parametrize("call, message", [
    (lambda: BinomialMixture(2, 10).validate_data([5, 11]), "n_trials < successes"),
    (lambda: BinomialMixture(2, 10).validate_data([5, -1]), "X must be non-negative"),
    (lambda: BinomialMixture(2, 10).validate_data([5.5]), "X must be non-negative integers"),
    (lambda: BinomialMixture(2, [10, 10]).validate_data([5, 6, 7]), "n_trials has 2"),
    (lambda: BinomialMixture(0, 10), "n_components"),
    (lambda: BinomialMixture(2, 0), "n_trials"),
    (lambda: BinomialMixture(2, 10, weights=[0.2, 0.3, 0.5]), "weights"),
    (lambda: BinomialMixture(2, 10, learn_weights="yes"), "learn_weights"),
    (lambda: BinomialMixtureParams([0.5, 0.5], [0.2, 1.2]), "p must lie in"),
    (lambda: BinomialMixtureParams([0.6, 0.5], [0.2, 0.3]), "weights must sum to 1"),
])
def test_bad_inputs_give_clear_errors(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_coin_stepper_widget_clicks():
    w = coin_stepper(DO_BATZOGLOU, n_trials=10, p_start=(0.6, 0.5), learn_weights=False)
    images = {w.picture.value}
    w.buttons["M step"].click()
    assert "M step before any E step" in w.message.value
    w.buttons["E step"].click()
    assert w.shown.posterior.shape == (5, 2)
    images.add(w.picture.value)
    w.buttons["E+M"].click()
    images.add(w.picture.value)
    assert len(images) == 3
    w.buttons["Undo"].click()
    w.buttons["Run"].click()
    assert w.stepper.trace.converged and w.stepper.trace.n_iter > 5
    assert np.allclose(w.stepper.params.weights, [0.5, 0.5])
    assert_em_laws(w.stepper.trace.records)
    w.buttons["Reset"].click()
    assert len(w.stepper) == 1 and w.picture.value in images


def test_a_coin_driven_towards_one_keeps_a_finite_bound():
    """Regression (found by hypothesis): p_k → 1 while a set with tails keeps q_nk ≈ 1e-9.

    S/(S+F) rounded to 1.0 made ln(1−p_k) = −∞ meet q_nk > 0: L = −∞ and ln p = L + KL
    became NaN. The M step now keeps p_k at the largest double below 1.
    """
    trials = np.array([7, 7, 8, 12, 5, 10, 13, 9, 13, 14])
    heads = np.array([7, 5, 4, 2, 2, 1, 6, 5, 3, 5])
    weights = np.array([0.13046976, 0.10972586, 0.75980438])
    weights = weights / weights.sum()
    model = BinomialMixture(3, trials, learn_weights=False, weights=weights)
    start = BinomialMixtureParams(weights, [0.48749338, 0.77866102, 0.63881782])
    trace = run(model, heads, start, max_iter=12, tol=0.0, keep="all")
    assert_em_laws(trace.records)
    assert trace.params.p[1] > 0.9999 and np.isfinite(trace.records[-1].lower_bound)


def test_one_dimensional_mixture_refuses_parameters_with_another_k():
    from emlib.mixtures import GaussianMixture1D, Mixture1DParams

    wrong = Mixture1DParams([0.2, 0.3, 0.5], [0.0, 1.0, 2.0], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="K=3 components but the model has n_components=2"):
        run(GaussianMixture1D(2), np.linspace(-1, 1, 20), wrong)
    with pytest.raises(TypeError, match="params"):
        GaussianMixture1D(2).log_joint(np.zeros(3), {"weights": [0.5, 0.5]})


def test_map_weights_keep_a_tiny_count_positive():
    from emlib.mixtures import map_weights

    w = map_weights(np.array([5.0, 1e-20, 3.0]), 1.0)
    assert w[1] > 0 and w.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(map_weights(np.array([2.0, 0.0]), 2.0), [0.75, 0.25])


def test_coin_statistics_add_and_give_the_m_step():
    """The protocol: statistics of two halves add to the whole's, and θ(s) is the M step."""
    rng = np.random.default_rng(5)
    model = BinomialMixture(2, 10)
    X = model.validate_data(rng.binomial(10, rng.choice([0.2, 0.8], 60)))
    q = rng.dirichlet([1.0, 1.0], 60)
    halves = (model.expected_statistics(X.successes[:25], q[:25])
              + model.expected_statistics(X.successes[25:], q[25:]))
    np.testing.assert_allclose(halves, model.expected_statistics(X, q), rtol=1e-12)
    by_statistics = model.params_from_statistics(halves)
    direct = model.m_step(X, q)
    np.testing.assert_allclose(by_statistics.p, direct.p, rtol=1e-12)
    np.testing.assert_allclose(by_statistics.weights, direct.weights, rtol=1e-12)
