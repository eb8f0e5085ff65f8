"""Hostile and odd inputs on the collection path, each against a real server on 127.0.0.1.

The rule under test: bad input gets a clear error naming the source and the problem,
and nothing else is lost; one bad item, file or feed never stops the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from webserver import Reply, WebServer

from briefing.models import Source
from briefing.sources import Collected, Policy, collect_all

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
FAST = Policy(per_host=4, host_delay=0.0)
XML = {"Content-Type": "application/rss+xml; charset=utf-8"}


def rss(*items: str) -> bytes:
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
            + "".join(items) + "</channel></rss>").encode()


def item(guid: str, link: str, title: str = "A title", date: str = "Tue, 10 Mar 2026 10:00:00 GMT") -> str:
    return (f"<item><title>{title}</title><link>{link}</link><guid>{guid}</guid>"
            f"<pubDate>{date}</pubDate><description>Some text of the item.</description></item>")


@pytest.fixture()
def server() -> Iterator[WebServer]:
    web = WebServer().start()
    yield web
    web.stop()


def feed(server: WebServer, path: str, **options: object) -> Source:
    return Source(name=path, kind="feed", location=server.url(path),
                  options={"allow_private": True, "deadline": 2, "full_text": False, **options})


def run(*sources: Source, workspace: Path = Path(".")) -> dict[str, Collected]:
    return {c.source.name: c for c in collect_all(list(sources), workspace, NOW, None, FAST)}


def test_a_date_at_the_edge_of_the_calendar_loses_only_that_date(server: WebServer) -> None:
    """Year 9999 minus five hours is past datetime's range: it once failed the whole feed."""
    server.routes["/edge.xml"] = Reply(body=rss(
        item("g1", "https://x.org/a", "Far future", "Fri, 31 Dec 9999 23:59:59 -0500"),
        item("g2", "https://x.org/b", "Year one", "0001-01-01T00:00:00+05:00"),
        item("g3", "https://x.org/c", "Ordinary")), headers=XML)
    got = run(feed(server, "/edge.xml"))["/edge.xml"]
    assert got.status == "ok", got.message
    assert {a.title for a in got.articles} == {"Far future", "Year one", "Ordinary"}
    assert [a.published for a in got.articles if a.title == "Ordinary"] == [
        datetime(2026, 3, 10, 10, 0, tzinfo=UTC)]


def test_an_empty_answer_is_named_as_such(server: WebServer) -> None:
    """A 200 with no body once ended as "unexpected error: AttributeError ... 'version'"."""
    server.routes["/empty.xml"] = Reply(body=b"", headers=XML)
    server.routes["/blank.xml"] = Reply(body=b" \r\n\t\n", headers=XML)
    got = run(feed(server, "/empty.xml"), feed(server, "/blank.xml"))
    for name in ("/empty.xml", "/blank.xml"):
        assert got[name].status == "failed"
        assert got[name].message == f"{name}: the answer is empty (no feed in it)"


def _folder(tmp_path: Path) -> Source:
    return Source(name="Inbox", kind="folder", location=str(tmp_path / "inbox"))


BODY = "Headline of the clipping\n\nThe council said on Tuesday that the new bridge would open next spring.\n"


def test_a_file_name_that_is_not_utf8_is_collected_and_named_readably(tmp_path: Path) -> None:
    """b"bad\\xff.txt" once raised UnicodeEncodeError and failed the whole folder."""
    import os

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.txt").write_text(BODY, encoding="utf-8")
    Path(os.fsdecode(bytes(inbox) + b"/bad\xff.txt")).write_text(BODY, encoding="utf-8")
    Path(os.fsdecode(bytes(inbox) + b"/bad\xfe.txt")).write_text(BODY, encoding="utf-8")
    Path(os.fsdecode(bytes(inbox) + b"/empty\xff.txt")).write_bytes(b"")
    got = run(_folder(tmp_path))["Inbox"]
    assert got.status == "ok", got.message
    assert sorted(a.url.rsplit("/", 1)[1] for a in got.articles) == ["bad%FE.txt", "bad%FF.txt", "good.txt"]
    assert len({a.id for a in got.articles}) == 3
    assert [p.message for p in got.problems] == ["empty\ufffd.txt: is empty"]


