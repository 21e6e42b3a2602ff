"""Settings: `keepwarm.toml`, then `.env`, then `KEEPWARM_*` variables (later ones win).

Loaded once by a composition root (CLI, flow, web) with `load_settings` and passed down;
nothing reads settings at import time and the domain never sees them.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from keepwarm.config_errors import describe
from keepwarm.errors import ConfigError
from keepwarm.models import Owner
from keepwarm.redact import redact

CONFIG_ENV = "KEEPWARM_CONFIG"
DEFAULT_CONFIG = Path("keepwarm.toml")


class _Account(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    mode: Literal["draft", "send"] = "draft"
    token_command: str | None = None


class FilesAccount(_Account):
    """Local mbox / Maildir / .eml files and .ics calendars; delivers into a Maildir folder."""

    kind: Literal["files"]
    mail: list[Path] = Field(default_factory=list)
    calendars: list[Path] = Field(default_factory=list)
    drafts: Path | None = None


class GoogleAccount(_Account):
    """Gmail + Google Calendar."""

    kind: Literal["google"]
    #: One base URL: Gmail under /gmail/v1, Calendar under /calendar/v3, batch under /batch.
    api_endpoint: str = "https://www.googleapis.com"
    #: The OAuth client (a Google "Desktop app" client JSON) that `keepwarm auth` uses.
    client_secrets: Path | None = None
    #: False asks for `gmail.metadata` only: no search, so spam/promotions are filtered by label.
    search_filters: bool = True
    #: Gmail quota units per user per minute: 15,000 on Google's usage-limits page
    #: (developers.google.com/workspace/gmail/api/reference/quota); 6,000 for Cloud projects
    #: created on or after 1 May 2026.
    quota_units_per_minute: int = Field(default=15_000, ge=100)
    #: Calendar ids to read ("primary" is the account's own calendar).
    calendars: list[str] = Field(default_factory=lambda: ["primary"])


class MicrosoftAccount(_Account):
    """Outlook mail + calendar through Microsoft Graph."""

    kind: Literal["microsoft"]
    #: Graph root without the version (national clouds, loopback tests).
    graph_endpoint: str = "https://graph.microsoft.com"
    tenant: str = "common"
    #: The app registration (public client, device-code flow allowed); needed unless `token_command`.
    client_id: str | None = None
    #: Login authority; default `https://login.microsoftonline.com/{tenant}`.
    authority: str | None = None
    #: Mail folders to sync: well-known names (inbox, sentitems, archive…) or folder ids.
    folders: list[str] = Field(default_factory=lambda: ["inbox", "sentitems"], min_length=1)
    #: `Prefer: odata.maxpagesize`; Graph serves at most 999 messages or events a page.
    page_size: int = Field(default=999, ge=1, le=999)
    #: Per-mailbox limits Graph enforces (MailboxConcurrency and 10,000 requests per 10 minutes).
    max_concurrency: int = Field(default=4, ge=1, le=4)
    request_budget: int = Field(default=10_000, ge=1)
    budget_window_seconds: float = Field(default=600.0, gt=0)
    #: Sync the calendar view (baseline back, `detection.forward_days` forward).
    calendar: bool = True
    #: Ask for `internetMessageHeaders` (List-Id, Auto-Submitted…) with every message.
    message_headers: bool = True
    timeout_seconds: float = Field(default=30.0, gt=0)

    @property
    def authority_url(self) -> str:
        return (self.authority or f"https://login.microsoftonline.com/{self.tenant}").rstrip("/")


AccountSettings = Annotated[
    FilesAccount | GoogleAccount | MicrosoftAccount, Field(discriminator="kind")
]


class DetectionSettings(BaseModel):
    """Thresholds of peer detection (DESIGN.md §5)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_meeting_size: int = Field(default=8, ge=2)
    mass_mail_recipients: int = Field(default=10, ge=1)
    baseline_days: int = Field(default=365, ge=1)
    #: When keepwarm started watching (default: when the first sync stored something). People
    #: first met before it are `known_before_first_sync`: no `new_peer` draft, however recent.
    #: Set it earlier to welcome an imported history, or to replay a mailbox (the demo does).
    first_sync: datetime | None = None
    forward_days: int = Field(default=30, ge=0)
    dormant_after_days: int = Field(default=90, ge=1)
    #: Two-way contacts (meetings, replies) that make a relationship `growing`.
    growing_after: int = Field(default=2, ge=1)
    #: Two-way contacts, spread over at least `established_days`, that make it `established`.
    established_after: int = Field(default=5, ge=1)
    established_days: int = Field(default=60, ge=0)
    #: Addresses or domains (subdomains included) never to follow up.
    blocked: list[str] = Field(default_factory=list)
    #: Addresses or domains to treat as peers despite a role, free-mail or automated look.
    allowed: list[str] = Field(default_factory=list)
    #: Groups of addresses of one person, e.g. [["kj@orbital.example", "katherine@kj.example"]].
    aliases: list[list[str]] = Field(default_factory=list)
    #: Free-mail domains to add to the shipped list, and shipped ones to treat as professional.
    personal_domains: list[str] = Field(default_factory=list)
    not_personal_domains: list[str] = Field(default_factory=list)
    #: Role local parts to add to the shipped list (`info`, `sales`, …).
    role_local_parts: list[str] = Field(default_factory=list)

    @field_validator("first_sync")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    @field_validator("blocked", "allowed", "personal_domains", "not_personal_domains",
                     "role_local_parts")  # fmt: skip
    @classmethod
    def _lower_list(cls, values: list[str]) -> list[str]:
        return [v.strip().lower() for v in values if v.strip()]

    @field_validator("aliases")
    @classmethod
    def _alias_groups(cls, groups: list[list[str]]) -> list[list[str]]:
        for group in groups:
            bad = [a for a in group if "@" not in a]
            if len(group) < 2 or bad:
                raise ValueError(
                    "each alias group lists two or more addresses of one person, e.g. "
                    '["kj@orbital.example", "katherine@kj.example"]'
                    + (f"; not an address: {', '.join(bad)}" if bad else "")
                )
        return [[a.strip().lower() for a in group] for group in groups]


