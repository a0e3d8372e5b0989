"""Forms: what a person typed, checked by the API's own schemas, with each problem written
beside its field in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from service.http.problems import Invalid
from service.i18n.catalogs import translate
from service.i18n.languages import current_language, joined
from service.i18n.reasons import N_
from service.imports.amounts import AmountError, parse_amount, split_currency
from service.reference_data.catalog import get_reference_data

ModelT = TypeVar("ModelT", bound=BaseModel)

# Pydantic's and the service's error codes, as a person reads them.
_MESSAGES = {
    "missing": N_("Fill this in."),
    "string_too_short": N_("Fill this in."),
    "too_short": N_("Choose at least one."),
    "string_too_long": N_("This is too long: at most %(max_length)s characters."),
    "too_long": N_("Choose at most %(max_length)s."),
    "unknown_sector": N_("Choose a sector from the list."),
    "unknown_stage": N_("Choose a stage from the list."),
    "unknown_region": N_("Choose a region from the list."),
    "unknown_currency": N_("Choose a currency from the list."),
    "unknown_investor_kind": N_("Choose a kind from the list."),
    "unknown_origin": N_("Choose one from the list."),
    "unknown_event": N_("This event is no longer on the list: choose another, or none."),
    "event_over": N_("This event has been held: choose an event still to come, or none."),
    "greater_than": N_("The amount must be above zero."),
    "less_than_equal": N_("Enter a number no larger than %(le)s."),
    "greater_than_equal": N_("Enter a number no smaller than %(ge)s."),
    "int_parsing": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "enum": N_("Choose one from the list."),
    "account_exists": N_("An account of this kind already has this name."),
    "ticket_range": N_("The minimum is above the maximum."),
    "day_in_the_past": N_("Choose today or a later day: meetings are planned ahead."),
    "day_before_event": N_("The event is on %(date)s: its meetings are on that day or later."),
    "day_after_event": N_(
        "The event is on %(date)s: its meetings are on that day or within %(days)s days after "
        "it (the last day of meetings is %(last)s at the latest)."
    ),
    "no_such_time": N_(
        "On that day the clocks skip a time of the programme (summer time begins): choose "
        "another day, or change the programme's hours first."
    ),
    "passwords_differ": N_("The two passwords differ."),
    "amount": N_(
        "Write an amount such as 3.5 billion, 50 million or 3,000,000,000 (Chinese units "
        "such as 30亿 or 5000万 work too)."
    ),
    # Money keeps 17 digits, two after the point (what SQLite stores exactly).
    "decimal_max_digits": N_("This amount is too large: at most 999,999,999,999,999.99."),
    "decimal_whole_digits": N_("This amount is too large: at most 999,999,999,999,999.99."),
    "decimal_max_places": N_("Write at most two decimal places (to the cent)."),
    "credit_code": N_(
        "This is not a unified social credit code: check the 18 characters (the last one is "
        "a check character)."
    ),
    "string_pattern_mismatch": N_(
        "Write digits, spaces, brackets or dashes, such as 021-5555 0100."
    ),
    "date_parsing": N_("Write a date such as 2025-06-30."),
    "date_from_datetime_parsing": N_("Write a date such as 2025-06-30."),
    "date_from_datetime_inexact": N_("Write a date such as 2025-06-30."),
    "phone_digits": N_(
        "A phone number has %(fewest)s to %(most)s digits, such as 021-5555 0100 or 138 0013 8000."
    ),
}
_DEFAULT_MESSAGE = N_("This value is not valid.")
_WITHOUT_FIGURES = {"string_too_long": N_("This is too long."), "too_long": N_("Choose fewer.")}
# The rule itself is the field's hint, just above the message.
_USERNAME_RULE = N_("This username does not follow the rule above.")
# Where a field says more than its error code: a phone number too short to be one is
# answered with what a phone number looks like, not with "fill this in".
_FIELD_MESSAGES = {
    ("contact_phone", "string_too_short"): _MESSAGES["string_pattern_mismatch"],
    ("reason", "pass_reason"): N_("Choose a reason for passing."),
    ("date", "greater_than_equal"): N_("Choose a day from 2000 to 2099."),
    ("date", "less_than_equal"): N_("Choose a day from 2000 to 2099."),
    ("username", "string_too_short"): _USERNAME_RULE,
    ("username", "string_too_long"): _USERNAME_RULE,
    ("username", "string_pattern_mismatch"): _USERNAME_RULE,
    ("ticket_max", "ticket_range"): N_("The largest ticket cannot be below the smallest."),
}
# A rule between two fields side by side is said once, beside the second (a walk read the
# same sentence under both boxes).
_SAID_BESIDE_ANOTHER = frozenset({("ticket_min", "ticket_range")})
# What an empty text box fails with before "missing": said as "fill this in", whatever the
# field's own rule (a username's, a phone number's) says about a filled one.
_DATE_CODES = ("date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact")
_EMPTY_TEXT_CODES = frozenset({"string_too_short", "string_pattern_mismatch", *_DATE_CODES})
# A sign written before an amount: 0 and less are refused as "above zero", not as unreadable.
_NEGATIVE = ("-", "−", "－", "负")


def message_for(code: str, context: Mapping[str, Any] | None = None) -> str | None:
    """A validation code's message in the reader's language, its bounds filled in; None for
    a code without one."""
    text = _MESSAGES.get(code)
    if text is None:
        return None
    message = translate(text)
    if "%(" not in message:
        return message
    try:
        return message % {
            key: f"{value:g}" if isinstance(value, float) else value
            for key, value in (context or {}).items()
        }
    except KeyError:  # the bound was not passed on: say the rule without its figure
        return translate(_WITHOUT_FIGURES.get(code, _DEFAULT_MESSAGE))


@dataclass
class FormState:
    """The values as typed (shown again on error) and the problems per field."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, code: str, context: Mapping[str, Any] | None = None) -> None:
        """Note ``code``'s message beside ``name`` (the first problem of a field wins);
        ``context``: the validator's bounds, for messages that name them."""
        if (name, code) in _SAID_BESIDE_ANOTHER:
            return
        field_message = _FIELD_MESSAGES.get((name, code))
        message = (
            translate(field_message)
            if field_message is not None
            else message_for(code, context) or translate(_DEFAULT_MESSAGE)
        )
        self.errors.setdefault(name, message)


