"""`briefing run`: start the daemon (briefing/daemon.py), or one catch-up pass with --once."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from briefing.cli import _console, _errors, _workspace_option
from briefing.errors import ConfigError


@click.command("run")
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
        if limit.total_seconds() < 1 or every < 1:  # "0s": every child killed, or a busy heartbeat loop
            raise ConfigError(f"--deadline {deadline} and --heartbeat {beat}: each must be at least 1s")
        if logging.getLogger().level > logging.INFO:
            logging.getLogger("briefing.daemon").setLevel(logging.INFO)
        daemon = Daemon(workspace, deadline=limit, beat_every=every)
        if once:
            daemon.once()
            return
        daemon.run(on_ready=lambda d: _console(stderr=True).print(
            f"briefing run: {len(d.schedules)} schedule(s) in {d.workspace}; pid {os.getpid()}; "
            "stop with SIGTERM or Ctrl-C, reload schedules with SIGHUP", markup=False))

