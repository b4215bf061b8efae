"""Small EM models defined independently of emlib's helpers, for testing the EM core.

``TwoGaussians1D`` implements :class:`emlib.em.EMModel` directly (not via
LatentClassModel), computing every quantity with SciPy, so the core is checked against
formulas it did not write.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp
from scipy.stats import norm

from emlib.em import EMModel


@dataclass(frozen=True)
class TwoGaussiansParams:
    weights: np.ndarray
    means: np.ndarray
    sds: np.ndarray


class TwoGaussians1D(EMModel):
    """A K-component 1-D Gaussian mixture with per-component standard deviations."""

    def __init__(self, n_components: int = 2, min_sd: float = 1e-3):
        self.k = n_components
        self.min_sd = min_sd

    def validate_data(self, X):
        return np.asarray(X, float)

    def init_params(self, X, rng):
        return TwoGaussiansParams(np.full(self.k, 1 / self.k), rng.choice(X, self.k),
                                  np.full(self.k, X.std() + 0.1))

    def _log_joint(self, X, params):
        return np.log(params.weights) + norm.logpdf(X[:, None], params.means, params.sds)

    def e_step(self, X, params):
        lj = self._log_joint(X, params)
        return np.exp(lj - logsumexp(lj, axis=1, keepdims=True))

    def m_step(self, X, posterior):
        nk = posterior.sum(0) + 1e-300
        means = posterior.T @ X / nk
        var = (posterior * (X[:, None] - means) ** 2).sum(0) / nk
        return TwoGaussiansParams(nk / len(X), means, np.maximum(np.sqrt(var), self.min_sd))

    def log_likelihood(self, X, params):
        return float(logsumexp(self._log_joint(X, params), axis=1).sum())

    def lower_bound(self, X, q, params):
        lj = self._log_joint(X, params)
        safe_q = np.where(q > 0, q, 1.0)
        return float(np.sum(q * (lj - np.log(safe_q))))

    def kl_divergence(self, X, q, params):
        p = self.e_step(X, params)
        safe_q = np.where(q > 0, q, 1.0)
        return float(np.sum(q * (np.log(safe_q) - np.log(p))))


def line_data(seed: int = 0, n: int = 100) -> np.ndarray:
    """1-D data from two Gaussians, N(−1, 1) (40 %) and N(2, 1) (60 %), for chapters 07 and 09."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(-1, 1, 2 * n // 5), rng.normal(2, 1, n - 2 * n // 5)])


#: A start for two-component 1-D mixtures on ``line_data``.
LINE_START = dict(weights=[0.5, 0.5], means=[-2.0, 3.0], variances=[1.0, 1.0])
