"""A kernel maintainer's mail as a public-inbox (lore) mbox, plus her small private mailbox.

Mira Kowalczyk maintains a memory-management driver. She posts patch series with cover
letters (`[PATCH v3 06/21]`), reviews other people's series, gets kernel test robot and syzbot
reports, sends a pull request, and talks privately with a handful of people. Most addresses in
the archive are list posters she never exchanged a word with; a few dozen are real two-way
correspondents. Every message is the copy one list delivered (vger, kvack, lists.linux.dev,
infradead Mailman, Google Groups with DMARC rewrites), as lore stores it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

from tests.realistic import lists as L
from tests.realistic.cast import Cast
from tests.realistic.lists import MailingList
from tests.realistic.mailfile import Addr, Mail, write_mboxrd
from tests.realistic.truth import Truth

OWNER: Addr = ("Mira Kowalczyk", "mira.kowalczyk@corvid.example")
#: Her maintainer address: pull requests and some reviews go out from it.
ALIAS: Addr = ("Mira Kowalczyk", "mkowalczyk@kernel.example")
OWNER_DOMAIN = "corvid.example"
NOW = datetime(2026, 3, 18, 16, 0, tzinfo=UTC)  # a Wednesday
ROBOT: Addr = ("kernel test robot", "lkp@intel.com")
PR_BOT: Addr = ("", "pr-tracker-bot@kernel.org")
PATCHWORK: Addr = ("", "patchwork-bot+netdevbpf@kernel.org")
LKFT: Addr = ("Linux Kernel Functional Testing", "lkft@linaro.org")
ORGS = ["cloudcore.example", "silica.example", "penguinworks.example", "fennec.example",
        "arbor.example", "hyperion-chips.example", "ubique.example", "kernel.example",
        "bigsearch.example", "oraclenet.example", "tu-vienna.example", "rivet.example"]  # fmt: skip
TOPICS = ["zswap: {}", "zsmalloc: {}", "mm/zpool: {}", "mm: swap: {}", "mm/page_alloc: {}",
          "mm/memcg: {}", "mm/vmscan: {}", "mm/shmem: {}", "mm/compaction: {}"]  # fmt: skip
WHAT = ["fix use-after-free in writeback", "avoid lock contention on the tree", "add per-cgroup limits",
        "remove dead code", "convert to folios", "track same-filled pages", "fix race with swapoff",
        "document the shrinker", "reduce memory overhead of entries", "split the LRU",
        "handle -ENOMEM in store", "add tracepoints", "fix accounting on migration",
        "make the pool size tunable", "use xarray for the tree", "skip empty partitions",
        "simplify the error path", "fix build with CONFIG_SWAP=n", "drop the global lock",
        "fix warning on 32-bit"]  # fmt: skip
REVIEW_TEXT = ["Reviewed-by: {n} <{a}>", "Acked-by: {n} <{a}>",
               "I think this breaks when the entry is already invalidated; can you double check?",
               "Nit: please keep the locking comment. Otherwise looks good.",
               "Tested-by: {n} <{a}>", "Why not do this in the caller instead?"]  # fmt: skip


@dataclass
class World:
    rng: random.Random
    truth: Truth
    lore: list[Mail] = field(default_factory=list)
    private: list[Mail] = field(default_factory=list)
    seq: int = 0

    def mid(self, sender: Addr, at: datetime, style: str = "git") -> str:
        self.seq += 1
        local, _, host = sender[1].partition("@")
        if style == "git":
            return f"{at:%Y%m%d%H%M%S}.{4000 + self.seq}-{self.seq % 9 + 1}-{local}@{host}"
        if style == "lkp":
            return f"{at:%Y%m%d%H%M}.{self.seq:08X}-lkp@intel.com"
        if style == "mutt":
            return f"{self.rng.getrandbits(64):016x}{self.seq:x}@{host}"
        return f"{self.rng.getrandbits(48):012x}.{self.seq}@{host}"

    def post(
        self,
        sender: Addr,
        to: list[Addr],
        cc: list[Addr],
        subject: str,
        at: datetime,
        *,
        reply_to: Mail | None = None,
        via: MailingList | None = None,
        body: str = "",
        style: str = "mutt",
        extra: list[tuple[str, str]] | None = None,
    ) -> Mail:
        """One list message, as the copy of `via` (else a list it was addressed to) lore keeps."""
        zone = timezone(timedelta(hours=self.rng.choice([-8, -5, 0, 1, 2, 8, 9])))
        mail = Mail(
            sender, list(to), subject, at, self.mid(sender, at, style), cc=list(cc),
            in_reply_to=reply_to.message_id if reply_to else None,
            references=[*reply_to.references, reply_to.message_id] if reply_to else [],
            body=body or "Thanks,\n" + sender[0].split(" ")[0] + "\n",
            date_text=format_datetime(at.astimezone(zone)),
            headers=list(extra or []),
        )  # fmt: skip
        if style == "git":
            mail.headers.append(("X-Mailer", "git-send-email 2.43.0"))
        listed = [L.BY_ADDRESS[a] for _, a in [*to, *cc] if a in L.BY_ADDRESS]
        copy = via or (listed[0] if listed else None)
        if copy is not None:
            copy.stamp(mail)
            self.lore.append(mail)
        else:
            self.private.append(mail)
        return mail


def _at(rng: random.Random, start: datetime, days: float) -> datetime:
    return start + timedelta(minutes=rng.randint(0, int(days * 24 * 60)))


def build(root: Path, *, seed: int = 7, scale: int = 1) -> Truth:
    """Write `root/lore.mbox.gz` and `root/private.mbox`; returns the truth at `NOW`."""
    rng = random.Random(seed)
    cast = Cast(seed)
    truth = Truth("lkml-maintainer", OWNER[0], [OWNER[1], ALIAS[1]], [OWNER_DOMAIN],
                  "Europe/Warsaw", NOW, [root / "lore.mbox.gz", root / "private.mbox"])  # fmt: skip
    w = World(rng, truth)
    t = truth.add
    t(OWNER[1], "self", "the owner")
    t(ALIAS[1], "self", "the owner's maintainer address")
    for m in L.ALL:
        t(m.address, "list", f"{m.kind} mailing list")
    t(ROBOT[1], "bot", "kernel test robot")
    t(PR_BOT[1], "bot", "pr-tracker-bot")
    t(PATCHWORK[1], "bot", "patchwork bot (+tag)")
    t(LKFT[1], "bot", "LKFT test reports")
    start = NOW - timedelta(days=240)

    def person(domain: str | None = None, style: str = "first.last") -> Addr:
        return cast.person(domain or rng.choice(ORGS), style)

    colleagues = [person(OWNER_DOMAIN) for _ in range(4)]
    for c in colleagues:
        t(c[1], "colleague", "works at the owner's company")
    upstream = person("lf-mm.example", "first")  # takes her patches into the mm tree
    top = person("lf-mm.example", "first")  # receives her pull requests, never writes to her
    stable_maint = person("lf-mm.example", "first")
    reviewers = [person() for _ in range(10 * scale)] + [person("gmail.com") for _ in range(3)]
    contributors = [person() for _ in range(16 * scale)]
    posters = [person(rng.choice([*ORGS, "gmail.com", "kernel.example"])) for _ in range(160 * scale)]
    for p in posters:
        t(p[1], "candidate", "posts to the lists the owner reads")
    t(top[1], "candidate", "only receives her pull requests")
    t(stable_maint[1], "candidate", "sends stable-tree notices she never answers")
    lists_mm = [L.as_addr(L.LINUX_MM), L.as_addr(L.LKML, "LKML")]

    def peer(p: Addr, cause: str, **kw: object) -> None:
        """A peer through list threads only: no private check-in either (kept warm on the list)."""
        kind = "personal-domain" if p[1].endswith("@gmail.com") else "peer"
        t(p[1], kind, cause, **kw)

    # --- her own series: cover letter + patches; reviews, robots, "applied" ------------------
    series_count = 7 * scale
    latest_patch: Mail | None = None
    for s in range(series_count):
        title = rng.choice(TOPICS).format(rng.choice(WHAT))
        size = rng.randint(2, 9)
        chosen = rng.sample(reviewers, 3)
        when = start + timedelta(days=s * (200 / series_count))
        for version in range(1, rng.randint(2, 4)):
            v = f" v{version}" if version > 1 else ""
            cc = [*lists_mm, *chosen, rng.choice(colleagues)]
            if s == 0:  # a cross-subsystem series: three lists and more people in Cc
                cc += [L.as_addr(L.LINUX_DOC), *rng.sample(posters, 3)]
            cover = w.post(OWNER, [upstream], cc, f"[PATCH{v} 0/{size}] {title}", when, style="git",
                           body=f"This series {title.split(': ', 1)[1]}.\n\n" + "\n".join(
                               f"  mm: patch {i}" for i in range(1, size + 1)) + "\n")  # fmt: skip
            patches = [
                w.post(OWNER, [upstream], cc,
                       f"[PATCH{v} {i:0{len(str(size))}d}/{size}] {rng.choice(TOPICS).format(rng.choice(WHAT))}",
                       when + timedelta(seconds=i), reply_to=cover, style="git",
                       body="From 3f2a1c Mon Sep 17 00:00:00 2001\nSigned-off-by: Mira Kowalczyk\n---\n")
                for i in range(1, size + 1)
            ]  # fmt: skip
            latest_patch = patches[-1]
            at = when + timedelta(hours=6)
            for r in rng.sample(chosen, rng.randint(1, 3)):
                target = rng.choice([cover, *patches])
                at += timedelta(hours=rng.randint(2, 30))
                text = rng.choice(REVIEW_TEXT).format(n=r[0], a=r[1])
                reply = w.post(r, [OWNER], [upstream, *cc], "Re: " + target.subject, at,
                               reply_to=target, body=f"On a date, Mira wrote:\n> ...\n\n{text}\n")  # fmt: skip
                peer(r, "replied to her patch, addressed to her")
                if rng.random() < 0.6:
                    at += timedelta(hours=rng.randint(1, 20))
                    w.post(OWNER, [r], [upstream, *cc], "Re: " + target.subject, at, reply_to=reply)
                    if rng.random() < 0.4:  # another reviewer chimes in, answering the reviewer
                        other = rng.choice([x for x in reviewers if x != r])
                        w.post(other, [r], [OWNER, *cc], "Re: " + target.subject,
                               at + timedelta(hours=3), reply_to=reply)  # fmt: skip
                        t(other[1], "candidate", "posts in her threads, never to her")
            if rng.random() < 0.4:
                target = rng.choice(patches)
                w.post(ROBOT, [OWNER], [L.as_addr(L.LLVM), L.as_addr(L.KBUILD_ALL), upstream,
                                        L.as_addr(L.LINUX_MM)],
                       "Re: " + target.subject, at + timedelta(hours=9), reply_to=target,
                       via=L.KBUILD_ALL, style="lkp",
                       body="Hi Mira,\n\nkernel test robot noticed the following build errors:\n")  # fmt: skip
            when = at + timedelta(days=rng.randint(5, 12))
        applied = w.post(upstream, [OWNER], cc, "Re: " + cover.subject, when + timedelta(hours=2),
                         reply_to=cover, body="Thanks, I added this to mm-unstable.\n")  # fmt: skip
        peer(upstream, "takes her series into the mm tree and says so to her")
        w.post(upstream, [L.as_addr(L.MM_COMMITS), OWNER, *chosen],
               [], f"+ {title.replace(' ', '-').replace(':', '')}.patch added to mm-unstable branch",
               applied.date + timedelta(minutes=5), via=L.MM_COMMITS,
               body="The patch titled\n     Subject: " + title + "\nhas been added to the -mm tree.\n")  # fmt: skip

    # --- other people's series sent to her as the maintainer ---------------------------------
    for i, c in enumerate(contributors):
        when = _at(rng, start, 215)
        style = "b4" if i % 5 == 0 else "git"
        sender: Addr = c
        extra: list[tuple[str, str]] = []
        if style == "b4":  # B4 web relay: a relay address in From, the author in X-Original-From
            local = c[1].replace("@", ".")
            sender = (f"{c[0]} via B4 Relay", f"devnull+{local}@kernel.org")
            extra = [("X-Original-From", f"{c[0]} <{c[1]}>"), ("Reply-To", c[1]),
                     ("X-Endpoint-Received", f"by B4 Relay for {c[1]}/20240101 with auth_id=1")]  # fmt: skip
            t("devnull@kernel.org", "relay", "B4 relay sender address")
        title = rng.choice(TOPICS).format(rng.choice(WHAT))
        cc = [*lists_mm, rng.choice(reviewers)]
        patch = w.post(sender, [OWNER, upstream], cc, f"[PATCH] {title}", when, style="git",
                       extra=extra)  # fmt: skip
        if i % 3 == 2:
            t(c[1], "candidate", "sent her a patch she never answered")
            continue
        answer = w.post(ALIAS if i % 4 == 1 else OWNER, [c], [upstream, *cc], "Re: " + patch.subject,
                        when + timedelta(hours=rng.randint(5, 60)), reply_to=patch,
                        body="> +\tspin_lock(&tree->lock);\n\nThis needs the irqsave variant.\n")  # fmt: skip
        peer(c, "she reviewed their patch, answering them in To")
        if rng.random() < 0.7:
            w.post(c, [answer.sender], [upstream, *cc], "Re: " + patch.subject,
                   answer.date + timedelta(hours=rng.randint(3, 40)), reply_to=answer,
                   body="Good catch, v2 coming.\n")  # fmt: skip

    # --- threads she is only copied on, and plain list traffic -------------------------------
    for _ in range(240 * scale):
        author = rng.choice(posters)
        lst = rng.choice([L.LKML, L.LINUX_MM, L.LINUX_DOC, L.ARM_KERNEL, L.NETDEV])
        to = [rng.choice(posters)]
        cc = [L.as_addr(lst)] + ([OWNER] if rng.random() < 0.3 else [])
        root_mail = w.post(author, to, cc, f"[PATCH] {rng.choice(TOPICS).format(rng.choice(WHAT))}",
                           _at(rng, start, 235), via=lst, style="git")  # fmt: skip
        prev = root_mail
        for _ in range(rng.randint(0, 4)):
            who = rng.choice(posters)
            prev = w.post(who, [prev.sender], [*prev.to, *prev.cc], "Re: " + root_mail.subject,
                          prev.date + timedelta(hours=rng.randint(1, 48)), reply_to=prev, via=lst)  # fmt: skip

    # --- syzbot: a report to her, her test request, syzbot's answer ---------------------------
    hexid = "".join(rng.choice("0123456789abcdef") for _ in range(20))
    syz: Addr = ("syzbot", f"syzbot+{hexid}@syzkaller.appspotmail.com")
    t("syzbot@syzkaller.appspotmail.com", "bot", "syzbot (+hash)")
    t(syz[1], "bot", "syzbot (+hash)")
    report = w.post(syz, [OWNER, upstream], [*lists_mm, L.as_addr(L.SYZKALLER_BUGS)],
                    "[syzbot] [mm?] KASAN: slab-use-after-free Read in zswap_load",
                    NOW - timedelta(days=40), via=L.SYZKALLER_BUGS)  # fmt: skip
    test = w.post(OWNER, [syz], [upstream, *lists_mm, L.as_addr(L.SYZKALLER_BUGS)],
                  "Re: " + report.subject, report.date + timedelta(hours=20), reply_to=report,
                  body="#syz test: git://git.corvid.example/zswap.git fixes\n")  # fmt: skip
    w.post(syz, [OWNER], [upstream, *lists_mm, L.as_addr(L.SYZKALLER_BUGS)],
           "Re: " + report.subject, test.date + timedelta(hours=1), reply_to=test,
           via=L.SYZKALLER_BUGS, body="Hello,\n\nsyzbot has tested the proposed patch.\n")  # fmt: skip

    # --- a netdev patch; patchwork's bot says it was applied -----------------------------------
    net_maint = person("netdev.example", "first")
    t(net_maint[1], "candidate", "netdev maintainer she wrote one list patch to")
    np = w.post(OWNER, [net_maint], [L.as_addr(L.NETDEV), L.as_addr(L.LKML)],
                "[PATCH net-next] net: page_pool: use zswap hint", NOW - timedelta(days=70),
                style="git", via=L.NETDEV)  # fmt: skip
    w.post(PATCHWORK, [OWNER], [net_maint, L.as_addr(L.NETDEV)], "Re: " + np.subject,
           np.date + timedelta(days=2), reply_to=np, via=L.NETDEV,
           body="Hello:\n\nThis patch was applied to netdev/net-next.git (main)\n")  # fmt: skip

    # --- a pull request and the tracker bot ---------------------------------------------------
    pull = w.post(ALIAS, [top], [upstream, L.as_addr(L.LKML), L.as_addr(L.LINUX_MM)],
                  "[GIT PULL] zswap updates for v7.1", NOW - timedelta(days=30), via=L.LKML)  # fmt: skip
    w.post(PR_BOT, [ALIAS], [top, upstream, L.as_addr(L.LKML), L.as_addr(L.LINUX_MM)],
           "Re: " + pull.subject, pull.date + timedelta(days=3), reply_to=pull, via=L.LKML,
           body="The pull request you sent has been merged into torvalds/linux.git\n")  # fmt: skip

    # --- stable notices (a human's address, automatic text) -----------------------------------
    for k in range(4):
        w.post(stable_maint, [OWNER, upstream], [L.as_addr(L.STABLE_COMMITS)],
               f'Patch "zswap: {WHAT[k]}" has been added to the 6.{6 + k}-stable tree',
               NOW - timedelta(days=90 - 10 * k), via=L.STABLE_COMMITS,
               extra=[("X-stable", "commit"), ("X-Patchwork-Hint", "ignore")])  # fmt: skip
    w.post(LKFT, [L.as_addr(L.STABLE)], [L.as_addr(L.LKML), OWNER],
           "Re: [PATCH 6.6 000/120] 6.6.80-rc1 review", NOW - timedelta(days=25), via=L.STABLE)  # fmt: skip

    # --- Google Groups (kasan-dev): DMARC rewrites, her own post rewritten too -------------------
    googler = cast.person("bigsearch.example", "flast")
    asker = person("arbor.example")
    q = w.post(asker, [OWNER], [L.as_addr(L.KASAN_DEV)], "KASAN false positive with zswap writeback?",
               NOW - timedelta(days=60), via=L.KASAN_DEV)  # fmt: skip
    # She answers him in To; lore only has the group's copy of it, with her From rewritten.
    w.post(OWNER, [asker], [L.as_addr(L.KASAN_DEV), googler], "Re: " + q.subject,
           q.date + timedelta(hours=8), reply_to=q, via=L.KASAN_DEV,
           body="It is a real bug, a fix is on the way.\n")  # fmt: skip
    peer(asker, "asked her on kasan-dev; she answered him in To (only the group's rewritten copy exists)")
    g1 = w.post(googler, [OWNER], [L.as_addr(L.KASAN_DEV)], "Re: " + q.subject,
                q.date + timedelta(hours=20), reply_to=q, via=L.KASAN_DEV)  # fmt: skip
    g2 = w.post(OWNER, [googler], [L.as_addr(L.KASAN_DEV)], "Re: " + q.subject,
                g1.date + timedelta(hours=4), reply_to=g1, via=L.KASAN_DEV)  # fmt: skip
    w.post(googler, [OWNER], [L.as_addr(L.KASAN_DEV)], "Re: " + q.subject,
           g2.date + timedelta(hours=4), reply_to=g2, via=L.KASAN_DEV)  # fmt: skip
    peer(googler, "two-way exchange on kasan-dev (his From rewritten by the group)")

    # --- the last week: list replies that are NOT personal mail owed an answer ---------------
    assert latest_patch is not None
    fresh = person("penguinworks.example")
    recent = w.post(OWNER, [upstream], [L.as_addr(L.LINUX_MM), fresh],
                    "[PATCH v2 1/1] zswap: fix race with swapoff", NOW - timedelta(days=9),
                    style="git", via=L.LINUX_MM)  # fmt: skip
    w.post(fresh, [OWNER], [L.as_addr(L.LINUX_MM)], "Re: " + recent.subject,
           NOW - timedelta(days=6, hours=3), reply_to=recent, via=L.LINUX_MM,
           body="Reviewed-by: " + fresh[0] + f" <{fresh[1]}>\n")  # fmt: skip
    peer(fresh, "Reviewed-by on her patch, through linux-mm: nothing personal is owed")
    newbie = person("rivet.example")
    theirs = w.post(newbie, [OWNER], [L.as_addr(L.LINUX_MM)], "[PATCH] zswap: fix typo in comment",
                    NOW - timedelta(days=10), via=L.LINUX_MM, style="git")  # fmt: skip
    w.post(OWNER, [newbie], [L.as_addr(L.LINUX_MM)], "Re: " + theirs.subject,
           NOW - timedelta(days=8, hours=20), reply_to=theirs, via=L.LINUX_MM,
           body="Please add a Fixes: tag and resend.\n")  # fmt: skip
    peer(newbie, "she reviewed his patch on linux-mm; a review is no personal mail to nudge")

    # --- her private mail (no list in sight) -------------------------------------------------
    organiser = ("Priya Raman", "priya.raman@plumbers-conf.example")
    a1 = w.post(organiser, [OWNER], [], "LPC 2026: memory management microconference",
                NOW - timedelta(days=20), style="other")  # fmt: skip
    a2 = w.post(OWNER, [organiser], [], "Re: LPC 2026: memory management microconference",
                a1.date + timedelta(days=1), reply_to=a1, style="mutt")  # fmt: skip
    a3 = w.post(organiser, [OWNER], [], "Re: LPC 2026: memory management microconference",
                NOW - timedelta(days=6, hours=6), reply_to=a2, style="other",
                body="On Wed, Mar 4, 2026 at 9:12 AM Mira Kowalczyk wrote:\n> Yes, glad to run it.\n\n"
                     "Great! Could you send a title and two lines of abstract by Friday?\n\nPriya\n")  # fmt: skip
    t(organiser[1], "peer", "conference organiser; she wrote last, a question (bottom-posted)",
      wanted="reply-owed", drafts=frozenset({"reply-owed"}), answers=a3.subject,
      quote="Great! Could you send a title and two lines of abstract by Friday?")
    vendor = ("Kenji Watanabe", "kenji.watanabe@silica.example")
    k1 = w.post(OWNER, [vendor], [], "SX-4 compression engine: register documentation",
                NOW - timedelta(days=9, hours=4), style="mutt")  # fmt: skip
    t(vendor[1], "peer", "she asked him for documentation, no answer in 7 working days",
      wanted="no-reply-nudge", drafts=frozenset({"no-reply-nudge"}), answers=k1.subject)
    recruiter = ("Hyperion Talent", "talent@hyperion-chips.example")
    w.post(recruiter, [OWNER], [], "Principal engineer role at Hyperion", NOW - timedelta(days=12),
           style="other")  # fmt: skip
    t(recruiter[1], "role", "recruiting mailbox")
    journalist = ("Tom Becker", "tbecker@weeklynews.example")
    w.post(journalist, [OWNER], [], "Interview about zswap for our weekly edition",
           NOW - timedelta(days=5), style="other")  # fmt: skip
    t(journalist[1], "candidate", "cold email she never answered")
    for c in colleagues[:2]:
        w.post(c, [OWNER], [], "1:1 notes", _at(rng, start, 230), style="other")
    news = ("LPC Program Committee", "noreply@plumbers-conf.example")
    w.post(news, [OWNER], [], "Call for proposals closes soon", NOW - timedelta(days=15),
           style="other", extra=[("List-Unsubscribe", "<https://plumbers-conf.example/unsub>"),
                                 ("Precedence", "bulk")])  # fmt: skip
    t(news[1], "newsletter", "conference newsletter")

    w.lore.sort(key=lambda m: m.date)
    truth.messages = write_mboxrd(root / "lore.mbox.gz", w.lore)  # as lore serves it
    truth.messages += write_mboxrd(root / "private.mbox", w.private)
    return truth
