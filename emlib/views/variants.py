"""Pictures and widgets of the EM variants (chapter ``09_em_variants``, EM的变种).

* :class:`OnlineEMWidget` — feed mini-batches to :class:`emlib.variants.OnlineEM` by hand
  and watch θ approach the batch EM answer.
"""

from __future__ import annotations

import copy
from typing import Any

import ipywidgets as widgets
import numpy as np

from .._validation import check_int, check_random_state, check_real
from ..theory import GaussianMixture1D, Mixture1DParams
from ..variants.online import OnlineEM
from . import plotting
from .stepper import CourseWidget, make_button, make_image

__all__ = ["OnlineEMWidget"]


class OnlineEMWidget(CourseWidget):
    """Feed mini-batches to online EM by hand and watch θ approach batch EM (chapter 09).

    Buttons **Feed 1 batch**, **Feed 10 batches**, **Reset**. Left: the data histogram,
    the online fit and the batch-EM fit (dashed). Right: ln p(X|θ)/n of the whole data
    after every update, against the batch answer. For :class:`GaussianMixture1D`.
    """

    def __init__(self, model: GaussianMixture1D, X: Any, params: Mixture1DParams,
                 batch_params: Mixture1DParams, *, batch_size: int = 20, alpha: float = 0.6,
                 random_state: Any = 0) -> None:
        if not isinstance(model, GaussianMixture1D):
            raise TypeError("model must be an emlib.theory.GaussianMixture1D, got "
                            f"{type(model).__name__}")
        self.X = model.validate_data(X)
        check_real(alpha, "alpha", low=0.5, high=1.0, low_open=True)  # checked now, not on a click
        self.online = OnlineEM(model, params, alpha=alpha)
        self.batch_params = batch_params
        self.batch_size = check_int(batch_size, "batch_size", low=1)
        # the stream restarts from this generator on Reset: keep a copy of its state
        self._start_rng = copy.deepcopy(check_random_state(random_state))
        self.batch_score = model.log_likelihood(self.X, batch_params) / len(self.X)
        self.buttons = {
            "Feed 1 batch": make_button("Feed 1 batch", "one online update"),
            "Feed 10 batches": make_button("Feed 10 batches", "ten online updates"),
            "Reset": make_button("Reset", "back to θ⁽⁰⁾ and a fresh stream"),
        }
        self.buttons["Feed 1 batch"].on_click(lambda _b: self.feed(1))
        self.buttons["Feed 10 batches"].on_click(lambda _b: self.feed(10))
        self.buttons["Reset"].on_click(lambda _b: self.reset())
        self.label = widgets.HTML()
        self.canvas = plotting.Canvas("wide")
        self.picture = make_image(self.canvas)
        super().__init__(children=[widgets.HBox(list(self.buttons.values())), self.label,
                                   self.picture])
        self.reset()

    def reset(self) -> None:
        """Back to θ⁽⁰⁾ and a fresh stream."""
        self.online.reset()
        self._rng = copy.deepcopy(self._start_rng)
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
        left, right = self.canvas.subplots(ncols=2)
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
        self.picture.value = self.canvas.png()

    def summary(self) -> str:
        o = self.online
        means = ", ".join(f"{m:.3f}" for m in o.params.means)
        return (f"{o.n_updates} batches, {o.n_seen} samples: means [{means}], "
                f"ln p/n = {self.scores[-1]:.4f} (batch {self.batch_score:.4f})")
