"""Render stage: escaped HTML, a PDF that fetches nothing, the JSON contract, templates.

Editions are built by hand, including a hostile one whose titles and texts carry
scripts, event handlers, `javascript:` links and a local-file image, because the
edition is made from text written by strangers.
"""

from __future__ import annotations

import http.server
import io
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from briefing.errors import ConfigError
from briefing.models import (
    Article,
    Edition,
    Incident,
    Problem,
    SourceHealth,
    SummarySentence,
)
from briefing.render import (
    BUILTIN_TEMPLATES,
    CSP,
    RefusedURL,
    check_url,
    edition_to_dict,
    make_environment,
    render_html,
    render_json,
    render_pdf,
)

NOW = datetime(2026, 1, 28, 21, 30, tzinfo=UTC)
HOSTILE = '<script>alert(1)</script><img src="file:///etc/passwd" onerror="alert(2)">'


def _article(aid: str, source: str, title: str, text: str, hours: float, url: str = "") -> Article:
    return Article(
        id=aid,
        url=url or f"https://{source.lower().replace(' ', '')}.example/{aid}",
        source=source,
        title=title,
        text=text,
        published=NOW - timedelta(hours=hours),
        collected=NOW,
    )


def make_edition(
    *, hostile: bool = False, day: date = date(2026, 1, 29), n: int = 3
) -> Edition:
    """An edition of `n` incidents; with `hostile`, the first carries attack strings."""
    incidents = []
    for k in range(n):
        title = f"Incident {k + 1}: harbour cranes idle in port {k + 1}"
        a1 = _article(f"a{k}x", "Harbour Times", title, "Cranes stood still.", 30 + k)
        a2 = _article(f"a{k}y", "Coast Daily", f"Port {k + 1} workers strike", "Workers left.", 2)
        summary = (
            SummarySentence(text=f"Cranes stood still at port {k + 1} on Tuesday.", article_id=a1.id),
            SummarySentence(text="Workers walked out over pay.", article_id=a2.id,
                            also_in=(a1.id,)),
        )
        if hostile and k == 0:
            title = f"Attack {HOSTILE} headline"
            a1 = _article("evil", "Evil <b>Wire</b>", HOSTILE, HOSTILE, 3,
                          url="javascript:alert(3)")
            summary = (SummarySentence(text=f"Body {HOSTILE} text.", article_id="evil"),
                       *summary[1:])
        incidents.append(
            Incident(
                id=f"inc-{k + 1}", title=title, articles=(a1, a2), summary=summary,
                first_seen=NOW - timedelta(days=1), updated=NOW,
                status="updated" if k == 1 else "new", score=10.0 - k,
                reasons=("3 outlets",), evidence=("shared words",),
            )
        )
    return Edition(
        schedule="demo", title="Morning <Brief>", date=day, timezone="Asia/Seoul",
        window_start=NOW - timedelta(days=1), window_end=NOW,
        incidents=tuple(incidents),
        sources=(SourceHealth(name="Harbour Times", articles=3),
                 SourceHealth(name="Gone Gazette", status="gone", message="HTTP 410")),
        problems=(Problem(stage="collect", source="Gone Gazette", message="HTTP 410 Gone"),),
    )


