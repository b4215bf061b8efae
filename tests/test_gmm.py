"""emlib.gmm: the Gaussian mixture by soft EM against SciPy, scikit-learn and EM's laws."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp
from scipy.stats import multivariate_normal
from sklearn.exceptions import ConvergenceWarning as SkConvergenceWarning
from sklearn.mixture import GaussianMixture as SkGaussianMixture

from emlib._validation import NotFittedError
from emlib.datasets import load_old_faithful, make_gaussian_blobs
from emlib.em import Statistics, Stepper, SufficientStatisticsModel, run
from emlib.gmm import (
    COVARIANCE_TYPES,
    ComponentCollapseWarning,
    ConvergenceWarning,
    GaussianMixture,
    GaussianMixtureModel,
    GMMParams,
    GMMPrior,
    GMMStatistics,
    MAPGaussianMixtureModel,
    textbook_e_step,
    textbook_m_step,
)
from emlib.views.gmm import draw_gmm, gmm_stepper

TYPES = list(COVARIANCE_TYPES)


def blobs(seed: int = 0, n: int = 300, d: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    means = rng.normal(0, 3, (3, d))
    a = rng.normal(size=(3, d, d)) * 0.6
    covs = a @ np.swapaxes(a, 1, 2) + 0.3 * np.eye(d)
    return make_gaussian_blobs(n, means, covs, weights=[0.3, 0.5, 0.2], rng=seed).X + 5.0


def faithful() -> np.ndarray:
    X, _ = load_old_faithful()
    return (X - X.mean(0)) / X.std(0)


def start(X: np.ndarray, k: int, ctype: str, seed: int = 0) -> GMMParams:
    return GaussianMixture(k, covariance_type=ctype, max_iter=0, random_state=seed,
                           init_params="kmeans").initial_params(X)


def scipy_log_joint(X: np.ndarray, p: GMMParams) -> np.ndarray:
    covs = p.full_covariances()
    return np.stack([np.log(p.weights[k]) + multivariate_normal(p.means[k], covs[k]).logpdf(X)
                     for k in range(p.n_components)], axis=1).reshape(len(X), -1)


# -- the model against independent formulas ------------------------------------------------


@pytest.mark.parametrize("ctype", TYPES)
def test_log_joint_and_evaluate_match_scipy(ctype):
    X = blobs(1, n=120, d=3)
    p = start(X, 3, ctype)
    model = GaussianMixtureModel(3, ctype, chunk_size=37)
    ref = scipy_log_joint(X, p)
    np.testing.assert_allclose(model.log_joint(X, p), ref, rtol=1e-10, atol=1e-10)
    rng = np.random.default_rng(0)
    q = rng.dirichlet(np.ones(3), size=len(X))  # any q, not the posterior
    ev = model.evaluate(X, p, q)
    log_post = ref - logsumexp(ref, axis=1, keepdims=True)
    assert ev.log_likelihood == pytest.approx(logsumexp(ref, axis=1).sum(), rel=1e-12)
    np.testing.assert_allclose(ev.posterior, np.exp(log_post), atol=1e-12)
    assert ev.lower_bound == pytest.approx(np.sum(q * (ref - np.log(q))), rel=1e-11)
    assert ev.kl == pytest.approx(np.sum(q * (np.log(q) - log_post)), rel=1e-9, abs=1e-9)
    assert ev.kl > 0


@pytest.mark.parametrize("ctype", TYPES)
def test_m_step_matches_weighted_formulas(ctype):
    X = blobs(2, n=150, d=3)
    rng = np.random.default_rng(1)
    q = rng.dirichlet(np.ones(3), size=len(X))
    model = GaussianMixtureModel(3, ctype, reg_covar=1e-6, chunk_size=64)
    p = model.m_step(X, q)
    nk = q.sum(0)
    means = q.T @ X / nk[:, None]
    full = np.stack([(q[:, k, None] * (X - means[k])).T @ (X - means[k]) / nk[k]
                     for k in range(3)])
    expected = {"full": full + 1e-6 * np.eye(3),
                "tied": np.einsum("k,kij->ij", nk, full) / len(X) + 1e-6 * np.eye(3),
                "diag": np.diagonal(full, axis1=1, axis2=2) + 1e-6,
                "spherical": np.trace(full, axis1=1, axis2=2) / 3 + 1e-6}[ctype]
    np.testing.assert_allclose(p.weights, nk / len(X), rtol=1e-12)
    np.testing.assert_allclose(p.means, means, rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(p.covariances, expected, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("ctype", TYPES)
def test_m_step_maximises_the_bound(ctype):
    """L(q, θ_new) ≥ L(q, θ) for θ near θ_new: the M step is the argmax at fixed q."""
    X = blobs(3, n=200)
    model = GaussianMixtureModel(3, ctype, reg_covar=0.0)
    q = model.e_step(X, start(X, 3, ctype))
    best = model.m_step(X, q)
    top = model.lower_bound(X, q, best)
    rng = np.random.default_rng(0)
    for _ in range(20):
        w = best.weights * np.exp(rng.normal(0, 0.05, 3))
        cov = best.covariances * np.exp(rng.normal(0, 0.02))
        other = GMMParams(w / w.sum(), best.means + rng.normal(0, 0.05, best.means.shape),
                          cov, ctype)
        assert model.lower_bound(X, q, other) < top


# -- agreement with scikit-learn from the same θ⁽⁰⁾ --------------------------------------


@pytest.mark.parametrize("ctype", TYPES)
@pytest.mark.parametrize("data", ["faithful", "blobs3d"])
def test_same_result_as_sklearn_from_same_start(ctype, data):
    X = faithful() if data == "faithful" else blobs(4, n=400, d=3)
    p0 = start(X, 3, ctype, seed=2)
    kwargs = dict(covariance_type=ctype, weights_init=p0.weights, means_init=p0.means,
                  precisions_init=p0.precisions(), max_iter=12, tol=0.0, reg_covar=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkConvergenceWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkGaussianMixture(3, **kwargs).fit(X)
        ours = GaussianMixture(3, **kwargs, chunk_size=100).fit(X)
    assert ours.n_iter_ == sk.n_iter_ == 12
    np.testing.assert_allclose(ours.weights_, sk.weights_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.means_, sk.means_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.covariances_, sk.covariances_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.precisions_cholesky_, sk.precisions_cholesky_, rtol=1e-8,
                               atol=1e-10)
    np.testing.assert_allclose(ours.precisions_, sk.precisions_, rtol=1e-8, atol=1e-10)
    assert ours.score(X) == pytest.approx(sk.score(X), rel=1e-10)
    np.testing.assert_allclose(ours.score_samples(X), sk.score_samples(X), rtol=1e-9)
    np.testing.assert_allclose(ours.predict_proba(X), sk.predict_proba(X), atol=1e-9)
    np.testing.assert_array_equal(ours.predict(X), sk.predict(X))
    assert ours.bic(X) == pytest.approx(sk.bic(X), rel=1e-10)
    assert ours.aic(X) == pytest.approx(sk.aic(X), rel=1e-10)
    # scikit-learn's lower_bound_ is ln p / N at the θ of its last E step (= our θ after 11 M)
    lls = ours.trace_.column("log_likelihood", step="M")
    assert sk.lower_bound_ == pytest.approx(lls[-2] / len(X), rel=1e-10)
    assert ours.lower_bound_ <= ours.score(X) + 1e-12


def test_sklearn_agreement_on_a_large_chunked_fit():
    X = blobs(5, n=30_000, d=4)
    p0 = start(X, 3, "full")
    kwargs = dict(weights_init=p0.weights, means_init=p0.means, precisions_init=p0.precisions(),
                  max_iter=5, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = SkGaussianMixture(3, **kwargs).fit(X)
        ours = GaussianMixture(3, **kwargs, chunk_size=4096).fit(X)
    np.testing.assert_allclose(ours.covariances_, sk.covariances_, rtol=1e-8)
    assert ours.score(X) == pytest.approx(sk.score(X), rel=1e-12)


def test_chunk_size_does_not_change_the_answer():
    X = blobs(6, n=257, d=3)
    p0 = start(X, 3, "full")
    a = run(GaussianMixtureModel(3, chunk_size=1), X, p0, max_iter=5, tol=0)
    b = run(GaussianMixtureModel(3, chunk_size=10_000), X, p0, max_iter=5, tol=0)
    np.testing.assert_allclose(a.column("log_likelihood"), b.column("log_likelihood"),
                               rtol=1e-12)
    np.testing.assert_allclose(a.params.covariances, b.params.covariances, rtol=1e-10)


# -- the laws of EM -------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), k=st.integers(1, 4), d=st.integers(1, 3),
       ctype=st.sampled_from(TYPES), iters=st.integers(1, 15))
def test_em_laws_hold_for_every_covariance_type(seed, k, d, ctype, iters):
    """ln p never decreases; ln p = L + KL after every half-step; L = ln p after each E."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30 * k, d)) * rng.uniform(0.5, 3, d) + rng.normal(0, 2, d)
    X[: 15 * k] += rng.normal(0, 3, d)
    model = GaussianMixtureModel(k, ctype, reg_covar=0.0, init_params="random")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ComponentCollapseWarning)
            trace = run(model, X, max_iter=iters, tol=0.0, rng=seed)
    except ValueError as error:  # exact EM (reg_covar=0) may meet a singular component
        assume("positive" not in str(error))
        raise
    lls = trace.column("log_likelihood")
    scale = max(1.0, float(np.abs(lls).max()))
    assert np.all(np.diff(lls) >= -1e-10 * scale)
    for r in trace.records[1:]:
        assert r.kl >= -1e-9 * scale
        assert r.log_likelihood == pytest.approx(r.lower_bound + r.kl, abs=1e-9 * scale)
        if r.step == "E":
            assert r.lower_bound == pytest.approx(r.log_likelihood, abs=1e-9 * scale)
            assert r.kl == 0.0


