"""The course's interactive widgets: E step / M step buttons over any EM model.

:class:`StepperWidget` is a view of an :class:`emlib.em.Stepper`: buttons **E step**,
**M step**, **E+M**, **Run**, **Undo**, **Reset**, a slider over the trace, a label with
ln p(X|θ), L(q,θ) and KL, the model picture and the trace plot. Pictures are redrawn by
replacing the PNG bytes of ``ipywidgets.Image`` widgets, from the trace record alone, so
any earlier half-step can be shown again exactly and nothing leaks into cell outputs.

Chapters build their widget in one line from a model, data, θ⁽⁰⁾ and a draw function::

    StepperWidget(model, X, params0, draw=draw_mixture, title="...")

Also here: :class:`CourseWidget` (the base of every course widget: a short, stable text
form) and the small builders every widget shares (:func:`make_button`,
:func:`make_image`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes

from .._validation import check_instance, check_int, check_real
from ..em import EMModel, Record, StepOrderError, Stepper
from . import plotting

__all__ = [
    "CourseWidget",
    "StepperWidget",
    "make_button",
    "make_image",
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


def make_image(canvas: plotting.Canvas) -> widgets.Image:
    """An empty PNG image widget as wide as ``canvas``'s picture (shown at its pixel size)."""
    check_instance(canvas, plotting.Canvas, "canvas")
    return widgets.Image(format="png", layout=widgets.Layout(width=f"{canvas.width_px}px"))


def make_button(description: str, tooltip: str, style: str = "") -> widgets.Button:
    """A button sized to its text; ``style`` is an ipywidgets ``button_style``."""
    for value, name in ((description, "description"), (tooltip, "tooltip"), (style, "style")):
        check_instance(value, str, name)
    return widgets.Button(description=description, tooltip=tooltip, button_style=style,
                          layout=widgets.Layout(width="auto"))


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
        Name of a figure size in :data:`emlib.views.plotting.SIZES` for the model picture.
    max_run, tol:
        The **Run** button iterates until one iteration raises ln p by less than ``tol``
        (≥ 0; None: always ``max_run`` iterations), at most ``max_run`` (≥ 1) times. Both
        are checked here, not on the first click.

    Attributes the tests and notebooks use: ``stepper``, ``buttons`` (a dict by label),
    ``slider``, ``label``, ``message``, ``picture``, ``trace_picture``, ``shown``
    (the record on display).
    """

    def __init__(self, model: EMModel, X: Any, params: Any = None, *, draw: DrawFunction,
                 title: str = "", picture_size: str = "square", max_run: int = 200,
                 tol: float | None = 1e-8, rng: np.random.Generator | int | None = None) -> None:
        if not callable(draw):
            raise TypeError("draw must be a callable draw(ax, record)")
        if picture_size not in plotting.SIZES:
            raise ValueError(f"picture_size must be one of {sorted(plotting.SIZES)}")
        self.max_run = check_int(max_run, "max_run", low=1)
        self.tol = None if tol is None else check_real(tol, "tol", low=0.0)
        self.stepper = Stepper(model, X, params, rng=rng)
        self.draw = draw
        self.picture_size = picture_size
        self.buttons = {
            "E step": make_button("E step", "q(Z) ← p(Z | X, θ): close the gap KL(q‖p)",
                                  "info"),
            "M step": make_button("M step", "θ ← argmax E_q[ln p(X,Z|θ)]: raise the bound",
                                  "warning"),
            "E+M": make_button("E+M", "one full EM iteration"),
            "Run": make_button("Run", f"{self.max_run} iterations" if self.tol is None else
                               f"iterate until ln p rises by < {self.tol:g} "
                               f"(≤ {self.max_run} its)"),
            "Undo": make_button("Undo", "go back one half-step"),
            "Reset": make_button("Reset", "back to θ⁽⁰⁾"),
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
        self.canvas = plotting.Canvas(picture_size)
        self.trace_canvas = plotting.Canvas("trace")
        self.picture = make_image(self.canvas)
        self.trace_picture = make_image(self.trace_canvas)
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
        self.draw(self.canvas.subplots(), shown)
        self.picture.value = self.canvas.png()
        plotting.plot_trace(self.trace_canvas.subplots(), records, current=index,
                            objective_name=self.stepper.model.objective_name)
        self.trace_picture.value = self.trace_canvas.png()
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