def test_opml_feeds_with_the_same_title_and_host_get_unique_names(server: WebServer, tmp_path: Path) -> None:
    """A source's name keys its fetch state and health: two feeds once shared one name,
    and saving the collection failed on the duplicate health row."""
    for path in ("/1.xml", "/2.xml", "/3.xml", "/4.xml", "/5.xml"):
        body = rss(item(path, f"https://x.org{path}", f"Story {path}"))
        server.routes[path] = Reply(body=body, headers=XML)
    outlines = [("News", "/1.xml"), ("News", "/2.xml"), ("", "/3.xml"), ("", "/4.xml"), ("Mine", "/5.xml")]
    (tmp_path / "feeds.opml").write_text('<opml version="2.0"><body>' + "".join(
        f'<outline text="{t}" xmlUrl="{server.url(p)}"/>' for t, p in outlines) + "</body></opml>")
    mine = feed(server, "/1.xml")
    listed = Source(name="List", kind="opml", location="feeds.opml", options={"allow_private": True})
    got = collect_all([Source(name="Mine", kind=mine.kind, location=mine.location, options=mine.options),
                       listed], tmp_path, NOW, None, FAST)
    names = [c.source.name for c in got]
    assert len(names) == 6 and len(set(names)) == 6, names
    assert all(c.status == "ok" and len(c.articles) == 1 for c in got), [c.message for c in got]
    host = server.url("").split("/")[2]
    assert set(names) == {"Mine", f"News ({host})", f"News ({host}) 2", f"{host} ({host})",
                          f"{host} ({host}) 2", "Mine 2"}


ARTICLE = ("<html><head><title>Relative story</title></head><body><article><p>"
           + "A sentence long enough to be the body text of a real article about the harbour. " * 30
           + "</p></article></body></html>").encode()


def test_relative_links_resolve_against_the_feed_and_non_web_links_are_dropped(server: WebServer) -> None:
    """A relative link was kept as "/news/story": its page was refused as not http(s),
    and two feeds' "/news/story" shared one article id. "http://[::1" (unparsable) once
    failed the whole feed with a ValueError; javascript: and file: are no article's address."""
    server.routes["/news/story"] = Reply(body=ARTICLE, headers={"Content-Type": "text/html"})
    server.routes["/rel.xml"] = Reply(body=rss(item("r1", "/news/story", "Relative")), headers=XML)
    server.routes["/odd.xml"] = Reply(body=rss(
        item("o1", "http://[::1", "Broken"), item("o2", "javascript:alert(1)", "Script"),
        item("o3", "file:///etc/passwd", "File"), item("o4", "https://x.org/fine", "Fine")), headers=XML)
    got = run(feed(server, "/rel.xml", full_text=True), feed(server, "/odd.xml"))
    rel = got["/rel.xml"]
    assert rel.status == "ok" and not rel.problems, [p.message for p in rel.problems]
    assert [a.url for a in rel.articles] == [server.url("/news/story")]
    assert "harbour" in rel.articles[0].text
    odd = got["/odd.xml"]
    assert odd.status == "ok", odd.message
    assert {a.title: a.url for a in odd.articles} == {"Broken": "", "Script": "", "File": "",
                                                      "Fine": "https://x.org/fine"}


def test_a_malformed_link_on_a_section_front_is_skipped(server: WebServer) -> None:
    """One href="http://[::1" (in an anchor or the feed link) once failed the whole page source."""
    links = "".join(f'<li><a href="/news/story-{i}">Story number {i} about the harbour works</a></li>'
                    for i in range(5))
    broken = '<li><a href="http://[::1/x">A broken link to somewhere else entirely</a></li>'
    head = '<link rel="alternate" type="application/rss+xml" href="http://[::1">'
    server.routes["/front/"] = Reply(body=f"<html><head><title>Front</title>{head}</head><body><ul>"
                                     f"{links}{broken}</ul></body></html>".encode())
    for i in range(5):
        server.routes[f"/news/story-{i}"] = Reply(body=ARTICLE)
    source = Source(name="Front", kind="page", location=server.url("/front/"),
                    options={"allow_private": True, "deadline": 2})
    got = run(source)["Front"]
    assert got.status == "ok" and not got.problems, got.message
    assert sorted(a.url for a in got.articles) == [server.url(f"/news/story-{i}") for i in range(5)]


