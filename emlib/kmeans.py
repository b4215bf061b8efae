"""k-Means as hard EM, k-means++ seeding, and two exact speed-ups (chapter ``05_kmeans``).

k-Means (k-均值) looks for K centres μ_1..μ_K and a 1-of-K assignment r_nk ∈ {0, 1},
Σ_k r_nk = 1, that minimise the distortion

    J(μ, r) = Σ_n Σ_k r_nk ‖x_n − μ_k‖².

It is coordinate descent on J, which the course reads as *hard EM*; the two steps, as the
slides write them, are the first two functions of this module:

* E step (r at fixed μ):  r_nk = 1 for k = argmin_j ‖x_n − μ_j‖², else 0;
* M step (μ at fixed r):  μ_k = Σ_n r_nk x_n / Σ_n r_nk   (the mean of cluster k).

Neither step can raise J and there are finitely many assignments, so the loop stops after
finitely many iterations, at a *local* minimum that depends on the start.
:class:`KMeansModel` is this pair of steps as an :class:`emlib.em.EMModel` whose objective
is −J, so that "the objective never decreases" reads as in every chapter:

    log_likelihood = −J(μ, r*(μ))   with r*(μ) the best assignment for μ,
    lower_bound    = −J(μ, r)       for the current assignment r (the "q"),
    kl             = J(μ, r) − J(μ, r*(μ)) ≥ 0   (0 right after an E step).

The assignment ("posterior") is a :class:`KMeansAssignment`: the label array
(``labels[n] = k`` ⇔ r_nk = 1; ``np.asarray(q)`` gives it) plus what the E step learnt on the
way — the M step's statistics N_k and Σ_{r_n=k} x_n, and the state of the fast engines.

:class:`KMeans` is the scikit-learn style estimator; it fits through :func:`emlib.em.run`.
Its three algorithms compute the same E step (the nearest centre of every point) and share
one M step, so from the same start they return the same labels and centres; they differ in
how many point–centre distances they compute (``n_distance_evaluations_``); the engines
live in :mod:`emlib._kmeans_accel`:

* ``"lloyd"``: all N·K distances per E step, one matrix product per block of points, on
  data centred at the mean of the centres (so the answer does not depend on where the
  data sit: ‖x‖² − 2x·μ + ‖μ‖² on raw data far from the origin loses every digit);
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

from . import _kmeans_accel as accel
from ._kmeans_accel import FilterResult, KDTree, row_distances
from ._validation import as_float_array, check_int, check_is_fitted, check_real, check_rng
from .em import EMModel, Evaluation, Statistics, Trace
from .estimator import EMEstimator

__all__ = [
    "FilterResult",
    "KDTree",
    "KMeans",
    "KMeansAssignment",
    "KMeansStatistics",
    "KMeansModel",
    "KMeansParams",
    "PlusPlusStep",
    "check_centers",
    "check_points",
    "distortion",
    "kdtree_filter",
    "kmeans_plusplus",
    "kmeans_plusplus_indices",
    "kmeans_plusplus_steps",
    "nearest_centers",
    "random_init",
    "soft_assignments",
    "squared_distances",
    "textbook_e_step",
    "textbook_m_step",
    "update_centers",
]

Init = Literal["k-means++", "random"]
Algorithm = Literal["lloyd", "elkan", "kdtree"]
ALGORITHMS = ("lloyd", "elkan", "kdtree")


# ---------------------------------------------------------------------------------------
# the two steps as the textbook writes them (plain numpy; the fast engines must agree)
# ---------------------------------------------------------------------------------------
def textbook_e_step(X: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """E step: r_nk = 1 for k = argmin_j ‖x_n − μ_j‖² (returned as the label r_n = k)."""
    X = check_points(X)
    centers = check_centers(centers, X.shape[1])
    distances = ((X[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)   # (N, K)
    return distances.argmin(axis=1)


def textbook_m_step(X: np.ndarray, labels: np.ndarray, n_clusters: int) -> np.ndarray:
    """M step: μ_k = Σ_n r_nk x_n / Σ_n r_nk, the mean of the points of cluster k.

    (Every cluster must own a point here; :meth:`KMeansModel.m_step` re-seeds empty ones.)
    """
    X = check_points(X)
    labels = _check_labels(labels, len(X), check_int(n_clusters, "n_clusters", low=1))
    R = np.eye(n_clusters)[labels]                                         # r_nk, (N, K)
    return (R.T @ X) / R.sum(axis=0)[:, None]


# ---------------------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------------------
def check_points(X: Any, name: str = "X") -> np.ndarray:
    """``X`` as a C-contiguous float (N, D) array with N ≥ 1 and D ≥ 1 finite entries."""
    X = as_float_array(X, name, ndim=2, min_rows=1)
    if X.shape[1] < 1:
        raise ValueError(f"{name} needs at least one feature (column), got shape {X.shape}")
    return np.ascontiguousarray(X)


def check_centers(centers: Any, n_features: int, name: str = "centers",
                  n_clusters: int | None = None) -> np.ndarray:
    """``centers`` as a float (K, D) array with D = ``n_features`` (and K = ``n_clusters``)."""
    C = as_float_array(centers, name, ndim=2)
    if C.shape[1] != n_features or C.shape[0] < 1 or (
            n_clusters is not None and C.shape[0] != n_clusters):
        want = f"({n_clusters if n_clusters is not None else 'K'}, {n_features})"
        raise ValueError(f"{name} must have shape (n_clusters, n_features) = {want}, "
                         f"got {C.shape}")
    return np.ascontiguousarray(C)


def _check_scale(X: np.ndarray, centers: np.ndarray | None = None, name: str = "X") -> None:
    """k-Means computes squared distances: over the span of X (and the centres) they must
    neither overflow float64 (N·D·span² < max) nor underflow (span² ≥ the smallest normal
    number); otherwise J is inf, or every distance rounds to 0 and the labels are noise."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    if centers is not None:
        lo, hi = np.minimum(lo, centers.min(axis=0)), np.maximum(hi, centers.max(axis=0))
    with np.errstate(over="ignore"):
        span = float(np.max(hi - lo))
    if span == 0.0:
        return  # constant data: every distance is exactly 0
    info = np.finfo(float)
    if not span < np.sqrt(info.max / (4.0 * X.size)) or span < np.sqrt(info.tiny):
        what = "underflow to 0" if span < 1 else "overflow"
        what_spans = f"{name} spans" if centers is None else f"{name} and centers together span"
        raise ValueError(f"{what_spans} {span:.3g} in one coordinate: its squared distances "
                         f"would {what} in float64; rescale them (e.g. divide by the data's "
                         "standard deviation)")


