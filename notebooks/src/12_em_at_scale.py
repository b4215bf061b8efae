# %% [markdown]
# # 12 · EM at scale: map and reduce on Dask (EM与MapReduce)
#
# **How to run this chapter.** `Run ▸ Run All Cells` (about fifteen seconds: it starts a
# small cluster of two worker processes on this machine). On Binder:
# [open in JupyterLab](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=lab/tree/notebooks/12_em_at_scale.ipynb).
# Every number printed below is re-checked by the course's tests.
#
# The article this course follows is a translation from Lin & Dyer's *Data-Intensive Text
# Processing with MapReduce*, whose EM chapter (ch. 6) is about one idea: **one EM
# iteration is one MapReduce job**. The E step is a *map* over the data that emits
# expected sufficient statistics (充分统计量); the M step is a *reduce* that adds them and
# solves in closed form. Nothing else travels over the network. This chapter runs the
# course's own models that way on [Dask](https://www.dask.org), an existing distributed
# engine, and checks that the numbers are exactly those of the in-memory loop.
#
# **Objectives**
# 1. Draw one EM iteration as map and reduce, and say what each model's mappers emit.
# 2. See why the statistics of the parts add up to the statistics of the whole.
# 3. Fit a Gaussian mixture in memory and on a two-worker cluster: the same trace.
# 4. Run Baum–Welch over many sequences, partitioned, and EM on data too large to hold.
# 5. Write the reduce and the M step yourself (with a checker).

# %%
# %matplotlib inline
import dask.array as da
import dask.bag as db
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client, LocalCluster
from sklearn.feature_extraction.text import CountVectorizer

from emlib.corpus import split_documents
from emlib.datasets import load_arxiv_abstracts, load_en_zh_tatoeba
from emlib.display import fmt
from emlib.em import run
from emlib.exercises import EXERCISES
from emlib.gmm import GaussianMixtureModel, GMMParams
from emlib.hmm import CategoricalHMMModel, HMMParams, sample
from emlib.ibm1 import IBMModel1Model, split_corpus
from emlib.kmeans import KMeansModel
from emlib.mixtures import GaussianMixture1D
from emlib.plsa import PLSAModel
from emlib.scale import fit_distributed
from emlib.text import tokenize_pairs
from emlib.views import plotting
from emlib.views.scale import plot_job_seconds, plot_map_reduce

np.set_printoptions(precision=4, suppress=True)
SEED = 12
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## One iteration, one job (Lin & Dyer's picture)
#
# Split the data into P parts, X = X_1 ∪ … ∪ X_P. For a model whose complete-data
# likelihood is in the exponential family, the M step needs the data only through sums
# over the rows, the **expected sufficient statistics**
#
# $$ s \;=\; \sum_{n=1}^{N} \mathbb{E}_{q}\!\left[t(x_n, z_n)\right]
#      \;=\; \sum_{p=1}^{P} \underbrace{\sum_{n \in X_p} \mathbb{E}_{q}\!\left[t(x_n, z_n)\right]}_{s_p}, $$
#
# and a sum over all rows is the sum of the sums over the parts. So a **mapper** p computes
# the E step on its own rows only (q(z_n) needs x_n and θ, nothing else) and emits s_p; the
# **reducer** adds the s_p and runs the M step θ_new = θ(s); θ_new goes back to every mapper
# for the next job. ln p(X | θ), L(q, θ) and KL(q‖p) are sums over rows too, so each mapper
# also emits its share of them and the trace of chapter 07 comes out of the same job.

# %%
fig, ax = plotting.new_figure("wide")
fig.set_size_inches(8.0, 4.4)
plot_map_reduce(ax, n_partitions=4, statistics=("N_k", "Σ_n γ_nk x_n", "S_k"))
plt.show()

