"""Names of the service's own states and choices, for people: statuses, feedback actions,
reasons to pass. Marked for the catalogs here because templates only know the values."""

from __future__ import annotations

from enum import StrEnum

from models import FeedbackAction, ModelStatus, PassReason, RequestStatus
from service.i18n.catalogs import translate
from service.i18n.reasons import N_

_LABELS: dict[str, str] = {
    RequestStatus.DRAFT: N_("Draft"),
    RequestStatus.SUBMITTED: N_("Submitted"),
    RequestStatus.PUBLISHED: N_("Published"),
    RequestStatus.REJECTED: N_("Sent back"),
    RequestStatus.CLOSED: N_("Closed"),
    RequestStatus.WITHDRAWN: N_("Withdrawn"),
    FeedbackAction.INTERESTED: N_("Interested"),
    FeedbackAction.PASS: N_("Pass"),
    FeedbackAction.MEETING: N_("Met"),
    FeedbackAction.COMMITTED: N_("Committed"),
    PassReason.SECTOR: N_("Not our sector"),
    PassReason.TICKET: N_("Ticket size"),
    PassReason.STAGE: N_("Wrong stage"),
    PassReason.REGION: N_("Outside our regions"),
    PassReason.TEAM: N_("Team"),
    PassReason.VALUATION: N_("Valuation"),
    PassReason.OTHER: N_("Other reason"),
    ModelStatus.ACTIVE: N_("Serving"),
    ModelStatus.CANDIDATE: N_("Candidate"),
    ModelStatus.RETIRED: N_("Retired"),
    # What the audit trail records writes to.
    "financing_request": N_("Financing request"),
    "investor_profile": N_("Investor mandate"),
    "feedback": N_("Feedback"),
    "account": N_("Account"),
    "user": N_("Person"),
    "api_key": N_("API key"),
    "event": N_("Event"),
    "report": N_("Report"),
    "ranking_model": N_("Ranking model"),
    # The roles of accounts.
    "commission": N_("Commission"),
    "investor": N_("Investor"),
    "startup": N_("Startup"),
}


def label(value: StrEnum | str) -> str:
    """The value's name in the reader's language (an unknown value is shown as it is). The
    enums and object types share no value, so a plain string names its member too."""
    text = _LABELS.get(value)
    return str(value) if text is None else translate(text)
