"""The ball games of Lin & Dyer's EM example (弹球实验, chapters ``03_mle`` and ``04_ball_em``).

**One peg** (chapter 03). A ball rolls onto one triangular peg and falls into cup a or b;
p = P(cup a). Ten rolls X = (b,b,b,a,b,b,b,b,b,a) have likelihood p²(1−p)⁸, maximised at
p̂ = 2/10 = 0.2 (:func:`bernoulli_mle`, :class:`OnePegWidget`).

**Three pegs with a hidden path** (chapter 04). Peg 0 at the top, peg 1 below-left,
peg 2 below-right; p_i is the probability that the ball goes **right** at peg i,
θ = (p0, p1, p2). The four paths y and their cups x:

    y = 0: left, left   -> a     P(y=0) = (1−p0)(1−p1)
    y = 1: left, right  -> b     P(y=1) = (1−p0) p1
    y = 2: right, left  -> b     P(y=2) = p0 (1−p2)
    y = 3: right, right -> c     P(y=3) = p0 p2

Only the cup is observed. With cup counts N_a, N_b, N_c (N in total) EM reads

    E step:  P(y=1 | b) = (1−p0)p1 / [(1−p0)p1 + p0(1−p2)],  P(y=2 | b) = 1 − P(y=1 | b);
             cups a and c each have a single path (posterior 1).
             Expected path counts: E[N0] = N_a, E[N1] = N_b P(1|b), E[N2] = N_b P(2|b), E[N3] = N_c.
    M step:  p0 = (E[N2] + E[N3]) / N,  p1 = E[N1] / (E[N0] + E[N1]),  p2 = E[N3] / (E[N2] + E[N3])

(the complete-data MLE of :func:`complete_data_mle` with the counts replaced by their
expectations). After one M step the model's cup probabilities equal the observed
frequencies, so θ⁽¹⁾ is already a maximum and θ⁽²⁾ = θ⁽¹⁾.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes

from ._validation import _is_sparse, as_float_array, check_probability
from .em import Evaluation, LatentClassModel, Record
from .mixtures import keep_inside
from .mle import bernoulli_likelihood, bernoulli_log_likelihood
from .mle import bernoulli_mle as _bernoulli_mle_counts
from .views import plotting
from .views.stepper import CourseWidget, StepperWidget, _button, _image

__all__ = [
    "ARTICLE_ROLLS",
    "CUPS",
    "PATH_CUP",
    "PATH_NAMES",
    "CupCounts",
    "EStepTable",
    "OnePegWidget",
    "ThreePegModel",
    "ThreePegParams",
    "ThreePegWidget",
    "ball_stepper",
    "bernoulli_mle",
    "complete_data_mle",
    "count_outcomes",
    "cup_counts",
    "cup_probabilities",
    "draw_three_pegs",
    "e_step_table",
    "expected_path_counts",
    "path_probabilities",
    "ridge_figure",
    "ridge_params",
    "simulate_paths",
]

#: The largest cup count :func:`cup_counts` accepts: every count up to 2**53 is exact as a float.
MAX_COUNT = 2**53
#: The most balls :func:`simulate_paths` rolls at once (two random numbers per ball).
MAX_BALLS = 10**8
#: The article's ten rolls of the one-peg game.
ARTICLE_ROLLS = tuple("bbbabbbbba")
#: The cups of the three-peg game.
CUPS = ("a", "b", "c")
#: Cup (index into CUPS) reached by each path y = 0..3.
PATH_CUP = np.array([0, 1, 1, 2])
#: Directions of each path at its two pegs.
PATH_NAMES = ("left, left", "left, right", "right, left", "right, right")


# ---------------------------------------------------------------------------------------
# One peg
# ---------------------------------------------------------------------------------------
def count_outcomes(outcomes: Iterable[Any], success: Any = "a") -> tuple[int, int]:
    """(n₁, n₀): how many outcomes equal ``success`` and how many do not.

    A Bernoulli variable has two values: outcomes with more than two distinct values are
    refused.
    """
    if isinstance(outcomes, (str, bytes)):
        values = list(outcomes)
    else:
        try:
            values = list(outcomes)
        except TypeError:
            raise TypeError(f"outcomes must be a sequence of outcomes, got "
                            f"{type(outcomes).__name__}") from None
    try:
        distinct = {success}
    except TypeError:
        raise TypeError(f"success must be a hashable label such as 'a', got "
                        f"{type(success).__name__}") from None
    try:
        distinct |= set(values)
    except TypeError:
        raise TypeError("outcomes must be a sequence of hashable labels (such as 'a', 'b'), "
                        "got an unhashable element") from None
    if len(distinct) > 2:
        raise ValueError(f"outcomes must take two values (one of them success={success!r}), "
                         f"got {sorted(map(str, set(values)))}")
    n1 = sum(v == success for v in values)
    return n1, len(values) - n1


def bernoulli_mle(outcomes: Iterable[Any], success: Any = "a") -> float:
    """p̂ = n_success / N for a sequence of two-valued outcomes (chapter ``03_mle``).

    For the article's rolls X = (b,b,b,a,b,b,b,b,b,a): the likelihood p²(1−p)⁸ has
    d/dp ln L = 2/p − 8/(1−p) = 0 at p̂ = 0.2.
    """
    n1, n0 = count_outcomes(outcomes, success)
    if n1 + n0 == 0:
        raise ValueError("outcomes must not be empty: no rolls, no estimate")
    return _bernoulli_mle_counts(n1, n0)


class OnePegWidget(CourseWidget):
    """Slide p, add or remove rolls, and watch L(p) = p^{n_a}(1−p)^{n_b} and ln L(p).

    Buttons: "+ a", "+ b" add a roll, "− last" removes one, "×10 rolls" repeats the data
    ten times (same p̂, sharper peak, and L underflows to 0 for long data while ln L stays
    finite: why we maximise the log), "Reset" returns to the starting rolls.
    Attributes: ``rolls`` (list), ``slider``, ``buttons``, ``label``, ``picture``.
    """

    def __init__(self, rolls: Sequence[str] = ARTICLE_ROLLS, p: float = 0.5) -> None:
        if not isinstance(rolls, Iterable) or any(r not in ("a", "b") for r in rolls):
            raise ValueError("rolls must be a sequence of 'a' and 'b'")
        self.initial_rolls = list(rolls)
        self.rolls = list(rolls)
        self.slider = widgets.FloatSlider(value=check_probability(p, "p"), min=0.0, max=1.0,
                                          step=0.01, description="p = P(a)",
                                          readout_format=".2f", continuous_update=False)
        self.slider.observe(lambda _c: self._redraw(), names="value")
        self.buttons = {
            "+ a": _button("+ a", "add a roll into cup a"),
            "+ b": _button("+ b", "add a roll into cup b"),
            "− last": _button("− last", "remove the last roll"),
            "×10 rolls": _button("×10 rolls", "repeat the rolls ten times"),
            "Reset": _button("Reset", "back to the starting rolls"),
        }
        actions = {"+ a": lambda: self.rolls.append("a"), "+ b": lambda: self.rolls.append("b"),
                   "− last": lambda: self.rolls.pop() if self.rolls else None,
                   "×10 rolls": self._times_ten,
                   "Reset": lambda: setattr(self, "rolls", list(self.initial_rolls))}
        for name, button in self.buttons.items():
            button.on_click(lambda _b, act=actions[name]: (act(), self._redraw()))
        self.label = widgets.HTML()
        self.picture = _image("wide")
        super().__init__(children=[self.slider, widgets.HBox(list(self.buttons.values())),
                                   self.label, self.picture])
        self._redraw()

    def _times_ten(self) -> None:
        if len(self.rolls) <= 100_000:
            self.rolls = self.rolls * 10

    @property
    def counts(self) -> tuple[int, int]:
        """(n_a, n_b)."""
        n_a = self.rolls.count("a")
        return n_a, len(self.rolls) - n_a

    @property
    def p_hat(self) -> float | None:
        """The MLE n_a / N (None without rolls)."""
        n_a, n_b = self.counts
        return _bernoulli_mle_counts(n_a, n_b) if self.rolls else None

    def _redraw(self) -> None:
        n_a, n_b = self.counts
        p = self.slider.value
        self.likelihood = bernoulli_likelihood(p, n_a, n_b)
        self.log_likelihood = bernoulli_log_likelihood(p, n_a, n_b)
        shown = "".join(self.rolls)
        shown = shown if len(shown) <= 30 else shown[:30] + "…"
        text = (f"rolls {shown or '(none)'} (N = {n_a + n_b}, n_a = {n_a}); "
                f"p = {p:.2f}: L = {self.likelihood:.4g}, ln L = {self.log_likelihood:.4f}")
        if self.p_hat is not None:
            text += f"; p̂ = n_a/N = {self.p_hat:.4f}"
        self.label.value = f"<code>{text}</code>"
        grid = np.linspace(0.0, 1.0, 401)
        fig, (left, right) = plotting.new_figure("wide", ncols=2)
        left.plot(grid, bernoulli_likelihood(grid, n_a, n_b), color=plotting.COLORS[0])
        left.set_title(f"$L(p) = p^{{{n_a}}}\\,(1-p)^{{{n_b}}}$")
        with np.errstate(invalid="ignore"):
            log_curve = bernoulli_log_likelihood(grid, n_a, n_b)
        right.plot(grid, log_curve, color=plotting.COLORS[1])
        finite = log_curve[np.isfinite(log_curve)]
        if finite.size and np.ptp(finite) > 0:
            top = float(finite.max())
            right.set_ylim(top - max(10.0, 0.5 * np.ptp(finite[finite > top - 60])), top + 1)
        right.set_title("ln L(p)")
        for ax, value in ((left, self.likelihood), (right, self.log_likelihood)):
            ax.axvline(p, color="#555555", lw=1)
            if np.isfinite(value):
                ax.scatter([p], [value], color="#555555", zorder=3, s=20, label=f"p = {p:.2f}")
            if self.p_hat is not None:
                ax.axvline(self.p_hat, color=plotting.COLORS[4], ls="--", lw=1.2,
                           label=f"p̂ = {self.p_hat:.3f}")
            ax.set_xlabel("p")
            ax.legend(frameon=False, loc="upper right")
        self.picture.value = plotting.figure_to_png(fig)

    def summary(self) -> str:
        n_a, n_b = self.counts
        p_hat = "–" if self.p_hat is None else f"{self.p_hat:.4f}"
        return (f"N = {n_a + n_b}, n_a = {n_a}, p = {self.slider.value:.2f}, "
                f"ln L = {self.log_likelihood:.4f}, p̂ = {p_hat}")


# ---------------------------------------------------------------------------------------
# Three pegs
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ThreePegParams:
    """θ = (p0, p1, p2): probability of going right at peg 0 (top), 1 (left), 2 (right)."""

    p0: float
    p1: float
    p2: float

    def __post_init__(self) -> None:
        for name in ("p0", "p1", "p2"):
            object.__setattr__(self, name, check_probability(getattr(self, name), name))

    def as_array(self) -> np.ndarray:
        """(p0, p1, p2) as a vector."""
        return np.array([self.p0, self.p1, self.p2])

    def __str__(self) -> str:
        return f"(p0, p1, p2) = ({self.p0:.4f}, {self.p1:.4f}, {self.p2:.4f})"


def _check_params(params: Any) -> ThreePegParams:
    if not isinstance(params, ThreePegParams):
        raise TypeError(f"params must be ThreePegParams(p0, p1, p2), got {type(params).__name__}")
    return params


def path_probabilities(params: ThreePegParams) -> np.ndarray:
    """P(y | θ) for y = 0..3: (1−p0)(1−p1), (1−p0)p1, p0(1−p2), p0 p2."""
    p0, p1, p2 = _check_params(params).as_array()
    return np.array([(1 - p0) * (1 - p1), (1 - p0) * p1, p0 * (1 - p2), p0 * p2])


def cup_probabilities(params: ThreePegParams) -> np.ndarray:
    """P(x | θ) for x = a, b, c: the path probabilities summed per cup."""
    return np.bincount(PATH_CUP, weights=path_probabilities(params), minlength=3)


@dataclass(frozen=True)
class CupCounts:
    """How many balls fell into cups a, b, c (the observed data of the three-peg game)."""

    counts: np.ndarray

    @property
    def total(self) -> int:
        """N = N_a + N_b + N_c."""
        return int(self.counts.sum())

    @property
    def frequencies(self) -> np.ndarray:
        """f(x | X) = N_x / N: the article's weight of each cup."""
        return self.counts / self.total

    @property
    def observed(self) -> np.ndarray:
        """Indices of the cups with at least one ball (the rows of the model's table)."""
        return np.flatnonzero(self.counts > 0)

    def as_dict(self) -> dict[str, int]:
        return {c: int(n) for c, n in zip(CUPS, self.counts, strict=True)}

    def __len__(self) -> int:
        return len(self.observed)


