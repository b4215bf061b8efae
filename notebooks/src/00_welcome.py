# %% [markdown]
# # 00 · Welcome: the EM algorithm (EM算法, 期望最大化)
#
# **How to use this course.** Every chapter is a notebook that runs top to bottom in a few
# seconds. On your machine: `Run ▸ Run All Cells`. On Binder:
# [open in JupyterLab](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=lab/tree/notebooks/00_welcome.ipynb)
# or [as an app (Voila)](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=voila/render/notebooks/00_welcome.ipynb).
# The stored outputs you see on GitHub are real: the test suite re-runs every cell and
# compares them. Widgets (buttons, sliders) come alive only when the notebook runs, so
# **Run All first**.
#
# **The buttons.** Every algorithm of the course comes with the same stepping widget:
#
# | button | what it does |
# |---|---|
# | **E step** | fix the parameters θ and compute q(Z) = p(Z \| X, θ): a guess of the hidden variables |
# | **M step** | fix q and re-estimate θ = argmax E_q[ln p(X, Z \| θ)] |
# | **E+M** | one full iteration |
# | **Run** | iterate until ln p(X \| θ) stops rising |
# | **Undo** / **Reset** | go back one half-step / back to the start θ⁽⁰⁾ |
# | slider | show any earlier half-step again |
#
# The label under the buttons shows three numbers after every half-step: the
# log-likelihood ln p(X|θ), the lower bound L(q, θ) and the gap KL(q‖p) between them.
# Chapter 07 proves why ln p(X|θ) = L(q, θ) + KL(q‖p) and why ln p never goes down.
#
# **Objectives of this chapter**
# 1. Know what EM is for and where its name comes from.
# 2. Run EM by hand once, on two coins, before any formula.
# 3. Find your way through the course: the chapter map and the glossary (English ↔ 中文).

# %%
# %matplotlib inline
import numpy as np
from IPython.display import Markdown

import emlib
from emlib.em import run
from emlib.glossary import glossary_markdown
from emlib.mixtures import BinomialMixture, BinomialMixtureParams
from emlib.views.mixtures import coin_stepper

np.set_printoptions(precision=4, suppress=True)
SEED = 0
rng = np.random.default_rng(SEED)
print("emlib", emlib.__version__)

# %% [markdown]
# ## What EM is (EM算法是什么)
#
# EM is an **optimisation framework** for estimating the parameters θ of a probabilistic
# model that has **hidden variables** (隐变量) Z: by maximum likelihood (MLE, 极大似然估计),
# or by maximum a posteriori estimation (MAP, 极大后验概率估计). It was summarised and named
# by Dempster, Laird and Rubin in 1977 (*Maximum likelihood from incomplete data via the EM
# algorithm*, J. Royal Statistical Society B 39), and was voted one of the **top 10
# algorithms in data mining** at ICDM 2006 (Wu et al., *Knowledge and Information
# Systems* 14, 2008).
#
# Its loosest description is a loop of two steps:
#
# ```
# Loop {
#     E step: take an expectation      (E步: 求期望)
#     M step: maximise                 (M步: 求极大)
# }
# ```
#
# The slides ask the two questions that make this precise: *the expectation of which
# function, under which distribution? the maximisation of which function?* The answers,
# which chapter 07 derives:
#
# $$\textbf{E step:}\quad Q(\theta, \theta^{\text{old}}) = \mathbb{E}_{Z \sim p(Z \mid X, \theta^{\text{old}})}\big[\ln p(X, Z \mid \theta)\big]
# \qquad\qquad \textbf{M step:}\quad \theta^{\text{new}} = \arg\max_\theta Q(\theta, \theta^{\text{old}})$$
#
# the expectation of the **complete-data log-likelihood** under the **posterior of the
# hidden variables**, then its maximisation over θ.
#
# **Chicken and egg (鸡生蛋，蛋生鸡).** If we knew the hidden Z, estimating θ would be
# easy (count, average). If we knew θ, guessing Z would be easy (Bayes' rule). We know
# neither, so EM alternates: guess Z from θ (E), then θ from the guess (M), and repeat.

