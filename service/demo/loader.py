"""Demo data from the seed articles, loaded through the same service functions as the API.

The demo may be loaded again and again: a run that finds the demo commission account loads
nothing twice, and ``reset=True`` removes the demo's own accounts (and what they own) first.

Keys stay the same from run to run. Only the SHA-256 of an API key is stored, so the database
cannot give a key back; the plain keys live in one place only, the private file the command
line writes (``.demo-keys.env``, mode 600, see ``service.cli.demo``). Each run hands the keys
it read there back as ``RememberedKeys``: a remembered key that is still a live key of its own
demo account (the account's key, not a user's, and not revoked) is kept, so shells that
sourced the file keep working. A key that is missing, revoked, or from another database is
replaced: the account's own keys are revoked and a new one is issued, because whoever held the
old one is no longer known. Keys derived from a fixed secret (say an HMAC of the account's
name) would be stable without the file, but everyone with the source code would then hold the
commission key of every demo database, reachable wherever its server listens.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import case, delete, select
from sqlalchemy.orm import Session

from models import (
    Account,
    ApiKey,
    Event,
    FeedbackAction,
    FinancingRequest,
    IdempotencyKey,
    InvestorProfile,
    Invitation,
    PassReason,
    Report,
    Role,
    User,
    UserSession,
)
from models.types import utc_now
from service.accounts import service as accounts
from service.audit_log.writer import record_audit
from service.conference import meetings, programme
from service.conference.schemas import MeetingAnswerWrite, ProgrammeWrite
from service.core.settings import get_settings
from service.events import held
from service.events import service as events
from service.events.schemas import EventCreate
from service.feedback import service as feedback
from service.feedback.schemas import FeedbackWrite
from service.financing_requests import service as financing_requests
from service.financing_requests.schemas import FinancingRequestCreate, ReviewDecision
from service.http.auth import Principal, hash_api_key
from service.impressions.log import ImpressionLog, Shown, connection_writer
from service.investors import service as investors
from service.investors.schemas import InvestorCreate
from service.matches.schemas import MatchPage, RequestMatchOut
from service.matches.service import MatchFilters, rank_requests_for_investor
from service.outcomes import service as outcomes
from service.ranking.index import MatchIndex
from service.ranking.ranker import RankingWindow
from service.ranking.serving import make_default_scorer
from service.users import service as users
from service.users.passwords import hash_password

DEMO_DATA_FILE = Path(__file__).parent / "demo_data.json"
COMMISSION_NAME = "Shanghai Commerce Commission (demo)"
FEATURED_INVESTOR = "hillhouse"
FEATURED_STARTUP = "Stepfun"
# Every demo account gets one (admin) user with this password: development only, never a
# deployment's (load_demo makes no users outside MATCHMAKER_ENVIRONMENT=development).
DEMO_PASSWORD = "matchmaker-demo-password"  # noqa: S105
COMMISSION_USERNAME = "commission"
DEMO_LOADER = Principal(None, Role.COMMISSION, "demo loader")
ROLES = ("commission", "investor", "startup")


@dataclass(frozen=True, slots=True)
class RememberedKeys:
    """The keys of the three featured demo accounts that a caller kept from an earlier run."""

    commission: str | None = None
    investor: str | None = None
    startup: str | None = None


@dataclass(frozen=True, slots=True)
class DemoKeys:
    commission: str
    investor: str
    startup: str
    investor_profile_id: str
    loaded_now: bool
    # The roles ("commission", "investor", "startup") whose key was issued by this run; the
    # others are the remembered keys, still valid.
    fresh_keys: tuple[str, ...] = ROLES
    # With reset=True: what was removed before loading again, rows by kind.
    removed: dict[str, int] | None = None
    # The demo users' shared password and the three featured accounts' usernames; None
    # when the demo was loaded without people (outside development).
    password: str | None = None
    commission_username: str | None = None
    investor_username: str | None = None
    startup_username: str | None = None


@dataclass(frozen=True, slots=True)
class _Featured:
    """The accounts whose keys the demo prints, and the investor's demo mandate."""

    commission: Account
    investor: Account
    startup: Account
    investor_profile_id: str
    # The keys the accounts were created with, when this run created them.
    new_keys: dict[str, str] = field(default_factory=dict)


def _demo_account_name(name: str) -> str:
    return f"{name} (demo)"


def demo_account_names(data: dict[str, Any]) -> list[str]:
    """The names of the accounts the demo data makes: these accounts are the demo's own."""
    return [
        COMMISSION_NAME,
        *(_demo_account_name(i["name"]) for i in data["investors"]),
        *(_demo_account_name(r["company"]) for r in data["requests"]),
    ]


