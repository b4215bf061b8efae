"""English ↔ 中文 glossary of every term the course's source documents use (chapter 00).

Each entry: (English term, Chinese term, where the course explains it). The Chinese column
is Chinese only (acronyms such as EM, KL, MDP and the name Jensen aside); where the slides
write a term in English, the English column quotes them. ``tests/test_glossary.py`` checks
that every Chinese term appears in the seeds or in :data:`STANDARD_TERMS` (standard
textbook terms the seeds do not use), and that the glossary covers the seeds' key terms.
"""

from __future__ import annotations

__all__ = ["GLOSSARY", "STANDARD_TERMS", "glossary_markdown"]

GLOSSARY: list[tuple[str, str, str]] = [
    ("EM algorithm (Expectation–Maximization)", "EM算法 / 期望最大化", "00"),
    ("E step: take the expectation", "E步 / 求期望", "00, 07"),
    ("M step: maximise", "M步 / 求极大 / 最大化", "00, 07"),
    ("chicken-and-egg problem", "鸡生蛋，蛋生鸡", "00, 07"),
    ("hidden (latent) variable", "隐变量 / 隐含变量", "01"),
    ("maximum likelihood estimation (MLE)", "极大似然估计", "03"),
    ("maximum a posteriori estimation (MAP)", "极大后验概率估计", "03, 09"),
    ("unsupervised learning", "无监督学习", "01"),
    ("supervised learning", "有监督学习", "01"),
    ("semi-supervised learning", "半监督学习", "01"),
    ("reinforcement learning", "强化学习", "01"),
    ("Markov decision process (MDP; English in the slides)", "马尔可夫决策过程（MDP）",
     "01"),
    ("label (annotation)", "标注", "01"),
    ("clustering", "聚类", "01, 05"),
    ("probability density estimation", "概率密度估计", "01, 06"),
    ("generative model", "生成式模型", "01"),
    ("discriminative model", "判别式模型", "01"),
    ("generative story", "生成故事", "01, 06"),
    ("hidden state (e.g. part of speech)", "隐含状态 / 词性", "01"),
    ("part-of-speech tagging", "词性标注", "01"),
    ("topic", "主题", "01, 08"),
    ("word alignment (IBM models)", "词语对齐", "01"),
    ("prior probability", "先验概率", "01"),
    ("posterior probability", "后验概率", "01"),
    ("likelihood", "似然概率", "01, 03"),
    ("Bayes' rule", "贝叶斯公式", "01"),
    ("convex set", "凸集", "02"),
    ("convex function", "凸函数", "02"),
    ("Jensen's inequality", "Jensen不等式", "02, 07"),
    ("KL divergence (Kullback–Leibler)", "KL距离 / KL散度", "02, 07"),
    ("relative entropy", "相对熵", "02"),
    ("asymmetric", "非对称", "02"),
    ("Gaussian (normal) distribution", "高斯分布", "02, 06"),
    ("ball game / peg / cup", "弹球实验 / 木桩 / 杯子", "03, 04"),
    ("observed value", "观察到的结果 / 观测值", "03, 04"),
    ("joint probability", "联合概率", "03"),
    ("weight (frequency of an observation)", "权值", "04"),
    ("hill-climbing algorithm", "爬山算法", "04"),
    ("iteration", "迭代", "04"),
    ("local optimum", "局部最优解", "04, 05"),
    ("global optimum", "全局最优解", "04"),
    ("initial value", "初始值", "04"),
    ("marginal likelihood (evidence)", "边缘似然", "01, 04, 07"),
    ("k-Means (the slides: k-Means算法)", "k均值算法", "05"),
    ("cluster centre", "聚类中心点", "05"),
    ("objective function", "目标函数", "05"),
    ("coordinate descent (ascent)", "坐标调参法", "05, 09"),
    ("hard EM (the slides: hard-EM)", "硬EM", "05"),
    ("soft EM (the slides: Soft-EM算法)", "软EM", "06"),
    ("k-means++ seeding", "k均值++初始化", "05"),
    ("triangle-inequality acceleration", "基于三角不等式的性能优化", "05"),
    ("k-d tree acceleration", "基于k-d树的性能优化", "05"),
    ("Gaussian mixture model (GMM)", "高斯混合模型 / 混合高斯模型", "06"),
    ("mixture model", "混合模型", "06"),
    ("graphical model", "图模型", "06"),
    ("constraint", "约束条件", "06"),
    ("conditional probability P(z|x)", "条件概率P(z|x)", "06"),
    ("responsibility γ_nk", "响应度", "06"),
    ("partial derivative", "偏导", "06"),
    ("pseudocode", "伪代码", "06"),
    ("complete data", "完整数据", "07"),
    ("incomplete data", "不完整数据", "07"),
    ("lower bound", "下界", "07"),
    ("evidence lower bound (ELBO)", "证据下界（ELBO）", "07, 09"),
    ("identifiability (non-identifiable)", "可辨识性（不可辨识）", "04, 07"),
    ("three-coin model (Li Hang, 例9.1)", "三硬币模型", "04"),
    ("genetic linkage (Dempster, Laird & Rubin 1977)", "遗传连锁", "07"),
    ("convergence proof", "收敛性证明", "07"),
    ("probabilistic latent semantic analysis (PLSA)", "概率潜在语义分析", "08"),
    ("prior distribution over θ", "先验分布", "09"),
    ("variational EM (the slides: Variational EM)", "变分EM", "09"),
    ("generalized EM (the slides: Generalization EM)", "广义EM", "09"),
    ("nonlinear optimisation; conjugate gradient", "非线性优化算法 / 共轭梯度法", "09"),
    ("online EM; online vs batch learning (the slides: Online EM)",
     "在线EM / 在线学习与批量学习", "09"),
    ("sufficient statistics", "充分统计量", "09"),
    ("EM with features (the slides: 融入feature后的EM算法)", "融入特征的EM算法", "09"),
]

#: Standard Chinese terms (李航《统计学习方法》, 周志华《机器学习》) that the seeds do not use.
STANDARD_TERMS: frozenset[str] = frozenset({
    "马尔可夫决策过程（MDP）", "边缘似然", "k均值算法", "硬EM", "软EM", "k均值++初始化", "响应度",
    "证据下界（ELBO）", "可辨识性（不可辨识）", "三硬币模型", "遗传连锁", "变分EM", "广义EM",
    "在线EM", "在线学习与批量学习", "充分统计量", "融入特征的EM算法",
})


def glossary_markdown() -> str:
    """The glossary as a Markdown table (chapter 00 shows it)."""
    rows = ["| English | 中文 | chapter |", "|---|---|---|"]
    rows += [f"| {en} | {zh} | {where} |" for en, zh, where in GLOSSARY]
    return "\n".join(rows)