def test_a_malformed_address_is_a_clear_fetch_error(server: WebServer) -> None:
    """A redirect to port 99999 failed as "unexpected error: ExceptionGroup" (OverflowError
    in connect); a schedule address "http://[::1" as "unexpected error: ValueError"."""
    server.routes["/to-bad-port"] = Reply(302, headers={"Location": "http://127.0.0.1:99999/x"})
    bad = Source(name="Bad", kind="feed", location="http://[::1", options={"deadline": 2})
    got = run(feed(server, "/to-bad-port"), bad)
    assert got["/to-bad-port"].message.startswith(
        "/to-bad-port: 'http://127.0.0.1:99999/x' is not a valid address (Port out of range")
    assert got["Bad"].message.startswith("Bad: 'http://[::1' is not a valid address (Invalid IPv6 URL)")
    assert all(c.status == "failed" and "unexpected" not in c.message for c in got.values())


def test_a_link_out_of_the_folder_and_a_huge_file_are_not_read(tmp_path: Path) -> None:
    """A symlink "leak.txt" -> a file outside the folder was published like a clipping;
    a 200 MB file was read whole into memory. Each is now a problem naming the file."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "secret.txt").write_text(BODY.replace("bridge", "secret tunnel"), encoding="utf-8")
    (inbox / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (inbox / "good.txt").write_text(BODY, encoding="utf-8")
    (inbox / "alias.txt").symlink_to(inbox / "good.txt")  # a link inside the folder is fine
    with (inbox / "huge.txt").open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: costs no disk
    got = run(_folder(tmp_path))["Inbox"]
    assert sorted(a.url.rsplit("/", 1)[1] for a in got.articles) == ["good.txt", "good.txt"]
    assert not any("secret" in a.text for a in got.articles)
    assert sorted(p.message for p in got.problems) == [
        "huge.txt: is larger than 10 MB, too large for a clipping; not read",
        "leak.txt: is a link to a file outside the folder; not read"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "cp037"])
def test_entities_are_refused_in_any_encoding(server: WebServer, encoding: str) -> None:
    """The "<!ENTITY" check looked at bytes only, so in UTF-16, UTF-32 or EBCDIC
    feedparser expanded the entities (and a billion-laughs document cost a second of CPU)."""
    doc = (f'<?xml version="1.0" encoding="{encoding}"?><!DOCTYPE rss [<!ENTITY x "EXPANDED">]>'
           '<rss version="2.0"><channel><title>T</title><item><title>t&x;</title><guid>1</guid>'
           "<description>d</description></item></channel></rss>")
    server.routes["/ent.xml"] = Reply(body=doc.encode(encoding), headers={"Content-Type": "application/xml"})
    got = run(feed(server, "/ent.xml"))["/ent.xml"]
    assert got.status == "failed" and not got.articles
    assert "declares XML entities" in got.message


def test_a_utf16_feed_without_entities_still_reads(server: WebServer) -> None:
    doc = rss(item("u1", "https://x.org/u", "Caf\u00e9 na\u00efve")).decode().replace('"utf-8"', '"utf-16"')
    server.routes["/u16.xml"] = Reply(body=doc.encode("utf-16"), headers={"Content-Type": "application/xml"})
    got = run(feed(server, "/u16.xml"))["/u16.xml"]
    assert got.status == "ok" and [a.title for a in got.articles] == ["Caf\u00e9 na\u00efve"]


def test_a_title_of_100000_characters_is_cut_to_a_headline(server: WebServer) -> None:
    """A feed item's or a page's <title> was kept whole (100,000 characters) as the headline."""
    server.routes["/long.xml"] = Reply(body=rss(item("l1", "https://x.org/l", "word " * 20000),
                                                item("l2", "https://x.org/m", "x" * 100000)), headers=XML)
    page = ARTICLE.replace(b"<title>Relative story</title>", b"<title>" + b"Headline " * 11000 + b"</title>")
    server.routes["/page.html"] = Reply(body=page, headers={"Content-Type": "text/html"})
    single = Source(name="Page", kind="page", location=server.url("/page.html"),
                    options={"allow_private": True, "deadline": 2})
    got = run(feed(server, "/long.xml"), single)
    titles = [a.title for a in got["/long.xml"].articles] + [a.title for a in got["Page"].articles]
    assert len(titles) == 3
    assert all(len(t) <= 300 and t.endswith("…") for t in titles), [len(t) for t in titles]
    assert titles[0].startswith("word word") and titles[2].startswith("Headline Headline")


def test_an_item_without_title_is_titled_from_its_text(server: WebServer) -> None:
    """RSS lets an item have only a description; its article had an empty title, and a
    one-article incident an empty headline."""
    server.routes["/untitled.xml"] = Reply(body=rss(
        "<item><guid>n1</guid><description>The harbour reopened on Monday after two weeks of repairs. "
        "Ferries run again.</description></item>",
        "<item><guid>n2</guid><title></title><link>https://x.org/n2</link></item>"), headers=XML)
    got = run(feed(server, "/untitled.xml"))["/untitled.xml"]
    assert got.status == "ok", got.message
    assert [a.title for a in got.articles] == ["The harbour reopened on Monday after two weeks of repairs"]


def test_a_page_wrongly_declaring_utf16_is_read_as_the_bytes_it_is(server: WebServer) -> None:
    """`<meta charset="utf-16">` (or the header) on an ASCII/UTF-8 page made the whole page
    decode as UTF-16: CJK noise instead of the article."""
    meta = ARTICLE.replace(b"<head>", b'<head><meta charset="utf-16">')
    server.routes["/meta16.html"] = Reply(body=meta, headers={"Content-Type": "text/html"})
    server.routes["/head16.html"] = Reply(body=ARTICLE, headers={"Content-Type": "text/html; charset=utf-16"})
    options: dict[str, object] = {"allow_private": True, "deadline": 2}
    pages = [Source(name=p, kind="page", location=server.url(p), options=options)
             for p in ("/meta16.html", "/head16.html")]
    got = run(*pages)
    for name in ("/meta16.html", "/head16.html"):
        assert got[name].status == "ok", got[name].message
        assert [a.title for a in got[name].articles] == ["Relative story"]
        assert "harbour" in got[name].articles[0].text


def test_ipv6_addresses_carrying_ipv4_are_judged_by_what_they_carry(server: WebServer) -> None:
    """64:ff9b::a9fe:a9fe (NAT64 to the metadata service) was only "reserved", so a source
    with allow_private reached it; 2002:7f00:1:: (6to4 loopback) and fec0::1 (site-local)
    passed as public; 64:ff9b::808:808 (a public host on a DNS64 network) was refused."""
    import asyncio
    import ipaddress

    from briefing.fetch import Fetcher, FetchError, FetchOptions
    from briefing.netguard import address_problem

    def problem(address: str) -> str | None:
        return address_problem(ipaddress.ip_address(address))

    assert problem("64:ff9b::a9fe:a9fe") == problem("2002:a9fe:a9fe::") == "a cloud metadata address"
    loopback = [problem(a) for a in ("64:ff9b::7f00:1", "2002:7f00:1::", "::127.0.0.1")]
    assert loopback == ["a loopback address"] * 3
    assert problem("64:ff9b::a00:1") == "a private address"
    assert problem("fec0::1") == "a site-local address"
    assert problem("64:ff9b::808:808") is None and problem("2002:808:808::1") is None

    async def nat64(host: str, port: int) -> list[str]:
        return ["64:ff9b::a9fe:a9fe"]

    async def get() -> FetchError:
        async with Fetcher(host_delay=0.0, resolve=nat64) as fetcher:
            with pytest.raises(FetchError) as caught:
                await fetcher.get(f"http://meta.test:{server.ports['127.0.0.1']}/x",
                                  FetchOptions(allow_private=True, deadline=2))
        return caught.value

    error = asyncio.run(get())
    assert error.kind == "blocked" and "a cloud metadata address" in str(error)
    assert not server.requests


def test_a_zone_offset_of_a_day_or_more_loses_only_that_date(server: WebServer, tmp_path: Path) -> None:
    """parse_date raised ValueError on "+99:00" when converting to UTC: a clipping with such
    a date failed the whole folder, a JSON Feed item the whole feed."""
    import json

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "odd.txt").write_text(BODY + "\nPublished: 10 Mar 2026 10:00 +99:00\n", encoding="utf-8")
    (inbox / "good.txt").write_text(BODY, encoding="utf-8")
    day = "2026-03-10T10:00:00"
    items = [{"id": "j1", "title": "Odd zone", "content_text": "Text.", "date_published": f"{day}+24:00"},
             {"id": "j2", "title": "Fine", "content_text": "Text.", "date_published": f"{day}Z"}]
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}).encode()
    server.routes["/feed.json"] = Reply(body=body, headers={"Content-Type": "application/feed+json"})
    got = run(_folder(tmp_path), feed(server, "/feed.json"), workspace=tmp_path)
    assert all(c.status == "ok" for c in got.values()), [c.message for c in got.values()]
    assert len(got["Inbox"].articles) == 2
    assert {a.title: a.published for a in got["/feed.json"].articles} == {
        "Odd zone": None, "Fine": datetime(2026, 3, 10, 10, 0, tzinfo=UTC)}


def test_a_page_whose_date_has_an_impossible_offset_keeps_its_text(server: WebServer) -> None:
    """htmldate raised on "+99:00" inside trafilatura, which then discarded the whole page:
    "no article text found" for a page full of text."""
    page = ARTICLE.replace(b"<head>", b'<head><meta property="article:published_time" '
                           b'content="2026-03-10T10:00:00+99:00">')
    server.routes["/odd.html"] = Reply(body=page, headers={"Content-Type": "text/html"})
    single = Source(name="Page", kind="page", location=server.url("/odd.html"),
                    options={"allow_private": True, "deadline": 2})
    got = run(single)["Page"]
    assert got.status == "ok", got.message
    assert [a.title for a in got.articles] == ["Relative story"]
    assert "harbour" in got.articles[0].text and got.articles[0].published is None


def test_json_nested_100000_deep_is_a_clear_error_or_ignored(server: WebServer) -> None:
    """json.loads raises RecursionError (not ValueError) on "[[[[...": a JSON Feed so nested
    failed as "unexpected error: RecursionError", and such JSON-LD in an article page failed
    its page source and, fetched for a feed item, the whole feed."""
    deep = b"[" * 100000 + b"]" * 100000
    server.routes["/deep.json"] = Reply(body=deep, headers={"Content-Type": "application/feed+json"})
    page = ARTICLE.replace(b"<head>", b'<head><script type="application/ld+json">' + deep + b"</script>")
    server.routes["/deep.html"] = Reply(body=page, headers={"Content-Type": "text/html"})
    server.routes["/items.xml"] = Reply(body=rss(item("d1", "/deep.html", "Deep")), headers=XML)
    single = Source(name="Page", kind="page", location=server.url("/deep.html"),
                    options={"allow_private": True, "deadline": 2})
    got = run(feed(server, "/deep.json"), single, feed(server, "/items.xml", full_text=True))
    assert got["/deep.json"].message == ("/deep.json: the answer looks like JSON but is nested too "
                                         "deeply to be a feed")
    for name in ("Page", "/items.xml"):
        assert got[name].status == "ok" and not got[name].problems, got[name].message
        assert len(got[name].articles) == 1 and "harbour" in got[name].articles[0].text


@pytest.mark.parametrize("canonical", ["http://[::1", "http://x.org:99999/a"])
def test_a_malformed_canonical_link_loses_only_itself(server: WebServer, canonical: str) -> None:
    """A canonical "http://[::1" raised in urlsplit and threw away all of the page's metadata
    (its exact time among them); one with port 99999 became the article's address."""
    head = (f'<head><link rel="canonical" href="{canonical}">'
            '<meta property="article:published_time" content="2026-03-10T10:15:00Z">').encode()
    server.routes["/canon.html"] = Reply(body=ARTICLE.replace(b"<head>", head),
                                         headers={"Content-Type": "text/html"})
    single = Source(name="Page", kind="page", location=server.url("/canon.html"),
                    options={"allow_private": True, "deadline": 2})
    got = run(single)["Page"]
    assert got.status == "ok", got.message
    assert [(a.url, a.published) for a in got.articles] == [
        (server.url("/canon.html"), datetime(2026, 3, 10, 10, 15, tzinfo=UTC))]