def test_remembered_pass_gives_the_same_numbers_as_a_fresh_one():
    X = faithful()
    p0 = start(X, 3, "full")
    s = Stepper(GaussianMixtureModel(3), X, p0)
    for action in (s.iterate, s.iterate, s.undo, s.undo, s.e, s.m, s.e):
        action()
    fresh = GaussianMixtureModel(3)
    ev = fresh.evaluate(X, s.params)
    assert s.record.log_likelihood == pytest.approx(ev.log_likelihood, rel=1e-13)
    np.testing.assert_allclose(s.posterior, ev.posterior, atol=1e-14)
    assert len(s) == 6
    reference = run(GaussianMixtureModel(3), X, p0, max_iter=2, tol=0)
    np.testing.assert_allclose(s.trace.column("log_likelihood")[:5],
                               reference.column("log_likelihood"), rtol=1e-13)


def test_far_points_do_not_underflow():
    X = np.concatenate([blobs(7, n=100), [[1e3, -1e3], [-5e2, 8e2]]])
    model = GaussianMixtureModel(3)
    p = start(X[:100], 3, "full")
    ev = model.evaluate(X, p)
    assert np.isfinite(ev.log_likelihood)
    np.testing.assert_allclose(ev.posterior.sum(1), 1.0)
    assert np.all(np.isfinite(ev.posterior))


