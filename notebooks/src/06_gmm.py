# %% [markdown]
# # 06 · Gaussian mixtures by soft EM (高斯混合模型, GMM)
#
# **How to run.** `Run ▸ Run All Cells` (a few seconds), or on Binder
# [in JupyterLab](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=lab/tree/notebooks/06_gmm.ipynb)
# or [as an app](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=voila/render/notebooks/06_gmm.ipynb).
# The buttons come alive only after the notebook has run.
#
# The slides' example of EM is the **Gaussian mixture model** (GMM: 高斯混合模型 or
# 混合高斯模型). It is at once
# * a **mixture model** (一种混合模型): K Gaussian "bumps" with weights;
# * a **density estimator** (一种概率密度估计模型): p(x) for any x;
# * a **graphical model** (一种图模型): a hidden class z points to the observed x;
# * and a **clustering** method (也可以做聚类): the **soft EM** (Soft-EM算法) counterpart of
#   k-Means, which gives each point a probability per cluster instead of one label.
#
# **Objectives.** After this chapter you can
# 1. tell the generative story of a GMM and sample from one;
# 2. derive the E step (the responsibility) and every M-step update (N_k, μ_k, Σ_k, π_k with
#    a Lagrange multiplier), and check each one numerically;
# 3. step EM by hand on real data (Old Faithful) and on synthetic data, and recognise a
#    collapsing component and a bad start;
# 4. choose the covariance type and the number of components K (BIC);
# 5. reproduce scikit-learn's `GaussianMixture` exactly, and see k-Means as the
#    small-variance limit of the GMM.

# %%
# %matplotlib inline
import warnings

import matplotlib.pyplot as plt
import numpy as np

from emlib.datasets import load_old_faithful, make_gaussian_blobs
from emlib.em import run
from emlib.gmm import ComponentCollapseWarning, GaussianMixture, GaussianMixtureModel, GMMParams
from emlib.prereq import gaussian_logpdf, logsumexp
from emlib.views import plotting
from emlib.views.gmm import draw_gmm, gmm_stepper

np.set_printoptions(precision=4, suppress=True)
SEED = 0
rng = np.random.default_rng(SEED)

raw, columns = load_old_faithful()
X = (raw - raw.mean(0)) / raw.std(0)  # standardised: both columns in units of their sd
print(columns, X.shape)

# %% [markdown]
# ## From k-Means to soft assignments (从 k-Means 到软分配)
#
# Old Faithful's eruptions (272 of them: eruption length and waiting time, in minutes) fall
# into two groups. k-Means (chapter 05) gives every point **one** label: hard EM. A GMM gives
# every point a **probability of belonging to each cluster**, γ_nk: soft EM. Points deep in
# a cluster get γ ≈ 1; points between the clusters get something in between, and they say so.

# %%
gm = GaussianMixture(2, random_state=SEED, tol=1e-8, max_iter=200).fit(X)
gamma = gm.predict_proba(X)
between = np.argsort(np.abs(gamma[:, 0] - 0.5))[:3]  # the three most undecided eruptions
for n in between:
    print(f"eruption {n:3d}: {raw[n, 0]:.1f} min, waited {raw[n, 1]:.0f} min -> "
          f"gamma = {np.round(gamma[n], 3)}")
print("points with max gamma > 0.99:", int((gamma.max(1) > 0.99).sum()), "of", len(X))

fig, (ax1, ax2) = plotting.new_figure("wide", ncols=2)
hard = np.eye(2)[gamma.argmax(1)]
draw_gmm(ax1, X, gm.params_, hard, title="hard: one label per point (k-Means)")
draw_gmm(ax2, X, gm.params_, gamma, title="soft: colour = blend by γ (GMM)")
ax2.scatter(X[between, 0], X[between, 1], s=90, facecolors="none", edgecolors="black",
            label="the three most undecided")
ax2.legend(loc="upper left", frameon=False)
for ax in (ax1, ax2):
    ax.set_xlabel("eruption (sd units)")
ax1.set_ylabel("waiting (sd units)")
plt.show()

# %% [markdown]
# ## The generative story (生成过程)
#
# A GMM with K components has parameters θ = (π, μ, Σ): weights π_k, means μ_k and
# covariances Σ_k. The weights obey two **constraints** (约束条件):
#
# $$(1)\quad 0 \le \pi_k \le 1, \qquad\qquad (2)\quad \sum_{k=1}^K \pi_k = 1 .$$
#
# The slides introduce a hidden variable **z**, a K-dimensional **1-of-K** vector (1-of-K编码):
# exactly one entry z_k is 1, the others 0. The story that produces one point:
#
# 1. pick a component: $p(z_k = 1) = \pi_k$, i.e. $p(\mathbf z) = \prod_k \pi_k^{z_k}$;
# 2. draw the point from it: $p(\mathbf x \mid z_k = 1) = \mathcal N(\mathbf x \mid \mu_k, \Sigma_k)$,
#    i.e. $p(\mathbf x \mid \mathbf z) = \prod_k \mathcal N(\mathbf x \mid \mu_k, \Sigma_k)^{z_k}$.
#
# Summing z out gives the mixture density
# $p(\mathbf x) = \sum_{\mathbf z} p(\mathbf z)\, p(\mathbf x \mid \mathbf z) = \sum_k \pi_k\, \mathcal N(\mathbf x \mid \mu_k, \Sigma_k)$.
# As a graphical model: z → x, repeated N times (a plate). Let us run the story.

