"""Articles -> incidents, linked to the open incidents of earlier editions.

The order of work: duplicates first (`dedupe`: syndicated copies become one article
listing all outlets, so they never count twice), then features (`similarity`: terms on
a background IDF, names, numbers, title words), then centroid-link clustering with a
time penalty (`cluster`). Open incidents of earlier editions enter the clustering as
fixed groups: a new article that continues one joins it, and the incident comes back
with its old id, `status="updated"` and the ids of what is new.

Incident ids are derived from the earliest article's id, so the same input always
gives the same ids: a crashed build that is retried publishes the same incidents.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np

from briefing.cluster import cluster
from briefing.dedupe import dedupe
from briefing.models import Article, Incident
from briefing.similarity import Features, features, matrix
from briefing.text import PAIRED_RUN

QUIET_DAYS = 7.0  # an incident with no new report for this long is closed
MIN_BODY_WORDS = 40  # fewer words than this: a headline or teaser, not a full text
_NEVER = datetime.max.replace(tzinfo=UTC)


def incident_id(articles: Sequence[Article]) -> str:
    """Stable id: a hash of the earliest article's id (same input, same id)."""
    first = min(articles, key=_when)
    # surrogatepass: an id read from JSON may hold a lone surrogate ("\ud800"), which
    # plain UTF-8 refuses to encode; ids without one hash exactly as before.
    return "inc-" + hashlib.sha1(first.id.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _when(article: Article) -> tuple[datetime, str]:
    return (article.published or _NEVER, article.id)


def _utc(when: datetime) -> datetime:
    """A naive time taken as UTC, so dates from a caller that forgot the zone still sort
    and compare with everyone else's (mixing them raised TypeError)."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _aware(article: Article) -> Article:
    when = article.published
    return article if when is None or when.tzinfo else replace(article, published=_utc(when))


def _one_per_id(history: Sequence[Incident]) -> list[Incident]:
    """History with each incident id once: its latest version (by `updated`, then the
    last given), holding the articles of every version, each article once.

    Why: a caller passing the incidents of several editions passes an ongoing incident
    once per edition. Each version was a fixed group of its own, so a new report joined
    the oldest one, the articles the later ones added were dropped, and the incident
    could come back twice.
    """
    versions: dict[str, list[Incident]] = {}
    for h in history:
        versions.setdefault(h.id, []).append(h)
    out: list[Incident] = []
    for same in versions.values():
        unique = {a.id for h in same for a in h.articles}
        if len(same) == 1 and len(unique) == len(same[0].articles):
            out.append(same[0])  # the usual case: as given
            continue
        latest = max(enumerate(same), key=lambda iv: (_ts(iv[1].updated and _utc(iv[1].updated)), iv[0]))[1]
        arts: dict[str, Article] = {}
        for h in [latest, *reversed(same)]:
            for a in h.articles:
                arts.setdefault(a.id, a)
        firsts = [_utc(h.first_seen) for h in same if h.first_seen]
        out.append(replace(latest, articles=tuple(arts.values()),
                           first_seen=min(firsts) if firsts else None))
    return out


def _open(history: Sequence[Incident], now: datetime | None, quiet_days: float) -> list[Incident]:
    """History incidents still open: updated within the quiet period before `now`."""
    if now is None:
        return list(history)
    try:
        cutoff = _utc(now) - timedelta(days=quiet_days)
    except OverflowError:  # quiet_days=inf ("never close"), or a period reaching past year 1
        return list(history) if quiet_days > 0 else []
    return [h for h in history if h.updated is None or _utc(h.updated) >= cutoff]


def group(
    articles: Sequence[Article],
    history: Sequence[Incident] | None = None,
    *,
    now: datetime | None = None,
    quiet_days: float = QUIET_DAYS,
) -> list[Incident]:
    """Group articles into incidents; continue open incidents of earlier editions.

    Returns the new incidents and the history incidents that gained articles, sorted
    by size (largest first), then by the latest report (newest first), then id.
    History incidents quiet for `quiet_days` before `now` are closed and not joined
    (with no `now`, all given history is open). An article a history incident already
    holds, unchanged, is not news, whether that incident is open or closed: passed
    again, the articles of a closed incident came back as a "new" incident under the
    closed one's id.
    """
    history = _one_per_id(history or ())
    open_hist = _open(history, now, quiet_days)
    old_ids = {a.id: h.id for h in open_hist for a in h.articles}
    old_prints = {a.id: a.fingerprint for h in history for a in h.articles}
    old_prints.update({a.id: a.fingerprint for h in open_hist for a in h.articles})
    fresh = [
        a for a in dedupe([_aware(a) for a in articles])
        if a.id not in old_prints or (a.fingerprint and a.fingerprint != old_prints[a.id])
    ]
    edited = {a.id: a for a in fresh if a.id in old_ids}
    fresh = [a for a in fresh if a.id not in edited]
    pool: list[Article] = []
    seeds: list[list[int]] = []
    for h in open_hist:
        start = len(pool)
        pool.extend(_aware(edited.get(a.id, a)) for a in h.articles)
        seeds.append(list(range(start, len(pool))))
    n_old = len(pool)
    pool.extend(fresh)
    feats = [features(a) for a in pool]
    x, _terms = matrix(feats)
    has_text = [len(a.text.split()) >= MIN_BODY_WORDS for a in pool]
    clusters = cluster(x, [f.time for f in feats], seeds, has_text)
    by_first = {s[0]: h for s, h in zip(seeds, open_hist, strict=True) if s}
    out: list[Incident] = []
    for members in clusters:
        prior = next((by_first[i] for i in members if i in by_first), None)
        new_ids = {pool[i].id for i in members if i >= n_old}
        if prior is not None:
            new_ids |= {e for e in edited if old_ids[e] == prior.id}
        if prior is not None and not new_ids:
            continue
        out.append(_incident(members, pool, feats, x, prior, new_ids))
    out.sort(key=lambda inc: (-len(inc.articles), -_ts(inc.updated), inc.id))
    return out


def _ts(when: datetime | None) -> float:
    return when.timestamp() if when else -math.inf


def _incident(
    members: list[int],
    pool: list[Article],
    feats: list[Features],
    x: object,
    prior: Incident | None,
    new_ids: set[str],
) -> Incident:
    arts = sorted((pool[i] for i in members), key=_when)
    times = [a.published for a in arts if a.published]
    title = _representative_title(members, pool, x)
    evidence = explain(members, pool, feats, x)
    if prior is None:
        return Incident(
            id=incident_id(arts),
            title=title,
            articles=tuple(arts),
            first_seen=min(times) if times else None,
            updated=max(times) if times else None,
            status="new",
            evidence=tuple(evidence),
            new_article_ids=tuple(a.id for a in arts),
        )
    # The history's own times as UTC too: a caller's naive first_seen came back naive
    # beside the aware times of every other incident, and sorting them raised TypeError.
    first = _utc(prior.first_seen) if prior.first_seen else (min(times) if times else None)
    return replace(
        prior,
        articles=tuple(arts),
        first_seen=first,
        updated=max(times) if times else prior.updated and _utc(prior.updated),
        status="updated",
        evidence=tuple(evidence),
        new_article_ids=tuple(a.id for a in arts if a.id in new_ids),
    )


def _representative_title(members: list[int], pool: list[Article], x: object) -> str:
    """The title of the article closest to the incident's centroid (ties: earliest).

    A blank title is taken only when every member's is blank: an untitled article
    closest to the centroid gave the incident an empty headline.
    """
    rows = x[members]  # type: ignore[index]
    centroid = np.asarray(rows.mean(axis=0)).ravel()
    scores = rows @ centroid
    best = min(range(len(members)), key=lambda j: (not pool[members[j]].title.strip(),
                                                  -round(float(scores[j]), 9), _when(pool[members[j]])))
    return pool[members[best]].title


def explain(members: list[int], pool: list[Article], feats: list[Features], x: object) -> list[str]:
    """Short, human-readable reasons the articles were put together."""
    arts = [pool[i] for i in members]
    outlets = {o for a in arts for o in (a.outlets or (a.source,)) if o}
    lines = [f"{len(arts)} article(s) from {len(outlets)} outlet(s)"]
    copies = sum(len(a.duplicates) for a in arts)
    if copies:
        lines.append(f"{copies} syndicated cop{'y' if copies == 1 else 'ies'} merged")
    if len(members) < 2:
        return lines
    ents = Counter(e for i in members for e in feats[i].entities)
    shown = {e: feats[i].surface.get("e:" + e, e) for i in members for e in feats[i].entities}
    shared_e = [shown[e] for e, c in ents.most_common(6) if c >= 2]
    if shared_e:
        lines.append("shared names: " + ", ".join(shared_e))
    terms: defaultdict[str, float] = defaultdict(float)
    written: dict[str, Counter[str]] = defaultdict(Counter)
    for i in members:
        for t, w in feats[i].weights.items():
            if not t.startswith("e:"):
                terms[t] += w
                written[t][feats[i].surface.get(t, t)] += 1
    seen = Counter(t for i in members for t in feats[i].weights)
    top = sorted(terms, key=lambda t: (-terms[t], t))[:20]
    shared_t = [t for t in top if seen[t] >= 2]
    if shared_t:
        words = [min(written[t].items(), key=lambda kv: (-kv[1], kv[0]))[0] for t in shared_t]
        lines.append("shared terms: " + ", ".join(_joined_pairs(words)[:8]))
    rows = x[members]  # type: ignore[index]
    sims = (rows @ rows.T).toarray() if len(members) <= 200 else None
    if sims is not None:
        lines.append(_similarity_line(sims))
    times = sorted(a.published for a in arts if a.published)
    if len(times) >= 2:
        lines.append(f"reports span {_span(times[-1] - times[0])}")
    return lines


def _similarity_line(sims: np.ndarray) -> str:
    """How close the reports are: one figure for a pair ("0.91-0.91, average 0.91" said
    it three times), the nearest-report range and the average for more."""
    if len(sims) == 2:
        return f"similarity {sims[0, 1]:.2f}"
    np.fill_diagonal(sims, np.nan)
    low, high = f"{np.nanmax(sims, axis=1).min():.2f}", f"{np.nanmax(sims, axis=1).max():.2f}"
    nearest = low if low == high else f"{low}-{high}"
    return f"similarity to nearest report {nearest}, average {np.nanmean(sims):.2f}"


def _joined_pairs(words: list[str]) -> list[str]:
    """Chinese, Japanese and Korean terms are character pairs; overlapping ones are shown
    joined ("门头", "头沟", "沟区" -> "门头沟区"), as a reader would write them."""
    out = list(words)
    while True:
        pair = next(((i, j) for i, a in enumerate(out) for j, b in enumerate(out)
                     if i != j and a[-1] == b[0] and PAIRED_RUN.fullmatch(a) and PAIRED_RUN.fullmatch(b)),
                    None)
        if pair is None:
            return out
        i, j = pair
        out[i] += out[j][1:]
        del out[j]


def _span(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.1f} days"
