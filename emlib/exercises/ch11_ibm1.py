"""Chapter 11 (词语对齐 · IBM Model 1): the learner writes the E step's expected counts.

``EXERCISES["ibm1_e_step_counts"]``: write ``expected_counts(pairs, t)`` that returns the
expected counts c(e | f) = Σ_pairs Σ_j Σ_i q(a_j = i) [e_j = e][f_i = f], with
q(a_j = i) = t(e_j | f_i) / Σ_i' t(e_j | f_i') and the NULL word (``None``) as an extra
source word of every sentence. ``t`` and the result are dicts keyed by
(target word, source word).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from ..ibm1 import KOEHN_PAIRS
from ._core import Exercise, Feedback, attempted, register

__all__ = ["expected_counts"]

Counts = dict[tuple[str, str | None], float]



def expected_counts(pairs: Sequence[tuple[Sequence[str], Sequence[str]]],
                    t: dict[tuple[str, str | None], float]) -> Counts:
    """The reference solution: c(e | f) summed over every target position of every pair.

    A word that occurs twice in a sentence is counted twice (once per position).
    """
    counts: dict[tuple[str, str | None], float] = defaultdict(float)
    for source, target in pairs:
        candidates = [None, *source]                     # NULL is source position 0
        for e in target:
            z = sum(t[(e, f)] for f in candidates)       # Σ_i t(e_j | f_i)
            for f in candidates:
                counts[(e, f)] += t[(e, f)] / z          # q(a_j = i)
    return dict(counts)


def _uniform_t(pairs: Sequence[tuple[Sequence[str], Sequence[str]]]) -> dict:
    targets = sorted({e for _, target in pairs for e in target})
    return {(e, f): 1 / len(targets) for source, target in pairs
            for f in [None, *source] for e in target}


def _skewed_t(pairs: Sequence[tuple[Sequence[str], Sequence[str]]]) -> dict:
    """A non-uniform t (deterministic): shows a missing normaliser that uniform t hides."""
    t = {}
    for source, target in pairs:
        for f in [None, *source]:
            for e in target:
                t[(e, f)] = 0.05 + (len(e) * 7 + len(f or "") * 3) % 11 / 10
    return t


_REPEAT_PAIRS = [(["我", "爱", "我", "家"], ["i", "love", "my", "home"]),
                 (["我", "家"], ["my", "home", "home"])]

CASES = [
    ("Koehn's corpus, uniform t", KOEHN_PAIRS, _uniform_t(KOEHN_PAIRS)),
    ("Koehn's corpus, a skewed t", KOEHN_PAIRS, _skewed_t(KOEHN_PAIRS)),
    ("a corpus with repeated words, a skewed t", _REPEAT_PAIRS, _skewed_t(_REPEAT_PAIRS)),
]


def _name(key: tuple[str, str | None]) -> str:
    e, f = key
    return f"c({e} | {'NULL' if f is None else f})"


def _diagnose(got: Counts, want: Counts, pairs: Sequence[Any]) -> str:
    """A hint for the typical mistakes, read off the learner's numbers."""
    if not any(f is None for _, f in got):
        return " Hint: no counts for the NULL word (None): it is a candidate source of " \
               "every target word."
    n_tokens = sum(len(target) for _, target in pairs)
    total = sum(got.values())
    if abs(total - n_tokens) > 1e-6:
        return (f" Hint: your counts add up to {total:.4g}, but each of the {n_tokens} target "
                "words spreads exactly 1 over its candidate source words: normalise "
                "t(e_j | f_i) over the source positions i (every repeated word counts).")
    return ""


def _check(func: Callable[..., Any]) -> Feedback:
    for label, pairs, t in CASES:
        got = attempted(func([(list(f), list(e)) for f, e in pairs], dict(t)))
        if not isinstance(got, dict):
            return Feedback(False, f"expected_counts must return a dict keyed by (target, "
                                   f"source), got {type(got).__name__}")
        want = expected_counts(pairs, t)
        got = {k: float(v) for k, v in got.items() if abs(float(v)) > 0}
        missing = [k for k in want if k not in got]
        if missing:
            return Feedback(False, f"On {label}: {_name(missing[0])} is missing (expected "
                                   f"{want[missing[0]]:.4f})." + _diagnose(got, want, pairs))
        extra = [k for k in got if k not in want]
        if extra:
            return Feedback(False, f"On {label}: {_name(extra[0])} = {got[extra[0]]:.4f}, but "
                                   "these two words never share a sentence pair.")
        worst = max(want, key=lambda k: abs(got[k] - want[k]))
        if abs(got[worst] - want[worst]) > 1e-9:
            return Feedback(False, f"On {label}: {_name(worst)} = {got[worst]:.4f}, expected "
                                   f"{want[worst]:.4f} (off by {got[worst] - want[worst]:+.4f})."
                            + _diagnose(got, want, pairs))
    return Feedback(True, f"All {len(CASES)} cases agree with the reference to 1e-9: your E "
                          "step counts are right.")


register(Exercise(
    name="ibm1_e_step_counts",
    chapter="11_word_alignment",
    task="Write expected_counts(pairs, t): the E step's expected counts c(e | f) of IBM "
         "Model 1, with NULL (None) as a source word of every pair.",
    solution=expected_counts,
    checker=_check,
    hints=("For each target word e_j, z = Σ over the source words (and None) of t(e_j | f).",
           "Each source word f then receives t(e_j | f) / z: the words of one position share 1.",
           "Loop over positions, not over distinct words: a repeated word counts twice."),
))
