"""Chapter 07 (emlib.theory): the 1-D mixtures, the bound curves, EM's rate, the widgets."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from toy_models import LINE_START, line_data

from emlib.em import Stepper, run
from emlib.mixtures import BinomialMixture, BinomialMixtureParams
from emlib.theory import (
    GaussianMixture1D,
    Mixture1DParams,
    OneMeanMixture,
    VectorMap,
    bound_curve,
    em_jacobian,
    em_map,
    increment_ratios,
    information_matrices,
    likelihood_curve,
    missing_information_fraction,
    numerical_hessian,
)
from emlib.views.theory import EMEffectWidget, bound_gap_stepper

START = Mixture1DParams(**LINE_START)
VMAP = VectorMap(lambda p: np.r_[p.weights[:1], p.means, p.variances],
                 lambda v: Mixture1DParams([v[0], 1 - v[0]], v[1:3], v[3:5]))


def test_mixture_matches_scikit_learn_from_the_same_start():
    from sklearn.mixture import GaussianMixture

    X = line_data(1)
    ours = run(GaussianMixture1D(2, min_variance=1e-12), X, START, max_iter=30, tol=0.0)
    sk = GaussianMixture(2, covariance_type="full", reg_covar=0.0, max_iter=30, tol=0.0,
                         weights_init=START.weights, means_init=START.means[:, None],
                         precisions_init=1 / START.variances[:, None, None])
    with pytest.warns(Warning):
        sk.fit(X[:, None])
    np.testing.assert_allclose(ours.params.means, sk.means_[:, 0], atol=1e-6)
    np.testing.assert_allclose(ours.params.variances, sk.covariances_[:, 0, 0], atol=1e-6)
    np.testing.assert_allclose(ours.params.weights, sk.weights_, atol=1e-6)
    assert ours.records[-1].log_likelihood / len(X) == pytest.approx(sk.score(X[:, None]),
                                                                     abs=1e-6)


def test_log_joint_matches_scipy():
    from scipy.stats import norm

    X = line_data(2)
    table = GaussianMixture1D(2).log_joint(X, START)
    expected = np.log(START.weights) + norm.logpdf(X[:, None], START.means,
                                                   np.sqrt(START.variances))
    np.testing.assert_allclose(table, expected, atol=1e-12)


def test_empty_component_and_variance_floor():
    X = np.array([0.0, 0.0, 0.0, 5.0])
    model = GaussianMixture1D(2, min_variance=1e-3)
    q = np.array([[1.0, 0.0]] * 4)
    params = model.m_step(X, q)
    assert params.means[1] == pytest.approx(X.mean())  # empty component: pooled values
    assert params.variances[1] == pytest.approx(X.var())
    q = np.array([[1, 0], [1, 0], [1, 0], [0, 1.0]])
    assert model.m_step(X, q).variances.min() == pytest.approx(1e-3)  # floor


@pytest.mark.parametrize("kwargs, message", [
    ({"n_components": 0}, "n_components"),
    ({"n_components": 2, "learn_variances": False}, "variances"),
    ({"n_components": 2, "weights": [0.2, 0.2]}, "weights"),
    ({"n_components": 2, "min_variance": 0.0}, "min_variance"),
    ({"n_components": 2, "learn_weights": 1}, "learn_weights"),
])
def test_mixture_rejects_bad_arguments(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        GaussianMixture1D(**kwargs)


def test_params_and_data_validation():
    with pytest.raises(ValueError, match="variances"):
        Mixture1DParams([0.5, 0.5], [0, 1], [1, -1])
    with pytest.raises(ValueError, match="X"):
        GaussianMixture1D(2).validate_data(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="free"):
        OneMeanMixture([0, 1], [1, 1], free=2)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), mu=st.floats(-4, 4))
def test_one_mean_m_step_is_the_maximum_of_the_bound(seed, mu):
    """μ_new = Σ q x / Σ q is where L(q_old, μ) peaks, and L ≤ ln p with contact at μ_old."""
    X = line_data(seed, 60)
    model = OneMeanMixture([0.0, 2.0], [1.0, 1.0], [0.4, 0.6])
    old = model.params_at(mu)
    q = model.e_step(X, old)
    new = model.m_step(X, q)
    parameter = model.parameter(-6, 6)
    grid = np.linspace(-6, 6, 241)
    bound = bound_curve(model, X, q, old, parameter, grid)
    curve = likelihood_curve(model, X, old, parameter, grid)
    assert np.all(bound <= curve + 1e-9)
    assert abs(grid[np.argmax(bound)] - new.means[0]) <= 0.05 + 1e-12
    assert model.lower_bound(X, q, old) == pytest.approx(model.log_likelihood(X, old), abs=1e-9)
    # the bound is a parabola in μ: its maximum is exactly the M step
    h = 1e-4
    f = [model.lower_bound(X, q, model.params_at(new.means[0] + d)) for d in (-h, 0, h)]
    assert f[1] >= max(f[0], f[2])


def test_bound_gradient_matches_finite_differences():
    X = line_data(3)
    model = GaussianMixture1D(2)
    q = model.e_step(X, START)
    vmap = model.vector_map
    v = vmap.to_vector(START) + 0.1
    grad = model.bound_gradient(X, q, vmap.from_vector(v))
    eps = 1e-6
    numeric = [(model.lower_bound(X, q, vmap.from_vector(v + eps * e))
                - model.lower_bound(X, q, vmap.from_vector(v - eps * e))) / (2 * eps)
               for e in np.eye(len(v))]
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6)
    one = OneMeanMixture([0.0, 2.0], [1.0, 1.0])
    g = one.bound_gradient(X, one.e_step(X, one.params_at(0.5)), one.params_at(0.5))
    assert np.count_nonzero(g) == 1


def test_rate_equals_largest_fraction_of_missing_information():
    """Jacobian of the EM map at θ* = 1 − I_c⁻¹ I_obs (Dempster et al.), and the observed rate."""
    X = line_data(0)
    model = GaussianMixture1D(2)
    fixed = run(model, X, START, max_iter=3000, tol=0.0).params
    J = em_jacobian(model, X, fixed, VMAP)
    F = missing_information_fraction(model, X, fixed, VMAP)
    rate_j = np.max(np.abs(np.linalg.eigvals(J)))
    rate_f = np.max(np.abs(np.linalg.eigvals(F)))
    assert rate_j == pytest.approx(rate_f, abs=1e-4)
    assert 0 < rate_j < 1
    obs, complete = information_matrices(model, X, fixed, VMAP)
    assert np.all(np.linalg.eigvalsh(complete - obs) > -1e-4)  # I_missing ⪰ 0
    lls = run(model, X, START, max_iter=80, tol=0.0).column("log_likelihood", step="M")
    assert increment_ratios(lls)[-1] == pytest.approx(rate_j ** 2, abs=5e-3)
    np.testing.assert_allclose(VMAP.to_vector(em_map(model, X, fixed)), VMAP.to_vector(fixed),
                               atol=1e-9)


def test_rate_for_the_coins():
    X = np.array([5, 9, 8, 4, 7, 2, 3, 9])
    model = BinomialMixture(2, 10, learn_weights=False)
    vmap = VectorMap(lambda p: p.p.copy(), lambda v: BinomialMixtureParams([0.5, 0.5], v))
    data = model.validate_data(X)
    fixed = run(model, data, BinomialMixtureParams([0.5, 0.5], [0.6, 0.5]), max_iter=2000,
                tol=0.0).params
    J = em_jacobian(model, data, fixed, vmap)
    F = missing_information_fraction(model, data, fixed, vmap)
    np.testing.assert_allclose(np.sort(np.linalg.eigvals(J).real),
                               np.sort(np.linalg.eigvals(F).real), atol=1e-4)


def test_numerical_hessian_on_a_quadratic():
    A = np.array([[2.0, 0.5], [0.5, 1.0]])
    H = numerical_hessian(lambda t: -0.5 * t @ A @ t, np.array([0.3, -0.2]))
    np.testing.assert_allclose(H, -A, atol=1e-6)


def test_increment_ratios():
    values = 1 - 0.5 ** np.arange(6)
    np.testing.assert_allclose(increment_ratios(values), 0.5)


def test_em_effect_widget_clicks():
    X = line_data(0)
    model = OneMeanMixture([0.0, 2.0], [1.0, 1.0], [0.4, 0.6])
    w = EMEffectWidget(model, X, model.params_at(-3.5), model.parameter(-4, 3))
    first = w.picture.value
    w.buttons["M step"].click()
    assert "before any E step" in w.message.value
    w.buttons["E step"].click()
    assert w.picture.value != first and len(w.bounds()) == 1
    touch, values = w.bounds()[0]
    assert touch == -3.5
    w.buttons["M step"].click()
    mu1 = model.parameter(-4, 3).get(w.stepper.params)
    assert mu1 == pytest.approx(w.grid[np.argmax(values)], abs=(w.grid[1] - w.grid[0]))
    assert "μ_1 = " in repr(w) and "M (iteration 1)" in repr(w)
    w.buttons["Undo"].click()
    assert w.stepper.last_step == "E"
    w.buttons["Reset"].click()
    assert w.stepper.last_step == "init" and w.bounds() == []
    with pytest.raises(TypeError, match="parameter"):
        EMEffectWidget(model, X, model.params_at(0.0), "mu")


def test_bound_gap_stepper_shows_the_gap():
    w = bound_gap_stepper(BinomialMixture(2, 10), np.array([5, 9, 8, 4, 7]),
                          BinomialMixtureParams([0.5, 0.5], [0.6, 0.5]))
    w.buttons["E step"].click()
    assert w.shown.kl == pytest.approx(0.0, abs=1e-12)
    before = w.picture.value
    w.buttons["M step"].click()
    assert w.shown.kl > 0 and w.picture.value != before
    assert "M (iteration 1)" in repr(w)


def test_stepper_on_one_mean_model_climbs():
    X = line_data(4)
    model = OneMeanMixture([0.0, 2.0], [1.0, 1.0])
    s = Stepper(model, X, model.params_at(-3.0))
    s.run(200, 1e-12)
    assert np.all(np.diff(s.trace.log_likelihoods) >= -1e-10)
