"""Build and execute the course notebooks so that their stored outputs are reproducible.

usage: python tools/execute_notebooks.py [notebooks/NN_slug.ipynb ...]   (default: all)

Each notebook is written from its source ``notebooks/src/NN_slug.py`` (jupytext "percent"
format: readable diffs, cell tags in ``# %% tags=[...]``), executed top to bottom in a
fresh kernel with nbclient, given deterministic widget ids, validated and saved. Running
it twice gives byte-identical files. Run it whenever a notebook or what it shows changes;
``tests/test_notebooks.py`` checks that every notebook matches its source.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
STATE = "application/vnd.jupyter.widget-state+json"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def source_of(notebook: Path) -> Path:
    """The jupytext source of a notebook: notebooks/src/<same name>.py."""
    return notebook.parent / "src" / (notebook.stem + ".py")


def build(notebook: Path) -> nbformat.NotebookNode:
    """A fresh, unexecuted notebook from the source file."""
    nb = jupytext.read(source_of(notebook), fmt="py:percent")
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for number, cell in enumerate(nb.cells):
        cell.id = f"cell-{number:03d}"  # deterministic: a rebuild changes nothing by itself
        cell.metadata = {k: v for k, v in cell.metadata.items() if k == "tags"}
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def stable_widget_ids(nb: nbformat.NotebookNode, salt: str) -> nbformat.NotebookNode:
    """Replace the random widget model ids by hashes of their creation order."""
    state = nb.metadata.get("widgets", {}).get(STATE, {}).get("state", {})
    text = json.dumps(nb)
    for i, old in enumerate(list(state)):
        text = text.replace(old, hashlib.md5(f"{salt}:{i}".encode()).hexdigest())
    return nbformat.from_dict(json.loads(text))


def coalesce_streams(nb: nbformat.NotebookNode) -> None:
    """Join consecutive stdout (or stderr) outputs of a cell into one, as nbval compares
    them: how the kernel happened to split a stream must not change the stored file."""
    for cell in nb.cells:
        merged: list = []
        for output in cell.get("outputs", []):
            if (output.output_type == "stream" and merged
                    and merged[-1].output_type == "stream" and merged[-1].name == output.name):
                merged[-1].text += output.text
            else:
                merged.append(output)
        if cell.cell_type == "code":
            cell.outputs = merged


def execute(notebook: Path) -> float:
    """Build, execute and save one notebook; returns the seconds it took."""
    start = time.perf_counter()
    nb = build(notebook)
    NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(notebook.parent)}}).execute()
    coalesce_streams(nb)
    nb = stable_widget_ids(nb, notebook.name)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nbformat.validate(nb)
    nbformat.write(nb, notebook)
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or sorted(
        NOTEBOOKS / (src.stem + ".ipynb") for src in (NOTEBOOKS / "src").glob("*.py"))
    for path in paths:
        if not source_of(path).exists():
            print(f"{path}: no source {source_of(path)}", file=sys.stderr)
            return 1
        print(f"{path.relative_to(ROOT)}: {execute(path):.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
