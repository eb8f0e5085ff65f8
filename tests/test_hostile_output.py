"""Hostile or odd article content on the output path: edition, archive pages, PDF, mail.

Every article field here could come from a feed written by a stranger: links with
odd schemes, text that reorders or overdraws its neighbours, names too long for a
page. Each test names the place it guards.
"""

from __future__ import annotations

import io
import json
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from briefing import mail, render, untrusted
from briefing.archive import rebuild_indexes, remove_uncommitted, write_edition
from briefing.errors import ConfigError
from briefing.models import Article, Edition, Incident, SourceHealth, SummarySentence
from briefing.render import incident_file

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


# --- the PDF page ------------------------------------------------------------------


def _overflowing_runs(pdf: bytes, token: str) -> list[str]:
    """Text runs holding `token` that end past the page's right edge (and are clipped).

    A run's width is estimated low, at 0.8 em a character: the token is made of "W",
    about 1 em wide in every font the PDF uses, so a run reported here does overflow.
    """
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        width = float(page.mediabox.width)

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float,
                  width: float = width) -> None:
            if token in text:
                x, em = tm[4] * cm[0] + cm[4], size * tm[0] * cm[0]
                if x + len(text.strip()) * 0.8 * em > width:
                    found.append(f"{len(text)} chars at x={x:.0f}")

        page.extract_text(visitor_text=visit)
    return found


def test_long_outlet_names_and_error_messages_stay_on_the_pdf_page() -> None:
    """An outlet name longer than a line (a mark is kept on one line) and a long word in
    a source's error message (a table cell) ran off the page, where the PDF clips them."""
    name = "W" * 300
    edition = _edition(
        [_article("a1", "https://harbour.example/1", source=name),
         _article("a2", "https://harbour.example/2", source="Coast " + "W" * 120 + " Daily")],
        sentences=[("Cranes stood still.", "a1"), ("Workers left.", "a2")],
        sources=(SourceHealth(name="Coast Daily", status="failed",
                              message="HTTP 404 at https://coast.example/" + "W" * 200),))
    html = render.render_html(edition, render.make_environment())
    assert html.count('class="mark-long"') == 2 and "Cranes stood still." in html
    pdf = render.render_pdf(html, title="x")
    assert _overflowing_runs(pdf, "WWWWWWWWWW") == []
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert text.count("W") >= 300 + 120 + 200 + 300  # every W is still there (marks, list, table)


def test_short_outlet_names_keep_their_mark_whole() -> None:
    """A usual outlet name stays one unbreakable mark (no-break spaces, no wrap class)."""
    edition = _edition([_article("a1", "https://harbour.example/1", source="South China Morning Post")])
    html = render.render_html(edition, render.make_environment())
    assert "South\u00a0China\u00a0Morning\u00a0Post</a></sup>" in html
    assert "mark-long" not in html.split("<body", 1)[1]


# --- text that reorders its neighbours ---------------------------------------------

RLO, PDF, RLI, FSI, PDI = "\u202e", "\u202c", "\u2067", "\u2068", "\u2069"


def _unbalanced(text: str) -> bool:
    """True when `text` opens a bidi embedding or isolate it does not close, or closes
    one it did not open (which would close whatever the text before it opened)."""
    stack: list[str] = []
    for ch in text:
        if ch in "\u202a\u202b\u202d\u202e\u2066\u2067\u2068":
            stack.append(ch)
        elif ch in (PDF, PDI):
            if not stack:
                return True
            stack.pop()
    return bool(stack)


class _TextNodes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []

    def handle_data(self, data: str) -> None:
        self.nodes.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.nodes += [v for _, v in attrs if v]


def _unbalanced_nodes(html: str) -> list[str]:
    parser = _TextNodes()
    parser.feed(html)
    return [node for node in parser.nodes if _unbalanced(node)]


