"""The distance counts chapter 05 tabulates (moved out of the notebook): Lloyd, Elkan and
the k-d tree give the same fit from the same start, and the accelerated E steps compute a
small share of Lloyd's distances, the smaller the more clusters there are."""

from __future__ import annotations

import numpy as np
import pytest

from emlib.datasets import make_gaussian_blobs
from emlib.kmeans import KMeans, kmeans_plusplus


@pytest.mark.parametrize(("n", "k", "at_most"), [(2_000, 4, 0.3), (2_000, 16, 0.2),
                                                 (10_000, 16, 0.05)])
def test_accelerated_e_steps_compute_a_small_share_of_the_distances(n, k, at_most):
    data = make_gaussian_blobs(n, np.random.default_rng(k).uniform(-10, 10, (k, 4)),
                               rng=n + k).X
    init = kmeans_plusplus(data, k, rng=0)
    fits = {a: KMeans(k, init=init, algorithm=a, tol=0.0).fit(data)
            for a in ("lloyd", "elkan", "kdtree")}
    lloyd = fits["lloyd"]
    assert lloyd.n_distance_evaluations_ == n * k * (lloyd.n_iter_ + 1)  # + the final labels
    for name in ("elkan", "kdtree"):
        fit = fits[name]
        assert fit.n_iter_ == lloyd.n_iter_
        assert np.array_equal(fit.labels_, lloyd.labels_)
        np.testing.assert_allclose(fit.cluster_centers_, lloyd.cluster_centers_, atol=1e-12)
        assert fit.n_distance_evaluations_ <= at_most * lloyd.n_distance_evaluations_
