"""Tokenizers for the parallel corpus of chapter ``11_word_alignment`` (词语对齐).

* :func:`english_words` — English by words, lower-cased: runs of letters, digits and
  apostrophes ("Don't go." → ``["don't", "go"]``);
* :func:`chinese_characters` — Chinese by characters: every Han character is a token, a
  run of Latin letters or digits is one token (lower-cased), punctuation is dropped
  ("汤姆在哪？" → ``["汤", "姆", "在", "哪"]``, "Tom走了。" → ``["tom", "走", "了"]``);
* :func:`tokenize_pairs` — both at once over a list of sentence pairs.

Chinese is written without spaces. IBM Model 1 only needs tokens, and characters are a
deterministic, dependency-free choice: Model 1 then learns, e.g., t(like | 喜) and
t(like | 欢) side by side. A word segmenter would give larger units (喜欢), but the usual
one, jieba, has not been released since 2020; the course writes no segmenter of its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["chinese_characters", "english_words", "tokenize_pairs"]

_ENGLISH = re.compile(r"[a-z0-9']+")
# One Han character (CJK unified ideographs, extension A, compatibility), or a Latin/digit run.
_CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[a-z0-9]+")


def _check_text(text: Any, name: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a string, got {type(text).__name__}")
    return text


def english_words(text: str) -> list[str]:
    """English by words, lower-cased: the runs of ``[a-z0-9']`` in ``text.lower()``."""
    return _ENGLISH.findall(_check_text(text, "text").lower())


def chinese_characters(text: str) -> list[str]:
    """Chinese by characters: each Han character, and each Latin/digit run lower-cased."""
    return _CHINESE.findall(_check_text(text, "text").lower())


def tokenize_pairs(source: Sequence[str], target: Sequence[str], *,
                   source_language: str = "zh", target_language: str = "en"
                   ) -> list[tuple[list[str], list[str]]]:
    """``[(source tokens, target tokens), ...]`` for two line-aligned lists of sentences.

    Each language is ``"en"`` (:func:`english_words`) or ``"zh"`` (:func:`chinese_characters`).
    """
    tokenizers = {"en": english_words, "zh": chinese_characters}
    for value, name in ((source_language, "source_language"),
                        (target_language, "target_language")):
        if value not in tokenizers:
            raise ValueError(f"{name} must be 'en' or 'zh', got {value!r}")
    for value, name in ((source, "source"), (target, "target")):
        if isinstance(value, str) or not isinstance(value, Sequence):
            raise TypeError(f"{name} must be a list of sentences, got {type(value).__name__}")
    if len(source) != len(target):
        raise ValueError(f"source and target must have the same length, got {len(source)} "
                         f"and {len(target)}")
    split_source, split_target = tokenizers[source_language], tokenizers[target_language]
    return [(split_source(_check_text(s, f"source[{k}]")),
             split_target(_check_text(t, f"target[{k}]")))
            for k, (s, t) in enumerate(zip(source, target, strict=True))]
