"""`briefing sources import`: add a feed reader's OPML export to a schedule."""

from __future__ import annotations

from pathlib import Path

import click

from briefing.cli import _errors, _workspace_option
from briefing.errors import ConfigError


@click.group("sources")
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

