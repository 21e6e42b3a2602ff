"""`keepwarm init`'s use cases: who the owner is, from their own mail, and a first keepwarm.toml.

The owner's addresses come from their sent mail: the address that sends most is the main one,
and other sending addresses that carry the same display name (or send at least a tenth as much)
are aliases. With no sent folder, the address that receives most stands in.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.files import FilesConnector
from connectors.files.sources import mail_sources
from keepwarm.data import list_hosts, personal_domains
from keepwarm.models import Role
from keepwarm.peers import AUTOMATED_LOCAL, DetectionPolicy
from keepwarm.peers.automation import local_automation_words
from keepwarm.peers.lists import is_rewritten, list_addresses
from keepwarm.peers.policy import is_list_address

#: Words that name sent mail in folder or file names (Thunderbird, Apple Mail, Outlook exports,
#: Dovecot, Gmail takeout), whole words; and stems of the ones that inflect (envoyés, enviados).
SENT_WORDS = frozenset({"sent", "gesendet", "verzonden", "skickat", "sendt", "sendte"})
SENT_STEMS = ("envoy", "enviad", "inviat")
#: Enough messages to know who sends them; a huge archive is not read to the end.
SCAN_LIMIT = 5_000
#: An alias sends at least this share of what the main address sends (or carries its name).
ALIAS_SHARE = 0.1

Progress = Callable[[int], None]
#: The shipped list hosts (vger, kvack, Google Groups…), for telling lists from owners.
_LISTS = DetectionPolicy(owner_addresses=frozenset(), lists=tuple(sorted(list_hosts())))


@dataclass
class Discovery:
    """What the mailbox says about its owner."""

    name: str = ""
    addresses: list[str] = field(default_factory=list)
    #: "sent mail" or "received mail": where the addresses were found.
    found_in: str = ""
    folders: list[str] = field(default_factory=list)
    messages: int = 0
    #: Mailing lists and list relays the mail names (its list headers, rewritten Froms).
    not_people: set[str] = field(default_factory=set)

    @property
    def domains(self) -> list[str]:
        return organisation_domains(self.addresses)


def organisation_domains(addresses: Sequence[str]) -> list[str]:
    """The main address's domain, unless it is a free-mail provider (not an organisation)."""
    if not addresses:
        return []
    domain = addresses[0].strip().lower().rpartition("@")[2]
    return [] if not domain or domain in personal_domains() else [domain]


def is_sent_folder(path: Path, roots: Sequence[Path]) -> bool:
    """Whether `path` (a stream of the configured `roots`) holds sent mail, by its name."""
    relative = path
    for root in roots:
        if path.is_relative_to(root):
            relative = path.relative_to(root) if path != root else Path(root.name)
            break
    # Words split at `_` too: Enron-style exports name it `_sent_mail` and `sent_items`.
    words = re.findall(r"[^\W_]+", " ".join(relative.parts).lower())
    return any(w in SENT_WORDS or w.startswith(SENT_STEMS) for w in words)


def discover_owner(
    paths: Sequence[Path], *, limit: int = SCAN_LIMIT, progress: Progress | None = None
) -> Discovery:
    """Read the sent folders among `paths` (else all mail) and name the owner."""
    roots = [p.absolute() for p in paths]
    sources = mail_sources(roots)
    sent = [s.path for s in sources if s.kind != "missing" and is_sent_folder(s.path, roots)]
    if sent:
        found = Discovery(found_in="sent mail", folders=[str(p) for p in sent])
        senders, names = _count(sent, limit, progress, found, (Role.FROM,))
        _owner_from_senders(found, senders, names)
        return found
    readable = [s.path for s in sources if s.kind != "missing"]
    found = Discovery(found_in="received mail", folders=[str(p) for p in readable])
    # Without sent mail the owner is whoever takes part in most messages, in any role: in a
    # mailbox, the recipient of nearly all of it; in a list archive of their threads (a lore
    # mbox), the one who writes and is written to. Never a mailing list or a machine, which
    # are in To/Cc of far more messages than anyone.
    everyone, names = _count(readable, limit, progress, found, (Role.FROM, Role.TO, Role.CC))
    people = [a for a, _ in everyone.most_common() if a not in found.not_people and not _machine(a)]
    if people:
        found.addresses = [people[0]]
        found.name = _most_common_name(names, people[0])
        same = found.name.casefold()
        if len(same.split()) >= 2:  # a full name: their other addresses carry it too
            found.addresses += [a for a in people[1:] if _most_common_name(names, a).casefold() == same]
    return found