def cup_counts(data: Any) -> CupCounts:
    """Parse the three-peg data: ``{"a": N_a, "b": N_b, "c": N_c}`` or a sequence of cups.

    A mapping may leave out cups (count 0); a sequence is anything iterable of the letters
    "a", "b", "c" (a string such as "abbc" too). Counts must be non-negative integers
    with a positive total.
    """
    return _cup_counts(data, "data")


def _cup_counts(data: Any, name: str) -> CupCounts:
    """:func:`cup_counts`, with errors that name the argument ``name``."""
    if isinstance(data, CupCounts):
        return data
    if _is_sparse(data):
        raise TypeError(f"{name} must be a mapping of cup counts or a sequence of cup letters, "
                        f"got a scipy.sparse {type(data).__name__}")
    counts = np.zeros(3, dtype=np.int64)
    if isinstance(data, Mapping):
        unknown = sorted(map(str, set(data) - set(CUPS)))
        if unknown:
            raise ValueError(f"{name}: unknown cup(s) {unknown}; the cups are 'a', 'b', 'c'")
        for i, cup in enumerate(CUPS):
            value = data.get(cup, 0)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer, float,
                                                                 np.floating)):
                raise TypeError(f"{name}[{cup!r}] must be a count (integer), got "
                                f"{type(value).__name__}")
            if not 0 <= value <= MAX_COUNT or value != int(value):  # NaN fails both
                raise ValueError(f"{name}[{cup!r}] must be a non-negative integer count "
                                 f"(at most {MAX_COUNT:.0e}), got {value}")
            counts[i] = int(value)
    else:
        try:
            letters = list(data)
        except TypeError:
            raise TypeError(f"{name} must be a mapping {{'a': N_a, 'b': N_b, 'c': N_c}} or a "
                            f"sequence of cup letters, got {type(data).__name__}") from None
        letters = [str(v) if isinstance(v, np.str_) else v for v in letters]
        unknown = sorted({repr(v) for v in letters if v not in CUPS})
        if unknown:
            raise ValueError(f"{name}: unknown cup letter(s) {', '.join(unknown)}; "
                             "the cups are 'a', 'b', 'c'")
        for i, cup in enumerate(CUPS):
            counts[i] = sum(v == cup for v in letters)
    if counts.sum() == 0:
        raise ValueError(f"{name} must contain at least one ball (all cup counts are 0)")
    return CupCounts(counts)


