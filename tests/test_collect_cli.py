"""Collection through the command line, against a real HTTP server on 127.0.0.1.

`briefing collect`, then `briefing build --no-collect`, `briefing status` and
`briefing sources import`, run through click's CliRunner on a real workspace.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from webserver import Reply, WebServer

from briefing.cli import main

STORIES = {
    "city": [("Council approves transport budget", "council", "buses and trams"),
             ("Harbour bridge reopens after repairs", "bridge authority", "the harbour crossing")],
    "science": [("Telescope finds water on a distant moon", "observatory", "the icy moon"),
                ("Rare orchid found in national park", "botanists", "the mountain meadow")],
}


def story(actor: str, topic: str) -> str:
    """About 1500 characters of distinct sentences: full text, so no article page is fetched."""
    return " ".join(
        f"The {actor} said on day {i} that work on {topic} had reached stage {i} of the plan, "
        f"and that residents would hear more about {topic} within {i + 2} weeks." for i in range(1, 11))


def rss(name: str, now: datetime) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>https://{name}.example.org/{n}</link><guid>{name}-{n}</guid>"
        f"<pubDate>{(now - timedelta(hours=n + 1)).strftime('%a, %d %b %Y %H:%M:%S GMT')}</pubDate>"
        f"<description><![CDATA[<p>{story(actor, topic)}</p>]]></description></item>"
        for n, (title, actor, topic) in enumerate(STORIES[name]))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>'
            f"{items}</channel></rss>").encode()


def page(now: datetime) -> bytes:
    body = story("ministry", "the new railway line")
    published = f"{now - timedelta(hours=2):%Y-%m-%dT%H:%M:%SZ}"
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Railway line approved</title>'
            f'<meta property="og:type" content="article">'
            f'<meta property="article:published_time" content="{published}">'
            f"</head><body><article><h1>Railway line approved</h1><p>{body}</p></article></body></html>"
            ).encode()


@pytest.fixture(scope="module")
def server() -> Iterator[WebServer]:
    now = datetime.now(UTC)
    web = WebServer().start()
    web.routes.update({
        "/city.xml": Reply(body=rss("city", now), headers={"Content-Type": "application/rss+xml"}),
        "/science.xml": Reply(body=rss("science", now), headers={"Content-Type": "application/rss+xml"}),
        "/railway": Reply(body=page(now), headers={"Content-Type": "text/html; charset=utf-8"}),
        "/broken.xml": Reply(500, b"internal error"),
        "/private.xml": Reply(body=rss("city", now)),
    })
    yield web
    web.stop()


def workspace(root: Path, sources: str, name: str = "web") -> Path:
    (root / "schedules").mkdir(parents=True, exist_ok=True)
    (root / "schedules" / f"{name}.toml").write_text(
        f'title = "Web Briefing"\ntimezone = "UTC"\n\n[edition]\nformats = ["html", "json"]\n{sources}',
        encoding="utf-8")
    return root


def source(name: str, url: str, kind: str = "feed", private: bool = True) -> str:
    return (f'\n[[sources]]\nname = "{name}"\n{kind} = "{url}"\n'
            + ("allow_private = true\ndeadline = 5\n" if private else ""))


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_collect_then_build_publishes_feed_articles_and_reports_the_bad_source(
        server: WebServer, tmp_path: Path) -> None:
    ws = workspace(tmp_path, source("City", server.url("/city.xml"))
                   + source("Science", server.url("/science.xml"))
                   + source("Railway", server.url("/railway"), "page")
                   + source("Broken", server.url("/broken.xml")))
    code, out = cli("collect", "--workspace", str(ws))
    assert code == 3, out
    assert "collected web: 5 new" in out and "HTTP 500" in out

    code, out = cli("build", "--no-collect", "--json", "--workspace", str(ws))
    assert code == 3, out
    [result] = json.loads(out)
    assert result["status"] == "published", result
    edition = json.loads((Path(result["path"]) / "briefing.json").read_text())
    urls = {a["url"] for i in edition["incidents"] for a in i["articles"]}
    assert {"https://city.example.org/0", "https://city.example.org/1", "https://science.example.org/0",
            "https://science.example.org/1"} <= urls
    broken = next(s for s in edition["sources"] if s["name"] == "Broken")
    assert broken["status"] == "failed" and "HTTP 500" in broken["message"]

    code, out = cli("status", "--json", "--workspace", str(ws))
    health = {s["source"]: s for s in json.loads(out)["schedules"][0]["sources"]}
    assert health["City"]["articles_7d"] == 2 and health["City"]["failures"] == 0
    assert health["City"]["last_success"] and health["Railway"]["articles_7d"] == 1
    assert health["Broken"]["failures"] == 1 and "HTTP 500" in health["Broken"]["last_error"]
    code, out = cli("status", "--workspace", str(ws))
    assert "source City: ok (last success" in out and "2 articles in 7 days" in out
    assert "source Broken: failed" in out and "1 failure(s) in a row" in out


def test_loopback_source_without_allow_private_gets_no_request(server: WebServer, tmp_path: Path) -> None:
    ws = workspace(tmp_path, source("Sneaky", server.url("/private.xml"), private=False))
    before = len(server.hits("/private.xml"))
    code, out = cli("collect", "--workspace", str(ws))
    assert code == 3 and "allow_private" in out, out
    assert len(server.hits("/private.xml")) == before
    code, out = cli("status", "--json", "--workspace", str(ws))
    [sneaky] = json.loads(out)["schedules"][0]["sources"]
    assert sneaky["status"] == "blocked" and "no request sent" in sneaky["last_error"]


OPML = """<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0"><head><title>Feeds</title></head><body>
<outline text="News">
  <outline type="rss" text="City" xmlUrl="https://city.example.org/feed.xml"/>
  <outline type="rss" text="Science &amp; Nature" xmlUrl="https://science.example.org/rss"/>
