"""The course website, built offline (``python tools/build_site.py``) and read offline.

The site is built once for this module (into a temporary folder, from the stored
notebooks), served on 127.0.0.1 and opened in Debian's headless Chromium with every
request that would leave the machine blocked and counted. On every chapter page the
math must be typeset by the site's own MathJax, every image must load, and the stored
widget views must render through the site's own widget renderer.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from browser_support import ROOT, chromium_page, require_browser

pytestmark = pytest.mark.browser

CHAPTERS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("jupyter_book", reason="the site extra (jupyter-book<2) is not installed")
    out = tmp_path_factory.mktemp("site") / "_site"
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_site.py"), "--out", str(out)],
                   check=True, cwd=ROOT, capture_output=True, timeout=900)
    return out


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_the_site_has_every_page(site: Path) -> None:
    pages = {p.name for p in site.glob("*.html")}
    expected = {f"{c}.html" for c in CHAPTERS} | {"index.html", "glossary.html",
                                                   "benchmarks.html"}
    assert expected <= pages, sorted(expected - pages)
    for html in site.glob("*.html"):
        text = html.read_text(encoding="utf-8")
        remote = re.findall(r'<script[^>]+src="(https?://[^"]+)"', text)
        assert not remote, f"{html.name} loads scripts from {remote}"


def test_every_chapter_reads_offline(site: Path) -> None:
    require_browser()
    outside: list[str] = []
    with serve(site) as url, chromium_page() as page:

        def guard(route) -> None:  # noqa: ANN001 - playwright's Route
            host = urlparse(route.request.url).hostname
            if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.context.route("**/*", guard)
        for chapter in ["index", *CHAPTERS]:
            page.goto(f"{url}{chapter}.html", wait_until="networkidle")
            images = page.eval_on_selector_all(
                "article img", "els => els.map(e => [e.currentSrc, e.complete && e.naturalWidth])")
            broken = [src for src, width in images if not width]
            assert not broken, f"{chapter}: images that did not load: {broken}"
            if chapter != "index":
                page.wait_for_selector("mjx-container", timeout=60_000)
                assert page.locator("mjx-container").count() > 0, f"{chapter}: no typeset math"
        page.goto(f"{url}00_welcome.html", wait_until="networkidle")
        page.wait_for_selector(".widget-button", timeout=60_000)
        assert page.locator(".widget-button").count() >= 4, "stored widget views not rendered"
    assert not outside, f"requests that tried to leave the machine: {outside[:5]}"
