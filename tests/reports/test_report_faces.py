"""The report's faces: each reader's script first, so English quotes are not drawn
full-width by a CJK face, nor Chinese punctuation narrow by a Latin one."""

from __future__ import annotations

from pathlib import Path

from service.reports.charts import CJK_FIRST_FONT_STACK, FONT_STACK


def test_a_chinese_report_sets_its_punctuation_in_the_cjk_face() -> None:
    assert FONT_STACK.startswith("'Noto Sans',")  # English: the Latin face first
    assert CJK_FIRST_FONT_STACK.startswith("'Noto Sans CJK SC',")
    css = (
        Path(__file__).resolve().parents[2] / "service" / "reports" / "templates" / "report.css"
    ).read_text(encoding="utf-8")
    assert "html:lang(zh) { font-family: {{ cjk_font_stack }}; }" in css
