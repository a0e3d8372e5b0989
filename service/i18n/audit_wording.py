"""The audit trail as people read it: what each recorded action did and what it was done to,
in the reader's language. The codes (``financing_request.publish``) stay in the API and the
database; an action not listed here is shown as its code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.i18n.catalogs import translate
from service.i18n.labels import label
from service.i18n.reasons import N_

_ACTIONS: dict[str, str] = {
    "account.create": N_("Created the account"),
    "account.delete": N_("Deleted the account"),
    "api_key.create": N_("Created an API key"),
    "api_key.revoke": N_("Revoked an API key"),
    "availability.replace": N_("Set the times available for meetings"),
    "deal.create": N_("Recorded a past deal"),
    "deal.delete": N_("Deleted a past deal"),
    "event.create": N_("Created the event"),
    "event.update": N_("Changed the event"),
    "event.programme": N_("Changed the event's programme"),
    "feedback.interested": N_("Answered: interested"),
    "feedback.pass": N_("Answered: pass"),
    "feedback.meeting": N_("Answered: met"),
    "feedback.committed": N_("Answered: committed"),
    "feedback.undo": N_("Took an answer back"),
    "financing_request.create": N_("Created the financing request"),
    "financing_request.update": N_("Changed the financing request"),
    "financing_request.present": N_("Presented the financing request at an event"),
    "financing_request.delete": N_("Deleted the financing request"),
    "financing_request.import": N_("Imported the financing request"),
    "financing_request.publish": N_("Approved and published the financing request"),
    "financing_request.reject": N_("Sent the financing request back"),
    "investor_profile.create": N_("Created the investment mandate"),
    "investor_profile.update": N_("Changed the investment mandate"),
    "investor_profile.delete": N_("Deleted the investment mandate"),
    "investor_profile.import": N_("Imported the investment mandate"),
    "invitation.create": N_("Invited a person"),
    "invitation.withdraw": N_("Withdrew an invitation"),
    "meeting.request": N_("Asked for a meeting"),
    "meeting.propose": N_("Proposed a meeting"),
    "meeting.answer": N_("Answered a meeting request"),
    "meeting.cancel": N_("Cancelled a meeting"),
    "outcome.open": N_("Started following a deal"),
    "outcome.sign": N_("Recorded the signing"),
    "outcome.register": N_("Recorded the registration"),
    "outcome.tranche": N_("Recorded funds in place"),
    "outcome.produce": N_("Recorded the start of production"),
    "outcome.amend": N_("Changed the signed amount"),
    "outcome.abandon": N_("Recorded the deal as abandoned"),
    "ranking_model.train": N_("Trained a ranking model"),
    "ranking_model.activate": N_("Changed the serving ranking model"),
    "report.create": N_("Made a report"),
    "schedule.solve": N_("Computed the meeting schedule"),
    "schedule.move": N_("Moved one meeting in the schedule"),
    "session.create": N_("Signed in"),
    "session.revoke": N_("Signed out"),
    "user.create": N_("Joined the account (accepted an invitation)"),
    "webhook_endpoint.create": N_("Added a webhook"),
    "webhook_endpoint.update": N_("Changed a webhook"),
    "webhook_endpoint.delete": N_("Deleted a webhook"),
    "webhook_endpoint.enable": N_("Turned a webhook back on"),
}
# Object types whose names are not state labels (``meeting`` is also an answer there).
_OBJECTS: dict[str, str] = {
    "meeting": N_("Conference meeting"),
    "invitation": N_("Invitation"),
    "session": N_("Sign-in"),
    "deal": N_("Past deal"),
    "outcome": N_("Deal followed"),
    "schedule": N_("Meeting schedule"),
    "webhook_endpoint": N_("Webhook"),
}
AUDIT_OBJECT_TYPES = (
    "financing_request",
    "investor_profile",
    "feedback",
    "account",
    "user",
    "invitation",
    "api_key",
    "session",
    "event",
    "meeting",
    "schedule",
    "deal",
    "outcome",
    "report",
    "ranking_model",
    "webhook_endpoint",
)
"""The object types the audit trail can be filtered by, in the order offered."""


def audit_action(action: str) -> str | None:
    """What the action did, in the reader's language; None for an action not named here."""
    text = _ACTIONS.get(action)
    return None if text is None else translate(text)


# A request's update that moved it to a status says so: "changed" hides that it was
# submitted, withdrawn or closed, which is what its history is read for.
_STATUS_STEPS = {
    "submitted": N_("Submitted the financing request for review"),
    "withdrawn": N_("Withdrew the financing request"),
    "closed": N_("Closed the financing request"),
    "draft": N_("Took the financing request back to a draft"),
}


_CREATED_AND_SUBMITTED = N_("Created the financing request and submitted it for review")


def audit_step(action: str, changes: Mapping[str, Any]) -> str | None:
    """``audit_action``, naming a request's change of status where the update made one, and
    a request filed straight into review as such (not as a draft)."""
    if action == "financing_request.create" and changes.get("status") == "submitted":
        return translate(_CREATED_AND_SUBMITTED)
    if action == "financing_request.update":
        status = changes.get("status")
        target = status.get("to") if isinstance(status, Mapping) else None
        if isinstance(target, str) and target in _STATUS_STEPS:
            edited = [field for field in changes if field != "status"]
            step = translate(_STATUS_STEPS[target])
            return step if not edited else f"{step}{translate(' (with changes)')}"
    return audit_action(action)


def audit_object(object_type: str) -> str:
    text = _OBJECTS.get(object_type)
    return label(object_type) if text is None else translate(text)