# %% [markdown]
# What each model of the course emits (its `expected_statistics`), and the M step on them:
#
# | model (chapter) | a mapper emits s_p | the reducer's M step θ(s) |
# |---|---|---|
# | Gaussian mixture (06) | N_k = Σ γ_nk, Σ γ_nk x_n, the scatter S_k | π_k = N_k/N, μ_k = Σγx/N_k, Σ_k = S_k/N_k |
# | PLSA (08) | expected counts N(z,w) of its documents (and N(d,z) of its own documents) | P(w\|z) ∝ N(z,w), P(z\|d) ∝ N(d,z) |
# | HMM (10) | expected first states, transitions Σ ξ_n(j,k), emissions Σ γ_nk [x_n = m] | normalised rows |
# | IBM Model 1 (11) | expected counts c(e\|f) of each word pair | t(e\|f) = c(e\|f) / Σ_e c(e\|f) |
# | k-Means (05) | counts N_k and sums Σ_{r_n = k} x_n | μ_k = Σ x / N_k |
# | 1-D mixture (07, 09) | Σ q_nk (1, x_n, x_n²) | π_k, μ_k, σ_k² |
#
# The scatter S_k is centred on each part's own mean, so two parts combine with the
# parallel formula S = S_a + S_b + (N_a N_b / N)(m_b − m_a)(m_b − m_a)ᵀ (Chan, Golub &
# LeVeque 1979) rather than by Σ x xᵀ − N m mᵀ, which loses every digit far from the origin
# (chapter 06). A check, on three unequal parts of some 2-D data:

# %%
X = np.concatenate([rng.normal(m, 1.0, (n, 2)) for m, n in (((-3, 0), 500), ((3, 1), 300),
                                                            ((0, 4), 200))]) + 1e6
model = GaussianMixtureModel(3)
params0 = GMMParams(np.full(3, 1 / 3), X[rng.choice(len(X), 3, replace=False)],
                    np.stack([np.eye(2) * 4.0] * 3))
q = model.e_step(X, params0)
whole = model.expected_statistics(X, q)
cuts = [0, 100, 650, len(X)]
parts = [model.expected_statistics(X[a:b], q[a:b]) for a, b in zip(cuts, cuts[1:], strict=False)]
added = parts[0] + parts[1] + parts[2]
print("N_k of the whole:      ", fmt(whole.nk, 3))
print("N_k of the parts added:", fmt(added.nk, 3))
scale = np.abs(whole.scatter).max()
print("scatters agree to 1e-9 of their size (data shifted by 10⁶):",
      bool(np.allclose(added.scatter, whole.scatter, rtol=0, atol=1e-9 * scale)))

# %% [markdown]
# ## The same Gaussian mixture, in memory and on a cluster
#
# `emlib.scale.fit_distributed(model, data, θ⁽⁰⁾, …)` runs exactly this loop on Dask. The
# data can be a `dask.array` of rows (each block of rows one partition), a `dask.bag`, or a
# list of partitions; `client=None` uses Dask's local scheduler, and a `distributed.Client`
# sends the map tasks to its workers. Below: 200 000 rows in 8 partitions, fitted by the
# in-memory loop `emlib.em.run` and on a `LocalCluster` of two worker processes on this
# machine (on a real cluster only the `Client` line changes).

# %%
n_rows = 200_000
centres = np.array([[-3.0, 0.0], [3.0, 1.0], [0.0, 4.0]])
labels = rng.integers(0, 3, n_rows)
X = centres[labels] + rng.normal(size=(n_rows, 2))
params0 = GMMParams(np.full(3, 1 / 3), X[rng.choice(n_rows, 3, replace=False)],
                    np.stack([np.eye(2) * 4.0] * 3))

in_memory = run(model, X, params0, max_iter=15, tol=None)

cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                       dashboard_address=None)
client = Client(cluster)
distributed = fit_distributed(model, da.from_array(X, chunks=(25_000, 2)), params0,
                              max_iter=15, tol=None, client=client)


print(f"{distributed.n_partitions} map tasks per job, "
      f"{len(distributed.records)} records in both traces")
print("ln p after 15 iterations, in memory:", fmt(in_memory.records[-1].log_likelihood, 3))
print("ln p after 15 iterations, cluster:  ", fmt(distributed.records[-1].log_likelihood, 3))
print("every record equal to 1e-10 (relative to ln p):",
      distributed.largest_difference(in_memory) < 1e-10)

# %% [markdown]
# The traces agree to rounding: the cluster adds the partitions' sums in another order
# than one pass over all rows does, which changes the last one or two digits, no more.
# The job times (the first job only evaluates θ⁽⁰⁾):

