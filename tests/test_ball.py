"""Chapter 04 (emlib.ball three-peg game): the article's formulas against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from laws import assert_em_laws

from emlib.ball import (
    CUPS,
    ThreePegModel,
    ThreePegParams,
    complete_data_mle,
    cup_counts,
    cup_probabilities,
    e_step_table,
    expected_path_counts,
    path_probabilities,
    ridge_params,
    simulate_paths,
)
from emlib.em import StepOrderError, Stepper, run
from emlib.views.ball import ThreePegWidget, ball_stepper

COUNTS = {"a": 30, "b": 50, "c": 20}
probability = st.floats(0.01, 0.99)
counts_strategy = st.tuples(st.integers(0, 60), st.integers(0, 60), st.integers(0, 60)).filter(
    lambda c: sum(c) > 0)


def brute_force_cup_probabilities(p0, p1, p2):
    """Enumerate the 2 × 2 direction choices: 'L'/'R' at the top, then at peg 1 or peg 2."""
    cup_of = {("L", "L"): "a", ("L", "R"): "b", ("R", "L"): "b", ("R", "R"): "c"}
    probs = dict.fromkeys(CUPS, 0.0)
    for first, second in itertools.product("LR", repeat=2):
        prob = p0 if first == "R" else 1 - p0
        p_second = p1 if first == "L" else p2
        prob *= p_second if second == "R" else 1 - p_second
        probs[cup_of[(first, second)]] += prob
    return np.array([probs[c] for c in CUPS])


def brute_force_log_likelihood(counts, params):
    probs = brute_force_cup_probabilities(params.p0, params.p1, params.p2)
    return sum(n * np.log(p) for n, p in zip(counts, probs, strict=True) if n > 0)



@settings(max_examples=50, deadline=None)
@given(p0=probability, p1=probability, p2=probability, counts=counts_strategy)
def test_model_probabilities_match_the_enumeration_of_paths(p0, p1, p2, counts):
    params = ThreePegParams(p0, p1, p2)
    assert path_probabilities(params).sum() == pytest.approx(1.0)
    assert np.allclose(cup_probabilities(params), brute_force_cup_probabilities(p0, p1, p2))
    X = dict(zip(CUPS, counts, strict=True))
    assert ThreePegModel().log_likelihood(cup_counts(X), params) == pytest.approx(
        brute_force_log_likelihood(counts, params))


@settings(max_examples=30, deadline=None)
@given(n=st.tuples(*[st.integers(0, 30)] * 4).filter(lambda n: sum(n) > 0))
def test_complete_data_mle_is_the_grid_maximum(n):
    """p0 = (N2+N3)/N, p1 = N1/(N0+N1), p2 = N3/(N2+N3) against a grid over the cube."""
    g = np.linspace(0, 1, 41)
    P0, P1, P2 = np.meshgrid(g, g, g, indexing="ij")
    paths = np.stack([(1 - P0) * (1 - P1), (1 - P0) * P1, P0 * (1 - P2), P0 * P2])

    def complete_ll(probs):
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = [np.where(count > 0, count * np.log(pr), 0.0) for count, pr in
                     zip(n, probs, strict=True)]
        return sum(terms)

    grid_best = complete_ll(paths).max()
    theta = complete_data_mle(n)
    assert complete_ll(path_probabilities(theta)) >= grid_best - 1e-9
    N = sum(n)
    assert theta.p0 == pytest.approx((n[2] + n[3]) / N)
    if n[0] + n[1]:
        assert theta.p1 == pytest.approx(n[1] / (n[0] + n[1]))
    if n[2] + n[3]:
        assert theta.p2 == pytest.approx(n[3] / (n[2] + n[3]))


def test_the_e_step_posterior_of_cup_b():
    params = ThreePegParams(0.3, 0.6, 0.2)
    q = ThreePegModel().e_step(cup_counts(COUNTS), params)
    share = 0.7 * 0.6 / (0.7 * 0.6 + 0.3 * 0.8)
    assert np.allclose(q, [[1, 0, 0, 0], [0, share, 1 - share, 0], [0, 0, 0, 1]])
    assert np.allclose(expected_path_counts(COUNTS, q), [30, 50 * share, 50 * (1 - share), 20])


def test_the_article_table_and_its_q_function():
    """Rows (x, y); weight = f(x|X) Pr(y|x); N·Q(θ) = E_q[ln p(X,Y|θ)] = L(q,θ) − H(q)."""
    X = cup_counts(COUNTS)
    theta = ThreePegParams(0.3, 0.6, 0.2)
    table = e_step_table(X, theta)
    assert table.cups == ("a", "b", "b", "c") and table.paths == (0, 1, 2, 3)
    assert np.allclose(table.frequency, [0.3, 0.5, 0.5, 0.2])
    assert table.weight.sum() == pytest.approx(1.0)
    model = ThreePegModel()
    q = model.e_step(X, theta)
    new = model.m_step(X, q)
    entropy = -sum(n * (qi[qi > 0] * np.log(qi[qi > 0])).sum()
                   for n, qi in zip(X.counts, q, strict=True))
    assert X.total * table.Q(new) == pytest.approx(model.lower_bound(X, q, new) - entropy)
    # the M step maximises Q: no grid point does better
    g = np.linspace(0.01, 0.99, 41)
    P0, P1, P2 = np.meshgrid(g, g, g, indexing="ij")
    log_paths = np.log(np.stack([(1 - P0) * (1 - P1), (1 - P0) * P1, P0 * (1 - P2), P0 * P2]))
    grid_q = np.tensordot(table.weight, log_paths, axes=1)
    assert table.Q(new) >= grid_q.max() - 1e-12
    assert table.Q(ThreePegParams(0.3, 0.4, 0.5)) == pytest.approx(
        table.weight @ np.log(path_probabilities(ThreePegParams(0.3, 0.4, 0.5))))
    assert "ln(1−p0) + ln p1" in str(table)


@settings(max_examples=40, deadline=None)
@given(counts=counts_strategy, p0=probability, p1=probability, p2=probability,
       iters=st.integers(1, 6))
def test_em_laws_for_the_three_peg_model(counts, p0, p1, p2, iters):
    X = dict(zip(CUPS, counts, strict=True))
    trace = run(ThreePegModel(), X, ThreePegParams(p0, p1, p2), max_iter=iters, tol=0.0)
    assert_em_laws(trace.records)


@settings(max_examples=50, deadline=None)
@given(counts=counts_strategy, p0=probability, p1=probability, p2=probability)
def test_theta_two_equals_theta_one_and_is_the_best_possible(counts, p0, p1, p2):
    """After one M step the cup probabilities are the observed frequencies (the multinomial
    maximum Σ N_x ln(N_x/N)), so the next E step finds the same q and θ⁽²⁾ = θ⁽¹⁾."""
    X = cup_counts(dict(zip(CUPS, counts, strict=True)))
    stepper = Stepper(ThreePegModel(), X, ThreePegParams(p0, p1, p2))
    stepper.iterate()
    stepper.iterate()
    trace = stepper.trace
    theta1, theta2 = trace.records[2].params, trace.records[4].params
    assert np.allclose(theta1.as_array(), theta2.as_array(), atol=1e-12)
    assert np.allclose(cup_probabilities(theta1), X.frequencies, atol=1e-12)
    best = sum(n * np.log(n / X.total) for n in X.counts if n > 0)
    assert trace.records[2].log_likelihood == pytest.approx(best, abs=1e-9)
    # θ⁽¹⁾ lies on the ridge at the share of cup b that θ⁽⁰⁾ sends through path 1
    share = trace.records[1].posterior[list(X.observed).index(1), 1] if X.counts[1] else 0.0
    assert np.allclose(ridge_params(X, share)[0].as_array(), theta1.as_array())


def test_different_starts_give_different_equally_good_answers():
    a = run(ThreePegModel(), COUNTS, ThreePegParams(0.2, 0.8, 0.5), max_iter=5)
    b = run(ThreePegModel(), COUNTS, ThreePegParams(0.7, 0.3, 0.4), max_iter=5)
    assert not np.allclose(a.params.as_array(), b.params.as_array(), atol=1e-3)
    assert a.records[-1].log_likelihood == pytest.approx(b.records[-1].log_likelihood)
    assert a.n_iter == b.n_iter == 2  # θ⁽²⁾ = θ⁽¹⁾: the second iteration confirms it
    ridge = ridge_params(COUNTS, np.linspace(0, 1, 11))
    lls = [ThreePegModel().log_likelihood(cup_counts(COUNTS), t) for t in ridge]
    assert np.allclose(lls, lls[0])


def test_data_forms_agree_and_zero_counts_work():
    letters = "a" * 3 + "b" * 5 + "c" * 2
    for form in (letters, list(letters), np.array(list(letters)), {"a": 3, "b": 5, "c": 2}):
        assert cup_counts(form).as_dict() == {"a": 3, "b": 5, "c": 2}
    assert cup_counts({"b": 4}).as_dict() == {"a": 0, "b": 4, "c": 0}
    for X in ({"a": 5, "b": 5}, {"b": 5, "c": 1}, {"a": 2, "c": 3}, {"b": 7}, {"c": 1}):
        trace = run(ThreePegModel(), X, ThreePegParams(0.4, 0.5, 0.6), max_iter=5)
        assert_em_laws(trace.records)
        freq = cup_counts(X).frequencies
        assert np.allclose(cup_probabilities(trace.params), freq)
        assert np.isfinite(trace.records[-1].log_likelihood)


def test_probabilities_at_the_boundary():
    # p1 = 0: path 1 is impossible, all of cup b goes through path 2, and stays there
    trace = run(ThreePegModel(), COUNTS, ThreePegParams(0.5, 0.0, 0.5), max_iter=3,
                keep="all")
    assert trace.params.p1 == 0.0 and trace.records[1].posterior[1, 1] == 0.0
    assert_em_laws(trace.records)
    # θ⁽⁰⁾ that cannot produce an observed cup: a clear error, not NaNs
    with pytest.raises(ValueError, match="probability 0 to cup 'b'"):
        Stepper(ThreePegModel(), COUNTS, ThreePegParams(0.0, 0.0, 0.5))
    assert ThreePegModel().log_likelihood(cup_counts(COUNTS),
                                          ThreePegParams(0.0, 0.0, 0.5)) == -np.inf


@pytest.mark.parametrize("data, error, message", [
    ({"a": -1, "b": 2}, ValueError, r"X\['a'\] must be a non-negative"),
    ({"a": 1.5}, ValueError, "non-negative integer"),
    ({"a": True}, TypeError, "count"),
    ({"d": 3}, ValueError, "unknown cup"),
    ("abd", ValueError, "unknown cup letter"),
    (["a", 1], ValueError, "unknown cup letter"),
    ({"a": 0, "b": 0}, ValueError, "at least one ball"),
    ("", ValueError, "at least one ball"),
    (42, TypeError, "mapping"),
])
def test_bad_data_give_clear_errors(data, error, message):
    with pytest.raises(error, match=message):
        run(ThreePegModel(), data, ThreePegParams(0.5, 0.5, 0.5))


@pytest.mark.parametrize("args, message", [
    ((1.2, 0.5, 0.5), "p0"), ((0.5, -0.1, 0.5), "p1"), ((0.5, 0.5, float("nan")), "p2"),
    ((0.5, "x", 0.5), "p1"),
])
def test_bad_params_give_clear_errors(args, message):
    with pytest.raises((ValueError, TypeError), match=message):
        ThreePegParams(*args)


def test_other_bad_inputs():
    with pytest.raises(TypeError, match="params"):
        ThreePegModel().log_likelihood(cup_counts(COUNTS), (0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="path_counts"):
        complete_data_mle([1, 2, -3, 4])
    with pytest.raises(ValueError, match="path_counts"):
        complete_data_mle([1, 2, 3])
    with pytest.raises(ValueError, match="share"):
        ridge_params(COUNTS, 1.5)
    with pytest.raises(ValueError, match="posterior"):
        expected_path_counts(COUNTS, np.ones((2, 4)))


def test_stepper_click_orders_and_m_before_e():
    s = Stepper(ThreePegModel(), COUNTS, ThreePegParams(0.3, 0.6, 0.2))
    with pytest.raises(StepOrderError):
        s.m()
    s.e()
    s.e()
    s.m()
    s.m()
    assert len(s) == 3
    s.undo()
    assert s.last_step == "E"
    s.iterate()
    s.run()
    assert s.trace.converged
    assert_em_laws(s.trace.records)


# -- the ball widget ---------------------------------------------------------------------
def test_ball_widget_clicks_in_several_orders():
    w = ball_stepper(COUNTS, ThreePegParams(0.3, 0.6, 0.2))
    assert isinstance(w, ThreePegWidget) and w.expected_counts() is None
    assert "Press E step" in w.table.value
    images = {w.picture.value}
    w.buttons["M step"].click()  # refused, with a message
    assert "M step before any E step" in w.message.value and len(w.stepper) == 1
    w.buttons["E step"].click()
    share = 0.7 * 0.6 / (0.7 * 0.6 + 0.3 * 0.8)
    assert np.allclose(w.expected_counts(), [30, 50 * share, 50 * (1 - share), 20])
    assert "<table" in w.table.value and f"{share:.3f}" in w.table.value
    images.add(w.picture.value)
    w.buttons["M step"].click()
    assert w.shown.params.p0 == pytest.approx((50 * (1 - share) + 20) / 100)
    images.add(w.picture.value)
    assert len(images) == 3  # every half-step drew a new picture
    trace_image = w.trace_picture.value
    w.buttons["E+M"].click()
    assert len(w.stepper) == 5 and w.trace_picture.value != trace_image
    assert np.allclose(w.stepper.params.as_array(),  # θ⁽²⁾ = θ⁽¹⁾
                       w.stepper.trace.records[2].params.as_array(), rtol=0, atol=1e-14)
    w.slider.value = 1  # scrub back to the first E step
    assert w.shown.step == "E" and w.picture.value in images
    w.buttons["Undo"].click()
    assert len(w.stepper) == 4 and w.shown.step == "E"
    w.buttons["Run"].click()
    assert w.stepper.trace.converged
    w.buttons["Reset"].click()
    assert len(w.stepper) == 1 and "Press E step" in w.table.value
    assert "θ = (p0, p1, p2) = (0.3000, 0.6000, 0.2000)" in repr(w)
    assert_em_laws(w.stepper.trace.records)


def test_ball_widget_from_a_sequence_with_a_seeded_start():
    a = ball_stepper("aabbbc", random_state=3)
    b = ball_stepper({"a": 2, "b": 3, "c": 1}, random_state=3)
    assert a.stepper.params == b.stepper.params
    a.buttons["E+M"].click()
    assert np.allclose(cup_probabilities(a.stepper.params), [2 / 6, 3 / 6, 1 / 6])


def test_simulated_paths_follow_the_path_probabilities():
    params = ThreePegParams(0.4, 0.7, 0.2)
    y = simulate_paths(params, 40_000, rng=1)
    freq = np.bincount(y, minlength=4) / len(y)
    assert np.allclose(freq, path_probabilities(params), atol=0.01)
    assert np.array_equal(simulate_paths(params, 10, rng=5), simulate_paths(params, 10, rng=5))
    with pytest.raises(ValueError, match="n_balls"):
        simulate_paths(params, -1)
