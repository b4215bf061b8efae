"""IBM Model 1: word alignment by EM (chapter ``11_word_alignment``, 词语对齐).

A corpus of sentence pairs (f, e): f = f_1 … f_{l_f} the source sentence, e = e_1 … e_{l_e}
its translation. The generative story: choose the length l_e; for each target position j
choose a source position a_j uniformly among 0 … l_f (position 0 is the NULL word f_0,
which produces words with no counterpart, such as "the" from Chinese); then draw the word
e_j from t(· | f_{a_j}). The latent variable a_j is the alignment of target word j.

    p(e, a | f, t) = ε / (l_f + 1)^{l_e} · Π_j t(e_j | f_{a_j})

The textbook E and M steps (Brown et al. 1993; Koehn 2010, §4.2), over the whole corpus:

    E:  q(a_j = i) = t(e_j | f_i) / Σ_{i'} t(e_j | f_{i'})
        c(e | f)   = Σ_pairs Σ_j Σ_i q(a_j = i) · [e_j = e] · [f_i = f]     (expected counts)
    M:  t(e | f)   = c(e | f) / Σ_{e'} c(e' | f)

The objective, with the length term ln ε left out (it does not depend on t; NLTK leaves it
out too), is

    ln p(corpus | t) = Σ_pairs Σ_j ln( Σ_i t(e_j | f_i) / (l_f + 1) )

(l_f instead of l_f + 1 with ``null=False``). It is a sum of logarithms of linear functions
of t, hence concave in t: every local maximum is global, so EM reaches the maximal ln p
from any positive start. It is not strictly concave, so the maximising t need not be
unique (Toutanova & Galley 2011).

:func:`textbook_e_step` and :func:`textbook_m_step` below are those formulas in plain
numpy, one sentence pair at a time. :class:`IBMModel1Model` is the same EM vectorised over
all (pair, i, j) triples at once: the corpus is integer-coded once (:func:`encode_corpus`),
t is stored only on the (source word, target word) cells that co-occur in some pair, and
each step is a gather and two ``np.bincount`` calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import chain
from typing import Any

import numpy as np

from ._validation import as_float_array, check_instance
from .em import EMModel, Evaluation, Statistics, StatisticsModel
from .estimator import EMEstimator

__all__ = [
    "AlignmentCorpus",
    "split_corpus",
    "IBM1Params",
    "IBM1Posterior",
    "IBM1Statistics",
    "IBMModel1",
    "IBMModel1Model",
    "KOEHN_PAIRS",
    "encode_corpus",
    "textbook_e_step",
    "textbook_m_step",
]

Pair = tuple[Sequence[str], Sequence[str]]

#: Koehn's toy corpus (Statistical Machine Translation, 2010, §4.2) as (German, English)
#: pairs: the chapter runs EM on it by hand.
KOEHN_PAIRS = ((("das", "haus"), ("the", "house")),
               (("das", "buch"), ("the", "book")),
               (("ein", "buch"), ("a", "book")))


# -- the textbook steps ---------------------------------------------------------------------
def textbook_e_step(pairs: Sequence[tuple[np.ndarray, np.ndarray]], t: np.ndarray,
                    null: bool = True) -> np.ndarray:
    """Expected counts c(e | f) = Σ_pairs Σ_j Σ_i q(a_j = i) [e_j = e][f_i = f].

    ``pairs`` are integer-coded (source ids, target ids); ``t`` is the dense table
    t[f, e] = t(e | f) with row 0 the NULL word when ``null``. One pair at a time.
    """
    t = as_float_array(t, "t", ndim=2)
    if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Sequence):
        raise TypeError(f"pairs must be a list of (source ids, target ids), got "
                        f"{type(pairs).__name__}")
    counts = np.zeros_like(t)
    for f, e in pairs:
        source = np.concatenate([[0], f]) if null else np.asarray(f)
        prob = t[np.ix_(source, e)]                   # (l_f + 1, l_e): t(e_j | f_i)
        q = prob / prob.sum(axis=0, keepdims=True)    # q(a_j = i): normalise over i
        np.add.at(counts, np.ix_(source, e), q)
    return counts


def textbook_m_step(counts: np.ndarray) -> np.ndarray:
    """t(e | f) = c(e | f) / Σ_e' c(e' | f) (rows without counts stay 0)."""
    counts = as_float_array(counts, "counts", ndim=2)
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


# -- the corpus, integer-coded once ---------------------------------------------------------
@dataclass(frozen=True, eq=False)
class AlignmentCorpus:
    """A validated, integer-coded corpus and the flat index arrays EM runs on.

    Vocabularies are sorted; with ``null`` the source vocabulary starts with ``None``
    (the NULL word, id 0). The cells are the co-occurring (source id, target id) pairs in
    increasing order of ``cell_source * n_target + cell_target``. The triples list every
    (pair, target position j, source position i) with i fastest: triple k belongs to cell
    ``triple_cell[k]``; target token n owns the ``token_width[n]`` triples from
    ``token_start[n]`` on; the triples of pair p are ``pair_offsets[p]:pair_offsets[p + 1]``.
    """

    pairs: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    null: bool
    source_vocabulary: tuple[str | None, ...]
    target_vocabulary: tuple[str, ...]
    cell_source: np.ndarray
    cell_target: np.ndarray
    triple_cell: np.ndarray
    token_start: np.ndarray     # first triple of each target token (its triples are contiguous)
    token_width: np.ndarray     # number of triples of each target token: l_f (+ 1)
    pair_offsets: np.ndarray
    log_uniform: float          # Σ_pairs l_e · ln(l_f + 1)  (or ln l_f without NULL)

    @property
    def n_cells(self) -> int:
        """Number of co-occurring (source word, target word) cells: the size of t."""
        return len(self.cell_source)

    @property
    def n_tokens(self) -> int:
        """Number of target tokens in the corpus."""
        return len(self.token_start)

    def __len__(self) -> int:
        return len(self.pairs)

    def source_positions(self, p: int) -> list[str | None]:
        """Pair p's source words as the model sees them (NULL first when ``null``)."""
        return ([None] if self.null else []) + list(self.pairs[p][0])

    def pair_matrix(self, values: np.ndarray, p: int) -> np.ndarray:
        """Per-triple ``values`` (e.g. the posterior) of pair p as an (l_e, l_f(+1)) matrix."""
        block = np.asarray(values)[self.pair_offsets[p]:self.pair_offsets[p + 1]]
        return block.reshape(len(self.pairs[p][1]), -1)


