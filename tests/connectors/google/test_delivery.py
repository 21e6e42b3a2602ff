"""Gmail delivery against a hand-written cassette: a draft in the original thread, found again."""

from __future__ import annotations

import base64
import email
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from connectors.google import GoogleConnector
from keepwarm.models import OutgoingMessage
from keepwarm.ports import Receipt


def spy_bodies(connector: GoogleConnector) -> list[tuple[str, str, Any]]:
    """Records (method, uri, body) of every request the connector's HTTP object sends."""
    seen: list[tuple[str, str, Any]] = []
    http = connector.client.http
    original = http.request

    def request(uri: str, method: str = "GET", body: Any = None, **kwargs: Any) -> Any:
        seen.append((method, uri, body))
        return original(uri, method, body=body, **kwargs)

    http.request = request
    return seen


MESSAGE = OutgoingMessage(
    key="thank-you:grace:42",
    from_address="ada@analytical.example",
    from_name="Ada Lovelace",
    to=("grace.hopper@navylabs.example",),
    subject="Re: Compilers, as promised",
    body="Thank you for Monday, Grace.\n",
    in_reply_to="CAGh0pper-1@mail.navylabs.example",
    references=("CAGh0pper-1@mail.navylabs.example",),
)


def test_reply_becomes_a_draft_in_the_original_thread(
    cassette: Callable[[str], Any], make_connector: Callable[..., GoogleConnector]
) -> None:
    """drafts.create carries threadId, In-Reply-To, References and the X-Keepwarm-Draft key."""
    connector = make_connector()
    bodies = spy_bodies(connector)
    recorded: list[str] = []
    with cassette("draft_in_thread.yaml") as tape:
        receipt = connector.deliver(MESSAGE, send=False, record=recorded.append)
        assert tape.play_count == 3
        found = connector.find_delivered(MESSAGE.key)
        assert tape.play_count == 5 and tape.all_played
    assert recorded == [
        "draft:r-4819283746501928374 message:19a2f3c4d5e6f7a0 thread:19a2f3c4d5e6f701"
    ]
    assert receipt.provider_ref == "draft:r-4819283746501928374" and not receipt.sent
    assert found == receipt
    method, uri, body = bodies[2]
    assert method == "POST" and uri.endswith("/gmail/v1/users/me/drafts?alt=json")
    sent = json.loads(body)["message"]
    assert sent["threadId"] == "19a2f3c4d5e6f701"
    mail = email.message_from_bytes(base64.urlsafe_b64decode(sent["raw"]))
    assert mail["In-Reply-To"] == "<CAGh0pper-1@mail.navylabs.example>"
    assert mail["References"] == "<CAGh0pper-1@mail.navylabs.example>"
    assert mail["X-Keepwarm-Draft"] == MESSAGE.key
    assert mail["Message-ID"] == "<keepwarm.20d26bf38d298cc7cbc9904d9868584f@keepwarm.invalid>"
    assert mail["To"] == "grace.hopper@navylabs.example"


def test_a_known_thread_is_used_without_searching_for_it(
    cassette: Callable[[str], Any], make_connector: Callable[..., GoogleConnector]
) -> None:
    """The threadId stored with the answered message goes into drafts.create: one request less,
    and it works under the `gmail.metadata` grant, which cannot search."""
    connector = make_connector()
    bodies = spy_bodies(connector)
    known = replace(MESSAGE, thread_id="19a2f3c4d5e6f701")
    with cassette("draft_in_known_thread.yaml") as tape:
        connector.deliver(known, send=False)
        assert tape.play_count == 2 and tape.all_played
    assert not any("messages?q=" in uri for _, uri, _ in bodies)
    assert json.loads(bodies[-1][2])["message"]["threadId"] == "19a2f3c4d5e6f701"


def test_a_search_hit_without_our_header_is_never_taken_for_the_delivery(
    cassette: Callable[[str], Any], make_connector: Callable[..., GoogleConnector]
) -> None:
    """Hits for our Message-ID among drafts and sent mail whose X-Keepwarm-Draft is another key
    or missing: the delivery is not found (no false "delivered")."""
    connector = make_connector()
    with cassette("search_hit_not_ours.yaml") as tape:
        assert connector.find_delivered(MESSAGE.key) is None
        assert tape.play_count == 4 and tape.all_played


def test_recorded_ids_find_a_send_whose_message_id_gmail_replaced(
    cassette: Callable[[str], Any], make_connector: Callable[..., GoogleConnector]
) -> None:
    """The ids drafts.create returned settle a lost drafts.send answer without any search: the
    draft is gone, the sent copy has a new id and Message-ID, but sits SENT in the thread."""
    connector = make_connector()
    recorded = "draft:r-4819283746501928374 message:19a2f3c4d5e6f7a0 thread:19a2f3c4d5e6f701"
    with cassette("recorded_sent_in_thread.yaml") as tape:
        found = connector.find_delivered(MESSAGE.key, recorded=recorded)
        assert tape.play_count == 3 and tape.all_played
    assert found == Receipt(provider_ref="message:19a2f3c4d5e6f7d9", sent=True)
