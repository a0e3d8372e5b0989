"""A pass in the investor's own words: "other" said nothing of why. The note is typed beside
the reason, kept with the pass, read again in the list of passes and by the commission on
the request's page; a note too long is refused beside its box and nothing is written."""

from __future__ import annotations

from tests.support.factories import ApiClient
from tests.support.people import new_person
from tests.support.web import Browser, commission_browser

NOTE = "已投资其竞争对手，明年可再谈"


def test_a_pass_in_the_investors_words_reaches_the_passes_and_the_commission(
    api: ApiClient,
) -> None:
    investor = api.create_account("investor")
    mandate = api.create_investor(investor)
    startup = api.create_account("startup")
    request = api.create_request(startup, company="阶跃星辰")
    api.publish(request["id"])
    browser = Browser(api.client)
    browser.sign_in(new_person(api, investor, signed_in=False))
    matches = f"/investor/mandates/{mandate['id']}/matches"
    action = f"/investor/mandates/{mandate['id']}/feedback/{request['id']}"
    assert f'id="note-{request["id"]}"' in browser.get(matches).text

    too_long = browser.post(action, {"action": "pass", "reason": "other", "note": "长" * 501})
    assert too_long.status_code == 422
    assert f'id="note-{request["id"]}-error"' in too_long.text
    assert "补充说明：" in too_long.text  # named in the banner at the top
    listed = api.client.get(f"/v1/investors/{mandate['id']}/feedback", headers=investor.headers)
    assert listed.json()["items"] == []

    passed = browser.post(action, {"action": "pass", "reason": "other", "note": f" {NOTE} "})
    assert passed.status_code == 303, passed.text
    passes = browser.get(matches).text.split('id="passed"')[1]
    assert NOTE in passes
    officer_page = commission_browser(api).get(f"/commission/requests/{request['id']}").text
    assert f"对方答复：不考虑（其他原因）：“{NOTE}”" in officer_page
    interest = api.client.get(
        f"/v1/financing-requests/{request['id']}/interest", headers=startup.headers
    )
    assert NOTE not in interest.text
