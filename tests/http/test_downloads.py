"""A download's name: ASCII for every client, the reader's own as filename* (RFC 6266)."""

from __future__ import annotations

from urllib.parse import unquote

from service.http.downloads import content_disposition


def test_the_readable_name_is_percent_encoded_utf8_beside_the_ascii_one() -> None:
    header = content_disposition("inline", "table-plan.pdf", "桌位表-2037-11-05.pdf")
    ascii_part, readable = header.split("; filename*=UTF-8''")
    assert ascii_part == 'inline; filename="table-plan.pdf"'
    assert readable.isascii()
    assert unquote(readable) == "桌位表-2037-11-05.pdf"


def test_what_no_file_system_takes_is_replaced_in_the_readable_name() -> None:
    """An event's name may hold a slash or a colon (2026/27 大会: 上海)."""
    header = content_disposition("attachment", "report.csv", 'x/y\\z:a*b?"c<d>e|f  g.csv')
    assert unquote(header.split("filename*=UTF-8''")[1]) == "x-y-z-a-b--c-d-e-f g.csv"


def test_no_readable_name_or_the_same_one_gives_the_ascii_name_alone() -> None:
    assert content_disposition("inline", "a.pdf", None) == 'inline; filename="a.pdf"'
    assert content_disposition("inline", "a.pdf", "a.pdf") == 'inline; filename="a.pdf"'
