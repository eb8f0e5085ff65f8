"""OPML: the subscription lists that every feed reader exports.

Parsed with defusedxml, because an OPML file is a document from somewhere else too:
entity declarations and external references are refused rather than expanded. In a
schedule, `opml = "feeds.opml"` (relative to the workspace) stands for all the feeds
in the file, each a feed source named by its outline and inheriting the OPML
source's options (allow_private, full_text, backfill ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from briefing.errors import SourceError
from briefing.models import Problem, Source

if TYPE_CHECKING:
    from briefing.sources import Collected

MAX_OPML_BYTES = 10 * 1024 * 1024


class OpmlError(SourceError):
    """An OPML file that cannot be used; the message names the file and the reason."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One subscription: its title, feed address and the folder it was filed under."""

    title: str
    url: str
    category: str = ""


def parse_opml(data: bytes, origin: str = "OPML") -> list[OpmlFeed]:
    """OPML bytes -> the feeds in it, in file order, without duplicates."""
    from xml.etree.ElementTree import Element, ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root: Element = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise OpmlError(f"{origin}: refused: the file declares XML entities or external "
                        f"references ({type(exc).__name__})") from None
    except ParseError as exc:
        raise OpmlError(f"{origin}: not a valid OPML (XML) file: {exc}") from None
    if root.tag.lower() != "opml":
        raise OpmlError(f"{origin}: not an OPML file (the root element is <{root.tag}>)")
    feeds: dict[str, OpmlFeed] = {}
    body = root.find("body")
    _walk(body if body is not None else root, "", feeds)
    return list(feeds.values())


def _walk(node: object, category: str, feeds: dict[str, OpmlFeed]) -> None:
    for outline in node.findall("outline"):  # type: ignore[attr-defined]
        attrs = {k.lower(): v for k, v in outline.attrib.items()}
        title = (attrs.get("title") or attrs.get("text") or "").strip()
        url = (attrs.get("xmlurl") or "").strip()
        if url and urlsplit(url).scheme in ("http", "https"):
            feeds.setdefault(url, OpmlFeed(title=title or urlsplit(url).netloc, url=url, category=category))
        _walk(outline, title if not url else category, feeds)


def read_opml_file(path: Path) -> list[OpmlFeed]:
    """Read and parse a local OPML file; size-capped like everything else we read."""
    try:
        if path.stat().st_size > MAX_OPML_BYTES:
            raise OpmlError(f"{path}: larger than {MAX_OPML_BYTES // 1048576} MB; refused")
        data = path.read_bytes()
    except OSError as exc:
        raise OpmlError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_opml(data, str(path))


def feed_sources(parent: Source, feeds: Sequence[OpmlFeed]) -> list[Source]:
    """Feed sources for an OPML source; names stay unique (host added when titles repeat)."""
    counts: dict[str, int] = {}
    for feed in feeds:
        counts[feed.title] = counts.get(feed.title, 0) + 1
    sources = []
    for feed in feeds:
        name = feed.title if counts[feed.title] == 1 else f"{feed.title} ({urlsplit(feed.url).netloc})"
        sources.append(Source(name=name, kind="feed", location=feed.url,
                              options={**parent.options, "opml": parent.name}))
    return sources


def expand_opml(sources: Sequence[Source], workspace: Path) -> tuple[list[Source], list[Collected]]:
    """Replace OPML sources by their feeds; a broken OPML file becomes a failed Collected."""
    from briefing.sources import Collected

    expanded: list[Source] = []
    failed: list[Collected] = []
    for source in sources:
        if source.kind != "opml":
            expanded.append(source)
            continue
        try:
            feeds = read_opml_file(workspace / source.location)
        except OpmlError as exc:
            message = f"{source.name}: {exc.message}"
            failed.append(Collected(source=source, status="failed", message=message,
                                    problems=[Problem(stage="collect", source=source.name, message=message)]))
            continue
        expanded.extend(feed_sources(source, feeds))
    return expanded, failed
