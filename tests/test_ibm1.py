"""IBM Model 1 (chapter 11): hand-computed iterations on Koehn's corpus, the textbook steps,
brute-force ln p, the EM laws, NLTK, concavity, bad corpora, tokenizers, data, exercise."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from laws import assert_em_laws

from emlib._validation import NotFittedError
from emlib.datasets import load_en_zh_tatoeba
from emlib.em import Stepper, run
from emlib.exercises import EXERCISES
from emlib.ibm1 import (
    KOEHN_PAIRS,
    IBM1Params,
    IBMModel1,
    IBMModel1Model,
    encode_corpus,
    textbook_e_step,
    textbook_m_step,
)
from emlib.text import chinese_characters, english_words, tokenize_pairs


def tatoeba_pairs() -> list[tuple[list[str], list[str]]]:
    corpus = load_en_zh_tatoeba()
    return tokenize_pairs(corpus.chinese, corpus.english)


def random_corpus(seed: int, n_pairs: int, n_words: int, max_len: int = 4):
    rng = np.random.default_rng(seed)
    source = [f"f{k}" for k in range(n_words)]
    target = [f"e{k}" for k in range(n_words)]
    return [([str(w) for w in rng.choice(source, rng.integers(1, max_len + 1))],
             [str(w) for w in rng.choice(target, rng.integers(1, max_len + 1))])
            for _ in range(n_pairs)]


def table(model_or_corpus, params) -> dict:
    corpus = model_or_corpus
    return {(corpus.target_vocabulary[e], corpus.source_vocabulary[f]): p
            for f, e, p in zip(corpus.cell_source, corpus.cell_target, params.prob,
                                   strict=True)}


# -- Koehn's toy corpus by hand ------------------------------------------------------------
def hand_iteration(pairs, t):
    """One EM iteration in exact fractions (no NULL), as Koehn's book tabulates it."""
    counts: dict = {}
    for f, e in pairs:
        for ej in e:
            z = sum(t[(ej, fi)] for fi in f)
            for fi in f:
                counts[(ej, fi)] = counts.get((ej, fi), 0) + t[(ej, fi)] / z
    totals: dict = {}
    for (_, fi), c in counts.items():
        totals[fi] = totals.get(fi, 0) + c
    return {(ej, fi): c / totals[fi] for (ej, fi), c in counts.items()}


def test_koehn_corpus_matches_hand_computed_iterations():
    corpus = encode_corpus(KOEHN_PAIRS, null=False)
    t = {key: Fraction(1, 4) for key in table(corpus, IBM1Params(np.zeros(corpus.n_cells)))}
    trace = run(IBMModel1Model(null=False), corpus, max_iter=3, tol=None, keep="all")
    m_records = [r for r in trace.records if r.step == "M"]
    for record in m_records:
        t = hand_iteration(KOEHN_PAIRS, t)
        got = table(corpus, record.params)
        assert got.keys() == t.keys()
        for key in t:
            assert got[key] == pytest.approx(float(t[key]), abs=1e-15)
    # Koehn's table: after iteration 1 t(the|das) = 1/2, after 2 it is 7/11 (pigeonhole)
    assert table(corpus, m_records[0].params)[("the", "das")] == 0.5
    assert table(corpus, m_records[1].params)[("the", "das")] == pytest.approx(7 / 11)
    assert table(corpus, m_records[1].params)[("a", "ein")] == pytest.approx(4 / 7)


# -- the textbook steps and the fast path --------------------------------------------------
@settings(max_examples=30)
@given(seed=st.integers(0, 10_000), n_pairs=st.integers(1, 6), n_words=st.integers(1, 5),
       null=st.booleans())
def test_textbook_steps_equal_the_vectorised_steps(seed, n_pairs, n_words, null):
    pairs = random_corpus(seed, n_pairs, n_words)
    model = IBMModel1Model(null=null, init="random")
    corpus = model.validate_data(pairs)
    params = model.init_params(corpus, np.random.default_rng(seed))
    dense = params.dense(corpus)
    coded = [(np.array([corpus.source_vocabulary.index(w) for w in f]),
              np.array([corpus.target_vocabulary.index(w) for w in e])) for f, e in pairs]
    counts = textbook_e_step(coded, dense, null)
    fast = model.m_step(corpus, model.e_step(corpus, params))
    np.testing.assert_allclose(fast.dense(corpus), textbook_m_step(counts), atol=1e-13)


