"""Email: the message an edition becomes, and the transports that carry it.

Two promises shape this module:

* **Nothing in a feed can change where mail goes.** Recipients reach the server only as
  explicit envelope addresses (`RCPT TO`), never read back from headers. Any text that
  reaches a header (subject, display names, List-Id) goes through `header_text`, which
  removes control characters, CR/LF and encoded-word markers (``=?...?=``): a feed
  title whose encoded word decodes to ``\\r\\nBcc: x@evil.example`` stays one harmless
  line of text.
* **It looks right in a mail client.** ``multipart/alternative`` with a plain-text part
  (``mail.txt``) and an HTML part (``mail.html``, the edition page with its CSS inlined
  by css-inline, because most clients drop ``<style>``), plus the PDF when
  ``attach_pdf`` is on and it fits ``max_mail_mb`` (counted after base64). When it does
  not fit, the mail links to the archive instead and says so.

Transports come from ``BRIEFING_SMTP_URL`` (see `parse_smtp_url`). The delivery ledger
that decides *whether* to send lives in `briefing.ledger`.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import jinja2

from briefing.errors import BriefingError, ConfigError
from briefing.models import Edition

log = logging.getLogger(__name__)

ADDRESS = re.compile(r"[^@\s<>,;\"()\[\]\\]+@[A-Za-z0-9.-]+")
_ENCODED_WORD_MARKERS = re.compile(r"=\?|\?=")
_SPACES = re.compile(r"\s+")
MB = 1024 * 1024
DEFAULT_TIMEOUT = 30.0


class DeliveryError(BriefingError):
    """One message could not be handed to the server; `permanent` when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message, hint="see `briefing status`; `briefing send` retries on purpose")
        self.permanent = permanent


# --- headers -----------------------------------------------------------------------


def header_text(value: object, limit: int = 200) -> str:
    """Feed or template text made safe for a header: one line, no encoded words.

    Control and format characters (CR, LF, NEL, U+2028, ...) become spaces, so no text
    can start a new header line; ``=?`` and ``?=`` are removed until none remain, so no
    text can smuggle an encoded word that a client would decode into something else.
    """
    text = "".join(" " if unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} else ch
                   for ch in str(value))
    while _ENCODED_WORD_MARKERS.search(text):
        text = _ENCODED_WORD_MARKERS.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    return text[:limit].rstrip()


def check_address(value: str, what: str = "address") -> str:
    """An addr-spec we are willing to put in an envelope; anything else is a ConfigError."""
    if not ADDRESS.fullmatch(value or ""):
        raise ConfigError(f"{value!r} is not a usable e-mail {what}")
    return value


def parse_sender(value: str) -> tuple[str, str]:
    """``BRIEFING_MAIL_FROM`` (``addr`` or ``Name <addr>``) -> (display name, address)."""
    if any(ch in value for ch in "\r\n\0"):
        raise ConfigError("BRIEFING_MAIL_FROM contains a line break")
    name, addr = parseaddr(value)
    return header_text(name), check_address(addr, "sender (BRIEFING_MAIL_FROM)")


# --- the message -------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Letter:
    """What every recipient of one edition gets; `address` makes the per-recipient copy."""

    edition: Edition
    subject: str
    text: str
    html: str
    pdf: bytes | None
    pdf_name: str
    pdf_note: Literal["attached", "too-large", "none"]

    def address(self, *, sender: str, sender_name: str, recipient: str, message_id: str,
                now: datetime, list_id: str) -> EmailMessage:
        """The message for one recipient; its only To is that recipient."""
        msg = EmailMessage(policy=SMTP)
        msg["Subject"] = self.subject
        msg["From"] = Address(display_name=sender_name, addr_spec=sender)
        msg["To"] = Address(addr_spec=check_address(recipient, "recipient"))
        msg["Date"] = format_datetime(now)
        msg["Message-ID"] = message_id
        msg["List-Id"] = list_id
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(self.text, subtype="plain", charset="utf-8", cte="quoted-printable")
        msg.add_alternative(self.html, subtype="html", charset="utf-8", cte="quoted-printable")
        if self.pdf is not None:
            msg.make_mixed()
            msg.add_attachment(self.pdf, maintype="application", subtype="pdf",
                               filename=self.pdf_name)
        return msg


def list_id(edition: Edition, sender: str) -> str:
    """``Title <schedule.briefing.domain>``: lets readers filter one briefing (RFC 2919)."""
    label = re.sub(r"[^A-Za-z0-9-]+", "-", edition.schedule).strip("-").lower() or "briefing"
    domain = sender.rpartition("@")[2].lower()
    phrase = header_text(edition.title, 100).replace("<", "").replace(">", "")
    return f"{phrase} <{label}.briefing.{domain}>"


