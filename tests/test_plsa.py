"""PLSA (chapter 08): EM laws on random sparse counts, an independent dense reference,
fold-in, perplexity, the NMF-KL connection, bad input and the stepping widget."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from laws import assert_em_laws as _assert_em_laws
from sklearn.decomposition import NMF

from emlib._validation import NotFittedError
from emlib.corpus import TOY_CORPUS, as_document_word_counts, contingency_table, purity, toy_counts
from emlib.em import LatentClassModel, StepOrderError, Stepper, SufficientStatisticsModel, run
from emlib.plsa import (
    PLSA,
    PLSAModel,
    PLSAParams,
    PLSAPosterior,
    PLSAStatistics,
    e_step,
    m_step,
    perplexity,
)
from emlib.views.plsa import plsa_stepper


def random_counts(seed: int, n_docs: int, n_words: int, density: float = 0.5) -> np.ndarray:
    """Random integer counts with every document non-empty (some words may be unused)."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 6, (n_docs, n_words)) * (rng.random((n_docs, n_words)) < density)
    empty = counts.sum(axis=1) == 0
    counts[empty, rng.integers(0, n_words, empty.sum())] = 1
    return counts.astype(float)


def random_params(seed: int, n_docs: int, n_words: int, k: int) -> PLSAParams:
    rng = np.random.default_rng(seed)
    theta = rng.dirichlet(np.ones(k), n_docs)
    phi = rng.dirichlet(np.ones(n_words), k)
    return PLSAParams(theta, phi)


def scale(values) -> float:
    return max(1.0, float(np.max(np.abs(values))))


def assert_em_laws(records) -> None:
    """The EM laws with tolerances relative to |ln p| (corpus-sized objectives)."""
    _assert_em_laws(records, relative=True)


# -- the EM laws, on random sparse counts ----------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n_docs=st.integers(1, 8), n_words=st.integers(1, 12),
       k=st.integers(1, 4), beta=st.sampled_from([1.0, 1.0, 0.7]),
       sparse=st.booleans())
def test_em_laws_on_random_sparse_counts(seed, n_docs, n_words, k, beta, sparse):
    counts = random_counts(seed, n_docs, n_words, density=0.4)
    data = sp.csr_matrix(counts) if sparse else counts
    trace = run(PLSAModel(k, beta=beta), data, max_iter=12, tol=0, keep="all", rng=seed)
    assert 3 <= len(trace.records) <= 25
    assert_em_laws(trace.records)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 4), beta=st.sampled_from([1.0, 0.6]))
def test_fast_pass_equals_the_generic_latent_class_formulas(seed, k, beta):
    """The fused sparse evaluate against LatentClassModel's table-based one, for a q that
    is not the posterior of the θ being scored (so L < ln p and KL > 0)."""
    counts = random_counts(seed, 6, 9)
    model = PLSAModel(k, beta=beta)
    X = model.validate_data(counts)
    q = model.e_step(X, random_params(seed, 6, 9, k))
    theta = random_params(seed + 1, 6, 9, k)
    fast = model.evaluate(X, theta, q)
    generic = LatentClassModel.evaluate(model, X, theta, np.asarray(q))
    s = scale(generic.log_likelihood)
    assert fast.log_likelihood == pytest.approx(generic.log_likelihood, abs=1e-10 * s)
    assert fast.lower_bound == pytest.approx(generic.lower_bound, abs=1e-10 * s)
    assert fast.kl == pytest.approx(generic.kl, abs=1e-10 * s)
    np.testing.assert_allclose(np.asarray(fast.posterior), generic.posterior, atol=1e-12)
    # the M step from an implicit posterior and from its explicit table agree
    from_implicit = model.m_step(X, q)
    from_table = model.m_step(X, np.asarray(q))
    np.testing.assert_allclose(from_implicit.p_z_given_d, from_table.p_z_given_d, atol=1e-12)
    np.testing.assert_allclose(from_implicit.p_w_given_z, from_table.p_w_given_z, atol=1e-12)


