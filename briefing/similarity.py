"""Article features for grouping: weighted terms, entities, numbers, time.

Why a background IDF: a word's weight must not depend on how many articles one edition
happens to hold (on a quiet day with five articles every word is "rare", and on a busy
day a story's own name becomes "common" and stops counting). The weights come from a
general English word-frequency table shipped in `briefing/data/english_idf.tsv.gz`
(derived once from wordfreq, see `bench/build_idf_table.py`) or, for an article in one
of 40 other languages (told by `briefing.language`), that language's table in
`briefing/data/idf/`; Chinese, Japanese and Korean are read as overlapping character
pairs (`briefing.text.char_pairs`) against tables of pairs. A word's frequency f per
running word is turned into the chance that a text of L words contains it,
df = 1 - exp(-L f), and idf = -ln(df). L is the text's own length times SPAN_PER_WORD
(rounded to a power of two): long texts share
common words by chance, so in full articles only fairly rare words count ("the",
"said", "Korea", "missile" weigh little, "Kishida" a lot), while in headlines topical
words still do. Words missing from the table count as rare (names, places). The one
thing the batch itself decides: a term more than half of it holds is damped, since it
cannot tell its articles apart (search results for one topic, `_damp_common`). The
factor 25 is a compromise measured on the shared sets:
larger factors leave only names, so two reports of a long-running story share almost
nothing (multiling2011 F1 0.80 at 50 vs 0.83 at 25); smaller ones let topic words
("North Korea", "missile") carry two different launches into one incident (the seeds
merge at 10). The two goals pull apart: at 2, multiling2011's months-long topics group
almost perfectly without dates (F1 0.98) but the seeds merge, with or without their
dates, and more unrelated pages join the topics (bench/grouping.py --distractors).

What separates two stories on one topic is mostly who, where and how many: capitalised
phrases and numbers are added as extra features, and words seen capitalised mid-sentence
are boosted. An article that is only a headline (teaser feeds) has no sentence to show
a name capitalised mid-sentence, and headlines mostly open with their subject ("Bieber
surprises with SXSW performance", "Carney says ..."): there a capitalised first word
counts as a name when it is rare in the table (the test `_entities` applies to sentence
starts). With a body the body decides: rarity alone is a poor name test ("Tsunami aid
donations ..." would boost "tsunami" and pull the 2010 Chile quake into the 2004
tsunami on multiling2011 undated, 0.865 -> 0.847), and real names recur mid-sentence.
Measured on uci-news headlines: B-cubed F1 0.806 -> 0.816, recall 0.818 -> 0.842.
Title words count extra because a headline states the event. Each vector
keeps only its strongest terms, which bounds the cost of comparing long articles and
drops the generic background paragraphs news copy carries.
"""

from __future__ import annotations

import gzip
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import regex
from scipy import sparse

from briefing.language import (
    LANGUAGE_WORDS,
    LANGUAGES,
    PAIRED_LANGUAGES,
    article_language,
    fold,
    simplified,
    unelide,
)
from briefing.models import Article
from briefing.text import PAIRED_RUN, char_pairs

DOC_WORDS = 400  # article length used for the capitalised-phrase test
SPAN_PER_WORD = 25.0  # a text of n words is scored as if against texts of SPAN_PER_WORD * n words
UNKNOWN_FREQ = 10**-7.5  # frequency assumed for words missing from the table
NUMBER_FREQ = 1e-6  # large numbers are specific ("228 on board"), though less than names
SMALL_NUMBERS = 3e-3  # frequency of "1"; a number n occurs about SMALL_NUMBERS / n
YEAR_FREQ = 2e-5  # years are common context ("in 2005"), not event markers
MIN_IDF = 0.4  # below this a word is a function word and is dropped
TITLE_BOOST = 3.0  # a title word counts as this many occurrences in the body
CAPITAL_BOOST = 2.0  # a word seen capitalised mid-sentence is likely a name
NAME_IDF = 3.0  # a capitalised sentence opener this rare (idf at DOC_WORDS) may be a name
ENTITY_BOOST = 1.0  # weight of a multi-word capitalised phrase relative to its words' mean
LEAD_WORDS = 120  # words at the top of the text (the lead) get extra weight
LEAD_BOOST = 2.5
MAX_TERMS = 40  # strongest terms kept per article

