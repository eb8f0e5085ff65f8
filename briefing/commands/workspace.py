"""`briefing init`: a new workspace that builds at once, from bundled sample articles."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from briefing.cli import _errors
from briefing.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent.parent

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


@click.command()
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

