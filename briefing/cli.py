"""The command line: the only place that prints, parses arguments and maps errors to exit codes.

Exit codes (DESIGN.md): 0 ok; 1 failed, nothing published; 2 usage or config error;
3 published, but some sources failed.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from briefing import __version__
from briefing.errors import BriefingError, ConfigError

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_PARTIAL = 0, 1, 2, 3
REPO_ROOT = Path(__file__).resolve().parent.parent


def _workspace_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--workspace", "-w", type=click.Path(file_okay=False, path_type=Path),
        envvar="BRIEFING_WORKSPACE", default=Path("."), show_default="BRIEFING_WORKSPACE or .",
        help="The workspace folder (schedules/, templates/, output/).")(func)


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _fail(exc: BriefingError) -> None:
    console = _console(stderr=True)
    from rich.markup import escape

    console.print(f"[bold red]error:[/] {escape(exc.message)}", soft_wrap=True)
    if exc.hint:
        console.print(f"hint: {exc.hint}", markup=False)
    sys.exit(exc.exit_code)


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except BriefingError as exc:
        _fail(exc)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefing")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """briefing: a scheduled daily news briefing (collect, group, summarize, render, deliver)."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _now() -> datetime:
    return datetime.now(UTC)


@main.command()
@click.argument("schedules", nargs=-1)
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Edition date (YYYY-MM-DD) in the schedule's time zone; default today.")
@click.option("--dry-run", is_flag=True, help="Build in memory: write nothing, consume nothing.")
@click.option("--no-collect", is_flag=True, help="Build from what is already collected.")
@click.option("--email/--no-email", default=None,
              help="Mail the new edition to the schedule's [email] recipients (default: the schedule's).")
@click.option("--explain", is_flag=True,
              help="Print why articles were grouped into each incident and why it ranks where it does.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@_workspace_option
def build(schedules: tuple[str, ...], day: datetime | None, dry_run: bool, no_collect: bool,
          email: bool | None, explain: bool, as_json: bool, workspace: Path) -> None:
    """Build today's edition of each schedule (all schedules when none is named)."""
    from briefing.config import load_schedules
    from briefing.pipeline import BuildResult, require_sources
    from briefing.pipeline import build as build_edition

    with _errors():
        loaded = load_schedules(workspace, list(schedules) or None)
        for schedule in loaded:
            require_sources(schedule)
        results: list[BuildResult] = []
        failed: list[str] = []
        for schedule in loaded:
            with _progress(f"{schedule.name}", quiet=as_json) as on_stage:
                try:
                    results.append(build_edition(
                        schedule, workspace, _now(), day=day.date() if day else None,
                        dry_run=dry_run, collect_first=not no_collect, on_stage=on_stage,
                        email=email))
                except ConfigError:
                    raise
                except BriefingError as exc:  # this schedule failed; the others still build
                    failed.append(schedule.name)
                    _console(stderr=True).print(f"error: {schedule.name}: {exc.message}", markup=False)
        if explain and not as_json:
            _explain(results)
        _report_builds(results, as_json)
        code = _build_exit_code(results, {s.name: len(s.sources) for s in loaded})
        sys.exit(EXIT_FAILED if failed else code)


def _explain(results: list[Any]) -> None:
    """`--explain`: the evidence that joined each incident's articles, and its rank reasons."""
    console = _console()
    for r in results:
        for number, incident in enumerate(r.edition.incidents if r.edition else (), start=1):
            console.print(f"{number}. {incident.title} [{incident.status}, score {incident.score}]",
                          markup=False, soft_wrap=True)
            for art in incident.articles:
                console.print(f"     - {art.source}: {art.title}", markup=False, soft_wrap=True)
            for line in incident.evidence:
                console.print(f"     why grouped: {line}", markup=False, soft_wrap=True)
            for line in incident.reasons:
                console.print(f"     rank: {line}", markup=False, soft_wrap=True)


def _build_exit_code(results: list[Any], source_counts: dict[str, int]) -> int:
    """3 when an edition was published but sources failed; 1 when every source of a
    schedule failed and nothing was published (a quiet day is not an error)."""
    code = EXIT_OK
    for r in results:
        if r.status == "published" and (r.failed_sources or _unhealthy_sources(r)):
            code = max(code, EXIT_PARTIAL)
        elif r.status != "published" and r.failed_sources and \
                len(r.failed_sources) >= source_counts.get(r.schedule, 1):
            code = EXIT_FAILED if code == EXIT_OK else code
    return code


def _unhealthy_sources(result: Any) -> list[str]:
    """Sources the edition's appendix lists as failed, blocked or gone: with --no-collect
    the build saw no collection fail, yet the edition still reports the stored health."""
    edition = result.edition
    return [h.name for h in edition.sources if h.status not in ("ok", "silent")] if edition else []


@contextmanager
def _progress(label: str, quiet: bool) -> Iterator[Callable[[str], None]]:
    """A rich spinner naming the stage being worked on; silent for --json or no terminal."""
    if quiet or not sys.stderr.isatty():
        yield lambda _stage: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=_console(stderr=True), transient=True) as progress:
        task = progress.add_task(label)
        yield lambda stage: progress.update(task, description=f"{label}: {stage}")


