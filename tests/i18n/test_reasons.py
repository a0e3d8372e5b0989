"""Every reason reads as a sentence in Chinese and in English, for the investor and for
anyone else: names instead of codes, amounts in 亿/万 beside the exact figure, shared terms
instead of similarity numbers."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from scoring.reasons import Reason, reason_from_values, shared_terms
from service.i18n.amounts import amount_for_typing, readable_amount
from service.i18n.reasons import SENTENCES, THE_INVESTOR, Reader, render_reason
from service.imports.amounts import parse_amount

INVESTOR_NAME = "高瓴资本 Hillhouse"
SECTOR_CODES = ("ai.foundation_models",)
MANDATE_SECTORS = ("ai.infrastructure",)

# One reason of every (kind, outcome) the scorer produces, with realistic values.
EVERY_REASON = [
    Reason("sector", "same", request_codes=("ai",), mandate_codes=("ai",)),
    Reason("sector", "within", request_codes=SECTOR_CODES, mandate_codes=("ai",)),
    Reason("sector", "broader", request_codes=("ai",), mandate_codes=SECTOR_CODES),
    Reason("sector", "sibling", request_codes=SECTOR_CODES, mandate_codes=MANDATE_SECTORS),
    Reason("sector", "outside", request_codes=("quantum",), mandate_codes=("ai", "energy")),
    Reason(
        "ticket",
        "within",
        amount=Decimal("3000000000.00"),
        currency="CNY",
        low=Decimal("1500000000"),
        high=Decimal("5000000000"),
    ),
    Reason(
        "ticket",
        "above",
        amount=Decimal("3000000000.00"),
        currency="CNY",
        low=Decimal("100000000"),
        high=Decimal("1000000000"),
        ratio=Decimal("3.0"),
    ),
    Reason(
        "ticket",
        "below",
        amount=Decimal("50000000"),
        currency="CNY",
        low=Decimal("710000000"),
        high=Decimal("3550000000"),
        converted_from="USD",
        ratio=Decimal("14.2"),
    ),
    Reason("ticket", "no_rate", amount=Decimal("1000000"), currency="XYZ"),
    Reason("stage", "same", request_codes=("series_b",), mandate_codes=("series_b",)),
    Reason("stage", "after", request_codes=("series_b",), mandate_codes=("series_a",), steps=1),
    Reason("stage", "before", request_codes=("seed",), mandate_codes=("series_b",), steps=3),
    Reason("stage", "unknown_stage", request_codes=("pre_ipo",)),
    Reason("stage", "no_mandate_stage", request_codes=("seed",)),
    Reason("region", "inside", request_codes=("xuhui",)),
    Reason("region", "outside", request_codes=("xuhui",), mandate_codes=("lingang", "pudong")),
    Reason("text", "shared_terms", terms=("大模型", "robotics")),
    Reason("track_record", "follow_on", company="阶跃星辰 Stepfun"),
    Reason("track_record", "sector_deals", request_codes=("ai.embodied",), count=9, total=12),
    Reason(
        "foreign_investment",
        "restricted",
        list_id="national_2024",
        items=("national_2024.telecom",),
    ),
    Reason(
        "foreign_investment",
        "prohibited",
        list_id="ftz_2021",
        items=("ftz_2021.internet_content",),
    ),
]
# Codes of the reasons above that are not a name in either language.
RAW_CODES = (
    "ai.foundation_models",
    "ai.infrastructure",
    "series_b",
    "series_a",
    "lingang",
    "pudong",
    "xuhui",
    "ai.embodied",
    "national_2024",
    "ftz_2021",
)
READERS = [
    pytest.param(THE_INVESTOR, id="investor"),
    pytest.param(Reader(INVESTOR_NAME), id="other"),
]


def test_every_outcome_has_sentences() -> None:
    assert {(r.kind, r.outcome) for r in EVERY_REASON} == set(SENTENCES)


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("reason", EVERY_REASON, ids=lambda r: f"{r.kind}-{r.outcome}")
def test_a_reason_reads_in_both_languages_for_each_reader(reason: Reason, reader: Reader) -> None:
    chinese = render_reason(reason, reader, "zh")
    english = render_reason(reason, reader, "en")

    for sentence in (chinese, english):
        assert "{" not in sentence, sentence
        assert "}" not in sentence, sentence
        assert not any(code in sentence for code in RAW_CODES), sentence
    assert english.split(":")[0] in {
        "Sector",
        "Ticket",
        "Stage",
        "Region",
        "Text",
        "Track record",
        "Foreign investment",
    }
    # Translated, not English shown to a Chinese reader: the sentence opens in Chinese.
    assert chinese[:2] in {"行业", "金额", "阶段", "区域", "文本", "投资", "外资"}, chinese
    names_the_investor = INVESTOR_NAME in chinese and INVESTOR_NAME in english
    if reader.is_the_investor:
        assert not names_the_investor
        if (reason.kind, reason.outcome) != ("stage", "unknown_stage"):
            assert "your" in english or "you " in english, english
            assert "您" in chinese, chinese
    elif (reason.kind, reason.outcome) != ("stage", "unknown_stage"):
        assert names_the_investor, (chinese, english)
        assert "your" not in english
        assert "您" not in chinese


def test_amounts_are_written_in_yi_and_wan_beside_the_exact_figure() -> None:
    within = EVERY_REASON[5]
    assert render_reason(within, THE_INVESTOR, "zh") == (
        "金额：30亿元（3,000,000,000 CNY）在您的单笔投资区间15亿元（1,500,000,000 CNY）"
        "至50亿元（5,000,000,000 CNY）之内"
    )
    assert render_reason(within, Reader("Hillhouse"), "en") == (
        "Ticket: CNY 3 billion (3,000,000,000 CNY) is within Hillhouse's range of "
        "CNY 1.5 billion (1,500,000,000 CNY) to CNY 5 billion (5,000,000,000 CNY)"
    )


def test_a_trillion_is_written_in_wan_yi() -> None:
    assert readable_amount(Decimal("1200000000000"), "CNY", "zh") == (
        "1.2万亿元（1,200,000,000,000 CNY）"
    )
    # In English too: the walk read "CNY 100,000 billion" for 10^14.
    assert readable_amount(Decimal("100000000000000"), "CNY", "en") == (
        "CNY 100 trillion (100,000,000,000,000 CNY)"
    )
    assert readable_amount(Decimal("999000000000"), "CNY", "en") == (
        "CNY 999 billion (999,000,000,000 CNY)"
    )


def test_amounts_under_wan_and_million_are_written_once_in_full() -> None:
    assert readable_amount(Decimal("5000"), "CNY", "zh") == "5,000元"
    assert readable_amount(Decimal("0"), "CNY", "zh") == "0元"
    assert readable_amount(Decimal("1234.5"), "USD", "zh") == "1,234.50美元"
    assert readable_amount(Decimal("5000"), "CNY", "en") == "5,000 CNY"
    assert readable_amount(Decimal("50000"), "CNY", "zh") == "5万元（50,000 CNY）"
    assert readable_amount(Decimal("50000"), "CNY", "en") == "50,000 CNY"


def test_a_converted_range_stored_without_its_own_figures_names_its_currency() -> None:
    # A reason kept in a report before the mandate's own figures were kept with it.
    below = EVERY_REASON[7]
    assert "（由美元换算）" in render_reason(below, THE_INVESTOR, "zh")
    assert "(converted from US dollar)" in render_reason(below, THE_INVESTOR, "en")
    assert "5000万元" in render_reason(below, THE_INVESTOR, "zh")


def test_a_converted_range_reads_in_the_mandates_own_currency_first() -> None:
    """The investor walk's mandate was USD 10 to 100 million and every reason read "CNY 71
    million (converted from US dollar)": figures it never wrote."""
    below = replace(EVERY_REASON[7], own_low=Decimal("100000000"), own_high=Decimal("500000000"))
    assert render_reason(below, THE_INVESTOR, "zh") == (
        "金额：5000万元（50,000,000 CNY）低于您的单笔下限1亿美元（约合7.1亿元），"
        "下限为该金额的14.2倍"
    )
    english = render_reason(below, THE_INVESTOR, "en")
    assert "USD 100 million (about CNY 710 million)" in english
    assert "about about" not in english
    # Kept with the reason, so a stored report reads the same way.
    assert reason_from_values("ticket", "below", below.values()) == below


