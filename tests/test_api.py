"""emlib's public surface: every module declares __all__, every public name is documented."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import emlib

MODULES = sorted(m.name.removeprefix("emlib.")
                 for m in pkgutil.walk_packages(emlib.__path__, prefix="emlib.")
                 if not m.name.rsplit(".", 1)[-1].startswith("_"))


@pytest.mark.parametrize("name", MODULES)
def test_module_declares_all_and_documents_every_public_name(name):
    module = importlib.import_module(f"emlib.{name}")
    assert module.__doc__ and len(module.__doc__.strip()) > 40, f"emlib.{name} needs a docstring"
    assert hasattr(module, "__all__"), f"emlib.{name} needs __all__"
    for public in module.__all__:
        obj = getattr(module, public)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__ and obj.__doc__.strip(), f"emlib.{name}.{public} lacks a docstring"
        if inspect.isfunction(obj):
            hints = {k for k in obj.__annotations__ if k != "return"}
            params = {p for p in inspect.signature(obj).parameters if p not in ("self",)}
            assert params <= hints, f"emlib.{name}.{public}: type hints missing for " \
                                    f"{sorted(params - hints)}"


BAD_FIRST_ARGUMENTS = ["abc", None, [[1, 2], [3]], -1]


def public_functions():
    for name in MODULES:
        module = importlib.import_module(f"emlib.{name}")
        for public in getattr(module, "__all__", []):
            obj = getattr(module, public)
            if not inspect.isfunction(obj) or obj.__module__ != module.__name__:
                continue
            required = [p for p in inspect.signature(obj).parameters.values()
                        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                               p.POSITIONAL_OR_KEYWORD)]
            if required and public not in ("main",):
                yield pytest.param(obj, len(required), id=f"{name}.{public}")


@pytest.mark.parametrize("function, n_required", list(public_functions()))
def test_bad_first_argument_gets_a_clear_error(function, n_required, tmp_path, monkeypatch):
    """Garbage in the first argument raises ValueError/TypeError, never a deep traceback.

    Runs in a temporary folder: a function that accepts a string as a folder name (the
    figure writer takes "abc") must not write into the repository."""
    monkeypatch.chdir(tmp_path)
    import warnings

    import numpy as np

    for bad in BAD_FIRST_ARGUMENTS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                function(bad, *[np.ones(3)] * (n_required - 1))
            except (ValueError, TypeError):
                continue
            except Exception as error:  # noqa: BLE001 - the point is to name what escaped
                pytest.fail(f"{function.__name__}({bad!r}, ...) raised "
                            f"{type(error).__name__}: {error}")
