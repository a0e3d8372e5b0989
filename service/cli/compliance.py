"""``matchmaker compliance check``: which published requests the foreign-investment negative
lists restrict or close, which foreign mandates that touches, and the blocked pairs."""

from __future__ import annotations

import enum
import json
from typing import Annotated

import typer

from service.cli.common import built_index, migrated_session
from service.compliance.presenting import check_out
from service.compliance.service import ComplianceCheck, check_compliance
from service.i18n.catalogs import translate
from service.i18n.languages import reading_in
from service.i18n.reasons import N_
from service.reference_data.catalog import Language, get_reference_data
from service.reference_data.foreign_investment import current_rules

compliance_app = typer.Typer(
    help="Foreign-investment negative lists: which requests and mandates they affect.",
    no_args_is_help=True,
)


class CheckLanguage(enum.StrEnum):
    ZH = "zh"
    EN = "en"


HEADING = N_("Foreign-investment negative lists: compliance check")
LISTS = N_("Lists in force:")
DEFAULT_LIST = N_("every region not listed")
COUNTS = N_("{requests} published requests, {mandates} foreign mandates")
AFFECTED_REQUESTS = N_("Requests affected ({count}):")
AFFECTED_MANDATES = N_("Foreign mandates affected ({count}):")
BLOCKED_PAIRS = N_("Blocked pairs ({count}): not matches")
RESTRICTED_PAIRS = N_("Restricted pairs ({count}): matches, with the restriction stated")
REQUEST_LINE = N_(
    "{outcome}: {company}, {title} ({region}; {items}): {blocked} blocked, {restricted} restricted"
)
MANDATE_LINE = N_("{name}: {blocked} blocked, {restricted} restricted")
PAIR_LINE = N_("{investor} x {company} (score {score}): {reason}")
NONE = N_("none")
NO_REGION = N_("no region")
OUTCOMES = {"prohibited": N_("prohibited"), "restricted": N_("restricted")}
ILLUSTRATIVE_NOTE = N_(
    "Items marked illustrative were not checked against the official text; see the rules "
    "file's note."
)


def _text(check: ComplianceCheck, language: Language) -> str:
    rules = current_rules()
    reference = get_reference_data()

    def t(message: str, **values: object) -> str:
        return translate(message, language).format(**values)

    lines = [t(HEADING), t(LISTS)]
    for negative_list in rules.lists.values():
        regions = [
            reference.name_of("region", r, language) for r in rules.regions_of(negative_list.id)
        ]
        if negative_list.id == rules.default_list:
            regions.append(t(DEFAULT_LIST))
        colon = "：" if language == "zh" else ": "
        lines.append(f"  {negative_list.name_in(language)}{colon}{'、'.join(regions) or t(NONE)}")
    lines.append(t(COUNTS, requests=check.published_requests, mandates=check.foreign_mandates))
    lines.append(t(AFFECTED_REQUESTS, count=len(check.requests)))
    for request in check.requests:
        items = [
            rules.item(i) for i in request.compliance.prohibited or request.compliance.restricted
        ]
        lines.append(
            "  "
            + t(
                REQUEST_LINE,
                outcome=t(OUTCOMES[request.compliance.outcome]),
                company=request.company,
                title=request.title,
                region=t(NO_REGION)
                if request.region is None
                else reference.name_of("region", request.region, language),
                items="、".join(i.title_in(language) for i in items if i is not None),
                blocked=request.blocked_pairs,
                restricted=request.restricted_pairs,
            )
        )
    lines.append(t(AFFECTED_MANDATES, count=len(check.mandates)))
    for mandate in check.mandates:
        lines.append(
            "  "
            + t(
                MANDATE_LINE,
                name=mandate.name,
                blocked=mandate.blocked_pairs,
                restricted=mandate.restricted_pairs,
            )
        )
    for heading, pairs in (
        (BLOCKED_PAIRS, check.blocked_pairs),
        (RESTRICTED_PAIRS, check.restricted_pairs),
    ):
        lines.append(t(heading, count=len(pairs)))
        for pair in pairs:
            lines.append(
                "  "
                + t(
                    PAIR_LINE,
                    investor=pair.investor_name,
                    company=pair.company,
                    score=f"{pair.score:.2f}",
                    reason=pair.text,
                )
            )
    lines.append(t(ILLUSTRATIVE_NOTE))
    return "\n".join(lines)


@compliance_app.command("check")
def check(
    language: Annotated[
        CheckLanguage, typer.Option("--lang", help="zh (default) or en")
    ] = CheckLanguage.ZH,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print GET /v1/compliance/blocked-pairs's JSON")
    ] = False,
) -> None:
    """Report which published requests the foreign-investment negative list of their region
    restricts or closes, which foreign mandates that touches, and the pairs it blocks."""
    chosen: Language = "zh" if language is CheckLanguage.ZH else "en"
    with migrated_session() as session, reading_in(chosen):
        found = check_compliance(session, built_index(session), chosen)
        if as_json:
            typer.echo(
                json.dumps(check_out(found).model_dump(mode="json"), ensure_ascii=False, indent=2)
            )
            return
    typer.echo(_text(found, chosen))
