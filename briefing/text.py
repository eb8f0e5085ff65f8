"""Sentence, word and paragraph splitting that needs no downloaded data.

Why this exists: sumy's default tokenizer is NLTK's Punkt model, whose data files
must be downloaded and cannot be on many servers. News text is regular enough that a
small rule set does as well for our purpose (picking summary sentences), and a rule set
is predictable, testable and fast.

How sentence splitting works:

1. The text is cut into paragraphs at blank lines (``\\n``, ``\\r\\n`` or ``\\r`` line
   ends; U+2029 is a paragraph break too); a paragraph break always ends a sentence.
   Inside a paragraph every run of whitespace (including single newlines) becomes one
   space. So a heading line without final punctuation is its own sentence only when a
   blank line follows it; a heading glued to the next line by a single newline joins
   that line's first sentence. This is deliberately simple: extracted article text
   puts headings in their own paragraphs.
2. A *candidate* boundary is a run of ``. ! ? …`` (or the Hindi and Bengali danda
   ``।``, the Arabic question mark ``؟``, the Urdu full stop ``۔``) followed by optional
   closing quotes/brackets and a space. Everything else (``3.5``, ``example.com``,
   ``v2.0``) is never a candidate, because no space follows the period. Chinese and
   Japanese write no space after ``。！？``, so one is added there first.
3. Each candidate is judged by the word before it and the word after it
   (``_split_paragraph`` and ``_period_ends_sentence``). The rules, in order:

   - the next word starts with a lowercase letter (unless it is camel case, like
     ``iPhone``) or with ``, ; : .`` or a closing bracket: no split
     (``"Why?" she asked``, ``5 p.m. on Tuesday``, ``Wait... what?``);
   - ``!``, ``?``, an ellipsis, or a period followed by a closing quote/bracket: split;
   - a period after a title (``Mr.``, ``Dr.``, ``Gen.``, ``Lt.`` ...) or after
     ``e.g.``/``i.e.``/``vs.``: no split;
   - a period after a reference abbreviation (``No.``, ``Jan.``, ``p.``, ``Vol.``)
     followed by a number: no split;
   - a period after an abbreviation that may also end a sentence (``U.S.``, ``Inc.``,
     ``Co.``, ``Jr.``, ``etc.``, ``a.m.``, ``St.``, any dotted acronym) or after a
     single-capital initial (``W.``): split only when the next word is a common
     sentence starter (The, A, He, She, It, They, In, But, ...; see ``_STARTERS``),
     and, after an initial, not when the next word is itself an initial
     (``J. A. Smith``). So ``in the U.S. The next day`` splits while ``the U.S. Army``
     and ``George W. Bush`` do not. The price: a sentence that begins with a proper
     noun right after such an abbreviation stays joined to it (``They left the U.S.
     Congress met later.`` is one sentence), and so does one starting with a number;
   - any other period: split.

Speed comes from doing the scanning with compiled regular expressions and running the
Python decision only once per candidate boundary, not per character or per word.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import regex

from briefing.language import korean_stem, simplified

__all__ = [
    "SENTENCE_ENDS",
    "PAIRED_RUN",
    "UNSPACED_RUN",
    "SumyTokenizer",
    "char_chunks",
    "char_pairs",
    "split_paragraphs",
    "split_sentences",
    "split_words",
    "word_set",
]

_CLOSERS = "\"'”’»)]}"
_OPENERS = "\"'“‘«([{"

# One or more blank lines (after \r\n and \r became \n). A literal first character
# lets the regex engine scan fast.
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# A candidate boundary: terminal punctuation, closers, one space (whitespace is already
# collapsed), and a look at the first character of the next word after any openers.
# The look-behind and possessive repeats keep long runs of dots linear.
SENTENCE_ENDS = ".!?\u2026\u0964\u0965\u061f\u06d4\u3002\uff01\uff1f"  # and । ॥ ؟ ۔ 。 ！ ？
_CANDIDATE = re.compile(
    rf"(?<![{SENTENCE_ENDS}])([{SENTENCE_ENDS}]++)([{re.escape(_CLOSERS)}]*+)"
    rf" (?=[{re.escape(_OPENERS)}]*+(\S?))"
)
# Chinese and Japanese put no space after a full stop: one is added before judging.
_CJK_STOP = re.compile("([\u3002\uff01\uff1f]+[\u300d\u300f\u201d\u2019\uff09)]*)(?=\\S)")
_NO_SPLIT_BEFORE = frozenset(",;:.)]}")
_DOTTED_ACRONYM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
_LEADING_WORD = re.compile(r"[^\W_]+")


def word_set(words: str) -> frozenset[str]:
    """Build a lookup set from a whitespace-separated list (long lists stay readable)."""
    return frozenset(words.split())


# Titles and words that only ever stand before something: never end a sentence.
_NEVER_FINAL = word_set(
    """Mr Mrs Ms Messrs Mmes Dr Prof Gen Lt Col Maj Capt Cmdr Cdr Adm Sgt Cpl Pvt Brig
    Rep Reps Sen Sens Gov Rev Hon Pres Supt Det Insp Atty Amb Fr Mt Ft
    vs v e.g i.e cf viz approx Approx"""
)
# Reference abbreviations: never end a sentence when a number follows.
_BEFORE_NUMBER = word_set(
    """No Nos no nos Vol vol Vols p pp Fig fig Figs Art art Ch ch Sec sec Para para Op op
    Ex Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Ed ed Ref ref"""
)
# Abbreviations that often end a sentence, too: split before a sentence starter only.
_MAYBE_FINAL = word_set(
    """Inc Corp Ltd Co Cos Bros Jr Sr Jrs etc al St Ste Ave Blvd Rd Dept Univ Assn Intl
    Govt govt est Est Calif Fla Ariz Conn Ill Wash Mich Minn Tenn Va"""
)
_ABBREVIATIONS = _NEVER_FINAL | _BEFORE_NUMBER | _MAYBE_FINAL
# Words that commonly begin a news sentence. After an ambiguous abbreviation they tip
# the balance towards a sentence end; a proper noun after it does not.
_STARTERS = word_set(
    """The A An This That These Those There Their They Them Then He She It Its I We You
    His Her Our My Your In On At For From With By As After Before During Since Until
    Under Over About Among Amid Against Across Without Within When While Where What Who
    Whom Whose Which Why How If But And Or Nor So Yet Still However Meanwhile Also
    Although Though Because Despite Instead Earlier Later Now Today Yesterday Tomorrow
    Tonight Last Next Some Many Most Several Few Other Others Another Each Every Both
    All Any No Not None Such One Two Three Four Five Officials Police Authorities Critics
    Analysts Experts Investors Shares Prices Sales Mr Mrs Ms Dr Asked Here Once
    Overall Indeed Only Even Just Separately Elsewhere Nearly Almost More Less Much"""
)


def split_paragraphs(text: str) -> list[str]:
    """Return the non-empty blocks of ``text`` separated by blank lines.

    Why: paragraph breaks are the one boundary that is never ambiguous, so every other
    splitter starts from here.
    """
    return [block.strip() for block in _blocks(text) if block and not block.isspace()]


def split_sentences(text: str) -> list[str]:
    """Return the sentences of ``text``: stripped, none empty, whitespace collapsed.

    Why our own: it needs no downloaded model data and handles the abbreviations,
    initials, numbers, quotations and URLs of news copy (rules in the module docstring).
    """
    sentences: list[str] = []
    for block in _blocks(text):
        paragraph = " ".join(block.split())
        if _has_cjk_stop(paragraph):
            paragraph = _CJK_STOP.sub(r"\1 ", paragraph)
        if paragraph:
            sentences.extend(_split_paragraph(paragraph))
    return sentences


def _has_cjk_stop(paragraph: str) -> bool:
    return "\u3002" in paragraph or "\uff01" in paragraph or "\uff1f" in paragraph


def _blocks(text: str) -> list[str]:
    """Cut at blank lines; ``\\r\\n`` and ``\\r`` end lines too, U+2029 ends a paragraph."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\u2029" in text:
        text = text.replace("\u2029", "\n\n")
    return _PARAGRAPH_BREAK.split(text)


