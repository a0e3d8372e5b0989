"""Inline SVG charts for the match report: small pure functions from numbers to markup.

Values arrive exact (`Decimal` or `int`) with the text to print beside them, in the reader's
language (the callers write it); floats are used only to place shapes. Every label is escaped
(names are user input) and drawn with a CJK-capable font stack so Chinese names render in the
charts as in the text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

FONT_STACK = (
    "'Noto Sans', 'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', "
    "'Hiragino Sans GB', 'Microsoft YaHei', 'WenQuanYi Micro Hei', sans-serif"
)
# A Chinese page sets its punctuation full-width, as Chinese is written: the CJK face first
# (the Latin one first would draw “引号” narrow). English pages keep FONT_STACK, whose Latin
# face draws English quotes and apostrophes at their width.
CJK_FIRST_FONT_STACK = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Hiragino Sans GB', "
    "'Microsoft YaHei', 'WenQuanYi Micro Hei', 'Noto Sans', sans-serif"
)
FONT_SIZE = 12
# Okabe-Ito colours: distinguishable with colour-blindness and in greyscale print.
TONES = {
    "neutral": "#0072B2",
    "good": "#009E73",
    "warning": "#E69F00",
    "bad": "#D55E00",
    "secondary": "#E69F00",
}
INK = "#222222"
MUTED = "#666666"
GRID = "#d0d0d0"
# What an empty chart says; callers pass it in the reader's language.
NO_DATA = "No data"


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | int
    value_text: str
    tone: str = "neutral"


@dataclass(frozen=True)
class Series:
    name: str
    tone: str


@dataclass(frozen=True)
class BarGroup:
    label: str
    values: Sequence[Decimal | int]
    value_texts: Sequence[str]


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _attributes(attributes: dict[str, str | float | int]) -> str:
    parts = []
    for name, value in attributes.items():
        text = _number(value) if isinstance(value, float) else str(value)
        parts.append(f' {name.rstrip("_").replace("_", "-")}="{escape(text)}"')
    return "".join(parts)


def _element(tag: str, content: str = "", **attributes: str | float | int) -> str:
    return f"<{tag}{_attributes(attributes)}>{content}</{tag}>"


def _text(x: float, y: float, content: str, **attributes: str | float | int) -> str:
    return _element("text", str(escape(content)), x=x, y=y, **attributes)


def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    """Estimated drawn width: wide (CJK) characters take a full em, others about 0.6 em."""
    ems = sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in text)
    return ems * font_size


def fit_text(text: str, width: float, font_size: float = FONT_SIZE) -> str:
    """The text, cut with an ellipsis when it would be wider than `width`."""
    if text_width(text, font_size) <= width:
        return text
    cut = text
    while cut and text_width(cut + "…", font_size) > width:
        cut = cut[:-1]
    return cut + "…"


def _scale(value: Decimal | int, largest: Decimal | int, length: float) -> float:
    if largest <= 0 or value <= 0:
        return 0.0
    return float(Decimal(value) / Decimal(largest)) * length


def _svg(chart_id: str, title: str, width: float, height: float, body: str) -> Markup:
    header = _element("title", str(escape(title)), id=f"{chart_id}-title")
    return Markup(  # noqa: S704 - every piece above is built from escaped text
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}"'
        f' role="img" aria-labelledby="{escape(chart_id)}-title"'
        f' viewBox="0 0 {_number(width)} {_number(height)}"'
        f' width="{_number(width)}" height="{_number(height)}"'
        f' font-family="{escape(FONT_STACK)}" font-size="{FONT_SIZE}" fill="{INK}">'
        f"{header}{body}</svg>"
    )


def _empty_chart(chart_id: str, title: str, message: str) -> Markup:
    width, height = 640.0, 60.0
    body = _text(width / 2, height / 2, message, text_anchor="middle", fill=MUTED)
    return _svg(chart_id, title, width, height, body)


def column_chart(
    chart_id: str,
    title: str,
    bars: Sequence[Bar],
    *,
    x_title: str,
    y_title: str,
    empty: str = NO_DATA,
) -> Markup:
    """Vertical bars with their value above each one (the coverage chart)."""
    if not bars:
        return _empty_chart(chart_id, title, empty)
    left, right, top, bottom = 56.0, 16.0, 24.0, 52.0
    slot = max(48.0, min(120.0, 560.0 / len(bars)))
    plot_width = slot * len(bars)
    plot_height = 180.0
    width = left + plot_width + right
    height = top + plot_height + bottom
    largest = max(bar.value for bar in bars)
    baseline = top + plot_height
    parts = [
        _element("line", x1=left, y1=baseline, x2=left + plot_width, y2=baseline, stroke=INK),
        _element("line", x1=left, y1=top, x2=left, y2=baseline, stroke=GRID),
        _text(left - 8, top + 4, str(largest), text_anchor="end", fill=MUTED),
        _text(left - 8, baseline, "0", text_anchor="end", fill=MUTED),
    ]
    bar_width = slot * 0.6
    for index, bar in enumerate(bars):
        centre = left + slot * index + slot / 2
        bar_height = _scale(bar.value, largest, plot_height)
        rect = _element(
            "rect",
            _element("title", str(escape(f"{bar.label}: {bar.value_text}"))),
            x=centre - bar_width / 2,
            y=baseline - bar_height,
            width=bar_width,
            height=bar_height,
            fill=TONES[bar.tone],
            class_="bar",
        )
        parts.append(rect)
        parts.append(_text(centre, baseline - bar_height - 6, bar.value_text, text_anchor="middle"))
        parts.append(_text(centre, baseline + 16, fit_text(bar.label, slot), text_anchor="middle"))
    parts.append(_text(left + plot_width / 2, height - 10, x_title, text_anchor="middle"))
    parts.append(
        _text(
            14,
            top + plot_height / 2,
            y_title,
            text_anchor="middle",
            transform=f"rotate(-90 14 {_number(top + plot_height / 2)})",
        )
    )
    return _svg(chart_id, title, width, height, "".join(parts))


def grouped_bar_chart(
    chart_id: str,
    title: str,
    series: Sequence[Series],
    groups: Sequence[BarGroup],
    *,
    empty: str = NO_DATA,
) -> Markup:
    """Horizontal bars, one per series inside each group, with its value at each end."""
    if not groups:
        return _empty_chart(chart_id, title, empty)
    label_width, value_room, right = 240.0, 150.0, 12.0
    bar_area = 420.0
    bar_height, bar_gap, group_gap, legend_height = 14.0, 3.0, 14.0, 28.0
    group_height = len(series) * (bar_height + bar_gap) - bar_gap
    width = label_width + bar_area + value_room + right
    height = legend_height + len(groups) * (group_height + group_gap)
    largest = max((value for group in groups for value in group.values), default=0)
    parts = []
    legend_x = label_width
    for one in series:
        parts.append(_element("rect", x=legend_x, y=6.0, width=12, height=12, fill=TONES[one.tone]))
        parts.append(_text(legend_x + 18, 16.0, one.name))
        legend_x += 18 + text_width(one.name) + 24
    x0 = label_width
    parts.append(_element("line", x1=x0, y1=legend_height, x2=x0, y2=height, stroke=INK))
    for index, group in enumerate(groups):
        group_top = legend_height + group_gap / 2 + index * (group_height + group_gap)
        label = _text(
            label_width - 8,
            group_top + group_height / 2 + 4,
            fit_text(group.label, label_width - 12),
            text_anchor="end",
        )
        parts.append(_element("g", _element("title", str(escape(group.label))) + label))
        for position, (one, value, value_text) in enumerate(
            zip(series, group.values, group.value_texts, strict=True)
        ):
            y = group_top + position * (bar_height + bar_gap)
            length = _scale(value, largest, bar_area)
            parts.append(
                _element(
                    "rect",
                    _element("title", str(escape(f"{group.label}, {one.name}: {value_text}"))),
                    x=x0,
                    y=y,
                    width=length,
                    height=bar_height,
                    fill=TONES[one.tone],
                    class_="bar",
                )
            )
            parts.append(_text(x0 + length + 6, y + bar_height - 3, value_text, fill=MUTED))
    return _svg(chart_id, title, width, height, "".join(parts))


def funnel_chart(chart_id: str, title: str, bars: Sequence[Bar], *, empty: str = NO_DATA) -> Markup:
    """Centred bars narrowing from the first stage, each with its count and label."""
    if not bars:
        return _empty_chart(chart_id, title, empty)
    label_width, bar_area, value_room = 120.0, 420.0, 200.0
    bar_height, gap = 26.0, 8.0
    width = label_width + bar_area + value_room
    height = len(bars) * (bar_height + gap) + gap
    largest = max(bar.value for bar in bars)
    centre = label_width + bar_area / 2
    parts = []
    for index, bar in enumerate(bars):
        y = gap + index * (bar_height + gap)
        length = max(_scale(bar.value, largest, bar_area), 2.0)
        parts.append(_text(label_width - 8, y + bar_height / 2 + 4, bar.label, text_anchor="end"))
        parts.append(
            _element(
                "rect",
                _element("title", str(escape(f"{bar.label}: {bar.value_text}"))),
                x=centre - length / 2,
                y=y,
                width=length,
                height=bar_height,
                fill=TONES[bar.tone],
                class_="bar",
            )
        )
        parts.append(_text(label_width + bar_area + 8, y + bar_height / 2 + 4, bar.value_text))
    return _svg(chart_id, title, width, height, "".join(parts))
