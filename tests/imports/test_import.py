"""matchmaker import: CSV and Excel files, Chinese amounts, all-or-nothing, into the matches."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from models import (
    AuditRecord,
    FinancingRequest,
    RequestStatus,
)
from models.types import utc_now
from scoring.text import stored_text_counts
from service.core.database import create_db_engine, create_session_factory
from service.financing_requests.service import text_to_match
from service.imports import text_features, writing
from service.imports.amounts import AmountError, parse_amount, split_currency
from service.imports.reading import decode_csv_bytes
from service.ranking import index as index_module
from tests.imports.support import (
    BAD_AMOUNT,
    CIIE_2026,
    CIXTECH,
    INVESTOR_HEADERS,
    QBOSON,
    REQUEST_HEADERS,
    STEPFUN,
    Cells,
    count_rows,
    create_event,
    event_id_of,
    run_import,
    sectors_of,
    stored_requests,
    table_counts,
    write_csv,
    write_xlsx,
)
from tests.support.environment import ADMIN_KEY
from tests.support.factories import Account, ApiClient

# --- amounts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3000000000", Decimal(3_000_000_000)),
        ("3,000,000,000", Decimal(3_000_000_000)),
        ("30亿", Decimal(3_000_000_000)),
        ("30亿元", Decimal(3_000_000_000)),
        ("5000万", Decimal(50_000_000)),
        ("5000万元", Decimal(50_000_000)),
        ("1.5亿", Decimal(150_000_000)),
        ("0.35亿元", Decimal(35_000_000)),
        ("1.23456万", Decimal("12345.6")),
        ("12345.67", Decimal("12345.67")),
        ("800000000元", Decimal(800_000_000)),
        (" 30亿 ", Decimal(3_000_000_000)),
        ("３０亿", Decimal(3_000_000_000)),  # full-width digits, as IMEs type them
        ("12亿5000万", Decimal(1_250_000_000)),  # as it is said
        ("12亿5000万元", Decimal(1_250_000_000)),
        ("1亿50万", Decimal(100_500_000)),
        ("999999999999999.99", Decimal("999999999999999.99")),
        # A space before the unit, and the traditional characters, as people type them.
        ("30 亿", Decimal(3_000_000_000)),
        ("5 万", Decimal(50_000)),
        ("5000 万元", Decimal(50_000_000)),
        ("12亿 5000万", Decimal(1_250_000_000)),
        ("3億", Decimal(300_000_000)),
        ("5000萬元", Decimal(50_000_000)),
        # English units, for foreign investors, in any letter case.
        ("3.5 billion", Decimal(3_500_000_000)),
        ("3.5bn", Decimal(3_500_000_000)),
        ("2B", Decimal(2_000_000_000)),
        ("50 million", Decimal(50_000_000)),
        ("50m", Decimal(50_000_000)),
        ("50 MN", Decimal(50_000_000)),
        ("1.25 Million", Decimal(1_250_000)),
        ("500k", Decimal(500_000)),
        ("5 thousand", Decimal(5_000)),
        ("1.2 trillion", Decimal(1_200_000_000_000)),
        ("2tn", Decimal(2_000_000_000_000)),
        # The currency's name may close the amount, whichever language named the unit.
        ("3.5 billion yuan", Decimal(3_500_000_000)),
        ("3 billion元", Decimal(3_000_000_000)),
        ("50m Yuan", Decimal(50_000_000)),
        ("800000000 yuan", Decimal(800_000_000)),
        # Said in Chinese numerals, as an officer may type it.
        ("五千万", Decimal(50_000_000)),
        ("三十亿元", Decimal(3_000_000_000)),
        ("一亿五千万", Decimal(150_000_000)),
        ("两亿", Decimal(200_000_000)),
        ("十二亿", Decimal(1_200_000_000)),
        ("一百零五万", Decimal(1_050_000)),
        ("一亿零五百万", Decimal(105_000_000)),
        ("二十五亿三千万", Decimal(2_530_000_000)),
        ("3千万", Decimal(30_000_000)),
        ("五千萬", Decimal(50_000_000)),
        # A closing digit is the next lower unit, as said, unless 零 holds the place.
        ("二百五", Decimal(250)),
        ("一千二", Decimal(1_200)),
        ("三千五万", Decimal(35_000_000)),
        ("一百五万", Decimal(1_500_000)),
        ("三万五", Decimal(35_000)),
        ("一亿五", Decimal(150_000_000)),
        ("一千零五", Decimal(1_005)),
        ("一亿零五百", Decimal(100_000_500)),
        # The capital numerals of contracts and cheques, with 圆 and a closing 整.
        ("伍亿元", Decimal(500_000_000)),
        ("伍亿元整", Decimal(500_000_000)),
        ("伍亿元正", Decimal(500_000_000)),
        ("叁仟万圆", Decimal(30_000_000)),
        ("壹亿伍仟万元整", Decimal(150_000_000)),
        ("贰拾亿", Decimal(2_000_000_000)),
        # 万亿 is a trillion, as said.
        ("1.2万亿", Decimal(1_200_000_000_000)),
        ("3万亿元", Decimal(3_000_000_000_000)),
    ],
)
def test_amounts_parse_exactly(text: str, expected: Decimal) -> None:
    parsed = parse_amount(text)
    assert isinstance(parsed, Decimal)
    assert parsed == expected
    assert str(parsed) == str(expected)  # no exponent, no float artefacts


@pytest.mark.parametrize(
    "text",
    [
        "30亿亿",
        "-5",
        "abc",
        "1e9",
        "",
        "亿",
        "元",
        "+5",
        "1,5",
        "3,00,000",
        "1亿万",
        "5000万亿亿元",
        "伍亿整",  # 整 closes 元, not a number
        "12亿5000",  # 亿 and then yuan? refused, not guessed
        "三亿五千",  # 5000 yuan after 3亿, or 3亿5000万? refused, not guessed
        "一亿两千五",
        "一千5",
        "五零万",  # 零 that holds no place
        "零五万",
        "一万零",
        "12十",
        "十十",
        "一万万",
        "百万",
        "千万亿",
        "三十多亿",  # "over 3 billion": no amount
        "五五万",
        "千万",
        "五万亿万",
        "一百千",
        "零",
        "1亿12345万",  # more than 9999万 after 亿
        "1.5亿5000万",
        ".5亿",
        "1.5.1",
        "3 0亿",  # a space inside the number
        "1 000",
        "NaN",
        "inf",
        "1_000",
        "$100",
        "30亿美元",
        "5 mm",
        "3 billions",
        "50m万",
        "30亿元元",
        "yuan",
        "30 yuan 亿",
        "3 billion dollars",
    ],
)
def test_anything_else_is_not_an_amount(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text)


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")],
)
def test_csv_encodings_are_detected(encoding: str, detected: str) -> None:
    text = "company,title\n阶跃星辰,基础大模型 30亿元\n"
    assert decode_csv_bytes(text.encode(encoding)) == (text, detected)


WRITERS: dict[str, Callable[[Path, Sequence[str], Sequence[Cells]], Path]] = {
    "utf-8": lambda p, h, r: write_csv(p.with_suffix(".csv"), h, r, "utf-8"),
    "utf-8-sig": lambda p, h, r: write_csv(p.with_suffix(".csv"), h, r, "utf-8-sig"),
    "gb18030": lambda p, h, r: write_csv(p.with_suffix(".csv"), h, r, "gb18030"),
    "xlsx": lambda p, h, r: write_xlsx(p.with_suffix(".xlsx"), h, r),
}


@pytest.mark.parametrize("file_format", sorted(WRITERS))
def test_every_file_format_imports_exact_amounts_and_chinese_text(
    scratch_url: str, tmp_path: Path, file_format: str
) -> None:
    path = WRITERS[file_format](tmp_path / "requests", REQUEST_HEADERS, [STEPFUN, CIXTECH, QBOSON])
    result = run_import("requests", path)
    assert result.exit_code == 0, result.output
    assert f"3 rows read from {path.name} ({file_format}); imported 3" in result.stdout
    stored = stored_requests(scratch_url)
    assert sorted(stored) == sorted(["阶跃星辰", "此芯科技 Cixtech", "QBoson 玻色量子"])
    assert stored["阶跃星辰"].amount == Decimal("3000000000.00")
    assert stored["阶跃星辰"].summary == "多模态基础大模型研发"
    assert stored["阶跃星辰"].event_id == event_id_of(scratch_url, CIIE_2026)
    assert stored["此芯科技 Cixtech"].amount == Decimal("50000000.00")
    assert stored["此芯科技 Cixtech"].title == "Smart-driving chips, series B"
    assert stored["此芯科技 Cixtech"].region == "pudong"
    assert stored["此芯科技 Cixtech"].event_id is None
    assert stored["QBoson 玻色量子"].amount == Decimal("3000000000.00")
    assert {r.status for r in stored.values()} == {RequestStatus.SUBMITTED}
    cixtech_sectors = sectors_of(scratch_url, stored["此芯科技 Cixtech"].id)
    assert cixtech_sectors == ["ai", "semiconductors.design"]


def test_excel_numbers_and_chinese_headers(scratch_url: str, tmp_path: Path) -> None:
    """Amounts typed as numbers in Excel stay exact; headers may be the Chinese names."""
    headers = ["企业名称", "项目名称", "行业", "融资金额", "融资阶段", "币种"]
    rows: list[Cells] = [
        ["MiniMax", "大模型", "ai.foundation_models", 3_000_000_000, "growth", "CNY"],
        ["Blacklake 黑湖科技", "工业软件", "ai.applications", 350_000_000.5, "series_c", "CNY"],
        ["Infinigence 无问芯穹", "算力", "ai.infrastructure", "1.5亿", "series_b", "USD"],
    ]
    result = run_import("requests", write_xlsx(tmp_path / "roster.xlsx", headers, rows))
    assert result.exit_code == 0, result.output
    stored = stored_requests(scratch_url)
    assert stored["MiniMax"].amount == Decimal("3000000000.00")
    assert stored["Blacklake 黑湖科技"].amount == Decimal("350000000.50")
    assert stored["Infinigence 无问芯穹"].amount == Decimal("150000000.00")
    assert stored["Infinigence 无问芯穹"].currency == "USD"


def test_one_bad_row_rejects_the_file_and_writes_nothing(scratch_url: str, tmp_path: Path) -> None:
    bad_sector = ["Crypto Co", "Tokens", "", "crypto", "1亿", "seed", "", ""]
    rows = [STEPFUN, CIXTECH, BAD_AMOUNT, QBOSON, bad_sector]
    before = table_counts(scratch_url)
    result = run_import("requests", write_csv(tmp_path / "r.csv", REQUEST_HEADERS, rows, "utf-8"))
    assert result.exit_code == 1
    assert table_counts(scratch_url) == before
    lines = result.stdout.splitlines()
    # Row 1 is the header: the third data row is spreadsheet row 4.
    assert "row 4, column amount: '30亿亿' is not an amount" in lines[0]
    assert lines[1] == (
        "row 6, column sectors: item 1: unknown sector 'crypto': write a code or its Chinese "
        "or English name"
    )
    assert any(
        line.startswith(
            "Valid codes for column sectors (a code, or its Chinese or English name): "
            "ai (人工智能), ai.foundation_models (基础大模型), "
        )
        for line in lines
    )
    assert "5 rows read" in lines[-1]
    assert "2 rows rejected. Nothing was written" in lines[-1]


def test_skip_invalid_writes_exactly_the_valid_rows(scratch_url: str, tmp_path: Path) -> None:
    too_long = ["X" * 201, "Name too long", "", "ai", "1亿", "seed", "", ""]
    rows = [STEPFUN, BAD_AMOUNT, CIXTECH, too_long, QBOSON]
    before = table_counts(scratch_url)
    path = write_csv(tmp_path / "r.csv", REQUEST_HEADERS, rows, "utf-8")
    result = run_import("requests", path, "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "row 3, column amount" in result.stdout
    assert "row 5, column company: String should have at most 200 characters" in result.stdout
    assert "imported 3 financing requests (status submitted); skipped 2 rows" in result.stdout
    after = table_counts(scratch_url)
    assert after["FinancingRequest"] - before["FinancingRequest"] == 3
    assert after["FinancingRequestSector"] - before["FinancingRequestSector"] == 4
    assert after["AuditRecord"] - before["AuditRecord"] == 3  # one per request written
    assert sorted(stored_requests(scratch_url)) == sorted(
        ["阶跃星辰", "此芯科技 Cixtech", "QBoson 玻色量子"]
    )


def test_unknown_or_missing_columns_refuse_the_whole_file(scratch_url: str, tmp_path: Path) -> None:
    before = table_counts(scratch_url)
    headers = [*REQUEST_HEADERS, "ammount_usd"]
    unknown = run_import("requests", write_csv(tmp_path / "a.csv", headers, [STEPFUN], "utf-8"))
    assert unknown.exit_code == 2
    assert "unknown column 'ammount_usd'" in unknown.stderr
    missing = run_import(
        "requests", write_csv(tmp_path / "b.csv", REQUEST_HEADERS[:4], [STEPFUN[:4]], "utf-8")
    )
    assert missing.exit_code == 2
    assert "missing required column(s): amount, stage" in missing.stderr
    assert table_counts(scratch_url) == before


def test_a_row_with_more_cells_than_columns_is_an_error(scratch_url: str, tmp_path: Path) -> None:
    path = tmp_path / "shifted.csv"
    path.write_text("company,title,sectors,amount,stage\nStepfun, Inc.,LLM,ai,30亿,growth\n")
    result = run_import("requests", path, "--skip-invalid")
    assert "row 2: the row has 6 cells but row 1 names 5 columns" in result.stdout
    assert count_rows(scratch_url, FinancingRequest) == 0


def test_events_are_named_by_name_or_id_and_must_exist(scratch_url: str, tmp_path: Path) -> None:
    gipc = create_event(scratch_url, "2021上海全球投资促进大会")
    rows = [
        [*STEPFUN[:-1], gipc],
        [*CIXTECH[:-1], "2021上海全球投资促进大会"],
        [*QBOSON[:-1], "CIIE 2099"],
    ]
    path = write_csv(tmp_path / "events.csv", REQUEST_HEADERS, rows, "utf-8")
    result = run_import("requests", path, "--skip-invalid")
    assert "row 4, column event: No event has the id or name 'CIIE 2099'" in result.stdout
    stored = stored_requests(scratch_url)
    assert sorted(stored) == ["此芯科技 Cixtech", "阶跃星辰"]
    assert {r.event_id for r in stored.values()} == {gipc}


def test_imports_are_audited_with_their_file_and_row(scratch_url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "roster.csv", REQUEST_HEADERS, [STEPFUN], "utf-8")
    assert run_import("requests", path, "--status", "published").exit_code == 0
    request = stored_requests(scratch_url)["阶跃星辰"]
    assert request.status is RequestStatus.PUBLISHED
    assert request.published_at is not None
    engine = create_db_engine(scratch_url)
    with create_session_factory(engine)() as session:
        record = session.scalars(
            select(AuditRecord).where(AuditRecord.object_type == "financing_request")
        ).one()
    engine.dispose()
    assert record.action == "financing_request.import"
    assert record.object_id == request.id
    assert record.actor_role == "commission"
    assert record.changes["amount"] == "3000000000"
    assert record.changes["status"] == "published"
    assert record.changes["import"]["file"] == "roster.csv"
    assert record.changes["import"]["row"] == 2


# --- investors and owners ---------------------------------------------------------------


def test_investor_profiles_import_with_owners_by_name_or_id(
    scratch_url: str, server: TestClient, tmp_path: Path
) -> None:
    api = ApiClient(client=server, admin_key=ADMIN_KEY)
    hillhouse = api.create_account("investor", "Hillhouse Capital")
    sequoia = api.create_account("investor", "Sequoia China")
    api.create_account("startup", "Sequoia China")  # same name, other role: not ambiguous
    api.create_account("investor", "Twin Fund")
    api.create_account("investor", "Twin Fund")
    rows = [
        [
            "高瓴 Hillhouse",
            "pe",
            "domestic",
            "ai;semiconductors",
            "growth、series_c",
            "15亿",
            "50亿",
            "Hillhouse Capital",
        ],
        ["Sequoia AI", "vc", "foreign", "ai", "series_a, series_b", "5000万", "3亿", sequoia.id],
        ["Guidance fund", "government_fund", "domestic", "quantum", "seed", "1000万", "1亿", ""],
    ]
    result = run_import(
        "investors", write_csv(tmp_path / "i.csv", INVESTOR_HEADERS, rows, "gb18030")
    )
    assert result.exit_code == 0, result.output
    assert "imported 3 investor profiles" in result.stdout

    own = server.get("/v1/investors", headers=hillhouse.headers).json()["items"]
    assert [(p["name"], p["ticket_min"], p["ticket_max"]) for p in own] == [
        ("高瓴 Hillhouse", "1500000000.00", "5000000000.00")
    ]
    assert own[0]["sectors"] == ["ai", "semiconductors"]
    assert own[0]["stages"] == ["series_c", "growth"]
    sequoias = server.get("/v1/investors", headers=sequoia.headers).json()["items"]
    assert [p["name"] for p in sequoias] == ["Sequoia AI"]
    everything = server.get("/v1/investors", headers=api.admin).json()["items"]
    unowned = [p for p in everything if p["name"] == "Guidance fund"]
    assert unowned[0]["owner_account_id"] is None

    bad = [
        ["Twin", "vc", "domestic", "ai", "seed", "1亿", "2亿", "Twin Fund"],
        ["Nobody", "vc", "domestic", "ai", "seed", "1亿", "2亿", "No Such Fund"],
        ["Inverted", "vc", "domestic", "ai", "seed", "5亿", "1亿", ""],
        ["Odd kind", "hedge", "domestic", "ai", "seed", "1亿", "2亿", ""],
    ]
    before = table_counts(scratch_url)
    rejected = run_import(
        "investors", write_csv(tmp_path / "bad.csv", INVESTOR_HEADERS, bad, "utf-8")
    )
    assert rejected.exit_code == 1
    assert table_counts(scratch_url) == before
    report = rejected.stdout
    assert "row 2, column owner: 2 investor accounts are named 'Twin Fund'" in report
    assert "row 3, column owner: No investor account has the id or name 'No Such Fund'" in report
    # The API's own service check, on both columns it names.
    assert "row 4, column ticket_min: ticket_min 500000000 is above ticket_max" in report
    assert "row 4, column ticket_max: ticket_min 500000000 is above ticket_max" in report
    assert (
        "row 5, column kind: unknown investor kind 'hedge': write a code or its Chinese or "
        "English name" in report
    )


def test_a_request_owner_must_be_a_startup(
    scratch_url: str, server: TestClient, tmp_path: Path
) -> None:
    api = ApiClient(client=server, admin_key=ADMIN_KEY)
    stepfun = api.create_account("startup", "Stepfun")
    investor = api.create_account("investor", "Hillhouse Capital")
    headers = [*REQUEST_HEADERS, "所属账户"]
    rows = [[*STEPFUN, "Stepfun"], [*CIXTECH, investor.id]]
    path = write_csv(tmp_path / "owned.csv", headers, rows, "utf-8")
    result = run_import("requests", path, "--skip-invalid")
    assert (
        f"row 3, column 所属账户: Account '{investor.id}' has the role investor, not startup"
        in result.stdout
    )
    assert result.exit_code == 0
    listed = server.get("/v1/financing-requests", headers=stepfun.headers).json()["items"]
    assert [r["company"] for r in listed] == ["阶跃星辰"]


# --- into the matches of a running server ------------------------------------------------


def _match_ids(server: TestClient, owner: Account, profile_id: str) -> list[str]:
    response = server.get(f"/v1/investors/{profile_id}/matches?limit=50", headers=owner.headers)
    assert response.status_code == 200, response.text
    return [item["financing_request"]["id"] for item in response.json()["items"]]


def test_imported_published_requests_reach_a_running_servers_matches(
    scratch_url: str, server: TestClient, tmp_path: Path
) -> None:
    api = ApiClient(client=server, admin_key=ADMIN_KEY)
    investor = api.create_account("investor", "Hillhouse Capital")
    profile = api.create_investor(investor)
    assert _match_ids(server, investor, profile["id"]) == []

    published = write_csv(tmp_path / "p.csv", REQUEST_HEADERS, [STEPFUN], "utf-8")
    assert run_import("requests", published, "--status", "published").exit_code == 0
    queued = write_csv(tmp_path / "q.csv", REQUEST_HEADERS, [QBOSON], "utf-8")
    assert run_import("requests", queued).exit_code == 0  # submitted: waits for review

    stored = stored_requests(scratch_url)
    assert _match_ids(server, investor, profile["id"]) == [stored["阶跃星辰"].id]


def test_a_published_import_larger_than_a_load_batch_reaches_the_matches(
    scratch_url: str, server: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server reads changed requests in batches (PostgreSQL takes at most 65,535
    parameters a statement); here batches of 2, so five imported requests span three."""
    monkeypatch.setattr(index_module, "UPSERT_LOAD_BATCH", 2)
    api = ApiClient(client=server, admin_key=ADMIN_KEY)
    investor = api.create_account("investor", "Hillhouse Capital")
    profile = api.create_investor(investor)
    assert _match_ids(server, investor, profile["id"]) == []
    rows = [[f"Company {n}", *STEPFUN[1:]] for n in range(5)]
    path = write_csv(tmp_path / "five.csv", REQUEST_HEADERS, rows, "utf-8")
    assert run_import("requests", path, "--status", "published").exit_code == 0
    stored = stored_requests(scratch_url)
    assert sorted(_match_ids(server, investor, profile["id"])) == sorted(
        r.id for r in stored.values()
    )


