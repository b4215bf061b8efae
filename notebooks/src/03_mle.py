# %% [markdown]
# # 03 · Maximum likelihood (极大似然估计, MLE)
#
# **How to run this chapter.** `Run ▸ Run All Cells` (a few seconds). On Binder:
# [open in JupyterLab](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=lab/tree/notebooks/03_mle.ipynb)
# or [as an app (Voila)](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=voila/render/notebooks/03_mle.ipynb).
# The widgets come alive only after Run All; every number printed below is re-checked by
# the course's tests.
#
# This chapter and the next follow a short Chinese blog article, *EM算法* (Orisun,
# cnblogs 2012), itself a translation of the EM section of Lin & Dyer, *Data-Intensive
# Text Processing with MapReduce* (ch. 6). A ball rolls down onto triangular pegs and
# falls into cups. Here nothing is hidden; in chapter 04 the ball's path is.
#
# **Objectives**
# 1. Write the likelihood of observed data, take its log, set the derivative to zero, and
#    check the answer numerically (the one-peg game: p̂ = 0.2).
# 2. Know why we maximise the log-likelihood rather than the likelihood.
# 3. Derive and check the closed-form MLEs of a categorical and of a Gaussian.
# 4. Contrast MLE with MAP (极大后验概率估计) under a Beta prior.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from emlib import mle
from emlib.ball import ARTICLE_ROLLS, bernoulli_mle, count_outcomes
from emlib.views import plotting
from emlib.views.ball import OnePegWidget

np.set_printoptions(precision=4, suppress=True)
SEED = 3
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## The one-peg game (一个木桩的滚球实验)
#
# A small black ball rolls onto a triangular peg and falls either into cup **a** or into
# cup **b**. The outcome is binary, so we model one roll as a Bernoulli variable with one
# parameter, p = P(cup a). Ten rolls gave (the article's data)
#
# $$X = (b, b, b, a, b, b, b, b, b, a).$$
#
# **Maximum likelihood** chooses the parameter under which the observed data were most
# probable:
#
# $$\hat\theta = \arg\max_\theta\; p(X \mid \theta).$$
#
# The rolls are independent, so their joint probability is the product of the ten
# single-roll probabilities, p for each a and 1 − p for each b:
#
# $$p(X \mid p) = \prod_{n=1}^{10} p^{[x_n = a]}(1-p)^{[x_n = b]} = p^{2}(1-p)^{8}.$$

# %%
n_a, n_b = count_outcomes(ARTICLE_ROLLS, success="a")
print("rolls:", "".join(ARTICLE_ROLLS), f"-> n_a = {n_a}, n_b = {n_b}")
p = 0.3
direct = np.prod([p if x == "a" else 1 - p for x in ARTICLE_ROLLS])
print(f"p(X|0.3) as a product of ten factors = {direct:.6e}")
print(f"p(X|0.3) = 0.3^2 * 0.7^8             = {0.3**2 * 0.7**8:.6e}")

# %% [markdown]
# ### Setting the derivative to zero
#
# The logarithm turns the product into a sum and does not move the maximum (ln is strictly
# increasing):
#
# $$\ell(p) = \ln p(X\mid p) = 2\ln p + 8\ln(1-p), \qquad
# \frac{d\ell}{dp} = \frac{2}{p} - \frac{8}{1-p} = 0
# \;\Longleftrightarrow\; 2(1-p) = 8p \;\Longleftrightarrow\; \hat p = \frac{2}{10} = 0.2.$$
#
# The second derivative $-2/p^2 - 8/(1-p)^2$ is negative everywhere, so this is the
# maximum. For $n_a$ balls in cup a out of N the same steps give
# $\hat p = n_a / N$: the maximum-likelihood estimate is the observed frequency.
#
# **Check it.** The closed form against a grid search over [0, 1], and the derivative at p̂:

# %%
grid = np.linspace(0.0, 1.0, 100_001)
log_lik = mle.bernoulli_log_likelihood(grid, n_a, n_b)
p_hat = bernoulli_mle(ARTICLE_ROLLS, success="a")
p_grid = mle.grid_argmax(log_lik, grid)
score = n_a / p_hat - n_b / (1 - p_hat) + 0.0
print(f"closed form p̂ = {p_hat:.4f}; grid argmax = {p_grid:.4f}; dℓ/dp at p̂ = {score:.1e}")
print(f"p(X|p̂) = {mle.bernoulli_likelihood(p_hat, n_a, n_b):.6f}, "
      f"ℓ(p̂) = {mle.bernoulli_log_likelihood(p_hat, n_a, n_b):.4f}")

