"""Pictures and the stepping widget of Gaussian mixtures (chapter ``06_gmm``, 高斯混合模型).

* :func:`draw_gmm` — 2-D data coloured by responsibility, covariance ellipses and means;
* :func:`gmm_stepper` — the E/M widget over :class:`emlib.gmm.GaussianMixtureModel`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb

from .._validation import check_random_state
from ..em import Record
from ..gmm import GaussianMixtureModel, GMMParams
from . import plotting
from .stepper import StepperWidget

__all__ = ["GMMPicture", "draw_gmm", "gmm_stepper"]


def draw_gmm(ax: Axes, X: np.ndarray, params: GMMParams, posterior: np.ndarray | None = None, *,
             n_std: float = 2.0, title: str | None = None) -> None:
    """2-D data coloured by responsibility (a blend of component colours; grey without q),
    each component's 1σ and ``n_std``σ ellipses and its mean (chapter 06)."""
    X = np.asarray(X, float)
    if X.ndim != 2 or X.shape[1] != 2 or params.n_features != 2:
        raise ValueError("draw_gmm needs 2-D data and a 2-D mixture")
    colors = np.array([to_rgb(c) for c in plotting.component_colors(params.n_components)])
    if posterior is None:
        point_colors = np.full((len(X), 3), 0.6)
    else:
        point_colors = np.clip(np.asarray(posterior) @ colors, 0, 1)
    ax.scatter(X[:, 0], X[:, 1], s=9, c=point_colors, alpha=0.8, lw=0)
    covs = params.full_covariances()
    for k in range(params.n_components):
        for s in (1.0, n_std):
            plotting.plot_covariance_ellipse(ax, params.means[k], covs[k], n_std=s,
                                             color=colors[k], lw=1.6 if s == n_std else 0.8)
        ax.scatter(*params.means[k], marker="X", s=70, color=colors[k], edgecolor="black",
                   lw=0.7, zorder=4)
    span = X.max(0) - X.min(0)
    ax.set_xlim(X[:, 0].min() - 0.15 * span[0], X[:, 0].max() + 0.15 * span[0])
    ax.set_ylim(X[:, 1].min() - 0.15 * span[1], X[:, 1].max() + 0.15 * span[1])
    if title is not None:
        ax.set_title(title)
    else:
        ax.set_title("π = " + ", ".join(f"{w:.2f}" for w in params.weights))


class GMMPicture:
    """:func:`draw_gmm` made once, then moved: ``update(record)`` recolours the points
    (``set_facecolors``), moves the ellipses and the means and rewrites the title."""

    def __init__(self, ax: Axes, X: np.ndarray, params: GMMParams, n_std: float = 2.0) -> None:
        draw_gmm(ax, X, params, None, n_std=n_std)
        self.ax, self.n_std, self.k = ax, n_std, params.n_components
        self.colors = np.array([to_rgb(c) for c in plotting.component_colors(self.k)])
        self.points = ax.collections[0]
        self.means = [c for c in ax.collections[1:]]
        self.ellipses = list(ax.patches)

    def update(self, record: Record) -> None:
        params, posterior = record.params, record.posterior
        n = len(self.points.get_offsets())
        face = (np.full((n, 3), 0.6) if posterior is None
                else np.clip(np.asarray(posterior) @ self.colors, 0, 1))
        self.points.set_facecolors(np.column_stack([face, np.full(n, 0.8)]))
        covs = params.full_covariances()
        for k in range(self.k):
            for i, s in enumerate((1.0, self.n_std)):
                plotting.move_covariance_ellipse(self.ellipses[2 * k + i], params.means[k],
                                                 covs[k], n_std=s)
            self.means[k].set_offsets(np.asarray(params.means[k])[None, :])
        self.ax.title.set_text("π = " + ", ".join(f"{w:.2f}" for w in params.weights))


def gmm_stepper(X: Any, n_components: int = 3, random_state: Any = 0, *,
                covariance_type: str = "full", reg_covar: float = 1e-6,
                init_params: str = "random_from_data", params: GMMParams | None = None,
                title: str = "") -> StepperWidget:
    """The chapter-06 E/M stepper on 2-D data: points coloured by γ, ellipses, means.

    θ⁽⁰⁾ is ``params`` if given; otherwise drawn with ``random_state`` (None, an int ≥ 0 or
    a Generator): for the default
    ``init_params="random_from_data"`` (and ``"k-means++"``) the means are K distinct data
    points, the weights equal and every covariance the data covariance / √K (a start one can
    see); for ``"kmeans"``/``"random"`` it is the model's own start.
    """
    model = GaussianMixtureModel(n_components, covariance_type, reg_covar=reg_covar,
                                 init_params=init_params)
    data = model.validate_data(X)
    if data.n_features != 2:
        raise ValueError(f"gmm_stepper needs 2-D data (two columns), got {data.n_features}")
    if params is None:
        params = model.init_params(data, check_random_state(random_state))
        if init_params in ("random_from_data", "k-means++"):
            # a visible start: seeds as means, the data covariance around each
            cov = np.cov(data.X.T, bias=True)
            full = np.broadcast_to(cov / n_components ** 0.5, (n_components, 2, 2))
            cov0 = {"full": full, "tied": full[0], "diag": np.diagonal(full, axis1=1, axis2=2),
                    "spherical": np.trace(full, axis1=1, axis2=2) / 2}[covariance_type]
            params = GMMParams(np.full(n_components, 1 / n_components), params.means,
                               np.array(cov0), covariance_type)

    def draw(ax: Axes, record: Record) -> Callable[[Record], None]:
        return GMMPicture(ax, data.X, record.params).update

    return StepperWidget(model, data, params, draw=draw,
                         title=title or f"<b>Gaussian mixture, K = {n_components} "
                                        f"({covariance_type})</b>")