def _account(session: Session, name: str) -> Account | None:
    # The oldest of that name: the one the demo made, should someone have copied the name.
    return session.scalars(
        select(Account).where(Account.name == name).order_by(Account.created_at, Account.id)
    ).first()


def _principal(account: Account) -> Principal:
    return Principal(account_id=account.id, role=account.role, name=account.name)


def demo_username(account: Account) -> str:
    """The demo user's username: the account's name in lower case, words joined by dots."""
    if account.name == COMMISSION_NAME:
        return COMMISSION_USERNAME
    words = re.findall(r"[a-z0-9]+", account.name.removesuffix(" (demo)").lower())
    return ".".join(words) or f"account.{account.id[:8]}"


def _demo_people(session: Session, acting: Principal, data: dict[str, Any]) -> dict[str, str]:
    """One admin user per demo account (made once); account id -> username."""
    demo_accounts = session.scalars(
        select(Account).where(Account.name.in_(demo_account_names(data)))
    ).all()
    rows = session.execute(
        select(User.account_id, User.username).where(
            User.account_id.in_([a.id for a in demo_accounts])
        )
    ).tuples()
    existing = dict(rows.all())
    missing = [a for a in demo_accounts if a.id not in existing]
    if missing:
        password_hash = hash_password(DEMO_PASSWORD)  # once: Argon2 is slow on purpose
        now = utc_now()
        for account in missing:
            user = users.add_user(
                session=session,
                principal=acting,
                account=account,
                username=demo_username(account),
                name=f"{account.name.removesuffix(' (demo)')} demo user",
                password_hash=password_hash,
                admin=True,
                now=now,
            )
            existing[account.id] = user.username
    return existing


def _event_id(session: Session, acting: Principal, event: dict[str, Any]) -> str:
    """The demo event of that name: kept by a reset while other data names it, else created."""
    existing = events.by_name(session=session, name=event["name"])
    if existing is not None:
        return existing.id
    fields = {k: v for k, v in event.items() if k not in ("note", "programme")}
    return events.create(
        session=session, principal=acting, data=EventCreate.model_validate(fields)
    ).id


def _create_profile(session: Session, owner: Account, investor: dict[str, Any]) -> str:
    fields = {k: v for k, v in investor.items() if k != "key"}
    return investors.create(
        session=session, principal=_principal(owner), data=InvestorCreate.model_validate(fields)
    ).id


def _load(session: Session, data: dict[str, Any]) -> _Featured:
    commission, commission_key = accounts.create(
        session=session, principal=DEMO_LOADER, role=Role.COMMISSION, name=COMMISSION_NAME
    )
    acting = _principal(commission)
    new_keys = {"commission": commission_key}
    featured_investor: Account | None = None
    featured_profile_id = ""
    mandates: dict[str, tuple[Account, str]] = {}
    presented: dict[str, tuple[Account, FinancingRequest]] = {}
    for investor in data["investors"]:
        owner, key = accounts.create(
            session=session,
            principal=acting,
            role=Role.INVESTOR,
            name=_demo_account_name(investor["name"]),
        )
        profile_id = _create_profile(session, owner, investor)
        mandates[investor["key"]] = (owner, profile_id)
        if investor["key"] == FEATURED_INVESTOR:
            featured_investor, featured_profile_id = owner, profile_id
            new_keys["investor"] = key
    event_ids = {key: _event_id(session, acting, event) for key, event in data["events"].items()}
    featured_startup: Account | None = None
    for request in data["requests"]:
        owner, key = accounts.create(
            session=session,
            principal=acting,
            role=Role.STARTUP,
            name=_demo_account_name(request["company"]),
        )
        fields = {k: v for k, v in request.items() if k != "event"}
        fields["event_id"] = event_ids[request["event"]]
        event = events.get(session=session, event_id=fields["event_id"])
        filing = _principal(owner)
        if held.is_over(session, event, dt.datetime.now(dt.UTC)):
            # A request presented at a conference already held (2021) is the commission's
            # record of it: a startup names only events still to come.
            filing, fields["owner_account_id"] = acting, owner.id
        created = financing_requests.create(
            session=session,
            principal=filing,
            data=FinancingRequestCreate.model_validate(fields),
        )
        financing_requests.review(
            session=session,
            principal=acting,
            financing_request=created,
            decision=ReviewDecision(decision="publish", note=PUBLISHED_NOTE),
        )
        presented[request["company"]] = (owner, created)
        if request["company"] == FEATURED_STARTUP:
            featured_startup = owner
            new_keys["startup"] = key
    if featured_investor is None or featured_startup is None:
        raise RuntimeError("The demo data names no featured investor or startup.")
    _conference_day(session, acting, data, event_ids, mandates, presented)
    _answers(session, data, mandates, presented)
    return _Featured(commission, featured_investor, featured_startup, featured_profile_id, new_keys)


