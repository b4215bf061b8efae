"""One notation for the course: notebooks/NOTATION.md is the course table, chapter 00 shows
it, and every chapter's own Notation table only uses symbols the course table defines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks" / "src").glob("[0-9][0-9]_*.py"))
_CELL = re.compile(r"(?<!\\)\|")


def _rows(lines: list[str]) -> list[tuple[str, str]]:
    """(symbol, meaning) of every body row of the first markdown table in ``lines``."""
    rows, in_table = [], False
    for line in lines:
        line = line.strip()
        if line.startswith("|"):
            cells = [c.strip() for c in _CELL.split(line)[1:-1]]
            if in_table and not set(cells[0]) <= set("-: "):
                rows.append((cells[0], cells[1]))
            in_table = True
        elif in_table:
            break
    return rows


def course_table() -> list[tuple[str, str]]:
    text = (ROOT / "notebooks" / "NOTATION.md").read_text(encoding="utf-8")
    return _rows(text[text.index("| symbol |"):].splitlines())


def chapter_table(source: Path) -> list[tuple[str, str]]:
    text = source.read_text(encoding="utf-8")
    start = text.index("# ## Notation")
    end = text.index("# ## Exercises", start)
    lines = [line[2:] if line.startswith("# ") else line.lstrip("#")
             for line in text[start:end].splitlines()]
    return _rows(lines)


def test_course_table_defines_each_symbol_once():
    symbols = [symbol for symbol, _ in course_table()]
    assert len(symbols) > 50
    assert len(symbols) == len(set(symbols)), [s for s in symbols if symbols.count(s) > 1]


def test_chapter_00_shows_the_course_table():
    assert chapter_table(ROOT / "notebooks" / "src" / "00_welcome.py") == course_table()


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_chapter_table_is_a_subset_of_the_course_table(source):
    defined = {symbol for symbol, _ in course_table()}
    rows = chapter_table(source)
    assert rows, f"{source.name} has no Notation table"
    unknown = [symbol for symbol, _ in rows if symbol not in defined]
    assert not unknown, f"{source.name} uses symbols the course table does not define: {unknown}"


def test_no_chapter_uses_the_retired_symbols():
    """The clashes the teaching pass removed do not come back in the chapter tables."""
    retired = {"q_nk, w_k, p_k", "J", "M(θ), J", "L(θ) = p(X \\| θ)", "Beta(α, β)",
               "$D(x)$", "η_t = (t + t₀)^(−α)", "f(w), β_k, λ", "t x + (1−t) y"}
    for source in SOURCES:
        used = {symbol for symbol, _ in chapter_table(source)}
        assert not used & retired, (source.name, used & retired)
