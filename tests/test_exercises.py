"""emlib.exercises: every checker passes its solution, reports an untouched skeleton as
"not attempted yet", and catches typical mistakes, naming the wrong quantity."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from emlib.exercises import EXERCISES

EM_CHAPTERS = ("03_mle", "04_ball_em", "05_kmeans", "06_gmm", "07_em_theory", "08_plsa",
               "09_em_variants")


def test_every_em_chapter_has_an_exercise():
    chapters = {exercise.chapter for exercise in EXERCISES.values()}
    assert set(EM_CHAPTERS) <= chapters


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_solution_passes_and_skeleton_is_not_attempted(name):
    exercise = EXERCISES[name]
    feedback = exercise.check(exercise.solution)
    assert feedback.passed, feedback.message

    def skeleton(*args):
        ...

    feedback = exercise.check(skeleton)
    assert not feedback.passed and not feedback.attempted
    assert "not attempted yet" in feedback.message
    assert len(exercise.hints) >= 3 and exercise.task


def test_a_raising_function_becomes_feedback():
    feedback = EXERCISES["gmm_e_step"].check(lambda *args: 1 / 0)
    assert not feedback.passed and "ZeroDivisionError" in feedback.message


# --- typical mistakes, written independently of the solutions --------------------------------

def _mle_unbiased(x):
    return np.mean(x), np.var(x, ddof=1)


def _mle_std(x):
    return np.mean(x), np.std(x)


def _mle_one_pass(x):
    return np.mean(x), np.mean(x ** 2) - np.mean(x) ** 2


def _ball(counts, p, *, normalise=True, swap=False, p1_over_all=False):
    n_a, n_b, n_c = counts
    p0, p1, p2 = p
    a, b = (1 - p0) * p1, p0 * (1 - p2)
    if swap:
        a, b = b, a
    share = a / (a + b) if normalise else a
    n_b1 = n_b * share
    n_b2 = n_b - n_b1
    total = n_a + n_b + n_c
    return np.array([(n_b2 + n_c) / total, n_b1 / (total if p1_over_all else n_a + n_b1),
                     n_c / (n_b2 + n_c)])


def _lloyd(X, centres, *, argmax=False, divide=True, empty="keep"):
    """Lloyd's step with a mistake; empty="nan" averages an empty cluster (NaN)."""
    d = ((X[:, None] - centres[None]) ** 2).sum(2)
    labels = d.argmax(1) if argmax else d.argmin(1)
    new = centres.copy()
    for k in range(len(centres)):
        members = X[labels == k]
        if len(members):
            new[k] = members.mean(0) if divide else members.sum(0)
        elif empty == "nan":
            new[k] = np.nan
        elif empty == "zero":
            new[k] = 0.0
    return new


def _gmm(X, w, mu, cov, *, weights=True, normalise=True, log=False, transpose=False):
    dens = np.array([multivariate_normal(m, c).pdf(X) for m, c in zip(mu, cov, strict=True)]).T
    dens = dens.reshape(len(X), len(w))
    joint = dens * w if weights else dens
    out = joint / joint.sum(1, keepdims=True) if normalise else joint
    out = np.log(out) if log else out
    return out.T if transpose else out


def _bound(a, q, *, entropy=True, zero_safe=True, naive_lse=False):
    with np.errstate(divide="ignore", invalid="ignore"):
        logq = np.where(q > 0, np.log(np.where(q > 0, q, 1)), 0.0) if zero_safe else np.log(q)
        bound = np.sum(q * a) - (np.sum(q * logq) if entropy else 0.0)
        log_p = np.log(np.sum(np.exp(a))) if naive_lse else logsumexp(a)
    return bound, log_p - bound


def _plsa(counts, q, *, weight=True, word_axis=True, transpose=False):
    e = (counts[:, :, None] if weight else 1.0) * q
    tw = e.sum(0).T
    dz = e.sum(1)
    p_wz = tw / tw.sum(1, keepdims=True) if word_axis else tw / tw.sum(0, keepdims=True)
    return dz / dz.sum(1, keepdims=True), (p_wz.T if transpose else p_wz)


