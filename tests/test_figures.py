"""`python -m emlib.views.figures` makes every figure that README and the notebooks link."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from emlib.views.figures import FIGURES

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"figures/([A-Za-z0-9_\-]+)\.png")


def linked_figures() -> set[str]:
    texts = [(ROOT / "README.md").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in (ROOT / "notebooks" / "src").glob("*.py")]
    return {name for text in texts for name in LINK.findall(text)}


def test_the_command_writes_every_linked_figure(tmp_path):
    result = subprocess.run([sys.executable, "-m", "emlib.views.figures", "--out", str(tmp_path)],
                            capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr
    written = {p.stem for p in tmp_path.glob("*.png")}
    assert written == set(FIGURES)
    assert linked_figures() <= written, linked_figures() - written
    for path in tmp_path.glob("*.png"):
        assert path.read_bytes()[:4] == b"\x89PNG" and path.stat().st_size > 2000


def test_committed_figures_are_the_registered_ones():
    committed = {p.stem for p in (ROOT / "notebooks" / "figures").glob("*.png")}
    assert linked_figures() <= committed
    assert committed <= set(FIGURES), committed - set(FIGURES)


def test_unknown_figure_names_are_refused(tmp_path):
    result = subprocess.run([sys.executable, "-m", "emlib.views.figures", "--out", str(tmp_path),
                             "no_such_figure"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode != 0 and "unknown figure" in result.stderr
