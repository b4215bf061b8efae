# %% [markdown]
# # 11 · Word alignment with IBM Model 1 (词语对齐 · IBM Model 1)
#
# **How to run this chapter.** `Run ▸ Run All Cells` (a few seconds). On Binder:
# [open in JupyterLab](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=lab/tree/notebooks/11_word_alignment.ipynb)
# or [as an app (Voila)](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=voila/render/notebooks/11_word_alignment.ipynb).
# The widget comes alive only when the notebook runs: **Run All first**.
#
# The slides' table of latent-variable models ends with *IBM Model for Word Alignment
# 词语对齐*, e.g. (布什与沙龙举行了会谈) (Bush held a meeting with Sharon): we see two
# sentences that translate each other, and the hidden variable is **which source word each
# target word came from**. IBM Model 1 (Brown et al. 1993) is the cleanest EM there is: its
# log-likelihood is concave, so EM climbs to the top from any positive start. It is also the
# model Lin & Dyer (the article's source) scale out with MapReduce.
#
# **Objectives**
# 1. Tell Model 1's generative story and derive its E and M steps.
# 2. See why the objective is concave, and that three different starts reach the same top.
# 3. Run EM by hand on Koehn's three-pair corpus and watch the "pigeonhole" effect.
# 4. Write the E step's expected counts yourself.
# 5. Align the slides' sentence inside a small corpus, then 500 real English–Chinese
#    pairs from Tatoeba, and see what Model 1 cannot do.

# %%
# %matplotlib inline
import itertools

import matplotlib.pyplot as plt
import numpy as np

from emlib.datasets import CREDITS, load_en_zh_tatoeba
from emlib.exercises import EXERCISES
from emlib.ibm1 import KOEHN_PAIRS, IBMModel1
from emlib.text import tokenize_pairs
from emlib.views import plotting
from emlib.views.ibm1 import ibm1_stepper, plot_alignment_matrix

np.set_printoptions(precision=4, suppress=True)
SEED = 11
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## The generative story (生成式模型)
#
# A corpus of sentence pairs (f, e): the **source** sentence f = f₁ … f_{l_f} and its
# translation, the **target** sentence e = e₁ … e_{l_e}. Following Koehn, f is the
# "foreign" side we translate from and e the English we translate into. Model 1 tells how
# e is made from f:
#
# 1. choose the length l_e of the English sentence (probability ε, the same for all e);
# 2. for each position j = 1 … l_e, choose a source position a_j ∈ {0, 1, …, l_f}
#    **uniformly**; position 0 is the **NULL word** f₀, which produces words that have no
#    counterpart (Chinese has no article, so "a" and "the" come from NULL);
# 3. draw the word e_j from the translation table t(· | f_{a_j}).
#
# The alignment a = (a₁, …, a_{l_e}) is the hidden variable (隐变量). Then
#
# $$p(e, a \mid f, t) = \frac{\varepsilon}{(l_f + 1)^{l_e}} \prod_{j=1}^{l_e} t(e_j \mid f_{a_j}),
# \qquad
# p(e \mid f, t) = \sum_a p(e, a \mid f, t) = \frac{\varepsilon}{(l_f + 1)^{l_e}}
#   \prod_{j=1}^{l_e} \sum_{i=0}^{l_f} t(e_j \mid f_i).$$
#
# The second equality swaps a sum over (l_f + 1)^{l_e} alignments for a product of l_e
# short sums, because each a_j appears in one factor only. The length term ln ε does not
# depend on t, so emlib (like NLTK) leaves it out of
#
# $$\ln p(\text{corpus} \mid t) = \sum_{(f, e)} \sum_{j} \ln \frac{\sum_{i=0}^{l_f} t(e_j \mid f_i)}{l_f + 1}.$$
#
# A check of the swap on one pair, with a random t: the sum over all 3³ = 27 alignments
# against the model's ln p (`max_iter=0` keeps the random θ⁽⁰⁾).

