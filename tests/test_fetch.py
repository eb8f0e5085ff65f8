"""The HTTP client and the hostile web: every bad case is a Problem on its source only."""

from __future__ import annotations

import asyncio
import gzip
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import trustme
from webserver import Reply, Request, WebServer

from briefing import __version__
from briefing.fetch import PROJECT_URL, Fetcher, FetchError, FetchOptions, Response, decode_text, retry_after
from briefing.models import Source
from briefing.netguard import address_problem, system_resolve
from briefing.sources import Collected, Policy, collect_all

FIXTURES = Path(__file__).parent / "fixtures" / "web"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
GOOD = (FIXTURES / "atom.xml").read_bytes()
BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']><rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title>'
                  b"</item></channel></rss>")


def _bomb(size: int = 48 * 1024 * 1024) -> bytes:
    chunk = b"\0" * (1024 * 1024)
    import io

    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        for _ in range(size // len(chunk)):
            gz.write(chunk)
    return out.getvalue()


@pytest.fixture(scope="module")
def server() -> Iterator[WebServer]:
    web = WebServer().start()
    loop_hops = {f"/loop{i}": Reply(302, headers={"Location": f"/loop{(i + 1) % 3}"}) for i in range(3)}
    web.routes.update({
        "/good.xml": Reply(body=GOOD),
        "/moved.xml": Reply(301, headers={"Location": "/good.xml"}),
        "/found.xml": Reply(302, headers={"Location": "/good.xml"}),
        "/gone.xml": Reply(410),
        "/busy.xml": Reply(429, headers={"Retry-After": "7200"}),
        "/down.xml": Reply(503, headers={"Retry-After": "Tue, 10 Mar 2026 15:00:00 GMT",
                                         "Date": "Tue, 10 Mar 2026 12:00:00 GMT"}),
        "/to-metadata.xml": Reply(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}),
        "/to-file.xml": Reply(302, headers={"Location": "file:///etc/passwd"}),
        "/trickle.xml": Reply(body=GOOD, trickle=0.05),
        "/bomb.xml": Reply(body=_bomb(), headers={"Content-Encoding": "gzip"}),
        "/laughs.xml": Reply(body=BILLION_LAUGHS),
        "/truncated.xml": Reply(body=(FIXTURES / "rss2.xml").read_bytes()[:3000]),
        "/html.xml": Reply(body=b'<!DOCTYPE html><html><head><link rel="alternate" '
                           b'type="application/rss+xml" href="/good.xml"></head><body>Hi</body></html>',
                           headers={"Content-Type": "text/html"}),
        "/latin1.xml": Reply(body='<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                             '<title>T</title><item><title>Caf\xe9 na\xefve r\xe9sum\xe9</title>'
                             '<guid>1</guid>'
                             '<pubDate>Tue, 10 Mar 2026 10:00:00 GMT</pubDate><description>Cr\xe8me.'
                             '</description></item></channel></rss>'.encode("latin-1"),
                             headers={"Content-Type": "text/xml; charset=utf-8"}),
        **loop_hops,
    })
    yield web
    web.stop()


def src(server: WebServer, path: str, name: str = "", **options: object) -> Source:
    return Source(name=name or path, kind="feed", location=server.url(path),
                  options={"allow_private": True, "deadline": 1, "full_text": False, **options})


def run(*sources: Source) -> dict[str, Collected]:
    found = collect_all(list(sources), Path("."), NOW, None, Policy(host_delay=0.0, per_host=4))
    return {c.source.name: c for c in found}


def test_private_address_without_allow_private_gets_no_request(server: WebServer) -> None:
    before = len(server.requests)
    source = Source(name="Local", kind="feed", location=server.url("/good.xml"), options={})
    got = run(source)["Local"]
    assert got.status == "blocked"
    assert "allow_private" in got.message and "Local" in got.message and "loopback" in got.message
    assert got.problems and got.problems[0].source == "Local"
    assert len(server.requests) == before


def test_redirects_are_checked_hop_by_hop(server: WebServer) -> None:
    got = run(src(server, "/to-metadata.xml", "Meta", allow_private=False),
              src(server, "/to-file.xml", "File"), src(server, "/loop0", "Loop"))
    assert got["Meta"].status == "blocked"  # 127.0.0.1 itself is refused before any request
    assert got["File"].status == "blocked" and "not an http or https" in got["File"].message
    assert got["Loop"].status == "failed" and "more than 5 redirects" in got["Loop"].message


def test_metadata_address_refused_even_with_allow_private(server: WebServer) -> None:
    got = run(src(server, "/to-metadata.xml", "Meta"))["Meta"]
    assert got.status == "blocked" and "metadata" in got.message


def test_301_stores_the_new_url_and_302_does_not(server: WebServer) -> None:
    got = run(src(server, "/moved.xml", "Moved"), src(server, "/found.xml", "Found"))
    assert got["Moved"].state is not None and got["Moved"].state.url == server.url("/good.xml")
    assert got["Found"].state is not None and got["Found"].state.url == server.url("/found.xml")
    assert len(got["Moved"].articles) == 2


