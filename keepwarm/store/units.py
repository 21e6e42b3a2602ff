"""Units (an address's evidence and touches for one bucket, the owner's sightings for one day),
the interactions each unit was folded from, and the organisation of every address seen.

Units are detection's and the rules' own objects, stored field by field (whatever fields those
grow) as pickled tuples of plain values, and read back through an unpickler that knows nothing
but dates, so a tampered database cannot make keepwarm run code. A change to those objects
changes the detection code's fingerprint, which refolds everything.
"""

from __future__ import annotations

import bisect
import io
import operator
import pickle
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import datetime
from itertools import accumulate
from typing import Any, overload

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from keepwarm.incremental.buckets import Unit as UnitKey
from keepwarm.peers.evidence import Evidence
from keepwarm.rules.history import Touch, touch_fields
from keepwarm.store.bulk import insert_rows
from keepwarm.store.changetables import AddressKey, Unit, UnitMember

_CHUNK = 400
_SLOTS: tuple[str, ...] = Evidence.__slots__
#: Field values as one tuple, read in C (a full pass encodes every unit).
_evidence_fields = operator.attrgetter(*_SLOTS)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "datetime" and name in ("datetime", "timezone", "timedelta"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected {module}.{name} in a stored unit")


def _load_bytes(data: bytes) -> Any:
    return _Unpickler(io.BytesIO(data)).load()


def encode_evidence(e: Evidence) -> bytes:
    return pickle.dumps(_evidence_fields(e), protocol=pickle.HIGHEST_PROTOCOL)


def decode_evidence(data: bytes) -> Evidence:
    e = Evidence.__new__(Evidence)
    for name, value in zip(_SLOTS, _load_bytes(data), strict=True):
        setattr(e, name, value)
    return e


def encode_touches(touches: list[Touch]) -> bytes:
    return pickle.dumps(list(map(touch_fields, touches)), protocol=pickle.HIGHEST_PROTOCOL)


def decode_touches(data: bytes) -> list[Touch]:
    return [Touch(*row) for row in _load_bytes(data)]


def _chunks(items: Collection[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    ordered = list(items)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


# --- units ----------------------------------------------------------------------------------


def write_units(
    session: Session,
    *,
    evidence: dict[UnitKey, Evidence],
    touches: dict[UnitKey, list[Touch]],
    due: dict[UnitKey, datetime],
    replace: Collection[UnitKey] = (),
) -> None:
    """Store units (overwriting `replace`, which may include units that are now empty)."""
    _delete(session, Unit, replace)
    rows = [
        (
            key,
            bucket,
            encode_evidence(evidence[(key, bucket)]) if (key, bucket) in evidence else None,
            encode_touches(touches[(key, bucket)]) if (key, bucket) in touches else None,
            len(touches.get((key, bucket), ())),
            due.get((key, bucket)),
        )
        for key, bucket in sorted(set(evidence) | set(touches))
    ]
    columns = ("key", "bucket", "evidence", "touches", "touch_count", "due_at")
    insert_rows(session, Unit, rows, columns)


def _by_key(units: Collection[UnitKey]) -> dict[str, list[int]]:
    """Units grouped by address: `key = ? AND bucket IN (...)` uses the primary key's index
    on every database (a row-value IN does not on SQLite)."""
    found: dict[str, list[int]] = {}
    for key, bucket in units:
        found.setdefault(key, []).append(bucket)
    return found


def _delete(session: Session, table: Any, units: Collection[UnitKey]) -> None:
    for key, buckets in _by_key(units).items():
        for chunk in _chunks(buckets):
            session.execute(delete(table).where(table.key == key, table.bucket.in_(chunk)))


def clear(session: Session) -> None:
    """Forget every unit, member and address (before a full pass)."""
    for table in (Unit, UnitMember, AddressKey):
        session.execute(delete(table))


def evidence_of(session: Session, keys: Collection[str]) -> dict[str, list[Evidence]]:
    """Each address's evidence units, oldest first."""
    return _load(session, keys, Unit.evidence, decode_evidence)


def touches_of(session: Session, keys: Collection[str]) -> dict[str, Touches]:
    """Each address's touches, oldest first, decoded only where they are read."""
    found: dict[str, list[tuple[int, bytes]]] = {}
    for chunk in _chunks(keys):
        rows = session.execute(
            select(Unit.key, Unit.touch_count, Unit.touches)
            .where(Unit.key.in_(chunk), Unit.touches.is_not(None))
            .order_by(Unit.key, Unit.bucket)
        )
        for key, count, data in rows:
            if data is not None:
                found.setdefault(key, []).append((count, data))
    return {key: Touches(pieces) for key, pieces in found.items()}


class Touches(Sequence[Touch]):
    """One address's history over its units, decoding a unit only when one of its touches is
    read: the rules mostly look at the last few touches and count the rest."""

    def __init__(self, pieces: list[tuple[int, bytes]]) -> None:
        self._pieces = pieces
        self._starts = list(accumulate((count for count, _ in pieces), initial=0))
        self._decoded: dict[int, list[Touch]] = {}

    def __len__(self) -> int:
        return self._starts[-1]

    def _unit(self, index: int) -> list[Touch]:
        found = self._decoded.get(index)
        if found is None:
            found = self._decoded[index] = decode_touches(self._pieces[index][1])
        return found

    @overload
    def __getitem__(self, index: int) -> Touch: ...

    @overload
    def __getitem__(self, index: slice) -> list[Touch]: ...

    def __getitem__(self, index: int | slice) -> Touch | list[Touch]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        unit = bisect.bisect_right(self._starts, index) - 1
        return self._unit(unit)[index - self._starts[unit]]

    def __iter__(self) -> Iterator[Touch]:
        for unit in range(len(self._pieces)):
            yield from self._unit(unit)

    def __reversed__(self) -> Iterator[Touch]:
        for unit in range(len(self._pieces) - 1, -1, -1):
            yield from reversed(self._unit(unit))


def _load(
    session: Session, keys: Collection[str], column: Any, decode: Callable[[bytes], Any]
) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for chunk in _chunks(keys):
        rows = session.execute(
            select(Unit.key, column)
            .where(Unit.key.in_(chunk), column.is_not(None))
            .order_by(Unit.key, Unit.bucket)
        )
        for key, data in rows:
            found.setdefault(key, []).append(decode(data))
    return found


def due_units(session: Session, *, now: datetime) -> set[UnitKey]:
    rows = session.execute(select(Unit.key, Unit.bucket).where(Unit.due_at <= now))
    return {(key, bucket) for key, bucket in rows}


# --- members: which interactions each unit was folded from ----------------------------------


def write_members(
    session: Session, members: dict[UnitKey, set[int]], *, replace: Collection[UnitKey] = ()
) -> None:
    _delete(session, UnitMember, replace)
    rows = [(key, bucket, iid) for (key, bucket), ids in members.items() for iid in ids]
    insert_rows(session, UnitMember, rows, ("key", "bucket", "interaction_id"))


def members_of(session: Session, units: Collection[UnitKey]) -> set[int]:
    found: set[int] = set()
    for key, buckets in _by_key(units).items():
        for chunk in _chunks(buckets):
            found.update(
                session.scalars(
                    select(UnitMember.interaction_id).where(
                        UnitMember.key == key, UnitMember.bucket.in_(chunk)
                    )
                )
            )
    return found


def key_members(session: Session, keys: Collection[str]) -> set[int]:
    """Every interaction folded into any unit of these addresses."""
    found: set[int] = set()
    for chunk in _chunks(keys):
        found.update(
            session.scalars(select(UnitMember.interaction_id).where(UnitMember.key.in_(chunk)))
        )
    return found


def units_of(session: Session, interaction_ids: Collection[int]) -> set[UnitKey]:
    """The address units these interactions were folded into."""
    found: set[UnitKey] = set()
    for chunk in _chunks(interaction_ids, 900):
        rows = session.execute(
            select(UnitMember.key, UnitMember.bucket).where(UnitMember.interaction_id.in_(chunk))
        )
        found.update((key, bucket) for key, bucket in rows)
    return found


# --- address keys and their organisations ---------------------------------------------------


def add_addresses(session: Session, organisations: dict[str, str]) -> None:
    """Record addresses not seen before (with the organisation identity groups them by)."""
    known: set[str] = set()
    for chunk in _chunks(organisations):
        known.update(session.scalars(select(AddressKey.key).where(AddressKey.key.in_(chunk))))
    rows = [(k, o) for k, o in organisations.items() if k not in known]
    insert_rows(session, AddressKey, rows, ("key", "organisation"))


def org_members(session: Session, organisations: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(set(organisations)):
        found.update(
            session.scalars(select(AddressKey.key).where(AddressKey.organisation.in_(chunk)))
        )
    return found


def all_addresses(session: Session) -> set[str]:
    return set(session.scalars(select(AddressKey.key)))
