"""The set-up a learner relies on: two README commands, Binder files, CI calling README."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def test_readme_has_exactly_two_one_line_commands():
    commands = [b.strip() for b in bash_blocks()]
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    install_and_open, install_and_test = commands
    assert "requirements.txt" in install_and_open and "jupyter lab" in install_and_open
    assert '".[test]"' in install_and_test and "pytest" in install_and_test
    for command in commands:  # both install the tested versions
        assert "pip install -c constraints.txt " in command


def test_ci_runs_the_readme_test_command_verbatim():
    script = (ROOT / ".ci" / "run").read_text()
    extract = re.search(r"command=\$\((awk .*?)\)\n", script).group(1)
    found = subprocess.run(["bash", "-c", extract], cwd=ROOT, capture_output=True, text=True)
    assert found.stdout.strip() == bash_blocks()[1].strip()
    assert "chromium" in script and "EMCOURSE_REQUIRE_BROWSER=1" in script
    assert "fonts-noto-cjk" in script


def test_ci_also_runs_the_suite_against_the_newest_versions():
    """After README's pinned run, a second fresh venv without constraints, upgraded to the
    newest versions the ranges allow, runs the suite again; `set -e` makes it fail CI."""
    script = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in script
    pinned = script.index('bash -c "set -euo pipefail; $command"')
    upgrade = script.index('pip" install --upgrade -e ".[test]"')
    newest_pytest = script.index('python" -m pytest')
    assert pinned < upgrade < newest_pytest
    assert "constraints" not in script[upgrade:].split("\n")[0]


def constraints() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    pins = [line.split("==") for line in lines if line.strip() and not line.startswith("#")]
    assert all(len(pin) == 2 for pin in pins), "constraints.txt holds exact pins only"
    return {name.lower(): version for name, version in pins}


def requirement_names(specs: list[str]) -> set[str]:
    return {re.split(r"[<>=\[ ;]", spec.strip())[0].lower() for spec in specs
            if spec.strip() and not spec.startswith(("#", "-"))}


def test_constraints_pin_every_direct_dependency():
    """One place for the tested versions: every dependency of pyproject.toml (with the
    course and test extras) and of requirements.txt has an exact pin in constraints.txt."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        specs += [s for s in extra if not s.startswith("emlib")]
    specs += (ROOT / "requirements.txt").read_text().splitlines()
    missing = requirement_names(specs) - set(constraints())
    assert not missing, f"constraints.txt lacks pins for {sorted(missing)}"
    assert {"hmmlearn", "nltk", "dask", "distributed", "pandas", "numba"} <= set(constraints())


def test_binder_reads_root_files_and_installs_emlib():
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()
    assert re.fullmatch(r"python-3\.1[1-4]\n?", (ROOT / "runtime.txt").read_text())
    requirements = (ROOT / "requirements.txt").read_text().splitlines()
    names = {re.split(r"[<>=\[ ]", line)[0] for line in requirements if line and line[0] != "#"}
    assert {"numpy", "scipy", "scikit-learn", "matplotlib", "ipywidgets", "jupyterlab",
            "voila"} <= names
    assert requirements[-1] == "-e ."
    assert "-c constraints.txt" in requirements, "Binder installs the tested versions"
    assert (ROOT / "apt.txt").read_text().split() == ["fonts-noto-cjk"]
    assert all("==" not in line for line in requirements), "ranges, not exact pins"


def test_pyproject_declares_the_package_and_test_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["name"] == "emlib"
    assert project["project"]["requires-python"] == ">=3.11"
    extra = " ".join(project["project"]["optional-dependencies"]["test"])
    for tool in ("pytest", "nbval", "nbclient", "ipykernel", "hypothesis", "pytest-xdist",
                 "voila", "playwright"):
        assert tool in extra or tool == "voila"  # voila comes with the course extra
    assert "voila" in " ".join(project["project"]["optional-dependencies"]["course"])
    assert "--nbval" in project["tool"]["pytest"]["ini_options"]["addopts"]


def test_code_passes_the_linter():
    """ruff (configured in pyproject.toml) finds nothing in the library, tests and notebooks."""
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed next to this Python")
    result = subprocess.run([str(ruff), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
