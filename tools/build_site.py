"""Build the course website, offline, from the notebooks' stored outputs.

    python tools/build_site.py            # writes _site/, entry page _site/index.html

Jupyter Book 1 (Sphinx) renders every chapter notebook as it is stored (nothing is
executed: nbval checks the stored outputs), plus four pages written here: the course
front page (README), the glossary (``emlib.glossary``), the notation table
(``notebooks/NOTATION.md``) and the benchmark table (README's). Jupyter Book 2 / mystmd
cannot be used: it downloads its theme from the internet at build time.

The site serves its own scripts, never a CDN: MathJax 3, require.js and the widget
renderer ``@jupyter-widgets/html-manager`` are installed from the npm registry at build
time (``site/package.json``, exact versions) and copied into ``_static/vendor``. They are
kept out of the book's own ``_static`` folder, whose every ``.js`` file Jupyter Book adds
to every page. The stored widget states then render as the (non-interactive) views a
reader saw when the notebook was executed.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NPM_DIR = ROOT / "site"
CHAPTER = re.compile(r"^\d\d_.+\.ipynb$")

CONFIG = """\
title: "emcourse: the EM algorithm, step by step (EM算法)"
author: emcourse authors
copyright: "2026"
only_build_toc_files: true
execute:
  execute_notebooks: "off"
html:
  use_repository_button: false
  use_issues_button: false
  use_edit_page_button: false
  home_page_in_navbar: true
  extra_footer: "Built offline from the executed notebooks; every script is served by this site."
sphinx:
  config:
    html_static_path: ["_vendor"]
    mathjax_path: vendor/mathjax/tex-chtml-full.js
    html_show_sourcelink: false
    suppress_warnings: ["mystnb.unknown_mime_type", "myst.header"]
    nb_ipywidgets_js:
      vendor/require.js: {}
      vendor/widgets/embed-amd.js:
        data-jupyter-widgets-cdn: "{cdn}"
        data-jupyter-widgets-cdn-only: "true"
"""


def npm_vendor() -> Path:
    """Install the pinned npm packages (from the npm registry) and return node_modules."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("build_site: npm is needed (Node.js); install nodejs and npm")
    command = [npm, "ci" if (NPM_DIR / "package-lock.json").exists() else "install",
               "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"]
    subprocess.run(command, cwd=NPM_DIR, check=True)
    return NPM_DIR / "node_modules"


def copy_vendor(modules: Path, dest: Path) -> None:
    """MathJax (es5 bundle), require.js and the widget renderer into ``dest``."""
    vendor = dest / "vendor"
    shutil.copytree(modules / "mathjax" / "es5", vendor / "mathjax")
    shutil.copy2(modules / "requirejs" / "require.js", vendor / "require.js")
    shutil.copytree(modules / "@jupyter-widgets" / "html-manager" / "dist", vendor / "widgets")


def readme_sections() -> tuple[str, str]:
    """README as the front page, and its benchmark table as a page of its own."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    text = re.sub(r"\]\(notebooks/(\d\d_[\w-]+)\.ipynb\)", r"](\1.ipynb)", text)
    text = text.replace("](notebooks/figures/", "](figures/")
    # badges are remote images: on the site they become plain links
    text = re.sub(r"\[!\[([^\]]*)\]\([^)]*\)\]\(([^)]*)\)", r"[\1](\2)", text)
    text = re.sub(r"\]\(emlib/data/SOURCES\.md\)", "](sources.md)", text)
    text = re.sub(r"\]\(notebooks/NOTATION\.md\)", "](notation.md)", text)
    match = re.search(r"^( *)\| case \|.*?(?=\n\s*\n)", text, flags=re.S | re.M)
    table = ""
    if match:
        table = "\n".join(line.strip() for line in match.group(0).splitlines())
    benchmarks = ("# Benchmarks: emlib beside its peers\n\n"
                  "Each row is measured by `python benchmarks/run.py` on one machine, emlib and "
                  "the peer side by side in the same process; ratios below 1 mean emlib is "
                  "faster or smaller. From README.md.\n\n" + table + "\n")
    return text, benchmarks


def glossary_page() -> str:
    sys.path.insert(0, str(ROOT))
    from emlib.glossary import glossary_markdown

    return ("# Glossary (术语表)\n\nEvery term of the course's two source documents, in "
            "English and in the sources' Chinese, with the chapters that explain it.\n\n"
            + glossary_markdown() + "\n")


def stage(book: Path, modules: Path) -> list[str]:
    """Write the book's sources into ``book`` and return the chapter file names."""
    notebooks = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb") if CHAPTER.match(p.name))
    for notebook in notebooks:
        shutil.copy2(notebook, book / notebook.name)
    shutil.copytree(ROOT / "notebooks" / "figures", book / "figures")
    front, benchmarks = readme_sections()
    (book / "index.md").write_text(front, encoding="utf-8")
    (book / "benchmarks.md").write_text(benchmarks, encoding="utf-8")
    (book / "glossary.md").write_text(glossary_page(), encoding="utf-8")
    shutil.copy2(ROOT / "emlib" / "data" / "SOURCES.md", book / "sources.md")
    notation = ROOT / "notebooks" / "NOTATION.md"
    extra = ["glossary", "benchmarks", "sources"]
    if notation.exists():
        shutil.copy2(notation, book / "notation.md")
        extra.insert(0, "notation")
    copy_vendor(modules, book / "_vendor")
    (book / "_config.yml").write_text(CONFIG.replace("{cdn}", "_static/vendor/widgets/"),
                                      encoding="utf-8")
    chapters = "\n".join(f"  - file: {p.stem}" for p in notebooks)
    pages = "\n".join(f"  - file: {name}" for name in extra)
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: index\nparts:\n- caption: Chapters\n  chapters:\n"
        + chapters.replace("\n  - ", "\n  - ") + "\n- caption: Reference\n  chapters:\n"
        + pages + "\n", encoding="utf-8")
    return [p.name for p in notebooks]


def build(out: Path) -> Path:
    """Build the whole site into ``out`` (replaced) and return its entry page."""
    modules = npm_vendor()
    with tempfile.TemporaryDirectory(prefix="emcourse-book-") as tmp:
        book = Path(tmp) / "book"
        book.mkdir()
        stage(book, modules)
        cli = "from jupyter_book.cli.main import main; main()"  # no `python -m jupyter_book`
        subprocess.run([sys.executable, "-c", cli, "build", str(book), "--quiet",
                        "--path-output", str(Path(tmp) / "out")], check=True)
        html = Path(tmp) / "out" / "_build" / "html"
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(html, out)
    (out / ".nojekyll").touch()  # GitHub Pages: serve _static/ as it is
    return out / "index.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_site",
                        help="where to write the site (default: _site/)")
    args = parser.parse_args(argv)
    entry = build(args.out.resolve())
    print(f"site written: {entry}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
