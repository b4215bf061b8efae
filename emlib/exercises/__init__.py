"""Exercises: the learner writes an E step, an M step or a small model; emlib checks it.

Every EM chapter has at least one. A notebook shows a skeleton cell::

    def e_step(...):
        ...                      # your code here

    EXERCISES["coins_e_step"].check(e_step)

and :meth:`Exercise.check` runs the learner's function on small cases and compares it
with the reference solution, returning a :class:`Feedback` that names the wrong quantity,
the case and the size of the error. An untouched skeleton (a body of ``...``, returning
None) is reported as "not attempted yet", never as an error. ``Exercise.solution`` is
the reference function, also shown folded in the notebook.

Each chapter's exercises live in their own module of this package and register
themselves in :data:`EXERCISES` through :func:`register`.
"""

from __future__ import annotations

from ._core import EXERCISES, Exercise, Feedback, register

__all__ = ["EXERCISES", "Exercise", "Feedback", "register"]

# Chapter modules register their exercises on import (one line per chapter).
from . import _chapters  # noqa: E402,F401  (import for its side effect)
