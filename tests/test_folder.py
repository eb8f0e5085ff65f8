# ruff: noqa: E501  (fixtures are clippings with one unwrapped paragraph per line, as saved)
"""The folder source: real files in a temporary folder, read as a schedule would."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from briefing.models import Source
from briefing.sources.folder import collect_folder

NOW = datetime(2025, 3, 4, 6, 30, tzinfo=UTC)

TEXT = """\
Home > Business > Ports
Port strike spreads to three more cities
Published: 3 Mar. 2025, 09:30

BUSAN, March 3 (Yonhap) -- A strike by dockworkers spread to three more port cities on Monday, halting container traffic across the south coast.

The union said talks with operators had broken down over pay and night shifts.

Leave a Reply
"""

MARKDOWN = """\
# Rail link opens between the two capitals

The first passenger train crossed the new bridge on Thursday morning, cutting the journey between the capitals to under two hours.

Fares start at 20 euros, the operator said, and rise at peak times.
"""

HTML = """\
<html lang="de"><head><title>Bridge reopens | Example Post</title>
<meta property="og:site_name" content="Example Post">
<meta property="article:published_time" content="2025-03-02T18:00:00Z">
</head><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Bridge reopens after repairs</h1>
<p>The old town bridge reopened to traffic on Sunday after eight months of repairs to its
foundations, the city said in a statement published in the afternoon.</p>
<p>Cyclists will have a separate lane for the first time, and buses return to their old
route from Monday morning, according to the transport office.</p>
<p>The repairs cost twelve million euros, two million more than planned, because the divers
found more damage under the water than the first survey had shown.</p>
</article><footer>Copyright 2025 Example Post</footer></body></html>
"""


def _source(location: str = "inbox") -> Source:
    return Source(name="Clippings", kind="folder", location=location)


def _workspace(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "a-strike.txt").write_text(TEXT, "utf-8")
    (inbox / "sub" / "rail.md").write_text(MARKDOWN, "utf-8")
    (inbox / "bridge.html").write_text(HTML, "utf-8")
    (inbox / ".hidden.txt").write_text(TEXT, "utf-8")
    (inbox / "notes.pdf").write_bytes(b"%PDF-1.4 not read")
    return tmp_path


def test_reads_txt_md_html_recursively_in_order(tmp_path: Path) -> None:
    articles, problems = collect_folder(_source(), _workspace(tmp_path), NOW)
    assert problems == []
    assert [a.title for a in articles] == [
        "Port strike spreads to three more cities",
        "Bridge reopens after repairs",
        "Rail link opens between the two capitals",
    ]
    strike, bridge, rail = articles
    assert strike.published == datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
    assert strike.text.startswith("A strike by dockworkers spread")
    assert "Leave a Reply" not in strike.text and "Home >" not in strike.text
    assert bridge.published == datetime(2025, 3, 2, 18, 0, tzinfo=UTC)
    assert bridge.language == "de"
    assert "Copyright" not in bridge.text
    # the outlet each file names (a dateline credit, og:site_name), else the source's name
    assert [a.source for a in articles] == ["Yonhap", "Example Post", "Clippings"]
    for article in articles:
        assert article.collected == NOW
        assert article.url.startswith("file://")
        assert article.fingerprint
    assert rail.url == (tmp_path / "inbox" / "sub" / "rail.md").resolve().as_uri()


def test_absolute_location(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    articles, problems = collect_folder(_source(str(workspace / "inbox")), Path("/nowhere"), NOW)
    assert len(articles) == 3 and problems == []


def test_mtime_is_the_date_when_the_text_has_none(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    rail = workspace / "inbox" / "sub" / "rail.md"
    stamp = datetime(2025, 1, 15, 12, 0, tzinfo=UTC).timestamp()
    os.utime(rail, (stamp, stamp))
    articles, _ = collect_folder(_source(), workspace, NOW)
    by_title = {a.title: a for a in articles}
    published = by_title["Rail link opens between the two capitals"].published
    assert published == datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
    assert published is not None and published.tzinfo is not None


def test_id_is_stable_across_edits_and_fingerprint_changes(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    before = {a.url: a for a in collect_folder(_source(), workspace, NOW)[0]}
    strike = workspace / "inbox" / "a-strike.txt"
    strike.write_text(TEXT.replace("three more", "four more"), "utf-8")
    after = {a.url: a for a in collect_folder(_source(), workspace, NOW)[0]}
    url = strike.resolve().as_uri()
    assert after[url].id == before[url].id
    assert after[url].fingerprint != before[url].fingerprint
    untouched = (workspace / "inbox" / "bridge.html").resolve().as_uri()
    assert after[untouched].fingerprint == before[untouched].fingerprint
    assert len({a.id for a in after.values()}) == 3


def test_bad_files_become_problems_not_exceptions(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    inbox = workspace / "inbox"
    (inbox / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (inbox / "empty.md").write_text("", "utf-8")
    (inbox / "blank.txt").write_text("  \n\n ", "utf-8")
    (inbox / "no-article.html").write_text(
        "<html><body><nav><a href='/'>Home</a></nav></body></html>", "utf-8"
    )
    articles, problems = collect_folder(_source(), workspace, NOW)
    assert len(articles) == 3
    messages = sorted(p.message for p in problems)
    assert [m.split(":")[0] for m in messages] == [
        "binary.txt", "blank.txt", "empty.md", "no-article.html"
    ]
    assert all(p.stage == "collect" and p.source == "Clippings" for p in problems)


def test_legacy_encodings_are_read(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    body = "The café reopened on Friday after a fire in the kitchen closed it for a month.\n"
    (inbox / "bom.txt").write_bytes(("Café reopens\n\n" + body).encode("utf-8-sig"))
    (inbox / "win.txt").write_bytes(("Café reopens\n\n" + body).encode("cp1252"))
    articles, problems = collect_folder(_source(), tmp_path, NOW)
    assert problems == []
    assert [a.title for a in articles] == ["Café reopens", "Café reopens"]
    assert all("café reopened" in a.text for a in articles)


def test_missing_folder_is_one_problem(tmp_path: Path) -> None:
    articles, problems = collect_folder(_source("does-not-exist"), tmp_path, NOW)
    assert articles == []
    assert len(problems) == 1
    assert "does-not-exist" in problems[0].message


# ---------------------------------------------------------------------------- outlets

BODY = (
    "The council approved the budget on Tuesday after a long debate over school funding and roads.\n\n"
    "The mayor said the plan would be published within a month, and residents could comment on it.\n"
)
PAGE = (
    "<html><head><title>{title}</title>{head}</head><body><article>"
    "<h1>Council approves the budget after a long debate</h1><p>"
    + BODY.strip().replace("\n\n", "</p><p>")
    + "</p></article></body></html>"
)
HEADLINE = "Council approves the budget after a long debate"


def _outlet_of(tmp_path: Path, name: str, content: str) -> tuple[str, str]:
    """(source, title) of the one clipping `content` saved as `name` in a fresh folder."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / name).write_text(content, "utf-8")
    articles, problems = collect_folder(_source(), tmp_path, NOW)
    assert problems == [] and len(articles) == 1
    return articles[0].source, articles[0].title