def test_one_dimensional_data_and_sampling():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-3, 1, 400), rng.normal(2, 0.5, 600)])
    g = GaussianMixture(2, random_state=0).fit(x)
    order = np.argsort(g.means_[:, 0])
    np.testing.assert_allclose(g.means_[order, 0], [-3, 2], atol=0.15)
    np.testing.assert_allclose(g.weights_[order], [0.4, 0.6], atol=0.05)
    Xs, z = g.sample(20_000, rng=1)
    assert Xs.shape == (20_000, 1) and z.shape == (20_000,)
    np.testing.assert_allclose(np.bincount(z) / 20_000, g.weights_, atol=0.02)
    assert np.all(np.diff(z) >= 0)
    for k in range(2):
        assert Xs[z == k, 0].mean() == pytest.approx(g.means_[k, 0], abs=0.05)


@pytest.mark.parametrize("init", ["kmeans", "k-means++", "random", "random_from_data"])
def test_every_init_finds_the_old_faithful_clusters(init):
    X = faithful()
    g = GaussianMixture(2, init_params=init, random_state=3, max_iter=300, tol=1e-8).fit(X)
    assert g.converged_
    # the two eruption types: the known maximum of ln p for K = 2 (full)
    assert g.score(X) == pytest.approx(-1.417135, abs=1e-5)
    assert sorted(np.round(g.weights_, 2)) == [0.36, 0.64]


def test_bic_prefers_the_true_number_of_components():
    X = blobs(8, n=600)
    bics = [GaussianMixture(k, random_state=0).fit(X).bic(X) for k in range(1, 6)]
    assert int(np.argmin(bics)) + 1 == 3


# -- collapse ----------------------------------------------------------------------------------


def test_a_component_collapsing_onto_one_point_is_reported_and_stays_pd():
    X = faithful()
    p0 = GMMParams([0.5, 0.45, 0.05], [[-1.0, -1.0], [1.0, 1.0], X[0]],
                   [np.eye(2) * 0.3, np.eye(2) * 0.3, np.eye(2) * 1e-6])
    with pytest.warns(ComponentCollapseWarning, match=r"component\(s\) \[2\] collapsed"):
        trace = run(GaussianMixtureModel(3, reg_covar=1e-6), X, p0, max_iter=5, tol=0)
    cov = trace.params.covariances[2]
    np.testing.assert_allclose(np.linalg.eigvalsh(cov), 1e-6, rtol=1e-3)  # held by reg_covar
    np.testing.assert_allclose(trace.params.means[2], X[0], atol=1e-9)
    assert trace.params.weights[2] == pytest.approx(1 / len(X), rel=1e-3)
    lls = trace.column("log_likelihood")
    assert np.all(np.isfinite(lls)) and np.all(np.diff(lls) >= -1e-9)
    # the singularity: that one point alone adds ln(π_3 N(x_0|x_0, 1e-6 I)) ≈ +6.4 nats
    assert lls[-1] > GaussianMixture(2, random_state=0, tol=1e-10).fit(X).score(X) * len(X)


