"""Pictures and the stepping widget of chapter ``05_kmeans`` (k-Means算法).

* :func:`kmeans_stepper` — the E/M widget on 2-D data: points coloured by their cluster,
  the centres with their trails, −J and its bound per half-step;
* :func:`plot_clusters` — one state (points, centres, trails) on given axes;
* :func:`plot_plusplus_step` — one D² draw of k-means++;
* :func:`plot_triangle_bounds` — why Elkan's bounds let a distance be skipped;
* :func:`plot_kdtree_filter` — which k-d tree boxes were settled without any distance.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle, Rectangle

from .._validation import check_random_state
from ..em import Record
from ..kmeans import (
    FilterResult,
    KMeansModel,
    PlusPlusStep,
    check_centers,
    check_points,
)
from . import plotting
from .stepper import StepperWidget

__all__ = [
    "KMeansStepperWidget",
    "kmeans_stepper",
    "plot_clusters",
    "plot_kdtree_filter",
    "plot_plusplus_step",
    "plot_triangle_bounds",
]

GREY = "#9a9a9a"


def plot_clusters(ax: Axes, X: Any, centers: Any, labels: Any | None = None,
                  trail: list[np.ndarray] | None = None, title: str = "") -> None:
    """Points coloured by their label (grey when unassigned), centres as crosses.

    ``trail`` is the list of earlier centre arrays; each centre's path is drawn as a line.
    """
    X = check_points(X)
    C = check_centers(centers, X.shape[1])
    if X.shape[1] != 2:
        raise ValueError(f"plot_clusters draws 2-D data, X has {X.shape[1]} features")
    colors = np.array(plotting.component_colors(len(C)))
    if labels is None:
        ax.scatter(X[:, 0], X[:, 1], s=9, color=GREY, alpha=0.7, linewidths=0)
    else:
        ax.scatter(X[:, 0], X[:, 1], s=9, c=colors[np.asarray(labels)], alpha=0.7,
                   linewidths=0)
    if trail:
        path = np.array([*trail, C])  # (steps, K, 2)
        for k in range(len(C)):
            ax.plot(path[:, k, 0], path[:, k, 1], "-o", color=colors[k], lw=1.2, ms=3,
                    mec="black", mew=0.4, zorder=3)
    ax.scatter(C[:, 0], C[:, 1], marker="X", s=140, c=colors, edgecolors="black",
               linewidths=1.2, zorder=4)
    ax.set_aspect("equal", adjustable="datalim")
    if title:
        ax.set_title(title)


def _record_title(record: Record) -> str:
    best = -record.log_likelihood
    if record.lower_bound is None:
        return f"θ⁽⁰⁾: J(μ, r*) = {best:.2f}"
    return (f"{record.step} (iteration {record.iteration}): J(μ, r) = "
            f"{-record.lower_bound:.2f}, J(μ, r*) = {best:.2f}")


def _record_line(record: Record) -> str:
    head = f"{record.step} (iteration {record.iteration}): J(μ, r*) = {-record.log_likelihood:.4f}"
    if record.lower_bound is None:
        return head + ", J(μ, r) = –, gap = –"
    return head + (f", J(μ, r) = {-record.lower_bound:.4f}, "
                   f"gap = {round(record.kl, 4) + 0.0:.4f}")


class KMeansStepperWidget(StepperWidget):
    """The course's stepper, with its label in k-Means terms: J(μ, r*), J(μ, r) and the gap.

    (The generic label shows ln p, L and KL; here they are −J(μ, r*), −J(μ, r) and
    J(μ, r) − J(μ, r*).)
    """

    def _show(self, index: int) -> None:
        super()._show(index)
        self.label.value = f"<code>{_record_line(self.shown)}</code>"

    def summary(self) -> str:
        return (f"k-Means, showing half-step {self.slider.value} of "
                f"{len(self.stepper) - 1}: {_record_line(self.shown)}")


def kmeans_stepper(X: Any, n_clusters: int = 3, init: str | Any = "random",
                   random_state: np.random.Generator | int | None = 0,
                   title: str | None = None, show_trails: bool = True
                   ) -> KMeansStepperWidget:
    """The k-Means E/M widget on 2-D data (notebook 05).

    θ⁽⁰⁾ = the centres of ``init`` ("random": K data points, "k-means++", or a (K, 2)
    array) drawn with ``random_state`` (None, an int ≥ 0 or a Generator). The picture
    shows the points coloured by the current assignment r (grey before the first E step),
    the centres μ and — with ``show_trails`` — the path each centre took through the
    earlier half-steps of the trace; its title gives J(μ, r) and J(μ, r*(μ)). The trace
    panel plots −J per half-step.
    """
    X = check_points(X)
    if X.shape[1] != 2:
        raise ValueError(f"X must have 2 features (columns) to be drawn, got {X.shape[1]}")
    model = KMeansModel(n_clusters, init=init)
    X = model.validate_data(X)
    params0 = model.init_params(X, check_random_state(random_state, "random_state"))

    holder: list[KMeansStepperWidget] = []

    def draw(ax: Axes, record: Record) -> None:
        records = holder[0].stepper.trace.records if holder else [record]
        index = next((i for i, r in enumerate(records) if r is record), len(records) - 1)
        trail = ([r.params.centers for r in records[:index]]
                 if show_trails else None)
        plot_clusters(ax, X, record.params.centers, record.posterior, trail,
                      _record_title(record))

    heading = title if title is not None else (
        f"<b>k-Means as hard EM</b>: K = {model.n_clusters}, N = {len(X)}. "
        "E step: each point joins its nearest centre; M step: each centre moves to the "
        "mean of its points.")
    widget = KMeansStepperWidget(model, X, params0, draw=draw, title=heading,
                                 picture_size="square")
    holder.append(widget)  # from now on draw() reads the trail from the widget's trace
    return widget


def plot_plusplus_step(ax: Axes, X: Any, step: PlusPlusStep, title: str = "") -> None:
    """One k-means++ draw: points sized and coloured by their probability D²/ΣD²."""
    X = check_points(X)
    p = step.probabilities
    earlier = step.centers[:-1]
    if step.d2 is None:
        ax.scatter(X[:, 0], X[:, 1], s=10, color=GREY, linewidths=0)
    else:
        order = np.argsort(p)
        ax.scatter(X[order, 0], X[order, 1], s=4 + 120 * p[order] / p.max(), c=p[order],
                   cmap="viridis", linewidths=0)
        ax.scatter(earlier[:, 0], earlier[:, 1], marker="X", s=120, color="black",
                   label="centres so far")
    new = step.centers[-1]
    ax.scatter([new[0]], [new[1]], marker="*", s=260, color="#D55E00", edgecolors="black",
               zorder=5, label="drawn now")
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_title(title or (f"draw {len(step.centers)}: "
                           + ("uniform" if step.d2 is None
                              else f"p(drawn) = {p[step.chosen]:.3f}")))
    ax.legend(loc="lower right", frameon=False, fontsize=9)


def plot_triangle_bounds(axes: Any) -> None:
    """Two panels: the centre–centre test and the moving bounds of Elkan (2003).

    Left: x belongs to a; if ‖x − a‖ ≤ ½‖a − c‖ then x lies on a's side of the
    bisector with room to spare, so ‖x − c‖ ≥ ‖a − c‖ − ‖x − a‖ ≥ ‖x − a‖: c is skipped.
    Right: after the centres move by δ, ‖x − a'‖ ≤ u + δ(a) and ‖x − c'‖ ≥ l − δ(c) still
    hold, so the bounds survive an M step without any new distance.
    """
    if (isinstance(axes, (str, bytes)) or not hasattr(axes, "__len__") or len(axes) != 2
            or not all(isinstance(ax, Axes) for ax in axes)):
        raise TypeError("axes must be a pair of matplotlib Axes (e.g. from ncols=2)")
    left, right = axes
    a, c, x = np.array([0.0, 0.0]), np.array([4.0, 0.0]), np.array([0.6, 0.9])
    u = float(np.linalg.norm(x - a))
    left.plot(*zip(a, c, strict=True), color="#555555", lw=1)
    left.axvline(2.0, color="#555555", ls="--", lw=1)
    left.text(2.05, 2.2, "bisector of a and c", fontsize=9)
    left.add_patch(Circle(x, u, fill=False, color=plotting.COLORS[0], lw=1.5))
    left.add_patch(Circle(a, 2.0, fill=False, color=plotting.COLORS[1], lw=1, ls=":"))
    left.scatter(*a, marker="X", s=120, color=plotting.COLORS[0], zorder=3)
    left.scatter(*c, marker="X", s=120, color=plotting.COLORS[2], zorder=3)
    left.scatter(*x, s=30, color="black", zorder=4)
    for point, name in ((a, "a"), (c, "c"), (x, "x")):
        left.annotate(name, point, xytext=(5, 5), textcoords="offset points")
    left.set_title(f"u = ‖x−a‖ = {u:.2f} ≤ ½‖a−c‖ = 2.00:\nc cannot be nearer, skip it",
                   fontsize=9)
    left.set_xlim(-2.5, 5.5)
    left.set_ylim(-2.8, 2.8)
    left.set_aspect("equal")
    # right: bounds after a move
    a2, c2 = a + np.array([0.5, -0.3]), c + np.array([-0.6, 0.4])
    da, dc = float(np.linalg.norm(a2 - a)), float(np.linalg.norm(c2 - c))
    lower = float(np.linalg.norm(x - c))
    for old, new, color in ((a, a2, plotting.COLORS[0]), (c, c2, plotting.COLORS[2])):
        right.annotate("", new, old, arrowprops={"arrowstyle": "->", "color": color})
        right.scatter(*old, marker="X", s=80, color=color, alpha=0.35)
        right.scatter(*new, marker="X", s=120, color=color)
    right.add_patch(Circle(x, u + da, fill=False, color=plotting.COLORS[0], lw=1.5))
    right.add_patch(Circle(x, lower - dc, fill=False, color=plotting.COLORS[2], lw=1.5,
                           ls="--"))
    right.scatter(*x, s=30, color="black", zorder=4)
    right.set_title(f"after the M step: u ← u + δ(a) = {u + da:.2f},\n"
                    f"l(x,c) ← l − δ(c) = {lower - dc:.2f} (no new distance)", fontsize=9)
    right.set_xlim(-2.5, 5.5)
    right.set_ylim(-2.8, 2.8)
    right.set_aspect("equal")


def plot_kdtree_filter(ax: Axes, X: Any, centers: Any, result: FilterResult,
                       title: str = "") -> None:
    """Boxes settled without distances (coloured by their centre), open leaves hatched."""
    X = check_points(X)
    C = check_centers(centers, X.shape[1])
    colors = plotting.component_colors(len(C))
    tree = result.tree
    ax.scatter(X[:, 0], X[:, 1], s=4, c=np.array(colors)[result.labels], alpha=0.6,
               linewidths=0)
    for node, k in zip(result.settled_nodes, result.settled_centers, strict=True):
        lo, hi = tree.lo[node], tree.hi[node]
        ax.add_patch(Rectangle(lo, *(hi - lo), facecolor=colors[k], alpha=0.18,
                               edgecolor=colors[k], lw=0.8))
    for node in result.open_leaves:
        lo, hi = tree.lo[node], tree.hi[node]
        ax.add_patch(Rectangle(lo, *(hi - lo), fill=False, hatch="////", edgecolor="black",
                               lw=0.6))
    ax.scatter(C[:, 0], C[:, 1], marker="X", s=120, c=colors, edgecolors="black", zorder=4)
    ax.set_aspect("equal", adjustable="datalim")
    n = len(X) * len(C)
    ax.set_title(title or (f"{len(result.settled_nodes)} boxes settled, "
                           f"{len(result.open_leaves)} open leaves:\n"
                           f"{result.n_distance_evaluations} of {n} distances "
                           f"({100 * result.n_distance_evaluations / n:.1f} %)"), fontsize=9)