def compose(edition: Edition, env: jinja2.Environment, *, pdf: bytes | None, attach_pdf: bool,
            max_mail_mb: float, edition_url: str | None, archive_root: str | None,
            pdf_location: str, page_size: str = "A4") -> Letter:
    """Render subject, text and HTML, and decide whether the PDF fits the size budget.

    The budget is checked on the finished message (base64 included) with a stand-in
    recipient, so what is measured is what is sent, give or take one header. The
    stand-in sender's name is the title made header-safe like every header text: a
    title with a line break (a TOML multi-line string) raised ValueError there.
    """
    name = f"{header_text(edition.schedule, 60) or 'briefing'}-{edition.date.isoformat()}.pdf"
    base = _render(edition, env, note="attached" if pdf is not None and attach_pdf else "none",
                   edition_url=edition_url, archive_root=archive_root, pdf_location=pdf_location,
                   page_size=page_size, pdf=pdf if attach_pdf else None, pdf_name=name)
    if base.pdf is None:
        return base
    size = len(base.address(sender="size@check.invalid", sender_name=header_text(edition.title),
                            recipient="size@check.invalid", message_id="<size@check.invalid>",
                            now=edition.window_end, list_id="x <x.invalid>").as_bytes())
    if size <= max_mail_mb * MB:
        return base
    log.info("PDF makes the mail %.1f MB, over %s MB: linking instead", size / MB, max_mail_mb)
    return _render(edition, env, note="too-large", edition_url=edition_url, archive_root=archive_root,
                   pdf_location=pdf_location, page_size=page_size, pdf=None, pdf_name=name)


def _render(edition: Edition, env: jinja2.Environment, *, note: Literal["attached", "too-large", "none"],
            edition_url: str | None, archive_root: str | None, pdf_location: str, page_size: str,
            pdf: bytes | None, pdf_name: str) -> Letter:
    from briefing import render

    context = render.edition_context(edition, page_size, archive_root, web_links=True)
    context.update(pdf_note=note, edition_url=edition_url, pdf_location=pdf_location,
                   pdf_name=pdf_name)
    plain = env.overlay(autoescape=False)
    plain.filters = {**env.filters, "oneline": lambda v: header_text(v, 1000),
                     "format_mark": lambda tag: f" [{tag}]"}
    subject = header_text(render.render_template(plain, "mail_subject.txt", context))
    text = render.render_template(plain, "mail.txt", context)
    html = inline_css(render.render_template(env, "mail.html", context))
    return Letter(edition=edition, subject=subject or header_text(edition.title), text=text,
                  html=html, pdf=pdf, pdf_name=pdf_name, pdf_note=note)


def inline_css(html: str) -> str:
    """Move the page's CSS into style attributes, fetching nothing from anywhere."""
    import css_inline

    inliner = css_inline.CSSInliner(keep_style_tags=False, keep_at_rules=True,
                                    load_remote_stylesheets=False, resolve_css_variables=True)
    return str(inliner.inline(html))


# --- transports --------------------------------------------------------------------


class Transport(Protocol):
    """Hands one message to one envelope recipient; returns the server's reply."""

    def __enter__(self) -> Transport: ...
    def __exit__(self, *exc: object) -> None: ...
    def send(self, message: bytes, sender: str, recipient: str) -> str: ...


@dataclass(frozen=True, slots=True)
class SMTPSettings:
    """A parsed ``BRIEFING_SMTP_URL``."""

    security: Literal["tls", "starttls", "none"]
    host: str
    port: int
    user: str = ""
    password: str = ""
    timeout: float = DEFAULT_TIMEOUT


def parse_smtp_url(url: str) -> SMTPSettings | Path:
    """``smtps://u:p@host:465``, ``smtp://u:p@host:587`` (STARTTLS required),
    ``smtp://host:25?starttls=never`` (trusted relay) or ``file:///dir`` (a Path).

    ``?timeout=SECONDS`` bounds the connect and every command (default 30).
    Credentials are refused on a connection without TLS: they would cross the
    network in clear text.
    """
    parts = urlsplit(url.strip())
    if parts.scheme == "file":
        if not parts.path:
            raise ConfigError(f"{url}: a file:// URL needs a folder, e.g. file:///tmp/mail")
        return Path(unquote(parts.path))
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ConfigError("BRIEFING_SMTP_URL must look like smtps://user:pass@host:465, "
                          "smtp://user:pass@host:587, smtp://host:25?starttls=never or file:///dir")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    starttls = query.get("starttls", "required").lower()
    if starttls not in {"required", "never"}:
        raise ConfigError(f"BRIEFING_SMTP_URL: starttls={starttls!r}; use required or never")
    security: Literal["tls", "starttls", "none"] = (
        "tls" if parts.scheme == "smtps" else "starttls" if starttls == "required" else "none")
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    if user and security == "none":
        raise ConfigError("BRIEFING_SMTP_URL has credentials but starttls=never",
                          hint="use smtps:// or STARTTLS, or drop the credentials for a local relay")
    try:
        port = parts.port or {"tls": 465, "starttls": 587, "none": 25}[security]
        timeout = float(query.get("timeout", DEFAULT_TIMEOUT))
    except ValueError as exc:
        raise ConfigError(f"BRIEFING_SMTP_URL: {exc}") from exc
    return SMTPSettings(security=security, host=parts.hostname, port=port, user=user,
                        password=password, timeout=timeout)


