"""The one place that knows the order of the stages.

build = select new articles -> dedupe -> group (linked to earlier incidents) ->
summarize -> rank -> render -> archive -> commit. The data-safety rule is kept by the
order of the last three steps: the edition's files are written to the archive
(atomically) before the state store consumes its articles in one transaction, so a
crash anywhere before the commit loses nothing and the next build publishes the same
articles again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal

from briefing.claims import SlotClaim
from briefing.config import Schedule, parse_duration
from briefing.errors import BriefingError
from briefing.locks import file_lock, lock_path
from briefing.models import Article, Edition, Incident, Problem, SourceHealth
from briefing.sources import Collected, collect_all
from briefing.store import Store

log = logging.getLogger(__name__)

Stage = Callable[[str], None]
Status = Literal["published", "empty", "dry-run", "skipped"]


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
        """Sources that could not be read; a silent source (no news lately) is not a failure."""
        return [c.source.name for c in self.sources if c.status not in ("ok", "silent")]


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
    deliveries: list[Any] = field(default_factory=list)  # briefing.ledger.Outcome, one per recipient


def _noop(_stage: str) -> None:
    """Default stage callback: nothing to report to."""


def schedule_lock(workspace: Path, schedule: str) -> AbstractContextManager[bool]:
    """One build or collection of a schedule at a time (cron, daemon and hand runs share it).

    It waits: a build started by hand while the daemon builds runs after it, not instead.
    """
    return file_lock(lock_path(workspace, f"schedules/{schedule}"))


def collect(schedule: Schedule, workspace: Path, store: Store | None, now: datetime,
            on_stage: Stage = _noop) -> CollectResult:
    """Collect every source of a schedule; with a store, save new and changed articles.

    Without a store (a dry run) nothing is written anywhere. All sources are collected
    at once (`collect_all`); the articles, each web source's fetch state (ETag, next
    allowed poll, backoff, items seen) and health are saved in one transaction
    (`Store.save_collection`), so a crash loses them together. A source skipped for
    politeness or backoff leaves its health as it was. A source that polls fine but has given no new article
    for `silent_after` (default 7 days) is reported as silent.
    """
    result = CollectResult(schedule=schedule.name)
    on_stage("collect")
    states = store.fetch_states(schedule.name) if store is not None else {}
    result.sources.extend(collect_all(schedule.source_list(), workspace, now, states))
    if store is not None:
        result.new, result.updated = store.save_collection(schedule.name, result.sources, now)
        _mark_silent(store, schedule.name, result.sources, now)
    return result


def _mark_silent(store: Store, schedule: str, sources: list[Collected], now: datetime) -> None:
    """Flag sources with no new article for `silent_after`, in this collection's health."""

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


@dataclass(frozen=True, slots=True)
class History:
    """What earlier editions left open: incidents, what they already said, edited articles."""

    incidents: tuple[Incident, ...] = ()
    delivered: dict[str, tuple[str, ...]] = field(default_factory=dict)
    edited: dict[str, Incident] = field(default_factory=dict)  # article id -> its earlier incident


def _history(store: Store, schedule: Schedule, now: datetime, pending: Sequence[Article], *,
             replay: bool = False) -> History:
    """Open incidents of earlier editions, without the pending articles.

    An edited article is pending again while its old version still sits in its
    incident: it is left out of the history (so it is not there twice) and
    remembered in `edited`, so that it goes back to its incident as an update.
    A replayed day (`replay`, `now` its cut-off) sees only what editions up to its
    cut-off published: an incident it continues must not show a later day's articles.
    """
    opened = store.open_incidents(schedule.name, now, schedule.edition.quiet_days,
                                  published_by=now if replay else None)
    again = {a.id for a in pending}
    incidents, edited = [], {}
    for o in opened:
        kept = tuple(a for a in o.articles if a.id not in again)
        record = Incident(id=o.id, title=o.title, articles=kept, first_seen=o.first_seen,
                          updated=o.updated)
        edited.update({a.id: record for a in o.articles if a.id in again})
        if kept:
            incidents.append(record)
    return History(tuple(incidents), {o.id: o.delivered for o in opened}, edited)


def _rejoin_edited(incidents: list[Incident], edited: dict[str, Incident]) -> list[Incident]:
    """A new incident made of edited articles is their earlier incident, updated.

    Grouping cannot see this when every article of the earlier incident was edited
    (nothing of it is left in the history), so the article's own record decides.
    """
    taken = {i.id for i in incidents if i.status == "updated"}
    result = []
    for incident in incidents:
        earlier = next((edited[a.id] for a in incident.articles if a.id in edited), None)
        if incident.status == "new" and earlier is not None and earlier.id not in taken:
            taken.add(earlier.id)
            incident = replace(incident, id=earlier.id, status="updated",
                               first_seen=earlier.first_seen,
                               new_article_ids=tuple(a.id for a in incident.articles))
        result.append(incident)
    return result


