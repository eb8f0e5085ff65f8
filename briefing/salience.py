"""Per-sentence salience from sumy's summarizers.

Why a module: sumy's summarizers return the top-k sentences, but a news summary needs
each sentence's *score*, to combine with position, support across outlets and novelty.
This module asks each sumy summarizer for its ratings and returns them as one array.

Speed: sumy's LexRank, TextRank and LSA build their similarity/term matrices in pure
Python loops (quadratic in sentences: about 1 s at 400 sentences). For those three the
matrix is built here with numpy/scipy by the *same formulas* as sumy's
`_create_matrix` (LexRank: max-normalised TF, sumy's IDF `log(n / (1 + n_j))`,
idf-modified cosine, threshold 0.1, degree normalisation; TextRank: word-overlap
counts over the sum of log lengths, row normalisation, damping; LSA: smoothed max-TF
term-by-sentence matrix) and handed to sumy's own `power_method` / `_compute_ranks`.
Luhn, SumBasic and KL are called through their rating methods directly. The caller
still pre-selects candidates, so no summarizer sees sentences that cannot win.

Language: stems, stop words and words are sumy's for the text's language
(`sumy_language`), so the German "die", "der", "und" are not content words in a German
summary. A language with a background table (`briefing.language.LANGUAGES`) that sumy
cannot stem (Bulgarian, Catalan, Persian, Indonesian, Turkish, Vietnamese; Greek and
Polish, whose sumy stemmers need packages that are not installed) is not read as
English: its words are left unstemmed and its commonest words are the stop words.
Read as English, its function words ("και", "ve", "của") were content words, shared by
every sentence, and the sentences fullest of them were the most salient. The caches are
per language; English is the default, and the fallback for a code with no common words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import sparse

from briefing.language import LANGUAGES, common_words

__all__ = [
    "ALGORITHMS",
    "DEFAULT_LANGUAGE",
    "StemmedText",
    "stem",
    "stemmer",
    "stop_words",
    "sumy_language",
    "sumy_scores",
]

ALGORITHMS = ("lexrank", "textrank", "lsa", "luhn", "sumbasic", "kl")
_KL_LIMIT = 80  # KL is cubic; it rates only the best candidates by the cheap score.
DEFAULT_LANGUAGE = "english"  # sumy's name; also the fallback for languages sumy lacks
_LANGUAGE_CACHE = 64  # per-language caches: more than the languages with a table
# Languages sumy stems by its own code rather than NLTK's Snowball, which is why
# `briefing.language.LANGUAGES` (Snowball names) has no name for them.
_SUMY_ONLY = {
    "cs": "czech", "el": "greek", "he": "hebrew", "ko": "korean", "pl": "polish",
    "sk": "slovak", "uk": "ukrainian",
}


_CODES = {name: code for code, name in {**LANGUAGES, **_SUMY_ONLY}.items() if name}


def sumy_language(code: str) -> str:
    """sumy's name for a language code ("de" -> "german"); for a language of
    `briefing.language.LANGUAGES` that sumy has no working stemmer or stop words for,
    the code itself ("tr", "el"); English for any other code.

    Why the code: sumy does not know these languages, and `stemmer`, `stem` and
    `stop_words` read a code of `LANGUAGES` as "unstemmed, the language's commonest words
    as stop words" (see `_unstemmed`), which is nearer the language than English stop
    words and stems. Why English otherwise: it is what every summary used before
    languages were known (and a language with no list of common words has nothing better).
    """
    key = code.lower().replace("_", "-").split("-")[0]
    name = LANGUAGES.get(key) or _SUMY_ONLY.get(key)
    if name and _available(name):
        return name
    return key if key in LANGUAGES and common_words(key) else DEFAULT_LANGUAGE


@lru_cache(maxsize=_LANGUAGE_CACHE)
def _unstemmed(language: str) -> bool:
    """Whether `language` is a code `sumy_language` returns for a language sumy cannot
    stem: one summarised with an identity stemmer and its commonest words as stop words.

    Codes of languages sumy stems ("de") are not: `sumy_language` never returns them.
    """
    return language in LANGUAGES and sumy_language(language) == language


@lru_cache(maxsize=_LANGUAGE_CACHE)
def _available(name: str) -> bool:
    """Whether there are stop words and a stemmer that runs for `name`.

    The stemmer is tried on a word: sumy's Greek and Polish stemmers load an optional
    package only when first called, and fail there when it is missing.
    """
    from sumy.nlp.stemmers import Stemmer

    try:
        Stemmer(name)("test")
    except (LookupError, ValueError, ImportError):
        return False
    return bool(stop_words(name))


@lru_cache(maxsize=_LANGUAGE_CACHE)
def _stemmer(language: str = DEFAULT_LANGUAGE) -> Any:
    """sumy's stemmer for `language`; sumy's identity (`null_stemmer`, which lower-cases)
    for a language sumy cannot stem (`_unstemmed`)."""
    from sumy.nlp.stemmers import Stemmer, null_stemmer

    return null_stemmer if _unstemmed(language) else Stemmer(language)


@lru_cache(maxsize=200_000)
def stem(word: str, language: str = DEFAULT_LANGUAGE) -> str:
    """sumy's stem of a lower-cased word in `language` (cached): one notion of "same word".

    A language sumy cannot stem (`sumy_language` gave its code) keeps the word as it is.
    """
    return str(_stemmer(language)(word))


@lru_cache(maxsize=_LANGUAGE_CACHE)
def stemmer(language: str = DEFAULT_LANGUAGE) -> Callable[[str], str]:
    """`stem` for one language, as a one-argument function for sumy and `fact_keys`.

    It calls `stem` the way `StemmedText` does, so both share one cache entry per word.
    """

    def stem_in(word: str) -> str:
        return stem(word, language)

    return stem_in


@lru_cache(maxsize=_LANGUAGE_CACHE)
def stop_words(language: str = DEFAULT_LANGUAGE) -> frozenset[str]:
    """sumy's stop words for `language`, lower-cased, or else the language's most
    frequent words.

    Why the fallback: sumy has stemmers but no stop-word lists for Russian, Dutch,
    Danish, Finnish, Hungarian, Norwegian and Romanian; the commonest words of the
    language (the list `briefing.language` tells languages by) are its function words.
    A language sumy cannot stem at all (`sumy_language` gave its code: Turkish, Greek,
    ...) gets its commonest words too, with sumy's list added where it has one (Greek and
    Polish, whose stemmers need packages that are not installed).
    """
    from sumy.utils import get_stop_words

    if _unstemmed(language):
        return _as_written([*common_words(language), *_listed(_SUMY_ONLY.get(language))])
    try:
        return frozenset(w.lower() for w in get_stop_words(language))
    except LookupError:
        return _as_written(common_words(_CODES.get(language, "")))


def _listed(name: str | None) -> tuple[str, ...]:
    """sumy's stop-word list for `name`, empty where it has none."""
    from sumy.utils import get_stop_words

    try:
        return tuple(get_stop_words(name)) if name else ()
    except LookupError:
        return ()