# %% tags=["nbval-ignore-output"]
print("seconds per job:", fmt(np.array(distributed.seconds), 2))
print(f"what each map task sends: {distributed.statistics_bytes} bytes of statistics")

# %% [markdown]
# ## Baum–Welch over many sequences
#
# An HMM fitted to many sequences (sentences, days, patients) partitions naturally: each
# mapper runs forward–backward over its own sequences and emits expected counts of first
# states, transitions and emissions. Here 300 sequences of a two-state weather chain in a
# `dask.bag` of 6 partitions:

# %%
truth = HMMParams(np.array([0.6, 0.4]), np.array([[0.9, 0.1], [0.2, 0.8]]),
                  np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]))
sequences = [sample(truth, int(rng.integers(20, 60)), rng)[1] for _ in range(300)]
hmm = CategoricalHMMModel(2, 3)
hmm_start = hmm.init_params(hmm.validate_data(sequences), rng)
hmm_memory = run(hmm, sequences, hmm_start, max_iter=20, tol=None)
hmm_cluster = fit_distributed(hmm, db.from_sequence(sequences, npartitions=6), hmm_start,
                              max_iter=20, tol=None, client=client)
print("ln p after 20 iterations:", fmt(hmm_cluster.records[-1].log_likelihood, 3))
print("every record equal to 1e-10 (relative to ln p):",
      hmm_cluster.largest_difference(hmm_memory) < 1e-10)
print("learned transitions:\n", fmt(hmm_cluster.params.trans, 2))

# %% [markdown]
# ## PLSA on the arXiv abstracts, in blocks of documents
#
# PLSA (chapter 08) has a parameter that belongs to one document, P(z|d). Cut the corpus
# into blocks of whole documents (`emlib.corpus.split_documents`): a mapper's E step reads
# only its own documents' rows of P(z|d), and emits their expected counts N(d,z) together
# with its share of N(z,w); the reducer adds the N(z,w) of all blocks (each block's N(d,z)
# simply fills its own rows). The 1 446 abstracts in 4 blocks, K = 4 topics:

# %%
corpus = load_arxiv_abstracts()
counts = CountVectorizer(stop_words="english", min_df=5).fit_transform(corpus.texts)
plsa = PLSAModel(4)
plsa_start = plsa.init_params(plsa.validate_data(counts), rng)
plsa_memory = run(plsa, counts, plsa_start, max_iter=10, tol=None)
plsa_cluster = fit_distributed(plsa, split_documents(counts, 4), plsa_start, max_iter=10,
                               tol=None, client=client)
print(f"{counts.shape[0]} documents × {counts.shape[1]} words in "
      f"{plsa_cluster.n_partitions} blocks")
print("ln p after 10 iterations:", fmt(plsa_cluster.records[-1].log_likelihood, 1))
print("every record equal to 1e-10 (relative to ln p):",
      plsa_cluster.largest_difference(plsa_memory) < 1e-10)

# %% [markdown]
# ## IBM Model 1 on the parallel corpus, and k-Means
#
# IBM Model 1 (chapter 11) is the model Lin & Dyer scale out: a mapper aligns its sentence
# pairs under the current t and emits expected counts c(e|f), one per word pair; the
# reducer adds them and normalises per source word. `emlib.ibm1.split_corpus` cuts the
# 500 Tatoeba pairs into blocks that share one table of word pairs. Hard EM (k-Means,
# chapter 05) reduces counts and sums the same way.

# %%
tatoeba = load_en_zh_tatoeba()
pairs = tokenize_pairs(tatoeba.chinese, tatoeba.english)
ibm1 = IBMModel1Model()
ibm1_start = ibm1.init_params(ibm1.validate_data(pairs), rng)
ibm1_memory = run(ibm1, pairs, ibm1_start, max_iter=10, tol=None)
ibm1_cluster = fit_distributed(ibm1, split_corpus(pairs, 5), ibm1_start, max_iter=10,
                               tol=None, client=client)
print(f"IBM Model 1: {len(pairs)} pairs in {ibm1_cluster.n_partitions} blocks, "
      f"ln p = {fmt(ibm1_cluster.records[-1].log_likelihood, 2)}, every record equal to 1e-10:",
      ibm1_cluster.largest_difference(ibm1_memory) < 1e-10)