# %%
true = GMMParams(weights=[0.5, 0.3, 0.2],
                 means=[[0.0, 0.0], [3.0, 3.0], [4.0, -1.0]],
                 covariances=[[[1.0, 0.6], [0.6, 1.0]], [[0.5, 0.0], [0.0, 0.5]],
                              [[0.3, -0.2], [-0.2, 0.8]]])
blobs = make_gaussian_blobs(600, true.means, true.covariances, true.weights, rng=rng)
Y = blobs.X
freq = np.bincount(blobs.labels, minlength=3) / len(Y)
print("share of each z:", np.round(freq, 3), " (π =", true.weights, ")")
for k in range(3):
    print(f"component {k}: sample mean {np.round(Y[blobs.labels == k].mean(0), 2)}, "
          f"μ = {true.means[k]}")
assert np.allclose(freq, true.weights, atol=0.05)

fig, ax = plotting.new_figure("square")
draw_gmm(ax, Y, true, np.eye(3)[blobs.labels], title="600 draws, coloured by their z")
plt.show()

# %% [markdown]
# ## The responsibility P(z | x): "a very important number" (很重要的一个数)
#
# We observe x but not z. Bayes' rule (chapter 01) gives the posterior of z, called the
# **responsibility** of component k for point n:
#
# $$\gamma(z_{nk}) \equiv p(z_k = 1 \mid \mathbf x_n)
#   = \frac{p(z_k=1)\, p(\mathbf x_n \mid z_k = 1)}{\sum_j p(z_j=1)\, p(\mathbf x_n \mid z_j=1)}
#   = \frac{\pi_k\, \mathcal N(\mathbf x_n \mid \mu_k, \Sigma_k)}{\sum_j \pi_j\, \mathcal N(\mathbf x_n \mid \mu_j, \Sigma_j)} .$$
#
# π_k is the prior of z_k = 1; γ(z_nk) its posterior after seeing x_n. Computing it **is the
# E step**. In code it is done in log space: the table ln π_k + ln N(x_n|μ_k,Σ_k) minus its
# log-sum-exp over k, so that a point far from every component (whose densities all
# underflow to 0) still gets a proper γ. Check against the formula, term by term:

# %%
model = GaussianMixtureModel(3, "full")
theta = GaussianMixture(3, random_state=1, max_iter=0).initial_params(Y)  # some θ
log_joint = np.stack([np.log(theta.weights[k]) + gaussian_logpdf(Y, theta.means[k],
                                                                 theta.covariances[k])
                      for k in range(3)], axis=1)
gamma_by_hand = np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))
gamma_emlib = model.e_step(Y, theta)
print("max |γ_emlib − γ_formula| < 1e-12:", bool(np.abs(gamma_emlib - gamma_by_hand).max() < 1e-12))
print("rows sum to 1:", bool(np.allclose(gamma_emlib.sum(1), 1)))
far = np.array([[100.0, -100.0]])
print("a point at (100, −100): π_k N(x|μ_k,Σ_k) =", np.exp(model.log_joint(far, theta))[0],
      "(all underflow), yet γ =", np.round(model.e_step(far, theta)[0], 3))
assert np.allclose(gamma_emlib, gamma_by_hand, atol=1e-12)

# %% [markdown]
# ## The objective: the log-likelihood (优化目标函数 log-likelihood)
#
# For N independent points
#
# $$\ln p(\mathbf X \mid \pi, \mu, \Sigma) = \sum_{n=1}^N \ln \Big\{ \sum_{k=1}^K \pi_k\, \mathcal N(\mathbf x_n \mid \mu_k, \Sigma_k) \Big\}.$$
#
# The sum sits **inside** the logarithm: no closed form for the maximum. EM's way around it
# (chapter 07): fix γ, maximise the expected complete-data log-likelihood
# $Q = \sum_n \sum_k \gamma_{nk} \{\ln \pi_k + \ln \mathcal N(\mathbf x_n \mid \mu_k, \Sigma_k)\}$, whose
# logarithm acts on one Gaussian at a time. Check the log-likelihood first:

# %%
ll_formula = logsumexp(log_joint, axis=1).sum()
print(f"ln p(X|θ): formula {ll_formula:.6f}, emlib {model.log_likelihood(Y, theta):.6f}")
assert np.isclose(ll_formula, model.log_likelihood(Y, theta), rtol=1e-12)