def edition_cutoff(schedule: Schedule, now: datetime, day: date | None) -> datetime:
    """The latest publication time an edition takes in.

    Today's edition takes everything pending, even an article dated later today (a
    clock or zone mistake at the source must not hold news back). An edition for an
    earlier `--date` takes what was published by the end of that day in the schedule's
    zone; later articles wait for their own edition, so a past week can be replayed
    day by day.
    """
    if day is None:
        return now
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=schedule.tz)
    return min(now, end.astimezone(UTC))


def replay_articles(pending: Sequence[Article], cutoff: datetime, published_later: set[str]) -> list[Article]:
    """What the edition of a past day (`--date`) takes from the pending articles.

    Those published before its cut-off; an undated one counts from when it was
    collected (an article collected today is not news of last week). Left out: articles
    a later edition published already (edited since or not), so that days replayed in
    any order never publish an article twice, nor one before the day it came out.
    """
    def when(article: Article) -> datetime | None:
        return article.published or article.collected

    return [a for a in pending if a.id not in published_later and ((w := when(a)) is None or w < cutoff)]


def make_incidents(articles: Sequence[Article], schedule: Schedule, history: History, now: datetime,
                   on_stage: Stage = _noop) -> tuple[list[Incident], list[str]]:
    """Group, summarize and rank; returns the chosen incidents and the ids left out."""
    from briefing.group import group
    from briefing.rank import rank
    from briefing.summarize import headline, summarize

    on_stage("group")
    incidents = _rejoin_edited(group(articles, history=history.incidents, now=now), history.edited)
    on_stage("summarize")
    ranked = rank(incidents, now)
    chosen = ranked[: schedule.edition.max_incidents]
    finished = []
    for incident in chosen:
        summary = summarize(incident, words=schedule.edition.summary_words,
                            algorithm=schedule.edition.summary_algorithm,
                            delivered=history.delivered.get(incident.id, ()))
        finished.append(replace(incident, title=headline(incident.articles) or incident.title,
                                summary=summary.sentences))
    left_out = [a.id for i in ranked[len(chosen):] for a in i.articles]
    return finished, left_out


