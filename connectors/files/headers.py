"""Pure decoders for the few header values keepwarm reads: encoded words, address lists, dates.

The stdlib parsers are correct but slow for a hot path (`getaddresses` costs 15-40 us per list,
`parsedate_to_datetime` ~5 us), and the pipeline must parse tens of thousands of messages a
second. So each decoder has a fast path for the shapes real mail overwhelmingly uses and falls
back to the stdlib for everything else. None of them raises on bad input except `parse_date`,
whose `ValueError` means "quarantine this message".
"""

from __future__ import annotations

import binascii
import re
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses, parsedate_to_datetime

from keepwarm.mailsafety import is_received_address, one_line

#: Bound for the memo tables below, so a huge mailbox cannot grow them without limit.
_CACHE_LIMIT = 20_000

# --- RFC 2047 encoded words -------------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=")
#: Charsets that mailers announce under names Python does not know, or that a superset decodes better.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
    "unknown": "utf-8",
}


def _word_bytes(match: re.Match[str]) -> tuple[str, bytes] | None:
    """Charset and raw bytes of one encoded word, or None when its payload is garbage."""
    charset = match.group(1).split("*", 1)[0].lower()
    payload = match.group(3)
    try:
        if match.group(2) in "Bb":
            raw = binascii.a2b_base64(payload + "=" * (-len(payload) % 4))
        else:
            raw = binascii.a2b_qp(payload.encode("ascii"), header=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    return _CHARSET_ALIASES.get(charset, charset), raw


def _to_text(charset: str, raw: bytes) -> str:
    try:
        return raw.decode(charset, errors="replace")
    except (LookupError, ValueError):  # unknown charset, or a codec (idna) refusing "replace"
        return raw.decode("utf-8", errors="replace")


def decode_words(value: str) -> str:
    """Decode RFC 2047 words (`=?UTF-8?Q?Ren=C3=A9e?=`) in a header value; never raises.

    Adjacent words of one charset are joined as bytes before decoding, because mailers split
    long subjects in the middle of a multi-byte character; whitespace between words is dropped.
    """
    if "=?" not in value:
        return value
    out: list[str] = []
    charset = ""
    pending = bytearray()
    pos = 0
    after_word = False
    for match in _ENCODED_WORD.finditer(value):
        gap = value[pos : match.start()]
        decoded = _word_bytes(match)
        adjacent = after_word and not gap.strip()
        if decoded is None or not adjacent or decoded[0] != charset:
            if charset:
                out.append(_to_text(charset, bytes(pending)))
                charset, pending = "", bytearray()
            if not adjacent or decoded is None:
                out.append(gap)
        pos = match.end()
        if decoded is None:
            out.append(match.group(0))
            after_word = False
            continue
        charset = decoded[0]
        pending += decoded[1]
        after_word = True
    if charset:
        out.append(_to_text(charset, bytes(pending)))
    out.append(value[pos:])
    return "".join(out)


# --- address lists ----------------------------------------------------------------------------

#: One address in a common shape: `"Quoted Name" <a@b>`, `Plain Name <a@b>` or a bare `a@b`.
_ADDRESS = (
    r'[ \t]*(?:(?:"([^"\\]*)"|([^"<>,;:()\\@]*?))[ \t]*<[ \t]*([^<>()\s",;:\\]+)[ \t]*>'
    r'|([^<>()\s",;:\\]+))[ \t]*'
)
#: A whole value that is one address (most From headers, many To headers): one regex call.
_SINGLE = re.compile(_ADDRESS)
#: One entry of a comma-separated list.
_ENTRY = re.compile(_ADDRESS + r"(?:,|\Z)")


def parse_addresses(value: str, *, retry_decoded: bool = True) -> list[tuple[str, str]]:
    """(decoded display name, lower-cased address) pairs; entries without `@` are dropped.

    Group syntax (`Team: a@x, b@y;`, `undisclosed-recipients:;`), comments and escapes take
    the stdlib path; a list that the stdlib cannot read yields what it could.
    """
    pairs = _fast_addresses(value)
    if pairs is None:
        pairs = getaddresses([_phrases(value) if "=?" in value else value])
    out: list[tuple[str, str]] = []
    for name, address in pairs:
        address = address.strip().lower()
        if not is_received_address(address):  # `_spy@evil.example?=`, `a@b c`, a 300-character domain
            continue
        if name:
            if "=?" in name:
                name = decode_words(name)
            name = one_line(name)
        out.append((name, address))
    if not out and retry_decoded and "=?" in value:
        # `From: =?UTF-8?B?...?=` with the whole address encoded: read it once decoded.
        return parse_addresses(one_line(decode_words(value)), retry_decoded=False)
    return out


_WORD_RUN = re.compile(_ENCODED_WORD.pattern + r"(?:[ \t]*" + _ENCODED_WORD.pattern + ")*")
#: Characters with a meaning in address syntax; inside an encoded word they are only text.
_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')


def _phrases(value: str) -> str:
    """`value` with each run of encoded words decoded into plain words.

    An encoded word is one atom of a display name (RFC 2047 §5): whatever it decodes to, a
    `:`, `@`, `<` or a line break inside it must not become address syntax, so
    `=?UTF-8?Q?Evil=0D=0ABcc:_spy@evil.example?= <a@b>` is the name "Evil Bcc spy evil example".
    """

    def plain(match: re.Match[str]) -> str:
        return one_line(_SPECIALS.sub(" ", decode_words(match.group(0)))) or "?"

    return _WORD_RUN.sub(plain, value)


_ADDRESS_CACHE: dict[str, tuple[tuple[str, str], ...]] = {}


def addresses_cached(value: str) -> tuple[tuple[str, str], ...]:
    """`parse_addresses` memoised: the owner's own `To:` and regular senders repeat thousands of times."""
    pairs = _ADDRESS_CACHE.get(value)
    if pairs is None:
        pairs = tuple(parse_addresses(value))
        if len(_ADDRESS_CACHE) >= _CACHE_LIMIT:
            _ADDRESS_CACHE.clear()
        _ADDRESS_CACHE[value] = pairs
    return pairs


def _fast_addresses(value: str) -> list[tuple[str, str]] | None:
    """The common shapes only; None means "let the stdlib decide"."""
    single = _SINGLE.fullmatch(value)
    if single is not None:
        quoted, plain, bracketed, bare = single.groups()
        if bare is not None:
            return [("", bare)]
        return [(quoted if quoted is not None else plain or "", bracketed)]
    pairs: list[tuple[str, str]] = []
    pos, end = 0, len(value)
    while pos < end:
        match = _ENTRY.match(value, pos)
        if match is None or match.end() == pos:
            return None
        quoted, plain, bracketed, bare = match.groups()
        if bare is not None:
            pairs.append(("", bare))
        else:
            pairs.append((quoted if quoted is not None else plain or "", bracketed))
        pos = match.end()
    return pairs


# --- dates ------------------------------------------------------------------------------------

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
#: The RFC 5322 shape nearly every mailer writes; anything else goes to the stdlib.
_DATE = re.compile(
    r"[ \t]*(?:[A-Za-z]{3},?[ \t]*)?(\d{1,2}[ \t]+[A-Za-z]{3}[ \t]+\d{4})[ \t]+"
    r"(\d{1,2}:\d{2}(?::\d{2})?)[ \t]*([+-]\d{4}|UT|UTC|GMT|Z)(?![+-])"
)
#: (day month year, zone) -> that midnight in UTC; "hh:mm:ss" -> offset into the day. Mail dates
#: cluster on few days and zones, so two dict hits replace five int() calls and a constructor.
_DAYS: dict[tuple[str, str], datetime] = {}
_TIMES: dict[str, timedelta] = {}


def parse_date(value: str) -> datetime:
    """A Date header as an aware UTC datetime (naive means UTC); ValueError when it is not a date."""
    match = _DATE.match(value)
    if match is not None:
        day, clock, zone = match.groups()
        try:
            base = _DAYS.get((day, zone))
            if base is None:
                base = _midnight(day, zone)
                if len(_DAYS) >= _CACHE_LIMIT:
                    _DAYS.clear()
                _DAYS[(day, zone)] = base
            offset = _TIMES.get(clock)
            if offset is None:
                parts = clock.split(":")
                hours, minutes = int(parts[0]), int(parts[1])
                seconds = int(parts[2]) if len(parts) == 3 else 0
                if hours > 23 or minutes > 59 or seconds > 60:
                    raise ValueError(f"time {clock} out of range")
                offset = timedelta(hours=hours, minutes=minutes, seconds=seconds)
                if len(_TIMES) >= _CACHE_LIMIT:
                    _TIMES.clear()
                _TIMES[clock] = offset
            return base + offset
        except (ValueError, OverflowError, KeyError) as exc:
            raise ValueError(str(exc)) from None
    try:
        parsed = parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError, OverflowError) as exc:
        raise ValueError(str(exc)) from None
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(str(exc)) from None


def _midnight(day: str, zone: str) -> datetime:
    d, month, year = day.split()
    base = datetime(int(year), _MONTHS[month.lower()], int(d), tzinfo=UTC)
    if zone[0] in "+-":
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
        base = base - offset if zone[0] == "+" else base + offset
    return base
