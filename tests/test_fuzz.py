"""Fuzz: every public callable of emlib, fed bad and extreme input, one argument at a time.

Each function, estimator ``fit``, EM model (through :func:`emlib.em.run`) and parameter
class starts from a valid example call (``CALLS``); then one argument at a time is
replaced by a member of a family of bad or extreme values (``FAMILIES``): wrong type,
wrong shape, empty, one row, N < K, NaN, ±inf, 1e±300, complex, dates, bool, object
arrays, lists, pandas and scipy.sparse, negative, non-integer and huge counts, invalid
hyper-parameters. A call passes only with

* a clear error: a ``ValueError``/``TypeError`` raised inside emlib (the traceback's last
  frame is an emlib file, not numpy's) whose message names the argument; or
* a correct result: no NaN anywhere in it (NaN out of valid input is a silent wrong answer),
  and for the families that no reading makes valid (text, complex, dates, NaN, ragged …)
  no result at all: accepting them silently is the failure this test exists for.

A hypothesis test adds random extreme arrays (a fixed budget, derandomized under CI).
Views (``emlib.views`` and the widget factories) and the figure writer are left out: they
are tested by clicking and by tests/test_figures.py.

Every case must pass: there is no list of expected failures.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import emlib
from emlib import (
    ball,
    corpus,
    datasets,
    display,
    gmm,
    kmeans,
    mixtures,
    mle,
    plsa,
    prereq,
    theory,
)
from emlib.em import run
from emlib.variants import ascent, features, generalized, map_em, online, variational

EMLIB = Path(emlib.__file__).resolve().parent
RNG = np.random.default_rng(0)
X2 = np.r_[RNG.normal(0, 1, (12, 2)), RNG.normal(4, 1, (12, 2))]  # two blobs, N = 24, D = 2
X1 = np.r_[RNG.normal(-2, 1, 15), RNG.normal(2, 1, 15)]          # 1-D, two components
CENTERS = np.array([[0.0, 0.0], [4.0, 4.0]])
LABELS = np.r_[np.zeros(12, int), np.ones(12, int)]
COUNTS = np.array([[3, 0, 1, 2], [0, 4, 2, 0], [1, 1, 0, 5]])  # 3 documents, 4 words
CUPS = {"a": 3, "b": 5, "c": 2}
PEGS = ball.ThreePegParams(0.3, 0.4, 0.5)
HEADS = [3, 7, 8, 2]
M1D = mixtures.Mixture1DParams([0.5, 0.5], [-1.0, 1.0], [1.0, 1.0])


# ------------------------------------------------------------------------------------------
# The families of bad and extreme values. "refuse": no reading makes them valid, so any
# result is a silent wrong answer; "any": a clear error or a NaN-free result.
# ------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Family:
    name: str
    make: Callable[[Any], Any]  # from the valid value of the argument
    refuse: bool


def _like(valid: Any, fill: Any, dtype: Any = float) -> np.ndarray:
    shape = np.shape(valid) if np.ndim(valid) else (3,)
    return np.full(shape, fill, dtype=dtype)


def _rows(valid: Any, n: int) -> Any:
    array = np.asarray(valid) if not isinstance(valid, (dict, str)) else None
    if array is None or array.ndim == 0 or array.dtype.kind not in "biuf":
        return None
    return array[:n]


FAMILIES = [
    Family("text", lambda v: "abc", True),
    Family("none", lambda v: None, True),
    Family("object", lambda v: object(), True),
    Family("complex", lambda v: np.asarray(_like(v, 1.0)) + 1j, True),
    Family("datetime", lambda v: np.full(np.shape(v) or (3,), np.datetime64("2020-01-01")), True),
    Family("object_text", lambda v: np.array(["a", 1, 2.0], dtype=object), True),
    Family("ragged", lambda v: [[1.0, 2.0], [3.0]], True),
    Family("nan", lambda v: _like(v, np.nan), True),
    Family("inf", lambda v: _like(v, np.inf), True),
    Family("minus_inf", lambda v: _like(v, -np.inf), False),
    Family("sparse", lambda v: scipy.sparse.csr_matrix(np.atleast_2d(_like(v, 1.0)))
           if np.ndim(v) <= 2 else None, False),
    Family("empty", lambda v: np.empty((0,) + np.shape(v)[1:]), False),
    Family("one_row", lambda v: _rows(v, 1), False),
    Family("two_rows", lambda v: _rows(v, 2), False),  # N < K for K ≥ 3
    Family("huge", lambda v: _like(v, 1e300), False),
    Family("tiny", lambda v: _like(v, 1e-300), False),
    Family("negative", lambda v: -np.abs(_like(v, 1.0)), False),
    Family("bool", lambda v: _like(v, True, bool), False),
    Family("object_numbers", lambda v: np.asarray(v, dtype=object)
           if isinstance(v, (list, np.ndarray)) else v, False),
    Family("list", lambda v: np.asarray(v).tolist() if isinstance(v, np.ndarray) else v, False),
    Family("pandas", lambda v: (pd.DataFrame(v) if np.ndim(v) == 2 else pd.Series(v))
           if isinstance(v, (list, np.ndarray)) and np.ndim(v) in (1, 2) else v, False),
    Family("transposed", lambda v: np.asarray(v).T if np.ndim(v) == 2 else v, False),
    Family("extra_dim", lambda v: np.asarray(v)[None] if isinstance(v, np.ndarray) else v, False),
    Family("minus_one", lambda v: -1, False),
    Family("zero", lambda v: 0, False),
    Family("half", lambda v: 0.5, False),
    Family("huge_count", lambda v: 10**15, False),
    Family("float_nan", lambda v: math.nan, True),
    Family("true", lambda v: True, False),
]
FAMILY = {f.name: f for f in FAMILIES}


# ------------------------------------------------------------------------------------------
# Valid example calls. Each entry: an id, the callable, its keyword arguments. The
# arguments listed in "fuzz" (default: all of them) are replaced one at a time.
# ------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Call:
    id: str
    function: Callable[..., Any]
    kwargs: dict[str, Any]
    fuzz: tuple[str, ...] | None = None

    def arguments(self) -> tuple[str, ...]:
        return self.fuzz if self.fuzz is not None else tuple(self.kwargs)


def _fit(cls: type, fit_arg: str = "X", **init: Any) -> Callable[..., Any]:
    """fit(data) of an estimator built with ``init`` (hyper-parameters fuzzed separately)."""
    def call(**kwargs: Any) -> Any:
        data = kwargs.pop(fit_arg)
        return cls(**init).fit(data, **kwargs)
    call.__name__ = f"{cls.__name__}.fit"
    return call


def _run(make: Callable[..., Any], X: Any = None, **init: Any) -> Callable[..., Any]:
    """run(model(**hyper-parameters), X, params, max_iter=3): the model's data path and
    hyper-parameters in one call."""
    def call(X: Any, params: Any = None, **hyper: Any) -> Any:
        return run(make(**{**init, **hyper}), X, params, max_iter=3, rng=0)
    call.__name__ = f"run({getattr(make, '__name__', 'model')})"
    return call


def _convex(z: np.ndarray) -> bool:
    return bool(np.linalg.norm(z) <= 1.0)


CALLS = [
    # prereq
    Call("prereq.xlogy", prereq.xlogy, {"x": np.array([0.0, 1, 2]), "y": np.array([0.5, 1, 2])}),
    Call("prereq.entropy", prereq.entropy, {"p": np.array([0.2, 0.8])}),
    Call("prereq.kl_divergence", prereq.kl_divergence,
         {"p": np.array([0.2, 0.8]), "q": np.array([0.5, 0.5])}),
    Call("prereq.logsumexp", prereq.logsumexp, {"a": np.array([1.0, 2, 3]), "axis": 0}),
    Call("prereq.gaussian_logpdf", prereq.gaussian_logpdf,
         {"X": X2, "mean": np.zeros(2), "cov": np.eye(2)}),
    Call("prereq.bayes_posterior", prereq.bayes_posterior,
         {"prior": np.array([0.5, 0.5]), "likelihood": np.array([0.2, 0.4])}),
    Call("prereq.jensen_gap", prereq.jensen_gap,
         {"f": np.square, "x": np.array([1.0, 2, 3]), "weights": np.array([0.2, 0.3, 0.5])}),
    Call("prereq.check_convex_set", prereq.check_convex_set,
         {"contains": _convex, "points": np.array([[0, 0], [0.5, 0], [0, 0.5]]), "n_pairs": 5,
          "n_t": 3, "rng": 0}),
    Call("prereq.check_convex_function", prereq.check_convex_function,
         {"f": np.square, "points": np.array([1.0, 2, 3]), "n_t": 3, "atol": 1e-10}),
    # mle
    Call("mle.bernoulli_log_likelihood", mle.bernoulli_log_likelihood,
         {"p": np.array([0.2, 0.5]), "n_success": 2, "n_failure": 8}),
    Call("mle.bernoulli_likelihood", mle.bernoulli_likelihood,
         {"p": np.array([0.2, 0.5]), "n_success": 2, "n_failure": 8}),
    Call("mle.bernoulli_mle", mle.bernoulli_mle, {"n_success": 2, "n_failure": 8}),
    Call("mle.categorical_mle", mle.categorical_mle, {"counts": np.array([1, 2, 3])}),
    Call("mle.categorical_log_likelihood", mle.categorical_log_likelihood,
         {"probs": np.array([0.2, 0.3, 0.5]), "counts": np.array([1, 2, 3])}),
    Call("mle.gaussian_mle", mle.gaussian_mle, {"X": X2}),
    Call("mle.gaussian_log_likelihood", mle.gaussian_log_likelihood,
         {"X": X2, "mean": np.zeros(2), "cov": np.eye(2)}),
    Call("mle.grid_argmax", mle.grid_argmax,
         {"values": np.array([1.0, 3, 2]), "grid": np.array([0.0, 0.5, 1])}),
    Call("mle.beta_posterior", mle.beta_posterior,
         {"alpha": 2.0, "beta": 2.0, "n_success": 2, "n_failure": 8}),
    Call("mle.bernoulli_map", mle.bernoulli_map,
         {"n_success": 2, "n_failure": 8, "alpha": 2.0, "beta": 2.0}),
    Call("mle.beta_log_pdf", mle.beta_log_pdf, {"p": np.array([0.2, 0.5]), "alpha": 2.0,
                                                "beta": 3.0}),
    # ball
    Call("ball.bernoulli_mle", ball.bernoulli_mle, {"outcomes": "bbab", "success": "a"}),
    Call("ball.count_outcomes", ball.count_outcomes, {"outcomes": "bbab", "success": "a"}),
    Call("ball.complete_data_mle", ball.complete_data_mle,
         {"path_counts": np.array([1.0, 2, 3, 4])}),
    Call("ball.cup_counts", ball.cup_counts, {"data": CUPS}),
    Call("ball.cup_probabilities", ball.cup_probabilities, {"params": PEGS}),
    Call("ball.path_probabilities", ball.path_probabilities, {"params": PEGS}),
    Call("ball.e_step_table", ball.e_step_table, {"X": CUPS, "params": PEGS}),
    Call("ball.expected_path_counts", ball.expected_path_counts,
         {"X": CUPS, "posterior": np.array([[1.0, 0, 0, 0], [0, 0.5, 0.5, 0], [0, 0, 0, 1]])}),
    Call("ball.ridge_params", ball.ridge_params, {"X": CUPS, "share": np.array([0.0, 0.5, 1])}),
    Call("ball.simulate_paths", ball.simulate_paths, {"params": PEGS, "n_balls": 10, "rng": 0}),
    Call("ball.ThreePegParams", ball.ThreePegParams, {"p0": 0.3, "p1": 0.4, "p2": 0.5}),
    Call("ball.ThreePegModel", _run(ball.ThreePegModel), {"X": CUPS, "params": PEGS}),
    # datasets, display
    Call("datasets.make_gaussian_blobs", datasets.make_gaussian_blobs,
         {"n_samples": 10, "means": CENTERS, "covariances": np.stack([np.eye(2)] * 2),
          "weights": np.array([0.5, 0.5]), "rng": 0}),
    Call("display.rounded", display.rounded, {"x": np.array([1.23456, -1e-17]), "digits": 2}),
    Call("display.fmt", display.fmt, {"x": np.array([1.23456, -1e-17]), "digits": 2}),
    Call("display.show", lambda x, digits: display.show("x =", x, digits=digits),
         {"x": np.array([1.23456, -1e-17]), "digits": 2}),
    # em
    Call("em.run", run, {"model": mixtures.BinomialMixture(2, 10), "X": np.array(HEADS),
                         "params": mixtures.BinomialMixtureParams([0.5, 0.5], [0.3, 0.7]),
                         "max_iter": 3, "tol": 1e-8, "keep": "all", "rng": 0}),
    Call("em.validate_params", emlib.em.validate_params,
         {"model": mixtures.BinomialMixture(2, 10), "X": np.array(HEADS),
          "params": mixtures.BinomialMixtureParams([0.5, 0.5], [0.3, 0.7])},
         fuzz=("model", "params")),  # X: the data as model.validate_data returned them
    Call("em.Stepper", emlib.Stepper, {"model": mixtures.BinomialMixture(2, 10),
                                       "X": np.array(HEADS), "params": None, "rng": 0}),
    # mixtures
    Call("mixtures.BinomialMixture", _run(mixtures.BinomialMixture),
         {"X": np.array(HEADS), "n_components": 2, "n_trials": 10}),
    Call("mixtures.BinomialMixtureParams", mixtures.BinomialMixtureParams,
         {"weights": np.array([0.5, 0.5]), "p": np.array([0.3, 0.7])}),
    # kmeans
    Call("kmeans.squared_distances", kmeans.squared_distances, {"X": X2, "centers": CENTERS}),
    Call("kmeans.nearest_centers", kmeans.nearest_centers, {"X": X2, "centers": CENTERS}),
    Call("kmeans.distortion", kmeans.distortion, {"X": X2, "centers": CENTERS, "labels": LABELS}),
    Call("kmeans.update_centers", kmeans.update_centers,
         {"X": X2, "labels": LABELS, "n_clusters": 2}),
    Call("kmeans.soft_assignments", kmeans.soft_assignments,
         {"X": X2, "centers": CENTERS, "variance": 1.0}),
    Call("kmeans.kdtree_filter", kmeans.kdtree_filter, {"X": X2, "centers": CENTERS,
                                                        "leaf_size": 4}),
    Call("kmeans.kmeans_plusplus", kmeans.kmeans_plusplus, {"X": X2, "n_clusters": 2, "rng": 0}),
    Call("kmeans.kmeans_plusplus_indices", kmeans.kmeans_plusplus_indices,
         {"X": X2, "n_clusters": 2, "rng": 0}),
    Call("kmeans.kmeans_plusplus_steps", kmeans.kmeans_plusplus_steps,
         {"X": X2, "n_clusters": 2, "rng": 0}),
    Call("kmeans.random_init", kmeans.random_init, {"X": X2, "n_clusters": 2, "rng": 0}),
    Call("kmeans.KMeans.fit", _fit(kmeans.KMeans, n_clusters=2, random_state=0), {"X": X2}),
    Call("kmeans.KMeansModel", _run(kmeans.KMeansModel), {"X": X2, "n_clusters": 2}),
    Call("kmeans.KMeans", lambda **kw: kmeans.KMeans(**kw).fit(X2),
         {"n_clusters": 2, "init": "k-means++", "algorithm": "lloyd", "max_iter": 20,
          "tol": 1e-4, "random_state": 0, "leaf_size": 8}),
    # gmm
    Call("gmm.covariance_shape", gmm.covariance_shape,
         {"covariance_type": "full", "n_components": 2, "n_features": 2}),
    Call("gmm.GaussianMixture.fit", _fit(gmm.GaussianMixture, n_components=2, random_state=0),
         {"X": X2}),
    Call("gmm.GaussianMixture", lambda **kw: gmm.GaussianMixture(**kw).fit(X2),
         {"n_components": 2, "covariance_type": "full", "tol": 1e-3, "reg_covar": 1e-6,
          "max_iter": 20, "init_params": "kmeans", "random_state": 0, "chunk_size": 16}),
    Call("gmm.GaussianMixtureModel", _run(gmm.GaussianMixtureModel),
         {"X": X2, "n_components": 2}),
    Call("gmm.GMMParams", gmm.GMMParams, {"weights": np.array([0.5, 0.5]), "means": CENTERS,
                                          "covariances": np.stack([np.eye(2)] * 2)}),
    # plsa
    Call("corpus.as_document_word_counts", corpus.as_document_word_counts, {"counts": COUNTS}),
    Call("plsa.perplexity", plsa.perplexity,
         {"counts": COUNTS, "p_z_given_d": np.full((3, 2), 0.5),
          "p_w_given_z": np.full((2, 4), 0.25)}),
    Call("plsa.PLSA.fit", _fit(plsa.PLSA, n_topics=2, random_state=0), {"X": COUNTS}),
    Call("plsa.PLSA", lambda **kw: plsa.PLSA(**kw).fit(COUNTS),
         {"n_topics": 2, "max_iter": 20, "tol": 1e-6, "beta": 1.0, "random_state": 0}),
    Call("plsa.PLSAModel", _run(plsa.PLSAModel), {"X": COUNTS, "n_topics": 2}),
    # theory
    Call("theory.increment_ratios", theory.increment_ratios,
         {"values": np.array([1.0, 2, 2.5, 2.75])}),
    Call("theory.numerical_hessian", theory.numerical_hessian,
         {"f": lambda t: -float(np.sum(np.asarray(t) ** 2)), "theta": np.array([1.0, 2])}),
    Call("theory.em_map", theory.em_map,
         {"model": mixtures.GaussianMixture1D(2), "X": X1, "params": M1D}),
    Call("mixtures.GaussianMixture1D", _run(mixtures.GaussianMixture1D),
         {"X": X1, "params": M1D, "n_components": 2}),
    Call("mixtures.Mixture1DParams", mixtures.Mixture1DParams,
         {"weights": np.array([0.5, 0.5]), "means": np.array([-1.0, 1]),
          "variances": np.array([1.0, 1])}),
    # variants
    Call("ascent.gradient_ascent", ascent.gradient_ascent,
         {"f": lambda x: -float(np.sum(x ** 2)), "grad": lambda x: -2 * x,
          "x0": np.array([1.0, 1.0]), "max_steps": 5}),
    Call("features.bag_of_words", features.bag_of_words,
         {"texts": ["the cat sat on the mat", "a dog ran far away"], "vocabulary_size": 10}),
    Call("features.word_features", features.word_features,
         {"vocabulary": ["running", "runner", "cat"]}),
    Call("variational.VariationalGaussianMixture1D.fit",
         lambda X, resp_init: variational.VariationalGaussianMixture1D(
             2, max_iter=5, resp_init=resp_init).fit(X),
         {"X": X1, "resp_init": np.r_[np.tile([0.9, 0.1], (15, 1)), np.tile([0.1, 0.9], (15, 1))]}),
    Call("map_em.MAPBinomialMixture", _run(map_em.MAPBinomialMixture),
         {"X": np.array(HEADS), "n_components": 2, "n_trials": 10, "a": 2.0, "b": 2.0,
          "alpha": 1.0}),
    Call("map_em.MAPGaussianMixture1D", _run(map_em.MAPGaussianMixture1D),
         {"X": X1, "n_components": 2, "alpha": 1.0, "a": 2.0, "b": 0.5}),
    Call("gmm.MAPGaussianMixtureModel",
         _run(lambda n_components, weight_concentration, covariance_scale:
              gmm.MAPGaussianMixtureModel(n_components, prior=gmm.GMMPrior(
                  weight_concentration=weight_concentration,
                  covariance_scale=covariance_scale))),
         {"X": X2, "n_components": 2, "weight_concentration": 1.0, "covariance_scale": 0.1}),
    Call("generalized.GeneralizedEM",
         _run(lambda **kw: generalized.GeneralizedEM(mixtures.GaussianMixture1D(2), **kw)),
         {"X": X1, "params": M1D, "n_inner": 1, "step": 1.0}),
    Call("online.OnlineEM.fit",
         lambda X, batch_size, random_state: online.OnlineEM(
             mixtures.GaussianMixture1D(2), M1D, batch_size=batch_size,
             random_state=random_state).fit(X),
         {"X": X1, "batch_size": 10, "random_state": 0}),
    Call("online.OnlineEM", lambda **kw: online.OnlineEM(**kw, random_state=0).fit(X1),
         {"model": mixtures.GaussianMixture1D(2), "params": M1D, "alpha": 0.6, "offset": 0.0}),
]
CALL = {c.id: c for c in CALLS}

#: Argument values that are valid although a family calls them bad: (call id, argument,
#: family). E.g. logsumexp takes -inf (log 0), grid_argmax takes NaN values (ignored).
VALID = {
    ("prereq.logsumexp", "a", "minus_inf"), ("mle.grid_argmax", "values", "nan"),
    ("mle.grid_argmax", "values", "inf"), ("prereq.xlogy", "y", "inf"),
    ("display.rounded", "x", "nan"), ("display.rounded", "x", "inf"),
    ("display.fmt", "x", "nan"), ("display.fmt", "x", "inf"),
    ("display.fmt", "x", "text"), ("display.fmt", "x", "float_nan"),
    ("display.rounded", "x", "float_nan"), ("display.show", "x", "nan"),
    ("display.show", "x", "inf"), ("display.show", "x", "text"), ("display.show", "x", "float_nan"),
    ("theory.increment_ratios", "values", "nan"),
    ("plsa.PLSA.fit", "X", "sparse"), ("plsa.PLSAModel", "X", "sparse"),
    ("partitions_of", "data", "ragged"),  # a list of partitions of unequal sizes
    ("english_words", "text", "text"), ("chinese_characters", "text", "text"),  # tokenizers
    ("corpus.as_document_word_counts", "counts", "sparse"), ("plsa.perplexity", "counts", "sparse"),
}
#: Arguments for which None is a documented choice (a fresh seed, θ⁽⁰⁾ drawn by the model,
#: no early stop, the default covariances/weights, all axes).
NONE_MEANS_DEFAULT = {"rng", "random_state", "params", "tol", "covariances", "weights", "axis",
                      "resp_init"}
VALID |= {(c.id, a, "none") for c in CALLS for a in c.arguments()
          if a in NONE_MEANS_DEFAULT and not c.id.endswith("Params")}

#: Arguments that hold labels or letters (any hashable value, text included), not numbers.
LABELS = {("ball.bernoulli_mle", "outcomes"), ("ball.count_outcomes", "outcomes"),
          ("ball.bernoulli_mle", "success"), ("ball.count_outcomes", "success"),
          ("ball.cup_counts", "data"), ("ball.e_step_table", "X"),
          ("ball.expected_path_counts", "X"), ("ball.ridge_params", "X"),
          ("ball.ThreePegModel", "X"), ("features.bag_of_words", "texts"),
          ("features.word_features", "vocabulary")}



# ------------------------------------------------------------------------------------------
# Judging one call
# ------------------------------------------------------------------------------------------
def _last_frame_in_emlib(error: BaseException) -> bool:
    tb = error.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return last is not None and Path(last).resolve().is_relative_to(EMLIB)


def _has_nan(value: Any, depth: int = 0) -> bool:
    """Whether a result holds a NaN anywhere (arrays, numbers, dataclasses, containers,
    fitted estimators' attributes)."""
    if depth > 4 or value is None or isinstance(value, (str, bytes, bool)):
        return False
    if isinstance(value, (float, np.floating, complex)):
        return bool(np.isnan(value))
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "fc" and bool(np.isnan(value).any())
    if isinstance(value, dict):
        return any(_has_nan(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_nan(v, depth + 1) for v in value[:50])
    if dataclasses.is_dataclass(value):
        return any(_has_nan(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    if isinstance(value, emlib.Stepper):
        return _has_nan(value.trace, depth + 1)
    attributes = getattr(value, "__dict__", {})
    return any(_has_nan(v, depth + 1) for k, v in attributes.items() if k.endswith("_"))


def _record_nan_is_fine(value: Any) -> bool:
    """Traces hold NaN only where a record has no bound yet (the init record's L and KL)."""
    return isinstance(value, emlib.Trace | emlib.Stepper)


#: Families that change a shape: the error may name the argument the shape must match.
RESHAPING = {"empty", "one_row", "two_rows", "transposed", "extra_dim"}
#: Iteration budgets: a huge one is a legitimate (if patient) request, not an error.
ITERATION_COUNTS = {"max_iter", "max_steps", "n_inner", "max_inner", "memory"}


def judge(call: Call, argument: str, family: Family, require_name: bool = True) -> str | None:
    """None when the call behaves (a clear emlib error or a NaN-free result), else why not.

    ``require_name=False`` accepts an emlib error that names another argument (used when
    the other arguments are placeholders, not a valid call)."""
    if family.name == "huge_count" and argument in ITERATION_COUNTS:
        return None
    valid = call.kwargs[argument]
    bad = family.make(valid)
    if bad is None and family.name not in ("none",):
        return None  # the family does not apply to this argument (e.g. rows of a dict)
    kwargs = {**call.kwargs, argument: bad}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            result = call.function(**kwargs)
        except (ValueError, TypeError) as error:
            if not _last_frame_in_emlib(error):
                return f"{type(error).__name__} from outside emlib: {error}"
            named = [argument] + (list(call.kwargs) + ["n_samples", "rows", "points"]
                                  if family.name in RESHAPING else [])
            if require_name and not any(name in str(error) for name in named):
                return f"{type(error).__name__} does not name {argument!r}: {error}"
            return None
        except Exception as error:  # noqa: BLE001 - the point is to name what escaped
            return f"deep {type(error).__name__}: {error}"
    if (call.id, argument, family.name) in VALID:
        return None
    if family.refuse and (call.id, argument) not in LABELS:
        return f"accepted {family.name} silently, returned {type(result).__name__}"
    if _record_nan_is_fine(result):
        records = result.trace.records if isinstance(result, emlib.Stepper) else result.records
        if any(np.isnan(r.log_likelihood) for r in records):
            return "NaN ln p in the trace"
        return None
    if _has_nan(result):
        return "NaN in the result (a silent wrong answer)"
    return None


def _cases() -> list[Any]:
    return [pytest.param(call.id, family.name, id=f"{call.id}-{family.name}")
            for call in CALLS for family in FAMILIES]


def test_every_call_is_valid_as_written():
    """The starting points are valid calls with NaN-free results (else the fuzz means little)."""
    for call in CALLS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = call.function(**call.kwargs)
        assert _record_nan_is_fine(result) or not _has_nan(result), call.id


@pytest.mark.parametrize("call_id, family_name", _cases())
def test_bad_argument_gets_a_clear_error_or_a_correct_result(call_id, family_name):
    call, family = CALL[call_id], FAMILY[family_name]
    failures = {a: why for a in call.arguments() if (why := judge(call, a, family)) is not None}
    assert not failures, "\n".join(f"{call_id}({a}={family_name}): {why}"
                                   for a, why in failures.items())


def _unlisted_functions() -> list[Any]:
    """Public functions without an example in CALLS (views, figures, widget factories and
    the data loaders are tested elsewhere: by clicking, by test_figures, by their tests)."""
    from test_api import public_functions  # the same walk over emlib's public surface

    elsewhere = ("figures.", "views.", "glossary.", "exercises.")  # files, pictures, text
    widget_like = ("Widget", "_stepper", "draw_", "ridge_figure", "load_")
    fuzzed = {c.function for c in CALLS} | {c.id.rsplit(".", 1)[-1] for c in CALLS}
    return [case for case in public_functions()
            if not case.id.startswith(elsewhere) and case.values[0] not in fuzzed
            and case.values[0].__name__ not in fuzzed
            and not any(w in case.id for w in widget_like)]


@pytest.mark.parametrize("function, n_required", _unlisted_functions())
def test_functions_without_an_example_still_get_clear_errors(function, n_required):
    """Every public function is fuzzed: one without a valid example in CALLS gets each
    family in its first argument (the others are np.ones(3)) and must raise a clear emlib
    error or return a NaN-free result. Give it an example in CALLS to fuzz every argument."""
    names = list(inspect.signature(function).parameters)[:n_required]
    call = Call(function.__qualname__, function,
                {n: np.ones(3) for n in names}, fuzz=(names[0],))
    failures = []
    for family in FAMILIES:
        why = judge(call, names[0], family, require_name=False)
        if why is not None:
            failures.append(f"{family.name}: {why}")
    assert not failures, "\n".join(failures)


# ------------------------------------------------------------------------------------------
# Random extreme arrays (hypothesis, a fixed budget)
# ------------------------------------------------------------------------------------------
ARRAY_ARGUMENTS = [(c.id, a) for c in CALLS for a in c.arguments()
                   if isinstance(c.kwargs[a], np.ndarray) and c.kwargs[a].dtype.kind == "f"]
GROUPS = sorted({call_id.split(".")[0] for call_id, _ in ARRAY_ARGUMENTS})
EXTREME = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0.0, -0.0, 1e300, -1e300, 1e-300, 5e-324, 1e150, 1e8]))

def _group_cases() -> list[Any]:
    return [pytest.param(g, id=g) for g in GROUPS]


@pytest.mark.parametrize("group", _group_cases())
@settings(max_examples=60 if os.environ.get("CI") else 25,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_extreme_arrays(group, data):
    """Random arrays of extreme floats (NaN, ±inf, 1e±300, subnormals) in place of each
    array argument, or the valid array shifted or scaled far: a clear error or a NaN-free
    result (a NaN in the input must be refused)."""
    arguments = [(c, a) for c, a in ARRAY_ARGUMENTS if c.split(".")[0] == group]
    call_id, argument = data.draw(st.sampled_from(arguments), label="argument")
    call = CALL[call_id]
    valid = call.kwargs[argument]
    mode = data.draw(st.sampled_from(["replace", "scale", "shift"]), label="mode")
    if mode == "replace":
        value = data.draw(arrays(float, valid.shape, elements=EXTREME), label="values")
    else:
        factor = data.draw(st.sampled_from([1e-150, 1e-8, 1e8, 1e150]), label="factor")
        value = valid * factor if mode == "scale" else valid + factor
    nan_is_valid = (call_id, argument, "nan") in VALID  # e.g. display.rounded(nan) is nan
    family = Family("random", lambda v: value,
                    refuse=bool(np.isnan(value).any()) and not nan_is_valid)
    why = judge(call, argument, family)
    assert why is None, f"{call_id}({argument}={value!r}): {why}"


# ------------------------------------------------------------------------------------------
# Regressions: the silent wrong answers and unclear errors of the reliability issue
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad, kind", [
    (np.ones((6, 2)) + 1j, "complex"),
    (np.full((6, 2), np.datetime64("2024-01-01")), "dates"),
    (np.full((6, 2), np.timedelta64(3, "D")), "time spans"),
    (np.array([["1.5", "2"]] * 6), "text"),
    (scipy.sparse.csr_matrix(np.ones((6, 2))), "sparse"),
    (np.ma.masked_array(np.ones((6, 2)), mask=np.eye(6, 2, dtype=bool)), "masked"),
])
def test_complex_dates_text_and_sparse_are_refused_not_converted(bad, kind):
    """numpy would drop the imaginary part, count days, parse text, use masked values:
    emlib refuses."""
    for call, name in [(lambda v: kmeans.KMeans(2, random_state=0).fit(v), "X"),
                       (lambda v: prereq.logsumexp(v), "a"),
                       (lambda v: mle.gaussian_mle(v), "X"),
                       (lambda v: prereq.entropy(v[0] if np.ndim(v) else v), "p")]:
        with pytest.raises(TypeError, match=name):
            call(bad)


