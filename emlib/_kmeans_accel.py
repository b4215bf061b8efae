"""The fast E steps of k-Means (chapter ``05_kmeans``): Lloyd in BLAS blocks, Elkan, k-d tree.

:mod:`emlib.kmeans` states the two steps as the textbook writes them; this module holds the
three engines that compute the *same* assignment r_n = argmin_k ‖x_n − μ_k‖² quickly:

* :func:`lloyd_pass` — all N·K distances, in blocks of rows, by one matrix product per
  block with **centred** data: for a centring point m (the mean of the centres),

      ‖x − μ‖² = ‖x̃‖² − 2 x̃·μ̃ + ‖μ̃‖²,   x̃ = x − m, μ̃ = μ − m.

  Without the centring the three terms are ~‖x‖² each and their difference loses every
  digit when the data sit far from the origin (issue 11: blobs shifted by 1e10);
* :class:`ElkanBounds` / :func:`elkan_assign` — Elkan (2003), triangle-inequality bounds
  that skip most distances (the bounds are the state an E step hands to the next);
* :class:`KDTree` / :class:`KDTreeFilter` — the filtering algorithm of Kanungo et al.
  (2002): whole boxes of points get their centre without any distance.

and :func:`cluster_statistics`, the M step's sufficient statistics (N_k, Σ_{r_n=k} x̃_n)
by one sparse-matrix product. Nothing here validates its input: :mod:`emlib.kmeans` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import as_float_array, check_int

__all__ = [
    "ElkanBounds",
    "FilterResult",
    "KDTree",
    "KDTreeFilter",
    "cluster_statistics",
    "distortions",
    "elkan_assign",
    "lloyd_pass",
    "row_distances",
]

#: Largest number of rows per block in the chunked computations (bounds memory to CHUNK·K).
CHUNK = 8192
#: Relative safety margin of the pruning tests: a centre is skipped only when a bound says
#: it is farther by more than rounding error, so ties and near-ties are always computed.
_MARGIN = 1e-9


def _chunk(n_features: int, n_clusters: int) -> int:
    """Rows per block: small enough that BLAS stays on one thread (OpenBLAS goes parallel
    above m·n·k = 2¹⁸; threads don't pay for an inner dimension of D and hurt on a busy
    machine), and the block of rows·K floats stays in cache."""
    return int(np.clip(2**18 // (n_clusters * (n_features + 1)), 256, CHUNK))


def column_mean(A: np.ndarray) -> np.ndarray:
    """The column means of A, computed as min + mean(A − min): a sum of values near 1e300
    would overflow, their offsets from the minimum do not (k-Means checks the span)."""
    low = A.min(axis=0)
    return low + (A - low).mean(axis=0)


def row_distances(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """‖x_i − c_i‖ row by row (C broadcastable to X), computed directly (no cancellation)."""
    diff = X - C
    return np.sqrt(np.einsum("nd,nd->n", diff, diff))


# ---------------------------------------------------------------------------------------
# Lloyd: all distances, one matrix product per block of rows
# ---------------------------------------------------------------------------------------
def _lloyd_rows(X: np.ndarray, C: np.ndarray, offset: np.ndarray, weights: np.ndarray,
                norms: np.ndarray, old: np.ndarray, has_old: bool, labels: np.ndarray,
                counts: np.ndarray, sums: np.ndarray
                ) -> tuple[float, float]:  # pragma: no cover - compiled by Numba
    """:func:`lloyd_pass` as one loop over the rows, for Numba (no N×K block at all);
    it also adds up the M step's statistics N_k (``counts``) and S_k (``sums``)."""
    n, d = X.shape
    k = weights.shape[1]
    b = np.empty(k)
    x = np.empty(d)
    best = bound = 0.0
    for i in range(n):
        for t in range(d):
            x[t] = X[i, t] - offset[t]
        for j in range(k):
            b[j] = norms[j]
        for t in range(d):
            v = x[t]
            for j in range(k):
                b[j] += v * weights[t, j]
        arg, low = 0, b[0]
        for j in range(1, k):
            if b[j] < low:
                arg, low = j, b[j]
        labels[i] = arg
        counts[arg] += 1
        for t in range(d):
            sums[arg, t] += x[t]
        near = far = 0.0
        for t in range(d):
            e = X[i, t] - C[arg, t]
            near += e * e
        best += near
        if has_old:
            for t in range(d):
                e = X[i, t] - C[old[i], t]
                far += e * e
            bound += far
    return best, bound


