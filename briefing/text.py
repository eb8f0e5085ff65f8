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
   ``।``, the Arabic question mark ``؟``, the Urdu full stop ``۔``, the Burmese ``။``,
   the Khmer ``។`` and ``៕``) followed by optional closing quotes/brackets and a space.
   Everything else (``3.5``, ``example.com``, ``v2.0``) is never a candidate, because
   no space follows the period. Chinese and Japanese write no space after ``。！？``,
   and Burmese and Khmer often none after ``။ ។``, so one is added there first.
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
   - a period after a Thai letter (``ต.ค.``, ``06.00 น.``): no split, Thai writes
     periods in abbreviations only;
   - any other period: split.
4. Thai and Lao mark no sentence end at all: a space between two runs of their letters
   ends a sentence, unless what follows continues it (a conjunction, ``ว่า`` "that"
   before it, a name and its office) or either side is too short to stand alone
   (``_split_unmarked``).

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
    "SPACELESS_RUN",
    "UNSPACED_RUN",
    "SumyTokenizer",
    "char_chunks",
    "char_pairs",
    "script_chunks",
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
# and । ॥ ؟ ۔ 。 ！ ？, the Burmese ။ and the Khmer ។ ៕
SENTENCE_ENDS = ".!?\u2026\u0964\u0965\u061f\u06d4\u3002\uff01\uff1f\u104b\u17d4\u17d5"
_CANDIDATE = re.compile(
    rf"(?<![{SENTENCE_ENDS}])([{SENTENCE_ENDS}]++)([{re.escape(_CLOSERS)}]*+)"
    rf" (?=[{re.escape(_OPENERS)}]*+(\S?))"
)
# Chinese and Japanese put no space after a full stop: one is added before judging.
_CJK_STOP = re.compile("([\u3002\uff01\uff1f]+[\u300d\u300f\u201d\u2019\uff09)]*)(?=\\S)")
# Burmese and Khmer often do not either (and Khmer may put one before its ។ instead).
_SCRIPT_STOP = re.compile("([\u104b\u17d4\u17d5]+[\u201d\u2019\"')\\]\u00bb]*)(?=\\S)")
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
        if _has_script_stop(paragraph):
            paragraph = _SCRIPT_STOP.sub(r"\1 ", paragraph)
        if not paragraph:
            continue
        pieces = _split_paragraph(paragraph)
        if not paragraph.isascii() and _THAI_LAO.search(paragraph):
            pieces = [part for piece in pieces for part in _split_unmarked(piece)]
        sentences.extend(pieces)
    return sentences


def _has_cjk_stop(paragraph: str) -> bool:
    return "\u3002" in paragraph or "\uff01" in paragraph or "\uff1f" in paragraph


def _has_script_stop(paragraph: str) -> bool:
    return "\u104b" in paragraph or "\u17d4" in paragraph or "\u17d5" in paragraph


# Thai and Lao mark no sentence end: a space between two runs of their letters ends a
# sentence, or a clause. Not after ฯ or ๆ (ໆ ຯ in Lao), which the spelling rules follow by
# a space ("กรุงเทพฯ เมื่อ..."), and not at a figure ("วันที่ 14 ต.ค."), a Latin word
# or a quotation mark, which are set off by spaces too.
_THAI_LAO = regex.compile(r"[\u0e01-\u0e4e\u0e81-\u0ede]")
_UNMARKED_SPACE = regex.compile(
    r"(?<=[\p{Thai}\p{Lao}--\p{Nd}--[\u0e2f\u0e46\u0eaf\u0ec6]]) (?=[\p{Thai}\p{Lao}--\p{Nd}])",
    regex.VERSION1,
)
_MARK = regex.compile(r"\p{M}")
# Shorter than this (letters, marks not counted), a part is a name, a title or a trailing
# phrase ("สูงที่สุดในรอบ 5 ปี", the highest in five years), not a sentence of its own.
_UNMARKED_MIN = 16
# A part that begins with one of these goes on the sentence before it: a conjunction, a
# relative, a preposition or a verb of saying ("..., said the governor"). Prefixes, since
# the words are not spaced: "และ" (and) also stands before "และเตรียม".
_CONTINUES = tuple(sorted(word_set(
    """และ หรือ แต่ ซึ่ง โดย เพื่อ เพราะ ว่า ที่ จึง ก็ ของ กับ แก่ ให้ จาก ใน ตาม หลังจาก
    ขณะ จน กล่าว ระบุ เปิดเผย เผย แถลง ยืนยัน
    ແລະ ຫຼື ຫລື ແຕ່ ເຊິ່ງ ຊຶ່ງ ໂດຍ ເພື່ອ ເພາະ ວ່າ ທີ່ ຈຶ່ງ ກໍ ຂອງ ກັບ ໃຫ້ ຈາກ ໃນ ຕາມ ຫຼັງຈາກ
    ຂະນະ ກ່າວ"""
)))
_ENDS_THAT = ("ว่า", "ວ່າ")  # "เปิดเผยว่า" (revealed that): what was said follows
# Personal titles: a short part that begins with one starts a sentence with a name, and
# the name, the surname and the office go together ("นายสมชาย วงศ์ไพบูลย์
# ผู้ว่าราชการจังหวัด กล่าวว่า ...", Mr Somchai Wongpaiboon, the governor, said ...).
_TITLES = tuple(sorted(word_set("นาย นาง น.ส. ดร. พล. พ.ต. พ.อ. ร.ต. ศ. รศ. ผศ. ທ່ານ ທ້າວ ນາງ")))