def _as_written(words: Sequence[str]) -> frozenset[str]:
    """Common words lower-cased, and a Greek word ending in σ also with the final ς.

    Why: the lists are keyed by `briefing.language.fold`, which writes the final sigma
    as σ ("τησ"); a text, and so sumy's words, write "της".
    """
    lower = [w.lower() for w in words]
    return frozenset(lower + [w[:-1] + "ς" for w in lower if w.endswith("σ")])


@lru_cache(maxsize=_LANGUAGE_CACHE)
def _tokenizer(language: str = DEFAULT_LANGUAGE) -> Any:
    from briefing.text import SumyTokenizer

    return SumyTokenizer(language)


class StemmedText:
    """Sentences as sumy sees them: its words, lower-cased, stop words out, stemmed.

    Built once per summary and shared by every scorer, so tokenising and stemming
    (the expensive part of sumy for large inputs) happens once per sentence.
    """

    def __init__(
        self,
        texts: Sequence[str],
        stems: Sequence[list[str]] | None = None,
        *,
        language: str = DEFAULT_LANGUAGE,
    ) -> None:
        self.texts = list(texts)
        self.language = language  # `sumy_language`'s: the scorers that re-tokenise need it
        if stems is None:
            tokenizer, stop = _tokenizer(language), stop_words(language)
            stems = [
                [stem(w, language) for w in (t.lower() for t in tokenizer.to_words(text)) if w not in stop]
                for text in self.texts
            ]
        self.stems: list[list[str]] = list(stems)
        vocab: dict[str, int] = {}
        self.rows = np.fromiter(
            (i for i, sentence in enumerate(self.stems) for _ in sentence), dtype=np.int64
        )
        self.ids = np.fromiter(
            (vocab.setdefault(stem, len(vocab)) for sentence in self.stems for stem in sentence),
            dtype=np.int64,
        )
        self.vocab = vocab
        shape = (len(self.texts), max(1, len(vocab)))
        self.counts = sparse.csr_matrix((np.ones(len(self.ids)), (self.rows, self.ids)), shape=shape)
        self.counts.sum_duplicates()

    def take(self, index: Sequence[int]) -> StemmedText:
        """The same sentences, restricted to `index` (no re-tokenising)."""
        return StemmedText(
            [self.texts[i] for i in index], [self.stems[i] for i in index], language=self.language
        )

    def bigram_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """(sentence, code) of every adjacent pair of stems within a sentence.

        A pair (a, b) is coded a * V + b + V, so codes never collide with stem ids.
        """
        same = self.rows[1:] == self.rows[:-1]
        size = max(1, len(self.vocab))
        codes = self.ids[:-1][same] * size + self.ids[1:][same] + size
        return self.rows[1:][same], codes

    def subset(self, index: Sequence[int]) -> sparse.csr_matrix:
        """The count rows of the given sentences."""
        return self.counts[np.asarray(index, dtype=int)]