def brute_force_log_likelihood(pairs, t, null):
    """ln p = Σ_pairs ln Σ over every alignment a of Π_j t(e_j | f_{a_j}) / (l_f+1)^{l_e}."""
    total = 0.0
    for f, e in pairs:
        source = ([None] if null else []) + list(f)
        p = sum(np.prod([t.get((ej, source[i]), 0.0) for ej, i in zip(e, a, strict=True)])
                for a in itertools.product(range(len(source)), repeat=len(e)))
        total += np.log(p / len(source) ** len(e))
    return total


@pytest.mark.parametrize("null", [True, False])
def test_log_likelihood_equals_the_sum_over_all_alignments(null):
    pairs = random_corpus(3, 5, 4, max_len=3)
    model = IBMModel1Model(null=null, init="random")
    corpus = model.validate_data(pairs)
    params = model.init_params(corpus, np.random.default_rng(1))
    assert model.log_likelihood(corpus, params) == pytest.approx(
        brute_force_log_likelihood(pairs, table(corpus, params), null), abs=1e-10)


# -- the EM laws ----------------------------------------------------------------------------
@settings(max_examples=40)
@given(seed=st.integers(0, 10_000), n_pairs=st.integers(1, 8), n_words=st.integers(1, 6),
       null=st.booleans(), init=st.sampled_from(["uniform", "random"]))
def test_em_laws_on_random_corpora(seed, n_pairs, n_words, null, init):
    model = IBMModel1Model(null=null, init=init)
    trace = run(model, random_corpus(seed, n_pairs, n_words), max_iter=8, tol=None,
                rng=seed)
    assert_em_laws(trace.records, relative=True)


def test_em_laws_on_tatoeba_and_bound_for_a_stale_posterior():
    model = IBMModel1Model()
    stepper = Stepper(model, tatoeba_pairs())
    for _ in range(4):
        stepper.iterate()
    assert_em_laws(stepper.trace.records, relative=True)
    # L and KL for the previous q at the new t: ln p = L + KL, KL > 0
    corpus, params, q = stepper.X, stepper.params, stepper.posterior
    ev = model.evaluate(corpus, params, q)
    assert ev.kl > 0
    assert ev.log_likelihood == pytest.approx(ev.lower_bound + ev.kl, abs=1e-9)
    bare_q = q.responsibilities(corpus)          # L and KL recomputed from q itself
    assert model.lower_bound(corpus, bare_q, params) == pytest.approx(ev.lower_bound, abs=1e-8)
    assert model.kl_divergence(corpus, bare_q, params) == pytest.approx(ev.kl, abs=1e-8)
    np.testing.assert_allclose(np.add.reduceat(bare_q, corpus.token_start), 1.0)
    np.testing.assert_allclose(model.m_step(corpus, bare_q).prob,
                               model.m_step(corpus, q).prob, atol=1e-14)


# -- NLTK --------------------------------------------------------------------------------------
def nltk_table(pairs, iterations):
    from nltk.translate import AlignedSent
    from nltk.translate import IBMModel1 as NLTKModel1

    # NLTK's AlignedSent(words, mots) translates mots (source) into words (target)
    bitext = [AlignedSent(list(e), list(f)) for f, e in pairs]
    return NLTKModel1(bitext, iterations), bitext


def test_same_table_and_alignments_as_nltk_on_tatoeba():
    # NLTK counts a target word that repeats inside one sentence only once (see the next
    # test); on the 492 pairs without a repeated English word the two must agree exactly.
    pairs = [(f, e) for f, e in tatoeba_pairs() if len(set(e)) == len(e)]
    assert len(pairs) == 492
    ours = IBMModel1(max_iter=10, tol=None).fit(pairs)
    theirs, bitext = nltk_table(pairs, 10)
    corpus = ours.corpus_
    worst = 0.0
    for f, e, p in zip(corpus.cell_source, corpus.cell_target, ours.params_.prob,
                         strict=True):
        ref = theirs.translation_table[corpus.target_vocabulary[e]][corpus.source_vocabulary[f]]
        worst = max(worst, abs(p - ref))
    assert worst < 1e-10
    # the same Viterbi alignments, up to exact ties that rounding breaks differently
    # (one pair: t(can't | 仅) = t(can't | 炒) here, one ulp apart in NLTK)
    differing = 0
    for (f, e), sent in zip(pairs, bitext, strict=True):
        for (j, i), (_, i_nltk) in zip(ours.align(f, e), sorted(sent.alignment), strict=True):
            if i != i_nltk:
                differing += 1
                word = [None if k is None else f[k] for k in (i, i_nltk)]
                assert ours.translation_prob(e[j], word[0]) == pytest.approx(
                    ours.translation_prob(e[j], word[1]), abs=1e-12)
    assert differing <= 2


