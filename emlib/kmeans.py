"""k-Means as hard EM, k-means++ seeding, and two exact speed-ups (chapter ``05_kmeans``).

k-Means (k-均值) looks for K centres μ_1..μ_K and a 1-of-K assignment r_nk ∈ {0, 1},
Σ_k r_nk = 1, that minimise the distortion

    J(μ, r) = Σ_n Σ_k r_nk ‖x_n − μ_k‖².

It is coordinate descent on J, which the course reads as *hard EM*:

* E step (r at fixed μ):  r_nk = 1 for k = argmin_j ‖x_n − μ_j‖², else 0;
* M step (μ at fixed r):  μ_k = Σ_n r_nk x_n / Σ_n r_nk   (the mean of cluster k).

Neither step can raise J and there are finitely many assignments, so the loop stops after
finitely many iterations, at a *local* minimum that depends on the start.
:class:`KMeansModel` is this pair of steps as an :class:`emlib.em.EMModel` whose objective
is −J, so that "the objective never decreases" reads as in every chapter:

    log_likelihood = −J(μ, r*(μ))   with r*(μ) the best assignment for μ,
    lower_bound    = −J(μ, r)       for the current assignment r (the "q"),
    kl             = J(μ, r) − J(μ, r*(μ)) ≥ 0   (0 right after an E step).

The assignment ("posterior") is an integer label array: ``labels[n] = k`` ⇔ r_nk = 1.

:class:`KMeans` is the scikit-learn style estimator. Its three algorithms compute the
same E step (the nearest centre of every point) and share one M step, so from the same
start they return the same labels and centres; they differ in how many point–centre
distances they compute (``n_distance_evaluations_``):

* ``"lloyd"``: all N·K distances per E step, vectorised as ‖x‖² − 2x·μ + ‖μ‖² (one
  matrix product per chunk of points);
* ``"elkan"``: Elkan (2003), triangle-inequality bounds that skip most distances;
* ``"kdtree"``: the filtering algorithm of Kanungo et al. (2002) over a k-d tree built
  once: whole boxes of points are given their centre without any distance.

Empty clusters: when a cluster loses all its points, the M step re-seeds its centre at the
data point farthest from its own cluster's mean (the point that contributes most to J),
farthest first for several empty clusters. J(μ, r) does not depend on an empty cluster's
centre, so this is still a minimiser of J over μ at fixed r and the laws above hold; the
next E step then gives that point to the new centre (its distance drops to 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ._validation import as_float_array, check_int, check_real, check_rng
from .em import EMModel, Evaluation

__all__ = [
    "FilterResult",
    "KDTree",
    "KMeans",
    "KMeansModel",
    "KMeansParams",
    "PlusPlusStep",
    "distortion",
    "kdtree_filter",
    "kmeans_plusplus",
    "kmeans_plusplus_indices",
    "kmeans_plusplus_steps",
    "nearest_centers",
    "random_init",
    "soft_assignments",
    "squared_distances",
    "update_centers",
]

Init = Literal["k-means++", "random"]
Algorithm = Literal["lloyd", "elkan", "kdtree"]
ALGORITHMS = ("lloyd", "elkan", "kdtree")

#: Largest number of rows per block in the chunked computations (bounds memory to CHUNK·K).
CHUNK = 8192
#: Relative safety margin of the pruning tests: a centre is skipped only when a bound says
#: it is farther by more than rounding error, so ties and near-ties are always computed.
_MARGIN = 1e-9


# ---------------------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------------------
def _check_X(X: Any, name: str = "X") -> np.ndarray:
    X = as_float_array(X, name, ndim=2, min_rows=1)
    if X.shape[1] < 1:
        raise ValueError(f"{name} needs at least one feature (column), got shape {X.shape}")
    return np.ascontiguousarray(X)


def _check_centers(centers: Any, n_features: int, name: str = "centers",
                   n_clusters: int | None = None) -> np.ndarray:
    C = as_float_array(centers, name, ndim=2)
    if C.shape[1] != n_features or C.shape[0] < 1 or (
            n_clusters is not None and C.shape[0] != n_clusters):
        want = f"({n_clusters if n_clusters is not None else 'K'}, {n_features})"
        raise ValueError(f"{name} must have shape (n_clusters, n_features) = {want}, "
                         f"got {C.shape}")
    return np.ascontiguousarray(C)


def _check_n_clusters(n_clusters: Any, n_samples: int) -> int:
    k = check_int(n_clusters, "n_clusters", low=1)
    if k > n_samples:
        raise ValueError(f"n_clusters={k} must be <= n_samples={n_samples}: k-Means needs at "
                         "least one point per cluster to start")
    return k


# ---------------------------------------------------------------------------------------
# the two steps and the objective
# ---------------------------------------------------------------------------------------
def squared_distances(X: Any, centers: Any) -> np.ndarray:
    """The (N, K) table ‖x_n − μ_k‖², computed directly (exact up to rounding).

    Small inputs only (notebook 05); the algorithms below never build the whole table.
    """
    X = _check_X(X)
    C = _check_centers(centers, X.shape[1])
    return ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)


def _augment(X: np.ndarray) -> np.ndarray:
    """[X, 1]: one matrix product then gives ‖μ_k‖² − 2 x_n·μ_k with the ‖μ‖² added."""
    out = np.empty((X.shape[0], X.shape[1] + 1))
    out[:, :-1] = X
    out[:, -1] = 1.0
    return out


def _chunk(n_features: int, n_clusters: int) -> int:
    """Rows per block: small enough that BLAS stays on one thread (OpenBLAS goes parallel
    above m·n·k = 2¹⁸; threads don't pay for an inner dimension of D and hurt on a busy
    machine), and the block of CHUNK·K floats stays in cache."""
    return int(np.clip(2**18 // (n_clusters * (n_features + 1)), 256, CHUNK))


def _nearest(X: np.ndarray, C: np.ndarray, out: np.ndarray | None = None,
             X_aug: np.ndarray | None = None) -> np.ndarray:
    """argmin_k ‖x_n − μ_k‖² via ‖μ_k‖² − 2 x_n·μ_k (‖x_n‖² is the same for every k).

    ``X_aug`` = :func:`_augment` (X), when the caller keeps it between E steps.
    """
    labels = np.empty(len(X), dtype=np.intp) if out is None else out
    X_aug = _augment(X) if X_aug is None else X_aug
    weights = np.empty((C.shape[1] + 1, len(C)))
    weights[:-1] = -2.0 * C.T
    weights[-1] = np.einsum("kd,kd->k", C, C)
    step = _chunk(C.shape[1], len(C))
    block = np.empty((step, len(C)))
    for start in range(0, len(X), step):
        rows = X_aug[start:start + step]
        np.matmul(rows, weights, out=block[:len(rows)])
        np.argmin(block[:len(rows)], axis=1, out=labels[start:start + step])
    return labels


def nearest_centers(X: Any, centers: Any) -> np.ndarray:
    """The E step: r_n = argmin_k ‖x_n − μ_k‖² for every point (ties: the lowest k).

    Vectorised as ‖x‖² − 2x·μ + ‖μ‖² with one matrix product per chunk of points.
    """
    X = _check_X(X)
    return _nearest(X, _check_centers(centers, X.shape[1]))


def _row_distances(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """‖x_i − c_i‖ row by row (C broadcastable to X), computed directly (no cancellation)."""
    diff = X - C
    return np.sqrt(np.einsum("nd,nd->n", diff, diff))


def _distortion(X: np.ndarray, C: np.ndarray, labels: np.ndarray) -> float:
    total = 0.0
    for start in range(0, len(X), CHUNK):
        diff = X[start:start + CHUNK] - C[labels[start:start + CHUNK]]
        total += float(np.einsum("nd,nd->", diff, diff))
    return total


def distortion(X: Any, centers: Any, labels: Any) -> float:
    """J(μ, r) = Σ_n ‖x_n − μ_{r_n}‖² for labels r (the k-Means objective, notebook 05)."""
    X = _check_X(X)
    C = _check_centers(centers, X.shape[1])
    labels = _check_labels(labels, len(X), len(C))
    return _distortion(X, C, labels)


def _check_labels(labels: Any, n_samples: int, n_clusters: int) -> np.ndarray:
    r = np.asarray(labels)
    if r.shape != (n_samples,) or not np.issubdtype(r.dtype, np.integer):
        raise ValueError(f"labels must be an integer array of shape ({n_samples},), "
                         f"got {r.dtype} {r.shape}")
    if r.size and (r.min() < 0 or r.max() >= n_clusters):
        raise ValueError(f"labels must lie in 0..{n_clusters - 1}")
    return r.astype(np.intp, copy=False)


def _update(X: np.ndarray, labels: np.ndarray, n_clusters: int,
            XT: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """M step with empty-cluster re-seeding; returns (centres, number of empty clusters)."""
    XT = np.ascontiguousarray(X.T) if XT is None else XT
    counts = np.bincount(labels, minlength=n_clusters)
    sums = np.empty((n_clusters, X.shape[1]))
    for d in range(X.shape[1]):
        sums[:, d] = np.bincount(labels, weights=XT[d], minlength=n_clusters)
    empty = np.flatnonzero(counts == 0)
    centers = sums / np.maximum(counts, 1)[:, None]
    if empty.size:
        # farthest points from their own cluster's new mean, farthest first (ties: lowest n)
        diff = X - centers[labels]
        far = np.argsort(-np.einsum("nd,nd->n", diff, diff), kind="stable")[:empty.size]
        centers[empty] = X[far]
    return centers, int(empty.size)


def update_centers(X: Any, labels: Any, n_clusters: int) -> np.ndarray:
    """The M step: μ_k = Σ_n r_nk x_n / Σ_n r_nk, the mean of each cluster.

    An empty cluster (Σ_n r_nk = 0) gets the data point farthest from its own cluster's
    mean (several empty clusters: the farthest points, farthest first). Notebook 05.
    """
    X = _check_X(X)
    k = check_int(n_clusters, "n_clusters", low=1)
    return _update(X, _check_labels(labels, len(X), k), k)[0]


# ---------------------------------------------------------------------------------------
# seeding: random and k-means++
# ---------------------------------------------------------------------------------------
def random_init(X: Any, n_clusters: int, rng: np.random.Generator | int | None = None
                ) -> np.ndarray:
    """K distinct data points chosen uniformly at random as the initial centres."""
    X = _check_X(X)
    k = _check_n_clusters(n_clusters, len(X))
    return X[check_rng(rng).choice(len(X), size=k, replace=False)].copy()


@dataclass(frozen=True)
class PlusPlusStep:
    """One draw of k-means++: the D² table it used and the point it chose.

    ``d2[n]`` = D(x_n)² = min over the centres chosen so far of ‖x_n − μ‖² (None for the
    first, uniform draw); ``probabilities`` = D²/ΣD²; ``chosen`` = index of the new centre;
    ``centers`` = all centres after this draw.
    """

    chosen: int
    centers: np.ndarray
    d2: np.ndarray | None
    probabilities: np.ndarray


def _plusplus(X: np.ndarray, k: int, rng: np.random.Generator,
              keep_steps: bool) -> tuple[np.ndarray, list[PlusPlusStep], np.ndarray]:
    n = len(X)
    first = int(rng.integers(n))
    chosen = [first]
    steps = [PlusPlusStep(first, X[[first]].copy(), None, np.full(n, 1.0 / n))] if keep_steps \
        else []
    d2 = _row_distances(X, X[first]) ** 2
    for _ in range(1, k):
        total = float(d2.sum())
        if total > 0:
            cumulative = np.cumsum(d2)
            index = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
            index = min(index, n - 1)
            while d2[index] == 0:  # a zero-probability point can only be hit by rounding
                index -= 1
            probabilities = d2 / total if keep_steps else None
        else:  # every point sits on a centre: nothing to prefer, draw uniformly
            index = int(rng.integers(n))
            probabilities = np.full(n, 1.0 / n) if keep_steps else None
        chosen.append(index)
        if keep_steps:
            steps.append(PlusPlusStep(index, X[chosen].copy(), d2.copy(), probabilities))
        np.minimum(d2, _row_distances(X, X[index]) ** 2, out=d2)
    return X[chosen].copy(), steps, np.array(chosen)


def kmeans_plusplus(X: Any, n_clusters: int, rng: np.random.Generator | int | None = None
                    ) -> np.ndarray:
    """k-means++ seeding (Arthur & Vassilvitskii 2007): the initial centres, (K, D).

    The first centre is a data point drawn uniformly; each next one is a data point drawn
    with probability D(x)² / Σ D(x')², where D(x) is the distance from x to the nearest
    centre chosen so far. Expected J of the seeding alone is O(log K)·optimal. Notebook 05.
    """
    X = _check_X(X)
    k = _check_n_clusters(n_clusters, len(X))
    return _plusplus(X, k, check_rng(rng), keep_steps=False)[0]


def kmeans_plusplus_indices(X: Any, n_clusters: int,
                            rng: np.random.Generator | int | None = None) -> np.ndarray:
    """The row numbers of the K points that :func:`kmeans_plusplus` picks as centres.

    Same D² draws (P(x) ∝ D(x)²) and same random numbers; chapter 06 seeds a Gaussian
    mixture's components with them.
    """
    X = _check_X(X)
    k = _check_n_clusters(n_clusters, len(X))
    return _plusplus(X, k, check_rng(rng), keep_steps=False)[2]


def kmeans_plusplus_steps(X: Any, n_clusters: int, rng: np.random.Generator | int | None = None
                          ) -> list[PlusPlusStep]:
    """The draws of :func:`kmeans_plusplus` one by one, with their D² tables (notebook 05).

    Same random numbers as :func:`kmeans_plusplus`: the last step's ``centers`` are its
    result for the same ``rng``.
    """
    X = _check_X(X)
    k = _check_n_clusters(n_clusters, len(X))
    return _plusplus(X, k, check_rng(rng), keep_steps=True)[1]


def _initial_centers(X: np.ndarray, k: int, init: Any, rng: np.random.Generator) -> np.ndarray:
    if isinstance(init, str):
        if init == "k-means++":
            return _plusplus(X, k, rng, keep_steps=False)[0]
        if init == "random":
            return X[rng.choice(len(X), size=k, replace=False)].copy()
        raise ValueError(f"init must be 'k-means++', 'random' or an array of shape "
                         f"(n_clusters, n_features), got {init!r}")
    return _check_centers(init, X.shape[1], "init", k).copy()


def _check_init(init: Any) -> Any:
    if isinstance(init, str):
        if init not in ("k-means++", "random"):
            raise ValueError(f"init must be 'k-means++', 'random' or an array of shape "
                             f"(n_clusters, n_features), got {init!r}")
        return init
    return as_float_array(init, "init", ndim=2)


# ---------------------------------------------------------------------------------------
# hard EM as an EMModel
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KMeansParams:
    """θ of k-Means: the (K, D) array of centres μ_k."""

    centers: np.ndarray


class KMeansModel(EMModel):
    """k-Means as hard EM (notebook 05): the objective is −J, the posterior a label array.

    ``e_step`` returns r*(μ) (labels, nearest centre); ``m_step`` the cluster means (with
    empty-cluster re-seeding); ``log_likelihood`` = −J(μ, r*(μ)); ``lower_bound`` =
    −J(μ, r); ``kl_divergence`` = J(μ, r) − J(μ, r*(μ)) ≥ 0. These names keep the laws of
    :mod:`emlib.em` (the objective never decreases, objective = bound + gap, gap 0 after E).
    """

    objective_name = "−J"

    def __init__(self, n_clusters: int, init: Init | Any = "k-means++") -> None:
        self.n_clusters = check_int(n_clusters, "n_clusters", low=1)
        self.init = _check_init(init)

    def validate_data(self, X: Any) -> np.ndarray:
        X = _check_X(X)
        _check_n_clusters(self.n_clusters, len(X))
        return X

    def init_params(self, X: np.ndarray, rng: np.random.Generator) -> KMeansParams:
        return KMeansParams(_initial_centers(X, self.n_clusters, self.init, rng))

    def _centers(self, X: np.ndarray, params: KMeansParams) -> np.ndarray:
        return _check_centers(params.centers, X.shape[1], "params.centers", self.n_clusters)

    def e_step(self, X: np.ndarray, params: KMeansParams) -> np.ndarray:
        """r*(μ): the label of the nearest centre of every point."""
        return _nearest(X, self._centers(X, params))

    def m_step(self, X: np.ndarray, posterior: np.ndarray) -> KMeansParams:
        """μ_k = mean of the points labelled k (empty clusters re-seeded, see module doc)."""
        labels = _check_labels(posterior, len(X), self.n_clusters)
        return KMeansParams(_update(X, labels, self.n_clusters)[0])

    def log_likelihood(self, X: np.ndarray, params: KMeansParams) -> float:
        """−J(μ, r*(μ)): minus the distortion with the best assignment for μ."""
        C = self._centers(X, params)
        return -_distortion(X, C, _nearest(X, C))

    def lower_bound(self, X: np.ndarray, posterior: np.ndarray, params: KMeansParams) -> float:
        """−J(μ, r) for the assignment r = ``posterior``."""
        labels = _check_labels(posterior, len(X), self.n_clusters)
        return -_distortion(X, self._centers(X, params), labels)

    def kl_divergence(self, X: np.ndarray, posterior: np.ndarray,
                      params: KMeansParams) -> float:
        """J(μ, r) − J(μ, r*(μ)) ≥ 0: what the next E step would gain."""
        return self.log_likelihood(X, params) - self.lower_bound(X, posterior, params)

    def evaluate(self, X: np.ndarray, params: KMeansParams,
                 posterior: np.ndarray | None = None) -> Evaluation:
        """One E step gives r*(μ), −J(μ, r*), and −J(μ, r) and the gap for ``posterior``."""
        C = self._centers(X, params)
        best = _nearest(X, C)
        objective = -_distortion(X, C, best)
        if posterior is None:
            return Evaluation(objective, best, objective, 0.0)
        labels = _check_labels(posterior, len(X), self.n_clusters)
        bound = objective if np.array_equal(labels, best) else -_distortion(X, C, labels)
        return Evaluation(objective, best, bound, objective - bound)


# ---------------------------------------------------------------------------------------
# E steps that skip distances: Elkan (triangle inequality) and k-d tree filtering
# ---------------------------------------------------------------------------------------
class _LloydAssigner:
    """All N·K distances per E step."""

    def __init__(self, X: np.ndarray, k: int) -> None:
        self.X, self.k = X, k
        self.X_aug = _augment(X)
        self.n_distances = 0
        self.n_tests = 0

    def assign(self, C: np.ndarray) -> np.ndarray:
        self.n_distances += len(self.X) * self.k
        return _nearest(self.X, C, X_aug=self.X_aug)

    def moved(self, old: np.ndarray, new: np.ndarray) -> None:
        """Nothing to carry between iterations."""


class _ElkanAssigner:
    """Elkan (2003): exact nearest centres with few distances, via the triangle inequality.

    Kept between E steps: the label a(x), an upper bound u(x) ≥ ‖x − μ_a(x)‖, lower bounds
    l(x, c) ≤ ‖x − μ_c‖ for every centre, and whether u(x) is stale. With the centre–centre
    distances d(c, c') and s(c) = ½ min_{c'≠c} d(c, c'):

    1. if u(x) ≤ s(a(x)), no centre can be closer than a(x): skip x entirely;
    2. centre c needs a look only if u(x) > l(x, c) and u(x) > ½ d(a(x), c) — because
       d(x, c) ≥ d(a, c) − d(x, a) ≥ d(a, c) − u, so d(x,c) ≥ u whenever u ≤ ½ d(a, c);
    3. then make u exact (one distance, if stale) and test again; if c still passes,
       compute d(x, c) (it becomes l(x, c)) and switch if it is smaller.

    After the M step moves centre c by δ(c): l(x, c) ← max(0, l − δ(c)),
    u(x) ← u + δ(a(x)) (triangle inequality again), and every u is stale. The loop over c
    runs over the K centres; all points are processed at once with masks.
    """

    def __init__(self, X: np.ndarray, k: int) -> None:
        self.X, self.k = X, k
        n = len(X)
        self.labels = np.zeros(n, dtype=np.intp)
        self.upper = np.empty(n)
        self.lower = np.zeros((k, n))  # lower[c] is contiguous: one centre's bounds
        self.stale = np.zeros(n, dtype=bool)
        self.started = False
        self.n_distances = 0
        self.n_tests = 0  # centre–centre distances

    def _center_distances(self, C: np.ndarray) -> np.ndarray:
        diff = C[:, None, :] - C[None, :, :]
        self.n_tests += self.k * (self.k - 1) // 2
        return np.sqrt(np.einsum("ijd,ijd->ij", diff, diff))

    def _start(self, C: np.ndarray, half_cc: np.ndarray) -> None:
        """First E step (Elkan's initialisation): go through the centres in order."""
        X, a, u = self.X, self.labels, self.upper
        u[:] = _row_distances(X, C[0])
        self.lower[0] = u
        self.n_distances += len(X)
        for c in range(1, self.k):
            idx = np.flatnonzero(u > half_cc[a, c] * (1 - _MARGIN))
            if idx.size == 0:
                continue
            d = _row_distances(X[idx], C[c])
            self.n_distances += idx.size
            self.lower[c, idx] = d
            better = d < u[idx]
            a[idx[better]] = c
            u[idx[better]] = d[better]
        self.started = True

    def assign(self, C: np.ndarray) -> np.ndarray:
        cc = self._center_distances(C)
        half_cc = 0.5 * cc
        if not self.started:
            self._start(C, half_cc)
            return self.labels.copy()
        X, a, u, lower, stale = self.X, self.labels, self.upper, self.lower, self.stale
        np.fill_diagonal(half_cc, np.inf)
        s = half_cc.min(axis=1)
        np.fill_diagonal(half_cc, 0.0)
        # 1. skip the points whose upper bound is within half the distance from their centre
        #    to the nearest other centre
        active = np.flatnonzero(u * (1 + _MARGIN) > s[a])
        if active.size == 0:
            return a.copy()
        # 2. which (point, centre) pairs pass the two tests, for all active points at once
        a_act = a[active]
        threshold = np.maximum(lower[:, active].T, half_cc[a_act]) * (1 - _MARGIN)
        cand = u[active][:, None] > threshold
        cand[np.arange(active.size), a_act] = False
        keep = cand.any(axis=1)
        idx, cand, threshold = active[keep], cand[keep], threshold[keep]
        # 3a. make the stale upper bounds of those points exact, then test again
        tight = stale[idx]
        if tight.any():
            t = idx[tight]
            d = _row_distances(X[t], C[a[t]])
            self.n_distances += t.size
            u[t] = d
            lower[a[t], t] = d
            stale[t] = False
            cand[tight] &= d[:, None] > threshold[tight]
        # 3b. centre by centre (as Elkan's per-point loop does): test again with the
        #     current u and a (u only shrinks, so the tests above stay valid), then compute
        for c in range(self.k):
            pts = idx[cand[:, c]]
            if pts.size == 0:
                continue
            pts = pts[(a[pts] != c) & (u[pts] > np.maximum(lower[c, pts], half_cc[a[pts], c])
                                       * (1 - _MARGIN))]
            if pts.size == 0:
                continue
            d = _row_distances(X[pts], C[c])
            self.n_distances += pts.size
            lower[c, pts] = d
            u_pts = u[pts]
            better = (d < u_pts) | ((d == u_pts) & (c < a[pts]))
            switch = pts[better]
            a[switch] = c
            u[switch] = d[better]
        return a.copy()

    def moved(self, old: np.ndarray, new: np.ndarray) -> None:
        delta = _row_distances(new, old)
        self.lower -= delta[:, None]
        np.maximum(self.lower, 0.0, out=self.lower)
        self.upper += delta[self.labels]
        self.stale[:] = True


@dataclass(frozen=True)
class KDTree:
    """A k-d tree over the rows of X, built once (Kanungo et al. 2002, notebook 05).

    Node i holds the points ``order[start[i]:end[i]]`` (so ``X[order]`` lists every node's
    points contiguously) inside the tight box [lo[i], hi[i]]; internal nodes split the
    widest side of their box at the median into ``left[i]`` and ``right[i]``; leaves have
    ``left[i] = right[i] = -1`` and at most ``leaf_size`` points. Node 0 is the root.
    """

    order: np.ndarray
    start: np.ndarray
    end: np.ndarray
    left: np.ndarray
    right: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    leaf_size: int

    @property
    def n_nodes(self) -> int:
        return len(self.start)

    @property
    def n_leaves(self) -> int:
        return int(np.sum(self.left < 0))

    @classmethod
    def build(cls, X: Any, leaf_size: int = 32) -> KDTree:
        """Build the tree by median splits, one level at a time (a loop over depth).

        All nodes of a level are handled together: their boxes by segment-wise min/max
        (``reduceat``), their splits by one sort of their points keyed by (node, value on
        the node's widest side). Nodes are numbered level by level from the root (0).
        """
        X = _check_X(X)
        leaf_size = check_int(leaf_size, "leaf_size", low=1)
        order = np.arange(len(X))
        parts: list[tuple[np.ndarray, ...]] = []
        level_start, level_end = np.array([0]), np.array([len(X)])
        n_nodes = 0
        while level_start.size:
            points = X[order]
            lo = np.minimum.reduceat(points, level_start, axis=0)
            hi = np.maximum.reduceat(points, level_start, axis=0)
            n_nodes += level_start.size
            left = np.full(level_start.size, -1)
            right = np.full(level_start.size, -1)
            split = (level_end - level_start > leaf_size) & np.any(hi > lo, axis=1)
            parts.append((level_start, level_end, left, right, lo, hi))
            s, e = level_start[split], level_end[split]
            if s.size:
                dim = np.argmax((hi - lo)[split], axis=1)
                low = lo[split, dim]
                width = hi[split, dim] - low
                rows = _ranges(s, e)
                segment = np.repeat(np.arange(s.size), e - s)
                inside = order[rows]
                # one sort key: the node's index plus the position along its widest side,
                # scaled into [0, 0.5] (rounding can only move points across the median,
                # and any split is valid: the children's boxes are measured afterwards)
                key = segment + 0.5 * (X[inside, dim[segment]] - low[segment]) / width[segment]
                order[rows] = inside[np.argsort(key)]
                first_child = n_nodes + 2 * np.arange(s.size)
                left[split], right[split] = first_child, first_child + 1
                half = s + (e - s) // 2
            else:
                half = s
            level_start = np.column_stack([s, half]).ravel()
            level_end = np.column_stack([half, e]).ravel()
        start, end, left, right, lo, hi = (np.concatenate(column) for column in zip(*parts,
                                                                                    strict=True))
        return cls(order, start, end, left, right, lo, hi, leaf_size)


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The concatenation of arange(s, e) for every (s, e), without a Python loop."""
    lengths = ends - starts
    return np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())


class _KDTreeAssigner:
    """The filtering algorithm of Kanungo et al. (2002) on a k-d tree built once.

    Each node carries the set Z of centres that may still be nearest for some of its points.
    At a node with box B, let z* ∈ Z be the centre nearest to the box's midpoint. Another
    centre z is *farther than z* from every point of B* when it is so at the box corner v
    that lies farthest in the direction z − z* (v_d = hi_d if z_d > z*_d else lo_d):
    ‖z − v‖ > ‖z* − v‖. Such z are dropped for the whole subtree. When one centre remains,
    the node's points all get it without computing a single distance; at a leaf with
    several candidates the points' distances to those candidates are computed.

    The tree is walked level by level: all nodes of one depth are tested at once (arrays of
    shape nodes × K × D), so the Python loop runs over the tree's depth, not its nodes.
    """

    def __init__(self, X: np.ndarray, k: int, leaf_size: int) -> None:
        self.tree = KDTree.build(X, leaf_size)
        self.Xt = np.ascontiguousarray(X[self.tree.order])
        self.mid = 0.5 * (self.tree.lo + self.tree.hi)
        self.k = k
        self.n_distances = 0
        self.n_tests = 0  # centre–box tests
        self.log: list[tuple[str, np.ndarray, np.ndarray]] | None = None

    def _filter(self, C: np.ndarray, nodes: np.ndarray, node_of: np.ndarray,
                center: np.ndarray) -> np.ndarray:
        """Which (node, candidate) pairs survive: False for candidates farther than z*.

        ``node_of``/``center`` list the pairs, sorted by node and then by centre; every node
        of ``nodes`` has at least one pair.
        """
        t = self.tree
        box = nodes[node_of]
        diff = self.mid[box] - C[center]
        to_mid = np.einsum("pd,pd->p", diff, diff)
        counts = np.bincount(node_of, minlength=len(nodes))
        first = np.cumsum(counts) - counts
        nearest = np.minimum.reduceat(to_mid, first)
        hits = np.flatnonzero(to_mid == nearest[node_of])
        lead = np.ones(len(hits), dtype=bool)
        lead[1:] = node_of[hits[1:]] != node_of[hits[:-1]]
        zstar = center[hits[lead]][node_of]                          # z* of each pair's node
        z, zs = C[center], C[zstar]
        corner = np.where(z > zs, t.hi[box], t.lo[box])
        dz, ds = z - corner, zs - corner
        far = (np.einsum("pd,pd->p", dz, dz)
               > np.einsum("pd,pd->p", ds, ds) * (1 + _MARGIN) + 1e-300)
        far &= center != zstar
        self.n_tests += int(np.sum(counts[node_of] > 1))
        return ~far

    def _leaves(self, C: np.ndarray, leaves: np.ndarray, cand: np.ndarray,
                labels_t: np.ndarray) -> None:
        """Distances from the points of each leaf to that leaf's candidates only.

        Candidates are taken in increasing order, one "slot" at a time for all leaves at
        once; a point switches only to a strictly nearer centre, so ties go to the lowest.
        """
        t = self.tree
        lengths = t.end[leaves] - t.start[leaves]
        points = _ranges(t.start[leaves], t.end[leaves])              # tree positions
        leaf_of = np.repeat(np.arange(len(leaves)), lengths)
        leaf_idx, centre = np.nonzero(cand)                           # by leaf, then centre
        n_cand = np.bincount(leaf_idx, minlength=len(leaves))
        slot = np.arange(len(leaf_idx)) - (np.cumsum(n_cand) - n_cand)[leaf_idx]
        best = np.full(len(points), np.inf)
        label = np.empty(len(points), dtype=np.intp)
        for j in range(int(n_cand.max())):
            centre_j = np.full(len(leaves), -1)
            centre_j[leaf_idx[slot == j]] = centre[slot == j]
            idx = np.flatnonzero(n_cand[leaf_of] > j)
            c = centre_j[leaf_of[idx]]
            diff = self.Xt[points[idx]] - C[c]
            d2 = np.einsum("pd,pd->p", diff, diff)
            self.n_distances += len(idx)
            better = d2 < best[idx]
            best[idx[better]] = d2[better]
            label[idx[better]] = c[better]
        labels_t[points] = label

    def assign(self, C: np.ndarray) -> np.ndarray:
        t = self.tree
        labels_t = np.empty(len(self.Xt), dtype=np.intp)
        nodes = np.zeros(1, dtype=np.intp)
        node_of = np.zeros(self.k, dtype=np.intp)   # the (node, candidate) pairs of a level
        center = np.arange(self.k)
        while nodes.size:
            keep = self._filter(C, nodes, node_of, center)
            node_of, center = node_of[keep], center[keep]
            n_cand = np.bincount(node_of, minlength=len(nodes))
            done = n_cand == 1                  # the whole box goes to one centre
            if done.any():
                starts, ends = t.start[nodes[done]], t.end[nodes[done]]
                owner = center[done[node_of]]
                labels_t[_ranges(starts, ends)] = np.repeat(owner, ends - starts)
                if self.log is not None:
                    self.log.append(("settled", nodes[done], owner))
            leaf = ~done & (t.left[nodes] < 0)
            if leaf.any():
                if self.log is not None:
                    self.log.append(("open", nodes[leaf], n_cand[leaf]))
                rank = np.cumsum(leaf) - 1
                on_leaf = leaf[node_of]
                cand = np.zeros((int(leaf.sum()), self.k), dtype=bool)
                cand[rank[node_of[on_leaf]], center[on_leaf]] = True
                self._leaves(C, nodes[leaf], cand, labels_t)
            inner = ~done & ~leaf
            rank = np.cumsum(inner) - 1
            on_inner = inner[node_of]
            parent, center = rank[node_of[on_inner]], center[on_inner]
            nodes = np.column_stack([t.left[nodes[inner]], t.right[nodes[inner]]]).ravel()
            node_of = np.concatenate([2 * parent, 2 * parent + 1])
            center = np.concatenate([center, center])
            by_node = np.argsort(node_of, kind="stable")
            node_of, center = node_of[by_node], center[by_node]
        labels = np.empty_like(labels_t)
        labels[t.order] = labels_t
        return labels

    def moved(self, old: np.ndarray, new: np.ndarray) -> None:
        """Nothing to carry: the tree is fixed, the filtering starts afresh each E step."""


@dataclass(frozen=True)
class FilterResult:
    """One E step of the k-d tree filtering, for pictures (notebook 05).

    ``settled_nodes[i]`` is a node whose whole box went to centre ``settled_centers[i]``
    without any distance; ``open_leaves[i]`` a leaf where ``open_candidates[i]`` ≥ 2
    centres survived, so its points' distances to them were computed.
    """

    tree: KDTree
    labels: np.ndarray
    settled_nodes: np.ndarray
    settled_centers: np.ndarray
    open_leaves: np.ndarray
    open_candidates: np.ndarray
    n_distance_evaluations: int
    n_pruning_tests: int


def kdtree_filter(X: Any, centers: Any, leaf_size: int = 32) -> FilterResult:
    """The nearest centres of X by k-d tree filtering (Kanungo et al. 2002), with its log."""
    X = _check_X(X)
    C = _check_centers(centers, X.shape[1])
    assigner = _KDTreeAssigner(X, len(C), check_int(leaf_size, "leaf_size", low=1))
    assigner.log = []
    labels = assigner.assign(C)

    def gather(kind: str, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
        parts = [(a, b) for name, a, b in assigner.log if name == kind]
        if not parts:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=dtype)
        return (np.concatenate([a for a, _ in parts]),
                np.concatenate([b for _, b in parts]).astype(dtype))

    settled, owners = gather("settled", np.intp)
    open_leaves, n_open = gather("open", np.intp)
    return FilterResult(assigner.tree, labels, settled, owners, open_leaves, n_open,
                        assigner.n_distances, assigner.n_tests)


# ---------------------------------------------------------------------------------------
# the estimator
# ---------------------------------------------------------------------------------------
def _tolerance(X: np.ndarray, tol: float) -> float:
    """scikit-learn's convention: tol is relative to the mean variance of the features."""
    return float(np.mean(np.var(X, axis=0)) * tol) if tol > 0 else 0.0


class KMeans:
    """k-Means clustering in the scikit-learn style (notebook 05).

    Parameters
    ----------
    n_clusters:
        K, the number of centres.
    init:
        ``"k-means++"`` (D² seeding, :func:`kmeans_plusplus`), ``"random"`` (K distinct data
        points) or an array of shape (K, D) with the initial centres.
    algorithm:
        ``"lloyd"``, ``"elkan"`` or ``"kdtree"``: how the E step finds the nearest centres.
        All three give the same labels and centres from the same start (up to exact ties
        decided differently by rounding); they differ in ``n_distance_evaluations_``.
    max_iter:
        Largest number of iterations (one E step + one M step each).
    tol:
        Stop when Σ_k ‖μ_k^new − μ_k^old‖² ≤ tol · (mean variance of the features), as in
        scikit-learn. The loop also stops ("strict convergence") when an E step leaves every
        label unchanged. If it stopped for another reason, one last E step makes
        ``labels_`` the nearest centres of ``cluster_centers_``.
    random_state:
        Seed or ``numpy.random.Generator`` for the initialisation.
    leaf_size:
        Most points in a leaf of the k-d tree (``algorithm="kdtree"``).

    Attributes
    ----------
    cluster_centers_, labels_, inertia_ (= J), n_iter_, converged_, init_centers_,
    n_features_in_, n_distance_evaluations_ (point–centre distances computed in the E
    steps), distance_evaluations_per_step_ (the same, per E step), n_pruning_tests_
    (centre–centre distances for Elkan, centre–box tests for the k-d tree, 0 for Lloyd),
    n_empty_reseeded_ (empty clusters re-seeded by the M steps).
    """

    def __init__(self, n_clusters: int = 8, *, init: Init | Any = "k-means++",
                 algorithm: Algorithm = "lloyd", max_iter: int = 300, tol: float = 1e-4,
                 random_state: np.random.Generator | int | None = None,
                 leaf_size: int = 32) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.algorithm = algorithm
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.leaf_size = leaf_size

    def _check_params(self) -> tuple[int, int, float, int]:
        k = check_int(self.n_clusters, "n_clusters", low=1)
        max_iter = check_int(self.max_iter, "max_iter", low=1)
        tol = check_real(self.tol, "tol", low=0.0)
        leaf_size = check_int(self.leaf_size, "leaf_size", low=1)
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {self.algorithm!r}")
        _check_init(self.init)
        return k, max_iter, tol, leaf_size

    def fit(self, X: Any, y: Any = None) -> KMeans:
        """Run hard EM from the initial centres until convergence or ``max_iter``."""
        k, max_iter, tol, leaf_size = self._check_params()
        X = _check_X(X)
        _check_n_clusters(k, len(X))
        rng = check_rng(self.random_state, "random_state")
        centers = _initial_centers(X, k, self.init, rng)
        self.init_centers_ = centers.copy()
        if self.algorithm == "lloyd":
            assigner: Any = _LloydAssigner(X, k)
        elif self.algorithm == "elkan":
            assigner = _ElkanAssigner(X, k)
        else:
            assigner = _KDTreeAssigner(X, k, leaf_size)
        XT = np.ascontiguousarray(X.T)
        tol_abs = _tolerance(X, tol)
        labels_old: np.ndarray | None = None
        strict = converged = False
        n_empty = 0
        n_iter = 0
        per_step: list[int] = []

        def e_step(centers: np.ndarray) -> np.ndarray:
            before = assigner.n_distances
            labels = assigner.assign(centers)
            per_step.append(int(assigner.n_distances - before))
            return labels

        while n_iter < max_iter:
            n_iter += 1
            labels = e_step(centers)                          # E step
            new, empty = _update(X, labels, k, XT)            # M step
            n_empty += empty
            if labels_old is not None and np.array_equal(labels, labels_old):
                strict = converged = True                     # same labels => same centres
                centers = new
                break
            shift = float(np.sum((new - centers) ** 2))
            assigner.moved(centers, new)
            centers = new
            if shift <= tol_abs:
                converged = True
                break
            labels_old = labels
        if not strict:
            labels = e_step(centers)                          # labels_ match the centres
        self.cluster_centers_ = centers
        self.labels_ = labels
        self.inertia_ = _distortion(X, centers, labels)
        self.n_iter_ = n_iter
        self.converged_ = converged
        self.n_empty_reseeded_ = n_empty
        self.n_features_in_ = X.shape[1]
        self.n_distance_evaluations_ = int(assigner.n_distances)
        self.n_pruning_tests_ = int(assigner.n_tests)
        self.distance_evaluations_per_step_ = np.array(per_step)
        return self

    def _check_fitted_X(self, X: Any) -> np.ndarray:
        if not hasattr(self, "cluster_centers_"):
            raise RuntimeError("this KMeans is not fitted yet: call fit(X) first")
        X = _check_X(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but KMeans was fitted with "
                             f"{self.n_features_in_}")
        return X

    def predict(self, X: Any) -> np.ndarray:
        """The nearest centre of every row of X."""
        return _nearest(self._check_fitted_X(X), self.cluster_centers_)

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        """``fit(X).labels_``."""
        return self.fit(X).labels_

    def score(self, X: Any, y: Any = None) -> float:
        """−J of X with its nearest centres (scikit-learn's convention: higher is better)."""
        X = self._check_fitted_X(X)
        return -_distortion(X, self.cluster_centers_, _nearest(X, self.cluster_centers_))


# ---------------------------------------------------------------------------------------
# the bridge to chapter 06
# ---------------------------------------------------------------------------------------
def soft_assignments(X: Any, centers: Any, variance: float) -> np.ndarray:
    """Responsibilities of a GMM with equal weights and shared covariance σ²I (notebook 05).

        γ_nk = exp(−‖x_n − μ_k‖² / 2σ²) / Σ_j exp(−‖x_n − μ_j‖² / 2σ²)

    As σ² → 0, γ_nk → r_nk, the hard k-Means assignment (for points without ties).
    """
    X = _check_X(X)
    C = _check_centers(centers, X.shape[1])
    var = check_real(variance, "variance", low=0.0, low_open=True)
    logits = -squared_distances(X, C) / (2 * var)
    logits -= logits.max(axis=1, keepdims=True)
    weights = np.exp(logits)
    return weights / weights.sum(axis=1, keepdims=True)
