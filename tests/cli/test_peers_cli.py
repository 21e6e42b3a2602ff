"""`why` for every address, and the user's overrides of detection, over the bundled examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keepwarm.cli.main import app

runner = CliRunner()


def run(config: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--config", str(config), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def ok(config: Path, *args: str) -> str:
    code, stdout, stderr = run(config, *args)
    assert code == 0, stdout + stderr
    return stdout


@pytest.fixture
def synced(demo_config: Path) -> Path:
    ok(demo_config, "sync")
    ok(demo_config, "detect")
    return demo_config


def test_why_answers_for_every_address_in_the_data(synced: Path) -> None:
    """Every stored address, peer or not, has a classification and at least one reason."""
    people = json.loads(ok(synced, "peers", "--all", "--json"))
    assert len(people) > 60
    for person in people:
        for address in person["addresses"]:
            info = json.loads(ok(synced, "why", address, "--json"))
            assert info["classification"] and info["reasons"], address


def test_why_shows_evidence_counts_and_the_bounce(synced: Path) -> None:
    """The mistyped address that bounced is no peer, and `why` names the bounce and the mails."""
    info = json.loads(ok(synced, "why", "ada.typo@nowhere-domain.example", "--json"))
    assert info["classification"] == "candidate"
    assert "bounced on 2026-11-03" in info["reasons"][0]
    assert {e["subject"] for e in info["evidence"]} >= {"Undelivered Mail Returned to Sender"}
    grace = json.loads(ok(synced, "why", "Grace.Hopper@navylabs.example", "--json"))
    assert grace["classification"] == "peer" and grace["stage"] == "seeded"
    assert grace["counts"]["meetings"] == 1
    assert grace["evidence"][0]["subject"] == "Compiler tooling chat"


def test_why_for_an_unknown_address_exits_1_with_a_clear_message(synced: Path) -> None:
    """An address never seen is an error on stderr, not an empty answer."""
    code, stdout, stderr = run(synced, "why", "nobody@nowhere.example")
    assert code == 1 and stdout == ""
    assert "does not appear in any synced interaction" in stderr


def test_owner_aliases_are_self(synced: Path) -> None:
    """The owner's own addresses answer `why` as `self`, never as a peer."""
    info = json.loads(ok(synced, "why", "ada.lovelace@analytical.example", "--json"))
    assert info["classification"] == "self"


def test_block_allow_and_merge_survive_a_resync(synced: Path) -> None:
    """Overrides are stored: after another sync and detect they still hold."""
    ok(synced, "peers", "block", "@bletchley.example")
    ok(synced, "peers", "allow", "info@quantum-supplies.example")
    ok(synced, "peers", "merge", "hedy@frequency.example", "tim@web-consortium.example")
    ok(synced, "sync")
    ok(synced, "detect")
    alan = json.loads(ok(synced, "why", "alan@bletchley.example", "--json"))
    assert alan["classification"] == "blocked"
    assert alan["reasons"] == ["bletchley.example is on your block list"]
    info = json.loads(ok(synced, "why", "info@quantum-supplies.example", "--json"))
    assert info["classification"] == "peer"
    hedy = json.loads(ok(synced, "why", "tim@web-consortium.example", "--json"))
    assert set(hedy["addresses"]) == {"hedy@frequency.example", "tim@web-consortium.example"}
    ok(synced, "draft")
    drafted = {d["to"][0] for d in json.loads(ok(synced, "queue", "--json"))}
    assert "alan@bletchley.example" not in drafted  # blocked: no thank-you for him
    assert "info@quantum-supplies.example" in drafted  # allowed, and Ada answered on 9 Nov


def test_forget_is_never_recreated(synced: Path) -> None:
    """A forgotten person disappears and stays gone after re-detection; allow brings them back."""
    ok(synced, "peers", "forget", "dan.seller@leadgen-pro.example")
    ok(synced, "detect")
    code, _, stderr = run(synced, "why", "dan.seller@leadgen-pro.example")
    assert code == 1 and "forgotten at your request" in stderr
    everyone = json.loads(ok(synced, "peers", "--all", "--json"))
    assert not any("dan.seller@leadgen-pro.example" in p["addresses"] for p in everyone)
    ok(synced, "peers", "allow", "dan.seller@leadgen-pro.example")
    assert json.loads(ok(synced, "why", "dan.seller@leadgen-pro.example", "--json"))


def test_overrides_reject_malformed_targets(synced: Path) -> None:
    """A target that is neither an address nor a domain is a clear error."""
    code, _, stderr = run(synced, "peers", "block", "not an address")
    assert code == 1 and "is not an address like" in stderr
    code, _, stderr = run(synced, "peers", "merge", "hedy@frequency.example", "ghost@none.example")
    assert code == 1 and "ghost@none.example does not appear" in stderr


def detection(config: Path, line: str) -> None:
    """Add a setting to the demo's `[detection]` table (declaring it twice is a TOML error)."""
    text = config.read_text(encoding="utf-8")
    assert "\n[detection]\n" in text
    config.write_text(text.replace("\n[detection]\n", f"\n[detection]\n{line}\n", 1), "utf-8")


def test_detection_settings_override_the_shipped_lists(demo_config: Path) -> None:
    """`not_personal_domains` makes Barbara's gmail.com address a peer, and she gets a thank-you."""
    detection(demo_config, 'not_personal_domains = ["gmail.com"]')
    ok(demo_config, "sync")
    ok(demo_config, "draft")
    drafted = {d["to"][0] for d in json.loads(ok(demo_config, "queue", "--json"))}
    assert "barbara.liskov.home@gmail.com" in drafted


def test_a_malformed_alias_group_is_a_clear_configuration_error(demo_config: Path) -> None:
    """An alias group of one address is reported with its key and an example."""
    detection(demo_config, 'aliases = [["kj@orbital.example"]]')
    code, _, stderr = run(demo_config, "peers")
    assert code == 1
    assert "detection.aliases" in stderr and "two or more addresses" in stderr
