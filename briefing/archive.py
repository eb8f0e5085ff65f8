"""The archive on disk: edition folders, atomic writes, the index, the feed, incident pages.

Layout (DESIGN.md)::

    output/<schedule>/<YYYY>/<MM>/<DD>/{index.html,briefing.pdf,briefing.json}
    output/<schedule>/<YYYY>/<MM>/<DD>-2/      a second edition on the same date
    output/<schedule>/index.html               editions newest first, grouped by month
    output/<schedule>/feed.xml                 Atom feed of editions
    output/<schedule>/incidents/<id>.html      one incident across editions

Two rules make the archive trustworthy:

* **Nothing is ever half written.** Every file goes to a temporary file in the same
  folder, is fsynced and renamed over the target; an edition folder is filled as a
  hidden temporary folder and renamed into place, so a crash leaves either no edition
  or a whole one. An existing edition folder is never overwritten.
* **Indexes come from what is on disk.** The index, feed and incident pages are rebuilt
  from the ``briefing.json`` files in the archive, so they can never disagree with it.

This module does I/O and logging, never printing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path, PurePath
from typing import Any

import jinja2

from briefing.models import Edition
from briefing.render import CSP, incident_file, render_template, safe_url

log = logging.getLogger(__name__)

_DAY_DIR = re.compile(r"^(\d{2})(?:-(\d+))?$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
ASIDE = ".uncommitted"
ATOM = "http://www.w3.org/2005/Atom"


# --- atomic writes -------------------------------------------------------------------


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write a file so readers see the old content or the new, never a mix.

    Temporary file in the same folder (same file system, so the rename is atomic),
    fsync, `os.replace`, then fsync the folder so the rename itself survives a crash.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Persist a folder's entries (renames); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- edition folders -----------------------------------------------------------------


def _month_dir(output: Path, schedule: str, day: date) -> Path:
    return output / schedule / f"{day:%Y}" / f"{day:%m}"


def next_edition_dir(output: Path, schedule: str, day: date) -> Path:
    """The first free edition folder for a date: ``DD``, then ``DD-2``, ``DD-3``..."""
    month = _month_dir(output, schedule, day)
    candidate, n = month / f"{day:%d}", 2
    while candidate.exists():
        candidate, n = month / f"{day:%d}-{n}", n + 1
    return candidate


def write_edition(output: Path, edition: Edition, files: Mapping[str, bytes]) -> Path:
    """Write an edition's files into a new edition folder and return that folder.

    The files are written into a hidden temporary folder first; the final name is
    reserved with an exclusive `mkdir` (so two writers can never pick the same one) and
    the temporary folder is renamed over the empty reservation.
    """
    for name in files:
        if not _FILE_NAME.match(name):
            raise ValueError(f"edition file name {name!r} is not a plain file name")
    month = _month_dir(output, edition.schedule, edition.date)
    month.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=month, prefix=f".{edition.date:%d}.", suffix=".tmp"))
    try:
        for name, data in files.items():
            atomic_write(tmp / name, data)
        os.chmod(tmp, 0o755)
        final = _reserve(output, edition.schedule, edition.date)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync_dir(month)
    log.info("wrote edition %s", final)
    return final


def _reserve(output: Path, schedule: str, day: date) -> Path:
    while True:
        candidate = next_edition_dir(output, schedule, day)
        try:
            candidate.mkdir()
        except FileExistsError:
            continue  # another writer took it between the check and the mkdir
        return candidate


@dataclass(frozen=True, slots=True)
class ArchivedEdition:
    """One edition folder on disk and its ``briefing.json`` (None if unreadable)."""

    path: Path
    rel: str  # relative to output/<schedule>/, with forward slashes: "2026/01/28-2"
    day: date
    number: int  # 1 for DD, 2 for DD-2...
    data: dict[str, Any] | None


def edition_dirs(output: Path, schedule: str) -> list[ArchivedEdition]:
    """Every edition folder of a schedule, newest first; hidden folders are skipped."""
    root = output / schedule
    found = []
    for month in sorted(root.glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]")):
        for folder in month.iterdir():
            match = _DAY_DIR.match(folder.name)
            if not match or not folder.is_dir():
                continue
            try:
                day = date(int(month.parent.name), int(month.name), int(match[1]))
            except ValueError:
                continue
            rel = f"{month.parent.name}/{month.name}/{folder.name}"
            found.append(ArchivedEdition(folder, rel, day, int(match[2] or 1),
                                         _read_json(folder / "briefing.json")))
    return sorted(found, key=lambda e: (e.day, e.number), reverse=True)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("cannot read %s: %s", path, exc)
        return None
    return data if isinstance(data, dict) else None


def remove_uncommitted(output: Path, schedule: str, committed: Collection[str]) -> list[Path]:
    """Move edition folders the state store never committed out of the archive.

    Such a folder is what a crash between writing and committing leaves; its articles
    were not consumed and will be published again, so it must not stay listed. It is
    moved to ``output/<schedule>/.uncommitted/`` rather than deleted, so that even a
    lost state database never costs a published edition. `committed` holds folders
    relative to `output` (``demo/2026/01/28``). Leftover hidden temporary folders of
    interrupted writes are deleted. Call this under the schedule's lock.
    """
    keep = {PurePath(p).parts for p in committed}
    moved = []
    for month in (output / schedule).glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]"):
        for leftover in month.glob(".*.tmp"):
            shutil.rmtree(leftover, ignore_errors=True)
    for entry in edition_dirs(output, schedule):
        if entry.path.relative_to(output).parts in keep:
            continue
        aside = output / schedule / ASIDE
        aside.mkdir(exist_ok=True)
        target, n = aside / entry.rel.replace("/", "-"), 2
        while target.exists():
            target, n = aside / f"{entry.rel.replace('/', '-')}.{n}", n + 1
        os.replace(entry.path, target)
        log.warning("moved uncommitted edition %s to %s", entry.path, target)
        moved.append(target)
    return moved


# --- indexes -------------------------------------------------------------------------


def rebuild_indexes(
    output: Path,
    schedule: str,
    env: jinja2.Environment,
    *,
    title: str,
    base_url: str | None = None,
) -> None:
    """Rebuild index.html, feed.xml and the incident pages from the archived JSON.

    `base_url` (the public URL of ``output/<schedule>/``) makes the feed's links
    absolute; without it they are relative to the feed, which feed readers given a
    local file understand.
    """
    root = output / schedule
    editions = [e for e in edition_dirs(output, schedule) if e.data is not None]
    atomic_write(root / "index.html", index_html(env, schedule, title, editions))
    atomic_write(root / "feed.xml", feed_xml(schedule, title, editions, base_url))
    pages = incident_pages(env, schedule, title, editions)
    folder = root / "incidents"
    for name, html in pages.items():
        atomic_write(folder / name, html)
    if folder.is_dir():
        for stale in folder.glob("*.html"):
            if stale.name not in pages:
                stale.unlink()
    log.info("rebuilt the %s archive: %d editions, %d incidents", schedule, len(editions),
             len(pages))


def parse_time(value: object) -> datetime | None:
    """An ISO time from ``briefing.json`` back to an aware datetime (None if absent)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


