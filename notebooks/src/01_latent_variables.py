# %% [markdown]
# # 01 · Latent variables, generative models and Bayes (隐变量 · 生成式模型 · 贝叶斯公式)
#
# *Run All first (`Run ▸ Run All Cells`) so the widgets come alive; on Binder:*
# [JupyterLab](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=lab/tree/notebooks/01_latent_variables.ipynb)
# · [Voila](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=voila/render/notebooks/01_latent_variables.ipynb).
#
# The slides list four basic concepts EM needs (涉及到的基本概念): **unsupervised learning**,
# **generative models**, **hidden variables**, and **prior, likelihood and posterior**.
#
# **Objectives**
# 1. Place EM among the kinds of learning, and see what unsupervised learning does on real data.
# 2. Tell a generative model from a discriminative one, and *run* a generative story.
# 3. Know what the hidden variable is in k-Means, HMM, GMM, topic models and word alignment,
#    and why it blocks the usual maximum-likelihood recipe.
# 4. Compute a posterior with Bayes' rule, which is exactly what every E step does.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from emlib.datasets import load_old_faithful, make_gaussian_blobs
from emlib.mixtures import BinomialMixture, BinomialMixtureParams
from emlib.prereq import bayes_posterior
from emlib.views import plotting
from emlib.views.prereq import BayesWidget

np.set_printoptions(precision=4, suppress=True)
SEED = 1
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## Kinds of learning (学习方法)
#
# Write X for a sample (a scalar or a vector) and y for its label (标注).
#
# | method | what data it learns from | example models |
# |---|---|---|
# | unsupervised learning (无监督学习) | (X) | k-Means, HMM, GMM, pLSA, LDA … |
# | supervised learning (有监督学习) | (X, y) | Naïve Bayes, neural networks, logistic regression, maximum entropy, SVM, GBDT … |
# | semi-supervised learning (半监督学习) | (X) + (X, y) | self-training, co-training, S3VM … |
# | reinforcement learning (强化学习) | (action, state, reward) | Markov decision process (MDP) |
#
# EM lives mostly in the first row: the samples carry **no labels** (样本没有标注), and we
# want to find structure, by **clustering** (聚类) or by **probability density estimation**
# (概率密度估计). Here is real unlabelled data: 272 eruptions of the Old Faithful geyser,
# each with its duration and the waiting time until the next one.

# %%
X, columns = load_old_faithful()
fig, (left, right) = plotting.new_figure("wide", ncols=2)
left.scatter(X[:, 0], X[:, 1], s=8, color="#555555")
left.set_xlabel("eruption (min)")
left.set_ylabel("waiting (min)")
left.set_title("clustering: two groups, no labels")
right.hist(X[:, 1], bins=25, density=True, color=plotting.COLORS[0])
right.set_xlabel("waiting (min)")
right.set_title("density estimation: p(waiting)")
plt.show()
print(f"{len(X)} eruptions; mean = {X.mean(0)}")

# %% [markdown]
# Nobody told us which eruptions are "short" and which are "long", yet the two groups are
# plain to see. A Gaussian mixture (chapter 06) finds them, and the density, with EM.

# %% [markdown]
# ## Generative and discriminative models (生成式模型 与 判别式模型)
#
# | method | what it models | example models |
# |---|---|---|
# | generative (生成式模型) | the joint P(X, y) | Naïve Bayes, HMM, GMM, pLSA, LDA … |
# | discriminative (判别式模型) | the conditional P(y \| X) | neural networks, LR, ME, SVM, GBDT … |
#
# A generative model comes with a **generative story** (生成故事): a recipe that produces
# data. For a mixture of two Gaussians:
#
# 1. pick a component z ∈ {1, 2} with probabilities (π₁, π₂);
# 2. draw x from the Gaussian N(μ_z, Σ_z) of that component.
#
# Because it can *generate* data, we can run the story and look at what it makes. The
# left plot is what the story knows (colour = z); the right plot is all we ever observe.

# %%
story = make_gaussian_blobs(300, means=[[0.0, 0.0], [3.0, 2.0]],
                            covariances=[[[1.0, 0.6], [0.6, 1.0]], [[0.5, 0.0], [0.0, 0.5]]],
                            weights=[0.6, 0.4], rng=rng)
fig, (left, right) = plotting.new_figure("wide", ncols=2, sharex=True, sharey=True)
for k in range(2):
    left.scatter(*story.X[story.labels == k].T, s=8, color=plotting.COLORS[k], label=f"z = {k + 1}")
left.legend(frameon=False)
left.set_title("complete data {X, Z}: the story's view")
right.scatter(*story.X.T, s=8, color="#555555")
right.set_title("incomplete data {X}: what we see")
plt.show()
print("fraction with z = 1:", round(float(np.mean(story.labels == 0)), 3), "(π₁ = 0.6)")

