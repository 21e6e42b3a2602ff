"""One email filed several times is one email.

Archive exports file the same message in several folders under *different* Message-IDs (the
Enron corpus holds a sent message in `sent`, `_sent_mail` and `all_documents`), so the store,
which keys by Message-ID, keeps every copy. Copies agree on sender, send time, subject and
every participant; detection and the rule histories count the first and skip the others.
"""

from __future__ import annotations

from datetime import datetime

from keepwarm.models import Interaction, Kind, Participant


class Copies:
    """Remembers the emails seen so far; `repeat` says whether one is a copy of an earlier one."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        #: (send time, subject, sender) → the participant lists seen with it (usually one).
        self._seen: dict[tuple[datetime, str, str], list[tuple[Participant, ...]]] = {}

    def repeat(self, item: Interaction) -> bool:
        """True when an email with the same sender, time, subject and participants was seen.

        The cheap key (time, subject, sender) rarely repeats; only then are the participant
        lists compared, so a mail merge sent in one second to different people stays distinct.
        """
        if item.kind is not Kind.EMAIL or not item.participants:
            return False
        key = (item.occurred_at, item.subject, item.participants[0].address)
        found = self._seen.get(key)
        if found is None:
            self._seen[key] = [item.participants]
            return False
        people = item.participants
        if any(people == other for other in found):
            return True
        found.append(people)
        return False
