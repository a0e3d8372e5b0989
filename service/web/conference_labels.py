"""Conference day as people read it: meeting states, answers, who asked, why a meeting got no
seat, the solver's status, and days and times in the event's local time."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_skeleton

from models import MeetingAnswer, MeetingSide, MeetingStatus
from service.conference.exports import day_heading
from service.conference.problem import LeftOutReason
from service.i18n.catalogs import translate
from service.i18n.languages import current_language
from service.i18n.reasons import N_
from service.outcomes import service as outcomes
from service.reports.formatting import BABEL_LOCALES

MEETING_STATUSES = {
    MeetingStatus.PENDING: N_("Waiting for an answer"),
    MeetingStatus.ACCEPTED: N_("Confirmed"),
    MeetingStatus.DECLINED: N_("Declined"),
    MeetingStatus.CANCELLED: N_("Cancelled"),
}
ANSWERS = {
    MeetingAnswer.PENDING: N_("Not answered yet"),
    MeetingAnswer.ACCEPTED: N_("Agreed"),
    MeetingAnswer.DECLINED: N_("Declined"),
}
ASKED_BY = {
    MeetingSide.INVESTOR: N_("The investor"),
    MeetingSide.STARTUP: N_("The company"),
    MeetingSide.COMMISSION: N_("The commission's proposal"),
}
LEFT_OUT = {
    LeftOutReason.NO_COMMON_SLOT: N_("The two sides have no free slot in common."),
    LeftOutReason.CAP_REACHED: N_("The investor has reached the event's cap of meetings."),
    LeftOutReason.TABLES_FULL: N_("Every table is taken in the slots both sides are free."),
    LeftOutReason.PARTY_BUSY: N_(
        "In every slot both sides are free with a table, one of them has another meeting."
    ),
}
SOLVER_STATUSES = {
    "optimal": N_("Best possible (proven)"),
    "feasible": N_("Good, not proven best (the time limit ended the search)"),
}


def meeting_status(status: MeetingStatus) -> str:
    return translate(MEETING_STATUSES[status])


def answer_label(answer: MeetingAnswer) -> str:
    return translate(ANSWERS[answer])


def asked_by(side: MeetingSide) -> str:
    return translate(ASKED_BY[side])


def left_out_reason(reason: str) -> str:
    try:
        return translate(LEFT_OUT[LeftOutReason(reason)])
    except ValueError:  # a reason a later solver added: shown as it is
        return reason


def solver_status(status: str) -> str:
    return translate(SOLVER_STATUSES[status]) if status in SOLVER_STATUSES else status


def clock(moment: dt.datetime) -> str:
    """A local time of the event as its wall clock: 09:30."""
    return moment.strftime("%H:%M")


def time_of_day(moment: dt.datetime, day_said: dt.date | None) -> str:
    """09:30, with its day first (11月5日 09:30) unless the reader was just told that day."""
    if moment.date() == day_said:
        return clock(moment)
    return f"{short_day(moment.date())} {clock(moment)}"


def weekday_name(day: dt.date) -> str:
    """星期六; Saturday."""
    return format_date(day, "EEEE", locale=BABEL_LOCALES[current_language()])


def full_day(day: dt.date) -> str:
    """2026年11月5日星期四; Thursday, 5 November 2026."""
    return day_heading(day, current_language())


def short_day(day: dt.date) -> str:
    """11月5日; 5 Nov. With its year when that is not this year's (2025年11月6日; 6 Nov
    2025), so last year's conference does not read as this year's."""
    skeleton = "MMMd" if day.year == outcomes.today().year else "yMMMd"
    return format_skeleton(skeleton, day, locale=BABEL_LOCALES[current_language()])
