# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Chapter 05 · k-Means as hard EM (k-Means算法, 硬EM)
#
# **How to run this chapter.** In JupyterLab use *Run → Run All Cells* (or open it on
# Binder and do the same): the widgets only respond once their cells have run in a live
# kernel. On GitHub you see the stored figures and printed numbers, which are exactly what
# the code produces.
#
# **What you will be able to do after this chapter**
#
# 1. write the k-Means objective J and derive its two alternating steps as exact
#    minimisations — and name them E step and M step (硬EM, *hard EM*);
# 2. explain why k-Means always stops (J never increases, finitely many assignments) and why
#    only at a *local* optimum, and fight that with many starts and k-means++ seeding;
# 3. explain how the triangle inequality (Elkan 2003) and a k-d tree (Kanungo et al. 2002)
#    give the *same* answer while computing a small fraction of the distances;
# 4. reproduce scikit-learn's `KMeans` exactly from the same initial centres;
# 5. see k-Means as the limit of a Gaussian mixture whose shared variance shrinks to 0 —
#    the door to chapter 06.
#
# The source slides list k-Means as the first application of EM (EM算法应用：以k-Means为例):
# simple and easy to understand (方法简单，易理解), but stuck in local optima (局部最优解) and
# computationally heavy (计算量大), with three improvements — k-means++ (效果优化),
# triangle-inequality (基于三角不等式的性能优化) and k-d tree speed-ups (基于k-d树的性能优化).
# We build all of them in `emlib/kmeans.py`.

# %%
# %matplotlib inline

import matplotlib.pyplot as plt
import numpy as np

from emlib.datasets import load_old_faithful, make_gaussian_blobs
from emlib.em import run
from emlib.kmeans import (
    KMeans,
    KMeansModel,
    distortion,
    kdtree_filter,
    kmeans_plusplus,
    kmeans_plusplus_steps,
    nearest_centers,
    soft_assignments,
    squared_distances,
    update_centers,
)
from emlib.views import plotting
from emlib.views.kmeans import (
    kmeans_stepper,
    plot_clusters,
    plot_kdtree_filter,
    plot_plusplus_step,
    plot_triangle_bounds,
)

np.set_printoptions(precision=4, suppress=True)
SEED = 5
rng = np.random.default_rng(SEED)

# three blobs in the plane (the stepper's data)
blobs = make_gaussian_blobs(300, means=[[0, 1], [5, -1.5], [5, 2.5]],
                            covariances=np.broadcast_to(0.7 * np.eye(2), (3, 2, 2)), rng=rng)
X = blobs.X
# eight blobs of unequal sizes on a grid (for local optima)
grid = np.array([[i, j] for i in range(3) for j in range(3)])[:-1] * 4.0
sizes = [0.3, 0.3, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05]
X8 = make_gaussian_blobs(800, grid, np.broadcast_to(0.6 * np.eye(2), (8, 2, 2)), sizes,
                         rng=rng).X
print(X.shape, X8.shape)

# %% [markdown]
# ## 1. The objective (目标函数)
#
# Given points $x_1,\dots,x_N\in\mathbb R^D$, k-Means looks for $K$ centres
# $\mu_1,\dots,\mu_K$ and for each point a 1-of-K code $r_n=(r_{n1},\dots,r_{nK})$,
# $r_{nk}\in\{0,1\}$, $\sum_k r_{nk}=1$ ("point $n$ belongs to cluster $k$"), that minimise
# the **distortion**
#
# $$J(\mu, r)=\sum_{n=1}^N\sum_{k=1}^K r_{nk}\,\lVert x_n-\mu_k\rVert^2 .$$
#
# Two kinds of unknowns: the discrete $r$ (which cluster) and the continuous $\mu$ (where).
# Minimising over both at once is hard (NP-hard in general), but minimising over **one kind
# with the other fixed** is easy. That is the whole algorithm (坐标调参法, coordinate descent):
#
# ```
# initialise μ
# loop:  E step: r ← argmin_r J(μ, r)      (each point joins its nearest centre)
#        M step: μ ← argmin_μ J(μ, r)      (each centre moves to the mean of its points)
# ```
#
# ## 2. The two steps, derived
#
# **E step (fix μ).** $J=\sum_n\big(\sum_k r_{nk}\lVert x_n-\mu_k\rVert^2\big)$ is a sum of
# one term per point, and each term only depends on that point's own code $r_n$. So we
# minimise each term separately: put the single 1 where the distance is smallest,
#
# $$r_{nk}=\begin{cases}1 & k=\arg\min_j\lVert x_n-\mu_j\rVert^2\\ 0&\text{otherwise.}\end{cases}$$
#
# **M step (fix r).** $J$ is a sum of convex quadratics, one per centre:
# $J=\sum_k\sum_n r_{nk}\lVert x_n-\mu_k\rVert^2$. Setting the gradient to zero,
#
# $$\frac{\partial J}{\partial\mu_k}=-2\sum_n r_{nk}(x_n-\mu_k)=0\quad\Longrightarrow\quad
# \mu_k=\frac{\sum_n r_{nk}x_n}{\sum_n r_{nk}},$$
#
# the mean of the points of cluster $k$ (if the cluster has points; see §3 for empty ones).
#
# Let us check both on a tiny problem by brute force: all $K^N$ assignments for the E step,
# and the gradient and random nudges for the M step.

