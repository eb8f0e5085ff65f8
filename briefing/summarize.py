"""Incident -> a short multi-source extractive summary, every sentence attributed.

How a summary is made (each step says why):

1. Candidates (`briefing.candidates`): the articles' sentences that can stand alone;
   captions, bylines, promotions and fragments never compete.
2. Pre-selection: a cheap score (closeness to the incident's centroid, position in the
   article, support across articles) keeps the best `_POOL` candidates, so the sumy
   pass and the selection stay near-linear in the size of the incident.
3. Near-duplicates across outlets are merged into one candidate credited to all of
   them (the same fact in wire copy must appear once, and counts as support).
4. Salience: sumy's summarizer (`algorithm`, default LexRank) rates the pool; the
   rating is combined with what matters in news: leads carry the facts, facts several
   outlets report matter more, and for an updated incident, sentences an earlier
   edition already delivered are worth little.
5. Selection: a greedy, budgeted maximisation of concept coverage (content-word
   bigrams weighted by how many articles mention them) plus salience, which removes
   redundancy as a side effect (a repeated fact covers nothing new), and a hard
   similarity cap against near-repeats.
6. Order: by article time, then position in the article, so the summary reads the way
   the story unfolded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from briefing.candidates import Candidate, candidates
from briefing.models import Article, Incident, Summary, SummarySentence
from briefing.salience import StemmedText, sumy_scores

__all__ = ["headline", "summarize"]

_POOL = 200  # candidates that reach the sumy pass
_DUPLICATE = 0.72  # cosine of stem sets above which two sentences say the same thing
_REDUNDANT = 0.5  # cosine to an already chosen sentence above which a candidate is skipped
_SEEN = 0.6  # cosine to a delivered sentence above which a candidate is not new
_W_SUMY, _W_POSITION, _W_SUPPORT, _W_CENTROID = 1.0, 1.0, 0.5, 1.0
_DANGLING_PENALTY = 0.5
_OLD_FACTOR = 0.15
_CONCEPT_WEIGHT = 1.0
_RELEVANCE_WEIGHT = 2.0
_LENGTH_POWER = 0.8


@dataclass(slots=True)
class _Pool:
    """The pre-selected candidates with their vectors and scores."""

    items: list[Candidate]
    stemmed: StemmedText
    unit: sparse.csr_matrix  # L2-normalised binary stem vectors
    relevance: np.ndarray
    new: np.ndarray


def _articles(subject: Incident | Sequence[Article]) -> tuple[list[Article], Incident | None]:
    if isinstance(subject, Incident):
        return list(subject.articles), subject
    return list(subject), None


def _unit_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    binary = (matrix > 0).astype(float)
    norms = np.sqrt(np.asarray(binary.sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ binary)


def _position_score(items: Sequence[Candidate]) -> np.ndarray:
    """Leads carry the facts: 1 for a lead, decaying slowly down the article."""
    return np.array([1.0 / np.sqrt(1.0 + c.position) for c in items])


def _doc_support(stemmed: StemmedText, items: Sequence[Candidate]) -> np.ndarray:
    """Share of the incident's articles that mention a sentence's words, on average.

    Why: a fact several outlets report shows up as words many articles share; a
    colourful aside uses words only its own article has.
    """
    article_ids = sorted({c.article_id for c in items})
    if len(article_ids) < 2:
        return np.zeros(len(items))
    row_of = {a: i for i, a in enumerate(article_ids)}
    owner = sparse.csr_matrix(
        (np.ones(len(items)), ([row_of[c.article_id] for c in items], range(len(items)))),
        shape=(len(article_ids), len(items)),
    )
    binary = (stemmed.counts > 0).astype(float)
    df = np.asarray(((owner @ binary) > 0).sum(axis=0)).ravel() / len(article_ids)
    lengths = np.asarray(binary.sum(axis=1)).ravel()
    lengths[lengths == 0] = 1.0
    return np.asarray(binary @ df).ravel() / lengths


def _centroid_score(unit: sparse.csr_matrix) -> np.ndarray:
    centroid = np.asarray(unit.sum(axis=0)).ravel()
    norm = np.linalg.norm(centroid) or 1.0
    return np.asarray(unit @ (centroid / norm)).ravel()


def _scale(values: np.ndarray) -> np.ndarray:
    span = float(values.max() - values.min()) if len(values) else 0.0
    return (values - values.min()) / span if span > 0 else np.zeros_like(values)


def _preselect(items: list[Candidate], stemmed: StemmedText) -> list[int]:
    """Indices of the candidates worth rating: the best `_POOL` by a cheap score."""
    if len(items) <= _POOL:
        return list(range(len(items)))
    unit = _unit_rows(stemmed.counts)
    cheap = (
        _scale(_centroid_score(unit))
        + _position_score(items)
        + _scale(_doc_support(stemmed, items))
    )
    best = np.argsort(-cheap, kind="stable")[:_POOL]
    return sorted(int(i) for i in best)


def _merge_near_duplicates(items: list[Candidate], unit: sparse.csr_matrix) -> list[int]:
    """Fold near-identical sentences into the earliest one; return the survivors."""
    similar = (unit @ unit.T).tocoo()
    alive = [True] * len(items)
    pairs = sorted(
        (int(i), int(j))
        for i, j, v in zip(similar.row, similar.col, similar.data, strict=True)
        if i < j and v >= _DUPLICATE
    )
    for i, j in pairs:
        if not (alive[i] and alive[j]):
            continue
        keep, drop = items[i], items[j]
        alive[j] = False
        for article_id in [drop.article_id, *drop.also_in]:
            if article_id != keep.article_id and article_id not in keep.also_in:
                keep.also_in.append(article_id)
    return [i for i, ok in enumerate(alive) if ok]


def _build_pool(
    items: list[Candidate], algorithm: str, delivered: Sequence[str], fresh: set[str] | None
) -> _Pool:
    stemmed = StemmedText([c.text for c in items] + list(delivered))
    n = len(items)
    unit_all = _unit_rows(stemmed.counts)
    unit = unit_all[:n]
    keep = _merge_near_duplicates(items, unit)
    items = [items[i] for i in keep]
    unit = unit[keep]
    if delivered:
        seen = np.asarray((unit @ unit_all[n:].T).max(axis=1).toarray()).ravel()
        new = seen < _SEEN
    else:
        new = np.ones(len(items), dtype=bool)
    stemmed_pool = StemmedText([c.text for c in items])
    salience = sumy_scores(stemmed_pool, range(len(items)), algorithm)
    support = _scale(_doc_support(stemmed_pool, items)) + np.array(
        [min(c.outlets - 1, 3) / 3 for c in items]
    )
    relevance = (
        _W_SUMY * salience
        + _W_POSITION * _position_score(items)
        + _W_SUPPORT * support
        + _W_CENTROID * _scale(_centroid_score(unit))
        - _DANGLING_PENALTY * np.array([c.dangling for c in items], dtype=float)
    )
    if fresh:
        boost = np.array([c.article_id in fresh for c in items], dtype=float)
        relevance = relevance + 0.5 * boost
    if delivered:
        relevance = np.where(new, relevance, relevance * _OLD_FACTOR)
    return _Pool(items, stemmed_pool, unit, relevance, new)


def _concepts(pool: _Pool) -> tuple[list[set[str]], dict[str, float]]:
    """Content-word bigrams per sentence and their weights (articles mentioning them)."""
    per_sentence: list[set[str]] = []
    articles: dict[str, set[str]] = {}
    for cand, stems in zip(pool.items, pool.stemmed.stems, strict=True):
        grams = {f"{a} {b}" for a, b in zip(stems, stems[1:], strict=False)} | set(stems)
        per_sentence.append(grams)
        for gram in grams:
            articles.setdefault(gram, set()).update([cand.article_id, *cand.also_in])
    n_articles = len({a for ids in articles.values() for a in ids}) or 1
    floor = 2 if n_articles > 2 else 1
    weights = {
        g: float(len(ids)) * (1.0 if " " in g else 0.5)
        for g, ids in articles.items()
        if len(ids) >= floor
    }
    return per_sentence, weights


def _select(pool: _Pool, words: int) -> list[int]:
    """Greedy budgeted selection: new concept weight plus salience, per word."""
    grams, weights = _concepts(pool)
    relevance = _scale(pool.relevance) if len(pool.items) > 1 else np.ones(1)
    total_weight = sum(weights.values()) or 1.0
    covered: set[str] = set()
    chosen: list[int] = []
    used = 0
    remaining = set(range(len(pool.items)))
    while remaining:
        best, best_gain = -1, 0.0
        for i in remaining:
            cand = pool.items[i]
            if chosen and used + cand.words > words:
                continue
            gain_c = sum(weights.get(g, 0.0) for g in grams[i] - covered) / total_weight
            gain = _CONCEPT_WEIGHT * gain_c * 10 + _RELEVANCE_WEIGHT * relevance[i]
            gain /= max(cand.words, 1) ** _LENGTH_POWER
            if gain > best_gain:
                best, best_gain = i, gain
        if best < 0:
            break
        remaining.discard(best)
        if chosen:
            sims = pool.unit[best] @ pool.unit[chosen].T
            if sims.nnz and sims.max() > _REDUNDANT:
                continue
        chosen.append(best)
        used += pool.items[best].words
        covered |= grams[best]
        if used >= words:
            break
    return chosen


def summarize(
    incident_or_articles: Incident | Sequence[Article],
    words: int = 120,
    *,
    algorithm: str = "lexrank",
    delivered: Sequence[str] = (),
) -> Summary:
    """Summarize an incident (or a list of articles) in about `words` words.

    Every sentence is taken verbatim from an article and carries that article's id
    (`also_in` names the other articles that carry the same sentence). `delivered` are
    sentences earlier editions already showed; for an incident whose status is
    "updated", sentences that repeat them are avoided and marked `new=False`.
    `algorithm` names the sumy summarizer that rates sentences (a schedule's
    `summary_algorithm`): lexrank, textrank, lsa, luhn, sumbasic or kl.
    """
    articles, incident = _articles(incident_or_articles)
    items = candidates(articles)
    if not items or words <= 0:
        return Summary(sentences=())
    updated = incident is not None and incident.status == "updated"
    fresh = set(incident.new_article_ids) if incident is not None and updated else None
    seen = [] if incident is not None and not updated else list(delivered)
    prestem = StemmedText([c.text for c in items])
    items = [items[i] for i in _preselect(items, prestem)]
    pool = _build_pool(items, algorithm, seen, fresh)
    chosen = sorted(_select(pool, words), key=lambda i: (pool.items[i].article_rank,
                                                         pool.items[i].position))
    return Summary(
        sentences=tuple(
            SummarySentence(
                text=pool.items[i].text,
                article_id=pool.items[i].article_id,
                also_in=tuple(pool.items[i].also_in),
                position=pool.items[i].position,
                new=bool(pool.new[i]),
            )
            for i in chosen
        )
    )


_OUTLET_SUFFIX = re.compile(r"\s+[-\u2013\u2014|:\u00b7]\s+([^-\u2013\u2014|:\u00b7]{2,40})$")


def _clean_title(title: str, sources: set[str]) -> str:
    """Drop outlet suffixes (" - Reuters", " | Harbor Ledger") from a title.

    A trailing segment is an outlet when it names one of the incident's sources or
    looks like a name (at most five words, each capitalised).
    """
    title = " ".join(title.split())
    while True:
        match = _OUTLET_SUFFIX.search(title)
        if not match:
            return title
        tail = match.group(1).strip()
        words = tail.split()
        is_name = len(words) <= 5 and all(w[:1].isupper() or not w[:1].isalpha() for w in words)
        if not (tail.lower() in sources or is_name) or match.start() < 12:
            return title
        title = title[: match.start()].rstrip()


def headline(articles: Sequence[Article]) -> str:
    """The incident's title: the article title most representative of the incident.

    Why not the longest: long titles are usually the most opinionated or the most
    specific to one outlet. The chosen title is the one whose words are closest to
    the other titles and to the incident's leads (a centroid), with outlet suffixes
    removed.
    """
    if not articles:
        return ""
    sources = {a.source.lower() for a in articles if a.source}
    titles = [_clean_title(a.title, sources) for a in articles]
    if len(titles) == 1:
        return titles[0]
    leads = [a.text[:600] for a in articles]
    stemmed = StemmedText(titles + leads)
    unit = _unit_rows(stemmed.counts)
    n = len(titles)
    centroid = np.asarray(unit.sum(axis=0)).ravel()
    closeness = np.asarray(unit[:n] @ centroid).ravel()
    lengths = np.array([len(t.split()) for t in titles], dtype=float)
    closeness = closeness - 0.02 * np.abs(lengths - np.median(lengths))
    closeness[[not t for t in titles]] = -np.inf
    return titles[int(np.argmax(closeness))]
