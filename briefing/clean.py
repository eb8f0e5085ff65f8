"""Plain-text boilerplate removal: a web page's text (or a saved clipping) -> its body.

Why a stage of its own: a web page goes through trafilatura first (`briefing.extract`),
but its output still carries captions, "Related" lists and share prompts; a saved
clipping (a folder source) has no HTML at all, only the page's text with its furniture.
Both end in `clean_text`, so an article reads the same whatever its origin.

The cleaner works on rules about the *shape* of lines (a short line without sentence
punctuation that no body text follows, a repeated line, a heading that opens a list of
headlines) more than on known strings, because the project is measured on pages it has
never seen. Its one duty beyond removing furniture is never to delete a body sentence.
What a single line is (a byline, a caption, a toolbar) is judged in `briefing.furniture`;
the passes here also weigh where a line stands among the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from briefing.furniture import (
    CLOSERS,
    dateline_date,
    is_boilerplate,
    is_breadcrumb,
    is_sentence,
    strip_dateline,
    word_count,
)

__all__ = ["clean_text", "parse_date", "parse_text_article", "printable", "title_from_sentence"]

# C0 and C1 controls (tab, newline and carriage return excepted), the two noncharacters
# a parser can let through, lone surrogates, and the invisible characters that only split
# a word (zero-width space, word joiner, byte order mark, soft hyphen; the zero-width
# joiners stay: Persian, the Indic scripts and emoji need them); and the characters that
# only break a line.
_CONTROL = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\xad\u200b\u2060\ufeff\ufffe\uffff\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\x0b\x0c\x85\u2028\u2029]")


def printable(value: str) -> str:
    """`value` without control characters; vertical tab, form feed and the Unicode line
    separators become plain line breaks.

    Why: a feed or a page can carry them (a stray "\\x01" in a title, an ANSI colour
    code), and they survive HTML escaping. XML 1.0 forbids them, so one such title made
    the archive's Atom feed unreadable to every feed reader; HTML counts them as parse
    errors, and the PDF draws each as a missing-glyph box. An invisible character inside
    a word made "Reu\\u200bters" a second outlet that looks like "Reuters", and a word
    that matches no other in grouping.
    """
    return _CONTROL.sub("", _LINE_BREAKS.sub("\n", value))


# ---------------------------------------------------------------------------- dates

_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_ZONES = {name: hours * 3600 for name, hours in {
    "UTC": 0, "GMT": 0, "Z": 0, "KST": 9, "JST": 9, "CST": -6, "CDT": -5, "EST": -5,
    "EDT": -4, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "BST": 1, "CET": 1, "CEST": 2,
}.items()}


def parse_date(value: str | None) -> datetime | None:
    """An aware UTC datetime from a date string, or None when it lacks a full date.

    A time without a zone is taken as UTC: a clipping does not say where it was saved.
    The conversion to UTC is inside the guard too: an offset of a day or more ("+99:00")
    raised ValueError there, and year 1 or 9999 OverflowError, which failed a whole
    folder or feed over one article's date.
    """
    if not value or not _YEAR.search(value):
        return None
    import warnings

    from dateutil import parser as dateparser

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown zone names: read as UTC, below
            parsed = dateparser.parse(
                value.strip(), fuzzy=True, default=datetime(2000, 1, 1), tzinfos=_ZONES
            )
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


# ---------------------------------------------------------------------------- line shapes

def _is_body(line: str) -> bool:
    """A line a reader would call text: a real sentence of some length, or a long line."""
    words = word_count(line)
    return (words >= 8 and is_sentence(line)) or words >= 30


def _norm(line: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", line.casefold()).split())


# ---------------------------------------------------------------------------- what the passes look for

_META_DATE = re.compile(
    r"^(?:published|updated|posted|last updated|first published|modified|date)\s*(?:on|at)?"
    r"\s*[:\-]?\s*(?P<value>.{6,60})$",
    re.I,
)
_RELATED = re.compile(
    r"^(?:related(?: \w+){0,2}|more (?:in|from|on|about|stories|news|articles)\b.*|"
    r"similar (?:articles|stories|posts)|see also|also read|read also|read next|"
    r"recommended(?: for you| stories| articles)?|most (?:read|popular|viewed|shared)|"
    r"trending(?: now| stories)?|you (?:may|might) also (?:like|be interested in)|"
    r"top stories|latest(?: news| stories)?|more stories|editor'?s picks|popular|"
    r"leggi anche|lesen sie auch|lire aussi|voir aussi|leia também|veja também|"
    r"lea también|don'?t miss|most read in .{2,30})\W*$",
    re.I,
)
_CAPTION_LEAD = re.compile(
    r"^(?!(?:after|before|in|on|at|during|following|while|when|as|meanwhile|however|"
    r"speaking|according|since|with|for|by|from|under|despite|amid|if|but|and)\b)"
    r"(?![^,]*\b(?:[a-z]{3,}ed|was|were|had|has|have|did|said|told|took|made|gave|went|came)\b)"
    r"[^,;:\"“]{3,80}, \w+ing\b(?!.*\b(?:said|says|told)\b)",
    re.I,
)
# ---------------------------------------------------------------------------- the cleaner


@dataclass
class _Cleaned:
    lines: list[str]
    published: datetime | None = None
    dropped: list[str] = field(default_factory=list)


# Markdown images and links. Neither bracket part may hold its own opening bracket, so
# every match attempt stops at the next one: "[[[[..." or "[a](" * n in one line took
# time growing with the square of the line (8 KB: 2 s, 1 MB: about an hour), and a folder
# is read with no deadline. The target may hold one level of parentheses ("a_(b)").
_MD_TARGET = r"\((?:[^()]|\([^()]*\))*\)"
_MD_IMAGE = re.compile(r"!\[[^\[\]]*\]" + _MD_TARGET)
_MD_LINK = re.compile(r"\[([^\[\]]+)\]" + _MD_TARGET)
_LIST_MARK = re.compile(r"^(?:[-*+•]|\d{1,2}[.)])\s+")
_ITEM = re.compile(r"^(?:[-*+•|]|\d{1,2}[.)])\s")


def _logical_lines(text: str) -> list[str]:
    """Text -> lines, with hard-wrapped paragraphs (Markdown, e-mail) joined back up.

    A line is joined to the next when the next one plainly continues it (starts in lower
    case, or this one stops mid-sentence at a comma) and neither is a heading or list item.
    """
    out: list[str] = []
    previous, previous_blank = "", True
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _MD_LINK.sub(r"\1", _MD_IMAGE.sub("", raw.replace("\xa0", " "))).strip()
        line = re.sub(r"^#{1,6}\s+|\s+#+$", "", line) if line.startswith("#") else line
        line = re.sub(r"(\*\*|__)(.+?)\1", r"\2", line)
        if not line or re.fullmatch(r"[=\-_*]{3,}", line):
            previous_blank = True
            continue
        if out and not previous_blank and _continues(previous, raw.strip(), line):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        previous, previous_blank = line, False
    return out


def _continues(previous: str, raw_next: str, line: str) -> bool:
    if (len(previous) < 40 or raw_next.startswith("#") or _LIST_MARK.match(raw_next)
            or is_sentence(previous)):
        return False
    return line[0].islower() or previous.endswith((",", ";", "-", "–"))


def _clean(text: str, title: str = "") -> _Cleaned:
    """The cleaner's passes, in order; each only sees what the earlier ones kept."""
    result = _Cleaned(lines=_logical_lines(text))
    title_key = _norm(title)
    kept: list[str] = []
    for line in result.lines:
        meta = _META_DATE.match(line)
        if meta and word_count(line) <= 12 and (date := parse_date(meta.group("value"))):
            result.published = result.published or date
            result.dropped.append(line)
        elif (title_key and _norm(line) == title_key) or is_boilerplate(line):
            result.dropped.append(line)
        else:
            kept.append(line)
    kept = _drop_related_lists(kept, result.dropped)
    kept = _drop_repeats(kept, result.dropped)
    kept = _drop_edges(kept, result.dropped)
    if kept:
        kept[0] = strip_dateline(kept[0])
    result.lines = kept
    return result