def _conference_day(
    session: Session,
    acting: Principal,
    data: dict[str, Any],
    event_ids: dict[str, str],
    mandates: dict[str, tuple[Account, str]],
    presented: dict[str, tuple[Account, FinancingRequest]],
) -> None:
    """The events' meeting programmes (where an event kept by a reset has none yet) and the
    demo's meeting requests: the investor asks, the startup accepts where the data says."""
    now = dt.datetime.now(dt.UTC)
    for key, event in data["events"].items():
        if "programme" not in event:
            continue
        stored = events.get(session=session, event_id=event_ids[key])
        if programme.slots_of(session, stored.id) or programme.is_over(session, stored, now):
            continue
        fields = {k: v for k, v in event["programme"].items() if k != "note"}
        programme.replace(
            session=session,
            principal=acting,
            event=stored,
            data=ProgrammeWrite.model_validate(fields),
            now=now,
        )
    plan = data.get("meetings")
    if not plan:
        return
    event = events.get(session=session, event_id=event_ids[plan["event"]])
    if programme.is_over(session, event, now):
        # A reset kept the conference (other data names it) and it has been held since:
        # nobody asks to meet there any more, the demo's people included.
        return
    index = MatchIndex(make_default_scorer)
    for pair in plan["pairs"]:
        investor, profile_id = mandates[pair["investor"]]
        startup, financing_request = presented[pair["company"]]
        meeting = meetings.create(
            session=session,
            principal=_principal(investor),
            index=index,
            event=event,
            financing_request_id=financing_request.id,
            investor_profile_id=profile_id,
            now=now,
        )
        if pair["accepted"]:
            meetings.answer(
                session=session,
                principal=_principal(startup),
                meeting=meeting,
                data=MeetingAnswerWrite.model_validate({"answer": "accepted"}),
                now=now,
            )


# A page of matches as an investor first opens it, and how far down it looks for passes.
_FIRST_PAGE = 20
_EVERY_PAIR = 100


def _ranked(
    session: Session,
    index: MatchIndex,
    profile: InvestorProfile,
    viewer: Principal,
    window: RankingWindow,
) -> MatchPage[RequestMatchOut]:
    return rank_requests_for_investor(
        session=session,
        index=index,
        profile=profile,
        viewer=viewer,
        filters=MatchFilters(),
        window=window,
    )


def _answers(
    session: Session,
    data: dict[str, Any],
    mandates: dict[str, tuple[Account, str]],
    presented: dict[str, tuple[Account, FinancingRequest]],
) -> None:
    """Illustrative answers, so that the commission can train a candidate model and compare
    it in the demo: each investor the data names opens its matches once (recorded as shown,
    where the deployment records what was shown) and is interested in its best real fits,
    then passes on the requests that miss its mandate most, giving the first part missed as
    the reason (unsolicited: never shown). Only the demo's own requests are answered and
    noted as shown: another account's request in the same database is left as it is."""
    plan = data.get("answers")
    if not plan:
        return
    own = {financing_request.id for _, financing_request in presented.values()}
    index = MatchIndex(make_default_scorer)
    log = ImpressionLog(
        connection_writer(session.connection()),
        interval=None,
        enabled=get_settings().record_impressions,
    )
    each = int(plan["per_investor"])
    for key in plan["investors"]:
        owner, profile_id = mandates[key]
        profile = session.get_one(InvestorProfile, profile_id)
        viewer = _principal(owner)

        page = _ranked(session, index, profile, viewer, RankingWindow(_FIRST_PAGE))
        shown = [
            Shown(item.financing_request.id, position, item.score)
            for position, item in enumerate(page.items, start=1)
            if item.financing_request.id in own
        ]
        log.record(profile.id, page.model.version, shown)
        log.flush()
        noted = {s.financing_request_id for s in shown} if log.enabled else set()
        fits = [item for item in page.items if item.financing_request.id in own]
        misses = [
            item
            for item in _ranked(
                session,
                index,
                profile,
                viewer,
                RankingWindow(_EVERY_PAIR, include_near_misses=True),
            ).items
            if item.misses and item.financing_request.id in own
        ]
        answers = [
            (item, FeedbackWrite(action=FeedbackAction.INTERESTED)) for item in fits[:each]
        ] + [
            (item, FeedbackWrite(action=FeedbackAction.PASS, reason=PassReason(item.misses[0])))
            for item in misses[::-1][:each]
        ]
        for item, answer in answers:
            feedback.record(
                session=session,
                principal=viewer,
                profile=profile,
                financing_request_id=item.financing_request.id,
                data=answer,
                shown=item.financing_request.id in noted,
            )


