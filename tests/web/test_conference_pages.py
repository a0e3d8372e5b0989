"""Conference day on the web pages: an investor asks from its matches, the startup agrees or
declines with a reason (asked for beside the field, nothing written without it), either side
calls a meeting off, both say when they can meet and read their agendas (.ics too); the
commission sets the programme (errors beside the fields), lists and proposes meetings, solves
the schedule and reads the table plan. Another account's meeting is not found."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote

import icalendar
import openpyxl
import pytest
from fastapi import FastAPI

from service.core.clock import current_time
from tests.support.factories import COMING_DAY, Account, ApiClient
from tests.support.people import Clock, new_person
from tests.support.web import Browser, commission_browser

ERROR = re.compile(r'class="field-error" id="([a-z_0-9-]+)-error">([^<]+)<')
PROGRAMME = {
    "time_zone": "Asia/Shanghai",
    "days": ["2037-11-05"],
    "slots": [{"start": "09:00", "minutes": 30}, {"start": "09:30", "minutes": 30}],
    "tables": 2,
    "investor_meeting_cap": 4,
}


def _browser(api: ApiClient, account: Account) -> Browser:
    browser = Browser(api.client)
    browser.sign_in(new_person(api, account, signed_in=False))
    return browser


@dataclass
class World:
    api: ApiClient
    event_id: str
    investor: Account
    startup: Account
    mandate: str
    request: str
    investor_browser: Browser
    startup_browser: Browser

    def meeting(self, meeting_id: str) -> dict[str, Any]:
        response = self.api.client.get(f"/v1/meetings/{meeting_id}", headers=self.api.admin)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def meetings(self) -> list[dict[str, Any]]:
        response = self.api.client.get(
            f"/v1/events/{self.event_id}/meetings", headers=self.api.admin
        )
        items: list[dict[str, Any]] = response.json()["items"]
        return items


@pytest.fixture
def world(api: ApiClient) -> World:
    event_id = api.create_event("2037 浦东投资促进大会", date=COMING_DAY, place="浦东")
    set_up = api.client.put(f"/v1/events/{event_id}/programme", json=PROGRAMME, headers=api.admin)
    assert set_up.status_code == 200, set_up.text
    investor = api.create_account("investor", "高瓴资本")
    startup = api.create_account("startup", "阶跃星辰")
    mandate = api.create_investor(investor, name="高瓴资本 AI 基金")["id"]
    request = api.create_request(
        startup, company="阶跃星辰", title="基础大模型C轮融资", event_id=event_id
    )["id"]
    api.publish(request)
    return World(
        api,
        event_id,
        investor,
        startup,
        mandate,
        request,
        _browser(api, investor),
        _browser(api, startup),
    )


def _ask_from_matches(world: World) -> str:
    matches = world.investor_browser.get(
        f"/investor/mandates/{world.mandate}/matches", event_id=world.event_id
    )
    assert "在会上约见" in matches.text
    # The form posts with the page's filters, to come back to the page as it was filtered.
    filters = f"event_id={world.event_id}"
    action = f"/investor/mandates/{world.mandate}/meetings/{world.request}?{filters}"
    assert f'action="{action}"' in matches.text
    asked = world.investor_browser.post(action, {})
    assert asked.status_code == 303, asked.text
    back = f"/investor/mandates/{world.mandate}/matches?{filters}&done=meeting_requested"
    assert asked.headers["location"] == f"{back}&answered={world.request}#request-{world.request}"
    # The page opens at the request, and says there (not at the top) that the ask was sent.
    landed = world.investor_browser.follow(asked).text
    card = landed.split(f'id="request-{world.request}"')[1].split("</article>")[0]
    assert "会面请求已发出，等待对方答复。" in card
    (meeting,) = world.meetings()
    assert (meeting["requested_by"], meeting["status"]) == ("investor", "pending")
    again = world.investor_browser.get(f"/investor/mandates/{world.mandate}/matches")
    assert "在会上约见" not in again.text
    assert "在2037 浦东投资促进大会的会面：等待对方答复" in again.text
    meeting_id: str = meeting["id"]
    return meeting_id


def test_an_investor_asks_and_the_startup_agrees(world: World) -> None:
    meeting_id = _ask_from_matches(world)
    page = world.startup_browser.get("/startup/meetings")
    assert page.status_code == 200
    assert "待您答复 (1)" in page.text
    assert "高瓴资本 AI 基金" in page.text
    agreed = world.startup_browser.post(
        f"/startup/meetings/{meeting_id}/answer", {"answer": "accepted"}
    )
    assert agreed.headers["location"] == f"/startup/meetings?done=confirmed#meeting-{meeting_id}"
    assert world.meeting(meeting_id)["status"] == "accepted"
    confirmed = world.startup_browser.get("/startup/meetings", done="confirmed")
    assert "会面已确认" in confirmed.text
    assert "如尚未勾选可会面时段，请勾选" in confirmed.text  # what to do next
    assert "尚未排定" in confirmed.text


def test_declining_without_a_reason_asks_for_it_beside_the_field(world: World) -> None:
    meeting_id = _ask_from_matches(world)
    bare = world.startup_browser.post(
        f"/startup/meetings/{meeting_id}/answer", {"answer": "declined", "reason": "  "}
    )
    assert bare.status_code == 422
    assert dict(ERROR.findall(bare.text)) == {
        f"decline-{meeting_id}": "请说明谢绝的原因：对方会看到。"
    }
    field = f'id="decline-{meeting_id}" name="reason" maxlength="500" value=""'
    assert f'{field} aria-invalid="true"' in bare.text
    assert world.meeting(meeting_id)["status"] == "pending"
    declined = world.startup_browser.post(
        f"/startup/meetings/{meeting_id}/answer", {"answer": "declined", "reason": "只接受战略投资"}
    )
    assert declined.status_code == 303
    stored = world.meeting(meeting_id)
    assert (stored["status"], stored["reason"]) == ("declined", "只接受战略投资")
    investor_page = world.investor_browser.get("/investor/meetings")
    assert "只接受战略投资" in investor_page.text
    assert "已谢绝" in investor_page.text
    # The declined investor is offered no way to press again.
    assert "改为同意会面" not in investor_page.text


def test_the_startup_that_declined_may_still_agree(world: World) -> None:
    meeting_id = _ask_from_matches(world)
    world.startup_browser.post(
        f"/startup/meetings/{meeting_id}/answer", {"answer": "declined", "reason": "点错了"}
    )
    page = world.startup_browser.get("/startup/meetings")
    assert "您已谢绝这次会面。如系误操作或改变了主意，仍可改为同意。" in page.text
    assert 'name="answer" value="accepted">改为同意会面</button>' in page.text

    agreed = world.startup_browser.post(
        f"/startup/meetings/{meeting_id}/answer", {"answer": "accepted"}
    )

    assert agreed.headers["location"] == f"/startup/meetings?done=confirmed#meeting-{meeting_id}"
    stored = world.meeting(meeting_id)
    assert (stored["status"], stored["reason"]) == ("accepted", None)
    assert "改为同意会面" not in world.startup_browser.get("/startup/meetings").text


def test_either_side_calls_a_meeting_off_with_a_reason(world: World) -> None:
    meeting_id = _ask_from_matches(world)
    world.startup_browser.post(f"/startup/meetings/{meeting_id}/answer", {"answer": "accepted"})
    bare = world.investor_browser.post(f"/investor/meetings/{meeting_id}/cancel", {"reason": ""})
    assert dict(ERROR.findall(bare.text)) == {
        f"cancel-{meeting_id}": "请说明取消的原因：对方会看到。"
    }
    # The cursor waits in the field: the page reloads at its top, the card may be far below.
    field = re.search(rf'<input id="cancel-{meeting_id}"[^>]*>', bare.text)
    assert field is not None
    assert " autofocus" in field.group(0)
    assert bare.text.count(" autofocus") == 1
    assert world.meeting(meeting_id)["status"] == "accepted"
    cancelled = world.investor_browser.post(
        f"/investor/meetings/{meeting_id}/cancel", {"reason": "合伙人无法出差"}
    )
    assert cancelled.status_code == 303
    assert world.meeting(meeting_id)["status"] == "cancelled"
    again = world.startup_browser.post(
        f"/startup/meetings/{meeting_id}/cancel", {"reason": "再次取消"}
    )
    assert again.headers["location"] == "/startup/meetings?problem=changed"


def test_a_startup_asks_an_investor_that_showed_interest(world: World) -> None:
    before = world.startup_browser.get("/startup/meetings")
    assert 'name="investor_profile_id"' not in before.text
    world.investor_browser.post(
        f"/investor/mandates/{world.mandate}/feedback/{world.request}", {"action": "interested"}
    )
    page = world.startup_browser.get("/startup/meetings")
    assert 'name="investor_profile_id" value="' + world.mandate + '"' in page.text
    asked = world.startup_browser.post(
        f"/startup/requests/{world.request}/meetings", {"investor_profile_id": world.mandate}
    )
    assert asked.headers["location"] == "/startup/meetings?done=requested"
    (meeting,) = world.meetings()
    assert (meeting["requested_by"], meeting["investor_answer"]) == ("startup", "pending")
    investor_page = world.investor_browser.get("/investor/meetings")
    assert "待您答复 (1)" in investor_page.text
    # An investor that showed no interest cannot be asked (not found, as in the API).
    other = world.api.create_investor(world.api.create_account("investor"), name="Other")["id"]
    refused = world.startup_browser.post(
        f"/startup/requests/{world.request}/meetings", {"investor_profile_id": other}
    )
    assert refused.status_code == 404


def test_a_firms_other_fund_is_told_the_firm_meets_the_company_already(world: World) -> None:
    """A firm meets a company once per event: its second fund's ask, and the startup's
    invitation to that fund, are refused with what to do, and nothing is written."""
    _ask_from_matches(world)
    second = world.api.create_investor(world.investor, name="高瓴资本美元基金")["id"]
    # The second fund's card says where the firm stands, with no button to ask again.
    card = world.investor_browser.get(f"/investor/mandates/{second}/matches").text
    assert "贵机构经“高瓴资本 AI 基金”在2037 浦东投资促进大会的会面：待" in card
    assert f"/investor/mandates/{second}/meetings/{world.request}" not in card
    asked = world.investor_browser.post(f"/investor/mandates/{second}/meetings/{world.request}", {})
    assert "problem=firm_exists" in asked.headers["location"]
    landed = world.investor_browser.follow(asked).text
    assert "贵机构旗下另一项投资要求在本次活动中已与该企业有会面" in landed
    world.investor_browser.post(
        f"/investor/mandates/{second}/feedback/{world.request}", {"action": "interested"}
    )
    # The startup is not offered the firm's other fund while the first one's meeting stands...
    offered = world.startup_browser.get("/startup/meetings").text
    assert f'name="investor_profile_id" value="{second}"' not in offered
    # ...and asking it anyway is refused, with why.
    invited = world.startup_browser.post(
        f"/startup/requests/{world.request}/meetings", {"investor_profile_id": second}
    )
    assert invited.headers["location"] == "/startup/meetings?problem=their_firm_exists"
    told = world.startup_browser.follow(invited).text
    assert "该投资方所属机构旗下另一项投资要求在本次活动中已与您有会面" in told
    assert len(world.meetings()) == 1
    # The startup declines the first fund; the second asks; the first's card no longer
    # offers to agree after all (it would be refused), and says why.
    (first,) = world.meetings()
    world.startup_browser.post(
        f"/startup/meetings/{first['id']}/answer", {"answer": "declined", "reason": "日程已满"}
    )
    second_ask = world.investor_browser.post(
        f"/investor/mandates/{second}/meetings/{world.request}", {}
    )
    assert "done=meeting_requested" in second_ask.headers["location"]
    page = world.startup_browser.get("/startup/meetings").text
    card = page.split(f'id="meeting-{first["id"]}"')[1].split("</article>")[0]
    assert "以那次会面为准" in card
    assert 'value="accepted"' not in card
    # Each fund's card names its firm, which keeps two funds now: the refusal is traceable.
    assert '<span class="muted firm"> · 高瓴资本</span>' in card


def test_availability_is_ticked_per_slot_in_local_time(world: World) -> None:
    path = f"/investor/events/{world.event_id}/availability"
    page = world.investor_browser.get(path)
    assert page.status_code == 200
    assert "2037年11月5日星期四" in page.text
    assert "09:00–09:30" in page.text
    assert "09:30–10:00" in page.text
    assert page.text.count(" checked>") == 2  # free throughout until said
    slot_ids = re.findall(r'name="slot_ids" value="([^"]+)"', page.text)
    saved = world.investor_browser.post(path, {"slot_ids": [slot_ids[1]]})
    assert saved.headers["location"] == f"{path}?done=availability"
    stored = world.api.client.get(
        f"/v1/events/{world.event_id}/availability", headers=world.investor.headers
    ).json()
    assert stored["slot_ids"] == [slot_ids[1]]
    again = world.investor_browser.get(path)
    assert again.text.count(" checked>") == 1
    forged = world.investor_browser.post(path, {"slot_ids": ["not-a-slot"]})
    assert dict(ERROR.findall(forged.text)) == {"slot_ids": "请从本活动的时段中选择。"}
    unknown = world.investor_browser.get("/investor/events/no-such-event/availability")
    assert unknown.status_code == 404
    # No slot at all is saved, and said to keep every meeting out of the schedule.
    none = world.investor_browser.post(path, {})
    assert none.headers["location"] == f"{path}?done=availability_none"
    warned = world.investor_browser.get(path, done="availability_none").text
    assert "您没有任何空闲时段" in warned
    # As a caution, not as the plain "saved" of the slots kept above.
    assert re.search(r'<p class="conflict" role="status">已保存：您没有任何空闲时段', warned)
    assert '<p class="notice"' not in warned


def test_another_accounts_meeting_is_not_found(world: World, api: ApiClient) -> None:
    meeting_id = _ask_from_matches(world)
    stranger = _browser(api, api.create_account("startup", "别家企业"))
    answered = stranger.post(f"/startup/meetings/{meeting_id}/answer", {"answer": "accepted"})
    assert answered.status_code == 404
    assert stranger.post(f"/startup/meetings/{meeting_id}/cancel", {"reason": "x"}).status_code == (
        404
    )
    assert meeting_id not in stranger.get("/startup/meetings").text
    other_investor = _browser(api, api.create_account("investor", "别家基金"))
    assert (
        other_investor.post(f"/investor/meetings/{meeting_id}/cancel", {"reason": "x"}).status_code
        == 404
    )
    assert world.meeting(meeting_id)["status"] == "pending"
    # Another role's pages are refused.
    assert world.investor_browser.get("/startup/meetings").status_code == 403
    assert world.startup_browser.get("/investor/agenda").status_code == 403
    assert world.startup_browser.get(
        f"/commission/events/{world.event_id}/schedule"
    ).status_code == (403)


def _commission(api: ApiClient) -> Browser:
    return _browser(api, api.create_account("commission", "上海市商务委员会"))


# A programme the form takes: one day of the test event, one hour of meetings.
ONE_DAY = {
    "first_day": "2037-11-05",
    "days": "1",
    "hours": "09:00-10:00",
    "minutes": "30",
    "tables": "3",
    "cap": "",
    "time_zone": "Asia/Shanghai",
}


def test_the_programme_form_names_each_problem_and_writes_nothing(
    world: World, api: ApiClient
) -> None:
    commission = _commission(api)
    path = f"/commission/events/{world.event_id}/programme"
    page = commission.get(path)
    assert page.status_code == 200
    assert 'value="09:00-10:00"' in page.text  # the programme now, as periods
    bad = commission.post(
        path,
        {
            **ONE_DAY,
            "first_day": "",
            "days": "2",
            "hours": "9点到12点",
            "tables": "0",
            "time_zone": "Mars/Olympus",
        },
    )
    assert bad.status_code == 422
    assert dict(ERROR.findall(bad.text)) == {
        "first_day": "请选择会面的第一天。",
        "hours": "请按“开始-结束”填写时间段，多个时间段用逗号分隔，例如 09:00-12:00, 14:00-17:30。",
        "tables": "请填写1至1000之间的整数。",
        "time_zone": "请填写城市（如 上海）或时区（如 Asia/Shanghai）。",
    }
    assert 'value="9点到12点"' in bad.text  # what was typed is kept
    overlapping = commission.post(path, {**ONE_DAY, "hours": "09:00-11:00, 10:00-12:00"})
    assert dict(ERROR.findall(overlapping.text)) == {"hours": "时间段有重叠。"}
    backwards = commission.post(path, {**ONE_DAY, "hours": "09:00-11:00, 14:00-12:00"})
    assert dict(ERROR.findall(backwards.text)) == {
        "hours": "时间段 14:00-12:00 的结束时间早于开始时间：请先写较早的时间。"
    }
    # A first day already past: meetings are planned, not recorded.
    past = commission.post(path, {**ONE_DAY, "first_day": "2020-01-01"})
    assert dict(ERROR.findall(past.text)) == {
        "first_day": "请选择今天或之后的日期：会面需提前安排。"
    }
    # The day before the event's own date: a slip of the calendar, refused beside the day.
    early = commission.post(path, {**ONE_DAY, "first_day": "2037-11-04", "days": "2"})
    assert dict(ERROR.findall(early.text)) == {
        "first_day": "本活动在2037年11月5日星期四举行：会面日不能早于这一天。"
    }
    # A day long after the event's date is as much a slip as a day before it.
    late = commission.post(path, {**ONE_DAY, "first_day": "2038-06-01"})
    assert dict(ERROR.findall(late.text)) == {
        "first_day": "本活动在2037年11月5日星期四举行：会面日须在当天或其后13天之内"
        "（最晚为2037年11月18日星期三）。"
    }
    # A first day in time but too many days: said beside the number of days.
    long_run = commission.post(path, {**ONE_DAY, "first_day": "2037-11-15", "days": "14"})
    assert set(dict(ERROR.findall(long_run.text))) == {"days"}
    # A period typed twice overlaps itself: said so, not as too many slots a day.
    twice = commission.post(
        path,
        {
            "first_day": "2037-11-05",
            "days": "1",
            "hours": ", ".join(["09:00-10:00"] * 30),
            "minutes": "30",
            "tables": "3",
            "cap": "",
            "time_zone": "Asia/Shanghai",
        },
    )
    assert dict(ERROR.findall(twice.text)) == {"hours": "时间段有重叠。"}
    # Meetings last whole fives of minutes, as the field steps.
    odd = commission.post(path, {**ONE_DAY, "minutes": "7"})
    assert dict(ERROR.findall(odd.text)) == {"minutes": "每场会面时长为5至240分钟，且为5的倍数。"}
    # Five-minute meetings over a long day are too many slots: said beside the length.
    too_fine = commission.post(path, {**ONE_DAY, "hours": "09:00-17:00", "minutes": "5"})
    assert dict(ERROR.findall(too_fine.text)) == {
        "minutes": "每场会面 5 分钟，每天会有 96 个时段，最多只能 48 个。"
        "请加长每场会面的时间，或缩短时段。"
    }
    empty_period = commission.post(path, {**ONE_DAY, "hours": "12:00-12:00"})
    assert dict(ERROR.findall(empty_period.text))["hours"].startswith("请按“开始-结束”填写时间段")
    stored = api.client.get(f"/v1/events/{world.event_id}/programme", headers=api.admin).json()
    assert (len(stored["slots"]), stored["tables"]) == (2, 2)  # nothing written

    saved = commission.post(
        path, {**ONE_DAY, "days": "2", "hours": "09:00-10:00，14:00至15:00", "cap": "5"}
    )
    assert saved.headers["location"] == f"{path}?done=programme"
    stored = api.client.get(f"/v1/events/{world.event_id}/programme", headers=api.admin).json()
    assert [s["local_start"][5:16] for s in stored["slots"]] == [
        "11-05T09:00",
        "11-05T09:30",
        "11-05T14:00",
        "11-05T14:30",
        "11-06T09:00",
        "11-06T09:30",
        "11-06T14:00",
        "11-06T14:30",
    ]
    assert (stored["tables"], stored["investor_meeting_cap"]) == (3, 5)
    again = commission.get(path, done="programme")
    assert 'value="09:00-10:00, 14:00-15:00"' in again.text
    assert "2037年11月6日星期五" in again.text
    assert "本表单无法完整显示" not in again.text
    assert 'id="programme-unfilled"' not in again.text  # every period filled to its end
    # A period that meetings do not fill to its end is saved as they fill it, and said so
    # (the form shows 14:00-17:00 afterwards: it would otherwise change without a word).
    cut = commission.post(
        path, {**ONE_DAY, "hours": "09:00-12:00, 14:00-17:30", "minutes": "45", "cap": "5"}
    )
    assert cut.status_code == 303, cut.text
    shown = commission.follow(cut).text
    assert "按每场会面时长，14:00-17:30 只能排到 17:00，之后的时间不安排会面。" in shown
    assert "09:00-12:00 只能" not in shown  # four meetings of 45 minutes fill it
    assert 'value="09:00-12:00, 14:00-17:00"' in shown
    # Only what a save said: not without it, nor times no save can have written.
    forged = commission.get(path, unfilled="00:00-99:99~12:34", done="programme").text
    assert 'id="programme-unfilled"' not in forged
    assert 'id="programme-unfilled"' not in commission.get(path, unfilled="14:00-17:30~17:00").text
    # Days the form cannot show (set through the API) are said before they are replaced.
    gapped = api.client.put(
        f"/v1/events/{world.event_id}/programme",
        json={**PROGRAMME, "days": ["2037-11-05", "2037-11-07"]},
        headers=api.admin,
    )
    assert gapped.status_code == 200, gapped.text
    assert "本表单无法完整显示" in commission.get(path).text


def test_the_commission_proposes_filters_and_calls_off_meetings(
    world: World, api: ApiClient
) -> None:
    commission = _commission(api)
    path = f"/commission/events/{world.event_id}/meetings"
    empty = commission.post(path, {"financing_request_id": "", "investor_profile_id": ""})
    assert dict(ERROR.findall(empty.text)) == {
        "financing_request_id": "请从列表中选择。",
        "investor_profile_id": "请从列表中选择。",
    }
    page = commission.get(path)
    assert f'<option value="{world.request}">阶跃星辰 · 基础大模型C轮融资</option>' in page.text
    proposed = commission.post(
        path, {"financing_request_id": world.request, "investor_profile_id": world.mandate}
    )
    assert proposed.headers["location"] == f"{path}?done=proposed"
    twice = commission.post(
        path, {"financing_request_id": world.request, "investor_profile_id": world.mandate}
    )
    assert dict(ERROR.findall(twice.text)) == {
        "investor_profile_id": (
            "这对双方已在本活动中约见过（待答复）；同一对双方在一个活动中只约见一次。"
        )
    }
    (meeting,) = world.meetings()
    assert meeting["requested_by"] == "commission"
    pending = commission.get(path, status="pending")
    assert f'id="meeting-{meeting["id"]}"' in pending.text
    assert "商务委推荐" in pending.text
    assert f'id="meeting-{meeting["id"]}"' not in commission.get(path, status="accepted").text
    # Both sides see the proposal waiting for their answer.
    assert "待您答复 (1)" in world.investor_browser.get("/investor/meetings").text
    assert "待您答复 (1)" in world.startup_browser.get("/startup/meetings").text

    cancel = f"{path}/{meeting['id']}/cancel"
    bare = commission.post(cancel, {"reason": ""})
    assert dict(ERROR.findall(bare.text)) == {
        f"cancel-{meeting['id']}": "请说明原因：双方都会看到。"
    }
    # The page's other forms keep their defaults after this one's error.
    assert 'name="coverage_k" type="number" min="1" max="20" value="3"' in bare.text
    assert 'name="min_score" type="number" min="0" max="1" step="0.05" value="0.6"' in bare.text
    assert commission.post(cancel, {"reason": "企业已完成本轮融资"}).status_code == 303
    assert world.meeting(meeting["id"])["status"] == "cancelled"
    other_event = api.create_event("另一场活动", date=COMING_DAY)
    elsewhere = commission.post(
        f"/commission/events/{other_event}/meetings/{meeting['id']}/cancel", {"reason": "x"}
    )
    assert elsewhere.status_code == 404


def test_a_pair_proposed_outside_the_mandate_reads_as_no_match(
    world: World, api: ApiClient
) -> None:
    commission = _commission(api)
    owner = api.create_account("investor", "阿斯利康")
    outside = api.create_investor(
        owner,
        name="阿斯利康中国投资基金",
        sectors=["life_science"],
        thesis="创新药与医疗器械",
        regions=[],
    )["id"]
    path = f"/commission/events/{world.event_id}/meetings"
    commission.post(path, {"financing_request_id": world.request, "investor_profile_id": outside})
    listed = commission.get(path).text
    row = listed.split("阿斯利康中国投资基金", 1)[1].split("</td>", 1)[0]
    assert "超出投资要求范围，不属于匹配" in row
    # The investor's own card says it too.
    owner_browser = _browser(api, owner)
    assert "超出投资要求范围，不属于匹配" in owner_browser.get("/investor/meetings").text


def test_the_request_page_says_each_ranked_investors_answer_and_meeting(
    world: World, api: ApiClient
) -> None:
    """The officer's walk read bare scores on a request's page, and its meetings only on the
    startup's pages."""
    commission = _commission(api)
    page = commission.get(f"/commission/requests/{world.request}").text
    card = page.split("高瓴资本 AI 基金</h3>", 1)[1].split("</article>", 1)[0]
    assert "匹配度 " in card
    assert "对方答复" not in card
    answered = api.client.put(
        f"/v1/investors/{world.mandate}/feedback/{world.request}",
        json={"action": "interested"},
        headers=world.investor.headers,
    )
    assert answered.is_success, answered.text
    commission.post(
        f"/commission/events/{world.event_id}/meetings",
        {"financing_request_id": world.request, "investor_profile_id": world.mandate},
    )
    page = commission.get(f"/commission/requests/{world.request}").text
    card = page.split("高瓴资本 AI 基金</h3>", 1)[1].split("</article>", 1)[0]
    assert "对方答复：有意向 · 会面：待答复" in card


