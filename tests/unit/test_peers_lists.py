"""List traffic, bots and relays on header shapes modelled on real mail (addresses are made up).

vger/kvack lists carry `List-Id`, `X-Mailing-List` and `Precedence: bulk` on every post; Google
Groups rewrites From for DMARC (`'Jane' via Group <group@googlegroups.com>`); Mailman adds
`List-Post` and `Precedence: list`; newsletters carry `List-Unsubscribe` with no `List-Post`.
"""

from __future__ import annotations

from datetime import timedelta

from keepwarm.models import (
    Classification,
    Interaction,
    Kind,
    Participant,
    PersonView,
    Role,
    StoredInteraction,
)
from keepwarm.peers import DetectionPolicy, automated_signals, detect
from tests.builders import NOW, OWNER, email, meeting
from tests.unit.test_peers import POLICY

LKML = "linux-kernel@vger.kernel.org"
MM = "linux-mm@kvack.org"
VGER = {
    "precedence": "bulk",
    "list-id": "<linux-kernel.vger.kernel.org>",
    "x-mailing-list": LKML,
    "list-subscribe": "<mailto:linux-kernel+subscribe@vger.kernel.org>",
    "list-unsubscribe": "<mailto:linux-kernel+unsubscribe@vger.kernel.org>",
}
GROUP = "kw-dev@googlegroups.com"
GOOGLE_GROUP = {
    "list-id": "<kw-dev.googlegroups.com>",
    "list-post": "<https://groups.google.com/group/kw-dev/post>, <mailto:kw-dev@googlegroups.com>",
    "mailing-list": "list kw-dev@googlegroups.com; contact kw-dev+owners@googlegroups.com",
    "precedence": "list",
    "list-unsubscribe": "<mailto:googlegroups-manage+1+unsubscribe@googlegroups.com>",
}
MAILMAN = {
    "list-id": "Tools discussion <tools.lists.example.org>",
    "list-post": "<mailto:tools@lists.example.org>",
    "list-unsubscribe": "<https://lists.example.org/postorius/lists/tools>",
    "precedence": "list",
}
NEWSLETTER = {
    "list-unsubscribe": "<https://esp.example/u/123>, <mailto:u-123@esp.example>",
    "list-unsubscribe-post": "List-Unsubscribe=One-Click",
    "precedence": "bulk",
}
_n = iter(range(10_000, 99_999))


def mail(
    sender: str, to: list[str], *, cc: tuple[str, ...] = (), days_ago: float = 5,
    headers: dict[str, str] | None = None, mid: str | None = None,
    in_reply_to: str | None = None, references: tuple[str, ...] = (),
    names: dict[str, str] | None = None, subject: str = "Re: [PATCH] mm: fix",
) -> StoredInteraction:  # fmt: skip
    names = names or {}
    n = next(_n)
    mid = mid or f"l{n}@test.example"
    parts = [Participant(sender, Role.FROM, names.get(sender, ""))]
    parts += [Participant(a, Role.TO, names.get(a, "")) for a in to]
    parts += [Participant(a, Role.CC, names.get(a, "")) for a in cc]
    return StoredInteraction(n, "demo", Interaction(
        provider_id=f"msg:{mid}", kind=Kind.EMAIL, occurred_at=NOW - timedelta(days=days_ago),
        participants=tuple(parts), subject=subject, message_id=mid, in_reply_to=in_reply_to,
        references=references or ((in_reply_to,) if in_reply_to else ()),
        thread_id=(references or (in_reply_to or mid,))[0], headers=headers or {},
    ))  # fmt: skip


def people(*items: StoredInteraction) -> dict[str, PersonView]:
    found = detect(list(items), POLICY, now=NOW)
    keys = [p.key for p in found]
    assert len(keys) == len(set(keys)), "one person per key"
    return {a: p for p in found for a in p.addresses}


def test_a_maintainer_replying_through_a_list_is_a_peer_not_automated() -> None:
    """vger headers on a reply to the owner's patch (owner in To) are the route: a two-way exchange."""
    patch = mail(OWNER, [LKML], cc=("akpm@linux-foundation.example",), mid="p1@ada", days_ago=9,
                 subject="[PATCH] mm: fix")  # fmt: skip
    reply = mail("akpm@linux-foundation.example", [OWNER], cc=(LKML,), headers=VGER,
                 in_reply_to="p1@ada", days_ago=8)  # fmt: skip
    found = people(patch, reply)
    akpm = found["akpm@linux-foundation.example"]
    assert akpm.classification is Classification.PEER, akpm.reasons
    assert any("replied to your email 1 time" in r for r in akpm.reasons)
    assert not any("List-Id" in r for r in akpm.reasons)


