"""The ball games of Lin & Dyer's EM example (弹球实验, chapters ``03_mle`` and ``04_ball_em``).

**One peg** (chapter 03). A ball rolls onto one triangular peg and falls into cup a or b;
p = P(cup a). Ten rolls X = (b,b,b,a,b,b,b,b,b,a) have likelihood p²(1−p)⁸, maximised at
p̂ = 2/10 = 0.2 (:func:`bernoulli_mle`; the widget is :class:`emlib.views.ball.OnePegWidget`).

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

import numpy as np

from ._validation import as_float_array, check_probability
from .em import Evaluation, LatentClassModel
from .mixtures import keep_inside
from .mle import bernoulli_mle as _bernoulli_mle_counts

__all__ = [
    "ARTICLE_ROLLS",
    "CUPS",
    "PATH_CUP",
    "PATH_NAMES",
    "CupCounts",
    "EStepTable",
    "ThreePegModel",
    "ThreePegParams",
    "bernoulli_mle",
    "complete_data_mle",
    "count_outcomes",
    "cup_counts",
    "cup_probabilities",
    "e_step_table",
    "expected_path_counts",
    "path_probabilities",
    "ridge_params",
    "simulate_paths",
]

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
    distinct = set(values) | {success}
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
    if isinstance(data, CupCounts):
        return data
    counts = np.zeros(3, dtype=np.int64)
    if isinstance(data, Mapping):
        unknown = sorted(map(str, set(data) - set(CUPS)))
        if unknown:
            raise ValueError(f"X: unknown cup(s) {unknown}; the cups are 'a', 'b', 'c'")
        for i, cup in enumerate(CUPS):
            value = data.get(cup, 0)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer, float,
                                                                 np.floating)):
                raise TypeError(f"X[{cup!r}] must be a count (integer), got "
                                f"{type(value).__name__}")
            if value < 0 or value != int(value):
                raise ValueError(f"X[{cup!r}] must be a non-negative integer count, got {value}")
            counts[i] = int(value)
    else:
        try:
            letters = list(data)
        except TypeError:
            raise TypeError("X must be a mapping {'a': N_a, 'b': N_b, 'c': N_c} or a sequence "
                            f"of cup letters, got {type(data).__name__}") from None
        letters = [str(v) if isinstance(v, np.str_) else v for v in letters]
        unknown = sorted({repr(v) for v in letters if v not in CUPS})
        if unknown:
            raise ValueError(f"X: unknown cup letter(s) {', '.join(unknown)}; "
                             "the cups are 'a', 'b', 'c'")
        for i, cup in enumerate(CUPS):
            counts[i] = sum(v == cup for v in letters)
    if counts.sum() == 0:
        raise ValueError("X must contain at least one ball (all cup counts are 0)")
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
    total = n.sum()
    if total <= 0:
        raise ValueError("path_counts must not all be zero")

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
    n = check_int(n_balls, "n_balls", low=0)
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
        return cup_counts(X)

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
    X = cup_counts(X)
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
    X = cup_counts(X)
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
    X = cup_counts(X)
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
