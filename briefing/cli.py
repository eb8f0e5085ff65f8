"""The command line: the only place that prints, parses arguments and maps errors to exit codes.

Exit codes (DESIGN.md): 0 ok; 1 failed, nothing published; 2 usage or config error;
3 published, but some sources failed.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from briefing import __version__
from briefing.errors import BriefingError

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
    except Exception as exc:
        translated = _state_error(exc)
        if translated is None:
            raise
        _fail(translated)


def _state_error(exc: Exception) -> BriefingError | None:
    """A state database that cannot be used (read-only, locked, not a database, missing), in
    words, naming the database; None for any other error, which keeps its traceback."""
    from briefing.store.failures import state_error, state_location

    context = click.get_current_context(silent=True)
    workspace = context.params.get("workspace") if context is not None else None
    return state_error(exc, state_location(workspace if isinstance(workspace, Path) else Path(".")))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefing")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """briefing: a scheduled daily news briefing (collect, group, summarize, render, deliver)."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _now() -> datetime:
    return datetime.now(UTC)


def _outcome_dict(outcome: Any) -> dict[str, Any]:
    """A delivery outcome for --json (build and send print the same shape)."""
    return {"recipient": outcome.recipient, "edition": outcome.edition_date, "status": outcome.status,
            "detail": outcome.detail, "forced": outcome.forced, "delivery_id": outcome.delivery_id}


def _problem_line(problem: Any) -> str:
    """A skipped or failing item in a line, naming its source once.

    Most sources' messages already begin with the source's name (they are shown alone
    in the edition's source table); that name is not repeated in front of them.
    """
    message = problem.message
    if problem.source and not message.startswith(f"{problem.source}:"):
        message = f"{problem.source}: {message}"
    return f"  problem: {message}"


# The commands live in briefing/commands/, one module per job, and use the helpers above;
# so they are imported (by name, as the import is circular) only once those exist.
COMMANDS = {"build": ("build", "collect"), "status": ("status",), "mail": ("send",),
            "daemon": ("run_daemon",), "sources": ("sources_group",), "workspace": ("init",),
            "archive": ("archive_group",)}
for _module, _names in COMMANDS.items():
    _loaded = importlib.import_module(f"briefing.commands.{_module}")
    for _name in _names:
        main.add_command(getattr(_loaded, _name))


def run() -> None:
    """Entry point for `python -m briefing`."""
    main(prog_name="briefing")


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    run()