def _report_builds(results: list[Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([{
            "schedule": r.schedule, "status": r.status, "message": r.message,
            "path": str(r.path) if r.path else None,
            "incidents": len(r.edition.incidents) if r.edition else 0,
            "failed_sources": r.failed_sources,
            "problems": [{"stage": p.stage, "source": p.source, "message": p.message} for p in r.problems],
            "deliveries": [_outcome_dict(o) for o in r.deliveries],
        } for r in results], indent=2))
        return
    console = _console()
    for r in results:
        for problem in r.problems:
            console.print(f"  problem: {problem.source}: {problem.message}", markup=False)
        for outcome in r.deliveries:
            console.print(f"  mail {outcome.recipient}: {outcome.status} — {outcome.detail}",
                          markup=False, soft_wrap=True)
        where = f" -> {r.path}" if r.path else ""
        console.print(f"{r.message}{where}", markup=False, soft_wrap=True)


def _outcome_dict(outcome: Any) -> dict[str, Any]:
    return {"recipient": outcome.recipient, "edition": outcome.edition_date, "status": outcome.status,
            "detail": outcome.detail, "forced": outcome.forced, "delivery_id": outcome.delivery_id}


@main.command()
@click.argument("schedule")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Edition date (YYYY-MM-DD); default the newest edition.")
@click.option("--to", "to", multiple=True, metavar="ADDR",
              help="Send to this address instead of the schedule's recipients (repeatable).")
@click.option("--force", is_flag=True, help="Send again to recipients who already got it (recorded).")
@click.option("--json", "as_json", is_flag=True, help="Print the deliveries as JSON.")
@_workspace_option
def send(schedule: str, day: datetime | None, to: tuple[str, ...], force: bool, as_json: bool,
         workspace: Path) -> None:
    """Send an edition by email now, and retry the schedule's due failed deliveries.

    Recipients already sent the edition are skipped (the delivery ledger) unless --force.
    Exit code 1 when any delivery failed.
    """
    from briefing.config import load_schedules
    from briefing.ledger import send_edition

    with _errors():
        [loaded] = load_schedules(workspace, [schedule])
        outcomes = send_edition(loaded, workspace, _now(), day=day.date() if day else None,
                                to=to, force=force)
    if as_json:
        click.echo(json.dumps([_outcome_dict(o) for o in outcomes], indent=2))
    else:
        console = _console()
        for o in outcomes:
            console.print(f"{o.edition_date} {o.recipient}: {o.status}{' (forced)' if o.forced else ''}"
                          f" — {o.detail}", markup=False, soft_wrap=True)
        sent = sum(o.status == "sent" for o in outcomes)
        failed = sum(o.status == "failed" for o in outcomes)
        console.print(f"sent {sent}, failed {failed}, skipped {len(outcomes) - sent - failed}", markup=False)
    if any(o.status == "failed" for o in outcomes):
        sys.exit(EXIT_FAILED)


@main.command()
@click.argument("schedules", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@_workspace_option
def collect(schedules: tuple[str, ...], as_json: bool, workspace: Path) -> None:
    """Collect new articles from the sources into the state, without building."""
    from briefing.config import load_schedules
    from briefing.pipeline import collect as collect_schedule
    from briefing.pipeline import schedule_lock
    from briefing.store import Store

    with _errors():
        loaded = load_schedules(workspace, list(schedules) or None)
        store = Store.open(workspace)
        results = []
        try:
            for schedule in loaded:
                with schedule_lock(workspace, schedule.name):
                    results.append(collect_schedule(schedule, workspace, store, _now()))
        finally:
            store.close()
        if as_json:
            click.echo(json.dumps([{"schedule": r.schedule, "new": r.new, "updated": r.updated,
                                    "failed_sources": r.failed} for r in results], indent=2))
        else:
            for r in results:
                for p in r.problems:
                    click.echo(f"  problem: {p.source}: {p.message}")
                click.echo(f"collected {r.schedule}: {r.new} new, {r.updated} updated articles"
                           f"{f', {len(r.failed)} sources failed' if r.failed else ''}")
        if any(r.failed for r in results):
            sys.exit(EXIT_PARTIAL)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@_workspace_option
def status(as_json: bool, workspace: Path) -> None:
    """The daemon's heartbeat; per schedule the next edition and collection, last editions, sources."""
    from briefing.daemon import status_report

    with _errors():
        report = status_report(workspace, _now())
        _add_deliveries(workspace, report)
        _add_source_health(workspace, report, _now())
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    console = _console()
    daemon = report["daemon"]
    if daemon["running"]:
        console.print(f"daemon: running, pid {daemon['pid']} on {daemon['host']}, last heartbeat "
                      f"{daemon['beat_age_seconds']:.0f}s ago{_busy(daemon)}", markup=False)
    else:
        last = f" (last heartbeat {daemon['last_beat']})" if daemon.get("last_beat") else ""
        console.print(f"daemon: not running{last}; start it with `briefing run`", markup=False)
    for item in report["schedules"]:
        console.print(f"[bold]{item['schedule']}[/] — {item['title']} ({item['timezone']})")
        console.print(f"  next edition {item['next_edition'] or 'none'}; next collection "
                      f"{item['next_collection'] or '(daemon not running)'}", markup=False)
        for slot in item["slots"][:3]:
            note = f" — {slot['note']}" if slot["note"] and slot["state"] != "built" else ""
            console.print(f"  slot {slot['slot']}: {slot['state']} by {slot['claimed_by']}{note}",
                          markup=False)
        editions = item["editions"] or [{"date": "none yet", "path": "", "incidents": 0}]
        for e in editions:
            console.print(f"  edition {e['date']}  {e['incidents']} incidents  {e['path']}", markup=False)
        for h in item["sources"]:
            console.print(f"  source {_source_line(h)}", markup=False, soft_wrap=True)
        for d in item.get("deliveries", []):
            retry = f"next try {d['next_attempt']}" if d["next_attempt"] else "not retried automatically"
            console.print(f"  mail {d['edition_date']} to {d['recipient']}: {d['status']} after "
                          f"{d['attempts']} attempt(s), {retry}"
                          f"{' — ' + d['last_error'] if d['last_error'] else ''}",
                          markup=False, soft_wrap=True)


def _add_deliveries(workspace: Path, report: dict[str, Any]) -> None:
    """Pending and failed deliveries of each schedule, with the server's last reply."""
    from briefing.ledger import pending_deliveries
    from briefing.store import Store

    store = Store.open(workspace)
    try:
        for item in report["schedules"]:
            item["deliveries"] = [_jsonable(d) for d in pending_deliveries(store, item["schedule"])]
    finally:
        store.close()


def _add_source_health(workspace: Path, report: dict[str, Any], now: datetime) -> None:
    """Each schedule's sources with their health (`Store.source_report`): last success,
    last error, consecutive failures, articles in the last 7 days, silent since."""
    from briefing.store import Store

    store = Store.open(workspace)
    try:
        for item in report["schedules"]:
            item["sources"] = [_jsonable(r) for r in store.source_report(item["schedule"], now)]
    finally:
        store.close()


def _source_line(h: dict[str, Any]) -> str:
    """One source's health in a line: what a user checks first comes first."""
    parts = [f"last success {_minute(h['last_success'])}", f"{h['articles_7d']} articles in 7 days"]
    if not h["articles_7d"] and h.get("silent_since"):
        parts.append(f"silent since {_minute(h['silent_since'])[:10]}")
    if h["failures"]:
        parts.append(f"{h['failures']} failure(s) in a row")
    if h.get("last_error") and h["status"] != "ok":
        parts.append(f"last error {_minute(h['last_error_at'])}: {h['last_error']}")
    return f"{h['source']}: {h['status']} ({', '.join(parts)})"


def _minute(value: Any) -> str:
    """An ISO timestamp (from _jsonable) as 'YYYY-MM-DD HH:MM', or 'never'."""
    return str(value)[:16].replace("T", " ") if value else "never"


def _busy(daemon: dict[str, Any]) -> str:
    return f"; working on {', '.join(daemon['running_jobs'])}" if daemon.get("running_jobs") else ""


@main.command("run")
@click.option("--deadline", default="30m", show_default=True,
              help="Longest a build or collection may run before it is killed (e.g. 30m, 90s).")
@click.option("--heartbeat", "beat", default="30s", show_default=True,
              help="How often to write the heartbeat.")
@click.option("--once", is_flag=True,
              help="Collect, build each schedule's due, unbuilt edition (catch-up), exit: for cron.")
@_workspace_option
def run_daemon(deadline: str, beat: str, once: bool, workspace: Path) -> None:
    """The daemon: collect every `collect_every`, build editions on time; SIGHUP reloads schedules."""
    from briefing.config import parse_duration
    from briefing.daemon import Daemon

    with _errors():
        try:
            limit, every = parse_duration(deadline), parse_duration(beat).total_seconds()
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        if logging.getLogger().level > logging.INFO:
            logging.getLogger("briefing.daemon").setLevel(logging.INFO)
        daemon = Daemon(workspace, deadline=limit, beat_every=every)
        if once:
            daemon.once()
            return
        daemon.run(on_ready=lambda d: _console(stderr=True).print(
            f"briefing run: {len(d.schedules)} schedule(s) in {d.workspace}; pid {os.getpid()}; "
            "stop with SIGTERM or Ctrl-C, reload schedules with SIGHUP", markup=False))


@main.group("sources")
def sources_group() -> None:
    """Manage a schedule's sources."""


@sources_group.command("import")
@click.argument("opml_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--schedule", "schedule_name", default=None, metavar="NAME",
              help="The schedule to add the feeds to (schedules/NAME.toml); needed when there are several.")
@_workspace_option
def import_sources(opml_file: Path, schedule_name: str | None, workspace: Path) -> None:
    """Add the feeds of an OPML file (a feed reader's export) to a schedule as [[sources]]."""
    from briefing.config import load_schedules
    from briefing.sources.opml import OpmlError, import_into_schedule

    with _errors():
        loaded = load_schedules(workspace, [schedule_name] if schedule_name else None)
        if len(loaded) > 1:
            raise ConfigError(f"{workspace / 'schedules'} has {len(loaded)} schedules "
                              f"({', '.join(s.name for s in loaded)}); say which one",
                              hint="briefing sources import FILE.opml --schedule NAME")
        try:
            done = import_into_schedule(opml_file, loaded[0].path)
        except OpmlError as exc:
            raise ConfigError(exc.message) from None
    present = f"; {done.present} already there" if done.present else ""
    click.echo(f"added {len(done.added)} feed(s) to {done.path}{present}")


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime | date) else v for k, v in row.items()}


