"""Summary candidates: the sentences of an incident's articles that may stand alone.

Why a stage of its own: a summary is only as clean as the sentences it may choose
from. Extraction already removes most page furniture, but clippings still carry photo
captions, bylines, datelines, calls to subscribe and sentence fragments, and news
prose is full of sentences that lean on their neighbour ("He said so."). Filtering them
here keeps the scoring honest (a caption repeated by three outlets would otherwise look
like the best-supported fact) and guarantees that whatever the scorer picks can be
printed on its own.

Near-identical sentences from different outlets (wire copy) become one candidate
credited to all of them: that is both the repetition we must avoid and the strongest
signal that a fact matters.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import regex

from briefing.furniture import is_byline, strip_dateline
from briefing.language import told_language
from briefing.models import Article
from briefing.text import (
    PAIRED_RUN,
    SENTENCE_ENDS,
    SPACELESS_RUN,
    UNMARKED_END,
    char_chunks,
    script_chunks,
    split_words,
)

__all__ = ["Candidate", "candidates", "words_of"]

# The furniture patterns run on lower-cased text (much faster than IGNORECASE).
_CAPTION_MARK = re.compile(
    r"\[[^\]]{2,40}\]\s*$|\((?:photo|image|picture|file photo|credit)[^)]*\)"
    r"|^(?:photo|image|picture|file photo|caption|credit|source)\s*[:|]"
    r"|(?:getty images|/ ?afp|/ ?reuters|/ ?ap photo|ap photo/|shutterstock)\b"
)
# "Published: 3 March ...": a time stamp, not a sentence. Bylines are `furniture.is_byline`.
_STAMP = re.compile(r"^(?:published|updated|posted|last updated)\s*:?\s*\d")
_STAMP_WORDS = 14  # a stamp is short: "Updated 3 times since the report, the toll rose" is not
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.\w")
_PROMO = re.compile(
    r"\b(?:sign up|subscribe|newsletter|share (?:this|on)|follow us|click here|read more"
    r"|download (?:our|the) app|all rights reserved|copyright|cookie|log ?in|sign in"
    r"|leave a (?:reply|comment)|related (?:stories|articles?)|advertisement)\b|©"
)
_FIGURE_GLUED = re.compile(r"(\d+(?:[.,:]\d+)*)")  # a figure and what is written onto it
_TERMINAL = re.compile(rf"[{SENTENCE_ENDS}][\"'”’»)\]」』）]*$")  # the danda, 。, ။ and ។ too
# Verb-ish words: auxiliaries and common reporting verbs, plus inflected forms.
_VERB_WORDS = """is are was were be been being am has have had do does did will would shall should
    can could may might must said says say told tells according warned warns added adds
    announced confirmed denied reported killed died rose fell won lost began left took
    made came went got gave found saw met held led ran set put cut hit kept became brought
    bought built caught chose drew drove fought flew grew heard knew laid meant paid sent
    shot sold spoke spent stood struck taught thought threw wrote broke began fled"""
_VERBS = frozenset(_VERB_WORDS.split())
_INFLECTED = re.compile(r"^[a-z]{3,}(?:ed|es|s)$")
# Words that make a sentence lean on the one before it.
_CONNECTIVE_WORDS = """but and or so also however yet still then thus therefore hence
    besides further furthermore moreover nevertheless nonetheless instead otherwise"""
_CONNECTIVES = frozenset(_CONNECTIVE_WORDS.split())
_PRONOUN_WORDS = """he she it they this that these those him her them his its their such"""
_DANGLING = frozenset(_PRONOUN_WORDS.split()) | _CONNECTIVES
_THIRD_PERSON_WORDS = "he she him his her they them their"
_THIRD_PERSON = frozenset(_THIRD_PERSON_WORDS.split())
_QUOTES = "\"'“‘«"
# '..." he said.' names no one; a bare quotation names no speaker at all.
_PRONOUN_SPEAKER = re.compile(r"[,?!][\"'”’]\s+(?:he|she|they|it)\s+(?:said|says|added|told)\b")
_ATTRIBUTION = re.compile(r"\b(?:said|says|told|added|according|asked|wrote|stated|declared|insisted)\b")
_QUOTED = re.compile(r"“[^”]*”?|\"[^\"]*\"?")
# "Mr. Lang said ..." refers back to where Mr. Lang was introduced.
_SURNAME_ONLY = re.compile(r"(?:Mr|Mrs|Ms|Dr)\. [A-Z][\w'’-]+ [a-z]")
# A run this long without a space, outside Chinese, Japanese, Thai, Lao, Khmer and Burmese
# (written without them): a link, a hash or a mangled table. No reader reads it, and
# WeasyPrint lays out an unbreakable run in time that grows with its square (8,000
# characters: about 8 s). A sentence in those scripts is held to `_MAX_WORDS` instead.
_LONG_RUN = regex.compile(
    r"[^\s\p{Han}\p{Hiragana}\p{Katakana}ー\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]{81,}"
)
_DANGLING_WORDS = 15  # shorter sentences that lean on a neighbour are dropped, longer ones
_MIN_WORDS = 6
_MAX_WORDS = 80
_VERB_CHECK = 16  # longer sentences without a verb we recognise are kept
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(slots=True)
class Candidate:
    """One sentence that may appear in a summary, with where it came from.

    `order` is (article rank by time, sentence position) and is what the summary is
    finally sorted by; `also_in` lists other articles that carry the same sentence.
    """

    text: str
    article_id: str
    article_rank: int
    position: int
    words: int
    age_days: float = 0.0  # how much older its article is than the incident's newest
    dangling: bool = False
    also_in: list[str] = field(default_factory=list)

    @property
    def outlets(self) -> int:
        """How many articles carry this sentence (itself included)."""
        return 1 + len(self.also_in)


def words_of(text: str) -> list[str]:
    """Word tokens, the same notion of word the budget counts: Chinese and Japanese, which
    put no spaces between words, in pieces of two characters (`char_chunks`), Thai, Lao,
    Khmer and Burmese in pieces of three or four letters (`script_chunks`), and in them
    and in Korean a figure apart from the word it is written onto ("4500名", "12명이"),
    so that two outlets' sentences with one figure share it as a fact."""
    words = split_words(text)
    if text.isascii():
        return words
    if PAIRED_RUN.search(text):
        words = [chunk for word in words for piece in _FIGURE_GLUED.split(word) if piece
                 for chunk in char_chunks(piece)]
    if SPACELESS_RUN.search(text):
        words = [chunk for word in words for piece in _FIGURE_GLUED.split(word) if piece
                 for chunk in script_chunks(piece)]
    return words


