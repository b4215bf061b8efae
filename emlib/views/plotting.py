"""The course's style and every drawing the notebooks and widgets share.

Figures have fixed sizes (``SIZES``) and a dpi of at most 100, so notebooks stay small
and pictures look the same everywhere. Two kinds of figure, and neither changes the
user's matplotlib backend:

* :class:`Canvas` — a widget's picture: one :class:`~matplotlib.figure.Figure` on its own
  Agg canvas, outside pyplot, rendered to PNG bytes (for ``ipywidgets.Image``, shown at
  the PNG's own pixel size; a widget's pictures side by side fit ``COLUMN_PX``). On a
  click the widget either moves the artists it made once (:class:`TracePlot`, the
  steppers of chapters 00/04, 06, 08, 10) or clears and redraws. Nothing of it reaches
  pyplot, so nothing leaks into a cell's output.

Text is ≥ 9 pt = 10 px; Chinese falls back to Noto Sans CJK SC where installed
(:func:`cjk_font_available`).
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
    "CJK_FONT",
    "COLUMN_PX",
    "STEP_COLORS",
    "Canvas",
    "TracePlot",
    "cjk_font_available",
    "component_colors",
    "course_style",
    "figure_to_png",
    "move_covariance_ellipse",
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
    "trace": (4.8, 4.2),
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
    # ≥ 9 pt = 10 px at DPI 80: no figure text smaller than 10 px
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    # Chinese terms fall back to Noto Sans CJK SC where it is installed (apt: fonts-noto-cjk;
    # see course_style): matplotlib falls back along font.family, glyph by glyph
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.25,
}


#: The CJK font of the fallback list and where Debian's fonts-noto-cjk puts its files.
CJK_FONT = "Noto Sans CJK SC"
_CJK_GLOB = "/usr/share/fonts/**/NotoSansCJK*.tt[cf]"
_cjk_checked = False


def cjk_font_available() -> bool:
    """Whether matplotlib finds :data:`CJK_FONT`; a font installed after matplotlib built its
    font cache is added (and the cache rebuilt) once per process. Machines without the
    font simply fall back to DejaVu Sans (Chinese then shows as boxes)."""
    global _cjk_checked
    from matplotlib import font_manager

    def found() -> bool:
        return any(f.name == CJK_FONT for f in font_manager.fontManager.ttflist)

    if not _cjk_checked and not found():
        _cjk_checked = True
        import glob

        files = glob.glob(_CJK_GLOB, recursive=True)
        if files:
            try:  # rebuild the on-disk cache so later processes find the font at once
                font_manager._load_fontmanager(try_read_cache=False)
            except Exception:  # pragma: no cover - a read-only cache dir is fine
                pass
            for path in files:
                font_manager.fontManager.addfont(path)
    _cjk_checked = True
    available = found()
    family = list(matplotlib.rcParams["font.family"])
    if available and family == ["sans-serif"]:  # matplotlib's default: add the fallback
        matplotlib.rcParams["font.family"] = ["sans-serif", CJK_FONT]
    return available


@contextmanager
def course_style():
    """Context manager applying the course's matplotlib settings."""
    family = ["DejaVu Sans", CJK_FONT] if cjk_font_available() else ["DejaVu Sans"]
    with matplotlib.rc_context({**_RC, "font.family": family}):
        yield


#: Fixed margins of ``new_figure(fast=True)``.
_FIXED_MARGINS = {"left": 0.14, "right": 0.97, "bottom": 0.15, "top": 0.9, "wspace": 0.35,
                  "hspace": 0.45}
#: Every widget fits a notebook column this wide (side-by-side pictures add up).
COLUMN_PX = 900


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

    ``axes = canvas.subplots(ncols=2)`` clears the figure and returns fresh axes laid out
    by matplotlib's constrained layout (no clipped labels, outside legends fit); draw into
    them, then ``canvas.png()`` gives the PNG bytes, of exactly ``width_px`` ×
    ``height_px`` pixels. Widgets that redraw often keep the axes and update their artists
    instead of calling ``subplots`` again (see :class:`TracePlot`). The figure never enters
    pyplot, so the user's backend is neither consulted nor changed.
    """

    def __init__(self, size: str = "square", *, relayout: bool = True) -> None:
        self.size = size
        self.relayout = bool(relayout)
        self.figure = Figure(figsize=_check_size(size), dpi=DPI, layout="constrained")
        self.figure.get_layout_engine().set(w_pad=0.06, h_pad=0.04)
        FigureCanvasAgg(self.figure)
        self._positions: list[Any] | None = None  # the layout of the first picture

    @property
    def width_px(self) -> int:
        """The picture's width in pixels (the widget shows each PNG at its own size)."""
        return round(SIZES[self.size][0] * DPI)

    @property
    def height_px(self) -> int:
        """The picture's height in pixels."""
        return round(SIZES[self.size][1] * DPI)

    def subplots(self, ncols: int = 1, nrows: int = 1, **subplot_kw: Any) -> Any:
        """Clear the figure and return ``nrows`` × ``ncols`` new axes in the course style."""
        self.figure.clear()
        with course_style():
            axes = self.figure.subplots(nrows, ncols, **subplot_kw)
        if self._positions is not None and len(self._positions) == len(self.figure.axes):
            for ax, position in zip(self.figure.axes, self._positions, strict=True):
                ax.set_position(position)
        return axes

    def png(self) -> bytes:
        """The figure as it is now, as PNG bytes.

        Every picture is laid out by constrained layout, unless ``relayout`` is False:
        then the first picture's axes positions are kept for every later one (a layout
        engine per click costs a third of the click; for pictures whose tick labels and
        legends keep their size, e.g. those updated in place).
        """
        from PIL import Image

        with course_style():
            self.figure.canvas.draw()  # one draw (savefig would lay out and draw twice)
        if self._positions is None and not self.relayout:
            self._positions = [ax.get_position() for ax in self.figure.axes]
            self.figure.set_layout_engine(None)
            self.figure._layout_engine = None  # no placeholder engine: no extra draws
        buffer = io.BytesIO()
        Image.frombuffer("RGBA", self.figure.canvas.get_width_height(),
                         self.figure.canvas.buffer_rgba()).save(buffer, format="png",
                                                                compress_level=1)
        return buffer.getvalue()


