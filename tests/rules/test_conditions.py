"""The conditions users asked for: on the meeting, on tags and fields, on time since contact,
and the global `policies.exclude`; all against a fixed clock (Friday 20 Nov 2026)."""

from __future__ import annotations

from dataclasses import replace

from keepwarm.rules.evaluate import propose
from keepwarm.rules.history import Touch
from keepwarm.rules.parse import parse_file
from keepwarm.rules.schema import Policies
from tests.unit.rules_helpers import NOW, OWNER, person, rule, touch

NO_POLICY = Policies(daily_cap=None, recent_inbound=None, one_pending_per_person=False)
GRACE = "grace@navy.example"


def meeting(subject: str, *, organiser: str = "", size: int = 1, location: str = "") -> Touch:
    return replace(
        touch("meeting", 1, subject=subject, size=size),
        organiser=organiser,
        location=location,
    )


def drafts(
    yaml: str, touches: list[Touch], *, policies: Policies = NO_POLICY, **who: object
) -> int:
    someone = person(**who)
    found = propose(
        [rule(yaml)], [someone], {someone.key: touches}, OWNER, now=NOW, policies=policies
    )
    return len(found)


ENDED = "trigger: {type: meeting_ended, include_first: true}\nwindow: null\n"


def test_title_contains_and_matches_are_case_insensitive() -> None:
    intro = [meeting("Intro call: Grace / Ada")]
    assert drafts(ENDED + "when: {meeting: {title_contains: [INTRO, coffee]}}", intro) == 1
    assert drafts(ENDED + "when: {meeting: {title_contains: [lunch]}}", intro) == 0
    assert drafts(ENDED + r"when: {meeting: {title_matches: '^intro\b'}}", intro) == 1
    assert drafts(ENDED + r"when: {meeting: {title_matches: '^call'}}", intro) == 0


def test_organiser_owner_person_address_and_domain() -> None:
    by_owner = [meeting("Sync", organiser="ada@analytical.example")]
    by_them = [meeting("Sync", organiser=GRACE)]
    by_colleague = [meeting("Sync", organiser="charles@eng.analytical.example")]
    owner = ENDED + "when: {meeting: {organiser: [owner]}}"
    them = ENDED + "when: {meeting: {organiser: [person]}}"
    domain = ENDED + "when: {meeting: {organiser: ['@analytical.example']}}"
    exact = ENDED + "when: {meeting: {organiser: [Charles@Eng.Analytical.Example]}}"
    assert [drafts(owner, t) for t in (by_owner, by_them, by_colleague)] == [1, 0, 0]
    assert [drafts(them, t) for t in (by_owner, by_them, by_colleague)] == [0, 1, 0]
    assert [drafts(domain, t) for t in (by_owner, by_them, by_colleague)] == [1, 0, 1]
    assert [drafts(exact, t) for t in (by_owner, by_them, by_colleague)] == [0, 0, 1]
    assert drafts(owner, [meeting("Sync")]) == 0  # no organiser known: not the owner's


def test_attendees_count_people_besides_you_and_location_contains() -> None:
    one_to_one = [meeting("1:1", size=1, location="https://meet.example/abc")]
    workshop = [meeting("Workshop", size=6, location="Jacquard Room, London")]
    small = ENDED + "when: {meeting: {attendees: {max: 2}}}"
    assert [drafts(small, m) for m in (one_to_one, workshop)] == [1, 0]
    video = ENDED + "when: {meeting: {location_contains: ['meet.']}}"
    london = ENDED + "when: {meeting: {location_contains: [london]}}"
    assert [drafts(video, m) for m in (one_to_one, workshop)] == [1, 0]
    assert [drafts(london, m) for m in (one_to_one, workshop)] == [0, 1]


def test_a_meeting_block_never_holds_for_an_email() -> None:
    quiet = "trigger: {type: quiet, for: 10d}\n"
    assert drafts(quiet + "when: {meeting: {}}", [touch("in", 20)]) == 0
    assert drafts(quiet + "when: {meeting: {}}", [touch("meeting", 20)]) == 1


