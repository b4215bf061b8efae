"""Data shipped with emlib (with their credits) and generators of toy data.

Nothing is downloaded at run time: the real data sets live in ``emlib/data`` next to
``SOURCES.md``, which gives each file's origin, license and derivation.

* :func:`load_old_faithful` — 272 eruptions of the Old Faithful geyser (chapter 06).
* :func:`load_arxiv_abstracts` — 1,446 arXiv abstracts in 4 topics, CC0 (chapter 08).
* :func:`load_en_zh_tatoeba` — 500 English–Chinese sentence pairs from Tatoeba, CC BY 2.0 FR
  (chapter 11).
* :func:`make_gaussian_blobs` — points from a known Gaussian mixture (chapters 05–07).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from ._validation import (
    as_float_array,
    check_distribution,
    check_int,
    check_positive_definite,
    check_rng,
)

__all__ = ["CREDITS", "Blobs", "Corpus", "ParallelCorpus", "load_arxiv_abstracts",
           "load_en_zh_tatoeba", "load_old_faithful", "make_gaussian_blobs"]

#: One line of credit per shipped file (the full record is ``emlib/data/SOURCES.md``).
CREDITS = {
    "old_faithful.csv": (
        "Old Faithful geyser eruptions (R datasets::faithful): W. Härdle (1991), Smoothing "
        "Techniques with Implementation in S, Springer; A. Azzalini and A. W. Bowman (1990), "
        "Applied Statistics 39, 357–365."),
    "arxiv_abstracts_4topics.csv": (
        "arXiv.org article metadata (titles and abstracts of arXiv 0704.0001–0704.2000), "
        "CC0 1.0; via the Cornell University arXiv Dataset."),
    "en_zh_tatoeba.tsv": (
        "Sentences © their Tatoeba contributors, https://tatoeba.org, CC BY 2.0 FR (via "
        "manythings.org's cmn-eng file); per-sentence credits in "
        "en_zh_tatoeba_attribution.tsv."),
}


def _open(name: str):
    return resources.files("emlib").joinpath("data", name).open("r", encoding="utf-8")


def load_old_faithful() -> tuple[np.ndarray, list[str]]:
    """The Old Faithful data: a (272, 2) array of (eruption minutes, waiting minutes).

    Returns the array and the column names ``["eruptions", "waiting"]``. Credit:
    ``CREDITS["old_faithful.csv"]``. Chapter 06 fits a Gaussian mixture to it.
    """
    with _open("old_faithful.csv") as handle:
        rows = list(csv.reader(handle))
    return np.array(rows[1:], dtype=float), rows[0]


@dataclass(frozen=True)
class Corpus:
    """A labelled text corpus: one string and one label per document."""

    texts: list[str]
    labels: list[str]

    def __len__(self) -> int:
        return len(self.texts)


def load_arxiv_abstracts() -> Corpus:
    """1,446 arXiv titles + abstracts labelled astro-ph, cond-mat, hep or math (CC0).

    Credit: ``CREDITS["arxiv_abstracts_4topics.csv"]``. Chapter 08 fits PLSA to it.
    """
    with _open("arxiv_abstracts_4topics.csv") as handle:
        rows = list(csv.DictReader(handle))
    return Corpus([r["text"] for r in rows], [r["label"] for r in rows])


#: The most points :func:`make_gaussian_blobs` draws (a guard against a typo asking for TBs).
MAX_SAMPLES = 10**8


@dataclass(frozen=True)
class Blobs:
    """Points drawn from a known Gaussian mixture, with the true component of each."""

    X: np.ndarray
    labels: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    weights: np.ndarray


def make_gaussian_blobs(n_samples: int, means: Any, covariances: Any | None = None,
                        weights: Any | None = None,
                        rng: np.random.Generator | int | None = None) -> Blobs:
    """Sample n points from Σ_k π_k N(μ_k, Σ_k): z_n ~ Cat(π), x_n | z_n=k ~ N(μ_k, Σ_k).

    ``covariances`` (K symmetric positive-definite matrices) default to identity matrices,
    ``weights`` to uniform; at most ``MAX_SAMPLES`` points. This is the
    generative story of chapter 06, used for synthetic data in chapters 05–07.
    """
    n = check_int(n_samples, "n_samples", low=1, high=MAX_SAMPLES)
    mu = as_float_array(means, "means", ndim=2, min_rows=1)
    k, d = mu.shape
    if d == 0:
        raise ValueError("means must have at least one column (the dimension D)")
    cov = (np.broadcast_to(np.eye(d), (k, d, d)) if covariances is None
           else as_float_array(covariances, "covariances", ndim=3))
    if cov.shape != (k, d, d):
        raise ValueError(f"covariances must have shape ({k}, {d}, {d}), got {cov.shape}")
    chol = np.stack([check_positive_definite(c, f"covariances[{i}]") for i, c in enumerate(cov)])
    pi = np.full(k, 1 / k) if weights is None else check_distribution(weights, "weights")
    if pi.shape != (k,):
        raise ValueError(f"weights must have {k} entries, got {pi.shape}")
    rng = check_rng(rng)
    labels = rng.choice(k, size=n, p=pi)
    noise = rng.standard_normal((n, d))
    with np.errstate(over="ignore", invalid="ignore"):
        X = mu[labels] + np.einsum("nij,nj->ni", chol[labels], noise)
    if not np.all(np.isfinite(X)):
        raise ValueError("means and covariances are too large: the samples overflow to ±inf")
    return Blobs(X, labels, mu, np.array(cov), pi)


# -- chapter 10: the earthquake counts (appended) ------------------------------------------

CREDITS["earthquakes.csv"] = (
    "Annual counts of major (magnitude ≥ 7) earthquakes 1900–2006, USGS/NEIC, as tabulated "
    "by W. Zucchini and I. L. MacDonald (2009), Hidden Markov Models for Time Series, "
    "Chapman & Hall/CRC, Table 1.1; public domain (values via hmmlearn's example, BSD-3).")
__all__ += ["load_earthquakes"]


def load_earthquakes() -> tuple[np.ndarray, np.ndarray]:
    """(years, counts): 107 annual counts of major earthquakes, 1900–2006 (chapter 10).

    Credit: ``CREDITS["earthquakes.csv"]``. Zucchini & MacDonald's running example for
    Poisson hidden Markov models.
    """
    with _open("earthquakes.csv") as handle:
        rows = list(csv.reader(handle))[1:]
    table = np.array(rows, dtype=np.int64)
    return table[:, 0], table[:, 1]


@dataclass(frozen=True)
class ParallelCorpus:
    """Line-aligned sentence pairs with the credit of each pair.

    ``english[i]`` and ``chinese[i]`` translate each other; ``credits[i]`` names the two
    Tatoeba sentences and their contributors ("#id (user) & #id (user)").
    """

    english: list[str]
    chinese: list[str]
    credits: list[str]

    def __len__(self) -> int:
        return len(self.english)


def load_en_zh_tatoeba() -> ParallelCorpus:
    """500 English–Chinese sentence pairs from Tatoeba (3–6 English words each).

    Untokenised: :mod:`emlib.text` splits English into words and Chinese into characters.
    Credit: ``CREDITS["en_zh_tatoeba.tsv"]`` (CC BY 2.0 FR, attribution required; the
    per-sentence credits are returned in ``credits``). Chapter 11 aligns it with IBM Model 1.
    """
    with _open("en_zh_tatoeba.tsv") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    with _open("en_zh_tatoeba_attribution.tsv") as handle:
        credit_rows = list(csv.DictReader(handle, delimiter="\t"))
    credits = [f"#{c['src_sentence_id']} ({c['src_contributor']}) & "
               f"#{c['tgt_sentence_id']} ({c['tgt_contributor']})" for c in credit_rows]
    return ParallelCorpus([r["src"] for r in rows], [r["tgt"] for r in rows], credits)
