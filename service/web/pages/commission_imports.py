"""The commission's imports: upload a CSV or Excel file, see what it would do and every row
error, then confirm. Nothing is written until the officer confirms a file with no errors."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import UploadFile

from service.core.database import SessionDep
from service.http.auth import Principal
from service.i18n.catalogs import translate
from service.imports.columns import BadHeaders, ImportKind
from service.imports.reading import UnreadableFile
from service.imports.runner import ImportedStatus, ImportOutcome, import_file
from service.imports.updating import ImportAborted
from service.web.import_wording import columns_of, file_problem, row_problem
from service.web.pages.common import (
    CommissionVisitor,
    SubmittedForm,
    render,
)

router = APIRouter(include_in_schema=False)
# Uploaded files wait here between the check and the confirmation, under a random name.
UPLOADS = Path("var/uploads")
SUFFIXES = frozenset({".csv", ".xlsx"})


def _stored_upload(token: str) -> Path | None:
    """The upload a confirmation names, if it is one of ours."""
    if not token or not all(ch.isalnum() or ch in "-_." for ch in token):
        return None
    path = UPLOADS / token
    return path if path.suffix in SUFFIXES and path.is_file() else None


def _choices(values: Any) -> dict[str, Any]:
    kind = values.get("kind")
    status = values.get("status")
    return {
        "kind": ImportKind(kind) if kind in {k.value for k in ImportKind} else ImportKind.REQUESTS,
        "status": ImportedStatus(status)
        if status in {s.value for s in ImportedStatus}
        else ImportedStatus.SUBMITTED,
        "update": values.get("update") == "on",
    }


async def _run(
    session: Session, visitor: Principal, path: Path, choices: dict[str, Any], *, check: bool
) -> ImportOutcome:
    # Sessions on the request's own binding: the service's engine, or under the tests the
    # test's transaction (savepoints inside it).
    bind = session.get_bind()
    sessions = sessionmaker(
        bind=bind, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    return await run_in_threadpool(
        import_file,
        engine=bind.engine,
        sessions=sessions,
        principal=visitor,
        kind=choices["kind"],
        path=path,
        update=choices["update"],
        status=choices["status"],
        check_only=check,
    )


@router.get("/commission/imports")
def import_page(request: Request, visitor: CommissionVisitor) -> Response:
    context = {
        "choices": _choices({}),
        "kinds": list(ImportKind),
        "statuses": list(ImportedStatus),
        "columns_of": columns_of,
    }
    return render(request, visitor, "commission/imports.html", context)


@router.post("/commission/imports")
async def check_import(
    request: Request, session: SessionDep, visitor: CommissionVisitor, form: SubmittedForm
) -> Response:
    """Read and check the uploaded file; show what it would write and its row errors."""
    choices = _choices(form)
    upload = form.get("file")
    context: dict[str, Any] = {
        "choices": choices,
        "kinds": list(ImportKind),
        "statuses": list(ImportedStatus),
        "row_problem": row_problem,
        "columns_of": columns_of,
    }
    suffix = Path(upload.filename or "").suffix.lower() if isinstance(upload, UploadFile) else ""
    if not isinstance(upload, UploadFile) or suffix not in SUFFIXES:
        await form.close()
        context["problem"] = translate("Choose a .csv or .xlsx file.")
        return render(request, visitor, "commission/imports.html", context)
    UPLOADS.mkdir(parents=True, exist_ok=True)
    token = f"{secrets.token_urlsafe(16)}{suffix}"
    path = UPLOADS / token
    path.write_bytes(await upload.read())
    await form.close()
    try:
        outcome = await _run(session, visitor, path, choices, check=True)
    except (UnreadableFile, BadHeaders) as unusable:
        path.unlink(missing_ok=True)
        context["problem"] = f"{translate('The file cannot be imported:')} {file_problem(unusable)}"
        return render(request, visitor, "commission/imports.html", context)
    if outcome.errors:
        path.unlink(missing_ok=True)  # to be fixed and uploaded again
    context.update(outcome=outcome, token=token, file_name=upload.filename)
    return render(request, visitor, "commission/imports.html", context)


@router.post("/commission/imports/confirm")
async def confirm_import(
    request: Request, session: SessionDep, visitor: CommissionVisitor, form: SubmittedForm
) -> Response:
    """Import a checked file for real: checked again, all or nothing."""
    choices = _choices(form)
    path = _stored_upload(str(form.get("token", "")))
    context: dict[str, Any] = {
        "choices": choices,
        "kinds": list(ImportKind),
        "statuses": list(ImportedStatus),
        "row_problem": row_problem,
        "columns_of": columns_of,
    }
    if path is None:
        context["problem"] = translate("That upload is gone; upload the file again.")
        return render(request, visitor, "commission/imports.html", context)
    try:
        outcome = await _run(session, visitor, path, choices, check=False)
    except (UnreadableFile, BadHeaders, ImportAborted) as refused_file:
        context["problem"] = f"{translate('The file cannot be imported:')} {refused_file}"
        return render(request, visitor, "commission/imports.html", context)
    finally:
        path.unlink(missing_ok=True)
    context.update(outcome=outcome, done=True, file_name=str(form.get("file_name", "")))
    return render(request, visitor, "commission/imports.html", context)
