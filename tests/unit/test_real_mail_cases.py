"""Wrong decisions found by judging keepwarm on realistic mailboxes (tests/realistic), each as
the smallest fixture that shows it: header shapes of lore/kvack/Google Groups copies, Enron's
export, calendar responses by mail. Detection, histories and the shipped rules run together,
purely, as the services chain them.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from keepwarm.data import list_hosts, personal_domains, relay_hosts, role_local_parts
from keepwarm.models import (
    Classification,
    Interaction,
    Kind,
    Owner,
    Participant,
    PersonView,
    ProposedDraft,
    Response,
    Role,
    StoredInteraction,
)
from keepwarm.peers import DetectionPolicy, detect
from keepwarm.rules.evaluate import evaluate
from keepwarm.rules.history import build_histories
from keepwarm.services.rulesio import load_rules
from tests.builders import NOW, OWNER, at, meeting

SHIPPED = load_rules(Path("rules"))
ME = Owner(name="Ada Lovelace", addresses=[OWNER], domains=["analytical.example"],
           timezone="Europe/London")  # fmt: skip
POLICY = DetectionPolicy(
    owner_addresses=frozenset({OWNER}), owner_name="Ada Lovelace",
    owner_domains=("analytical.example",), personal_domains=personal_domains(),
    role_local_parts=role_local_parts(), lists=tuple(sorted(list_hosts())),
    relays=tuple(sorted(relay_hosts())), baseline_at=NOW - timedelta(days=400),
)  # fmt: skip
MM = "linux-mm@kvack.org"
#: What kvack's majordomo adds to every copy it delivers (lore archives that copy).
KVACK = {"list-id": "<linux-mm.kvack.org>", "return-path": "<owner-linux-mm@kvack.org>"}
GROUP = "kasan-dev@googlegroups.com"
GOOGLE_GROUP = {
    "list-id": "<kasan-dev.googlegroups.com>",
    "list-post": "<https://groups.google.com/group/kasan-dev/post>, <mailto:kasan-dev@googlegroups.com>",
    "mailing-list": "list kasan-dev@googlegroups.com; contact kasan-dev+owners@googlegroups.com",
    "precedence": "list",
}
_n = iter(range(50_000, 99_999))


def mail(
    sender: str, to: list[str], *, cc: tuple[str, ...] = (), days: float, subject: str,
    mid: str | None = None, reply_to: str | None = None, headers: dict[str, str] | None = None,
    names: dict[str, str] | None = None,
) -> StoredInteraction:  # fmt: skip
    n = next(_n)
    names = names or {}
    mid = mid or f"r{n}@mail.example"
    people = [Participant(sender, Role.FROM, names.get(sender, ""))]
    people += [Participant(a, Role.TO, names.get(a, "")) for a in to]
    people += [Participant(a, Role.CC, names.get(a, "")) for a in cc]
    return StoredInteraction(n, "demo", Interaction(
        provider_id=f"msg:{mid}", kind=Kind.EMAIL, occurred_at=at(days), participants=tuple(people),
        subject=subject, message_id=mid, in_reply_to=reply_to,
        references=(reply_to,) if reply_to else (), thread_id=reply_to or mid, headers=headers or {},
    ))  # fmt: skip


def run(*items: StoredInteraction, now=NOW) -> tuple[dict[str, PersonView], list[ProposedDraft]]:  # type: ignore[no-untyped-def]
    stored = sorted(items, key=lambda s: s.interaction.occurred_at)
    people = detect(stored, POLICY, now=now)
    history = build_histories(people, stored, POLICY.owner_addresses,
                              mass_mail_recipients=10, is_list=POLICY.is_list)  # fmt: skip
    result = evaluate(SHIPPED.rules, people, history, ME, now=now, policies=SHIPPED.policies)
    assert not result.problems
    return {a: p for p in people for a in p.addresses}, result.drafts


class TestListThreads:
    """A list thread is public discussion: it makes peers, never a private reply or a nudge."""

    def test_a_reviewed_by_through_the_list_is_owed_no_private_answer(self) -> None:
        """Her patch, his `Reviewed-by` To her with only linux-mm in Cc (kvack's copy): a
        two-way exchange, but not a personal email waiting for a reply off-list."""
        patch = mail(OWNER, ["akpm@mm.example"], cc=(MM, "rev@corp.example"), days=9,
                     subject="[PATCH v2 1/1] zswap: fix race with swapoff", mid="p1@ada",
                     headers=KVACK)  # fmt: skip
        review = mail("rev@corp.example", [OWNER], cc=(MM,), days=6, reply_to="p1@ada",
                      subject="Re: [PATCH v2 1/1] zswap: fix race with swapoff", headers=KVACK,
                      names={"rev@corp.example": "Bianca Greco"})  # fmt: skip
        people, drafts = run(patch, review)
        assert people["rev@corp.example"].classification is Classification.PEER
        assert [d.rule for d in drafts if d.to == ("rev@corp.example",)] == []
        # The same exchange in private mail is owed the reply.
        mine = mail(OWNER, ["rev@corp.example"], days=12, subject="Register docs", mid="q1@ada")
        theirs = mail("rev@corp.example", [OWNER], days=6, reply_to="q1@ada",
                      subject="Re: Register docs", names={"rev@corp.example": "Bianca Greco"})  # fmt: skip
        _, drafts = run(mine, theirs)
        assert [(d.rule, d.subject) for d in drafts] == [("reply-owed", "Re: Register docs")]

    def test_her_review_on_the_list_is_not_nudged_off_list(self) -> None:
        """She answered his patch on linux-mm eight days ago; silence on a list is no letter
        left unanswered."""
        theirs = mail("dev@rivet.example", [OWNER], cc=(MM,), days=10, mid="x1@rivet",
                      subject="[PATCH] zswap: fix typo in comment", headers=KVACK)  # fmt: skip
        mine = mail(OWNER, ["dev@rivet.example"], cc=(MM,), days=8, reply_to="x1@rivet",
                    subject="Re: [PATCH] zswap: fix typo in comment", headers=KVACK)  # fmt: skip
        people, drafts = run(theirs, mine)
        assert people["dev@rivet.example"].classification is Classification.PEER
        assert drafts == []
        # Her own unanswered private note is nudged.
        asked = mail(OWNER, ["kenji@silica.example"], days=8, subject="SX-4 documentation")
        _, drafts = run(asked)
        assert [(d.rule, d.subject) for d in drafts] == [("no-reply-nudge", "Re: SX-4 documentation")]

    def test_lists_in_cc_are_no_recipients_of_a_mass_mail(self) -> None:
        """Kernel threads copy two to four lists besides the people: a review To her with eight
        people and three lists in Cc is a reply, not an announcement to eleven."""
        lists = (MM, "linux-kernel@vger.kernel.org", "linux-doc@vger.kernel.org")
        humans = tuple(f"r{i}@corp{i}.example" for i in range(8))
        patch = mail(OWNER, ["akpm@mm.example"], cc=(*lists, *humans), days=20, mid="w1@ada",
                     subject="[PATCH 3/7] zswap: x", headers=KVACK)  # fmt: skip
        review = mail("r0@corp0.example", [OWNER], cc=("akpm@mm.example", *lists, *humans[1:]),
                      days=18, reply_to="w1@ada", subject="Re: [PATCH 3/7] zswap: x", headers=KVACK)  # fmt: skip
        people, _ = run(patch, review)
        reviewer = people["r0@corp0.example"]
        assert reviewer.classification is Classification.PEER, reviewer.reasons
        crowd = tuple(f"p{i}@corp{i}.example" for i in range(11))
        announce = mail("r0@corp0.example", [OWNER], cc=(*crowd, MM), days=5, subject="Re: [PATCH 3/7] zswap: x",
                        reply_to="w1@ada", headers=KVACK)  # fmt: skip
        people, _ = run(announce)  # eleven people besides her: still a mass mail
        assert people["r0@corp0.example"].classification is Classification.CANDIDATE

    def test_a_relationship_only_on_the_lists_gets_no_private_check_in(self) -> None:
        """Two hundred days after their last review on linux-mm: "Catching up, how are things?"
        is not what a maintainer sends a reviewer. The same exchange by private mail is."""
        patch = mail(OWNER, ["akpm@mm.example"], cc=(MM, "rev@corp.example"), days=205,
                     subject="[PATCH 1/2] zswap: x", mid="p9@ada", headers=KVACK)  # fmt: skip
        review = mail("rev@corp.example", [OWNER], cc=(MM,), days=200, reply_to="p9@ada",
                      subject="Re: [PATCH 1/2] zswap: x", headers=KVACK)  # fmt: skip
        people, drafts = run(patch, review)
        assert people["rev@corp.example"].classification is Classification.PEER
        assert drafts == []
        mine = mail(OWNER, ["rev@corp.example"], days=205, subject="zswap", mid="p8@ada")
        theirs = mail("rev@corp.example", [OWNER], days=200, subject="Re: zswap", reply_to="p8@ada")
        _, drafts = run(mine, theirs)
        assert [d.rule for d in drafts] == ["check-in-others"]

    def test_only_the_groups_rewritten_copy_of_her_answer_exists(self) -> None:
        """A lore archive holds one copy per Message-ID: her answer to him is the group's copy,
        its From rewritten to `'Ada Lovelace' via kasan-dev`. It is still her mail: he is a peer
        she answered, not a list poster she owes a reply."""
        question = mail(GROUP, [OWNER], cc=(GROUP,), days=8, mid="k1@arbor",
                        subject="KASAN false positive with zswap?",
                        headers={**GOOGLE_GROUP, "x-original-from": "Paola Siddiqui <paola@arbor.example>",
                                 "reply-to": "Paola Siddiqui <paola@arbor.example>"},
                        names={GROUP: "'Paola Siddiqui' via kasan-dev"})  # fmt: skip
        answer = mail(GROUP, ["paola@arbor.example"], cc=(GROUP,), days=7, reply_to="k1@arbor",
                      subject="Re: KASAN false positive with zswap?",
                      headers={**GOOGLE_GROUP, "x-original-from": f"Ada Lovelace <{OWNER}>",
                               "reply-to": f"Ada Lovelace <{OWNER}>"},
                      names={GROUP: "'Ada Lovelace' via kasan-dev"})  # fmt: skip
        people, drafts = run(question, answer)
        paola = people["paola@arbor.example"]
        assert paola.classification is Classification.PEER, paola.reasons
        assert any("you wrote to them personally 1 time" in r for r in paola.reasons)
        assert people[GROUP].classification is Classification.AUTOMATED
        assert drafts == []


def test_an_email_filed_in_three_folders_is_one_email() -> None:
    """Enron's export files a sent message in `sent`, `_sent_mail` and `all_documents` under three
    Message-IDs: one letter, so "you wrote to them 1 time" and one touch."""
    copies = [
        mail(OWNER, ["lnovak@firstcapital.example"], days=300, subject="FW: Counterparty exposure",
             mid=f"{n}.1075855{n}.JavaMail.evans@thyme")
        for n in (11, 12, 13)
    ]  # fmt: skip
    people, _ = run(*copies)
    novak = people["lnovak@firstcapital.example"]
    assert novak.reasons[0].startswith("you wrote to them personally 1 time(s) on 1 thread")
    history = build_histories([novak], copies, POLICY.owner_addresses)
    assert len(history[novak.key]) == 1
    different = mail(OWNER, ["lnovak@firstcapital.example", "x@firstcapital.example"], days=300,
                     subject="FW: Counterparty exposure", mid="other@thyme")  # fmt: skip
    people, _ = run(*copies, replace_time(different, copies[0]))
    assert people["lnovak@firstcapital.example"].reasons[0].startswith(
        "you wrote to them personally 2 time(s)"
    ), "the same second and subject to other people is another email"


def replace_time(item: StoredInteraction, like: StoredInteraction) -> StoredInteraction:
    from dataclasses import replace

    return replace(item, interaction=replace(item.interaction, occurred_at=like.interaction.occurred_at))


def test_a_calendar_acceptance_is_not_the_person_writing() -> None:
    """`Accepted: Title @ …` is their calendar answering her invitation. Nothing is owed to it,
    and `recent_inbound` (someone just wrote: only a reply now) must not swallow the thank-you
    for the meeting that followed. Someone who only accepted is a person (a candidate), not a
    machine; and a human's "Invitation: keynote at …" (no `@ date`) is still a letter."""
    met = meeting({OWNER: Response.ACCEPTED, "kwame@quayside.example": Response.ACCEPTED},
                  days_ago=0.5, subject="Harbour analytics demo")  # fmt: skip
    accepted = mail("kwame@quayside.example", [OWNER], days=1.5,
                    subject=f"Accepted: Harbour analytics demo @ Fri 20 Nov 2026 10am - 11am (GMT) ({OWNER})",
                    names={"kwame@quayside.example": "Kwame Mensah"})  # fmt: skip
    only = mail("amara@northwind.example", [OWNER], days=1, subject="Accepted: Quarterly review")
    mine = mail(OWNER, ["priya@conf.example"], days=20, subject="Talk", mid="t1@ada")
    theirs = mail("priya@conf.example", [OWNER], days=5, reply_to="t1@ada",
                  subject="Invitation: keynote at LPC 2026", names={"priya@conf.example": "Priya Raman"})  # fmt: skip
    people, drafts = run(met, accepted, only, mine, theirs, now=NOW + timedelta(days=1))
    assert people["kwame@quayside.example"].classification is Classification.PEER
    assert sorted((d.rule, d.to[0]) for d in drafts) == [
        ("new-peer-thank-you", "kwame@quayside.example"),
        ("reply-owed", "priya@conf.example"),
    ]
    amara = people["amara@northwind.example"]
    assert amara.classification is Classification.CANDIDATE, amara.reasons


def test_check_ins_stop_after_two_years_of_silence() -> None:
    """An archive imported today (Enron, 2001) must not propose 'Catching up' to every contact of
    25 years ago; 200 quiet days still get the check-in."""
    def exchange(days: float) -> list[StoredInteraction]:
        mine = mail(OWNER, ["trader@gulf.example"], days=days + 1, subject="Curve update", mid=f"c{days}@ada")
        theirs = mail("trader@gulf.example", [OWNER], days=days, subject="Re: Curve update",
                      reply_to=f"c{days}@ada", names={"trader@gulf.example": "Elif Lindqvist"})  # fmt: skip
        return [mine, theirs]

    _, recent = run(*exchange(200))
    assert [d.rule for d in recent] == ["check-in-others"]
    _, ancient = run(*exchange(25 * 365))
    assert ancient == []


def test_exchange_mail_with_x_auto_response_suppress_is_a_person_writing() -> None:
    """Exchange stamps `X-Auto-Response-Suppress: All` on people's ordinary mail (it asks other
    servers not to auto-reply). Her sent mail and their answer both carry it: still a real
    exchange, and the answer is owed a reply. Her calendar's own `Accepted: …` is not her
    writing: it makes nobody a peer and is never nudged."""
    outlook = {"x-auto-response-suppress": "All", "content-type": "multipart/alternative"}
    mine = mail(OWNER, ["amara@northwind.example"], days=12, subject="Quarterly numbers",
                mid="o1@ada", headers=outlook)  # fmt: skip
    theirs = mail("amara@northwind.example", [OWNER], days=6, reply_to="o1@ada",
                  subject="RE: Quarterly numbers", headers=outlook,
                  names={"amara@northwind.example": "Okafor, Amara"})  # fmt: skip
    accepted = mail(OWNER, ["cto@other.example"], days=8, subject="Accepted: Architecture review",
                    headers=outlook)  # fmt: skip
    people, drafts = run(mine, theirs, accepted)
    amara = people["amara@northwind.example"]
    assert amara.classification is Classification.PEER, amara.reasons
    assert any("they replied to your email" in r for r in amara.reasons)
    assert people["cto@other.example"].classification is Classification.CANDIDATE
    assert [(d.rule, d.to[0], d.subject) for d in drafts] == [
        ("reply-owed", "amara@northwind.example", "RE: Quarterly numbers")
    ]
