"""The outcome pages over HTTP: a deal opened from an accepted meeting, its steps recorded
with errors beside the field in Chinese and nothing written on error; each party sees only its
own deals (another account's deal is a 404); the commission sees every deal, the overdue ones,
the figures and the companies claimed twice."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy.orm import Session

from models import Meeting, MeetingAnswer, MeetingSide, MeetingStatus
from service.outcomes.deadlines import months_after
from service.outcomes.service import today
from tests.outcomes.test_figures import CREDIT_CODE, World, ago
from tests.support.factories import Account, ApiClient
from tests.support.people import new_person
from tests.support.web import Browser

FIELD_ERROR = re.compile(r'class="field-error" id="([a-z_]+)-error">([^<]+)<')
DEAL_LINK = re.compile(r'href="/outcomes/([0-9a-f-]{36})"')


def _browser(api: ApiClient, account: Account) -> Browser:
    browser = Browser(api.client)
    browser.sign_in(new_person(api, account, signed_in=False))
    return browser


def _errors(html: str) -> dict[str, str]:
    return dict(FIELD_ERROR.findall(html))


class Pair:
    """An investor and a startup whose published request they met about (accepted)."""

    def __init__(self, api: ApiClient, db_session: Session, company: str = "阶跃星辰") -> None:
        self.api = api
        self.investor = api.create_account("investor", f"{company} investor")
        self.startup = api.create_account("startup", company)
        self.profile_id = api.create_investor(self.investor, name=f"{company} 资本")["id"]
        event_id = api.create_event(f"{company} 大会")
        # The event is held (2026-11-05): the commission's record of the request presented there.
        self.request_id = api.record_request(self.startup, company=company, event_id=event_id)["id"]
        api.publish(self.request_id)
        db_session.add(
            Meeting(
                event_id=event_id,
                financing_request_id=self.request_id,
                investor_profile_id=self.profile_id,
                requested_by=MeetingSide.INVESTOR,
                investor_answer=MeetingAnswer.ACCEPTED,
                startup_answer=MeetingAnswer.ACCEPTED,
                status=MeetingStatus.ACCEPTED,
                score=0.9,
            )
        )
        db_session.commit()

    def deal(self) -> dict[str, Any]:
        listed = self.api.client.get("/v1/outcomes", headers=self.investor.headers).json()
        assert len(listed["items"]) == 1
        deal: dict[str, Any] = listed["items"][0]
        return deal


@pytest.fixture
def pair(api: ApiClient, db_session: Session) -> Pair:
    return Pair(api, db_session)


def _open(browser: Browser, pair: Pair) -> str:
    page = browser.get("/outcomes")
    assert page.status_code == 200
    assert "开始跟进落地" in page.text
    opened = browser.post(
        "/outcomes",
        {"investor_profile_id": pair.profile_id, "financing_request_id": pair.request_id},
    )
    assert opened.status_code == 303, opened.text
    location: str = opened.headers["location"]
    return location.removeprefix("/outcomes/")


def _step(browser: Browser, outcome_id: str, **fields: str) -> Any:
    data = {"happened_on": today().isoformat(), "amount": "", "credit_code": "", "reason": ""}
    return browser.post(f"/outcomes/{outcome_id}/steps", {**data, **fields})


def test_an_investor_opens_a_deal_from_its_meeting_and_records_its_steps(
    api: ApiClient, pair: Pair
) -> None:
    browser = _browser(api, pair.investor)
    outcome_id = _open(browser, pair)
    page = browser.get(f"/outcomes/{outcome_id}").text
    assert "洽谈中" in page
    assert "记录下一步" in page
    # Opened: the pair is no longer offered.
    assert pair.request_id not in browser.get("/outcomes").text.split("开始跟进落地")[-1]

    signed = _step(browser, outcome_id, kind="sign", amount="3亿")
    assert signed.status_code == 303
    assert signed.headers["location"] == f"/outcomes/{outcome_id}?recorded=sign"
    page = browser.get(f"/outcomes/{outcome_id}", recorded="sign").text
    assert "已记录：已签约。" in page
    assert "已签约" in page
    assert "3亿元" in page
    assert f"<dt>注册期限</dt><dd>{months_after(today(), 3).isoformat()}</dd>" in page
    assert f"<dt>投产期限</dt><dd>{months_after(today(), 12).isoformat()}</dd>" in page
    listed = browser.get("/outcomes").text
    assert f"{months_after(today(), 3).isoformat()} 前注册" in listed

    registered = _step(browser, outcome_id, kind="register", credit_code=CREDIT_CODE)
    assert registered.status_code == 303
    tranche = _step(browser, outcome_id, kind="tranche", amount="1亿")
    assert tranche.status_code == 303
    deal = pair.deal()
    assert (deal["stage"], deal["funds_in_place"]) == ("funds_in_place", "100000000.00")
    assert [s["kind"] for s in deal["steps"]] == ["sign", "register", "tranche"]
    assert "资金到位" in browser.get(f"/outcomes/{outcome_id}").text

    # The signed amount amended (with its reason; never below what arrived), then production.
    below = _step(browser, outcome_id, kind="amend", amount="5000万", reason="缩减规模")
    assert _errors(below.text) == {"amount": "签约金额不能低于已到位资金，也不能与当前金额相同。"}
    amended = _step(browser, outcome_id, kind="amend", amount="2亿", reason="缩减规模")
    assert amended.status_code == 303
    assert _step(browser, outcome_id, kind="produce").status_code == 303
    deal = pair.deal()
    assert (deal["stage"], deal["signed_amount"]) == ("producing", "200000000.00")
    page = browser.get(f"/outcomes/{outcome_id}").text
    assert "缩减规模" in page
    assert "该项目不再有后续步骤" not in page  # tranches may still arrive once producing


def test_errors_stand_beside_their_field_in_chinese_and_nothing_is_written(
    api: ApiClient, pair: Pair
) -> None:
    browser = _browser(api, pair.investor)
    outcome_id = _open(browser, pair)

    too_early = _step(browser, outcome_id, kind="tranche", amount="1亿")
    assert too_early.status_code == 422  # the form again, as every page's form comes back
    assert _errors(too_early.text) == {"kind": "该项目当前不能进行这一步。"}
    assert _errors(_step(browser, outcome_id, kind="sign", amount="").text) == {
        "amount": "此项为必填。"
    }
    assert "amount" in _errors(_step(browser, outcome_id, kind="sign", amount="很多").text)
    # The deal is counted in its request's currency, with none to choose: said so.
    in_dollars = _step(browser, outcome_id, kind="sign", amount="USD 30m")
    assert _errors(in_dollars.text) == {
        "amount": "金额写的是美元，但此处以人民币计：请按人民币填写。"
    }
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    future = _step(browser, outcome_id, kind="sign", amount="3亿", happened_on=tomorrow)
    assert _errors(future.text) == {"happened_on": "步骤日期不能晚于今天。"}
    assert pair.deal()["steps"] == []

    assert _step(browser, outcome_id, kind="sign", amount="3亿").status_code == 303
    bad_code = _step(browser, outcome_id, kind="register", credit_code="91310000MA1FL0ER27")
    assert set(_errors(bad_code.text)) == {"credit_code"}
    assert "统一社会信用代码" in _errors(bad_code.text)["credit_code"]
    assert _step(browser, outcome_id, kind="register", credit_code=CREDIT_CODE).status_code == 303

    above = _step(browser, outcome_id, kind="tranche", amount="5亿")
    assert _errors(above.text) == {
        "amount": "这笔资金会使到位资金超过签约金额：请先记录修改签约金额。"
    }
    assert 'value="5亿"' in above.text  # what was typed is shown again
    no_reason = _step(browser, outcome_id, kind="abandon")
    assert set(_errors(no_reason.text)) == {"reason"}
    deal = pair.deal()
    assert (deal["stage"], deal["funds_in_place"]) == ("registered", "0.00")
    assert len(deal["steps"]) == 2

    forged = browser.post(
        f"/outcomes/{outcome_id}/steps", {"kind": "abandon", "reason": "x"}, csrf="forged"
    )
    assert forged.status_code == 403
    assert pair.deal()["stage"] == "registered"


def test_another_accounts_deal_is_a_404_and_a_startup_sees_only_its_own(
    api: ApiClient, db_session: Session, pair: Pair
) -> None:
    outcome_id = _open(_browser(api, pair.investor), pair)
    other = Pair(api, db_session, company="玻色量子")
    other_id = _open(_browser(api, other.startup), other)

    for stranger in (other.investor, other.startup):
        browser = _browser(api, stranger)
        assert browser.get(f"/outcomes/{outcome_id}").status_code == 404
        step = _step(browser, outcome_id, kind="abandon", reason="不是我的")
        assert step.status_code == 404
    assert pair.deal()["stage"] == "negotiating"

    startup = _browser(api, pair.startup)
    listed = startup.get("/outcomes").text
    assert set(DEAL_LINK.findall(listed)) == {outcome_id}
    assert "玻色量子" not in listed
    assert startup.get(f"/outcomes/{outcome_id}").status_code == 200
    assert _browser(api, other.investor).get(f"/outcomes/{other_id}").status_code == 200
    # The startup records a step of its own deal.
    assert _step(startup, outcome_id, kind="abandon", reason="估值分歧").status_code == 303
    assert pair.deal()["stage"] == "abandoned"


def test_a_pair_already_under_way_cannot_be_opened_twice(api: ApiClient, pair: Pair) -> None:
    browser = _browser(api, pair.investor)
    _open(browser, pair)
    again = browser.post(
        "/outcomes",
        {"investor_profile_id": pair.profile_id, "financing_request_id": pair.request_id},
    )
    assert again.status_code == 200
    assert "该投资方与该需求已有进行中的项目。" in again.text


def test_the_commission_sees_every_deal_the_overdue_ones_and_the_figures(
    api: ApiClient, db_session: Session
) -> None:
    world = World(api, db_session)
    browser = _browser(api, api.create_account("commission"))

    page = browser.get("/commission/outcomes")
    assert page.status_code == 200
    html = page.text
    assert set(DEAL_LINK.findall(html)) >= {world.o1, world.o2, world.o3, world.o4}
    assert "75.0%" in html  # signing rate: 3 of 4 accepted meetings
    assert "18.1%" in html  # funds in place 40 of 221 million yuan
    assert CREDIT_CODE in html
    assert "逾期（2）" in html
    overdue = browser.get("/commission/outcomes", show="overdue").text
    assert set(DEAL_LINK.findall(overdue.split('id="commission-deals"')[1])) == {
        world.o1,
        world.o2,
    }
    by_region = browser.get("/commission/outcomes", by="region").text
    assert "徐汇区" in by_region
    assert "100.0%" in by_region
    rows_add_up = "会在每个类别中各计一次，因此各行之和会大于合计"
    assert rows_add_up not in browser.get("/commission/outcomes", by="sector").text
    # A company in two sectors counts under each: the page says why the rows add up to more.
    startup = api.create_account("startup", "Two sectors")
    both = api.record_request(
        startup,
        event_id=world.e1,
        company="AI drug discovery",
        sectors=["ai.foundation_models", "life_science.drugs"],
    )["id"]
    api.publish(both)
    world.deal(world.i1, both, [{"kind": "sign", "happened_on": ago(1), "amount": "1000000"}])
    assert rows_add_up in browser.get("/commission/outcomes", by="sector").text
    # The report's outcome tables say so too.
    report = api.client.post("/v1/reports", json={}, headers=api.admin).json()
    html = api.client.get(f"/v1/reports/{report['id']}?format=html", headers=api.admin).text
    outcomes = html.split('id="outcomes"', 1)[1]
    assert outcomes.count(rows_add_up) == 1  # under the sectors' table only

    dashboard = browser.get("/commission").text
    assert "项目落地：洽谈之后的成果" in dashboard
    assert "75.0%" in dashboard

    for role in ("investor", "startup"):
        assert (
            _browser(api, api.create_account(role)).get("/commission/outcomes").status_code == 403
        )
    assert browser.get("/outcomes").headers["location"] == "/commission/outcomes"
