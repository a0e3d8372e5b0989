"""A financing request's title and summary in the reader's language: the startup may write
English ones for foreign investors; a reader of another language, or a request without
them, reads the title and summary as written."""

from __future__ import annotations

from typing import Protocol

from service.i18n.languages import current_language
from service.reference_data.catalog import Language


class DescribedRequest(Protocol):
    @property
    def title(self) -> str: ...
    @property
    def title_en(self) -> str | None: ...
    @property
    def summary(self) -> str: ...
    @property
    def summary_en(self) -> str | None: ...


def _english(language: Language | None) -> bool:
    return (language or current_language()) == "en"


def title_for_reader(title: str, title_en: str | None, language: Language | None = None) -> str:
    """For a title read from a query's columns rather than a whole request."""
    return title_en if _english(language) and title_en else title


def request_title(request: DescribedRequest, language: Language | None = None) -> str:
    return title_for_reader(request.title, request.title_en, language)


def request_summary(request: DescribedRequest, language: Language | None = None) -> str:
    return request.summary_en if _english(language) and request.summary_en else request.summary
