"""The investor's deal history page: deals added with the form (errors beside the fields),
imported from a file (all rows or none), and another investor's history is not found."""

from __future__ import annotations

import datetime as dt
import re

from service.deals import service as deals
from service.deals.schemas import DealWrite
from tests.support.factories import ApiClient
from tests.support.people import new_person
from tests.support.web import Browser

FIELD_ERROR = re.compile(r'class="field-error" id="([a-z_]+)-error">([^<]+)<')


def _investor(api: ApiClient) -> tuple[Browser, str, dict[str, str]]:
    account = api.create_account("investor")
    mandate = api.create_investor(account)
    browser = Browser(api.client)
    browser.sign_in(new_person(api, account, signed_in=False))
    return browser, mandate["id"], account.headers


def _deals(api: ApiClient, mandate_id: str, headers: dict[str, str]) -> list[tuple[str, str]]:
    listed = api.client.get(f"/v1/investors/{mandate_id}/deals", headers=headers)
    return [(d["company"], d["sector"]) for d in listed.json()["items"]]


def _upload(browser: Browser, path: str, content: str) -> str:
    browser.client.cookies.clear()
    response = browser.client.post(
        path,
        data={"csrf_token": browser.cookies["matchmaker_csrf"]},
        files={"file": ("deals.csv", content.encode("utf-8"), "text/csv")},
        headers=browser._headers(),
        follow_redirects=False,
    )
    return f"{response.status_code} {response.headers.get('location', '')} {response.text}"


def test_a_deal_is_added_with_the_form(api: ApiClient) -> None:
    browser, mandate_id, headers = _investor(api)
    base = f"/investor/mandates/{mandate_id}/deals"
    bad = browser.post(
        base,
        {"company": "", "sector": "", "stage": "seed", "closed_on": "2099-01-01", "amount": "很多"},
    )
    # Every problem at once, the date after today among them (not on the next try).
    assert dict(FIELD_ERROR.findall(bad.text)).keys() == {
        "company",
        "sector",
        "amount",
        "closed_on",
    }
    assert dict(FIELD_ERROR.findall(bad.text))["closed_on"] == "交割日期不能晚于今天。"
    assert _deals(api, mandate_id, headers) == []
    future = browser.post(
        base, {"company": "未来", "sector": "ai", "stage": "seed", "closed_on": "2099-01-01"}
    )
    assert dict(FIELD_ERROR.findall(future.text)) == {"closed_on": "交割日期不能晚于今天。"}
    added = browser.post(
        base,
        {
            "company": "月之暗面",
            "sector": "ai.foundation_models",
            "stage": "series_b",
            "amount": "70亿",
            "currency": "CNY",
            "closed_on": "2025-08-15",
        },
    )
    assert added.status_code == 303
    assert _deals(api, mandate_id, headers) == [("月之暗面", "ai.foundation_models")]
    assert "70亿元（7,000,000,000 CNY）" in browser.get(base).text


def test_a_file_of_deals_is_imported_whole_or_not_at_all(api: ApiClient) -> None:
    browser, mandate_id, headers = _investor(api)
    browser.get(f"/investor/mandates/{mandate_id}/deals")
    path = f"/investor/mandates/{mandate_id}/deals/import"
    rows = (
        "公司,行业,阶段,金额,币种,交割日期\n"
        "宇树科技,具身智能与智能机器人,B轮,5亿,人民币,2024-05-01\n"
    )
    refused = _upload(
        browser, path, rows + "坏行,区块链,B轮,,,2024-01-01\n" + "坏日期,人工智能,B轮,,,上周\n"
    )
    assert refused.startswith("422")  # refused, nothing recorded, as any form sent back
    # Each problem names its field as the form does, in the reader's language.
    assert "第 3 行：行业：" in refused
    assert "第 4 行：交割日期：请按 2025-06-30 的格式填写日期。" in refused
    assert _deals(api, mandate_id, headers) == []
    # Dates as spreadsheets write them are read.
    written = (
        "公司,行业,阶段,金额,币种,交割日期\n"
        "宇树科技,具身智能与智能机器人,B轮,5亿,人民币,2024/5/1\n"
        "智元机器人,具身智能与智能机器人,A轮,,,2024年3月8日\n"
        "银河通用,具身智能与智能机器人,A轮,,,2024-06-20 00:00:00\n"
    )
    imported = _upload(browser, path, written)
    assert imported.startswith("303")
    # Back on the history, told how many rows went in.
    location = imported.split(" ")[1]
    assert location == f"/investor/mandates/{mandate_id}/deals?done=imported&count=3&skipped=0"
    told = browser.get(f"/investor/mandates/{mandate_id}/deals", done="imported", count="3")
    assert told.text.count("已导入 3 笔投资记录。") == 1  # said once, above the history
    listed = api.client.get(f"/v1/investors/{mandate_id}/deals", headers=headers).json()
    assert sorted(d["closed_on"] for d in listed["items"]) == [
        "2024-03-08",
        "2024-05-01",
        "2024-06-20",
    ]
    # The same file again, with one new deal: only that one is added, and the page says why.
    again = _upload(browser, path, written + "傅利叶,具身智能与智能机器人,B轮,,,2024-01-15\n")
    assert again.split(" ")[1].endswith("done=imported&count=1&skipped=3")
    assert len(_deals(api, mandate_id, headers)) == 4
    told = browser.get(
        f"/investor/mandates/{mandate_id}/deals", done="imported", count="1", skipped="3"
    )
    assert "已导入 1 笔投资记录；另有 3 行与已有记录或文件中前面的行相同，未重复导入。" in told.text
    nothing = _upload(browser, path, "")
    assert "未导入任何记录：" in nothing
    assert "请修改以下各行" not in nothing