def test_410_marks_gone_and_429_503_honour_retry_after(server: WebServer) -> None:
    got = run(src(server, "/gone.xml", "Gone"), src(server, "/busy.xml", "Busy"),
              src(server, "/down.xml", "Down"))
    assert got["Gone"].status == "gone" and "410" in got["Gone"].message
    assert got["Gone"].state is not None and got["Gone"].state.gone
    busy = got["Busy"].state
    assert busy is not None and busy.next_poll == NOW + timedelta(hours=2)
    assert busy.wait_reason == "Retry-After"
    down = got["Down"].state
    assert down is not None and down.next_poll == NOW + timedelta(hours=3)
    assert "Retry-After" in got["Down"].message


def test_backoff_grows_with_jitter_and_never_stops() -> None:
    import random

    from briefing.sources.polling import BACKOFF_CAP, backoff

    rng = random.Random(1)
    delays = [backoff(n, rng) for n in range(1, 30)]
    assert delays[0] < delays[3] and max(delays) <= BACKOFF_CAP * 1.5
    assert len({d.total_seconds() for d in delays[-5:]}) == 5  # jittered


def test_hostile_cases_each_end_as_a_problem_and_good_source_still_collects(server: WebServer) -> None:
    names = ["/trickle.xml", "/bomb.xml", "/laughs.xml", "/html.xml", "/gone.xml", "/loop0"]
    start = time.monotonic()
    got = run(src(server, "/good.xml", "Good"), *(src(server, n) for n in names))
    elapsed = time.monotonic() - start
    assert got["Good"].status == "ok" and len(got["Good"].articles) == 2
    for name in names:
        assert got[name].status != "ok" and got[name].problems, name
        assert all(p.source == name and p.message.startswith(name) for p in got[name].problems)
    assert "deadline" in got["/trickle.xml"].message
    assert "larger than 10 MB" in got["/bomb.xml"].message
    assert "entities" in got["/laughs.xml"].message
    assert "HTML page" in got["/html.xml"].message and "/good.xml" in got["/html.xml"].message
    assert elapsed < 30  # a hang guard only: the deadline message above is what proves the cut-off