# %% [markdown]
# ## The M step, derived (M步的推导)
#
# **Means (对 μ_k 求偏导).** Setting the derivative of ln p(X|θ) with respect to μ_k to zero,
# with γ held fixed,
#
# $$0 = \sum_{n=1}^N \underbrace{\frac{\pi_k \mathcal N(\mathbf x_n \mid \mu_k, \Sigma_k)}{\sum_j \pi_j \mathcal N(\mathbf x_n \mid \mu_j, \Sigma_j)}}_{\gamma(z_{nk})} \Sigma_k^{-1} (\mathbf x_n - \mu_k)$$
#
# and multiplying by Σ_k (进一步化简得到):
#
# $$\mu_k = \frac{1}{N_k} \sum_{n=1}^N \gamma(z_{nk})\, \mathbf x_n, \qquad N_k = \sum_{n=1}^N \gamma(z_{nk}) \quad (\text{其中 } N_k \text{ 是 the effective number of points of } k).$$
#
# The check: take γ from an E step, compute the M step's answer θ_new, and differentiate the
# bound L(γ, θ) = Q(θ) + H(γ) numerically at θ_new (central differences). With γ fixed the
# gradient in μ must vanish; the gradient of ln p itself (where γ moves with θ) need not.

# %%
exact = GaussianMixtureModel(3, "full", reg_covar=0.0)  # the plain MLE updates
q = exact.e_step(Y, theta)
new = exact.m_step(Y, q)
nk = q.sum(0)
assert np.allclose(new.means, q.T @ Y / nk[:, None])


def with_means(p, means):
    return GMMParams(p.weights, means, p.covariances)


def gradient_means(f, p, h=1e-5):
    """Central differences of f(θ) in every entry of the means."""
    g = np.zeros_like(p.means)
    for idx in np.ndindex(*p.means.shape):
        step = np.zeros_like(p.means)
        step[idx] = h
        g[idx] = (f(with_means(p, p.means + step)) - f(with_means(p, p.means - step))) / (2 * h)
    return g


grad_bound = gradient_means(lambda p: exact.lower_bound(Y, q, p), new)
grad_loglik = gradient_means(lambda p: exact.log_likelihood(Y, p), new)
print("N_k =", np.round(nk, 2))
print("∂L(γ,θ)/∂μ at the M step's answer: max |.| < 1e-5:", bool(np.abs(grad_bound).max() < 1e-5))
print("∂ln p(X|θ)/∂μ at the same θ:       ", f"max |.| = {np.abs(grad_loglik).max():.2f}")
assert np.abs(grad_bound).max() < 1e-5 and np.abs(grad_loglik).max() > 0.1

# %% [markdown]
# **Covariances (对 Σ_k 求偏导).** With γ fixed, the terms of the bound that contain Σ_k
# are those of component k in Q:
#
# $$\sum_{n=1}^N \gamma(z_{nk})\Big[-\tfrac12\ln\lvert\Sigma_k\rvert - \tfrac12(\mathbf x_n-\mu_k)^\top\Sigma_k^{-1}(\mathbf x_n-\mu_k)\Big] + \text{const}.$$
#
# Write it in the precision Λ_k = Σ_k⁻¹. A scalar is its own trace and
# tr(aᵀΛa) = tr(Λ a aᵀ), so with the weighted **scatter**
# S_k = Σ_n γ(z_nk)(x_n − μ_k)(x_n − μ_k)ᵀ the terms read
#
# $$\frac{N_k}{2}\ln\lvert\Lambda_k\rvert - \frac12\operatorname{tr}(\Lambda_k S_k).$$
#
# Two matrix-calculus facts (for symmetric Λ): ∂ ln|Λ|/∂Λ = Λ⁻¹ and ∂ tr(ΛS)/∂Λ = S. The
# derivative is N_k Λ_k⁻¹/2 − S_k/2; setting it to zero,
#
# $$\Sigma_k = \Lambda_k^{-1} = \frac{S_k}{N_k} = \frac{1}{N_k} \sum_{n=1}^N \gamma(z_{nk})\, (\mathbf x_n - \mu_k)(\mathbf x_n - \mu_k)^\top .$$
#
# It is a maximum: ln|Λ| is concave in Λ and the trace is linear, so the function is
# concave. μ_k inside S_k is the **new** mean: the mean's update above does not involve
# Σ_k, so both conditions hold together. (With one point, or all of a component's points
# on a line, S_k is singular and there is no maximum — the collapse further below.)
#
# Check: move one symmetric pair of entries of Σ_k by ±h and watch L(γ, θ) — it is flat at
# the answer (the derivative vanishes) and curves downwards (a maximum).

# %%
def with_cov(p, k, i, j, h):
    cov = np.array(p.covariances)
    cov[k, i, j] += h
    if i != j:
        cov[k, j, i] += h
    return GMMParams(p.weights, p.means, cov)


centred = Y[:, None, :] - new.means[None]  # (N, K, D)
assert np.allclose(new.covariances,
                   np.einsum("nk,nki,nkj->kij", q, centred, centred) / nk[:, None, None])
