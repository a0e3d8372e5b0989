"""A request's contact person and its company's unified social credit code: the check
character is verified, and investors never see them."""

from __future__ import annotations

import pytest

from service.financing_requests.credit_code import check_character, credit_code_problem
from tests.support.factories import ApiClient

# Codes of real companies, as printed on their business licences.
REAL_CODES = ["91330100799655058B", "9144030071526726XG", "91110000802100433B"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_pass(code: str) -> None:
    assert credit_code_problem(code) is None
    assert check_character(code[:17]) == code[17]


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("91330100799655058C", "should be B"),
        ("9133010079965505", "18 characters"),
        ("91330100799655O58B", "no O"),
    ],
)
def test_a_wrong_code_says_what_is_wrong(code: str, says: str) -> None:
    problem = credit_code_problem(code)
    assert problem is not None
    assert says in problem


def test_contact_and_code_are_kept_and_hidden_from_investors(api: ApiClient) -> None:
    startup = api.create_account("startup")
    created = api.create_request(
        startup,
        contact_name="张敏",
        contact_phone="021-5555 0100",
        credit_code=" 91330100799655058b ",
    )
    assert (created["contact_name"], created["contact_phone"], created["credit_code"]) == (
        "张敏",
        "021-5555 0100",
        "91330100799655058B",
    )
    api.publish(created["id"])
    investor = api.create_account("investor")
    seen = api.client.get(f"/v1/financing-requests/{created['id']}", headers=investor.headers)
    assert (seen.json()["contact_name"], seen.json()["credit_code"]) == (None, None)


def test_a_bad_code_and_phone_are_named_in_one_422(api: ApiClient) -> None:
    startup = api.create_account("startup")
    response = api.client.post(
        "/v1/financing-requests",
        json={
            "company": "Stepfun",
            "title": "Round",
            "sectors": ["ai"],
            "amount": "1000000",
            "stage": "seed",
            "credit_code": "91330100799655058C",
            "contact_phone": "call me",
        },
        headers=startup.headers,
    )
    assert response.status_code == 422
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) == {"credit_code", "contact_phone"}
    assert errors["credit_code"]["code"] == "credit_code"
    assert "should be B" in errors["credit_code"]["message"]


@pytest.mark.parametrize(
    ("phone", "accepted"),
    [
        ("12345", False),  # a typing slip, not a number
        ("+86 21 5555 0100 1234", False),  # 16 digits: longer than any number (E.164)
        ("5555 0100", True),  # a local number without its area code
        ("021-5555 0100", True),
        ("138 0013 8000", True),
        ("+1 (415) 555-0100", True),
    ],
)
def test_a_phone_number_has_seven_to_fifteen_digits(
    api: ApiClient, phone: str, accepted: bool
) -> None:
    startup = api.create_account("startup")
    response = api.client.post(
        "/v1/financing-requests",
        json={
            "company": "Stepfun",
            "title": "Round",
            "sectors": ["ai"],
            "amount": "1000000",
            "stage": "seed",
            "contact_phone": phone,
        },
        headers=startup.headers,
    )
    if accepted:
        assert response.status_code == 201, response.text
    else:
        assert response.status_code == 422
        (error,) = response.json()["errors"]
        assert (error["field"], error["code"]) == ("contact_phone", "phone_digits")