class _Tags(HTMLParser):
    """Collects every start tag and attribute, to look for anything executable."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _parse(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


@pytest.fixture(scope="module")
def env():  # type: ignore[no-untyped-def]
    return make_environment()


@pytest.fixture(scope="module")
def hostile_html(env) -> str:  # type: ignore[no-untyped-def]
    return render_html(make_edition(hostile=True), env)


# --- HTML ----------------------------------------------------------------------------


def test_html_escapes_hostile_text(hostile_html: str) -> None:
    tags = _parse(hostile_html)
    names = [t for t, _ in tags]
    assert "script" not in names and "img" not in names
    for tag, attrs in tags:
        assert not [k for k in attrs if k.startswith("on")], (tag, attrs)
        for key in ("href", "src"):
            value = (attrs.get(key) or "").lower()
            assert not value.startswith(("javascript:", "data:", "file:///etc")), (tag, attrs)
        assert "src" not in attrs, f"no external resources: {tag} {attrs}"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile_html
    assert "Evil &lt;b&gt;Wire&lt;/b&gt;" in hostile_html


def test_html_has_csp_landmarks_and_lang(hostile_html: str) -> None:
    tags = _parse(hostile_html)
    metas = [a for t, a in tags if t == "meta" and a.get("http-equiv")]
    assert metas and metas[0]["content"] == CSP
    assert "script-src" not in CSP and "default-src 'none'" in CSP
    names = [t for t, _ in tags]
    for landmark in ("header", "nav", "main", "footer"):
        assert landmark in names
    assert tags[0] == ("html", {"lang": "en"})
    assert names.index("h1") < names.index("h2") < names.index("h3")
    assert "<link" not in hostile_html and "@import" not in hostile_html


def test_each_incident_carries_its_language(env) -> None:  # type: ignore[no-untyped-def]
    """The page's lang is the commonest language, and an incident in another language says
    so (screen readers and the PDF's hyphenation follow it)."""
    from dataclasses import replace

    edition = make_edition(n=3)
    german = replace(edition.incidents[2], articles=tuple(
        replace(a, language="de") for a in edition.incidents[2].articles))
    tags = _parse(render_html(replace(edition, incidents=(*edition.incidents[:2], german)), env))
    assert tags[0] == ("html", {"lang": "en"})
    langs = [a.get("lang") for t, a in tags if t == "article" and "incident" in (a.get("class") or "")]
    assert langs == ["en", "en", "de"]


def test_html_content(env) -> None:  # type: ignore[no-untyped-def]
    edition = make_edition()
    html = render_html(edition, env)
    for inc in edition.incidents:
        assert inc.title in html
        assert f'href="#incident-{inc.id}"' in html
    assert "Thursday, 29 January 2026" in html
    assert "29 Jan 2026, 06:30" in html  # window end in Asia/Seoul
    assert ">NEW<" in html and ">UPDATED<" in html
    assert 'href="https://harbourtimes.example/a0x"' in html  # attribution mark
    assert "Gone Gazette" in html and "HTTP 410 Gone" in html
    assert "Timeline" in html  # articles a day apart


def test_page_size_is_validated(env) -> None:  # type: ignore[no-untyped-def]
    assert "size: letter" in render_html(make_edition(n=1), env, page_size="Letter")
    with pytest.raises(ConfigError):
        render_html(make_edition(n=1), env, page_size="A4; } body { color: red")


def test_quiet_day_renders(env) -> None:  # type: ignore[no-untyped-def]
    html = render_html(make_edition(n=0), env)
    assert "quiet day" in html


# --- templates -----------------------------------------------------------------------


def test_workspace_override_extends_default(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "edition.html").write_text(
        '{% extends "default:edition.html" %}'
        "{% block footer %}<footer>OVERRIDE {{ counts.incidents }}</footer>{% endblock %}"
    )
    html = render_html(make_edition(), make_environment(tmp_path))
    assert "<footer>OVERRIDE 3</footer>" in html
    assert "At a glance" in html


def test_template_typo_raises_config_error(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "edition.html").write_text(
        "<html>\n<p>{{ edition.title }}</p>\n<p>{{ edtion.title }}</p>\n</html>\n"
    )
    with pytest.raises(ConfigError) as err:
        render_html(make_edition(), make_environment(tmp_path))
    assert "edition.html" in err.value.message
    assert "line 3" in err.value.message
    assert "edtion" in err.value.message


def test_template_syntax_error_names_template(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "edition.html").write_text("<p>\n{% if %}\n")
    with pytest.raises(ConfigError) as err:
        render_html(make_edition(), make_environment(tmp_path))
    assert "edition.html" in err.value.message and "line 2" in err.value.message


# --- PDF -----------------------------------------------------------------------------


def _outline_titles(reader: PdfReader) -> list[str]:
    titles: list[str] = []

    def walk(items: list) -> None:  # type: ignore[type-arg]
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(str(item.title))

    walk(reader.outline)
    return titles


def test_pdf_has_pages_titles_in_order_and_bookmarks(env) -> None:  # type: ignore[no-untyped-def]
    edition = make_edition(n=4)
    pdf = render_pdf(render_html(edition, env), title="Morning Brief, 29 Jan 2026")
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    text = "\n".join(p.extract_text() for p in reader.pages)
    glance = [text.find(i.title[:30]) for i in edition.incidents]
    bodies = [text.rfind(i.title[:30]) for i in edition.incidents]
    assert all(p >= 0 for p in glance) and glance == sorted(glance), glance
    assert bodies == sorted(bodies) and bodies[0] > glance[-1], (glance, bodies)
    first = reader.pages[0].extract_text()
    assert "at a glance" in first.lower() and "page 1 of" in first
    outline = _outline_titles(reader)
    for inc in edition.incidents:
        assert inc.title in outline
    meta = reader.metadata
    assert meta is not None and meta.title == "Morning Brief, 29 Jan 2026"
    assert meta.author == "briefing" and meta.creation_date is not None


def test_pdf_glance_links_resolve(env) -> None:  # type: ignore[no-untyped-def]
    edition = make_edition(n=3)
    reader = PdfReader(io.BytesIO(render_pdf(render_html(edition, env), title="t")))
    annots = [a.get_object() for a in reader.pages[0].get("/Annots", [])]
    targets = {str(a["/Dest"]) for a in annots if "/Dest" in a}
    assert targets == {f"incident-{i.id}" for i in edition.incidents}
    for name in targets:
        page = reader.get_destination_page_number(reader.named_destinations[name])
        assert edition.incidents[int(name[-1]) - 1].title[:20] in reader.pages[page].extract_text()


def test_render_module_does_not_import_weasyprint() -> None:
    code = "import briefing.render, briefing.archive, sys; print('weasyprint' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cli_help_does_not_import_weasyprint() -> None:
    """Every cron line and shell completion runs the CLI; WeasyPrint costs a second or two."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "briefing", "--help"],
                         capture_output=True, text=True, check=True, timeout=60)
    assert "Usage" in out.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines()}
    assert "briefing.cli" in imported
    assert not {m for m in imported if m.split(".")[0] == "weasyprint"}


def test_url_fetcher_refuses_everything_but_data_and_own_assets() -> None:
    check_url("data:text/plain,hello")
    check_url((BUILTIN_TEMPLATES / "edition.css").as_uri())
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/x.png", "https://example.org/a.css",
                (BUILTIN_TEMPLATES / ".." / "pyproject.toml").as_uri(), "ftp://x/y"):
        with pytest.raises(RefusedURL):
            check_url(url)


class _Canary(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def canary() -> Iterator[str]:
    _Canary.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Canary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_canary_is_alive(canary: str) -> None:
    import urllib.request

    with urllib.request.urlopen(canary + "/ping", timeout=5):
        pass
    assert _Canary.hits == ["/ping"]


def test_hostile_pdf_fetches_nothing(canary: str, hostile_html: str) -> None:
    hostile = hostile_html.replace(
        "</style>",
        f"body {{ background: url({canary}/css-bg.png) }}\n"
        f"@import url({canary}/import.css);\n"
        f"@font-face {{ font-family: X; src: url({canary}/font.woff) }}\n"
        "h1 { background: url(file:///etc/passwd) }\n</style>"
        f'<link rel="stylesheet" href="{canary}/link.css">',
    ).replace(
        "<main", f'<img src="{canary}/img.png"><img src="file:///etc/passwd"><main'
    )
    pdf = render_pdf(hostile, title="hostile")
    assert pdf.startswith(b"%PDF")
    assert _Canary.hits == []
    assert b"root:x:0:0" not in pdf


# --- JSON ----------------------------------------------------------------------------


def test_json_has_the_contract_fields() -> None:
    edition = make_edition(hostile=True)
    data = json.loads(render_json(edition))
    assert data == edition_to_dict(edition)
    assert {"schedule", "title", "date", "timezone", "window", "incidents", "sources",
            "problems"} <= data.keys()
    assert data["date"] == "2026-01-29"
    assert data["window"] == {"start": "2026-01-27T21:30:00+00:00",
                              "end": "2026-01-28T21:30:00+00:00"}
    inc = data["incidents"][0]
    assert {"id", "title", "status", "first_seen", "updated", "score", "reasons",
            "evidence", "summary", "articles"} <= inc.keys()
    assert inc["summary"][0] == {"text": f"Body {HOSTILE} text.", "article_id": "evil", "also_in": [],
                                 "new": True}
    assert set(inc["articles"][0]) == {"id", "url", "source", "title", "published"}
    assert data["sources"][1] == {"name": "Gone Gazette", "status": "gone",
                                  "message": "HTTP 410", "articles": 0}
    assert data["problems"] == [{"stage": "collect", "source": "Gone Gazette",
                                 "message": "HTTP 410 Gone"}]
    assert re.search(r"[<>]", render_json(edition))  # raw text, not HTML-escaped


def test_missing_glyphs_reports_uncovered_text() -> None:
    from briefing.render import _font_coverage, missing_glyphs

    if not _font_coverage():
        pytest.skip("fontconfig's fc-list is not installed")
    assert missing_glyphs("<p>Plain English &amp; caf\u00e9 \u2014 fine</p>") == ""
    import unicodedata

    covered = _font_coverage()
    uncovered = next(
        chr(c) for c in range(0x4E00, 0x30000)
        if unicodedata.category(chr(c)) == "Lo" and not any(lo <= c <= hi for lo, hi in covered)
    )
    assert missing_glyphs(f"<p>ok {uncovered} ok</p>") == uncovered


def test_pdf_a3b_variant(env) -> None:  # type: ignore[no-untyped-def]
    pdf = render_pdf(render_html(make_edition(n=1), env), title="t", pdf_variant="pdf/a-3b")
    xmp = PdfReader(io.BytesIO(pdf)).xmp_metadata
    assert xmp is not None and b'pdfaid:part="3"' in xmp.stream.get_data()
    with pytest.raises(ConfigError):
        render_pdf("<p>x</p>", title="t", pdf_variant="pdf/z-9")


def test_incident_file_names_are_safe_and_distinct() -> None:
    from briefing.render import incident_file

    assert incident_file("inc-1") == "inc-1.html"
    names = {incident_file(i) for i in ("../../etc/passwd", "a/b", "a-b", "a b", "")}
    assert len(names) == 5
    assert all("/" not in n and not n.startswith(".") for n in names)


# --- accessibility -------------------------------------------------------------------


def _luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two sRGB colours."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _palettes() -> dict[str, dict[str, str]]:
    """The colour variables of edition.css: light (:root), dark and print (overrides)."""
    css = (BUILTIN_TEMPLATES / "edition.css").read_text()
    colours = re.compile(r"(--[\w-]+):\s*(#[0-9a-fA-F]{3,6})\b")
    light = dict(colours.findall(css.split("@media screen")[0]))
    dark = css.split("prefers-color-scheme: dark")[1].split("} }")[0]
    printed = css.split("@media print {")[1].split("}")[0]
    return {"light": light, "dark": light | dict(colours.findall(dark)),
            "print": light | dict(colours.findall(printed))}


TEXT_PAIRS = [("fg", "bg"), ("muted", "bg"), ("link", "bg"), ("accent", "bg"), ("bad", "bg"),
              ("fg", "panel"), ("muted", "panel"), ("link", "panel"),
              ("new-fg", "new-bg"), ("upd-fg", "upd-bg")]


@pytest.mark.parametrize("scheme", ["light", "dark", "print"])
def test_colour_pairs_pass_wcag_aa(scheme: str) -> None:
    """Every text colour on every background it is used on reaches 4.5:1 (AA, body text)."""
    palette = _palettes()[scheme]
    assert len(palette) >= 12  # the parser found the variables
    low = {f"{fg} on {bg}": round(contrast(palette[f"--{fg}"], palette[f"--{bg}"]), 2)
           for fg, bg in TEXT_PAIRS}
    assert all(ratio >= 4.5 for ratio in low.values()), low


def test_contrast_formula() -> None:
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def heading_levels(html: str) -> list[int]:
    return [int(t[1]) for t, _ in _parse(html) if re.fullmatch(r"h[1-6]", t)]


def test_headings_never_skip_a_level(env) -> None:  # type: ignore[no-untyped-def]
    html = render_html(make_edition(), env)
    levels = heading_levels(html)
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels


# --- the demo edition, as readers get it -------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Edition, str, bytes]:
    """The demo edition (a dry run over samples/demo), its archived HTML and its PDF."""
    import shutil

    from briefing.config import load_schedule
    from briefing.pipeline import build

    repo = BUILTIN_TEMPLATES.parent
    ws = tmp_path_factory.mktemp("demo-render")
    shutil.copytree(repo / "samples" / "demo", ws / "samples" / "demo")
    (ws / "schedules").mkdir()
    shutil.copy(repo / "schedules" / "demo.toml", ws / "schedules" / "demo.toml")
    result = build(load_schedule(ws / "schedules" / "demo.toml"), ws,
                   datetime(2026, 11, 23, 6, 30, tzinfo=UTC), dry_run=True)
    assert result.edition is not None and len(result.edition.incidents) >= 4
    html = render_html(result.edition, make_environment(ws), archive_root="../../../")
    return result.edition, html, render_pdf(html, title=result.edition.title)


def test_demo_pdf_titles_in_order_bookmarks_and_links(demo: tuple[Edition, str, bytes]) -> None:
    edition, _, pdf = demo
    reader = PdfReader(io.BytesIO(pdf))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    heads = [re.sub(r"\s+", " ", i.title)[:25] for i in edition.incidents]
    bodies = [text.rfind(h) for h in heads]
    assert all(b >= 0 for b in bodies) and bodies == sorted(bodies), bodies
    assert _outline_titles(reader)[:len(heads)] == [i.title for i in edition.incidents]
    annots = [a.get_object() for a in reader.pages[0].get("/Annots", [])]
    dests = [str(a["/Dest"]) for a in annots if "/Dest" in a]
    assert len(set(dests)) == len(edition.incidents)
    for dest in dests:
        page = reader.get_destination_page_number(reader.named_destinations[dest])
        assert page < len(reader.pages)


def test_demo_html_is_inert_and_its_anchors_resolve(demo: tuple[Edition, str, bytes]) -> None:
    _, html, _ = demo
    tags = _parse(html)
    assert "script" not in {t for t, _ in tags}
    assert not [k for _, a in tags for k in a if k.lower().startswith("on")]
    assert not [a["src"] for _, a in tags if a.get("src")]  # nothing embedded from anywhere
    ids = {a["id"] for _, a in tags if a.get("id")}
    local = [str(a["href"])[1:] for t, a in tags if t == "a" and str(a.get("href", "")).startswith("#")]
    assert local and set(local) <= ids
    assert 'href="../../../index.html"' in html


def _updated(new: tuple[bool, bool]) -> Edition:
    """make_edition's second incident (updated) with its two sentences new or not."""
    edition = make_edition()
    inc = edition.incidents[1]
    summary = tuple(replace(s, new=flag) for s, flag in zip(inc.summary, new, strict=True))
    return replace(edition, incidents=(edition.incidents[0], replace(inc, summary=summary),
                                       *edition.incidents[2:]))


def _fresh(html: str) -> list[str]:
    return re.findall(r'<ins class="fresh"[^>]*>(.*?)</ins>', html)  # the mail's CSS is inlined


def test_an_update_highlights_what_is_new_since_the_last_edition(env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """In an updated incident the sentences no earlier edition carried are highlighted,
    on the edition page, in the archive's incident page and in the mail; a new incident's
    are all new, so nothing is highlighted there."""
    from briefing import mail
    from briefing.archive import rebuild_indexes, write_edition
    from briefing.ledger import load_edition

    edition = _updated((False, True))
    html = render_html(edition, env)
    assert _fresh(html) == ["highlighted", "Workers walked out over pay."]
    assert "new since the last edition" in html
    folder = write_edition(tmp_path, edition, {"index.html": html.encode(),
                                               "briefing.json": render_json(edition).encode()})
    rebuild_indexes(tmp_path, edition.schedule, env, title=edition.title)
    page = (tmp_path / "demo" / "incidents" / "inc-2.html").read_text()
    assert _fresh(page) == ["Workers walked out over pay."]
    assert 'harbourtimes.example/a1x">Harbour Times</a>' in page  # also_in: every outlet marked
    again = load_edition(folder / "briefing.json")  # what a retried mail is built from
    assert again.incidents[1].summary == edition.incidents[1].summary
    letter = mail.compose(again, env, pdf=None, attach_pdf=False, max_mail_mb=20, edition_url=None,
                          archive_root=None, pdf_location="x")
    assert _fresh(letter.html)[1:] == ["Workers walked out over pay."]
    assert "[new] Workers walked out" in letter.text and "[new] Cranes" not in letter.text


def test_an_update_all_new_says_so_instead_of_highlighting_everything(env) -> None:  # type: ignore[no-untyped-def]
    html = render_html(_updated((True, True)), env)
    assert _fresh(html) == [] and "summary all new since the last edition" in html
    assert "new since the last edition" not in render_html(_updated((False, False)), env)
