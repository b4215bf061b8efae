"""PLSA (概率潜在语义分析, Probabilistic Latent Semantic Analysis) by EM, on sparse counts.

Chapter ``08_plsa``. Documents d and words w are observed, the topic z of every word
occurrence is hidden: {D, W, Z} is the complete data, {D, W} the incomplete data. The
asymmetric parameterisation (Hofmann 1999) is

    P(d, w) = P(d) Σ_z P(z | d) P(w | z),        θ = (P(z|d), P(w|z))

with P(d) = n(d) / N fixed at its maximum-likelihood value (it does not depend on the
topics). For counts n(d, w), n(d) = Σ_w n(d, w) and N = Σ_d n(d), the log-likelihood is

    ln p(D, W | θ) = Σ_d n(d) ln (n(d)/N)  +  Σ_{d,w} n(d, w) ln Σ_z P(z|d) P(w|z)

(the first term is a constant; ``ln p`` below always includes it, perplexity does not).

E step   q(z|d,w) = P(z|d) P(w|z) / Σ_z' P(z'|d) P(w|z')          (only where n(d,w) > 0)
M step   P(w|z) = Σ_d n(d,w) q(z|d,w) / Σ_{d,w'} n(d,w') q(z|d,w')
         P(z|d) = Σ_w n(d,w) q(z|d,w) / n(d)

Tempered EM (Hofmann 1999) replaces the E step by q_β ∝ [P(z|d) P(w|z)]^β with β ≤ 1.
It is EM for the objective F_β(θ) = Σ_d n(d) ln(n(d)/N) + (1/β) Σ n(d,w) ln Σ_z [P(z|d)
P(w|z)]^β, with L_β(q,θ) = Σ n Σ_z q ln(P(d)P(z|d)P(w|z)) + H(q)/β and F_β = L_β + KL/β,
so every law of chapter 07 still holds (β = 1 is plain EM).

Sparse and vectorised: only the nnz observed pairs (d, w) are touched. The E step and the
M step are fused in one pass at fixed θ: with R(d,w) = n(d,w) / Σ_z P(z|d) P(w|z),

    N(d,z) = Σ_w n(d,w) q(z|d,w) = P(z|d) Σ_w R(d,w) P(w|z)
    N(z,w) = Σ_d n(d,w) q(z|d,w) = P(w|z) Σ_d R(d,w) P(z|d)

computed by two grouped sums (``np.add.reduceat`` over the pairs sorted by document and by
word) of gathered (pairs × K) rows, in cache-sized blocks: O(nnz·K) time per iteration and
no (nnz, K) array at all; the table q is only formed when someone asks for it. Entries of
N below :data:`NEGLIGIBLE_COUNT` are set to 0 (no subnormal numbers, which are slow).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ._validation import (
    as_float_array,
    check_distribution,
    check_int,
    check_real,
    check_rng,
)
from .em import Evaluation, LatentClassModel, Trace, run

__all__ = [
    "PLSA",
    "DocumentWordCounts",
    "PLSAModel",
    "PLSAParams",
    "PLSAPosterior",
    "TOY_CORPUS",
    "as_document_word_counts",
    "perplexity",
    "toy_counts",
]


# ---------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class DocumentWordCounts:
    """Validated sparse counts as (document, word, count) triplets, sorted by document.

    Built once by :func:`as_document_word_counts`; holds the index arrays both grouped
    sums need: ``doc_starts`` (where each document's run begins, for sums over words) and
    ``word_order``/``word_starts`` (the pairs sorted by word, for sums over documents).
    """

    doc: np.ndarray            # (nnz,) document index of each pair, non-decreasing
    word: np.ndarray           # (nnz,) word index of each pair
    count: np.ndarray          # (nnz,) n(d, w) > 0
    n_docs: int
    n_words: int
    doc_lengths: np.ndarray    # (D,) n(d)
    doc_starts: np.ndarray     # (D,) first pair of each document
    doc_sizes: np.ndarray      # (D,) number of distinct words of each document
    word_order: np.ndarray     # (nnz,) permutation sorting the pairs by word
    doc_by_word: np.ndarray    # (nnz,) doc[word_order]
    word_starts: np.ndarray    # first pair (in word order) of each present word
    present_words: np.ndarray  # the words with a non-zero count, increasing
    log_p_d: float             # Σ_d n(d) ln(n(d)/N), the constant part of ln p

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n_docs, self.n_words)

    @property
    def nnz(self) -> int:
        return int(self.count.size)

    @property
    def total(self) -> float:
        """N = Σ n(d, w), the number of word occurrences."""
        return float(self.doc_lengths.sum())

    def toarray(self) -> np.ndarray:
        """The dense (D, W) count matrix (for small data and tests)."""
        dense = np.zeros(self.shape)
        dense[self.doc, self.word] = self.count
        return dense


def _triplets(counts: Any, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    if hasattr(counts, "tocoo") and hasattr(counts, "shape"):  # a SciPy sparse matrix/array
        coo = counts.tocoo()
        if len(coo.shape) != 2:
            raise ValueError(f"{name} must be 2-D (documents × words), got shape {coo.shape}")
        data = as_float_array(np.asarray(coo.data), name, ndim=1)
        return (np.asarray(coo.row, dtype=np.intp), np.asarray(coo.col, dtype=np.intp), data,
                int(coo.shape[0]), int(coo.shape[1]))
    dense = as_float_array(counts, name, ndim=2)
    row, col = np.nonzero(dense)
    return row.astype(np.intp), col.astype(np.intp), dense[row, col], *dense.shape


def as_document_word_counts(counts: Any, name: str = "counts", *,
                            allow_empty_documents: bool = False) -> DocumentWordCounts:
    """Check a (documents × words) count matrix and turn it into sorted triplets.

    Accepts a dense array-like or a SciPy sparse matrix (read through ``tocoo()``, so SciPy
    is never imported here); duplicate sparse entries are summed and explicit zeros dropped.
    Raises ``ValueError`` naming ``name`` for negative, non-integer or non-finite counts,
    no documents, an empty vocabulary, all-zero counts, or documents without any word
    (unless ``allow_empty_documents``: then their P(z|d) stays at its start).
    """
    if isinstance(counts, DocumentWordCounts):
        return counts
    row, col, data, n_docs, n_words = _triplets(counts, name)
    if n_docs == 0:
        raise ValueError(f"{name} has no documents (0 rows)")
    if n_words == 0:
        raise ValueError(f"{name} has an empty vocabulary (0 columns)")
    if np.any(data < 0):
        raise ValueError(f"{name} has negative entries: counts n(d, w) must be >= 0")
    if np.any(data != np.round(data)):
        raise ValueError(f"{name} has non-integer entries: PLSA models word counts n(d, w)")
    keep = data > 0
    row, col, data = row[keep], col[keep], data[keep]
    if data.size == 0:
        raise ValueError(f"{name} is all zeros: there is no word to model")
    key = row.astype(np.int64) * n_words + col
    order = np.argsort(key, kind="stable")
    key, data = key[order], data[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    if first.size != key.size:  # duplicates (unsummed COO): add them up
        data = np.add.reduceat(data, first)
        key = key[first]
    doc = (key // n_words).astype(np.intp)
    word = (key % n_words).astype(np.intp)
    doc_sizes = np.bincount(doc, minlength=n_docs)
    empty = np.flatnonzero(doc_sizes == 0)
    if empty.size and not allow_empty_documents:
        shown = ", ".join(map(str, empty[:5])) + (", ..." if empty.size > 5 else "")
        raise ValueError(f"{name} has {empty.size} document(s) without any word (rows {shown}); "
                         "P(z|d) is undefined for them: drop those rows")
    doc_lengths = np.bincount(doc, weights=data, minlength=n_docs)
    doc_starts = np.concatenate([[0], np.cumsum(doc_sizes)[:-1]]).astype(np.intp)
    word_order = np.argsort(word, kind="stable").astype(np.intp)
    sorted_words = word[word_order]
    word_starts = np.flatnonzero(np.r_[True, sorted_words[1:] != sorted_words[:-1]])
    total = doc_lengths.sum()
    nonempty = doc_lengths > 0
    log_p_d = float(np.sum(doc_lengths[nonempty] * np.log(doc_lengths[nonempty] / total)))
    return DocumentWordCounts(doc, word, data, n_docs, n_words, doc_lengths, doc_starts,
                              doc_sizes, word_order, doc[word_order],
                              word_starts.astype(np.intp),
                              sorted_words[word_starts], log_p_d)


# ---------------------------------------------------------------------------------------
# parameters and posterior
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PLSAParams:
    """θ of PLSA: ``p_z_given_d`` (D, K), rows P(z|d); ``p_w_given_z`` (K, W), rows P(w|z)."""

    p_z_given_d: np.ndarray
    p_w_given_z: np.ndarray

    def __post_init__(self) -> None:
        theta = as_float_array(self.p_z_given_d, "p_z_given_d", ndim=2)
        phi = as_float_array(self.p_w_given_z, "p_w_given_z", ndim=2)
        if theta.shape[1] != phi.shape[0]:
            raise ValueError(f"p_z_given_d is (D, K) = {theta.shape} and p_w_given_z (K, W) = "
                             f"{phi.shape}: their numbers of topics K differ")
        check_distribution(theta, "p_z_given_d", atol=1e-6)
        check_distribution(phi, "p_w_given_z", atol=1e-6)
        object.__setattr__(self, "p_z_given_d", theta)
        object.__setattr__(self, "p_w_given_z", phi)

    @property
    def n_topics(self) -> int:
        return int(self.p_w_given_z.shape[0])


def _log(a: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(a)


def _weighted_log_sum(weights: np.ndarray, values: np.ndarray) -> float:
    """Σ weights · ln(values) over weights > 0 (0 · ln 0 = 0; w · ln 0 = −∞).

    A pairwise sum of products, not ``np.dot``: a BLAS dot may wake idle threads, which
    on a loaded machine costs more than the sum itself.
    """
    mask = weights > 0
    if mask.all():
        return float(np.sum(weights * _log(values)))
    return float(np.sum(weights[mask] * _log(values[mask])))


def _safe_log(a: np.ndarray) -> np.ndarray:
    """ln a where a > 0, and 0 where a = 0 (for sums whose weight is 0 wherever a is)."""
    out = np.zeros_like(a)
    np.log(a, out=out, where=a > 0)
    return out


#: Size (in values) of the (K, block) arrays of one block of pairs in the sparse pass: 2¹⁶
#: values = 512 KiB, so that a block's gathers fit in a CPU's L2 cache.
CHUNK_VALUES = 2**16


def _blocks(starts: np.ndarray, total: int, step: int) -> list[tuple[int, int]]:
    """Split groups (documents or words, given by their first pair ``starts``) into runs of
    whole groups with about ``step`` pairs each; returns (first group, end group) pairs."""
    cuts = np.unique(np.r_[np.searchsorted(starts, np.arange(0, total, step)), starts.size])
    return list(zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True))


#: Expected counts N(d,z), N(z,w) below this are set to 0 by the E step. EM drives some
#: P(z|d) and P(w|z) geometrically towards 0; without this they would end as subnormal
#: numbers (below 1e-308), which make every product with them 10–100 times slower, and then
#: underflow to 0 anyway. A count of 1e-100 is far below double precision next to n(d) ≥ 1.
NEGLIGIBLE_COUNT = 1e-100


@dataclass(frozen=True, eq=False)
class PLSAPosterior:
    """q(z|d,w) at the nnz observed pairs, kept implicitly (chapter ``08_plsa``).

    q(z|d,w) = [P(z|d) P(w|z)]^β / ``denominators`` for the θ = ``params`` it was computed
    from. The M step needs only the expected counts ``doc_topic`` N(d,z) = Σ_w n(d,w)
    q(z|d,w) and ``topic_word`` N(z,w) = Σ_d n(d,w) q(z|d,w); ``responsibilities()`` (or
    ``np.asarray(posterior)``) forms the (nnz, K) table, row i for pair i of the data
    (entries below :data:`NEGLIGIBLE_COUNT` are 0, as in the expected counts).
    """

    params: PLSAParams
    beta: float
    doc: np.ndarray
    word: np.ndarray
    denominators: np.ndarray
    doc_topic: np.ndarray
    topic_word: np.ndarray
    log_denominator_sum: float      # Σ n(d,w) ln denominators
    safe_log_p_z_given_d: np.ndarray  # ln P(z|d) of ``params``, 0 where P(z|d) = 0
    safe_log_p_w_given_z: np.ndarray

    def expected_log_joint(self, other: PLSAPosterior) -> float:
        """Σ n(d,w) Σ_z q(z|d,w) ln(P(z|d) P(w|z)) at the θ of ``other`` (this q's counts
        against the other θ's logarithms): ⟨N(d,z), ln P(z|d)⟩ + ⟨N(z,w), ln P(w|z)⟩.
        −∞ if q puts mass where that θ has a zero."""
        if other is self:
            return self._own_expected_log_joint
        if (np.any(self.doc_topic.ravel()[other.zeros_p_z_given_d] > 0)
                or np.any(self.topic_word.ravel()[other.zeros_p_w_given_z] > 0)):
            return -np.inf
        return float(np.sum(self.doc_topic * other.safe_log_p_z_given_d)
                     + np.sum(self.topic_word * other.safe_log_p_w_given_z))

    @cached_property
    def _own_expected_log_joint(self) -> float:
        # N(d,z) > 0 only where P(z|d) > 0 (N is P(z|d) times a sum), so no −∞ here
        return float(np.sum(self.doc_topic * self.safe_log_p_z_given_d)
                     + np.sum(self.topic_word * self.safe_log_p_w_given_z))

    @cached_property
    def zeros_p_z_given_d(self) -> np.ndarray:
        """Flat indices where P(z|d) = 0 (usually none or few)."""
        return np.flatnonzero(self.params.p_z_given_d == 0)

    @cached_property
    def zeros_p_w_given_z(self) -> np.ndarray:
        """Flat indices where P(w|z) = 0."""
        return np.flatnonzero(self.params.p_w_given_z == 0)

    @cached_property
    def entropy(self) -> float:
        """H(q) = −Σ n(d,w) Σ_z q ln q, with ln q = β ln P(z|d) + β ln P(w|z) − ln den."""
        return self.log_denominator_sum - self.beta * self.expected_log_joint(self)

    def responsibilities(self) -> np.ndarray:
        """The (nnz, K) table q(z|d,w); row i belongs to pair (doc[i], word[i])."""
        table = (self.params.p_z_given_d[self.doc] * self.params.p_w_given_z[:, self.word].T)
        if self.beta != 1.0:
            table = table ** self.beta
        with np.errstate(invalid="ignore", divide="ignore"):
            table = np.where(self.denominators[:, None] > 0, table / self.denominators[:, None],
                             0.0)
        table[table < NEGLIGIBLE_COUNT] = 0.0
        return table

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        table = self.responsibilities()
        return table if dtype is None else table.astype(dtype)

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.doc.size), self.params.n_topics)


# ---------------------------------------------------------------------------------------
# the EM model
# ---------------------------------------------------------------------------------------
class PLSAModel(LatentClassModel):
    """PLSA as an EM model over the nnz (d, w) pairs (chapter ``08_plsa``).

    As a :class:`~emlib.em.LatentClassModel`, its rows are the observed pairs, weighted by
    n(d,w)/β, with ln p(d, w, z | θ) = β[ln P(d) + ln P(z|d) + ln P(w|z)] (β = 1: plain
    EM). ``evaluate`` is overridden by the fused sparse pass of the module docstring, which
    gives ln p, the posterior, L(q, θ) and KL(q‖p) without (nnz, K) logarithms; the
    generic table-based methods of the base class remain as the reference.

    ``p_w_given_z`` (K, W) given: it is held fixed and only P(z|d) is learned (fold-in of
    new documents). ``p_z_given_d`` (D, K) given: only P(w|z) is learned.
    """

    def __init__(self, n_topics: int, *, beta: float = 1.0, p_w_given_z: Any = None,
                 p_z_given_d: Any = None) -> None:
        self.n_topics = check_int(n_topics, "n_topics", low=1)
        self.beta = check_real(beta, "beta", low=0.0, high=1.0, low_open=True)
        self.fixed_p_w_given_z = self._fixed(p_w_given_z, "p_w_given_z", axis0=True)
        self.fixed_p_z_given_d = self._fixed(p_z_given_d, "p_z_given_d", axis0=False)
        if self.fixed_p_w_given_z is not None and self.fixed_p_z_given_d is not None:
            raise ValueError("fix p_w_given_z or p_z_given_d, not both (nothing would be learned)")
        self.objective_name = "ln p(D,W|θ)" if self.beta == 1.0 else f"F_β (β = {self.beta:g})"
        self._cache: tuple[Any, Any, PLSAPosterior, float] | None = None
        self._plan_cache: tuple[Any, ...] | None = None

    def _fixed(self, value: Any, name: str, axis0: bool) -> np.ndarray | None:
        if value is None:
            return None
        array = check_distribution(value, name, atol=1e-6)
        if array.ndim != 2 or array.shape[0 if axis0 else 1] != self.n_topics:
            raise ValueError(f"{name} must be a 2-D array with {self.n_topics} topics "
                             f"along axis {0 if axis0 else 1}, got shape {array.shape}")
        return array

    # -- data and start ---------------------------------------------------------------
    def validate_data(self, X: Any) -> DocumentWordCounts:
        data = as_document_word_counts(X, "counts")
        if self.fixed_p_w_given_z is not None and data.n_words != self.fixed_p_w_given_z.shape[1]:
            raise ValueError(f"counts has {data.n_words} words but p_w_given_z has "
                             f"{self.fixed_p_w_given_z.shape[1]}")
        if self.fixed_p_z_given_d is not None and data.n_docs != self.fixed_p_z_given_d.shape[0]:
            raise ValueError(f"counts has {data.n_docs} documents but p_z_given_d has "
                             f"{self.fixed_p_z_given_d.shape[0]}")
        return data

    def init_params(self, X: Any, rng: np.random.Generator) -> PLSAParams:
        """θ⁽⁰⁾: random positive rows, normalised (fixed blocks as given; P(z|d) of a fold-in
        starts uniform, so folding in is deterministic)."""
        X = self.validate_data(X)
        K = self.n_topics
        if self.fixed_p_w_given_z is not None:
            return PLSAParams(np.full((X.n_docs, K), 1.0 / K), self.fixed_p_w_given_z)
        phi = rng.random((K, X.n_words)) + 0.1
        phi /= phi.sum(axis=1, keepdims=True)
        if self.fixed_p_z_given_d is not None:
            return PLSAParams(self.fixed_p_z_given_d, phi)
        theta = rng.random((X.n_docs, K)) + 0.1
        return PLSAParams(theta / theta.sum(axis=1, keepdims=True), phi)

    # -- the generic (table) view, the reference for the fast pass ------------------------
    def log_joint(self, X: DocumentWordCounts, params: PLSAParams) -> np.ndarray:
        """(nnz, K) table β[ln P(d) + ln P(z|d) + ln P(w|z)] at the observed pairs."""
        log_p_d = _log(X.doc_lengths / X.total)[X.doc]
        table = (log_p_d[:, None] + _log(params.p_z_given_d)[X.doc]
                 + _log(params.p_w_given_z)[:, X.word].T)
        return self.beta * table

    def row_weights(self, X: DocumentWordCounts) -> np.ndarray:
        """n(d, w) / β for each observed pair."""
        return X.count / self.beta

    def lower_bound(self, X: Any, posterior: Any, params: PLSAParams) -> float:
        return super().lower_bound(X, np.asarray(posterior), params)

    def kl_divergence(self, X: Any, posterior: Any, params: PLSAParams) -> float:
        return super().kl_divergence(X, np.asarray(posterior), params)

    # -- the fused sparse pass ---------------------------------------------------------
    def _plan(self, X: DocumentWordCounts, K: int
              ) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Blocks of whole documents (in document order) and of whole words (in word order)
        with about CHUNK_VALUES / K pairs each (cached per data and K)."""
        plan = self._plan_cache
        if plan is None or plan[0] is not X or plan[1] != K:
            step = max(64, CHUNK_VALUES // K)
            plan = (X, K, _blocks(X.doc_starts, X.nnz, step), _blocks(X.word_starts, X.nnz, step))
            self._plan_cache = plan
        return plan[2], plan[3]

    def _pass(self, X: DocumentWordCounts, params: PLSAParams) -> tuple[PLSAPosterior, float]:
        """q at θ (with its expected counts) and ln p(D,W|θ) in one pass over the pairs."""
        cache = self._cache
        if cache is not None and cache[0] is X and cache[1] is params:
            return cache[2], cache[3]
        theta = np.ascontiguousarray(params.p_z_given_d)      # (D, K)
        phi_t = np.ascontiguousarray(params.p_w_given_z.T)   # (W, K)
        if self.beta != 1.0:
            theta, phi_t = theta ** self.beta, phi_t ** self.beta
        K = theta.shape[1]
        count = X.count
        # Two sweeps over the pairs: in document order (the denominators, and the sums over
        # words) and in word order (the sums over documents). Each sweep runs in blocks of
        # about CHUNK_VALUES / K pairs, so that its (block, K) gathers stay in the CPU cache:
        # a Python loop over ~nnz·K/2¹⁶ blocks, never over documents or words. Rows of K
        # contiguous values make the gathers (np.take along axis 0) fast.
        doc_blocks, word_blocks = self._plan(X, K)
        den = np.empty(X.nnz)
        doc_sums = np.empty((X.n_docs, K))          # Σ_w R(d,w) P(w|z)^β
        for a, b in doc_blocks:                     # pairs in document order
            lo, hi = X.doc_starts[a], (X.doc_starts[b] if b < X.n_docs else X.nnz)
            by_doc = np.repeat(theta[a:b], X.doc_sizes[a:b], axis=0)    # P(z|d_i)^β
            by_word = np.take(phi_t, X.word[lo:hi], axis=0)             # P(w_i|z)^β
            block_den = np.einsum("nk,nk->n", by_doc, by_word)
            den[lo:hi] = block_den
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = count[lo:hi] / block_den                         # R(d,w)
            if not np.all(block_den > 0):
                ratio[block_den <= 0] = 0.0
            by_word *= ratio[:, None]
            doc_sums[a:b] = np.add.reduceat(by_word, X.doc_starts[a:b] - lo, axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(den > 0, count / den, 0.0)[X.word_order]   # R in word order
        n_present = X.word_starts.size
        word_sums = np.empty((n_present, K))        # Σ_d R(d,w) P(z|d)^β
        for a, b in word_blocks:                    # pairs in word order
            lo, hi = X.word_starts[a], (X.word_starts[b] if b < n_present else X.nnz)
            by_doc = np.take(theta, X.doc_by_word[lo:hi], axis=0)      # P(z|d_i)^β
            by_doc *= ratio[lo:hi, None]
            word_sums[a:b] = np.add.reduceat(by_doc, X.word_starts[a:b] - lo, axis=0)
        if n_present == X.n_words:
            topic_word = (phi_t * word_sums).T
        else:
            topic_word = np.zeros((K, X.n_words))
            topic_word[:, X.present_words] = (phi_t[X.present_words] * word_sums).T
        topic_word = np.ascontiguousarray(topic_word)
        doc_topic = theta * doc_sums
        doc_topic[doc_topic < NEGLIGIBLE_COUNT] = 0.0
        topic_word[topic_word < NEGLIGIBLE_COUNT] = 0.0
        log_den = _weighted_log_sum(X.count, den)
        posterior = PLSAPosterior(params, self.beta, X.doc, X.word, den, doc_topic, topic_word,
                                  log_den, _safe_log(params.p_z_given_d),
                                  _safe_log(params.p_w_given_z))
        log_likelihood = X.log_p_d + log_den / self.beta
        self._cache = (X, params, posterior, log_likelihood)
        return posterior, log_likelihood

    @staticmethod
    def _check_posterior(X: DocumentWordCounts, posterior: PLSAPosterior) -> None:
        if posterior.doc is not X.doc and (posterior.doc.shape != X.doc.shape
                                           or not np.array_equal(posterior.doc, X.doc)
                                           or not np.array_equal(posterior.word, X.word)):
            raise ValueError("posterior was computed for other counts")

    def _expected_counts(self, X: DocumentWordCounts, posterior: Any
                         ) -> tuple[np.ndarray, np.ndarray, float]:
        """N(d,z), N(z,w) and the weighted entropy H(q) = −Σ n Σ_z q ln q of a posterior
        (a :class:`PLSAPosterior`, or any (nnz, K) table of rows summing to 1)."""
        if isinstance(posterior, PLSAPosterior):
            self._check_posterior(X, posterior)
            return posterior.doc_topic, posterior.topic_word, posterior.entropy
        table = np.asarray(posterior, dtype=float)
        if table.shape != (X.nnz, self.n_topics):
            raise ValueError(f"posterior must have shape (nnz, K) = {(X.nnz, self.n_topics)}, "
                             f"got {table.shape}")
        weighted = np.ascontiguousarray((table * X.count[:, None]).T)   # (K, nnz)
        doc_topic = np.add.reduceat(weighted, X.doc_starts, axis=1).T
        topic_word = np.zeros((self.n_topics, X.n_words))
        topic_word[:, X.present_words] = np.add.reduceat(weighted[:, X.word_order],
                                                         X.word_starts, axis=1)
        positive = table > 0
        entropy = float(-np.sum(weighted.T[positive] * np.log(table[positive])))
        return np.ascontiguousarray(doc_topic), topic_word, entropy

    def e_step(self, X: Any, params: PLSAParams) -> PLSAPosterior:
        """q(z|d,w) ∝ [P(z|d) P(w|z)]^β at the observed pairs (an implicit table)."""
        return self._pass(self.validate_data(X), params)[0]

    def log_likelihood(self, X: Any, params: PLSAParams) -> float:
        """ln p(D,W|θ) = Σ_d n(d) ln(n(d)/N) + Σ n(d,w) ln Σ_z P(z|d)P(w|z) (F_β if β < 1)."""
        return self._pass(self.validate_data(X), params)[1]

    def evaluate(self, X: Any, params: PLSAParams, posterior: Any = None) -> Evaluation:
        """ln p at θ, the posterior at θ, and L(q, θ), KL(q‖p) for ``posterior`` (default:
        the posterior at θ itself), from the expected counts of q:

            L  = Σ_d n(d) ln(n(d)/N) + ⟨N(d,z), ln P(z|d)⟩ + ⟨N(z,w), ln P(w|z)⟩ + H(q)/β
            KL = −H(q)/β − ⟨N(d,z), ln P(z|d)⟩ − ⟨N(z,w), ln P(w|z)⟩ + (1/β) Σ n ln den
        """
        X = self.validate_data(X)
        exact, log_likelihood = self._pass(X, params)
        q = exact if posterior is None else posterior
        if isinstance(q, PLSAPosterior):
            self._check_posterior(X, q)
            entropy, expected = q.entropy, q.expected_log_joint(exact)
        else:
            doc_topic, topic_word, entropy = self._expected_counts(X, q)
            expected = (_weighted_log_sum(doc_topic, params.p_z_given_d)
                        + _weighted_log_sum(topic_word, params.p_w_given_z))
        lower_bound = X.log_p_d + expected + entropy / self.beta
        kl = -entropy / self.beta - expected + exact.log_denominator_sum / self.beta
        return Evaluation(log_likelihood, exact, float(lower_bound), float(kl))

    def m_step(self, X: Any, posterior: Any) -> PLSAParams:
        """P(z|d) = N(d,z) / n(d),  P(w|z) = N(z,w) / Σ_w' N(z,w').

        A topic with no expected count at all (Σ_w N(z,w) = 0) gets the uniform P(w|z).
        """
        X = self.validate_data(X)
        doc_topic, topic_word, _ = self._expected_counts(X, posterior)
        if self.fixed_p_z_given_d is not None:
            theta = self.fixed_p_z_given_d
        else:
            lengths = doc_topic.sum(axis=1, keepdims=True)
            theta = np.divide(doc_topic, lengths, out=np.full_like(doc_topic, 1 / self.n_topics),
                              where=lengths > 0)
        if self.fixed_p_w_given_z is not None:
            phi = self.fixed_p_w_given_z
        else:
            totals = topic_word.sum(axis=1, keepdims=True)
            phi = np.divide(topic_word, totals,
                            out=np.full_like(topic_word, 1 / topic_word.shape[1]),
                            where=totals > 0)
        return PLSAParams(theta, phi)


# ---------------------------------------------------------------------------------------
# perplexity and the estimator
# ---------------------------------------------------------------------------------------
def perplexity(counts: Any, p_z_given_d: Any, p_w_given_z: Any) -> float:
    """exp(−Σ n(d,w) ln P(w|d) / N) with P(w|d) = Σ_z P(z|d) P(w|z) (chapter ``08_plsa``).

    The per-word perplexity: the number of equally likely words the model hesitates between
    (W for the uniform model, 1 for a perfect one). It leaves out P(d): it scores words
    given their document. ``inf`` if an observed word has probability 0.
    """
    X = as_document_word_counts(counts, "counts")
    theta = as_float_array(p_z_given_d, "p_z_given_d", ndim=2)
    phi = as_float_array(p_w_given_z, "p_w_given_z", ndim=2)
    if theta.shape != (X.n_docs, phi.shape[0]) or phi.shape[1] != X.n_words:
        raise ValueError(f"counts {X.shape}, p_z_given_d {theta.shape} and p_w_given_z "
                         f"{phi.shape} do not fit together as (D, W), (D, K), (K, W)")
    p_w_given_d = np.einsum("nk,kn->n", theta[X.doc], phi[:, X.word])
    return float(np.exp(-_weighted_log_sum(X.count, p_w_given_d) / X.total))


class PLSA:
    """PLSA fitted by EM, in the scikit-learn style (chapter ``08_plsa``).

    ``PLSA(n_topics=4, max_iter=100, tol=1e-6, random_state=0).fit(counts)`` then
    ``p_z_given_d_`` (D, K), ``p_w_given_z_`` (K, W), ``log_likelihood_`` (ln p(D,W|θ),
    P(d) term included), ``trace_``, ``n_iter_``, ``converged_``; ``transform`` folds new
    documents in (EM over their P(z|d) with P(w|z) fixed); ``perplexity`` scores counts.
    ``beta`` < 1 is tempered EM (Hofmann 1999), used for fitting and for folding in;
    ``log_likelihood_`` is then the tempered objective F_β. ``tol`` is the absolute rise
    of the objective per iteration below which EM stops.
    """

    def __init__(self, n_topics: int = 2, *, max_iter: int = 100, tol: float = 1e-6,
                 beta: float = 1.0, random_state: np.random.Generator | int | None = None,
                 keep: str = "none") -> None:
        self.n_topics = check_int(n_topics, "n_topics", low=1)
        self.max_iter = check_int(max_iter, "max_iter", low=0)
        self.tol = check_real(tol, "tol", low=0.0)
        self.beta = check_real(beta, "beta", low=0.0, high=1.0, low_open=True)
        self.random_state = random_state
        if keep not in ("none", "all"):
            raise ValueError(f"keep must be 'none' or 'all', got {keep!r}")
        self.keep = keep

    def fit(self, counts: Any, init: PLSAParams | None = None) -> PLSA:
        """Run EM on ``counts`` (D × W) from ``init`` or a random θ⁽⁰⁾ drawn with
        ``random_state``."""
        model = PLSAModel(self.n_topics, beta=self.beta)
        X = model.validate_data(counts)
        if init is not None:
            if not isinstance(init, PLSAParams):
                raise TypeError(f"init must be PLSAParams, got {type(init).__name__}")
            if init.p_z_given_d.shape != (X.n_docs, self.n_topics) or \
                    init.p_w_given_z.shape != (self.n_topics, X.n_words):
                raise ValueError(f"init has shapes {init.p_z_given_d.shape} and "
                                 f"{init.p_w_given_z.shape}; expected {(X.n_docs, self.n_topics)} "
                                 f"and {(self.n_topics, X.n_words)}")
        trace = run(model, X, init, max_iter=self.max_iter, tol=self.tol, keep=self.keep,
                    rng=check_rng(self.random_state, "random_state"))
        self.trace_: Trace = trace
        self.p_z_given_d_: np.ndarray = trace.params.p_z_given_d
        self.p_w_given_z_: np.ndarray = trace.params.p_w_given_z
        self.log_likelihood_: float = trace.records[-1].log_likelihood
        self.n_iter_: int = trace.n_iter
        self.converged_: bool = trace.converged
        return self

    def fit_transform(self, counts: Any, init: PLSAParams | None = None) -> np.ndarray:
        """``fit(counts)`` then its P(z|d) (D, K)."""
        return self.fit(counts, init).p_z_given_d_

    def _check_fitted(self) -> None:
        if not hasattr(self, "p_w_given_z_"):
            raise ValueError("this PLSA is not fitted yet: call fit(counts) first")

    def transform(self, counts: Any, max_iter: int = 50, tol: float = 1e-8) -> np.ndarray:
        """Fold in: P(z|d) of new documents by EM with P(w|z) = ``p_w_given_z_`` fixed,
        from the uniform P(z|d) = 1/K (deterministic). Returns (D_new, K)."""
        self._check_fitted()
        model = PLSAModel(self.n_topics, beta=self.beta, p_w_given_z=self.p_w_given_z_)
        trace = run(model, counts, max_iter=check_int(max_iter, "max_iter", low=0), tol=tol,
                    rng=0)
        return trace.params.p_z_given_d

    def perplexity(self, counts: Any, p_z_given_d: Any = None) -> float:
        """exp(−Σ n ln P(w|d) / N) of ``counts`` under the fitted topics.

        ``p_z_given_d`` default: ``transform(counts)`` (fold-in on the same counts). For an
        unbiased held-out score fold in on one part of each document and score another:
        ``perplexity(second_half, transform(first_half))`` (document completion).
        """
        self._check_fitted()
        theta = self.transform(counts) if p_z_given_d is None else p_z_given_d
        return perplexity(counts, theta, self.p_w_given_z_)

    def top_words(self, vocabulary: Any, n: int = 10) -> list[list[str]]:
        """The ``n`` most probable words of each topic, from ``vocabulary`` (length W)."""
        self._check_fitted()
        vocabulary = np.asarray(vocabulary)
        if vocabulary.shape != (self.p_w_given_z_.shape[1],):
            raise ValueError(f"vocabulary must hold {self.p_w_given_z_.shape[1]} words")
        n = check_int(n, "n", low=1)
        order = np.argsort(-self.p_w_given_z_, axis=1, kind="stable")[:, :n]
        return [[str(w) for w in vocabulary[row]] for row in order]


# ---------------------------------------------------------------------------------------
# the tiny corpus and the stepping widget
# ---------------------------------------------------------------------------------------
#: Twelve hand-made "documents" on three themes (space, cooking, football), already reduced
#: to content words. "star" is used by two themes: its P(z|d,w) depends on the document.
TOY_CORPUS: tuple[tuple[str, str], ...] = (
    ("space", "star planet orbit telescope light star"),
    ("space", "galaxy star telescope light orbit"),
    ("space", "planet moon orbit rocket launch"),
    ("space", "rocket launch moon planet star"),
    ("cooking", "oven bake bread flour recipe"),
    ("cooking", "recipe sauce pan cook heat"),
    ("cooking", "bread flour oven heat cook bake"),
    ("cooking", "pan sauce recipe cook oven"),
    ("football", "goal team match score player star"),
    ("football", "player team coach match goal"),
    ("football", "score goal match team ball"),
    ("football", "ball player coach team star"),
)


def toy_counts() -> tuple[np.ndarray, list[str], list[str]]:
    """The (12, W) count matrix of :data:`TOY_CORPUS`, its sorted vocabulary and labels.

    The documents are lists of words already, so counting is ``str.split`` (the real
    corpus of chapter 08 is tokenised with scikit-learn's ``CountVectorizer``).
    """
    words = [text.split() for _, text in TOY_CORPUS]
    vocabulary = sorted({w for doc in words for w in doc})
    index = {w: j for j, w in enumerate(vocabulary)}
    counts = np.zeros((len(words), len(vocabulary)))
    for i, doc in enumerate(words):
        np.add.at(counts[i], [index[w] for w in doc], 1)
    return counts, vocabulary, [label for label, _ in TOY_CORPUS]
