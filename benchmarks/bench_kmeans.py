"""emlib.kmeans.KMeans (lloyd, elkan, kdtree) against sklearn.cluster.KMeans.

Same data (N = 200 000 points from 16 Gaussian blobs in D = 8), same initial centres
(k-means++ drawn once), same number of iterations (max_iter = ITERATIONS, tol = 0, which
neither side reaches the end of before), in one process. emlib fits through the one EM
loop (``emlib.em.run``, with −J, the bound and the gap recorded per half-step). Each case's
setup (untimed; it also loads the compiled Lloyd loop) checks that both sides end at the
same centres (to 1e-8) and writes the distance counts into the note: the point–centre
distances of all E steps, as a share of Lloyd's N·K per E step.

    PYTHONPATH=. python benchmarks/run.py kmeans
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
        case.note = (f"time ratio <= 1.5; centres equal (max diff {gap:.1e}); "
                     f"{ours.n_distance_evaluations_:,} distances")
    else:
        lloyd = N * K * len(ours.distance_evaluations_per_step_)
        share = ours.n_distance_evaluations_ / lloyd
        case.note = (f"distances: {ours.n_distance_evaluations_:,} = {share:.1%} of Lloyd's; "
                     f"centres equal (max diff {gap:.1e})")


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
