"""Generalized EM: an M step that only improves the bound, by a few steps of an inner
optimiser from θ_old (chapter ``09_em_variants``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .._validation import check_int, check_real
from ..em import EMModel, Evaluation, VectorMap
from .ascent import gradient_ascent

__all__ = [
    "GEMPosterior",
    "GeneralizedEM",
]


@dataclass(frozen=True)
class GEMPosterior:
    """q(Z) together with the θ_old it was computed at (the inner optimiser starts there)."""

    q: Any
    params: Any


class GeneralizedEM(EMModel):
    """Generalized EM: the M step only improves L(q, θ) (chapter ``09_em_variants``).

    Wraps a ``model`` that offers ``vector_map`` (θ ↔ a vector) and
    ``bound_gradient(X, q, θ)`` (∇_θ L(q, θ) in those coordinates). The M step runs
    ``n_inner`` steps of :func:`gradient_ascent` on θ ↦ L(q, θ) starting from θ_old, so
    L(q, θ_new) ≥ L(q, θ_old) = ln p(X|θ_old), and the objective still never decreases.
    ``n_evaluations`` counts the bound evaluations of all inner loops so far.
    """

    def __init__(self, model: EMModel, *, n_inner: int = 1, step: float = 1.0) -> None:
        if not isinstance(model, EMModel):
            raise TypeError("model must be an emlib.em.EMModel")
        if not (hasattr(model, "vector_map") and hasattr(model, "bound_gradient")):
            raise TypeError(f"{type(model).__name__} has no vector_map/bound_gradient: "
                            "generalized EM needs the gradient of the bound")
        self.model = model
        self.n_inner = check_int(n_inner, "n_inner", low=1)
        self.step = check_real(step, "step", low=0.0, low_open=True)
        self.objective_name = model.objective_name
        self.n_evaluations = 0

    def validate_data(self, X: Any) -> Any:
        return self.model.validate_data(X)

    def init_params(self, X: Any, rng: np.random.Generator) -> Any:
        return self.model.init_params(X, rng)

    def e_step(self, X: Any, params: Any) -> GEMPosterior:
        return GEMPosterior(self.model.e_step(X, params), params)

    def m_step(self, X: Any, posterior: GEMPosterior) -> Any:
        """θ_new: ``n_inner`` backtracking gradient steps on L(q, ·) from θ_old."""
        vmap: VectorMap = self.model.vector_map
        q = posterior.q

        def bound(v: np.ndarray) -> float:
            return self.model.lower_bound(X, q, vmap.from_vector(v))

        def grad(v: np.ndarray) -> np.ndarray:
            return self.model.bound_gradient(X, q, vmap.from_vector(v))

        result = gradient_ascent(bound, grad, vmap.to_vector(posterior.params),
                                 max_steps=self.n_inner, step=self.step, tol=0.0)
        self.n_evaluations += result.n_evaluations
        return vmap.from_vector(result.x)

    def log_likelihood(self, X: Any, params: Any) -> float:
        return self.model.log_likelihood(X, params)

    def lower_bound(self, X: Any, posterior: GEMPosterior, params: Any) -> float:
        return self.model.lower_bound(X, posterior.q, params)

    def kl_divergence(self, X: Any, posterior: GEMPosterior, params: Any) -> float:
        return self.model.kl_divergence(X, posterior.q, params)

    def evaluate(self, X: Any, params: Any, posterior: GEMPosterior | None = None) -> Evaluation:
        ev = self.model.evaluate(X, params, None if posterior is None else posterior.q)
        return replace(ev, posterior=GEMPosterior(ev.posterior, params))