PEAK_RSS = """
import resource, sys
from test_fetch import Path, Policy, Source, collect_all, NOW
sources = [Source(name=p, kind="feed", location=sys.argv[1] + p,
                  options={"allow_private": True, "deadline": 5, "full_text": False}) for p in sys.argv[2:]]
collect_all(sources, Path("."), NOW, None, Policy(host_delay=0.0, per_host=4))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_rss_kib(server: WebServer, *paths: str) -> int:
    """Peak memory of a fresh interpreter collecting `paths`.

    This process's own peak is set by whichever test ran before, so it cannot tell a bomb from a big test.
    """
    done = subprocess.run([sys.executable, "-c", PEAK_RSS, server.url(""), *paths], cwd=Path(__file__).parent,
                          capture_output=True, text=True, check=True, timeout=120)
    return int(done.stdout.split()[-1])


def test_a_decompression_bomb_and_entity_expansion_cost_no_memory(server: WebServer) -> None:
    baseline = _peak_rss_kib(server, "/good.xml")
    hostile = _peak_rss_kib(server, "/good.xml", "/bomb.xml", "/laughs.xml")
    # the bomb inflates to 48 MB, the entities to about 1 GB
    assert hostile - baseline < 24 * 1024, (baseline, hostile)


def test_truncated_xml_keeps_what_could_be_read(server: WebServer) -> None:
    got = run(src(server, "/truncated.xml", "Cut"))["Cut"]
    assert got.problems and "not well-formed" in got.problems[0].message
    assert len(got.articles) >= 1


def test_wrong_charset_declaration_does_not_garble_or_crash(server: WebServer) -> None:
    got = run(src(server, "/latin1.xml", "Latin"))["Latin"]
    assert got.articles and got.articles[0].title == "Café naïve résumé"


def test_decode_text_sources_and_fallback() -> None:
    assert decode_text("é".encode(), "text/html; charset=iso-8859-1") == "é"  # valid UTF-8 wins
    assert decode_text("<meta charset='latin-1'>é".encode("latin-1")).endswith("é")
    assert decode_text(b"\xff\xfeh\x00i\x00") == "hi"
    assert decode_text(b"\x81\x8d\x90", "text/html; charset=nonsense")  # never raises


def test_retry_after_both_forms_and_address_rules() -> None:
    import ipaddress

    assert retry_after(httpx.Headers({"Retry-After": "120"})) == 120
    date = httpx.Headers({"Retry-After": "Tue, 10 Mar 2026 12:01:00 GMT"})
    assert retry_after(date, now=NOW) == 60
    for bad in ("127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "224.0.0.1", "::1",
                "fe80::1", "::ffff:127.0.0.1", "0.0.0.0", "100.100.100.200"):
        assert address_problem(ipaddress.ip_address(bad)), bad
    assert address_problem(ipaddress.ip_address("93.184.216.34")) is None


def test_user_agent_names_the_tool_and_can_be_overridden(server: WebServer) -> None:
    seen: list[str] = []

    def record(request: Request) -> Reply:
        seen.append(request.headers.get("user-agent", ""))
        return Reply(body=GOOD)

    server.routes["/ua.xml"] = record
    run(src(server, "/ua.xml", "Default"))
    run(src(server, "/ua.xml", "Custom", user_agent="my-reader/1.0"))
    assert seen[0] == f"briefing/{__version__} (+https://github.com/briefing-news/briefing)"
    assert seen[1] == "my-reader/1.0"


def test_project_url_is_the_one_pyproject_declares() -> None:
    import tomllib

    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    assert pyproject["project"]["urls"]["Homepage"] == PROJECT_URL


# ------------------------------------------------------- the address policy at connect time

class TlsServer(WebServer):
    """The same real server behind TLS, counting connections and the names clients ask for (SNI)."""

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__()
        self.context = context
        self.connections = 0
        self.names: list[str | None] = []
        context.sni_callback = lambda _sock, name, _ctx: self.names.append(name)

    async def _listen(self) -> None:
        for host in self.hosts:
            server = await asyncio.start_server(self._count, host, 0, ssl=self.context)
            self.ports[host] = server.sockets[0].getsockname()[1]
            self._servers.append(server)

    async def _count(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await self._serve(reader, writer)


async def to_localhost(host: str, port: int) -> list[str]:
    """A resolver for made-up names: everything under .test is 127.0.0.1."""
    return ["127.0.0.1"] if host.endswith(".test") else await system_resolve(host, port)


def fetch(fetcher: Fetcher, urls: list[str], *options: FetchOptions) -> list[Response | FetchError]:
    """GET each URL in turn through one Fetcher (its pools live for the whole call), with the
    matching options (the last ones repeat); errors are returned, not raised."""
    async def go() -> list[Response | FetchError]:
        found: list[Response | FetchError] = []
        async with fetcher:
            for i, url in enumerate(urls):
                found.append(await get(url, options[min(i, len(options) - 1)]))
        return found

    async def get(url: str, options: FetchOptions) -> Response | FetchError:
        try:
            return await fetcher.get(url, options)
        except FetchError as exc:
            return exc
    return asyncio.run(go())


def test_two_names_on_one_address_never_share_a_tls_connection() -> None:
    ca = trustme.CA()
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("a.test", "b.test").configure_cert(served)
    trusted = ssl.create_default_context()
    ca.configure_trust(trusted)
    web = TlsServer(served)
    web.start()
    try:
        web.routes["/x"] = Reply(body=b"hi")
        port = web.ports["127.0.0.1"]
        names = ["a.test", "a.test", "b.test", "b.test", "c.test"]  # c.test: not on the certificate
        got = fetch(Fetcher(host_delay=0.0, resolve=to_localhost, verify=trusted),
                    [f"https://{n}:{port}/x" for n in names], FetchOptions(allow_private=True, deadline=5))
    finally:
        web.stop()
    assert [r.body for r in got[:4] if isinstance(r, Response)] == [b"hi"] * 4
    assert isinstance(got[4], FetchError) and "certificate" in str(got[4])  # not a.test's connection
    assert web.names == ["a.test", "b.test", "c.test"]  # a TLS handshake per name, each reused
    assert web.connections == 2  # c.test's handshake failed at the client: no HTTP on it
    assert [r.headers["host"].split(":")[0] for r in web.requests] == names[:4]


def test_a_name_resolving_to_a_private_address_is_refused_at_connect_time(server: WebServer) -> None:
    before = len(server.requests)
    port = server.ports["127.0.0.1"]

    async def mixed(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "127.0.0.1"]  # one public answer does not excuse the other

    fetcher = Fetcher(host_delay=0.0, resolve=to_localhost)
    got = fetch(fetcher, [f"http://intranet.test:{port}/good.xml"], FetchOptions(deadline=5))
    got += fetch(Fetcher(resolve=mixed), [f"http://rebind.test:{port}/good.xml"], FetchOptions(deadline=5))
    for error, name in zip(got, ["intranet.test", "rebind.test"], strict=True):
        assert isinstance(error, FetchError) and error.kind == "blocked", error
        assert f"{name} resolves to 127.0.0.1, a loopback address" in str(error)
        assert "allow_private" in str(error)
    assert len(server.requests) == before


def test_a_connection_opened_under_allow_private_is_not_reused_without_it(server: WebServer) -> None:
    before = len(server.requests)
    url = server.url("/good.xml")
    fetcher = Fetcher(host_delay=0.0)
    allowed, refused = fetch(fetcher, [url, url], FetchOptions(allow_private=True, deadline=5),
                             FetchOptions(deadline=5))
    assert isinstance(allowed, Response) and allowed.status == 200
    assert isinstance(refused, FetchError) and refused.kind == "blocked"
    assert len(server.requests) == before + 1
