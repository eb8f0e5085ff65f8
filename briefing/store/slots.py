"""Edition slots and the daemon's heartbeat: who builds which edition, and who is alive.

A slot row is written before an edition is built, so the daemon, cron and hand builds
never make the same edition twice; the heartbeat is what `briefing status` reads to
say whether the daemon runs. A slot becomes built in the transaction that commits its
edition (`mark_built`, called from `commit_edition`), so no crash can leave an edition
whose slot still reads claimed.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, and_, insert, select, update

from briefing.errors import BriefingError
from briefing.store.core import StoreBase
from briefing.store.schema import SLOT_DONE, heartbeats, slots


class ClaimLost(BriefingError):
    """The slot's claim passed to another builder while this one built: it must not commit."""


def mark_built(conn: Connection, schedule: str, slot: datetime, by: str, path: str, now: datetime) -> None:
    """Inside the edition's commit transaction: record `by`'s claim on the slot as built.

    Why in the same transaction: marked afterwards, a build that died between the two
    (killed, power cut) left the slot claimed with its edition committed; the next build
    took the claim over as if nothing had been built, `briefing status` showed it claimed,
    then skipped, and with empty = "publish" a second (quiet-day) edition came out for it.
    A claim no longer `by`'s (taken over by a builder on another host that judged it
    stale) raises ClaimLost, which rolls the commit back: that builder publishes instead.
    """
    key = and_(slots.c.schedule == schedule, slots.c.slot == slot,
               slots.c.state == "claimed", slots.c.claimed_by == by)
    done = conn.execute(update(slots).where(key).values(
        state="built", finished_at=now, edition_path=path, note="")).rowcount
    if done != 1:
        row = conn.execute(select(slots).where(slots.c.schedule == schedule, slots.c.slot == slot)).first()
        holder = f"{row.state} by {row.claimed_by}" if row is not None else "not claimed"
        raise ClaimLost(f"the {slot:%Y-%m-%d %H:%M} UTC edition of {schedule} is now {holder}; "
                        "not committing a second edition for it",
                        hint="two builders shared the state without sharing the schedule lock "
                             "(output/.state on another host?); the other one publishes it")


class SlotsMixin(StoreBase):
    """Claim and finish edition slots; write and read heartbeats."""

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
        return self._first(select(slots).where(slots.c.schedule == schedule, slots.c.slot == slot))

    def list_slots(self, schedule: str, limit: int = 10) -> list[dict[str, object]]:
        return self._rows(select(slots).where(slots.c.schedule == schedule)
                         .order_by(slots.c.slot.desc()).limit(limit))

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
        result = self._first(select(heartbeats).where(heartbeats.c.name == name))
        if result is None:
            return None
        result["info"] = json.loads(str(result["info"]) or "{}")
        return result

