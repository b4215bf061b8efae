"""Imports every chapter's exercise module so that each registers its exercises.

One line per chapter module (e.g. ``from . import ch03_mle``); keep them in chapter order.
"""

from __future__ import annotations

from . import ch11_ibm1  # noqa: F401  (chapter 11_word_alignment)