def test_a_feed_of_thousands_of_new_items_is_taken_200_a_poll_newest_first(server: WebServer) -> None:
    """5,000 new items (a flood, or an archive) became 5,000 articles for one edition, and
    as teasers 5,000 page fetches that outlasted the source's deadline. The rest wait for
    the next polls, which read the feed again even though it has not changed."""
    items = [item(f"m{i}", f"https://x.org/m{i}", f"Story {i}",
                  f"Tue, 10 Mar 2026 {i // 60 % 12:02d}:{i % 60:02d}:00 GMT") for i in range(300)]
    server.routes["/many.xml"] = Reply(body=rss(*items), headers={**XML, "ETag": '"v1"'})  # oldest first
    source = feed(server, "/many.xml")
    got = run(source)["/many.xml"]
    assert got.status == "ok", got.message
    assert [a.title for a in got.articles] == [f"Story {i}" for i in range(100, 300)]
    assert [p.message for p in got.problems] == [
        "/many.xml: the feed has 300 new items, more than one poll takes; collected the newest 200, "
        "the other 100 come with the next polls"]
    assert got.state is not None and len(got.state.seen) == 200
    [again] = collect_all([source], Path("."), NOW, {source.name: got.state}, FAST)
    assert again.polled, again.message
    assert [a.title for a in again.articles] == [f"Story {i}" for i in range(100)]
    assert again.problems == [] and again.state is not None and len(again.state.seen) == 300


