"""Header block -> Interaction: the metadata keepwarm keeps from one message, and nothing else."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import getaddresses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.files.headers import decode_words, parse_addresses, parse_date
from connectors.files.mailparse import Unusable, parse_header_block
from keepwarm.models import Kind, Role
from tests.connectors.files.builders import message


def header_of(raw: bytes) -> bytes:
    return raw.partition(b"\n\n")[0] + b"\n"


def test_basic_message_becomes_email_interaction() -> None:
    """A plain message yields its ids, UTC time, participants and source."""
    got = parse_header_block(header_of(message()), "inbox.mbox#offset 0")
    assert got.provider_id == "msg:m1@navy.example"
    assert got.kind is Kind.EMAIL
    assert got.occurred_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert [(p.address, p.role, p.name) for p in got.participants] == [
        ("grace@navy.example", Role.FROM, "Grace Hopper"),
        ("ada@analytical.example", Role.TO, "Ada Lovelace"),
    ]
    assert got.subject == "Compilers"
    assert got.thread_id == "m1@navy.example"
    assert got.source == "inbox.mbox#offset 0"


def test_rfc2047_names_and_subject_are_decoded() -> None:
    """Encoded words in names and subject decode, including a comma inside an encoded name."""
    raw = message(
        sender="=?UTF-8?Q?Ren=C3=A9e_Dubois?= <Renee@Lumiere-Labs.example>",
        to="=?UTF-8?B?RG9lLCBKb2hu?= <john@doe.example>, =?iso-8859-1?Q?J=FCrgen?= <j@x.example>",
        subject="=?UTF-8?Q?Caf=C3=A9?= =?UTF-8?Q?_au_lait?=",
    )
    got = parse_header_block(header_of(raw), "s")
    assert [(p.address, p.name) for p in got.participants] == [
        ("renee@lumiere-labs.example", "Renée Dubois"),
        ("john@doe.example", "Doe, John"),
        ("j@x.example", "Jürgen"),
    ]
    assert got.subject == "Café au lait"


def test_group_syntax_and_addressless_entries() -> None:
    """Groups contribute their members; empty groups and entries without @ give nobody."""
    raw = message(
        to="undisclosed-recipients:;",
        extra=["Cc: Team: a@x.example, B <b@y.example>;, nobody", "Bcc: Empty:;"],
    )
    got = parse_header_block(header_of(raw), "s")
    assert [(p.address, p.role) for p in got.participants] == [
        ("grace@navy.example", Role.FROM),
        ("a@x.example", Role.CC),
        ("b@y.example", Role.CC),
    ]


def test_missing_message_id_uses_header_hash() -> None:
    """Without Message-ID the id is sha: + the first 24 hex of the header block's SHA-1."""
    block = header_of(message(message_id=None))
    got = parse_header_block(block, "s")
    assert got.provider_id == "sha:" + hashlib.sha1(block).hexdigest()[:24]
    assert got.message_id is None
    assert got.thread_id == got.provider_id


def test_thread_headers() -> None:
    """References and In-Reply-To lose their brackets; the thread is the first reference."""
    raw = message(
        message_id="  <c@x.example>  ",
        extra=[
            "In-Reply-To: <b@x.example> (sent by Bob)",
            "References: <a@x.example>\n <b@x.example>",
        ],
    )
    got = parse_header_block(header_of(raw), "s")
    assert got.message_id == "c@x.example"
    assert got.in_reply_to == "b@x.example"
    assert got.references == ("a@x.example", "b@x.example")
    assert got.thread_id == "a@x.example"


def test_only_classification_headers_are_kept() -> None:
    """Headers outside CLASSIFICATION_HEADERS are dropped; content-type keeps type + report-type."""
    raw = message(
        extra=[
            "Received: from mx.example by mx2.example",
            "List-Id: Engine <engine.lists.example>",
            "Auto-Submitted: auto-replied",
            'Content-Type: multipart/report; report-type="delivery-status";\n\tboundary="b1"',
            "X-Secret: do not keep",
        ]
    )
    got = parse_header_block(header_of(raw), "s")
    assert dict(got.headers) == {
        "list-id": "Engine <engine.lists.example>",
        "auto-submitted": "auto-replied",
        "content-type": "multipart/report; report-type=delivery-status",
    }


def test_folded_subject_and_crlf_line_endings() -> None:
    """Folded headers unfold to one line, with CRLF line endings too."""
    raw = message(subject="A long\n  subject line", newline="\r\n")
    got = parse_header_block(raw.partition(b"\r\n\r\n")[0] + b"\r\n", "s")
    assert got.subject == "A long  subject line"
    assert got.participants[0].address == "grace@navy.example"


def test_raw_latin1_header_bytes_do_not_crash() -> None:
    """8-bit Latin-1 in a header decodes as Latin-1 instead of failing."""
    block = (
        b'From: "Ingo L\xfctkebohle" <ingo@pages.example>\nDate: Sat, 12 Jul 1997 22:11:13 +0200\n'
    )
    got = parse_header_block(block, "s")
    assert got.participants[0].name == "Ingo Lütkebohle"
    assert got.occurred_at == datetime(1997, 7, 12, 20, 11, 13, tzinfo=UTC)


def test_encoded_address_only_from() -> None:
    """A From whose whole address is an encoded word is decoded and read again."""
    block = (
        b"From: =?UTF-8?B?bm90aWNlQGJhbmsuZXhhbXBsZQ==?=\nDate: Mon, 02 Mar 2026 10:00:00 +0000\n"
    )
    assert parse_header_block(block, "s").participants[0].address == "notice@bank.example"