_COMPILED: dict[str, Any] = {}
#: E steps over at least this many point–centre pairs (N·K) use the Numba loops when
#: Numba is installed; smaller ones (every notebook) stay in numpy and never compile.
NUMBA_MIN_DISTANCES = 1_000_000


def _compiled(function: Any) -> Any:
    """``function`` compiled by Numba (``cache=True``: once per machine), or None."""
    name = function.__name__
    if name not in _COMPILED:
        try:
            import numba
        except ImportError:  # pragma: no cover - numba is optional
            _COMPILED[name] = None
        else:
            _COMPILED[name] = numba.njit(cache=True, nogil=True)(function)
    return _COMPILED[name]


def _use_numba(engine: str, n_pairs: int) -> Any:
    if engine not in ("auto", "numpy", "numba"):
        raise ValueError(f"engine must be 'auto', 'numpy' or 'numba', got {engine!r}")
    use = engine == "numba" or (engine == "auto" and n_pairs >= NUMBA_MIN_DISTANCES)
    if use and _compiled(_lloyd_rows) is None and engine == "numba":
        raise ImportError("engine='numba' needs the numba package")
    return use and _compiled(_lloyd_rows) is not None


def lloyd_pass(X: np.ndarray, C: np.ndarray, offset: np.ndarray,
               old: np.ndarray | None = None, engine: str = "auto"
               ) -> tuple[np.ndarray, float, float, tuple[np.ndarray, np.ndarray] | None]:
    """Nearest centres of the rows of X, the distortions J(μ, r) and J(μ, old), and (from
    the compiled loop only, else None) the statistics of :func:`cluster_statistics`.

    The labels are r_n = argmin_k b_nk (ties: the lowest k) with
    b_nk = ‖μ̃_k‖² − 2 x̃_n·μ̃_k = ‖x̃_n − μ̃_k‖² − ‖x̃_n‖², computed on data centred at
    ``offset`` m (x̃ = x − m, μ̃ = μ − m). J(μ, r) = Σ_n ‖x_n − μ_{r_n}‖² and J(μ, old) (=
    J(μ, r) when ``old`` is None) are summed from direct differences.

    ``engine``: "numpy" (per block of rows: one matrix product and one argmin; then
    :func:`distortions`), "numba" (the same arithmetic as one compiled loop over the rows),
    or "auto": Numba for N·K ≥ :data:`NUMBA_MIN_DISTANCES` when it is installed.
    """
    n, k = len(X), len(C)
    Cc = C - offset
    weights = np.ascontiguousarray(-2.0 * Cc.T)   # C order: BLAS is ~2× faster with it
    norms = np.einsum("kd,kd->k", Cc, Cc)
    labels = np.empty(n, dtype=np.intp)
    if _use_numba(engine, n * k):
        compiled = _compiled(_lloyd_rows)
        has_old = old is not None
        counts = np.zeros(k, dtype=np.intp)
        sums = np.zeros((k, X.shape[1]))
        best, bound = compiled(X, C, offset, weights, norms, old if has_old else labels,
                               has_old, labels, counts, sums)
        return labels, best, (bound if has_old else best), (counts, sums)
    step = _chunk(C.shape[1], k)
    block = np.empty((min(step, n), k))
    for start in range(0, n, step):
        stop = min(start + step, n)
        b = block[:stop - start]
        np.matmul(X[start:stop] - offset, weights, out=b)
        b += norms
        np.argmin(b, axis=1, out=labels[start:stop])
    return (labels, *distortions(X, C, labels, old), None)


def distortions(X: np.ndarray, C: np.ndarray, labels: np.ndarray,
                old: np.ndarray | None = None) -> tuple[float, float]:
    """J(μ, r) = Σ_n ‖x_n − μ_{r_n}‖² from direct differences (accurate wherever the data
    sit), and the same for the labels ``old`` (= J(μ, r) when None or equal)."""
    def j(lab: np.ndarray) -> float:
        total = 0.0
        for start in range(0, len(X), CHUNK):
            diff = X[start:start + CHUNK] - C[lab[start:start + CHUNK]]
            total += float(np.einsum("nd,nd->", diff, diff))
        return total

    best = j(labels)
    return best, (best if old is None or np.array_equal(old, labels) else j(old))


