"""One person per key for any input: hostile mixes of list rewrites, aliases and spellings.

The owner reaches detection through every door at once — his own posts, the same posts
relayed by a list with his address in X-Original-From / Reply-To, `+tag` and Gmail-dot
spellings, aliases that also name other people — and detection must still emit each key once.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from keepwarm.models import Interaction, Kind, Participant, Response, Role, StoredInteraction
from keepwarm.peers import DetectionPolicy, detect
from tests.builders import NOW

OWNER = "ada.lovelace@gmail.com"
SPELLINGS = [
    OWNER,
    "adalovelace@gmail.com",
    "Ada.Lovelace+lists@googlemail.com",
    "ADA@corp.example",
]
OTHERS = [
    "kw-dev@googlegroups.com", "linux-kernel@vger.kernel.org", "jane@uni.example",
    "jane+x@uni.example", "j.ane@gmail.com", "jane@gmail.com", "lkp@intel.example",
    "postmaster@mx.example", "2_abc@imip.me.com", "tools@lists.example.org", "bob@corp.example",
]  # fmt: skip
address = st.sampled_from(SPELLINGS + OTHERS)
name = st.sampled_from(["", "Ada Lovelace", "'Ada Lovelace' via kw-dev", "Jane Roe via Tools",
                        "kernel test robot", "Jane Roe", "=?utf-8?q?x?="])  # fmt: skip
header_names = st.sampled_from(
    ["list-id", "list-post", "x-mailing-list", "mailing-list", "x-original-from",
     "x-original-sender", "reply-to", "precedence", "list-unsubscribe", "auto-submitted",
     "content-type", "x-failed-recipients"]
)  # fmt: skip
header_value = st.one_of(
    address.map(lambda a: f"Someone <{a}>"),
    address.map(lambda a: f"<mailto:{a}>"),
    st.sampled_from(["<kw-dev.googlegroups.com>", "<linux-kernel.vger.kernel.org>", "bulk",
                     "list", "", "<>", "list kw-dev@googlegroups.com; contact x@y",
                     "multipart/report; report-type=delivery-status"]),
    st.text(max_size=20),
)  # fmt: skip
ids = st.sampled_from([f"<m{i}@t>"[1:-1] for i in range(6)])


@st.composite
def interaction(draw: st.DrawFn) -> Interaction:
    at = NOW - timedelta(days=draw(st.integers(-2, 400)))
    if draw(st.integers(0, 4)) == 0:
        people = draw(st.lists(address, min_size=1, max_size=5))
        parts = tuple(
            Participant(a, Role.ORGANIZER if i == 0 else Role.ATTENDEE, draw(name),
                        draw(st.sampled_from([*Response, None])), draw(st.booleans()))
            for i, a in enumerate(people)
        )  # fmt: skip
        return Interaction(draw(st.uuids()).hex, Kind.MEETING, at, parts, "Sync",
                           at + timedelta(hours=1))  # fmt: skip
    sender = Participant(draw(address), Role.FROM, draw(name))
    rest = draw(st.lists(st.tuples(address, st.sampled_from([Role.TO, Role.CC, Role.BCC]), name),
                         max_size=14))  # fmt: skip
    ref = draw(st.one_of(st.none(), ids))
    return Interaction(
        provider_id=draw(st.uuids()).hex, kind=Kind.EMAIL, occurred_at=at,
        participants=(sender, *(Participant(a, r, n) for a, r, n in rest)),
        subject=draw(st.sampled_from(["Re: [PATCH] x", "Undeliverable: x", "hello"])),
        message_id=draw(ids), in_reply_to=ref, references=(ref,) if ref else (),
        headers=draw(st.dictionaries(header_names, header_value, max_size=5)),
    )  # fmt: skip


mailboxes = st.lists(interaction(), max_size=14).map(
    lambda items: [StoredInteraction(i, "t", item) for i, item in enumerate(items, 1)]
)
policies = st.builds(
    lambda owners, aliases, lists: DetectionPolicy(
        owner_addresses=frozenset(owners), owner_domains=("corp.example",),
        personal_domains=frozenset({"gmail.com"}), aliases=aliases, mass_mail_recipients=3,
        lists=lists,
    ),
    st.sets(st.sampled_from(SPELLINGS), min_size=1, max_size=3),
    st.lists(st.tuples(address, address), max_size=3),
    st.sampled_from([(), ("googlegroups.com",), ("jane@uni.example",)]),
)  # fmt: skip
HOSTILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: The crash of issue #11: the owner's group post, and the group's copy attributed back to him.
RELAYED = [
    StoredInteraction(1, "t", Interaction(
        "a", Kind.EMAIL, NOW, (Participant(OWNER, Role.FROM), Participant(SPELLINGS[1], Role.TO)),
        message_id="m1@t")),
    StoredInteraction(2, "t", Interaction(
        "b", Kind.EMAIL, NOW,
        (Participant("kw-dev@googlegroups.com", Role.FROM, "'Ada' via kw-dev"),
         Participant("kw-dev@googlegroups.com", Role.TO)),
        message_id="m1@t", headers={"x-original-from": f"Ada <{OWNER}>",
                                    "list-id": "<kw-dev.googlegroups.com>"})),
]  # fmt: skip


@HOSTILE
@given(mailboxes, policies)
@example(RELAYED, DetectionPolicy(owner_addresses=frozenset({OWNER})))
def test_detection_emits_one_person_per_key_and_per_address(
    items: list[StoredInteraction], policy: DetectionPolicy
) -> None:
    """Unique keys, no address in two people, the owner only ever `self` (and at most once)."""
    people = detect(items, policy, now=NOW)
    keys = [p.key for p in people]
    assert len(keys) == len(set(keys))
    spellings = [a for p in people for a in p.addresses]
    assert len(spellings) == len(set(spellings))
    selves = [p for p in people if p.classification.value == "self"]
    assert len(selves) <= 1
    assert all(p.key not in policy.owner_addresses for p in people if p not in selves)
