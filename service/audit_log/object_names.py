"""What each audited object is called, for people reading the trail: the company and title of
a financing request (a startup may have several), the name of a mandate, account, person, key
or event, the investor and company of a meeting or a followed deal. Read in one query per
object type on the page, never per row.

An answer to a match is recorded against the financing request answered, so it is named as that
request is (the investor who answered is the row's actor). An object deleted since keeps
only its id (the trail shows its first characters). A sign-in has no name of its own: the
person who signed in is the row's actor.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Account,
    ApiKey,
    AuditRecord,
    Deal,
    Event,
    FinancingRequest,
    InvestorProfile,
    Invitation,
    Meeting,
    Outcome,
    RankingModel,
    Report,
    Schedule,
    User,
    WebhookEndpoint,
)

ObjectKey = tuple[str, str]  # (object type, object id)
# Object type -> its model and the column that names it.
_NAMED_BY_COLUMN: Mapping[str, tuple[type[Any], Any]] = {
    "investor_profile": (InvestorProfile, InvestorProfile.name),
    "account": (Account, Account.name),
    "user": (User, User.name),
    "invitation": (Invitation, Invitation.name),
    "api_key": (ApiKey, ApiKey.name),
    "event": (Event, Event.name),
    "deal": (Deal, Deal.company),
    "webhook_endpoint": (WebhookEndpoint, WebhookEndpoint.url),
}
# Between an investor's name and a company's: 红杉中国 · 阶跃星辰; a company's and its
# request's title: 阶跃星辰 · 基础模型训练轮.
PAIR_SEPARATOR = " · "
# Audited against a financing request: the request itself, and the answers to it.
_REQUEST_KINDS = ("financing_request", "feedback")


def object_names(
    session: Session,
    records: Iterable[AuditRecord],
    *,
    model_name: Callable[[str], str],
    account_key_name: Callable[[str], str],
    report_title: Callable[[Report], str],
) -> dict[ObjectKey, str]:
    """The name of each record's object that still exists and has one. ``model_name`` words a
    ranking model's version (学习版本 3); ``account_key_name`` a key's stored name (an
    account's own key is called so in the reader's language); ``report_title`` a report's
    title (the one the service gave, in the reader's language)."""
    ids: defaultdict[str, set[str]] = defaultdict(set)
    for record in records:
        ids[record.object_type].add(record.object_id)
    names: dict[ObjectKey, str] = {}
    for object_type, (model, column) in _NAMED_BY_COLUMN.items():
        if ids[object_type]:
            for object_id, name in session.execute(
                select(model.id, column).where(model.id.in_(ids[object_type]))
            ):
                if name:
                    names[(object_type, object_id)] = name
    request_ids = set().union(*(ids[kind] for kind in _REQUEST_KINDS))
    if request_ids:
        for object_id, company, title in session.execute(
            select(FinancingRequest.id, FinancingRequest.company, FinancingRequest.title).where(
                FinancingRequest.id.in_(request_ids)
            )
        ):
            for kind in _REQUEST_KINDS:
                if object_id in ids[kind]:
                    names[(kind, object_id)] = f"{company}{PAIR_SEPARATOR}{title}"
    for key in [key for key in names if key[0] == "api_key"]:
        names[key] = account_key_name(names[key])
    if ids["ranking_model"]:
        for object_id, version in session.execute(
            select(RankingModel.id, RankingModel.version).where(
                RankingModel.id.in_(ids["ranking_model"])
            )
        ):
            names[("ranking_model", object_id)] = model_name(f"learned-v{version}")
        # Restoring the default weights is recorded against the default's version name.
        for object_id in ids["ranking_model"]:
            if ("ranking_model", object_id) not in names and model_name(object_id) != object_id:
                names[("ranking_model", object_id)] = model_name(object_id)
    if ids["report"]:
        for report in session.scalars(select(Report).where(Report.id.in_(ids["report"]))):
            names[("report", report.id)] = report_title(report)
    if ids["schedule"]:
        for object_id, event_name in session.execute(
            select(Schedule.id, Event.name)
            .join(Event, Event.id == Schedule.event_id)
            .where(Schedule.id.in_(ids["schedule"]))
        ):
            names[("schedule", object_id)] = event_name
    for object_type, pair_model in (("meeting", Meeting), ("outcome", Outcome)):
        if ids[object_type]:
            for object_id, investor, company in session.execute(
                select(pair_model.id, InvestorProfile.name, FinancingRequest.company)
                .join(InvestorProfile, InvestorProfile.id == pair_model.investor_profile_id)
                .join(FinancingRequest, FinancingRequest.id == pair_model.financing_request_id)
                .where(pair_model.id.in_(ids[object_type]))
            ):
                names[(object_type, object_id)] = f"{investor}{PAIR_SEPARATOR}{company}"
    return names
