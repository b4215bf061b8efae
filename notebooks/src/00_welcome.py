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
import numpy as np
from IPython.display import Markdown

import emlib
from emlib.em import run
from emlib.glossary import glossary_markdown
from emlib.mixtures import BinomialMixture, BinomialMixtureParams, coin_stepper

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
# These are Do & Batzoglou's numbers: θ_A ≈ 0.71, θ_B ≈ 0.58 after the first iteration and
# θ_A ≈ 0.80, θ_B ≈ 0.52 after ten, where EM has all but stopped. The same run without a
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
# | symbol | meaning |
# |---|---|
# | X | observed data (样本) |
# | Z | hidden / latent variables (隐变量) |
# | θ | model parameters (模型参数) |
# | q(Z) | a distribution over Z; after the E step, q(Z) = p(Z \| X, θ) |
# | ln p(X \| θ) | log-likelihood of the observed (incomplete) data |
# | ln p(X, Z \| θ) | complete-data log-likelihood |
# | Q(θ, θ_old) | E_{p(Z\|X,θ_old)}[ln p(X, Z \| θ)] |
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
#    its coin: no set belongs wholly to one coin, so the weights stay near one half.
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
