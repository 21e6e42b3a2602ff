"""Snippets from local mail: the first words of the first text part, only when allowed."""

from __future__ import annotations

import base64
from pathlib import Path

from connectors.files import FilesConnector
from connectors.files.snippet import BODY_PREFIX, body_snippet
from tests.connectors.files.builders import WINDOW, mbox, message, pull, write_maildir

ALTERNATIVE = """This is a multi-part message in MIME format.

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

Bonjour Ada,

Ren=E9e ici : shall we plan a call after 23 November? I'm in Lyon until =
then.

Bien =E0 vous,
Ren=E9e

--inner
Content-Type: text/html; charset="utf-8"

<p>HTML version</p>
--inner--

--outer
Content-Type: application/pdf; name="slides.pdf"

JVBERi0xLjQK
--outer--
"""


def files(tmp_path: Path, paths: list[Path], *, snippets: bool) -> FilesConnector:
    return FilesConnector(
        "t", mail=paths, calendars=[], drafts_dir=tmp_path / "d", calendar_window=WINDOW,
        snippets=snippets,
    )  # fmt: skip


def test_mbox_snippets_from_the_first_text_part(tmp_path: Path) -> None:
    """Plain, quoted-printable inside nested multipart, base64, HTML-only and an mboxrd-quoted
    `From ` line all give the message's first words; list mail gives none."""
    encoded = base64.b64encode(b"Could you review section G before Friday?\n").decode()
    path = tmp_path / "inbox.mbox"
    path.write_bytes(
        mbox(
            [
                message(message_id="<a@x>", body="Hi Ada,\n\nSee you Tuesday?\n\nGrace\n"),
                message(
                    message_id="<b@x>",
                    extra=['Content-Type: multipart/mixed; boundary="outer"'],
                    body=ALTERNATIVE,
                ),
                message(
                    message_id="<c@x>",
                    extra=[
                        "Content-Type: text/plain; charset=utf-8",
                        "Content-Transfer-Encoding: base64",
                    ],
                    body=encoded + "\n",
                ),
                message(
                    message_id="<d@x>",
                    extra=["Content-Type: text/html; charset=utf-8"],
                    body="<html><style>p{}</style><p>Tom &amp; Jerry<br>are here</p></html>\n",
                ),
                message(message_id="<e@x>", body="From 7 September we meet on Mondays.\n"),
                message(message_id="<f@x>", extra=["List-Id: <engine.lists.example>"]),
            ]
        )
    )
    [page] = pull(files(tmp_path, [path], snippets=True))
    assert [i.snippet for i in page.interactions] == [
        "See you Tuesday?",
        "Renée ici : shall we plan a call after 23 November? I'm in Lyon until then.",
        "Could you review section G before Friday?",
        "Tom & Jerry are here",
        "From 7 September we meet on Mondays.",
        "",
    ]
    [off] = pull(files(tmp_path, [path], snippets=False))
    assert {i.snippet for i in off.interactions} == {""}  # private data: off unless allowed


def test_maildir_and_eml_snippets(tmp_path: Path) -> None:
    """Maildir files and single .eml files give the same snippet from the bytes already read."""
    raw = message(message_id="<m@x>", body="Dear Ada,\n\nThe sample is here.\n", newline="\r\n")
    folder = write_maildir(tmp_path / "Maildir", {"1.host:2,S": raw})
    eml = tmp_path / "one.eml"
    eml.write_bytes(raw)
    pages = pull(files(tmp_path, [folder, eml], snippets=True))
    assert [i.snippet for p in pages for i in p.interactions] == ["The sample is here."] * 2


def test_body_snippet_is_bounded_and_never_fails() -> None:
    """Huge, broken or binary bodies give a short snippet or nothing, never an error."""
    long = body_snippet("text/plain", "", b"word " * 10_000)
    assert 0 < len(long) <= 200
    assert body_snippet('multipart/mixed; boundary="b"', "", b"--b\nno blank line") == ""
    assert body_snippet("text/plain", "base64", b"!!!not base64\xff") == ""
    assert body_snippet("image/png", "base64", b"iVBORw0KGgo=") == ""
    assert body_snippet("text/plain; charset=x-unknown-9", "", b"caf\xe9 ok") == "caf\ufffd ok"
    assert BODY_PREFIX <= 4096
