"""Feed sources: RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed by hand.

feedparser only ever sees bytes that fetch.py downloaded (never a URL: it would fetch
on its own, without our safety rules). A document declaring XML entities is refused
before parsing: no feed needs them and they are how entity-expansion attacks work.

Identity of an item, in order: its GUID; GUID plus link when a feed gives one GUID to
several items; its canonical link; a hash of title and text. An item that looks as it
did at the last poll is skipped before any work; one that changed becomes an update.
Teaser items (feed text under TEASER_CHARS, or `full_text = true`) get their article
page fetched and extracted; `full_text = false` keeps the feed's text.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from briefing.clean import clean_text, parse_date, title_from_sentence
from briefing.errors import SourceError
from briefing.extract import article_id, canonical_url, fingerprint
from briefing.fetch import FetchError, FetchOptions
from briefing.language import text_language
from briefing.models import Article, Problem, Source
from briefing.sources.polling import Context, FetchState, not_due, poll, wait_at_least

if TYPE_CHECKING:
    from briefing.sources import Collected

FEED_ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
               "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
TEASER_CHARS = 1200  # calibre's rule of thumb: shorter feed text is a teaser, not the article
DEFAULT_BACKFILL = timedelta(hours=24)
UNDATED_ON_FIRST_POLL = 10
log = logging.getLogger(__name__)
MAX_NEW_ITEMS = 200  # per poll: real feeds carry 10-100 items; 80,000 one-line items fit in 10 MB
_BLOCKS = re.compile(r"(?i)<\s*(/p|br\s*/?|/div|/h[1-6]|/li|/blockquote|/tr)\s*>")


class FeedError(SourceError):
    """The answer is not a feed we can read; the message says what it is instead."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One feed item, reduced to what collection needs (small, so it pickles cheaply)."""

    guid: str
    link: str
    title: str
    text: str
    published: datetime | None
    author: str = ""

    @property
    def digest(self) -> str:
        return _sha(f"{self.title}\n{self.link}\n{self.text}\n{self.published}")


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    entries: tuple[Entry, ...]
    ttl_minutes: float | None = None
    warning: str = ""


