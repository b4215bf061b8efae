"""Chapter 09 (emlib.variants): MAP-EM, generalized EM, variational EM, online EM, features."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from toy_models import LINE_START, line_data

from emlib._validation import NotFittedError
from emlib.em import Statistics, SufficientStatisticsModel, run
from emlib.gmm import GMMPrior, MAPGaussianMixtureModel
from emlib.mixtures import (
    BinomialMixture,
    BinomialMixtureParams,
    GaussianMixture1D,
    GeneticLinkageModel,
    LinkageParams,
    Mixture1DParams,
)
from emlib.variants import (
    FeaturizedMixture,
    GeneralizedEM,
    HardAssignmentEM,
    MAPBinomialMixture,
    MAPGaussianMixture1D,
    OnlineEM,
    VariationalGaussianMixture1D,
    VariationalGaussianMixture1DModel,
    bag_of_words,
    gradient_ascent,
    word_features,
)
from emlib.views.variants import OnlineEMWidget

START = Mixture1DParams(**LINE_START)


# -- the inner optimiser ------
def test_gradient_ascent_climbs_and_converges_on_a_quadratic():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    f = lambda x: -0.5 * x @ A @ x + b @ x  # noqa: E731
    result = gradient_ascent(f, lambda x: b - A @ x, np.zeros(2), max_steps=500, tol=1e-7)
    np.testing.assert_allclose(result.x, np.linalg.solve(A, b), atol=1e-6)
    assert result.converged
    one = gradient_ascent(f, lambda x: b - A @ x, np.zeros(2), max_steps=1)
    assert one.value > f(np.zeros(2)) and one.n_steps == 1
    with pytest.raises(ValueError, match="max_steps"):
        gradient_ascent(f, lambda x: b - A @ x, np.zeros(2), max_steps=-1)


# -- MAP ------
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), alpha=st.floats(1.0, 5.0), a=st.floats(0.5, 5.0),
       b=st.floats(0.05, 2.0))
def test_map_objective_never_decreases(seed, alpha, a, b):
    model = MAPGaussianMixture1D(3, alpha=alpha, a=a, b=b)
    trace = run(model, line_data(seed, 40), max_iter=20, tol=0.0, rng=seed)
    assert np.all(np.diff(trace.log_likelihoods) >= -1e-9)
    r = trace.records[-1]
    assert r.log_likelihood == pytest.approx(r.lower_bound + r.kl, abs=1e-9)


def test_map_m_step_is_a_stationary_point_of_q_plus_prior():
    X = line_data(1)
    model = MAPGaussianMixture1D(2, alpha=3.0, a=2.0, b=0.5)
    q = model.e_step(X, START)
    new = model.m_step(X, q)
    np.testing.assert_allclose(model.bound_gradient(X, q, new), 0.0, atol=1e-8)
    # and it beats random nearby parameters
    vmap = model.vector_map
    best = model.lower_bound(X, q, new)
    rng = np.random.default_rng(0)
    for _ in range(20):
        other = vmap.from_vector(vmap.to_vector(new) + rng.normal(0, 0.05, 6))
        assert model.lower_bound(X, q, other) <= best + 1e-12


def test_map_gradient_matches_finite_differences():
    X = line_data(2)
    model = MAPGaussianMixture1D(2, alpha=2.5)
    q = model.e_step(X, START)
    vmap = model.vector_map
    v = vmap.to_vector(START) + 0.2
    eps = 1e-6
    numeric = [(model.lower_bound(X, q, vmap.from_vector(v + eps * e))
                - model.lower_bound(X, q, vmap.from_vector(v - eps * e))) / (2 * eps)
               for e in np.eye(len(v))]
    np.testing.assert_allclose(model.bound_gradient(X, q, vmap.from_vector(v)), numeric,
                               rtol=1e-6, atol=1e-6)


def test_map_prior_is_the_scipy_density():
    from scipy.stats import dirichlet, invgamma

    model = MAPGaussianMixture1D(2, alpha=2.0, a=3.0, b=0.7)
    expected = (dirichlet.logpdf(START.weights, [2.0, 2.0])
                + invgamma.logpdf(START.variances, 3.0, scale=0.7).sum())
    assert model.log_prior(START) == pytest.approx(expected, abs=1e-10)
    coins = MAPBinomialMixture(2, 10, a=2.0, b=3.0, alpha=2.0)
    from scipy.stats import beta

    params = BinomialMixtureParams([0.3, 0.7], [0.2, 0.9])
    expected = beta.logpdf(params.p, 2.0, 3.0).sum() + dirichlet.logpdf(params.weights, [2, 2])
    assert coins.log_prior(params) == pytest.approx(expected, abs=1e-10)


def test_prior_cures_a_collapsing_component():
    """A component started on one isolated point: MLE variance → floor, MAP stays away."""
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(0, 1, 50), [8.0]])
    start = Mixture1DParams([0.9, 0.1], [0.0, 8.0], [1.0, 0.01])
    mle = run(GaussianMixture1D(2, min_variance=1e-10), X, start, max_iter=100)
    assert mle.params.variances[1] < 1e-9  # collapsed onto the point: ln p → +∞
    map_fit = run(MAPGaussianMixture1D(2, a=2.0, b=0.5), X, start, max_iter=100)
    assert map_fit.params.variances[1] >= 2 * 0.5 / (len(X) + 2 * 2.0 + 2) - 1e-12
    assert map_fit.params.variances[1] > 0.1


def test_map_gmm_prior_is_the_scipy_density_and_cures_collapse():
    from scipy.stats import dirichlet, invwishart

    from emlib.gmm import GaussianMixtureModel, GMMParams

    model = MAPGaussianMixtureModel(2, prior=GMMPrior(weight_concentration=2.0,
                                                       covariance_scale=0.3,
                                                       degrees_of_freedom=4.0))
    params = GMMParams([0.3, 0.7], [[0, 0], [1, 1]],
                       np.array([[[1, 0.2], [0.2, 2]], [[0.5, 0], [0, 0.5]]]))
    expected = dirichlet.logpdf(params.weights, [2, 2]) + sum(
        invwishart.logpdf(c, df=4.0, scale=0.3 * np.eye(2)) for c in params.covariances)
    assert model.log_prior(params) == pytest.approx(expected, abs=1e-10)
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (50, 2)), [[6.0, 6.0]]])
    start = GMMParams([0.9, 0.1], [[0, 0], [6, 6]], np.array([np.eye(2), 0.01 * np.eye(2)]))
    fit = run(model, X, start, max_iter=50)
    assert np.all(np.diff(fit.log_likelihoods) >= -1e-9)
    assert np.linalg.eigvalsh(fit.params.covariances[1]).min() >= 0.3 / (51 + 4 + 2 + 1) - 1e-12
    with pytest.warns(Warning):
        mle = run(GaussianMixtureModel(2, reg_covar=1e-8), X, start, max_iter=50)
    assert np.linalg.eigvalsh(mle.params.covariances[1]).max() < 1e-6
    assert model.data_log_likelihood(X, fit.params) == pytest.approx(
        GaussianMixtureModel(2).log_likelihood(X, fit.params), abs=1e-9)


def test_map_gmm_m_step_is_the_maximum_of_q_plus_prior():
    from emlib.gmm import GMMParams

    rng = np.random.default_rng(1)
    X = rng.normal(0, 1, (40, 2)) + np.repeat([[0, 0], [3, 3]], 20, axis=0)
    model = MAPGaussianMixtureModel(2, prior=GMMPrior(weight_concentration=3.0,
                                                       covariance_scale=0.5))
    start = GMMParams([0.5, 0.5], [[0, 0], [3, 3]], np.array([np.eye(2)] * 2))
    q = model.e_step(X, start)
    best = model.m_step(X, q)
    top = model.lower_bound(X, q, best)
    for _ in range(20):
        a = rng.normal(0, 0.05, (2, 2, 2))
        cov = best.covariances + a @ np.swapaxes(a, 1, 2)
        w = np.clip(best.weights + rng.normal(0, 0.02, 2), 0.01, None)
        other = GMMParams(w / w.sum(), best.means + rng.normal(0, 0.05, (2, 2)), cov)
        assert model.lower_bound(X, q, other) <= top + 1e-9


def test_map_coins_closed_form_for_one_coin():
    X = np.array([10, 10, 10])
    model = MAPBinomialMixture(1, 10, a=2.0, b=2.0)
    data = model.validate_data(X)
    p = model.m_step(data, np.ones((3, 1))).p[0]
    assert p == pytest.approx((30 + 1) / (30 + 2))
    assert BinomialMixture(1, 10).m_step(data, np.ones((3, 1))).p[0] == 1.0


# -- generalized EM ------
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n_inner=st.integers(1, 4))
def test_gem_objective_never_decreases(seed, n_inner):
    model = GeneralizedEM(MAPGaussianMixture1D(2), n_inner=n_inner)
    trace = run(model, line_data(seed, 50), max_iter=15, tol=0.0, rng=seed)
    assert np.all(np.diff(trace.log_likelihoods) >= -1e-9)


def test_gem_reaches_the_same_fixed_point_as_em():
    X = line_data(0)
    em = run(GaussianMixture1D(2), X, START, max_iter=3000, tol=1e-13)
    gem = GeneralizedEM(GaussianMixture1D(2), n_inner=1)
    trace = run(gem, X, START, max_iter=3000, tol=1e-13)
    np.testing.assert_allclose(trace.params.means, em.params.means, atol=1e-4)
    assert trace.records[-1].log_likelihood == pytest.approx(em.records[-1].log_likelihood,
                                                             abs=1e-6)
    assert gem.n_evaluations > trace.n_iter


def test_gem_needs_a_gradient():
    with pytest.raises(TypeError, match="gradient"):
        GeneralizedEM(BinomialMixture(2, 10))
    with pytest.raises(ValueError, match="n_inner"):
        GeneralizedEM(GaussianMixture1D(2), n_inner=0)


# -- variational (hard-assignment) EM ------
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_hard_em_bound_rises_and_stays_below_ln_p(seed):
    model = HardAssignmentEM(GaussianMixture1D(2, min_variance=1e-3))
    trace = run(model, line_data(seed, 40), max_iter=20, tol=0.0, rng=seed)
    bounds = trace.column("lower_bound")[1:]
    lls = trace.log_likelihoods[1:]
    assert np.all(np.diff(bounds) >= -1e-9)
    assert np.all(bounds <= lls + 1e-9)
    for r in trace.records[1:]:
        assert r.log_likelihood == pytest.approx(r.lower_bound + r.kl, abs=1e-9)
    assert trace.records[1].kl > 0  # the gap the family cannot close


def test_hard_e_step_is_the_best_one_hot_q():
    X = line_data(3, 12)
    base = GaussianMixture1D(2)
    model = HardAssignmentEM(base)
    q = model.e_step(X, START)
    assert set(np.unique(q)) == {0.0, 1.0} and np.all(q.sum(1) == 1)
    best = model.lower_bound(X, q, START)
    rng = np.random.default_rng(0)
    for _ in range(30):
        other = np.eye(2)[rng.integers(0, 2, len(X))]
        assert base.lower_bound(X, other, START) <= best + 1e-12


def sklearn_start(X, K, seed):
    """The one-hot responsibilities of scikit-learn's init_params="random_from_data"."""
    chosen = np.random.RandomState(seed).choice(len(X), K, replace=False)
    resp0 = np.zeros((len(X), K))
    resp0[chosen, np.arange(K)] = 1.0
    return resp0


