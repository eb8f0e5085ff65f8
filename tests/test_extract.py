# ruff: noqa: E501  (fixtures are clippings with one unwrapped paragraph per line, as saved)
"""extract and clean: HTML main text and metadata, and the plain-text boilerplate cleaner.

The seed test reads the project's three founding clippings from ../shared/seeds when
that folder exists (a developer's checkout); the other tests carry their own fixtures.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

import briefing
from briefing import clean

ext = importlib.import_module("briefing.extract")  # the module; briefing.extract is the function

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

# Every boilerplate line of the seeds: none may survive; every other line is body and must.
SEED_BOILERPLATE = {
    "You are here",
    "Home > Asia > US furious after North Korea’s inversion of Japan",
    "North Korea’s leader Kim Jong-un, standing in front of a missile.",
    "Similar Articles",
    "Leave a Reply",
    "Korea JoongAng Daily",
    "Home > National > North Korea",
    "print dictionary print",
    "Published: 28 Jan. 2026, 16:04",
    "A TV screen shows a file image of North Korea's missile launch during a news program at "
    "Seoul Station in central Seoul on Jan. 27. [AP/YONHAP]",
    "Related Article",
    "Yonhap",
    "tags North Korea Missile United States South Korea",
    "More in North Korea",
    "Minister says probe into drone incursion focuses on acts by 'remnants' of Yoon gov't",
    "South Korean company named to U.S. sanctions list for first time in 18 years, reasons not "
    "disclosed",
    "North Korea test-fires large-caliber multiple rocket launcher with Kim in attendance",
    "Rare congress of North Korea's ruling party to offer glimpse of regime's road map for next "
    "five years",
    "Related Stories",
    "South Korea asserts 'no hostile intentions' toward North",
    "North Korea fires two cruise missiles toward Yellow Sea",
    "North warns of 'self-defense' measures against planned South-U.S. military exercise",
    "U.S. official says no evidence North Korea has mastered hypersonics, notes progress in its "
    "ICBM reentry tech",
    "U.S. bombing of Iran might convince North Korea it was right to build nukes",
    "Log in to Twitter or Facebook account to connect",
    "with the Korea JoongAng Daily",
    "help-image Social comment?",
    "s",
    "lock icon",
    "To write comments, please log in to one of the accounts.",
    "Standards Board Policy (0/250자)",
}


def _seed_files() -> list[Path]:
    if not SEEDS.is_dir():
        pytest.skip(f"seed clippings not found at {SEEDS} (only a developer checkout has ../shared)")
    return sorted(SEEDS.glob("*.txt"))


def test_seeds_lose_all_boilerplate_and_keep_every_body_line() -> None:
    files = _seed_files()
    assert len(files) == 3
    for path in files:
        raw = path.read_text("utf-8")
        title, body, _ = clean.parse_text_article(raw)
        body_lines = body.split("\n\n")
        for line in (line.strip(" \xa0") for line in raw.splitlines()):
            if not line:
                continue
            if line in SEED_BOILERPLATE or line == title:
                assert line not in body_lines, f"{path.name}: boilerplate survived: {line!r}"
                if len(line) > 12:
                    assert line not in body, f"{path.name}: boilerplate survived: {line!r}"
            else:
                assert line in body_lines, f"{path.name}: body line lost: {line!r}"


def test_seed_titles_and_dates() -> None:
    files = {p.name[:3]: p.read_text("utf-8") for p in _seed_files()}
    title0, body0, published0 = clean.parse_text_article(files["000"])
    assert title0.startswith("US President Joe Biden spoke to Japanese Prime Minister")
    assert len(title0.split()) <= 15
    assert body0.startswith("US President Joe Biden spoke to Japanese Prime Minister Fumio Kishida")
    assert published0 is None
    title1, _, published1 = clean.parse_text_article(files["001"])
    assert title1 == "US furious after North Korea’s inversion of Japan"
    assert published1 is None
    title2, body2, published2 = clean.parse_text_article(files["002"])
    assert title2 == "South Korea confirms talks with U.S., Japan over North Korea missile launch"
    assert published2 == datetime(2026, 1, 28, 16, 4, tzinfo=UTC)
    assert body2.startswith("South Korea, the United States and Japan discussed")


CLIPPING = """\
You are here
Home > World > Asia > Port strike spreads
Port strike spreads to three more cities
By Jane Doe
Published: 3 Mar. 2025, 09:30
Share this article

