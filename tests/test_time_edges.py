"""Time edges of the edition schedule, driven with explicit clocks (nothing sleeps):
daylight-saving gaps and repeats in zones where they fall at midnight or last 30 minutes,
edition times that a gap moves past another one, and schedule values that must be
refused with the file and the key rather than crash or spin."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner

from briefing.cli import main
from briefing.config import Schedule, load_schedule
from briefing.daemon import Daemon
from briefing.errors import ConfigError
from briefing.scheduler import JOB_DEFAULTS, edition_trigger, latest_slot, next_slot, slots_between


def _schedule(timezone: str, at: tuple[str, ...] = ("06:30",), cron: str | None = None,
              catch_up: str = "12h") -> Schedule:
    return Schedule(name="t", path=Path("t.toml"), title="T", timezone=timezone, at=at, cron=cron,
                    catch_up=catch_up)


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _local(schedule: Schedule, start: datetime, end: datetime) -> list[str]:
    return [s.astimezone(schedule.tz).strftime("%m-%d %H:%M") for s in slots_between(schedule, start, end)]


def _expected(schedule: Schedule, start: datetime, end: datetime) -> list[datetime]:
    """Each local day's wall times placed with fold=0: a repeated time is its first
    occurrence, a time in a gap is moved on by the gap. Duplicates are one slot."""
    found: set[datetime] = set()
    day = start.date() - timedelta(days=2)
    while day <= end.date() + timedelta(days=2):
        for at in schedule.at:
            moment = datetime.combine(day, time.fromisoformat(at)).replace(tzinfo=schedule.tz).astimezone(UTC)
            if start <= moment <= end:
                found.add(moment)
        day += timedelta(days=1)
    return sorted(found)


@pytest.mark.parametrize(("zone", "night"), [
    ("America/Santiago", date(2024, 9, 8)),   # 00:00 -> 01:00
    ("America/Havana", date(2024, 3, 10)),    # 00:00 -> 01:00
    ("Asia/Beirut", date(2024, 3, 31)),       # 00:00 -> 01:00
    ("Africa/Cairo", date(2024, 4, 26)),      # 00:00 -> 01:00
])
def test_a_midnight_gap_does_not_lose_the_days_edition(zone: str, night: date) -> None:
    """APScheduler's CronTrigger skipped the whole day when the gap starts at midnight."""
    s = _schedule(zone, at=("00:00",))
    start = datetime.combine(night - timedelta(days=1), time(12), tzinfo=s.tz).astimezone(UTC)
    got = _local(s, start, start + timedelta(days=2))
    assert got == [f"{night:%m-%d} 01:00", f"{night + timedelta(days=1):%m-%d} 00:00"]
    cron = _schedule(zone, cron="30 0 * * *")
    assert _local(cron, start, start + timedelta(days=2)) == [
        f"{night:%m-%d} 01:30", f"{night + timedelta(days=1):%m-%d} 00:30"]


def test_lord_howe_half_hour_gap_moves_a_missing_time_by_thirty_minutes() -> None:
    s = _schedule("Australia/Lord_Howe", at=("01:45", "02:15", "02:30"))
    got = _local(s, _utc(2024, 10, 5, 12), _utc(2024, 10, 6, 12))
    assert got == ["10-06 01:45", "10-06 02:30", "10-06 02:45"]  # 02:15 does not exist: 02:45, once


def test_a_gap_shifted_time_is_not_lost_next_to_a_later_edition_time() -> None:
    """02:30 does not exist in Berlin on 31 March; it is built at 03:30, after the 03:00
    edition. Asking for the next time after 03:00 used to skip to the next day."""
    s = _schedule("Europe/Berlin", at=("02:30", "03:00"))
    assert _local(s, _utc(2024, 3, 30, 12), _utc(2024, 3, 31, 12)) == ["03-31 03:00", "03-31 03:30"]
    three = _utc(2024, 3, 31, 1)  # 03:00 CEST: a daemon (re)started now still has 03:30 ahead
    assert next_slot(s, three) == _utc(2024, 3, 31, 1, 30)
    assert next_slot(_schedule("Europe/Berlin", at=("02:30",)), three) == _utc(2024, 3, 31, 1, 30)


def test_the_repeated_hour_fires_once_when_the_daemon_starts_inside_it() -> None:
    s = _schedule("America/New_York", at=("01:30",))
    second_pass = _utc(2024, 11, 3, 6, 10)  # 01:10 EST, after 01:30 EDT has passed
    assert next_slot(s, second_pass) == _utc(2024, 11, 4, 6, 30)
    assert latest_slot(s, second_pass) == _utc(2024, 11, 3, 5, 30)


