"""Workspace locks: each job's own file, exclusive, waiting or refused at once."""

from __future__ import annotations

from pathlib import Path

from briefing.daemon import daemon_running
from briefing.ledger import mail_lock
from briefing.locks import file_lock, lock_path
from briefing.pipeline import schedule_lock


def test_a_busy_lock_is_refused_at_once_when_not_waiting(tmp_path: Path) -> None:
    with mail_lock(tmp_path, "demo") as held:  # flock: a second open file conflicts, even in one process
        assert held
        with mail_lock(tmp_path, "demo", wait=False) as again:
            assert again is False
    with mail_lock(tmp_path, "demo", wait=False) as free:
        assert free


def test_schedule_names_never_share_another_jobs_lock(tmp_path: Path) -> None:
    with schedule_lock(tmp_path, "daemon"):
        assert not daemon_running(tmp_path)  # a schedule called "daemon" is not the daemon
    with schedule_lock(tmp_path, "x.mail"), mail_lock(tmp_path, "x", wait=False) as got:
        assert got  # nor is "x.mail" schedule x's mail lock


def test_daemon_probe_sees_a_held_daemon_lock(tmp_path: Path) -> None:
    assert not daemon_running(tmp_path)
    with file_lock(lock_path(tmp_path, "daemon")):
        assert daemon_running(tmp_path)
    assert not daemon_running(tmp_path)