def _check_tokens(tokens: Any, name: str) -> tuple[str, ...]:
    if isinstance(tokens, (str, bytes)) or not isinstance(tokens, (list, tuple)):
        raise TypeError(f"{name} must be a list of string tokens, got {type(tokens).__name__}")
    if not tokens:
        raise ValueError(f"{name} is an empty sentence; every sentence needs a token")
    if set(map(type, tokens)) != {str} or "" in tokens:   # fast path first, then the culprit
        for k, token in enumerate(tokens):
            if not isinstance(token, str):
                raise TypeError(f"{name}[{k}] must be a string token, got "
                                f"{type(token).__name__}")
            if not token:
                raise ValueError(f"{name}[{k}] is an empty string; tokens must be non-empty")
    return tuple(tokens)


def _check_pairs(pairs: Any, name: str = "pairs", fast: bool = True
                 ) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    if isinstance(pairs, (str, bytes, dict)) or not isinstance(pairs, Sequence):
        raise TypeError(f"{name} must be a list of (source_tokens, target_tokens) pairs, got "
                        f"{type(pairs).__name__}")
    if len(pairs) == 0:
        raise ValueError(f"{name} is empty; the corpus needs at least one sentence pair")
    pair_types = (list, tuple)
    if fast and all(type(pair) in pair_types and len(pair) == 2 and type(pair[0]) in pair_types
           and type(pair[1]) in pair_types and pair[0] and pair[1] for pair in pairs):
        tokens = chain.from_iterable(chain.from_iterable(pairs))
        if set(map(type, tokens)) == {str}:     # the common case; encode_corpus then
            return tuple((tuple(f), tuple(e)) for f, e in pairs)   # rejects "" tokens
    checked = []   # something is wrong: find it and name it
    for p, pair in enumerate(pairs):
        if isinstance(pair, (str, bytes)) or not isinstance(pair, (list, tuple)) \
                or len(pair) != 2:
            raise TypeError(f"{name}[{p}] must be a pair (source_tokens, target_tokens), got "
                            f"{type(pair).__name__}"
                            + (f" of length {len(pair)}" if isinstance(pair, (list, tuple))
                               else ""))
        checked.append((_check_tokens(pair[0], f"{name}[{p}][0] (source)"),
                        _check_tokens(pair[1], f"{name}[{p}][1] (target)")))
    return tuple(checked)


