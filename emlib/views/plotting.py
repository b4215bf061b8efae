"""The course's style and every drawing the notebooks and widgets share.

Figures have fixed sizes (``SIZES``) and a dpi of at most 100, so notebooks stay small
and pictures look the same everywhere. Two kinds of figure, and neither changes the
user's matplotlib backend:

* :class:`Canvas` — a widget's picture: one :class:`~matplotlib.figure.Figure` on its own
  Agg canvas, outside pyplot, cleared and redrawn on every click and rendered to PNG bytes
  (for ``ipywidgets.Image``). Nothing of it reaches pyplot, so nothing leaks into a cell's
  output.
* :func:`new_figure` — a figure for a notebook cell, made by pyplot so that the notebook's
  backend (inline, ipympl, …) shows it. pyplot is imported only here, when a cell asks.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse
from matplotlib.ticker import MaxNLocator

from .._validation import as_float_array, check_instance
from ..em import Record

__all__ = [
    "COLORS",
    "DPI",
    "SIZES",
    "STEP_COLORS",
    "Canvas",
    "component_colors",
    "course_style",
    "figure_to_png",
    "new_figure",
    "plot_covariance_ellipse",
    "plot_plsa_graphical_model",
    "plot_trace",
]

#: Resolution of every course figure (≤ 100 keeps notebooks light).
DPI = 80
#: Named figure sizes in inches.
SIZES: dict[str, tuple[float, float]] = {
    "small": (4.0, 3.0),
    "square": (4.8, 4.2),
    "wide": (8.0, 3.2),
    "trace": (4.8, 3.0),
    "tall": (8.0, 5.6),
}
#: One colour per mixture component / cluster / topic (colour-blind friendly, Okabe–Ito).
COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442",
          "#000000"]
#: Colour of each half-step kind in trace plots.
STEP_COLORS = {"init": "#555555", "E": "#0072B2", "M": "#D55E00"}

_RC = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
}


@contextmanager
def course_style():
    """Context manager applying the course's matplotlib settings."""
    with matplotlib.rc_context(_RC):
        yield


#: Fixed margins for figures redrawn on every click (a layout engine would double the cost).
_FIXED_MARGINS = {"left": 0.14, "right": 0.97, "bottom": 0.15, "top": 0.9, "wspace": 0.35,
                  "hspace": 0.45}


def _check_size(size: str) -> tuple[float, float]:
    if size not in SIZES:
        raise ValueError(f"size must be one of {sorted(SIZES)}, got {size!r}")
    return SIZES[size]


def new_figure(size: str = "square", ncols: int = 1, nrows: int = 1, *, fast: bool = False,
               **subplot_kw: Any) -> tuple[Figure, Any]:
    """A new pyplot figure of one of the named ``SIZES`` in the course style, with its axes.

    For notebook cells: the figure belongs to pyplot, so the notebook's backend shows it
    (``plt.show()``). Widgets use :class:`Canvas` instead. ``fast=True`` uses
    fixed margins instead of matplotlib's constrained layout.
    """
    import matplotlib.pyplot as plt  # only a notebook cell needs pyplot

    figsize = _check_size(size)
    layout = {"gridspec_kw": _FIXED_MARGINS} if fast else {"layout": "constrained"}
    with course_style():
        fig, axes = plt.subplots(nrows, ncols, figsize=figsize, dpi=DPI, **layout,
                                 **subplot_kw)
    return fig, axes


def figure_to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes; a pyplot figure is closed (no pile-up of open figures)."""
    check_instance(fig, Figure, "fig")
    buffer = io.BytesIO()
    with course_style():
        fig.savefig(buffer, format="png", dpi=DPI)
    if getattr(fig.canvas, "manager", None) is not None:  # made by pyplot: let it go
        import matplotlib.pyplot as plt

        plt.close(fig)
    return buffer.getvalue()


class Canvas:
    """A widget's picture: one Figure on an Agg canvas, redrawn in place (DESIGN.md §3).

    ``axes = canvas.subplots(ncols=2)`` clears the figure and returns fresh axes with
    fixed margins (a layout engine would cost as much as the drawing); draw into them,
    then ``canvas.png()`` gives the PNG bytes. The figure never enters pyplot, so the
    user's backend is neither consulted nor changed.
    """

    def __init__(self, size: str = "square") -> None:
        self.size = size
        self.figure = Figure(figsize=_check_size(size), dpi=DPI)
        FigureCanvasAgg(self.figure)

    @property
    def width_px(self) -> int:
        """The picture's width in pixels (the widget shows each PNG at its own size)."""
        return int(SIZES[self.size][0] * DPI)

    def subplots(self, ncols: int = 1, nrows: int = 1, **subplot_kw: Any) -> Any:
        """Clear the figure and return ``nrows`` × ``ncols`` new axes in the course style."""
        self.figure.clear()
        with course_style():
            return self.figure.subplots(nrows, ncols, gridspec_kw=dict(_FIXED_MARGINS),
                                        **subplot_kw)

    def png(self) -> bytes:
        """The figure as it is now, as PNG bytes."""
        return figure_to_png(self.figure)


def component_colors(k: int) -> list[str]:
    """``k`` distinct colours (cycled past 8)."""
    return [COLORS[i % len(COLORS)] for i in range(k)]


