"""The investor's deal history: its recorded deals, adding one, importing a file of them
(every row checked first; nothing is written unless every row is valid)."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from models import InvestorProfile
from service.core.database import SessionDep, start_writing
from service.deals import service as deals
from service.deals.schemas import DealWrite
from service.http.problems import Invalid, NotFound
from service.i18n.catalogs import translate
from service.i18n.reasons import N_
from service.imports.reading import UnreadableFile, read_table
from service.reference_data.catalog import get_reference_data
from service.web.forms import FormState, amount_field, validated
from service.web.import_wording import file_problem
from service.web.pages.common import (
    InvestorVisitor,
    SubmittedForm,
    not_found,
    render,
)
from service.web.pages.mandates import OwnMandate
from service.web.responses import redirect

router = APIRouter(include_in_schema=False)
FIELDS = ("company", "sector", "stage", "region", "amount", "currency", "closed_on")
# Each field as the form labels it, for naming it in a file's row problems.
FIELD_LABELS = {
    "company": N_("Company"),
    "sector": N_("Sector"),
    "stage": N_("Stage"),
    "region": N_("Region"),
    "amount": N_("Amount"),
    "currency": N_("Currency"),
    "closed_on": N_("Closed on"),
}
# A date as spreadsheets and people write it: 2025-06-30, 2025/6/30, 2025.6.30, 2025年6月30日,
# or an Excel date cell read as 2025-06-30 00:00:00.
_WRITTEN_DATE = re.compile(
    r"(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
    r"(?:[ T]00:00(?::00)?)?"
)


def _iso_date(written: str) -> str:
    """``written`` as an ISO date when it is one of the ways above; else as written, for
    the form's check to word the problem."""
    found = _WRITTEN_DATE.fullmatch(written.strip())
    if found is None:
        return written
    try:
        return dt.date(int(found["year"]), int(found["month"]), int(found["day"])).isoformat()
    except ValueError:
        return written


