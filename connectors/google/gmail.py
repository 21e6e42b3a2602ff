"""Gmail sync: a full sync by `messages.list` + batched `messages.get`, then `history.list`.

Full sync: the mailbox `historyId` is read first (in one batch with `sendAs`), then each list
page of ≤ 500 ids is fetched in batches of ≤ 50 metadata requests and yielded as one page. The
last page stores that historyId; later runs ask `history.list` for `messageAdded` only. A
rejected historyId (404) falls back to a full sync; upserts by message id keep it duplicate-free.

The owner's addresses come from `settings.sendAs.list` when the grant allows it. With
`search_filters = false` the grant is gmail.metadata + gmail.compose, and sendAs.list needs
gmail.readonly, gmail.modify or gmail.settings.basic (its scopes in the discovery document): it
would answer 403 on every run. Then `users.getProfile` (allowed with gmail.metadata) gives the
primary address; aliases come from `owner.addresses`. Asking for gmail.settings.basic instead
would grant keepwarm the right to change the user's settings and filters, so it is not asked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from googleapiclient.errors import HttpError

from connectors.google import errors, mapping
from connectors.google.client import GoogleClient
from connectors.google.errors import translate
from connectors.google.quota import GMAIL_COSTS
from keepwarm.errors import CursorExpired, PermanentError, RateLimited, TransientError
from keepwarm.models import Interaction, Quarantined
from keepwarm.ports import Cursor, Page

STREAM = "gmail"
LIST_PAGE = 500
BATCH_SIZE = 50


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class GmailSync:
    """Pulls one mailbox. `search_filters` says whether the grant allows the `q` parameter."""

    def __init__(
        self, client: GoogleClient, *, search_filters: bool, snippets: bool = False
    ) -> None:
        self.client = client
        self.search_filters = search_filters
        #: Keep Gmail's `snippet` (it comes with every message; kept only when allowed).
        self.snippets = snippets
        self.send_as: set[str] | None = None
        self.fetched = 0

    @property
    def _users(self) -> Any:
        return self.client.gmail.users()

    # --- owner addresses ---------------------------------------------------------------------

    def owner_addresses(self) -> set[str]:
        """Send-as addresses (search grant), else the profile's primary address."""
        if self.send_as is None:
            if self.search_filters:
                found = self.client.call(
                    self._users.settings().sendAs().list(userId="me").execute,
                    doing="reading send-as addresses",
                    cost=GMAIL_COSTS["settings.sendAs.list"],
                )
                self.send_as = _send_as(found)
            else:
                self.send_as = _profile_address(self._profile())
        return set(self.send_as)

    def _profile(self) -> dict[str, Any]:
        found: dict[str, Any] = self.client.call(
            self._users.getProfile(userId="me").execute,
            doing="reading the mailbox profile",
            cost=GMAIL_COSTS["getProfile"],
        )
        return found

    # --- pull ---------------------------------------------------------------------------------

    def pull(self, cursor: Cursor | None) -> Iterator[Page]:
        if cursor and cursor.get("phase") == "incremental" and cursor.get("history_id"):
            try:
                yield from self._incremental(cursor)
                return
            except CursorExpired:
                pass  # the historyId is too old: a full sync, without duplicates (upserts)
        resume = cursor if cursor and cursor.get("phase") == "full" else None
        if resume is not None:
            try:
                yield from self._full(resume)
                return
            except CursorExpired:
                pass  # the saved page token was refused (400): list again from the start
        yield from self._full(None)

    def _full(self, resume: Cursor | None) -> Iterator[Page]:
        if resume and resume.get("history_id"):
            history_id, token = str(resume["history_id"]), resume.get("page_token")
        else:
            history_id, token = self._start(), None
        while True:
            params: dict[str, Any] = {"userId": "me", "maxResults": LIST_PAGE}
            if self.search_filters:
                params["q"] = mapping.BULK_QUERY
            if token:
                params["pageToken"] = token
            listed = self.client.call(
                self._users.messages().list(**params).execute,
                doing="listing messages" + (f" {errors.FROM_PAGE_TOKEN}" if token else ""),
                cost=GMAIL_COSTS["messages.list"],
            )
            ids = [str(m["id"]) for m in listed.get("messages") or []]
            interactions, quarantined = self.fetch(ids)
            token = listed.get("nextPageToken")
            cursor: Cursor = (
                {"phase": "full", "history_id": history_id, "page_token": token}
                if token
                else {"phase": "incremental", "history_id": history_id}
            )
            yield Page(
                STREAM,
                interactions,
                quarantined,
                cursor,
                {"mode": "full", "listed": len(ids), "history_id": history_id},
            )
            if not token:
                return

    def _start(self) -> str:
        """The mailbox historyId before listing (so nothing arriving meanwhile is missed), and
        the send-as addresses, in one HTTP request (the profile alone with a metadata grant)."""
        if not self.search_filters:
            profile = self._profile()
            self.send_as = _profile_address(profile)
            return str(profile["historyId"])
        found: dict[str, Any] = {}
        errors: list[HttpError] = []

        def done(request_id: str, response: Any, exception: HttpError | None) -> None:
            if exception is not None:
                errors.append(exception)
            else:
                found[request_id] = response

        def run() -> None:
            found.clear()
            errors.clear()
            batch = self.client.new_batch(done)
            batch.add(self._users.getProfile(userId="me"), request_id="profile")
            batch.add(self._users.settings().sendAs().list(userId="me"), request_id="sendas")
            batch.execute()
            if errors:
                raise errors[0]

        self.client.call(
            run,
            doing="reading the mailbox profile",
            cost=GMAIL_COSTS["getProfile"] + GMAIL_COSTS["settings.sendAs.list"],
        )
        self.send_as = _send_as(found["sendas"])
        return str(found["profile"]["historyId"])

    def _incremental(self, cursor: Cursor) -> Iterator[Page]:
        start = str(cursor["history_id"])
        token = cursor.get("page_token")
        while True:
            params: dict[str, Any] = {
                "userId": "me",
                "startHistoryId": start,
                "historyTypes": "messageAdded",
                "maxResults": LIST_PAGE,
            }
            if token:
                params["pageToken"] = token
            found = self.client.call(
                self._users.history().list(**params).execute,
                doing="reading mailbox history",
                cost=GMAIL_COSTS["history.list"],
            )
            ids: list[str] = []
            seen: set[str] = set()
            for record in found.get("history") or []:
                for added in record.get("messagesAdded") or []:
                    msg = added.get("message") or {}
                    ident = str(msg.get("id", ""))
                    labels = msg.get("labelIds") or []
                    if ident and ident not in seen:
                        seen.add(ident)
                        if not mapping.skip_message(labels, skip_bulk=self.search_filters):
                            ids.append(ident)
            interactions, quarantined = self.fetch(ids)
            token = found.get("nextPageToken")
            cursor = (
                {"phase": "incremental", "history_id": start, "page_token": token}
                if token
                else {"phase": "incremental", "history_id": str(found.get("historyId") or start)}
            )
            yield Page(
                STREAM,
                interactions,
                quarantined,
                cursor,
                {"mode": "incremental", "added": len(ids), "history_id": cursor["history_id"]},
            )
            if not token:
                return

    # --- metadata batches ---------------------------------------------------------------------

    def fetch(self, ids: Sequence[str]) -> tuple[tuple[Interaction, ...], tuple[Quarantined, ...]]:
        """Metadata of `ids` in batches of ≤ 50. Failed parts are retried on their own (429,
        5xx), skipped (404: deleted meanwhile) or quarantined (anything else)."""
        resources: dict[str, dict[str, Any]] = {}
        quarantined: list[Quarantined] = []
        pending = list(ids)
        retrier = self.client.retrier
        for attempt in range(retrier.attempts):
            failed: dict[str, HttpError] = {}
            for chunk in _chunks(pending, BATCH_SIZE):
                failed.update(self._batch(chunk, resources))
            pending = []
            retry_error: RateLimited | TransientError | None = None
            for ident, exc in failed.items():
                error = translate(
                    exc,
                    account=self.client.account,
                    doing=f"reading message {ident}",
                    now=retrier.now(),
                )
                status = getattr(exc.resp, "status", 0)
                if status == 404:
                    continue
                if isinstance(error, RateLimited | TransientError):
                    pending.append(ident)
                    retry_error = retry_error or error
                else:
                    quarantined.append(Quarantined("gmail", f"message {ident}", str(error)))
            if not pending:
                break
            assert retry_error is not None
            if retrier.gives_up(attempt, retry_error):
                raise retry_error
            retrier.retries += 1
            retrier.sleep(retrier.delay(attempt, retry_error))
        interactions: list[Interaction] = []
        for ident in ids:
            resource = resources.get(ident)
            if resource is None:
                continue
            if mapping.skip_message(resource.get("labelIds") or [], skip_bulk=self.search_filters):
                continue
            try:
                interactions.append(mapping.message(resource, snippets=self.snippets))
            except mapping.Unusable as exc:
                quarantined.append(Quarantined("gmail", f"message {ident}", str(exc)))
        self.fetched += len(interactions)
        return tuple(interactions), tuple(quarantined)

    def _batch(
        self, chunk: Sequence[str], resources: dict[str, dict[str, Any]]
    ) -> dict[str, HttpError]:
        failed: dict[str, HttpError] = {}

        def done(request_id: str, response: Any, exception: HttpError | None) -> None:
            if exception is not None:
                failed[request_id] = exception
            else:
                failed.pop(request_id, None)
                resources[request_id] = response

        def run() -> None:
            failed.clear()
            batch = self.client.new_batch(done)
            messages = self._users.messages()
            for ident in chunk:
                batch.add(
                    messages.get(
                        userId="me",
                        id=ident,
                        format="metadata",
                        metadataHeaders=list(mapping.METADATA_HEADERS),
                    ),
                    request_id=ident,
                )
            batch.execute()

        self.client.call(
            run, doing="reading message metadata", cost=GMAIL_COSTS["messages.get"] * len(chunk)
        )
        return dict(failed)


def _profile_address(profile: Mapping[str, Any]) -> set[str]:
    address = str(profile.get("emailAddress", "")).strip().lower()
    if "@" not in address:
        raise PermanentError("Gmail returned no address in the mailbox profile")
    return {address}


def _send_as(found: Mapping[str, Any]) -> set[str]:
    out: set[str] = set()
    for entry in found.get("sendAs") or []:
        address = str(entry.get("sendAsEmail", "")).strip().lower()
        status = entry.get("verificationStatus", "accepted")
        if "@" in address and (entry.get("isPrimary") or status == "accepted"):
            out.add(address)
    if not out:
        raise PermanentError("Gmail returned no send-as address")
    return out
