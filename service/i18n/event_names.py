"""An event's name and place in the reader's language: the commission may give English ones
for foreign investors; a reader of another language, or an event without them, reads the
name and place as written."""

from __future__ import annotations

from typing import Protocol

from service.i18n.languages import current_language
from service.reference_data.catalog import Language


class NamedEvent(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def name_en(self) -> str | None: ...
    @property
    def place(self) -> str | None: ...
    @property
    def place_en(self) -> str | None: ...


def _english(language: Language | None) -> bool:
    return (language or current_language()) == "en"


def event_name(event: NamedEvent, language: Language | None = None) -> str:
    return event.name_en if _english(language) and event.name_en else event.name


def event_place(event: NamedEvent, language: Language | None = None) -> str | None:
    return event.place_en if _english(language) and event.place_en else event.place
