"""Click latency in a real browser: Voila serves a chapter, Debian's headless Chromium clicks.

For the first stepper of chapters 00, 06 and 08, alternate E step / M step clicks and time,
inside the page, from the click to the widget's label changing (the label changes last,
after the new pictures) plus one animation frame. Prints the median per chapter (target:
< 100 ms). A benchmark, not a test: ``python benchmarks/bench_widgets_browser.py [clicks]``.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from browser_support import chromium_page, voila_server  # noqa: E402

CHAPTERS = ["00_welcome.ipynb", "06_gmm.ipynb", "08_plsa.ipynb"]

CLICKS_JS = """
async (n) => {
  const button = (name) => [...document.querySelectorAll("button")]
      .find((b) => b.textContent.trim() === name);
  const e = button("E step"), m = button("M step");
  const label = [...document.querySelectorAll(".widget-html")]
      .find((el) => el.textContent.includes("iteration"));
  let next = label.textContent.trim().startsWith("E") ? m : e;
  const times = [];
  for (let i = 0; i < n; i++) {
    const before = label.textContent;
    const t0 = performance.now();
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no answer in 10 s")), 10000);
      const obs = new MutationObserver(() => {
        if (label.textContent !== before) {
          obs.disconnect();
          clearTimeout(timer);
          requestAnimationFrame(() => resolve());
        }
      });
      obs.observe(label, {subtree: true, childList: true, characterData: true});
      next.click();
    });
    times.push(performance.now() - t0);
    next = next === e ? m : e;
  }
  return times;
}
"""


def chapter_click_ms(notebook: str, clicks: int) -> list[float]:
    """The click → new picture times (ms) of ``clicks`` E/M clicks in ``notebook``."""
    with voila_server(notebook) as url, chromium_page() as page:
        page.goto(url)
        page.get_by_role("button", name="E step").first.wait_for(timeout=120_000)
        page.evaluate(CLICKS_JS, 2)  # warm-up
        return page.evaluate(CLICKS_JS, clicks)


def main(clicks: int = 20) -> None:
    for notebook in CHAPTERS:
        times = chapter_click_ms(notebook, clicks)
        print(f"{notebook:18s} median {statistics.median(times):6.1f} ms, "
              f"max {max(times):6.1f} ms over {clicks} clicks")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
