"""Demo data from the seed articles, loaded through the same service functions as the API."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Account, InvestorProfile, Role, User
from models.types import utc_now
from service.accounts import service as accounts
from service.core.settings import get_settings
from service.events import service as events
from service.events.schemas import EventCreate
from service.financing_requests import service as financing_requests
from service.financing_requests.schemas import FinancingRequestCreate, ReviewDecision
from service.http.auth import Principal
from service.investors import service as investors
from service.investors.schemas import InvestorCreate
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


@dataclass(frozen=True, slots=True)
class DemoKeys:
    commission: str
    investor: str
    startup: str
    investor_profile_id: str
    loaded_now: bool
    # The demo users' shared password and the three featured accounts' usernames; None
    # when the demo was loaded without people (outside development).
    password: str | None = None
    commission_username: str | None = None
    investor_username: str | None = None
    startup_username: str | None = None


def _demo_account_name(name: str) -> str:
    return f"{name} (demo)"


def _account(session: Session, name: str) -> Account | None:
    return session.scalars(select(Account).where(Account.name == name)).first()


def _principal(account: Account) -> Principal:
    return Principal(account_id=account.id, role=account.role, name=account.name)


def demo_username(account: Account) -> str:
    """The demo user's username: the account's name in lower case, words joined by dots."""
    if account.name == COMMISSION_NAME:
        return COMMISSION_USERNAME
    words = re.findall(r"[a-z0-9]+", account.name.removesuffix(" (demo)").lower())
    return ".".join(words) or f"account.{account.id[:8]}"


def _demo_people(session: Session, acting: Principal) -> dict[str, str]:
    """One admin user per demo account (made once); account id -> username."""
    demo_accounts = session.scalars(
        select(Account).where((Account.name == COMMISSION_NAME) | Account.name.endswith(" (demo)"))
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


def _load(session: Session, data: dict[str, Any]) -> tuple[Account, Account, Account, str]:
    commission, _ = accounts.create(
        session=session,
        principal=Principal(None, Role.COMMISSION, "demo loader"),
        role=Role.COMMISSION,
        name=COMMISSION_NAME,
    )
    acting = _principal(commission)
    featured_investor: Account | None = None
    featured_profile_id = ""
    for investor in data["investors"]:
        owner, _ = accounts.create(
            session=session,
            principal=acting,
            role=Role.INVESTOR,
            name=_demo_account_name(investor["name"]),
        )
        fields = {k: v for k, v in investor.items() if k != "key"}
        profile = investors.create(
            session=session, principal=_principal(owner), data=InvestorCreate.model_validate(fields)
        )
        if investor["key"] == FEATURED_INVESTOR:
            featured_investor, featured_profile_id = owner, profile.id
    event_ids = {
        key: events.create(
            session=session,
            principal=acting,
            data=EventCreate.model_validate({k: v for k, v in event.items() if k != "note"}),
        ).id
        for key, event in data["events"].items()
    }
    featured_startup: Account | None = None
    for request in data["requests"]:
        owner, _ = accounts.create(
            session=session,
            principal=acting,
            role=Role.STARTUP,
            name=_demo_account_name(request["company"]),
        )
        fields = {k: v for k, v in request.items() if k != "event"}
        fields["event_id"] = event_ids[request["event"]]
        created = financing_requests.create(
            session=session,
            principal=_principal(owner),
            data=FinancingRequestCreate.model_validate(fields),
        )
        financing_requests.review(
            session=session,
            principal=acting,
            financing_request=created,
            decision=ReviewDecision(decision="publish", note="Presented at the conference."),
        )
        if request["company"] == FEATURED_STARTUP:
            featured_startup = owner
    if featured_investor is None or featured_startup is None:
        raise RuntimeError("The demo data names no featured investor or startup.")
    return commission, featured_investor, featured_startup, featured_profile_id


def load_demo(
    session: Session, data_file: Path = DEMO_DATA_FILE, *, with_people: bool | None = None
) -> DemoKeys:
    """Load the demo once; every call issues fresh keys for the three demo accounts.

    ``with_people`` (by default: in development only) also gives every demo account one
    admin user whose password is ``DEMO_PASSWORD``.
    """
    data = json.loads(data_file.read_text(encoding="utf-8"))
    featured_name = next(i["name"] for i in data["investors"] if i["key"] == FEATURED_INVESTOR)
    commission = _account(session, COMMISSION_NAME)
    loaded_now = commission is None
    if commission is None:
        commission, investor, startup, profile_id = _load(session, data)
    else:
        investor_account = _account(session, _demo_account_name(featured_name))
        startup_account = _account(session, _demo_account_name(FEATURED_STARTUP))
        if investor_account is None or startup_account is None:
            raise RuntimeError(
                "The demo accounts were changed by hand; start from a fresh database."
            )
        investor, startup = investor_account, startup_account
        profile_id = session.scalars(
            select(InvestorProfile.id).where(InvestorProfile.owner_account_id == investor.id)
        ).one()
    acting = _principal(commission)
    keys = [
        accounts.rotate_key(session=session, principal=acting, account=a)
        for a in (commission, investor, startup)
    ]
    if with_people is None:
        with_people = get_settings().environment == "development"
    people = _demo_people(session, acting) if with_people else {}
    return DemoKeys(
        commission=keys[0],
        investor=keys[1],
        startup=keys[2],
        investor_profile_id=profile_id,
        loaded_now=loaded_now,
        password=DEMO_PASSWORD if with_people else None,
        commission_username=people.get(commission.id),
        investor_username=people.get(investor.id),
        startup_username=people.get(startup.id),
    )