def _featured_profile_id(session: Session, owner: Account, investor: dict[str, Any]) -> str:
    """The featured investor's demo mandate: its account's profile of the demo's name, else
    its oldest (the investor may have added profiles or renamed this one); made again when
    the investor deleted them all, since the printed INVESTOR_PROFILE_ID must name one."""
    profile_id = session.scalars(
        select(InvestorProfile.id)
        .where(InvestorProfile.owner_account_id == owner.id)
        .order_by(
            case((InvestorProfile.name == investor["name"], 0), else_=1),
            InvestorProfile.created_at,
            InvestorProfile.id,
        )
        .limit(1)
    ).first()
    return profile_id if profile_id is not None else _create_profile(session, owner, investor)


def _find_featured(session: Session, data: dict[str, Any], commission: Account) -> _Featured:
    featured = next(i for i in data["investors"] if i["key"] == FEATURED_INVESTOR)
    investor = _account(session, _demo_account_name(featured["name"]))
    startup = _account(session, _demo_account_name(FEATURED_STARTUP))
    if investor is None or startup is None:
        raise RuntimeError(
            "The demo's accounts were changed by hand; reload them with 'matchmaker demo --reset'."
        )
    return _Featured(
        commission, investor, startup, _featured_profile_id(session, investor, featured)
    )


def _is_live_account_key(session: Session, account: Account, api_key: str) -> bool:
    """Whether ``api_key`` is one of the account's own keys (no user's) and not revoked."""
    found = session.scalar(
        select(ApiKey.id).where(
            ApiKey.key_hash == hash_api_key(api_key),
            ApiKey.account_id == account.id,
            ApiKey.user_id.is_(None),
            ApiKey.revoked_at.is_(None),
        )
    )
    return found is not None