def test_proposals_for_coverage_list_what_was_proposed_and_who_needs_outreach(
    world: World, api: ApiClient
) -> None:
    commission = _commission(api)
    path = f"/commission/events/{world.event_id}/proposals"
    bad = commission.post(path, {"coverage_k": "0", "min_score": "2"})
    assert dict(ERROR.findall(bad.text)) == {
        "coverage_k": "请填写1至20之间的整数。",
        "min_score": "请填写0至1之间的匹配度，例如 0.6。",
    }
    assert world.meetings() == []
    # Empty boxes are asked for again, not read as some other default (0.5 before).
    blank = commission.post(path, {"coverage_k": "", "min_score": ""})
    assert set(dict(ERROR.findall(blank.text))) == {"coverage_k", "min_score"}
    assert world.meetings() == []
    made = commission.post(path, {"coverage_k": "2", "min_score": "0"})
    assert made.status_code == 200
    proposed = world.meetings()
    assert [m["investor_profile_id"] for m in proposed] == [world.mandate]
    assert "已推荐1场会面" in made.text
    assert "高瓴资本 AI 基金" in made.text
    # One mandate in all: the request stays below two meetings, an outreach target.
    assert "仍未达到目标：需人工对接" in made.text
    # Each target by company and request: a company may present several.
    assert "<strong>阶跃星辰</strong>" in made.text
    assert f'href="/commission/requests/{world.request}">基础大模型C轮融资</a>' in made.text
    assert "1 / 2" in made.text
    # Reloaded or bookmarked, the result's address leads to the meetings page (it was 405).
    again = commission.get(path)
    assert again.status_code == 303
    assert again.headers["location"] == f"/commission/events/{world.event_id}/meetings"
    assert len(world.meetings()) == 1  # nothing proposed by reading it


