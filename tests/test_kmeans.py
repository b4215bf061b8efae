"""k-Means (emlib.kmeans): hard-EM laws, exact agreement of Lloyd, Elkan and the k-d tree,
agreement with scikit-learn from the same start, k-means++, empty clusters, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emlib import _kmeans_accel as accel
from emlib._validation import NotFittedError
from emlib.em import Stepper, run
from emlib.kmeans import (
    KDTree,
    KMeans,
    KMeansAssignment,
    KMeansModel,
    KMeansParams,
    distortion,
    kdtree_filter,
    kmeans_plusplus,
    kmeans_plusplus_steps,
    nearest_centers,
    random_init,
    soft_assignments,
    squared_distances,
    textbook_e_step,
    textbook_m_step,
    update_centers,
)

ALGORITHMS = ("lloyd", "elkan", "kdtree")


def blobs(seed: int, n: int = 300, d: int = 2, k: int = 4, spread: float = 4.0) -> np.ndarray:
    """n points around k random means (unit noise): continuous data, no exact ties."""
    rng = np.random.default_rng(seed)
    means = rng.uniform(-spread, spread, size=(k, d))
    return means[rng.integers(k, size=n)] + rng.standard_normal((n, d))


def assert_hard_em_laws(records) -> None:
    """−J never decreases; −J = L + gap; gap ≥ 0; gap = 0 right after an E step."""
    objective = np.array([r.log_likelihood for r in records])
    scale = max(1.0, float(np.max(np.abs(objective))))
    assert np.all(np.diff(objective) >= -1e-12 * scale), objective
    for r in records[1:]:
        assert r.kl >= -1e-12 * scale
        assert r.log_likelihood == pytest.approx(r.lower_bound + r.kl, abs=1e-9 * scale)
        if r.step == "E":
            assert r.kl == 0.0 and r.lower_bound == r.log_likelihood


# -- the objective and the two steps against brute force --------------------------------
def test_steps_match_brute_force():
    X = blobs(0, n=120, d=3, k=3)
    C = X[:5] + 0.1
    table = np.array([[np.sum((x - c) ** 2) for c in C] for x in X])
    np.testing.assert_allclose(squared_distances(X, C), table, rtol=1e-12)
    labels = nearest_centers(X, C)
    np.testing.assert_array_equal(labels, table.argmin(axis=1))
    assert distortion(X, C, labels) == pytest.approx(table.min(axis=1).sum(), rel=1e-12)
    means = update_centers(X, labels, 5)
    for k in range(5):
        np.testing.assert_allclose(means[k], X[labels == k].mean(axis=0), rtol=1e-12)


def test_m_step_minimises_j_at_fixed_assignment():
    """Moving any centre away from its cluster mean raises J(μ, r) (∂J/∂μ_k = 0 at the mean)."""
    X = blobs(1, n=200)
    labels = nearest_centers(X, X[:4])
    means = update_centers(X, labels, 4)
    best = distortion(X, means, labels)
    rng = np.random.default_rng(0)
    for _ in range(20):
        assert distortion(X, means + 0.01 * rng.standard_normal(means.shape), labels) > best


# -- hard EM through the course's loop -------------------------------------------------
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 6), d=st.integers(1, 4),
       init=st.sampled_from(["random", "k-means++"]))
def test_j_never_increases_under_run(seed, k, d, init):
    X = blobs(seed, n=80, d=d, k=3)
    trace = run(KMeansModel(k, init=init), X, max_iter=50, tol=0.0, keep="all", rng=seed)
    assert_hard_em_laws(trace.records)
    # the posterior is a label array: r*(μ) after an E step
    e_records = [r for r in trace.records if r.step == "E"]
    for r in e_records:
        np.testing.assert_array_equal(r.posterior, nearest_centers(X, r.params.centers))
        assert -r.log_likelihood == pytest.approx(distortion(X, r.params.centers, r.posterior))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(2, 7))
def test_hard_em_run_equals_the_estimator(seed, k):
    """emlib.em.run on KMeansModel visits the same centres as KMeans(algorithm='lloyd')."""
    X = blobs(seed, n=150, k=4)
    C0 = random_init(X, k, rng=seed)
    km = KMeans(k, init=C0, tol=0.0, max_iter=100).fit(X)
    trace = run(KMeansModel(k, init=C0), X, max_iter=100, tol=0.0)
    np.testing.assert_array_equal(trace.params.centers, km.cluster_centers_)
    assert -trace.records[-1].log_likelihood == pytest.approx(km.inertia_, rel=1e-12)


def test_stepper_m_before_e_refused_and_undo_restores():
    X = blobs(2)
    s = Stepper(KMeansModel(3, init="random"), X, rng=0)
    with pytest.raises(ValueError, match="E step"):
        s.m()
    s.iterate()
    before = s.params.centers.copy()
    s.e()
    s.m()
    s.undo()
    s.undo()
    np.testing.assert_array_equal(s.params.centers, before)
    assert_hard_em_laws(s.trace.records)


# -- the three algorithms agree exactly ------------------------------------------------
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(20, 600), d=st.integers(1, 5),
       k=st.integers(1, 9), leaf=st.sampled_from([1, 4, 16, 64]),
       init=st.sampled_from(["random", "k-means++"]), tol=st.sampled_from([0.0, 1e-4]))
def test_lloyd_elkan_kdtree_agree_exactly(seed, n, d, k, leaf, init, tol):
    X = blobs(seed, n=n, d=d, k=4)
    k = min(k, n)
    fits = {a: KMeans(k, init=init, algorithm=a, tol=tol, max_iter=60, random_state=seed,
                      leaf_size=leaf).fit(X) for a in ALGORITHMS}
    lloyd = fits["lloyd"]
    assert lloyd.n_distance_evaluations_ == n * k * len(lloyd.distance_evaluations_per_step_)
    for name in ("elkan", "kdtree"):
        other = fits[name]
        np.testing.assert_array_equal(other.init_centers_, lloyd.init_centers_)
        np.testing.assert_array_equal(other.labels_, lloyd.labels_)
        np.testing.assert_array_equal(other.cluster_centers_, lloyd.cluster_centers_)
        assert other.inertia_ == lloyd.inertia_
        assert other.n_iter_ == lloyd.n_iter_
        assert other.n_distance_evaluations_ <= lloyd.n_distance_evaluations_


def test_speedups_compute_far_fewer_distances_on_clustered_data():
    X = blobs(5, n=8_000, d=4, k=12, spread=12.0)
    C0 = kmeans_plusplus(X, 12, rng=5)
    counts = {a: KMeans(12, init=C0, algorithm=a, tol=0.0).fit(X).n_distance_evaluations_
              for a in ALGORITHMS}
    assert counts["elkan"] < 0.2 * counts["lloyd"]
    assert counts["kdtree"] < 0.2 * counts["lloyd"]


@pytest.mark.parametrize("engine", ["numpy", "numba"])
def test_elkan_bounds_are_valid_after_each_e_step(engine):
    """The invariants Elkan relies on: u ≥ ‖x − μ_a‖ and l(x, c) ≤ ‖x − μ_c‖."""
    if engine == "numba":
        pytest.importorskip("numba")
    X = blobs(8, n=400, d=3, k=5)
    C = X[:5].copy()
    bounds = None
    for _ in range(6):
        new_bounds, _, _, extras = accel.elkan_assign(X, C, bounds, engine=engine)
        if extras is not None:   # J(μ, a), J(μ, previous a), N_k, S_k from the same loop
            best, bound, counts, sums = extras
            assert best == pytest.approx(distortion(X, C, new_bounds.labels), rel=1e-12)
            assert bound == pytest.approx(distortion(X, C, bounds.labels), rel=1e-12)
            np.testing.assert_array_equal(counts, np.bincount(new_bounds.labels, minlength=5))
        labels = new_bounds.labels
        true = np.sqrt(squared_distances(X, C))
        np.testing.assert_array_equal(labels, true.argmin(axis=1))
        assert np.all(new_bounds.upper >= true[np.arange(len(X)), labels] * (1 - 1e-12))
        assert np.all(new_bounds.lower <= true * (1 + 1e-12) + 1e-12)
        if bounds is not None:  # the old state is never changed in place
            assert bounds.upper is not new_bounds.upper and bounds.lower is not new_bounds.lower
        bounds, C = new_bounds, update_centers(X, labels, 5)


def test_kdtree_is_a_valid_partition_with_tight_boxes():
    X = blobs(9, n=1000, d=3)
    tree = KDTree.build(X, leaf_size=16)
    assert sorted(tree.order) == list(range(len(X)))
    leaves = np.flatnonzero(tree.left < 0)
    assert np.all(tree.end[leaves] - tree.start[leaves] <= 16)
    assert sum(tree.end[leaves] - tree.start[leaves]) == len(X)
    for node in range(tree.n_nodes):
        pts = X[tree.order[tree.start[node]:tree.end[node]]]
        np.testing.assert_array_equal(pts.min(axis=0), tree.lo[node])
        np.testing.assert_array_equal(pts.max(axis=0), tree.hi[node])
        if tree.left[node] >= 0:
            assert tree.start[tree.left[node]] == tree.start[node]
            assert tree.end[tree.right[node]] == tree.end[node]
    result = kdtree_filter(X, X[:6], leaf_size=16)
    np.testing.assert_array_equal(result.labels, nearest_centers(X, X[:6]))
    # every point is either in a settled box or in an open leaf, exactly once
    covered = np.concatenate([np.arange(tree.start[n], tree.end[n])
                              for n in [*result.settled_nodes, *result.open_leaves]])
    assert sorted(covered) == list(range(len(X)))


def test_duplicate_points_and_ties_agree():
    """Integer data with many exact ties: all three algorithms break ties to the lowest k."""
    rng = np.random.default_rng(3)
    X = rng.integers(0, 4, size=(200, 2)).astype(float)
    init = np.array([[0.0, 0.0], [2.0, 0.0], [1.0, 2.0], [3.0, 3.0]])
    fits = [KMeans(4, init=init, algorithm=a, tol=0.0).fit(X) for a in ALGORITHMS]
    for other in fits[1:]:
        np.testing.assert_array_equal(other.labels_, fits[0].labels_)
        np.testing.assert_array_equal(other.cluster_centers_, fits[0].cluster_centers_)


# -- scikit-learn from the same initial centres ----------------------------------------
@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
@pytest.mark.parametrize("seed,n,d,k", [(0, 500, 2, 3), (1, 2000, 5, 8), (2, 1500, 3, 6),
                                       (3, 300, 8, 10)])
def test_agrees_with_scikit_learn(algorithm, seed, n, d, k):
    """tol = 0 on both sides: scikit-learn's strict convergence (labels unchanged) is ours
    (J unchanged), with the same number of iterations."""
    from sklearn.cluster import KMeans as SKKMeans

    X = blobs(seed, n=n, d=d, k=5)
    C0 = kmeans_plusplus(X, k, rng=seed)
    ref = SKKMeans(n_clusters=k, init=C0, n_init=1, max_iter=300, tol=0.0,
                   algorithm=algorithm).fit(X)
    for ours_alg in ALGORITHMS:
        ours = KMeans(k, init=C0, algorithm=ours_alg, max_iter=300, tol=0.0).fit(X)
        np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=0,
                                   atol=1e-8)
        np.testing.assert_array_equal(ours.labels_, ref.labels_)
        assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-10)
        assert ours.n_iter_ == ref.n_iter_
        np.testing.assert_array_equal(ours.predict(X[:50]), ref.predict(X[:50]))
        assert ours.score(X) == pytest.approx(ref.score(X), rel=1e-10)


def test_old_faithful_standardised_agrees_with_scikit_learn():
    from sklearn.cluster import KMeans as SKKMeans

    from emlib.datasets import load_old_faithful

    X, _ = load_old_faithful()
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    C0 = kmeans_plusplus(X, 2, rng=0)
    ours = KMeans(2, init=C0, algorithm="elkan", tol=0.0).fit(X)
    ref = SKKMeans(2, init=C0, n_init=1, tol=0.0).fit(X)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, atol=1e-10)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)


# -- k-means++ -------------------------------------------------------------------------
def test_plusplus_steps_show_the_d2_sampling():
    X = blobs(4, n=150)
    steps = kmeans_plusplus_steps(X, 5, rng=7)
    np.testing.assert_array_equal(steps[-1].centers, kmeans_plusplus(X, 5, rng=7))
    assert steps[0].d2 is None
    for i, step in enumerate(steps[1:], start=1):
        d2 = squared_distances(X, steps[i - 1].centers).min(axis=1)
        np.testing.assert_allclose(step.d2, d2, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(step.probabilities, d2 / d2.sum())
        assert step.probabilities[step.chosen] > 0        # a chosen centre is never repeated
        np.testing.assert_array_equal(step.centers[-1], X[step.chosen])
    assert len({s.chosen for s in steps}) == 5


def test_plusplus_draws_follow_d2():
    """Two far groups (1 point vs 99): after a first draw in the big group, the lone point
    has D² ≈ 10⁶ against ≈ 1 for the rest, so it is drawn second almost always."""
    X = np.vstack([np.random.default_rng(0).standard_normal((99, 2)), [[1000.0, 1000.0]]])
    hits = sum(99 in [s.chosen for s in kmeans_plusplus_steps(X, 2, rng=seed)]
               for seed in range(200))
    assert hits == 200


def test_plusplus_on_identical_points_draws_uniformly():
    X = np.ones((10, 2))
    centers = kmeans_plusplus(X, 3, rng=0)
    np.testing.assert_array_equal(centers, np.ones((3, 2)))
    km = KMeans(3, random_state=0, algorithm="elkan").fit(X)
    assert km.inertia_ == 0.0


# -- empty clusters --------------------------------------------------------------------
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_empty_cluster_is_reseeded_at_the_farthest_point(algorithm):
    X = blobs(6, n=200, k=2)
    far_away = np.array([[1e3, 1e3], [-1e3, 1e3]])
    init = np.vstack([X[:2], far_away])        # clusters 2 and 3 get no point at first
    labels = nearest_centers(X, init)
    assert set(labels) <= {0, 1}
    means = update_centers(X, labels, 4)
    own = np.array([means[labels[n]] for n in range(len(X))])
    order = np.argsort(-np.sum((X - own) ** 2, axis=1), kind="stable")
    np.testing.assert_array_equal(means[2], X[order[0]])
    np.testing.assert_array_equal(means[3], X[order[1]])
    km = KMeans(4, init=init, algorithm=algorithm, tol=0.0).fit(X)
    assert km.n_empty_reseeded_ >= 2
    assert len(np.unique(km.labels_)) == 4
    ref = KMeans(4, init=init, algorithm="lloyd", tol=0.0).fit(X)
    np.testing.assert_array_equal(km.cluster_centers_, ref.cluster_centers_)
    trace = run(KMeansModel(4, init=init), X, max_iter=30, tol=0.0)
    assert_hard_em_laws(trace.records)


# -- the bridge to GMMs ----------------------------------------------------------------
def test_soft_assignments_harden_as_variance_shrinks():
    X = blobs(10, n=100)
    C = X[:3]
    hard = nearest_centers(X, C)
    soft = soft_assignments(X, C, 1e-4)
    np.testing.assert_allclose(soft, np.eye(3)[hard], atol=1e-6)
    wide = soft_assignments(X, C, 1e6)
    np.testing.assert_allclose(wide, 1 / 3, atol=1e-4)


# -- bad input -------------------------------------------------------------------------
@pytest.mark.parametrize("make, error, match", [
    (lambda X: KMeans(11).fit(X[:10]), ValueError, "n_clusters=11 must be <= n_samples=10"),
    (lambda X: KMeans(0).fit(X), ValueError, "n_clusters"),
    (lambda X: KMeans(2.5).fit(X), TypeError, "n_clusters"),
    (lambda X: KMeans(2).fit(np.where(np.arange(len(X))[:, None] == 3, np.nan, X)),
     ValueError, "X contains NaN or infinite"),
    (lambda X: KMeans(2).fit(np.where(np.arange(len(X))[:, None] == 3, np.inf, X)),
     ValueError, "X contains NaN or infinite"),
    (lambda X: KMeans(2).fit(X[:, 0]), ValueError, "X must have 2 dimension"),
    (lambda X: KMeans(2).fit(X[None]), ValueError, "X must have 2 dimension"),
    (lambda X: KMeans(2).fit(np.empty((0, 2))), ValueError, "X needs at least 1 row"),
    (lambda X: KMeans(2).fit("abc"), TypeError, "X must be array-like"),
    (lambda X: KMeans(2, init=np.zeros((3, 2))).fit(X), ValueError,
     r"init must have shape \(n_clusters, n_features\) = \(2, 2\), got \(3, 2\)"),
    (lambda X: KMeans(2, init=np.zeros((2, 3))).fit(X), ValueError, "init must have shape"),
    (lambda X: KMeans(2, init=np.array([[0.0, np.nan], [1, 1]])).fit(X), ValueError,
     "init contains NaN"),
    (lambda X: KMeans(2, init="kmeans++").fit(X), ValueError, r"init must be 'k-means\+\+'"),
    (lambda X: KMeans(2, algorithm="hamerly").fit(X), ValueError, "algorithm must be one of"),
    (lambda X: KMeans(2, max_iter=-1).fit(X), ValueError, "max_iter"),
    (lambda X: KMeans(2, max_iter=True).fit(X), TypeError, "max_iter"),
    (lambda X: KMeans(2, tol=-1.0).fit(X), ValueError, "tol"),
    (lambda X: KMeans(2, tol=float("nan")).fit(X), ValueError, "tol"),
    (lambda X: KMeans(2, random_state=-1).fit(X), ValueError, "random_state"),
    (lambda X: KMeans(2, random_state=1.5).fit(X), TypeError, "random_state"),
    (lambda X: KMeans(True).fit(X), TypeError, "n_clusters"),
    (lambda X: KMeans(2, algorithm=None).fit(X), ValueError, "algorithm must be one of"),
    (lambda X: KMeans(2, algorithm="kdtree", leaf_size=0).fit(X), ValueError, "leaf_size"),
    (lambda X: KMeans(2).fit(np.empty((5, 0))), ValueError, "at least one feature"),
    (lambda X: KMeansModel(2).e_step(X, X[:2]), TypeError, "params must be a KMeansParams"),
    (lambda X: KMeansModel(2).m_step(X, np.zeros(3, dtype=int)), ValueError, "labels must"),
    (lambda X: KMeansModel(2).lower_bound(X, np.full(len(X), 2), KMeansParams(X[:2])),
     ValueError, "labels must lie in"),
    (lambda X: nearest_centers(X, X[:2, :1]), ValueError, "centers must have shape"),
    (lambda X: KMeans(2).fit(X).predict(X[:, :1]), ValueError,
     "X has 1 features, but KMeans was fitted with 2"),
    (lambda X: KMeans(2).predict(X), NotFittedError, "not fitted"),
    (lambda X: KMeansModel(5, init=np.zeros((4, 2))), None, None),
    (lambda X: run(KMeansModel(300), X), ValueError, "n_clusters=300 must be <= n_samples"),
    (lambda X: update_centers(X, np.full(len(X), 5), 3), ValueError, r"labels must lie in"),
    (lambda X: distortion(X, X[:2], np.zeros(3, dtype=int)), ValueError, "labels must be"),
    (lambda X: soft_assignments(X, X[:2], 0.0), ValueError, "variance"),
    (lambda X: KDTree.build(X, leaf_size=0), ValueError, "leaf_size"),
])
def test_bad_input_raises_a_clear_error(make, error, match):
    X = blobs(11, n=40)
    if error is None:
        make(X)  # construction is fine; the shape is checked when the data are known
        with pytest.raises(ValueError, match=r"init must have shape .*\(5, 2\)"):
            run(KMeansModel(5, init=np.zeros((4, 2))), X)
        return
    with pytest.raises(error, match=match):
        make(X)


def test_widget_steps_and_draws_trails():
    from emlib.views.kmeans import kmeans_stepper

    X = blobs(12, n=120)
    w = kmeans_stepper(X, 3, random_state=1)
    assert w.stepper.record.step == "init"
    w.buttons["E+M"].click()
    assert w.shown.step == "M" and w.shown.iteration == 1
    J = distortion(X, w.shown.params.centers, w.shown.posterior)
    assert f"J(μ, r) = {J:.4f}" in w.label.value and f"{J:.4f}" in repr(w)
    assert isinstance(w.shown.params, KMeansParams)
    png = w.picture.value
    w.buttons["Run"].click()
    assert w.picture.value != png
    assert w.stepper.trace.converged
    assert_hard_em_laws(w.stepper.trace.records)
    with pytest.raises(ValueError, match="2 features"):
        kmeans_stepper(np.zeros((10, 3)), 2)


# -- the textbook steps and the fast engines give the same numbers ----------------------
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(30, 400), d=st.integers(1, 5),
       k=st.integers(1, 8), algorithm=st.sampled_from(ALGORITHMS))
def test_textbook_steps_equal_the_fast_paths(seed, n, d, k, algorithm):
    X = blobs(seed, n=n, d=d, k=4)
    model = KMeansModel(k, init="random", algorithm=algorithm, leaf_size=8)
    params = model.init_params(X, np.random.default_rng(seed))
    q = model.e_step(X, params)
    assert isinstance(q, KMeansAssignment)
    labels = textbook_e_step(X, params.centers)
    np.testing.assert_array_equal(q.labels, labels)
    np.testing.assert_array_equal(np.asarray(q), labels)
    if np.all(np.bincount(labels, minlength=k) > 0):   # the textbook M step has no re-seeding
        np.testing.assert_allclose(model.m_step(X, q).centers,
                                   textbook_m_step(X, labels, k), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(update_centers(X, labels, k),
                                   textbook_m_step(X, labels, k), rtol=1e-12, atol=1e-12)


def test_numba_and_numpy_lloyd_passes_agree(monkeypatch):
    pytest.importorskip("numba")
    rng = np.random.default_rng(0)
    X = blobs(13, n=3000, d=6, k=9)
    C = X[rng.choice(len(X), 9, replace=False)]
    old = rng.integers(0, 9, size=len(X))
    m = C.mean(axis=0)
    numpy_labels, numpy_best, numpy_bound, none = accel.lloyd_pass(X, C, m, old, engine="numpy")
    numba_labels, numba_best, numba_bound, stats = accel.lloyd_pass(X, C, m, old,
                                                                    engine="numba")
    assert none is None
    counts, sums = accel.cluster_statistics(X - m, numpy_labels, 9)
    np.testing.assert_array_equal(stats[0], counts)
    np.testing.assert_allclose(stats[1], sums, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(numba_labels, numpy_labels)
    np.testing.assert_array_equal(numba_labels, textbook_e_step(X, C))
    assert numba_best == pytest.approx(numpy_best, rel=1e-12)
    assert numba_bound == pytest.approx(numpy_bound, rel=1e-12)
    # whole fits: the compiled engines (forced by a low threshold) = the numpy ones
    C0 = kmeans_plusplus(X, 9, rng=1)
    plain = {a: KMeans(9, init=C0, algorithm=a, tol=0.0).fit(X) for a in ("lloyd", "elkan")}
    monkeypatch.setattr(accel, "NUMBA_MIN_DISTANCES", 0)
    for a in ("lloyd", "elkan"):
        fast = KMeans(9, init=C0, algorithm=a, tol=0.0).fit(X)
        np.testing.assert_array_equal(fast.labels_, plain[a].labels_)
        np.testing.assert_allclose(fast.cluster_centers_, plain[a].cluster_centers_,
                                   rtol=1e-12, atol=1e-12)
        assert fast.n_iter_ == plain[a].n_iter_
        assert_hard_em_laws(fast.trace_.records)


# -- one loop: the estimator is em.run, with the laws and the fitted names ---------------
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_estimator_has_the_trace_of_the_one_loop(algorithm):
    X = blobs(14, n=500, d=3, k=5)
    km = KMeans(5, algorithm=algorithm, tol=0.0, random_state=3).fit(X)
    assert_hard_em_laws(km.trace_.records)
    assert km.n_iter_ == km.trace_.n_iter and km.converged_
    assert km.inertia_ == pytest.approx(-km.trace_.records[-1].log_likelihood, rel=1e-12)
    assert km.lower_bound_ == km.trace_.records[-1].lower_bound
    np.testing.assert_array_equal(km.labels_, nearest_centers(X, km.cluster_centers_))
    assert len(km.distance_evaluations_per_step_) == km.n_iter_ + 1
    # the same run by hand
    trace = run(KMeansModel(5, init=km.init_centers_, algorithm=algorithm), X,
                max_iter=km.n_iter_, tol=None)
    np.testing.assert_array_equal(trace.params.centers, km.cluster_centers_)


def test_max_iter_zero_and_tol_semantics():
    X = blobs(15, n=400, d=2, k=4)
    C0 = random_init(X, 4, rng=2)
    km = KMeans(4, init=C0, max_iter=0).fit(X)
    assert km.n_iter_ == 0 and not km.converged_
    np.testing.assert_array_equal(km.cluster_centers_, C0)
    np.testing.assert_array_equal(km.labels_, nearest_centers(X, C0))
    exact = KMeans(4, init=C0, tol=None, max_iter=7).fit(X)
    assert exact.n_iter_ == 7 and not exact.converged_
    # tol > 0: stop at the first iteration that lowers J by less than tol · J₁
    tol = 1e-3
    km = KMeans(4, init=C0, tol=tol, max_iter=300).fit(X)
    J = -km.trace_.column("log_likelihood")
    drops = J[[0, *range(2, len(J), 2)]]                # J at θ⁽⁰⁾ and after every M step
    drops = drops[:-1] - drops[1:]
    scale = tol * np.sum((X - X.mean(axis=0)) ** 2)
    assert km.converged_ and drops[-1] < scale and np.all(drops[:-1] >= scale)


@pytest.mark.parametrize("algorithm", ["elkan", "kdtree"])
def test_stepper_with_engine_state_undo_and_laws(algorithm):
    """Elkan's bounds and the tree travel in the posterior: undo and redo give the same
    path as Lloyd's, and no earlier state is changed in place."""
    X = blobs(16, n=300, d=2, k=4)
    C0 = random_init(X, 4, rng=4)
    s = Stepper(KMeansModel(4, init=C0, algorithm=algorithm), X, KMeansParams(C0))
    for _ in range(3):
        s.iterate()
    kept = s.posterior
    upper = None if algorithm == "kdtree" else kept.state.upper.copy()
    s.iterate()
    s.undo()
    s.undo()
    if upper is not None:
        np.testing.assert_array_equal(kept.state.upper, upper)
    s.run(max_iter=100, tol=0.0)
    lloyd = run(KMeansModel(4, init=C0), X, max_iter=100, tol=0.0)
    np.testing.assert_array_equal(s.params.centers, lloyd.params.centers)
    assert_hard_em_laws(s.trace.records)