def test_absurd_publisher_intervals_are_capped_not_fatal(server: WebServer) -> None:
    """max-age, <ttl> and Retry-After of 10**30 (or inf, nan) made timedelta raise
    OverflowError: a fetched feed failed as "unexpected error", and a 429 set no wait."""
    from datetime import timedelta

    huge = "9" * 30
    server.routes["/busy"] = Reply(429, headers={"Retry-After": huge})
    server.routes["/cached"] = Reply(body=rss(item("c1", "https://x.org/c")),
                                     headers={**XML, "Cache-Control": f"max-age={huge}"})
    for ttl in ("1e300", "inf", "nan"):
        server.routes[f"/ttl-{ttl}"] = Reply(body=rss(item("t1", "https://x.org/t")).replace(
            b"<channel>", f"<channel><ttl>{ttl}</ttl>".encode()), headers=XML)
    got = run(*(feed(server, p) for p in ("/busy", "/cached", "/ttl-1e300", "/ttl-inf", "/ttl-nan")))
    day = NOW + timedelta(days=1)
    busy = got["/busy"]
    assert busy.status == "failed" and "slow down" in busy.message
    assert busy.state is not None and (busy.state.next_poll, busy.state.wait_reason) == (day, "Retry-After")
    for name, wait in (("/cached", day), ("/ttl-1e300", day), ("/ttl-inf", day), ("/ttl-nan", None)):
        assert got[name].status == "ok" and len(got[name].articles) == 1, got[name].message
        assert got[name].state is not None and got[name].state.next_poll == wait, name


