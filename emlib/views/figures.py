"""The course's static figures, made from emlib by one command (never by hand).

usage: python -m emlib.views.figures [--out notebooks/figures] [name ...]

Each entry of :data:`FIGURES` maps a file name (without ``.png``) to a function that
returns a matplotlib figure, made by pyplot because chapters also show some of them in a
cell (``em_effect(); plt.show()``). The notebooks link ``figures/<name>.png``, beside
them in ``notebooks/figures`` (so the links resolve when Jupyter's root is ``notebooks/``
and on the website); README links ``notebooks/figures/<name>.png``;
``tests/test_figures.py`` checks that every linked figure is made by this command.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..corpus import toy_counts
from ..datasets import load_old_faithful
from ..em import Stepper, run
from ..gmm import GaussianMixtureModel, GMMParams
from ..mixtures import BinomialMixture, BinomialMixtureParams
from ..plsa import PLSAModel
from ..theory import OneMeanMixture, bound_curve, likelihood_curve
from . import plotting
from .ball import ridge_figure
from .gmm import draw_gmm
from .plsa import plot_topic_words, plot_word_posteriors
from .theory import plot_em_effect

__all__ = ["FIGURES", "coin_stepper_mid_run", "em_effect", "gmm_old_faithful", "main",
           "plsa_toy_topics", "write_figures"]

#: The coin data of chapter 00: heads in 5 sets of 10 tosses (Do & Batzoglou 2008).
COIN_HEADS = np.array([5, 9, 8, 4, 7])
#: θ⁽⁰⁾ of chapter 00: equal weights, coins A and B with p = 0.6 and 0.5.
COIN_START = BinomialMixtureParams(np.array([0.5, 0.5]), np.array([0.6, 0.5]))


def coin_stepper_mid_run() -> Figure:
    """README's "course at a glance": the two-coin EM stepper after three iterations."""
    stepper = Stepper(BinomialMixture(2, 10), COIN_HEADS, COIN_START)
    for _ in range(3):
        stepper.iterate()
    stepper.e()
    fig, (left, right) = plotting.new_figure("wide", ncols=2)
    q = stepper.posterior
    positions = np.arange(len(COIN_HEADS))
    left.bar(positions, q[:, 0], color=plotting.COLORS[0], label="q(coin A)")
    left.bar(positions, q[:, 1], bottom=q[:, 0], color=plotting.COLORS[1], label="q(coin B)")
    left.set_xticks(positions, [f"set {i + 1}\n{h} H" for i, h in enumerate(COIN_HEADS)])
    p = stepper.params.p
    left.set_title(f"E step of iteration 4: p_A = {p[0]:.3f}, p_B = {p[1]:.3f}")
    left.legend(frameon=False, loc="upper right")
    plotting.plot_trace(right, stepper.trace.records)
    right.set_title("ln p(X|θ) and L(q,θ) per half-step")
    return fig


def em_effect() -> Figure:
    """Chapter 07's EM-effect picture (EM算法的效果示意图): two iterations on one free mean.

    A 1-D two-component mixture with everything fixed except μ₁; ln p(X|μ₁) in black, the
    bound L(q_t, μ₁) of each E step in green, touching at μ₁⁽ᵗ⁾; the M step jumps to its top.
    """
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(-1, 1, 40), rng.normal(2, 1, 60)])
    model = OneMeanMixture([0.0, 2.0], [1.0, 1.0], [0.4, 0.6])
    parameter = model.parameter(-4.0, 3.0)
    grid = parameter.grid(300)
    stepper = Stepper(model, X, model.params_at(-3.5))
    curve = likelihood_curve(model, X, stepper.params, parameter, grid)
    fig, axes = plotting.new_figure("wide", ncols=2)
    bounds = []
    for t, ax in enumerate(axes, start=1):
        old = parameter.get(stepper.params)
        stepper.e()
        bounds.append((old, bound_curve(model, X, stepper.posterior, stepper.params,
                                        parameter, grid)))
        stepper.m()
        new = parameter.get(stepper.params)
        plot_em_effect(ax, grid, curve, bounds, new, jump=(old, new),
                                parameter_name="μ₁")
        ax.set_title(f"iteration {t}: μ₁ {old:.2f} → {new:.2f}")
        if t == 2:
            ax.get_legend().remove()
    return fig


