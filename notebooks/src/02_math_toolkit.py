# %% [markdown]
# # 02 · The math toolkit: convexity, Jensen, KL, Gaussians (凸集 · 凸函数 · Jensen不等式 · KL距离 · 高斯分布)
#
# *Run All first so the widgets come alive; on Binder:*
# [JupyterLab](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=lab/tree/notebooks/02_math_toolkit.ipynb)
# · [Voila](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=voila/render/notebooks/02_math_toolkit.ipynb).
#
# EM's proof (chapter 07) needs exactly five pieces of mathematics (涉及到的数学基础). Each
# claim below is followed by a cell that checks it numerically with `emlib.prereq`.
#
# **Objectives**
# 1. Recognise convex sets and convex functions, and test convexity numerically.
# 2. State Jensen's inequality and see its gap.
# 3. Know the KL divergence, its two properties (asymmetric, ≥ 0), and prove the second from Jensen.
# 4. Work with Gaussians in 1-D and 2-D, in log space, and fit one by maximum likelihood.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from emlib.datasets import load_old_faithful
from emlib.prereq import (
    check_convex_function,
    check_convex_set,
    entropy,
    gaussian_logpdf,
    jensen_gap,
    kl_divergence,
    logsumexp,
)
from emlib.views import plotting
from emlib.views.prereq import JensenWidget, KLWidget

np.set_printoptions(precision=4, suppress=True)
SEED = 2
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## Convex sets (凸集)
#
# A set C is **convex** if the segment between any two of its points stays inside it:
#
# $$x, y \in C,\ \xi \in [0, 1] \;\Longrightarrow\; \xi\,x + (1 - \xi)\,y \in C.$$
#
# Examples: a disk, a half-plane, the **probability simplex** {p : pᵢ ≥ 0, Σ pᵢ = 1} (the
# set every q(Z) of EM lives in). Not convex: a ring, a crescent. A sampled test can only
# *refute* convexity, with a counterexample; `check_convex_set` returns its evidence.

# %%
candidates = rng.uniform(-1.2, 1.2, size=(600, 2))
disk = check_convex_set(lambda p: p @ p <= 1.0, candidates, rng=rng)
ring = check_convex_set(lambda p: 0.4 <= p @ p <= 1.0, candidates, rng=rng)
simplex = check_convex_set(lambda p: bool(np.all(p >= 0) and abs(p.sum() - 1) < 1e-9),
                           rng.dirichlet([1, 1, 1], size=200), rng=rng)
print("disk:   ", disk)
print("simplex:", simplex)
print("ring:    convex =", ring.convex)

# %%
fig, axes = plotting.new_figure("wide", ncols=2)
angles = np.linspace(0, 2 * np.pi, 200)
for ax, inner, name, evidence in [(axes[0], 0.0, "disk: convex", disk),
                                  (axes[1], np.sqrt(0.4), "ring: not convex", ring)]:
    ax.fill(np.cos(angles), np.sin(angles), color=plotting.COLORS[0], alpha=0.3)
    if inner:
        ax.fill(inner * np.cos(angles), inner * np.sin(angles), color="white")
    if not evidence.convex:
        w = evidence.counterexample
        ax.plot(*np.array([w["x"], w["y"]]).T, "o-", color=plotting.COLORS[4])
        ax.plot(*w["z"], "x", color="black", ms=10, mew=2, label="ξ·x + (1−ξ)·y ∉ C")
        ax.legend(frameon=False, loc="lower right")
    ax.set_aspect("equal")
    ax.set_title(name)
plt.show()

# %% [markdown]
# ## Convex functions (凸函数)
#
# f is **convex** on a convex domain if every chord lies above the graph:
#
# $$f\big(\xi\,x + (1-\xi)\,y\big) \;\le\; \xi\,f(x) + (1-\xi)\,f(y)\qquad \text{for all } x, y,\ \xi \in [0,1].$$
#
# For twice-differentiable f of one variable this is equivalent to f''(x) ≥ 0 everywhere
# (in several variables: the Hessian is positive semi-definite). f is **concave** when −f
# is convex. EM uses one concave function above all: **ln**, whose second derivative
# −1/x² is negative.

