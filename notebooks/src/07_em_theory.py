# %% [markdown]
# # 07 · Why EM works: the lower bound and the convergence proof (EM算法的收敛性证明)
#
# *Run All first so the widgets come alive; on Binder:*
# [JupyterLab](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=lab/tree/notebooks/07_em_theory.ipynb)
# · [Voila](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=voila/render/notebooks/07_em_theory.ipynb).
#
# Chapters 03–06 ran EM on balls, coins, k-Means and Gaussian mixtures, and every trace went
# up. This chapter proves that it must, with the four slides of the source lecture, and
# checks every line of the proof with numbers.
#
# **Objectives**
# 1. State EM properly (正经的EM算法陈述): X, Z, θ; complete and incomplete data; which
#    probabilities are easy and which are hard.
# 2. Derive ln p(X|θ) = L(q, θ) + KL(q ‖ p(Z|X,θ)) and check it for any q.
# 3. See the E step as "close the gap" and the M step as "raise the bound", and the proof
#    that ln p(X|θ) never decreases — and what it does *not* prove.
# 4. Play with the EM-effect picture (EM算法的效果示意图), shown first below.
# 5. Measure EM's linear rate and relate it to the fraction of missing information.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from emlib.em import run
from emlib.mixtures import BinomialMixture, BinomialMixtureParams
from emlib.prereq import entropy, jensen_gap
from emlib.theory import (
    GaussianMixture1D,
    Mixture1DParams,
    OneMeanMixture,
    VectorMap,
    em_jacobian,
    increment_ratios,
    information_matrices,
    missing_information_fraction,
)
from emlib.views import plotting
from emlib.views.figures import em_effect
from emlib.views.theory import EMEffectWidget, bound_gap_stepper

np.set_printoptions(precision=4, suppress=True)
SEED = 7
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## The picture first (EM算法的效果示意图)
#
# One picture says everything this chapter proves (Bishop draws it in his figures
# 9.11–9.14). Make θ one number, so that functions of θ are curves. Black: the
# log-likelihood ln p(X|θ) EM climbs. Green: the lower bound L(q, θ) an **E step** builds at
# the current θ_old — below the curve everywhere, and **touching it at θ_old**. The **M
# step** jumps to the top of the green curve; the black curve lies above it, so ln p rises
# at least as much as the bound did. The next E step builds a new bound at the new point,
# and EM climbs the curve by a staircase of bounds. Sections 2 and 3 prove each of these
# claims; section 4 lets you step through the picture.

# %%
em_effect()
plt.show()

# %% [markdown]
# ## 1. The general statement (正经的EM算法陈述, for MLE)
#
# | symbol | meaning |
# |---|---|
# | X | the observed samples (样本) |
# | Z | the hidden variables (隐变量) |
# | θ | the model parameters (模型参数) |
# | {X, Z} | the **complete data** (完整数据) |
# | {X} | the **incomplete data** (不完整数据) |
#
# The goal is the MLE of θ from X alone; when Z is discrete
#
# $$\hat\theta = \arg\max_\theta \ln p(X\mid\theta) = \arg\max_\theta \ln \sum_Z p(X, Z\mid\theta).$$
#
# Three facts make EM the right tool:
#
# * $p(X, Z\mid\theta)$ is **easy** (好算): the generative story, a product of simple factors;
# * $p(X\mid\theta)$ is **hard** (不好算): a sum inside the logarithm, no closed-form maximiser;
# * $p(Z\mid X, \theta)$ is **easy** again (好算): Bayes' rule, joint / marginal.
#
# Every model of the course is an instance:
#
# | model (chapter) | X | Z | θ |
# |---|---|---|---|
# | ball game (03–04) | the cup (a, b or c) of each ball | the hidden peg/path | peg probabilities |
# | coins (00, 04) | heads per set | which coin made each set | weights, p_k |
# | k-Means (05) | points | cluster of each point (hard) | centres |
# | GMM (06) | points | component of each point | π_k, μ_k, Σ_k |
# | PLSA (08) | (document, word) pairs | the topic of each pair | p(z\|d), p(w\|z) |
#
# On the coins of chapter 00 the three probabilities are one `log_joint` table away:

