"""Every example in the OpenAPI document is real.

Each request body example is accepted by its route (sent as a signed-in commission person,
feedback as the investor; 2xx), each response example validates against its model, and every
schema of the modules below shows at least one example."""

from __future__ import annotations

import copy
import importlib
import inspect
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from httpx import Response
from pydantic import BaseModel

from service.http.problems import FieldProblem, Problem
from tests.support.factories import COMING_DAY, Account, ApiClient
from tests.support.people import Person, accept, invite, new_person

# The schema modules whose examples this checks.
SCHEMA_MODULES = [
    "service.accounts.schemas",
    "service.api_keys.schemas",
    "service.audit_log.schemas",
    "service.conference.schemas",
    "service.deals.schemas",
    "service.events.schemas",
    "service.feedback.schemas",
    "service.financing_requests.schemas",
    "service.investors.schemas",
    "service.matches.schemas",
    "service.reference_data.router",
    "service.reports.schemas",
    "service.ranking_models.schemas",
    "service.sessions.schemas",
    "service.syndicates.schemas",
    "service.users.schemas",
    "service.webhooks.schemas",
]


def _models() -> Iterator[type[BaseModel]]:
    for name in SCHEMA_MODULES:
        module = importlib.import_module(name)
        for _, member in inspect.getmembers(module, inspect.isclass):
            if issubclass(member, BaseModel) and member.__module__ == name:
                yield member
    yield Problem
    yield FieldProblem


def examples_of(model: type[BaseModel]) -> list[dict[str, Any]]:
    extra = model.model_config.get("json_schema_extra")
    assert isinstance(extra, dict), f"{model.__name__} shows no examples"
    examples = extra.get("examples")
    assert isinstance(examples, list), f"{model.__name__} shows no examples"
    assert examples, f"{model.__name__} shows no examples"
    copied: list[dict[str, Any]] = copy.deepcopy(examples)  # type: ignore[arg-type]
    return copied


MODELS = sorted(_models(), key=lambda model: model.__name__)
BODY_MODELS = {
    "AccountCreate",
    "ApiKeyCreate",
    "AvailabilityWrite",
    "MeetingAnswerWrite",
    "MeetingCancel",
    "MeetingCreate",
    "ProgrammeWrite",
    "ProposalsCreate",
    "ScheduleCreate",
    "DealWrite",
    "EventCreate",
    "FeedbackWrite",
    "FinancingRequestCreate",
    "FinancingRequestUpdate",
    "InvestorCreate",
    "InvestorUpdate",
    "InvitationAccept",
    "InvitationCreate",
    "ReportCreate",
    "ReviewDecision",
    "SignIn",
    "WebhookEndpointCreate",
    "WebhookEndpointUpdate",
}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_schema_shows_an_example_that_validates(model: type[BaseModel]) -> None:
    for example in examples_of(model):
        model.model_validate(example)


def test_every_body_model_is_sent_below() -> None:
    assert {model.__name__ for model in MODELS} >= BODY_MODELS
    assert set(SENDERS) == BODY_MODELS


class Sender:
    """Where a body example goes, with the objects it needs made first."""

    def __init__(self, api: ApiClient, commission: Person, investor: Account) -> None:
        self.api = api
        self.headers = commission.headers
        self.investor = investor

    def post(self, path: str, body: dict[str, Any]) -> Response:
        response: Response = self.api.client.post(path, json=body, headers=self.headers)
        return response

    def patch(self, path: str, body: dict[str, Any]) -> Response:
        return self.api.patch(path, json=body, headers=self.headers)

    def profile(self) -> str:
        profile_id: str = self.api.create_investor(self.investor)["id"]
        return profile_id

    def request(self, *, status: str = "submitted", publish: bool = False) -> str:
        startup = self.api.create_account("startup")
        request_id: str = self.api.create_request(startup, status=status)["id"]
        if publish:
            self.api.publish(request_id)
        return request_id


def _with_account(sender: Sender, body: dict[str, Any]) -> dict[str, Any]:
    if "account_id" in body:
        body["account_id"] = sender.investor.id
    return body