def test_apschedulers_loop_through_a_midnight_gap_fires_once() -> None:
    """Walk APScheduler's own job the way its loop does, waking every ten minutes."""
    s = _schedule("America/Santiago", at=("00:00", "00:30"))
    scheduler = BackgroundScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS)
    job = scheduler.add_job(lambda: None, edition_trigger(s))
    clock = _utc(2024, 9, 7, 12)
    job.next_run_time = job.trigger.get_next_fire_time(None, clock)
    fired: list[datetime] = []
    while clock < _utc(2024, 9, 9, 12):
        clock += timedelta(minutes=10)
        due = job._get_run_times(clock)
        if due:
            fired.append(due[-1])
            job.next_run_time = job.trigger.get_next_fire_time(due[-1], clock)
    assert [f.astimezone(s.tz).strftime("%d %H:%M") for f in fired] == ["08 01:00", "08 01:30",
                                                                        "09 00:00", "09 00:30"]


@pytest.mark.parametrize("zone", ["America/Santiago", "America/Havana", "Asia/Beirut", "Australia/Lord_Howe",
                                  "Asia/Kathmandu", "Europe/Lisbon", "America/New_York", "Pacific/Chatham"])
@pytest.mark.parametrize("at", [("00:00",), ("00:30", "23:59"), ("01:30", "02:30"), ("02:15", "03:00")])
def test_two_years_of_slots_are_each_days_wall_times_once(zone: str, at: tuple[str, ...]) -> None:
    s = _schedule(zone, at=at)
    start, end = _utc(2023, 1, 1), _utc(2025, 1, 1)
    assert slots_between(s, start, end) == _expected(s, start, end)


@pytest.mark.parametrize(("zone", "day"), [
    ("America/New_York", "2024-03-11"), ("Europe/Berlin", "2024-04-01"), ("America/Chicago", "2024-03-11")])
def test_a_midnight_edition_the_day_after_spring_forward_is_not_skipped(zone: str, day: str) -> None:
    """CronTrigger added 24 h to the day before the change, landed at 01:00 and went on to
    the next day: a 00:00 edition in every DST zone was skipped once a year."""
    s = _schedule(zone, at=("00:00",))
    slots = slots_between(s, _utc(2024, 3, 1), _utc(2024, 4, 15))
    got = [g.astimezone(s.tz).date().isoformat() for g in slots]
    assert day in got and len(got) == len(set(got)) == 45


def _write(tmp_path: Path, line: str) -> Path:
    path = tmp_path / "schedules" / "t.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f'title = "T"\n{line}\n[[sources]]\nname = "I"\nfolder = "inbox"\n', encoding="utf-8")
    return path


@pytest.mark.parametrize(("line", "key", "says"), [
    ('collect_every = "0m"', "collect_every", "shorter than a minute"),   # collected every second
    ('collect_every = "30s"', "collect_every", "shorter than a minute"),
    ('collect_every = "-5m"', "collect_every", "not a duration"),
    ('collect_every = "100000d"', "collect_every", "longer than ten years"),
    ('collect_every = "999999999d"', "collect_every", "longer than ten years"),  # crashed the daemon
    ('catch_up = "9999999999d"', "catch_up", "longer than ten years"),  # OverflowError traceback
    ('catch_up = "0s"', "catch_up", "shorter than a minute"),  # no edition was ever built
    ('timezone = "Mars/Olympus"', "timezone", "not an IANA time zone"),
    ('timezone = "../../etc/passwd"', "timezone", "not an IANA time zone"),
    ('at = ["24:00"]', "at", "'24:00' is not a time"),
    ('at = ["06:30Z"]', "at", "has a UTC offset"),  # was read as 06:30 local
    ('at = ["06:30+05:00"]', "at", "has a UTC offset"),
    ("at = []", "at", "at least one edition time"),
])
def test_bad_time_values_are_config_errors_naming_file_and_key(tmp_path: Path, line: str, key: str,
                                                                says: str) -> None:
    path = _write(tmp_path, line)
    with pytest.raises(ConfigError) as caught:
        load_schedule(path)
    assert str(path) in caught.value.message and f"{key}:" in caught.value.message
    assert says in caught.value.message
    result = CliRunner().invoke(main, ["build", "--dry-run", "--no-collect", "-w", str(tmp_path)])
    assert result.exit_code == 2 and "Traceback" not in result.output


@pytest.mark.parametrize("line", ['at = ["00:00", "23:59", "06:30", "06:30"]', 'at = ["0630"]',
                                  'at = []\ncron = "0 6 * * mon-fri"', 'collect_every = "1m"',
                                  'catch_up = "3650d"'])