def test_an_empty_component_is_parked_at_the_data_mean():
    X = faithful()
    p0 = GMMParams([0.5, 0.49, 0.01], [[-1.0, -1.0], [1.0, 1.0], [40.0, 40.0]],
                   [np.eye(2) * 0.3, np.eye(2) * 0.3, np.eye(2) * 0.01])
    model = GaussianMixtureModel(3)
    with pytest.warns(ComponentCollapseWarning, match="lost all their points"):
        p1 = model.m_step(X, model.e_step(X, p0))
    np.testing.assert_allclose(p1.means[2], X.mean(0), atol=1e-12)
    np.testing.assert_allclose(p1.covariances[2], np.cov(X.T, bias=True) + 1e-6 * np.eye(2),
                               atol=1e-10)
    assert p1.weights[2] < 1e-15
    assert np.all(np.isfinite(p1.means)) and np.all(np.isfinite(p1.covariances))


def test_without_reg_covar_a_singular_component_is_a_clear_error():
    X = np.array([[0.0, 1.0], [0.0, 2.0], [0.0, 3.0], [0.0, 5.0]])  # a constant column
    with pytest.raises(ValueError, match="reg_covar"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        GaussianMixture(1, reg_covar=0.0).fit(X)
    with pytest.warns(ComponentCollapseWarning):
        g = GaussianMixture(1, reg_covar=1e-6).fit(X)
    assert np.linalg.eigvalsh(g.covariances_[0]).min() == pytest.approx(1e-6, rel=1e-6)


def test_max_iter_reached_warns_convergence():
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        GaussianMixture(3, max_iter=1, random_state=0).fit(faithful())


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, X, match", [
    ({"n_components": 5}, np.zeros((3, 2)), "n_components=5 must be <= n_samples=3"),
    ({"n_components": 2}, [[0.0, np.nan], [1.0, 2.0], [3, 4]], "X contains NaN"),
    ({"n_components": 2, "weights_init": [0.5, 0.6]}, None, "weights_init must sum to 1"),
    ({"n_components": 2, "weights_init": [1.0, 0.0, 0.0]}, None, r"weights_init must have shape"),
    ({"n_components": 2, "means_init": np.zeros((2, 3))}, None, r"means_init must have shape"),
    ({"n_components": 2, "precisions_init": np.stack([np.eye(2), -np.eye(2)])}, None,
     "precisions_init must be positive definite"),
    ({"n_components": 2, "precisions_init": np.stack([np.eye(2), [[1, 2], [0, 1]]])}, None,
     "precisions_init must be symmetric"),
    ({"n_components": 2, "precisions_init": np.eye(2)}, None, r"precisions_init must have shape"),
    ({"n_components": 2, "covariance_type": "diag", "precisions_init": [[1, 1], [1, -1]]},
     None, "precisions_init must be positive"),
])
def test_bad_input_is_a_clear_error(kwargs, X, match):
    X = faithful() if X is None else X
    with pytest.raises(ValueError, match=match):
        GaussianMixture(**kwargs).fit(X)


def test_bad_hyper_parameters_are_refused_by_fit_naming_the_argument():
    X = faithful()
    for kwargs, error, match in [
            ({"covariance_type": "banana"}, ValueError, "covariance_type"),
            ({"init_params": "nope"}, ValueError, "init_params"),
            ({"reg_covar": -1.0}, ValueError, "reg_covar"),
            ({"n_components": 2.5}, TypeError, "n_components"),
            ({"tol": -1.0}, ValueError, "tol"),
            ({"max_iter": -1}, ValueError, "max_iter"),
            ({"random_state": -1}, ValueError, "random_state"),
            ({"chunk_size": 0}, ValueError, "chunk_size"),
            ({"prior": {"covariance_scale": 1.0}}, TypeError, "prior")]:
        estimator = GaussianMixture(**{"n_components": 2, **kwargs})  # stored unchecked
        with pytest.raises(error, match=match):
            estimator.fit(X)
    with pytest.raises(NotFittedError):
        GaussianMixture(2).predict(X)
    with pytest.raises(NotFittedError):
        GaussianMixture(2).sample(3)
    g = GaussianMixture(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\)"):
        g.predict(np.zeros((4, 3)))
    assert g.n_parameters_ == 2 * 3 + 2 * 2 + 1


