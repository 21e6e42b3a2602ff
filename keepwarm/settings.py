"""Settings: `keepwarm.toml`, then `.env`, then `KEEPWARM_*` variables (later ones win).

Loaded once by a composition root (CLI, flow, web) with `load_settings` and passed down;
nothing reads settings at import time and the domain never sees them.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from keepwarm.errors import ConfigError
from keepwarm.models import Owner

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
    api_endpoint: str = "https://www.googleapis.com"


class MicrosoftAccount(_Account):
    """Outlook mail + calendar through Microsoft Graph."""

    kind: Literal["microsoft"]
    graph_endpoint: str = "https://graph.microsoft.com"
    tenant: str = "common"
    client_id: str | None = None


AccountSettings = Annotated[
    FilesAccount | GoogleAccount | MicrosoftAccount, Field(discriminator="kind")
]


class DetectionSettings(BaseModel):
    """Thresholds of peer detection (DESIGN.md §5)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_meeting_size: int = Field(default=8, ge=2)
    mass_mail_recipients: int = Field(default=10, ge=1)
    baseline_days: int = Field(default=365, ge=1)
    forward_days: int = Field(default=30, ge=0)
    dormant_after_days: int = Field(default=90, ge=1)
    blocked: list[str] = Field(default_factory=list)


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
        raise ConfigError(_describe(path, exc)) from None
    except (OSError, ValueError) as exc:  # TOML syntax errors are ValueErrors
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    return settings


def _describe(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: invalid configuration ({exc.error_count()} problem(s)):"]
    for error in exc.errors():
        key = ".".join(str(p) for p in error["loc"]) or "(top level)"
        got = error.get("input")
        shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r})"
        lines.append(f"  {key}: {error['msg']}{shown}")
    return "\n".join(lines)
