"""`briefing send`: mail an edition now, through the delivery ledger."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click

from briefing.cli import EXIT_FAILED, _console, _errors, _now, _outcome_dict, _workspace_option


@click.command()
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