def _check_n_clusters(n_clusters: Any, n_samples: int) -> int:
    k = check_int(n_clusters, "n_clusters", low=1)
    if k > n_samples:
        raise ValueError(f"n_clusters={k} must be <= n_samples={n_samples}: k-Means needs at "
                         "least one point per cluster to start")
    return k


def _check_labels(labels: Any, n_samples: int, n_clusters: int) -> np.ndarray:
    try:
        r = np.asarray(labels)
    except ValueError:  # ragged nested sequences
        raise ValueError(f"labels must be an integer array of shape ({n_samples},), got a "
                         "ragged sequence") from None
    if r.shape != (n_samples,) or not np.issubdtype(r.dtype, np.integer):
        raise ValueError(f"labels must be an integer array of shape ({n_samples},), "
                         f"got {r.dtype} {r.shape}")
    if r.size and (r.min() < 0 or r.max() >= n_clusters):
        raise ValueError(f"labels must lie in 0..{n_clusters - 1}")
    return r.astype(np.intp, copy=False)


def _check_init(init: Any) -> Any:
    if isinstance(init, str):
        if init not in ("k-means++", "random"):
            raise ValueError(f"init must be 'k-means++', 'random' or an array of shape "
                             f"(n_clusters, n_features), got {init!r}")
        return init
    return as_float_array(init, "init", ndim=2)


# ---------------------------------------------------------------------------------------
# the steps and the objective, fast and checked (notebook 05)
# ---------------------------------------------------------------------------------------
def squared_distances(X: Any, centers: Any) -> np.ndarray:
    """The (N, K) table ‖x_n − μ_k‖², computed directly (exact up to rounding).

    Small inputs only (notebook 05); the algorithms never build the whole table.
    """
    X = check_points(X)
    C = check_centers(centers, X.shape[1])
    _check_scale(X, C)
    return ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)


