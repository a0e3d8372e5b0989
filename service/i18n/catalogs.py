"""Message catalogs: the English source text is the message id, ``locales/<language>/
LC_MESSAGES/messages.po`` holds each translation. A translator edits the .po file only
(``make messages`` extracts new ids into it); it is compiled in memory when first used, so
no compiled .mo file is generated into the repository."""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from service.i18n.languages import current_language
from service.reference_data.catalog import Language

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"


def catalog_path(language: Language) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: Language) -> gettext.NullTranslations:
    """The compiled catalog of ``language``; English is the source text itself."""
    path = catalog_path(language)
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    # Fuzzy entries are a translator's unfinished guesses: never shown.
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def translate(message: str, language: Language | None = None) -> str:
    """``message`` (English source text) in ``language``, the current reader's by default."""
    return translations(language or current_language()).gettext(message)


def translate_plural(
    singular: str, plural: str, count: int, language: Language | None = None
) -> str:
    return translations(language or current_language()).ngettext(singular, plural, count)
