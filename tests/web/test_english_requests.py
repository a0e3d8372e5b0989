"""A request described for English readers too: the startup writes an English title and
summary (optional) on its form; a foreign investor reading in English sees them on its
matches and meetings, a Chinese reader the title as written, and the commission reviews both.
Found by walking the web application as a foreign investor (2026-12-07): every new request
read in Chinese only."""

from __future__ import annotations

from typing import Any

import icalendar

from tests.support.factories import COMING_DAY, ApiClient
from tests.support.people import new_person
from tests.support.web import Browser, commission_browser

FORM: dict[str, Any] = {
    "company": "玻色量子",
    "title": "相干光量子计算机A轮融资",
    "summary": "相干光量子计算机的研发与量产",
    "title_en": "Coherent optical quantum computers, Series A",
    "summary_en": "Research and volume production of coherent optical quantum computers",
    "amount": "3亿",
    "currency": "CNY",
    "stage": "series_a",
    "region": "",
    "event_id": "",
    "contact_name": "",
    "contact_phone": "",
    "credit_code": "",
    "sectors": ["quantum"],
}
PROGRAMME = {
    "time_zone": "Asia/Shanghai",
    "days": [COMING_DAY],
    "slots": [{"start": "09:00", "minutes": 30}],
    "tables": 2,
}


def _signed_in(api: ApiClient, role: str, language: str = "zh") -> tuple[str, Browser]:
    account = api.create_account(role)
    browser = Browser(api.client, accept_language=language)
    browser.sign_in(new_person(api, account, signed_in=False))
    return account.id, browser


def _own_request(api: ApiClient, owner_id: str) -> dict[str, object]:
    listed = api.client.get("/v1/financing-requests", headers=api.admin).json()["items"]
    (found,) = [r for r in listed if r["owner_account_id"] == owner_id]
    return dict(found)


def test_the_startup_writes_english_text_that_english_readers_see(api: ApiClient) -> None:
    startup_id, founder = _signed_in(api, "startup")
    form = founder.get("/startup/requests/new").text
    assert "供英文读者阅读（选填）" in form
    sent = founder.post("/startup/requests/new", {**FORM, "action": "submit"})
    assert sent.status_code == 303, sent.text
    stored = _own_request(api, startup_id)
    assert (stored["title_en"], stored["summary_en"]) == (FORM["title_en"], FORM["summary_en"])
    # The commission publishes what foreign investors read: the queue says a request has
    # English text, and its page shows it.
    officer = commission_browser(api)
    queue = officer.get("/commission/review").text
    row = queue.split(f'href="/commission/requests/{stored["id"]}"')[1].split("</tr>")[0]
    assert "附英文版本" in row
    reviewed = officer.get(f"/commission/requests/{stored['id']}").text
    assert FORM["summary_en"] in reviewed
    api.publish(str(stored["id"]))

    investor = api.create_account("investor")
    mandate = api.create_investor(investor, sectors=["quantum"], stages=["series_a"])
    matches = f"/investor/mandates/{mandate['id']}/matches"
    english = Browser(api.client, accept_language="en")
    english.sign_in(new_person(api, investor, signed_in=False))
    english_page = english.get(matches).text
    assert FORM["title_en"] in english_page
    assert FORM["summary_en"] in english_page
    assert FORM["title"] not in english_page
    # An answer refused names the request as the card does.
    refused = english.post(
        f"/investor/mandates/{mandate['id']}/feedback/{stored['id']}", {"action": "pass"}
    )
    assert f"Your answer on 玻色量子 · {FORM['title_en']} was not saved." in refused.text
    chinese = Browser(api.client)
    chinese.sign_in(new_person(api, investor, signed_in=False))
    chinese_page = chinese.get(matches).text
    assert FORM["title"] in chinese_page
    assert FORM["summary"] in chinese_page
    assert FORM["title_en"] not in chinese_page


def test_emptied_english_fields_are_cleared_and_english_readers_read_the_title_as_written(
    api: ApiClient,
) -> None:
    startup_id, founder = _signed_in(api, "startup")
    saved = founder.post("/startup/requests/new", {**FORM, "action": "save"})
    assert saved.status_code == 303, saved.text
    stored = _own_request(api, startup_id)
    assert FORM["title_en"] in founder.get("/startup").text
    edited = founder.post(
        f"/startup/requests/{stored['id']}/edit",
        {
            **FORM,
            "title_en": " ",
            "summary_en": "",
            "revision": str(stored["revision"]),
            "action": "submit",
        },
    )
    assert edited.status_code == 303, edited.text
    cleared = _own_request(api, startup_id)
    assert (cleared["title_en"], cleared["summary_en"]) == (None, None)
    api.publish(str(cleared["id"]))
    investor = api.create_account("investor")
    mandate = api.create_investor(investor, sectors=["quantum"], stages=["series_a"])
    english = Browser(api.client, accept_language="en")
    english.sign_in(new_person(api, investor, signed_in=False))
    page = english.get(f"/investor/mandates/{mandate['id']}/matches").text
    assert FORM["title"] in page
    assert FORM["summary"] in page