DEMO_SCHEDULE = '''title = "{title}"
timezone = "UTC"
at = ["06:30"]
collect_every = "30m"

[[sources]]
name = "Inbox"
folder = "inbox/"

[edition]
max_incidents = 15
summary_words = 120
formats = ["html", "pdf", "json"]
empty = "skip"
'''


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Create a workspace that builds at once: a schedule, an inbox of sample articles, output/."""
    with _errors():
        if (directory / "schedules").exists():
            raise ConfigError(f"{directory} already has a schedules/ folder; not touching it")
        (directory / "schedules").mkdir(parents=True)
        (directory / "output").mkdir(exist_ok=True)
        (directory / "templates").mkdir(exist_ok=True)
        inbox = directory / "inbox"
        samples = REPO_ROOT / "samples" / "demo"
        if samples.is_dir():
            shutil.copytree(samples, inbox)
        else:
            inbox.mkdir()
        (directory / "schedules" / "briefing.toml").write_text(
            DEMO_SCHEDULE.format(title="My Morning Briefing"), encoding="utf-8")
        click.echo(f"created workspace {directory}: schedules/briefing.toml reads inbox/ "
                   f"({len(list(inbox.iterdir()))} articles). Next: "
                   f"briefing build --workspace {directory}")


@main.group("archive")
def archive_group() -> None:
    """Read the archive of editions (output/)."""


@archive_group.command("serve")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--schedule", "schedule", default=None, help="Open at this schedule's archive index.")
@_workspace_option
def archive_serve(port: int, schedule: str | None, workspace: Path) -> None:
    """Serve output/ read-only on 127.0.0.1 until Ctrl-C (never on other interfaces)."""
    from briefing.archive import serve

    output = workspace / "output"
    with _errors():
        if schedule is not None:
            from briefing.config import load_schedules

            load_schedules(workspace, [schedule])  # a clear error for a typo
        if not output.is_dir():
            raise ConfigError(f"{output}: no archive yet", hint="build an edition with `briefing build`")
        names = [schedule] if schedule else sorted(
            p.parent.name for p in output.glob("*/index.html") if not p.parent.name.startswith("."))

        def ready(server: Any) -> None:
            base = f"http://127.0.0.1:{server.server_address[1]}/"
            links = "  ".join(f"{base}{n}/index.html" for n in names) or base
            click.echo(f"serving {output} read-only at {links} (Ctrl-C stops)", err=True)

        try:
            serve(output, port, on_ready=ready)
        except OSError as exc:
            raise ConfigError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}",
                              hint="pick another --port") from None
        except KeyboardInterrupt:
            click.echo("stopped", err=True)


def run() -> None:
    """Entry point for `python -m briefing`."""
    main(prog_name="briefing")


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    run()