def _sha(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------------------- parsing

def parse_feed(body: bytes, content_type: str = "") -> ParsedFeed:
    """Feed bytes -> entries; raises FeedError with a reason a user can act on."""
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head and not body.strip():  # feedparser gives nothing a result without `version`
        raise FeedError("the answer is empty (no feed in it)")
    if head.startswith(b"{") or ("json" in content_type.lower() and not head.startswith(b"<")):
        return _parse_json_feed(body)  # the body decides: RSS served as application/json is RSS
    if b"<!ENTITY" in body:
        raise FeedError("the feed declares XML entities (<!ENTITY>); refused, as entity "
                        "expansion is an attack (\"billion laughs\")")
    from briefing.sources.fastfeed import parse_fast

    fast = parse_fast(body, content_type)  # well-formed UTF-8 RSS/Atom: lxml, 20x cheaper
    if fast is not None:
        return fast
    if _declares_entities(body, content_type):
        raise FeedError("the feed declares XML entities (<!ENTITY>); refused, as entity "
                        "expansion is an attack (\"billion laughs\")")
    import feedparser

    parsed = feedparser.parse(body, response_headers={"content-type": content_type or "application/xml"},
                              sanitize_html=False, resolve_relative_uris=False)
    entries = tuple(e for e in (_feedparser_entry(raw) for raw in parsed.entries) if e)
    if not parsed.get("version") and not entries:
        raise FeedError(_not_a_feed(body, content_type))
    warning = ""
    if parsed.bozo and _is_malformed(parsed.get("bozo_exception")):
        reason = str(parsed.get("bozo_exception"))[:160]
        if not entries:
            raise FeedError(f"the feed is not well-formed XML ({reason}); no item could be read")
        warning = f"the feed is not well-formed XML ({reason}); kept the {len(entries)} item(s) read"
    ttl = parsed.feed.get("ttl")
    return ParsedFeed(entries=entries, ttl_minutes=_number(ttl), warning=warning)


def _declares_entities(body: bytes, content_type: str) -> bool:
    """Whether the document declares entities in whatever encoding feedparser will read it.

    Why: the byte check in parse_feed only sees ASCII-compatible encodings; in UTF-16,
    UTF-32 or EBCDIC "<!ENTITY" is other bytes, and feedparser (expat) expanded such
    entities. The document is converted exactly as feedparser converts it, then checked.
    """
    from feedparser.encodings import convert_to_utf8

    return b"<!ENTITY" in convert_to_utf8({"content-type": content_type or "application/xml"}, body, {})


def _is_malformed(exc: object) -> bool:
    """Encoding overrides are harmless (feedparser recovered); syntax errors are not."""
    name = type(exc).__name__
    return exc is not None and name not in ("CharacterEncodingOverride", "NonXMLContentType")


def _not_a_feed(body: bytes, content_type: str) -> str:
    kind = content_type.split(";")[0].strip() or "unknown type"
    if re.search(rb"(?i)<(!doctype html|html)", body[:2048]):
        from briefing.fetch import decode_text
        from briefing.sources.page import discover_feeds

        found = discover_feeds(decode_text(body, content_type), "")
        hint = f"; the page links to a feed at {found[0]}" if found else "; use `page =` for web pages"
        return f"the address gives an HTML page ({kind}), not a feed{hint}"
    return f"the answer ({kind}) is not RSS, Atom or JSON Feed"


def _number(value: Any) -> float | None:
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


def _struct_time(value: Any) -> datetime | None:
    try:
        return datetime(*tuple(value)[:6]).replace(tzinfo=UTC) if value else None
    except (TypeError, ValueError):
        return None


def _feedparser_entry(raw: Any) -> Entry | None:
    content = raw.get("content") or []
    best = max(content, key=lambda c: len(c.get("value", "")), default=None)
    value, kind = (best.get("value", ""), best.get("type", "")) if best else (
        raw.get("summary", ""), raw.get("summary_detail", {}).get("type", "text/html"))
    text = html_to_text(value) if "html" in kind or "<" in value else value
    entry = Entry(guid=str(raw.get("id") or "").strip(), link=str(raw.get("link") or "").strip(),
                  title=html_to_text(raw.get("title", "")).strip(), text=text.strip(),
                  published=_struct_time(raw.get("published_parsed") or raw.get("updated_parsed")),
                  author=str(raw.get("author") or ""))
    return entry if entry.title or entry.text or entry.link else None


def _parse_json_feed(body: bytes) -> ParsedFeed:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedError(f"the answer looks like JSON but is not valid JSON ({exc})") from None
    except RecursionError:  # "[[[[...": it failed the feed as an "unexpected error"
        raise FeedError("the answer looks like JSON but is nested too deeply to be a feed") from None
    if not isinstance(data, dict) or "jsonfeed.org" not in str(data.get("version", "")):
        raise FeedError("the answer is JSON but not a JSON Feed (no jsonfeed.org version)")
    items = data.get("items")
    entries = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        html = _string(item.get("content_html"))
        plain = _string(item.get("content_text")) or _string(item.get("summary"))
        text = html_to_text(html) if html else plain
        authors = item.get("authors") or [item.get("author")]
        entries.append(Entry(
            guid=_string(item.get("id")), link=_string(item.get("url")) or _string(item.get("external_url")),
            title=_string(item.get("title")), text=text.strip(),
            published=parse_date(_string(item.get("date_published")) or _string(item.get("date_modified"))),
            author=", ".join(_string(a.get("name")) for a in (authors if isinstance(authors, list) else [])
                             if isinstance(a, dict) and _string(a.get("name")))))
    return ParsedFeed(entries=tuple(entries))


def _string(value: Any) -> str:
    """A JSON Feed value as text when it is text or a number, else "".

    Why: a JSON Feed is whatever its publisher wrote; a title that is an object, HTML
    that is a list or a date that is a number raised AttributeError or TypeError and
    failed the whole feed as an "unexpected error".
    """
    return str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else ""


def html_to_text(fragment: str) -> str:
    """Feed HTML -> plain text with paragraph breaks; cheap (lxml), never raises."""
    if "<" not in fragment and "&" not in fragment:
        return fragment
    from lxml import etree
    from lxml import html as lxml_html

    try:
        node = lxml_html.fragment_fromstring(_BLOCKS.sub(lambda m: m.group(0) + "\n\n", fragment),
                                             create_parent="div")
        etree.strip_elements(node, "script", "style", with_tail=False)
        text = node.text_content()
    except (ValueError, etree.ParserError):
        text = re.sub(r"<[^>]+>", " ", fragment)
    return re.sub(r"\n\s*\n\s*", "\n\n", re.sub(r"[ \t\r\f\v]+", " ", text)).strip()


# ---------------------------------------------------------------------------- identity

def item_keys(entries: tuple[Entry, ...]) -> list[str]:
    """The identity rule of the module docstring, as strings that the state can store."""
    counts: dict[str, int] = {}
    for entry in entries:
        if entry.guid:
            counts[entry.guid] = counts.get(entry.guid, 0) + 1
    keys = []
    for entry in entries:
        if entry.guid and counts[entry.guid] == 1:
            keys.append(f"guid:{entry.guid}")
        elif entry.guid and entry.link:
            keys.append(f"guid:{entry.guid}|{canonical_url(entry.link)}")
        elif entry.link:
            keys.append(f"url:{canonical_url(entry.link)}")
        else:
            keys.append(f"hash:{_sha(entry.title + chr(10) + entry.text)}")
    return keys


def key_to_id(key: str, source: Source, entry: Entry) -> str:
    """Article id from an item key: GUIDs are scoped by their feed, URLs and hashes are global."""
    if key.startswith("guid:"):
        return _sha(f"{source.location}\n{key}")
    if key.startswith("url:"):
        return article_id(key[4:])
    return article_id(title=entry.title, text=entry.text)


# ---------------------------------------------------------------------------- collection

async def collect_feed(source: Source, state: FetchState, ctx: Context) -> Collected:
    """Poll one feed source; every failure ends up in the returned Collected."""
    skipped = not_due(source, state, ctx.now)
    if skipped is not None:
        return skipped
    return await poll_feed_url(source, state, ctx, state.url)


async def poll_feed_url(source: Source, state: FetchState, ctx: Context, url: str) -> Collected:
    """Fetch, parse and turn the feed at `url` into articles (used by page sources too)."""
    from briefing.sources import Collected

    got = await poll(source, state, ctx, url, FEED_ACCEPT)
    if isinstance(got, Collected):
        return got
    result = Collected(source=source, state=state)
    body_hash = _sha(got.body.hex()) if len(got.body) < 4096 else hashlib.sha1(got.body).hexdigest()
    if body_hash == state.body_hash:
        result.message = "unchanged since the last poll"
        return result
    try:
        parsed: ParsedFeed = await ctx.run(parse_feed, got.body, got.content_type)
    except FeedError as exc:
        return result.fail(f"{source.name}: {exc.message}")
    if parsed.warning:
        result.problems.append(Problem(stage="collect", source=source.name,
                                       message=f"{source.name}: {parsed.warning}"))
    if parsed.ttl_minutes:
        wait_at_least(state, ctx.now, parsed.ttl_minutes * 60, "RSS ttl")
    more = await entries_to_articles(source, state, ctx, web_links(parsed.entries, got.url), result)
    state.body_hash = body_hash
    if more:  # neither a 304 nor an unchanged body may hide the rest from the next poll
        state.etag = state.last_modified = None
        state.body_hash = ""
    return result


def web_links(entries: tuple[Entry, ...], base: str) -> tuple[Entry, ...]:
    """Entries whose links are absolute http(s) addresses, or empty.

    Why: a feed may give a relative link ("/news/story"), which means the story on the
    feed's own site; unresolved, it was refused as "not an http or https address" when
    its page was fetched, and two feeds' "/story" shared one article id. A link that is
    no web address (javascript:, file:, mailto:, an unparsable "http://[::1") is no
    article's address: dropped, so the item is identified by its GUID or its text,
    where an unparsable one once failed the whole feed with a ValueError.
    """
    kept = []
    for entry in entries:
        try:
            link = urljoin(base, entry.link) if entry.link else ""
            if urlsplit(link).scheme not in ("http", "https") or not urlsplit(link).hostname:
                link = ""
        except ValueError:
            link = ""
        kept.append(entry if link == entry.link else replace(entry, link=link))
    return tuple(kept)


def backfill_window(source: Source) -> timedelta:
    """The `backfill` option ('24h', '3d', ...): how far back the first poll reaches."""
    from briefing.config import parse_duration

    value = source.options.get("backfill")
    return parse_duration(str(value)) if value else DEFAULT_BACKFILL


async def entries_to_articles(source: Source, state: FetchState, ctx: Context,
                              entries: tuple[Entry, ...], result: Collected) -> bool:
    """New or changed entries -> articles in `result`; `state.seen` remembers what was done.

    On the first poll, items older than the backfill window (and undated items beyond
    the first few) are remembered but not collected: adding a source never floods an
    edition. An item whose article page could not be fetched is kept with the feed's
    text and remembered as incomplete, so the next poll tries the page again. Returns
    whether new items were left for the next poll (more than MAX_NEW_ITEMS).
    """
    first = state.first_poll is None
    since = ctx.now - backfill_window(source)
    undated = 0
    todo: list[tuple[str, Entry, str]] = []
    done: dict[str, str] = {}
    for key, entry in zip(item_keys(entries), entries, strict=True):
        digest = entry.digest
        if state.seen.get(key) == digest:
            continue
        if first and entry.published is None:
            undated += 1
        too_old = entry.published is not None and entry.published < since
        if first and (too_old or undated > UNDATED_ON_FIRST_POLL):
            done[key] = digest
            continue
        todo.append((key, entry, digest))
    more = len(todo) > MAX_NEW_ITEMS
    if more:
        todo = _newest(source, todo, result)
    drafts: list[Article] = await ctx.run(
        feed_articles, source, [(key, entry) for key, entry, _ in todo], ctx.now) if todo else []
    wanted = [i for i, (_, entry, _) in enumerate(todo) if _wants_page(source, entry)]
    pages = await asyncio.gather(*(fetch_article(source, todo[i][1].link, ctx, result) for i in wanted))
    fetched = dict(zip(wanted, pages, strict=True))
    for i, ((key, entry, digest), article) in enumerate(zip(todo, drafts, strict=True)):
        page = fetched.get(i)
        if page is not None:
            article = replace(page, id=article.id if not key.startswith("url:") else page.id,
                              title=entry.title or page.title, published=entry.published or page.published,
                              author=entry.author or page.author, source=source.name, collected=ctx.now)
        if article.text or article.title:
            result.articles.append(article)
        done[key] = "incomplete" if i in fetched and page is None else digest
    state.remember(done)
    if first:
        state.first_poll = ctx.now
    return more


def _newest(source: Source, todo: list[tuple[str, Entry, str]],
            result: Collected) -> list[tuple[str, Entry, str]]:
    """The newest MAX_NEW_ITEMS of `todo` (in feed order); the others stay unhandled, so
    the next polls take them, newest first, and the wait is a Problem on the source.

    Why: a feed of 5,000 new items (a flood, or an archive) became 5,000 articles in
    one edition, and as teasers 5,000 page fetches that outlasted the source's deadline,
    failing the source with nothing collected. Dropping the others would lose articles
    a busy feed really published.
    """
    oldest = datetime.min.replace(tzinfo=UTC)
    ranked = sorted(todo, key=lambda item: item[1].published or oldest, reverse=True)
    keep = {key for key, _, _ in ranked[:MAX_NEW_ITEMS]}
    result.problems.append(Problem(stage="collect", source=source.name, message=(
        f"{source.name}: the feed has {len(todo)} new items, more than one poll takes; "
        f"collected the newest {MAX_NEW_ITEMS}, the other {len(todo) - MAX_NEW_ITEMS} "
        "come with the next polls")))
    return [item for item in todo if item[0] in keep]


def _wants_page(source: Source, entry: Entry) -> bool:
    option = source.options.get("full_text")
    if option is not None:
        return bool(option) and bool(entry.link)
    return bool(entry.link) and len(entry.text) < TEASER_CHARS


def feed_articles(source: Source, items: list[tuple[str, Entry]], now: datetime) -> list[Article]:
    """Each new or changed item as an Article from its feed text (cleaned, fingerprinted,
    canonical link, id). CPU work, about 1 ms an item, so it runs in the parse pool, in
    one round trip per feed; a teaser's article page replaces the text afterwards.
    An item without a title (RSS allows one) is titled from its first sentence, as a
    clipping is: an empty title became an incident with an empty headline."""
    articles = []
    for key, entry in items:
        text = clean_text(entry.text, entry.title) if entry.text else ""
        articles.append(Article(
            id=key_to_id(key, source, entry), url=canonical_url(entry.link) if entry.link else "",
            source=source.name, title=entry.title or title_from_sentence(text), text=text,
            published=entry.published, collected=now,
            language=text_language(entry.title, text), fingerprint=fingerprint(text), author=entry.author))
    return articles


async def fetch_article(source: Source, url: str, ctx: Context, result: Collected) -> Article | None:
    """Fetch and extract one article page; a failure is a Problem on the source, not fatal."""
    from briefing.fetch import decode_text

    try:
        response = await ctx.fetcher.get(url, FetchOptions.from_options(source.options, PAGE_ACCEPT))
        html = decode_text(response.body, response.content_type)
        article: Article | None = await ctx.run(extract_page, html, response.url, source.name)
    except FetchError as exc:
        result.problems.append(Problem(stage="collect", source=source.name,
                                       message=f"{source.name}: article page {url}: {exc.message}"))
        return None
    except Exception as exc:  # one page that breaks the extractor must not fail the whole feed
        log.exception("extracting %s for %s failed", url, source.name)
        result.problems.append(Problem(stage="collect", source=source.name, message=(
            f"{source.name}: article page {url}: unexpected error: {type(exc).__name__}: {exc}")))
        return None
    if article is None:
        result.problems.append(Problem(stage="collect", source=source.name,
                                       message=f"{source.name}: no article text found at {url}"))
    return article


def extract_page(html: str, url: str, name: str) -> Article | None:
    """briefing.extract as a module-level function, so a process pool can run it."""
    from briefing.extract import extract

    return extract(html, url, source=name)