# %%
tiny = X[rng.choice(len(X), size=7, replace=False)]
mu = tiny[:2] + 0.3
all_codes = np.array(np.meshgrid(*[[0, 1]] * len(tiny))).reshape(len(tiny), -1).T  # 2^7
brute = min(all_codes, key=lambda r: distortion(tiny, mu, r))
e_step = nearest_centers(tiny, mu)
assert np.array_equal(brute, e_step)
print("E step = brute force over all", len(all_codes), "assignments:", e_step)

m_step = update_centers(tiny, e_step, 2)
gradient = np.array([-2 * ((tiny - m_step[k]) * (e_step == k)[:, None]).sum(axis=0)
                     for k in range(2)])
nudged = [distortion(tiny, m_step + 0.05 * rng.standard_normal(m_step.shape), e_step)
          for _ in range(200)]
print(f"M step: gradient 0 to 1e-12: {bool(np.abs(gradient).max() < 1e-12)}; J at the means = "
      f"{distortion(tiny, m_step, e_step):.4f} < {min(nudged):.4f} (best of 200 nudges)")

# %% [markdown]
# ### The EM vocabulary (硬EM)
#
# | EM (chapters 03–07) | k-Means |
# |---|---|
# | latent variables $Z$ | assignments $r_{nk}$ (which cluster produced $x_n$) |
# | parameters $\theta$ | centres $\mu_k$ |
# | E step: $q(Z)=p(Z\mid X,\theta)$, a distribution | $r_n$ = a *point mass* on the nearest centre ("hard" posterior) |
# | M step: $\theta=\arg\max_\theta \mathbb E_q[\ln p(X,Z\mid\theta)]$ | $\mu=\arg\min_\mu J(\mu,r)$ |
# | objective $\ln p(X\mid\theta)$, never decreases | $-J(\mu, r^*(\mu))$, never decreases |
# | lower bound $\mathcal L(q,\theta)$ | $-J(\mu, r)$ for the current assignment $r$ |
# | gap $\mathrm{KL}(q\Vert p)\ge 0$, zero after E | $J(\mu,r)-J(\mu,r^*(\mu))\ge0$, zero after E |
#
# Here $r^*(\mu)$ is the best assignment for $\mu$ (what the next E step would pick). In
# `emlib` this is `KMeansModel`: an `EMModel` with `objective_name = "−J"`, so the same
# loop, the same stepper and the same plots as every other chapter apply.
#
# **Why it converges.** $J\ge 0$; the E step cannot increase $J$ (it minimises over $r$) and
# neither can the M step (it minimises over $\mu$). There are at most $K^N$ assignments,
# and $J$ strictly drops after every M step that moves a centre (the mean is the *unique*
# minimiser), so no assignment comes back; when the centres stop moving, the next E step
# returns the same labels and the loop stops — after finitely many iterations. **Why only locally.** The stopping point is a point
# where neither coordinate step improves — a fixed point, not the global minimum: another
# start may end at a lower $J$.

# %%
trace = run(KMeansModel(3, init="random"), X, max_iter=50, tol=1e-12, rng=1)
J = -trace.log_likelihoods
assert np.all(np.diff(J) <= 1e-9)                        # J never increases
assert np.all(trace.column("kl", step="E") == 0)         # no gap right after an E step
print("half-steps:", " ".join(r.step for r in trace.records))
print("J(μ, r*) after each M step:", np.round(-trace.column("log_likelihood", "M"), 2))
print("gap J(μ,r) − J(μ,r*) after each M step:", np.round(trace.column("kl", step="M"), 2))
print(f"stopped after {trace.n_iter} iterations (the last one changed nothing)")

