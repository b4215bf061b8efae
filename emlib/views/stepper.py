"""The course's interactive widgets: E step / M step buttons over any EM model.

:class:`StepperWidget` is a view of an :class:`emlib.em.Stepper`: buttons **E step**,
**M step**, **E+M**, **Run**, **Undo**, **Reset**, a slider over the trace, a label with
ln p(X|θ), L(q,θ) and KL, the model picture and the trace plot. Pictures are redrawn by
replacing the PNG bytes of ``ipywidgets.Image`` widgets, from the trace record alone, so
any earlier half-step can be shown again exactly and nothing leaks into cell outputs.

Chapters build their widget in one line from a model, data, θ⁽⁰⁾ and a draw function::

    StepperWidget(model, X, params0, draw=draw_mixture, title="...")

Small widgets for the prerequisite chapters (Bayes, Jensen, KL) live here too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes

from .._validation import as_float_array
from ..em import EMModel, Record, StepOrderError, Stepper
from ..prereq import bayes_posterior, jensen_gap, kl_divergence
from . import plotting

__all__ = [
    "BayesWidget",
    "CourseWidget",
    "JensenWidget",
    "KLWidget",
    "StepperWidget",
]

DrawFunction = Callable[[Axes, Record], None]


class CourseWidget(widgets.VBox):
    """A VBox whose text form is a short, stable summary instead of its children.

    Notebooks store a widget's text form as its output; nbval compares it. The default
    repr would contain the PNG bytes of every picture, which change with matplotlib's
    version. Subclasses say what they show in :meth:`summary`.
    """

    def summary(self) -> str:  # pragma: no cover - overridden
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.summary()})"


def _image(size: str) -> widgets.Image:
    width = int(plotting.SIZES[size][0] * plotting.DPI)
    return widgets.Image(format="png", layout=widgets.Layout(width=f"{width}px"))


def _button(description: str, tooltip: str, style: str = "") -> widgets.Button:
    return widgets.Button(description=description, tooltip=tooltip, button_style=style,
                          layout=widgets.Layout(width="auto"))


def _float_sliders(values: Any, labels: Sequence[str], low: float = 0.0, high: float = 1.0,
                   step: float = 0.01) -> list[widgets.FloatSlider]:
    """One slider per value, labelled, for the prerequisite widgets."""
    return [widgets.FloatSlider(value=float(v), min=low, max=high, step=step, description=label,
                                readout_format=".2f")
            for v, label in zip(values, labels, strict=True)]


def _normalised(sliders: Sequence[widgets.FloatSlider]) -> np.ndarray:
    """The sliders' values renormalised to a distribution (uniform when all are 0)."""
    raw = np.array([s.value for s in sliders])
    return raw / raw.sum() if raw.sum() > 0 else np.full(len(raw), 1 / len(raw))


