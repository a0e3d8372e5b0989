"""Time zones as people name them."""

from __future__ import annotations

from service.i18n.catalogs import translate
from service.reference_data.catalog import Language


def zone_name(zone: str, language: Language | None = None) -> str:
    """A time zone as people name it: 北京时间 for Asia/Shanghai, else its IANA name; in
    ``language``, the current reader's by default."""
    return translate("Beijing time", language) if zone == "Asia/Shanghai" else zone
