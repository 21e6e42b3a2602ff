"""How real list servers stamp the copies they deliver (and public-inbox archives).

Shapes studied from public archives: vger/subspace (`X-Mailing-List`, `List-Id`, no `List-Post`),
kvack's majordomo (`Sender: owner-linux-mm@…`, `List-ID`), Mailman 2 on infradead
(`List-Post`, `Sender: "x" <x-bounces@…>`), Google Groups (`Mailing-list`, `List-Post` with
`https:` and `mailto:`, DMARC rewrites `'Name' via group <group@googlegroups.com>` with
`X-Original-From`/`Reply-To`). Only the header *shapes* are reproduced.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.realistic.mailfile import Addr, Mail, addr

#: Organisations that publish a strict DMARC policy: Google Groups rewrites their From.
STRICT_DMARC = frozenset({"bigsearch.example", "corvid.example", "oraclenet.example"})


@dataclass(frozen=True)
class MailingList:
    address: str
    kind: str  # vger | kvack | linuxdev | mailman | groups

    @property
    def name(self) -> str:
        return self.address.partition("@")[0]

    @property
    def host(self) -> str:
        return self.address.partition("@")[2]

    def stamp(self, mail: Mail) -> Mail:
        """The copy this list delivers: its headers added, the From rewritten where it does."""
        n, host = self.name, self.host
        if self.kind in ("vger", "linuxdev"):
            mail.headers += [
                ("Precedence", "bulk"),
                ("X-Mailing-List", self.address),
                ("List-Id", f"<{n}.{host}>"),
                ("List-Subscribe", f"<mailto:{n}+subscribe@{host}>"),
                ("List-Unsubscribe", f"<mailto:{n}+unsubscribe@{host}>"),
            ]
        elif self.kind == "kvack":
            mail.leading.insert(0, ("Return-Path", f"<owner-{n}@{host}>"))
            mail.headers += [("Sender", f"owner-{n}@{host}"), ("List-ID", f"<{n}.{host}>")]
        elif self.kind == "mailman":
            mail.headers += [
                ("X-BeenThere", self.address),
                ("X-Mailman-Version", "2.1.34"),
                ("Precedence", "list"),
                ("List-Id", f'"{n} mailing list" <{n}.{host}>'),
                ("List-Unsubscribe", f"<http://{host}/mailman/options/{n}>,\n <mailto:{n}-request@{host}?subject=unsubscribe>"),
                ("List-Post", f"<mailto:{self.address}>"),
                ("Sender", f'"{n}" <{n}-bounces@{host}>'),
                ("Errors-To", f"{n}-bounces+{n}=archiver.example@{host}"),
            ]  # fmt: skip
        elif self.kind == "groups":
            author = mail.sender
            domain = author[1].rpartition("@")[2]
            mail.headers += [
                ("X-Original-Sender", author[1]),
                ("X-Original-From", addr(author)),
                ("Reply-To", addr(author)),
                ("Precedence", "list"),
                ("Mailing-list", f"list {self.address}; contact {n}+owners@{host}"),
                ("List-ID", f"<{n}.{host}>"),
                ("X-Google-Group-Id", "358814495539"),
                ("List-Post", f"<https://groups.google.com/group/{n}/post>, <mailto:{self.address}>"),
                ("List-Help", f"<https://groups.google.com/support/>, <mailto:{n}+help@{host}>"),
                ("List-Unsubscribe", f"<mailto:googlegroups-manage+358814495539+unsubscribe@googlegroups.com>,\n <https://groups.google.com/group/{n}/subscribe>"),
            ]  # fmt: skip
            if domain in STRICT_DMARC:
                mail.sender = (f"'{author[0]}' via {n}" if author[0] else f"'{author[1]}' via {n}",
                               self.address)  # fmt: skip
        return mail


LKML = MailingList("linux-kernel@vger.kernel.org", "vger")
LINUX_MM = MailingList("linux-mm@kvack.org", "kvack")
LINUX_DOC = MailingList("linux-doc@vger.kernel.org", "vger")
NETDEV = MailingList("netdev@vger.kernel.org", "vger")
STABLE = MailingList("stable@vger.kernel.org", "vger")
STABLE_COMMITS = MailingList("stable-commits@vger.kernel.org", "vger")
MM_COMMITS = MailingList("mm-commits@vger.kernel.org", "vger")
KBUILD_ALL = MailingList("oe-kbuild-all@lists.linux.dev", "linuxdev")
LLVM = MailingList("llvm@lists.linux.dev", "linuxdev")
ARM_KERNEL = MailingList("linux-arm-kernel@lists.infradead.org", "mailman")
KASAN_DEV = MailingList("kasan-dev@googlegroups.com", "groups")
SYZKALLER_BUGS = MailingList("syzkaller-bugs@googlegroups.com", "groups")
ALL = (LKML, LINUX_MM, LINUX_DOC, NETDEV, STABLE, STABLE_COMMITS, MM_COMMITS, KBUILD_ALL, LLVM,
       ARM_KERNEL, KASAN_DEV, SYZKALLER_BUGS)  # fmt: skip
BY_ADDRESS = {m.address: m for m in ALL}


def as_addr(mailing_list: MailingList, display: str = "") -> Addr:
    return (display, mailing_list.address)