# %%
heads = np.array([5, 9, 8, 4, 7])
coins = BinomialMixture(2, 10)
data = coins.validate_data(heads)
theta0 = BinomialMixtureParams([0.5, 0.5], [0.6, 0.5])

log_joint = coins.log_joint(data, theta0)                 # ln p(x_n, z_n = k | θ): easy
log_px = np.logaddexp(log_joint[:, 0], log_joint[:, 1])   # ln p(x_n | θ): a sum inside the log
posterior = np.exp(log_joint - log_px[:, None])           # p(z_n | x_n, θ): Bayes' rule
print("ln p(X|θ) =", round(float(log_px.sum()), 4))
print("p(coin | x_n):\n", posterior)

# %% [markdown]
# ## 2. The decomposition, step by step (收敛性证明 (1))
#
# Start from Bayes' rule, $p(X\mid\theta) = p(X, Z\mid\theta) / p(Z\mid X,\theta)$, true
# for **every** value of Z. Take logarithms:
#
# $$\ln p(X\mid\theta) = \ln p(X, Z\mid\theta) - \ln p(Z\mid X,\theta).$$
#
# Pick **any** distribution q(Z) and average both sides over it. The left side does not
# depend on Z, and Σ_Z q(Z) = 1, so it stays as it is; on the right, add and subtract
# ln q(Z):
#
# $$\ln p(X\mid\theta)
#   = \underbrace{\sum_Z q(Z)\ln\frac{p(X, Z\mid\theta)}{q(Z)}}_{\mathcal L(q,\theta)}
#   \;+\; \underbrace{\sum_Z q(Z)\ln\frac{q(Z)}{p(Z\mid X,\theta)}}_{\mathrm{KL}(q\,\|\,p(Z\mid X,\theta))}.$$
#
# Chapter 02 proved KL ≥ 0 (with equality only when q equals the posterior), so
# **L(q, θ) is a lower bound of ln p(X|θ)** (下界), for every q. The same bound also
# follows from Jensen's inequality for the concave logarithm:
#
# $$\ln p(X\mid\theta) = \ln \sum_Z q(Z)\,\frac{p(X,Z\mid\theta)}{q(Z)}
#   \;\ge\; \sum_Z q(Z)\ln\frac{p(X,Z\mid\theta)}{q(Z)} = \mathcal L(q,\theta),$$
#
# and the Jensen gap is exactly the KL divergence. Check all three statements on the coins
# and on a 1-D Gaussian mixture, with q drawn at random:

# %%
x_line = np.concatenate([rng.normal(-1, 1, 40), rng.normal(2, 1, 60)])
mixture = GaussianMixture1D(2)
theta_line = Mixture1DParams([0.5, 0.5], [-2.0, 3.0], [1.0, 1.0])

for name, model, X, theta in [("coins", coins, data, theta0),
                              ("1-D mixture", mixture, x_line, theta_line)]:
    n = len(X)
    q = rng.dirichlet([0.7, 0.7], size=n)                     # an arbitrary q(Z)
    ll = model.log_likelihood(X, theta)
    bound = model.lower_bound(X, q, theta)
    kl = model.kl_divergence(X, q, theta)
    # KL computed here, from the posterior, independently of the model's own method
    exact = model.e_step(X, theta)
    kl_direct = float(np.sum(q * np.log(q / exact)))
    # Jensen: per sample, ln Σ_k q_k r_k ≥ Σ_k q_k ln r_k with r_k = p(x, k|θ)/q_k
    ratios = np.exp(model.log_joint(X, theta)) / q
    jensen = sum(jensen_gap(lambda r: -np.log(r), ratios[i], q[i]) for i in range(n))
    gap_at_posterior = ll - model.lower_bound(X, exact, theta)
    print(f"{name:12s} ln p = {ll:.4f}   L = {bound:.4f}   KL = {kl:.4f} "
          f"(direct {kl_direct:.4f}, Jensen gap {jensen:.4f});  "
          f"|ln p − L − KL| < 1e-9: {abs(ll - bound - kl) < 1e-9};  "
          f"at q = p(Z|X,θ): KL < 1e-9: {abs(gap_at_posterior) < 1e-9}")

