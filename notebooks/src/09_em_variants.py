# %% [markdown]
# # 09 · Variants of EM (EM的变种): MAP, generalized, variational, online, with features
#
# *Run All first so the widgets come alive; on Binder:*
# [JupyterLab](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=lab/tree/notebooks/09_em_variants.ipynb)
# · [Voila](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=voila/render/notebooks/09_em_variants.ipynb).
#
# Chapter 07 proved EM with two moves on one identity,
# ln p(X|θ) = L(q, θ) + KL(q ‖ p(Z|X,θ)): the E step closes the gap, the M step raises the
# bound. Every variant below changes one of the two moves — and the identity tells at once
# what still holds. Each variant is a working algorithm in `emlib.variants`.
#
# **Objectives**
# 1. **EM for MAP**: add a prior ln p(θ) to the M step; see it cure collapsing components.
# 2. **Generalized EM**: an M step that only improves Q (an inner iterative optimiser).
# 3. **Variational EM**: restrict q to a tractable family; a gap remains, L still rises.
# 4. **Online EM**: learn from a stream of mini-batches and reach the batch answer.
# 5. **EM with features** (Berg-Kirkpatrick et al., ACL 2010): log-linear emissions, whose
#    M step has no closed form, so that EM becomes generalized EM.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from emlib.corpus import purity
from emlib.datasets import load_arxiv_abstracts
from emlib.em import run
from emlib.mixtures import (
    BinomialMixture,
    BinomialMixtureParams,
    GaussianMixture1D,
    Mixture1DParams,
)
from emlib.variants import (
    FeaturizedMixture,
    GeneralizedEM,
    HardAssignmentEM,
    MAPBinomialMixture,
    MAPGaussianMixture1D,
    OnlineEM,
    bag_of_words,
    word_features,
)
from emlib.views import plotting
from emlib.views.theory import bound_gap_stepper
from emlib.views.variants import OnlineEMWidget

np.set_printoptions(precision=4, suppress=True)
SEED = 9
rng = np.random.default_rng(SEED)

x_line = np.concatenate([rng.normal(-1, 1, 40), rng.normal(2, 1, 60)])
theta0 = Mixture1DParams([0.5, 0.5], [-2.0, 3.0], [1.0, 1.0])

# %% [markdown]
# ## 1. EM for MAP (极大后验概率估计)
#
# MAP maximises p(θ|X), not p(X|θ). Since p(θ|X) = p(X, θ) / p(X),
#
# $$\ln p(\theta\mid X) = \ln p(X\mid\theta) + \ln p(\theta) - \underbrace{\ln p(X)}_{\text{constant}},$$
#
# and the decomposition of chapter 07 gains one term that does not involve q:
#
# $$\ln p(X\mid\theta) + \ln p(\theta) = \big[\mathcal L(q,\theta) + \ln p(\theta)\big] + \mathrm{KL}(q\,\|\,p(Z\mid X,\theta)).$$
#
# So **the E step is unchanged, and the M step adds ln p(θ)** (E步不变，M步加一项 ln P(θ)):
# θ_new = argmax_θ Q(θ, θ_old) + ln p(θ). The proof goes through word for word.
#
# For the 1-D mixture take a Dirichlet(α) prior on the weights and an inverse-gamma(a, b)
# prior on each variance. The M step stays closed-form:
#
# $$\pi_k = \frac{N_k + \alpha - 1}{N + K(\alpha-1)},\qquad
#   \sigma_k^2 = \frac{S_k + 2b}{N_k + 2a + 2},\qquad S_k = \sum_n \gamma_{nk}(x_n-\mu_k)^2 .$$
#
# **Collapsing components.** Maximum likelihood has a flaw: put one component on a single
# data point and shrink its variance, and ln p(X|θ) → +∞. EM happily walks there when a
# component starts near an isolated point. The prior keeps σ_k² ≥ 2b / (N + 2a + 2).

# %%
x_outlier = np.concatenate([rng.normal(0, 1, 50), [8.0]])
start = Mixture1DParams([0.9, 0.1], [0.0, 8.0], [1.0, 0.01])
mle = run(GaussianMixture1D(2, min_variance=1e-10), x_outlier, start, max_iter=100)
map_model = MAPGaussianMixture1D(2, alpha=2.0, a=2.0, b=0.5)
map_fit = run(map_model, x_outlier, start, max_iter=100)
print(f"MLE: variances {mle.params.variances}, ln p(X|θ) = {mle.records[-1].log_likelihood:.2f}")
print(f"MAP: variances {map_fit.params.variances}, "
      f"ln p(X|θ) + ln p(θ) = {map_fit.records[-1].log_likelihood:.4f}")
objective = map_fit.log_likelihoods
assert np.all(np.diff(objective) >= -1e-9)          # the MAP objective never decreases
assert mle.params.variances[1] < 1e-9 < 0.1 < map_fit.params.variances[1]
print("MAP objective never decreased over", map_fit.n_iter, "iterations")

# %%
fig, (left, right) = plotting.new_figure("wide", ncols=2)
grid = np.linspace(-4, 10, 600)
left.hist(x_outlier, bins=30, density=True, color="#cccccc")
for params, model, label, color in [(mle.params, GaussianMixture1D(2), "MLE", plotting.COLORS[4]),
                                    (map_fit.params, map_model, "MAP", plotting.COLORS[0])]:
    density = np.exp(model.log_joint(grid, params)).sum(axis=1)
    left.plot(grid, np.minimum(density, 1.5), color=color, label=label)
