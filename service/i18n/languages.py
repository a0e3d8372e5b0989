"""Which language a reader gets: Chinese unless they ask for English first.

The language travels in a context variable set once per request (from ``Accept-Language``)
so response models and sentence renderers read it without every call passing it along.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from service.reference_data.catalog import Language

SUPPORTED_LANGUAGES: tuple[Language, ...] = ("zh", "en")
DEFAULT_LANGUAGE: Language = "zh"

# A person's choice on the web pages, remembered by their browser; it wins over the header.
LANGUAGE_COOKIE = "matchmaker_language"

_current: ContextVar[Language] = ContextVar("language", default=DEFAULT_LANGUAGE)


def _quality(parameter: str) -> float:
    name, _, value = parameter.partition("=")
    if name.strip().lower() != "q":
        return 1.0
    try:
        return max(0.0, min(1.0, float(value)))
    except ValueError:
        return 0.0


def negotiate(accept_language: str | None) -> Language:
    """The supported language the header prefers most (RFC 9110 weights; ties keep the
    header's order); Chinese when it names none of ours. ``zh-CN``, ``zh-Hans`` and
    ``zh-TW`` are all Chinese, ``en-GB`` English; ``*`` means the default."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranges = []
    for position, item in enumerate(accept_language.split(",")):
        tag, *parameters = item.split(";")
        quality = min((_quality(p) for p in parameters), default=1.0)
        primary = tag.strip().lower().split("-")[0]
        if quality > 0 and primary:
            ranges.append((-quality, position, primary))
    for _, _, primary in sorted(ranges):
        if primary == "*":
            return DEFAULT_LANGUAGE
        for language in SUPPORTED_LANGUAGES:
            if primary == language:
                return language
    return DEFAULT_LANGUAGE


def chosen_language(value: str | None) -> Language | None:
    """The supported language ``value`` names, if it names one."""
    return next((language for language in SUPPORTED_LANGUAGES if language == value), None)


def current_language() -> Language:
    return _current.get()


@contextmanager
def reading_in(language: Language) -> Iterator[None]:
    """Everything rendered inside the block is for a reader of ``language``."""
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


DISPLAY_DESCRIPTION = (
    "Names and amounts written for a person, in the caller's language (Accept-Language: "
    "Chinese by default, English on request). Programs compare the codes beside them."
)


def list_separator(language: Language | None = None) -> str:
    return "、" if (language or current_language()) == "zh" else ", "


def sentences(items: Iterable[str], language: Language | None = None) -> str:
    """Sentences one after another: Chinese sets none between them (each ends in 。)."""
    return ("" if (language or current_language()) == "zh" else " ").join(items)


def joined(items: Iterable[str], language: Language | None = None) -> str:
    """A list as the reader writes one: 人工智能、集成电路; AI, integrated circuits."""
    return list_separator(language).join(items)
