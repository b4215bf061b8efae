"""Hidden Markov models fitted by Baum–Welch (chapter ``10_hmm``, 隐马尔可夫模型).

The model: a hidden chain z_1 … z_N of K states and one observation x_n per step (the
course's notation, as in Bishop's PRML ch. 13; hmmlearn and Eisner write t and T),

    p(X, Z | θ) = π_{z_1} b_{z_1}(x_1) Π_{n≥2} A_{z_{n−1} z_n} b_{z_n}(x_n)  [· e_{z_N}]

with π the start distribution, A the transition matrix, b_k(x) the emission (a table
B_km = ``emit[k, m]`` for symbols, a Poisson mean μ_k = ``rates[k]`` for counts) and, in
Eisner's spreadsheet model (``end_state=True``), e_k = p(STOP | z_N = k): then each row of A
together with e sums to 1.

E step = forward–backward (here scaled: every α̂_n sums to 1, c_n is its normaliser):

    α̂_1 = π ∘ b(x_1) / c_1,      α̂_n = (α̂_{n−1} A) ∘ b(x_n) / c_n,      ln p(X|θ) = Σ_n ln c_n
    β̂_N = 1 (or e / c_{N+1}),    β̂_n = A (b(x_{n+1}) ∘ β̂_{n+1}) / c_{n+1}
    γ_nk = α̂_n(k) β̂_n(k),       ξ_n(j, k) = α̂_{n−1}(j) A_jk b_k(x_n) β̂_n(k) / c_n

M step = normalised expected counts:

    π_k = γ_1k,   A_jk = Σ_n ξ_n(j, k) / Σ_n Σ_k' ξ_n(j, k')   (÷ Σ_{n≤N} γ_nj with STOP,
    e_j = γ_Nj / Σ_{n≤N} γ_nj),   B_km = Σ_{n: x_n = m} γ_nk / Σ_n γ_nk,
    μ_k = Σ_n γ_nk x_n / Σ_n γ_nk

q(Z) is the posterior over whole paths, itself a Markov chain with q(z_1) = γ_1 and
q(z_n | z_{n−1}) = ξ_n / γ_{n−1}, so its entropy is
H(q) = −Σ_k γ_1k ln γ_1k − Σ_n Σ_jk ξ_n(j, k) ln(ξ_n(j, k) / γ_{n−1,j}), and
L(q, θ) = E_q[ln p(X, Z | θ)] + H(q), KL(q‖p) = −H(q) − E_q[ln p(Z | X, θ)] follow from
the expected counts: the laws of chapter 07 hold as for every other model.

:func:`forward_backward` and :func:`baum_welch_step` below are the textbook version (plain
numpy, one loop over the steps); long sequences go through the compiled twin in
:mod:`emlib._hmm_engine` (tested equal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ._validation import as_float_array, check_instance, check_int, check_rng
from .em import Evaluation, Statistics, StatisticsModel, Trace
from .estimator import EMEstimator
from .prereq import xlogy

__all__ = [
    "CategoricalHMM",
    "CategoricalHMMModel",
    "ForwardBackward",
    "HMMData",
    "HMMParams",
    "HMMPosterior",
    "HMMStatistics",
    "ICE_CREAM",
    "PoissonHMM",
    "PoissonHMMModel",
    "PoissonHMMParams",
    "baum_welch_step",
    "eisner_ice_cream",
    "forward_backward",
    "posterior_decode",
    "sample",
    "viterbi",
]


# -- the textbook E and M steps (one sequence, plain numpy) -----------------------------------


@dataclass(frozen=True)
class ForwardBackward:
    """The scaled trellis of one sequence: α̂, β̂, the normalisers c, γ, ξ and ln p."""

    alpha: np.ndarray
    beta: np.ndarray
    scale: np.ndarray
    gamma: np.ndarray
    xi: np.ndarray
    log_likelihood: float


def forward_backward(b: np.ndarray, start: np.ndarray, trans: np.ndarray,
                     end: np.ndarray | None = None) -> ForwardBackward:
    """E step for one sequence: b[t, k] = p(x_t | z_t = k). ``scale`` has T (+1 with end) c's."""
    b, start, trans = _arrays(b=(b, 2), start=(start, 1), trans=(trans, 2))
    T, K = b.shape
    alpha, beta, c = np.empty((T, K)), np.empty((T, K)), np.empty(T)
    alpha[0] = start * b[0]
    c[0] = alpha[0].sum()
    alpha[0] /= c[0]
    for t in range(1, T):                        # α̂_t = (α̂_{t−1} A) ∘ b_t / c_t
        alpha[t] = (alpha[t - 1] @ trans) * b[t]
        c[t] = alpha[t].sum()
        alpha[t] /= c[t]
    if end is not None:                          # p(STOP | z_T): one more factor c_{T+1}
        c = np.append(c, alpha[-1] @ end)
        beta[-1] = end / c[-1]
    else:
        beta[-1] = 1.0
    for t in range(T - 2, -1, -1):               # β̂_t = A (b_{t+1} ∘ β̂_{t+1}) / c_{t+1}
        beta[t] = trans @ (b[t + 1] * beta[t + 1]) / c[t + 1]
    gamma = alpha * beta
    xi = (alpha[:-1, :, None] * trans[None] * (b[1:] * beta[1:])[:, None, :]
          / c[1:T, None, None])
    with np.errstate(divide="ignore"):
        return ForwardBackward(alpha, beta, c, gamma, xi, float(np.log(c).sum()))


