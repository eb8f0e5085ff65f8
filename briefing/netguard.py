"""The address policy, enforced where the socket is opened.

Why at connect time: checking a host name first and connecting later leaves a gap a
rebinding DNS server can use (a public answer for the check, 127.0.0.1 for the
connect). Pinning the checked address into the URL closes that gap but makes httpx
pool connections by address, so two https sites on one address could share a TLS
connection verified for the other name. Here the URL keeps its host name (pooling,
SNI and certificate checks stay per name, done by httpx and ssl as usual) and the
network backend under httpx resolves the name itself, checks every address and
connects only to a checked one. A name is resolved once per new connection, so
there is no second answer to disagree with the first.

The policy is fixed per backend, so each policy gets its own connection pool: a
connection opened for a source with ``allow_private = true`` is never reused by one
without it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""(host, port) -> addresses; tests substitute one so that made-up names reach a local server."""

_METADATA = {ipaddress.ip_address(a) for a in ("169.254.169.254", "100.100.100.200", "fd00:ec2::254")}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_RULES = (("is_loopback", "a loopback"), ("is_link_local", "a link-local"), ("is_multicast", "a multicast"),
          ("is_site_local", "a site-local"),
          ("is_private", "a private"), ("is_unspecified", "an unspecified"), ("is_reserved", "a reserved"))


class AddressRefused(Exception):
    """The host resolves to an address our policy forbids; nothing was sent to it."""


def address_problem(ip: IPAddress) -> str | None:
    """Why an address is off limits, or None for an ordinary public address.

    An IPv6 address that carries an IPv4 one is judged by it. IPv4-mapped and NAT64
    (64:ff9b::a.b.c.d) addresses lead to that IPv4 address and are judged by it alone:
    64:ff9b::a9fe:a9fe is the metadata service (it was merely "reserved", so
    allow_private let it through) and 64:ff9b::808:808 a public host that a DNS64
    network gives every IPv4-only site (it was refused). 6to4 (2002:a9fe:a9fe::) and
    IPv4-compatible (::a9fe:a9fe) addresses are refused for what they carry, too.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped or ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        else:
            compatible = int(ip) >> 32 == 0 and int(ip) > 0xFFFF
            carried = ip.sixtofour or (ipaddress.IPv4Address(int(ip)) if compatible else None)
            if carried is not None and (why := address_problem(carried)):
                return why
    if ip in _METADATA:
        return "a cloud metadata address"
    for attr, label in _RULES:
        if getattr(ip, attr, False):  # is_site_local: IPv6 only
            return f"{label} address"
    return None if ip.is_global else "a non-public address"


def check_addresses(host: str, addresses: list[str], allow_private: bool) -> None:
    """Refuse the host if *any* address is forbidden: an attacker controls which one is used."""
    if not addresses:
        raise httpcore.ConnectError(f"host {host!r} has no address")
    for address in addresses:
        why = address_problem(ipaddress.ip_address(address.split("%")[0]))
        if why == "a cloud metadata address":  # no feed lives there; never, even with allow_private
            raise AddressRefused(f"{host} resolves to {address}, {why}; refused, no request sent")
        if why and not allow_private:
            raise AddressRefused(
                f"{host} resolves to {address}, {why}; refused, no request sent "
                "(set allow_private = true on this source if it really is on your network)")


async def system_resolve(host: str, port: int) -> list[str]:
    """The operating system's answer for `host`, every address once, in its order."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve host {host!r}: {exc}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore backend that connects only to addresses the policy allows."""

    def __init__(self, allow_private: bool, resolve: Resolver = system_resolve) -> None:
        self.allow_private = allow_private
        self.resolve = resolve
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        """Resolve, check every address, then try the checked addresses in turn."""
        addresses = await self.resolve(host, port)
        check_addresses(host, addresses, self.allow_private)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout=timeout,
                                                     local_address=local_address,
                                                     socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        """Never used by us; refused so that no configuration can open a local socket."""
        raise AddressRefused(f"unix socket {path} refused")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport with a GuardedBackend under its pool.

    httpx has no `network_backend` argument, so the pool is built here with the same
    settings httpx would use; everything else (request mapping, error mapping,
    streaming) is httpx's unchanged.
    """

    def __init__(self, backend: GuardedBackend, limits: httpx.Limits,
                 verify: ssl.SSLContext | None = None) -> None:  # no super().__init__: it builds a pool
        context = verify if verify is not None else httpx.create_ssl_context(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry, network_backend=backend)


def guarded_client(allow_private: bool, limits: httpx.Limits, timeout: float,
                   resolve: Resolver = system_resolve, verify: ssl.SSLContext | None = None,
                   ) -> httpx.AsyncClient:
    """A client whose every connection obeys one address policy; redirects are left to the caller."""
    transport = GuardedTransport(GuardedBackend(allow_private, resolve), limits, verify)
    return httpx.AsyncClient(transport=transport, follow_redirects=False, trust_env=False,
                             timeout=httpx.Timeout(timeout))


__all__ = ["AddressRefused", "GuardedBackend", "GuardedTransport", "Resolver", "address_problem",
           "check_addresses", "guarded_client", "system_resolve"]
