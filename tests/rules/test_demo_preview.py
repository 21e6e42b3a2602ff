"""The six things users asked to express, each written as a rule and previewed on the demo
(`keepwarm rules preview` over examples/, synced once for the module): meeting conditions,
the meeting's location, tags (`peers tag`), fields (`peers set`), a yearly date, and a global
exclude."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from keepwarm.cli.main import app
from tests.conftest import EXPECTED_DRAFTS, ROOT

runner = CliRunner()
GRACE, ALAN = "grace.hopper@navylabs.example", "alan@bletchley.example"
KATHERINE, RENEE = "katherine.johnson@orbital.example", "renee.dubois@lumiere-labs.example"
TIM = "tim@web-consortium.example"


def kw(config: Path, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/ synced and detected once; each test brings its own rules folder."""
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(
        ROOT / "examples", root / "examples", ignore=shutil.ignore_patterns(".keepwarm")
    )
    config = root / "examples" / "keepwarm.toml"
    kw(config, "sync")
    kw(config, "detect")
    return config


def preview(demo: Path, name: str, rules: str, days: int = 14) -> list[dict[str, Any]]:
    """Write `rules` into a fresh rules folder, check it clean, and preview it."""
    folder = demo.parent.parent / f"rules-{name}"
    folder.mkdir()
    (folder / "rules.yaml").write_text(rules)
    config = demo.parent / f"{name}.toml"
    config.write_text(demo.read_text().replace('rules_dir = "../rules"', f'rules_dir = "{folder}"'))
    assert json.loads(kw(config, "rules", "check", "--json"))["problems"] == []
    data = json.loads(kw(config, "rules", "preview", "--days", str(days), "--json"))
    assert data["problems"] == [] and data["warnings"] == []
    return list(data["drafts"])


def to(drafts: list[dict[str, Any]]) -> set[str]:
    return {d["to"][0] for d in drafts}


def test_meeting_title_organiser_and_attendees(demo: Path) -> None:
    """Ada's own 1:1 whose title matches, versus the roundtable a colleague organised."""
    drafts = preview(
        demo,
        "meeting",
        """\
rules:
  - name: own-small-calls
    trigger: {type: new_peer, source: [meeting]}
    when:
      meeting: {title_matches: 'compiler|roundtable', organiser: [owner], attendees: {max: 1}}
    draft: {subject: "Thanks for the call", body: "Hi {{ person.first_name }}"}
  - name: colleague-roundtables
    trigger: {type: new_peer}
    when:
      meeting: {title_contains: [Roundtable], organiser: ['@analytical.example'], attendees: {min: 2}}
    draft: {subject: "Good to meet you", body: "Hi {{ person.first_name }}"}
""",
    )
    assert {(d["rule"], d["to"][0]) for d in drafts} == {
        ("own-small-calls", GRACE),
        ("colleague-roundtables", ALAN),
    }


def test_location_in_conditions_and_templates(demo: Path) -> None:
    drafts = preview(
        demo,
        "location",
        """\
rules:
  - name: video-calls
    trigger: {type: new_peer}
    when: {meeting: {location_contains: ['meet.analytical.example']}}
    draft:
      subject: "Thanks for the call"
      body: "Hi {{ person.first_name }}, the link again: {{ interaction.location }}"
""",
    )
    [draft] = drafts
    assert draft["to"] == [GRACE]
    assert "the link again: https://meet.analytical.example/gh-ctc-417" in draft["body"]


def test_tags_set_with_peers_tag_in_when_and_templates(demo: Path) -> None:
    assert "tags investor" in kw(demo, "peers", "tag", ALAN, "Investor")
    kw(demo, "peers", "tag", "@orbital.example", "partner")
    drafts = preview(
        demo,
        "tags",
        """\
rules:
  - name: tagged-thanks
    trigger: {type: new_peer}
    when: {tags: [investor, partner]}
    draft: {subject: "Thanks", body: "Tags: {{ person.tags|join(', ') }}"}
  - name: tagged-answer                    # Katherine wrote last: she is owed a reply
    trigger: {type: reply_owed}
    after: 3wd
    when: {tags: [investor, partner]}
    draft: {subject: "Re", body: "Tags: {{ person.tags|join(', ') }}"}
""",
    )
    assert {d["to"][0]: d["body"].splitlines()[0] for d in drafts} == {
        ALAN: "Tags: investor",
        KATHERINE: "Tags: partner",
    }
    kw(demo, "peers", "untag", ALAN, "investor")
    assert json.loads(kw(demo, "why", ALAN, "--json"))["tags"] == []