def two_clusters():
    rng = np.random.default_rng(0)
    return np.concatenate([rng.normal(-2, 1, 60), rng.normal(3, 0.7, 90)])


@pytest.mark.parametrize("seed", [0, 3])
def test_variational_bayes_matches_scikit_learn_and_its_elbo_rises(seed):
    """Same start as scikit-learn's init_params="random_from_data": same q after 30 sweeps,
    and our full ELBO minus scikit-learn's constant-free bound is one constant."""
    import warnings

    from sklearn.mixture import BayesianGaussianMixture

    X = two_clusters()
    K = 4
    vb = VariationalGaussianMixture1D(K, max_iter=30, tol=None,
                                      resp_init=sklearn_start(X, K, seed)).fit(X)
    sk = BayesianGaussianMixture(n_components=K, init_params="random_from_data",
                                 random_state=seed, max_iter=30, tol=0.0, reg_covar=0.0,
                                 weight_concentration_prior_type="dirichlet_distribution")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk.fit(X[:, None])
    np.testing.assert_allclose(vb.means_, sk.means_[:, 0], atol=1e-8)
    np.testing.assert_allclose(vb.variances_, sk.covariances_[:, 0, 0], atol=1e-8)
    np.testing.assert_allclose(vb.weights_, sk.weights_, atol=1e-8)
    assert vb.n_iter_ == 30 and len(vb.lower_bounds_) == 30
    assert np.all(np.diff(vb.lower_bounds_) >= -1e-9)
    offset = vb.lower_bounds_ - np.array(sk.lower_bounds_)
    np.testing.assert_allclose(offset, offset[0], atol=1e-7)
    assert vb.lower_bound_ == vb.lower_bounds_[-1]


