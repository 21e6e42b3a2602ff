"""`rules check`, `rules preview`, `rules schema`, and automatic withdrawal, over the examples."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from keepwarm.cli.main import app
from keepwarm.services import open_workspace
from keepwarm.settings import load_settings
from keepwarm.store.tables import DraftEvent
from tests.conftest import EXPECTED_DRAFTS, EXPECTED_RULES

runner = CliRunner()
CORPUS = Path(__file__).resolve().parents[1] / "rules_corpus"


def kw(config: Path, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == code, result.output + (result.stderr if result.stderr_bytes else "")
    return result.stdout


def test_check_passes_shipped_rules_and_fails_broken_ones(demo_config: Path) -> None:
    """Shipped rules check clean (exit 0); a broken file prints file:line:col + hint, exit 1."""
    kw(demo_config, "rules", "check")
    broken = CORPUS / "06-unknown-rule-key.yaml"
    output = kw(demo_config, "rules", "check", str(broken), code=1)
    assert output.splitlines() == [
        f"{broken}:5:5: rules.0.triger: unknown key 'triger'",
        "    hint: did you mean 'trigger'?",
    ]
    data = json.loads(kw(demo_config, "rules", "check", str(CORPUS), "--json", code=1))
    assert data["ok"] is False and len(data["skipped"]) == len(list(CORPUS.glob("*.yaml")))


def test_schema_is_one_json_document(demo_config: Path) -> None:
    """`rules schema` prints a JSON Schema that knows every trigger type."""
    schema = json.loads(kw(demo_config, "rules", "schema"))
    text = json.dumps(schema)
    for trigger in ("new_peer", "no_reply", "reply_owed", "quiet", "meeting_ended"):
        assert trigger in text


def test_preview_replays_history_without_touching_the_queue(demo_config: Path) -> None:
    """Preview shows the drafts the demo would get, filters by rule, and queues nothing."""
    kw(demo_config, "sync")
    kw(demo_config, "detect")
    data = json.loads(kw(demo_config, "rules", "preview", "--days", "14", "--json"))
    found = {(d["to"][0], d["rule"]) for d in data["drafts"]}
    assert found >= set(EXPECTED_RULES.items())
    # Katherine wrote last: never a thank-you for her, whichever day is replayed.
    assert ("katherine.johnson@orbital.example", "new-peer-thank-you") not in found
    assert json.loads(kw(demo_config, "queue", "--json")) == []
    only = json.loads(kw(demo_config, "rules", "preview", "--rule", "no-reply-nudge", "--json"))
    assert set(only["rules"]) == {"no-reply-nudge"}
    result = runner.invoke(app, ["--config", str(demo_config), "rules", "preview", "--rule", "x"])
    assert result.exit_code == 1 and "no rule named 'x'" in result.stderr


def test_preview_sees_each_day_as_it_was(demo_config: Path) -> None:
    """A replayed day uses only what had happened by then: Katherine's later reply (12 Nov) is
    not in the 11 Nov picture of her, and she was no peer before Ada answered (11 Nov)."""
    rules = demo_config.parent.parent / "rules"
    for old in rules.glob("*.yaml"):
        old.unlink()
    (rules / "probe.yaml").write_text(
        "policies: {recent_inbound: null, one_pending_per_person: false, daily_cap: null}\n"
        "rules:\n  - name: probe\n    trigger: {type: quiet, for: 1m}\n    window: null\n"
        "    when: {classification: [peer, candidate]}\n"
        "    draft:\n      subject: '{{ person.last_seen }} {{ exchanges.count }}'\n"
        "      body: '{{ person.greeting }}'\n"
    )
    kw(demo_config, "sync")
    data = json.loads(kw(demo_config, "rules", "preview", "--days", "14", "--json"))
    seen = {
        d["proposed_at"][:10]: d["subject"]
        for d in data["drafts"]
        if d["to"] == ["katherine.johnson@orbital.example"]
    }
    assert seen["2026-11-11"] == "11 November 2026 2"  # her cold email and Ada's answer, no more
    assert seen["2026-11-12"] == "12 November 2026 3"


def test_broken_rule_file_is_skipped_loudly_and_the_rest_still_drafts(demo_config: Path) -> None:
    """A broken file does not stop drafting: the report names it and the thank-yous appear."""
    rules = demo_config.parent.parent / "rules"
    (rules / "broken.yaml").write_text((CORPUS / "10-bad-duration.yaml").read_text())
    kw(demo_config, "sync")
    result = runner.invoke(app, ["--config", str(demo_config), "draft"])
    assert result.exit_code == 0
    assert "broken.yaml:5:12" in result.stderr and "skipped" in result.stderr
    queue = json.loads(kw(demo_config, "queue", "--json"))
    assert {d["to"][0] for d in queue} == EXPECTED_DRAFTS


def test_draft_is_withdrawn_when_the_person_writes_first(demo_config: Path) -> None:
    """Grace writes the next day: her pending thank-you is withdrawn with the reason recorded."""
    kw(demo_config, "sync")
    kw(demo_config, "draft")
    (demo_config.parent / "mail" / "grace-reply.eml").write_text(
        "From: Grace Hopper <grace.hopper@navylabs.example>\n"
        "To: Ada Lovelace <ada@analytical.example>\n"
        "Subject: Thanks for the chat\n"
        "Date: Sat, 21 Nov 2026 10:00:00 +0000\n"
        "Message-ID: <grace-thanks@navylabs.example>\n\nLovely to meet you!\n"
    )
    text = demo_config.read_text().replace("2026-11-20T18:00:00Z", "2026-11-21T18:00:00Z")
    demo_config.write_text(text)
    kw(demo_config, "sync")
    kw(demo_config, "draft")
    [withdrawn] = json.loads(kw(demo_config, "queue", "--state", "withdrawn", "--json"))
    assert withdrawn["to"] == ["grace.hopper@navylabs.example"]
    pending = json.loads(kw(demo_config, "queue", "--state", "pending", "--json"))
    assert {d["to"][0] for d in pending} == EXPECTED_DRAFTS - {"grace.hopper@navylabs.example"}
    ws = open_workspace(load_settings(demo_config))
    try:
        with ws.session() as session:
            event = session.scalar(
                select(DraftEvent).where(
                    DraftEvent.draft_id == withdrawn["id"], DraftEvent.action == "withdrawn"
                )
            )
        assert event is not None
        assert event.detail == "wrote to you on 2026-11-21 ('Thanks for the chat')"
    finally:
        ws.close()


def test_rejected_draft_is_not_proposed_again(demo_config: Path) -> None:
    """After rejecting Grace's thank-you, drafting again (a day later) queues nothing for her."""
    kw(demo_config, "sync")
    kw(demo_config, "draft")
    queue = json.loads(kw(demo_config, "queue", "--json"))
    grace = next(d for d in queue if d["to"] == ["grace.hopper@navylabs.example"])
    kw(demo_config, "reject", str(grace["id"]))
    demo_config.write_text(
        demo_config.read_text().replace("2026-11-20T18:00:00Z", "2026-11-21T18:00:00Z")
    )
    report = json.loads(kw(demo_config, "draft", "--json"))
    assert report["created"] == 0
    pending = json.loads(kw(demo_config, "queue", "--state", "pending", "--json"))
    assert "grace.hopper@navylabs.example" not in {d["to"][0] for d in pending}
