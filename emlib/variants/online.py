"""Online (stepwise) EM, Cappé & Moulines 2009: expected sufficient statistics averaged
over mini-batches with step sizes η_t (chapter ``09_em_variants``).

Online EM needs the M step written on expected sufficient statistics: the model follows
:class:`~emlib.em.SufficientStatisticsModel` (``expected_statistics(X, q)`` summed over the
rows of X, statistics that add and scale, ``params_from_statistics(s)``), the protocol the
distributed chapter uses too.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np

from .._validation import check_int, check_random_state, check_real
from ..em import EMModel, SufficientStatisticsModel
from ..theory import GaussianMixture1D, Mixture1DParams
from ..views import plotting
from ..views.stepper import CourseWidget

__all__ = [
    "OnlineEM",
    "OnlineEMWidget",
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


class OnlineEMWidget(CourseWidget):
    """Feed mini-batches to online EM by hand and watch θ approach batch EM (chapter 09).

    Buttons **Feed 1 batch**, **Feed 10 batches**, **Reset**. Left: the data histogram,
    the online fit and the batch-EM fit (dashed). Right: ln p(X|θ)/n of the whole data
    after every update, against the batch answer. For :class:`GaussianMixture1D`.
    """

    def __init__(self, model: GaussianMixture1D, X: Any, params: Mixture1DParams,
                 batch_params: Mixture1DParams, *, batch_size: int = 20, alpha: float = 0.6,
                 seed: int = 0) -> None:
        if not isinstance(model, GaussianMixture1D):
            raise TypeError("model must be an emlib.theory.GaussianMixture1D")
        self.X = model.validate_data(X)
        self.online = OnlineEM(model, params, alpha=alpha)
        self.batch_params = batch_params
        self.batch_size = check_int(batch_size, "batch_size", low=1)
        self.seed = seed
        self.batch_score = model.log_likelihood(self.X, batch_params) / len(self.X)
        self.buttons = {name: widgets.Button(description=name, layout=widgets.Layout(
            width="auto")) for name in ("Feed 1 batch", "Feed 10 batches", "Reset")}
        self.buttons["Feed 1 batch"].on_click(lambda _b: self.feed(1))
        self.buttons["Feed 10 batches"].on_click(lambda _b: self.feed(10))
        self.buttons["Reset"].on_click(lambda _b: self.reset())
        self.label = widgets.HTML()
        width = int(plotting.SIZES["wide"][0] * plotting.DPI)
        self.picture = widgets.Image(format="png", layout=widgets.Layout(width=f"{width}px"))
        super().__init__(children=[widgets.HBox(list(self.buttons.values())), self.label,
                                   self.picture])
        self.reset()

    def reset(self) -> None:
        """Back to θ⁽⁰⁾ and a fresh stream."""
        self.online.reset()
        self._rng = np.random.default_rng(self.seed)
        self._queue = np.empty(0, dtype=int)
        self.scores = [self.online.model.log_likelihood(self.X, self.online.params) / len(self.X)]
        self._redraw()

    def _next_batch(self) -> np.ndarray:
        if len(self._queue) < self.batch_size:
            self._queue = np.concatenate([self._queue, self._rng.permutation(len(self.X))])
        batch, self._queue = self._queue[:self.batch_size], self._queue[self.batch_size:]
        return self.X[batch]

    def feed(self, n_batches: int = 1) -> None:
        """Feed ``n_batches`` mini-batches from the stream."""
        for _ in range(check_int(n_batches, "n_batches", low=1)):
            self.online.partial_fit(self._next_batch())
            self.scores.append(self.online.model.log_likelihood(self.X, self.online.params)
                               / len(self.X))
        self._redraw()

    def _redraw(self) -> None:
        o = self.online
        eta = o.step_size(o.n_updates) if o.n_updates > 1 else 1.0
        self.label.value = f"<code>{self.summary()}, last η = {eta:.3f}</code>"
        fig, (left, right) = plotting.new_figure("wide", ncols=2)
        grid = np.linspace(self.X.min() - 1, self.X.max() + 1, 300)
        left.hist(self.X, bins=30, density=True, color="#cccccc")
        for params, style in ((o.params, "-"), (self.batch_params, "--")):
            density = np.exp(o.model.log_joint(grid, params)).sum(axis=1)
            left.plot(grid, density, ls=style, color="#333333" if style == "--"
                      else plotting.COLORS[4], label="batch EM" if style == "--" else "online")
        left.legend(frameon=False)
        left.set_title(f"after {o.n_seen} samples")
        seen = [n for n, _ in o.history]
        right.plot(seen, self.scores, marker=".", color=plotting.COLORS[4], label="online")
        right.axhline(self.batch_score, color="#333333", ls="--", label="batch EM")
        right.set_xlabel("samples seen")
        right.set_ylabel("ln p(X|θ) / n")
        low = min(self.scores[min(1, len(self.scores) - 1):] + [self.batch_score])
        right.set_ylim(low - 0.05, self.batch_score + 0.05)
        right.legend(frameon=False)
        self.picture.value = plotting.figure_to_png(fig)

    def summary(self) -> str:
        o = self.online
        means = ", ".join(f"{m:.3f}" for m in o.params.means)
        return (f"{o.n_updates} batches, {o.n_seen} samples: means [{means}], "
                f"ln p/n = {self.scores[-1]:.4f} (batch {self.batch_score:.4f})")
