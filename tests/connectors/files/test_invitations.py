"""A folder of invitations saved from mail: one meeting in several files (iTIP, RFC 5546).

The store keeps one row per occurrence and the file read last would win, so a CANCEL that sorts
before its REQUEST, an update that moved a meeting, or an attendee's REPLY must decide the same
whatever the order. Shapes after Outlook's and iCloud's invitations; people made up.
"""

from __future__ import annotations

from pathlib import Path

from keepwarm.models import Interaction, Response
from keepwarm.ports import Cursor, Page
from tests.connectors.files.builders import calendar, connector, cursors_of, pull

ME = "ATTENDEE;PARTSTAT=ACCEPTED;CN=Ines Carvalho:mailto:ines@harbourline.example"


def event(uid: str, start: str, *lines: str, sequence: int = 0, stamp: str = "20260201T090000Z") -> str:
    return "\n".join([
        "BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp}", f"SEQUENCE:{sequence}",
        f"DTSTART;TZID=GMT Standard Time:{start}", f"DTEND;TZID=GMT Standard Time:{start[:9]}235900",
        "SUMMARY:Supplier call", *lines, "END:VEVENT", "",
    ])  # fmt: skip


def write(folder: Path, name: str, method: str, *events: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(calendar(*events, head=[f"METHOD:{method}"]))


def stored(pages: list[Page], before: dict[str, Interaction] | None = None) -> dict[str, Interaction]:
    """What the store holds after these pages: one row per occurrence, the last write wins."""
    rows = dict(before or {})
    for page in pages:
        for item in page.interactions:
            rows[item.provider_id] = item
    return rows


ORGANISER = "ORGANIZER;CN=Jonas Pereira:mailto:jonas@porto-logistics.example"
THEM = "ATTENDEE;PARTSTAT=ACCEPTED;CN=Jonas Pereira:mailto:jonas@porto-logistics.example"


def test_a_cancel_in_another_file_wins_in_either_order(tmp_path: Path) -> None:
    """`Canceled_ Supplier call.ics` sorts before `Supplier call.ics`: still cancelled."""
    for cancel_name in ("Canceled_ Supplier call.ics", "zz-cancel.ics"):
        folder = tmp_path / cancel_name
        write(folder, "Supplier call.ics", "REQUEST", event("c1", "20260302T100000", ORGANISER, THEM, ME))
        write(folder, cancel_name, "CANCEL",
              event("c1", "20260302T100000", ORGANISER, THEM, ME, "STATUS:CANCELLED", sequence=1))  # fmt: skip
        rows = stored(pull(connector(tmp_path, calendars=[folder])))
        assert [(r.provider_id, r.cancelled) for r in rows.values()] == [
            ("ics:c1:2026-03-02T10:00:00Z", True)
        ], cancel_name


def test_a_moved_meeting_never_happened_at_its_first_time(tmp_path: Path) -> None:
    """The update (SEQUENCE 1) moved it from 2 to 20 March: 2 March is not a meeting that
    happened (no thank-you for it), 20 March is the meeting."""
    write(tmp_path, "Cold chain pilot.ics", "REQUEST", event("m1", "20260302T100000", ORGANISER, THEM, ME))
    write(tmp_path, "Cold chain pilot (updated).ics", "REQUEST",
          event("m1", "20260320T100000", ORGANISER, THEM, ME, sequence=1, stamp="20260225T090000Z"))  # fmt: skip
    rows = stored(pull(connector(tmp_path, calendars=[tmp_path])))
    assert sorted((r.provider_id, r.cancelled) for r in rows.values()) == [
        ("ics:m1:2026-03-02T10:00:00Z", True), ("ics:m1:2026-03-20T10:00:00Z", False),
    ]  # fmt: skip


def test_a_reply_changes_one_answer_and_keeps_everyone_else(tmp_path: Path) -> None:
    """Her workshop with three partners; one declines by a REPLY file (which names only the
    organiser and himself). The others stay in the meeting; he is recorded as declined."""
    people = [f"ATTENDEE;PARTSTAT=NEEDS-ACTION;CN=P{i}:mailto:p{i}@partner.example" for i in range(3)]
    mine = "ORGANIZER;CN=Ines Carvalho:mailto:ines@harbourline.example"
    write(tmp_path / "google", "calendar.ics", "PUBLISH", event("w1", "20260302T100000", mine, ME, *people))
    write(tmp_path / "replies", "reply.ics", "REPLY",
          event("w1", "20260302T100000", mine, "ATTENDEE;PARTSTAT=DECLINED;CN=P2:mailto:p2@partner.example",
                stamp="20260226T090000Z"))  # fmt: skip
    rows = stored(pull(connector(tmp_path, calendars=[tmp_path])))
    (only,) = rows.values()
    answers = {p.address: p.response for p in only.participants if p.address.endswith("partner.example")}
    assert answers == {
        "p0@partner.example": Response.NEEDS_ACTION,
        "p1@partner.example": Response.NEEDS_ACTION,
        "p2@partner.example": Response.DECLINED,
    }


def test_a_reply_arriving_later_rereads_the_invitation_it_answers(tmp_path: Path) -> None:
    """Incremental: her invitation was read on Monday; the REPLY saved on Tuesday makes the next
    sync read the invitation's file again (its meeting changed) instead of replacing the
    meeting by the reply's two people; an idle sync then reads nothing."""
    people = [f"ATTENDEE;PARTSTAT=NEEDS-ACTION;CN=P{i}:mailto:p{i}@partner.example" for i in range(3)]
    mine = "ORGANIZER;CN=Ines Carvalho:mailto:ines@harbourline.example"
    write(tmp_path, "invite.ics", "REQUEST", event("w2", "20260302T100000", mine, ME, *people))
    source = connector(tmp_path, calendars=[tmp_path])
    first = pull(source)
    cursors: dict[str, Cursor] = cursors_of(first)
    rows = stored(first)
    write(tmp_path, "reply.ics", "REPLY",
          event("w2", "20260302T100000", mine, "ATTENDEE;PARTSTAT=DECLINED;CN=P1:mailto:p1@partner.example",
                stamp="20260226T090000Z"))  # fmt: skip
    second = pull(source, cursors)
    (only,) = stored(second, rows).values()
    assert {p.address: p.response for p in only.participants if "partner" in p.address} == {
        "p0@partner.example": Response.NEEDS_ACTION,
        "p1@partner.example": Response.DECLINED,
        "p2@partner.example": Response.NEEDS_ACTION,
    }
    assert pull(source, cursors_of(second, cursors)) == []


def test_icloud_people_are_read_from_the_email_parameter(tmp_path: Path) -> None:
    """iCloud writes an iMIP relay (`…@imip.me.com`) as the calendar address and the person's
    real address only in EMAIL=: the person was met, not the relay."""
    relay = "mailto:2_GEZDGMJRGEYTCNBSGQ3TAMZVGE@imip.me.com"
    write(tmp_path, "invite.ics", "REQUEST", event(
        "i1", "20260302T100000",
        f"ORGANIZER;CN=Noah Berg;EMAIL=noah@bergdesign.example:{relay}",
        f"ATTENDEE;CN=Noah Berg;CUTYPE=INDIVIDUAL;EMAIL=noah@bergdesign.example;PARTSTAT=ACCEPTED:{relay}",
        "ATTENDEE;CN=Ines;EMAIL=ines@harbourline.example;PARTSTAT=ACCEPTED:/1234567/principal/",
    ))  # fmt: skip
    (only,) = stored(pull(connector(tmp_path, calendars=[tmp_path]))).values()
    assert sorted({p.address for p in only.participants}) == [
        "ines@harbourline.example", "noah@bergdesign.example",
    ]  # fmt: skip


def test_unrelated_calendars_numbering_events_alike_do_not_touch(tmp_path: Path) -> None:
    """Two exports from naive producers both use `UID:1`, for different organisers: a meeting is
    its UID *and* its organiser, so neither moves or cancels the other."""
    other = "ORGANIZER;CN=Club:mailto:secretary@chess-club.example"
    write(tmp_path, "work.ics", "PUBLISH", event("1", "20260302T100000", ORGANISER, THEM, ME))
    write(tmp_path, "club.ics", "PUBLISH",
          event("1", "20260310T180000", other, ME, sequence=3, stamp="20260301T090000Z"))  # fmt: skip
    rows = stored(pull(connector(tmp_path, calendars=[tmp_path])))
    assert sorted((r.provider_id, r.cancelled) for r in rows.values()) == [
        ("ics:1:2026-03-02T10:00:00Z", False), ("ics:1:2026-03-10T18:00:00Z", False),
    ]  # fmt: skip
