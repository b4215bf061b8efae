# %% [markdown]
# # 08 · PLSA by EM: topics in real text (概率潜在语义分析, PLSA)
#
# **How to run this chapter.** `Run ▸ Run All Cells` (a few seconds). On Binder:
# [open in JupyterLab](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=lab/tree/notebooks/08_plsa.ipynb)
# or [as an app (Voila)](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=voila/render/notebooks/08_plsa.ipynb).
# The widget comes alive only when the notebook runs: **Run All first**.
#
# The slides end their main line with a question: *EM for PLSA?* — the hidden variable Z
# is the **topic** (主题), {𝒟, 𝒲, Z} is the **complete data** (完整数据) and {𝒟, 𝒲} the
# **incomplete data** (不完整数据). This chapter answers it.
#
# **Objectives**
# 1. Tell PLSA's generative story and draw its graphical model.
# 2. Derive the E step P(z|d,w) and the M step for P(w|z) and P(z|d) with Lagrange
#    multipliers, and check every formula numerically.
# 3. Step EM by hand on a dozen tiny documents, and watch one word ("star") change topic
#    with its document.
# 4. Fit PLSA to 1,446 real arXiv abstracts: top words, agreement with the arXiv labels,
#    held-out perplexity against K, tempered EM, local optima.
# 5. See that PLSA is NMF with the KL divergence, and that LDA is its Bayesian successor.

# %%
# %matplotlib inline
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import normalized_mutual_info_score

from emlib.corpus import TOY_CORPUS, contingency_table, purity, toy_counts
from emlib.datasets import CREDITS, load_arxiv_abstracts
from emlib.em import run
from emlib.plsa import PLSA, PLSAModel, PLSAParams, perplexity
from emlib.views import plotting
from emlib.views.plsa import plsa_stepper

np.set_printoptions(precision=4, suppress=True)
SEED = 0
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## The generative story (生成过程)
#
# A corpus is a bag of (document, word) pairs. PLSA (Hofmann 1999) explains every single
# word occurrence by a hidden topic:
#
# 1. pick a document d with probability P(d);
# 2. pick a topic z for this word from the document's mixture of topics, P(z|d);
# 3. pick the word w from the topic's word distribution, P(w|z).
#
# Only d and w are seen; z is hidden. Summing it out gives the **asymmetric
# parameterisation** used throughout:
#
# $$P(d, w) = P(d)\sum_{z=1}^{K} P(z\mid d)\,P(w\mid z),\qquad
# \theta = \big(P(z\mid d),\ P(w\mid z)\big).$$
#
# A document is a *mixture* of topics, not a member of one cluster: an abstract on dark
# matter can be 70 % astrophysics and 30 % particle physics.

# %%
fig, ax = plotting.new_figure("wide")
plotting.plot_plsa_graphical_model(ax)
plt.show()

# %% [markdown]
# ## The likelihood: incomplete and complete data (不完整数据与完整数据)
#
# With counts n(d, w), document lengths n(d) = Σ_w n(d, w) and N = Σ_d n(d), the
# log-likelihood of the **incomplete data** {𝒟, 𝒲} is
#
# $$\ln p(\mathcal D, \mathcal W\mid\theta) = \sum_{d,w} n(d,w)\,\ln P(d,w)
# = \underbrace{\sum_d n(d)\ln P(d)}_{\text{no topics in it}} + \sum_{d,w} n(d,w)\ln\sum_z P(z\mid d)\,P(w\mid z).$$
#
# P(d) does not touch the topics; its maximum-likelihood value is n(d)/N, and emlib keeps
# it fixed there. **Convention:** emlib's ln p *includes* the constant Σ_d n(d) ln(n(d)/N),
# so it is the likelihood of the slides' {𝒟, 𝒲}; perplexity (below) leaves it out.
#
# The log of a sum is what makes direct maximisation hard. If we saw the topic z of every
# occurrence — the **complete data** {𝒟, 𝒲, Z} — the log-likelihood would split into counts:
#
# $$\ln p(\mathcal D, \mathcal W, Z\mid\theta) = \sum_{d,w}\sum_{\text{occurrences}}\Big[\ln P(d) + \ln P(z\mid d) + \ln P(w\mid z)\Big].$$
#
# EM replaces the unknown indicator "this occurrence has topic z" by its posterior
# probability and maximises the expectation:
#
# $$Q(\theta,\theta^{\text{old}}) = \sum_{d,w} n(d,w)\sum_z P(z\mid d,w;\theta^{\text{old}})
# \Big[\ln P(z\mid d) + \ln P(w\mid z)\Big] + \text{const}.$$