# -- an independent dense reference ----------------------------------------------------------
def dense_em_step(counts: np.ndarray, theta: np.ndarray, phi: np.ndarray):
    """One EM iteration written directly from the formulas on dense (D, W, K) arrays."""
    joint = theta[:, None, :] * phi.T[None, :, :]                  # P(z|d) P(w|z)
    q = joint / joint.sum(axis=2, keepdims=True)                   # P(z|d,w)
    expected = counts[:, :, None] * q                              # n(d,w) P(z|d,w)
    new_phi = expected.sum(axis=0).T
    new_phi /= new_phi.sum(axis=1, keepdims=True)
    new_theta = expected.sum(axis=1) / counts.sum(axis=1, keepdims=True)
    n_d = counts.sum(axis=1)
    mask = counts > 0
    log_p = (n_d @ np.log(n_d / n_d.sum())
             + np.sum(counts[mask] * np.log(joint.sum(axis=2)[mask])))
    return new_theta, new_phi, log_p, q


@pytest.mark.parametrize("seed", range(5))
def test_the_fast_sparse_path_gives_the_textbook_numbers(seed):
    """PLSAModel (sparse pairs, fused pass) against the module's own textbook e_step and
    m_step on the dense (D, W) table: same posterior, same expected counts, same θ."""
    counts = random_counts(seed, 7, 11, density=0.4)
    params = random_params(seed, 7, 11, 3)
    model = PLSAModel(3)
    X = model.validate_data(sp.csr_matrix(counts))
    q_fast = model.e_step(X, params)
    q_book = e_step(params.p_z_given_d, params.p_w_given_z)
    np.testing.assert_allclose(np.asarray(q_fast), q_book[X.doc, X.word], rtol=1e-12)
    stats = model.expected_statistics(X, q_fast)
    expected = counts[:, :, None] * q_book
    np.testing.assert_allclose(stats.doc_topic, expected.sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(stats.topic_word, expected.sum(axis=0).T, rtol=1e-12,
                               atol=1e-300)
    theta, phi = m_step(counts, q_book)
    fast = model.m_step(X, q_fast)
    np.testing.assert_allclose(fast.p_z_given_d, theta, rtol=1e-12)
    np.testing.assert_allclose(fast.p_w_given_z, phi, rtol=1e-12, atol=1e-300)


def test_textbook_steps_check_their_input():
    with pytest.raises(ValueError, match="p_w_given_z"):
        e_step(np.full((2, 2), 0.5), np.full((3, 4), 0.25))
    with pytest.raises(ValueError, match="q"):
        m_step(np.ones((2, 3)), np.ones((2, 4, 2)))


@pytest.mark.parametrize("seed", range(5))
def test_one_em_step_equals_a_direct_dense_implementation(seed):
    counts = random_counts(seed, 7, 11)
    params = random_params(seed, 7, 11, 3)
    model = PLSAModel(3)
    X = model.validate_data(counts)
    posterior = model.e_step(X, params)
    new = model.m_step(X, posterior)
    theta, phi, log_p, q = dense_em_step(counts, params.p_z_given_d, params.p_w_given_z)
    np.testing.assert_allclose(new.p_z_given_d, theta, rtol=1e-12)
    np.testing.assert_allclose(new.p_w_given_z, phi, rtol=1e-12, atol=1e-15)
    assert model.log_likelihood(X, params) == pytest.approx(log_p, rel=1e-12)
    np.testing.assert_allclose(np.asarray(posterior), q[X.doc, X.word], rtol=1e-12)


def test_sparse_dense_and_duplicate_coo_inputs_agree():
    counts = random_counts(3, 5, 8)
    rows, cols = np.nonzero(counts)
    # split every count into two COO entries: they must be summed
    half = np.floor(counts[rows, cols] / 2)
    coo = sp.coo_matrix((np.r_[half, counts[rows, cols] - half], (np.r_[rows, rows],
                                                                   np.r_[cols, cols])),
                        shape=counts.shape)
    fits = [PLSA(2, max_iter=20, random_state=1).fit(c) for c in
            (counts, sp.csr_matrix(counts), sp.csc_matrix(counts), coo)]
    for fit in fits[1:]:
        np.testing.assert_allclose(fit.p_w_given_z_, fits[0].p_w_given_z_, rtol=1e-12)
        assert fit.log_likelihood_ == pytest.approx(fits[0].log_likelihood_, rel=1e-13)


def test_triplets_are_sorted_and_complete():
    counts = random_counts(5, 6, 7)
    X = as_document_word_counts(sp.csr_matrix(counts))
    np.testing.assert_array_equal(X.toarray(), counts)
    assert np.all(np.diff(X.doc) >= 0)
    np.testing.assert_allclose(X.doc_lengths, counts.sum(axis=1))
    assert X.total == counts.sum()


# -- the estimator: fit, fold-in, perplexity -------------------------------------------------
def test_toy_corpus_fit_finds_the_three_themes():
    counts, vocabulary, labels = toy_counts()
    assert counts.shape == (len(TOY_CORPUS), len(vocabulary))
    best = max((PLSA(3, max_iter=300, tol=1e-10, random_state=s).fit(counts)
                for s in range(6)), key=lambda m: m.log_likelihood_)
    topics = best.p_z_given_d_.argmax(axis=1)
    for theme in ("space", "cooking", "football"):
        docs = [i for i, lab in enumerate(labels) if lab == theme]
        assert len(set(topics[docs])) == 1, theme
    assert len(set(topics)) == 3
    assert best.trace_.records[-1].log_likelihood == best.log_likelihood_
    tops = best.top_words(vocabulary, 3)
    assert len(tops) == 3 and all(len(t) == 3 for t in tops)


def test_fold_in_keeps_topics_fixed_and_recovers_the_training_mixtures():
    counts, _, _ = toy_counts()
    fit = PLSA(3, max_iter=500, tol=1e-12, random_state=2).fit(counts)
    folded = fit.transform(counts, max_iter=500, tol=1e-13)
    # given P(w|z), ln p is concave in P(z|d): fold-in reaches the fitted P(z|d)
    np.testing.assert_allclose(folded, fit.p_z_given_d_, atol=2e-3)
    model = PLSAModel(3, p_w_given_z=fit.p_w_given_z_)
    trace = run(model, counts[:4], max_iter=30, tol=0, keep="all")
    assert_em_laws(trace.records)
    assert all(r.params.p_w_given_z is fit.p_w_given_z_ for r in trace.records)


def test_perplexity_matches_its_definition():
    counts = random_counts(7, 5, 9)
    params = random_params(7, 5, 9, 2)
    p_w_given_d = params.p_z_given_d @ params.p_w_given_z
    mask = counts > 0
    expected = np.exp(-np.sum(counts[mask] * np.log(p_w_given_d[mask])) / counts.sum())
    assert perplexity(counts, params.p_z_given_d, params.p_w_given_z) == pytest.approx(
        expected, rel=1e-12)
    uniform = PLSAParams(np.full((5, 2), 0.5), np.full((2, 9), 1 / 9))
    assert perplexity(counts, uniform.p_z_given_d, uniform.p_w_given_z) == pytest.approx(9)
    fit = PLSA(2, max_iter=30, random_state=0).fit(counts)
    model = PLSAModel(2)
    X = model.validate_data(counts)
    ll = model.log_likelihood(X, PLSAParams(fit.p_z_given_d_, fit.p_w_given_z_))
    assert fit.perplexity(counts, fit.p_z_given_d_) == pytest.approx(
        np.exp(-(ll - X.log_p_d) / X.total), rel=1e-12)


def test_held_out_perplexity_by_document_completion_approaches_the_true_model():
    """Counts drawn from a known PLSA model: fold in on one half of each held-out document,
    score the other half. The fitted topics score close to the true ones, far below W."""
    rng = np.random.default_rng(0)
    k, n_words = 3, 30
    true_phi = rng.dirichlet(np.full(n_words, 0.2), k)
    true_theta = rng.dirichlet(np.full(k, 0.3), 80)
    counts = np.array([rng.multinomial(200, t @ true_phi) for t in true_theta], float)
    train, test = counts[:60], counts[60:]
    first = rng.binomial(test.astype(int), 0.5).astype(float)
    second = test - first
    fit = PLSA(k, max_iter=300, tol=1e-9, random_state=0).fit(train)
    score = fit.perplexity(second, fit.transform(first))
    true_model = PLSA(k)
    true_model.p_w_given_z_ = true_phi   # a "fitted" model with the true topics
    best = true_model.perplexity(second, true_model.transform(first))
    assert best < score < 1.1 * best < n_words / 2


def test_tempered_em_climbs_its_own_objective_and_is_plain_em_at_beta_one():
    counts, _, _ = toy_counts()
    tempered = PLSA(3, max_iter=40, tol=0, beta=0.8, random_state=0).fit(counts)
    assert_em_laws(run(PLSAModel(3, beta=0.8), counts, max_iter=20, tol=0, keep="all",
                       rng=0).records)
    plain = PLSA(3, max_iter=40, tol=0, beta=1.0, random_state=0).fit(counts)
    assert tempered.trace_.records[0].log_likelihood != plain.trace_.records[0].log_likelihood
    assert "β" in PLSAModel(3, beta=0.8).objective_name


def test_no_subnormal_numbers_after_a_long_run():
    counts, _, _ = toy_counts()
    fit = PLSA(3, max_iter=2000, tol=0, random_state=0).fit(counts)
    for table in (fit.p_z_given_d_, fit.p_w_given_z_):
        positive = table[table > 0]
        assert positive.min() > 1e-200
    assert_em_laws(fit.trace_.records[-40:])


# -- the NMF-KL connection ------------------------------------------------------------------
def nmf_kl(counts, W, H, iterations):
    nmf = NMF(W.shape[1], init="custom", solver="mu", beta_loss="kullback-leibler", tol=0,
              max_iter=iterations)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        W_new = nmf.fit_transform(counts, W=W.copy(), H=H.copy())
    return W_new, nmf.components_


def test_one_nmf_kl_iteration_is_a_conditional_plsa_em_sweep():
    """NMF's W update = PLSA's P(z|d) update; its H update = PLSA's P(w|z) update at the
    new P(z|d): a sweep of EM over one block of θ at a time (ECM)."""
    counts = random_counts(11, 8, 10)
    params = random_params(11, 8, 10, 3)
    n_d = counts.sum(axis=1)
    W, H = nmf_kl(counts, n_d[:, None] * params.p_z_given_d, params.p_w_given_z, 1)
    stepper = Stepper(PLSAModel(3, p_w_given_z=params.p_w_given_z), counts, params)
    stepper.iterate()
    theta = stepper.params.p_z_given_d
    np.testing.assert_allclose(W, n_d[:, None] * theta, rtol=1e-9)
    stepper = Stepper(PLSAModel(3, p_z_given_d=theta), counts,
                      PLSAParams(theta, params.p_w_given_z))
    stepper.iterate()
    phi = stepper.params.p_w_given_z
    np.testing.assert_allclose(H / H.sum(axis=1, keepdims=True), phi, rtol=1e-9, atol=1e-15)


def test_a_plsa_fixed_point_is_a_fixed_point_of_nmf_kl():
    counts, _, _ = toy_counts()
    fit = PLSA(3, max_iter=5000, tol=1e-13, random_state=1).fit(counts)
    n_d = counts.sum(axis=1)
    W0 = n_d[:, None] * fit.p_z_given_d_
    W, H = nmf_kl(counts, W0, fit.p_w_given_z_, 20)
    np.testing.assert_allclose(W, W0, atol=1e-5)
    np.testing.assert_allclose(H, fit.p_w_given_z_, atol=1e-6)


# -- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize("counts, message", [
    (np.array([[1.0, -1.0]]), "negative"),
    (np.array([[1.0, 0.5]]), "non-integer"),
    (np.array([[1.0, np.nan]]), "NaN"),
    (np.array([[1.0, 2.0], [0.0, 0.0]]), "without any word"),
    (np.zeros((2, 3)), "all zeros"),
    (np.zeros((0, 3)), "no documents"),
    (np.zeros((3, 0)), "empty vocabulary"),
    (np.array([1.0, 2.0]), "dimension"),
    (sp.csr_matrix(np.array([[0.0, 0.0], [1.0, 0.0]])), "without any word"),
])
def test_bad_counts_are_rejected_with_a_clear_error(counts, message):
    with pytest.raises(ValueError, match=message):
        PLSA(2).fit(counts)


