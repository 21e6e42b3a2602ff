"""Pure translation: Graph JSON → interactions, Graph and MSAL errors → keepwarm errors."""

from __future__ import annotations

import json

import httpx
import pytest

from connectors.microsoft import errors, mapping
from keepwarm.errors import AuthError, CursorExpired, PermanentError, RateLimited, TransientError
from keepwarm.models import Participant, Response, Role
from tests.connectors.microsoft.support import event, message


def test_times_with_seven_fraction_digits_and_zones() -> None:
    """Graph's 7-digit fractions parse; a named zone converts to UTC; Windows names fall back to UTC."""
    assert (
        mapping.parse_time("2026-11-10T14:00:00.1234567").isoformat()
        == "2026-11-10T14:00:00.123456+00:00"
    )
    assert mapping.parse_time("2026-07-01T10:00:00", "Europe/London").hour == 9
    assert mapping.parse_time("2026-07-01T10:00:00", "Pacific Standard Time").hour == 10
    with pytest.raises(mapping.Unusable):
        mapping.parse_time("soon")


def test_owner_addresses_from_me() -> None:
    """mail, userPrincipalName and smtp proxies, lower-cased; guest UPNs and X.500 ignored."""
    me = {
        "mail": "Ada@Analytical.example",
        "userPrincipalName": "ada_gmail.com#EXT#@analytical.onmicrosoft.com",
        "proxyAddresses": [
            "SMTP:ada@analytical.example",
            "smtp:a.lovelace@analytical.example",
            "X500:/o=x",
        ],
    }
    assert mapping.owner_addresses(me) == {
        "ada@analytical.example",
        "a.lovelace@analytical.example",
    }


def test_message_without_internet_id_keys_on_the_graph_id() -> None:
    """No internetMessageId → provider id from the immutable Graph id; no time → Unusable."""
    item = message(1)
    del item["internetMessageId"]
    found = mapping.message(item, source="s")
    assert found is not None and found.provider_id == "graph:AAMkAD-1="
    del item["sentDateTime"], item["receivedDateTime"]
    with pytest.raises(mapping.Unusable, match="time"):
        mapping.message(item, source="s")


def test_event_owner_response_and_series() -> None:
    """An occurrence threads on its series; the owner's own response is kept."""
    item = {**event(1), "seriesMasterId": "master", "responseStatus": {"response": "declined"}}
    found = mapping.event(item, source="s")
    assert found.thread_id == "master" and found.headers["x-owner-response"] == "declined"


def test_owner_response_comes_from_response_status() -> None:
    """The owner's decline lives in responseStatus: it becomes the owner's attendee response."""
    item = {**event(1), "responseStatus": {"response": "declined"}}
    item["organizer"] = {"emailAddress": {"address": "alan1@bletchley.example"}}
    item["attendees"] = [
        *item["attendees"],
        {
            "type": "required",
            "status": {"response": "none"},
            "emailAddress": {"address": "ADA@analytical.example"},
        },
    ]
    found = mapping.event(item, source="s", owner=("ada@analytical.example",))
    assert {p.address: p.response for p in found.participants}[
        "ada@analytical.example"
    ] is Response.DECLINED
    via_list = {**event(2), "organizer": {"emailAddress": {"address": "x@y.example"}}}
    via_list["responseStatus"] = {"response": "accepted"}
    added = mapping.event(
        via_list, source="s", owner=("ada@analytical.example", "al@analytical.example")
    )
    assert added.participants[-1] == Participant(
        "ada@analytical.example", Role.ATTENDEE, "", Response.ACCEPTED
    )


def _response(status: int, code: str = "", headers: dict[str, str] | None = None) -> httpx.Response:
    body = json.dumps({"error": {"code": code, "message": "m"}}) if code else "oops"
    return httpx.Response(status, headers=headers or {}, content=body.encode())


@pytest.mark.parametrize(
    ("status", "code", "headers", "kind"),
    [
        (410, "syncStateNotFound", None, CursorExpired),
        (400, "syncStateNotFound", None, CursorExpired),
        (401, "InvalidAuthenticationToken", None, AuthError),
        (403, "ErrorAccessDenied", None, AuthError),
        (429, "ApplicationThrottled", {"Retry-After": "0.75"}, RateLimited),
        (503, "serviceNotAvailable", None, TransientError),
        (504, "", None, TransientError),
        (404, "ErrorItemNotFound", None, PermanentError),
    ],
)
def test_graph_responses_become_keepwarm_errors(
    status: int, code: str, headers: dict[str, str] | None, kind: type[Exception]
) -> None:
    """Each Graph failure maps to exactly one keepwarm error kind."""
    error = errors.from_response(_response(status, code, headers), account="office", what="x")
    assert type(error) is kind and error.account == "office"
    if status == 429:
        assert isinstance(error, RateLimited) and error.retry_after == 0.75


def test_msal_errors() -> None:
    """invalid_grant → re-authorisation with the command; server trouble → transient."""
    revoked = errors.from_msal(
        {
            "error": "invalid_grant",
            "error_description": "AADSTS50173: grant revoked.\r\nTrace ID: x",
        },
        account="office",
    )
    assert isinstance(revoked, AuthError) and "keepwarm auth office" in str(revoked)
    assert "Trace ID" not in str(revoked)
    assert isinstance(
        errors.from_msal({"error": "temporarily_unavailable"}, account="o"), TransientError
    )


def test_body_preview_is_asked_for_and_kept_only_when_snippets_are_allowed() -> None:
    """`$select` gains bodyPreview with `[privacy] snippets`; the preview is cleaned and bounded."""
    assert "bodyPreview" not in mapping.select(headers=True)
    assert mapping.select(headers=True, snippets=True).endswith(",bodyPreview")
    item = {**message(1), "bodyPreview": "Hi Ada, could we meet on Tuesday?\u202e\r\nGrace"}
    kept = mapping.message(item, source="inbox", snippets=True)
    dropped = mapping.message(item, source="inbox")
    assert kept is not None and dropped is not None
    assert kept.snippet == "could we meet on Tuesday?"  # greeting and sign-off dropped
    assert dropped.snippet == ""


def test_a_series_master_is_not_a_meeting_of_its_own() -> None:
    """calendarView/delta may list the master beside its occurrences: one meeting, counted once."""
    master = {**event(1), "type": "seriesMaster"}
    occurrence = {**event(2), "type": "occurrence", "seriesMasterId": master["id"]}
    assert mapping.event(master, source="s") is None
    found = mapping.event(occurrence, source="s")
    assert found is not None and found.thread_id == master["id"]
