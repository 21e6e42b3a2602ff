"""The next occurrence after the window decides when an unchanged .ics is read again: a failure
to find it is reported, never taken for "the series has ended" (which would freeze the file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from recurring_ical_events.query import CalendarQuery

from tests.connectors.files.builders import calendar, connector, cursors_of, pull, vevent

SERIES = vevent(
    "standup-1",
    "SUMMARY:Stand-up",
    "DTSTART:20260105T090000Z",
    "DTEND:20260105T091500Z",
    "RRULE:FREQ=WEEKLY",
    "ORGANIZER:mailto:ada@analytical.example",
    "ATTENDEE;PARTSTAT=ACCEPTED:mailto:grace@navy.example",
)


def test_a_failure_finding_the_next_occurrence_is_quarantined_and_the_file_re_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The occurrences inside the window are kept, the failure is quarantined with the series'
    UID, and the cursor's `next` is the window's end, so the next sync reads the file again."""
    path = tmp_path / "work.ics"
    path.write_bytes(calendar(SERIES))

    def broken(self: Any, end: Any) -> Any:
        raise ValueError("RRULE iteration failed")

    monkeypatch.setattr(CalendarQuery, "after", broken)
    source = connector(tmp_path, calendars=[path])
    (page,) = pull(source)
    assert len(page.interactions) == 52  # every Monday of 2026 inside the window
    (problem,) = page.quarantined
    assert problem.position == "VEVENT UID=standup-1"
    assert "cannot find its occurrence after 2026-12-31T00:00:00Z: RRULE iteration failed" in (
        problem.reason
    )
    stored = cursors_of([page])
    assert stored[f"calendar:{path}"]["next"] == "2026-12-31T00:00:00Z"
    assert pull(source, stored), "the unchanged file is read again, not frozen"