# %% [markdown]
# ## E step: the posterior of the topic (E步)
#
# Bayes' rule on one occurrence of w in d:
#
# $$q(z\mid d,w) = P(z\mid d, w) = \frac{P(z\mid d)\,P(w\mid z)}{\sum_{z'} P(z'\mid d)\,P(w\mid z')}.$$
#
# It is needed only where n(d, w) > 0: emlib stores the counts as (document, word, count)
# triplets and never forms the mostly-empty documents × words table.
#
# ## M step: Lagrange multipliers (M步, 拉格朗日乘子)
#
# Maximise Q over P(w|z) subject to Σ_w P(w|z) = 1 for every z, and over P(z|d) subject to
# Σ_z P(z|d) = 1 for every d:
#
# $$\mathcal{L} = Q + \sum_z \lambda_z\Big(1 - \sum_w P(w\mid z)\Big) + \sum_d \mu_d\Big(1 - \sum_z P(z\mid d)\Big).$$
#
# Setting ∂𝓛/∂P(w|z) = Σ_d n(d,w) q(z|d,w) / P(w|z) − λ_z = 0 gives
# P(w|z) = Σ_d n(d,w) q(z|d,w) / λ_z, and the constraint fixes λ_z = Σ_{d,w} n(d,w) q(z|d,w).
# Likewise μ_d = Σ_{w,z} n(d,w) q(z|d,w) = n(d). With the **expected counts**
# N(z,w) = Σ_d n(d,w) q(z|d,w) and N(d,z) = Σ_w n(d,w) q(z|d,w):
#
# $$P(w\mid z) = \frac{N(z,w)}{\sum_{w'} N(z,w')},\qquad P(z\mid d) = \frac{N(d,z)}{n(d)}.$$
#
# "Count how often each topic produced each word, in expectation, and normalise" — the
# same recipe as for the coins of chapter 00.
#
# The next cell checks all of it on a small random corpus against a direct dense
# computation: the E step against Bayes' rule on the full documents × words × topics table, the M step
# against the stationarity conditions (∂Q/∂P(w|z) is the same λ_z for every word) and
# against random feasible perturbations (none does better), and ln p = L + KL.

# %%
counts_small = rng.integers(0, 4, size=(6, 8)).astype(float)
counts_small[counts_small.sum(axis=1) == 0, 0] = 1
K_small = 3
theta0 = rng.dirichlet(np.ones(K_small), 6)
phi0 = rng.dirichlet(np.ones(8), K_small)
model = PLSAModel(K_small)
X_small = model.validate_data(counts_small)
q = model.e_step(X_small, PLSAParams(theta0, phi0))

# E step: Bayes' rule on the dense (documents, words, topics) table, read at the non-zero counts
joint = theta0[:, None, :] * phi0.T[None, :, :]
bayes = joint / joint.sum(axis=2, keepdims=True)
assert np.allclose(np.asarray(q), bayes[X_small.doc, X_small.word])