def _either(names: list[str]) -> str:
    """Names of which any one may be meant: 人民币或日元; US dollars, Hong Kong dollars or
    Singapore dollars."""
    if len(names) < 2:
        return "".join(names)
    return joined(names[:-1]) + translate(" or ") + names[-1]


def code_label(currency: str) -> str:
    """A currency as the reader names it: 美元; US dollars."""
    return get_reference_data().name_of("currency", currency, current_language())


def amount_field(
    state: FormState, name: str, currency: str | None = None, *, currency_fixed: bool = False
) -> str | None:
    """The exact amount typed into ``name`` (30亿, 5000万, 3,000,000,000, 伍亿元整) as a
    decimal string, or None with the field's problem noted. A currency named with it
    (人民币5亿元, 5亿美元) is taken when it is the form's ``currency``, and refused, naming
    both, when it is not: the amount would otherwise be read in a currency not meant.
    ``currency_fixed``: the form offers no currency to choose (a commitment is in the
    request's currency), so the refusal does not ask to choose one."""
    typed = str(state.values.get(name, "")).strip()
    if not typed:
        state.add(name, "missing")
        return None
    bare, named = split_currency(typed)
    if named:
        if currency is None:
            state.errors.setdefault(
                name, translate("Write the amount alone: its currency is given with the form.")
            )
            return None
        if currency not in named and currency_fixed:
            state.errors.setdefault(
                name,
                translate(
                    "The amount is written in %(written)s, but this one is counted in "
                    "%(chosen)s: write it in %(chosen)s."
                )
                % {
                    "written": _either([code_label(code) for code in sorted(named)]),
                    "chosen": code_label(currency),
                },
            )
            return None
        if currency not in named:
            state.errors.setdefault(
                name,
                translate(
                    "The amount is written in %(written)s, but the currency chosen is "
                    "%(chosen)s: choose %(written)s as the currency, or write the amount alone."
                )
                % {
                    "written": _either([code_label(code) for code in sorted(named)]),
                    "chosen": code_label(currency),
                },
            )
            return None
        typed = bare
    try:
        return format(parse_amount(typed), "f")
    except AmountError:
        state.add(name, "greater_than" if typed.startswith(_NEGATIVE) else "amount")
        return None


def validated(model: type[ModelT], data: Mapping[str, Any], state: FormState) -> ModelT | None:
    """``data`` checked by ``model``; None with every problem noted beside its field."""
    try:
        checked = model.model_validate(dict(data))
    except ValidationError as invalid:
        for error in invalid.errors():
            location = [part for part in error["loc"] if isinstance(part, str)]
            name = location[0] if location else "__all__"
            code = str(error["type"])
            typed = state.values.get(name)
            # An empty box (a date) fails as unparsable, which would read "not valid"; to a
            # person it is unfilled.
            left_empty = isinstance(typed, str) and not typed.strip()
            if left_empty and (code not in _MESSAGES or code in _EMPTY_TEXT_CODES):
                code = "missing"
            state.add(name, code, error.get("ctx"))
        return None
    return checked if not state.errors else None


def note_refusal(state: FormState, refusal: Invalid) -> None:
    """A service's refusal of checked input (an event deleted while the form was open),
    each problem beside its field; one without a field goes above the form."""
    for problem in refusal.errors or []:
        state.add(problem.field.split(".")[0] if problem.field else "__all__", problem.code)
    if not refusal.errors:
        state.add("__all__", "invalid")
