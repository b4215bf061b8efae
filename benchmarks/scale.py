"""EM at scale on Dask (chapter 12): emlib.scale.fit_distributed against emlib's in-memory fit.

usage: python benchmarks/scale.py [--rows N] [--out-of-core-rows N]

1. GMM, N = 10⁷ rows, D = 8, K = 8, 5 iterations, chunks of 10⁶ rows: the same data and
   θ⁽⁰⁾ fitted in memory by ``emlib.em.run`` and on a 2-worker ``LocalCluster`` (one
   process and one thread each) by ``fit_distributed``; the time per EM iteration of both
   and their ratio, and the largest difference between the two traces' records.
2. Out of core: N = 10⁸ rows, D = 8, K = 4, 2 iterations, generated chunk by chunk from
   seeds inside the workers (never materialised, never sent), ``keep_posteriors=False``:
   the peak resident memory of all processes (this one, the scheduler, the workers)
   sampled every 0.1 s, and the wall time.

Not run by the test suite (speed is never a unit test); README's table comes from here.
"""

from __future__ import annotations

import argparse
import os
import threading
import time

import numpy as np

D, K_FIT, K_OOC, CHUNK = 8, 8, 4, 1_000_000
CENTRES = np.random.default_rng(1).normal(0, 4, (8, D))


def chunk(block_id: int, rows: int = CHUNK) -> np.ndarray:
    """Rows of one partition, made from its own seed: the same on any machine, any time."""
    rng = np.random.default_rng([7, block_id])
    labels = rng.integers(0, len(CENTRES), rows)
    return CENTRES[labels] + rng.normal(size=(rows, D))


def lazy_rows(n_rows: int):
    import dask.array as da

    n_chunks = n_rows // CHUNK
    return da.map_blocks(lambda block_info=None: chunk(block_info[None]["chunk-location"][0]),
                         dtype=float, chunks=((CHUNK,) * n_chunks, (D,)))


def start(k: int):
    from emlib.gmm import GMMParams

    rng = np.random.default_rng(0)
    return GMMParams(np.full(k, 1 / k), chunk(0, 10_000)[rng.choice(10_000, k, replace=False)],
                     np.stack([np.eye(D) * 4.0] * k))


class PeakMemory:
    """Peak of the summed resident memory of this process and all its descendants."""

    def __init__(self) -> None:
        import psutil

        self.me, self.peak, self._stop = psutil.Process(os.getpid()), 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0
            for proc in [self.me, *self.me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.1)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def in_memory_vs_cluster(n_rows: int, iterations: int = 5) -> None:
    from distributed import Client, LocalCluster

    from emlib.em import run
    from emlib.gmm import GaussianMixtureModel
    from emlib.scale import fit_distributed

    model, params0 = GaussianMixtureModel(K_FIT), start(K_FIT)
    X = np.concatenate([chunk(b) for b in range(n_rows // CHUNK)])
    t0 = time.perf_counter()
    local = run(model, X, params0, max_iter=iterations, tol=None)
    t_local = (time.perf_counter() - t0) / (iterations + 1)
    del X
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        data = client.persist(lazy_rows(n_rows))  # in the workers' memory, as X is in ours
        fit_distributed(model, data, params0, max_iter=1, tol=None, client=client)  # warm up
        trace = fit_distributed(model, data, params0, max_iter=iterations, tol=None,
                                client=client)
    t_cluster = float(np.mean(trace.seconds))
    diff = max(abs(a.log_likelihood - b.log_likelihood) / max(1.0, abs(b.log_likelihood))
               for a, b in zip(trace.records, local.records, strict=True))
    print(f"GMM N={n_rows:.0e} D={D} K={K_FIT} {iterations} iterations, chunks of {CHUNK:.0e}, "
          f"{os.cpu_count()} cores")
    print(f"  in memory (emlib.em.run):         {t_local:.2f} s per iteration")
    print(f"  LocalCluster, 2 workers:          {t_cluster:.2f} s per iteration "
          f"(ratio {t_cluster / t_local:.2f})")
    print(f"  largest relative difference of ln p between the traces: {diff:.1e}")
    print(f"  statistics sent per map task: {trace.statistics_bytes} bytes, "
          f"{trace.n_partitions} partitions")


def out_of_core(n_rows: int, iterations: int = 2) -> None:
    from distributed import Client, LocalCluster

    from emlib.gmm import GaussianMixtureModel
    from emlib.scale import fit_distributed

    model, params0 = GaussianMixtureModel(K_OOC), start(K_OOC)
    t0 = time.perf_counter()
    with PeakMemory() as memory, LocalCluster(n_workers=2, threads_per_worker=1,
                                              processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        trace = fit_distributed(model, lazy_rows(n_rows), params0, max_iter=iterations,
                                tol=None, client=client, keep_posteriors=False)
    seconds = time.perf_counter() - t0
    print(f"Out of core: GMM N={n_rows:.0e} D={D} K={K_OOC} {iterations} iterations "
          f"({n_rows * D * 8 / 2**30:.1f} GiB of data, never materialised)")
    print(f"  peak resident memory of all processes: {memory.peak / 2**30:.2f} GiB; "
          f"{seconds:.0f} s; ln p per row {trace.records[-1].log_likelihood / n_rows:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--out-of-core-rows", type=int, default=100_000_000)
    args = parser.parse_args()
    in_memory_vs_cluster(args.rows)
    out_of_core(args.out_of_core_rows)


if __name__ == "__main__":  # LocalCluster starts worker processes: the guard is required
    main()