def test_an_unsendable_etag_does_not_break_every_later_poll(server: WebServer) -> None:
    """`ETag: "caf\\xe9"` was stored and sent back: UnicodeEncodeError on every later poll;
    an ETag of 70,000 characters made every later request one the server refused."""
    from datetime import timedelta

    from briefing.sources.polling import FetchState

    body = rss(item("v1", "https://x.org/v"))
    server.routes["/latin.xml"] = Reply(body=body, headers={**XML, "ETag": '"caf\xe9"'})
    server.routes["/long.xml"] = Reply(body=body, headers={**XML, "ETag": '"' + "x" * 70000 + '"'})
    sources = [feed(server, "/latin.xml"), feed(server, "/long.xml")]
    first = {c.source.name: c for c in collect_all(sources, Path("."), NOW, None, FAST)}
    states = {name: c.state for name, c in first.items() if c.state is not None}
    stored = FetchState.fresh(sources[0])
    stored.etag = '"caf\xe9"'  # as an earlier version stored it
    stored_long = FetchState.fresh(sources[1])
    stored_long.etag = '"' + "x" * 70000 + '"'
    later = NOW + timedelta(hours=1)
    for given in (states, {"/latin.xml": stored, "/long.xml": stored_long}):
        again = {c.source.name: c for c in collect_all(sources, Path("."), later, given, FAST)}
        for name in ("/latin.xml", "/long.xml"):
            assert again[name].status == "ok", again[name].message


def test_xml_served_as_json_is_read_as_xml(server: WebServer) -> None:
    """A misconfigured server's "Content-Type: application/json" on an RSS feed made it
    "the answer looks like JSON but is not valid JSON"."""
    server.routes["/mislabelled"] = Reply(body=rss(item("x1", "https://x.org/x", "Labelled wrong")),
                                          headers={"Content-Type": "application/json"})
    got = run(feed(server, "/mislabelled"))["/mislabelled"]
    assert got.status == "ok", got.message
    assert [a.title for a in got.articles] == ["Labelled wrong"]