def test_repeated_target_words_count_once_per_position_unlike_nltk():
    pairs = [(["a"], ["x", "x", "y"]), (["b"], ["x"])]
    ours = IBMModel1(max_iter=1, tol=None).fit(pairs)
    # by hand: pair 1 gives c(x|a) = 2·1/2, c(y|a) = 1/2 → t(x|a) = 2/3
    assert ours.translation_prob("x", "a") == pytest.approx(2 / 3)
    theirs, _ = nltk_table(pairs, 1)
    assert theirs.translation_table["x"]["a"] == pytest.approx(1 / 2)


# -- concavity: the start does not matter ---------------------------------------------------
def test_random_starts_reach_the_same_log_likelihood_and_table():
    pairs = tatoeba_pairs()[:60]
    fits = [IBMModel1(init="random", max_iter=3000, tol=1e-11, random_state=seed).fit(pairs)
            for seed in range(3)]
    uniform = IBMModel1(max_iter=3000, tol=1e-11).fit(pairs)
    lls = [fit.log_likelihood_ for fit in [*fits, uniform]]
    assert max(lls) - min(lls) < 1e-6
    assert min(fits[0].trace_.log_likelihoods[:3]) < uniform.log_likelihood_ - 1


def test_toy_corpus_random_starts_agree_on_t_with_null():
    fits = [IBMModel1(init="random", max_iter=5000, tol=1e-13, random_state=seed).fit(
        KOEHN_PAIRS) for seed in range(3)]
    tables = [fit.params_.prob for fit in fits]
    assert np.max(np.abs(tables[0] - tables[1])) < 1e-3
    assert np.max(np.abs(tables[0] - tables[2])) < 1e-3


# -- the estimator's API ----------------------------------------------------------------------
def test_translation_prob_align_and_table():
    model = IBMModel1(max_iter=30).fit(KOEHN_PAIRS)
    assert model.translation_prob("the", "das") > 0.5
    assert model.translation_prob("house", "ein") == 0.0          # never co-occur
    assert model.translation_prob("unseen", "das") == 0.0
    assert model.translation_prob("the", None) > 0                # NULL
    assert sum(model.translation_table_["das"].values()) == pytest.approx(1.0)
    assert list(model.translation_table_["das"])[0] == "the"
    assert model.align(["das", "haus"], ["the", "house"]) == [(0, 0), (1, 1)]
    assert model.align(["das", "buch"], ["the", "book", "zebra"])[2] == (2, None)
    assert model.top_translations("buch", 1)[0][0] == "book"
    assert model.top_translations("nope") == []
    assert model.n_iter_ >= 1 and model.lower_bound_ <= model.log_likelihood_
    no_null = IBMModel1(null=False, max_iter=5).fit(KOEHN_PAIRS)
    assert no_null.translation_prob("the", None) == 0.0
    assert None not in no_null.translation_table_


def test_tatoeba_learns_the_obvious_words():
    model = IBMModel1(max_iter=15).fit(tatoeba_pairs())
    assert model.top_translations("我", 1)[0][0] == "i"
    assert model.top_translations("他", 1)[0][0] == "he"
    assert model.top_translations("汤", 1)[0][0] == "tom"


@pytest.mark.parametrize("pairs, error, match", [
    ([], ValueError, "empty"),
    ("das haus", TypeError, "list of"),
    ([(["das"], [])], ValueError, r"pairs\[0\]\[1\] \(target\) is an empty sentence"),
    ([([], ["the"])], ValueError, r"pairs\[0\]\[0\] \(source\) is an empty sentence"),
    ([(["das"], ["the"], ["x"])], TypeError, r"pairs\[0\] must be a pair"),
    ([["das haus"]], TypeError, r"pairs\[0\] must be a pair"),
    (["das"], TypeError, r"pairs\[0\] must be a pair"),
    ([("das haus", ["the"])], TypeError, r"pairs\[0\]\[0\] \(source\) must be a list"),
    ([(["das", 3], ["the"])], TypeError, r"pairs\[0\]\[0\] \(source\)\[1\] must be a string"),
    ([(["das"], ["the", None])], TypeError, r"\(target\)\[1\] must be a string"),
    ([(["das"], ["the", ""])], ValueError, "empty string"),
])
def test_bad_corpora_get_clear_errors(pairs, error, match):
    with pytest.raises(error, match=match):
        IBMModel1().fit(pairs)