worst_slope, h = 0.0, 1e-5
for k in range(3):
    for i, j in [(0, 0), (0, 1), (1, 1)]:
        up = exact.lower_bound(Y, q, with_cov(new, k, i, j, h))
        down = exact.lower_bound(Y, q, with_cov(new, k, i, j, -h))
        mid = exact.lower_bound(Y, q, new)
        worst_slope = max(worst_slope, abs(up - down) / (2 * h))
        assert up < mid and down < mid
print(f"largest |∂L/∂Σ_k,ij| at the answer < 1e-4: {worst_slope < 1e-4} (every move lowers L)")
assert worst_slope < 1e-4

# %% [markdown]
# **Weights (对 π_k 求偏导), with a Lagrange multiplier.** Maximise ln p subject to
# Σ_k π_k = 1 through $\ln p(\mathbf X \mid \theta) + \lambda \big(\sum_k \pi_k - 1\big)$:
#
# $$0 = \sum_{n=1}^N \frac{\mathcal N(\mathbf x_n \mid \mu_k, \Sigma_k)}{\sum_j \pi_j \mathcal N(\mathbf x_n \mid \mu_j, \Sigma_j)} + \lambda .$$
#
# Multiply by π_k and sum over k: $0 = \sum_n \sum_k \gamma(z_{nk}) + \lambda \sum_k \pi_k = N + \lambda$,
# so λ = −N and
#
# $$\pi_k = \frac{N_k}{N} .$$
#
# Check: at the answer ∂L/∂π_k = N_k/π_k is the **same** for every k (it equals −λ = N);
# any move along the simplex (π + εv with Σ v = 0) lowers L.

# %%
print("N_k / π_k =", np.round(nk / new.weights, 6), " N =", len(Y))
assert np.allclose(nk / new.weights, len(Y))
for v in ([1, -1, 0], [0, 1, -1], [-2, 1, 1]):
    for eps in (1e-3, -1e-3):
        w = new.weights + eps * np.array(v, float)
        moved = GMMParams(w, new.means, new.covariances)
        assert exact.lower_bound(Y, q, moved) < exact.lower_bound(Y, q, new)
print("every move along the simplex lowers L(γ, θ): π_k = N_k / N is the maximum")

# %% [markdown]
# ## The algorithm (算法伪代码)
#
# ```
# initialise μ_k, Σ_k, π_k; evaluate ln p(X|θ)
# loop:
#     E step: γ(z_nk) = π_k N(x_n|μ_k,Σ_k) / Σ_j π_j N(x_n|μ_j,Σ_j)
#     M step: N_k = Σ_n γ(z_nk);  μ_k = Σ_n γ(z_nk) x_n / N_k
#             Σ_k = Σ_n γ(z_nk)(x_n − μ_k)(x_n − μ_k)ᵀ / N_k;  π_k = N_k / N
#     evaluate ln p(X|θ); stop when it no longer rises (or the parameters stop moving)
# ```
#
# That loop is `emlib.em.run(GaussianMixtureModel(K), X)`; `GaussianMixture` wraps it with
# scikit-learn's names. Two practical additions: `reg_covar` (a small ridge added to every
# Σ_k, default 10⁻⁶) and the **initialisation** (default: k-Means labels, then one M step).

# %%
trace = run(GaussianMixtureModel(2), X, max_iter=200, tol=1e-8, rng=SEED)
lls = trace.column("log_likelihood", step="M")
print(f"{trace.n_iter} iterations, converged: {trace.converged}")
print("ln p after the first M steps:", np.round(lls[:4], 4), "... final", round(lls[-1], 4))
print("π =", np.round(trace.params.weights, 4))
print("μ (original units) =", np.round(trace.params.means * raw.std(0) + raw.mean(0), 2))
assert np.all(np.diff(trace.column("log_likelihood")) >= -1e-9)

# %% [markdown]
# ## Step it by hand: Old Faithful (老忠实泉)
#
# Each point is coloured by its responsibilities (a blend of the component colours; grey
# before the first E step), each component drawn as its mean (✕) and its 1σ and 2σ ellipses.
# The right panel shows ln p(X|θ) (line) and the bound L(q, θ) (hollow circles) after every
# half-step: after an E step they touch (KL = 0), after an M step ln p has risen and a gap
# opens. Start: two random eruptions as means, a broad covariance around each.
#
# **Questions to try**
# 1. Click **E step** then **M step** a few times. Which moves more in the first
#    iterations, the means or the ellipses' shapes? When do the colours stop changing?
# 2. Use **Undo** and the slider: is the gap L < ln p ever there after an E step?
# 3. Click **Run**, and compare ln p with the fit above (−1.4171 per point, i.e. −385.46).
#
# <details><summary>Hints and answers</summary>
#
# 1. The means move most in the first iterations, from the two random eruptions towards the
#    two clusters; the broad start ellipses shrink and tilt along each cluster after that.
#    The colours settle once the responsibilities are near 0 or 1 (270 of 272 points end
#    with max γ > 0.99).
# 2. No: right after an E step KL = 0 and L = ln p (the circle sits on the line). The gap
#    opens only after an M step.
# 3. The same value, −385.46 (−1.4171 · 272), up to the printed digits: same model, same
#    data, the same local maximum.
# </details>