left.vlines(8.0, 0, 1.5, color=plotting.COLORS[4], lw=2)   # the collapsed MLE component
left.annotate("MLE: σ₂² → 0, a spike", xy=(8.0, 1.3), xytext=(7.0, 1.3), ha="right",
              arrowprops={"arrowstyle": "->"}, fontsize=8)
left.set_ylim(0, 1.5)
left.legend(frameon=False, loc="center right")
left.set_title("the MLE component collapses onto x = 8")
plotting.plot_trace(right, map_fit.records, objective_name="ln p(X|θ) + ln p(θ)")
right.set_title("MAP-EM: the objective climbs")
plt.show()

# %% [markdown]
# The same cure for the D-dimensional Gaussian mixture, with the very class chapter 06 used:
# `MAPGaussianMixtureModel` with a `GMMPrior` puts a Dirichlet(α) prior on π and an
# inverse-Wishart(ν, Ψ = ψ·I) prior on every Σ_k (ν = D + 2 by default; the means stay
# flat), and the M step becomes Σ_k = (S_k + Ψ) / (N_k + ν + D + 1), S_k the weighted
# scatter: never singular, without any `reg_covar`.

# %%
import warnings  # noqa: E402

from emlib.gmm import GaussianMixtureModel, GMMParams, GMMPrior, MAPGaussianMixtureModel  # noqa: E402

x_plane = np.vstack([rng.normal(0, 1, (60, 2)), [[6.0, 6.0]]])
start2 = GMMParams([0.9, 0.1], [[0.0, 0.0], [6.0, 6.0]], np.array([np.eye(2), 0.01 * np.eye(2)]))
with warnings.catch_warnings():
    warnings.simplefilter("ignore")                  # the MLE warns that it collapsed
    mle2 = run(GaussianMixtureModel(2, reg_covar=1e-8), x_plane, start2, max_iter=50)
prior2 = GMMPrior(weight_concentration=2.0, covariance_scale=0.5)
map2 = run(MAPGaussianMixtureModel(2, prior=prior2), x_plane, start2, max_iter=50)
for label, fit in (("MLE", mle2), ("MAP", map2)):
    eig = np.linalg.eigvalsh(fit.params.covariances[1])
    print(f"{label}: eigenvalues of Σ₂ = {eig}")
assert np.all(np.diff(map2.log_likelihoods) >= -1e-9)

# %% [markdown]
# The same recipe on the coins: a Beta(a, b) prior on each p_k turns the M step into
# p_k = (Σ q x + a − 1) / (Σ q N + a + b − 2). A coin that showed heads every time no longer
# gets p = 1 (which would make one tails impossible forever).

# %%
all_heads = np.array([10, 10, 10, 2, 3])
for model in (BinomialMixture(2, 10), MAPBinomialMixture(2, 10, a=2.0, b=2.0)):
    fit = run(model, all_heads, BinomialMixtureParams([0.5, 0.5], [0.9, 0.4]), max_iter=200)
    print(f"{type(model).__name__:20s} p = {fit.params.p}, {model.objective_name} = "
          f"{fit.records[-1].log_likelihood:.4f}")

# %% [markdown]
# ## 2. Generalized EM (Generalization EM)
#
# When the M step has no closed form, an iterative optimiser runs *inside* it
# (M步还需要内嵌一个迭代算法计算θnew). The proof of chapter 07 does not need the maximum:
# it needs only L(q, θ_new) ≥ L(q, θ_old). Any θ_new that **improves** Q is enough —
# a few steps of gradient ascent, a conjugate-gradient step, one pass of coordinate ascent.
#
# `GeneralizedEM(model, n_inner=k)` replaces the M step by k steps of gradient ascent on
# L(q, ·) from θ_old (in the unconstrained coordinates a = ln π, μ, ln σ²), each with a
# backtracking line search so that it never goes down. Compare with exact EM from the same
# θ⁽⁰⁾ on the 1-D mixture:

# %%
mixture = GaussianMixture1D(2)
exact = run(mixture, x_line, theta0, max_iter=2000, tol=1e-9)
best = exact.records[-1].log_likelihood
print(f"exact EM: {exact.n_iter} iterations, ln p = {best:.6f}")
gem_traces = {}
for n_inner in (1, 3):
    gem = GeneralizedEM(mixture, n_inner=n_inner)
    trace = run(gem, x_line, theta0, max_iter=2000, tol=1e-9)
    gem_traces[n_inner] = trace
    lls = trace.log_likelihoods
    assert np.all(np.diff(lls) >= -1e-9)             # GEM never decreases the objective
    print(f"GEM, {n_inner} gradient step(s): {trace.n_iter} iterations, "
          f"{gem.n_evaluations} bound evaluations, ln p = {lls[-1]:.6f}")
assert abs(gem_traces[1].records[-1].log_likelihood - best) < 1e-5

# %%
fig, ax = plotting.new_figure("trace")
for label, trace, color in [("exact EM", exact, "#333333"),
                            ("GEM, 1 step", gem_traces[1], plotting.COLORS[4]),
                            ("GEM, 3 steps", gem_traces[3], plotting.COLORS[0])]:
    lls = trace.column("log_likelihood", step="M")
    ax.semilogy(np.arange(1, len(lls) + 1), best - lls + 1e-12, color=color, label=label)
