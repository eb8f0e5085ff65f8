"""Crash consistency: a build killed (SIGKILL) or failing at any point loses no article,
publishes none twice and mails each recipient each edition once.

Every scenario is a real build in a child process against a real SQLite state, a real
folder source and a real SMTP server (aiosmtpd); the child kills itself with SIGKILL at a
chosen point (a pipeline stage, or just before or after a chosen function returns).
Then the build and the mail retry run again, twice, and the invariants are checked
against the state, the archive on disk and what the SMTP server received.

The one honest exception is the window between the server's 250 to DATA and the
ledger's commit: the retry sends a second copy, carrying the same Message-ID.
"""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import DEMO_NOW, REPO, make_workspace
from smtp_server import Mailbox, smtp_server
from test_mail import ARTICLES as MAIL_ARTICLES

from briefing import archive, ledger
from briefing.claims import SlotClaim
from briefing.config import load_schedule
from briefing.daemon import status_report
from briefing.pipeline import BuildResult, build
from briefing.store import Store
from briefing.store.slots import ClaimLost

ARTICLES = {  # test_mail's two stories and a third, so a crash can fall between incidents
    **MAIL_ARTICLES,
    "museum.txt": "Museum reopens after repairs\n\nThe city museum reopened on Sunday after two "
                  "years of repairs to its roof. Visitors queued from early morning. "
                  "Entry is free for the first week.",
}

# A zygote process imports briefing once, then forks one child build per line it reads
# ("<workspace> <point>"), reporting "<point> <wait status>". The child SIGKILLs itself at
# the chosen point: "stage:<name>" (the pipeline's stage callback), or
# "before|after:<module>:<attribute path>:<n>" (around the n-th call). Forking from one
# single-threaded process keeps dozens of real killed builds within the time budget.
ZYGOTE = r"""
import importlib, os, signal, sys
from datetime import datetime
from pathlib import Path
import briefing.pipeline, briefing.ledger, briefing.render, briefing.group, briefing.summarize
from briefing.config import load_schedule
now = datetime.fromisoformat(sys.argv[1])
warm = Path(sys.argv[2])  # a dry run first loads every lazy import once, before the forks
briefing.pipeline.build(load_schedule(warm / "schedules" / "news.toml"), warm, now, dry_run=True)

def run(ws, point):
    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def on_stage(stage):
        if point == "stage:" + stage:
            die()

    if not point.startswith("stage:"):
        when, module, path, nth = point.split(":")
        owner = importlib.import_module(module)
        *parents, name = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        original, calls = getattr(owner, name), [0]
        def wrapper(*args, **kwargs):
            calls[0] += 1
            if when == "before" and calls[0] == int(nth):
                die()
            result = original(*args, **kwargs)
            if when == "after" and calls[0] == int(nth):
                die()
            return result
        setattr(owner, name, wrapper)
    briefing.pipeline.build(load_schedule(ws / "schedules" / "news.toml"), ws, now, on_stage=on_stage)

children = {}
for line in sys.stdin:
    ws, point = line.split()
    pid = os.fork()
    if pid == 0:
        try:
            run(Path(ws), point)
        finally:
            os._exit(0)
    children[pid] = point
for pid, point in children.items():
    print(point, os.waitpid(pid, 0)[1], flush=True)
"""

KILL_POINTS = [
    "stage:collect",
    "stage:render",
    "after:briefing.archive:atomic_write:1",        # inside the edition's temporary folder
    "after:briefing.archive:_reserve:1",             # final folder reserved, still empty
    "after:briefing.archive:write_edition:1",        # edition on disk, not committed
    "stage:commit",
    "after:briefing.store:Store.commit_edition:1",   # committed with its slot, index not rebuilt yet
    "stage:index",
    "after:briefing.archive:atomic_write:3",         # index.html rewritten, feed.xml not yet
    "after:briefing.archive:rebuild_indexes:1",      # indexes done, mail not sent
    "after:briefing.store:Store.start_attempt:1",    # attempt claimed, server not contacted
    "after:briefing.mail:SMTPTransport.send:1",      # 250 to DATA, ledger not updated
    "after:briefing.store:Store.finish_delivery:1",  # first recipient recorded as sent
]
# The one point where a second copy is the honest limit (README, Email).
DATA_WINDOW = "after:briefing.mail:SMTPTransport.send:1"


