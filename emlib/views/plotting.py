"""Every drawing the notebooks and widgets share, in one style.

Figures have fixed sizes (``SIZES``) and a dpi of at most 100, so notebooks stay small
and pictures look the same everywhere. Widgets render a figure to PNG bytes with
:func:`figure_to_png` (which closes it: no pile-up of open figures).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib

if matplotlib.get_backend().lower() not in ("module://matplotlib_inline.backend_inline",
                                            "inline", "agg", "pdf", "svg", "ps", "cairo"):
    matplotlib.use("Agg")  # headless by default; notebooks keep their inline backend
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Ellipse  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from .._validation import as_float_array, check_instance  # noqa: E402
from ..em import Record  # noqa: E402

__all__ = [
    "COLORS",
    "DPI",
    "SIZES",
    "STEP_COLORS",
    "component_colors",
    "course_style",
    "figure_to_png",
    "new_figure",
    "plot_bound_gap",
    "plot_covariance_ellipse",
    "plot_em_effect",
    "plot_plsa_graphical_model",
    "plot_topic_words",
    "plot_trace",
    "plot_word_posteriors",
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


def new_figure(size: str = "square", ncols: int = 1, nrows: int = 1, *, fast: bool = False,
               **subplot_kw: Any) -> tuple[Figure, Any]:
    """A new figure of one of the named ``SIZES`` in the course style, with its axes.

    ``fast=True`` uses fixed margins instead of matplotlib's constrained layout: widgets
    redraw on every click and the layout engine would cost as much as the drawing.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {sorted(SIZES)}, got {size!r}")
    layout = {"gridspec_kw": _FIXED_MARGINS} if fast else {"layout": "constrained"}
    with course_style():
        fig, axes = plt.subplots(nrows, ncols, figsize=SIZES[size], dpi=DPI, **layout,
                                 **subplot_kw)
    return fig, axes


def figure_to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes (for ``ipywidgets.Image``); the figure is closed."""
    check_instance(fig, Figure, "fig")
    buffer = io.BytesIO()
    with course_style():
        fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    return buffer.getvalue()


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


def plot_bound_gap(ax: Axes, record: Record, objective_name: str = "ln p(X|θ)") -> None:
    """The decomposition ln p(X|θ) = L(q, θ) + KL(q ‖ p(Z|X,θ)) of one half-step as bars.

    The green bar reaches L(q, θ), the red segment on top of it is KL(q‖p), together
    exactly ln p(X|θ) (the dashed line). Chapter 07.
    """
    check_instance(ax, Axes, "ax")
    check_instance(record, Record, "record")
    ll = record.log_likelihood
    ax.axhline(ll, color="#333333", ls="--", lw=1, label=objective_name)
    if record.lower_bound is None:
        ax.set_title(f"{record.step}: q not defined yet")
        ax.bar([0], [ll], color="#bbbbbb", width=0.5)
    else:
        bound, kl = record.lower_bound, record.kl or 0.0
        base = min(bound, ll) - max(1.0, abs(kl)) * 1.5
        ax.bar([0], [bound - base], bottom=base, color="#009E73", width=0.5, label="L(q,θ)")
        ax.bar([0], [kl], bottom=bound, color="#D55E00", width=0.5, label="KL(q‖p)")
        ax.set_ylim(base, ll + max(1.0, abs(kl)) * 0.5)
        ax.set_title(f"after {record.step}: KL = {kl:.3g}")
    ax.set_xticks([])
    ax.legend(loc="lower center", frameon=False, fontsize=7)


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


def plot_em_effect(ax: Axes, grid: Any, log_likelihood: Any,
                   bounds: Sequence[tuple[float, Any]], current: float, *,
                   jump: tuple[float, float] | None = None,
                   parameter_name: str = "θ") -> None:
    """The EM-effect picture (EM算法的效果示意图, chapter 07) for one free parameter θ.

    ``log_likelihood`` is ln p(X|θ) on ``grid``; ``bounds`` lists (θ_t, L(q_t, θ) on the
    grid) for the E steps so far, the last one drawn boldly (it touches ln p at θ_t);
    ``jump`` = (θ_old, θ_new) marks an M step to the maximum of the last bound.
    """
    check_instance(ax, Axes, "ax")
    grid = as_float_array(grid, "grid", ndim=1)
    curve = as_float_array(log_likelihood, "log_likelihood", ndim=1)
    if grid.shape != curve.shape:
        raise ValueError("grid and log_likelihood must have one length")
    ax.plot(grid, curve, color="#333333", lw=2, label="ln p(X|θ)")
    low = float(np.min(curve))
    for i, (touch, values) in enumerate(bounds):
        values = np.asarray(values, float)
        last = i == len(bounds) - 1
        ax.plot(grid, values, color="#009E73", lw=1.8 if last else 0.8,
                alpha=1.0 if last else 0.35, label="L(q, θ), q = p(Z|X,θ_old)" if last else None)
        ax.scatter([touch], [np.interp(touch, grid, curve)], color=STEP_COLORS["E"], s=25,
                   zorder=4)
    if bounds:
        touch, values = bounds[-1]
        values = np.asarray(values, float)
        best = int(np.argmax(values))
        ax.axvline(touch, color=STEP_COLORS["E"], lw=0.8, ls=":")
        ax.scatter([grid[best]], [values[best]], marker="^", color="#009E73", s=30, zorder=4,
                   label="max of the bound")
    if jump is not None:
        old, new = jump
        ax.annotate("", xy=(new, float(np.interp(new, grid, curve))),
                    xytext=(old, float(np.interp(old, grid, curve))),
                    arrowprops={"arrowstyle": "->", "color": STEP_COLORS["M"], "lw": 1.5})
        ax.axvline(new, color=STEP_COLORS["M"], lw=0.8, ls=":")
    ax.scatter([current], [np.interp(current, grid, curve)], color=STEP_COLORS["M"], s=40,
               zorder=5, label=f"current {parameter_name}")
    top = float(np.max(curve))
    span = max(top - low, 1e-9)
    ax.set_ylim(top - 1.05 * span, top + 0.08 * span)
    ax.set_xlim(float(grid[0]), float(grid[-1]))
    ax.set_xlabel(parameter_name)
    ax.set_ylabel("ln p(X|θ),  L(q,θ)")
    ax.legend(loc="lower right", frameon=False, fontsize=7)


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
    order = np.argsort(-phi, axis=1, kind="stable")
    chosen: list[int] = []
    for rank in range(w):
        for z in range(k):
            if len(chosen) < min(top, w) and order[z, rank] not in chosen:
                chosen.append(int(order[z, rank]))
    chosen.sort(key=lambda j: (int(np.argmax(phi[:, j])), -float(phi[:, j].max())))
    y = np.arange(len(chosen))[::-1]
    height = 0.8 / k
    for z, color in enumerate(component_colors(k)):
        ax.barh(y + (k / 2 - z - 0.5) * height, phi[z, chosen], height=height, color=color,
                label=f"z{z + 1}")
    ax.set_yticks(y, [str(vocabulary[j]) for j in chosen])
    ax.set_xlabel("P(w|z)")
    ax.set_title(title)
    ax.legend(frameon=False, loc="lower right")
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
    ax.set_yticks(np.arange(len(labels)), list(labels), fontsize=7)
    ax.set_xticks(np.arange(q.shape[1]), [f"z{z + 1}" for z in range(q.shape[1])])
    ax.grid(False)
    ax.set_title(title)


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
