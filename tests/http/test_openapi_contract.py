"""The published API description is a contract: a layout change must not move a byte of it.

The checksum is of ``GET /openapi.json`` as served. Recorded before the layout change of
"One house with a room for everything" (d8fa5fdc..., unchanged by it), then again for the
intended API change of "People, sign-in and keys" (users, invitations, sessions, API keys, a
review's If-Match, investors' null weights), and for part of "Matches a Chinese commission can
trust and read" (near misses and regions in matches; the problem schema, examples and the
errors each operation really returns), and for the rest of it (codes named in Chinese and
English: names accepted wherever codes are, display objects, structured reasons, the
taxonomy's kinds, origins and currencies; the report's PDF and Excel formats and the event's
date and place; a request's contact and credit code; examples on the report and taxonomy
schemas; display objects on feedback and interest), and for "A ranking that earns trust"
(training yields a candidate; a version's comparison, read and computed again; online metrics
per version; feedback's shown flag; exposure in reports), and for "Conference day" (an
event's programme, meetings, availability, schedules, proposals, agendas, the table plan;
syndicates of a financing request), and for the outcome figures in reports ("After the
handshake"), and for webhooks (an account's endpoints registered, read, re-enabled and
deleted, and their delivery log). And for the foreign-investment negative lists of issue 17 (the
foreign_investment reason kind, a report's blocked pairs, GET /v1/compliance/lists and
GET /v1/compliance/blocked-pairs). And for editing webhook endpoints (PATCH with If-Match, a
secret rotated with a day's overlap; ETags on an endpoint; DELETE with If-Match). And for a
version's comparison naming the model its held-out ROC AUC was compared with
(held_out_compared_with), and how many requests clear a report's default score under each
model (clearing_score, clearing_serving, clearing_candidate), and a contact phone may open
with its area code in brackets ("(021) 5555 0100"). And for an event that is over taking no
more meeting requests, answers, proposals or schedules (409, said in those operations'
descriptions), and for the commission presenting a published request at an event
(PUT /v1/events/{event_id}/roster/{financing_request_id}), and a programme's days being
today or later (its description, its example's days), and the Chinese name of the
"meeting" feedback action in two examples (已会面洽谈, apart from asking to meet at a
conference), and the problem types of those two refusals named in the roster route's
description (event-over, request-has-meetings), and the answer operation saying that the
side that declined may still accept, and an event's update saying that a new day moves its
programme (409 event_scheduled, 422 day_in_the_past), and the commission moving one meeting
by hand (PUT /v1/events/{event_id}/schedules/current/seats/{meeting_id}, SeatWrite; a
schedule's status may then be "edited"), and reopening a meeting refused once its request is
presented elsewhere (not_presented), and an agenda's entry saying where a moved meeting sat
before it last moved, in any earlier schedule (moved_from, EarlierSeatOut), and availability
refused once the event is over (409, said in its description), and filing a request saying
a startup names only an event still to come (event_over, on filing and on editing). And for
an event's name and place in English (name_en, place_en: optional, what English readers
see). And for proposals for coverage: a minimum score of 0.6 unless given (a good match, as
in reports; it was 0.5) and each outreach target's request title; a meeting's
within_mandate (whether its pair was a match when asked for); a scheduled programme that
may grow and a programme day not before the event's date (the programme operation's
description); a reason's values naming the mandate's own range (own_low, own_high); a
financing request's title and summary in English (title_en, summary_en: optional, what
English readers see); a pass's note (FeedbackWrite, FeedbackOut and its history: with a
pass only, the investor's own words); a report's event and requests in English where they
have it (Scope.event_name_en, event_place_en; title_en on the requests it lists; name_en on an
outcome row of an event); comparing the serving version again refused (409, in the
operation's description); an answer's history marking the answers taken back (taken_back,
and the history's description of it); a table plan saying whether the event has moved
since its schedule was solved (out_of_date, no_longer_free, called_off, unplaced); a
programme's days at most 13 days after the event's date (day_after_event), its meetings whole
fives of minutes, a scheduled programme's 409 naming each field, and the table plan out of date
only where it seats a meeting when a side is no longer free, before the event is over. And for a
report's investors counted as firms (the descriptions of Coverage, investors_above_min_score,
fitting_investors and capital_available), and a conference's outreach targets counting the
investors they meet as firms (OutreachTargetOut.meetings), and a report saying so
(Coverage.counted_by; reports made before counted mandates), each listed mandate naming its
firm where the firm keeps several in scope (firm), and a firm meeting a request once per event
(the meeting request's description: 409 firm_meets_already). Change it
only together with an intended change of the API, and say so in the commit.
"""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient

RECORDED_SHA256 = "f10018abe24e8112675d52885183a1ebd967836397ec836ff162185a0316f531"


def test_served_openapi_document_is_byte_identical_to_the_recorded_one(
    client: TestClient,
) -> None:
    body = client.get("/openapi.json").content
    assert hashlib.sha256(body).hexdigest() == RECORDED_SHA256, (
        "The OpenAPI document changed; if the API change is intended, record the new checksum"
    )
