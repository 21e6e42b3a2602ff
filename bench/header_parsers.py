"""Evaluation: keepwarm's header parser against the stdlib and `fast-mail-parser` (Rust).

    python bench/header_parsers.py [--samples /work/shared/samples/mail] [--messages 20000]

1. Agreement, on real mail read at run time (the samples folder, never copied): each parser
   reads every file's header block and the fields keepwarm keeps are compared — sender, To/Cc
   addresses, subject, date (UTC), Message-ID, In-Reply-To. The stdlib's `email` package
   (`BytesHeaderParser`, default policy) is the reference.
2. Speed, on synthetic header blocks shaped like real mail (the pipeline benchmark's
   generator): header blocks per second, single core, for each parser — what a cold import
   spends per message once the mbox is split.

`fast-mail-parser` is optional (not a keepwarm dependency): `pip install fast-mail-parser` to
include it. Exits 1 when keepwarm's parser rejects a sample the stdlib reads (a sender and a
date), or parses fewer than 15,000 blocks/s of CPU (the cold-import target per core, DESIGN.md
§11 — a fixed number, not derived from what is measured). Field differences are printed, not
gated: on raw 8-bit headers the stdlib substitutes U+FFFD where keepwarm decodes Latin-1/GBK.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from connectors.files.maildir import header_of  # noqa: E402
from connectors.files.mailparse import Unusable, parse_header_block  # noqa: E402

TARGET_PER_S = 15_000.0
#: (sender, to, cc, subject, date, message id, in-reply-to); None when the parser gives up.
Fields = tuple[Any, ...] | None


def _ids(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if "<" in value and ">" in value:
        return value[value.index("<") + 1 : value.index(">")]
    return next((t for t in value.split() if "@" in t), None)


def _addresses(values: list[str]) -> tuple[str, ...]:
    return tuple(a.lower() for _, a in getaddresses(values) if "@" in a)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def keepwarm_fields(block: bytes) -> Fields:
    try:
        item = parse_header_block(block, "eval")
    except Unusable:
        return None
    role = {p.address: p.role.value for p in item.participants}
    return (
        item.sender.address if item.sender else None,
        tuple(a for a, r in role.items() if r == "to"),
        tuple(a for a, r in role.items() if r == "cc"),
        " ".join(item.subject.split()),
        item.occurred_at,
        item.message_id,
        item.in_reply_to,
    )


_STDLIB = BytesHeaderParser(policy=policy.default)


def stdlib_fields(block: bytes) -> Fields:
    try:
        msg = _STDLIB.parsebytes(block)
        sender = _addresses([str(v) for v in msg.get_all("from", [])])
        date = _utc(parsedate_to_datetime(str(msg["date"]))) if msg["date"] else None
        if not sender or date is None:
            return None
        return (
            sender[0],
            tuple(dict.fromkeys(_addresses([str(v) for v in msg.get_all("to", [])]))),
            tuple(dict.fromkeys(_addresses([str(v) for v in msg.get_all("cc", [])]))),
            " ".join(str(msg["subject"] or "").split()),
            date,
            _ids(str(msg["message-id"])) if msg["message-id"] else None,
            _ids(str(msg["in-reply-to"])) if msg["in-reply-to"] else None,
        )
    except Exception:  # a stdlib failure is a result here, not a crash
        return None


def fast_fields(parse_email: Callable[[bytes], Any]) -> Callable[[bytes], Fields]:
    def read(block: bytes) -> Fields:
        try:
            mail = parse_email(block)
        except Exception:
            return None
        headers = {k.lower(): v for k, v in mail.headers.items()}

        def first(name: str) -> str | None:
            found = headers.get(name)
            return found[0] if found else None

        sender = _addresses(headers.get("from", []))
        date = None
        with contextlib.suppress(TypeError, ValueError):
            date = _utc(parsedate_to_datetime(first("date") or ""))
        if not sender or date is None:
            return None
        return (
            sender[0],
            tuple(dict.fromkeys(_addresses(headers.get("to", [])))),
            tuple(dict.fromkeys(_addresses(headers.get("cc", [])))),
            " ".join((mail.subject or "").split()),
            date,
            _ids(first("message-id")),
            _ids(first("in-reply-to")),
        )

    return read


def _synthetic_blocks(count: int) -> list[bytes]:
    from synthetic_mailbox import Correspondence, message_times

    mail = Correspondence(random.Random(42))
    blocks = []
    for at in message_times(count, mail.world.rng):
        text = mail.message(at)
        blocks.append(text.partition("\n\n")[0].partition("\n")[2].encode())
    return blocks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=Path("/work/shared/samples/mail"))
    parser.add_argument("--messages", type=int, default=20_000)
    args = parser.parse_args()
    parsers: dict[str, Callable[[bytes], Fields]] = {
        "keepwarm": keepwarm_fields,
        "stdlib": stdlib_fields,
    }
    try:
        from fast_mail_parser import parse_email  # type: ignore[import-not-found]

        parsers["fast-mail-parser"] = fast_fields(parse_email)
    except ImportError:
        print("fast-mail-parser is not installed: `pip install fast-mail-parser` to compare it")
    ok = True
    files = (
        sorted(p for p in args.samples.rglob("*") if p.is_file()) if args.samples.is_dir() else []
    )
    if not files:
        print(f"no sample mail under {args.samples}: agreement not checked")
    else:
        blocks = {p: header_of(p.read_bytes()) for p in files}
        reference = {p: stdlib_fields(b) for p, b in blocks.items()}
        usable = [p for p, r in reference.items() if r is not None]
        print(
            f"agreement with the stdlib on {len(files)} real messages ({len(usable)} with a sender and a date):"
        )
        for name, read in parsers.items():
            if name == "stdlib":
                continue
            differ = [p for p in usable if read(blocks[p]) != reference[p]]
            print(f"  {name:<17} identical on {len(usable) - len(differ)}/{len(usable)}")
            for p in differ[:8]:
                print(
                    f"    {p.relative_to(args.samples)}:\n      {name}: {read(blocks[p])}\n      stdlib: {reference[p]}"
                )
            lost = [p for p in usable if read(blocks[p]) is None]
            if lost:
                print(f"    {name} rejects {len(lost)} message(s) the stdlib reads")
            if name == "keepwarm" and lost:
                ok = False
    synthetic = _synthetic_blocks(args.messages)
    print(f"speed on {len(synthetic):,} synthetic header blocks (one core, CPU time):")
    for name, read in parsers.items():
        count = len(synthetic) if name != "stdlib" else min(len(synthetic), 3000)
        cpu = time.process_time()
        for block in synthetic[:count]:
            read(block)
        rate = count / max(time.process_time() - cpu, 1e-9)
        print(f"  {name:<17} {rate:>10,.0f} blocks/s")
        if name == "keepwarm" and rate < TARGET_PER_S:
            ok = False
    print(
        "kept: keepwarm's own parser (see the figures above); targets "
        + ("met" if ok else "MISSED")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
