# %% [markdown]
# # 04 · The hidden path: EM by hand (含有隐含变量的弹球实验)
#
# **How to run this chapter.** `Run ▸ Run All Cells` (a few seconds). On Binder:
# [open in JupyterLab](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=lab/tree/notebooks/04_ball_em.ipynb)
# or [as an app (Voila)](https://mybinder.org/v2/gh/emcourse/emcourse/HEAD?urlpath=voila/render/notebooks/04_ball_em.ipynb).
# The widgets come alive only after Run All; every number printed below is re-checked by
# the course's tests.
#
# Chapter 03 rolled a ball onto one peg and estimated p = P(cup a) by maximum likelihood.
# Now the article (*EM算法*, after Lin & Dyer, *Data-Intensive Text Processing with
# MapReduce*, ch. 6) adds two pegs and **hides the ball's path**: we only see the cup.
#
# **Objectives**
# 1. Estimate the three pegs' probabilities when the paths are seen (complete data).
# 2. See why setting the derivative to zero stops working when the path is hidden, and run
#    EM instead, by hand: the E step of the article (with the weight f(x|X)) and the M step.
# 3. Understand the article's remark that θ⁽¹⁾ is already the answer, prove it, and see its
#    consequence: the parameters are not identifiable.
# 4. Meet a hidden-variable game where EM needs many iterations, local optima and label
#    switching: several coins.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from emlib.ball import (
    CUPS,
    PATH_CUP,
    ThreePegModel,
    ThreePegParams,
    complete_data_mle,
    cup_counts,
    cup_probabilities,
    e_step_table,
    expected_path_counts,
    path_probabilities,
    ridge_params,
    simulate_paths,
)
from emlib.em import run
from emlib.mixtures import BinomialMixture, BinomialMixtureParams
from emlib.views import plotting
from emlib.views.ball import ball_stepper, draw_three_pegs, ridge_figure
from emlib.views.mixtures import coin_stepper

np.set_printoptions(precision=4, suppress=True)
SEED = 4
rng = np.random.default_rng(SEED)

# %% [markdown]
# ## The game (三个木桩)
#
# Peg 0 sits at the top, peg 1 below-left, peg 2 below-right. At peg i the ball goes
# **right** with probability p_i, so the model's parameters are θ = (p0, p1, p2). The ball
# takes one of four paths y and lands in one of three cups x:
#
# | path y | at peg 0 | at peg 1 or 2 | cup x | P(y \| θ) |
# |---|---|---|---|---|
# | 0 | left | left (peg 1) | a | (1 − p0)(1 − p1) |
# | 1 | left | right (peg 1) | b | (1 − p0) p1 |
# | 2 | right | left (peg 2) | b | p0 (1 − p2) |
# | 3 | right | right (peg 2) | c | p0 p2 |
#
# Cup b is reached by two paths, so P(x = b | θ) = (1 − p0)p1 + p0(1 − p2). Take
# θ = (0.4, 0.6, 0.5):

# %%
true_theta = ThreePegParams(0.4, 0.6, 0.5)
print("P(y|θ) for y = 0..3:", path_probabilities(true_theta))
print("P(x|θ) for x = a, b, c:", cup_probabilities(true_theta))

# %% [markdown]
# We roll N = 100 balls with this θ (a simulation stands in for the wooden board). First
# we pretend we can see each ball's path; then we hide it. The drawing shows along each
# path the number of balls out of 100 that θ predicts there, N·P(y | θ), and under each
# cup the observed count and the model's N·P(x | θ).

# %%
paths = simulate_paths(true_theta, 100, rng)
path_counts = np.bincount(paths, minlength=4)
X = cup_counts([CUPS[c] for c in PATH_CUP[paths]])
print("path counts N0..N3:", path_counts)
print("cup counts:", X.as_dict())
fig, ax = plotting.new_figure("square")
draw_three_pegs(ax, true_theta, X, title="θ = (0.4, 0.6, 0.5): expected N·P(y|θ)")
plt.show()

# %% [markdown]
# ## Complete data: the paths are seen (完全数据)
#
# With $N_y$ balls on path y, the log-likelihood of the complete data (X, Y) is
#
# $$\ln p(X, Y\mid\theta) = N_0\ln[(1-p_0)(1-p_1)] + N_1\ln[(1-p_0)p_1] + N_2\ln[p_0(1-p_2)] + N_3\ln[p_0p_2]$$
# $$= \underbrace{(N_2+N_3)\ln p_0 + (N_0+N_1)\ln(1-p_0)}_{\text{peg 0}}
#  + \underbrace{N_1\ln p_1 + N_0\ln(1-p_1)}_{\text{peg 1}}
#  + \underbrace{N_3\ln p_2 + N_2\ln(1-p_2)}_{\text{peg 2}} .$$
#
# It separates into three one-peg games of chapter 03: each peg sees some balls and sends
# some of them right. Setting each derivative to zero,
#
# $$p_0 = \frac{N_2+N_3}{N}, \qquad p_1 = \frac{N_1}{N_0+N_1}, \qquad p_2 = \frac{N_3}{N_2+N_3}.$$
#
# **Check it**: the closed form against a grid search over the whole cube [0, 1]³.