def test_edge_values_that_make_sense_are_accepted(tmp_path: Path, line: str) -> None:
    load_schedule(_write(tmp_path, line))


def test_latest_slot_is_the_latest_whatever_the_catch_up() -> None:
    """Past slots_between's cap of 100,000 slots the search returned a slot weeks old."""
    now = _utc(2026, 11, 23, 9, 0)
    every_minute = _schedule("UTC", cron="* * * * *", catch_up="100d")
    assert latest_slot(every_minute, now) == now
    yearly = _schedule("Asia/Kathmandu", cron="0 6 1 1 *", catch_up="3650d")
    assert latest_slot(yearly, now) == _utc(2026, 1, 1, 0, 15)  # 06:00 +0545
    assert latest_slot(_schedule("UTC", catch_up="3650d"), now) == _utc(2026, 11, 23, 6, 30)
    assert latest_slot(_schedule("UTC", catch_up="2h"), now) is None


def _inbox_workspace(tmp_path: Path, timezone: str) -> Path:
    _write(tmp_path, f'timezone = "{timezone}"\n[edition]\nformats = ["json"]\nempty = "publish"')
    (tmp_path / "inbox").mkdir()
    text = "Bridge closed\n\nThe harbour bridge was closed on Monday after a ship struck a pillar.\n"
    (tmp_path / "inbox" / "a.txt").write_text(text, encoding="utf-8")
    return tmp_path


def test_a_date_that_has_not_begun_in_the_zone_is_a_usage_error(tmp_path: Path) -> None:
    """A future --date published today's news as the 2999 edition (its cut-off is now)."""
    ws = _inbox_workspace(tmp_path, "Pacific/Kiritimati")
    result = CliRunner().invoke(main, ["build", "--date", "2999-01-01", "-w", str(ws)])
    assert result.exit_code == 2 and "has not begun in Pacific/Kiritimati" in result.output, result.output
    assert not (ws / "output" / "t" / "2999").exists()
    assert CliRunner().invoke(main, ["build", "--date", "2023-02-29", "-w", str(ws)]).exit_code == 2
    # UTC+14: the zone's today is tomorrow in UTC for most of the day, and may be built.
    today_there = datetime.now(UTC).astimezone(_schedule("Pacific/Kiritimati").tz).date()
    ok = CliRunner().invoke(main, ["build", "--dry-run", "--date", today_there.isoformat(), "-w", str(ws)])
    assert ok.exit_code == 0, ok.output


@pytest.mark.parametrize("option", [["--heartbeat", "0s"], ["--deadline", "0s"]])
def test_zero_daemon_intervals_are_usage_errors(tmp_path: Path, option: list[str]) -> None:
    """--heartbeat 0s spun the daemon's loop; --deadline 0s killed every build at once."""
    ws = _inbox_workspace(tmp_path, "UTC")
    result = CliRunner().invoke(main, ["run", "--once", *option, "-w", str(ws)])
    assert result.exit_code == 2 and "at least 1s" in result.output, result.output


class _CountingScheduler(BackgroundScheduler):
    """APScheduler's own scheduler, counting the times it is told to look at the clock again."""

    wakeups = 0

    def wakeup(self) -> None:
        self.wakeups += 1
        super().wakeup()


def test_the_daemon_makes_apscheduler_look_at_the_wall_clock_every_heartbeat(tmp_path: Path) -> None:
    """APScheduler waits on the monotonic clock, which stops during suspend: without a
    nudge it noticed an edition missed during a night asleep only at its next planned
    wake-up, up to collect_every later and possibly past catch_up."""
    ws = _inbox_workspace(tmp_path, "UTC")
    (ws / "schedules" / "t.toml").write_text(
        'title = "T"\nat = ["06:30"]\ncatch_up = "1m"\ncollect_every = "1h"\n'
        '[[sources]]\nname = "I"\nfolder = "inbox"\n', encoding="utf-8")
    daemon = Daemon(ws, beat_every=0.01, clock=lambda: _utc(2024, 1, 1, 12))  # no slot due: nothing built
    daemon.scheduler = scheduler = _CountingScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS)
    seen: list[int] = []

    def stop_after_beats(_daemon: Daemon) -> None:
        seen.append(scheduler.wakeups)

        def watch() -> None:
            for _ in range(3000):
                if scheduler.wakeups >= seen[0] + 3:
                    break
                threading.Event().wait(0.01)
            daemon.request_stop()

        threading.Thread(target=watch, daemon=True).start()

    daemon.run(on_ready=stop_after_beats)
    assert scheduler.wakeups >= seen[0] + 3