def test_bad_hyperparameters_and_unfitted_use():
    with pytest.raises(ValueError, match="init"):
        IBMModel1(init="zeros").fit(KOEHN_PAIRS)
    with pytest.raises(TypeError, match="null"):
        IBMModel1(null="yes").fit(KOEHN_PAIRS)
    with pytest.raises(ValueError, match="max_iter"):
        IBMModel1(max_iter=-1).fit(KOEHN_PAIRS)
    with pytest.raises(NotFittedError):
        IBMModel1().translation_prob("the", "das")
    with pytest.raises(NotFittedError):
        IBMModel1().translation_table_  # noqa: B018
    model = IBMModel1(max_iter=2).fit(KOEHN_PAIRS)
    with pytest.raises(TypeError, match="target_word"):
        model.translation_prob(3, "das")
    with pytest.raises(TypeError, match="source_tokens"):
        model.align("das haus", ["the"])
    corpus = encode_corpus(KOEHN_PAIRS)
    with pytest.raises(ValueError, match="one entry per"):
        IBMModel1Model().log_likelihood(corpus, IBM1Params(np.ones(3)))
    with pytest.raises(ValueError, match="probability 0"):
        IBMModel1Model().log_likelihood(corpus, IBM1Params(np.zeros(corpus.n_cells)))
    with pytest.raises(ValueError, match="null"):
        IBMModel1Model(null=False).validate_data(corpus)


# -- tokenizers and data ---------------------------------------------------------------------
def test_tokenizers():
    assert english_words("Don't go, Tom!") == ["don't", "go", "tom"]
    assert chinese_characters("汤姆在哪？") == ["汤", "姆", "在", "哪"]
    assert chinese_characters("Tom走了3次。") == ["tom", "走", "了", "3", "次"]
    assert tokenize_pairs(["我爱你。"], ["I love you."]) == [(["我", "爱", "你"],
                                                             ["i", "love", "you"])]
    with pytest.raises(TypeError, match="text"):
        english_words(None)
    with pytest.raises(ValueError, match="same length"):
        tokenize_pairs(["a"], [])
    with pytest.raises(ValueError, match="source_language"):
        tokenize_pairs(["a"], ["b"], source_language="fr")


def test_tatoeba_loader():
    corpus = load_en_zh_tatoeba()
    assert len(corpus) == 500 == len(corpus.chinese) == len(corpus.credits)
    assert corpus.english[0] == "Am I dead?" and corpus.chinese[0] == "我死了吗？"
    assert corpus.credits[0] == "#7921513 (maaster) & #9958169 (GlossaMatik)"
    assert all(len(e) >= 3 for _, e in tatoeba_pairs())


# -- the exercise --------------------------------------------------------------------------
def test_exercise_checker_passes_the_solution_and_catches_mistakes():
    exercise = EXERCISES["ibm1_e_step_counts"]
    assert exercise.check(exercise.solution).passed
    skeleton = exercise.check(lambda pairs, t: None)
    assert not skeleton.attempted and "not attempted" in skeleton.message

    def no_normaliser(pairs, t):
        counts = {}
        for f, e in pairs:
            for ej in e:
                for fi in [None, *f]:
                    counts[(ej, fi)] = counts.get((ej, fi), 0) + t[(ej, fi)]
        return counts

    def no_null(pairs, t):
        counts = {}
        for f, e in pairs:
            for ej in e:
                z = sum(t[(ej, fi)] for fi in f)
                for fi in f:
                    counts[(ej, fi)] = counts.get((ej, fi), 0) + t[(ej, fi)] / z
        return counts

    def normalised_over_targets(pairs, t):  # the transposed normaliser: Σ_j instead of Σ_i
        counts = {}
        for f, e in pairs:
            for fi in [None, *f]:
                z = sum(t[(ej, fi)] for ej in e)
                for ej in e:
                    counts[(ej, fi)] = counts.get((ej, fi), 0) + t[(ej, fi)] / z
        return counts

    def distinct_words_once(pairs, t):  # loops over word types: a repeated word counts once
        return exercise.solution([(f, list(dict.fromkeys(e))) for f, e in pairs], t)

    for mistake, words in [(no_normaliser, "add up to"), (no_null, "NULL"),
                           (normalised_over_targets, "expected"),
                           (distinct_words_once, "repeated words")]:
        feedback = exercise.check(mistake)
        assert not feedback.passed and feedback.attempted, mistake.__name__
        assert words in feedback.message, (mistake.__name__, feedback.message)