# %%
fig, (left, right) = plotting.new_figure("wide", ncols=2)
left.plot(grid, mle.bernoulli_likelihood(grid, n_a, n_b), color=plotting.COLORS[0])
left.set_title("likelihood $p(X\\mid p) = p^2(1-p)^8$")
right.plot(grid[1:-1], log_lik[1:-1], color=plotting.COLORS[1])
right.set_ylim(-25, -4)
right.set_title("log-likelihood $\\ell(p) = 2\\ln p + 8\\ln(1-p)$")
for ax in (left, right):
    ax.axvline(p_hat, ls="--", color=plotting.COLORS[4], label="p̂ = 0.2")
    ax.set_xlabel("p = P(cup a)")
    ax.legend(frameon=False)
plt.show()

# %% [markdown]
# ## Why we maximise the log (为什么取对数)
#
# 1. **Same maximiser.** ln is strictly increasing, so argmax p(X|θ) = argmax ℓ(θ).
# 2. **Products become sums.** The derivative of a sum of N terms is the sum of N simple
#    derivatives; the derivative of a product needs the product rule N times.
# 3. **No underflow.** A likelihood is a product of many numbers below 1. With 10 000
#    rolls, p(X|p̂) = 0.2²⁰⁰⁰ · 0.8⁸⁰⁰⁰ ≈ 10⁻²¹⁷³, far below the smallest double
#    (≈ 10⁻³⁰⁸): the computer stores 0 for every p and the maximum is lost. The
#    log-likelihood is an ordinary number.

# %%
for N in (10, 1_000, 10_000):
    k = N // 5  # the same frequency 0.2
    L = mle.bernoulli_likelihood(0.2, k, N - k)
    ll = mle.bernoulli_log_likelihood(0.2, k, N - k)
    print(f"N = {N:>6}: p(X|p̂) = {L:.4g}   ℓ(p̂) = {ll:.2f}")

# %% [markdown]
# ## Try it: slide p, add or remove rolls
#
# The left picture is the likelihood p(X|p), the right one ℓ(p) = ln p(X|p) (the label
# writes them L and ln L); the grey line is your p, the dashed line the maximum-likelihood
# p̂ = n_a / N.

# %%
peg = OnePegWidget(ARTICLE_ROLLS, p=0.5)
peg

# %% [markdown]
# **Questions to try**
# 1. Slide p until ℓ(p) is largest. Where is it? Now press **+ a** twice: where did p̂ go?
# 2. Press **×10 rolls** a few times. p̂ stays, but the curve gets narrower: more data,
#    more certainty. After 10 000 rolls, what does the label say about L?
# 3. Remove rolls until only b's remain. What is p̂, and what happens to ℓ(p) at p = 0?
#
# <details><summary>Hints and answers</summary>
#
# 1. ℓ(p) is largest at p = p̂ = n_a/N = 0.2 (2 a's of 10 rolls). After two more a's,
#    p̂ = 4/12 = 0.333: the maximum moves towards the new data.
# 2. p̂ is unchanged (the proportions are), but ℓ(p) is multiplied by the number of rolls, so
#    its peak gets narrower with every ×10 (the curvature grows like N). After 10 000 rolls
#    the label shows L = 0 — it underflows — while ln L stays finite (about −5004 at p = p̂):
#    that is why we maximise the log.
# 3. p̂ = 0 and ℓ(0) = N·ln 1 = 0, the largest possible value: with only b's, p = 0 is
#    the MLE, and any p > 0 is penalised. (At p = 1 instead, ℓ = −∞.)
# </details>
#
# The widget after adding one a (checked by the tests), then back to the article's rolls:

# %%
peg.buttons["+ a"].click()
print(peg.summary())
peg.buttons["− last"].click()
print(peg.summary())

