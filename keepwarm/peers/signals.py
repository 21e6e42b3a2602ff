"""What one message's headers say about its sender: machine, mailing list, bounce, or a person.

Header names arrive lower-cased (connectors keep only `CLASSIFICATION_HEADERS`); values can be
anything a mail server wrote, so every function here tolerates garbage and never raises.
"""

from __future__ import annotations

import re

from keepwarm.models import Interaction, Participant, Role
from keepwarm.peers.addresses import normalise, parse_address

_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(?:automatic reply|auto(?:matic)?[- ]?(?:reply|response|antwort)|out of (?:the )?office"
    r"|abwesenheitsnotiz|réponse automatique|respuesta automática|risposta automatica|autosvar"
    r"|i am (?:currently )?out of (?:the )?office|away from (?:the )?office|on vacation)\b",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(?:undeliverable|undelivered mail|delivery status notification \((?:failure|delay)\)"
    r"|returned mail|mail delivery (?:failed|failure|system)|failure notice|delivery failure"
    r"|non[- ]?delivery report|message not delivered|delivery has failed)",
    re.IGNORECASE,
)
_BOUNCE_PREFIX = re.compile(
    r"^\s*(?:undeliverable|undelivered|returned mail|delivery status notification \(failure\)"
    r"|mail delivery failed|delivery failure|message not delivered|not delivered)\s*:\s*",
    re.IGNORECASE,
)
_REPORT_TYPE = re.compile(r"report-type\s*=\s*\"?([\w-]+)", re.IGNORECASE)
_VIA = re.compile(r"\s+via\s+", re.IGNORECASE)
_LIST_MARKERS = ("list-id",)


def automated_signals(item: Interaction) -> list[str]:
    """Why a message looks machine-sent or list-sent, one short phrase per header.

    Empty when it looks like a person wrote it to you. List headers are here too: list traffic
    alone is no relationship (the human behind a rewritten From is handled by `real_sender`).
    """
    h = item.headers
    signals: list[str] = []
    if h:
        if "list-id" in h:
            signals.append("header List-Id")
        if "list-unsubscribe" in h:
            signals.append("header List-Unsubscribe")
        precedence = h.get("precedence", "").strip().lower()
        if precedence in ("bulk", "list", "junk"):
            signals.append(f"Precedence: {precedence}")
        auto = h.get("auto-submitted", "").strip().lower().split(";")[0].strip()
        if auto and auto != "no":
            signals.append(f"Auto-Submitted: {auto}")
        if "x-auto-response-suppress" in h:
            signals.append("header X-Auto-Response-Suppress")
        if "return-path" in h and h["return-path"].strip() in ("", "<>"):
            signals.append("empty Return-Path")
        report = _REPORT_TYPE.search(h.get("content-type", ""))
        kind = report.group(1).lower() if report else ""
        if kind == "delivery-status" or "x-failed-recipients" in h:
            signals.append("delivery report (bounce)")
        elif kind == "feedback-report":
            signals.append("abuse complaint report")
        elif kind == "disposition-notification":
            signals.append("read receipt")
        if "x-autoreply" in h or "x-autorespond" in h:
            signals.append("out-of-office reply")
    if item.subject:
        if _AUTO_REPLY_SUBJECT.match(item.subject) and "out-of-office reply" not in signals:
            signals.append("out-of-office reply")
        elif _BOUNCE_SUBJECT.match(item.subject) and "delivery report (bounce)" not in signals:
            signals.append("delivery report (bounce)")
    return signals


def list_name(item: Interaction) -> str | None:
    """The mailing list a message came through (its `List-Id`, or `Precedence: list`)."""
    h = item.headers
    if not h:
        return None
    list_id = h.get("list-id")
    if list_id is not None:
        return list_id.strip().strip("<>").strip() or "an unnamed list"
    if h.get("precedence", "").strip().lower() == "list":
        return "a mailing list"
    return None


def is_bounce(signals: list[str]) -> bool:
    return "delivery report (bounce)" in signals


def bounced_subject(subject: str) -> str | None:
    """The original subject a bounce quotes (`Undeliverable: Hello` → `hello`), if it does."""
    m = _BOUNCE_PREFIX.match(subject)
    return subject[m.end() :].strip().lower() or None if m else None


def failed_recipients(item: Interaction) -> list[str]:
    """Normalised addresses a bounce names in `X-Failed-Recipients`."""
    value = item.headers.get("x-failed-recipients", "") if item.headers else ""
    found = []
    for part in value.split(","):
        parsed = parse_address(part)
        if parsed is not None:
            found.append(normalise(parsed[1]))
    return found


def real_sender(item: Interaction, sender: Participant) -> Participant | None:
    """The human behind list mail whose From was rewritten (DMARC mitigation), if any.

    `'Name' via List <list@…>` carries the real sender in X-Original-From, X-Original-Sender
    or Reply-To. None for plain mail, or list mail that names nobody else.
    """
    h = item.headers
    if not h:
        return None
    rewritten = bool(_VIA.search(sender.name))
    if not rewritten and not any(m in h for m in _LIST_MARKERS):
        return None
    candidates = ["x-original-from", "x-original-sender"]
    if rewritten:
        candidates.append("reply-to")
    for header in candidates:
        value = h.get(header)
        if not value:
            continue
        parsed = parse_address(value)
        if parsed is None or parsed[1] == sender.address:
            continue
        name = parsed[0] or _VIA.split(sender.name, maxsplit=1)[0].strip().strip("'\"")
        return Participant(parsed[1], Role.FROM, name)
    return None
