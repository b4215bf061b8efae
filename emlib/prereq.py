"""The mathematics EM stands on (chapter ``02_math_toolkit``, 涉及到的数学基础).

Convex sets (凸集) and convex functions (凸函数) with checks that return their evidence,
Jensen's inequality (Jensen不等式) as a gap, entropy, the KL divergence (KL距离 / KL散度 /
相对熵), log-sum-exp for sums of probabilities in log space, the multivariate Gaussian
log-density (高斯分布) through its Cholesky factor, and Bayes' rule (贝叶斯公式, chapter
``01_latent_variables``). Everything uses the natural logarithm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import (
    as_float_array,
    check_distribution,
    check_int,
    check_positive_definite,
    check_real,
    check_rng,
)

__all__ = [
    "ConvexityEvidence",
    "bayes_posterior",
    "check_convex_function",
    "check_convex_set",
    "entropy",
    "gaussian_logpdf",
    "jensen_gap",
    "kl_divergence",
    "logsumexp",
    "xlogy",
]


#: The most pairs or segment points a sampled convexity check takes (each is one call of a
#: Python function: beyond this a typo would run for hours or ask for petabytes).
MAX_CHECKS = 10**6


def xlogy(x: Any, y: Any) -> np.ndarray:
    """x · ln y elementwise, with the convention 0 · ln 0 = 0 (and 0 · ln y = 0 for any y).

    The one home of the convention that entropies, KL divergences and the EM bound rely on:
    a term with zero weight contributes nothing, so p = 0 or 1 is allowed; a positive weight
    on y = 0 gives −∞, as it should. Same values as ``scipy.special.xlogy`` on its domain:
    x finite, y ≥ 0 (y = +∞ allowed); anything else is refused with a ValueError.
    """
    x = as_float_array(x, "x")
    y = as_float_array(y, "y", finite=False)
    if np.any(np.isnan(y)) or np.any(y < 0):
        raise ValueError("y must be >= 0 (a probability, a density or a count), without NaN")
    try:
        x, y = np.broadcast_arrays(x, y)
    except ValueError:
        raise ValueError(f"x and y must broadcast to one shape, got {x.shape} and "
                         f"{y.shape}") from None
    out = np.zeros(x.shape)
    nonzero = x != 0
    with np.errstate(divide="ignore"):
        out[nonzero] = x[nonzero] * np.log(y[nonzero])
    return out


@dataclass(frozen=True)
class ConvexityEvidence:
    """The outcome of a sampled convexity test, with its evidence.

    ``convex`` is False only with a concrete ``counterexample``; True means "no violation
    in ``n_checks`` checks" (a sampled test cannot prove convexity, only refute it).
    """

    convex: bool
    n_checks: int
    counterexample: dict[str, Any] | None = None

    def __str__(self) -> str:
        if self.convex:
            return f"no violation in {self.n_checks} checks"
        return f"not convex: {self.counterexample}"


def check_convex_set(contains: Callable[[np.ndarray], bool], points: Any, *, n_pairs: int = 500,
                     n_t: int = 9, rng: np.random.Generator | int | None = None
                     ) -> ConvexityEvidence:
    """Sampled segment test of convexity for the set {x : contains(x)}.

    A set C is convex when for all x, y ∈ C and t ∈ [0, 1]:  t·x + (1−t)·y ∈ C.
    The test draws ``n_pairs`` pairs from ``points`` that lie in C and checks ``n_t``
    points of each segment. Returns the first counterexample (x, y, t) it finds.
    """
    if not callable(contains):
        raise TypeError("contains must be a callable taking one point and returning a bool")
    pts = as_float_array(points, "points", ndim=(1, 2))
    pts = pts[:, None] if pts.ndim == 1 else pts
    n_pairs = check_int(n_pairs, "n_pairs", low=1, high=MAX_CHECKS)
    n_t = check_int(n_t, "n_t", low=1, high=MAX_CHECKS)
    inside = np.array([bool(contains(p)) for p in pts], dtype=bool)
    members = pts[inside]
    if len(members) < 2:
        raise ValueError("points must contain at least two points of the set (contains(x) True)")
    rng = check_rng(rng)
    ts = np.linspace(0, 1, n_t + 2)[1:-1]
    i, j = rng.integers(len(members), size=(2, n_pairs))
    checks = 0
    for a, b in zip(members[i], members[j], strict=True):
        for t in ts:
            checks += 1
            z = t * a + (1 - t) * b
            if not contains(z):
                return ConvexityEvidence(False, checks, {"x": a, "y": b, "t": float(t), "z": z})
    return ConvexityEvidence(True, checks)


def check_convex_function(f: Callable[[np.ndarray], Any], points: Any, *,
                          second_derivative: Callable[[np.ndarray], Any] | None = None,
                          n_t: int = 9, atol: float = 1e-10) -> ConvexityEvidence:
    """Chord test (and, if given, second-derivative test) of convexity of ``f``.

    Chord test: f(t·x + (1−t)·y) ≤ t·f(x) + (1−t)·f(y) for every pair of ``points`` and
    ``n_t`` values of t in (0, 1). Second-derivative test (1-D: f''(x) ≥ 0; n-D: the
    Hessian returned by ``second_derivative`` is positive semi-definite) at every point.
    ``f`` is called with one point at a time (a float in 1-D, a vector in n-D).
    """
    if not callable(f):
        raise TypeError("f must be a callable")
    if second_derivative is not None and not callable(second_derivative):
        raise TypeError("second_derivative must be a callable or None")
    pts = as_float_array(points, "points", ndim=(1, 2), min_rows=2)
    n_t = check_int(n_t, "n_t", low=1, high=MAX_CHECKS)
    atol = check_real(atol, "atol", low=0)
    one_d = pts.ndim == 1

    def value(x: np.ndarray) -> float:
        with np.errstate(all="ignore"):  # outside f's domain shows up as a non-finite value
            return float(f(float(x) if one_d else x))

    fx = np.array([value(p) for p in pts])
    if not np.all(np.isfinite(fx)):
        raise ValueError("f is not finite at every point of points (choose points in its domain)")
    checks = 0
    if second_derivative is not None:
        for p in pts:
            checks += 1
            h = np.atleast_2d(np.asarray(second_derivative(float(p) if one_d else p), float))
            smallest = float(np.linalg.eigvalsh((h + h.T) / 2).min())
            if smallest < -atol:
                return ConvexityEvidence(False, checks, {"x": p, "second_derivative_min": smallest})
    ts = np.linspace(0, 1, n_t + 2)[1:-1]
    for a in range(len(pts)):
        for b in range(a + 1, len(pts)):
            for t in ts:
                checks += 1
                chord = t * fx[a] + (1 - t) * fx[b]
                mid = value(t * pts[a] + (1 - t) * pts[b])
                if mid > chord + atol * max(1.0, abs(chord)):
                    return ConvexityEvidence(False, checks, {
                        "x": pts[a], "y": pts[b], "t": float(t), "f(tx+(1-t)y)": mid,
                        "t f(x)+(1-t) f(y)": chord})
    return ConvexityEvidence(True, checks)


def jensen_gap(f: Callable[[np.ndarray], Any], x: Any, weights: Any | None = None) -> float:
    """Jensen's gap  Σᵢ wᵢ f(xᵢ) − f(Σᵢ wᵢ xᵢ)  (≥ 0 for convex f, ≤ 0 for concave f).

    ``x`` holds the points (shape (n,) or (n, d)); ``weights`` a probability vector
    (default uniform). ``f`` is vectorised over the rows of ``x``. Chapter 02; chapter 07
    uses it with f = −ln to show L(q, θ) ≤ ln p(X | θ).
    """
    if not callable(f):
        raise TypeError("f must be a callable")
    points = as_float_array(x, "x", ndim=(1, 2), min_rows=1)
    w = (np.full(len(points), 1 / len(points)) if weights is None
         else check_distribution(weights, "weights"))
    if w.ndim != 1 or len(w) != len(points):
        raise ValueError(f"weights must have one entry per point of x ({len(points)}), "
                         f"got {w.shape}")
    with np.errstate(all="ignore"):
        values = np.asarray(f(points), dtype=float)
        if values.shape != (len(points),):
            raise ValueError(f"f must return one value per point, got shape {values.shape}")
        mean = w @ points
        at_mean = float(np.asarray(f(mean[None] if points.ndim == 2 else np.array([mean])),
                                   float)[0])
        gap = float(w @ values - at_mean)
    if not np.isfinite(gap):
        raise ValueError("f is not finite at the points of x or at their mean (outside its "
                         "domain, or x so large that f overflows): the gap is undefined")
    return gap


def entropy(p: Any) -> float:
    """Shannon entropy  H(p) = −Σᵢ pᵢ ln pᵢ  (nats), with 0·ln 0 = 0. Chapter 02."""
    p = check_distribution(p, "p")
    if p.ndim != 1:
        raise ValueError(f"p must be one probability vector, got shape {p.shape}")
    positive = p[p > 0]
    return float(-(positive * np.log(positive)).sum())


def kl_divergence(p: Any, q: Any) -> float:
    """KL(p ‖ q) = Σᵢ pᵢ ln(pᵢ / qᵢ)  (nats).

    Conventions: terms with pᵢ = 0 are 0 (0·ln 0 = 0); any qᵢ = 0 < pᵢ makes it +∞.
    Properties (chapter 02): KL ≥ 0 with equality iff p = q, and KL(p‖q) ≠ KL(q‖p) in
    general. Chapter 07 uses KL(q ‖ p(Z|X,θ)) as the gap between ln p(X|θ) and L(q,θ).
    """
    p = check_distribution(p, "p")
    q = check_distribution(q, "q")
    if p.ndim != 1 or q.ndim != 1:
        raise ValueError(f"p and q must be probability vectors, got shapes {p.shape}, {q.shape}")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same length, got {len(p)} and {len(q)}")
    support = p > 0
    if np.any(q[support] == 0):
        return float("inf")
    terms = p[support] * (np.log(p[support]) - np.log(q[support]))  # no overflow of p/q
    return float(max(0.0, terms.sum()))


def logsumexp(a: Any, axis: int | None = None, keepdims: bool = False) -> np.ndarray | float:
    """ln Σᵢ exp(aᵢ), computed as m + ln Σᵢ exp(aᵢ − m) with m = max aᵢ (no overflow).

    Sums of probabilities held as logarithms (the E step of every mixture) go through
    this: exp(−1000) underflows to 0, but logsumexp([−1000, −1000]) = −1000 + ln 2.
    An all −∞ slice gives −∞ (the log of an empty sum). Chapter 02.
    """
    arr = as_float_array(a, "a", finite=False)
    if np.any(np.isnan(arr)) or np.any(arr == np.inf):
        raise ValueError("a must not contain NaN or +inf")
    if axis is not None:
        check_int(axis, "axis", low=-arr.ndim, high=arr.ndim - 1)
    if arr.size == 0:
        raise ValueError("a must not be empty")
    top = np.max(arr, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(arr - top), axis=axis, keepdims=True)) + top
    if not keepdims:
        out = np.squeeze(out, axis=axis) if axis is not None else out.reshape(())
    return float(out) if np.ndim(out) == 0 else out


def gaussian_logpdf(X: Any, mean: Any, cov: Any) -> np.ndarray:
    """Log-density of the multivariate normal N(mean, cov) at each row of X.

        ln N(x | μ, Σ) = −½ [ D ln 2π + ln|Σ| + (x−μ)ᵀ Σ⁻¹ (x−μ) ]

    computed with the Cholesky factor Σ = L Lᵀ: ln|Σ| = 2 Σᵢ ln Lᵢᵢ and
    (x−μ)ᵀ Σ⁻¹ (x−μ) = ‖L⁻¹(x−μ)‖²; L⁻¹ is triangular, found by forward substitution,
    and applied to all rows in one matrix product (Σ⁻¹ itself is never formed).
    X has shape (n, D) (or (n,) for D = 1); returns n values. Chapter 02.
    """
    mean = as_float_array(mean, "mean", ndim=(0, 1))
    mean = np.atleast_1d(mean)
    d = mean.shape[0]
    X = as_float_array(X, "X", ndim=(1, 2))
    if X.ndim == 1:
        X = X[:, None] if d == 1 else X[None, :]
    if X.shape[1] != d:
        raise ValueError(f"X has {X.shape[1]} columns but mean has {d} entries")
    cov = np.atleast_2d(as_float_array(cov, "cov", ndim=(0, 2)))
    if cov.shape != (d, d):
        raise ValueError(f"cov must have shape ({d}, {d}), got {cov.shape}")
    chol = check_positive_definite(cov, "cov")
    whitened = (X - mean) @ _solve_lower(chol, np.eye(d)).T  # rows L⁻¹(x − μ)
    mahalanobis = np.einsum("ij,ij->i", whitened, whitened)
    log_det = 2.0 * np.log(np.diag(chol)).sum()
    return -0.5 * (d * np.log(2 * np.pi) + log_det + mahalanobis)


def _solve_lower(lower: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve L y = b for lower-triangular L by forward substitution over the D rows.

    D is small (the dimension), so the loop is over dimensions, never over samples.
    """
    y = np.empty_like(b)
    for i in range(lower.shape[0]):
        y[i] = (b[i] - lower[i, :i] @ y[:i]) / lower[i, i]
    return y


def bayes_posterior(prior: Any, likelihood: Any) -> np.ndarray:
    """Bayes' rule over a finite set of hypotheses (贝叶斯公式, chapter 01).

        P(y | x) = P(x | y) P(y) / Σ_y' P(x | y') P(y')
        posterior = likelihood × prior / evidence

    ``prior`` is a probability vector P(y); ``likelihood`` the values P(x | y) for the
    observed x (non-negative, not a distribution over y).
    """
    prior = check_distribution(prior, "prior")
    like = as_float_array(likelihood, "likelihood", ndim=1)
    if prior.ndim != 1 or like.shape != prior.shape:
        raise ValueError(f"prior and likelihood must be vectors of one length, got "
                         f"{prior.shape} and {like.shape}")
    if np.any(like < 0):
        raise ValueError("likelihood must be non-negative")
    joint = like * prior
    evidence = joint.sum()
    if evidence <= 0:
        raise ValueError("the evidence Σ P(x|y)P(y) of likelihood and prior is 0: the "
                         "observation is impossible under every hypothesis with prior mass")
    return joint / evidence
