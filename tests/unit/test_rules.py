"""Rule files: parsing with positions, sandboxed rendering, and the new_peer trigger."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from keepwarm.errors import RuleError, TemplateError
from keepwarm.models import Classification, Owner, PersonView, Stage
from keepwarm.rules.evaluate import LoadedRule, propose
from keepwarm.rules.parse import parse_rules
from keepwarm.rules.render import render, render_subject
from keepwarm.rules.schema import parse_duration
from tests.builders import NOW, OWNER, meeting

RULE = """\
rules:
  - name: thanks
    trigger:
      type: new_peer
      within: 14d
    after: 2h
    draft:
      subject: "Thanks, {{ person.first_name }}"
      body: "Hi {{ person.first_name }}, thanks for {{ interaction.subject }}."
"""
OWNER_MODEL = Owner(
    name="Ada Lovelace", addresses=[OWNER], domains=["analytical.example"], timezone="Europe/London"
)


def test_shipped_rule_files_parse_and_render() -> None:
    """Every shipped rule file is valid and renders against a sample context."""
    files = sorted(Path("rules").glob("*.yaml"))
    assert files
    for path in files:
        for rule in parse_rules(path.read_text(), str(path)):
            stored = meeting({OWNER: None, "g@x.example": None}, days_ago=1, subject="Chat")
            person = _person(planted_by=stored.id, planted_at=NOW - timedelta(days=1))
            drafts = propose(
                [LoadedRule(rule, str(path))], [person], {stored.id: stored}, OWNER_MODEL, now=NOW
            )
            assert len(drafts) == 1 and "Grace" in drafts[0].body and "{{" not in drafts[0].body


def test_unknown_key_is_reported_with_file_line_and_column() -> None:
    """A misspelt key points at its own line."""
    text = RULE.replace("    after: 2h", "    afterr: 2h")
    with pytest.raises(RuleError) as info:
        parse_rules(text, "rules/x.yaml")
    assert "rules/x.yaml:6:5: rules.0.afterr: unknown key" in str(info.value)


def test_bad_duration_and_yaml_syntax_errors_are_positioned() -> None:
    """A wrong duration and broken YAML both name file:line:col."""
    with pytest.raises(RuleError) as info:
        parse_rules(RULE.replace("within: 14d", "within: two weeks"), "r.yaml")
    assert "r.yaml:5:7: rules.0.trigger.within" in str(info.value)
    assert "write e.g. '30m'" in str(info.value)
    with pytest.raises(RuleError, match=r"r.yaml:3:1: YAML syntax error"):
        parse_rules("rules:\n  - name: [unclosed\n", "r.yaml")


def test_durations() -> None:
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("2w") == timedelta(weeks=2)
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")


def test_templates_are_sandboxed_and_strict() -> None:
    """Undefined variables fail loudly; unsafe attribute access is refused."""
    with pytest.raises(TemplateError, match=r"r\.yaml.*nickname"):
        render("{{ person.nickname }}", {"person": {}}, where="r.yaml")
    with pytest.raises(TemplateError):
        render("{{ ''.__class__.__mro__[1].__subclasses__() }}", {}, where="r.yaml")


def test_subject_cannot_carry_a_header_injection() -> None:
    """CR/LF in a rendered subject collapse to spaces."""
    assert (
        render_subject("{{ s }}", {"s": "Hi\r\nBcc: evil@x.example"}, where="r")
        == "Hi Bcc: evil@x.example"
    )


def _person(**changes: object) -> PersonView:
    base = PersonView(
        key="g@x.example", name="Grace Hopper", addresses=("g@x.example",),
        classification=Classification.PEER, reasons=("you met",), stage=Stage.SEEDED,
        first_seen=NOW - timedelta(days=1), last_seen=NOW - timedelta(days=1),
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


class TestNewPeer:
    rule = parse_rules(RULE, "r.yaml")[0]

    def run(self, person: PersonView, stored):  # type: ignore[no-untyped-def]
        return propose(
            [LoadedRule(self.rule, "r.yaml")], [person], {stored.id: stored}, OWNER_MODEL, now=NOW
        )

    def test_recent_unfollowed_peer_gets_one_draft(self) -> None:
        """A peer planted yesterday and not yet followed up gets a thank-you, due after the delay."""
        stored = meeting({OWNER: None, "g@x.example": None}, days_ago=1, subject="Compilers")
        planted = NOW - timedelta(days=1)
        [draft] = self.run(_person(planted_by=stored.id, planted_at=planted), stored)
        assert draft.subject == "Thanks, Grace"
        assert draft.body.startswith("Hi Grace, thanks for Compilers.")
        assert draft.due_at == planted + timedelta(hours=2)
        assert draft.key == f"thanks:g@x.example:{stored.interaction.provider_id}"
        assert draft.to == ("g@x.example",) and draft.account == "demo"

    def test_no_draft_when_followed_up_old_or_not_a_peer(self) -> None:
        """Followed-up, planted too long ago, or non-peer people get nothing."""
        stored = meeting({OWNER: None, "g@x.example": None}, days_ago=1)
        recent = NOW - timedelta(days=1)
        assert (
            self.run(_person(planted_by=stored.id, planted_at=recent, followed_up_at=NOW), stored)
            == []
        )
        old = NOW - timedelta(days=30)
        assert self.run(_person(planted_by=stored.id, planted_at=old), stored) == []
        colleague = _person(
            planted_by=stored.id, planted_at=recent, classification=Classification.COLLEAGUE
        )
        assert self.run(colleague, stored) == []