def test_variational_bayes_obeys_the_em_laws_through_run():
    """F(θ) = max_r ELBO(r, θ) never decreases; F = ELBO + KL after every half-step, with KL
    computed directly as Σ_n KL(r_n ‖ r*_n); the E step closes the gap."""
    from laws import assert_em_laws

    X = two_clusters()
    model = VariationalGaussianMixture1DModel(3, weight_concentration=0.1)
    trace = run(model, X, max_iter=25, tol=None, keep="all", rng=1)
    assert_em_laws(trace.records, relative=True)
    for r in trace.records[1:]:
        assert r.kl == pytest.approx(model.kl_divergence(X, r.posterior, r.params), abs=1e-8)
        assert r.lower_bound == pytest.approx(model.lower_bound(X, r.posterior, r.params),
                                              abs=1e-8)
    q = np.random.default_rng(0).dirichlet(np.ones(3), len(X))
    params = trace.params
    assert model.log_likelihood(X, params) == pytest.approx(
        model.lower_bound(X, q, params) + model.kl_divergence(X, q, params), abs=1e-8)


def test_variational_bayes_estimator_conventions():
    X = two_clusters()
    with pytest.raises(NotFittedError):
        VariationalGaussianMixture1D(2)._check_fitted()
    a = VariationalGaussianMixture1D(3, random_state=5).fit(X)
    b = VariationalGaussianMixture1D(3, random_state=np.random.default_rng(5)).fit(X)
    np.testing.assert_array_equal(a.means_, b.means_)
    assert a.converged_ and a.n_iter_ < 100 and a.trace_.n_iter == a.n_iter_
    with pytest.raises(ValueError, match="random_state"):
        VariationalGaussianMixture1D(2, random_state=-1).fit(X)
    with pytest.raises(ValueError, match="n_components"):
        VariationalGaussianMixture1D(0).fit(X)
    with pytest.raises(ValueError, match="mean_precision"):
        VariationalGaussianMixture1D(2, mean_precision=0.0).fit(X)
    with pytest.raises(ValueError, match="tol"):
        VariationalGaussianMixture1D(2, tol=-1.0).fit(X)


