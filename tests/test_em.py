"""The EM core (emlib.em): run, Trace, Stepper, and the laws every EM run obeys."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from laws import assert_em_laws
from toy_models import TwoGaussians1D

from emlib.em import EMModel, LatentClassModel, StepOrderError, Stepper, run
from emlib.mixtures import BinomialMixture

PROPERTY = settings(max_examples=40, deadline=None)


def mixture_data(seed: int, n: int = 60) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(-2, 1, n // 2), rng.normal(1.5, 0.7, n - n // 2)])


def coin_data(seed: int, sets: int = 12, tosses: int = 10) -> np.ndarray:
    rng = np.random.default_rng(seed)
    p = rng.choice([0.2, 0.75], size=sets)
    return rng.binomial(tosses, p)


MODELS = {
    "gaussians": (lambda: TwoGaussians1D(2), mixture_data),
    "coins": (lambda: BinomialMixture(2, 10), coin_data),
}



@pytest.mark.parametrize("name", sorted(MODELS))
@PROPERTY
@given(seed=st.integers(0, 10_000), iters=st.integers(1, 30))
def test_run_obeys_the_em_laws(name, seed, iters):
    make, data = MODELS[name]
    trace = run(make(), data(seed), max_iter=iters, tol=0.0, rng=seed)
    assert trace.records[0].step == "init"
    assert [r.step for r in trace.records[1:]] == ["E", "M"] * trace.n_iter
    assert_em_laws(trace.records)


@PROPERTY
@given(seed=st.integers(0, 10_000))
def test_decomposition_holds_for_any_q_not_only_the_posterior(seed):
    """ln p(X|θ) = L(q, θ) + KL(q‖p) for an arbitrary q: the identity behind chapter 07."""
    rng = np.random.default_rng(seed)
    model, X = TwoGaussians1D(2), mixture_data(seed)
    params = model.init_params(X, rng)
    q = rng.dirichlet([0.5, 0.5], size=len(X))
    ll = model.log_likelihood(X, params)
    assert ll == pytest.approx(model.lower_bound(X, q, params)
                               + model.kl_divergence(X, q, params), abs=1e-9)
    assert model.kl_divergence(X, q, params) > 0


def test_latent_class_model_matches_the_independent_reference():
    """BinomialMixture (via LatentClassModel) against a direct computation with SciPy."""
    from scipy.stats import binom

    X = coin_data(3)
    model = BinomialMixture(2, 10)
    params = model.init_params(model.validate_data(X), np.random.default_rng(0))
    joint = params.weights * binom.pmf(X[:, None], 10, params.p)
    data = model.validate_data(X)
    assert model.log_likelihood(data, params) == pytest.approx(np.log(joint.sum(1)).sum(),
                                                               abs=1e-10)
    np.testing.assert_allclose(model.e_step(data, params), joint / joint.sum(1, keepdims=True))
    q = np.full((len(X), 2), 0.5)
    post = joint / joint.sum(1, keepdims=True)
    kl = np.sum(q * np.log(q / post))
    assert model.kl_divergence(data, q, params) == pytest.approx(kl, abs=1e-10)


def test_run_stops_on_tolerance_and_reports_it():
    trace = run(TwoGaussians1D(2), mixture_data(0), max_iter=500, tol=1e-6, rng=1)
    assert trace.converged
    m_lls = trace.column("log_likelihood", step="M")
    assert m_lls[-1] - m_lls[-2] < 1e-6
    assert trace.n_iter < 500
    assert trace.params is not None and trace.posterior.shape == (60, 2)


def test_keep_controls_what_records_hold():
    lean = run(TwoGaussians1D(2), mixture_data(0), max_iter=3, rng=1)
    assert all(r.params is None and r.posterior is None for r in lean.records)
    full = run(TwoGaussians1D(2), mixture_data(0), max_iter=3, rng=1, keep="all")
    assert all(r.params is not None for r in full.records)
    assert full.records[0].posterior is None and full.records[1].posterior is not None
    np.testing.assert_array_equal(full.records[-1].params.means, lean.params.means)


def test_max_iter_zero_gives_only_the_initial_record():
    trace = run(TwoGaussians1D(2), mixture_data(0), max_iter=0, rng=1)
    assert len(trace.records) == 1 and trace.n_iter == 0 and trace.posterior is None


@pytest.mark.parametrize("kwargs, message", [
    ({"max_iter": -1}, "max_iter"), ({"max_iter": 2.5}, "max_iter"), ({"tol": -1.0}, "tol"),
    ({"tol": float("nan")}, "tol"), ({"keep": "some"}, "keep"),
])
def test_run_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        run(TwoGaussians1D(2), mixture_data(0), rng=0, **kwargs)


def test_run_rejects_a_model_that_is_not_an_em_model():
    with pytest.raises(TypeError, match="model"):
        run(object(), mixture_data(0))


def test_em_model_cannot_be_instantiated_without_its_steps():
    with pytest.raises(TypeError):
        EMModel()
    with pytest.raises(TypeError):
        LatentClassModel()


# -- Stepper ---------------------------------------------------------------------------

def make_stepper(seed: int = 0) -> Stepper:
    return Stepper(TwoGaussians1D(2), mixture_data(seed), rng=seed)


def test_m_before_any_e_is_refused_with_a_clear_message():
    s = make_stepper()
    with pytest.raises(StepOrderError, match="E step"):
        s.m()
    assert len(s) == 1 and s.last_step == "init"
    s.e()
    s.m()
    s.reset()
    with pytest.raises(StepOrderError):
        s.m()


def test_repeated_steps_change_nothing():
    s = make_stepper()
    first = s.e()
    assert s.e() is first and len(s) == 2
    after_m = s.m()
    assert s.m() is after_m and len(s) == 3


def test_stepper_matches_run():
    X = mixture_data(5)
    trace = run(TwoGaussians1D(2), X, max_iter=7, tol=0.0, rng=3)
    s = Stepper(TwoGaussians1D(2), X, rng=3)
    for _ in range(7):
        s.iterate()
    assert [r.log_likelihood for r in s.trace.records] == [r.log_likelihood
                                                           for r in trace.records]
    np.testing.assert_array_equal(s.params.means, trace.params.means)


def test_stepper_run_converges_like_run():
    X = mixture_data(2)
    s = Stepper(TwoGaussians1D(2), X, rng=4)
    s.e()  # start mid-iteration: run() must still finish whole iterations
    s.run(max_iter=500, tol=1e-7)
    assert s.trace.converged and s.last_step == "M"
    reference = run(TwoGaussians1D(2), X, max_iter=500, tol=1e-7, rng=4)
    assert s.record.log_likelihood == pytest.approx(reference.records[-1].log_likelihood)


@PROPERTY
@given(seed=st.integers(0, 1000),
       clicks=st.lists(st.sampled_from(["e", "m", "iterate", "undo", "reset"]), max_size=25))
def test_any_click_order_is_legal_and_undo_restores_exactly(seed, clicks):
    s = make_stepper(seed)
    initial = s.record
    for click in clicks:
        before = list(s.trace.records)
        if click == "m" and s.posterior is None:
            with pytest.raises(StepOrderError):
                s.m()
            assert s.trace.records == before
            continue
        getattr(s, click)()
        if click == "undo":
            assert s.trace.records == before[:max(1, len(before) - 1)]
        if click == "reset":
            assert s.trace.records == [initial]
        # the state is always exactly the one the last record describes
        assert s.params is s.record.params and s.posterior is s.record.posterior
        assert_em_laws(s.trace.records)
        steps = [r.step for r in s.trace.records]
        assert steps[0] == "init" and "init" not in steps[1:]
        assert all(a != b for a, b in zip(steps[1:], steps[2:], strict=False))


def test_undo_at_the_start_is_a_no_op():
    s = make_stepper()
    record = s.undo()
    assert record.step == "init" and len(s) == 1


def test_copy_is_independent():
    s = make_stepper()
    s.iterate()
    other = s.copy()
    other.iterate()
    assert len(s) == 3 and len(other) == 5


def test_one_pass_over_the_data_per_half_step():
    """E steps reuse the evaluation made after the previous M step (no double E-step)."""
    calls = []

    class Counting(BinomialMixture):
        def evaluate(self, X, params, posterior=None):
            calls.append(posterior is None)
            return super().evaluate(X, params, posterior)

    trace = run(Counting(2, 10), coin_data(1), max_iter=6, tol=0.0, rng=0)
    assert len(calls) == 1 + trace.n_iter  # θ⁽⁰⁾, then one after each M step
    s = Stepper(Counting(2, 10), coin_data(1), rng=0)
    calls.clear()
    s.e(); s.m(); s.e()  # noqa: E702
    assert len(calls) == 1


def test_largest_difference_between_traces():
    from emlib.mixtures import BinomialMixture, BinomialMixtureParams

    model = BinomialMixture(2, 10)
    start = BinomialMixtureParams([0.5, 0.5], [0.3, 0.7])
    a = run(model, np.array([5, 9, 8, 4, 7]), start, max_iter=5, tol=None)
    b = run(model, np.array([5, 9, 8, 4, 7]), start, max_iter=5, tol=None)
    assert a.largest_difference(b) == 0.0
    assert a.largest_difference(run(model, np.array([5, 9, 8, 4, 7]), start, max_iter=4,
                                     tol=None)) == float("inf")
    other = run(model, np.array([5, 9, 8, 4, 6]), start, max_iter=5, tol=None)
    assert 0 < a.largest_difference(other) < float("inf")
    with pytest.raises(TypeError, match="other"):
        a.largest_difference([1, 2])
