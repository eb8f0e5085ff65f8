"""The one place that knows the order of the stages.

build = select new articles -> dedupe -> group (linked to earlier incidents) ->
summarize -> rank -> render -> archive -> commit. The data-safety rule is kept by the
order of the last three steps: the edition's files are written to the archive
(atomically) before the state store consumes its articles in one transaction, so a
crash anywhere before the commit loses nothing and the next build publishes the same
articles again.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Literal

from briefing.config import Schedule
from briefing.errors import BriefingError
from briefing.models import Article, Edition, Incident, Problem, SourceHealth
from briefing.sources import Collected, collect_all
from briefing.store import Store

log = logging.getLogger(__name__)

Stage = Callable[[str], None]
Status = Literal["published", "empty", "dry-run"]


@dataclass(slots=True)
class CollectResult:
    """Collection across a schedule's sources."""

    schedule: str
    sources: list[Collected] = field(default_factory=list)
    new: int = 0
    updated: int = 0

    @property
    def problems(self) -> list[Problem]:
        return [p for c in self.sources for p in c.problems]

    @property
    def health(self) -> list[SourceHealth]:
        return [c.health for c in self.sources]

    @property
    def failed(self) -> list[str]:
        return [c.source.name for c in self.sources if c.status != "ok"]


@dataclass(slots=True)
class BuildResult:
    """What a build did, for the CLI's summary line and `--json`."""

    schedule: str
    status: Status
    message: str
    edition: Edition | None = None
    path: Path | None = None
    failed_sources: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _noop(_stage: str) -> None:
    """Default stage callback: nothing to report to."""


@contextmanager
def schedule_lock(workspace: Path, schedule: str) -> Iterator[None]:
    """One build or collection of a schedule at a time (cron, daemon and hand runs share it).

    An OS file lock dies with its process, so a crash never leaves a stale lock behind.
    """
    folder = workspace / "output" / ".state"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{schedule}.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def collect(schedule: Schedule, workspace: Path, store: Store | None, now: datetime,
            on_stage: Stage = _noop) -> CollectResult:
    """Collect every source of a schedule; with a store, save new and changed articles.

    Without a store (a dry run) nothing is written anywhere. All sources are collected
    at once (`collect_all`); each web source's fetch state (ETag, next allowed poll,
    backoff, items seen) is saved after its articles, so a crash in between at worst
    collects an unchanged article again. A source skipped for politeness or backoff
    leaves its health as it was. A source that polls fine but has given no new article
    for `silent_after` (default 7 days) is reported as silent.
    """
    result = CollectResult(schedule=schedule.name)
    on_stage("collect")
    states = store.fetch_states(schedule.name) if store is not None else {}
    for collected in collect_all(schedule.source_list(), workspace, now, states):
        result.sources.append(collected)
        if store is None:
            continue
        new, updated = store.save_articles(schedule.name, collected.articles, now)
        result.new += new
        result.updated += updated
        if collected.state is not None:
            store.save_fetch_state(schedule.name, collected.state, now)
        if collected.polled:
            store.record_source(schedule.name, collected.health, now)
    if store is not None:
        _mark_silent(store, schedule.name, result.sources, now)
    return result


def _mark_silent(store: Store, schedule: str, sources: list[Collected], now: datetime) -> None:
    """Flag sources with no new article for `silent_after`, in this collection's health."""
    from briefing.config import parse_duration

    report = {r["source"]: r for r in store.source_report(schedule, now)}
    for collected in sources:
        if collected.status != "ok" or collected.articles or collected.source.name not in report:
            continue
        after = parse_duration(str(collected.source.options.get("silent_after", "7d")))
        since = report[collected.source.name]["silent_since"]
        if isinstance(since, datetime) and now - since >= after:
            collected.status = "silent"
            collected.message = f"no new article since {since:%Y-%m-%d}"


def _pending_without_store(store: Store, schedule: str, collected: CollectResult) -> list[Article]:
    """For a dry run: collected articles that the store would treat as new or changed."""
    arts = [a for c in collected.sources for a in c.articles]
    seen = store.consumed_fingerprints(schedule, [a.id for a in arts])
    pending = {a.id: a for a in store.pending_articles(schedule)}
    for art in arts:
        if seen.get(art.id) != art.fingerprint:
            pending[art.id] = art
    return sorted(pending.values(), key=lambda a: (a.published or a.collected or datetime.min, a.id))


def _history(store: Store, schedule: Schedule, now: datetime,
             pending: Sequence[Article]) -> tuple[list[Incident], dict[str, tuple[str, ...]]]:
    """Open incidents of earlier editions, without the pending articles.

    An edited article is pending again while its old version still sits in its
    incident; leaving it out of the history lets it rejoin as an update.
    """
    opened = store.open_incidents(schedule.name, now, schedule.edition.quiet_days)
    again = {a.id for a in pending}
    history = []
    for o in opened:
        kept = tuple(a for a in o.articles if a.id not in again)
        if kept:
            history.append(Incident(id=o.id, title=o.title, articles=kept,
                                    first_seen=o.first_seen, updated=o.updated))
    return history, {o.id: o.delivered for o in opened}


def edition_cutoff(schedule: Schedule, now: datetime, day: date | None) -> datetime:
    """The latest publication time an edition takes in.

    Today's edition takes everything up to now. An edition for an earlier `--date`
    takes what was published by the end of that day in the schedule's zone; later
    articles wait for their own edition, so a past week can be replayed day by day.
    """
    if day is None:
        return now
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=schedule.tz)
    return min(now, end.astimezone(UTC))