# %%
theta_complete = complete_data_mle(path_counts)
g = np.linspace(0.0, 1.0, 101)
P0, P1, P2 = np.meshgrid(g, g, g, indexing="ij")
with np.errstate(divide="ignore", invalid="ignore"):
    grid_ll = sum(n * np.log(p) for n, p in zip(
        path_counts, [(1 - P0) * (1 - P1), (1 - P0) * P1, P0 * (1 - P2), P0 * P2], strict=True))
i, j, k = np.unravel_index(np.nanargmax(grid_ll), grid_ll.shape)
print("closed form:", theta_complete)
print(f"grid argmax: (p0, p1, p2) = ({g[i]:.2f}, {g[j]:.2f}, {g[k]:.2f})")
print("true θ:     ", true_theta)

# %% [markdown]
# ## The paths are hidden (带隐含变量的MLE)
#
# Now only the cups are seen: N_a, N_b, N_c. The probability of the data sums over the
# hidden path of each ball (the **marginal likelihood**):
#
# $$\ln p(X\mid\theta) = \sum_x N_x \ln\sum_y \Pr(x, y;\theta)
#  = N_a\ln[(1-p_0)(1-p_1)] + N_b\ln[(1-p_0)p_1 + p_0(1-p_2)] + N_c\ln[p_0p_2].$$
#
# The sum inside the logarithm of cup b couples the three pegs: ∂/∂p0 of the middle term is
# $N_b\,(1 - p_1 - p_2)/[(1-p_0)p_1 + p_0(1-p_2)]$, which involves all three
# parameters, and the three equations "derivative = 0" no longer split into three one-peg
# games. (Worse, we will see that they do not even have a single solution.) In general
# such equations have no closed form at all. The article's way out is a **hill-climbing
# iteration**: EM produces θ⁽⁰⁾, θ⁽¹⁾, θ⁽²⁾, … with a never-decreasing marginal likelihood,
#
# $$\ln p(X\mid\theta^{(0)}) \le \ln p(X\mid\theta^{(1)}) \le \ln p(X\mid\theta^{(2)}) \le \dots$$
#
# starting from a random θ⁽⁰⁾ and stopping when θ⁽ᵗ⁺¹⁾ ≈ θ⁽ᵗ⁾ (chapter 07 proves the
# inequality with Jensen's inequality).
#
# ### The E step, as the article writes it
#
# With θ⁽ᵗ⁾ fixed, compute for every observed value x the posterior of the hidden path,
#
# $$\Pr(y\mid x;\theta^{(t)}) = \frac{\Pr(x, y;\theta^{(t)})}{\sum_{y'}\Pr(x, y';\theta^{(t)})},$$
#
# and weight it by $f(x\mid X) = N_x/N$, the frequency of x among the observations. Cups a
# and c have a single path, so Pr(y=0 | a) = Pr(y=3 | c) = 1; for cup b
#
# $$\Pr(y=1\mid b;\theta) = \frac{(1-p_0)p_1}{(1-p_0)p_1 + p_0(1-p_2)}, \qquad
#   \Pr(y=2\mid b;\theta) = \frac{p_0(1-p_2)}{(1-p_0)p_1 + p_0(1-p_2)},$$
#
# and every other posterior is 0.
#
# ### The M step
#
# Maximise the expected complete-data log-likelihood, per observation:
#
# $$\theta^{(t+1)} = \arg\max_\theta \sum_x f(x\mid X)\sum_y \Pr(y\mid x;\theta^{(t)})\,\ln\Pr(x, y;\theta).$$
#
# The sum is the article's Q. Because it weighs each cup by its frequency f(x | X) = N_x/N,
# it is the course's Q(θ, θ⁽ᵗ⁾) (chapter 07: summed over all N observations) divided by
# N — the same maximiser, numbers N times smaller. We write it Q(θ, θ⁽ᵗ⁾)/N.
#
# Only the four (x, y) pairs with a non-zero posterior contribute: the article's table.
# Multiply the weight column by the log column and add the rows; that is the complete-data
# log-likelihood with the counts $N_y$ replaced by **expected counts**
#
# $$\mathbb E[N_0] = N_a,\quad \mathbb E[N_1] = N_b\Pr(1\mid b),\quad \mathbb E[N_2] = N_b\Pr(2\mid b),\quad \mathbb E[N_3] = N_c,$$
#
# so setting the derivatives to zero gives the complete-data formulas again:
#
# $$p_0' = \frac{\mathbb E[N_2]+N_c}{N},\qquad p_1' = \frac{\mathbb E[N_1]}{N_a+\mathbb E[N_1]},\qquad p_2' = \frac{N_c}{\mathbb E[N_2]+N_c}.$$
#
# **The article's table, computed by emlib** at a starting point θ⁽⁰⁾:

# %%
theta0 = ThreePegParams(0.3, 0.6, 0.2)
table = e_step_table(X, theta0)
print(table)

# %% [markdown]
# **Check it.** The E step of `ThreePegModel` against the formula for cup b; the M step's
# closed form against a grid search of the table's function
# Q(θ, θ⁽⁰⁾)/N = Σ weight · ln Pr(x, y; θ); and the expected counts.

# %%
model = ThreePegModel()
q = model.e_step(X, theta0)
share = 0.7 * 0.6 / (0.7 * 0.6 + 0.3 * 0.8)
print(f"Pr(y=1 | b) by the formula = {share:.4f}; by emlib = {q[1, 1]:.4f}")
expected = expected_path_counts(X, q)
theta1 = model.m_step(X, q)
print("expected path counts E[N_y]:", expected)
print("M step θ⁽¹⁾:", theta1)
with np.errstate(divide="ignore", invalid="ignore"):
    qgrid = sum(w * np.log(p) for w, p in zip(
        table.weight, [(1 - P0) * (1 - P1), (1 - P0) * P1, P0 * (1 - P2), P0 * P2], strict=True))
i, j, k = np.unravel_index(np.nanargmax(qgrid), qgrid.shape)
print(f"grid argmax of Q: ({g[i]:.2f}, {g[j]:.2f}, {g[k]:.2f}); "
      f"Q(θ⁽¹⁾) = {table.Q(theta1):.4f} ≥ grid max {np.nanmax(qgrid):.4f}")

# %% [markdown]
# ## Step through it (弹球实验的EM)
#
# The drawing shows the expected number of balls on each path (line widths, numbers) and
# the current p's at the pegs. Before any E step the paths show what the model predicts,
# N·P(y | θ) (dashed). **E step** fills the paths with the expected counts given the
# observed cups: cup b's balls are split between paths 1 and 2 by the posterior. **M step**
# then moves the p's to the frequencies of those expected counts. Under the picture: the
# article's table for the record on display.

# %%
ball = ball_stepper(X.as_dict(), theta0)
ball

# %% [markdown]
# **Questions to try**
# 1. Press **E step**. Cups a and c send all their balls down one path each; how does cup b
#    split its balls? Where do the numbers 0.636 / 0.364 come from?
# 2. Press **M step**. Compare the model's predicted cup counts under the cups with the
#    observed ones. What do you notice?
# 3. Press **E+M** again. Does anything change? Press **Reset**, then **Run**: how many
#    iterations does EM take, and why two rather than one?
#
# <details><summary>Hints and answers</summary>
#
# 1. Cup b's 52 balls split 33.09 / 18.91 between path 1 (left–right) and path 2
#    (right–left). The shares are the posterior: with θ⁽⁰⁾ = (0.3, 0.6, 0.2),
#    (1 − p₀)p₁ = 0.42 and p₀(1 − p₂) = 0.24, so 0.42/0.66 = 0.636 and 0.24/0.66 = 0.364.
# 2. The predicted cup counts equal the observed ones (33, 52, 15) exactly: after one M step
#    the model reproduces the frequencies (proved in the next section).
# 3. Nothing changes: θ⁽²⁾ = θ⁽¹⁾. **Run** reports two iterations because EM can only know it
#    has converged after computing θ⁽²⁾ and seeing no change — "you have to compute θ⁽²⁾ to
#    conclude so", as the article says.
# </details>
#
# The widget after one E step and one M step (checked by the tests), then back to θ⁽⁰⁾:

# %%
ball.buttons["E step"].click()
print(ball.shown.summary())
print("E[N_y] =", ball.expected_counts())
ball.buttons["M step"].click()
print(ball.shown.summary())
print("θ⁽¹⁾ =", ball.stepper.params)
ball.buttons["Reset"].click()

# %% [markdown]
# ## "θ⁽¹⁾ is already the final answer"
#
# The article ends its example with: *this example is so simple that θ⁽¹⁾ is already the
# final solution — though you have to compute θ⁽²⁾ to conclude so.* Let us see it, then
# prove it.

# %%
trace = run(model, X, theta0, max_iter=20, tol=1e-12, keep="all")
for r in trace.records:
    print(f"{r.step:>4} {r.iteration}: ln p = {r.log_likelihood:.6f}   θ = {r.params}")
