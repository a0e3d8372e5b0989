"""Every English text marked for translation in the code and templates has its Chinese
translation in the catalog, and every translation keeps the placeholders of its source."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from service.i18n.catalogs import catalog_path

ROOT = Path(__file__).resolve().parents[2]
# Babel's default keywords plus this project's own translating functions.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "translate": None,
    "translate_plural": (1, 2),
}
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)s")


def _marked_messages() -> set[str]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    found = set()
    for _, _, message, _, _ in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords={
            "_": None,
            "gettext": None,
            "ngettext": (1, 2),
            "N_": None,
            "translate": None,
            "translate_plural": (1, 2),
        },
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_marked_text_is_translated_into_chinese() -> None:
    with catalog_path("zh").open("rb") as source:
        catalog = read_po(source)
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalog
        if m.id
        and m.string
        and not m.fuzzy
        and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    marked = _marked_messages()
    assert marked, "no marked text found: the extraction is misconfigured"
    missing = sorted(marked - translated)
    assert missing == [], "translate these in service/i18n/locales/zh/LC_MESSAGES/messages.po"


def test_translations_keep_their_placeholders() -> None:
    with catalog_path("zh").open("rb") as source:
        catalog = read_po(source)
    for message in catalog:
        if not message.id:
            continue
        source_text = str(message.id[-1] if isinstance(message.id, tuple) else message.id)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            found = set(PLACEHOLDER.findall(str(string or "")))
            assert found == set(PLACEHOLDER.findall(source_text)), message.id


CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def test_english_readers_see_chinese_only_as_an_example_of_what_they_may_type() -> None:
    # The message ids are what English readers read: a Chinese city or unit in one of them
    # (上海 as a time zone, 30亿 alone as an amount's example) is a word they cannot read.
    with catalog_path("zh").open("rb") as source:
        catalog = read_po(source)
    for message in catalog:
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            if text and CHINESE.search(str(text)):
                assert "Chinese" in text, text
