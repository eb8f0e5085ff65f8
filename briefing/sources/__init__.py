"""Collect: every source kind behind one function.

`collect_source` never raises for a bad source: whatever goes wrong becomes a Problem
on that source and a health status, so one failing source never stops an edition.
`collect_all` collects many sources at once (asyncio): web sources share one HTTP
client with per-host limits, and each source runs under its own deadline, so a slow
source never holds up the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from briefing.clean import printable
from briefing.errors import BriefingError
from briefing.models import Article, Problem, Source, SourceHealth

if TYPE_CHECKING:
    from briefing.sources.polling import Context, FetchState

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Collected:
    """What one source gave: its articles, its health, and what went wrong on the way."""

    source: Source
    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    status: str = "ok"
    message: str = ""
    state: FetchState | None = None  # web sources: what to remember until the next poll
    polled: bool = True  # False when politeness or backoff skipped this source this time

    def fail(self, message: str) -> Collected:
        """Mark this source failed with `message`, recorded as its Problem too."""
        self.status, self.message = "failed", message
        self.problems.append(Problem(stage="collect", source=self.source.name, message=message))
        return self

    @property
    def health(self) -> SourceHealth:
        return SourceHealth(name=self.source.name, status=self.status, message=self.message,
                            articles=len(self.articles))


def collect_source(source: Source, workspace: Path, now: datetime) -> Collected:
    """Collect one source; never raises for a source's own failure."""
    result = Collected(source=source)
    try:
        articles, problems = _dispatch(source, workspace, now)
    except BriefingError as exc:
        return result.fail(exc.message)
    except Exception as exc:  # a bug or an unforeseen input must not stop the edition
        log.exception("collecting %s failed", source.name)
        return result.fail(f"unexpected error: {type(exc).__name__}: {exc}")
    result.articles, result.problems = articles, problems
    if problems and not articles:
        result.status, result.message = "failed", problems[0].message
    elif problems:
        result.message = f"{len(problems)} item(s) skipped"
    return result


WEB_KINDS = ("feed", "page")
PROCESS_POOL_FROM = 16  # with this many web sources, parse in processes (feedparser is slow)


@dataclass(frozen=True, slots=True)
class Policy:
    """Run-wide politeness: requests in flight per host, pause after each, overall cap."""

    per_host: int = 2
    host_delay: float = 0.2
    max_in_flight: int = 64


def collect_all(sources: Sequence[Source], workspace: Path, now: datetime,
                states: Mapping[str, FetchState] | None = None,
                policy: Policy | None = None) -> list[Collected]:
    """Collect every source concurrently; OPML sources are expanded into their feeds first.

    `states` is the stored fetch state by source name; each web source's Collected
    carries its new state back for the caller to store. Never raises for a source.
    """
    from briefing.sources.opml import expand_opml

    expanded, results = expand_opml(sources, workspace)
    results += asyncio.run(_collect_many(expanded, workspace, now, states or {}, policy or Policy()))
    for collected in results:
        collected.articles = _undated_future([_printable(a) for a in collected.articles], collected, now)
    return results


FUTURE_SLACK = timedelta(days=1)  # beyond any time zone mistake


def _undated_future(articles: list[Article], collected: Collected, now: datetime) -> list[Article]:
    """A web source's articles dated more than a day after they were fetched are dated
    `now` instead, and the source gets one problem saying so.

    Why: a feed item dated 2099 (or 31 Dec 9999) sorted above every real report, and
    with `--date` it fell after every edition's cut-off, so it was never published.
    Folder clippings keep their dates: a file is not fetched at `now`, and its time may
    come from its modification time.
    """
    if collected.source.kind not in WEB_KINDS:
        return articles
    late = [a for a in articles if a.published is not None and a.published > now + FUTURE_SLACK]
    if not late:
        return articles
    latest = max(a.published for a in late if a.published is not None)
    collected.problems.append(Problem(stage="collect", source=collected.source.name, message=(
        f"{collected.source.name}: {len(late)} item(s) dated in the future (up to {latest:%Y-%m-%d});"
        " dated when collected instead")))
    moved = {id(a) for a in late}
    return [replace(a, published=now) if id(a) in moved else a for a in articles]