ax.set_xlabel("iteration")
ax.set_ylabel("ln p* − ln p(θ⁽ᵗ⁾)")
ax.set_ylim(1e-9, 1e2)
ax.legend(frameon=False)
plt.show()

# %% [markdown]
# Every GEM curve goes down monotonically (the objective goes up), to the same answer.
# Here the gradient steps, taken in unconstrained coordinates with a line search, are even
# competitive with the exact M step; in general GEM trades cheaper M steps for more
# iterations. Section 5 is a model where there is no exact M step to compare with.
#
# ## 3. Variational EM (变分EM)
#
# When the posterior p(Z|X,θ_old) itself is hard to compute, choose q from a **tractable
# family** 𝒬 instead, the member closest to the posterior in KL — equivalently, the one with
# the largest L(q, θ_old) (slide: L(q, θ_old) > L(q_old, θ_old)). Then:
#
# * the E step no longer closes the gap: KL(q‖p) > 0 remains;
# * both steps raise **L**, so L never decreases, and L ≤ ln p always;
# * ln p(X|θ) itself carries **no** guarantee: it may go down.
#
# The simplest family: **hard assignments**, q(z_n) = 1 for one class. Its best member
# puts each point on its most probable component, L becomes Σ_n ln p(x_n, z_n*|θ) (H(q) = 0),
# and the algorithm is "classification EM". k-Means is this **only** with equal, fixed
# weights π_k = 1/K and one shared, fixed covariance σ²I (chapter 05); with learnt weights
# or variances classification EM assigns points differently from k-Means.

# %%
hard = run(HardAssignmentEM(GaussianMixture1D(2, min_variance=1e-3)), x_line, theta0,
           max_iter=50)
bounds = hard.column("lower_bound")[1:]
print(f"hard EM: {hard.n_iter} iterations, ln p = {hard.records[-1].log_likelihood:.4f}, "
      f"L = {hard.records[-1].lower_bound:.4f}, gap KL = {hard.records[-1].kl:.4f}")
print(f"exact EM:                ln p = {best:.4f}")
assert np.all(np.diff(bounds) >= -1e-9)              # L never decreases
assert np.all(bounds <= hard.log_likelihoods[1:] + 1e-9)   # L ≤ ln p
assert hard.records[-1].kl > 0 and hard.records[-1].log_likelihood < best

# %% [markdown]
# Step it by hand: after each **E step** the red KL segment does *not* vanish, unlike
# chapter 07 — the best hard assignment is not the posterior.

# %%
hard_bars = bound_gap_stepper(HardAssignmentEM(GaussianMixture1D(2, min_variance=1e-3)),
                              x_line, theta0,
                              title="<b>Variational (hard) EM</b>: ln p = L + KL, KL > 0 remains")
hard_bars

# %% [markdown]
# **Questions to try**
# 1. Press E then M several times: which of the two bars rises at every half-step?
# 2. Does the KL after an E step shrink as the components separate? Why?
# 3. Press Run. Is the final ln p above or below that of exact EM, and why can it be?
#
# <details><summary>Hints and answers</summary>
#
# 1. L (the bound) rises at every half-step; ln p is not guaranteed to — only L is.
# 2. Yes: as the components separate, the true posterior becomes nearly one-hot, so the best
#    hard assignment is almost the posterior and KL(q‖p) shrinks — but it stays > 0 for
#    points between the components.
# 3. Below: −194.9154 against −194.1279 for exact EM. Hard EM maximises L over one-hot q,
#    not ln p; its fixed point is a different θ (narrower, better separated components), and
#    ln p there is lower (exercise 3 below).
# </details>

# %%
for step in ["E step", "M step"]:
    hard_bars.buttons[step].click()
    print(hard_bars.shown.summary())
hard_bars.buttons["Reset"].click()

