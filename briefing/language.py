"""Which language an article is written in, told by its most frequent words.

Why it matters: grouping weighs words against a background table per language
(`briefing/data/`, see `similarity.py`). Read with the English table, every function word
of a German or Russian article is unknown and counts as a rare name, so all articles in
that language looked alike and fell into one incident. The renderer also needs it for
`<html lang>`, which picks WeasyPrint's hyphenation patterns.

The test needs no model: each language's 150 commonest words (from wordfreq, built by
bench/build_idf_table.py into `briefing/data/idf/common_words.json`) are counted in the
text. English is the default; another language must show at least MIN_LANGUAGE_HITS of
its common words and more than twice as many as English shows, because short English
headlines hold words that are common elsewhere ("Men's Wearhouse to buy Jos. A. Bank for
$1.8 billion" has Danish "men", "to" and "for"). Chinese, Japanese and Korean are told
by their script: Japanese mixes kana into its Chinese characters.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources
from itertools import islice

import regex

# Languages with a background table (`briefing/data/idf/`, built by
# bench/build_idf_table.py) and NLTK's Snowball stemmer for each, where it has one.
LANGUAGES: dict[str, str | None] = {
    "en": "english", "ar": "arabic", "bg": None, "bn": None, "ca": None, "cs": None,
    "da": "danish", "de": "german", "el": None, "es": "spanish", "fa": None, "fi": "finnish",
    "fr": "french", "he": None, "hi": None, "hu": "hungarian", "id": None, "is": None,
    "it": "italian", "lt": None, "lv": None, "mk": None, "ms": None, "nb": "norwegian",
    "nl": "dutch", "pl": None, "pt": "portuguese", "ro": "romanian", "ru": "russian",
    "sh": None, "sk": None, "sl": None, "sv": "swedish", "ta": None, "tr": None, "uk": None,
    "ur": None, "vi": None, "zh": None, "ja": None, "ko": None,
}
# Read as overlapping pairs of characters, whose tables hold pairs (see
# `briefing.similarity`), and told by their script, not by common words: Chinese and
# Japanese put no spaces between words, and a Korean word carries its particles and
# endings ("서울에서", in Seoul), so two reports seldom write a word the same way.
PAIRED_LANGUAGES = frozenset({"zh", "ja", "ko"})
_HAN = regex.compile(r"\p{Han}")
_KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}]")
_HANGUL = regex.compile(r"\p{Hangul}")
SCRIPT_SHARE = 0.3  # of a text's letters in one of these scripts: that language
KANA_SHARE = 0.05  # of the Chinese characters and kana in kana: Japanese (Chinese has none)
# Declared codes (`<html lang>`, a feed's language) for a language tabled under another:
# wordfreq lists Croatian and Bosnian with Serbian as Serbo-Croatian, in Latin letters.
# Not "sr": Serbian is often written in Cyrillic, where the Latin table knows no word.
ALIASES = {"hr": "sh", "bs": "sh", "no": "nb", "nn": "nb"}
MIN_LANGUAGE_HITS = 3  # common words a text needs before it counts as not English
LANGUAGE_WORDS = 300  # words of a text read to tell its language
_WORD = regex.compile(r"\p{L}[\p{L}\p{M}]*(?:['’]\p{L}[\p{L}\p{M}]*)*")  # with combining marks


# Elided articles and pronouns written onto the next word: French "l'annonce",
# "qu'il", "c'est", Italian "dell'anno", Catalan "d'una". The frequency lists hold the
# word after the apostrophe; glued on, every such form looked like a rare name.
ELISIONS = frozenset({
    "l", "d", "j", "m", "n", "s", "t", "c", "qu", "lorsqu", "puisqu", "jusqu", "quoiqu",
    "presqu", "dell", "dall", "nell", "sull", "all", "coll", "un", "quest", "quell", "nessun",
})


def unelide(word: str) -> str:
    """The word without an elided article or pronoun in front ("l'Assemblée" ->
    "Assemblée", "qu'il" -> "il"); other words as they are ("don't", "O'Brien")."""
    for mark in ("'", "’"):
        head, sep, tail = word.partition(mark)
        if sep and tail[:1].isalpha() and head.casefold() in ELISIONS:
            return tail
    return word


def _listed(words: str) -> list[str]:
    """The words of a whitespace-separated list (long lists stay readable)."""
    return words.split()


# Korean particles and verb endings written onto the word ("서울에서", in Seoul;
# "발표했다", announced): the commonest of news copy, longest first when they overlap.
KOREAN_ENDINGS = tuple(sorted(_listed("""
    이 가 은 는 을 를 의 에 에서 에게 께서 께 로 으로 와 과 도 만 까지 부터 처럼 보다 이나
    나 라고 이라고 에는 에서는 으로는 와의 과의 에도 에서도 으로도 로서 으로서 로써 이며 이고
    이다 였다 이었다 한테 조차 마저 대로 다 했다 됐다 한다 된다 있다 없다 했으며 했고 됐고
    하며 하고 되며 되고 한 된 할 될 하는 되는 있는 없는 했던 됐던 하기 하게 해 했 며 고 면
    면서 지만 는데 습니다 니다 으며 겠다 시 게 기 인 적 들 들이 들은 들을 들의 들에게
