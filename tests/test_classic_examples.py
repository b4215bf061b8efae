"""The two classic first examples: Dempster, Laird & Rubin's genetic linkage (1977) and
Li Hang's three-coin model (统计学习方法 例9.1), against closed forms and the EM laws."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from laws import assert_em_laws
from scipy.optimize import minimize_scalar

from emlib.em import Stepper, run
from emlib.mixtures import (
    LINKAGE_COUNTS,
    THREE_COIN_DATA,
    GeneticLinkageModel,
    LinkageParams,
    ThreeCoinModel,
    ThreeCoinParams,
    linkage_mle,
)


def linkage_log_likelihood(pi, y=LINKAGE_COUNTS):
    y1, y2, y3, y4 = y
    return y1 * np.log(0.5 + pi / 4) + (y2 + y3) * np.log((1 - pi) / 4) + y4 * np.log(pi / 4)


def test_linkage_closed_form_is_the_maximiser():
    pi_hat = linkage_mle()
    assert pi_hat == pytest.approx((15 + np.sqrt(53809)) / 394, abs=1e-15)
    assert pi_hat == pytest.approx(0.6268214980, abs=1e-9)        # DLR (1977), Table 1
    best = minimize_scalar(lambda p: -linkage_log_likelihood(p), bounds=(1e-6, 1 - 1e-6),
                           method="bounded", options={"xatol": 1e-12})
    assert best.x == pytest.approx(pi_hat, abs=1e-7)


def test_linkage_log_likelihood_matches_the_formula():
    model = GeneticLinkageModel()
    y = model.validate_data(LINKAGE_COUNTS)
    for pi in (0.1, 0.5, 0.9):
        assert model.log_likelihood(y, LinkageParams(pi)) == pytest.approx(
            linkage_log_likelihood(pi), abs=1e-10)


def test_linkage_em_reaches_the_mle_with_dlr_rate():
    trace = run(GeneticLinkageModel(), LINKAGE_COUNTS, LinkageParams(0.5), max_iter=100,
                tol=1e-14, keep="all")
    pis = np.array([r.params.pi for r in trace.records if r.step in ("init", "M")])
    pi_hat = linkage_mle()
    assert pis[-1] == pytest.approx(pi_hat, abs=1e-9)
    assert pis[1] == pytest.approx(0.6082474, abs=1e-7)          # DLR's first iterate
    ratios = (pis[2:8] - pi_hat) / (pis[1:7] - pi_hat)
    assert np.allclose(ratios, 0.1328, atol=2e-3)                 # DLR: the rate ≈ 0.1328
    assert_em_laws(trace.records)


def test_linkage_rate_is_the_fraction_of_missing_information():
    """The rate = 1 − I_o/I_c at π̂ (I_c = complete-data information, one dimension)."""
    pi = linkage_mle()
    y1, y2, y3, y4 = LINKAGE_COUNTS
    x2 = y1 * (pi / 4) / (0.5 + pi / 4)
    i_c = (x2 + y4) / pi ** 2 + (y2 + y3) / (1 - pi) ** 2
    i_o = y1 / (2 + pi) ** 2 + (y2 + y3) / (1 - pi) ** 2 + y4 / pi ** 2
    trace = run(GeneticLinkageModel(), LINKAGE_COUNTS, LinkageParams(0.9), max_iter=8, tol=None,
                keep="all")
    pis = np.array([r.params.pi for r in trace.records if r.step == "M"])
    assert (pis[-1] - pi) / (pis[-2] - pi) == pytest.approx(1 - i_o / i_c, abs=1e-4)


@given(pi0=st.floats(0.01, 0.99), counts=st.tuples(*[st.integers(1, 300)] * 4))
def test_linkage_em_laws_hold_for_any_data_and_start(pi0, counts):
    trace = run(GeneticLinkageModel(), counts, LinkageParams(pi0), max_iter=30, tol=None)
    assert_em_laws(trace.records, tol=1e-8, relative=True)
    assert trace.params.pi == pytest.approx(linkage_mle(counts), abs=1e-4)


def test_linkage_stepper_drives_it():
    stepper = Stepper(GeneticLinkageModel(), LINKAGE_COUNTS, LinkageParams(0.5))
    stepper.e()
    stepper.m()
    assert stepper.params.pi == pytest.approx(0.6082474, abs=1e-7)


def test_linkage_rejects_bad_input():
    with pytest.raises(ValueError, match="X"):
        GeneticLinkageModel().validate_data([1, 2, 3])
    with pytest.raises(ValueError, match="X"):
        GeneticLinkageModel().validate_data([1, -2, 3, 4])
    with pytest.raises(ValueError, match="pi"):
        LinkageParams(1.5)
    with pytest.raises(TypeError, match="pi"):
        LinkageParams("a")


# --- the three coins ---------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "expected"), [
    ((0.5, 0.5, 0.5), (0.5, 0.6, 0.6)),                  # 统计学习方法 例9.1, first start
    ((0.4, 0.6, 0.7), (0.4064, 0.5368, 0.6432)),         # 例9.1, second start
])
def test_three_coins_reproduce_li_hang(start, expected):
    model = ThreeCoinModel()
    one = run(model, THREE_COIN_DATA, ThreeCoinParams(*start), max_iter=1, tol=None)
    assert np.allclose(one.params.as_array(), expected, atol=5e-5)
    more = run(model, THREE_COIN_DATA, ThreeCoinParams(*start), max_iter=20, tol=None,
               keep="all")
    assert np.allclose(more.params.as_array(), one.params.as_array(), atol=1e-12)  # fixed point
    assert_em_laws(more.records)


@given(start=st.tuples(*[st.floats(0.05, 0.95)] * 3))
def test_three_coins_reach_the_frequency_after_one_iteration(start):
    """After one M step p_A p_B + (1−p_A) p_C = the frequency of heads: the global maximum."""
    model = ThreeCoinModel()
    y = model.validate_data(THREE_COIN_DATA)
    trace = run(model, y, ThreeCoinParams(*start), max_iter=1, tol=None)
    p = trace.params
    assert p.p_a * p.p_b + (1 - p.p_a) * p.p_c == pytest.approx(y.mean(), abs=1e-12)
    best = 6 * np.log(0.6) + 4 * np.log(0.4)
    assert model.log_likelihood(y, p) == pytest.approx(best, abs=1e-10)


def test_three_coins_brute_force_likelihood():
    model = ThreeCoinModel()
    y = model.validate_data(THREE_COIN_DATA)
    theta = ThreeCoinParams(0.3, 0.8, 0.2)
    p1 = 0.3 * 0.8 + 0.7 * 0.2
    assert model.log_likelihood(y, theta) == pytest.approx(
        np.sum(np.where(y == 1, np.log(p1), np.log(1 - p1))), abs=1e-12)


def test_three_coins_handle_degenerate_coins_and_bad_input():
    model = ThreeCoinModel()
    trace = run(model, THREE_COIN_DATA, ThreeCoinParams(1.0, 0.5, 0.5), max_iter=3, tol=None)
    assert np.all(np.isfinite(trace.params.as_array()))
    with pytest.raises(ValueError, match="X"):
        model.validate_data([0, 1, 2])
    with pytest.raises(ValueError, match="p_b"):
        ThreeCoinParams(0.5, 1.2, 0.5)