def _machine(address: str) -> bool:
    """A list host or a no-reply/robot local part (`keepwarm.peers` decides these for detection)."""
    local = address.rpartition("@")[0]
    return (
        is_list_address(address, _LISTS)
        or bool(AUTOMATED_LOCAL.match(local))
        or bool(local_automation_words(local))
    )


def _count(
    paths: list[Path],
    limit: int,
    progress: Progress | None,
    found: Discovery,
    roles: tuple[Role, ...],
) -> tuple[Counter[str], dict[str, Counter[str]]]:
    """How often each address appears in `roles`, and the display names it appears with."""
    now = datetime.now(UTC)
    connector = FilesConnector(  # only read: it never delivers, so no drafts folder is used
        "init", mail=paths, calendars=[], drafts_dir=Path(os.devnull), calendar_window=(now, now)
    )
    counts: Counter[str] = Counter()
    names: dict[str, Counter[str]] = {}
    for page in connector.pull({}):
        for interaction in page.interactions:
            found.not_people |= list_addresses([interaction])
            sender = interaction.sender
            if sender is not None and is_rewritten(sender):  # `'Jane' via Group <group@…>`
                found.not_people.add(sender.address)
            for p in interaction.participants:
                if p.role in roles and "@" in p.address:
                    counts[p.address] += 1
                    if p.name:
                        names.setdefault(p.address, Counter())[p.name.strip()] += 1
        found.messages += len(page.interactions)
        if progress is not None:
            progress(found.messages)
        if found.messages >= limit:
            break
    return counts, names


def _owner_from_senders(
    found: Discovery, senders: Counter[str], names: dict[str, Counter[str]]
) -> None:
    if not senders:
        return
    ranked = senders.most_common()
    main, main_count = ranked[0]
    found.name = _most_common_name(names, main)
    same_name = found.name.casefold()
    found.addresses = [main] + [
        address
        for address, n in ranked[1:]
        if n >= ALIAS_SHARE * main_count
        or (same_name and _most_common_name(names, address).casefold() == same_name)
    ]


def _most_common_name(names: dict[str, Counter[str]], address: str) -> str:
    seen = names.get(address)
    return seen.most_common(1)[0][0] if seen else ""


