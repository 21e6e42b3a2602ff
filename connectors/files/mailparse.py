"""One message's header block (bytes up to the first blank line) -> an email `Interaction`.

Pure and fast (it runs once per message of a mailbox): one pass over the header lines keeps the
few headers keepwarm needs, with header names memoised so the Received/DKIM/ARC noise of real
mail costs a dict lookup per line. Decoders run only on the values used, and only when needed.
Bodies are never seen here, so broken MIME or bad body encodings cannot matter.
"""

from __future__ import annotations

import hashlib
import re

from connectors.files.headers import addresses_cached, decode_words, parse_date
from connectors.files.snippet import body_snippet
from keepwarm.mailsafety import one_line
from keepwarm.models import CLASSIFICATION_HEADERS, Interaction, Kind, Participant, Role


class Unusable(ValueError):
    """The message cannot become an interaction; the message is the quarantine reason."""


_WANTED = frozenset(
    {"from", "to", "cc", "bcc", "date", "subject", "message-id", "in-reply-to", "references"}
    | {"content-transfer-encoding"}  # only read for a snippet
    | {"x-from", "x-to"}  # display names of archive exports (Enron) whose From/To are bare
    | CLASSIFICATION_HEADERS
)
#: Headers of list and machine mail: its snippet is never shown, so it is never extracted.
_BULK_HEADERS = ("list-id", "list-unsubscribe", "precedence", "auto-submitted")
_LIST_HEADERS = frozenset({"to", "cc", "bcc"})
_ROLES = {"from": Role.FROM, "to": Role.TO, "cc": Role.CC, "bcc": Role.BCC}
#: Raw header name (as written, e.g. "Message-Id") -> wanted lower-case name, or "" when not
#: wanted. Header names are a small vocabulary: one dict hit replaces strip + lower + set test.
_NAMES: dict[str, str] = {}
_PARTICIPANTS: dict[tuple[str, Role, str], Participant] = {}
_CACHE_LIMIT = 20_000
_BRACKETED = re.compile(r"<([^<>\s]+)>")
_REPORT_TYPE = re.compile(r";\s*report-type\s*=\s*\"?([^\";\s]+)", re.IGNORECASE)


def decode_block(block: bytes) -> str:
    """Header bytes as text; never fails.

    Raw 8-bit headers are UTF-8 with the odd broken byte, or a legacy single-byte charset. A
    line is read as UTF-8 (bad bytes replaced) when most of its high bytes form valid UTF-8,
    else as Latin-1, so a raw Latin-1 "Lütkebohle" keeps its ü instead of a replacement mark.
    """
    try:
        return block.decode("utf-8")
    except UnicodeDecodeError:
        return "\n".join(_decode_line(line) for line in block.split(b"\n"))


