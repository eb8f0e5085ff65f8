"""briefing: a scheduled daily news briefing.

The public API is small and stable (see the README): the data model, and the stage
functions a notebook needs. Heavy stages are imported on first use so that
`import briefing` and `briefing --help` stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

_LAZY = {
    "group": "briefing.group",
    "summarize": "briefing.summarize",
    "extract": "briefing.extract",
    "split_sentences": "briefing.text",
}

if TYPE_CHECKING:
    from briefing.extract import extract
    from briefing.group import group
    from briefing.summarize import summarize
    from briefing.text import split_sentences


def __getattr__(name: str) -> Any:
    """Import a stage function when it is first asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'briefing' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
