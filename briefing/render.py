"""Render an Edition: the Jinja2 environment, the HTML page, the PDF and the JSON.

Rendering is a pure stage: it turns an `Edition` into strings and bytes and never
touches the archive (that is `archive.py`). Three promises shape this module:

* **Safe to open.** Templates autoescape everything, outbound links pass through
  `safe_url` (no `javascript:` or `data:` links), the pages carry a CSP that forbids
  scripts, and the PDF renderer fetches nothing but `data:` URLs and the package's
  own template assets -- an edition made of hostile articles cannot make the machine
  that renders it talk to the network or read local files.
* **Templates users can change.** A workspace's `templates/` folder overrides the
  built-in templates by name, and can extend them with
  `{% extends "default:edition.html" %}`. Undefined variables fail loudly
  (`StrictUndefined`) as a `ConfigError` naming the template and line.
* **Cheap to import.** WeasyPrint is imported inside `render_pdf`, so
  `briefing --help` never pays for it.

Template variables of ``edition.html`` (the README copies this list):

``edition``      the `briefing.models.Edition` itself (all its fields).
``title``        the schedule's title.
``lang``         the edition's main language (BCP 47, e.g. ``en``), for ``<html lang>``.
``timezone``     IANA time zone of the schedule; the ``localtime`` filter uses it.
``page_size``    CSS page size for print: ``A4`` (default), ``letter``, ``A5``, ``legal``.
``counts``       ``{"incidents": int, "articles": int, "sources": int}``.
``incidents``    list of dicts, in ranked order, one per incident:
                 ``incident`` (the `Incident`), ``number`` (1-based), ``anchor``
                 (HTML id), ``status`` (``new`` | ``updated``), ``sentences`` (list of
                 ``{"text", "marks": [{"tag", "href", "title", "long"}], "fresh"}``: the
                 summary with its attribution marks; ``fresh`` is true for a sentence of an
                 updated incident that no earlier edition carried, unless all are new),
                 ``fresh`` (``"some"`` or ``"all"`` sentences new since the last edition, or
                 ``""``), ``articles`` (list of ``{"article", "href"}``, oldest first),
                 ``timeline`` (list of ``{"day", "articles"}`` when the incident spans
                 several days, else empty), ``outlets`` (sorted names).
``sources``      list of `SourceHealth`, failing ones first.
``problems``     list of `Problem`.
``archive_root`` relative URL of the schedule's archive folder (``../../../`` for an
                 archived edition) or ``None`` when the page stands alone (email, PDF).
``csp``          the Content-Security-Policy string for the ``<meta>`` tag.

Filters: ``localtime(dt, fmt)`` (aware datetime -> text in the schedule's zone),
``isotime`` (ISO 8601), ``safe_url`` (the URL if http/https/mailto or a file on this
machine, else ``""``).
Globals: ``incident_file(id)`` (the file name of an incident's archive page).
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import gc
import hashlib
import html as html_lib
import json
import logging
import re
import subprocess
import traceback
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2

from briefing.errors import BriefingError, ConfigError
from briefing.language import commonest
from briefing.models import Article, Edition, Incident
from briefing.untrusted import safe_url, shown, web_url

log = logging.getLogger(__name__)

BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
PAGE_SIZES = {"a4": "A4", "letter": "letter", "a5": "A5", "legal": "legal"}
MARK_CHARS = 40  # an outlet name longer than this may wrap inside its mark
_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class RefusedURL(BriefingError):
    """The PDF renderer was asked to fetch something outside its allow-list."""


# --- environment -------------------------------------------------------------------


def make_environment(workspace: Path | None = None) -> jinja2.Environment:
    """Build the Jinja2 environment: workspace templates first, then the built-ins.

    The ``default:`` prefix always reaches the built-in templates, which is what lets a
    workspace template extend the built-in one it replaces without recursing into
    itself.
    """
    builtin = jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES))
    loaders: list[jinja2.BaseLoader] = [
        jinja2.PrefixLoader({"default": builtin}, delimiter=":")
    ]
    if workspace is not None and (workspace / "templates").is_dir():
        loaders.append(jinja2.FileSystemLoader(str(workspace / "templates")))
    loaders.append(builtin)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["localtime"] = _localtime_filter
    env.filters["isotime"] = isotime
    env.filters["safe_url"] = safe_url
    env.globals["incident_file"] = incident_file
    return env


def render_template(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render one template, turning every template mistake into a `ConfigError`.

    Users edit templates; a Jinja traceback tells them little, a message naming the
    file and line tells them where to look.
    """
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        where = f"{exc.filename or exc.name or name}, line {exc.lineno}"
        raise ConfigError(f"template {where}: {exc.message}", _HINT) from exc
    except jinja2.TemplateNotFound as exc:
        raise ConfigError(f"template {exc.name} not found (rendering {name})", _HINT) from exc
    except jinja2.TemplateError as exc:
        where = _template_location(exc) or name
        raise ConfigError(f"template {where}: {exc.message}", _HINT) from exc