# M step: the closed form, and the Lagrange condition dQ/dP(w|z) = lambda_z for all w
new = model.m_step(X_small, q)
expected = counts_small[:, :, None] * bayes                  # n(d,w) q(z|d,w)
N_zw, N_dz = expected.sum(axis=0).T, expected.sum(axis=1)
assert np.allclose(new.p_w_given_z, N_zw / N_zw.sum(axis=1, keepdims=True))
assert np.allclose(new.p_z_given_d, N_dz / counts_small.sum(axis=1, keepdims=True))
used = N_zw > 0
gradient = N_zw / new.p_w_given_z                            # dQ/dP(w|z)
lambdas = N_zw.sum(axis=1)
assert np.allclose(np.where(used, gradient, lambdas[:, None]), lambdas[:, None])


def q_function(params, expected):
    """Q(θ) = Σ n(d,w) Σ_z q(z|d,w) [ln P(z|d) + ln P(w|z)] for the fixed expected counts
    n(d,w) q(z|d,w) (a D × W × K array)."""
    with np.errstate(divide="ignore"):
        logs = np.log(params.p_z_given_d)[:, None, :] + np.log(params.p_w_given_z).T[None]
    return float(np.sum(np.where(expected > 0, expected * logs, 0.0)))


best = q_function(new, expected)
worse = [q_function(PLSAParams(0.9 * new.p_z_given_d + 0.1 * rng.dirichlet(np.ones(K_small), 6),
                               0.9 * new.p_w_given_z + 0.1 * rng.dirichlet(np.ones(8), K_small)),
                    expected)
         for _ in range(200)]
assert max(worse) < best

# the decomposition ln p = L + KL, for the old q at the new θ
ev = model.evaluate(X_small, new, q)
assert abs(ev.log_likelihood - (ev.lower_bound + ev.kl)) < 1e-9 and ev.kl >= 0
print(f"lambda_z = {np.round(lambdas, 4)} (= expected number of words per topic)")
print(f"Q at the M-step solution {best:.4f} > best of 200 perturbations {max(worse):.4f}")
print(f"after the M step: ln p = {ev.log_likelihood:.4f} = L {ev.lower_bound:.4f} "
      f"+ KL {ev.kl:.4f}")

# %% [markdown]
# ## Step it by hand: twelve tiny documents (交互: 小语料)
#
# A hand-made corpus on three themes — space, cooking, football — already reduced to
# content words. The word **star** appears in space *and* football documents.

# %%
counts_toy, vocabulary_toy, labels_toy = toy_counts()
for i, (label, text) in enumerate(TOY_CORPUS):
    print(f"d{i:<2} {label:9} {text}")
print(f"{counts_toy.shape[0]} documents, {counts_toy.shape[1]} words, "
      f"{int(counts_toy.sum())} occurrences")

# %% [markdown]
# The picture: left, P(w|z) for the most probable words of each topic; right, the E step's
# q(z|d,w) for every word of document d0 (space) and d8 (football).
#
# **Questions to try**
# 1. Press **E step**, then **M step** a few times. How fast do the three topics separate?
#    Is the gap KL(q‖p) after each M step large or small compared with the rise of ln p?
# 2. Watch the two rows "d0: star" and "d8: star". The word is the same; why does its
#    posterior end up on different topics?
# 3. **Reset**, then press **M step** first. Why is it refused?
#
# <details><summary>Hints and answers</summary>
#
# 1. *Hint: read the bars on the left after each M step.* After the first iteration
#    ln p = −350.38 with KL = 2.40 left open; the three themes then sharpen over the next
#    iterations until the fit converges (25 iterations, ln p = −289.89). KL after an M step
#    is large only at the start and shrinks with the rise of ln p.
# 2. The E step multiplies P(w|z) by the **document's** P(z|d): d0 is a space document, d8 a
#    football one, so the same word "star" takes the topic its document favours. The context
#    disambiguates the word.
# 3. The M step maximises the bound built from q; before any E step there is no q, so there is
#    nothing to maximise (emlib raises a `StepOrderError`, the widget refuses).
# </details>