# %% [markdown]
# ## 3. The E step closes the gap, the M step raises the bound (收敛性证明 (2)–(4))
#
# **E step (2).** Fix θ = θ_old. Since ln p(X|θ_old) does not depend on q, the q that
# maximises L(q, θ_old) is the one that makes KL zero:
#
# $$q^{\text{new}}(Z) = p(Z\mid X, \theta_{\text{old}}),\qquad
#   \mathcal L(q^{\text{new}}, \theta_{\text{old}}) = \ln p(X\mid\theta_{\text{old}}).$$
#
# **Why L? (3).** Substitute this q into L:
#
# $$\mathcal L(q, \theta) = \underbrace{\sum_Z p(Z\mid X,\theta_{\text{old}})\ln p(X, Z\mid\theta)}_{Q(\theta,\,\theta_{\text{old}})}
#   \;\underbrace{-\sum_Z q(Z)\ln q(Z)}_{H(q),\ \text{no }\theta},$$
#
# the **Q function** of the pseudocode (伪代码中的Q函数) plus an entropy that does not
# depend on θ. Maximising L over θ *is* maximising Q.
#
# **M step (4).** Fix q; θ_new = argmax_θ L(q, θ) = argmax_θ Q(θ, θ_old).
#
# **The proof.** Chain the three facts:
#
# $$\ln p(X\mid\theta_{\text{new}}) \;\ge\; \mathcal L(q, \theta_{\text{new}})
#   \;\ge\; \mathcal L(q, \theta_{\text{old}}) \;=\; \ln p(X\mid\theta_{\text{old}}).$$
#
# The first ≥ is KL ≥ 0, the second is the M step, the = is the E step. Every link, on
# one iteration of the 1-D mixture:

# %%
q = mixture.e_step(x_line, theta_line)                       # E step
theta_new = mixture.m_step(x_line, q)                        # M step
ll_old = mixture.log_likelihood(x_line, theta_line)
bound_old = mixture.lower_bound(x_line, q, theta_line)
bound_new = mixture.lower_bound(x_line, q, theta_new)
ll_new = mixture.log_likelihood(x_line, theta_new)
Q = lambda th: float(np.sum(q * mixture.log_joint(x_line, th)))  # noqa: E731
H = sum(entropy(row) for row in q)
print(f"ln p(θ_old) = {ll_old:.4f} = L(q, θ_old) = {bound_old:.4f}")
print(f"L(q, θ_new) = {bound_new:.4f} ≤ ln p(θ_new) = {ll_new:.4f}")
print(f"L(q, θ_new) = Q(θ_new, θ_old) + H(q) = {Q(theta_new):.4f} + {H:.4f}")

# the M step really is the maximiser of L(q, ·): no random nearby θ does better
vmap = mixture.vector_map
better = 0
for _ in range(200):
    other = vmap.from_vector(vmap.to_vector(theta_new) + rng.normal(0, 0.05, 6))
    better += mixture.lower_bound(x_line, q, other) > bound_new
print("random perturbations of θ_new that raise L(q, θ):", better)

# %% [markdown]
# ### What the proof does not say
#
# * **Not a stationary point by itself.** The proof gives only ln p(θ⁽ᵗ⁺¹⁾) ≥ ln p(θ⁽ᵗ⁾).
#   That the limit points of θ⁽ᵗ⁾ are stationary points of ln p needs more: Wu (1983)
#   shows it when the level set {θ : ln p(X|θ) ≥ ln p(X|θ⁽⁰⁾)} is compact (so ln p is
#   bounded above on it), ln p is continuous there and differentiable inside, and
#   Q(θ, θ') is continuous in both arguments; even then a limit can be a saddle point. "Bounded above" fails for the GMM (chapter 06: a collapsing component
#   sends ln p → ∞), so there EM can run off to a degenerate θ instead.
# * **Not a global maximum.** Where EM does stop at a stationary point, which one depends on
#   θ⁽⁰⁾. Below: four clusters, four components with known variances,
#   four random starts, more than one answer.
# * **Not that θ converges.** The values ln p(X|θ⁽ᵗ⁾) converge when they are bounded above
#   (an increasing bounded sequence); θ⁽ᵗ⁾ itself may drift along a **ridge** of equal likelihood. Chapter 04's
#   three-peg ball game has such a ridge (below: EM from several starts stops at different
#   points of it, all with the same ln p); here is a smaller one: coins tossed **once** per
#   set (N = 1). Then p(x = 1 | θ) = w_A p_A + w_B p_B depends on θ only through that one
#   number, and EM stops wherever on the ridge the start leads it.
# * **Not even a maximum**: from two identical components EM keeps them identical forever
#   (a saddle point of ln p: the symmetric start has no reason to split).
#
# ![The ridge of the three-peg ball game (chapter 04)](figures/ball_ridge.png)

