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
import matplotlib.pyplot as plt
import numpy as np

from emlib.datasets import load_arxiv_abstracts
from emlib.em import run
from emlib.mixtures import (
    BinomialMixture,
    BinomialMixtureParams,
    GaussianMixture1D,
    Mixture1DParams,
)
from emlib.theory import bound_gap_stepper
from emlib.variants import (
    FeaturizedMixture,
    GeneralizedEM,
    HardAssignmentEM,
    MAPBinomialMixture,
    MAPGaussianMixture1D,
    OnlineEM,
    OnlineEMWidget,
    bag_of_words,
    word_features,
)
from emlib.views import plotting

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
# $$\pi_k = \frac{N_k + \alpha - 1}{n + K(\alpha-1)},\qquad
#   \sigma_k^2 = \frac{S_k + 2b}{N_k + 2a + 2},\qquad S_k = \sum_n q_{nk}(x_n-\mu_k)^2 .$$
#
# **Collapsing components.** Maximum likelihood has a flaw: put one component on a single
# data point and shrink its variance, and ln p(X|θ) → +∞. EM happily walks there when a
# component starts near an isolated point. The prior keeps σ_k² ≥ 2b / (n + 2a + 2).

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
# and the algorithm is "classification EM" — k-Means is this with equal spherical
# covariances (chapter 05).

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

# %%
for step in ["E step", "M step"]:
    hard_bars.buttons[step].click()
    print(hard_bars.shown.summary())
hard_bars.buttons["Reset"].click()

# %% [markdown]
# ### A factorised family: variational Bayes
#
# The classic variational EM treats the parameters as random too and restricts q to the
# factorised family q(Z)·q(π, μ, Λ) (Bishop PRML §10.2). Coordinate ascent alternates an
# "E step" for q(Z) and an "M step" for q(π, μ, Λ); the ELBO never decreases, and a gap to
# ln p(X) remains because the true posterior couples Z and the parameters. With a small
# Dirichlet concentration α₀ the extra components are switched off: four components are
# offered, two keep weight. Compare with scikit-learn's `BayesianGaussianMixture` from the
# same start (its `random_from_data` initialisation): the same q after 300 sweeps, and the
# two bounds differ by a constant (scikit-learn drops the terms that do not change).

# %%
from sklearn.mixture import BayesianGaussianMixture  # noqa: E402

from emlib.variants import VariationalGaussianMixture1D  # noqa: E402

K = 4
chosen = np.random.RandomState(3).choice(len(x_line), K, replace=False)
resp0 = np.zeros((len(x_line), K))
resp0[chosen, np.arange(K)] = 1.0
vb = VariationalGaussianMixture1D(K, weight_concentration=0.01)   # α₀ = 0.01: sparse π
vb_params, vb_resp, elbo = vb.fit(x_line, resp0, max_iter=300, tol=0.0)
assert np.all(np.diff(elbo) >= -1e-9)                # the ELBO never decreases
sk_vb = BayesianGaussianMixture(n_components=K, init_params="random_from_data", random_state=3,
                                max_iter=300, tol=0.0, reg_covar=0.0,
                                weight_concentration_prior_type="dirichlet_distribution",
                                weight_concentration_prior=0.01)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")                  # "did not converge" (tol = 0)
    sk_vb.fit(x_line[:, None])
print("E[π]:  emlib", vb_params.weights.round(3), " scikit-learn", sk_vb.weights_.round(3))
print("means: emlib", vb_params.m.round(3), " scikit-learn", sk_vb.means_[:, 0].round(3))
offset = np.array(elbo) - np.array(sk_vb.lower_bounds_[:len(elbo)])  # ours stops when flat
print(f"ELBO: {elbo[0]:.3f} → {elbo[-1]:.3f}; emlib − scikit-learn bound = {offset[0]:.4f} "
      f"at every sweep: {np.ptp(offset) < 1e-6}")
assert np.allclose(vb_params.m, sk_vb.means_[:, 0], atol=1e-6) and np.ptp(offset) < 1e-6

