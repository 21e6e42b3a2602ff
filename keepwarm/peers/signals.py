"""What one message's headers say about its sender: machine, bulk sender, bounce, or a person.

Header names arrive lower-cased (connectors keep only `CLASSIFICATION_HEADERS`); values can be
anything a mail server wrote, so every function here tolerates garbage and never raises.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from keepwarm.models import Interaction
from keepwarm.peers.addresses import normalise, parse_address
from keepwarm.peers.lists import route

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
#: Calendar invitations and responses sent as mail: Google's `Accepted: Title @ Tue 6 Oct 2026
#: 10am - 11am (WEST) (ada@x)`, `Invitation: … @ …`, `Updated invitation: … @ …`; Outlook's
#: `Accepted: Title`, `Tentative: Title`, `Declined: Title`, `Canceled: Title`.
_CALENDAR_SUBJECT = re.compile(
    r"^\s*(?:(?:accepted|declined|tentative|tentatively accepted|updated invitation(?: with note)?"
    r"|invitation|canceled event|cancelled event|new time proposed|proposed new time)\s*:\s.*\s@\s"
    r"|(?:accepted|declined|tentative|tentatively accepted|canceled|cancelled"
    r"|new time proposed)\s*:\s)",
    re.IGNORECASE,
)
#: A calendar invitation or response: the person's calendar wrote it, not the person; it
#: answers nothing and is owed nothing. Unlike the other signals it does not make its sender a
#: machine (the meeting itself is the evidence, in the calendar).
CALENDAR_NOTICE = "calendar invitation or response"


def automated_signals(item: Interaction, *, routed: bool | None = None) -> list[str]:
    """Why a message looks machine-sent, one short phrase per header; empty for a person's mail.

    Bulk headers (List-Id, List-Unsubscribe, Precedence) count only when the message is not
    discussion-list traffic: on a list post they describe the route, not the sender. `routed`
    says whether it is, for a caller that already asked `route` (found here otherwise).
    """
    signals = machine_signals(item)
    if item.headers:
        bulk = bulk_signals(item.headers)
        if bulk:
            if routed is None:
                sender = item.sender
                routed = sender is not None and route(item, sender) is not None
            if not routed:
                signals = bulk + signals
    return signals


def bulk_signals(h: Mapping[str, str]) -> list[str]:
    """List and bulk headers: a newsletter's or notification's sender is a machine."""
    signals: list[str] = []
    if "list-id" in h:
        signals.append("header List-Id")
    if "list-unsubscribe" in h:
        signals.append("header List-Unsubscribe")
    precedence = h.get("precedence", "").strip().lower()
    if precedence in ("bulk", "list", "junk"):
        signals.append(f"Precedence: {precedence}")
    return signals


def machine_signals(item: Interaction) -> list[str]:
    """Headers and subjects only a machine writes: auto-replies, bounces, reports."""
    h = item.headers
    signals: list[str] = []
    if h:
        auto = h.get("auto-submitted", "").strip().lower().split(";")[0].strip()
        if auto and auto != "no":
            signals.append(f"Auto-Submitted: {auto}")
        # X-Auto-Response-Suppress is no signal: Exchange puts it on people's ordinary mail
        # (it asks *other* servers not to auto-reply); its OOFs carry Auto-Submitted anyway.
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
        if h.get("content-type", "").startswith("text/calendar"):
            signals.append(CALENDAR_NOTICE)
    if item.subject:
        if _AUTO_REPLY_SUBJECT.match(item.subject) and "out-of-office reply" not in signals:
            signals.append("out-of-office reply")
        elif _BOUNCE_SUBJECT.match(item.subject) and "delivery report (bounce)" not in signals:
            signals.append("delivery report (bounce)")
        elif _CALENDAR_SUBJECT.match(item.subject) and CALENDAR_NOTICE not in signals:
            signals.append(CALENDAR_NOTICE)
    return signals


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
