"""When the state database cannot be used: what went wrong, in words a user can act on.

Why a module of its own: the CLI turns these errors into a message and an exit code at
its boundary (`briefing.cli._errors`), but which database errors are about the file and
its disk, and what each means, is knowledge of the store. Only those are translated: a
database that is read-only, locked by another process, not a database, damaged, out of
disk or missing. Anything else (no such table, a constraint, a syntax error) is a bug
and keeps its traceback.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from briefing.errors import StateError

# SQLite's primary result codes (the low byte of an extended code).
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 3, 5, 6, 8, 10, 11, 13, 14, 26
_READONLY_DIRECTORY = _READONLY | (6 << 8)

_NEW_STATE = ("restore it from a backup, or move it aside to start an empty state (briefing then "
              "collects every article as new, and may publish again what it published before)")


def state_location(workspace: Path) -> str:
    """Where the state is, for messages: the SQLite file, or the URL without its password.

    Unlike `state_url` it creates nothing: it is called when opening the state failed.
    """
    url = os.environ.get("BRIEFING_STATE_URL")
    if not url:
        return str(workspace / "output" / ".state" / "state.db")
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - a malformed URL; never echo it (it may hold a password)
        return "the database of BRIEFING_STATE_URL"
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


def state_error(exc: BaseException, location: str) -> StateError | None:
    """The `StateError` an exception from the state database stands for, or None.

    None means the exception is not about the database being unusable (a bug, most
    likely): the caller lets it go on with its traceback.
    """
    from sqlalchemy.exc import DBAPIError, OperationalError

    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(orig, sqlite3.Error):
        return _sqlite_error(orig, location)
    if isinstance(exc, OperationalError):  # another database (PostgreSQL): not reachable, or refused
        first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
        return StateError(f"the state database {location} cannot be used: {first}",
                          hint="check that the database server runs and that BRIEFING_STATE_URL is right")
    return None


def _sqlite_error(orig: sqlite3.Error, path: str) -> StateError | None:
    code = getattr(orig, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return None
    primary = code & 0xFF
    folder = os.path.dirname(path) or "."
    said = f"SQLite: {orig}"
    if code == _READONLY_DIRECTORY:
        return StateError(
            f"{path} cannot be used: its folder {folder} is read-only, and SQLite needs to create "
            f"the database's journal files ({os.path.basename(path)}-wal, -shm) there ({said})",
            hint=f"make {folder} writable by the user that runs briefing, then run again")
    if primary == _READONLY:
        return StateError(
            f"{path} is read-only: briefing cannot record what it collects, builds or sends "
            f"({said})",
            hint=f"make {path} and its folder writable by the user that runs briefing "
                 f"(e.g. chmod u+w {path}), then run again")
    if primary in (_BUSY, _LOCKED):
        from briefing.store.core import BUSY_TIMEOUT_MS

        return StateError(
            f"{path} is locked by another process: it was still busy after this command waited "
            f"{BUSY_TIMEOUT_MS / 1000:g} s for it ({said})",
            hint="another briefing (the daemon `briefing run`, a build or a collection) or a program "
                 "holding the database open is using it; run again when it has finished, or stop it")
    if primary == _NOTADB:
        return StateError(
            f"{path} is not a SQLite database (the file holds something else, or is damaged), "
            f"so the state cannot be read ({said})",
            hint=_NEW_STATE)
    if primary == _CORRUPT:
        return StateError(f"{path} is damaged and the state cannot be read ({said})",
                          hint=f"try `sqlite3 {path} .recover`, or {_NEW_STATE}")
    if primary == _FULL:
        return StateError(f"the disk holding {path} is full ({said})",
                          hint="free some space on that disk, then run again")
    if primary == _IOERR:
        return StateError(f"{path} could not be read or written: the disk reported an error ({said})",
                          hint="check the disk (is it still mounted? full? failing?), then run again")
    if primary == _CANTOPEN:
        return StateError(f"{path} cannot be opened: {_why_not_open(path, folder)} ({said})",
                          hint=f"check that {folder} exists and that the user that runs briefing can "
                               "read and write it and the file; run from the workspace or pass --workspace")
    if primary == _PERM:
        return StateError(f"{path}: access denied ({said})",
                          hint="check the permissions of the file and its folder")
    return None


def _why_not_open(path: str, folder: str) -> str:
    if not os.path.isdir(folder):
        return f"its folder {folder} does not exist (a disk not mounted, or a folder removed?)"
    if os.path.isdir(path):
        return "it is a folder, not a database file"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"its folder {folder} is read-only (SQLite creates its journal files there)"
    return "the file or its folder cannot be read or written"
