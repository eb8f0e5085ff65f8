"""Page sources: one article, or a section front whose articles are followed.

A page is taken as an article when it says so (og:type article, a JSON-LD Article
type) or when it does not link to enough same-site articles to be a front. A front
is first asked for a feed (autodiscovery: <link rel="alternate">); a discovered
feed is remembered and polled from then on, since a feed is cheaper for everyone
than scraping. Without one, up to `max_links` (default 20) same-site article links
are fetched and extracted; links already collected are not fetched again.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from briefing.extract import canonical_url
from briefing.fetch import decode_text
from briefing.models import Article, Source
from briefing.sources.feed import (
    PAGE_ACCEPT,
    backfill_window,
    extract_page,
    fetch_article,
    poll_feed_url,
)
from briefing.sources.polling import Context, FetchState, not_due, poll

if TYPE_CHECKING:
    from briefing.sources import Collected

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/json")
ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle"}
MIN_FRONT_LINKS = 5
DEFAULT_MAX_LINKS = 20
_SKIP_PATH = re.compile(r"/(tag|tags|category|categories|author|authors|topic|topics|search|login|"
                        r"subscribe|about|contact|privacy|terms)(/|$)|\.(jpe?g|png|gif|pdf|zip|mp[34]|css|js)$",
                        re.I)


def _tree(html: str) -> Any:
    from lxml import html as lxml_html

    try:
        return lxml_html.fromstring(html)
    except (ValueError, TypeError):
        return None


def discover_feeds(html: str, base: str) -> list[str]:
    """Feed addresses a page announces with <link rel="alternate" type="...">."""
    tree = _tree(html)
    return [] if tree is None else feed_links(tree, base)


def feed_links(tree: Any, base: str) -> list[str]:
    """discover_feeds on a page already parsed."""
    found = []
    for link in tree.xpath("//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_TYPES and (url := _join(base, link.get("href"))):
            found.append(url)
    return list(dict.fromkeys(found))


def _join(base: str, href: str) -> str:
    """`href` made absolute against `base`, or "" when it cannot be read as an address.

    Why: urlsplit raises ValueError on an href such as "http://[::1"; one such link on
    a section front once failed the whole page source as an "unexpected error".
    """
    try:
        url = urljoin(base, href.strip())
        urlsplit(url).port  # noqa: B018 - raises ValueError on a malformed host or port
    except ValueError:
        return ""
    return url


def is_article(tree: Any) -> bool:
    """Whether the page declares itself an article (Open Graph or JSON-LD)."""
    og = tree.xpath("//meta[@property='og:type']/@content")
    if og and str(og[0]).strip().lower() == "article":
        return True
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except (ValueError, RecursionError):  # RecursionError: nested too deep; it failed the source
            continue
        if isinstance(data, dict):
            data = data.get("@graph", [data])
        items = data if isinstance(data, list) else []
        for item in items:
            kinds = item.get("@type", "") if isinstance(item, dict) else ""
            for kind in kinds if isinstance(kinds, list) else [kinds]:
                if str(kind).lower() in ARTICLE_TYPES:
                    return True
    return False


def article_links(tree: Any, base: str) -> list[str]:
    """Same-site links that look like articles: a headline-like anchor and a deep path."""
    site = _site(base)
    own = canonical_url(base)
    links = []
    for anchor in tree.xpath("//a[@href]"):
        url = _join(base, anchor.get("href"))
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or _site(url) != site or _SKIP_PATH.search(parts.path):
            continue
        words = len(" ".join(anchor.text_content().split()).split())
        segments = [p for p in parts.path.split("/") if p]
        last = segments[-1] if segments else ""
        deep = len(segments) >= 2 or "-" in last or any(c.isdigit() for c in last)
        if words >= 4 and deep and canonical_url(url) != own:
            links.append(canonical_url(url))
    return list(dict.fromkeys(links))


def _site(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


async def collect_page(source: Source, state: FetchState, ctx: Context) -> Collected:
    """Poll a page source: via its discovered feed when it has one, else by its links."""
    skipped = not_due(source, state, ctx.now)
    if skipped is not None:
        return skipped
    if state.feed_url:
        return await poll_feed_url(source, state, ctx, state.feed_url)
    from briefing.sources import Collected

    got = await poll(source, state, ctx, state.url, PAGE_ACCEPT)
    if isinstance(got, Collected):
        return got
    result = Collected(source=source, state=state)
    html = decode_text(got.body, got.content_type)
    tree = _tree(html)
    if tree is None:
        return result.fail(f"{source.name}: the page at {got.url} is empty or not HTML")
    if is_article(tree) or len(links := article_links(tree, got.url)) < MIN_FRONT_LINKS:
        return await _single(source, state, ctx, html, got.url, result)
    feeds = feed_links(tree, got.url)
    if feeds:
        state.feed_url, state.etag, state.last_modified = feeds[0], None, None
        result = await poll_feed_url(source, state, ctx, feeds[0])
        result.message = (result.message + "; " if result.message else "") + f"using its feed {feeds[0]}"
        return result
    await _follow(source, state, ctx, links, result)
    return result


async def _single(source: Source, state: FetchState, ctx: Context, html: str, url: str,
                  result: Collected) -> Collected:
    article: Article | None = await ctx.run(extract_page, html, url, source.name)
    if article is None:
        return result.fail(f"{source.name}: no article text found at {url}")
    key = f"url:{article.url}"
    first = state.first_poll is None
    state.first_poll = state.first_poll or ctx.now
    if state.seen.get(key) == article.fingerprint:
        return result
    state.remember({key: article.fingerprint})
    if first and article.published and article.published < ctx.now - backfill_window(source):
        result.message = "the article is older than the backfill window; remembered, not collected"
        return result
    result.articles.append(_own(article, source, ctx))
    return result


async def _follow(source: Source, state: FetchState, ctx: Context, links: list[str],
                  result: Collected) -> None:
    """Fetch the front's new article links (at most `max_links`) and extract each."""
    limit = int(source.options.get("max_links", DEFAULT_MAX_LINKS))
    fresh = [u for u in links if f"url:{u}" not in state.seen][:limit]
    first = state.first_poll is None
    since = ctx.now - backfill_window(source)
    pages = await asyncio.gather(*(fetch_article(source, u, ctx, result) for u in fresh))
    done: dict[str, str] = {}
    for url, article in zip(fresh, pages, strict=True):
        if article is None:
            continue
        done[f"url:{url}"] = article.fingerprint
        if first and article.published and article.published < since:
            continue
        result.articles.append(_own(article, source, ctx))
    state.remember(done)
    state.first_poll = state.first_poll or ctx.now


def _own(article: Article, source: Source, ctx: Context) -> Article:
    from dataclasses import replace

    return replace(article, source=source.name, collected=ctx.now)
