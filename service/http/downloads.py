"""A download's Content-Disposition: the file's name as the reader would write it.

RFC 6266: ``filename`` is an ASCII name every client reads; ``filename*`` (RFC 8187, UTF-8,
percent-encoded) is the name in the reader's language, which browsers prefer, so that a
Chinese officer saves 桌位表-2037-11-05.pdf rather than table-plan-2037-11-05-8f1c6d0a.pdf."""

from __future__ import annotations

from urllib.parse import quote

from service.i18n.catalogs import translate

# What no file system takes in a name; an event's name may hold any of them.
_NOT_IN_FILENAMES = str.maketrans(dict.fromkeys('/\\:*?"<>|', "-"))


def content_disposition(disposition: str, ascii_name: str, readable_name: str | None) -> str:
    """``disposition`` (inline or attachment) with ``ascii_name``, and ``readable_name`` as
    ``filename*`` when there is one that differs from it."""
    header = f'{disposition}; filename="{ascii_name}"'
    if readable_name and readable_name != ascii_name:
        safe = " ".join(readable_name.translate(_NOT_IN_FILENAMES).split())
        header += f"; filename*=UTF-8''{quote(safe, safe='')}"
    return header


def name_for_reader(what: str, *details: str | None, extension: str) -> str:
    """A file's name as its reader writes it: ``what`` in their language, then the details
    that are given (桌位表-2037-11-05.pdf; Match report-Pudong Investment Forum-2037-11-05.pdf).
    The ASCII name beside it carries an id, which tells files apart but reads as a code."""
    return "-".join(part for part in (translate(what), *details) if part) + f".{extension}"