# %%
toy_seed = int(rng.integers(100))        # one θ⁽⁰⁾ for the widget and the run below
w = plsa_stepper(counts_toy, vocabulary_toy, n_topics=3, random_state=toy_seed)
w

# %%
w.buttons["E step"].click()
w.buttons["M step"].click()
print(w.shown.summary())

# %% [markdown]
# (The widget now shows iteration 1; **Reset** takes it back to θ⁽⁰⁾.) The same run to
# convergence, without the widget (θ⁽⁰⁾ drawn from the same seed), and the
# posterior of "star" in a space document and in a football document:

# %%
trace_toy = run(PLSAModel(3), counts_toy, max_iter=300, tol=1e-9, rng=toy_seed)
print(trace_toy.records[-1].summary(), f"after {trace_toy.n_iter} iterations")
q_toy = np.asarray(trace_toy.posterior)
X_toy = PLSAModel(3).validate_data(counts_toy)
for d in (0, 8):
    row = np.flatnonzero((X_toy.doc == d) & (X_toy.word == vocabulary_toy.index("star")))[0]
    print(f"P(z | d{d}, star) = {np.round(q_toy[row], 3)}")

# %% [markdown]
# The same "star" belongs to the space topic in d0 and to the football topic in d8: the
# posterior combines what the word suggests, P(w|z), with what its document is about,
# P(z|d). This is how PLSA handles **polysemy** (一词多义), which a plain word clustering
# cannot.
#
# **Local optima (局部最优).** The likelihood of PLSA has many local maxima. Eight random
# starts on the toy corpus:

# %%
finals = []
for start_index in range(8):
    trace = run(PLSAModel(3), counts_toy, max_iter=200, tol=1e-8, rng=rng)
    topics = trace.params.p_z_given_d.argmax(axis=1)
    finals.append(trace.records[-1].log_likelihood)
    print(f"start {start_index}: ln p = {finals[-1]:9.4f} after {trace.n_iter:3} iterations, "
          f"topic of each document {topics}")
print(f"best {max(finals):.4f}, reached by {sum(np.isclose(finals, max(finals)))} of 8 starts")

# %% [markdown]
# Only some starts find the three themes; the others merge two themes and split one.
# In practice: run several seeds and keep the highest ln p.
#
# ## A real corpus: 1,446 arXiv abstracts (真实语料)
#
# Titles and abstracts of arXiv papers from April 2007 in four archives (astro-ph,
# cond-mat, hep, math). The text is tokenised by scikit-learn's `CountVectorizer`: English
# stop words removed, words kept if they occur in at least 5 documents.

# %%
corpus = load_arxiv_abstracts()
print(CREDITS["arxiv_abstracts_4topics.csv"])
labels = np.array(corpus.labels)
names, sizes = np.unique(labels, return_counts=True)
print(dict(zip(names.tolist(), sizes.tolist(), strict=True)))
vectorizer = CountVectorizer(stop_words="english", min_df=5)
counts = vectorizer.fit_transform(corpus.texts)
vocabulary = vectorizer.get_feature_names_out()
print(f"counts: {counts.shape[0]} documents × {counts.shape[1]} words, "
      f"{counts.nnz} non-zero counts ({counts.nnz / np.prod(counts.shape):.1%} of the table), "
      f"N = {int(counts.sum())}")

# %% [markdown]
# **Fit K = 4 from three random starts** (local optima again) and keep the one with the
# highest ln p. We score the topics against the arXiv labels, which PLSA never sees: each
# document gets its most probable topic argmax_z P(z|d); *purity* (`emlib.corpus.purity`) is
# the share of documents whose topic's majority label is their own label, and NMI the
# normalised mutual information between topics and labels.