def _lexrank(counts: sparse.csr_matrix) -> np.ndarray:
    from sumy.summarizers.lex_rank import LexRankSummarizer

    n = counts.shape[0]
    max_tf = counts.max(axis=1).toarray().ravel()
    max_tf[max_tf == 0] = 1
    tf = sparse.diags(1.0 / max_tf) @ counts
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    idf = np.log(n / (1.0 + df))
    weighted = (tf @ sparse.diags(idf)).tocsr()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    numerator = (weighted @ sparse.diags(idf) @ tf.T).toarray()
    # sumy's numerator is sum(tf1*tf2*idf^2); weighted @ diag(idf) @ tf.T is the same.
    with np.errstate(divide="ignore", invalid="ignore"):
        cosine = numerator / np.outer(norms, norms)
    cosine[~np.isfinite(cosine)] = 0.0
    matrix = (cosine > LexRankSummarizer.threshold).astype(float)
    degrees = matrix.sum(axis=1)
    degrees[degrees == 0] = 1
    matrix /= degrees[:, None]
    # When no two sentences share a weighted word (idf is log(n / (1 + df)), so with two
    # sentences no word weighs anything) the matrix is zero and sumy's power method
    # divides 0 by 0: every rating is NaN, and numpy warned the caller about it. Zeros
    # rank exactly as those NaNs did (in sentence order), without the warning.
    with np.errstate(divide="ignore", invalid="ignore"):
        ranks = LexRankSummarizer.power_method(matrix, LexRankSummarizer.epsilon)
    return np.nan_to_num(np.asarray(ranks, dtype=float))