_HINT = "check the template in your workspace's templates/ folder against the README"


def _template_location(exc: BaseException) -> str | None:
    """Find the innermost template frame (Jinja rewrites tracebacks to point at them)."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if not frame.filename.endswith(".py") and not frame.filename.startswith("<"):
            return f"{frame.filename}, line {frame.lineno}"
    return None


# --- filters -----------------------------------------------------------------------


def _shown_edition(edition: Edition) -> Edition:
    """The edition with `shown` applied to every text a page shows."""
    def article(a: Article) -> Article:
        return replace(a, title=shown(a.title), source=shown(a.source))

    def incident(i: Incident) -> Incident:
        return replace(i, title=shown(i.title),
                       articles=tuple(article(a) for a in i.articles),
                       summary=tuple(replace(s, text=shown(s.text)) for s in i.summary))

    return replace(
        edition, title=shown(edition.title),
        incidents=tuple(incident(i) for i in edition.incidents),
        sources=tuple(replace(s, name=shown(s.name), message=shown(s.message))
                      for s in edition.sources),
        problems=tuple(replace(p, source=shown(p.source), message=shown(p.message))
                       for p in edition.problems))


def isotime(value: datetime | None) -> str:
    """ISO 8601 text of an aware datetime (``""`` for None), for ``<time datetime>``."""
    return value.isoformat() if value is not None else ""


def localtime(value: datetime | None, tz: str, fmt: str = "%d %b %Y, %H:%M") -> str:
    """Format an aware datetime in the schedule's zone; readers think in local time.

    A time the zone would shift past year 1 or 9999 (a feed item dated 31 Dec 9999,
    in Seoul) is shown in its own zone: the conversion raised OverflowError, which
    failed every build while that article was pending.
    """
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(_zone(tz)).strftime(fmt)
    except OverflowError:
        return value.strftime(fmt)


@jinja2.pass_context
def _localtime_filter(ctx: Any, value: datetime | None, fmt: str = "%d %b %Y, %H:%M") -> str:
    return localtime(value, str(ctx.get("timezone", "UTC")), fmt)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r; showing UTC", name)
        return ZoneInfo("UTC")


def incident_file(incident_id: str) -> str:
    """File name of an incident's archive page; ids come from data, so make them safe."""
    slug = _SLUG_UNSAFE.sub("-", incident_id).strip(".-")[:100] or "incident"
    if slug != incident_id:  # keep ids that differ only in unsafe characters apart
        slug += "-" + hashlib.sha1(incident_id.encode("utf-8")).hexdigest()[:8]
    return f"{slug}.html"


# --- HTML --------------------------------------------------------------------------


def render_html(
    edition: Edition,
    env: jinja2.Environment,
    *,
    page_size: str = "A4",
    archive_root: str | None = None,
) -> str:
    """Render the edition page (``edition.html``) to a self-contained HTML string."""
    return render_template(env, "edition.html", edition_context(edition, page_size, archive_root))


def edition_context(
    edition: Edition, page_size: str = "A4", archive_root: str | None = None,
    *, web_links: bool = False,
) -> dict[str, Any]:
    """The variables ``edition.html`` sees (documented in the module docstring).

    With `web_links` (the mail), article links are ``http``/``https`` only (`web_url`).
    Every text from the articles passes through `shown`.
    """
    size = PAGE_SIZES.get(page_size.strip().lower())
    if size is None:
        raise ConfigError(
            f"unknown page size {page_size!r}", "use one of: A4, Letter, A5, Legal"
        )
    edition = _shown_edition(edition)
    sources = sorted(edition.sources, key=lambda s: (s.status == "ok", s.name.lower()))
    return {
        "edition": edition,
        "title": edition.title,
        "lang": _main_language(edition),
        "timezone": edition.timezone,
        "page_size": size,
        "counts": {
            "incidents": len(edition.incidents),
            "articles": edition.article_count,
            "sources": len({a.source for i in edition.incidents for a in i.articles}),
        },
        "incidents": [_incident_view(i, n, edition.timezone, web_url if web_links else safe_url)
                      for n, i in enumerate(edition.incidents, start=1)],
        "sources": sources,
        "problems": list(edition.problems),
        "archive_root": archive_root,
        "csp": CSP,
    }