@pytest.mark.parametrize(
    ("block", "reason"),
    [
        (b"To: a@x.example\nDate: Mon, 02 Mar 2026 10:00:00 +0000\n", "no From header"),
        (b"From: a@x.example\n", "no Date header"),
        (b"From: a@x.example\nDate: foo\n", "Date header 'foo' is not a date"),
        (b"From: a@x.example\nDate: Mon, 31 Feb 2026 10:00:00 +0000\n", "is not a date"),
        (b"From: MAILER DAEMON <>\nDate: Mon, 02 Mar 2026 10:00:00 +0000\n", "has no address"),
    ],
)
def test_unusable_messages_say_why(block: bytes, reason: str) -> None:
    """Messages without From, a usable Date or a sender address raise Unusable with a reason."""
    with pytest.raises(Unusable, match=reason):
        parse_header_block(block, "s")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon, 02 Mar 2026 10:00:00 +0100", datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
        ("2 Mar 2026 10:00 -0800", datetime(2026, 3, 2, 18, 0, tzinfo=UTC)),
        ("Tue, 10 Jul 2012 21:50:15 -0400 (EDT)", datetime(2012, 7, 11, 1, 50, 15, tzinfo=UTC)),
        ("Sat, 27 Nov 2004 03:35:30 UTC", datetime(2004, 11, 27, 3, 35, 30, tzinfo=UTC)),
        ("Mon, 02 Mar 2026 10:00:00", datetime(2026, 3, 2, 10, 0, tzinfo=UTC)),
        ("1 Jan 99 10:00 EST", datetime(1999, 1, 1, 15, 0, tzinfo=UTC)),
    ],
)
def test_dates_are_aware_utc(value: str, expected: datetime) -> None:
    """Date headers in common and obsolete forms become aware UTC (naive means UTC)."""
    assert parse_date(value) == expected


def test_encoded_words_split_inside_a_character() -> None:
    """Adjacent words of one charset join as bytes, so a split multi-byte character survives."""
    assert decode_words("=?utf-8?B?4oK=?= =?utf-8?B?rA==?= 5") == "€ 5"
    assert decode_words("=?unknown-charset?Q?ok?=") == "ok"
    assert decode_words("plain =?utf-8?B?!!?= text") == "plain  text"


_word = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8
)
_address = st.builds(lambda local, domain: f"{local}@{domain}.example", _word, _word)
_entry = st.one_of(
    _address,
    st.builds(
        lambda name, addr: f"{name} <{addr}>",
        st.lists(_word, min_size=1, max_size=3).map(" ".join),
        _address,
    ),
    st.builds(
        lambda name, addr: f'"{name}" <{addr}>',
        st.lists(_word, min_size=1, max_size=3).map(", ".join),
        _address,
    ),
)


@given(st.lists(_entry, min_size=1, max_size=5))
def test_fast_address_path_agrees_with_stdlib(entries: list[str]) -> None:
    """The fast address parser returns what email.utils.getaddresses returns."""
    value = ", ".join(entries)
    expected = [(name, address.lower()) for name, address in getaddresses([value])]
    assert parse_addresses(value) == expected


_header_piece = st.one_of(
    st.sampled_from(
        [
            b"From: a@x.example",
            b"From: =?idna?Q?=FF?= <a@x.example>",
            b"To: =?undefined?B?QUJD?=, g: ;",
            b"Subject: =?punycode?Q?=FF=FE?= =?utf-8?B?***?=",
            b"Date: Mon, 02 Mar 2026 10:00:00 +0100",
            b"Date: Mon, 99 Foo 0000 99:99:99 +9999",
            b"Message-ID: <>",
            b"References: < >",
            b"Content-Type: ;report-type=",
            b" folded continuation",
            b"\tTo: tab",
        ]
    ),
    st.binary(max_size=40).map(lambda b: b.replace(b"\n\n", b"\n")),
)


@given(st.lists(_header_piece, max_size=10))
def test_any_header_bytes_give_an_interaction_or_a_reason(pieces: list[bytes]) -> None:
    """Arbitrary header bytes never crash the parser: it returns an interaction or raises Unusable."""
    try:
        got = parse_header_block(b"\n".join(pieces) + b"\n", "s")
    except Unusable as exc:
        assert str(exc)
    else:
        assert got.occurred_at.tzinfo is UTC
        assert got.participants[0].role is Role.FROM
        assert all("@" in p.address for p in got.participants)


def test_a_delivery_report_without_a_sender_address_is_recorded_as_the_mail_system() -> None:
    """`From: MAILER DAEMON <>` on a real DSN: recorded (automated) instead of quarantined."""
    block = (
        b"Message-Id: <edab.77@mx.corp.example>\n"
        b'Content-Type: multipart/report; report-type=delivery-status;\n boundary="b"\n'
        b"From: MAILER DAEMON <>\nTo: <ada@analytical.example>\n"
        b"Subject: Undeliverable: slides\nDate: Fri, 26 Nov 2004 19:41:44 -0800 (PST)\n"
    )
    got = parse_header_block(block, "s")
    assert got.participants[0].address == "mailer-daemon@mx.corp.example"
    assert got.participants[0].role is Role.FROM
    plain = b"From: Someone <>\nDate: Mon, 02 Mar 2026 10:00:00 +0000\nMessage-ID: <a@b.example>\n"
    with pytest.raises(Unusable, match="has no address"):
        parse_header_block(plain, "s")