def test_stored_tags_and_policies_tags_are_one_set_for_when_and_templates() -> None:
    """A tag from `peers tag` (PersonView.tags) and one from policies.tags both hold in `when`
    and both appear in `person.tags` in templates."""
    yaml = (
        "trigger: {type: quiet, for: 10d}\nwhen: {tags: [investor, vip]}\n"
        "draft: {subject: s, body: '{{ person.tags|join(\",\") }}'}"
    )
    policies = NO_POLICY.model_copy(update={"tags": {"vip": ["navy.example"]}})
    someone = person(tags=frozenset({"investor"}))
    [draft] = propose(
        [rule(yaml)], [someone], {someone.key: [touch("in", 20)]}, OWNER, now=NOW, policies=policies
    )
    assert draft.body.startswith("investor,vip\n")
    assert drafts(yaml, [touch("in", 20)], tags=frozenset({"investor"})) == 1
    assert drafts(yaml, [touch("in", 20)], policies=policies) == 1
    assert drafts(yaml, [touch("in", 20)]) == 0


def test_fields_match_any_listed_value_and_empty_means_not_set() -> None:
    role = "trigger: {type: quiet, for: 10d}\nwhen: {fields: {role: [Investor, advisor]}}"
    unset = "trigger: {type: quiet, for: 10d}\nwhen: {fields: {role: ['']}}"
    history = [touch("in", 20)]
    assert drafts(role, history, fields={"role": "investor "}) == 1
    assert drafts(role, history, fields={"role": "founder"}) == 0
    assert drafts(role, history) == 0
    assert drafts(unset, history) == 1
    assert drafts(unset, history, fields={"role": "founder"}) == 0


def test_fields_and_location_reach_templates() -> None:
    yaml = (
        "trigger: {type: meeting_ended, include_first: true}\nwindow: null\n"
        "draft: {subject: 'At {{ interaction.location }}', "
        "body: \"{{ person.fields.get('role', 'friend') }} {{ person.fields.city }}\"}"
    )
    someone = person(fields={"city": "Paris"})
    [draft] = propose(
        [rule(yaml)], [someone], {someone.key: [meeting("x", location="Room 1")]}, OWNER, now=NOW
    )
    assert draft.subject == "At Room 1" and draft.body.startswith("friend Paris\n")


def test_since_last_contact() -> None:
    yaml = "trigger: {type: quiet, for: 10d}\nwhen: {since_last_contact: {min: 30d, max: 60d}}"
    assert [drafts(yaml, [touch("in", d)]) for d in (20, 45, 90)] == [0, 1, 0]


def test_exclude_met_once_more_than_a_year_ago() -> None:
    """The global exclude: nobody matching any block gets a draft from any rule."""
    policies = NO_POLICY.model_copy(
        update={
            "exclude": Policies.model_validate(
                {
                    "exclude": [
                        {"interactions": {"max": 1}, "since_last_contact": {"min": "365d"}},
                        {"tags": ["do-not-contact"]},
                    ]
                }
            ).exclude
        }
    )
    yaml = "trigger: {type: quiet, for: 90d}"
    once_long_ago = [touch("meeting", 400)]
    twice = [touch("meeting", 500), touch("in", 400)]
    assert drafts(yaml, once_long_ago) == 1
    assert drafts(yaml, once_long_ago, policies=policies) == 0
    assert drafts(yaml, twice, policies=policies) == 1
    assert drafts(yaml, twice, policies=policies, tags=frozenset({"do-not-contact"})) == 0


def test_exclude_classification_counts_only_when_written() -> None:
    policies = Policies.model_validate(
        {"daily_cap": None, "recent_inbound": None, "exclude": [{"stage": ["growing"]}]}
    )
    assert drafts("trigger: {type: quiet, for: 10d}", [touch("in", 20)], policies=policies) == 0


def test_regular_expressions_are_checked_when_the_file_is_read() -> None:
    text = (
        "rules:\n  - name: a\n    trigger: {type: meeting_ended}\n"
        "    when: {meeting: {title_matches: '[unclosed'}}\n    draft: {subject: s, body: b}\n"
    )
    [problem] = parse_file(text, "r.yaml").problems
    assert (problem.line, problem.col) == (4, 37)
    assert "is not a valid regular expression" in problem.message


def test_old_quiet_window_still_fires_between_for_and_until() -> None:
    yaml = "trigger: {type: quiet, for: 14d, until: 28d}"
    assert [drafts(yaml, [touch("in", d)]) for d in (10, 20, 30)] == [0, 1, 0]


def test_tag_names_are_case_insensitive_everywhere() -> None:
    policies = Policies.model_validate(
        {"daily_cap": None, "recent_inbound": None, "tags": {"VIP": ["navy.example"]}}
    )
    yaml = "trigger: {type: quiet, for: 10d}\nwhen: {tags: [Vip]}"
    assert drafts(yaml, [touch("in", 20)], policies=policies) == 1
