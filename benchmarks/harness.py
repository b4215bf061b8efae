"""Side-by-side timing of emlib against its peer, in one process, on the same data.

A benchmark file ``bench_<topic>.py`` defines ``CASES: list[Case]``. For each case the
runner calls ``setup`` once, then each side ``repeat`` times (best time kept), measures
each side's peak memory with tracemalloc (numpy reports its buffers to it) in a separate
call, and prints one row with the ratios emlib / peer. Speed is never a unit test.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Case:
    """One comparison: both callables run the same work and return the final objective."""

    name: str
    emlib: Callable[[], float]
    peer: Callable[[], float]
    peer_name: str
    setup: Callable[[], None] | None = None
    note: str = ""
    repeat: int = 3


@dataclass
class Result:
    case: Case
    emlib_seconds: float
    peer_seconds: float
    emlib_peak_mib: float
    peer_peak_mib: float
    emlib_objective: float
    peer_objective: float

    @property
    def time_ratio(self) -> float:
        return self.emlib_seconds / self.peer_seconds

    @property
    def memory_ratio(self) -> float:
        return self.emlib_peak_mib / self.peer_peak_mib if self.peer_peak_mib else float("nan")


def _best_time(fn: Callable[[], float], repeat: int) -> tuple[float, float]:
    best, value = float("inf"), float("nan")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, float(value)


def _peak_mib(fn: Callable[[], float]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def measure(case: Case) -> Result:
    """Run one case: times (best of ``repeat``), peak memories and final objectives."""
    if case.setup is not None:
        case.setup()
    e_time, e_obj = _best_time(case.emlib, case.repeat)
    p_time, p_obj = _best_time(case.peer, case.repeat)
    return Result(case, e_time, p_time, _peak_mib(case.emlib), _peak_mib(case.peer), e_obj, p_obj)


def format_table(results: list[Result]) -> str:
    """A Markdown table: one row per case with times, ratios and objectives."""
    lines = ["| case | peer | emlib s | peer s | time ratio | emlib MiB | peer MiB | memory ratio "
             "| emlib objective | peer objective | target |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| {r.case.name} | {r.case.peer_name} | {r.emlib_seconds:.3f} | {r.peer_seconds:.3f} "
            f"| {r.time_ratio:.2f} | {r.emlib_peak_mib:.1f} | {r.peer_peak_mib:.1f} "
            f"| {r.memory_ratio:.2f} | {r.emlib_objective:.6g} | {r.peer_objective:.6g} "
            f"| {r.case.note} |")
    return "\n".join(lines)
