"""The stored notebooks: valid, executed in order, error-free, small, and equal to their source.

nbval (configured in pyproject.toml) re-runs every notebook and compares the outputs;
these tests check what nbval does not: the files themselves.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from execute_notebooks import build, source_of  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_BYTES = 1_000_000


def test_every_source_has_its_notebook_and_back():
    sources = {p.stem for p in (ROOT / "notebooks" / "src").glob("*.py")}
    assert sources == {p.stem for p in NOTEBOOKS}
    assert all(len(name) > 3 and name[:2].isdigit() and name[2] == "_" for name in sources)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_valid_executed_in_order_and_error_free(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), "run top to bottom in one fresh kernel"
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", cell.source[:80]
            text = output.get("text", "")
            assert "Traceback" not in text and "Warning:" not in text, text[:200]
    widgets = nb.metadata.get("widgets")
    if widgets is not None:
        assert "state" in json.dumps(widgets)[:2000], "GitHub needs metadata.widgets.state"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_small(path):
    assert path.stat().st_size < MAX_BYTES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_matches_its_source(path):
    """The stored notebook was built from notebooks/src/<name>.py (tools/execute_notebooks.py)."""
    stored = nbformat.read(path, as_version=4)
    fresh = build(path)
    assert source_of(path).exists()
    assert [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in stored.cells] == \
        [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in fresh.cells]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_the_chapter_template(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert "Run All" in first.source, f"{path.name}: the first cell says how to run it"
    assert "Binder" in first.source or "mybinder" in first.source, f"{path.name}: Binder link"
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for heading in ("## Summary", "## Notation", "## Exercises", "<details>"):
        assert heading in text, f"{path.name} lacks {heading}"
    assert "default_rng(" in nb.cells[1].source, "one seeded rng in the first code cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_selects_the_inline_backend_itself(path):
    """With MPLBACKEND=Agg in the environment (many CI machines and servers) a notebook
    that relied on the kernel's default backend would lose every figure output."""
    nb = nbformat.read(path, as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.source.startswith("%matplotlib inline\n")
