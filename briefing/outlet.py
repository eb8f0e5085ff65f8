"""Who published it: the outlet name of a web page or of a saved clipping.

Why: a folder of clippings mixes outlets, and an edition that credits every sentence to
the folder ("Clippings") hides whom it quotes. The signals used are ones publishers put
there on purpose: og:site_name, a JSON-LD publisher, a masthead line under the headline,
a wire credit in the dateline, a copyright line, an explicit "Source:" line.

A wrong outlet is worse than none (the caller then keeps its source name), so a weak
signal (a <title> suffix, a lone short line at the top or bottom of a clipping, a byline
affiliation) only counts when it is shaped like an outlet name ("Harbor Ledger", "Korea
JoongAng Daily", a known wire agency) or a second signal names the same outlet.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from briefing.text import word_set

__all__ = ["jsonld_nodes", "outlet_from_html", "outlet_from_text", "strip_outlet"]


# Words that make a name look like a news outlet's ("... Times", "... Wire").
_NEWS_WORDS = word_set("""
    times post daily herald wire news journal ledger courier tribune gazette telegraph
    guardian press chronicle observer standard mail express star review record agency
    radio tv television broadcasting network magazine weekly monitor bulletin dispatch
    examiner inquirer register sentinel independent economist insider globe mirror
    zeitung tageblatt diario gazzetta corriere nieuws avis tidende ilbo shimbun sinmun
""")
# Section labels and page furniture: "World News", "Press Releases" are not outlets.
_GENERIC = word_set("""
    breaking latest top world local national international business sport sports politics
    political more related live today update updates headline headlines home opinion
    analysis front page main lead special weather tech technology science health culture
    entertainment lifestyle economy finance markets money travel video videos photo photos
    gallery podcast podcasts newsletter newsletters release releases statement statements
    center centre room desk guide editorial editor editors letters comment comments feature
    features story stories article articles section archive archives subscribe edition
    print digital online english global community events jobs our your my free all best
    new this week similar recommended popular trending read also see top in on at from
""")
_CONNECTORS = word_set("the of and & de la le el di da du des del der van von y for on")
# Wire services and broadcasters often credited by name alone ("Yonhap", "(AP) —").
_KNOWN = frozenset(name.casefold() for name in """
    Reuters|AP|Associated Press|The Associated Press|AFP|Agence France-Presse|Yonhap|
    Xinhua|Kyodo|Kyodo News|Jiji|Jiji Press|dpa|ANSA|EFE|PTI|IANS|UPI|TASS|Interfax|
    Anadolu|Bernama|Antara|Bloomberg|BBC|CNN|NPR|PA|PA Media|AAP|The Canadian Press|KBS|
    MBC|SBS|NHK|Al Jazeera|Newsis|News1|Europa Press|Lusa|Belga|ANP|Ritzau|NTB|Ukrinform
""".replace("\n", "").split("|"))
# Photo agencies and software: credited on pages, never the page's outlet.
_NOT_OUTLETS = frozenset("""getty images|shutterstock|alamy|istock|wordpress|drupal|joomla|
    ghost|wix|squarespace|blogger|medium|wordpress.com|arc xp""".replace("\n", "").split("|"))
_LEGAL = re.compile(
    r"(?:[\s,]+(?:&\s*)?(?:media|group|holdings|publishing|publications|newspapers|company|co\.?"
    r"|corp\.?|corporation|inc\.?|ltd\.?|limited|llc|plc|gmbh|ag|s\.?a\.?|s\.?p\.?a\.?|&))+\s*$",
    re.I,
)
_MONTHS = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d", re.I)


def _tidy(value: str) -> str:
    """Markup and spacing off a candidate name: "**Meridian Wire**" -> "Meridian Wire"."""
    value = re.sub(r"\s+", " ", value.replace("\xa0", " ")).strip()
    return value.strip(" #*_>|-–—:·•\"'“”‘’").strip()


def _key(name: str) -> str:
    """Comparison key: "The Harbor Ledger Ltd." and "Harbor Ledger" are one outlet."""
    name = _LEGAL.sub("", name.casefold())
    name = re.sub(r"^the\s+", "", name)
    return " ".join(re.findall(r"\w+", name))


def _is_name(name: str) -> bool:
    """A proper name of a few words: capitalised words (or known), no sentence, no date."""
    words = name.split()
    if not 1 <= len(words) <= 6 or len(name) > 60 or _key(name) in _NOT_OUTLETS:
        return False
    if name.casefold() in _KNOWN:
        return True
    if re.search(r"[.!?;:,>/()\[\]]\s|[>/|]|https?:|@|^\d+$", name) or _MONTHS.search(name):
        return False
    return all(w[0].isupper() or w[0].isdigit() or w.casefold() in _CONNECTORS for w in words)


def _looks_like_outlet(name: str) -> bool:
    """Shaped like an outlet: a known agency, or a news word with a distinctive word beside it."""
    if name.casefold() in _KNOWN or _key(name) in _KNOWN:
        return True
    words = [w.casefold() for w in re.findall(r"[\w'-]+", name)]
    distinctive = [w for w in words if w not in _NEWS_WORDS | _GENERIC | _CONNECTORS]
    return any(w in _NEWS_WORDS for w in words) and bool(distinctive)


def _name(value: str) -> str:
    """The value as an outlet name, or "" when it is not name-shaped."""
    value = _tidy(value)
    return value if _is_name(value) else ""


def _choose(candidates: list[tuple[str, bool]], support: set[str]) -> str:
    """The first candidate that is strong, shaped like an outlet, or named twice.

    `candidates` come in order of preference as (name, strong); `support` holds the keys
    of outlet names seen elsewhere (a "with the X" line, a host name).
    """
    keys = [_key(name) for name, _ in candidates]
    for index, (name, strong) in enumerate(candidates):
        key = keys[index]
        named_twice = keys.count(key) > 1 or key in support or key.replace(" ", "") in support
        if name and key and (strong or _looks_like_outlet(name) or named_twice):
            return name
    return ""


# ---------------------------------------------------------------------------- HTML


def _meta(tree: Any, *names: str) -> str:
    for name in names:
        found = tree.xpath(f"//meta[@property='{name}' or @name='{name}']/@content")
        if found and str(found[0]).strip():
            return _tidy(str(found[0]))
    return ""


def jsonld_nodes(tree: Any) -> Iterator[dict[str, Any]]:
    """Every object in the page's JSON-LD scripts, depth first (unparsable scripts skipped)."""
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            stack = [json.loads(script)]
        except ValueError:
            continue
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                stack.extend(v for v in item.values() if isinstance(v, (list, dict)))


