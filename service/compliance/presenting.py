"""The check and the lists as responses, in the reader's language."""

from __future__ import annotations

from service.compliance.schemas import (
    AffectedMandateOut,
    AffectedRequestOut,
    CheckedPairOut,
    ComplianceCheckOut,
    ListItemOut,
    NegativeListOut,
    NegativeListsOut,
)
from service.compliance.service import CheckedPair, ComplianceCheck
from service.i18n.reasons import Reader
from service.matches.service import reasons_out
from service.reference_data.catalog import Language
from service.reference_data.foreign_investment import ForeignInvestmentRules


def _pair_out(pair: CheckedPair) -> CheckedPairOut:
    return CheckedPairOut(
        investor_profile_id=pair.investor_profile_id,
        investor_name=pair.investor_name,
        financing_request_id=pair.financing_request_id,
        company=pair.company,
        title=pair.title,
        score=pair.score,
        reason=reasons_out([pair.reason], Reader(pair.investor_name))[0],
    )


def check_out(check: ComplianceCheck) -> ComplianceCheckOut:
    return ComplianceCheckOut(
        published_requests=check.published_requests,
        foreign_mandates=check.foreign_mandates,
        requests=[
            AffectedRequestOut(
                financing_request_id=r.id,
                company=r.company,
                title=r.title,
                sectors=list(r.sectors),
                region=r.region,
                list_id=r.compliance.list_id,
                outcome="prohibited" if r.compliance.is_prohibited else "restricted",
                items=list(r.compliance.prohibited or r.compliance.restricted),
                blocked_pairs=r.blocked_pairs,
                restricted_pairs=r.restricted_pairs,
            )
            for r in check.requests
        ],
        mandates=[
            AffectedMandateOut(
                investor_profile_id=m.id,
                name=m.name,
                blocked_pairs=m.blocked_pairs,
                restricted_pairs=m.restricted_pairs,
            )
            for m in check.mandates
        ],
        blocked_pairs=[_pair_out(p) for p in check.blocked_pairs],
        restricted_pairs=[_pair_out(p) for p in check.restricted_pairs],
    )


def lists_out(rules: ForeignInvestmentRules, language: Language) -> NegativeListsOut:
    return NegativeListsOut(
        note=rules.note,
        regions_note=rules.regions_note,
        lists=[
            NegativeListOut(
                id=negative_list.id,
                name=negative_list.name_in(language),
                edition=negative_list.edition,
                source=negative_list.source,
                regions=rules.regions_of(negative_list.id),
                default=negative_list.id == rules.default_list,
                items=[
                    ListItemOut(
                        id=item.id,
                        title=item.title_in(language),
                        measure=item.measure,
                        restriction=[]
                        if item.restriction is None
                        else list(item.restriction.kinds),
                        max_foreign_percent=None
                        if item.restriction is None
                        else item.restriction.max_foreign_percent,
                        text=item.text_in(language),
                        quoted=item.quoted,
                        sectors=list(item.sectors),
                        illustrative=item.illustrative,
                        mapping_note=item.mapping_note,
                        checked_against=list(item.checked_against),
                    )
                    for item in negative_list.items
                ],
            )
            for negative_list in rules.lists.values()
        ],
    )