def test_json_feed_values_of_the_wrong_type_lose_only_themselves(server: WebServer) -> None:
    """A title that is an object, HTML that is a list, a date that is a number: AttributeError
    or TypeError failed the whole JSON Feed as an "unexpected error"."""
    import json

    said = "The harbour reopened on Monday after two weeks of repairs."
    items = [{"id": 1, "title": {"text": "x"}, "content_html": ["<p>a</p>"], "content_text": said,
              "date_published": 5},
             {"id": "j2", "title": "Fine", "content_text": said, "date_modified": {"at": 1},
              "authors": [{"name": None}, {"name": "Ann"}]},
             {"id": "j3", "title": "Third", "content_html": f"<p>{said}</p>", "date_published": "2026-03-10"}]
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}).encode()
    server.routes["/typed.json"] = Reply(body=body, headers={"Content-Type": "application/feed+json"})
    got = run(feed(server, "/typed.json"))["/typed.json"]
    assert got.status == "ok", got.message
    assert [(a.title, a.text, a.author) for a in got.articles] == [
        (said.rstrip("."), said, ""), ("Fine", said, "Ann"), ("Third", said, "")]


def test_opml_feed_scheme_is_followed_and_a_bad_address_skipped(server: WebServer, tmp_path: Path) -> None:
    """xmlUrl="http://[::1" raised ValueError out of collect_all: the whole collection (every
    source of the schedule) stopped. "feed://" addresses, as Safari and iTunes export them,
    were silently left out."""
    server.routes["/f.xml"] = Reply(body=rss(item("f1", "https://x.org/f", "Via feed scheme")), headers=XML)
    host = server.url("").split("/")[2]
    (tmp_path / "feeds.opml").write_text(
        '<opml version="2.0"><body><outline text="Broken" xmlUrl="http://[::1"/>'
        f'<outline text="Scheme" xmlUrl="feed://{host}/f.xml"/></body></opml>')
    listed = Source(name="List", kind="opml", location="feeds.opml", options={"allow_private": True})
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "a.txt").write_text(BODY, encoding="utf-8")
    got = run(listed, _folder(tmp_path), workspace=tmp_path)
    assert set(got) == {"Scheme", "Inbox"}
    assert [a.title for a in got["Scheme"].articles] == ["Via feed scheme"]
    assert got["Inbox"].status == "ok" and len(got["Inbox"].articles) == 1


def test_an_opml_nested_thousands_deep_or_empty_is_a_problem_on_its_source(tmp_path: Path) -> None:
    """Outlines nested 5,000 deep raised RecursionError out of collect_all (the whole
    collection stopped); an OPML with no feed in it gave no result at all, not a word."""
    (tmp_path / "deep.opml").write_text('<opml version="2.0"><body>' + '<outline text="x">' * 5000
                                        + '<outline text="A" xmlUrl="http://a.org/x"/>' + "</outline>" * 5000
                                        + "</body></opml>")
    (tmp_path / "empty.opml").write_text('<opml version="2.0"><body><outline text="Folder"/></body></opml>')
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "a.txt").write_text(BODY, encoding="utf-8")
    got = run(Source(name="Deep", kind="opml", location="deep.opml"),
              Source(name="Empty", kind="opml", location="empty.opml"), _folder(tmp_path), workspace=tmp_path)
    assert got["Deep"].status == "failed" and "nested too deeply" in got["Deep"].message
    assert got["Empty"].status == "failed" and got["Empty"].message.endswith("no feed address (xmlUrl) in it")
    assert got["Inbox"].status == "ok" and len(got["Inbox"].articles) == 1


def test_waiting_for_a_busy_host_does_not_use_up_a_source_deadline(server: WebServer) -> None:
    """Politeness queues the feeds of one host (here 1 at a time, 0.25 s apart); with many
    feeds on a host (a big OPML list) the later ones spent their whole source deadline
    queueing and failed as "took longer than ... (source_deadline)" without a request."""
    for i in range(6):
        server.routes[f"/q{i}.xml"] = Reply(body=rss(item(f"q{i}", f"https://x.org/q{i}")), headers=XML)
    sources = [feed(server, f"/q{i}.xml", deadline=1, source_deadline=0.5) for i in range(6)]
    found = collect_all(sources, Path("."), NOW, None, Policy(per_host=1, host_delay=0.25))
    assert [(c.status, len(c.articles)) for c in found] == [("ok", 1)] * 6, [c.message for c in found]


