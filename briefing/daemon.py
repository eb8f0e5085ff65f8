"""The process side of `briefing run`: one daemon per workspace that never hangs.

* One daemon per workspace: an fcntl lock on output/.state/daemon.lock, taken without
  waiting, so a second `briefing run` exits at once and names the running one. The OS
  drops the lock when the process dies, so a crash never leaves a stale lock.
* Every build and collection runs in a child process (multiprocessing, spawn) that is
  killed at its deadline: a hung feed, a stuck render or a deadlocked library cannot
  block the next runs. The slot a killed build had claimed is recorded as failed.
* SIGTERM and SIGINT stop the scheduler, end running children and record their slots as
  failed (the next start's catch-up builds them again); SIGHUP reloads schedules/*.toml.
* A heartbeat row in the state store (pid, host, last beat, next run times) is what
  `briefing status` reads to say whether the daemon is alive.
"""

from __future__ import annotations

import fcntl
import logging
import multiprocessing
import os
import signal
import socket
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import IO, Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from briefing.config import Schedule, load_schedule, load_schedules
from briefing.errors import BriefingError
from briefing.locks import file_lock, lock_path
from briefing.scheduler import JOB_DEFAULTS, add_jobs, edition_trigger, latest_slot, next_runs
from briefing.store import SLOT_DONE, Store

log = logging.getLogger(__name__)

DEFAULT_DEADLINE = timedelta(minutes=30)
HEARTBEAT_EVERY = 30.0
MAX_ATTEMPTS = 3


def claimer_id(pid: int) -> str:
    """How a daemon's build child signs its slot claims (the parent can recompute it)."""
    return f"daemon:{socket.gethostname()}:{pid}"


class DaemonLock:
    """One `briefing run` per workspace, held for the daemon's life."""

    def __init__(self, workspace: Path) -> None:
        self.path = lock_path(workspace, "daemon")
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock without waiting; if another daemon holds it, say which and stop."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise BriefingError(
                f"another `briefing run` is already running on this workspace (pid {holder}); "
                "not starting a second one", hint=f"see `briefing status`; the lock is {self.path}") from None
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def daemon_running(workspace: Path) -> bool:
    """Whether a daemon holds this workspace's lock (on this host), without disturbing it."""
    path = lock_path(workspace, "daemon")
    if not path.exists():
        return False
    with file_lock(path, wait=False) as taken:
        return not taken


def _child_logging(level: int) -> None:
    """A spawned child starts with no logging set up: warnings, and the daemon's own level."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s[%(process)d]: %(message)s")
    logging.getLogger(__name__).setLevel(level)


def child_build(workspace: str, name: str, slot_iso: str, level: int) -> None:
    """In the child process: build one claimed slot from a freshly loaded schedule."""
    from briefing.pipeline import build

    os.setpgrp()  # its own process group, so a kill at the deadline reaches its helpers too
    _child_logging(level)
    root = Path(workspace)
    schedule = load_schedule(root / "schedules" / f"{name}.toml")
    result = build(schedule, root, datetime.now(UTC), slot=datetime.fromisoformat(slot_iso),
                   claimed_by=claimer_id(os.getpid()))
    log.log(logging.WARNING if result.status == "skipped" else logging.INFO, "%s: %s", name, result.message)


def child_collect(workspace: str, name: str, level: int) -> None:
    """In the child process: collect one schedule's sources into the state."""
    from briefing.pipeline import collect, schedule_lock

    os.setpgrp()
    _child_logging(level)
    root = Path(workspace)
    schedule = load_schedule(root / "schedules" / f"{name}.toml")
    with schedule_lock(root, name), Store.open(root) as store:
        result = collect(schedule, root, store, datetime.now(UTC))
    log.info("collected %s: %d new, %d updated", name, result.new, result.updated)