def test_accepted_array_likes_give_the_numpy_answer():
    """Lists, bool (as 0/1), object arrays of numbers and pandas give the same numbers."""
    mean, cov = mle.gaussian_mle(X2)
    for same in (X2.tolist(), X2.astype(object), pd.DataFrame(X2, columns=["a", "b"])):
        m, c = mle.gaussian_mle(same)  # (a DataFrame is column-major: sums in another order)
        np.testing.assert_allclose(m, mean, rtol=1e-14)
        np.testing.assert_allclose(c, cov, rtol=1e-14)
    np.testing.assert_array_equal(mle.gaussian_mle(np.eye(2, dtype=bool))[0], [0.5, 0.5])
    assert prereq.entropy(pd.Series([0.5, 0.5])) == pytest.approx(math.log(2))


def test_complete_data_mle_of_huge_counts_does_not_overflow():
    assert ball.complete_data_mle([1e308] * 4) == ball.ThreePegParams(0.5, 0.5, 0.5)
    assert ball.complete_data_mle([1e308, 3e307, 0, 5e-324]) == \
        ball.complete_data_mle([10.0, 3.0, 0.0, 5e-324 / 1e307])


@given(st.lists(st.floats(0, 1e6), min_size=4, max_size=4).filter(lambda c: sum(c) > 0),
       st.sampled_from([1e-300, 1e-150, 1e150, 1e300]))
