"""Maildir folders, single .eml files and directory discovery."""

from __future__ import annotations

from pathlib import Path

from tests.connectors.files.builders import (
    connector,
    cursors_of,
    mbox,
    message,
    pull,
    write_maildir,
)


def test_maildir_reads_cur_and_new_and_maildirplusplus_subfolder(tmp_path: Path) -> None:
    """cur/ and new/ are one stream; a Maildir++ .Sent folder is its own stream."""
    root = write_maildir(
        tmp_path / "Mail", {"1700000000.a.host:2,S": message(message_id="<a@x.example>")}
    )
    write_maildir(root, {"1700000001.b.host": message(message_id="<b@x.example>")}, sub="new")
    write_maildir(root / ".Sent", {"1700000002.c.host:2,S": message(message_id="<c@x.example>")})
    pages = pull(connector(tmp_path, mail=[root]))
    assert [p.stream for p in pages] == [f"mail:{root}", f"mail:{root / '.Sent'}"]
    assert sorted(i.provider_id for i in pages[0].interactions) == [
        "msg:a@x.example",
        "msg:b@x.example",
    ]
    assert [i.provider_id for i in pages[1].interactions] == ["msg:c@x.example"]
    assert pages[0].summary == {
        "path": str(root),
        "format": "maildir",
        "messages": 2,
        "quarantined": 0,
    }
    assert pages[0].cursor == {
        "seen": ["1700000000.a.host", "1700000001.b.host"],
        "messages": 2,
        "quarantined": 0,
    }
    assert pages[1].interactions[0].source == f"{root / '.Sent'}#cur/1700000002.c.host:2,S"


def test_flag_change_is_not_new_mail(tmp_path: Path) -> None:
    """Renaming new/KEY to cur/KEY:2,S (the mail was read) yields nothing on the next pull."""
    root = write_maildir(tmp_path / "Mail", {"1700000001.b.host": message()}, sub="new")
    source = connector(tmp_path, mail=[root])
    cursors = cursors_of(pull(source))
    (root / "new" / "1700000001.b.host").rename(root / "cur" / "1700000001.b.host:2,RS")
    assert pull(source, cursors) == []


def test_only_unseen_maildir_messages_are_parsed(tmp_path: Path) -> None:
    """A new file is the only one read; a bad one is quarantined by file name and not retried."""
    root = write_maildir(tmp_path / "Mail", {"1.a.host:2,": message(message_id="<a@x.example>")})
    source = connector(tmp_path, mail=[root])
    cursors = cursors_of(pull(source))
    write_maildir(
        root,
        {"2.b.host:2,": message(message_id="<b@x.example>"), "3.c.host:2,": message(sender=None)},
    )
    [page] = pull(source, cursors)
    assert [i.provider_id for i in page.interactions] == ["msg:b@x.example"]
    assert [(q.position, q.reason) for q in page.quarantined] == [
        ("cur/3.c.host:2,", "no From header")
    ]
    assert page.summary["messages"] == 2 and page.summary["quarantined"] == 1
    assert pull(source, cursors_of([page], cursors)) == []


def test_deleted_maildir_message_shrinks_the_cursor(tmp_path: Path) -> None:
    """Deleting a message updates the stored keys without yielding interactions."""
    root = write_maildir(tmp_path / "Mail", {"1.a.host:2,S": message(), "2.b.host:2,S": message()})
    source = connector(tmp_path, mail=[root])
    cursors = cursors_of(pull(source))
    (root / "cur" / "1.a.host:2,S").unlink()
    [page] = pull(source, cursors)
    assert page.interactions == ()
    assert page.cursor is not None and page.cursor["seen"] == ["2.b.host"]


def test_single_eml_file(tmp_path: Path) -> None:
    """A .eml file is one stream, read again only when its content changes."""
    path = tmp_path / "note.eml"
    path.write_bytes(message(message_id="<e@x.example>"))
    source = connector(tmp_path, mail=[path])
    [page] = pull(source)
    assert [i.provider_id for i in page.interactions] == ["msg:e@x.example"]
    assert page.summary == {"path": str(path), "format": "eml", "messages": 1, "quarantined": 0}
    assert page.cursor is not None and set(page.cursor) >= {"size", "mtime_ns", "sha256"}
    cursors = cursors_of([page])
    assert pull(source, cursors) == []
    path.write_bytes(message(message_id="<e2@x.example>"))
    [page] = pull(source, cursors)
    assert [i.provider_id for i in page.interactions] == ["msg:e2@x.example"]


def test_plain_directory_is_walked(tmp_path: Path) -> None:
    """A plain directory yields its mbox, .eml and Maildir streams in path order, minus hidden/index files."""
    root = tmp_path / "mail"
    (root / "archive").mkdir(parents=True)
    (root / "archive" / "2025.mbox").write_bytes(mbox([message(message_id="<m@x.example>")]))
    (root / "b.eml").write_bytes(message(message_id="<b@x.example>"))
    (root / ".hidden.eml").write_bytes(message(message_id="<h@x.example>"))
    (root / "Inbox.msf").write_bytes(b'// <!-- <mdb:mork:z v="1.4"/> -->')
    write_maildir(root / "maildir", {"1.a.host:2,S": message(message_id="<md@x.example>")})
    pages = pull(connector(tmp_path, mail=[root]))
    assert [(p.stream, p.summary["format"]) for p in pages] == [
        (f"mail:{root / 'archive' / '2025.mbox'}", "mbox"),
        (f"mail:{root / 'b.eml'}", "eml"),
        (f"mail:{root / 'maildir'}", "maildir"),
    ]
    assert [i.provider_id for p in pages for i in p.interactions] == [
        "msg:m@x.example",
        "msg:b@x.example",
        "msg:md@x.example",
    ]


def test_missing_path_is_quarantined_and_others_continue(tmp_path: Path) -> None:
    """A configured path that does not exist is quarantined; the other inputs still ingest."""
    path = tmp_path / "note.eml"
    path.write_bytes(message())
    missing = tmp_path / "gone.mbox"
    pages = pull(connector(tmp_path, mail=[missing, path]))
    assert pages[0].stream == f"mail:{missing}"
    assert pages[0].cursor is None
    assert pages[0].quarantined[0].reason == f"file not found: {missing}"
    assert len(pages[1].interactions) == 1