print("iterations until ln p stopped rising:", trace.n_iter)

# %% [markdown]
# **Why.** After one M step, the model's probability of each cup equals its observed
# frequency. With $\mathbb E[N_1] = N_b s$ and $\mathbb E[N_2] = N_b(1-s)$
# (s = Pr(y=1 | b; θ⁽⁰⁾)):
#
# $$P(a\mid\theta^{(1)}) = (1-p_0')(1-p_1') = \frac{N_a + N_b s}{N}\cdot\frac{N_a}{N_a + N_b s} = \frac{N_a}{N},
# \qquad P(c\mid\theta^{(1)}) = p_0'p_2' = \frac{N_b(1-s)+N_c}{N}\cdot\frac{N_c}{N_b(1-s)+N_c} = \frac{N_c}{N},$$
#
# and so P(b | θ⁽¹⁾) = N_b/N. But the frequencies are the best any model can do: the
# marginal likelihood Σ_x N_x ln P(x) is a categorical log-likelihood, maximised (chapter
# 03) by P(x) = N_x/N. So θ⁽¹⁾ is a global maximum. The next E step finds the same split
# of cup b, since
# $\Pr(1\mid b;\theta^{(1)}) = (1-p_0')p_1' / (N_b/N) = \frac{N_a+N_b s}{N}\cdot\frac{N_b s}{N_a+N_b s}\cdot\frac{N}{N_b} = s$,
# and the M step returns θ⁽²⁾ = θ⁽¹⁾. (That is also why the label shows KL = 0 right after
# the M step: the posterior did not move.)
#
# **Check it**:

# %%
best_possible = sum(n * np.log(n / X.total) for n in X.counts if n > 0)
print("P(x | θ⁽¹⁾):", cup_probabilities(theta1), "  frequencies N_x/N:", X.frequencies)
print(f"ln p(X | θ⁽¹⁾) = {model.log_likelihood(X, theta1):.6f};  Σ N_x ln(N_x/N) = {best_possible:.6f}")
theta2 = trace.records[4].params
print("θ⁽²⁾ − θ⁽¹⁾ =", theta2.as_array() - theta1.as_array())

# %% [markdown]
# ### What it implies: many equally good answers (不可辨识)
#
# Three parameters, but the cups only pin down two numbers (P(a) and P(c); P(b) follows).
# Every θ with (1 − p0)(1 − p1) = N_a/N and p0·p2 = N_c/N is a maximum: a whole curve
# of equally good θ, a **ridge**. Which point EM lands on depends only on how θ⁽⁰⁾ splits
# cup b, s = Pr(y=1 | b; θ⁽⁰⁾). The data cannot tell these θ apart: the parameters are
# **not identifiable**, and the true θ = (0.4, 0.6, 0.5) cannot be recovered from cups
# alone.

# %%
starts = [ThreePegParams(0.2, 0.8, 0.5), ThreePegParams(0.7, 0.3, 0.4),
          ThreePegParams(0.5, 0.5, 0.5), ThreePegParams(0.85, 0.15, 0.9)]
print(f"{'θ⁽⁰⁾':>24}   {'s':>6}   {'θ⁽¹⁾':>24}   ln p(X|θ⁽¹⁾)")
on_ridge = []
for start in starts:
    t = run(model, X, start, max_iter=5, keep="all")
    s = t.records[1].posterior[1, 1]
    p1 = t.records[2].params
    on_ridge.append(np.allclose(ridge_params(X, s)[0].as_array(), p1.as_array()))
    print(f"{np.round(start.as_array(), 3)!s:>24}   {s:.4f}   {np.round(p1.as_array(), 4)!s:>24}   "
          f"{t.records[2].log_likelihood:.6f}")
print(f"{'true θ':>24}            {np.round(true_theta.as_array(), 4)!s:>24}   "
      f"{model.log_likelihood(X, true_theta):.6f}")
print("each θ⁽¹⁾ is the ridge point ridge_params(X, s) of its split s:", all(on_ridge))

# %%
ridge_figure(X.as_dict(), starts)
plt.show()

# %% [markdown]
# ### The same lesson from Li Hang's book: three coins (三硬币模型, 统计学习方法 例9.1)
#
# Readers of 李航《统计学习方法》 meet EM through three coins A, B, C with heads-probabilities
# p_A, p_B, p_C. Toss A; on heads toss B, on tails toss C; write down only the second toss.
# Ten rounds give y = 1, 1, 0, 1, 0, 0, 1, 0, 1, 1; which coin made each toss is hidden.
# Like cup b, each y_n has two hidden paths, and EM splits it between them:
#
# $$\mu_n = rac{p_A\,p_B^{y_n}(1-p_B)^{1-y_n}}{p_A\,p_B^{y_n}(1-p_B)^{1-y_n} + (1-p_A)\,p_C^{y_n}(1-p_C)^{1-y_n}},
# \qquad p_A = rac1N\sum_n \mu_n,\quad p_B = rac{\sum_n \mu_n y_n}{\sum_n \mu_n},\quad
# p_C = rac{\sum_n (1-\mu_n) y_n}{\sum_n (1-\mu_n)}.$$
#
# The book runs it from two starts:

# %%
from emlib.mixtures import THREE_COIN_DATA, ThreeCoinModel, ThreeCoinParams  # noqa: E402

three_coins = ThreeCoinModel()
for start in (ThreeCoinParams(0.5, 0.5, 0.5), ThreeCoinParams(0.4, 0.6, 0.7)):
    coins_run = run(three_coins, THREE_COIN_DATA, start, max_iter=20, tol=None, keep="all")
    first = coins_run.records[2].params                   # after one E step and one M step
    heads = first.p_a * first.p_b + (1 - first.p_a) * first.p_c
    print(f"θ⁽⁰⁾ {start}\n  θ⁽¹⁾ {first}, θ⁽²⁰⁾ {coins_run.params}\n"
          f"  p(y = 1 | θ⁽¹⁾) = {heads:.4f}, ln p = {coins_run.records[-1].log_likelihood:.4f}")

# %% [markdown]
# Two starts, two different answers — (0.5, 0.6, 0.6) and (0.4064, 0.5368, 0.6432), the
# book's numbers — each reached after **one** iteration and never left, both with the same
# ln p = 6 ln 0.6 + 4 ln 0.4 = −6.7301. The reason is the ball game's: the data only see
# p(y = 1) = p_A p_B + (1 − p_A) p_C, and one M step makes it equal the observed frequency
# 0.6, the best any θ can do. Every θ on that surface is a maximum: θ is **not
# identifiable** (不可辨识), and EM's answer is decided by its start — which is why the book
# warns that EM "depends on the initial values".

# %% [markdown]
# ## A game where EM needs many steps: several coins (多枚硬币)
#
# The three-peg game is special: the M step can match every observed frequency at once.
# Usually it cannot, and EM climbs for many iterations. The classic example (Do &
# Batzoglou, *What is the expectation maximization algorithm?*, Nature Biotechnology 26,
# 2008) has coins A and B with unknown heads-probabilities p_A, p_B. For each of five sets,
# one coin is picked (hidden z_n) and tossed 10 times; we see the heads: 5, 9, 8, 4, 7.
#
# * **E step**: responsibility of coin k for set n (weights π_k, here fixed at ½):
#   $\gamma_{nk} = \dfrac{\pi_k\,p_k^{x_n}(1-p_k)^{10-x_n}}{\sum_j \pi_j\,p_j^{x_n}(1-p_j)^{10-x_n}}$.
# * **M step**: expected heads over expected tosses,
#   $p_k = \dfrac{\sum_n \gamma_{nk}x_n}{\sum_n \gamma_{nk}\cdot 10}$ (and, if the weights are learned,
#   $\pi_k = \frac1N\sum_n \gamma_{nk}$).
#
# `emlib.mixtures.BinomialMixture(n_components, n_trials, learn_weights=...)` is this model.

# %%
coins = coin_stepper(heads=(5, 9, 8, 4, 7), n_trials=10, p_start=(0.6, 0.5))
coins

# %% [markdown]
# **Questions to try**
# 1. Press **E+M** a few times. Unlike the pegs, p_A and p_B keep moving: why can the model
#    not match the data exactly after one step?
# 2. Press **Run**. How many iterations until ln p stops rising (by 10⁻⁸)?
# 3. Scrub the slider back. Is the rise of ln p largest at the start or at the end?
#
# <details><summary>Hints and answers</summary>
#
# 1. Each set is shared between the coins by its responsibilities; after an M step the
#    responsibilities computed from the new p's differ, so the next M step moves again. Unlike
#    the pegs, the coins cannot make every set's heads fraction come true at once: five sets,
#    two p's.
# 2. 13 iterations (ln p = −9.7969, p_A = 0.797, p_B = 0.520).
# 3. At the start: +0.136 in iteration 2 (−10.0860 → −9.9498), then less and less, down to
#    10⁻⁸. EM converges linearly: each rise is about a fixed fraction of the previous one
#    (chapter 07, section 5).
# </details>
#
# After **Run** (checked by the tests):

# %%
coins.buttons["Run"].click()
print(coins.shown.summary())
print("iterations:", coins.stepper.trace.n_iter, "  p_A, p_B =", coins.stepper.params.p)
coins.buttons["Reset"].click()