# %%
four = np.concatenate([rng.normal(c, 0.5, 25) for c in (-6, -2, 2, 6)])
fixed_var = GaussianMixture1D(4, learn_variances=False, variances=np.full(4, 0.25))
finals = []
for seed in (0, 3, 4, 5):
    fit = run(fixed_var, four, rng=seed, max_iter=500, tol=1e-10)
    finals.append(round(fit.records[-1].log_likelihood, 3))
    print(f"θ⁽⁰⁾ from seed {seed}: means → {np.sort(fit.params.means)}, ln p = {finals[-1]:.3f}")

# a saddle point: two identical components stay identical forever
same = run(GaussianMixture1D(2), x_line, Mixture1DParams([0.5, 0.5], [0.5, 0.5], [1.0, 1.0]),
           max_iter=200, tol=1e-10)
print(f"identical start: means → {same.params.means}, "
      f"ln p = {same.records[-1].log_likelihood:.4f}")

# a ridge: coins tossed once per set
tosses = np.array([1, 0, 1, 1, 0, 1, 1, 0, 1, 1])
bernoulli = BinomialMixture(2, 1)
for start in (BinomialMixtureParams([0.5, 0.5], [0.9, 0.2]),
              BinomialMixtureParams([0.3, 0.7], [0.6, 0.8])):
    fit = run(bernoulli, tosses, start, max_iter=200, tol=1e-12)
    w, p = fit.params.weights, fit.params.p
    print(f"θ = (w {w}, p {p}): w·p = {w @ p:.4f}, ln p = {fit.records[-1].log_likelihood:.4f}")

# %% [markdown]
# Two different θ, one likelihood (w·p = 0.7, the frequency of ones): the bound proves
# the *values* converge, not the parameters.
#
# ## 4. The EM-effect picture (EM算法的效果示意图)
#
# Make θ one number so that both sides of the inequality can be drawn as curves. In the
# 1-D mixture keep the weights (0.4, 0.6), the variances (1, 1) and μ₂ = 2 fixed, and
# learn only μ₁. The black curve is ln p(X|μ₁). Each E step draws a green bound
# L(q, μ₁) with q = p(Z|X, μ₁_old): it lies below the curve and **touches it at μ₁_old**.
# The M step jumps to the **top of the bound**, which is below the curve there — so the
# curve has risen at least as much as the bound. That is the opening picture; now by
# hand: **E step** draws the bound at the current μ₁, **M step** jumps to its maximum (a
# parabola here: Q is quadratic in a mean).

# %%
one_mean = OneMeanMixture([0.0, 2.0], [1.0, 1.0], [0.4, 0.6])
effect = EMEffectWidget(one_mean, x_line, one_mean.params_at(-3.5),
                        one_mean.parameter(-4.0, 4.0),
                        title="<b>EM effect</b>: ln p(X|μ₁) (black) and the bound L(q, μ₁)")
effect

