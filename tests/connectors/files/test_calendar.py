""".ics calendars: recurrences with exceptions, time zones, attendees, quarantine and cursors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.files import calendar as calendar_module
from connectors.files.calendar import expand_file
from keepwarm.errors import ConfigError
from keepwarm.models import Interaction, Kind, Response, Role
from keepwarm.ports import Page
from tests.connectors.files.builders import calendar, connector, cursors_of, pull, vevent

W_EUROPE = """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
"""
CUSTOM_ZONE = """BEGIN:VTIMEZONE
TZID:Customized Time Zone
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:+0530
TZOFFSETTO:+0530
END:STANDARD
END:VTIMEZONE
"""
PEOPLE = (
    "ORGANIZER;CN=Ada Lovelace:mailto:ada@analytical.example",
    'ATTENDEE;CN="Hopper, Grace";PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:MAILTO:Grace@Navy.example',
    "ATTENDEE;CN=Alan Turing;PARTSTAT=DECLINED:mailto:alan@bletchley.example",
    "ATTENDEE;CUTYPE=ROOM;CN=Jacquard Room;PARTSTAT=ACCEPTED:mailto:room-jacquard@resource.example",
    "ATTENDEE;PARTSTAT=TENTATIVE:mailto:katherine@orbital.example",
    "ATTENDEE;CN=Nobody:invalid",
)
WEEKLY = vevent(
    "weekly-1",
    "SUMMARY:Engine sync",
    "DTSTART;TZID=W. Europe Standard Time:20260302T100000",
    "DTEND;TZID=W. Europe Standard Time:20260302T103000",
    "RRULE:FREQ=WEEKLY;COUNT=6",
    "EXDATE;TZID=W. Europe Standard Time:20260309T100000",
    *PEOPLE,
)
MOVED = vevent(
    "weekly-1",
    "SUMMARY:Engine sync (moved)",
    "RECURRENCE-ID;TZID=W. Europe Standard Time:20260316T100000",
    "DTSTART;TZID=W. Europe Standard Time:20260317T140000",
    "DTEND;TZID=W. Europe Standard Time:20260317T143000",
    *PEOPLE,
)
CANCELLED = vevent(
    "weekly-1",
    "SUMMARY:Engine sync",
    "STATUS:CANCELLED",
    "RECURRENCE-ID;TZID=W. Europe Standard Time:20260323T100000",
    "DTSTART;TZID=W. Europe Standard Time:20260323T100000",
    "DTEND;TZID=W. Europe Standard Time:20260323T103000",
)
OTHERS = [
    vevent(
        "pacific-1",
        "SUMMARY:West coast call",
        'DTSTART;TZID="Pacific Standard Time":20260610T090000',
        'DTEND;TZID="Pacific Standard Time":20260610T100000',
    ),
    vevent(
        "custom-1",
        "SUMMARY:Bangalore review",
        "DTSTART;TZID=Customized Time Zone:20260415T100000",
        "DURATION:PT45M",
    ),
    vevent(
        "allday-1", "SUMMARY:Offsite", "DTSTART;VALUE=DATE:20260501", "DTEND;VALUE=DATE:20260502"
    ),
    vevent("nostart-1", "SUMMARY:Broken invite", "DTEND:20260420T100000Z"),
    vevent("baddate-1", "SUMMARY:Bad date", "DTSTART:20261345T100000Z"),
    vevent(
        "bad-rule",
        "SUMMARY:Odd rule",
        "DTSTART:20260601T100000Z",
        "RRULE:FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0",
    ),
    vevent("old-1", "SUMMARY:Last year", "DTSTART:20250601T100000Z"),
]


def write(tmp_path: Path, data: bytes, name: str = "work.ics") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def by_id(pages: list[Page]) -> dict[str, Interaction]:
    return {i.provider_id: i for page in pages for i in page.interactions}


@pytest.fixture
def work_calendar(tmp_path: Path) -> Path:
    return write(tmp_path, calendar(W_EUROPE, CUSTOM_ZONE, WEEKLY, MOVED, CANCELLED, *OTHERS))


def test_weekly_series_with_exdate_moved_and_cancelled_instances(
    work_calendar: Path, tmp_path: Path
) -> None:
    """RRULE expands in the Windows zone; EXDATE drops one, a moved and a cancelled instance keep their slots."""
    got = by_id(pull(connector(tmp_path, calendars=[work_calendar])))
    weekly = sorted((k, v) for k, v in got.items() if k.startswith("ics:weekly-1:"))
    assert [(k, v.occurred_at, v.cancelled) for k, v in weekly] == [
        ("ics:weekly-1:2026-03-02T09:00:00Z", datetime(2026, 3, 2, 9, 0, tzinfo=UTC), False),
        ("ics:weekly-1:2026-03-16T09:00:00Z", datetime(2026, 3, 17, 13, 0, tzinfo=UTC), False),
        ("ics:weekly-1:2026-03-23T09:00:00Z", datetime(2026, 3, 23, 9, 0, tzinfo=UTC), True),
        ("ics:weekly-1:2026-03-30T08:00:00Z", datetime(2026, 3, 30, 8, 0, tzinfo=UTC), False),
        ("ics:weekly-1:2026-04-06T08:00:00Z", datetime(2026, 4, 6, 8, 0, tzinfo=UTC), False),
    ]
    first = got["ics:weekly-1:2026-03-02T09:00:00Z"]
    assert first.kind is Kind.MEETING
    assert first.subject == "Engine sync"
    assert first.ended_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert got["ics:weekly-1:2026-03-16T09:00:00Z"].subject == "Engine sync (moved)"


def test_attendees_roles_responses_and_rooms(work_calendar: Path, tmp_path: Path) -> None:
    """Organizer and attendees come from mailto: values with CN, PARTSTAT and CUTYPE=ROOM."""
    got = by_id(pull(connector(tmp_path, calendars=[work_calendar])))
    people = got["ics:weekly-1:2026-03-02T09:00:00Z"].participants
    assert [(p.address, p.role, p.name, p.response, p.is_resource) for p in people] == [
        ("ada@analytical.example", Role.ORGANIZER, "Ada Lovelace", None, False),
        ("grace@navy.example", Role.ATTENDEE, "Hopper, Grace", Response.ACCEPTED, False),
        ("alan@bletchley.example", Role.ATTENDEE, "Alan Turing", Response.DECLINED, False),
        ("room-jacquard@resource.example", Role.ATTENDEE, "Jacquard Room", Response.ACCEPTED, True),
        ("katherine@orbital.example", Role.ATTENDEE, "", Response.TENTATIVE, False),
    ]
    # The cancelled exception lists nobody: it inherits the series' people.
    assert len(got["ics:weekly-1:2026-03-23T09:00:00Z"].participants) == 5


def test_time_zones_and_all_day_events(work_calendar: Path, tmp_path: Path) -> None:
    """Windows names without VTIMEZONE, custom VTIMEZONEs and all-day dates become UTC."""
    got = by_id(pull(connector(tmp_path, calendars=[work_calendar])))
    pacific = got["ics:pacific-1:2026-06-10T16:00:00Z"]
    assert pacific.occurred_at == datetime(2026, 6, 10, 16, 0, tzinfo=UTC)
    custom = got["ics:custom-1:2026-04-15T04:30:00Z"]
    assert custom.ended_at == datetime(2026, 4, 15, 5, 15, tzinfo=UTC)
    allday = got["ics:allday-1:2026-05-01T00:00:00Z"]
    assert (allday.occurred_at, allday.ended_at) == (
        datetime(2026, 5, 1, tzinfo=UTC),
        datetime(2026, 5, 2, tzinfo=UTC),
    )
    assert not any(k.startswith("ics:old-1:") for k in got)  # outside the window


def test_unusable_events_are_quarantined_and_the_rest_ingests(
    work_calendar: Path, tmp_path: Path
) -> None:
    """VEVENTs without DTSTART, with a bad date or an unexpandable rule are quarantined alone."""
    [page] = pull(connector(tmp_path, calendars=[work_calendar]))
    assert [(q.position, q.reason.split(":")[0]) for q in page.quarantined] == [
        ("VEVENT UID=nostart-1", "VEVENT has no DTSTART"),
        ("VEVENT UID=baddate-1", "bad DTSTART"),
        ("VEVENT UID=bad-rule", "cannot expand"),
    ]
    assert len(page.interactions) == 8
    assert page.summary == {
        "path": str(work_calendar),
        "format": "ics",
        "events": 8,
        "quarantined": 3,
        "before_window": 1,  # old-1, last year: before the window
    }


def test_broken_calendar_file_is_one_quarantine_entry(tmp_path: Path) -> None:
    """A file icalendar cannot parse is quarantined once, with the offending line."""
    text = "BEGIN:VCALENDAR\nVERSION:2.0\nthis line is garbage\nBEGIN:VEVENT\nUID:x\n"
    path = write(
        tmp_path,
        (text + "DTSTART:20260101T100000Z\nEND:VEVENT\nEND:VCALENDAR\n").encode(),
        "bad.ics",
    )
    unclosed = write(tmp_path, b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VEVENT\n", "unclosed.ics")
    pages = pull(connector(tmp_path, calendars=[path, unclosed]))
    [bad] = pages[0].quarantined
    assert (bad.source, bad.position) == (str(path), "line 3")
    assert bad.reason.startswith("not a valid calendar")
    assert "no complete BEGIN:VCALENDAR" in pages[1].quarantined[0].reason


def test_method_cancel_and_outlook_offset_zone(tmp_path: Path) -> None:
    """METHOD:CANCEL cancels every event; an Outlook '(UTC+01:00) …' TZID is read as its offset."""
    zone = '"(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"'
    path = write(
        tmp_path,
        calendar(
            vevent("c-1", "SUMMARY:Off", f"DTSTART;TZID={zone}:20260701T100000"),
            head=["METHOD:CANCEL"],
        ),
    )
    [meeting] = by_id(pull(connector(tmp_path, calendars=[path]))).values()
    assert meeting.cancelled is True
    assert meeting.occurred_at == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def test_calendar_cursor_unchanged_then_window_slides(work_calendar: Path, tmp_path: Path) -> None:
    """An unchanged file yields nothing until the window's end passes the next occurrence."""
    early = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 20, tzinfo=UTC))
    pages = pull(connector(tmp_path, calendars=[work_calendar], window=early))
    cursors = cursors_of(pages)
    assert cursors[f"calendar:{work_calendar}"]["next"] == "2026-03-23T09:00:00Z"
    assert sorted(by_id(pages)) == [
        "ics:weekly-1:2026-03-02T09:00:00Z",
        "ics:weekly-1:2026-03-16T09:00:00Z",
    ]
    assert pull(connector(tmp_path, calendars=[work_calendar], window=early), cursors) == []
    later = (early[0], datetime(2026, 3, 31, tzinfo=UTC))
    moved_on = pull(connector(tmp_path, calendars=[work_calendar], window=later), cursors)
    assert "ics:weekly-1:2026-03-30T08:00:00Z" in by_id(moved_on)