def _jsonld_publisher(tree: Any) -> str:
    """publisher.name of the page's JSON-LD, following an "@id" reference into the graph."""
    nodes = list(jsonld_nodes(tree))
    by_id = {str(n["@id"]): n for n in nodes if isinstance(n.get("@id"), str) and n.get("name")}
    for node in nodes:
        publisher = node.get("publisher")
        for item in publisher if isinstance(publisher, list) else [publisher]:
            if isinstance(item, dict) and not item.get("name") and item.get("@id") in by_id:
                item = by_id[str(item["@id"])]
            name = item.get("name") if isinstance(item, dict) else item
            if isinstance(name, str) and _tidy(name):
                return _tidy(name)
    return ""


_TITLE_SEP = re.compile(r"\s+(?:\||-|–|—|::|·|»)\s+")


def _title_suffix(title: str) -> str:
    """"Headline | Harbor Ledger" -> "Harbor Ledger", when the rest is a real headline."""
    parts = _TITLE_SEP.split(title.strip())
    if len(parts) < 2 or len(" ".join(parts[:-1]).split()) < 3:
        return ""
    return _name(parts[-1])


def outlet_from_html(tree: Any, url: str | None = None) -> str:
    """The outlet of a parsed HTML page, or "" when the page does not say it clearly.

    og:site_name, the JSON-LD publisher and application-name are statements by the site;
    a <title> suffix needs the shape of an outlet name, or the host or one of the other
    signals to agree ("harborledger" in the host name).
    """
    title = " ".join(tree.xpath("//title[1]//text()"))
    support = {_key(_meta(tree, "twitter:site").lstrip("@"))}
    host = urlsplit(url or "").hostname or urlsplit(_meta(tree, "og:url")).hostname or ""
    support |= {part for part in host.split(".") if len(part) > 3}
    site = _meta(tree, "og:site_name")
    application = _name(_meta(tree, "application-name"))
    candidates = [
        (site if _key(site) not in _NOT_OUTLETS and len(site) <= 80 else "", True),
        (_jsonld_publisher(tree), True),
        (application, True),
        (_title_suffix(title), False),
    ]
    return _choose(candidates, support - {""})


_LAST_SEGMENT = re.compile(r"\s+(?:\||-|–|—|::|·|»|:)\s+([^|\-–—·»:]{2,40})$")


def strip_outlet(title: str, *outlets: str, name_shaped: bool = False) -> str:
    """"Headline | Harbor Ledger" -> "Headline" for each named outlet (suffix or prefix).

    With `name_shaped`, trailing segments shaped like a name go too (" - Reuters",
    " | Valley Courier"): an incident's headline is picked among many outlets' titles and
    must carry none of them. A page's own title keeps what is not named, since "Ferry
    runs aground - Kestrel Point" may be the headline itself.
    """
    for outlet in filter(None, outlets):
        name = re.escape(outlet.strip())
        stripped = re.sub(rf"\s+(?:\||-|–|—|::|·|»|:)\s+(?:the\s+)?{name}\s*$", "", title, flags=re.I)
        stripped = re.sub(rf"^(?:the\s+)?{name}\s*(?:\||-|–|—|::|·|»|:)\s+", "", stripped, flags=re.I)
        if len(stripped.split()) >= 2:
            title = stripped
    while name_shaped and (match := _LAST_SEGMENT.search(title)) and match.start() >= 12:
        if not _is_name(match.group(1).strip()):
            break
        title = title[: match.start()]
    return title.strip()


