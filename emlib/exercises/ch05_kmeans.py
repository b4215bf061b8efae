"""Chapter 05 exercise: one Lloyd iteration of k-Means (hard E step, then M step).

    E step:  z_n = argmin_k ‖x_n − μ_k‖²
    M step:  μ_k = mean of the points with z_n = k   (an empty cluster keeps its centre)
"""

from __future__ import annotations

import numpy as np

from ._checking import Case, register_compared

#: The reference solution is reached through EXERCISES[name].solution: learner-facing
#: code shown in the notebook, deliberately free of input validation, so not public API.
__all__: list[str] = []


def lloyd_step(X: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The new (K, D) centres after assigning each row of ``X`` to its nearest centre."""
    X, centres = np.asarray(X, dtype=float), np.asarray(centres, dtype=float)
    distances = ((X[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)   # (N, K)
    labels = distances.argmin(axis=1)
    new = centres.copy()
    for k in range(len(centres)):
        members = X[labels == k]
        if len(members):                   # an empty cluster keeps its old centre
            new[k] = members.mean(axis=0)
    return new


_CASES = (
    Case("4 points on a line, 2 centres",
         (np.array([[0.0], [1.0], [9.0], [11.0]]), np.array([[0.5], [5.0]]))),
    Case("5 points in 2-D, 2 centres",
         (np.array([[0.0, 0.0], [0.0, 1.0], [4.0, 4.0], [5.0, 4.0], [4.0, 6.0]]),
          np.array([[1.0, 1.0], [3.0, 3.0]]))),
    Case("3 points, 3 centres, one centre far away (its cluster is empty)",
         (np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]]),
          np.array([[0.0, 0.0], [1.0, 1.0], [50.0, 50.0]]))),
)


register_compared(
    "lloyd_step", "05_kmeans",
    "Write lloyd_step(X, centres): assign each point to its nearest centre, "
     "then move every centre to the mean of its points.",
    lloyd_step, _CASES, ("the new centres μ",),
    ("Nearest means argmin of the distance, not argmax.",
     "Divide the sum of a cluster's points by its size.",
     "A cluster with no points keeps its old centre (no 0/0)."),
    atol=1e-9,
)
