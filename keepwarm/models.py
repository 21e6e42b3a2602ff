"""Typed domain objects shared by every layer.

Interactions are metadata only: who, when, direction, thread and the handful of headers that
classification needs. Bodies are never carried. Hot-path records (interactions, participants)
are frozen slotted dataclasses because a sync builds hundreds of thousands of them; values that
users write (owner, policies) are pydantic models so they validate with precise errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Kind(StrEnum):
    EMAIL = "email"
    MEETING = "meeting"


class Role(StrEnum):
    FROM = "from"
    TO = "to"
    CC = "cc"
    BCC = "bcc"
    ORGANIZER = "organizer"
    ATTENDEE = "attendee"


class Response(StrEnum):
    """An attendee's answer to an invitation (iCalendar PARTSTAT, Google/Graph responseStatus)."""

    ACCEPTED = "accepted"
    DECLINED = "declined"
    TENTATIVE = "tentative"
    NEEDS_ACTION = "needs-action"
    #: PARTSTAT=DELEGATED: they passed the invitation to someone else.
    DELEGATED = "delegated"
    #: ROLE=NON-PARTICIPANT: copied for information, not invited to take part.
    NON_PARTICIPANT = "non-participant"


#: Answers of someone who did not take part in a meeting (they were not "met").
NOT_ATTENDING = frozenset({Response.DECLINED, Response.DELEGATED, Response.NON_PARTICIPANT})


class Classification(StrEnum):
    SELF = "self"
    COLLEAGUE = "colleague"
    AUTOMATED = "automated"
    ROLE = "role"
    PERSONAL_DOMAIN = "personal-domain"
    RESOURCE = "resource"
    BLOCKED = "blocked"
    PEER = "peer"
    CANDIDATE = "candidate"


class Stage(StrEnum):
    SEEDED = "seeded"
    WATERED = "watered"
    GROWING = "growing"
    ESTABLISHED = "established"
    DORMANT = "dormant"


class DraftState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DELIVERED = "delivered"
    REJECTED = "rejected"
    SNOOZED = "snoozed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    FAILED = "failed"


#: Headers a connector keeps (lower-cased). Everything else is dropped at the edge.
CLASSIFICATION_HEADERS: frozenset[str] = frozenset(
    {
        "list-id",
        "list-unsubscribe",
        "precedence",
        "auto-submitted",
        "return-path",
        "x-auto-response-suppress",
        "content-type",
        "x-autoreply",
        "x-autorespond",
        "x-failed-recipients",
        # Which mailing list carried a message (its route, not its sender): lists.py.
        "list-post",
        "x-mailing-list",
        "mailing-list",
        # The real sender of list mail whose From was rewritten (DMARC mitigation).
        "reply-to",
        "x-original-from",
        "x-original-sender",
    }
)


@dataclass(frozen=True, slots=True)
class Participant:
    """One address in an interaction. `address` is lower-cased; `name` is the decoded display name."""

    address: str
    role: Role
    name: str = ""
    response: Response | None = None
    is_resource: bool = False


@dataclass(frozen=True, slots=True)
class Interaction:
    """One email or one meeting occurrence, as a connector saw it.

    `provider_id` is unique within an account and stable across syncs (Message-ID, Gmail id,
    iCalendar UID + recurrence id); the store upserts on (account, provider_id).
    All datetimes are timezone-aware UTC.
    """

    provider_id: str
    kind: Kind
    occurred_at: datetime
    participants: tuple[Participant, ...]
    subject: str = ""
    ended_at: datetime | None = None
    thread_id: str | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    cancelled: bool = False
    source: str = ""
    #: Where a meeting takes place, as the calendar says (a room, an address, a link).
    location: str = ""
    #: The first words of the message (`keepwarm.snippets.clean`), only when `[privacy]
    #: snippets` allows it; "" otherwise. Private: shown with a draft, never logged.
    snippet: str = ""

    @property
    def sender(self) -> Participant | None:
        for p in self.participants:
            if p.role in (Role.FROM, Role.ORGANIZER):
                return p
        return None

    def addresses(self, *roles: Role) -> list[str]:
        return [p.address for p in self.participants if not roles or p.role in roles]


@dataclass(frozen=True, slots=True)
class StoredInteraction:
    """An interaction read back from the store, with its database id and account name."""

    id: int
    account: str
    interaction: Interaction


@dataclass(frozen=True, slots=True)
class Quarantined:
    """An input that could not be read: where it is and why, so the user can fix or ignore it."""

    source: str
    position: str
    reason: str


class Owner(BaseModel):
    """The person keepwarm works for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    addresses: list[str] = Field(min_length=1)
    domains: list[str] = Field(default_factory=list)
    timezone: str = "UTC"
    signature: str = ""

    @field_validator("addresses", "domains")
    @classmethod
    def _lower(cls, values: list[str]) -> list[str]:
        return [v.strip().lower() for v in values]


@dataclass(frozen=True, slots=True)
class PersonView:
    """A person as detection sees them: identity, classification with reasons, and history."""

    key: str
    name: str
    addresses: tuple[str, ...]
    classification: Classification
    reasons: tuple[str, ...]
    stage: Stage | None
    first_seen: datetime
    last_seen: datetime
    #: The first interaction that made this person a peer (a meeting or a real exchange).
    planted_by: int | None = None
    planted_at: datetime | None = None
    last_two_way: datetime | None = None
    #: When the owner last wrote to them after `planted_at` (a follow-up already happened).
    followed_up_at: datetime | None = None
    organisation: str = ""
    #: Interactions by kind and direction: `meetings`, `sent`, `received`, `replies`.
    counts: Mapping[str, int] = field(default_factory=dict)
    #: The interactions behind the classification, evidence first (for `keepwarm why`).
    evidence: tuple[int, ...] = ()
    #: Already known before the first sync (the baseline): not a *new* peer.
    known: bool = False
    #: What the owner wrote about them (`keepwarm peers tag`, `keepwarm peers set`).
    tags: frozenset[str] = frozenset()
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProposedDraft:
    """A follow-up that a rule wants to exist; the store makes it a queued draft exactly once."""

    key: str
    rule: str
    person_key: str
    account: str
    to: tuple[str, ...]
    subject: str
    body: str
    reasons: tuple[str, ...]
    interaction_ids: tuple[int, ...]
    due_at: datetime
    expires_at: datetime | None = None
    in_reply_to: str | None = None


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """What a connector delivers: a rendered draft addressed from the owner."""

    key: str
    from_address: str
    from_name: str
    to: tuple[str, ...]
    subject: str
    body: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    #: The provider's thread of the message replied to (Gmail threadId, Graph conversationId).
    thread_id: str | None = None
