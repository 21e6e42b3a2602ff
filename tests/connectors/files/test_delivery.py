"""Delivery into the drafts Maildir: exactly once per key, no header injection, no sending."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from pathlib import Path

import pytest

from connectors.files import FilesConnector
from keepwarm.errors import PermanentError
from keepwarm.models import OutgoingMessage
from keepwarm.ports import Connector, Receipt
from tests.connectors.files.builders import connector

DRAFT = OutgoingMessage(
    key="draft-42",
    from_address="ada@analytical.example",
    from_name="Ada Lovelace",
    to=("grace@navy.example",),
    subject="Thank you — great meeting",
    body="Dear Grace,\n\nthank you for your time today.\n\nAda\n",
    in_reply_to="m1@navy.example",
    references=("m0@navy.example", "m1@navy.example"),
)


def drafts(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "drafts" / "cur").iterdir())


def test_files_connector_satisfies_the_protocol(tmp_path: Path) -> None:
    """FilesConnector is a keepwarm Connector and knows no owner addresses."""
    source = connector(tmp_path)
    assert isinstance(source, Connector)
    assert source.owner_addresses() == set()


def test_deliver_writes_one_rfc5322_draft(tmp_path: Path) -> None:
    """deliver writes one Maildir draft with threading headers, the key and a UTF-8 body."""
    receipt = connector(tmp_path).deliver(DRAFT, send=False)
    [path] = drafts(tmp_path)
    assert receipt == Receipt(provider_ref=str(path), sent=False)
    assert path.name.startswith("keepwarm-") and path.name.endswith(":2,D")
    assert {p.name for p in (tmp_path / "drafts").iterdir()} == {"cur", "new", "tmp"}
    assert list((tmp_path / "drafts" / "tmp").iterdir()) == []
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["From"] == "Ada Lovelace <ada@analytical.example>"
    assert parsed["To"] == "grace@navy.example"
    assert parsed["Subject"] == "Thank you — great meeting"
    assert parsed["In-Reply-To"] == "<m1@navy.example>"
    assert parsed["References"] == "<m0@navy.example> <m1@navy.example>"
    assert parsed["X-Keepwarm-Key"] == "draft-42"
    assert parsed["Message-ID"].startswith("<keepwarm.") and parsed["Date"]
    body = parsed.get_body()
    assert body is not None and body.get_content() == DRAFT.body


def test_second_delivery_of_a_key_writes_nothing(tmp_path: Path) -> None:
    """Delivering the same key again returns the first receipt and leaves one file."""
    first = connector(tmp_path).deliver(DRAFT, send=False)
    before = drafts(tmp_path)[0].read_bytes()
    again = connector(tmp_path).deliver(replace(DRAFT, subject="changed"), send=False)
    assert again == first
    assert len(drafts(tmp_path)) == 1
    assert drafts(tmp_path)[0].read_bytes() == before


def test_find_delivered_survives_flag_changes(tmp_path: Path) -> None:
    """find_delivered returns the draft by key, also after a mail client changed its flags."""
    source = connector(tmp_path)
    assert source.find_delivered("draft-42") is None
    receipt = source.deliver(DRAFT, send=False)
    assert source.find_delivered("draft-42") == receipt
    seen = Path(receipt.provider_ref).with_name(Path(receipt.provider_ref).name + "S")
    Path(receipt.provider_ref).rename(seen)
    assert source.find_delivered("draft-42") == Receipt(provider_ref=str(seen))
    assert source.deliver(DRAFT, send=False) == Receipt(provider_ref=str(seen))
    assert source.find_delivered("another-key") is None


@pytest.mark.parametrize(
    "broken",
    [
        replace(DRAFT, subject="Hi\r\nBcc: everyone@example.com"),
        replace(DRAFT, subject="Hi\nthere"),
        replace(DRAFT, from_name="Ada\rLovelace"),
        replace(DRAFT, to=("grace@navy.example\nBcc: x@y.example",)),
        replace(DRAFT, in_reply_to="a@b\r\nX: y"),
    ],
)
def test_line_breaks_in_headers_are_refused(tmp_path: Path, broken: OutgoingMessage) -> None:
    """Any CR or LF in a header value raises PermanentError and writes nothing."""
    with pytest.raises(PermanentError, match="line break"):
        connector(tmp_path).deliver(broken, send=False)
    assert not (tmp_path / "drafts" / "cur").exists() or drafts(tmp_path) == []


def test_send_is_refused(tmp_path: Path) -> None:
    """send=True is not possible for files and says how to configure drafts instead."""
    with pytest.raises(PermanentError, match="cannot send mail; use mode = 'draft'"):
        connector(tmp_path).deliver(DRAFT, send=True)


def test_unwritable_drafts_folder_is_a_permanent_error(tmp_path: Path) -> None:
    """A drafts path that cannot be created raises PermanentError naming the path and a fix."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    source = FilesConnector(
        "test",
        mail=[],
        calendars=[],
        drafts_dir=blocker / "drafts",
        calendar_window=connector(tmp_path).calendar_window,
    )
    with pytest.raises(PermanentError, match="drafts folder exists and is writable") as caught:
        source.deliver(DRAFT, send=False)
    assert str(blocker / "drafts") in str(caught.value)
    assert caught.value.account == "test"
