"""Workspace file locks (under output/.state/): one process at a time for a job.

Why OS file locks (flock): the kernel drops them when their process dies, so a crash
never leaves a stale lock behind, and cron runs, the daemon and hand runs see the same
lock. Every lock here is exclusive; each caller chooses whether to wait for it.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["file_lock", "lock_path"]


def lock_path(workspace: Path, name: str) -> Path:
    """Where the workspace keeps the lock called `name`.

    Schedule and mail locks live in folders of their own ("schedules/<name>",
    "mail/<name>"): a schedule is named by its file, so a schedule called "daemon" or
    "x.mail" must not share the daemon's lock or schedule x's mail lock.
    """
    return workspace / "output" / ".state" / f"{name}.lock"


@contextmanager
def file_lock(path: Path, wait: bool = True) -> Iterator[bool]:
    """Hold `path` locked exclusively; yields False at once when `wait` is off and it is busy."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
