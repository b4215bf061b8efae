"""The laws of chapter 07 for every EM model of the course (issue 6).

For each model: ln p(X|θ) − L(q, θ) = KL(q ‖ p(Z|X,θ)) for an arbitrary q (checked against
a KL computed here from the posterior), the gap is 0 at q = posterior, and along an EM run
the objective never decreases (with ln p = L + KL after every half-step).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emlib.ball import ThreePegModel
from emlib.em import run
from emlib.gmm import GaussianMixtureModel, GMMPrior, MAPGaussianMixtureModel
from emlib.kmeans import KMeansModel
from emlib.mixtures import BinomialMixture, GaussianMixture1D
from emlib.plsa import PLSAModel
from emlib.theory import OneMeanMixture
from emlib.variants import (
    FeaturizedMixture,
    GEMPosterior,
    GeneralizedEM,
    MAPBinomialMixture,
    MAPGaussianMixture1D,
    word_features,
)


def line_data(seed: int, n: int = 50) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(-1.5, 1.0, n // 2), rng.normal(1.5, 0.6, n - n // 2)])


def plane_data(seed: int, n: int = 60) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal([-2, 0], 1.0, (n // 2, 2)),
                      rng.normal([2, 1], [0.5, 1.5], (n - n // 2, 2))])


def cup_data(seed: int) -> dict[str, int]:
    a, b, c = np.random.default_rng(seed).integers(1, 40, 3)
    return {"a": int(a), "b": int(b), "c": int(c)}


def coin_data(seed: int, sets: int = 12) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.binomial(10, rng.choice([0.2, 0.75], size=sets))


VOCAB = ["galaxy", "galaxies", "stars", "star", "proof", "proofs", "theorem", "lemma"]
FEATURES = word_features(VOCAB, prefix=4, suffix=2)[0]


def count_data(seed: int, docs: int = 16) -> np.ndarray:
    rng = np.random.default_rng(seed)
    topics = np.array([[0.3, 0.2, 0.25, 0.2, 0.01, 0.01, 0.02, 0.01],
                       [0.01, 0.01, 0.02, 0.01, 0.3, 0.2, 0.25, 0.2]])
    return np.stack([rng.multinomial(12, topics[rng.integers(2)]) for _ in range(docs)])


#: name -> (model factory, data generator). Every model of the course that is in this branch.
MODELS = {
    "coins": (lambda: BinomialMixture(2, 10), coin_data),
    "coins-fixed-weights": (lambda: BinomialMixture(3, 10, learn_weights=False), coin_data),
    "coins-MAP": (lambda: MAPBinomialMixture(2, 10, a=2.0, b=3.0, alpha=2.0), coin_data),
    "mixture-1d": (lambda: GaussianMixture1D(2), line_data),
    "mixture-1d-3": (lambda: GaussianMixture1D(3, learn_variances=False,
                                               variances=[1.0, 0.5, 2.0]), line_data),
    "one-mean": (lambda: OneMeanMixture([0.0, 1.5], [1.0, 0.36], [0.5, 0.5]), line_data),
    "mixture-1d-MAP": (lambda: MAPGaussianMixture1D(2, alpha=2.0), line_data),
    "GEM(mixture-1d)": (lambda: GeneralizedEM(GaussianMixture1D(2), n_inner=2), line_data),
    "GEM(mixture-1d-MAP)": (lambda: GeneralizedEM(MAPGaussianMixture1D(3), n_inner=1),
                            line_data),
    "featurized": (lambda: FeaturizedMixture(2, FEATURES, l2=0.5, max_inner=30), count_data),
    "ball-three-pegs": (ThreePegModel, cup_data),
    "plsa": (lambda: PLSAModel(2), count_data),
    "plsa-tempered": (lambda: PLSAModel(3, beta=0.8), count_data),
    "kmeans (hard EM, −J)": (lambda: KMeansModel(3), plane_data),
    "gmm-full": (lambda: GaussianMixtureModel(2, "full", init_params="random"), plane_data),
    "gmm-diag": (lambda: GaussianMixtureModel(3, "diag", init_params="random"), plane_data),
    "gmm-MAP": (lambda: MAPGaussianMixtureModel(
        2, prior=GMMPrior(weight_concentration=2.0, covariance_scale=0.2),
        init_params="random"), plane_data),
}


def random_q(model, X, posterior, rng):
    """An arbitrary q of the same shape as the model's posterior."""
    if isinstance(posterior, GEMPosterior):
        return GEMPosterior(random_q(model, X, posterior.q, rng), posterior.params)
    posterior = np.asarray(posterior)  # (a lazy posterior, e.g. PLSA's, as its table)
    if posterior.ndim == 1:  # hard EM (k-Means): q is a label per point
        return rng.integers(0, model.n_clusters, size=len(posterior))
    q = rng.dirichlet(np.full(posterior.shape[1], 0.7), size=posterior.shape[0])
    q = np.where(posterior > 0, q, 0.0)  # stay where p(Z|X,θ) > 0 (e.g. impossible paths)
    return q / q.sum(axis=1, keepdims=True)


