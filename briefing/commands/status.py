"""`briefing status`: the daemon's heartbeat, and per schedule what comes next and what failed.

Why here and not in daemon.py: this module only prints; `daemon.status_report` and the
store gather the facts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from briefing.cli import _console, _errors, _now, _workspace_option


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@_workspace_option
def status(as_json: bool, workspace: Path) -> None:
    """The daemon's heartbeat; per schedule the next edition and collection, last editions, sources."""
    from briefing.daemon import status_report

    with _errors():
        report = status_report(workspace, _now())
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

