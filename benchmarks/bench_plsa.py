"""emlib.plsa.PLSA (EM) against scikit-learn's NMF(beta_loss="kullback-leibler", solver="mu").

PLSA and NMF with the (generalised) KL divergence have the same fixed points (chapter
08_plsa): with W = diag(n(d)) P(z|d) and H = P(w|z), NMF's multiplicative W update is
exactly PLSA's P(z|d) update. Both sides get the same counts (arXiv corpus,
CountVectorizer with English stop words, min_df = 5), the same initial factors, and run
exactly 50 iterations (emlib: tol=None; sklearn: init="custom", tol=0, max_iter=50). The
objectives differ in kind: emlib returns ln p(D,W|θ), NMF its KL divergence D(X‖WH);
chapter 08 maps one onto the other (ln p = Σ n ln n − N ln N − D when the rows of WH sum to n(d)).

The scaling cases vary K and nnz (the corpus stacked 4 times) for 10 iterations.

Threads: emlib's EM is single-threaded (numpy and SciPy's CSR products, no BLAS in the hot
loop); NMF calls BLAS, whose OpenBLAS/OpenMP pools would use both cores of the machine and
keep spinning after each call. Every case therefore runs both sides under
``threadpool_limits(1)``: the same one core for each (a per-core comparison).
``bench_plsa`` prints the default-threads ratio too, as the last case.
"""

from __future__ import annotations

import warnings

import numpy as np
from harness import Case
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import CountVectorizer
from threadpoolctl import threadpool_limits

from emlib.datasets import load_arxiv_abstracts
from emlib.plsa import PLSA, PLSAParams

_corpus = load_arxiv_abstracts()
_COUNTS = CountVectorizer(stop_words="english", min_df=5).fit_transform(_corpus.texts)
_COUNTS_FLOAT = _COUNTS.astype(float)
_LENGTHS = np.asarray(_COUNTS.sum(axis=1)).ravel().astype(float)


def _start(k: int, counts=_COUNTS, seed: int = 0) -> PLSAParams:
    rng = np.random.default_rng(seed)
    theta = rng.random((counts.shape[0], k)) + 0.1
    phi = rng.random((k, counts.shape[1])) + 0.1
    return PLSAParams(theta / theta.sum(1, keepdims=True), phi / phi.sum(1, keepdims=True))


def _case(k: int, iterations: int, counts=_COUNTS, label: str = "arXiv",
          threads: int | None = 1) -> Case:
    start = _start(k, counts)
    counts_float = counts.astype(float)
    lengths = np.asarray(counts.sum(axis=1)).ravel().astype(float)

    def emlib() -> float:
        with threadpool_limits(threads):
            return PLSA(k, max_iter=iterations, tol=None, init=start).fit(counts).log_likelihood_

    def peer() -> float:
        nmf = NMF(k, init="custom", solver="mu", beta_loss="kullback-leibler", tol=0,
                  max_iter=iterations)
        with warnings.catch_warnings(), threadpool_limits(threads):
            warnings.simplefilter("ignore")  # "Maximum number of iterations reached"
            nmf.fit_transform(counts_float, W=lengths[:, None] * start.p_z_given_d,
                              H=start.p_w_given_z.copy())
        return float(nmf.reconstruction_err_ ** 2 / 2)  # D_KL(X‖WH)

    main = (k, iterations, label) == (20, 50, "arXiv")
    return Case(f"{label} ({counts.shape[0]}×{counts.shape[1]}, nnz={counts.nnz}), K={k}, "
                f"{iterations} its" + (", default threads" if threads is None else ""),
                emlib, peer, "sklearn NMF(KL, mu)",
                note=("time ratio <= 0.7" if main and threads == 1 else
                      "default BLAS threads" if threads is None else "scaling"))


def _doubled(counts, times: int):
    """The corpus stacked ``times`` times (nnz × times, same vocabulary)."""
    from scipy.sparse import vstack
    return vstack([counts] * times).tocsr()


CASES = [
    _case(20, 50),
    _case(5, 10),
    _case(50, 10),
    _case(20, 10),
    _case(20, 10, _doubled(_COUNTS, 4), "arXiv ×4"),
    _case(20, 50, threads=None),
]
