"""Pictures and widgets of the ball games (弹球实验, chapters ``03_mle`` and ``04_ball_em``).

* :class:`OnePegWidget` — slide p, add rolls, and watch L(p) and ln L(p) (chapter 03);
* :func:`draw_three_pegs` — the pegs, the four paths and the cups of :mod:`emlib.ball`;
* :class:`ThreePegWidget` / :func:`ball_stepper` — the E/M stepper with the article's table;
* :func:`ridge_figure` — the ridge of equally good θ and EM's one-step jumps onto it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes

from .._validation import as_float_array, check_instance, check_probability, check_random_state
from ..ball import (
    ARTICLE_ROLLS,
    CUPS,
    PATH_CUP,
    ThreePegModel,
    ThreePegParams,
    cup_counts,
    cup_probabilities,
    e_step_table,
    expected_path_counts,
    path_probabilities,
    ridge_params,
)
from ..em import Record
from ..mle import bernoulli_likelihood, bernoulli_log_likelihood, bernoulli_mle
from . import plotting
from .stepper import CourseWidget, StepperWidget, make_button, make_image

__all__ = ["OnePegWidget", "ThreePegWidget", "ball_stepper", "draw_three_pegs", "ridge_figure"]


class OnePegWidget(CourseWidget):
    """Slide p, add or remove rolls, and watch L(p) = p^{n_a}(1−p)^{n_b} and ln L(p).

    Buttons: "+ a", "+ b" add a roll, "− last" removes one, "×10 rolls" repeats the data
    ten times (same p̂, sharper peak, and L underflows to 0 for long data while ln L stays
    finite: why we maximise the log), "Reset" returns to the starting rolls.
    Attributes: ``rolls`` (list), ``slider``, ``buttons``, ``label``, ``picture``.
    """

    def __init__(self, rolls: Sequence[str] = ARTICLE_ROLLS, p: float = 0.5) -> None:
        if not isinstance(rolls, Iterable) or any(r not in ("a", "b") for r in rolls):
            raise ValueError("rolls must be a sequence of 'a' and 'b'")
        self.initial_rolls = list(rolls)
        self.rolls = list(rolls)
        self.slider = widgets.FloatSlider(value=check_probability(p, "p"), min=0.0, max=1.0,
                                          step=0.01, description="p = P(a)",
                                          readout_format=".2f", continuous_update=False)
        self.slider.observe(lambda _c: self._redraw(), names="value")
        self.buttons = {
            "+ a": make_button("+ a", "add a roll into cup a"),
            "+ b": make_button("+ b", "add a roll into cup b"),
            "− last": make_button("− last", "remove the last roll"),
            "×10 rolls": make_button("×10 rolls", "repeat the rolls ten times"),
            "Reset": make_button("Reset", "back to the starting rolls"),
        }
        actions = {"+ a": lambda: self.rolls.append("a"), "+ b": lambda: self.rolls.append("b"),
                   "− last": lambda: self.rolls.pop() if self.rolls else None,
                   "×10 rolls": self._times_ten,
                   "Reset": lambda: setattr(self, "rolls", list(self.initial_rolls))}
        for name, button in self.buttons.items():
            button.on_click(lambda _b, act=actions[name]: (act(), self._redraw()))
        self.label = widgets.HTML()
        self.canvas = plotting.Canvas("wide")
        self.picture = make_image(self.canvas)
        super().__init__(children=[self.slider, widgets.HBox(list(self.buttons.values())),
                                   self.label, self.picture])
        self._redraw()

    def _times_ten(self) -> None:
        if len(self.rolls) <= 100_000:
            self.rolls = self.rolls * 10

    @property
    def counts(self) -> tuple[int, int]:
        """(n_a, n_b)."""
        n_a = self.rolls.count("a")
        return n_a, len(self.rolls) - n_a

    @property
    def p_hat(self) -> float | None:
        """The MLE n_a / N (None without rolls)."""
        n_a, n_b = self.counts
        return bernoulli_mle(n_a, n_b) if self.rolls else None

    def _redraw(self) -> None:
        n_a, n_b = self.counts
        p = self.slider.value
        self.likelihood = bernoulli_likelihood(p, n_a, n_b)
        self.log_likelihood = bernoulli_log_likelihood(p, n_a, n_b)
        shown = "".join(self.rolls)
        shown = shown if len(shown) <= 30 else shown[:30] + "…"
        text = (f"rolls {shown or '(none)'} (N = {n_a + n_b}, n_a = {n_a}); "
                f"p = {p:.2f}: L = {self.likelihood:.4g}, ln L = {self.log_likelihood:.4f}")
        if self.p_hat is not None:
            text += f"; p̂ = n_a/N = {self.p_hat:.4f}"
        self.label.value = f"<code>{text}</code>"
        grid = np.linspace(0.0, 1.0, 401)
        left, right = self.canvas.subplots(ncols=2)
        left.plot(grid, bernoulli_likelihood(grid, n_a, n_b), color=plotting.COLORS[0])
        left.set_title(f"$L(p) = p^{{{n_a}}}\\,(1-p)^{{{n_b}}}$")
        with np.errstate(invalid="ignore"):
            log_curve = bernoulli_log_likelihood(grid, n_a, n_b)
        right.plot(grid, log_curve, color=plotting.COLORS[1])
        finite = log_curve[np.isfinite(log_curve)]
        if finite.size and np.ptp(finite) > 0:
            top = float(finite.max())
            right.set_ylim(top - max(10.0, 0.5 * np.ptp(finite[finite > top - 60])), top + 1)
        right.set_title("ln L(p)")
        for ax, value in ((left, self.likelihood), (right, self.log_likelihood)):
            ax.axvline(p, color="#555555", lw=1)
            if np.isfinite(value):
                ax.scatter([p], [value], color="#555555", zorder=3, s=20, label=f"p = {p:.2f}")
            if self.p_hat is not None:
                ax.axvline(self.p_hat, color=plotting.COLORS[4], ls="--", lw=1.2,
                           label=f"p̂ = {self.p_hat:.3f}")
            ax.set_xlabel("p")
            ax.legend(frameon=False, loc="upper right")
        self.picture.value = self.canvas.png()

    def summary(self) -> str:
        n_a, n_b = self.counts
        p_hat = "–" if self.p_hat is None else f"{self.p_hat:.4f}"
        return (f"N = {n_a + n_b}, n_a = {n_a}, p = {self.slider.value:.2f}, "
                f"ln L = {self.log_likelihood:.4f}, p̂ = {p_hat}")


_PEGS = np.array([[0.0, 3.0], [-1.0, 1.9], [1.0, 1.9]])
_CUP_XY = np.array([[-1.7, 0.55], [0.0, 0.55], [1.7, 0.55]])
_PATH_PEG = np.array([1, 1, 2, 2])


def draw_three_pegs(ax: Axes, params: ThreePegParams, counts: Any,
                    path_counts: Any | None = None, title: str = "") -> None:
    """The pegs, the four paths and the cups (chapter ``04_ball_em``).

    Each path is drawn with a width proportional to its number of balls: ``path_counts``
    (e.g. the E step's expected counts E[N_y | X]) or, when None, what the model predicts,
    N·P(y | θ) (dashed). Pegs show p_i (probability of going right); cups show the observed
    count N_x and the model's N·P(x | θ).
    """
    state = _three_pegs_state(params, counts, path_counts)
    colors = plotting.component_colors(4)
    # upper segments: peg 0 -> peg 1 carries paths 0+1, peg 0 -> peg 2 carries 2+3
    for peg, (lw, label) in zip((1, 2), state["upper"], strict=True):
        a, b = _PEGS[0], _PEGS[peg]
        ax.plot([a[0], b[0]], [a[1], b[1]], color="#777777", ls=state["style"],
                solid_capstyle="round", lw=lw, zorder=1)
        mid = (a + b) / 2
        ax.text(mid[0] + (-0.28 if peg == 1 else 0.28), mid[1] + 0.1, label, ha="center",
                fontsize=9, color="#555555")
    for y, (lw, label) in enumerate(state["paths"]):
        a, b = _PEGS[_PATH_PEG[y]], _CUP_XY[PATH_CUP[y]] + np.array([0.0, 0.35])
        offset = np.array([0.08 if y == 1 else -0.08 if y == 2 else 0.0, 0.0])
        b = b + offset
        ax.plot([a[0], b[0]], [a[1], b[1]], color=colors[y], ls=state["style"],
                solid_capstyle="round", lw=lw, zorder=2, alpha=0.9)
        mid = a + 0.4 * (b - a)
        ax.text(mid[0] + (-0.34 if y in (0, 2) else 0.34), mid[1], label,
                ha="center", va="center", fontsize=9, color=colors[y])
    for i, label in enumerate(state["pegs"]):
        x, y = _PEGS[i]
        ax.fill([x - 0.17, x + 0.17, x], [y - 0.15, y - 0.15, y + 0.17], color="#333333",
                zorder=3)
        dx, ha = ((0.0, "center"), (-0.25, "right"), (0.25, "left"))[i]
        ax.text(x + dx, y + (0.25 if i == 0 else 0.0), label, ha=ha, fontsize=9,
                zorder=4, va="bottom" if i == 0 else "center")
    for i, label in enumerate(state["cups"]):
        x, y = _CUP_XY[i]
        ax.plot([x - 0.35, x - 0.3, x + 0.3, x + 0.35], [y + 0.3, y - 0.2, y - 0.2, y + 0.3],
                color="#333333", lw=2)
        ax.text(x, y - 0.45, label, ha="center", va="top", fontsize=9)
    ax.set_xlim(-2.5, 2.5)
    ax.set_ylim(-0.55, 3.45)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)


def _three_pegs_state(params: ThreePegParams, counts: Any,
                      path_counts: Any | None) -> dict[str, Any]:
    """What :func:`draw_three_pegs` shows: line style, (width, label) of the two upper
    segments and the four paths, and the labels of the pegs and the cups."""
    X = cup_counts(counts)
    check_instance(params, ThreePegParams, "params")
    n = X.total
    predicted = path_probabilities(params) * n
    shown = predicted if path_counts is None else as_float_array(path_counts, "path_counts",
                                                                 ndim=1)
    scale = 14.0 / max(n, 1e-12)
    model_cups = cup_probabilities(params) * n
    upper = [shown[0] + shown[1], shown[2] + shown[3]]
    return {
        "style": "--" if path_counts is None else "-",
        "upper": [(0.8 + scale * v, f"{v:.1f}") for v in upper],
        "paths": [(0.8 + scale * shown[y], f"y={y}\n{shown[y]:.1f}") for y in range(4)],
        "pegs": [f"p{i} = {p:.3f}" for i, p in enumerate(params.as_array())],
        "cups": [f"{cup}: N={X.counts[i]}\nmodel {model_cups[i]:.1f}"
                 for i, cup in enumerate(CUPS)],
    }


def _move_three_pegs(ax: Axes, params: ThreePegParams, counts: Any,
                     path_counts: Any | None, title: str) -> None:
    """Set the widths, styles and labels of a :func:`draw_three_pegs` picture in place."""
    state = _three_pegs_state(params, counts, path_counts)
    lines, texts = ax.lines, ax.texts
    for line, text, (lw, label) in zip(lines[:6], texts[:6], state["upper"] + state["paths"],
                                       strict=True):
        line.set_linewidth(lw)
        line.set_linestyle(state["style"])
        text.set_text(label)
    for text, label in zip(texts[6:], state["pegs"] + state["cups"], strict=True):
        text.set_text(label)
    ax.title.set_text(title)


class ThreePegWidget(StepperWidget):
    """The E/M stepper over :class:`ThreePegModel`, with the drawing of pegs, paths and cups
    and the article's E-step table for the record on display (attribute ``table``)."""

    def __init__(self, counts: Any, params: ThreePegParams | None = None, *,
                 rng: np.random.Generator | int | None = 0, title: str = "") -> None:
        self.counts = cup_counts(counts)
        self.table = widgets.HTML()
        super().__init__(ThreePegModel(), self.counts, params, draw=self._draw, rng=rng,
                         title=title or "<b>Three pegs, hidden paths</b>: E fills the paths "
                         "with expected balls, M moves the p's", picture_size="square")
        self.children = (*self.children, self.table)
        self._update_table()

    def _picture(self, record: Record) -> tuple[Any, str]:
        if record.posterior is None:
            return None, "θ⁽⁰⁾: paths = model's N·P(y|θ)"
        what = ("E step: E[N_y | X, θ]" if record.step == "E"
                else "M step: new θ from E[N_y]")
        return (expected_path_counts(self.counts, record.posterior),
                f"{what} (iteration {record.iteration})")

    def _draw(self, ax: Axes, record: Record) -> Any:
        expected, title = self._picture(record)
        draw_three_pegs(ax, record.params, self.counts, expected, title=title)

        def update(shown: Record) -> None:  # moves the artists drawn above
            _move_three_pegs(ax, shown.params, self.counts, *self._picture(shown))

        return update

    def _show(self, index: int) -> None:
        super()._show(index)
        self._update_table()

    def _update_table(self) -> None:
        if not hasattr(self, "table"):
            return
        record = self.shown
        if record.posterior is None:
            self.table.value = "<i>Press E step to fill in the article's table.</i>"
            return
        expected = expected_path_counts(self.counts, record.posterior)
        head = (f"<code>E[N_y] = {', '.join(f'{v:.2f}' for v in expected)}; "
                f"θ = {record.params}</code>")
        if record.step == "E":  # the article's table is made at θ⁽ⁱ⁾, by the E step
            head += e_step_table(self.counts, record.params).to_html()
        self.table.value = head

    def expected_counts(self) -> np.ndarray | None:
        """E[N_y | X] of the record on display (None before the first E step)."""
        if self.shown.posterior is None:
            return None
        return expected_path_counts(self.counts, self.shown.posterior)

    def summary(self) -> str:
        return super().summary() + f", θ = {self.shown.params}"


def ball_stepper(counts: Any = None, params: ThreePegParams | None = None, *,
                 random_state: Any = 0) -> ThreePegWidget:
    """The chapter-04 widget in one line: ``ball_stepper({"a": 30, "b": 50, "c": 20})``.

    ``params`` is θ⁽⁰⁾ (default: drawn with ``random_state``: None, an int ≥ 0 or a Generator).
    """
    if counts is None:
        counts = {"a": 30, "b": 50, "c": 20}
    return ThreePegWidget(counts, params, rng=check_random_state(random_state))


def ridge_figure(counts: Any = None, starts: Sequence[ThreePegParams] | None = None) -> Any:
    """The ridge of equally good θ and EM's one-step jumps onto it (chapter ``04_ball_em``).

    Left: the profile log-likelihood max_{p2} ln p(X | p0, p1, p2) over (p0, p1), the ridge
    (1−p0)(1−p1) = f_a (white), and θ⁽⁰⁾ → θ⁽¹⁾ for several starts. Right: p1 and p2 along
    the ridge as functions of p0, where ln p(X|θ) is constant and maximal.
    """
    X = cup_counts({"a": 30, "b": 50, "c": 20} if counts is None else counts)
    if starts is None:
        starts = [ThreePegParams(0.2, 0.8, 0.5), ThreePegParams(0.7, 0.3, 0.4),
                  ThreePegParams(0.5, 0.5, 0.5), ThreePegParams(0.85, 0.15, 0.9),
                  ThreePegParams(0.3, 0.2, 0.1)]
    model = ThreePegModel()
    g = np.linspace(0.005, 0.995, 60)
    P0, P1, P2 = np.meshgrid(g, g, g, indexing="ij")
    na, nb, nc = X.counts
    with np.errstate(divide="ignore"):
        ll = (na * np.log((1 - P0) * (1 - P1)) + nb * np.log((1 - P0) * P1 + P0 * (1 - P2))
              + nc * np.log(P0 * P2))
    profile = ll.max(axis=2)
    best = float(np.sum([n * np.log(n / X.total) for n in X.counts if n > 0]))
    fig, (left, right) = plotting.new_figure("wide", ncols=2)
    levels = -np.array([60, 30, 15, 8, 4, 2, 1, 0.25, 0])
    mesh = left.contourf(g, g, np.clip(profile.T - best, -60, 0), levels=levels,
                         cmap="viridis")
    fig.colorbar(mesh, ax=left, label="max over p2 of ln p(X|θ) − max")
    share = np.linspace(0, 1, 200)
    ridge = np.array([t.as_array() for t in ridge_params(X, share)])
    left.plot(ridge[:, 0], ridge[:, 1], color="white", lw=2, label="ridge: ln p maximal")
    for i, theta0 in enumerate(starts):
        theta1 = model.m_step(X, model.e_step(X, theta0))
        color = plotting.COLORS[(i + 1) % len(plotting.COLORS)]
        left.annotate("", xy=(theta1.p0, theta1.p1), xytext=(theta0.p0, theta0.p1),
                      arrowprops={"arrowstyle": "->", "color": color, "lw": 1.5})
        left.scatter([theta0.p0], [theta0.p1], color=color, s=18, zorder=3)
        right.scatter([theta1.p0] * 2, [theta1.p1, theta1.p2], color=color, s=25, zorder=3)
    left.set_xlabel("p0")
    left.set_ylabel("p1")
    left.set_title("θ⁽⁰⁾ → θ⁽¹⁾ lands on the ridge")
    left.legend(frameon=False, loc="upper right", fontsize=9)
    right.plot(ridge[:, 0], ridge[:, 1], color=plotting.COLORS[0], label="p1 on the ridge")
    right.plot(ridge[:, 0], ridge[:, 2], color=plotting.COLORS[1], label="p2 on the ridge")
    right.set_xlabel("p0")
    right.set_ylim(-0.02, 1.02)
    right.set_title(f"on the ridge ln p = {best:.2f}")
    right.legend(frameon=False, fontsize=9)
    return fig
