"""keepwarm's one exception tree. Anything a user or a provider can cause is a `KeepwarmError`.

    KeepwarmError
    ├── ConfigError          bad or missing settings (file, key, what is expected)
    ├── RuleError            a rule file is invalid (file:line: message)
    │   └── TemplateError    a draft template does not parse or render
    ├── InvalidTransition    a queue action the draft's state does not allow
    │   └── UnfinishedDraft  approving a draft that still has a [[placeholder]]
    ├── NotFound             an id or address that is not in the store
    ├── StoreError           the database cannot be used (newer, locked, read-only, damaged, unreachable)
    └── ConnectorError       raised by connectors only; carries the account name
        ├── AuthError        the grant is missing, expired or revoked: the user must act
        ├── CursorExpired    the provider rejected the sync cursor: do a full sync
        ├── RateLimited      slow down; `retry_after` seconds when the provider said
        ├── TransientError   5xx, time-outs, resets: safe to retry a read
        └── PermanentError   anything else the provider refused

Connectors translate library errors into these exactly once, at their boundary.
"""

from __future__ import annotations


class KeepwarmError(Exception):
    """Base of every error a user can cause or fix."""


class ConfigError(KeepwarmError):
    pass


class RuleError(KeepwarmError):
    pass


class TemplateError(RuleError):
    pass


class InvalidTransition(KeepwarmError):
    pass


class UnfinishedDraft(InvalidTransition):
    """A draft with a `[[placeholder]]` left in it: fill it in, then approve."""


class NotFound(KeepwarmError):
    pass


class StoreError(KeepwarmError):
    """The database cannot be used as it is; the message says which database and the fix."""


class ConnectorError(KeepwarmError):
    def __init__(self, message: str, *, account: str = "") -> None:
        super().__init__(message)
        self.account = account


class AuthError(ConnectorError):
    pass


class CursorExpired(ConnectorError):
    pass


class RateLimited(ConnectorError):
    def __init__(
        self, message: str, *, account: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(message, account=account)
        self.retry_after = retry_after


class TransientError(ConnectorError):
    pass


class PermanentError(ConnectorError):
    pass


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the same read may succeed (used by Prefect retry conditions)."""
    return isinstance(exc, RateLimited | TransientError)