def direct_kl(model, X, q, posterior, params) -> float:
    """Σ_n w_n Σ_k q_nk ln(q_nk / p_nk), from the posterior (w_n: the model's row weights).

    For k-Means (labels) the gap is J(μ, r) − J(μ, r*) with J the summed squared distances.
    """
    if isinstance(q, GEMPosterior):
        return direct_kl(model.model, X, q.q, posterior.q, params)
    if isinstance(model, KMeansModel):
        d2 = ((X[:, None, :] - params.centers[None]) ** 2).sum(-1)
        rows = np.arange(len(X))
        return float(d2[rows, q].sum() - d2.min(axis=1).sum())
    posterior = np.asarray(posterior)
    weights = getattr(model, "row_weights", lambda _X: None)(X)
    weights = np.ones(len(q)) if weights is None else np.asarray(weights, float)
    mask = q > 0
    terms = np.zeros_like(q)
    terms[mask] = q[mask] * (np.log(q[mask]) - np.log(posterior[mask]))
    return float(weights @ terms.sum(axis=1))


@pytest.mark.parametrize("name", sorted(MODELS))
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_decomposition_for_any_q(name, seed):
    make, data = MODELS[name]
    model = make()
    rng = np.random.default_rng(seed)
    X = model.validate_data(data(seed))
    params = model.init_params(X, rng)
    posterior = model.e_step(X, params)
    q = random_q(model, X, posterior, rng)
    ll = model.log_likelihood(X, params)
    bound, kl = model.lower_bound(X, q, params), model.kl_divergence(X, q, params)
    assert ll - bound == pytest.approx(kl, abs=1e-9 * max(1.0, abs(ll)))
    assert kl == pytest.approx(direct_kl(model, X, q, posterior, params), rel=1e-9,
                                abs=1e-9)
    assert kl > 0
    # at q = posterior the gap closes
    assert model.kl_divergence(X, posterior, params) == pytest.approx(0.0, abs=1e-9)
    assert model.lower_bound(X, posterior, params) == pytest.approx(ll, abs=1e-9)


@pytest.mark.parametrize("name", sorted(MODELS))
@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), iters=st.integers(1, 15))
def test_objective_never_decreases_and_gap_after_every_half_step(name, seed, iters):
    make, data = MODELS[name]
    trace = run(make(), data(seed), max_iter=iters, tol=0.0, rng=seed)
    lls = trace.log_likelihoods
    scale = max(1.0, float(np.max(np.abs(lls))))
    assert np.all(np.diff(lls) >= -1e-10 * scale), np.diff(lls)
    for r in trace.records[1:]:
        assert r.log_likelihood == pytest.approx(r.lower_bound + r.kl, abs=1e-9 * scale)
        assert r.kl >= -1e-12
        if r.step == "E":
            assert r.kl == pytest.approx(0.0, abs=1e-9)
    bounds = trace.column("lower_bound")[1:]
    assert np.all(np.diff(bounds) >= -1e-10 * scale)
