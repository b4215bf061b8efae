"""EM at scale as map and reduce, on Dask (chapter ``12_em_at_scale``; Lin & Dyer, ch. 6).

One EM iteration over data split into partitions X = X₁ ∪ … ∪ X_P is one map-reduce job:

* **map** (the E step, one task per partition p): with θ fixed, compute the posterior
  q_p = p(Z_p | X_p, θ) and emit the partition's expected sufficient statistics
  s_p = Σ_{n ∈ p} E_{q_p}[t(x_n, z_n)], with its terms of ln p(X|θ), L(q, θ) and KL(q‖p);
* **reduce** (the M step): add the statistics, s = Σ_p s_p, and solve the M step in closed
  form, θ_new = params_from_statistics(s).

It works because every quantity is a sum over data rows (or documents, sequences,
sentence pairs): s, ln p(X|θ) = Σ_p ln p(X_p|θ), L and KL alike. Only the statistics
travel to the reducer, so one iteration's communication is P times the size of s, not
the size of the data. :func:`fit_distributed` runs this loop with Dask and returns the
same :class:`~emlib.em.Trace` records as :func:`emlib.em.run` on the data in memory.

A model qualifies when it implements :class:`~emlib.em.SufficientStatisticsModel`
(``expected_statistics`` / ``params_from_statistics``) and its ``evaluate`` sums over
independent rows of one partition.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .em import Evaluation, Record, SufficientStatisticsModel, Trace, _validate_loop_args

__all__ = ["DistributedTrace", "PartitionSummary", "fit_distributed", "partitions_of"]


@dataclass(frozen=True)
class PartitionSummary:
    """What one map task sends to the reducer: statistics and its terms of ln p, L, KL.

    ``log_likelihood`` is ln p(X_p | θ_t); ``lower_bound``/``kl`` are L(q_{t−1}, θ_t) and
    KL(q_{t−1} ‖ p(Z_p|X_p, θ_t)) for the previous posterior (the M step's record);
    ``posterior_lower_bound``/``posterior_kl`` the same for q_t (the next E step's record);
    ``statistics`` are s_p computed from q_t. Summaries add.
    """

    log_likelihood: float
    lower_bound: float
    kl: float
    posterior_lower_bound: float
    posterior_kl: float
    statistics: Any

    def __add__(self, other: PartitionSummary) -> PartitionSummary:
        return PartitionSummary(
            self.log_likelihood + other.log_likelihood, self.lower_bound + other.lower_bound,
            self.kl + other.kl, self.posterior_lower_bound + other.posterior_lower_bound,
            self.posterior_kl + other.posterior_kl, self.statistics + other.statistics)


@dataclass
class DistributedTrace(Trace):
    """A :class:`~emlib.em.Trace` with what the distributed run measured.

    ``seconds`` holds the wall time of each map-reduce job (job 0 evaluates θ⁽⁰⁾);
    ``statistics_bytes`` the size of one partition's statistics (what each map task
    sends); ``n_partitions`` the number of map tasks per job.
    """

    seconds: list[float] = field(default_factory=list)
    statistics_bytes: int = 0
    n_partitions: int = 0


def _summarise(model: Any, part: Any, previous: Any, q_previous: Any,
               params: Any) -> tuple[PartitionSummary, Any]:
    """The map task: one partition at θ_t → (its summary, its posterior q_t).

    The M step's record needs L(q_{t−1}, θ_t): ``q_previous`` is the partition's posterior
    kept from the previous job, or None, in which case it is computed again from
    θ_{t−1} = ``previous`` (one more pass, no memory held between jobs). At t = 0 both
    are None.
    """
    data = model.validate_data(part)
    if q_previous is None and previous is not None:
        q_previous = model.e_step(data, previous)
    ev: Evaluation = model.evaluate(data, params, q_previous)
    post_bound, post_kl = ev.posterior_lower_bound, ev.posterior_kl
    if post_bound is None or post_kl is None:
        exact = ev if q_previous is None else model.evaluate(data, params)
        post_bound, post_kl = exact.lower_bound, exact.kl
    bound, gap = (post_bound, post_kl) if q_previous is None else (ev.lower_bound, ev.kl)
    summary = PartitionSummary(float(ev.log_likelihood), float(bound), float(gap),
                               float(post_bound), float(post_kl),
                               model.expected_statistics(data, ev.posterior))
    return summary, ev.posterior


def _tree_sum(items: list[Any]) -> Any:
    """Add delayed summaries pairwise (a reduction tree of depth ⌈log₂ P⌉)."""
    from dask import delayed

    add = delayed(lambda a, b: a + b, pure=True)
    while len(items) > 1:
        items = [add(items[i], items[i + 1]) if i + 1 < len(items) else items[i]
                 for i in range(0, len(items), 2)]
    return items[0]


def partitions_of(data: Any) -> list[Any]:
    """The map tasks' inputs: Delayed partitions of a Dask collection, or a list's items.

    A ``dask.array`` is split into its row blocks (its columns must be one chunk); a
    ``dask.bag`` into its partitions; a list or tuple of partitions is taken as it is
    (each item one partition, e.g. a list of sequences or sentence pairs).
    """
    import dask.array as da
    import dask.bag as db

    if isinstance(data, da.Array):
        if data.ndim not in (1, 2):
            raise ValueError(f"data must be a 1-D or 2-D dask array, got {data.ndim} dimensions")
        if data.ndim == 2 and len(data.chunks[1]) != 1:
            data = data.rechunk({1: -1})
        return list(data.to_delayed().ravel())
    if isinstance(data, db.Bag):
        return list(data.to_delayed())
    if isinstance(data, (list, tuple)) and data and not isinstance(data[0], (int, float)):
        return list(data)
    raise TypeError("data must be a dask.array, a dask.bag or a list of partitions, "
                    f"got {type(data).__name__}")


def fit_distributed(model: Any, data: Any, params: Any, *, max_iter: int = 100,
                    tol: float | None = 1e-8, client: Any = None,
                    keep_posteriors: bool = True, progress: bool = False) -> DistributedTrace:
    """EM as one map-reduce job per iteration, on Dask; the records of :func:`emlib.em.run`.

    ``model`` implements :class:`~emlib.em.SufficientStatisticsModel`; ``data`` is a
    ``dask.array`` of rows, a ``dask.bag`` or a list of partitions; ``params`` is θ⁽⁰⁾.
    Job t maps every partition to (s_p, its ln p, L and KL terms) at θ_t and reduces them
    by a tree of additions; the driver then solves θ_{t+1} = params_from_statistics(Σ s_p).
    ``max_iter`` and ``tol`` mean what they mean for :func:`emlib.em.run` (stop when one
    iteration raises ln p(X|θ) by less than ``tol``; ``tol=None`` runs ``max_iter``).

    ``client=None`` uses Dask's local scheduler; a ``distributed.Client`` (a
    ``LocalCluster`` or a real cluster) is used as given. ``keep_posteriors=True`` keeps
    each partition's q where it was computed (on the workers) for the next job's bound;
    ``False`` recomputes it instead, so that nothing but θ and the statistics outlives a
    job (data larger than the cluster's memory). ``progress=True`` prints one line per
    job. The returned :class:`DistributedTrace` also holds each job's seconds and the size
    of one partition's statistics; its ``posterior`` is None (q stays distributed).
    """
    if not isinstance(model, SufficientStatisticsModel):
        raise TypeError(f"model must implement expected_statistics and params_from_statistics "
                        f"(emlib.em.SufficientStatisticsModel), got {type(model).__name__}")
    _validate_loop_args(max_iter, tol)
    if params is None:
        raise ValueError("params must be θ⁽⁰⁾ (the model's parameters), got None")
    if not isinstance(keep_posteriors, bool):
        raise TypeError(f"keep_posteriors must be True or False, got {keep_posteriors!r}")
    parts = partitions_of(data)
    if not parts:
        raise ValueError("data has no partitions")
    import pickle

    import dask
    from dask import delayed

    summarise = delayed(_summarise, pure=True, nout=2)
    model_d = delayed(model, traverse=False)
    trace = DistributedTrace(n_partitions=len(parts))
    kept: list[Any] = [None] * len(parts)  # each partition's q from the last job

    def job(previous: Any, current: Any) -> PartitionSummary:
        nonlocal kept
        start = time.perf_counter()
        prev_d, cur_d = delayed(previous, traverse=False), delayed(current, traverse=False)
        job_id = len(trace.seconds)
        # kept posteriors are futures (on the workers) or arrays: named, so never hashed
        held = [q if q is None or client is not None
                else delayed(q, name=f"emlib-q-{id(trace)}-{job_id}-{i}", traverse=False)
                for i, q in enumerate(kept)]
        tasks = [summarise(model_d, part, prev_d, q, cur_d)
                 for part, q in zip(parts, held, strict=True)]
        total = _tree_sum([summary for summary, _ in tasks])
        posteriors = [q for _, q in tasks] if keep_posteriors else []
        if client is not None:
            total_future, *kept_futures = client.compute([total, *posteriors])
            result = total_future.result()
        else:
            result, *kept_futures = dask.compute(total, *posteriors)
        kept = kept_futures if keep_posteriors else kept
        trace.seconds.append(time.perf_counter() - start)
        if progress:
            print(f"job {len(trace.seconds) - 1}: ln p = {result.log_likelihood:.6f} "
                  f"({trace.seconds[-1]:.2f} s, {len(parts)} partitions)", flush=True)
        return result

    summary = job(None, params)
    trace.statistics_bytes = len(pickle.dumps(summary.statistics))  # one partition's size
    trace.records.append(Record("init", 0, summary.log_likelihood))
    current = params
    for iteration in range(1, max_iter + 1):
        before = summary.log_likelihood
        trace.records.append(Record("E", iteration, summary.log_likelihood,
                                    summary.posterior_lower_bound, summary.posterior_kl))
        new = model.params_from_statistics(summary.statistics)
        summary = job(current, new)
        current = new
        trace.records.append(Record("M", iteration, summary.log_likelihood,
                                    summary.lower_bound, summary.kl))
        if tol is not None and summary.log_likelihood - before < tol:
            trace.converged = True
            break
    trace.params = current
    return trace