def test_a_bidi_override_cannot_reorder_other_outlets_text(tmp_path: Path) -> None:
    """An unclosed U+202E in one outlet's sentence reversed the rest of the summary
    paragraph in a browser: the next outlet's sentence and the marks, so one outlet's
    words showed credited to another. Every text now closes what it opens, and a stray
    closer cannot close what another text opened; such a text is isolated (FSI ... PDI),
    so it cannot pull a neighbouring number (the time after a title) into its run."""
    edition = _edition(
        [_article("a1", "https://alpha.example/1", source=f"Alpha {RLO}News",
                  title=f"Port strike {RLI}ends"),
         _article("a2", "https://beta.example/2", source=f"Beta{PDF} Wire", title=f"Cranes{PDI} idle",
                  hours=30)],
        title=f"Port strike {RLO}ends today",
        sentences=[(f"First sentence from alpha {RLO}here.", "a1"),
                   (f"Second sentence from beta{PDF}.", "a2")])
    pages = _archive(tmp_path, edition)
    letter = _letter(edition)
    outputs = {**pages, "mail.html": letter.html}
    for name, html in outputs.items():
        assert _unbalanced_nodes(html) == [], name
    assert [line for line in letter.text.splitlines() if _unbalanced(line)] == []
    feed = (tmp_path / "news" / "feed.xml").read_text(encoding="utf-8")
    assert [line for line in feed.splitlines() if _unbalanced(line)] == []
    edition_html = pages["2026/01/29/index.html"]
    assert f"{FSI}First sentence from alpha {RLO}here.{PDF}{PDI}<sup" in edition_html
    assert f"{FSI}Alpha\u00a0{RLO}News{PDF}{PDI}</a>" in edition_html  # kept in its own mark
    assert f"{FSI}Second sentence from beta.{PDI}" in edition_html  # the stray closer is gone


def test_right_to_left_text_keeps_its_characters() -> None:
    """Balanced controls are kept (only isolated); text without controls is untouched."""
    hebrew = "\u202bשביתה בנמל\u202c and \u2067עברית\u2069"
    assert untrusted.bidi_closed(hebrew) == f"{FSI}{hebrew}{PDI}"
    assert untrusted.bidi_closed("שביתה בנמל 28") == "שביתה בנמל 28"
    assert untrusted.bidi_closed(f"a{RLI}b{RLO}c{PDI}d{RLO}") == f"{FSI}a{RLI}b{RLO}c{PDI}d{RLO}{PDF}{PDI}"


def _longest_mark_run(text: str) -> int:
    longest = run = 0
    for ch in text:
        run = run + 1 if unicodedata.category(ch) in ("Mn", "Me") else 0
        longest = max(longest, run)
    return longest


def test_a_pile_of_combining_marks_cannot_draw_over_the_page(tmp_path: Path) -> None:
    """A title of one letter and 2,000 combining accents was drawn as a column of
    accents climbing over the masthead and the incidents above it (PDF and browser)."""
    zalgo = "Port strike e" + "\u0301\u0316" * 1000 + " ends"
    edition = _edition([_article("a1", "https://harbour.example/1", title=zalgo,
                                 source="Harbour" + "\u20dd" * 500)],
                       title=zalgo, sentences=[(f"Cranes {zalgo}.", "a1")])
    pages = _archive(tmp_path, edition)
    letter = _letter(edition)
    for name, text in {**pages, "mail.html": letter.html, "mail.txt": letter.text}.items():
        assert _longest_mark_run(text) == untrusted.MAX_MARKS, name
        assert "Port strike e\u0301\u0316" in text and " ends" in text, name


def test_real_scripts_keep_their_marks() -> None:
    for text in ("Nhà nước Việt Nam", "בְּרֵאשִׁ֖ית", "བསྒྲུབས", "हिन्दी", "e\u0301" * 50):
        assert untrusted.shown(text) == text


# --- dates at the edge of the calendar ---------------------------------------------


@pytest.mark.parametrize(("published", "zone"), [
    (datetime(9999, 12, 31, 23, 30, tzinfo=UTC), "Asia/Seoul"),
    (datetime(1, 1, 1, 0, 30, tzinfo=UTC), "America/New_York"),
])
def test_a_date_at_the_edge_of_the_calendar_renders(tmp_path: Path, published: datetime,
                                                     zone: str) -> None:
    """A feed item dated 31 Dec 9999 (or year 1), shown in a zone that shifts it past
    the calendar's end, raised OverflowError in the edition, the incident page and the
    mail: every build failed while that article was pending."""
    article = replace(_article("a1", "https://harbour.example/1"), published=published)
    other = _article("a2", "https://coast.example/2", source="Coast Daily")
    edition = replace(_edition([article, other]), timezone=zone)
    pages = _archive(tmp_path, edition)
    assert f"{published:%d %b %Y}" in pages["2026/01/29/index.html"]
    assert f"{published:%d %b %Y}" in pages["incidents/port-strike.html"]
    assert "Sentence 0." in _letter(edition).text