def _map(q, alpha, *, minus_one=True, normalise=True):
    n_k = q.sum(0)
    c = alpha - 1 if minus_one else alpha
    top = n_k + c
    return top / top.sum() if normalise else top / len(q)


def _coins(y, theta, *, normalise=True, c_weights=False, sum_pa=False):
    p_a, p_b, p_c = theta
    b = p_a * p_b**y * (1 - p_b) ** (1 - y)
    c = (1 - p_a) * p_c**y * (1 - p_c) ** (1 - y)
    mu = b / (b + c) if normalise else b
    w_c = mu if c_weights else 1 - mu
    return np.array([mu.sum() if sum_pa else mu.mean(), mu @ y / mu.sum(), w_c @ y / w_c.sum()])


def _online(stats, kappa, t0, *, offset=0, swap=False, first_eta=False):
    s = np.zeros_like(stats[0]) if first_eta else np.array(stats[0], float)
    for t, b in enumerate(stats if first_eta else stats[1:], start=2 + offset):
        eta = (t - 1 + t0) ** (-kappa) if first_eta else (t + t0) ** (-kappa)
        s = eta * s + (1 - eta) * b if swap else (1 - eta) * s + eta * b
    return s


MISTAKES = {
    "online_statistics": [(lambda b, k, t0: _online(b, k, t0, offset=1), "statistics"),
                          (lambda b, k, t0: _online(b, k, t0, swap=True), "statistics"),
                          (lambda b, k, t0: _online(b, k, t0 + 1), "statistics")],
    "three_coins_em_step": [(lambda y, t: _coins(y, t, normalise=False), "θ"),
                            (lambda y, t: _coins(y, t, c_weights=True), "θ"),
                            (lambda y, t: _coins(y, t, sum_pa=True), "θ")],
    "gaussian_mle": [(_mle_unbiased, "variance"), (_mle_std, "variance"),
                     (_mle_one_pass, "variance")],
    "ball_em_step": [(lambda c, p: _ball(c, p, normalise=False), "θ"),
                     (lambda c, p: _ball(c, p, swap=True), "θ"),
                     (lambda c, p: _ball(c, p, p1_over_all=True), "θ")],
    "lloyd_step": [(lambda X, m: _lloyd(X, m, argmax=True), "centres"),
                   (lambda X, m: _lloyd(X, m, divide=False), "centres"),
                   (lambda X, m: _lloyd(X, m, empty="nan"), "centres"),
                   (lambda X, m: _lloyd(X, m, empty="zero"), "centres")],
    "gmm_e_step": [(lambda *a: _gmm(*a, weights=False), "responsibilities"),
                   (lambda *a: _gmm(*a, normalise=False), "responsibilities"),
                   (lambda *a: _gmm(*a, log=True), "responsibilities"),
                   (lambda *a: _gmm(*a, transpose=True), "transposed"),
                   (lambda *a: _gmm(*a), "underflow")],   # linear space: 0/0 far away
    "bound_and_gap": [(lambda a, q: _bound(a, q, entropy=False), "lower bound"),
                      (lambda a, q: _bound(a, q, zero_safe=False), "lower bound"),
                      (lambda a, q: _bound(a, q, naive_lse=True), "gap")],
    "plsa_m_step": [(lambda n, q: _plsa(n, q, weight=False), "P(z|d)"),
                    (lambda n, q: _plsa(n, q, word_axis=False), "P(w|z)"),
                    (lambda n, q: _plsa(n, q, transpose=True), "transposed")],
    "map_weights": [(lambda q, a: _map(q, a, minus_one=False), "weights"),
                    (lambda q, a: _map(q, a, normalise=False), "weights"),
                    (lambda q, a: q.sum(0) / len(q), "weights")],
}


@pytest.mark.parametrize(("name", "index"),
                         [(n, i) for n, ms in MISTAKES.items() for i in range(len(ms))])
def test_checker_catches_typical_mistake(name, index):
    mistake, word = MISTAKES[name][index]
    with np.errstate(all="ignore"):
        feedback = EXERCISES[name].check(mistake)
    assert feedback.attempted and not feedback.passed, feedback.message
    assert word in feedback.message, feedback.message
    assert "on the case" in feedback.message          # names the small case


