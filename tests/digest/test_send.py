"""`--email`: a real SMTP server on 127.0.0.1 (aiosmtpd) with STARTTLS and login."""

from __future__ import annotations

import email
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from listen.config import Config, parse_config
from listen.digest.render import render_html, render_text
from listen.digest.send import SendError, send_digest
from listen.errors import ConfigError
from tests.digest.samples import sample_digest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.original_content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


@dataclass
class SmtpServer:
    port: int
    inbox: Inbox
    client_tls: ssl.SSLContext
    cert: Path


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make the test server's certificate")
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    inbox = Inbox()

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        if isinstance(data, LoginPassword):
            inbox.logins.append((data.login.decode(), data.password.decode()))
            ok = data.password == b"s3cret"
            return AuthResult(success=ok, handled=False)  # not handled: the server says 535
        return AuthResult(success=False, handled=False)

    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticate,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield SmtpServer(port, inbox, ssl.create_default_context(cafile=str(cert)), cert)
    finally:
        controller.stop()


def mail_config(port: int, password: str = "s3cret", **email_keys: Any) -> Config:
    document = {
        "email": {
            "to": "me@example.org",
            "sender": "listen@example.org",
            "host": "127.0.0.1",
            "port": port,
            "username": "me",
            **email_keys,
        }
    }
    return parse_config(document, path=None, env={"LISTEN_SMTP_PASSWORD": password})


def test_digest_arrives_as_multipart_text_and_escaped_html(smtp_server: SmtpServer) -> None:
    digest = sample_digest()
    to = send_digest(
        mail_config(smtp_server.port),
        subject="listen: 1 to reply",
        text=render_text(digest),
        html=render_html(digest),
        tls_context=smtp_server.client_tls,
        timeout=10,
    )
    assert to == "me@example.org"
    assert smtp_server.inbox.logins == [("me", "s3cret")]  # over TLS: the server required it
    (message,) = smtp_server.inbox.messages
    assert smtp_server.inbox.recipients == [["me@example.org"]]
    assert message["Subject"] == "listen: 1 to reply"
    assert message.get_content_type() == "multipart/alternative"
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert "1. Reply to these" in parts["text/plain"]
    html = parts["text/html"]
    assert "Reply to these" in html
    assert "<script" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_wrong_password_is_a_clear_error(smtp_server: SmtpServer) -> None:
    with pytest.raises(SendError, match=r"SMTP login refused by 127\.0\.0\.1"):
        send_digest(
            mail_config(smtp_server.port, password="wrong"),
            subject="s",
            text="t",
            html="<p>h</p>",
            tls_context=smtp_server.client_tls,
            timeout=10,
        )
    assert smtp_server.inbox.messages == []


def test_missing_recipient_and_unreachable_server() -> None:
    with pytest.raises(ConfigError, match=r"email\.to"):
        send_digest(Config(), subject="s", text="t", html="h")
    with pytest.raises(SendError, match=r"cannot send mail via 127\.0\.0\.1"):
        send_digest(mail_config(free_port()), subject="s", text="t", html="h", timeout=5)


def test_cli_digest_email_over_starttls(
    smtp_server: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from listen.cli import cli

    config = tmp_path / "config.toml"
    config.write_text(
        "[email]\n"
        'to = "me@example.org"\n'
        'host = "127.0.0.1"\n'
        f"port = {smtp_server.port}\n"
        'username = "me"\n'
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(smtp_server.cert))  # trust the test server's cert
    monkeypatch.setenv("LISTEN_SMTP_PASSWORD", "s3cret")
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "--db", str(tmp_path / "l.db"), "digest", "--email"],
        env={"LISTEN_SMTP_PASSWORD": "s3cret", "SSL_CERT_FILE": str(smtp_server.cert)},
    )
    assert result.exit_code == 0, result.output
    assert "Mailed the digest to me@example.org." in result.output
    (message,) = smtp_server.inbox.messages
    assert message["Subject"] == "listen: a quiet day"
    assert message.get_content_type() == "multipart/alternative"