def test_complete_data_mle_does_not_depend_on_the_unit_of_the_counts(counts, factor):
    scaled = np.asarray(counts) * factor
    if not np.all(np.isfinite(scaled)) or np.any((np.asarray(counts) > 0) & (scaled < 1e-290)):
        return  # underflow to subnormals changes the ratios themselves
    a, b = ball.complete_data_mle(counts).as_array(), ball.complete_data_mle(scaled).as_array()
    np.testing.assert_allclose(a, b, rtol=1e-12)


@given(st.sampled_from([1e-150, 1e-8, 1.0, 1e8, 1e150]), st.sampled_from([0.0, 1e8, -1e10]))
def test_gaussian_mle_moves_with_the_data(scale, offset):
    """Shifting the data shifts μ̂ and leaves Σ̂ (two-pass: no Σx² − Nμ² cancellation);
    scaling by s scales μ̂ by s and Σ̂ by s². The shift is ``offset`` spreads of the data."""
    mean, cov = mle.gaussian_mle(X2)
    shift = offset * scale
    m, c = mle.gaussian_mle(X2 * scale + shift)
    np.testing.assert_allclose(m, mean * scale + shift, rtol=1e-12,
                               atol=1e-12 * (abs(shift) + scale))
    np.testing.assert_allclose(c, cov * scale**2, rtol=1e-4 if offset else 1e-12)