# %%
starts = []
for start_index in range(3):
    fit = PLSA(n_topics=4, max_iter=60, tol=1e-3, random_state=rng).fit(counts)
    topics = fit.p_z_given_d_.argmax(axis=1)
    starts.append(fit)
    print(f"start {start_index}: ln p = {fit.log_likelihood_:.1f} after {fit.n_iter_} "
          f"iterations, purity {purity(topics, labels):.3f}, "
          f"NMI {normalized_mutual_info_score(labels, topics):.3f}")
plsa4 = max(starts, key=lambda fit: fit.log_likelihood_)
print(f"kept ln p = {plsa4.log_likelihood_:.1f}; "
      f"training perplexity {plsa4.perplexity(counts, plsa4.p_z_given_d_):.1f}")
for z, words in enumerate(plsa4.top_words(vocabulary, 10)):
    print(f"topic {z}: {' '.join(words)}")

# %% [markdown]
# **Agreement with the arXiv labels**, for the kept fit:

# %%
topics4 = plsa4.p_z_given_d_.argmax(axis=1)
table, topic_values, label_values = contingency_table(topics4, labels)
print("topic  " + " ".join(f"{name:>9}" for name in label_values))
for z, row in zip(topic_values, table, strict=True):
    print(f"{z:5}  " + " ".join(f"{v:9d}" for v in row))
print(f"purity {purity(topics4, labels):.3f}, normalised mutual information "
      f"{normalized_mutual_info_score(labels, topics4):.3f}")

# %% [markdown]
# ## Held-out perplexity against K, and tempered EM (困惑度与回火EM)
#
# The **perplexity** of counts under the model is
#
# $$\text{perplexity} = \exp\Big(-\frac{1}{N}\sum_{d,w} n(d,w)\,\ln P(w\mid d)\Big),\qquad
# P(w\mid d) = \sum_z P(z\mid d)P(w\mid z):$$
#
# the number of equally likely words the model hesitates between (W for a uniform model).
# Lower is better — but on the training data it only falls as K grows. For new documents
# P(z|d) is unknown: **fold-in** (`transform`) runs EM over P(z|d) with P(w|z) fixed. To
# avoid scoring a document on the very words used to fold it in, we use **document
# completion**: fold in on a random half of each held-out document's words, score the
# other half.

# %%
split = rng.permutation(len(corpus))
train_docs, test_docs = split[:1157], split[1157:]
vectorizer_train = CountVectorizer(stop_words="english", min_df=5)
train = vectorizer_train.fit_transform([corpus.texts[i] for i in train_docs])
test = vectorizer_train.transform([corpus.texts[i] for i in test_docs]).toarray()
first = rng.binomial(test, 0.5)
second = test - first
keep = (first.sum(axis=1) > 0) & (second.sum(axis=1) > 0)
first, second = first[keep], second[keep]
print(f"train {train.shape[0]} documents, held out {keep.sum()} documents "
      f"({int(first.sum())} words to fold in, {int(second.sum())} to score)")

Ks = [2, 4, 8, 16]
train_ppl, test_ppl, fits = [], [], {}
for k in Ks:
    fit = fits[k] = PLSA(k, max_iter=20, tol=None, random_state=rng).fit(train)
    train_ppl.append(fit.perplexity(train, fit.p_z_given_d_))
    test_ppl.append(fit.perplexity(second, fit.transform(first, max_iter=10)))
    print(f"K = {k:2}: training perplexity {train_ppl[-1]:7.1f}, "
          f"held-out perplexity {test_ppl[-1]:7.1f}")

# %%
fig, ax = plotting.new_figure("small")
ax.plot(Ks, train_ppl, "o-", label="training")
ax.plot(Ks, test_ppl, "s-", label="held out (document completion)")
ax.set_xscale("log", base=2)
ax.set_xticks(Ks, [str(k) for k in Ks])
ax.set_xlabel("number of topics K")
ax.set_ylabel("perplexity")
ax.legend(frameon=False)
plt.show()