def test_params_validate_themselves():
    with pytest.raises(ValueError, match="weights must be non-negative and sum to 1"):
        GMMParams([0.3, 0.3], np.zeros((2, 2)), np.stack([np.eye(2)] * 2))
    with pytest.raises(ValueError, match="covariances must be positive definite"):
        GMMParams([0.5, 0.5], np.zeros((2, 2)), np.stack([np.eye(2), -np.eye(2)]))
    with pytest.raises(ValueError, match=r"covariances must have shape \(2,\)"):
        GMMParams([0.5, 0.5], np.zeros((2, 2)), np.eye(2), "spherical")
    p = GMMParams([0.5, 0.5], np.zeros((2, 2)), [1.0, 2.0], "spherical")
    with pytest.raises(ValueError):
        p.means[0, 0] = 1.0  # read-only: a cached pass can trust θ
    model = GaussianMixtureModel(2, "full")
    with pytest.raises(ValueError, match="covariance_type='spherical'"):
        model.e_step(faithful(), p)


# -- the widget ------------------------------------------------------------------------------


def test_stepper_widget_clicks():
    w = gmm_stepper(faithful(), n_components=2, random_state=1)
    first = w.picture.value
    w.buttons["M step"].click()
    assert "no q(Z) yet" in w.message.value and w.slider.max == 0
    w.buttons["E step"].click()
    assert w.shown.step == "E" and w.shown.posterior is not None
    w.buttons["M step"].click()
    assert w.shown.step == "M" and w.picture.value != first
    assert w.slider.max == 2 and "iteration 1" in w.label.value
    w.buttons["Run"].click()
    assert w.stepper.trace.converged
    assert w.shown.log_likelihood == pytest.approx(-1.417135 * 272, abs=1e-2)
    assert repr(w).startswith("StepperWidget(GaussianMixtureModel")
    w.buttons["Reset"].click()
    assert len(w.stepper) == 1 and w.picture.value == first


def test_widget_needs_two_dimensional_data():
    with pytest.raises(ValueError, match="2-D"):
        gmm_stepper(blobs(0, d=3))
    from emlib.views.plotting import new_figure
    fig, ax = new_figure()
    with pytest.raises(ValueError, match="2-D"):
        draw_gmm(ax, blobs(0, d=3), start(blobs(0, d=3), 3, "full"))


def test_tol_none_runs_exactly_max_iter_even_after_convergence():
    X = faithful()
    p0 = start(X, 2, "full")
    converged = run(GaussianMixtureModel(2), X, p0, max_iter=500, tol=0.0)
    assert converged.converged and converged.n_iter < 500
    exact = run(GaussianMixtureModel(2), X, p0, max_iter=converged.n_iter + 5, tol=None)
    assert exact.n_iter == converged.n_iter + 5 and not exact.converged


# -- MAP-EM ------------------------------------------------------------------------------------


@pytest.mark.parametrize("ctype", TYPES)
def test_log_prior_matches_scipy(ctype):
    from scipy.stats import dirichlet, invgamma, invwishart

    prior = GMMPrior(weight_concentration=2.5, covariance_scale=0.3, degrees_of_freedom=4.5)
    model = MAPGaussianMixtureModel(3, ctype, prior=prior)
    X = blobs(9, n=200, d=3)
    p = start(X, 3, ctype)
    expected = dirichlet.logpdf(p.weights, np.full(3, 2.5))
    if ctype == "full":
        expected += sum(invwishart.logpdf(c, df=4.5, scale=0.3 * np.eye(3)) for c in p.covariances)
    elif ctype == "tied":
        expected += invwishart.logpdf(p.covariances, df=4.5, scale=0.3 * np.eye(3))
    elif ctype == "diag":
        expected += invgamma.logpdf(p.covariances, a=4.5 / 2, scale=0.3 / 2).sum()
    else:
        expected += invgamma.logpdf(p.covariances, a=4.5 * 3 / 2, scale=0.3 * 3 / 2).sum()
    assert model.log_prior(p) == pytest.approx(expected, rel=1e-12)
    ev, plain = model.evaluate(X, p), GaussianMixtureModel(3, ctype).evaluate(X, p)
    assert ev.log_likelihood == pytest.approx(plain.log_likelihood + expected, rel=1e-12)


