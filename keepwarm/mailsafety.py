"""What may go into a mail header: one validator for header values, one for addresses.

Used wherever a value reaches a header: reading mail (connectors keep only valid addresses),
editing a draft (CLI and web refuse a bad value with the field and the character), rendering a
rule's subject (bad characters collapse to spaces) and delivering (a draft that still carries one
fails alone with the reason). Pure functions, no I/O.

Python's e-mail package refuses any value that `str.splitlines()` would split (CR, LF, \\x0b,
\\x0c, \\x1c-\\x1e, \\x85, U+2028, U+2029); control characters (NUL, ESC, DEL, C1 controls) and
lone surrogates (undecodable bytes of a file name) are refused as well: none belongs in a header.
"""

from __future__ import annotations

import re
import unicodedata

#: Unicode categories that never belong in a header: controls, line and paragraph separators,
#: lone surrogates.
_BAD_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Cs"})
#: RFC 5321 limits: local part 64 octets, domain 255, a whole path 256 with its brackets.
MAX_LOCAL = 64
MAX_DOMAIN = 255
MAX_ADDRESS = 254
_LOCAL = re.compile(r"[^\s<>()\[\],;:\"\\@]+")
_LABEL = re.compile(r"[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?")


def bad_character(value: str) -> str | None:
    """A description of the first character of `value` that cannot be in a header, or None."""
    if value.isprintable():  # the fast path: no control, separator or surrogate at all
        return None
    for char in value:
        if char == " " or unicodedata.category(char) not in _BAD_CATEGORIES:
            continue
        if char == "\t":
            continue  # folding whitespace: harmless, normalised to a space on the way out
        name = unicodedata.name(char, "") if unicodedata.category(char) != "Cs" else ""
        return f"U+{ord(char):04X}" + (f" {name}" if name else "")
    return None


def header_problem(field: str, value: str) -> str | None:
    """Why `value` cannot be the `field` header (with the fix), or None when it can."""
    found = bad_character(value)
    if found is None:
        return None
    return (
        f"{field}: line breaks and control characters are not allowed (found {found}); "
        "a header is one line of text: remove it"
    )


def text_problem(field: str, value: str) -> str | None:
    """Why free text (a body) cannot be stored or sent: NUL or undecodable bytes; else None."""
    if "\x00" in value:
        return f"{field}: contains a NUL character (U+0000): remove it"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"{field}: contains undecodable bytes (U+{ord(value[exc.start]):04X}): remove them"
    return None


def one_line(value: str) -> str:
    """`value` as a header-safe single line: bad characters become spaces, runs collapse."""
    if bad_character(value) is not None:
        value = "".join(" " if unicodedata.category(c) in _BAD_CATEGORIES else c for c in value)
    return " ".join(value.split())


def address_problem(address: str, *, received: bool = False) -> str | None:
    """Why `address` is not a usable `local@domain` mailbox, or None when it is.

    `received`: an address read from mail someone else wrote is data, not a recipient, so a
    misplaced dot (Enron's Exchange aliases `k..allen@enron.com`, old Japanese mobile
    addresses `taro.@docomo.ne.jp`) is kept: detection labels it undeliverable (or the owner).
    """
    if not address:
        return "empty address"
    if len(address) > MAX_ADDRESS:
        return f"address longer than {MAX_ADDRESS} characters"
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return "not of the form local@domain"
    if len(local) > MAX_LOCAL or not _LOCAL.fullmatch(local) or bad_character(local):
        return 'the part before @ has spaces, control characters or symbols (<>()[],;:"\\)'
    if not received and (local.startswith(".") or local.endswith(".") or ".." in local):
        return "the part before @ has a misplaced dot"
    labels = domain.split(".")
    if len(domain) > MAX_DOMAIN or len(labels) < 2:
        return "the domain is not a domain name (like example.org)"
    if not all(_LABEL.fullmatch(label) for label in labels):
        return "the domain has characters a domain name cannot have"
    return None


def is_address(address: str) -> bool:
    return address_problem(address) is None


def is_received_address(address: str) -> bool:
    """An address as real mail writes it (a misplaced dot allowed): one to read, not to send to."""
    return address_problem(address, received=True) is None
