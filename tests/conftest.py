"""Test-wide settings: hypothesis without deadlines (a loaded 2-core machine is slow to
start kernels and draw figures), and deterministic examples under CI so that a run's
verdict does not depend on luck; locally, hypothesis explores new examples every run."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("course", deadline=None, print_blob=True)
settings.register_profile("ci", deadline=None, print_blob=True, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "course")
