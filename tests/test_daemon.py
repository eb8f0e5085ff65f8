"""`briefing run` as real processes on a temporary workspace: catch-up, one daemon per
workspace, no duplicate with a hand build, deadlines, clean stops, and `briefing status`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from webserver import Reply, Request, WebServer

from briefing.cli import main
from briefing.store import Store

ARTICLES = {
    "harbour.txt": "Harbour bridge closed after ship strike\n\nThe harbour bridge was closed on Monday "
    "after a cargo ship struck one of its pillars during a storm. Engineers are inspecting the "
    "damage and the city expects the bridge to stay closed for at least a week. Ferries will run "
    "extra services for commuters while the inspection continues.\n",
    "harbour2.txt": "Ship strikes harbour bridge pillar in storm\n\nA cargo ship hit a pillar of the "
    "harbour bridge in Monday's storm, and the bridge was closed to traffic. City engineers said "
    "the inspection of the damaged pillar would take at least a week, and extra ferries will carry "
    "commuters in the meantime.\n",
    "library.txt": "New city library opens its doors\n\nThe new central library opened on Tuesday "
    "with a reading garden on the roof and a children's floor. The mayor said the building, "
    "finished two months early, cost less than planned. It will be open seven days a week.\n",
}
FEED = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Slow Wire</title>
<link>http://example.org/</link><description>d</description>
<item><title>Council approves new tram line</title><link>http://example.org/tram</link>
<description>The city council approved a new tram line to the airport on Wednesday. Work starts in
spring and the line should open in three years.</description>
<pubDate>Wed, 01 May 2024 08:00:00 GMT</pubDate><guid>tram-1</guid></item>
</channel></rss>"""


