# ruff: noqa: E501  (fixtures are clippings with one unwrapped paragraph per line, as saved)
"""The folder source: real files in a temporary folder, read as a schedule would."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

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
    for article in articles:
        assert article.source == "Clippings"
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