def _nearest(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Lloyd's assignment with the data centred at the mean of the centres."""
    return accel.lloyd_pass(X, C, accel.column_mean(C))[0]


def nearest_centers(X: Any, centers: Any) -> np.ndarray:
    """The E step: r_n = argmin_k ‖x_n − μ_k‖² for every point (ties: the lowest k).

    Vectorised as ‖x̃‖² − 2x̃·μ̃ + ‖μ̃‖² with x̃ = x − m, μ̃ = μ − m centred at the mean m of
    the centres (one matrix product per block of points): a row's label depends on that
    row and the centres only, wherever the data sit.
    """
    X = check_points(X)
    C = check_centers(centers, X.shape[1])
    _check_scale(X, C)
    return _nearest(X, C)


def _distortion(X: np.ndarray, C: np.ndarray, labels: np.ndarray) -> float:
    return accel.distortions(X, C, labels)[0]


def distortion(X: Any, centers: Any, labels: Any) -> float:
    """J(μ, r) = Σ_n ‖x_n − μ_{r_n}‖² for labels r (the k-Means objective, notebook 05)."""
    X = check_points(X)
    C = check_centers(centers, X.shape[1])
    _check_scale(X, C)
    return _distortion(X, C, _check_labels(labels, len(X), len(C)))


def _centers_from_statistics(X: np.ndarray, labels: np.ndarray, offset: np.ndarray,
                             counts: np.ndarray, sums: np.ndarray) -> np.ndarray:
    """μ_k = m + S_k / N_k (S_k = Σ_{r_n=k} (x_n − m)); empty clusters re-seeded."""
    centers = offset + sums / np.maximum(counts, 1)[:, None]
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        # farthest points from their own cluster's new mean, farthest first (ties: lowest n)
        diff = X - centers[labels]
        far = np.argsort(-np.einsum("nd,nd->n", diff, diff), kind="stable")[:empty.size]
        centers[empty] = X[far]
    return centers


def update_centers(X: Any, labels: Any, n_clusters: int) -> np.ndarray:
    """The M step: μ_k = Σ_n r_nk x_n / Σ_n r_nk, the mean of each cluster.

    An empty cluster (Σ_n r_nk = 0) gets the data point farthest from its own cluster's
    mean (several empty clusters: the farthest points, farthest first). Notebook 05.
    """
    X = check_points(X)
    k = check_int(n_clusters, "n_clusters", low=1, high=max(len(X), 1))
    labels = _check_labels(labels, len(X), k)
    offset = accel.column_mean(X)
    counts, sums = accel.cluster_statistics(X - offset, labels, k)
    return _centers_from_statistics(X, labels, offset, counts, sums)


# ---------------------------------------------------------------------------------------
# seeding: random and k-means++
# ---------------------------------------------------------------------------------------
def random_init(X: Any, n_clusters: int, rng: np.random.Generator | int | None = None
                ) -> np.ndarray:
    """K distinct data points chosen uniformly at random as the initial centres."""
    X = check_points(X)
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
    d2 = row_distances(X, X[first]) ** 2
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
        np.minimum(d2, row_distances(X, X[index]) ** 2, out=d2)
    return X[chosen].copy(), steps, np.array(chosen)


def kmeans_plusplus(X: Any, n_clusters: int, rng: np.random.Generator | int | None = None
                    ) -> np.ndarray:
    """k-means++ seeding (Arthur & Vassilvitskii 2007): the initial centres, (K, D).

    The first centre is a data point drawn uniformly; each next one is a data point drawn
    with probability D(x)² / Σ D(x')², where D(x) is the distance from x to the nearest
    centre chosen so far. Expected J of the seeding alone is O(log K)·optimal. Notebook 05.
    """
    X = check_points(X)
    k = _check_n_clusters(n_clusters, len(X))
    _check_scale(X)
    return _plusplus(X, k, check_rng(rng), keep_steps=False)[0]


def kmeans_plusplus_indices(X: Any, n_clusters: int,
                            rng: np.random.Generator | int | None = None) -> np.ndarray:
    """The row numbers of the K points that :func:`kmeans_plusplus` picks as centres.

    Same D² draws (P(x) ∝ D(x)²) and same random numbers; chapter 06 seeds a Gaussian
    mixture's components with them.
    """
    X = check_points(X)
    k = _check_n_clusters(n_clusters, len(X))
    _check_scale(X)
    return _plusplus(X, k, check_rng(rng), keep_steps=False)[2]


def kmeans_plusplus_steps(X: Any, n_clusters: int, rng: np.random.Generator | int | None = None
                          ) -> list[PlusPlusStep]:
    """The draws of :func:`kmeans_plusplus` one by one, with their D² tables (notebook 05).

    Same random numbers as :func:`kmeans_plusplus`: the last step's ``centers`` are its
    result for the same ``rng``.
    """
    X = check_points(X)
    k = _check_n_clusters(n_clusters, len(X))
    _check_scale(X)
    return _plusplus(X, k, check_rng(rng), keep_steps=True)[1]


def _initial_centers(X: np.ndarray, k: int, init: Any, rng: np.random.Generator) -> np.ndarray:
    if isinstance(init, str):
        if init == "k-means++":
            return _plusplus(X, k, rng, keep_steps=False)[0]
        return X[rng.choice(len(X), size=k, replace=False)].copy()
    return check_centers(init, X.shape[1], "init", k).copy()


def kdtree_filter(X: Any, centers: Any, leaf_size: int = 32) -> FilterResult:
    """The nearest centres of X by k-d tree filtering (Kanungo et al. 2002), with its log."""
    X = check_points(X)
    C = check_centers(centers, X.shape[1])
    return accel.filter_with_log(X, C, check_int(leaf_size, "leaf_size", low=1))


# ---------------------------------------------------------------------------------------
# hard EM as an EMModel
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KMeansParams:
    """θ of k-Means: the (K, D) array of centres μ_k."""

    centers: np.ndarray


@dataclass(frozen=True, eq=False)
class KMeansAssignment:
    """q of hard EM: the labels r*(μ) of one E step, and what that E step learnt on the way.

    ``labels[n] = k`` ⇔ r_nk = 1 (``np.asarray(q)`` is the label array). The M step's
    sufficient statistics come from the same pass: ``counts`` N_k = Σ_n r_nk and ``sums``
    S_k = Σ_n r_nk (x_n − m), centred at ``offset`` m (the mean of the centres at the first
    E step of the run, carried from one E step to the next), so μ_k = m + S_k / N_k is
    accurate far from the origin and equal labels give bit for bit equal centres.
    ``centers`` are the μ at which the labels were chosen.
    ``state`` is the engine's memory for the next E step (Elkan's bounds, the k-d tree).
    ``distance_counts`` lists the point–centre distances of every E step of the run so far,
    ``n_pruning_tests`` the centre–centre (Elkan) or centre–box (k-d tree) tests, and
    ``n_empty_reseeded`` the empty clusters the M steps before this E step re-seeded.
    """

    labels: np.ndarray
    centers: np.ndarray
    offset: np.ndarray
    counts: np.ndarray
    sums: np.ndarray
    state: Any = None
    distance_counts: tuple[int, ...] = ()
    n_pruning_tests: int = 0
    n_empty_reseeded: int = 0

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.labels if dtype is None else self.labels.astype(dtype)

    def __len__(self) -> int:
        return len(self.labels)


class KMeansModel(EMModel):
    """k-Means as hard EM (notebook 05): the objective is −J, the posterior the labels.

    ``e_step`` returns r*(μ) (nearest centre, found by ``algorithm``: "lloyd", "elkan" or
    "kdtree"); ``m_step`` the cluster means (with empty-cluster re-seeding);
    ``log_likelihood`` = −J(μ, r*(μ)); ``lower_bound`` = −J(μ, r);
    ``kl_divergence`` = J(μ, r) − J(μ, r*(μ)) ≥ 0. These names keep the laws of
    :mod:`emlib.em` (the objective never decreases, objective = bound + gap, gap 0 after E).
    ``evaluate`` does it all in one pass; given the previous :class:`KMeansAssignment` it
    reuses its engine state (Elkan's bounds, the k-d tree).
    """

    objective_name = "−J"

    def __init__(self, n_clusters: int, init: Init | Any = "k-means++",
                 algorithm: Algorithm = "lloyd", leaf_size: int = 32) -> None:
        self.n_clusters = check_int(n_clusters, "n_clusters", low=1)
        self.init = _check_init(init)
        if not isinstance(algorithm, str) or algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
        self.algorithm = algorithm
        self.leaf_size = check_int(leaf_size, "leaf_size", low=1)

    def validate_data(self, X: Any) -> np.ndarray:
        X = check_points(X)
        _check_n_clusters(self.n_clusters, len(X))
        init = None if isinstance(self.init, str) else check_centers(
            self.init, X.shape[1], "init", self.n_clusters)
        _check_scale(X, init)
        return X

    def init_params(self, X: np.ndarray, rng: np.random.Generator) -> KMeansParams:
        return KMeansParams(_initial_centers(X, self.n_clusters, self.init, rng))

    def _centers(self, X: np.ndarray, params: Any) -> np.ndarray:
        if not isinstance(params, KMeansParams):
            raise TypeError(f"params must be a KMeansParams, got {type(params).__name__}")
        return check_centers(params.centers, X.shape[1], "params.centers", self.n_clusters)

    def _labels(self, X: np.ndarray, posterior: Any) -> np.ndarray:
        if (isinstance(posterior, KMeansAssignment) and len(posterior) == len(X)
                and len(posterior.counts) == self.n_clusters):
            return posterior.labels   # made by an E step of this model: already checked
        return _check_labels(posterior, len(X), self.n_clusters)

    def _assign(self, X: np.ndarray, C: np.ndarray, offset: np.ndarray,
                old: np.ndarray | None, previous: KMeansAssignment | None
                ) -> tuple[np.ndarray, float, float, Any, Any, int, int]:
        """(labels, J(μ, r*), J(μ, old), statistics or None, engine state, distances,
        pruning tests)."""
        n, k = X.shape[0], self.n_clusters
        if self.algorithm == "lloyd":
            labels, best, bound, stats = accel.lloyd_pass(X, C, offset, old)
            return labels, best, bound, stats, None, n * k, 0
        state = None if previous is None else previous.state
        if self.algorithm == "elkan":
            bounds = state if isinstance(state, accel.ElkanBounds) and len(
                state.labels) == n and (old is None or old is state.labels) else None
            state, n_distances, n_tests, extras = accel.elkan_assign(X, C, bounds, offset)
            labels = state.labels
            if extras is not None:   # the compiled loop added J and the statistics up
                best, bound, counts, sums = extras
                return labels, best, bound, (counts, sums), state, n_distances, n_tests
        else:
            if not (isinstance(state, accel.KDTreeFilter) and len(state.Xt) == n
                    and state.tree.leaf_size == self.leaf_size):
                state = accel.KDTreeFilter(X, self.leaf_size)
            labels, n_distances, n_tests = state.assign(C)
        best, bound = accel.distortions(X, C, labels, old)
        return labels, best, bound, None, state, n_distances, n_tests

    def evaluate(self, X: np.ndarray, params: KMeansParams,
                 posterior: Any = None) -> Evaluation:
        """One pass: r*(μ) with −J(μ, r*), and −J(μ, r) and the gap for ``posterior``.

        The new assignment carries the M step's statistics (so the M step needs no pass).
        """
        C = self._centers(X, params)
        previous = posterior if isinstance(posterior, KMeansAssignment) else None
        old = None if posterior is None else self._labels(X, posterior)
        # the centring point m: chosen once per chain of E steps (the mean of the first
        # centres), so that the same labels give bit for bit the same centres again
        offset = accel.column_mean(C) if previous is None else previous.offset
        labels, best, bound, stats, state, n_distances, n_tests = self._assign(
            X, C, offset, old, previous)
        counts, sums = stats if stats is not None else accel.cluster_statistics(
            X - offset, labels, self.n_clusters)
        history = () if previous is None else previous.distance_counts
        tests = 0 if previous is None else previous.n_pruning_tests
        reseeded = 0 if previous is None else (previous.n_empty_reseeded
                                               + int(np.sum(previous.counts == 0)))
        q = KMeansAssignment(labels, C, offset, counts, sums, state,
                             (*history, n_distances), tests + n_tests, reseeded)
        return Evaluation(-best, q, -bound, bound - best, -best, 0.0)

    def e_step(self, X: np.ndarray, params: KMeansParams) -> KMeansAssignment:
        """r*(μ): the label of the nearest centre of every point."""
        return self.evaluate(X, params).posterior

    def m_step(self, X: np.ndarray, posterior: Any) -> KMeansParams:
        """μ_k = mean of the points labelled k (empty clusters re-seeded, see module doc)."""
        labels = self._labels(X, posterior)
        if isinstance(posterior, KMeansAssignment):
            q = posterior
            return KMeansParams(_centers_from_statistics(X, labels, q.offset, q.counts,
                                                         q.sums))
        offset = accel.column_mean(X)
        counts, sums = accel.cluster_statistics(X - offset, labels, self.n_clusters)
        return KMeansParams(_centers_from_statistics(X, labels, offset, counts, sums))

    def expected_statistics(self, X: np.ndarray, posterior: Any) -> KMeansStatistics:
        """N_k, Σ_{r_n=k} (x_n − m) and the K points farthest from their centres, of X.

        Sums over rows, so the statistics of parts of the data add (map and reduce,
        chapter 12). Hard EM's q is a label per row: "expected" counts are counts.
        """
        X = self.validate_data(X)
        labels = self._labels(X, posterior)
        if isinstance(posterior, KMeansAssignment) and len(posterior) == len(X):
            offset, counts, sums = posterior.offset, posterior.counts, posterior.sums
            centers = posterior.centers
        else:
            offset = accel.column_mean(X)
            counts, sums = accel.cluster_statistics(X - offset, labels, self.n_clusters)
            centers = offset + sums / np.maximum(counts, 1)[:, None]
        distances = row_distances(X, centers[labels])
        far = np.argsort(-distances, kind="stable")[:self.n_clusters]
        return KMeansStatistics(np.asarray(counts, float), np.asarray(sums, float), offset,
                                X[far], distances[far])

    def params_from_statistics(self, stats: KMeansStatistics) -> KMeansParams:
        """μ_k = m + S_k / N_k; an empty cluster takes the farthest point the parts sent.

        With no empty cluster this is the M step exactly; :meth:`m_step` re-seeds an empty
        cluster with the point farthest from its cluster's *new* mean, which needs a second
        look at the data: there the two may differ.
        """
        centers = stats.offset + stats.sums / np.maximum(stats.counts, 1)[:, None]
        empty = np.flatnonzero(stats.counts == 0)
        centers[empty] = stats.far_points[:empty.size]
        return KMeansParams(centers)

    def log_likelihood(self, X: np.ndarray, params: KMeansParams) -> float:
        """−J(μ, r*(μ)): minus the distortion with the best assignment for μ."""
        return self.evaluate(X, params).log_likelihood

    def lower_bound(self, X: np.ndarray, posterior: Any, params: KMeansParams) -> float:
        """−J(μ, r) for the assignment r = ``posterior``."""
        return self.evaluate(X, params, posterior).lower_bound

    def kl_divergence(self, X: np.ndarray, posterior: Any, params: KMeansParams) -> float:
        """J(μ, r) − J(μ, r*(μ)) ≥ 0: what the next E step would gain."""
        return self.evaluate(X, params, posterior).kl


@dataclass(frozen=True, eq=False)
class KMeansStatistics(Statistics):
    """What a part of the data tells the M step of k-Means (chapter ``12_em_at_scale``).

    ``counts`` N_k and ``sums`` Σ_{r_n=k} (x_n − m) about an ``offset`` m (the same for
    every part: the mean of the centres the labels were chosen at), so μ_k = m + S_k/N_k.
    For empty clusters each part also sends its K points farthest from their assigned
    centres (``far_points``, ``far_distances``); the reduce keeps the K farthest of all.
    Parts with different offsets are moved to the first one's before adding.
    """

    counts: np.ndarray
    sums: np.ndarray
    offset: np.ndarray
    far_points: np.ndarray
    far_distances: np.ndarray

    def __add__(self, other: Any) -> Any:
        if type(other) is not type(self):
            return NotImplemented
        shifted = other.sums + other.counts[:, None] * (other.offset - self.offset)
        points = np.concatenate([self.far_points, other.far_points])
        distances = np.concatenate([self.far_distances, other.far_distances])
        keep = np.argsort(-distances, kind="stable")[:len(self.counts)]
        return KMeansStatistics(self.counts + other.counts, self.sums + shifted, self.offset,
                                points[keep], distances[keep])

    def __mul__(self, factor: float) -> Any:
        return NotImplemented  # counts of hard assignments are not scaled (no online k-Means)


# ---------------------------------------------------------------------------------------
# the estimator
# ---------------------------------------------------------------------------------------
class KMeans(EMEstimator):
    """k-Means clustering in the scikit-learn style (notebook 05), fitted by :func:`emlib.em.run`.

    Parameters
    ----------
    n_clusters:
        K, the number of centres (≤ the number of points).
    init:
        ``"k-means++"`` (D² seeding, :func:`kmeans_plusplus`), ``"random"`` (K distinct data
        points) or an array of shape (K, D) with the initial centres.
    algorithm:
        ``"lloyd"``, ``"elkan"`` or ``"kdtree"``: how the E step finds the nearest centres.
        All three give the same labels and centres from the same start (up to exact ties
        decided differently by rounding); they differ in ``n_distance_evaluations_``.
    max_iter:
        Largest number of EM iterations (one E step + one M step each), ≥ 0.
    tol:
        Stop when one iteration lowers J by less than ``tol`` · J₁, where
        J₁ = Σ_n ‖x_n − x̄‖² is the distortion of one centre at the mean (so ``tol`` does
        not depend on the data's units). ``tol=0`` stops when an iteration leaves J
        unchanged — the labels stopped changing, scikit-learn's "strict convergence", with
        the same ``n_iter_``; ``tol=None`` runs exactly ``max_iter`` iterations.
    random_state:
        None, an int ≥ 0 or a ``numpy.random.Generator`` for the initialisation.
    leaf_size:
        Most points in a leaf of the k-d tree (``algorithm="kdtree"``).

    Attributes
    ----------
    cluster_centers_, labels_ (the nearest centres of ``cluster_centers_``), inertia_ (= J),
    n_iter_, converged_, trace_ (−J, −J(μ, r) and the gap per half-step), lower_bound_,
    init_centers_, n_features_in_, n_distance_evaluations_ (point–centre distances computed
    in the E steps), distance_evaluations_per_step_ (the same, per E step),
    n_pruning_tests_ (centre–centre distances for Elkan, centre–box tests for the k-d tree,
    0 for Lloyd), n_empty_reseeded_ (empty clusters re-seeded by the M steps).
    """

    def __init__(self, n_clusters: int = 8, *, init: Init | Any = "k-means++",
                 algorithm: Algorithm = "lloyd", max_iter: int = 300,
                 tol: float | None = 1e-4,
                 random_state: np.random.Generator | int | None = None,
                 leaf_size: int = 32) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.algorithm = algorithm
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.leaf_size = leaf_size

    def _make_model(self) -> KMeansModel:
        return KMeansModel(self.n_clusters, init=self.init, algorithm=self.algorithm,
                           leaf_size=self.leaf_size)

    def _initial_params(self, model: Any, X: np.ndarray, rng: np.random.Generator
                        ) -> KMeansParams:
        params = model.init_params(X, rng)
        self.init_centers_ = params.centers.copy()
        return params

    def _run_tol(self, X: np.ndarray) -> float | None:
        if self.tol is None:
            return None
        spread = float(np.sum((X - accel.column_mean(X)) ** 2))           # J₁, two-pass
        # tol = 0: stop when J did not drop at all (the smallest positive float)
        return max(self.tol * spread, float(np.finfo(float).smallest_subnormal))

    def _set_fitted(self, model: Any, X: np.ndarray, trace: Trace) -> None:
        # r*(μ) of the final centres (run's trace ends with the q that made them)
        final = model.evaluate(X, trace.params, trace.posterior).posterior
        self.cluster_centers_ = trace.params.centers
        self.labels_ = final.labels
        self.inertia_ = _distortion(X, self.cluster_centers_, final.labels)
        self.n_features_in_ = X.shape[1]
        self.distance_evaluations_per_step_ = np.array(final.distance_counts)
        self.n_distance_evaluations_ = int(sum(final.distance_counts))
        self.n_pruning_tests_ = final.n_pruning_tests
        self.n_empty_reseeded_ = final.n_empty_reseeded

    def _check_fitted_X(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "cluster_centers_")
        X = check_points(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but KMeans was fitted with "
                             f"{self.n_features_in_}")
        _check_scale(X, self.cluster_centers_)
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
    X = check_points(X)
    C = check_centers(centers, X.shape[1])
    var = check_real(variance, "variance", low=0.0, low_open=True)
    logits = -squared_distances(X, C) / (2 * var)
    logits -= logits.max(axis=1, keepdims=True)
    weights = np.exp(logits)
    return weights / weights.sum(axis=1, keepdims=True)
