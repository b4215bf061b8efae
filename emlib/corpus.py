"""Document–word counts for PLSA (chapter ``08_plsa``): the sparse count type, a toy corpus,
and how well topics agree with document labels.

A corpus is a (documents × words) table of counts n(d, w), almost all zero. PLSA only ever
touches the nnz observed pairs, so the table is kept as (document, word, count) triplets
sorted by document (the layout of a SciPy CSR matrix, whose index arrays it keeps, so that
sums over words and over documents are sparse products): :class:`DocumentWordCounts`,
built once by :func:`as_document_word_counts` from a dense array or a SciPy sparse matrix.
:func:`toy_counts` counts the twelve hand-made documents of :data:`TOY_CORPUS`;
:func:`contingency_table` and :func:`purity` score clusters (topics) against labels.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._validation import as_float_array

__all__ = [
    "TOY_CORPUS",
    "DocumentWordCounts",
    "as_document_word_counts",
    "contingency_table",
    "purity",
    "split_documents",
    "toy_counts",
]


@dataclass(frozen=True, eq=False)
class DocumentWordCounts:
    """Validated sparse counts as (document, word, count) triplets, sorted by document.

    Built once by :func:`as_document_word_counts`. ``doc_starts``/``doc_sizes`` locate each
    document's run of pairs; ``indptr`` and ``indices`` are the same layout as a SciPy CSR
    matrix, so :meth:`pair_matrix` puts any per-pair values into a (D, W) sparse matrix
    without copying an index.
    """

    doc: np.ndarray            # (nnz,) document index of each pair, non-decreasing
    word: np.ndarray           # (nnz,) word index of each pair
    count: np.ndarray          # (nnz,) n(d, w) > 0
    n_docs: int
    n_words: int
    doc_lengths: np.ndarray    # (D,) n(d)
    doc_starts: np.ndarray     # (D,) first pair of each document
    doc_sizes: np.ndarray      # (D,) number of distinct words of each document
    indptr: np.ndarray         # (D + 1,) CSR row pointer: pairs of d are indptr[d]:indptr[d+1]
    indices: np.ndarray        # (nnz,) ``word`` in CSR's index type
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

    def document_blocks(self, step: int) -> list[tuple[int, int]]:
        """Runs of whole documents with about ``step`` pairs each: (first, end) documents."""
        cuts = np.unique(np.r_[np.searchsorted(self.doc_starts, np.arange(0, self.nnz, step)),
                               self.n_docs])
        return list(zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True))

    def pair_matrix(self, values: np.ndarray) -> sp.csr_matrix:
        """The (D, W) sparse matrix with ``values`` (nnz,) at the observed pairs, 0 elsewhere
        (sharing this object's index arrays)."""
        return sp.csr_matrix((values, self.indices, self.indptr), shape=self.shape, copy=False)


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

    Accepts a dense array-like or a SciPy sparse matrix/array (read through ``tocoo()``);
    duplicate sparse entries are summed and explicit zeros dropped.
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
    if not np.isfinite(doc_lengths.sum()):
        raise ValueError(f"{name} is too large: the total number of words overflows")
    indptr = np.concatenate([[0], np.cumsum(doc_sizes)])
    index_type = np.int32 if max(word.size, n_words) < 2**31 - 1 else np.int64
    total = doc_lengths.sum()
    nonempty = doc_lengths > 0
    log_p_d = float(np.sum(doc_lengths[nonempty] * np.log(doc_lengths[nonempty] / total)))
    return DocumentWordCounts(doc, word, data, n_docs, n_words, doc_lengths,
                              indptr[:-1].astype(np.intp), doc_sizes, indptr.astype(index_type),
                              word.astype(index_type), log_p_d)


# ---------------------------------------------------------------------------------------
# the tiny corpus
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


# ---------------------------------------------------------------------------------------
# topics against labels
# ---------------------------------------------------------------------------------------
def _as_labels(value: Any, name: str) -> np.ndarray:
    """Category labels: integers, strings or other hashable values, never numbers that are
    not labels (complex, dates, NaN) nor a sparse matrix."""
    if hasattr(value, "tocsr") or hasattr(value, "nnz"):
        raise TypeError(f"{name} must be a 1-D sequence of labels, got a sparse matrix")
    array = np.asarray(value)
    if array.dtype.kind in "cmMV":
        raise TypeError(f"{name} must hold labels (integers or strings), got dtype {array.dtype}")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values; labels must be categories")
    return array


def contingency_table(clusters: Any, labels: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (clusters × labels) table of counts: entry (i, j) counts the items put in the
    i-th cluster whose label is the j-th label. Returns (table, cluster values, label values),
    the values sorted (chapter ``08_plsa``)."""
    clusters, labels = _as_labels(clusters, "clusters"), _as_labels(labels, "labels")
    if clusters.ndim != 1 or labels.ndim != 1 or clusters.shape != labels.shape:
        raise ValueError(f"clusters and labels must be 1-D of one length, got shapes "
                         f"{clusters.shape} and {labels.shape}")
    if clusters.size == 0:
        raise ValueError("clusters and labels must not be empty")
    try:
        cluster_values, rows = np.unique(clusters, return_inverse=True)
        label_values, columns = np.unique(labels, return_inverse=True)
    except TypeError:
        raise TypeError("clusters and labels must each hold values of one kind (all numbers "
                        "or all strings) so that they can be sorted") from None
    table = np.zeros((cluster_values.size, label_values.size), dtype=np.int64)
    np.add.at(table, (rows, columns), 1)
    return table, cluster_values, label_values


def purity(clusters: Any, labels: Any) -> float:
    """Purity = (1/n) Σ_clusters max_label |cluster ∩ label|: the share of items whose
    cluster's majority label is their own label (1 for a perfect match; chapters
    ``08_plsa`` and ``09_em_variants``)."""
    table, _, _ = contingency_table(clusters, labels)
    return float(table.max(axis=1).sum() / table.sum())


def split_documents(counts: Any, n_parts: int) -> list[DocumentWordCounts]:
    """The corpus cut into ``n_parts`` blocks of whole documents, for map and reduce.

    Every block keeps the whole corpus's shape (D × W; the other documents' rows are empty)
    and its share of the constant Σ_d n(d) ln(n(d)/N) computed with the whole corpus's N.
    So PLSA's ln p, L and KL of the blocks, and their expected counts N(d,z) and N(z,w),
    add up to those of the whole corpus (chapter ``12_em_at_scale``). A block's P(z|d)
    rows are the only ones its E step reads: in a real deployment they stay with it.
    """
    X = as_document_word_counts(counts, "counts")
    if isinstance(n_parts, bool) or not isinstance(n_parts, (int, np.integer)) \
            or not 1 <= n_parts <= X.n_docs:
        raise ValueError(f"n_parts must be an integer from 1 to the number of documents "
                         f"({X.n_docs}), got {n_parts!r}")
    rows = X.pair_matrix(X.count.astype(float)).tocsr()
    lengths = X.doc_lengths.astype(float)
    parts = []
    for block in np.array_split(np.arange(X.n_docs), int(n_parts)):
        keep = np.zeros(X.n_docs)
        keep[block] = 1.0
        part = as_document_word_counts(sp.diags(keep) @ rows, "counts",
                                       allow_empty_documents=True)
        mine = lengths[block]
        constant = float(np.sum(mine * np.log(mine / X.total)))
        parts.append(replace(part, log_p_d=constant))
    return parts