def test_every_exercise_has_three_mistakes_tested():
    assert set(MISTAKES) == {n for n, e in EXERCISES.items() if e.chapter in EM_CHAPTERS}
    assert all(len(m) >= 3 for m in MISTAKES.values())


def test_feedback_says_by_how_much():
    message = EXERCISES["map_weights"].check(
        lambda q, a: (q.sum(0) + a) / (len(q) + q.shape[1] * a)).message
    assert "off by" in message and "expected" in message


# --- the solutions agree with emlib's models ---------------------------------------------------

def test_gmm_e_step_solution_matches_emlib():
    from emlib.gmm import GaussianMixtureModel, GMMParams
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    params = GMMParams(np.array([0.3, 0.7]), np.array([[0.0, 0.0], [1.0, 1.0]]),
                       np.array([np.eye(2), [[2.0, 0.3], [0.3, 1.0]]]))
    model = GaussianMixtureModel(2)
    q = model.e_step(X, params)
    q = getattr(q, "q", q)
    np.testing.assert_allclose(EXERCISES["gmm_e_step"].solution(X, *(
        params.weights, params.means, params.covariances)), q, atol=1e-10)


def test_lloyd_step_solution_matches_a_direct_computation():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 2))
    centres = X[:3].copy()
    new = EXERCISES["lloyd_step"].solution(X, centres)
    labels = ((X[:, None] - centres[None]) ** 2).sum(2).argmin(1)
    np.testing.assert_allclose(new, [X[labels == k].mean(0) for k in range(3)])


def test_bound_and_gap_solution_obeys_the_decomposition():
    rng = np.random.default_rng(2)
    for _ in range(20):
        a = rng.normal(size=4) * 5
        q = rng.dirichlet(np.ones(4))
        bound, gap = EXERCISES["bound_and_gap"].solution(a, q)
        assert gap >= -1e-12 and bound + gap == pytest.approx(logsumexp(a), abs=1e-12)
        posterior = np.exp(a - logsumexp(a))
        assert EXERCISES["bound_and_gap"].solution(a, posterior)[1] == pytest.approx(0, abs=1e-12)


def test_online_statistics_solution_is_a_running_average():
    """κ = 1, t₀ = 0 gives η_t = 1/t: s is the plain mean of the batch statistics; and the
    last batch's weight is η_T whatever came before."""
    solution = EXERCISES["online_statistics"].solution
    rng = np.random.default_rng(3)
    stats = [rng.random(4) for _ in range(7)]
    np.testing.assert_allclose(solution(stats, 1.0, 0.0), np.mean(stats, axis=0), rtol=1e-12)
    eta = (7 + 2.0) ** -0.6
    np.testing.assert_allclose(solution(stats, 0.6, 2.0),
                               (1 - eta) * solution(stats[:-1], 0.6, 2.0) + eta * stats[-1])


def test_three_coins_exercise_solution_matches_emlib():
    from emlib.em import run
    from emlib.mixtures import THREE_COIN_DATA, ThreeCoinModel, ThreeCoinParams
    solution = EXERCISES["three_coins_em_step"].solution
    for start in ((0.4, 0.6, 0.7), (0.3, 0.9, 0.2), (0.5, 0.5, 0.5)):
        trace = run(ThreeCoinModel(), THREE_COIN_DATA, ThreeCoinParams(*start), max_iter=1,
                    tol=None)
        np.testing.assert_allclose(solution(np.array(THREE_COIN_DATA, float), np.array(start)),
                                   trace.params.as_array(), atol=1e-12)


def test_ball_em_step_solution_never_lowers_the_likelihood():
    counts = np.array([30.0, 50.0, 20.0])

    def log_p(p):
        p0, p1, p2 = p
        return (counts @ np.log([(1 - p0) * (1 - p1), (1 - p0) * p1 + p0 * (1 - p2), p0 * p2]))

    p = np.array([0.3, 0.6, 0.2])
    for _ in range(5):
        new = EXERCISES["ball_em_step"].solution(counts, p)
        assert log_p(new) >= log_p(p) - 1e-12
        p = new