def test_a_long_import_is_not_left_behind_by_a_servers_watermark(
    scratch_url: str, server: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows stamped when a long import started would be older than what the server has
    already seen from other writers; the import re-stamps them just before its commit."""
    api = ApiClient(client=server, admin_key=ADMIN_KEY)
    investor = api.create_account("investor", "Hillhouse Capital")
    profile = api.create_investor(investor)
    startup = api.create_account("startup", "MiniMax")
    concurrent = api.create_request(startup, company="MiniMax", stage="growth")
    api.publish(concurrent["id"])
    assert _match_ids(server, investor, profile["id"]) == [concurrent["id"]]

    calls = iter([utc_now() - dt.timedelta(minutes=1)])
    monkeypatch.setattr(writing, "utc_now", lambda: next(calls, None) or utc_now())
    path = write_csv(tmp_path / "long.csv", REQUEST_HEADERS, [STEPFUN], "utf-8")
    assert run_import("requests", path, "--status", "published").exit_code == 0

    imported = stored_requests(scratch_url)["阶跃星辰"]
    assert imported.created_at < imported.updated_at - dt.timedelta(seconds=30)
    assert imported.id in _match_ids(server, investor, profile["id"])


def test_long_files_show_progress_on_stderr(scratch_url: str, tmp_path: Path) -> None:
    rows = [[f"Company {n}", "Round", "", "ai", f"{n + 1}万", "seed", "", ""] for n in range(1200)]
    result = run_import(
        "requests", write_csv(tmp_path / "long.csv", REQUEST_HEADERS, rows, "utf-8")
    )
    assert result.exit_code == 0, result.output
    assert "validating" in result.stderr
    assert "writing" in result.stderr
    assert "1200/1200" in result.stderr
    assert "validating" not in result.stdout
    assert count_rows(scratch_url, FinancingRequest) == 1200


def test_english_titles_and_summaries_import_under_their_chinese_headers(
    scratch_url: str, tmp_path: Path
) -> None:
    """A roster for a conference with foreign investors carries the English text too; it is
    stored, and hashed with the rest for the ranker."""
    headers = ["企业名称", "项目名称", "英文项目名称", "英文简介", "行业", "融资金额", "融资阶段"]
    rows: list[Cells] = [
        [
            "玻色量子",
            "相干光量子计算机",
            "Coherent optical quantum computers",
            "Series A",
            "quantum",
            "3亿",
            "series_a",
        ],
        ["MiniMax", "大模型", "", "", "ai.foundation_models", "30亿", "growth"],
    ]
    result = run_import("requests", write_xlsx(tmp_path / "roster.xlsx", headers, rows))
    assert result.exit_code == 0, result.output
    stored = stored_requests(scratch_url, with_text_features=True)
    quantum = stored["玻色量子"]
    assert (quantum.title_en, quantum.summary_en) == (
        "Coherent optical quantum computers",
        "Series A",
    )
    assert quantum.text_features == stored_text_counts(
        text_to_match("相干光量子计算机", "", "Coherent optical quantum computers", "Series A")
    )
    assert (stored["MiniMax"].title_en, stored["MiniMax"].summary_en) == (None, None)


@pytest.mark.parametrize("helper_process", [False, True])
def test_stored_text_features_are_the_apis(
    scratch_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, helper_process: bool
) -> None:
    """What the index loads for an imported request is what a create over the API stores,
    whether hashed here or (large imports) in a helper process, chunk by chunk."""
    monkeypatch.setattr(writing, "CHUNK_ROWS", 2)
    if helper_process:
        monkeypatch.setattr(text_features, "HELPER_PROCESS_MIN_ROWS", 1)
    path = write_csv(tmp_path / "t.csv", REQUEST_HEADERS, [STEPFUN, CIXTECH, QBOSON], "utf-8")
    assert run_import("requests", path).exit_code == 0
    stored = stored_requests(scratch_url, with_text_features=True)
    assert len(stored) == 3
    for request in stored.values():
        expected = stored_text_counts(
            text_to_match(request.title, request.summary, request.title_en, request.summary_en)
        )
        assert request.text_features == expected


def test_bulk_ids_are_version_4_uuids_like_the_apis() -> None:
    ids = writing.new_ids(2000)
    assert len(set(ids)) == 2000
    for value in ids[:50]:
        parsed = uuid.UUID(value)
        assert parsed.version == 4
        assert str(parsed) == value


@pytest.mark.parametrize(
    ("kind", "example"),
    [("requests", "import_requests.csv"), ("investors", "import_investors.csv")],
)
def test_the_readmes_example_files_import(scratch_url: str, kind: str, example: str) -> None:
    create_event(scratch_url, "上海城市推介大会 (CIIE)")
    path = Path(__file__).parents[2] / "docs" / "examples" / example
    result = (
        run_import(kind, path, "--status", "published")
        if kind == "requests"
        else run_import(kind, path)
    )
    assert result.exit_code == 0, result.output
    assert "imported" in result.stdout.splitlines()[-1]


@pytest.mark.parametrize(
    ("text", "rest", "named"),
    [
        ("人民币5亿元", "5亿元", {"CNY"}),
        ("5亿元人民币", "5亿元", {"CNY"}),
        ("RMB 5亿", "5亿", {"CNY"}),
        ("rmb5亿", "5亿", {"CNY"}),
        ("¥500,000,000", "500,000,000", {"CNY", "JPY"}),
        ("￥5亿", "5亿", {"CNY", "JPY"}),
        ("5亿美元", "5亿", {"USD"}),
        ("US$50m", "50m", {"USD"}),
        ("HK$3 billion", "3 billion", {"HKD"}),
        ("5亿日元", "5亿", {"JPY"}),
        ("10亿新加坡元", "10亿", {"SGD"}),
        ("$ 50m", "50m", {"USD", "HKD", "SGD", "AUD", "CAD"}),
        ("30亿", "30亿", set()),
        ("50m", "50m", set()),
        # The yuan's unit alone names the yuan, and stays for the amount's reading.
        ("30亿元", "30亿元", {"CNY"}),
        ("3.5 billion yuan", "3.5 billion yuan", {"CNY"}),
        ("伍亿元整", "伍亿元整", {"CNY"}),
    ],
)
def test_a_currency_named_with_an_amount_is_told_apart(
    text: str, rest: str, named: set[str]
) -> None:
    assert split_currency(text) == (rest, frozenset(named))
