"""`briefing archive serve`: read the archive of editions in a browser, on 127.0.0.1 only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from briefing.cli import _errors, _workspace_option
from briefing.errors import ConfigError


@click.group("archive")
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
