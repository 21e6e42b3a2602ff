"""Rule files: parsing with positions, the shipped rules, sandboxed rendering, header safety."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from keepwarm.errors import RuleError, TemplateError
from keepwarm.models import Stage
from keepwarm.rules.evaluate import LoadedRule, propose
from keepwarm.rules.parse import parse_rules
from keepwarm.rules.render import render, render_body, render_subject
from keepwarm.rules.schema import json_schema, parse_delay, parse_duration
from keepwarm.services.rulesio import check_paths, load_rules
from tests.unit.rules_helpers import NOW, OWNER, person, touch

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


def test_shipped_rules_are_valid_and_each_renders_a_warm_draft() -> None:
    """Every shipped rule loads and, given a matching situation, renders with no raw markup."""
    ruleset = load_rules(Path("rules"))
    assert not ruleset.problems
    names = {r.rule.name for r in ruleset.rules}
    assert {"new-peer-thank-you", "no-reply-nudge", "water-two-weeks", "check-in-established",
            "check-in-others", "meeting-follow-up", "reply-owed"} <= names  # fmt: skip
    met = touch("meeting", 1, subject="Compilers")
    sent = touch("out", 10, subject="Intro")
    situations = {
        "reply-owed": (
            person(planted_by=sent.interaction_id, planted_at=sent.at),
            [sent, touch("in", 8, subject="Re: Intro")],
        ),
        "new-peer-thank-you": (person(planted_by=met.interaction_id, planted_at=met.at), [met]),
        "no-reply-nudge": (person(), [touch("out", 9, subject="Intro")]),
        "water-two-weeks": (person(stage=Stage.WATERED), [touch("out", 15)]),
        "check-in-established": (
            person(stage=Stage.ESTABLISHED),
            [touch("meeting", 130), touch("in", 120), touch("out", 110), touch("in", 100)],
        ),
        "check-in-others": (person(stage=Stage.GROWING), [touch("in", 200)]),
        "meeting-follow-up": (person(planted_by=1), [touch("meeting", 1, subject="Roadmap")]),
    }
    for loaded in ruleset.rules:
        someone, history = situations[loaded.rule.name]
        drafts = propose([loaded], [someone], {someone.key: history}, OWNER, now=NOW)
        assert len(drafts) == 1, loaded.rule.name
        assert "Grace" in drafts[0].body and "{" not in drafts[0].body + drafts[0].subject


def test_shipped_schema_file_matches_the_models() -> None:
    """rules/schema.json (used by editors) is exactly what `rules schema` prints."""
    assert json.loads(Path("rules/schema.json").read_text()) == json_schema()
    for path in Path("rules").glob("*.yaml"):
        assert path.read_text().startswith("# yaml-language-server: $schema=schema.json")


def test_unknown_key_is_reported_with_position_and_suggestion() -> None:
    """A misspelt key points at its own line and suggests the right one."""
    with pytest.raises(RuleError) as info:
        parse_rules(RULE.replace("    after: 2h", "    afterr: 2h"), "rules/x.yaml")
    assert "rules/x.yaml:6:5: rules.0.afterr: unknown key 'afterr'" in str(info.value)
    assert "did you mean 'after'?" in str(info.value)


def test_durations_and_delays() -> None:
    """Calendar durations and working-day delays parse; nonsense is a readable error."""
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("2w") == timedelta(weeks=2)
    assert parse_delay("5wd").working_days == 5
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")
    with pytest.raises(ValueError, match=r"working days .* only be used in 'after'"):
        parse_duration("5wd")  # working days only where a delay is meant


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ person.__class__ }}",
        "{{ render.__globals__ }}",
        "{{ person.items.__self__ }}",
        "{% import 'os' as os %}{{ os }}",
        "{% include '/etc/passwd' %}",
        "{{ cycler.__init__.__globals__.os }}",
    ],
)
def test_sandbox_refuses_escapes(template: str) -> None:
    """Internals, dunder attributes, imports and includes are refused, never evaluated."""
    context = {"person": {"name": "x"}, "render": render}
    with pytest.raises(TemplateError):
        render(template, context, where="r.yaml")


def test_strict_undefined_is_an_error() -> None:
    """A variable that does not exist fails loudly instead of rendering empty."""
    with pytest.raises(TemplateError, match=r"r\.yaml.*nickname"):
        render("{{ person.nickname }}", {"person": {}}, where="r.yaml")


def test_no_line_break_reaches_a_header_and_signature_is_appended() -> None:
    """CR, LF and Unicode line breaks in a subject collapse to spaces; bodies end with the signature."""
    evil = "Hi\r\nBcc: evil@x.example\u2028X-Other: 1\x85y"
    assert (
        render_subject("{{ s }}", {"s": evil}, where="r") == "Hi Bcc: evil@x.example X-Other: 1 y"
    )
    body = render_body("Hello", {}, where="r", signature="Ada\nEngines")
    assert body == "Hello\n\n-- \nAda\nEngines\n"


def test_rules_check_skips_a_broken_file_and_keeps_the_rest(tmp_path: Path) -> None:
    """One broken file is reported and skipped; the good file's rules still load."""
    (tmp_path / "good.yaml").write_text(RULE)
    (tmp_path / "bad.yaml").write_text(RULE.replace("thanks", "other").replace("14d", "soon"))
    result = check_paths([tmp_path])
    assert [r.rule.name for r in result.rules] == ["thanks"]
    assert result.skipped == [str(tmp_path / "bad.yaml")]
    assert str(result.problems[0]).startswith(f"{tmp_path / 'bad.yaml'}:5:15:")


def test_duplicate_names_across_files_and_body_templates(tmp_path: Path) -> None:
    """A name reused in another file is an error there; body_template reads rules/templates/."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.txt").write_text("Dear {{ person.first_name }}")
    (tmp_path / "a.yaml").write_text(RULE)
    (tmp_path / "b.yaml").write_text(
        RULE.replace(
            'body: "Hi {{ person.first_name }}, thanks for {{ interaction.subject }}."',
            "body_template: t.txt",
        )
    )
    result = check_paths([tmp_path])
    assert [str(p).splitlines()[0] for p in result.problems] == [
        f"{tmp_path / 'b.yaml'}:2:11: duplicate rule name 'thanks', already used in "
        f"{tmp_path / 'a.yaml'}"
    ]
    (tmp_path / "b.yaml").write_text((tmp_path / "b.yaml").read_text().replace("thanks", "t2"))
    result = check_paths([tmp_path])
    assert not result.problems
    assert next(r for r in result.rules if r.rule.name == "t2").rule.draft.body == (
        "Dear {{ person.first_name }}"
    )
    assert isinstance(result.rules[0], LoadedRule)


def test_unknown_tag_is_a_warning_at_the_rule(tmp_path: Path) -> None:
    """A tag nobody has yet (not in policies.tags, not given with `peers tag`) is a warning at
    the rule's name, with a "did you mean"; the rule still loads. A known tag is no warning."""
    (tmp_path / "a.yaml").write_text(RULE.replace("    after: 2h", "    when: {tags: [vipp]}"))
    (tmp_path / "p.yaml").write_text("policies:\n  tags: {vip: [navy.example]}\n")
    result = check_paths([tmp_path])
    [problem] = result.problems
    assert str(problem).startswith(
        f"{tmp_path / 'a.yaml'}:2:11: warning: rule 'thanks' uses tag(s) vipp"
    )
    assert "did you mean 'vip'?" in problem.hint and not result.skipped
    assert [r.rule.name for r in result.rules] == ["thanks"]
    assert check_paths([tmp_path], known_tags={"vipp"}).problems == []