@pytest.mark.parametrize("ctype", TYPES)
def test_map_m_step_maximises_bound_plus_log_prior_and_climbs(ctype):
    X = blobs(10, n=150)
    prior = GMMPrior(weight_concentration=3.0, covariance_scale=0.5)
    model = MAPGaussianMixtureModel(3, ctype, prior=prior)
    trace = run(model, X, start(X, 3, ctype), max_iter=15, tol=None)
    lls = trace.column("log_likelihood")
    assert np.all(np.diff(lls) >= -1e-9 * np.abs(lls).max())
    for r in trace.records[1:]:
        assert r.log_likelihood == pytest.approx(r.lower_bound + r.kl, abs=1e-8)
    q = model.e_step(X, trace.params)
    best = model.m_step(X, q)
    top = model.lower_bound(X, q, best)  # L(q, θ) + ln p(θ)
    rng = np.random.default_rng(1)
    for _ in range(15):
        w = best.weights * np.exp(rng.normal(0, 0.05, 3))
        other = GMMParams(w / w.sum(), best.means + rng.normal(0, 0.03, best.means.shape),
                          best.covariances * np.exp(rng.normal(0, 0.02)), ctype)
        assert model.lower_bound(X, q, other) < top


def test_map_prior_keeps_a_one_point_component_away_from_the_singularity():
    X = faithful()
    p0 = GMMParams([0.5, 0.45, 0.05], [[-1.0, -1.0], [1.0, 1.0], X[0]],
                   [np.eye(2) * 0.3, np.eye(2) * 0.3, np.eye(2) * 1e-6])
    prior = GMMPrior(covariance_scale=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ComponentCollapseWarning)
        trace = run(MAPGaussianMixtureModel(3, prior=prior), X, p0, max_iter=30, tol=1e-8)
    assert np.linalg.eigvalsh(trace.params.covariances).min() > 0.1 / (272 + 4 + 3)
    g = GaussianMixture(2, prior=prior, random_state=0, tol=1e-8).fit(X)
    log_prior = MAPGaussianMixtureModel(2, prior=prior).log_prior(g.params_)
    assert g.trace_.records[-1].log_likelihood == pytest.approx(g.score(X) * len(X) + log_prior,
                                                                rel=1e-12)
    with pytest.raises(ValueError, match="weight_concentration"):
        GMMPrior(weight_concentration=0.5)


# -- the textbook steps, the engine and the statistics ------------------------------------------