def test_another_investors_deal_history_is_not_found(api: ApiClient) -> None:
    browser, _, _ = _investor(api)
    other = api.create_investor(api.create_account("investor"))
    assert browser.get(f"/investor/mandates/{other['id']}/deals").status_code == 404
    assert (
        browser.post(f"/investor/mandates/{other['id']}/deals", {"company": "x"}).status_code == 404
    )


def _record(api: ApiClient, mandate_id: str, headers: dict[str, str], company: str) -> str:
    recorded = api.client.post(
        f"/v1/investors/{mandate_id}/deals",
        json={
            "company": company,
            "sector": "ai",
            "stage": "series_a",
            "region": "pudong",
            "closed_on": "2025-01-10",
        },
        headers=headers,
    )
    assert recorded.status_code == 201, recorded.text
    deal_id: str = recorded.json()["id"]
    return deal_id


def test_a_deal_recorded_by_mistake_is_removed_and_only_by_its_owner(api: ApiClient) -> None:
    browser, mandate_id, headers = _investor(api)
    base = f"/investor/mandates/{mandate_id}/deals"
    mistaken = _record(api, mandate_id, headers, "录错的公司")
    kept = _record(api, mandate_id, headers, "保留的公司")
    page = browser.get(base).text
    assert "浦东新区" in page or "浦东" in page  # the region it was recorded with
    assert f'action="{base}/{mistaken}/delete"' in page

    _, other_mandate, other_headers = _investor(api)
    theirs = _record(api, other_mandate, other_headers, "别人的公司")
    # Another investor's deal, through this mandate or theirs, is not found; nothing goes.
    assert browser.post(f"{base}/{theirs}/delete", {}).status_code == 404
    assert (
        browser.post(f"/investor/mandates/{other_mandate}/deals/{theirs}/delete", {}).status_code
        == 404
    )
    assert _deals(api, other_mandate, other_headers) == [("别人的公司", "ai")]

    forged = browser.post(f"{base}/{mistaken}/delete", {}, csrf="forged")
    assert forged.status_code == 403
    assert len(_deals(api, mandate_id, headers)) == 2
    removed = browser.post(f"{base}/{mistaken}/delete", {})
    assert removed.status_code == 303
    assert _deals(api, mandate_id, headers) == [("保留的公司", "ai")]
    after = browser.get(base, done="deleted").text
    assert "该笔投资已从您的投资记录中删除。" in after
    assert "录错的公司" not in after
    assert f'action="{base}/{kept}/delete"' in after  # the other deal stays


def test_commitments_through_the_matchmaker_are_listed_beside_the_deals(api: ApiClient) -> None:
    browser, mandate_id, headers = _investor(api)
    startup = api.create_account("startup")
    request = api.create_request(startup, company="承诺测试公司")
    api.publish(request["id"])
    committed = api.client.put(
        f"/v1/investors/{mandate_id}/feedback/{request['id']}",
        json={"action": "committed", "amount": "50000000", "currency": "CNY"},
        headers=headers,
    )
    assert committed.status_code == 200, committed.text
    page = browser.get(f"/investor/mandates/{mandate_id}/deals").text
    assert "通过本平台承诺的投资" in page
    assert "承诺测试公司" in page
    assert "5000万元" in page
    # The match card and the outcomes page say what was committed, not only that it was.
    matches = browser.get(f"/investor/mandates/{mandate_id}/matches").text
    assert re.search(r"您的答复：已承诺投资 · 5000万元", matches)
    outcomes = browser.get("/outcomes").text
    opening = outcomes.split("<h2>", 2)[2]  # the pairs a deal may be opened on
    assert "已承诺投资 · 5000万元" in opening
    assert "已表达意向" not in opening


def test_a_deal_is_the_same_whatever_the_width_case_or_spacing_of_its_company() -> None:
    def key(company: str) -> tuple[object, ...]:
        written = DealWrite(
            company=company, sector="ai", stage="series_b", closed_on=dt.date(2024, 5, 1)
        )
        return deals.deal_key(written)

    assert key("Ｍoonshot  AI") == key(" moonshot ai") == key("MOONSHOT AI")
    assert key("Moonshot AI") != key("Moonshot")
