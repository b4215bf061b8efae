"""Imports every chapter's exercise module so that each registers its exercises.

One line per chapter module (e.g. ``from . import ch03_mle``); keep them in chapter order.
"""

from __future__ import annotations

# ruff: noqa: I001  (one import line per chapter, in chapter order, keeps merges clean)

from . import ch03_mle  # noqa: F401
from . import ch04_ball_em  # noqa: F401
from . import ch05_kmeans  # noqa: F401
from . import ch06_gmm  # noqa: F401
from . import ch07_em_theory  # noqa: F401
from . import ch08_plsa  # noqa: F401
from . import ch09_em_variants  # noqa: F401
from . import ch10_hmm  # noqa: F401
from . import ch11_ibm1  # noqa: F401
from . import ch12_em_at_scale  # noqa: F401