# %% [markdown]
# ## A first taste: two coins (before any formula)
#
# Two coins, A and B, with unknown probabilities of heads p_A and p_B. Five times, someone
# picks one of the coins (we are not told which) and tosses it 10 times. We see only the
# numbers of heads: 5, 9, 8, 4, 7. (This is the example of Do & Batzoglou, *What is the
# expectation maximization algorithm?*, Nature Biotechnology 26, 2008.)
#
# * If we knew which coin made each set, p_A would be "heads of A's sets / tosses of A's
#   sets". That is the M step.
# * If we knew p_A and p_B, Bayes' rule would tell how likely each set came from A or B. That
#   is the E step.
#
# Start from the guess p_A = 0.6, p_B = 0.5 and press the buttons.

# %%
coins = coin_stepper(heads=(5, 9, 8, 4, 7), n_trials=10, p_start=(0.6, 0.5))
coins

# %% [markdown]
# **Questions to try**
# 1. Press **E step**, then **M step**. Which sets pulled p_A up? Why does set 2 (9 heads)
#    count almost entirely for coin A?
# 2. Press **E step** twice. Why does the second press change nothing?
# 3. Press **Run**, then drag the slider back to 0. Does ln p ever go down? Does the gap KL
#    ever become negative?
#
# <details><summary>Hints and answers</summary>
#
# 1. *Hint: look at the responsibilities after the E step.* The sets with many heads — 9, 8
#    and 7 — give coin A responsibilities 0.80, 0.73 and 0.65 (from p_A = 0.6, p_B = 0.5),
#    so their heads pull p_A up to 0.713. Set 2 (9 heads) counts 80 % for A because
#    0.6⁹·0.4 is about four times 0.5¹⁰: nine heads are four times more likely under A.
# 2. The E step computes q = p(Z | X, θ) from θ alone; θ did not change, so neither does q.
#    Only an M step can move θ.
# 3. Never: ln p rises at every step (from −11.3206 to −9.7969 in 13 iterations) and KL ≥ 0
#    at every half-step; it is exactly 0 right after an E step. Chapter 07 proves both.
# </details>
#
# The widget after one iteration and after **Run** (the cell clicks it, so these numbers are
# checked every time the course is tested):

# %%
coins.buttons["E step"].click()
coins.buttons["M step"].click()
print(coins.shown.summary())
print("after 1 iteration:  p_A, p_B =", coins.stepper.params.p)
coins.buttons["Run"].click()
print(f"after Run ({coins.stepper.trace.n_iter} iterations): p_A, p_B =", coins.stepper.params.p)
coins.buttons["Reset"].click()

# %% [markdown]
# These are Do & Batzoglou's numbers: p_A ≈ 0.71, p_B ≈ 0.58 after the first iteration and
# p_A ≈ 0.80, p_B ≈ 0.52 after ten, where EM has all but stopped. The same run without a
# widget is one line: `emlib.em.run` returns a trace with one record per half-step.

# %%
model = BinomialMixture(2, 10, learn_weights=False)
trace = run(model, np.array([5, 9, 8, 4, 7]),
            BinomialMixtureParams(np.array([0.5, 0.5]), np.array([0.6, 0.5])),
            max_iter=100, tol=1e-10)
lls = trace.log_likelihoods
assert np.all(np.diff(lls) >= -1e-12), "EM never decreases the log-likelihood"
print(f"converged: {trace.converged} after {trace.n_iter} iterations")
print(f"p = {trace.params.p}, ln p(X|θ) from {lls[0]:.4f} to {lls[-1]:.4f}")