# %% [markdown]
# ### A factorised family: variational Bayes
#
# The classic variational EM treats the parameters as random too and restricts q to the
# factorised family q(Z)·q(π, μ, Λ) (Bishop PRML §10.2), with Λ_k = 1/σ_k² the precision.
# Coordinate ascent alternates an "E step" for q(Z) and an "M step" for q(π, μ, Λ); the
# ELBO never decreases, and a gap to ln p(X) remains because the true posterior couples Z
# and the parameters.
#
# *The updates, derived.* For a factorised q the best factor, with the others fixed, is
# ln q*(factor) = E_{other factors}[ln p(X, Z, π, μ, Λ)] + const (the KL between q and the
# posterior is minimised one factor at a time). The priors: Dirichlet(α₀) on π and, for
# each k, μ_k | Λ_k ~ N(m₀, (c₀Λ_k)⁻¹), Λ_k ~ Gamma(a₀, b₀).
#
# * **q(Z)**: only the terms with z_nk survive, ln q*(z_nk = 1) = E[ln π_k] + ½E[ln Λ_k]
#   − ½ ln 2π − ½E[Λ_k(x_n − μ_k)²] + const, so
#
#   $$\gamma_{nk} \propto \exp\Big(\mathrm{dg}(\alpha_k) - \mathrm{dg}\big(\textstyle\sum_j\alpha_j\big)
#     + \tfrac12\big[\mathrm{dg}(a_k) - \ln b_k\big] - \tfrac12\ln 2\pi
#     - \tfrac12\Big[\frac{1}{c_k} + \frac{a_k}{b_k}(x_n - m_k)^2\Big]\Big),$$
#
#   the GMM's E step with ln π_k, ln Λ_k and Λ_k(x − μ_k)² replaced by their expectations
#   (dg = d ln Γ/dx is the digamma function).
# * **q(π, μ, Λ)**: the expectation over Z turns every z_nk into γ_nk, so the log of this
#   factor is the log prior plus the complete-data log-likelihood with **fractional
#   counts**. The priors are conjugate (chapter 03), so the posteriors keep their form
#   and the counts add: with N_k = Σ_n γ_nk, x̄_k = Σ_n γ_nk x_n / N_k and the scatter
#   S_k = Σ_n γ_nk (x_n − x̄_k)²,
#
#   $$\alpha_k = \alpha_0 + N_k,\quad c_k = c_0 + N_k,\quad m_k = \frac{c_0 m_0 + N_k\bar x_k}{c_k},
#     \quad a_k = a_0 + \frac{N_k}{2},\quad b_k = b_0 + \frac12\Big[S_k + \frac{c_0N_k}{c_0 + N_k}(\bar x_k - m_0)^2\Big].$$
#
# (emlib and scikit-learn use Bishop's Wishart names: β_k = c_k, ν_k = 2a_k, W_k = 1/(2b_k).) With a small
# Dirichlet concentration α₀ the extra components are switched off: four components are
# offered, two keep weight. Compare with scikit-learn's `BayesianGaussianMixture` from the
# same start (its `random_from_data` initialisation: K data points drawn with its seed, each
# the only member of one component): the same q after 300 sweeps, and the two bounds differ
# by a constant (scikit-learn drops the terms that do not change). Like every estimator of
# the course, `VariationalGaussianMixture1D` runs through `emlib.em.run`.

# %%
from sklearn.mixture import BayesianGaussianMixture  # noqa: E402

from emlib.variants import VariationalGaussianMixture1D  # noqa: E402

K = 4
vb_seed = int(rng.integers(1000))                     # one start for both libraries
chosen = np.random.RandomState(vb_seed).choice(len(x_line), K, replace=False)  # sklearn's draw
resp0 = np.zeros((len(x_line), K))
resp0[chosen, np.arange(K)] = 1.0
vb = VariationalGaussianMixture1D(K, weight_concentration=0.01,  # α₀ = 0.01: sparse π
                                  max_iter=300, tol=None, resp_init=resp0).fit(x_line)
elbo = vb.lower_bounds_                              # the ELBO after each sweep
assert np.all(np.diff(elbo) >= -1e-9)                # the ELBO never decreases
sk_vb = BayesianGaussianMixture(n_components=K, init_params="random_from_data",
                                random_state=vb_seed, max_iter=300, tol=0.0, reg_covar=0.0,
                                weight_concentration_prior_type="dirichlet_distribution",
                                weight_concentration_prior=0.01)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")                  # "did not converge" (tol = 0)
    sk_vb.fit(x_line[:, None])
print("E[π]:  emlib", vb.weights_.round(3), " scikit-learn", sk_vb.weights_.round(3))
print("means: emlib", vb.means_.round(3), " scikit-learn", sk_vb.means_[:, 0].round(3))
offset = elbo - np.array(sk_vb.lower_bounds_)
print(f"ELBO: {elbo[0]:.3f} → {elbo[-1]:.3f}; emlib − scikit-learn bound = {offset[0]:.4f} "
      f"at every sweep: {np.ptp(offset) < 1e-6}")
assert np.allclose(vb.means_, sk_vb.means_[:, 0], atol=1e-6) and np.ptp(offset) < 1e-6

# %% [markdown]
# ## 4. Online EM (在线EM vs 批量EM)
#
# Batch EM visits all N samples in every E step. **Stepwise online EM** (Cappé & Moulines
# 2009; Liang & Klein 2009) writes the M step through **expected sufficient statistics**.
#
# *Where the statistics come from.* For the 1-D mixture the complete-data log-likelihood
# of one observation is Σ_k z_nk [ln π_k − ½ ln 2πσ_k² − (x_n² − 2x_nμ_k + μ_k²)/2σ_k²]: it
# touches the data only through z_nk, z_nk x_n and z_nk x_n². Its expectation under q,
# averaged over the data, therefore needs only the three averages per component
#
# $$\bar s_{0k} = \frac1N\sum_n \gamma_{nk},\qquad \bar s_{1k} = \frac1N\sum_n \gamma_{nk}x_n,
#   \qquad \bar s_{2k} = \frac1N\sum_n \gamma_{nk}x_n^2,$$
#
# and the M step of chapter 06 written in them is
# θ(s): π_k = s_0k / Σ_j s_0j, μ_k = s_1k / s_0k, σ_k² = s_2k / s_0k − μ_k². Batch EM is the
# map s ← s̄(X; θ(s)). The averages over all N samples are what an online algorithm cannot
# afford, and it does not need them: any average over a random batch B_t is an unbiased
# estimate of them, and a running average of such estimates converges to the batch-EM fixed
# point (a Robbins–Monro stochastic approximation of the root of s̄(X; θ(s)) − s). With
# η_t = 1/t, s is exactly the mean of all batch statistics seen so far. The update, one
# mini-batch at a time:
#
# $$s \leftarrow (1-\eta_t)\,s + \eta_t\,\bar s(B_t;\theta),\qquad \theta \leftarrow \theta(s),
#   \qquad \eta_t = (t + t_0)^{-\kappa},\ \tfrac12 < \kappa \le 1 .$$
#
# (κ is the `alpha` argument of `OnlineEM`.)
#
# The step sizes satisfy Σ η_t = ∞ (it can travel anywhere) and Σ η_t² < ∞ (the noise of
# the batches averages out), and θ converges to a stationary point of the likelihood. Each
# update costs O(|B|) instead of O(N).

