"""The data passed between stages.

Every stage is a function over these objects, so they are frozen (a stage cannot
change what an earlier stage produced behind its back), slotted (editions can hold
tens of thousands of articles) and keyword-only (field order is not an API).
Times are timezone-aware UTC; each object keeps where it came from.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

SourceKind = Literal["feed", "page", "folder", "opml"]
IncidentStatus = Literal["new", "updated"]


def _moments(obj: object, *names: str) -> None:
    """The model's times are datetimes: a caller's plain `date` becomes midnight UTC of
    that day, here, once, so no stage meets one; anything else is refused, naming the field.

    Why: `briefing.group` and `briefing.summarize` read `published.tzinfo`, and a notebook
    passing `date(2024, 6, 1)` got an AttributeError from deep inside a stage.
    """
    for name in names:
        value = getattr(obj, name)
        if value is None or isinstance(value, datetime):
            continue
        if isinstance(value, date):
            object.__setattr__(obj, name, datetime(value.year, value.month, value.day, tzinfo=UTC))
        else:
            raise TypeError(f"{type(obj).__name__}.{name} must be a datetime, a date or None, "
                            f"not {type(value).__name__} {value!r:.60}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """A place articles come from, as a schedule names it."""

    name: str
    kind: SourceKind
    location: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Article:
    """One news text, cleaned.

    `id` is stable across collections: the same story collected twice has the same id,
    which is what lets the state store tell new articles from updates. `fingerprint`
    changes when the text changes. `outlets` lists every outlet that carried this text
    when duplicates were merged; it is empty until `dedupe` runs. `published` and
    `collected` may be given as a plain `date`: it is taken as midnight UTC of that day.
    """

    id: str
    url: str
    source: str
    title: str
    text: str
    published: datetime | None = None
    collected: datetime | None = None
    language: str = "en"
    fingerprint: str = ""
    author: str = ""
    outlets: tuple[str, ...] = ()
    duplicates: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _moments(self, "published", "collected")


@dataclass(frozen=True, slots=True, kw_only=True)
class SummarySentence:
    """One sentence of a summary and the article it was taken from."""

    text: str
    article_id: str
    also_in: tuple[str, ...] = ()
    position: int = 0
    new: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """An extractive summary; `str()` gives the text an editor would read."""

    sentences: tuple[SummarySentence, ...]

    def __str__(self) -> str:
        return " ".join(s.text for s in self.sentences)

    def __len__(self) -> int:
        return len(self.sentences)

    def __iter__(self) -> Iterator[SummarySentence]:
        return iter(self.sentences)


@dataclass(frozen=True, slots=True, kw_only=True)
class Incident:
    """Articles that report one event, possibly across outlets and days.

    `id` stays the same across editions so an ongoing story can be followed; `status`
    says whether this edition is the first to carry it. `evidence` keeps why the
    articles were joined and `reasons` why the incident ranks where it does.
    """

    id: str
    title: str
    articles: tuple[Article, ...]
    summary: tuple[SummarySentence, ...] = ()
    first_seen: datetime | None = None
    updated: datetime | None = None
    status: IncidentStatus = "new"
    score: float = 0.0
    reasons: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    new_article_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _moments(self, "first_seen", "updated")


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """Something skipped or failing; shown in the edition, never raised past a stage."""

    stage: str
    source: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceHealth:
    """How one source fared in the collection behind an edition."""

    name: str
    status: str = "ok"  # ok | failed | blocked | gone | silent
    message: str = ""
    articles: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Edition:
    """One published briefing.

    `date` is the edition date in the schedule's time zone; the window runs from the
    end of the previous edition's window (the latest one ending before this one's end,
    whenever it was built) to the time this one was built, or to the end of its day for
    an edition of a past day (`--date`).
    """

    schedule: str
    title: str
    date: date
    timezone: str
    window_start: datetime | None
    window_end: datetime
    incidents: tuple[Incident, ...]
    sources: tuple[SourceHealth, ...] = ()
    problems: tuple[Problem, ...] = ()
    slug: str = ""

    @property
    def article_count(self) -> int:
        return sum(len(i.articles) for i in self.incidents)