def test_people_who_merely_post_to_the_same_list_stay_candidates() -> None:
    """List posts that do not answer the owner are no relationship, and no machine either."""
    posts = [
        mail("willy@infradead.example", [LKML], cc=(OWNER,), headers=VGER, days_ago=d)
        for d in (3, 4, 5)
    ]
    willy = people(*posts)["willy@infradead.example"]
    assert willy.classification is Classification.CANDIDATE, willy.reasons
    assert any("posted to mailing list" in r for r in willy.reasons)


def test_list_addresses_the_owner_writes_to_are_never_peers() -> None:
    """vger, kvack and a Google Group: known from received list mail or from the list host."""
    sent = [
        mail(OWNER, [LKML], days_ago=20, subject="[PATCH 1/2] x"),
        mail(OWNER, [MM], days_ago=19, subject="[PATCH 2/2] y"),
        mail(OWNER, [GROUP], days_ago=18, subject="release plan"),
        mail(OWNER, [GROUP], days_ago=17, subject="release plan v2"),
    ]
    received = mail("jane@uni.example", [GROUP], headers=GOOGLE_GROUP, days_ago=16)
    found = people(*sent, received)
    for address in (LKML, MM, GROUP):
        person = found[address]
        assert person.classification is Classification.AUTOMATED, (address, person.reasons)
        assert any("mailing list" in r for r in person.reasons), person.reasons


def test_dmarc_rewritten_own_posts_do_not_crash_and_stay_self() -> None:
    """The owner's posts rewritten by Google Groups come back attributed to him: one `self`."""
    own = mail(OWNER, [GROUP], mid="o1@ada", days_ago=6, subject="hello group")
    relayed = mail(
        GROUP, [GROUP], mid="o1@ada", days_ago=6,
        headers={**GOOGLE_GROUP, "x-original-from": f"Ada Lovelace <{OWNER}>",
                 "reply-to": f"Ada Lovelace <{OWNER}>", "x-original-sender": OWNER},
        names={GROUP: "'Ada Lovelace' via kw-dev"},
    )  # fmt: skip
    found = people(own, relayed)
    assert found[OWNER].classification is Classification.SELF
    assert found[GROUP].classification is Classification.AUTOMATED
    alone = DetectionPolicy(owner_addresses=frozenset({OWNER}))  # one address: the key clashed
    keys = [p.key for p in detect([own, relayed], alone, now=NOW)]
    assert sorted(keys) == sorted([OWNER, GROUP])


def test_a_reply_through_a_rewritten_group_to_the_owner_counts() -> None:
    """Jane answers the owner's group post; the group rewrote her From, the owner is in Cc."""
    own = mail(OWNER, [GROUP], mid="g1@ada", days_ago=6, subject="hello group")
    answer = mail(
        GROUP, [GROUP], cc=(OWNER,), in_reply_to="g1@ada", days_ago=5,
        headers={**GOOGLE_GROUP, "x-original-from": "Jane Roe <jane@uni.example>",
                 "reply-to": "Jane Roe <jane@uni.example>"},
        names={GROUP: "'Jane Roe' via kw-dev"},
    )  # fmt: skip
    jane = people(own, answer)["jane@uni.example"]
    assert jane.classification is Classification.PEER, jane.reasons


def test_a_thread_reference_alone_is_not_a_reply_to_the_owner() -> None:
    """Deep in a thread the owner started, two others talk to each other: the owner only in Cc."""
    own = mail(OWNER, [LKML], mid="t1@ada", days_ago=9)
    side = mail("x@corp.example", ["y@corp2.example"], cc=(LKML, OWNER), headers=VGER,
                in_reply_to="m-other@corp2.example", references=("t1@ada", "m-other@corp2.example"))  # fmt: skip
    x = people(own, side)["x@corp.example"]
    assert x.classification is Classification.CANDIDATE, x.reasons


def test_a_patch_to_a_list_is_not_personal_mail_to_the_maintainers_copied() -> None:
    """To: list, Cc: maintainers is a list post; replying To someone in the thread is personal."""
    patch = mail(OWNER, [LKML], cc=("maint@corp.example", "rev@corp2.example"), mid="pp@ada",
                 days_ago=9)  # fmt: skip
    found = people(patch)
    assert found["maint@corp.example"].classification is Classification.CANDIDATE
    question = mail("rev@corp2.example", [LKML], cc=("maint@corp.example",), headers=VGER,
                    mid="q@corp2", in_reply_to="pp@ada", days_ago=8)  # fmt: skip
    answer = mail(OWNER, ["rev@corp2.example"], cc=(LKML, "maint@corp.example"),
                  in_reply_to="q@corp2", references=("pp@ada", "q@corp2"), days_ago=7)  # fmt: skip
    found = people(patch, question, answer)
    assert found["rev@corp2.example"].classification is Classification.PEER
    assert found["maint@corp.example"].classification is Classification.CANDIDATE
    assert found[LKML].classification is Classification.AUTOMATED