# %% [markdown]
# **Questions to try**
# 1. Press E, M, E, M… Why do the jumps get shorter? (Look at how the bound's curvature
#    compares with the curve's near the top: section 5.)
# 2. Press M twice in a row, or E twice: what changes? Press M before any E.
# 3. After a few steps, how large is KL right after an M step, compared with the rise of
#    ln p in that step?
#
# <details><summary>Hints and answers</summary>
#
# 1. Near the top the bound and the curve have almost the same shape, so the bound's maximum
#    is close to the current point: each jump is a fixed fraction (the rate ρ of section 5)
#    of the distance left.
# 2. A second E step changes nothing (q is already the posterior); a second M step changes
#    nothing either (θ already maximises this bound). An M step before any E step is refused:
#    there is no q yet, hence no bound to maximise.
# 3. From μ₁ = −3.5: iteration 2 raises ln p by 2.211 and leaves KL = 0.381; iteration 3 by
#    0.087 with KL = 0.015. The rise splits as (rise of L) + KL, and KL is a steady ~17 %
#    of it: the bound's maximiser gains a bit on the curve the bound does not see.
# </details>

# %%
for _ in range(2):
    effect.buttons["E step"].click()
    effect.buttons["M step"].click()
print(effect.summary())
print("bounds drawn:", len(effect.bounds()))
effect.buttons["Reset"].click()

# %% [markdown]
# ### The bar view for any model: ln p = L + KL at every half-step
#
# With many parameters the curves cannot be drawn, but the identity can: the bar is
# ln p(X|θ), green is L(q, θ), red is KL(q‖p). After an E step the red part vanishes;
# after an M step both rise and a new gap opens. Here on the coins of chapter 00:

# %%
bars = bound_gap_stepper(coins, heads, theta0,
                         title="<b>ln p = L + KL</b> on the coins, at every half-step")
bars

# %%
for step in ["E step", "M step"]:
    bars.buttons[step].click()
    print(bars.shown.summary())
bars.buttons["Reset"].click()

# %% [markdown]
# ## 5. How fast? A linear rate and the missing information
#
# Near a fixed point θ* = M(θ*) of the EM map M (one E step then one M step),
#
# $$\theta^{(t+1)} - \theta^* \approx DM\,(\theta^{(t)} - \theta^*),\qquad DM = \frac{\partial M}{\partial\theta}\Big|_{\theta^*},$$
#
# so EM converges **linearly** with rate ρ = the largest eigenvalue of DM; the log-likelihood
# gap shrinks like ρ^{2t}. Dempster, Laird & Rubin showed that
#
# $$DM = I_c^{-1} I_m = I - I_c^{-1} I_o,$$
#
# where $I_o = -\nabla^2 \ln p(X\mid\theta)$ is the observed information,
# $I_c = -\nabla^2_\theta Q(\theta,\theta^*)$ the complete-data information, and
# $I_m = I_c - I_o$ the information **missing** because Z is hidden. EM is slow exactly when
# a large fraction of the information is missing — when the components overlap.
#
# Check both formulas on the 1-D mixture (θ = (π₁, μ₁, μ₂, σ₁², σ₂²)): DM by finite
# differences of the EM map, I_c⁻¹I_m from two numerical Hessians, and ρ² from the
# observed ratio of successive likelihood increments.

# %%
to_vec = VectorMap(lambda p: np.r_[p.weights[:1], p.means, p.variances],
                   lambda v: Mixture1DParams([v[0], 1 - v[0]], v[1:3], v[3:5]))


def rate_report(X, label):
    long_run = run(mixture, X, theta_line, max_iter=3000, tol=1e-13)
    fixed, ll_star = long_run.params, long_run.records[-1].log_likelihood
    J = em_jacobian(mixture, X, fixed, to_vec)
    F = missing_information_fraction(mixture, X, fixed, to_vec)
    lam_j = np.max(np.abs(np.linalg.eigvals(J)))
    lam_f = np.max(np.abs(np.linalg.eigvals(F)))
    lls = run(mixture, X, theta_line, max_iter=40, tol=0.0).column("log_likelihood", step="M")
    ratio = increment_ratios(lls[:8])[-1]
    print(f"{label}: ρ(DM) = {lam_j:.4f}, ρ(I_c⁻¹I_m) = {lam_f:.4f}, ρ² = {lam_j**2:.4f}, "
          f"observed Δ ratio at t = 8: {ratio:.4f}")
    return fixed, ll_star - lls, lam_j


