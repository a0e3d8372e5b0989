"""The imports page: a file is checked first (what it would write, every row error), and
nothing is written until the officer confirms a file without errors."""

from __future__ import annotations

import re

from tests.support.factories import ApiClient
from tests.support.web import Browser, commission_browser

GOOD = (
    "company,title,sectors,amount,currency,stage,region\n"
    "导入科技,首轮融资,人工智能,5000万,人民币,A轮,徐汇区\n"
    "第二家,成长期融资,集成电路、芯片设计,3亿,CNY,growth,pudong\n"
)
BAD = GOOD + "坏数据,无效行,区块链,三十多亿,CNY,seed,xuhui\n"


def _upload(browser: Browser, content: str | bytes, name: str = "roster.csv") -> str:
    token = browser.cookies.get("matchmaker_csrf")
    if token is None:
        browser.get("/commission/imports")
        token = browser.cookies["matchmaker_csrf"]
    browser.client.cookies.clear()
    response = browser.client.post(
        "/commission/imports",
        data={"csrf_token": token, "kind": "requests", "status": "published"},
        files={
            "file": (
                name,
                content.encode("utf-8") if isinstance(content, str) else content,
                "text/csv",
            )
        },
        headers=browser._headers(),
    )
    assert response.status_code == 200, response.text
    return str(response.text)


def _companies(api: ApiClient) -> set[str]:
    listed = api.client.get("/v1/financing-requests", params={"limit": 100}, headers=api.admin)
    return {r["company"] for r in listed.json()["items"]}


def test_a_file_with_errors_shows_them_and_writes_nothing(api: ApiClient) -> None:
    browser = commission_browser(api)
    page = _upload(browser, BAD)
    assert "3 rows" in page or "读取 3 行" in page
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]+)</td></tr>", page)
    assert {(row, column) for row, column, _ in rows} == {("4", "sectors"), ("4", "amount")}
    # The file's own headers, the problems in the officer's language.
    assert {problem for _, _, problem in rows} == {
        "第 1 项：“区块链”不是已知的行业：请填写代码，或其中文或英文名称。",
        "“三十多亿”不是金额：请写成 30亿、5000万、1.5亿、12亿5000万 或 3,000,000,000。",
    }
    assert "确认导入" not in page
    assert _companies(api).isdisjoint({"导入科技", "第二家", "坏数据"})


def test_a_checked_file_is_written_only_when_confirmed(api: ApiClient) -> None:
    browser = commission_browser(api)
    page = _upload(browser, GOOD)
    assert "确认导入" in page
    assert _companies(api).isdisjoint({"导入科技", "第二家"})
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token is not None
    confirmed = browser.post(
        "/commission/imports/confirm",
        {"token": token.group(1), "kind": "requests", "status": "published", "file_name": "x"},
    )
    assert confirmed.status_code == 200
    assert {"导入科技", "第二家"} <= _companies(api)
    again = browser.post(
        "/commission/imports/confirm",
        {"token": token.group(1), "kind": "requests", "status": "published", "file_name": "x"},
    )
    assert "上传的文件已不在" in again.text
    assert (
        browser.post(
            "/commission/imports/confirm", {"token": "../../etc/passwd", "kind": "requests"}
        ).status_code
        == 200
    )


def test_a_file_refused_as_a_whole_says_why_in_chinese(api: ApiClient) -> None:
    browser = commission_browser(api)
    assert "企业（company） <strong>必填</strong>" in browser.get("/commission/imports").text
    headers = _upload(browser, "公司,项目,foo,金额,融资金额\n甲,乙,丙,1亿,1亿\n")
    assert "此类文件没有这些列：“foo”。" in headers
    assert "“金额”和“融资金额”两列含义相同，请只保留一列。" in headers
    assert "缺少必填列：行业（sectors）、阶段（stage）。" in headers
    assert "unknown column" not in headers
    binary = _upload(browser, b"company,title\n\xff\xfe\x00\x81\x81\n")
    assert "文件既不是 UTF-8 也不是 GB18030 文本" in binary
    only_headers = _upload(browser, GOOD.splitlines()[0] + "\n")
    assert "文件在列名之下没有数据行：没有可导入的内容。" in only_headers
    assert "所有行均已存在" not in only_headers
    assert _companies(api).isdisjoint({"甲"})


def test_an_amount_in_yuan_in_a_row_of_another_currency_is_a_row_error(api: ApiClient) -> None:
    """30亿元 in a dollar row would be read as 30亿 dollars: refused, not converted nor
    guessed; the same amount in a yuan row, or written bare in the dollar row, is fine."""
    browser = commission_browser(api)
    mixed = GOOD + "美元企业,美元融资,人工智能,30亿元,USD,growth,pudong\n"
    page = _upload(browser, mixed)
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]+)</td></tr>", page)
    assert rows == [
        ("4", "amount", "“30亿元”是人民币金额，但该行的币种是 USD：请只写数额，或修改该行的币种。")
    ]
    clean = _upload(browser, GOOD + "美元企业,美元融资,人工智能,30亿,USD,growth,pudong\n")
    assert not re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]+)</td></tr>", clean)
