"""Edition times with real APScheduler triggers and a controlled clock: DST, cron weekdays,
catch-up windows, and the slot claims in the state store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from briefing.config import Schedule
from briefing.errors import ConfigError
from briefing.scheduler import (
    JOB_DEFAULTS,
    add_jobs,
    crontab_fields,
    edition_trigger,
    latest_slot,
    next_slot,
    slots_between,
)
from briefing.store import Store


def _schedule(timezone: str, at: tuple[str, ...] = ("06:30",), cron: str | None = None,
              catch_up: str = "12h") -> Schedule:
    return Schedule(name="t", path=Path("t.toml"), title="T", timezone=timezone, at=at, cron=cron,
                    catch_up=catch_up)


def _local(schedule: Schedule, start: datetime, end: datetime) -> list[str]:
    return [s.astimezone(schedule.tz).strftime("%Y-%m-%d %H:%M %Z")
            for s in slots_between(schedule, start, end)]


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_berlin_spring_forward_runs_the_missing_0230_once_at_0330() -> None:
    s = _schedule("Europe/Berlin", at=("02:30",))
    assert _local(s, _utc(2024, 3, 29), _utc(2024, 4, 2)) == [
        "2024-03-29 02:30 CET", "2024-03-30 02:30 CET", "2024-03-31 03:30 CEST", "2024-04-01 02:30 CEST"]


def test_berlin_fall_back_runs_the_repeated_0230_once() -> None:
    s = _schedule("Europe/Berlin", at=("02:30",))
    got = slots_between(s, _utc(2024, 10, 25), _utc(2024, 10, 29))
    assert [g.isoformat() for g in got] == [
        "2024-10-25T00:30:00+00:00", "2024-10-26T00:30:00+00:00",
        "2024-10-27T00:30:00+00:00",  # the first 02:30 (CEST); the second (CET) is skipped
        "2024-10-28T01:30:00+00:00"]


@pytest.mark.parametrize(("at", "start", "expected"), [
    ("02:30", _utc(2024, 3, 9), ["2024-03-09 02:30 EST", "2024-03-10 03:30 EDT", "2024-03-11 02:30 EDT"]),
    ("01:30", _utc(2024, 11, 2), ["2024-11-02 01:30 EDT", "2024-11-03 01:30 EDT", "2024-11-04 01:30 EST"]),
    ("06:30", _utc(2024, 11, 2), ["2024-11-02 06:30 EDT", "2024-11-03 06:30 EST", "2024-11-04 06:30 EST"]),
])
def test_new_york_one_edition_per_local_day(at: str, start: datetime, expected: list[str]) -> None:
    s = _schedule("America/New_York", at=(at,))
    assert _local(s, start, start + timedelta(days=3)) == expected


def test_every_day_of_a_dst_year_has_exactly_one_edition() -> None:
    for zone in ("Europe/Berlin", "America/New_York"):
        for at in ("00:30", "01:30", "02:00", "02:30", "03:00", "06:30", "23:59"):
            s = _schedule(zone, at=(at,))
            got = slots_between(s, _utc(2024, 1, 1), _utc(2025, 1, 1))
            days = [g.astimezone(s.tz).date() for g in got]
            assert len(days) == len(set(days)), (zone, at)
            assert len(days) in (365, 366), (zone, at, len(days))


def test_the_scheduler_running_through_the_fall_back_night_fires_once() -> None:
    """Walk APScheduler's own job the way its loop does, waking every ten minutes."""
    scheduler = BackgroundScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS)
    s = _schedule("Europe/Berlin", at=("02:30",))
    fired: list[datetime] = []
    job = scheduler.add_job(lambda: None, edition_trigger(s))
    job.next_run_time = job.trigger.get_next_fire_time(None, _utc(2024, 10, 26, 22))
    clock = _utc(2024, 10, 26, 22)
    while clock < _utc(2024, 10, 27, 6):
        clock += timedelta(minutes=10)
        due = job._get_run_times(clock)
        if due:
            fired.append(due[-1])  # coalesce=True: a backlog runs once
            job.next_run_time = job.trigger.get_next_fire_time(due[-1], clock)
    assert [f.astimezone(UTC).isoformat() for f in fired] == ["2024-10-27T00:30:00+00:00"]