# %%
coin_model = BinomialMixture(2, 10, learn_weights=False)
coin_trace = run(coin_model, np.array([5, 9, 8, 4, 7]),
                 BinomialMixtureParams([0.5, 0.5], [0.6, 0.5]), max_iter=200, tol=1e-8)
ll = coin_trace.column("log_likelihood", step="M")
print(f"{coin_trace.n_iter} iterations; ln p after iterations 1, 2, 5, 10, last: "
      + ", ".join(f"{ll[i]:.4f}" for i in (0, 1, 4, 9, -1)))
print("after 10 iterations (the paper's 0.80 and 0.52):",
      run(coin_model, np.array([5, 9, 8, 4, 7]), BinomialMixtureParams([0.5, 0.5], [0.6, 0.5]),
          max_iter=10, tol=0).params.p.round(2))
fig, ax = plotting.new_figure("trace")
plotting.plot_trace(ax, coin_trace.records[:21])
ax.set_title("two coins: the first 10 iterations")
plt.show()

# %% [markdown]
# ### Local optima and label switching (局部最优, 标签交换)
#
# Eighteen sets of 20 tosses were made with **three** coins (p ≈ 0.1, 0.5, 0.9), but we fit
# **two** coins, with learned weights. One coin must cover two of the groups: which two
# depends on θ⁽⁰⁾, and the two answers have different likelihoods. EM climbs to whichever
# hill it starts on.

# %%
heads18 = np.array([1, 1, 2, 2, 4, 4, 6, 9, 10, 10, 12, 12, 17, 18, 18, 19, 19, 19])
two_coins = BinomialMixture(2, 20, learn_weights=True)
print(f"{'start p':>12} -> {'final p':>16} {'weights':>16}  ln p       iterations")
finals = {}
for start in [(0.05, 0.5), (0.3, 0.7), (0.7, 0.3), (0.4, 0.4)]:
    t = run(two_coins, heads18, BinomialMixtureParams([0.5, 0.5], start), max_iter=1000,
            tol=1e-10)
    finals[start] = t
    print(f"{start!s:>12} -> {np.round(t.params.p, 3)!s:>16} {np.round(t.params.weights, 3)!s:>16}"
          f"  {t.records[-1].log_likelihood:.3f}  {t.n_iter}")

# %% [markdown]
# * (0.05, 0.5) ends on a **local** optimum: one coin for the 0.1 group, one for the other
#   two (ln p ≈ −64.82). (0.3, 0.7) finds the better answer (ln p ≈ −62.98).
# * (0.7, 0.3) finds the same answer as (0.3, 0.7) with the names A and B exchanged:
#   **label switching**. The likelihood is symmetric in the coins' names, so every optimum
#   comes in K! copies; only the set of coins is determined, not their order.
# * (0.4, 0.4): both coins start equal, get equal responsibilities and stay equal forever:
#   a fixed point that is no maximum. Always break the symmetry of θ⁽⁰⁾.
#
# In practice: run EM from several starts and keep the best ln p.

# %%
t_low, t_high, t_swap = finals[(0.05, 0.5)], finals[(0.3, 0.7)], finals[(0.7, 0.3)]
print(f"ln p from (0.05, 0.5): {t_low.records[-1].log_likelihood:.4f}, "
      f"from (0.3, 0.7): {t_high.records[-1].log_likelihood:.4f}")
print("label switching: p from (0.7, 0.3) reversed =", t_swap.params.p[::-1].round(4),
      " p from (0.3, 0.7) =", t_high.params.p.round(4))

# %% [markdown]
# **Compare with a library.** A general optimiser, SciPy's L-BFGS-B, maximising ln p(X|θ)
# directly (it knows nothing of E and M steps; the weights are reparametrised as (w, 1 − w)
# to stay valid) finds the same two maxima, up to the coins' names. Which hill it climbs
# depends on its own steps, not only on θ⁽⁰⁾: from (0.05, 0.5) its first, long step
# carries it past the valley onto the better hill, where EM stayed on the lower one.

# %%
from scipy.optimize import minimize

data18 = two_coins.validate_data(heads18)


def negative_ll(v):
    return -two_coins.log_likelihood(data18, BinomialMixtureParams([v[0], 1 - v[0]], v[1:]))


em_optima = [t_low, t_high]
for start in [(0.05, 0.5), (0.3, 0.7), (0.15, 0.75)]:
    res = minimize(negative_ll, x0=[0.5, *start], method="L-BFGS-B",
                   bounds=[(1e-6, 1 - 1e-6)] * 3)
    match = min(em_optima, key=lambda t: abs(t.records[-1].log_likelihood + res.fun))
    print(f"start {start}: SciPy ln p = {-res.fun:.4f}, p = {np.sort(res.x[1:]).round(3)};  "
          f"EM optimum ln p = {match.records[-1].log_likelihood:.4f}, "
          f"p = {np.sort(match.params.p).round(3)}")

