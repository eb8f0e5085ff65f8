"""Page furniture, one line at a time: bylines, datelines, captions, toolbars, prompts.

Why a module of its own: these judgements need nothing but the line itself, and two
stages make them. The cleaner (`briefing.clean`) drops furniture lines from a page, with
passes that also weigh where a line stands; the summary candidates (`briefing.candidates`)
drop furniture sentences that a clipping or a feed still carries. One definition keeps
"what is a byline" and "what is a dateline" the same in both.
"""

from __future__ import annotations

import re

from briefing.text import UNMARKED_END  # Thai and Lao mark no sentence end

__all__ = [
    "CLOSERS", "dateline_date", "is_boilerplate", "is_breadcrumb", "is_byline", "is_sentence",
    "strip_dateline", "word_count",
]

# ---------------------------------------------------------------------------- line shapes

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
# Thai, Lao, Burmese and Khmer letters and marks (not their digits or punctuation).
_SPACELESS = re.compile(r"[\u0e01-\u0e4e\u0e81-\u0ede\u1000-\u103f\u1050-\u109f\u1780-\u17d3]")
_SPACELESS_CHARACTERS = 5  # per word, marks included (Thai, Lao, Khmer and Burmese)
_TERMINAL = re.compile(r"[.!?…。！？:\u104b\u17d4\u17d5]\W{0,3}$")  # and the Burmese ။, the Khmer ។ ៕
CLOSERS = "\"'”’)]»"


def word_count(line: str) -> int:
    """Word count; CJK scripts have no spaces, so about two characters make a word, and
    Thai, Lao, Khmer and Burmese put spaces between phrases only: about five characters
    (marks included) make a word there. Counted by spaces, a whole paragraph of theirs was
    a few "words", never body text, and the cleaner dropped every line of the article."""
    count = len(line.split())
    if line.isascii():
        return count
    return count + len(_CJK.findall(line)) // 2 + len(_SPACELESS.findall(line)) // _SPACELESS_CHARACTERS


def is_sentence(line: str) -> bool:
    """Ends like a sentence (terminal punctuation, maybe inside closing quotes; in Thai
    and Lao, which have none, a letter of theirs)."""
    return _marked(line) or (not line.isascii() and bool(UNMARKED_END.search(line)))


def _marked(line: str) -> bool:
    return bool(_TERMINAL.search(line.rstrip(CLOSERS + " ")) or _TERMINAL.search(line))


# ---------------------------------------------------------------------------- boilerplate

_BREADCRUMB_SEP = re.compile(r"\s(?:>|›|»|/|\||→|::)\s")
_PATTERNS = [re.compile(p, re.I) for p in (
    r"^you are here\W*$",
    r"^home\s*(?:>|›|»|/|\|)",
    r"^(?:leave|post|add|write) a (?:reply|comment|response)\b",
    r"^(?:\d+\s+)?(?:comments?|replies|responses)\s*(?:\(\d+\))?$",
    r"^(?:share|tweet|email|print)(?: (?:this|the))?(?: article| story| page| post)?"
    r"(?: (?:on|via|by|with) \w+)?\W*$",
    r"^share (?:this|the) (?:article|story|page|post)\b",
    r"\b(?:sign up|subscribe|register)\b.{0,60}\bnewsletters?\b",
    r"^(?:advertisement|advertising|sponsored(?: content)?|ad|story continues below.*|"
    r"scroll to continue.*|continue reading\W*|read more\W*)$",
    r"^(?:copyright\b|©|\(c\)\s*\d{4})", r"\ball rights reserved\b",
    r"^(?:photo|photograph|image|picture|credit|source|graphic|illustration|video)"
    r"(?: credit)?\s*[:：]",
    r"\b(?:log ?in|sign ?in|sign up|register)\b.{0,50}"
    r"\b(?:account|comments?|facebook|twitter|google|connect)\b",
    r"^to (?:write|post|leave|add|view) (?:a )?comments?\b",
    r"\(\s*\d+\s*/\s*\d+\s*\S{0,3}\)\s*$",
    r"^tags?\b\s*[:\-]?\s", r"^(?:topics|filed under|keywords|categories)\s*:",
    r"^(?:[\w-]+\s)?[\w-]*(?:icon|image|logo|button)s?\b(?:\s*\S+){0,2}$",
    # "Related: <headline>", "Read more: ...", "SEE MORE: ...", "Leggi anche: ..."
    r"^(?:related|read more|see more|see also|also read|read also|more|also on \S+|"
    r"leggi anche|lesen sie auch|lire aussi|voir aussi|leia também|veja também|"
    r"lea también|don'?t miss)\s*[:\-–—|]",
    r"^(?:follow|like)\b.{0,80}\bon (?:facebook|twitter|instagram|youtube|linkedin)\b",
    r"^(?:thanks? (?:you )?for (?:signing up|subscribing)|like this (?:story|article)\?)",
    r"^[-–•]?\s*(?:published|updated|posted|last updated)\s*(?:at|on)?\s*[:\-]?\s*"
    r"[\d:.apm ]{3,20}(?:[A-Z]{2,4})?\s*$",
)]
# "By Jane Doe", "Written by Jane Doe and John Roe, Reuters", "By Ana Reis | Staff Writer",
# "By Jane Doe, staff writer", "By Jane Doe for AP", "Reporter: Ana Reis": the line is
# capitalised names (case matters) and at most a role, since "By then, the road was
# closed." and "By Monday, 40 had died." are sentences. A wire's credit line is names
# too ("Reporting by Ana Reis; Editing by Tom Hale"), or anything in brackets: "Research
# by Oxford economists shows inflation fell." is a sentence.
_NAME = r"[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|de|van|von|der|da|al)){0,4}"
_NAMES = rf"{_NAME}(?:\s*(?:,|;|\||and|&)\s*{_NAME})*"
_ROLE = r"(?:\s*[,|]\s*(?i:[a-z ]{0,24}(?:writer|reporter|correspondent|editor|contributor)))?"
_CREDIT_BY = r"(?i:(?:additional )?(?:reporting|writing|editing|compiled|research) by)"
_BYLINE = re.compile(
    r"^\(?(?:(?i:written|reported|story|posted) )?(?:By|BY|by)\s+"
    rf"{_NAMES}{_ROLE}(?:\s+(?:for|of|at)\s+(?:the\s+)?{_NAME})?\)?$"
    rf"|^(?i:reporter|correspondent|editor|author)s?\s*[:|]\s*{_NAME}$"
    rf"|^\({_CREDIT_BY}\s[^()\n]{{0,200}}\)\.?$"
    rf"|^{_CREDIT_BY}\s+{_NAME}(?:\s*(?:,|;|and|&)\s*(?:{_CREDIT_BY}\s+)?{_NAME})*\.?$"
)
# Toolbar lines are made of nothing but widget words ("print dictionary print").
_WIDGETS = frozenset(re.findall(r"\w+", """
    print dictionary email e mail share tweet facebook twitter linkedin whatsapp reddit
    font size text a reset copy link url close menu search zoom listen audio save
    bookmark comment comments more less kakao naver line telegram pinterest"""))