# Letters with their combining marks (the vowel signs of Hindi, Bengali, Tamil).
WORD = regex.compile(r"\d+(?:[.,:]\d+)*%?|\p{L}[\p{L}\p{M}]*(?:['’.]\p{L}[\p{L}\p{M}]*)*\.?")
_POSSESSIVE = re.compile(r"['’]s$")
# Calendar words are capitalised but name no one: "Saturday, January 8" is not a name
# and would otherwise link every article dated a Saturday in January.
CALENDAR = frozenset({  # "May" is left out: it is also a surname
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
    "february", "march", "april", "june", "july", "august", "september", "october", "november",
    "december", "jan", "feb", "apr", "jun", "jul", "aug", "sept", "oct", "nov", "dec",
})
# Small words inside a name: "Bank of England", "Bosnia and Herzegovina". Not "the": it
# follows a name far more often than it sits inside one ("Fabian Cancellara the Tour").
PHRASE_LINK = {"of", "de", "la", "al", "van", "von", "bin", "del", "da", "and"}
# Words that stand before a name without being part of it ("Mayor Helena Quintas").
# English only, and not "General" ("General Motors Co.") nor "St." ("St. Louis Cardinals").
TITLES = frozenset({
    "mr", "mrs", "ms", "dr", "sir", "dame", "lord", "lady", "mayor", "president", "prime", "minister",
    "chancellor", "governor", "gov", "senator", "sen", "rep", "secretary", "king", "queen", "prince",
    "princess", "pope", "judge", "sheriff", "colonel", "col", "gen", "captain", "capt", "commander",
    "cmdr", "cmdt", "admiral", "adm", "sergeant", "sgt", "lieutenant", "lt", "maj", "inspector", "insp",
    "detective", "det", "professor", "prof", "rev", "bishop", "archbishop", "ambassador", "deputy", "vice",
})


# German capitalises every noun, so a capital letter there says nothing about names.
NOUNS_CAPITALISED = frozenset({"de"})


@lru_cache(maxsize=len(LANGUAGES))
def _stemmer(lang: str = "en") -> Any:
    from nltk.stem.snowball import SnowballStemmer

    name = LANGUAGES.get(lang)
    return SnowballStemmer(name) if name else None


@lru_cache(maxsize=200_000)
def stem(word: str, lang: str = "en") -> str:
    """Snowball stem of a lower-cased word, cached (the stemmer is slow pure Python).

    Languages without a Snowball stemmer keep the word as it is.
    """
    if word.isdigit() or not word.isalpha():
        return word
    stemmer = _stemmer(lang)
    return word if stemmer is None else str(stemmer.stem(word))


@lru_cache(maxsize=len(LANGUAGES))
def _frequencies(lang: str = "en") -> dict[str, float]:
    name = "data/english_idf.tsv.gz" if lang == "en" else f"data/idf/{lang}.tsv.gz"
    data = resources.files("briefing").joinpath(name).read_bytes()
    table: dict[str, float] = {}
    for line in gzip.decompress(data).decode("utf-8").splitlines():
        if line and not line.startswith("#"):
            key, centibels = line.split("\t")
            table[key] = 10 ** (-int(centibels) / 100)
    return table


@lru_cache(maxsize=400_000)
def idf(term: str, span: float = DOC_WORDS, lang: str = "en") -> float:
    """Background inverse document frequency of a stem (or a number) for texts of `span` words.

    The longer the texts compared, the likelier they share a word by chance, so common
    words count for less in long texts than in headlines.
    """
    f = number_freq(term) if term[:1].isdigit() else _frequency(term, lang)
    return -math.log(-math.expm1(-span * f))