Dockworkers walk off the job in Busan on Monday. [REUTERS/YONHAP]

Dockworkers walk off the job in Busan on Monday. [REUTERS/YONHAP]

BUSAN, March 3 (Yonhap) -- A strike by dockworkers spread to three more port cities on Monday, halting container traffic across the south coast.

Advertisement

The union said talks with operators had broken down over pay and night shifts, and that no new meeting was planned.

Photo: Workers gather outside the terminal gate.

Operators warned that exporters would face delays of up to a week if the strike continued.

Related Stories

Shipping rates climb as strike enters second day

Government urges calm in port dispute

The transport ministry said it was ready to mediate between the two sides this week.

Sign up for our newsletter
Tags: strike, ports, labour
Copyright 2025 Example News. All rights reserved.
Leave a Reply
To write comments, please log in to one of the accounts.
Standards Board Policy (0/250자)
Example News
s
"""


def test_clean_text_removes_each_kind_of_boilerplate() -> None:
    title, body, published = clean.parse_text_article(CLIPPING)
    assert title == "Port strike spreads to three more cities"
    assert published == datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
    assert body.split("\n\n") == [
        "A strike by dockworkers spread to three more port cities on Monday, halting container "
        "traffic across the south coast.",
        "The union said talks with operators had broken down over pay and night shifts, and that "
        "no new meeting was planned.",
        "Operators warned that exporters would face delays of up to a week if the strike continued.",
        "The transport ministry said it was ready to mediate between the two sides this week.",
    ]


def test_clean_text_keeps_subheadings_and_repeated_quotes_once() -> None:
    text = (
        "The council approved the budget on Tuesday after a long debate over school funding.\n\n"
        "What happens next\n\n"
        "The mayor said the plan would be published within a month, and residents could comment.\n\n"
        "The mayor said the plan would be published within a month, and residents could comment.\n"
    )
    assert clean.clean_text(text).split("\n\n") == [
        "The council approved the budget on Tuesday after a long debate over school funding.",
        "What happens next",
        "The mayor said the plan would be published within a month, and residents could comment.",
    ]


def test_clean_text_keeps_a_table_that_ends_the_article() -> None:
    text = (
        "The league published its final standings on Sunday after the last round of games.\n"
        "| Pos | Team | Points |\n| 1 | Reds | 40 |\n| 2 | Blues | 38 |\n| 3 | Greens | 31 |\n"
    )
    assert "| 2 | Blues | 38 |" in clean.clean_text(text)


MARKDOWN = """\
# Rail link opens between the two capitals

*Updated 2024-05-02T08:00:00Z*

The first passenger train crossed the new bridge on Thursday morning, cutting
the journey between the capitals to under two hours.

## Tickets