# %%
pair = [(["das", "haus"], ["the", "house", "is"])]
start = IBMModel1(init="random", max_iter=0, random_state=rng).fit(pair)  # θ⁽⁰⁾ only
source, target = [None, "das", "haus"], pair[0][1]
brute = sum(np.prod([start.translation_prob(e, source[i]) for e, i in zip(target, a, strict=True)])
            for a in itertools.product(range(3), repeat=3)) / 3 ** 3
print(f"ln Σ_a p(e, a | f) over 27 alignments = {np.log(brute):.10f}")
print(f"ln Π_j Σ_i t(e_j | f_i) / 3³         = {start.log_likelihood_:.10f}")

# %% [markdown]
# ## The E and M steps
#
# **E step.** The posterior of the alignment factorises over the target positions, since
# p(e, a | f) is a product with one factor per j:
#
# $$q(a_j = i) = p(a_j = i \mid e, f, t) = \frac{t(e_j \mid f_i)}{\sum_{i'=0}^{l_f} t(e_j \mid f_{i'})}.$$
#
# Each English word spreads one unit of "responsibility" over the source words of its own
# sentence. Summing these fractions gives the **expected counts** (the sufficient
# statistics, 充分统计量)
#
# $$c(e \mid f) = \sum_{(f, e)} \sum_j \sum_i q(a_j = i)\,[e_j = e]\,[f_i = f].$$
#
# **M step.** E_q[ln p(corpus, a | t)] = Σ_{e,f} c(e | f) ln t(e | f) + const. Maximise it
# under Σ_e t(e | f) = 1 for every f with a Lagrange multiplier λ_f:
# ∂/∂t(e|f) [c(e|f) ln t(e|f) − λ_f t(e|f)] = 0 gives t(e | f) = c(e | f)/λ_f, and the
# constraint gives λ_f = Σ_{e'} c(e' | f):
#
# $$t(e \mid f) = \frac{c(e \mid f)}{\sum_{e'} c(e' \mid f)}.$$
#
# `emlib/ibm1.py` opens with these two steps in plain numpy, one sentence pair at a time
# (`textbook_e_step`, `textbook_m_step`); the model runs the same arithmetic over all
# (pair, j, i) triples at once, with t stored only for word pairs that share a sentence.
#
# ## Why the start does not matter: concavity (凹函数)
#
# Each term ln Σ_i t(e_j | f_i) is the logarithm of a **linear** function of t, and ln is
# concave and increasing, so each term — and their sum — is concave in t. The constraints
# (t ≥ 0, rows summing to 1) are linear. A concave function on a convex set has no local
# maxima other than the global ones, so EM, which never lowers ln p, climbs to the top
# from any start with every t(e | f) > 0. (Zero entries stay zero, so the start must be
# positive.) Concave is not *strictly* concave: when two source words always occur
# together, the top can be a flat ridge, and different starts may stop at different t with
# the same ln p (Toutanova & Galley 2011). Three starts on Koehn's corpus with NULL:

# %%
starts = {"uniform": IBMModel1(init="uniform", max_iter=500, tol=1e-10),
          "random 1": IBMModel1(init="random", max_iter=500, tol=1e-10, random_state=rng),
          "random 2": IBMModel1(init="random", max_iter=500, tol=1e-10, random_state=rng)}
for name, estimator in starts.items():
    estimator.fit(KOEHN_PAIRS)
    print(f"{name:9} ln p(θ⁽⁰⁾) = {estimator.trace_.log_likelihoods[0]:8.4f} → "
          f"{estimator.log_likelihood_:.6f} after {estimator.n_iter_:3d} iterations; "
          f"t(the|das) = {estimator.translation_prob('the', 'das'):.4f}, "
          f"t(book|buch) = {estimator.translation_prob('book', 'buch'):.4f}")
tables = [e.params_.prob for e in starts.values()]
gap = max(np.abs(a - b).max() for a, b in itertools.combinations(tables, 2))
print(f"the three tables agree to 1e-6: {gap < 1e-6}")