# %%
x_stream = np.concatenate([rng.normal(-1, 1, 800), rng.normal(2, 1, 1200)])
batch = run(mixture, x_stream, theta0, max_iter=2000, tol=1e-10)
batch_score = batch.records[-1].log_likelihood / len(x_stream)
print(f"batch EM: {batch.n_iter} iterations = {batch.n_iter * len(x_stream)} sample visits, "
      f"means {batch.params.means}, ln p/N = {batch_score:.4f}")
online_runs = {}
stream_seed = int(rng.integers(1000))                # the same shuffles for both step sizes
for alpha in (0.6, 0.9):
    online = OnlineEM(mixture, theta0, alpha=alpha, batch_size=20, n_epochs=3,
                      random_state=stream_seed).fit(x_stream)
    online_runs[alpha] = online
    score = mixture.log_likelihood(x_stream, online.params) / len(x_stream)
    print(f"online EM, κ = {alpha}: {online.n_seen} sample visits, means {online.params.means}, "
          f"ln p/N = {score:.4f}")
assert np.allclose(online_runs[0.6].params.means, batch.params.means, atol=0.05)

# %%
fig, (left, right) = plotting.new_figure("wide", ncols=2)
t = np.arange(1, 301)
for alpha, color in ((0.6, plotting.COLORS[0]), (0.9, plotting.COLORS[1]), (1.0, "#333333")):
    left.loglog(t, t ** -alpha, color=color, label=f"κ = {alpha}")
left.set_xlabel("update t")
left.set_title("step sizes η_t = t^(−κ)")
left.legend(frameon=False)
for alpha, color in ((0.6, plotting.COLORS[0]), (0.9, plotting.COLORS[1])):
    history = online_runs[alpha].history[::10]
    seen = [n for n, _ in history]
    gaps = [batch_score - mixture.log_likelihood(x_stream, p) / len(x_stream) for _, p in history]
    right.semilogy(seen, np.maximum(gaps, 1e-7), color=color, label=f"online, κ = {alpha}")
batch_gaps = batch_score - batch.column("log_likelihood", step="M") / len(x_stream)
right.semilogy(np.arange(1, len(batch_gaps) + 1) * len(x_stream), np.maximum(batch_gaps, 1e-7),
               "o-", ms=3, color="#333333", label="batch EM")
right.set_xlim(0, 6000)
right.set_xlabel("sample visits")
right.set_title("ln p*/N − ln p(θ)/N")
right.legend(frameon=False)
plt.show()

# %% [markdown]
# Online EM is close to the batch answer after less than one pass over the data; batch EM
# needs a few full passes to get as close. Later, batch EM keeps improving steadily while
# online EM wobbles: the noise of the mini-batches moves θ at the scale of η_t. One final
# value says little about a wobbling sequence, so measure over the last 50 updates: the
# spread of the means (their standard deviation) and their average distance from the batch
# answer.

# %%
for alpha in (0.6, 0.9):
    last = np.array([p.means for _, p in online_runs[alpha].history[-50:]])
    spread = last.std(axis=0).max()
    distance = np.abs(last - batch.params.means).max(axis=1).mean()
    print(f"κ = {alpha}: spread of the means {spread:.3f}, "
          f"mean distance from the batch means {distance:.3f}")

# %% [markdown]
# Two effects pull apart. A smaller κ keeps larger steps, hence more **wobble** (κ = 0.6
# spreads about five times more than κ = 0.9). But κ = 0.9 shrinks its steps so fast that
# it still remembers its early, poor batches: it sits steadily **further** from the batch
# answer (a bias that fades only slowly). κ = 0.6 forgets faster and wobbles around the
# right place. That is the usual trade-off of stochastic approximation; averaging the
# iterates (Polyak–Ruppert) gets the best of both.
#
# Feed batches by hand (20 samples each, κ = 0.6); the dashed curve is the batch-EM fit:

# %%
feeder = OnlineEMWidget(mixture, x_stream, theta0, batch.params, batch_size=20, alpha=0.6,
                        random_state=SEED)
feeder

# %% [markdown]
# **Questions to try**
# 1. Feed one batch: how far does the first update jump (η₁ = 1)?
# 2. Feed 10 batches at a time: when does the fit become indistinguishable from the dashed one?
# 3. Why does the curve on the right still wobble after many batches?
#
# <details><summary>Hints and answers</summary>
#
# 1. With η₁ = 1 the statistics are replaced by those of the first batch alone: θ jumps to
#    that batch's M step — means (−1.358, 2.375) from 20 samples, against (−1.013, 2.023)
#    for the full data.
# 2. After 11 batches (220 samples) the means are (−0.956, 2.005), close to the dashed
#    fit; after a few hundred samples the two curves are hard to tell apart by eye.
# 3. Every update moves the statistics towards one batch's noisy average by η_t = t^(−κ):
#    the noise shrinks with η_t but never vanishes after finitely many updates (measured
#    above over the last 50 updates).
# </details>

