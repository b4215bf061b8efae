"""Chapter 09's variants against their peers.

* Online (stepwise) EM, one pass over 2·10⁵ 1-D points in mini-batches of 1,000, against
  scikit-learn's batch ``GaussianMixture`` run to convergence (tol 1e-4): both return the
  mean log-likelihood of the data; online EM should be within ~1e-3 of it at a fraction of
  the sample visits.
* Variational Bayes for the 1-D mixture (``VariationalGaussianMixture1D``, through
  ``emlib.em.run``) against scikit-learn's ``BayesianGaussianMixture``: N = 2·10⁴, K = 4,
  exactly 100 iterations from the same start (scikit-learn's ``random_from_data``). Both
  return their final bound; emlib's is the full ELBO, scikit-learn's leaves out terms that
  do not change, so the two differ by a constant.
"""

from __future__ import annotations

import warnings

import numpy as np
from harness import Case
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture

from emlib.theory import GaussianMixture1D, Mixture1DParams
from emlib.variants import OnlineEM, VariationalGaussianMixture1D

_rng = np.random.default_rng(0)
_X = np.concatenate([_rng.normal(-1, 1, 80_000), _rng.normal(2, 1, 120_000)])
_START = Mixture1DParams([0.5, 0.5], [-2.0, 3.0], [1.0, 1.0])
_MODEL = GaussianMixture1D(2)


def _online() -> float:
    fit = OnlineEM(_MODEL, _START, alpha=0.6, batch_size=1000, n_epochs=1,
                   random_state=0).fit(_X)
    return _MODEL.log_likelihood(_X, fit.params) / len(_X)


def _sklearn_batch() -> float:
    sk = GaussianMixture(2, tol=1e-4, max_iter=500, weights_init=_START.weights,
                         means_init=_START.means[:, None],
                         precisions_init=1 / _START.variances[:, None, None]).fit(_X[:, None])
    return float(sk.score(_X[:, None]))


_XV = _X[::10]
_KV, _SEED = 4, 0
_RESP0 = np.zeros((len(_XV), _KV))
_RESP0[np.random.RandomState(_SEED).choice(len(_XV), _KV, replace=False), np.arange(_KV)] = 1


def _emlib_vb() -> float:
    return VariationalGaussianMixture1D(_KV, max_iter=100, tol=None,
                                        resp_init=_RESP0).fit(_XV).lower_bound_


def _sklearn_vb() -> float:
    sk = BayesianGaussianMixture(n_components=_KV, init_params="random_from_data",
                                 random_state=_SEED, max_iter=100, tol=0.0, reg_covar=0.0,
                                 weight_concentration_prior_type="dirichlet_distribution")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "did not converge" (tol = 0)
        sk.fit(_XV[:, None])
    return float(sk.lower_bound_)


CASES = [
    Case("online EM, 1 pass, N=2e5, batches of 1000", _online, _sklearn_batch,
         "sklearn GaussianMixture (batch, tol 1e-4)",
         note="objective (mean ln p) within 1e-3; time ratio <= 1"),
    Case("variational Bayes 1-D, N=2e4, K=4, 100 its", _emlib_vb, _sklearn_vb,
         "sklearn BayesianGaussianMixture", note="bounds differ by a constant"),
]
