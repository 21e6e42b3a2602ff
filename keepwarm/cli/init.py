"""`keepwarm init`: a first keepwarm.toml from a few questions (or flags) and the owner's own mail."""

from __future__ import annotations

import sys
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.markup import escape

from keepwarm.cli.context import err, options, out, run_hint
from keepwarm.errors import ConfigError
from keepwarm.services.onboarding import (
    Answers,
    Discovery,
    discover_owner,
    local_timezone,
    organisation_domains,
    render_config,
)
from keepwarm.services.workspace import ensure_rules
from keepwarm.settings import config_path, load_settings

PROVIDERS = ("files", "google", "microsoft")
ACCOUNT_NAMES = {"files": "mail", "google": "google", "microsoft": "outlook"}


def register(app: typer.Typer) -> None:
    @app.command()
    def init(
        ctx: typer.Context,
        mail: list[Path] = typer.Option(
            [], "--mail", help="A Maildir, an mbox file or a folder of them (repeatable)."
        ),
        calendar: list[Path] = typer.Option(
            [], "--calendar", help="An .ics file or a folder of them (repeatable)."
        ),
        provider: str = typer.Option(
            "files", "--provider", help="files (local mail), google or microsoft."
        ),
        name: str | None = typer.Option(
            None, "--name", help="Your name (default: from sent mail)."
        ),
        address: list[str] = typer.Option(
            [], "--address", help="An address you send from (repeatable; default: from sent mail)."
        ),
        domain: list[str] = typer.Option(
            [], "--domain", help="Your organisation's domain (repeatable; default: your address's)."
        ),
        timezone: str | None = typer.Option(
            None, "--timezone", help="IANA time zone, e.g. Europe/Berlin (default: this machine's)."
        ),
        account: str | None = typer.Option(None, "--account", help="The account's name."),
        client_secrets: Path | None = typer.Option(
            None, "--client-secrets", help="google: the OAuth Desktop-app client JSON."
        ),
        client_id: str | None = typer.Option(
            None, "--client-id", help="microsoft: the Entra app registration's client id."
        ),
        force: bool = typer.Option(
            False, "--force", help="Replace an existing config (the old one is kept as .bak)."
        ),
        yes: bool = typer.Option(
            False, "--yes", "-y", help="Ask nothing: use the flags and what the mail shows."
        ),
    ) -> None:
        """Write a commented keepwarm.toml for your own mailbox, then tell you what to run.

        Asks for what it cannot find (unless --yes or stdin is not a terminal); finds your
        addresses in your sent mail. Writes to --config PATH, else ./keepwarm.toml.
        Example: keepwarm init --mail ~/Mail --timezone Europe/Berlin --yes
        """
        target = config_path(options(ctx).config)
        if target.exists() and not force:
            raise ConfigError(
                f"{target} already exists and init never overwrites a configuration: pass "
                "--force to replace it (the old file is kept as .bak), or --config ANOTHER.toml"
            )
        ask = not yes and interactive()
        if provider not in PROVIDERS:
            raise ConfigError(f"--provider {provider!r}: use one of {', '.join(PROVIDERS)}")
        if provider == "files" and not mail and ask:
            where = typer.prompt(
                "Where is your mail? (a Maildir, an mbox file or a folder of them; "
                "or 'google' / 'microsoft')"
            ).strip()
            if where in ("google", "microsoft"):
                provider = where
            else:
                mail = [Path(where)]
        found = _discover(provider, mail, calendar)
        name = name or found.name
        addresses = address or found.addresses
        timezone = timezone or local_timezone()
        if ask:
            name = typer.prompt("Your name", default=name or None)
            addresses = _split(
                typer.prompt(
                    "Addresses you send from (comma-separated)",
                    default=", ".join(addresses) or None,
                )
            )
            timezone = typer.prompt("Your time zone", default=timezone)
        domains = domain or organisation_domains(addresses)
        if ask:
            domains = _split(
                typer.prompt(
                    "Your organisation's domains, where colleagues are (comma-separated; - for none)",
                    default=", ".join(domains) or "-",
                )
            )
        answers = _answers(
            name, addresses, domains, timezone, provider, found, mail, calendar,
            account or ACCOUNT_NAMES[provider], client_secrets, client_id,
        )  # fmt: skip
        _write(target, render_config(answers, folder=target.absolute().parent))
        settings = load_settings(target)  # what init writes must load: check it now
        copied = ensure_rules(settings)
        _report(target, answers, found, settings.rules_path, copied is not None)