def _frequency(term: str, lang: str) -> float:
    """A term's frequency in its language's table; unlisted terms count as rare.

    A Chinese, Japanese or Korean character pair is listed where it occurs inside
    words; across two words ("的人": "的" ends a word, "人" starts the next) it occurs
    about as often as a word ends with its first character times a word starts with its
    second (the table's "<" and ">" keys, see bench/build_idf_table.py), so pairs of
    common function characters weigh little though no word holds them.
    """
    table = _frequencies(lang)
    if lang in PAIRED_LANGUAGES and len(term) == 2:
        across = table.get("<" + term[0], 0.0) * table.get(">" + term[1], 0.0)
        return max(table.get(term, 0.0) + across, UNKNOWN_FREQ)
    return table.get(term, UNKNOWN_FREQ)


def number_freq(term: str) -> float:
    """Frequency of a number per running word: small numbers are everywhere ("2 people",
    "top 10", "page 1"), large ones are specific ("228 on board", "Flight 447").

    Numbers in text fall off roughly as 1/n, so a number's frequency is SMALL_NUMBERS / n,
    never below NUMBER_FREQ; a decimal counts by its digits ("8.8" as 88). Years are common
    context ("in 2005"), not event markers. Without this, every listicle and every match
    report shared "1", "2" and "5" as if they were names.
    """
    digits = term.replace(".", "").replace(":", "")
    if len(term) == 4 and term.isdigit() and term[:2] in ("19", "20"):
        return YEAR_FREQ
    if not digits.isdigit() or int(digits) == 0:
        return SMALL_NUMBERS
    return max(NUMBER_FREQ, SMALL_NUMBERS / int(digits[:9]))


def phrase_idf(phrase: str, span: float, lang: str = "en") -> float:
    """Background idf of a multi-word name: that of its rarest word.

    Why not rarer still: scoring "North Korea" or "White House" far above its words
    (measured with 10x-100x) joins two North Korean launches years apart (the seeds)
    while gaining little on long-running stories; the mean of the parts, used before,
    let "Tour de France" vanish behind its common words.
    """
    table = _frequencies(lang)
    freq = min(table.get(stem(p, lang), UNKNOWN_FREQ) for p in phrase.split())
    return -math.log(-math.expm1(-span * freq))


@lru_cache(maxsize=200_000)
def _norm_token(tok: str) -> str:
    tok = fold(tok)
    if tok.endswith("'s"):
        tok = tok[:-2]
    if tok[:1].isdigit():
        return tok.rstrip("%").replace(",", "")
    return tok.replace(".", "").replace("'", "")


@dataclass(frozen=True, slots=True)
class Features:
    """What one article contributes to similarity: term weights, entities, time."""

    weights: dict[str, float]
    entities: frozenset[str]
    surface: dict[str, str]  # kept term -> the word as most often written ("missiles", not "missil")
    time: float | None  # days since the epoch, or None when the article has no date


def _entities(tokens: list[str], forms: defaultdict[str, Counter[str]], lang: str = "en") -> list[str]:
    """Multi-word capitalised phrases ("Fumio Kishida", "Bank of England"), normalised;
    their written forms are counted in `forms` under "e:" + phrase."""
    if lang in NOUNS_CAPITALISED:
        return []
    phrases: list[str] = []
    run: list[str] = []
    for i, tok in enumerate([*tokens, "."]):
        starts = i == 0 or tokens[i - 1].endswith(".")
        calendar = _norm_token(tok) in CALENDAR
        rare = idf(stem(_norm_token(tok), lang), DOC_WORDS, lang) >= NAME_IDF
        if tok[:1].isupper() and not calendar and not (starts and not rare):
            run.append(tok)
            continue
        if run and tok.lower() in PHRASE_LINK and i + 1 < len(tokens) and tokens[i + 1][:1].isupper():
            run.append(tok.lower())
            continue
        while run and run[-1].lower() in PHRASE_LINK:
            run.pop()
        if run and run[-1].endswith(".") and tok[:1].isdigit():
            run.pop()  # "Terminal No. 3", "Vol. 2": the abbreviation belongs to the number
        run = _untitled(run)
        if len(run) >= 2:
            phrases.append(" ".join(_norm_token(t) for t in run))
            forms["e:" + phrases[-1]][_POSSESSIVE.sub("", " ".join(run).rstrip("."))] += 1
        run = []
    return phrases


