"""Pictures and the stepping widget of chapter ``11_word_alignment`` (词语对齐 · IBM Model 1).

* :func:`plot_alignment_matrix` — one sentence pair: target words down, source words across,
  a value per cell (q(a_j = i), or t(e_j | f_i)), with the Viterbi choice of each row framed;
* :func:`plot_translation_table` — the table t(e | f) of a small corpus;
* :func:`ibm1_stepper` — the E/M widget: q(a_j = i) of every pair and t(e | f) after each
  half-step (Koehn's corpus by default), with ln p, L and KL per half-step.

Labels are drawn as given; Chinese labels need a CJK font, so the chapter labels Chinese
positions by number and prints the words beside the figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from .._validation import as_float_array
from ..em import Record
from ..ibm1 import KOEHN_PAIRS, AlignmentCorpus, IBM1Params, IBMModel1Model, encode_corpus
from .stepper import StepperWidget

__all__ = ["AlignmentStepperWidget", "ibm1_stepper", "plot_alignment_matrix",
           "plot_translation_table"]

CMAP = "Blues"


def _label(word: str | None) -> str:
    return "NULL" if word is None else str(word)


def plot_alignment_matrix(ax: Axes, matrix: Any, source_labels: Sequence[Any],
                          target_labels: Sequence[Any], title: str = "",
                          frame_best: bool = True, annotate: bool = True) -> None:
    """A (target words × source words) matrix of numbers in [0, 1] as shaded cells.

    ``frame_best`` frames each row's largest entry (the Viterbi alignment of that target
    word, last one on ties); ``annotate`` writes each value with two decimals.
    """
    values = as_float_array(matrix, "matrix", ndim=2, finite=False)  # NaN: an empty cell
    if values.shape != (len(target_labels), len(source_labels)):
        raise ValueError(f"matrix has shape {values.shape}, but there are "
                         f"{len(target_labels)} target and {len(source_labels)} source labels")
    ax.imshow(values, cmap=CMAP, vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(source_labels)), [_label(w) for w in source_labels], fontsize=9,
                  rotation=0 if len(source_labels) <= 6 or all(
                      len(_label(w)) <= 2 for w in source_labels[1:]) else 90)
    ax.set_yticks(range(len(target_labels)), [_label(w) for w in target_labels], fontsize=9)
    ax.tick_params(length=0)
    ax.grid(False)
    if annotate and values.size <= 64:
        for (j, i), v in np.ndenumerate(values):
            if np.isnan(v):
                continue
            ax.text(i, j, f"{v:.2f}", ha="center", va="center", fontsize=9,
                    color="white" if v > 0.6 else "black")
    if frame_best and values.size:
        filled = np.nan_to_num(values, nan=-1.0)
        best = values.shape[1] - 1 - np.argmax(filled[:, ::-1], axis=1)
        for j, i in enumerate(best):
            ax.add_patch(Rectangle((i - 0.5, j - 0.5), 1, 1, fill=False, ec="#D55E00", lw=1.6))
    if title:
        ax.set_title(title, fontsize=9)


def plot_translation_table(ax: Axes, corpus: AlignmentCorpus, params: IBM1Params,
                           title: str = "t(e | f)") -> None:
    """t(e | f) of a small corpus: source words f down, target words e across; the cells
    of word pairs that never share a sentence pair are left empty."""
    if not isinstance(corpus, AlignmentCorpus):
        raise TypeError(f"corpus must be an AlignmentCorpus, got {type(corpus).__name__}")
    dense = np.full((len(corpus.source_vocabulary), len(corpus.target_vocabulary)), np.nan)
    dense[corpus.cell_source, corpus.cell_target] = params.prob
    plot_alignment_matrix(ax, dense, corpus.target_vocabulary, corpus.source_vocabulary,
                          title=title, frame_best=False)
    ax.set_xlabel("e (target)", fontsize=9)
    ax.set_ylabel("f (source)", fontsize=9)


def _draw_state(ax: Axes, corpus: AlignmentCorpus, record: Record) -> None:
    """q(a_j = i) of every pair (left) and t(e | f) (right), inside one axes."""
    ax.set_axis_off()
    n = len(corpus)
    width = 0.58 / n
    for p in range(n):
        inset = ax.inset_axes((p * (width + 0.02) + 0.02, 0.12, width - 0.04, 0.72))
        source = corpus.source_positions(p)
        target = list(corpus.pairs[p][1])
        if record.posterior is None:
            matrix = np.full((len(target), len(source)), np.nan)
            label = "q: none yet"
        else:
            matrix = corpus.pair_matrix(record.posterior.responsibilities(corpus), p)
            label = "q(a_j = i)"
        plot_alignment_matrix(inset, matrix, source, target,
                              title=f"pair {p + 1}: {label}",
                              frame_best=record.posterior is not None,
                              annotate=record.posterior is not None)
    table_ax = ax.inset_axes((0.72, 0.12, 0.27, 0.74))
    plot_translation_table(table_ax, corpus, record.params)
    name = {"init": "θ⁽⁰⁾", "E": "after the E step", "M": "after the M step"}[record.step]
    ax.set_title(f"{name} (iteration {record.iteration})", fontsize=10)


class AlignmentStepperWidget(StepperWidget):
    """The course's stepper with the picture above the trace (the picture is wide)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        header = list(self.children[:-1])
        self.children = (*header, self.picture, self.trace_picture)

    def summary(self) -> str:
        return (f"IBM Model 1, showing half-step {self.slider.value} of "
                f"{len(self.stepper) - 1}: {self.shown.summary(self.objective)}")


def ibm1_stepper(pairs: Sequence[Any] = KOEHN_PAIRS, null: bool = False,
                 params: IBM1Params | None = None, title: str | None = None
                 ) -> AlignmentStepperWidget:
    """The chapter-11 E/M widget on a small corpus (Koehn's three pairs by default).

    θ⁽⁰⁾ is ``params`` or the uniform t(e | f) = 1/|target vocabulary|. Each half-step
    shows q(a_j = i) for every pair (rows: target words, columns: source words; the framed
    cell is the most probable source of each word) and the table t(e | f).
    """
    model = IBMModel1Model(null=null)
    corpus = encode_corpus(list(pairs) if not isinstance(pairs, AlignmentCorpus) else pairs,
                           null)
    if len(corpus) > 4:
        raise ValueError(f"ibm1_stepper draws at most 4 sentence pairs, got {len(corpus)}")
    if params is None:
        params = model.init_params(corpus, np.random.default_rng(0))
    heading = title if title is not None else (
        "<b>IBM Model 1 on Koehn's corpus</b>: <i>E step</i> spreads each English word over "
        "the German words of its pair in proportion to t(e | f); <i>M step</i> re-estimates "
        "t(e | f) from those fractional counts.")
    return AlignmentStepperWidget(model, corpus, params, title=heading, picture_size="wide",
                                  draw=lambda ax, record: _draw_state(ax, corpus, record))