# %% [markdown]
# ## Your turn: one EM iteration of the ball game (练习)
#
# Write ball_em_step(counts, p): one E step and one M step of the three-peg game. Replace `...` by your code and run the cell: `check` runs your function on a
# few small cases and tells you which quantity is wrong, on which case and by how much.
# The module docstring of `emlib.exercises.ch04_ball_em` has the formulas.

# %%
from emlib.exercises import EXERCISES  # noqa: E402


def ball_em_step(counts, p):
    """θ⁽ᵗ⁺¹⁾ = [p0, p1, p2] from counts = [N_a, N_b, N_c] and θ⁽ᵗ⁾ = p."""
    ...  # your code here


print(EXERCISES["ball_em_step"].check(ball_em_step))

# %% [markdown]
# <details><summary>Hints</summary>
#
# * Split N_b in proportion to the two path probabilities — divide by their sum.
# * p₁ counts only the balls that reached peg 1: N_a + N_b1, not N.
# * A ball reaches cup b via peg 1 with probability (1−p₀)p₁, via peg 2 p₀(1−p₂).
# </details>
#
# <details><summary>Solution</summary>
#
# ```python
# import numpy as np
#
# def ball_em_step(counts: np.ndarray, p: np.ndarray) -> np.ndarray:
#     """θ⁽ᵗ⁺¹⁾ = (p₀, p₁, p₂) from the cup counts (N_a, N_b, N_c) and θ⁽ᵗ⁾ = ``p``."""
#     n_a, n_b, n_c = np.asarray(counts, dtype=float)
#     p0, p1, p2 = np.asarray(p, dtype=float)
#     via_peg1 = (1 - p0) * p1                     # Pr(cup b, path left-right)
#     via_peg2 = p0 * (1 - p2)                     # Pr(cup b, path right-left)
#     n_b1 = n_b * via_peg1 / (via_peg1 + via_peg2)    # E step: expected count per path
#     n_b2 = n_b - n_b1
#     total = n_a + n_b + n_c
#     return np.array([(n_b2 + n_c) / total,           # M step: the one-peg MLE at each peg
#                      n_b1 / (n_a + n_b1),
#                      n_c / (n_b2 + n_c)])
# ```
# </details>

# %% [markdown]
# ## Your turn: one EM iteration of the three coins (练习)
#
# Write three_coins_em_step(y, theta): one E step and one M step of the three coins. Replace `...` by your code and run the cell: `check` runs your function on a
# few small cases and tells you which quantity is wrong, on which case and by how much.
# The module docstring of `emlib.exercises.ch04_ball_em` has the formulas.

# %%
from emlib.exercises import EXERCISES  # noqa: E402


def three_coins_em_step(y, theta):
    """θ⁽ᵗ⁺¹⁾ = [p_A, p_B, p_C] from the tosses y (0/1) and θ⁽ᵗ⁾ = theta."""
    ...  # your code here


print(EXERCISES["three_coins_em_step"].check(three_coins_em_step))

# %% [markdown]
# <details><summary>Hints</summary>
#
# * μ_n is a posterior: divide p_A p_B^y (1−p_B)^(1−y) by the sum over both coins.
# * p_C is estimated from the tosses coin C made: weights 1 − μ_n, not μ_n.
# * p_A is the average of μ_n (divide by the number of tosses).
# </details>
#
# <details><summary>Solution</summary>
#
# ```python
# import numpy as np
#
# def three_coins_em_step(y: np.ndarray, theta: np.ndarray) -> np.ndarray:
#     """One EM iteration of Li Hang's three coins (统计学习方法 例9.1): θ = (p_A, p_B, p_C).
#
#     E step: μ_n = p_A p_B^y (1−p_B)^(1−y) / [p_A p_B^y (1−p_B)^(1−y) + (1−p_A) p_C^y (1−p_C)^(1−y)]
#     M step: p_A = mean μ,  p_B = Σ μ y / Σ μ,  p_C = Σ (1−μ) y / Σ (1−μ)
#     """
#     y = np.asarray(y, dtype=float)
#     p_a, p_b, p_c = np.asarray(theta, dtype=float)
#     via_b = p_a * p_b**y * (1 - p_b) ** (1 - y)
#     via_c = (1 - p_a) * p_c**y * (1 - p_c) ** (1 - y)
#     mu = via_b / (via_b + via_c)                       # E step: p(coin B | y_n)
#     return np.array([mu.mean(), mu @ y / mu.sum(), (1 - mu) @ y / (1 - mu).sum()])
# ```
# </details>

