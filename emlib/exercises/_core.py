"""The machinery of :mod:`emlib.exercises`: an exercise, its feedback, the registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EXERCISES", "Exercise", "Feedback", "NotAttempted", "attempted", "register"]


@dataclass(frozen=True)
class Feedback:
    """What a checker says: ``passed`` and a ``message`` a learner can act on.

    ``attempted`` is False when the function was left as the skeleton (it returned None).
    """

    passed: bool
    message: str
    attempted: bool = True

    def __str__(self) -> str:
        return self.message

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython shows the message
        printer.text(self.message)


@dataclass(frozen=True)
class Exercise:
    """One exercise: a ``name``, the ``chapter`` it belongs to, a one-line ``task``, the
    reference ``solution`` and a ``checker`` that compares a learner's function with it.

    ``checker(func)`` returns a :class:`Feedback`; :meth:`check` wraps it so that an
    untouched skeleton reads "not attempted yet" and an exception inside the learner's
    code becomes feedback, not a traceback.
    """

    name: str
    chapter: str
    task: str
    solution: Callable[..., Any]
    checker: Callable[[Callable[..., Any]], Feedback]
    hints: tuple[str, ...] = field(default_factory=tuple)

    def check(self, func: Callable[..., Any]) -> Feedback:
        """Run the learner's ``func`` on the exercise's cases and say what is wrong."""
        if not callable(func):
            raise TypeError(f"func must be a function, got {type(func).__name__}")
        try:
            return self.checker(func)
        except NotAttempted:
            return Feedback(False, f"{self.name}: not attempted yet — fill in the function "
                                   "and run the cell again.", attempted=False)
        except Exception as error:  # the learner's code raised: report it, do not crash
            return Feedback(False, f"{self.name}: your function raised "
                                   f"{type(error).__name__}: {error}")


class NotAttempted(Exception):
    """Raised by a checker when the learner's function returned None (the skeleton)."""


def attempted(value: Any) -> Any:
    """``value`` itself, or :class:`NotAttempted` when it is None (an untouched skeleton)."""
    if value is None:
        raise NotAttempted
    return value


EXERCISES: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add ``exercise`` to :data:`EXERCISES` under its name (names are unique)."""
    if exercise.name in EXERCISES:
        raise ValueError(f"an exercise named {exercise.name!r} is registered already")
    EXERCISES[exercise.name] = exercise
    return exercise