# %%
w = gmm_stepper(X, n_components=2, random_state=SEED,
                title="<b>Old Faithful (standardised), K = 2, full covariances</b>")
w

# %%
w.buttons["E+M"].click()  # one E step and one M step
print(w.stepper.trace.records[1].summary())
print(w.shown.summary())
print("π =", np.round(w.shown.params.weights, 4))
w.buttons["Reset"].click()
print(w.shown.summary())

# %% [markdown]
# ## Step it by hand: synthetic data and a bad start (合成数据与糟糕的初值)
#
# The 600 points drawn above, K = 3, but the start puts all three means in one corner,
# almost on top of each other. EM still climbs, but slowly: the components must first "find
# out" that they are different.
#
# **Questions to try**
# 1. Click **E+M** ten times: how many iterations until three separate groups appear?
#    Compare with `gmm_stepper(Y, 3, random_state=0)` (random data points as means).
# 2. **A component collapsing onto one point**: build a stepper whose third component sits
#    on one data point with a tiny covariance (the code is in the next cell). Press **Run**:
#    ln p keeps rising — the likelihood is unbounded as Σ_k → 0 on a single point — and
#    only `reg_covar` stops Σ_k at 10⁻⁶·I. emlib warns with a `ComponentCollapseWarning`.
#
# <details><summary>Hints and answers</summary>
#
# 1. *Hint: watch the three means leave the corner.* More than ten: after ten iterations
#    (printed below) one mean still sits at (1.4, 1.4), between the groups at (0, 0) and
#    (3, 3). A start from random data points (`random_state=0`) is already spread over the data,
#    so the groups separate much sooner.
# 2. ln p keeps rising because N(x_n|μ_k, Σ_k) ∝ |Σ_k|^{−1/2} → ∞ for the point under the
#    collapsing component, while the other components keep explaining the rest of the data
#    (exercise 4 below explains why). The cell after the stepper shows N_3 ≈ 1 and
#    Σ_3 = 10⁻⁶·I: the largest ln p is not a useful fit.
# </details>

# %%
corner = Y.min(0)
bad = GMMParams(np.full(3, 1 / 3), corner + np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1]]),
                np.stack([np.eye(2) * 0.5] * 3))
w2 = gmm_stepper(Y, n_components=3, params=bad, title="<b>Synthetic, K = 3, a bad start</b>")
w2

# %%
for _ in range(9):
    w2.stepper.iterate()  # what nine clicks on E+M do, without drawing each one
w2.buttons["E+M"].click()
print(w2.shown.summary())
print("means after 10 iterations:\n", np.round(w2.shown.params.means, 2))
w2.buttons["Reset"].click()

# %% [markdown]
# The collapse, measured rather than clicked (so that the stored output stays small): the
# third component starts on eruption 0 with Σ = 10⁻⁶·I.

# %%
collapse = GMMParams([0.5, 0.45, 0.05], [[-1.0, -1.0], [1.0, 1.0], X[0]],
                     [np.eye(2) * 0.3, np.eye(2) * 0.3, np.eye(2) * 1e-6])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", ComponentCollapseWarning)
    t = run(GaussianMixtureModel(3), X, collapse, max_iter=30, tol=1e-8)
print(f"ln p = {t.records[-1].log_likelihood:.4f} (the 2-component fit: "
      f"{gm.score(X) * len(X):.4f})")
print("N_3 =", round(float(t.params.weights[2] * len(X)), 4), " Σ_3 eigenvalues:",
      ", ".join(f"{v:.3e}" for v in np.linalg.eigvalsh(t.params.covariances[2])))
print("warning:", type(caught[0].message).__name__, "–", str(caught[0].message).split(":")[0])
# # to watch it: gmm_stepper(X, 3, params=collapse)

# %% [markdown]
# **A cure with a prior: EM for MAP (极大后验概率估计).** The slides' MAP variant keeps the E
# step and adds ln p(θ) to what the M step maximises. With an inverse-Wishart prior
# IW(ψ·I, ν) on every Σ_k, the M step becomes Σ_k = (S_k + ψI)/(N_k + ν + D + 1), with
# S_k = Σ_n γ_nk (x_n − μ_k)(x_n − μ_k)ᵀ the weighted **scatter** (the ML update is S_k / N_k;
# S_k means this sum throughout the course, see NOTATION.md): ψ acts
# like a few pseudo-observations of spread, so a component on one point keeps
# Σ_k ≥ ψ/(N_k + ν + D + 1)·I and the objective ln p(X|θ) + ln p(θ) stays bounded
# (a Dirichlet(α) prior on π works the same way: π_k = (N_k + α − 1)/(N + K(α − 1))).

# %%
from emlib.gmm import GMMPrior, MAPGaussianMixtureModel  # noqa: E402

