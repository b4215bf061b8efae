"""Chapter 08 exercise: the M step of PLSA, from the counts and the topic posterior.

With q(z|d,w) from the E step and the counts n(d, w):

    P(w|z) = Σ_d n(d,w) q(z|d,w) / Σ_{d,w'} n(d,w') q(z|d,w')
    P(z|d) = Σ_w n(d,w) q(z|d,w) / n(d)
"""

from __future__ import annotations

import numpy as np

from ._checking import Case, register_compared

#: The reference solution is reached through EXERCISES[name].solution: learner-facing
#: code shown in the notebook, deliberately free of input validation, so not public API.
__all__: list[str] = []


def plsa_m_step(counts: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(P(z|d): documents × K, P(w|z): K × words) from the counts (documents × words)
    and q(z|d,w) (documents × words × K)."""
    counts, q = np.asarray(counts, dtype=float), np.asarray(q, dtype=float)
    expected = counts[:, :, None] * q                # n(d,w) q(z|d,w): expected counts
    topic_word = expected.sum(axis=0).T              # K × words
    doc_topic = expected.sum(axis=1)                 # documents × K
    return (doc_topic / doc_topic.sum(axis=1, keepdims=True),
            topic_word / topic_word.sum(axis=1, keepdims=True))


def _posterior(seed: int, shape: tuple[int, int, int]) -> np.ndarray:
    q = np.random.default_rng(seed).random(shape) + 0.1
    return q / q.sum(axis=2, keepdims=True)


_CASES = (
    Case("2 documents, 3 words, K = 2",
         (np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 4.0]]), _posterior(0, (2, 3, 2)))),
    Case("3 documents, 4 words, K = 2 (unequal lengths)",
         (np.array([[5.0, 0.0, 1.0, 0.0], [1.0, 1.0, 1.0, 1.0], [0.0, 7.0, 0.0, 2.0]]),
          _posterior(1, (3, 4, 2)))),
    Case("3 documents, 3 words, K = 3",
         (np.array([[1.0, 2.0, 3.0], [3.0, 0.0, 1.0], [2.0, 2.0, 0.0]]),
          _posterior(2, (3, 3, 3)))),
)


register_compared(
    "plsa_m_step", "08_plsa",
    "Write plsa_m_step(counts, q) returning (P(z|d), P(w|z)).",
    plsa_m_step, _CASES, ("P(z|d) (documents × K)", "P(w|z) (K × words)"),
    ("Weight the posterior by the counts: n(d,w) q(z|d,w) is the expected count.",
     "P(w|z) is normalised over the words w, for each topic z (rows of K × words).",
     "P(z|d) is normalised over the topics, for each document."),
    atol=1e-9,
)
