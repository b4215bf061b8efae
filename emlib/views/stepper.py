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
    "picture_row",
]

DrawFunction = Callable[[Axes, Record], None]


class CourseWidget(widgets.VBox):
    """A VBox whose text form is a short, stable summary instead of its children.

    Notebooks store a widget's text form as its output; nbval compares it. The default
    repr would contain the PNG bytes of every picture, which change with matplotlib's
    version. Subclasses say what they show in :meth:`summary`.

    Its display also carries a static ``image/png`` of its pictures as they are now
    (:meth:`snapshot_png`), so a stored notebook shows the picture where no widget
    renderer runs (GitHub, the static site); nbval does not compare images.
    """

    def summary(self) -> str:  # pragma: no cover - overridden
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.summary()})"

    def snapshot_png(self) -> bytes | None:
        """The widget's pictures as one PNG, laid out as the widget lays them out (rows of
        an HBox side by side, a VBox's stacked); None if it shows no picture."""
        tile = _tile(self)
        if tile is None:
            return None
        import io

        from matplotlib.image import imsave

        buffer = io.BytesIO()
        imsave(buffer, tile, format="png")
        return buffer.getvalue()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        png = self.snapshot_png()
        if png is not None:
            import base64

            bundle["image/png"] = base64.b64encode(png).decode("ascii")
        return bundle


def _tile(widget: widgets.Widget) -> np.ndarray | None:
    """The RGBA pixels of the pictures inside ``widget`` (None: no picture)."""
    if isinstance(widget, widgets.Image):
        if widget.format != "png" or not widget.value:
            return None
        import io

        from matplotlib.image import imread

        pixels = imread(io.BytesIO(bytes(widget.value)), format="png")
        if pixels.shape[2] == 3:
            pixels = np.dstack([pixels, np.ones(pixels.shape[:2], pixels.dtype)])
        return pixels
    if not isinstance(widget, widgets.Box):
        return None
    tiles = [t for t in (_tile(child) for child in widget.children) if t is not None]
    if not tiles:
        return None
    axis = 1 if isinstance(widget, widgets.HBox) else 0
    other = 1 - axis
    size = max(t.shape[other] for t in tiles)
    padded = []
    for t in tiles:
        pad = [(0, 0), (0, 0), (0, 0)]
        pad[other] = (0, size - t.shape[other])
        padded.append(np.pad(t, pad, constant_values=1.0))
    return np.concatenate(padded, axis=axis)


def make_image(canvas: plotting.Canvas) -> widgets.Image:
    """An empty PNG image widget of exactly ``canvas``'s pixel size (width and height set,
    so a flex row never stretches it)."""
    check_instance(canvas, plotting.Canvas, "canvas")
    return widgets.Image(format="png", layout=widgets.Layout(
        width=f"{canvas.width_px}px", height=f"{canvas.height_px}px",
        min_width=f"{canvas.width_px}px", object_fit="contain"))


def picture_row(canvases: list[plotting.Canvas], images: list[widgets.Image]) -> widgets.Box:
    """The images side by side if together they fit :data:`plotting.COLUMN_PX`, else stacked."""
    check_instance(canvases, (list, tuple), "canvases")
    check_instance(images, (list, tuple), "images")
    for canvas in canvases:
        check_instance(canvas, plotting.Canvas, "canvases (each)")
    for image in images:
        check_instance(image, widgets.Image, "images (each)")
    width = sum(c.width_px for c in canvases)
    return (widgets.HBox(images) if width <= plotting.COLUMN_PX else widgets.VBox(images))


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
        ``record.posterior``; the posterior is None at init). If it returns a callable
        ``update(record)``, later pictures call that instead (it moves the artists the
        first call made: set_data, set_height, set_offsets, set_text…), which is 2–5×
        faster than clearing and drawing again.
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

    ``render=False`` makes a widget that draws no picture (for tests of its logic); call
    :meth:`render` to draw the shown record. The trace plot is one :class:`TracePlot`
    whose artists each click moves; the model picture is redrawn by ``draw``.
    """

    def __init__(self, model: EMModel, X: Any, params: Any = None, *, draw: DrawFunction,
                 title: str = "", picture_size: str = "square", max_run: int = 200,
                 tol: float | None = 1e-8, rng: np.random.Generator | int | None = None,
                 render: bool = True) -> None:
        if not callable(draw):
            raise TypeError("draw must be a callable draw(ax, record)")
        if picture_size not in plotting.SIZES:
            raise ValueError(f"picture_size must be one of {sorted(plotting.SIZES)}")
        self.max_run = check_int(max_run, "max_run", low=1)
        self.tol = None if tol is None else check_real(tol, "tol", low=0.0)
        self.stepper = Stepper(model, X, params, rng=rng)
        self.draw = draw
        self.rendering = bool(render)
        self._update: Callable[[Record], Any] | None = None
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
        self.trace_canvas = plotting.Canvas("trace", relayout=False)
        self.picture = make_image(self.canvas)
        self.trace_picture = make_image(self.trace_canvas)
        self.trace_plot = plotting.TracePlot(self.trace_canvas.subplots(),
                                             self.stepper.model.objective_name)
        self.shown: Record = self.stepper.record
        header = [widgets.HTML(title)] if title else []
        super().__init__(children=[
            *header,
            widgets.HBox(list(self.buttons.values())),
            self.slider, self.label, self.message,
            picture_row([self.canvas, self.trace_canvas], [self.picture, self.trace_picture]),
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
        self.shown = shown
        if self.rendering:
            self.render(index)
        # the label changes last: whoever sees the new numbers also sees the new pictures
        self.label.value = f"<code>{shown.summary(self.objective)}</code>"

    def render(self, index: int | None = None) -> None:
        """Draw the pictures of half-step ``index`` (default: the one shown); from now on
        every click draws (a widget made with ``render=False`` starts drawing here)."""
        self.rendering = True
        records = self.stepper.trace.records
        index = self.slider.value if index is None else index
        if self._update is not None:
            self._update(records[index])
        else:
            update = self.draw(self.canvas.subplots(), records[index])
            self._update = update if callable(update) else None
            # axes updated in place keep the first layout; redrawn ones are laid out anew
            self.canvas.relayout = self._update is None
        self.picture.value = self.canvas.png()
        self.trace_plot.update(records, current=index)
        self.trace_picture.value = self.trace_canvas.png()

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
