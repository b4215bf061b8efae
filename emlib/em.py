"""The one EM loop of the course: a model protocol, a trace, and a stepper.

Every algorithm in emlib is an :class:`EMModel`: a pair of steps over explicit parameters
(chapter ``07_em_theory`` explains why the pair works).

* E step: fix θ_old, choose q(Z) = p(Z | X, θ_old), which closes the gap KL(q‖p) to 0.
* M step: fix q, choose θ_new = argmax_θ E_q[ln p(X, Z | θ)], which raises the bound

      L(q, θ) = E_q[ln p(X, Z | θ)] + H(q)        (the lower bound)
      ln p(X | θ) = L(q, θ) + KL(q ‖ p(Z | X, θ))  (the decomposition, for every q)

so ln p(X | θ) never decreases. :func:`run` is the loop; :class:`Stepper` is the same loop
driven by hand (by the course's E step / M step buttons). Both record one
:class:`Record` per half-step with ln p, L and KL, and so make the decomposition visible.

Models whose latent variable is one of K classes per data row (mixtures, the ball game,
PLSA) derive from :class:`LatentClassModel` and only write ``log_joint``, ``m_step`` and
``init_params``: the E step, ln p, L and KL then follow from one log-joint table.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal, Protocol, get_type_hints, runtime_checkable

import numpy as np

from ._validation import check_choice, check_rng

__all__ = [
    "EMModel",
    "Evaluation",
    "LatentClassModel",
    "Record",
    "StatisticsModel",
    "StepOrderError",
    "Statistics",
    "Stepper",
    "SufficientStatisticsModel",
    "Trace",
    "VectorMap",
    "run",
    "validate_params",
]

Params = Any
Posterior = Any
Keep = Literal["none", "all"]


class StepOrderError(ValueError):
    """Raised when a half-step is asked for in an order EM does not define (M before E)."""


@dataclass(frozen=True)
class Evaluation:
    """Everything one pass over the data at fixed θ tells about EM's quantities.

    ``log_likelihood`` is ln p(X | θ); ``posterior`` is the exact posterior p(Z | X, θ) (what
    the next E step will choose); ``lower_bound`` and ``kl`` are L(q, θ) and KL(q ‖ p(Z|X,θ))
    for the q that was passed, or for q = the posterior itself when none was passed.
    ``posterior_lower_bound`` and ``posterior_kl`` are L and KL for q = the posterior,
    computed in the same pass when the model can (None otherwise): the next E step then
    needs no pass over the data of its own.
    """

    log_likelihood: float
    posterior: Posterior
    lower_bound: float
    kl: float
    posterior_lower_bound: float | None = None
    posterior_kl: float | None = None


class EMModel(ABC):
    """The protocol every EM algorithm of the course implements (chapter ``07_em_theory``).

    Subclasses implement the five methods of DESIGN.md §2. ``evaluate`` combines them; a
    model may override it to compute ln p, the posterior, L and KL in a single pass.
    Two optional hooks guard the public boundary: ``validate_data`` (the data, once) and
    ``check_params`` (a θ⁽⁰⁾ the caller passes to :func:`run` or :class:`Stepper`).
    Objectives that are not a likelihood keep the same names: a MAP model reports
    ln p(X|θ) + ln p(θ) as ``log_likelihood``; hard EM (k-Means) reports −J.
    """

    #: Name of the objective shown by widgets and plots.
    objective_name: str = "ln p(X|θ)"

    def validate_data(self, X: Any) -> Any:
        """Check and convert the data once, at the public boundary. Default: unchanged."""
        return X

    def check_params(self, X: Any, params: Params) -> None:  # noqa: B027 - optional hook
        """Check a θ⁽⁰⁾ given by the caller against this model and the (validated) data X.

        :func:`run` and :class:`Stepper` call it on a ``params`` passed to them (never on
        the model's own ``init_params``), after checking that ``params`` is an instance of
        the class ``init_params`` is annotated to return. Override it to refuse what the
        type alone does not show — K components where the model has another K, a θ that
        gives an observed data point probability 0 — with a ``ValueError``/``TypeError``
        that names ``params``. Default: no further check.
        """

    @abstractmethod
    def init_params(self, X: Any, rng: np.random.Generator) -> Params:
        """θ⁽⁰⁾: a starting point drawn with ``rng``."""

    @abstractmethod
    def e_step(self, X: Any, params: Params) -> Posterior:
        """q(Z) = p(Z | X, θ): the posterior of the latent variables at fixed θ."""

    @abstractmethod
    def m_step(self, X: Any, posterior: Posterior) -> Params:
        """θ_new = argmax_θ Q(θ) = argmax_θ E_q[ln p(X, Z | θ)] at fixed q."""

    @abstractmethod
    def log_likelihood(self, X: Any, params: Params) -> float:
        """ln p(X | θ) = ln Σ_Z p(X, Z | θ)."""

    @abstractmethod
    def lower_bound(self, X: Any, posterior: Posterior, params: Params) -> float:
        """L(q, θ) = E_q[ln p(X, Z | θ)] + H(q) = Σ_Z q(Z) ln (p(X, Z | θ) / q(Z))."""

    @abstractmethod
    def kl_divergence(self, X: Any, posterior: Posterior, params: Params) -> float:
        """KL(q ‖ p(Z | X, θ)) = Σ_Z q(Z) ln (q(Z) / p(Z | X, θ)), computed directly."""

    def evaluate(self, X: Any, params: Params, posterior: Posterior | None = None) -> Evaluation:
        """ln p(X|θ), p(Z|X,θ), and L and KL for ``posterior`` (default: p(Z|X,θ) itself)."""
        exact = self.e_step(X, params)
        at_posterior = (float(self.lower_bound(X, exact, params)),
                        float(self.kl_divergence(X, exact, params)))
        bound, gap = at_posterior if posterior is None else (
            float(self.lower_bound(X, posterior, params)),
            float(self.kl_divergence(X, posterior, params)))
        return Evaluation(float(self.log_likelihood(X, params)), exact, bound, gap,
                          *at_posterior)


@dataclass(frozen=True)
class VectorMap:
    """θ ↔ a vector of free coordinates, for Jacobians and Hessians by finite differences
    (EM's rate, chapter ``07_em_theory``; gradient steps in generalized EM, chapter 09)."""

    to_vector: Callable[[Any], np.ndarray]
    from_vector: Callable[[np.ndarray], Any]


class Statistics:
    """Expected sufficient statistics: a frozen dataclass of arrays that add.

    The M step of every exponential-family model needs the data only through sums over
    the rows, s = Σ_n E_q[t(x_n, z_n)] (counts Σ_n q_nk, first moments Σ_n q_nk x_n, …).
    Sums over disjoint parts of the data add, so the statistics of a whole data set are
    the sum of those of its parts: what online EM (chapter ``09_em_variants``) and map and
    reduce (chapter ``12_em_at_scale``) rest on. A subclass is a frozen dataclass whose
    fields are numbers or numpy arrays; ``+`` adds field by field and ``c * s`` scales
    (online EM's s ← (1 − η) s + η ŝ).
    """

    def __add__(self, other: Any) -> Any:
        if type(other) is not type(self):
            return NotImplemented
        return type(self)(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                             for f in fields(self)})  # type: ignore[arg-type]

    def __mul__(self, factor: float) -> Any:
        if isinstance(factor, bool) or not isinstance(factor, (int, float, np.floating)):
            return NotImplemented
        return type(self)(**{f.name: factor * getattr(self, f.name)
                             for f in fields(self)})  # type: ignore[arg-type]

    __rmul__ = __mul__


@runtime_checkable
class SufficientStatisticsModel(Protocol):
    """An EM model whose M step goes through expected sufficient statistics.

    ``expected_statistics(X, posterior)`` is the E step's summary of the data (a
    :class:`Statistics`, additive over disjoint parts of X); ``params_from_statistics(s)``
    is the M step's closed form, θ = argmax_θ E_q[ln p(X, Z | θ)] written in s. Then
    ``m_step(X, q) == params_from_statistics(expected_statistics(X, q))``.
    """

    def expected_statistics(self, X: Any, posterior: Posterior) -> Statistics: ...

    def params_from_statistics(self, stats: Statistics) -> Params: ...


class StatisticsModel(EMModel):
    """An :class:`EMModel` whose M step is ``params_from_statistics ∘ expected_statistics``.

    Subclasses write the two halves; ``m_step`` is their composition, so online EM and the
    distributed fit use exactly the M step that :func:`run` uses.
    """

    @abstractmethod
    def expected_statistics(self, X: Any, posterior: Posterior) -> Statistics:
        """s = Σ_n E_q[t(x_n, z_n)]: the expected sufficient statistics of X under q."""

    @abstractmethod
    def params_from_statistics(self, stats: Statistics) -> Params:
        """θ = argmax_θ E_q[ln p(X, Z | θ)] expressed through s alone."""

    def m_step(self, X: Any, posterior: Posterior) -> Params:
        return self.params_from_statistics(self.expected_statistics(X, posterior))


def _masked_log_ratio(q: np.ndarray, log_p: np.ndarray) -> np.ndarray:
    """q · (ln p − ln q) elementwise with the conventions 0·ln(·) = 0 and q·ln 0 = −∞."""
    out = np.zeros(np.broadcast_shapes(q.shape, log_p.shape))
    positive = q > 0
    with np.errstate(divide="ignore"):
        out[positive] = q[positive] * (log_p[positive] - np.log(q[positive]))
    return out


class LatentClassModel(EMModel):
    """An EM model whose latent variable is one of K classes for each row of a table.

    A subclass supplies ``log_joint(X, θ)``: an (n, K) array with entry ln p(x_n, z_n=k | θ)
    (−∞ for impossible pairs), ``row_weights(X)`` (how many times each row was observed,
    default 1), ``m_step`` and ``init_params``. Then, with w_n the row weights,

        ln p(X|θ)  = Σ_n w_n ln Σ_k exp(ln p(x_n, k | θ))                 (log-sum-exp)
        q_nk       = p(z_n = k | x_n, θ) = exp(ln p(x_n, k|θ) − ln p(x_n|θ))  (E step)
        L(q, θ)    = Σ_n w_n Σ_k q_nk (ln p(x_n, k | θ) − ln q_nk)
        KL(q‖p)    = Σ_n w_n Σ_k q_nk (ln q_nk − ln p(z_n=k | x_n, θ))

    and one log-joint table per half-step serves all four.
    """

    @abstractmethod
    def log_joint(self, X: Any, params: Params) -> np.ndarray:
        """(n, K) table of ln p(x_n, z_n = k | θ)."""

    def row_weights(self, X: Any) -> np.ndarray | None:
        """How often each row of the table was observed (None: once each)."""
        return None

    def _weighted_sum(self, X: Any, per_row: np.ndarray) -> float:
        weights = self.row_weights(X)
        return float(per_row.sum() if weights is None else weights @ per_row)

    def _log_posterior(self, log_joint: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        top = np.max(log_joint, axis=1, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        with np.errstate(divide="ignore"):
            log_norm = np.log(np.exp(log_joint - top).sum(axis=1, keepdims=True)) + top
        return log_joint - log_norm, log_norm[:, 0]

    def e_step(self, X: Any, params: Params) -> np.ndarray:
        log_post, _ = self._log_posterior(self.log_joint(X, params))
        return np.exp(log_post)

    def log_likelihood(self, X: Any, params: Params) -> float:
        _, log_norm = self._log_posterior(self.log_joint(X, params))
        return self._weighted_sum(X, log_norm)

    def lower_bound(self, X: Any, posterior: np.ndarray, params: Params) -> float:
        return self._weighted_sum(X, _masked_log_ratio(posterior, self.log_joint(X, params)).sum(1))

    def kl_divergence(self, X: Any, posterior: np.ndarray, params: Params) -> float:
        log_post, _ = self._log_posterior(self.log_joint(X, params))
        return -self._weighted_sum(X, _masked_log_ratio(posterior, log_post).sum(1))

    def evaluate(self, X: Any, params: Params, posterior: Posterior | None = None) -> Evaluation:
        """One log-joint table gives ln p, the posterior, L(q, θ) and KL(q‖p) together."""
        log_joint = self.log_joint(X, params)
        log_post, log_norm = self._log_posterior(log_joint)
        exact = np.exp(log_post)

        def bound_and_gap(q: np.ndarray) -> tuple[float, float]:
            return (self._weighted_sum(X, _masked_log_ratio(q, log_joint).sum(1)),
                    -self._weighted_sum(X, _masked_log_ratio(q, log_post).sum(1)))

        at_posterior = bound_and_gap(exact)
        bound, gap = at_posterior if posterior is None else bound_and_gap(posterior)
        return Evaluation(self._weighted_sum(X, log_norm), exact, bound, gap, *at_posterior)


def _fmt(value: float, digits: int = 4) -> str:
    """A number rounded for display, without the "-0.0000" of a tiny negative rounding error."""
    return f"{round(value, digits) + 0.0:.{digits}f}"


@dataclass(frozen=True)
class Record:
    """One half-step of EM: what was done and where it left ln p, L and KL.

    ``step`` is ``"init"``, ``"E"`` or ``"M"``; ``iteration`` counts EM iterations (0 for
    init, t for the E and the M of the t-th iteration). ``lower_bound`` and ``kl`` are None
    where q is not defined yet (init). ``params``/``posterior`` are the state after the
    half-step, kept only when asked for.
    """

    step: Literal["init", "E", "M"]
    iteration: int
    log_likelihood: float
    lower_bound: float | None = None
    kl: float | None = None
    params: Params | None = None
    posterior: Posterior | None = None

    def summary(self, objective: str = "ln p") -> str:
        """One line with the record's numbers, as the widgets' label shows them.

        ``objective`` names the first number (a MAP model's label says
        "ln p(X|θ) + ln p(θ) = …", since that is what its ``log_likelihood`` holds).
        """
        head = (f"{self.step} (iteration {self.iteration}): {objective} = "
                f"{_fmt(self.log_likelihood)}")
        if self.lower_bound is None:
            return head + ", L = –, KL = –"
        return head + f", L = {_fmt(self.lower_bound)}, KL = {_fmt(self.kl)}"


@dataclass
class Trace:
    """The history of one EM run: a record per half-step and the final state."""

    records: list[Record] = field(default_factory=list)
    params: Params | None = None
    posterior: Posterior | None = None
    converged: bool = False

    @property
    def n_iter(self) -> int:
        """Number of completed EM iterations (M steps)."""
        return sum(r.step == "M" for r in self.records)

    def column(self, name: str, step: str | None = None) -> np.ndarray:
        """The values of one Record field, optionally only for records of one step."""
        rows = [r for r in self.records if step is None or r.step == step]
        return np.array([np.nan if getattr(r, name) is None else getattr(r, name) for r in rows])

    @property
    def log_likelihoods(self) -> np.ndarray:
        """ln p(X|θ) after every half-step."""
        return self.column("log_likelihood")

    def largest_difference(self, other: Trace) -> float:
        """The largest difference of ln p, L and KL between two traces, record by record,
        relative to max(1, |ln p|) of the record (KL = ln p − L carries the rounding of
        ln p itself). ``inf`` when the traces differ in length or in their half-steps.
        Chapter 12 compares a distributed run with the in-memory one this way."""
        if not isinstance(other, Trace):
            raise TypeError(f"other must be a Trace, got {type(other).__name__}")
        if len(self.records) != len(other.records):
            return float("inf")
        worst = 0.0
        for a, b in zip(self.records, other.records, strict=True):
            if (a.step, a.iteration) != (b.step, b.iteration):
                return float("inf")
            scale = max(1.0, abs(b.log_likelihood))
            for name in ("log_likelihood", "lower_bound", "kl"):
                va, vb = getattr(a, name), getattr(b, name)
                if (va is None) != (vb is None):
                    return float("inf")
                if va is not None:
                    worst = max(worst, abs(va - vb) / scale)
        return worst


def _validate_loop_args(max_iter: int, tol: float | None) -> None:
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 0:
        raise ValueError(f"max_iter must be a non-negative integer, got {max_iter!r}")
    if tol is None:  # no early stop: exactly max_iter iterations
        return
    if not isinstance(tol, (int, float, np.floating)) or not tol >= 0:
        raise ValueError(f"tol must be a non-negative number or None, got {tol!r}")


@dataclass
class _State:
    """Where a run stands: θ, q (None before the first E step), and the evaluation at θ
    (ln p and the exact posterior, which the next E step reuses instead of a new pass)."""

    params: Params
    posterior: Posterior | None
    at_params: Evaluation
    last: str
    iteration: int


def _initial(model: EMModel, X: Any, params: Params, keep_all: bool) -> tuple[_State, Record]:
    try:
        ev = model.evaluate(X, params)
    except AttributeError as error:  # a θ object without the fields this model reads
        raise TypeError(f"params ({type(params).__name__}) does not fit "
                        f"{type(model).__name__}: {error}") from error
    record = Record("init", 0, ev.log_likelihood, params=params if keep_all else None)
    return _State(params, None, ev, "init", 0), record


def _e_half_step(model: EMModel, X: Any, s: _State, keep_all: bool) -> tuple[_State, Record]:
    """E step: q ← p(Z | X, θ); the bound touches ln p (KL = 0)."""
    iteration = s.iteration + 1
    ev = s.at_params
    if ev.posterior_lower_bound is None or ev.posterior_kl is None:
        ev = model.evaluate(X, s.params)  # L and KL for q = the posterior itself
        bound, gap = ev.lower_bound, ev.kl
    else:
        bound, gap = ev.posterior_lower_bound, ev.posterior_kl
    state = _State(s.params, ev.posterior, ev, "E", iteration)
    record = Record("E", iteration, ev.log_likelihood, bound, gap,
                    params=s.params if keep_all else None,
                    posterior=ev.posterior if keep_all else None)
    return state, record


def _m_half_step(model: EMModel, X: Any, s: _State, keep_all: bool) -> tuple[_State, Record]:
    """M step: θ ← argmax_θ E_q[ln p(X, Z | θ)]; ln p rises, KL(q‖p) opens again."""
    params = model.m_step(X, s.posterior)
    ev = model.evaluate(X, params, s.posterior)
    state = _State(params, s.posterior, ev, "M", s.iteration)
    record = Record("M", s.iteration, ev.log_likelihood, ev.lower_bound, ev.kl,
                    params=params if keep_all else None,
                    posterior=s.posterior if keep_all else None)
    return state, record


def _iterate(model: EMModel, X: Any, state: _State, keep_all: bool,
             push: Callable[[_State, Record], Any], max_iter: int,
             tol: float | None) -> tuple[_State, bool]:
    """The one loop body, shared by :func:`run` and :meth:`Stepper.run`.

    Each iteration is an E step (skipped when the state already follows one) and an M
    step; ``push`` receives every half-step. Returns the last state and whether the run
    converged: one iteration raised ln p(X|θ) by less than ``tol``.
    """
    for _ in range(max_iter):
        before = state.at_params.log_likelihood  # ln p(X|θ) at the current θ
        if state.last != "E":
            state, record = _e_half_step(model, X, state, keep_all)
            push(state, record)
        state, record = _m_half_step(model, X, state, keep_all)
        push(state, record)
        if tol is not None and record.log_likelihood - before < tol:
            return state, True
    return state, False


def _params_type(model: EMModel) -> type | None:
    """The class ``model.init_params`` is annotated to return (None when not a plain class)."""
    try:
        hint = get_type_hints(type(model).init_params).get("return")
    except Exception:  # noqa: BLE001 - an unresolvable annotation only skips the check
        return None
    return hint if isinstance(hint, type) and hint not in (object, Any) else None


def validate_params(model: EMModel, X: Any, params: Params) -> None:
    """Check a caller's θ⁽⁰⁾ for ``model`` on the validated data ``X`` (chapter ``00_welcome``).

    First its type: an instance of the class ``model.init_params`` is annotated to return
    (else a TypeError naming ``params``); then the model's own :meth:`EMModel.check_params`
    (K, shapes, support). :func:`run` and :class:`Stepper` call it; so may any other
    driver of a model that takes a θ⁽⁰⁾ (online EM, a widget).
    """
    if not isinstance(model, EMModel):
        raise TypeError(f"model must be an emlib.em.EMModel, got {type(model).__name__}")
    expected = _params_type(model)
    if expected is not None and not isinstance(params, expected):
        raise TypeError(f"params must be a {expected.__name__} for {type(model).__name__} "
                        f"(or None to draw θ⁽⁰⁾), got {type(params).__name__}")
    model.check_params(X, params)


def _prepare(model: EMModel, X: Any, params: Params | None,
             rng: np.random.Generator | int | None) -> tuple[Any, Params]:
    if not isinstance(model, EMModel):
        raise TypeError(f"model must be an emlib.em.EMModel, got {type(model).__name__}")
    rng = check_rng(rng)  # checked even when θ⁽⁰⁾ is given and rng goes unused
    X = model.validate_data(X)
    if params is None:
        params = model.init_params(X, rng)
    else:
        validate_params(model, X, params)
    return X, params


def run(model: EMModel, X: Any, params: Params | None = None, *, max_iter: int = 100,
        tol: float | None = 1e-8, keep: Keep = "none",
        rng: np.random.Generator | int | None = None) -> Trace:
    """Run EM from θ⁽⁰⁾ = ``params`` (or ``model.init_params(X, rng)``) until it converges.

    Each iteration is an E step then an M step. The run stops after ``max_iter``
    iterations, or when one iteration raised ln p(X|θ) by less than ``tol`` (absolute):
    ln p(X|θ⁽ᵗ⁾) − ln p(X|θ⁽ᵗ⁻¹⁾) < tol; ``tol=None`` runs exactly ``max_iter`` iterations
    (what scikit-learn's ``tol=0`` does). ``keep="all"`` stores θ and q in every record.
    Chapter ``00_welcome`` introduces the loop; ``07_em_theory`` proves it climbs.
    """
    _validate_loop_args(max_iter, tol)
    check_choice(keep, "keep", ("none", "all"))
    X, params = _prepare(model, X, params, rng)
    keep_all = keep == "all"
    state, record = _initial(model, X, params, keep_all)
    trace = Trace([record])
    state, trace.converged = _iterate(model, X, state, keep_all,
                                      lambda _, r: trace.records.append(r), max_iter, tol)
    trace.params, trace.posterior = state.params, state.posterior
    return trace


class Stepper:
    """EM driven by hand: ``e()``, ``m()``, ``iterate()``, ``run()``, ``undo()``, ``reset()``.

    Any order of clicks is legal. A second E step in a row changes nothing (q already is
    the posterior at θ) and a second M step in a row changes nothing (θ already maximises
    E_q[ln p(X,Z|θ)]); both return the current record without adding one. An M step
    before any E step raises :class:`StepOrderError`: there is no q to maximise against.
    Every record keeps θ and q, so a widget can show any earlier half-step again.
    """

    def __init__(self, model: EMModel, X: Any, params: Params | None = None, *,
                 rng: np.random.Generator | int | None = None) -> None:
        self.model = model
        self.X, self.initial_params = _prepare(model, X, params, rng)
        self.reset()

    # -- state -------------------------------------------------------------------------
    @property
    def params(self) -> Params:
        """θ now."""
        return self._states[-1].params

    @property
    def posterior(self) -> Posterior | None:
        """q now (None before the first E step)."""
        return self._states[-1].posterior

    @property
    def last_step(self) -> str:
        """``"init"``, ``"E"`` or ``"M"``: the half-step that produced the current state."""
        return self._states[-1].last

    @property
    def record(self) -> Record:
        """The current (last) record."""
        return self.trace.records[-1]

    @property
    def trace(self) -> Trace:
        """The history so far, with ``params`` and ``posterior`` of the current state."""
        self._trace.params, self._trace.posterior = self.params, self.posterior
        return self._trace

    def _push(self, state: _State, record: Record) -> Record:
        self._states.append(state)
        self._trace.records.append(record)
        return record

    # -- the buttons ---------------------------------------------------------------------
    def e(self) -> Record:
        """E step: q ← p(Z | X, θ). A no-op right after another E step."""
        if self.last_step == "E":
            return self.record
        return self._push(*_e_half_step(self.model, self.X, self._states[-1], True))

    def m(self) -> Record:
        """M step: θ ← argmax_θ E_q[ln p(X,Z|θ)]. Refused before the first E step."""
        if self.posterior is None:
            raise StepOrderError(
                "M step before any E step: there is no q(Z) yet to maximise E_q[ln p(X,Z|θ)] "
                "against. Press 'E step' first.")
        if self.last_step == "M":
            return self.record
        return self._push(*_m_half_step(self.model, self.X, self._states[-1], True))

    def iterate(self) -> Record:
        """One EM iteration: an E step then an M step."""
        self.e()
        return self.m()

    def run(self, max_iter: int = 100, tol: float | None = 1e-8) -> Record:
        """Iterate until ln p rises by less than ``tol`` in one iteration, or ``max_iter``."""
        _validate_loop_args(max_iter, tol)
        _, converged = _iterate(self.model, self.X, self._states[-1], True, self._push,
                                max_iter, tol)
        if converged:
            self._trace.converged = True
        return self.record

    def undo(self) -> Record:
        """Go back one half-step (restores θ, q and the trace exactly). No-op at init."""
        if len(self._states) > 1:
            self._states.pop()
            self._trace.records.pop()
            self._trace.converged = False
        return self.record

    def reset(self) -> Record:
        """Back to θ⁽⁰⁾ with an empty history."""
        state, record = _initial(self.model, self.X, self.initial_params, True)
        self._states = [state]
        self._trace = Trace([record])
        return record

    def __len__(self) -> int:
        return len(self._trace.records)

    def copy(self) -> Stepper:
        """An independent copy (same model and data, a copied history)."""
        other = copy.copy(self)
        other._states = list(self._states)
        other._trace = replace(self._trace, records=list(self._trace.records))
        return other