def test_sectors_and_stages_are_named_not_coded() -> None:
    assert render_reason(EVERY_REASON[1], THE_INVESTOR, "zh") == (
        "行业：基础大模型属于您的投资行业“人工智能”"
    )
    assert render_reason(EVERY_REASON[10], Reader("IDG"), "en") == (
        "Stage: Series B is 1 step after IDG's nearest stage, Series A"
    )
    assert render_reason(EVERY_REASON[11], THE_INVESTOR, "zh") == (
        "阶段：种子轮比您最接近的投资阶段“B轮”早3个阶段"
    )


def test_text_evidence_names_the_shared_terms() -> None:
    thesis = "We back foundation models and 大模型训练 and 具身智能 robotics in Shanghai"
    summary = "上海大模型训练平台 for robotics teams; 智能制造"
    terms = shared_terms(thesis, summary)
    assert terms[:1] == ("大模型训练",)
    assert "robotics" in terms
    assert "上海" not in terms  # the thesis says Shanghai in English only
    sentence = render_reason(Reason("text", "shared_terms", terms=terms), THE_INVESTOR, "zh")
    assert "“大模型训练”" in sentence
    assert not any(ch.isdigit() for ch in sentence)


def test_no_shared_terms_between_unrelated_texts() -> None:
    assert shared_terms("半导体设备与材料", "创新药临床试验") == ()