@pytest.mark.parametrize("shift, scale", [(1e8, 1.0), (0.0, 1e-150), (0.0, 1e150)])
def test_variational_bayes_follows_shifts_and_scales_of_the_data(shift, scale):
    """Default priors are set from the data (m₀ = mean, W₀⁻¹ = var), so moving or scaling
    the data moves or scales the answer; the ELBO of a density changes by −n ln(scale)."""
    X = two_clusters()
    base = VariationalGaussianMixture1D(3, random_state=1).fit(X)
    moved = VariationalGaussianMixture1D(3, random_state=1).fit(X * scale + shift)
    np.testing.assert_allclose((moved.means_ - shift) / scale, base.means_, rtol=1e-6)
    np.testing.assert_allclose(moved.variances_ / scale ** 2, base.variances_, rtol=1e-5)
    np.testing.assert_allclose(moved.weights_, base.weights_, atol=1e-6)
    assert moved.lower_bound_ == pytest.approx(base.lower_bound_ - len(X) * np.log(scale),
                                               rel=1e-6)


def test_variational_bayes_refuses_responsibilities_with_the_wrong_k():
    """Issue 11: a (n, K') responsibility matrix used to be accepted silently."""
    X = two_clusters()
    with pytest.raises(ValueError, match=r"resp_init.*\(150, 3\)"):
        VariationalGaussianMixture1D(3, resp_init=sklearn_start(X, 4, 0)).fit(X)
    with pytest.raises(ValueError, match="resp_init"):
        VariationalGaussianMixture1D(4, resp_init=sklearn_start(X, 4, 0)[:-1]).fit(X)
    with pytest.raises(ValueError, match="resp_init"):
        VariationalGaussianMixture1D(4, resp_init=-sklearn_start(X, 4, 0)).fit(X)
    model = VariationalGaussianMixture1DModel(3)
    with pytest.raises(ValueError, match="posterior"):
        model.m_step(X, np.full((len(X), 2), 0.5))
    params = model.init_params(X, np.random.default_rng(0))
    with pytest.raises(ValueError, match="posterior"):
        model.lower_bound(X, np.full((len(X), 4), 0.25), params)


