"""Mail the digest: one multipart/alternative message (text + HTML) over SMTP with STARTTLS."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from listen.config import Config
from listen.errors import ConfigError, ListenError


class SendError(ListenError):
    """The digest could not be mailed."""


def build_message(*, subject: str, sender: str, to: str, text: str, html: str) -> EmailMessage:
    """A multipart/alternative message: plain text first, HTML preferred by mail clients."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def send_digest(
    config: Config,
    *,
    subject: str,
    text: str,
    html: str,
    tls_context: ssl.SSLContext | None = None,
    timeout: float = 30.0,
) -> str:
    """Send to `config.email.to`; returns the recipient. Password from LISTEN_SMTP_PASSWORD."""
    settings = config.email
    where = str(config.path) if config.path else "<config>"
    if not settings.to:
        raise ConfigError(where, "is required for --email", key="email.to")
    sender = settings.sender or settings.to
    message = build_message(subject=subject, sender=sender, to=settings.to, text=text, html=html)
    password = config.secret("smtp_password")
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=timeout) as smtp:
            smtp.ehlo()
            if settings.starttls:
                if not smtp.has_extn("starttls"):
                    raise SendError(
                        f"{settings.host}:{settings.port} does not offer STARTTLS "
                        "(set email.starttls = false only for a trusted local relay)"
                    )
                smtp.starttls(context=tls_context or ssl.create_default_context())
                smtp.ehlo()
            if settings.username:
                if not password:
                    raise SendError("email.username is set but LISTEN_SMTP_PASSWORD is not")
                smtp.login(settings.username, password)
            smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(f"SMTP login refused by {settings.host}: {exc.smtp_code}") from None
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise SendError(f"cannot send mail via {settings.host}:{settings.port}: {exc}") from None
    return settings.to