OUTLET_CASES = {
    # HTML: what the site says of itself, then a <title> suffix when it is plainly an outlet
    "og-site-name": ("a.html", PAGE.format(title=HEADLINE, head='<meta property="og:site_name" content="Harbor Ledger">'), "Harbor Ledger"),
    "jsonld-publisher": ("a.html", PAGE.format(title=HEADLINE, head='<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", "publisher": {"@id": "#org"}}, {"@id": "#org", "@type": "NewsMediaOrganization", "name": "Lakeside Gazette"}]}</script>'), "Lakeside Gazette"),
    "application-name": ("a.html", PAGE.format(title=HEADLINE, head='<meta name="application-name" content="Lakeside">'), "Lakeside"),
    "title-suffix-bar": ("a.html", PAGE.format(title=f"{HEADLINE} | Harbor Ledger", head=""), "Harbor Ledger"),
    "title-suffix-dash": ("a.html", PAGE.format(title=f"{HEADLINE} - Meridian Wire", head=""), "Meridian Wire"),
    "title-suffix-host": ("a.html", PAGE.format(title=f"{HEADLINE} – Lakeside", head='<meta property="og:url" content="https://www.lakeside.example/news/1">'), "Lakeside"),
    # text: dateline credit, masthead line, closing credit, byline affiliation, copyright, explicit
    "dateline": ("a.txt", f"{HEADLINE}\n\nLISBON, Nov. 21 (Meridian Wire) — {BODY}", "Meridian Wire"),
    "dateline-accented-place": ("a.txt", f"{HEADLINE}\n\nSANTARÉM, Portugal, Nov. 18 (Meridian Wire) — {BODY}", "Meridian Wire"),
    "dateline-agency-only": ("a.txt", f"{HEADLINE}\n\n(CNN) — {BODY}", "CNN"),
    "masthead": ("a.txt", f"{HEADLINE}\nKorea JoongAng Daily\n\n{BODY}", "Korea JoongAng Daily"),
    "closing-agency": ("a.txt", f"{HEADLINE}\n\n{BODY}\nYonhap\ntags Budget Council\n", "Yonhap"),
    "closing-outlet": ("a.txt", f"{HEADLINE}\n\n{BODY}\nMeridian Wire\n", "Meridian Wire"),
    "byline-outlet": ("a.md", f"# {HEADLINE}\n\nBy Jane Doe, Harbor Ledger\n\n{BODY}", "Harbor Ledger"),
    "copyright": ("a.md", f"# {HEADLINE}\n\n{BODY}\n© 2026 Valley Courier Media Ltd. All rights reserved.\n", "Valley Courier"),
    "copyright-sign-and-word": ("a.txt", f"{HEADLINE}\n\n{BODY}\n© Copyright 2024-2026 Northgate Times Ltd | Privacy\n", "Northgate Times"),
    "explicit-source": ("a.txt", f"{HEADLINE}\nSource: Lakeside\n\n{BODY}", "Lakeside"),
    "explicit-outlet-after-body": ("a.txt", f"{HEADLINE}\n\n{BODY}\nOutlet: Lakeside\n", "Lakeside"),
    "masthead-named-twice": ("a.txt", f"{HEADLINE}\nLakeside\n\n{BODY}\nConnect with the Lakeside\n", "Lakeside"),
}

