"""Schedules -> APScheduler jobs; nothing else.

A schedule names its edition times in its own IANA zone, either as `at = ["06:30"]` or as
a five-field `cron` line with day names. Three of APScheduler 3.x's habits would break a
daily briefing, and are handled here:

* On the autumn fall-back day a wall time such as 02:30 happens twice and `CronTrigger`
  fires at both. `EditionTrigger` fires once per local wall time: the first occurrence.
* On the spring-forward day 02:30 does not exist; the edition is built at the instant the
  clock would have shown it (03:30 local in Europe/Berlin, 02:45 in Australia/Lord_Howe
  for a missing 02:15), once. `CronTrigger` in a DST zone gets this wrong when the gap
  starts at midnight (America/Santiago, America/Havana, Asia/Beirut): it skipped that
  whole day's "00:00" edition. So `EditionTrigger` runs the cron fields on the naive wall
  clock (UTC, which has no DST) and places each wall time in the zone itself.
* In crontab, weekday 0 (and 7) is Sunday; APScheduler reads 0 as Monday. `crontab_fields`
  translates every weekday (numbers, names, ranges, steps) into explicit day names, so
  `30 6 * * 1-5` means Monday to Friday, as in cron.

Late jobs are never dropped (`misfire_grace_time=None`) and a backlog runs once
(`coalesce=True`). Which slot an edition job builds is not taken from APScheduler but
computed again (`latest_slot`), so a late, repeated or catch-up run maps onto the same
(schedule, slot) claim in the state store.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from briefing.config import Schedule, parse_duration
from briefing.errors import ConfigError

CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab numbering: 0 = Sunday
_APS_ORDER = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
JOB_DEFAULTS: dict[str, Any] = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}


class EditionTrigger(BaseTrigger):
    """Fires at wall-clock times in a zone: once per wall time, a skipped one shifted by the gap.

    `inner` is a cron-like trigger in UTC that stands for the naive local wall clock, so
    its calendar arithmetic never meets a DST transition. Each wall time it yields is
    placed in `timezone` with fold=0: a repeated time is its first occurrence, a time in
    a spring-forward gap lands as far after the gap as it was into it. Placing can move a
    time past a later one (02:30 -> 03:30 comes after 03:00), so right after a gap the
    wall times it skipped are looked at too, and the earliest instant at or after the
    start is returned.
    """

    def __init__(self, inner: BaseTrigger, timezone: Any) -> None:
        self.inner = inner
        self.timezone = timezone

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        start = now.astimezone(UTC)
        if previous_fire_time is not None:  # as CronTrigger: the next time after the previous one
            previous = previous_fire_time.astimezone(UTC)  # an ambiguous local time never compares equal
            start = min(start, previous + timedelta(microseconds=1))
            if start == previous:
                start += timedelta(microseconds=1)
        # Wall times in a gap that ended just before `start` are placed at or after it.
        gap = max(timedelta(0), _offset(start, self.timezone) - _offset(start - _MAX_SHIFT, self.timezone))
        best: datetime | None = None
        wall = self.inner.get_next_fire_time(None, self._wall(start) - gap)
        while wall is not None and (best is None or wall <= self._wall(best)):
            moment = wall.replace(tzinfo=self.timezone).astimezone(UTC)  # fold=0
            if moment >= start and (best is None or moment < best):
                best = moment
            wall = self.inner.get_next_fire_time(wall, wall)
        return None if best is None else best.astimezone(self.timezone)

    def _wall(self, moment: datetime) -> datetime:
        """The zone's wall-clock reading at `moment`, labelled UTC as `inner` expects."""
        return moment.astimezone(self.timezone).replace(tzinfo=UTC, fold=0)

    def __str__(self) -> str:
        return f"edition[{self.inner}]"


_MAX_SHIFT = timedelta(hours=3)  # more than any DST change (at most 2 h, Antarctica/Troll)


def _offset(moment: datetime, zone: Any) -> timedelta:
    return moment.astimezone(zone).utcoffset() or timedelta(0)


def crontab_fields(expression: str) -> dict[str, str]:
    """A five-field crontab line -> CronTrigger keyword arguments, with cron's weekday meaning."""
    parts = expression.split()
    if len(parts) != 5:
        raise ConfigError(f"cron = {expression!r}: needs five fields (minute hour day month weekday)",
                          hint='for example cron = "30 6 * * mon-fri"')
    minute, hour, day, month, weekday = parts
    if day != "*" and weekday != "*":
        raise ConfigError(f"cron = {expression!r}: give a day of month or a weekday, not both",
                          hint="cron would run on either; say which one you mean")
    return {"minute": minute, "hour": hour, "day": day, "month": month,
            "day_of_week": _weekdays(weekday, expression)}