def test_amounts_are_offered_for_editing_as_people_type_them_and_read_back_exactly() -> None:
    for typed, zh, en in (
        ("1500000000.00", "15亿", "1,500,000,000"),
        ("1250000000", "12.5亿", "1,250,000,000"),
        ("50000000", "5000万", "50,000,000"),
        ("12345", "12,345", "12,345"),  # 1.2345万 would hide a digit's place
        ("1234567890.5", "1,234,567,890.5", "1,234,567,890.5"),
        ("1200000000000", "1.2万亿", "1,200,000,000,000"),  # not 12000亿
    ):
        amount = Decimal(typed)
        assert amount_for_typing(amount, "zh") == zh
        assert amount_for_typing(amount, "en") == en
        assert parse_amount(zh) == parse_amount(en) == amount


@pytest.mark.parametrize(
    ("count", "total", "english", "chinese"),
    [
        (1, 1, "Track record: Hillhouse's only deal was in", "投资记录：Hillhouse唯一的一笔投资在"),
        (1, 5, "Track record: 1 of Hillhouse's 5 deals was in", "Hillhouse的5笔投资中有1笔在"),
        (3, 5, "Track record: 3 of Hillhouse's 5 deals were in", "Hillhouse的5笔投资中有3笔在"),
    ],
)
def test_a_track_record_reads_in_the_singular_for_one_deal(
    count: int, total: int, english: str, chinese: str
) -> None:
    """'1 of Hillhouse's 1 deals were in' read wrong: one deal is said in the singular."""
    reason = Reason(
        "track_record", "sector_deals", request_codes=("ai.embodied",), count=count, total=total
    )
    assert render_reason(reason, Reader("Hillhouse"), "en").startswith(english)
    assert chinese in render_reason(reason, Reader("Hillhouse"), "zh")
    # The investor reads the same about itself, in the second person.
    own = english.replace("Hillhouse's only", "your only").replace("Hillhouse's", "your")
    assert render_reason(reason, THE_INVESTOR, "en").startswith(own)
