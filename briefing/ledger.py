"""The delivery ledger: who has been sent which edition, and retrying who has not.

Each (edition, recipient) is a row in the state store's ``deliveries`` table: queued,
sent or failed, with its attempts, the server's last reply and the Message-ID. The
rules it keeps:

* **Never twice.** A recipient whose row says ``sent`` is never sent that edition again
  by a build, ``briefing send`` or a daemon tick. Only ``briefing send --force`` sends
  again, and that adds a new row marked ``forced``.
* **One commit of doubt.** Before contacting the server an attempt is claimed in one
  commit; the server's acceptance is recorded in the very next commit. A crash between
  the server's ``250`` and that commit is the only way to get a second copy (the retry
  reuses the Message-ID, so most clients fold the two).
* **Retried until it arrives.** A failed send gets ``next_attempt`` with exponential
  backoff (5 minutes doubling to 6 hours, 12 attempts); a permanent refusal (5xx for
  that recipient) is not retried automatically. `retry_pending` is what the daemon
  calls on every tick; ``briefing send`` retries on purpose, ignoring the backoff.

Sends of one schedule hold an OS file lock (``output/.state/mail/<schedule>.lock``), so
two processes on one machine never send concurrently; the claim's compare-and-set
keeps a race from producing two sends even so.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from briefing import mail
from briefing.config import EmailConfig, Schedule, load_schedules
from briefing.errors import BriefingError, ConfigError
from briefing.locks import file_lock, lock_path
from briefing.models import Edition, Incident, Problem, SourceHealth, SummarySentence
from briefing.store import Store

log = logging.getLogger(__name__)

BACKOFF_START = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=6)
MAX_ATTEMPTS = 12


@dataclass(frozen=True, slots=True)
class MailSettings:
    """Where mail goes and who it is from: the environment, else the workspace's .env."""

    smtp_url: str
    sender: str
    sender_name: str
    cafile: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """One delivery after a send run, for the CLI and the build result."""

    delivery_id: int
    schedule: str
    edition_date: str
    recipient: str
    status: str  # sent | failed | queued | skipped
    detail: str
    forced: bool = False