def complete_data_mle(path_counts: Any) -> ThreePegParams:
    """The MLE when the paths are seen: N0..N3 balls took paths 0..3.

        ln p(X, Y | θ) = (N2+N3) ln p0 + (N0+N1) ln(1−p0) + N1 ln p1 + N0 ln(1−p1)
                         + N3 ln p2 + N2 ln(1−p2)

    separates into three Bernoulli likelihoods, one per peg, hence
    p0 = (N2+N3)/N, p1 = N1/(N0+N1), p2 = N3/(N2+N3). A peg that no ball reached leaves
    the likelihood flat in its p; it gets 1/2. Counts may be expected counts (reals ≥ 0):
    that is the M step of EM.
    """
    n = as_float_array(path_counts, "path_counts", ndim=1)
    if n.shape != (4,):
        raise ValueError(f"path_counts must hold 4 counts (paths 0..3), got shape {n.shape}")
    if np.any(n < 0):
        raise ValueError("path_counts must be non-negative")
    if not np.any(n > 0):
        raise ValueError("path_counts must not all be zero")
    n = n / n.max()  # the ratios below do not change, and sums of counts near 1e308 cannot overflow

    def ratio(right: float, left: float) -> float:
        """right / (right + left), moved off 0 and 1 when both counts are positive."""
        if right + left <= 0:
            return 0.5
        p = min(1.0, max(0.0, right / (right + left)))
        return float(keep_inside(np.array(p), np.array(right), np.array(left)))

    return ThreePegParams(ratio(n[2] + n[3], n[0] + n[1]), ratio(n[1], n[0]), ratio(n[3], n[2]))