# --- pages built from the archived JSON ---------------------------------------------


def _edition_view(entry: ArchivedEdition) -> dict[str, Any]:
    """What the index, feed and incident pages need to know about one edition."""
    data = entry.data or {}
    incidents = [i for i in data.get("incidents", []) if isinstance(i, dict)]
    label = entry.day.strftime("%A, %d %B %Y")
    if entry.number > 1:
        label += f" (edition {entry.number})"
    return {
        "rel": entry.rel,
        "href": f"{entry.rel}/index.html",
        "pdf": f"{entry.rel}/briefing.pdf" if (entry.path / "briefing.pdf").is_file() else None,
        "json": f"{entry.rel}/briefing.json",
        "date": entry.day,
        "number": entry.number,
        "label": label,
        "title": str(data.get("title", "")),
        "timezone": str(data.get("timezone", "UTC")),
        "window_end": parse_time((data.get("window") or {}).get("end")),
        "incidents": [
            {
                "id": str(i.get("id", "")),
                "title": str(i.get("title", "")),
                "status": str(i.get("status", "new")),
                "href": f"incidents/{incident_file(str(i.get('id', '')))}",
                "summary": " ".join(str(s.get("text", "")) for s in i.get("summary", [])),
                "articles": len(i.get("articles", [])),
            }
            for i in incidents
        ],
        "incident_count": len(incidents),
        "article_count": sum(len(i.get("articles", [])) for i in incidents),
        "failed_sources": [str(s.get("name", "")) for s in data.get("sources", [])
                           if isinstance(s, dict) and s.get("status", "ok") != "ok"],
    }


def _page_base(schedule: str, title: str, views: list[dict[str, Any]]) -> dict[str, Any]:
    """Variables every archive page shares (the CSS include needs `page_size`)."""
    return {
        "title": title,
        "schedule": schedule,
        "lang": "en",
        "page_size": "A4",
        "timezone": views[0]["timezone"] if views else "UTC",
        "csp": CSP,
    }


def index_html(env: jinja2.Environment, schedule: str, title: str,
               editions: list[ArchivedEdition]) -> str:
    """The archive index: editions newest first, grouped by month, with a search box.

    The search runs in the page over a JSON block of titles and summaries; its one
    script is allowed by hash in the page's CSP, so nothing else can run.
    """
    views = [_edition_view(e) for e in editions]
    months: list[dict[str, Any]] = []
    for view in views:
        key = view["date"].strftime("%Y-%m")
        if not months or months[-1]["key"] != key:
            months.append({"key": key, "label": view["date"].strftime("%B %Y"),
                           "editions": [], "incidents": 0, "articles": 0})
        months[-1]["editions"].append(view)
        months[-1]["incidents"] += view["incident_count"]
        months[-1]["articles"] += view["article_count"]
    search = [
        {"d": v["label"], "h": v["href"], "i": i["href"], "t": i["title"], "s": i["summary"][:400]}
        for v in views for i in v["incidents"]
    ]
    script = _search_script(env)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    context = _page_base(schedule, title, views) | {
        "editions": views,
        "months": months,
        "counts": {"editions": len(views),
                   "incidents": sum(v["incident_count"] for v in views),
                   "articles": sum(v["article_count"] for v in views)},
        "search_index": search,
        "search_js": script,
        "csp": f"{CSP}; script-src 'sha256-{digest}'",
    }
    return render_template(env, "index.html", context)


