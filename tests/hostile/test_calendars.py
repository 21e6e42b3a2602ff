"""Recurrences that dateutil would expand for hours are quarantined before it starts.

Bounded by construction: the rules are refused from their text (no expansion, no clock), so
these tests finish quickly on any machine; on the old code the first one never finished.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.files.calendar import expand_file
from connectors.files.icsbounds import sanitise_timezones
from keepwarm.services.sync import sync_account
from tests.hostile.conftest import hostile_config
from tests.queuedata import open_at

START, END = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)
MINUTES = ",".join(str(m) for m in range(0, 60, 5))
HOURS = ",".join(str(h) for h in range(24))


def ics(*components: str) -> bytes:
    body = "\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//hostile//EN", *components])
    return (body + "\nEND:VCALENDAR\n").replace("\n", "\r\n").encode()


def event(uid: str, rule: str | None, start: str = "20260302T100000Z") -> str:
    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", f"DTSTART:{start}"]
    lines += ["DURATION:PT1H", f"SUMMARY:{uid}"]
    if rule:
        lines.append(f"RRULE:{rule}")
    return "\n".join([*lines, "END:VEVENT"])


def zone(rule: str) -> str:
    return "\n".join(
        [
            "BEGIN:VTIMEZONE", "TZID:Evil/Zone",
            "BEGIN:STANDARD", "DTSTART:19700101T000000", "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0000", f"RRULE:{rule}", "END:STANDARD",
            "BEGIN:DAYLIGHT", "DTSTART:19700329T020000", "TZOFFSETFROM:+0000",
            "TZOFFSETTO:+0100", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", "END:DAYLIGHT",
            "END:VTIMEZONE",
        ]
    )  # fmt: skip


HOSTILE_RULES = {
    "secondly": "FREQ=SECONDLY",
    "minutely": "FREQ=MINUTELY;INTERVAL=1",
    "hourly-by-minute-second": f"FREQ=HOURLY;BYMINUTE={MINUTES};BYSECOND=0,15,30,45",
    "daily-by-hour-minute": f"FREQ=DAILY;BYHOUR={HOURS};BYMINUTE={MINUTES}",
    "daily-by-hour": f"FREQ=DAILY;BYHOUR={HOURS}",
    "yearly-multiplied": f"FREQ=YEARLY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR={HOURS}",
    "never-again": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30,31",
}


@pytest.mark.parametrize("rule", HOSTILE_RULES.values(), ids=list(HOSTILE_RULES))
def test_a_runaway_rule_is_quarantined_alone(rule: str) -> None:
    data = ics(event("bad", rule), event("good", "FREQ=WEEKLY;COUNT=4"))
    found, problems, _ = expand_file(data, "cal.ics", START, END)
    assert [i.subject for i in found] == ["good"] * 4
    [problem] = problems
    assert problem.position == "VEVENT UID=bad" and "RRULE" in problem.reason


def test_an_hourly_series_since_1970_is_too_much_work() -> None:
    data = ics(event("old", "FREQ=HOURLY;INTERVAL=2", start="19700101T000000Z"))
    found, [problem], _ = expand_file(data, "cal.ics", START, END)
    assert not found and "steps to expand" in problem.reason


def test_a_secondly_time_zone_rule_is_dropped_and_reported() -> None:
    data = ics(
        zone("FREQ=SECONDLY"),
        "BEGIN:VEVENT\nUID:tz\nDTSTAMP:20260101T000000Z\n"
        "DTSTART;TZID=Evil/Zone:20260302T100000\nDURATION:PT1H\nSUMMARY:in zone\nEND:VEVENT",
    )
    found, [problem], _ = expand_file(data, "cal.ics", START, END)
    assert [i.subject for i in found] == ["in zone"]
    assert problem.position == "VTIMEZONE TZID=Evil/Zone" and "SECONDLY" in problem.reason


@pytest.mark.parametrize(
    "rule", ["FREQ=DAILY", f"FREQ=YEARLY;BYHOUR={HOURS}", "FREQ=YEARLY;BYMINUTE=0,30"]
)
def test_only_yearly_zone_rules_survive(rule: str) -> None:
    text, problems = sanitise_timezones(ics(zone(rule)).decode())
    assert len(problems) == 1 and rule not in text
    kept, none = sanitise_timezones(ics(zone("FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU")).decode())
    assert not none and "BYMONTH=10" in kept


def test_sync_goes_on_past_a_hostile_calendar(tmp_path: Path, database_url: str) -> None:
    bad = tmp_path / "bad.ics"
    bad.write_bytes(ics(zone("FREQ=SECONDLY"), *(event(n, r) for n, r in HOSTILE_RULES.items())))
    good = tmp_path / "good.ics"
    good.write_bytes(ics(event("weekly", "FREQ=WEEKLY;COUNT=3")))
    ws = open_at(hostile_config(tmp_path / "ws", database_url, calendars=[bad, good]))
    try:
        report = sync_account(ws, "demo")
    finally:
        ws.close()
    assert report.error is None and report.inserted == 3
    assert report.quarantined == len(HOSTILE_RULES) + 1