# %%
grid = np.linspace(0.1, 5.0, 30)
tests = {
    "x²": (np.square, lambda x: 2.0),
    "exp(x)": (np.exp, np.exp),
    "−ln x": (lambda x: -np.log(x), lambda x: 1 / x**2),
    "ln x": (np.log, lambda x: -1 / x**2),
    "sin x": (np.sin, lambda x: -np.sin(x)),
}
for name, (f, f2) in tests.items():
    chord = check_convex_function(f, grid)
    second = check_convex_function(f, grid, second_derivative=f2)
    print(f"{name:7s} chord test: {chord.convex!s:5}  second-derivative test: {second.convex}")

# %%
fig, ax = plotting.new_figure("small")
x = np.linspace(0.2, 4, 200)
ax.plot(x, -np.log(x), color=plotting.COLORS[0], label="−ln x (convex)")
a, b = 0.4, 3.5
ax.plot([a, b], [-np.log(a), -np.log(b)], "o--", color=plotting.COLORS[4], label="a chord")
ax.legend(frameon=False)
ax.set_title("a chord of a convex function lies above it")
plt.show()

# %% [markdown]
# ## Jensen's inequality (Jensen不等式)
#
# For convex f, weights qᵢ ≥ 0 with Σ qᵢ = 1 (a distribution q), and points xᵢ:
#
# $$f\Big(\sum_i q_i x_i\Big) \;\le\; \sum_i q_i f(x_i),\qquad\text{i.e.}\qquad f(\mathbb{E}_q[x]) \le \mathbb{E}_q[f(x)].$$
#
# The chord definition is the case of two points; induction gives any number. For concave
# f the inequality flips: **ln E[x] ≥ E[ln x]**. Chapter 07 applies exactly this to
# ln Σ_Z q(Z)·p(X,Z|θ)/q(Z) to get EM's lower bound. The difference is the **Jensen gap**
# Σ qᵢ f(xᵢ) − f(Σ qᵢ xᵢ): ≥ 0 for convex f; for f(x) = x² it is the variance.

# %%
points = rng.uniform(0.2, 4.0, size=6)
weights = rng.dirichlet(np.ones(6))
gap_square = jensen_gap(np.square, points, weights)
variance = weights @ (points - weights @ points) ** 2
print(f"x²:   gap = {gap_square:.6f} = variance {variance:.6f}")
print(f"−ln:  gap = {jensen_gap(lambda t: -np.log(t), points, weights):.6f} (≥ 0)")
print(f"ln:   gap = {jensen_gap(np.log, points, weights):.6f} (≤ 0: concave)")
# many random cases: never negative for a convex function
gaps = [jensen_gap(np.exp, rng.normal(size=5), rng.dirichlet(np.ones(5))) for _ in range(1000)]
print(f"exp: smallest gap in 1000 random cases = {min(gaps):.2e}")

# %% [markdown]
# Move the points and the weights (they are renormalised to sum to 1). The square marks
# (E[x], E[f(x)]), the diamond (E[x], f(E[x])); the red segment between them is the gap.

# %%
jensen = JensenWidget(x=(0.5, 1.5, 3.0), weights=(0.3, 0.4, 0.3), function="−ln x (convex)")
jensen

# %% [markdown]
# **Questions to try**
# 1. Put all weight on one point. What happens to the gap? (When is Jensen an equality?)
# 2. Move all points to the same place. Same question.
# 3. Switch to ln x. Which way does the inequality go now?
#
# <details><summary>Hints and answers</summary>
#
# 1. The gap is 0 (the widget shows gap = 0.0000): with one point, E[f(x)] = f(x) = f(E[x]).
# 2. Again 0: if all points coincide, x is a constant and f(E x) = E f(x) for any f. For a
#    strictly convex f these are the only equality cases — the fact chapter 07 uses.
# 3. ln x is concave, so the inequality flips: ln E[x] ≥ E[ln x]. That is the form EM uses
#    to bound ln Σ_z q(z)·p(x,z)/q(z) from below.
# </details>

# %%
print(jensen.summary())
for s, v in zip(jensen.weight_sliders, (1.0, 0.0, 0.0), strict=True):
    s.value = v
