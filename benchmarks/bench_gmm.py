"""emlib.gmm.GaussianMixture against sklearn.mixture.GaussianMixture (chapter 06).

Same data, same θ⁽⁰⁾ (weights_init, means_init, precisions_init), the same number of EM
iterations (tol=0 on both sides: no early stop), reg_covar=1e-6, in one process. Both sides
return ln p(X|θ⁽ᵐ⁻¹⁾)/N (scikit-learn's ``lower_bound_`` is the mean log-likelihood at the θ
of its last E step; emlib's trace holds the same number), so no extra pass is timed.

The target case: full covariances, N = 200 000, D = 8, K = 8, 20 iterations:
time ratio ≤ 0.15 and peak memory ratio ≤ 1, the same objective. The other rows are the
scaling table in N, K and the covariance type (5 or 10 iterations, one repeat: the peer is
slow).

``python benchmarks/bench_gmm.py million`` fits N = 10⁶ points once (D = 8, K = 8, full,
20 iterations) and prints its time and peak memory (tracemalloc and the process's max RSS).
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
from harness import Case
from sklearn.mixture import GaussianMixture as SkGaussianMixture

from emlib.gmm import GaussianMixture

_D = 8
_DATA: dict[tuple, tuple] = {}


def _problem(n: int, k: int, ctype: str) -> tuple[np.ndarray, dict]:
    """Blobs from a random 8-component mixture, and a k-Means start shared by both sides."""
    key = (n, k, ctype)
    if key not in _DATA:
        rng = np.random.default_rng(0)
        means = rng.normal(0, 4, (8, _D))
        a = rng.normal(size=(8, _D, _D)) * 0.5
        covs = a @ np.swapaxes(a, 1, 2) + 0.5 * np.eye(_D)
        labels = np.random.default_rng(1).integers(8, size=n)
        X = np.random.default_rng(2).standard_normal((n, _D))
        for j, chol in enumerate(np.linalg.cholesky(covs)):  # x = μ_z + L_z ε, per component
            X[labels == j] = X[labels == j] @ chol.T + means[j]
        p0 = GaussianMixture(k, covariance_type=ctype, random_state=0,
                             max_iter=0).initial_params(X[:20_000])
        _DATA.clear()  # keep one problem in memory at a time
        _DATA[key] = (X, dict(covariance_type=ctype, weights_init=p0.weights,
                              means_init=p0.means, precisions_init=p0.precisions(),
                              tol=0.0, reg_covar=1e-6))
    return _DATA[key]


def _case(n: int, k: int, ctype: str, iters: int, repeat: int, note: str = "") -> Case:
    def emlib() -> float:
        X, kwargs = _problem(n, k, ctype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = GaussianMixture(k, max_iter=iters, **kwargs).fit(X)
        return float(g.trace_.column("log_likelihood", step="M")[-2] / n)

    def peer() -> float:
        X, kwargs = _problem(n, k, ctype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = SkGaussianMixture(k, max_iter=iters, **kwargs).fit(X)
        return float(g.lower_bound_)

    return Case(f"{ctype}, N={n:,}, D={_D}, K={k}, {iters} its", emlib, peer,
                "sklearn GaussianMixture", setup=lambda: _problem(n, k, ctype), note=note,
                repeat=repeat)


CASES = [
    _case(200_000, 8, "full", 20, 3, "time ratio <= 0.15, memory ratio <= 1, same objective"),
    _case(50_000, 8, "full", 10, 1, "scaling in N"),
    _case(800_000, 8, "full", 5, 1, "scaling in N"),
    _case(200_000, 2, "full", 10, 1, "scaling in K"),
    _case(200_000, 32, "full", 5, 1, "scaling in K"),
    _case(200_000, 8, "tied", 10, 1, "covariance type"),
    _case(200_000, 8, "diag", 10, 1, "covariance type"),
    _case(200_000, 8, "spherical", 10, 1, "covariance type"),
]


def million() -> None:
    """One fit on 10⁶ points: time and peak memory."""
    import resource
    import time
    import tracemalloc

    X, kwargs = _problem(1_000_000, 8, "full")
    tracemalloc.start()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = GaussianMixture(8, max_iter=20, **kwargs).fit(X)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"N=1,000,000, D=8, K=8, full, 20 iterations: {seconds:.1f} s, peak traced "
          f"{peak / 2**20:.0f} MiB beyond X ({X.nbytes / 2**20:.0f} MiB), max RSS {rss:.0f} MiB, "
          f"mean ln p {g.score(X):.6f}")


if __name__ == "__main__":
    if sys.argv[1:] == ["million"]:
        million()
