"""The compiled forward–backward pass of :mod:`emlib.hmm` (Numba), one loop over time.

The recursions are those of ``emlib.hmm.forward_backward`` (the readable numpy version,
which a test checks against this one). One call runs the scaled forward pass, the end
factor, and the backward pass that accumulates, without storing ξ_t:

* γ_t(k) = α̂_t(k) β̂_t(k)                                       (written into ``gamma``)
* Σ_t ξ_t(i, j), ξ_t(i, j) = α̂_t(i) A_ij b_{t+1}(j) β̂_{t+1}(j) / c_{t+1}   (``xi_sum``)
* Σ_t Σ_ij ξ_t(i, j) ln (ξ_t(i, j) / γ_t(i)) − Σ_ij (Σ_t ξ_t(i, j)) ln A_ij, which is
  Σ_t [Σ_j γ_{t+1}(j) ln (b_{t+1}(j) β̂_{t+1}(j) / c_{t+1}) − Σ_i γ_t(i) ln β̂_t(i)]
  since ξ_t(i, j) / γ_t(i) = A_ij b_{t+1}(j) β̂_{t+1}(j) / (c_{t+1} β̂_t(i)): 2K logarithms
  per step instead of K² (the caller adds Σ ξ ln A, the transition part of −H(q)).
* Σ_t ln c_t, ln p(X|θ) up to the emission scale factors the caller removed.

Numba compiles it once (``cache=True`` keeps the machine code on disk), so the notebooks
pay the compilation only on the first run ever; :mod:`emlib.hmm` uses this engine only for
long sequences and plain numpy otherwise.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["forward_backward_compiled"]


@njit(cache=True, nogil=True)
def forward_backward_compiled(b, offsets, start, trans, end, use_end, gamma, xi_sum):
    """Scaled forward–backward over the sequences ``b[offsets[s]:offsets[s+1]]``.

    ``b`` (T, K) holds the emission probabilities (any positive scale per row); ``gamma``
    (T, K) and ``xi_sum`` (K, K) are filled (``xi_sum`` is added to). Returns
    (Σ_t ln c_t, Σ ξ ln(ξ/γ) − Σ ξ ln A); Σ ln c_t is −∞ when the data are impossible under θ.
    """
    n_rows, k_states = b.shape
    alpha = np.empty((n_rows, k_states))
    scale = np.empty(n_rows)
    beta = np.empty(k_states)
    weighted = np.empty(k_states)
    log_c = 0.0
    xi_log = 0.0
    for s in range(offsets.shape[0] - 1):
        first, stop = offsets[s], offsets[s + 1]
        for t in range(first, stop):  # α̂_t ∝ (α̂_{t−1} A or π) ∘ b_t
            norm = 0.0
            for j in range(k_states):
                if t == first:
                    acc = start[j]
                else:
                    acc = 0.0
                    for i in range(k_states):
                        acc += alpha[t - 1, i] * trans[i, j]
                acc *= b[t, j]
                alpha[t, j] = acc
                norm += acc
            if norm <= 0.0:
                return -np.inf, 0.0
            scale[t] = norm
            log_c += math.log(norm)
            for j in range(k_states):
                alpha[t, j] /= norm
        last = stop - 1
        if use_end:
            norm = 0.0
            for k in range(k_states):
                norm += alpha[last, k] * end[k]
            if norm <= 0.0:
                return -np.inf, 0.0
            log_c += math.log(norm)
            for k in range(k_states):
                beta[k] = end[k] / norm
        else:
            for k in range(k_states):
                beta[k] = 1.0
        for k in range(k_states):
            gamma[last, k] = alpha[last, k] * beta[k]
        for t in range(last - 1, first - 1, -1):
            inv = 1.0 / scale[t + 1]
            for j in range(k_states):
                weighted[j] = b[t + 1, j] * beta[j] * inv
                if gamma[t + 1, j] > 0.0:  # Σ_i ξ_t(i, j) = γ_{t+1}(j)
                    xi_log += gamma[t + 1, j] * math.log(weighted[j])
            for i in range(k_states):
                acc = 0.0
                a_i = alpha[t, i]
                for j in range(k_states):
                    term = trans[i, j] * weighted[j]
                    acc += term
                    xi_sum[i, j] += a_i * term
                beta[i] = acc
                g = a_i * acc
                gamma[t, i] = g
                if g > 0.0:
                    xi_log -= g * math.log(acc)
    return log_c, xi_log
