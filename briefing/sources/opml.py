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
from briefing.models import Source

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
    try:
        _walk(body if body is not None else root, "", feeds)
    except RecursionError:  # it escaped collect_all and stopped every source of the schedule
        raise OpmlError(f"{origin}: outlines nested too deeply (thousands of levels); refused") from None
    return list(feeds.values())


def _walk(node: object, category: str, feeds: dict[str, OpmlFeed]) -> None:
    for outline in node.findall("outline"):  # type: ignore[attr-defined]
        attrs = {k.lower(): v for k, v in outline.attrib.items()}
        title = (attrs.get("title") or attrs.get("text") or "").strip()
        url = _web_address((attrs.get("xmlurl") or "").strip())
        if url:
            feeds.setdefault(url, OpmlFeed(title=title or urlsplit(url).netloc, url=url, category=category))
        _walk(outline, title if not url else category, feeds)


def _web_address(url: str) -> str:
    """An outline's feed address as http(s), or "" when it is none.

    Why: feed readers (Safari, iTunes, NetNewsWire) export "feed://host/rss" and
    "feed:https://host/rss"; such feeds were silently left out of the schedule.
    """
    lowered = url.lower()
    if lowered.startswith("feed:"):
        rest = url[5:]
        url = rest if rest.lower().startswith(("http://", "https://")) else "http:" + rest
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else ""


def read_opml_file(path: Path) -> list[OpmlFeed]:
    """Read and parse a local OPML file; size-capped like everything else we read."""
    try:
        if path.stat().st_size > MAX_OPML_BYTES:
            raise OpmlError(f"{path}: larger than {MAX_OPML_BYTES // 1048576} MB; refused")
        data = path.read_bytes()
    except OSError as exc:
        raise OpmlError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_opml(data, str(path))


def feed_sources(parent: Source, feeds: Sequence[OpmlFeed], taken: set[str] | None = None) -> list[Source]:
    """Feed sources for an OPML source; names stay unique (host added when titles repeat).

    Unique means unique in the whole collection: `taken` holds the names already used
    (the schedule's other sources, earlier OPML files) and gets these added. Why: a
    source's name is the key of its fetch state and health, so two feeds titled
    "News" on one host once shared a state and made saving the collection fail.
    When the title plus host is still taken, a number follows (" 2", " 3" ...).
    """
    taken = set() if taken is None else taken
    counts: dict[str, int] = {}
    for feed in feeds:
        counts[feed.title] = counts.get(feed.title, 0) + 1
    sources = []
    for feed in feeds:
        name = feed.title if counts[feed.title] == 1 else f"{feed.title} ({urlsplit(feed.url).netloc})"
        base, number = name, 1
        while name in taken:
            number += 1
            name = f"{base} {number}"
        taken.add(name)
        sources.append(Source(name=name, kind="feed", location=feed.url,
                              options={**parent.options, "opml": parent.name}))
    return sources


def expand_opml(sources: Sequence[Source], workspace: Path) -> tuple[list[Source], list[Collected]]:
    """Replace OPML sources by their feeds; a broken OPML file becomes a failed Collected."""
    from briefing.sources import Collected

    expanded: list[Source] = []
    failed: list[Collected] = []
    taken = {s.name for s in sources}
    for source in sources:
        if source.kind != "opml":
            expanded.append(source)
            continue
        try:
            feeds = read_opml_file(workspace / source.location)
        except OpmlError as exc:
            message = f"{source.name}: {exc.message}"
            failed.append(Collected(source=source).fail(message))
            continue
        if not feeds:  # else the source vanished from the edition without a word
            failed.append(Collected(source=source).fail(
                f"{source.name}: {workspace / source.location}: no feed address (xmlUrl) in it"))
        expanded.extend(feed_sources(source, feeds, taken))
    return expanded, failed


# ---------------------------------------------------------------------------- import into a schedule

@dataclass(frozen=True, slots=True)
class Imported:
    """What `briefing sources import` did: feeds added and feeds already in the schedule."""

    path: Path
    added: tuple[OpmlFeed, ...]
    present: int


def import_into_schedule(opml_path: Path, schedule_path: Path) -> Imported:
    """Append the OPML file's feeds to a schedule file as `[[sources]]` tables.

    Feeds whose address the schedule already has are skipped, so importing twice adds
    nothing. The file is appended to as text (its comments and layout stay), checked to
    still load as a schedule, then replaced atomically: an error leaves it untouched.
    """
    import tomllib

    from briefing.errors import ConfigError

    feeds = read_opml_file(opml_path)
    text = schedule_path.read_text(encoding="utf-8")
    try:
        existing = tomllib.loads(text).get("sources", [])
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{schedule_path}: not valid TOML: {exc}") from None
    urls = {str(s.get("feed", "")).strip() for s in existing if isinstance(s, dict)}
    names = {str(s.get("name", "")) for s in existing if isinstance(s, dict)}
    added = [f for f in feeds if f.url not in urls]
    if added:
        tables = "".join(_source_table(_unique_name(f, names), f.url) for f in added)
        _replace_checked(schedule_path, text.rstrip("\n") + "\n" + tables)
    return Imported(path=schedule_path, added=tuple(added), present=len(feeds) - len(added))


def _unique_name(feed: OpmlFeed, names: set[str]) -> str:
    """The outline's title; the host, then a number, is added when the schedule has the name."""
    name, host = feed.title, urlsplit(feed.url).netloc
    candidates = [name, f"{name} ({host})", *(f"{name} ({host}) {n}" for n in range(2, 1000))]
    chosen = next(c for c in candidates if c not in names)
    names.add(chosen)
    return chosen


def _source_table(name: str, url: str) -> str:
    """A `[[sources]]` table; JSON string syntax is valid TOML basic string syntax."""
    import json

    return f"\n[[sources]]\nname = {json.dumps(name, ensure_ascii=False)}\nfeed = {json.dumps(url)}\n"


def _replace_checked(path: Path, text: str) -> None:
    """Write `text` over `path` atomically, after checking it loads as a schedule."""
    import os
    import tempfile

    from briefing.config import load_schedule
    from briefing.errors import ConfigError

    fd, temp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, path.stat().st_mode & 0o777)
        try:
            load_schedule(Path(temp))
        except ConfigError as exc:
            raise ConfigError(f"{exc.message.replace(temp, str(path))} (with the imported feeds added; "
                              f"{path} was not changed)", hint=exc.hint) from None
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
