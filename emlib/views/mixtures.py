"""Pictures and the stepping widget of the coin game (chapters ``00_welcome`` and ``04_ball_em``).

* :func:`draw_coin_sets` — one bar per set of tosses, split by q(coin | set);
* :func:`coin_stepper` — the E/M widget over :class:`emlib.mixtures.BinomialMixture`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes

from .._validation import as_float_array, check_instance
from ..em import Record
from ..mixtures import BinomialMixture, BinomialMixtureParams
from . import plotting
from .stepper import StepperWidget

__all__ = ["CoinSetsPicture", "coin_stepper", "draw_coin_sets"]


def draw_coin_sets(ax: Any, record: Any, heads: Any, n_trials: int,
                   names: tuple[str, ...] = ("A", "B", "C", "D")) -> None:
    """One bar per set of tosses, split by q(coin | set) (grey before the first E step).

    The title shows the current θ: the heads-probability of each coin.
    """
    CoinSetsPicture(ax, record, heads, n_trials, names)


class CoinSetsPicture:
    """:func:`draw_coin_sets` made once, then moved: ``update(record)`` restacks the bars
    (``set_height``, ``set_y``), swaps grey bars for coloured ones and rewrites the title."""

    def __init__(self, ax: Axes, record: Record, heads: Any, n_trials: int,
                 names: tuple[str, ...] = ("A", "B", "C", "D")) -> None:
        check_instance(ax, Axes, "ax")
        self.ax, self.names = ax, names
        heads = np.asarray(heads)
        positions = np.arange(len(heads))
        k = len(record.params.p)
        colors = plotting.component_colors(k)
        self.grey = ax.bar(positions, np.ones(len(heads)), color="#cccccc",
                           label="q not computed yet")
        self.stacks = [ax.bar(positions, np.zeros(len(heads)), color=colors[j],
                              label=f"q(coin {names[j]} | set)") for j in range(k)]
        ax.set_xticks(positions, [f"{h}/{n_trials}" for h in heads])
        ax.set_xlabel("heads in each set")
        ax.set_ylim(0, 1.25)
        ax.set_title(" ")
        self.update(record)

    def update(self, record: Record) -> None:
        check_instance(record, Record, "record")
        posterior = record.posterior
        for bar in self.grey:
            bar.set_visible(posterior is None)
        bottom = np.zeros(len(self.grey))
        for j, stack in enumerate(self.stacks):
            height = np.zeros(len(bottom)) if posterior is None else posterior[:, j]
            for bar, y, h in zip(stack, bottom, height, strict=True):
                bar.set_y(y)
                bar.set_height(h)
            bottom = bottom + height
        handles = [self.grey] if posterior is None else self.stacks
        self.ax.legend(handles=handles, loc="upper center", ncol=min(len(handles), 3),
                       frameon=False)
        self.ax.title.set_text(", ".join(f"p_{self.names[j]} = {p:.3f}"
                                         for j, p in enumerate(record.params.p)))


def coin_stepper(heads: Any = (5, 9, 8, 4, 7), n_trials: int = 10,
                 p_start: Any = (0.6, 0.5), *, learn_weights: bool = False) -> StepperWidget:
    """The E/M stepping widget for the coin game (chapters 00 and 04).

    Defaults reproduce Do & Batzoglou (2008): 5 sets of 10 tosses, two coins starting at
    p_A = 0.6, p_B = 0.5, equal and fixed mixing weights.
    """
    start = as_float_array(p_start, "p_start", ndim=1)
    model = BinomialMixture(len(start), n_trials, learn_weights=learn_weights)
    params = BinomialMixtureParams(model.weights, start)
    heads = np.asarray(model.validate_data(heads).successes)
    return StepperWidget(
        model, heads, params, picture_size="square",
        draw=lambda ax, record: CoinSetsPicture(ax, record, heads, n_trials).update,
        title="<b>Two coins, hidden choice</b>: press <i>E step</i> to guess which coin "
              "made each set, then <i>M step</i> to re-estimate each coin's bias.")
