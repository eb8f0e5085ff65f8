"""briefing: a scheduled daily news briefing.

The public API is small and stable (see the README): the data model, and the stage
functions a notebook needs. Heavy stages are imported on first use so that
`import briefing` and `briefing --help` stay fast.
"""

from __future__ import annotations

from briefing.errors import BriefingError, ConfigError
from briefing.models import (
    Article,
    Edition,
    Incident,
    Problem,
    Source,
    SourceHealth,
    Summary,
    SummarySentence,
)

__version__ = "0.1.0"

__all__ = [
    "Article",
    "BriefingError",
    "ConfigError",
    "Edition",
    "Incident",
    "Problem",
    "Source",
    "SourceHealth",
    "Summary",
    "SummarySentence",
    "extract",
    "group",
    "split_sentences",
    "summarize",
]

# Imported eagerly on purpose: the stage modules share their function's name
# (briefing/group.py holds group()), and binding the function after the module has
# loaded is what makes `briefing.group(...)` the function, not the module. The stage
# modules import their heavy libraries inside functions, so this stays cheap.
from briefing.extract import extract  # noqa: E402
from briefing.group import group  # noqa: E402
from briefing.summarize import summarize  # noqa: E402
from briefing.text import split_sentences  # noqa: E402
