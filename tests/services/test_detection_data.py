"""The shipped lists detection reads: a maintained free-mail list, list hosts and relays."""

from __future__ import annotations

from keepwarm.data import list_hosts, personal_domains, relay_hosts
from keepwarm.models import Classification
from keepwarm.peers import DetectionPolicy, detect
from tests.builders import NOW, OWNER, email, meeting


def _policy() -> DetectionPolicy:
    return DetectionPolicy(
        owner_addresses=frozenset({OWNER}),
        personal_domains=personal_domains(),
        lists=tuple(list_hosts()),
        relays=tuple(relay_hosts()),
    )


def test_the_free_mail_list_is_the_maintained_one_and_covers_old_webmail() -> None:
    """Thousands of providers (not a hand list of 40); zdnetonebox.com is webmail (issue #11)."""
    domains = personal_domains()
    assert len(domains) > 4000
    assert {"zdnetonebox.com", "gmail.com", "yahoo.com.mx", "xs4all.nl", "web.de"} <= domains
    assert not {"enron.com", "intel.com", "kernel.org", "example.com"} & domains


def test_webmail_correspondents_are_personal_not_peers() -> None:
    """The only thank-you of the Enron run went to a webmail address: now `personal-domain`."""
    people = {
        p.key: p for p in detect([email(OWNER, ["jenwhite7@zdnetonebox.com"])], _policy(), now=NOW)
    }
    assert people["jenwhite7@zdnetonebox.com"].classification is Classification.PERSONAL_DOMAIN


def test_shipped_list_hosts_and_relays_are_never_peers() -> None:
    """A post to linux-mm@kvack.org or a Groups.io list, an iCloud relay attendee: automated."""
    sent = email(OWNER, ["linux-mm@kvack.org"], days_ago=3)
    io = email(OWNER, ["dev@groups.io"], days_ago=2)
    met = meeting({OWNER: None, "2_abc@imip.me.com": None, "bcrl@kvack.org": None})
    people = {p.key: p for p in detect([sent, io, met], _policy(), now=NOW)}
    assert people["linux-mm@kvack.org"].classification is Classification.AUTOMATED
    assert people["dev@groups.io"].classification is Classification.AUTOMATED
    assert people["2_abc@imip.me.com"].classification is Classification.AUTOMATED
    assert people["bcrl@kvack.org"].classification is Classification.PEER  # a person on kvack.org