def test_bad_arguments_are_rejected():
    counts = np.ones((3, 4))
    with pytest.raises(ValueError, match="n_topics"):
        PLSA(0).fit(counts)
    with pytest.raises(TypeError, match="n_topics"):
        PLSA(2.5).fit(counts)
    with pytest.raises(ValueError, match="beta"):
        PLSA(2, beta=0.0).fit(counts)
    with pytest.raises(ValueError, match="beta"):
        PLSA(2, beta=1.5).fit(counts)
    with pytest.raises(ValueError, match="random_state"):
        PLSA(2, random_state=-1).fit(counts)
    with pytest.raises(TypeError, match="random_state"):
        PLSA(2, random_state=1.5).fit(counts)
    with pytest.raises(ValueError, match="max_iter"):
        PLSA(2, max_iter=-1).fit(counts)
    with pytest.raises(NotFittedError, match="not fitted"):
        PLSA(2).transform(np.ones((1, 3)))
    with pytest.raises(TypeError, match="init"):
        PLSA(2, init=(np.full((3, 2), 0.5), np.full((2, 4), 0.25))).fit(counts)
    with pytest.raises(ValueError, match="p_w_given_z"):
        PLSAParams(np.full((2, 2), 0.5), np.full((3, 4), 0.25))
    with pytest.raises(ValueError, match="p_z_given_d"):
        PLSAParams(np.array([[0.5, 0.6]]), np.full((2, 4), 0.25))
    with pytest.raises(ValueError, match="init"):
        PLSA(2, init=PLSAParams(np.full((2, 2), 0.5), np.full((2, 4), 0.25))).fit(counts)
    fit = PLSA(2, max_iter=3, random_state=0).fit(np.ones((3, 4)))
    with pytest.raises(ValueError, match="words"):
        fit.transform(np.ones((2, 5)))
    with pytest.raises(ValueError, match="vocabulary"):
        fit.top_words(["a", "b"])
    with pytest.raises(ValueError, match="posterior"):
        PLSAModel(2).m_step(np.ones((3, 4)), np.ones((5, 2)))