</outline>
<outline type="rss" text="Quote &quot;Times&quot;" xmlUrl="https://quote.example.org/atom.xml"/>
</body></opml>
"""


def test_sources_import_appends_new_feeds_once(tmp_path: Path) -> None:
    city = source("City", "https://city.example.org/feed.xml", private=False)
    ws = workspace(tmp_path, "# my sources\n" + city)
    (tmp_path / "feeds.opml").write_text(OPML, encoding="utf-8")
    code, out = cli("sources", "import", str(tmp_path / "feeds.opml"), "--workspace", str(ws))
    assert code == 0 and "added 2 feed(s)" in out and "1 already there" in out, out
    text = (ws / "schedules" / "web.toml").read_text()
    assert "# my sources" in text and text.count("[[sources]]") == 3
    assert 'name = "Quote \\"Times\\""' in text and 'feed = "https://science.example.org/rss"' in text
    code, out = cli("sources", "import", str(tmp_path / "feeds.opml"), "--workspace", str(ws))
    assert code == 0 and "added 0 feed(s)" in out and (ws / "schedules" / "web.toml").read_text() == text
    assert not [p for p in (ws / "schedules").iterdir() if p.name.startswith(".")]  # no temp files left


def test_sources_import_errors_name_the_file_and_exit_2(tmp_path: Path) -> None:
    ws = workspace(tmp_path, source("City", "https://city.example.org/feed.xml", private=False))
    code, out = cli("sources", "import", str(tmp_path / "missing.opml"), "--workspace", str(ws))
    assert code == 2 and "missing.opml" in out and "cannot read" in out, out
    (tmp_path / "bomb.opml").write_text('<!DOCTYPE opml [<!ENTITY a "aaaa">]><opml><body>'
                                        '<outline text="&a;" xmlUrl="http://x.example/f"/></body></opml>')
    code, out = cli("sources", "import", str(tmp_path / "bomb.opml"), "--workspace", str(ws))
    assert code == 2 and "bomb.opml" in out and "entities" in out, out
    workspace(tmp_path, "", name="other")
    (tmp_path / "feeds.opml").write_text(OPML, encoding="utf-8")
    code, out = cli("sources", "import", str(tmp_path / "feeds.opml"), "--workspace", str(ws))
    assert code == 2 and "--schedule" in out, out
    code, out = cli("sources", "import", str(tmp_path / "feeds.opml"), "--schedule", "other",
                    "--workspace", str(ws))
    assert code == 0 and "added 3 feed(s)" in out and "other.toml" in out, out


def test_second_collect_saves_only_the_changed_item_as_an_update(server: WebServer, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    server.routes["/changing.xml"] = Reply(body=rss("science", now))
    ws = workspace(tmp_path, source("Changing", server.url("/changing.xml")))
    code, out = cli("collect", "--json", "--workspace", str(ws))
    assert code == 0 and json.loads(out)[0]["new"] == 2, out
    edited = rss("science", now).replace(b"The botanists said", b"The park rangers said")
    server.routes["/changing.xml"] = Reply(body=edited)
    code, out = cli("collect", "--json", "--workspace", str(ws))
    assert code == 0 and (json.loads(out)[0]["new"], json.loads(out)[0]["updated"]) == (0, 1), out
