"""E-mail in development: readable in the terminal, and kept in a local inbox.

``EMAIL_URL=console://`` (the default) selects :class:`ConsoleEmailBackend`. It prints each
message decoded — subject, from, to, the text body as written (links whole, on one line),
attachment names — instead of Django's raw MIME with its quoted-printable line breaks. With
``DEBUG`` on it also keeps a copy of each message as an ``.eml`` file in ``TANDEM_DEV_INBOX``,
which the local inbox page (``/dev/inbox/``) lists with their links.
"""

from __future__ import annotations

import email
import email.policy
import re
import sys
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage as ParsedMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

_LINK = re.compile(r"https?://[^\s<>\"')\]]+")
_RULE = "-" * 79


def links_in(text: str) -> list[str]:
    """The web addresses in ``text``, in order, each once."""
    found: list[str] = []
    for match in _LINK.finditer(text):
        link = match.group(0).rstrip(".,;:!?")
        if link not in found:
            found.append(link)
    return found


def _text_body(message: EmailMessage) -> str:
    if message.content_subtype == "plain":
        return str(message.body)
    # An HTML-only message: say so rather than print the markup.
    return "(no text version: this message has an HTML body only)"


def readable(message: EmailMessage) -> str:
    """One message as a person would read it in a mail program, as plain text."""
    lines = [
        f"Subject: {message.subject}",
        f"From: {message.from_email}",
        f"To: {', '.join(message.to)}",
    ]
    if message.cc:
        lines.append(f"Cc: {', '.join(message.cc)}")
    if message.reply_to:
        lines.append(f"Reply-To: {', '.join(message.reply_to)}")
    lines += ["", _text_body(message).rstrip("\n")]
    names = [_attachment_name(attachment) for attachment in message.attachments]
    if names:
        lines += ["", "Attachments: " + ", ".join(names)]
    return "\n".join(lines)


def _attachment_name(attachment: Any) -> str:
    if isinstance(attachment, tuple) or hasattr(attachment, "filename"):
        filename = attachment[0] if isinstance(attachment, tuple) else attachment.filename
        return str(filename or "(unnamed)")
    # A MIMEBase part attached as is.
    return str(attachment.get_filename() or attachment.get_content_type())


def inbox_folder() -> Path | None:
    """Where development e-mails are kept: only with ``DEBUG`` on and the folder configured."""
    folder = getattr(settings, "TANDEM_DEV_INBOX", None)
    if not settings.DEBUG or not folder:
        return None
    return Path(folder)


def keep_copy(message: EmailMessage, folder: Path) -> Path:
    """Store ``message`` as an ``.eml`` file named so that the newest sorts last."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(message.message().as_bytes())
    return path


class ConsoleEmailBackend(BaseEmailBackend):
    """Prints each message decoded and, in development, keeps it for the local inbox."""

    def __init__(
        self, fail_silently: bool = False, *, stream: IO[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.stream = stream or sys.stdout
        self.fail_silently = fail_silently  # nothing here can fail but the stream itself
        self._lock = threading.RLock()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not email_messages:
            return 0
        folder = inbox_folder()
        sent = 0
        with self._lock:
            for message in email_messages:
                if not message.recipients():
                    continue
                self.stream.write(f"{readable(message)}\n{_RULE}\n")
                self.stream.flush()
                if folder is not None:
                    keep_copy(message, folder)
                sent += 1
        return sent


@dataclass(frozen=True)
class InboxMessage:
    """One kept e-mail, decoded for the inbox page."""

    name: str
    subject: str
    sender: str
    to: str
    sent_at: datetime | None
    body: str
    links: list[str]
    attachments: list[str]


def _parse(path: Path) -> InboxMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, ParsedMessage)  # the default policy parses into this class
    text_part = parsed.get_body(preferencelist=("plain",))
    body = str(text_part.get_content()) if isinstance(text_part, ParsedMessage) else ""
    date_header = parsed.get("Date")
    sent_at = parsedate_to_datetime(str(date_header)) if date_header else None
    return InboxMessage(
        name=path.stem,
        subject=str(parsed.get("Subject", "")),
        sender=str(parsed.get("From", "")),
        to=str(parsed.get("To", "")),
        sent_at=sent_at,
        body=body,
        links=links_in(body),
        attachments=[
            str(part.get_filename()) for part in parsed.iter_attachments() if part.get_filename()
        ],
    )


def kept_messages(folder: Path, *, limit: int = 50) -> list[InboxMessage]:
    """The newest ``limit`` kept e-mails, newest first."""
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.eml"), reverse=True)[:limit]
    return [_parse(path) for path in paths]