def _unique_inverse(key: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(key, return_inverse=True)`` for keys in [0, n_keys): a mark-and-count
    pass over a dense table when it is small next to ``key``, a sort otherwise."""
    if n_keys <= 2 * len(key) + 1024:            # the table is at most ~2× the keys
        present = np.zeros(n_keys, dtype=bool)
        present[key] = True
        rank = np.cumsum(present, dtype=np.int64)
        rank -= 1
        return np.flatnonzero(present), rank[key]
    cells, inverse = np.unique(key, return_inverse=True)
    return cells, inverse.ravel()


def encode_corpus(pairs: Sequence[Pair], null: bool = True) -> AlignmentCorpus:
    """Check ``pairs`` = [(source_tokens, target_tokens), …] and build the index arrays.

    The only Python loop is over tokens, to look up their ids; the triples and cells are
    built with numpy. Errors name the pair and the token at fault.
    """
    if isinstance(pairs, AlignmentCorpus):
        if pairs.null != bool(null):
            raise ValueError(f"pairs was encoded with null={pairs.null}, the model has "
                             f"null={bool(null)}")
        return pairs
    checked = _check_pairs(pairs)
    source_words = sorted(set(chain.from_iterable(f for f, _ in checked)))
    target_words = sorted(set(chain.from_iterable(e for _, e in checked)))
    if source_words[0] == "" or target_words[0] == "":   # sorted: "" would come first
        _check_pairs(checked, fast=False)   # raises, naming the pair and the token
    source_vocabulary: tuple[str | None, ...] = ((None,) if null else ()) + tuple(source_words)
    source_id = {w: k for k, w in enumerate(source_vocabulary)}
    target_id = {w: k for k, w in enumerate(target_words)}
    shift: tuple[None, ...] = (None,) if null else ()
    # flat source positions (NULL first in each pair), flat target tokens
    src = np.fromiter(map(source_id.__getitem__,
                          chain.from_iterable((*shift, *f) for f, _ in checked)), np.int64)
    tgt = np.fromiter(map(target_id.__getitem__,
                          chain.from_iterable(e for _, e in checked)), np.int64)
    n_src = np.array([len(f) + len(shift) for f, _ in checked], dtype=np.int64)
    n_tgt = np.array([len(e) for _, e in checked], dtype=np.int64)
    src_start = np.concatenate([[0], np.cumsum(n_src)[:-1]])
    token_pair = np.repeat(np.arange(len(checked)), n_tgt)
    token_width = n_src[token_pair]                     # candidates of each target token
    token_start = np.concatenate([[0], np.cumsum(token_width)[:-1]])
    # flat index of the source word of each triple: the pair's first source position plus
    # i = (triple number − the token's first triple); built in place to keep memory low
    index = np.arange(int(token_width.sum()))
    index += np.repeat(src_start[token_pair] - token_start, token_width)
    key = src[index]
    del index
    key *= len(target_words)
    key += np.repeat(tgt, token_width)
    cells, triple_cell = _unique_inverse(key, len(source_vocabulary) * len(target_words))
    del key
    pair_offsets = np.concatenate([[0], np.cumsum(n_src * n_tgt)])
    denominators = n_src.astype(float)
    return AlignmentCorpus(
        pairs=checked, null=bool(null), source_vocabulary=source_vocabulary,
        target_vocabulary=tuple(target_words),
        cell_source=cells // len(target_words), cell_target=cells % len(target_words),
        triple_cell=triple_cell, token_start=token_start, token_width=token_width,
        pair_offsets=pair_offsets, log_uniform=float(np.sum(n_tgt * np.log(denominators))))


# -- parameters and the model -----------------------------------------------------------


def split_corpus(pairs: Sequence[Pair] | AlignmentCorpus, n_parts: int,
                 null: bool = True) -> list[AlignmentCorpus]:
    """The corpus cut into ``n_parts`` blocks of consecutive sentence pairs, for map and
    reduce (chapter ``12_em_at_scale``).

    Every block keeps the whole corpus's vocabularies and cells (so one t table serves all
    blocks and their expected counts c(e|f), one per cell, add up) and only its own
    triples and its share of Σ l_e ln(l_f + 1); a model's ``validate_data`` takes a block
    as it is. In a real deployment each block would carry only the cells it touches.
    """
    whole = encode_corpus(pairs, null)
    if isinstance(n_parts, bool) or not isinstance(n_parts, (int, np.integer)) \
            or not 1 <= n_parts <= len(whole):
        raise ValueError(f"n_parts must be an integer from 1 to the number of pairs "
                         f"({len(whole)}), got {n_parts!r}")
    shift = 1 if whole.null else 0
    lengths = np.array([(len(f) + shift, len(e)) for f, e in whole.pairs], dtype=np.int64)
    parts = []
    for block in np.array_split(np.arange(len(whole)), int(n_parts)):
        a, b = int(block[0]), int(block[-1]) + 1
        t0, t1 = int(whole.pair_offsets[a]), int(whole.pair_offsets[b])
        tokens = (whole.token_start >= t0) & (whole.token_start < t1)
        n_src, n_tgt = lengths[a:b, 0], lengths[a:b, 1]
        parts.append(replace(
            whole, pairs=whole.pairs[a:b], triple_cell=whole.triple_cell[t0:t1],
            token_start=whole.token_start[tokens] - t0, token_width=whole.token_width[tokens],
            pair_offsets=whole.pair_offsets[a:b + 1] - t0,
            log_uniform=float(np.sum(n_tgt * np.log(n_src.astype(float))))))
    return parts


@dataclass(frozen=True, eq=False)
class IBM1Params:
    """t(e | f) on the co-occurring cells of one corpus: ``prob[k]`` = t(e | f) for
    f = ``corpus.cell_source[k]``, e = ``corpus.cell_target[k]`` (ids into its vocabularies).

    Cells that never co-occur never enter the likelihood; after an M step they are 0.
    """

    prob: np.ndarray

    def dense(self, corpus: AlignmentCorpus) -> np.ndarray:
        """The full table t[f, e] (zeros outside the co-occurring cells), for small corpora."""
        table = np.zeros((len(corpus.source_vocabulary), len(corpus.target_vocabulary)))
        table[corpus.cell_source, corpus.cell_target] = self.prob
        return table


@dataclass(frozen=True, eq=False)
class IBM1Posterior:
    """The E step's result: q(a_j = i) = t(e_j | f_i) / Σ_i' t(e_j | f_i') at a fixed t.

    It keeps what the M step and the bound need, not a number per triple: ``counts``, the
    expected counts c(e | f) on the co-occurring cells (the sufficient statistics),
    ``neg_entropy`` = −H(q) = Σ q ln q, and ``prob``, the t at which q was computed, from
    which :meth:`responsibilities` rebuilds every q(a_j = i) on demand (None for a q that
    was given as a bare array).
    """

    counts: np.ndarray
    neg_entropy: float
    prob: np.ndarray | None = None

    def responsibilities(self, corpus: AlignmentCorpus) -> np.ndarray:
        """q(a_j = i) for every (pair, j, i) triple of ``corpus`` (see ``pair_matrix``)."""
        if self.prob is None:
            raise ValueError("this posterior was built from q itself; it has no t to rebuild "
                             "q from")
        t = np.asarray(self.prob)[corpus.triple_cell]
        t /= np.repeat(np.add.reduceat(t, corpus.token_start), corpus.token_width)
        return t


def _as_posterior(X: AlignmentCorpus, posterior: Any) -> IBM1Posterior:
    """An :class:`IBM1Posterior`, built from a bare array of q(a_j = i) when needed."""
    if isinstance(posterior, IBM1Posterior):
        return posterior
    q = np.asarray(posterior, dtype=float)
    if q.shape != X.triple_cell.shape:
        raise ValueError(f"posterior must have one entry per (pair, j, i) triple "
                         f"({X.triple_cell.shape[0]}), got shape {q.shape}")
    positive = q[q > 0]
    return IBM1Posterior(np.bincount(X.triple_cell, q, minlength=X.n_cells),
                         float(np.sum(positive * np.log(positive))))


def _expected_log_t(counts: np.ndarray, log_t: np.ndarray) -> float:
    """E_q[ln t] = Σ_triples q ln t(e_j | f_i) = Σ_cells c(e | f) ln t(e | f) (0 · ln 0 = 0)."""
    used = counts > 0
    return float(np.sum(counts[used] * log_t[used]))  # not a BLAS dot: no thread spin-up


def _bound_and_gap(X: AlignmentCorpus, neg_entropy: float, expected_log_t: float,
                   log_z: np.ndarray) -> tuple[float, float]:
    """L(q, t) and KL(q ‖ q*) from −H(q), E_q[ln t] and ln z_j (see ``evaluate``)."""
    return (expected_log_t - neg_entropy - X.log_uniform,
            neg_entropy - expected_log_t + float(log_z.sum()))


@dataclass(frozen=True, eq=False)
class IBM1Statistics(Statistics):
    """The expected counts c(e | f) on the co-occurring cells of one encoded corpus.

    Counts of disjoint parts of the corpus add (``+``; online EM's ``c * s`` scales), which
    is what Lin & Dyer's MapReduce Model 1 rests on. ``cell_source`` (the source word of
    each cell) is the structure, not a statistic: it is carried along, never added, and two
    statistics add only when they share it.
    """

    counts: np.ndarray
    cell_source: np.ndarray

    def __add__(self, other: Any) -> Any:
        if not isinstance(other, IBM1Statistics):
            return NotImplemented
        if other.cell_source is not self.cell_source and not np.array_equal(
                other.cell_source, self.cell_source):
            raise ValueError("IBM1Statistics of different corpora (cells) cannot be added")
        return IBM1Statistics(self.counts + other.counts, self.cell_source)

    def __mul__(self, factor: float) -> Any:
        if isinstance(factor, bool) or not isinstance(factor, (int, float, np.floating)):
            return NotImplemented
        return IBM1Statistics(factor * self.counts, self.cell_source)

    __rmul__ = __mul__


class IBMModel1Model(StatisticsModel):
    """IBM Model 1 as an :class:`~emlib.em.EMModel` over ``[(source, target), …]`` pairs.

    ``null=True`` adds the NULL word at source position 0. ``init="uniform"`` starts from
    t(e | f) = 1 / |target vocabulary| (as NLTK does); ``init="random"`` from positive
    random tables (each row of t drawn uniform on the simplex over its cells). The
    posterior (:class:`IBM1Posterior`) holds the expected counts c(e | f) the M step
    normalises; ``posterior.responsibilities(corpus)`` gives q(a_j = i) for every triple.
    """

    def __init__(self, null: bool = True, init: str = "uniform") -> None:
        if not isinstance(null, (bool, np.bool_)):
            raise TypeError(f"null must be True or False, got {type(null).__name__}")
        if init not in ("uniform", "random"):
            raise ValueError(f"init must be 'uniform' or 'random', got {init!r}")
        self.null = bool(null)
        self.init = init

    def validate_data(self, X: Any) -> AlignmentCorpus:
        """The corpus checked and integer-coded (:func:`encode_corpus`)."""
        return encode_corpus(X, self.null)

    def init_params(self, X: AlignmentCorpus, rng: np.random.Generator) -> IBM1Params:
        if self.init == "uniform":
            return IBM1Params(np.full(X.n_cells, 1.0 / len(X.target_vocabulary)))
        draws = rng.exponential(size=X.n_cells)     # normalised: uniform on each simplex
        totals = np.bincount(X.cell_source, draws, minlength=len(X.source_vocabulary))
        return IBM1Params(draws / totals[X.cell_source])

    def _t_of_triples(self, X: AlignmentCorpus,
                      params: IBM1Params) -> tuple[np.ndarray, np.ndarray]:
        """t(e_j | f_i) for every triple and z_j = Σ_i t(e_j | f_i) for every target token."""
        check_instance(params, IBM1Params, "params")
        prob = np.asarray(params.prob, dtype=float)
        if prob.shape != (X.n_cells,):
            raise ValueError(f"params.prob must have one entry per co-occurring cell "
                             f"({X.n_cells}), got shape {prob.shape}")
        if not np.all(np.isfinite(prob)) or np.any(prob < 0):
            raise ValueError("params.prob must be finite and >= 0")
        t = prob[X.triple_cell]
        z = np.add.reduceat(t, X.token_start)       # a token's triples are contiguous
        if not np.all(z > 0):
            raise ValueError("params.prob gives some target token probability 0 from every "
                             "word of its sentence: ln p(corpus | t) = -inf")
        return t, z

    def e_step(self, X: AlignmentCorpus, params: IBM1Params) -> IBM1Posterior:
        """q(a_j = i) = t(e_j | f_i) / Σ_i' t(e_j | f_i'), summarised by its expected counts."""
        return self.evaluate(X, params).posterior

    def expected_statistics(self, X: AlignmentCorpus, posterior: IBM1Posterior
                            ) -> IBM1Statistics:
        """c(e | f) = Σ_triples q(a_j = i) per cell (carried by the posterior already)."""
        return IBM1Statistics(_as_posterior(X, posterior).counts, X.cell_source)

    def params_from_statistics(self, stats: IBM1Statistics) -> IBM1Params:
        """M step: t(e | f) = c(e | f) / Σ_e' c(e' | f) (a source word without counts: 0)."""
        check_instance(stats, IBM1Statistics, "stats")
        counts = np.asarray(stats.counts, dtype=float)
        totals = np.bincount(stats.cell_source, counts)
        denominators = totals[stats.cell_source]
        return IBM1Params(np.divide(counts, denominators, out=np.zeros_like(counts),
                                    where=denominators > 0))

    def log_likelihood(self, X: AlignmentCorpus, params: IBM1Params) -> float:
        """ln p(corpus | t) = Σ_pairs Σ_j ln Σ_i t(e_j | f_i) − Σ_pairs l_e ln(l_f + 1)."""
        _, z = self._t_of_triples(X, params)
        return float(np.log(z).sum() - X.log_uniform)

    def lower_bound(self, X: AlignmentCorpus, posterior: IBM1Posterior,
                    params: IBM1Params) -> float:
        """L(q, t) = Σ_triples q (ln t(e_j|f_i) − ln(l_f + 1) − ln q)."""
        return self.evaluate(X, params, posterior).lower_bound

    def kl_divergence(self, X: AlignmentCorpus, posterior: IBM1Posterior,
                      params: IBM1Params) -> float:
        """KL(q ‖ p(a | e, f, t)) = Σ_triples q (ln q − ln q*), q* the exact posterior."""
        return self.evaluate(X, params, posterior).kl

    def evaluate(self, X: AlignmentCorpus, params: IBM1Params,
                 posterior: IBM1Posterior | None = None) -> Evaluation:
        """One pass: ln p, the exact posterior q*, and L and KL for ``posterior`` and for q*.

        With E_q[ln t] = Σ q ln t(e_j|f_i) = Σ_cells c(e|f) ln t(e|f), −H(q) = Σ q ln q
        and Σ_i q(a_j = i) = 1 for every target word:

            L(q, t)    = E_q[ln t] + H(q) − Σ_pairs l_e ln(l_f + 1)
            KL(q ‖ q*) = −H(q) − E_q[ln t] + Σ_j ln z_j,   z_j = Σ_i t(e_j | f_i).

        For q* itself ln q* = ln t − ln z_j, so −H(q*) = E_q*[ln t] − Σ_j ln z_j: the
        logarithms are taken per cell and per word, never per triple.
        """
        t, z = self._t_of_triples(X, params)
        log_z = np.log(z)
        with np.errstate(divide="ignore"):
            log_t = np.log(np.asarray(params.prob, dtype=float))
        t /= np.repeat(z, X.token_width)            # now q(a_j = i), in place
        counts = np.bincount(X.triple_cell, t, minlength=X.n_cells)
        del t                                        # q itself is not kept: counts suffice
        expected = _expected_log_t(counts, log_t)
        exact = IBM1Posterior(counts, expected - float(log_z.sum()),
                              np.asarray(params.prob, dtype=float))
        at_posterior = _bound_and_gap(X, exact.neg_entropy, expected, log_z)
        if posterior is None:
            bound, gap = at_posterior
        else:
            q = _as_posterior(X, posterior)
            bound, gap = _bound_and_gap(X, q.neg_entropy, _expected_log_t(q.counts, log_t),
                                        log_z)
        return Evaluation(float(log_z.sum() - X.log_uniform), exact, bound, gap,
                          *at_posterior)

    def viterbi(self, X: AlignmentCorpus, params: IBM1Params) -> list[list[int | None]]:
        """For every pair, each target word's most probable source position (None = NULL)."""
        t, _ = self._t_of_triples(X, params)
        out: list[list[int | None]] = []
        for p in range(len(X)):
            matrix = X.pair_matrix(t, p)
            out.append(_best_positions(matrix, X.null))
        return out