def cluster_statistics(Xc: np.ndarray, labels: np.ndarray, n_clusters: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """The M step's sufficient statistics: N_k = Σ_n r_nk and S_k = Σ_n r_nk x̃_n.

    S = Rᵀ X̃ with R the sparse (N, K) one-hot matrix of the labels: one pass, no Python
    loop over clusters or features.
    """
    from scipy import sparse  # (here: importing emlib.kmeans stays light)

    n = len(labels)
    counts = np.bincount(labels, minlength=n_clusters)
    onehot = sparse.csr_array((np.ones(n), labels, np.arange(n + 1)), shape=(n, n_clusters))
    return counts, np.asarray(onehot.T @ Xc)


# ---------------------------------------------------------------------------------------
# Elkan (2003): bounds carried from one E step to the next
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ElkanBounds:
    """Elkan's state after an E step at centres ``centers``: for every point its label a(x),
    an upper bound u(x) ≥ ‖x − μ_a(x)‖ and lower bounds l(x, c) ≤ ‖x − μ_c‖ (``lower`` is
    N × K: row n holds point n's bounds). Never modified in place."""

    centers: np.ndarray
    labels: np.ndarray
    upper: np.ndarray
    lower: np.ndarray


def _center_distances(C: np.ndarray) -> np.ndarray:
    diff = C[:, None, :] - C[None, :, :]
    return np.sqrt(np.einsum("ijd,ijd->ij", diff, diff))


def _elkan_start(X: np.ndarray, C: np.ndarray, half_cc: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """First E step (Elkan's initialisation): go through the centres in order."""
    k = len(C)
    a = np.zeros(len(X), dtype=np.intp)
    u = row_distances(X, C[0])
    lower = np.zeros((len(X), k))
    lower[:, 0] = u
    n_distances = len(X)
    for c in range(1, k):
        idx = np.flatnonzero(u > half_cc[a, c] * (1 - _MARGIN))
        if idx.size == 0:
            continue
        d = row_distances(X[idx], C[c])
        n_distances += idx.size
        lower[idx, c] = d
        better = d < u[idx]
        a[idx[better]] = c
        u[idx[better]] = d[better]
    return a, u, lower, n_distances


def _elkan_rows(X: np.ndarray, C: np.ndarray, half_cc: np.ndarray, s: np.ndarray,
                delta: np.ndarray, old_a: np.ndarray, old_u: np.ndarray,
                old_lower: np.ndarray, margin: float, offset: np.ndarray,
                a: np.ndarray, u: np.ndarray, lower: np.ndarray, counts: np.ndarray,
                sums: np.ndarray) -> tuple[int, float, float]:  # pragma: no cover - Numba
    """:func:`elkan_assign` as Elkan's own loop over the points, for Numba.

    Fills the new ``a``, ``u`` and ``lower`` from the old ones (step 0 included), the M
    step's statistics (``counts``, ``sums`` of x − ``offset``), and returns the distances
    computed, J(μ, a) and J(μ, old_a) (from direct differences).
    """
    n, d = X.shape
    k = C.shape[0]
    count = 0
    best = bound = 0.0
    for i in range(n):
        ai = old_a[i]
        ui = old_u[i] + delta[ai]
        for c in range(k):
            lower[i, c] = max(old_lower[i, c] - delta[c], 0.0)
        if ui * (1 + margin) > s[ai]:
            stale = True
            for c in range(k):
                if c == ai or ui <= max(lower[i, c], half_cc[ai, c]) * (1 - margin):
                    continue
                if stale:
                    dist = 0.0
                    for t in range(d):
                        e = X[i, t] - C[ai, t]
                        dist += e * e
                    ui = np.sqrt(dist)
                    lower[i, ai] = ui
                    count += 1
                    stale = False
                    if ui <= max(lower[i, c], half_cc[ai, c]) * (1 - margin):
                        continue
                dist = 0.0
                for t in range(d):
                    e = X[i, t] - C[c, t]
                    dist += e * e
                dist = np.sqrt(dist)
                count += 1
                lower[i, c] = dist
                if dist < ui or (dist == ui and c < ai):
                    ai = c
                    ui = dist
        a[i] = ai
        u[i] = ui
        counts[ai] += 1
        near = far = 0.0
        for t in range(d):
            sums[ai, t] += X[i, t] - offset[t]
            e = X[i, t] - C[ai, t]
            near += e * e
            e = X[i, t] - C[old_a[i], t]
            far += e * e
        best += near
        bound += far
    return count, best, bound


def elkan_assign(X: np.ndarray, C: np.ndarray, previous: ElkanBounds | None,
                 offset: np.ndarray | None = None, engine: str = "auto"
                 ) -> tuple[ElkanBounds, int, int, tuple[Any, ...] | None]:
    """The nearest centres by Elkan's bounds.

    Returns (new bounds, distances computed, centre pairs compared, extras): ``extras`` is
    None from the numpy engine, and (J(μ, a), J(μ, previous labels), N_k, S_k) from the
    Numba engine, which adds them up in the same loop (S_k centred at ``offset``).

    With the centre–centre distances d(c, c') and s(c) = ½ min_{c'≠c} d(c, c'):

    0. the centres moved by δ(c) since ``previous``: l(x, c) ← max(0, l − δ(c)),
       u(x) ← u + δ(a(x)) (triangle inequality), and every u is stale;
    1. if u(x) ≤ s(a(x)), no centre can be closer than a(x): skip x entirely;
    2. centre c needs a look only if u(x) > l(x, c) and u(x) > ½ d(a(x), c) — because
       d(x, c) ≥ d(a, c) − d(x, a) ≥ d(a, c) − u, so d(x,c) ≥ u whenever u ≤ ½ d(a, c);
    3. then make u exact (one distance, if stale) and test again; if c still passes,
       compute d(x, c) (it becomes l(x, c)) and switch if it is smaller.

    The numpy engine loops over the K centres and processes all points at once with masks;
    the Numba engine (``engine="auto"`` for N·K ≥ :data:`NUMBA_MIN_DISTANCES`) runs
    Elkan's own loop over the points. Both give the same labels and valid bounds.
    """
    k = len(C)
    half_cc = 0.5 * _center_distances(C)
    n_tests = k * (k - 1) // 2
    if previous is None:
        a, u, lower, n_distances = _elkan_start(X, C, half_cc)
        return ElkanBounds(C, a, u, lower), n_distances, n_tests, None
    delta = row_distances(C, previous.centers)
    np.fill_diagonal(half_cc, np.inf)
    s = half_cc.min(axis=1)
    np.fill_diagonal(half_cc, 0.0)
    if _use_numba(engine, len(X) * k):
        a, u = np.empty_like(previous.labels), np.empty_like(previous.upper)
        lower = np.empty_like(previous.lower)
        counts, sums = np.zeros(k, dtype=np.intp), np.zeros((k, X.shape[1]))
        offset = column_mean(C) if offset is None else offset
        n_distances, best, bound = _compiled(_elkan_rows)(
            X, C, half_cc, s, delta, previous.labels, previous.upper, previous.lower,
            _MARGIN, offset, a, u, lower, counts, sums)
        return (ElkanBounds(C, a, u, lower), int(n_distances), n_tests,
                (best, bound, counts, sums))
    a = previous.labels.copy()
    u = previous.upper + delta[a]
    lower = np.maximum(previous.lower - delta, 0.0)
    n_distances = 0
    # 1. skip the points whose upper bound is within half the distance from their centre
    #    to the nearest other centre
    active = np.flatnonzero(u * (1 + _MARGIN) > s[a])
    if active.size:
        # 2. which (point, centre) pairs pass the two tests, for all active points at once
        a_act = a[active]
        threshold = np.maximum(lower[active], half_cc[a_act]) * (1 - _MARGIN)
        cand = u[active][:, None] > threshold
        cand[np.arange(active.size), a_act] = False
        keep = cand.any(axis=1)
        idx, cand, threshold = active[keep], cand[keep], threshold[keep]
        # 3a. make the (stale) upper bounds of those points exact, then test again
        if idx.size:
            d = row_distances(X[idx], C[a[idx]])
            n_distances += idx.size
            u[idx] = d
            lower[idx, a[idx]] = d
            cand &= d[:, None] > threshold
        # 3b. centre by centre (as Elkan's per-point loop does): test again with the
        #     current u and a (u only shrinks, so the tests above stay valid), then compute
        for c in range(k):
            pts = idx[cand[:, c]]
            if pts.size == 0:
                continue
            pts = pts[(a[pts] != c) & (u[pts] > np.maximum(lower[pts, c], half_cc[a[pts], c])
                                       * (1 - _MARGIN))]
            if pts.size == 0:
                continue
            d = row_distances(X[pts], C[c])
            n_distances += pts.size
            lower[pts, c] = d
            u_pts = u[pts]
            better = (d < u_pts) | ((d == u_pts) & (c < a[pts]))
            switch = pts[better]
            a[switch] = c
            u[switch] = d[better]
    return ElkanBounds(C, a, u, lower), n_distances, n_tests, None


# ---------------------------------------------------------------------------------------
# k-d tree filtering (Kanungo et al. 2002)
# ---------------------------------------------------------------------------------------
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
        X = as_float_array(X, "X", ndim=2, min_rows=1)
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


class KDTreeFilter:
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
    The tree (and the points in tree order) are the state an E step hands to the next.
    """

    def __init__(self, X: np.ndarray, leaf_size: int) -> None:
        self.tree = KDTree.build(X, leaf_size)
        self.Xt = np.ascontiguousarray(X[self.tree.order])
        self.mid = 0.5 * (self.tree.lo + self.tree.hi)

    def _filter(self, C: np.ndarray, nodes: np.ndarray, node_of: np.ndarray,
                center: np.ndarray) -> tuple[np.ndarray, int]:
        """Which (node, candidate) pairs survive: False for candidates farther than z*.

        ``node_of``/``center`` list the pairs, sorted by node and then by centre; every node
        of ``nodes`` has at least one pair. Also returns the number of centre–box tests.
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
        return ~far, int(np.sum(counts[node_of] > 1))

    def _leaves(self, C: np.ndarray, leaves: np.ndarray, cand: np.ndarray,
                labels_t: np.ndarray) -> int:
        """Distances from the points of each leaf to that leaf's candidates only.

        Candidates are taken in increasing order, one "slot" at a time for all leaves at
        once; a point switches only to a strictly nearer centre, so ties go to the lowest.
        Returns the number of distances computed.
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
        n_distances = 0
        for j in range(int(n_cand.max())):
            centre_j = np.full(len(leaves), -1)
            centre_j[leaf_idx[slot == j]] = centre[slot == j]
            idx = np.flatnonzero(n_cand[leaf_of] > j)
            c = centre_j[leaf_of[idx]]
            diff = self.Xt[points[idx]] - C[c]
            d2 = np.einsum("pd,pd->p", diff, diff)
            n_distances += len(idx)
            better = d2 < best[idx]
            best[idx[better]] = d2[better]
            label[idx[better]] = c[better]
        labels_t[points] = label
        return n_distances

    def assign(self, C: np.ndarray, log: list[tuple[str, np.ndarray, np.ndarray]] | None = None
               ) -> tuple[np.ndarray, int, int]:
        """(labels, distances computed, centre–box tests); ``log`` collects what happened."""
        t, k = self.tree, len(C)
        labels_t = np.empty(len(self.Xt), dtype=np.intp)
        nodes = np.zeros(1, dtype=np.intp)
        node_of = np.zeros(k, dtype=np.intp)   # the (node, candidate) pairs of a level
        center = np.arange(k)
        n_distances = n_tests = 0
        while nodes.size:
            keep, tests = self._filter(C, nodes, node_of, center)
            n_tests += tests
            node_of, center = node_of[keep], center[keep]
            n_cand = np.bincount(node_of, minlength=len(nodes))
            done = n_cand == 1                  # the whole box goes to one centre
            if done.any():
                starts, ends = t.start[nodes[done]], t.end[nodes[done]]
                owner = center[done[node_of]]
                labels_t[_ranges(starts, ends)] = np.repeat(owner, ends - starts)
                if log is not None:
                    log.append(("settled", nodes[done], owner))
            leaf = ~done & (t.left[nodes] < 0)
            if leaf.any():
                if log is not None:
                    log.append(("open", nodes[leaf], n_cand[leaf]))
                rank = np.cumsum(leaf) - 1
                on_leaf = leaf[node_of]
                cand = np.zeros((int(leaf.sum()), k), dtype=bool)
                cand[rank[node_of[on_leaf]], center[on_leaf]] = True
                n_distances += self._leaves(C, nodes[leaf], cand, labels_t)
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
        return labels, n_distances, n_tests


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


def filter_with_log(X: np.ndarray, C: np.ndarray, leaf_size: int) -> FilterResult:
    """One filtering E step on a fresh tree, with the log of settled boxes and open leaves."""
    engine = KDTreeFilter(X, leaf_size)
    log: list[tuple[str, np.ndarray, np.ndarray]] = []
    labels, n_distances, n_tests = engine.assign(C, log)

    def gather(kind: str) -> tuple[np.ndarray, np.ndarray]:
        parts = [(a, b) for name, a, b in log if name == kind]
        if not parts:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
        return (np.concatenate([a for a, _ in parts]),
                np.concatenate([b for _, b in parts]).astype(np.intp))

    settled, owners = gather("settled")
    open_leaves, n_open = gather("open")
    return FilterResult(engine.tree, labels, settled, owners, open_leaves, n_open,
                        n_distances, n_tests)
