"""Pictures and the stepping widget of chapter ``10_hmm`` (隐马尔可夫模型 · Baum–Welch).

* :func:`plot_trellis` — one sequence's trellis as Eisner's spreadsheet charts it: per day
  the observation, p(H | x_1..t) from α, the backward share from β, and p(H | X) = γ;
* :class:`HMMStepperWidget` / :func:`ice_cream_stepper` — the E/M widget on the ice-cream
  diary, with the expected counts and p(data) and the perplexity per iteration beside it;
* :func:`plot_decoded_counts` — a count series with the rate of its decoded state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes

from .._validation import as_float_array, check_instance
from ..em import Record
from ..hmm import CategoricalHMMModel, HMMParams, eisner_ice_cream, forward_backward
from . import plotting
from .stepper import StepperWidget

__all__ = ["HMMStepperWidget", "ice_cream_stepper", "plot_decoded_counts", "plot_trellis"]


def plot_trellis(ax: Axes, x: Any, params: HMMParams, *, state: int = 1,
                 state_name: str = "H", symbol_offset: int = 1) -> Callable[[HMMParams], None]:
    """The trellis of one symbol sequence under θ: for each step t, α̂_t(H) = p(H | x_1..t)
    (dashed), the backward share β_t(H) / Σ_k β_t(k) (dotted), γ_t(H) = p(H | X) (solid),
    and the observations written along the bottom (as ``symbol + symbol_offset``).

    Returns ``update(params)``, which redraws the curves and the title for another θ
    (the axes, the observations and the legend stay)."""
    check_instance(ax, Axes, "ax")
    check_instance(params, HMMParams, "params")
    x = as_float_array(x, "x", ndim=1).astype(np.int64)
    days = np.arange(1, len(x) + 1)
    (alpha,) = ax.plot(days, days * 0.0, "--", color=plotting.COLORS[1], lw=1.2,
                       label=f"α̂: p({state_name} | x₁..x_n)")
    (share,) = ax.plot(days, days * 0.0, ":", color=plotting.COLORS[0], lw=1.4,
                       label=f"β share of {state_name}")
    (gamma,) = ax.plot(days, days * 0.0, "-o", color=plotting.COLORS[4], ms=3, lw=1.8,
                       label=f"γ: p({state_name} | X)")
    for day, symbol in zip(days, x, strict=True):
        ax.text(day, -0.12, str(symbol + symbol_offset), ha="center", va="center", fontsize=9)
    ax.set_ylim(-0.2, 1.32)
    ax.set_xlim(0.3, len(x) + 0.7)
    ax.set_xlabel("day n (the digits: observations)")
    ax.set_ylabel("probability")
    ax.legend(loc="upper center", ncol=3, fontsize=9, framealpha=0.9)
    title = ax.set_title("")

    def update(params: HMMParams) -> None:
        check_instance(params, HMMParams, "params")
        fb = forward_backward(params.emit[:, x].T, params.start, params.trans, params.end)
        alpha.set_ydata(fb.alpha[:, state])
        share.set_ydata(fb.beta[:, state] / fb.beta.sum(1))
        gamma.set_ydata(fb.gamma[:, state])
        log_p = fb.log_likelihood
        title.set_text(f"p(data) = {np.exp(log_p):.3e}, "
                       f"perplexity = {np.exp(-log_p / len(x)):.4f}")

    update(params)
    return update


def _counts_html(record: Record, names: tuple[str, ...], symbols: tuple[str, ...]) -> str:
    if record.posterior is None:
        return "<i>no q(Z) yet: press E step for the expected counts</i>"
    s = record.posterior.stats
    head = "".join(f"<th>→{n}</th>" for n in names) + "<th>→STOP</th>"
    head += "".join(f"<th>{m}</th>" for m in symbols) + "<th>Σγ</th>"
    rows = []
    for k, name in enumerate(names):
        cells = [*s.trans[k], s.end[k], *s.emission[k], s.occupancy[k]]
        rows.append(f"<tr><th>{name}</th>" + "".join(f"<td>{v:.3f}</td>" for v in cells)
                    + "</tr>")
    return ("<b>expected counts under q</b> (transitions, STOP, emissions, occupancy)"
            f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>")


class HMMStepperWidget(StepperWidget):
    """The course's E/M widget for a categorical HMM on one sequence, drawing its trellis,
    with the expected counts of q and p(data) and the perplexity per iteration below.

    ``report()`` returns the same numbers as plain text (for the cell after the widget).
    """

    def __init__(self, model: CategoricalHMMModel, x: Any, params: HMMParams, *,
                 state_names: tuple[str, ...] = ("C", "H"),
                 symbol_names: tuple[str, ...] = ("1", "2", "3"), title: str = "") -> None:
        check_instance(model, CategoricalHMMModel, "model")
        self.x = model.validate_data(x).x
        self.state_names, self.symbol_names = tuple(state_names), tuple(symbol_names)
        self.counts = widgets.HTML()
        self.history = widgets.HTML()

        def draw(ax: Axes, record: Record) -> Callable[[Record], None]:
            update = plot_trellis(ax, self.x, record.params, state_name=self.state_names[-1])
            return lambda shown: update(shown.params)

        super().__init__(model, self.x, params, draw=draw, title=title, picture_size="wide")
        self.children = (*self.children, widgets.HBox([self.counts, self.history]))

    def _show(self, index: int) -> None:
        super()._show(index)
        self.counts.value = _counts_html(self.shown, self.state_names, self.symbol_names)
        rows = "".join(f"<tr><td>{i}</td><td>{p:.4e}</td><td>{q:.4f}</td></tr>"
                       for i, p, q in self.iterations())
        self.history.value = ("<b>per iteration</b><table><tr><th>iteration</th>"
                              f"<th>p(data)</th><th>perplexity</th></tr>{rows}</table>")

    def iterations(self) -> list[tuple[int, float, float]]:
        """(iteration, p(data), perplexity = p(data)^(−1/T)) at θ⁽⁰⁾ and after each M step."""
        T = len(self.x)
        out = []
        for r in self.stepper.trace.records:
            if r.step in ("init", "M"):
                out.append((r.iteration, float(np.exp(r.log_likelihood)),
                            float(np.exp(-r.log_likelihood / T))))
        return out

    def report(self) -> str:
        """What the widget shows, as text: the label, the expected counts, the history."""
        lines = [self.summary()]
        record = self.shown
        if record.posterior is not None:
            s = record.posterior.stats
            lines.append("expected counts (→" + ", →".join(self.state_names) + ", →STOP | "
                         + ", ".join(self.symbol_names) + "):")
            for k, name in enumerate(self.state_names):
                values = [*s.trans[k], s.end[k], *s.emission[k]]
                lines.append(f"  {name}: " + " ".join(f"{v + 0.0:.3f}" for v in values))
        lines += [f"  iteration {i}: p(data) = {p:.4e}, perplexity = {q:.4f}"
                  for i, p, q in self.iterations()]
        return "\n".join(lines)


def ice_cream_stepper() -> HMMStepperWidget:
    """Eisner's spreadsheet as a widget: 33 days of ice creams, states C and H, his θ⁽⁰⁾."""
    x, params = eisner_ice_cream()
    return HMMStepperWidget(CategoricalHMMModel(2, 3, end_state=True), x, params,
                            title="<b>Eisner's ice-cream diary: Baum–Welch by hand</b>")


def plot_decoded_counts(ax: Axes, years: Any, counts: Any, rates: Any, states: Any, *,
                        title: str | None = None) -> None:
    """A count series (dots) and, as a step line, the mean μ of its decoded state per year."""
    check_instance(ax, Axes, "ax")
    years = as_float_array(years, "years", ndim=1)
    counts = as_float_array(counts, "counts", ndim=1)
    rates = as_float_array(rates, "rates", ndim=1)
    states = as_float_array(states, "states", ndim=1).astype(np.int64)
    if not len(years) == len(counts) == len(states):
        raise ValueError("years, counts and states must have the same length")
    ax.plot(years, counts, "o", ms=3, color="#555555", label="counts")
    ax.step(years, rates[states], where="mid", color=plotting.COLORS[4], lw=1.8,
            label="μ of the decoded state")
    ax.set_xlabel("year")
    ax.set_ylabel("count")
    ax.legend(loc="upper left", fontsize=9)
    if title:
        ax.set_title(title)
