"""Validation of edited drafts and the readable text form that `keepwarm edit` opens.

The text form is a few header lines (To, Subject), a blank line, then the body, so any editor
works. Everything is validated before it reaches the store: addresses must look like addresses,
and headers must not carry a line break or control character of any kind (no header injection
into the delivered message; see `keepwarm.mailsafety`).
"""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import getaddresses

from keepwarm.errors import ConfigError
from keepwarm.mailsafety import address_problem, header_problem, text_problem


class DraftTextError(ConfigError):
    """An edited draft that does not validate: says which field and what to fix."""


def validate_fields(
    to: Sequence[str] | None, subject: str | None, body: str | None
) -> tuple[list[str] | None, str | None, str | None]:
    clean_to = None
    if to is not None:
        clean_to = []
        for raw in to:
            problem = header_problem("To", raw)
            if problem:
                raise DraftTextError(problem)
            for _name, addr in getaddresses([raw]):
                addr = addr.strip().lower()
                if address_problem(addr):
                    raise DraftTextError(
                        f"To: {raw.strip()!r} is not an email address; write e.g. grace@example.org"
                    )
                if addr not in clean_to:
                    clean_to.append(addr)
        if not clean_to:
            raise DraftTextError("To: a draft needs at least one recipient")
    if subject is not None:
        problem = header_problem("Subject", subject)
        if problem:
            raise DraftTextError(problem)
        subject = subject.strip()
        if not subject:
            raise DraftTextError("Subject: the subject is empty; write one")
    if body is not None:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
        problem = text_problem("Body", body)
        if problem:
            raise DraftTextError(problem)
        if not body.strip():
            raise DraftTextError("Body: the body is empty; write the message below the headers")
    return clean_to, subject, body


def to_text(to: Sequence[str], subject: str, body: str) -> str:
    return (
        f"To: {', '.join(to)}\nSubject: {subject}\n\n{body.rstrip()}\n"
        "\n# Lines starting with '#' at the very end are ignored. Save and close to apply;\n"
        "# empty the file to cancel.\n"
    )


def from_text(text: str) -> tuple[list[str], str, str] | None:
    """Parse the text form back; `None` when the user emptied the file (cancel)."""
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and (lines[-1].startswith("#") or not lines[-1].strip()):
        lines.pop()
    if not lines:
        return None
    headers: dict[str, str] = {}
    i = 0
    while i < len(lines) and lines[i].strip():
        name, sep, value = lines[i].partition(":")
        key = name.strip().lower()
        if not sep or key not in ("to", "subject"):
            raise DraftTextError(
                f"line {i + 1}: expected 'To:' or 'Subject:' before the blank line, got {lines[i]!r}"
            )
        headers[key] = value.strip()
        i += 1
    for key in ("to", "subject"):
        if key not in headers:
            raise DraftTextError(f"the '{key.title()}:' line is missing; keep the header lines")
    to = [a for a in (x.strip() for x in headers["to"].split(",")) if a]
    body = "\n".join(lines[i + 1 :])
    clean_to, subject, clean_body = validate_fields(to, headers["subject"], body)
    assert clean_to is not None and subject is not None and clean_body is not None
    return clean_to, subject, clean_body
