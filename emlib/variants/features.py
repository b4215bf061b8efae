"""EM with features (Berg-Kirkpatrick et al., ACL 2010): a mixture of multinomials with
log-linear emissions θ_k(w) ∝ exp(β_kᵀ f(w)), fitted by generalized EM
(chapter ``09_em_variants``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize

from .._validation import as_float_array, check_distribution, check_int, check_real
from ..em import LatentClassModel, VectorMap
from .ascent import AscentResult, gradient_ascent
from .map_em import _MAPObjective

__all__ = [
    "BagOfWords",
    "CountData",
    "FeatureMixtureParams",
    "FeaturizedMixture",
    "bag_of_words",
    "word_features",
]


@dataclass(frozen=True)
class BagOfWords:
    """A document–word count matrix with its vocabulary."""

    counts: np.ndarray
    vocabulary: list[str]


_STOP = frozenset("""a an and are as at be been by can for from has have in into is it its of
on or that the their these this those to was we were which with our not but also than
then there such can may one two using used use show shown both between where when all
new only more most over under other each some very here""".split())


def _strings(value: Any, name: str) -> list[str]:
    """A non-empty list or tuple of strings (a TypeError names ``name`` otherwise)."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of strings, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must not be empty")
    if not all(isinstance(v, str) for v in value):
        bad = next(v for v in value if not isinstance(v, str))
        raise TypeError(f"{name} must hold strings only, got {type(bad).__name__}")
    return list(value)


def bag_of_words(texts: Sequence[str], *, vocabulary_size: int = 300, min_length: int = 3
                 ) -> BagOfWords:
    """Counts of the ``vocabulary_size`` words found in most documents (lower case, letters
    only, at least ``min_length`` letters, a short English stop list removed)."""
    vocabulary_size = check_int(vocabulary_size, "vocabulary_size", low=1)
    texts = _strings(texts, "texts")
    pattern = re.compile(rf"[a-z]{{{check_int(min_length, 'min_length', low=1)},}}")
    docs = [[w for w in pattern.findall(str(t).lower()) if w not in _STOP] for t in texts]
    frequency = Counter(w for doc in docs for w in set(doc))
    vocabulary = sorted(sorted(frequency), key=lambda w: -frequency[w])[:vocabulary_size]
    index = {w: i for i, w in enumerate(vocabulary)}
    counts = np.zeros((len(docs), len(vocabulary)))
    for d, doc in enumerate(docs):
        for w, c in Counter(w for w in doc if w in index).items():
            counts[d, index[w]] = c
    return BagOfWords(counts, vocabulary)


def word_features(vocabulary: Sequence[str], *, identity: bool = True, prefix: int = 5,
                  suffix: int = 3, min_shared: int = 2) -> tuple[np.ndarray, list[str]]:
    """Feature matrix f(w) (V × P, 0/1) and feature names for a vocabulary.

    Features: the word itself (``identity``), its first ``prefix`` letters (a crude stem:
    "galaxy"/"galaxies" share "galax") and its last ``suffix`` letters, keeping only
    prefixes and suffixes shared by at least ``min_shared`` words (0 disables either).
    """
    words = _strings(vocabulary, "vocabulary")
    names: list[str] = []
    columns: list[np.ndarray] = []
    if identity:
        names += [f"word={w}" for w in words]
        columns.append(np.eye(len(words)))
    for kind, length in (("prefix", prefix), ("suffix", suffix)):
        if check_int(length, kind, low=0) == 0:
            continue
        parts = [w[:length] if kind == "prefix" else w[-length:] for w in words]
        shared = sorted(p for p, c in Counter(parts).items() if c >= min_shared)
        for part in shared:
            names.append(f"{kind}={part}")
            columns.append(np.array([[float(p == part)] for p in parts]))
    if not columns:
        raise ValueError("no features: enable identity, prefix or suffix")
    return np.hstack(columns), names