# %% [markdown]
# ## Koehn's corpus by hand, with the stepper
#
# Koehn's textbook (*Statistical Machine Translation*, §4.2) runs Model 1 without NULL on
# three pairs: *das Haus* / the house, *das Buch* / the book, *ein Buch* / a book. Start
# from t(e | f) = 1/4 for the 4 English words.
#
# * **E step 1.** Every English word has two candidates with equal t, so every q is 1/2.
# * **M step 1.** das collects ½ of "the" from pair 1 and ½ from pair 2, plus ½ of "house"
#   and ½ of "book": c = (1, ½, ½), so t(the | das) = 1/2, t(house | das) = t(book | das)
#   = 1/4. Likewise t(book | buch) = 1/2, while haus and ein split ½ / ½.
# * **E step 2.** In pair 1, "house" now sees t(house | das) = 1/4 and t(house | haus) =
#   1/2, so q = 1/3 and 2/3: haus explains "house" better, and das is left with "the".
# * **M step 2.** c(the | das) = ½ + ⅔ = 7/6 out of 11/6, so t(the | das) = 7/11 ≈ 0.636.
#
# This is the **pigeonhole** effect: each English word must be produced by someone, and a
# word that another source word already explains well pushes its rivals toward the words
# that are left. Press **E step** and **M step** and compare with these numbers; the
# orange frames mark the most probable source of each English word.

# %%
koehn = ibm1_stepper(KOEHN_PAIRS)
koehn

# %% [markdown]
# **Questions to try**
# 1. After the first E step, why is every q exactly 1/2? After the second, which pair
#    still has q = 1/2 for "book", and why?
# 2. Press **Run**. Where does t(the | das) go, and how fast? Does ln p keep rising?
# 3. Move the slider back to the first M step: which of t(a | ein) and t(book | ein) leads,
#    and which wins in the end?
#
# <details><summary>Hints and answers</summary>
#
# 1. With t uniform every candidate has the same t, so the E step splits each word evenly.
#    After M step 1, pair 3's "book" sees t(book | ein) = 1/2 and t(book | buch) = 1/2: still
#    a tie, since ein has seen only "a" and "book".
# 2. t(the | das) → 1, t(house | haus) → 1, t(book | buch) → 1, t(a | ein) → 1. ln p keeps
#    rising towards 6 ln ½ = −4.1589 (each word then has exactly one source with t = 1 out
#    of 2 positions), but ever more slowly: the top lies on the boundary of the simplex.
# 3. Both are 1/2 after M step 1; t(a | ein) leads from M step 2 (4/7) and tends to 1,
#    because buch explains "book" in pairs 2 and 3 and leaves "a" to ein.
# </details>
#
# The widget after two E+M iterations (checked by the tests), then back to θ⁽⁰⁾:

# %%
for _ in range(2):
    koehn.buttons["E+M"].click()
print(koehn.shown.summary())
fit_koehn = IBMModel1(null=False, max_iter=2, tol=None).fit(KOEHN_PAIRS)
for f in ["das", "haus", "buch", "ein"]:
    print(f"t(· | {f:4}) =", {e: round(p, 4) for e, p in fit_koehn.translation_table_[f].items()})
koehn.buttons["Reset"].click()

# %% [markdown]
# ## Exercise: write the E step's expected counts
#
# Write `ibm1_e_step_counts(pairs, t)`: `pairs` is a list of (source tokens, target tokens),
# `t` a dict mapping (target word, source word) to t(e | f), with `None` for the NULL word,
# which is a candidate source of **every** target word. Return a dict
# {(target word, source word): c(e | f)}. A word that occurs twice in a sentence counts
# twice. The checker tries Koehn's corpus and a corpus with repeated words, and says which
# count is wrong and by how much.

# %%
def ibm1_e_step_counts(pairs, t):
    """c(e | f) = Σ_pairs Σ_j Σ_i q(a_j = i) [e_j = e][f_i = f], with NULL = None."""
    ...  # your code here