def read_dotenv(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of a .env file (comments, ``export`` and quotes allowed)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def mail_settings(workspace: Path) -> MailSettings:
    """``BRIEFING_SMTP_URL``, ``BRIEFING_MAIL_FROM`` and ``BRIEFING_SMTP_CAFILE``.

    The environment wins over ``<workspace>/.env`` so a deployment can override a
    developer's file. Secrets never come from schedule files.
    """
    dotenv = read_dotenv(workspace / ".env")

    def get(key: str) -> str:
        return os.environ.get(key) or dotenv.get(key, "")

    url, sender = get("BRIEFING_SMTP_URL"), get("BRIEFING_MAIL_FROM")
    missing = [k for k, v in (("BRIEFING_SMTP_URL", url), ("BRIEFING_MAIL_FROM", sender)) if not v]
    if missing:
        raise ConfigError(f"email needs {' and '.join(missing)}",
                          hint="set it in the environment or in the workspace's .env (see README, Email)")
    mail.parse_smtp_url(url)  # fail early on a malformed URL
    name, address = mail.parse_sender(sender)
    return MailSettings(smtp_url=url, sender=address, sender_name=name,
                        cafile=get("BRIEFING_SMTP_CAFILE") or None)


def mail_lock(workspace: Path, schedule: str, wait: bool = True) -> AbstractContextManager[bool]:
    """Hold the schedule's mail lock; yields False (without waiting) when `wait` is off and it is busy."""
    return file_lock(lock_path(workspace, f"mail/{schedule}"), wait)


# --- entry points ------------------------------------------------------------------


def deliver_edition(schedule: Schedule, workspace: Path, store: Store, edition_id: int, now: datetime,
                    *, edition: Edition | None = None) -> list[Outcome]:
    """After a build: queue the edition for the schedule's recipients and send it."""
    config = schedule.email or EmailConfig()
    row = next((e for e in store.list_editions(schedule.name, limit=50) if e["id"] == edition_id), None)
    if row is None or not config.to:
        return []
    ids = [store.queue_delivery(row, r, now)[0] for r in config.to]
    return _send(schedule, workspace, store, ids, now, on_purpose=False, edition=edition)


def send_edition(schedule: Schedule, workspace: Path, now: datetime, *, day: date | None = None,
                 to: Sequence[str] = (), force: bool = False) -> list[Outcome]:
    """``briefing send``: send an edition (the newest, or the one of `day`) on purpose.

    Recipients already sent it are skipped unless `force`; other pending deliveries of
    the schedule that are due are retried in the same run.
    """
    config = schedule.email or EmailConfig()
    recipients = [mail.check_address(a, "recipient") for a in to] or list(config.to)
    if not recipients:
        raise ConfigError(f"{schedule.name}: no recipients", hint="add [email] to = [...] or use --to ADDR")
    mail_settings(workspace)  # before queueing: a send that cannot start must leave nothing queued
    with Store.open(workspace) as store:
        row = store.edition_on(schedule.name, day)
        if row is None:
            raise BriefingError(f"{schedule.name}: no edition{f' on {day}' if day else ''} to send",
                                hint="build one first with `briefing build`")
        outcomes, ids = [], []
        for recipient in recipients:
            outcome, delivery_id = _queue_for_send(store, row, recipient, now, force)
            if outcome is not None:
                outcomes.append(outcome)
            if delivery_id is not None:
                ids.append(delivery_id)
        due = [int(r["id"]) for r in store.deliveries(schedule.name, statuses=("queued", "failed"))
               if r["id"] not in ids and _due(r, now)]
        outcomes += _send(schedule, workspace, store, ids, now, on_purpose=True)
        outcomes += _send(schedule, workspace, store, due, now, on_purpose=False)
        return outcomes


def retry_pending(workspace: Path, now: datetime,
                  schedules: Sequence[Schedule] | None = None) -> list[Outcome]:
    """The daemon tick: send every queued or failed delivery whose backoff has passed.

    `schedules` defaults to all of the workspace's; a delivery of a schedule that is
    no longer there waits until it comes back.

    A schedule whose mail lock is busy (a build or `briefing send` is sending) is left
    for the next tick instead of waiting; so are deliveries while mail is not configured.
    """
    outcomes: list[Outcome] = []
    with Store.open(workspace) as store:
        for schedule in schedules if schedules is not None else load_schedules(workspace):
            due = [int(r["id"]) for r in store.deliveries(schedule.name, statuses=("queued", "failed"))
                   if _due(r, now)]
            if not due:
                continue
            try:
                outcomes += _send(schedule, workspace, store, due, now, on_purpose=False, wait=False)
            except ConfigError as exc:  # e.g. BRIEFING_SMTP_URL not set yet: keep them queued
                log.warning("%s: %d deliveries waiting: %s", schedule.name, len(due), exc.message)
    return outcomes


def pending_deliveries(store: Store, schedule: str) -> list[dict[str, Any]]:
    """Queued and failed deliveries with the server's last reply, for `briefing status`."""
    return store.deliveries(schedule, statuses=("queued", "failed"))


# --- sending -----------------------------------------------------------------------


def _queue_for_send(store: Store, edition: dict[str, object], recipient: str, now: datetime,
                    force: bool) -> tuple[Outcome | None, int | None]:
    delivery_id, _ = store.queue_delivery(edition, recipient, now)
    rows = [r for r in store.deliveries(edition_id=int(str(edition["id"])))
            if r["recipient"] == recipient]
    last = rows[-1]
    if last["status"] != "sent":
        return None, int(last["id"])
    if force:
        forced_id, _ = store.queue_delivery(edition, recipient, now, forced=True)
        return None, forced_id
    return Outcome(int(last["id"]), str(last["schedule"]), str(last["edition_date"]), recipient,
                   "skipped", f"already sent {last['sent']:%Y-%m-%d %H:%M} UTC as {last['message_id']}; "
                   "use --force to send again", bool(last["forced"])), None


def _due(row: dict[str, Any], now: datetime) -> bool:
    return row["next_attempt"] is not None and row["next_attempt"] <= now


def _send(schedule: Schedule, workspace: Path, store: Store, ids: Sequence[int], now: datetime, *,
          on_purpose: bool, edition: Edition | None = None, wait: bool = True) -> list[Outcome]:
    """Send the given deliveries under the schedule's mail lock; re-reads each row first."""
    if not ids:
        return []
    settings = mail_settings(workspace)
    with mail_lock(workspace, schedule.name, wait) as locked:
        if not locked:
            return []
        letters: dict[int, mail.Letter | BriefingError] = {}
        outcomes = []
        with mail.open_transport(settings.smtp_url, settings.cafile) as transport:
            for row in store.deliveries(schedule.name, ids=list(ids)):
                if row["status"] == "sent" or not (on_purpose or _due(row, now)):
                    continue
                letter = letters.get(row["edition_id"])
                if letter is None:
                    letter = letters[row["edition_id"]] = _letter(schedule, workspace, row, edition)
                outcomes.append(_attempt(store, transport, settings, row, letter, now))
        return outcomes


def _letter(schedule: Schedule, workspace: Path, row: dict[str, Any],
            edition: Edition | None) -> mail.Letter | BriefingError:
    from briefing import render

    config = schedule.email or EmailConfig()
    folder = workspace / "output" / str(row["edition_path"])
    try:
        if edition is None or edition.slug != folder.name:
            edition = load_edition(folder / "briefing.json")
        pdf_path = folder / "briefing.pdf"
        base = config.archive_url.rstrip("/") + "/" if config.archive_url else ""
        where = f"{base}{row['edition_path']}/"
        return mail.compose(
            edition, render.make_environment(workspace),
            pdf=pdf_path.read_bytes() if config.attach_pdf and pdf_path.is_file() else None,
            attach_pdf=config.attach_pdf, max_mail_mb=config.max_mail_mb,
            edition_url=f"{where}index.html" if base else None,
            archive_root=f"{base}{schedule.name}/" if base else None,
            pdf_location=f"{where}briefing.pdf" if base else f"output/{where}briefing.pdf",
            page_size=schedule.edition.page_size)
    except (BriefingError, OSError, ValueError, KeyError) as exc:
        log.warning("cannot compose the mail for %s: %s", folder, exc)
        return exc if isinstance(exc, BriefingError) else BriefingError(f"cannot compose the mail: {exc}")


def _attempt(store: Store, transport: mail.Transport, settings: MailSettings, row: dict[str, Any],
             letter: mail.Letter | BriefingError, now: datetime) -> Outcome:
    """One claimed attempt: claim (commit), hand to the server, record (commit)."""
    message_id = row["message_id"] or make_msgid("briefing", domain=settings.sender.rpartition("@")[2])

    def outcome(status: str, detail: str) -> Outcome:
        return Outcome(int(row["id"]), str(row["schedule"]), str(row["edition_date"]),
                       str(row["recipient"]), status, detail, bool(row["forced"]))

    if not store.start_attempt(int(row["id"]), int(row["attempts"]), message_id, now):
        return outcome("skipped", "claimed by another sender")
    attempts = int(row["attempts"]) + 1
    try:
        if isinstance(letter, BriefingError):
            raise mail.DeliveryError(letter.message)
        name = settings.sender_name or mail.header_text(letter.edition.title)
        message = letter.address(
            sender=settings.sender, sender_name=name,
            recipient=str(row["recipient"]), message_id=message_id, now=now,
            list_id=mail.list_id(letter.edition, settings.sender))
        reply = transport.send(message.as_bytes(), settings.sender, str(row["recipient"]))
    except Exception as exc:  # noqa: BLE001 - whatever went wrong, the claimed attempt is recorded
        permanent = isinstance(exc, mail.DeliveryError) and exc.permanent
        retry = None if permanent or attempts >= MAX_ATTEMPTS else now + backoff(attempts)
        error = exc.message if isinstance(exc, BriefingError) else f"{type(exc).__name__}: {exc}"
        store.finish_delivery(int(row["id"]), sent=False, now=now, error=error, next_attempt=retry)
        log.warning("mail to %s failed (attempt %d): %s", row["recipient"], attempts, error)
        return outcome("failed", error + ("" if retry else " (not retried automatically)"))
    store.finish_delivery(int(row["id"]), sent=True, now=now)
    return outcome("sent", f"{reply} ({message_id})")


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: 5 min, 10, 20, ... at most 6 hours."""
    return min(BACKOFF_START * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


# --- the edition, back from the archive ----------------------------------------------


def load_edition(path: Path) -> Edition:
    """An Edition rebuilt from its ``briefing.json``, so a retry days later mails what was published."""
    from briefing.models import Article

    data = json.loads(path.read_text(encoding="utf-8"))

    def when(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    incidents = tuple(Incident(
        id=i["id"], title=i["title"], status=i.get("status", "new"),
        first_seen=when(i.get("first_seen")), updated=when(i.get("updated")),
        summary=tuple(SummarySentence(text=s["text"], article_id=s["article_id"],
                                      also_in=tuple(s.get("also_in") or ()), new=s.get("new", True))
                      for s in i["summary"]),
        articles=tuple(Article(id=a["id"], url=a["url"], source=a["source"], title=a["title"], text="",
                               published=when(a.get("published"))) for a in i["articles"]),
    ) for i in data["incidents"])
    window_end = when(data["window"]["end"])
    assert window_end is not None
    return Edition(
        schedule=data["schedule"], title=data["title"], date=date.fromisoformat(data["date"]),
        timezone=data["timezone"], window_start=when(data["window"].get("start")), window_end=window_end,
        incidents=incidents, slug=data.get("slug", ""),
        sources=tuple(SourceHealth(**s) for s in data.get("sources", [])),
        problems=tuple(Problem(**p) for p in data.get("problems", [])))
