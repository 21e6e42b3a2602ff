"""Delivery for the files connector: one RFC 5322 draft per key in a Maildir `drafts/` folder.

Exactly once comes from the file name, which is derived from the delivery key: the message is
written to `tmp/` and hard-linked into `cur/`, which fails if the name exists, so a retry or a
second process can never produce a second draft. A mail client that later changes the draft's
flags renames `…:2,D` to `…:2,DS`; lookups match the unique part before `:` for that reason.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default
from email.utils import formatdate
from pathlib import Path

from keepwarm.errors import PermanentError
from keepwarm.mailsafety import header_problem
from keepwarm.models import OutgoingMessage
from keepwarm.ports import Receipt
from keepwarm.privatefiles import private_dir, write_private


def _digest(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:20]


def _bracketed(message_id: str) -> str:
    message_id = message_id.strip()
    return message_id if message_id.startswith("<") else f"<{message_id}>"


class MaildirDrafts:
    """The drafts Maildir of one account."""

    def __init__(self, root: Path, account: str) -> None:
        self.root = root
        self.account = account

    def _fail(self, what: str, path: Path, exc: OSError) -> PermanentError:
        reason = exc.strerror or str(exc)
        fix = "check that the drafts folder exists and is writable by the user running keepwarm"
        if exc.errno == errno.ENOSPC:
            fix = "free some disk space"
        return PermanentError(f"cannot {what} {path}: {reason}; {fix}", account=self.account)

    def find(self, key: str) -> Receipt | None:
        """The draft delivered under `key`, even if a mail client changed its flags since."""
        stem = f"keepwarm-{_digest(key)}"
        exact = self.root / "cur" / f"{stem}:2,D"
        if exact.exists():
            return Receipt(provider_ref=str(exact))
        for sub in ("cur", "new"):
            folder = self.root / sub
            try:
                names = sorted(entry.name for entry in folder.iterdir())
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise self._fail("read", folder, exc) from exc
            for name in names:
                if name.split(":", 1)[0] == stem:
                    return Receipt(provider_ref=str(folder / name))
        return None

    def deliver(self, message: OutgoingMessage, *, send: bool) -> Receipt:
        """Write the draft once; a repeated call returns the existing draft's receipt."""
        if send:
            raise PermanentError(
                "the files connector cannot send mail; use mode = 'draft'", account=self.account
            )
        existing = self.find(message.key)
        if existing is not None:
            return existing
        data = self._render(message)
        stem = f"keepwarm-{_digest(message.key)}"
        target = self.root / "cur" / f"{stem}:2,D"
        scratch = self.root / "tmp" / f"{stem}.{os.getpid()}"
        try:
            for sub in ("tmp", "new", "cur"):
                private_dir(self.root / sub)
            write_private(scratch, data)  # drafts are private mail: 0600
            try:
                target.hardlink_to(scratch)  # atomic and refuses to overwrite: exactly once
            except FileExistsError:
                pass  # another attempt won the race; its draft is the delivery
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                    raise
                if target.exists():  # filesystems without hard links: replace, guarded
                    return Receipt(provider_ref=str(target))
                scratch.replace(target)
        except OSError as exc:
            raise self._fail("write draft to", target, exc) from exc
        finally:
            with contextlib.suppress(OSError):
                scratch.unlink()
        return Receipt(provider_ref=str(target))

    def _render(self, message: OutgoingMessage) -> bytes:
        values = [message.key, message.from_name, message.from_address, message.subject]
        values += [*message.to, *message.references, message.in_reply_to or ""]
        for value in values:
            problem = header_problem("header", value)
            if problem is not None:
                raise PermanentError(
                    f"refusing to write the draft: {problem}", account=self.account
                )
        if not message.to:
            raise PermanentError("the draft has no recipient", account=self.account)
        msg = EmailMessage(policy=default)
        try:
            msg["From"] = Address(display_name=message.from_name, addr_spec=message.from_address)
            msg["To"] = tuple(Address(addr_spec=address) for address in message.to)
        except (ValueError, IndexError) as exc:
            raise PermanentError(f"invalid address in draft: {exc}", account=self.account) from exc
        msg["Subject"] = message.subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = f"<keepwarm.{_digest(message.key)}@keepwarm.local>"
        if message.in_reply_to:
            msg["In-Reply-To"] = _bracketed(message.in_reply_to)
        references = message.references or ((message.in_reply_to,) if message.in_reply_to else ())
        if references:
            msg["References"] = " ".join(_bracketed(r) for r in references)
        msg["X-Keepwarm-Key"] = message.key
        msg.set_content(message.body, charset="utf-8")
        return msg.as_bytes()