def simulate_paths(params: ThreePegParams, n_balls: int,
                   rng: np.random.Generator | int | None = None) -> np.ndarray:
    """Roll ``n_balls`` balls through the three pegs; returns each ball's path y ∈ {0,1,2,3}.

    At peg 0 a ball goes right with probability p0, then right with probability p1 (at
    peg 1, after going left) or p2 (at peg 2, after going right): y = 2·first + second.
    The cup of each ball is ``CUPS[PATH_CUP[y]]``.
    """
    from ._validation import check_int, check_rng

    params = _check_params(params)
    n = check_int(n_balls, "n_balls", low=0, high=MAX_BALLS)
    rng = check_rng(rng)
    first = rng.random(n) < params.p0
    second = rng.random(n) < np.where(first, params.p2, params.p1)
    return 2 * first.astype(np.int64) + second.astype(np.int64)


class ThreePegModel(LatentClassModel):
    """The three-peg ball game with a hidden path (chapter ``04_ball_em``).

    Data: cup counts (see :func:`cup_counts`). The table of :class:`~emlib.em.LatentClassModel`
    has one row per cup that received balls (weight N_x) and K = 4 columns (paths), with
    ln p(x, y | θ) = ln P(y | θ) if path y ends in cup x and −∞ otherwise. Cups with no ball
    are left out of the table: they contribute nothing, and θ may give them probability 0.
    """

    n_components = 4

    def validate_data(self, X: Any) -> CupCounts:
        return _cup_counts(X, "X")

    def init_params(self, X: Any, rng: np.random.Generator) -> ThreePegParams:
        """θ⁽⁰⁾: p0, p1, p2 drawn uniformly from [0.1, 0.9]."""
        p0, p1, p2 = rng.uniform(0.1, 0.9, 3)
        return ThreePegParams(p0, p1, p2)

    def full_log_joint(self, params: ThreePegParams) -> np.ndarray:
        """(3, 4) table of ln p(x, y | θ) for every cup x and path y (−∞ where y ∌ x)."""
        with np.errstate(divide="ignore"):
            log_path = np.log(path_probabilities(params))
        table = np.full((3, 4), -np.inf)
        table[PATH_CUP, np.arange(4)] = log_path
        return table

    def log_joint(self, X: CupCounts, params: ThreePegParams) -> np.ndarray:
        """ln p(x, y | θ) for the observed cups (rows) and the 4 paths (columns)."""
        return self.full_log_joint(params)[X.observed]

    def row_weights(self, X: CupCounts) -> np.ndarray:
        return X.counts[X.observed].astype(float)

    def _check_posterior(self, X: CupCounts, params: ThreePegParams,
                         posterior: np.ndarray) -> None:
        bad = ~np.all(np.isfinite(posterior), axis=1)
        if np.any(bad):
            cup = CUPS[X.observed[np.flatnonzero(bad)[0]]]
            raise ValueError(
                f"params {params} give probability 0 to cup {cup!r}, which was observed "
                f"{X.counts[CUPS.index(cup)]} times: ln p(X|θ) = −∞ and the posterior over its "
                "paths is undefined. Start EM from a θ that can explain every cup.")

    def e_step(self, X: CupCounts, params: ThreePegParams) -> np.ndarray:
        """q(y | x) = p(x, y | θ) / p(x | θ): 1 for the single path of cups a and c, and for
        cup b: P(y=1|b) = (1−p0)p1 / [(1−p0)p1 + p0(1−p2)], P(y=2|b) = 1 − P(y=1|b)."""
        with np.errstate(invalid="ignore"):  # −∞ − (−∞) for an impossible cup: checked below
            posterior = super().e_step(X, params)
        self._check_posterior(X, params, posterior)
        return posterior

    def log_likelihood(self, X: CupCounts, params: ThreePegParams) -> float:
        """ln p(X | θ) = Σ_x N_x ln P(x | θ) (−∞ when θ cannot produce an observed cup)."""
        with np.errstate(invalid="ignore"):
            return super().log_likelihood(X, params)

    def evaluate(self, X: CupCounts, params: ThreePegParams,
                 posterior: Any = None) -> Evaluation:
        with np.errstate(invalid="ignore"):
            ev = super().evaluate(X, params, posterior)
        self._check_posterior(X, params, ev.posterior)
        return ev

    def m_step(self, X: CupCounts, posterior: np.ndarray) -> ThreePegParams:
        """θ' = complete-data MLE with the expected path counts E[N_y] = Σ_x N_x q(y|x)."""
        return complete_data_mle(expected_path_counts(X, posterior))