Fares start at 20 euros, the operator said, and rise at peak times.
"""


def test_markdown_title_heading_and_hard_wrapped_paragraphs() -> None:
    title, body, published = clean.parse_text_article(MARKDOWN)
    assert title == "Rail link opens between the two capitals"
    assert published == datetime(2024, 5, 2, 8, 0, tzinfo=UTC)
    assert body.split("\n\n") == [
        "The first passenger train crossed the new bridge on Thursday morning, cutting the journey "
        "between the capitals to under two hours.",
        "Tickets",
        "Fares start at 20 euros, the operator said, and rise at peak times.",
    ]


def test_markdown_links_keep_their_text_and_brackets_without_a_link_stay() -> None:
    """A target may hold parentheses (a Wikipedia address); a line of brackets that is no
    link is left as it is (those lines once took time growing with their square)."""
    text = ("The council published [the full report](https://example.org/Report_(2026)) and "
            "![a map](map.png \"Flood map\") on Friday, citing [section 4] of the plan.\n\n"
            "Councillors will vote on it next week, the mayor said in a statement.\n")
    body = " ".join(clean.clean_text(text).split())
    assert body.startswith("The council published the full report and on Friday, citing [section 4] of")
    junk = "Readers wrote " + "[a](" * 2000 + " and " + "[" * 8000 + " to the paper on Monday."
    assert clean.clean_text(junk) == junk


def test_title_from_first_sentence_is_short_and_text_free_clipping_has_no_date() -> None:
    raw = (
        "SEOUL, Jan. 28 (Yonhap) -- The central bank kept its key rate unchanged on Wednesday "
        "for a third straight meeting, citing household debt and a weak currency.\n\n"
        "Economists had expected the decision.\n"
    )
    title, body, published = clean.parse_text_article(raw)
    assert body.startswith("The central bank kept its key rate unchanged")
    assert 3 <= len(title.split()) <= 15
    assert published is None  # a dateline without a year says too little


ARTICLE_HTML = """\
<!doctype html>
<html lang="en-GB"><head>
<title>Flood barrier holds as river peaks | Riverside Times</title>
<meta property="og:site_name" content="Riverside Times">
<meta property="og:title" content="Flood barrier holds as river peaks">
<link rel="canonical" href="https://news.example.org/2024/flood-barrier?utm_source=x&amp;id=7#top">
<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "Flood barrier holds as river peaks",
 "datePublished": "2024-02-10T07:15:00+01:00", "author": {"name": "Sam Reed"}}
