"""emlib.prereq.gaussian_logpdf against scipy.stats.multivariate_normal.logpdf (10⁶ points)."""

from __future__ import annotations

import numpy as np
from harness import Case
from scipy.stats import multivariate_normal

from emlib.prereq import gaussian_logpdf

_rng = np.random.default_rng(0)
_D = 8
_X = _rng.standard_normal((1_000_000, _D))
_A = _rng.standard_normal((_D, _D))
_MEAN = _rng.standard_normal(_D)
_COV = _A @ _A.T + _D * np.eye(_D)


def _emlib() -> float:
    return float(gaussian_logpdf(_X, _MEAN, _COV).sum())


def _scipy() -> float:
    return float(multivariate_normal(_MEAN, _COV).logpdf(_X).sum())


CASES = [
    Case("gaussian_logpdf, N=1e6, D=8", _emlib, _scipy, "scipy multivariate_normal.logpdf",
         note="same values to 1e-9 relative"),
]