# %% [markdown]
# ## 4. Online EM (在线EM vs 批量EM)
#
# Batch EM visits all n samples in every E step. **Stepwise online EM** (Cappé & Moulines
# 2009; Liang & Klein 2009) writes the M step through **expected sufficient statistics**
# s (for the 1-D mixture, per component: the averages of q, q·x and q·x²) and updates them
# from one mini-batch B_t at a time:
#
# $$s \leftarrow (1-\eta_t)\,s + \eta_t\,\bar s(B_t;\theta),\qquad \theta \leftarrow \theta(s),
#   \qquad \eta_t = (t + t_0)^{-\alpha},\ \tfrac12 < \alpha \le 1 .$$
#
# The step sizes satisfy Σ η_t = ∞ (it can travel anywhere) and Σ η_t² < ∞ (the noise of
# the batches averages out), and θ converges to a stationary point of the likelihood. Each
# update costs O(|B|) instead of O(n).

# %%
x_stream = np.concatenate([rng.normal(-1, 1, 800), rng.normal(2, 1, 1200)])
batch = run(mixture, x_stream, theta0, max_iter=2000, tol=1e-10)
batch_score = batch.records[-1].log_likelihood / len(x_stream)
print(f"batch EM: {batch.n_iter} iterations = {batch.n_iter * len(x_stream)} sample visits, "
      f"means {batch.params.means}, ln p/n = {batch_score:.4f}")
online_runs = {}
for alpha in (0.6, 0.9):
    online = OnlineEM(mixture, theta0, alpha=alpha).fit(x_stream, batch_size=20, n_epochs=3,
                                                        rng=SEED)
    online_runs[alpha] = online
    score = mixture.log_likelihood(x_stream, online.params) / len(x_stream)
    print(f"online EM, α = {alpha}: {online.n_seen} sample visits, means {online.params.means}, "
          f"ln p/n = {score:.4f}")
assert np.allclose(online_runs[0.6].params.means, batch.params.means, atol=0.05)

# %%
fig, (left, right) = plotting.new_figure("wide", ncols=2)
t = np.arange(1, 301)
for alpha, color in ((0.6, plotting.COLORS[0]), (0.9, plotting.COLORS[1]), (1.0, "#333333")):
    left.loglog(t, t ** -alpha, color=color, label=f"α = {alpha}")
left.set_xlabel("update t")
left.set_title("step sizes η_t = t^(−α)")
left.legend(frameon=False)
for alpha, color in ((0.6, plotting.COLORS[0]), (0.9, plotting.COLORS[1])):
    history = online_runs[alpha].history[::10]
    seen = [n for n, _ in history]
    gaps = [batch_score - mixture.log_likelihood(x_stream, p) / len(x_stream) for _, p in history]
    right.semilogy(seen, np.maximum(gaps, 1e-7), color=color, label=f"online, α = {alpha}")
batch_gaps = batch_score - batch.column("log_likelihood", step="M") / len(x_stream)
right.semilogy(np.arange(1, len(batch_gaps) + 1) * len(x_stream), np.maximum(batch_gaps, 1e-7),
               "o-", ms=3, color="#333333", label="batch EM")
right.set_xlim(0, 6000)
right.set_xlabel("sample visits")
right.set_title("ln p*/n − ln p(θ)/n")
right.legend(frameon=False)
plt.show()

# %% [markdown]
# Online EM is close to the batch answer after less than one pass over the data; batch EM
# needs a few full passes to get as close. Later, batch EM keeps improving steadily while
# online EM wobbles: the noise of the mini-batches moves θ at the scale of η_t. A smaller α
# keeps larger steps, hence more wobble (α = 0.6 here ends further from the batch answer
# than α = 0.9).
#
# Feed batches by hand (20 samples each, α = 0.6); the dashed curve is the batch-EM fit:

# %%
feeder = OnlineEMWidget(mixture, x_stream, theta0, batch.params, batch_size=20, alpha=0.6,
                        seed=SEED)
feeder