# %% [markdown]
# ## The MLE of a categorical distribution (类别分布)
#
# A roll with K outcomes (a die, a word, a cup among K cups) has probabilities
# π = (π₁, …, π_K) with Σ π_k = 1. With counts n_k (N = Σ n_k),
#
# $$\ell(\pi) = \sum_k n_k \ln \pi_k .$$
#
# Maximise under the constraint with a Lagrange multiplier λ:
# $\partial/\partial\pi_k \,[\ell(\pi) + \lambda(1 - \sum_j \pi_j)] = n_k/\pi_k - \lambda = 0$,
# so $\pi_k = n_k/\lambda$, and Σ π_k = 1 gives λ = N:
#
# $$\hat\pi_k = \frac{n_k}{N}.$$
#
# **Check it** on 500 simulated rolls of a loaded four-sided die: the closed form beats
# 10 000 random candidate distributions, and recovers the true π roughly.

# %%
true_pi = np.array([0.1, 0.2, 0.3, 0.4])
rolls = rng.choice(4, size=500, p=true_pi)
counts = np.bincount(rolls, minlength=4)
pi_hat = mle.categorical_mle(counts)
best = mle.categorical_log_likelihood(pi_hat, counts)
candidates = rng.dirichlet(np.ones(4), size=10_000)
others = np.log(candidates) @ counts  # ℓ(π) = Σ_k n_k ln π_k for every candidate at once
print("counts:", counts, " π̂ =", pi_hat, " true π =", true_pi)
print(f"ℓ(π̂) = {best:.3f}; best of 10 000 random π: {others.max():.3f}")

# %% [markdown]
# ## The MLE of a Gaussian (高斯分布)
#
# For x₁, …, x_N in D dimensions and N(x | μ, Σ),
#
# $$\ell(\mu, \Sigma) = -\frac{N}{2}\ln|2\pi\Sigma| - \frac12\sum_n (x_n-\mu)^\top\Sigma^{-1}(x_n-\mu).$$
#
# $\partial\ell/\partial\mu = \Sigma^{-1}\sum_n (x_n - \mu) = 0$ gives the sample mean, and
# the derivative with respect to Σ⁻¹, $\frac{N}{2}\Sigma - \frac12\sum_n (x_n-\mu)(x_n-\mu)^\top = 0$,
# gives the sample covariance **with 1/N** (not the unbiased 1/(N−1)):
#
# $$\hat\mu = \frac1N\sum_n x_n, \qquad \hat\Sigma = \frac1N\sum_n (x_n-\hat\mu)(x_n-\hat\mu)^\top.$$
#
# **Check it**: on 200 samples, the closed form equals NumPy's `cov(..., bias=True)`, and
# nudging μ or Σ in any direction lowers ℓ.

# %%
true_mean, true_cov = np.array([1.0, -2.0]), np.array([[2.0, 0.6], [0.6, 1.0]])
X = rng.multivariate_normal(true_mean, true_cov, size=200)
mean_hat, cov_hat = mle.gaussian_mle(X)
ll_hat = mle.gaussian_log_likelihood(X, mean_hat, cov_hat)
print("μ̂ =", mean_hat, "\nΣ̂ =\n", cov_hat)
worse = []
for _ in range(100):
    shift = rng.normal(scale=0.05, size=2)
    stretch = np.eye(2) + np.diag(rng.normal(scale=0.05, size=2))
    worse.append(mle.gaussian_log_likelihood(X, mean_hat + shift, stretch @ cov_hat @ stretch))
print(f"ℓ(μ̂, Σ̂) = {ll_hat:.3f}; best of 100 nudged parameters: {max(worse):.3f}")

# %% [markdown]
# **Compare with a library.** SciPy's `norm.fit` returns the maximum-likelihood mean and
# standard deviation of a 1-D sample (its σ uses 1/N too):

# %%
from scipy.stats import norm

x = X[:, 0]
mu_scipy, sigma_scipy = norm.fit(x)
mu_emlib, var_emlib = mle.gaussian_mle(x)
print(f"SciPy: μ = {mu_scipy:.4f}, σ = {sigma_scipy:.4f}")
print(f"emlib: μ = {mu_emlib[0]:.4f}, σ = {np.sqrt(var_emlib[0, 0]):.4f}")

