"""Every action the audit trail records is named for people, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from models import FeedbackAction, OutcomeStepKind
from service.i18n.audit_wording import audit_action, audit_object
from service.i18n.languages import reading_in

SERVICE = Path(__file__).resolve().parents[2] / "service"
RECORDED = re.compile(r'action="([a-z_]+\.[a-z_]+)"')


def _recorded_actions() -> set[str]:
    found = {
        action
        for source in SERVICE.rglob("*.py")
        for action in RECORDED.findall(source.read_text(encoding="utf-8"))
    }
    # The actions written from a value (action=f"feedback.{...}"), with every value they take.
    found |= {f"feedback.{action.value}" for action in FeedbackAction}
    found |= {f"outcome.{kind.value}" for kind in OutcomeStepKind}
    found |= {"financing_request.publish", "financing_request.reject"}
    return found


def test_every_recorded_action_has_a_name_in_each_language() -> None:
    actions = _recorded_actions()
    assert len(actions) > 40
    for language in ("zh", "en"):
        with reading_in(language):
            unnamed = sorted(a for a in actions if audit_action(a) is None)
            assert unnamed == [], unnamed
    with reading_in("zh"):
        assert audit_action("financing_request.publish") == "审核通过并发布融资需求"
        assert audit_object("meeting") == "会面"  # not the answer "meeting"
        assert audit_object("financing_request") == "融资需求"
