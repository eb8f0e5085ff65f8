"""The one HTTP client: every byte that briefing reads from the web comes through here.

Why by hand rather than httpx defaults: the tool polls addresses that users paste
from anywhere, so each request must be safe for the user's own network and cheap for
the publisher. Concretely:

* only http and https; redirects are followed here (at most 5), and every hop is
  checked again, so a public feed cannot bounce us onto the intranet;
* a host is refused when any of its addresses is loopback, private, link-local (cloud
  metadata lives there), multicast or otherwise not global, unless the source says
  ``allow_private = true``; netguard.py checks this where the socket is opened, on
  the addresses it then connects to, so a DNS answer that changes between check and
  connect does not help an attacker, while URLs keep their host names (connection
  pooling, SNI and certificate checks stay per name);
* one deadline covers the whole request, not each read, so a server trickling a
  byte a second is cut off;
* the body is decompressed here in bounded steps, and reading stops at the cap on
  the *decoded* size, so a gzip bomb costs a few kilobytes of memory beyond the cap;
* at most ``per_host`` requests are in flight per host, with a pause after each.
"""

from __future__ import annotations

import asyncio
import codecs
import contextvars
import re
import ssl
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from briefing import __version__
from briefing.errors import SourceError
from briefing.netguard import AddressRefused, Resolver, guarded_client, system_resolve

PROJECT_URL = "https://github.com/briefing-news/briefing"
USER_AGENT = f"briefing/{__version__} (+{PROJECT_URL})"
DEFAULT_DEADLINE = 30.0
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
_STEP = 64 * 1024  # decompression step: the most memory one step can add
_REDIRECTS = {301, 302, 303, 307, 308}
SOURCE_DEADLINE: contextvars.ContextVar[asyncio.Timeout | None] = contextvars.ContextVar(
    "SOURCE_DEADLINE", default=None)
"""The running source's whole-source deadline; waiting for a host's turn does not count."""


def _remember_missing_sniffio() -> None:
    """httpcore runs `import sniffio` on every request; without sniffio installed (anyio 4
    no longer needs it) each miss searches sys.path again, ~0.2 ms of CPU per request.
    A None entry in sys.modules makes the miss instant and means exactly "not installed"."""
    try:
        import sniffio  # noqa: F401
    except ImportError:
        sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]


_remember_missing_sniffio()