# %% [markdown]
# ## 3. Step through it (the stepper)
#
# Points are coloured by their current assignment (grey before the first E step), crosses
# are the centres and the lines their trails through the earlier half-steps. The title
# gives $J(\mu,r)$ for the current assignment and $J(\mu,r^*)$ for the best one; the right
# panel plots $-J$ per half-step (line) and the bound $-J(\mu,r)$ (hollow markers). Undo
# and the slider go back.
#
# **Questions to try**
#
# 1. Press **E step** twice: what changes the second time? Then **M step** twice.
# 2. *A bad start:* in a new cell, build
#    `kmeans_stepper(X, 3, init=np.array([[-0.5, 1], [0.5, 1], [5, 0.5]]))` — two centres
#    in the left blob, one between the right two. Where does it stop, and with what J?
# 3. *K too large:* `kmeans_stepper(X, 6, random_state=0)`. J keeps dropping as K grows — why is
#    J alone no way to choose K?
#
# <details><summary>Hints and answers</summary>
#
# 1. The second **E step** changes nothing: the assignments depend only on the centres, which
#    have not moved. Likewise the second **M step**: the centres are already the means of
#    their points.
# 2. It stops after 6 iterations with J = 1272.07 (a good start reaches J = 415.55): two
#    centres split the left blob, the third sits between the two right blobs at (5.01, 0.58).
#    Neither step can move a centre across: a local optimum.
# 3. With seed 0, J = 415.55 for K = 3, 366.55 for K = 4 and 272.83 for K = 6. More centres
#    can only lower the best J (K = N gives J = 0), so J rewards splitting real clusters; a
#    criterion that pays for K (BIC with a model, chapter 06) or held-out data is needed.
# </details>

# %%
w = kmeans_stepper(X, 3, init="random", random_state=4)
w

# %%
# what one click on E+M shows, on a copy of the stepper (the one above stays at θ⁽⁰⁾)
demo = kmeans_stepper(X, 3, init="random", random_state=4)
demo.buttons["E+M"].click()  # one E step and one M step
print("after one E+M:", demo.summary())
print("its L is −J(μ, r):",
      demo.shown.lower_bound == -distortion(X, demo.shown.params.centers, demo.shown.posterior))

# %% [markdown]
# A bad start leads to a local optimum that k-Means cannot leave: below, two centres start
# in the left blob and one between the two right blobs. Both runs end at a fixed point of
# the two steps, but the right one has a much larger J.

# %%
bad_start = np.array([[-0.5, 1.0], [0.5, 1.0], [5.0, 0.5]])
good = KMeans(3, init=blobs.means, tol=0.0).fit(X)
bad = KMeans(3, init=bad_start, tol=0.0).fit(X)
fig, axes = plotting.new_figure("wide", ncols=2)
for ax, fit, name in ((axes[0], good, "good start"), (axes[1], bad, "bad start")):
    plot_clusters(ax, X, fit.cluster_centers_, fit.labels_, [fit.init_centers_],
                  f"{name}: J = {fit.inertia_:.1f} after {fit.n_iter_} iterations")
plt.show()
print(f"J good = {good.inertia_:.2f}, J bad = {bad.inertia_:.2f}")

# %% [markdown]
# ## 4. Local optima, many starts and k-means++ (效果优化)
#
# The usual remedy is to run from many starts and keep the lowest J. How often does a
# start succeed? On eight blobs of unequal sizes on a grid (30 %, 30 %, 10 %, 10 % and four
# of 5 %) we fit 60 times from *random* starts (K data
# points drawn uniformly) and 60 times from **k-means++** starts (Arthur & Vassilvitskii
# 2007): the first centre is a uniformly drawn point; every next centre is a point drawn
# with probability proportional to $\delta(x)^2$, its squared distance to the nearest centre
# chosen so far. Far-away points, which are likely to belong to a blob without a centre
# yet, are much more likely to be drawn. Arthur & Vassilvitskii prove that this start alone
# (before any Lloyd iteration) is within a log factor of the best clustering in expectation:
#
# $$\mathbb E[J_{\text{k-means++}}] \le 8(\ln K + 2)\,J_{\text{opt}}.$$
#
# (scikit-learn's `"k-means++"` is the *greedy* variant: it draws 2 + ⌊ln K⌋ candidates per
# step and keeps the one that lowers J most; the bound above is for the plain variant.)