def _hms(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M:%S")


def _workspace(root: Path, at: list[datetime], *, empty: str = "skip", feed: str | None = None) -> Path:
    """A workspace with one UTC schedule whose folder source holds three small articles."""
    (root / "inbox").mkdir(parents=True)
    for name, text in ARTICLES.items():
        (root / "inbox" / name).write_text(text, encoding="utf-8")
    (root / "schedules").mkdir()
    times = ", ".join(f'"{_hms(t)}"' for t in at)
    extra = (f'\n[[sources]]\nname = "Slow Wire"\nfeed = "{feed}"\nallow_private = true\n'
             'deadline = 600\nsource_deadline = 600\n') if feed else ""
    (root / "schedules" / "test.toml").write_text(
        f'title = "Test Briefing"\ntimezone = "UTC"\nat = [{times}]\ncollect_every = "1h"\n'
        f'catch_up = "12h"\n\n[[sources]]\nname = "Inbox"\nfolder = "inbox"\n{extra}\n'
        f'[edition]\nformats = ["html", "json"]\nempty = "{empty}"\n', encoding="utf-8")
    return root


def _start(ws: Path, deadline: str = "60s") -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "briefing", "run", "-w", str(ws), "--deadline", deadline,
                             "--heartbeat", "1s"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def _stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return proc.returncode, err


@pytest.fixture
def daemons() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        _stop(proc)


def _read(ws: Path, what: Callable[[Store], object]) -> object:
    store = Store.open(ws)
    try:
        return what(store)
    finally:
        store.close()


def _slots(ws: Path) -> list[dict[str, object]]:
    return _read(ws, lambda s: s.list_slots("test", limit=50))  # type: ignore[return-value]


def _editions(ws: Path) -> list[dict[str, object]]:
    return _read(ws, lambda s: s.list_editions("test", limit=50))  # type: ignore[return-value]


def _wait(condition: Callable[[], object], timeout: float = 60, what: str = "") -> object:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _beat_pid(ws: Path) -> int | None:
    beat = _read(ws, lambda s: s.heartbeat())
    return int(beat["pid"]) if isinstance(beat, dict) and beat["state"] == "running" else None


def test_catch_up_builds_one_edition_a_second_daemon_refuses_a_restart_adds_none(
        tmp_path: Path, daemons: list[subprocess.Popen[str]]) -> None:
    now = datetime.now(UTC)
    ws = _workspace(tmp_path, [now - timedelta(hours=3), now - timedelta(hours=1)], empty="publish")
    first = _start(ws)
    daemons.append(first)
    _wait(lambda: any(s["state"] == "built" for s in _slots(ws)), what="the catch-up edition")
    slots = _slots(ws)
    assert len(slots) == 1 and slots[0]["slot"] == (now - timedelta(hours=1)).replace(microsecond=0)
    assert len(_editions(ws)) == 1

    second = _start(ws)
    _, err = second.communicate(timeout=30)
    assert second.returncode == 1 and "already running" in err

    status = CliRunner().invoke(main, ["status", "--json", "-w", str(ws)])
    report = json.loads(status.output)
    assert report["daemon"]["running"] and report["daemon"]["pid"] == first.pid
    item = report["schedules"][0]
    assert item["next_edition"] and item["next_collection"] and item["slots"][0]["state"] == "built"

    code, _ = _stop(first)
    assert code == 0
    assert _read(ws, lambda s: s.heartbeat())["state"] == "stopped"  # type: ignore[index]
    assert not json.loads(CliRunner().invoke(main, ["status", "--json", "-w", str(ws)]).output)[
        "daemon"]["running"]

    again = _start(ws)
    daemons.append(again)
    _wait(lambda: _beat_pid(ws) == again.pid, what="the restarted daemon's heartbeat")
    time.sleep(3)  # its catch-up run has happened by now
    assert len(_editions(ws)) == 1 and len(_slots(ws)) == 1


def test_run_once_for_cron_builds_the_due_edition_once(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, [datetime.now(UTC) - timedelta(hours=2)], empty="publish")
    for _ in range(2):
        result = CliRunner().invoke(main, ["run", "--once", "-w", str(ws)])
        assert result.exit_code == 0, result.output
        assert len(_editions(ws)) == 1 and [s["state"] for s in _slots(ws)] == ["built"]
    report = json.loads(CliRunner().invoke(main, ["status", "--json", "-w", str(ws)]).output)
    assert not report["daemon"]["running"] and report["schedules"][0]["slots"][0]["state"] == "built"


def test_two_daemons_started_together_build_one_edition(
        tmp_path: Path, daemons: list[subprocess.Popen[str]]) -> None:
    ws = _workspace(tmp_path, [datetime.now(UTC) - timedelta(minutes=30)], empty="publish")
    pair = [_start(ws), _start(ws)]
    daemons.extend(pair)
    _wait(lambda: any(p.poll() is not None for p in pair), timeout=30, what="one to refuse")
    time.sleep(1)
    codes = [p.poll() for p in pair]
    assert codes.count(1) == 1 and codes.count(None) == 1, codes
    _wait(lambda: any(s["state"] == "built" for s in _slots(ws)), what="the edition")
    time.sleep(2)
    assert len(_editions(ws)) == 1


def test_a_past_day_replayed_by_hand_after_the_slot_passed_leaves_the_slot_to_the_daemon(
        tmp_path: Path, daemons: list[subprocess.Popen[str]]) -> None:
    """The daemon was down (asleep) at today's edition time; meanwhile yesterday was
    replayed by hand. That replay is yesterday's edition, not today's: the daemon builds
    today's once it runs (it built nothing, the replay being created after the slot)."""
    slot = (datetime.now(UTC) - timedelta(minutes=30)).replace(microsecond=0)
    ws = _workspace(tmp_path, [slot], empty="publish")
    yesterday = slot.date() - timedelta(days=1)
    replay = CliRunner().invoke(main, ["build", "--date", yesterday.isoformat(), "-w", str(ws)])
    assert replay.exit_code == 0 and len(_editions(ws)) == 1, replay.output
    daemons.append(_start(ws))
    built = _wait(lambda: [s for s in _slots(ws) if s["state"] == "built"], timeout=30,
                  what="today's edition")
    assert [s["slot"] for s in built] == [slot]  # type: ignore[attr-defined]
    editions = _editions(ws)
    assert [e["date"] for e in editions] == [slot.date().isoformat(), yesterday.isoformat()]
    assert editions[0]["articles"] == 3


@pytest.fixture
def slow_feed() -> Iterator[tuple[WebServer, dict[str, float]]]:
    """A feed whose next answer is delayed by `delay["next"]` seconds (then answers at once)."""
    delay = {"next": 0.0}

    def answer(_request: Request) -> Reply:
        wait, delay["next"] = delay["next"], 0.0
        return Reply(body=FEED, headers={"Content-Type": "application/rss+xml"}, delay=wait)

    server = WebServer().start()
    server.routes["/feed.xml"] = answer
    yield server, delay
    server.stop()


def test_a_hand_build_during_the_daemons_build_does_not_duplicate_it(
        tmp_path: Path, daemons: list[subprocess.Popen[str]],
        slow_feed: tuple[WebServer, dict[str, float]]) -> None:
    server, delay = slow_feed
    delay["next"] = 8.0  # the daemon's build holds its claim and the schedule lock this long
    ws = _workspace(tmp_path, [datetime.now(UTC) - timedelta(hours=1)], empty="publish",
                    feed=server.url("/feed.xml"))
    daemons.append(_start(ws))
    _wait(lambda: any(s["state"] == "claimed" for s in _slots(ws)), what="the daemon's claim")
    result = CliRunner().invoke(main, ["build", "-w", str(ws)])
    assert "not building a second copy" in result.output, result.output
    assert [s["state"] for s in _slots(ws)] == ["built"]
    assert len(_editions(ws)) == 1
    again = CliRunner().invoke(main, ["build", "-w", str(ws)])  # afterwards: an extra edition by hand
    assert again.exit_code == 0 and len(_editions(ws)) == 2, again.output


def test_a_hung_build_is_killed_at_its_deadline_and_the_next_slot_runs(
        tmp_path: Path, daemons: list[subprocess.Popen[str]],
        slow_feed: tuple[WebServer, dict[str, float]]) -> None:
    server, delay = slow_feed
    delay["next"] = 26.0  # the first build hangs on this source past its deadline
    now = datetime.now(UTC)
    ws = _workspace(tmp_path, [now + timedelta(seconds=3), now + timedelta(seconds=28)],
                    feed=server.url("/feed.xml"))
    proc = _start(ws, deadline="20s")  # a build here takes some 7 s
    daemons.append(proc)
    failed = _wait(lambda: [s for s in _slots(ws) if s["state"] == "failed"], timeout=60, what="the kill")
    assert "deadline" in str(failed[0]["note"])  # type: ignore[index]
    _wait(lambda: any(s["state"] == "built" for s in _slots(ws)), timeout=60, what="the next slot")
    assert len(_editions(ws)) == 1 and proc.poll() is None
    code, err = _stop(proc)
    assert code == 0, err
