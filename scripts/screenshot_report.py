"""Picture a match report for the docs: an HTML report in Debian's headless Chromium
(docs/report.png), or the first page of a PDF report through poppler's pdftoppm
(docs/report-pdf.png).

    .venv/bin/matchmaker report --event "..." --format html -o report.html    # Chinese
    .venv/bin/python scripts/screenshot_report.py report.html docs/report.png --height 1400
    .venv/bin/matchmaker report --event "..." --format pdf -o report.pdf
    .venv/bin/python scripts/screenshot_report.py report.pdf docs/report-pdf.png

Needs `scripts/install-browser.sh` (Chromium, the Noto CJK fonts and poppler-utils) and the dev
dependencies (Playwright, which drives /usr/bin/chromium and never downloads a browser).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# An A4 page at this resolution is about 1,000 pixels wide: as wide as the HTML screenshot.
PDF_DPI = 120


def screenshot(html_file: Path, png_file: Path, width: int, height: int | None) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": width, "height": height or 900})
        page.goto(html_file.resolve().as_uri(), wait_until="load")
        png_file.parent.mkdir(parents=True, exist_ok=True)
        # Without a height: the whole page; with one: its top, which holds the charts.
        page.screenshot(path=str(png_file), full_page=height is None)
        browser.close()


def first_page(pdf_file: Path, png_file: Path) -> None:
    """The PDF's first page as a PNG, as poppler draws it (the fonts embedded in the PDF)."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise SystemExit("pdftoppm is missing: Debian's poppler-utils (scripts/install-browser.sh)")
    png_file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        stem = Path(scratch) / "page"
        only_the_first = ["-f", "1", "-l", "1", "-singlefile"]
        subprocess.run(  # noqa: S603 - a fixed program on files we name
            [pdftoppm, "-png", "-r", str(PDF_DPI), *only_the_first, str(pdf_file), str(stem)],
            check=True,
        )
        shutil.move(stem.with_suffix(".png"), png_file)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("report_file", type=Path, help="an HTML or a PDF report")
    parser.add_argument("png_file", type=Path)
    parser.add_argument("--width", type=int, default=1100, help="viewport width in CSS pixels")
    parser.add_argument("--height", type=int, help="only this much of the top (default: all)")
    arguments = parser.parse_args()
    if arguments.report_file.suffix.lower() == ".pdf":
        first_page(arguments.report_file, arguments.png_file)
    else:
        screenshot(arguments.report_file, arguments.png_file, arguments.width, arguments.height)
    print(f"wrote {arguments.png_file} ({arguments.png_file.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
