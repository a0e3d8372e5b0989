"""A founder reads how far a published request reaches: how many investor mandates had it
among their first matches (a count, never who), or that none has yet and that the commission
sees so too. Nothing of the kind on a request not published."""

from __future__ import annotations

from fastapi import FastAPI

from tests.support.factories import ApiClient
from tests.support.people import new_person
from tests.support.web import Browser


def test_a_founder_reads_how_many_mandates_saw_the_request_and_never_who(
    api: ApiClient, app: FastAPI
) -> None:
    startup = api.create_account("startup")
    published = api.create_request(startup, company="阶跃星辰", title="基础大模型C轮融资")
    api.publish(published["id"])
    api.create_request(startup, company="阶跃星辰", title="推理集群扩容", amount="800000000")
    founder = Browser(api.client)
    founder.sign_in(new_person(api, startup, signed_in=False))
    before = founder.get("/startup").text
    assert before.count("尚未出现在任何投资要求的前 20 个匹配结果中。") == 1

    for name in ("高瓴资本 AI 基金", "红杉中国 成长基金"):
        investor = api.create_account("investor", name)
        mandate = api.create_investor(investor, name=name)
        reader = Browser(api.client)
        reader.sign_in(new_person(api, investor, signed_in=False))
        assert reader.get(f"/investor/mandates/{mandate['id']}/matches").status_code == 200
    app.state.impression_log.flush()  # what the worker's thread does within a second

    after = founder.get("/startup").text
    assert "曝光情况：已出现在 2 个投资要求的前 20 个匹配结果中。" in after
    assert "尚未出现在任何投资要求" not in after
    assert "高瓴资本" not in after
    assert "红杉中国" not in after