TITLE_CHARS = 300  # far beyond any real headline; a longer "title" is a page's text or an attack


def _printable(article: Article) -> Article:
    """The article with no control characters in what a reader sees (`clean.printable`),
    whatever source kind it came from; the title on one line, at most TITLE_CHARS long.

    Why the length cap: a feed item or a page's <title> of 100,000 characters was kept
    whole and became the incident's headline in the edition, the PDF and the index.
    """
    title, text = _short(" ".join(printable(article.title).split())), printable(article.text)
    author, source = printable(article.author), printable(article.source)
    if (title, text, author, source) == (article.title, article.text, article.author, article.source):
        return article
    return replace(article, title=title, text=text, author=author, source=source)


def _short(title: str) -> str:
    """`title` cut to TITLE_CHARS at a word boundary when there is one near the end, with "…"."""
    if len(title) <= TITLE_CHARS:
        return title
    cut = title[:TITLE_CHARS - 1]
    space = cut.rfind(" ", TITLE_CHARS // 2)
    return (cut[:space] if space > 0 else cut).rstrip(" ,;:.-") + "…"


async def _collect_many(sources: list[Source], workspace: Path, now: datetime,
                        states: Mapping[str, FetchState], policy: Policy) -> list[Collected]:
    from briefing.fetch import Fetcher
    from briefing.sources.polling import Context

    web = [s for s in sources if s.kind in WEB_KINDS]
    executor = _parse_pool() if len(web) >= PROCESS_POOL_FROM else None
    try:
        async with Fetcher(per_host=policy.per_host, host_delay=policy.host_delay,
                           max_in_flight=policy.max_in_flight) as fetcher:
            ctx = Context(fetcher=fetcher, now=now, workspace=workspace, executor=executor)
            return list(await asyncio.gather(*(_one(s, ctx, states.get(s.name)) for s in sources)))
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)


def _parse_pool() -> Executor:
    """Processes for feed parsing and extraction: CPU work that would stall the event loop.

    Workers start at the first job, so a run where every feed answers 304 starts none.
    The fork server preloads what every feed parse needs; trafilatura (half a second)
    is imported by a worker only when it first extracts a page.
    """
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    mp = multiprocessing.get_context("forkserver")
    mp.set_forkserver_preload(["briefing.sources.feed", "briefing.sources.fastfeed", "feedparser",
                               "lxml.html"])
    return ProcessPoolExecutor(max_workers=max(2, os.cpu_count() or 2), mp_context=mp)


async def _one(source: Source, ctx: Context, stored: FetchState | None) -> Collected:
    """One source under its own deadline (`source_deadline`, default 4 x the request deadline)."""
    from briefing.sources.polling import state_for

    if source.kind not in WEB_KINDS:
        return await asyncio.to_thread(collect_source, source, ctx.workspace, ctx.now)
    state = state_for(source, stored)
    limit = float(source.options.get("source_deadline", 4 * float(source.options.get("deadline", 30))))
    from briefing.fetch import SOURCE_DEADLINE

    try:
        async with asyncio.timeout(limit) as deadline:
            SOURCE_DEADLINE.set(deadline)  # this task's own context: no reset needed
            if source.kind == "feed":
                from briefing.sources.feed import collect_feed

                return await collect_feed(source, state, ctx)
            from briefing.sources.page import collect_page

            return await collect_page(source, state, ctx)
    except TimeoutError:
        message = f"{source.name}: collection took longer than {limit:g} s (source_deadline); stopped"
    except Exception as exc:  # a bug or an unforeseen input must not stop the others
        log.exception("collecting %s failed", source.name)
        message = f"{source.name}: unexpected error: {type(exc).__name__}: {exc}"
    return Collected(source=source, state=state).fail(message)


def _dispatch(source: Source, workspace: Path, now: datetime) -> tuple[list[Article], list[Problem]]:
    if source.kind in WEB_KINDS or source.kind == "opml":
        found = collect_all([source], workspace, now)
        return [a for c in found for a in c.articles], [p for c in found for p in c.problems]
    if source.kind == "folder":
        from briefing.sources.folder import collect_folder

        return collect_folder(source, workspace, now)
    raise BriefingError(f"{source.kind} sources are not supported by this version of briefing",
                        hint="use a folder source")
