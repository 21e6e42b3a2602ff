"""Odd files never stop an account: names, special files, big files, unreadable folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

import connectors.files.maildir as maildir_module
from connectors.files import mailparse
from keepwarm.services.sync import SyncReport, sync_account
from keepwarm.services.workspace import Workspace
from keepwarm.store.tables import InteractionRow, Quarantine
from tests.connectors.files.builders import mbox, message, write_maildir
from tests.hostile.conftest import hostile_config
from tests.queuedata import open_at


@pytest.fixture
def mail(tmp_path: Path) -> Path:
    folder = tmp_path / "mail"
    folder.mkdir()
    return folder


def open_ws(tmp_path: Path, database_url: str, mail: list[Path], **kw: list[Path]) -> Workspace:
    return open_at(hostile_config(tmp_path / "ws", database_url, mail=mail, **kw))


def sync(ws: Workspace) -> SyncReport:
    report = sync_account(ws, "demo")
    assert report.error is None
    return report


def reasons(ws: Workspace) -> list[str]:
    with ws.session() as session:
        return list(session.scalars(select(Quarantine.reason).order_by(Quarantine.id)))


def count(ws: Workspace) -> int:
    with ws.session() as session:
        return session.scalar(select(func.count()).select_from(InteractionRow)) or 0


def test_non_utf8_file_names(tmp_path: Path, mail: Path, database_url: str) -> None:
    undecodable = os.fsdecode(b"caf\xe9.mbox")  # a Latin-1 name: lone surrogates in Python
    (mail / undecodable).write_bytes(mbox([message(message_id="<m1@navy.example>")]))
    box = write_maildir(mail / "box", {})
    (box / "cur" / os.fsdecode(b"\xff\xfe1:2,S")).write_bytes(message(message_id="<m2@x.example>"))
    (box / "cur" / os.fsdecode(b"\xff\xfe2:2,S")).write_bytes(b"not a message\n")
    ws = open_ws(tmp_path, database_url, [mail])
    try:
        first = sync(ws)
        again = sync(ws)
        assert first.inserted == 2 and first.quarantined == 1
        assert again.inserted == 0 and again.pages == 0  # cursors found again: nothing re-read
        [reason] = reasons(ws)
        assert "no From header" in reason
        with ws.session() as session:
            sources = list(session.scalars(select(InteractionRow.source)))
        assert any("caf\\xe9.mbox" in s for s in sources)
    finally:
        ws.close()


def fifo_with_data(path: Path) -> int:
    """A FIFO that would not block if opened (a writer is attached and data waits)."""
    os.mkfifo(path)
    fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    os.write(fd, message(message_id="<fifo@navy.example>"))
    return fd


def test_special_files_are_never_opened(tmp_path: Path, mail: Path, database_url: str) -> None:
    (mail / "inbox.mbox").write_bytes(mbox([message()]))
    fds = [fifo_with_data(mail / "pipe.eml"), fifo_with_data(tmp_path / "named.eml")]
    fds.append(fifo_with_data(tmp_path / "cal.ics"))
    (mail / "zero.eml").symlink_to("/dev/zero")
    ws = open_ws(
        tmp_path, database_url, [mail, tmp_path / "named.eml"], calendars=[tmp_path / "cal.ics"]
    )
    try:
        report = sync(ws)
        found = reasons(ws)
    finally:
        ws.close()
        for fd in fds:
            os.close(fd)
    assert report.inserted == 1
    assert sorted(found) == [
        f"{tmp_path / 'cal.ics'} is a named pipe (FIFO), not a mail or calendar file; skipped",
        f"{tmp_path / 'named.eml'} is a named pipe (FIFO), not a mail or calendar file; skipped",
    ]


def test_a_big_binary_file_is_not_mail(tmp_path: Path, mail: Path, database_url: str) -> None:
    (mail / "inbox.mbox").write_bytes(mbox([message()]))
    with (mail / "backup.tar").open("wb") as f:
        f.truncate(256 << 20)  # sparse: 256 MB of NUL bytes that cost no disk
    seen: list[int] = []
    real = mailparse.parse_header_block

    def spy(block: bytes, source: str, body: bytes = b"") -> object:
        seen.append(len(block))
        return real(block, source, body)

    ws = open_ws(tmp_path, database_url, [mail])
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(maildir_module, "parse_header_block", spy)
            report = sync(ws)
    finally:
        ws.close()
    assert report.inserted == 1 and report.quarantined == 0 and not seen


def test_an_eml_header_is_capped_like_mbox(tmp_path: Path, database_url: str) -> None:
    huge = tmp_path / "huge.eml"
    huge.write_bytes(b"From: a@b.example\nX-Junk: " + b"x" * (8 << 20) + b"\n\nbody\n")
    seen: list[int] = []
    real = mailparse.parse_header_block

    def spy(block: bytes, source: str, body: bytes = b"") -> object:
        seen.append(len(block))
        return real(block, source, body)

    ws = open_ws(tmp_path, database_url, [huge])
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(maildir_module, "parse_header_block", spy)
            sync(ws)
    finally:
        ws.close()
    assert seen and max(seen) <= (1 << 20) + (16 << 10)


def test_an_unreadable_maildir_subfolder(
    tmp_path: Path, mail: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_maildir(mail / "box", {"a": message(message_id="<a@navy.example>")})
    write_maildir(root / ".Secret", {"b": message(message_id="<b@navy.example>")})
    write_maildir(root / ".Sent", {"c": message(message_id="<c@navy.example>")})
    real_is_dir = Path.is_dir

    def is_dir(self: Path) -> bool:  # root ignores file modes: make the folder refuse itself
        if self.parent.name == ".Secret":
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_dir(self)

    monkeypatch.setattr(Path, "is_dir", is_dir)
    ws = open_ws(tmp_path, database_url, [root])
    try:
        report = sync(ws)
        [reason] = reasons(ws)
    finally:
        ws.close()
    assert report.inserted == 2 and "permission denied" in reason and ".Secret" in reason


def test_an_unreadable_maildir_message_is_retried(
    tmp_path: Path, mail: Path, database_url: str
) -> None:
    root = write_maildir(
        mail / "box",
        {"a": message(message_id="<a@navy.example>"), "b": message(message_id="<b@navy.example>")},
    )
    real = maildir_module.read_header

    def refuse_b(path: Path, *, body: bool = False) -> tuple[bytes, bytes]:
        if path.name.startswith("b"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, body=body)

    ws = open_ws(tmp_path, database_url, [root])
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(maildir_module, "read_header", refuse_b)
            first = sync(ws)
        later = sync(ws)  # readable now
        assert (first.inserted, later.inserted) == (1, 1) and count(ws) == 2
    finally:
        ws.close()


def test_many_empty_mbox_messages_quarantine_in_batches(
    tmp_path: Path, mail: Path, database_url: str
) -> None:
    n = 5_000
    (mail / "empty.mbox").write_bytes(b"From MAILER-DAEMON Mon Mar  2 10:00:00 2026\n\n" * n)
    ws = open_ws(tmp_path, database_url, [mail])
    executed: list[str] = []
    event.listen(ws.engine, "before_cursor_execute", lambda *args: executed.append(args[2]))
    try:
        report = sync(ws)
        assert report.quarantined == n and len(reasons(ws)) == n
    finally:
        ws.close()
    # A few statements per page of 2,000, not one or two per message.
    assert len(executed) < 100, len(executed)


def test_an_mbox_with_nul_bytes_in_a_body_is_still_mail(tmp_path: Path, mail: Path) -> None:
    (mail / "raw.mbox").write_bytes(mbox([message(body="binary \x00\x01 attachment\n")]))
    ws = open_ws(tmp_path, f"sqlite:///{tmp_path / 'db'}", [mail])
    try:
        assert sync(ws).inserted == 1
    finally:
        ws.close()