def _workspace(root: Path, tag: str, empty: str = "skip") -> Path:
    to = f'"ana-{tag}@example.org", "ben-{tag}@example.org"'
    ws = make_workspace(root, ARTICLES, schedule="news",
                        extra=f'\n[edition]\nformats = ["html", "json"]\nempty = "{empty}"\n\n'
                              f'[email]\nto = [{to}]\n')
    return ws


def _schedule(ws: Path):  # type: ignore[no-untyped-def]
    return load_schedule(ws / "schedules" / "news.toml")


def _killed_builds(spaces: dict[str, Path], env: dict[str, str], warm: Path) -> dict[str, int]:
    """Run one build per (point, workspace) in forked children; their wait statuses."""
    lines = "".join(f"{ws} {point}\n" for point, ws in spaces.items())
    done = subprocess.run([sys.executable, "-c", ZYGOTE, DEMO_NOW.isoformat(), str(warm)], input=lines,
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return {point: int(status) for point, status in
            (line.rsplit(" ", 1) for line in done.stdout.splitlines())}


def _env(port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "BRIEFING_STATE_URL"}
    env.update(BRIEFING_SMTP_URL=f"smtp://127.0.0.1:{port}?starttls=never&timeout=10",
               BRIEFING_MAIL_FROM="Desk <briefing@desk.example>", PYTHONPATH=str(REPO))
    return env


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    with smtp_server(box) as port:
        for key, value in _env(port).items():
            if key.startswith("BRIEFING"):
                monkeypatch.setenv(key, value)
        monkeypatch.delenv("BRIEFING_STATE_URL", raising=False)
        yield box, port


def _recover(ws: Path, hours: int) -> BuildResult:
    """What happens next: a build (cron, daemon or by hand) and a daemon mail tick."""
    result = build(_schedule(ws), ws, DEMO_NOW + timedelta(hours=hours))
    ledger.retry_pending(ws, DEMO_NOW + timedelta(hours=hours, minutes=30), [_schedule(ws)])
    return result


def _indexed(ws: Path) -> set[str]:
    """Edition folders the archive index and the Atom feed link to (relative to output/)."""
    root = ws / "output" / "news"
    index = set(re.findall(r'href="(\d{4}/\d{2}/\d{2}(?:-\d+)?)/index\.html"',
                           (root / "index.html").read_text(encoding="utf-8")))
    feed = set(re.findall(r'href="(\d{4}/\d{2}/\d{2}(?:-\d+)?)/index\.html"',
                          (root / "feed.xml").read_text(encoding="utf-8")))
    assert index == feed, (index, feed)
    return {f"news/{rel}" for rel in index}


def check_invariants(ws: Path, box: Mailbox, tag: str, *, data_window: bool = False) -> None:
    """Every article in exactly one committed edition; archive, index and ledger agree;
    each recipient got each edition once (twice, same Message-ID, in the DATA window)."""
    output = ws / "output"
    with Store.open(ws) as store:
        editions = store.list_editions("news", limit=100)
        committed = {str(e["path"]) for e in editions}
        assert store.pending_articles("news") == []
        rows = store.deliveries("news")
        slots = store.list_slots("news", limit=100)
        known = {a for a, in sqlite3.connect(output / ".state" / "state.db").execute(
            "select id from articles where schedule = 'news'")}
    assert len(known) == len(ARTICLES)
    # Each article is published in exactly one committed edition.
    published: Counter[str] = Counter()
    for path in committed:
        data = json.loads((output / path / "briefing.json").read_text(encoding="utf-8"))
        for incident in data["incidents"]:
            published.update(a["id"] for a in incident["articles"])
    assert set(published) == known and set(published.values()) == {1}, published
    # On disk: exactly the committed editions, no hidden leftovers; the index lists them all.
    on_disk = {str(e.path.relative_to(output)) for e in archive.edition_dirs(output, "news", read=False)}
    assert on_disk == committed
    assert not list((output / "news").glob("[0-9]*/[0-9]*/.*"))
    assert _indexed(ws) == committed
    # The slot is recorded built, with its edition: what `briefing status` shows and what
    # keeps a second build of it from publishing again.
    assert slots and all(s["state"] == "built" and s["edition_path"] in committed for s in slots), slots
    # Mail: one row per (edition, recipient), sent; the server got it with that Message-ID.
    recipients = {f"ana-{tag}@example.org", f"ben-{tag}@example.org"}
    assert {(r["edition_id"], r["recipient"]) for r in rows} == \
        {(e["id"], r) for e in editions for r in recipients}
    assert all(r["status"] == "sent" for r in rows), rows
    for address in recipients:
        got = Counter(m.message["Message-ID"] for m in box.to(address))
        expected = {r["message_id"] for r in rows if r["recipient"] == address}
        assert set(got) == expected, (got, expected)
        copies = sorted(got.values())
        if data_window and address == f"ana-{tag}@example.org":
            assert copies in ([1], [2]), copies  # a second copy, same Message-ID
        else:
            assert set(copies) == {1}, got


def test_sigkill_at_every_point_then_recovery_keeps_the_rules(
        tmp_path: Path, mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    env = _env(port)
    spaces = {point: _workspace(tmp_path / f"ws{n}", str(n)) for n, point in enumerate(KILL_POINTS)}
    statuses = _killed_builds(spaces, env, _workspace(tmp_path / "warm", "warm"))
    assert statuses == {point: signal.SIGKILL for point in KILL_POINTS}  # each died where told
    for n, (point, ws) in enumerate(spaces.items()):
        _recover(ws, 1)
        _recover(ws, 2)  # and once more: nothing new, nothing sent again
        try:
            check_invariants(ws, box, str(n), data_window=point == DATA_WINDOW)
        except AssertionError as exc:
            raise AssertionError(f"after SIGKILL at {point}: {exc}") from exc
    # The DATA window really sends a second copy; it carries the same Message-ID.
    window = str(KILL_POINTS.index(DATA_WINDOW))
    assert len({m.message["Message-ID"] for m in box.to(f"ana-{window}@example.org")}) == 1
    assert len(box.to(f"ana-{window}@example.org")) == 2


def test_two_builds_of_one_schedule_at_once_publish_and_mail_once(
        tmp_path: Path, mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    ws = _workspace(tmp_path, "twin")
    env = _env(port)
    command = [sys.executable, "-m", "briefing", "build", "news", "--workspace", str(ws)]
    children = [subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [c.communicate(timeout=120) for c in children]
    assert [c.returncode for c in children] == [0, 0], outputs
    check_invariants(ws, box, "twin")
    with Store.open(ws) as store:
        assert len(store.list_editions("news")) == 1


def _fail_nth_write(monkeypatch: pytest.MonkeyPatch, nth: int) -> list[Path]:
    """The disk fills up at the n-th atomic write of the archive: ENOSPC from the write."""
    calls: list[Path] = []
    original = archive.atomic_write

    def write(path: Path, data: bytes | str) -> None:
        calls.append(path)
        if len(calls) == nth:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        original(path, data)

    monkeypatch.setattr(archive, "atomic_write", write)
    return calls


@pytest.mark.parametrize("nth", [1, 2, 3, 5])
def test_full_disk_while_writing_the_edition_or_its_index(
        tmp_path: Path, mailbox: tuple[Mailbox, int], monkeypatch: pytest.MonkeyPatch, nth: int) -> None:
    """Writes 1-2 are the edition's files, 3 index.html, 4 feed.xml, 5 an incident page."""
    box, _ = mailbox
    ws = _workspace(tmp_path, f"full{nth}")
    with monkeypatch.context() as patch:
        calls = _fail_nth_write(patch, nth)
        try:
            result = build(_schedule(ws), ws, DEMO_NOW)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
            result = None
    assert len(calls) >= nth
    if nth <= 2:  # the edition was not written: nothing is committed, nothing is left over
        assert result is None
        assert archive.edition_dirs(ws / "output", "news", read=False) == []
        with Store.open(ws) as store:
            assert store.list_editions("news") == [] and len(store.pending_articles("news")) == 3
    else:  # committed: the build says published, and the full disk is a problem of it
        assert result is not None and result.status == "published", result
        assert any(p.stage == "index" for p in result.problems), result.problems
    _recover(ws, 1)
    _recover(ws, 2)
    check_invariants(ws, box, f"full{nth}")


def test_a_read_only_state_fails_cleanly_and_writes_no_edition(
        tmp_path: Path, mailbox: tuple[Mailbox, int], monkeypatch: pytest.MonkeyPatch) -> None:
    box, _ = mailbox
    ws = _workspace(tmp_path, "ro")
    (ws / "output" / ".state").mkdir(parents=True)
    db = ws / "output" / ".state" / "state.db"
    Store.open(ws).close()  # the tables exist
    monkeypatch.setenv("BRIEFING_STATE_URL", f"sqlite:///file:{db}?mode=ro&uri=true")
    with pytest.raises(Exception, match="readonly|read-only|read only"):
        build(_schedule(ws), ws, DEMO_NOW)
    assert archive.edition_dirs(ws / "output", "news", read=False) == []
    assert box.received == []
    monkeypatch.delenv("BRIEFING_STATE_URL")
    _recover(ws, 1)
    check_invariants(ws, box, "ro")


def test_a_state_locked_by_another_writer_is_waited_for(
        tmp_path: Path, mailbox: tuple[Mailbox, int]) -> None:
    """Another process holds the database's write lock as the edition commits: the build
    waits for it (SQLite busy timeout) instead of failing with a written, uncommitted edition."""
    box, _ = mailbox
    ws = _workspace(tmp_path, "locked")
    db = ws / "output" / ".state" / "state.db"
    release = threading.Event()
    holder: list[sqlite3.Connection] = []

    def lock_at_commit(stage: str) -> None:
        if stage == "commit":
            conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
            conn.execute("BEGIN EXCLUSIVE")
            holder.append(conn)
            threading.Timer(0.5, release.set).start()
            threading.Thread(target=lambda: (release.wait(), conn.execute("ROLLBACK"))).start()

    result = build(_schedule(ws), ws, DEMO_NOW, on_stage=lock_at_commit)
    assert holder and release.is_set()
    assert result.status == "published"
    _recover(ws, 1)
    check_invariants(ws, box, "locked")


class _Killed(BaseException):
    """Stands for the process dying: no `except Exception` in the build catches it."""


def test_a_crash_right_after_the_commit_leaves_the_left_out_articles_consumed(
        tmp_path: Path, mailbox: tuple[Mailbox, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """Articles left out of an edition (over max_incidents) are consumed with it; a crash
    just after the edition's commit must not make them the next build's edition instead."""
    ws = make_workspace(tmp_path, ARTICLES, schedule="news",
                        extra='\n[edition]\nmax_incidents = 1\nformats = ["html", "json"]\n')
    original = Store.commit_edition

    def commit_then_die(self: Store, *args: object, **kwargs: object) -> int:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        raise _Killed

    with monkeypatch.context() as patch:
        patch.setattr(Store, "commit_edition", commit_then_die)
        with pytest.raises(_Killed):
            build(_schedule(ws), ws, DEMO_NOW)
    again = build(_schedule(ws), ws, DEMO_NOW + timedelta(hours=1))
    assert again.status == "empty", again.message
    with Store.open(ws) as store:
        assert len(store.list_editions("news")) == 1 and store.pending_articles("news") == []


def test_a_stale_index_is_rebuilt_by_a_quiet_build_but_not_by_a_dry_run(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, ARTICLES, schedule="news",
                        extra='\n[edition]\nformats = ["html", "json"]\n')
    assert build(_schedule(ws), ws, DEMO_NOW).status == "published"
    root = ws / "output" / "news"
    (root / "index.html").unlink()
    (root / archive.INDEXED).unlink()
    assert build(_schedule(ws), ws, DEMO_NOW + timedelta(hours=1), dry_run=True).status == "empty"
    assert not (root / "index.html").exists() and not (root / archive.INDEXED).exists()
    assert build(_schedule(ws), ws, DEMO_NOW + timedelta(hours=2)).status == "empty"
    assert _indexed(ws) == {"news/2026/11/23"}


SLOT = DEMO_NOW.replace(hour=6, minute=30)  # the default edition time, "06:30" UTC
AFTER_COMMIT = "after:briefing.store:Store.commit_edition:1"  # the edition committed, nothing after it


@pytest.mark.parametrize("successor", ["daemon", "waiting build"])
def test_a_build_killed_after_its_commit_leaves_its_slot_built(
        tmp_path: Path, mailbox: tuple[Mailbox, int], monkeypatch: pytest.MonkeyPatch,
        successor: str) -> None:
    """SIGKILL between the edition's commit and the end of the build: the slot counts as
    built (status says so, with the edition) and, with empty = "publish", neither the
    daemon's build of that slot nor a build that waited for the lock meanwhile publishes
    a second (quiet-day) edition; the first edition's mail goes out once."""
    box, port = mailbox
    ws = _workspace(tmp_path / "ws", "slot", empty="publish")
    warm = _workspace(tmp_path / "warm", "warm")

    def killed() -> None:
        assert _killed_builds({AFTER_COMMIT: ws}, _env(port), warm) == {AFTER_COMMIT: signal.SIGKILL}

    later = DEMO_NOW + timedelta(hours=1)
    if successor == "daemon":
        killed()
        result = build(_schedule(ws), ws, later, slot=SLOT, claimed_by="daemon:test:1")
    else:  # it found the slot unbuilt, then waited for the schedule lock while the other built and died
        original = SlotClaim.prepare

        def prepare(*args: object, **kwargs: object) -> SlotClaim:
            claim = original(*args, **kwargs)  # type: ignore[arg-type]
            killed()
            return claim

        with monkeypatch.context() as patch:
            patch.setattr(SlotClaim, "prepare", prepare)
            result = build(_schedule(ws), ws, later)
    assert result.status == "skipped", result.message
    with Store.open(ws) as store:
        [edition] = store.list_editions("news")
    [row] = status_report(ws, later)["schedules"][0]["slots"]
    assert (row["state"], row["edition_path"]) == ("built", edition["path"]), row
    for minutes in (30, 90):  # the daemon's mail ticks
        ledger.retry_pending(ws, later + timedelta(minutes=minutes), [_schedule(ws)])
    check_invariants(ws, box, "slot")


def test_a_build_whose_claim_was_taken_over_commits_nothing(
        tmp_path: Path, mailbox: tuple[Mailbox, int]) -> None:
    """Builders that share the state but not the schedule lock (another host): one takes
    the other's claim over as stale while it still builds. The first one's commit is
    refused and rolled back, so the slot gets one edition, the second builder's."""
    box, _ = mailbox
    ws = _workspace(tmp_path, "lost", empty="publish")
    other = "daemon:elsewhere:1"

    def take_over(stage: str) -> None:
        if stage == "commit":
            with Store.open(ws) as store:
                assert store.claim_slot("news", SLOT, other, DEMO_NOW)

    with pytest.raises(ClaimLost, match="claimed by daemon:elsewhere:1"):
        build(_schedule(ws), ws, DEMO_NOW, on_stage=take_over)
    with Store.open(ws) as store:
        assert store.list_editions("news") == [] and len(store.pending_articles("news")) == 3
        row = store.slot("news", SLOT)
        assert row is not None and (row["state"], row["claimed_by"]) == ("claimed", other)
    result = build(_schedule(ws), ws, DEMO_NOW + timedelta(minutes=5), slot=SLOT, claimed_by=other)
    assert result.status == "published", result.message
    ledger.retry_pending(ws, DEMO_NOW + timedelta(hours=1), [_schedule(ws)])
    check_invariants(ws, box, "lost")
