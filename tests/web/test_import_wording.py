"""An import's row problems, worded again in the reader's language from their codes."""

from __future__ import annotations

from service.i18n.languages import reading_in
from service.imports.validation import RowError
from service.web.import_wording import row_problem


def _worded(code: str, **values: str) -> str:
    with reading_in("zh"):
        return row_problem(
            RowError(2, "owner", "the English", code=code, values=tuple(values.items()))
        )


def test_each_coded_problem_reads_in_chinese() -> None:
    assert _worded("missing") == "必填：该单元格为空。"
    assert _worded("unknown_account", role="investor", written="某基金") == (
        "没有 ID 或名称为“某基金”的账户。"
    )
    assert _worded("ambiguous_account", count="2", role="investor", written="同名基金") == (
        "有 2 个账户名为“同名基金”：请改填账户 ID。"
    )
    assert _worded("row_width", cells="9", columns="7").startswith("本行有 9 个单元格")
    assert (
        _worded("duplicate_row", rows="3, 5")
        == "本行与第 3, 5 行描述的是同一对象：请只保留其中一行。"
    )
    # A schema's bound, worded as the forms word it.
    assert _worded("less_than_equal", le="20") == "请填写不大于 20 的数字。"
    assert _worded("ticket_range") == "下限高于上限。"


def test_a_problem_without_a_known_code_keeps_its_english() -> None:
    assert _worded("") == "the English"
    assert _worded("some_new_code") == "the English"