def make_incidents(articles: Sequence[Article], schedule: Schedule, history: Sequence[Incident],
                   delivered: dict[str, tuple[str, ...]], now: datetime,
                   on_stage: Stage = _noop) -> tuple[list[Incident], list[str]]:
    """Group, summarize and rank; returns the chosen incidents and the ids left out."""
    from briefing.group import group
    from briefing.rank import rank
    from briefing.summarize import headline, summarize

    on_stage("group")
    incidents = group(articles, history=history, now=now)
    on_stage("summarize")
    ranked = rank(incidents, now)
    chosen = ranked[: schedule.edition.max_incidents]
    finished = []
    for incident in chosen:
        summary = summarize(incident, words=schedule.edition.summary_words,
                            algorithm=schedule.edition.summary_algorithm,
                            delivered=delivered.get(incident.id, ()))
        finished.append(replace(incident, title=headline(incident.articles) or incident.title,
                                summary=summary.sentences))
    left_out = [a.id for i in ranked[len(chosen):] for a in i.articles]
    return finished, left_out


def build(schedule: Schedule, workspace: Path, now: datetime, *, day: date | None = None,
          dry_run: bool = False, collect_first: bool = True, on_stage: Stage = _noop) -> BuildResult:
    """Build, archive and commit one edition of a schedule (or nothing, on a quiet day)."""
    from briefing import archive, render

    with schedule_lock(workspace, schedule.name):
        store = Store.open(workspace)
        try:
            collected = (collect(schedule, workspace, None if dry_run else store, now, on_stage)
                         if collect_first else CollectResult(schedule=schedule.name))
            if dry_run:
                pending = _pending_without_store(store, schedule.name, collected)
            else:
                pending = store.pending_articles(schedule.name)
            cutoff = edition_cutoff(schedule, now, day)
            pending = [a for a in pending if a.published is None or a.published < cutoff]
            health = collected.health or _stored_health(store, schedule.name)
            problems = collected.problems
            failed = collected.failed
            if not pending and schedule.edition.empty == "skip":
                return BuildResult(schedule=schedule.name, status="empty", failed_sources=failed,
                                   problems=problems, message="nothing new since the last edition; "
                                   "no edition published (empty = \"skip\")")
            history, delivered = _history(store, schedule, cutoff, pending)
            incidents, left_out = make_incidents(pending, schedule, history, delivered, cutoff,
                                                 on_stage)
            last = store.last_edition(schedule.name)
            edition = Edition(
                schedule=schedule.name, title=schedule.title,
                date=day or now.astimezone(schedule.tz).date(), timezone=schedule.timezone,
                window_start=last["window_end"] if last else None,  # type: ignore[arg-type]
                window_end=cutoff, incidents=tuple(incidents), sources=tuple(health),
                problems=tuple(problems))
            on_stage("render")
            env = render.make_environment(workspace)
            files = _render_files(edition, schedule, env)
            if dry_run:
                return BuildResult(schedule=schedule.name, status="dry-run", edition=edition,
                                   failed_sources=failed, problems=problems,
                                   message=_describe(edition, "would publish"))
            output = workspace / "output"
            archive.remove_uncommitted(output, schedule.name, store.committed_paths(schedule.name))
            on_stage("archive")
            folder = archive.write_edition(output, edition, files)
            edition = replace(edition, slug=folder.name)
            on_stage("commit")
            edition_id = store.commit_edition(edition, str(folder.relative_to(output)), now)
            store.consume_unused(schedule.name, left_out, edition_id)
            on_stage("index")
            archive.rebuild_indexes(output, schedule.name, env, title=schedule.title)
            return BuildResult(schedule=schedule.name, status="published", edition=edition,
                               path=folder, failed_sources=failed, problems=problems,
                               message=_describe(edition, "published"))
        finally:
            store.close()


def _render_files(edition: Edition, schedule: Schedule, env: object) -> dict[str, bytes]:
    from briefing import render

    html = render.render_html(edition, env, page_size=schedule.edition.page_size)  # type: ignore[arg-type]
    files = {"index.html": html.encode("utf-8")}
    if "json" in schedule.edition.formats:
        files["briefing.json"] = render.render_json(edition).encode("utf-8")
    if "pdf" in schedule.edition.formats:
        files["briefing.pdf"] = render.render_pdf(html, title=f"{edition.title} — {edition.date}")
    return files


def _stored_health(store: Store, schedule: str) -> list[SourceHealth]:
    return [SourceHealth(name=str(r["source"]), status=str(r["status"]),
                         message=str(r["last_error"] or "") if r["status"] != "ok" else "")
            for r in store.source_health(schedule)]


def _describe(edition: Edition, verb: str) -> str:
    sources = {a.source for i in edition.incidents for a in i.articles}
    return (f"{verb} {edition.schedule} {edition.date}: {len(edition.incidents)} incidents, "
            f"{edition.article_count} articles from {len(sources)} sources")


def require_sources(schedule: Schedule) -> None:
    """A schedule without sources can never publish; say so before doing any work."""
    if not schedule.sources:
        raise BriefingError(f"{schedule.path}: no [[sources]]",
                            hint="add a feed, page, folder or opml source")
