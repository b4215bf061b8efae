"""The widgets, driven by clicks and slider moves as a learner would (no browser)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emlib.mixtures import BinomialMixture, BinomialMixtureParams
from emlib.views.prereq import BayesWidget, JensenWidget, KLWidget
from emlib.views.stepper import StepperWidget

HEADS = np.array([5, 9, 8, 4, 7])
START = BinomialMixtureParams(np.array([0.5, 0.5]), np.array([0.6, 0.5]))
BUTTONS = ["E step", "M step", "E+M", "Run", "Undo", "Reset"]


def draw_coins(ax, record):
    ax.bar([0, 1], record.params.p)
    if record.posterior is not None:
        ax.plot(record.posterior[:, 0])


def make_widget(**kwargs) -> StepperWidget:
    """A widget for logic tests: it draws no picture unless ``render=True``."""
    kwargs.setdefault("render", False)
    return StepperWidget(BinomialMixture(2, 10), HEADS, START, draw=draw_coins, **kwargs)


def test_widget_starts_at_theta0_with_pictures():
    w = make_widget(title="<b>coins</b>", render=True)
    assert w.shown.step == "init" and w.slider.max == 0
    assert bytes(w.picture.value)[:4] == bytes(w.trace_picture.value)[:4] == b"\x89PNG"
    assert "ln p = -11.3206" in w.label.value
    assert repr(w).startswith("StepperWidget(BinomialMixture, showing half-step 0 of 0")
    assert "\\x89PNG" not in repr(w)  # the stored text form never contains image bytes


def test_e_then_m_moves_numbers_and_pictures():
    w = make_widget(render=True)
    before = (w.picture.value, w.trace_picture.value)
    w.buttons["E step"].click()
    assert w.shown.step == "E" and w.slider.value == 1
    assert w.shown.kl == pytest.approx(0.0, abs=1e-12)
    assert w.picture.value != before[0] and w.trace_picture.value != before[1]
    w.buttons["M step"].click()
    assert w.shown.step == "M" and w.shown.log_likelihood > -11.3206
    assert w.shown.kl > 0
    # Do & Batzoglou (2008), figure 1: θ_A = 0.71, θ_B = 0.58 after the first iteration
    np.testing.assert_allclose(w.stepper.params.p, [0.7130, 0.5813], atol=1e-4)


def test_m_before_e_shows_a_message_and_changes_nothing():
    w = make_widget()
    w.buttons["M step"].click()
    assert "E step" in w.message.value and len(w.stepper) == 1
    w.buttons["E step"].click()
    assert w.message.value == ""
    w.buttons["E step"].click()
    assert "changes nothing" in w.message.value and len(w.stepper) == 2


def test_slider_scrubs_history_and_redraws_that_record():
    w = make_widget(render=True)
    for _ in range(3):
        w.buttons["E+M"].click()
    assert w.slider.max == 6
    pictures = {}
    for index in range(7):
        w.slider.value = index
        assert w.shown is w.stepper.trace.records[index]
        assert f"half-step {index} of 6" in repr(w)
        pictures[index] = w.picture.value
    w.slider.value = 2
    assert w.picture.value == pictures[2]  # the same record is drawn again exactly
    w.buttons["E step"].click()  # acting always continues from the latest state
    assert w.slider.value == 7 and w.shown.step == "E"


def test_run_converges_and_undo_reset_go_back():
    w = make_widget()
    w.buttons["Run"].click()
    assert w.stepper.trace.converged and w.shown.step == "M"
    # converged: θ is a fixed point of one more EM iteration
    again = w.stepper.copy()
    again.iterate()
    np.testing.assert_allclose(again.params.p, w.stepper.params.p, atol=1e-5)
    n = len(w.stepper)
    w.buttons["Undo"].click()
    assert len(w.stepper) == n - 1 and w.slider.max == n - 2 and w.shown.step == "E"
    w.buttons["Reset"].click()
    assert len(w.stepper) == 1 and w.slider.value == 0 and w.shown.step == "init"


@pytest.mark.parametrize("order", list(itertools.permutations(BUTTONS, 2)))
def test_every_ordered_pair_of_buttons_keeps_widget_and_trace_consistent(order):
    w = make_widget(max_run=5)
    for name in order:
        w.buttons[name].click()
        records = w.stepper.trace.records
        assert w.slider.max == len(records) - 1 == w.slider.value
        assert w.shown is records[-1]
        lls = [r.log_likelihood for r in records]
        assert all(b >= a - 1e-12 for a, b in zip(lls, lls[1:], strict=False))


@settings(max_examples=8, deadline=None)
@given(clicks=st.lists(st.sampled_from(BUTTONS + ["slide"]), max_size=8),
       slide_to=st.integers(0, 30))
def test_random_click_sequences(clicks, slide_to):
    w = make_widget(max_run=4)
    for name in clicks:
        if name == "slide":
            w.slider.value = min(slide_to, w.slider.max)
            assert w.shown is w.stepper.trace.records[w.slider.value]
        else:
            w.buttons[name].click()
            assert w.shown is w.stepper.record
        assert w.shown.summary() in w.label.value.replace("&lt;", "<")


def test_stepper_widget_rejects_bad_arguments():
    with pytest.raises(TypeError, match="draw"):
        StepperWidget(BinomialMixture(2, 10), HEADS, START, draw=None)
    with pytest.raises(ValueError, match="picture_size"):
        make_widget(picture_size="huge")


@pytest.mark.parametrize("kwargs, error", [
    ({"max_run": -1}, ValueError), ({"max_run": 0}, ValueError), ({"max_run": 2.5}, TypeError),
    ({"max_run": True}, TypeError), ({"tol": float("nan")}, ValueError),
    ({"tol": -1e-3}, ValueError), ({"tol": float("inf")}, ValueError), ({"tol": "1e-8"}, TypeError),
])
def test_run_settings_are_checked_when_the_widget_is_built_not_on_the_click(kwargs, error):
    (name,) = kwargs
    with pytest.raises(error, match=name):
        make_widget(**kwargs)


def test_run_without_tol_does_exactly_max_run_iterations():
    w = make_widget(max_run=3, tol=None)
    w.buttons["Run"].click()
    assert w.stepper.record.iteration == 3 and w.message.value == ""


def test_widgets_draw_into_one_agg_figure_and_leave_pyplot_alone():
    """The picture is redrawn in place, off pyplot: no figure piles up, no backend changes."""
    code = """