close = np.concatenate([rng.normal(-1, 1, 40), rng.normal(2, 1, 60)])
far = np.concatenate([rng.normal(-2, 1, 40), rng.normal(3, 1, 60)])
fixed_close, gap_close, lam_close = rate_report(close, "components 3σ apart")
fixed_far, gap_far, lam_far = rate_report(far, "components 5σ apart")
obs, complete = information_matrices(mixture, close, fixed_close, to_vec)
print("fraction of missing information per direction (eigenvalues):",
      np.sort(np.linalg.eigvals(np.eye(5) - np.linalg.solve(complete, obs)).real)[::-1])

# %%
fig, ax = plotting.new_figure("trace")
for gap, lam, label, color in [(gap_close, lam_close, "3σ apart", plotting.COLORS[0]),
                               (gap_far, lam_far, "5σ apart", plotting.COLORS[1])]:
    t = np.arange(len(gap))
    keep = gap > 1e-11
    ax.semilogy(t[keep], gap[keep], "o", ms=3, color=color,
                label=f"{label}: ln p* − ln p(θ⁽ᵗ⁾)")
    ax.semilogy(t[keep], gap[2] * lam ** (2 * (t[keep] - 2)), "-", color=color, lw=0.8,
                label=f"slope ρ² = {lam ** 2:.3f}")
ax.set_ylim(1e-13, 1e3)
ax.set_xlabel("iteration t")
ax.legend(frameon=False, fontsize=7)
plt.show()

# %% [markdown]
# The overlapping mixture loses most of its information to the hidden labels (ρ = 0.84:
# 33 iterations to reach tol = 10⁻⁶, 47 for 10⁻⁸); the better separated one much less
# (ρ = 0.44: 9 and 12 iterations). Each factor 100 in tol costs about ln 100 / (2 ln(1/ρ))
# more iterations: 13 at ρ = 0.84, 3 at ρ = 0.44; ρ = 0.99 would need hundreds.
# The observed ratio of successive increments of ln p approaches ρ², as predicted.
#
# ### The example that named EM: genetic linkage (遗传连锁; Dempster, Laird & Rubin 1977)
#
# The paper that gave EM its name opens with 197 animals in four cells with probabilities
# (½ + π/4, (1 − π)/4, (1 − π)/4, π/4) and counts y = (125, 18, 20, 34). Split the first cell
# into two hidden cells, ½ and π/4: with x₂ animals in the π/4 part, the complete data are
# binomial and the M step is a frequency,
#
# $$\text{E step: } \mathbb E[x_2] = y_1\frac{\pi/4}{1/2 + \pi/4},\qquad
#   \text{M step: } \pi = \frac{\mathbb E[x_2] + y_4}{\mathbb E[x_2] + y_2 + y_3 + y_4}.$$
#
# Here the MLE also has a closed form: d ln p/dπ = y₁/(2 + π) − (y₂ + y₃)/(1 − π) + y₄/π = 0
# is the quadratic 197π² − 15π − 68 = 0, whose root in (0, 1) is
# π̂ = (15 + √53809)/394 = 0.6268215. One parameter, so DM is a number: the ratio of
# successive deviations (π⁽ᵗ⁺¹⁾ − π̂)/(π⁽ᵗ⁾ − π̂) should settle at ρ = 1 − I_o/I_c.

# %%
from emlib.mixtures import LINKAGE_COUNTS, GeneticLinkageModel, LinkageParams, linkage_mle  # noqa: E402

linkage = run(GeneticLinkageModel(), LINKAGE_COUNTS, LinkageParams(0.5), max_iter=7, tol=None,
              keep="all")
pi_hat = linkage_mle(LINKAGE_COUNTS)
iterates = [r.params.pi for r in linkage.records if r.step in ("init", "M")]
print(f"closed-form MLE π̂ = {pi_hat:.7f}")
print(" t   π⁽ᵗ⁾        π⁽ᵗ⁾ − π̂     ratio")
for t_, (before, now) in enumerate(zip([None] + iterates[:-1], iterates, strict=True)):
    ratio = "" if before is None else f"{(now - pi_hat) / (before - pi_hat):.4f}"
    print(f"{t_:2d}   {now:.7f}   {round(now - pi_hat, 7) + 0.0:+.7f}   {ratio}")
