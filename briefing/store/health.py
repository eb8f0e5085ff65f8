"""Source health and fetch state: what each collection leaves behind for the next.

Why together: a collection saves its articles, every web source's fetch state and its
health in one transaction (`save_collection`), and `briefing status` reads them back
as one report (`source_report`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, func, insert, select, update

from briefing.models import SourceHealth
from briefing.store.articles import _article_values
from briefing.store.core import StoreBase
from briefing.store.schema import articles, fetch_state, source_health

if TYPE_CHECKING:
    from briefing.sources import Collected
    from briefing.sources.polling import FetchState


class HealthMixin(StoreBase):
    """Per source: health, fetch state, and the counts `briefing status` shows."""

    def source_health(self, schedule: str) -> list[dict[str, object]]:
        return self._rows(select(source_health).where(source_health.c.schedule == schedule)
                          .order_by(source_health.c.source))

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