def _decode_line(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        text = line.decode("utf-8", errors="replace")
        high = sum(1 for byte in line if byte >= 0x80)
        return text if text.count("\ufffd") * 4 < high else line.decode("latin-1")


def _canonical(name: str) -> str:
    canonical = name.strip().lower()
    found = canonical if canonical in _WANTED else ""
    if len(_NAMES) < _CACHE_LIMIT:
        _NAMES[name] = found
    return found


def extract(text: str) -> dict[str, str]:
    """Wanted headers, unfolded and stripped, names lower-cased.

    The first occurrence wins, except To/Cc/Bcc whose repeats are joined (some mailers split them).
    """
    found: dict[str, str] = {}
    current: str | None = None
    for line in text.split("\n"):
        if not line:
            continue
        first = line[0]
        if first == " " or first == "\t":
            if current is not None:
                found[current] += line
            continue
        name, colon, value = line.partition(":")
        wanted = _NAMES.get(name)
        if wanted is None:
            wanted = _canonical(name)
        if not wanted or not colon:
            current = None
        elif wanted not in found:
            found[wanted] = value
            current = wanted
        elif wanted in _LIST_HEADERS:
            found[wanted] += "," + value
            current = wanted
        else:
            current = None
    for name, value in found.items():
        if "\r" in value or "\t" in value:
            value = value.replace("\r", "").replace("\t", " ")
        found[name] = value.strip()
    return found


def _ids(value: str) -> list[str]:
    """Message ids in a header, without brackets.

    Without brackets only `@` tokens count, so `In-Reply-To: your message of Monday` is no id.
    """
    if value.startswith("<") and value.endswith(">") and value.count("<") == 1 and " " not in value:
        return [value[1:-1]]
    found = _BRACKETED.findall(value)
    return found if found else [token for token in value.split() if "@" in token]


_CONTENT_TYPES: dict[str, str] = {}


def _content_type(value: str) -> str:
    """Main type plus `report-type` (which marks bounces); the rest is noise for classification."""
    kept = _CONTENT_TYPES.get(value)
    if kept is None:
        main = value.split(";", 1)[0].strip().lower()
        match = _REPORT_TYPE.search(value)
        kept = f"{main}; report-type={match.group(1).lower()}" if match else main
        if len(_CONTENT_TYPES) >= _CACHE_LIMIT:
            _CONTENT_TYPES.clear()
        _CONTENT_TYPES[value] = kept
    return kept


def _participant(address: str, role: Role, name: str) -> Participant:
    """Shared instances: the same few people recur in every message of a mailbox."""
    key = (address, role, name)
    participant = _PARTICIPANTS.get(key)
    if participant is None:
        participant = Participant(address, role, name)
        if len(_PARTICIPANTS) >= _CACHE_LIMIT:
            _PARTICIPANTS.clear()
        _PARTICIPANTS[key] = participant
    return participant


_REPORT = re.compile(r"report-type\s*=\s*\"?delivery-status", re.IGNORECASE)
_DSN_NAME = re.compile(r"mailer[- ]?daemon|postmaster|mail delivery", re.IGNORECASE)


def _mail_system(raw: dict[str, str], from_value: str) -> str | None:
    """The sender of a delivery report whose From has no usable address (`MAILER DAEMON <>`,
    `MAILER-DAEMON`): `mailer-daemon@` the host that wrote its Message-ID, so the bounce is
    recorded (and `why` answers for it) instead of quarantined. None for anything else."""
    if not (_REPORT.search(raw.get("content-type", "")) or _DSN_NAME.search(from_value)):
        return None
    ids = _ids(raw.get("message-id", ""))
    host = ids[0].rpartition("@")[2].strip().lower() if ids else ""
    if "." not in host or not re.fullmatch(r"[a-z0-9.-]+", host):
        return None
    return f"mailer-daemon@{host}"


#: Lotus Notes' mail domain after an address or a name (`"Bob" <bob@x.com>@ENRON`).
_NOTES_DOMAIN = re.compile(r">\s*@[\w.-]*$")


def export_name(value: str, address: str) -> str:
    """The display name an export's `X-From`/`X-To` gives one person, or "" when it gives none.

    Archive exports (the Enron corpus, Lotus Notes and Exchange conversions) keep From/To as
    bare addresses and the names beside them: `Phillip K Allen`, `Allen, Phillip K.
    </O=ENRON/OU=NA/CN=RECIPIENTS/CN=PALLEN>`, `"Bob Smith" <bob@x.com>@ENRON`,
    `Tim Belden/HOU/ECT@ECT`. A value naming another address, or several people, gives none.
    """
    text = _NOTES_DOMAIN.sub(">", one_line(decode_words(value)).strip())
    if not text or len(text) > 200:
        return ""
    lt = text.find("<")
    if lt >= 0:
        gt = text.find(">", lt)
        inner = text[lt + 1 : gt if gt > 0 else len(text)].strip().lower()
        if text.count("<") > 1 or (gt > 0 and text[gt + 1 :].strip()):
            return ""  # several people
        if "@" in inner and "/" not in inner and inner != address:
            return ""  # names someone else
        name = text[:lt]
    elif "/" in text and "@" in text:  # a Notes canonical name: `Tim Belden/HOU/ECT@ECT`
        name = text.partition("/")[0]
    elif "@" in text or "," in text:
        return ""  # a bare address, or a list of names
    else:
        name = text
    return name.strip().strip("'\"").strip()


def _export_names(participants: list[Participant], raw: dict[str, str]) -> list[Participant]:
    """Names for a nameless sender, and for a nameless sole recipient, from X-From / X-To."""
    out = list(participants)
    to = [i for i, p in enumerate(out) if p.role is Role.TO]
    for index, header in ((0, "x-from"), (to[0] if len(to) == 1 else -1, "x-to")):
        if index < 0 or header not in raw or out[index].name:
            continue
        p = out[index]
        name = export_name(raw[header], p.address)
        if name:
            out[index] = _participant(p.address, p.role, name)
    return out


def parse_header_block(block: bytes, source: str, body: bytes = b"") -> Interaction:
    """Build the interaction for one message; raises `Unusable` with the quarantine reason.

    `body`: the first bytes of the body, given only when snippets are wanted.
    """
    raw = extract(decode_block(block))
    from_value = raw.get("from")
    if not from_value:
        raise Unusable("no From header")
    date_value = raw.get("date")
    if not date_value:
        raise Unusable("no Date header")
    try:
        occurred_at = parse_date(date_value)
    except ValueError:
        raise Unusable(f"Date header {date_value!r} is not a date") from None

    participants: list[Participant] = []
    seen: set[int] = set()  # participants are shared instances, so identity is equality here
    for header, role in _ROLES.items():
        value = raw.get(header)
        if value:
            for name, address in addresses_cached(value):
                participant = _participant(address, role, name)
                if id(participant) not in seen:
                    seen.add(id(participant))
                    participants.append(participant)
    if not participants or participants[0].role is not Role.FROM:
        daemon = _mail_system(raw, from_value)
        if daemon is None:
            raise Unusable(f"From header {from_value!r} has no address")
        participants.insert(0, _participant(daemon, Role.FROM, from_value.strip()[:100]))

    if "x-from" in raw or "x-to" in raw:
        participants = _export_names(participants, raw)

    value = raw.get("message-id")
    ids = _ids(value) if value else None
    message_id = ids[0] if ids else None
    if message_id:
        provider_id = "msg:" + message_id
    else:
        normalised = block.replace(b"\r\n", b"\n")
        provider_id = "sha:" + hashlib.sha1(normalised, usedforsecurity=False).hexdigest()[:24]
    value = raw.get("in-reply-to")
    ids = _ids(value) if value else None
    in_reply_to = ids[0] if ids else None
    value = raw.get("references")
    references = tuple(_ids(value)) if value else ()

    subject = raw.get("subject", "")
    if "=?" in subject:
        subject = " ".join(decode_words(subject).splitlines())  # words can smuggle in breaks

    headers: dict[str, str] = {}
    for name, value in raw.items():
        if name in CLASSIFICATION_HEADERS:
            if "=?" in value:
                value = decode_words(value)
            headers[name] = _content_type(value) if name == "content-type" else value

    snippet = ""
    if body and not any(name in raw for name in _BULK_HEADERS):
        snippet = body_snippet(
            raw.get("content-type", ""), raw.get("content-transfer-encoding", ""), body
        )

    return Interaction(
        provider_id,
        Kind.EMAIL,
        occurred_at,
        tuple(participants),
        subject,
        None,
        references[0] if references else in_reply_to or message_id or provider_id,
        message_id,
        in_reply_to,
        references,
        headers,
        False,
        source,
        snippet=snippet,
    )