# %% [markdown]
# ## MAP: a prior changes the answer (极大后验概率估计)
#
# After ten rolls, p̂ = 0.2 is a bold claim. If we believed beforehand that the peg is
# roughly fair, a **prior** p(p) expresses that, and the **maximum a posteriori** estimate
# maximises the posterior p(p | X) ∝ p(X | p) p(p):
#
# $$\hat p_{\text{MAP}} = \arg\max_p \big[\ln p(X\mid p) + \ln p(p)\big].$$
#
# With a Beta(α_a, α_b) prior (the two-class case of the Dirichlet), $p(p) \propto p^{\alpha_a-1}(1-p)^{\alpha_b-1}$, the posterior is again a
# Beta (the prior is *conjugate*):
#
# $$p(p \mid X) \propto p^{n_a+\alpha_a-1}(1-p)^{n_b+\alpha_b-1} = \text{Beta}(n_a+\alpha_a,\; n_b+\alpha_b),
# \qquad \hat p_{\text{MAP}} = \frac{n_a + \alpha_a - 1}{N + \alpha_a + \alpha_b - 2}.$$
#
# The prior acts like α_a − 1 extra a's and α_b − 1 extra b's. α_a = α_b = 1 (flat) gives back the
# MLE; as N grows the data outweigh any fixed prior and MAP → MLE. (A later chapter runs EM
# for a MAP estimate: the M step then maximises E_q[ln p(X, Z | θ)] + ln p(θ).)
#
# **Check it** with a Beta(5, 5) prior ("probably fair"): the closed form against a grid
# search of the log-posterior.

# %%
alpha, beta = 5.0, 5.0
p_map = mle.bernoulli_map(n_a, n_b, alpha, beta)
inner = grid[1:-1]
log_post = mle.bernoulli_log_likelihood(inner, n_a, n_b) + mle.beta_log_pdf(inner, alpha, beta)
print(f"MAP closed form = {p_map:.4f} (= 6/18); grid argmax = {mle.grid_argmax(log_post, inner):.4f}")
print(f"MLE = {p_hat:.4f}; prior mode = 0.5")
for N in (10, 100, 1000):
    print(f"N = {N:>4}, same frequency 0.2: MAP = {mle.bernoulli_map(N // 5, N - N // 5, 5, 5):.4f}")

# %%
posterior = mle.beta_posterior(alpha, beta, n_a, n_b)
fig, ax = plotting.new_figure("wide")
ax.plot(inner, np.exp(mle.beta_log_pdf(inner, alpha, beta)), color=plotting.COLORS[2],
        label="prior Beta(5, 5)")
likelihood = mle.bernoulli_likelihood(inner, n_a, n_b)
ax.plot(inner, likelihood / (likelihood.sum() * (inner[1] - inner[0])), color=plotting.COLORS[0],
        label="likelihood p²(1−p)⁸ (scaled to area 1)")
ax.plot(inner, np.exp(mle.beta_log_pdf(inner, posterior.alpha, posterior.beta)),
        color=plotting.COLORS[4], label=f"posterior Beta({posterior.alpha:g}, {posterior.beta:g})")
ax.axvline(p_hat, color=plotting.COLORS[0], ls="--", lw=1, label="MLE 0.2")
ax.axvline(p_map, color=plotting.COLORS[4], ls="--", lw=1, label=f"MAP {p_map:.3f}")
ax.set_xlabel("p")
ax.set_title("prior × likelihood ∝ posterior")
ax.legend(frameon=False, fontsize=7)
plt.show()

# %% [markdown]
# ## Your turn: the Gaussian MLE (练习)
#
# Write gaussian_mle(x) returning the maximum-likelihood (mean, variance). Replace `...` by your code and run the cell: `check` runs your function on a
# few small cases and tells you which quantity is wrong, on which case and by how much.
# The module docstring of `emlib.exercises.ch03_mle` has the formulas.

# %%
from emlib.exercises import EXERCISES  # noqa: E402


def gaussian_mle(x):
    """(mean, variance): the MLE of a 1-D Gaussian from the samples x."""
    ...  # your code here


print(EXERCISES["gaussian_mle"].check(gaussian_mle))