def baum_welch_step(x: np.ndarray, fb: ForwardBackward, n_symbols: int,
                    end_state: bool = False) -> tuple[np.ndarray, ...]:
    """M step for one symbol sequence: (π, A, B) or (π, A, B, e) from γ and ξ."""
    x = _arrays(x=(x, 1))[0].astype(np.int64)
    check_instance(fb, ForwardBackward, "fb")
    start = fb.gamma[0]
    pairs = fb.xi.sum(0)
    occupancy = fb.gamma.sum(0) if end_state else pairs.sum(1)
    counts = np.stack([np.bincount(x, weights=fb.gamma[:, k], minlength=n_symbols)
                       for k in range(fb.gamma.shape[1])])
    emit = counts / fb.gamma.sum(0)[:, None]
    if end_state:
        return start, pairs / occupancy[:, None], emit, fb.gamma[-1] / occupancy
    return start, pairs / occupancy[:, None], emit


def _arrays(**named: tuple[Any, int]) -> list[np.ndarray]:
    """The textbook functions' inputs as float arrays of the stated dimensions (named errors)."""
    return [as_float_array(value, name, ndim=ndim) for name, (value, ndim) in named.items()]


# -- parameters, data, statistics, posterior -------------------------------------------------


def _stochastic(value: Any, name: str, shape: tuple[int, ...] | None = None,
                extra: np.ndarray | None = None, extra_name: str = "") -> np.ndarray:
    """A table whose rows (plus ``extra``, the STOP column) are distributions."""
    table = as_float_array(value, name, ndim=len(shape) if shape else (1, 2))
    if shape is not None and table.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {table.shape}")
    if table.size == 0:
        raise ValueError(f"{name} is empty")
    if np.any(table < 0):
        raise ValueError(f"{name} has negative entries; probabilities must be >= 0")
    sums = table.sum(-1) + (0.0 if extra is None else extra)
    if not np.allclose(sums, 1.0, rtol=0, atol=1e-8):
        what = f"each row of {name} plus {extra_name}" if extra is not None else (
            f"each row of {name}" if table.ndim == 2 else name)
        raise ValueError(f"{what} must sum to 1 (sums: {np.round(np.atleast_1d(sums), 10)})")
    table.setflags(write=False)
    return table


def _check_chain(start: Any, trans: Any, end: Any) -> tuple[np.ndarray, np.ndarray, Any]:
    start = _stochastic(start, "start", None)
    if start.ndim != 1:
        raise ValueError(f"start must be a vector of K probabilities, got shape {start.shape}")
    K = start.shape[0]
    end_vec = None
    if end is not None:
        end_vec = as_float_array(end, "end", ndim=1)
        if end_vec.shape != (K,) or np.any(end_vec < 0) or np.any(end_vec > 1):
            raise ValueError(f"end must hold K = {K} probabilities in [0, 1], got {end_vec}")
        end_vec.setflags(write=False)
    trans = _stochastic(trans, "trans", (K, K), end_vec, "end")
    return start, trans, end_vec


class _Chain:
    """What both parameter types share: the checked chain (π, A, e) and K."""

    start: np.ndarray
    trans: np.ndarray
    end: np.ndarray | None

    def _freeze(self, name: str, emission: np.ndarray) -> None:
        start, trans, end = _check_chain(self.start, self.trans, self.end)
        if emission.shape[0] != start.shape[0]:
            raise ValueError(f"{name} must have K = {start.shape[0]} rows, "
                             f"got {emission.shape[0]}")
        emission.setflags(write=False)
        for field_name, value in (("start", start), ("trans", trans), ("end", end),
                                  (name, emission)):
            object.__setattr__(self, field_name, value)

    @property
    def n_states(self) -> int:
        """K, the number of hidden states."""
        return int(self.start.shape[0])


@dataclass(frozen=True)
class HMMParams(_Chain):
    """θ of a categorical HMM: ``start`` (K,), ``trans`` (K, K), ``emit`` (K, M), ``end``.

    ``emit[k, m]`` = p(symbol m | state k); ``end`` (K,) = p(STOP | state) or None (no STOP).
    Rows of ``trans`` (plus ``end``) and of ``emit`` sum to 1; a ValueError says which not.
    """

    start: np.ndarray
    trans: np.ndarray
    emit: np.ndarray
    end: np.ndarray | None = None

    def __post_init__(self) -> None:
        emit = as_float_array(self.emit, "emit", ndim=2)
        self._freeze("emit", _stochastic(emit, "emit", emit.shape))