# %% [markdown]
# ## The chapter map (课程地图)
#
# | # | chapter | 中文 | what you can click |
# |---|---|---|---|
# | 00 | Welcome: what EM is | EM算法 | the two-coin stepper |
# | 01 | Latent variables, generative models, Bayes | 隐变量 / 生成式模型 / 贝叶斯公式 | prior × likelihood → posterior |
# | 02 | The math toolkit: convexity, Jensen, KL, Gaussians | 凸集 / 凸函数 / Jensen不等式 / KL距离 / 高斯分布 | Jensen's gap, KL divergence |
# | 03 | Maximum likelihood: the one-peg ball game | 极大似然估计 | slide p, add rolls |
# | 04 | The hidden path: EM by hand | 含有隐含变量的弹球实验 | three-peg stepper, coins |
# | 05 | k-Means as hard EM | k-Means算法 | cluster stepper, k-means++ |
# | 06 | Gaussian mixtures, soft EM | 高斯混合模型 | GMM stepper on Old Faithful |
# | 07 | Why EM works: the lower bound and the proof | EM算法的收敛性证明 | the EM-effect picture |
# | 08 | PLSA on real text | 概率潜在语义分析 | topic stepper |
# | 09 | Variants: MAP, generalized, variational, online EM, features | EM的变种 | online EM, feed batches |
#
# Chapters 00–02 are the prerequisites; 03–04 meet EM on toys you can compute by hand;
# 05–06 are its two classic applications; 07 proves it; 08–09 take it further.

# %% [markdown]
# ## Glossary (术语表): English ↔ 中文
#
# Every term the two source documents use (the slides on EM and the blog article on the
# ball games), with the chapter that explains it. `emlib.glossary.GLOSSARY` holds it; a
# test checks that each Chinese term is really the one the sources use.

# %%
Markdown(glossary_markdown())