def test_an_edition_made_while_the_clock_ran_ahead_does_not_block_the_daemon(tmp_path: Path) -> None:
    """A clock set to 2030 by mistake, then put right: the 2030 edition's creation time
    was 'after' every real slot, so the daemon built nothing until 2030."""
    from briefing.pipeline import build

    ws = _inbox_workspace(tmp_path, "UTC")
    schedule = load_schedule(ws / "schedules" / "t.toml")
    ahead = build(schedule, ws, _utc(2030, 1, 1, 7))
    assert ahead.status == "published"
    now = _utc(2026, 11, 23, 7)
    daemon = Daemon(ws, clock=lambda: now)
    daemon.schedules = {"t": schedule}
    slot = latest_slot(schedule, now)
    assert slot == _utc(2026, 11, 23, 6, 30) and daemon._slot_open("t", slot)
    on_time = build(schedule, ws, now + timedelta(seconds=5), slot=slot, claimed_by="test")
    assert on_time.status == "published"
    assert not daemon._slot_open("t", slot)  # built now: never a second time


@pytest.mark.parametrize("at", ["06:30", "00:00"])
def test_a_past_day_replayed_after_the_slot_passed_does_not_block_todays_edition(tmp_path: Path,
                                                                                 at: str) -> None:
    """`briefing build --date <yesterday>` made after today's slot passed, before the daemon
    built it (catching up, or just woken from sleep), was created "since the slot passed",
    so the daemon never built today's edition. A midnight slot is where yesterday's window
    ends, so its replay reached the slot too."""
    from briefing.pipeline import build

    ws = _inbox_workspace(tmp_path, "UTC")
    path = ws / "schedules" / "t.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('title = "T"', f'title = "T"\nat = ["{at}"]'),
                    encoding="utf-8")
    schedule = load_schedule(path)
    now = _utc(2026, 11, 23, 7)
    slot = latest_slot(schedule, now)
    assert slot == datetime.combine(now.date(), time.fromisoformat(at), tzinfo=UTC)
    replay = build(schedule, ws, now - timedelta(minutes=10), day=date(2026, 11, 22))
    assert replay.status == "published"  # a quiet-day edition (empty = "publish")
    daemon = Daemon(ws, clock=lambda: now)
    daemon.schedules = {"t": schedule}
    assert daemon._slot_open("t", slot)
    built = build(schedule, ws, now + timedelta(seconds=5), slot=slot, claimed_by="test")
    assert built.status == "published" and built.edition is not None and built.edition.date == now.date()
    assert not daemon._slot_open("t", slot)  # built now: never a second time
    again = build(schedule, ws, now + timedelta(minutes=1), day=date(2026, 11, 21))
    assert again.status == "published" and not daemon._slot_open("t", slot)


def test_an_edition_of_the_slots_day_made_after_it_passed_still_covers_it(tmp_path: Path) -> None:
    """What still counts as the slot's edition without a slot row: a `--date` build of its
    own day made after it passed, and an edition of a slot that the schedule's times no
    longer have (from 00:30 to 23:30 after the 00:30 edition: no second one that night),
    even with a replay of an older day made since."""
    from briefing.pipeline import build

    ws = _inbox_workspace(tmp_path, "UTC")
    schedule = load_schedule(ws / "schedules" / "t.toml")
    now = _utc(2026, 11, 23, 7)
    daemon = Daemon(ws, clock=lambda: now)
    daemon.schedules = {"t": schedule}
    slot = latest_slot(schedule, now)
    assert slot is not None
    before = build(schedule, ws, slot - timedelta(minutes=5), day=now.date())
    assert before.status == "published" and daemon._slot_open("t", slot)  # made before the slot
    by_date = build(schedule, ws, now - timedelta(minutes=10), day=now.date())
    assert by_date.status == "published" and not daemon._slot_open("t", slot)

    (tmp_path / "moved").mkdir()
    moved = _inbox_workspace(tmp_path / "moved", "UTC")
    old = schedule.model_copy(update={"at": ("00:30",)})
    old_slot = _utc(2026, 11, 24, 0, 30)
    on_time = build(old, moved, old_slot + timedelta(seconds=5), slot=old_slot, claimed_by="test")
    assert on_time.status == "published"
    later = old_slot + timedelta(minutes=20)
    assert build(old, moved, later - timedelta(minutes=5), day=date(2026, 11, 20)).status == "published"
    night = Daemon(moved, clock=lambda: later)
    night.schedules = {"t": schedule}
    assert not night._slot_open("t", _utc(2026, 11, 23, 23, 30))