print("all weight on x1:", jensen.summary())
for s, v in zip(jensen.weight_sliders, (0.3, 0.4, 0.3), strict=True):
    s.value = v

# %% [markdown]
# ## KL divergence (KL距离 / KL散度 / 相对熵)
#
# The **Kullback–Leibler divergence**, also called **relative entropy**, of distributions
# p and q over the same outcomes:
#
# $$\mathrm{KL}(p \,\|\, q) = \sum_x p(x) \ln \frac{p(x)}{q(x)}\qquad(0 \ln 0 = 0;\ \ p(x) > 0 = q(x) \Rightarrow \infty).$$
#
# Its two main properties (2个主要性质):
# 1. **asymmetric** (非对称): KL(p‖q) and KL(q‖p) need not be equal — it is not a distance;
# 2. **non-negative** (恒大于等于0): KL(p‖q) ≥ 0, with equality **iff** p = q.
#
# *Proof of 2 from Jensen.* −ln is convex, so with weights p(x):
#
# $$\mathrm{KL}(p\|q) = \sum_x p(x)\Big(-\ln\frac{q(x)}{p(x)}\Big) \;\ge\; -\ln \sum_x p(x)\,\frac{q(x)}{p(x)} = -\ln \sum_x q(x) \;\ge\; -\ln 1 = 0,$$
#
# and since −ln is *strictly* convex, equality needs q(x)/p(x) constant, i.e. p = q. ∎
# (The sum runs over x with p(x) > 0, so Σ q(x) ≤ 1 there.) The check, against SciPy:

# %%
p = np.array([0.5, 0.3, 0.2])
q = np.array([0.2, 0.2, 0.6])
print(f"KL(p‖q) = {kl_divergence(p, q):.6f}   scipy: {stats.entropy(p, q):.6f}")
print(f"KL(q‖p) = {kl_divergence(q, p):.6f}   (asymmetric)")
print(f"KL(p‖p) = {kl_divergence(p, p):.6f}")
print(f"KL(p‖q) with q missing an outcome of p: {kl_divergence(p, [0.5, 0.5, 0.0])}")
random_pairs = rng.dirichlet(np.ones(4), size=(2000, 2))
kls = np.array([kl_divergence(a, b) for a, b in random_pairs])
print(f"smallest of 2000 random KL(p‖q): {kls.min():.2e} (never negative)")
# KL = cross-entropy − entropy
cross_entropy = -(p * np.log(q)).sum()
print(f"cross-entropy {cross_entropy:.4f} − entropy {entropy(p):.4f} = KL {kl_divergence(p, q):.4f}")

# %% [markdown]
# Move the sliders (each distribution is renormalised). Make p and q equal; make one q
# entry zero while p keeps mass there.

# %%
kl = KLWidget(p=(0.5, 0.3, 0.2), q=(0.2, 0.2, 0.6))
kl

# %% [markdown]
# **Questions to try**
# 1. Make q uniform. Which of the two KLs is larger, and why does p's peak matter?
# 2. Set q₃ = 0. Which KL becomes infinite? Which stays finite?
# 3. In chapter 07 the E step makes KL(q ‖ p(Z|X,θ)) = 0. Which property says that this
#    forces q to *be* the posterior?
#
# <details><summary>Hints and answers</summary>
#
# 1. *Hint: which one weighs log-ratios by p, which by q?* With q = (⅓, ⅓, ⅓),
#    KL(q‖p) = 0.0702 is slightly larger than KL(p‖q) = 0.0689. KL(p‖q) averages ln(p/q)
#    under p, mostly at p's peak 0.5, where q = ⅓ is not far off; KL(q‖p) averages ln(q/p)
#    under the flat q, which gives p's smallest value 0.2 a full third of the weight, and
#    ln(⅓/0.2) is the largest log-ratio. KL is not symmetric.
# 2. KL(p‖q) = ∞ (p puts 0.2 on an outcome q calls impossible: the widget shows inf);
#    KL(q‖p) stays finite (0.2554): q's zero term contributes 0 · ln 0 = 0.
# 3. Gibbs' inequality with its equality case: KL(q‖p) ≥ 0, with equality **only** when
#    q = p. So KL = 0 after the E step means q is exactly the posterior.
# </details>