# -- answers that do not depend on where the data sit (issue 11) ------------------------
def three_blobs(seed: int = 0, n: int = 2000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    means = np.array([[0.0, 0.0], [6.0, 1.0], [2.0, 7.0]])
    return means[rng.integers(3, size=n)] + rng.standard_normal((n, 2))


@pytest.mark.parametrize("shift", [1e8, 1e10])
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_far_from_the_origin_agrees_with_scikit_learn(shift, algorithm):
    from sklearn.cluster import KMeans as SKKMeans

    X = three_blobs() + shift
    C0 = np.array([[0.0, 0.0], [6.0, 1.0], [2.0, 7.0]]) + shift + 0.5
    ref = SKKMeans(3, init=C0, n_init=1, tol=0.0).fit(X)
    ours = KMeans(3, init=C0, algorithm=algorithm, tol=0.0).fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.cluster_centers_ - shift, ref.cluster_centers_ - shift,
                               atol=1e-5)
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-6)
    # the same data at the origin: same labels, J unchanged up to the data's own rounding
    near = KMeans(3, init=C0 - shift, algorithm=algorithm, tol=0.0).fit(X - shift)
    np.testing.assert_array_equal(ours.labels_, near.labels_)
    assert ours.inertia_ == pytest.approx(near.inertia_, rel=1e-6)
    assert_hard_em_laws(ours.trace_.records)


