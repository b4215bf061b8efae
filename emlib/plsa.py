"""PLSA (概率潜在语义分析, Probabilistic Latent Semantic Analysis) by EM (chapter ``08_plsa``).

Documents d and words w are observed, the topic z of every word occurrence is hidden:
{D, W, Z} is the complete data, {D, W} the incomplete data. With counts n(d, w), the
asymmetric parameterisation (Hofmann 1999) P(d, w) = P(d) Σ_z P(z|d) P(w|z) and
θ = (P(z|d), P(w|z)), EM alternates

    E step   P(z|d,w) = P(w|z) P(z|d) / Σ_z' P(w|z') P(z'|d)
    M step   P(w|z)   = Σ_d n(d,w) P(z|d,w) / Σ_{d,w'} n(d,w') P(z|d,w')
             P(z|d)   = Σ_w n(d,w) P(z|d,w) / n(d)

:func:`e_step` and :func:`m_step` below are exactly these lines on a dense D × W table.
P(d) = n(d) / N stays at its maximum-likelihood value (it does not involve the topics);
with n(d) = Σ_w n(d, w) and N = Σ_d n(d),

    ln p(D, W | θ) = Σ_d n(d) ln (n(d)/N)  +  Σ_{d,w} n(d, w) ln Σ_z P(z|d) P(w|z)

(``ln p`` below always includes the constant first term; perplexity does not).

Tempered EM (Hofmann 1999) replaces the E step by q_β ∝ [P(z|d) P(w|z)]^β with β ≤ 1.
It is EM for F_β(θ) = Σ_d n(d) ln(n(d)/N) + (1/β) Σ n(d,w) ln Σ_z [P(z|d) P(w|z)]^β, with
L_β(q,θ) = Σ n Σ_z q ln(P(d)P(z|d)P(w|z)) + H(q)/β and F_β = L_β + KL/β, so every law of
chapter 07 still holds (β = 1 is plain EM).

**The fast path** (:class:`PLSAModel`) touches only the nnz observed pairs
(:class:`~emlib.corpus.DocumentWordCounts`) and fuses the E step with the expected counts
the M step needs, in one pass at fixed θ: with R(d,w) = n(d,w) / Σ_z P(z|d) P(w|z),

    N(d,z) = Σ_w n(d,w) q(z|d,w) = P(z|d) Σ_w R(d,w) P(w|z)     = P(z|d) [R P(w|z)ᵀ](d,z)
    N(z,w) = Σ_d n(d,w) q(z|d,w) = P(w|z) Σ_d R(d,w) P(z|d)     = P(w|z) [Rᵀ P(z|d)](w,z)

The denominators are row-wise dot products of gathered (pairs × K) rows, in cache-sized
blocks; the two sums are products of the sparse D × W matrix R with dense (·, K) factors
(SciPy's CSR kernels): O(nnz·K) time per iteration and no (nnz, K) array at all; the
table q is only formed when someone asks for it. The expected counts are PLSA's
sufficient statistics (:class:`PLSAStatistics`), carried by the posterior
(:class:`PLSAPosterior`), so the M step needs no pass over the data. Entries of N below
:data:`NEGLIGIBLE_COUNT` are set to 0 (no subnormal numbers, which are slow).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ._validation import (
    as_float_array,
    check_distribution,
    check_instance,
    check_int,
    check_is_fitted,
    check_real,
)
from .corpus import DocumentWordCounts, as_document_word_counts
from .em import Evaluation, LatentClassModel, Statistics, StatisticsModel, run
from .estimator import EMEstimator
from .prereq import xlogy

__all__ = [
    "NEGLIGIBLE_COUNT",
    "PLSA",
    "PLSAModel",
    "PLSAParams",
    "PLSAPosterior",
    "PLSAStatistics",
    "e_step",
    "m_step",
    "perplexity",
]


# ---------------------------------------------------------------------------------------
# the textbook E and M steps, on a dense (D, W) table of counts
# ---------------------------------------------------------------------------------------
def e_step(p_z_given_d: Any, p_w_given_z: Any) -> np.ndarray:
    """P(z|d,w) = P(w|z) P(z|d) / Σ_z' P(w|z') P(z'|d) for every (d, w): a (D, W, K) array
    (chapter ``08_plsa``). :class:`PLSAModel` computes the same numbers at the observed
    pairs only."""
    theta = as_float_array(p_z_given_d, "p_z_given_d", ndim=2)     # (D, K)
    phi = as_float_array(p_w_given_z, "p_w_given_z", ndim=2)       # (K, W)
    if theta.shape[1] != phi.shape[0]:
        raise ValueError(f"p_z_given_d {theta.shape} and p_w_given_z {phi.shape} must be "
                         "(D, K) and (K, W)")
    joint = theta[:, None, :] * phi.T[None, :, :]                  # P(z|d) P(w|z)
    return joint / joint.sum(axis=2, keepdims=True)


def m_step(counts: Any, q: Any) -> tuple[np.ndarray, np.ndarray]:
    """(P(z|d), P(w|z)) from counts n(d,w) (D, W) and the posterior q (D, W, K) of
    :func:`e_step` (chapter ``08_plsa``):

        P(w|z) = Σ_d n(d,w) q(z|d,w) / Σ_{d,w'} n(d,w') q(z|d,w'),
        P(z|d) = Σ_w n(d,w) q(z|d,w) / n(d).
    """
    n = as_float_array(counts, "counts", ndim=2)
    q = as_float_array(q, "q", ndim=3)
    if q.shape[:2] != n.shape:
        raise ValueError(f"q must be (D, W, K) with (D, W) = {n.shape}, got {q.shape}")
    expected = n[:, :, None] * q                                    # n(d,w) P(z|d,w)
    n_zw = expected.sum(axis=0).T                                   # N(z,w), (K, W)
    n_dz = expected.sum(axis=1)                                     # N(d,z), (D, K)
    return n_dz / n.sum(axis=1, keepdims=True), n_zw / n_zw.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------------------------------
# parameters, statistics and posterior
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

    @classmethod
    def _trusted(cls, p_z_given_d: np.ndarray, p_w_given_z: np.ndarray) -> PLSAParams:
        """Build without checks, from rows that are distributions by construction (the M
        step's normalised counts)."""
        params = object.__new__(cls)
        object.__setattr__(params, "p_z_given_d", p_z_given_d)
        object.__setattr__(params, "p_w_given_z", p_w_given_z)
        return params

    @property
    def n_topics(self) -> int:
        return int(self.p_w_given_z.shape[0])


@dataclass(frozen=True, eq=False)
class PLSAStatistics(Statistics):
    """PLSA's expected sufficient statistics: the expected counts ``doc_topic``
    N(d,z) = Σ_w n(d,w) q(z|d,w) (D, K) and ``topic_word`` N(z,w) = Σ_d n(d,w) q(z|d,w)
    (K, W). They add over disjoint parts of the corpus (the M step normalises them)."""

    doc_topic: np.ndarray
    topic_word: np.ndarray


def _log(a: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(a)


def _safe_log(a: np.ndarray) -> np.ndarray:
    """ln a where a > 0, and 0 where a = 0 (for sums whose weight is 0 wherever a is)."""
    out = np.zeros_like(a)
    np.log(a, out=out, where=a > 0)
    return out


#: Size (in values) of the (K, block) arrays of one block of pairs in the sparse pass: 2¹⁶
#: values = 512 KiB, so that a block's gathers fit in a CPU's L2 cache.
CHUNK_VALUES = 2**16

#: Expected counts N(d,z), N(z,w) below this are set to 0 by the E step. EM drives some
#: P(z|d) and P(w|z) geometrically towards 0; without this they would end as subnormal
#: numbers (below 1e-308), which make every product with them 10–100 times slower, and then
#: underflow to 0 anyway. A count of 1e-100 is far below double precision next to n(d) ≥ 1.
NEGLIGIBLE_COUNT = 1e-100



@dataclass(frozen=True, eq=False)
class PLSAPosterior:
    """q(z|d,w) at the nnz observed pairs, kept implicitly, with its statistics (chapter 08).

    q(z|d,w) = [P(z|d) P(w|z)]^β / ``denominators`` for the θ = ``params`` it was computed
    from. The M step needs only the expected counts (``statistics``: N(d,z) and N(z,w));
    ``responsibilities()`` (or ``np.asarray(posterior)``) forms the (nnz, K) table, row i
    for pair i of the data (entries below :data:`NEGLIGIBLE_COUNT` are 0, as in the counts).
    """

    params: PLSAParams
    beta: float
    doc: np.ndarray
    word: np.ndarray
    denominators: np.ndarray
    statistics: PLSAStatistics
    log_denominator_sum: float        # Σ n(d,w) ln denominators

    @property
    def doc_topic(self) -> np.ndarray:
        """N(d,z) = Σ_w n(d,w) q(z|d,w), (D, K)."""
        return self.statistics.doc_topic

    @property
    def topic_word(self) -> np.ndarray:
        """N(z,w) = Σ_d n(d,w) q(z|d,w), (K, W)."""
        return self.statistics.topic_word

    @cached_property
    def safe_log_params(self) -> tuple[np.ndarray, np.ndarray]:
        """(ln P(z|d), ln P(w|z)) of ``params``, 0 where the probability is 0."""
        return _safe_log(self.params.p_z_given_d), _safe_log(self.params.p_w_given_z)

    def expected_log_joint(self, other: PLSAPosterior) -> float:
        """Σ n(d,w) Σ_z q(z|d,w) ln(P(z|d) P(w|z)) at the θ of ``other`` (this q's counts
        against the other θ's logarithms): ⟨N(d,z), ln P(z|d)⟩ + ⟨N(z,w), ln P(w|z)⟩.
        −∞ if q puts mass where that θ has a zero."""
        if other is self:
            return self._own_expected_log_joint
        theta, phi = other.params.p_z_given_d, other.params.p_w_given_z
        if np.any(self.doc_topic[theta == 0] > 0) or np.any(self.topic_word[phi == 0] > 0):
            return -np.inf
        log_theta, log_phi = other.safe_log_params
        return float(np.sum(self.doc_topic * log_theta) + np.sum(self.topic_word * log_phi))

    @cached_property
    def _own_expected_log_joint(self) -> float:
        # N(d,z) > 0 only where P(z|d) > 0 (N is P(z|d) times a sum), so no −∞ here
        log_theta, log_phi = self.safe_log_params
        return float(np.sum(self.doc_topic * log_theta) + np.sum(self.topic_word * log_phi))

    @cached_property
    def entropy(self) -> float:
        """H(q) = −Σ n(d,w) Σ_z q ln q, with ln q = β ln P(z|d) + β ln P(w|z) − ln den."""
        return self.log_denominator_sum - self.beta * self._own_expected_log_joint

    def responsibilities(self) -> np.ndarray:
        """The (nnz, K) table q(z|d,w); row i belongs to pair (doc[i], word[i])."""
        table = (self.params.p_z_given_d[self.doc] * self.params.p_w_given_z[:, self.word].T)
        if self.beta != 1.0:
            table = table ** self.beta
        table /= self.denominators[:, None]
        table[table < NEGLIGIBLE_COUNT] = 0.0
        return table

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        table = self.responsibilities()
        return table if dtype is None else table.astype(dtype)

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.doc.size), self.params.n_topics)


# ---------------------------------------------------------------------------------------
# the EM model: the fast sparse path
# ---------------------------------------------------------------------------------------
class PLSAModel(StatisticsModel, LatentClassModel):
    """PLSA as an EM model over the nnz (d, w) pairs (chapter ``08_plsa``).

    As a :class:`~emlib.em.LatentClassModel`, its rows are the observed pairs, weighted by
    n(d,w)/β, with ln p(d, w, z | θ) = β[ln P(d) + ln P(z|d) + ln P(w|z)] (β = 1: plain
    EM); those generic table-based methods are the reference. ``evaluate`` is the fused
    sparse pass of the module docstring: one pass over the pairs gives ln p, the posterior
    with its expected counts, and L(q, θ), KL(q‖p) both for a given q and for the posterior
    itself, so each half-step of :func:`~emlib.em.run` costs one pass. As a
    :class:`~emlib.em.StatisticsModel`, ``m_step`` is ``params_from_statistics`` of the
    expected counts (:class:`PLSAStatistics`).

    ``p_w_given_z`` (K, W) given: it is held fixed and only P(z|d) is learned (fold-in of
    new documents). ``p_z_given_d`` (D, K) given: only P(w|z) is learned.
    """

    def __init__(self, n_topics: int, *, beta: float = 1.0, p_w_given_z: Any = None,
                 p_z_given_d: Any = None) -> None:
        self.n_topics = check_int(n_topics, "n_topics", low=1, high=10**6)
        self.beta = check_real(beta, "beta", low=0.0, high=1.0, low_open=True)
        self.fixed_p_w_given_z = self._fixed(p_w_given_z, "p_w_given_z", axis0=True)
        self.fixed_p_z_given_d = self._fixed(p_z_given_d, "p_z_given_d", axis0=False)
        if self.fixed_p_w_given_z is not None and self.fixed_p_z_given_d is not None:
            raise ValueError("fix p_w_given_z or p_z_given_d, not both (nothing would be learned)")
        self.objective_name = "ln p(D,W|θ)" if self.beta == 1.0 else f"F_β (β = {self.beta:g})"

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
        """The counts as :class:`~emlib.corpus.DocumentWordCounts` (checked once)."""
        data = as_document_word_counts(X, "X")
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

    def check_params(self, X: Any, params: Any, name: str = "params") -> PLSAParams:
        """``params`` as a :class:`PLSAParams` that fits the counts, with P(w|d) > 0 at every
        observed pair. A θ with P(w|d) = 0 where n(d,w) > 0 has ln p = −∞ and no posterior
        there, and EM cannot leave it (e.g. a word whose P(w|z) is 0 for every topic)."""
        X = self.validate_data(X)
        check_instance(params, PLSAParams, name)
        shapes = (params.p_z_given_d.shape, params.p_w_given_z.shape)
        if shapes != ((X.n_docs, self.n_topics), (self.n_topics, X.n_words)):
            raise ValueError(f"{name} has shapes {shapes[0]} and {shapes[1]}; expected "
                             f"{(X.n_docs, self.n_topics)} and {(self.n_topics, X.n_words)}")
        theta, phi = params.p_z_given_d, params.p_w_given_z
        if np.all(theta > 0):  # then P(w|d) = 0 exactly where every P(w|z) = 0: no pass
            reachable = phi.max(axis=0)[X.word] > 0
            self._check_support(X, reachable.astype(float), name)
        else:
            self._check_support(X, self._pass(X, params)[0].denominators, name)
        return params

    @staticmethod
    def _check_support(X: DocumentWordCounts, denominators: np.ndarray, name: str) -> None:
        zero = np.flatnonzero(denominators <= 0)
        if zero.size:
            raise ValueError(
                f"{name} gives probability P(w|d) = Σ_z P(z|d)P(w|z) = 0 to {zero.size} observed "
                f"(document, word) pair(s), e.g. document {X.doc[zero[0]]}, word "
                f"{X.word[zero[0]]}: ln p = −∞ there, q(z|d,w) is undefined and EM cannot "
                "leave such a start; use a θ with P(w|d) > 0 wherever n(d,w) > 0 "
                "(e.g. every P(w|z) > 0)")

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
    def _pass(self, X: DocumentWordCounts, params: PLSAParams) -> tuple[PLSAPosterior, float]:
        """q at θ (with its expected counts) and ln p(D,W|θ) in one pass over the pairs."""
        theta = np.ascontiguousarray(params.p_z_given_d)      # (D, K)
        phi_t = np.ascontiguousarray(params.p_w_given_z.T)   # (W, K)
        if self.beta != 1.0:
            theta, phi_t = theta ** self.beta, phi_t ** self.beta
        K = theta.shape[1]
        count = X.count
        # The denominators Σ_z P(z|d)^β P(w|z)^β at the pairs, in blocks of whole documents
        # with about CHUNK_VALUES / K pairs, so that the (block, K) gathers stay in the CPU
        # cache (a Python loop over ~nnz·K/2¹⁶ blocks, never over documents). Then the two
        # sums of R(d,w) = n(d,w) / den are sparse products R P(w|z)^β and Rᵀ P(z|d)^β.
        den = np.empty(X.nnz)
        for a, b in X.document_blocks(max(64, CHUNK_VALUES // K)):
            lo, hi = X.doc_starts[a], (X.doc_starts[b] if b < X.n_docs else X.nnz)
            den[lo:hi] = np.einsum("nk,nk->n",
                                   np.repeat(theta[a:b], X.doc_sizes[a:b], axis=0),  # P(z|d_i)^β
                                   np.take(phi_t, X.word[lo:hi], axis=0))          # P(w_i|z)^β
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = count / den                                          # R(d,w)
        if not np.all(den > 0):
            ratio[den <= 0] = 0.0
        R = X.pair_matrix(ratio)
        doc_sums = R @ phi_t                        # Σ_w R(d,w) P(w|z)^β, (D, K)
        topic_word = np.ascontiguousarray((phi_t * (R.T @ theta)).T)   # P(w|z)^β Σ_d R P(z|d)^β
        doc_topic = theta * doc_sums
        doc_topic[doc_topic < NEGLIGIBLE_COUNT] = 0.0
        topic_word[topic_word < NEGLIGIBLE_COUNT] = 0.0
        with np.errstate(divide="ignore"):           # n(d,w) > 0 at every pair
            log_den = float(np.sum(count * np.log(den)))
        posterior = PLSAPosterior(params, self.beta, X.doc, X.word, den,
                                  PLSAStatistics(doc_topic, topic_word), log_den)
        return posterior, X.log_p_d + log_den / self.beta

    @staticmethod
    def _check_posterior(X: DocumentWordCounts, posterior: PLSAPosterior) -> None:
        if posterior.doc is not X.doc and (posterior.doc.shape != X.doc.shape
                                           or not np.array_equal(posterior.doc, X.doc)
                                           or not np.array_equal(posterior.word, X.word)):
            raise ValueError("posterior was computed for other counts")

    def _table_counts(self, X: DocumentWordCounts, posterior: Any
                      ) -> tuple[PLSAStatistics, float]:
        """N(d,z), N(z,w) and the weighted entropy H(q) = −Σ n Σ_z q ln q of any (nnz, K)
        table q of rows summing to 1."""
        table = np.asarray(posterior, dtype=float)
        if table.shape != (X.nnz, self.n_topics):
            raise ValueError(f"posterior must have shape (nnz, K) = {(X.nnz, self.n_topics)}, "
                             f"got {table.shape}")
        weighted = table * X.count[:, None]                              # (nnz, K)
        doc_topic = np.stack([np.bincount(X.doc, weights=column, minlength=X.n_docs)
                              for column in weighted.T], axis=1)
        topic_word = np.stack([np.bincount(X.word, weights=column, minlength=X.n_words)
                               for column in weighted.T])
        entropy = -float(np.sum(xlogy(weighted, table)))
        return PLSAStatistics(doc_topic, topic_word), entropy

    def e_step(self, X: Any, params: PLSAParams) -> PLSAPosterior:
        """q(z|d,w) ∝ [P(z|d) P(w|z)]^β at the observed pairs (an implicit table)."""
        X = self.validate_data(X)
        posterior = self._pass(X, params)[0]
        self._check_support(X, posterior.denominators, "params")
        return posterior

    def log_likelihood(self, X: Any, params: PLSAParams) -> float:
        """ln p(D,W|θ) = Σ_d n(d) ln(n(d)/N) + Σ n(d,w) ln Σ_z P(z|d)P(w|z) (F_β if β < 1)."""
        return self._pass(self.validate_data(X), params)[1]

    def evaluate(self, X: Any, params: PLSAParams, posterior: Any = None) -> Evaluation:
        """One pass: ln p at θ, the posterior at θ, and L(q, θ), KL(q‖p) both for
        ``posterior`` and for the posterior at θ itself, from the expected counts of q:

            L  = Σ_d n(d) ln(n(d)/N) + ⟨N(d,z), ln P(z|d)⟩ + ⟨N(z,w), ln P(w|z)⟩ + H(q)/β
            KL = −H(q)/β − ⟨N(d,z), ln P(z|d)⟩ − ⟨N(z,w), ln P(w|z)⟩ + (1/β) Σ n ln den
        """
        X = self.validate_data(X)
        exact, log_likelihood = self._pass(X, params)
        self._check_support(X, exact.denominators, "params")

        def bound_and_gap(entropy: float, expected: float) -> tuple[float, float]:
            return (float(X.log_p_d + expected + entropy / self.beta),
                    float(-entropy / self.beta - expected + exact.log_denominator_sum / self.beta))

        at_exact = bound_and_gap(exact.entropy, exact.expected_log_joint(exact))
        if posterior is None:
            return Evaluation(log_likelihood, exact, *at_exact, *at_exact)
        if isinstance(posterior, PLSAPosterior):
            self._check_posterior(X, posterior)
            at_q = bound_and_gap(posterior.entropy, posterior.expected_log_joint(exact))
        else:
            stats, entropy = self._table_counts(X, posterior)
            expected = float(np.sum(xlogy(stats.doc_topic, params.p_z_given_d))
                             + np.sum(xlogy(stats.topic_word, params.p_w_given_z)))
            at_q = bound_and_gap(entropy, expected)
        return Evaluation(log_likelihood, exact, *at_q, *at_exact)

    # -- the M step through the sufficient statistics ---------------------------------------
    def expected_statistics(self, X: Any, posterior: Any) -> PLSAStatistics:
        """N(d,z) and N(z,w) of q: carried by a :class:`PLSAPosterior` (no pass over the
        data), summed from the table for any other (nnz, K) q."""
        X = self.validate_data(X)
        if isinstance(posterior, PLSAPosterior):
            self._check_posterior(X, posterior)
            return posterior.statistics
        return self._table_counts(X, posterior)[0]

    def params_from_statistics(self, stats: PLSAStatistics) -> PLSAParams:
        """P(z|d) = N(d,z) / Σ_z N(d,z) = N(d,z) / n(d),  P(w|z) = N(z,w) / Σ_w' N(z,w').

        A topic with no expected count at all (Σ_w N(z,w) = 0) gets the uniform P(w|z).
        """
        check_instance(stats, PLSAStatistics, "stats")
        doc_topic, topic_word = stats.doc_topic, stats.topic_word
        for name, value, axis in (("doc_topic", doc_topic, 1), ("topic_word", topic_word, 0)):
            if (not isinstance(value, np.ndarray) or value.ndim != 2
                    or value.shape[axis] != self.n_topics
                    or not np.isfinite(value.sum()) or value.min() < 0):
                raise ValueError(f"stats.{name} must be a 2-D array of finite expected counts "
                                 f">= 0 with {self.n_topics} topics")
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
        return PLSAParams._trusted(theta, phi)


# ---------------------------------------------------------------------------------------
# perplexity and the estimator
# ---------------------------------------------------------------------------------------
def perplexity(counts: Any, p_z_given_d: Any, p_w_given_z: Any) -> float:
    """exp(−Σ n(d,w) ln P(w|d) / N) with P(w|d) = Σ_z P(z|d) P(w|z) (chapter ``08_plsa``).

    The per-word perplexity: the number of equally likely words the model hesitates between
    (W for the uniform model, 1 for a perfect one). It leaves out P(d): it scores words
    given their document. ``inf`` if an observed word has probability 0. The rows of
    ``p_z_given_d`` (D, K) and ``p_w_given_z`` (K, W) must be distributions.
    """
    X = as_document_word_counts(counts, "counts")
    theta = check_distribution(p_z_given_d, "p_z_given_d", atol=1e-6)
    phi = check_distribution(p_w_given_z, "p_w_given_z", atol=1e-6)
    if theta.ndim != 2 or phi.ndim != 2 or theta.shape != (X.n_docs, phi.shape[0]) \
            or phi.shape[1] != X.n_words:
        raise ValueError(f"counts {X.shape}, p_z_given_d {theta.shape} and p_w_given_z "
                         f"{phi.shape} do not fit together as (D, W), (D, K), (K, W)")
    p_w_given_d = np.einsum("nk,kn->n", theta[X.doc], phi[:, X.word])
    with np.errstate(divide="ignore"):           # n(d,w) > 0 at every pair
        log_p = float(np.sum(X.count * np.log(p_w_given_d)))
    return float(np.exp(-log_p / X.total))


class PLSA(EMEstimator):
    """PLSA fitted by EM, in the scikit-learn style (chapter ``08_plsa``).

    ``PLSA(n_topics=4, max_iter=100, tol=1e-6, random_state=0).fit(counts)`` then
    ``p_z_given_d_`` (D, K), ``p_w_given_z_`` (K, W), ``log_likelihood_`` (ln p(D,W|θ),
    P(d) term included), ``trace_``, ``n_iter_``, ``converged_``, ``lower_bound_``;
    ``transform`` folds new documents in (EM over their P(z|d) with P(w|z) fixed);
    ``perplexity`` scores counts. ``beta`` < 1 is tempered EM (Hofmann 1999), used for
    fitting and for folding in; ``log_likelihood_`` is then the tempered objective F_β.
    ``init`` (a :class:`PLSAParams`) replaces the random θ⁽⁰⁾ drawn with ``random_state``.
    ``tol`` is the absolute rise of the objective per iteration below which EM stops
    (``None``: exactly ``max_iter`` iterations).
    """

    def __init__(self, n_topics: int = 2, *, max_iter: int = 100, tol: float | None = 1e-6,
                 beta: float = 1.0, random_state: np.random.Generator | int | None = None,
                 init: PLSAParams | None = None) -> None:
        self.n_topics = n_topics
        self.max_iter = max_iter
        self.tol = tol
        self.beta = beta
        self.random_state = random_state
        self.init = init

    def _make_model(self) -> PLSAModel:
        return PLSAModel(self.n_topics, beta=self.beta)

    def _initial_params(self, model: PLSAModel, X: Any, rng: np.random.Generator) -> PLSAParams:
        if self.init is None:
            return model.init_params(X, rng)
        return model.check_params(X, self.init, "init")

    def _set_fitted(self, model: PLSAModel, X: Any, trace: Any) -> None:
        self.p_z_given_d_: np.ndarray = trace.params.p_z_given_d
        self.p_w_given_z_: np.ndarray = trace.params.p_w_given_z
        self.log_likelihood_: float = trace.records[-1].log_likelihood

    def fit_transform(self, counts: Any, y: Any = None) -> np.ndarray:
        """``fit(counts)`` then its P(z|d) (D, K)."""
        return self.fit(counts).p_z_given_d_

    def _check_fitted(self) -> None:
        check_is_fitted(self, "p_w_given_z_")

    def transform(self, counts: Any, max_iter: int = 50, tol: float | None = 1e-8) -> np.ndarray:
        """Fold in: P(z|d) of new documents by EM with P(w|z) = ``p_w_given_z_`` fixed,
        from the uniform P(z|d) = 1/K (deterministic). Returns (D_new, K)."""
        self._check_fitted()
        model = PLSAModel(self.p_w_given_z_.shape[0], beta=self.beta,
                          p_w_given_z=self.p_w_given_z_)
        X = model.validate_data(counts)
        start = PLSAParams(np.full((X.n_docs, model.n_topics), 1 / model.n_topics),
                           self.p_w_given_z_)
        trace = run(model, X, model.check_params(X, start, "p_w_given_z_"),
                    max_iter=check_int(max_iter, "max_iter", low=0), tol=tol)
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