def test_posterior_of_other_counts_is_refused():
    model = PLSAModel(2)
    q = model.e_step(np.ones((3, 4)), random_params(0, 3, 4, 2))
    assert isinstance(q, PLSAPosterior) and q.shape == (12, 2)
    with pytest.raises(ValueError, match="other counts"):
        model.m_step(np.eye(3), q)


# -- the widget --------------------------------------------------------------------------------
def test_stepper_widget_clicks_update_label_pictures_and_numbers():
    counts, vocabulary, _ = toy_counts()
    w = plsa_stepper(counts, vocabulary, n_topics=3, random_state=7)
    assert "PLSAModel" in repr(w) and "half-step 0 of 0" in repr(w)
    picture0, label0 = w.picture.value, w.label.value
    w.buttons["E step"].click()
    assert w.shown.step == "E" and w.picture.value != picture0 and w.label.value != label0
    w.buttons["M step"].click()
    assert w.shown.step == "M" and w.shown.log_likelihood > w.stepper.trace.records[0]\
        .log_likelihood
    w.buttons["Run"].click()
    assert w.stepper.trace.converged
    w.slider.value = 1
    assert w.shown.step == "E" and "half-step 1 of" in repr(w)


def test_stepper_widget_rejects_mismatched_vocabulary():
    counts, vocabulary, _ = toy_counts()
    with pytest.raises(ValueError, match="vocabulary"):
        plsa_stepper(counts, vocabulary[:-1])


