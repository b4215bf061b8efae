"""The small base every estimator of the course shares (scikit-learn's conventions).

An estimator is a thin shell around an :class:`~emlib.em.EMModel`: ``fit`` validates the
hyper-parameters (not ``__init__``, as in scikit-learn), builds the model, chooses θ⁽⁰⁾ and
hands everything to the one EM loop, :func:`emlib.em.run`. The fitted names are the same
for every estimator:

* ``trace_``      the :class:`~emlib.em.Trace` (ln p, L and KL per half-step)
* ``params_``     the final θ (the model's own frozen dataclass)
* ``n_iter_``     completed EM iterations (M steps)
* ``converged_``  True when an iteration raised the objective by less than ``tol``
* ``lower_bound_`` L(q, θ) after the last M step (per sample where the estimator says so)

``max_iter`` ≥ 0 and ``tol`` mean what :func:`emlib.em.run` says (stop when one iteration
raises the objective by less than ``tol``; ``tol=None`` runs exactly ``max_iter``
iterations); ``random_state`` is None, an int ≥ 0 or a ``numpy.random.Generator``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from ._validation import check_int, check_is_fitted, check_random_state, check_real
from .em import EMModel, Params, Trace, run

__all__ = ["EMEstimator"]


class EMEstimator(ABC):
    """Base of the course's estimators: ``fit(X, y=None)`` → :func:`emlib.em.run` → self.

    A subclass stores its hyper-parameters in ``__init__`` without checking them, and
    writes :meth:`_make_model` (check the hyper-parameters, return the EM model). It may
    override :meth:`_initial_params` (θ⁽⁰⁾), :meth:`_run_tol` (how ``tol`` maps onto the
    objective's scale) and :meth:`_set_fitted` (its own fitted names, e.g. ``means_``).
    """

    max_iter: int
    tol: float | None
    random_state: Any

    @abstractmethod
    def _make_model(self) -> EMModel:
        """Check the hyper-parameters and return the EM model they describe."""

    def _initial_params(self, model: EMModel, X: Any, rng: np.random.Generator) -> Params:
        """θ⁽⁰⁾ for ``fit``; default: the model's own start drawn with ``rng``."""
        return model.init_params(X, rng)

    def _run_tol(self, X: Any) -> float | None:
        """The ``tol`` handed to :func:`emlib.em.run` (default: ``self.tol`` as it is)."""
        return self.tol

    def _set_fitted(self, model: EMModel, X: Any, trace: Trace) -> None:
        """Store the estimator's own fitted names (called at the end of ``fit``)."""
        return None

    def _check_loop_hyperparameters(self) -> None:
        check_int(self.max_iter, "max_iter", low=0)
        if self.tol is not None:
            check_real(self.tol, "tol", low=0.0)
        check_random_state(self.random_state, "random_state")

    def fit(self, X: Any, y: Any = None) -> EMEstimator:
        """Fit by EM from θ⁽⁰⁾; ``y`` is ignored (present for scikit-learn pipelines)."""
        self._check_loop_hyperparameters()
        model = self._make_model()
        data = model.validate_data(X)
        rng = check_random_state(self.random_state, "random_state")
        params0 = self._initial_params(model, data, rng)
        trace = run(model, data, params0, max_iter=self.max_iter, tol=self._run_tol(data))
        self.model_ = model
        self.trace_ = trace
        self.params_ = trace.params
        self.n_iter_ = trace.n_iter
        self.converged_ = bool(trace.converged)
        last = trace.records[-1]
        self.lower_bound_ = float(last.log_likelihood if last.lower_bound is None
                                  else last.lower_bound)
        self._set_fitted(model, data, trace)
        return self

    def _check_fitted(self) -> None:
        """Raise :class:`~emlib._validation.NotFittedError` before ``fit``."""
        check_is_fitted(self, "trace_")