# %%
feeder.buttons["Feed 1 batch"].click()
print(feeder.summary())
feeder.buttons["Feed 10 batches"].click()
print(feeder.summary())
feeder.buttons["Reset"].click()

# %% [markdown]
# ## 5. EM with features (融入feature后的EM算法)
#
# Berg-Kirkpatrick, Bouchard-Côté, DeNero and Klein, *Painless Unsupervised Learning with
# Features* (ACL 2010), keep the generative story but write each multinomial of the model
# as a **locally normalised log-linear model** over features of its outcomes:
#
# $$\theta_k(w) = \frac{\exp(\omega_k^\top f(w))}{\sum_{w'} \exp(\omega_k^\top f(w'))}.$$
#
# Here: a **mixture of multinomials** over documents (each abstract has one hidden topic
# z_d and draws its words from θ_{z_d}), with word features f(w) = the word itself, its first
# 4 letters ("galax" shared by galaxy/galaxies), its last 3 letters. The E step is the usual
# one. The M step maximises, for each k, with expected counts e_kw = Σ_d γ_dk n(d, w),
#
# $$\sum_w e_{kw}\ln\theta_k(w) - \tfrac{\tau}{2}\lVert\omega_k\rVert^2,
#   \qquad \nabla = F^\top(e_k - E_k\theta_k) - \tau\omega_k,$$
#
# a concave problem **with no closed form**: the M step needs an inner optimiser.
# `FeaturizedMixture.m_step` runs L-BFGS (SciPy's `minimize(method="L-BFGS-B")` on
# `beta_objective`) **to convergence**: that is still exact EM, only with a numerical M step. `GeneralizedEM(model, n_inner=1)`
# takes a single gradient step from ω_old, which raises Q without maximising it: that is
# generalized EM. Berg-Kirkpatrick et al. also give a third way, the **direct gradient**:
# because ∇_ω ln p(X|ω) = ∇_ω Q(ω, ω_old) at ω = ω_old (the E step makes the bound touch the
# curve, so their slopes agree), one can hand ln p and this gradient to L-BFGS and skip
# the EM loop altogether; in their experiments it was the better optimiser.
# (With identity features only and τ → 0 the model is the plain mixture of multinomials,
# whose M step is e_kw / E_k; the tests check that.) In emlib, ω is `params.beta` and τ the
# `l2` argument; the printed objective name writes them β and λ.

# %%
corpus = load_arxiv_abstracts()
pick = rng.choice(len(corpus), 200, replace=False)
bow = bag_of_words([corpus.texts[i] for i in pick], vocabulary_size=80)
labels = np.array([corpus.labels[i] for i in pick])
features, names = word_features(bow.vocabulary, prefix=4, suffix=3)
print(f"{bow.counts.shape[0]} documents, {len(bow.vocabulary)} words, {len(names)} features "
      f"({sum(n.startswith('word=') for n in names)} identities + shared prefixes/suffixes)")
print("shared features:", [n for n in names if not n.startswith("word=")][:10], "…")

featurized = FeaturizedMixture(4, features, l2=0.1)
counts = featurized.validate_data(bow.counts)
beta0 = featurized.init_params(counts, rng)
exact_fit = run(featurized, counts, beta0, max_iter=15, tol=1e-3)
gem_model = GeneralizedEM(featurized, n_inner=1)
gem_fit = run(gem_model, counts, beta0, max_iter=60, tol=1e-3)
for label, fit in (("exact M step (L-BFGS)", exact_fit), ("GEM, 1 gradient step", gem_fit)):
    lls = fit.log_likelihoods
    assert np.all(np.diff(lls) >= -1e-6 * abs(lls[-1]))
    print(f"{label:24s} {fit.n_iter:3d} iterations, {featurized.objective_name} = {lls[-1]:.2f}")


print(f"purity against the arXiv archives: "
      f"exact {purity(exact_fit.posterior.argmax(1), labels):.3f}, "
      f"GEM {purity(gem_fit.posterior.q.argmax(1), labels):.3f}")

# %% [markdown]
# Read these numbers with care: the exact-M-step run was **stopped** at `max_iter=15`,
# GEM ran 60 iterations, so GEM's higher objective (−6479.9 against −6508.4) is only the
# effect of more iterations, not of a better step; run to the same tolerance, the two climb
# the same objective to nearby local maxima. Nor do the features help here: purity is
# about 0.52 either way, and the heaviest features below are the word identities
# themselves. Features pay when words are **rare**: with few documents, "galaxy" and
# "galaxies" seen once each share their prefix weight, so a topic that saw one predicts the
# other; with 200 documents and the 80 commonest words, every word is frequent enough to
# be learnt on its own. (Berg-Kirkpatrick et al. show the gain for part-of-speech
# induction, where suffixes such as "-ing" and "-ed" carry the class of words seen too
# rarely to be learnt one by one.) A corpus where features do win follows the topics.

# %% [markdown]
# What did the topics learn? The heaviest-weighted features of each class (word identities
# and shared prefixes/suffixes), and its most probable words:

# %%
theta = featurized.emissions(exact_fit.params)
for k in range(4):
    top_features = [names[i] for i in np.argsort(exact_fit.params.beta[k])[::-1][:4]]
    top_words = [bow.vocabulary[i] for i in np.argsort(theta[k])[::-1][:6]]
    print(f"class {k}: π = {exact_fit.params.weights[k]:.2f}; words {top_words}; "
          f"features {top_features}")

# %% [markdown]
# **Where features help: rare words in families.** A synthetic corpus with that structure:
# 200 words in 40 families of 5 variants sharing a two-letter prefix ("aa…", "ab…", …);
# each of K = 2 topics prefers a few families, and uses the variants of a family equally.
# Only 12 training documents of 40 words: most words are seen once or never. The plain
# mixture (identity features only) must learn each word alone; with a prefix feature a
# topic that saw "aast0" also raises "aast3". Held-out documents score both
# (ln p per word, higher is better):

# %%
from emlib.prereq import logsumexp  # noqa: E402

families = np.repeat(np.arange(40), 5)
vocabulary = [f"{chr(97 + f // 26)}{chr(97 + f % 26)}st{v}" for f in range(40) for v in range(5)]
true_theta = rng.dirichlet(np.full(40, 0.2), 2)[:, families] / 5


def draw_documents(n):
    return np.array([rng.multinomial(40, true_theta[k]) for k in rng.integers(0, 2, n)])


train_docs, test_docs = draw_documents(12), draw_documents(300)
family_features, _ = word_features(vocabulary, prefix=2, suffix=0)


def held_out_per_word(model, params):
    log_joint = np.log(params.weights) + test_docs @ np.log(model.emissions(params)).T
    return logsumexp(log_joint, axis=1).sum() / test_docs.sum()


for label, F in (("plain (identity features)", np.eye(200)),
                 ("identity + prefix features", family_features)):
    model = FeaturizedMixture(2, F, l2=1.0)
    data = model.validate_data(train_docs)
    fit = run(model, data, model.init_params(data, np.random.default_rng(SEED)), max_iter=50,
              tol=1e-4)
    print(f"{label:27s}: held-out ln p per word = {held_out_per_word(model, fit.params):.3f}")
true_ll = logsumexp(np.log(0.5) + test_docs @ np.log(true_theta).T, axis=1).sum()
print(f"{'the true model':27s}: held-out ln p per word = {true_ll / test_docs.sum():.3f}")

# %% [markdown]
# The prefix features close about half of the gap between the plain mixture (−4.445) and
# the true model (−4.097), reaching −4.257: they let twelve documents speak for the words
# they did not contain.

# %% [markdown]
# **Check the M step.** One exact M step — SciPy's L-BFGS-B, as `m_step` runs it — against
# Newton's method with the Hessian written out (`newton_beta`), and against a few hundred
# steps of plain gradient ascent (`fit_beta`, what generalized EM takes one step of), on the
# same concave objective f(β):

# %%
q = featurized.e_step(counts, beta0)
expected = q.T @ counts.counts
value, gradient = featurized.beta_objective(expected)
m_step_beta = featurized.m_step(counts, q).beta
newton_beta, newton_steps = featurized.newton_beta(expected, np.zeros_like(beta0.beta), 50)
ascent = featurized.fit_beta(expected, np.zeros_like(beta0.beta), 300)
print(f"M step (L-BFGS-B):          f = {value(m_step_beta.ravel()):.2f}")
print(f"Newton, {newton_steps} steps:           f = {value(newton_beta.ravel()):.2f}")
print(f"gradient ascent, {ascent.n_steps} steps: f = {ascent.value:.2f}")
assert abs(value(newton_beta.ravel()) - value(m_step_beta.ravel())) < 1e-5

# %% [markdown]
# ## Your turn: the MAP weights (练习)
#
# Write map_weights(q, alpha): the MAP mixing weights under a Dirichlet(α) prior. Replace `...` by your code and run the cell: `check` runs your function on a
# few small cases and tells you which quantity is wrong, on which case and by how much.
# The module docstring of `emlib.exercises.ch09_em_variants` has the formulas.

# %%
from emlib.exercises import EXERCISES  # noqa: E402


def map_weights(q, alpha):
    """The MAP weights π under a Dirichlet(α) prior; q is N × K."""
    ...  # your code here


print(EXERCISES["map_weights"].check(map_weights))

# %% [markdown]
# <details><summary>Hints</summary>
#
# * The prior adds α − 1 pseudo-counts to each N_k (not α).
# * The weights must sum to 1: the denominator is N + K(α − 1).
# * With α = 1 you must get the MLE N_k / N.
# </details>
#
# <details><summary>Solution</summary>
#
# ```python
# import numpy as np
#
# def map_weights(q: np.ndarray, alpha: float) -> np.ndarray:
#     """The MAP weights π (K,) from the responsibilities ``q`` (N × K) and a Dirichlet(α)."""
#     q = np.asarray(q, dtype=float)
#     n_k = q.sum(axis=0)
#     k = q.shape[1]
#     return (n_k + alpha - 1) / (q.shape[0] + k * (alpha - 1))
# ```
# </details>

# %% [markdown]
# ## Your turn: online EM's running statistics (练习)
#
# Write online_statistics(batch_stats, kappa, t0): the running statistics of stepwise online EM after the given batches. Replace `...` by your code and run the cell: `check` runs your function on a
# few small cases and tells you which quantity is wrong, on which case and by how much.
# The module docstring of `emlib.exercises.ch09_em_variants` has the formulas.