# %% [markdown]
# ## Hidden variables (隐变量)
#
# A **hidden** (latent) variable is part of the story we never observe. It may come with
# the model, or be introduced only to make the model easier to solve.
#
# | model | its hidden variable |
# |---|---|
# | k-Means | the cluster centre each sample belongs to (样本所属的聚类中心点) |
# | HMM | the hidden state: a part of speech in tagging (词性标注), a state in other sequence labelling |
# | GMM | the Gaussian each sample came from (样本所属的高斯分布) |
# | topic models (pLSA, LDA) | the topic of each word |
# | IBM models for word alignment (词语对齐) | which word of one sentence each word of its translation comes from |
#
# For word alignment, the data are sentence pairs such as *布什与沙龙举行了会谈* /
# *Bush held a meeting with Sharon*: we see both sentences, but not which words
# translate which. The alignment is the hidden variable; the IBM models learn word
# translation probabilities by EM over all alignments. One plausible alignment:

# %%
chinese = ["布什", "与", "沙龙", "举行", "了", "会谈"]
pinyin = ["Bùshí", "yǔ", "Shālóng", "jǔxíng", "le", "huìtán"]  # figure labels: no CJK font needed
english = ["Bush", "held", "a", "meeting", "with", "Sharon"]
alignment = {"布什": ["Bush"], "与": ["with"], "沙龙": ["Sharon"], "举行": ["held"],
             "会谈": ["a", "meeting"]}
matrix = np.array([[e in alignment.get(c, []) for e in english] for c in chinese], float)
fig, ax = plotting.new_figure("small")
ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1.3)
ax.set_xticks(range(len(english)), english, rotation=30)
ax.set_yticks(range(len(chinese)), pinyin)
ax.grid(False)
ax.set_title("a hidden alignment (dark = linked)")
plt.show()
for c, p, row in zip(chinese, pinyin, matrix, strict=True):
    print(f"{c} ({p}) -> {[e for e, linked in zip(english, row, strict=True) if linked] or 'nothing'}")

# %% [markdown]
# The particle 了 (le) marks completed action and translates to no English word: an
# alignment model must allow "aligned to nothing" (the IBM models add a NULL word).
#
# ### Why hidden variables block the usual recipe
#
# With **complete data** {X, Z} the log-likelihood is a sum of simple logs, and setting
# derivatives to zero gives counts and averages. With only X we must sum the hidden
# variable out, and the sum lands *inside* the logarithm:
#
# $$\ln p(X \mid \theta) = \sum_n \ln \sum_{z} p(x_n, z \mid \theta).$$
#
# The derivative of a log of a sum couples all parameters; there is in general no
# closed form. (含有隐变量，通常的MLE估计、MAP估计没法实施.) The two coins of chapter 00 show
# it: with the coins known, p_A is one division; without them, it is a root of a messy
# equation. The cell below checks the complete-data answer and that the incomplete
# log-likelihood is indeed the log of a sum over the hidden coin.

# %%
heads, tosses = np.array([5, 9, 8, 4, 7]), 10
which = np.array([1, 0, 0, 1, 0])  # 0 = coin A, 1 = coin B: the hidden truth in this example
p_a = heads[which == 0].sum() / (tosses * np.sum(which == 0))
p_b = heads[which == 1].sum() / (tosses * np.sum(which == 1))
print(f"complete data: p_A = {p_a:.4f}, p_B = {p_b:.4f}  (just counting)")

model = BinomialMixture(2, tosses, learn_weights=False)
theta = BinomialMixtureParams(np.array([0.5, 0.5]), np.array([p_a, p_b]))
data = model.validate_data(heads)
joint = np.exp(model.log_joint(data, theta))  # p(x_n, z_n = k | θ)
by_hand = np.log(joint.sum(axis=1)).sum()    # Σ_n ln Σ_k p(x_n, k | θ)
print(f"incomplete data: ln p(X|θ) = Σ_n ln Σ_z p(x_n, z|θ) = {by_hand:.4f} "
      f"(emlib: {model.log_likelihood(data, theta):.4f})")

# %% [markdown]
# ## Prior, likelihood and posterior (先验概率、似然概率、后验概率)
#
# For hidden Y and observed X (each a scalar or a vector), **Bayes' rule** (贝叶斯公式):
#
# $$\underbrace{P(Y \mid X)}_{\text{posterior 后验概率}} = \frac{\overbrace{P(X \mid Y)}^{\text{likelihood 似然概率}}\;\overbrace{P(Y)}^{\text{prior 先验概率}}}{P(X)},\qquad P(X) = \sum_{Y'} P(X \mid Y')\,P(Y').$$
#
# Example: a set of 10 tosses shows 9 heads. Was it coin A (p = 0.8) or coin B (p = 0.5),
# each chosen with probability ½? The likelihoods are binomial probabilities
# P(9 heads | coin) = C(10, 9) p⁹ (1 − p).

