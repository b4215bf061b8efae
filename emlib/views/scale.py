"""Pictures of chapter ``12_em_at_scale``: one EM iteration as a map-reduce job.

:func:`plot_map_reduce` draws Lin & Dyer's figure of EM in MapReduce (their ch. 6): the
data split into partitions, one map task per partition computing the E step and
emitting expected sufficient statistics, a tree of additions (the combiners and the
reducer), and the M step in closed form on the summed statistics; θ goes back to every
mapper for the next iteration. :func:`plot_job_seconds` shows the time of each job of a
:class:`~emlib.scale.DistributedTrace`.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .._validation import check_instance, check_int
from ..scale import DistributedTrace
from . import plotting

__all__ = ["plot_job_seconds", "plot_map_reduce"]


def _box(ax: Axes, x: float, y: float, w: float, h: float, text: str, color: str) -> None:
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02",
                                facecolor=color, edgecolor="#333333", lw=0.8, alpha=0.9))
    ax.text(x, y, text, ha="center", va="center", fontsize=10)


def _arrow(ax: Axes, a: tuple[float, float], b: tuple[float, float], color: str = "#555555",
           style: str = "-|>") -> None:
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle=style, mutation_scale=10, color=color,
                                 lw=0.9, shrinkA=2, shrinkB=2))


def plot_map_reduce(ax: Axes, n_partitions: int = 4,
                    statistics: Sequence[str] = ("N_k", "Σ γ x", "S_k")) -> None:
    """One EM iteration as map and reduce (chapter ``12_em_at_scale``).

    ``n_partitions`` map tasks each read one part X_p of the data and emit s_p, the
    expected sufficient statistics named in ``statistics``; the reduce adds them pairwise
    (s = Σ_p s_p) and the M step turns s into θ_new, which is sent back to every mapper.
    """
    check_instance(ax, Axes, "ax")
    p = check_int(n_partitions, "n_partitions", low=1, high=8)
    names = ", ".join(str(s) for s in statistics)
    blue, orange, green = plotting.COLORS[5], plotting.COLORS[1], plotting.COLORS[2]
    xs = [(i + 0.5) / p for i in range(p)]
    for i, x in enumerate(xs):
        _box(ax, x, 0.92, 0.7 / p, 0.09, f"X_{i + 1}", "#eeeeee")
        _box(ax, x, 0.68, 0.7 / p, 0.13, f"map {i + 1}\nE step", blue)
        _arrow(ax, (x, 0.87), (x, 0.75))
    level, y = list(xs), 0.68
    while len(level) > 1:  # the tree of additions (combiners, then the reducer)
        y_next = y - 0.17 if len(level) > 2 else 0.3
        nxt = []
        for j in range(0, len(level), 2):
            pair = level[j:j + 2]
            x_new = sum(pair) / len(pair)
            for x in pair:
                _arrow(ax, (x, y - 0.07), (x_new, y_next + 0.04), color=blue)
            if len(level) > 2:
                ax.text(x_new, y_next, "+", ha="center", va="center", fontsize=14,
                        color="#333333")
            nxt.append(x_new)
        level, y = nxt, y_next
    _box(ax, 0.5, 0.3, 0.4, 0.1, "reduce: s = Σ_p s_p", orange)
    _box(ax, 0.5, 0.1, 0.4, 0.1, "M step: θ_new = θ(s)", green)
    _arrow(ax, (0.5, 0.25), (0.5, 0.15))
    _arrow(ax, (0.71, 0.1), (0.98, 0.1), color=green, style="-")
    _arrow(ax, (0.98, 0.1), (0.98, 0.62), color=green, style="-")
    ax.text(0.96, 0.4, "θ_new to every\nmapper (next job)", ha="right", va="center",
            fontsize=10, color=green)
    ax.text(0.01, 0.46, f"each map emits\ns_p = ({names})", ha="left", va="center",
            fontsize=10, color="#333333")
    ax.set_xlim(0, 1)
    ax.set_ylim(0.02, 1.0)
    ax.set_axis_off()
    ax.set_title("One EM iteration = one map-reduce job")


def plot_job_seconds(ax: Axes, trace: DistributedTrace, label: str = "") -> None:
    """Wall seconds of every map-reduce job of a distributed run (job 0 evaluates θ⁽⁰⁾)."""
    check_instance(ax, Axes, "ax")
    check_instance(trace, DistributedTrace, "trace")
    ax.plot(range(len(trace.seconds)), trace.seconds, marker="o", label=label or None)
    ax.axhline(0.0, lw=0)  # keeps 0 in view while later lines still rescale the axis
    ax.set_xlabel("job (EM iteration)")
    ax.set_ylabel("seconds")
    ax.xaxis.get_major_locator().set_params(integer=True)
    if label:
        ax.legend(frameon=False, loc="best")