@pytest.mark.parametrize("shift", [1e8, 1e10])
def test_nearest_centers_and_predict_far_from_the_origin(shift):
    X = three_blobs(1)
    C = np.array([[0.5, 0.2], [5.5, 1.5], [2.5, 6.0]])
    truth = textbook_e_step(X, C)
    np.testing.assert_array_equal(nearest_centers(X + shift, C + shift), truth)
    km = KMeans(3, init=C + shift, max_iter=0).fit(X + shift)
    np.testing.assert_array_equal(km.predict(X + shift), truth)
    # a row's label depends on that row and the centres only, not on the rest of the batch
    row = X[:1] + shift
    assert km.predict(row)[0] == km.predict(np.vstack([row, [[1e15, -1e15]]]))[0]


@pytest.mark.parametrize("scale", [1e-150, 1e150])
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_scaling_the_data_scales_the_answer(scale, algorithm):
    X = three_blobs(2, n=500)
    C0 = kmeans_plusplus(X, 3, rng=0)
    unit = KMeans(3, init=C0, algorithm=algorithm, tol=0.0).fit(X)
    scaled = KMeans(3, init=C0 * scale, algorithm=algorithm, tol=0.0).fit(X * scale)
    np.testing.assert_array_equal(scaled.labels_, unit.labels_)
    np.testing.assert_allclose(scaled.cluster_centers_ / scale, unit.cluster_centers_,
                               rtol=1e-12, atol=1e-12)
    assert scaled.inertia_ / scale**2 == pytest.approx(unit.inertia_, rel=1e-10)
    assert scaled.n_iter_ == unit.n_iter_


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_constant_data_duplicates_and_k_equal_n(algorithm):
    const = np.full((25, 3), 7.25)
    km = KMeans(3, algorithm=algorithm, random_state=0, tol=0.0).fit(const)
    assert km.inertia_ == 0.0 and km.converged_
    np.testing.assert_array_equal(km.cluster_centers_, np.full((3, 3), 7.25))
    assert_hard_em_laws(km.trace_.records)
    # every point twice: the same centres, twice the distortion
    X = blobs(17, n=200, d=2, k=3)
    C0 = kmeans_plusplus(X, 3, rng=1)
    once = KMeans(3, init=C0, algorithm=algorithm, tol=0.0).fit(X)
    twice = KMeans(3, init=C0, algorithm=algorithm, tol=0.0).fit(np.vstack([X, X]))
    np.testing.assert_allclose(twice.cluster_centers_, once.cluster_centers_, rtol=1e-12)
    assert twice.inertia_ == pytest.approx(2 * once.inertia_, rel=1e-12)
    # K = N: every point its own centre
    small = X[:12]
    own = KMeans(12, algorithm=algorithm, random_state=2, tol=0.0).fit(small)
    assert own.inertia_ == pytest.approx(0.0, abs=1e-24)   # each centre = its point ± 1 ulp
    np.testing.assert_allclose(own.cluster_centers_[own.labels_], small, rtol=0, atol=1e-14)
    assert sorted(own.labels_) == list(range(12))


@pytest.mark.parametrize("scale", [1e200, 1e-200])
def test_data_whose_squared_distances_overflow_or_underflow_is_refused(scale):
    X = blobs(18, n=50) * scale
    for make in (lambda: KMeans(3, random_state=0).fit(X),
                 lambda: nearest_centers(X, X[:3]),
                 lambda: kmeans_plusplus(X, 3, rng=0),
                 lambda: run(KMeansModel(3), X, rng=0)):
        with pytest.raises(ValueError, match="X (and centers together )?spans? .* squared"):
            make()
    fitted = KMeans(3, random_state=0).fit(X / scale)
    if scale > 1:  # (tiny rows beside centres of size 1 are fine: the span is ~1)
        with pytest.raises(ValueError, match="X (and centers together )?spans?"):
            fitted.predict(X)
