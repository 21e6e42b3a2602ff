"""Archive layouts real users point keepwarm at: the Enron corpus (`maildir/<user>/<folder>/1.`,
one message per numbered file — MH's layout, also nmh's and Claws Mail's), its export's header
quirks (bare From/To with names in X-From/X-To, Exchange aliases `k..allen@enron.com`)."""

from __future__ import annotations

from pathlib import Path

from connectors.files.mailparse import parse_header_block
from connectors.files.sources import mail_sources
from tests.connectors.files.builders import connector, cursors_of, pull


def enron(sender: str, to: str, subject: str, *, x_from: str, x_to: str, n: int) -> bytes:
    """A message as the Enron export wrote it (header set and order; names only in X-*)."""
    return (
        f"Message-ID: <{n}.1075855378110.JavaMail.evans@thyme>\n"
        "Date: Mon, 14 May 2001 16:39:00 -0700 (PDT)\n"
        f"From: {sender}\nTo: {to}\nSubject: {subject}\n"
        "Mime-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n"
        "Content-Transfer-Encoding: 7bit\n"
        f"X-From: {x_from}\nX-To: {x_to}\nX-cc: \nX-bcc: \n"
        "X-Folder: \\Daniel_Whitcomb_Dec2001\\Notes Folders\\Sent\nX-Origin: Whitcomb-D\n"
        "X-FileName: dwhitcom.nsf\n\nHere is our forecast.\n"
    ).encode()


def tree(root: Path, folders: dict[str, int]) -> Path:
    user = root / "maildir" / "whitcomb-d"
    n = 0
    for folder, count in folders.items():
        for i in range(1, count + 1):
            n += 1
            path = user / folder / f"{i}."
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(enron("daniel.whitcomb@enron.com", "tim.belden@enron.com", f"m{n}",
                                   x_from="Daniel K Whitcomb", x_to="Tim Belden", n=n))  # fmt: skip
    return user


def test_an_enron_user_is_one_stream_per_folder_and_only_new_files_are_read(tmp_path: Path) -> None:
    """`inbox/1.` … `sent/12.` and a nested `projects/deals/1.`: one stream per folder (not one
    per file: 30,000 files are not 30,000 cursors, transactions and status lines); a second
    sync reads nothing; a new file is the only one read."""
    user = tree(tmp_path, {"inbox": 30, "_sent_mail": 12, "projects/deals": 3})
    (user / "inbox" / "notes.txt").write_text("not numbered: sniffed on its own\n")
    sources = mail_sources([user])
    assert sorted((s.kind, s.path.relative_to(user).as_posix()) for s in sources) == [
        ("eml", "inbox/notes.txt"), ("mh", "_sent_mail"), ("mh", "inbox"), ("mh", "projects/deals"),
    ]  # fmt: skip
    source = connector(tmp_path, mail=[user])
    first = pull(source)
    assert sum(len(p.interactions) for p in first) == 45
    assert {p.summary["format"] for p in first if p.summary} >= {"mh"}
    stored = cursors_of(first)
    assert pull(source, stored) == []
    (user / "inbox" / "31.").write_bytes(
        enron("x@gulf.example", "daniel.whitcomb@enron.com", "new", x_from="X", x_to="D", n=99)
    )
    again = pull(source, stored)
    assert [i.subject for p in again for i in p.interactions] == ["new"]


def test_exchange_aliases_with_a_double_dot_are_read_not_quarantined() -> None:
    """The 2001 Exchange export spells people with a middle initial `d..whitcomb@enron.com`:
    thousands of the owner's own sent messages. Read them (detection knows such an address
    cannot be written to); only a recipient we would send to must be strictly valid."""
    block = enron("d..whitcomb@enron.com", "k..allen@enron.com, tim.belden@enron.com", "RE: Q1",
                  x_from="Whitcomb, Daniel K </O=ENRON/OU=NA/CN=RECIPIENTS/CN=DWHITCOM>",
                  x_to="Allen, Phillip K. </O=ENRON/OU=NA/CN=RECIPIENTS/CN=PALLEN>", n=1)  # fmt: skip
    item = parse_header_block(block.split(b"\n\n")[0] + b"\n", "enron")
    assert [p.address for p in item.participants] == [
        "d..whitcomb@enron.com", "k..allen@enron.com", "tim.belden@enron.com",
    ]  # fmt: skip


