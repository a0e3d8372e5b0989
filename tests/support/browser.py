"""Debian's Chromium through Playwright for the browser tests (never a downloaded browser):
installed by ``scripts/install-browser.sh`` when missing; a test skips saying why when it
cannot be had, except under CI, where it fails."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "artifacts"
INSTALL_SCRIPT = ROOT / "scripts" / "install-browser.sh"
CHROMIUM = Path("/usr/bin/chromium")
# As the machine's notes require: no sandbox as root, no GPU, and no background connections
# (this network refuses them, and they would only slow the start).
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


def _cjk_font_installed() -> bool:
    if shutil.which("fc-list") is None:
        return False
    listing = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
    )
    return "Noto Sans CJK" in listing.stdout


def _missing(needs_cjk_font: bool) -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing"
    if needs_cjk_font and not _cjk_font_installed():
        return "the Noto Sans CJK font is missing (Debian package fonts-noto-cjk)"
    return None


def launched_chromium(*, needs_cjk_font: bool) -> Iterator[Browser]:
    """A headless Chromium for a module's tests (use as a fixture body: ``yield from``)."""
    if _missing(needs_cjk_font):
        installed = subprocess.run(
            ["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=900, check=False
        )
        missing = _missing(needs_cjk_font)
        if missing:
            if os.environ.get("CI"):
                pytest.fail(f"CI must run the browser test, but {missing}: {installed.stderr}")
            pytest.skip(
                f"{missing} and {INSTALL_SCRIPT.name} could not install it: "
                f"{installed.stderr.strip()[-300:]}"
            )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        yield launched
        launched.close()