# %% [markdown]
# ## Summary
# * **Complete data** (paths seen): the log-likelihood splits into one Bernoulli game per
#   peg; p0 = (N2+N3)/N, p1 = N1/(N0+N1), p2 = N3/(N2+N3).
# * **Hidden paths**: ln p(X|θ) has a sum inside a logarithm; the derivative equations
#   couple and have no closed form in general. EM climbs instead: θ⁽⁰⁾, θ⁽¹⁾, … with
#   ln p never decreasing.
# * **E step** (article): the posterior Pr(y | x; θ⁽ᵗ⁾) of each path given its cup, weighted
#   by f(x|X) = N_x/N. **M step**: the complete-data formulas with the counts replaced by
#   their expectations.
# * In the three-peg game **θ⁽¹⁾ is final**: after one M step the cup probabilities equal
#   the observed frequencies, the largest likelihood possible; θ⁽²⁾ = θ⁽¹⁾. Different θ⁽⁰⁾
#   give different, equally good θ⁽¹⁾: the parameters are **not identifiable**. Li Hang's
#   three coins (例9.1) show the same: starts (0.5, 0.5, 0.5) and (0.4, 0.6, 0.7) stop after
#   one iteration at (0.5, 0.6, 0.6) and (0.4064, 0.5368, 0.6432), both with ln p = −6.7301.
# * Usually EM needs many iterations (the coins), can stop at a **local optimum**, and its
#   answers are defined only up to **label switching**.
#
# ## Notation
#
# | symbol | meaning |
# |---|---|
# | θ = (p0, p1, p2) | three-peg game: probability of going right at peg 0, 1, 2 |
# | x ∈ {a, b, c} | three-peg game: the observed cup |
# | y | the hidden path (隐含变量) of a ball |
# | N_x, N_y, E[N_y] | balls in cup x; on path y (complete data); its expectation (E step) |
# | f(x \| X) = N_x/N | the frequency of x among the observations (the article's weight) |
# | Pr(y \| x; θ⁽ᵗ⁾) | the posterior of the path given the cup |
# | Q(θ, θ⁽ᵗ⁾)/N | the article's Q: Q per observation, Σ_x f(x\|X) Σ_y Pr(y\|x; θ⁽ᵗ⁾) ln Pr(x, y; θ) |
# | θ⁽ᵗ⁾ | the parameters after t EM iterations (θ⁽⁰⁾: the start) |
# | γ_nk | coin game: the responsibility of coin k for set n |
# | π_k | coin game: the weight of coin k |
# | p_k, p_A, p_B, p_C | the heads-probability of coin k (coins A, B, C; in the three-coin model (三硬币模型) A picks B or C) |
#
# ## Exercises
# 1. Take N_a = 0 (no ball in cup a). What does EM return for p1, and why is any value of p1
#    then equally good?
#
#    <details><summary>Solution</summary>
#
#    If the start sends part of cup b through path 1 (s > 0), then E[N0] = 0 and E[N1] > 0,
#    so p1 = 1: every ball reaching peg 1 went right. If no ball reaches peg 1 at all
#    (s = 0), p0 = 1 and p1 never matters; emlib then sets p1 = ½ by convention. Check with
#    `run(ThreePegModel(), {"b": 5, "c": 3}, ThreePegParams(0.5, 0.5, 0.5))`.
#    </details>
#
# 2. Show that the true θ = (0.4, 0.6, 0.5) is (in general) *not* on the ridge of the
#    simulated data, and that ln p(X | true θ) is below the maximum. Why is that no
#    contradiction?
#
#    <details><summary>Solution</summary>
#
#    The ridge matches the *observed* frequencies, which differ from the true cup
#    probabilities by sampling noise (true 0.24/0.56/0.20, observed 0.33/0.52/0.15). The
#    maximum-likelihood θ fits the sample, not the truth; as N grows the ridge moves towards
#    the true cup probabilities, but the three p's stay unidentifiable from cups alone.
#    </details>
#
# 3. In the coin game with learned weights, start from p = (0.6, 0.5) on Do & Batzoglou's
#    data and run EM. Does it converge faster or slower than with fixed weights?
#
#    <details><summary>Solution</summary>
#
#    ```python
#    run(BinomialMixture(2, 10, learn_weights=True), np.array([5, 9, 8, 4, 7]),
#        BinomialMixtureParams([0.5, 0.5], [0.6, 0.5]), max_iter=1000, tol=1e-8).n_iter
#    ```
#    37 iterations instead of 13, for a slightly higher ln p (−9.7954 against −9.7969) with
#    weights ≈ 0.52/0.48 and p ≈ 0.793/0.514. The extra parameter makes the likelihood
#    flatter near the optimum (weights and p's can trade off against each other), and EM
#    slows down where the likelihood is flat.
#    </details>
