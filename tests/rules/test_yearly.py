"""`type: yearly`: once a year on the anniversary of a stored date, in the owner's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from keepwarm.rules.evaluate import QueueState, propose
from keepwarm.rules.schema import Policies
from keepwarm.rules.triggers import stored_date
from tests.unit.rules_helpers import NOW, OWNER, person, rule, touch

NO_POLICY = Policies(daily_cap=None, recent_inbound=None, one_pending_per_person=False)


def run(yaml: str, *, now: datetime = NOW, keys: frozenset[str] = frozenset(), **who: object):  # type: ignore[no-untyped-def]
    someone = person(**who)
    history = {someone.key: [touch("meeting", 700, subject="First coffee"), touch("in", 30)]}
    queue = QueueState(keys=keys)
    return propose(
        [rule(yaml)], [someone], history, OWNER, now=now, policies=NO_POLICY, queue=queue
    )


def test_a_date_field_fires_on_its_anniversary_once_per_year() -> None:
    """Birthday 18 Nov: on Friday 20 Nov (within 7d) a draft due at 09:00 London on the 18th
    moved into the window; its key names the year, so the same year never drafts twice."""
    yaml = "trigger: {type: yearly, date: fields.birthday}"
    [draft] = run(yaml, fields={"birthday": "1990-11-18"})
    assert draft.key.endswith(":yearly:fields.birthday:2026")
    assert draft.due_at == datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    assert "yearly: fields.birthday anniversary on 2026-11-18, 36 year(s)" in draft.reasons
    assert run(yaml, fields={"birthday": "1990-11-18"}, keys=frozenset({draft.key})) == []
    later = run(yaml, now=NOW + timedelta(days=365), fields={"birthday": "1990-11-18"})
    assert [d.key.rsplit(":", 1)[1] for d in later] == ["2027"]


def test_outside_within_or_before_the_day_nothing_fires() -> None:
    yaml = "trigger: {type: yearly, date: fields.birthday, within: 3d}"
    assert run(yaml, fields={"birthday": "1990-11-16"}) == []  # 4 days ago
    assert run(yaml, fields={"birthday": "1990-11-21"}) == []  # tomorrow
    assert len(run(yaml, fields={"birthday": "11-20"})) == 1  # no year: every year


def test_the_date_itself_is_no_anniversary_and_bad_values_never_fire() -> None:
    yaml = "trigger: {type: yearly, date: fields.met}"
    assert run(yaml, fields={"met": "2026-11-19"}) == []
    assert run(yaml, fields={"met": "19 November"}) == []
    assert run(yaml) == []  # not set


def test_first_met_counts_from_the_first_meeting_and_answers_about_it() -> None:
    first = touch("meeting", 365 * 2, subject="First coffee")  # 2024-11-20
    someone = person()
    [draft] = propose(
        [
            rule(
                "trigger: {type: yearly, date: first_met}\n"
                "draft: {subject: 's', body: 'Since {{ interaction.subject }}'}"
            )
        ],
        [someone],
        {someone.key: [first, touch("in", 30)]},
        OWNER,
        now=NOW,
        policies=NO_POLICY,
    )
    assert draft.interaction_ids == (first.interaction_id,)
    assert draft.body.startswith("Since First coffee")


def test_first_seen_in_the_owners_time_zone() -> None:
    """First seen 23:30 UTC on 19 Nov 2025 is 20 Nov in Tokyo (anniversary: the 20th from
    Tokyo's midnight) and still 19 Nov in London (the 19th from London's midnight)."""
    seen = datetime(2025, 11, 19, 23, 30, tzinfo=UTC)
    tokyo = OWNER.model_copy(update={"timezone": "Asia/Tokyo"})
    someone = person(first_seen=seen)
    yaml = "trigger: {type: yearly, date: first_seen, within: 1d}\nwindow: null"
    history = {someone.key: [touch("in", 30)]}
    at = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # 20 Nov 01:00 in Tokyo
    [draft] = propose([rule(yaml)], [someone], history, tokyo, now=at, policies=NO_POLICY)
    assert draft.due_at == datetime(2026, 11, 19, 15, 0, tzinfo=UTC)  # Tokyo midnight
    [london] = propose([rule(yaml)], [someone], history, OWNER, now=at, policies=NO_POLICY)
    assert london.due_at == datetime(2026, 11, 19, 0, 0, tzinfo=UTC)


def test_29_february_falls_on_the_28th_in_other_years() -> None:
    assert stored_date("2024-02-29") == (2024, 2, 29)
    assert stored_date("02-29") == (None, 2, 29)
    assert stored_date("2023-02-29") is None and stored_date("1990-13-01") is None
    yaml = "trigger: {type: yearly, date: fields.born, within: 1d}\nwindow: null"
    at = datetime(2027, 2, 28, 12, 0, tzinfo=UTC)
    assert len(run(yaml, now=at, fields={"born": "2024-02-29"})) == 1
