"""Time zones as people name them."""

from __future__ import annotations

from service.i18n.catalogs import translate
from service.i18n.reasons import N_
from service.reference_data.catalog import Language

# The clocks of the venues a Shanghai commission meets investors at, by the name people give
# them (the English name is the message id; the catalogs hold the others). A zone not listed
# keeps its IANA name, which is at least exact.
ZONE_NAMES: dict[str, str] = {
    "Asia/Shanghai": N_("Beijing time"),
    "Asia/Hong_Kong": N_("Hong Kong time"),
    "Asia/Singapore": N_("Singapore time"),
    "Asia/Tokyo": N_("Tokyo time"),
    "Europe/London": N_("London time"),
    "Europe/Berlin": N_("Berlin time"),
    "Europe/Paris": N_("Paris time"),
    "America/New_York": N_("New York time"),
    "America/Los_Angeles": N_("San Francisco time"),
}


def zone_name(zone: str, language: Language | None = None) -> str:
    """A time zone as people name it (北京时间, London time), else its IANA name; in
    ``language``, the current reader's by default."""
    name = ZONE_NAMES.get(zone)
    return translate(name, language) if name else zone
