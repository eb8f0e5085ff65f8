"""Schedules (schedules/*.toml) -> validated, frozen settings.

A schedule file is the whole user interface for a briefing, so mistakes in it must be
reported with the file and the key, before any work starts (exit code 2). pydantic
does the validation; this module turns its errors into one readable message.
"""

from __future__ import annotations

import re
import tomllib
from datetime import time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from briefing.errors import ConfigError
from briefing.models import Source

SOURCE_KINDS = ("feed", "page", "folder", "opml")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


MAX_DURATION = timedelta(days=3660)
MIN_INTERVAL = timedelta(minutes=1)


def parse_duration(text: str) -> timedelta:
    """'30m', '12h', '7d' -> timedelta; schedules speak in these units, not seconds.

    At most ten years: '9999999999d' overflowed timedelta (a traceback, not a config
    error) and '999999999d' crashed the daemon when it added that to the clock.
    """
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration such as '30m', '12h' or '7d'")
    try:
        value = timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    except OverflowError:
        value = MAX_DURATION + timedelta(1)
    if value > MAX_DURATION:
        raise ValueError(f"{text!r} is longer than ten years")
    return value


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceConfig(BaseModel):
    """One `[[sources]]` table: a name and exactly one of feed, page, folder, opml.

    Extra keys (allow_private, full_text, user_agent, backfill, ...) are options that
    the source's collector reads, so they are kept rather than refused.
    """

    model_config = ConfigDict(frozen=True, extra="allow")

    name: str = ""
    feed: str | None = None
    page: str | None = None
    folder: str | None = None
    opml: str | None = None

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> SourceConfig:
        given = [k for k in SOURCE_KINDS if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "a source needs exactly one of feed, page, folder, opml"
                + (f" (it has {', '.join(given)})" if given else "")
            )
        return self

    @property
    def kind(self) -> str:
        return next(k for k in SOURCE_KINDS if getattr(self, k))

    def to_source(self) -> Source:
        location = getattr(self, self.kind)
        options = dict(self.model_extra or {})
        return Source(name=self.name or location, kind=self.kind, location=location,  # type: ignore[arg-type]
                      options=options)


class EditionConfig(_Frozen):
    """The `[edition]` table: what goes into an edition and in which formats."""

    max_incidents: int = Field(15, ge=1, le=500)
    summary_words: int = Field(120, ge=20, le=2000)
    formats: tuple[Literal["html", "pdf", "json"], ...] = ("html", "pdf", "json")
    empty: Literal["skip", "publish"] = "skip"
    page_size: Literal["A4", "Letter"] = "A4"
    summary_algorithm: Literal["lexrank", "textrank", "lsa", "luhn", "sumbasic", "kl"] = "lexrank"
    quiet_days: int = Field(7, ge=1, le=365)
    keep_days: int | None = Field(None, ge=1)
    pdf_variant: Literal["pdf/a-3b"] | None = None


class EmailConfig(_Frozen):
    """The `[email]` table. Addresses only: SMTP secrets come from the environment."""

    to: tuple[str, ...] = ()
    attach_pdf: bool = True
    enabled: bool = True
    max_mail_mb: float = Field(20, gt=0)
    # Where output/ is published on the web (e.g. "https://news.example.org/briefings/");
    # lets a mail link to its edition, and to the PDF when the PDF is over max_mail_mb.
    archive_url: str = Field("", pattern=r"^(https?://[^\s]+)?$")

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            if not re.fullmatch(r"[^@\s<>,;\r\n]+@[^@\s<>,;\r\n]+", address):
                raise ValueError(f"{address!r} is not an e-mail address")
        return value


class Schedule(_Frozen):
    """A validated schedule file; `name` is the file's stem (schedules/demo.toml -> demo)."""

    name: str
    path: Path
    title: str
    timezone: str = "UTC"
    at: tuple[str, ...] = ("06:30",)
    cron: str | None = None
    collect_every: str = "30m"
    catch_up: str = "12h"
    sources: tuple[SourceConfig, ...] = ()
    edition: EditionConfig = EditionConfig()
    email: EmailConfig | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as 'Europe/Berlin'") from None
        return value

    @field_validator("at")
    @classmethod
    def _times(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """Local wall times. An offset ('06:30Z', '06:30+02:00') was read and then ignored,
        so the edition came hours off what was written: it is refused instead."""
        for item in value:
            try:
                parsed = time.fromisoformat(item)
            except ValueError as exc:  # "hour must be in 0..23" did not say which time
                raise ValueError(f"{item!r} is not a time such as '06:30' or '23:59' ({exc})") from None
            if parsed.tzinfo is not None:
                raise ValueError(f"{item!r} has a UTC offset; edition times are local to `timezone`")
        return value

    @field_validator("collect_every", "catch_up")
    @classmethod
    def _duration(cls, value: str) -> str:
        """At least a minute. collect_every = "0m" collected every second (a child process
        each time), and catch_up = "0s" built no edition at all: the edition job runs a
        moment after its time, and a zero window no longer holds the slot."""
        if parse_duration(value) < MIN_INTERVAL:
            raise ValueError(f"{value!r} is shorter than a minute")
        return value

    @model_validator(mode="after")
    def _some_edition_time(self) -> Schedule:
        """`at = []` without a `cron` line would never build an edition."""
        if not self.at and not self.cron:
            raise ValueError('at: give at least one edition time (at = ["06:30"]) or a cron line')
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def edition_times(self) -> list[time]:
        return [time.fromisoformat(t) for t in self.at]

    def source_list(self) -> list[Source]:
        return [s.to_source() for s in self.sources]


def _format_errors(path: Path, error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(p) for p in item["loc"]) or "(file)"
        lines.append(f"{path}: {key}: {item['msg']}")
    return "\n".join(lines)


def load_schedule(path: Path) -> Schedule:
    """Read and validate one schedule file; every problem names the file and the key."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    data.setdefault("title", path.stem.replace("-", " ").replace("_", " ").title())
    try:
        return Schedule(name=path.stem, path=path, **data)
    except ValidationError as exc:
        raise ConfigError(_format_errors(path, exc), hint="see the schedule reference in the README") from exc
    except TypeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def load_schedules(workspace: Path, names: list[str] | None = None) -> list[Schedule]:
    """All schedules of a workspace, or the named ones (by file stem), in name order."""
    folder = workspace / "schedules"
    if not folder.is_dir():
        raise ConfigError(f"{workspace}: no schedules/ folder", hint="create one with `briefing init DIR`")
    paths = {p.stem: p for p in sorted(folder.glob("*.toml"))}
    if names:
        missing = [n for n in names if n not in paths]
        if missing:
            known = ", ".join(paths) or "none"
            raise ConfigError(f"no schedule named {', '.join(missing)} in {folder} (known: {known})")
        return [load_schedule(paths[n]) for n in names]
    if not paths:
        raise ConfigError(f"{folder}: no *.toml schedules", hint="create one with `briefing init DIR`")
    return [load_schedule(p) for p in paths.values()]