# -- online EM ------
def test_online_em_converges_to_batch_em():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(-1, 1, 400), rng.normal(2, 1, 600)])
    model = GaussianMixture1D(2)
    batch = run(model, X, START, max_iter=1000, tol=1e-12).params
    online = OnlineEM(model, START, alpha=0.6, batch_size=50, n_epochs=20,
                      random_state=0).fit(X)
    np.testing.assert_allclose(online.params.means, batch.means, atol=0.05)
    np.testing.assert_allclose(online.params.weights, batch.weights, atol=0.02)
    np.testing.assert_allclose(online.params.variances, batch.variances, atol=0.05)
    assert online.n_seen == 20 * len(X) and online.n_updates == 20 * 20


@pytest.mark.skipif(not isinstance(BinomialMixture(2, 10), SufficientStatisticsModel),
                    reason="BinomialMixture gains expected_statistics in the mixtures branch")
def test_online_em_for_the_coins():
    rng = np.random.default_rng(1)
    X = rng.binomial(10, rng.choice([0.2, 0.8], 500))
    model = BinomialMixture(2, 10)
    start = BinomialMixtureParams([0.5, 0.5], [0.4, 0.6])
    batch = run(model, X, start, max_iter=500, tol=1e-12).params
    online = OnlineEM(model, start, alpha=0.6, batch_size=25, n_epochs=10,
                      random_state=0).fit(X)
    np.testing.assert_allclose(online.params.p, batch.p, atol=0.01)


@dataclass(frozen=True)
class Moments(Statistics):
    """Σ_n q_nk, Σ_n q_nk x_n, Σ_n q_nk x_n²: the protocol's statistics, summed over rows."""

    counts: np.ndarray
    sums: np.ndarray
    squares: np.ndarray


class SummedMixture(GaussianMixture1D):
    """The 1-D mixture with its statistics as a Statistics dataclass of sums over rows."""

    def expected_statistics(self, X, posterior):
        return Moments(posterior.sum(0), posterior.T @ X, posterior.T @ X ** 2)

    def params_from_statistics(self, stats):
        return super().params_from_statistics(
            np.stack([stats.counts, stats.sums, stats.squares]))