print(EXERCISES["ibm1_e_step_counts"].check(ibm1_e_step_counts))

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# from collections import defaultdict
#
# def ibm1_e_step_counts(pairs, t):
#     counts = defaultdict(float)
#     for source, target in pairs:
#         candidates = [None, *source]                     # NULL is source position 0
#         for e in target:                                 # every position, repeats too
#             z = sum(t[(e, f)] for f in candidates)       # Σ_i t(e_j | f_i)
#             for f in candidates:
#                 counts[(e, f)] += t[(e, f)] / z          # q(a_j = i)
#     return dict(counts)
# ```
# </details>
#
# ## The slides' sentence: 布什 与 沙龙 举行 了 会谈
#
# One pair alone cannot be aligned: every English word co-occurs with every Chinese word
# exactly once, so the maximum-likelihood t is not unique and nothing favours the right
# links. Put the pair among a few others that share its words (Chinese pre-segmented into
# words, as on the slide) and let EM find who produced what. Chinese is the source here and
# English the target, so t(e | f) reads "the English word e given the Chinese word f".

# %%
BUSH_CORPUS = """布什 与 沙龙 举行 了 会谈|bush held a meeting with sharon
布什 举行 了 会谈|bush held a meeting
沙龙 举行 了 会谈|sharon held a meeting
布什 与 沙龙 会面|bush met with sharon
他们 与 布什 会面|they met with bush
沙龙 与 他们 会面|sharon met with them
他们 举行 了 婚礼|they held a wedding
这 是 一 次 会谈|this is a meeting
布什 来 了|bush came
沙龙 来 了|sharon came
这 是 婚礼|this is a wedding
他们 举行 会谈|they held a meeting"""
bush_pairs = [(f.split(), e.split()) for f, e in
              (line.split("|") for line in BUSH_CORPUS.splitlines())]
bush = IBMModel1(max_iter=100, tol=1e-8).fit(bush_pairs)
print(f"{len(bush_pairs)} pairs, {bush.n_iter_} iterations, ln p = {bush.log_likelihood_:.4f}")
slide_f, slide_e = bush_pairs[0]
for j, i in bush.align(slide_f, slide_e):
    source_word = None if i is None else slide_f[i]
    print(f"{slide_e[j]:8} ← {'NULL' if i is None else source_word:4}  "
          f"t = {bush.translation_prob(slide_e[j], source_word):.3f}")

# %% [markdown]
# Every content word finds its partner; "a" comes from NULL (Chinese has no article), and
# 了, the aspect particle, produces nothing — which Model 1 can express only because, in this
# direction, no English word has to come from it. The matrix of q(a_j = i) for the slide's
# pair; the Chinese source positions are numbered (figure fonts may lack Chinese):
# 1 布什, 2 与, 3 沙龙, 4 举行, 5 了, 6 会谈.

# %%
fig, ax = plotting.new_figure("small")
plot_alignment_matrix(ax, bush.alignment_posterior(slide_f, slide_e),
                      ["NULL", *range(1, len(slide_f) + 1)], slide_e,
                      title="q(a_j = i): Bush held a meeting with Sharon")
ax.set_xlabel("Chinese source position i")
plt.show()

# %% [markdown]
# ## 500 real pairs: Tatoeba English–Chinese
#
# The corpus ships with emlib: 500 pairs from the Tatoeba project (3–6 English words each).
# Chinese is split into **characters** (汉字) — no segmenter needed, and Model 1 then learns
# e.g. t(like | 喜) and t(like | 欢) side by side. English is split into lower-cased words.

# %%
tatoeba = load_en_zh_tatoeba()
print(CREDITS["en_zh_tatoeba.tsv"])
pairs = tokenize_pairs(tatoeba.chinese, tatoeba.english)
print(f"{len(pairs)} pairs, e.g. {pairs[3]}")
fit = IBMModel1(max_iter=30, tol=1e-4).fit(pairs)
print(f"{fit.n_iter_} iterations, ln p = {fit.log_likelihood_:.2f}, "
      f"{fit.corpus_.n_cells} co-occurring (f, e) cells")
for f in ["我", "他", "猫", "喜", "欢", "汤", "姆", None]:
    top = ", ".join(f"{e} {p:.2f}" for e, p in fit.top_translations(f, 3))
    print(f"{'NULL' if f is None else f}: {top}")