# %% [markdown]
# <details><summary>Hints</summary>
#
# * The MLE of the variance divides by N, not N − 1.
# * Return the variance σ², not the standard deviation σ.
# * Subtract the mean before squaring: E[x²] − E[x]² loses every digit far from 0.
# </details>
#
# <details><summary>Solution</summary>
#
# ```python
# import numpy as np
#
# def gaussian_mle(x: np.ndarray) -> tuple[float, float]:
#     """The MLE (μ̂, σ̂²) of a 1-D Gaussian from the samples ``x``."""
#     x = np.asarray(x, dtype=float)
#     mean = x.sum() / len(x)
#     variance = np.sum((x - mean) ** 2) / len(x)       # two passes: exact far from 0
#     return float(mean), float(variance)
# ```
# </details>

# %% [markdown]
# ## Summary
# * The likelihood p(X | θ) is the probability of the observed data as a function of θ;
#   maximum likelihood picks its maximiser.
# * Maximise the **log**-likelihood: same maximiser, sums instead of products, no underflow.
# * When nothing is hidden the maximiser has a closed form: frequencies (Bernoulli,
#   categorical), the sample mean and the 1/N sample covariance (Gaussian). Here
#   p̂ = n_a / N = 0.2 for the article's rolls.
# * MAP adds ln p(θ); with a conjugate Beta(α_a, α_b) prior it is the MLE of the data plus
#   α_a − 1 and α_b − 1 pseudo-counts.
# * Next (chapter 04): add two pegs and hide the ball's path. Setting the derivative to zero
#   no longer gives a closed form, and EM takes over.
#
# ## Notation
#
# | symbol | meaning |
# |---|---|
# | X | observed data (the cups of N rolls) |
# | x_n, N | observation n; the number of observations |
# | p, n_a, n_b | one-peg game: probability of cup a; rolls into cups a and b (N = n_a + n_b) |
# | p(X \| θ) | the likelihood (似然函数) |
# | ℓ(θ) = ln p(X \| θ) | the log-likelihood (对数似然) of the observed (incomplete) data |
# | θ̂ = argmax ℓ(θ) | the maximum-likelihood estimate (极大似然估计) |
# | π, n_k | a categorical distribution and its counts (ch. 03) |
# | μ_k, Σ_k | a Gaussian's mean and covariance (one component: μ, Σ) |
# | p(θ), ln p(θ) | a prior on the parameters (MAP, ch. 03 and 09) |
# | Beta(α_a, α_b) | the Beta prior on p (the two-class Dirichlet); α_a − 1, α_b − 1 pseudo-counts |
# | λ | a Lagrange multiplier (拉格朗日乘子) |
#
# ## Exercises
# 1. The article writes the one-peg game as $P(k; p) = p^{1-k}(1-p)^{k}$ with k = 0 for
#    cup a. Show that this gives the same likelihood p²(1−p)⁸.
#
#    <details><summary>Solution</summary>
#
#    k = 0 for each a contributes p¹(1−p)⁰ = p; k = 1 for each b contributes p⁰(1−p)¹ = 1−p.
#    Two a's and eight b's multiply to p²(1−p)⁸.
#    </details>
#
# 2. Show that the MLE of the variance of a 1-D Gaussian is biased:
#    E[σ̂²] = (N−1)/N · σ². Check it by simulation with `mle.gaussian_mle`.
#
#    <details><summary>Solution</summary>
#
#    Σ(x_n − x̄)² = Σ(x_n − μ)² − N(x̄ − μ)², whose expectation is Nσ² − σ². Dividing by N
#    gives (N−1)σ²/N.
#
#    ```python
#    rng = np.random.default_rng(0)
#    v = [mle.gaussian_mle(rng.normal(size=5))[1][0, 0] for _ in range(20_000)]
#    np.mean(v)   # ≈ 0.8 = 4/5
#    ```
#    </details>
#
# 3. With a Beta(α_a, α_b) prior, which α_a, α_b make the MAP estimate equal to the *posterior
#    mean* of a flat prior, (n_a + 1)/(N + 2) (Laplace's rule of succession)?
#
#    <details><summary>Solution</summary>
#
#    (n_a + α_a − 1)/(N + α_a + α_b − 2) = (n_a + 1)/(N + 2) for all data needs α_a − 1 = 1
#    and α_b − 1 = 1: α_a = α_b = 2.
#    </details>