def test_fields_set_with_peers_set_in_when_and_templates(demo: Path) -> None:
    kw(demo, "peers", "set", RENEE, "role=advisor", "nickname=Renée")
    drafts = preview(
        demo,
        "fields",
        """\
rules:
  - name: advisors                          # Renée wrote last: the answer is in her thread
    trigger: {type: reply_owed}
    after: 3wd
    when: {fields: {role: [advisor, investor]}}
    draft:
      subject: "Merci"
      body: "Merci, {{ person.fields.nickname|default(person.first_name) }}. As an {{ person.fields.role }}, your view matters."
""",
    )
    [draft] = drafts
    assert draft["to"] == [RENEE]
    assert draft["subject"] == "Re: Great meeting you at the Data Engineering Summit"
    assert draft["body"].startswith("Merci, Renée. As an advisor, your view matters.")


def test_yearly_on_a_date_you_set(demo: Path) -> None:
    """Tim met Ada on 10 Nov 2019 (a date set with `peers set`): the anniversary in the
    replayed month drafts once, due at 09:00 that day."""
    kw(demo, "peers", "set", TIM, "first_met=2019-11-10")
    drafts = preview(
        demo,
        "yearly",
        """\
rules:
  - name: anniversary
    trigger: {type: yearly, date: fields.first_met}
    draft:
      subject: "Seven years, {{ person.first_name }}!"
      body: "We met on {{ person.fields.first_met }}."
""",
        days=30,
    )
    [draft] = drafts
    assert draft["to"] == [TIM] and draft["key"].endswith(":yearly:fields.first_met:2026")
    assert draft["due"] == "2026-11-10T09:00:00+00:00"
    # Now that a yearly rule counts from first_met, `peers set` refuses what is not a date.
    yearly = demo.parent / "yearly.toml"
    result = runner.invoke(
        app, ["--config", str(yearly), "peers", "set", GRACE, "first_met=10 Nov"]
    )
    assert result.exit_code == 1 and "must be a date: YYYY-MM-DD" in result.stderr


def test_global_exclude(demo: Path) -> None:
    """Without exclude the four new peers get a draft (a thank-you, or the reply they are owed);
    exclude removes those it covers (a tag given with `peers tag`, a domain)."""
    rule = """\
rules:
  - name: thanks
    trigger: {type: new_peer}
    draft: {subject: "Thanks", body: "Hi {{ person.first_name }}"}
  - name: answer
    trigger: {type: reply_owed}
    after: 3wd
    draft: {subject: "Re", body: "Hi {{ person.first_name }}"}
"""
    assert to(preview(demo, "no-exclude", rule, days=1)) == EXPECTED_DRAFTS
    kw(demo, "peers", "tag", GRACE, "do-not-contact")
    excluded = preview(
        demo,
        "exclude",
        rule
        + """\
policies:
  exclude:
    - tags: [do-not-contact]
    - domain: [bletchley.example]
""",
        days=1,
    )
    assert to(excluded) == EXPECTED_DRAFTS - {GRACE, ALAN}


def test_notes_refuse_what_rules_could_not_use(demo: Path) -> None:
    def fails(*args: str) -> str:
        result = runner.invoke(app, ["--config", str(demo), "peers", *args])
        assert result.exit_code == 1, result.output
        return result.stderr

    assert "does not appear in any synced interaction" in fails("tag", "nobody@x.example", "vip")
    assert "is not a tag" in fails("tag", GRACE, "Not a tag!")
    assert "is not NAME=VALUE" in fails("set", GRACE, "Bad Key=1")
    assert "line break" in fails("set", GRACE, "note=one\ntwo")
    assert "longer than" in fails("set", GRACE, "note=" + "x" * 501)


def test_untagging_a_policies_tag_says_where_it_comes_from(demo: Path) -> None:
    preview(
        demo,
        "policy-tags",
        """\
rules:
  - name: vips
    trigger: {type: new_peer}
    when: {tags: [vip]}
    draft: {subject: "Hi", body: "Hi {{ person.first_name }}"}
policies:
  tags: {vip: [bletchley.example]}
""",
    )
    result = runner.invoke(
        app, ["--config", str(demo.parent / "policy-tags.toml"), "peers", "untag", ALAN, "vip"]
    )
    assert result.exit_code == 0
    assert "'vip' comes from policies.tags in the rule files" in result.stderr