y1, y2, y3, y4 = LINKAGE_COUNTS
hidden = y1 * (pi_hat / 4) / (0.5 + pi_hat / 4)
info_complete = (hidden + y4) / pi_hat**2 + (y2 + y3) / (1 - pi_hat) ** 2
info_observed = y1 / (2 + pi_hat) ** 2 + (y2 + y3) / (1 - pi_hat) ** 2 + y4 / pi_hat**2
print(f"ρ = 1 − I_o/I_c = {1 - info_observed / info_complete:.4f}")

# %% [markdown]
# These are the paper's numbers: π⁽¹⁾ = 0.6082, then the deviation shrinks by a factor
# 0.1328 at every iteration — the fraction of information the hidden split of cell 1
# takes away. Only 13 % is missing here, so EM gains almost a digit per iteration; the
# overlapping Gaussians above (ρ = 0.84) lose far more to their hidden labels.
#
# ## 6. Compare with a library
#
# scikit-learn's `GaussianMixture` runs the same EM. From the same θ⁽⁰⁾, with no covariance
# regularisation, both reach the same parameters and the same average log-likelihood.

# %%
from sklearn.mixture import GaussianMixture  # noqa: E402

sk = GaussianMixture(2, covariance_type="full", reg_covar=0.0, tol=1e-10, max_iter=500,
                     weights_init=theta_line.weights, means_init=theta_line.means[:, None],
                     precisions_init=1 / theta_line.variances[:, None, None]).fit(close[:, None])
ours = run(GaussianMixture1D(2, min_variance=1e-12), close, theta_line, max_iter=500,
           tol=1e-10 * len(close))
print("scikit-learn means", sk.means_[:, 0], " emlib means", ours.params.means)
print(f"mean ln p: scikit-learn {sk.score(close[:, None]):.6f}, "
      f"emlib {ours.records[-1].log_likelihood / len(close):.6f}")

# %% [markdown]
# ## Your turn: the lower bound and the gap (练习)
#
# Write bound_and_gap(log_joint, q) returning (L(q, θ), KL(q ‖ p(z|x,θ))). Replace `...` by your code and run the cell: `check` runs your function on a
# few small cases and tells you which quantity is wrong, on which case and by how much.
# The module docstring of `emlib.exercises.ch07_em_theory` has the formulas.

# %%
from emlib.exercises import EXERCISES  # noqa: E402


def bound_and_gap(log_joint, q):
    """(L, KL) for one observation: log_joint[k] = ln p(x, z=k|θ)."""
    ...  # your code here


print(EXERCISES["bound_and_gap"].check(bound_and_gap))

# %% [markdown]
# <details><summary>Hints</summary>
#
# * L has two parts: E_q[ln p(x, z|θ)] and the entropy H(q) = −Σ q ln q.
# * Terms with q_k = 0 contribute 0 (0 · ln 0 = 0), not NaN.
# * ln p(x|θ) = ln Σ_k e^{a_k}: use log-sum-exp, e^{−1000} is 0.0 in floating point.
# </details>
#
# <details><summary>Solution</summary>
#
# ```python
# import numpy as np
#
# def bound_and_gap(log_joint: np.ndarray, q: np.ndarray) -> tuple[float, float]:
#     """(L(q, θ), KL(q ‖ p(z|x,θ))) for one observation, from a_k = ln p(x, z=k|θ) and q."""
#     a, q = np.asarray(log_joint, dtype=float), np.asarray(q, dtype=float)
#     inside = q > 0                                   # 0 · ln 0 = 0: skip those terms
#     bound = float(np.sum(q[inside] * (a[inside] - np.log(q[inside]))))
#     top = a.max()
#     log_p = float(top + np.log(np.exp(a - top).sum()))
#     return bound, log_p - bound
# ```
# </details>