prior = GMMPrior(covariance_scale=0.1)  # ν = D + 2 by default
with warnings.catch_warnings():
    warnings.simplefilter("error", ComponentCollapseWarning)  # no collapse this time
    t_map = run(MAPGaussianMixtureModel(3, prior=prior), X, collapse, max_iter=100, tol=1e-8)
print(f"MAP objective ln p + ln p(θ) = {t_map.records[-1].log_likelihood:.4f} after "
      f"{t_map.n_iter} iterations")
print("π =", np.round(t_map.params.weights, 4))
print("Σ_3 eigenvalues:", np.round(np.linalg.eigvalsh(t_map.params.covariances[2]), 4))
assert np.linalg.eigvalsh(t_map.params.covariances[2]).min() > 0.1 / (len(X) + 7)

# %% [markdown]
# ## Four covariance types (四种协方差类型)
#
# The number of parameters of Σ grows as K·D(D+1)/2, so one often restricts it:
#
# | `covariance_type` | Σ_k | free covariance parameters |
# |---|---|---|
# | `"full"` | any positive-definite matrix per component | K·D(D+1)/2 |
# | `"tied"` | one matrix shared by all components | D(D+1)/2 |
# | `"diag"` | diagonal per component (axis-aligned ellipses) | K·D |
# | `"spherical"` | σ_k²·I per component (circles) | K |
#
# Their M steps follow from the same derivation: tied pools the K weighted scatter matrices,
# diag keeps the diagonal, spherical averages the diagonal.

# %%
fig, axes = plotting.new_figure("tall", ncols=4, nrows=1)
for ax, ctype in zip(axes, ["full", "tied", "diag", "spherical"], strict=True):
    g = GaussianMixture(2, covariance_type=ctype, random_state=SEED, tol=1e-8,
                        max_iter=300).fit(X)
    draw_gmm(ax, X, g.params_, g.predict_proba(X), title=ctype)
    ax.set_aspect("equal")
    print(f"{ctype:9s}: ln p/N = {g.score(X):.4f}, parameters = {g.n_parameters_:2d}, "
          f"BIC = {g.bic(X):.2f}")
fig.set_size_inches(10, 3.2)
plt.show()

# %% [markdown]
# ## Choosing K with BIC (用 BIC 选择 K)
#
# More components always raise the maximum of ln p, so ln p alone cannot choose K. The
# Bayesian information criterion penalises parameters:
# $\mathrm{BIC} = -2 \ln p(\mathbf X \mid \hat\theta) + (\#\text{parameters}) \ln N$; lower is better.
# Right: the density p(x) of the chosen model, a **density estimator**.

# %%
ks = range(1, 7)
fits = {k: GaussianMixture(k, random_state=SEED, tol=1e-4, max_iter=300).fit(X) for k in ks}
bic = np.array([fits[k].bic(X) for k in ks])
for k in ks:
    print(f"K = {k}: ln p = {fits[k].score(X) * len(X):8.2f}, BIC = {bic[k - 1]:7.2f}")
best = list(ks)[int(np.argmin(bic))]
print("BIC chooses K =", best)
assert best == 2

fig, (ax1, ax2) = plotting.new_figure("wide", ncols=2)
ax1.plot(list(ks), bic, "o-", color=plotting.COLORS[0])
ax1.set_xlabel("K")
ax1.set_ylabel("BIC")
ax1.set_title("BIC (lower is better)")
g1, g2 = np.meshgrid(np.linspace(-2.2, 2.2, 120), np.linspace(-2.4, 2.4, 120))
density = np.exp(fits[best].score_samples(np.column_stack([g1.ravel(), g2.ravel()])))
ax2.contourf(g1, g2, density.reshape(g1.shape), levels=12, cmap="Blues")
ax2.scatter(X[:, 0], X[:, 1], s=5, color="black", alpha=0.6)
ax2.set_title(f"p(x) of the K = {best} mixture")
plt.show()

# %% [markdown]
# ## Compare with scikit-learn (与 scikit-learn 对比)
#
# Same data, same start θ⁽⁰⁾ (`weights_init`, `means_init`, `precisions_init`), same
# number of iterations (`tol=0`: no early stop), same `reg_covar`. Every number agrees
# to rounding error, for each covariance type.

# %%
from sklearn.mixture import GaussianMixture as SkGaussianMixture  # noqa: E402

