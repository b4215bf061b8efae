"""Hidden Markov models (chapter 10): brute force, hmmlearn, Eisner's spreadsheet, EM laws."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from laws import assert_em_laws

from emlib._validation import NotFittedError
from emlib.datasets import load_earthquakes
from emlib.em import Stepper, run
from emlib.hmm import (
    ICE_CREAM,
    CategoricalHMM,
    CategoricalHMMModel,
    HMMParams,
    PoissonHMM,
    PoissonHMMModel,
    PoissonHMMParams,
    baum_welch_step,
    eisner_ice_cream,
    forward_backward,
    posterior_decode,
    sample,
    viterbi,
)


def random_params(rng, K, M=None, end=False, rates=False):
    trans = rng.dirichlet(np.ones(K), size=K) + np.eye(K)
    stop = rng.uniform(0.05, 0.3, K) if end else np.zeros(K)
    trans = trans / trans.sum(1, keepdims=True) * (1 - stop)[:, None]
    start = rng.dirichlet(np.ones(K))
    if rates:
        return PoissonHMMParams(start, trans, rng.uniform(0.5, 6, K), stop if end else None)
    return HMMParams(start, trans, rng.dirichlet(np.ones(M), size=K), stop if end else None)


def emission(params, x):
    if isinstance(params, HMMParams):
        return params.emit[:, x]
    from math import lgamma
    lf = np.array([lgamma(v + 1) for v in x])
    return np.exp(x[None] * np.log(params.rates[:, None]) - params.rates[:, None] - lf[None])


def brute_force(params, x):
    """Every path: p(X, Z) for all K^T paths, as a dict path → probability."""
    K, T = params.n_states, len(x)
    b = emission(params, np.asarray(x))
    out = {}
    for path in itertools.product(range(K), repeat=T):
        p = params.start[path[0]] * b[path[0], 0]
        for t in range(1, T):
            p *= params.trans[path[t - 1], path[t]] * b[path[t], t]
        if params.end is not None:
            p *= params.end[path[-1]]
        out[path] = p
    return out


def model_for(params, M=None):
    if isinstance(params, HMMParams):
        return CategoricalHMMModel(params.n_states, params.emit.shape[1], params.end is not None,
                                   engine="numpy")
    return PoissonHMMModel(params.n_states, params.end is not None, engine="numpy")


# -- Eisner's spreadsheet ------------------------------------------------------------------


def test_ice_cream_spreadsheet():
    x, params = eisner_ice_cream()
    assert len(x) == 33 and list(ICE_CREAM[:5]) == [2, 3, 3, 2, 3]
    model = CategoricalHMMModel(2, 3, end_state=True)
    assert np.exp(model.log_likelihood(x, params)) == pytest.approx(9.13e-19, rel=1e-3)
    trace = run(model, x, params, max_iter=10, tol=None)
    p_data = np.exp(trace.column("log_likelihood", "M"))
    assert np.all(np.diff(np.concatenate([[9.1276e-19], p_data])) > 0)
    assert p_data[0] == pytest.approx(1.104e-16, rel=1e-3)
    assert_em_laws(trace.records)
    final = trace.params
    assert np.allclose(final.trans.sum(1) + final.end, 1)


# -- brute force ---------------------------------------------------------------------------


@pytest.mark.parametrize("end", [False, True])
@pytest.mark.parametrize("rates", [False, True])
def test_forward_backward_matches_path_enumeration(end, rates):
    rng = np.random.default_rng(1)
    params = random_params(rng, 3, 4, end, rates)
    other = random_params(rng, 3, 4, end, rates)
    x = rng.integers(0, 4, 5)
    paths = brute_force(params, x)
    total = sum(paths.values())
    model = model_for(params)
    ev = model.evaluate(x, params)
    assert ev.log_likelihood == pytest.approx(np.log(total), abs=1e-12)
    gamma = np.zeros((5, 3))
    for path, p in paths.items():
        gamma[np.arange(5), path] += p / total
    assert np.allclose(ev.posterior.gamma, gamma, atol=1e-12)
    q = {path: p / total for path, p in paths.items()}
    entropy = -sum(v * np.log(v) for v in q.values() if v > 0)
    assert ev.posterior.entropy == pytest.approx(entropy, abs=1e-10)
    # L and KL of this q against another θ, by enumeration
    other_paths = brute_force(other, x)
    other_total = sum(other_paths.values())
    bound = sum(v * (np.log(other_paths[k]) - np.log(v)) for k, v in q.items() if v > 0)
    kl = sum(v * (np.log(v) - np.log(other_paths[k] / other_total)) for k, v in q.items() if v > 0)
    assert model.lower_bound(x, ev.posterior, other) == pytest.approx(bound, abs=1e-10)
    assert model.kl_divergence(x, ev.posterior, other) == pytest.approx(kl, abs=1e-10)
    ev_other = model.evaluate(x, other, ev.posterior)
    assert (ev_other.lower_bound, ev_other.kl) == (pytest.approx(bound, abs=1e-10),
                                                   pytest.approx(kl, abs=1e-10))
    best = max(paths, key=paths.get)
    path, log_joint = viterbi(x, params)
    assert tuple(path) == best and log_joint == pytest.approx(np.log(paths[best]), abs=1e-10)
    assert np.array_equal(posterior_decode(x, params), gamma.argmax(1))


def test_textbook_steps_match_the_model():
    rng = np.random.default_rng(2)
    params = random_params(rng, 3, 5, end=True)
    x = rng.integers(0, 5, 40)
    fb = forward_backward(params.emit[:, x].T, params.start, params.trans, params.end)
    model = CategoricalHMMModel(3, 5, end_state=True, engine="numpy")
    ev = model.evaluate(x, params)
    assert fb.log_likelihood == pytest.approx(ev.log_likelihood, abs=1e-12)
    start, trans, emit, end = baum_welch_step(x, fb, 5, end_state=True)
    new = model.m_step(x, ev.posterior)
    for a, b in ((start, new.start), (trans, new.trans), (emit, new.emit), (end, new.end)):
        assert np.allclose(a, b, atol=1e-13)
    # the compiled pass gives the same numbers
    fast = CategoricalHMMModel(3, 5, end_state=True, engine="numba").evaluate(x, params)
    assert fast.log_likelihood == pytest.approx(ev.log_likelihood, abs=1e-10)
    assert fast.posterior.entropy == pytest.approx(ev.posterior.entropy, abs=1e-10)
    assert np.allclose(fast.posterior.gamma, ev.posterior.gamma, atol=1e-13)


@pytest.mark.parametrize("end", [False, True])
@pytest.mark.parametrize("rates", [False, True])
def test_compiled_engine_equals_numpy(end, rates):
    rng = np.random.default_rng(3)
    params = random_params(rng, 4, 6, end, rates)
    xs = [rng.integers(0, 6, n) for n in (1, 2, 57, 300)]
    kwargs = {} if rates else {"n_symbols": 6}
    cls = PoissonHMMModel if rates else CategoricalHMMModel
    slow = cls(4, end_state=end, engine="numpy", **kwargs).evaluate(xs, params)
    fast = cls(4, end_state=end, engine="numba", **kwargs).evaluate(xs, params)
    assert fast.log_likelihood == pytest.approx(slow.log_likelihood, abs=1e-9)
    assert fast.posterior.entropy == pytest.approx(slow.posterior.entropy, abs=1e-9)
    assert np.allclose(fast.posterior.gamma, slow.posterior.gamma, atol=1e-12)
    for name in ("start", "trans", "end", "occupancy", "emission", "log_factorial"):
        assert np.allclose(getattr(fast.posterior.stats, name),
                           getattr(slow.posterior.stats, name), atol=1e-9)


def test_statistics_add_over_sequences():
    rng = np.random.default_rng(4)
    params = random_params(rng, 2, 3)
    xs = [rng.integers(0, 3, 20), rng.integers(0, 3, 30)]
    model = CategoricalHMMModel(2, 3)
    whole = model.expected_statistics(xs, model.e_step(xs, params))
    parts = [model.expected_statistics(x, model.e_step(x, params)) for x in xs]
    total = parts[0] + parts[1]
    assert np.allclose(whole.trans, total.trans) and np.allclose(whole.emission, total.emission)


# -- the EM laws ---------------------------------------------------------------------------


@settings(max_examples=25)
@given(seed=st.integers(0, 10_000), K=st.integers(1, 3), end=st.booleans(),
       rates=st.booleans(), n_seq=st.integers(1, 3))
def test_em_laws(seed, K, end, rates, n_seq):
    rng = np.random.default_rng(seed)
    params = random_params(rng, K, 3, end, rates)
    xs = [rng.integers(0, 3 if not rates else 9, rng.integers(1, 12)) for _ in range(n_seq)]
    trace = run(model_for(params), xs, params, max_iter=8, tol=None)
    assert_em_laws(trace.records)


def test_stepper_drives_the_model():
    x, params = eisner_ice_cream()
    stepper = Stepper(CategoricalHMMModel(2, 3, end_state=True), x, params)
    for _ in range(3):
        stepper.iterate()
    assert_em_laws(stepper.trace.records)
    assert stepper.record.log_likelihood > np.log(9.13e-19)


# -- hmmlearn ------------------------------------------------------------------------------


def test_categorical_matches_hmmlearn():
    hmm = pytest.importorskip("hmmlearn.hmm")
    rng = np.random.default_rng(5)
    truth = random_params(rng, 3, 4)
    xs = [sample(truth, n, rng)[1] for n in (200, 150)]
    start = random_params(rng, 3, 4)
    est = CategoricalHMM(3, 4, max_iter=15, tol=None, init=start).fit(xs)
    peer = hmm.CategoricalHMM(3, n_features=4, n_iter=15, tol=-np.inf, init_params="",
                              params="ste", implementation="scaling")
    peer.startprob_, peer.transmat_, peer.emissionprob_ = start.start, start.trans, start.emit
    X, lengths = np.concatenate(xs)[:, None], [len(x) for x in xs]
    peer.fit(X, lengths)
    assert np.allclose(est.startprob_, peer.startprob_, atol=1e-10)
    assert np.allclose(est.transmat_, peer.transmat_, atol=1e-10)
    assert np.allclose(est.emissionprob_, peer.emissionprob_, atol=1e-10)
    assert est.score(xs) == pytest.approx(peer.score(X, lengths), abs=1e-8)
    assert np.array_equal(np.concatenate(est.predict(xs)), peer.predict(X, lengths))


def test_poisson_matches_hmmlearn():
    hmm = pytest.importorskip("hmmlearn.hmm")
    _, counts = load_earthquakes()
    rng = np.random.default_rng(6)
    start = PoissonHMMParams([0.5, 0.5], [[0.9, 0.1], [0.2, 0.8]], [12.0, 25.0])
    est = PoissonHMM(2, max_iter=20, tol=None, init=start).fit(counts)
    peer = hmm.PoissonHMM(2, n_iter=20, tol=-np.inf, init_params="", params="stl",
                          implementation="scaling", random_state=int(rng.integers(100)))
    peer.startprob_, peer.transmat_, peer.lambdas_ = start.start, start.trans, start.rates[:, None]
    peer.fit(counts[:, None])
    assert np.allclose(est.rates_, peer.lambdas_.ravel(), atol=1e-8)
    assert np.allclose(est.transmat_, peer.transmat_, atol=1e-10)
    assert est.score(counts) == pytest.approx(peer.score(counts[:, None]), abs=1e-8)


def test_earthquakes_two_and_three_states():
    _, counts = load_earthquakes()
    two = PoissonHMM(2, max_iter=500, tol=1e-10, random_state=0).fit(counts)
    three = PoissonHMM(3, max_iter=500, tol=1e-10, random_state=0).fit(counts)
    assert two.log_likelihood_ == pytest.approx(-341.879, abs=1e-3)
    assert three.log_likelihood_ == pytest.approx(-328.527, abs=1e-3)
    assert np.allclose(np.sort(two.rates_), [15.42, 26.02], atol=0.01)
    assert two.n_parameters() == 5 and three.n_parameters() == 11
    assert three.aic(counts) < two.aic(counts)


# -- sampling, estimators, errors ----------------------------------------------------------


def test_sampling():
    rng = np.random.default_rng(7)
    _, params = eisner_ice_cream()
    lengths = [len(sample(params, rng=rng)[0]) for _ in range(2000)]
    assert np.mean(lengths) == pytest.approx(10, rel=0.1)  # STOP with probability 0.1
    truth = random_params(rng, 2, 3)
    z, x = sample(truth, 5000, rng)
    assert len(z) == len(x) == 5000 and set(np.unique(x)) <= {0, 1, 2}
    z, x = sample(random_params(rng, 2, rates=True), 100, rng)
    assert x.dtype.kind == "i" and np.all(x >= 0)
    with pytest.raises(ValueError, match="n_steps"):
        sample(truth)


def test_estimator_conventions():
    est = CategoricalHMM(2, random_state=0)
    with pytest.raises(NotFittedError):
        est.predict([0, 1])
    x, params = eisner_ice_cream()
    est.fit(x)
    assert est.emissionprob_.shape == (2, 3) and est.n_iter_ == est.trace_.n_iter
    assert est.score(x) == pytest.approx(est.log_likelihood_, abs=1e-6)
    assert est.predict(x).shape == (33,) and len(est.predict([x, x[:5]])) == 2
    assert np.allclose(est.predict_proba(x).sum(1), 1)
    assert est.decode(x, "map").shape == (33,)
    with pytest.raises(ValueError, match="algorithm"):
        est.decode(x, "best")
    eisner = CategoricalHMM(2, end_state=True, init=params, max_iter=5, tol=None).fit(x)
    assert eisner.endprob_ is not None and eisner.n_iter_ == 5
    with pytest.raises(ValueError, match="n_states"):
        CategoricalHMM(0).fit(x)
    with pytest.raises(ValueError, match="max_iter"):
        PoissonHMM(2, max_iter=-1).fit([1, 2])


def test_bad_input_is_named():
    model = CategoricalHMMModel(2, 3)
    with pytest.raises(ValueError, match=r"symbol 3 outside 0\.\.2"):
        model.validate_data([0, 1, 3])
    with pytest.raises(ValueError, match=r"X\[1\] is an empty sequence"):
        model.validate_data([[0, 1], []])
    with pytest.raises(ValueError, match="empty"):
        model.validate_data([])
    with pytest.raises(ValueError, match="integers"):
        model.validate_data([0, 1.5])
    with pytest.raises(TypeError, match="X must be"):
        model.validate_data("abc")
    with pytest.raises(ValueError, match="counts >= 0"):
        PoissonHMMModel(2).validate_data([1, -2])
    with pytest.raises(ValueError, match="each row of trans must sum to 1"):
        HMMParams([0.5, 0.5], [[0.5, 0.4], [0.5, 0.5]], [[1, 0, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match="each row of trans plus end must sum to 1"):
        HMMParams([0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]], [[1, 0, 0], [0, 1, 0]], end=[0.1, 0.1])
    with pytest.raises(ValueError, match="each row of emit"):
        HMMParams([0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]], [[1, 0, 1], [0, 1, 0]])
    with pytest.raises(ValueError, match="start must sum to 1"):
        HMMParams([0.5, 0.6], [[0.5, 0.5], [0.5, 0.5]], [[1, 0, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match="rates"):
        PoissonHMMParams([0.5, 0.5], [[0.5, 0.5], [0.5, 0.5]], [-1.0, 2.0])
    _, params = eisner_ice_cream()
    with pytest.raises(ValueError, match="end_state=False"):
        model.log_likelihood([0, 1], params)
    with pytest.raises(TypeError, match="HMMParams"):
        model.log_likelihood([0, 1], {"start": 1})
    impossible = HMMParams([1.0, 0.0], [[1.0, 0.0], [0.0, 1.0]], [[1, 0, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match="probability 0"):
        model.log_likelihood([0, 1], impossible)
    with pytest.raises(ValueError, match="engine"):
        CategoricalHMMModel(2, 3, engine="fast")


# -- the views -----------------------------------------------------------------------------


def test_ice_cream_widget_by_clicking():
    from emlib.views.hmm import ice_cream_stepper

    w = ice_cream_stepper()
    assert "9.1276e-19" in w.report() and "no q(Z) yet" in w.counts.value
    w.buttons["E step"].click()
    assert "expected counts" in w.counts.value and w.shown.kl == pytest.approx(0, abs=1e-9)
    w.buttons["M step"].click()
    w.buttons["E+M"].click()
    p_data = [p for _, p, _ in w.iterations()]
    assert len(p_data) == 3 and np.all(np.diff(p_data) > 0)
    assert p_data[1] == pytest.approx(1.104e-16, rel=1e-3)
    assert "iteration 2" in w.report() and w.picture.value[:4] == b"\x89PNG"
    w.slider.value = 0
    assert w.shown.step == "init" and "no q(Z) yet" in w.counts.value
    assert_em_laws(w.stepper.trace.records)


def test_decoded_counts_picture():
    from emlib.views import plotting
    from emlib.views.hmm import plot_decoded_counts

    years, counts = load_earthquakes()
    est = PoissonHMM(2, random_state=0).fit(counts)
    fig, ax = plotting.new_figure("wide")
    plot_decoded_counts(ax, years, counts, est.rates_, est.predict(counts), title="K = 2")
    assert len(ax.lines) == 2
    with pytest.raises(ValueError, match="same length"):
        plot_decoded_counts(ax, years[:5], counts, est.rates_, est.predict(counts))


def test_no_underflow_on_long_sequences_and_large_counts():
    rng = np.random.default_rng(8)
    params = random_params(rng, 3, 4)
    _, x = sample(params, 20_000, rng)
    slow = CategoricalHMMModel(3, 4, engine="numpy").evaluate(x, params)
    fast = CategoricalHMMModel(3, 4, engine="numba").evaluate(x, params)
    assert np.isfinite(slow.log_likelihood) and slow.log_likelihood < -10_000
    assert fast.log_likelihood == pytest.approx(slow.log_likelihood, rel=1e-12)
    # counts near a million: every b_k(x) underflows to 0 without the per-step shift
    far = PoissonHMMParams([0.5, 0.5], [[0.9, 0.1], [0.1, 0.9]], [1e6, 1.001e6])
    counts = rng.poisson(np.repeat([1e6, 1.001e6], 50))
    trace = run(PoissonHMMModel(2), counts, far, max_iter=5, tol=None)
    assert np.all(np.isfinite(trace.log_likelihoods))
    assert_em_laws(trace.records, tol=1e-9, relative=True)


def test_model_module_imports_no_views_and_no_compiler():
    import subprocess
    import sys

    code = ("import sys, emlib.hmm, emlib.exercises; "
            "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'numba') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