NO_OUTLET_CASES = {
    # a wrong outlet is worse than none: each of these keeps the folder source's name
    "html-plain": ("a.html", PAGE.format(title=HEADLINE, head="")),
    "html-suffix-not-an-outlet": ("a.html", PAGE.format(title=f"{HEADLINE} - Lakeside", head="")),
    "html-suffix-section": ("a.html", PAGE.format(title=f"{HEADLINE} | World News", head="")),
    "html-cms-name": ("a.html", PAGE.format(title=HEADLINE, head='<meta name="application-name" content="WordPress">')),
    "kicker-place": ("a.txt", f"North Korea\n{HEADLINE}\n\n{BODY}"),
    "kicker-section": ("a.txt", f"{HEADLINE}\nBreaking News\n\n{BODY}"),
    "masthead-lone-word": ("a.txt", f"{HEADLINE}\nLakeside\n\n{BODY}"),
    "byline-role": ("a.txt", f"{HEADLINE}\nBy Rhian Davies, Staff Writer\n\n{BODY}"),
    "byline-place": ("a.txt", f"{HEADLINE}\nBy Rhian Davies, Cardiff\n\n{BODY}"),
    "data-source-under-table": ("a.txt", f"{HEADLINE}\n\n{BODY}| Year | Budget |\n| 2025 | 40 |\nSource: Eurostat\n"),
    "photo-agency-copyright": ("a.txt", f"{HEADLINE}\n\n{BODY}\n© Getty Images\n"),
    "related-headline": ("a.txt", f"{HEADLINE}\n\n{BODY}\nRelated Stories\nCouncil Backs Tram Line\n"),
    "dateline-exclusive": ("a.txt", f"{HEADLINE}\n\nLONDON (EXCLUSIVE) -- {BODY}"),
    "dateline-tag": ("a.txt", f"{HEADLINE}\n\nSEOUL, Jan. 28 (LEAD) -- {BODY}"),
}


