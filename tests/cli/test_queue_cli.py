"""The queue commands end to end over a seeded store: JSON contracts, $EDITOR, errors."""

from __future__ import annotations

import email
import email.policy
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keepwarm.cli.main import app
from tests.conftest import EXPECTED_DRAFTS
from tests.queuedata import open_at, seed, write_config

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = write_config(tmp_path / "ws")
    ws = open_at(path)
    try:
        seed(ws, 3)
    finally:
        ws.close()
    return path


def kw(config: Path, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == code, result.stdout + result.stderr
    return result.stdout if code == 0 else result.stderr


def test_every_command_prints_one_json_document(config: Path) -> None:
    """queue, show, approve, reject, snooze and deliver each print a single parseable document."""
    assert [d["id"] for d in json.loads(kw(config, "queue", "--json"))] == [1, 2, 3]
    shown = json.loads(kw(config, "show", "1", "--json"))
    assert shown["evidence"][0]["subject"] == "Coffee 0" and shown["window"]["until"]
    assert json.loads(kw(config, "approve", "1", "--json")) == {"approved": [1], "skipped": []}
    assert json.loads(kw(config, "reject", "2", "--reason", "no", "--forget", "--json")) == {
        "rejected": [2]
    }
    snoozed = json.loads(kw(config, "snooze", "3", "--until", "2026-12-01", "--json"))
    assert snoozed == {"snoozed": [3], "until": "2026-12-01T09:00:00+00:00"}
    assert json.loads(kw(config, "deliver", "--json"))["delivered"] == 1
    states = {d["id"]: d["state"] for d in json.loads(kw(config, "queue", "--json"))}
    assert states == {1: "delivered", 2: "rejected", 3: "snoozed"}
    delivered = list((config.parent / "out" / "drafts" / "cur").iterdir())
    assert len(delivered) == 1 and b"To: peer0@org0.example" in delivered[0].read_bytes()


def test_queue_filters_and_rich_show(config: Path) -> None:
    """--person narrows the list; `show` prints the person, evidence and history for a human."""
    assert [d["id"] for d in json.loads(kw(config, "queue", "--person", "peer1", "--json"))] == [2]
    text = kw(config, "show", "2")
    assert "Peer 1" in text and "Coffee 1" in text and "created" in text


def test_illegal_action_is_an_error_on_stderr_with_exit_1(config: Path) -> None:
    """Approving a rejected draft explains itself and exits 1."""
    kw(config, "reject", "1")
    err = kw(config, "approve", "1", code=1)
    assert "draft 1 is rejected and cannot be approved" in err
    assert "not a date" in kw(config, "snooze", "2", "--until", "soon", code=1)


def write_editor(tmp_path: Path, replacement: str) -> str:
    script = tmp_path / "editor.py"
    script.write_text(
        f"import sys, pathlib\np = pathlib.Path(sys.argv[1])\np.write_text({replacement!r})\n"
    )
    return f"{sys.executable} {script}"


def test_edit_opens_editor_and_applies_a_valid_text(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The saved text form replaces recipients, subject and body."""
    text = "To: Grace <grace@navy.example>\nSubject: Merci\n\nHi Grace,\n\nThanks.\n"
    monkeypatch.setenv("EDITOR", write_editor(tmp_path, text))
    d = json.loads(kw(config, "edit", "1", "--json"))
    assert (d["to"], d["subject"], d["body"]) == (
        ["grace@navy.example"], "Merci", "Hi Grace,\n\nThanks."
    )  # fmt: skip


def test_edit_with_an_invalid_address_changes_nothing_and_keeps_the_text(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad recipient is refused with the field named; the user's text is saved aside."""
    text = "To: grace-at-navy\nSubject: Merci\n\nHi\n"
    monkeypatch.setenv("EDITOR", write_editor(tmp_path, text))
    err = kw(config, "edit", "1", code=1)
    assert "not an email address" in err
    kept = config.parent / ".keepwarm" / "edits" / "draft-1.txt"
    assert kept.read_text() == text
    assert json.loads(kw(config, "show", "1", "--json"))["subject"].startswith("Thank you")


def test_demo_queue_is_approved_and_delivered_end_to_end(demo_config: Path) -> None:
    """Samples → drafts → approve a whole rule → deliver: four RFC 5322 drafts in the Maildir."""
    for stage in ("sync", "detect", "draft"):
        kw(demo_config, stage)
    for rule in ("new-peer-thank-you", "reply-owed"):
        approved = json.loads(kw(demo_config, "approve", "--rule", rule, "--json"))
        assert len(approved["approved"]) == 2 and approved["skipped"] == []
    assert json.loads(kw(demo_config, "deliver", "--json"))["delivered"] == 4
    assert json.loads(kw(demo_config, "deliver", "--json"))["delivered"] == 0
    folder = demo_config.parent / ".keepwarm" / "drafts" / "cur"
    messages = [
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
        for f in folder.iterdir()
    ]
    assert {m["To"] for m in messages} == EXPECTED_DRAFTS
    assert all(m["Subject"] and m["X-Keepwarm-Key"] for m in messages)
    # Katherine's reply continues her thread: her message answered, the whole chain referenced.
    reply = next(m for m in messages if m["To"] == "katherine.johnson@orbital.example")
    assert reply["Subject"] == "RE: Trajectory data collaboration?"
    theirs = "<BNB532PR05MBA5440DD8422D9D5F@BNB532PR05MBA544.namprd05.prod.orbital.example>"
    assert reply["In-Reply-To"].strip() == theirs
    assert reply["References"].split() == [
        "<BNA2ABPR05MB1959C1C3BFA295B0@BNA2ABPR05MB1959.namprd05.prod.orbital.example>",
        "<bfeb734d2eb5.d0915145@mail.analytical.example>",
        theirs,
    ]
    states = {d["state"] for d in json.loads(kw(demo_config, "queue", "--json"))}
    assert states == {"delivered"}