class Daemon:
    """`briefing run`: APScheduler in memory, jobs from the schedules, builds in children."""

    def __init__(self, workspace: Path, *, deadline: timedelta = DEFAULT_DEADLINE,
                 beat_every: float = HEARTBEAT_EVERY,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.workspace = workspace.resolve()
        self.deadline = deadline
        self.beat_every = beat_every
        self.clock = clock
        self.lock = DaemonLock(self.workspace)
        self.schedules: dict[str, Schedule] = {}
        self.scheduler = BackgroundScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS,
                                             executors={"default": ThreadPoolExecutor(32)})
        self.started = clock()
        self._children: dict[int, tuple[str, BaseProcess]] = {}
        self._guard = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._reload = False
        self._log_level = log.getEffectiveLevel()

    # -- life cycle --------------------------------------------------------------
    def run(self, on_ready: Callable[[Daemon], None] | None = None) -> None:
        """Run until SIGTERM or SIGINT. Raises BriefingError if another daemon runs here."""
        self.lock.acquire()
        with Store.open(self.workspace) as store:  # create the tables now, before jobs race to do it
            store.check_writable()  # and stop here, in words, if the state is read-only or locked
        previous = self._install_signals()
        try:
            self.load()
            self.scheduler.start()
            self.beat("running")
            if on_ready:
                on_ready(self)
            while True:
                self._wake.wait(self.beat_every)
                self._wake.clear()
                if self._stopping:
                    break
                if self._reload:
                    self._reload = False
                    self.reload()
                self.beat("running")
                # APScheduler sleeps until its next job on the monotonic clock, which stops
                # while the machine is suspended: after a night asleep it went on waiting
                # (up to a whole collect_every) before it noticed missed editions, long
                # enough to fall out of a short catch_up. Each heartbeat makes it look at
                # the wall clock again, so a resume or a clock jump is seen within a beat.
                self.scheduler.wakeup()
        finally:
            self.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            self.lock.release()

    def once(self) -> None:
        """Collect, then build each schedule's latest due slot that no one built yet (for cron)."""
        self.load(jobs=False)
        with Store.open(self.workspace) as store:  # a read-only or locked state stops cron's run
            store.check_writable()  # here, in words, not in a traceback from each job's child
        for name in list(self.schedules):
            self.collect(name)

    def load(self, jobs: bool = True) -> None:
        """Read schedules/*.toml and (re)make every job; the files are the only source of truth."""
        loaded = {s.name: s for s in load_schedules(self.workspace)}
        for schedule in loaded.values():
            edition_trigger(schedule)  # a bad cron line fails here, with its file's name
        self.schedules = loaded
        if not jobs:
            return
        self.scheduler.remove_all_jobs()
        now = self.clock()
        for schedule in loaded.values():
            add_jobs(self.scheduler, schedule, edition=self.edition, collect=self.collect, now=now)
        log.info("scheduled %s", ", ".join(f"{s.name} ({s.timezone})" for s in loaded.values()))

    def reload(self) -> None:
        """SIGHUP: reload the schedules; a broken file keeps the jobs that were running."""
        try:
            self.load()
        except BriefingError as exc:
            log.error("reload failed, keeping the previous schedules: %s", exc.message)

    def request_stop(self) -> None:
        self._stopping = True
        self._wake.set()

    def stop(self) -> None:
        """End running children (their slots are marked failed), stop jobs, write a last beat."""
        with self._guard:
            self._stopping = True
            children = list(self._children.values())
        for kind, proc in children:
            log.warning("stopping %s (pid %s)", kind, proc.pid)
            _end(proc)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.beat("stopped")

    def _install_signals(self) -> dict[int, Any]:
        def stop(signum: int, _frame: FrameType | None) -> None:
            log.info("received %s, stopping", signal.Signals(signum).name)
            self.request_stop()

        def hangup(_signum: int, _frame: FrameType | None) -> None:
            self._reload = True
            self._wake.set()

        wanted = {signal.SIGTERM: stop, signal.SIGINT: stop, signal.SIGHUP: hangup}
        return {signum: signal.signal(signum, handler) for signum, handler in wanted.items()}

    def beat(self, state: str) -> None:
        """Write the heartbeat row; a failing store must not kill the daemon, so it only logs."""
        with self._guard:
            running = sorted(kind for kind, _ in self._children.values())
        info = {"jobs": next_runs(self.scheduler) if self.scheduler.running else {},
                "running": running, "deadline": self.deadline.total_seconds(),
                "beat_every": self.beat_every}
        try:
            with Store.open(self.workspace) as store:
                store.beat("daemon", pid=os.getpid(), host=socket.gethostname(), started=self.started,
                           now=self.clock(), state=state, info=info)
        except Exception:
            log.exception("could not write the heartbeat")

    # -- jobs --------------------------------------------------------------------
    def edition(self, name: str) -> None:
        """Edition job (and catch-up): build the schedule's latest slot unless it is done.

        The collection job calls it too, so a slot whose build failed (or that a job error
        skipped) is tried again within `catch_up`, up to MAX_ATTEMPTS times.
        """
        try:
            self._edition(name)
        except Exception:
            log.exception("%s: the edition job failed; the next collection tries again", name)

    def _edition(self, name: str) -> None:
        schedule = self.schedules.get(name)
        if schedule is None or self._stopping:
            return
        slot = latest_slot(schedule, self.clock())
        if slot is None or not self._slot_open(name, slot):
            return
        log.info("%s: building the %s edition", name, slot.astimezone(schedule.tz).isoformat())
        proc, outcome = self._run_child(f"build {name}", child_build,
                                        (str(self.workspace), name, slot.isoformat(), self._log_level))
        if outcome != "ok" and proc.pid is not None:
            self._record_failure(name, slot, claimer_id(proc.pid), outcome)
        row = self._read(lambda store: store.slot(name, slot)) or {}
        log.info("%s: the %s edition is %s %s", name, slot.isoformat(), row.get("state"),
                 row.get("edition_path") or row.get("note") or "")

    def collect(self, name: str) -> None:
        """Collection job, the daemon's tick: poll the sources (in a child with a deadline),
        build a slot that is due, and retry mail that has not gone out yet."""
        if name in self.schedules and not self._stopping:
            self._run_child(f"collect {name}", child_collect, (str(self.workspace), name, self._log_level))
            self.edition(name)
            self.retry_mail(name)

    def retry_mail(self, name: str) -> None:
        """Send queued and failed deliveries whose backoff has passed; never kills the daemon."""
        from briefing.ledger import retry_pending

        schedule = self.schedules.get(name)
        if schedule is None or self._stopping:
            return
        try:
            for outcome in retry_pending(self.workspace, self.clock(), [schedule]):
                log.info("%s: mail retry: %s", name, outcome)
        except Exception:
            log.exception("%s: retrying mail failed; the next tick tries again", name)

    def _read(self, what: Callable[[Store], Any]) -> Any:
        with Store.open(self.workspace) as store:
            return what(store)

    def _slot_open(self, name: str, slot: datetime) -> bool:
        """Whether a slot still wants building: not done, attempts left, and no edition
        already stands for it (`Store.edition_covering`: one of its day or later whose
        window reaches it, made under an earlier set of edition times or by `--date`).

        Decided by the editions' dates and windows, not by when they were created: a
        replay of an earlier day (`briefing build --date <yesterday>`) made after the slot
        passed but before the daemon got to it (catching up, or woken from sleep) is not
        this slot's edition, and the daemon builds the slot. Nor is an edition made while
        the clock ran ahead (set to 2030 by mistake, then put right).
        """
        day = slot.astimezone(self.schedules[name].tz).date()
        now = self.clock()
        row, covering = self._read(lambda store: (store.slot(name, slot),
                                                  store.edition_covering(name, slot, day, now)))
        if covering is not None:
            return False
        return row is None or (row["state"] not in SLOT_DONE and int(row["attempts"]) < MAX_ATTEMPTS)

    def _record_failure(self, name: str, slot: datetime, by: str, outcome: str) -> None:
        with Store.open(self.workspace) as store:
            store.finish_slot(name, slot, "failed", self.clock(), note=outcome, by=by)

    def _run_child(self, kind: str, target: Callable[..., None],
                   args: tuple[Any, ...]) -> tuple[BaseProcess, str]:
        """Run `target` in a child process; kill it at the deadline. Returns the outcome."""
        proc = multiprocessing.get_context("spawn").Process(target=target, args=args, name=kind)
        with self._guard:
            if self._stopping:
                return proc, "not started: the daemon is stopping"
            proc.start()
            assert proc.pid is not None
            self._children[proc.pid] = (kind, proc)
        try:
            proc.join(self.deadline.total_seconds())
            if proc.is_alive():
                log.error("%s passed its deadline of %s; killing it", kind, self.deadline)
                _end(proc)
                return proc, f"killed at the deadline ({self.deadline})"
        finally:
            with self._guard:
                self._children.pop(proc.pid, None)
        if proc.exitcode == 0:
            return proc, "ok"
        if self._stopping:
            return proc, "interrupted: the daemon stopped"
        log.error("%s failed (exit code %s)", kind, proc.exitcode)
        return proc, f"failed (exit code {proc.exitcode})"