kmeans = KMeansModel(3)
X_small = X[:40_000]
kmeans_start = kmeans.init_params(kmeans.validate_data(X_small), rng)
kmeans_memory = run(kmeans, X_small, kmeans_start, max_iter=10, tol=None)
kmeans_cluster = fit_distributed(kmeans, da.from_array(X_small, chunks=(10_000, 2)),
                                 kmeans_start, max_iter=10, tol=None, client=client)
print(f"k-Means: −J = {fmt(kmeans_cluster.records[-1].log_likelihood, 1)}, "
      "every record equal to 1e-10:", kmeans_cluster.largest_difference(kmeans_memory) < 1e-10)

# %% [markdown]
# ## Data too large to hold
#
# The data need not exist anywhere in one piece. Below, each partition of 500 000 rows is
# *generated inside its worker* from its own seed when a job needs it, so the driver never
# holds the data and nothing but θ and the statistics crosses between processes.
# `keep_posteriors=False` makes the workers forget q between jobs (they recompute it from
# θ_old, one more pass): what they hold at any time is one partition. The benchmark
# `python benchmarks/scale.py` does the same with 10⁸ rows (6 GiB) in under 2 GiB.

# %%
ROWS = 500_000


def generated_partition(block_info=None):
    """The rows of one partition, made from its own seed (the same on every run)."""
    index = block_info[None]["chunk-location"][0]
    gen = np.random.default_rng([SEED, index])
    return centres[gen.integers(0, 3, ROWS)] + gen.normal(size=(ROWS, 2))


lazy = da.map_blocks(generated_partition, dtype=float, chunks=((ROWS,) * 8, (2,)))
big = fit_distributed(model, lazy, params0, max_iter=3, tol=None, client=client,
                      keep_posteriors=False)
print(f"{lazy.shape[0]:,} rows in {big.n_partitions} partitions, never in one place")
print("ln p per row after each M step:", fmt(big.column("log_likelihood", "M") / lazy.shape[0],
                                             4))
print("means:\n", fmt(big.params.means, 2))

# %% tags=["nbval-ignore-output"]
import resource  # noqa: E402


def peak_resident_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


peaks = client.run(peak_resident_mib)
print("peak resident memory of each worker (MiB):", {k[-5:]: round(v) for k, v in peaks.items()})
print(f"the data: {lazy.nbytes / 2**20:.0f} MiB")
fig, ax = plotting.new_figure("small")
plot_job_seconds(ax, big, "out of core (recomputing q)")
plot_job_seconds(ax, distributed, "200 000 rows in the workers")
plt.show()

# %%
client.close()
cluster.close()

# %% [markdown]
# ## What changes at internet scale
#
# * **Communication per iteration** is P times the size of s: for a GMM K(1 + D + D²)
#   numbers per mapper whatever N is, so adding data adds mappers, not traffic per mapper.
#   For IBM Model 1, s is a table of word-pair counts: Lin & Dyer spend most of their
#   chapter on making that table fit (sparse counts, partitioned by source word).
# * **Combiners.** Adding statistics inside a machine before sending them is what the tree
#   of additions above does: each + is a combiner.
# * **Stragglers.** A job ends when its slowest mapper ends; one slow machine slows every
#   iteration. Engines re-run slow tasks elsewhere (speculative execution).
# * **One job per iteration** costs a full pass over the data each time. Online EM
#   (chapter 09) is the other answer to big data: one pass, updating θ after every
#   mini-batch, at the price of the step sizes η_t and a noisier θ.
# * **Local parameters.** PLSA's P(z|d) belongs to one document: in a real deployment it
#   lives with the mapper that holds the document and never travels; only P(w|z)'s
#   expected counts are reduced. `fit_distributed` sends the whole θ to every mapper and
#   the blocks' N(d,z) back, which is fine for 1 446 documents, not for a web crawl.
#
# **Questions to try**
# 1. Why is an average of the partitions' M steps (each partition's own μ_k) not the M step
#    of the whole data?
# 2. What is the size of one GMM mapper's message for K = 8, D = 8, and how does it change
#    with N?
# 3. Why can the E step run on each partition alone, but not the M step?
#
# <details><summary>Hints and answers</summary>
#
# 1. μ_k = Σ γ_nk x_n / Σ γ_nk is a ratio of sums; the average of ratios weights every
#    partition equally, whatever its Σ γ_nk. Add the sums first, divide once.
# 2. N_k (8) + Σγx (8·8) + S_k (8·8·8) = 584 numbers, 4.7 KB in float64, the same for any N.
# 3. q(z_n) = p(z_n | x_n, θ) depends on row n and θ only. The M step's θ depends on the
#    statistics of all rows at once.
# </details>