# %% [markdown]
# **Questions to try**
# 1. Feed one batch: how far does the first update jump (η₁ = 1)?
# 2. Feed 10 batches at a time: when does the fit become indistinguishable from the dashed one?
# 3. Why does the curve on the right still wobble after many batches?

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
# $$\theta_k(w) = \frac{\exp(\beta_k^\top f(w))}{\sum_{w'} \exp(\beta_k^\top f(w'))}.$$
#
# Here: a **mixture of multinomials** over documents (each abstract has one hidden topic
# z_d and draws its words from θ_{z_d}), with word features f(w) = the word itself, its first
# 4 letters ("galax" shared by galaxy/galaxies), its last 3 letters. The E step is the usual
# one. The M step maximises, for each k, with expected counts e_kw = Σ_d q_dk c_dw,
#
# $$\sum_w e_{kw}\ln\theta_k(w) - \tfrac{\lambda}{2}\lVert\beta_k\rVert^2,
#   \qquad \nabla = F^\top(e_k - E_k\theta_k) - \lambda\beta_k,$$
#
# a concave problem **with no closed form**: the M step needs an inner optimiser, so EM
# with features *is* generalized EM. `FeaturizedMixture.m_step` runs L-BFGS (emlib's numpy
# `lbfgs_ascent`) to convergence; `GeneralizedEM(model, n_inner=1)` takes a single gradient
# step from β_old.
# (With identity features only and λ → 0 the model is the plain mixture of multinomials,
# whose M step is e_kw / E_k; the tests check that.)

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
beta0 = featurized.init_params(counts, np.random.default_rng(SEED))
exact_fit = run(featurized, counts, beta0, max_iter=15, tol=1e-3)
gem_model = GeneralizedEM(featurized, n_inner=1)
gem_fit = run(gem_model, counts, beta0, max_iter=60, tol=1e-3)
for label, fit in (("exact M step (L-BFGS)", exact_fit), ("GEM, 1 gradient step", gem_fit)):
    lls = fit.log_likelihoods
    assert np.all(np.diff(lls) >= -1e-6 * abs(lls[-1]))
    print(f"{label:24s} {fit.n_iter:3d} iterations, {featurized.objective_name} = {lls[-1]:.2f}")


def purity(z):
    """Fraction of documents whose cluster's majority label is their own label."""
    return sum(max(np.sum((z == k) & (labels == lab)) for lab in set(labels))
               for k in set(z)) / len(z)


print(f"purity against the arXiv archives: exact {purity(exact_fit.posterior.argmax(1)):.3f}, "
      f"GEM {purity(gem_fit.posterior.q.argmax(1)):.3f}")

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
# **Compare with a library.** One exact M step — emlib's L-BFGS, and Newton's method —
# against SciPy's L-BFGS-B on the same concave objective (SciPy is used here only as a
# reference, never inside emlib):

# %%
from scipy.optimize import minimize  # noqa: E402

from emlib.variants import lbfgs_ascent  # noqa: E402

q = featurized.e_step(counts, beta0)
expected = q.T @ counts.counts
value, gradient = featurized._beta_objective(expected)
ours = lbfgs_ascent(value, gradient, np.zeros(beta0.beta.size), max_steps=2000, tol=1e-8)
newton_beta, newton_steps = featurized.newton_beta(expected, np.zeros_like(beta0.beta), 50)
reference = minimize(lambda b: -value(b), np.zeros(beta0.beta.size), jac=lambda b: -gradient(b),
                     method="L-BFGS-B", options={"gtol": 1e-9, "maxiter": 5000})
print(f"emlib L-BFGS:   objective {ours.value:.2f}")
print(f"emlib Newton:   objective {value(newton_beta.ravel()):.2f}")
print(f"SciPy L-BFGS-B: objective {-reference.fun:.2f}")
assert ours.value >= -reference.fun - 1e-6
assert abs(value(newton_beta.ravel()) - ours.value) < 1e-5

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
# | EM with features | unchanged | inner optimiser over β | ln p(X\|θ) − λ‖β‖²/2 |
#
# ## Notation
#
# | symbol | meaning |
# |---|---|
# | p(θ), ln p(θ) | prior on the parameters (先验) |
# | α; a, b | Dirichlet concentration; inverse-gamma shape and scale |
# | 𝒬 | the tractable family of variational EM |
# | s, s̄(B), θ(s) | expected sufficient statistics, their batch average, the M step on them |
# | η_t = (t + t₀)^(−α) | online step sizes |
# | f(w), β_k, λ | word features, feature weights of class k, L2 strength |
#
# ## Exercises
#
# 1. With α = 1 in the Dirichlet prior, what does the MAP weight update reduce to? And with
#    a = b → 0 in the inverse-gamma?
#
#    <details><summary>Solution</summary>
#
#    α = 1 is a flat prior on the simplex: π_k = N_k / n, the MLE. With a, b → 0 the
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