@pytest.mark.parametrize("case", sorted(OUTLET_CASES))
def test_outlet_is_detected(tmp_path: Path, case: str) -> None:
    name, content, outlet = OUTLET_CASES[case]
    source, title = _outlet_of(tmp_path, name, content)
    assert source == outlet
    assert title == HEADLINE  # an HTML title loses its " | Outlet" suffix


@pytest.mark.parametrize("case", sorted(NO_OUTLET_CASES))
def test_unclear_outlet_keeps_the_source_name(tmp_path: Path, case: str) -> None:
    name, content = NO_OUTLET_CASES[case]
    assert _outlet_of(tmp_path, name, content)[0] == "Clippings"


def test_demo_folder_credits_its_five_outlets() -> None:
    demo = Path(__file__).resolve().parents[1] / "samples" / "demo"
    articles, problems = collect_folder(_source(str(demo)), Path("/nowhere"), NOW)
    assert problems == [] and len(articles) == 15
    assert {a.source for a in articles} == {
        "Meridian Wire", "Harbor Ledger", "Northgate Times", "Valley Courier", "The Coastal Post"
    }
    for article in articles:  # the file names say who wrote each one
        slug = Path(article.url).name.split("_")[1]
        assert article.source.casefold().removeprefix("the ").replace(" ", "-") == slug
        assert " | " not in article.title and not article.title.endswith(article.source)


def test_seed_clippings_outlets() -> None:
    seeds = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"seed clippings not found at {seeds}")
    articles, _ = collect_folder(_source(str(seeds)), Path("/nowhere"), NOW)
    by_file = {Path(a.url).name[:3]: a.source for a in articles}
    # 002 names its masthead and, after the body, the wire it reprints: the masthead wins
    assert by_file == {"000": "Clippings", "001": "Clippings", "002": "Korea JoongAng Daily"}


def test_each_article_knows_its_language(tmp_path: Path) -> None:
    """It picks the grouping's word table and the page's lang (the PDF's hyphenation)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "de.txt").write_text(
        "Hochwasser in Passau\n\nDie Donau ist am Dienstag in Passau über die Ufer getreten. "
        "Hunderte Bewohner der Altstadt mussten ihre Häuser verlassen, wie die Stadt mitteilte.\n",
        encoding="utf-8")
    (inbox / "en.txt").write_text(
        "Floods in Passau\n\nThe Danube burst its banks in Passau on Tuesday. Hundreds of "
        "residents of the old town had to leave their homes, the city said.\n", encoding="utf-8")
    (inbox / "page.html").write_text(
        "<html lang='fr-FR'><head><title>Crue à Passau</title></head><body><article><h1>Crue à "
        "Passau</h1><p>Le Danube est sorti de son lit mardi à Passau, et des centaines "
        "d'habitants de la vieille ville ont dû quitter leur maison, a indiqué la ville.</p>"
        "<p>Les pompiers ont empilé des sacs de sable le long de la promenade de l'Inn.</p>"
        "</article></body></html>", encoding="utf-8")
    articles, problems = collect_folder(_source(), tmp_path, NOW)
    assert not problems
    assert {Path(a.url).name: a.language for a in articles} == {"de.txt": "de", "en.txt": "en",
                                                                "page.html": "fr"}
