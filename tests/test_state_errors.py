"""A state database that cannot be used: every command says so in words, and exits 1.

Real SQLite files, through the command line (click's CliRunner, exceptions not caught, so
a raw SQLAlchemy error fails the test): read-only, its folder read-only, garbage bytes,
locked by another process, its folder missing. Each test also checks that nothing was
published, and, where it can, that the same command works once the trouble is gone.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import make_workspace

from briefing.cli import main

ARTICLE = ("Harbour bridge reopens after repairs\n\n"
           + " ".join(f"The bridge authority said on day {i} that repairs to the harbour crossing had "
                      f"reached stage {i}, and that traffic would return within {i + 2} weeks."
                      for i in range(1, 9)))


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def assert_state_error(result: Result, db: Path, *words: str) -> None:
    """Exit code 1, one message naming the database and the trouble, and no traceback."""
    assert result.exit_code == 1, result.output
    message = " ".join(result.stderr.split())  # rich wraps the hint at 80 columns
    assert message.startswith("error: "), message
    assert str(db) in message, message
    for word in words:
        assert word in message, message
    assert "hint: " in message
    assert "Traceback" not in result.output and "sqlalchemy" not in result.output


def published(workspace: Path) -> list[Path]:
    return sorted((workspace / "output" / "test").glob("*/*/*/index.html"))


@pytest.fixture
def collected(tmp_path: Path) -> Path:
    """A workspace whose state holds one collected, unpublished article."""
    workspace = make_workspace(tmp_path / "ws", {"bridge.txt": ARTICLE})
    result = cli("collect", "--workspace", str(workspace))
    assert result.exit_code == 0, result.output
    return workspace


def state_db(workspace: Path) -> Path:
    return workspace / "output" / ".state" / "state.db"


@contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """Make a file or folder unwritable, also for root (which writes through file modes).

    As root the immutable flag (chattr +i) stops writes; where the file system or the
    missing capability refuses it, the test is skipped, saying why.
    """
    mode = path.stat().st_mode
    if os.geteuid() != 0:
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("running as root, where chmod does not stop writes, and chattr +i is not available here")
    try:
        yield
    finally:
        subprocess.run([str(chattr), "-i", str(path)], check=True)


def test_read_only_database_stops_every_writing_command_in_words(collected: Path) -> None:
    db = state_db(collected)
    before = db.read_bytes()
    with unwritable(db):
        for args in (["build"], ["collect"], ["run", "--once"]):
            assert_state_error(cli(*args, "--workspace", str(collected)), db, "is read-only", "chmod")
        assert published(collected) == []
        # Reading needs no writes: status still works on a read-only state.
        assert cli("status", "--workspace", str(collected)).exit_code == 0
    assert db.read_bytes() == before
    result = cli("build", "--workspace", str(collected))
    assert result.exit_code == 0, result.output
    assert len(published(collected)) == 1


def test_read_only_state_folder_says_the_folder_is_read_only(collected: Path) -> None:
    db = state_db(collected)
    for journal in (db.with_name("state.db-wal"), db.with_name("state.db-shm")):
        assert not journal.exists()  # closed cleanly: the next open must create them
    with unwritable(db.parent):
        assert_state_error(cli("build", "--workspace", str(collected)), db, str(db.parent), "read-only")
        assert published(collected) == []
    result = cli("build", "--workspace", str(collected))
    assert result.exit_code == 0, result.output
    assert len(published(collected)) == 1


def test_garbage_file_is_named_as_not_a_database_and_left_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFING_SMTP_URL", "smtp://127.0.0.1:9")  # never reached: the state fails first
    monkeypatch.setenv("BRIEFING_MAIL_FROM", "briefing@example.org")
    workspace = make_workspace(tmp_path / "ws", {"bridge.txt": ARTICLE})
    db = state_db(workspace)
    db.parent.mkdir(parents=True)
    garbage = bytes(range(256)) * 64
    db.write_bytes(garbage)
    send = ["send", "test", "--to", "reader@example.org"]
    for args in (["build"], ["collect"], ["status"], send, ["run", "--once"]):
        assert_state_error(cli(*args, "--workspace", str(workspace)), db, "is not a SQLite database")
    assert db.read_bytes() == garbage  # never overwritten: it may be someone's data
    assert published(workspace) == []


def test_locked_database_fails_after_the_busy_timeout_and_loses_nothing(
        collected: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from briefing.store import core

    monkeypatch.setattr(core, "BUSY_TIMEOUT_MS", 200)
    db = state_db(collected)
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        for args in (["build"], ["collect"], ["run", "--once"]):
            assert_state_error(cli(*args, "--workspace", str(collected)), db, "is locked by another process",
                               "0.2 s")
        assert published(collected) == []
    finally:
        holder.close()
    result = cli("build", "--workspace", str(collected))  # the collected article is still pending
    assert result.exit_code == 0, result.output
    assert "1 articles" in result.output
    assert len(published(collected)) == 1


def test_missing_state_folder_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = make_workspace(tmp_path / "ws", {"bridge.txt": ARTICLE})
    db = tmp_path / "unmounted" / "disk" / "state.db"
    monkeypatch.setenv("BRIEFING_STATE_URL", f"sqlite:///{db}")
    for args in (["build"], ["status"]):
        assert_state_error(cli(*args, "--workspace", str(workspace)), db, "does not exist")
    assert published(workspace) == []


def test_state_folder_that_cannot_be_created_is_named(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path / "ws", {"bridge.txt": ARTICLE})
    (workspace / "output").write_text("not a folder", encoding="utf-8")
    for args in (["build"], ["collect"], ["status"]):
        assert_state_error(cli(*args, "--workspace", str(workspace)), state_db(workspace),
                           "folder cannot be created")


def test_database_errors_that_are_bugs_are_not_translated(tmp_path: Path) -> None:
    """A missing table or a bad statement is a bug: it keeps its traceback."""
    from briefing.store import failures

    connection = sqlite3.connect(tmp_path / "state.db")
    for statement in ("SELECT * FROM no_such_table", "SELEC 1"):
        with pytest.raises(sqlite3.OperationalError) as raised:
            connection.execute(statement)
        assert failures.state_error(raised.value, str(tmp_path / "state.db")) is None
    connection.close()
    assert failures.state_error(ValueError("not a database error"), "state.db") is None