for ctype in ["full", "tied", "diag", "spherical"]:
    p0 = GaussianMixture(3, covariance_type=ctype, random_state=SEED).initial_params(Y)
    kw = dict(covariance_type=ctype, weights_init=p0.weights, means_init=p0.means,
              precisions_init=p0.precisions(), max_iter=15, tol=0.0, reg_covar=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = GaussianMixture(3, **kw).fit(Y)
        sk = SkGaussianMixture(3, **kw).fit(Y)
    diff = max(np.abs(ours.means_ - sk.means_).max(),
               np.abs(ours.covariances_ - sk.covariances_).max(),
               np.abs(ours.weights_ - sk.weights_).max())
    print(f"{ctype:9s}: ln p/N emlib {ours.score(Y):.10f}, sklearn {sk.score(Y):.10f}; "
          f"max |Δθ| < 1e-10: {diff < 1e-10}")
    assert diff < 1e-10 and abs(ours.score(Y) - sk.score(Y)) < 1e-10

# %% [markdown]
# ## GMM vs k-Means: soft vs hard EM, and the small-variance limit
#
# Take a GMM whose components all have the **same fixed** covariance σ²·I and equal weights.
# Then
#
# $$\gamma(z_{nk}) = \frac{\exp(-\|\mathbf x_n - \mu_k\|^2 / 2\sigma^2)}{\sum_j \exp(-\|\mathbf x_n - \mu_j\|^2 / 2\sigma^2)}
#   \xrightarrow{\ \sigma \to 0\ } \begin{cases} 1 & k = \arg\min_j \|\mathbf x_n - \mu_j\| \\ 0 & \text{otherwise} \end{cases}$$
#
# — the soft E step becomes k-Means' **hard assignment** to the nearest centre, and the M step
# for μ_k (a γ-weighted mean) becomes the **centroid** update. k-Means is the σ → 0 limit of
# EM for this GMM: hard EM. Watch γ harden as σ shrinks:

# %%
centres = Y[[0, 1, 2]]
for sigma in [2.0, 1.0, 0.3, 0.1, 0.01]:
    p = GMMParams(np.full(3, 1 / 3), centres, np.full(3, sigma**2), "spherical")
    g = GaussianMixtureModel(3, "spherical").e_step(Y, p)
    print(f"σ = {sigma:4.2f}: mean of max_k γ_nk = {g.max(1).mean():.4f}")
nearest = ((Y[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)
assert np.array_equal(g.argmax(1), nearest) and g.max(1).mean() > 0.999

# EM with σ fixed tiny: E step (hard, in the limit) + M step for the means only = Lloyd
spherical = GaussianMixtureModel(3, "spherical")
mu = centres.copy()
for _ in range(50):
    g = spherical.e_step(Y, GMMParams(np.full(3, 1 / 3), mu, np.full(3, 1e-4), "spherical"))
    mu = g.T @ Y / g.sum(0)[:, None]
from sklearn.cluster import KMeans  # noqa: E402

km = KMeans(3, init=centres, n_init=1).fit(Y)
print("small-σ EM centres:\n", np.round(mu, 4))
print("k-Means centres equal:", np.allclose(np.sort(mu, 0), np.sort(km.cluster_centers_, 0)))
assert np.allclose(np.sort(mu, 0), np.sort(km.cluster_centers_, 0))

# %% [markdown]
# ## Your turn: the GMM E step (练习)
#
# Write gmm_e_step(X, weights, means, covariances) returning the N × K responsibilities γ_nk. Replace `...` by your code and run the cell: `check` runs your function on a
# few small cases and tells you which quantity is wrong, on which case and by how much.
# The module docstring of `emlib.exercises.ch06_gmm` has the formulas.

# %%
from emlib.exercises import EXERCISES  # noqa: E402


def gmm_e_step(X, weights, means, covariances):
    """The (N, K) responsibilities γ_nk."""
    ...  # your code here


print(EXERCISES["gmm_e_step"].check(gmm_e_step))

# %% [markdown]
# <details><summary>Hints</summary>
#
# * Each row of γ sums to 1: divide by Σ_j π_j N(x_n|μ_j,Σ_j).
# * Do not forget the weights π_k.
# * Work with ln π_k + ln N(x|μ_k,Σ_k) and subtract the row maximum before exp.
# </details>
#
# <details><summary>Solution</summary>
#
# ```python
# import numpy as np
#
# def gmm_e_step(X: np.ndarray, weights: np.ndarray, means: np.ndarray,
#                covariances: np.ndarray) -> np.ndarray:
#     """The (N, K) responsibilities of a GMM with (K,) weights, (K, D) means, (K, D, D) Σ."""
#     X = np.asarray(X, dtype=float)
#     n, d = X.shape
#     log_joint = np.empty((n, len(weights)))
#     for k, (w, mu, cov) in enumerate(zip(weights, means, covariances, strict=True)):
#         diff = X - mu
#         maha = np.einsum("ni,ij,nj->n", diff, np.linalg.inv(cov), diff)
#         _, logdet = np.linalg.slogdet(cov)
#         log_joint[:, k] = np.log(w) - 0.5 * (d * np.log(2 * np.pi) + logdet + maha)
#     log_norm = log_joint.max(axis=1, keepdims=True)        # log-sum-exp, row by row
#     log_norm += np.log(np.exp(log_joint - log_norm).sum(axis=1, keepdims=True))
#     return np.exp(log_joint - log_norm)
# ```
# </details>

# %% [markdown]
# ## Summary
# * A GMM is a mixture of K Gaussians with weights π (0 ≤ π_k ≤ 1, Σπ_k = 1); a 1-of-K hidden
#   z picks the component. It estimates densities and clusters softly.
# * E step: the responsibility γ(z_nk) = π_k N(x_n|μ_k,Σ_k) / Σ_j π_j N(x_n|μ_j,Σ_j), by Bayes'
#   rule, computed in log space.
# * M step: N_k = Σ_n γ_nk, μ_k = weighted mean, Σ_k = weighted covariance, π_k = N_k/N (a
#   Lagrange multiplier λ = −N) — each the zero of a gradient with γ held fixed.
# * ln p never decreases. It can grow without bound if a component collapses onto one point;
#   `reg_covar` prevents that, and EM needs a sensible start.
# * Covariance types trade flexibility for parameters; BIC picks K.
# * k-Means is the hard, small-variance limit of EM for a GMM.
#
# ## Notation
#
# | symbol | meaning |
# |---|---|
# | K | the number of components, clusters, coins or topics |
# | D | the dimension of one observation |
# | x_n, N | observation n; the number of observations |
# | π_k | the mixing weight of component k (Σ_k π_k = 1) |
# | μ_k, Σ_k | the mean and covariance of component k |
# | z_n, z_nk | the hidden variable of observation n; its 1-of-K coding (z_nk = 1 if z_n = k) |
# | γ_nk | the responsibility (响应度) p(z_nk = 1 \| x_n, θ) (E step); Bishop's γ(z_nk) |
# | N_k = Σ_n γ_nk | the effective number of observations of component k |
# | S_k | the weighted scatter Σ_n γ_nk (x_n − μ_k)(x_n − μ_k)ᵀ (ML update: Σ_k = S_k / N_k) |
# | Λ_k | the precision Σ_k⁻¹ of component k (1-D: 1/σ_k²) |
# | λ | the Lagrange multiplier of Σ_k π_k = 1 |
# | Q(θ, θ_old) | E_{p(Z\|X,θ_old)}[ln p(X, Z \| θ)], summed over all observations (Q函数) |
# | L(q, θ) | the lower bound (证据下界, ELBO) E_q[ln p(X, Z \| θ)] + H(q) ≤ ln p(X \| θ) |
# | ν, Ψ = ψI | the degrees of freedom and scale of an inverse-Wishart prior on Σ_k |
#
# ## Exercises
# 1. Show that after an M step Σ_k π_k = 1 holds automatically, without renormalising.
#
#    <details><summary>Solution</summary>
#
#    Σ_k π_k = Σ_k N_k / N = (1/N) Σ_n Σ_k γ_nk = (1/N) Σ_n 1 = 1, since every row of γ is a
#    distribution over k.
#    </details>
#
# 2. Fit `GaussianMixture(2, covariance_type="spherical")` to the **unstandardised**
#    Old Faithful data (`raw`). Why is it much worse than on `X`, and does `"diag"` suffer too?
#
#    <details><summary>Solution</summary>
#
#    Waiting times vary about 13 minutes, eruption lengths about 1 minute: one variance per
#    component (a circle) cannot fit both axes, so the circles follow the waiting time and
#    blur the eruption length. `"diag"` has one variance per axis and is nearly unaffected:
#    standardising is a cheap way to make simple covariance types work.
#    </details>
#
# 3. Count the parameters of a full GMM with K = 3 in D = 2 and check `n_parameters_`.
#
#    <details><summary>Solution</summary>
#
#    Weights K − 1 = 2, means K·D = 6, covariances K·D(D+1)/2 = 9: 17.
#    `GaussianMixture(3).fit(X).n_parameters_` is 17.
#    </details>
#
# 4. Why does the collapse need a point that a component "owns" alone? Would a component
#    collapsing onto **two** distinct points also make ln p unbounded (D = 2)?
#
#    <details><summary>Solution</summary>
#
#    *First half.* With Σ_k = σ²I, N(x_n|μ_k, σ²I) ∝ σ^{−D} exp(−‖x_n − μ_k‖²/2σ²): as σ → 0
#    it → ∞ at a point exactly at μ_k and → 0 (faster than any power) everywhere else. ln p
#    is a sum over **all** points, so it goes to +∞ only if every other point keeps a
#    density bounded away from 0 — from the other components. The collapsing component
#    therefore "owns" its point alone: it needs one point it sits on, and the rest of the data
#    explained by someone else.
#
#    *Second half.* Yes. Put μ_k at the midpoint of x₁ and x₂ and flatten Σ_k onto their
#    line: variance a² along it (a fixed), ε² across it. Both Mahalanobis distances equal
#    (‖x₁ − x₂‖/2a)², **bounded** (they do not change as ε → 0), while
#    |Σ_k|^{−1/2} = 1/(aε) → ∞: the blow-up comes from the determinant. In D = 2 any set of
#    points on one line (in D dimensions: in an affine subspace of dimension < D) can be
#    collapsed onto. That is why `reg_covar` bounds the smallest eigenvalue, not the trace.
#    </details>