@dataclass(frozen=True)
class PoissonHMMParams(_Chain):
    """θ of a Poisson HMM: ``start``, ``trans``, ``rates`` (K,) = μ_k ≥ 0, ``end`` or None."""

    start: np.ndarray
    trans: np.ndarray
    rates: np.ndarray
    end: np.ndarray | None = None

    def __post_init__(self) -> None:
        rates = as_float_array(self.rates, "rates", ndim=1)
        if np.any(rates < 0):
            raise ValueError(f"rates must be >= 0, got {rates}")
        self._freeze("rates", rates)


@dataclass(frozen=True)
class HMMData:
    """Checked data: the sequences concatenated in ``x`` and their ``offsets`` (S + 1,)."""

    x: np.ndarray
    offsets: np.ndarray

    @property
    def n_sequences(self) -> int:
        return int(len(self.offsets) - 1)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def sequences(self) -> list[np.ndarray]:
        return [self.x[a:b] for a, b in zip(self.offsets[:-1], self.offsets[1:], strict=True)]


@dataclass(frozen=True)
class HMMStatistics(Statistics):
    """Expected sufficient statistics: Σγ_1 (``start``), Σξ (``trans``), Σγ_T (``end``),
    Σ_t γ_t (``occupancy``), the emission statistics (counts (K, M) or Σ_t γ_t x_t (K,))
    and, for counts, Σ_t γ_t ln x_t! (``log_factorial``)."""

    start: np.ndarray
    trans: np.ndarray
    end: np.ndarray
    occupancy: np.ndarray
    emission: np.ndarray
    log_factorial: np.ndarray


@dataclass(frozen=True)
class HMMPosterior:
    """q(Z) = p(Z | X, θ) as a chain: γ (T, K), its expected counts and its entropy H(q)."""

    gamma: np.ndarray
    stats: HMMStatistics
    entropy: float
    offsets: np.ndarray = field(repr=False)

    def sequences(self) -> list[np.ndarray]:
        """γ split by sequence."""
        return [self.gamma[a:b] for a, b in zip(self.offsets[:-1], self.offsets[1:], strict=True)]


# -- the models ----------------------------------------------------------------------------

Engine = Literal["auto", "numpy", "numba"]
_COMPILED_FROM = 2000  # total length from which "auto" uses the compiled pass


def _as_sequences(X: Any) -> list[Any]:
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError("X must be a sequence of numbers or a list of them, "
                        f"got {type(X).__name__}")
    if isinstance(X, np.ndarray):
        return [X] if X.ndim <= 1 or (X.ndim == 2 and X.shape[1] == 1) else list(X)
    if isinstance(X, (list, tuple)):
        if len(X) == 0:
            raise ValueError("X is empty: give one sequence or a list of sequences")
        if all(np.ndim(item) >= 1 for item in X):
            return list(X)
        return [X]
    raise TypeError(f"X must be a sequence of numbers or a list of them, got {type(X).__name__}")


def _log_factorial(x: np.ndarray) -> np.ndarray:
    table = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, int(x.max(initial=0)) + 1)))])
    return table[x]


