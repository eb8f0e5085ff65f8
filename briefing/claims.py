"""Edition slot claims: which slot a build stands for, so each is built once.

The daemon, cron (`briefing run --once` or a plain `briefing build`) and hand builds
all go through a claim in the state store before building, under the schedule's lock;
this is what keeps a slot from ever producing a second edition. A published edition's
slot is marked built in the transaction that commits the edition (`SlotClaim.commit`).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from briefing.config import Schedule, parse_duration
from briefing.models import Edition
from briefing.store import SLOT_DONE, Store
from briefing.store.slots import ClaimLost

if TYPE_CHECKING:
    from collections.abc import Sequence

    from briefing.pipeline import BuildResult


@dataclass(slots=True)
class SlotClaim:
    """Which edition slot a build stands for, so that it is built once, whoever builds it.

    The daemon passes the slot it fires for and builds it only if it can claim it. A plain
    `briefing build` stands for the schedule's latest slot within `catch_up`: unclaimed, it
    claims it (a daemon or cron firing for the same slot then skips); built by someone else
    while this build waited for the schedule lock, it skips rather than publish a second
    copy (which would happen with empty = "publish"); built before this build started, it
    is an extra edition by hand that claims nothing. Dry runs and --date builds claim nothing.
    """

    schedule: str
    slot: datetime | None
    by: str
    manual: bool
    done_before: bool = False
    held: bool = False

    @classmethod
    def prepare(cls, schedule: Schedule, workspace: Path, now: datetime, *, slot: datetime | None,
                day: date | None, dry_run: bool, by: str) -> SlotClaim:
        """Before taking the schedule lock: find the slot and whether it was already done."""
        by = by or f"build:{socket.gethostname()}:{os.getpid()}"
        if dry_run or (slot is None and day is not None):
            return cls(schedule.name, None, by, manual=True)
        if slot is not None:
            return cls(schedule.name, slot, by, manual=False)
        from briefing.scheduler import latest_slot

        found = latest_slot(schedule, now, parse_duration(schedule.catch_up))
        claim = cls(schedule.name, found, by, manual=True)
        if found is not None:
            with Store.open(workspace) as store:
                claim.done_before = slot_done(store.slot(schedule.name, found))
        return claim

    def acquire(self, store: Store, now: datetime) -> str | None:
        """Holding the schedule lock: claim the slot, or return why this build stops here."""
        if self.slot is None:
            return None
        row = store.slot(self.schedule, self.slot)
        if self.manual and slot_done(row):
            if self.done_before:
                self.slot = None  # an extra edition by hand
                return None
            assert row is not None
            return (f"the {self.slot:%Y-%m-%d %H:%M} UTC edition was {row['state']} by "
                    f"{row['claimed_by']} while this build waited; not building a second copy")
        if store.claim_slot(self.schedule, self.slot, self.by, now, max_attempts=None if self.manual else 3):
            self.held = True
            return None
        state = row["state"] if row else "claimed"
        return f"the {self.slot:%Y-%m-%d %H:%M} UTC edition is already {state}; not building it again"

    def commit(self, store: Store, edition: Edition, path: str, now: datetime, *,
               mail_to: Sequence[str] = (), left_out: Sequence[str] = ()) -> int:
        """Commit the edition (`Store.commit_edition`) and mark a held slot built with it.

        One transaction: a build that dies after it leaves the slot built, not claimed, so
        no later build takes the slot over and publishes it again. From here on the claim
        is finished: `finish` and `fail` leave the row alone. A claim lost to another
        builder (`ClaimLost`) commits nothing, and that builder's claim is left to it.
        """
        held = (self.slot, self.by) if self.held and self.slot is not None else None
        try:
            edition_id = store.commit_edition(edition, path, now, mail_to=mail_to, left_out=left_out,
                                              slot=held)
        except ClaimLost:
            self.held = False
            raise
        self.held = False
        return edition_id

    def finish(self, store: Store, now: datetime, result: BuildResult) -> BuildResult:
        """Record a slot still held as skipped (a quiet day) and pass the result on; a
        published edition's slot was marked built by `commit`, which let the claim go."""
        if self.held and self.slot is not None:
            store.finish_slot(self.schedule, self.slot, "skipped", now, note=result.message)
            self.held = False
        return result

    def fail(self, store: Store, now: datetime, exc: BaseException) -> None:
        """A build that raised leaves its slot failed, so catch-up may try it again."""
        if self.held and self.slot is not None:
            store.finish_slot(self.schedule, self.slot, "failed", now, note=f"{type(exc).__name__}: {exc}")
            self.held = False


def slot_done(row: dict[str, object] | None) -> bool:
    """Whether a slot row says the slot is finished (built or skipped on a quiet day)."""
    return row is not None and row["state"] in SLOT_DONE