# %%
def binomial_pmf(k: int, n: int, p: float) -> float:
    from math import comb
    return comb(n, k) * p**k * (1 - p) ** (n - k)


prior = np.array([0.5, 0.5])
likelihood = np.array([binomial_pmf(9, 10, 0.8), binomial_pmf(9, 10, 0.5)])
posterior = bayes_posterior(prior, likelihood)
print("likelihood P(9 heads | A), P(9 heads | B):", likelihood)
print("posterior  P(A | 9 heads), P(B | 9 heads):", posterior)

# %% [markdown]
# **This is the E step.** With θ = (p_A, p_B) fixed, the E step of the coin game computes
# exactly this posterior for every set: the *responsibility* of each coin. Check it
# against emlib's E step:

# %%
theta = BinomialMixtureParams(np.array([0.5, 0.5]), np.array([0.8, 0.5]))
q = model.e_step(model.validate_data(np.array([9])), theta)
print("E step q(coin | 9 heads):", q[0])

# %% [markdown]
# Move the sliders: the prior P(y), and the likelihood P(x|y) of what was observed. The
# posterior is their product, renormalised.

# %%
bayes = BayesWidget(["coin A", "coin B"], prior=[0.5, 0.5],
                    likelihood=[round(float(v), 2) for v in likelihood],
                    title="<b>Bayes' rule</b>: posterior ∝ likelihood × prior")
bayes

# %% [markdown]
# **Questions to try**
# 1. Make coin A rare (prior 0.1). Does 9 heads still point to A?
# 2. Set both likelihoods equal. What does the posterior become, and why?
# 3. Set both likelihoods to 0: what does the label say? (An impossible observation.)
#
# <details><summary>Hints and answers</summary>
#
# 1. Yes, but less surely: 0.750 for A against 0.250 (0.964 with equal priors). 9 heads are
#    about 27 times more likely under A than under B, and that beats prior odds of 1 : 9.
#    A prior below about 1/28 would tip the balance to B.
# 2. The posterior equals the prior: the observation is equally likely under both coins, so
#    it carries no information about which one was used (posterior ∝ likelihood × prior).
# 3. The normaliser Σ prior × likelihood is 0, and 0/0 has no answer: an observation both
#    coins call impossible leaves the posterior undefined (the label shows emlib's error
#    message instead of a posterior).
# </details>

# %%
bayes.prior_sliders[0].value = 0.1
bayes.prior_sliders[1].value = 0.9
print(bayes.summary())
bayes.prior_sliders[0].value = 0.5
bayes.prior_sliders[1].value = 0.5
print(bayes.summary())

# %% [markdown]
# ## Summary
# * EM is mostly used for **unsupervised** problems: clustering and density estimation.
# * A **generative** model tells a story that produces (X, Z); we observe only X.
# * The **hidden variable** Z puts a sum inside the logarithm of the likelihood, so the
#   usual "set the derivative to zero" recipe fails; EM works around it.
# * **Bayes' rule** turns prior and likelihood into a posterior; the E step is Bayes' rule
#   applied to every sample.
#
# ## Notation
#
# | symbol | meaning |
# |---|---|
# | X | observed data: a sample |
# | y | a sample's label (observed in supervised learning, hidden otherwise) |
# | Z | the hidden (latent) variables (隐变量) |
# | P(y), P(x \| y), P(y \| x) | prior (先验), likelihood (似然), posterior (后验) in Bayes' rule |
# | P(x) = Σ_y P(x \| y) P(y) | the evidence, or marginal likelihood (边缘似然) |
#
# ## Exercises
# 1. In the generative story above, what fraction of points would you expect with z = 2,
#    and what do you get with `make_gaussian_blobs(..., rng=np.random.default_rng(7))`?
#
#    <details><summary>Solution</summary>
#
#    π₂ = 0.4; with 300 points the count is Binomial(300, 0.4): mean 120, standard
#    deviation √(300·0.4·0.6) ≈ 8.5, so anything in about 103–137 is unremarkable.
#    </details>
#
# 2. A set shows 5 heads of 10. Which coin does Bayes' rule favour, A (p = 0.8) or B
#    (p = 0.5), with equal priors? Compute it with `bayes_posterior`.
#
#    <details><summary>Solution</summary>
#
#    P(5 | A) = C(10,5)·0.8⁵·0.2⁵ ≈ 0.026, P(5 | B) = C(10,5)/2¹⁰ ≈ 0.246: the posterior is
#    about (0.097, 0.903): coin B.
#    </details>