class FetchError(SourceError):
    """A request that gave no usable answer; `kind` says how the source should be marked.

    kinds: failed (try again later, with backoff), blocked (refused by our own safety
    rules; no request was sent), gone (HTTP 410), throttled (429/503, see retry_after).
    """

    def __init__(self, message: str, *, kind: str = "failed", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """Per-source knobs, read from the schedule's source table."""

    allow_private: bool = False
    user_agent: str = USER_AGENT
    deadline: float = DEFAULT_DEADLINE
    max_bytes: int = DEFAULT_MAX_BYTES
    accept: str = "*/*"

    @classmethod
    def from_options(cls, options: Any, accept: str = "*/*") -> FetchOptions:
        """Options from a `Source.options` mapping; unknown keys are somebody else's."""
        return cls(allow_private=bool(options.get("allow_private", False)),
                   user_agent=str(options.get("user_agent") or USER_AGENT),
                   deadline=float(options.get("deadline", DEFAULT_DEADLINE)),
                   max_bytes=int(options.get("max_bytes", DEFAULT_MAX_BYTES)),
                   accept=accept)


@dataclass(slots=True)
class Response:
    """A complete answer (200 or 304) with the decoded body."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes = b""
    moved_to: str | None = None  # set when every redirect hop was permanent (301/308)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def max_age(self) -> float | None:
        """Cache-Control max-age in seconds: the publisher's minimum polling interval."""
        match = re.search(r"max-age\s*=\s*\"?(\d+)", self.headers.get("cache-control", ""))
        return float(match.group(1)) if match else None


@dataclass(slots=True)
class _HostSlots:
    semaphore: asyncio.Semaphore
    delay: float


@dataclass(slots=True)
class Fetcher:
    """A shared client for one collection run: connection pools and per-host politeness.

    One client per address policy (made when first needed), because the policy is
    checked when a connection opens: a pooled connection must only ever serve sources
    with the policy it was checked under. `resolve` and `verify` let tests send made-up
    names to a local server with a test CA; by default the system's DNS and CAs are used.
    """

    per_host: int = 2
    host_delay: float = 0.2
    max_in_flight: int = 64
    resolve: Resolver = system_resolve
    verify: ssl.SSLContext | None = None
    _clients: dict[bool, httpx.AsyncClient] = field(default_factory=dict)
    _hosts: dict[str, _HostSlots] = field(default_factory=dict)
    _global: asyncio.Semaphore | None = None

    async def __aenter__(self) -> Fetcher:
        self._global = asyncio.Semaphore(self.max_in_flight)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    def _client(self, allow_private: bool) -> httpx.AsyncClient:
        if allow_private not in self._clients:
            # Few idle connections: httpcore checks every idle connection (a poll() each) for
            # every request it places, so 128 idle ones made 500 feeds cost 2x the CPU.
            limits = httpx.Limits(max_connections=self.max_in_flight * 2, max_keepalive_connections=32)
            self._clients[allow_private] = guarded_client(allow_private, limits, DEFAULT_DEADLINE,
                                                          self.resolve, self.verify)
        return self._clients[allow_private]

    async def get(self, url: str, options: FetchOptions, *, etag: str | None = None,
                  last_modified: str | None = None) -> Response:
        """GET `url` safely; 200 and 304 are returned, everything else raises FetchError."""
        permanent = True
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            response = await self._hop(current, options, etag, last_modified)
            if response.status not in _REDIRECTS:
                if response.status in (200, 203, 304):
                    if permanent and current != url:
                        response.moved_to = current
                    return response
                raise _status_error(response, current)
            location = response.headers.get("location")
            if not location:
                raise FetchError(f"HTTP {response.status} redirect from {current} without a Location")
            permanent = permanent and response.status in (301, 308)
            current = urljoin(current, location.strip())
        raise FetchError(f"more than {MAX_REDIRECTS} redirects starting at {url} (a redirect loop?)")

    async def _hop(self, url: str, options: FetchOptions, etag: str | None,
                   last_modified: str | None) -> Response:
        host = check_url(url).hostname or ""
        assert self._global is not None
        slots = self._slots(host)
        await _waiting_is_free(slots.semaphore)  # the host's slot first: waiting for it holds nothing else
        try:
            async with self._global:
                async with asyncio.timeout(options.deadline):
                    return await self._send(url, options, etag, last_modified)
        except AddressRefused as exc:
            raise FetchError(str(exc), kind="blocked") from None
        except TimeoutError:
            raise FetchError(f"no complete answer from {host} within {options.deadline:g} s "
                             "(the per-request deadline)") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"cannot fetch {url}: {_describe(exc)}") from None
        except (httpx.InvalidURL, UnicodeError) as exc:  # a control character, a bad IDNA name:
            # not HTTPError, so one such item link failed its whole feed as an "unexpected error"
            raise FetchError(f"{url[:200]!r} is not a valid address ({str(exc)[:200]})") from None
        finally:
            asyncio.get_running_loop().call_later(slots.delay, slots.semaphore.release)

    def _slots(self, host: str) -> _HostSlots:
        if host not in self._hosts:
            self._hosts[host] = _HostSlots(asyncio.Semaphore(self.per_host), self.host_delay)
        return self._hosts[host]

    async def _send(self, url: str, options: FetchOptions, etag: str | None,
                    last_modified: str | None) -> Response:
        client = self._client(options.allow_private)
        headers = {"User-Agent": options.user_agent, "Accept": options.accept,
                   "Accept-Encoding": "gzip, deflate"}
        if etag and usable_validator(etag):
            headers["If-None-Match"] = etag
        if last_modified and usable_validator(last_modified):
            headers["If-Modified-Since"] = last_modified
        stream = await client.send(client.build_request("GET", url, headers=headers), stream=True)
        try:
            body = b""
            if stream.status_code in (200, 203):
                body = await read_capped(stream, options.max_bytes, url)
            return Response(url=url, status=stream.status_code, headers=stream.headers, body=body)
        finally:
            await stream.aclose()


MAX_VALIDATOR = 1024


def usable_validator(value: str | None) -> str | None:
    """An ETag or Last-Modified worth sending back, else None (the poll is then unconditional).

    Why: a server's `ETag: "caf\xe9"` came back as non-ASCII text that httpx cannot
    send, and one of 70,000 characters as a header that servers refuse; either failed
    every later poll of the source, for good, since the stored value never changed.
    """
    if value and len(value) <= MAX_VALIDATOR and value.isascii() and value.isprintable():
        return value
    return None


async def _waiting_is_free(semaphore: asyncio.Semaphore) -> None:
    """Acquire `semaphore` with the source's deadline (SOURCE_DEADLINE) stopped meanwhile.

    Why: politeness queues a source behind the others of its host (2 at a time, a pause
    after each), so with hundreds of feeds on one host (a big OPML list) the later ones
    spent their whole deadline queueing and failed as "took longer than 120 s" without
    having sent a request. Only the first of a source's parallel waits stops the clock.
    """
    deadline = SOURCE_DEADLINE.get()
    when = deadline.when() if deadline is not None else None
    if deadline is None or when is None:
        await semaphore.acquire()
        return
    loop = asyncio.get_running_loop()
    start = loop.time()
    deadline.reschedule(None)
    try:
        await semaphore.acquire()
    finally:
        deadline.reschedule(when + (loop.time() - start))


