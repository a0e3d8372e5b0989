"""The report as PDF: the HTML report laid out on A4 pages by WeasyPrint, without a browser.

WeasyPrint is Python; it draws text with Pango, a system library (Debian's libpango-1.0-0 and
libpangoft2-1.0-0), and Chinese needs a font with Chinese glyphs that fontconfig can find
(Debian's fonts-noto-cjk; fonts-noto-core gives English text its Latin face, see
``charts.CJK_FIRST_FONT_STACK``). ``scripts/install-browser.sh`` installs them. Without the font
a PDF would show boxes where the Chinese names belong, so the service refuses instead:
``render_report_pdf`` raises ``PdfUnavailable`` naming the package to install, which the API
answers as a 503 problem and the command line as an error.

Fonts are embedded as subsets with their Unicode mapping, so the text of the PDF (names of
companies, investors and sectors) can be searched and copied. The page fetches nothing: every
URL is refused.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib
import logging
from functools import cache

from service.reports.document import ReportDocument
from service.reports.html import render_report_html
from service.reports.wording import Wording

# WeasyPrint tells each step of every PDF at INFO; the service's log keeps its warnings only.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

MEDIA_TYPE = "application/pdf"
CJK_FONT_PACKAGE = "fonts-noto-cjk"
PANGO_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0"
_FC_RESULT_MATCH = 0


class PdfUnavailable(Exception):
    """This machine cannot draw the PDF; the message says which package is missing."""


class _FontSet(ctypes.Structure):
    # fontconfig's FcFontSet.
    _fields_ = (
        ("nfont", ctypes.c_int),
        ("sfont", ctypes.c_int),
        ("fonts", ctypes.POINTER(ctypes.c_void_p)),
    )


@cache
def _fontconfig() -> ctypes.CDLL | None:
    """The fontconfig library Pango uses to find fonts; None where it is not installed."""
    name = ctypes.util.find_library("fontconfig") or "libfontconfig.so.1"
    try:
        library = ctypes.CDLL(name)
    except OSError:
        return None
    library.FcNameParse.restype = ctypes.c_void_p
    library.FcNameParse.argtypes = (ctypes.c_char_p,)
    library.FcObjectSetCreate.restype = ctypes.c_void_p
    library.FcObjectSetAdd.argtypes = (ctypes.c_void_p, ctypes.c_char_p)
    library.FcFontList.restype = ctypes.POINTER(_FontSet)
    library.FcFontList.argtypes = (ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
    library.FcPatternGetString.argtypes = (
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_char_p),
    )
    library.FcFontSetDestroy.argtypes = (ctypes.POINTER(_FontSet),)
    library.FcObjectSetDestroy.argtypes = (ctypes.c_void_p,)
    library.FcPatternDestroy.argtypes = (ctypes.c_void_p,)
    return library


def chinese_font_files() -> list[str]:
    """The font files fontconfig knows that cover Chinese (``fc-list :lang=zh file``)."""
    library = _fontconfig()
    if library is None:
        return []
    pattern = library.FcNameParse(b":lang=zh")
    objects = library.FcObjectSetCreate()
    library.FcObjectSetAdd(objects, b"file")
    fonts = library.FcFontList(None, pattern, objects)
    files = []
    try:
        if fonts:
            for index in range(fonts.contents.nfont):
                found = ctypes.c_char_p()
                font = fonts.contents.fonts[index]
                if library.FcPatternGetString(font, b"file", 0, ctypes.byref(found)) == (
                    _FC_RESULT_MATCH
                ):
                    files.append((found.value or b"").decode("utf-8", "replace"))
    finally:
        if fonts:
            library.FcFontSetDestroy(fonts)
        library.FcObjectSetDestroy(objects)
        library.FcPatternDestroy(pattern)
    return sorted(files)


def pdf_unavailable() -> str | None:
    """Why this machine cannot draw the report as PDF, naming the package to install; None
    when it can."""
    try:
        importlib.import_module("weasyprint")  # loads Pango, so only when a PDF is wanted
    except OSError as error:  # WeasyPrint installed, Pango not
        return (
            f"The PDF report needs the Pango library ({error}): install Debian's "
            f"{PANGO_PACKAGES} (scripts/install-browser.sh does)."
        )
    if not chinese_font_files():
        return (
            "The PDF report needs a font with Chinese glyphs and fontconfig finds none: "
            f"install Debian's {CJK_FONT_PACKAGE} (scripts/install-browser.sh does)."
        )
    return None


def render_report_pdf(document: ReportDocument, words: Wording | None = None) -> bytes:
    """The HTML report printed on A4 pages (the print styles: page breaks, repeated table
    headers, page numbers), in the current reader's language unless ``words`` says otherwise."""
    problem = pdf_unavailable()
    if problem is not None:
        raise PdfUnavailable(problem)
    # Imported here: Pango loads with it, and every other format works without Pango.
    from weasyprint import HTML, URLFetcher  # type: ignore[import-untyped]

    page = HTML(
        string=render_report_html(document, words),
        url_fetcher=URLFetcher(allowed_protocols=()),  # self-contained: fetch nothing
        media_type="print",
    )
    pdf: bytes = page.write_pdf()
    return pdf