@pytest.mark.parametrize("make", [lambda: mixtures.BinomialMixture(2, 10**9),
                                  lambda: mixtures.BinomialMixture(2, 1e300),
                                  lambda: mixtures.BinomialMixture(2, [10, 10**12]),
                                  lambda: mixtures.BinomialMixture(10**15, 10)])
def test_huge_counts_get_a_clear_error_not_gigabytes(make):
    with pytest.raises(ValueError, match="n_trials|n_components"):
        make()


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1e30, -1, 2.5, 2**60])
def test_cup_counts_refuse_counts_that_are_not_counts(value):
    with pytest.raises(ValueError, match=r"data\['b'\]"):
        ball.cup_counts({"a": 3, "b": value})


@pytest.mark.parametrize("make", [
    lambda s: kmeans.KMeans(2, random_state=s).fit(X2),
    lambda s: plsa.PLSA(2, random_state=s).fit(COUNTS),
    lambda s: run(mixtures.BinomialMixture(2, 10), HEADS, rng=s),
    lambda s: emlib.Stepper(mixtures.BinomialMixture(2, 10), HEADS, rng=s),
    lambda s: datasets.make_gaussian_blobs(5, CENTERS, rng=s),
    lambda s: ball.simulate_paths(PEGS, 5, rng=s),
    lambda s: kmeans.kmeans_plusplus(X2, 2, rng=s),
])
@pytest.mark.parametrize("seed", [-1, 1.5, "0", True, np.random.RandomState(0)])
def test_bad_seeds_get_an_error_naming_the_argument(make, seed):
    with pytest.raises((ValueError, TypeError), match="random_state|rng"):
        make(seed)