"""), key=len, reverse=True))


def korean_stem(word: str) -> str:
    """A Korean word without its particles and verb endings, two at most ("서울에서" ->
    "서울", "중단했다고" -> "중단"), while at least two syllables stay; other words as
    they are.

    Why: a Korean word carries its particles, so two reports of one event write "강남역에"
    and "강남역에서" for the same station, and every word ending in "했다" (did) or "은"
    shared those syllables with every other article.
    """
    if not word or not "\uac00" <= word[-1] <= "\ud7a3":  # not ending in a Hangul syllable: fast
        return word
    for _ in range(2):  # "중단했다고": "고", then "했다"
        ending = next((e for e in KOREAN_ENDINGS if word.endswith(e) and len(word) - len(e) >= 2), "")
        if not ending:
            break
        word = word[: -len(ending)]
    return word


@lru_cache(maxsize=1)
def _traditional() -> dict[int, str]:
    data = resources.files("briefing").joinpath("data/idf/zh_simplified.json").read_text("utf-8")
    return {ord(k): v for k, v in json.loads(data).items()}


def simplified(text: str) -> str:
    """Chinese text in Simplified characters ("臺灣" -> "台湾"), from wordfreq's map.

    Why: the Chinese table is in Simplified characters, and a report from Taipei and one
    from Beijing should share what they write differently.
    """
    return text.translate(_traditional())


def fold(word: str) -> str:
    """A word as the frequency lists key it: case-folded, final sigma as sigma, no
    full stop ("Jan." -> "jan")."""
    return word.casefold().replace("’", "'").replace("ς", "σ").strip(".")


@lru_cache(maxsize=1)
def _lists() -> dict[str, tuple[str, ...]]:
    data = resources.files("briefing").joinpath("data/idf/common_words.json").read_text("utf-8")
    return {lang: tuple(words) for lang, words in json.loads(data).items()}


def common_words(code: str) -> tuple[str, ...]:
    """A language's most frequent words, most frequent first (none for an unknown code)."""
    return _lists().get(code, ())


@lru_cache(maxsize=1)
def _common_words() -> dict[str, tuple[str, ...]]:
    """Word -> the languages it is among the most frequent words of. One-letter words
    ("a", "i", "в") are left out: too many languages share them to tell one."""
    out: dict[str, list[str]] = {}
    for lang, words in _lists().items():
        for word in words:
            if len(word) > 1:
                out.setdefault(word, []).append(lang)
    return {w: tuple(langs) for w, langs in out.items()}


def language(tokens: Sequence[str]) -> str:
    """The language code of a text given as words ("de", "ru"; "en" by default)."""
    paired = _by_script(tokens)
    if paired:
        return paired
    common = _common_words()
    hits: Counter[str] = Counter()
    for tok in tokens:
        for lang in common.get(fold(unelide(tok)), ()):
            hits[lang] += 1
    english = hits.pop("en", 0)
    if not hits:
        return "en"
    best, n = max(hits.items(), key=lambda kv: (kv[1], kv[0]))
    return best if n >= MIN_LANGUAGE_HITS and n > 2 * english else "en"


def _by_script(tokens: Sequence[str]) -> str:
    """"ko", "ja" or "zh" when enough of the letters are Hangul, or Chinese characters
    and kana, else ""."""
    text = "".join(tokens)
    han, kana = len(_HAN.findall(text)), len(_KANA.findall(text))
    if text and len(_HANGUL.findall(text)) >= SCRIPT_SHARE * len(text):
        return "ko"
    if not text or han + kana < SCRIPT_SHARE * len(text):
        return ""
    return "ja" if kana >= KANA_SHARE * (han + kana) else "zh"


def text_language(*texts: str) -> str:
    """The language of a title and text, from their first LANGUAGE_WORDS words."""
    words: list[str] = []
    for text in texts:
        found = _WORD.finditer(text)
        words.extend(m.group() for m in islice(found, max(LANGUAGE_WORDS - len(words), 0)))
    return language(words)


def article_language(declared: str, tokens: Sequence[str]) -> str:
    """The declared language (`<html lang>`, a feed's language) when it is one with a
    table and not "en", which is also the model's default; otherwise told from `tokens`."""
    code = _declared(declared)
    return code if code else language(tokens)


def told_language(declared: str, *texts: str) -> str:
    """`article_language` of an article's title and text: the declared language, or the
    one its words tell. Why not the declared one alone: "en" is also what an Article
    gets when nobody said (a caller of `briefing.summarize` building its own)."""
    code = _declared(declared)
    return code if code else text_language(*texts)


def _declared(declared: str) -> str:
    code = (declared or "").lower()[:2]
    code = ALIASES.get(code, code)
    return code if code in LANGUAGES and code != "en" else ""


def commonest(codes: Iterable[str]) -> str:
    """The commonest of some articles' language codes ("" counts as English).

    Why the commonest: an incident or an edition is read in one language, and a stray
    article in another (a wire story quoted abroad) should not change how the rest is
    read. Ties go to English, then alphabetically, so the choice never depends on order.
    """
    counts = Counter(code or "en" for code in codes)
    if not counts:
        return "en"
    return max(sorted(counts), key=lambda c: (counts[c], c == "en"))