def _confirmed(world: World, investor: Account, mandate: str) -> str:
    asked = world.api.client.post(
        f"/v1/events/{world.event_id}/meetings",
        json={"financing_request_id": world.request, "investor_profile_id": mandate},
        headers=investor.headers,
    )
    assert asked.status_code == 201, asked.text
    meeting_id: str = asked.json()["id"]
    answered = world.api.client.post(
        f"/v1/meetings/{meeting_id}/answer",
        json={"answer": "accepted"},
        headers=world.startup.headers,
    )
    assert answered.json()["status"] == "accepted"
    return meeting_id


def test_the_schedule_is_solved_and_read_with_the_table_plan_and_agendas(
    world: World, api: ApiClient
) -> None:
    commission = _commission(api)
    path = f"/commission/events/{world.event_id}/schedule"
    empty = commission.post(path, {"coverage_k": "1", "time_limit_seconds": "5"})
    assert empty.status_code == 409  # the event's state refuses it, as the API says
    assert "还没有已确认的会面" in empty.text
    # The startup can meet only at 09:30; two investors want to meet it.
    slots = api.client.get(f"/v1/events/{world.event_id}/programme", headers=api.admin).json()
    world.startup_browser.post(
        f"/startup/events/{world.event_id}/availability",
        {"slot_ids": [slots["slots"][1]["id"]]},
    )
    first = _confirmed(world, world.investor, world.mandate)
    other = api.create_account("investor", "启明创投")
    second = _confirmed(world, other, api.create_investor(other, name="启明创投 早期基金")["id"])
    # A request presented here that nobody has asked to meet.
    unmet = api.create_account("startup", "黑湖科技")
    unmet_id = api.create_request(unmet, company="黑湖科技", event_id=world.event_id)["id"]
    api.publish(unmet_id)
    bad = commission.post(path, {"coverage_k": "0", "time_limit_seconds": "999"})
    assert dict(ERROR.findall(bad.text)) == {
        "coverage_k": "请填写1至20之间的整数。",
        "time_limit_seconds": "请填写1至120之间的秒数。",
    }
    # A solver's setting, said for an officer: what the seconds are for.
    assert 'aria-describedby="time_limit_seconds-hint time_limit_seconds-error"' in bad.text
    assert (
        "系统最多用这么长时间寻找更好的排程，然后采用找到的最佳方案。大多数会议 30 秒即可。"
        in bad.text
    )
    solved = commission.post(path, {"coverage_k": "1", "time_limit_seconds": "5"})
    assert solved.headers["location"] == f"{path}?done=solved"
    # The programme can only grow now: the form says so, refuses a table fewer and takes
    # one more (the walk could not add a table for the meetings a schedule left out).
    programme_path = f"/commission/events/{world.event_id}/programme"
    grown_only = commission.get(programme_path).text
    assert '<fieldset class="plain" disabled>' not in grown_only
    assert "时段、桌数和会面上限现在只能增加、不能减少" in grown_only
    typed = {
        name: re.search(rf'name="{name}"[^>]* value="([^"]*)"', grown_only)
        for name in ("first_day", "days", "hours", "minutes", "tables", "cap")
    }
    values = {name: found.group(1) if found else "" for name, found in typed.items()}
    values["time_zone"] = "Asia/Shanghai"
    fewer = commission.post(programme_path, {**values, "tables": "1"})
    assert fewer.status_code == 422
    assert "本活动已生成日程方案，未作任何保存。" in fewer.text
    assert "未保存任何内容" not in fewer.text  # said once, not again over the fields
    # Each field the schedule keeps is marked with what it must keep.
    assert dict(ERROR.findall(fewer.text)) == {
        "tables": "已生成日程方案：桌数只能增加，请填写 2 或更多。"
    }
    shrunk = commission.post(
        programme_path, {**values, "hours": "09:00-09:30", "time_zone": "Europe/London"}
    )
    assert values["cap"] == "4"  # the world's programme caps each investor at 4
    capped = commission.post(programme_path, {**values, "cap": "1"})
    assert dict(ERROR.findall(capped.text)) == {
        "cap": "已生成日程方案：会面上限只能提高，请填写 4 或更多，或留空表示不设上限。"
    }
    # Only the zone changed: that is the one field marked (the slots typed are those kept).
    moved = commission.post(programme_path, {**values, "time_zone": "Europe/London"})
    assert dict(ERROR.findall(moved.text)) == {
        "time_zone": "已生成日程方案：会场时区须保持为北京时间。"
    }
    marked = dict(ERROR.findall(shrunk.text))
    assert set(marked) == {"hours", "time_zone"}, marked
    assert marked["time_zone"] == "已生成日程方案：会场时区须保持为北京时间。"
    assert marked["hours"].startswith(
        f"已生成日程方案：原有时段须全部保留（{values['hours']}，每场 30 分钟，"
        "自2037年11月5日星期四起共"
    ), marked
    page = commission.get(path, done="solved")
    assert "日程方案已生成" in page.text
    assert "最佳方案：已确认没有更好的排法" in page.text
    assert "作为对照：若只按匹配度从高到低依次排，能达到1个。" in page.text
    assert "最多相差" not in page.text  # a proven best has no gap to speak of
    assert "在双方都有空且有空桌的时段里，其中一方已有其他会面。" in page.text
    assert "这是本活动的第一版日程方案。" in page.text
    # Who said they can meet when: the startup only at 09:30, the investors never said.
    free = page.text.split("各方可会面的时段", 1)[1].split("</table>", 1)[0]
    rows = dict(
        re.findall(r'<th scope="row">([^<]+) <span[^>]*>[^<]*</span></th>\s*<td>(.*?)</td>', free)
    )
    assert rows["启明创投"] == '<span class="muted">全部时段（尚未说明）</span>'
    assert rows["阶跃星辰"].endswith(" 09:30"), rows
    # The outreach list names the request nobody asked to meet (the solver never saw it);
    # 阶跃星辰, seated once, reaches k = 1 and is not on it.
    outreach = page.text.split("会面不足1场的项目")[1].split("各方可会面的时段")[0]
    assert "(1)" in outreach.split("</h2>")[0]
    assert f'href="/commission/requests/{unmet_id}">黑湖科技</a>' in outreach
    assert "<td>0 / 1</td>" in outreach
    assert "阶跃星辰" not in outreach

    plan = commission.get(f"/commission/events/{world.event_id}/table-plan")
    assert plan.status_code == 200
    assert "09:30–10:00" in plan.text
    assert "1号桌" in plan.text
    assert plan.text.count("<strong>阶跃星辰</strong>") == 1
    # Two tables fit a phone: no hint to swipe (three or more get one, on phones only).
    assert "左右滑动桌位表" not in plan.text
    for output_format in ("pdf", "xlsx", "html"):
        link = f"/v1/events/{world.event_id}/table-plan?format={output_format}"
        assert link in plan.text
    assert "PDF 在您点击时排版生成，需要几秒钟才会开始下载。" in plan.text  # not a frozen click
    download = commission.get(f"/v1/events/{world.event_id}/table-plan", format="xlsx")
    assert download.status_code == 200  # the page's link works with the browser's session

    (placed,) = [m for m in world.meetings() if m["seat"] is not None]
    assert placed["id"] in {first, second}
    agenda = world.startup_browser.get("/startup/agenda")
    assert "09:30–10:00" in agenda.text
    assert f"/v1/events/{world.event_id}/agenda?format=ics" in agenda.text
    ics = world.startup_browser.get(f"/v1/events/{world.event_id}/agenda", format="ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert b"DTSTART;TZID=Asia/Shanghai:20371105T093000" in ics.content
    assert ics.headers["content-disposition"] == (
        f'attachment; filename="agenda-2037-11-05-{world.event_id[:8]}.ics"'
        f"; filename*=UTF-8''{quote('我的日程-2037-11-05.ics')}"
    )
    # In the reader's language, as the page that links it.
    described = icalendar.Calendar.from_ical(ics.content)
    (meeting,) = described.walk("VEVENT")
    assert str(meeting["location"]).endswith("号桌")
    assert "会面。" in str(meeting["description"])
    assert " meets " not in str(meeting["description"])
    not_free = "您之后已表示此时段没空：在商务委调整之前，会面仍排在这里。"
    assert not_free not in agenda.text
    # The startup now says it is free only at 09:00: its 09:30 meeting stands, flagged.
    world.startup_browser.post(
        f"/startup/events/{world.event_id}/availability",
        {"slot_ids": [slots["slots"][0]["id"]]},
    )
    assert not_free in world.startup_browser.get("/startup/agenda").text
    world.startup_browser.post(
        f"/startup/events/{world.event_id}/availability",
        {"slot_ids": [slots["slots"][1]["id"]]},
    )
    assert not_free not in world.startup_browser.get("/startup/agenda").text
    other_browser = _browser(api, other)
    placed_investor, left_investor = (
        (world.investor_browser, other_browser)
        if placed["id"] == first
        else (other_browser, world.investor_browser)
    )
    mine = placed_investor.get("/investor/meetings")
    assert "11月5日 09:30–10:00 · 1号桌" in mine.text
    assert "09:30–10:00" in placed_investor.get("/investor/agenda").text
    left = left_investor.get("/investor/meetings")
    assert "暂未排入当前日程方案：商务委正在协调时间，确定后会通知您。" in left.text
    assert "日程方案中没有您的会面。" in left_investor.get("/investor/agenda").text
    listed = commission.get(f"/commission/events/{world.event_id}/meetings")
    assert "未能排入日程" in listed.text

    # Solving again, asked to keep everyone's seat: the placed meeting keeps its seat.
    assert "保留所有人的桌位" in page.text
    again = commission.post(
        path, {"coverage_k": "1", "time_limit_seconds": "5", "keep_seats": "on"}
    )
    assert again.headers["location"] == f"{path}?done=solved"
    (still,) = [m for m in world.meetings() if m["seat"] is not None]
    assert (still["id"], still["seat"]) == (placed["id"], placed["seat"])

    # Two confirmed meetings, one seated: the page says so, and nothing is out of date.
    current = commission.get(path).text
    assert "已确认的会面：2 场；当前日程方案中尚无时间和桌位的：1 场。" in current
    assert 'id="schedule-stale"' not in current
    # The startup then says it is free only at another time: the commission is told the
    # current schedule seats a meeting when a side is no longer free.
    world.startup_browser.post(
        f"/startup/events/{world.event_id}/availability",
        {"slot_ids": [slots["slots"][0]["id"]]},
    )
    stale = commission.get(path).text
    assert 'id="schedule-stale"' in stale
    # The investor whose seat is in question is told before the commission solves again.
    in_question = "有一方已表示这一时段没空：商务委会调整这场会面，届时通知您。"
    assert in_question in placed_investor.get("/investor/meetings").text
    assert "当前日程方案已过时（排在一方已表示没空时段的会面 1 场）。" in stale
    assert "0 场" not in stale  # only what holds is named
    # The table plan says it too, on the page and on what is printed from it.
    plan_path = f"/commission/events/{world.event_id}/table-plan"
    plan_page = commission.get(plan_path).text
    assert 'id="plan-stale"' in plan_page
    assert "勾选“保留所有人的桌位”，只调整这些会面" in plan_page  # nobody else moves
    assert f'id="stale-{world.event_id}">已过时' in commission.get("/commission/conference").text
    plan_api = f"/v1/events/{world.event_id}/table-plan"
    printed = commission.get(plan_api, format="html").text
    assert "当前日程方案已过时（排在一方已表示没空时段的会面 1 场）。" in printed
    warning = (
        "当前日程方案已过时（排在一方已表示没空时段的会面 1 场）。"
        "分发此桌位表前，请重新生成日程方案（保留所有人的桌位，只调整这些会面）。"
    )
    assert warning in printed
    workbook = openpyxl.load_workbook(io.BytesIO(commission.get(plan_api, format="xlsx").content))
    about = {row[0]: row[1] for row in workbook["说明"].iter_rows(values_only=True)}
    assert about["警告"] == warning
    # On every printed page of the sheet people print first.
    printed_header = workbook.worksheets[0].oddHeader
    assert printed_header is not None
    assert printed_header.center.text == warning
    stale_plan = api.client.get(plan_api, headers=api.admin).json()
    assert (stale_plan["out_of_date"], stale_plan["no_longer_free"]) == (True, 1)
    commission.post(path, {"coverage_k": "1", "time_limit_seconds": "5", "keep_seats": "on"})
    assert 'id="schedule-stale"' not in commission.get(path).text
    assert 'id="plan-stale"' not in commission.get(plan_path).text
    assert f'id="stale-{world.event_id}"' not in commission.get("/commission/conference").text
    assert "当前日程方案已过时" not in commission.get(plan_api, format="html").text
    assert api.client.get(plan_api, headers=api.admin).json()["out_of_date"] is False
    assert in_question not in placed_investor.get("/investor/meetings").text
    # A seated meeting called off: the schedule still holds its seat, and says so.
    (seated,) = [m for m in world.meetings() if m["seat"] is not None]
    cancelled = api.client.post(
        f"/v1/meetings/{seated['id']}/cancel",
        json={"reason": "行程冲突"},
        headers={**api.admin, **api.if_match(f"/v1/meetings/{seated['id']}")},
    )
    assert cancelled.status_code == 200, cancelled.text
    assert "当前日程方案已过时（已排桌位但不再确认的会面 1 场）。" in commission.get(path).text
    # The table plan already shows that seat free: it is right as it stands, and says nothing.
    assert 'id="plan-stale"' not in commission.get(plan_path).text
    assert "当前日程方案已过时" not in commission.get(plan_api, format="html").text
    called_off_plan = api.client.get(plan_api, headers=api.admin).json()
    assert (called_off_plan["out_of_date"], called_off_plan["called_off"]) == (False, 1)
    # Last, since the plan above has two tables: one more is taken.
    more = commission.post(programme_path, {**values, "tables": "3"})
    assert more.status_code == 303, more.text
    stored = api.client.get(f"/v1/events/{world.event_id}/programme", headers=api.admin).json()
    assert stored["tables"] == 3
    assert [slot["id"] for slot in stored["slots"]] == [slot["id"] for slot in slots["slots"]]


def test_the_commissions_pages_are_its_own(world: World, api: ApiClient) -> None:
    commission = _commission(api)
    for path in (
        "/commission/conference",
        f"/commission/events/{world.event_id}/programme",
        f"/commission/events/{world.event_id}/meetings",
        f"/commission/events/{world.event_id}/schedule",
        f"/commission/events/{world.event_id}/table-plan",
    ):
        assert commission.get(path).status_code == 200, path
        assert world.investor_browser.get(path).status_code == 403, path
        assert world.startup_browser.get(path).status_code == 403, path
    assert commission.get("/commission/events/no-such-event/schedule").status_code == 404
    overview = commission.get("/commission/conference")
    assert "2037 浦东投资促进大会" in overview.text
    assert "1天 · 每天2个时段 · 2张桌" in overview.text
    unsolved = commission.get(f"/commission/events/{world.event_id}/table-plan")
    assert "尚未生成日程方案" in unsolved.text


def test_the_pages_speak_english_when_asked(world: World) -> None:
    world.startup_browser.post("/language", {"language": "en", "next": "/startup/meetings"})
    meeting_id = _ask_from_matches(world)
    bare = world.startup_browser.post(
        f"/startup/meetings/{meeting_id}/answer", {"answer": "declined", "reason": ""}
    )
    assert dict(ERROR.findall(bare.text)) == {
        f"decline-{meeting_id}": "Say why you decline: the other side reads it."
    }
    assert "Waiting for your answer (1)" in bare.text
    availability = world.startup_browser.get(f"/startup/events/{world.event_id}/availability")
    assert "Thursday, 5 November 2037" in availability.text


def test_the_commission_opens_the_deal_of_an_accepted_meeting(world: World, api: ApiClient) -> None:
    """An accepted meeting's row opens its deal (negotiating) and leads to the deal's page,
    where the signing is recorded; then the row links to that deal and a second press opens no
    other. A meeting not accepted is refused beside its row, nothing written; only the
    commission reaches it, and only under the meeting's own event."""
    commission = _commission(api)
    path = f"/commission/events/{world.event_id}/meetings"

    def deals() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = api.client.get("/v1/outcomes", headers=api.admin).json()[
            "items"
        ]
        return items

    meeting_id = _confirmed(world, world.investor, world.mandate)
    deal_form = f'action="{path}/{meeting_id}/deal"'
    assert deal_form in commission.get(path).text
    for party in (world.investor_browser, world.startup_browser):
        assert party.post(f"{path}/{meeting_id}/deal", {}).status_code in (403, 404)
    assert deals() == []

    opened = commission.post(f"{path}/{meeting_id}/deal", {})
    assert opened.status_code == 303
    (deal,) = deals()
    assert (deal["investor_profile_id"], deal["financing_request_id"], deal["stage"]) == (
        world.mandate,
        world.request,
        "negotiating",
    )
    assert opened.headers["location"] == f"/outcomes/{deal['id']}?opened=1"
    assert "已开始跟进落地（洽谈中）" in commission.get(f"/outcomes/{deal['id']}", opened="1").text
    listed = commission.get(path).text
    assert f'href="/outcomes/{deal["id"]}">查看项目</a>' in listed
    assert deal_form not in listed
    again = commission.post(f"{path}/{meeting_id}/deal", {})
    assert again.headers["location"] == f"/outcomes/{deal['id']}"
    assert len(deals()) == 1

    other = api.create_account("investor", "红杉中国")
    other_mandate = api.create_investor(other, name="红杉中国 AI 基金")["id"]
    asked = api.client.post(
        f"/v1/events/{world.event_id}/meetings",
        json={"financing_request_id": world.request, "investor_profile_id": other_mandate},
        headers=other.headers,
    )
    assert asked.status_code == 201, asked.text
    pending_id = asked.json()["id"]
    assert f'action="{path}/{pending_id}/deal"' not in commission.get(path).text
    refused = commission.post(f"{path}/{pending_id}/deal", {})
    assert refused.headers["location"] == f"{path}?deal_problem={pending_id}"
    beside = commission.get(path, deal_problem=pending_id).text
    assert re.search(
        rf'<tr id="meeting-{pending_id}">.*?id="deal-{pending_id}-error" role="alert">'
        r"只有已确认、且融资需求仍在发布中的洽谈才能开始跟进落地。</p>",
        beside,
        flags=re.DOTALL,
    )
    assert len(deals()) == 1
    other_event = api.create_event("另一场活动", date=COMING_DAY)
    elsewhere = commission.post(f"/commission/events/{other_event}/meetings/{meeting_id}/deal", {})
    assert elsewhere.status_code == 404


def test_an_event_that_is_over_offers_nothing_more_to_ask_or_answer(
    api: ApiClient, app: FastAPI
) -> None:
    """A conference held in 2001: its request is named on the matches page without the
    button, a meeting left pending is shown as not answered in time with no answer forms,
    the startup has nobody to invite there, a stale form posted anyway is told the event is
    over, and the commission's tabs say so and offer no proposing or solving."""
    clock = Clock(dt.datetime(2001, 4, 20, tzinfo=dt.UTC)).install(app)
    event_id = api.create_event("2001 浦东投资促进大会", date="2001-05-01")
    past = {**PROGRAMME, "days": ["2001-05-01"]}
    assert api.client.put(
        f"/v1/events/{event_id}/programme", json=past, headers=api.admin
    ).is_success
    investor = api.create_account("investor", "往届资本")
    startup = api.create_account("startup", "往届科技")
    mandate = api.create_investor(investor, name="往届资本一期")["id"]
    request = api.create_request(startup, company="往届科技", event_id=event_id)["id"]
    api.publish(request)
    asked = api.client.post(
        f"/v1/events/{event_id}/meetings",
        json={"financing_request_id": request, "investor_profile_id": mandate},
        headers=investor.headers,
    )
    assert asked.status_code == 201, asked.text
    second = api.create_investor(investor, name="往届资本二期")["id"]
    interested = api.client.put(
        f"/v1/investors/{second}/feedback/{request}",
        json={"action": "interested"},
        headers=investor.headers,
    )
    assert interested.is_success, interested.text
    app.dependency_overrides.pop(current_time)  # today again: the event is over
    del clock
    investor_browser, startup_browser = _browser(api, investor), _browser(api, startup)

    matches = investor_browser.get(f"/investor/mandates/{mandate}/matches").text
    assert "2001 浦东投资促进大会" in matches
    assert "在会上约见" not in matches
    assert "在2001 浦东投资促进大会的会面：活动结束前未获答复" in matches
    mine = investor_browser.get("/investor/meetings").text
    assert "活动结束前未获答复" in mine
    assert "同意会面" not in mine
    assert "/cancel" not in mine
    theirs = startup_browser.get("/startup/meetings").text
    assert "活动结束前未获答复" in theirs
    assert "同意会面" not in theirs
    assert "往届资本二期" not in theirs  # nobody to invite at an event held
    stale = investor_browser.post(f"/investor/mandates/{mandate}/meetings/{request}", {})
    assert "problem=over" in stale.headers["location"]
    assert "该活动已结束" in investor_browser.follow(stale).text
    office = commission_browser(api)
    index = office.get("/commission/conference").text
    assert (
        '2001 浦东投资促进大会</strong> <span class="status status-cancelled">已结束</span>'
        in index
    )
    assert f'href="/commission/events/{event_id}/programme"' not in index  # nothing to change
    for tab in ("meetings", "schedule"):
        page = office.get(f"/commission/events/{event_id}/{tab}").text
        assert "本活动已结束" in page
        assert "推荐会面" not in page
        assert f'action="/commission/events/{event_id}/schedule"' not in page


def test_the_commission_presents_a_published_request_at_the_event(world: World) -> None:
    """The meetings tab offers the published requests presented elsewhere or nowhere; one
    chosen goes on the roster, and its investors can ask to meet it there. Choosing nothing,
    or a request with meetings still to come at its own event, is said beside the field and
    changes nothing."""
    api = world.api
    office = commission_browser(api)
    newcomer = api.create_account("startup", "宇树科技")
    request = api.create_request(newcomer, company="宇树科技", title="四足机器人B轮")["id"]
    api.publish(request)
    tab = f"/commission/events/{world.event_id}/meetings"

    page = office.get(tab).text
    assert "宇树科技 · 四足机器人B轮 · 尚未列入活动</option>" in page
    empty = office.post(f"/commission/events/{world.event_id}/roster", {})
    assert dict(ERROR.findall(empty.text)) == {"presented_request_id": "请从列表中选择。"}

    done = office.post(
        f"/commission/events/{world.event_id}/roster", {"presented_request_id": request}
    )
    assert done.headers["location"] == f"{tab}?done=presented"
    assert "该项目已列入本活动展示" in office.follow(done).text
    read = api.client.get(f"/v1/financing-requests/{request}", headers=api.admin).json()
    assert read["event_id"] == world.event_id
    own_page = _browser(api, newcomer).get("/startup").text
    assert "<dt>活动</dt><dd>2037 浦东投资促进大会</dd>" in own_page

    asked = api.client.post(
        f"/v1/events/{world.event_id}/meetings",
        json={"financing_request_id": world.request, "investor_profile_id": world.mandate},
        headers=world.investor.headers,
    )
    assert asked.status_code == 201, asked.text  # Stepfun's request: a meeting still to come
    later = api.create_event("2038 上海投资促进大会", date="2038-05-01")
    refused = office.post(
        f"/commission/events/{later}/roster", {"presented_request_id": world.request}
    )
    assert dict(ERROR.findall(refused.text)) == {
        "presented_request_id": (
            "该项目在“2037 浦东投资促进大会”还有1个待进行的会面：请先在那里取消这些会面。"
        )
    }
    stepfun = api.client.get(f"/v1/financing-requests/{world.request}", headers=api.admin)
    assert stepfun.json()["event_id"] == world.event_id


def test_a_meeting_moved_by_a_new_schedule_says_where_it_was(world: World, api: ApiClient) -> None:
    """The investor is no longer free when its confirmed meeting sits: saving says the
    commission will move it. Once solved again, both sides' meetings pages and the
    commission's list say the new time and the old one."""
    meeting_id = _confirmed(world, world.investor, world.mandate)
    commission = _commission(api)
    schedule = f"/commission/events/{world.event_id}/schedule"
    solved = commission.post(schedule, {"coverage_k": "1", "time_limit_seconds": "5"})
    assert solved.status_code == 303
    seat = world.meeting(meeting_id)["seat"]
    slots = api.client.get(f"/v1/events/{world.event_id}/programme", headers=api.admin).json()
    other_slot = next(s["id"] for s in slots["slots"] if s["id"] != seat["slot_id"])
    path = f"/investor/events/{world.event_id}/availability"
    # The page says which slot holds the meeting, so it is unticked knowingly.
    assert "（已安排与阶跃星辰会面）" in world.investor_browser.get(path).text

    saved = world.investor_browser.post(path, {"slot_ids": [other_slot]})

    assert saved.headers["location"] == f"{path}?done=availability_moving"
    assert "商务委将重新安排" in world.investor_browser.follow(saved).text
    again = commission.post(
        schedule, {"coverage_k": "1", "time_limit_seconds": "5", "keep_seats": "on"}
    )
    assert again.status_code == 303
    moved = world.meeting(meeting_id)["seat"]
    assert moved["slot_id"] == other_slot
    was = dt.datetime.fromisoformat(seat["local_start"])
    until = was + dt.timedelta(minutes=30)
    note = f"安排已调整：原定 2037年11月5日 {was:%H:%M}–{until:%H:%M} · {seat['table']}号桌。"
    assert note in world.startup_browser.get("/startup/meetings").text
    assert note in world.investor_browser.get("/investor/meetings").text
    assert note in commission.get(f"/commission/events/{world.event_id}/meetings").text


def test_a_deal_opened_from_a_meeting_counts_for_the_event_where_they_met(
    world: World, api: ApiClient, app: FastAPI
) -> None:
    """The conference is held; the commission puts the request on next year's roster; the
    deal it then opens from the meeting at the conference counts for that conference."""
    meeting_id = _confirmed(world, world.investor, world.mandate)
    Clock(dt.datetime(2037, 11, 10, tzinfo=dt.UTC)).install(app)
    next_year = api.create_event("2038 浦东投资促进大会", date="2038-11-04")
    moved = api.client.put(f"/v1/events/{next_year}/roster/{world.request}", headers=api.admin)
    assert moved.status_code == 200, moved.text

    opened = _commission(api).post(
        f"/commission/events/{world.event_id}/meetings/{meeting_id}/deal", {}
    )

    assert opened.status_code == 303
    (deal,) = api.client.get("/v1/outcomes", headers=api.admin).json()["items"]
    assert deal["event_id"] == world.event_id


def test_an_agenda_lists_only_conferences_with_a_meeting(world: World) -> None:
    """An investor may attend any conference with a programme, but its agenda names only
    those where it has a meeting asked for or confirmed."""
    empty = world.investor_browser.get("/investor/agenda").text
    assert "您在会议上还没有会面。" in empty
    assert "2037 浦东投资促进大会" not in empty.split("<main", 1)[1]
    _confirmed(world, world.investor, world.mandate)
    assert "2037 浦东投资促进大会" in world.investor_browser.get("/investor/agenda").text


def test_the_venues_zone_may_be_named_by_its_city(world: World, api: ApiClient) -> None:
    """An officer writes 北京时间 or 香港, as people name a clock; the programme keeps the
    zone (Asia/Shanghai, Asia/Hong_Kong) and its slots are that zone's wall-clock times. The
    pages name the clock back (伦敦时间, never Europe/London), and that name reads back too."""
    commission = _commission(api)
    path = f"/commission/events/{world.event_id}/programme"
    form = {
        "first_day": COMING_DAY,
        "days": "1",
        "hours": "09:00-10:00",
        "minutes": "30",
        "tables": "3",
        "cap": "",
    }
    for typed, zone, utc_start in (
        ("北京时间", "Asia/Shanghai", "2037-11-05T01:00:00Z"),
        (" Hong  Kong ", "Asia/Hong_Kong", "2037-11-05T01:00:00Z"),
        ("伦敦", "Europe/London", "2037-11-05T09:00:00Z"),
        ("伦敦时间", "Europe/London", "2037-11-05T09:00:00Z"),
        ("london TIME", "Europe/London", "2037-11-05T09:00:00Z"),
        ("新加坡时间", "Asia/Singapore", "2037-11-05T01:00:00Z"),
    ):
        saved = commission.post(path, {**form, "time_zone": typed})
        assert saved.status_code == 303, saved.text
        read = api.client.get(f"/v1/events/{world.event_id}/programme", headers=api.admin)
        assert read.json()["time_zone"] == zone
        assert read.json()["slots"][0]["starts_at"] == utc_start
        # The form opened again names the clock as the officer would, not Europe/London.
        shown = {
            "Asia/Shanghai": "北京时间",
            "Asia/Hong_Kong": "香港时间",
            "Europe/London": "伦敦时间",
            "Asia/Singapore": "新加坡时间",
        }
        assert f'name="time_zone" value="{shown[zone]}"' in commission.get(path).text
        availability_page = f"/investor/events/{world.event_id}/availability"
        availability = world.investor_browser.get(availability_page).text
        assert f"活动当地时间（{shown[zone]}）" in availability, availability


def test_the_commission_moves_one_meeting_on_the_schedule_page(
    world: World, api: ApiClient
) -> None:
    commission = _commission(api)
    path = f"/commission/events/{world.event_id}/schedule"
    first = _confirmed(world, world.investor, world.mandate)
    other = api.create_account("investor", "启明创投")
    _confirmed(world, other, api.create_investor(other, name="启明创投 早期基金")["id"])
    commission.post(path, {"coverage_k": "1", "time_limit_seconds": "5"})
    seats = {m["id"]: m["seat"] for m in world.meetings()}
    assert "已调整" not in world.investor_browser.get("/investor/agenda").text
    page = commission.get(path).text
    assert '<h2 id="move">调整一场会面</h2>' in page
    slot, table = seats[first]["slot_id"], seats[first]["table"]
    when = "09:00" if seats[first]["local_start"].endswith("09:00:00+08:00") else "09:30"
    assert (
        "阶跃星辰（基础大模型C轮融资）× 高瓴资本 AI 基金 · "
        f"现在 2037年11月5日 {when} · {table}号桌</option>" in page
    )
    # Each time says which tables are free then, so the officer need not learn it by refusal.
    label = re.search(rf'<option value="{slot}">([^<]*)</option>', page)
    assert label is not None
    tables = int(re.findall(r"(\d+)号桌", page.split('name="table"')[1].split("</select>")[0])[-1])
    free = [str(n) for n in range(1, tables + 1) if n != table]
    if len(free) <= 6:
        assert label.group(1).endswith(f" · 空桌：{'、'.join(free)}号桌")
    else:
        assert label.group(1).endswith(f" · {len(free)}张空桌")

    empty = commission.post(f"{path}/seat", {"meeting_id": "", "slot_id": "", "table": ""})
    assert empty.status_code == 422
    assert dict(ERROR.findall(empty.text)) == {
        "move-meeting_id": "此项为必填。",
        "move-slot_id": "此项为必填。",
        "move-table": "此项为必填。",
    }
    # 阶跃星辰 meets 启明 in the other slot: it cannot be at two tables then.
    other_slot, other_table_then = next(
        (s["slot_id"], s["table"]) for m, s in seats.items() if m != first
    )
    free_then = 2 if other_table_then == 1 else 1
    busy = commission.post(
        f"{path}/seat", {"meeting_id": first, "slot_id": other_slot, "table": str(free_then)}
    )
    assert busy.status_code == 422
    assert dict(ERROR.findall(busy.text)) == {
        "move-slot_id": f"阶跃星辰 这一时段已与 启明创投 早期基金 会面（{other_table_then}号桌）。"
    }
    assert "未保存任何内容；请更正下方标出的栏目。" in busy.text
    # Said at the top too, where the page opens, and the field is focused (scrolled to).
    assert "会面未调整：请查看下方“调整一场会面”中标出的栏目。" in busy.text
    assert 'aria-describedby="move-slot_id-error" autofocus' in busy.text
    assert {m["id"]: m["seat"] for m in world.meetings()} == seats

    other_table = 2 if table == 1 else 1
    moved = commission.post(
        f"{path}/seat", {"meeting_id": first, "slot_id": slot, "table": str(other_table)}
    )
    assert moved.headers["location"] == f"{path}?done=moved&meeting={first}"
    after = commission.follow(moved).text
    assert (
        "已调整：阶跃星辰（基础大模型C轮融资）× 高瓴资本 AI 基金 · "
        f"现在 2037年11月5日 {when} · {other_table}号桌。"
        "双方会看到新的时间和桌号，以及原定安排。"
    ) in after
    assert "生成后经过手动调整：这一版未经求解器检验。" in after
    assert world.meeting(first)["seat"]["table"] == other_table
    # The audit trail says whose meeting moved and from where to where.
    trail = commission.get("/commission/audit").text
    assert (
        f"高瓴资本 AI 基金 · 阶跃星辰：2037年11月5日 {when} · {table}号桌 → "
        f"{when} · {other_table}号桌"
    ) in trail
    mine = world.investor_browser.get("/investor/meetings").text
    assert f"11月5日 {when}–" in mine
    assert f"{other_table}号桌" in mine
    assert f"{table}号桌" in mine.split("安排已调整")[1]  # where it was, for who noted it
    # The printable agenda marks it too, for whoever printed or downloaded the old one.
    agenda = world.investor_browser.get("/investor/agenda").text
    assert agenda.count("（已调整，原定 ") == 1
    assert f"（已调整，原定 {when} · {table}号桌）" in agenda
    # The same seat again changes nothing, and says so.
    again = commission.post(
        f"{path}/seat", {"meeting_id": first, "slot_id": slot, "table": str(other_table)}
    )
    assert again.headers["location"] == f"{path}?done=unmoved&meeting={first}"
    assert (
        "未作改动：阶跃星辰（基础大模型C轮融资）× 高瓴资本 AI 基金" in commission.follow(again).text
    )
    # A second meeting moved by hand: the first one still says where it was solved.
    second = next(m for m in seats if m != first)
    free_table = 2 if seats[second]["table"] == 1 else 1
    commission.post(
        f"{path}/seat",
        {"meeting_id": second, "slot_id": seats[second]["slot_id"], "table": str(free_table)},
    )
    still = world.investor_browser.get("/investor/meetings").text
    assert f"{table}号桌" in still.split("安排已调整")[1]


def test_a_party_free_in_fewer_slots_than_its_confirmed_meetings_is_told(
    world: World, api: ApiClient
) -> None:
    """阶跃星辰 has two confirmed meetings and ticks one slot: one meeting cannot be placed,
    and its availability page says so before the commission solves, not on the day."""
    _confirmed(world, world.investor, world.mandate)
    other = api.create_account("investor", "启明创投")
    _confirmed(world, other, api.create_investor(other, name="启明创投 早期基金")["id"])
    path = f"/startup/events/{world.event_id}/availability"
    warning = "您在本次活动已确认 2 场会面，但只勾选了 1 个可会面时段：至少 1 场无法排入日程。"
    # Not said yet: free in every slot (two), enough for both.
    assert warning not in world.startup_browser.get(path).text
    slot_ids = re.findall(r'name="slot_ids" value="([^"]+)"', world.startup_browser.get(path).text)
    world.startup_browser.post(path, {"slot_ids": [slot_ids[0]]})
    assert warning in world.startup_browser.get(path).text
    world.startup_browser.post(path, {"slot_ids": slot_ids})
    assert warning not in world.startup_browser.get(path).text


def test_a_taken_table_is_refused_naming_who_sits_there(world: World, api: ApiClient) -> None:
    commission = _commission(api)
    path = f"/commission/events/{world.event_id}/schedule"
    first = _confirmed(world, world.investor, world.mandate)
    # A pair sharing no side with the first: only the table can stand in its way.
    investor = api.create_account("investor", "启明创投")
    mandate = api.create_investor(investor, name="启明创投 早期基金")["id"]
    startup = api.create_account("startup", "宇树科技")
    request = api.create_request(
        startup, company="宇树科技", title="四足机器人B轮", event_id=world.event_id
    )["id"]
    api.publish(request)
    asked = api.client.post(
        f"/v1/events/{world.event_id}/meetings",
        json={"financing_request_id": request, "investor_profile_id": mandate},
        headers=investor.headers,
    )
    other = asked.json()["id"]
    api.client.post(
        f"/v1/meetings/{other}/answer", json={"answer": "accepted"}, headers=startup.headers
    ).raise_for_status()
    commission.post(path, {"coverage_k": "1", "time_limit_seconds": "5"})
    seats = {m["id"]: m["seat"] for m in world.meetings()}
    taken = seats[other]
    refused = commission.post(
        f"{path}/seat",
        {"meeting_id": first, "slot_id": taken["slot_id"], "table": str(taken["table"])},
    )
    assert refused.status_code == 422
    assert dict(ERROR.findall(refused.text)) == {
        "move-table": (
            "该时段这张桌已安排 宇树科技 与 启明创投 早期基金 会面：请换一张桌或另一个时段。"
        )
    }
    assert {m["id"]: m["seat"] for m in world.meetings()} == seats


def test_a_second_solve_names_the_meetings_it_seats_anew(world: World, api: ApiClient) -> None:
    """Against the previous schedule: kept, moved or left out, and newly seated (a meeting
    confirmed since): with nothing left out, kept, moved and new add up to what the new
    schedule holds."""
    commission = _commission(api)
    path = f"/commission/events/{world.event_id}/schedule"
    _confirmed(world, world.investor, world.mandate)
    commission.post(path, {"coverage_k": "1", "time_limit_seconds": "5"})
    other = api.create_account("investor", "启明创投")
    _confirmed(world, other, api.create_investor(other, name="启明创投 早期基金")["id"])
    page = commission.follow(
        commission.post(path, {"coverage_k": "1", "time_limit_seconds": "5"})
    ).text
    card = page.split("与上一版方案相比")[1].split("</dl>")[0]
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd><strong>(\d+)</strong></dd>", card))
    assert facts["新排入"] == "1"
    assert int(facts["时间和桌位不变"]) + int(facts["调整或未能安排"]) == 1


def test_an_event_held_asks_no_one_when_they_are_free(world: World, api: ApiClient) -> None:
    held = api.create_event("2021 浦东投资促进大会", date="2021-06-01", place="浦东")
    path = f"/startup/events/{held}/availability"
    page = world.startup_browser.get(path)
    assert page.status_code == 200
    assert "活动已结束：日程方案保持原样。" in page.text
    assert 'name="slot_ids"' not in page.text
    assert "您尚未填写" not in page.text
    refused = world.startup_browser.post(path, {"slot_ids": []})
    assert "活动已结束：日程方案保持原样。" in refused.text
    stated = api.client.get(f"/v1/events/{held}/availability", headers=world.startup.headers)
    assert stated.json()["stated"] is False


def test_a_startups_request_lists_the_investors_who_asked_to_meet(world: World) -> None:
    """Asking to meet is interest too: the request's card names the investor and the event,
    and whose answer is awaited, before any 有意向 click."""
    heading = "<h3>约见的投资方</h3>"
    assert heading not in world.startup_browser.get("/startup").text
    _ask_from_matches(world)
    card = world.startup_browser.get("/startup").text.split(heading)[1].split("</ul>")[0]
    assert "高瓴资本 AI 基金 · 2037 浦东投资促进大会 · <strong>待您答复</strong>" in card
    # A meeting the startup asked for itself is not an investor's interest.
    other = world.api.create_account("investor", "启明创投")
    mandate = world.api.create_investor(other, name="启明创投 早期基金")["id"]
    world.api.client.put(
        f"/v1/investors/{mandate}/feedback/{world.request}",
        json={"action": "interested"},
        headers=other.headers,
    ).raise_for_status()
    asked = world.api.client.post(
        f"/v1/events/{world.event_id}/meetings",
        json={"financing_request_id": world.request, "investor_profile_id": mandate},
        headers=world.startup.headers,
    )
    assert asked.status_code == 201, asked.text
    card = world.startup_browser.get("/startup").text.split(heading)[1].split("</ul>")[0]
    assert "启明创投" not in card
    assert "启明创投 早期基金" in world.startup_browser.get("/startup").text  # as interested


def test_an_agenda_says_a_confirmed_meeting_lost_its_time(world: World, api: ApiClient) -> None:
    commission = _commission(api)
    path = f"/commission/events/{world.event_id}/schedule"
    _confirmed(world, world.investor, world.mandate)
    commission.post(path, {"coverage_k": "1", "time_limit_seconds": "5"})
    api.client.put(
        f"/v1/events/{world.event_id}/availability",
        json={"slot_ids": []},
        headers=world.startup.headers,
    ).raise_for_status()
    commission.post(path, {"coverage_k": "1", "time_limit_seconds": "5"})
    agenda = world.startup_browser.get("/startup/agenda").text
    assert "还有 1 场已确认的会面暂未排入当前日程方案：商务委正在协调时间。" in agenda
    assert "更新我的日历（.ics）：移除已不在日程中的会面" in agenda


def test_both_sides_are_told_when_they_share_no_free_slot(world: World, api: ApiClient) -> None:
    """Each side ticked enough slots for its own meetings, but not the same ones: told on the
    meeting's card before the commission solves, not by a left-out meeting after."""
    _confirmed(world, world.investor, world.mandate)
    slots = api.client.get(f"/v1/events/{world.event_id}/programme", headers=api.admin).json()
    first, second = (slot["id"] for slot in slots["slots"])
    said = "您与对方没有共同的空闲时段"
    assert said not in world.startup_browser.get("/startup/meetings").text
    for who, slot in ((world.startup, first), (world.investor, second)):
        api.client.put(
            f"/v1/events/{world.event_id}/availability",
            json={"slot_ids": [slot]},
            headers=who.headers,
        ).raise_for_status()
    assert said in world.startup_browser.get("/startup/meetings").text
    assert said in world.investor_browser.get("/investor/meetings").text


def test_before_the_schedule_an_agenda_counts_the_meetings_waiting_and_offers_no_calendar(
    world: World, api: ApiClient
) -> None:
    """The walk read "add the meetings to your calendar with the .ics file" on an agenda
    with no file to add: the line waits for a schedule, and the page says how many confirmed
    meetings wait for their time. A meeting page names the side that asked as 您 to itself."""
    before = world.investor_browser.get("/investor/agenda").text
    assert ".ics" not in before
    _confirmed(world, world.investor, world.mandate)
    waiting = world.investor_browser.get("/investor/agenda").text
    assert "1 场已确认的会面正等待商务委安排时间和桌位" in waiting, waiting
    assert "打印本页" not in waiting.split("<section")[0]
    assert "商务委尚未排定会面时间" not in waiting

    mine = world.investor_browser.get("/investor/meetings").text
    assert "<dt>发起方</dt><dd>您</dd>" in mine, mine
    theirs = world.startup_browser.get("/startup/meetings").text
    assert "<dt>发起方</dt><dd>投资方</dd>" in theirs, theirs

    commission = _commission(api)
    path = f"/commission/events/{world.event_id}/schedule"
    commission.post(path, {"coverage_k": "1", "time_limit_seconds": "5"})
    scheduled = world.investor_browser.get("/investor/agenda").text
    assert ".ics" in scheduled.split("<section")[0]


def test_passing_on_a_request_with_a_meeting_says_the_meeting_still_stands(
    world: World, api: ApiClient
) -> None:
    """A pass does not call a meeting off; the walk's investor declined a company it had a
    confirmed meeting with and was not told. The notice says where to call it off."""
    _confirmed(world, world.investor, world.mandate)
    passed = world.investor_browser.post(
        f"/investor/mandates/{world.mandate}/feedback/{world.request}",
        {"action": "pass", "reason": "valuation"},
    )
    assert passed.status_code == 303, passed.text
    path, _, query = passed.headers["location"].split("#")[0].partition("?")
    page = world.investor_browser.get(path, **dict(parse_qsl(query))).text
    assert "您与该企业在大会上仍有一场会面：如不再会面，请在“我的会面”中取消。" in page
    assert world.meetings()[0]["status"] == "accepted"  # a pass changes no meeting