@pytest.mark.parametrize("runner", [
    lambda model, params: run(model, HEADS, params),
    lambda model, params: emlib.Stepper(model, HEADS, params),
])
def test_params_of_the_wrong_type_get_a_type_error_naming_params(runner):
    model = mixtures.BinomialMixture(2, 10)
    for wrong in (PEGS, M1D, "abc", [0.5, 0.5], object()):
        with pytest.raises(TypeError, match="params"):
            runner(model, wrong)


def test_params_with_another_number_of_components_are_refused():
    three = mixtures.BinomialMixtureParams([0.2, 0.3, 0.5], [0.1, 0.5, 0.9])
    with pytest.raises(ValueError, match="params has 3 coins"):
        run(mixtures.BinomialMixture(2, 10), HEADS, three)
    with pytest.raises(ValueError, match="params has 3 coins"):
        emlib.Stepper(mixtures.BinomialMixture(2, 10), HEADS, three)


def test_check_params_hook_is_called_by_run_and_stepper():
    """A model's check_params sees the caller's θ⁽⁰⁾ (not its own init_params) and the
    validated data; its error reaches the caller unchanged."""
    seen = []

    class Checked(mixtures.BinomialMixture):
        def check_params(self, X, params):
            seen.append((type(X).__name__, params))
            if np.any(params.p == 0.5):
                raise ValueError("params: a fair coin is not allowed here")

    model = Checked(2, 10)
    good = mixtures.BinomialMixtureParams([0.5, 0.5], [0.3, 0.7])
    run(model, HEADS, good, max_iter=2)
    emlib.Stepper(model, HEADS, good)
    run(model, HEADS, max_iter=2, rng=0)  # θ⁽⁰⁾ from init_params: not checked
    assert seen == [("BinomialData", good)] * 2
    with pytest.raises(ValueError, match="a fair coin"):
        run(model, HEADS, mixtures.BinomialMixtureParams([0.5, 0.5], [0.1, 0.5]))