def _search_script(env: jinja2.Environment) -> str:
    try:
        source, _, _ = env.loader.get_source(env, "search.js")  # type: ignore[union-attr]
    except jinja2.TemplateNotFound:
        return ""
    return source.strip()


def incident_pages(env: jinja2.Environment, schedule: str, title: str,
                   editions: list[ArchivedEdition]) -> dict[str, str]:
    """One page per incident id, its coverage in every edition that carried it, oldest first."""
    seen: dict[str, list[tuple[ArchivedEdition, dict[str, Any]]]] = {}
    for entry in reversed(editions):  # oldest first: a story unfolds forwards
        for inc in (entry.data or {}).get("incidents", []):
            if isinstance(inc, dict) and inc.get("id"):
                seen.setdefault(str(inc["id"]), []).append((entry, inc))
    pages = {}
    for incident_id, items in seen.items():
        appearances = [_appearance(entry, inc) for entry, inc in items]
        latest = items[-1][1]
        context = _page_base(schedule, title, [appearances[-1]["edition"]]) | {
            "archive_root": "../",
            "incident": {
                "id": incident_id,
                "title": str(latest.get("title", "")),
                "first_seen": parse_time(items[0][1].get("first_seen")),
                "updated": parse_time(latest.get("updated")),
                "editions": len(items),
            },
            "appearances": appearances,
        }
        pages[incident_file(incident_id)] = render_template(env, "incident.html", context)
    return pages


def _appearance(entry: ArchivedEdition, inc: dict[str, Any]) -> dict[str, Any]:
    articles = {str(a.get("id")): a for a in inc.get("articles", []) if isinstance(a, dict)}
    anchor = "incident-" + incident_file(str(inc.get("id", ""))).removesuffix(".html")
    view = _edition_view(entry)
    return {
        "edition": view,
        "href": f"../{view['href']}#{anchor}",
        "title": str(inc.get("title", "")),
        "status": str(inc.get("status", "new")),
        "summary": [
            {
                "text": str(s.get("text", "")),
                "source": str(articles.get(str(s.get("article_id")), {}).get("source", "")),
                "href": safe_url(articles.get(str(s.get("article_id")), {}).get("url", "")),
            }
            for s in inc.get("summary", [])
        ],
        "articles": [
            {
                "source": str(a.get("source", "")),
                "title": str(a.get("title", "")),
                "href": safe_url(a.get("url", "")),
                "published": parse_time(a.get("published")),
            }
            for a in articles.values()
        ],
    }


def feed_xml(schedule: str, title: str, editions: list[ArchivedEdition],
             base_url: str | None = None, limit: int = 50) -> str:
    """An Atom feed (RFC 4287) of the newest editions, built with ElementTree so it is
    always well-formed whatever the titles contain. Ids are stable name-based UUIDs."""
    ET.register_namespace("", ATOM)
    base = base_url.rstrip("/") + "/" if base_url else ""
    views = [_edition_view(e) for e in editions[:limit]]
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "id", _urn(f"briefing:{schedule}"))
    _sub(feed, "title", title)
    _sub(feed, "updated", _atom_time(views[0] if views else None))
    author = _sub(feed, "author")
    _sub(author, "name", "briefing")
    _sub(feed, "link", rel="self", href=f"{base}feed.xml", type="application/atom+xml")
    _sub(feed, "link", rel="alternate", href=f"{base}index.html", type="text/html")
    _sub(feed, "generator", "briefing")
    for view in views:
        entry = _sub(feed, "entry")
        _sub(entry, "id", _urn(f"briefing:{schedule}:{view['rel']}"))
        _sub(entry, "title", f"{view['title'] or title} — {view['label']}")
        _sub(entry, "updated", _atom_time(view))
        _sub(entry, "link", rel="alternate", href=f"{base}{view['href']}", type="text/html")
        if view["pdf"]:
            _sub(entry, "link", rel="enclosure", href=f"{base}{view['pdf']}",
                 type="application/pdf")
        headlines = "; ".join(i["title"] for i in view["incidents"]) or "A quiet day."
        _sub(entry, "summary", f"{view['incident_count']} incidents: {headlines}")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _urn(name: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, name).urn


def _atom_time(view: dict[str, Any] | None) -> str:
    """RFC 3339 time of an edition: its build time, else midnight UTC of its date."""
    if view is None:
        return "1970-01-01T00:00:00Z"
    when = view["window_end"] or datetime.combine(view["date"], datetime.min.time(), UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.isoformat(timespec="seconds")
