"""Every text of the report, in its code and its template, has a Chinese translation.

The messages are found as `make messages` finds them (pybabel's extractors, with the mapping of
babel.cfg), so a string added to the report without a translation, or one the extractor cannot
see, fails here rather than showing up in English in a Chinese report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from service.i18n.catalogs import catalog_path

ROOT = Path(__file__).resolve().parents[2]
REPORTS = "service/reports"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# A message's id: its English text, or the singular and the plural.
MessageId = tuple[str, ...]


def _id(message: str | Iterable[str | None] | None) -> MessageId:
    if isinstance(message, str):
        return (message,)
    return tuple(part or "" for part in message or ())


def _report_messages() -> dict[MessageId, str]:
    """Each message id of service/reports, with the file it was found in."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    found: dict[MessageId, str] = {}
    # The default directory filter skips hidden ones (.venv, .git), as pybabel does.
    for filename, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map
    ):
        if filename.startswith(REPORTS):
            found.setdefault(_id(message), filename)
    return found


MESSAGES = _report_messages()


def _chinese() -> dict[MessageId, Message]:
    with catalog_path("zh").open("rb") as source:
        catalog = read_po(source, locale="zh")
    return {_id(message.id): message for message in catalog if message.id}


def test_the_extractor_sees_the_template_and_the_code() -> None:
    files = set(MESSAGES.values())
    assert f"{REPORTS}/templates/report.html" in files
    assert {f"{REPORTS}/wording.py", f"{REPORTS}/xlsx_export.py", f"{REPORTS}/html.py"} <= files
    assert len(MESSAGES) > 100


@pytest.mark.parametrize("message_id", sorted(MESSAGES), ids=" | ".join)
def test_every_report_message_has_a_chinese_translation(message_id: MessageId) -> None:
    entry = _chinese().get(message_id)
    assert entry is not None, f"no entry in messages.po (found in {MESSAGES[message_id]})"
    assert not entry.fuzzy
    translations = _id(entry.string)
    assert translations, "no msgstr"
    assert all(translations), "empty msgstr"
    # The translation fills in the same values (the singular may leave the count implicit).
    expected = set(PLACEHOLDER.findall(message_id[-1]))
    for text in translations:
        assert set(PLACEHOLDER.findall(text)) == expected, text
        assert re.search(r"[\u4e00-\u9fff]", text), f"not Chinese: {text}"