def test_stepper_refuses_m_before_e_for_plsa():
    counts, _, _ = toy_counts()
    with pytest.raises(StepOrderError):
        Stepper(PLSAModel(2), counts, rng=0).m()


# -- one pass per half-step, statistics in the posterior ------------------------------------
def test_one_pass_over_the_data_per_half_step():
    """evaluate fills L and KL for the posterior itself, so the E step needs no pass, and the
    M step reads the expected counts off the posterior: one pass per θ (no caches)."""
    passes = []

    class Counting(PLSAModel):
        def _pass(self, X, params):
            passes.append(params)
            return super()._pass(X, params)

    counts, _, _ = toy_counts()
    trace = run(Counting(3), counts, max_iter=7, tol=None, rng=0)
    assert trace.n_iter == 7 and len(trace.records) == 15
    assert len(passes) == 1 + trace.n_iter          # θ⁽⁰⁾, then one after each M step
    assert len({id(p) for p in passes}) == len(passes)   # never the same θ twice
    assert not hasattr(PLSAModel(3), "_cache")
    passes.clear()
    s = Stepper(Counting(3), counts, rng=0)
    s.e(); s.m(); s.e(); s.m()  # noqa: E702
    assert len(passes) == 3                          # θ⁽⁰⁾, θ⁽¹⁾, θ⁽²⁾
    passes.clear()
    fit = PLSA(3, max_iter=5, tol=None, random_state=0)
    fit._make_model = lambda: Counting(3)
    fit.fit(counts)
    assert len(passes) == 1 + fit.n_iter_ == 6