# %% [markdown]
# Training perplexity keeps falling with K (1301 → 767); the held-out one falls too, but
# much less (1372 → 1266 → 1224 → 1210), and each doubling of K buys less: from K = 8 to 16
# the training perplexity drops by 175, the held-out one by 15. There is no over-fitting
# *yet* in these numbers — held-out perplexity still improves — but the widening gap
# between the two curves is the sign of it: more and more of what extra topics learn are
# the training words themselves (过拟合 in the making). Tempered EM narrows that gap:
#
# **Tempered EM** (Hofmann 1999) damps the E step: q_β(z|d,w) ∝ [P(z|d)P(w|z)]^β with
# β < 1 spreads the posterior over topics, so the M step commits less to the training
# words. It is still EM, for the objective
# F_β(θ) = Σ_d n(d) ln(n(d)/N) + (1/β) Σ n(d,w) ln Σ_z [P(z|d)P(w|z)]^β, and the
# decomposition reads F_β = L_β + (1/β)·KL(q‖q_β) with L_β = E_q[ln p(d,w,z|θ)] + H(q)/β
# (for β = 1 it is ln p = L + KL). At K = 16:

# %%
for beta in (1.0, 0.8):
    fit = fits[16] if beta == 1.0 else PLSA(16, max_iter=20, tol=None, beta=beta,
                                             random_state=rng).fit(train)
    held_out = perplexity(second, fit.transform(first, max_iter=10), fit.p_w_given_z_)
    print(f"beta = {beta:.1f}: training perplexity "
          f"{fit.perplexity(train, fit.p_z_given_d_):7.1f}, held-out perplexity {held_out:7.1f}")

# %% [markdown]
# A smaller β gives up some training fit for a clearly better held-out score. (Hofmann
# lowers β step by step while the held-out perplexity improves; `PLSA(beta=...)` keeps it
# fixed.)
#
# ## Connections: PLSA ≡ NMF with the KL divergence (与NMF的关系)
#
# Non-negative matrix factorisation with the generalised KL divergence,
# min KL(X‖WH) = Σ [x ln(x/(WH)) − x + WH] over W, H ≥ 0, is PLSA in other coordinates
# (Gaussier & Goutte 2005; Ding, Li & Peng 2008): with **W = diag(n(d)) P(z|d)** and
# **H = P(w|z)**, the rows of WH sum to n(d) and
#
# $$\ln p(\mathcal D,\mathcal W\mid\theta) = \sum_{d,w} n(d,w)\ln n(d,w) - N\ln N - \mathrm{KL}(X\,\|\,WH).$$
#
# Lee & Seung's multiplicative update for W is *exactly* PLSA's update of P(z|d), and
# the one for H is PLSA's update of P(w|z) at the new P(z|d): one NMF iteration is an EM
# sweep over one block of θ at a time (`tests/test_plsa_nmf.py` checks both updates against
# scikit-learn, number for number, and the identity above). Here, from the same start on
# the arXiv counts (K = 4), 30 iterations of each, NMF's factors read back as PLSA's
# parameters (rescale so that the rows of H sum to 1):

# %%
k = 4
start = PLSAParams(rng.dirichlet(np.ones(k), counts.shape[0]),
                   rng.dirichlet(np.ones(counts.shape[1]), k))
n_d = np.asarray(counts.sum(axis=1)).ravel().astype(float)
plsa_fit = PLSA(k, max_iter=30, tol=None, init=start).fit(counts)

nmf = NMF(k, init="custom", solver="mu", beta_loss="kullback-leibler", tol=0, max_iter=30)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # "maximum number of iterations reached"
    W = nmf.fit_transform(counts.astype(float), W=n_d[:, None] * start.p_z_given_d,
                          H=start.p_w_given_z.copy())
H = nmf.components_
theta_nmf = W * H.sum(axis=1)
nmf_as_plsa = PLSAParams(theta_nmf / theta_nmf.sum(axis=1, keepdims=True),
                         H / H.sum(axis=1, keepdims=True))