@pytest.mark.parametrize("model", [GaussianMixture1D(2), SummedMixture(2)],
                         ids=["array statistics", "Statistics dataclass"])
def test_online_em_with_full_batches_and_unit_steps_is_batch_em(model):
    """η = 1 (α = 1, t₀ = 0 gives η_1 = 1 only); feeding the whole data once = one EM step."""
    X = line_data(0)
    online = OnlineEM(model, START)
    online.partial_fit(X)
    expected = model.m_step(X, model.e_step(X, START))
    np.testing.assert_allclose(online.params.means, expected.means, atol=1e-12)
    np.testing.assert_allclose(online.params.variances, expected.variances, atol=1e-12)


def test_online_em_arguments():
    X = line_data(0)
    with pytest.raises(ValueError, match="alpha"):
        OnlineEM(GaussianMixture1D(2), START, alpha=0.4).fit(X)
    assert OnlineEM(GaussianMixture1D(2), START, alpha=1.0).step_size(4) == 0.25
    with pytest.raises(TypeError, match="sufficient statistics"):
        OnlineEM(GeneticLinkageModel(), LinkageParams(0.5))
    with pytest.raises(TypeError, match="whole data"):
        OnlineEM(MAPBinomialMixture(2, 10), BinomialMixtureParams([0.5, 0.5], [0.3, 0.6]),
                 batch_size=2).fit(np.array([1, 9, 2, 8]))
    for name, value in (("batch_size", 0), ("n_epochs", 0), ("random_state", -1)):
        with pytest.raises(ValueError, match=name):
            OnlineEM(GaussianMixture1D(2), START, **{name: value}).fit(X)
    online = OnlineEM(GaussianMixture1D(2), START, batch_size=10, random_state=0).fit(X)
    assert online.n_iter_ == online.n_updates == len(X) // 10 and online.params_ is online.params


def test_online_em_averages_statistics_summed_over_rows():
    """Statistics summed over the rows are divided by the batch size, so batches of unequal
    size weigh each sample alike."""
    X = line_data(0)
    online = OnlineEM(SummedMixture(2), START)
    online.partial_fit(X)
    assert isinstance(online.stats, Moments)
    np.testing.assert_allclose(online.stats.counts.sum(), 1.0)   # per-sample averages
    fit = OnlineEM(SummedMixture(2), START, batch_size=30, n_epochs=5, random_state=0).fit(X)
    batch = run(SummedMixture(2), X, START, max_iter=500, tol=1e-12).params
    np.testing.assert_allclose(fit.params.means, batch.means, atol=0.2)


def test_online_em_refuses_params_of_the_wrong_type():
    """Issue 11: a params object of the wrong type used to fail deep inside (AttributeError)."""
    X = line_data(0)
    for bad in ((0.5, 0.5), {"means": [0, 1]}, BinomialMixtureParams([0.5, 0.5], [0.3, 0.6])):
        online = OnlineEM(GaussianMixture1D(2), bad)
        with pytest.raises(TypeError, match="params must be a Mixture1DParams"):
            online.partial_fit(X)
        with pytest.raises(TypeError, match="params"):
            online.fit(X)


def test_online_widget_feeds_batches():
    X = line_data(0, 200)
    model = GaussianMixture1D(2)
    batch = run(model, X, START, max_iter=500).params
    w = OnlineEMWidget(model, X, START, batch, batch_size=20, random_state=0)
    first = w.picture.value
    w.buttons["Feed 1 batch"].click()
    assert w.online.n_seen == 20 and w.picture.value != first
    w.buttons["Feed 10 batches"].click()
    assert w.online.n_updates == 11 and len(w.scores) == 12
    assert "11 batches, 220 samples" in repr(w)
    w.buttons["Reset"].click()
    assert w.online.n_seen == 0 and len(w.scores) == 1


# -- EM with features ------
TEXTS = ["galaxy stars galaxies star formation", "stars galaxy emission star",
         "proof theorem lemma proofs", "lemma proof theorem algebra", "galaxies stars galaxy",
         "theorem proofs lemma proof"]