# %%
finals = {init: np.array([KMeans(8, init=init, random_state=s).fit(X8).inertia_
                          for s in range(60)]) for init in ("random", "k-means++")}
best = min(v.min() for v in finals.values())
fig, ax = plotting.new_figure("wide")
bins = np.linspace(best * 0.98, max(v.max() for v in finals.values()) * 1.02, 40)
for (init, values), color in zip(finals.items(), plotting.COLORS, strict=False):
    ax.hist(values, bins=bins, alpha=0.6, color=color, label=init)
ax.set_xlabel("final J")
ax.set_ylabel("starts (of 60)")
ax.set_title("final J of 60 starts: many reach the best J, the rest stop at local optima")
ax.legend(frameon=False)
plt.show()
for init, values in finals.items():
    success = np.mean(values < 1.01 * best)
    print(f"{init:>9}: best J {values.min():.2f}, median {np.median(values):.2f}, "
          f"worst {values.max():.2f}; within 1% of the best: {success:.0%} of the starts, "
          f"so the best of 10 starts succeeds with probability {1 - (1 - success) ** 10:.0%}")

# %% [markdown]
# The D² sampling step by step on the same data: each panel is one draw; colour and size
# show the probability of each point, black crosses are the centres already chosen, the
# star is the point drawn.

# %%
draws = kmeans_plusplus_steps(X8, 8, rng=3)
fig, axes = plotting.new_figure("wide", ncols=3)
for ax, step in zip(axes, draws[1:4], strict=True):
    plot_plusplus_step(ax, X8, step)
plt.show()
d2 = draws[2].d2
assert np.allclose(d2, squared_distances(X8, draws[1].centers).min(axis=1))
print("probability of the point drawn at draws 2–8:",
      [f"{s.probabilities[s.chosen]:.4f}" for s in draws[1:]])
print(f"(a uniform draw would give each point {1 / len(X8):.4f})")

# %% [markdown]
# ## 5. Empty clusters
#
# If a centre ends up with no point (a bad start, or K too large), the mean is undefined.
# `emlib` re-seeds such a centre at the data point **farthest from its own cluster's mean**
# — the point contributing most to J. This keeps the laws: $J(\mu, r)$ does not depend on
# an empty centre, so any position minimises it, and the next E step can only lower J
# (that point's distance drops to 0). scikit-learn does almost the same (it uses the
# distances to the *old* centres and moves the donor cluster's centre too).

# %%
far_init = np.vstack([X[:2], [[30.0, 30.0]]])
labels0 = nearest_centers(X, far_init)
print("points per cluster after the first E step:", np.bincount(labels0, minlength=3))
reseeded = update_centers(X, labels0, 3)
print("re-seeded centre of the empty cluster:", reseeded[2])
fit = KMeans(3, init=far_init, tol=0.0).fit(X)
print(f"final J = {fit.inertia_:.2f} (good start: {good.inertia_:.2f}), "
      f"clusters re-seeded: {fit.n_empty_reseeded_}")

# %% [markdown]
# ## 6. Computing fewer distances (性能优化)
#
# Each E step of Lloyd's algorithm computes all $N\cdot K$ point–centre distances. After
# the first few iterations most points keep their centre, and most of those distances are
# wasted. Two exact speed-ups skip them **without changing the result**.
#
# ### 6.1 The triangle inequality (Elkan 2003)
#
# For a point $x$ with centre $a$ and another centre $c$:
#
# * **Lemma 1.** If $\lVert a-c\rVert\ge 2\lVert x-a\rVert$ then $\lVert x-c\rVert\ge\lVert x-a\rVert$.
#   Proof: $\lVert x-c\rVert\ge\lVert a-c\rVert-\lVert x-a\rVert\ge 2\lVert x-a\rVert-\lVert x-a\rVert$.
# * **Lemma 2.** $\lVert x-c\rVert\ge\max\{0,\lVert x-c_{\text{old}}\rVert-\lVert c-c_{\text{old}}\rVert\}$:
#   a lower bound survives a move of the centre by $\delta(c)=\lVert c-c_{\text{old}}\rVert$.
#
# Elkan keeps for every point an upper bound $u(x)\ge\lVert x-\mu_{a(x)}\rVert$ and lower
# bounds $l(x,c)\le\lVert x-\mu_c\rVert$. Centre $c$ is skipped whenever
# $u(x)\le l(x,c)$ or $u(x)\le\frac12\lVert\mu_{a(x)}-\mu_c\rVert$; a point with
# $u(x)\le\frac12\min_{c\ne a}\lVert\mu_a-\mu_c\rVert$ is skipped altogether. After the
# M step the bounds are moved, not recomputed: $u\leftarrow u+\delta(a)$,
# $l\leftarrow\max(0,l-\delta(c))$. Only $K^2/2$ centre–centre distances are needed.