def _main_language(edition: Edition) -> str:
    return _language_of([a for i in edition.incidents for a in i.articles])


def _language_of(articles: Sequence[Article]) -> str:
    """The commonest language of the articles, as a `lang` attribute (it picks the PDF's
    hyphenation patterns); "en" when none is valid."""
    lang = commonest(a.language for a in articles)
    return lang if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", lang) else "en"


def _incident_view(incident: Incident, number: int, tz: str,
                   link: Callable[[object], str] = safe_url) -> dict[str, Any]:
    by_id = {a.id: a for a in incident.articles}
    articles = sorted(incident.articles, key=_published_key)
    cited = [[s.article_id, *[x for x in s.also_in if x != s.article_id]]
             for s in incident.summary]
    # In an incident of an earlier edition the sentences new since then are highlighted;
    # when every sentence is new the incident says so instead of highlighting them all.
    new = [incident.status == "updated" and s.new for s in incident.summary]
    some = any(new) and not all(new)
    sentences = []
    for k, s in enumerate(incident.summary):
        # a run of sentences from the same article is cited once, at its end
        same_as_next = k + 1 < len(cited) and cited[k + 1] == cited[k]
        marks = [] if same_as_next else [_mark(by_id[i], link) for i in cited[k] if i in by_id]
        sentences.append({"text": s.text, "marks": marks, "fresh": some and new[k]})
    return {
        "incident": incident,
        "number": number,
        "anchor": "incident-" + incident_file(incident.id).removesuffix(".html"),
        "status": incident.status,
        "sentences": sentences,
        "fresh": "some" if some else "all" if any(new) else "",
        "articles": [{"article": a, "href": link(a.url)} for a in articles],
        "timeline": _timeline(articles, tz),
        "outlets": sorted({a.source for a in incident.articles}),
        "lang": _language_of(incident.articles),
    }


def _mark(article: Article, link: Callable[[object], str]) -> dict[str, Any]:
    """An attribution mark; `long` when the outlet name is too long to keep unbroken
    (the template then lets it wrap: kept on one line, it ran off the PDF's page)."""
    return {"tag": article.source, "href": link(article.url), "title": article.title,
            "long": len(article.source) > MARK_CHARS}


def _published_key(article: Article) -> datetime:
    return article.published or article.collected or datetime.min.replace(tzinfo=UTC)


def _timeline(articles: list[Article], tz: str) -> list[dict[str, Any]]:
    """Articles by local day, only when the incident spans more than one day."""
    days: dict[str, list[Article]] = {}
    for a in articles:
        if a.published is not None:
            days.setdefault(localtime(a.published, tz, "%a %d %b %Y"), []).append(a)
    if len(days) < 2:
        return []
    return [{"day": day, "articles": items} for day, items in days.items()]


# --- PDF ---------------------------------------------------------------------------


