"""Field types shared by the API schemas: exact money, taxonomy codes, ISO 8601 times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, ClassVar, NamedTuple, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PlainSerializer,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from service.reference_data.catalog import CodeKind, get_reference_data

MAX_CODES = 32
WRITE_MODEL_CONFIG = ConfigDict(extra="forbid", str_strip_whitespace=True)


def with_examples(*examples: dict[str, Any], write: bool = False) -> ConfigDict:
    """A model's config showing these examples in the OpenAPI document (and so in /docs).

    ``write=True``: a request body's config (``WRITE_MODEL_CONFIG``). Tests send every body
    example to its route and validate every response example against its model.
    """
    config = ConfigDict(json_schema_extra={"examples": list(examples)})
    if write:
        config.update(WRITE_MODEL_CONFIG)
    return config


def _reject_floats_and_bools(value: object) -> object:
    # JSON numbers arrive as int or float: a float keeps its shortest repr, so 0.1 stays 0.1.
    if isinstance(value, bool):
        raise PydanticCustomError("decimal_type", "Amount must be a number or a decimal string")
    if isinstance(value, float):
        return repr(value)
    return value


_CENT = Decimal("0.01")


def _format_decimal(value: Decimal) -> str:
    return format(value.quantize(_CENT), "f")


Money = Annotated[
    Decimal,
    BeforeValidator(_reject_floats_and_bools),
    # At most 999,999,999,999,999.99: SQLite keeps hundredths in a signed 64-bit integer.
    Field(
        gt=0,
        max_digits=17,
        decimal_places=2,
        allow_inf_nan=False,
        description="Exact amount in whole currency units: a JSON number or a decimal string",
        examples=["3000000000"],
    ),
    PlainSerializer(_format_decimal, return_type=str, when_used="json"),
]


# A sum that may be zero (what has arrived so far): shown exactly, as ``Money`` is.
MoneyTotal = Annotated[
    Decimal,
    Field(ge=0, description="Exact amount in whole currency units", examples=["0.00"]),
    PlainSerializer(_format_decimal, return_type=str, when_used="json"),
]


def _unknown(kind: str, value: str, allowed: list[str]) -> PydanticCustomError:
    return PydanticCustomError(
        f"unknown_{kind}",
        "Unknown {kind} '{value}': give a code or its Chinese or English name; valid codes: "
        "{valid}",
        {"kind": kind, "value": value, "valid": ", ".join(allowed), "allowed": allowed},
    )


def _checked(kind: CodeKind, value: str) -> str:
    """The code ``value`` names (a code, or its Chinese or English name), or a 422."""
    reference = get_reference_data()
    code = reference.resolve(kind, value)
    if code is None:
        raise _unknown(kind, value, [e.code for e in reference.entries(kind)])
    return code


def check_sector(value: str) -> str:
    return _checked("sector", value)


def check_stage(value: str) -> str:
    return _checked("stage", value)


def check_region(value: str) -> str:
    return _checked("region", value)


def check_currency(value: str) -> str:
    return _checked("currency", value)


def code_from_name(kind: CodeKind) -> Callable[[object], object]:
    """A before-validator for an enum field: a code or its Chinese or English name becomes
    the code; an unknown string is a 422 naming the valid codes (other types go on to the
    enum's own check)."""

    def to_code(value: object) -> object:
        if isinstance(value, str):
            return _checked(kind, value)
        return value

    return to_code


def _unique_sorted(codes: list[str]) -> list[str]:
    return sorted(set(codes))


NAMES_ACCEPTED = (
    "A code, or its Chinese or English name (GET /v1/taxonomy lists both); responses give the code."
)


def _codes_of(kind: CodeKind) -> Callable[[dict[str, Any]], None]:
    """Lists a code field's codes in the OpenAPI description, and says that each code's
    Chinese and English names are accepted too. Only codes are listed as ``enum``: client
    generators name enum members after the values, and "seed", "Seed" and "种子轮" would
    collide as one member.

    Read when the description is built, so a deployment's replaced taxonomy shows its own
    codes; the validators above stay the authority and name the allowed codes on a 422.
    """

    def add_enum(schema: dict[str, Any]) -> None:
        schema["enum"] = [e.code for e in get_reference_data().entries(kind)]
        described = schema.get("description")
        schema["description"] = f"{described}. {NAMES_ACCEPTED}" if described else NAMES_ACCEPTED

    return add_enum


SectorCode = Annotated[
    str, Field(max_length=64, json_schema_extra=_codes_of("sector")), AfterValidator(check_sector)
]
StageCode = Annotated[
    str, Field(max_length=32, json_schema_extra=_codes_of("stage")), AfterValidator(check_stage)
]
RegionCode = Annotated[
    str, Field(max_length=32, json_schema_extra=_codes_of("region")), AfterValidator(check_region)
]
CurrencyCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        description="An ISO 4217 code",
        examples=["CNY"],
        json_schema_extra=_codes_of("currency"),
    ),
    AfterValidator(check_currency),
]
SectorList = Annotated[
    list[SectorCode], Field(min_length=1, max_length=MAX_CODES), AfterValidator(_unique_sorted)
]
StageList = Annotated[
    list[StageCode], Field(min_length=1, max_length=MAX_CODES), AfterValidator(_unique_sorted)
]
RegionList = Annotated[
    list[RegionCode], Field(max_length=MAX_CODES), AfterValidator(_unique_sorted)
]
Name = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=10_000)]