def test_newsletters_from_themselves_stay_automated() -> None:
    """An ESP newsletter (List-Unsubscribe, Precedence: bulk, no List-Post) is a machine."""
    news = [mail("news@weekly.example", [OWNER], headers=NEWSLETTER, days_ago=d) for d in (1, 8)]
    editor = people(*news)["news@weekly.example"]
    assert editor.classification is Classification.AUTOMATED
    assert "header List-Unsubscribe present in 2 messages" in editor.reasons
    assert automated_signals(news[0].interaction)
    vger = mail("willy@infradead.example", [LKML], cc=(OWNER,), headers=VGER).interaction
    assert automated_signals(vger) == []  # the list headers describe the route only


def test_mailman_lists_mark_their_address_and_keep_posters_human() -> None:
    """Mailman's List-Post names the list: its posters are candidates, the list is automated."""
    post = mail("bo@tools.example", ["tools@lists.example.org"], headers=MAILMAN)
    found = people(post)
    assert found["bo@tools.example"].classification is Classification.CANDIDATE
    assert found["tools@lists.example.org"].classification is Classification.AUTOMATED


def test_named_robots_are_automated_with_the_reason_shown() -> None:
    """kernel test robot answering the owner's patch is no peer; the reason names the robot."""
    patch = mail(OWNER, ["maint@corp.example"], mid="r1@ada", days_ago=9)
    robot = mail("lkp@intel.example", [OWNER], in_reply_to="r1@ada", days_ago=8,
                 names={"lkp@intel.example": "kernel test robot"})  # fmt: skip
    syz = mail("syzbot+4f2a9c@syzkaller.example", [OWNER], days_ago=7,
               names={"syzbot+4f2a9c@syzkaller.example": "syzbot"})  # fmt: skip
    ci = mail(OWNER, ["jenkins@builds.corp.example"], days_ago=6,
              names={"jenkins@builds.corp.example": "Jenkins CI"})  # fmt: skip
    found = people(patch, robot, syz, ci)
    lkp = found["lkp@intel.example"]
    assert lkp.classification is Classification.AUTOMATED
    assert any("robot" in r for r in lkp.reasons), lkp.reasons
    assert found["syzbot+4f2a9c@syzkaller.example"].classification is Classification.AUTOMATED
    assert found["jenkins@builds.corp.example"].classification is Classification.AUTOMATED


def test_human_names_that_contain_bot_words_are_not_robots() -> None:
    """Word tokens, not substrings: Abbott, Talbot, Cibola, Lucia, Mary Jenkins are people."""
    humans = {
        "abbott@corp.example": "Ann Abbott",
        "talbot@corp.example": "Tom Talbot",
        "cibola@corp.example": "Carla Cibola",
        "lucia@corp.example": "Lucia Ci",
        "mary.jenkins@corp.example": "Mary Jenkins",
        "james.bottomley@corp.example": "James Bottomley",
        "travis@corp.example": "Travis Smith",
    }
    found = people(*(mail(OWNER, [a], names={a: n}, days_ago=3) for a, n in humans.items()))
    for address in humans:
        assert found[address].classification is Classification.PEER, found[address].reasons


def test_calendar_relays_are_automated() -> None:
    """Apple's iMIP relay and Google calendar ids stand in for people: never peers."""
    relay = "2_hazdgmrzgq3dsmjugi3tmnzsgqwe@imip.me.com"
    calendar = "c_1a2b3c@group.calendar.google.com"
    met = meeting({OWNER: None, relay: None, calendar: None, "ann@partner.example": None})
    found = people(met)
    assert found[relay].classification is Classification.AUTOMATED
    assert any("relay" in r for r in found[relay].reasons), found[relay].reasons
    assert found[calendar].classification is Classification.AUTOMATED
    assert found["ann@partner.example"].classification is Classification.PEER


def test_mass_mail_gives_no_evidence_either_way() -> None:
    """A 66-recipient thread: neither the owner's reply-all nor an answer in it is an exchange."""
    crowd = [f"p{i}@crowd.example" for i in range(65)]
    mine = mail(OWNER, crowd, mid="mm@ada", days_ago=4)
    answer = mail("p1@crowd.example", [OWNER, *crowd[2:]], in_reply_to="mm@ada", days_ago=3)
    p1 = people(mine, answer)["p1@crowd.example"]
    assert p1.classification is Classification.CANDIDATE, p1.reasons
    small = email(OWNER, ["p1@crowd.example"], message_id="s@ada", days_ago=2)
    assert people(mine, answer, small)["p1@crowd.example"].classification is Classification.PEER