import sys, matplotlib
backend = matplotlib.rcParams._get_backend_or_none()
from emlib.views.mixtures import coin_stepper
w = coin_stepper()
figure = w.canvas.figure
pictures = {bytes(w.picture.value)}
for name in ["E step", "M step", "E+M", "Undo"]:
    w.buttons[name].click()
    pictures.add(bytes(w.picture.value))
assert w.canvas.figure is figure and len(pictures) == 5, len(pictures)
assert "matplotlib.pyplot" not in sys.modules
assert matplotlib.rcParams._get_backend_or_none() == backend
print("ok")
"""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.stdout.strip() == "ok", result.stderr


def test_bayes_widget_follows_its_sliders():
    w = BayesWidget(["fair", "loaded"], [0.9, 0.1], [0.1, 0.6])
    np.testing.assert_allclose(w.posterior, [0.6, 0.4])
    before = w.picture.value
    w.prior_sliders[0].value = 0.5
    w.prior_sliders[1].value = 0.5
    np.testing.assert_allclose(w.posterior, [1 / 7, 6 / 7])
    assert w.picture.value != before and "0.857" in w.label.value
    for s in w.likelihood_sliders:
        s.value = 0.0
    assert "evidence" in w.label.value and np.all(np.isnan(w.posterior))
    with pytest.raises(ValueError, match="length"):
        BayesWidget(["a", "b"], [0.5, 0.5], [0.1])


def test_prerequisite_widgets_refuse_what_their_sliders_would_clamp():
    """A slider silently clamps a value outside its range: the widget refuses it instead."""
    with pytest.raises(ValueError, match="likelihood"):
        BayesWidget(["a", "b"], [0.5, 0.5], [1.5, 0.2])
    with pytest.raises(ValueError, match="likelihood"):
        BayesWidget(["a", "b"], [0.5, 0.5], [-0.1, 0.2])
    with pytest.raises(ValueError, match="prior"):
        BayesWidget(["a", "b"], [-1.0, 2.0], [0.5, 0.2])
    with pytest.raises(ValueError, match="x"):
        JensenWidget(x=(-1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="x"):
        JensenWidget(x=(0.5, 2.0, 5.0))
    with pytest.raises(ValueError, match="weights"):
        JensenWidget(weights=(-0.2, 0.6, 0.6))
    with pytest.raises(ValueError, match="weights"):
        JensenWidget(weights=(0.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="p"):
        KLWidget(p=(-0.1, 0.6, 0.5))
    with pytest.raises(ValueError, match="q"):
        KLWidget(q=(0.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="q"):
        KLWidget(q=(0.2, float("nan"), 0.3))


def test_prerequisite_widgets_show_unnormalised_weights_as_the_distribution_they_mean():
    """Weights that do not sum to 1 are renormalised before they reach the sliders, so no
    slider clamps them (2 and 6 would both become 1 on a [0, 1] slider)."""
    w = JensenWidget(weights=(2.0, 6.0, 2.0))
    np.testing.assert_allclose([s.value for s in w.weight_sliders], [0.2, 0.6, 0.2])
    np.testing.assert_allclose(w.weights, [0.2, 0.6, 0.2])
    k = KLWidget(p=(2.0, 1.0, 1.0), q=(1.0, 1.0, 2.0))
    np.testing.assert_allclose(k.p, [0.5, 0.25, 0.25])
    np.testing.assert_allclose([s.value for s in k.q_sliders], [0.25, 0.25, 0.5])
    b = BayesWidget(["a", "b"], [3.0, 1.0], [0.2, 0.4])
    np.testing.assert_allclose(b.prior, [0.75, 0.25])


def test_jensen_widget_gap_is_non_negative_for_convex_and_flips_for_concave():
    w = JensenWidget()
    assert w.gap > 0 and "gap" in w.label.value
    w.function.value = "ln x (concave)"
    assert w.gap < 0
    w.function.value = "x² (convex)"
    x, weights = w.x, w.weights
    assert w.gap == pytest.approx(weights @ (x - weights @ x) ** 2)
    for s in w.x_sliders:
        s.value = 2.0
    assert w.gap == pytest.approx(0.0, abs=1e-12)  # all points equal: no gap
    with pytest.raises(ValueError, match="function"):
        JensenWidget(function="sin")


def test_kl_widget_shows_asymmetry_zero_and_infinity():
    w = KLWidget()
    assert w.kl_pq > 0 and w.kl_qp > 0 and w.kl_pq != pytest.approx(w.kl_qp)
    for sp, sq in zip(w.p_sliders, w.q_sliders, strict=True):
        sq.value = sp.value
    assert w.kl_pq == pytest.approx(0.0, abs=1e-12)
    w.q_sliders[0].value = 0.0
    assert w.kl_pq == np.inf and np.isfinite(w.kl_qp) and "inf" in w.label.value


def test_each_click_redraws_once():
    w = make_widget(render=True)
    drawn = []
    original = w.draw
    w.draw = lambda ax, record: (drawn.append(record.step), original(ax, record))
    for name in ["E step", "M step", "Undo", "Reset", "E+M"]:
        drawn.clear()
        w.buttons[name].click()
        assert len(drawn) == 1, (name, drawn)
    drawn.clear()
    w.slider.value = 1
    assert drawn == ["E"]


def test_online_em_widget_checks_its_settings_when_built():
    from emlib.theory import GaussianMixture1D, Mixture1DParams
    from emlib.views.variants import OnlineEMWidget

    x = np.concatenate([np.linspace(-2, 0, 20), np.linspace(1, 3, 20)])
    start = Mixture1DParams([0.5, 0.5], [-1.0, 2.0], [1.0, 1.0])
    model = GaussianMixture1D(2)
    for kwargs, error, name in [({"random_state": -1}, ValueError, "random_state"),
                                ({"random_state": 1.5}, TypeError, "random_state"),
                                ({"batch_size": 0}, ValueError, "batch_size"),
                                ({"alpha": float("nan")}, ValueError, "alpha")]:
        with pytest.raises(error, match=name):
            OnlineEMWidget(model, x, start, start, **kwargs)
    with pytest.raises(TypeError, match="GaussianMixture1D"):
        OnlineEMWidget(BinomialMixture(2, 10), x, start, start)


def test_em_effect_widget_keeps_the_bounds_of_the_e_steps_in_its_trace_only():
    from emlib.theory import OneMeanMixture, bound_curve
    from emlib.views.theory import EMEffectWidget

    x = np.concatenate([np.linspace(-3, 1, 30), np.linspace(0, 4, 45)])
    model = OneMeanMixture([0.0, 2.0], [1.0, 1.0], [0.4, 0.6])
    parameter = model.parameter(-4, 3)
    w = EMEffectWidget(model, x, model.params_at(-3.5), parameter, n_grid=40)
    for name in ["E step", "M step", "E step"]:
        w.buttons[name].click()
    assert [t for t, _ in w.bounds()] == [-3.5, parameter.get(w.stepper.params)]
    w.buttons["Undo"].click()
    assert len(w.bounds()) == 1
    w.buttons["Reset"].click()
    assert w.bounds() == []
    w.buttons["E step"].click()
    (touch, curve), = w.bounds()
    fresh = bound_curve(model, w.stepper.X, w.stepper.posterior, w.stepper.params, parameter,
                        w.grid)
    assert touch == -3.5 and np.array_equal(curve, fresh)