def _best_positions(matrix: np.ndarray, null: bool) -> list[int | None]:
    """argmax over each row of t(e_j | f_i), ties to the later word, NULL only when it is
    strictly best (NLTK's rule); 0-based source positions, None for NULL or no evidence."""
    best = matrix.shape[1] - 1 - np.argmax(matrix[:, ::-1], axis=1)
    out: list[int | None] = []
    for j, i in enumerate(best):
        if null and i > 0 and matrix[j, 0] > matrix[j, i]:
            i = 0
        if matrix[j, i] <= 0 or (null and i == 0):
            out.append(None)
        else:
            out.append(int(i) - (1 if null else 0))
    return out


# -- the estimator -----------------------------------------------------------------------
class IBMModel1(EMEstimator):
    """IBM Model 1 fitted by EM: ``IBMModel1(null=True, max_iter=20, tol=1e-6).fit(pairs)``.

    ``pairs`` = [(source_tokens, target_tokens), …]. Fitted: ``translation_table_``
    (``{source word: {target word: t(e|f)}}``, NULL = None, each row sorted by decreasing
    probability), ``corpus_`` (the encoded corpus), ``log_likelihood_`` and the course's
    ``trace_``, ``params_``, ``n_iter_``, ``converged_``, ``lower_bound_``.
    ``translation_prob(e, f)``, ``top_translations(f)``, ``align(source, target)``,
    ``alignment_posterior(source, target)`` and ``score(pairs)`` read the table.
    """

    def __init__(self, null: bool = True, max_iter: int = 20, tol: float | None = 1e-6,
                 init: str = "uniform", random_state: Any = None) -> None:
        self.null = null
        self.max_iter = max_iter
        self.tol = tol
        self.init = init
        self.random_state = random_state

    def _make_model(self) -> IBMModel1Model:
        return IBMModel1Model(self.null, self.init)

    def _set_fitted(self, model: EMModel, X: AlignmentCorpus, trace: Any) -> None:
        self.corpus_ = X
        self.log_likelihood_ = float(trace.records[-1].log_likelihood)
        keys = X.cell_source * len(X.target_vocabulary) + X.cell_target
        self._keys, self._prob = keys, np.asarray(trace.params.prob)
        self._source_id = {w: k for k, w in enumerate(X.source_vocabulary)}
        self._target_id = {w: k for k, w in enumerate(X.target_vocabulary)}

    @property
    def translation_table_(self) -> dict[str | None, dict[str, float]]:
        """``{source word: {target word: t(e | f)}}`` over the co-occurring cells, each row
        sorted by decreasing probability; the NULL word is ``None``."""
        self._check_fitted()
        corpus = self.corpus_
        order = np.lexsort((-self._prob, corpus.cell_source))
        sources = [corpus.source_vocabulary[f] for f in corpus.cell_source[order].tolist()]
        targets = [corpus.target_vocabulary[e] for e in corpus.cell_target[order].tolist()]
        table: dict[str | None, dict[str, float]] = {}
        for f, e, p in zip(sources, targets, self._prob[order].tolist(), strict=True):
            table.setdefault(f, {})[e] = p
        return table

    def _lookup(self, target_word: str | None, source_word: str | None) -> float:
        f = self._source_id.get(source_word)
        e = self._target_id.get(target_word)  # type: ignore[arg-type]
        if f is None or e is None:
            return 0.0
        key = f * len(self._target_id) + e
        k = int(np.searchsorted(self._keys, key))
        return float(self._prob[k]) if k < len(self._keys) and self._keys[k] == key else 0.0

    def translation_prob(self, target_word: str, source_word: str | None) -> float:
        """t(target_word | source_word); 0.0 for a pair that never co-occurred.

        ``source_word=None`` is the NULL word (0.0 when the model has none).
        """
        self._check_fitted()
        if not isinstance(target_word, str):
            raise TypeError(f"target_word must be a string, got {type(target_word).__name__}")
        if source_word is not None and not isinstance(source_word, str):
            raise TypeError(f"source_word must be a string or None, got "
                            f"{type(source_word).__name__}")
        return self._lookup(target_word, source_word)

    def align(self, source_tokens: Sequence[str],
              target_tokens: Sequence[str]) -> list[tuple[int, int | None]]:
        """The Viterbi alignment: [(j, i), …] with i = argmax_i t(e_j | f_i), 0-based.

        In Model 1 the alignment prior is uniform, so the best a_j is chosen word by word.
        i is None for the NULL word (also when no source word was ever seen with e_j).
        Ties go to the later source word, NULL only when strictly better (as NLTK).
        """
        return list(enumerate(_best_positions(self._t_matrix(source_tokens, target_tokens),
                                              self.corpus_.null)))

    def _t_matrix(self, source_tokens: Any, target_tokens: Any) -> np.ndarray:
        self._check_fitted()
        f = _check_tokens(source_tokens, "source_tokens")
        e = _check_tokens(target_tokens, "target_tokens")
        candidates = ([None] if self.corpus_.null else []) + list(f)
        return np.array([[self._lookup(w, s) for s in candidates] for w in e])

    def alignment_posterior(self, source_tokens: Sequence[str],
                            target_tokens: Sequence[str]) -> np.ndarray:
        """q(a_j = i) = t(e_j | f_i) / Σ_i' t(e_j | f_i') as an (l_e, l_f + 1) matrix.

        Rows are target positions j, columns source positions i with the NULL word first
        (when the model has one). A row whose word was never seen with any source word
        of the pair is all zeros.
        """
        t = self._t_matrix(source_tokens, target_tokens)
        z = t.sum(axis=1, keepdims=True)
        return np.divide(t, z, out=np.zeros_like(t), where=z > 0)

    def score(self, pairs: Sequence[Pair]) -> float:
        """ln p(pairs | t) under the fitted table (−inf when some target word has t = 0
        from every word of its sentence, e.g. a word never seen in training)."""
        self._check_fitted()
        corpus = encode_corpus(pairs, self.corpus_.null)
        source = np.array([self._source_id.get(w, -1) for w in corpus.source_vocabulary])
        target = np.array([self._target_id.get(w, -1) for w in corpus.target_vocabulary])
        f, e = source[corpus.cell_source], target[corpus.cell_target]
        keys = f * len(self._target_id) + e
        at = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
        found = (f >= 0) & (e >= 0) & (self._keys[at] == keys)
        t = np.where(found, self._prob[at], 0.0)[corpus.triple_cell]
        z = np.add.reduceat(t, corpus.token_start)
        with np.errstate(divide="ignore"):
            return float(np.log(z).sum() - corpus.log_uniform)

    def top_translations(self, source_word: str | None, n: int = 5) -> list[tuple[str, float]]:
        """The ``n`` most probable target words of ``source_word`` with their t(e | f)."""
        self._check_fitted()
        if source_word is not None and not isinstance(source_word, str):
            raise TypeError(f"source_word must be a string or None, got "
                            f"{type(source_word).__name__}")
        f = self._source_id.get(source_word)
        if f is None:
            return []
        cells = np.flatnonzero(self.corpus_.cell_source == f)
        best = cells[np.argsort(-self._prob[cells], kind="stable")][:max(int(n), 0)]
        return [(self.corpus_.target_vocabulary[self.corpus_.cell_target[k]],
                 float(self._prob[k])) for k in best]
