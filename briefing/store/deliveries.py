"""The email ledger's rows: one per (edition, recipient, seq), never sent twice.

briefing/ledger.py decides what to send and when; this module is its storage, with
the compare-and-set that keeps two senders from sending the same row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from briefing.store.core import StoreBase
from briefing.store.schema import deliveries


def queued_delivery(edition: dict[str, object], recipient: str, now: datetime, *, seq: int = 0,
                    forced: bool = False) -> dict[str, object]:
    """A new ledger row's values: queued, never tried, due now (regular or forced sends alike)."""
    return {"schedule": edition["schedule"], "edition_id": edition["id"],
            "edition_path": edition["path"], "edition_date": edition["date"],
            "recipient": recipient, "seq": seq, "forced": forced, "status": "queued",
            "attempts": 0, "queued": now, "next_attempt": now}


class DeliveriesMixin(StoreBase):
    """Queue, list, claim and finish deliveries."""

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
                    result = conn.execute(insert(deliveries).values(**queued_delivery(
                        edition, recipient, now, seq=seq, forced=forced and seq > 0)))
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
        return self._rows(query.order_by(deliveries.c.id))

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