def check_url(url: str) -> Any:
    """Only http(s) with a host name; anything else (file:, ftp:, data:) is refused.

    A malformed address ("http://[::1", port 99999), in a schedule or a redirect, is a
    FetchError too: urlsplit raised ValueError, and socket.connect OverflowError, each
    reported as an "unexpected error" of the source.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed or out-of-range port
    except ValueError as exc:
        raise FetchError(f"{url!r} is not a valid address ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"{url!r} is not an http or https address; refused", kind="blocked")
    if not parts.hostname:
        raise FetchError(f"{url!r} has no host name", kind="blocked")
    return parts


class _Decoder:
    """Content-Encoding decoder that never produces more than one step of output at a time."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding.strip().lower()
        if self.encoding in ("", "identity"):
            self._z = None
        elif self.encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.encoding == "deflate":
            self._z = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise FetchError(f"the server used content-encoding {encoding!r}, which was not asked for")
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._z is None:
            yield data
            return
        try:
            yield from self._inflate(data)
        except zlib.error as exc:
            if self.encoding == "deflate" and not self._started:  # raw deflate without zlib header
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                self._started = True
                yield from self._inflate(data)
            else:
                raise FetchError(f"the {self.encoding} body is corrupt: {exc}") from None

    def _inflate(self, data: bytes) -> Iterator[bytes]:
        assert self._z is not None
        while data:
            out = self._z.decompress(data, _STEP)
            self._started = True
            if out:
                yield out
            data = self._z.unconsumed_tail
            if self._z.eof and self._z.unused_data:  # a second gzip member
                data = self._z.unused_data
                self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)


async def read_capped(stream: httpx.Response, cap: int, url: str) -> bytes:
    """Read and decode the body, stopping as soon as the decoded size passes `cap`."""
    decoder = _Decoder(stream.headers.get("content-encoding", ""))
    pieces: list[bytes] = []
    total = 0
    async for raw in stream.aiter_raw(_STEP):
        for piece in decoder.feed(raw):
            total += len(piece)
            if total > cap:
                raise FetchError(f"the answer from {url} is larger than {cap // 1024 // 1024 or cap} "
                                 f"{'MB' if cap >= 1048576 else 'bytes'} decoded (max_bytes); "
                                 "stopped reading")
            pieces.append(piece)
    return b"".join(pieces)


def retry_after(headers: httpx.Headers, now: datetime | None = None) -> float | None:
    """Retry-After in seconds, from either form (delta-seconds or an HTTP date)."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    base = now or _server_now(headers)
    return max(0.0, (when - base).total_seconds())


def _server_now(headers: httpx.Headers) -> datetime:
    """The server's clock when it answered, so an HTTP-date Retry-After survives clock skew."""
    try:
        stamp = parsedate_to_datetime(headers.get("date", ""))
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError):
        return datetime.now(UTC)


def _status_error(response: Response, url: str) -> FetchError:
    status = response.status
    reason = httpx.codes.get_reason_phrase(status) or "error"
    if status == 410:
        return FetchError(f"{url} is gone (HTTP 410 Gone): the publisher removed it; "
                          "remove the source or change its address", kind="gone")
    if status in (429, 503):
        wait = retry_after(response.headers)
        told = f", Retry-After {wait:g} s" if wait is not None else ""
        return FetchError(f"the server asked us to slow down (HTTP {status} {reason}{told})",
                          kind="throttled", retry_after=wait)
    return FetchError(f"HTTP {status} {reason} from {url}")


def _describe(exc: httpx.HTTPError) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]


# ---------------------------------------------------------------------------- charset

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


_WIDE = re.compile(r"(?i)(utf|ucs)-?(16|32|2|4)")


def charset_candidates(body: bytes, content_type: str = "") -> list[str]:
    """Declared encodings in the order we trust them: BOM, header, XML prolog, meta."""
    found: list[str] = []
    for bom, name in _BOMS:
        if body.startswith(bom):
            found.append(name)
            break
    match = re.search(r"charset\s*=\s*\"?([A-Za-z0-9_.:-]+)", content_type, re.I)
    if match:
        found.append(match.group(1))
    head = body[:2048]
    for pattern in (_XML_ENCODING, _META_CHARSET):
        hit = pattern.search(head.lstrip())
        if hit:
            found.append(hit.group(1).decode("ascii"))
    return found


def decode_text(body: bytes, content_type: str = "") -> str:
    """Bytes -> text whatever the page claims; never raises.

    A body that is valid UTF-8 with multi-byte characters is UTF-8 whatever it
    declares (a wrong declaration is common; such bytes are almost never anything
    else). Otherwise the first declared charset that decodes cleanly wins, then
    windows-1252, which decodes any byte.

    UTF-16 and UTF-32 are believed from a BOM, or from a declaration when the bytes
    have the NULs that such text of Latin markup must have: a page saying
    `<meta charset="utf-16">` in plain ASCII (which the HTML standard reads as UTF-8)
    was decoded as UTF-16 into a page of CJK characters.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            if name != "utf-8":
                return body.decode(name, errors="replace")
            break
    wide = b"\x00" in body[:512]
    candidates = [c for c in charset_candidates(body, content_type) if wide or not _WIDE.match(c)]
    try:
        text = body.decode("utf-8-sig")
        if not text.isascii() or not candidates:
            return text
    except UnicodeDecodeError:
        pass
    for name in candidates:
        try:
            return body.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("windows-1252", errors="replace")
