"""Articles, editions and incidents: the build's reads, and the commit that consumes.

The rule that keeps articles safe lives here: an article is consumed only by
`commit_edition`, in the same transaction that records the edition, and only after the
edition's files are in the archive. Until then every build sees it as pending again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Integer, case, insert, literal, or_, select, update

from briefing.models import Article, Edition, Incident
from briefing.store.core import StoreBase
from briefing.store.deliveries import queued_delivery
from briefing.store.schema import articles, deliveries, editions, incidents
from briefing.store.slots import mark_built


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """An incident of an earlier edition still open to new articles, with its articles."""

    id: str
    title: str
    first_seen: datetime
    updated: datetime
    articles: tuple[Article, ...]
    delivered: tuple[str, ...]



class ArticlesMixin(StoreBase):
    """What a build reads (pending articles, open incidents, editions) and commits."""

    def pending_articles(self, schedule: str) -> list[Article]:
        """Articles not yet in a committed edition, or changed since the one that had them."""
        query = select(articles).where(
            articles.c.schedule == schedule,
            or_(articles.c.consumed_fingerprint.is_(None),
                articles.c.consumed_fingerprint != articles.c.fingerprint),
        ).order_by(articles.c.published, articles.c.id)
        with self.engine.connect() as conn:
            return [_row_article(r) for r in conn.execute(query)]

    def consumed_fingerprints(self, schedule: str, ids: Sequence[str]) -> dict[str, str | None]:
        """What each known article looked like when last published (for dry runs)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(articles.c.id, articles.c.consumed_fingerprint).where(
                articles.c.schedule == schedule, articles.c.id.in_(list(ids))))
            return {r.id: r.consumed_fingerprint for r in rows}

    # -- incidents ---------------------------------------------------------------
    def open_incidents(self, schedule: str, now: datetime, quiet_days: int, *,
                       published_by: datetime | None = None) -> list[OpenIncident]:
        """Incidents updated within the quiet period, with the articles they already hold.

        With `published_by` (a replayed day's cut-off), only the articles of editions
        whose cut-off is not after it: a day replayed after a later day was built must
        not carry, in an incident it continues, the articles of that later edition.
        """
        since = now - timedelta(days=quiet_days)
        with self.engine.connect() as conn:
            rows = conn.execute(select(incidents).where(
                incidents.c.schedule == schedule, incidents.c.updated >= since)).all()
            result = []
            for row in rows:
                query = select(articles).where(
                    articles.c.schedule == schedule, articles.c.incident_id == row.id,
                    articles.c.consumed_fingerprint.is_not(None))
                if published_by is not None:
                    query = query.join(editions, editions.c.id == articles.c.consumed_edition).where(
                        editions.c.window_end <= published_by)
                arts = conn.execute(query).all()
                result.append(OpenIncident(
                    id=row.id, title=row.title, first_seen=row.first_seen, updated=row.updated,
                    articles=tuple(_row_article(a) for a in arts),
                    delivered=tuple(json.loads(row.delivered or "[]"))))
            return result

    # -- editions ----------------------------------------------------------------
    def edition_before(self, schedule: str, cutoff: datetime) -> dict[str, object] | None:
        """The edition whose cut-off (window end) is the latest one before `cutoff`.

        Why not the last one created: days replayed out of order (`--date 2026-11-22`
        after `--date 2026-11-23`) took the later day's cut-off as their window's start,
        and their coverage ran backwards. An edition with the same cut-off (a second
        edition of a replayed day) is not before it: both cover that day.
        """
        return self._first(select(editions).where(
            editions.c.schedule == schedule, editions.c.window_end < cutoff,
        ).order_by(editions.c.window_end.desc(), editions.c.id.desc()))

    def edition_covering(self, schedule: str, slot: datetime, day: date,
                         now: datetime) -> dict[str, object] | None:
        """An edition that already stands for the edition slot `slot` of local date `day`.

        An edition of the slot's day or a later one whose coverage window reaches the
        slot: the edition of a slot the schedule's times no longer have (00:30 moved to
        23:30 the evening before), or a `--date` build of the slot's own day made after it
        passed. Why not any edition created since the slot passed: a replay of an earlier
        day made then (`--date <yesterday>`) is that day's edition, its window ending at
        that day's end, and it held back the slot's edition for good. A window ending after
        `now` was made while the clock ran ahead (set to 2030, then put right): no count.
        """
        return self._first(select(editions).where(
            editions.c.schedule == schedule, editions.c.date >= day.isoformat(),
            editions.c.window_end >= slot, editions.c.window_end <= now,
        ).order_by(editions.c.id.desc()))

    def published_after(self, schedule: str, cutoff: datetime) -> set[str]:
        """Ids of the articles that editions with a cut-off after `cutoff` published last.

        A replayed day leaves them out even when they were edited since: their news
        was already carried by a later edition, and the edit belongs in the next one.
        """
        query = select(articles.c.id).join(editions, editions.c.id == articles.c.consumed_edition).where(
            articles.c.schedule == schedule, editions.c.window_end > cutoff)
        with self.engine.connect() as conn:
            return {r.id for r in conn.execute(query)}

    def list_editions(self, schedule: str, limit: int = 10) -> list[dict[str, object]]:
        return self._rows(select(editions).where(editions.c.schedule == schedule)
                         .order_by(editions.c.id.desc()).limit(limit))

    def committed_paths(self, schedule: str) -> set[str]:
        """Edition folders (relative to output/) that a committed edition owns."""
        with self.engine.connect() as conn:
            return {r.path for r in conn.execute(
                select(editions.c.path).where(editions.c.schedule == schedule))}

    def edition_on(self, schedule: str, day: date | None) -> dict[str, object] | None:
        """The newest committed edition of a schedule on a date (any date when None)."""
        query = select(editions).where(editions.c.schedule == schedule)
        if day is not None:
            query = query.where(editions.c.date == day.isoformat())
        return self._first(query.order_by(editions.c.id.desc()))

    def commit_edition(self, edition: Edition, path: str, now: datetime,
                       mail_to: Sequence[str] = (), left_out: Sequence[str] = (),
                       slot: tuple[datetime, str] | None = None) -> int:
        """Record a published edition and consume its articles, in one transaction.

        `mail_to` queues the edition's deliveries in the same transaction, so a crash
        right after publishing cannot leave an edition that nobody will mail. `left_out`
        (articles over `max_incidents`) are consumed in it too: in a transaction of their
        own, a crash between the two made them the next build's edition instead. `slot`
        (the slot time and its claimer) is marked built in it as well (`mark_built`).
        """
        with self.transaction() as conn:
            result = conn.execute(insert(editions).values(
                schedule=edition.schedule, date=edition.date.isoformat(), slug=edition.slug,
                window_start=edition.window_start, window_end=edition.window_end, created=now,
                incidents=len(edition.incidents), articles=edition.article_count, path=path,
            ))
            edition_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            row = {"schedule": edition.schedule, "id": edition_id, "path": path,
                   "date": edition.date.isoformat()}
            for recipient in dict.fromkeys(mail_to):
                conn.execute(insert(deliveries).values(**queued_delivery(row, recipient, now)))
            for incident in edition.incidents:
                self._record_incident(conn, edition.schedule, incident, now)
                for art in incident.articles:
                    for art_id in (art.id, *art.duplicates):
                        conn.execute(update(articles).where(
                            articles.c.schedule == edition.schedule, articles.c.id == art_id,
                        ).values(consumed_fingerprint=articles.c.fingerprint,
                                 consumed_edition=_first_edition(edition_id), incident_id=incident.id))
            self._consume(conn, edition.schedule, left_out, edition_id)
            if slot is not None:
                mark_built(conn, edition.schedule, *slot, path, now)
            return edition_id

    def consume_unused(self, schedule: str, ids: Sequence[str], edition_id: int | None) -> None:
        """Mark articles seen but left out (over max_incidents) so they do not pile up forever."""
        if not ids:
            return
        with self.transaction() as conn:
            self._consume(conn, schedule, ids, edition_id)

    @staticmethod
    def _consume(conn: Connection, schedule: str, ids: Sequence[str], edition_id: int | None) -> None:
        for start in range(0, len(ids), 500):  # SQL parameter limits
            conn.execute(update(articles).where(
                articles.c.schedule == schedule, articles.c.id.in_(list(ids[start:start + 500])),
            ).values(consumed_fingerprint=articles.c.fingerprint,
                     consumed_edition=_first_edition(edition_id)))

    @staticmethod
    def _record_incident(conn: Connection, schedule: str, incident: Incident, now: datetime) -> None:
        shown = [s.text for s in incident.summary]
        row = conn.execute(select(incidents).where(
            incidents.c.schedule == schedule, incidents.c.id == incident.id)).first()
        if row is None:
            conn.execute(insert(incidents).values(
                schedule=schedule, id=incident.id, title=incident.title,
                first_seen=incident.first_seen or now, updated=now, editions=1,
                delivered=json.dumps(shown)))
        else:
            delivered = json.loads(row.delivered or "[]")
            delivered.extend(s for s in shown if s not in delivered)
            conn.execute(update(incidents).where(
                incidents.c.schedule == schedule, incidents.c.id == incident.id,
            ).values(title=incident.title, updated=now, editions=row.editions + 1,
                     delivered=json.dumps(delivered[-400:])))


def _first_edition(edition_id: int | None) -> ColumnElement[Any]:
    """`consumed_edition` stays the edition that first published this version of an article.

    An updated incident carries its earlier articles again; recording the later edition
    on them made an article look published later than it was, and a day replayed out
    of order then could not tell its own news from a later day's (`published_after`).
    """
    return case((articles.c.consumed_fingerprint == articles.c.fingerprint, articles.c.consumed_edition),
                else_=literal(edition_id, Integer))


def _article_values(art: Article, now: datetime) -> dict[str, object]:
    return {
        "id": art.id, "source": art.source, "url": art.url, "title": art.title, "text": art.text,
        "published": art.published, "collected": art.collected or now, "language": art.language,
        "author": art.author, "fingerprint": art.fingerprint,
    }


def _row_article(row: object) -> Article:
    r = row._mapping  # type: ignore[attr-defined]
    return Article(id=r["id"], url=r["url"], source=r["source"], title=r["title"], text=r["text"],
                   published=r["published"], collected=r["collected"], language=r["language"],
                   fingerprint=r["fingerprint"], author=r["author"])