# %%
fig, axes = plotting.new_figure("wide", ncols=2)
plot_triangle_bounds(axes)
plt.show()
# the two lemmas on random points
p = rng.standard_normal((10_000, 3, 2))            # rows of (x, a, c)
x_, a_, c_ = p[:, 0], p[:, 1], p[:, 2]
d_xa, d_xc, d_ac = (np.linalg.norm(u - v, axis=1) for u, v in ((x_, a_), (x_, c_), (a_, c_)))
assert np.all(d_xc[d_ac >= 2 * d_xa] >= d_xa[d_ac >= 2 * d_xa])
c_old = c_ + 0.3 * rng.standard_normal(c_.shape)
assert np.all(d_xc >= np.linalg.norm(x_ - c_old, axis=1) - np.linalg.norm(c_ - c_old, axis=1)
              - 1e-12)
print(f"lemma 1 applied to {np.mean(d_ac >= 2 * d_xa):.1%} of 10000 random triples; "
      "both lemmas hold on all of them")

# %% [markdown]
# ### 6.2 A k-d tree (Kanungo et al. 2002)
#
# Build once a k-d tree over the points: each node is a box holding a set of points,
# split at the median of its widest side. In each E step, walk the tree with a set of
# *candidate* centres. At a box, take the candidate $z^*$ nearest to the box's midpoint.
# Another candidate $z$ is farther than $z^*$ from **every** point of the box if it is so
# at the box corner $v$ that lies farthest in the direction $z-z^*$; such $z$ is dropped
# for the whole subtree. When one candidate is left, every point of the box gets it without
# any distance; only at leaves with several candidates are distances computed. Below:
# coloured boxes were settled without computing any distance, hatched leaves were not.

# %%
final8 = KMeans(8, init=grid, tol=0.0).fit(X8)  # started at the true means
filtered = kdtree_filter(X8, final8.cluster_centers_, leaf_size=16)
assert np.array_equal(filtered.labels, final8.labels_)
fig, ax = plotting.new_figure("square")
plot_kdtree_filter(ax, X8, final8.cluster_centers_, filtered)
plt.show()
print(f"{filtered.tree.n_nodes} nodes, {filtered.tree.n_leaves} leaves; "
      f"{filtered.n_distance_evaluations} of {len(X8) * 8} distances, "
      f"{filtered.n_pruning_tests} centre–box tests")

# %% [markdown]
# ### 6.3 Same answer, fewer distances
#
# From the same initial centres the three algorithms give the same labels, the same
# centres (bit for bit: they share the M step) and the same number of iterations. What
# differs is the number of point–centre distances each E step computes:

# %%
big = make_gaussian_blobs(10_000, rng.uniform(-10, 10, size=(12, 4)), rng=rng).X
start = kmeans_plusplus(big, 12, rng=SEED)
fits = {a: KMeans(12, init=start, algorithm=a, tol=0.0).fit(big)
        for a in ("lloyd", "elkan", "kdtree")}
fig, ax = plotting.new_figure("wide")
for (a, fit), color in zip(fits.items(), plotting.COLORS, strict=False):
    ax.semilogy(np.arange(1, len(fit.distance_evaluations_per_step_) + 1),
                fit.distance_evaluations_per_step_, "o-", ms=3, color=color, label=a)
ax.set_xlabel("E step")
ax.set_ylabel("distances computed")
ax.set_title("N = 10 000, D = 4, K = 12: distances per E step")
ax.legend(frameon=False)
plt.show()
for a, fit in fits.items():
    print(f"{a:>6}: {fit.n_iter_} iterations, J = {fit.inertia_:.3f}, "
          f"distances {fit.n_distance_evaluations_:>9,} "
          f"({fit.n_distance_evaluations_ / fits['lloyd'].n_distance_evaluations_:.1%})")