# %% [markdown]
# ## Summary
# * EM estimates θ when part of the data, Z, is hidden, by alternating an **E step**
#   (the posterior of Z under the current θ) and an **M step** (maximise the expected
#   complete-data log-likelihood).
# * Each iteration never lowers ln p(X|θ); it may stop at a local optimum.
# * In this course every EM algorithm is an `emlib.em.EMModel`, run by `emlib.em.run` or by
#   hand with the stepping widget.
#
# ## Notation
#
# One notation for the whole course (also in `notebooks/NOTATION.md`); every chapter's
# table is a subset of this one.
#
# | symbol | meaning |
# |---|---|
# | X | the observed data (观测数据, 样本) |
# | x_n, N | observation n; the number of observations |
# | D | the dimension of one observation |
# | Z | the hidden (latent) variables (隐变量) |
# | z_n, z_nk | the hidden variable of observation n; its 1-of-K coding (z_nk = 1 if z_n = k) |
# | y | a class variable: a sample's label (ch. 01), the ball's hidden path (ch. 04) |
# | P(y), P(x \| y), P(y \| x) | prior (先验), likelihood (似然), posterior (后验) in Bayes' rule |
# | P(x) = Σ_y P(x \| y) P(y) | the evidence, or marginal likelihood (边缘似然) |
# | θ | the parameters (模型参数) |
# | θ⁽ᵗ⁾ | the parameters after t EM iterations (θ⁽⁰⁾: the start) |
# | θ_old, θ* | the parameters of the current E step; a fixed point of EM |
# | θ̂ = argmax ℓ(θ) | the maximum-likelihood estimate (极大似然估计) |
# | p(X \| θ) | the likelihood (似然函数); with Z summed out, the marginal likelihood |
# | ℓ(θ) = ln p(X \| θ) | the log-likelihood (对数似然) of the observed (incomplete) data |
# | ln p(X, Z \| θ) | the complete-data log-likelihood (完全数据的对数似然) |
# | p(θ), ln p(θ) | a prior on the parameters (MAP, ch. 03 and 09) |
# | q(Z) | any distribution over Z; after an E step q(Z) = p(Z \| X, θ_old) |
# | γ_nk | the responsibility (响应度) q(z_n = k) = p(z_n = k \| x_n, θ) (soft) |
# | r_nk | a hard assignment: 1 if observation n is in cluster k, else 0 (k-Means) |
# | N_k = Σ_n γ_nk | the effective number of observations of component k |
# | Q(θ, θ_old) | E_{p(Z\|X,θ_old)}[ln p(X, Z \| θ)], summed over all observations (Q函数) |
# | L(q, θ) | the lower bound (证据下界, ELBO) E_q[ln p(X, Z \| θ)] + H(q) ≤ ln p(X \| θ) |
# | KL(q ‖ p) | the Kullback–Leibler divergence (KL散度), in nats; the gap ln p − L |
# | H(q) = −Σ q ln q | the entropy (熵) of q |
# | K | the number of components, clusters, coins or topics |
# | π_k | the mixing weight of component k (Σ_k π_k = 1) |
# | μ_k, Σ_k | the mean and covariance of component k |
# | σ², σ_k² | a variance (1-D, or the shared σ²I of k-Means as a GMM) |
# | S_k | the weighted scatter Σ_n γ_nk (x_n − μ_k)(x_n − μ_k)ᵀ (ML update: Σ_k = S_k / N_k) |
# | N(x \| μ, Σ) | the Gaussian density with mean μ and covariance Σ |
# | Σ = L Lᵀ | the Cholesky factorisation (L lower-triangular; only in this formula) |
# | λ | a Lagrange multiplier (拉格朗日乘子) |
# | ξ x + (1−ξ) y | a point of the segment from y to x, 0 ≤ ξ ≤ 1 (convexity, ch. 02) |
# | f'' ; ∇²f | the second derivative; the Hessian |
# | E_q[x] = Σ_i q_i x_i | the expectation under the distribution q |
# | p, n_a, n_b | one-peg game: probability of cup a; rolls into cups a and b (N = n_a + n_b) |
# | π, n_k | a categorical distribution and its counts (ch. 03) |
# | θ = (p0, p1, p2) | three-peg game: probability of going right at peg 0, 1, 2 |
# | x ∈ {a, b, c} | three-peg game: the observed cup |
# | N_x, N_y, E[N_y] | balls in cup x; on path y (complete data); its expectation (E step) |
# | f(x \| X) = N_x/N | the frequency of x among the observations (the article's weight) |
# | Pr(y \| x; θ⁽ᵗ⁾) | the posterior of the path given the cup |
# | Q(θ, θ⁽ᵗ⁾)/N | the article's Q: Q per observation, Σ_x f(x\|X) Σ_y Pr(y\|x; θ⁽ᵗ⁾) ln Pr(x, y; θ) |
# | p_k, p_A, p_B, p_C | the heads-probability of coin k (coins A, B, C; in the three-coin model (三硬币模型) A picks B or C) |
# | J(μ, r) | the k-Means distortion Σ_n Σ_k r_nk ‖x_n − μ_k‖² |
# | r*(μ) | the best assignment for centres μ |
# | δ(x) | the distance of x to the nearest centre chosen so far (k-means++) |
# | u(x), l(x, c) | Elkan's upper and lower distance bounds |
# | M(θ), DM | the EM map θ⁽ᵗ⁺¹⁾ = M(θ⁽ᵗ⁾) and its Jacobian at θ* |
# | ρ | EM's rate of convergence: the largest eigenvalue of DM |
# | I_o, I_c, I_m | observed, complete and missing information (I_m = I_c − I_o) |
# | π (linkage) | genetic linkage (ch. 07): the parameter of the cell probabilities (½ + π/4, (1−π)/4, (1−π)/4, π/4); the one use of π outside mixing weights |
# | d, w, z | PLSA: a document, a word, a topic (文档, 词, 主题) |
# | 𝒟, 𝒲 | PLSA: the documents and words of the corpus (incomplete data {𝒟, 𝒲}) |
# | n(d, w), n(d) | how often w occurs in d; the length of d (N = Σ_d n(d)) |
# | P(z\|d), P(w\|z) | PLSA's parameters: topic mixture of a document, word distribution of a topic |
# | q(z\|d,w) | the E-step posterior of the topic of one occurrence |
# | N(d,z), N(z,w) | the expected counts Σ_w n(d,w) q(z\|d,w) and Σ_d n(d,w) q(z\|d,w) |
# | β | the inverse temperature of tempered EM (β = 1: plain EM) |
# | W, H | NMF factors (W = diag(n(d)) P(z\|d), H = P(w\|z)); KL(X ‖ WH) their divergence |
# | α | a Dirichlet (or Beta) concentration: α − 1 pseudo-counts per class |
# | Beta(α_a, α_b) | the Beta prior on p (the two-class Dirichlet); α_a − 1, α_b − 1 pseudo-counts |
# | a, b | the shape and scale of an inverse-gamma prior on a variance (equivalently a Gamma(a, b) prior on the precision; a₀, b₀ and a_k, b_k in variational Bayes) |
# | Λ_k | the precision Σ_k⁻¹ of component k (1-D: 1/σ_k²) |
# | x̄_k | the weighted mean Σ_n γ_nk x_n / N_k of component k |
# | m_k, c_k | variational Bayes: the mean of q(μ_k) and the scale of its precision c_k Λ_k (prior: m₀, c₀) |
# | ν, Ψ = ψI | the degrees of freedom and scale of an inverse-Wishart prior on Σ_k |
# | 𝒬 | the tractable family of variational EM |
# | s, s̄(B), θ(s) | expected sufficient statistics (充分统计量), their batch average, the M step on them |
# | X_p, s_p, P | partition p of the data, its expected sufficient statistics, the number of partitions (ch. 12) |
# | B_t | the mini-batch of online update t |
# | η_t = (t + t₀)^(−κ) | online step sizes, with exponent ½ < κ ≤ 1 |
# | f(w), ω_k, τ | word features, the feature weights of class k, the L2 strength |
# | M | the number of symbols of a categorical HMM (ch. 10) |
# | A_jk | the HMM transition probability p(z_n = k \| z_{n−1} = j) |
# | B_km | the HMM emission probability p(x_n = m \| z_n = k) |
# | e_k | the HMM stopping probability p(STOP \| z_N = k) (Eisner's end state) |
# | μ_k (Poisson) | the mean (rate) of state k's Poisson emission (ch. 10) |
# | α(z_nk), β(z_nk) | HMM forward p(x_1..x_n, z_n = k) and backward p(x_{n+1}..x_N \| z_n = k) |
# | α̂(z_nk), c_n | the scaled forward p(z_n = k \| x_1..x_n) and its normaliser p(x_n \| x_1..x_{n−1}) |
# | ξ_n(j, k) | the HMM pair posterior p(z_{n−1} = j, z_n = k \| X, θ) |
# | f = f₁ … f_{l_f}, e = e₁ … e_{l_e} | IBM Model 1: source and target sentence (源语言句子, 目标语言句子), their lengths (ch. 11) |
# | f₀ | the NULL word (空词) |
# | a_j | the alignment of target position j: the source position that produced e_j (对齐) |
# | t(e \| f) | the translation probability (翻译概率), Model 1's parameters θ |
# | q(a_j = i) | the E-step posterior that e_j came from f_i |
# | c(e \| f) | the expected count of e translating f: Model 1's sufficient statistics |
# | ε | the probability of the target length (a constant in Model 1) |
#
# ## Exercises
# 1. In the coin game, make the mixing weights learnable
#    (`BinomialMixture(2, 10, learn_weights=True)`). Which weights does EM find?
#
#    <details><summary>Solution</summary>
#
#    ```python
#    model = BinomialMixture(2, 10, learn_weights=True)
#    t = run(model, np.array([5, 9, 8, 4, 7]),
#            BinomialMixtureParams(np.array([0.5, 0.5]), np.array([0.6, 0.5])), max_iter=500)
#    t.params
#    ```
#    Weights ≈ 0.523 / 0.477 with p ≈ 0.793 / 0.514, ln p = −9.7954 after 37 iterations
#    (chapter 04, exercise 3, finds the same). Each weight is the average responsibility of
#    its coin: at the end coin A takes 0.959, 0.865 and 0.638 of the sets with 9, 8 and 7
#    heads and 0.118 and 0.035 of those with 5 and 4, and
#    (0.118 + 0.959 + 0.865 + 0.035 + 0.638)/5 = 0.523.
#    </details>
#
# 2. Start from p_A = p_B = 0.5. What happens, and why?
#
#    <details><summary>Solution</summary>
#
#    Both coins get the same responsibility 1/2 for every set, so the M step gives both the
#    same p (the overall frequency 33/50 = 0.66) and they never separate: a symmetric start
#    is a fixed point of EM (a saddle, not a maximum). Always break the symmetry of θ⁽⁰⁾.
#    </details>