class StepperWidget(CourseWidget):
    """E/M stepping widget for any :class:`~emlib.em.EMModel` (DESIGN.md §3).

    Parameters
    ----------
    model, X, params:
        The model, its data and θ⁽⁰⁾ (None: ``model.init_params(X, rng)``).
    draw:
        ``draw(ax, record)`` draws the model at one record (``record.params`` and
        ``record.posterior``; the posterior is None at init).
    title:
        Shown above the buttons (HTML allowed).
    picture_size:
        Name of a figure size in :data:`emlib.plotting.SIZES` for the model picture.
    max_run:
        Largest number of iterations the **Run** button performs.

    Attributes the tests and notebooks use: ``stepper``, ``buttons`` (a dict by label),
    ``slider``, ``label``, ``message``, ``picture``, ``trace_picture``, ``shown``
    (the record on display).
    """

    def __init__(self, model: EMModel, X: Any, params: Any = None, *, draw: DrawFunction,
                 title: str = "", picture_size: str = "square", max_run: int = 200,
                 tol: float = 1e-8, rng: np.random.Generator | int | None = None) -> None:
        if not callable(draw):
            raise TypeError("draw must be a callable draw(ax, record)")
        if picture_size not in plotting.SIZES:
            raise ValueError(f"picture_size must be one of {sorted(plotting.SIZES)}")
        self.stepper = Stepper(model, X, params, rng=rng)
        self.draw = draw
        self.picture_size = picture_size
        self.max_run, self.tol = max_run, tol
        self.buttons = {
            "E step": _button("E step", "q(Z) ← p(Z | X, θ): close the gap KL(q‖p)", "info"),
            "M step": _button("M step", "θ ← argmax E_q[ln p(X,Z|θ)]: raise the bound",
                              "warning"),
            "E+M": _button("E+M", "one full EM iteration"),
            "Run": _button("Run", f"iterate until ln p rises by < {tol:g} (≤ {max_run} its)"),
            "Undo": _button("Undo", "go back one half-step"),
            "Reset": _button("Reset", "back to θ⁽⁰⁾"),
        }
        actions = {"E step": self.stepper.e, "M step": self.stepper.m,
                   "E+M": self.stepper.iterate, "Undo": self.stepper.undo,
                   "Reset": self.stepper.reset,
                   "Run": lambda: self.stepper.run(self.max_run, self.tol)}
        for name, button in self.buttons.items():
            button.on_click(lambda _b, act=actions[name]: self._act(act))
        self.slider = widgets.IntSlider(value=0, min=0, max=0, description="half-step",
                                        continuous_update=False,
                                        layout=widgets.Layout(width="420px"))
        self._moving_slider = False
        self.slider.observe(self._on_slider, names="value")
        self.label = widgets.HTML()
        self.message = widgets.HTML()
        self.picture = _image(picture_size)
        self.trace_picture = _image("trace")
        self.shown: Record = self.stepper.record
        header = [widgets.HTML(title)] if title else []
        super().__init__(children=[
            *header,
            widgets.HBox(list(self.buttons.values())),
            self.slider, self.label, self.message,
            widgets.HBox([self.picture, self.trace_picture]),
        ])
        self._show(0)

    # -- reactions ---------------------------------------------------------------------
    def _act(self, action: Callable[[], Any]) -> None:
        before = len(self.stepper)
        try:
            action()
            self.message.value = ""
            if len(self.stepper) == before and action in (self.stepper.e, self.stepper.m):
                self.message.value = (f"<i>{self.stepper.last_step} again changes nothing: "
                                      "the state is already its fixed point.</i>")
        except StepOrderError as error:
            self.message.value = f"<b style='color:#D55E00'>{error}</b>"
        last = len(self.stepper) - 1
        self._moving_slider = True  # one redraw below, not one per slider change
        try:
            self.slider.max = last
            self.slider.value = last
        finally:
            self._moving_slider = False
        self._show(last)

    def _on_slider(self, change: dict[str, Any]) -> None:
        if not self._moving_slider:  # a learner scrubbing through the trace
            self._show(change["new"])

    def _show(self, index: int) -> None:
        records = self.stepper.trace.records
        index = min(index, len(records) - 1)
        shown = records[index]
        fig, ax = plotting.new_figure(self.picture_size, fast=True)
        self.draw(ax, shown)
        self.picture.value = plotting.figure_to_png(fig)
        fig, ax = plotting.new_figure("trace", fast=True)
        plotting.plot_trace(ax, records, current=index,
                            objective_name=self.stepper.model.objective_name)
        self.trace_picture.value = plotting.figure_to_png(fig)
        # the label changes last: whoever sees the new numbers also sees the new pictures
        self.shown = shown
        self.label.value = f"<code>{shown.summary(self.objective)}</code>"

    # -- text ---------------------------------------------------------------------------
    def summary(self) -> str:
        return (f"{type(self.stepper.model).__name__}, showing half-step "
                f"{self.slider.value} of {len(self.stepper) - 1}: "
                f"{self.shown.summary(self.objective)}")

    @property
    def objective(self) -> str:
        """The name of what the model climbs: "ln p" for a likelihood, else its own name."""
        name = self.stepper.model.objective_name
        return "ln p" if name == EMModel.objective_name else name