def _is_furniture(paragraph: str) -> bool:
    """A caption, byline, promotion or heading paragraph: never summary material."""
    low = paragraph.lower()
    return bool(
        is_byline(paragraph) or (len(low.split()) < _STAMP_WORDS and _STAMP.match(low))
        or _CAPTION_MARK.search(low) or _PROMO.search(low)
        or ("@" in low and _EMAIL.search(low))
    )


def _has_verb(tokens: list[str]) -> bool:
    """Whether a sentence has something verb-like: fragments and captions do not."""
    for i, token in enumerate(tokens):
        low = token.lower()
        if low in _VERBS:
            return True
        if i and token == low and _INFLECTED.match(low) and not low.endswith("ss"):
            return True
    return False


def _judge(sentence: str, tokens: list[str], english: bool = True) -> tuple[bool, bool]:
    """Return (usable, dangling) for one cleaned sentence and its word tokens.

    The verb test knows English verbs only: in another language it would drop most
    short sentences ("Die Schulen bleiben geschlossen."), so there it is skipped; also in
    a sentence in Thai, Lao, Khmer or Burmese, which have no table to tell them by and
    are told as English. A Thai or Lao sentence needs no final mark (see `UNMARKED_END`).
    """
    if not _MIN_WORDS <= len(tokens) <= _MAX_WORDS or _LONG_RUN.search(sentence):
        return False, False
    spaceless = not sentence.isascii() and bool(SPACELESS_RUN.search(sentence))
    fragment = english and not spaceless and len(tokens) < _VERB_CHECK and not _has_verb(tokens)
    ended = bool(_TERMINAL.search(sentence)) or (spaceless and bool(UNMARKED_END.search(sentence)))
    if not ended or fragment:
        return False, False
    if _is_furniture(sentence) or sentence[0].islower():
        return False, False
    quoted = sentence[0] in _QUOTES
    dangling = (
        (not quoted and (tokens[0].lower() in _DANGLING or _early_pronoun(tokens)))
        or bool(_PRONOUN_SPEAKER.search(sentence))
        or (quoted and not _ATTRIBUTION.search(_QUOTED.sub(" ", sentence)))
    )
    dangling = dangling or bool(_SURNAME_ONLY.match(sentence))
    if dangling and len(tokens) < _DANGLING_WORDS:
        return False, True
    return True, dangling


