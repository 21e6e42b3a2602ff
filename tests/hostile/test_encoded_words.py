"""An encoded word cannot smuggle an address in: addresses come from address syntax only."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.files.headers import parse_addresses
from keepwarm.mailsafety import address_problem
from keepwarm.services.pipeline import detect
from keepwarm.services.sync import sync_account
from keepwarm.store.people import load_people
from tests.connectors.files.builders import mbox, message
from tests.hostile.conftest import hostile_config
from tests.queuedata import open_at

HOSTILE_FROM = [
    "=?UTF-8?Q?Evil=0D=0ABcc:_spy@evil.example?= <crlf@evil5.example>",
    "=?UTF-8?B?RXZpbA0KQmNjOiBzcHlAZXZpbC5leGFtcGxl?= <crlf@evil5.example>",
    "=?UTF-8?Q?a=3A_spy@evil.example=2C?= <crlf@evil5.example>",
    "Evil <crlf@evil5.example>, =?UTF-8?Q?=3Cspy@evil.example=3E?=",
]


@pytest.mark.parametrize("value", HOSTILE_FROM)
def test_an_encoded_word_is_never_an_address(value: str) -> None:
    found = parse_addresses(value)
    assert [address for _, address in found] == ["crlf@evil5.example"]
    assert all("\r" not in name and "\n" not in name for name, _ in found)


@pytest.mark.parametrize(
    "address",
    ["_spy@evil.example?=", "a b@x.example", "a@x", "a@-x.example", "a@x..example",
     "a\x00@x.example", "a@x.example\u2028", "x" * 65 + "@x.example", "a@" + "b" * 256 + ".example"],
)  # fmt: skip
def test_the_shared_validator_refuses(address: str) -> None:
    assert address_problem(address) is not None


def test_no_peer_from_an_encoded_word(tmp_path: Path, database_url: str) -> None:
    mail = tmp_path / "inbox.mbox"
    mail.write_bytes(
        mbox(
            message(sender=sender, message_id=f"<m{i}@evil5.example>")
            for i, sender in enumerate(HOSTILE_FROM)
        )
    )
    ws = open_at(hostile_config(tmp_path / "ws", database_url, mail=[mail]))
    try:
        sync_account(ws, "demo")
        detect(ws)
        with ws.session() as session:
            addresses = {a for _, found in load_people(session, peers_only=False) for a in found}
    finally:
        ws.close()
    assert "crlf@evil5.example" in addresses
    assert not [a for a in addresses if "spy" in a]
