"""The whole pipeline on each realistic mailbox, as a new user runs it, against the truth.

`keepwarm init` (with the owner's flags, and once without: it must find the owner itself),
then `sync`, `detect`, `draft`, `peers --all --json`, `queue --json`. Asserted: precision 1.0
on peers (no list, bot, relay, colleague or bystander is a peer), recall of true peers ≥ 0.9,
lists/bots/relays/colleagues classified as such, no draft of the wrong kind, every draft that
is owed exists, and the drafts read right (greeting, verbatim `Re:` answers, no list tags or
placeholders). A few seconds per mailbox.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.realistic import enron, invites, lkml
from tests.realistic.run import cycle, listings, run, setup
from tests.realistic.truth import Truth, Verdict, judge

RECALL = 0.9


def assert_right(truth: Truth, verdict: Verdict) -> None:
    report = f"{truth.name}: {verdict.summary()}"
    assert verdict.precision == 1.0, report
    assert verdict.recall >= RECALL, report
    assert verdict.failures() == [], report
    assert verdict.missing_drafts == [], report


@pytest.mark.parametrize("corpus", [lkml, enron], ids=["lore-maintainer", "enron-trader"])
def test_a_mailbox_judged_against_its_truth(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    truth = corpus.build(tmp_path / "mail")
    assert truth.messages > 900 and len(truth.expect) > 90  # realistic sizes and ratios
    outcome = run(truth, tmp_path / "kw")
    assert_right(truth, judge(truth, outcome.people, outcome.queue))


@pytest.mark.parametrize("corpus", [lkml, enron], ids=["lore-maintainer", "enron-trader"])
def test_init_finds_the_owner_in_the_archive_itself(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """No flags: a lore mbox (no sent folder; lists in every To/Cc) and an Enron tree (sent
    mail in `sent`, `_sent_mail`, `sent_items`; the Exchange alias `d..whitcomb@enron.com`)."""
    truth = corpus.build(tmp_path / "mail")
    config, _ = setup(truth, tmp_path, flags=False)
    text = config.read_text()
    for address in truth.owner_addresses:
        assert f'"{address}"' in text.split("[owner]", 1)[1].split("[[accounts]]", 1)[0], text
    assert f'domains = ["{truth.owner_domains[0]}"]' in text


def test_calendar_invitations_over_two_cycles(tmp_path: Path) -> None:
    """A Google export, Outlook invitations (an update that moved a meeting, a CANCEL sorting
    before its REQUEST, SENT-BY, a delegation, a non-participant), iCloud behind iMIP relays,
    REPLY files and the invitation mails; then, three days on, a first meeting to thank for."""
    truth = invites.build(tmp_path / "in")
    outcome = run(truth, tmp_path / "kw")
    assert_right(truth, judge(truth, outcome.people, outcome.queue))
    invites.later(tmp_path / "in", truth)
    text = outcome.config.read_text().split("\n", 1)[1]
    outcome.config.write_text(f'as_of = "{truth.now.isoformat()}"\n' + text)
    cycle(outcome.config)
    people, queue = listings(outcome.config)
    assert_right(truth, judge(truth, people, queue))


def test_an_old_archive_read_today_drafts_nothing(tmp_path: Path) -> None:
    """The Enron mailbox (2001) synced with the real clock: every relationship went quiet a
    quarter of a century ago. No reply or nudge is due, and no check-in revives them."""
    truth = enron.build(tmp_path / "mail")
    config, _ = setup(truth, tmp_path / "kw")
    cycle(config)
    people, queue = listings(config)
    assert queue == []
    assert {p["addresses"][0] for p in people if p["classification"] == "peer"} == truth.peers
