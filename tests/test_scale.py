"""EM as map and reduce on Dask gives the records of the in-memory loop (chapter 12)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from emlib.em import LatentClassModel, Statistics, run
from emlib.scale import DistributedTrace, fit_distributed, partitions_of

da = pytest.importorskip("dask.array")
db = pytest.importorskip("dask.bag")



@dataclass(frozen=True)
class Moments(Statistics):
    """Σ_n q_nk, Σ_n q_nk x_n, Σ_n q_nk x_n² of a 1-D Gaussian mixture."""

    n: np.ndarray
    sx: np.ndarray
    sxx: np.ndarray


@dataclass(frozen=True)
class Params1D:
    weights: np.ndarray
    means: np.ndarray
    variances: np.ndarray


class Mixture1D(LatentClassModel):
    """A 1-D Gaussian mixture written here, independent of emlib's, with the protocol."""

    def validate_data(self, X):
        return np.asarray(X, float).ravel()

    def init_params(self, X, rng):
        raise NotImplementedError

    def log_joint(self, X, p):
        return (np.log(p.weights) - 0.5 * np.log(2 * np.pi * p.variances)
                - 0.5 * (X[:, None] - p.means) ** 2 / p.variances)

    def expected_statistics(self, X, q):
        return Moments(q.sum(0), q.T @ X, q.T @ X**2)

    def params_from_statistics(self, s):
        means = s.sx / s.n
        return Params1D(s.n / s.n.sum(), means, s.sxx / s.n - means**2)

    def m_step(self, X, q):
        return self.params_from_statistics(self.expected_statistics(X, q))


def data_and_start(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(-2, 1, n // 2), rng.normal(3, 0.5, n - n // 2)])
    return x, Params1D(np.array([0.5, 0.5]), np.array([-1.0, 1.0]), np.array([1.0, 1.0]))


def assert_same_records(a, b, rtol=1e-10):
    """Same half-steps; ln p, L and KL equal to ``rtol`` of the record's ln p."""
    assert a.largest_difference(b) <= rtol


def test_a_dask_array_gives_the_in_memory_records():
    x, start = data_and_start()
    model = Mixture1D()
    expected = run(model, x, start, max_iter=25, tol=1e-8)
    trace = fit_distributed(model, da.from_array(x, chunks=700), start, max_iter=25, tol=1e-8)
    assert isinstance(trace, DistributedTrace)
    assert trace.n_partitions == 5 and len(trace.seconds) == trace.n_iter + 1
    assert trace.converged == expected.converged
    assert_same_records(trace, expected)
    np.testing.assert_allclose(trace.params.means, expected.params.means, rtol=1e-10)


def test_a_bag_and_a_list_of_partitions_give_the_same_records():
    x, start = data_and_start(900, seed=1)
    model = Mixture1D()
    expected = run(model, x, start, max_iter=10, tol=None)
    chunks = np.array_split(x, 4)
    for data in (db.from_sequence(x.tolist(), npartitions=3), [c for c in chunks]):
        for keep in (True, False):
            trace = fit_distributed(model, data, start, max_iter=10, tol=None,
                                    keep_posteriors=keep)
            assert_same_records(trace, expected)


def test_a_local_cluster_gives_the_in_memory_records():
    distributed = pytest.importorskip("distributed")
    x, start = data_and_start(2000, seed=2)
    model = Mixture1D()
    expected = run(model, x, start, max_iter=8, tol=None)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        for keep in (True, False):
            trace = fit_distributed(model, da.from_array(x, chunks=500), start, max_iter=8,
                                    tol=None, client=client, keep_posteriors=keep)
            assert_same_records(trace, expected)


def test_a_model_without_statistics_is_refused():
    from emlib.mixtures import GeneticLinkageModel, LinkageParams

    with pytest.raises(TypeError, match="expected_statistics"):
        fit_distributed(GeneticLinkageModel(), [np.array([125, 18, 20, 34])],
                        LinkageParams(0.5), max_iter=1)


@pytest.mark.parametrize("data", [np.ones(10), "abc", 3, []])
def test_a_collection_of_the_wrong_kind_is_refused(data):
    with pytest.raises((TypeError, ValueError), match="data"):
        partitions_of(data)


def test_the_course_models_give_their_in_memory_records_on_a_process_cluster():
    """GMM rows (a dask array) and HMM sequences (a bag) on a LocalCluster of two worker
    processes: the same records as emlib.em.run, to 1e-10 of ln p."""
    distributed = pytest.importorskip("distributed")
    from emlib.gmm import GaussianMixtureModel, GMMParams
    from emlib.hmm import CategoricalHMMModel, HMMParams, sample

    rng = np.random.default_rng(3)
    X = np.concatenate([rng.normal(-2, 1, (400, 2)), rng.normal(3, 1, (600, 2))]) + 1e4
    gmm = GaussianMixtureModel(2)
    gmm_start = GMMParams([0.5, 0.5], X[[0, 999]], np.stack([np.eye(2)] * 2))
    truth = HMMParams(np.array([0.6, 0.4]), np.array([[0.9, 0.1], [0.2, 0.8]]),
                      np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]))
    sequences = [sample(truth, int(rng.integers(5, 30)), rng)[1] for _ in range(60)]
    hmm = CategoricalHMMModel(2, 3)
    hmm_start = hmm.init_params(hmm.validate_data(sequences), rng)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        for model, data, collection, start in (
                (gmm, X, da.from_array(X, chunks=(300, 2)), gmm_start),
                (hmm, sequences, db.from_sequence(sequences, npartitions=4), hmm_start)):
            expected = run(model, data, start, max_iter=6, tol=None)
            for keep in (True, False):
                trace = fit_distributed(model, collection, start, max_iter=6, tol=None,
                                        client=client, keep_posteriors=keep)
                assert_same_records(trace, expected)


