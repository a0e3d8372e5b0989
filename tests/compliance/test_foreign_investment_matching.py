"""The foreign-investment negative lists in matching: a prohibited pair is no match in either
direction nor in reports (counted as blocked), a restricted pair matches with a reason stating
the restriction, and the list read depends on the request's region (the pilot free trade zone
list in Lingang)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.reference_data.foreign_investment import (
    DEFAULT_FILE,
    current_rules,
    load_foreign_investment_rules,
    replace_rules,
)
from tests.support.factories import Account, ApiClient

MANDATE: dict[str, Any] = {
    "sectors": ["digital_economy", "quantum"],
    "stages": ["growth", "strategic"],
    "ticket_min": "100000000",
    "ticket_max": "3000000000",
    "regions": [],
    "thesis": "数字经济与量子",
}


def _request(api: ApiClient, startup: Account, company: str, sector: str, region: str) -> str:
    created = api.create_request(
        startup,
        company=company,
        title=f"{company} round",
        summary=f"{company} growth round",
        sectors=[sector],
        stage="growth",
        amount="1000000000",
        region=region,
    )
    api.publish(created["id"])
    request_id: str = created["id"]
    return request_id


def _get(api: ApiClient, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = api.client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _companies_for(api: ApiClient, who: Account, profile_id: str, **params: Any) -> dict[str, Any]:
    body = _get(api, f"/v1/investors/{profile_id}/matches", who.headers, limit=50, **params)
    return {item["financing_request"]["company"]: item for item in body["items"]}


def _investors_for(api: ApiClient, request_id: str, **params: Any) -> dict[str, Any]:
    body = _get(api, f"/v1/financing-requests/{request_id}/matches", api.admin, limit=50, **params)
    return {item["investor"]["name"]: item for item in body["items"]}


@pytest.fixture
def world(api: ApiClient) -> dict[str, Any]:
    """A foreign and a domestic investor with the same mandate; a video platform (closed to
    foreign investment under the national list), a 5G project (restricted) and a quantum
    project (open), in Yangpu and Songjiang."""
    foreign_owner = api.create_account("investor", "Foreign fund")
    domestic_owner = api.create_account("investor", "Domestic fund")
    foreign = api.create_investor(foreign_owner, name="Blackstone", origin="foreign", **MANDATE)
    domestic = api.create_investor(
        domestic_owner, name="Hillhouse Capital", origin="domestic", **MANDATE
    )
    startup = api.create_account("startup")
    return {
        "foreign_owner": foreign_owner,
        "domestic_owner": domestic_owner,
        "foreign": foreign["id"],
        "domestic": domestic["id"],
        "startup": startup,
        "video": _request(api, startup, "Bilibili", "digital_economy.platforms", "yangpu"),
        "network": _request(api, startup, "5G valley", "digital_economy.data", "songjiang"),
        "quantum": _request(api, startup, "QBoson", "quantum", "yangpu"),
    }


def test_a_prohibited_pair_is_no_match_in_either_direction(
    api: ApiClient, world: dict[str, Any]
) -> None:
    foreign = _companies_for(api, world["foreign_owner"], world["foreign"])
    assert set(foreign) == {"5G valley", "QBoson"}
    # Not even as a near miss: the list closes the request to this investor.
    near = _companies_for(api, world["foreign_owner"], world["foreign"], include_near_misses="true")
    assert "Bilibili" not in near
    domestic = _companies_for(api, world["domestic_owner"], world["domestic"])
    assert set(domestic) == {"Bilibili", "5G valley", "QBoson"}
    assert all(
        reason["kind"] != "foreign_investment"
        for item in domestic.values()
        for reason in item["reasons"]
    )

    video = _investors_for(api, world["video"])
    assert set(video) == {"Hillhouse Capital"}
    assert "Blackstone" not in _investors_for(api, world["video"], include_near_misses="true")
    assert set(_investors_for(api, world["quantum"])) == {"Blackstone", "Hillhouse Capital"}


def test_a_restricted_pair_matches_with_the_restriction_stated(
    api: ApiClient, world: dict[str, Any]
) -> None:
    item = _companies_for(api, world["foreign_owner"], world["foreign"])["5G valley"]
    reason = next(r for r in item["reasons"] if r["kind"] == "foreign_investment")
    assert reason["outcome"] == "restricted"
    assert reason["values"] == {"list": "national_2024", "items": ["national_2024.telecom"]}
    assert reason["text"] == (
        "外资准入：您为外资投资方，根据全国外资准入负面清单（2024年版），电信业务对外商投资有限制：外资股比不超过50%；"
        "须由中方控股（示意性条目，请以官方文本为准）"
    )
    english = api.client.get(
        f"/v1/investors/{world['foreign']}/matches",
        headers={**world["foreign_owner"].headers, "Accept-Language": "en"},
    ).json()
    network = next(i for i in english["items"] if i["financing_request"]["company"] == "5G valley")
    text = next(r["text"] for r in network["reasons"] if r["kind"] == "foreign_investment")
    assert text == (
        "Foreign investment: you are a foreign investor, and Telecommunications services is "
        "restricted under the national negative list (2024): foreign share at most 50%; the "
        "Chinese party must hold control (illustrative list item: check the official text)"
    )
    # The commission reads the investor's name; a domestic investor reads nothing of it.
    by_name = _investors_for(api, world["network"])
    commission = next(
        r for r in by_name["Blackstone"]["reasons"] if r["kind"] == "foreign_investment"
    )
    assert commission["text"].startswith(
        "外资准入：Blackstone为外资投资方，根据全国外资准入负面清单"
    )
    assert all(r["kind"] != "foreign_investment" for r in by_name["Hillhouse Capital"]["reasons"])
    # The open request carries no such reason.
    quantum = _companies_for(api, world["foreign_owner"], world["foreign"])["QBoson"]
    assert all(r["kind"] != "foreign_investment" for r in quantum["reasons"])


def test_reports_leave_the_prohibited_pair_out_and_count_it_blocked(
    api: ApiClient, world: dict[str, Any]
) -> None:
    response = api.client.post("/v1/reports", json={"top_k": 5}, headers=api.admin)
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["totals"]["blocked_pairs"] == 1
    by_request = {r["company"]: r for r in report["requests"]}
    assert [i["name"] for i in by_request["Bilibili"]["top_investors"]] == ["Hillhouse Capital"]
    assert by_request["Bilibili"]["investors_above_min_score"] == 1
    assert {i["name"] for i in by_request["5G valley"]["top_investors"]} == {
        "Blackstone",
        "Hillhouse Capital",
    }
    blackstone = next(i for i in report["investors"] if i["name"] == "Blackstone")
    assert {r["company"] for r in blackstone["top_requests"]} == {"5G valley", "QBoson"}
    network = next(r for r in blackstone["top_requests"] if r["company"] == "5G valley")
    assert any(
        r["kind"] == "foreign_investment" and r["outcome"] == "restricted"
        for r in network["reasons"]
    )
    html = api.client.get(
        f"/v1/reports/{report['id']}", params={"format": "html"}, headers=api.admin
    )
    assert html.status_code == 200
    assert "匹配度不低于 0.6、但被外资准入负面清单阻止的配对" in html.text
    as_csv = api.client.get(
        f"/v1/reports/{report['id']}", params={"format": "csv"}, headers=api.admin
    )
    assert "blocked_pairs,1" in as_csv.text


def test_the_commission_sees_blocked_pairs_and_why(api: ApiClient, world: dict[str, Any]) -> None:
    body = _get(api, "/v1/compliance/blocked-pairs", api.admin)
    assert body["foreign_mandates"] == 1
    assert [(p["investor_name"], p["company"]) for p in body["blocked_pairs"]] == [
        ("Blackstone", "Bilibili")
    ]
    blocked = body["blocked_pairs"][0]
    assert blocked["reason"]["outcome"] == "prohibited"
    assert blocked["reason"]["values"]["items"] == ["national_2024.internet_content"]
    assert "禁止外商投资" in blocked["reason"]["text"]
    assert [(p["investor_name"], p["company"]) for p in body["restricted_pairs"]] == [
        ("Blackstone", "5G valley")
    ]
    requests = {r["company"]: r for r in body["requests"]}
    assert set(requests) == {"Bilibili", "5G valley"}
    assert (requests["Bilibili"]["outcome"], requests["Bilibili"]["blocked_pairs"]) == (
        "prohibited",
        1,
    )
    assert requests["5G valley"]["outcome"] == "restricted"
    assert [(m["name"], m["blocked_pairs"], m["restricted_pairs"]) for m in body["mandates"]] == [
        ("Blackstone", 1, 1)
    ]
    lists = _get(api, "/v1/compliance/lists", world["foreign_owner"].headers)
    assert {item["id"] for item in lists["lists"]} == {"national_2024", "ftz_2021"}


def test_the_free_trade_zone_list_is_read_in_lingang(api: ApiClient, world: dict[str, Any]) -> None:
    """Same sector, another region: in Lingang the pilot free trade zone list's telecom item
    applies (restricted differently: with the zones' pilot opening)."""
    lingang = _request(
        api, world["startup"], "Lingang data harbor", "digital_economy.data", "lingang"
    )
    items = _companies_for(api, world["foreign_owner"], world["foreign"])
    reason = next(
        r for r in items["Lingang data harbor"]["reasons"] if r["kind"] == "foreign_investment"
    )
    assert reason["values"] == {"list": "ftz_2021", "items": ["ftz_2021.telecom"]}
    assert "自贸试验区外资准入负面清单（2021年版）" in reason["text"]
    assert "适用自贸试验区开放试点政策" in reason["text"]
    songjiang = next(r for r in items["5G valley"]["reasons"] if r["kind"] == "foreign_investment")
    assert songjiang["values"]["list"] == "national_2024"
    assert "适用自贸试验区开放试点政策" not in songjiang["text"]
    assert lingang in {
        r["financing_request_id"]
        for r in _get(api, "/v1/compliance/blocked-pairs", api.admin)["requests"]
    }


@pytest.fixture
def quantum_closed_outside_the_zones(tmp_path: Path) -> Iterator[None]:
    """Replaced rules (the data is replaceable): the national list closes quantum, the free
    trade zone list does not name it."""
    data = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    national = next(item for item in data["lists"] if item["id"] == "national_2024")
    national["items"].append(
        {
            "id": "national_2024.test_quantum",
            "title": {"zh": "量子（测试条目）", "en": "Quantum (test item)"},
            "measure": "prohibited",
            "restriction": None,
            "quoted": None,
            "text": {"zh": "测试", "en": "test"},
            "sectors": ["quantum"],
            "illustrative": True,
        }
    )
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    replace_rules(load_foreign_investment_rules(path))
    try:
        yield
    finally:
        replace_rules(None)


@pytest.mark.usefixtures("quantum_closed_outside_the_zones")
def test_a_pair_closed_under_the_national_list_is_open_in_the_free_trade_zone(
    api: ApiClient, world: dict[str, Any]
) -> None:
    in_zone = _request(api, world["startup"], "QBoson Lingang", "quantum", "lingang")
    foreign = _companies_for(api, world["foreign_owner"], world["foreign"])
    assert "QBoson" not in foreign  # Yangpu: the national list
    assert "QBoson Lingang" in foreign  # Lingang: the free trade zone list
    assert "Blackstone" in _investors_for(api, in_zone)
    assert "Blackstone" not in _investors_for(api, world["quantum"])
    blocked = _get(api, "/v1/compliance/blocked-pairs", api.admin)["blocked_pairs"]
    assert {p["company"] for p in blocked} == {"Bilibili", "QBoson"}


def test_the_shipped_lists_say_what_is_checked_and_what_is_illustrative() -> None:
    rules = current_rules()
    assert rules.default_list == "national_2024"
    assert rules.list_id_for("lingang") == "ftz_2021"
    assert rules.list_id_for("pudong") == "national_2024"
    assert "ILLUSTRATIVE" in rules.note
    national = rules.lists["national_2024"]
    assert national.source["order"] == "国家发展和改革委员会 商务部令 第23号"
    assert national.source["effective"] == "2024-11-01"
    for negative_list in rules.lists.values():
        for item in negative_list.items:
            if item.illustrative:
                assert item.quoted is None, item.id  # never a quote that was not checked
            else:
                assert item.checked_against, item.id
                assert item.quoted == item.text["zh"], item.id
    assert all(item.illustrative for item in rules.lists["ftz_2021"].items)


def test_a_rules_file_with_an_unflagged_item_or_unknown_sector_is_refused(
    tmp_path: Path,
) -> None:
    data = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    data["lists"][0]["items"][0].pop("illustrative")
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="illustrative"):
        load_foreign_investment_rules(path)
    data = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    data["lists"][0]["items"][0]["sectors"] = ["no_such_sector"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="taxonomy"):
        load_foreign_investment_rules(path)


def test_an_interested_foreign_investor_is_no_syndicate_candidate_for_a_closed_request(
    api: ApiClient, world: dict[str, Any]
) -> None:
    """Interest does not reopen what the list closes: the startup's syndicates (built from
    the investors interested that are matches) leave the foreign investor out."""
    for owner, profile in (
        (world["foreign_owner"], world["foreign"]),
        (world["domestic_owner"], world["domestic"]),
    ):
        marked = api.client.put(
            f"/v1/investors/{profile}/feedback/{world['video']}",
            json={"action": "interested"},
            headers=owner.headers,
        )
        assert marked.status_code in {200, 201}, marked.text
    body = _get(
        api, f"/v1/financing-requests/{world['video']}/syndicates", world["startup"].headers
    )
    # Both are interested and both fit; only the domestic one is a candidate.
    assert body["candidates"] == 1
    assert world["foreign"] not in json.dumps(body)
