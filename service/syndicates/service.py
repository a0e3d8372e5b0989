"""Syndicates for a financing request: its ranked investors as candidates, composed into a
lead and followers (``service.syndicates.composer``), each explained.

Who is considered:

- The candidates are the request's matches as the serving ranker ranks them (sector, ticket
  and stage each fit: the eligibility of ``GET /v1/financing-requests/{id}/matches``), with
  their scores and reasons: for the commission, the best ``MAX_CANDIDATES`` and any matching
  investor further down that showed interest.
- The startup that owns the request sees syndicates only once an investor has shown interest
  in it (latest action interested, meeting or committed), and then only syndicates of the
  matching investors that did. It never sees an investor's mandate, so its members carry no
  reasons (they name the mandate's sectors, range and stages): names, tickets and scores.
  The tickets are proposals within the investors' ranges; one at the end of a range shows
  that end.
- An investor that committed an amount to the request takes its seat at that amount.
- Like the matches, syndicates are composed for a request in any status the caller may see
  (the commission may look before publishing); the startup's gate is interest, which only a
  published request can have received.

Amounts: a mandate's range is converted into the request's currency through the deployment's
exchange rates and rounded inwards to the cent (the minimum up, the maximum down), so each
ticket lies within the mandate's own range; a mandate whose currency has no rate is left out
(the ranker gives it no ticket fit either).

A history of leading: deals record the round's size, never the investor's role or ticket,
so what counts is what is known: a recorded round at the request's stage at least as large
as a lead's minimum ticket for this ask (a fifth of it), and a commitment of at least that
much, through the service, to another request at that stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Deal, Feedback, FeedbackAction, FinancingRequest, InvestorProfile
from service.feedback import service as feedback
from service.http.auth import Principal
from service.http.problems import Forbidden
from service.i18n.amounts import readable_amount

# `_` and `ngettext` are the names `make messages` (pybabel extract) looks for.
from service.i18n.catalogs import translate as _
from service.i18n.catalogs import translate_plural as ngettext
from service.i18n.languages import current_language
from service.i18n.reasons import N_, Reader
from service.investors.cards import ProfileCard
from service.matches.schemas import RankingModelOut
from service.matches.service import reasons_out
from service.ranking.index import MatchIndex
from service.ranking.ranker import RankedInvestors, RankingWindow, rank_investors
from service.ranking.serving import rounded_score
from service.reference_data.catalog import get_reference_data
from service.syndicates.composer import (
    DEFAULT_RULES,
    Candidate,
    Composition,
    Member,
    Obstacle,
    Syndicate,
    SyndicateRules,
    compose,
)
from service.syndicates.schemas import (
    Basis,
    MemberDisplayOut,
    SyndicateDisplayOut,
    SyndicateList,
    SyndicateMemberOut,
    SyndicateOut,
    SyndicateRulesOut,
)

MAX_CANDIDATES = 100
"""The commission's candidates: the request's best matches, this many at most (each is tried
as a lead; the composer's search grows with their number)."""
DEFAULT_LIMIT = 5
MAX_LIMIT = 10
CENT = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")
PERCENT_PLACES = Decimal("0.1")
NOT_YET_SHOWN = (
    "Syndicates are shown to the startup once an investor has shown interest in the request."
)

ROLE_LABELS = {"lead": N_("Lead"), "follower": N_("Follower")}
NO_CANDIDATES_NOTES: dict[Basis, str] = {
    "matches": N_(
        "No investor fits this request's sector, ticket and stage, so no syndicate can be formed."
    ),
    "interest": N_(
        "None of the investors that showed interest fits this request's sector, ticket and "
        "stage, so no syndicate can be formed."
    ),
}
NO_LEAD_NOTE = N_(
    "No candidate can lead: none invests at {stage} with a maximum ticket of at least "
    "{amount}, {share} of the ask."
)
CANNOT_COVER_NOTE = N_(
    "The candidates' tickets cannot cover the ask: all at their maximum they come to "
    "{reachable}, less than {lowest}, {share} of the ask."
)
LEAD_SENTENCE = N_("{lead} leads with {ticket}, {share} of the ask.")
NO_LEAD_HISTORY = N_(
    "Track record: nothing on record shows {lead} in a round at {stage} of at least {amount}."
)


@dataclass(frozen=True, slots=True)
class Considered:
    """An investor mandate considered for a seat: its position in the ranking (for its
    score, range and reasons), its name and the account that takes the seat."""

    position: int
    investor_id: str
    name: str
    seat: str


@dataclass(frozen=True, slots=True)
class Wording:
    """What the sentences and the members' amounts are written from."""

    ask: Decimal
    currency: str
    stage: str
    rules: SyndicateRules

    def amount(self, amount: Decimal) -> str:
        return readable_amount(amount.quantize(CENT, rounding=ROUND_HALF_UP), self.currency)

    def stage_name(self) -> str:
        return get_reference_data().name_of("stage", self.stage, current_language())


def require_visible(*, viewer: Principal, interested: bool) -> None:
    """The commission always; the owner startup (``VisibleFinancingRequest`` already refused
    anyone else's) only once an investor has shown interest. A 403, not a 404: the startup
    sees the request itself and is told why it may not see its syndicates yet."""
    if not viewer.is_commission and not interested:
        raise Forbidden(NOT_YET_SHOWN)


def syndicates_for_request(
    *,
    session: Session,
    index: MatchIndex,
    financing_request: FinancingRequest,
    viewer: Principal,
    limit: int = DEFAULT_LIMIT,
    rules: SyndicateRules = DEFAULT_RULES,
) -> SyndicateList:
    """The best syndicates for ``financing_request`` the viewer may see, best first."""
    interest = feedback.interest_in(session=session, financing_request=financing_request)
    require_visible(viewer=viewer, interested=bool(interest))
    basis: Basis = "matches" if viewer.is_commission else "interest"
    ranked = rank_investors(
        session=session,
        index=index,
        financing_request=financing_request,
        # The startup's candidates are found by position, not on a page of the ranking.
        window=RankingWindow(limit=MAX_CANDIDATES if basis == "matches" else 0),
    )
    ask, currency = financing_request.amount, financing_request.currency
    considered = _considered(ranked, [profile for profile, _ in interest], basis)
    committed = _commitments(interest, currency)
    rounds = _lead_rounds(
        session,
        financing_request,
        [c.investor_id for c in considered],
        rules.lead_min_ticket(ask),
    )
    candidates = []
    for mandate in considered:
        candidate = _candidate(
            ranked,
            mandate,
            currency,
            financing_request.stage,
            rounds[mandate.investor_id],
            committed.get(mandate.investor_id),
        )
        if candidate is not None:
            candidates.append(candidate)
    composition = compose(ask, candidates, limit=limit, rules=rules)
    wording = Wording(ask, currency, financing_request.stage, rules)
    by_id = {mandate.investor_id: mandate for mandate in considered}
    return SyndicateList(
        financing_request_id=financing_request.id,
        ask=ask,
        currency=currency,
        basis=basis,
        candidates=len(candidates),
        syndicates=[
            _syndicate_out(
                syndicate,
                by_id,
                ranked,
                wording,
                committed=frozenset(committed),
                show_reasons=viewer.is_commission,
            )
            for syndicate in composition.syndicates
        ],
        obstacle=composition.obstacle,
        note=_note(composition, basis, wording),
        rules=SyndicateRulesOut(
            coverage_low=float(rules.coverage_low),
            coverage_high=float(rules.coverage_high),
            lead_min_share=float(rules.lead_min_share),
            max_members=rules.max_members,
        ),
        # As the request's matches: the commission sees the model's weights.
        model=RankingModelOut(
            version=ranked.serving.version,
            weights=ranked.serving.weights if viewer.is_commission else None,
        ),
    )


def _seat(profile: InvestorProfile | ProfileCard) -> str:
    """The account a mandate sits for; a mandate without an account is a seat of its own."""
    return profile.owner_account_id or f"investor profile {profile.id}"


def _considered(
    ranked: RankedInvestors, interested: Sequence[InvestorProfile], basis: Basis
) -> list[Considered]:
    """The matches on the ranking's page (the commission's best ``MAX_CANDIDATES``), then
    the interested investors that are matches too, wherever they rank."""
    considered: dict[str, Considered] = {}
    if basis == "matches":
        for on_page in ranked.page:
            card = ranked.profiles[on_page]
            considered[card.id] = Considered(on_page, card.id, card.name, _seat(card))
    position_of = {investor.id: i for i, investor in enumerate(ranked.investors)}
    fits = ranked.components.fits
    for profile in interested:
        position = position_of.get(profile.id)
        if (
            position is not None
            and bool(fits[position])
            and not ranked.blocked(position)
            and profile.id not in considered
        ):
            considered[profile.id] = Considered(position, profile.id, profile.name, _seat(profile))
    return list(considered.values())


def _in_currency(
    amount: Decimal, currency: str, target: str, rounding: str = ROUND_HALF_UP
) -> Decimal | None:
    """``amount`` of ``currency`` in ``target`` to the cent, rounded as ``rounding`` says;
    None when either currency has no exchange rate."""
    if currency == target:
        return amount
    rates = get_reference_data().cny_per_unit
    source, destination = rates.get(currency), rates.get(target)
    if source is None or destination is None:
        return None
    return (amount * source / destination).quantize(CENT, rounding=rounding)


def _commitments(
    interest: Sequence[tuple[InvestorProfile, Feedback]], currency: str
) -> dict[str, Decimal]:
    """The amount each investor committed to the request, in the request's currency."""
    committed: dict[str, Decimal] = {}
    for profile, answer in interest:
        if answer.action is not FeedbackAction.COMMITTED or answer.amount is None:
            continue
        amount = _in_currency(answer.amount, answer.currency or currency, currency)
        if amount is not None and amount > 0:
            committed[profile.id] = amount
    return committed


def _lead_rounds(
    session: Session,
    financing_request: FinancingRequest,
    investor_ids: Sequence[str],
    lead_min_ticket: Decimal,
) -> dict[str, int]:
    """How many recorded rounds at the request's stage of at least ``lead_min_ticket``
    each investor took part in, plus its commitments of that much to other requests at that
    stage (see the module's docstring)."""
    rounds = dict.fromkeys(investor_ids, 0)
    if not investor_ids:
        return rounds
    currency, stage = financing_request.currency, financing_request.stage
    recorded = session.execute(
        select(Deal.investor_profile_id, Deal.amount, Deal.currency).where(
            Deal.investor_profile_id.in_(list(investor_ids)),
            Deal.stage == stage,
            Deal.amount.is_not(None),
        )
    ).tuples()
    committed = session.execute(
        select(
            Feedback.investor_profile_id,
            Feedback.amount,
            Feedback.currency,
            FinancingRequest.currency,
        )
        .join(FinancingRequest, FinancingRequest.id == Feedback.financing_request_id)
        .where(
            Feedback.investor_profile_id.in_(list(investor_ids)),
            Feedback.action == FeedbackAction.COMMITTED,
            Feedback.amount.is_not(None),
            FinancingRequest.stage == stage,
            FinancingRequest.id != financing_request.id,
        )
    ).tuples()
    amounts = [(i, amount, deal_currency) for i, amount, deal_currency in recorded] + [
        (i, amount, own or requested) for i, amount, own, requested in committed
    ]
    for investor_id, amount, amount_currency in amounts:
        if amount is None or amount_currency is None:
            continue
        converted = _in_currency(amount, amount_currency, currency, ROUND_FLOOR)
        if converted is not None and converted >= lead_min_ticket:
            rounds[investor_id] += 1
    return rounds


def _candidate(
    ranked: RankedInvestors,
    considered: Considered,
    currency: str,
    stage: str,
    lead_rounds: int,
    committed: Decimal | None,
) -> Candidate | None:
    """The composer's view of one considered mandate, or None when its range has no
    exchange rate into the request's currency (or is empty once rounded inwards)."""
    mandate = ranked.investors[considered.position]
    if committed is not None:
        low = high = committed
    else:
        converted_min = _in_currency(mandate.ticket_min, mandate.currency, currency, ROUND_CEILING)
        converted_max = _in_currency(mandate.ticket_max, mandate.currency, currency, ROUND_FLOOR)
        if converted_min is None or converted_max is None or converted_min > converted_max:
            return None
        low, high = converted_min, converted_max
    return Candidate(
        investor_id=considered.investor_id,
        seat=considered.seat,
        score=rounded_score(float(ranked.scores[considered.position])),
        ticket_min=low,
        ticket_max=high,
        invests_at_stage=stage in mandate.stages,
        lead_rounds=lead_rounds,
    )


def _ratio(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def _percent(ratio: Decimal) -> str:
    """33.3%, 100%: one decimal, none when it is zero."""
    text = f"{(ratio * 100).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP):f}"
    return text.removesuffix(".0") + "%"


def _syndicate_out(
    syndicate: Syndicate,
    considered: dict[str, Considered],
    ranked: RankedInvestors,
    wording: Wording,
    *,
    committed: frozenset[str],
    show_reasons: bool,
) -> SyndicateOut:
    return SyndicateOut(
        lead_investor_id=syndicate.lead.candidate.investor_id,
        members=[
            _member_out(
                member,
                considered[member.candidate.investor_id],
                ranked,
                wording,
                committed=member.candidate.investor_id in committed,
                show_reasons=show_reasons,
            )
            for member in syndicate.members
        ],
        total=syndicate.total,
        currency=wording.currency,
        coverage=float(_ratio(syndicate.total, wording.ask)),
        combined_fit=syndicate.combined_fit,
        lead_rounds=syndicate.lead.candidate.lead_rounds,
        explanation=_explanation(syndicate, considered, wording),
        display=SyndicateDisplayOut(
            total=wording.amount(syndicate.total),
            coverage=_percent(syndicate.total / wording.ask),
        ),
    )


def _member_out(
    member: Member,
    considered: Considered,
    ranked: RankedInvestors,
    wording: Wording,
    *,
    committed: bool,
    show_reasons: bool,
) -> SyndicateMemberOut:
    return SyndicateMemberOut(
        investor_id=considered.investor_id,
        name=considered.name,
        role=member.role,
        ticket=member.ticket,
        currency=wording.currency,
        share_of_ask=float(_ratio(member.ticket, wording.ask)),
        score=member.candidate.score,
        committed=committed,
        # The commission reads the investor's name in each reason, as in the matches.
        reasons=reasons_out(ranked.explain(considered.position), Reader(considered.name))
        if show_reasons
        else None,
        display=MemberDisplayOut(
            role=_(ROLE_LABELS[member.role]), ticket=wording.amount(member.ticket)
        ),
    )


def _explanation(syndicate: Syndicate, considered: dict[str, Considered], wording: Wording) -> str:
    """Who leads with how much, what the followers bring, and the lead's record."""
    lead = syndicate.lead
    lead_name = considered[lead.candidate.investor_id].name
    followers = len(syndicate.followers)
    lead_min_ticket = wording.amount(wording.rules.lead_min_ticket(wording.ask))
    if lead.candidate.lead_rounds:
        record = ngettext(
            "Track record: {lead} took part in {count} round at {stage} of at least {amount}.",
            "Track record: {lead} took part in {count} rounds at {stage} of at least {amount}.",
            lead.candidate.lead_rounds,
        )
    else:
        record = _(NO_LEAD_HISTORY)
    sentences = [
        _(LEAD_SENTENCE).format(
            lead=lead_name,
            ticket=wording.amount(lead.ticket),
            share=_percent(lead.ticket / wording.ask),
        ),
        ngettext(
            "{count} follower brings the total to {total}, {coverage} of the ask.",
            "{count} followers bring the total to {total}, {coverage} of the ask.",
            followers,
        ).format(
            count=followers,
            total=wording.amount(syndicate.total),
            coverage=_percent(syndicate.total / wording.ask),
        ),
        record.format(
            lead=lead_name,
            count=lead.candidate.lead_rounds,
            stage=wording.stage_name(),
            amount=lead_min_ticket,
        ),
    ]
    # Chinese sentences end in "。" and follow each other without a space.
    return ("" if current_language() == "zh" else " ").join(sentences)


def _note(composition: Composition, basis: Basis, wording: Wording) -> str | None:
    """Why there is no syndicate, in a sentence; None when there are syndicates."""
    rules, ask = wording.rules, wording.ask
    match composition.obstacle:
        case None:
            return None
        case Obstacle.NO_CANDIDATES:
            return _(NO_CANDIDATES_NOTES[basis])
        case Obstacle.NO_LEAD:
            return _(NO_LEAD_NOTE).format(
                stage=wording.stage_name(),
                amount=wording.amount(rules.lead_min_ticket(ask)),
                share=_percent(rules.lead_min_share),
            )
        case Obstacle.CANNOT_COVER:
            return _(CANNOT_COVER_NOTE).format(
                reachable=wording.amount(composition.reachable_total),
                lowest=wording.amount(rules.lowest_total(ask)),
                share=_percent(rules.coverage_low),
            )
        case Obstacle.NO_COMBINATION:
            return ngettext(
                "No lead with at most {count} follower brings the total within {margin} of "
                "the ask while each follower puts in no more than the lead.",
                "No lead with at most {count} followers brings the total within {margin} of "
                "the ask while each follower puts in no more than the lead.",
                rules.max_followers,
            ).format(count=rules.max_followers, margin=_percent(rules.coverage_high - 1))