</script>
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/sport">Sport</a></li></ul></nav>
<article>
<h1>Flood barrier holds as river peaks</h1>
<figure><img src="barrier.jpg"><figcaption>The barrier at dawn. (Photo: Riverside Times)
</figcaption></figure>
<p>The new flood barrier on the River Lune held overnight as the water reached its highest
level in forty years, the environment agency said on Saturday morning.</p>
<p>Engineers had worked through the night to close the last of the gates, and about two
hundred homes that flooded in 1983 stayed dry this time, according to the council.</p>
<p>The barrier cost 40 million pounds and was finished last autumn after six years of
planning and a long argument over who would pay for its upkeep.</p>
<p>Residents were told to stay away from the riverside paths until the water falls,
which forecasters expect to happen by Monday evening.</p>
</article>
<aside><h2>Related Stories</h2><ul>
<li><a href="/a">Council approves flood budget</a></li>
<li><a href="/b">Rain warning for the north west</a></li></ul></aside>
<footer><p>Copyright 2024 Riverside Times. All rights reserved.</p>
<a href="/privacy">Privacy</a> <a href="/terms">Terms</a></footer>
</body></html>
"""


def test_extract_html_text_and_metadata() -> None:
    article = briefing.extract(ARTICLE_HTML, "https://news.example.org/2024/flood-barrier?fbclid=abc")
    assert article is not None
    assert article.title == "Flood barrier holds as river peaks"
    assert article.published == datetime(2024, 2, 10, 6, 15, tzinfo=UTC)
    assert article.url == "https://news.example.org/2024/flood-barrier?id=7"
    assert article.source == "Riverside Times"
    assert article.language == "en"
    paragraphs = article.text.split("\n\n")
    assert paragraphs[0].startswith("The new flood barrier on the River Lune held overnight")
    assert paragraphs[-1].startswith("Residents were told to stay away")
    for junk in ("Home", "Related", "Council approves", "Copyright", "Photo:", "Privacy"):
        assert junk not in article.text
    assert article.fingerprint == ext.fingerprint(article.text)


def test_extract_id_is_the_same_through_tracking_links_and_bytes_input() -> None:
    plain = ARTICLE_HTML.replace('<link rel="canonical"', '<link rel="alternate"')
    a = briefing.extract(plain, "https://news.example.org/2024/flood-barrier?id=7&utm_medium=rss")
    b = briefing.extract(plain.encode("utf-8"), "https://news.example.org/2024/flood-barrier?id=7#c")
    c = briefing.extract(ARTICLE_HTML, None)
    assert a is not None and b is not None and c is not None
    assert a.id == b.id == c.id
    assert a.id == ext.article_id("https://news.example.org/2024/flood-barrier?id=7")


def test_extract_without_url_ids_by_content_and_given_source_wins() -> None:
    page = ARTICLE_HTML.replace('<link rel="canonical"', '<link rel="alternate"')
    article = briefing.extract(page, source="Wire")
    assert article is not None
    assert article.source == "Wire"
    assert article.url == ""
    assert article.id == ext.article_id("", article.title, article.text)


def test_extract_returns_none_without_an_article() -> None:
    nav_only = (
        "<html><body><nav><a href='/'>Home</a> <a href='/a'>About</a> <a href='/c'>Contact</a>"
        "</nav><footer>Copyright 2024 Example</footer></body></html>"
    )
    assert briefing.extract(nav_only, "https://example.org/") is None
    assert briefing.extract("", None) is None
    assert briefing.extract(b"", None) is None


def test_canonical_url_strips_tracking_and_fragment() -> None:
    url = "HTTPS://Example.org/a/b?utm_source=x&x=1&gclid=2&fbclid=3#frag"
    assert ext.canonical_url(url) == "https://example.org/a/b?x=1"


def test_extract_outlet_from_title_suffix_and_host_fallback() -> None:
    bare = ARTICLE_HTML.replace('<meta property="og:site_name" content="Riverside Times">\n', "")
    bare = bare.replace('<meta property="og:title" content="Flood barrier holds as river peaks">\n', "")
    article = briefing.extract(bare, "https://news.example.org/2024/flood-barrier")
    assert article is not None
    assert article.source == "Riverside Times"  # "| Riverside Times": a news word and a name
    assert article.title == "Flood barrier holds as river peaks"
    plain = bare.replace(" | Riverside Times", " | Riverside")
    article = briefing.extract(plain, "https://news.example.org/2024/flood-barrier")
    assert article is not None
    assert article.source == "news.example.org"  # "Riverside" alone could be a section


def test_strip_outlet_removes_suffix_or_prefix_only() -> None:
    from briefing.outlet import strip_outlet

    assert strip_outlet("Ferry runs aground | The Coastal Post", "The Coastal Post") == "Ferry runs aground"
    assert strip_outlet("Meridian Wire - Ferry runs aground", "Meridian Wire") == "Ferry runs aground"
    assert strip_outlet("Meridian Wire staff win award", "Meridian Wire") == "Meridian Wire staff win award"
    # a headline among outlets' titles also loses an unnamed, name-shaped suffix
    assert strip_outlet("Ferry runs aground - Kestrel Point") == "Ferry runs aground - Kestrel Point"
    tagged = "Ferry runs aground - Valley Courier | News"
    assert strip_outlet(tagged, name_shaped=True) == "Ferry runs aground"


def test_printable_drops_control_characters_and_keeps_line_structure() -> None:
    raw = "Tab\there\r\nA\x01B\x7f\x9bC\x0bD\x0cE\u2028F\x85G\ud800H\ufffe"
    assert clean.printable(raw) == "Tab\there\r\nABC\nD\nE\nF\nGH"
    assert clean.printable("Überschwemmung in Santarém — 水害") == "Überschwemmung in Santarém — 水害"
    # invisible characters that split a word go; the joiners Persian and emoji need stay
    assert clean.printable("Reu\u200bters \ufeffsoft\xadware wo\u2060rd") == "Reuters software word"
    assert clean.printable("می\u200cخواهم 👩\u200d🚒") == "می\u200cخواهم 👩\u200d🚒"
