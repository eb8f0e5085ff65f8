"""The lxml fast path reads what feedparser reads, and leaves everything unusual to it."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest

from briefing.sources.fastfeed import parse_fast
from briefing.sources.feed import Entry, _feedparser_entry, parse_feed

FIXTURES = Path(__file__).parent / "fixtures" / "web"

RSS_NO_GUID = (b'<rss version="2.0"><channel><ttl>30</ttl><item><title>A &amp; B &lt;b&gt;x&lt;/b&gt;</title>'
               b"<link>http://a.example/x</link>"
               b"<description>&lt;p&gt;Hi &amp;amp; there&lt;/p&gt;</description>"
               b"<author>jane@example.org (Jane Doe)</author><pubDate>Tue, 10 Mar 2026 08:00:00 EST</pubDate>"
               b"</item><item><guid>http://a.example/y</guid><title>T</title></item></channel></rss>")
RDF = (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
       b'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
       b'<channel rdf:about="http://a.example/"><title>X</title></channel><item rdf:about="http://a.example/1">'
       b"<title>One</title><link>http://a.example/1</link><description>Text one</description>"
       b"<dc:date>2026-03-10T08:00:00+01:00</dc:date><dc:creator>Bo</dc:creator></item></rdf:RDF>")
ATOM_TEXT = (b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:1</id>'
             b'<title type="html">A &amp;amp; B</title><link href="http://a.example/1"/>'
             b"<summary>Plain &amp; text</summary>"
             b"<updated>2026-03-10T08:00:00Z</updated><author><name>Z</name></author></entry></feed>")


def by_feedparser(body: bytes) -> tuple[Entry, ...]:
    parsed = feedparser.parse(body, response_headers={"content-type": "application/xml"},
                              sanitize_html=False, resolve_relative_uris=False)
    return tuple(e for e in (_feedparser_entry(raw) for raw in parsed.entries) if e)


@pytest.mark.parametrize("body", [
    *(p.read_bytes() for p in sorted(FIXTURES.glob("*.xml"))), RSS_NO_GUID, RDF, ATOM_TEXT,
], ids=[*(p.name for p in sorted(FIXTURES.glob("*.xml"))), "rss-no-guid", "rss1", "atom-text"])
def test_fast_path_gives_the_same_entries_as_feedparser(body: bytes) -> None:
    fast = parse_fast(body)
    assert fast is not None
    assert fast.entries == by_feedparser(body)


def test_ttl_is_read() -> None:
    fast = parse_fast(RSS_NO_GUID)
    assert fast is not None and fast.ttl_minutes == 30


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><item><title>caf\xe9</title>'
    b"</item></channel></rss>",
    b'<!DOCTYPE rss><rss version="2.0"><channel><item><title>x</title></item></channel></rss>',
    b'<rss version="2.0"><channel><item><title>whole</title></item><item><title>cut off',
    b'<rss version="2.0"><channel><item><title>x</title><pubDate>someday</pubDate></item></channel></rss>',
    b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>x</title><link href="/rel"/></entry></feed>',
    b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/'
    b'xhtml">x</div></title></entry></feed>',
    b'<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><title>x</title></entry></feed>',
], ids=["latin-1", "doctype", "truncated", "odd-date", "relative-link", "xhtml", "atom-0.3"])
def test_anything_unusual_is_left_to_feedparser(body: bytes) -> None:
    assert parse_fast(body) is None
    assert parse_feed(body).entries  # feedparser still reads it


def test_header_charset_other_than_utf8_goes_to_feedparser() -> None:
    assert parse_fast(RDF, "application/rss+xml; charset=windows-1252") is None
