#!/usr/bin/env bash
# Installs what the browser test of the HTML report needs, from Debian's packages: Chromium
# (driven by Playwright with executable_path=/usr/bin/chromium; Playwright's own browser
# download is never used) and the Noto CJK fonts so Chinese names render in text and charts,
# with Noto Sans (fonts-noto-core) for Latin text: a CJK face draws English “quotes” and
# apostrophes full-width, which reads as gaps in an English report.
# poppler-utils gives pdftotext, with which the PDF report's test reads its text back.
# The PDF report itself needs no browser: WeasyPrint draws it with Pango (libpango-1.0-0,
# libpangoft2-1.0-0, and HarfBuzz's subsetter libharfbuzz-subset0) and the same CJK fonts; a
# server that writes PDFs needs those packages too (the service answers 503 naming what is
# missing).
# Idempotent: does nothing when all are present. Exits non-zero when it cannot install them;
# the test suite then skips the browser test and says why.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

fonts_present() {
    command -v fc-list >/dev/null 2>&1 && fc-list ':lang=zh' family | grep -q "Noto Sans CJK" \
        && fc-list ':lang=en' family | grep -qx "Noto Sans"
}

pdf_libraries_present() {
    local libraries
    libraries="$(ldconfig -p 2>/dev/null)" || return 1
    for library in libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz-subset.so.0; do
        grep -q "$library" <<<"$libraries" || return 1
    done
}

if [ -x "$CHROMIUM" ] && fonts_present && command -v pdftotext >/dev/null 2>&1 \
    && pdf_libraries_present; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: apt-get not found; install chromium and fonts-noto-cjk by hand" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "install-browser: not root and no password-less sudo; cannot install chromium" >&2
        exit 1
    fi
fi

# Another apt run (another checkout's install) may hold the lock: wait for it, do not fail.
APT_OPTIONS=(-o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get "${APT_OPTIONS[@]}" update -qq
$SUDO apt-get "${APT_OPTIONS[@]}" install -y -qq --no-install-recommends \
    chromium fonts-noto-cjk fonts-noto-core fontconfig poppler-utils \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 >/dev/null

if [ -x "$CHROMIUM" ] && fonts_present && pdf_libraries_present; then
    echo "install-browser: chromium and Noto CJK fonts installed" >&2
    exit 0
fi
echo "install-browser: installation finished but chromium or the CJK font is still missing" >&2
exit 1
