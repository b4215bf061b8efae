"""emlib.kmeans.KMeans (lloyd, elkan, kdtree) against sklearn.cluster.KMeans.

Same data (N = 200 000 points from 16 Gaussian blobs in D = 8), same initial centres
(k-means++ drawn once), same number of iterations (max_iter = ITERATIONS, tol = 0, which
neither side reaches the end of before), in one process. Each case's setup checks that
both sides end at the same centres (to 1e-8) and writes the distance counts into the note.
"""

from __future__ import annotations

import numpy as np
from harness import Case
from sklearn.cluster import KMeans as SKKMeans

from emlib.datasets import make_gaussian_blobs
from emlib.kmeans import KMeans, kmeans_plusplus

N, D, K = 200_000, 8, 16
ITERATIONS = 30
_rng = np.random.default_rng(0)
_X = make_gaussian_blobs(N, _rng.uniform(-5, 5, size=(K, D)), rng=_rng).X
_INIT = kmeans_plusplus(_X, K, rng=1)
_LLOYD_DISTANCES: list[int] = []


def _ours(algorithm: str) -> KMeans:
    return KMeans(K, init=_INIT, algorithm=algorithm, max_iter=ITERATIONS, tol=0.0).fit(_X)


def _theirs(algorithm: str) -> SKKMeans:
    return SKKMeans(n_clusters=K, init=_INIT, n_init=1, max_iter=ITERATIONS, tol=0.0,
                    algorithm=algorithm).fit(_X)


def _setup(case: Case, algorithm: str, peer: str) -> None:
    ours, theirs = _ours(algorithm), _theirs(peer)
    gap = float(np.abs(ours.cluster_centers_ - theirs.cluster_centers_).max())
    assert gap <= 1e-8, f"centres differ by {gap:.2e}"
    assert ours.n_iter_ == theirs.n_iter_ == ITERATIONS, (ours.n_iter_, theirs.n_iter_)
    if algorithm == "lloyd":
        _LLOYD_DISTANCES.append(ours.n_distance_evaluations_)
        case.note = f"time ratio <= 1.5; centres equal (max diff {gap:.1e})"
    else:
        lloyd = _LLOYD_DISTANCES[0] if _LLOYD_DISTANCES else N * K * (ITERATIONS + 1)
        share = ours.n_distance_evaluations_ / lloyd
        case.note = (f"distances <= 20% of Lloyd's: {ours.n_distance_evaluations_:,} = "
                     f"{share:.1%}; centres equal (max diff {gap:.1e})")


def _case(name: str, algorithm: str, peer: str, repeat: int) -> Case:
    case = Case(f"{name}, N={N:,}, D={D}, K={K}, {ITERATIONS} iterations",
                lambda: _ours(algorithm).inertia_, lambda: _theirs(peer).inertia_,
                f"sklearn KMeans(algorithm='{peer}')", repeat=repeat)
    case.setup = lambda: _setup(case, algorithm, peer)
    return case


CASES = [
    _case("Lloyd", "lloyd", "lloyd", repeat=3),
    _case("Elkan", "elkan", "elkan", repeat=2),
    _case("k-d tree", "kdtree", "elkan", repeat=2),
]
