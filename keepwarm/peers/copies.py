"""One email filed several times is one email.

Archive exports file the same message in several folders under *different* Message-IDs (the
Enron corpus holds a sent message in `sent`, `_sent_mail` and `all_documents`), so the store,
which keys by Message-ID, keeps every copy. Copies agree on sender, send time, subject and
every participant; detection and the rule histories count one of them — the one with the
smallest interaction id, so the choice never depends on the order the copies arrive in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from keepwarm.models import Kind, Participant, StoredInteraction


def repeats(items: Iterable[StoredInteraction]) -> set[int]:
    """Ids of the emails that are copies of another one in `items` (each group keeps one).

    The cheap key (time, subject, sender) rarely repeats; only then are the participant lists
    compared, so a mail merge sent in one second to different people stays distinct.
    """
    seen: dict[tuple[datetime, str, str], list[tuple[tuple[Participant, ...], int]]] = {}
    copies: set[int] = set()
    for stored in items:
        item = stored.interaction
        if item.kind is not Kind.EMAIL or not item.participants:
            continue
        key = (item.occurred_at, item.subject, item.participants[0].address)
        found = seen.get(key)
        if found is None:
            seen[key] = [(item.participants, stored.id)]
            continue
        for index, (people, kept) in enumerate(found):
            if people == item.participants:
                copies.add(max(kept, stored.id))
                found[index] = (people, min(kept, stored.id))
                break
        else:
            found.append((item.participants, stored.id))
    return copies