# %% [markdown]
# ## Exercise: write the reduce and the M step
#
# A 1-D Gaussian mixture's mappers each emit a (3, K) array s_p = Σ_n q_nk (1, x_n, x_n²).
# Complete `reduce_and_m_step(partition_statistics)` so that it returns the weights, means
# and variances θ(Σ_p s_p).

# %%
def reduce_and_m_step(partition_statistics):
    # partition_statistics: a list of (3, K) arrays, one per partition
    ...  # your code here: add them, then return (weights, means, variances)


print(EXERCISES["reduce_and_m_step"].check(reduce_and_m_step))

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# def reduce_and_m_step(partition_statistics):
#     s0, s1, s2 = np.sum(partition_statistics, axis=0)   # the reduce
#     means = s1 / s0                                     # the M step
#     return s0 / s0.sum(), means, s2 / s0 - means**2
# ```
#
# `EXERCISES["reduce_and_m_step"].solution` is this function, and it equals
# `GaussianMixture1D(K).params_from_statistics` on the summed statistics.
# </details>

# %%
one_d = GaussianMixture1D(2)
x = np.r_[rng.normal(-2, 1, 300), rng.normal(3, 0.5, 200)]
q1 = one_d.e_step(x, one_d.init_params(x, rng))
stats = [one_d.expected_statistics(x[a:b], q1[a:b]) for a, b in ((0, 120), (120, 500))]
print("the solution equals emlib's M step:",
      np.allclose(EXERCISES["reduce_and_m_step"].solution(stats)[1],
                  one_d.params_from_statistics(sum(stats)).means))

# %% [markdown]
# ## Summary
# * One EM iteration is one map-reduce job: mappers run the E step on their partitions and
#   emit expected sufficient statistics s_p; the reducer adds them and solves θ(s).
# * It works because s, ln p, L and KL are sums over rows; centred scatters add by the
#   parallel formula. Traffic per iteration is P × |s|, independent of N.
# * `emlib.scale.fit_distributed` runs the course's models on Dask (local scheduler or a
#   cluster) and returns the same records as `emlib.em.run`, to rounding.
# * Out of core: partitions generated or read inside the workers, q forgotten between jobs.
#
# ## Notation
# | symbol | meaning |
# |---|---|
# | X | the observed data (观测数据, 样本) |
# | x_n, N | observation n; the number of observations |
# | X_p, s_p, P | partition p of the data, its expected sufficient statistics, the number of partitions (ch. 12) |
# | s, s̄(B), θ(s) | expected sufficient statistics (充分统计量), their batch average, the M step on them |
# | γ_nk | the responsibility (响应度) q(z_n = k) = p(z_n = k \| x_n, θ) (soft) |
# | N_k = Σ_n γ_nk | the effective number of observations of component k |
# | S_k | the weighted scatter Σ_n γ_nk (x_n − μ_k)(x_n − μ_k)ᵀ (ML update: Σ_k = S_k / N_k) |
# | L(q, θ) | the lower bound (证据下界, ELBO) E_q[ln p(X, Z \| θ)] + H(q) ≤ ln p(X \| θ) |
#
# ## Exercises
# 1. Run `fit_distributed` with `client=None` (Dask's threads on this machine) on the
#    200 000 rows above. Is the trace the same?
#
#    <details><summary>Solution</summary>
#
#    Yes: the scheduler changes where the map tasks run, not what they compute; the records
#    equal those of `run` to about 1e-13 relative.
#    </details>
#
# 2. A mapper could send its rows' responsibilities γ_nk instead of s_p. How much larger
#    is that message for 10⁷ rows per mapper and K = 8?
#
#    <details><summary>Solution</summary>
#
#    8·10⁷ numbers (640 MB) instead of 584 (4.7 KB): about 10⁵ times more, and it grows
#    with N. Sufficient statistics are what makes EM scale.
#    </details>