class _HMMModel(StatisticsModel):
    """What the categorical and Poisson HMMs share: the chain, forward–backward, the bound."""

    params_type: type = HMMParams

    def __init__(self, n_states: int, end_state: bool = False, engine: Engine = "auto") -> None:
        self.n_states = check_int(n_states, "n_states", low=1)
        if not isinstance(end_state, (bool, np.bool_)):
            raise TypeError(f"end_state must be True or False, got {type(end_state).__name__}")
        if engine not in ("auto", "numpy", "numba"):
            raise ValueError(f"engine must be 'auto', 'numpy' or 'numba', got {engine!r}")
        self.end_state, self.engine = bool(end_state), engine

    # -- subclass hooks --------------------------------------------------------------------
    def _check_symbols(self, x: np.ndarray, index: int) -> None:
        raise NotImplementedError

    def _emission_probabilities(self, data: HMMData, params: Any) -> tuple[np.ndarray, float]:
        """b (T, K) up to a positive factor per row, and Σ_t ln(that factor)."""
        raise NotImplementedError

    def _emission_statistics(self, data: HMMData, gamma: np.ndarray) -> tuple[np.ndarray, ...]:
        raise NotImplementedError

    def _expected_log_emission(self, stats: HMMStatistics, params: Any) -> float:
        raise NotImplementedError

    def _emission_from_statistics(self, stats: HMMStatistics) -> dict[str, np.ndarray]:
        raise NotImplementedError

    # -- data and parameters ---------------------------------------------------------------
    def validate_data(self, X: Any) -> HMMData:
        """One sequence or a list of sequences → :class:`HMMData` (checked once)."""
        if isinstance(X, HMMData):
            return X
        parts = []
        for index, seq in enumerate(_as_sequences(X)):
            name = "X" if index == 0 and not isinstance(X, (list, tuple)) else f"X[{index}]"
            arr = as_float_array(seq, name, ndim=(1, 2)).reshape(-1) if np.ndim(seq) <= 1 or (
                np.ndim(seq) == 2 and np.shape(seq)[1] == 1) else as_float_array(seq, name, ndim=1)
            if arr.size == 0:
                raise ValueError(f"{name} is an empty sequence; every sequence needs T >= 1")
            if np.any(arr != np.round(arr)):
                raise ValueError(f"{name} must hold integers, got {arr[arr != np.round(arr)][0]}")
            ints = arr.astype(np.int64)
            self._check_symbols(ints, name)
            parts.append(ints)
        offsets = np.concatenate([[0], np.cumsum([len(p) for p in parts])]).astype(np.int64)
        return HMMData(np.concatenate(parts), offsets)

    def check_params(self, params: Any) -> Any:
        """``params`` after checking its type and its shapes against the model."""
        if not isinstance(params, self.params_type):
            raise TypeError(f"params must be a {self.params_type.__name__}, "
                            f"got {type(params).__name__}")
        if params.n_states != self.n_states:
            raise ValueError(f"params has {params.n_states} states, the model {self.n_states}")
        if (params.end is not None) != self.end_state:
            raise ValueError(f"params.end must be {'given' if self.end_state else 'None'} "
                             f"for a model with end_state={self.end_state}")
        return params

    def _random_chain(self, rng: np.random.Generator) -> dict[str, Any]:
        K = self.n_states
        start = rng.dirichlet(np.full(K, 5.0))
        trans = rng.dirichlet(np.ones(K), size=K) + 2 * np.eye(K)
        stop = 0.05 if self.end_state else 0.0
        trans = trans / trans.sum(1, keepdims=True) * (1 - stop)
        return {"start": start, "trans": trans, "end": np.full(K, stop) if self.end_state else None}

    # -- one pass: forward–backward --------------------------------------------------------
    def _use_compiled(self, data: HMMData) -> bool:
        if self.engine == "numpy":
            return False
        if self.engine == "numba":
            return True
        if len(data.x) < _COMPILED_FROM:
            return False
        try:
            import numba  # noqa: F401
        except ImportError:  # pragma: no cover - numba is a dependency
            return False
        return True

    def _pass(self, data: HMMData, params: Any) -> tuple[float, HMMPosterior]:
        """ln p(X|θ) and the exact posterior (γ, expected counts, H(q)) in one pass."""
        params = self.check_params(params)
        b, log_shift = self._emission_probabilities(data, params)
        K = self.n_states
        end = params.end if self.end_state else np.zeros(K)
        first, last = data.offsets[:-1], data.offsets[1:] - 1
        if self._use_compiled(data):
            from ._hmm_engine import forward_backward_compiled

            gamma, xi_sum = np.empty_like(b), np.zeros((K, K))
            log_c, xi_log = forward_backward_compiled(
                b, data.offsets, params.start, params.trans, end, self.end_state, gamma, xi_sum)
            if not np.isfinite(log_c):
                raise ValueError("the data have probability 0 under these parameters")
            neg_entropy = xi_log + xlogy(xi_sum, params.trans).sum()
        else:
            gamma, xi_sum = np.empty_like(b), np.zeros((K, K))
            log_c, neg_entropy = 0.0, 0.0
            for a, z in zip(data.offsets[:-1], data.offsets[1:], strict=True):
                with np.errstate(divide="ignore", invalid="ignore"):
                    fb = forward_backward(b[a:z], params.start, params.trans,
                                          params.end if self.end_state else None)
                if not np.isfinite(fb.log_likelihood):
                    raise ValueError("the data have probability 0 under these parameters")
                gamma[a:z], log_c = fb.gamma, log_c + fb.log_likelihood
                xi_sum += fb.xi.sum(0)
                neg_entropy += xlogy(fb.xi, fb.xi).sum() - xlogy(fb.gamma[:-1], fb.gamma[:-1]).sum()
        neg_entropy += xlogy(gamma[first], gamma[first]).sum()
        emission = self._emission_statistics(data, gamma)
        stats = HMMStatistics(gamma[first].sum(0), xi_sum, gamma[last].sum(0), gamma.sum(0),
                              *emission)
        return log_c + log_shift, HMMPosterior(gamma, stats, -float(neg_entropy), data.offsets)

    # -- the EM protocol ---------------------------------------------------------------------
    def e_step(self, X: Any, params: Any) -> HMMPosterior:
        """q(Z) = p(Z | X, θ) by forward–backward."""
        return self._pass(self.validate_data(X), params)[1]

    def log_likelihood(self, X: Any, params: Any) -> float:
        """ln p(X | θ) = Σ_t ln c_t (+ ln c_{T+1} with STOP), summed over sequences."""
        return float(self._pass(self.validate_data(X), params)[0])

    def expected_complete_log_likelihood(self, posterior: HMMPosterior, params: Any) -> float:
        """E_q[ln p(X, Z | θ)] = Σγ_1 ln π + Σξ ln A (+ Σγ_T ln e) + E_q[Σ_t ln b_{z_t}(x_t)]."""
        s = posterior.stats
        value = xlogy(s.start, params.start).sum() + xlogy(s.trans, params.trans).sum()
        if self.end_state:
            value += xlogy(s.end, params.end).sum()
        return float(value + self._expected_log_emission(s, params))

    def lower_bound(self, X: Any, posterior: HMMPosterior, params: Any) -> float:
        """L(q, θ) = E_q[ln p(X, Z | θ)] + H(q)."""
        return self.expected_complete_log_likelihood(posterior, params) + posterior.entropy

    def kl_divergence(self, X: Any, posterior: HMMPosterior, params: Any) -> float:
        """KL(q‖p) = −H(q) − E_q[ln p(Z|X,θ)], with ln p(Z|X,θ) = ln p(X,Z|θ) − ln p(X|θ)."""
        log_p = self.log_likelihood(X, params)
        return -posterior.entropy - (self.expected_complete_log_likelihood(posterior, params)
                                     - log_p)

    def evaluate(self, X: Any, params: Any, posterior: HMMPosterior | None = None) -> Evaluation:
        """One forward–backward pass gives ln p, the posterior, and L and KL for any q."""
        log_p, exact = self._pass(self.validate_data(X), params)
        exact_bound = self.lower_bound(X, exact, params)
        at_posterior = (exact_bound, log_p - exact_bound)  # KL = −H − E[ln p(Z|X,θ)] = ln p − L
        if posterior is None:
            bound, gap = at_posterior
        else:
            bound = self.lower_bound(X, posterior, params)
            gap = -posterior.entropy - (bound - posterior.entropy - log_p)
        return Evaluation(float(log_p), exact, bound, gap, *at_posterior)

    def expected_statistics(self, X: Any, posterior: HMMPosterior) -> HMMStatistics:
        """The expected counts the E step accumulated (no pass over X)."""
        return posterior.stats

    def params_from_statistics(self, stats: HMMStatistics) -> Any:
        """Normalised expected counts (a state never visited gets uniform rows)."""
        K = self.n_states
        start = stats.start / stats.start.sum()
        denom = stats.occupancy if self.end_state else stats.trans.sum(1)
        safe = np.where(denom > 0, denom, 1.0)[:, None]
        trans = np.where(denom[:, None] > 0, stats.trans / safe, 1.0 / (K + self.end_state))
        end = None
        if self.end_state:
            end = np.where(denom > 0, stats.end / safe[:, 0], 1.0 / (K + 1))
        return self.params_type(start=start, trans=trans, end=end,
                                **self._emission_from_statistics(stats))

    def m_step(self, X: Any, posterior: HMMPosterior) -> Any:
        """θ ← normalised expected counts of the posterior."""
        return self.params_from_statistics(posterior.stats)


