"""The state's tables, in one place: every job's SQL shape, and how they are created.

Why one module: the tables are one database whose schema must be created together
(`_create_tables`) and read at a glance; the jobs that read and write them live in the
sibling modules (articles, health, deliveries, slots).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Engine


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


def create_tables(engine: Engine) -> None:
    """Create missing tables; tolerate another process creating them at the same moment.

    `create_all` checks, then creates: processes opening a brand-new database at once
    can each see a table missing, and a loser's CREATE fails with "already exists". Every
    such failure means another process made progress (it created that table), so the
    next pass has less to do; one pass per table bounds the retries.
    """
    from sqlalchemy.exc import OperationalError, ProgrammingError

    attempts = 2 * len(metadata.tables) + 2
    for attempt in range(attempts):
        try:
            metadata.create_all(engine)
            return
        except (OperationalError, ProgrammingError) as exc:
            if "already exists" not in str(exc) or attempt == attempts - 1:
                raise