def test_missing_calendar_is_quarantined(tmp_path: Path) -> None:
    """A calendar path that does not exist is quarantined without raising."""
    missing = tmp_path / "nope.ics"
    [page] = pull(connector(tmp_path, calendars=[missing]))
    assert page.stream == f"calendar:{missing}"
    assert page.quarantined[0].reason == f"file not found: {missing}"


def test_several_calendars_in_one_file_and_paging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Concatenated VCALENDARs all ingest; only the last page of a file carries the cursor."""
    monkeypatch.setattr(calendar_module, "PAGE_SIZE", 2)
    one = calendar(vevent("a", "DTSTART:20260301T100000Z", "RRULE:FREQ=DAILY;COUNT=3"))
    two = calendar(vevent("b", "DTSTART:20260305T100000Z"))
    pages = pull(connector(tmp_path, calendars=[write(tmp_path, one + two)]))
    assert [len(p.interactions) for p in pages] == [2, 2]
    assert [p.cursor is None for p in pages] == [True, False]
    assert sorted(by_id(pages)) == [
        "ics:a:2026-03-01T10:00:00Z",
        "ics:a:2026-03-02T10:00:00Z",
        "ics:a:2026-03-03T10:00:00Z",
        "ics:b:2026-03-05T10:00:00Z",
    ]


def test_calendar_window_must_not_end_before_it_starts(tmp_path: Path) -> None:
    """A reversed calendar window is a configuration error at construction."""
    reversed_window = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ConfigError, match="ends before it starts"):
        connector(tmp_path, window=reversed_window)


def test_x_wr_timezone_applies_only_to_floating_times(tmp_path: Path) -> None:
    """An Exchange zone without TZNAME keeps its offset; a floating time takes X-WR-TIMEZONE."""
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nX-WR-TIMEZONE:Europe/London\r\n"
        "BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\n"
        "BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n"
        "BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
        "BEGIN:VEVENT\r\nUID:exchange\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Zoned\r\n"
        "DTSTART;TZID=W. Europe Standard Time:20261118T100000\r\n"
        "DTEND;TZID=W. Europe Standard Time:20261118T110000\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:floating\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Floating\r\n"
        "DTSTART:20260715T100000\r\nDTEND:20260715T110000\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )
    path = tmp_path / "cal.ics"
    path.write_text(ics, newline="")
    found, problems, _ = expand_file(
        path.read_bytes(),
        str(path),
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert problems == []
    starts = {i.subject: i.occurred_at for i in found}
    assert starts["Zoned"] == datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    assert starts["Floating"] == datetime(2026, 7, 15, 9, 0, tzinfo=UTC)  # BST


def test_attendee_values_are_cleaned_or_quarantined_never_stored_raw(tmp_path: Path) -> None:
    """Line folding leaves `hcabot@ example.com`; a Confluence export puts parameters after the
    colon; both become clean addresses. What is still no address is reported, not stored."""
    event = vevent(
        "fold-1",
        "SUMMARY:Design review",
        "DTSTART:20260305T100000Z",
        "DTEND:20260305T110000Z",
        "ORGANIZER;CN=Ada Lovelace:mailto:ada@analytical.example",
        "ATTENDEE;CN=HCA Bot;PARTSTAT=ACCEPTED:mailto:hcabot@\n  example.com",
        "ATTENDEE:X-APP-USER-KEY=8a4a;CN=Dana Lee;CUTYPE=INDIVIDUAL:mailto:dana@lee.example",
        "ATTENDEE;CN=Broken:mailto:who@<nowhere>",
    )
    interactions, problems, _ = expand_file(calendar(event), "c.ics", *WINDOW_2026)
    [found] = interactions
    assert [p.address for p in found.participants] == [
        "ada@analytical.example", "hcabot@example.com", "dana@lee.example",
    ]  # fmt: skip
    assert all(" " not in p.address for p in found.participants)
    [problem] = problems
    assert problem.position == "VEVENT UID=fold-1" and "who@<nowhere>" in problem.reason


def test_delegated_and_non_participant_attendees_keep_their_answer(tmp_path: Path) -> None:
    """PARTSTAT=DELEGATED and ROLE=NON-PARTICIPANT are recorded as such (detection: not met)."""
    event = vevent(
        "deleg-1",
        "SUMMARY:Budget",
        "DTSTART:20260305T100000Z",
        "DTEND:20260305T110000Z",
        "ORGANIZER:mailto:ada@analytical.example",
        'ATTENDEE;PARTSTAT=DELEGATED;DELEGATED-TO="mailto:c@x.example":mailto:b@x.example',
        'ATTENDEE;PARTSTAT=ACCEPTED;DELEGATED-FROM="mailto:b@x.example":mailto:c@x.example',
        "ATTENDEE;ROLE=NON-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:fyi@x.example",
    )
    [found], _, _ = expand_file(calendar(event), "c.ics", *WINDOW_2026)
    answers = {p.address: p.response for p in found.participants}
    assert answers["b@x.example"] is Response.DELEGATED
    assert answers["c@x.example"] is Response.ACCEPTED
    assert answers["fyi@x.example"] is Response.NON_PARTICIPANT


WINDOW_2026 = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))