def test_plsa_on_blocks_of_documents_gives_the_in_memory_records():
    """PLSA's P(z|d) belongs to one document: split_documents keeps each block's rows in
    place and its share of Σ n(d) ln(n(d)/N), so the blocks' terms add up to the whole's."""
    from emlib.corpus import split_documents, toy_counts
    from emlib.plsa import PLSAModel

    counts, _, _ = toy_counts()
    model = PLSAModel(3)
    X = model.validate_data(counts)
    start = model.init_params(X, np.random.default_rng(1))
    expected = run(model, X, start, max_iter=8, tol=None)
    for n_parts in (1, 3, 12):
        trace = fit_distributed(model, split_documents(counts, n_parts), start, max_iter=8,
                                tol=None)
        assert trace.n_partitions == n_parts
        assert_same_records(trace, expected)


@pytest.mark.parametrize("n_parts", [0, 13, 2.5, True])
def test_split_documents_refuses_impossible_splits(n_parts):
    from emlib.corpus import split_documents, toy_counts

    with pytest.raises(ValueError, match="n_parts"):
        split_documents(toy_counts()[0], n_parts)


@pytest.mark.parametrize("algorithm", ["lloyd", "elkan", "kdtree"])
def test_kmeans_gives_its_in_memory_records(algorithm):
    """Hard EM too: counts and centred sums add; far from the origin, every assignment
    strategy (Elkan's bounds stay with their partition)."""
    from emlib.kmeans import KMeansModel

    rng = np.random.default_rng(4)
    X = np.concatenate([rng.normal(c, 1, (200, 2)) for c in ((-3, 0), (3, 0), (0, 4))]) + 1e6
    model = KMeansModel(3, algorithm=algorithm)
    start = model.init_params(model.validate_data(X), np.random.default_rng(1))
    expected = run(model, X, start, max_iter=8, tol=None)
    for keep in (True, False):
        trace = fit_distributed(model, da.from_array(X, chunks=(150, 2)), start, max_iter=8,
                                tol=None, keep_posteriors=keep)
        assert_same_records(trace, expected)


def test_ibm_model_1_on_blocks_of_sentence_pairs_gives_its_in_memory_records():
    from emlib.datasets import load_en_zh_tatoeba
    from emlib.ibm1 import IBMModel1Model, split_corpus
    from emlib.text import tokenize_pairs

    corpus = load_en_zh_tatoeba()
    pairs = tokenize_pairs(corpus.chinese[:120], corpus.english[:120])
    model = IBMModel1Model()
    start = model.init_params(model.validate_data(pairs), np.random.default_rng(0))
    expected = run(model, pairs, start, max_iter=5, tol=None)
    blocks = split_corpus(pairs, 4)
    assert sum(len(b) for b in blocks) == len(pairs)
    assert_same_records(fit_distributed(model, blocks, start, max_iter=5, tol=None), expected)
    with pytest.raises(ValueError, match="n_parts"):
        split_corpus(pairs, 0)
