"""The layers run one way: models never load a view.

Only ``emlib.views`` may import matplotlib or ipywidgets. Every other emlib module is
imported alone in a fresh interpreter, which must end without either in ``sys.modules``
(a lazy import inside a function would not show here, so the source is read too).
"""

from __future__ import annotations

import importlib.util
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import emlib

ROOT = Path(__file__).resolve().parents[1]
VIEW_PACKAGES = ("matplotlib", "ipywidgets")

MODULES = sorted(m.name for m in pkgutil.walk_packages(emlib.__path__, prefix="emlib.")
                 if not m.name.startswith("emlib.views"))
PROBE = """
import importlib, sys
importlib.import_module(sys.argv[1])
print(",".join(sorted({name.split(".")[0] for name in sys.modules} & set(sys.argv[2:]))))
"""


def test_the_walk_finds_the_model_modules():
    assert {"emlib", "emlib.em", "emlib.gmm", "emlib.ball", "emlib.theory",
            "emlib.variants.online"} <= set(MODULES + ["emlib"])


@pytest.mark.parametrize("module", ["emlib", *MODULES])
def test_module_imports_without_matplotlib_or_ipywidgets(module):
    result = subprocess.run([sys.executable, "-c", PROBE, module, *VIEW_PACKAGES],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"{module} loads {result.stdout.strip()}"


@pytest.mark.parametrize("module", MODULES)
def test_module_source_names_no_view_package(module):
    """Not even a lazy import inside a function: views live in emlib.views."""
    spec = importlib.util.find_spec(module)
    source = Path(spec.origin).read_text(encoding="utf-8")
    pattern = re.compile(r"^\s*(from|import)\s+(\.*views\b|emlib\.views\b|"
                         + "|".join(VIEW_PACKAGES) + r")", re.M)
    assert not pattern.search(source), f"{module} imports a view: {pattern.search(source)[0]}"