def _drop_related_lists(lines: list[str], dropped: list[str]) -> list[str]:
    """A "Related"/"More in X" heading goes, with the headlines under it, up to real text."""
    kept: list[str] = []
    in_list = False
    for line in lines:
        if word_count(line) <= 8 and _RELATED.match(line):
            in_list = True
        elif in_list and not _is_body(line):
            pass
        else:
            in_list = False
            kept.append(line)
            continue
        dropped.append(line)
    return kept


def _drop_repeats(lines: list[str], dropped: list[str]) -> list[str]:
    """A line seen twice: later copies go.

    A line printed twice in a row is an image's alt text and caption: both copies go when
    the line is not body-like or comes before the body starts (the lead photo); a body
    sentence doubled inside the text keeps one copy, since a sentence must not be lost.
    """
    keys = [_norm(line) for line in lines]
    twins = {i for i in range(1, len(keys)) if keys[i] == keys[i - 1]}
    twins |= {i - 1 for i in twins}
    starts = [i for i, line in enumerate(lines) if _is_body(line) and i not in twins]
    body_start = starts[0] if starts else len(lines)
    seen: set[str] = set()
    kept: list[str] = []
    for i, line in enumerate(lines):
        caption = (i in twins and word_count(line) <= 60 and not _ITEM.match(line)
                   and (i < body_start or not _is_body(line)) and word_count(line) >= 6)
        if keys[i] in seen or caption:
            dropped.append(line)
            continue
        seen.add(keys[i])
        kept.append(line)
    return kept