def test_the_mail_has_no_empty_note_box() -> None:
    """Without a PDF attached and without an archive_url, the mail's note about the PDF
    and the online edition had nothing to say and showed as a blank framed box."""
    edition = _edition([_article("a1", "https://harbour.example/1")])
    assert "mail-note" not in _letter(edition).html
    env = render.make_environment()
    linked = mail.compose(edition, env, pdf=None, attach_pdf=False, max_mail_mb=20,
                          edition_url="https://news.example/2026/01/29/", archive_root=None,
                          pdf_location="x")
    assert "mail-note" in linked.html and "Read this edition online" in linked.html


def test_a_title_with_a_line_break_still_mails_its_pdf() -> None:
    """The PDF size check built its stand-in message with the schedule's title as the
    sender's name, unsanitized: a title with a line break (a TOML multi-line string)
    raised ValueError, so no edition of that schedule could be mailed with its PDF."""
    edition = replace(_edition([_article("a1", "https://harbour.example/1")]),
                      title="Morning Brief\r\nBcc: x@evil.example\n")
    letter = mail.compose(edition, render.make_environment(), pdf=b"%PDF-1.4\n%%EOF\n",
                          attach_pdf=True, max_mail_mb=20, edition_url=None, archive_root=None,
                          pdf_location="x")
    assert letter.pdf is not None and letter.pdf_note == "attached"
    message = letter.address(sender="desk@news.example", sender_name="Desk",
                             recipient="ana@example.org", message_id="<1@news.example>",
                             now=NOW, list_id=mail.list_id(edition, "desk@news.example"))
    head = message.as_bytes().split(b"\r\n\r\n", 1)[0]
    assert not [line for line in head.split(b"\r\n") if line.lower().startswith(b"bcc")]


def test_the_text_part_lists_web_links_whatever_the_case_of_their_scheme() -> None:
    edition = _edition([_article("a1", "HTTPS://Harbour.example/Cranes"),
                        _article("a2", "file:///srv/briefing/inbox/clip.txt")])
    text = _letter(edition).text
    assert "  HTTPS://Harbour.example/Cranes\n" in text
    assert "file:" not in text


# --- names that reach file paths ---------------------------------------------------


@pytest.mark.parametrize("name", ["..", ".", "a/../..", ""])
def test_a_schedule_name_cannot_move_the_archive_out_of_output(tmp_path: Path, name: str) -> None:
    """A schedule is named by its file's stem, and ``schedules/...toml`` is named "..":
    its edition, index, feed and incident pages were written into the workspace
    folder itself, outside output/."""
    output = tmp_path / "ws" / "output"
    output.mkdir(parents=True)
    edition = replace(_edition([_article("a1", "https://harbour.example/1")]), schedule=name)
    env = render.make_environment()
    with pytest.raises(ConfigError, match="cannot name an archive folder"):
        write_edition(output, edition, {"briefing.json": render.render_json(edition).encode()})
    with pytest.raises(ConfigError, match="cannot name an archive folder"):
        rebuild_indexes(output, name, env, title="Dots")
    with pytest.raises(ConfigError, match="cannot name an archive folder"):
        remove_uncommitted(output, name, ())
    assert sorted(p.name for p in (tmp_path / "ws").iterdir()) == ["output"]
    assert list(output.iterdir()) == []


# --- the archive's own files -------------------------------------------------------


def test_an_odd_archived_json_does_not_stop_the_index_rebuild(tmp_path: Path) -> None:
    """The index, feed and incident pages are rebuilt from every archived briefing.json
    after an edition is committed; one file with a null or odd-typed list raised
    TypeError there, so every later build of the schedule failed."""
    edition = _edition([_article("a1", "https://harbour.example/1")])
    pages = _archive(tmp_path, edition)
    assert "incidents/port-strike.html" in pages
    odd = json.loads(render.render_json(edition))
    odd["window"] = "yesterday"
    odd["incidents"][0].update(summary=None, articles=["a1", None])
    odd["incidents"].append({"id": "second", "title": "Second", "summary": ["text"],
                             "articles": None})
    folder = tmp_path / "news" / "2026" / "01" / "30"
    folder.mkdir(parents=True)
    (folder / "briefing.json").write_text(json.dumps(odd), encoding="utf-8")
    rebuild_indexes(tmp_path, "news", render.make_environment(), title="Morning Brief")
    index = (tmp_path / "news" / "index.html").read_text(encoding="utf-8")
    assert "Friday, 30 January 2026" in index and "Thursday, 29 January 2026" in index
    assert (tmp_path / "news" / "incidents" / incident_file("second")).is_file()
