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

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from scipy import sparse

from briefing.candidates import Candidate, candidates, words_of
from briefing.facts import fact_keys, referents, shares_fact
from briefing.language import commonest, told_language
from briefing.models import Article, Incident, Summary, SummarySentence
from briefing.outlet import strip_outlet
from briefing.salience import StemmedText, stemmer, stop_words, sumy_language, sumy_scores

__all__ = ["headline", "summarize"]

_POOL = 200  # candidates that reach the sumy pass
_DUPLICATE = 0.72  # cosine of stem sets above which two sentences say the same thing
_REDUNDANT = 0.4  # cosine to an already chosen sentence above which a candidate is skipped
_SAME_FIGURE = 0.3  # ... or above which, when both give the same small count (briefing.facts)
_SEEN = 0.6  # cosine to a delivered sentence above which a candidate is not new
_W_SUMY, _W_POSITION, _W_SUPPORT, _W_CENTROID = 1.0, 2.0, 0.5, 1.0
_W_RECENT = 2.0  # later articles carry the current state of a developing story
_STALE_DAYS = 2.0
_DANGLING_PENALTY = 1.0
_OLD_FACTOR = 0.15
_CONCEPT_WEIGHT = 1.0
_RELEVANCE_WEIGHT = 2.0
_LENGTH_POWER = 0.35


@dataclass(slots=True)
class _Pool:
    """The pre-selected candidates with their vectors and scores."""

    items: list[Candidate]
    stemmed: StemmedText
    unit: sparse.csr_matrix  # L2-normalised binary stem vectors
    new: np.ndarray  # True where no delivered sentence says the same
    facts: list[frozenset[str]] = field(default_factory=list)  # see briefing.facts
    referents: frozenset[str] = frozenset()


def _articles(subject: Incident | Sequence[Article]) -> tuple[list[Article], Incident | None]:
    if isinstance(subject, Incident):
        return list(subject.articles), subject
    return list(subject), None


def _language(articles: Sequence[Article]) -> str:
    """The commonest language of `articles` (declared, or told by their words) as
    `salience.sumy_language` names it: sumy's name, or the code of a language sumy cannot
    stem (English by default)."""
    return sumy_language(commonest(told_language(a.language, a.title, a.text) for a in articles))


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


def _recency(items: Sequence[Candidate]) -> np.ndarray:
    """1 for the newest article's sentences, falling to 0 at `_STALE_DAYS` older.

    Why: in a story that develops over days the latest reports carry its current
    state ("all seven miners were brought out alive"); reports a few hours apart on
    the same day are equally current.
    """
    ages = np.array([c.age_days for c in items], dtype=float)
    return np.clip(1.0 - ages / _STALE_DAYS, 0.0, 1.0)


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
    cheap = _scale(_centroid_score(unit)) + _position_score(items) + _scale(_doc_support(stemmed, items))
    best = np.argsort(-cheap, kind="stable")[:_POOL]
    return sorted(int(i) for i in best)


def _merge_near_duplicates(items: list[Candidate], unit: sparse.csr_matrix) -> list[int]:
    """Fold near-identical sentences into the earliest one; return the survivors."""
    similar = sparse.triu(unit @ unit.T, k=1).tocoo()
    hits = similar.data >= _DUPLICATE
    pairs = sorted(zip(similar.row[hits].tolist(), similar.col[hits].tolist(), strict=True))
    alive = [True] * len(items)
    for i, j in pairs:
        if not (alive[i] and alive[j]):
            continue
        keep, drop = items[i], items[j]
        alive[j] = False
        for article_id in [drop.article_id, *drop.also_in]:
            if article_id != keep.article_id and article_id not in keep.also_in:
                keep.also_in.append(article_id)
    return [i for i, ok in enumerate(alive) if ok]


def _novel(stemmed: StemmedText, delivered: Sequence[str]) -> np.ndarray:
    """True where a candidate says something no delivered sentence said."""
    n = len(stemmed.texts)
    if not delivered:
        return np.ones(n, dtype=bool)
    seen = StemmedText(delivered, language=stemmed.language)
    both = _unit_rows(StemmedText(stemmed.texts + seen.texts, stemmed.stems + seen.stems).counts)
    similarity = (both[:n] @ both[n:].T).max(axis=1).toarray().ravel()
    return np.asarray(similarity < _SEEN)