# -- the widget, by clicking ---------------------------------------------------------------
def test_stepper_widget_by_clicking():
    from emlib.views.ibm1 import ibm1_stepper

    widget = ibm1_stepper()
    assert "half-step 0 of 0" in widget.summary()
    widget.buttons["M step"].click()                       # refused before any E step
    assert "E step" in widget.message.value and len(widget.stepper) == 1
    for _ in range(2):
        widget.buttons["E step"].click()
        widget.buttons["M step"].click()
    assert len(widget.stepper) == 5
    corpus = widget.stepper.X
    t = table(corpus, widget.shown.params)
    assert t[("the", "das")] == pytest.approx(7 / 11)      # the pigeonhole effect
    widget.slider.value = 2                                  # back to the first M step
    assert widget.shown.step == "M" and widget.shown.iteration == 1
    widget.buttons["Undo"].click()
    assert len(widget.stepper) == 4
    widget.buttons["Reset"].click()
    assert len(widget.stepper) == 1
    assert widget.picture.value[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="at most 4"):
        ibm1_stepper(tatoeba_pairs()[:5])


def test_alignment_posterior_rows_are_distributions():
    model = IBMModel1(max_iter=20).fit(KOEHN_PAIRS)
    q = model.alignment_posterior(["das", "buch"], ["the", "book", "zebra"])
    assert q.shape == (3, 3)
    np.testing.assert_allclose(q[:2].sum(axis=1), 1.0)
    assert np.all(q[2] == 0)                                  # a word never seen
    assert [i for _, i in model.align(["das", "buch"], ["the", "book"])] == [
        int(np.argmax(row)) - 1 for row in q[:2]]


def test_score_is_ln_p_under_the_fitted_table_and_blind_to_order():
    pairs = tatoeba_pairs()[:80]
    model = IBMModel1(max_iter=5, tol=None).fit(pairs)
    last = IBMModel1Model().log_likelihood(model.corpus_, model.params_)
    assert model.score(pairs) == pytest.approx(last, abs=1e-9)
    f, e = pairs[10]
    assert model.score([(f, e[::-1])]) == pytest.approx(model.score([(f, e)]), abs=1e-12)
    assert model.score([(f, [*e, "zebra"])]) == -np.inf
    assert model.score([(["unknown"], e)]) > -np.inf              # NULL still explains e


def test_statistics_add_over_parts_and_give_the_m_step():
    from emlib.em import SufficientStatisticsModel
    from emlib.ibm1 import IBM1Posterior, IBM1Statistics

    model = IBMModel1Model()
    assert isinstance(model, SufficientStatisticsModel)
    corpus = model.validate_data(tatoeba_pairs()[:50])
    params = model.init_params(corpus, np.random.default_rng(0))
    posterior = model.e_step(corpus, params)
    whole = model.expected_statistics(corpus, posterior)
    # split the triples in two halves of the pairs: the two partial counts add up
    q = posterior.responsibilities(corpus)
    cut = corpus.pair_offsets[25]
    first, second = q.copy(), q.copy()
    first[cut:], second[:cut] = 0.0, 0.0
    parts = [model.expected_statistics(corpus, part) for part in (first, second)]
    np.testing.assert_allclose((parts[0] + parts[1]).counts, whole.counts, atol=1e-12)
    np.testing.assert_allclose(model.params_from_statistics(whole).prob,
                               model.m_step(corpus, posterior).prob)
    np.testing.assert_allclose((0.5 * whole).counts, whole.counts / 2)
    other = IBM1Statistics(np.ones(3), np.arange(3))
    with pytest.raises(ValueError, match="cannot be added"):
        whole + other  # noqa: B018
    assert isinstance(posterior, IBM1Posterior)


def test_model_viterbi_matches_the_estimators_align():
    pairs = tatoeba_pairs()[:60]
    fit = IBMModel1(max_iter=10, tol=None).fit(pairs)
    best = fit.model_.viterbi(fit.corpus_, fit.params_)
    assert best == [[i for _, i in fit.align(f, e)] for f, e in pairs]


def test_both_ways_of_finding_the_cells_agree():
    from emlib.ibm1 import _unique_inverse

    key = np.random.default_rng(3).integers(0, 50, 40)
    dense, sparse = _unique_inverse(key, 50), _unique_inverse(key, 10**9)
    expected = np.unique(key, return_inverse=True)
    for cells, inverse in (dense, sparse):
        np.testing.assert_array_equal(cells, expected[0])
        np.testing.assert_array_equal(inverse, expected[1].ravel())


def test_one_pass_over_the_triples_per_half_step(monkeypatch):
    model = IBMModel1Model()
    passes = []
    original = IBMModel1Model._t_of_triples

    def counting(self, X, params):
        passes.append(1)
        return original(self, X, params)

    monkeypatch.setattr(IBMModel1Model, "_t_of_triples", counting)
    trace = run(model, KOEHN_PAIRS, max_iter=3, tol=None)
    assert len(trace.records) == 7                  # init + 3 × (E, M)
    assert len(passes) == 4                         # init and each M step; E steps reuse