class CrossFieldProblem(NamedTuple):
    """A rule between fields that a body breaks: the fields it names, a code, a message."""

    fields: tuple[str, ...]
    code: str
    message: str


class CheckedTogether(BaseModel):
    """A body whose rules between fields are checked together with its fields.

    Pydantic runs a model validator only once every field is valid, so a body with an unknown
    sector and ticket_min above ticket_max answered a 422 naming the sector, and the corrected
    body a second 422 naming the tickets. Here ``cross_field_problems`` sees every field that
    did validate (parsed; an absent field with its default), and its problems join the field
    errors in one ``ValidationError``: one 422 names everything wrong with the body.
    A rule names the fields it reads and stays silent when one of them is missing or null.
    """

    @classmethod
    def cross_field_problems(cls, values: Mapping[str, Any]) -> Iterator[CrossFieldProblem]:
        return iter(())

    @model_validator(mode="wrap")
    @classmethod
    def _check_together(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        try:
            model = handler(data)
        except ValidationError as invalid:
            if not isinstance(data, dict):
                raise
            problems = list(cls.cross_field_problems(_valid_fields(cls, data, invalid)))
            if not problems:
                raise
            raise ValidationError.from_exception_data(
                invalid.title, [*_line_errors(invalid), *_problem_errors(problems, data)]
            ) from None
        problems = list(cls.cross_field_problems(dict(model)))
        if problems:
            given = data if isinstance(data, dict) else {}
            raise ValidationError.from_exception_data(
                cls.__name__, list(_problem_errors(problems, given))
            )
        return model


@cache
def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    info = model.model_fields[name]
    annotated: Any = Annotated[info.annotation, info]
    return TypeAdapter(annotated)


def _valid_fields(
    model: type[BaseModel], data: Mapping[str, Any], invalid: ValidationError
) -> dict[str, Any]:
    failed = {error["loc"][0] for error in invalid.errors() if error["loc"]}
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name in failed:
            continue
        if name in data:
            try:
                values[name] = _field_adapter(model, name).validate_python(data[name])
            except ValidationError:
                continue
        elif not info.is_required() and info.default_factory is None:
            values[name] = info.default
    return values


def _line_errors(invalid: ValidationError) -> Iterator[InitErrorDetails]:
    """The errors of ``invalid`` again, with their messages and allowed values."""
    for error in invalid.errors():
        ctx = error.get("ctx") or {}
        # The bounds a message names (max_length, le, ...) stay with it, for forms that say
        # them; anything else in the context (an exception object) is left behind.
        context: dict[str, Any] | None = {
            key: value
            for key, value in ctx.items()
            if isinstance(value, (int, float, str, Decimal)) or key == "allowed"
        } or None
        message = error["msg"].replace("{allowed}", "allowed")
        yield InitErrorDetails(
            type=PydanticCustomError(error["type"], message, context),
            loc=error["loc"],
            input=error["input"],
        )


def _problem_errors(
    problems: list[CrossFieldProblem], data: Mapping[str, Any]
) -> Iterator[InitErrorDetails]:
    for problem in problems:
        for field in problem.fields:
            yield InitErrorDetails(
                type=PydanticCustomError(problem.code, problem.message),
                loc=(field,),
                input=data.get(field),
            )


class PatchModel(BaseModel):
    """A partial update: absent fields stay; null is refused unless the field is nullable."""

    model_config = WRITE_MODEL_CONFIG
    nullable_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: Any) -> Any:
        if value is None and info.field_name not in cls.nullable_fields:
            raise PydanticCustomError("null_not_allowed", "This field cannot be null")
        return value


SectorQuery = Annotated[
    Annotated[str, Field(json_schema_extra=_codes_of("sector"))] | None,
    AfterValidator(lambda c: c if c is None else check_sector(c)),
    Field(
        description=(
            "A sector code or name (人工智能, Artificial intelligence); matches the code, its "
            "parents and its children"
        )
    ),
]
StageQuery = Annotated[
    Annotated[str, Field(json_schema_extra=_codes_of("stage"))] | None,
    AfterValidator(lambda c: c if c is None else check_stage(c)),
    Field(description="A stage code or name (B轮, Series B)"),
]
RegionQuery = Annotated[
    Annotated[str, Field(json_schema_extra=_codes_of("region"))] | None,
    AfterValidator(lambda c: c if c is None else check_region(c)),
    Field(description="A region code or name (徐汇区, Xuhui)"),
]


def _iso_8601(value: object) -> object:
    # Pydantic would also read "-57474297" as a Unix time; the API documents ISO 8601 only.
    if not isinstance(value, str):
        return value
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise PydanticCustomError(
            "datetime_from_iso", "Expected an ISO 8601 date-time such as 2026-11-21T09:30:00Z"
        ) from exc
    # Read without an offset as UTC. A time whose offset moves it out of the years 1 to 9999
    # in UTC cannot be compared with stored times (OverflowError, a 500 before).
    try:
        return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    except OverflowError as exc:
        raise PydanticCustomError(
            "datetime_range", "The time must fall between the years 1 and 9999 in UTC"
        ) from exc


IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_8601)]