def plot_trace(ax: Axes, records: Sequence[Record], current: int | None = None,
               objective_name: str = "ln p(X|θ)") -> None:
    """The objective and the lower bound after every half-step (chapters 00, 03–09).

    x is the half-step index; ln p(X|θ) is the line, L(q, θ) the hollow markers, so the
    gap KL(q‖p) is the vertical distance: zero after each E step, open after each M step.
    """
    check_instance(ax, Axes, "ax")
    for record in records:
        check_instance(record, Record, "records (each)")
    if len(records) == 0:
        raise ValueError("records must not be empty")
    x = np.arange(len(records))
    ll = np.array([r.log_likelihood for r in records])
    ax.plot(x, ll, color="#333333", lw=1.2, zorder=1, label=objective_name)
    for step, color in STEP_COLORS.items():
        idx = [i for i, r in enumerate(records) if r.step == step]
        if idx:
            ax.scatter(x[idx], ll[idx], s=18, color=color, zorder=3, label=f"after {step}"
                       if step != "init" else "θ⁽⁰⁾")
    bound_idx = [i for i, r in enumerate(records) if r.lower_bound is not None]
    if bound_idx:
        bounds = np.array([records[i].lower_bound for i in bound_idx])
        ax.scatter(x[bound_idx], bounds, s=30, facecolors="none", edgecolors="#009E73",
                   zorder=2, label="L(q,θ)")
    if current is not None:
        ax.axvline(current, color="#999999", lw=0.8, ls="--", zorder=0)
    ax.set_xlabel("half-step")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(objective_name)
    ax.set_xlim(-0.5, max(len(records), 4) - 0.5)
    finite = ll[np.isfinite(ll)]
    if finite.size > 1 and np.ptp(finite) > 0:
        tail = finite[min(1, finite.size - 1):]
        low = float(np.min(tail)) - 0.05 * float(np.ptp(finite))
        ax.set_ylim(low, float(np.max(finite)) + 0.08 * float(np.ptp(finite)))
    ax.legend(loc="lower right", ncol=2, frameon=False)


def plot_covariance_ellipse(ax: Axes, mean: Any, cov: Any, n_std: float = 2.0,
                            **style: Any) -> Ellipse:
    """The ellipse {x : (x−μ)ᵀ Σ⁻¹ (x−μ) = n_std²} of a 2-D Gaussian (chapter 02, 06).

    Its axes point along the eigenvectors of Σ with half-lengths n_std·√λᵢ.
    """
    check_instance(ax, Axes, "ax")
    mean = as_float_array(mean, "mean", ndim=1)
    cov = as_float_array(cov, "cov", ndim=2)
    if mean.shape != (2,) or cov.shape != (2, 2):
        raise ValueError(f"mean and cov must be 2-D, got shapes {mean.shape} and {cov.shape}")
    values, vectors = np.linalg.eigh(cov)
    values = np.clip(values, 0, None)
    angle = float(np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1])))
    style = {"fill": False, "lw": 1.5, **style}
    ellipse = Ellipse(mean, 2 * n_std * np.sqrt(values[1]), 2 * n_std * np.sqrt(values[0]),
                      angle=angle, **style)
    ax.add_patch(ellipse)
    return ellipse


def plot_plsa_graphical_model(ax: Axes) -> None:
    """The graphical model of PLSA (chapter 08): d → z → w inside the plates N_d and D.

    Shaded nodes are observed (d, w), the white node z is hidden; the arrows carry
    P(z|d) and P(w|z), the document node carries P(d).
    """
    check_instance(ax, Axes, "ax")
    from matplotlib.patches import Circle, FancyArrowPatch, Rectangle

    ax.set_xlim(0, 10)
    ax.set_ylim(0, 4.2)
    ax.set_aspect("equal")
    ax.axis("off")
    nodes = {"d": (1.5, 2.0, True), "z": (5.0, 2.0, False), "w": (8.3, 2.0, True)}
    for name, (x, y, observed) in nodes.items():
        ax.add_patch(Circle((x, y), 0.7, facecolor="#cccccc" if observed else "white",
                            edgecolor="#333333", lw=1.5, zorder=2))
        ax.text(x, y, name, ha="center", va="center", fontsize=14, zorder=3)
    for (a, b), label in {("d", "z"): "P(z|d)", ("z", "w"): "P(w|z)"}.items():
        (x0, y0, _), (x1, y1, _) = nodes[a], nodes[b]
        ax.add_patch(FancyArrowPatch((x0 + 0.72, y0), (x1 - 0.72, y1), arrowstyle="-|>",
                                     mutation_scale=15, lw=1.5, color="#333333"))
        ax.text((x0 + x1) / 2, y0 + 0.35, label, ha="center", fontsize=10)
    ax.text(1.5, 0.9, "P(d)", ha="center", fontsize=10)
    ax.add_patch(Rectangle((3.9, 0.6), 5.7, 2.8, fill=False, lw=1.2, edgecolor="#0072B2"))
    ax.text(9.45, 0.75, "$N_d$", ha="right", fontsize=10, color="#0072B2")
    ax.add_patch(Rectangle((0.4, 0.2), 9.5, 3.8, fill=False, lw=1.2, edgecolor="#D55E00"))
    ax.text(9.8, 0.3, "D", ha="right", fontsize=10, color="#D55E00")
    ax.set_title("PLSA: d and w observed, the topic z hidden")