def test_rounded_numbers_cannot_flip_between_machines():
    """−0 and values within 10^−digits of 0 print as 0; arrays print as numpy does."""
    assert str(display.rounded(-1e-17)) == "0.0"
    assert display.fmt(-4e-5) == "0.0000"
    assert display.fmt(np.array([0.84221, 1e-17, -1e-17])) == "[0.8422 0.     0.    ]"
    assert display.fmt(np.array([0.84221, 1e-17, -1e-17])) == \
        display.fmt(np.array([0.84221, -1e-17, 1e-17]))
    np.testing.assert_array_equal(np.signbit(display.rounded([-0.0, -1e-9, 2.0])), False)
    assert display.fmt(-227.23687) == "-227.2369" and display.fmt("text") == "text"
    with pytest.raises(TypeError, match="x"):
        display.rounded(1 + 2j)
    with pytest.raises(ValueError, match="digits"):
        display.rounded(1.0, digits=-1)


# ------------------------------------------------------------------------------------------
# Valid extreme data keep their answers: shifted or scaled data give the shifted or scaled
# answer (same start, transformed the same way), and scikit-learn agrees far from the origin
# ------------------------------------------------------------------------------------------
BLOBS = datasets.make_gaussian_blobs(300, [[0, 0], [6, 0], [0, 6]], rng=1).X
START = np.array([[1.0, 1.0], [5.0, -1.0], [-1.0, 5.0]])
TRANSFORMS = [("shift 1e8", 1.0, 1e8), ("shift 1e10", 1.0, 1e10), ("scale 1e-150", 1e-150, 0.0),
              ("scale 1e150", 1e150, 0.0), ("scale 1e-8 shift 1e2", 1e-8, 1e2)]