def test_fast_engine_gives_the_textbook_numbers():
    X = blobs(11, n=500, d=3)
    p = start(X, 3, "full")
    model = GaussianMixtureModel(3, reg_covar=0.0, chunk_size=97)
    gamma = textbook_e_step(X, p.weights, p.means, p.covariances)
    posterior = model.evaluate(X, p).posterior  # a GMMPosterior, with its statistics
    np.testing.assert_allclose(model.e_step(X, p), gamma, rtol=0, atol=1e-10)
    np.testing.assert_allclose(np.asarray(posterior), gamma, rtol=0, atol=1e-10)
    weights, means, covs = textbook_m_step(X, gamma)
    new = model.m_step(X, posterior)
    np.testing.assert_allclose(new.weights, weights, rtol=1e-10)
    np.testing.assert_allclose(new.means, means, rtol=1e-10)
    np.testing.assert_allclose(new.covariances, covs, rtol=1e-10)
    # the statistics the E step carried equal the two-pass ones of a plain table
    fresh = model.expected_statistics(X, gamma)
    for name in ("nk", "sum_x", "scatter"):
        np.testing.assert_allclose(getattr(posterior.statistics, name), getattr(fresh, name),
                                   rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("ctype", TYPES)
def test_statistics_protocol_and_additivity(ctype):
    """m_step = params_from_statistics ∘ expected_statistics; statistics of two halves add
    (the centred scatters by the parallel formula) to those of the whole."""
    X = blobs(12, n=300, d=3) + 1e6  # far from the origin: the centred sums keep the digits
    model = GaussianMixtureModel(3, ctype)
    assert isinstance(model, SufficientStatisticsModel)
    q = np.random.default_rng(0).dirichlet(np.ones(3), size=len(X))
    whole = model.expected_statistics(X, q)
    assert isinstance(whole, GMMStatistics) and isinstance(whole, Statistics)
    parts = model.expected_statistics(X[:120], q[:120]) + model.expected_statistics(X[120:],
                                                                                   q[120:])
    for name in ("nk", "sum_x", "scatter"):
        np.testing.assert_allclose(getattr(parts, name), getattr(whole, name), rtol=1e-9)
    half = 0.5 * whole
    np.testing.assert_allclose(half.scatter, whole.scatter / 2)
    a, b = model.m_step(X, q), model.params_from_statistics(whole)
    np.testing.assert_allclose(a.covariances, b.covariances, rtol=1e-12)
    with pytest.raises(TypeError, match="stats"):
        model.params_from_statistics(q)


def test_one_pass_over_the_data_per_half_step(monkeypatch):
    """The E step reuses the pass made after the M step; the M step reads the statistics
    the posterior carries: one pass over the data per iteration, no identity caches."""
    from emlib import _gmm_engine

    passes = []
    for name in ("one_pass", "exact_scatter"):
        original = getattr(_gmm_engine, name)
        monkeypatch.setattr(_gmm_engine, name,
                            lambda *a, _f=original, _n=name, **k: passes.append(_n) or _f(*a, **k))
    X = faithful()
    p0 = start(X, 3, "full")
    model = GaussianMixtureModel(3)
    assert not hasattr(model, "clear_cache") and not hasattr(model, "_eval_cache")
    passes.clear()
    trace = run(model, X, p0, max_iter=6, tol=None)
    assert len(passes) == 1 + trace.n_iter <= len(trace.records)
    s = Stepper(GaussianMixtureModel(3), X, p0)
    passes.clear()
    s.e(); s.m(); s.e()  # noqa: E702
    assert len(passes) == 1
    ev = model.evaluate(X, p0)
    assert ev.posterior_lower_bound == ev.log_likelihood and ev.posterior_kl == 0.0


# -- reliability (issue 11) --------------------------------------------------------------------


def test_a_rows_score_depends_on_that_row_only():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 2))
    g = GaussianMixture(2, random_state=0).fit(X)
    sk = SkGaussianMixture(2, weights_init=g.weights_, means_init=g.means_,
                           precisions_init=g.precisions_, max_iter=1).fit(X)
    alone = g.score_samples([[0.3, -0.2]])[0]
    for far in ([1e12, 0.0], [1e200, 0.0], [1e200, 1e200], [-1e154, 3e153]):
        both = g.score_samples([[0.3, -0.2], far])
        assert both[0] == pytest.approx(alone, rel=1e-13)
        np.testing.assert_allclose(g.predict_proba([[0.3, -0.2], far])[0],
                                   g.predict_proba([[0.3, -0.2]])[0], atol=1e-13)
        proba = g.predict_proba([far])
        assert np.all(np.isfinite(proba)) and proba.sum() == pytest.approx(1.0)
    assert g.score_samples([[1e200, 0.0]])[0] == -np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert sk.score_samples([[1e200, 0.0]])[0] == -np.inf
    far = np.array([[1e12, 0.0]])  # scipy's two-pass density (scikit-learn loses 3% here)
    reference = np.logaddexp(*[np.log(g.weights_[k]) + multivariate_normal(
        g.means_[k], g.covariances_[k]).logpdf(far) for k in range(2)])
    assert g.score_samples(far)[0] == pytest.approx(reference, rel=1e-12)


