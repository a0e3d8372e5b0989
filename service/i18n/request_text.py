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


def request_title(request: DescribedRequest, language: Language | None = None) -> str:
    return request.title_en if _english(language) and request.title_en else request.title


def request_summary(request: DescribedRequest, language: Language | None = None) -> str:
    return request.summary_en if _english(language) and request.summary_en else request.summary