class CategoricalHMMModel(_HMMModel):
    """HMM over symbols 0..M−1 (``n_symbols`` = M), ``emit[k, m]`` = p(m | k) (hmmlearn's
    ``CategoricalHMM``); ``end_state=True`` adds Eisner's p(STOP | state)."""

    params_type = HMMParams

    def __init__(self, n_states: int, n_symbols: int, end_state: bool = False,
                 engine: Engine = "auto") -> None:
        super().__init__(n_states, end_state, engine)
        self.n_symbols = check_int(n_symbols, "n_symbols", low=1)

    def _check_symbols(self, x: np.ndarray, name: str) -> None:
        bad = (x < 0) | (x >= self.n_symbols)
        if np.any(bad):
            raise ValueError(f"{name} contains symbol {x[bad][0]} outside 0..{self.n_symbols - 1} "
                             f"(n_symbols = {self.n_symbols})")

    def check_params(self, params: Any) -> HMMParams:
        params = super().check_params(params)
        if params.emit.shape[1] != self.n_symbols:
            raise ValueError(f"params.emit has {params.emit.shape[1]} symbols, the model "
                             f"{self.n_symbols}")
        return params

    def init_params(self, X: Any, rng: np.random.Generator) -> HMMParams:
        """Random chain (sticky), emission rows drawn around the symbols' frequencies."""
        data = self.validate_data(X)
        freq = np.bincount(data.x, minlength=self.n_symbols) + 1.0
        emit = rng.dirichlet(10 * freq / freq.sum() * self.n_symbols, size=self.n_states)
        return HMMParams(emit=emit, **self._random_chain(rng))

    def _emission_probabilities(self, data: HMMData, params: HMMParams) -> tuple[np.ndarray, float]:
        return np.ascontiguousarray(params.emit.T[data.x]), 0.0

    def _emission_statistics(self, data: HMMData, gamma: np.ndarray) -> tuple[np.ndarray, ...]:
        counts = np.stack([np.bincount(data.x, weights=gamma[:, k], minlength=self.n_symbols)
                           for k in range(self.n_states)])
        return counts, np.zeros(self.n_states)

    def _expected_log_emission(self, stats: HMMStatistics, params: HMMParams) -> float:
        return float(xlogy(stats.emission, params.emit).sum())

    def _emission_from_statistics(self, stats: HMMStatistics) -> dict[str, np.ndarray]:
        totals = stats.emission.sum(1, keepdims=True)
        return {"emit": np.where(totals > 0, stats.emission / np.where(totals > 0, totals, 1),
                                 1.0 / self.n_symbols)}


