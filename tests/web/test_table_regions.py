"""Every table box that can scroll sideways on a phone is a named region a keyboard reaches:
a table that holds no link would otherwise be out of reach of anyone who cannot swipe."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "service" / "web" / "templates"
_WRAP = re.compile(r"<div class=\"table-wrap\"([^>]*)>(.*?)</table>", re.S)


def _unreachable_wraps() -> list[str]:
    found = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for wrap in _WRAP.finditer(text):
            attributes, inside = wrap.groups()
            if "stack-on-phone" in inside[:300]:
                continue  # stacked into cards on a phone: it never scrolls sideways
            named = "aria-label=" in attributes or "aria-labelledby=" in attributes
            if not ('tabindex="0"' in attributes and 'role="region"' in attributes and named):
                line = text[: wrap.start()].count("\n") + 1
                found.append(f"{template.relative_to(TEMPLATES)}:{line}")
    return found


def test_every_table_that_can_scroll_is_a_named_region_a_keyboard_reaches() -> None:
    assert _unreachable_wraps() == []


def test_every_labelling_heading_is_on_the_same_page() -> None:
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for heading in re.findall(r"aria-labelledby=\"([^\"{]+)\"", text):
            assert f'id="{heading}"' in text, f"{template.name}: no element with id {heading}"


def test_no_two_landmarks_share_a_name() -> None:
    """A section named by a heading around a table region named by the same heading is two
    landmarks of one name (axe: landmark-unique): a screen reader lists it twice."""
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        landmarks = re.findall(r"<(?:section|div)[^>]*aria-labelledby=\"([^\"]+)\"", text)
        doubled = {name for name in landmarks if landmarks.count(name) > 1}
        assert doubled == set(), f"{template.name}: landmarks named twice: {doubled}"