# %% [markdown]
# Growing N and K (data: K Gaussian blobs in D = 4, the same k-means++ start for all three;
# `tests/test_kmeans_scaling.py` recomputes these counts and checks the shares):
#
# | N | K | iterations | Lloyd's distances | Elkan | k-d tree |
# |---|---|---|---|---|---|
# | 2 000 | 4 | 3 | 24 000 | 23.7 % | 9.1 % |
# | 2 000 | 16 | 16 | 512 000 | 3.1 % | 13.4 % |
# | 10 000 | 4 | 5 | 200 000 | 26.1 % | 8.0 % |
# | 10 000 | 16 | 24 | 3 840 000 | 2.2 % | 3.0 % |
#
# The more clusters, the more distances the bounds and the tree can skip: with K = 16 both
# compute a few percent of Lloyd's.

# %% [markdown]
# In numpy, skipping distances is not automatically faster: Lloyd's E step is one matrix
# product, while Elkan's and the tree's bookkeeping are many small array operations. On
# large data (N·K ≥ 10⁶) `emlib` runs Lloyd's and Elkan's E steps as compiled loops
# (Numba) beside these numpy ones, which are tested to give the same labels. The
# benchmark `benchmarks/bench_kmeans.py` (N = 200 000, D = 8, K = 16, same data, same
# initial centres, 30 iterations through the course's one EM loop `run`, one process;
# `python benchmarks/run.py kmeans`) measured on a shared, busy 2-core machine (times vary
# by tens of percent between runs; the distance counts do not):
#
# | algorithm (N = 200 000, D = 8, K = 16, 30 iterations) | time ratio (median of 4 runs) | distances computed |
# |---|---|---|
# | Lloyd vs `KMeans(algorithm="lloyd")` | 0.60 (0.44–0.76) | 99 200 000 (100 %) |
# | Elkan vs `KMeans(algorithm="elkan")` | 0.78 (0.68–0.88) | 2 596 851 (2.6 %) |
# | k-d tree (incl. building it, numpy) vs `KMeans(algorithm="elkan")` | 2.5 (1.8–2.8) | 5 378 045 (5.4 %) |
#
# All three end at scikit-learn's centres to 4·10⁻¹⁴. Lloyd computes every distance, 31
# E steps × N·K (the last E step gives the final labels); Elkan and the tree compute 2.6 %
# and 5.4 % of that. The tree's walk stays in numpy and pays for its bookkeeping in
# Python-level array operations.
#
# ## 7. The same centres as scikit-learn
#
# From the same initial centres, `sklearn.cluster.KMeans` (`n_init=1`, `tol=0`) reaches
# the same centres, labels, inertia and number of iterations — on the blobs and on a real
# data set, the Old Faithful eruptions (standardised: k-Means uses plain Euclidean
# distance, so the waiting time, 43–96 minutes, would otherwise outweigh the eruption
# length, 1.6–5.1 minutes).

# %%
from sklearn.cluster import KMeans as SKKMeans  # noqa: E402

faithful, columns = load_old_faithful()
Z = (faithful - faithful.mean(axis=0)) / faithful.std(axis=0)
for name, data, k in (("blobs", X, 3), ("eight blobs", X8, 8), ("Old Faithful", Z, 2)):
    init = kmeans_plusplus(data, k, rng=SEED)
    ours = KMeans(k, init=init, tol=0.0).fit(data)
    ref = SKKMeans(n_clusters=k, init=init, n_init=1, tol=0.0).fit(data)
    gap = np.abs(ours.cluster_centers_ - ref.cluster_centers_).max()
    assert gap < 1e-8 and np.array_equal(ours.labels_, ref.labels_)
    print(f"{name:>12}: J = {ours.inertia_:.6f} (sklearn {ref.inertia_:.6f}), "
          f"iterations {ours.n_iter_} ({ref.n_iter_}), max centre difference < 1e-8")

fig, ax = plotting.new_figure("small")
fit = KMeans(2, init="k-means++", random_state=SEED).fit(Z)
plot_clusters(ax, Z, fit.cluster_centers_, fit.labels_,
              title=f"Old Faithful (standardised), K = 2: J = {fit.inertia_:.1f}")
ax.set_xlabel(f"{columns[0]} (standardised)")
ax.set_ylabel(f"{columns[1]} (standardised)")
plt.show()