def _accept(sender: Sender, body: dict[str, Any]) -> Response:
    body["code"] = invite(sender.api, sender.investor)
    response: Response = sender.api.client.post("/v1/invitations/accept", json=body)
    return response


def _sign_in(sender: Sender, body: dict[str, Any]) -> Response:
    code = invite(sender.api, sender.investor)
    accepted = accept(sender.api, code, username=body["username"], password=body["password"])
    assert accepted.status_code == 201, accepted.text
    response: Response = sender.api.client.post("/v1/sessions", json=body)
    return response


def _review(sender: Sender, body: dict[str, Any]) -> Response:
    path = f"/v1/financing-requests/{sender.request()}"
    response: Response = sender.api.client.post(
        f"{path}/review", json=body, headers={**sender.headers, **sender.api.if_match(path)}
    )
    return response


PROGRAMME = {
    "days": ["2037-11-05"],
    "slots": [{"start": "09:00", "minutes": 30}],
    "tables": 2,
}


@dataclass
class Conference:
    """An event with a programme, a published request presented there and a mandate."""

    event_id: str
    slot_id: str
    startup: Account
    request_id: str
    profile_id: str

    @classmethod
    def set_up(cls, sender: Sender) -> Conference:
        api = sender.api
        event_id = api.create_event(f"Conference {uuid.uuid4()}", date=COMING_DAY)
        programme = sender.api.client.put(
            f"/v1/events/{event_id}/programme", json=PROGRAMME, headers=sender.headers
        )
        assert programme.status_code == 200, programme.text
        startup = api.create_account("startup")
        request_id: str = api.create_request(startup, event_id=event_id)["id"]
        api.publish(request_id)
        return cls(
            event_id, programme.json()["slots"][0]["id"], startup, request_id, sender.profile()
        )

    def meeting(self, sender: Sender, *, accepted: bool = False) -> str:
        proposed = sender.post(
            f"/v1/events/{self.event_id}/meetings",
            {"financing_request_id": self.request_id, "investor_profile_id": self.profile_id},
        )
        assert proposed.status_code == 201, proposed.text
        meeting_id: str = proposed.json()["id"]
        if accepted:
            for party in (sender.investor, self.startup):
                answered = sender.api.client.post(
                    f"/v1/meetings/{meeting_id}/answer",
                    json={"answer": "accepted"},
                    headers=party.headers,
                )
                assert answered.status_code == 200, answered.text
        return meeting_id


def _meeting_create(sender: Sender, body: dict[str, Any]) -> Response:
    conference = Conference.set_up(sender)
    body.update(
        financing_request_id=conference.request_id, investor_profile_id=conference.profile_id
    )
    return sender.post(f"/v1/events/{conference.event_id}/meetings", body)


def _meeting_answer(sender: Sender, body: dict[str, Any]) -> Response:
    conference = Conference.set_up(sender)
    response: Response = sender.api.client.post(
        f"/v1/meetings/{conference.meeting(sender)}/answer",
        json=body,
        headers=sender.investor.headers,
    )
    return response