class PoissonHMMModel(_HMMModel):
    """HMM over counts: b_k(x) = μ_k^x e^{−μ_k} / x! (hmmlearn's ``PoissonHMM``)."""

    params_type = PoissonHMMParams

    def _check_symbols(self, x: np.ndarray, name: str) -> None:
        if np.any(x < 0):
            raise ValueError(f"{name} must hold counts >= 0, got {x[x < 0][0]}")

    def init_params(self, X: Any, rng: np.random.Generator) -> PoissonHMMParams:
        """Random chain (sticky); rates at spread quantiles of the counts, jittered."""
        data = self.validate_data(X)
        K = self.n_states
        levels = np.quantile(data.x, (np.arange(K) + 0.5) / K)
        rates = np.sort(levels * rng.uniform(0.9, 1.1, K)) + 0.1
        return PoissonHMMParams(rates=rates, **self._random_chain(rng))

    def _emission_probabilities(self, data: HMMData, params: PoissonHMMParams
                                ) -> tuple[np.ndarray, float]:
        log_b = xlogy(data.x[:, None], params.rates[None]) - params.rates[None]
        log_b -= _log_factorial(data.x)[:, None]
        top = log_b.max(1)
        if not np.all(np.isfinite(top)):
            raise ValueError("the data have probability 0 under these parameters")
        return np.exp(log_b - top[:, None]), float(top.sum())

    def _emission_statistics(self, data: HMMData, gamma: np.ndarray) -> tuple[np.ndarray, ...]:
        return data.x @ gamma, _log_factorial(data.x) @ gamma

    def _expected_log_emission(self, stats: HMMStatistics, params: PoissonHMMParams) -> float:
        return float((xlogy(stats.emission, params.rates) - stats.occupancy * params.rates
                      - stats.log_factorial).sum())

    def _emission_from_statistics(self, stats: HMMStatistics) -> dict[str, np.ndarray]:
        occ = stats.occupancy
        mean = stats.emission.sum() / occ.sum()
        return {"rates": np.where(occ > 0, stats.emission / np.where(occ > 0, occ, 1), mean)}


# -- decoding and sampling -----------------------------------------------------------------


def _model_for(params: Any, n_symbols: int | None = None) -> _HMMModel:
    if isinstance(params, HMMParams):
        return CategoricalHMMModel(params.n_states, params.emit.shape[1], params.end is not None)
    if isinstance(params, PoissonHMMParams):
        return PoissonHMMModel(params.n_states, params.end is not None)
    raise TypeError(f"params must be HMMParams or PoissonHMMParams, got {type(params).__name__}")


def _one_or_many(X: Any, data: HMMData, values: np.ndarray) -> Any:
    parts = [values[a:b] for a, b in zip(data.offsets[:-1], data.offsets[1:], strict=True)]
    single = not isinstance(X, (list, tuple)) or (len(parts) == 1 and not all(
        np.ndim(item) >= 1 for item in X))
    return parts[0] if single and len(parts) == 1 else parts


def viterbi(X: Any, params: HMMParams | PoissonHMMParams) -> tuple[Any, float]:
    """The most probable path argmax_Z p(Z | X, θ) (log space) and its ln p(X, Z | θ).

    δ_1 = ln π + ln b(x_1), δ_t(j) = max_i (δ_{t−1}(i) + ln A_ij) + ln b_j(x_t), then back
    through the argmax pointers (from argmax_k δ_T(k) + ln e_k with STOP). One path per
    sequence: an array for one sequence, a list for a list.
    """
    model = _model_for(params)
    data = model.validate_data(X)
    b, shift = model._emission_probabilities(data, params)
    with np.errstate(divide="ignore"):
        log_b, log_a, log_pi = np.log(b), np.log(params.trans), np.log(params.start)
        log_end = np.log(params.end) if params.end is not None else np.zeros(model.n_states)
    path, total = np.empty(len(data.x), dtype=np.int64), shift
    for a, z in zip(data.offsets[:-1], data.offsets[1:], strict=True):
        back = np.empty((z - a, model.n_states), dtype=np.int64)
        delta = log_pi + log_b[a]
        for t in range(a + 1, z):
            scores = delta[:, None] + log_a
            back[t - a] = scores.argmax(0)
            delta = scores.max(0) + log_b[t]
        delta = delta + log_end
        path[z - 1] = int(delta.argmax())
        total += float(delta.max())
        for t in range(z - 1, a, -1):
            path[t - 1] = back[t - a, path[t]]
    return _one_or_many(X, data, path), float(total)