_CREDIT = re.compile(
    r"(?:(?<=\S)\s*\[[A-Za-z][A-Za-z/ ,.&'’-]{1,40}\]|"
    r"\((?:photo|image|picture|file|credit|courtesy)[^)\n]{0,60}\)|"
    r"\b(?:getty images|shutterstock|afp|ap photo|reuters|yonhap|epa|newsis)\)?)\s*$",
    re.I,
)
# "SEOUL, Jan. 28 (Yonhap) -- ", "JERUSALEM/GAZA (Reuters) - ", "(AP) — ",
# "SANTARÉM, Portugal, Nov. 18 (Meridian Wire) — " (accented capitals are capitals).
_CAPS = "A-ZÀ-ÖØ-Þ"
_DATELINE = re.compile(
    rf"^(?:(?P<place>[{_CAPS}][{_CAPS}.'’-]+(?:[ /][{_CAPS}][{_CAPS}.'’-]+){{0,3}})"
    rf"(?:,\s*[{_CAPS}][\w.'’-]*(?:\s+[{_CAPS}][\w.'’-]*){{0,2}})?"
    r"(?:(?:,\s*|\s+)(?P<date>[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,?\s+\d{4})?))?\s*)?"
    r"(?:\((?P<agency>[A-Za-z][^()\n]{1,39})\)\s*)?(?:--|[—–-])\s+(?=\S)"
)


def is_breadcrumb(line: str) -> bool:
    """"Home > World > Asia": short parts between separators, not a sentence."""
    if line.startswith("|"):  # a table row, not a trail
        return False
    parts = _BREADCRUMB_SEP.split(line)
    return len(parts) >= 3 and not _marked(line) and all(word_count(p) <= 12 for p in parts)


def _is_toolbar(line: str) -> bool:
    words = re.findall(r"\w+", line.casefold())
    return 0 < len(words) <= 8 and all(w in _WIDGETS for w in words)


def _is_caption(line: str) -> bool:
    """A photo caption: ends with a credit ("[AP/YONHAP]", "(Photo: X)", "/ Getty Images")."""
    return word_count(line) <= 60 and bool(_CREDIT.search(line))


def _is_shouting(line: str) -> bool:
    """An all-capitals line without sentence punctuation: a promo link or a kicker."""
    letters = [c for c in line if c.isalpha()]
    return (len(line.split()) >= 3 and len(letters) >= 10 and all(c.isupper() for c in letters)
            and not is_sentence(line))


def is_boilerplate(line: str) -> bool:
    """Furniture whatever its place on the page: a prompt, a byline, a caption, a toolbar.

    Lines over 25 words are never furniture here: a rule about strings must not cost a
    body paragraph that happens to contain one.
    """
    if len(line.strip(" \t-–—•*|·")) <= 2:
        return True
    if word_count(line) > 25:
        return False
    return (
        is_breadcrumb(line)
        or _is_toolbar(line)
        or _is_caption(line)
        or is_byline(line)
        or _is_shouting(line)
        or any(p.search(line) for p in _PATTERNS)
    )


def is_byline(line: str) -> bool:
    """Whether a line only says who wrote the article (a clipping's or a sentence's)."""
    return bool(_BYLINE.match(line))


def strip_dateline(line: str) -> str:
    """"SEOUL, Jan. 28 (Yonhap) -- The ministry said..." -> "The ministry said...".

    Why: the dateline is metadata the edition already shows; the fact after it is often
    the lead of the story. A short place alone ("US - China talks...") and a bare dash (a
    list item) are not datelines: removing them would cut the sentence.
    """
    match = _DATELINE.match(line)
    if not match:
        return line
    place, date, agency = match.group("place", "date", "agency")
    if not (place or agency):
        return line
    if place and (len(place.replace(".", "")) < 2 or not (date or agency) and len(place) < 4):
        return line
    rest = line[match.end():]
    return rest[0].upper() + rest[1:] if rest else line


def dateline_date(line: str) -> str:
    """The date a dateline carries ("Jan. 28, 2026" of "SEOUL, Jan. 28, 2026 -- ..."), or ""."""
    match = _DATELINE.match(line)
    return (match.group("date") or "") if match else ""
