"""Coded columns take a code or its Chinese or English name; lists split around names."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.imports.codes import CodeItem, CodeReader
from service.reference_data.catalog import CodeKind, get_reference_data
from tests.imports.support import (
    INVESTOR_HEADERS,
    REQUEST_HEADERS,
    run_import,
    sectors_of,
    stored_profiles,
    stored_requests,
    write_csv,
    write_xlsx,
)


@pytest.fixture(scope="module")
def codes() -> CodeReader:
    return CodeReader(get_reference_data())


@pytest.mark.parametrize(
    ("kind", "cell", "expected"),
    [
        ("sector", "人工智能、基础大模型", ["ai", "ai.foundation_models"]),
        ("sector", "人工智能，基础大模型", ["ai", "ai.foundation_models"]),
        ("sector", "人工智能；量子科技", ["ai", "quantum"]),
        ("sector", "人工智能;量子科技", ["ai", "quantum"]),
        ("sector", "ai, quantum", ["ai", "quantum"]),
        ("sector", "ai quantum", ["ai", "quantum"]),  # spaces still separate codes
        ("sector", "ＡＩ；Quantum technology", ["ai", "quantum"]),
        # Names holding a separator are one value, not two unknown halves.
        ("sector", "互联网平台、电商与电竞、人工智能", ["digital_economy.platforms", "ai"]),
        (
            "sector",
            "Data services, data harbor, 5G; Artificial intelligence",
            ["digital_economy.data", "ai"],
        ),
        ("stage", "Series A, series b、C轮", ["series_a", "series_b", "series_c"]),
        ("stage", "战略投资（产业与并购基金）", ["strategic"]),
        ("region", "徐汇区 浦东新区", ["xuhui", "pudong"]),
    ],
)
def test_list_cells_take_codes_and_names(
    codes: CodeReader, kind: CodeKind, cell: str, expected: list[str]
) -> None:
    assert [item.code for item in codes.many(kind, cell)] == expected


def test_an_unknown_value_is_reported_whole(codes: CodeReader) -> None:
    """An unknown name with spaces is one value up to the next list separator."""
    assert codes.many("sector", "Artifical intelligence; quantum、区块链") == [
        CodeItem("Artifical intelligence", None),
        CodeItem("quantum", "quantum"),
        CodeItem("区块链", None),
    ]


@pytest.mark.parametrize(
    ("kind", "cell", "expected"),
    [
        ("stage", "B轮", "series_b"),
        ("stage", "Series B", "series_b"),
        ("stage", "series_b", "series_b"),
        ("region", "徐汇区", "xuhui"),
        ("currency", "人民币", "CNY"),
        ("currency", "usd", "USD"),
        ("investor_kind", "私募股权", "pe"),
        ("origin", "境内", "domestic"),
        ("origin", "境外", "foreign"),
        ("stage", "B", None),
        ("currency", "元", None),
    ],
)
def test_single_cells_take_a_code_or_a_name(
    codes: CodeReader, kind: CodeKind, cell: str, expected: str | None
) -> None:
    assert codes.one(kind, cell) == expected


CHINESE_REQUEST = [
    "阶跃星辰",
    "基础大模型",
    "",
    "人工智能、基础大模型",
    "30亿",
    "B轮",
    "徐汇区",
    "",
    "人民币",
]
CHINESE_INVESTOR = [
    "高瓴 Hillhouse",
    "私募股权",
    "境内",
    "人工智能、基础大模型",
    "B轮；C轮",
    "15亿",
    "50亿",
    "",
    "徐汇区、浦东新区",
    "人民币",
]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_chinese_names_import_to_their_codes(scratch_url: str, tmp_path: Path, suffix: str) -> None:
    request_headers = [*REQUEST_HEADERS, "currency"]
    investor_headers = [*INVESTOR_HEADERS, "regions", "currency"]
    if suffix == ".csv":
        requests = write_csv(tmp_path / "r.csv", request_headers, [CHINESE_REQUEST], "gb18030")
        investors = write_csv(tmp_path / "i.csv", investor_headers, [CHINESE_INVESTOR], "utf-8")
    else:
        requests = write_xlsx(tmp_path / "r.xlsx", request_headers, [CHINESE_REQUEST])
        investors = write_xlsx(tmp_path / "i.xlsx", investor_headers, [CHINESE_INVESTOR])

    imported = run_import("requests", requests)
    assert imported.exit_code == 0, imported.output
    request = stored_requests(scratch_url)["阶跃星辰"]
    assert (request.stage, request.region, request.currency) == ("series_b", "xuhui", "CNY")
    assert sectors_of(scratch_url, request.id) == ["ai", "ai.foundation_models"]

    imported = run_import("investors", investors)
    assert imported.exit_code == 0, imported.output
    profile = stored_profiles(scratch_url)["高瓴 Hillhouse"]
    assert (profile.kind, profile.origin, profile.currency) == ("pe", "domestic", "CNY")
    assert [link.code for link in profile.sector_links] == ["ai", "ai.foundation_models"]
    assert [link.code for link in profile.stage_links] == ["series_b", "series_c"]
    assert [link.code for link in profile.region_links] == ["pudong", "xuhui"]


def test_unknown_names_name_their_column_and_value(scratch_url: str, tmp_path: Path) -> None:
    headers = ["机构名称", "机构类型", "来源", "行业", "投资阶段", "最低投资额", "最高投资额"]
    rows = [["Odd", "对冲基金", "境内", "人工智能、区块链", "B轮", "1亿", "2亿"]]
    result = run_import("investors", write_csv(tmp_path / "odd.csv", headers, rows, "utf-8"))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    accepted = "write a code or its Chinese or English name"
    assert lines[0] == f"row 2, column 机构类型: unknown investor kind '对冲基金': {accepted}"
    assert lines[1] == f"row 2, column 行业: item 2: unknown sector '区块链': {accepted}"
    assert (
        "Valid codes for column 机构类型 (a code, or its Chinese or English name): "
        "vc (风险投资), pe (私募股权)" in result.stdout
    )
    assert stored_profiles(scratch_url) == {}