def test_a_too_long_english_title_is_refused_beside_its_field_and_nothing_is_written(
    api: ApiClient,
) -> None:
    startup_id, founder = _signed_in(api, "startup")
    refused = founder.post("/startup/requests/new", {**FORM, "title_en": "Q" * 301})
    assert refused.status_code == 422
    assert 'id="title_en-error"' in refused.text
    listed = api.client.get("/v1/financing-requests", headers=api.admin).json()["items"]
    assert not [r for r in listed if r["owner_account_id"] == startup_id]


def test_an_english_investors_meetings_agenda_and_calendar_name_the_request_in_english(
    api: ApiClient,
) -> None:
    created = api.client.post(
        "/v1/events",
        json={
            "name": "2037 浦东投资促进大会",
            "name_en": "2037 Pudong Investment Conference",
            "date": COMING_DAY,
            "place": "浦东",
            "place_en": "Pudong",
        },
        headers=api.admin,
    )
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]
    set_up = api.client.put(f"/v1/events/{event_id}/programme", json=PROGRAMME, headers=api.admin)
    assert set_up.status_code == 200, set_up.text
    startup = api.create_account("startup")
    request = api.create_request(
        startup,
        company="玻色量子",
        title=FORM["title"],
        title_en=FORM["title_en"],
        sectors=["quantum"],
        stage="series_a",
        amount="300000000",
        event_id=event_id,
    )
    api.publish(request["id"])
    investor = api.create_account("investor")
    mandate = api.create_investor(investor, sectors=["quantum"], stages=["series_a"])
    english = Browser(api.client, accept_language="en")
    english.sign_in(new_person(api, investor, signed_in=False))
    asked = english.post(f"/investor/mandates/{mandate['id']}/meetings/{request['id']}", {})
    assert asked.status_code == 303, asked.text
    meetings_page = english.get("/investor/meetings").text
    assert FORM["title_en"] in meetings_page
    assert FORM["title"] not in meetings_page
    chinese = Browser(api.client)
    chinese.sign_in(new_person(api, investor, signed_in=False))
    assert FORM["title"] in chinese.get("/investor/meetings").text

    (meeting,) = api.client.get(f"/v1/events/{event_id}/meetings", headers=api.admin).json()[
        "items"
    ]
    accepted = api.client.post(
        f"/v1/meetings/{meeting['id']}/answer", json={"answer": "accepted"}, headers=startup.headers
    )
    assert accepted.json()["status"] == "accepted"
    solved = commission_browser(api).post(
        f"/commission/events/{event_id}/schedule", {"coverage_k": "1", "time_limit_seconds": "5"}
    )
    assert solved.status_code == 303, solved.text
    agenda = english.get("/investor/agenda").text
    assert FORM["title_en"] in agenda
    assert FORM["title"] not in agenda
    calendar = icalendar.Calendar.from_ical(
        english.get(f"/v1/events/{event_id}/agenda", format="ics").content
    )
    (entry,) = calendar.walk("VEVENT")
    assert FORM["title_en"] in str(entry["SUMMARY"])
    assert FORM["title"] not in str(entry["SUMMARY"])
    assert FORM["title"] in chinese.get("/investor/agenda").text
    # The agenda's JSON, read in English, names the event, the place and the request alike.
    as_json = english.get(f"/v1/events/{event_id}/agenda").json()
    assert (as_json["event_name"], as_json["place"]) == (
        "2037 Pudong Investment Conference",
        "Pudong",
    )
    assert [e["request_title"] for e in as_json["entries"]] == [FORM["title_en"]]


def test_english_readers_see_the_english_title_on_the_founders_and_commissions_lists(
    api: ApiClient,
) -> None:
    """An English walk saw the founder's own card headed by the Chinese title, with the
    English one as a row beneath, and the commission's list of requests in Chinese."""
    _, founder = _signed_in(api, "startup", "en")
    filed = founder.post("/startup/requests/new", {**FORM, "action": "submit"})
    assert filed.status_code == 303, filed.text

    card = founder.get("/startup").text
    assert f"<h2>{FORM['title_en']}</h2>" in card
    assert f'<dd lang="zh-CN">{FORM["title"]}</dd>' in card  # the original, beside it
    assert f'aria-label="Delete {FORM["title_en"]}"' in card  # its buttons name it so too
    _, commission = _signed_in(api, "commission", "en")
    listed = commission.get("/commission/requests", status="submitted").text
    assert f">{FORM['title_en']}</a>" in listed
    _, chinese = _signed_in(api, "commission")
    in_chinese = chinese.get("/commission/requests", status="submitted").text
    assert f">{FORM['title']}</a>" in in_chinese  # a Chinese reader's list is unchanged
