"""Screenshot an HTML match report in Debian's headless Chromium (for docs/report.png).

    .venv/bin/python scripts/screenshot_report.py report.html docs/report.png --height 1500

Needs `scripts/install-browser.sh` (Chromium and the Noto CJK fonts) and the dev dependencies
(Playwright, which drives /usr/bin/chromium and never downloads a browser).
"""

from __future__ import annotations

import argparse
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


def screenshot(html_file: Path, png_file: Path, width: int, height: int | None) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": width, "height": height or 900})
        page.goto(html_file.resolve().as_uri(), wait_until="load")
        png_file.parent.mkdir(parents=True, exist_ok=True)
        # Without a height: the whole page; with one: its top, which holds the charts.
        page.screenshot(path=str(png_file), full_page=height is None)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("html_file", type=Path)
    parser.add_argument("png_file", type=Path)
    parser.add_argument("--width", type=int, default=1100, help="viewport width in CSS pixels")
    parser.add_argument("--height", type=int, help="only this much of the top (default: all)")
    arguments = parser.parse_args()
    screenshot(arguments.html_file, arguments.png_file, arguments.width, arguments.height)
    print(f"wrote {arguments.png_file} ({arguments.png_file.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
