"""Root pytest configuration: pins nbval's sanitize file to the repository root.

nbval opens ``--nbval-sanitize-with`` relative to the current directory, so running
``pytest`` from a sub-folder would fail on every notebook cell without this hook.
"""

from pathlib import Path


def pytest_configure(config):
    if getattr(config.option, "nbval_sanitize_with", None) is None:
        config.option.nbval_sanitize_with = str(Path(__file__).with_name("nbval_sanitize.cfg"))