# %%
from emlib.exercises import EXERCISES  # noqa: E402


def online_statistics(batch_stats, kappa, t0):
    """The running statistics s after all batches (a list of arrays)."""
    ...  # your code here


print(EXERCISES["online_statistics"].check(online_statistics))

# %% [markdown]
# <details><summary>Hints</summary>
#
# * The first batch replaces s (η₁ = 1); η_t = (t + t₀)^(−κ) starts at t = 2.
# * The new batch gets the weight η_t, the old statistics 1 − η_t.
# * With κ = 1 and t₀ = 0 the result must be the plain average of the batches.
# </details>
#
# <details><summary>Solution</summary>
#
# ```python
# import numpy as np
#
# def online_statistics(batch_stats: list[np.ndarray], kappa: float, t0: float) -> np.ndarray:
#     """The running statistics of stepwise online EM after all of ``batch_stats``.
#
#     s ← s̄(B₁) for the first batch (η₁ = 1), then s ← (1 − η_t) s + η_t s̄(B_t) with
#     η_t = (t + t₀)^(−κ) for t = 2, 3, …  (emlib's ``OnlineEM``; κ is its ``alpha``).
#     """
#     s = np.asarray(batch_stats[0], dtype=float)
#     for t, s_batch in enumerate(batch_stats[1:], start=2):
#         eta = (t + t0) ** (-kappa)
#         s = (1 - eta) * s + eta * np.asarray(s_batch, dtype=float)
#     return s
# ```
# </details>

# %% [markdown]
# ## Summary
#
# | variant | E step | M step | what never decreases |
# |---|---|---|---|
# | EM (MLE) | q = p(Z\|X,θ) | argmax Q | ln p(X\|θ) |
# | EM for MAP | unchanged | argmax Q + ln p(θ) | ln p(X\|θ) + ln p(θ) |
# | generalized EM | unchanged | any θ with Q(θ) ≥ Q(θ_old) | ln p(X\|θ) |
# | variational EM | best q in a family 𝒬 | argmax Q | L(q, θ) ≤ ln p(X\|θ) |
# | online EM | on a mini-batch | θ(s), s averaged with η_t | (converges, in expectation) |
# | EM with features | unchanged | inner optimiser over ω | ln p(X\|θ) − τ‖ω‖²/2 |
#
# ## Notation
#
# | symbol | meaning |
# |---|---|
# | p(θ), ln p(θ) | a prior on the parameters (MAP, ch. 03 and 09) |
# | α | the Dirichlet concentration of the prior on π |
# | a, b | the shape and scale of an inverse-gamma prior on a variance (equivalently a Gamma(a, b) prior on the precision; a₀, b₀ and a_k, b_k in variational Bayes) |
# | ν, Ψ = ψI | the degrees of freedom and scale of an inverse-Wishart prior on Σ_k |
# | S_k | the weighted scatter Σ_n γ_nk (x_n − μ_k)(x_n − μ_k)ᵀ (ML update: Σ_k = S_k / N_k) |
# | Λ_k | the precision Σ_k⁻¹ of component k (1-D: 1/σ_k²) |
# | x̄_k | the weighted mean Σ_n γ_nk x_n / N_k of component k |
# | m_k, c_k | variational Bayes: the mean of q(μ_k) and the scale of its precision c_k Λ_k (prior: m₀, c₀) |
# | γ_nk | the responsibility (响应度) q(z_n = k) = p(z_n = k \| x_n, θ) (soft) |
# | 𝒬 | the tractable family of variational EM |
# | s, s̄(B), θ(s) | expected sufficient statistics (充分统计量), their batch average, the M step on them |
# | B_t | the mini-batch of online update t |
# | η_t = (t + t₀)^(−κ) | online step sizes, with exponent ½ < κ ≤ 1 |
# | f(w), ω_k, τ | word features, the feature weights of class k, the L2 strength |
#
# ## Exercises
#
# 1. With α = 1 in the Dirichlet prior, what does the MAP weight update reduce to? And with
#    a = b → 0 in the inverse-gamma?
#
#    <details><summary>Solution</summary>
#
#    α = 1 is a flat prior on the simplex: π_k = N_k / N, the MLE. With a, b → 0 the
#    variance update tends to S_k / (N_k + 2): almost the MLE, but the prior's protection
#    (the 2b in the numerator) vanishes and collapse is possible again.
#    </details>
#
# 2. Show that online EM with a single batch equal to the whole data and η₁ = 1 performs
#    exactly one batch EM iteration. Check it with `OnlineEM(...).partial_fit(x_stream)`.
#
#    <details><summary>Solution</summary>
#
#    With η₁ = 1, s = s̄(X; θ⁽⁰⁾), the averaged expected statistics of the whole data, and
#    θ(s) is the M step written on them: the same θ⁽¹⁾ as `mixture.m_step(X, mixture.e_step(X, θ⁽⁰⁾))`.
#    </details>
#
# 3. Why can hard EM end with a *lower* ln p(X|θ) than exact EM, although every step raised L?
#
#    <details><summary>Solution</summary>
#
#    Hard EM maximises L over one-hot q, not ln p: its fixed point maximises
#    Σ_n max_k ln p(x_n, k | θ), which prefers well-separated, narrow components; the gap
#    KL(q‖p) it cannot close is the price. ln p = L + KL is just not its objective.
#    </details>
