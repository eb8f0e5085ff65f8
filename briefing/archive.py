"""The archive on disk: edition folders, atomic writes, the index, the feed, incident pages.

Layout (DESIGN.md)::

    output/<schedule>/<YYYY>/<MM>/<DD>/{index.html,briefing.pdf,briefing.json}
    output/<schedule>/<YYYY>/<MM>/<DD>-2/      a second edition on the same date
    output/<schedule>/index.html               editions newest first, grouped by month
    output/<schedule>/feed.xml                 Atom feed of editions
    output/<schedule>/incidents/<id>.html      one incident across editions

Two rules make the archive trustworthy:

* **Nothing is ever half written.** Every file goes to a temporary file in the same
  folder, is fsynced and renamed over the target; an edition folder is filled as a
  hidden temporary folder and renamed into place, so a crash leaves either no edition
  or a whole one. An existing edition folder is never overwritten.
* **Indexes come from what is on disk.** The index, feed and incident pages are rebuilt
  from the ``briefing.json`` files in the archive, so they can never disagree with it.

Retention (`remove_expired`) and the read-only local server (`serve`) live here too;
the pages themselves are built in `briefing.pages`. This module does I/O and logging,
never printing.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import unquote

import jinja2

from briefing.errors import ConfigError
from briefing.models import Edition
from briefing.pages import feed_xml, incident_pages, index_html

log = logging.getLogger(__name__)

_DAY_DIR = re.compile(r"^(\d{2})(?:-(\d+))?$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
ASIDE = ".uncommitted"
INDEXED = ".indexed"  # in output/<schedule>/: the edition folders the indexes were built from


# --- atomic writes -------------------------------------------------------------------


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write a file so readers see the old content or the new, never a mix.

    Temporary file in the same folder (same file system, so the rename is atomic),
    fsync, `os.replace`, then fsync the folder so the rename itself survives a crash.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Persist a folder's entries (renames); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- edition folders -----------------------------------------------------------------


def schedule_root(output: Path, schedule: str) -> Path:
    """``output/<schedule>``, refusing a schedule name that is not one plain folder name.

    Why: a schedule is named by its file's stem, and ``schedules/...toml`` is named
    ``..``: its archive went to the workspace folder itself, outside ``output/`` (its
    index.html, feed.xml and incidents/, where stale pages are deleted).
    """
    if schedule in ("", ".", "..") or any(ch in schedule for ch in "/\\\0"):
        raise ConfigError(f"schedule name {schedule!r} cannot name an archive folder",
                          "rename its file in schedules/ to a plain name, e.g. morning.toml")
    return output / schedule


def _month_dir(output: Path, schedule: str, day: date) -> Path:
    return schedule_root(output, schedule) / f"{day:%Y}" / f"{day:%m}"


def next_edition_dir(output: Path, schedule: str, day: date) -> Path:
    """The first free edition folder for a date: ``DD``, then ``DD-2``, ``DD-3``..."""
    month = _month_dir(output, schedule, day)
    candidate, n = month / f"{day:%d}", 2
    while candidate.exists():
        candidate, n = month / f"{day:%d}-{n}", n + 1
    return candidate


def write_edition(output: Path, edition: Edition, files: Mapping[str, bytes]) -> Path:
    """Write an edition's files into a new edition folder and return that folder.

    The files are written into a hidden temporary folder first; the final name is
    reserved with an exclusive `mkdir` (so two writers can never pick the same one) and
    the temporary folder is renamed over the empty reservation.
    """
    for name in files:
        if not _FILE_NAME.match(name):
            raise ValueError(f"edition file name {name!r} is not a plain file name")
    month = _month_dir(output, edition.schedule, edition.date)
    month.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=month, prefix=f".{edition.date:%d}.", suffix=".tmp"))
    try:
        for name, data in files.items():
            atomic_write(tmp / name, data)
        os.chmod(tmp, 0o755)
        final = _reserve(output, edition.schedule, edition.date)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync_dir(month)
    log.info("wrote edition %s", final)
    return final


def _reserve(output: Path, schedule: str, day: date) -> Path:
    while True:
        candidate = next_edition_dir(output, schedule, day)
        try:
            candidate.mkdir()
        except FileExistsError:
            continue  # another writer took it between the check and the mkdir
        return candidate


@dataclass(frozen=True, slots=True)
class ArchivedEdition:
    """One edition folder on disk and its ``briefing.json`` (None if unreadable)."""

    path: Path
    rel: str  # relative to output/<schedule>/, with forward slashes: "2026/01/28-2"
    day: date
    number: int  # 1 for DD, 2 for DD-2...
    data: dict[str, Any] | None


def edition_dirs(output: Path, schedule: str, *, read: bool = True) -> list[ArchivedEdition]:
    """Every edition folder of a schedule, newest first; hidden folders are skipped.

    With `read` off the folders' briefing.json are not read (`data` is None): moving
    and deleting folders needs only their names, and a build does both before the
    index rebuild reads them all.
    """
    root = schedule_root(output, schedule)
    found = []
    for month in sorted(root.glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]")):
        for folder in month.iterdir():
            match = _DAY_DIR.match(folder.name)
            if not match or not folder.is_dir():
                continue
            try:
                day = date(int(month.parent.name), int(month.name), int(match[1]))
            except ValueError:
                continue
            rel = f"{month.parent.name}/{month.name}/{folder.name}"
            found.append(ArchivedEdition(folder, rel, day, int(match[2] or 1),
                                         _read_json(folder / "briefing.json") if read else None))
    return sorted(found, key=lambda e: (e.day, e.number), reverse=True)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("cannot read %s: %s", path, exc)
        return None
    return data if isinstance(data, dict) else None


def remove_uncommitted(output: Path, schedule: str, committed: Collection[str]) -> list[Path]:
    """Move edition folders the state store never committed out of the archive.

    Such a folder is what a crash between writing and committing leaves; its articles
    were not consumed and will be published again, so it must not stay listed. It is
    moved to ``output/<schedule>/.uncommitted/`` rather than deleted, so that even a
    lost state database never costs a published edition. `committed` holds folders
    relative to `output` (``demo/2026/01/28``). Leftover hidden temporary folders of
    interrupted writes are deleted. Call this under the schedule's lock.
    """
    keep = {PurePath(p).parts for p in committed}
    moved = []
    for month in schedule_root(output, schedule).glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]"):
        for leftover in month.glob(".*.tmp"):
            shutil.rmtree(leftover, ignore_errors=True)
    for entry in edition_dirs(output, schedule, read=False):
        if entry.path.relative_to(output).parts in keep:
            continue
        aside = schedule_root(output, schedule) / ASIDE
        aside.mkdir(exist_ok=True)
        target, n = aside / entry.rel.replace("/", "-"), 2
        while target.exists():
            target, n = aside / f"{entry.rel.replace('/', '-')}.{n}", n + 1
        os.replace(entry.path, target)
        log.warning("moved uncommitted edition %s to %s", entry.path, target)
        moved.append(target)
    return moved


# --- indexes -------------------------------------------------------------------------


def rebuild_indexes(
    output: Path,
    schedule: str,
    env: jinja2.Environment,
    *,
    title: str,
    base_url: str | None = None,
) -> None:
    """Rebuild index.html, feed.xml and the incident pages from the archived JSON.

    `base_url` (the public URL of ``output/<schedule>/``) makes the feed's links
    absolute; without it they are relative to the feed, which feed readers given a
    local file understand.
    """
    root = schedule_root(output, schedule)
    found = edition_dirs(output, schedule)
    editions = [e for e in found if e.data is not None]
    atomic_write(root / "index.html", index_html(env, schedule, title, editions))
    atomic_write(root / "feed.xml", feed_xml(schedule, title, editions, base_url))
    pages = incident_pages(env, schedule, title, editions)
    folder = root / "incidents"
    for name, html in pages.items():
        atomic_write(folder / name, html)
    if folder.is_dir():
        for stale in folder.glob("*.html"):
            if stale.name not in pages:
                stale.unlink()
    atomic_write(root / INDEXED, _folder_list(found))  # last: only a finished rebuild counts
    log.info("rebuilt the %s archive: %d editions, %d incidents", schedule, len(editions),
             len(pages))


def indexes_current(output: Path, schedule: str) -> bool:
    """Whether the last finished `rebuild_indexes` saw exactly the edition folders on disk now.

    Why: a build killed (or out of disk space) after its commit and before or during the
    rebuild leaves a committed edition that the index, the feed and the incident pages do
    not list; the next build has nothing new to publish and would never rebuild them. It
    asks this instead, and rebuilds when the answer is no (or no rebuild ever finished).
    """
    try:
        recorded = (schedule_root(output, schedule) / INDEXED).read_text(encoding="utf-8")
    except OSError:
        return False
    return recorded == _folder_list(edition_dirs(output, schedule, read=False))


def _folder_list(found: list[ArchivedEdition]) -> str:
    return "".join(f"{rel}\n" for rel in sorted(e.rel for e in found))


# --- retention -----------------------------------------------------------------------


def expired_editions(output: Path, schedule: str, *, today: date, keep_days: int,
                     pending: Collection[str] = ()) -> list[ArchivedEdition]:
    """Editions dated more than `keep_days` before `today`, except those with mail pending.

    `pending` holds edition folders relative to `output` (``demo/2026/01/28``, as the
    delivery ledger records them) whose email is queued or failed: deleting one would
    leave a retry with nothing to send, so it stays until its mail is settled.
    """
    cutoff = today - timedelta(days=keep_days)
    held = {PurePath(p).parts for p in pending}
    return [e for e in edition_dirs(output, schedule, read=False)
            if e.day < cutoff and e.path.relative_to(output).parts not in held]


def remove_expired(output: Path, schedule: str, *, today: date, keep_days: int,
                   pending: Collection[str] = ()) -> list[Path]:
    """Delete expired editions (see `expired_editions`); returns the folders removed.

    Each folder is first renamed to a hidden ``.DD.expired.tmp`` name, so the archive
    never lists a half-deleted edition; a crash leaves only a temporary folder that
    `remove_uncommitted` cleans up. Empty month and year folders go too. Call this under
    the schedule's lock and rebuild the indexes afterwards.
    """
    removed = []
    for entry in expired_editions(output, schedule, today=today, keep_days=keep_days,
                                  pending=pending):
        doomed = entry.path.with_name(f".{entry.path.name}.expired.tmp")
        os.replace(entry.path, doomed)
        shutil.rmtree(doomed, ignore_errors=True)
        log.info("removed edition %s (older than %d days)", entry.path, keep_days)
        removed.append(entry.path)
        for folder in (entry.path.parent, entry.path.parent.parent):
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break
    return removed


# --- reading it locally --------------------------------------------------------------


class _ArchiveHandler(SimpleHTTPRequestHandler):
    """Static files of output/, read-only: GET and HEAD only, nothing hidden, no listings.

    Hidden paths (``.state/`` with the database and locks, ``.uncommitted/``, temporary
    folders) answer 404, and folders without an index.html are not listed, so the server
    shows the archive and nothing else of the machine.
    """

    def send_head(self) -> Any:
        path = unquote(self.path.split("?", 1)[0].split("#", 1)[0])
        if any(part.startswith(".") for part in path.replace("\\", "/").split("/")):
            self.send_error(404)
            return None
        return super().send_head()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404, "no index.html here")
        return None

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        log.info("%s %s", self.address_string(), format % args)


def make_server(output: Path, port: int = 8000) -> ThreadingHTTPServer:
    """An HTTP server for `output` on 127.0.0.1 only (port 0 picks a free one).

    Loopback only, because the archive may hold editions meant for a closed list of
    readers; publish it with a real web server when it should be public.
    """
    root = str(output.resolve())

    class Handler(_ArchiveHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=root, **kwargs)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server


def serve(output: Path, port: int = 8000,
          on_ready: Callable[[ThreadingHTTPServer], None] | None = None) -> None:
    """Serve `output` until interrupted (Ctrl-C raises KeyboardInterrupt to the caller)."""
    server = make_server(output, port)
    try:
        if on_ready is not None:
            on_ready(server)
        server.serve_forever()
    finally:
        server.server_close()