def expected_path_counts(X: Any, posterior: np.ndarray) -> np.ndarray:
    """E[N_y | X] = Σ_x N_x q(y | x) for y = 0..3 (q over the observed cups' rows)."""
    X = _cup_counts(X, "X")
    q = as_float_array(posterior, "posterior", ndim=2)
    if q.shape != (len(X.observed), 4):
        raise ValueError(f"posterior must have shape ({len(X.observed)}, 4), got {q.shape}")
    return X.counts[X.observed].astype(float) @ q


def ridge_params(X: Any, share: Any) -> list[ThreePegParams]:
    """The θ with the largest likelihood, one per ``share`` s = P(y=1 | x=b) ∈ [0, 1].

    Every θ whose cup probabilities equal the observed frequencies maximises ln p(X|θ):
    (1−p0)(1−p1) = f_a and p0 p2 = f_c, a curve (the ridge) in the cube. EM's θ⁽¹⁾ lies on
    it at the share s of cup b that θ⁽⁰⁾ sends through path 1:
    p0 = (N_b(1−s) + N_c)/N, p1 = N_b s/(N_a + N_b s), p2 = N_c/(N_b(1−s) + N_c).
    """
    X = _cup_counts(X, "X")
    s = np.atleast_1d(as_float_array(share, "share", ndim=(0, 1)))
    if np.any((s < 0) | (s > 1)):
        raise ValueError("share must lie in [0, 1]")
    na, nb, nc = X.counts.astype(float)
    return [complete_data_mle([na, nb * si, nb * (1 - si), nc]) for si in s]


