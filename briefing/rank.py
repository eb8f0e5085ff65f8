"""Incident order and selection, with the reasons kept.

A desk reads the top of a briefing first, so order matters more than any score's
absolute value. The score rewards what editors weigh: how many independent outlets
carry the story, how much was written, how fresh it is, and whether it is new to the
reader. Every term is recorded as a reason, so `--explain` and the JSON can say why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from briefing.models import Incident

RECENCY_HALF_LIFE_HOURS = 24.0


def _outlets(incident: Incident) -> set[str]:
    names: set[str] = set()
    for art in incident.articles:
        names.add(art.source)
        names.update(art.outlets)
    return names


def score(incident: Incident, now: datetime) -> tuple[float, tuple[str, ...]]:
    """Score one incident; returns the score and the reasons that make it up."""
    outlets = len(_outlets(incident))
    articles = len(incident.articles)
    newest = max((a.published or a.collected or now for a in incident.articles), default=now)
    age_hours = max(0.0, (now - newest).total_seconds() / 3600)
    recency = 0.5 ** (age_hours / RECENCY_HALF_LIFE_HOURS)
    parts = {
        f"{outlets} outlet{'s' if outlets != 1 else ''}": 2.0 * math.log2(1 + outlets),
        f"{articles} article{'s' if articles != 1 else ''}": math.log2(1 + articles),
        f"newest report {age_hours:.0f} h old": 1.5 * recency,
    }
    if incident.status == "new":
        parts["new story"] = 0.5
    else:
        fresh = len(incident.new_article_ids)
        parts[f"{fresh} new report{'s' if fresh != 1 else ''} on an ongoing story"] = 0.25
    total = sum(parts.values())
    return round(total, 3), tuple(f"{name} (+{value:.2f})" for name, value in parts.items())


def rank(incidents: Sequence[Incident], now: datetime, limit: int | None = None) -> list[Incident]:
    """Incidents best first, each with its score and reasons; at most `limit` of them.

    Ties break on the newest report, then the title, so the order is stable from run
    to run (a retried build must produce the same edition).
    """
    scored = []
    for incident in incidents:
        value, reasons = score(incident, now)
        scored.append(replace(incident, score=value, reasons=reasons))
    scored.sort(key=lambda i: (-i.score, -(i.updated or now).timestamp(), i.title))
    return scored if limit is None else scored[:limit]