def interactive() -> bool:
    """Whether a person is there to answer questions (stdin is a terminal)."""
    return sys.stdin.isatty()


def _discover(provider: str, mail: list[Path], calendars: list[Path]) -> Discovery:
    if provider != "files":
        return Discovery()
    if not mail:
        raise ConfigError(
            "init: pass --mail PATH (a Maildir, an mbox file, or a folder of them), "
            "or --provider google|microsoft"
        )
    for flag, paths in (("--mail", mail), ("--calendar", calendars)):
        for path in paths:
            if not path.expanduser().exists():
                raise ConfigError(f"{flag} {path}: does not exist")
    with err.status("reading your sent mail to find your addresses…") as status:
        return discover_owner(
            [p.expanduser() for p in mail],
            progress=lambda n: status.update(f"reading your sent mail… {n} messages"),
        )


def _answers(
    name: str | None,
    addresses: list[str],
    domains: list[str],
    timezone: str,
    provider: str,
    found: Discovery,
    mail: list[Path],
    calendars: list[Path],
    account: str,
    client_secrets: Path | None,
    client_id: str | None,
) -> Answers:
    if not name:
        raise ConfigError("init: your name was not found in the mail; pass --name 'Your Name'")
    if not addresses:
        raise ConfigError(
            "init: no address of yours was found in the mail; pass --address you@example.com "
            "(once per address you send from)"
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"--timezone {timezone!r}: unknown; use an IANA name like Europe/Berlin"
        ) from None
    return Answers(
        name=name, addresses=[a.strip().lower() for a in addresses],
        domains=[d.strip().lower().lstrip("@") for d in domains], timezone=timezone,
        provider=provider, account=account, mail=[p.expanduser() for p in mail],
        calendars=[p.expanduser() for p in calendars], client_secrets=client_secrets,
        client_id=client_id, found_in=found.found_in if found.addresses == addresses else "",
    )  # fmt: skip


def _split(text: str) -> list[str]:
    """A comma-separated answer as a list; `-` alone means none."""
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip() not in ("", "-")]


def _write(target: Path, text: str) -> None:
    """Write atomically; an existing file (only with --force) is kept as `<name>.bak`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.new")
    staging.write_text(text, encoding="utf-8")
    if target.exists():
        target.replace(target.with_name(target.name + ".bak"))
    staging.replace(target)


def _say(text: str) -> None:
    out.print(text, highlight=False, soft_wrap=True, markup=False)


def _report(target: Path, a: Answers, found: Discovery, rules: Path, copied: bool) -> None:
    out.print(f"[bold]Wrote {escape(str(target.absolute()))}[/]", highlight=False, soft_wrap=True)
    who = f"{a.name} <{a.addresses[0]}>" + "".join(f", {x}" for x in a.addresses[1:])
    origin = f" (found in {found.messages} messages of your {found.found_in})" if a.found_in else ""
    _say(f"  you:        {who}{origin}")
    _say(
        f"  colleagues: {', '.join(f'@{d}' for d in a.domains) or 'none (no organisation domain)'}"
    )
    _say(f"  time zone:  {a.timezone}")
    if a.provider == "files":
        _say(f"  mail:       {', '.join(map(str, a.mail))}")
    else:
        _say(f"  account:    {a.account} ({a.provider})")
    state = "a copy of the shipped rules" if copied else "your existing rules"
    _say(f"  rules:      {rules} ({state}: edit them to change what gets drafted)")
    _say("\nNext:")
    if a.provider != "files":
        _say(f"  {run_hint(target, 'auth', a.account)}   # sign in once")
    _say(f"  {run_hint(target, 'run')}   # read your mail and draft follow-ups")
    _say(f"  {run_hint(target, 'web')}   # review the drafts in your browser")
