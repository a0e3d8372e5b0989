"""The commission's compliance page (/commission/compliance), in Chinese by default: the
lists in force, the affected requests and mandates, the blocked pairs and why; others are
refused."""

from __future__ import annotations

from tests.compliance.test_foreign_investment_matching import MANDATE
from tests.support.factories import ApiClient
from tests.support.people import new_person
from tests.support.web import Browser


def test_the_page_lists_blocked_pairs_and_affected_requests(api: ApiClient) -> None:
    owner = api.create_account("investor", "Foreign fund")
    api.create_investor(owner, name="Blackstone", origin="foreign", **MANDATE)
    startup = api.create_account("startup")
    for company, sector, region in (
        ("Bilibili", "digital_economy.platforms", "yangpu"),
        ("5G valley", "digital_economy.data", "songjiang"),
    ):
        created = api.create_request(
            startup,
            company=company,
            sectors=[sector],
            stage="growth",
            region=region,
            amount="1000000000",
        )
        api.publish(created["id"])
    commission = Browser(api.client)
    commission.sign_in(new_person(api, api.create_account("commission"), signed_in=False))
    page = commission.get("/commission/compliance")
    assert page.status_code == 200
    html = page.text
    assert "外资准入：匹配中的负面清单" in html
    assert 'href="/commission/compliance" aria-current="page"' in html
    assert "受阻配对 (1)" in html
    assert "外资准入：Blackstone为外资投资方，根据全国外资准入负面清单（2024年版），" in html
    assert "受影响的项目 (2)" in html
    assert "杨浦区" in html
    assert "外商投资准入特别管理措施（负面清单）（2024年版）" in html
    assert "国家发展和改革委员会 商务部令 第23号" in html
    assert "适用区域：临港新片区。" in html
    assert "示意性（未核对）" in html
    assert "已对照公开来源核对" in html

    investor = Browser(api.client)
    investor.sign_in(new_person(api, owner, signed_in=False))
    refused = investor.get("/commission/compliance")
    assert refused.status_code in {403, 404}