def _weekdays(field: str, expression: str) -> str:
    if field == "*":
        return "*"
    days: set[int] = set()
    for token in field.lower().split(","):
        body, _, step_text = token.partition("/")
        try:
            step = int(step_text) if step_text else 1
            first, last = (0, 6) if body == "*" else _day_range(body)
        except ValueError:
            raise ConfigError(f"cron = {expression!r}: {token!r} is not a weekday, range or step",
                              hint="use day names (mon-fri) or crontab numbers (0 or 7 = Sunday)") from None
        if step < 1:
            raise ConfigError(f"cron = {expression!r}: {token!r} has a step below 1")
        if first > last:  # fri-sun, sat-mon: wrap around the week rather than refuse
            last += 7
        days.update(d % 7 for d in range(first, last + 1, step))
    names = {CRON_DAYS[d] for d in days}
    return ",".join(n for n in _APS_ORDER if n in names)


def _day_range(body: str) -> tuple[int, int]:
    first, _, last = body.partition("-")
    return _day(first), _day(last or first)


def _day(text: str) -> int:
    if text in CRON_DAYS:
        return CRON_DAYS.index(text)
    number = int(text)
    if not 0 <= number <= 7:
        raise ValueError(text)
    return number


def edition_trigger(schedule: Schedule) -> EditionTrigger:
    """The trigger for a schedule's edition times, in the schedule's zone."""
    if schedule.cron:
        inner: BaseTrigger = CronTrigger(timezone=UTC, **crontab_fields(schedule.cron))
    else:
        crons = [CronTrigger(hour=t.hour, minute=t.minute, second=t.second, timezone=UTC)
                 for t in schedule.edition_times]
        inner = crons[0] if len(crons) == 1 else OrTrigger(crons)
    return EditionTrigger(inner, schedule.tz)


def slots_between(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    """Edition slots (UTC) with start <= slot <= end; one per local wall time."""
    trigger = edition_trigger(schedule)
    found: list[datetime] = []
    moment = trigger.get_next_fire_time(None, start.astimezone(schedule.tz))
    while moment is not None and moment <= end and len(found) < 100_000:
        found.append(moment.astimezone(UTC))
        moment = trigger.get_next_fire_time(moment, moment)
    return found


def latest_slot(schedule: Schedule, now: datetime, within: timedelta | None = None) -> datetime | None:
    """The most recent slot at or before `now`, if it is within `within` (default: `catch_up`).

    This is the slot a late, repeated or catch-up edition run stands for: a backlog of
    missed slots is built once, as the latest one. The search looks back a day, then
    twice as far, and so on up to `within`: listing every slot of a long catch_up took
    seconds at each collection ("3650d"), and past `slots_between`'s cap of 100,000
    slots (a per-minute cron over 70 days) it returned one from weeks ago.
    """
    window = parse_duration(schedule.catch_up) if within is None else within
    back = min(window, timedelta(days=1))
    while True:
        found = slots_between(schedule, now - back, now)
        if found or back >= window:
            return found[-1] if found else None
        back = min(window, back * 2)


def next_slot(schedule: Schedule, now: datetime) -> datetime | None:
    """The next edition slot after `now`, in UTC."""
    after = (now + timedelta(microseconds=1)).astimezone(schedule.tz)
    moment = edition_trigger(schedule).get_next_fire_time(None, after)
    return None if moment is None else moment.astimezone(UTC)


def add_jobs(scheduler: BaseScheduler, schedule: Schedule, *, edition: Callable[[str], None],
             collect: Callable[[str], None], now: datetime) -> None:
    """Add one schedule's jobs: editions at their times, collection every `collect_every`,
    and a catch-up edition run at once (it builds the latest missed slot, if any)."""
    name = schedule.name
    every = parse_duration(schedule.collect_every).total_seconds()
    scheduler.add_job(edition, edition_trigger(schedule), args=[name], id=f"edition:{name}",
                      name=f"edition {name}", replace_existing=True, **JOB_DEFAULTS)
    scheduler.add_job(collect, IntervalTrigger(seconds=every, timezone=UTC), args=[name],
                      id=f"collect:{name}", name=f"collect {name}", replace_existing=True, **JOB_DEFAULTS)
    scheduler.add_job(edition, DateTrigger(run_date=now, timezone=UTC), args=[name], id=f"catch-up:{name}",
                      name=f"catch-up {name}", replace_existing=True, **JOB_DEFAULTS)


def next_runs(scheduler: BaseScheduler) -> dict[str, str | None]:
    """Job id -> next run time (UTC ISO), for the heartbeat and `briefing status`."""
    return {job.id: job.next_run_time.astimezone(UTC).isoformat() if job.next_run_time else None
            for job in scheduler.get_jobs()}