def _split_unmarked(sentence: str) -> list[str]:
    """Cut a Thai or Lao sentence at the spaces between runs of its script that a reader
    takes for sentence ends; leave it whole where the next part continues it.

    Why: with no mark at the end of a sentence, a whole Thai paragraph was one "sentence",
    too long to quote and too long for a summary's budget. A space between clauses is
    where a Thai reader sees one statement end, but the same space also stands between a
    name and a surname, before "ซึ่ง" (which) and "และ" (and) and after "ว่า" (that); those
    stay joined. A part too short to be a statement joins the one before it (after a
    short one, the next joins it), and a name after a title keeps its surname and office,
    so no name or title is cut off on its own.
    """
    parts = _UNMARKED_SPACE.split(sentence)
    if len(parts) == 1:
        return parts
    # The sentences as lists of parts, with their letter counts: joined and counted once
    # each, so a long paragraph of short parts costs linear time.
    out: list[list[str]] = [[parts[0]]]
    size = _letters(parts[0])
    for part in parts[1:]:
        letters = _letters(part)
        current = out[-1]
        joined = (
            size < _UNMARKED_MIN
            or (current[0].startswith(_TITLES) and size < 2 * _UNMARKED_MIN)
            or (letters < _UNMARKED_MIN and not part.startswith(_TITLES))
            or part.startswith(_CONTINUES)
            or current[-1].endswith(_ENDS_THAT)
        )
        if joined:
            current.append(part)
            size += letters
        else:
            out.append([part])
            size = letters
    return [" ".join(sentence_parts) for sentence_parts in out]


def _letters(text: str) -> int:
    """Characters of `text` a reader counts: combining marks and spaces left out."""
    return len(text) - text.count(" ") - len(_MARK.findall(text))


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
    if word and "\u0e00" <= word[-1] <= "\u0e7f":
        return False  # Thai ends no sentence with a period: "ต.ค.", "กทม.", "06.00 น."
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


# Thai, Lao, Khmer and Burmese put no spaces between words either (a space ends a phrase);
# their digits are figures, not letters.
SPACELESS_RUN = regex.compile(
    r"[\p{Thai}--\p{Nd}]+|[\p{Lao}--\p{Nd}]+|[\p{Khmer}--\p{Nd}]+|[\p{Myanmar}--\p{Nd}]+",
    regex.VERSION1,
)
# Thai and Lao end a sentence with no mark: its last letter (ฯ, ๆ and a mark included), or
# a figure after it ("...ตั้งแต่ปี 2554"), ends it; a colon or a comma still does not.
UNMARKED_END = regex.compile(r"[\p{Thai}\p{Lao}](?: ?\d(?:[\d.,]*\d)?%?)?[\"'”’»)\]]*\s*$")
# A letter with its marks; in Khmer and Burmese also the consonants stacked under it
# (the coeng ្ and the virama ္ join the next consonant to the syllable).
_CLUSTER = regex.compile(r"\P{M}(?:[\u17d2\u1039]\P{M}|\p{M})*")
# Letters (with their marks) per word, for the words of an English translation of the
# same news: Thai and Lao about four, Khmer and Burmese about three.
_THAI_LAO_LETTERS, _KHMER_BURMESE_LETTERS = 4, 3


def script_chunks(token: str) -> list[str]:
    """A run of Thai, Lao, Khmer or Burmese letters cut into pieces about a word long
    (four letters with their marks in Thai and Lao, three in Khmer and Burmese); other
    letters in the token stay whole.

    Why: a summary's word budget and its sentence-length limits count words, and these
    scripts write a whole phrase without a space; counted as one word, every sentence was
    under the six a sentence needs, and no budget held. The letters per word are measured
    against English translations of news sentences, so a budget of 100 words holds about
    as much news in Thai as in English.
    """
    return _runs(token, _cut_letters, SPACELESS_RUN)


def _cut_letters(run: str) -> list[str]:
    clusters = _CLUSTER.findall(run)
    size = _THAI_LAO_LETTERS if run[0] < "\u1000" else _KHMER_BURMESE_LETTERS
    return ["".join(clusters[i : i + size]) for i in range(0, len(clusters), size)]


def script_pairs(token: str) -> list[str]:
    """A run of Thai, Lao, Khmer or Burmese letters as its overlapping pairs of letters
    (each with its marks: "น้ำท่วม" -> "น้ำ", "ำท่", "ท่ว", "วม"); other letters stay whole.

    Why: as for Chinese (`char_pairs`), without a word segmenter pairs are what two
    sentences on one event share; a whole phrase between two spaces seldom recurs.
    Summaries compare sentences by them (salience, near-duplicates, repeated facts).
    """
    return _runs(token, _letter_pairs, SPACELESS_RUN)


def _letter_pairs(run: str) -> list[str]:
    clusters = _CLUSTER.findall(run)
    if len(clusters) < 2:
        return ["".join(clusters)]
    return [clusters[i] + clusters[i + 1] for i in range(len(clusters) - 1)]


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
        their Simplified form, so two outlets' versions of one sentence compare alike;
        Thai, Lao, Khmer and Burmese as pairs of letters (`script_pairs`).

        Curly apostrophes become straight ones so that ``don’t`` matches sumy's stop
        words and word pattern.
        """
        words = split_words(sentence.replace("’", "'"))
        if not sentence.isascii() and PAIRED_RUN.search(sentence):
            words = [pair for word in words for pair in char_pairs(simplified(word))]
        if not sentence.isascii() and SPACELESS_RUN.search(sentence):
            words = [pair for word in words for pair in script_pairs(word)]
        return tuple(word for word in words if self._SUMY_WORD.match(word))
