"""The archive's pages, built from the ``briefing.json`` files on disk: index, feed, incidents.

Split from `briefing.archive` (which owns the folders and the writing) because these are
pure functions from archived JSON to text: they read nothing and write nothing, so they
are tested and overridden (templates) without touching a file system.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import jinja2

from briefing.clean import printable
from briefing.render import CSP, incident_file, render_template
from briefing.untrusted import safe_url, shown

if TYPE_CHECKING:
    from briefing.archive import ArchivedEdition

ATOM = "http://www.w3.org/2005/Atom"


def parse_time(value: object) -> datetime | None:
    """An ISO time from ``briefing.json`` back to an aware datetime (None if absent)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


# --- pages built from the archived JSON ---------------------------------------------


def _text(value: object) -> str:
    """Archived article text as a page shows it (`briefing.untrusted.shown`), so no title
    or sentence reorders or draws over its neighbours."""
    return shown(str(value))


def _dicts(value: object) -> list[dict[str, Any]]:
    """The objects of a list read from an archived ``briefing.json``; anything else is none.

    Why: one archived file with a null or odd-typed list (edited by hand, or written by
    another version) raised TypeError in the index rebuild, which runs after an edition
    is committed, so every later build of the schedule failed and the index went stale.
    """
    return [x for x in value if isinstance(x, dict)] if isinstance(value, list) else []


def _edition_view(entry: ArchivedEdition) -> dict[str, Any]:
    """What the index, feed and incident pages need to know about one edition."""
    data = entry.data or {}
    incidents = _dicts(data.get("incidents"))
    window = data.get("window")
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
        "title": _text(data.get("title", "")),
        "timezone": str(data.get("timezone", "UTC")),
        "window_end": parse_time(window.get("end") if isinstance(window, dict) else None),
        "incidents": [
            {
                "id": str(i.get("id", "")),
                "title": _text(i.get("title", "")),
                "status": str(i.get("status", "new")),
                "href": f"incidents/{incident_file(str(i.get('id', '')))}",
                "summary": " ".join(_text(s.get("text", "")) for s in _dicts(i.get("summary"))),
                "articles": len(_dicts(i.get("articles"))),
            }
            for i in incidents
        ],
        "incident_count": len(incidents),
        "article_count": sum(len(_dicts(i.get("articles"))) for i in incidents),
        "failed_sources": [_text(s.get("name", "")) for s in _dicts(data.get("sources"))
                           if s.get("status", "ok") != "ok"],
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
        for inc in _dicts((entry.data or {}).get("incidents")):
            if inc.get("id"):
                seen.setdefault(str(inc["id"]), []).append((entry, inc))
    pages = {}
    for incident_id, items in seen.items():
        appearances = [_appearance(entry, inc) for entry, inc in items]
        latest = items[-1][1]
        context = _page_base(schedule, title, [appearances[-1]["edition"]]) | {
            "archive_root": "../",
            "incident": {
                "id": incident_id,
                "title": _text(latest.get("title", "")),
                "first_seen": parse_time(items[0][1].get("first_seen")),
                "updated": parse_time(latest.get("updated")),
                "editions": len(items),
            },
            "appearances": appearances,
        }
        pages[incident_file(incident_id)] = render_template(env, "incident.html", context)
    return pages


def _summary(inc: dict[str, Any], articles: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The summary's sentences; in an updated incident, those new since the edition
    before are `fresh` (as on the edition page: none when all are new)."""
    sentences = _dicts(inc.get("summary"))
    new = [inc.get("status") == "updated" and s.get("new") is True for s in sentences]
    some = any(new) and not all(new)
    return [_sentence(s, articles, some and fresh) for s, fresh in zip(sentences, new, strict=True)]


def _sentence(s: dict[str, Any], articles: dict[str, dict[str, Any]], fresh: bool) -> dict[str, Any]:
    """A summary sentence with a mark for each outlet it came from (its article first,
    then the others that said it: `also_in`). `source` and `href` stay for templates
    written before `marks`."""
    also = s.get("also_in")
    ids = [str(s.get("article_id")), *(str(x) for x in (also if isinstance(also, list) else ()))]
    marks = [{"source": _text(articles[i].get("source", "")), "href": safe_url(articles[i].get("url", ""))}
             for i in dict.fromkeys(ids) if i in articles]
    first = marks[0] if marks else {"source": "", "href": ""}
    return {"text": _text(s.get("text", "")), **first, "marks": marks, "fresh": fresh}


def _appearance(entry: ArchivedEdition, inc: dict[str, Any]) -> dict[str, Any]:
    articles = {str(a.get("id")): a for a in _dicts(inc.get("articles"))}
    anchor = "incident-" + incident_file(str(inc.get("id", ""))).removesuffix(".html")
    view = _edition_view(entry)
    return {
        "edition": view,
        "href": f"../{view['href']}#{anchor}",
        "title": _text(inc.get("title", "")),
        "status": str(inc.get("status", "new")),
        "summary": _summary(inc, articles),
        "articles": [
            {
                "source": _text(a.get("source", "")),
                "title": _text(a.get("title", "")),
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
        element.text = printable(text)  # archived titles from before printable() was applied
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