def _keys(
    session: Session, featured: _Featured, remembered: RememberedKeys
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Each featured account's key: the one it was created with by this run, else the
    remembered one while it still works, else a replacement; and the roles whose key is new."""
    acting = _principal(featured.commission)
    keys: dict[str, str] = {}
    fresh: list[str] = []
    for role, account, kept in (
        ("commission", featured.commission, remembered.commission),
        ("investor", featured.investor, remembered.investor),
        ("startup", featured.startup, remembered.startup),
    ):
        if role in featured.new_keys:
            keys[role] = featured.new_keys[role]
            fresh.append(role)
        elif kept is not None and _is_live_account_key(session, account, kept):
            keys[role] = kept
        else:
            keys[role] = accounts.rotate_key(session=session, principal=acting, account=account)
            fresh.append(role)
    return keys, tuple(fresh)


def _delete(session: Session, model: type[Any], *conditions: Any) -> int:
    """Delete rows in plain SQL (no ORM objects are loaded for them); how many went."""
    return session.connection().execute(delete(model).where(*conditions)).rowcount


def remove_demo(session: Session, data: dict[str, Any]) -> dict[str, int]:
    """Remove the demo's own accounts (``demo_account_names``) with their users (and their
    sessions and invitations), keys, idempotency keys, investor profiles and financing
    requests (the database cascades to sectors, feedback and deals on them), the reports the
    demo commission ran, then the demo's events that nothing left names. Other accounts and
    their data stay. Rows removed, by kind.

    Accounts have no delete in the service (the API keeps accounts on record), so this runs
    plain deletes, in the order the foreign keys need. The audit trail is kept, as always,
    with one ``account.delete`` record per removed account.
    """
    demo_accounts = session.scalars(
        select(Account).where(Account.name.in_(demo_account_names(data)))
    ).all()
    account_ids = [a.id for a in demo_accounts]
    user_ids = select(User.id).where(User.account_id.in_(account_ids)).scalar_subquery()
    removed = {
        "user sessions": _delete(session, UserSession, UserSession.user_id.in_(user_ids)),
        "invitations": _delete(session, Invitation, Invitation.account_id.in_(account_ids)),
        "API keys": _delete(session, ApiKey, ApiKey.account_id.in_(account_ids)),
        "users": _delete(session, User, User.account_id.in_(account_ids)),
        "idempotency keys": _delete(
            session, IdempotencyKey, IdempotencyKey.account_id.in_(account_ids)
        ),
        "reports": _delete(session, Report, Report.created_by_account_id.in_(account_ids)),
        "investor profiles": _delete(
            session, InvestorProfile, InvestorProfile.owner_account_id.in_(account_ids)
        ),
        "financing requests": _delete(
            session, FinancingRequest, FinancingRequest.owner_account_id.in_(account_ids)
        ),
    }
    for account in demo_accounts:
        record_audit(
            session=session,
            principal=DEMO_LOADER,
            action="account.delete",
            object_type="account",
            object_id=account.id,
            changes={"role": account.role.value, "name": account.name, "reason": "demo reset"},
        )
    removed["accounts"] = _delete(session, Account, Account.id.in_(account_ids))
    # A request or report of someone else's may name a demo event: that event stays (and
    # the reload uses it again).
    named_events = select(FinancingRequest.event_id).where(FinancingRequest.event_id.is_not(None))
    reported_events = select(Report.event_id).where(Report.event_id.is_not(None))
    removed["events"] = _delete(
        session,
        Event,
        Event.name.in_([e["name"] for e in data["events"].values()] + FORMER_EVENT_NAMES),
        Event.id.not_in(named_events),
        Event.id.not_in(reported_events),
    )
    session.expire_all()
    return removed


THURSDAY = 3  # date.weekday()
PUBLISHED_NOTE = "在大会上推介。Presented at the conference."
# The demo's events under names of earlier versions, removed by a reset like its own.
FORMER_EVENT_NAMES = [
    "2025 Shanghai City Investment Promotion Conference (CIIE)",
    "Shanghai City Investment Promotion Conference (CIIE)",
    "2021 Shanghai Global Investment Promotion Conference",
]


def read_demo_data(
    data_file: Path = DEMO_DATA_FILE, today: dt.date | None = None
) -> dict[str, Any]:
    """The demo's data, its conference dated from ``today`` (by default: today where the
    commission works): an event with ``thursday_weeks_ahead`` is held on the Thursday that
    many weeks on, its programme on that day, so its conference day is always to come."""
    data: dict[str, Any] = json.loads(data_file.read_text(encoding="utf-8"))
    if today is None:
        today = outcomes.today()
    for event in data["events"].values():
        weeks = event.pop("thursday_weeks_ahead", None)
        if weeks is None:
            continue
        day = demo_conference_day(today, weeks)
        event["date"] = day.isoformat()
        if "programme" in event:
            event["programme"]["days"] = [day.isoformat()]
    return data


def demo_conference_day(today: dt.date, weeks: int) -> dt.date:
    """The Thursday ``weeks`` weeks after ``today`` (a conference's usual weekday)."""
    ahead = today + dt.timedelta(weeks=weeks)
    return ahead + dt.timedelta(days=(THURSDAY - ahead.weekday()) % 7)


def load_demo(
    session: Session,
    data_file: Path = DEMO_DATA_FILE,
    *,
    with_people: bool | None = None,
    remembered: RememberedKeys | None = None,
    reset: bool = False,
) -> DemoKeys:
    """Load the demo unless it is there already, and return the featured accounts' keys.

    ``remembered``: keys from an earlier run, kept while they work (see the module's
    docstring); without them every call issues fresh keys. ``reset`` removes the demo first
    (``remove_demo``) and loads it again, in the caller's transaction, so a failed reload
    removes nothing. ``with_people`` (by default: in development only) also gives every demo
    account one admin user whose password is ``DEMO_PASSWORD``.
    """
    data = read_demo_data(data_file)
    removed = remove_demo(session, data) if reset else None
    commission = _account(session, COMMISSION_NAME)
    loaded_now = commission is None
    if commission is None:
        featured = _load(session, data)
    else:
        featured = _find_featured(session, data, commission)
    keys, fresh = _keys(session, featured, remembered or RememberedKeys())
    if with_people is None:
        with_people = get_settings().environment == "development"
    people = _demo_people(session, _principal(featured.commission), data) if with_people else {}
    return DemoKeys(
        commission=keys["commission"],
        investor=keys["investor"],
        startup=keys["startup"],
        investor_profile_id=featured.investor_profile_id,
        loaded_now=loaded_now,
        fresh_keys=fresh,
        removed=removed,
        password=DEMO_PASSWORD if with_people else None,
        commission_username=people.get(featured.commission.id),
        investor_username=people.get(featured.investor.id),
        startup_username=people.get(featured.startup.id),
    )
