"""`briefing build` and `briefing collect`: run the pipeline by hand and report it.

Why together: both run the pipeline's first stages for named schedules and print the
same problem lines; build adds the edition report, `--explain` and its exit code.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from briefing.cli import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_PARTIAL,
    _console,
    _errors,
    _now,
    _outcome_dict,
    _problem_line,
    _workspace_option,
)
from briefing.errors import BriefingError, ConfigError, StateError


@click.command()
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
            if day is not None:
                _refuse_future_day(day.date(), schedule)
        results: list[BuildResult] = []
        failed: list[str] = []
        for schedule in loaded:
            with _progress(f"{schedule.name}", quiet=as_json) as on_stage:
                try:
                    results.append(build_edition(
                        schedule, workspace, _now(), day=day.date() if day else None,
                        dry_run=dry_run, collect_first=not no_collect, on_stage=on_stage,
                        email=email))
                except (ConfigError, StateError):  # every schedule would fail the same way
                    raise
                except BriefingError as exc:  # this schedule failed; the others still build
                    failed.append(schedule.name)
                    _console(stderr=True).print(f"error: {schedule.name}: {exc.message}", markup=False)
        if explain and not as_json:
            _explain(results)
        _report_builds(results, as_json)
        code = _build_exit_code(results, {s.name: len(s.sources) for s in loaded})
        sys.exit(EXIT_FAILED if failed else code)


def _refuse_future_day(day: date, schedule: Any) -> None:
    """`--date` names a day that has begun in the schedule's zone, or it is a usage error.

    A future day took everything pending (its cut-off is now) into an edition dated, say,
    2030: that edition topped the archive for years, and the real edition of that day
    became a second one.
    """
    today = _now().astimezone(schedule.tz).date()
    if day > today:
        raise ConfigError(f"--date {day}: that day has not begun in {schedule.timezone} "
                          f"(schedule {schedule.name}; today there is {today})",
                          hint="build an earlier day, or leave out --date for today's edition")


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
            console.print(_problem_line(problem), markup=False, soft_wrap=True)
        for outcome in r.deliveries:
            console.print(f"  mail {outcome.recipient}: {outcome.status} — {outcome.detail}",
                          markup=False, soft_wrap=True)
        where = f" -> {r.path}" if r.path else ""
        console.print(f"{r.message}{where}", markup=False, soft_wrap=True)



@click.command()
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
        results = []
        with Store.open(workspace) as store:
            for schedule in loaded:
                with schedule_lock(workspace, schedule.name):
                    results.append(collect_schedule(schedule, workspace, store, _now()))
        if as_json:
            click.echo(json.dumps([{"schedule": r.schedule, "new": r.new, "updated": r.updated,
                                    "failed_sources": r.failed} for r in results], indent=2))
        else:
            for r in results:
                for p in r.problems:
                    click.echo(_problem_line(p))
                click.echo(f"collected {r.schedule}: {r.new} new, {r.updated} updated articles"
                           f"{f', {len(r.failed)} sources failed' if r.failed else ''}")
        if any(r.failed for r in results):
            sys.exit(EXIT_PARTIAL)

