"""The laws every EM run obeys, asserted on its trace (shared by the model tests)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from emlib.em import Record


def assert_em_laws(records: Sequence[Record], tol: float = 1e-9, relative: bool = False) -> None:
    """ln p never decreases; ln p = L + KL; KL ≥ 0; KL = 0 and L = ln p right after an E step.

    ``tol`` is absolute, or relative to max(1, |ln p|) with ``relative=True`` (for objectives
    in the hundreds of thousands, as on a real corpus). The first record may be "init",
    where q is not defined yet.
    """
    lls = np.array([r.log_likelihood for r in records])
    scale = max(1.0, float(np.max(np.abs(lls))))
    atol = tol * scale if relative else tol
    assert np.all(np.diff(lls) >= -max(1e-10, tol if relative else 0.0) * scale), lls
    for r in records:
        if r.step == "init":
            assert r.lower_bound is None and r.kl is None
            continue
        assert r.kl >= -max(atol, 1e-12)
        assert r.log_likelihood == pytest.approx(r.lower_bound + r.kl, abs=atol)
        if r.step == "E":
            assert r.kl == pytest.approx(0.0, abs=atol)
            assert r.lower_bound == pytest.approx(r.log_likelihood, abs=atol)
