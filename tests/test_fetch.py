"""The HTTP client and the hostile web: every bad case is a Problem on its source only."""

from __future__ import annotations

import gzip
import resource
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from webserver import Reply, Request, WebServer

from briefing import __version__
from briefing.fetch import PROJECT_URL, decode_text, retry_after
from briefing.models import Source
from briefing.netguard import address_problem
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
    assert elapsed < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 300 * 1024  # KiB on Linux


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
