"""The glossary speaks the seeds' language: every Chinese term is in the seeds or is a
standard textbook term listed in STANDARD_TERMS, and the 中文 column has no English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from emlib.glossary import GLOSSARY, STANDARD_TERMS, glossary_markdown

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
seed_text = "".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))) \
    if SEEDS.is_dir() else None

#: Latin-letter words allowed in the 中文 column: acronyms (all capitals), one-letter symbols
#: and a person's name.
NAMES = {"Jensen"}


@pytest.mark.skipif(seed_text is None, reason="the seeds folder ../shared/seeds is not here")
@pytest.mark.parametrize("english, chinese, chapters", GLOSSARY)
def test_every_chinese_term_is_from_the_seeds_or_standard(english, chinese, chapters):
    for term in re.split(r" / ", chinese):
        assert (term in STANDARD_TERMS
                or term.replace(" ", "") in seed_text.replace(" ", "")), term


def test_standard_terms_are_used_and_not_in_the_seeds():
    terms = {t for _, chinese, _ in GLOSSARY for t in chinese.split(" / ")}
    assert STANDARD_TERMS <= terms
    if seed_text is not None:
        flat = seed_text.replace(" ", "")
        assert not [t for t in STANDARD_TERMS if t in flat]


@pytest.mark.parametrize("english, chinese, chapters", GLOSSARY)
def test_chinese_column_has_no_english(english, chinese, chapters):
    for word in re.findall(r"[A-Za-z]+", chinese):
        assert len(word) == 1 or word.isupper() or word in NAMES, (chinese, word)
    assert re.search(r"[\u4e00-\u9fff]", chinese), chinese


@pytest.mark.parametrize("term", ["广义EM", "响应度", "边缘似然", "证据下界（ELBO）", "充分统计量",
                                  "可辨识性（不可辨识）"])
def test_standard_terms_the_course_needs_are_there(term):
    assert any(term in chinese.split(" / ") for _, chinese, _ in GLOSSARY)


@pytest.mark.skipif(seed_text is None, reason="the seeds folder ../shared/seeds is not here")
@pytest.mark.parametrize("term", ["隐变量", "生成式模型", "凸集", "凸函数", "KL散度", "相对熵",
                                  "高斯混合模型", "完整数据", "不完整数据", "概率潜在语义分析",
                                  "坐标调参法", "局部最优解", "极大后验概率估计", "贝叶斯公式"])
def test_key_terms_of_the_seeds_are_in_the_glossary(term):
    assert any(term in chinese for _, chinese, _ in GLOSSARY)


def test_markdown_has_one_row_per_entry():
    assert glossary_markdown().count("\n") == len(GLOSSARY) + 1
