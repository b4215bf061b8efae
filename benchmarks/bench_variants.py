"""Chapter 09's variants against their peers.

* Online (stepwise) EM, one pass over 2·10⁵ 1-D points in mini-batches of 1,000, against
  scikit-learn's batch ``GaussianMixture`` run to convergence (tol 1e-4): both return the
  mean log-likelihood of the data; online EM should be within ~1e-3 of it at a fraction of
  the sample visits.
* The exact M step of EM with features (emlib's numpy L-BFGS on the log-linear emissions)
  against SciPy's L-BFGS-B on the same concave objective: both return its maximum.
"""

from __future__ import annotations

import numpy as np
from harness import Case
from scipy.optimize import minimize
from sklearn.mixture import GaussianMixture

from emlib.mixtures import GaussianMixture1D, Mixture1DParams
from emlib.variants import FeaturizedMixture, OnlineEM, lbfgs_ascent

_rng = np.random.default_rng(0)
_X = np.concatenate([_rng.normal(-1, 1, 80_000), _rng.normal(2, 1, 120_000)])
_START = Mixture1DParams([0.5, 0.5], [-2.0, 3.0], [1.0, 1.0])
_MODEL = GaussianMixture1D(2)


def _online() -> float:
    fit = OnlineEM(_MODEL, _START, alpha=0.6).fit(_X, batch_size=1000, n_epochs=1, rng=0)
    return _MODEL.log_likelihood(_X, fit.params) / len(_X)


def _sklearn_batch() -> float:
    sk = GaussianMixture(2, tol=1e-4, max_iter=500, weights_init=_START.weights,
                         means_init=_START.means[:, None],
                         precisions_init=1 / _START.variances[:, None, None]).fit(_X[:, None])
    return float(sk.score(_X[:, None]))


_V, _K = 300, 4
_F = np.hstack([np.eye(_V), (_rng.random((_V, 60)) < 0.05).astype(float)])
_EXPECTED = _rng.gamma(0.3, 20.0, size=(_K, _V))
_FEATURED = FeaturizedMixture(_K, _F, l2=0.1)


def _emlib_lbfgs() -> float:
    value, gradient = _FEATURED._beta_objective(_EXPECTED)
    return lbfgs_ascent(value, gradient, np.zeros(_K * _F.shape[1]), max_steps=10_000,
                        tol=1e-8).value


def _lbfgs() -> float:
    value, gradient = _FEATURED._beta_objective(_EXPECTED)
    result = minimize(lambda b: -value(b), np.zeros(_K * _F.shape[1]),
                      jac=lambda b: -gradient(b), method="L-BFGS-B",
                      options={"gtol": 1e-8, "maxiter": 10_000})
    return -float(result.fun)


CASES = [
    Case("online EM, 1 pass, N=2e5, batches of 1000", _online, _sklearn_batch,
         "sklearn GaussianMixture (batch, tol 1e-4)",
         note="objective (mean ln p) within 1e-3; time ratio <= 1"),
    Case("features M step (L-BFGS), V=300, P=360, K=4", _emlib_lbfgs, _lbfgs,
         "scipy L-BFGS-B", note="same maximum to 1e-6 relative; time ratio <= 1"),
]