def test_plsa_implements_the_sufficient_statistics_protocol():
    counts = random_counts(4, 9, 12)
    params = random_params(4, 9, 12, 3)
    model = PLSAModel(3)
    assert isinstance(model, SufficientStatisticsModel)
    X = model.validate_data(counts)
    q = model.e_step(X, params)
    stats = model.expected_statistics(X, q)
    assert isinstance(stats, PLSAStatistics) and stats is q.statistics
    m = model.m_step(X, q)
    again = model.params_from_statistics(stats)
    np.testing.assert_array_equal(again.p_w_given_z, m.p_w_given_z)
    # statistics of disjoint parts of the corpus add up to those of the whole
    table = np.asarray(q)
    first = X.doc < 4
    parts = [model.expected_statistics(X, np.where(mask[:, None], table, 0.0))
             for mask in (first, ~first)]
    total = parts[0] + parts[1]
    np.testing.assert_allclose(total.topic_word, stats.topic_word, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(total.doc_topic, stats.doc_topic, rtol=1e-12, atol=1e-300)
    half = 0.5 * stats
    np.testing.assert_allclose(half.topic_word, stats.topic_word / 2)
    with pytest.raises(TypeError, match="stats"):
        model.params_from_statistics((stats.doc_topic, stats.topic_word))


def test_estimator_conventions():
    counts, _, _ = toy_counts()
    rng = np.random.default_rng(3)
    a = PLSA(3, max_iter=20, random_state=np.random.default_rng(3)).fit(counts)
    b = PLSA(3, max_iter=20, random_state=rng).fit(counts)
    np.testing.assert_array_equal(a.p_w_given_z_, b.p_w_given_z_)
    assert a.n_iter_ == a.trace_.n_iter and isinstance(a.converged_, bool)
    assert a.lower_bound_ == a.trace_.records[-1].lower_bound <= a.log_likelihood_
    assert a.params_.p_w_given_z is a.p_w_given_z_
    exact = PLSA(3, max_iter=12, tol=None, random_state=0).fit(counts)
    assert exact.n_iter_ == 12 and not exact.converged_
    np.testing.assert_array_equal(PLSA(3, random_state=0).fit_transform(counts),
                                  PLSA(3, random_state=0).fit(counts).p_z_given_d_)


# -- reliability (issue 11): clear errors instead of silent wrong answers --------------------
def test_perplexity_refuses_rows_that_are_not_distributions():
    counts = random_counts(7, 5, 9)
    params = random_params(7, 5, 9, 2)
    with pytest.raises(ValueError, match="p_z_given_d"):
        perplexity(counts, 2 * params.p_z_given_d, params.p_w_given_z)
    with pytest.raises(ValueError, match="p_w_given_z"):
        perplexity(counts, params.p_z_given_d, params.p_w_given_z * 0.5)
    with pytest.raises(ValueError, match="p_w_given_z"):
        perplexity(counts, params.p_z_given_d, -params.p_w_given_z)
    fit = PLSA(2, max_iter=5, random_state=0).fit(counts)
    with pytest.raises(ValueError, match="p_z_given_d"):
        fit.perplexity(counts, np.ones((5, 2)))


def test_a_start_with_zero_probability_at_an_observed_pair_is_refused():
    """A word that no topic can produce has ln p = −∞ and no posterior; EM cannot leave
    such a start (it used to run 100 iterations at −∞)."""
    counts = random_counts(2, 5, 6, density=1.0)
    phi = np.full((2, 6), 0.2)
    phi[:, 3] = 0.0                                    # word 3: P(w|z) = 0 for every z
    theta = np.full((5, 2), 0.5)
    bad = PLSAParams(theta, phi)
    with pytest.raises(ValueError, match="init.*probability"):
        PLSA(2, init=bad).fit(counts)
    with pytest.raises(ValueError, match="params.*probability"):
        run(PLSAModel(2), counts, bad)
    with pytest.raises(ValueError, match="params.*word 3"):
        PLSAModel(2).e_step(counts, bad)
    assert PLSAModel(2).log_likelihood(counts, bad) == -np.inf   # ln p itself is defined
    # a zero column is fine where it cannot hit an observed pair
    counts[:, 3] = 0
    fit = PLSA(2, init=bad, max_iter=10).fit(counts)
    assert np.isfinite(fit.log_likelihood_)
    # the zeros may also come from P(z|d): the pass finds them
    theta = np.array([[1.0, 0.0]] * 5)
    phi = np.vstack([np.r_[0.0, np.full(5, 0.2)], np.r_[1.0, np.zeros(5)]])
    counts = np.ones((5, 6))
    with pytest.raises(ValueError, match="init.*word 0"):
        PLSA(2, init=PLSAParams(theta, phi)).fit(counts)


def test_fold_in_with_words_no_topic_produces_is_refused():
    counts, _, _ = toy_counts()
    fit = PLSA(3, max_iter=50, random_state=0).fit(counts)
    fit.p_w_given_z_ = fit.p_w_given_z_.copy()
    fit.p_w_given_z_[:, 0] = 0.0
    fit.p_w_given_z_ /= fit.p_w_given_z_.sum(axis=1, keepdims=True)
    new = np.zeros((1, counts.shape[1]))
    new[0, [0, 1]] = 1
    with pytest.raises(ValueError, match="probability"):
        fit.transform(new)


def test_purity_and_contingency_table():
    clusters = np.array([0, 0, 1, 1, 1, 2])
    labels = np.array(["a", "a", "b", "b", "a", "c"])
    table, rows, columns = contingency_table(clusters, labels)
    np.testing.assert_array_equal(table, [[2, 0, 0], [1, 2, 0], [0, 0, 1]])
    assert list(rows) == [0, 1, 2] and list(columns) == ["a", "b", "c"]
    assert purity(clusters, labels) == pytest.approx(5 / 6)
    assert purity(labels, labels) == 1.0
    with pytest.raises(ValueError, match="one length"):
        purity([0, 1], ["a"])
    with pytest.raises(ValueError, match="empty"):
        purity([], [])


def test_params_from_statistics_refuses_bad_counts():
    model = PLSAModel(2)
    good = np.ones((3, 2)), np.ones((2, 4))
    assert model.params_from_statistics(PLSAStatistics(*good)).p_w_given_z.shape == (2, 4)
    for doc_topic, topic_word in ((-good[0], good[1]), (good[0], np.full((2, 4), np.nan)),
                                  (good[0], np.ones((3, 4)))):
        with pytest.raises(ValueError, match="stats"):
            model.params_from_statistics(PLSAStatistics(doc_topic, topic_word))


@pytest.mark.parametrize("factor", [1e6, 2.0**60])
def test_scaling_every_count_leaves_em_unchanged(factor):
    """P(z|d) = N(d,z)/n(d) and P(w|z) = N(z,w)/Σ_w N(z,w) do not change when every count
    is multiplied by c, so the whole EM path is the same, and ln p (P(d) = n(d)/N included)
    is multiplied by c."""
    counts, _, _ = toy_counts()
    base = PLSA(3, max_iter=40, tol=None, random_state=0).fit(counts)
    big = PLSA(3, max_iter=40, tol=None, random_state=0).fit(counts * factor)
    np.testing.assert_allclose(big.p_w_given_z_, base.p_w_given_z_, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(big.p_z_given_d_, base.p_z_given_d_, rtol=1e-9, atol=1e-15)
    assert big.log_likelihood_ == pytest.approx(factor * base.log_likelihood_, rel=1e-9)
    assert_em_laws(big.trace_.records)


def test_counts_whose_total_overflows_are_refused():
    with pytest.raises(ValueError, match="too large"):
        PLSA(2).fit(np.array([[1e308, 1e308], [1.0, 2.0]]))
