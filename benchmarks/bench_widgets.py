"""Click → new PNG time of the course's steppers, in Python (median of alternating E/M clicks).

``python benchmarks/bench_widgets.py [clicks]`` prints one line per chapter's stepper.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np


def steppers() -> dict:
    """One stepper per chapter that has one, built as its notebook builds it."""
    from emlib.datasets import load_old_faithful
    from emlib.views.ball import ball_stepper
    from emlib.views.gmm import gmm_stepper
    from emlib.views.hmm import ice_cream_stepper
    from emlib.views.kmeans import kmeans_stepper
    from emlib.views.mixtures import coin_stepper
    from emlib.views.plsa import plsa_stepper

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 0.5, (60, 2)) for c in ((0, 0), (3, 1), (1, 3))])
    counts = rng.poisson(1.0, (10, 12))
    raw, _ = load_old_faithful()
    faithful = (raw - raw.mean(0)) / raw.std(0)
    return {
        "00/04 coins": lambda: coin_stepper(),
        "04 pegs": lambda: ball_stepper("aabbbc", seed=3),
        "05 k-means": lambda: kmeans_stepper(X, 3, init="random", seed=4),
        "06 GMM": lambda: gmm_stepper(faithful, n_components=2, seed=0),
        "08 PLSA": lambda: plsa_stepper(counts, [f"w{i}" for i in range(12)], n_topics=3,
                                        seed=7),
        "10 HMM": lambda: ice_cream_stepper(),
    }


def click_ms(widget, clicks: int) -> float:
    """Median milliseconds from an E or M click to the new PNGs."""
    times = []
    for i in range(clicks):
        button = widget.buttons["E step" if i % 2 == 0 else "M step"]
        start = time.perf_counter()
        button.click()
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def main(clicks: int = 20) -> None:
    for name, build in steppers().items():
        print(f"{name:12s} {click_ms(build(), clicks):7.1f} ms per click (median of {clicks})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
