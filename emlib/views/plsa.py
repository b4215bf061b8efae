"""Pictures and the stepping widget of PLSA (chapter ``08_plsa``, 概率潜在语义分析).

* :func:`plot_topic_words` — P(w|z) of every topic as grouped bars over a few words;
* :func:`plot_word_posteriors` — q(z|d,w) = P(z|d,w) as a heat map, one row per word;
* :func:`plsa_stepper` — the E/M widget over :class:`emlib.plsa.PLSAModel` on a small corpus.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from .._validation import as_float_array, check_instance, check_int, check_random_state
from ..em import Record
from ..plsa import PLSAModel
from . import plotting
from .stepper import StepperWidget

__all__ = ["plot_topic_words", "plot_word_posteriors", "plsa_stepper"]


def plot_topic_words(ax: Axes, p_w_given_z: Any, vocabulary: Sequence[str], top: int = 12,
                     title: str = "P(w|z): topic–word probabilities") -> list[int]:
    """P(w|z) of K topics as grouped horizontal bars over a few words (chapter 08).

    The words shown are the most probable ones of each topic in turn (up to ``top`` in
    all), grouped by the topic that favours them; returns their indices.
    """
    check_instance(ax, Axes, "ax")
    phi = as_float_array(p_w_given_z, "p_w_given_z", ndim=2)
    k, w = phi.shape
    if len(vocabulary) != w:
        raise ValueError(f"vocabulary has {len(vocabulary)} words, p_w_given_z has {w}")
    chosen = _chosen_words(phi, top)
    y = np.arange(len(chosen))[::-1]
    height = 0.8 / k
    for z, color in enumerate(plotting.component_colors(k)):
        ax.barh(y + (k / 2 - z - 0.5) * height, phi[z, chosen], height=height, color=color,
                label=f"z{z + 1}")
    ax.set_yticks(y, [str(vocabulary[j]) for j in chosen])
    ax.set_xlabel("P(w|z)")
    ax.set_title(title)
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))  # off the bars
    return chosen


def plot_word_posteriors(ax: Axes, posterior: Any | None, labels: Sequence[str],
                         title: str = "E step: P(z|d,w)") -> None:
    """A heat map of q(z|d,w) = P(z|d,w), one row per (document, word) pair (chapter 08).

    ``posterior`` is an (n, K) array of rows summing to 1, or None before the first E step.
    """
    check_instance(ax, Axes, "ax")
    if posterior is None:
        ax.text(0.5, 0.5, "q not defined yet:\npress E step", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title)
        return
    q = as_float_array(posterior, "posterior", ndim=2)
    if q.shape[0] != len(labels):
        raise ValueError(f"posterior has {q.shape[0]} rows but there are {len(labels)} labels")
    ax.imshow(q, aspect="auto", cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_yticks(np.arange(len(labels)), list(labels), fontsize=9)
    ax.set_xticks(np.arange(q.shape[1]), [f"z{z + 1}" for z in range(q.shape[1])])
    ax.grid(False)
    ax.set_title(title)


def _chosen_words(phi: np.ndarray, top: int) -> list[int]:
    """The ``top`` words shown: each topic's most probable in turn, grouped by topic."""
    k, w = phi.shape
    order = np.argsort(-phi, axis=1, kind="stable")
    chosen: list[int] = []
    for rank in range(w):
        for z in range(k):
            if len(chosen) < min(top, w) and order[z, rank] not in chosen:
                chosen.append(int(order[z, rank]))
    chosen.sort(key=lambda j: (int(np.argmax(phi[:, j])), -float(phi[:, j].max())))
    return chosen


class _PLSAPicture:
    """The stepper's two panels made once; ``update(record)`` sets the bar widths, the
    word labels and the heat map's data instead of drawing them again."""

    def __init__(self, left: Axes, right: Axes, record: Record, vocabulary: list[str],
                 labels: list[str], rows: np.ndarray, top: int) -> None:
        self.left, self.right = left, right
        self.vocabulary, self.labels, self.rows, self.top = vocabulary, labels, rows, top
        plot_topic_words(left, record.params.p_w_given_z, vocabulary, top=top)
        self.bars = list(left.containers)
        self.heat = None
        self.update(record)

    def update(self, record: Record) -> None:
        phi = np.asarray(record.params.p_w_given_z)
        chosen = _chosen_words(phi, self.top)
        for z, bars in enumerate(self.bars):
            for bar, j in zip(bars, chosen, strict=True):
                bar.set_width(phi[z, j])
        self.left.set_yticks(np.arange(len(chosen))[::-1],
                             [self.vocabulary[j] for j in chosen])
        self.left.set_xlim(0, 1.05 * float(phi[:, chosen].max()))
        if record.posterior is None or self.heat is None:
            self.right.clear()
            self.heat = None
            q = None if record.posterior is None else np.asarray(record.posterior)[self.rows]
            plot_word_posteriors(self.right, q, self.labels)
            if q is not None:
                self.heat = self.right.images[0]
        else:
            self.heat.set_data(np.asarray(record.posterior)[self.rows])


def plsa_stepper(counts: Any, vocabulary: Any, n_topics: int = 3, random_state: Any = 0, *,
                 documents: Any = (0, 8), words: Any = None, top: int = 12) -> StepperWidget:
    """E/M stepping widget for PLSA on a small corpus (chapter ``08_plsa``).

    The picture shows P(w|z) as bars (the ``top`` words of the union of topics) and, as a
    heat map, q(z|d,w) = P(z|d,w) for every word of the chosen ``documents`` (or only the
    chosen ``words``), which is what an E step computes.
    """
    model = PLSAModel(n_topics)
    X = model.validate_data(counts)
    vocabulary = [str(v) for v in vocabulary]
    if len(vocabulary) != X.n_words:
        raise ValueError(f"vocabulary has {len(vocabulary)} words but counts has {X.n_words}")
    documents = [check_int(int(d) if isinstance(d, np.integer) else d, "documents", low=0,
                           high=X.n_docs - 1) for d in documents]
    chosen = set(range(X.n_words)) if words is None else {vocabulary.index(w) for w in words}
    rows = np.flatnonzero(np.isin(X.doc, documents) & np.isin(X.word, sorted(chosen)))
    labels = [f"d{X.doc[i]}: {vocabulary[X.word[i]]}" for i in rows]
    top = check_int(top, "top", low=1)

    def draw(ax: Axes, record: Record) -> Callable[[Record], None]:
        fig = ax.figure  # two panels in the one picture, placed by hand (fast to render)
        fig.set_layout_engine("none")
        ax.remove()
        left = fig.add_axes((0.14, 0.14, 0.36, 0.76))
        right = fig.add_axes((0.74, 0.14, 0.24, 0.76))
        return _PLSAPicture(left, right, record, vocabulary, labels, rows, top).update

    params0 = model.init_params(X, check_random_state(random_state))
    return StepperWidget(model, X, params0, draw=draw,
                         title=f"<b>PLSA by EM</b>: {X.n_docs} documents, {X.n_words} words, "
                               f"K = {n_topics}", picture_size="wide")