def _transform_cases() -> list[Any]:
    return [pytest.param(model, name, scale, shift, id=f"{model}-{name}")
            for model in ("kmeans", "gmm", "mle") for name, scale, shift in TRANSFORMS]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("model, name, scale, shift", _transform_cases())
def test_shifted_or_scaled_data_give_the_shifted_or_scaled_answer(model, name, scale, shift):
    X, start = BLOBS * scale + shift, START * scale + shift
    atol = 1e-6 + 1e-13 * abs(shift) / scale  # the data themselves are rounded to ulp(shift)
    if model == "kmeans":
        base = kmeans.KMeans(3, init=START, tol=0.0, max_iter=50).fit(BLOBS)
        moved = kmeans.KMeans(3, init=start, tol=0.0, max_iter=50).fit(X)
        np.testing.assert_array_equal(moved.labels_, base.labels_)
        np.testing.assert_allclose(moved.inertia_, base.inertia_ * scale**2, rtol=1e-6)
        np.testing.assert_allclose((moved.cluster_centers_ - shift) / scale,
                                   base.cluster_centers_, rtol=1e-6, atol=atol)
    elif model == "gmm":
        base = gmm.GaussianMixture(3, means_init=START, tol=0.0, max_iter=30,
                                   random_state=0).fit(BLOBS)
        moved = gmm.GaussianMixture(3, means_init=start, tol=0.0, max_iter=30, random_state=0,
                                    reg_covar=1e-6 * scale**2).fit(X)
        np.testing.assert_allclose(moved.weights_, base.weights_, rtol=1e-5)
        np.testing.assert_allclose((moved.means_ - shift) / scale, base.means_, rtol=1e-5,
                                   atol=atol)
        np.testing.assert_allclose(moved.covariances_ / scale**2, base.covariances_, rtol=1e-4)
    else:
        mean, cov = mle.gaussian_mle(BLOBS)
        m, c = mle.gaussian_mle(X)
        np.testing.assert_allclose((m - shift) / scale, mean, rtol=1e-6, atol=atol)
        np.testing.assert_allclose(c / scale**2, cov, rtol=1e-4)


@pytest.mark.parametrize("case", ["constant", "duplicates", "K = N", "D = 50, N = 60"])
def test_hard_but_valid_data_give_an_answer_or_a_clear_error(case):
    """Degenerate but legal data: a finite answer or a ValueError naming what is wrong."""
    rng = np.random.default_rng(3)
    X, k = {"constant": (np.full((20, 2), 7.0), 2),
            "duplicates": (np.repeat(rng.normal(size=(5, 3)), 4, axis=0), 3),
            "K = N": (rng.normal(size=(6, 2)), 6),
            "D = 50, N = 60": (rng.normal(size=(60, 50)), 3)}[case]
    for fit in (lambda: kmeans.KMeans(k, random_state=0).fit(X),
                lambda: gmm.GaussianMixture(k, random_state=0, reg_covar=1e-3).fit(X)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                est = fit()
            except ValueError as error:
                assert _last_frame_in_emlib(error), error
                continue
        assert not _has_nan(est), f"{type(est).__name__} on {case}: NaN in the fitted model"
