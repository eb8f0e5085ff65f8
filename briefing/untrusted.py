"""What untrusted text may look like on a page: links a reader may follow, and text that
cannot reorder or draw over the text around it.

Why a module of its own: everything in an edition comes from feeds and pages someone
else wrote. Autoescaping (Jinja2) stops markup; it does not stop a ``javascript:`` or
network-share link, a right-to-left override that reverses the next outlet's sentence,
or a pile of combining accents drawn over the masthead. The edition, the archive's pages
and the mail all show text through these functions (`briefing.render`, `briefing.pages`,
`briefing.mail`).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, unquote, urlsplit

LINK_SCHEMES = {"http", "https", "file", "mailto"}
MAX_MARKS = 8  # combining marks in a row that a page shows (see marks_capped)
_URL_BREAKS = re.compile("[\t\n\r]")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def safe_url(url: object) -> str:
    """Return the URL if it is a link a reader may follow, else ``""``.

    Autoescaping stops markup, not ``javascript:`` links; templates only ever put a
    URL into ``href`` through this filter. A ``file:`` link is kept only when it names
    this machine's own disk (a folder source's clipping): ``file://host/share``,
    ``file:////host/share`` or a backslash path is a Windows network share, and
    following one sends the reader's Windows credentials to that host, so a feed
    item's link must never become one.
    """
    text = _invisible_encoded(_URL_BREAKS.sub("", str(url or "")).strip())
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if scheme == "file" and (parts.netloc.lower() not in ("", "localhost")
                             or parts.path.startswith("//") or "\\" in unquote(text)):
        return ""
    return text if scheme in LINK_SCHEMES else ""


def _invisible_encoded(url: str) -> str:
    """The URL with its spaces, controls and format characters percent-encoded.

    Tab and line breaks are dropped first, as a browser drops them when it reads a link.
    Why: the mail's text part prints the link on a line of its own, so a link holding
    a line break wrote lines of its choosing into the mail, and a bidi override
    (U+202E) would show the rest of the address reversed; encoded, a link is one line
    that reads as what it opens.
    """
    return "".join(quote(ch, safe="") if unicodedata.category(ch)[0] in "CZ" else ch
                   for ch in url)


def web_url(url: object) -> str:
    """`safe_url`, but only ``http``/``https``: the links of a page read elsewhere (mail).

    A ``file:`` link points at the disk of the machine that built the edition, which
    is nothing a mail recipient can open.
    """
    text = safe_url(url)
    return text if urlsplit(text).scheme.lower() in ("http", "https") else ""


def bidi_closed(text: str) -> str:
    """`text` with every bidi embedding, override and isolate it opens closed at its end,
    and, when it holds any such control, isolated (FSI ... PDI) from what follows.

    Why: an unclosed U+202E (right-to-left override) in one outlet's sentence reversed
    everything after it in the paragraph -- the next sentences and their attribution
    marks -- so a browser showed one outlet's words credited to another. Closing what
    a text opens keeps each text's direction to itself; closers without an opener are
    dropped, so no text can close what another opened; the isolate stops even a closed
    override from pulling a neighbouring number (the time after a title) into its run.
    Text without bidi controls, right-to-left or not, is returned as it is.
    """
    if not _BIDI_CONTROLS.search(text):
        return text
    closers: list[str] = []
    kept = []
    for ch in text:
        if ch in "\u202a\u202b\u202d\u202e":  # LRE RLE LRO RLO, closed by PDF
            closers.append("\u202c")
        elif ch in "\u2066\u2067\u2068":  # LRI RLI FSI, closed by PDI
            closers.append("\u2069")
        elif ch == "\u202c":
            if not closers or closers[-1] != ch:
                continue
            closers.pop()
        elif ch == "\u2069":
            if ch not in closers:
                continue
            while closers.pop() != ch:  # a PDI also closes the embeddings inside its isolate
                pass
        kept.append(ch)
    return "\u2068" + "".join(kept) + "".join(reversed(closers)) + "\u2069"


def marks_capped(text: str) -> str:
    """`text` with at most `MAX_MARKS` combining marks in a row (the rest dropped).

    Why: a title of one letter and 2,000 combining accents ("zalgo" text) is drawn as
    a column of accents that climbs over the masthead and the incidents above it, in
    the PDF and in a browser. No writing system stacks more than a handful of marks on
    one letter (Hebrew with cantillation, Tibetan stacks: about five).
    """
    if text.isascii():
        return text
    kept, run = [], 0
    for ch in text:
        run = run + 1 if unicodedata.category(ch) in ("Mn", "Me") else 0
        if run <= MAX_MARKS:
            kept.append(ch)
    return "".join(kept)


def shown(text: str) -> str:
    """Article text as a page shows it: `marks_capped` and `bidi_closed`, so no text can
    draw over or reorder the text around it."""
    return bidi_closed(marks_capped(text))
