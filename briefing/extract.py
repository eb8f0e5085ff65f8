"""HTML -> Article: main text and metadata (trafilatura), ids and fingerprints.

Why here: every web or saved page goes through one function, `extract`, so an article
looks the same whether a feed, a page source or a folder of clippings found it. Its
text is finished by the plain-text cleaner of `briefing.clean`, and the id comes from
the canonical URL, so a story reached through tracking links is one article.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from briefing.clean import clean_text, parse_date, title_from_sentence
from briefing.models import Article
from briefing.outlet import jsonld_nodes, outlet_from_html, strip_outlet

log = logging.getLogger(__name__)

__all__ = ["article_id", "canonical_url", "extract", "fingerprint"]

# ---------------------------------------------------------------------------- ids

_TRACKING = re.compile(r"^(utm_\w*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|_ga)$", re.I)


def canonical_url(url: str) -> str:
    """Drop what makes one story look like several: fragments and tracking parameters."""
    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not _TRACKING.match(k)]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/",
                       urlencode(query), ""))


def _digest(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8")).hexdigest()[:16]


def article_id(url: str = "", title: str = "", text: str = "") -> str:
    """Stable id: from the canonical URL when there is one, else from title and text."""
    if url:
        return _digest(canonical_url(url))
    return _digest(f"{title.strip()}\n{text.strip()}")


def fingerprint(text: str) -> str:
    """Hash of the cleaned text, blind to case and spacing: it changes when words change."""
    return _digest(" ".join(text.casefold().split()))


# ---------------------------------------------------------------------------- HTML


def _decode(html: str | bytes) -> str:
    if isinstance(html, str):
        return html
    from trafilatura.utils import decode_file

    return str(decode_file(html))


def _html_metadata(tree: Any, url: str | None) -> dict[str, str]:
    """Canonical URL, dates, language and site name straight from the page's markup.

    trafilatura's own date is day-precise only; the page usually states the time too.
    """
    meta: dict[str, str] = {}

    def first(xpath: str) -> str:
        found = tree.xpath(xpath)
        return str(found[0]).strip() if found else ""

    canonical = first("//link[translate(@rel,'CANONICAL','canonical')='canonical']/@href") or \
        first("//meta[@property='og:url']/@content")
    canonical = _address(url or "", canonical) if canonical else ""
    if canonical and not (
        url and urlsplit(canonical).path in ("", "/") and urlsplit(url).path not in ("", "/")
    ):
        meta["url"] = canonical
    for xpath in (
        "//meta[@property='article:published_time']/@content",
        "//meta[@name='article:published_time']/@content",
        "//meta[@itemprop='datePublished']/@content",
        "//meta[@name='pubdate' or @name='publishdate' or @name='date']/@content",
    ):
        if value := first(xpath):
            meta["published"] = value
            break
    if "published" not in meta and (value := _jsonld_date(tree)):
        meta["published"] = value
    if "published" not in meta and (value := first("//time[@datetime]/@datetime")):
        meta["published"] = value
    meta["language"] = first("/html/@lang") or first("//meta[@property='og:locale']/@content")
    meta["site"] = outlet_from_html(tree, url)
    meta["author"] = first("//meta[@name='author']/@content")
    return meta


def _address(base: str, href: str) -> str:
    """`href` made absolute against `base` when that is a well-formed http(s) address, else "".

    Why: urlsplit raises ValueError on a canonical link such as "http://[::1", which
    threw away all the page's metadata (its time, language, outlet, author), and a
    port like 99999 made an article address no client could open.
    """
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed or out-of-range port
    except ValueError:
        return ""
    return url if parts.scheme in ("http", "https") and parts.hostname else ""


def _jsonld_date(tree: Any) -> str:
    for node in jsonld_nodes(tree):
        if isinstance(node.get("datePublished"), str):
            return str(node["datePublished"])
    return ""


def _markup_title(markup: str) -> str:
    """The page's og:title or <title>, for when trafilatura gave no metadata."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(markup)
    except (ValueError, TypeError):
        return ""
    found = tree.xpath("//meta[@property='og:title']/@content") or tree.xpath("//title/text()")
    return " ".join(str(found[0]).split()) if found else ""


def _language(value: str) -> str:
    """The language code a page declares ("de-AT" -> "de"), or "" when it declares none."""
    code = re.split(r"[-_]", value.strip().lower())[0] if value else ""
    return code if re.fullmatch(r"[a-z]{2,3}", code) else ""


def extract(html: str | bytes, url: str | None = None, *, source: str = "") -> Article | None:
    """An HTML page -> Article with its main text and metadata, or None without article text.

    trafilatura finds the main text (comments left out); our line cleaner then removes
    what it leaves behind. The id comes from the canonical URL, so the same story reached
    through tracking links is one article. `source` wins when given; else the outlet the
    page names (`briefing.outlet`), else the host; the title loses an outlet suffix.
    """
    import trafilatura
    from lxml import html as lxml_html

    from briefing.language import text_language

    markup = _decode(html)
    if not markup.strip():
        return None
    try:
        tree = lxml_html.fromstring(markup)
        meta = _html_metadata(tree, url)
    except (ValueError, TypeError, RecursionError) as error:  # lxml: empty or unparsable document;
        # json: JSON-LD nested 100,000 deep, which once failed the page's whole source
        log.debug("metadata skipped: %s", error)
        meta = {}
    doc: Any = trafilatura.bare_extraction(
        markup, url=url, with_metadata=True, include_comments=False
    )
    fallback_title = ""
    if doc is None:
        # trafilatura discards the whole page when its metadata step raises (htmldate on
        # a date whose zone offset is a day or more, "+99:00"): one bad date lost the
        # article. Its text is read again without that step; the title from the markup.
        doc = trafilatura.bare_extraction(markup, url=url, with_metadata=False, include_comments=False)
        fallback_title = _markup_title(markup)
    if doc is None or not getattr(doc, "text", None):
        return None
    title = strip_outlet((getattr(doc, "title", None) or fallback_title).strip(),
                         meta.get("site", ""), source)
    text = clean_text(str(doc.text), title)
    if not text:
        return None
    page_url = meta.get("url") or url or ""
    published = parse_date(meta.get("published")) or parse_date(getattr(doc, "date", None))
    host = urlsplit(page_url).hostname or ""
    return Article(
        id=article_id(page_url, title, text),
        url=canonical_url(page_url) if page_url else "",
        source=source or meta.get("site") or host,
        title=title or title_from_sentence(text),
        text=text,
        published=published,
        language=_language(meta.get("language") or getattr(doc, "language", None) or "")
        or text_language(title, text),
        fingerprint=fingerprint(text),
        author=(getattr(doc, "author", None) or meta.get("author") or "").strip(),
    )