@dataclass(frozen=True)
class EStepTable:
    """The article's worked table: one row per possible (x, y) pair.

    Columns: f(x|X), the posterior Pr(y | x; θ⁽ⁱ⁾), their product (the weight), and
    ln Pr(x, y; θ) as a formula. The M step maximises Q(θ) = Σ_rows weight · ln Pr(x, y; θ)
    (:meth:`Q`); multiplying by N gives E_q[ln p(X, Y | θ)].
    """

    cups: tuple[str, ...]
    paths: tuple[int, ...]
    frequency: np.ndarray
    posterior: np.ndarray
    weight: np.ndarray
    log_terms: tuple[str, ...]

    LOG_TERMS = ("ln(1−p0) + ln(1−p1)", "ln(1−p0) + ln p1", "ln p0 + ln(1−p2)", "ln p0 + ln p2")

    def Q(self, params: ThreePegParams) -> float:
        """Σ_(x,y) f(x|X) Pr(y|x; θ⁽ⁱ⁾) ln Pr(x, y; θ) (0 · ln 0 = 0)."""
        log_path = ThreePegModel().full_log_joint(params)[PATH_CUP, np.arange(4)]
        values = log_path[list(self.paths)]
        w = self.weight
        return float(np.sum(np.where(w > 0, w * np.where(w > 0, values, 0.0), 0.0)))

    def __str__(self) -> str:
        head = f"{'x':>2} {'y':>2} {'f(x|X)':>8} {'Pr(y|x;θ)':>10} {'weight':>8}   ln Pr(x,y;θ)"
        lines = [head, "-" * len(head)]
        for row in zip(self.cups, self.paths, self.frequency, self.posterior, self.weight,
                       self.log_terms, strict=True):
            x, y, f, q, w, term = row
            lines.append(f"{x:>2} {y:>2} {f:8.4f} {q:10.4f} {w:8.4f}   {term}")
        return "\n".join(lines)

    def to_html(self) -> str:
        """The table as a small HTML table (for the ball widget)."""
        pad = "style='padding:1px 10px'"

        def row(values: Sequence[Any], tag: str = "td") -> str:
            return "<tr>" + "".join(f"<{tag} {pad}>{v}</{tag}>" for v in values) + "</tr>"

        header = row(["x", "y", "f(x|X)", "Pr(y|x;θ⁽ⁱ⁾)", "weight", "ln Pr(x,y;θ)"], "th")
        body = "".join(
            row([x, y, f"{f:.3f}", f"{q:.3f}", f"{w:.3f}", term])
            for x, y, f, q, w, term in zip(self.cups, self.paths, self.frequency,
                                           self.posterior, self.weight, self.log_terms,
                                           strict=True))
        return f"<table style='font-size:85%; text-align:right'>{header}{body}</table>"


def e_step_table(X: Any, params: ThreePegParams) -> EStepTable:
    """The article's E-step table at θ⁽ⁱ⁾ = ``params``, computed by :class:`ThreePegModel`.

    Rows: the four (x, y) pairs with P(y|x) possibly > 0: (a,0), (b,1), (b,2), (c,3).
    A cup with no ball has f(x|X) = 0; its posterior is still shown when θ gives the cup a
    positive probability (NaN otherwise).
    """
    X = _cup_counts(X, "X")
    _check_params(params)
    model = ThreePegModel()
    log_joint = model.full_log_joint(params)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_cup = np.log(cup_probabilities(params))
        full_post = np.exp(log_joint - log_cup[:, None])
    observed_post = model.e_step(X, params)  # raises for an observed cup with P = 0
    full_post[X.observed] = observed_post
    posterior = full_post[PATH_CUP, np.arange(4)]
    frequency = X.frequencies[PATH_CUP]
    weight = np.where(frequency > 0, frequency * np.nan_to_num(posterior), 0.0)
    return EStepTable(tuple(CUPS[c] for c in PATH_CUP), (0, 1, 2, 3), frequency, posterior,
                      weight, EStepTable.LOG_TERMS)


# ---------------------------------------------------------------------------------------
# Drawing and the stepping widget
# ---------------------------------------------------------------------------------------
_PEGS = np.array([[0.0, 3.0], [-1.0, 1.9], [1.0, 1.9]])
_CUP_XY = np.array([[-1.7, 0.55], [0.0, 0.55], [1.7, 0.55]])
_PATH_PEG = np.array([1, 1, 2, 2])


