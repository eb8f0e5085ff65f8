"""Feed, page and OPML sources against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from webserver import Reply, Request, WebServer

from briefing.models import Source
from briefing.sources import Collected, Policy, collect_all
from briefing.sources.polling import FetchState

FIXTURES = Path(__file__).parent / "fixtures" / "web"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
FAST = Policy(per_host=2, host_delay=0.0)


def fixture(name: str, server: WebServer | None = None) -> bytes:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    if server is not None:
        text = text.replace("http://HOST", server.url("").rstrip("/"))
    return text.encode("utf-8")


def article_page(server: WebServer, slug: str, title: str) -> bytes:
    body = " ".join(f"Sentence {i} about {title.lower()} gives the readers one more detail to consider."
                    for i in range(30))
    html = (FIXTURES / "article.html").read_text(encoding="utf-8")
    return html.format(title=title, body=body, canonical=server.url(f"/news/{slug}")).encode()


@pytest.fixture()
def server() -> Iterator[WebServer]:
    web = WebServer().start()
    xml = {"Content-Type": "application/rss+xml; charset=utf-8"}
    web.routes.update({
        "/rss2.xml": Reply(body=fixture("rss2.xml"), headers=xml),
        "/atom.xml": Reply(body=fixture("atom.xml"), headers={"Content-Type": "application/atom+xml"}),
        "/feed.json": Reply(body=fixture("feed.json"), headers={"Content-Type": "application/feed+json"}),
        "/teaser.xml": Reply(body=fixture("teaser.xml", web), headers=xml),
        "/news/flood-defences-tested": Reply(body=article_page(web, "flood-defences-tested",
                                                               "Flood defences tested in storm")),
        "/news/school-meals-plan": Reply(body=article_page(web, "school-meals-plan", "School meals plan")),
    })
    yield web
    web.stop()


def feed(server: WebServer, path: str, name: str = "", **options: object) -> Source:
    return Source(name=name or path.strip("/"), kind="feed", location=server.url(path),
                  options={"allow_private": True, "deadline": 2, **options})


def run(sources: list[Source], states: dict[str, FetchState] | None = None,
        now: datetime = NOW) -> dict[str, Collected]:
    return {c.source.name: c for c in collect_all(sources, Path("."), now, states, FAST)}


def states_of(results: dict[str, Collected]) -> dict[str, FetchState]:
    return {name: c.state for name, c in results.items() if c.state is not None}


def test_rss2_items_become_articles_with_backfill(server: WebServer) -> None:
    got = run([feed(server, "/rss2.xml", "City Desk")])["City Desk"]
    assert got.status == "ok", got.message
    titles = [a.title for a in got.articles]
    assert titles == ["Council approves transport budget", "Harbour bridge reopens after repairs"]
    first = got.articles[0]
    assert first.url == "https://news.example.org/2026/03/council-budget"  # utm_* and fragment gone
    assert first.published == datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    assert first.author == "Ana Ruiz"
    assert "electric buses" in first.text and "<p>" not in first.text
    assert first.fingerprint and first.source == "City Desk"
    assert not server.hits("/2026/03/council-budget")  # full text in the feed: no page fetched


def test_atom_and_json_feed(server: WebServer) -> None:
    got = run([feed(server, "/atom.xml", "Atom"), feed(server, "/feed.json", "Json")])
    atom = got["Atom"].articles
    assert [a.title for a in atom] == ["Telescope finds water on a distant moon", "Plain text entry"]
    assert atom[0].author == "Lee Park" and "observatory" in atom[0].text
    json_items = got["Json"].articles
    assert [a.url for a in json_items] == ["https://json.example.com/a/1", "https://json.example.com/a/2"]
    assert json_items[1].published == datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
    assert "exchange" in json_items[1].text and json_items[0].author == "Sam Lee"


def test_teaser_feed_fetches_article_pages(server: WebServer) -> None:
    got = run([feed(server, "/teaser.xml", "Teaser")])["Teaser"]
    assert got.status == "ok" and not got.problems, got.problems
    assert len(got.articles) == 2
    flood = next(a for a in got.articles if a.title.startswith("Flood"))
    assert "Sentence 12 about flood defences" in flood.text
    assert "Read more" not in flood.text
    assert len(server.hits("/news/flood-defences-tested")) == 1


def test_full_text_false_keeps_the_teaser(server: WebServer) -> None:
    got = run([feed(server, "/teaser.xml", "Teaser", full_text=False)])["Teaser"]
    assert [a.text for a in got.articles][1] == "A new plan for free school meals was announced."
    assert not server.hits("/news/school-meals-plan")


def test_conditional_get_and_304_parse_nothing(server: WebServer) -> None:
    body = fixture("rss2.xml")

    def conditional(request: Request) -> Reply:
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304, headers={"ETag": '"v1"'})
        return Reply(body=body, headers={"ETag": '"v1"', "Last-Modified": "Tue, 10 Mar 2026 09:00:00 GMT"})

    server.routes["/etag.xml"] = conditional
    source = feed(server, "/etag.xml", "Etag")
    first = run([source])
    assert len(first["Etag"].articles) == 2
    second = run([source], states_of(first), now=NOW + timedelta(minutes=30))["Etag"]
    sent = server.hits("/etag.xml")[-1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Tue, 10 Mar 2026 09:00:00 GMT"
    assert second.articles == [] and second.status == "ok" and "304" in second.message


def test_second_poll_returns_only_new_and_changed_items(server: WebServer) -> None:
    source = feed(server, "/rss2.xml", "City Desk", full_text=False)
    first = run([source])
    old_ids = {a.title: a for a in first["City Desk"].articles}
    changed = fixture("rss2.xml").replace(b"Council members will meet again next week.",
                                          b"Council members will meet again on Friday.")
    changed = changed.replace(b"</channel>", b"<item><title>Brand new</title><guid>city-desk-1003</guid>"
                              b"<link>https://news.example.org/new</link>"
                              b"<pubDate>Tue, 10 Mar 2026 13:00:00 GMT</pubDate>"
                              b"<description>Short new item.</description></item></channel>")
    server.routes["/rss2.xml"] = Reply(body=changed)
    again = run([source], states_of(first), now=NOW + timedelta(hours=2))["City Desk"]
    by_title = {a.title: a for a in again.articles}
    assert set(by_title) == {"Council approves transport budget", "Brand new"}
    updated = by_title["Council approves transport budget"]
    assert updated.id == old_ids[updated.title].id
    assert updated.fingerprint != old_ids[updated.title].fingerprint


def test_unchanged_body_without_validators_is_not_parsed_again(server: WebServer) -> None:
    source = feed(server, "/atom.xml", "Atom")
    first = run([source])
    second = run([source], states_of(first), now=NOW + timedelta(hours=1))["Atom"]
    assert second.articles == [] and second.message == "unchanged since the last poll"


def test_repeated_guid_gets_guid_plus_url_identity(server: WebServer) -> None:
    items = b"".join(
        b"<item><title>Story %d</title><guid>same-guid</guid><link>https://r.example/s/%d</link>"
        b"<pubDate>Tue, 10 Mar 2026 10:00:00 GMT</pubDate><description>Text %d.</description></item>"
        % (i, i, i) for i in range(3))
    server.routes["/repeat.xml"] = Reply(body=b"<?xml version='1.0'?><rss version='2.0'><channel>"
                                         b"<title>R</title>" + items + b"</channel></rss>")
    got = run([feed(server, "/repeat.xml", "Repeat", full_text=False)])["Repeat"]
    assert len({a.id for a in got.articles}) == 3


def test_ttl_sets_a_minimum_poll_interval(server: WebServer) -> None:
    server.routes["/ttl.xml"] = Reply(body=fixture("rss2.xml").replace(
        b"<description>Local news</description>", b"<description>Local news</description><ttl>120</ttl>"))
    source = feed(server, "/ttl.xml", "TTL")
    first = run([source])
    state = first["TTL"].state
    assert state is not None and state.next_poll == NOW + timedelta(minutes=120)
    again = run([source], states_of(first), now=NOW + timedelta(minutes=30))["TTL"]
    assert len(server.hits("/ttl.xml")) == 1 and not again.polled
    assert "RSS ttl" in again.message


def test_max_age_sets_a_minimum_poll_interval(server: WebServer) -> None:
    server.routes["/cached.xml"] = Reply(body=fixture("atom.xml"), headers={"Cache-Control": "max-age=3600"})
    first = run([feed(server, "/cached.xml", "Cached")])
    state = first["Cached"].state
    assert state is not None and state.next_poll == NOW + timedelta(hours=1)
    assert state.wait_reason == "Cache-Control max-age"


def test_opml_in_a_schedule_expands_to_feeds(server: WebServer, tmp_path: Path) -> None:
    (tmp_path / "feeds.opml").write_bytes(fixture("feeds.opml", server))
    opml = Source(name="Reader", kind="opml", location="feeds.opml", options={"allow_private": True})
    got = {c.source.name: c for c in collect_all([opml], tmp_path, NOW, None, FAST)}
    assert set(got) == {"City Desk", "Science Wire", "Json Times"}
    assert all(c.status == "ok" and c.articles for c in got.values())


def test_opml_with_entities_is_refused(tmp_path: Path) -> None:
    from briefing.sources.opml import OpmlError, parse_opml

    bomb = (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<opml><body><outline text="&b;" xmlUrl="http://x/feed"/></body></opml>')
    with pytest.raises(OpmlError, match="entities"):
        parse_opml(bomb)
    (tmp_path / "bad.opml").write_bytes(b"<opml><body><outline")
    got = collect_all([Source(name="Bad", kind="opml", location="bad.opml")], tmp_path, NOW, None, FAST)
    assert got[0].status == "failed" and "not a valid OPML" in got[0].message


def test_page_source_single_article(server: WebServer) -> None:
    source = Source(name="One page", kind="page", location=server.url("/news/school-meals-plan"),
                    options={"allow_private": True, "deadline": 2})
    got = run([source])["One page"]
    assert got.status == "ok" and len(got.articles) == 1, got.message
    assert "Sentence 3 about school meals plan" in got.articles[0].text


def test_page_source_front_follows_same_site_links(server: WebServer) -> None:
    server.routes["/news/"] = Reply(body=fixture("front.html").replace(b"{feedlink}", b""))
    for slug in ("third-story-here", "fourth-story-here", "fifth-story-here"):
        server.routes[f"/news/{slug}"] = Reply(body=article_page(server, slug, slug.replace("-", " ")))
    source = Source(name="Front", kind="page", location=server.url("/news/"),
                    options={"allow_private": True, "deadline": 2})
    first = run([source])
    assert len(first["Front"].articles) == 5, first["Front"].problems
    assert not server.hits("/about")
    again = run([source], states_of(first), now=NOW + timedelta(hours=1))["Front"]
    assert again.articles == [] and len(server.hits("/news/third-story-here")) == 1


def test_page_source_front_prefers_its_feed(server: WebServer) -> None:
    link = b'<link rel="alternate" type="application/rss+xml" title="RSS" href="/teaser.xml">'
    server.routes["/front/"] = Reply(body=fixture("front.html").replace(b"{feedlink}", link))
    source = Source(name="Front", kind="page", location=server.url("/front/"),
                    options={"allow_private": True, "deadline": 2})
    got = run([source])["Front"]
    assert len(got.articles) == 2 and "using its feed" in got.message
    assert got.state is not None and got.state.feed_url.endswith("/teaser.xml")