def _endpoint(sender: Sender) -> str:
    """A webhook endpoint of the sender's account."""
    registered = sender.post(
        "/v1/webhook-endpoints",
        {
            "url": "https://127.0.0.1:9443/in",
            "event_types": ["meeting.requested"],
            "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        },
    )
    assert registered.status_code == 201, registered.text
    endpoint_id: str = registered.json()["id"]
    return endpoint_id


def _availability(sender: Sender, body: dict[str, Any]) -> Response:
    conference = Conference.set_up(sender)
    body["slot_ids"] = [conference.slot_id]
    response: Response = sender.api.client.put(
        f"/v1/events/{conference.event_id}/availability",
        json=body,
        headers=sender.investor.headers,
    )
    return response


def _schedule(sender: Sender, body: dict[str, Any]) -> Response:
    conference = Conference.set_up(sender)
    conference.meeting(sender, accepted=True)
    return sender.post(f"/v1/events/{conference.event_id}/schedules", body)


SENDERS: dict[str, Callable[[Sender, dict[str, Any]], Response]] = {
    "AccountCreate": lambda s, body: s.post("/v1/accounts", body),
    "WebhookEndpointCreate": lambda s, body: s.post("/v1/webhook-endpoints", body),
    "WebhookEndpointUpdate": lambda s, body: s.patch(f"/v1/webhook-endpoints/{_endpoint(s)}", body),
    "ApiKeyCreate": lambda s, body: s.post("/v1/api-keys", _with_account(s, body)),
    "AvailabilityWrite": _availability,
    "MeetingAnswerWrite": _meeting_answer,
    "MeetingCancel": lambda s, body: (
        lambda c: s.post(f"/v1/meetings/{c.meeting(s)}/cancel", body)
    )(Conference.set_up(s)),
    "MeetingCreate": _meeting_create,
    # The event on the example's first day: a programme's days are not before its event's.
    "ProgrammeWrite": lambda s, body: s.api.client.put(
        f"/v1/events/{s.api.create_event(f'Programme {uuid.uuid4()}', date=min(body['days']))}"
        "/programme",
        json=body,
        headers=s.headers,
    ),
    "ProposalsCreate": lambda s, body: s.post(
        f"/v1/events/{Conference.set_up(s).event_id}/proposals", body
    ),
    "ScheduleCreate": _schedule,
    "DealWrite": lambda s, body: s.post(f"/v1/investors/{s.profile()}/deals", body),
    "EventCreate": lambda s, body: s.post("/v1/events", body),
    # Feedback is the investor's own: the commission reads it but gives none (403).
    "FeedbackWrite": lambda s, body: s.api.client.put(
        f"/v1/investors/{s.profile()}/feedback/{s.request(publish=True)}",
        json=body,
        headers=s.investor.headers,
    ),
    "FinancingRequestCreate": lambda s, body: s.post("/v1/financing-requests", body),
    "FinancingRequestUpdate": lambda s, body: s.patch(
        f"/v1/financing-requests/{s.request(status='draft')}", body
    ),
    "InvestorCreate": lambda s, body: s.post("/v1/investors", body),
    "InvestorUpdate": lambda s, body: s.patch(f"/v1/investors/{s.profile()}", body),
    "InvitationAccept": _accept,
    "InvitationCreate": lambda s, body: s.post("/v1/invitations", _with_account(s, body)),
    "ReportCreate": lambda s, body: s.post("/v1/reports", body),
    "ReviewDecision": _review,
    "SignIn": _sign_in,
}


@pytest.mark.parametrize("name", sorted(BODY_MODELS))
def test_every_body_example_is_accepted_by_its_route(api: ApiClient, name: str) -> None:
    model = next(model for model in MODELS if model.__name__ == name)
    commission = new_person(api, api.create_account("commission"))
    for number, example in enumerate(examples_of(model)):
        # Each example meets a fresh investor account (a username is taken only once).
        sender = Sender(api, commission, api.create_account("investor"))
        if name == "InvitationAccept":
            example["username"] = f"{example['username']}.{number}"
        if name == "SignIn" and number:
            example["username"] = f"{example['username']}.{number}"
        response = SENDERS[name](sender, example)
        assert 200 <= response.status_code < 300, (name, example, response.text)


def test_the_problem_schema_documents_every_error() -> None:
    from fastapi.testclient import TestClient

    from service.core.database import create_db_engine
    from service.core.settings import Settings
    from service.main import create_app

    engine = create_db_engine("sqlite://")
    try:
        with TestClient(create_app(Settings(), engine=engine)) as client:
            document = client.get("/openapi.json").json()
    finally:
        engine.dispose()
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(problem["properties"])
    field_problem = document["components"]["schemas"]["FieldProblem"]
    assert set(field_problem["properties"]) == {
        "pointer",
        "field",
        "location",
        "code",
        "message",
        "allowed",
    }
    assert "Authentication" in document["info"]["description"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) < 400 or path == "/readyz":
                    continue
                assert response["content"] == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, (method, path, status)
            statuses = {int(s) for s in operation["responses"]}
            if method == "get":
                assert not statuses & {409, 412, 413, 428}, (path, statuses)
            if "{" not in path and path != "/v1/sessions/current":
                assert 404 not in statuses, (method, path)