def _parsed_day(iso: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(iso) if iso else None
    except ValueError:
        return None


# A file's column headers: the field names, or what a Chinese spreadsheet calls them.
HEADERS = {
    "company": "company",
    "公司": "company",
    "企业名称": "company",
    "sector": "sector",
    "行业": "sector",
    "stage": "stage",
    "阶段": "stage",
    "融资阶段": "stage",
    "region": "region",
    "区域": "region",
    "amount": "amount",
    "金额": "amount",
    "currency": "currency",
    "币种": "currency",
    "closed_on": "closed_on",
    "交割日期": "closed_on",
    "日期": "closed_on",
}
SHOWN = 200


def _context(session: Session, mandate: InvestorProfile, **extra: Any) -> dict[str, Any]:
    recorded, total = deals.list_for_investor(
        session=session, profile=mandate, limit=SHOWN, offset=0
    )
    reference = get_reference_data()
    return {
        "mandate": mandate,
        "deals": recorded,
        "total": total,
        "commitments": deals.commitments_of(session=session, profile=mandate),
        "sectors": reference.sectors,
        "stages": reference.stages,
        "regions": reference.regions,
        "currencies": reference.entries("currency"),
        "form": extra.pop("form", FormState(values={"currency": "CNY"})),
        **extra,
    }


def _deal_data(state: FormState) -> dict[str, Any]:
    """A deal as the API takes it; an empty amount means none (a deal may keep it private)."""
    data: dict[str, Any] = {
        name: state.values.get(name) or None for name in ("company", "sector", "stage")
    }
    data["region"] = state.values.get("region") or None
    data["closed_on"] = _iso_date(state.values.get("closed_on", "")) or None
    if state.values.get("amount"):
        data["currency"] = state.values.get("currency") or "CNY"
        data["amount"] = amount_field(state, "amount", data["currency"])
    return data


@router.get("/investor/mandates/{mandate_id}/deals")
def deal_history(
    request: Request, session: SessionDep, visitor: InvestorVisitor, mandate: OwnMandate
) -> Response:
    query = request.query_params
    count, skipped = query.get("count", ""), query.get("skipped", "0")
    imported = None
    if count.isdigit() and skipped.isdigit():
        imported = (
            translate(
                "%(count)s deals imported; %(skipped)s rows are deals recorded already and "
                "were left out."
            )
            if int(skipped)
            else translate("%(count)s deals imported.")
        ) % {"count": count, "skipped": skipped}
    notice = {
        "deleted": translate("The deal is removed from your history."),
        "imported": imported,
    }.get(query.get("done", ""))
    return render(
        request, visitor, "investor/deals.html", _context(session, mandate, notice=notice)
    )


@router.post("/investor/mandates/{mandate_id}/deals/{deal_id}/delete")
def delete_deal(
    request: Request,
    session: SessionDep,
    visitor: InvestorVisitor,
    mandate: OwnMandate,
    deal_id: str,
    form: SubmittedForm,
) -> Response:
    """Remove a deal recorded by mistake (another mandate's deal is not found: 404)."""
    try:
        deal = deals.get(session=session, profile=mandate, deal_id=deal_id)
    except NotFound:
        return not_found(request, visitor)
    start_writing(session)
    deals.delete(session=session, principal=visitor, deal=deal)
    return redirect(request, f"/investor/mandates/{mandate.id}/deals?done=deleted")


@router.post("/investor/mandates/{mandate_id}/deals")
async def add_deal(
    request: Request,
    session: SessionDep,
    visitor: InvestorVisitor,
    mandate: OwnMandate,
    form: SubmittedForm,
) -> Response:
    state = FormState(values={name: str(form.get(name, "")).strip() for name in FIELDS})
    data = _deal_data(state)
    checked = validated(DealWrite, data, state)
    # Said with the other problems, not on the next try: the service refuses the date only
    # once every field is well formed.
    day = _parsed_day(data["closed_on"])
    if day is not None and deals.closes_after_today(day) and "closed_on" not in state.errors:
        state.errors["closed_on"] = translate("A deal cannot close after today.")
        checked = None
    if checked is not None:
        start_writing(session)
        try:
            deals.record(session=session, principal=visitor, profile=mandate, data=checked)
        except Invalid:
            state.errors["closed_on"] = translate("A deal cannot close after today.")
        else:
            return redirect(request, f"/investor/mandates/{mandate.id}/deals")
    return render(request, visitor, "investor/deals.html", _context(session, mandate, form=state))


@router.post("/investor/mandates/{mandate_id}/deals/import")
async def import_deals(
    request: Request,
    session: SessionDep,
    visitor: InvestorVisitor,
    mandate: OwnMandate,
    form: SubmittedForm,
) -> Response:
    """Every row checked as the form checks one deal; all written, or none."""
    upload = form.get("file")
    suffix = Path(upload.filename or "").suffix.lower() if isinstance(upload, UploadFile) else ""
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    await form.close()
    problems: list[tuple[int, str]] = []
    checked_rows: list[DealWrite] = []
    if suffix not in {".csv", ".xlsx"}:
        problems.append((0, translate("Choose a .csv or .xlsx file.")))
    else:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / f"deals{suffix}"
            path.write_bytes(content)
            try:
                table = read_table(path)
            except UnreadableFile as unreadable:
                problems.append((0, file_problem(unreadable)))
                table = None
        if table is not None:
            columns = [HEADERS.get(header.strip().lower(), "") for header in table.headers]
            for row in table.rows:
                values = {
                    field: cell.strip() for field, cell in zip(columns, row.cells, strict=False)
                }
                state = FormState(values={name: values.get(name, "") for name in FIELDS})
                checked = validated(DealWrite, _deal_data(state), state)
                if checked is not None and deals.closes_after_today(checked.closed_on):
                    state.errors["closed_on"] = translate("A deal cannot close after today.")
                if state.errors:
                    problems.extend(
                        (
                            row.number,
                            translate("%(field)s: %(problem)s")
                            % {"field": translate(FIELD_LABELS[name]), "problem": message},
                        )
                        for name, message in state.errors.items()
                    )
                elif checked is not None:
                    checked_rows.append(checked)
    if not problems and checked_rows:
        start_writing(session)
        known = deals.recorded_keys(session=session, profile=mandate)
        written = 0
        for checked in checked_rows:
            key = deals.deal_key(checked)
            if key in known:  # recorded already, or twice in the file
                continue
            known.add(key)
            deals.record(session=session, principal=visitor, profile=mandate, data=checked)
            written += 1
        skipped = len(checked_rows) - written
        return redirect(
            request,
            f"/investor/mandates/{mandate.id}/deals?done=imported&count={written}"
            f"&skipped={skipped}",
        )
    if not problems:
        problems.append((0, translate("The file has no rows.")))
    context = _context(session, mandate, import_problems=problems)
    # Refused, nothing recorded: as any form sent back with its problems.
    return render(request, visitor, "investor/deals.html", context, status_code=422)
