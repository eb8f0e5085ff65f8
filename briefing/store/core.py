"""The connection to the state: which database, its SQLite settings, and transactions.

Why a module of its own: every job's mixin (articles, health, deliveries, slots) needs
the same engine and the same `transaction()`; this base class is the one place that
opens it, so the jobs hold only their queries.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Connection, Select, create_engine, event, text
from sqlalchemy.engine import Engine

from briefing.errors import StateError
from briefing.store.schema import create_tables

# How long a write waits for another process's write lock before "database is locked".
BUSY_TIMEOUT_MS = 30_000


def state_url(workspace: Path) -> str:
    """`BRIEFING_STATE_URL` if set, else SQLite at output/.state/state.db."""
    url = os.environ.get("BRIEFING_STATE_URL")
    if url:
        return url
    folder = workspace / "output" / ".state"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StateError(
            f"{folder / 'state.db'}: the state database's folder cannot be created "
            f"({exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''})",
            hint=f"check that {workspace} is the workspace, that its disk is mounted and that "
                 f"{folder} can be created there (a file in its place, or a read-only folder, "
                 "stops it)") from None
    return f"sqlite:///{folder / 'state.db'}"


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
    cursor.close()


class StoreBase:
    """The engine and transactions that every part of the `Store` shares."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url, future=True)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        create_tables(self.engine)

    @classmethod
    def open(cls, workspace: Path) -> Self:
        return cls(state_url(workspace))

    def close(self) -> None:
        self.engine.dispose()

    def check_writable(self) -> None:
        """Take the write lock and let it go, changing nothing.

        Raises the database's own error now (read-only, locked) rather than in the middle
        of a job; `state_error` turns it into words.
        """
        with self.transaction() as conn:
            conn.execute(text("UPDATE heartbeats SET pid = pid WHERE 1 = 0"))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    def _rows(self, query: Select[Any]) -> list[dict[str, Any]]:
        """Every row of a query as a dict: what status, the ledger and the daemon read."""
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def _first(self, query: Select[Any]) -> dict[str, Any] | None:
        """The query's first row as a dict, or None."""
        found = self._rows(query.limit(1))
        return found[0] if found else None