# ---------------------------------------------------------------------------- text clippings

_EXPLICIT = re.compile(
    r"^(?P<label>source|outlet|publication|publisher|published by|originally published (?:in|by|on))"
    r"\s*[:：]?\s+(?P<name>.+)$",
    re.I,
)
_COPYRIGHT = re.compile(
    r"^(?:(?:copyright\b|©|\(c\))\s*){1,3}(?:\d{4}(?:\s*[-–]\s*\d{4})?)?\s*,?\s*(?:by\s+)?"
    r"(?P<name>[^|,©]+?)\s*(?:[.,|]|\ball rights\b|$)",
    re.I,
)
_BYLINE = re.compile(r"^by\s+[^,|]{3,80}?(?:,|\s\|)\s*(?P<name>[^,|]+)$", re.I)
_ROLES = re.compile(
    r"\b(?:writer|reporter|correspondent|editor|staff|columnist|contributor|journalist|"
    r"chief|bureau|desk|analyst|intern|photographer|producer|special|senior|in\s)", re.I)
_DATELINE = re.compile(
    r"^(?P<lead>[^()\n]{0,60}?)\s*\((?P<name>[^()\n]{2,40})\)\s*(?:--|—|–|-)\s+\S")
_NOT_CREDIT = re.compile(
    r"^(?:lead|updated?|urgent|corrected|correction|recast|photos?|video|file|exclusive|"
    r"analysis|interview|opinion|breaking|feature|explainer|live|adds\b.*)$",
    re.I,
)


def _norm(line: str) -> str:
    return " ".join(re.findall(r"\w+", line.casefold()))


def _zones(lines: list[str], body: str) -> tuple[int, int]:
    """Indexes of the first and last raw lines that are body text (-1, -1 when none)."""
    text = _norm(body)
    hits = [i for i, line in enumerate(lines)
            if len(line.split()) >= 6 and (key := _norm(line)[-60:]) and key in text]
    return (hits[0], hits[-1]) if hits else (-1, -1)


def _dateline_credit(line: str) -> str:
    """"LISBON, Nov. 21 (Meridian Wire) — ..." -> "Meridian Wire"; "(CNN) — ..." -> "CNN"."""
    match = _DATELINE.match(line)
    if not match:
        return ""
    lead = match.group("lead").strip()
    if lead and not (lead.split()[0].rstrip(",").isupper() and lead[0].isalpha()):
        return ""
    name = _tidy(match.group("name"))
    return "" if _NOT_CREDIT.match(name) else _name(name)


def _text_candidates(head: list[str], tail: list[str], title_at: int,
                     lead: str) -> list[tuple[str, bool]]:
    """(name, strong) from each kind of signal, in order of preference."""
    explicit: list[tuple[str, bool]] = []
    for zone, lines in (("head", head), ("tail", tail)):
        for line in lines:
            if match := _EXPLICIT.match(line):
                # A "Source:" under a closing table credits its data, not the article.
                strong = zone == "head" or match.group("label").casefold() != "source"
                explicit.append((_name(match.group("name")), strong))
    near_title = [i for i in (title_at - 1, title_at + 1) if 0 <= i < len(head)] if title_at >= 0 else [0]
    masthead = [(_name(head[i]), False) for i in near_title if head]
    bylines = [(_name(m.group("name")), False) for line in head + tail
               if (m := _BYLINE.match(line)) and not _ROLES.search(m.group("name"))]
    copyright_ = [(_name(_LEGAL.sub("", m.group("name"))), True) for line in tail[-6:]
                  if (m := _COPYRIGHT.match(line))]
    credit = [(_dateline_credit(lead), True)]
    closing = [(_name(line), False) for line in tail[:2]]
    return explicit + masthead + bylines + copyright_ + credit + closing


def outlet_from_text(raw: str, title: str, body: str) -> str:
    """The outlet of a plain-text or Markdown clipping, or "" when it does not say clearly.

    `title` and `body` are what the cleaner made of `raw`: lines before the body's first
    line and after its last are the clipping's furniture, where outlets are named.
    """
    lines = [_tidy(line) for line in raw.splitlines()]
    lines = [line for line in lines if line]
    first, last = _zones(lines, body)
    if first < 0:
        return ""
    head, tail = lines[:first], lines[last + 1:]
    title_key = _norm(title)
    title_at = next((i for i, line in enumerate(head) if _norm(line) == title_key), -1)
    candidates = _text_candidates(head, tail, title_at, lines[first])
    support = {_key(m.group(1)) for line in head + tail
               if (m := re.search(r"\b(?:with|from|by|at|about) the ([\w .&'-]{3,50}?)\W*$", line))}
    return _choose(candidates, support)