def test_single_point_starts_far_from_the_origin_fit():
    """One-pass Σy² − m² went negative for one-point starts at scale 1e6 (20 of 20 seeds)."""
    failures = 0
    X = blobs(13, n=300) * 1e6
    for seed in range(20):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                g = GaussianMixture(3, init_params="random_from_data", random_state=seed,
                                    max_iter=20).fit(X)
            assert np.isfinite(g.score(X))
        except ValueError:
            failures += 1
    assert failures == 0
    model = GaussianMixtureModel(3, reg_covar=1e-6, init_params="random_from_data")
    resp = model.initial_responsibilities(X, np.random.default_rng(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ComponentCollapseWarning)
        p = model.params_from_responsibilities(X, resp)  # one point each: Σ_k = reg_covar·I
    np.testing.assert_allclose(p.covariances, np.broadcast_to(1e-6 * np.eye(2), (3, 2, 2)),
                               rtol=1e-12)


def test_data_that_would_overflow_is_a_clear_error():
    X = blobs(14, n=50) * 1e300
    with pytest.raises(ValueError, match="rescale X"):
        GaussianMixture(2).fit(X)
    with pytest.raises(ValueError, match="rescale X"):
        run(GaussianMixtureModel(2), X)
    with pytest.raises(ValueError, match="rescale X"):  # the data, not resp, is the problem
        GaussianMixtureModel(2).params_from_responsibilities(X, np.full((len(X), 2), 0.5))
    with pytest.raises(ValueError, match="posterior must be finite"):
        GaussianMixtureModel(2).m_step(blobs(14, n=50), np.full((50, 2), np.nan))


def _fit_both(X: np.ndarray, p0: GMMParams, shift: float = 0.0, scale: float = 1.0,
              **kwargs) -> tuple:
    """emlib and scikit-learn from θ⁽⁰⁾ = p0 moved to the data (x → scale·x + shift)."""
    kw = dict(weights_init=p0.weights, means_init=p0.means * scale + shift,
              precisions_init=p0.precisions() / scale**2, max_iter=10, tol=0.0, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return (GaussianMixture(p0.n_components, **kw).fit(X),
                SkGaussianMixture(p0.n_components, **kw).fit(X))


@pytest.mark.parametrize("shift", [1e8, 1e9, 1e10])
def test_far_shifted_data_keep_their_answer(shift):
    """Shifting the data shifts the answer: ours to the data's own rounding (ε·shift),
    about ten times closer than scikit-learn's."""
    X = blobs(15, n=400)
    p0 = start(X, 3, "full", seed=3)
    plain, _ = _fit_both(X, p0)
    ours, sk = _fit_both(X + shift, p0, shift)
    eps = np.finfo(float).eps * shift
    np.testing.assert_allclose(ours.means_ - shift, plain.means_, rtol=0, atol=20 * eps)
    np.testing.assert_allclose(ours.covariances_, plain.covariances_, rtol=0, atol=2 * eps)
    np.testing.assert_allclose(ours.means_, sk.means_, rtol=0, atol=200 * eps)
    np.testing.assert_allclose(ours.covariances_, sk.covariances_, rtol=0, atol=20 * eps)


@pytest.mark.parametrize("scale", [1e-150, 1e-50, 1e50, 1e150])
def test_scaled_data_keep_their_answer(scale):
    """Scaling the data scales the answer (reg_covar = 0 on both sides: no absolute floor)."""
    X = blobs(16, n=300)
    p0 = start(X, 3, "full", seed=3)
    plain, _ = _fit_both(X, p0, reg_covar=0.0)
    ours, sk = _fit_both(X * scale, p0, scale=scale, reg_covar=0.0)
    np.testing.assert_allclose(ours.weights_, plain.weights_, rtol=1e-9)
    np.testing.assert_allclose(ours.means_ / scale, plain.means_, rtol=1e-9)
    np.testing.assert_allclose(ours.covariances_ / scale**2, plain.covariances_, rtol=1e-8)
    np.testing.assert_allclose(ours.weights_, sk.weights_, rtol=1e-8)
    np.testing.assert_allclose(ours.means_ / scale, sk.means_ / scale, rtol=1e-8)
    assert ours.score(X * scale) == pytest.approx(sk.score(X * scale), rel=1e-9)


def test_fifty_dimensions_with_sixty_points_match_sklearn():
    rng = np.random.default_rng(17)
    X = rng.normal(size=(60, 50)) + np.repeat([[0.0], [4.0]], 30, axis=0)
    ours, sk = _fit_both(X, start(X, 2, "full", seed=3))
    np.testing.assert_allclose(ours.weights_, sk.weights_, rtol=1e-8)
    np.testing.assert_allclose(ours.means_, sk.means_, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(ours.covariances_, sk.covariances_, rtol=1e-6, atol=1e-9)
    assert ours.score(X) == pytest.approx(sk.score(X), rel=1e-9)


def test_online_em_uses_the_same_statistics():
    """Online EM's s ← (1−η)s + ηŝ works on GMMStatistics; one batch of all rows is one EM
    iteration."""
    from emlib.variants import OnlineEM

    X = blobs(19, n=240)
    p0 = start(X, 3, "full")
    model = GaussianMixtureModel(3)
    online = OnlineEM(model, p0)
    online.partial_fit(X)
    batch = run(model, X, p0, max_iter=1, tol=None).params
    np.testing.assert_allclose(online.params.covariances, batch.covariances, rtol=1e-12)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), ctype=st.sampled_from(TYPES), cut=st.integers(1, 59),
       offset=st.sampled_from([0.0, 1e4, 1e8]))
def test_statistics_of_two_parts_add_up_to_the_whole(seed, ctype, cut, offset):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 3)) * rng.uniform(0.1, 3, 3) + offset
    q = rng.dirichlet(np.ones(2), size=60)
    model = GaussianMixtureModel(2, ctype)
    whole = model.expected_statistics(X, q)
    parts = model.expected_statistics(X[:cut], q[:cut]) + model.expected_statistics(X[cut:],
                                                                                   q[cut:])
    np.testing.assert_allclose(parts.nk, whole.nk, rtol=1e-12)
    np.testing.assert_allclose(parts.sum_x, whole.sum_x, rtol=1e-12)
    # the parts' means carry an absolute error of about ε·|offset| each, which the parallel
    # formula multiplies by N_a N_b / N |m_b − m_a|: allow that much beside the rounding
    atol = 1e-9 * np.abs(whole.scatter).max() + 1e-15 * offset * len(X)
    np.testing.assert_allclose(parts.scatter, whole.scatter, rtol=1e-7, atol=atol)
