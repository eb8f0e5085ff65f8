"""Hostile or odd article content on the output path: edition, archive pages, PDF, mail.

Every article field here could come from a feed written by a stranger: links with
odd schemes, text that reorders or overdraws its neighbours, names too long for a
page. Each test names the place it guards.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from briefing import mail, render
from briefing.archive import rebuild_indexes, write_edition
from briefing.models import Article, Edition, Incident, SourceHealth, SummarySentence

NOW = datetime(2026, 1, 28, 21, 30, tzinfo=UTC)


def _article(aid: str, url: str, *, source: str = "Harbour Times", title: str = "Cranes idle",
             hours: float = 3) -> Article:
    return Article(id=aid, url=url, source=source, title=title, text="Cranes stood still.",
                   published=NOW - timedelta(hours=hours), collected=NOW)


def _edition(articles: list[Article], *, title: str = "Port strike",
             sentences: list[tuple[str, str]] | None = None,
             sources: tuple[SourceHealth, ...] = ()) -> Edition:
    sentences = sentences or [(f"Sentence {k}.", a.id) for k, a in enumerate(articles)]
    incident = Incident(
        id="port-strike", title=title, articles=tuple(articles),
        summary=tuple(SummarySentence(text=t, article_id=a) for t, a in sentences),
        first_seen=NOW, updated=NOW, status="new", score=1.0)
    return Edition(schedule="news", title="Morning Brief", date=date(2026, 1, 29),
                   timezone="UTC", window_start=None, window_end=NOW,
                   incidents=(incident,), sources=sources)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v or "" for k, v in attrs if k == "href"]


def _hrefs(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def _archive(tmp_path: Path, edition: Edition) -> dict[str, str]:
    """Publish `edition` into an archive and return every page it has, by name."""
    env = render.make_environment()
    html = render.render_html(edition, env, archive_root="../../../")
    write_edition(tmp_path, edition, {"index.html": html.encode(),
                                      "briefing.json": render.render_json(edition).encode()})
    rebuild_indexes(tmp_path, edition.schedule, env, title=edition.title)
    root = tmp_path / edition.schedule
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in root.rglob("*.html")}


def _letter(edition: Edition) -> mail.Letter:
    return mail.compose(edition, render.make_environment(), pdf=None, attach_pdf=False,
                        max_mail_mb=20, edition_url=None, archive_root=None, pdf_location="x")


# --- links -------------------------------------------------------------------------

SHARES = ["file://attacker.example/share/x", "file:////attacker.example/share/x",
          "file:///%5C%5Cattacker.example%5Cshare", "FILE://attacker.example/x"]


def test_links_to_a_network_share_are_never_written(tmp_path: Path) -> None:
    """A feed item linking ``file://host/share`` must not become a link anywhere: a
    reader on Windows who follows it sends their credentials to that host."""
    articles = [_article(f"a{k}", url) for k, url in enumerate(SHARES)]
    articles.append(_article("ok", "file:///srv/briefing/inbox/clip.txt"))
    edition = _edition(articles)
    pages = _archive(tmp_path, edition)
    assert {"2026/01/29/index.html", "incidents/port-strike.html"} <= set(pages)
    for name, html in pages.items():
        hrefs = _hrefs(html)
        assert not [h for h in hrefs if "attacker" in h], name
    edition_hrefs = _hrefs(pages["2026/01/29/index.html"])
    assert "file:///srv/briefing/inbox/clip.txt" in edition_hrefs  # a folder source's clipping


def test_mail_links_only_to_the_web(tmp_path: Path) -> None:
    """The mail is read on another machine: a ``file:`` link there points at nothing the
    reader has (or at a network share), so the HTML part, like the text part, links
    only http(s) addresses."""
    edition = _edition([_article("local", "file:///srv/briefing/inbox/clip.txt"),
                        _article("share", SHARES[0]),
                        _article("web", "https://harbour.example/cranes")])
    letter = _letter(edition)
    hrefs = [h for h in _hrefs(letter.html) if not h.startswith("#")]
    assert hrefs and all(h == "https://harbour.example/cranes" for h in hrefs), hrefs
    assert "file:" not in letter.text


def test_a_link_cannot_write_lines_into_the_mail(tmp_path: Path) -> None:
    """The text part prints each web link on a line of its own: a line break inside a
    link wrote a line of the feed's choosing (here a fake notice) into the mail."""
    evil = "https://harbour.example/a\r\n\r\nURGENT: wire the fee to https://pay.example \u202eexe.txt"
    edition = _edition([_article("a1", evil)])
    letter = _letter(edition)
    lines = letter.text.splitlines()
    assert not [line for line in lines if line.startswith("URGENT")], letter.text
    link = [line.strip() for line in lines if "harbour.example" in line]
    assert link == ["https://harbour.example/aURGENT:%20wire%20the%20fee%20to%20"
                    "https://pay.example%20%E2%80%AEexe.txt"]
    assert [h for h in _hrefs(letter.html) if "harbour" in h] == [link[0]] * 2
