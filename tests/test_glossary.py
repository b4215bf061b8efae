"""The glossary speaks the seeds' language: every Chinese term is really in the seeds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from emlib.glossary import GLOSSARY, glossary_markdown

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
seed_text = "".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))) \
    if SEEDS.is_dir() else None


@pytest.mark.skipif(seed_text is None, reason="the seeds folder ../shared/seeds is not here")
@pytest.mark.parametrize("english, chinese, chapters", GLOSSARY)
def test_every_chinese_term_is_taken_from_the_seeds(english, chinese, chapters):
    for term in re.split(r" / ", chinese):
        assert term.replace(" ", "") in seed_text.replace(" ", ""), term


@pytest.mark.skipif(seed_text is None, reason="the seeds folder ../shared/seeds is not here")
@pytest.mark.parametrize("term", ["隐变量", "生成式模型", "凸集", "凸函数", "KL散度", "相对熵",
                                  "高斯混合模型", "完整数据", "不完整数据", "概率潜在语义分析",
                                  "坐标调参法", "局部最优解", "极大后验概率估计", "贝叶斯公式"])
def test_key_terms_of_the_seeds_are_in_the_glossary(term):
    assert any(term in chinese for _, chinese, _ in GLOSSARY)


def test_markdown_has_one_row_per_entry():
    assert glossary_markdown().count("\n") == len(GLOSSARY) + 1