def _early_pronoun(tokens: list[str]) -> bool:
    """A third-person pronoun among the first words, before any name it could refer to.

    "Divers recovered his body three hours later" needs the sentence before it;
    "Mayor Ana Reis said her town..." does not.
    """
    for token in tokens[1:6]:
        if token.lower() in _THIRD_PERSON:
            return True
        if token[:1].isupper():
            return False
    return False


def _article_sentences(article: Article) -> list[str]:
    """The usable sentences of one article, in order, datelines stripped."""
    from briefing.text import split_paragraphs, split_sentences

    paragraphs = split_paragraphs(article.text)
    counts = Counter(paragraphs)
    title = article.title.strip().lower()
    out: list[str] = []
    for paragraph in paragraphs:
        heading = paragraph.lower() == title and not _TERMINAL.search(paragraph)
        if counts[paragraph] > 1 or heading or _is_furniture(paragraph):
            continue
        out.extend(strip_dateline(s) for s in _join_open_quotes(split_sentences(paragraph)))
    return out


def _quote_open(text: str) -> bool:
    """Whether a quotation opened in `text` is still open at its end."""
    curly = text.count("“") - text.count("”")
    return curly > 0 or (curly == 0 and text.count('"') % 2 == 1)


def _join_open_quotes(sentences: list[str]) -> list[str]:
    """Join sentences that a multi-sentence quotation spans into one.

    Why: "Nobody here is against the future. We are against a future without us in
    it," said Marta Solis. is one statement; either half alone misquotes her.
    """
    out: list[str] = []
    pending = ""
    for sentence in sentences:
        pending = f"{pending} {sentence.strip()}" if pending else sentence.strip()
        if not _quote_open(pending) or pending.count(" ") > _MAX_WORDS:
            out.append(pending)
            pending = ""
    if pending:
        out.append(pending)
    return out


def _time_key(article: Article) -> datetime:
    """When an article was published (else collected); a naive time is taken as UTC, as
    `briefing.group` takes it: a caller's list mixing naive and aware times raised
    TypeError when the articles were sorted."""
    when = article.published or article.collected
    if when is None:
        return _EPOCH
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _rank_key(article: Article) -> tuple[datetime, str, str, str]:
    """Time, then what tells articles of one time apart whatever order they came in:
    the id, and for two different articles given one id, their title and text."""
    return (_time_key(article), article.id, article.title, article.text)


def _norm_key(tokens: list[str]) -> str:
    """A key under which trivially different copies of a sentence coincide."""
    return " ".join(tokens).lower().replace("’", "'")


def candidates(articles: Sequence[Article]) -> list[Candidate]:
    """All usable sentences of `articles`, exact copies merged, in reading order.

    Articles are ranked by publication time (then by id, title and text), so the
    candidates' order is the order a summary should read in. Ties go to the id, not to
    the order given: undated articles passed in another order gave another summary. Exact copies (after
    normalising case and punctuation) are merged here; near-identical ones are merged
    by the caller, which has the vectors to judge "near".
    """
    ranked = sorted(enumerate(articles), key=lambda pair: (_rank_key(pair[1]), pair[0]))
    newest = max((_time_key(a) for a in articles), default=_EPOCH)
    by_key: dict[str, Candidate] = {}
    out: list[Candidate] = []
    for rank, (_, article) in enumerate(ranked):
        position = 0
        english = told_language(article.language, article.title, article.text) == "en"
        for sentence in _article_sentences(article):
            tokens = words_of(sentence)
            usable, dangling = _judge(sentence, tokens, english)
            if not usable:
                continue
            key = _norm_key(tokens)
            twin = by_key.get(key)
            if twin is not None:
                if twin.article_id != article.id and article.id not in twin.also_in:
                    twin.also_in.append(article.id)
                continue
            cand = Candidate(
                text=sentence,
                article_id=article.id,
                article_rank=rank,
                position=position,
                words=len(tokens),
                dangling=dangling,
                age_days=(newest - _time_key(article)).total_seconds() / 86400,
            )
            by_key[key] = cand
            out.append(cand)
            position += 1
    return out
