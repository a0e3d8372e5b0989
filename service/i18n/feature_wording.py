"""The ranker's features as people read them (a sign change warned of on a version's page):
the codes stay in the API and the stored metrics; a feature not listed here is shown as its
code. A pairwise product (``sector*ticket``) is worded as its two parts."""

from __future__ import annotations

from service.i18n.catalogs import translate
from service.i18n.reasons import N_

_FEATURES: dict[str, str] = {
    "sector": N_("sector fit"),
    "ticket": N_("ticket fit"),
    "stage": N_("stage fit"),
    "text": N_("thesis and summary in common"),
    "log_rounds": N_("number of deals"),
    "log_recent_rounds": N_("number of deals in the last year"),
    "log_category": N_("deals in the request's sector"),
    "log_category_and_type": N_("deals in the request's sector and stage"),
    "log_round_type": N_("deals at the request's stage"),
    "log_region": N_("deals in the request's region"),
    "log_recent_category": N_("deals in the request's sector in the last year"),
    "category_share": N_("share of deals in the request's sector"),
    "region_share": N_("share of deals in the request's region"),
    "portfolio_company": N_("backed the company before"),
    "log_amount": N_("amount asked"),
    "log_co_investments": N_("deals shared with the company's backers"),
    "log_recent_co_investments": N_("deals shared with the company's backers in the last year"),
}


def feature_name(code: str) -> str:
    """A feature in the reader's language; ``a*b`` as both parts joined by ×."""
    parts = code.split("*")
    return " × ".join(translate(_FEATURES[p]) if p in _FEATURES else p for p in parts)