def small_corpus():
    bow = bag_of_words(TEXTS, vocabulary_size=8)
    return bow, word_features(bow.vocabulary, prefix=4, suffix=2)


def test_bag_of_words_and_features():
    bow, (F, names) = small_corpus()
    assert bow.counts.shape == (6, 8) and bow.counts.sum() > 0
    assert F.shape[0] == 8 and F.shape[1] == len(names)
    assert any(n.startswith("prefix=") for n in names)
    with pytest.raises(ValueError, match="texts"):
        bag_of_words([])
    with pytest.raises(ValueError, match="features"):
        word_features(["a"], identity=False, prefix=0, suffix=0)


def test_newton_m_step_matches_scipy_lbfgs():
    from scipy.optimize import minimize

    bow, (F, _) = small_corpus()
    model = FeaturizedMixture(2, F, l2=0.3)
    X = model.validate_data(bow.counts)
    q = np.random.default_rng(0).dirichlet([1, 1], len(X))
    expected = q.T @ X.counts
    beta, _ = model.newton_beta(expected, np.zeros((2, F.shape[1])), 100)
    value, gradient = model.beta_objective(expected)
    ref = minimize(lambda b: -value(b), np.zeros(beta.size), jac=lambda b: -gradient(b),
                   method="L-BFGS-B", options={"gtol": 1e-10, "maxiter": 5000})
    assert value(beta.ravel()) >= -ref.fun - 1e-8
    np.testing.assert_allclose(beta.ravel(), ref.x, atol=1e-4)


def test_lbfgs_m_step_matches_newton_and_scipy():
    from scipy.optimize import minimize

    bow, (F, _) = small_corpus()
    model = FeaturizedMixture(2, F, l2=0.3)
    X = model.validate_data(bow.counts)
    q = np.random.default_rng(2).dirichlet([1, 1], len(X))
    value, gradient = model.beta_objective(q.T @ X.counts)
    ours = model.m_step(X, q).beta.ravel()
    newton, _ = model.newton_beta(q.T @ X.counts, np.zeros((2, F.shape[1])), 100)
    ref = minimize(lambda b: -value(b), np.zeros(ours.size), jac=lambda b: -gradient(b),
                   method="L-BFGS-B", options={"gtol": 1e-10, "maxiter": 5000})
    assert value(ours) >= -ref.fun - 1e-8
    np.testing.assert_allclose(ours, newton.ravel(), atol=1e-4)


def test_identity_features_give_the_plain_multinomial_mixture():
    bow, _ = small_corpus()
    F = np.eye(len(bow.vocabulary))
    model = FeaturizedMixture(2, F, l2=1e-9, max_inner=200)
    X = model.validate_data(bow.counts + 1)  # every expected count positive
    q = np.random.default_rng(1).dirichlet([1, 1], len(X))
    params = model.m_step(X, q)
    expected = q.T @ X.counts
    np.testing.assert_allclose(model.emissions(params), expected / expected.sum(1, keepdims=True),
                               atol=1e-6)


def test_log_joint_matches_scipy_multinomial():
    from scipy.stats import multinomial

    bow, (F, _) = small_corpus()
    model = FeaturizedMixture(2, F)
    X = model.validate_data(bow.counts)
    params = model.init_params(X, np.random.default_rng(0))
    theta = model.emissions(params)
    table = model.log_joint(X, params)
    for d in range(len(X)):
        for k in range(2):
            ref = np.log(params.weights[k]) + multinomial.logpmf(
                bow.counts[d], bow.counts[d].sum(), theta[k])
            assert table[d, k] == pytest.approx(ref, abs=1e-9)