def _untitled(run: list[str]) -> list[str]:
    """A name without the titles before it: "Cmdr. Rui Falcão" and "Prime Minister Fumio
    Kishida" are "Rui Falcão" and "Fumio Kishida", as another outlet writes them ("Rui
    Falcão, the district commander"). A title stays when only one word would be left
    ("President Biden")."""
    start = 0
    while (len(run) - start > 2 and run[start + 1].lower() not in PHRASE_LINK
           and run[start].lower().rstrip(".") in TITLES):
        start += 1
    return run[start:]


def _unelided(token: str) -> str:
    return unelide(token) if "'" in token or "’" in token else token  # most have none: fast


_BREAK = re.compile(r"[:;,()\[\]\"“”|/–—!?]")


def _broken(text: str) -> list[str]:
    """Word tokens, an elided article or pronoun taken off ("l'annonce" -> "annonce"),
    with a "|" wherever punctuation separates two words, so a name never runs across it
    ("Tour de France: Cancellara" is two names, "the East, Japan and South Korea"
    three). The word after it is not a sentence start: "..., South Korea's". Chinese,
    Japanese and Korean give overlapping character pairs (`briefing.text.char_pairs`)."""
    out: list[str] = []
    last = 0
    for m in WORD.finditer(text):
        if out and _BREAK.search(text, last, m.start()):
            out.append("|")
        token = m.group()
        if not token.isascii() and PAIRED_RUN.search(token):  # most words are ASCII: fast
            out.extend(char_pairs(token))
        else:
            out.append(_unelided(token))
        last = m.end()
    return out


def _count(
    tokens: list[str],
    counts: defaultdict[str, float],
    caps: set[str],
    forms: defaultdict[str, Counter[str]],
    scale: float,
    lang: str = "en",
    headline: bool = False,
) -> None:
    """Add the weighted terms of `tokens` to `counts`; note capitalised terms and the
    written forms of each stem (for evidence a reader can read). In a `headline` with no
    body a capitalised first word counts as a name when it is rare (see the module docstring)."""
    names = lang not in NOUNS_CAPITALISED
    for i, tok in enumerate(tokens):
        norm = _norm_token(tok)
        if lang == "zh":
            norm = simplified(norm)
        if len(norm) < 2 and not norm.isdigit():
            continue
        term = stem(norm, lang)
        w = scale * (LEAD_BOOST if i < LEAD_WORDS else 1.0)
        counts[term] += w
        starts = i == 0 or tokens[i - 1].endswith(".")
        named = names and tok[:1].isupper() and norm not in CALENDAR and (
            not starts or (headline and idf(term, DOC_WORDS, lang) >= NAME_IDF)
        )
        # names, German nouns and numbers read as written ("Passau", "Pegel", "9,20")
        as_written = named or norm[:1].isdigit() or (not names and tok[:1].isupper() and not starts)
        forms[term][_POSSESSIVE.sub("", tok.rstrip(".")) if as_written else norm] += 1
        if named:
            caps.add(term)