# %% [markdown]
# 我 → i, 他 → he/him, 猫 → cats/cat: one character, one word. 喜 and 欢 nearly always
# occur together (喜欢 = like), and so do 汤 and 姆 (汤姆 = Tom): both characters of the pair
# get t(tom | ·) ≈ 1, and the E step splits each "tom" half and half between them — Model 1
# has no way to say that the two characters form **one** word. NULL produces the words
# Chinese does not write: the, to, is.
#
# Two Viterbi alignments (each English word's most probable source, framed), with the
# Chinese characters numbered below:

# %%
examples = [pairs[k] for k in (40, 250)]
fig, axes = plotting.new_figure("wide", ncols=2)
for ax, (f, e) in zip(axes, examples, strict=True):
    plot_alignment_matrix(ax, fit.alignment_posterior(f, e), ["NULL", *range(1, len(f) + 1)],
                          e, annotate=False)
    ax.set_xlabel("Chinese position i")
plt.show()
for f, e in examples:
    print("  ".join(f"{k} {c}" for k, c in enumerate(f, start=1)), "|", " ".join(e))
    print("   Viterbi:", [(e[j], "NULL" if i is None else f[i]) for j, i in fit.align(f, e)])

# %% [markdown]
# The first alignment is right up to the tie 汤/姆. In the second, "we", "lost" and "in"
# are right, but "got" and "the" went to 林 and 树 (woods): a rare source word seen in one
# sentence can "collect" extra target words and so raise the likelihood of its sentence
# (Moore 2004 calls such words garbage collectors). "got lost" is one idea, 迷路, that
# Model 1 cannot see as a unit.
#
# ## What Model 1 cannot do
#
# * **Word order.** a_j is uniform over positions, so shuffling the English words does not
#   change p(e | f): "cat the likes I" is as good a translation as "I like the cat".
#   IBM Model 2 gives the alignment a distortion distribution a(i | j, l_e, l_f); the
#   **HMM alignment model** (Vogel, Ney & Tillmann 1996) makes a_j depend on a_{j−1}, so
#   that neighbours stay neighbours — an HMM whose EM is Baum–Welch.
# * **Fertility.** Nothing stops one Chinese character from producing five English words, or
#   ten English words from all aligning to NULL. Models 3–5 add a fertility n(φ | f), the
#   number of words each source word produces; their E step has no closed form and is
#   approximated by sampling around the best alignments.
# * **Many-to-many units.** Each English word comes from one source word: 汤姆 → Tom needs
#   both characters, and "held a meeting" ↔ 举行会谈 is a phrase. Phrase-based translation
#   extracts phrases from the alignments of both directions.
#
# The order blindness, checked: the same ln p for a pair and its English shuffled.

# %%
f40, e40 = pairs[40]
for e in (e40, list(rng.permutation(e40))):
    print(f"{' '.join(e):16} → ln p = {fit.score([(f40, e)]):.6f}")

# %% [markdown]
# ## Against NLTK
#
# NLTK's `IBMModel1` (pure Python) starts from the same uniform t = 1/|English vocabulary|
# and uses NULL. Its `AlignedSent(words, mots)` translates `mots` into `words`, so the
# target comes first. NLTK counts a target word that repeats inside one sentence only once
# (it keys the normaliser by word, not by position), so we compare on the 492 pairs whose
# English side has no repeated word: after 10 iterations the two tables agree to rounding.

# %%
from nltk.translate import AlignedSent
from nltk.translate import IBMModel1 as NLTKModel1

unique = [(f, e) for f, e in pairs if len(set(e)) == len(e)]
ours = IBMModel1(max_iter=10, tol=None).fit(unique)
theirs = NLTKModel1([AlignedSent(e, f) for f, e in unique], 10).translation_table
gap = max(abs(p - theirs[e][f]) for f, row in ours.translation_table_.items()
          for e, p in row.items())
print(f"{len(unique)} pairs: every |t_emlib − t_NLTK| < 1e-10: {gap < 1e-10}")

