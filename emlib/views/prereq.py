"""Widgets of the prerequisite chapters: Bayes (01), Jensen and KL (02).

Each shows one formula with sliders for its inputs and a picture redrawn on every change.
Inputs are checked when the widget is built: a value outside its slider's range is refused
with an error that names it, never clamped silently by the slider.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np

from .._validation import as_float_array
from ..prereq import bayes_posterior, jensen_gap, kl_divergence
from . import plotting
from .stepper import CourseWidget, make_image

__all__ = ["BayesWidget", "JensenWidget", "KLWidget"]


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


def _inside(values: Any, name: str, low: float, high: float) -> np.ndarray:
    """``values`` as a vector, every entry in [low, high] (the range of its sliders)."""
    v = as_float_array(values, name, ndim=1)
    if np.any((v < low) | (v > high)):
        raise ValueError(f"{name} must lie in [{low:g}, {high:g}] (the sliders' range), "
                         f"got {np.round(v, 6).tolist()}")
    return v


def _weights(values: Any, name: str) -> np.ndarray:
    """Non-negative ``values`` with a positive sum, renormalised to a distribution."""
    v = as_float_array(values, name, ndim=1)
    if np.any(v < 0):
        raise ValueError(f"{name} must be non-negative, got {np.round(v, 6).tolist()}")
    if v.sum() <= 0:
        raise ValueError(f"{name} must have a positive sum")
    return v / v.sum()


class BayesWidget(CourseWidget):
    """Prior × likelihood ∝ posterior over a few hypotheses (chapter 01, 贝叶斯公式).

    Sliders set the prior P(y) (renormalised) and the likelihood P(x|y) of the observed x;
    the bars show prior, likelihood and posterior P(y|x) = P(x|y)P(y) / Σ P(x|y')P(y').
    """

    def __init__(self, hypotheses: Sequence[str], prior: Any, likelihood: Any,
                 title: str = "") -> None:
        names = [str(h) for h in hypotheses]
        prior = _weights(prior, "prior")
        likelihood = _inside(likelihood, "likelihood", 0.0, 1.0)
        if not (len(names) == len(prior) == len(likelihood)) or len(names) < 2:
            raise ValueError("hypotheses, prior and likelihood need one (equal) length >= 2")
        bayes_posterior(prior, likelihood)  # validates
        self.hypotheses = names

        self.prior_sliders = _float_sliders(prior, [f"P({h})" for h in names])
        self.likelihood_sliders = _float_sliders(likelihood, [f"P(x|{h})" for h in names])
        for s in self.prior_sliders + self.likelihood_sliders:
            s.observe(lambda _c: self._redraw(), names="value")
        self.label = widgets.HTML()
        self.canvas = plotting.Canvas("wide")
        self.picture = make_image(self.canvas)
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
        axes = self.canvas.subplots(ncols=3, sharey=True)
        for ax, values, name in zip(axes, (self.prior, self.likelihood, self.posterior),
                                    ("prior P(y)", "likelihood P(x|y)", "posterior P(y|x)"),
                                    strict=True):
            ax.bar(self.hypotheses, np.nan_to_num(values), color=plotting.COLORS[:len(values)])
            ax.set_title(name)
            ax.set_ylim(0, 1)
        self.picture.value = self.canvas.png()

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
    #: Where the points xᵢ may lie (every f above is defined there).
    X_RANGE = (0.1, 4.0)

    def __init__(self, x: Sequence[float] = (0.5, 1.5, 3.0),
                 weights: Sequence[float] = (0.3, 0.4, 0.3),
                 function: str = "−ln x (convex)") -> None:
        if function not in self.FUNCTIONS:
            raise ValueError(f"function must be one of {list(self.FUNCTIONS)}")
        x = _inside(x, "x", *self.X_RANGE)
        weights = _weights(weights, "weights")
        if len(x) != len(weights) or len(x) < 2:
            raise ValueError("x and weights need one (equal) length >= 2")
        self.function = widgets.Dropdown(options=list(self.FUNCTIONS), value=function,
                                         description="f")
        self.x_sliders = _float_sliders(x, [f"x{i + 1}" for i in range(len(x))], *self.X_RANGE,
                                        0.05)
        self.weight_sliders = _float_sliders(weights, [f"w{i + 1}" for i in range(len(x))])
        for s in [self.function, *self.x_sliders, *self.weight_sliders]:
            s.observe(lambda _c: self._redraw(), names="value")
        self.label = widgets.HTML()
        self.canvas = plotting.Canvas("square")
        self.picture = make_image(self.canvas)
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
        ax = self.canvas.subplots()
        grid = np.linspace(*self.X_RANGE, 200)
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
        ax.legend(frameon=False, fontsize=9)
        self.picture.value = self.canvas.png()

    def summary(self) -> str:
        return f"f = {self.function.value}, gap = {self.gap:.4f}"


class KLWidget(CourseWidget):
    """Two distributions p and q over a few outcomes, and both KL divergences (chapter 02).

    Shows KL(p‖q) ≠ KL(q‖p), that both are ≥ 0 and 0 only when p = q, and that a qᵢ = 0
    where pᵢ > 0 makes KL(p‖q) infinite.
    """

    def __init__(self, p: Sequence[float] = (0.5, 0.3, 0.2),
                 q: Sequence[float] = (0.2, 0.2, 0.6)) -> None:
        p, q = _weights(p, "p"), _weights(q, "q")
        if len(p) != len(q) or len(p) < 2:
            raise ValueError("p and q need one (equal) length >= 2")

        self.p_sliders = _float_sliders(p, [f"p{i + 1}" for i in range(len(p))])
        self.q_sliders = _float_sliders(q, [f"q{i + 1}" for i in range(len(q))])
        for s in self.p_sliders + self.q_sliders:
            s.observe(lambda _c: self._redraw(), names="value")
        self.label = widgets.HTML()
        self.canvas = plotting.Canvas("small")
        self.picture = make_image(self.canvas)
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
        ax = self.canvas.subplots()
        positions = np.arange(len(self.p))
        ax.bar(positions - 0.2, self.p, width=0.4, color=plotting.COLORS[0], label="p")
        ax.bar(positions + 0.2, self.q, width=0.4, color=plotting.COLORS[1], label="q")
        ax.set_xticks(positions, [f"x{i + 1}" for i in positions])
        ax.set_ylim(0, 1)
        ax.set_title(f"KL(p‖q) = {self.kl_pq:.3f}   KL(q‖p) = {self.kl_qp:.3f}")
        ax.legend(frameon=False)
        self.picture.value = self.canvas.png()

    def summary(self) -> str:
        return f"KL(p‖q) = {self.kl_pq:.4f}, KL(q‖p) = {self.kl_qp:.4f}"
