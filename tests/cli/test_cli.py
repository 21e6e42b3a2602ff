"""The command line over the bundled examples, stage by stage (no Prefect)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from keepwarm.cli.main import app
from tests.conftest import EXPECTED_DRAFTS, EXPECTED_RULES

runner = CliRunner()


def kw(config: Path, *args: str) -> str:
    result = runner.invoke(app, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output + (result.stderr if result.stderr_bytes else "")
    return result.stdout


def test_stages_fill_the_queue_with_the_expected_drafts_only(demo_config: Path) -> None:
    """The sample data yields thank-yous for the two people Ada met, replies in their threads for
    the two who wrote last, and nothing for the noise."""
    kw(demo_config, "sync")
    kw(demo_config, "detect")
    kw(demo_config, "draft")
    queue = json.loads(kw(demo_config, "queue", "--json"))
    assert {d["to"][0]: d["rule"] for d in queue} == EXPECTED_RULES
    assert all(d["state"] == "pending" and not d["placeholders"] for d in queue)
    grace = next(d for d in queue if d["to"] == ["grace.hopper@navylabs.example"])
    assert grace["subject"] == "Thank you for Tuesday: Compiler tooling chat"
    assert grace["body"].startswith("Hi Grace,\n")
    assert '"Compiler tooling chat" on Tuesday 17 November' in grace["body"]
    assert grace["reasons"][0] == (
        "new peer: meeting 'Compiler tooling chat' on 2026-11-17; nothing from you since"
    )
    assert {"id", "state", "rule", "to", "subject", "body", "person", "due", "reasons"} <= set(
        grace
    )
    alan = next(d for d in queue if d["to"] == ["alan@bletchley.example"])
    assert "I am glad Charles brought us together" in alan["body"]  # the organiser, named
    katherine = next(d for d in queue if d["to"] == ["katherine.johnson@orbital.example"])
    assert katherine["subject"] == "RE: Trajectory data collaboration?"  # hers, verbatim
    assert katherine["in_reply_to"] == (
        "BNB532PR05MBA5440DD8422D9D5F@BNB532PR05MBA544.namprd05.prod.orbital.example"
    )
    assert katherine["reasons"][0].startswith("reply owed: ")
    assert "On Thursday 12 November you wrote:\n> Wonderful. The sample is here" in (
        katherine["body"]
    )
    assert "Thank you for the exchange" not in katherine["body"]
    renee = next(d for d in queue if d["to"] == ["renee.dubois@lumiere-labs.example"])
    assert renee["subject"] == "Re: Great meeting you at the Data Engineering Summit"
    assert renee["body"].startswith("Hi Renée,\n") and "Shall we plan a call" not in renee["subject"]


def test_rerunning_every_stage_creates_nothing_new(demo_config: Path) -> None:
    """Syncing and drafting twice leaves one copy of every interaction and draft."""
    for _ in range(2):
        kw(demo_config, "sync")
        kw(demo_config, "draft")
    status = json.loads(kw(demo_config, "status", "--json"))
    queue = json.loads(kw(demo_config, "queue", "--json"))
    [account] = status["accounts"]
    assert account["interactions"] == 65 + 34
    assert len(queue) == 4
    sync = json.loads(kw(demo_config, "sync", "--json"))
    assert sync[0]["inserted"] == 0 and sync[0]["pages"] == 0


def test_peers_and_why_explain_the_classification(demo_config: Path) -> None:
    """Peers list carries the contract fields; `why` gives the reasons for a newsletter."""
    kw(demo_config, "sync")
    kw(demo_config, "detect")
    peers = json.loads(kw(demo_config, "peers", "--json"))
    addresses = {p["addresses"][0] for p in peers}
    assert addresses >= EXPECTED_DRAFTS
    assert "newsletter@weekly-engine.example" not in addresses
    for p in peers:
        assert {
            "name",
            "addresses",
            "classification",
            "stage",
            "reasons",
            "first_seen",
            "last_seen",
        } <= set(p)
    info = json.loads(kw(demo_config, "why", "newsletter@weekly-engine.example", "--json"))
    assert info["classification"] == "automated"
    room = json.loads(
        kw(demo_config, "why", "room-difference@resource.analytical.example", "--json")
    )
    assert room["classification"] in {"resource", "colleague"}


def test_status_lists_every_input_file(demo_config: Path) -> None:
    """`status --json` shows each input with what was ingested from it."""
    kw(demo_config, "sync")
    [account] = json.loads(kw(demo_config, "status", "--json"))["accounts"]
    inputs = {Path(i["path"]).name: i for i in account["inputs"]}
    assert inputs["inbox.mbox"]["messages"] == 43
    assert inputs["sent.mbox"]["messages"] == 22
    assert inputs["calendar.ics"]["events"] == 34
    assert account["quarantined"] == [] and account["last_error"] is None


def test_approved_drafts_are_delivered_once_into_the_drafts_maildir(demo_config: Path) -> None:
    """Approve → deliver writes one RFC 5322 file; delivering again writes nothing."""
    kw(demo_config, "sync")
    kw(demo_config, "draft")
    first = json.loads(kw(demo_config, "queue", "--json"))[0]
    kw(demo_config, "approve", str(first["id"]))
    assert json.loads(kw(demo_config, "deliver", "--json"))["delivered"] == 1
    assert json.loads(kw(demo_config, "deliver", "--json"))["delivered"] == 0
    files = list((demo_config.parent / ".keepwarm" / "drafts").glob("cur/*"))
    assert len(files) == 1
    text = files[0].read_text()
    assert f"To: {first['to'][0]}" in text and "From: Ada Lovelace <ada@analytical.example>" in text
    [delivered] = json.loads(kw(demo_config, "queue", "--state", "delivered", "--json"))
    assert delivered["id"] == first["id"]


def test_config_errors_are_clear(tmp_path: Path) -> None:
    """A missing or invalid config is one readable error and exit code 1."""
    missing = runner.invoke(app, ["--config", str(tmp_path / "nope.toml"), "queue"])
    assert missing.exit_code == 1 and "configuration file not found" in missing.stderr
    bad = tmp_path / "keepwarm.toml"
    bad.write_text('[owner]\nname = "A"\naddresses = []\n')
    result = runner.invoke(app, ["--config", str(bad), "queue"])
    assert result.exit_code == 1
    assert "owner.addresses" in result.stderr and "at least 1 item" in result.stderr


def test_detect_is_incremental_and_full_on_request(demo_config: Path) -> None:
    """The first detection folds everything; the next, with nothing new, does nothing; `--full`
    recomputes everyone and finds the same people."""
    kw(demo_config, "sync")
    first = json.loads(kw(demo_config, "detect", "--json"))
    again = json.loads(kw(demo_config, "detect", "--json"))
    full = json.loads(kw(demo_config, "detect", "--full", "--json"))
    assert (first["mode"], again["mode"], full["mode"]) == ("full", "idle", "full")
    assert again["recomputed"] == 0 and full["recomputed"] == first["recomputed"] > 0
    assert first["by_classification"] == again["by_classification"] == full["by_classification"]
    assert "people (full pass" in kw(demo_config, "detect", "--full")


def test_old_calendar_events_are_counted_and_explained(demo_config: Path) -> None:
    """Events before `baseline_days` are not read, and `sync` and `status` say so (issue #11)."""
    old = demo_config.parent / "old.ics"
    old.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
        + "".join(
            f"BEGIN:VEVENT\r\nUID:old-{n}\r\nDTSTAMP:20180101T000000Z\r\nSUMMARY:Old {n}\r\n"
            f"DTSTART:2018010{n}T100000Z\r\nDTEND:2018010{n}T110000Z\r\nEND:VEVENT\r\n"
            for n in (1, 2, 3)
        )
        + "END:VCALENDAR\r\n"
    )
    text = demo_config.read_text().replace(
        'calendars = ["calendar.ics"]', 'calendars = ["calendar.ics", "old.ics"]'
    )
    demo_config.write_text(text)
    [report] = json.loads(kw(demo_config, "sync", "--json"))
    assert report["events_before_window"] == 3
    [account] = json.loads(kw(demo_config, "status", "--json"))["accounts"]
    assert account["events_before_window"] == 3
    assert "3 events before the baseline window were not read" in kw(demo_config, "status")
