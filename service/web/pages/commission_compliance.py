"""The commission's compliance page: the foreign-investment negative lists in force, the
published requests they restrict or close, the foreign mandates concerned, and the blocked
pairs with why."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from service.compliance.service import check_compliance
from service.core.database import SessionDep
from service.i18n.languages import current_language
from service.ranking.dependencies import MatchIndexDep
from service.reference_data.foreign_investment import current_rules
from service.web.pages.common import CommissionVisitor, render

router = APIRouter(include_in_schema=False)


@router.get("/commission/compliance")
async def compliance_page(
    request: Request, session: SessionDep, visitor: CommissionVisitor, index: MatchIndexDep
) -> Response:
    language = current_language()
    # Scoring the foreign mandates against the affected requests is CPU work: off the loop.
    check = await run_in_threadpool(check_compliance, session, index, language)
    rules = current_rules()
    context = {
        "check": check,
        "rules": rules,
        "language": language,
        "items": {
            item.id: item for negative_list in rules.lists.values() for item in negative_list.items
        },
    }
    return render(request, visitor, "commission/compliance.html", context)
