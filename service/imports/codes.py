"""Coded cells as officers write them: a code, or its Chinese or English name, in any case
or width ("B轮", "Series B", "series_b"; "人工智能"; "徐汇区"; "人民币"; "私募股权"; "境内").

A list cell (sectors, stages, regions) separates its values with ``;``, ``,``, ``、`` (the
full-width ``；`` and ``，`` too) or spaces. Some names hold those separators themselves
("互联网平台、电商与电竞", "Data services, data harbor, 5G", "Series B"), so a cell is not cut
at every separator: from the left, the longest run of pieces that names a code is taken.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from service.reference_data.catalog import CodeKind, ReferenceData

# NFKC has already folded "；" and "，" to ";" and ","; "、" has no ASCII form.
_SEPARATORS = re.compile(r"[;,、\s]+")
# A separator that is more than spaces: a value unknown to the reference data ends there
# ("Artifical intelligence; quantum" is one unknown value, then quantum).
_LIST_SEPARATOR = re.compile(r"[;,、]")

KIND_NOUNS: dict[str, str] = {
    "sector": "sector",
    "stage": "stage",
    "region": "region",
    "currency": "currency",
    "investor_kind": "investor kind",
    "origin": "origin",
}


_CODE_KINDS: tuple[CodeKind, ...] = (
    "sector",
    "stage",
    "region",
    "currency",
    "investor_kind",
    "origin",
)


def unknown_code_message(kind: str, written: str) -> str:
    """The row error for a value that names no code; says what is accepted instead."""
    noun = KIND_NOUNS.get(kind, kind)
    return f"unknown {noun} '{written}': write a code or its Chinese or English name"


@dataclass(frozen=True, slots=True)
class CodeItem:
    written: str  # the value as the cell has it, for the error report
    code: str | None  # None: it names no code


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _pieces(text: str) -> list[tuple[int, int]]:
    """Start and end of each run of text between separators."""
    pieces: list[tuple[int, int]] = []
    start = 0
    for separator in _SEPARATORS.finditer(text):
        if separator.start() > start:
            pieces.append((start, separator.start()))
        start = separator.end()
    if start < len(text):
        pieces.append((start, len(text)))
    return pieces


class CodeReader:
    """Reads coded cells against one version of the reference data."""

    def __init__(self, reference: ReferenceData) -> None:
        self._reference = reference
        # The most pieces any spelling of a kind splits into bounds the runs tried per value.
        self._longest: dict[CodeKind, int] = {
            kind: max(
                (
                    len(_pieces(_fold(spelling)))
                    for entry in reference.entries(kind)
                    for spelling in (entry.code, entry.name, entry.name_zh)
                    if spelling
                ),
                default=1,
            )
            for kind in _CODE_KINDS
        }

    def allowed(self, kind: CodeKind) -> tuple[str, ...]:
        """The codes with their Chinese names, as the report lists them once."""
        return tuple(
            f"{entry.code} ({entry.name_zh})" if entry.name_zh else entry.code
            for entry in self._reference.entries(kind)
        )

    def one(self, kind: CodeKind, text: str) -> str | None:
        """The code a single-valued cell names, or None."""
        return self._reference.resolve(kind, _fold(text))

    def many(self, kind: CodeKind, text: str) -> list[CodeItem]:
        """Each value of a list cell with the code it names (None for an unknown value)."""
        folded = _fold(text)
        pieces = _pieces(folded)
        items: list[CodeItem] = []
        first = 0
        while first < len(pieces):
            last_tried = min(len(pieces), first + self._longest[kind]) - 1
            for last in range(last_tried, first - 1, -1):
                written = folded[pieces[first][0] : pieces[last][1]]
                code = self._reference.resolve(kind, written)
                if code is not None:
                    items.append(CodeItem(written, code))
                    first = last + 1
                    break
            else:
                last = first
                while last + 1 < len(pieces) and not _LIST_SEPARATOR.search(
                    folded[pieces[last][1] : pieces[last + 1][0]]
                ):
                    last += 1
                items.append(CodeItem(folded[pieces[first][0] : pieces[last][1]], None))
                first = last + 1
        return items
