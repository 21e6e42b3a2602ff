"""Who owns a mailbox, and the rules a new set-up starts with."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from keepwarm.services.onboarding import discover_owner, is_sent_folder
from keepwarm.services.workspace import SHIPPED_RULES, ensure_rules, open_workspace
from keepwarm.settings import load_settings
from tests.cli.mailboxes import ALIAS, OWNER, own_maildir

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def test_sent_folders_are_recognised_by_name_in_several_clients(tmp_path: Path) -> None:
    root = tmp_path / "Mail"
    for name in (
        ".Sent",
        "Sent Items.mbox",
        "Gesendet",
        ".INBOX.Sent Messages",
        "[Gmail]/Sent Mail",
    ):
        assert is_sent_folder(root / name, [root]), name
    for name in (".Drafts", "Inbox", "Archive.mbox", "consent-forms"):
        assert not is_sent_folder(root / name, [root]) or name == "consent-forms"
    assert not is_sent_folder(tmp_path / "sentences" / "Mail" / "INBOX", [tmp_path / "sentences"])


def test_the_owner_is_whoever_sends_most_plus_aliases_with_the_same_name(tmp_path: Path) -> None:
    found = discover_owner([own_maildir(tmp_path / "Mail", now=NOW)])
    assert (found.name, found.addresses, found.found_in) == (
        OWNER[0], [OWNER[1], ALIAS[1]], "sent mail"
    )  # fmt: skip
    assert found.domains == ["tester-lab.example"] and found.messages == 5


def test_without_sent_mail_the_most_frequent_recipient_is_the_owner(tmp_path: Path) -> None:
    own_maildir(tmp_path / "Mail", now=NOW)
    shutil.rmtree(tmp_path / "Mail" / ".Sent")
    found = discover_owner([tmp_path / "Mail"])
    assert (found.addresses, found.found_in) == ([OWNER[1]], "received mail")


def _config(folder: Path, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "keepwarm.toml"
    path.write_text(extra + '[owner]\nname = "R"\naddresses = ["r@x.example"]\n')
    return path


def test_the_shipped_rules_are_copied_beside_a_config_on_first_use(tmp_path: Path) -> None:
    """No rules_dir, no rules/ yet: opening the workspace copies them; later opens and a user's
    own edits are left alone; an explicit rules_dir is never created."""
    settings = load_settings(_config(tmp_path / "a"))
    open_workspace(settings).close()
    copied = tmp_path / "a" / "rules"
    shipped = sorted(p.name for p in SHIPPED_RULES.glob("*.yaml"))
    assert sorted(p.name for p in copied.glob("*.yaml")) == shipped and shipped
    (copied / "nudge.yaml").write_text("# mine\n")
    assert ensure_rules(settings) is None
    assert (copied / "nudge.yaml").read_text() == "# mine\n"
    explicit = load_settings(_config(tmp_path / "b", 'rules_dir = "my-rules"\n'))
    assert ensure_rules(explicit) is None and not (tmp_path / "b" / "my-rules").exists()


def test_a_demo_run_starts_from_an_empty_state_and_touches_nothing_else(tmp_path: Path) -> None:
    """A demo state left by an older version would keep its old drafts (keys are never re-drafted)."""
    from keepwarm.services.onboarding import DEMO_MARK, demo_config, reset_demo_state

    examples = Path(__file__).resolve().parents[2] / "examples" / "keepwarm.toml"
    demo = tmp_path / "demo" / "keepwarm.toml"
    demo.parent.mkdir()
    demo.write_text(demo_config(examples), encoding="utf-8")
    assert demo.read_text(encoding="utf-8").startswith(DEMO_MARK)
    (demo.parent / ".keepwarm" / "drafts").mkdir(parents=True)
    (demo.parent / ".keepwarm" / "keepwarm.db").write_bytes(b"old queue")
    mine = tmp_path / "mine" / "keepwarm.toml"
    mine.parent.mkdir()
    mine.write_text('[owner]\nname = "A"\naddresses = ["a@b.example"]\n', encoding="utf-8")
    (mine.parent / ".keepwarm").mkdir()
    (mine.parent / ".keepwarm" / "keepwarm.db").write_bytes(b"real data")

    reset_demo_state(demo)
    reset_demo_state(mine)

    assert not (demo.parent / ".keepwarm").exists()
    assert demo.exists()
    assert (mine.parent / ".keepwarm" / "keepwarm.db").read_bytes() == b"real data"


def test_enron_style_sent_folders_are_sent_mail(tmp_path: Path) -> None:
    """Enron's export names them `_sent_mail` and `sent_items` (underscores are separators)."""
    root = tmp_path / "maildir" / "whitcomb-d"
    for name in ("_sent_mail", "sent_items", "sent"):
        assert is_sent_folder(root / name, [root]), name
    assert not is_sent_folder(root / "all_documents", [root])


def test_a_list_archive_without_sent_mail_names_its_human_not_a_list(tmp_path: Path) -> None:
    """A lore mbox of a maintainer's threads: linux-mm@kvack.org is in To/Cc of every message
    and would be "the most frequent recipient"; the owner is the person who takes part in
    most of them, writing or written to (with her other address, carrying her full name).
    Lists, relays and robots are never proposed."""
    from tests.connectors.files.builders import mbox, message

    kvack = ["List-ID: <linux-mm.kvack.org>", "Sender: owner-linux-mm@kvack.org"]
    mira = "Mira Kowalczyk <mira@corvid.example>"
    posts = [
        message(sender=mira, to="akpm@mm.example", subject=f"[PATCH {i}/4] zswap: x",
                message_id=f"<p{i}@corvid.example>", extra=[*kvack, "Cc: linux-mm@kvack.org"])
        for i in range(4)
    ] + [
        message(sender="Rev Iewer <rev@corp.example>", to=mira, subject="Re: [PATCH 1/4] zswap: x",
                message_id="<r1@corp.example>", extra=[*kvack, "Cc: linux-mm@kvack.org"]),
        message(sender="kernel test robot <lkp@intel.com>", to=mira, subject="Re: [PATCH 2/4] zswap: x",
                message_id="<r2@intel.com>", extra=[*kvack, "Cc: linux-mm@kvack.org"]),
        message(sender="Mira Kowalczyk <mk@kernel.example>", to="akpm@mm.example",
                subject="[GIT PULL] zswap", message_id="<g1@kernel.example>", extra=kvack),
    ] + [
        message(sender=f"P{i} <p{i}@else.example>", to="linux-mm@kvack.org", subject="[PATCH] y",
                message_id=f"<o{i}@else.example>", extra=kvack)
        for i in range(6)
    ]  # fmt: skip
    (tmp_path / "lore.mbox").write_bytes(mbox(posts))
    found = discover_owner([tmp_path / "lore.mbox"])
    assert (found.addresses, found.name, found.found_in) == (
        ["mira@corvid.example", "mk@kernel.example"], "Mira Kowalczyk", "received mail"
    )  # fmt: skip