def local_timezone() -> str:
    """This machine's IANA time zone ($TZ, /etc/timezone, the /etc/localtime link), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    with contextlib.suppress(OSError):
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    for name in candidates:
        if (name and "/" in name) or name == "UTC":
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            return "UTC" if name in ("Etc/UTC", "Etc/Universal") else name
    return "UTC"


@dataclass
class Answers:
    """Everything `keepwarm init` asked for (or found)."""

    name: str
    addresses: list[str]
    domains: list[str]
    timezone: str
    provider: str = "files"
    account: str = "mail"
    mail: list[Path] = field(default_factory=list)
    calendars: list[Path] = field(default_factory=list)
    client_secrets: Path | None = None
    client_id: str | None = None
    #: Where the addresses came from, for the comment above them.
    found_in: str = ""


def render_config(answers: Answers, *, folder: Path, today: datetime | None = None) -> str:
    """A commented keepwarm.toml; paths inside `folder` are written relative to it."""
    day = (today or datetime.now(UTC)).date().isoformat()
    found = f" Found in your {answers.found_in}." if answers.found_in else ""
    lines = [
        f"# keepwarm configuration, written by `keepwarm init` on {day}.",
        '# Every key is described in README.md ("Configuration"). Relative paths are relative',
        "# to this file's folder. Check it with any command, e.g. `keepwarm status`.",
        "#",
        "# The rule files that draft your follow-ups are in rules/ beside this file (a copy of",
        "# the shipped rules: edit them freely). State (database, delivered drafts) is in",
        "# .keepwarm/ beside this file. To keep them elsewhere:",
        '# rules_dir = "rules"',
        '# state_dir = ".keepwarm"',
        "",
        "[owner]",
        f"name = {_s(answers.name)}",
        f"# Every address you send from: yourself, never a peer.{found}",
        f"addresses = {_list(answers.addresses)}",
        "# Your organisation's domains (subdomains included): people there are colleagues.",
        f"domains = {_list(answers.domains)}",
        f"timezone = {_s(answers.timezone)}  # drafts fall due, and times show, in this zone",
        '# signature = "Rosa"  # appended to every draft when set',
        "",
        "[[accounts]]",
        f"name = {_s(answers.account)}",
        *_account_lines(answers, folder),
        "",
        "# [detection]  # optional thresholds; see README.md for all of them",
        "# blocked = []  # addresses or @domains never to follow up",
        "",
    ]
    return "\n".join(lines)


def _account_lines(answers: Answers, folder: Path) -> list[str]:
    if answers.provider == "google":
        secrets = _path(answers.client_secrets or Path("client_secret.json"), folder)
        return [
            'kind = "google"  # Gmail and Google Calendar; sign in with `keepwarm auth`',
            f'client_secrets = {_s(secrets)}  # an OAuth "Desktop app" client JSON',
            'mode = "draft"  # approved drafts become Gmail drafts; "send" sends them',
            'calendars = ["primary"]',
        ]
    if answers.provider == "microsoft":
        return [
            'kind = "microsoft"  # Outlook mail and calendar; sign in with `keepwarm auth`',
            f"client_id = {_s(answers.client_id or '')}  # an Entra app registration (public client)",
            'tenant = "common"',
            'mode = "draft"  # approved drafts become Outlook drafts; "send" sends them',
        ]
    return [
        'kind = "files"  # mbox files, Maildir folders (subfolders too), .eml files',
        f"mail = {_list([_path(p, folder) for p in answers.mail])}",
        f"calendars = {_list([_path(p, folder) for p in answers.calendars])}  # .ics files or folders",
        '# drafts = ".keepwarm/drafts/mail"  # the Maildir approved drafts are delivered into',
    ]


def _path(path: Path, folder: Path) -> str:
    full = path.expanduser().absolute()
    base = folder.absolute()
    return str(full.relative_to(base)) if full.is_relative_to(base) else str(full)


def _s(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def _list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_s(v) for v in values) + "]"


DEMO_MARK = "# keepwarm demo:"


def reset_demo_state(config: Path) -> None:
    """Empty the state beside a demo config (database, Prefect home, delivered drafts), so a demo
    run shows what the current rules draft rather than keys drafted by an older version.

    Only ever the default `.keepwarm/` folder beside a config that `keepwarm demo` wrote: a
    database named by KEEPWARM_DATABASE_URL, or any other folder, is never touched."""
    if not config.read_text(encoding="utf-8").startswith(DEMO_MARK):
        return
    state = config.parent / ".keepwarm"
    if state.is_dir() and not state.is_symlink():
        shutil.rmtree(state)


def demo_config(examples: Path) -> str:
    """The bundled demo's config for use from any folder: the sample mail, calendar and rules
    read in place (absolute paths), the state beside wherever this text is written."""
    data = tomllib.loads(examples.read_text(encoding="utf-8"))
    base = examples.parent.resolve()

    def absolute(value: str) -> str:
        return str((base / value).resolve())

    if "rules_dir" in data:
        data["rules_dir"] = absolute(data["rules_dir"])
    for account in data.get("accounts", []):
        for key in ("mail", "calendars"):
            if key in account:
                account[key] = [absolute(p) for p in account[key]]
    header = [
        f"{DEMO_MARK} the sample mailbox and calendar of {base}, read in place.",
        "# Written by `keepwarm demo` (which rewrites it each time); the state is kept in",
        "# .keepwarm/ beside this file. Delete this folder to start the demo afresh.",
        "",
    ]
    return "\n".join(header) + _toml(data)


def _toml(data: dict[str, Any]) -> str:
    """A small TOML writer for settings: scalars first, then tables and arrays of tables."""
    lines = [f"{k} = {_value(v)}" for k, v in data.items() if not _is_table(v)]
    for key, value in data.items():
        tables = [value] if isinstance(value, dict) else value if _is_table(value) else []
        for table in tables:
            lines += ["", f"[[{key}]]" if isinstance(value, list) else f"[{key}]"]
            lines += [f"{k} = {_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def _is_table(value: object) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
    )


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return _s(str(value))