def features(article: Article) -> Features:
    """Weighted terms of an article: sublinear tf x background idf, strongest kept."""
    counts: defaultdict[str, float] = defaultdict(float)
    caps: set[str] = set()
    forms: defaultdict[str, Counter[str]] = defaultdict(Counter)
    body = article.text != article.title and bool(article.text.strip())
    title_broken = _broken(article.title)
    body_broken = _broken(article.text) if body else []
    title_tokens = [t for t in title_broken if t != "|"]
    body_tokens = [t for t in body_broken if t != "|"]
    lang = article_language(article.language, [*title_tokens, *body_tokens[:LANGUAGE_WORDS]])
    _count(title_tokens, counts, caps, forms, TITLE_BOOST, lang, headline=not body)
    _count(body_tokens, counts, caps, forms, 1.0, lang)
    span = float(2 ** round(math.log2(max(SPAN_PER_WORD * (len(title_tokens) + len(body_tokens)), 64))))
    weights: dict[str, float] = {}
    for term, tf in counts.items():
        w = idf(term, span, lang)
        if w < MIN_IDF:
            continue
        boost = CAPITAL_BOOST if term in caps else 1.0
        weights[term] = (1.0 + math.log(tf)) * w * boost if tf >= 1 else tf * w * boost
    ents = Counter(_entities(title_broken, forms, lang) + _entities(body_broken, forms, lang))
    for phrase, tf in ents.items():
        w = ENTITY_BOOST * phrase_idf(phrase, span, lang)
        if w >= 2.0:
            weights["e:" + phrase] = (1.0 + math.log(tf)) * w
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_TERMS]
    norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
    return Features(
        weights={t: w / norm for t, w in top},
        entities=frozenset(ents),
        surface={t: _written(t, forms) for t in [*(k for k, _ in top), *("e:" + e for e in ents)]},
        time=_days(article.published),
    )


def _written(term: str, forms: defaultdict[str, Counter[str]]) -> str:
    """How a term reads in the text: its commonest written form (ties: alphabetical)."""
    if term not in forms:
        return term.removeprefix("e:")
    return min(forms[term].items(), key=lambda kv: (_shouting(kv[0]), -kv[1], kv[0]))[0]


def _shouting(form: str) -> bool:
    """An all-capitals form longer than an acronym ("ABERLYN" from a dateline)."""
    return form.isupper() and len(form) > 4


def _days(when: datetime | None) -> float | None:
    return None if when is None else when.timestamp() / 86400.0


COMMON_SHARE = 0.5  # a term in more than half of the batch separates little in it
COMMON_MIN_DF = 5  # ... once that many articles hold it (3 articles sharing a name is a story)


def _damp_common(m: sparse.csr_matrix) -> sparse.csr_matrix:
    """Scale down the terms that a large share of this batch holds, then renormalise.

    Why: search results or a one-topic feed share their topic word in every article
    ("SXSW", "Glastonbury"); on the background table it is a rare name, so it alone
    joined every story of the topic. A term held by more than COMMON_SHARE of the batch
    (and by at least COMMON_MIN_DF articles) is scaled by (1 - share) / (1 - COMMON_SHARE),
    down to 0 when every article holds it. On a general news day no story reaches that
    share, so nothing changes there: the seeds, the demo, multiling2011 and the full
    uci-news set group exactly as before, while uci-news cut into 25 search-results sets
    goes from mean F1 0.779 to 0.840 (bench/grouping.py). A story of a third of a quiet
    day (the demo's mine rescue) keeps its words in full.
    """
    df = np.bincount(m.indices, minlength=m.shape[1]).astype(float)
    share = df / max(m.shape[0], 1)
    factor = np.where((share > COMMON_SHARE) & (df >= COMMON_MIN_DF),
                      np.clip((1.0 - share) / (1.0 - COMMON_SHARE), 0.0, 1.0), 1.0)
    if (factor == 1.0).all():
        return m
    m = (m @ sparse.diags(factor)).tocsr()
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    return (sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ m).tocsr()


def matrix(feats: Sequence[Features]) -> tuple[sparse.csr_matrix, list[str]]:
    """Rows of L2-normalised term weights as one sparse matrix, plus the vocabulary; terms
    most of the batch shares are damped (`_damp_common`)."""
    vocab: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for r, f in enumerate(feats):
        for term, w in f.weights.items():
            rows.append(r)
            cols.append(vocab.setdefault(term, len(vocab)))
            vals.append(w)
    shape = (len(feats), max(len(vocab), 1))
    m = sparse.csr_matrix((np.array(vals), (np.array(rows), np.array(cols))), shape=shape)
    m = _damp_common(m)
    terms = [""] * len(vocab)
    for term, i in vocab.items():
        terms[i] = term
    return m, terms