def gmm_old_faithful() -> Figure:
    """Chapter 06: Old Faithful (standardised) and a 2-component GMM fitted by EM, points
    coloured by responsibility, with the covariance ellipses; and ln p, L per half-step."""
    raw, _ = load_old_faithful()
    X = (raw - raw.mean(0)) / raw.std(0)
    start = GMMParams([0.5, 0.5], X[[0, 1]], np.stack([np.cov(X.T) / 2 ** 0.5] * 2))
    stepper = Stepper(GaussianMixtureModel(2), X, start)
    stepper.run(max_iter=200, tol=1e-8)
    stepper.e()
    fig, (left, right) = plotting.new_figure("wide", ncols=2)
    draw_gmm(left, X, stepper.params, stepper.posterior,
             title=f"Old Faithful, K = 2: π = {np.round(stepper.params.weights, 2)}")
    left.set_xlabel("eruption (sd units)")
    left.set_ylabel("waiting (sd units)")
    plotting.plot_trace(right, stepper.trace.records[:13])
    right.set_title("ln p(X|θ) and L(q,θ), first 6 iterations")
    return fig


def plsa_toy_topics() -> Figure:
    """Chapter 08: PLSA's topics on the twelve toy documents, and P(z|d,w) of their words.

    EM to convergence from the widget's start (seed 7): the three themes, and the word
    "star" assigned to space in d0 and to football in d8.
    """
    counts, vocabulary, _ = toy_counts()
    trace = run(PLSAModel(3), counts, max_iter=300, tol=1e-9, rng=7)
    X = PLSAModel(3).validate_data(counts)
    rows = np.flatnonzero(np.isin(X.doc, [0, 8]))
    q = np.asarray(trace.posterior)[rows]
    labels = [f"d{X.doc[i]}: {vocabulary[X.word[i]]}" for i in rows]
    fig, (left, right) = plotting.new_figure("wide", ncols=2,
                                             gridspec_kw={"width_ratios": [1.7, 1.0]})
    plot_topic_words(left, trace.params.p_w_given_z, vocabulary, top=12,
                              title=f"P(w|z) after {trace.n_iter} EM iterations")
    plot_word_posteriors(right, q, labels, title="P(z|d,w) in d0 and d8")
    return fig


#: Every figure the command writes: name -> function returning the figure.
FIGURES: dict[str, Callable[[], Figure]] = {
    "coin_stepper": coin_stepper_mid_run,
    "ball_ridge": ridge_figure,
    "em_effect": em_effect,
    "gmm_old_faithful": gmm_old_faithful,
    "plsa_toy_topics": plsa_toy_topics,
}


def write_figures(out: str | Path, names: list[str] | None = None) -> list[Path]:
    """Write the figures ``names`` (default all) as PNG files into ``out``."""
    if not isinstance(out, (str, Path)):
        raise TypeError(f"out must be a folder path (str or Path), got {type(out).__name__}")
    out = Path(out)
    unknown = sorted(set(names or []) - set(FIGURES))
    if unknown:
        raise ValueError(f"unknown figure name(s) {unknown}; known: {sorted(FIGURES)}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names or list(FIGURES):
        path = out / f"{name}.png"
        path.write_bytes(plotting.figure_to_png(FIGURES[name]()))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: write the named figures (default all) into ``--out``."""
    parser = argparse.ArgumentParser(prog="python -m emlib.views.figures", description=__doc__)
    parser.add_argument("names", nargs="*", help="figures to make (default: all)")
    parser.add_argument("--out", type=Path, default=Path("notebooks/figures"),
                        help="output folder (default: notebooks/figures)")
    args = parser.parse_args(argv)
    for path in write_figures(args.out, args.names):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
