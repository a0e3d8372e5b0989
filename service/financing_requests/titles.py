"""A request's title as a query's column, in the reader's language: where a page reads
titles by the row (meetings, agendas, deals), the English title is chosen in SQL rather than
carried beside the title through every tuple."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func

from models.financing_request import FinancingRequest
from service.i18n.languages import current_language


def title_as_read() -> ColumnElement[str]:
    """The English title for an English reader when the startup gave one, else the title as
    written; labelled ``title``."""
    if current_language() == "en":
        english = func.nullif(FinancingRequest.title_en, "")
        return func.coalesce(english, FinancingRequest.title).label("title")
    return FinancingRequest.title.label("title")