def test_featurized_exact_and_generalized_em_climb():
    bow, (F, _) = small_corpus()
    model = FeaturizedMixture(2, F, l2=0.1)
    exact = run(model, bow.counts, max_iter=20, tol=0.0, rng=0)
    gem = run(GeneralizedEM(model, n_inner=2), bow.counts, max_iter=20, tol=0.0, rng=0)
    for trace in (exact, gem):
        assert np.all(np.diff(trace.log_likelihoods) >= -1e-9)
    z = exact.posterior.argmax(1)
    assert len(set(z[[0, 1, 4]])) == 1 and len(set(z[[2, 3, 5]])) == 1 and z[0] != z[2]


def test_featurized_gradient_matches_finite_differences():
    bow, (F, _) = small_corpus()
    model = FeaturizedMixture(2, F, l2=0.2)
    X = model.validate_data(bow.counts)
    params = model.init_params(X, np.random.default_rng(3))
    q = np.random.default_rng(4).dirichlet([1, 1], len(X))
    vmap = model.vector_map
    v = vmap.to_vector(params)
    eps = 1e-6
    numeric = np.array([(model.lower_bound(X, q, vmap.from_vector(v + eps * e))
                         - model.lower_bound(X, q, vmap.from_vector(v - eps * e))) / (2 * eps)
                        for e in np.eye(len(v))])
    np.testing.assert_allclose(model.bound_gradient(X, q, params), numeric, atol=1e-5)


def test_featurized_rejects_mismatched_counts():
    _, (F, _) = small_corpus()
    with pytest.raises(ValueError, match="features"):
        FeaturizedMixture(2, F).validate_data(np.ones((3, 5)))
    with pytest.raises(ValueError, match="X"):
        FeaturizedMixture(2, F).validate_data(-np.ones((3, 8)))


@pytest.mark.parametrize("X, message", [
    (np.r_[np.arange(10.0), 1e200], "overflow"),
    (np.arange(10.0) * 1e300, "overflow"),
    (np.arange(10.0) * 1e-300, "underflows"),
    (np.ones(6), "constant"),
    (np.arange(3.0), "at least"),
    (np.ones((4, 2)), "dimension"),
])
def test_variational_bayes_names_the_data_problem(X, message):
    """Data that float64 cannot square get an error about X, not "posterior contains NaN"."""
    with pytest.raises(ValueError, match=message):
        VariationalGaussianMixture1D(4, random_state=0).fit(X)


@pytest.mark.parametrize("which", ["1-D", "coins", "full", "tied", "diag", "spherical"])
def test_map_with_flat_dirichlet_keeps_a_finite_bound(which):
    """α = 1 and a tiny N_k: N_k + α − 1 once rounded to 0 while q > 0 (L = −∞, KL = +∞),
    in the 1-D mixture, the coins and the D-dimensional MAP GMM (every covariance type)."""
    import warnings

    from emlib.gmm import ComponentCollapseWarning

    if which == "1-D":
        model, X = MAPGaussianMixture1D(3, alpha=1.0), line_data(3)
    elif which == "coins":
        model = MAPBinomialMixture(3, 10, alpha=1.0)
        X = model.validate_data(np.array([1, 2, 8, 9, 5, 6, 3, 7]))
    else:
        model = MAPGaussianMixtureModel(3, which, prior=GMMPrior(weight_concentration=1.0))
        X = np.random.default_rng(3).normal(size=(200, 2))
    q = np.random.default_rng(0).dirichlet(np.ones(3), size=len(X))
    q[:, 2] = 1e-20
    q /= q.sum(1, keepdims=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ComponentCollapseWarning)  # N_3 ≈ 2e-18: "empty"
        params = model.m_step(X, q)
    assert params.weights[2] > 0
    ev = model.evaluate(X, params, q)
    assert np.isfinite(ev.lower_bound) and np.isfinite(ev.kl) and ev.kl >= -1e-9
    assert ev.log_likelihood == pytest.approx(ev.lower_bound + ev.kl, abs=1e-9)


def test_one_map_gaussian_mixture_for_chapters_06_and_09():
    import emlib.variants

    assert not hasattr(emlib.variants, "MAPGaussianMixture")
    assert GMMPrior().nu(2) == 4.0  # ν = D + 2, the one default