class BayesWidget(CourseWidget):
    """Prior × likelihood ∝ posterior over a few hypotheses (chapter 01, 贝叶斯公式).

    Sliders set the prior P(y) (renormalised) and the likelihood P(x|y) of the observed x;
    the bars show prior, likelihood and posterior P(y|x) = P(x|y)P(y) / Σ P(x|y')P(y').
    """

    def __init__(self, hypotheses: Sequence[str], prior: Any, likelihood: Any,
                 title: str = "") -> None:
        names = [str(h) for h in hypotheses]
        prior = as_float_array(prior, "prior", ndim=1)
        likelihood = as_float_array(likelihood, "likelihood", ndim=1)
        if not (len(names) == len(prior) == len(likelihood)) or len(names) < 2:
            raise ValueError("hypotheses, prior and likelihood need one (equal) length >= 2")
        bayes_posterior(prior / prior.sum(), likelihood)  # validates
        self.hypotheses = names

        self.prior_sliders = _float_sliders(prior / prior.sum(), [f"P({h})" for h in names])
        self.likelihood_sliders = _float_sliders(likelihood, [f"P(x|{h})" for h in names])
        for s in self.prior_sliders + self.likelihood_sliders:
            s.observe(lambda _c: self._redraw(), names="value")
        self.label = widgets.HTML()
        self.picture = _image("wide")
        header = [widgets.HTML(title)] if title else []
        super().__init__(children=[*header, widgets.HBox([
            widgets.VBox([widgets.HTML("<b>prior P(y)</b>"), *self.prior_sliders]),
            widgets.VBox([widgets.HTML("<b>likelihood P(x|y)</b>"), *self.likelihood_sliders]),
        ]), self.label, self.picture])
        self._redraw()

    @property
    def prior(self) -> np.ndarray:
        """P(y): the prior sliders, renormalised."""
        return _normalised(self.prior_sliders)

    @property
    def likelihood(self) -> np.ndarray:
        """P(x | y) for the observed x, as set on the sliders."""
        return np.array([s.value for s in self.likelihood_sliders])

    def _redraw(self) -> None:
        try:
            self.posterior = bayes_posterior(self.prior, self.likelihood)
            self.label.value = "<code>posterior " + ", ".join(
                f"P({h}|x) = {p:.3f}" for h, p in zip(self.hypotheses, self.posterior,
                                                        strict=True)) + "</code>"
        except ValueError as error:
            self.posterior = np.full(len(self.hypotheses), np.nan)
            self.label.value = f"<b>{error}</b>"
        fig, axes = plotting.new_figure("wide", ncols=3, sharey=True, fast=True)
        for ax, values, name in zip(axes, (self.prior, self.likelihood, self.posterior),
                                    ("prior P(y)", "likelihood P(x|y)", "posterior P(y|x)"),
                                    strict=True):
            ax.bar(self.hypotheses, np.nan_to_num(values), color=plotting.COLORS[:len(values)])
            ax.set_title(name)
            ax.set_ylim(0, 1)
        self.picture.value = plotting.figure_to_png(fig)

    def summary(self) -> str:
        return "posterior " + ", ".join(f"{p:.3f}" for p in self.posterior)


class JensenWidget(CourseWidget):
    """Jensen's inequality f(E[x]) ≤ E[f(x)] for convex f, with points and weights to move.

    Chapter 02: the chord picture — the weighted mean of the points on the curve lies
    above the curve at the weighted mean, by exactly the Jensen gap Σwᵢf(xᵢ) − f(Σwᵢxᵢ).
    """

    FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "x² (convex)": np.square,
        "exp(x) (convex)": np.exp,
        "−ln x (convex)": lambda x: -np.log(x),
        "ln x (concave)": np.log,
    }

    def __init__(self, x: Sequence[float] = (0.5, 1.5, 3.0),
                 weights: Sequence[float] = (0.3, 0.4, 0.3),
                 function: str = "−ln x (convex)") -> None:
        if function not in self.FUNCTIONS:
            raise ValueError(f"function must be one of {list(self.FUNCTIONS)}")
        x = as_float_array(x, "x", ndim=1)
        weights = as_float_array(weights, "weights", ndim=1)
        if len(x) != len(weights) or len(x) < 2:
            raise ValueError("x and weights need one (equal) length >= 2")
        self.function = widgets.Dropdown(options=list(self.FUNCTIONS), value=function,
                                         description="f")
        self.x_sliders = _float_sliders(x, [f"x{i + 1}" for i in range(len(x))], 0.1, 4.0, 0.05)
        self.weight_sliders = _float_sliders(weights, [f"w{i + 1}" for i in range(len(x))])
        for s in [self.function, *self.x_sliders, *self.weight_sliders]:
            s.observe(lambda _c: self._redraw(), names="value")
        self.label = widgets.HTML()
        self.picture = _image("square")
        super().__init__(children=[self.function, widgets.HBox([
            widgets.VBox(self.x_sliders), widgets.VBox(self.weight_sliders)]),
            self.label, self.picture])
        self._redraw()

    @property
    def weights(self) -> np.ndarray:
        """The weights wᵢ: the weight sliders, renormalised."""
        return _normalised(self.weight_sliders)

    @property
    def x(self) -> np.ndarray:
        """The points xᵢ."""
        return np.array([s.value for s in self.x_sliders])

    def _redraw(self) -> None:
        f = self.FUNCTIONS[self.function.value]
        x, w = self.x, self.weights
        self.gap = jensen_gap(f, x, w)
        mean = float(w @ x)
        self.label.value = (f"<code>E[f(x)] = {float(w @ f(x)):.4f}, f(E[x]) = "
                            f"{float(f(np.array([mean]))[0]):.4f}, gap = {self.gap:.4f}</code>")
        fig, ax = plotting.new_figure("square", fast=True)
        grid = np.linspace(0.1, 4.0, 200)
        ax.plot(grid, f(grid), color="#333333", label=self.function.value)
        ax.scatter(x, f(x), s=30 + 200 * w, color=plotting.COLORS[0], zorder=3,
                   label="(xᵢ, f(xᵢ)), size ∝ wᵢ")
        ax.scatter([mean], [float(w @ f(x))], marker="s", color=plotting.COLORS[4], zorder=4,
                   label="(E[x], E[f(x)])")
        ax.scatter([mean], f(np.array([mean])), marker="D", color=plotting.COLORS[2], zorder=4,
                   label="(E[x], f(E[x]))")
        ax.vlines(mean, f(np.array([mean]))[0], float(w @ f(x)), color=plotting.COLORS[4],
                  lw=2)
        ax.set_title(f"Jensen gap = {self.gap:.4f}")
        ax.legend(frameon=False, fontsize=7)
        self.picture.value = plotting.figure_to_png(fig)

    def summary(self) -> str:
        return f"f = {self.function.value}, gap = {self.gap:.4f}"