def test_names_come_from_x_from_and_x_to_when_from_and_to_are_bare() -> None:
    """Enron's From/To hold bare addresses; X-From/X-To hold the names (Notes, Exchange and
    external forms). Without them every greeting is "Hello,"."""
    cases = [
        ("jeff.dasovich@enron.com", "Jeff Dasovich", "Jeff Dasovich"),
        ("d..whitcomb@enron.com", "Whitcomb, Daniel K </O=ENRON/OU=NA/CN=RECIPIENTS/CN=DW>",
         "Whitcomb, Daniel K"),
        ("bsmith@gulf.example", '"Bob Smith" <bsmith@gulf.example>@ENRON', "Bob Smith"),
        ("bsmith@gulf.example", '"Other Person" <other@gulf.example>@ENRON', ""),
        ("announcements@enron.com", "Enron General Announcements@ENRON", ""),
    ]  # fmt: skip
    for n, (sender, x_from, name) in enumerate(cases):
        block = enron(sender, "daniel.whitcomb@enron.com", "s", x_from=x_from,
                      x_to="Tim Belden <Tim Belden/Enron@EnronXGate>", n=n)  # fmt: skip
        item = parse_header_block(block.split(b"\n\n")[0] + b"\n", "enron")
        assert (item.participants[0].name, item.participants[1].name) == (name, "Tim Belden"), x_from
    several = enron("a@enron.com", "b@enron.com, c@enron.com", "s", x_from="A",
                    x_to="B Person, C Person", n=9)  # fmt: skip
    item = parse_header_block(several.split(b"\n\n")[0] + b"\n", "enron")
    assert [p.name for p in item.participants] == ["A", "", ""]


def test_a_lore_mbox_gz_is_read_as_it_is_downloaded(tmp_path: Path) -> None:
    """lore serves a thread as `t.mbox.gz`: it was skipped as "binary data, not mail". Read it
    compressed; an unchanged file is not read again; a truncated download is reported with the
    hint, not a crash; a gzip holding something else is named for what it is."""
    import gzip

    from tests.connectors.files.builders import mbox, message

    posts = [message(subject=f"[PATCH {i}/3] zswap: x", message_id=f"<p{i}@corvid.example>",
                     extra=["List-ID: <linux-mm.kvack.org>"]) for i in range(3)]  # fmt: skip
    path = tmp_path / "t.mbox.gz"
    path.write_bytes(gzip.compress(mbox(posts)))
    source = connector(tmp_path, mail=[path])
    first = pull(source)
    assert [i.subject for p in first for i in p.interactions] == [
        "[PATCH 0/3] zswap: x", "[PATCH 1/3] zswap: x", "[PATCH 2/3] zswap: x",
    ]  # fmt: skip
    assert pull(source, cursors_of(first)) == []
    cut = tmp_path / "cut" / "t.mbox.gz"
    cut.parent.mkdir()
    whole = gzip.compress(mbox(posts * 400))
    cut.write_bytes(whole[: len(whole) // 2])
    pages = pull(connector(tmp_path, mail=[cut]))
    assert any("is the download complete?" in q.reason for p in pages for q in p.quarantined)
    assert all(p.cursor is None for p in pages)  # read again whole next time
    other = tmp_path / "other" / "notes.txt.gz"
    other.parent.mkdir()
    other.write_bytes(gzip.compress(b"just notes\n"))
    (page,) = pull(connector(tmp_path, mail=[other]))
    assert "compressed (gzip) but is not an mbox" in page.quarantined[0].reason
