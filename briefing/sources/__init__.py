"""Collect: every source kind behind one function.

`collect_source` never raises for a bad source: whatever goes wrong becomes a Problem
on that source and a health status, so one failing source never stops an edition.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from briefing.errors import BriefingError
from briefing.models import Article, Problem, Source, SourceHealth

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Collected:
    """What one source gave: its articles, its health, and what went wrong on the way."""

    source: Source
    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    status: str = "ok"
    message: str = ""

    @property
    def health(self) -> SourceHealth:
        return SourceHealth(name=self.source.name, status=self.status, message=self.message,
                            articles=len(self.articles))


def collect_source(source: Source, workspace: Path, now: datetime) -> Collected:
    """Collect one source; never raises for a source's own failure."""
    result = Collected(source=source)
    try:
        articles, problems = _dispatch(source, workspace, now)
    except BriefingError as exc:
        result.status, result.message = "failed", exc.message
        result.problems.append(Problem(stage="collect", source=source.name, message=exc.message))
        return result
    except Exception as exc:  # a bug or an unforeseen input must not stop the edition
        log.exception("collecting %s failed", source.name)
        message = f"unexpected error: {type(exc).__name__}: {exc}"
        result.status, result.message = "failed", message
        result.problems.append(Problem(stage="collect", source=source.name, message=message))
        return result
    result.articles, result.problems = articles, problems
    if problems and not articles:
        result.status, result.message = "failed", problems[0].message
    elif problems:
        result.message = f"{len(problems)} item(s) skipped"
    return result


def _dispatch(source: Source, workspace: Path, now: datetime) -> tuple[list[Article], list[Problem]]:
    if source.kind == "folder":
        from briefing.sources.folder import collect_folder

        return collect_folder(source, workspace, now)
    raise BriefingError(f"{source.kind} sources are not supported by this version of briefing",
                        hint="use a folder source")