# %% [markdown]
# ## 8. k-Means as the limit of a Gaussian mixture (→ chapter 06)
#
# Take a mixture of K Gaussians with equal weights and one shared covariance $\sigma^2 I$.
# Its E step gives *soft* responsibilities
#
# $$\gamma_{nk}=\frac{\exp(-\lVert x_n-\mu_k\rVert^2/2\sigma^2)}{\sum_j\exp(-\lVert x_n-\mu_j\rVert^2/2\sigma^2)},$$
#
# and its M step for the means is the weighted mean $\mu_k=\sum_n\gamma_{nk}x_n/\sum_n\gamma_{nk}$.
# As $\sigma^2\to0$ the largest exponent wins: $\gamma_{nk}\to r_{nk}$, and both steps
# become those of k-Means. Below, each point's colour mixes the cluster colours by
# $\gamma_{nk}$; the boundaries harden as $\sigma^2$ shrinks.

# %%
centres = good.cluster_centers_
palette = np.array([[0.0, 0.45, 0.70], [0.90, 0.62, 0.0], [0.0, 0.62, 0.45]])
fig, axes = plotting.new_figure("wide", ncols=3)
for ax, variance in zip(axes, (4.0, 1.0, 0.05), strict=True):
    gamma = soft_assignments(X, centres, variance)
    ax.scatter(X[:, 0], X[:, 1], s=8, c=gamma @ palette)
    ax.scatter(centres[:, 0], centres[:, 1], marker="X", s=100, c=palette, edgecolors="black")
    ax.set_title(f"σ² = {variance}")
    ax.set_aspect("equal", adjustable="datalim")
plt.show()
hard = np.eye(3)[nearest_centers(X, centres)]
for variance in (4.0, 1.0, 0.05, 0.001):
    gamma = soft_assignments(X, centres, variance)
    soft_means = (gamma.T @ X) / gamma.sum(axis=0)[:, None]
    print(f"σ² = {variance:<6}: max |γ − r| = {np.abs(gamma - hard).max():.4f}, "
          f"max |soft M step − k-Means M step| = "
          f"{np.abs(soft_means - update_centers(X, hard.argmax(1), 3)).max():.4f}")

# %% [markdown]
# Chapter 06 lets σ², the weights and whole covariance matrices be learned too: the
# Gaussian mixture model, whose EM is the soft version of what we did here.

# %% [markdown]
# ## Your turn: one Lloyd iteration (练习)
#
# Write lloyd_step(X, centres): assign each point to its nearest centre, then move every centre to the mean of its points. Replace `...` by your code and run the cell: `check` runs your function on a
# few small cases and tells you which quantity is wrong, on which case and by how much.
# The module docstring of `emlib.exercises.ch05_kmeans` has the formulas.

# %%
from emlib.exercises import EXERCISES  # noqa: E402


def lloyd_step(X, centres):
    """The new (K, D) centres: nearest-centre labels, then means."""
    ...  # your code here


print(EXERCISES["lloyd_step"].check(lloyd_step))

# %% [markdown]
# <details><summary>Hints</summary>
#
# * Nearest means argmin of the distance, not argmax.
# * Divide the sum of a cluster's points by its size.
# * A cluster with no points keeps its old centre (no 0/0).
# </details>
#
# <details><summary>Solution</summary>
#
# ```python
# import numpy as np
#
# def lloyd_step(X: np.ndarray, centres: np.ndarray) -> np.ndarray:
#     """The new (K, D) centres after assigning each row of ``X`` to its nearest centre."""
#     X, centres = np.asarray(X, dtype=float), np.asarray(centres, dtype=float)
#     distances = ((X[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)   # (N, K)
#     labels = distances.argmin(axis=1)
#     new = centres.copy()
#     for k in range(len(centres)):
#         members = X[labels == k]
#         if len(members):                   # an empty cluster keeps its old centre
#             new[k] = members.mean(axis=0)
#     return new
# ```
# </details>

