"""Tables that let a cycle cost what is new: what changed, and what was folded from the rest.

- `pending_changes`: interactions written since detection last ran (one row per write, so an
  update that lands while detection runs is seen next time);
- `interaction_links`: hashed Message-IDs an interaction provides or refers to, to find the
  interactions a new one may change;
- `list_names`, `known_lists`: the mailing-list addresses the stored mail names (detection must
  know them all when it refolds a few messages);
- `units`: detection's evidence and the rules' touches for one address and bucket (the owner's
  sightings: one day), with the time it may change without new data;
- `unit_members`: which interactions each unit was folded from (address → interactions);
- `address_keys`: every address seen, with its organisation (identity's neighbourhoods);
- `redraft` and `rule_wakeups`: people the rules must look at again, now or at a time;
- `state`: fingerprints and clocks of the last passes.

No foreign keys on the caches: they are rebuilt by a full pass, and a row pointing at nothing
is skipped when read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from keepwarm.store.tables import Base, UTCDateTime


class PendingChange(Base):
    __tablename__ = "pending_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    interaction_id: Mapped[int] = mapped_column(Integer)
    #: When the replaced version happened (updates only): its day and bucket are refolded too.
    old_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InteractionLink(Base):
    __tablename__ = "interaction_links"
    __table_args__ = (Index("ix_interaction_links_interaction_id", "interaction_id"),)

    link: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    #: `keepwarm.incremental.links`: PROVIDES (its Message-ID) or REFERS (In-Reply-To, References).
    kind: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    interaction_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class ListName(Base):
    """A mailing-list address one message names (`keepwarm.peers.lists.named_lists`)."""

    __tablename__ = "list_names"
    __table_args__ = (Index("ix_list_names_interaction_id", "interaction_id"),)

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    interaction_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(500))


class KnownList(Base):
    """A list address and the name its earliest message gave it (kept by detection)."""

    __tablename__ = "known_lists"

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))


class ListChange(Base):
    """An address whose list facts changed at ingest, for detection to look at (one row per
    write: concurrent writers never collide, and a note lands after a pass is seen next)."""

    __tablename__ = "list_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(320))


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (Index("ix_units_due_at", "due_at"),)

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary)
    touches: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: How many touches `touches` holds: a history is read lazily, unit by unit.
    touch_count: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UnitMember(Base):
    __tablename__ = "unit_members"
    __table_args__ = (Index("ix_unit_members_interaction_id", "interaction_id"),)

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    interaction_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class AddressKey(Base):
    __tablename__ = "address_keys"
    __table_args__ = (Index("ix_address_keys_organisation", "organisation"),)

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    organisation: Mapped[str] = mapped_column(String(255))


class Redraft(Base):
    __tablename__ = "redraft"

    person_key: Mapped[str] = mapped_column(String(320), primary_key=True)


class RuleWakeup(Base):
    __tablename__ = "rule_wakeups"
    __table_args__ = (Index("ix_rule_wakeups_due_at", "due_at"),)

    person_key: Mapped[str] = mapped_column(String(320), primary_key=True)
    rule: Mapped[str] = mapped_column(String(200), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StateValue(Base):
    __tablename__ = "state"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
