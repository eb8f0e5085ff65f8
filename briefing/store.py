"""The state store: articles, their consumption, editions, incidents and source health.

SQLite under output/.state/ by default, through SQLAlchemy Core so a PostgreSQL URL
(`BRIEFING_STATE_URL`) works as well. The rule that keeps articles safe lives here:
an article is consumed only by `commit_edition`, in the same transaction that
records the edition, and only after the edition's files are in the archive. Until
then every build sees it as pending again.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    and_,
    create_engine,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from briefing.models import Article, Edition, SourceHealth

if TYPE_CHECKING:
    from briefing.sources import Collected
    from briefing.sources.polling import FetchState

log = logging.getLogger(__name__)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and gives them back aware (SQLite forgets the zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the state store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


metadata = MetaData()

articles = Table(
    "articles", metadata,
    Column("schedule", String(200), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("source", String(500), nullable=False),
    Column("url", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("published", UTCDateTime),
    Column("collected", UTCDateTime, nullable=False),
    Column("language", String(20), nullable=False, default="en"),
    Column("author", Text, nullable=False, default=""),
    Column("fingerprint", String(64), nullable=False),
    Column("consumed_fingerprint", String(64)),
    Column("consumed_edition", Integer),
    Column("incident_id", String(64)),
)

editions = Table(
    "editions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("schedule", String(200), nullable=False, index=True),
    Column("date", String(10), nullable=False),
    Column("slug", String(40), nullable=False),
    Column("window_start", UTCDateTime),
    Column("window_end", UTCDateTime, nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Column("incidents", Integer, nullable=False),
    Column("articles", Integer, nullable=False),
    Column("path", Text, nullable=False),
)

incidents = Table(
    "incidents", metadata,
    Column("schedule", String(200), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("title", Text, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
    Column("editions", Integer, nullable=False, default=1),
    Column("delivered", Text, nullable=False, default="[]"),  # summary sentences already shown
)

source_health = Table(
    "source_health", metadata,
    Column("schedule", String(200), primary_key=True),
    Column("source", String(500), primary_key=True),
    Column("last_success", UTCDateTime),
    Column("last_error", Text),
    Column("last_error_at", UTCDateTime),
    Column("failures", Integer, nullable=False, default=0),
    Column("status", String(20), nullable=False, default="ok"),
    Column("last_article", UTCDateTime),
    Column("score", Float, nullable=False, default=0.0),
)


# The email ledger (briefing/ledger.py): one row per (edition, recipient, seq). seq 0 is the
# regular delivery, so the unique key is what makes "never sent twice" hold even when two
# processes queue at once; a deliberate `briefing send --force` adds seq 1, 2, ... (forced).
deliveries = Table(
    "deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("schedule", String(200), nullable=False, index=True),
    Column("edition_id", Integer, nullable=False),
    Column("edition_path", Text, nullable=False),
    Column("edition_date", String(10), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("seq", Integer, nullable=False, default=0),
    Column("forced", Boolean, nullable=False, default=False),
    Column("status", String(10), nullable=False, default="queued"),  # queued | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("message_id", String(300)),
    Column("next_attempt", UTCDateTime),  # None on a failed row: no automatic retry
    Column("queued", UTCDateTime, nullable=False),
    Column("last_attempt", UTCDateTime),
    Column("sent", UTCDateTime),
    UniqueConstraint("edition_id", "recipient", "seq", name="uq_delivery"),
)

# Edition slots (briefing/scheduler.py): one row per (schedule, slot time in UTC), written
# before a slot is built, so the daemon, cron and hand builds never make the same edition twice.
SLOT_DONE = ("built", "skipped")
slots = Table(
    "slots", metadata,
    Column("schedule", String(200), primary_key=True),
    Column("slot", UTCDateTime, primary_key=True),
    Column("state", String(10), nullable=False),  # claimed | built | failed | skipped
    Column("claimed_by", String(200), nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("attempts", Integer, nullable=False, default=1),
    Column("edition_path", Text),
    Column("note", Text, nullable=False, default=""),
)

# The daemon's heartbeat (briefing/daemon.py), read by `briefing status`.
heartbeats = Table(
    "heartbeats", metadata,
    Column("name", String(50), primary_key=True),
    Column("pid", Integer, nullable=False),
    Column("host", String(200), nullable=False),
    Column("started", UTCDateTime, nullable=False),
    Column("beat", UTCDateTime, nullable=False),
    Column("state", String(10), nullable=False),  # running | stopped
    Column("info", Text, nullable=False, default="{}"),  # JSON: the jobs' next run times
)

fetch_state = Table(  # per web source: what the next poll must remember (see sources/polling.py)
    "fetch_state", metadata,
    Column("schedule", String(200), primary_key=True),
    Column("source", String(500), primary_key=True),
    Column("location", Text, nullable=False),  # the address in the schedule
    Column("url", Text, nullable=False),  # the address polled now (after 301/308)
    Column("etag", Text),
    Column("last_modified", Text),
    Column("next_poll", UTCDateTime),  # max-age, ttl, Retry-After or backoff
    Column("wait_reason", String(100), nullable=False, default=""),
    Column("failures", Integer, nullable=False, default=0),
    Column("gone", Integer, nullable=False, default=0),
    Column("first_poll", UTCDateTime),  # set once the backfill poll is done
    Column("body_hash", String(64), nullable=False, default=""),
    Column("feed_url", Text, nullable=False, default=""),  # a page source's discovered feed
    Column("seen", Text, nullable=False, default="{}"),  # item key -> item hash
    Column("created", UTCDateTime),
)


def state_url(workspace: Path) -> str:
    """`BRIEFING_STATE_URL` if set, else SQLite at output/.state/state.db."""
    url = os.environ.get("BRIEFING_STATE_URL")
    if url:
        return url
    folder = workspace / "output" / ".state"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'state.db'}"


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """An incident of an earlier edition still open to new articles, with its articles."""

    id: str
    title: str
    first_seen: datetime
    updated: datetime
    articles: tuple[Article, ...]
    delivered: tuple[str, ...]


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _create_tables(engine: Engine) -> None:
    """Create missing tables; tolerate another process creating them at the same moment.

    `create_all` checks, then creates: two processes opening a brand-new database can
    both see a table missing. The loser's CREATE fails with "already exists", and a
    second pass (which now sees the tables) is all it needs.
    """
    from sqlalchemy.exc import OperationalError, ProgrammingError

    for attempt in range(5):
        try:
            metadata.create_all(engine)
            return
        except (OperationalError, ProgrammingError) as exc:
            if "already exists" not in str(exc) or attempt == 4:
                raise


class Store:
    """All reads and writes of the state; one instance per workspace."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url, future=True)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        _create_tables(self.engine)

    @classmethod
    def open(cls, workspace: Path) -> Store:
        return cls(state_url(workspace))

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # -- articles ---------------------------------------------------------------
    def save_articles(self, schedule: str, items: Iterable[Article], now: datetime) -> tuple[int, int]:
        """Insert new articles and update changed ones; returns (new, updated).

        An unchanged article (same id and fingerprint) is left alone, so collecting
        twice costs nothing and publishes nothing twice.
        """
        new = changed = 0
        with self.transaction() as conn:
            for art in items:
                row = conn.execute(
                    select(articles.c.fingerprint).where(
                        articles.c.schedule == schedule, articles.c.id == art.id)
                ).first()
                values = _article_values(art, now)
                if row is None:
                    conn.execute(insert(articles).values(schedule=schedule, **values))
                    new += 1
                elif row.fingerprint != art.fingerprint:
                    conn.execute(update(articles).where(
                        articles.c.schedule == schedule, articles.c.id == art.id).values(**values))
                    changed += 1
        return new, changed

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
    def open_incidents(self, schedule: str, now: datetime, quiet_days: int) -> list[OpenIncident]:
        """Incidents updated within the quiet period, with the articles they already hold."""
        since = now - timedelta(days=quiet_days)
        with self.engine.connect() as conn:
            rows = conn.execute(select(incidents).where(
                incidents.c.schedule == schedule, incidents.c.updated >= since)).all()
            result = []
            for row in rows:
                arts = conn.execute(select(articles).where(
                    articles.c.schedule == schedule, articles.c.incident_id == row.id,
                    articles.c.consumed_fingerprint.is_not(None))).all()
                result.append(OpenIncident(
                    id=row.id, title=row.title, first_seen=row.first_seen, updated=row.updated,
                    articles=tuple(_row_article(a) for a in arts),
                    delivered=tuple(json.loads(row.delivered or "[]"))))
            return result

    # -- editions ----------------------------------------------------------------
    def last_edition(self, schedule: str) -> dict[str, object] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(editions).where(editions.c.schedule == schedule)
                               .order_by(editions.c.id.desc()).limit(1)).first()
            return dict(row._mapping) if row else None

    def list_editions(self, schedule: str, limit: int = 10) -> list[dict[str, object]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(editions).where(editions.c.schedule == schedule)
                                .order_by(editions.c.id.desc()).limit(limit))
            return [dict(r._mapping) for r in rows]

    def committed_paths(self, schedule: str) -> set[str]:
        """Edition folders (relative to output/) that a committed edition owns."""
        with self.engine.connect() as conn:
            return {r.path for r in conn.execute(
                select(editions.c.path).where(editions.c.schedule == schedule))}

    def commit_edition(self, edition: Edition, path: str, now: datetime,
                       mail_to: Sequence[str] = ()) -> int:
        """Record a published edition and consume its articles, in one transaction.

        `mail_to` queues the edition's deliveries in the same transaction, so a crash
        right after publishing cannot leave an edition that nobody will mail.
        """
        with self.transaction() as conn:
            result = conn.execute(insert(editions).values(
                schedule=edition.schedule, date=edition.date.isoformat(), slug=edition.slug,
                window_start=edition.window_start, window_end=edition.window_end, created=now,
                incidents=len(edition.incidents), articles=edition.article_count, path=path,
            ))
            edition_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            for recipient in dict.fromkeys(mail_to):
                conn.execute(insert(deliveries).values(
                    schedule=edition.schedule, edition_id=edition_id, edition_path=path,
                    edition_date=edition.date.isoformat(), recipient=recipient, seq=0, forced=False,
                    status="queued", attempts=0, queued=now, next_attempt=now))
            for incident in edition.incidents:
                self._record_incident(conn, edition.schedule, incident, now)
                for art in incident.articles:
                    for art_id in (art.id, *art.duplicates):
                        conn.execute(update(articles).where(
                            articles.c.schedule == edition.schedule, articles.c.id == art_id,
                        ).values(consumed_fingerprint=articles.c.fingerprint,
                                 consumed_edition=edition_id, incident_id=incident.id))
            return edition_id

    def consume_unused(self, schedule: str, ids: Sequence[str], edition_id: int | None) -> None:
        """Mark articles seen but left out (over max_incidents) so they do not pile up forever."""
        if not ids:
            return
        with self.transaction() as conn:
            conn.execute(update(articles).where(
                articles.c.schedule == schedule, articles.c.id.in_(list(ids)),
            ).values(consumed_fingerprint=articles.c.fingerprint, consumed_edition=edition_id))

    @staticmethod
    def _record_incident(conn: Connection, schedule: str, incident: object, now: datetime) -> None:
        from briefing.models import Incident

        assert isinstance(incident, Incident)
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

    # -- source health -------------------------------------------------------------
    def record_source(self, schedule: str, health: SourceHealth, now: datetime) -> None:
        """Update one source's health after a collection attempt."""
        with self.transaction() as conn:
            row = conn.execute(select(source_health).where(
                source_health.c.schedule == schedule, source_health.c.source == health.name)).first()
            _write_health(conn, schedule, health, now, row)

    def source_health(self, schedule: str) -> list[dict[str, object]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(source_health).where(source_health.c.schedule == schedule)
                                .order_by(source_health.c.source))
            return [dict(r._mapping) for r in rows]

    # -- fetch state (web sources) ------------------------------------------------------
    def fetch_states(self, schedule: str) -> dict[str, FetchState]:
        """Every web source's fetch state of a schedule, by source name."""
        from briefing.sources.polling import FetchState

        with self.engine.connect() as conn:
            rows = conn.execute(select(fetch_state).where(fetch_state.c.schedule == schedule)).all()
        return {r.source: FetchState(
            source=r.source, location=r.location, url=r.url, etag=r.etag, last_modified=r.last_modified,
            next_poll=r.next_poll, wait_reason=r.wait_reason, failures=r.failures, gone=bool(r.gone),
            first_poll=r.first_poll, body_hash=r.body_hash, feed_url=r.feed_url,
            seen=json.loads(r.seen or "{}")) for r in rows}

    def save_fetch_state(self, schedule: str, state: FetchState, now: datetime) -> None:
        """Insert or replace one source's fetch state."""
        with self.transaction() as conn:
            _write_fetch_state(conn, schedule, state, now)

    def save_collection(self, schedule: str, results: Sequence[Collected], now: datetime) -> tuple[int, int]:
        """A whole collection (articles, fetch states, health) in one transaction; (new, updated).

        Why one: with hundreds of sources, a transaction per source (each a synced commit)
        and a lookup per article cost more than the collection itself. Saving states with
        their articles also means a crash loses both together: the next collection
        fetches those sources again rather than skipping articles it never stored.
        """
        items = {a.id: a for r in results for a in r.articles}
        with self.transaction() as conn:
            known = _fingerprints(conn, schedule, list(items))
            fresh = [{"schedule": schedule, **_article_values(a, now)} for i, a in items.items()
                     if i not in known]
            if fresh:
                conn.execute(insert(articles), fresh)
            changed = [a for i, a in items.items() if i in known and known[i] != a.fingerprint]
            for art in changed:
                conn.execute(update(articles).where(
                    articles.c.schedule == schedule, articles.c.id == art.id,
                ).values(**_article_values(art, now)))
            rows = {r.source: r for r in conn.execute(
                select(source_health).where(source_health.c.schedule == schedule))}
            for result in results:
                if result.state is not None:
                    _write_fetch_state(conn, schedule, result.state, now)
                if result.polled:
                    _write_health(conn, schedule, result.health, now, rows.get(result.source.name))
        return len(fresh), len(changed)

    def source_report(self, schedule: str, now: datetime) -> list[dict[str, object]]:
        """Source health plus what `status` shows: articles in 7 days, silent since, next poll."""
        report = []
        states = self.fetch_states(schedule)
        with self.engine.connect() as conn:
            created = dict(conn.execute(select(fetch_state.c.source, fetch_state.c.created).where(
                fetch_state.c.schedule == schedule)).all())
        recent = self.articles_per_source(schedule, now - timedelta(days=7))
        for row in self.source_health(schedule):
            name = str(row["source"])
            state = states.get(name)
            last = row.get("last_article") or created.get(name)
            report.append({**row, "articles_7d": recent.get(name, 0),
                           "silent_since": last, "url": state.url if state else None,
                           "next_poll": state.next_poll if state else None,
                           "gone": state.gone if state else False})
        return report

    def articles_per_source(self, schedule: str, since: datetime) -> dict[str, int]:
        """Articles collected since `since`, by source: one scan, not one per source."""
        with self.engine.connect() as conn:
            return {str(source): int(count) for source, count in conn.execute(
                select(articles.c.source, func.count()).where(
                    articles.c.schedule == schedule, articles.c.collected >= since,
                ).group_by(articles.c.source))}

    def articles_since(self, schedule: str, source: str, since: datetime) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(articles).where(and_(
                articles.c.schedule == schedule, articles.c.source == source,
                articles.c.collected >= since))).scalar_one())

    # -- email ledger ------------------------------------------------------------------
    def edition_on(self, schedule: str, day: date | None) -> dict[str, object] | None:
        """The newest committed edition of a schedule on a date (any date when None)."""
        query = select(editions).where(editions.c.schedule == schedule)
        if day is not None:
            query = query.where(editions.c.date == day.isoformat())
        with self.engine.connect() as conn:
            row = conn.execute(query.order_by(editions.c.id.desc()).limit(1)).first()
            return dict(row._mapping) if row else None

    def queue_delivery(self, edition: dict[str, object], recipient: str, now: datetime,
                       forced: bool = False) -> tuple[int, bool]:
        """Queue (edition, recipient); returns (delivery id, whether a row was added).

        Without `forced` an existing row is returned untouched, whatever its status:
        that is the ledger's promise. With `forced` a new row (next seq) is added.
        """
        key = (deliveries.c.edition_id == edition["id"]) & (deliveries.c.recipient == recipient)
        with self.transaction() as conn:
            rows = conn.execute(select(deliveries.c.id, deliveries.c.seq).where(key)
                                .order_by(deliveries.c.seq)).all()
            if rows and not forced:
                return int(rows[0].id), False
            seq = rows[-1].seq + 1 if rows else 0
            try:
                with conn.begin_nested():
                    result = conn.execute(insert(deliveries).values(
                        schedule=edition["schedule"], edition_id=edition["id"],
                        edition_path=edition["path"], edition_date=edition["date"],
                        recipient=recipient, seq=seq, forced=forced and seq > 0,
                        status="queued", attempts=0, queued=now, next_attempt=now))
            except IntegrityError:  # another process queued it a moment ago
                found = conn.execute(select(deliveries.c.id).where(key, deliveries.c.seq == seq)).one()
                return int(found.id), False
            return int(result.inserted_primary_key[0]), True  # type: ignore[index]

    def deliveries(self, schedule: str | None = None, *, edition_id: int | None = None,
                   statuses: Sequence[str] = (), ids: Sequence[int] = ()) -> list[dict[str, Any]]:
        """Ledger rows, oldest first, filtered by schedule, edition, status or id."""
        query = select(deliveries)
        if schedule is not None:
            query = query.where(deliveries.c.schedule == schedule)
        if edition_id is not None:
            query = query.where(deliveries.c.edition_id == edition_id)
        if statuses:
            query = query.where(deliveries.c.status.in_(list(statuses)))
        if ids:
            query = query.where(deliveries.c.id.in_(list(ids)))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query.order_by(deliveries.c.id))]

    def start_attempt(self, delivery_id: int, attempts: int, message_id: str, now: datetime) -> bool:
        """Claim a delivery for one attempt; False when it was sent or claimed meanwhile.

        A compare-and-set on `attempts`, committed before the server is contacted, so
        two senders that read the same row cannot both send it.
        """
        with self.transaction() as conn:
            result = conn.execute(update(deliveries).where(
                deliveries.c.id == delivery_id, deliveries.c.status != "sent",
                deliveries.c.attempts == attempts,
            ).values(attempts=attempts + 1, last_attempt=now,
                     message_id=func.coalesce(deliveries.c.message_id, message_id)))
            return result.rowcount == 1

    def finish_delivery(self, delivery_id: int, *, sent: bool, now: datetime, error: str = "",
                        next_attempt: datetime | None = None) -> None:
        """Record an attempt's outcome: one commit, right after the server's reply."""
        values: dict[str, object] = (
            {"status": "sent", "sent": now, "last_error": None, "next_attempt": None} if sent else
            {"status": "failed", "last_error": error[:2000], "next_attempt": next_attempt})
        with self.transaction() as conn:
            conn.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(**values))

    # -- edition slots and the daemon's heartbeat ------------------------------------
    def claim_slot(self, schedule: str, slot: datetime, by: str, now: datetime, *,
                   max_attempts: int | None = 3) -> bool:
        """Claim (schedule, slot) for building; False when it is done or out of attempts.

        Call it holding the schedule lock (`pipeline.schedule_lock`): claimers keep that lock
        until they record the outcome, so a row still 'claimed' here belongs to a builder
        that died, and is taken over. A failed slot is retried until `max_attempts`.
        """
        key = and_(slots.c.schedule == schedule, slots.c.slot == slot)
        with self.transaction() as conn:
            row = conn.execute(select(slots).where(key)).first()
            if row is None:
                conn.execute(insert(slots).values(schedule=schedule, slot=slot, state="claimed",
                                                  claimed_by=by, claimed_at=now, attempts=1, note=""))
                return True
            if row.state in SLOT_DONE or (max_attempts is not None and row.attempts >= max_attempts):
                return False
            conn.execute(update(slots).where(key).values(
                state="claimed", claimed_by=by, claimed_at=now, finished_at=None,
                attempts=row.attempts + 1, note=""))
            return True

    def finish_slot(self, schedule: str, slot: datetime, state: str, now: datetime, *,
                    path: str | None = None, note: str = "", by: str | None = None) -> None:
        """Record how a slot's build ended (built, skipped or failed).

        With `by`, only while that claimer still holds the claim: the daemon uses this
        after killing a build at its deadline, which must not overwrite a later claim.
        A build killed before it could claim leaves no row; then a failed one is added.
        """
        key = and_(slots.c.schedule == schedule, slots.c.slot == slot)
        where = key if by is None else and_(key, slots.c.state == "claimed", slots.c.claimed_by == by)
        with self.transaction() as conn:
            done = conn.execute(update(slots).where(where).values(
                state=state, finished_at=now, edition_path=path, note=note[:2000])).rowcount
            missing = conn.execute(select(slots.c.state).where(key)).first() is None
            if done == 0 and by is not None and missing:
                conn.execute(insert(slots).values(schedule=schedule, slot=slot, state=state, claimed_by=by,
                                                  claimed_at=now, finished_at=now, attempts=1,
                                                  note=note[:2000]))

    def slot(self, schedule: str, slot: datetime) -> dict[str, object] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(slots).where(slots.c.schedule == schedule,
                                                   slots.c.slot == slot)).first()
            return dict(row._mapping) if row else None

    def list_slots(self, schedule: str, limit: int = 10) -> list[dict[str, object]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(slots).where(slots.c.schedule == schedule)
                                .order_by(slots.c.slot.desc()).limit(limit))
            return [dict(r._mapping) for r in rows]

    def beat(self, name: str, *, pid: int, host: str, started: datetime, now: datetime, state: str,
             info: dict[str, object]) -> None:
        """Write the daemon's heartbeat: proof of life and its next run times, for `briefing status`."""
        values = {"pid": pid, "host": host, "started": started, "beat": now, "state": state,
                  "info": json.dumps(info, default=str)}
        with self.transaction() as conn:
            changed = conn.execute(update(heartbeats).where(heartbeats.c.name == name).values(**values))
            if changed.rowcount == 0:
                conn.execute(insert(heartbeats).values(name=name, **values))

    def heartbeat(self, name: str = "daemon") -> dict[str, object] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(heartbeats).where(heartbeats.c.name == name)).first()
        if row is None:
            return None
        result = dict(row._mapping)
        result["info"] = json.loads(str(result["info"]) or "{}")
        return result


