"""Pictures and widgets of why EM works (chapter ``07_em_theory``, EM算法的收敛性证明).

* :func:`plot_em_effect` — the EM-effect picture (EM算法的效果示意图): ln p(X|θ) along one
  parameter, the bound of each E step touching it, the M step's jump to the bound's top;
* :func:`plot_bound_gap` — ln p(X|θ) = L(q, θ) + KL(q‖p) of one half-step as bars;
* :class:`EMEffectWidget` — the EM-effect picture, stepped by hand;
* :func:`bound_gap_stepper` — an E/M stepper whose picture is the bar of any model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes

from .._validation import as_float_array, check_instance
from ..em import EMModel, Record, StepOrderError, Stepper
from ..theory import ScalarParameter, bound_curve, likelihood_curve
from . import plotting
from .stepper import CourseWidget, StepperWidget, make_button, make_image

__all__ = ["EMEffectWidget", "bound_gap_stepper", "plot_bound_gap", "plot_em_effect"]


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
        ax.scatter([touch], [np.interp(touch, grid, curve)], color=plotting.STEP_COLORS["E"], s=25,
                   zorder=4)
    if bounds:
        touch, values = bounds[-1]
        values = np.asarray(values, float)
        best = int(np.argmax(values))
        ax.axvline(touch, color=plotting.STEP_COLORS["E"], lw=0.8, ls=":")
        ax.scatter([grid[best]], [values[best]], marker="^", color="#009E73", s=30, zorder=4,
                   label="max of the bound")
    if jump is not None:
        old, new = jump
        ax.annotate("", xy=(new, float(np.interp(new, grid, curve))),
                    xytext=(old, float(np.interp(old, grid, curve))),
                    arrowprops={"arrowstyle": "->", "color": plotting.STEP_COLORS["M"], "lw": 1.5})
        ax.axvline(new, color=plotting.STEP_COLORS["M"], lw=0.8, ls=":")
    ax.scatter([current], [np.interp(current, grid, curve)], color=plotting.STEP_COLORS["M"], s=40,
               zorder=5, label=f"current {parameter_name}")
    top = float(np.max(curve))
    span = max(top - low, 1e-9)
    ax.set_ylim(top - 1.05 * span, top + 0.08 * span)
    ax.set_xlim(float(grid[0]), float(grid[-1]))
    ax.set_xlabel(parameter_name)
    ax.set_ylabel("ln p(X|θ),  L(q,θ)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)


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
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9)


class EMEffectWidget(CourseWidget):
    """The EM-effect picture (EM算法的效果示意图) for a model with one free parameter.

    The curve is ln p(X|θ). **E step** draws the bound L(q, θ) with q = p(Z|X,θ_old): it
    touches the curve at θ_old. **M step** jumps to the maximum θ_new of that bound, where
    ln p(X|θ_new) ≥ L(q, θ_new) ≥ L(q, θ_old) = ln p(X|θ_old). Earlier bounds stay, faded.
    Attributes used by tests: ``stepper``, ``buttons``, ``label``, ``message``, ``picture``.
    """

    def __init__(self, model: EMModel, X: Any, params: Any, parameter: ScalarParameter, *,
                 n_grid: int = 150, title: str = "") -> None:
        if not isinstance(parameter, ScalarParameter):
            raise TypeError("parameter must be an emlib.theory.ScalarParameter")
        self.stepper = Stepper(model, X, params)
        self.parameter = parameter
        self.grid = parameter.grid(n_grid)
        self._bounds: list[tuple[Record, np.ndarray]] = []  # (E record, its bound), in order
        self.curve = likelihood_curve(model, self.stepper.X, self.stepper.params, parameter,
                                      self.grid)
        self.buttons = {
            "E step": make_button("E step", "draw the bound L(q,θ) touching ln p at θ_old", "info"),
            "M step": make_button("M step", "jump to the maximum of the bound", "warning"),
            "Undo": make_button("Undo", "go back one half-step"),
            "Reset": make_button("Reset", "back to θ⁽⁰⁾"),
        }
        actions = {"E step": self.stepper.e, "M step": self.stepper.m,
                   "Undo": self.stepper.undo, "Reset": self.stepper.reset}
        for name, button in self.buttons.items():
            button.on_click(lambda _b, act=actions[name]: self._act(act))
        self.label = widgets.HTML()
        self.message = widgets.HTML()
        self.canvas = plotting.Canvas("wide")
        self.picture = make_image(self.canvas)
        header = [widgets.HTML(title)] if title else []
        super().__init__(children=[*header, widgets.HBox(list(self.buttons.values())),
                                   self.label, self.message, self.picture])
        self._redraw()

    def _act(self, action: Callable[[], Any]) -> None:
        try:
            action()
            self.message.value = ""
        except StepOrderError as error:
            self.message.value = f"<b style='color:#D55E00'>{error}</b>"
        self._redraw()

    def bounds(self) -> list[tuple[float, np.ndarray]]:
        """(θ where it touches, L(q, θ) on the grid) for every E step so far."""
        s = self.stepper
        e_records = [record for record in s.trace.records if record.step == "E"]
        same = 0  # the bounds of the E steps still in the trace are kept; Undo drops the rest
        while (same < min(len(e_records), len(self._bounds))
               and self._bounds[same][0] is e_records[same]):
            same += 1
        del self._bounds[same:]
        for record in e_records[same:]:
            self._bounds.append((record, bound_curve(s.model, s.X, record.posterior,
                                                     record.params, self.parameter, self.grid)))
        return [(self.parameter.get(record.params), curve) for record, curve in self._bounds]

    def _redraw(self) -> None:
        s = self.stepper
        record = s.record
        theta = self.parameter.get(s.params)
        self.label.value = f"<code>{self.parameter.name} = {theta:.4f}; {record.summary()}</code>"
        ax = self.canvas.subplots()
        jump = None
        if record.step == "M":
            previous = s.trace.records[-2]
            jump = (self.parameter.get(previous.params), theta)
        plot_em_effect(ax, self.grid, self.curve, self.bounds(), theta,
                                jump=jump, parameter_name=self.parameter.name)
        self.picture.value = self.canvas.png()

    def summary(self) -> str:
        theta = self.parameter.get(self.stepper.params)
        return f"{self.parameter.name} = {theta:.4f}; {self.stepper.record.summary()}"


def bound_gap_stepper(model: EMModel, X: Any, params: Any = None, *, title: str = "",
                      rng: np.random.Generator | int | None = None) -> StepperWidget:
    """An E/M stepper whose picture is the bar ln p(X|θ) = L(q, θ) + KL(q‖p) (chapter 07).

    Works for any :class:`~emlib.em.EMModel`: after an E step the red KL segment vanishes,
    after an M step both bars rise and the gap opens again.
    """
    check_instance(model, EMModel, "model")
    objective = model.objective_name

    def draw(ax: Any, record: Record) -> None:
        plot_bound_gap(ax, record, objective_name=objective)

    return StepperWidget(model, X, params, draw=draw, title=title, picture_size="small",
                         rng=rng)
