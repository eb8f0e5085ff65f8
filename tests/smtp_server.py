"""A real SMTP server for tests (aiosmtpd on 127.0.0.1), with TLS from a trustme CA.

`Mailbox` records every message the server accepted, with its envelope, so a test
can parse exactly what a recipient would get.
"""

from __future__ import annotations

import asyncio
import email
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass
class Received:
    """One accepted message: envelope sender, envelope recipients and the raw bytes."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=default)


@dataclass
class Mailbox:
    """The aiosmtpd handler: accepts everything except the addresses in `reject`.

    An address in `stall` makes the server sit on its RCPT reply for that many seconds,
    once (touching `stalled` when it starts), so a test can kill a client mid-send.
    """

    reject: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    stall: dict[str, float] = field(default_factory=dict)
    stalled: Path | None = None

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.stall:
            if self.stalled is not None:
                self.stalled.touch()
            await asyncio.sleep(self.stall.pop(address))
        if address in self.reject:
            return f"550 5.1.1 <{address}>: Recipient address rejected: no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), content))
        return f"250 2.0.0 Ok: queued as Q{len(self.received)}"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Authority:
    """A throwaway certificate authority and a server certificate for 127.0.0.1."""

    def __init__(self) -> None:
        self.ca = trustme.CA()
        self.cert = self.ca.issue_cert("127.0.0.1", "localhost")

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.cert.configure_cert(context)
        return context

    def write_ca(self, path: Any) -> str:
        self.ca.cert_pem.write_to_path(str(path))
        return str(path)


class _ImplicitTLSController(Controller):
    """aiosmtpd's own readiness probe speaks plain TCP; with implicit TLS it must not."""

    def _trigger_server(self) -> None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with socket.create_connection((self.hostname, self.port), timeout=5) as raw, \
                context.wrap_socket(raw) as s:
            s.recv(1024)


@contextmanager
def smtp_server(mailbox: Mailbox, *, port: int | None = None, starttls: ssl.SSLContext | None = None,
                implicit_tls: ssl.SSLContext | None = None,
                auth: tuple[str, str] | None = None) -> Iterator[int]:
    """Run an SMTP server on 127.0.0.1 for the duration of the block; yields its port."""
    port = port or free_port()
    kwargs: dict[str, Any] = {"hostname": "127.0.0.1", "port": port}
    if starttls is not None:
        kwargs.update(tls_context=starttls, require_starttls=True)
    if auth is not None:
        def check(server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                  data: Any) -> AuthResult:
            ok = isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode()) == auth
            return AuthResult(success=ok, handled=False)
        kwargs.update(authenticator=check, auth_required=True)
    controller: Controller
    if implicit_tls is not None:
        controller = _ImplicitTLSController(mailbox, ssl_context=implicit_tls, **kwargs)
    else:
        controller = Controller(mailbox, **kwargs)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