def check_url(url: str) -> None:
    """Refuse any URL except ``data:`` and files inside the built-in templates folder.

    Raises `RefusedURL` (and logs) for everything else: http(s) to anywhere, including
    127.0.0.1, and files elsewhere on disk such as ``file:///etc/passwd``.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        return
    if scheme == "file" and parts.netloc in ("", "localhost"):
        path = Path(unquote(parts.path)).resolve()
        if path.is_relative_to(BUILTIN_TEMPLATES) and path.is_file():
            return
    log.warning("refused to fetch %s while rendering the PDF", url[:200])
    raise RefusedURL(f"refused to fetch {url[:200]}", "editions may only embed data: URLs")


def make_url_fetcher() -> Any:
    """A WeasyPrint URL fetcher that calls `check_url` before every fetch."""
    import weasyprint

    class _Fetcher(weasyprint.URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            check_url(url)
            return super().fetch(url, headers)

    return _Fetcher(timeout=5, allow_redirects=False)


def render_pdf(
    html: str,
    *,
    title: str,
    author: str = "briefing",
    created: datetime | None = None,
    pdf_variant: str | None = None,
) -> bytes:
    """Render HTML to PDF bytes with WeasyPrint, fetching nothing from outside.

    `created` defaults to the page's ``<meta name="dcterms.created">`` (the edition's
    build time) so the clock is never read here. `pdf_variant` passes through to
    WeasyPrint (e.g. ``pdf/a-3b``).
    """
    import weasyprint  # deliberately late: keeps `briefing --help` fast

    missing = missing_glyphs(html)
    if missing:
        log.warning("no installed font can draw %d characters (%s); they print as boxes. "
                    "Install fonts such as fonts-noto-core or fonts-noto-cjk", len(missing),
                    missing[:20])
    with _gc_frozen():
        document = weasyprint.HTML(
            string=html,
            base_url=BUILTIN_TEMPLATES.as_uri() + "/",
            url_fetcher=make_url_fetcher(),
        ).render()
        document.metadata.title = title
        document.metadata.authors = [author]
        document.metadata.generator = "briefing"
        if created is not None:
            document.metadata.created = created.isoformat(timespec="seconds")
        try:
            pdf = document.write_pdf(pdf_variant=pdf_variant)
        except KeyError as exc:
            raise ConfigError(f"unknown pdf_variant {pdf_variant!r}", "try pdf/a-3b") from exc
    return bytes(pdf)


@contextlib.contextmanager
def _gc_frozen() -> Iterator[None]:
    """Keep the garbage collector's full passes off the objects that exist before a render.

    WeasyPrint allocates millions of objects, which triggers many full collections, and
    each one walks every object of the process: in a build process (a quarter of a million
    objects before the PDF starts) that was about a sixth of the 30-incident render time
    (2.9 s -> 2.45 s in the bench process).
    `gc.freeze` parks the existing objects where collections skip them; the render's own
    garbage is still collected, and `gc.unfreeze` puts the parked objects back. A caller
    that froze objects itself is left alone.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def missing_glyphs(html: str) -> str:
    """Characters of a page that no installed font covers, so a user learns why text
    prints as boxes instead of finding out from a reader. ``""`` when unknown."""
    coverage = _font_coverage()
    if not coverage:
        return ""
    text = html_lib.unescape(re.sub(r"<[^>]*>", " ", html))
    chars = {c for c in text if ord(c) > 0x7E and unicodedata.category(c)[0] not in "CZ"}
    starts = [lo for lo, _ in coverage]
    missing = []
    for char in sorted(chars):
        k = bisect.bisect_right(starts, ord(char)) - 1
        if k < 0 or coverage[k][1] < ord(char):
            missing.append(char)
    return "".join(missing)


@functools.lru_cache(maxsize=1)
def _font_coverage() -> tuple[tuple[int, int], ...]:
    """Union of the code point ranges of all installed fonts, from fontconfig's fc-list."""
    try:
        out = subprocess.run(["fc-list", ":", "charset"], capture_output=True, text=True,
                             timeout=20, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    ranges = sorted(
        (int(lo, 16), int(hi or lo, 16))
        for lo, hi in re.findall(r"\b([0-9a-f]+)(?:-([0-9a-f]+))?\b", out.replace(":charset=", " "))
    )
    merged: list[tuple[int, int]] = []
    for lo, hi in ranges:
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return tuple(merged)


# --- JSON --------------------------------------------------------------------------


def edition_to_dict(edition: Edition) -> dict[str, Any]:
    """The Edition as plain data: the ``briefing.json`` contract of DESIGN.md.

    The archive's index, feed and incident pages are rebuilt from these files alone,
    so everything they show must be in here.
    """
    return {
        "schedule": edition.schedule,
        "title": edition.title,
        "slug": edition.slug,
        "date": edition.date.isoformat(),
        "timezone": edition.timezone,
        "window": {"start": isotime(edition.window_start) or None,
                   "end": isotime(edition.window_end)},
        "counts": {
            "incidents": len(edition.incidents),
            "articles": edition.article_count,
            "sources": len(edition.sources),
        },
        "incidents": [_incident_dict(i) for i in edition.incidents],
        "sources": [
            {"name": s.name, "status": s.status, "message": s.message, "articles": s.articles}
            for s in edition.sources
        ],
        "problems": [
            {"stage": p.stage, "source": p.source, "message": p.message}
            for p in edition.problems
        ],
    }


def _incident_dict(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "title": incident.title,
        "status": incident.status,
        "first_seen": isotime(incident.first_seen) or None,
        "updated": isotime(incident.updated) or None,
        "score": incident.score,
        "reasons": list(incident.reasons),
        "evidence": list(incident.evidence),
        "summary": [{"text": s.text, "article_id": s.article_id, "also_in": list(s.also_in),
                     "new": s.new} for s in incident.summary],
        "articles": [
            {
                "id": a.id,
                "url": a.url,
                "source": a.source,
                "title": a.title,
                "published": isotime(a.published) or None,
            }
            for a in incident.articles
        ],
    }


def render_json(edition: Edition) -> str:
    """``briefing.json``: readable by people (indented, real Unicode) and by scripts."""
    return json.dumps(edition_to_dict(edition), indent=2, ensure_ascii=False) + "\n"