def draw_three_pegs(ax: Axes, params: ThreePegParams, counts: Any,
                    path_counts: Any | None = None, title: str = "") -> None:
    """The pegs, the four paths and the cups (chapter ``04_ball_em``).

    Each path is drawn with a width proportional to its number of balls: ``path_counts``
    (e.g. the E step's expected counts E[N_y | X]) or, when None, what the model predicts,
    N·P(y | θ) (dashed). Pegs show p_i (probability of going right); cups show the observed
    count N_x and the model's N·P(x | θ).
    """
    X = _cup_counts(counts, "counts")
    params = _check_params(params)
    n = X.total
    predicted = path_probabilities(params) * n
    shown = predicted if path_counts is None else as_float_array(path_counts, "path_counts",
                                                                 ndim=1)
    style = "--" if path_counts is None else "-"
    scale = 14.0 / max(n, 1e-12)
    colors = plotting.component_colors(4)
    # upper segments: peg 0 -> peg 1 carries paths 0+1, peg 0 -> peg 2 carries 2+3
    for peg, (i, j) in ((1, (0, 1)), (2, (2, 3))):
        a, b = _PEGS[0], _PEGS[peg]
        ax.plot([a[0], b[0]], [a[1], b[1]], color="#777777", ls=style, solid_capstyle="round",
                lw=0.8 + scale * (shown[i] + shown[j]), zorder=1)
        mid = (a + b) / 2
        ax.text(mid[0] + (-0.28 if peg == 1 else 0.28), mid[1] + 0.1,
                f"{shown[i] + shown[j]:.1f}", ha="center", fontsize=8, color="#555555")
    for y in range(4):
        a, b = _PEGS[_PATH_PEG[y]], _CUP_XY[PATH_CUP[y]] + np.array([0.0, 0.35])
        offset = np.array([0.08 if y == 1 else -0.08 if y == 2 else 0.0, 0.0])
        b = b + offset
        ax.plot([a[0], b[0]], [a[1], b[1]], color=colors[y], ls=style, solid_capstyle="round",
                lw=0.8 + scale * shown[y], zorder=2, alpha=0.9)
        mid = a + 0.4 * (b - a)
        ax.text(mid[0] + (-0.34 if y in (0, 2) else 0.34), mid[1], f"y={y}\n{shown[y]:.1f}",
                ha="center", va="center", fontsize=8, color=colors[y])
    for i, p in enumerate(params.as_array()):
        x, y = _PEGS[i]
        ax.fill([x - 0.17, x + 0.17, x], [y - 0.15, y - 0.15, y + 0.17], color="#333333",
                zorder=3)
        dx, ha = ((0.0, "center"), (-0.25, "right"), (0.25, "left"))[i]
        ax.text(x + dx, y + (0.25 if i == 0 else 0.0), f"p{i} = {p:.3f}", ha=ha, fontsize=9,
                zorder=4, va="bottom" if i == 0 else "center")
    model_cups = cup_probabilities(params) * n
    for i, cup in enumerate(CUPS):
        x, y = _CUP_XY[i]
        ax.plot([x - 0.35, x - 0.3, x + 0.3, x + 0.35], [y + 0.3, y - 0.2, y - 0.2, y + 0.3],
                color="#333333", lw=2)
        ax.text(x, y - 0.45, f"{cup}: N={X.counts[i]}\nmodel {model_cups[i]:.1f}",
                ha="center", va="top", fontsize=8)
    ax.set_xlim(-2.5, 2.5)
    ax.set_ylim(-0.55, 3.45)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)


class ThreePegWidget(StepperWidget):
    """The E/M stepper over :class:`ThreePegModel`, with the drawing of pegs, paths and cups
    and the article's E-step table for the record on display (attribute ``table``)."""

    def __init__(self, counts: Any, params: ThreePegParams | None = None, *,
                 rng: np.random.Generator | int | None = 0, title: str = "") -> None:
        self.counts = _cup_counts(counts, "counts")
        self.table = widgets.HTML()
        super().__init__(ThreePegModel(), self.counts, params, draw=self._draw, rng=rng,
                         title=title or "<b>Three pegs, hidden paths</b>: E fills the paths "
                         "with expected balls, M moves the p's", picture_size="square")
        self.children = (*self.children, self.table)
        self._update_table()

    def _draw(self, ax: Axes, record: Record) -> None:
        if record.posterior is None:
            draw_three_pegs(ax, record.params, self.counts,
                            title="θ⁽⁰⁾: paths = model's N·P(y|θ)")
            return
        expected = expected_path_counts(self.counts, record.posterior)
        what = ("E step: E[N_y | X, θ]" if record.step == "E"
                else "M step: new θ from E[N_y]")
        draw_three_pegs(ax, record.params, self.counts, expected,
                        title=f"{what} (iteration {record.iteration})")

    def _show(self, index: int) -> None:
        super()._show(index)
        self._update_table()

    def _update_table(self) -> None:
        if not hasattr(self, "table"):
            return
        record = self.shown
        if record.posterior is None:
            self.table.value = "<i>Press E step to fill in the article's table.</i>"
            return
        expected = expected_path_counts(self.counts, record.posterior)
        head = (f"<code>E[N_y] = {', '.join(f'{v:.2f}' for v in expected)}; "
                f"θ = {record.params}</code>")
        if record.step == "E":  # the article's table is made at θ⁽ⁱ⁾, by the E step
            head += e_step_table(self.counts, record.params).to_html()
        self.table.value = head

    def expected_counts(self) -> np.ndarray | None:
        """E[N_y | X] of the record on display (None before the first E step)."""
        if self.shown.posterior is None:
            return None
        return expected_path_counts(self.counts, self.shown.posterior)

    def summary(self) -> str:
        return super().summary() + f", θ = {self.shown.params}"