def test_a_downtime_backlog_is_coalesced_into_the_latest_slot() -> None:
    s = _schedule("Europe/Berlin", at=("06:30", "18:00"))
    scheduler = BackgroundScheduler(timezone=UTC)
    add_jobs(scheduler, s, edition=lambda _n: None, collect=lambda _n: None, now=_utc(2024, 5, 1))
    job = scheduler.get_job("edition:t")
    assert job.misfire_grace_time is None and job.coalesce and job.max_instances == 1
    job.next_run_time = job.trigger.get_next_fire_time(None, _utc(2024, 5, 1))
    back = _utc(2024, 5, 2, 12)  # down from midnight to noon the next day: three slots missed
    assert len(job._get_run_times(back)) == 3
    assert latest_slot(s, back) == _utc(2024, 5, 2, 4, 30)  # the one edition built: 06:30 CEST
    assert latest_slot(s, back + timedelta(hours=12), timedelta(hours=1)) is None  # beyond catch_up


def test_a_late_or_repeated_fire_maps_to_the_same_slot() -> None:
    s = _schedule("Europe/Berlin", at=("02:30",))
    first = _utc(2024, 10, 27, 0, 30)
    # APScheduler's own CronTrigger would fire again at 01:30 UTC (02:30 CET): same slot.
    assert latest_slot(s, _utc(2024, 10, 27, 1, 30)) == first
    assert latest_slot(s, first + timedelta(hours=11)) == first
    assert latest_slot(s, first + timedelta(hours=13)) is None
    assert next_slot(s, first) == _utc(2024, 10, 28, 1, 30)


def test_cron_weekdays_mean_what_cron_means() -> None:
    assert crontab_fields("30 6 * * 1-5")["day_of_week"] == "mon,tue,wed,thu,fri"
    assert crontab_fields("0 7 * * 0")["day_of_week"] == "sun"
    assert crontab_fields("0 7 * * 7")["day_of_week"] == "sun"
    assert crontab_fields("0 7 * * */2")["day_of_week"] == "tue,thu,sat,sun"  # 0,2,4,6
    assert crontab_fields("0 7 * * sat-mon")["day_of_week"] == "mon,sat,sun"
    assert crontab_fields("0 7 * * MON-FRI")["day_of_week"] == "mon,tue,wed,thu,fri"


def test_cron_schedule_fires_on_the_right_days() -> None:
    s = _schedule("Asia/Seoul", cron="30 6 * * 1-5")
    got = _local(s, _utc(2024, 6, 6, 12), _utc(2024, 6, 11))  # Thursday evening to Tuesday morning
    assert got == ["2024-06-07 06:30 KST", "2024-06-10 06:30 KST", "2024-06-11 06:30 KST"]
    sunday = _schedule("UTC", cron="0 8 * * 0")
    days = slots_between(sunday, _utc(2024, 6, 1), _utc(2024, 7, 1))
    assert [d.strftime("%a") for d in days] == ["Sun"] * 5


@pytest.mark.parametrize("bad", ["30 6 * *", "30 6 1 * mon", "0 7 * * funday", "0 7 * * 8", "0 7 * * 1/0"])
def test_bad_cron_lines_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError):
        edition_trigger(_schedule("UTC", cron=bad))


def test_slot_claims(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    slot, now = _utc(2024, 5, 1, 6, 30), _utc(2024, 5, 1, 6, 30, 5)
    try:
        assert store.claim_slot("t", slot, "a", now)
        assert store.claim_slot("t", slot, "b", now)  # a stale claim (its builder died) is taken over
        store.finish_slot("t", slot, "failed", now, note="killed", by="a")  # not a's claim any more
        assert store.slot("t", slot)["state"] == "claimed"  # type: ignore[index]
        store.finish_slot("t", slot, "failed", now, note="boom", by="b")
        assert store.claim_slot("t", slot, "c", now)  # failed: tried again (attempt 3)
        store.finish_slot("t", slot, "failed", now)
        assert not store.claim_slot("t", slot, "d", now)  # out of attempts
        assert store.claim_slot("t", slot, "hand", now, max_attempts=None)  # a hand build may insist
        store.finish_slot("t", slot, "built", now, path="t/2024/05/01")
        assert not store.claim_slot("t", slot, "e", now, max_attempts=None)
        assert [r["state"] for r in store.list_slots("t")] == ["built"]
        store.finish_slot("t", slot + timedelta(days=1), "failed", now, note="deadline", by="f")
        assert store.slot("t", slot + timedelta(days=1))["note"] == "deadline"  # type: ignore[index]
    finally:
        store.close()
