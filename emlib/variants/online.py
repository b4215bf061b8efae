"""Online (stepwise) EM, Cappé & Moulines 2009: expected sufficient statistics averaged
over mini-batches with step sizes η_t (chapter ``09_em_variants``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._validation import check_int, check_real, check_rng
from ..em import EMModel
from ..mixtures import BinomialData, BinomialMixture, BinomialMixtureParams
from .map_em import MAPBinomialMixture

__all__ = [
    "OnlineEM",
    "statistics_functions",
]


def _binomial_statistics(model: BinomialMixture, X: BinomialData,
                         posterior: np.ndarray) -> np.ndarray:
    n = len(X)
    return np.stack([posterior.mean(0), posterior.T @ X.successes / n,
                     posterior.T @ X.n_trials / n])


def _binomial_params(model: BinomialMixture, stats: np.ndarray) -> BinomialMixtureParams:
    s0, heads, tosses = np.asarray(stats, float)
    p = np.clip(heads / np.maximum(tosses, 1e-300), 0.0, 1.0)
    weights = s0 / s0.sum() if model.learn_weights else model.weights
    return BinomialMixtureParams(weights, p)


def statistics_functions(model: EMModel) -> tuple[Callable[[Any, Any], np.ndarray],
                                                  Callable[[np.ndarray], Any]]:
    """(s̄(X, q), θ(s)) for a model with expected sufficient statistics.

    s̄ averages the expected complete-data sufficient statistics over the rows of X;
    θ(s) is the M step written on them. Models provide ``expected_statistics`` and
    ``params_from_statistics``; the coins (BinomialMixture) are adapted here.
    """
    if hasattr(model, "expected_statistics") and hasattr(model, "params_from_statistics"):
        return model.expected_statistics, model.params_from_statistics
    if isinstance(model, BinomialMixture) and not isinstance(model, MAPBinomialMixture):
        return (lambda X, q: _binomial_statistics(model, X, q),
                lambda s: _binomial_params(model, s))
    raise TypeError(f"{type(model).__name__} has no expected sufficient statistics "
                    "(expected_statistics / params_from_statistics)")


class OnlineEM:
    """Stepwise online EM (Cappé & Moulines 2009; Liang & Klein 2009), chapter 09.

    For each mini-batch B_t (t = 1, 2, …): E step on the batch at the current θ, then

        s ← (1 − η_t) s + η_t s̄(B_t),   η_t = (t + t₀)^(−α),   θ ← θ(s)

    with s̄ the batch average of the expected sufficient statistics and θ(s) the M step.
    With ½ < α ≤ 1 the step sizes satisfy Σ η_t = ∞, Σ η_t² < ∞ and θ converges to a
    stationary point of the likelihood; each update costs O(|B|), not O(n).
    ``history`` holds (samples seen, θ) after every update.
    """

    def __init__(self, model: EMModel, params: Any, *, alpha: float = 0.6,
                 offset: float = 0.0) -> None:
        if not isinstance(model, EMModel):
            raise TypeError("model must be an emlib.em.EMModel")
        self.model = model
        self._statistics, self._params = statistics_functions(model)
        self.alpha = check_real(alpha, "alpha", low=0.5, high=1.0, low_open=True)
        self.offset = check_real(offset, "offset", low=0.0)
        self.initial_params = params
        self.reset()

    def reset(self) -> None:
        """Forget everything: back to the initial θ, no statistics."""
        self.params = self.initial_params
        self.stats: np.ndarray | None = None
        self.n_updates = 0
        self.n_seen = 0
        self.history: list[tuple[int, Any]] = [(0, self.params)]

    def step_size(self, t: int) -> float:
        """η_t = (t + t₀)^(−α) for the t-th update (t ≥ 1)."""
        return float((check_int(t, "t", low=1) + self.offset) ** (-self.alpha))

    def partial_fit(self, batch: Any) -> Any:
        """One stepwise update with ``batch``; returns the new θ."""
        batch = self.model.validate_data(batch)
        s_hat = self._statistics(batch, self.model.e_step(batch, self.params))
        self.n_updates += 1
        eta = 1.0 if self.stats is None else self.step_size(self.n_updates)
        self.stats = s_hat if self.stats is None else (1 - eta) * self.stats + eta * s_hat
        self.params = self._params(self.stats)
        self.n_seen += len(batch)
        self.history.append((self.n_seen, self.params))
        return self.params

    def fit(self, X: Any, *, batch_size: int = 20, n_epochs: int = 1,
            rng: np.random.Generator | int | None = None) -> OnlineEM:
        """Feed ``X`` in shuffled mini-batches of ``batch_size`` for ``n_epochs`` passes."""
        batch_size = check_int(batch_size, "batch_size", low=1)
        n_epochs = check_int(n_epochs, "n_epochs", low=1)
        rows = np.asarray(X)
        rng = check_rng(rng)
        for _ in range(n_epochs):
            order = rng.permutation(len(rows))
            for start in range(0, len(rows), batch_size):
                self.partial_fit(rows[order[start:start + batch_size]])
        return self