def ssl_context(cafile: str | None = None) -> ssl.SSLContext:
    """Verifying TLS context; `cafile` (``BRIEFING_SMTP_CAFILE``) adds a private CA.

    Verification is never switched off: a relay with a private certificate authority
    is trusted by naming that authority, not by trusting everyone.
    """
    context = ssl.create_default_context()
    if cafile:
        context.load_verify_locations(cafile=cafile)
    return context


class SMTPTransport:
    """One SMTP connection for a batch of messages, opened on first use.

    A connection failure is remembered for the rest of the batch, so twenty
    recipients on a dead server cost one timeout, not twenty.
    """

    def __init__(self, settings: SMTPSettings, context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.context = context or ssl_context()
        self.client: smtplib.SMTP | None = None
        self.broken: DeliveryError | None = None

    def __enter__(self) -> SMTPTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        client: smtplib.SMTP
        if s.security == "tls":
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self.context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            client.ehlo()
            if s.security == "starttls":
                if not client.has_extn("starttls"):
                    raise DeliveryError(f"{s.host}:{s.port} does not offer STARTTLS; refusing to "
                                        "send in clear text (use ?starttls=never for a trusted relay)")
                client.starttls(context=self.context)
                client.ehlo()
            if s.user:
                self._login(client)
        except BaseException:
            client.close()
            raise
        return client

    def _login(self, client: smtplib.SMTP) -> None:
        """AUTH PLAIN when offered (always inside TLS here), else smtplib's own choice.

        smtplib's `login` tries every mechanism in turn after a refusal, and some
        servers stall on the second; one clear 535 is the better answer.
        """
        mechanisms = client.esmtp_features.get("auth", "").upper().split()
        if "PLAIN" in mechanisms:
            client.user, client.password = self.settings.user, self.settings.password
            client.auth("PLAIN", client.auth_plain)
        else:
            client.login(self.settings.user, self.settings.password)

    def send(self, message: bytes, sender: str, recipient: str) -> str:
        """MAIL FROM, one RCPT TO, DATA; returns the server's final reply (its queue id)."""
        if self.broken is not None:
            raise self.broken
        try:
            if self.client is None:
                self.client = self._connect()
            return self._transaction(self.client, message, sender, recipient)
        except DeliveryError as exc:
            if not exc.permanent and self.client is None:
                self.broken = exc
            raise
        except smtplib.SMTPResponseException as exc:  # auth refused, or the server said 421
            self._drop()
            self.broken = DeliveryError(f"{exc.smtp_code} {_reply(exc.smtp_error)}")
            raise self.broken from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused, timed out, TLS, disconnected
            self._drop()
            self.broken = DeliveryError(f"{self.settings.host}:{self.settings.port}: {_describe(exc)}")
            raise self.broken from exc

    @staticmethod
    def _transaction(client: smtplib.SMTP, message: bytes, sender: str, recipient: str) -> str:
        for command, args, ok in (("mail", (sender,), (250,)), ("rcpt", (recipient,), (250, 251))):
            code, reply = getattr(client, command)(*args)
            if code not in ok:
                client.rset()
                raise DeliveryError(f"{code} {_reply(reply)}", permanent=code >= 500)
        code, reply = client.data(message)
        if code != 250:
            client.rset()
            raise DeliveryError(f"{code} {_reply(reply)}", permanent=code >= 500)
        return f"{code} {_reply(reply)}"

    def _drop(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None


class FileTransport:
    """Writes each message as an .eml file (for dry runs and for a look at the mail)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __enter__(self) -> FileTransport:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, message: bytes, sender: str, recipient: str) -> str:
        stem = re.sub(r"[^A-Za-z0-9@._-]+", "_", recipient)
        number = 1
        while (self.folder / f"{stem}-{number}.eml").exists():
            number += 1
        target = self.folder / f"{stem}-{number}.eml"
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(message)
        os.replace(tmp, target)
        return f"written to {target}"


def open_transport(url: str, cafile: str | None = None) -> SMTPTransport | FileTransport:
    """The transport a ``BRIEFING_SMTP_URL`` names."""
    settings = parse_smtp_url(url)
    if isinstance(settings, Path):
        return FileTransport(settings)
    return SMTPTransport(settings, ssl_context(cafile))


def _reply(value: Any) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return header_text(text, 500)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate not trusted: {exc.verify_message}"
    return f"{type(exc).__name__}: {exc}"