print(f"PLSA EM:   ln p = {plsa_fit.log_likelihood_:.1f}")
print(f"NMF-KL mu: ln p = {PLSAModel(k).log_likelihood(counts, nmf_as_plsa):.1f}")
print(f"documents with the same top topic: "
      f"{np.mean(nmf_as_plsa.p_z_given_d.argmax(1) == plsa_fit.p_z_given_d_.argmax(1)):.3f}")

# %% [markdown]
# Same start, same number of iterations, nearly the same likelihood and mostly the same
# topics: the two algorithms climb the same surface by slightly different paths (NMF
# updates W before H within an iteration). `benchmarks/bench_plsa.py` times them.
#
# **LDA, the Bayesian successor (LDA: 贝叶斯化的PLSA).** PLSA has a P(z|d) per *training*
# document: its parameters grow with the corpus, it over-fits (hence tempered EM), and a
# new document needs the fold-in heuristic. Latent Dirichlet Allocation (Blei, Ng & Jordan
# 2003) puts Dirichlet priors on P(z|d) and P(w|z): P(z|d) becomes a hidden variable
# itself, with a posterior that no longer has a closed form — so the E step turns into
# **variational EM** (chapter 09) or Gibbs sampling. PLSA is LDA's MAP estimate under
# uniform Dirichlet priors (Girolami & Kabán 2003). `sklearn.decomposition.LatentDirichletAllocation`
# fits it by variational Bayes.

# %% [markdown]
# ## Your turn: the PLSA M step (练习)
#
# Write plsa_m_step(counts, q) returning (P(z|d), P(w|z)). Replace `...` by your code and run the cell: `check` runs your function on a
# few small cases and tells you which quantity is wrong, on which case and by how much.
# The module docstring of `emlib.exercises.ch08_plsa` has the formulas.

# %%
from emlib.exercises import EXERCISES  # noqa: E402


def plsa_m_step(counts, q):
    """(P(z|d): documents × K, P(w|z): K × words); q[d, w, z] = q(z|d,w)."""
    ...  # your code here


print(EXERCISES["plsa_m_step"].check(plsa_m_step))

# %% [markdown]
# <details><summary>Hints</summary>
#
# * Weight the posterior by the counts: n(d,w) q(z|d,w) is the expected count.
# * P(w|z) is normalised over the words w, for each topic z (rows of K × words).
# * P(z|d) is normalised over the topics, for each document.
# </details>
#
# <details><summary>Solution</summary>
#
# ```python
# import numpy as np
#
# def plsa_m_step(counts: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
#     """(P(z|d): documents × K, P(w|z): K × words) from the counts (documents × words)
#     and q(z|d,w) (documents × words × K)."""
#     counts, q = np.asarray(counts, dtype=float), np.asarray(q, dtype=float)
#     expected = counts[:, :, None] * q                # n(d,w) q(z|d,w): expected counts
#     topic_word = expected.sum(axis=0).T              # K × words
#     doc_topic = expected.sum(axis=1)                 # documents × K
#     return (doc_topic / doc_topic.sum(axis=1, keepdims=True),
#             topic_word / topic_word.sum(axis=1, keepdims=True))
# ```
# </details>