# %% [markdown]
# ## Summary
#
# * For any q(Z): **ln p(X|θ) = L(q, θ) + KL(q ‖ p(Z|X,θ))**, so L is a lower bound.
# * **E step**: q ← p(Z|X,θ_old) closes the gap; then L(q, θ) = Q(θ, θ_old) + H(q).
# * **M step**: θ ← argmax Q raises the bound, and the curve with it:
#   ln p(θ_new) ≥ L(q, θ_new) ≥ L(q, θ_old) = ln p(θ_old).
# * The proof gives **monotonicity** only. With Wu's (1983) conditions (ln p bounded above,
#   Q continuous) the limit points are stationary points — possibly saddles, not
#   necessarily the global maximum; the likelihood values converge, the parameters may
#   wander along a ridge. Without a bound (a GMM component collapsing) EM may diverge.
# * Near the end EM is **linear** with rate = the largest fraction of missing information.
#
# ## Notation
#
# | symbol | meaning |
# |---|---|
# | X | the observed data (观测数据, 样本) |
# | Z | the hidden (latent) variables (隐变量) |
# | θ | the parameters (模型参数) |
# | q(Z) | any distribution over Z; after an E step q(Z) = p(Z \| X, θ_old) |
# | L(q, θ) | the lower bound (证据下界, ELBO) E_q[ln p(X, Z \| θ)] + H(q) ≤ ln p(X \| θ) |
# | KL(q ‖ p) | the Kullback–Leibler divergence (KL散度), in nats; the gap ln p − L |
# | Q(θ, θ_old) | E_{p(Z\|X,θ_old)}[ln p(X, Z \| θ)], summed over all observations (Q函数) |
# | H(q) = −Σ q ln q | the entropy (熵) of q |
# | θ_old, θ* | the parameters of the current E step; a fixed point of EM |
# | M(θ), DM | the EM map θ⁽ᵗ⁺¹⁾ = M(θ⁽ᵗ⁾) and its Jacobian at θ* |
# | ρ | EM's rate of convergence: the largest eigenvalue of DM |
# | I_o, I_c, I_m | observed, complete and missing information (I_m = I_c − I_o) |
# | π (linkage) | genetic linkage (ch. 07): the parameter of the cell probabilities (½ + π/4, (1−π)/4, (1−π)/4, π/4); the one use of π outside mixing weights |
#
# ## Exercises
#
# 1. Show that the M step of the one-mean mixture is μ₁ = Σ_n q_n1 x_n / Σ_n q_n1 by
#    differentiating L(q, μ₁), and check it against `OneMeanMixture.m_step`.
#
#    <details><summary>Solution</summary>
#
#    L(q, μ₁) = −Σ_n q_n1 (x_n − μ₁)² / (2σ₁²) + terms without μ₁; its derivative
#    Σ_n q_n1 (x_n − μ₁)/σ₁² vanishes at the weighted mean. In code:
#    `q = one_mean.e_step(x_line, one_mean.params_at(0.0)); (q[:, 0] @ x_line) / q[:, 0].sum()`
#    equals `one_mean.m_step(x_line, q).means[0]`.
#    </details>
#
# 2. Replace the E step by a q that is *not* the posterior (say q = 0.9·posterior + 0.1·uniform).
#    Does the proof still guarantee that ln p does not decrease? Try it.
#
#    <details><summary>Solution</summary>
#
#    No: the chain needs L(q, θ_old) = ln p(θ_old). With another q, L(q, θ_old) < ln p(θ_old),
#    and the M step only guarantees ln p(θ_new) ≥ L(q, θ_new) ≥ L(q, θ_old), which may lie
#    below ln p(θ_old). What still holds is that L itself never decreases when each step
#    raises it — the idea of variational EM (chapter 09).
#    </details>
#
# 3. Why does the rate get worse as the two components move together? Predict ρ for
#    components 1σ apart, then check with `rate_report`.
#
#    <details><summary>Solution</summary>
#
#    The posterior responsibilities become nearly uniform: the labels carry almost all the
#    information about which point belongs where, and it is missing. ρ approaches 1 and
#    EM needs hundreds of iterations (or converges to a single merged component).
#    </details>