# %%
kl.q_sliders[2].value = 0.0
print(kl.summary())
kl.q_sliders[2].value = 0.6
print(kl.summary())

# %% [markdown]
# ## Working in log space: log-sum-exp
#
# Probabilities of long data sets underflow: a product of 1000 probabilities of 0.5 is
# 2⁻¹⁰⁰⁰ ≈ 10⁻³⁰¹, and e⁻¹⁰⁰⁰ is exactly 0.0 in floating point. EM sums probabilities
# (over the hidden Z) that it holds as logarithms, so it needs
#
# $$\ln \sum_i e^{a_i} = m + \ln \sum_i e^{a_i - m},\qquad m = \max_i a_i,$$
#
# where every exponent a_i − m is ≤ 0 and the largest is exactly 0, so the largest term is
# e⁰ = 1: the sum lies between 1 and the number of terms, and nothing underflows to 0.

# %%
a = np.array([-1000.0, -1001.0, -1002.0])
with np.errstate(divide="ignore"):
    naive = np.log(np.exp(a).sum())
print(f"naive ln Σ exp(a) = {naive}, log-sum-exp = {logsumexp(a):.6f}")

# %% [markdown]
# ## Gaussians (高斯分布)
#
# The univariate Gaussian and the D-dimensional one (PRML §2.3):
#
# $$\mathcal N(x\mid\mu,\sigma^2)=\frac{1}{\sqrt{2\pi\sigma^2}}\exp\Big(-\frac{(x-\mu)^2}{2\sigma^2}\Big),\qquad
# \ln\mathcal N(\mathbf x\mid\boldsymbol\mu,\Sigma) = -\tfrac12\Big[D\ln 2\pi + \ln|\Sigma| + (\mathbf x-\boldsymbol\mu)^\top\Sigma^{-1}(\mathbf x-\boldsymbol\mu)\Big].$$
#
# `gaussian_logpdf` computes the second with the Cholesky factor Σ = L Lᵀ:
# ln|Σ| = 2 Σᵢ ln Lᵢᵢ and (x−μ)ᵀΣ⁻¹(x−μ) = ‖L⁻¹(x−μ)‖², never inverting Σ. Checked against
# SciPy:

# %%
mean = np.array([1.0, -1.0])
cov = np.array([[2.0, 0.8], [0.8, 1.0]])
points = rng.normal(size=(5, 2))
ours = gaussian_logpdf(points, mean, cov)
scipy_values = stats.multivariate_normal(mean, cov).logpdf(points)
print("emlib:", ours)
print("scipy:", scipy_values)

# %%
fig, (left, right) = plotting.new_figure("wide", ncols=2)
x = np.linspace(-4, 4, 300)
for (mu, sd), color in zip([(0, 1), (0, 2), (1.5, 0.5)], plotting.COLORS, strict=False):
    left.plot(x, np.exp(gaussian_logpdf(x, mu, sd**2)), color=color, label=f"μ={mu}, σ={sd}")
left.legend(frameon=False)
left.set_title("1-D Gaussians")
g1, g2 = np.meshgrid(np.linspace(-3, 5, 120), np.linspace(-4, 2, 100))
density = np.exp(gaussian_logpdf(np.c_[g1.ravel(), g2.ravel()], mean, cov)).reshape(g1.shape)
right.contour(g1, g2, density, levels=6, cmap="Blues")
for n_std in (1, 2):
    plotting.plot_covariance_ellipse(right, mean, cov, n_std=n_std, color=plotting.COLORS[4])
right.set_aspect("equal")
right.set_title("2-D: contours and the 1σ, 2σ ellipses")
plt.show()

# %% [markdown]
# ### Maximum likelihood for a Gaussian
#
# For data x₁…x_N, setting the derivatives of Σₙ ln N(xₙ | μ, Σ) to zero gives
#
# $$\hat{\boldsymbol\mu} = \frac1N\sum_n \mathbf x_n,\qquad \hat\Sigma = \frac1N\sum_n(\mathbf x_n-\hat{\boldsymbol\mu})(\mathbf x_n-\hat{\boldsymbol\mu})^\top$$
#
# (divide by N, not N − 1). On the real Old Faithful data, the closed form beats every
# perturbed parameter and its gradient in μ, Σ⁻¹(Σₙ xₙ − Nμ̂), is zero:

# %%
data, _ = load_old_faithful()
mu_hat = data.mean(axis=0)
sigma_hat = (data - mu_hat).T @ (data - mu_hat) / len(data)
best = gaussian_logpdf(data, mu_hat, sigma_hat).sum()
gradient_mu = np.linalg.solve(sigma_hat, (data - mu_hat).sum(axis=0))
print(f"μ̂ = {mu_hat}, ln p at the MLE = {best:.4f}, "
      f"|∂/∂μ| < 1e-9: {np.abs(gradient_mu).max() < 1e-9}")
worse = []
for _ in range(200):
    bump = rng.normal(scale=0.05, size=2)
    stretch = np.eye(2) + rng.normal(scale=0.05, size=(2, 2))
    worse.append(gaussian_logpdf(data, mu_hat + bump, stretch @ sigma_hat @ stretch.T).sum())
print(f"best of 200 perturbed parameter sets: {max(worse):.4f} (< {best:.4f})")

# %% [markdown]
# One Gaussian is a poor model of these two-cluster data; chapter 06 fits a *mixture* of
# Gaussians by EM.
#
# ## Summary
# * **Convex set**: segments stay inside. **Convex function**: chords lie above (f'' ≥ 0).
# * **Jensen**: f(E[x]) ≤ E[f(x)] for convex f; ln E[x] ≥ E[ln x] for the concave ln.
# * **KL(p‖q)** = Σ p ln(p/q): asymmetric, ≥ 0, = 0 iff p = q (proof: Jensen with −ln).
# * Sums of probabilities are computed in log space with **log-sum-exp**.
# * **Gaussians** are evaluated through the Cholesky factor; their MLE is the sample mean
#   and the (1/N) sample covariance.
#
# ## Notation
#
# | symbol | meaning |
# |---|---|
# | ξ x + (1−ξ) y | a point of the segment from y to x, 0 ≤ ξ ≤ 1 (convexity, ch. 02) |
# | f'' ; ∇²f | the second derivative; the Hessian |
# | E_q[x] = Σ_i q_i x_i | the expectation under the distribution q |
# | KL(q ‖ p) | the Kullback–Leibler divergence (KL散度), in nats |
# | H(q) = −Σ q ln q | the entropy (熵) of q |
# | N(x \| μ, Σ) | the Gaussian density with mean μ and covariance Σ |
# | Σ = L Lᵀ | the Cholesky factorisation (L lower-triangular; only in this formula) |
#
# ## Exercises
# 1. Show that the set of covariance matrices (symmetric positive semi-definite) is
#    convex, and check it with `check_convex_set` on random 2×2 matrices flattened to vectors.
#
#    <details><summary>Solution</summary>
#
#    If A, B ⪰ 0 then vᵀ(ξA + (1−ξ)B)v = ξ vᵀAv + (1−ξ) vᵀBv ≥ 0 for every v. Numerically:
#
#    ```python
#    def is_psd(v):
#        m = v.reshape(2, 2)
#        return np.allclose(m, m.T) and np.linalg.eigvalsh(m).min() >= -1e-12
#    samples = [(a @ a.T).ravel() for a in rng.normal(size=(100, 2, 2))]
#    check_convex_set(is_psd, np.array(samples), rng=0)   # no violation
#    ```
#    </details>
#
# 2. Compute KL between N(0, 1) and N(1, 1) in closed form and by numerical integration.
#
#    <details><summary>Solution</summary>
#
#    KL(N(μ₁,σ₁²)‖N(μ₂,σ₂²)) = ln(σ₂/σ₁) + (σ₁² + (μ₁−μ₂)²)/(2σ₂²) − ½ = ½ here.
#    Numerically: `x = np.linspace(-10, 10, 20001); p = np.exp(gaussian_logpdf(x, 0, 1));
#    np.trapezoid(p * (gaussian_logpdf(x, 0, 1) - gaussian_logpdf(x, 1, 1)), x)` ≈ 0.5.
#    </details>
