"""Ranking models as the commission names them."""

from __future__ import annotations

import re

from service.i18n.catalogs import translate
from service.reference_data.catalog import Language

_LEARNED_VERSION = re.compile(r"learned-v(\d+)")


def model_name(version: str | None, language: Language | None = None) -> str:
    """A ranking model as the commission reads it: 默认权重, 学习版本 3 (the API's
    ``default-v1``, ``learned-v3``); another version string as it is."""
    if version is None:
        return ""
    if version == "default-v1":
        return translate("default weights", language)
    learned = _LEARNED_VERSION.fullmatch(version)
    if learned is not None:
        return translate("learned version %(number)s", language) % {"number": learned.group(1)}
    return version


def is_learned(version: str) -> bool:
    return _LEARNED_VERSION.fullmatch(version) is not None
