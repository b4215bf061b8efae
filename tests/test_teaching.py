"""The teaching pass's promises, checked on the notebook sources and stored notebooks:
every "Questions to try" block is answered in a folded <details>, every EM chapter has an
exercise cell whose untouched skeleton prints "not attempted yet", with its solution folded."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from emlib.exercises import EXERCISES

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks" / "src").glob("[0-9][0-9]_*.py"))


def markdown_cells(source: Path) -> list[str]:
    cells = re.split(r"^# %%.*$", source.read_text(encoding="utf-8"), flags=re.M)
    return [c for c in cells if c.lstrip("\n").startswith("#")]


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_every_questions_block_is_answered(source):
    for cell in markdown_cells(source):
        if "**Questions to try**" in cell:
            after = cell.split("**Questions to try**", 1)[1]
            assert "<details>" in after and "</details>" in after, source.name


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_exercise_cell_is_in_its_notebook(name):
    exercise = EXERCISES[name]
    stored = ROOT / "notebooks" / f"{exercise.chapter}.ipynb"
    if not stored.exists():
        pytest.skip(f"{stored.name} is not in this checkout")
    cells = json.loads(stored.read_text(encoding="utf-8"))["cells"]
    index = next(i for i, c in enumerate(cells) if c["cell_type"] == "code"
                 and f'EXERCISES["{name}"].check' in "".join(c["source"]))
    text = "".join("".join(o.get("text", "")) for o in cells[index].get("outputs", []))
    assert "not attempted yet" in text
    following = "".join(cells[index + 1]["source"])
    assert "<summary>Solution</summary>" in following and f"def {name}(" in following