@dataclass(frozen=True)
class CountData:
    """Document–word counts with ln of each document's multinomial coefficient."""

    counts: np.ndarray
    log_coefficient: np.ndarray

    def __len__(self) -> int:
        return len(self.counts)


@dataclass(frozen=True)
class FeatureMixtureParams:
    """θ of a featurized mixture: class weights π_k and feature weights β_k (K × P)."""

    weights: np.ndarray
    beta: np.ndarray

    def __post_init__(self) -> None:
        weights = check_distribution(self.weights, "weights")
        beta = as_float_array(self.beta, "beta", ndim=2)
        if weights.ndim != 1 or beta.shape[0] != len(weights):
            raise ValueError("beta must have one row per component (len(weights))")
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "beta", beta)


class FeaturizedMixture(_MAPObjective, LatentClassModel):
    """A mixture of multinomials with log-linear emissions (Berg-Kirkpatrick et al. 2010).

    Each document d (a row of word counts c_dw) has one hidden class z_d:

        θ_k(w) = exp(β_kᵀ f(w)) / Σ_w' exp(β_kᵀ f(w'))
        ln p(x_d, z_d = k) = ln π_k + ln M(c_d) + Σ_w c_dw ln θ_k(w)

    (M the multinomial coefficient). With ``l2`` = λ the objective is
    ln p(X|θ) − λ‖β‖²/2 (a Gaussian prior on β, up to its constant). The M step for π is
    closed form; for β it maximises, for each k, with expected counts e_kw = Σ_d q_dk c_dw,

        Σ_w e_kw ln θ_k(w) − λ‖β_k‖²/2,   gradient  Fᵀ(e_k − E_k θ_k) − λβ_k

    which has no closed form (:meth:`beta_objective`): :meth:`m_step` runs SciPy's L-BFGS-B
    from β = 0 for up to ``max_inner`` steps (an "exact" M step, to ‖∇‖∞ ≤ ``inner_tol``);
    :meth:`newton_beta` is Newton's method for small feature sets; :class:`GeneralizedEM`
    instead takes a few cheap gradient steps from β_old. With identity features only and
    λ → 0 this is the plain mixture of multinomials, whose M step is θ_k(w) = e_kw / E_k.
    """

    def __init__(self, n_components: int, features: Any, *, l2: float = 0.1,
                 max_inner: int = 500, inner_tol: float = 1e-6) -> None:
        self.n_components = check_int(n_components, "n_components", low=1, high=10**6)
        self.features = as_float_array(features, "features", ndim=2)
        self.l2 = check_real(l2, "l2", low=0.0)
        self.max_inner = check_int(max_inner, "max_inner", low=1)
        self.inner_tol = check_real(inner_tol, "inner_tol", low=0.0)
        self.objective_name = "ln p(X|θ) − λ‖β‖²/2" if self.l2 > 0 else "ln p(X|θ)"

    # -- data and parameters -------------------------------------------------------------
    def validate_data(self, X: Any) -> CountData:
        """Counts (documents × words, non-negative integers) matching the feature rows."""
        if isinstance(X, CountData):
            return X
        counts = as_float_array(X.counts if isinstance(X, BagOfWords) else X, "X", ndim=2)
        if counts.shape[1] != self.features.shape[0]:
            raise ValueError(f"X has {counts.shape[1]} word columns but features has "
                             f"{self.features.shape[0]} rows")
        if np.any(counts < 0) or np.any(counts != np.round(counts)) or len(counts) == 0:
            raise ValueError("X must be a non-empty matrix of non-negative integer counts")
        top = int(max(counts.sum(axis=1).max(), 1))
        log_factorial = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, top + 1)))])
        ints = counts.astype(np.int64)
        coefficient = log_factorial[ints.sum(axis=1)] - log_factorial[ints].sum(axis=1)
        return CountData(counts, coefficient)

    def log_prior(self, params: FeatureMixtureParams) -> float:
        """−λ‖β‖²/2."""
        return -0.5 * self.l2 * float(np.sum(params.beta ** 2))

    def emissions(self, params: FeatureMixtureParams) -> np.ndarray:
        """θ_k(w) = softmax_w(F β_k): a (K, V) array of word distributions."""
        scores = params.beta @ self.features.T
        scores -= scores.max(axis=1, keepdims=True)
        e = np.exp(scores)
        return e / e.sum(axis=1, keepdims=True)

    def init_params(self, X: CountData, rng: np.random.Generator) -> FeatureMixtureParams:
        """θ⁽⁰⁾: uniform weights, small random β (N(0, 0.1²))."""
        k, p = self.n_components, self.features.shape[1]
        return FeatureMixtureParams(np.full(k, 1 / k), rng.normal(0, 0.1, (k, p)))

    def log_joint(self, X: CountData, params: FeatureMixtureParams) -> np.ndarray:
        """ln π_k + ln M(c_d) + Σ_w c_dw ln θ_k(w)."""
        with np.errstate(divide="ignore"):
            log_w = np.log(params.weights)
        log_theta = np.log(np.maximum(self.emissions(params), 1e-300))
        return log_w + X.log_coefficient[:, None] + X.counts @ log_theta.T

    # -- M step ---------------------------------------------------------------------------
    def beta_objective(self, expected: Any) -> tuple[Callable, Callable]:
        """(f, ∇f) of the M step for β, on the flattened (K·P) vector β:

            f(β) = Σ_kw e_kw ln θ_k(w) − λ‖β‖²/2,   ∇_β_k f = Fᵀ(e_k − E_k θ_k) − λβ_k

        for expected counts ``expected`` e_kw = Σ_d q_dk c_dw (K, V). Concave."""
        expected = as_float_array(expected, "expected", ndim=2)
        k, p = self.n_components, self.features.shape[1]
        if expected.shape != (k, self.features.shape[0]):
            raise ValueError(f"expected must be (K, V) = {(k, self.features.shape[0])}, got "
                             f"{expected.shape}")
        totals = expected.sum(axis=1, keepdims=True)

        def value(flat: np.ndarray) -> float:
            beta = flat.reshape(k, p)
            scores = beta @ self.features.T
            top = scores.max(axis=1, keepdims=True)
            log_norm = np.log(np.exp(scores - top).sum(axis=1, keepdims=True)) + top
            return float(np.sum(expected * (scores - log_norm)) - 0.5 * self.l2 * flat @ flat)

        def gradient(flat: np.ndarray) -> np.ndarray:
            beta = flat.reshape(k, p)
            theta = self.emissions(FeatureMixtureParams(np.full(k, 1 / k), beta))
            return ((expected - totals * theta) @ self.features - self.l2 * beta).ravel()

        return value, gradient

    def fit_beta(self, expected: np.ndarray, beta0: np.ndarray, max_steps: int) -> AscentResult:
        """Gradient ascent on Σ_kw e_kw ln θ_k(w) − λ‖β‖²/2 from ``beta0``."""
        value, gradient = self.beta_objective(expected)
        return gradient_ascent(value, gradient, np.asarray(beta0, float).ravel(),
                               max_steps=max_steps, tol=self.inner_tol)

    def newton_beta(self, expected: Any, beta0: Any, max_steps: int) -> tuple[np.ndarray, int]:
        """Newton's method on each β_k (an "exact" M step that uses second derivatives).

        Hessian of f_k(β_k) = Σ_w e_kw ln θ_k(w) − λ‖β_k‖²/2:

            ∇²f_k = −E_k Fᵀ(diag θ_k − θ_k θ_kᵀ)F − λI      (negative definite for λ > 0)

        maximised by SciPy's trust-region Newton method (``minimize(method="trust-exact")``)
        to ‖∇‖ ≤ ``inner_tol``, at most ``max_steps`` steps per class. Returns β (K, P) and
        the number of Newton steps taken in all.
        """
        expected = as_float_array(expected, "expected", ndim=2)
        F, lam = self.features, self.l2
        beta = as_float_array(beta0, "beta0", ndim=2).copy()
        if expected.shape != (self.n_components, F.shape[0]) or beta.shape != (
                self.n_components, F.shape[1]):
            raise ValueError(f"expected must be (K, V) = {(self.n_components, F.shape[0])} and "
                             f"beta0 (K, P) = {(self.n_components, F.shape[1])}")
        max_steps = check_int(max_steps, "max_steps", low=1)
        steps = 0
        for k in range(self.n_components):
            e_k, total = expected[k], expected[k].sum()

            def softmax(b: np.ndarray) -> np.ndarray:
                s = F @ b
                theta = np.exp(s - s.max())
                return theta / theta.sum()

            def minus_f(b: np.ndarray, e_k: np.ndarray = e_k, total: float = total) -> float:
                s = F @ b
                top = s.max()
                return -float(e_k @ s - total * (np.log(np.exp(s - top).sum()) + top)
                              - 0.5 * lam * b @ b)

            def minus_gradient(b: np.ndarray, e_k: np.ndarray = e_k,
                               total: float = total) -> np.ndarray:
                return -(F.T @ (e_k - total * softmax(b)) - lam * b)

            def minus_hessian(b: np.ndarray, total: float = total) -> np.ndarray:
                theta = softmax(b)
                mean_f = F.T @ theta
                # einsum, not BLAS: small matrices, and no thread oversubscription
                h = total * (np.einsum("vi,vj->ij", F * theta[:, None], F)
                             - np.outer(mean_f, mean_f))
                h[np.diag_indices_from(h)] += lam
                return h

            result = minimize(minus_f, beta[k], jac=minus_gradient, hess=minus_hessian,
                              method="trust-exact",
                              options={"gtol": self.inner_tol, "maxiter": max_steps})
            beta[k] = result.x
            steps += int(result.nit)
        return beta, steps

    def m_step(self, X: CountData, posterior: np.ndarray) -> FeatureMixtureParams:
        """π_k = N_k/n; β = argmax f (:meth:`beta_objective`) by SciPy's L-BFGS-B from β = 0
        (to ‖∇f‖∞ ≤ ``inner_tol``, at most ``max_inner`` iterations)."""
        expected = posterior.T @ X.counts
        value, gradient = self.beta_objective(expected)
        result = minimize(lambda b: -value(b), np.zeros(self.n_components
                                                        * self.features.shape[1]),
                          jac=lambda b: -gradient(b), method="L-BFGS-B",
                          options={"maxiter": self.max_inner, "gtol": self.inner_tol,
                                   "ftol": 1e-14})
        return FeatureMixtureParams(posterior.mean(axis=0),
                                    result.x.reshape(self.n_components, -1))

    # -- what generalized EM needs -----------------------------------------------------------
    @property
    def vector_map(self) -> VectorMap:
        """θ ↔ (a, vec β) with π = softmax(a)."""
        k = self.n_components

        def to_vector(params: FeatureMixtureParams) -> np.ndarray:
            return np.concatenate([np.log(np.maximum(params.weights, 1e-300)),
                                   params.beta.ravel()])

        def from_vector(vector: np.ndarray) -> FeatureMixtureParams:
            a = vector[:k]
            weights = np.exp(a - a.max())
            return FeatureMixtureParams(weights / weights.sum(), vector[k:].reshape(k, -1))

        return VectorMap(to_vector, from_vector)

    def bound_gradient(self, X: CountData, posterior: np.ndarray,
                       params: FeatureMixtureParams) -> np.ndarray:
        """∇L: ∂/∂a_k = N_k − nπ_k and ∂/∂β_k = Fᵀ(e_k − E_k θ_k) − λβ_k."""
        nk = posterior.sum(axis=0)
        expected = posterior.T @ X.counts
        theta = self.emissions(params)
        grad_beta = ((expected - expected.sum(axis=1, keepdims=True) * theta) @ self.features
                     - self.l2 * params.beta)
        return np.concatenate([nk - nk.sum() * params.weights, grad_beta.ravel()])