# %% [markdown]
# ## Summary
# - PLSA: P(d, w) = P(d) Σ_z P(z|d) P(w|z); the topic z of each word is the hidden variable,
#   {𝒟, 𝒲, Z} the complete data, {𝒟, 𝒲} the incomplete data.
# - E step: P(z|d,w) ∝ P(z|d) P(w|z), needed only at the non-zero counts.
# - M step (Lagrange multipliers): normalise the expected counts N(z,w) and N(d,z).
# - ln p never decreases and ln p = L + KL after every half-step; tempered EM (β < 1)
#   obeys the same laws for its own objective F_β.
# - On arXiv abstracts, K = 4 topics without seeing a label find astro-ph (327 of 398) and
#   cond-mat (348 of 380) almost cleanly, but merge most of math with hep's theory papers
#   into one topic and put most of hep's phenomenology into another: purity 0.82, NMI 0.63;
#   held-out perplexity by document completion shows where more topics stop helping.
# - PLSA ≡ NMF with the KL divergence (same fixed points; an NMF iteration is a blockwise
#   EM sweep); LDA is its Bayesian successor.
#
# ## Notation
#
# | symbol | meaning |
# |---|---|
# | d, w, z | PLSA: a document, a word, a topic (文档, 词, 主题) |
# | 𝒟, 𝒲 | PLSA: the documents and words of the corpus (incomplete data {𝒟, 𝒲}) |
# | n(d, w), n(d) | how often w occurs in d; the length of d (N = Σ_d n(d)) |
# | P(z\|d), P(w\|z) | PLSA's parameters: topic mixture of a document, word distribution of a topic |
# | q(z\|d,w) | the E-step posterior of the topic of one occurrence |
# | N(d,z), N(z,w) | the expected counts Σ_w n(d,w) q(z\|d,w) and Σ_d n(d,w) q(z\|d,w) |
# | K | the number of topics |
# | λ | a Lagrange multiplier of a normalisation |
# | β | the inverse temperature of tempered EM (β = 1: plain EM) |
# | W, H | NMF factors (W = diag(n(d)) P(z\|d), H = P(w\|z)); KL(X ‖ WH) their divergence |
#
# ## Exercises
# 1. Show that Σ_z N(d,z) = n(d), so that the M step for P(z|d) needs no separate
#    normaliser.
#
#    <details><summary>Solution</summary>
#
#    Σ_z N(d,z) = Σ_w n(d,w) Σ_z q(z|d,w) = Σ_w n(d,w) = n(d), since q(·|d,w) is a
#    distribution over z. This is also why the Lagrange multiplier is μ_d = n(d).
#    </details>
#
# 2. Start EM from P(z|d) = 1/K for all d and P(w|z) the same for all z (a symmetric
#    start). What happens, and why?
#
#    <details><summary>Solution</summary>
#
#    Every q(z|d,w) = 1/K, so every topic receives the same expected counts and the
#    M step returns identical topics again: a fixed point of EM that is not a maximum.
#    Random starts break the symmetry.
#
#    ```python
#    sym = PLSAParams(np.full((12, 3), 1 / 3), np.tile(counts_toy.sum(0) / counts_toy.sum(), (3, 1)))
#    run(PLSAModel(3), counts_toy, sym, max_iter=5).params.p_w_given_z.std(axis=0).max()  # 0.0
#    ```
#    </details>
#
# 3. Fold in a new "document" made of the words `star team goal` with the topics fitted on
#    the toy corpus. Which topic wins? And for `star planet orbit`?
#
#    <details><summary>Solution</summary>
#
#    ```python
#    fit = PLSA(3, max_iter=300, random_state=toy_seed).fit(counts_toy)
#    new = np.zeros((2, len(vocabulary_toy)))
#    for i, words in enumerate(["star team goal", "star planet orbit"]):
#        for word in words.split():
#            new[i, vocabulary_toy.index(word)] += 1
#    fit.transform(new).round(3)
#    ```
#    The first is (almost) all football, the second all space: the same "star" is read
#    through its companions.
#    </details>
#
# 4. Why does the training perplexity of PLSA never increase when K grows (for a
#    well-converged fit), while the held-out one can?
#
#    <details><summary>Solution</summary>
#
#    A model with K + 1 topics contains the K-topic model (give the extra topic zero
#    weight), so its maximum likelihood on the training data is at least as high. New
#    documents are not part of that maximisation: extra topics that model quirks of the
#    training words spread probability away from words that new documents use.
#    </details>