def _textrank(counts: sparse.csr_matrix) -> np.ndarray:
    from sumy.summarizers.text_rank import TextRankSummarizer

    n = counts.shape[0]
    overlap = (counts @ counts.T).toarray()
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    logs = np.log(np.maximum(lengths, 1))
    norm = logs[:, None] + logs[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        weights = np.where(np.isclose(norm, 0.0), overlap, overlap / norm)
    weights[~np.isfinite(weights)] = 0.0
    weights /= weights.sum(axis=1)[:, None] + TextRankSummarizer._ZERO_DIVISION_PREVENTION
    damping = TextRankSummarizer.damping
    matrix = np.full((n, n), (1.0 - damping) / n) + damping * weights
    return np.asarray(TextRankSummarizer.power_method(matrix, TextRankSummarizer.epsilon))


def _lsa(counts: sparse.csr_matrix, language: str) -> np.ndarray:
    from sumy.summarizers.lsa import LsaSummarizer

    matrix = counts.T.toarray()  # words x sentences, as sumy builds it
    keep = matrix.sum(axis=1) > 0
    matrix = matrix[keep]
    if matrix.size == 0:
        return np.zeros(counts.shape[0])
    max_freq = matrix.max(axis=0)
    smooth = 0.4
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(max_freq > 0, smooth + (1 - smooth) * matrix / max_freq, matrix)
    _u, sigma, v = np.linalg.svd(scaled, full_matrices=False)
    summarizer = LsaSummarizer(_stemmer(language))
    return np.asarray(summarizer._compute_ranks(sigma, v), dtype=float)


def _document(texts: Sequence[str], language: str) -> Any:
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

    tokenizer = _tokenizer(language)
    return ObjectDocumentModel([Paragraph([Sentence(t, tokenizer) for t in texts])])


def _luhn(texts: Sequence[str], language: str) -> np.ndarray:
    from sumy.summarizers.luhn import LuhnSummarizer

    summarizer = LuhnSummarizer(stemmer(language))
    summarizer.stop_words = stop_words(language)
    document = _document(texts, language)
    significant = frozenset(summarizer._get_significant_words(document.words))
    return np.array([summarizer.rate_sentence(s, significant) for s in document.sentences])


def _greedy(texts: Sequence[str], kind: str, language: str) -> np.ndarray:
    """SumBasic and KL: ratings are minus the round a sentence was picked in."""
    from sumy.summarizers.kl import KLSummarizer
    from sumy.summarizers.sum_basic import SumBasicSummarizer

    summarize_with = SumBasicSummarizer if kind == "sumbasic" else KLSummarizer
    summarizer: Any = summarize_with(stemmer(language))
    summarizer.stop_words = stop_words(language)
    document = _document(texts, language)
    ratings = summarizer._compute_ratings(document.sentences)
    n = len(texts)
    return np.array([n + float(ratings[s]) for s in document.sentences])


def sumy_scores(stemmed: StemmedText, index: Sequence[int], algorithm: str = "lexrank") -> np.ndarray:
    """sumy's rating of each sentence in `index`, scaled to [0, 1] (best = 1).

    Scaling by rank keeps the combination with position and support independent of
    each algorithm's score distribution.
    """
    algorithm = algorithm.lower().replace("_", "").replace("-", "")
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown summary algorithm {algorithm!r}; use one of {ALGORITHMS}")
    if len(index) == 0:
        return np.zeros(0)
    if len(index) == 1:
        return np.ones(1)
    texts = [stemmed.texts[i] for i in index]
    if algorithm == "lexrank":
        raw = _lexrank(stemmed.subset(index))
    elif algorithm == "textrank":
        raw = _textrank(stemmed.subset(index))
    elif algorithm == "lsa":
        raw = _lsa(stemmed.subset(index), stemmed.language)
    elif algorithm == "luhn":
        raw = _luhn(texts, stemmed.language)
    else:
        limit = _KL_LIMIT if algorithm == "kl" else len(texts)
        raw = np.zeros(len(texts))
        raw[:limit] = _greedy(texts[:limit], algorithm, stemmed.language)
    return _rank_scale(np.asarray(raw, dtype=float))


def _rank_scale(raw: np.ndarray) -> np.ndarray:
    """Map scores to (0, 1] by rank; ties share the lower rank."""
    order = np.argsort(np.argsort(raw, kind="stable"), kind="stable")
    return (order + 1) / len(raw)
