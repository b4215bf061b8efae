"""Serving a chapter with Voila on 127.0.0.1 and driving it in headless Chromium.

Used by the browser tests (``tests/test_browser*.py``). Chromium is Debian's
(``/usr/bin/chromium``, installed by ``.ci/run``); Playwright never downloads a browser.
Without Chromium the tests skip; ``.ci/run`` sets ``EMCOURSE_REQUIRE_BROWSER=1`` so that
there a missing browser fails instead of skipping.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Seconds. Sized for a busy machine (two cores, the suite on both, two CPU-bound processes
#: beside it): a slow start or a slow kernel must not fail a test; nothing here measures speed.
SERVER_START_TIMEOUT = 300
PAGE_TIMEOUT = 180
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]


def require_browser() -> None:
    """Skip (or, under EMCOURSE_REQUIRE_BROWSER=1, fail) when Chromium is missing."""
    if not os.path.exists(CHROMIUM):
        message = f"needs Debian's chromium at {CHROMIUM}"
        if os.environ.get("EMCOURSE_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def voila_server(notebook: str) -> Iterator[str]:
    """Run ``voila notebooks/<notebook>`` on a free loopback port; yield its URL."""
    port = _free_port()
    voila = shutil.which("voila", path=os.path.dirname(sys.executable)) or "voila"
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        env.setdefault(name, tempfile.mkdtemp(prefix="emcourse-jupyter-"))
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [voila, f"notebooks/{notebook}", "--no-browser", "--Voila.ip=127.0.0.1",
             f"--port={port}", "--show_tracebacks=True",
             f"--VoilaExecutor.startup_timeout={SERVER_START_TIMEOUT}"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        pytest.fail("voila did not start:\n" + log.read().decode()[-3000:])
                    time.sleep(0.3)
            yield f"http://127.0.0.1:{port}/"
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextlib.contextmanager
def chromium_page() -> Iterator[object]:
    """A fresh headless Chromium page (Playwright, Debian's browser, empty profile)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=FLAGS)
        context.set_default_timeout(PAGE_TIMEOUT * 1000)
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


@contextlib.contextmanager
def chapter_page(notebook: str) -> Iterator[object]:
    """A Chromium page showing ``notebooks/<notebook>`` served by Voila (patient expectations)."""
    require_browser()
    from playwright.sync_api import expect

    expect.set_options(timeout=PAGE_TIMEOUT * 1000)
    with voila_server(notebook) as url, chromium_page() as page:
        page.goto(url)
        yield page