def _drop_edges(lines: list[str], dropped: list[str]) -> list[str]:
    """Before the first and after the last body line, short labels go.

    Outlet names, lone headings and widget labels live at the edges of a clipping; inside
    the body a short line is a subheading and stays. Longer lines, list items and table
    rows stay at the edges too: a table of results or tour dates often ends an article.
    """
    body = [i for i, line in enumerate(lines) if _is_body(line) and not _is_lead_caption(line)]
    if not body:
        keep = [line for line in lines if is_sentence(line) and word_count(line) >= 4]
        dropped.extend(line for line in lines if line not in keep)
        return keep
    first, last = body[0], body[-1]
    kept: list[str] = []
    for i, line in enumerate(lines):
        label = not is_sentence(line) and not _ITEM.match(line)
        zone = first if i < first else len(lines) - 1 - last if i > last else 0
        # A zone of many labels is a table or a list that belongs to the article.
        if zone and (zone <= 3 and label and word_count(line) <= (20 if i < first else 6)
                     or (i < first and _is_lead_caption(line))):
            dropped.append(line)
        else:
            kept.append(line)
    return kept


def _is_lead_caption(line: str) -> bool:
    """"Kim Jong-un, standing in front of a missile.": a name, then a participle, no verb.

    Captions are written in the present ("Rescuers search the rubble, looking for ...");
    a past tense before the comma makes a news sentence, and an article's first one
    ("The council published the report on Friday, citing ...") was dropped as a caption.
    """
    return word_count(line) <= 20 and bool(_CAPTION_LEAD.match(line))


def clean_text(text: str, title: str = "") -> str:
    """Remove the furniture of a web page from its plain text, keeping every body sentence.

    Returns paragraphs separated by blank lines. `title`, when known, is removed wherever
    the page repeats it as a line. Metadata lines ("Published: ...") are removed too;
    `parse_text_article` is the way to read them.
    """
    return "\n\n".join(_clean(text, title).lines)


# ---------------------------------------------------------------------------- plain-text files


def _is_headline(line: str) -> bool:
    return (
        0 < word_count(line) <= 25
        and not line.rstrip(CLOSERS).endswith(".")
        and not is_boilerplate(line)
        and not _META_DATE.match(line)
    )


_CUT = re.compile(r",\s|\s(?:and|but|as|after|while|which|who|when|because|amid)\s")


def title_from_sentence(text: str, max_words: int = 15) -> str:
    """A headline-sized title from a body's first sentence, for clippings that lack one."""
    first = re.split(r"(?<=[.!?])\s+(?=[\"“A-Z0-9])", text.strip(), maxsplit=1)[0]
    first = re.sub(r",\s+(?:the\s+)?[\w .'-]{2,40}\s+(?:said|says|reported|reports)\.?$",
                   "", first).rstrip(" .")
    words = first.split()
    if len(words) <= max_words:
        return first
    cuts = []
    for match in _CUT.finditer(first):  # words before a cut only grow: stop past max_words,
        count = len(first[: match.start()].split())  # else a 1 MB "word, word, ..." took minutes
        if count > max_words:
            break
        if count >= 6:
            cuts.append(match.start())
    if cuts:
        return first[: cuts[-1]].rstrip(" ,;")
    return " ".join(words[:max_words]).rstrip(",;:") + "…"


def _find_title(raw: str) -> tuple[str, bool]:
    """(title, taken from the text?): a Markdown/Setext heading, else the first headline line."""
    lines = raw.replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        if re.match(r"^#\s+\S", line.strip()):
            return line.strip().lstrip("#").strip(), True
        if (i + 1 < len(lines) and re.fullmatch(r"={3,}", lines[i + 1].strip())
                and line.strip()):
            return line.strip(), True
    for line in _logical_lines(raw):
        if is_breadcrumb(line) or is_boilerplate(line):
            continue
        return (line, True) if _is_headline(line) else ("", False)
    return "", False


def parse_text_article(raw: str) -> tuple[str, str, datetime | None]:
    """A plain-text or Markdown clipping -> (title, clean body, published or None).

    Without a headline line the title is made from the first sentence, which stays in
    the body. The date comes from "Published:"/"Updated:" lines, an ISO date near the
    top, or a dateline carrying a year; a dateline without a year says too little.
    """
    title, _ = _find_title(raw)
    cleaned = _clean(raw, title)
    body = "\n\n".join(cleaned.lines)
    if not title and cleaned.lines:
        title = title_from_sentence(cleaned.lines[0])
    published = cleaned.published or _date_in_text(raw)
    return title, body, published


def _date_in_text(raw: str) -> datetime | None:
    head = raw[:3000]
    iso = re.search(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?\b",
                    head)
    if iso:
        return parse_date(iso.group(0))
    for line in _logical_lines(head):
        if date := dateline_date(line):
            return parse_date(date)
    return None