def component_colors(k: int) -> list[str]:
    """``k`` distinct colours (cycled past 8)."""
    return [COLORS[i % len(COLORS)] for i in range(k)]


class TracePlot:
    """The objective and the lower bound after every half-step (chapters 00, 03–10).

    x is the half-step index; ln p(X|θ) is the line, L(q, θ) the hollow markers, so the
    gap KL(q‖p) is the vertical distance: zero after each E step, open after each M step.
    The artists are made once; :meth:`update` moves them (a widget's click redraws only
    data, not axes, legend and text), which is what makes a click fast.
    """

    def __init__(self, ax: Axes, objective_name: str = "ln p(X|θ)") -> None:
        check_instance(ax, Axes, "ax")
        self.ax = ax
        empty = np.empty((0, 2))
        with course_style():
            (self.line,) = ax.plot([], [], color="#333333", lw=1.2, zorder=1,
                                   label=objective_name)
            self.points = {step: ax.scatter(empty[:, 0], empty[:, 1], s=18, color=color,
                                            zorder=3, label="θ⁽⁰⁾" if step == "init"
                                            else f"after {step}")
                           for step, color in STEP_COLORS.items()}
            self.bounds = ax.scatter(empty[:, 0], empty[:, 1], s=30, facecolors="none",
                                     edgecolors="#009E73", zorder=2, label="L(q,θ)")
            self.cursor = ax.axvline(0, color="#999999", lw=0.8, ls="--", zorder=0)
            ax.set_xlabel("half-step")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylabel(objective_name)
            # above the axes, never on the data
            ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.01, 1.0, 0.2), ncol=3,
                      mode="expand", frameon=False, borderaxespad=0.0, handlelength=1.2)

    def update(self, records: Sequence[Record], current: int | None = None) -> None:
        """Show ``records`` (with a dashed cursor at half-step ``current``, if given)."""
        for record in records:
            check_instance(record, Record, "records (each)")
        if len(records) == 0:
            raise ValueError("records must not be empty")
        x = np.arange(len(records), dtype=float)
        ll = np.array([r.log_likelihood for r in records], dtype=float)
        self.line.set_data(x, ll)
        steps = np.array([r.step for r in records])
        for step, points in self.points.items():
            mask = steps == step
            points.set_offsets(np.column_stack([x[mask], ll[mask]]))
        bound_idx = [i for i, r in enumerate(records) if r.lower_bound is not None]
        bounds = np.array([records[i].lower_bound for i in bound_idx], dtype=float)
        self.bounds.set_offsets(np.column_stack([x[bound_idx], bounds]) if bound_idx
                                else np.empty((0, 2)))
        self.cursor.set_visible(current is not None)
        if current is not None:
            self.cursor.set_xdata([current, current])
        self.ax.set_xlim(-0.5, max(len(records), 4) - 0.5)
        finite = ll[np.isfinite(ll)]
        if finite.size > 1 and np.ptp(finite) > 0:
            tail = finite[min(1, finite.size - 1):]
            low = float(np.min(tail)) - 0.05 * float(np.ptp(finite))
            self.ax.set_ylim(low, float(np.max(finite)) + 0.08 * float(np.ptp(finite)))
        elif finite.size:
            self.ax.set_ylim(finite[0] - 1.0, finite[0] + 1.0)


def plot_trace(ax: Axes, records: Sequence[Record], current: int | None = None,
               objective_name: str = "ln p(X|θ)") -> TracePlot:
    """Draw a :class:`TracePlot` of ``records`` into ``ax`` (for notebook cells) and return it."""
    trace = TracePlot(ax, objective_name)
    trace.update(records, current)
    return trace


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
    style = {"fill": False, "lw": 1.5, **style}
    ellipse = Ellipse(mean, 0.0, 0.0, **style)
    move_covariance_ellipse(ellipse, mean, cov, n_std)
    ax.add_patch(ellipse)
    return ellipse


def move_covariance_ellipse(ellipse: Ellipse, mean: Any, cov: Any, n_std: float = 2.0) -> None:
    """Move ``ellipse`` to {x : (x−μ)ᵀ Σ⁻¹ (x−μ) = n_std²} (a widget's redraw in place)."""
    values, vectors = np.linalg.eigh(np.asarray(cov, float))
    values = np.clip(values, 0, None)
    ellipse.set_center(np.asarray(mean, float))
    ellipse.set_width(2 * n_std * np.sqrt(values[1]))
    ellipse.set_height(2 * n_std * np.sqrt(values[0]))
    ellipse.set_angle(float(np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1]))))


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