def _end(proc: BaseProcess) -> None:
    """SIGTERM to the child's process group, then SIGKILL if it does not go within five seconds."""
    for signum in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, signum)  # type: ignore[arg-type]
        except (ProcessLookupError, PermissionError):  # not yet its own group: just the child
            proc.kill() if signum == signal.SIGKILL else proc.terminate()
        proc.join(5)
        if not proc.is_alive():
            return


def status_report(workspace: Path, now: datetime) -> dict[str, Any]:
    """What `briefing status` shows: is the daemon alive, and per schedule the next edition
    and collection, the latest slots and editions, source health (`Store.source_report`:
    last success, last error, consecutive failures, articles in the last 7 days, silent
    since) and the pending and failed deliveries with the server's last reply."""
    from briefing.ledger import pending_deliveries
    from briefing.scheduler import next_slot

    schedules = load_schedules(workspace)
    with Store.open(workspace) as store:
        daemon = _daemon_state(workspace, store.heartbeat(), now)
        jobs: dict[str, Any] = daemon.pop("jobs")
        report = [{
            "schedule": s.name, "title": s.title, "timezone": s.timezone,
            "next_edition": _iso(next_slot(s, now), s),
            "next_collection": jobs.get(f"collect:{s.name}") if daemon["running"] else None,
            "slots": [jsonable(r) for r in store.list_slots(s.name, limit=5)],
            "editions": [jsonable(e) for e in store.list_editions(s.name, limit=5)],
            "sources": [jsonable(h) for h in store.source_report(s.name, now)],
            "deliveries": [jsonable(d) for d in pending_deliveries(store, s.name)],
        } for s in schedules]
    return {"daemon": daemon, "schedules": report}


def _daemon_state(workspace: Path, beat: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
    """Alive if it holds the workspace lock here, or (another host) its heartbeat is fresh."""
    if beat is None:
        return {"running": daemon_running(workspace), "jobs": {}, "last_beat": None}
    age = (now - beat["beat"]).total_seconds()
    fresh = beat["state"] == "running" and age < 3 * float(beat["info"].get("beat_every", HEARTBEAT_EVERY))
    running = daemon_running(workspace) or (fresh and beat["host"] != socket.gethostname())
    return {"running": running, "pid": beat["pid"], "host": beat["host"],
            "started": beat["started"].isoformat(), "last_beat": beat["beat"].isoformat(),
            "beat_age_seconds": round(age, 1), "state": beat["state"] if running else "stopped",
            "running_jobs": beat["info"].get("running", []) if running else [],
            "jobs": beat["info"].get("jobs", {})}


def _iso(moment: datetime | None, schedule: Schedule) -> str | None:
    return None if moment is None else moment.astimezone(schedule.tz).isoformat()


def jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """A state row for `briefing status --json`: dates and times as ISO strings."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()}