class PrivacySettings(BaseModel):
    """What keepwarm keeps beyond metadata."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Keep the first words of each personal message (shown with a draft, never logged). Unset:
    #: on for `files` accounts (the mail is on this machine already), off for Google/Microsoft.
    snippets: bool | None = None

    def snippets_for(self, kind: str) -> bool:
        return self.snippets if self.snippets is not None else kind == "files"


class MissingInput(NamedTuple):
    """A configured input path that is not there, named by its key in keepwarm.toml."""

    key: str
    path: Path

    def __str__(self) -> str:
        return f"{self.key}: {self.path} does not exist"


class WebSettings(BaseModel):
    """`keepwarm web`: where it listens and, when not on loopback, the token it demands."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=1, le=65535)
    #: Required when `host` is not a loopback address; open the page once with ?token=...
    access_token: str | None = Field(default=None, min_length=16)


class Settings(BaseSettings):
    """Everything keepwarm reads from its configuration."""

    model_config = SettingsConfigDict(
        env_prefix="KEEPWARM_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="forbid",
        frozen=True,
    )
    _toml_file: ClassVar[Path | None] = None

    owner: Owner
    accounts: list[AccountSettings] = Field(default_factory=list)
    database_url: str | None = None
    rules_dir: Path | None = None
    state_dir: Path | None = None
    #: Pins "now" (ISO 8601). For replays and the bundled demo; unset in real use.
    as_of: datetime | None = None
    detection: DetectionSettings = Field(default_factory=DetectionSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    #: How often the scheduled `cycle` runs (prefect.yaml, `keepwarm serve`); an account with no
    #: successful sync for 3 intervals is flagged as stalled by `keepwarm status`.
    cycle_interval_minutes: int = Field(default=15, ge=1)
    #: The folder relative paths are resolved against (the config file's folder).
    base_dir: Path = Field(default_factory=Path.cwd, exclude=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, dotenv_settings]
        if cls._toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=cls._toml_file))
        return tuple(sources)

    @field_validator("accounts")
    @classmethod
    def _unique_names(cls, accounts: list[Any]) -> list[Any]:
        names = [a.name for a in accounts]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"account names must be unique; repeated: {', '.join(dupes)}")
        return accounts

    @field_validator("owner")
    @classmethod
    def _known_timezone(cls, owner: Owner) -> Owner:
        try:
            ZoneInfo(owner.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {owner.timezone!r}; use an IANA name like 'Europe/London'"
            ) from None
        return owner

    @field_validator("as_of")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    # Derived locations -----------------------------------------------------------------------

    def resolve(self, path: Path) -> Path:
        path = path.expanduser()
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    @property
    def state_path(self) -> Path:
        return self.resolve(self.state_dir or Path(".keepwarm"))

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.state_path / 'keepwarm.db'}"

    @property
    def rules_path(self) -> Path:
        return self.resolve(self.rules_dir or Path("rules"))

    def missing_inputs(self, name: str) -> list[MissingInput]:
        """The mail and calendar paths of account `name` that do not exist, with their keys."""
        found = []
        for index, account in enumerate(self.accounts):
            if account.name != name or not isinstance(account, FilesAccount):
                continue
            for key in ("mail", "calendars"):
                for i, path in enumerate(getattr(account, key)):
                    full = self.resolve(path)
                    if not full.exists():
                        found.append(MissingInput(f"accounts.{index}.{key}[{i}]", full))
        return found

    def account(self, name: str) -> AccountSettings:
        for account in self.accounts:
            if account.name == name:
                return account
        known = ", ".join(a.name for a in self.accounts) or "none configured"
        raise ConfigError(f"no account named {name!r} (accounts: {known})")

    def now(self) -> datetime:
        """The clock every use case reads: `as_of` when pinned, else the real time."""
        return self.as_of or datetime.now(UTC)


def config_path(explicit: Path | None = None) -> Path:
    """`--config`, else `$KEEPWARM_CONFIG`, else `./keepwarm.toml`."""
    if explicit is not None:
        return explicit
    from_env = os.environ.get(CONFIG_ENV)
    return Path(from_env) if from_env else DEFAULT_CONFIG


def load_settings(explicit: Path | None = None, **overrides: Any) -> Settings:
    """Read and validate the configuration; every problem becomes one readable `ConfigError`."""
    path = config_path(explicit)
    if not path.is_file():
        raise ConfigError(
            f"{path}: configuration file not found. Create it (see README.md, 'Configuration'), "
            f"or point to one with --config PATH or {CONFIG_ENV}."
        )
    bound = type("FileSettings", (Settings,), {"_toml_file": path})
    try:
        settings: Settings = bound(base_dir=path.resolve().parent, **overrides)
    except ValidationError as exc:
        raise ConfigError(describe(path, exc, Settings)) from None
    except (OSError, ValueError) as exc:  # TOML syntax errors are ValueErrors
        raise ConfigError(redact(f"{path}: cannot be read: {exc}")) from None
    return settings