def build(schedule: Schedule, workspace: Path, now: datetime, *, day: date | None = None,
          dry_run: bool = False, collect_first: bool = True, on_stage: Stage = _noop,
          slot: datetime | None = None, claimed_by: str = "", email: bool | None = None) -> BuildResult:
    """Build, archive and commit one edition of a schedule (or nothing, on a quiet day).

    `slot` is the edition time (UTC) the daemon builds; a plain build stands for the
    latest slot itself. Either way the slot is claimed first (see `SlotClaim`), so the
    daemon, cron and hand builds never publish the same edition twice.
    """
    from briefing import archive, render

    claim = SlotClaim.prepare(schedule, workspace, now, slot=slot, day=day, dry_run=dry_run, by=claimed_by)
    with schedule_lock(workspace, schedule.name), Store.open(workspace) as store:
        try:
            stop = claim.acquire(store, now)
            if stop is not None:  # built by a build that may have died before its index
                repaired: list[Problem] = []
                _repair_indexes(schedule, workspace, store, repaired)
                return BuildResult(schedule=schedule.name, status="skipped", message=stop, problems=repaired)
            collected = (collect(schedule, workspace, None if dry_run else store, now, on_stage)
                         if collect_first else CollectResult(schedule=schedule.name))
            if dry_run:
                pending = _pending_without_store(store, schedule.name, collected)
            else:
                pending = store.pending_articles(schedule.name)
            cutoff = edition_cutoff(schedule, now, day)
            if day is not None:
                pending = replay_articles(pending, cutoff, store.published_after(schedule.name, cutoff))
            health = collected.health or _stored_health(store, schedule.name)
            problems = collected.problems
            failed = collected.failed
            if not pending and schedule.edition.empty == "skip":
                if not dry_run:
                    _repair_indexes(schedule, workspace, store, problems)
                return claim.finish(store, now, BuildResult(
                    schedule=schedule.name, status="empty", failed_sources=failed, problems=problems,
                    message="nothing new since the last edition; no edition published (empty = \"skip\")"))
            history = _history(store, schedule, cutoff, pending, replay=day is not None)
            incidents, left_out = make_incidents(pending, schedule, history, cutoff,
                                                 on_stage)
            previous = store.edition_before(schedule.name, cutoff)
            # A slot caught up after midnight is still the edition of its own day.
            edition = Edition(
                schedule=schedule.name, title=schedule.title,
                date=day or (slot or now).astimezone(schedule.tz).date(), timezone=schedule.timezone,
                window_start=previous["window_end"] if previous else None,  # type: ignore[arg-type]
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
            edition_id = claim.commit(store, edition, str(folder.relative_to(output)), now,
                                      mail_to=_recipients(schedule, email), left_out=left_out)
            on_stage("index")
            try:
                _expire(schedule, output, store, now)
                archive.rebuild_indexes(output, schedule.name, env, title=schedule.title)
            except OSError as exc:  # committed: published, and the next build rebuilds them
                problems.append(_index_problem(exc))
            result = claim.finish(store, now, BuildResult(
                schedule=schedule.name, status="published", edition=edition, path=folder,
                failed_sources=failed, problems=problems, message=_describe(edition, "published")))
            result.deliveries = _mail(schedule, workspace, store, edition_id, edition, now, email, problems)
            return result
        except BaseException as exc:
            claim.fail(store, now, exc)
            raise


def _mail(schedule: Schedule, workspace: Path, store: Store, edition_id: int, edition: Edition,
          now: datetime, email: bool | None, problems: list[Problem]) -> list[Any]:
    """Queue and send the new edition's mail (when email is on: `email`, else the schedule's).

    The edition is published whatever happens here: failures stay queued or failed in
    the delivery ledger for `briefing send` and the daemon's `retry_pending`, and are
    reported as problems of the build.
    """
    if not _recipients(schedule, email):
        return []
    from briefing import ledger

    try:
        outcomes = ledger.deliver_edition(schedule, workspace, store, edition_id, now, edition=edition)
    except Exception as exc:  # noqa: BLE001 - mail must never unpublish an edition
        log.warning("mail for %s not sent: %s", schedule.name, exc)
        problems.append(Problem(stage="mail", source="", message=getattr(exc, "message", str(exc))))
        return []
    problems.extend(Problem(stage="mail", source=o.recipient, message=o.detail)
                    for o in outcomes if o.status == "failed")
    return outcomes


def _repair_indexes(schedule: Schedule, workspace: Path, store: Store, problems: list[Problem]) -> None:
    """On a build with nothing to publish: finish what a crashed build left of the archive.

    A build killed, or out of disk space, after its commit and before its index rebuild
    leaves an edition that is published (its articles consumed, its mail queued) but not
    listed in the index, the feed or the incident pages; and one killed before its commit
    leaves a folder that must not be listed. Only a build that publishes did these two
    jobs, so with nothing new they stayed undone until the next news. Both are cheap
    checks when nothing is wrong.
    """
    from briefing import archive, render

    output = workspace / "output"
    try:
        archive.remove_uncommitted(output, schedule.name, store.committed_paths(schedule.name))
        if not archive.indexes_current(output, schedule.name):
            archive.rebuild_indexes(output, schedule.name, render.make_environment(workspace),
                                    title=schedule.title)
    except OSError as exc:
        problems.append(_index_problem(exc))


def _index_problem(exc: OSError) -> Problem:
    """The archive's index could not be rebuilt after a commit (full disk, say).

    Why a problem and not a failed build: the edition is committed, so the build did
    publish (a failure would tell cron "nothing published", mark the slot failed for a
    retry and skip the mail); the next build sees the stale index and rebuilds it.
    """
    log.warning("archive index not rebuilt: %s", exc)
    return Problem(stage="index", source="",
                   message=f"the archive index was not rebuilt ({exc}); the next build rebuilds it")


def _recipients(schedule: Schedule, email: bool | None) -> tuple[str, ...]:
    """Who the new edition is mailed to: nobody when email is off for this build."""
    config = schedule.email
    on = config is not None and (email if email is not None else config.enabled)
    return config.to if config is not None and on else ()


def _render_files(edition: Edition, schedule: Schedule, env: object) -> dict[str, bytes]:
    from briefing import render

    # The archived page sits in output/<schedule>/YYYY/MM/DD/, three folders below the
    # archive index; the PDF reuses it (print CSS hides the archive links).
    html = render.render_html(edition, env, page_size=schedule.edition.page_size,  # type: ignore[arg-type]
                              archive_root="../../../")
    files = {"index.html": html.encode("utf-8")}
    if "json" in schedule.edition.formats:
        files["briefing.json"] = render.render_json(edition).encode("utf-8")
    if "pdf" in schedule.edition.formats:
        files["briefing.pdf"] = render.render_pdf(
            html, title=f"{edition.title} — {edition.date}",
            created=edition.window_end, pdf_variant=schedule.edition.pdf_variant)
    return files


def _expire(schedule: Schedule, output: Path, store: Store, now: datetime) -> None:
    """Retention (`keep_days`): delete old editions, never one whose email is pending.

    Runs after the commit, so the new edition and its queued mail are already on record,
    and before the index rebuild, so the indexes never list a deleted edition.
    """
    from briefing import archive

    keep = schedule.edition.keep_days
    if keep is None:
        return
    pending = {str(r["edition_path"]) for r in
               store.deliveries(schedule.name, statuses=("queued", "failed"))}
    archive.remove_expired(output, schedule.name, today=now.astimezone(schedule.tz).date(),
                           keep_days=keep, pending=pending)


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