# %% [markdown]
# `benchmarks/bench_ibm1.py` times the same fit: emlib's vectorised EM takes a few percent
# of NLTK's time.
#
# ## Summary
# - IBM Model 1: choose a source position a_j uniformly (0 = NULL) for each target word,
#   then the word from t(e | f_{a_j}). The alignment a is the hidden variable.
# - p(e | f) = ε/(l_f+1)^{l_e} Π_j Σ_i t(e_j | f_i): the sum over all alignments is a
#   product of short sums.
# - E step: q(a_j = i) ∝ t(e_j | f_i) within each sentence; expected counts c(e | f).
#   M step: t(e | f) = c(e | f)/Σ_{e'} c(e' | f).
# - ln p(corpus | t) is concave in t: every positive start reaches the same maximal ln p
#   (the maximiser can be a flat ridge when words always co-occur).
# - The pigeonhole effect: words already explained push their rivals to the words left.
# - On real text Model 1 finds the obvious word pairs and sends function words to NULL, but
#   ignores order and fertility: Models 2–5 and the HMM model add them.
#
# ## Notation
# | symbol | meaning |
# |---|---|
# | f = f₁ … f_{l_f}, e = e₁ … e_{l_e} | IBM Model 1: source and target sentence (源语言句子, 目标语言句子), their lengths (ch. 11) |
# | f₀ | the NULL word (空词) |
# | a_j | the alignment of target position j: the source position that produced e_j (对齐) |
# | t(e \| f) | the translation probability (翻译概率), Model 1's parameters θ |
# | q(a_j = i) | the E-step posterior that e_j came from f_i |
# | c(e \| f) | the expected count of e translating f: Model 1's sufficient statistics |
# | ε | the probability of the target length (a constant in Model 1) |
#
# ## Exercises
# 1. Show that the M step keeps every t(e | f) > 0 that starts positive, and every
#    t(e | f) = 0 at zero. Why must the start be positive for the concavity argument?
#
#    <details><summary>Solution</summary>
#
#    c(e | f) is a sum of q(a_j = i) ∝ t(e_j | f_i): positive when some t on that cell is
#    positive, zero when it is zero. A zero entry is a face of the simplex EM can never leave,
#    so EM maximises ln p only over that face; the global maximum may lie elsewhere. Starting
#    with every co-occurring t positive keeps the search on the whole simplex.
#    </details>
#
# 2. Take the single pair (das Haus, the house) without NULL. What is the maximal ln p, and
#    which t reach it?
#
#    <details><summary>Solution</summary>
#
#    Each word contributes ln[(t(e | das) + t(e | haus))/2] with t(the | f) + t(house | f) = 1
#    for both f, so the two terms' arguments add up to 1 and the sum of logs is largest at
#    ½ each: ln p = 2 ln ½ ≈ −1.386, reached by every t with t(the|das) + t(the|haus) = 1
#    — a whole line of maxima, among them the right alignment and the crossed one. One pair
#    cannot be aligned; a corpus can (pigeonhole).
#    </details>
#
# 3. On Tatoeba, 喜 and 欢 end with almost the same row t(· | f). Why? Would a random
#    start give them the same rows?
#
#    <details><summary>Solution</summary>
#
#    They occur in (almost) the same sentences, so the likelihood depends on their two rows
#    mostly through the sum t(e | 喜) + t(e | 欢). From the uniform start the two rows
#    receive the same expected counts in every sentence they share, so they stay (almost)
#    equal. A random start breaks the symmetry; along the flat direction (more "like" to 喜,
#    more "to" to 欢) ln p barely changes, so the rows may end different with nearly the same
#    ln p — the non-strict concavity of the objective. Try
#    `IBMModel1(init="random", random_state=1).fit(pairs).top_translations("喜")`.
#    </details>
#
# 4. Reverse the direction: fit English → Chinese characters on Tatoeba
#    (`tokenize_pairs(tatoeba.english, tatoeba.chinese, source_language="en",
#    target_language="zh")`). Which characters does NULL produce now?
#
#    <details><summary>Solution</summary>
#
#    The particles 的 (0.46) and 了 (0.27), which English does not write as words, and
#    also 我 (0.26): a character so frequent that NULL, present in every sentence, explains
#    it cheaply. Model 1 is directional; practical aligners fit both directions and combine
#    the two alignments (intersection, union, grow-diag).
#    </details>
