"""Run emlib against its peers and print a table of ratios.

usage: python benchmarks/run.py [topic ...]     (topics: the bench_<topic>.py files; default all)

Each case runs emlib and the peer on the same data, from the same initial parameters and
for the same number of iterations, in this one process; see harness.py.
"""

from __future__ import annotations

import importlib
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from harness import format_table, measure  # noqa: E402


def main(argv: list[str]) -> int:
    topics = argv or sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    results = []
    for topic in topics:
        module = importlib.import_module(f"bench_{topic}")
        # bench_widgets*.py are scripts of their own (python benchmarks/bench_widgets.py)
        for case in getattr(module, "CASES", []):
            print(f"running {topic}: {case.name} ...", file=sys.stderr, flush=True)
            results.append(measure(case))
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(format_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