def ball_stepper(counts: Any = None, params: ThreePegParams | None = None, *,
                 seed: int = 0) -> ThreePegWidget:
    """The chapter-04 widget in one line: ``ball_stepper({"a": 30, "b": 50, "c": 20})``.

    ``params`` is θ⁽⁰⁾ (default: drawn with ``seed``).
    """
    if counts is None:
        counts = {"a": 30, "b": 50, "c": 20}
    return ThreePegWidget(counts, params, rng=seed)


def ridge_figure(counts: Any = None, starts: Sequence[ThreePegParams] | None = None) -> Any:
    """The ridge of equally good θ and EM's one-step jumps onto it (chapter ``04_ball_em``).

    Left: the profile log-likelihood max_{p2} ln p(X | p0, p1, p2) over (p0, p1), the ridge
    (1−p0)(1−p1) = f_a (white), and θ⁽⁰⁾ → θ⁽¹⁾ for several starts. Right: p1 and p2 along
    the ridge as functions of p0, where ln p(X|θ) is constant and maximal.
    """
    X = _cup_counts({"a": 30, "b": 50, "c": 20} if counts is None else counts, "counts")
    if starts is None:
        starts = [ThreePegParams(0.2, 0.8, 0.5), ThreePegParams(0.7, 0.3, 0.4),
                  ThreePegParams(0.5, 0.5, 0.5), ThreePegParams(0.85, 0.15, 0.9),
                  ThreePegParams(0.3, 0.2, 0.1)]
    model = ThreePegModel()
    g = np.linspace(0.005, 0.995, 60)
    P0, P1, P2 = np.meshgrid(g, g, g, indexing="ij")
    na, nb, nc = X.counts
    with np.errstate(divide="ignore"):
        ll = (na * np.log((1 - P0) * (1 - P1)) + nb * np.log((1 - P0) * P1 + P0 * (1 - P2))
              + nc * np.log(P0 * P2))
    profile = ll.max(axis=2)
    best = float(np.sum([n * np.log(n / X.total) for n in X.counts if n > 0]))
    fig, (left, right) = plotting.new_figure("wide", ncols=2)
    levels = -np.array([60, 30, 15, 8, 4, 2, 1, 0.25, 0])
    mesh = left.contourf(g, g, np.clip(profile.T - best, -60, 0), levels=levels,
                         cmap="viridis")
    fig.colorbar(mesh, ax=left, label="max over p2 of ln p(X|θ) − max")
    share = np.linspace(0, 1, 200)
    ridge = np.array([t.as_array() for t in ridge_params(X, share)])
    left.plot(ridge[:, 0], ridge[:, 1], color="white", lw=2, label="ridge: ln p maximal")
    for i, theta0 in enumerate(starts):
        theta1 = model.m_step(X, model.e_step(X, theta0))
        color = plotting.COLORS[(i + 1) % len(plotting.COLORS)]
        left.annotate("", xy=(theta1.p0, theta1.p1), xytext=(theta0.p0, theta0.p1),
                      arrowprops={"arrowstyle": "->", "color": color, "lw": 1.5})
        left.scatter([theta0.p0], [theta0.p1], color=color, s=18, zorder=3)
        right.scatter([theta1.p0] * 2, [theta1.p1, theta1.p2], color=color, s=25, zorder=3)
    left.set_xlabel("p0")
    left.set_ylabel("p1")
    left.set_title("θ⁽⁰⁾ → θ⁽¹⁾ lands on the ridge")
    left.legend(frameon=False, loc="upper right", fontsize=7)
    right.plot(ridge[:, 0], ridge[:, 1], color=plotting.COLORS[0], label="p1 on the ridge")
    right.plot(ridge[:, 0], ridge[:, 2], color=plotting.COLORS[1], label="p2 on the ridge")
    right.set_xlabel("p0")
    right.set_ylim(-0.02, 1.02)
    right.set_title(f"on the ridge ln p = {best:.2f}")
    right.legend(frameon=False, fontsize=7)
    return fig