def _split_paragraph(paragraph: str) -> list[str]:
    """Split one whitespace-normalised paragraph at the candidates judged to be boundaries.

    The cheap tests come first so that the common case (``word. Next``) costs a few
    string operations per sentence.
    """
    pieces: list[str] = []
    start = 0
    for match in _CANDIDATE.finditer(paragraph):
        punct, close, first = match.groups()
        if not first or first in _NO_SPLIT_BEFORE:
            continue
        end = match.end()
        if first.islower() and not _is_camel_case(_token_at(paragraph, end).lstrip(_OPENERS)):
            continue
        if punct == "." and not close and not _period_ends_sentence(paragraph, match.start(), end):
            continue
        pieces.append(paragraph[start : end - 1])
        start = end
    pieces.append(paragraph[start:])
    return pieces


def _period_ends_sentence(paragraph: str, dot: int, after: int) -> bool:
    """Judge a single period at ``dot`` followed by a word that is not lowercase."""
    word = paragraph[paragraph.rfind(" ", 0, dot) + 1 : dot].lstrip(_OPENERS)
    if len(word) != 1 and "." not in word and word not in _ABBREVIATIONS:
        return True
    if word in _NEVER_FINAL:
        return False
    next_clean = _token_at(paragraph, after).lstrip(_OPENERS)
    if word in _BEFORE_NUMBER and next_clean[:1].isdigit():
        return False
    if len(word) == 1 and word.isupper():
        return _starts_sentence(next_clean) and not _is_initial(next_clean)
    if word in _MAYBE_FINAL or _DOTTED_ACRONYM.fullmatch(word):
        return not next_clean[:1].isdigit() and _starts_sentence(next_clean)
    return True