def test_an_item_link_httpx_cannot_send_is_a_problem_on_that_item(server: WebServer) -> None:
    """httpx raises InvalidURL or IDNAError (not HTTPError) on "http://xn--/" or a host with a
    zero-width space: one such item link failed the whole feed as an "unexpected error"."""
    server.routes["/idna.xml"] = Reply(body=rss(
        item("i1", "http://xn--/a", "Bad punycode"), item("i2", "http://ex\u200bample.test/b", "Invisible"),
        item("i3", server.url("/story.html"), "Good")), headers=XML)
    server.routes["/story.html"] = Reply(body=ARTICLE, headers={"Content-Type": "text/html"})
    got = run(feed(server, "/idna.xml", full_text=True))["/idna.xml"]
    assert got.status == "ok", got.message
    assert sorted(a.title for a in got.articles) == ["Bad punycode", "Good", "Invisible"]
    assert len(got.problems) == 2 and all("is not a valid address" in p.message for p in got.problems)


def test_a_title_from_a_huge_comma_sentence_looks_at_its_start_only() -> None:
    """title_from_sentence split the text before every comma of the sentence: quadratic, so a
    1 MB "word, word, ..." clipping (or untitled feed item) took minutes. Counted, not timed:
    the number of str.split calls must not grow with the sentence."""
    import sys

    from briefing.clean import title_from_sentence

    splits = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal splits
        if event == "c_call" and getattr(arg, "__name__", "") == "split":
            splits += 1

    sentence = "Officials said on Monday " + "word, " * 5000 + "end."
    sys.setprofile(count)
    try:
        title = title_from_sentence(sentence)
    finally:
        sys.setprofile(None)
    assert title == "Officials said on Monday " + ", ".join(["word"] * 11)  # 15 words, as before
    assert splits < 40, splits


def test_a_page_that_breaks_the_extractor_loses_only_that_page(server: WebServer,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A fault injected into extraction: the item keeps its feed text, the other items
    their pages, and the problem names the page; before, the whole feed failed."""
    from briefing.sources import feed as feed_module

    real = feed_module.extract_page

    def extract(html: str, url: str, name: str) -> object:
        if url.endswith("/bad"):
            raise KeyError("a bug in the extractor")
        return real(html, url, name)

    monkeypatch.setattr(feed_module, "extract_page", extract)
    page = ("<html><head><title>Good page</title></head><body><article><p>"
            + "The harbour reopened on Tuesday after the storm, the port authority said. " * 8
            + "</p></article></body></html>").encode()
    server.routes["/good"] = server.routes["/bad"] = Reply(body=page, headers={"Content-Type": "text/html"})
    server.routes["/two.xml"] = Reply(body=rss(item("b", server.url("/bad"), "Bad page"),
                                               item("g", server.url("/good"), "Good page")), headers=XML)
    got = run(feed(server, "/two.xml", full_text=True))["/two.xml"]
    assert got.status == "ok", got.message
    assert {a.title for a in got.articles} == {"Bad page", "Good page"}
    assert [p.message for p in got.problems] == [
        f"/two.xml: article page {server.url('/bad')}: unexpected error: KeyError: 'a bug in the extractor'"]


def test_an_item_dated_in_the_future_is_dated_when_collected(server: WebServer) -> None:
    """An item dated 2099 sorted above every real report and, with --date, fell after
    every edition's cut-off: it was never published."""
    server.routes["/future.xml"] = Reply(body=rss(
        item("f1", "https://x.org/f", "From the future", "Thu, 01 Jan 2099 10:00:00 GMT"),
        item("f2", "https://x.org/n", "Today", "Tue, 10 Mar 2026 10:00:00 GMT")), headers=XML)
    got = run(feed(server, "/future.xml"))["/future.xml"]
    assert got.status == "ok", got.message
    assert {a.title: a.published for a in got.articles} == {
        "From the future": NOW, "Today": datetime(2026, 3, 10, 10, 0, tzinfo=UTC)}
    assert [p.message for p in got.problems] == [
        "/future.xml: 1 item(s) dated in the future (up to 2099-01-01); dated when collected instead"]