class KLWidget(CourseWidget):
    """Two distributions p and q over a few outcomes, and both KL divergences (chapter 02).

    Shows KL(p‖q) ≠ KL(q‖p), that both are ≥ 0 and 0 only when p = q, and that a qᵢ = 0
    where pᵢ > 0 makes KL(p‖q) infinite.
    """

    def __init__(self, p: Sequence[float] = (0.5, 0.3, 0.2),
                 q: Sequence[float] = (0.2, 0.2, 0.6)) -> None:
        p = as_float_array(p, "p", ndim=1)
        q = as_float_array(q, "q", ndim=1)
        if len(p) != len(q) or len(p) < 2:
            raise ValueError("p and q need one (equal) length >= 2")

        self.p_sliders = _float_sliders(p, [f"p{i + 1}" for i in range(len(p))])
        self.q_sliders = _float_sliders(q, [f"q{i + 1}" for i in range(len(q))])
        for s in self.p_sliders + self.q_sliders:
            s.observe(lambda _c: self._redraw(), names="value")
        self.label = widgets.HTML()
        self.picture = _image("small")
        super().__init__(children=[widgets.HBox([widgets.VBox(self.p_sliders),
                                                 widgets.VBox(self.q_sliders)]),
                                   self.label, self.picture])
        self._redraw()

    @property
    def p(self) -> np.ndarray:
        """p: the p sliders, renormalised."""
        return _normalised(self.p_sliders)

    @property
    def q(self) -> np.ndarray:
        """q: the q sliders, renormalised."""
        return _normalised(self.q_sliders)

    def _redraw(self) -> None:
        self.kl_pq, self.kl_qp = kl_divergence(self.p, self.q), kl_divergence(self.q, self.p)
        self.label.value = (f"<code>KL(p‖q) = {self.kl_pq:.4f}, KL(q‖p) = {self.kl_qp:.4f}"
                            "</code>")
        fig, ax = plotting.new_figure("small", fast=True)
        positions = np.arange(len(self.p))
        ax.bar(positions - 0.2, self.p, width=0.4, color=plotting.COLORS[0], label="p")
        ax.bar(positions + 0.2, self.q, width=0.4, color=plotting.COLORS[1], label="q")
        ax.set_xticks(positions, [f"x{i + 1}" for i in positions])
        ax.set_ylim(0, 1)
        ax.set_title(f"KL(p‖q) = {self.kl_pq:.3f}   KL(q‖p) = {self.kl_qp:.3f}")
        ax.legend(frameon=False)
        self.picture.value = plotting.figure_to_png(fig)

    def summary(self) -> str:
        return f"KL(p‖q) = {self.kl_pq:.4f}, KL(q‖p) = {self.kl_qp:.4f}"
