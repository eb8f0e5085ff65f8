"""The one error root, so the CLI can map every expected failure to a message and an exit code."""

from __future__ import annotations


class BriefingError(Exception):
    """An error a user can act on: a message, and a hint for what to do about it."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ConfigError(BriefingError):
    """A schedule, workspace or template is wrong; exit code 2 (usage or config error)."""

    exit_code = 2


class SourceError(BriefingError):
    """One source could not be read; becomes a Problem on that source, never stops an edition."""


class StateError(BriefingError):
    """The state database cannot be used: read-only, locked, not a database, missing (exit code 1).

    Made from the database's error where the CLI catches it (`briefing.store.failures`).
    """