def _relevance(pool: _Pool, algorithm: str, fresh: set[str] | None, delivered: bool) -> np.ndarray:
    """sumy's rating combined with position, support, centrality and novelty."""
    items = pool.items
    salience = sumy_scores(pool.stemmed, range(len(items)), algorithm)
    support = _scale(_doc_support(pool.stemmed, items)) + np.array([min(c.outlets - 1, 3) / 3 for c in items])
    relevance = (
        _W_SUMY * salience
        + _W_POSITION * _position_score(items)
        + _W_SUPPORT * support
        + _W_CENTROID * _scale(_centroid_score(pool.unit))
        + _W_RECENT * _recency(items)
        - _DANGLING_PENALTY * np.array([c.dangling for c in items], dtype=float)
    )
    if fresh:
        relevance = relevance + 0.5 * np.array([c.article_id in fresh for c in items], float)
    if delivered:
        relevance = np.where(pool.new, relevance, relevance * _OLD_FACTOR)
    return _scale(relevance) if len(items) > 1 else np.ones(1)


def _concepts(pool: _Pool) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Sentence x concept matrix (content words and their bigrams) and concept weights.

    A concept's weight is the number of articles that mention it: facts reported by
    several outlets are what a summary must cover. Concepts only one article has are
    worth nothing when the incident has three or more articles.
    """
    stemmed = pool.stemmed
    pair_rows, pair_codes = stemmed.bigram_codes()
    rows = np.concatenate([stemmed.rows, pair_rows])
    codes, cols = np.unique(np.concatenate([stemmed.ids, pair_codes]), return_inverse=True)
    n = len(pool.items)
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, max(1, len(codes))))
    matrix.data[:] = 1.0  # presence, not counts (duplicates were summed)
    article_of: dict[str, int] = {}
    owner_rows: list[int] = []
    owner_cols: list[int] = []
    for i, cand in enumerate(pool.items):
        for article_id in (cand.article_id, *cand.also_in):
            owner_rows.append(article_of.setdefault(article_id, len(article_of)))
            owner_cols.append(i)
    owner = sparse.csr_matrix(
        (np.ones(len(owner_rows)), (owner_rows, owner_cols)), shape=(len(article_of), n)
    )
    df = np.asarray(((owner @ matrix) > 0).sum(axis=0)).ravel().astype(float)
    floor = 2 if len(article_of) > 2 else 1
    is_bigram = codes >= max(1, len(stemmed.vocab))
    weights = np.where(df >= floor, df * np.where(is_bigram, 1.0, 0.5), 0.0)
    # Sentences of stop words only ('"He said. He said. ...' joined by an open quote) have
    # no concept, but the matrix keeps one empty column: the weights must match it, or
    # `concepts @ weights` raised a dimension mismatch.
    return matrix, np.zeros(matrix.shape[1]) if not len(codes) else weights


def _repeats(pool: _Pool, best: int, similarity: np.ndarray) -> np.ndarray:
    """Where a candidate states a fact of `best` again, in whatever words.

    Why beyond the similarity cap: outlets paraphrase ("A farmer died" / "A breached
    dike has cost a farmer his life"; "about 260 people were evacuated" / "Around 260
    residents were moved"), and such pairs share few words but a figure or an event.
    """
    keys = pool.facts[best]
    if not keys:
        return np.zeros(len(pool.items), dtype=bool)
    similar = similarity > _SAME_FIGURE
    common = pool.referents
    return np.array([shares_fact(k, keys, s, common) for k, s in zip(pool.facts, similar, strict=True)])


def _select(pool: _Pool, relevance: np.ndarray, words: int) -> list[int]:
    """Greedy budgeted selection: new concept weight plus relevance, per word.

    Coverage is submodular, so a sentence repeating covered facts gains little; a
    hard cap on similarity to chosen sentences removes the near-repeats that remain.
    Only the first sentence may exceed the budget (a summary is never empty).
    """
    concepts, weights = _concepts(pool)
    total = float(weights.sum()) or 1.0
    lengths = np.array([max(c.words, 1) for c in pool.items], dtype=float)
    cost = lengths**_LENGTH_POWER
    available = np.ones(len(pool.items), dtype=bool)
    chosen: list[int] = []
    used = 0.0
    leads = np.array([c.position == 0 for c in pool.items])
    while True:
        fits = available & ((used + lengths <= words) | (not chosen))
        if not chosen and (fits & leads).any():
            fits &= leads  # the summary opens with an article's lead
        if not fits.any():
            break
        value = _CONCEPT_WEIGHT * 10 * (concepts @ weights) / total + _RELEVANCE_WEIGHT * relevance
        # The opening sentence is the lead worth most, whatever its length: of two
        # leads reporting the same death, the one that also gives the evacuations.
        gain = value / cost if chosen else value
        gain = np.where(fits, gain, -np.inf)
        best = int(np.argmax(gain))
        if gain[best] <= 0:
            break
        chosen.append(best)
        used += lengths[best]
        weights[concepts[best].indices] = 0.0
        similarity = (pool.unit @ pool.unit[best].T).toarray().ravel()
        available &= similarity <= _REDUNDANT
        available &= ~_repeats(pool, best, similarity)
        available[best] = False
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
    sentences earlier editions already showed: for an incident whose status is
    "updated" (or a plain list of articles), sentences that repeat them are avoided
    and marked `new=False`. `algorithm` names the sumy summarizer that rates
    sentences (a schedule's `summary_algorithm`): lexrank, textrank, lsa, luhn,
    sumbasic or kl.
    """
    articles, incident = _articles(incident_or_articles)
    items = candidates(articles)
    if not items or words <= 0:
        return Summary(sentences=())
    updated = incident is not None and incident.status == "updated"
    fresh = set(incident.new_article_ids) if incident is not None and updated else None
    seen = [] if incident is not None and not updated else list(delivered)
    language = _language(articles)
    stemmed = StemmedText([c.text for c in items], language=language)
    index = _preselect(items, stemmed)
    items, stemmed = [items[i] for i in index], stemmed.take(index)
    unit = _unit_rows(stemmed.counts)
    keep = _merge_near_duplicates(items, unit)
    items, stemmed, unit = [items[i] for i in keep], stemmed.take(keep), unit[keep]
    facts = [fact_keys(words_of(c.text), stemmer(language), stop_words(language)) for c in items]
    common = referents(facts, [c.article_id for c in items])
    pool = _Pool(items, stemmed, unit, _novel(stemmed, seen), facts, common)
    relevance = _relevance(pool, algorithm, fresh, bool(seen))
    picked = _select(pool, relevance, words)  # the first is a lead: it opens the summary
    chosen = picked[:1] + sorted(picked[1:], key=lambda i: (items[i].article_rank, items[i].position))
    return Summary(
        sentences=tuple(
            SummarySentence(
                text=items[i].text,
                article_id=items[i].article_id,
                also_in=tuple(items[i].also_in),
                position=items[i].position,
                new=bool(pool.new[i]),
            )
            for i in chosen
        )
    )


def _title_recency(articles: Sequence[Article]) -> np.ndarray:
    """Like `_recency`, per article: a story's newest titles say where it stands."""
    times = [_aware(a.published or a.collected) for a in articles]
    known = [t for t in times if t is not None]
    if not known:
        return np.zeros(len(articles))
    newest = max(known)
    ages = np.array([(newest - t).total_seconds() / 86400 if t else _STALE_DAYS for t in times])
    return np.clip(1.0 - ages / _STALE_DAYS, 0.0, 1.0)


def _aware(when: datetime | None) -> datetime | None:
    """A naive time taken as UTC, as `briefing.group` takes it (mixed with aware ones,
    it could not be subtracted)."""
    return when if when is None or when.tzinfo else when.replace(tzinfo=UTC)


HEADLINE_WORDS = 20  # longer than this, a "title" is a first sentence, not a headline


def _headline_shaped(title: str, article: Article) -> bool:
    """Whether a title reads as a headline. A clipping saved without its title line gets
    a title cut from its first sentence ("US President Joe Biden spoke to Japanese Prime
    Minister Fumio Kishida on the phone", and the body goes on "and strongly condemned
    ..."); any real headline of the incident is better than that."""
    body = article.text.lstrip()
    cut_from_body = body.startswith(title) and body[len(title) : len(title) + 1] not in ("", "\n")
    words = len(title.split())
    return 0 < words <= HEADLINE_WORDS and not title.rstrip().endswith(".") and not cut_from_body


def headline(articles: Sequence[Article]) -> str:
    """The incident's title: the article title most representative of the incident.

    Why not the longest: long titles are usually the most opinionated or the most
    specific to one outlet. The chosen title is the one whose words are closest to
    the other titles and to the incident's leads (a centroid), with a preference for
    the newest titles of a story that runs over days (where it stands now), and with
    outlet suffixes removed. Titles that are really first sentences come last.
    """
    if not articles:
        return ""
    sources = sorted({a.source for a in articles if a.source})
    titles = [strip_outlet(" ".join(a.title.split()), *sources, name_shaped=True) for a in articles]
    if len(titles) == 1:
        return titles[0]
    leads = [a.text[:600] for a in articles]
    stemmed = StemmedText(titles + leads, language=_language(articles))
    unit = _unit_rows(stemmed.counts)
    n = len(titles)
    centroid = np.asarray(unit.sum(axis=0)).ravel()
    closeness = np.asarray(unit[:n] @ centroid).ravel()
    lengths = np.array([len(t.split()) for t in titles], dtype=float)
    closeness = closeness - 0.02 * np.abs(lengths - np.median(lengths))
    closeness = _scale(closeness) + 1.0 * _title_recency(articles)
    cut = [not _headline_shaped(t, a) for t, a in zip(titles, articles, strict=True)]
    closeness[cut] -= 3.0  # scores span 0-2: any real headline wins
    closeness[[not t for t in titles]] = -np.inf
    return titles[int(np.argmax(closeness))]
