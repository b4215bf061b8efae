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

__all__ = ["coin_stepper", "draw_coin_sets"]


def draw_coin_sets(ax: Any, record: Any, heads: Any, n_trials: int,
                   names: tuple[str, ...] = ("A", "B", "C", "D")) -> None:
    """One bar per set of tosses, split by q(coin | set) (grey before the first E step).

    The title shows the current θ: the heads-probability of each coin.
    """
    check_instance(ax, Axes, "ax")
    check_instance(record, Record, "record")
    heads = np.asarray(heads)
    positions = np.arange(len(heads))

    k = len(record.params.p)
    colors = plotting.component_colors(k)
    if record.posterior is None:
        ax.bar(positions, np.ones(len(heads)), color="#cccccc", label="q not computed yet")
    else:
        bottom = np.zeros(len(heads))
        for j in range(k):
            ax.bar(positions, record.posterior[:, j], bottom=bottom, color=colors[j],
                   label=f"q(coin {names[j]} | set)")
            bottom += record.posterior[:, j]
    ax.set_xticks(positions, [f"{h}/{n_trials}" for h in heads])
    ax.set_xlabel("heads in each set")
    ax.set_ylim(0, 1.25)
    ax.legend(loc="upper center", ncol=min(k, 3), frameon=False, fontsize=9)
    ax.set_title(", ".join(f"p_{names[j]} = {p:.3f}" for j, p in enumerate(record.params.p)))


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
        draw=lambda ax, record: draw_coin_sets(ax, record, heads, n_trials),
        title="<b>Two coins, hidden choice</b>: press <i>E step</i> to guess which coin "
              "made each set, then <i>M step</i> to re-estimate each coin's bias.")
