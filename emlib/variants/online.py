"""Online (stepwise) EM, Cappé & Moulines 2009: expected sufficient statistics averaged
over mini-batches with step sizes η_t (chapter ``09_em_variants``).

Online EM needs the M step written on expected sufficient statistics: the model follows
:class:`~emlib.em.SufficientStatisticsModel` (``expected_statistics(X, q)`` summed over the
rows of X, statistics that add and scale, ``params_from_statistics(s)``), the protocol the
distributed chapter uses too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_int, check_random_state, check_real
from ..em import EMModel, SufficientStatisticsModel

__all__ = [
    "OnlineEM",
]


class OnlineEM:
    """Stepwise online EM (Cappé & Moulines 2009; Liang & Klein 2009), chapter 09.

    For each mini-batch B_t (t = 1, 2, …): E step on the batch at the current θ, then

        s ← (1 − η_t) s + η_t s̄(B_t),   η_t = (t + t₀)^(−α),   θ ← θ(s)

    with s̄(B) = (1/|B|) Σ_{n∈B} E_q[t(x_n, z_n)] the batch average of the expected
    sufficient statistics (``model.expected_statistics`` divided by |B|) and θ(s) the M step
    (``model.params_from_statistics``). With ½ < α ≤ 1 the step sizes satisfy Σ η_t = ∞,
    Σ η_t² < ∞ and θ converges to a stationary point of the likelihood; each update costs
    O(|B|), not O(n). ``model`` must follow :class:`~emlib.em.SufficientStatisticsModel`.

    Estimator conventions: hyper-parameters (``alpha``, ``offset``, ``batch_size``,
    ``n_epochs``, ``random_state`` for the shuffling) are checked when used; ``fit(X)``
    feeds ``n_epochs`` shuffled passes and returns self. ``params`` is θ now (``params_``
    after ``fit``), ``n_iter_`` = ``n_updates`` the updates made, ``n_seen`` the samples
    visited, ``history`` the (samples seen, θ) after every update.
    """

    def __init__(self, model: EMModel, params: Any, *, alpha: float = 0.6,
                 offset: float = 0.0, batch_size: int = 20, n_epochs: int = 1,
                 random_state: np.random.Generator | int | None = None) -> None:
        if not isinstance(model, EMModel) or not isinstance(model, SufficientStatisticsModel):
            raise TypeError(f"model must be an emlib.em.EMModel with expected sufficient "
                            f"statistics (expected_statistics / params_from_statistics), got "
                            f"{type(model).__name__}")
        self.model = model
        self.alpha = alpha
        self.offset = offset
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.random_state = random_state
        self.initial_params = params
        self._params_type: type | None = None
        self.reset()

    def reset(self) -> None:
        """Forget everything: back to the initial θ, no statistics."""
        self.params = self.initial_params
        self.stats: Any = None
        self.n_updates = 0
        self.n_seen = 0
        self.history: list[tuple[int, Any]] = [(0, self.params)]

    def _check_step_sizes(self) -> tuple[float, float]:
        return (check_real(self.alpha, "alpha", low=0.5, high=1.0, low_open=True),
                check_real(self.offset, "offset", low=0.0))

    def _check_params(self, batch: Any) -> None:
        """θ⁽⁰⁾ must be the model's own parameter type (what its ``init_params`` returns)."""
        if self._params_type is None:
            self._params_type = type(self.model.init_params(batch, np.random.default_rng(0)))
        if not isinstance(self.initial_params, self._params_type):
            raise TypeError(f"params must be a {self._params_type.__name__} (the parameters "
                            f"of {type(self.model).__name__}), got "
                            f"{type(self.initial_params).__name__}")

    def step_size(self, t: int) -> float:
        """η_t = (t + t₀)^(−α) for the t-th update (t ≥ 1)."""
        alpha, offset = self._check_step_sizes()
        return float((check_int(t, "t", low=1) + offset) ** (-alpha))

    def partial_fit(self, batch: Any) -> Any:
        """One stepwise update with ``batch``; returns the new θ."""
        self._check_step_sizes()
        batch = self.model.validate_data(batch)
        self._check_params(batch)
        n = len(batch)
        s_hat = (1.0 / n) * self.model.expected_statistics(batch,
                                                           self.model.e_step(batch, self.params))
        self.n_updates += 1
        eta = 1.0 if self.stats is None else self.step_size(self.n_updates)
        self.stats = s_hat if self.stats is None else (1 - eta) * self.stats + eta * s_hat
        self.params = self.model.params_from_statistics(self.stats)
        self.n_seen += n
        self.history.append((self.n_seen, self.params))
        return self.params

    def fit(self, X: Any, y: Any = None) -> OnlineEM:
        """Feed ``X`` in shuffled mini-batches of ``batch_size`` for ``n_epochs`` passes,
        continuing from the current state (``reset()`` starts afresh); ``y`` is ignored."""
        self._check_step_sizes()
        batch_size = check_int(self.batch_size, "batch_size", low=1)
        n_epochs = check_int(self.n_epochs, "n_epochs", low=1)
        rng = check_random_state(self.random_state, "random_state")
        rows = self.model.validate_data(X)
        if not isinstance(rows, np.ndarray):   # a model's own data type: batch the raw rows
            rows = np.asarray(X)
        for _ in range(n_epochs):
            order = rng.permutation(len(rows))
            for start in range(0, len(rows), batch_size):
                self.partial_fit(rows[order[start:start + batch_size]])
        self.params_ = self.params
        self.n_iter_ = self.n_updates
        return self