def _token_at(paragraph: str, index: int) -> str:
    """Return the space-delimited token that begins at ``index``."""
    end = paragraph.find(" ", index)
    return paragraph[index:] if end < 0 else paragraph[index:end]


def _starts_sentence(token: str) -> bool:
    """True when ``token`` is a word that commonly begins a sentence."""
    match = _LEADING_WORD.match(token)
    return match is not None and match.group() in _STARTERS


def _is_initial(token: str) -> bool:
    """True for an initial such as ``A.`` (so ``J. A. Smith`` is not split)."""
    return len(token) == 2 and token[0].isupper() and token[1] == "."


def _is_camel_case(token: str) -> bool:
    """True for words like ``iPhone`` or ``eBay``, which may begin a sentence."""
    return token[:1].islower() and any(ch.isupper() for ch in token[1:4])


# A word: a dotted abbreviation kept with its final period (U.S., e.g.), or letters and
# digits joined by internal apostrophes, hyphens and periods (don't, state-of-the-art,
# 3.5, v2.0, example.com), and by commas or colons between digits (1,000, 10:30).
# Letters carry their combining marks: the vowel signs of Hindi, Bengali or Tamil are
# marks, and without them "हिन्दी" fell apart into three "words".
_WORD = regex.compile(
    r"(?:\p{L}\p{M}*\.){2,}(?![\w\p{M}])"
    r"|[\w\p{M}--_]+(?:(?:['’.\-]|(?<=\d)[,:](?=\d))[\w\p{M}--_]+)*",
    regex.VERSION1,
)


# Chinese characters and kana: Chinese and Japanese put no spaces between words.
UNSPACED_RUN = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}ー]+")
# ... and Hangul: a Korean word carries its particles, so it is read in pairs too.
PAIRED_RUN = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}ー\p{Hangul}]+")


