"""Parsing a batch of messages: what a parsing worker does, and what the caller does itself
for small reads. Failures become values (a quarantine reason, an OSError), never exceptions."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from connectors.files.mailparse import Unusable, parse_header_block
from keepwarm.models import Interaction, Kind, Participant, Response, Role

#: One parsed message: the interaction, or the reason it is quarantined.
Parsed = Interaction | str


def parse_blocks(blocks: list[tuple[bytes, str, bytes]]) -> list[Parsed]:
    """Parse (header block, source, body start) triples."""
    out: list[Parsed] = []
    for block, source, body in blocks:
        try:
            out.append(parse_header_block(block, source, body))
        except Unusable as exc:
            out.append(str(exc))
    return out


def read_and_parse(files: list[tuple[Path, str, bool]]) -> list[Parsed | OSError]:
    """Read each message file's header block (and body start, when wanted) and parse it."""
    from connectors.files.maildir import read_header

    out: list[Parsed | OSError] = []
    for path, source, with_body in files:
        try:
            block, body = read_header(path, body=with_body)
        except OSError as exc:
            out.append(exc)
            continue
        try:
            out.append(parse_header_block(block, source, body))
        except Unusable as exc:
            out.append(str(exc))
    return out


def parse_blocks_packed(blocks: list[tuple[bytes, str, bytes]]) -> list[Any]:
    """`parse_blocks` as a worker answers it (`pack`ed)."""
    return pack(parse_blocks(blocks))


def read_and_parse_packed(files: list[tuple[Path, str, bool]]) -> list[Any]:
    """`read_and_parse` as a worker answers it (`pack`ed)."""
    return pack(read_and_parse(files))


# --- compact transfer between processes -------------------------------------------------------
# Pickling frozen dataclasses runs `dataclasses.fields` per object on the receiving side (it
# cost a third of a cold import's main-process time); plain tuples of plain values do not.

_FIELDS = tuple(f.name for f in dataclasses.fields(Interaction))
_KIND, _PARTICIPANTS = _FIELDS.index("kind"), _FIELDS.index("participants")
_KINDS = {k.value: k for k in Kind}
_ROLES = {r.value: r for r in Role}
_RESPONSES: dict[str | None, Response | None] = {r.value: r for r in Response} | {None: None}


def pack(results: list[Any]) -> list[Any]:
    """Interactions as tuples of plain values (anything else unchanged)."""
    out: list[Any] = []
    for result in results:
        if isinstance(result, Interaction):
            values = [getattr(result, name) for name in _FIELDS]
            values[_KIND] = result.kind.value
            values[_PARTICIPANTS] = tuple(
                (
                    p.address,
                    p.role.value,
                    p.name,
                    p.response.value if p.response else None,
                    p.is_resource,
                )
                for p in result.participants
            )
            out.append(tuple(values))
        else:
            out.append(result)
    return out


def unpack(packed: list[Any]) -> list[Any]:
    """What `pack` packed, with equal participants shared."""
    shared: dict[tuple[Any, ...], Participant] = {}
    out: list[Any] = []
    for value in packed:
        if not isinstance(value, tuple):
            out.append(value)
            continue
        fields = list(value)
        fields[_KIND] = _KINDS[fields[_KIND]]
        people = []
        for entry in fields[_PARTICIPANTS]:
            participant = shared.get(entry)
            if participant is None:
                address, role, name, response, resource = entry
                participant = shared[entry] = Participant(
                    address, _ROLES[role], name, _RESPONSES[response], resource
                )
            people.append(participant)
        fields[_PARTICIPANTS] = tuple(people)
        out.append(Interaction(*fields))
    return out
