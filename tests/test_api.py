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