def posterior_decode(X: Any, params: HMMParams | PoissonHMMParams) -> Any:
    """The state of highest posterior at each step, argmax_k γ_t(k) (may be an impossible path)."""
    model = _model_for(params)
    data = model.validate_data(X)
    gamma = model.e_step(data, params).gamma
    return _one_or_many(X, data, gamma.argmax(1))


def sample(params: HMMParams | PoissonHMMParams, n_steps: int | None = None,
           rng: np.random.Generator | int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Draw (states, observations) by the generative story: z_1 ~ π, x_t ~ b_{z_t},
    z_{t+1} ~ A_{z_t} (or STOP with probability e_{z_t}). Without STOP ``n_steps`` is the
    length; with STOP it is an optional cap (None: until STOP)."""
    model = _model_for(params)
    rng = check_rng(rng)
    if params.end is None and n_steps is None:
        raise ValueError("n_steps is required for a model without a STOP state")
    cap = np.inf if n_steps is None else check_int(n_steps, "n_steps", low=1)
    K = model.n_states
    stop_row = params.trans if params.end is None else np.hstack([params.trans,
                                                                  params.end[:, None]])
    states = [int(rng.choice(K, p=params.start))]
    while len(states) < cap:
        nxt = int(rng.choice(stop_row.shape[1], p=stop_row[states[-1]]))
        if nxt == K:
            break
        states.append(nxt)
    z = np.array(states)
    if isinstance(params, HMMParams):
        x = np.array([rng.choice(params.emit.shape[1], p=params.emit[k]) for k in z])
    else:
        x = rng.poisson(params.rates[z])
    return z, x


# -- Eisner's ice-cream spreadsheet --------------------------------------------------------

#: Eisner's 33 days of ice creams eaten (1, 2 or 3 per day).
ICE_CREAM = np.array([2, 3, 3, 2, 3, 2, 3, 2, 2, 3, 1, 3, 3, 1, 1, 1, 2, 1, 1, 1, 3, 1, 2,
                      1, 1, 1, 2, 3, 3, 2, 3, 2, 2])


def eisner_ice_cream() -> tuple[np.ndarray, HMMParams]:
    """Eisner's data as symbols 0, 1, 2 (= 1, 2, 3 ice creams) and his starting θ.

    States 0 = C (cold), 1 = H (hot). p(1|C)=0.7, p(2|C)=0.2, p(3|C)=0.1; p(1|H)=0.1,
    p(2|H)=0.2, p(3|H)=0.7; from C: C 0.8, H 0.1, STOP 0.1; from H: C 0.1, H 0.8, STOP 0.1;
    from START: C 0.5, H 0.5. Use with ``CategoricalHMMModel(2, 3, end_state=True)``.
    """
    params = HMMParams(start=[0.5, 0.5], trans=[[0.8, 0.1], [0.1, 0.8]],
                       emit=[[0.7, 0.2, 0.1], [0.1, 0.2, 0.7]], end=[0.1, 0.1])
    return ICE_CREAM - 1, params


# -- estimators ----------------------------------------------------------------------------


class _HMMEstimator(EMEstimator):
    n_states: int
    end_state: bool
    init: Any

    def _initial_params(self, model: Any, X: Any, rng: np.random.Generator) -> Any:
        if self.init is None:
            return model.init_params(X, rng)
        return model.check_params(self.init)

    def _set_fitted(self, model: Any, X: HMMData, trace: Trace) -> None:
        p = trace.params
        self.startprob_, self.transmat_, self.endprob_ = p.start, p.trans, p.end
        self.log_likelihood_ = float(trace.records[-1].log_likelihood)

    def score(self, X: Any) -> float:
        """ln p(X | θ̂), summed over the sequences (hmmlearn's ``score``)."""
        self._check_fitted()
        return self.model_.log_likelihood(X, self.params_)

    def predict(self, X: Any) -> Any:
        """The Viterbi path of each sequence."""
        self._check_fitted()
        self.model_.validate_data(X)
        return viterbi(X, self.params_)[0]

    def decode(self, X: Any, algorithm: str = "viterbi") -> Any:
        """``"viterbi"`` (the best path) or ``"map"`` (argmax_k γ_t(k) at each step)."""
        if algorithm not in ("viterbi", "map"):
            raise ValueError(f"algorithm must be 'viterbi' or 'map', got {algorithm!r}")
        self._check_fitted()
        self.model_.validate_data(X)
        if algorithm == "viterbi":
            return viterbi(X, self.params_)[0]
        return posterior_decode(X, self.params_)

    def predict_proba(self, X: Any) -> Any:
        """γ_t(k) = p(z_t = k | X, θ̂), per sequence."""
        self._check_fitted()
        data = self.model_.validate_data(X)
        return _one_or_many(X, data, self.model_.e_step(data, self.params_).gamma)

    def sample(self, n_steps: int | None = None,
               rng: np.random.Generator | int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Draw (states, observations) from the fitted model."""
        self._check_fitted()
        return sample(self.params_, n_steps, rng)

    def n_parameters(self) -> int:
        """Free parameters: (K−1) + K(K−1) (+K with STOP) + the emission's."""
        self._check_fitted()
        K = self.n_states
        return (K - 1) + K * (K - 1) + (K if self.end_state else 0) + self._n_emission()

    def bic(self, X: Any) -> float:
        """BIC = −2 ln p(X|θ̂) + (#parameters) ln T (lower is better)."""
        self._check_fitted()
        data = self.model_.validate_data(X)
        return -2 * self.score(X) + self.n_parameters() * float(np.log(len(data.x)))

    def aic(self, X: Any) -> float:
        """AIC = −2 ln p(X|θ̂) + 2 (#parameters) (lower is better)."""
        self._check_fitted()
        return -2 * self.score(X) + 2 * self.n_parameters()


class CategoricalHMM(_HMMEstimator):
    """Baum–Welch for symbol sequences (scikit-learn conventions, hmmlearn's names).

    ``n_symbols`` None takes max(X) + 1. ``init`` is θ⁽⁰⁾ (an :class:`HMMParams`) or None
    (drawn with ``random_state``). Fitted: ``params_``, ``startprob_``, ``transmat_``,
    ``emissionprob_``, ``endprob_``, ``log_likelihood_``, ``trace_``, ``n_iter_``, …
    """

    def __init__(self, n_states: int = 2, n_symbols: int | None = None, *,
                 end_state: bool = False, max_iter: int = 100, tol: float | None = 1e-6,
                 init: HMMParams | None = None, random_state: Any = None,
                 engine: Engine = "auto") -> None:
        self.n_states, self.n_symbols, self.end_state = n_states, n_symbols, end_state
        self.max_iter, self.tol, self.init = max_iter, tol, init
        self.random_state, self.engine = random_state, engine

    def _make_model(self) -> CategoricalHMMModel:
        n_symbols = self.n_symbols
        if n_symbols is None:
            n_symbols = (self.init.emit.shape[1] if isinstance(self.init, HMMParams)
                         else getattr(self, "_inferred_symbols", None))
        if n_symbols is None:
            raise ValueError("n_symbols is None and there are no data to infer it from")
        return CategoricalHMMModel(self.n_states, n_symbols, self.end_state, self.engine)

    def fit(self, X: Any, y: Any = None) -> CategoricalHMM:
        """Fit by Baum–Welch; with ``n_symbols=None`` the alphabet is 0..max(X)."""
        if self.n_symbols is None and not isinstance(self.init, HMMParams):
            data = CategoricalHMMModel(1, np.iinfo(np.int64).max).validate_data(X)
            self._inferred_symbols = int(data.x.max()) + 1
        return super().fit(X, y)  # type: ignore[return-value]

    def _set_fitted(self, model: Any, X: HMMData, trace: Trace) -> None:
        super()._set_fitted(model, X, trace)
        self.emissionprob_ = trace.params.emit

    def _n_emission(self) -> int:
        return self.n_states * (self.params_.emit.shape[1] - 1)


class PoissonHMM(_HMMEstimator):
    """Baum–Welch for count sequences. Fitted: ``rates_`` (μ) and the names of
    :class:`CategoricalHMM`."""

    def __init__(self, n_states: int = 2, *, end_state: bool = False, max_iter: int = 100,
                 tol: float | None = 1e-6, init: PoissonHMMParams | None = None,
                 random_state: Any = None, engine: Engine = "auto") -> None:
        self.n_states, self.end_state = n_states, end_state
        self.max_iter, self.tol, self.init = max_iter, tol, init
        self.random_state, self.engine = random_state, engine

    def _make_model(self) -> PoissonHMMModel:
        return PoissonHMMModel(self.n_states, self.end_state, self.engine)

    def _set_fitted(self, model: Any, X: HMMData, trace: Trace) -> None:
        super()._set_fitted(model, X, trace)
        self.rates_ = trace.params.rates

    def _n_emission(self) -> int:
        return self.n_states
