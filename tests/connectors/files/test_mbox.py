"""mbox files: splitting, quarantine of bad messages, and incremental reading by byte offset."""

from __future__ import annotations

import io
import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.files import mbox as mbox_module
from connectors.files import mboxscan
from tests.connectors.files.builders import connector, cursors_of, mbox, message, pull

BROKEN_MIME = b"""--missing-boundary
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64

!!! not base64 \xff\xfe
"""


def sample_mbox() -> bytes:
    return mbox(
        [
            message(message_id="<m1@navy.example>"),
            message(
                sender="=?UTF-8?Q?Ren=C3=A9e_Dubois?= <renee@lumiere-labs.example>",
                to="undisclosed-recipients:;",
                message_id="<m2@lumiere.example>",
                body="From the lab: results.\nFrom here on, quoted.\n",
            ),
            message(message_id=None, subject="no id"),
            message(
                message_id="<m4@broken.example>",
                extra=['Content-Type: multipart/mixed; boundary="never-used"'],
                body=BROKEN_MIME.decode("latin-1"),
            ),
            message(message_id="<m5@bad-date.example>", date="foo"),
            message(message_id="<m6@navy.example>", subject="last"),
        ]
    )


def test_mbox_messages_ingest_and_bad_date_is_quarantined(tmp_path: Path) -> None:
    """Every message of an mbox ingests except the one with a bad Date, which is quarantined."""
    path = tmp_path / "inbox.mbox"
    path.write_bytes(sample_mbox())
    pages = pull(connector(tmp_path, mail=[path]))
    assert [p.stream for p in pages] == [f"mail:{path}"]
    page = pages[0]
    ids = [i.provider_id for i in page.interactions]
    assert ids[:2] == ["msg:m1@navy.example", "msg:m2@lumiere.example"]
    assert ids[2].startswith("sha:") and len(ids[2]) == 28
    assert ids[3:] == ["msg:m4@broken.example", "msg:m6@navy.example"]
    assert page.interactions[1].participants[0].name == "Renée Dubois"
    assert len(page.interactions[1].participants) == 1  # the empty group adds nobody
    [bad] = page.quarantined
    assert bad.source == str(path)
    assert bad.reason == "Date header 'foo' is not a date"
    assert bad.position.endswith("(message 5)")
    offset = int(bad.position.split()[1])
    assert path.read_bytes()[offset:].startswith(b"From ")
    assert page.summary == {"path": str(path), "format": "mbox", "messages": 5, "quarantined": 1}
    assert page.cursor is not None and page.cursor["offset"] == path.stat().st_size


def test_unchanged_mbox_yields_nothing(tmp_path: Path) -> None:
    """A second pull with the returned cursor yields no page for an unchanged file."""
    path = tmp_path / "inbox.mbox"
    path.write_bytes(sample_mbox())
    source = connector(tmp_path, mail=[path])
    cursors = cursors_of(pull(source))
    assert pull(source, cursors) == []


def test_appended_message_is_the_only_one_read(tmp_path: Path) -> None:
    """Appending to an mbox yields just the new message, counters continuing."""
    path = tmp_path / "inbox.mbox"
    path.write_bytes(sample_mbox())
    source = connector(tmp_path, mail=[path])
    cursors = cursors_of(pull(source))
    with path.open("ab") as f:
        f.write(mbox([message(message_id="<new@navy.example>")]))
    [page] = pull(source, cursors)
    assert [i.provider_id for i in page.interactions] == ["msg:new@navy.example"]
    assert page.quarantined == ()
    assert page.summary["messages"] == 6 and page.summary["quarantined"] == 1
    assert page.interactions[0].source.endswith("(message 7)")


def test_rewritten_mbox_is_read_again_from_the_start(tmp_path: Path) -> None:
    """A file rewritten with a different beginning is re-read whole and its counters reset."""
    path = tmp_path / "inbox.mbox"
    path.write_bytes(sample_mbox())
    source = connector(tmp_path, mail=[path])
    cursors = cursors_of(pull(source))
    path.write_bytes(
        mbox([message(message_id="<x@a.example>"), message(message_id="<y@a.example>")])
    )
    [page] = pull(source, cursors)
    assert [i.provider_id for i in page.interactions] == ["msg:x@a.example", "msg:y@a.example"]
    assert page.summary["messages"] == 2 and page.summary["quarantined"] == 0