# %% [markdown]
# ## Summary
#
# * k-Means minimises $J=\sum_n\sum_k r_{nk}\lVert x_n-\mu_k\rVert^2$ by coordinate descent:
#   the E step assigns every point to its nearest centre, the M step moves every centre to
#   the mean of its points. It is hard EM: the "posterior" is a point mass.
# * J never increases and the assignments cannot cycle, so k-Means stops after finitely
#   many iterations — at a local optimum that depends on the start. Many starts and
#   k-means++ seeding ($D^2$ sampling) make good optima far more likely.
# * Elkan's triangle-inequality bounds and Kanungo's k-d tree filtering return exactly
#   Lloyd's result while computing a small fraction of its distances.
# * With a shared variance σ² → 0, a Gaussian mixture's EM becomes k-Means.
#
# ## Notation
#
# | symbol | meaning | in `emlib` |
# |---|---|---|
# | x_n, N | data point, number of points | `X` (N×D) |
# | D | the dimension of one observation | `X.shape[1]` |
# | K | number of clusters | `n_clusters` |
# | μ_k, Σ_k | centre μ_k of cluster k (Σ_k only in the GMM limit) | `KMeansParams.centers`, `cluster_centers_` |
# | r_nk | a hard assignment: 1 if observation n is in cluster k, else 0 (k-Means) | `KMeansAssignment.labels` (the posterior), `labels_` |
# | J(μ, r) | the k-Means distortion Σ_n Σ_k r_nk ‖x_n − μ_k‖² | `distortion`, `inertia_`, −`log_likelihood` |
# | r*(μ) | the best assignment for centres μ | `nearest_centers` |
# | δ(x) | the distance of x to the nearest centre chosen so far (k-means++) | `PlusPlusStep.d2` = δ² |
# | u(x), l(x, c) | Elkan's upper and lower distance bounds | `KMeansAssignment.state` (`algorithm="elkan"`) |
# | γ_nk | soft responsibility of a GMM with variance σ² | `soft_assignments` |
# | σ², σ_k² | a variance (1-D, or the shared σ²I of k-Means as a GMM) | `variance` |
#
# ## Exercises
#
# 1. Show that the M step can only lower $J(\mu,r)$ for fixed $r$, even when a cluster is
#    empty and its centre is re-seeded.
#
# <details><summary>Solution</summary>
#
# For a non-empty cluster, $\sum_n r_{nk}\lVert x_n-\mu_k\rVert^2$ is a strictly convex
# quadratic in $\mu_k$ with its unique minimum at the mean, so replacing $\mu_k$ by the mean
# cannot increase it. An empty cluster contributes 0 whatever its centre, so moving it
# changes nothing in $J(\mu,r)$; the following E step can only lower $J$ further.
# </details>
#
# 2. The loop stops when the labels do not change. Why can it not run forever, and give an
#    upper bound for the number of iterations?
#
# <details><summary>Solution</summary>
#
# The M step's means are the *unique* minimiser of $J(\cdot, r)$. So either the centres
# move and $J$ drops strictly, or they stay, and then the next E step (a function of the
# centres) returns the same labels and the loop stops. Hence the values of $J$ after the
# M steps strictly decrease; each is determined by the assignment, so no assignment can
# come back, and there are at most $K^N$ of them. (In practice a few dozen iterations
# suffice; the worst case is exponential in N.)
# </details>
#
# 3. Show that $\frac12\min_{c\ne a}\lVert\mu_a-\mu_c\rVert\ge u(x)$ implies that no centre is
#    nearer to $x$ than $\mu_a$.
#
# <details><summary>Solution</summary>
#
# For every $c\ne a$: $\lVert x-\mu_c\rVert\ge\lVert\mu_a-\mu_c\rVert-\lVert x-\mu_a\rVert
# \ge 2u(x)-u(x)=u(x)\ge\lVert x-\mu_a\rVert$ (Lemma 1 with the bound $u$ in place of the
# distance).
# </details>
#
# 4. Replace the squared Euclidean distance by the L1 distance $\sum_d|x_{nd}-\mu_{kd}|$.
#    What do the E step and the M step become?
#
# <details><summary>Solution</summary>
#
# The E step still assigns each point to its nearest centre, now in L1. The M step
# minimises $\sum_{n\in k}|x_{nd}-\mu_{kd}|$ for each coordinate separately: the minimiser
# is the **median** of the cluster's coordinates — this is k-medians.
# </details>
#
# 5. Run `kmeans_stepper(X, 6, random_state=0)` until it converges and compare its J with K = 3.
#    Why does J keep dropping with K, and what would you use to choose K?
#
# <details><summary>Solution</summary>
#
# The best J for K+1 centres is at most the best for K (put the extra centre on any data
# point), and J = 0 for K = N. J measures fit, not the number of clusters; choosing K needs
# a penalty or a probabilistic model (for example the BIC of the Gaussian mixture of
# chapter 06), held-out data, or the "elbow" where J stops dropping fast.
# </details>