def char_chunks(token: str) -> list[str]:
    """A run of Chinese characters or kana cut into consecutive pieces of two characters
    ("北京市周二" -> "北京", "市周", "二"); other letters in the token stay whole.

    Why: a summary's word budget and its sentence-length limits count words, and a
    Chinese or Japanese word is about two characters long; the whole run between two
    punctuation marks is a clause, not a word.
    """
    return _runs(token, lambda run: [run[i : i + 2] for i in range(0, len(run), 2)], UNSPACED_RUN)


def char_pairs(token: str) -> list[str]:
    """A run of Chinese characters, kana or Hangul as its overlapping character pairs
    ("北京暴雨" -> "北京", "京暴", "暴雨"); a Korean word without its particle or ending
    (`briefing.language.korean_stem`: "서울교통공사는" -> "서울", "울교", "교통", "통공",
    "공사"); other letters in the token stay whole.

    Why pairs: without a word segmenter (a dictionary of its own per language), pairs
    are how search engines read these languages, and most of their words are one or two
    characters long; a Korean word carries its particles ("서울에서", "서울은"), so its
    pairs are what two reports share. Grouping weighs them against a table of pairs, and
    summaries compare sentences by them.
    """
    return _runs(token, _overlapping, PAIRED_RUN)


def _overlapping(run: str) -> list[str]:
    run = korean_stem(run)  # Chinese and kana runs come back as they are
    return [run] if len(run) < 2 else [run[i : i + 2] for i in range(len(run) - 1)]


def _runs(token: str, cut: Callable[[str], list[str]], runs: regex.Pattern[str]) -> list[str]:
    """`token` with each run that `runs` matches replaced by `cut(run)`."""
    out: list[str] = []
    last = 0
    for m in runs.finditer(token):
        if m.start() > last:
            out.append(token[last : m.start()])
        out.extend(cut(m.group()))
        last = m.end()
    if last < len(token):
        out.append(token[last:])
    return out


def split_words(text: str) -> list[str]:
    """Return the word tokens of ``text``; punctuation-only tokens are dropped.

    Why: word counts (summary length budgets) and sumy's word vectors need words, not
    the quotes, dashes and brackets around them.
    """
    return _WORD.findall(text)


class SumyTokenizer:
    """A drop-in for ``sumy.nlp.tokenizers.Tokenizer`` that needs no NLTK data.

    Why: sumy's own tokenizer loads NLTK Punkt at construction and fails where the
    data cannot be downloaded. Hand an instance of this class to a sumy parser instead.
    """

    # sumy's Tokenizer._is_word pattern: words that start with a letter and hold only
    # letters, apostrophes and hyphens. Numbers and dotted abbreviations are not words.
    # Marks count as letters (see `_WORD`).
    _SUMY_WORD = regex.compile(r"^\p{L}[\p{L}\p{M}'-]*$")

    def __init__(self, language: str = "english") -> None:
        self._language = language.lower()

    @property
    def language(self) -> str:
        """The language as `salience.sumy_language` names it: sumy's name ("german"), or
        the code of a language sumy cannot stem ("tr"), which salience reads unstemmed."""
        return self._language

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        """Split a paragraph into sentences, as sumy's parsers call it."""
        return tuple(split_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """Return the words sumy would keep (its ``_is_word`` filter applied); Chinese,
        Japanese and Korean as character pairs (`char_pairs`), Chinese characters in
        their Simplified form, so two outlets' versions of one sentence compare alike.

        Curly apostrophes become straight ones so that ``don’t`` matches sumy's stop
        words and word pattern.
        """
        words = split_words(sentence.replace("’", "'"))
        if not sentence.isascii() and PAIRED_RUN.search(sentence):
            words = [pair for word in words for pair in char_pairs(simplified(word))]
        return tuple(word for word in words if self._SUMY_WORD.match(word))
