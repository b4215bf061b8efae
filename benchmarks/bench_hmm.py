"""emlib.hmm (Baum–Welch) against hmmlearn's CategoricalHMM and PoissonHMM.

One sequence of T = 100 000 symbols (M = 8) drawn from a sticky K = 4 state chain; both
sides start from the same θ⁽⁰⁾ and run exactly 50 iterations (hmmlearn: ``init_params=""``,
``tol=-inf``). The objective is ln p(X|θ) at the final θ (hmmlearn's ``score``). hmmlearn's
default ``implementation="log"`` is the reference; its ``"scaling"`` pass (the same scaled
recursion as emlib's) is the second row. emlib's compiled pass is warmed up in ``setup``
(Numba caches it on disk, so only the very first run ever compiles).
"""

from __future__ import annotations

import numpy as np
from harness import Case
from hmmlearn import hmm

from emlib.em import run
from emlib.hmm import CategoricalHMMModel, HMMParams, PoissonHMMModel, PoissonHMMParams, sample

K, M, T, ITERATIONS = 4, 8, 100_000, 50


def _problem() -> tuple[np.ndarray, HMMParams]:
    rng = np.random.default_rng(0)
    trans = rng.dirichlet(np.ones(K), K) + 3 * np.eye(K)
    truth = HMMParams(rng.dirichlet(np.ones(K)), trans / trans.sum(1, keepdims=True),
                      rng.dirichlet(np.full(M, 0.5), K))
    _, x = sample(truth, T, rng)
    return x, CategoricalHMMModel(K, M).init_params(x, rng)


_X, _START = _problem()
_COUNTS = np.random.default_rng(1).poisson(np.repeat([3.0, 9.0, 20.0, 40.0], T // 4))
_POISSON_START = PoissonHMMParams(np.full(K, 1 / K), np.full((K, K), 0.1) + 0.6 * np.eye(K),
                                  np.array([2.0, 8.0, 15.0, 30.0]))


def _warm() -> None:
    run(CategoricalHMMModel(K, M, engine="numba"), _X[:100], _START, max_iter=1)
    run(PoissonHMMModel(K, engine="numba"), _COUNTS[:100], _POISSON_START, max_iter=1)


def _emlib() -> float:
    return run(CategoricalHMMModel(K, M), _X, _START, max_iter=ITERATIONS,
               tol=None).records[-1].log_likelihood


def _peer(implementation: str) -> float:
    model = hmm.CategoricalHMM(K, n_features=M, n_iter=ITERATIONS, tol=-np.inf, init_params="",
                               params="ste", implementation=implementation)
    model.startprob_, model.transmat_, model.emissionprob_ = _START.start, _START.trans, _START.emit
    return model.fit(_X[:, None]).score(_X[:, None])


def _emlib_poisson() -> float:
    return run(PoissonHMMModel(K), _COUNTS, _POISSON_START, max_iter=ITERATIONS,
               tol=None).records[-1].log_likelihood


def _peer_poisson() -> float:
    model = hmm.PoissonHMM(K, n_iter=ITERATIONS, tol=-np.inf, init_params="", params="stl",
                           implementation="log")
    model.startprob_, model.transmat_ = _POISSON_START.start, _POISSON_START.trans
    model.lambdas_ = _POISSON_START.rates[:, None]
    return model.fit(_COUNTS[:, None]).score(_COUNTS[:, None])


CASES = [
    Case("Baum–Welch T=100k K=4 M=8, 50 its", _emlib, lambda: _peer("log"),
         "hmmlearn CategoricalHMM (log)", setup=_warm, note="≤ 1.0×, ln p equal to 1e-8 rel",
         repeat=2),
    Case("Baum–Welch T=100k K=4 M=8, 50 its", _emlib, lambda: _peer("scaling"),
         "hmmlearn CategoricalHMM (scaling)", setup=_warm, note="same recursion", repeat=2),
    Case("Poisson HMM T=100k K=4, 50 its", _emlib_poisson, _peer_poisson,
         "hmmlearn PoissonHMM (log)", setup=_warm, note="", repeat=2),
]


if __name__ == "__main__":  # the final ln p of each side to all digits
    _warm()
    ours = _emlib()
    for implementation in ("log", "scaling"):
        theirs = _peer(implementation)
        print(f"ln p: emlib {ours:.8f}, hmmlearn ({implementation}) {theirs:.8f}, "
              f"relative difference {abs(ours - theirs) / abs(theirs):.1e}")