def test_grown_file_with_changed_head_is_read_again(tmp_path: Path) -> None:
    """A larger file whose first bytes changed is not treated as an append."""
    path = tmp_path / "inbox.mbox"
    path.write_bytes(mbox([message(message_id="<a@a.example>")]))
    source = connector(tmp_path, mail=[path])
    cursors = cursors_of(pull(source))
    path.write_bytes(mbox([message(message_id="<b@a.example>", subject="longer subject here")] * 2))
    [page] = pull(source, cursors)
    assert [i.provider_id for i in page.interactions] == ["msg:b@a.example"] * 2


def test_big_mbox_pages_resume_after_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages split every PAGE_SIZE messages; resuming from a middle cursor reads only the rest."""
    monkeypatch.setattr(mbox_module, "PAGE_SIZE", 2)
    path = tmp_path / "big.mbox"
    path.write_bytes(mbox([message(message_id=f"<m{n}@a.example>") for n in range(5)]))
    source = connector(tmp_path, mail=[path])
    pages = pull(source)
    assert [len(p.interactions) for p in pages] == [2, 2, 1]
    first = pages[0].cursor
    assert first is not None and first["size"] == first["offset"] < path.stat().st_size
    resumed = pull(source, {pages[0].stream: first})
    assert [i.provider_id for p in resumed for i in p.interactions] == [
        "msg:m2@a.example",
        "msg:m3@a.example",
        "msg:m4@a.example",
    ]
    assert resumed[-1].summary["messages"] == 5


def test_crlf_mbox_and_header_only_message(tmp_path: Path) -> None:
    """CRLF mboxes split correctly, and a message with no body at the end still counts."""
    first = message(message_id="<c1@a.example>", newline="\r\n")
    last = message(message_id="<c2@a.example>", newline="\r\n").partition(b"\r\n\r\n")[0]
    data = (
        b"From a Mon Mar  2 10:00:00 2026\r\n"
        + first
        + b"\r\nFrom b Mon Mar  2 10:00:00 2026\r\n"
        + last
    )
    path = tmp_path / "crlf.mbox"
    path.write_bytes(data)
    [page] = pull(connector(tmp_path, mail=[path]))
    assert [i.provider_id for i in page.interactions] == ["msg:c1@a.example", "msg:c2@a.example"]


def test_empty_mbox_then_first_message(tmp_path: Path) -> None:
    """An empty file named as mail is an empty mbox; its first message is read incrementally."""
    path = tmp_path / "new.mbox"
    path.write_bytes(b"")
    source = connector(tmp_path, mail=[path])
    [page] = pull(source)
    assert page.interactions == () and page.summary["format"] == "mbox"
    path.write_bytes(mbox([message()]))
    [page] = pull(source, cursors_of([page]))
    assert [i.provider_id for i in page.interactions] == ["msg:m1@navy.example"]


def test_unreadable_mail_file_is_quarantined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that cannot be opened is reported with a fix, not raised."""
    path = tmp_path / "locked.mbox"
    path.write_bytes(mbox([message()]))
    real_open = Path.open

    def guarded(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == path:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    source = connector(tmp_path, mail=[path])
    monkeypatch.setattr(Path, "open", guarded)
    pages = pull(source)
    assert [p.cursor for p in pages] == [None]
    assert "permission denied" in pages[0].quarantined[0].reason


_body_line = st.sampled_from(
    [b"text", b"", b">From quoted", b"From: looks like a header", b"x" * 40]
)


@settings(max_examples=60, deadline=None)
@given(
    bodies=st.lists(st.lists(_body_line, max_size=12), min_size=1, max_size=6),
    chunk=st.sampled_from([5, 9, 17, 64, 1 << 20]),
)
def test_scanner_finds_every_message_whatever_the_chunk_size(
    bodies: list[list[bytes]], chunk: int
) -> None:
    """The chunked splitter returns the same messages and header blocks for any read size."""
    raws = [
        b"From: s%d@a.example\nSubject: n\n\n" % n + b"\n".join(lines) + b"\n"
        for n, lines in enumerate(bodies)
    ]
    data = mbox(raws)
    original = mboxscan.CHUNK
    mboxscan.CHUNK = chunk
    try:
        found = list(mboxscan.scan(io.BytesIO(data), 0, len(data)))
    finally:
        mboxscan.CHUNK = original
    assert [header for _, _, header in found] == [
        b"From: s%d@a.example\nSubject: n\n" % n for n in range(len(raws))
    ]
    assert found[0][0] == 0 and found[-1][1] == len(data)
    assert all(data[start : start + 5] == b"From " for start, _, _ in found)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(found))
