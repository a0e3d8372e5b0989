"""One Jinja environment for every page: autoescaped, translated through the message
catalogs in the reader's language, with filters for names, amounts and times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from service.core.settings import get_settings
from service.i18n.amounts import readable_amount
from service.i18n.audit_wording import audit_action, audit_object, audit_step
from service.i18n.catalogs import translate, translate_plural
from service.i18n.event_names import event_name, event_place
from service.i18n.feature_wording import feature_name
from service.i18n.labels import label
from service.i18n.languages import current_language, joined, list_separator
from service.i18n.model_names import model_name
from service.i18n.request_text import request_summary, request_title
from service.i18n.zones import zone_name
from service.imports.amounts import AmountError, parse_amount
from service.reference_data.catalog import CodeKind, get_reference_data
from service.web import conference_labels

TEMPLATES_DIR = Path(__file__).parent / "templates"


def code_name(code: str | None, kind: CodeKind) -> str:
    if code is None:
        return ""
    return get_reference_data().name_of(kind, code, current_language())


def in_listed_order(codes: Iterable[str], kind: CodeKind) -> list[str]:
    """Codes as the taxonomy lists them: stages along the funding chain, a sector beside its
    parent (the database keeps them by code, which reads as alphabetical)."""
    return get_reference_data().in_listed_order(kind, list(codes))


def money(amount: Decimal | None, currency: str) -> str:
    return "" if amount is None else readable_amount(amount, currency)


def amount_text(typed: str, currency: str) -> str:
    """An amount as a form holds it (3000000000, 30亿, 5000万), written for people."""
    try:
        return readable_amount(parse_amount(typed), currency)
    except AmountError:
        return typed


def local_time(moment: dt.datetime | None, with_time: bool = True) -> str:
    """A stored UTC time in the deployment's time zone (Asia/Shanghai by default)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(ZoneInfo(get_settings().display_time_zone))
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def time_zone_note() -> str:
    """Which clock the page's times are read on: the deployment's zone with its offset now;
    a conference's schedule keeps its venue's wall clock."""
    zone = ZoneInfo(get_settings().display_time_zone)
    offset = dt.datetime.now(zone).strftime("%z")
    utc_offset = f"UTC{offset[:3]}:{offset[3:]}"
    name = zone_name(zone.key)
    return translate(
        "Times are %(zone)s (%(offset)s); conference schedules are in the venue's local time."
    ) % {"zone": name, "offset": utc_offset}


def sentence_start(text: str) -> str:
    """``text`` opening a heading or sentence: its first letter upper case, the rest as it is
    (Jinja's capitalize would lower "Series A")."""
    return text[:1].upper() + text[1:]


def api_docs_served() -> bool:
    """Whether /docs is served here (a deployment may turn it off): pages link to it only then."""
    return get_settings().api_docs


def session_check_seconds() -> int:
    """How often a page confirms the session of someone typing (session-keeper.js): three
    times per idle period, so typing keeps it alive and an ended one is noticed early."""
    return get_settings().session_idle_minutes * 60 // 3


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # The reader's language is read when each message renders (a context variable set per
    # request), so one environment serves every language.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda message: translate(message),
        ngettext=lambda singular, plural, n: translate_plural(singular, plural, n),
        newstyle=True,
    )
    env.filters["code_name"] = code_name
    env.filters["in_listed_order"] = in_listed_order
    env.filters["event_name"] = event_name
    env.filters["event_place"] = event_place
    env.filters["request_title"] = request_title
    env.filters["request_summary"] = request_summary
    env.filters["money"] = money
    env.filters["local_time"] = local_time
    env.filters["model_name"] = model_name
    env.filters["sentence_start"] = sentence_start
    env.filters["zone_name"] = zone_name
    env.filters["joined"] = joined
    env.filters["audit_action"] = audit_action
    env.globals["audit_step"] = audit_step
    env.filters["audit_object"] = audit_object
    env.filters["feature_name"] = feature_name
    env.filters["label"] = label
    env.filters["amount_text"] = amount_text
    env.filters["clock"] = conference_labels.clock
    env.filters["full_day"] = conference_labels.full_day
    env.filters["short_day"] = conference_labels.short_day
    env.filters["meeting_status"] = conference_labels.meeting_status
    env.filters["answer_label"] = conference_labels.answer_label
    env.filters["asked_by"] = conference_labels.asked_by
    env.filters["left_out_reason"] = conference_labels.left_out_reason
    env.filters["solver_status"] = conference_labels.solver_status
    env.globals["current_language"] = current_language
    env.globals["time_zone_note"] = time_zone_note
    env.globals["list_separator"] = list_separator
    env.globals["session_check_seconds"] = session_check_seconds
    env.globals["api_docs_served"] = api_docs_served
    return env