def _fingerprints(conn: Connection, schedule: str, ids: list[str]) -> dict[str, str]:
    """Stored fingerprints of the given article ids, looked up in chunks (SQL parameter limits)."""
    found: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        rows = conn.execute(select(articles.c.id, articles.c.fingerprint).where(
            articles.c.schedule == schedule, articles.c.id.in_(ids[start:start + 500])))
        found.update((str(row.id), str(row.fingerprint)) for row in rows)
    return found


def _write_fetch_state(conn: Connection, schedule: str, state: FetchState, now: datetime) -> None:
    values = {"location": state.location, "url": state.url, "etag": state.etag,
              "last_modified": state.last_modified, "next_poll": state.next_poll,
              "wait_reason": state.wait_reason, "failures": state.failures, "gone": int(state.gone),
              "first_poll": state.first_poll, "body_hash": state.body_hash,
              "feed_url": state.feed_url, "seen": json.dumps(state.seen)}
    key = and_(fetch_state.c.schedule == schedule, fetch_state.c.source == state.source)
    if conn.execute(update(fetch_state).where(key).values(**values)).rowcount == 0:
        conn.execute(insert(fetch_state).values(schedule=schedule, source=state.source,
                                                created=now, **values))


def _write_health(conn: Connection, schedule: str, health: SourceHealth, now: datetime,
                  row: Any) -> None:
    """One source's health after a collection attempt; `row` is its stored health or None."""
    values: dict[str, object] = {"status": health.status}
    if health.status == "ok":
        values.update(last_success=now, failures=0)
        if health.articles:
            values["last_article"] = now
    else:
        values.update(last_error=health.message, last_error_at=now,
                      failures=(row.failures if row else 0) + 1)
    if row is None:
        conn.execute(insert(source_health).values(
            schedule=schedule, source=health.name, **{"failures": 0, **values}))
    else:
        conn.execute(update(source_health).where(
            source_health.c.schedule == schedule, source_health.c.source == health.name,
        ).values(**values))


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


def edition_day_taken(store: Store, schedule: str, day: date) -> bool:
    """Whether a committed edition already exists for this schedule and date."""
    return any(e["date"] == day.isoformat() for e in store.list_editions(schedule, limit=50))
