"""Chinese and English names at every JSON entry point, and responses in the caller's
language: Chinese by default, English when Accept-Language asks for it first."""

from __future__ import annotations

from typing import Any

import pytest

from service.i18n.languages import negotiate
from tests.support.factories import ApiClient

CHINESE_MANDATE = {
    "name": "临港科创基金",
    "kind": "政府引导基金",
    "origin": "境内",
    "sectors": ["人工智能", "集成电路"],
    "stages": ["B轮", "Series C"],
    "regions": ["临港新片区", "Pudong"],
    "ticket_min": "100000000",
    "ticket_max": "2000000000",
    "currency": "人民币",
    "thesis": "大模型与芯片设计",
}
CHINESE_REQUEST = {
    "company": "阶跃星辰",
    "title": "基础大模型C轮融资",
    "summary": "大模型训练算力",
    "sectors": ["基础大模型"],
    "amount": "300000000",
    "currency": "CNY",
    "stage": "C轮",
    "region": "浦东新区",
}


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "zh"),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("fr,en;q=0.5", "en"),
        ("fr", "zh"),
        ("en;q=0.4,zh-TW;q=0.8", "zh"),
        ("zh;q=0,en", "en"),
        ("*", "zh"),
    ],
)
def test_the_language_is_negotiated_from_accept_language(header: str | None, language: str) -> None:
    assert negotiate(header) == language


def test_a_mandate_written_with_names_is_stored_as_codes(api: ApiClient) -> None:
    owner = api.create_account("investor")
    response = api.client.post("/v1/investors", json=CHINESE_MANDATE, headers=owner.headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["kind"], body["origin"], body["currency"]) == (
        "government_fund",
        "domestic",
        "CNY",
    )
    assert body["sectors"] == ["ai", "semiconductors"]
    assert body["stages"] == ["series_b", "series_c"]
    assert body["regions"] == ["lingang", "pudong"]
    assert response.headers["content-language"] == "zh"
    assert "Accept-Language" in response.headers["vary"]
    assert body["display"] == {
        "kind": "政府引导基金",
        "origin": "境内",
        "sectors": ["人工智能", "集成电路"],
        "stages": ["B轮", "C轮"],
        "regions": ["临港新片区", "浦东新区"],
        "currency": "人民币",
        "ticket_min": "1亿元（100,000,000 CNY）",
        "ticket_max": "20亿元（2,000,000,000 CNY）",
    }

    english = api.client.get(
        f"/v1/investors/{body['id']}", headers={**owner.headers, "Accept-Language": "en"}
    )
    assert english.headers["content-language"] == "en"
    assert english.json()["display"]["stages"] == ["Series B", "Series C"]
    assert english.json()["display"]["ticket_max"] == "CNY 2 billion (2,000,000,000 CNY)"

    patched = api.client.patch(
        f"/v1/investors/{body['id']}",
        json={"stages": ["天使轮"], "origin": "Foreign"},
        headers={**owner.headers, "If-Match": english.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["stages"], patched.json()["origin"]) == (["angel"], "foreign")


def _published_chinese_request(api: ApiClient) -> dict[str, Any]:
    startup = api.create_account("startup")
    response = api.client.post(
        "/v1/financing-requests", json=CHINESE_REQUEST, headers=startup.headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    assert (created["sectors"], created["stage"], created["region"]) == (
        ["ai.foundation_models"],
        "series_c",
        "pudong",
    )
    assert created["display"]["amount"] == "3亿元（300,000,000 CNY）"
    api.publish(created["id"])
    return created


def test_filters_take_names_and_reasons_read_for_who_asks(api: ApiClient) -> None:
    request = _published_chinese_request(api)
    owner = api.create_account("investor")
    mandate = api.client.post("/v1/investors", json=CHINESE_MANDATE, headers=owner.headers).json()
    path = f"/v1/investors/{mandate['id']}/matches"

    by_name = api.client.get(
        path, params={"sector": "人工智能", "stage": "C轮"}, headers=owner.headers
    )
    assert by_name.status_code == 200, by_name.text
    (item,) = by_name.json()["items"]
    assert item["financing_request"]["id"] == request["id"]
    sector = item["reasons"][0]
    assert sector["kind"] == "sector"
    assert sector["text"] == "行业：基础大模型属于您的投资行业“人工智能”"

    # The commission reads the same reason with the investor named, here in English.
    commission = api.client.get(path, headers={**api.admin, "Accept-Language": "en"})
    assert commission.json()["items"][0]["reasons"][0]["text"] == (
        "Sector: Foundation models falls under 临港科创基金's sector Artificial intelligence"
    )
    region = next(r for r in commission.json()["items"][0]["reasons"] if r["kind"] == "region")
    assert region["text"] == "Region: Pudong is one of 临港科创基金's regions"

    # The startup's side: the investors of its request, each named.
    investors = api.client.get(
        f"/v1/financing-requests/{request['id']}/matches", headers=api.admin
    ).json()["items"]
    assert (
        investors[0]["reasons"][0]["text"] == "行业：基础大模型属于临港科创基金的投资行业“人工智能”"
    )


def test_an_unknown_name_is_a_422_naming_the_value(api: ApiClient) -> None:
    owner = api.create_account("investor")
    response = api.client.post(
        "/v1/investors",
        json={**CHINESE_MANDATE, "stages": ["Z轮"], "kind": "基金会", "currency": "比特币"},
        headers=owner.headers,
    )
    assert response.status_code == 422
    errors = {e["field"]: (e["code"], e["message"]) for e in response.json()["errors"]}
    assert set(errors) == {"stages.0", "kind", "currency"}
    assert errors["kind"][0] == "unknown_investor_kind"
    for field, value in (("stages.0", "Z轮"), ("kind", "基金会"), ("currency", "比特币")):
        assert value in errors[field][1]
        assert "Chinese or English name" in errors[field][1]


def test_a_deal_written_with_names_is_stored_as_codes_and_displayed(api: ApiClient) -> None:
    owner = api.create_account("investor")
    mandate = api.create_investor(owner)
    response = api.client.post(
        f"/v1/investors/{mandate['id']}/deals",
        json={
            "company": "月之暗面",
            "sector": "基础大模型",
            "stage": "Series B",
            "region": "徐汇区",
            "amount": "7000000000",
            "currency": "人民币",
            "closed_on": "2025-08-15",
        },
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    deal = response.json()
    assert (deal["sector"], deal["stage"], deal["region"], deal["currency"]) == (
        "ai.foundation_models",
        "series_b",
        "xuhui",
        "CNY",
    )
    assert deal["display"]["amount"] == "70亿元（7,000,000,000 CNY）"
    assert deal["display"]["stage"] == "B轮"


def test_an_answer_is_displayed_with_names_and_a_readable_amount(api: ApiClient) -> None:
    request = _published_chinese_request(api)
    owner = api.create_account("investor")
    mandate = api.client.post("/v1/investors", json=CHINESE_MANDATE, headers=owner.headers).json()
    given = api.client.put(
        f"/v1/investors/{mandate['id']}/feedback/{request['id']}",
        json={"action": "committed", "amount": "500000000", "currency": "人民币"},
        headers={**owner.headers, "Accept-Language": "en"},
    )
    assert given.status_code == 200, given.text
    assert given.json()["currency"] == "CNY"
    assert given.json()["display"] == {
        "action": "Committed",
        "reason": None,
        "amount": "CNY 500 million (500,000,000 CNY)",
    }
