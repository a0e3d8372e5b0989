"""Agendas, table plans and proposals as response bodies."""

from __future__ import annotations

from sqlalchemy.orm import Session

from models import Event
from service.conference import meetings
from service.conference.agendas import Agenda, AgendaEntry, EarlierSeat, TablePlan
from service.conference.proposals import Proposals
from service.conference.schemas import (
    AgendaEntryOut,
    AgendaOut,
    EarlierSeatOut,
    OutreachTargetOut,
    ProposalsOut,
    TablePlanOut,
    TablePlanSlotOut,
)
from service.i18n.event_names import event_name, event_place
from service.i18n.request_text import request_title


def _entry_out(entry: AgendaEntry, earlier: EarlierSeat | None = None) -> AgendaEntryOut:
    return AgendaEntryOut(
        meeting_id=entry.meeting_id,
        starts_at=entry.starts_at,
        ends_at=entry.ends_at,
        table=entry.table,
        company=entry.company,
        request_title=entry.request_title,
        investor_name=entry.investor_name,
        moved_from=(
            None
            if earlier is None
            else EarlierSeatOut(starts_at=earlier.starts_at, table=earlier.table)
        ),
    )


def agenda_out(agenda: Agenda) -> AgendaOut:
    return AgendaOut(
        event_id=agenda.event.id,
        event_name=event_name(agenda.event),
        place=event_place(agenda.event),
        time_zone=agenda.event.time_zone,
        holder=agenda.holder,
        schedule_id=agenda.schedule.id if agenda.schedule is not None else None,
        entries=[_entry_out(entry, agenda.moved.get(entry.meeting_id)) for entry in agenda.entries],
    )


def table_plan_out(plan: TablePlan) -> TablePlanOut:
    return TablePlanOut(
        event_id=plan.event.id,
        event_name=event_name(plan.event),
        time_zone=plan.event.time_zone,
        schedule_id=plan.schedule.id,
        meetings=plan.meetings,
        out_of_date=plan.seats_out_of_date,
        no_longer_free=plan.drift.no_longer_free,
        called_off=plan.drift.called_off,
        unplaced=plan.drift.unplaced,
        slots=[
            TablePlanSlotOut(
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                tables=[_entry_out(e) if e is not None else None for e in slot.tables],
            )
            for slot in plan.slots
        ],
    )


def proposals_out(session: Session, event: Event, made: Proposals) -> ProposalsOut:
    return ProposalsOut(
        proposed=meetings.meetings_out(session, made.proposed, event),
        outreach_targets=[
            OutreachTargetOut(
                financing_request_id=target.financing_request.id,
                company=target.financing_request.company,
                request_title=request_title(target.financing_request),
                meetings=target.meetings,
            )
            for target in made.outreach_targets
        ],
    )
